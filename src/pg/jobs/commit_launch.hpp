// Workers start when the transaction that queued or resumed their jobs
// commits, never before: start_backfill and resume_backfill only note the
// job here, and a transaction callback registers the workers once the job
// rows are committed. So an open transaction holds no background worker
// slot, however many jobs it starts, and a rolled-back one never had any.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// Notes that job_id (run by login_role as owner) wants a worker when the
// current transaction commits. A note made in a subtransaction that rolls
// back is dropped with it; all notes are dropped when the transaction
// aborts. At commit, jobs that still want a worker get one each, at most as
// many as pg_backfill.max_workers has free slots; the others stay queued for
// the slot hand-off (a finishing worker, the launcher, wait_backfill). A
// transaction with notes cannot be prepared (0A000 at PREPARE TRANSACTION).
// PG regime: may ereport(ERROR) (out of memory).
void LaunchAtCommit(int64 job_id, Oid login_role, Oid owner);

} // namespace pg_backfill::pg
