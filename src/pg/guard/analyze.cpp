// The one analysis path of the DDL guard: facts from the live catalog
// (inside a subtransaction, so a failed lookup never replaces PostgreSQL's
// own error), then the core's decision for each subcommand.
#include "pg/guard/guard.hpp"
#include "pg/guard/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
}

namespace pg_backfill::pg {

namespace {

// Collects the facts of the statement inside a subtransaction. On error,
// rolls the subtransaction back and reports the message in *error
// (PostgreSQL reports its own error when the statement runs); interrupts and
// lock failures are re-thrown. What StatementRelid looks up here stays in
// *guarded, so a failed analysis leaves a lookup that succeeded for the
// running-jobs check. PG regime: may ereport(ERROR).
List *
CollectInSubtransaction(GuardedStatement *guarded, char **error) {
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	Node *parsetree = guarded->parsetree;
	List *volatile findings = NIL;
	ErrorData *volatile edata = nullptr;

	BeginInternalSubTransaction(nullptr);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		List *collected = NIL;
		// Parse analysis may scribble on raw trees (readOnlyTree): the
		// collectors read a copy, put back below.
		guarded->parsetree = (Node *)copyObjectImpl(parsetree);
		CollectFacts(guarded, &collected);
		findings = collected;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_END_TRY();
	guarded->parsetree = parsetree;

	if (edata != nullptr) {
		// Interrupts, and failures to get the analysis's AccessShareLock
		// (lock_timeout, deadlock): the statement, which needs a stronger
		// lock on the same table, could not proceed either.
		if (MustRethrowAnalysisError(edata))
			ReThrowError(edata);
		*error = pstrdup(edata->message);
		FreeErrorData(edata);
		return NIL;
	}
	return findings;
}

} // namespace

bool
MustRethrowAnalysisError(const ErrorData *edata) {
	return edata->sqlerrcode == ERRCODE_QUERY_CANCELED || edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
	       edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE || edata->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED ||
	       edata->elevel > ERROR;
}

GuardAnalysis
AnalyzeStatement(GuardedStatement *guarded) {
	GuardAnalysis result = {NIL, false, nullptr};
	if (!IsGuardedStatement(guarded->parsetree))
		return result;
	result.findings = CollectInSubtransaction(guarded, &result.error);
	result.failed = result.error != nullptr;
	int64 min_size = (int64)guc_guard_min_size_kb * 1024;
	ListCell *lc;
	foreach (lc, result.findings) {
		GuardFinding *g = (GuardFinding *)lfirst(lc);
		// noexcept, and its arguments and result are trivially destructible:
		// no boundary needed (boundary.hpp).
		g->verdict = core::DecideDdl(g->facts, min_size);
	}
	return result;
}

} // namespace pg_backfill::pg
