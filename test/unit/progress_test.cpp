#include "core/progress.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using pg_backfill::core::ComputeProgress;
using pg_backfill::core::kMaxEtaSeconds;
using pg_backfill::core::Progress;

TEST(Progress, HalfWay) {
	Progress p = ComputeProgress(500, 1000, 10.0, false);
	ASSERT_TRUE(p.has_percent);
	EXPECT_DOUBLE_EQ(p.percent, 50.0);
	ASSERT_TRUE(p.has_rate);
	EXPECT_DOUBLE_EQ(p.rate, 50.0);
	ASSERT_TRUE(p.has_eta);
	EXPECT_DOUBLE_EQ(p.eta_seconds, 10.0);
}

TEST(Progress, UnknownEstimateOrNoTime) {
	Progress p = ComputeProgress(500, -1, 10.0, false);
	EXPECT_FALSE(p.has_percent);
	EXPECT_TRUE(p.has_rate);
	EXPECT_FALSE(p.has_eta);
	p = ComputeProgress(0, 1000, 0.0, false);
	EXPECT_TRUE(p.has_percent);
	EXPECT_DOUBLE_EQ(p.percent, 0.0);
	EXPECT_FALSE(p.has_rate);
	EXPECT_FALSE(p.has_eta);
}

TEST(Progress, LowEstimateNeverShowsDoneBeforeTheEnd) {
	Progress p = ComputeProgress(1500, 1000, 3.0, false);
	EXPECT_DOUBLE_EQ(p.percent, 99.9);
	ASSERT_TRUE(p.has_eta);
	EXPECT_DOUBLE_EQ(p.eta_seconds, 0.0);
}

TEST(Progress, FinishedIsHundredPercentWithZeroEta) {
	Progress p = ComputeProgress(900, 1000, 3.0, true);
	EXPECT_DOUBLE_EQ(p.percent, 100.0);
	EXPECT_DOUBLE_EQ(p.rate, 300.0);
	EXPECT_DOUBLE_EQ(p.eta_seconds, 0.0);
	p = ComputeProgress(0, -1, 0.0, true);
	EXPECT_TRUE(p.has_percent);
	EXPECT_TRUE(p.has_eta);
	EXPECT_FALSE(p.has_rate);
}

TEST(Progress, NegativeRowsCountAsZero) {
	Progress p = ComputeProgress(-5, 100, 1.0, false);
	EXPECT_DOUBLE_EQ(p.percent, 0.0);
	EXPECT_DOUBLE_EQ(p.rate, 0.0);
	EXPECT_FALSE(p.has_eta);
}

// A huge estimate over a tiny rate: the ETA saturates instead of growing past
// what an interval holds (backfill.job_progress turned it into a negative
// interval).
TEST(Progress, EtaNeverNegativeNorBeyondAnInterval) {
	Progress p = ComputeProgress(1, INT64_MAX, 365.0 * 86400.0, false);
	ASSERT_TRUE(p.has_eta);
	EXPECT_GE(p.eta_seconds, 0.0);
	EXPECT_DOUBLE_EQ(p.eta_seconds, kMaxEtaSeconds);
	EXPECT_GT(static_cast<int64_t>(p.eta_seconds * 1e6), 0);
	p = ComputeProgress(INT64_MAX, INT64_MAX, 1e-300, false);
	EXPECT_GE(p.eta_seconds, 0.0);
	EXPECT_LE(p.eta_seconds, kMaxEtaSeconds);
	p = ComputeProgress(-1, INT64_MAX, 1.0, false);
	EXPECT_FALSE(p.has_eta);
}

TEST(Progress, NonFiniteElapsedHasNoRate) {
	Progress p = ComputeProgress(10, 100, std::numeric_limits<double>::infinity(), false);
	EXPECT_FALSE(p.has_rate);
	EXPECT_FALSE(p.has_eta);
	p = ComputeProgress(10, 100, std::numeric_limits<double>::quiet_NaN(), false);
	EXPECT_FALSE(p.has_rate);
	EXPECT_FALSE(p.has_eta);
	p = ComputeProgress(10, 100, -5.0, false);
	EXPECT_FALSE(p.has_rate);
}
