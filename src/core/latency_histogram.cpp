#include "core/latency_histogram.hpp"

#include <cmath>

namespace pg_backfill::core {

double
LatencyBucketLowerUs(int index) noexcept {
	if (index < 4)
		return index;
	int msb = index / 4;
	int sub = index % 4;
	return std::ldexp(4.0 + sub, msb - 2);
}

uint64_t
LatencyCount(const uint64_t counts[kLatencyBuckets]) noexcept {
	uint64_t total = 0;
	for (int i = 0; i < kLatencyBuckets; i++)
		total += counts[i];
	return total;
}

double
LatencyQuantileMs(const uint64_t counts[kLatencyBuckets], double q) noexcept {
	uint64_t total = LatencyCount(counts);
	if (total == 0)
		return 0;
	double rank = q * (double)total; // the sample we look for, 1-based
	double seen = 0;
	for (int i = 0; i < kLatencyBuckets; i++) {
		if (counts[i] == 0)
			continue;
		if (seen + (double)counts[i] >= rank) {
			double lower = LatencyBucketLowerUs(i);
			double upper = i + 1 < kLatencyBuckets ? LatencyBucketLowerUs(i + 1) : lower * 1.25;
			if (i < 4)
				upper = lower + 1;
			double within = (rank - seen) / (double)counts[i];
			return (lower + within * (upper - lower)) / 1000.0;
		}
		seen += (double)counts[i];
	}
	return LatencyBucketLowerUs(kLatencyBuckets - 1) / 1000.0;
}

} // namespace pg_backfill::core
