// The tunable options of a backfill job, in one typed shape from the SQL edge
// (start_backfill's arguments, the job row) to the worker. An option left
// unset ("NULL" in SQL) follows its pg_backfill.* GUC, re-read before every
// batch; ResolveJobOptions is the one place that applies that rule, and the
// limits below are the only statement of each option's range (the GUC
// definitions, the argument checks and the job table's CHECK constraints use
// them). Pure C++17.
#pragma once

#include <cstdint>
#include <optional>

namespace pg_backfill::core {

// Inclusive ranges. Intervals are whole milliseconds.
constexpr int32_t kMinBatchSize = 1;
constexpr int32_t kMaxBatchSize = 10000000;
constexpr int64_t kMinLockTimeoutMs = 1;
constexpr int64_t kMinBatchDelayMs = 0;
constexpr int64_t kMaxIntervalOptionMs = 2147483647; // INT_MAX: what a GUC in ms can hold
// target_latency_ratio: 0 (the latency signal off) or in this range.
constexpr double kMinTargetLatencyRatio = 1.1;
constexpr double kMaxTargetLatencyRatio = 100.0;

// pace: auto (the pacing controller sets each batch's size, up to
// batch_size, and its pause, at least batch_delay) or off (unthrottled:
// batch_size and batch_delay as given).
enum class PaceMode { Auto, Off };

// A job's own options; nullopt: follow the GUC.
struct JobOptions {
	std::optional<int32_t> batch_size;
	std::optional<int64_t> lock_timeout_ms;
	std::optional<int64_t> batch_delay_ms;
	std::optional<PaceMode> pace;
	std::optional<double> target_latency_ratio;
};

// The values a batch runs with.
struct EffectiveJobOptions {
	int32_t batch_size;
	int64_t lock_timeout_ms;
	int64_t batch_delay_ms;
	PaceMode pace;
	double target_latency_ratio;
};

// True when a target_latency_ratio is allowed (0 or within the range).
bool TargetLatencyRatioAllowed(double ratio) noexcept;

// "auto" / "off"; ParsePaceMode is false for any other text. Never throw.
const char *PaceModeName(PaceMode mode) noexcept;
bool ParsePaceMode(const char *text, PaceMode *mode) noexcept;

// The first option out of its range, if any (the PostgreSQL layer words the
// error from the limits above); unset options pass. Never throws.
enum class JobOptionViolation { None, BatchSize, LockTimeout, BatchDelay, TargetLatencyRatio };
JobOptionViolation CheckJobOptions(const JobOptions &options) noexcept;

// The job's own value of each option, else the GUC's (`gucs` holds the
// current pg_backfill.batch_size, lock_timeout, batch_delay, pace and
// target_latency_ratio). Never throws.
EffectiveJobOptions ResolveJobOptions(const JobOptions &job, const EffectiveJobOptions &gucs) noexcept;

} // namespace pg_backfill::core
