#include "core/pace_controller.hpp"

#include <algorithm>
#include <cmath>

namespace pg_backfill::core {

namespace {

// Weight of the newest batch in the batch-time fit.
constexpr double kRowTimeWeight = 0.3;
// The fit separates the fixed cost from the per-row cost only when recent
// batch sizes differ: the sizes' variance must reach this share of their
// mean square, else the whole time is taken as per-row.
constexpr double kMinSizeSpread = 0.01;
// Cuts: the duty is multiplied by this (AIMD's "halve").
constexpr double kCutFactor = 0.5;
// A batch size cut by a lock conflict grows back by this share of the
// ceiling per second.
constexpr double kSizeRecoveryPerS = 0.1;
// The longest pause that pays a WAL debt at once.
constexpr double kMaxWalPauseMs = 60000;

// The binding signal of an observation: the largest pressure (value / limit).
struct Pressure {
	double pressure = 0; // 0: no signal
	PaceReason reason = PaceReason::None;
	double value = 0;
};

void
Consider(Pressure *worst, double value, double limit, PaceReason reason) {
	if (limit <= 0 || !(value >= 0))
		return;
	double pressure = value / limit;
	if (pressure > worst->pressure) {
		worst->pressure = pressure;
		worst->reason = reason;
		worst->value = value;
	}
}

bool
AppActive(const PaceSettings &settings, const PaceObservation &seen) {
	return seen.has_app_latency && seen.app_tps > settings.idle_app_tps;
}

// Active, or not seen yet although measured: batches are kept short and
// yield the CPU (their harm comes before any latency window could show it);
// the latency and CPU signals still need the application seen active.
bool
AppMayBeActive(const PaceSettings &settings, const PaceObservation &seen) {
	return AppActive(settings, seen) || seen.app_latency_pending;
}

// The application's latency pressure, 0 when not measured or idle.
void
ConsiderAppLatency(Pressure *worst, const PaceSettings &settings, const PaceObservation &seen) {
	if (settings.target_latency_ratio <= 0 || !AppActive(settings, seen) || seen.app_baseline_p99_ms <= 0)
		return;
	double limit = settings.target_latency_ratio * seen.app_baseline_p99_ms + settings.latency_slack_ms;
	double pressure = seen.app_p99_ms / limit;
	if (pressure > worst->pressure) {
		worst->pressure = pressure;
		worst->reason = PaceReason::AppLatency;
		worst->value = seen.app_p99_ms / seen.app_baseline_p99_ms; // shown as "p99 N x baseline"
	}
}

// CPU pressure while the application is active, against its baseline plus
// what the backfill may add, from kIncreaseBelow of that limit up.
void
ConsiderCpuPressure(Pressure *worst, const PaceSettings &settings, const PaceObservation &seen) {
	double limit = std::min(1.0, std::max(seen.cpu_baseline_share, 0.0) + settings.max_cpu_stall_share);
	if (settings.max_cpu_stall_share <= 0 || !AppActive(settings, seen) ||
	    !(seen.cpu_stall_share >= kIncreaseBelow * limit))
		return;
	Consider(worst, seen.cpu_stall_share, limit, PaceReason::CpuPressure);
}

// The application's own signals: its latency and the CPU it waits for.
bool
IsAppSignal(PaceReason reason) {
	return reason == PaceReason::AppLatency || reason == PaceReason::CpuPressure;
}

// Batch time model from the fit: *fixed_ms + *per_row_ms x rows. False
// before the first batch.
bool
BatchTimeModel(const PaceController &c, double *fixed_ms, double *per_row_ms) {
	if (c.fit_w <= 0 || c.fit_x <= 0)
		return false;
	double spread = c.fit_w * c.fit_xx - c.fit_x * c.fit_x;
	if (spread > kMinSizeSpread * c.fit_w * c.fit_xx) {
		double slope = (c.fit_w * c.fit_xy - c.fit_x * c.fit_y) / spread;
		double intercept = (c.fit_y - slope * c.fit_x) / c.fit_w;
		if (slope > 0 && intercept >= 0) {
			*fixed_ms = intercept;
			*per_row_ms = slope;
			return true;
		}
	}
	*fixed_ms = 0;
	*per_row_ms = c.fit_y / c.fit_x;
	return *per_row_ms > 0;
}

// The batch size that keeps a batch under limit_ms, into *rows; false before
// the first batch.
//   - max_batch_ms (how long row locks are held): from the fit, as many rows
//     as fit beside the fixed cost, and when none do, as many as take as
//     long as the fixed cost (smaller batches would not be shorter);
//   - max_active_batch_ms (burst_limit: a burst the application's commits
//     queue behind): from the recent batches' mean time per row, their
//     fixed cost included, so batch times settle at the limit. A batch whose
//     commit waited on a congested device then makes the next batches
//     smaller for a while; the fit would take that wait for a fixed cost
//     above the limit and make them larger, more rows per burst exactly
//     while the device is slowest.
bool
RowsWithin(const PaceController &c, double limit_ms, bool burst_limit, double *rows) {
	if (burst_limit) {
		if (c.fit_x <= 0 || c.fit_y <= 0)
			return false;
		*rows = limit_ms * c.fit_x / c.fit_y;
		return true;
	}
	double fixed_ms = 0;
	double per_row_ms = 0;
	if (!BatchTimeModel(c, &fixed_ms, &per_row_ms))
		return false;
	*rows = (limit_ms > fixed_ms ? limit_ms - fixed_ms : fixed_ms) / per_row_ms;
	return true;
}

int32_t
BatchSizeFor(const PaceSettings &settings, double duty) {
	int32_t floor_size = std::min(std::max(settings.min_batch_size, 1), settings.max_batch_size);
	double size = std::ceil(settings.max_batch_size * duty);
	return (int32_t)std::clamp(size, (double)floor_size, (double)settings.max_batch_size);
}

} // namespace

const char *
PaceReasonName(PaceReason reason) noexcept {
	switch (reason) {
	case PaceReason::None:
		return "none";
	case PaceReason::Unthrottled:
		return "unthrottled";
	case PaceReason::AppLatency:
		return "app latency";
	case PaceReason::ReplicaLag:
		return "replica lag";
	case PaceReason::SlotLag:
		return "slot lag";
	case PaceReason::WalRate:
		return "WAL rate";
	case PaceReason::LockConflict:
		return "lock conflict";
	case PaceReason::BatchTime:
		return "batch time";
	case PaceReason::CpuPressure:
		return "cpu pressure";
	}
	return "none";
}

PaceSettings
DefaultPaceSettings() noexcept {
	PaceSettings s{};
	s.enabled = true;
	s.max_batch_size = 5000;
	s.min_batch_size = 10;
	s.min_pause_ms = 0;
	s.max_pause_ms = 2000;
	s.target_latency_ratio = 1.5;
	s.latency_slack_ms = 0.5;
	s.max_batch_ms = 200;
	s.max_active_batch_ms = 2;
	s.max_replica_lag_bytes = 512.0 * 1024 * 1024;
	s.max_slot_lag_bytes = 1024.0 * 1024 * 1024;
	s.wal_bytes_per_s = 0;
	s.wal_burst_bytes = 0;
	s.min_duty = 0.02;
	s.min_latency_duty = 0.1;
	s.duty_increase_per_s = 0.05;
	s.idle_app_tps = 20;
	s.max_cpu_stall_share = 0.2;
	return s;
}

void
ResetPaceController(PaceController *c) noexcept {
	*c = PaceController{};
	c->duty = 1.0;
	c->size_share = 1.0;
	c->last_cut_s = -1;
}

PaceDecision
FirstPaceDecision(PaceController *c, const PaceSettings &settings, const PaceObservation &seen) noexcept {
	PaceDecision d{};
	d.batch_size = settings.enabled ? BatchSizeFor(settings, c->duty) : settings.max_batch_size;
	d.pause_ms = settings.min_pause_ms;
	d.reason = settings.enabled ? PaceReason::None : PaceReason::Unthrottled;
	d.duty = settings.enabled ? c->duty : 1.0;
	if (settings.enabled && AppMayBeActive(settings, seen)) {
		d.yield_cpu = true;
		if (AppActive(settings, seen) && settings.max_active_batch_ms > 0 &&
		    settings.max_batch_ms > settings.max_active_batch_ms)
			d.batch_size = BatchSizeFor(settings, (double)settings.max_active_batch_ms / (double)settings.max_batch_ms);
	}
	c->last_batch_size = d.batch_size;
	return d;
}

PaceDecision
NextPace(PaceController *c, const PaceSettings &settings, const PaceObservation &seen) noexcept {
	PaceDecision d{};
	if (!settings.enabled) {
		c->duty = 1.0;
		c->started = false;
		d.batch_size = settings.max_batch_size;
		d.pause_ms = settings.min_pause_ms;
		d.reason = PaceReason::Unthrottled;
		d.duty = 1.0;
		return d;
	}
	double min_duty = std::clamp(settings.min_duty, 1e-4, 1.0);
	bool app_active = AppActive(settings, seen);
	double dt = c->started ? std::max(0.0, seen.now_s - c->last_now_s) : 0.0;
	c->started = true;
	c->last_now_s = seen.now_s;
	if (seen.batch_rows > 0 && seen.batch_ms >= 0) {
		double keep = c->fit_w > 0 ? 1.0 - kRowTimeWeight : 0.0;
		double x = (double)seen.batch_rows;
		c->fit_w = keep * c->fit_w + 1.0;
		c->fit_x = keep * c->fit_x + x;
		c->fit_y = keep * c->fit_y + seen.batch_ms;
		c->fit_xx = keep * c->fit_xx + x * x;
		c->fit_xy = keep * c->fit_xy + x * seen.batch_ms;
	}

	// The binding signal.
	Pressure worst;
	ConsiderAppLatency(&worst, settings, seen);
	ConsiderCpuPressure(&worst, settings, seen);
	Consider(&worst, seen.replica_lag_bytes, settings.max_replica_lag_bytes, PaceReason::ReplicaLag);
	Consider(&worst, seen.slot_lag_bytes, settings.max_slot_lag_bytes, PaceReason::SlotLag);
	bool conflict = seen.blocked_sessions > 0;
	if (conflict && worst.pressure <= 1.0) {
		worst.pressure = 1.0; // holds the duty, does not cut it
		worst.reason = PaceReason::LockConflict;
		worst.value = seen.blocked_sessions;
	}

	// A lock conflict halves the batch (the time row locks are held) at
	// once; the harm of the wait itself shows in the application's latency.
	if (conflict) {
		c->held_by = PaceReason::LockConflict;
		c->size_share = std::max(c->size_share * kCutFactor, 1e-3);
	} else {
		c->size_share = std::min(1.0, c->size_share + kSizeRecoveryPerS * dt);
	}

	// AIMD on the duty.
	if (worst.pressure > 1.0 && !(conflict && worst.reason == PaceReason::LockConflict)) {
		// Cut only on a signal measured entirely after the last cut; lag
		// signals are levels that need time to drain, so they cut at most
		// once per second.
		bool fresh = worst.reason == PaceReason::AppLatency    ? seen.app_window_start_s >= c->last_cut_s
		             : worst.reason == PaceReason::CpuPressure ? seen.cpu_window_start_s >= c->last_cut_s
		                                                       : seen.now_s - c->last_cut_s >= 1.0;
		// The application's latency and CPU have causes besides the
		// backfill: below min_latency_duty cutting further buys little, so
		// they hold there.
		double floor = IsAppSignal(worst.reason) ? std::max(settings.min_latency_duty, min_duty) : 0;
		if ((c->last_cut_s < 0 || fresh) && c->duty > floor) {
			c->duty = std::max(c->duty * kCutFactor, floor);
			c->last_cut_s = seen.now_s;
		}
	} else if (worst.pressure < kIncreaseBelow) {
		if (!app_active && worst.pressure == 0) {
			c->duty = 1.0; // idle: full speed at once
			c->size_share = 1.0;
		} else {
			c->duty += settings.duty_increase_per_s * dt;
		}
	}
	c->duty = std::clamp(c->duty, min_duty, 1.0);

	if (worst.pressure > kIncreaseBelow)
		c->held_by = worst.reason;
	d.duty = c->duty;
	if (worst.pressure > kIncreaseBelow) {
		d.reason = worst.reason;
		d.value = worst.value;
	} else if (c->duty < 1.0 || c->size_share < 1.0) {
		d.reason = c->held_by; // still recovering from it
		d.value = worst.reason == c->held_by ? worst.value : 0;
	}

	// Batch size from the duty (its square root: small batches cost their
	// fixed overhead), capped so a batch stays under the batch time limit
	// (max_batch_ms, or max_active_batch_ms while the application is active
	// if shorter; RowsWithin).
	int32_t size = BatchSizeFor(settings, std::sqrt(c->duty) * c->size_share);
	int64_t limit_ms = settings.max_batch_ms;
	bool may_be_active = AppMayBeActive(settings, seen);
	bool burst_limit =
	    settings.max_active_batch_ms > 0 && may_be_active && (limit_ms <= 0 || settings.max_active_batch_ms < limit_ms);
	if (burst_limit)
		limit_ms = settings.max_active_batch_ms;
	double fits = 0;
	if (limit_ms > 0 && RowsWithin(*c, (double)limit_ms, burst_limit, &fits)) {
		if (fits < size) {
			size = (int32_t)std::max(fits, (double)std::min(std::max(settings.min_batch_size, 1), size));
			if (d.reason == PaceReason::None) {
				d.reason = PaceReason::BatchTime;
				d.value = seen.batch_ms;
			}
		}
	}
	d.batch_size = size;
	d.yield_cpu = may_be_active;

	// Pause: the rest of the duty cycle of the batch just done (its measured
	// time includes the batch's fixed costs, which a per-row model misses).
	double pause = c->duty < 1.0 ? std::max(0.0, seen.batch_ms) * (1.0 - c->duty) / c->duty : 0.0;
	pause = std::min(pause, (double)settings.max_pause_ms);

	// WAL budget: a token bucket refilled at wal_bytes_per_s up to
	// wal_burst_bytes, starting full; a debt is paid by pausing (not capped
	// by max_pause_ms: the budget keeps checkpoints from being forced).
	if (settings.wal_bytes_per_s > 0) {
		double burst = std::max(settings.wal_burst_bytes, settings.wal_bytes_per_s);
		if (!c->wal_filled) {
			c->wal_tokens = burst;
			c->wal_filled = true;
		}
		c->wal_tokens = std::min(burst, c->wal_tokens + settings.wal_bytes_per_s * dt) - std::max(0.0, seen.wal_bytes);
		if (c->wal_tokens < 0) {
			double wal_pause = std::min(-c->wal_tokens / settings.wal_bytes_per_s * 1000.0, kMaxWalPauseMs);
			if (wal_pause > pause) {
				pause = wal_pause;
				d.reason = PaceReason::WalRate;
				d.value = settings.wal_bytes_per_s;
			}
		}
	}
	d.pause_ms = (int64_t)std::llround(std::max(pause, (double)settings.min_pause_ms));
	c->last_batch_size = d.batch_size;
	return d;
}

} // namespace pg_backfill::core
