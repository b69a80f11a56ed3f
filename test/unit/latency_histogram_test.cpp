#include "core/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace pg_backfill::core;

TEST(LatencyHistogram, BucketsAreMonotonicAndCoverTheirLowerBound) {
	int previous = -1;
	for (uint64_t us = 0; us < (1u << 20); us = us < 64 ? us + 1 : us + us / 7) {
		int b = LatencyBucket(us);
		EXPECT_GE(b, previous);
		EXPECT_LE(LatencyBucketLowerUs(b), (double)us);
		if (b >= 8 && b + 1 < kLatencyBuckets) { // buckets 4..7 are unused
			EXPECT_GT(LatencyBucketLowerUs(b + 1), (double)us);
		}
		previous = b;
	}
	EXPECT_EQ(LatencyBucket(UINT64_MAX), kLatencyBuckets - 1);
	EXPECT_EQ(LatencyBucket(1024), LatencyBucket(1279)); // [1024, 1280) us is one bucket
	EXPECT_NE(LatencyBucket(1024), LatencyBucket(1280));
}

TEST(LatencyHistogram, QuantilesWithinTheBucketError) {
	uint64_t counts[kLatencyBuckets] = {};
	std::mt19937 rng(1);
	std::uniform_int_distribution<uint64_t> uniform(1000, 3000); // 1..3 ms
	for (int i = 0; i < 100000; i++)
		counts[LatencyBucket(uniform(rng))]++;
	EXPECT_NEAR(LatencyQuantileMs(counts, 0.5), 2.0, 2.0 * 0.13);
	EXPECT_NEAR(LatencyQuantileMs(counts, 0.99), 2.98, 2.98 * 0.13);
	EXPECT_EQ(LatencyCount(counts), 100000u);
}

TEST(LatencyHistogram, EmptyIsZero) {
	uint64_t counts[kLatencyBuckets] = {};
	EXPECT_EQ(LatencyQuantileMs(counts, 0.99), 0.0);
}

TEST(LatencyHistogram, TailDominatesP99) {
	uint64_t counts[kLatencyBuckets] = {};
	counts[LatencyBucket(500)] = 980;
	counts[LatencyBucket(20000)] = 20; // 2% at 20 ms
	EXPECT_GT(LatencyQuantileMs(counts, 0.99), 15.0);
	EXPECT_LT(LatencyQuantileMs(counts, 0.5), 0.6);
}
