// The phases of a job: the fill (the walk over the key range, then sweeps
// over the keys the walk skipped because another transaction held their row
// lock), then the finishing steps the user asked for (finish_backfill,
// add_column_backfill). "Skip, don't wait": the walk and the first sweeps
// lock rows with SKIP LOCKED and record what they could not lock; only the
// final sweep waits for a row lock, one row per transaction, under
// lock_timeout and backoff, so no batch ever holds rows while it waits for
// another. Each finishing phase is one step (one or two DDL statements, each
// in a transaction of its own); the phase is advanced in the job row once
// its step committed, so a worker that dies resumes at the step it was in
// (every step first checks the catalog, so a step that committed before the
// crash is not done twice). Pure C++17.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pg_backfill::core {

enum class JobPhase {
	Walk,
	Sweep,
	FinalSweep,
	// Finishing phases, in the order they run.
	SetDefault,           // ALTER COLUMN SET DEFAULT
	AddNotNullCheck,      // ADD CONSTRAINT <check> CHECK (col IS NOT NULL) NOT VALID
	ValidateNotNullCheck, // VALIDATE CONSTRAINT <check>
	SetNotNull,           // ALTER COLUMN SET NOT NULL (proved by the validated check: no scan)
	DropNotNullCheck,     // DROP CONSTRAINT <check>
	AddCheck,             // ADD CONSTRAINT <name> CHECK (...) NOT VALID
	ValidateCheck,        // VALIDATE CONSTRAINT <name>
	AddForeignKey,        // ADD CONSTRAINT <name> FOREIGN KEY ... NOT VALID
	ValidateForeignKey,   // VALIDATE CONSTRAINT <name>
	CreateIndex,          // CREATE [UNIQUE] INDEX CONCURRENTLY, top level
	DropSyncTrigger,      // DROP TRIGGER of the job's sync trigger
};

// Sweeps that skip locked rows before the final, waiting one.
constexpr int kSkipLockedSweeps = 3;

// The phase's name as stored in backfill.jobs.phase ("walk", "final sweep",
// "validate not null check", ...). Never throws.
const char *PhaseName(JobPhase phase) noexcept;

// The phase named `name`, or nullopt. Never throws.
std::optional<JobPhase> ParsePhase(std::string_view name) noexcept;

// True for the phases that lock rows with SKIP LOCKED. Never throws.
bool SkipsLockedRows(JobPhase phase) noexcept;

// A pass (the walk, or one round over the skipped keys) just ended with
// keys_left skipped keys still recorded, after sweeps_done sweep rounds
// (this one included). Returns the phase of the next pass, or nullopt when
// the fill is done. Never throws.
std::optional<JobPhase> PhaseAfterPass(JobPhase finished, int64_t keys_left, int sweeps_done) noexcept;

// The finishing steps asked for a job.
struct FinishPlan {
	bool set_default = false;
	bool not_null = false;
	bool check = false;
	bool foreign_key = false;
	bool create_index = false;
	bool drop_sync_trigger = false;
};

// True for the finishing phases (the fill is done). Never throws.
bool IsFinishingPhase(JobPhase phase) noexcept;

// The first finishing phase of the plan after the fill, or nullopt (no
// steps: the job succeeds when the fill ends). Never throws.
std::optional<JobPhase> FirstFinishingPhase(const FinishPlan &plan) noexcept;

// The finishing phase of the plan after `done` (a finishing phase), or
// nullopt when `done` was the last: the job succeeds. Never throws.
std::optional<JobPhase> NextFinishingPhase(const FinishPlan &plan, JobPhase done) noexcept;

// The phase whose step made the constraint or index that the step of
// `phase` works on (ValidateNotNullCheck -> AddNotNullCheck, ...): when that
// step fails, what it made is dropped and a resumed job starts again there.
// Other phases return themselves. Never throws.
JobPhase PhaseThatMadeIt(JobPhase phase) noexcept;

} // namespace pg_backfill::core
