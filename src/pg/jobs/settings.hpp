// The pg_backfill.* GUCs of the backfill jobs (the DDL guard defines its own).
#pragma once

namespace pg_backfill::pg {

extern int backfill_max_workers;           // concurrent job workers, cluster-wide
extern int backfill_batch_size;            // rows per batch
extern int backfill_lock_timeout_ms;       // SET LOCAL lock_timeout of a batch
extern int backfill_statement_timeout_ms;  // statement timeout armed for a batch; 0: none
extern int backfill_batch_delay_ms;        // sleep between batches
extern int backfill_retry_backoff_initial_ms;
extern int backfill_retry_backoff_max_ms;
extern int backfill_progress_interval_ms;  // wait_backfill notices; 0: none
extern int backfill_max_replica_lag_kb;    // hold batches while a standby lags more; 0: off

// Defines the GUCs above. PG regime: may ereport(ERROR).
void DefineBackfillSettings();

} // namespace pg_backfill::pg
