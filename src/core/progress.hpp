// Progress of a backfill job: percent done, rows per second and the estimated
// time left, from the job row's counters. Pure C++17.
#pragma once

#include <cstdint>

namespace pg_backfill::core {

struct Progress {
	bool has_percent; // false when the row estimate is unknown (<= 0)
	double percent;   // 0..100; 100 only when the job finished
	bool has_rate;    // false before any time has elapsed
	double rate;      // rows per second over the job's running time
	bool has_eta;     // false when percent or rate is unknown
	double eta_seconds;
};

// rows_done: rows covered by committed batches; rows_estimated: the planner's
// row estimate taken at start (<= 0: unknown); elapsed_seconds: time since the
// job started (until it finished, for a finished job); finished: the job
// succeeded. A running job never shows 100% (the estimate may be low): percent
// is capped at 99.9 until it finishes; a finished job shows 100% and ETA 0.
// Never throws.
Progress ComputeProgress(int64_t rows_done, int64_t rows_estimated, double elapsed_seconds, bool finished) noexcept;

} // namespace pg_backfill::core
