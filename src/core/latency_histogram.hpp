// Log-scale latency histogram buckets, shared by the backends that record
// the application's transaction latency (in shared memory) and the worker
// that reads quantiles from it. Four buckets per power of two of
// microseconds (a quantile is known within about 12%), from 1 us to about
// 28 s (the last bucket takes everything longer). Pure C++17.
#pragma once

#include <cstdint>

namespace pg_backfill::core {

constexpr int kLatencyBuckets = 100;

// The bucket of a latency in microseconds. Inline: it runs in every
// application transaction's commit. Never throws.
inline int
LatencyBucket(uint64_t us) noexcept {
	if (us < 4)
		return (int)us;
	int msb = 63 - __builtin_clzll(us);
	int index = msb * 4 + (int)((us >> (msb - 2)) & 3);
	return index < kLatencyBuckets ? index : kLatencyBuckets - 1;
}

// The lower bound of bucket `index`, microseconds. Never throws.
double LatencyBucketLowerUs(int index) noexcept;

// Sum of the counts. Never throws.
uint64_t LatencyCount(const uint64_t counts[kLatencyBuckets]) noexcept;

// The q-quantile (0 < q <= 1) in milliseconds, interpolated linearly within
// its bucket; 0 when the histogram is empty. Never throws.
double LatencyQuantileMs(const uint64_t counts[kLatencyBuckets], double q) noexcept;

} // namespace pg_backfill::core
