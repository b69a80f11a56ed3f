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
int guc_batch_size = 1000;
int guc_lock_timeout_ms = 500;
int guc_statement_timeout_ms = 30000;
int guc_batch_delay_ms = 0;
int guc_retry_backoff_initial_ms = 100;
int guc_retry_backoff_max_ms = 30000;
int guc_progress_interval_ms = 5000;
int guc_max_replica_lag_kb = 1024 * 1024;

void
DefineBackfillSettings() {
	DefineCustomIntVariable("pg_backfill.max_workers", "Maximum number of backfill job workers running at once.",
	                        "Counted over the whole cluster. Each worker also needs a max_worker_processes slot.",
	                        &guc_max_workers, 2, 0, 64, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.batch_size", "Rows per backfill batch for jobs started without batch_size.",
	                        nullptr, &guc_batch_size, 1000, core::kMinBatchSize, core::kMaxBatchSize, PGC_SUSET, 0, nullptr, nullptr,
	                        nullptr);
	DefineCustomIntVariable("pg_backfill.lock_timeout",
	                        "Lock timeout of a backfill batch for jobs started without lock_timeout.",
	                        "A batch that waits longer for a row lock is rolled back and retried after a backoff.",
	                        &guc_lock_timeout_ms, 500, (int)core::kMinLockTimeoutMs,
	                        (int)core::kMaxIntervalOptionMs, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr,
	                        nullptr);
	DefineCustomIntVariable("pg_backfill.statement_timeout", "Statement timeout of a backfill batch.",
	                        "A batch that runs longer fails its job. 0 disables the timeout.",
	                        &guc_statement_timeout_ms, 30000, 0, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr,
	                        nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.batch_delay", "Sleep between backfill batches for jobs started without "
	                        "batch_delay.",
	                        nullptr, &guc_batch_delay_ms, 0, (int)core::kMinBatchDelayMs,
	                        (int)core::kMaxIntervalOptionMs, PGC_SUSET, GUC_UNIT_MS, nullptr,
	                        nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.retry_backoff_initial",
	                        "Upper bound of the first retry delay after a batch lock timeout.",
	                        "Each further retry doubles the bound up to pg_backfill.retry_backoff_max; the delay "
	                        "is uniformly random below the bound.",
	                        &guc_retry_backoff_initial_ms, 100, 1, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr,
	                        nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.retry_backoff_max", "Largest retry delay after a batch lock timeout.",
	                        nullptr, &guc_retry_backoff_max_ms, 30000, 1, INT_MAX, PGC_SUSET, GUC_UNIT_MS,
	                        nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.progress_interval", "Interval between wait_backfill progress notices.",
	                        "0 disables the notices.", &guc_progress_interval_ms, 5000, 0, INT_MAX,
	                        PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.max_replica_lag",
	                        "Replay lag of a streaming standby above which backfill batches wait.",
	                        "Measured in bytes of WAL not yet replayed by the slowest physical standby. "
	                        "0 disables the check.",
	                        &guc_max_replica_lag_kb, 1024 * 1024, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_KB, nullptr,
	                        nullptr, nullptr);
}

core::EffectiveJobOptions
CurrentJobOptionSettings() {
	return core::EffectiveJobOptions{guc_batch_size, guc_lock_timeout_ms, guc_batch_delay_ms};
}

} // namespace pg_backfill::pg
