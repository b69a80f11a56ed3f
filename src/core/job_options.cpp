#include "core/job_options.hpp"

#include <cstring>

namespace pg_backfill::core {

namespace {

bool
OutOfRange(const std::optional<int64_t> &ms, int64_t min_ms) {
	return ms && (*ms < min_ms || *ms > kMaxIntervalOptionMs);
}

} // namespace

bool
TargetLatencyRatioAllowed(double ratio) noexcept {
	return ratio == 0 || (ratio >= kMinTargetLatencyRatio && ratio <= kMaxTargetLatencyRatio);
}

const char *
PaceModeName(PaceMode mode) noexcept {
	return mode == PaceMode::Off ? "off" : "auto";
}

bool
ParsePaceMode(const char *text, PaceMode *mode) noexcept {
	if (text == nullptr)
		return false;
	if (std::strcmp(text, "auto") == 0)
		*mode = PaceMode::Auto;
	else if (std::strcmp(text, "off") == 0)
		*mode = PaceMode::Off;
	else
		return false;
	return true;
}

JobOptionViolation
CheckJobOptions(const JobOptions &options) noexcept {
	if (options.batch_size && (*options.batch_size < kMinBatchSize || *options.batch_size > kMaxBatchSize))
		return JobOptionViolation::BatchSize;
	if (OutOfRange(options.lock_timeout_ms, kMinLockTimeoutMs))
		return JobOptionViolation::LockTimeout;
	if (OutOfRange(options.batch_delay_ms, kMinBatchDelayMs))
		return JobOptionViolation::BatchDelay;
	if (options.target_latency_ratio && !TargetLatencyRatioAllowed(*options.target_latency_ratio))
		return JobOptionViolation::TargetLatencyRatio;
	return JobOptionViolation::None;
}

EffectiveJobOptions
ResolveJobOptions(const JobOptions &job, const EffectiveJobOptions &gucs) noexcept {
	return EffectiveJobOptions{job.batch_size.value_or(gucs.batch_size),
	                           job.lock_timeout_ms.value_or(gucs.lock_timeout_ms),
	                           job.batch_delay_ms.value_or(gucs.batch_delay_ms), job.pace.value_or(gucs.pace),
	                           job.target_latency_ratio.value_or(gucs.target_latency_ratio)};
}

} // namespace pg_backfill::core
