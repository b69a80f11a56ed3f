#include "core/job_state.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace core = pg_backfill::core;
using core::Command;
using core::JobState;
using core::WorkerEvent;

namespace {

const JobState kAll[] = {JobState::Queued,    JobState::Running, JobState::Paused,
                         JobState::Succeeded, JobState::Failed,  JobState::Cancelled};

// The SQLSTATE and message of the error ApplyCommand throws, or "" if none.
std::string
CommandError(JobState from, Command command, bool worker_alive = false) {
	try {
		core::ApplyCommand(7, from, command, worker_alive);
	} catch (const core::Error &e) {
		return std::string(e.SqlState()) + " " + e.what();
	}
	return "";
}

} // namespace

TEST(JobState, NamesRoundTrip) {
	for (JobState s : kAll)
		EXPECT_EQ(core::ParseState(core::StateName(s)), s);
	EXPECT_FALSE(core::ParseState("done").has_value());
	EXPECT_FALSE(core::ParseState("").has_value());
	EXPECT_STREQ(core::StateName(JobState::Cancelled), "cancelled");
}

TEST(JobState, ActiveAndWantsWorker) {
	EXPECT_TRUE(core::IsActive(JobState::Queued));
	EXPECT_TRUE(core::IsActive(JobState::Running));
	EXPECT_TRUE(core::IsActive(JobState::Paused));
	EXPECT_FALSE(core::IsActive(JobState::Succeeded));
	EXPECT_FALSE(core::IsActive(JobState::Failed));
	EXPECT_FALSE(core::IsActive(JobState::Cancelled));
	EXPECT_TRUE(core::WantsWorker(JobState::Queued));
	EXPECT_TRUE(core::WantsWorker(JobState::Running));
	EXPECT_FALSE(core::WantsWorker(JobState::Paused));
}

TEST(JobState, Pause) {
	EXPECT_EQ(core::ApplyCommand(7, JobState::Queued, Command::Pause, false), JobState::Paused);
	EXPECT_EQ(core::ApplyCommand(7, JobState::Running, Command::Pause, true), JobState::Paused);
	EXPECT_EQ(CommandError(JobState::Paused, Command::Pause),
	          "55000 cannot pause backfill job 7: it is already paused");
	EXPECT_EQ(CommandError(JobState::Succeeded, Command::Pause),
	          "55000 cannot pause backfill job 7: it has already succeeded");
	EXPECT_EQ(CommandError(JobState::Failed, Command::Pause), "55000 cannot pause backfill job 7: it has failed");
	EXPECT_EQ(CommandError(JobState::Cancelled, Command::Pause),
	          "55000 cannot pause backfill job 7: it has been cancelled");
}

TEST(JobState, Resume) {
	EXPECT_EQ(core::ApplyCommand(7, JobState::Paused, Command::Resume, false), JobState::Queued);
	EXPECT_EQ(core::ApplyCommand(7, JobState::Failed, Command::Resume, false), JobState::Queued);
	EXPECT_EQ(core::ApplyCommand(7, JobState::Queued, Command::Resume, false), JobState::Queued);
	// A running job whose worker is gone gets a new one; a live one is left alone.
	EXPECT_EQ(core::ApplyCommand(7, JobState::Running, Command::Resume, false), JobState::Running);
	EXPECT_EQ(CommandError(JobState::Running, Command::Resume, true),
	          "55000 cannot resume backfill job 7: it is already running");
	EXPECT_EQ(CommandError(JobState::Succeeded, Command::Resume),
	          "55000 cannot resume backfill job 7: it has already succeeded");
	EXPECT_EQ(CommandError(JobState::Cancelled, Command::Resume),
	          "55000 cannot resume backfill job 7: it has been cancelled");
}

TEST(JobState, Cancel) {
	// A failed job can be abandoned, not only an active one.
	for (JobState s : {JobState::Queued, JobState::Running, JobState::Paused, JobState::Failed})
		EXPECT_EQ(core::ApplyCommand(7, s, Command::Cancel, true), JobState::Cancelled);
	EXPECT_EQ(CommandError(JobState::Succeeded, Command::Cancel),
	          "55000 cannot cancel backfill job 7: it has already succeeded");
	EXPECT_EQ(CommandError(JobState::Cancelled, Command::Cancel),
	          "55000 cannot cancel backfill job 7: it has been cancelled");
}

TEST(JobState, WorkerEvents) {
	EXPECT_EQ(core::ApplyEvent(1, JobState::Queued, WorkerEvent::Start), JobState::Running);
	EXPECT_EQ(core::ApplyEvent(1, JobState::Running, WorkerEvent::Start), JobState::Running);
	EXPECT_EQ(core::ApplyEvent(1, JobState::Running, WorkerEvent::Finish), JobState::Succeeded);
	EXPECT_EQ(core::ApplyEvent(1, JobState::Running, WorkerEvent::Fail), JobState::Failed);
	EXPECT_EQ(core::ApplyEvent(1, JobState::Running, WorkerEvent::Interrupt), JobState::Paused);
	for (JobState s : {JobState::Paused, JobState::Succeeded, JobState::Failed, JobState::Cancelled})
		EXPECT_THROW(core::ApplyEvent(1, s, WorkerEvent::Start), core::Error);
	for (JobState s : kAll)
		if (s != JobState::Running) {
			EXPECT_THROW(core::ApplyEvent(1, s, WorkerEvent::Finish), core::Error);
		}
}

TEST(JobState, EveryCommandFromEveryStateEitherMovesOrThrows55000) {
	for (JobState s : kAll)
		for (Command c : {Command::Pause, Command::Resume, Command::Cancel})
			for (bool alive : {false, true}) {
				try {
					JobState next = core::ApplyCommand(42, s, c, alive);
					EXPECT_TRUE(core::IsActive(next) || next == JobState::Cancelled);
				} catch (const core::Error &e) {
					EXPECT_STREQ(e.SqlState(), "55000");
					EXPECT_NE(std::string(e.what()).find("backfill job 42"), std::string::npos);
				}
			}
}
