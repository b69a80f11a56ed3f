#include "core/job_options.hpp"

#include <gtest/gtest.h>

using namespace pg_backfill::core;

TEST(JobOptions, UnsetFollowsTheGucs) {
	EffectiveJobOptions gucs{1000, 500, 0, PaceMode::Auto, 1.5};
	EffectiveJobOptions e = ResolveJobOptions(JobOptions{}, gucs);
	EXPECT_EQ(e.batch_size, 1000);
	EXPECT_EQ(e.lock_timeout_ms, 500);
	EXPECT_EQ(e.batch_delay_ms, 0);
	EXPECT_EQ(e.pace, PaceMode::Auto);
	EXPECT_DOUBLE_EQ(e.target_latency_ratio, 1.5);
}

TEST(JobOptions, SetOverridesTheGucs) {
	JobOptions job;
	job.batch_size = 50;
	job.batch_delay_ms = 0; // zero is a value, not "unset"
	job.pace = PaceMode::Off;
	job.target_latency_ratio = 0; // zero turns the latency signal off
	EffectiveJobOptions e = ResolveJobOptions(job, EffectiveJobOptions{1000, 500, 20, PaceMode::Auto, 1.5});
	EXPECT_EQ(e.pace, PaceMode::Off);
	EXPECT_DOUBLE_EQ(e.target_latency_ratio, 0);
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

TEST(JobOptions, PacingOptions) {
	JobOptions o;
	o.target_latency_ratio = 0;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::None);
	o.target_latency_ratio = kMinTargetLatencyRatio;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::None);
	o.target_latency_ratio = 1.0; // would hold any job at its floor
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::TargetLatencyRatio);
	o.target_latency_ratio = kMaxTargetLatencyRatio * 2;
	EXPECT_EQ(CheckJobOptions(o), JobOptionViolation::TargetLatencyRatio);

	PaceMode mode = PaceMode::Auto;
	EXPECT_TRUE(ParsePaceMode("off", &mode));
	EXPECT_EQ(mode, PaceMode::Off);
	EXPECT_TRUE(ParsePaceMode("auto", &mode));
	EXPECT_EQ(mode, PaceMode::Auto);
	EXPECT_FALSE(ParsePaceMode("fast", &mode));
	EXPECT_FALSE(ParsePaceMode(nullptr, &mode));
	EXPECT_STREQ(PaceModeName(PaceMode::Off), "off");
}
