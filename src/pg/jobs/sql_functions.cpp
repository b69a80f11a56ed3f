// The SQL functions of backfill jobs: start_backfill, pause_backfill,
// resume_backfill, cancel_backfill, wait_backfill and backfill.job_progress.
// backfill_status is LANGUAGE sql in the install script. All PG regime; the
// core is reached through CallCpp only.
extern "C" {
#include "postgres.h"
#include "access/relation.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/catalog.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/builtins.h"
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
#include "core/job_state.hpp"
#include "core/progress.hpp"
#include "pg/boundary.hpp"
#include "pg/jobs/expression.hpp"
#include "pg/jobs/job_locks.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/key_index.hpp"
#include "pg/jobs/launcher.hpp"
#include "pg/jobs/pacing_sql.hpp"
#include "pg/jobs/settings.hpp"
#include "pg/jobs/worker_launch.hpp"

using pg_backfill::core::JobState;
namespace core = pg_backfill::core;
namespace bf = pg_backfill::pg;

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
	switch (core::CheckJobOptions(options)) {
	case core::JobOptionViolation::None:
		break;
	case core::JobOptionViolation::BatchSize:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("batch_size must be between %d and %d", core::kMinBatchSize, core::kMaxBatchSize)));
	case core::JobOptionViolation::LockTimeout:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("lock_timeout must be between %lld ms and %lld ms", (long long)core::kMinLockTimeoutMs,
		                       (long long)core::kMaxIntervalOptionMs)));
	case core::JobOptionViolation::BatchDelay:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("batch_delay must be between %lld ms and %lld ms", (long long)core::kMinBatchDelayMs,
		                       (long long)core::kMaxIntervalOptionMs)));
	case core::JobOptionViolation::TargetLatencyRatio:
		break; // not an argument of start_backfill (alter_backfill sets it)
	}
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
// transaction ends). ereports 42P01, 42809, 0A000 or 42501.
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
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill system catalog \"%s\"", relname)));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill temporary table \"%s\"", relname),
		                errdetail("The background worker that runs the backfill cannot see this session's "
		                          "temporary tables.")));
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
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill system column \"%s\"", column)));
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	if (att->attgenerated)
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill generated column \"%s\"", column)));
	if (att->attidentity)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot backfill identity column \"%s\"", column)));
	// Table-level UPDATE covers every column; else the column's own grant.
	AclResult acl = pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_UPDATE);
	if (acl != ACLCHECK_OK)
		acl = pg_attribute_aclcheck(RelationGetRelid(rel), attnum, GetUserId(), ACL_UPDATE);
	if (acl != ACLCHECK_OK)
		aclcheck_error_col(acl, get_relkind_objtype(rel->rd_rel->relkind), relname, column);
	return attnum;
}

// ereports 42710 when another job is active on relid.attnum. Serialises
// callers on the column until the transaction ends (a transaction-level
// advisory lock), so two concurrent starts cannot both pass.
void
CheckColumnFree(Oid relid, AttrNumber attnum, const char *column) {
	LOCKTAG tag;
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, relid, (uint32)attnum, 6);
	(void)LockAcquire(&tag, ExclusiveLock, false, false);
	int64 active = bf::FindActiveJob(relid, attnum);
	if (active != 0)
		ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
		                errmsg("backfill job " INT64_FORMAT " is already active on column \"%s\" of table \"%s\"",
		                       active, column, get_rel_name(relid)),
		                errhint("Wait for it with wait_backfill, or cancel it with cancel_backfill.")));
}

// The visible job job_id, or 42704. Reads as the caller, so row-level
// security hides other roles' jobs.
void
LoadVisibleJob(int64 job_id, bf::JobRow *row) {
	if (!bf::LoadJob(job_id, bf::JobAccess::AsCaller, false, row))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("backfill job " INT64_FORMAT " does not exist", job_id)));
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
		if (!bf::LaunchJobWorker(job_id, row.login_role, row.owner, GetTopTransactionId()))
			WarnNoWorker(job_id);
	} else
		WakeWorker(row.worker_pid);
	PG_RETURN_TEXT_P(cstring_to_text(core::StateName(next)));
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
	if (RecoveryInProgress())
		ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION), errmsg("cannot start a backfill during recovery")));
	core::JobOptions options = JobOptionsFromArguments(fcinfo, 3);

	Oid relid = PG_GETARG_OID(0);
	const char *column = NameStr(*PG_GETARG_NAME(1));
	const char *expression = text_to_cstring(PG_GETARG_TEXT_PP(2));
	Relation rel = OpenTargetRelation(relid);
	AttrNumber attnum = CheckTargetColumn(rel, column);
	char *expression_sql = bf::AnalyzeBackfillExpression(rel, attnum, expression);

	bf::KeyChoice key;
	if (!bf::ChooseKeyIndex(rel, &key))
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("table \"%s\" has no primary key or unique index over NOT NULL columns",
		                       RelationGetRelationName(rel)),
		                errdetail("A backfill walks the table in key order and needs a unique, non-null key."),
		                errhint("Add a primary key, or a unique btree index whose columns are all NOT NULL.")));
	const char **key_columns = (const char **)palloc(sizeof(char *) * key.nkeys);
	for (int i = 0; i < key.nkeys; i++) {
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
	job.key_index = key.index;
	job.nkeys = key.nkeys;
	job.key_columns = key_columns;
	job.only_null = PG_GETARG_BOOL(6);
	job.options = options;
	job.owner = GetUserId();
	job.login_role = GetSessionUserId();
	job.search_path = GetConfigOption("search_path", false, false);
	job.rows_estimated = EstimateRows(rel);
	int64 job_id = bf::InsertJob(&job);
	relation_close(rel, NoLock);

	// The worker waits for this transaction to end and exits if it rolled back.
	if (!bf::LaunchJobWorker(job_id, job.login_role, job.owner, GetTopTransactionId()))
		WarnNoWorker(job_id);
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
	return RunCommand(PG_GETARG_INT64(0), core::Command::Cancel);
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
	TimestampTz deadline = PG_ARGISNULL(1) ? 0 : start + bf::IntervalToMs(PG_GETARG_INTERVAL_P(1)) * 1000;
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
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			                errmsg("backfill job " INT64_FORMAT " was started or changed by the current transaction",
			                       job_id),
			                errdetail("Its worker waits for this transaction to end, so waiting here would never end."),
			                errhint("Commit the transaction first, then call wait_backfill.")));
		if (!wants_worker)
			break;
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
			if (!bf::LaunchJobWorker(job_id, row.login_role, row.owner, InvalidTransactionId))
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
		ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
		                errmsg("backfill job " INT64_FORMAT " failed: %s", job_id,
		                       row.last_error_message ? row.last_error_message : "unknown error"),
		                errhint("Fix the cause, then call resume_backfill to retry from the last checkpoint.")));
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
