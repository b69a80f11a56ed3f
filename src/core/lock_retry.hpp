// DDL with lock retries (run_with_lock_retries, and pg_backfill's own DDL such
// as installing a sync trigger): each try runs under a short lock_timeout;
// a try that times out is rolled back and retried after a backoff delay with
// full jitter (core/backoff), up to max_attempts tries. The options, their
// limits and the schedule are decided here. Pure C++17.
#pragma once

#include <cstdint>

namespace pg_backfill::core {

// Inclusive limits. Intervals are whole milliseconds.
constexpr int64_t kMinRetryLockTimeoutMs = 1;
constexpr int64_t kMaxRetryIntervalMs = 2147483647; // what a lock_timeout in ms can hold
constexpr int32_t kMinRetryAttempts = 1;
constexpr int32_t kMaxRetryAttempts = 10000;

// The defaults of run_with_lock_retries (and of start_backfill's sync
// trigger): GitLab's WithLockRetries starts at lock_timeout 100 ms with
// 50 ms sleeps; its schedule grows both to 3 s and 3 min over ~40 minutes.
// Ours keeps the lock_timeout fixed (the wait others see behind us never
// grows) and grows only the sleep: worst case 50 x 100 ms of waiting plus at
// most ~4 min of sleeping, ~2 min on average.
constexpr int64_t kDefaultRetryLockTimeoutMs = 100;
constexpr int32_t kDefaultRetryAttempts = 50;
constexpr int64_t kDefaultRetryDelayInitialMs = 50;
constexpr int64_t kDefaultRetryDelayMaxMs = 5000;

struct LockRetryOptions {
	int64_t lock_timeout_ms = kDefaultRetryLockTimeoutMs;   // per try
	int32_t max_attempts = kDefaultRetryAttempts;           // tries in all, the first included
	int64_t delay_initial_ms = kDefaultRetryDelayInitialMs; // bound of the sleep after the first failed try
	int64_t delay_max_ms = kDefaultRetryDelayMaxMs;         // largest bound
};

// The first option out of its range, if any (the PostgreSQL layer words the
// error from the limits above). delay_max_ms below delay_initial_ms is a
// violation too. Never throws.
enum class LockRetryViolation { None, LockTimeout, MaxAttempts, DelayInitial, DelayMax };
LockRetryViolation CheckLockRetryOptions(const LockRetryOptions &options) noexcept;

// The sleep in ms after failed try number `failed_try` (1 for the first),
// with unit_random uniform in [0, 1): uniform in [0, min(delay_max,
// delay_initial * 2^(failed_try - 1))]. Never throws.
int64_t LockRetryDelayMs(const LockRetryOptions &options, int failed_try, double unit_random) noexcept;

// Whether another try follows failed try number `failed_try`. Never throws.
bool ShouldRetryLock(const LockRetryOptions &options, int failed_try) noexcept;

} // namespace pg_backfill::core
