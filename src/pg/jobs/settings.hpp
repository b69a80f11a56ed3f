// The pg_backfill.* GUCs of the backfill jobs (the DDL guard defines its own
// in guard/settings.hpp). The C variable of GUC pg_backfill.X is guc_X, with
// a unit suffix (_ms, _kb) when the GUC has a unit.
#pragma once

#include "core/job_options.hpp"

namespace pg_backfill::pg {

extern int guc_max_workers;          // concurrent job workers, cluster-wide
extern int guc_batch_size;           // rows per batch
extern int guc_lock_timeout_ms;      // SET LOCAL lock_timeout of a batch
extern int guc_statement_timeout_ms; // statement timeout armed for a batch; 0: none
extern int guc_batch_delay_ms;       // sleep between batches
extern int guc_retry_backoff_initial_ms;
extern int guc_retry_backoff_max_ms;
extern int guc_progress_interval_ms; // wait_backfill notices; 0: none
extern int guc_max_replica_lag_kb;   // hold batches while a standby lags more; 0: off
// Pacing (pace_controller, pacing.cpp).
extern int guc_pace;                    // core::PaceMode of jobs without their own
extern double guc_target_latency_ratio; // app p99 / baseline p99 to stay under; 0: off
extern int guc_max_pause_ms;            // longest pause the controller makes
extern int guc_max_batch_time_ms;       // batch duration the controller keeps batches under; 0: off
extern int guc_max_active_batch_time_ms; // the same while the application is active; 0: off
extern double guc_cpu_yield_interval_ms;  // sched_yield() this often during a paced batch; 0: off
extern int guc_max_slot_lag_kb;         // logical slot lag the controller backs off at; 0: off
extern double guc_max_cpu_pressure;     // CPU stall share the controller backs off at; 0: off
extern bool guc_measure_app_latency;    // client backends record their commit latency (preload only)
extern int guc_max_wal_rate_kb;         // WAL budget in kB/s; -1: from max_wal_size and checkpoint_timeout; 0: off
extern double guc_finish_cpu_limit;     // share of one CPU a paced job's VALIDATE and index build may use

// Defines the GUCs above. PG regime: may ereport(ERROR).
void DefineBackfillSettings();
// The pacing GUCs (called by DefineBackfillSettings).
void DefinePaceSettings();

// The current values of the GUCs that job options fall back to. Never errors.
core::EffectiveJobOptions CurrentJobOptionSettings();

// ereports 22023 naming the first job option out of its range (the limits of
// core/job_options.hpp), for start_backfill and alter_backfill. PG regime.
void CheckJobOptionsOrError(const core::JobOptions &options);

} // namespace pg_backfill::pg
