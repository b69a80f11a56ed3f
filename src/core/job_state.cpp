#include "core/job_state.hpp"

#include <string>

#include "core/error.hpp"

namespace pg_backfill::core {

namespace {

constexpr const char *kObjectNotInPrerequisiteState = "55000";

// "it is already paused", "it has already succeeded", ...: why a command
// cannot apply to a job in `state`.
std::string
Reason(JobState state) {
	switch (state) {
	case JobState::Queued:
		return "it is queued";
	case JobState::Running:
		return "it is already running";
	case JobState::Paused:
		return "it is already paused";
	case JobState::Succeeded:
		return "it has already succeeded";
	case JobState::Failed:
		return "it has failed";
	case JobState::Cancelled:
		return "it has been cancelled";
	}
	return "it is in an unknown state";
}

[[noreturn]] void
Illegal(int64_t job_id, const char *verb, JobState from, const char *hint = "") {
	throw Error(kObjectNotInPrerequisiteState,
	            std::string("cannot ") + verb + " backfill job " + std::to_string(job_id) + ": " + Reason(from),
	            std::string(), hint);
}

} // namespace

const char *
StateName(JobState state) noexcept {
	switch (state) {
	case JobState::Queued:
		return "queued";
	case JobState::Running:
		return "running";
	case JobState::Paused:
		return "paused";
	case JobState::Succeeded:
		return "succeeded";
	case JobState::Failed:
		return "failed";
	case JobState::Cancelled:
		return "cancelled";
	}
	return "unknown";
}

std::optional<JobState>
ParseState(std::string_view name) noexcept {
	for (JobState s : {JobState::Queued, JobState::Running, JobState::Paused, JobState::Succeeded, JobState::Failed,
	                   JobState::Cancelled})
		if (name == StateName(s))
			return s;
	return std::nullopt;
}

const char *
CommandName(Command command) noexcept {
	switch (command) {
	case Command::Pause:
		return "pause";
	case Command::Resume:
		return "resume";
	case Command::Cancel:
		return "cancel";
	}
	return "unknown";
}

bool
IsActive(JobState state) noexcept {
	return state == JobState::Queued || state == JobState::Running || state == JobState::Paused;
}

bool
WantsWorker(JobState state) noexcept {
	return state == JobState::Queued || state == JobState::Running;
}

JobState
ApplyCommand(int64_t job_id, JobState from, Command command, bool worker_alive) {
	const char *verb = CommandName(command);
	switch (command) {
	case Command::Pause:
		if (from == JobState::Queued || from == JobState::Running)
			return JobState::Paused;
		break;
	case Command::Resume:
		// A paused or failed job continues from its checkpoint; a queued
		// job, or a running one whose worker is gone, gets a worker again.
		if (from == JobState::Paused || from == JobState::Failed)
			return JobState::Queued;
		if (from == JobState::Queued)
			return JobState::Queued;
		if (from == JobState::Running && !worker_alive)
			return JobState::Running;
		break;
	case Command::Cancel:
		// A failed job may be abandoned too: cancelled is the final word.
		if (IsActive(from) || from == JobState::Failed)
			return JobState::Cancelled;
		break;
	}
	Illegal(job_id, verb, from);
}

JobState
ApplyEvent(int64_t job_id, JobState from, WorkerEvent event) {
	switch (event) {
	case WorkerEvent::Start:
		if (WantsWorker(from))
			return JobState::Running;
		Illegal(job_id, "start", from);
	case WorkerEvent::Finish:
	case WorkerEvent::Fail:
	case WorkerEvent::Interrupt:
		if (from != JobState::Running)
			Illegal(job_id, "end", from);
		return event == WorkerEvent::Finish ? JobState::Succeeded
		       : event == WorkerEvent::Fail ? JobState::Failed
		                                    : JobState::Paused;
	}
	Illegal(job_id, "change", from);
}

} // namespace pg_backfill::core
