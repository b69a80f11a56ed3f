#include "core/job_phase.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

TEST(JobPhase, FinishingNamesRoundTrip) {
	for (JobPhase phase :
	     {JobPhase::SetDefault, JobPhase::AddNotNullCheck, JobPhase::ValidateNotNullCheck, JobPhase::SetNotNull,
	      JobPhase::DropNotNullCheck, JobPhase::AddCheck, JobPhase::ValidateCheck, JobPhase::AddForeignKey,
	      JobPhase::ValidateForeignKey, JobPhase::CreateIndex, JobPhase::DropSyncTrigger}) {
		EXPECT_EQ(ParsePhase(PhaseName(phase)), phase);
		EXPECT_TRUE(IsFinishingPhase(phase));
		EXPECT_FALSE(SkipsLockedRows(phase));
	}
	EXPECT_FALSE(IsFinishingPhase(JobPhase::Walk));
	EXPECT_FALSE(IsFinishingPhase(JobPhase::FinalSweep));
	EXPECT_EQ(std::string(PhaseName(JobPhase::ValidateNotNullCheck)), "validate not null check");
}

TEST(JobPhase, NoFinishingStepsEndsAtTheFill) {
	FinishPlan plan;
	EXPECT_FALSE(FirstFinishingPhase(plan).has_value());
}

TEST(JobPhase, NotNullIsFourStepsInOrder) {
	FinishPlan plan;
	plan.not_null = true;
	EXPECT_EQ(FirstFinishingPhase(plan), JobPhase::AddNotNullCheck);
	EXPECT_EQ(NextFinishingPhase(plan, JobPhase::AddNotNullCheck), JobPhase::ValidateNotNullCheck);
	EXPECT_EQ(NextFinishingPhase(plan, JobPhase::ValidateNotNullCheck), JobPhase::SetNotNull);
	EXPECT_EQ(NextFinishingPhase(plan, JobPhase::SetNotNull), JobPhase::DropNotNullCheck);
	EXPECT_FALSE(NextFinishingPhase(plan, JobPhase::DropNotNullCheck).has_value());
}

TEST(JobPhase, EveryStepInItsPlace) {
	FinishPlan plan;
	plan.set_default = plan.not_null = plan.check = plan.foreign_key = plan.create_index = plan.drop_sync_trigger =
	    true;
	std::vector<JobPhase> order;
	for (std::optional<JobPhase> p = FirstFinishingPhase(plan); p; p = NextFinishingPhase(plan, *p))
		order.push_back(*p);
	std::vector<JobPhase> expected = {
	    JobPhase::SetDefault,    JobPhase::AddNotNullCheck,  JobPhase::ValidateNotNullCheck,
	    JobPhase::SetNotNull,    JobPhase::DropNotNullCheck, JobPhase::AddCheck,
	    JobPhase::ValidateCheck, JobPhase::AddForeignKey,    JobPhase::ValidateForeignKey,
	    JobPhase::CreateIndex,   JobPhase::DropSyncTrigger};
	EXPECT_EQ(order, expected);
}

TEST(JobPhase, SkipsStepsNotAskedFor) {
	FinishPlan plan;
	plan.create_index = true;
	plan.drop_sync_trigger = true;
	EXPECT_EQ(FirstFinishingPhase(plan), JobPhase::CreateIndex);
	EXPECT_EQ(NextFinishingPhase(plan, JobPhase::CreateIndex), JobPhase::DropSyncTrigger);
	// A phase the plan does not hold (the plan changed) still has a successor.
	EXPECT_EQ(NextFinishingPhase(plan, JobPhase::SetDefault), JobPhase::CreateIndex);
	EXPECT_FALSE(NextFinishingPhase(plan, JobPhase::DropSyncTrigger).has_value());
}

TEST(JobPhase, AFailedValidationRestartsAtTheStepThatAddedTheConstraint) {
	EXPECT_EQ(PhaseThatMadeIt(JobPhase::ValidateNotNullCheck), JobPhase::AddNotNullCheck);
	EXPECT_EQ(PhaseThatMadeIt(JobPhase::ValidateCheck), JobPhase::AddCheck);
	EXPECT_EQ(PhaseThatMadeIt(JobPhase::ValidateForeignKey), JobPhase::AddForeignKey);
	EXPECT_EQ(PhaseThatMadeIt(JobPhase::CreateIndex), JobPhase::CreateIndex);
}
