#include "core/cpu_duty.hpp"

#include <gtest/gtest.h>

using pg_backfill::core::CpuDutyLimit;

namespace {
constexpr int64_t kMs = 1000000;
constexpr double kIdleTps = 20;
} // namespace

TEST(CpuDuty, HalfDutyPausesAsLongAsItRan) {
	CpuDutyLimit limit(0.5, 10 * kMs, kIdleTps);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, true), 1 * kMs);
	EXPECT_EQ(limit.PauseAfter(2 * kMs, true), 2 * kMs);
}

TEST(CpuDuty, TenthDutyPausesNineTimesAsLong) {
	CpuDutyLimit limit(0.1, 10 * kMs, kIdleTps);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, true), 9 * kMs);
}

TEST(CpuDuty, FullDutyNeverPauses) {
	CpuDutyLimit limit(1.0, 10 * kMs, kIdleTps);
	EXPECT_EQ(limit.PauseAfter(5 * kMs, true), 0);
	CpuDutyLimit above(3.0, 10 * kMs, kIdleTps);
	EXPECT_EQ(above.duty(), 1.0);
	EXPECT_EQ(above.PauseAfter(5 * kMs, true), 0);
}

TEST(CpuDuty, DebtWaitsUntilThePauseIsAllowed) {
	// Ticks while the process holds a lock others may need: no pause, the
	// pause owed is taken at the next tick that may pause.
	CpuDutyLimit limit(0.5, 10 * kMs, kIdleTps);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, false), 0);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, false), 0);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, true), 3 * kMs);
	EXPECT_EQ(limit.PauseAfter(0, true), 0);
}

TEST(CpuDuty, IdleApplicationGetsFullSpeed) {
	CpuDutyLimit limit(0.1, 10 * kMs, kIdleTps);
	EXPECT_TRUE(limit.app_active()); // until measured
	// 2 commits in 100 ms = 20/s: idle (the threshold itself counts as idle).
	limit.SeeAppCommits(2, 100 * kMs);
	EXPECT_FALSE(limit.app_active());
	EXPECT_EQ(limit.PauseAfter(5 * kMs, true), 0);
	// 3 in 100 ms: active again.
	limit.SeeAppCommits(3, 100 * kMs);
	EXPECT_TRUE(limit.app_active());
	EXPECT_EQ(limit.PauseAfter(1 * kMs, false), 0);
	// Debt from before the application went idle is dropped.
	limit.SeeAppCommits(0, 100 * kMs);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, true), 0);
	limit.SeeAppCommits(50, 100 * kMs);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, true), 9 * kMs);
	// No time elapsed: nothing learnt.
	limit.SeeAppCommits(0, 0);
	EXPECT_TRUE(limit.app_active());
}

TEST(CpuDuty, OnePauseIsBounded) {
	// At most what 5 ms of CPU time owes: 45 ms at a tenth.
	CpuDutyLimit limit(0.1, 5 * kMs, kIdleTps);
	EXPECT_EQ(limit.PauseAfter(100 * kMs, false), 0);
	EXPECT_EQ(limit.PauseAfter(0, true), 45 * kMs);
	// What the bound cut off is not owed later.
	EXPECT_EQ(limit.PauseAfter(0, true), 0);
}

TEST(CpuDuty, SmallDutiesAreKeptDespiteTheBound) {
	// A millisecond of CPU owes 99 ms at 1%: the bound (10 ms of CPU time)
	// does not cut it, so the duty holds.
	CpuDutyLimit limit(0.01, 10 * kMs, kIdleTps);
	EXPECT_EQ(limit.PauseAfter(1 * kMs, true), 99 * kMs);
}

TEST(CpuDuty, NonsenseInputsAreClamped) {
	CpuDutyLimit zero(0.0, 10 * kMs, kIdleTps);
	EXPECT_DOUBLE_EQ(zero.duty(), 0.01);
	EXPECT_EQ(zero.PauseAfter(-1 * kMs, true), 0);
	CpuDutyLimit no_pause(0.5, -1, kIdleTps);
	EXPECT_EQ(no_pause.PauseAfter(1 * kMs, true), 0);
}
