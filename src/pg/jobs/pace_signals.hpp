// The signals the pacing controller reads in the worker after every batch
// (core/pace_controller.hpp, PaceObservation): the application's latency
// window and baseline (app_latency.hpp), WAL the worker wrote, replica and
// logical slot lag, sessions that waited on the worker's locks, and the
// host's CPU pressure (cpu_pressure.hpp). All read from shared memory,
// process state or /proc: no SQL, no privilege needed. PG regime.
#pragma once

extern "C" {
#include "postgres.h"
}

#include "core/pace_controller.hpp"

namespace pg_backfill::pg {

// Worker set-up: the latency window ring in `cxt`, a transaction callback
// that counts, just before each of the worker's commits, the sessions
// waiting on a lock the worker holds, and the host's CPU pressure without
// this worker's batches (the baseline). Call once, before the first batch.
void InitPaceSignals(MemoryContext cxt);

// The shortest latency window, in milliseconds: ReadPaceSignals has the
// application's latency this long after its first call (when measured).
constexpr int64 kAppLatencyWindowReadyMs = 100;

// Seconds on a monotonic clock.
double PaceClockSeconds();

// WAL bytes this process has written so far.
double WorkerWalBytes();

// Fills the signal fields of *seen (app latency, lags, blocked sessions since
// the last call) at time now_s; the batch fields are the caller's.
void ReadPaceSignals(double now_s, core::PaceObservation *seen);

// Bytes of WAL the slowest active logical replication slot has not yet
// confirmed (insert position - confirmed_flush_lsn); 0 when none is active.
// Slots without a connected consumer are not counted: holding the backfill
// back does not help a consumer that is not there.
uint64 LogicalSlotLagBytes();

} // namespace pg_backfill::pg
