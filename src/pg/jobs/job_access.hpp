// Who may see and control a backfill job: the one rule behind the row-level
// security policy on backfill.jobs (backfill.may_control_job) and the
// visibility check of the SQL functions (pause, resume, cancel, wait,
// finish), and the one-active-job-per-column rule of the commands that
// make a job active.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/attnum.h"
}

namespace pg_backfill::pg {

// True when the current user may see and control a job owned by `owner` on
// relation `relid`: superusers; the job's owner; the relation's owner and
// every role that has the privileges of the relation's owner (as for ALTER
// TABLE). A job whose owner role was dropped stays controllable by the
// relation's owner; a job whose relation was dropped, by its owner and
// superusers. Needs a transaction (syscache). PG regime; never errors.
bool MayControlJob(Oid owner, Oid relid);

struct JobRow;

// The job job_id into *row if the caller may see and control it
// (MayControlJob), else 42704: a job the caller may not see does not exist
// for it.
void LoadVisibleJob(int64 job_id, JobRow *row);

// ereports 42710 when another job is active on relid.attnum. Serialises
// callers on the column until the transaction ends (a transaction-level
// advisory lock), so two concurrent starts cannot both pass.
void CheckColumnFree(Oid relid, AttrNumber attnum, const char *column);

} // namespace pg_backfill::pg
