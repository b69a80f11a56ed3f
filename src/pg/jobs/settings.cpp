// GUC definitions. Job options left NULL in start_backfill fall back to these,
// and the worker re-reads them before every batch (after a SIGHUP reload), so
// ALTER SYSTEM + pg_reload_conf() retunes running jobs.
#include "pg/jobs/settings.hpp"

#include <climits>

extern "C" {
#include "postgres.h"
#include "utils/guc.h"
}

namespace pg_backfill::pg {

int guc_max_workers = 2;
int guc_batch_size = 5000;
int guc_lock_timeout_ms = 500;
int guc_statement_timeout_ms = 30000;
int guc_batch_delay_ms = 0;
int guc_retry_backoff_initial_ms = 100;
int guc_retry_backoff_max_ms = 30000;
int guc_progress_interval_ms = 5000;
int guc_max_replica_lag_kb = 1024 * 1024;
int guc_pace = (int)core::PaceMode::Auto;
double guc_target_latency_ratio = 1.5;
int guc_max_pause_ms = 2000;
int guc_max_batch_time_ms = 200;
int guc_max_active_batch_time_ms = 2;
double guc_cpu_yield_interval_ms = 0.2;
int guc_max_slot_lag_kb = 1024 * 1024;
double guc_max_cpu_pressure = 0.2;
int guc_max_wal_rate_kb = -1;
double guc_finish_cpu_limit = 0.05;
bool guc_measure_app_latency = true;

namespace {

const struct config_enum_entry kPaceModes[] = {
    {"auto", (int)core::PaceMode::Auto, false},
    {"off", (int)core::PaceMode::Off, false},
    {nullptr, 0, false},
};

// target_latency_ratio: 0 or within the job option's range.
bool
CheckTargetLatencyRatio(double *newval, void **, GucSource) {
	if (core::TargetLatencyRatioAllowed(*newval))
		return true;
	GUC_check_errdetail("pg_backfill.target_latency_ratio must be 0 (off) or between %g and %g.",
	                    core::kMinTargetLatencyRatio, core::kMaxTargetLatencyRatio);
	return false;
}

} // namespace

void
DefineBackfillSettings() {
	DefineCustomIntVariable("pg_backfill.max_workers", "Maximum number of backfill job workers running at once.",
	                        "Counted over the whole cluster. Each worker also needs a max_worker_processes slot.",
	                        &guc_max_workers, 2, 0, 64, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.batch_size", "Rows per backfill batch for jobs started without batch_size.",
	                        nullptr, &guc_batch_size, 5000, core::kMinBatchSize, core::kMaxBatchSize, PGC_SUSET, 0,
	                        nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.lock_timeout",
	                        "Lock timeout of a backfill batch for jobs started without lock_timeout.",
	                        "A batch that waits longer for a row lock is rolled back and retried after a backoff.",
	                        &guc_lock_timeout_ms, 500, (int)core::kMinLockTimeoutMs, (int)core::kMaxIntervalOptionMs,
	                        PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.statement_timeout", "Statement timeout of a backfill batch.",
	                        "A batch that runs longer fails its job. 0 disables the timeout.",
	                        &guc_statement_timeout_ms, 30000, 0, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
	                        nullptr);
	DefineCustomIntVariable("pg_backfill.batch_delay",
	                        "Sleep between backfill batches for jobs started without "
	                        "batch_delay.",
	                        nullptr, &guc_batch_delay_ms, 0, (int)core::kMinBatchDelayMs,
	                        (int)core::kMaxIntervalOptionMs, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
	DefineCustomIntVariable(
	    "pg_backfill.retry_backoff_initial", "Upper bound of the first retry delay after a batch lock timeout.",
	    "Each further retry doubles the bound up to pg_backfill.retry_backoff_max; the delay "
	    "is uniformly random below the bound.",
	    &guc_retry_backoff_initial_ms, 100, 1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.retry_backoff_max", "Largest retry delay after a batch lock timeout.", nullptr,
	                        &guc_retry_backoff_max_ms, 30000, 1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
	                        nullptr);
	DefineCustomIntVariable("pg_backfill.progress_interval", "Interval between wait_backfill progress notices.",
	                        "0 disables the notices.", &guc_progress_interval_ms, 5000, 0, INT_MAX, PGC_USERSET,
	                        GUC_UNIT_MS, nullptr, nullptr, nullptr);
	DefineCustomIntVariable(
	    "pg_backfill.max_replica_lag", "Replay lag of a streaming standby above which backfill batches wait.",
	    "Measured in bytes of WAL not yet replayed by the slowest physical standby. "
	    "0 disables the check.",
	    &guc_max_replica_lag_kb, 1024 * 1024, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_KB, nullptr, nullptr, nullptr);
	DefinePaceSettings();
}

void
DefinePaceSettings() {
	DefineCustomEnumVariable("pg_backfill.pace", "Pacing of backfill jobs started without their own pace.",
	                         "auto: the controller sets each batch's size (up to batch_size) and the pause "
	                         "before it (at least batch_delay) from the application's latency, WAL, replica "
	                         "and slot lag and lock conflicts. off: batch_size and batch_delay as given.",
	                         &guc_pace, (int)core::PaceMode::Auto, kPaceModes, PGC_SUSET, 0, nullptr, nullptr, nullptr);
	DefineCustomRealVariable("pg_backfill.target_latency_ratio",
	                         "Application p99 latency, as a multiple of its baseline, that paced backfill "
	                         "jobs stay under.",
	                         "The baseline is the p99 of the database's transactions while no backfill runs "
	                         "(needs shared_preload_libraries). 0 turns the latency signal off.",
	                         &guc_target_latency_ratio, 1.5, 0, core::kMaxTargetLatencyRatio, PGC_SUSET, 0,
	                         CheckTargetLatencyRatio, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.max_pause", "Longest pause the pacing controller puts between batches.",
	                        "With the controller's smallest duty this bounds how slow a job can get, so it "
	                        "always finishes. A WAL budget debt may pause longer.",
	                        &guc_max_pause_ms, 2000, 1, 3600 * 1000, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.max_batch_time",
	                        "Batch duration the pacing controller keeps batches under (row locks are held "
	                        "for a batch).",
	                        "0 turns the limit off.", &guc_max_batch_time_ms, 200, 0, INT_MAX, PGC_SUSET, GUC_UNIT_MS,
	                        nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.max_active_batch_time",
	                        "Batch duration the pacing controller keeps batches under while the application is "
	                        "active.",
	                        "A batch is a burst of CPU and WAL that the application's commits queue behind. "
	                        "0 turns the limit off.",
	                        &guc_max_active_batch_time_ms, 2, 0, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
	                        nullptr);
	DefineCustomRealVariable("pg_backfill.cpu_yield_interval",
	                         "Wall time between two offers of the CPU to other runnable tasks while a paced "
	                         "job's batch runs.",
	                         "The worker calls sched_yield() this often during a batch, so an application "
	                         "backend that wakes meanwhile need not wait for the worker's time slice to end. "
	                         "0 turns it off.",
	                         &guc_cpu_yield_interval_ms, 0.2, 0, 1000, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
	                         nullptr);
	DefineCustomIntVariable(
	    "pg_backfill.max_slot_lag", "Lag of an active logical replication slot at which paced backfill jobs back off.",
	    "Bytes of WAL between the insert position and the slot's confirmed_flush_lsn, "
	    "for slots with a connected consumer. 0 turns the signal off.",
	    &guc_max_slot_lag_kb, 1024 * 1024, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_KB, nullptr, nullptr, nullptr);
	DefineCustomRealVariable("pg_backfill.max_cpu_pressure",
	                         "Share of time in which runnable tasks of the host wait for a CPU at which paced "
	                         "backfill jobs back off while the application is active.",
	                         "From Linux's CPU pressure stall information (/proc/pressure/cpu, some). 0 turns "
	                         "the signal off; so does a host that does not report it.",
	                         &guc_max_cpu_pressure, 0.2, 0, 1, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.max_wal_rate", "WAL budget of each paced backfill job, in kB per second.",
	                        "-1 derives it from the server: max_wal_size / 2 per checkpoint_timeout, with a "
	                        "burst of max_wal_size / 2, so a backfill alone never forces a checkpoint. 0 "
	                        "turns the budget off.",
	                        &guc_max_wal_rate_kb, -1, -1, INT_MAX, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomRealVariable("pg_backfill.finish_cpu_limit",
	                         "Share of one CPU that a paced backfill job's finishing steps may use while they "
	                         "scan the table (VALIDATE CONSTRAINT, CREATE INDEX CONCURRENTLY) and the "
	                         "application is active.",
	                         "The worker pauses every millisecond for what it owes; while the database's "
	                         "client backends commit 20 transactions a second or fewer it runs at full speed. "
	                         "1 turns the limit off.",
	                         &guc_finish_cpu_limit, 0.05, 0.01, 1, PGC_SUSET, 0, nullptr, nullptr, nullptr);
	DefineCustomBoolVariable("pg_backfill.measure_app_latency",
	                         "Client backends record their transactions' latency for the pacing controller.",
	                         "Needs shared_preload_libraries. Off: paced jobs have no latency signal.",
	                         &guc_measure_app_latency, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
}

core::EffectiveJobOptions
CurrentJobOptionSettings() {
	return core::EffectiveJobOptions{guc_batch_size, guc_lock_timeout_ms, guc_batch_delay_ms, (core::PaceMode)guc_pace,
	                                 guc_target_latency_ratio};
}

void
CheckJobOptionsOrError(const core::JobOptions &options) {
	switch (core::CheckJobOptions(options)) {
	case core::JobOptionViolation::None:
		return;
	case core::JobOptionViolation::BatchSize:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("batch_size must be between %d and %d", core::kMinBatchSize, core::kMaxBatchSize)));
	case core::JobOptionViolation::LockTimeout:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("lock_timeout must be between %lld ms and %lld ms", (long long)core::kMinLockTimeoutMs,
		                       (long long)core::kMaxIntervalOptionMs)));
	case core::JobOptionViolation::BatchDelay:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("batch_delay must be between %lld ms and %lld ms", (long long)core::kMinBatchDelayMs,
		                       (long long)core::kMaxIntervalOptionMs)));
	case core::JobOptionViolation::TargetLatencyRatio:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("target_latency_ratio must be 0 (off) or between %g and %g",
		                       core::kMinTargetLatencyRatio, core::kMaxTargetLatencyRatio)));
	}
}

} // namespace pg_backfill::pg
