// Pacing of a job worker's batches: the glue between the batch loop
// (worker.cpp), the signals (pace_signals.hpp) and the controller
// (core/pace_controller.hpp). One job per worker process, so the state is
// the process's. PG regime.
//
// How the job's options and the GUCs take part (README.md, "Pacing"):
//   - batch_size (job option, else pg_backfill.batch_size) is the ceiling:
//     the controller's batches are never larger, and are that large on an
//     idle server;
//   - batch_delay (job option, else pg_backfill.batch_delay) is the shortest
//     pause: the controller only adds to it;
//   - pace = off (job option, else pg_backfill.pace) turns the controller
//     off: every batch is batch_size rows followed by batch_delay, as before;
//   - target_latency_ratio (job option, else the GUC) is the latency target.
// All are re-read before every batch, so alter_backfill and a reload take
// effect at the next batch.
#pragma once

extern "C" {
#include "postgres.h"
}

#include "core/job_options.hpp"

namespace pg_backfill::pg {

// Worker set-up, once the job is running: counts the worker as a running
// backfill of its database for the latency baseline, installs the signals
// (memory in `cxt`) and starts the application's latency window. Returns
// how long to wait before the first batch, in milliseconds, so that the
// controller sees the application before it (a job started under load then
// begins with a short batch): the window's shortest length (100) when the
// application's latency is measured, else 0.
int64 StartPacing(MemoryContext cxt);

// The size of the batch about to run, from the controller's last decision
// within the job's current options (called in the batch's transaction, after
// the job row and its options were read); the worker's first from the
// signals read then. When the decision says so (a paced job while the
// application is active), also arms the CPU yield (cpu_yield.hpp) for the
// rest of the batch: the caller stops it (StopCpuYield) when the batch ends
// or fails.
int64 PacedBatchSize(const core::EffectiveJobOptions &options);

// Marks the start of a batch (before its transaction).
void PaceBatchStarting();

// After a batch that committed `covered` keys (unknown: the size asked
// for): observes it, decides the next batch and returns the pause before
// it in milliseconds (at least delay_ms, the job's batch_delay). Shows the
// decision in pg_stat_activity and, every second, records it in
// backfill.pace_history in a transaction of its own.
int64 PaceAfterBatch(int64 job_id, int64 delay_ms);

} // namespace pg_backfill::pg
