// The pacing controller of a backfill job: after every batch it takes what
// the worker observed (the batch's duration and rows, the application's
// latency against its baseline, the backfill's WAL, replica and logical slot
// lag, sessions blocked by the worker) and returns the next batch's size and
// the pause before it, with the reason the job is held back.
//
// The controlled quantity is the job's duty: the share of wall time the
// worker spends in batches (1 = flat out). The batch size follows the duty
// (its square root times the ceiling: smaller batches when held back, for
// shorter row locks and WAL bursts, but not so small that a batch's fixed
// costs dominate) and the pause makes up the rest of the cycle: pause = the
// last batch's time * (1 - duty) / duty, at most max_pause_ms.
//
// The rule is AIMD with hysteresis, as TCP and CockroachDB's elastic CPU
// limiter do it:
//   - a signal above its limit (pressure > 1) halves the duty, at most once
//     per fresh signal: the latency window must start after the last cut, so
//     a p99 that still contains samples from before the cut does not cut
//     again; lag signals cut at most once a second;
//   - a session waiting on the worker's locks halves the next batch at once
//     (row locks are held for a batch; it grows back by a tenth of the
//     ceiling per second) and holds the duty;
//   - all signals below kIncreaseBelow of their limit let the duty grow by
//     duty_increase_per_s per second of wall time;
//   - in between, the duty holds;
//   - no application traffic and no pressure: full duty at once (an idle
//     server gets the backfill at full speed);
//   - CPU pressure counts only while the application is active (the
//     backfill yields the CPU to the application, not to other work on the
//     host), against a limit of its baseline (the pressure before the job's
//     batches began: the load's own) plus max_cpu_stall_share, and only
//     above kIncreaseBelow of that limit (below, it is the scheduler's
//     noise, and an idle application still gets full speed);
//   - the duty never drops below min_duty: a job always finishes; the
//     application's latency or CPU pressure alone cut it no lower than
//     min_latency_duty (they have other causes too, and below that, cutting
//     further buys the application little; lags and WAL can go to min_duty).
// Independently, a WAL token bucket (rate and burst derived from max_wal_size
// and checkpoint_timeout by the caller) lengthens the pause so the backfill's
// WAL stays within its budget, and a batch that took longer than
// max_batch_ms shrinks the batch size (row locks are held for a batch);
// while the application is active (or measured but not seen yet:
// app_latency_pending), the limit is max_active_batch_ms if
// that is shorter (a batch is a burst of CPU and WAL that the application's
// commits queue behind: at the same rows/s, the shorter the bursts, the
// lower the application's p99); and such batches offer the CPU to other
// runnable tasks as they run (yield_cpu: an application backend that wakes
// during a batch need not wait for the worker's time slice). For
// max_batch_ms the batch time is modelled as a fixed cost per batch (its
// transaction, the job row) plus a cost per row, fitted to recent batches; a
// limit below the fixed cost cannot be met by any size, so batches then
// shrink no further than to the size whose rows take as long as the fixed
// cost. For max_active_batch_ms the size follows the recent batches' mean
// time per row, fixed cost included, so that a batch whose commit waited on
// a congested device shrinks the next batches rather than enlarging them.
//
// Pure C++17: no clock, no I/O; time comes in the observations (now_s), so
// tests drive it with simulated loads. Every member is trivially destructible
// and every function noexcept, so the PostgreSQL layer keeps a controller in
// its worker state and calls it directly (boundary.hpp).
#pragma once

#include <cstdint>

namespace pg_backfill::core {

// Why the next batch is smaller or later than the job's ceiling allows.
enum class PaceReason {
	None,         // not held back
	Unthrottled,  // the controller is off for this job (pace = off)
	AppLatency,   // the application's p99 is above target_latency_ratio x baseline
	ReplicaLag,   // a physical standby's replay lag is above its soft limit
	SlotLag,      // an active logical slot's confirmed_flush lag is above its limit
	WalRate,      // the backfill's WAL is over its budget
	LockConflict, // sessions are waiting on the worker's locks
	CpuPressure,  // runnable tasks wait for a CPU more than max_cpu_stall_share of the time
	BatchTime,    // the last batch took longer than the batch time limit
};

// The stable short name of a reason ("none", "app latency", ...). Never throws.
const char *PaceReasonName(PaceReason reason) noexcept;

// Limits and tuning, from the job's options and the GUCs (re-read every batch).
struct PaceSettings {
	bool enabled;                 // false: batch_size and batch_delay as given, nothing else
	int32_t max_batch_size;       // the ceiling: the job's batch_size
	int32_t min_batch_size;       // the smallest batch the controller makes
	int64_t min_pause_ms;         // the job's batch_delay: the shortest pause
	int64_t max_pause_ms;         // the longest pause the controller makes
	double target_latency_ratio;  // app p99 / baseline p99 to stay under; <= 0: off
	double latency_slack_ms;      // added to ratio x baseline (scheduling noise of tiny baselines)
	int64_t max_batch_ms;         // batch duration to stay under; <= 0: off
	int64_t max_active_batch_ms;  // batch duration to stay under while the application is active; <= 0: off
	double max_replica_lag_bytes; // soft limit on replay lag; <= 0: off
	double max_slot_lag_bytes;    // limit on logical slot lag; <= 0: off
	double wal_bytes_per_s;       // WAL budget rate; <= 0: off
	double wal_burst_bytes;       // WAL budget bucket size
	double min_duty;              // floor of the duty, (0, 1]
	double min_latency_duty;      // the application's latency alone cuts no lower than this
	double duty_increase_per_s;   // additive increase per second
	double idle_app_tps;        // app transactions/s at or below which the app counts as idle (its p99 would be noise)
	double max_cpu_stall_share; // CPU stall share the backfill may add to its baseline while the app is
	                            // active; <= 0: off
};

// The defaults the GUCs start from (documented in README.md, GUCs).
PaceSettings DefaultPaceSettings() noexcept;

// What the worker saw around one batch.
struct PaceObservation {
	double now_s;       // monotonic clock, seconds (the batch's end)
	double batch_ms;    // the batch's wall time
	int64_t batch_rows; // keys it covered
	double wal_bytes;   // WAL it wrote
	// The application's latency over a window of recent transactions that
	// excludes pg_backfill's own; has_app_latency false: not measured (not
	// preloaded, or no baseline yet).
	bool has_app_latency;
	// Measured, with a baseline, but the job started too recently for a
	// window: the application may be active (has_app_latency false). The
	// worker waits for the window before its first batch, so this is rare.
	bool app_latency_pending;
	double app_window_start_s;  // when the window began (same clock as now_s)
	double app_tps;             // app transactions per second in the window
	double app_p99_ms;          // p99 in the window (meaningful when app_tps > idle)
	double app_baseline_p99_ms; // p99 while no backfill ran
	double replica_lag_bytes;   // slowest physical standby, 0: none
	double slot_lag_bytes;      // largest active logical slot lag, 0: none
	int32_t blocked_sessions;   // sessions waiting on the worker's locks
	// Share of wall time in which some runnable task of the host waited for a
	// CPU, over a window that began at cpu_window_start_s; < 0: not measured.
	double cpu_stall_share;
	double cpu_window_start_s;
	double cpu_baseline_share; // the stall share before the job's batches began; < 0: unknown (0)
};

// The next batch.
struct PaceDecision {
	int32_t batch_size;
	int64_t pause_ms;
	PaceReason reason; // the binding signal, None when at full pace
	double value;      // the signal's value (ratio, bytes, sessions, ms), 0 for None
	double duty;       // the duty after this decision, (0, 1]
	bool yield_cpu;    // run the batch offering the CPU to other tasks: the application is active
};

// One job's controller state; zero-initialise with Reset.
struct PaceController {
	double duty;       // current duty, min_duty .. 1
	double size_share; // share of the duty's batch size after lock conflicts, (0, 1]
	double last_now_s; // now_s of the previous observation
	double last_cut_s; // when the duty was last cut (-1: never)
	// Batch time against batch rows, exponentially weighted sums (weight,
	// rows, ms, rows^2, rows x ms) for the fixed-plus-per-row fit.
	double fit_w, fit_x, fit_y, fit_xx, fit_xy;
	bool wal_filled;         // the WAL bucket was filled (first use)
	double wal_tokens;       // WAL bucket level, bytes
	PaceReason held_by;      // the signal of the last cut (shown while recovering)
	int32_t last_batch_size; // what the previous decision asked for (0: none yet)
	bool started;
};

// A fresh controller at full duty with a full WAL bucket.
void ResetPaceController(PaceController *controller) noexcept;

// The first batch of a worker, from the signals seen before it (its batch
// fields unused): full duty, pause min_pause_ms, at the ceiling (the
// controller learns from the batch) unless the application is active: then
// a probe as short as max_active_batch_ms would be if batch_size rows took
// max_batch_ms (the settings' own bound on a batch's time), offering the
// CPU, so that a job started under load does not begin with a full batch.
PaceDecision FirstPaceDecision(PaceController *controller, const PaceSettings &settings,
                               const PaceObservation &seen) noexcept;

// The decision after observing a batch. Never throws.
PaceDecision NextPace(PaceController *controller, const PaceSettings &settings, const PaceObservation &seen) noexcept;

// Share of each signal's limit above which the duty is not increased.
constexpr double kIncreaseBelow = 0.8;

} // namespace pg_backfill::core
