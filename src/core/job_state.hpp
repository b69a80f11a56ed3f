// The backfill job state machine: the states a job row can be in, the user
// commands (pause, resume, cancel) and the worker events that move it.
// Pure C++17; the PostgreSQL layer stores states as their names.
//
//   queued --worker starts--> running --last batch--> succeeded
//     |  \                     |  \--error---------> failed --resume--> queued
//     |   \--pause--> paused <-+   \--query cancel-> paused
//     |                |  ^----pause--/
//     |                +--resume--> queued
//     +--cancel (from queued, running, paused, failed)--> cancelled
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pg_backfill::core {

enum class JobState { Queued, Running, Paused, Succeeded, Failed, Cancelled };

enum class Command { Pause, Resume, Cancel };

enum class WorkerEvent {
	Start,    // a worker took the job (queued, or running whose worker is gone)
	Finish,   // the last batch committed
	Fail,     // a batch failed with an error other than a lock timeout
	Interrupt // the batch was cancelled by pg_cancel_backend
};

// The state's name as stored in backfill.jobs.state. Never throws.
const char *StateName(JobState state) noexcept;

// The state named `name`, or nullopt for an unknown name. Never throws.
std::optional<JobState> ParseState(std::string_view name) noexcept;

// The command's SQL verb ("pause", ...). Never throws.
const char *CommandName(Command command) noexcept;

// True for queued, running and paused: the states in which a job holds its
// column (the one-active-job-per-column rule). Never throws.
bool IsActive(JobState state) noexcept;

// True when a job in `state` wants a worker (queued or running). Never throws.
bool WantsWorker(JobState state) noexcept;

// The state a user command moves job `job_id` to. worker_alive says whether a
// worker currently holds the job (a running job whose worker is gone may be
// resumed). Throws Error 55000 for an illegal transition, e.g.
// "cannot resume backfill job 7: it has already succeeded".
JobState ApplyCommand(int64_t job_id, JobState from, Command command, bool worker_alive);

// The state a worker event moves a job to. Throws Error 55000 when the event
// cannot happen in `from` (the worker checks the state under a row lock, so
// this is an internal consistency check).
JobState ApplyEvent(int64_t job_id, JobState from, WorkerEvent event);

} // namespace pg_backfill::core
