#include "core/lock_retry.hpp"

#include "core/backoff.hpp"

namespace pg_backfill::core {

LockRetryViolation
CheckLockRetryOptions(const LockRetryOptions &options) noexcept {
	if (options.lock_timeout_ms < kMinRetryLockTimeoutMs || options.lock_timeout_ms > kMaxRetryIntervalMs)
		return LockRetryViolation::LockTimeout;
	if (options.max_attempts < kMinRetryAttempts || options.max_attempts > kMaxRetryAttempts)
		return LockRetryViolation::MaxAttempts;
	if (options.delay_initial_ms < 0 || options.delay_initial_ms > kMaxRetryIntervalMs)
		return LockRetryViolation::DelayInitial;
	if (options.delay_max_ms < options.delay_initial_ms || options.delay_max_ms > kMaxRetryIntervalMs)
		return LockRetryViolation::DelayMax;
	return LockRetryViolation::None;
}

int64_t
LockRetryDelayMs(const LockRetryOptions &options, int failed_try, double unit_random) noexcept {
	return BackoffDelayMs(failed_try - 1, options.delay_initial_ms, options.delay_max_ms, unit_random);
}

bool
ShouldRetryLock(const LockRetryOptions &options, int failed_try) noexcept {
	return failed_try < options.max_attempts;
}

} // namespace pg_backfill::core
