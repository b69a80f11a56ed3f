// Progress of a backfill job: percent done, rows per second and the estimated
// time left, from the job row's counters. Pure C++17.
#pragma once

#include <cstdint>

namespace pg_backfill::core {

// The largest ETA reported, in seconds: the largest whole number of seconds
// an interval (int64 microseconds) holds. A longer estimate is reported as
// this, never as an overflowed (negative) interval.
constexpr double kMaxEtaSeconds = 9223372036854.0;

struct Progress {
	bool has_percent;   // false when the row estimate is unknown (<= 0)
	double percent;     // 0..100; 100 only when the job finished
	bool has_rate;      // false before any time has elapsed
	double rate;        // rows per second over the job's running time
	bool has_eta;       // false when percent or rate is unknown
	double eta_seconds; // 0 .. kMaxEtaSeconds
};

// rows_done: rows covered by committed batches; rows_estimated: the planner's
// row estimate taken at start (<= 0: unknown); elapsed_seconds: time since the
// job started (until it finished, for a finished job); finished: the job
// succeeded. A running job never shows 100% (the estimate may be low): percent
// is capped at 99.9 until it finishes; a finished job shows 100% and ETA 0.
// The ETA is never negative and never above kMaxEtaSeconds, whatever the
// inputs (huge estimates, tiny rates, NaN or infinite elapsed times).
// Never throws.
Progress ComputeProgress(int64_t rows_done, int64_t rows_estimated, double elapsed_seconds, bool finished) noexcept;

} // namespace pg_backfill::core
