#include "core/lock_retry.hpp"
#include "core/sync_rule.hpp"

#include <gtest/gtest.h>

using namespace pg_backfill::core;

TEST(LockRetry, DefaultsAreValid) {
	LockRetryOptions o;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::None);
	EXPECT_EQ(o.lock_timeout_ms, 100);
	EXPECT_EQ(o.max_attempts, 50);
}

TEST(LockRetry, EachLimitIsChecked) {
	LockRetryOptions o;
	o.lock_timeout_ms = 0;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::LockTimeout);
	o = {};
	o.lock_timeout_ms = kMaxRetryIntervalMs + 1;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::LockTimeout);
	o = {};
	o.max_attempts = 0;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::MaxAttempts);
	o.max_attempts = kMaxRetryAttempts + 1;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::MaxAttempts);
	o = {};
	o.delay_initial_ms = -1;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::DelayInitial);
	o = {};
	o.delay_max_ms = o.delay_initial_ms - 1;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::DelayMax);
	o.delay_initial_ms = 0;
	o.delay_max_ms = 0;
	EXPECT_EQ(CheckLockRetryOptions(o), LockRetryViolation::None);
}

TEST(LockRetry, ScheduleDoublesWithFullJitterUpToTheMaximum) {
	LockRetryOptions o; // 50 ms doubling to 5 s
	const double top = 0.999999999;
	EXPECT_EQ(LockRetryDelayMs(o, 1, top), 49);
	EXPECT_EQ(LockRetryDelayMs(o, 2, top), 99);
	EXPECT_EQ(LockRetryDelayMs(o, 7, top), 3199);
	EXPECT_EQ(LockRetryDelayMs(o, 8, top), 4999);
	EXPECT_EQ(LockRetryDelayMs(o, 49, top), 4999);
	EXPECT_EQ(LockRetryDelayMs(o, 3, 0.0), 0);
	EXPECT_EQ(LockRetryDelayMs(o, 3, 0.5), 100);
}

TEST(LockRetry, RetriesUntilMaxAttempts) {
	LockRetryOptions o;
	o.max_attempts = 3;
	EXPECT_TRUE(ShouldRetryLock(o, 1));
	EXPECT_TRUE(ShouldRetryLock(o, 2));
	EXPECT_FALSE(ShouldRetryLock(o, 3));
	o.max_attempts = 1;
	EXPECT_FALSE(ShouldRetryLock(o, 1));
}

TEST(SyncRule, InsertFillsOnlyANullColumn) {
	EXPECT_TRUE(SyncFills({SyncEvent::Insert, true, false, false}));
	EXPECT_FALSE(SyncFills({SyncEvent::Insert, false, false, false}));
}

TEST(SyncRule, UpdateFillsWhenTheWriterLeftTheColumnAndAnInputChanged) {
	EXPECT_TRUE(SyncFills({SyncEvent::Update, false, true, true}));
	EXPECT_TRUE(SyncFills({SyncEvent::Update, true, true, true}));
	// The writer set the column itself: never overridden.
	EXPECT_FALSE(SyncFills({SyncEvent::Update, false, false, true}));
	EXPECT_FALSE(SyncFills({SyncEvent::Update, true, false, true}));
	// No input changed: the stored value is still right.
	EXPECT_FALSE(SyncFills({SyncEvent::Update, true, true, false}));
}
