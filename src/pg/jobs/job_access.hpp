// Who may see and control a backfill job: the one rule behind the row-level
// security policy on backfill.jobs (backfill.may_control_job) and the
// visibility check of the SQL functions (pause, resume, cancel, wait).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// True when the current user may see and control a job owned by `owner` on
// relation `relid`: superusers; the job's owner; the relation's owner and
// every role that has the privileges of the relation's owner (as for ALTER
// TABLE). A job whose owner role was dropped stays controllable by the
// relation's owner; a job whose relation was dropped, by its owner and
// superusers. Needs a transaction (syscache). PG regime; never errors.
bool MayControlJob(Oid owner, Oid relid);

} // namespace pg_backfill::pg
