// Running backfills: DDL that would break an active job on its table
// (dropping the table, the target column or the key index/constraint,
// retyping the target column, rewriting the table) is refused with 55006.
// Jobs are read from backfill.jobs when the extension is installed in the
// current database; what counts as active is the job state machine's rule.
#include "pg/guard/guard.hpp"

#include <optional>

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/index.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include "core/job_state.hpp"

namespace pg_backfill::pg {

namespace {

// One active job, as the checks need it.
struct ActiveJob {
	int64 job_id;
	Oid relid;
	AttrNumber attnum;
	Oid key_index;
};

// Column numbers of backfill.jobs, looked up by name.
struct JobColumns {
	AttrNumber job_id, relid, attnum, key_index, state;
};

// "rewrites the table" if the analysis predicts a rewrite of job's table.
const char *
RewritesTable(const GuardAnalysis *analysis, const ActiveJob *job) {
	ListCell *lc;
	foreach (lc, analysis->findings) {
		const GuardFinding *g = (const GuardFinding *)lfirst(lc);
		if ((g->relid == job->relid || list_member_oid(g->more_relids, job->relid)) && g->verdict.rewrite)
			return "rewrites the table";
	}
	return nullptr;
}

// What the statement does to job's table that breaks it, or nullptr.
// PG regime: may ereport(ERROR) from catalog lookups.
const char *
BreakingAction(GuardedStatement *guarded, const GuardAnalysis *analysis, const ActiveJob *job) {
	Node *parsetree = guarded->parsetree;
	ListCell *lc;
	if (IsA(parsetree, DropStmt)) {
		DropStmt *stmt = (DropStmt *)parsetree;
		if (stmt->removeType != OBJECT_TABLE && stmt->removeType != OBJECT_INDEX)
			return nullptr;
		foreach (lc, stmt->objects) {
			RangeVar *rv = makeRangeVarFromNameList((List *)lfirst(lc));
			Oid oid = RangeVarGetRelid(rv, NoLock, true);
			if (stmt->removeType == OBJECT_TABLE && oid == job->relid)
				return "drops the table";
			if (stmt->removeType == OBJECT_INDEX && OidIsValid(oid) && oid == job->key_index)
				return "drops the index the job walks";
		}
		return nullptr;
	}
	if (!IsA(parsetree, AlterTableStmt))
		return RewritesTable(analysis, job);
	AlterTableStmt *stmt = (AlterTableStmt *)parsetree;
	if (StatementRelid(guarded) != job->relid)
		return RewritesTable(analysis, job);
	foreach (lc, stmt->cmds) {
		AlterTableCmd *cmd = (AlterTableCmd *)lfirst(lc);
		if (cmd->subtype == AT_DropColumn && get_attnum(job->relid, cmd->name) == job->attnum)
			return "drops the job's target column";
		if (cmd->subtype == AT_AlterColumnType && get_attnum(job->relid, cmd->name) == job->attnum)
			return "changes the type of the job's target column";
		if (cmd->subtype == AT_DropConstraint) {
			Oid con = get_relation_constraint_oid(job->relid, cmd->name, true);
			if (OidIsValid(con) && get_constraint_index(con) == job->key_index)
				return "drops the constraint whose index the job walks";
		}
	}
	return RewritesTable(analysis, job);
}

// Finds the columns of backfill.jobs (defined by the install script) by
// name. PG regime.
void
LookUpJobColumns(Oid jobs, JobColumns *col) {
	col->job_id = get_attnum(jobs, "job_id");
	col->relid = get_attnum(jobs, "relid");
	col->attnum = get_attnum(jobs, "attnum");
	col->key_index = get_attnum(jobs, "key_index");
	col->state = get_attnum(jobs, "state");
}

// Whether a job in state `state` (the text of the state column) is active.
bool
StateIsActive(Datum state) {
	std::optional<core::JobState> parsed = core::ParseState(TextDatumGetCString(state));
	return parsed && core::IsActive(*parsed);
}

// Reads one attribute as a Datum, or returns false if it is NULL.
bool
GetAttr(HeapTuple tup, TupleDesc desc, AttrNumber attnum, Datum *out) {
	bool isnull;
	*out = heap_getattr(tup, attnum, desc, &isnull);
	return !isnull;
}

} // namespace

void
CheckRunningBackfills(GuardedStatement *guarded, const GuardAnalysis *analysis) {
	Oid nsp = get_namespace_oid("backfill", true);
	Oid jobs = OidIsValid(nsp) ? get_relname_relid("jobs", nsp) : InvalidOid;
	if (!OidIsValid(jobs))
		return;
	JobColumns col;
	LookUpJobColumns(jobs, &col);
	// A direct heap scan: the check must not depend on the user's privileges on backfill.jobs.
	Relation rel = table_open(jobs, AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 0, nullptr);
	HeapTuple tup;
	const char *action = nullptr;
	ActiveJob job = {0, InvalidOid, 0, InvalidOid};
	while (action == nullptr && HeapTupleIsValid(tup = systable_getnext(scan))) {
		Datum d;
		if (!GetAttr(tup, desc, col.state, &d) || !StateIsActive(d))
			continue;
		job.job_id = GetAttr(tup, desc, col.job_id, &d) ? DatumGetInt64(d) : 0;
		job.relid = GetAttr(tup, desc, col.relid, &d) ? DatumGetObjectId(d) : InvalidOid;
		job.attnum = GetAttr(tup, desc, col.attnum, &d) ? DatumGetInt16(d) : 0;
		job.key_index = GetAttr(tup, desc, col.key_index, &d) ? DatumGetObjectId(d) : InvalidOid;
		action = BreakingAction(guarded, analysis, &job);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (action == nullptr)
		return;
	ereport(ERROR,
	        (errcode(ERRCODE_OBJECT_IN_USE),
	         errmsg("backfill job %lld is active on table \"%s\"", (long long)job.job_id, get_rel_name(job.relid)),
	         errdetail("The statement %s, which would break the job.", action),
	         errhint("Wait for the job to finish with wait_backfill(%lld), or cancel it with "
	                 "cancel_backfill(%lld), then retry.",
	                 (long long)job.job_id, (long long)job.job_id)));
}

} // namespace pg_backfill::pg
