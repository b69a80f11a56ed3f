// The phases of a running job: the walk over the key range, then sweeps
// over the keys the walk skipped because another transaction held their row
// lock. "Skip, don't wait": the walk and the first sweeps lock rows with SKIP
// LOCKED and record what they could not lock; only the final sweep waits for
// a row lock, one row per transaction, under lock_timeout and backoff, so no
// batch ever holds rows while it waits for another. Pure C++17.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pg_backfill::core {

enum class JobPhase { Walk, Sweep, FinalSweep };

// Sweeps that skip locked rows before the final, waiting one.
constexpr int kSkipLockedSweeps = 3;

// The phase's name as stored in backfill.jobs.phase. Never throws.
const char *PhaseName(JobPhase phase) noexcept;

// The phase named `name`, or nullopt. Never throws.
std::optional<JobPhase> ParsePhase(std::string_view name) noexcept;

// True for the phases that lock rows with SKIP LOCKED. Never throws.
bool SkipsLockedRows(JobPhase phase) noexcept;

// A pass (the walk, or one round over the skipped keys) just ended with
// keys_left skipped keys still recorded, after sweeps_done sweep rounds
// (this one included). Returns the phase of the next pass, or nullopt when
// the job is done. Never throws.
std::optional<JobPhase> PhaseAfterPass(JobPhase finished, int64_t keys_left, int sweeps_done) noexcept;

} // namespace pg_backfill::core
