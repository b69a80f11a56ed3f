// The SQL functions of backfill jobs: start_backfill, pause_backfill,
// resume_backfill, cancel_backfill, wait_backfill and backfill.job_progress.
// backfill_status is LANGUAGE sql in the install script. All PG regime; the
// core is reached through CallCpp only.
extern "C" {
#include "postgres.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/int.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(pg_backfill_start_backfill);
PG_FUNCTION_INFO_V1(pg_backfill_pause_backfill);
PG_FUNCTION_INFO_V1(pg_backfill_resume_backfill);
PG_FUNCTION_INFO_V1(pg_backfill_cancel_backfill);
PG_FUNCTION_INFO_V1(pg_backfill_wait_backfill);
PG_FUNCTION_INFO_V1(pg_backfill_job_progress);
Datum pg_backfill_start_backfill(PG_FUNCTION_ARGS);
Datum pg_backfill_pause_backfill(PG_FUNCTION_ARGS);
Datum pg_backfill_resume_backfill(PG_FUNCTION_ARGS);
Datum pg_backfill_cancel_backfill(PG_FUNCTION_ARGS);
Datum pg_backfill_wait_backfill(PG_FUNCTION_ARGS);
Datum pg_backfill_job_progress(PG_FUNCTION_ARGS);
}

#include "core/job_options.hpp"
#include "core/job_phase.hpp"
#include "core/job_state.hpp"
#include "core/progress.hpp"
#include "pg/boundary.hpp"
#include "pg/jobs/commit_launch.hpp"
#include "pg/jobs/expression.hpp"
#include "pg/jobs/job_access.hpp"
#include "pg/jobs/job_locks.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/key_index.hpp"
#include "pg/jobs/launcher.hpp"
#include "pg/jobs/pacing_sql.hpp"
#include "pg/jobs/settings.hpp"
#include "pg/jobs/sync_trigger.hpp"
#include "pg/jobs/worker_launch.hpp"

using pg_backfill::core::JobState;
namespace core = pg_backfill::core;
namespace bf = pg_backfill::pg;
using bf::CheckColumnFree;
using bf::LoadVisibleJob;

namespace {

// How long wait_backfill lets a job that wants a worker go without one
// before it starts one itself.
constexpr int kOrphanGraceMs = 2000;
// wait_backfill polls at most this long apart: the end of a job is noticed
// within it.
constexpr long kMaxPollMs = 250;

// ereports 22004 when argument `arg` is NULL.
void
RequireArgument(FunctionCallInfo fcinfo, int arg, const char *name) {
	if (PG_ARGISNULL(arg))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be null", name)));
}

// start_backfill's batch_size, lock_timeout and batch_delay arguments (at
// positions first, first + 1, first + 2) as job options, checked against
// their limits: ereports 22023 for one out of range.
core::JobOptions
JobOptionsFromArguments(FunctionCallInfo fcinfo, int first) {
	core::JobOptions options;
	if (!PG_ARGISNULL(first))
		options.batch_size = PG_GETARG_INT32(first);
	if (!PG_ARGISNULL(first + 1))
		options.lock_timeout_ms = bf::IntervalToMs(PG_GETARG_INTERVAL_P(first + 1));
	if (!PG_ARGISNULL(first + 2))
		options.batch_delay_ms = bf::IntervalToMs(PG_GETARG_INTERVAL_P(first + 2));
	bf::CheckJobOptionsOrError(options);
	return options;
}

// The planner's row estimate of rel (over all partitions of a partitioned
// table), or -1 when unknown or zero.
int64
EstimateRows(Relation rel) {
	List *relids = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE
	                   ? find_all_inheritors(RelationGetRelid(rel), AccessShareLock, nullptr)
	                   : list_make1_oid(RelationGetRelid(rel));
	double total = 0;
	ListCell *lc;
	foreach (lc, relids) {
		Relation part = relation_open(lfirst_oid(lc), AccessShareLock);
		if (part->rd_rel->relkind == RELKIND_RELATION) {
			BlockNumber pages;
			double tuples;
			double allvisfrac;
			estimate_rel_size(part, nullptr, &pages, &tuples, &allvisfrac);
			total += tuples;
		}
		relation_close(part, NoLock);
	}
	return total > 0 ? (int64)total : -1;
}

// Checks the relation argument and opens it (AccessShareLock, kept until the
// transaction ends). ereports 42P01, 42809, 0A000 (system catalogs,
// temporary tables, tables of an extension, pg_backfill's own job table
// among them) or 42501.
Relation
OpenTargetRelation(Oid relid) {
	Relation rel = try_relation_open(relid, AccessShareLock);
	if (rel == nullptr)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", relid)));
	char relkind = rel->rd_rel->relkind;
	const char *relname = RelationGetRelationName(rel);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("cannot backfill \"%s\"", relname),
		                errdetail_relkind_not_supported(relkind)));
	if (IsCatalogRelation(rel))
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill system catalog \"%s\"", relname)));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill temporary table \"%s\"", relname),
		         errdetail("The background worker that runs the backfill cannot see this session's "
		                   "temporary tables.")));
	Oid extension = getExtensionOfObject(RelationRelationId, relid);
	if (OidIsValid(extension))
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		         errmsg("cannot backfill table \"%s\" of extension \"%s\"", relname, get_extension_name(extension)),
		         errdetail("A table that belongs to an extension is changed only by the extension's own "
		                   "functions and scripts.")));
	AclResult acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, get_relkind_objtype(relkind), relname);
	return rel;
}

// Checks the target column and returns its number. ereports 42703, 0A000 or
// 42501.
AttrNumber
CheckTargetColumn(Relation rel, const char *column) {
	const char *relname = RelationGetRelationName(rel);
	AttrNumber attnum = get_attnum(RelationGetRelid(rel), column);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
		                errmsg("column \"%s\" of relation \"%s\" does not exist", column, relname)));
	if (attnum < 0)
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill system column \"%s\"", column)));
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	if (att->attgenerated)
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill generated column \"%s\"", column)));
	if (att->attidentity)
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill identity column \"%s\"", column)));
	// Table-level UPDATE covers every column; else the column's own grant.
	AclResult acl = pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_UPDATE);
	if (acl != ACLCHECK_OK)
		acl = pg_attribute_aclcheck(RelationGetRelid(rel), attnum, GetUserId(), ACL_UPDATE);
	if (acl != ACLCHECK_OK)
		aclcheck_error_col(acl, get_relkind_objtype(rel->rd_rel->relkind), relname, column);
	return attnum;
}

// Wakes the job's worker, if one is recorded, so its sleep ends and it sees
// the new state at the next batch boundary.
void
WakeWorker(int32 pid) {
	if (pid <= 0)
		return;
	PGPROC *proc = BackendPidGetProc(pid);
	if (proc != nullptr)
		SetLatch(&proc->procLatch);
}

// WARNING that no background worker could be registered for the job.
void
WarnNoWorker(int64 job_id) {
	bf::NoteJobsWaiting();
	ereport(WARNING, (errmsg("could not start a worker for backfill job " INT64_FORMAT, job_id),
	                  errdetail("The job stays queued until a background worker slot is free."),
	                  errhint("Increase max_worker_processes, then call resume_backfill or wait_backfill.")));
}

// pause_backfill, resume_backfill and cancel_backfill: the core state machine
// decides, the row is locked while it does.
Datum
RunCommand(int64 job_id, core::Command command) {
	bf::JobRow row;
	LoadVisibleJob(job_id, &row);
	(void)bf::LoadJob(job_id, bf::JobAccess::AsExtensionOwner, true, &row);
	bool worker_alive = bf::JobHasWorker(job_id);
	JobState next = bf::CallCpp<&core::ApplyCommand>("backfill command", job_id, row.state, command, worker_alive);
	if (!core::IsActive(row.state) && core::IsActive(next))
		CheckColumnFree(row.relid, row.attnum, row.column_name);
	bf::SetJobState(job_id, next);
	if (command == core::Command::Resume) {
		// A worker when this transaction commits.
		bf::CheckJobCanRun(job_id, row.login_role, row.owner);
		bf::LaunchAtCommit(job_id, row.login_role, row.owner);
	} else
		WakeWorker(row.worker_pid);
	PG_RETURN_TEXT_P(cstring_to_text(core::StateName(next)));
}

// `ms` milliseconds after `start`, saturated at the largest timestamp (a
// timeout too long to ever be reached). Never errors.
TimestampTz
DeadlineAfter(TimestampTz start, int64 ms) {
	int64 us;
	TimestampTz deadline;
	if (pg_mul_s64_overflow(ms, 1000, &us) || pg_add_s64_overflow(start, us, &deadline))
		return PG_INT64_MAX;
	return deadline;
}

// The indexes of table relid, from pg_index (no lock taken).
List *
IndexesOf(Oid relid) {
	List *indexes = NIL;
	Relation pg_index = table_open(IndexRelationId, AccessShareLock);
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	SysScanDesc scan = systable_beginscan(pg_index, IndexIndrelidIndexId, true, nullptr, 1, &key);
	HeapTuple tuple;
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		indexes = lappend_oid(indexes, ((Form_pg_index)GETSTRUCT(tuple))->indexrelid);
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	return indexes;
}

// The strongest lock mode at or above ShareLock that this transaction (or
// session) holds on relation relid, or NoLock. Such a lock conflicts with
// the RowExclusiveLock a batch's UPDATE takes (and AccessExclusiveLock also
// with the AccessShareLock of its key query).
LOCKMODE
ConflictingLockHeld(Oid relid) {
	LOCKTAG tag;
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (LOCKMODE mode = AccessExclusiveLock; mode >= ShareLock; mode--)
		if (LockHeldByMe(&tag, mode))
			return mode;
	return NoLock;
}

// ereports 55000 when wait_backfill would wait for itself: the current
// transaction holds a lock the job's worker needs, so the worker waits for
// this transaction to end, and this transaction for the worker. Checked
// before waiting: the job's table, its partitions, their indexes, and the
// job table (ShareLock or stronger). Checked while waiting: the worker is
// seen waiting for a lock this backend holds (a row lock, a lock on a table
// a trigger writes, ...).
void
CheckNotBlockingJob(const bf::JobRow *row, bool first) {
	if (first) {
		List *tables = find_all_inheritors(row->relid, NoLock, nullptr);
		List *relids = list_copy(tables);
		ListCell *lc;
		foreach (lc, tables)
			relids = list_concat(relids, IndexesOf(lfirst_oid(lc)));
		Oid jobs_nsp = get_namespace_oid("backfill", true);
		if (OidIsValid(jobs_nsp))
			relids = lappend_oid(relids, get_relname_relid("jobs", jobs_nsp));
		foreach (lc, relids) {
			Oid relid = lfirst_oid(lc);
			LOCKMODE mode = OidIsValid(relid) ? ConflictingLockHeld(relid) : NoLock;
			if (mode == NoLock)
				continue;
			const char *name = get_rel_name(relid);
			ereport(
			    ERROR,
			    (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			     errmsg("backfill job " INT64_FORMAT " needs a lock that the current transaction holds", row->job_id),
			     errdetail("The current transaction holds %s on %s \"%s\", which blocks the job's worker until "
			               "the transaction ends, so waiting here would never end.",
			               GetLockmodeName(DEFAULT_LOCKMETHOD, mode),
			               get_rel_relkind(relid) == RELKIND_INDEX ? "index" : "table", name ? name : "?"),
			     errhint("Commit the transaction first, then call wait_backfill.")));
		}
	}
	// The worker waits for a heavyweight lock: does this backend hold it?
	PGPROC *proc = row->worker_pid > 0 ? BackendPidGetProc(row->worker_pid) : nullptr;
	if (proc == nullptr || !proc->isBackgroundWorker ||
	    (*(volatile uint32 *)&proc->wait_event_info & 0xFF000000) != PG_WAIT_LOCK)
		return;
	ArrayType *blockers = DatumGetArrayTypeP(DirectFunctionCall1(pg_blocking_pids, Int32GetDatum(row->worker_pid)));
	Datum *pids;
	int n;
	deconstruct_array(blockers, INT4OID, sizeof(int32), true, TYPALIGN_INT, &pids, nullptr, &n);
	for (int i = 0; i < n; i++) {
		if (DatumGetInt32(pids[i]) != MyProcPid)
			continue;
		// CREATE INDEX CONCURRENTLY waits for every transaction whose
		// snapshot is older than its own (pg_background #64): this wait's.
		// A wait begun after the build took its snapshot does not hold it up.
		if (row->phase == core::JobPhase::CreateIndex)
			ereport(
			    ERROR,
			    (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			     errmsg("backfill job " INT64_FORMAT " is building its index and waits for this session", row->job_id),
			     errdetail("CREATE INDEX CONCURRENTLY in the job's worker (PID %d) waits for the transactions "
			               "older than its snapshot to end, this one among them, so waiting here would never "
			               "end.",
			               row->worker_pid),
			     errhint("End this transaction and call wait_backfill again: a wait that starts now does not "
			             "hold up the build.")));
		ereport(ERROR,
		        (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		         errmsg("backfill job " INT64_FORMAT " needs a lock that the current transaction holds", row->job_id),
		         errdetail("The job's worker (PID %d) waits for a lock held by the current transaction, so "
		                   "waiting here would never end.",
		                   row->worker_pid),
		         errhint("Commit the transaction first, then call wait_backfill.")));
	}
}

// One progress NOTICE of wait_backfill.
void
ReportProgress(const bf::JobRow *row) {
	double elapsed = row->has_started_at ? (double)(row->updated_at - row->started_at) / USECS_PER_SEC : 0.0;
	core::Progress p = bf::CallCpp<&core::ComputeProgress>("progress", row->rows_done, row->rows_estimated, elapsed,
	                                                       row->state == JobState::Succeeded);
	char percent[32] = "?";
	char rate[32] = "?";
	char eta[32] = "?";
	if (p.has_percent)
		snprintf(percent, sizeof(percent), "%.1f%%", p.percent);
	if (p.has_rate)
		snprintf(rate, sizeof(rate), "%.0f rows/s", p.rate);
	if (p.has_eta)
		snprintf(eta, sizeof(eta), "%.0f s", p.eta_seconds);
	// The pacing controller's latest decision (pacing_sql.cpp), e.g. "; batch
	// 250 rows, pause 40 ms, held back by: app p99 2.4x baseline".
	if (core::IsFinishingPhase(row->phase)) {
		ereport(NOTICE,
		        (errmsg("backfill job " INT64_FORMAT " %s: " INT64_FORMAT " rows filled, finishing step \"%s\"",
		                row->job_id, core::StateName(row->state), row->rows_done, core::PhaseName(row->phase))));
		return;
	}
	const char *pace = bf::PaceNoticeSuffix(row->job_id, row->state == JobState::Running);
	ereport(NOTICE, (errmsg("backfill job " INT64_FORMAT " %s: %s, " INT64_FORMAT " rows, %s, ETA %s%s", row->job_id,
	                        core::StateName(row->state), percent, row->rows_done, rate, eta, pace)));
}

} // namespace

Datum
pg_backfill_start_backfill(PG_FUNCTION_ARGS) {
	RequireArgument(fcinfo, 0, "relation");
	RequireArgument(fcinfo, 1, "column_name");
	RequireArgument(fcinfo, 2, "expression");
	RequireArgument(fcinfo, 6, "only_null");
	// sync and strategy came in 0.2: a database still at 0.1 calls this with
	// seven arguments.
	if (PG_NARGS() > 7)
		RequireArgument(fcinfo, 7, "sync");
	bool sync = PG_NARGS() > 7 && PG_GETARG_BOOL(7);
	if (RecoveryInProgress())
		ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION), errmsg("cannot start a backfill during recovery")));
	core::JobOptions options = JobOptionsFromArguments(fcinfo, 3);

	Oid relid = PG_GETARG_OID(0);
	const char *column = NameStr(*PG_GETARG_NAME(1));
	const char *expression = text_to_cstring(PG_GETARG_TEXT_PP(2));
	Relation rel = OpenTargetRelation(relid);
	AttrNumber attnum = CheckTargetColumn(rel, column);
	Node *analysed = nullptr;
	char *expression_sql = bf::AnalyzeBackfillExpression(rel, attnum, expression, &analysed);
	if (sync)
		bf::CheckSyncAllowed(rel, analysed);

	// The walk's key: the key index, or, for a table without one or when
	// asked (strategy => 'tid': physical order is cheaper, e.g. a key in random
	// order), the rows' physical positions (TID ranges over the table's
	// blocks). A partitioned table is walked leaf by leaf, each leaf choosing
	// its own the same way (every leaf by TID ranges with 'tid').
	const char *strategy = PG_NARGS() > 8 && !PG_ARGISNULL(8) ? text_to_cstring(PG_GETARG_TEXT_PP(8)) : nullptr;
	if (strategy != nullptr && strcmp(strategy, "key") != 0 && strcmp(strategy, "tid") != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid strategy \"%s\"", strategy),
		                errhint("Use 'key' (walk the key index; the default when the table has one) or 'tid' "
		                        "(walk the table's blocks in physical order).")));
	bf::KeyChoice key;
	bool has_key = bf::ChooseKeyIndex(rel, &key);
	bool partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	if (!has_key && !partitioned && strategy != nullptr && strcmp(strategy, "key") == 0)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("table \"%s\" has no primary key or unique index over NOT NULL columns",
		                       RelationGetRelationName(rel)),
		                errhint("Leave strategy NULL or use 'tid' to walk it in physical order.")));
	bool tid_walk = (strategy != nullptr && strcmp(strategy, "tid") == 0) || (!has_key && !partitioned);
	bool use_key = has_key && !tid_walk;
	const char *ctid = "ctid";
	const char **key_columns = use_key ? (const char **)palloc(sizeof(char *) * key.nkeys) : &ctid;
	for (int i = 0; use_key && i < key.nkeys; i++) {
		key_columns[i] = get_attname(relid, key.attnums[i], false);
		if (key.attnums[i] == attnum)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill key column \"%s\"", column),
			                errdetail("Column \"%s\" is part of index \"%s\", which the backfill uses as its key.",
			                          column, get_rel_name(key.index))));
	}

	CheckColumnFree(relid, attnum, column);

	bf::NewJob job;
	job.relid = relid;
	job.column_name = column;
	job.attnum = attnum;
	job.expression = expression;
	job.expression_sql = expression_sql;
	job.key_index = use_key ? key.index : InvalidOid;
	job.nkeys = use_key ? key.nkeys : 1;
	job.key_columns = key_columns;
	job.tid_walk = tid_walk;
	job.only_null = PG_GETARG_BOOL(6);
	job.options = options;
	job.owner = GetUserId();
	job.login_role = GetSessionUserId();
	job.search_path = GetConfigOption("search_path", false, false);
	job.rows_estimated = EstimateRows(rel);
	int64 job_id = bf::InsertJob(&job);
	// Before the first batch: the worker waits for this transaction.
	if (sync)
		(void)bf::InstallSyncTrigger(job_id, rel, attnum, analysed);
	relation_close(rel, NoLock);

	// The worker starts when this transaction commits; a rollback leaves nothing.
	bf::CheckJobCanRun(job_id, job.login_role, job.owner);
	bf::LaunchAtCommit(job_id, job.login_role, job.owner);
	PG_RETURN_INT64(job_id);
}

Datum
pg_backfill_pause_backfill(PG_FUNCTION_ARGS) {
	return RunCommand(PG_GETARG_INT64(0), core::Command::Pause);
}

Datum
pg_backfill_resume_backfill(PG_FUNCTION_ARGS) {
	return RunCommand(PG_GETARG_INT64(0), core::Command::Resume);
}

Datum
pg_backfill_cancel_backfill(PG_FUNCTION_ARGS) {
	Datum state = RunCommand(PG_GETARG_INT64(0), core::Command::Cancel);
	(void)bf::DropSyncTriggerWithRetries(PG_GETARG_INT64(0));
	return state;
}

// Polls the job row with a fresh snapshot (every 10 ms at first, backing off
// to every kMaxPollMs) until the job is no longer queued or running. Starts a
// worker for a job that has wanted one for kOrphanGraceMs while a slot was
// free.
Datum
pg_backfill_wait_backfill(PG_FUNCTION_ARGS) {
	RequireArgument(fcinfo, 0, "job_id");
	int64 job_id = PG_GETARG_INT64(0);
	if (!PG_ARGISNULL(1) && bf::IntervalToMs(PG_GETARG_INTERVAL_P(1)) < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("timeout must not be negative")));
	if (IsolationUsesXactSnapshot())
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("wait_backfill cannot run in a REPEATABLE READ or SERIALIZABLE transaction"),
		                errdetail("Its snapshot would never show the job's progress."),
		                errhint("Call it in a READ COMMITTED transaction.")));
	TimestampTz start = GetCurrentTimestamp();
	TimestampTz deadline = PG_ARGISNULL(1) ? 0 : DeadlineAfter(start, bf::IntervalToMs(PG_GETARG_INTERVAL_P(1)));
	TimestampTz last_notice = start;
	MemoryContext poll_cxt = AllocSetContextCreate(CurrentMemoryContext, "wait_backfill", ALLOCSET_SMALL_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(poll_cxt);
	TimestampTz orphaned_since = 0;
	long poll_ms = 5;
	bf::JobRow row;
	for (bool first = true;; first = false) {
		MemoryContextReset(poll_cxt);
		LoadVisibleJob(job_id, &row);
		bool wants_worker = core::WantsWorker(row.state);
		if (first && wants_worker && TransactionIdIsCurrentTransactionId(row.xmin))
			ereport(ERROR,
			        (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			         errmsg("backfill job " INT64_FORMAT " was started or changed by the current transaction", job_id),
			         errdetail("Its worker starts only when this transaction commits, so waiting here would "
			                   "never end."),
			         errhint("Commit the transaction first, then call wait_backfill.")));
		if (!wants_worker)
			break;
		CheckNotBlockingJob(&row, first);
		TimestampTz now = GetCurrentTimestamp();
		if (deadline != 0 && now >= deadline)
			ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
			                errmsg("timed out waiting for backfill job " INT64_FORMAT, job_id),
			                errdetail("The job is %s.", core::StateName(row.state))));
		if (bf::guc_progress_interval_ms > 0 &&
		    TimestampDifferenceExceeds(last_notice, now, bf::guc_progress_interval_ms)) {
			ReportProgress(&row);
			last_notice = now;
		}
		// A job without a worker while a slot is free (its worker was
		// terminated, or none could be registered): after a grace period
		// that covers a worker still starting, start one.
		if (bf::JobHasWorker(job_id) || bf::CountFreeWorkerSlots() == 0)
			orphaned_since = 0;
		else if (orphaned_since == 0)
			orphaned_since = now;
		else if (TimestampDifferenceExceeds(orphaned_since, now, kOrphanGraceMs)) {
			if (!bf::LaunchJobWorker(job_id, row.login_role, row.owner))
				WarnNoWorker(job_id);
			orphaned_since = 0;
		}

		// Poll fast at first (short jobs), then every kMaxPollMs.
		poll_ms = Min(poll_ms * 2, kMaxPollMs);
		long sleep_ms = poll_ms;
		if (deadline != 0)
			sleep_ms = Min(sleep_ms, Max(1, (deadline - now) / 1000));
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	if (row.state == JobState::Failed) {
		const char *s = row.last_error_sqlstate ? row.last_error_sqlstate : "XX000";
		ereport(ERROR,
		        (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
		         errmsg("backfill job " INT64_FORMAT " failed: %s", job_id,
		                row.last_error_message ? row.last_error_message : "unknown error"),
		         !row.failed_key_range               ? 0
		         : core::IsFinishingPhase(row.phase) ? errdetail("%s", row.failed_key_range)
		                                             : errdetail("The failing batch covered %s.", row.failed_key_range),
		         core::IsFinishingPhase(row.phase)
		             ? errhint("Fix the cause, then call resume_backfill to run the finishing steps again from "
		                       "\"%s\", or give the job up with cancel_backfill.",
		                       core::PhaseName(row.phase))
		             : errhint("Fix the cause, then call resume_backfill to retry from the last checkpoint, or "
		                       "give the job up with cancel_backfill.")));
	}
	MemoryContextSwitchTo(caller_cxt);
	text *result = cstring_to_text(core::StateName(row.state));
	MemoryContextDelete(poll_cxt);
	PG_RETURN_TEXT_P(result);
}

// backfill.job_progress(rows_done, rows_estimated, elapsed, finished) ->
// (percent, rate, eta), the core's progress math for backfill_status.
Datum
pg_backfill_job_progress(PG_FUNCTION_ARGS) {
	TupleDesc desc;
	if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);
	int64 rows_done = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);
	int64 rows_estimated = PG_ARGISNULL(1) ? -1 : PG_GETARG_INT64(1);
	double elapsed = PG_ARGISNULL(2) ? 0.0 : (double)bf::IntervalToMs(PG_GETARG_INTERVAL_P(2)) / 1000.0;
	bool finished = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	core::Progress p = bf::CallCpp<&core::ComputeProgress>("progress", rows_done, rows_estimated, elapsed, finished);
	Datum values[3];
	bool nulls[3] = {!p.has_percent, !p.has_rate, !p.has_eta};
	values[0] = Float8GetDatum(p.percent);
	values[1] = Float8GetDatum(p.rate);
	Interval *eta = (Interval *)palloc0(sizeof(Interval));
	eta->time = (TimeOffset)(p.eta_seconds * USECS_PER_SEC);
	values[2] = IntervalPGetDatum(eta);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
