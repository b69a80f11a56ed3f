// The sync trigger of a backfill job (start_backfill(..., sync => true)): a
// BEFORE INSERT OR UPDATE row trigger, backfill.sync_trigger(job_id), that
// fills the job's column for rows written by code that does not write it
// (core/sync_rule: INSERT with the column NULL; UPDATE that left the column
// as it was and changed a column the expression reads). It evaluates the
// analysed expression stored at start_backfill (backfill.jobs.
// expression_tree, nodeToString), prepared once per backend and trigger, as
// the job's owner in a security-restricted operation, like the worker: no
// SPI and no parsing per row. PG regime throughout.
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/nodes.h"
#include "utils/rel.h"
}

#include "core/lock_retry.hpp"

namespace pg_backfill::pg {

// Checks that the caller may install a sync trigger on rel (TRIGGER
// privilege, as CREATE TRIGGER requires: 42501) and that the analysed
// expression `expr` (Vars of varno 1 over rel) can run in a BEFORE row
// trigger: 0A000 for a whole-row reference, a system column or a generated
// column (NEW does not hold their values yet). Call before anything is
// written.
void CheckSyncAllowed(Relation rel, Node *expr);

// Installs job_id's sync trigger on rel (open by the caller) and records it
// in the job row (sync_trigger, expression_tree). The trigger is named
// pg_backfill_sync_<job_id> (with _1, _2, ... if that name is taken on rel),
// depends on the columns the expression reads and on the target column
// (DROP COLUMN needs CASCADE, ALTER COLUMN TYPE of them is refused), and on
// a partitioned table is cloned to every partition, present and future.
// CREATE TRIGGER's ShareRowExclusiveLock is taken with lock retries
// (*options; nullptr: the run_with_lock_retries defaults): 55P03 after the
// last attempt. The caller needs TRIGGER on rel (42501 otherwise, as for
// CREATE TRIGGER). Returns the trigger's OID. Runs in the caller's
// transaction; the ProcessUtility hook (the guard) is not involved.
Oid InstallSyncTrigger(int64 job_id, Relation rel, AttrNumber attnum, Node *expr,
                       const core::LockRetryOptions *options = nullptr);

// Drops job_id's sync trigger, if it has one that still exists, and clears
// the job row's sync_trigger; returns whether it dropped one. Takes the
// AccessExclusiveLock DROP TRIGGER takes on the table (and each partition)
// under the session's lock_timeout, once: wrap it in RunWithLockRetries, or
// use DropSyncTriggerWithRetries. No permission check: callers decide who
// may (cancel_backfill: whoever can see the job; the finishing steps: the
// worker). Needs a transaction.
bool DropSyncTrigger(int64 job_id);

// DropSyncTrigger with lock retries (*options; nullptr: the
// run_with_lock_retries defaults); 55P03 after the last attempt.
bool DropSyncTriggerWithRetries(int64 job_id, const core::LockRetryOptions *options = nullptr);

// Whether job_id has a sync trigger that exists now.
bool JobHasSyncTrigger(int64 job_id);

} // namespace pg_backfill::pg
