// A short transaction of the worker's own, outside any batch. PG regime.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

namespace pg_backfill::pg {

// Runs `fn` in a transaction of its own with a snapshot, and commits; the
// caller's memory context is current again afterwards (fn allocates in the
// transaction's, unless it switches). An error propagates with the
// transaction open (the caller's PG_CATCH aborts it). Call outside any
// transaction.
template <typename Fn>
void
InOwnTransaction(Fn fn) {
	MemoryContext caller_cxt = CurrentMemoryContext;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	fn();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller_cxt);
}

} // namespace pg_backfill::pg
