// Session-level advisory locks that coordinate job workers without shared
// memory (so they work without shared_preload_libraries):
//   - worker slots: cluster-wide locks (database field InvalidOid), slots
//     0..pg_backfill.max_workers-1; holding one is the right to run a job;
//   - job locks: one per (database, job), held by the job's worker, so two
//     workers never run one job and "has the job a live worker?" is a
//     conditional lock attempt.
// Session locks are released when the process exits, also on FATAL; a crash
// resets the lock table.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// Takes the job lock of job_id in this database without waiting. PG regime.
bool TryLockJob(int64 job_id);
// Releases a job lock taken by TryLockJob. PG regime.
void UnlockJob(int64 job_id);
// True when some process holds the job lock of job_id in this database. PG regime.
bool JobHasWorker(int64 job_id);

// Takes a free worker slot without waiting; returns its number, or -1 when
// all pg_backfill.max_workers slots are taken. PG regime.
int TryTakeWorkerSlot();
// Releases a slot taken by TryTakeWorkerSlot. PG regime.
void ReleaseWorkerSlot(int slot);
// Number of slots free right now. PG regime.
int CountFreeWorkerSlots();

} // namespace pg_backfill::pg
