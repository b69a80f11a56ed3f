// The application's transaction latency, measured in the backends
// themselves: with shared_preload_libraries, every client backend adds the
// time from its transaction's start to its commit (the commit's WAL flush
// and synchronous replication wait included) to a histogram of its database
// in shared memory. pg_backfill's workers, other background workers,
// autovacuum and walsenders are not client backends and are not counted.
//
// Two histograms per database: every transaction ("all", cumulative; the
// worker reads windows as differences), and those that committed while no
// backfill job of the database was running ("idle", the baseline; halved
// every kIdleDecayEvery of its transactions per stripe, so it follows the
// recent past). Counters are atomic and striped by backend, so a commit
// costs one clock read and one or two uncontended atomic adds.
#pragma once

extern "C" {
#include "postgres.h"
}

#include "core/latency_histogram.hpp"

namespace pg_backfill::pg {

// Installs the shared-memory hooks and the transaction callback. Call only
// from _PG_init while preloading. PG regime.
void InitAppLatency();

// True when the histograms exist (preloaded). Never errors.
bool AppLatencyAvailable();

// The worker of a job of this database starts or stops running batches:
// while any runs, commits go to "all" only. BackfillRunning registers its
// own undo at process exit. Never error.
void AppLatencyBackfillRunning();
void AppLatencyBackfillStopped();

// The number of transactions this database's client backends committed
// since the server started, into *count; false when not measured (not
// preloaded, pg_backfill.measure_app_latency off, no database slot). The
// first call may claim the database's slot under a spinlock; later calls
// only read atomics, so they are async-signal-safe. Never errors.
bool AppTransactionCount(uint64 *count);

// Sums this database's histograms over the stripes into all and idle.
// False when not available. Never errors.
bool ReadAppLatency(uint64 all[core::kLatencyBuckets], uint64 idle[core::kLatencyBuckets]);

} // namespace pg_backfill::pg
