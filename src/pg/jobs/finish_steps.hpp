// The finishing steps of a job, run by its worker after the fill (core
// FinishPlan, asked for by finish_backfill / add_column_backfill): one step
// per finishing phase, each DDL statement in a transaction of its own under
// the lock-retry schedule of run_with_lock_retries (core/lock_retry), CREATE
// INDEX CONCURRENTLY as a top-level statement outside any transaction block
// (as pg_cron runs a job's command). Every step looks at the catalog first
// (constraint there? validated? attnotnull? index there and valid?), so a
// step that committed before a crash is not done again, and an INVALID
// index left by a failed or killed build is dropped and built again. A
// VALIDATE that fails drops the constraint it was validating, and a failed
// build its invalid index, before the job fails: nothing is left half done.
// Statements name the table, column and referenced table by OID and number
// as they are named now (quote_identifier, schema-qualified); they run as
// the job's owner in a security-restricted operation, as the batches do.
// PG regime throughout.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/palloc.h"
}

namespace pg_backfill::pg {

// Runs the step of the job's current finishing phase and, in its last
// transaction, records the next phase, or the job's success after the last
// step. Call outside any transaction. Returns true when the job goes on
// (another step follows), false when it succeeded, or is no longer running
// or in a finishing phase. Errors propagate (the worker records them as the
// job's): 55P03 after the last lock retry; 57014 from pg_cancel_backend;
// anything else, e.g. 23502 from a VALIDATE that found a NULL (DETAIL: the
// key of such a row), after the step's cleanup. Allocates in `cxt` (the
// caller resets it), which is current on return.
bool RunFinishingStep(int64 job_id, MemoryContext cxt);

} // namespace pg_backfill::pg
