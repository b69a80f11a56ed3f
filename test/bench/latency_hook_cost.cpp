// The work the commit callback of app_latency.cpp adds to a transaction,
// timed in a loop: a wall-clock read (GetCurrentTimestamp is gettimeofday),
// the bucket, and two atomic adds on a shared histogram. Printed in ns per
// commit; latency_overhead.sh sets it against pgbench -S's time per
// transaction. Built by latency_overhead.sh (g++ -O2).
#include "core/latency_histogram.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <sys/time.h>

int
main() {
	static std::atomic<uint64_t> all[pg_backfill::core::kLatencyBuckets];
	static std::atomic<uint64_t> idle[pg_backfill::core::kLatencyBuckets];
	static std::atomic<uint32_t> running{0};
	constexpr int kCalls = 5000000;
	int64_t start_us = 0;
	auto t0 = std::chrono::steady_clock::now();
	for (int i = 0; i < kCalls; i++) {
		struct timeval tv;
		gettimeofday(&tv, nullptr);
		int64_t now_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		if (i == 0)
			start_us = now_us;
		int b = pg_backfill::core::LatencyBucket((uint64_t)(now_us - start_us) & 0xFFFF);
		all[b].fetch_add(1, std::memory_order_seq_cst);
		if (running.load() == 0)
			idle[b].fetch_add(1, std::memory_order_seq_cst);
	}
	auto t1 = std::chrono::steady_clock::now();
	double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / kCalls;
	std::printf("%.1f\n", ns);
	return 0;
}
