// Running backfills: DDL that would break an active job on its table
// (dropping the table, the target column or the key index/constraint by any
// route, dropping pg_backfill's own job table, retyping the target column,
// rewriting the table) is refused with 55006. Jobs are read from
// backfill.jobs when the extension is installed in the current database;
// what counts as active is the job state machine's rule.
#include "pg/guard/guard.hpp"

#include <optional>

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
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
	Oid sync_trigger; // InvalidOid: none (or a job table still at 0.1)
};

// Column numbers of backfill.jobs, looked up by name.
struct JobColumns {
	AttrNumber job_id, relid, attnum, key_index, state, sync_trigger; // sync_trigger 0: no such column (0.1)
};

// Whether work the statement does on relid reaches the job's table: relid
// is that table, or the table is a partition of relid (work on a
// partitioned table is work on its partitions), or an inheritance child
// that ALTER TABLE without ONLY recurses to. PG regime.
bool
ReachesJobTable(GuardedStatement *guarded, Oid relid, const ActiveJob *job) {
	if (relid == job->relid)
		return true;
	if (!OidIsValid(relid))
		return false;
	Node *parsetree = guarded->parsetree;
	bool recurses = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ||
	                (IsA(parsetree, AlterTableStmt) && ((AlterTableStmt *)parsetree)->relation->inh);
	return recurses && list_member_oid(find_all_inheritors(relid, NoLock, nullptr), job->relid);
}

// What a statement does to a job's table that breaks the job.
enum class Breaking {
	kNone,
	kDropsTable,
	kDropsColumn,
	kDropsKeyConstraint,
	kDropsKeyIndex,
	kRetypesColumn,
	kRewritesTable,
	kDropsSyncTrigger,
	kDisablesSyncTrigger,
};

// kRewritesTable if the analysis predicts a rewrite of job's table.
Breaking
RewritesTable(GuardedStatement *guarded, const GuardAnalysis *analysis, const ActiveJob *job) {
	ListCell *lc;
	foreach (lc, analysis->findings) {
		const GuardFinding *g = (const GuardFinding *)lfirst(lc);
		if (g->verdict.rewrite &&
		    (ReachesJobTable(guarded, g->relid, job) || list_member_oid(g->more_relids, job->relid)))
			return Breaking::kRewritesTable;
	}
	return Breaking::kNone;
}

// The description of the object the statement names whose drop takes
// *self along, or nullptr when self is dropped as itself. PG regime.
const char *
DroppedBy(const ObjectAddress *self, const ObjectAddress *by) {
	if (by->classId == self->classId && by->objectId == self->objectId && by->objectSubId == self->objectSubId)
		return nullptr;
	return getObjectDescription(by, false);
}

// What the statement does to job's table that breaks it (kNone if
// nothing); *by gets what DroppedBy says for a drop. PG regime: may
// ereport(ERROR) from catalog lookups.
Breaking
BreakingAction(GuardedStatement *guarded, const GuardAnalysis *analysis, const DroppedObjects *dropped,
               const ActiveJob *job, const char **by_name) {
	ObjectAddress by;
	ObjectAddress self = {RelationRelationId, job->relid, 0};
	*by_name = nullptr;
	if (IsDropped(dropped, RelationRelationId, job->relid, 0, &by)) {
		*by_name = DroppedBy(&self, &by);
		return Breaking::kDropsTable;
	}
	self.objectSubId = job->attnum;
	if (IsDropped(dropped, RelationRelationId, job->relid, job->attnum, &by)) {
		*by_name = DroppedBy(&self, &by);
		return Breaking::kDropsColumn;
	}
	self = {RelationRelationId, job->key_index, 0};
	if (IsDropped(dropped, RelationRelationId, job->key_index, 0, &by)) {
		if (by.classId == ConstraintRelationId && get_constraint_index(by.objectId) == job->key_index)
			return Breaking::kDropsKeyConstraint;
		*by_name = DroppedBy(&self, &by);
		return Breaking::kDropsKeyIndex;
	}
	// The sync trigger fills the column in rows written while the job runs:
	// without it, those rows stay wrong.
	if (OidIsValid(job->sync_trigger) && IsDropped(dropped, TriggerRelationId, job->sync_trigger, 0, &by)) {
		self = {TriggerRelationId, job->sync_trigger, 0};
		*by_name = DroppedBy(&self, &by);
		return Breaking::kDropsSyncTrigger;
	}
	// ALTER COLUMN TYPE recurses to every partition and inheritance child.
	Node *parsetree = guarded->parsetree;
	if (!IsA(parsetree, AlterTableStmt) || !ReachesJobTable(guarded, StatementRelid(guarded), job))
		return RewritesTable(guarded, analysis, job);
	ListCell *lc;
	foreach (lc, ((AlterTableStmt *)parsetree)->cmds) {
		AlterTableCmd *cmd = (AlterTableCmd *)lfirst(lc);
		if (cmd->subtype == AT_AlterColumnType && get_attnum(job->relid, cmd->name) == job->attnum)
			return Breaking::kRetypesColumn;
		// DISABLE TRIGGER name / ALL / USER (the sync trigger is a user trigger).
		if (OidIsValid(job->sync_trigger) &&
		    ((cmd->subtype == AT_DisableTrig && get_trigger_oid(job->relid, cmd->name, true) == job->sync_trigger) ||
		     cmd->subtype == AT_DisableTrigAll || cmd->subtype == AT_DisableTrigUser))
			return Breaking::kDisablesSyncTrigger;
	}
	return RewritesTable(guarded, analysis, job);
}

// errdetail for a breaking action: one complete sentence per action, and
// per whether the statement names the dropped object itself or something
// whose drop takes it along (by). Call inside ereport.
int
BreakingDetail(Breaking action, const char *by) {
	switch (action) {
	case Breaking::kDropsTable:
		return by ? errdetail("The statement drops the table (by dropping %s), which would break the job.", by)
		          : errdetail("The statement drops the table, which would break the job.");
	case Breaking::kDropsColumn:
		return by ? errdetail("The statement drops the job's target column (by dropping %s), which would break the "
		                      "job.",
		                      by)
		          : errdetail("The statement drops the job's target column, which would break the job.");
	case Breaking::kDropsKeyConstraint:
		return errdetail("The statement drops the constraint whose index the job walks, which would break the job.");
	case Breaking::kDropsKeyIndex:
		return by ? errdetail("The statement drops the index the job walks (by dropping %s), which would break the "
		                      "job.",
		                      by)
		          : errdetail("The statement drops the index the job walks, which would break the job.");
	case Breaking::kRetypesColumn:
		return errdetail("The statement changes the type of the job's target column, which would break the job.");
	case Breaking::kDropsSyncTrigger:
		return by ? errdetail("The statement drops the job's sync trigger (by dropping %s), which fills the column "
		                      "in rows written while the job runs: rows written after it would stay unfilled.",
		                      by)
		          : errdetail("The statement drops the job's sync trigger, which fills the column in rows written "
		                      "while the job runs: rows written after it would stay unfilled.");
	case Breaking::kDisablesSyncTrigger:
		return errdetail("The statement disables the job's sync trigger, which fills the column in rows written "
		                 "while the job runs: rows written meanwhile would stay unfilled.");
	default:
		return errdetail("The statement rewrites the table, which would break the job.");
	}
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
	col->sync_trigger = get_attnum(jobs, "sync_trigger");
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
	List *active = NIL;
	while (HeapTupleIsValid(tup = systable_getnext(scan))) {
		Datum d;
		if (!GetAttr(tup, desc, col.state, &d) || !StateIsActive(d))
			continue;
		ActiveJob *job = (ActiveJob *)palloc(sizeof(ActiveJob));
		job->job_id = GetAttr(tup, desc, col.job_id, &d) ? DatumGetInt64(d) : 0;
		job->relid = GetAttr(tup, desc, col.relid, &d) ? DatumGetObjectId(d) : InvalidOid;
		job->attnum = GetAttr(tup, desc, col.attnum, &d) ? DatumGetInt16(d) : 0;
		job->key_index = GetAttr(tup, desc, col.key_index, &d) ? DatumGetObjectId(d) : InvalidOid;
		job->sync_trigger = col.sync_trigger != InvalidAttrNumber && GetAttr(tup, desc, col.sync_trigger, &d)
		                        ? DatumGetObjectId(d)
		                        : InvalidOid;
		active = lappend(active, job);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (active == NIL)
		return;

	// What the statement drops, found once for all jobs.
	DroppedObjects *dropped = FindDroppedObjects(guarded);
	const ActiveJob *job = (const ActiveJob *)linitial(active);
	ObjectAddress by;
	if (IsDropped(dropped, RelationRelationId, jobs, 0, &by))
		ereport(
		    ERROR,
		    (errcode(ERRCODE_OBJECT_IN_USE),
		     errmsg("backfill job %lld is active on table \"%s\"", (long long)job->job_id, get_rel_name(job->relid)),
		     errdetail("The statement drops pg_backfill's job table (by dropping %s), which would leave the "
		               "column of every active backfill job (%d in all) partly filled, with no record of its "
		               "job.",
		               getObjectDescription(&by, false), list_length(active)),
		     errhint("Cancel the active jobs first, e.g. SELECT cancel_backfill(job_id) FROM backfill_status() "
		             "WHERE state IN ('queued', 'running', 'paused'), then retry.")));
	ListCell *lc;
	foreach (lc, active) {
		job = (const ActiveJob *)lfirst(lc);
		const char *by_name;
		Breaking action = BreakingAction(guarded, analysis, dropped, job, &by_name);
		if (action == Breaking::kNone)
			continue;
		ereport(ERROR, (errcode(ERRCODE_OBJECT_IN_USE),
		                errmsg("backfill job %lld is active on table \"%s\"", (long long)job->job_id,
		                       get_rel_name(job->relid)),
		                BreakingDetail(action, by_name),
		                errhint("Wait for the job to finish with wait_backfill(%lld), or cancel it with "
		                        "cancel_backfill(%lld), then retry.",
		                        (long long)job->job_id, (long long)job->job_id)));
	}
}

} // namespace pg_backfill::pg
