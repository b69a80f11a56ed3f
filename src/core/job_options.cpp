#include "core/job_options.hpp"

namespace pg_backfill::core {

namespace {

bool
OutOfRange(const std::optional<int64_t> &ms, int64_t min_ms) {
	return ms && (*ms < min_ms || *ms > kMaxIntervalOptionMs);
}

} // namespace

JobOptionViolation
CheckJobOptions(const JobOptions &options) noexcept {
	if (options.batch_size && (*options.batch_size < kMinBatchSize || *options.batch_size > kMaxBatchSize))
		return JobOptionViolation::BatchSize;
	if (OutOfRange(options.lock_timeout_ms, kMinLockTimeoutMs))
		return JobOptionViolation::LockTimeout;
	if (OutOfRange(options.batch_delay_ms, kMinBatchDelayMs))
		return JobOptionViolation::BatchDelay;
	return JobOptionViolation::None;
}

EffectiveJobOptions
ResolveJobOptions(const JobOptions &job, const EffectiveJobOptions &gucs) noexcept {
	return EffectiveJobOptions{job.batch_size.value_or(gucs.batch_size),
	                           job.lock_timeout_ms.value_or(gucs.lock_timeout_ms),
	                           job.batch_delay_ms.value_or(gucs.batch_delay_ms)};
}

} // namespace pg_backfill::core
