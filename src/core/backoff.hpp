// Retry backoff after a lock timeout: exponential growth with "full jitter"
// (the delay is uniform in [0, min(max, initial * 2^attempt)]), so retries of
// several workers do not synchronise. Pure C++17.
#pragma once

#include <cstdint>

namespace pg_backfill::core {

// The delay in milliseconds before retry number `attempt` (0 for the first
// retry). initial_ms and max_ms come from pg_backfill.retry_backoff_initial and
// pg_backfill.retry_backoff_max; unit_random is a uniform random number in
// [0, 1) supplied by the caller (the injectable random source: tests pass
// fixed values). Negative inputs count as 0; max_ms below initial_ms caps the
// delay at max_ms. The result is in [0, max(0, min(max_ms, initial_ms *
// 2^attempt))]. Never throws.
int64_t BackoffDelayMs(int attempt, int64_t initial_ms, int64_t max_ms, double unit_random) noexcept;

} // namespace pg_backfill::core
