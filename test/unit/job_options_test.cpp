#include "core/job_options.hpp"

#include <gtest/gtest.h>

using namespace pg_backfill::core;

TEST(JobOptions, UnsetFollowsTheGucs) {
	EffectiveJobOptions gucs{1000, 500, 0};
	EffectiveJobOptions e = ResolveJobOptions(JobOptions{}, gucs);
	EXPECT_EQ(e.batch_size, 1000);
	EXPECT_EQ(e.lock_timeout_ms, 500);
	EXPECT_EQ(e.batch_delay_ms, 0);
}

TEST(JobOptions, SetOverridesTheGucs) {
	JobOptions job;
	job.batch_size = 50;
	job.batch_delay_ms = 0; // zero is a value, not "unset"
	EffectiveJobOptions e = ResolveJobOptions(job, EffectiveJobOptions{1000, 500, 20});
	EXPECT_EQ(e.batch_size, 50);
	EXPECT_EQ(e.lock_timeout_ms, 500);
	EXPECT_EQ(e.batch_delay_ms, 0);
}

TEST(JobOptions, Limits) {
	JobOptions ok;
	ok.batch_size = kMaxBatchSize;
	ok.lock_timeout_ms = kMinLockTimeoutMs;
	ok.batch_delay_ms = kMaxIntervalOptionMs;
	EXPECT_EQ(CheckJobOptions(ok), JobOptionViolation::None);
	EXPECT_EQ(CheckJobOptions(JobOptions{}), JobOptionViolation::None);

	JobOptions o;
	o.batch_size = kMaxBatchSize + 1;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::BatchSize);
	o.batch_size = kMinBatchSize - 1;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::BatchSize);
	o = JobOptions{};
	o.lock_timeout_ms = 0;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::LockTimeout);
	o.lock_timeout_ms = kMaxIntervalOptionMs + 1;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::LockTimeout);
	o = JobOptions{};
	o.batch_delay_ms = 0;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::None);
	o.batch_delay_ms = -1;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::BatchDelay);
}
