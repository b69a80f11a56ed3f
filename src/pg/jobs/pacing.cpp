// See pacing.hpp.
#include "pg/jobs/pacing.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgwriter.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

#include <cmath>

#include "core/pace_controller.hpp"
#include "pg/jobs/app_latency.hpp"
#include "pg/jobs/cpu_yield.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/pace_signals.hpp"
#include "pg/jobs/settings.hpp"

namespace pg_backfill::pg {

namespace {

// History rows are written at most this often.
constexpr double kHistoryEveryS = 1.0;
// The controller's smallest batch (unless batch_size is smaller).
constexpr int32 kMinPacedBatchSize = 10;

core::PaceController controller;
core::PaceSettings settings;
core::PaceDecision decision;
bool decided = false;
double batch_started_s = 0;
double batch_wal_start = 0;
int64 batch_rows_asked = 0;
char status[256];

// The interval accumulated for the next history row.
struct PaceInterval {
	double started_s;
	int32 batches;
	int64 rows;
	double wal_bytes;
} interval;
core::PaceObservation last_seen;

// The controller's settings from the job's options and the GUCs.
core::PaceSettings
SettingsFor(const core::EffectiveJobOptions &options) {
	core::PaceSettings s = core::DefaultPaceSettings();
	s.enabled = options.pace == core::PaceMode::Auto;
	s.max_batch_size = options.batch_size;
	s.min_batch_size = Min(kMinPacedBatchSize, options.batch_size);
	s.min_pause_ms = options.batch_delay_ms;
	s.max_pause_ms = guc_max_pause_ms;
	s.target_latency_ratio = options.target_latency_ratio;
	s.max_batch_ms = guc_max_batch_time_ms;
	s.max_active_batch_ms = guc_max_active_batch_time_ms;
	// The soft limit is half of the hard one (WaitForReplicas holds every
	// batch above pg_backfill.max_replica_lag).
	s.max_replica_lag_bytes = (double)guc_max_replica_lag_kb * 1024 / 2;
	s.max_slot_lag_bytes = (double)guc_max_slot_lag_kb * 1024;
	s.max_cpu_stall_share = guc_max_cpu_pressure;
	if (guc_max_wal_rate_kb > 0) {
		s.wal_bytes_per_s = (double)guc_max_wal_rate_kb * 1024;
		s.wal_burst_bytes = s.wal_bytes_per_s * CheckPointTimeout;
	} else if (guc_max_wal_rate_kb < 0) {
		// Half of max_wal_size per checkpoint_timeout, and as a burst: the
		// backfill alone does not reach the distance at which the
		// checkpointer is asked for an early checkpoint.
		s.wal_burst_bytes = (double)max_wal_size_mb * 1024 * 1024 / 2;
		s.wal_bytes_per_s = s.wal_burst_bytes / Max(CheckPointTimeout, 1);
	}
	return s;
}

// "app p99 2.4x baseline", "replica lag 1.2 GB", ... (README.md, backfill_status).
const char *
ReasonText(const core::PaceDecision &d) {
	static char reason[96];
	auto size = [](double bytes) {
		return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty, Int64GetDatum((int64)bytes))));
	};
	switch (d.reason) {
	case core::PaceReason::AppLatency:
		if (d.value > 0)
			snprintf(reason, sizeof(reason), "app p99 %.1fx baseline", d.value);
		else
			snprintf(reason, sizeof(reason), "app latency");
		return reason;
	case core::PaceReason::ReplicaLag:
		snprintf(reason, sizeof(reason), "replica lag %s", size(d.value));
		return reason;
	case core::PaceReason::SlotLag:
		snprintf(reason, sizeof(reason), "slot lag %s", size(d.value));
		return reason;
	case core::PaceReason::WalRate:
		snprintf(reason, sizeof(reason), "WAL rate (budget %s/s)", size(d.value));
		return reason;
	case core::PaceReason::LockConflict:
		if (d.value > 0)
			snprintf(reason, sizeof(reason), "lock conflict (%.0f waiting)", d.value);
		else
			snprintf(reason, sizeof(reason), "lock conflict");
		return reason;
	case core::PaceReason::CpuPressure:
		snprintf(reason, sizeof(reason), "cpu pressure %.0f%%", d.value * 100);
		return reason;
	case core::PaceReason::BatchTime:
		snprintf(reason, sizeof(reason), "batch time %.0f ms", d.value);
		return reason;
	default:
		return core::PaceReasonName(d.reason);
	}
}

void
RecordInterval(int64 job_id, double now_s) {
	PaceRecord r{};
	r.seconds = now_s - interval.started_s;
	r.batches = interval.batches;
	r.rows = interval.rows;
	r.batch_size = decision.batch_size;
	r.pause_ms = decision.pause_ms;
	r.duty = decision.duty;
	r.reason = ReasonText(decision);
	r.has_app_latency = last_seen.has_app_latency;
	r.app_p99_ms = last_seen.app_p99_ms;
	r.app_baseline_p99_ms = last_seen.app_baseline_p99_ms;
	r.app_tps = last_seen.app_tps;
	r.wal_bytes_per_s = r.seconds > 0 ? interval.wal_bytes / r.seconds : 0;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	RecordPace(job_id, &r);
	PopActiveSnapshot();
	CommitTransactionCommand();
	interval = PaceInterval{now_s, 0, 0, 0};
}

} // namespace

int64
StartPacing(MemoryContext cxt) {
	core::ResetPaceController(&controller);
	decided = false;
	InitPaceSignals(cxt);
	AppLatencyBackfillRunning();
	double now_s = PaceClockSeconds();
	interval = PaceInterval{now_s, 0, 0, 0};
	// The first read starts the application's latency window.
	core::PaceObservation seen{};
	ReadPaceSignals(now_s, &seen);
	return seen.app_latency_pending ? kAppLatencyWindowReadyMs : 0;
}

int64
PacedBatchSize(const core::EffectiveJobOptions &options) {
	settings = SettingsFor(options);
	if (!decided) {
		// The signals before the first batch: whether the application is
		// active.
		core::PaceObservation seen{};
		seen.now_s = PaceClockSeconds();
		ReadPaceSignals(seen.now_s, &seen);
		decision = core::FirstPaceDecision(&controller, settings, seen);
		decided = true;
	}
	int64 size = settings.enabled ? Min((int64)decision.batch_size, (int64)options.batch_size) : options.batch_size;
	batch_rows_asked = Max(size, 1);
	// From here to the batch's end (the current options may have turned the
	// controller off since the decision).
	if (settings.enabled && decision.yield_cpu && guc_cpu_yield_interval_ms > 0)
		StartCpuYield(guc_cpu_yield_interval_ms);
	return batch_rows_asked;
}

void
PaceBatchStarting() {
	batch_started_s = PaceClockSeconds();
	batch_wal_start = WorkerWalBytes();
	batch_rows_asked = 0;
}

int64
PaceAfterBatch(int64 job_id, int64 delay_ms) {
	if (batch_rows_asked == 0) // the job stopped before its batch
		return delay_ms;
	core::PaceObservation seen{};
	seen.now_s = PaceClockSeconds();
	seen.batch_ms = (seen.now_s - batch_started_s) * 1000.0;
	seen.batch_rows = batch_rows_asked;
	seen.wal_bytes = WorkerWalBytes() - batch_wal_start;
	ReadPaceSignals(seen.now_s, &seen);
	decision = core::NextPace(&controller, settings, seen);
	last_seen = seen;
	interval.batches++;
	interval.rows += seen.batch_rows;
	interval.wal_bytes += seen.wal_bytes;

	if (seen.now_s - interval.started_s >= kHistoryEveryS)
		RecordInterval(job_id, seen.now_s);

	int64 pause = Max(decision.pause_ms, delay_ms);
	// While held back, pg_stat_activity says so; otherwise it keeps showing
	// the last batch statement, as without pacing.
	if (decision.reason != core::PaceReason::None && decision.reason != core::PaceReason::Unthrottled) {
		snprintf(status, sizeof(status), "pg_backfill: pause %lld ms, next batch %d rows, held back by: %s",
		         (long long)pause, decision.batch_size, ReasonText(decision));
		pgstat_report_activity(STATE_IDLE, status);
	}
	return pause;
}

} // namespace pg_backfill::pg
