#include "core/job_phase.hpp"

#include <gtest/gtest.h>

using namespace pg_backfill::core;

TEST(JobPhase, NamesRoundTrip) {
	for (JobPhase phase : {JobPhase::Walk, JobPhase::Sweep, JobPhase::FinalSweep})
		EXPECT_EQ(ParsePhase(PhaseName(phase)), phase);
	EXPECT_FALSE(ParsePhase("sweeping").has_value());
}

TEST(JobPhase, NothingSkippedEndsTheJob) {
	EXPECT_FALSE(PhaseAfterPass(JobPhase::Walk, 0, 0).has_value());
	EXPECT_FALSE(PhaseAfterPass(JobPhase::Sweep, 0, 2).has_value());
	EXPECT_FALSE(PhaseAfterPass(JobPhase::FinalSweep, 0, 9).has_value());
}

TEST(JobPhase, SkippingSweepsThenOneThatWaits) {
	EXPECT_EQ(PhaseAfterPass(JobPhase::Walk, 5, 0), JobPhase::Sweep);
	for (int done = 1; done < kSkipLockedSweeps; done++)
		EXPECT_EQ(PhaseAfterPass(JobPhase::Sweep, 5, done), JobPhase::Sweep);
	EXPECT_EQ(PhaseAfterPass(JobPhase::Sweep, 5, kSkipLockedSweeps), JobPhase::FinalSweep);
	EXPECT_EQ(PhaseAfterPass(JobPhase::FinalSweep, 1, kSkipLockedSweeps + 1), JobPhase::FinalSweep);
	EXPECT_TRUE(SkipsLockedRows(JobPhase::Walk));
	EXPECT_TRUE(SkipsLockedRows(JobPhase::Sweep));
	EXPECT_FALSE(SkipsLockedRows(JobPhase::FinalSweep));
}
