// DDL with lock retries: run_with_lock_retries(sql, ...) for the user's own
// statements, and RunWithLockRetries for pg_backfill's own DDL (the sync
// trigger; later the finishing steps). Each try runs in a subtransaction
// under a short lock_timeout; a try that times out is rolled back -- which
// releases the locks it took, and only those -- and retried after a sleep
// that grows with full jitter (core/lock_retry). PG regime throughout.
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/pg_list.h"
}

#include "core/lock_retry.hpp"

namespace pg_backfill::pg {

// One try. Runs inside the try's subtransaction with lock_timeout set; may
// ereport. Whatever it changed is rolled back when it fails.
using LockRetryBody = void (*)(void *arg);

// Runs body(arg) until a try does not fail with 55P03 (lock_not_available:
// lock_timeout, NOWAIT), at most options->max_attempts times, and returns
// the number of tries it took (1: the first). Between tries it sleeps
// core::LockRetryDelayMs (interruptible: pg_cancel_backend and
// statement_timeout end it). lock_timeout is options->lock_timeout_ms during
// each try and the caller's again afterwards. A successful try's locks and
// changes are kept by the calling transaction. Errors: any error other than
// 55P03 is raised as it is, at once; 55P03 after the last try, with
// `what` in the message ("could not obtain the locks for <what> after N
// attempts") and a DETAIL naming, for the first of `targets` (List of
// guard LockTarget *: the relations the body locks and the modes; may be
// NIL) that another session blocks, that session (pid, how long its
// transaction has been open, its query, as the guard's lock-queue check
// describes it). Needs a transaction; options must
// pass core::CheckLockRetryOptions. Locks the calling transaction held
// before the call stay held during every try and sleep: see
// RequireNoBlockingLocksHeld.
int RunWithLockRetries(LockRetryBody body, void *arg, const core::LockRetryOptions *options, const char *what,
                       List *targets);

// run_with_lock_retries without its argument checks and its
// RequireNoBlockingLocksHeld: runs `sql`, which must be one DDL statement or
// LOCK TABLE (22023 otherwise, 42601 for a syntax error), through SPI as the
// current user, with RunWithLockRetries; the DETAIL of a final 55P03 names
// who blocks one of the tables the statement locks. For pg_backfill's own
// DDL in SQL form (e.g. the ADD COLUMN of a one-call sequence). Returns the
// number of attempts.
int RunDdlWithLockRetries(const char *sql, const core::LockRetryOptions *options);

// ereports 25001 (active_sql_transaction) when the current transaction
// already holds a lock of ShareLock or stronger (modes that block the
// table's writes or reads) on a relation other backends can use: such a lock
// would be held through every try and sleep, blocking the application for
// minutes, which is what retrying is meant to avoid. Weaker locks (from
// reads, writes, SHARE UPDATE EXCLUSIVE DDL) are allowed. `function` names
// the caller in the message.
void RequireNoBlockingLocksHeld(const char *function);

} // namespace pg_backfill::pg
