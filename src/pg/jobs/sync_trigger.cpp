// The sync trigger of a backfill job. See sync_trigger.hpp.
#include "pg/jobs/sync_trigger.hpp"

extern "C" {
#include "access/attmap.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/heap.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "rewrite/rewriteManip.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(pg_backfill_sync_trigger);
Datum pg_backfill_sync_trigger(PG_FUNCTION_ARGS);
}

#include "core/sync_rule.hpp"
#include "pg/guard/guard.hpp"
#include "pg/jobs/expression.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/lock_retries.hpp"

namespace pg_backfill::pg {

namespace {

// What the trigger needs of its job row.
struct SyncJob {
	Oid relid;
	AttrNumber attnum;
	Oid owner;
	Oid sync_trigger;      // InvalidOid: none
	char *expression_tree; // NULL: none stored
};

// Reads job_id's row of backfill.jobs with a direct index scan (like the
// guard): the writer that fires the trigger needs no privilege on the job
// table and row-level security does not hide the row. False when missing.
bool
LoadSyncJob(int64 job_id, SyncJob *job) {
	Oid nsp = get_namespace_oid("backfill", false);
	Oid jobs = get_relname_relid("jobs", nsp);
	if (!OidIsValid(jobs))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation \"backfill.jobs\" does not exist")));
	Relation rel = table_open(jobs, AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	ScanKeyData key;
	ScanKeyInit(&key, get_attnum(jobs, "job_id"), BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(job_id));
	SysScanDesc scan = systable_beginscan(rel, RelationGetPrimaryKeyIndex(rel), true, nullptr, 1, &key);
	HeapTuple tup = systable_getnext(scan);
	bool found = HeapTupleIsValid(tup);
	if (found) {
		bool isnull;
		job->relid = DatumGetObjectId(heap_getattr(tup, get_attnum(jobs, "relid"), desc, &isnull));
		job->attnum = DatumGetInt16(heap_getattr(tup, get_attnum(jobs, "attnum"), desc, &isnull));
		job->owner = DatumGetObjectId(heap_getattr(tup, get_attnum(jobs, "owner"), desc, &isnull));
		Datum d = heap_getattr(tup, get_attnum(jobs, "sync_trigger"), desc, &isnull);
		job->sync_trigger = isnull ? InvalidOid : DatumGetObjectId(d);
		d = heap_getattr(tup, get_attnum(jobs, "expression_tree"), desc, &isnull);
		job->expression_tree = isnull ? nullptr : TextDatumGetCString(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

// Runs one statement on backfill.jobs as the job table's writer, with
// search_path pinned (the job table's other writes do the same).
void
UpdateJobRow(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls) {
	Oid saved_user;
	int saved_sec_context;
	GetUserIdAndSecContext(&saved_user, &saved_sec_context);
	SetUserIdAndSecContext(JobTableWriter(), saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	int nest_level = NewGUCNestLevel();
	(void)set_config_option("search_path", kJobSearchPath, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "updating backfill.jobs failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	AtEOXact_GUC(true, nest_level);
	SetUserIdAndSecContext(saved_user, saved_sec_context);
}

// pg_trigger's tuple of tgoid (a copy), or NULL.
HeapTuple
FetchTrigger(Oid tgoid) {
	Relation rel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(tgoid));
	SysScanDesc scan = systable_beginscan(rel, TriggerOidIndexId, true, nullptr, 1, &key);
	HeapTuple tup = systable_getnext(scan);
	HeapTuple copy = HeapTupleIsValid(tup) ? heap_copytuple(tup) : nullptr;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return copy;
}

// The trigger a partition's clone was cloned from, up to the root.
Oid
RootTrigger(Oid tgoid) {
	for (int depth = 0; depth < 1000; depth++) {
		HeapTuple tup = FetchTrigger(tgoid);
		if (tup == nullptr)
			return tgoid;
		Oid parent = ((Form_pg_trigger)GETSTRUCT(tup))->tgparentid;
		heap_freetuple(tup);
		if (!OidIsValid(parent))
			return tgoid;
		tgoid = parent;
	}
	return tgoid;
}

// ---------------------------------------------------------------------
// The per-backend cache of prepared expressions, keyed by trigger OID and
// job id. An entry is marked stale by invalidations of functions, types or
// its relation, and rebuilt at its next use (never while it is being
// evaluated: a recursive firing builds a one-off instead).

struct SyncKey {
	Oid tgoid;
	int64 job_id;
};

struct SyncEntry {
	SyncKey key;
	bool valid;
	int in_use;
	MemoryContext cxt; // owns everything below
	Oid relid;         // the trigger's relation
	Oid owner;
	AttrNumber target; // in the trigger's relation
	int16 target_len;
	bool target_byval;
	int nread;
	AttrNumber *read; // columns the expression reads, in the trigger's relation
	int16 *read_len;
	bool *read_byval;
	bool pin_search_path;
	ExprState *state;
	ExprContext *econtext;
};

HTAB *sync_cache = nullptr;

// Marks the cached entries of relid invalid; InvalidOid: every entry.
void
Invalidate(Oid relid) {
	if (sync_cache == nullptr)
		return;
	HASH_SEQ_STATUS status;
	hash_seq_init(&status, sync_cache);
	SyncEntry *entry;
	while ((entry = (SyncEntry *)hash_seq_search(&status)) != nullptr)
		if (!OidIsValid(relid) || entry->relid == relid)
			entry->valid = false;
}

void
SyscacheChanged(Datum, int, uint32) {
	Invalidate(InvalidOid);
}

void
RelcacheChanged(Datum, Oid relid) {
	Invalidate(relid);
}

void
InitCache() {
	HASHCTL ctl;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(SyncKey);
	ctl.entrysize = sizeof(SyncEntry);
	sync_cache = hash_create("pg_backfill sync triggers", 16, &ctl, HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(PROCOID, SyscacheChanged, 0);
	CacheRegisterSyscacheCallback(TYPEOID, SyscacheChanged, 0);
	CacheRegisterRelcacheCallback(RelcacheChanged, 0);
}

// A function whose result may depend on search_path or session state, or
// whose body resolves names when it runs: anything but a built-in
// immutable function.
bool
NeedsPinnedPath(Oid func, void *) {
	return func >= FirstUnpinnedObjectId || func_volatile(func) != PROVOLATILE_IMMUTABLE;
}

bool
NeedsPinnedSearchPath(Node *node, void *context) {
	if (node == nullptr)
		return false;
	if (IsA(node, CoerceToDomain) || check_functions_in_node(node, NeedsPinnedPath, nullptr))
		return true;
	// PG15 declares the walker as bool (*)(); cast through void (*)(void).
	return expression_tree_walker(
	    node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)(void)>(NeedsPinnedSearchPath)), context);
}

// Maps the parent's attribute number attno to the partition's, by name.
AttrNumber
MapAttnum(Oid parent, Oid child, AttrNumber attno) {
	char *name = get_attname(parent, attno, false);
	AttrNumber mapped = get_attnum(child, name);
	if (mapped == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of partition \"%s\" not found", name, get_rel_name(child));
	return mapped;
}

// Fills *entry (everything but key, valid, in_use) for trigger tgoid of job
// job_id firing on rel, in a new context under `parent`. Runs as the job's
// owner (the caller switched): ExecInitExpr checks EXECUTE as the owner.
void
BuildEntry(SyncEntry *entry, const SyncJob *job, Relation rel, MemoryContext parent) {
	entry->cxt = AllocSetContextCreate(parent, "pg_backfill sync trigger", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(entry->cxt);
	Oid relid = RelationGetRelid(rel);
	Node *expr = (Node *)stringToNode(job->expression_tree);
	entry->relid = relid;
	entry->owner = job->owner;
	entry->target = job->attnum;
	if (relid != job->relid) {
		// A partition: its columns may be numbered differently.
		Bitmapset *attrs = nullptr;
		pull_varattnos(expr, 1, &attrs);
		AttrNumber max = job->attnum;
		int x = -1;
		while ((x = bms_next_member(attrs, x)) >= 0)
			max = Max(max, x + FirstLowInvalidHeapAttributeNumber);
		AttrMap *map = make_attrmap(max);
		x = -1;
		while ((x = bms_next_member(attrs, x)) >= 0) {
			AttrNumber attno = x + FirstLowInvalidHeapAttributeNumber;
			map->attnums[attno - 1] = MapAttnum(job->relid, relid, attno);
		}
		bool found_whole_row;
		expr = map_variable_attnos(expr, 1, 0, map, InvalidOid, &found_whole_row);
		entry->target = MapAttnum(job->relid, relid, job->attnum);
	}
	TupleDesc desc = RelationGetDescr(rel);
	Form_pg_attribute target = TupleDescAttr(desc, entry->target - 1);
	entry->target_len = target->attlen;
	entry->target_byval = target->attbyval;
	Bitmapset *attrs = nullptr;
	pull_varattnos(expr, 1, &attrs);
	entry->nread = bms_num_members(attrs);
	entry->read = (AttrNumber *)palloc0(sizeof(AttrNumber) * Max(entry->nread, 1));
	entry->read_len = (int16 *)palloc0(sizeof(int16) * Max(entry->nread, 1));
	entry->read_byval = (bool *)palloc0(sizeof(bool) * Max(entry->nread, 1));
	int x = -1;
	for (int i = 0; (x = bms_next_member(attrs, x)) >= 0; i++) {
		AttrNumber attno = x + FirstLowInvalidHeapAttributeNumber;
		Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
		entry->read[i] = attno;
		entry->read_len[i] = att->attlen;
		entry->read_byval[i] = att->attbyval;
	}
	Expr *planned = expression_planner((Expr *)expr);
	entry->pin_search_path = NeedsPinnedSearchPath((Node *)planned, nullptr);
	entry->state = ExecInitExpr(planned, nullptr);
	entry->econtext = CreateStandaloneExprContext();
	MemoryContextSwitchTo(old);
}

// The job of the trigger firing now, checked: the job exists, stored its
// expression, and this trigger (or the one it was cloned from) is the
// job's sync trigger. ereports 55000 otherwise (a trigger restored by
// pg_dump without its job, or one created by hand).
void
LoadCheckedJob(const Trigger *trigger, Relation rel, int64 job_id, SyncJob *job) {
	if (!LoadSyncJob(job_id, job) || job->expression_tree == nullptr || !OidIsValid(job->sync_trigger) ||
	    (job->sync_trigger != trigger->tgoid && job->sync_trigger != RootTrigger(trigger->tgoid)))
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("trigger \"%s\" on \"%s\" is not the sync trigger of backfill job " INT64_FORMAT,
		                       trigger->tgname, RelationGetRelationName(rel), job_id),
		                errdetail("The job does not exist or has another sync trigger (was the trigger restored "
		                          "from a dump, or created by hand?)."),
		                errhint("Drop the trigger.")));
}

// Switches to the job's owner in a security-restricted operation (and
// pins search_path when the expression calls anything but built-in
// immutable functions), as the worker runs the expression. Undone by
// LeaveOwner or by the transaction's abort.
struct OwnerScope {
	Oid saved_user;
	int saved_sec_context;
	int nest_level; // -1: search_path not pinned
};

void
EnterOwner(Oid owner, bool pin_search_path, OwnerScope *scope) {
	GetUserIdAndSecContext(&scope->saved_user, &scope->saved_sec_context);
	SetUserIdAndSecContext(owner, scope->saved_sec_context | SECURITY_RESTRICTED_OPERATION);
	scope->nest_level = -1;
	if (pin_search_path) {
		scope->nest_level = NewGUCNestLevel();
		(void)set_config_option("search_path", kJobSearchPath, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
		                        false);
	}
}

void
LeaveOwner(const OwnerScope *scope) {
	if (scope->nest_level >= 0)
		AtEOXact_GUC(true, scope->nest_level);
	SetUserIdAndSecContext(scope->saved_user, scope->saved_sec_context);
}

// Whether any column the expression reads differs between the old and new
// row (binary: a value the writer did not touch is the same datum).
bool
InputChanged(const SyncEntry *entry, TupleTableSlot *oldslot, TupleTableSlot *newslot) {
	for (int i = 0; i < entry->nread; i++) {
		bool old_null, new_null;
		Datum old_value = slot_getattr(oldslot, entry->read[i], &old_null);
		Datum new_value = slot_getattr(newslot, entry->read[i], &new_null);
		if (old_null != new_null)
			return true;
		if (!old_null && !datum_image_eq(old_value, new_value, entry->read_byval[i], entry->read_len[i]))
			return true;
	}
	return false;
}

// Rows up to this wide are rebuilt from stack arrays.
constexpr int kMaxStackColumns = 64;

// The new row with the column set to the expression over it.
HeapTuple
FillRow(SyncEntry *entry, Relation rel, TupleTableSlot *newslot, HeapTuple newtuple) {
	ExprContext *econtext = entry->econtext;
	ResetExprContext(econtext);
	econtext->ecxt_scantuple = newslot;
	bool isnull;
	Datum value = ExecEvalExprSwitchContext(entry->state, econtext, &isnull);
	// The new row from the slot's values (already deformed up to the
	// target; no second deform of the tuple), with the column replaced.
	// Allocated in the trigger's caller's context, as a trigger's result is.
	TupleDesc desc = RelationGetDescr(rel);
	HeapTuple result;
	if (desc->natts <= kMaxStackColumns) {
		Datum values[kMaxStackColumns];
		bool nulls[kMaxStackColumns];
		slot_getallattrs(newslot);
		memcpy(values, newslot->tts_values, sizeof(Datum) * desc->natts);
		memcpy(nulls, newslot->tts_isnull, sizeof(bool) * desc->natts);
		values[entry->target - 1] = value;
		nulls[entry->target - 1] = isnull;
		result = heap_form_tuple(desc, values, nulls);
		// As heap_modify_tuple does: the old tuple's identification.
		result->t_data->t_ctid = newtuple->t_data->t_ctid;
		result->t_self = newtuple->t_self;
		result->t_tableOid = newtuple->t_tableOid;
	} else {
		int column = entry->target;
		result = heap_modify_tuple_by_cols(newtuple, desc, 1, &column, &value, &isnull);
	}
	ResetExprContext(econtext);
	return result;
}

// FillRow as the entry's job owner, with the entry marked in use (so an
// invalidation during the evaluation does not free it; a recursive firing
// builds a one-off). Kept out of line: its PG_TRY must not share a frame
// with the caller's locals.
pg_noinline HeapTuple
FillRowAsOwner(SyncEntry *entry, Relation rel, TupleTableSlot *newslot, HeapTuple newtuple) {
	OwnerScope scope;
	EnterOwner(entry->owner, entry->pin_search_path, &scope);
	entry->in_use++;
	HeapTuple result = nullptr;
	PG_TRY();
	{ result = FillRow(entry, rel, newslot, newtuple); }
	PG_CATCH();
	{
		entry->in_use--;
		PG_RE_THROW();
	}
	PG_END_TRY();
	entry->in_use--;
	LeaveOwner(&scope);
	return result;
}

// Evaluates with a one-off entry (a recursive firing of a trigger whose
// cached state is being evaluated further up the stack).
HeapTuple
FillRowOnce(const Trigger *trigger, Relation rel, int64 job_id, TupleTableSlot *newslot, HeapTuple newtuple) {
	SyncJob job;
	LoadCheckedJob(trigger, rel, job_id, &job);
	SyncEntry once;
	memset(&once, 0, sizeof(once));
	OwnerScope scope;
	EnterOwner(job.owner, true, &scope);
	BuildEntry(&once, &job, rel, CurrentMemoryContext);
	HeapTuple result = FillRow(&once, rel, newslot, newtuple);
	LeaveOwner(&scope);
	MemoryContextDelete(once.cxt);
	return result;
}

// The cached entry of trigger/job, built or rebuilt if needed; nullptr
// when it is stale but being evaluated further up the stack.
SyncEntry *last_entry = nullptr; // the entry CachedEntry returned last (hash entries never move)

SyncEntry *
CachedEntry(const Trigger *trigger, Relation rel, int64 job_id) {
	// Fast path: the same trigger as the previous row, still valid.
	SyncEntry *last = last_entry;
	if (last != nullptr && last->valid && last->key.tgoid == trigger->tgoid && last->key.job_id == job_id &&
	    last->relid == RelationGetRelid(rel))
		return last;
	if (sync_cache == nullptr)
		InitCache();
	SyncKey key;
	memset(&key, 0, sizeof(key));
	key.tgoid = trigger->tgoid;
	key.job_id = job_id;
	bool found;
	SyncEntry *entry = (SyncEntry *)hash_search(sync_cache, &key, HASH_ENTER, &found);
	if (!found) {
		entry->valid = false;
		entry->in_use = 0;
		entry->cxt = nullptr;
	}
	if (entry->valid && entry->relid == RelationGetRelid(rel))
		return last_entry = entry;
	if (entry->in_use > 0)
		return nullptr;
	if (entry->cxt != nullptr) {
		MemoryContextDelete(entry->cxt);
		entry->cxt = nullptr;
	}
	SyncJob job;
	LoadCheckedJob(trigger, rel, job_id, &job);
	OwnerScope scope;
	EnterOwner(job.owner, true, &scope);
	BuildEntry(entry, &job, rel, CacheMemoryContext);
	LeaveOwner(&scope);
	entry->valid = true;
	return last_entry = entry;
}

// ---------------------------------------------------------------------
// Installing and dropping.

struct CreateArgs {
	CreateTrigStmt *stmt;
	Oid relid;
	Oid funcoid;
	ObjectAddress result;
};

void
CreateTriggerTry(void *arg) {
	CreateArgs *args = (CreateArgs *)arg;
	args->result = CreateTrigger(args->stmt, "start_backfill(..., sync => true)", args->relid, InvalidOid, InvalidOid,
	                             InvalidOid, args->funcoid, InvalidOid, nullptr, false, false);
}

LockTarget *
MakeLockTarget(Oid relid, int lock_mode) {
	LockTarget *t = (LockTarget *)palloc(sizeof(LockTarget));
	t->relid = relid;
	t->lock_mode = lock_mode;
	return t;
}

void
DropTriggerTry(void *arg) {
	ObjectAddress *address = (ObjectAddress *)arg;
	performDeletion(address, DROP_RESTRICT, PERFORM_DELETION_INTERNAL);
}

// The trigger OID to drop for job_id, or InvalidOid (none recorded, or it
// no longer exists).
Oid
ExistingSyncTrigger(int64 job_id) {
	SyncJob job;
	if (!LoadSyncJob(job_id, &job) || !OidIsValid(job.sync_trigger))
		return InvalidOid;
	HeapTuple tup = FetchTrigger(job.sync_trigger);
	if (tup == nullptr)
		return InvalidOid;
	heap_freetuple(tup);
	return job.sync_trigger;
}

void
ClearSyncTrigger(int64 job_id) {
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job_id)};
	UpdateJobRow("UPDATE backfill.jobs SET sync_trigger = NULL WHERE job_id = $1", 1, types, values, nullptr);
}

} // namespace

void
CheckSyncAllowed(Relation rel, Node *expr) {
	AclResult acl = pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_TRIGGER);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, get_relkind_objtype(rel->rd_rel->relkind), RelationGetRelationName(rel));
	Bitmapset *attrs = nullptr;
	pull_varattnos(expr, 1, &attrs);
	int x = -1;
	while ((x = bms_next_member(attrs, x)) >= 0) {
		AttrNumber attno = x + FirstLowInvalidHeapAttributeNumber;
		if (attno == 0)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("a sync trigger cannot evaluate an expression that reads the whole row"),
			                errhint("Name the columns the expression reads, or start the job without sync.")));
		if (attno < 0)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("a sync trigger cannot evaluate an expression that reads system column \"%s\"",
			                       NameStr(SystemAttributeDefinition(attno)->attname)),
			                errdetail("A BEFORE trigger's new row has no system columns yet.")));
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attno - 1);
		if (att->attgenerated)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("a sync trigger cannot evaluate an expression that reads generated column \"%s\"",
			                       NameStr(att->attname)),
			                errdetail("A BEFORE trigger's new row does not hold generated columns yet.")));
	}
}

Oid
InstallSyncTrigger(int64 job_id, Relation rel, AttrNumber attnum, Node *expr, const core::LockRetryOptions *options) {
	Oid relid = RelationGetRelid(rel);
	CheckSyncAllowed(rel, expr);

	// pg_backfill_sync_<job_id>, or the first free pg_backfill_sync_<job_id>_<n>.
	char *name = psprintf("pg_backfill_sync_" INT64_FORMAT, job_id);
	for (int n = 1; OidIsValid(get_trigger_oid(relid, name, true)); n++)
		name = psprintf("pg_backfill_sync_" INT64_FORMAT "_%d", job_id, n);

	CreateTrigStmt *stmt = makeNode(CreateTrigStmt);
	stmt->trigname = name;
	stmt->relation = makeRangeVar(get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel), -1);
	stmt->funcname = list_make2(makeString(pstrdup("backfill")), makeString(pstrdup("sync_trigger")));
	stmt->args = list_make1(makeString(psprintf(INT64_FORMAT, job_id)));
	stmt->row = true;
	stmt->timing = TRIGGER_TYPE_BEFORE;
	stmt->events = TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE;

	CreateArgs args;
	args.stmt = stmt;
	args.relid = relid;
	args.funcoid = LookupFuncName(stmt->funcname, 0, nullptr, false);
	core::LockRetryOptions defaults;
	char *what = psprintf("the sync trigger of backfill job " INT64_FORMAT, job_id);
	(void)RunWithLockRetries(CreateTriggerTry, &args, options != nullptr ? options : &defaults, what,
	                         list_make1(MakeLockTarget(relid, ShareRowExclusiveLock)));
	Oid tgoid = args.result.objectId;

	// The expression's columns, functions, types, ...; and the target column.
	recordDependencyOnSingleRelExpr(&args.result, expr, relid, DEPENDENCY_NORMAL, DEPENDENCY_NORMAL, false);
	ObjectAddress column;
	ObjectAddressSubSet(column, RelationRelationId, relid, attnum);
	recordDependencyOn(&args.result, &column, DEPENDENCY_NORMAL);

	Oid types[3] = {INT8OID, OIDOID, TEXTOID};
	Datum values[3] = {Int64GetDatum(job_id), ObjectIdGetDatum(tgoid), CStringGetTextDatum(nodeToString(expr))};
	UpdateJobRow("UPDATE backfill.jobs SET sync_trigger = $2, expression_tree = $3 WHERE job_id = $1", 3, types, values,
	             nullptr);
	CommandCounterIncrement();
	return tgoid;
}

bool
DropSyncTrigger(int64 job_id) {
	Oid tgoid = ExistingSyncTrigger(job_id);
	if (!OidIsValid(tgoid))
		return false;
	ObjectAddress address;
	ObjectAddressSet(address, TriggerRelationId, tgoid);
	DropTriggerTry(&address);
	ClearSyncTrigger(job_id);
	CommandCounterIncrement();
	return true;
}

bool
DropSyncTriggerWithRetries(int64 job_id, const core::LockRetryOptions *options) {
	Oid tgoid = ExistingSyncTrigger(job_id);
	if (!OidIsValid(tgoid))
		return false;
	ObjectAddress address;
	ObjectAddressSet(address, TriggerRelationId, tgoid);
	core::LockRetryOptions defaults;
	char *what = psprintf("dropping the sync trigger of backfill job " INT64_FORMAT, job_id);
	SyncJob job;
	(void)LoadSyncJob(job_id, &job);
	(void)RunWithLockRetries(DropTriggerTry, &address, options != nullptr ? options : &defaults, what,
	                         list_make1(MakeLockTarget(job.relid, AccessExclusiveLock)));
	ClearSyncTrigger(job_id);
	CommandCounterIncrement();
	return true;
}

bool
JobHasSyncTrigger(int64 job_id) {
	return OidIsValid(ExistingSyncTrigger(job_id));
}

} // namespace pg_backfill::pg

namespace bf = pg_backfill::pg;

// backfill.sync_trigger(): BEFORE INSERT OR UPDATE ... FOR EACH ROW, one
// argument, the job id. Per row: a hash lookup, the comparisons the fill
// rule needs and, when it fills, one evaluation of the prepared expression
// as the job's owner.
Datum
pg_backfill_sync_trigger(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("backfill.sync_trigger() was not called by the trigger manager")));
	TriggerData *trigdata = (TriggerData *)fcinfo->context;
	TriggerEvent event = trigdata->tg_event;
	const Trigger *trigger = trigdata->tg_trigger;
	if (!TRIGGER_FIRED_FOR_ROW(event) || !TRIGGER_FIRED_BEFORE(event) ||
	    !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)) || trigger->tgnargs != 1)
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("backfill.sync_trigger() must be a BEFORE INSERT OR UPDATE row trigger with one "
		                       "argument, the job id")));
	int64 job_id = pg_strtoint64(trigger->tgargs[0]);
	Relation rel = trigdata->tg_relation;
	bool insert = TRIGGER_FIRED_BY_INSERT(event);
	HeapTuple newtuple = insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
	TupleTableSlot *newslot = insert ? trigdata->tg_trigslot : trigdata->tg_newslot;

	bf::SyncEntry *entry = bf::CachedEntry(trigger, rel, job_id);
	if (entry == nullptr)
		return PointerGetDatum(bf::FillRowOnce(trigger, rel, job_id, newslot, newtuple));

	pg_backfill::core::SyncRow row;
	row.event = insert ? pg_backfill::core::SyncEvent::Insert : pg_backfill::core::SyncEvent::Update;
	bool new_null;
	Datum new_value = slot_getattr(newslot, entry->target, &new_null);
	row.new_value_null = new_null;
	row.target_unchanged = false;
	row.input_changed = false;
	if (!insert) {
		bool old_null;
		Datum old_value = slot_getattr(trigdata->tg_trigslot, entry->target, &old_null);
		row.target_unchanged =
		    old_null == new_null &&
		    (new_null || datum_image_eq(old_value, new_value, entry->target_byval, entry->target_len));
		row.input_changed = row.target_unchanged && bf::InputChanged(entry, trigdata->tg_trigslot, newslot);
	}
	if (!pg_backfill::core::SyncFills(row))
		return PointerGetDatum(newtuple);

	return PointerGetDatum(bf::FillRowAsOwner(entry, rel, newslot, newtuple));
}
