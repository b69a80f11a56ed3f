#include "core/backoff.hpp"

#include <gtest/gtest.h>

using pg_backfill::core::BackoffDelayMs;

TEST(Backoff, FullJitterBoundsDoubleUpToTheMaximum) {
	// With the random source at its top, the delay is the bound itself.
	const double top = 0.999999999;
	EXPECT_EQ(BackoffDelayMs(0, 100, 30000, top), 99);
	EXPECT_EQ(BackoffDelayMs(1, 100, 30000, top), 199);
	EXPECT_EQ(BackoffDelayMs(2, 100, 30000, top), 399);
	EXPECT_EQ(BackoffDelayMs(8, 100, 30000, top), 25599);
	EXPECT_EQ(BackoffDelayMs(9, 100, 30000, top), 29999);
	EXPECT_EQ(BackoffDelayMs(1000000, 100, 30000, top), 29999);
}

TEST(Backoff, RandomSourceScalesTheDelay) {
	EXPECT_EQ(BackoffDelayMs(3, 100, 30000, 0.0), 0);
	EXPECT_EQ(BackoffDelayMs(3, 100, 30000, 0.5), 400);
	EXPECT_EQ(BackoffDelayMs(3, 100, 30000, 0.25), 200);
}

TEST(Backoff, OutOfRangeInputsAreClamped) {
	EXPECT_EQ(BackoffDelayMs(-5, 100, 30000, 0.5), 50);
	EXPECT_EQ(BackoffDelayMs(0, 100, 30000, 7.0), 100);
	EXPECT_EQ(BackoffDelayMs(0, 100, 30000, -1.0), 0);
	EXPECT_EQ(BackoffDelayMs(4, -100, 30000, 0.5), 0);
	EXPECT_EQ(BackoffDelayMs(4, 100, -1, 0.5), 0);
	// A maximum below the initial bound caps everything.
	EXPECT_EQ(BackoffDelayMs(0, 1000, 300, 0.5), 150);
	EXPECT_EQ(BackoffDelayMs(6, 1000, 300, 0.5), 150);
}

TEST(Backoff, NoOverflowNearTheLimits) {
	const int64_t big = INT64_C(1) << 62;
	EXPECT_EQ(BackoffDelayMs(200, big, INT64_MAX, 0.0), 0);
	EXPECT_LE(BackoffDelayMs(200, big, INT64_MAX, 0.999), INT64_MAX);
	EXPECT_GT(BackoffDelayMs(200, big, INT64_MAX, 0.999), 0);
}
