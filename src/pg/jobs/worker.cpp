// The job worker: one dynamic background worker per running job. It runs the
// job's batches, one transaction each, until the job succeeds, fails, or
// leaves the running state (pause, cancel), then hands its slot on.
//
// Signals: SIGTERM (pg_terminate_backend, shutdown) -> die: the batch rolls
// back, the process exits, the job stays running and is resumed by the
// launcher after a restart, by resume_backfill or by wait_backfill.
// SIGINT (pg_cancel_backend) -> query cancel: the batch rolls back and the job
// is paused. SIGHUP -> configuration reload before the next batch.
extern "C" {
#include "postgres.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "common/pg_prng.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

PGDLLEXPORT void pg_backfill_job_worker_main(Datum arg);
}

#include "core/backoff.hpp"
#include "core/job_options.hpp"
#include "core/job_state.hpp"
#include "core/table_generation.hpp"
#include "pg/jobs/batch_statements.hpp"
#include "pg/boundary.hpp"
#include "pg/jobs/job_locks.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/kept_plan.hpp"
#include "pg/jobs/launcher.hpp"
#include "pg/jobs/pacing.hpp"
#include "pg/jobs/replica_lag.hpp"
#include "pg/jobs/settings.hpp"
#include "pg/jobs/worker_launch.hpp"

namespace core = pg_backfill::core;
namespace bf = pg_backfill::pg;

namespace {

// Worker-lifetime facts about the job, in worker_cxt.
struct JobContext {
	int64 job_id;
	Oid owner;            // the role batches run as
	int64 lock_timeout_ms; // the job's lock_timeout as last read (bounds the wait for the job row and table)
	bool prepared;        // PrepareJob ran
	Oid relid;            // followed by OID through renames
	AttrNumber attnum;    // followed by number through renames
	char *target_names;   // "schema.table.column.key..." the statements were built for
	int nkeys;
	AttrNumber *key_attnums;
	char **key_columns;
	Oid *key_types;
	Oid *key_input_funcs;
	Oid *key_ioparams;
	Oid *key_output_funcs;
	bf::BatchStatements sql;
	SPIPlanPtr bound_plans[2];
	SPIPlanPtr update_plans[2][2];
	// The key range of the batch in progress, for the error report.
	char *range;
	// When the statement timeout of the batch in progress was armed (0: not
	// armed) and for how long.
	TimestampTz timeout_armed_at;
	int timeout_ms;
};

enum class BatchOutcome { More, Finished, Stopped };

// A job whose workers ended abnormally this many times at the same
// checkpoint is failed (TimescaleDB's crash backoff plays the same role).
constexpr int kMaxWorkerStarts = 2;
// How long a new worker waits for the job lock held by another worker.
constexpr int kJobLockWaitMs = 5000;
// How often a sleep that was woken (by a pause or cancel that may not have
// committed yet) re-reads the job's state.
constexpr long kWokenPollMs = 20;
// How often a batch held back by replica lag re-checks the lag.
constexpr int kReplicaLagPollMs = 200;

MemoryContext worker_cxt;
MemoryContext batch_cxt;

// "(a, b)" from key values as text.
char *
KeyText(int n, char *const *values) {
	StringInfoData buf;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", values[i]);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

// The key range of a batch for error reports, e.g. "(aid) > (1000) AND (aid) <= (2000)".
char *
RangeText(const JobContext *ctx, char *const *lower, char *const *upper) {
	char *keys = KeyText(ctx->nkeys, ctx->key_columns);
	if (lower && upper)
		return psprintf("%s > %s AND %s <= %s", keys, KeyText(ctx->nkeys, lower), keys, KeyText(ctx->nkeys, upper));
	if (lower)
		return psprintf("%s > %s", keys, KeyText(ctx->nkeys, lower));
	if (upper)
		return psprintf("%s <= %s", keys, KeyText(ctx->nkeys, upper));
	return pstrdup("all rows");
}

// Shows `sql` as the worker's current query in pg_stat_activity.
void
ReportQuery(const char *sql) {
	debug_query_string = sql;
	pgstat_report_activity(STATE_RUNNING, sql);
}

// SET LOCAL of the batch transaction: the job's lock_timeout, and
// synchronous_commit = off. A batch and its checkpoint commit in one
// transaction, so a crash that loses the last batches' commits loses their
// checkpoints with them and the job simply redoes them: exactly-once holds
// without a WAL flush per batch (which costs more than a small batch).
void
SetBatchSettings(int64 lock_timeout_ms) {
	char value[32];
	snprintf(value, sizeof(value), "%lld", (long long)lock_timeout_ms);
	(void)set_config_option("lock_timeout", value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	(void)set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
	                        false);
}

// Arms the statement timeout for the batch (a background worker does not arm
// statement_timeout by itself) and remembers when, to tell a timeout from
// pg_cancel_backend later.
void
ArmStatementTimeout(JobContext *ctx) {
	ctx->timeout_ms = bf::guc_statement_timeout_ms;
	if (ctx->timeout_ms > 0) {
		ctx->timeout_armed_at = GetCurrentTimestamp();
		enable_timeout_after(STATEMENT_TIMEOUT, ctx->timeout_ms);
	}
}

// Disarms the batch's statement timeout, if armed.
void
DisarmStatementTimeout(JobContext *ctx) {
	if (ctx->timeout_armed_at != 0)
		disable_timeout(STATEMENT_TIMEOUT, false);
	ctx->timeout_armed_at = 0;
}

// Key values cross batches as text (the checkpoint). Their text form must
// not depend on the session: role or database settings, or a SET inside the
// user's expression, could change DateStyle or extra_float_digits between
// the batch that writes a checkpoint and the one that reads it. So key text
// is always written and read under these settings.
const char *const kKeyTextSettings[][2] = {
    {"DateStyle", "ISO, MDY"}, {"IntervalStyle", "postgres"}, {"extra_float_digits", "3"},
    {"bytea_output", "hex"},   {"TimeZone", "UTC"},           {"lc_monetary", "C"},
};

// Applies kKeyTextSettings until UnpinKeyTextSettings(level). PG regime.
int
PinKeyTextSettings() {
	int level = NewGUCNestLevel();
	for (const auto &setting : kKeyTextSettings)
		(void)set_config_option(setting[0], setting[1], PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

void
UnpinKeyTextSettings(int level) {
	AtEOXact_GUC(false, level);
}

// "schema.table.column.key1.key2" of the target as it is named now: the
// batch statements are rebuilt when it changes (a rename).
char *
TargetNames(Relation rel, AttrNumber attnum, int nkeys, const AttrNumber *key_attnums) {
	StringInfoData buf;
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s.%s", get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel));
	appendStringInfo(&buf, ".%s", NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname));
	for (int i = 0; i < nkeys; i++)
		appendStringInfo(&buf, ".%s", NameStr(TupleDescAttr(RelationGetDescr(rel), key_attnums[i] - 1)->attname));
	return buf.data;
}

// Opens the job's relation by OID with RowExclusiveLock (waited for under
// the batch's lock_timeout and held until the batch ends, so no rename or
// swap can happen while the batch runs) and checks that its column and key
// columns still exist. ereports 42P01 or 42703 when they do not. PG regime.
Relation
OpenTarget(const JobContext *ctx, const bf::JobRow *row) {
	Relation rel = try_relation_open(row->relid, RowExclusiveLock);
	if (rel == nullptr)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("relation with OID %u of backfill job " INT64_FORMAT " no longer exists", row->relid,
		                       row->job_id)));
	TupleDesc desc = RelationGetDescr(rel);
	auto check = [&](AttrNumber attnum, const char *what) {
		if (attnum < 1 || attnum > desc->natts || TupleDescAttr(desc, attnum - 1)->attisdropped)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
			                errmsg("%s %d of relation \"%s\" of backfill job " INT64_FORMAT " no longer exists", what,
			                       attnum, RelationGetRelationName(rel), row->job_id)));
	};
	check(row->attnum, "column");
	for (int i = 0; ctx->prepared && i < ctx->nkeys; i++)
		check(ctx->key_attnums[i], "key column");
	return rel;
}

// The generation of the table rel as it is now (core/table_generation.hpp):
// its leaf relations and their relfilenodes. PG regime.
int64
CurrentTableGeneration(Relation rel) {
	List *relids = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE
	                   ? find_all_inheritors(RelationGetRelid(rel), NoLock, nullptr)
	                   : list_make1_oid(RelationGetRelid(rel));
	core::LeafStorage *leaves = (core::LeafStorage *)palloc(sizeof(core::LeafStorage) * list_length(relids));
	int nleaves = 0;
	ListCell *lc;
	foreach (lc, relids) {
		HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		if (!HeapTupleIsValid(tuple))
			continue; // dropped meanwhile: it has no rows to fill
		Form_pg_class form = (Form_pg_class)GETSTRUCT(tuple);
		if (form->relkind == RELKIND_RELATION)
			leaves[nleaves++] = core::LeafStorage{lfirst_oid(lc), form->relfilenode};
		ReleaseSysCache(tuple);
	}
	return core::TableGeneration(leaves, nleaves);
}

// Frees the kept plans of the batch statements (they name the old target).
void
ForgetPlans(JobContext *ctx) {
	for (int lower = 0; lower < 2; lower++) {
		if (ctx->bound_plans[lower] != nullptr)
			SPI_freeplan(ctx->bound_plans[lower]);
		ctx->bound_plans[lower] = nullptr;
		for (int upper = 0; upper < 2; upper++) {
			if (ctx->update_plans[lower][upper] != nullptr)
				SPI_freeplan(ctx->update_plans[lower][upper]);
			ctx->update_plans[lower][upper] = nullptr;
		}
	}
}

// Worker-lifetime setup from the job row, in the first batch's transaction
// (so that a key index dropped meanwhile fails the job like any batch
// error): key columns by number from the key index, their types and I/O
// functions. PG regime.
void
PrepareJob(JobContext *ctx, const bf::JobRow *row) {
	MemoryContext old = MemoryContextSwitchTo(worker_cxt);
	Relation index = try_relation_open(row->key_index, AccessShareLock);
	if (index == nullptr || index->rd_index == nullptr || index->rd_index->indrelid != row->relid)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
		                errmsg("key index with OID %u of backfill job " INT64_FORMAT " no longer exists",
		                       row->key_index, row->job_id)));
	int n = index->rd_index->indnkeyatts;
	if (n != row->nkeys)
		elog(ERROR, "backfill job " INT64_FORMAT " has %d key columns, its key index %d", row->job_id, row->nkeys, n);
	ctx->relid = row->relid;
	ctx->attnum = row->attnum;
	ctx->nkeys = n;
	ctx->key_attnums = (AttrNumber *)palloc(sizeof(AttrNumber) * n);
	ctx->key_columns = (char **)palloc0(sizeof(char *) * n);
	ctx->key_types = (Oid *)palloc(sizeof(Oid) * n);
	ctx->key_input_funcs = (Oid *)palloc(sizeof(Oid) * n);
	ctx->key_ioparams = (Oid *)palloc(sizeof(Oid) * n);
	ctx->key_output_funcs = (Oid *)palloc(sizeof(Oid) * n);
	for (int i = 0; i < n; i++) {
		ctx->key_attnums[i] = index->rd_index->indkey.values[i];
		ctx->key_types[i] = get_atttype(row->relid, ctx->key_attnums[i]);
		bool varlena;
		getTypeInputInfo(ctx->key_types[i], &ctx->key_input_funcs[i], &ctx->key_ioparams[i]);
		getTypeOutputInfo(ctx->key_types[i], &ctx->key_output_funcs[i], &varlena);
	}
	relation_close(index, AccessShareLock);
	ctx->prepared = true;
	MemoryContextSwitchTo(old);
}

// (Re)builds the batch statements when the target's names differ from the
// ones they were built for: the job follows its relation by OID and its
// columns by number through renames, and never runs a statement naming
// another relation or column. PG regime.
void
BuildStatementsIfRenamed(JobContext *ctx, Relation rel, const bf::JobRow *row) {
	char *names = TargetNames(rel, ctx->attnum, ctx->nkeys, ctx->key_attnums);
	if (ctx->target_names != nullptr && strcmp(names, ctx->target_names) == 0)
		return;
	MemoryContext old = MemoryContextSwitchTo(worker_cxt);
	if (ctx->target_names != nullptr)
		ereport(LOG, (errmsg("backfill job " INT64_FORMAT " follows its relation or column to its new name",
		                     ctx->job_id),
		              errdetail("Was %s, is %s.", ctx->target_names, names)));
	ForgetPlans(ctx);
	ctx->target_names = pstrdup(names);
	TupleDesc desc = RelationGetDescr(rel);
	for (int i = 0; i < ctx->nkeys; i++)
		ctx->key_columns[i] = pstrdup(NameStr(TupleDescAttr(desc, ctx->key_attnums[i] - 1)->attname));
	bf::BuildBatchStatements(rel, ctx->nkeys, ctx->key_columns,
	                         NameStr(TupleDescAttr(desc, ctx->attnum - 1)->attname), row->expression_sql,
	                         row->only_null, &ctx->sql);
	MemoryContextSwitchTo(old);
}

// One batch in its own transaction: read the job row, lock the table (both
// under lock_timeout), find the batch's upper key, update the batch's rows as
// the job's owner in a security-restricted operation, and record the
// checkpoint and counters in the same transaction. The job row is not locked
// while the batch works, so pause and cancel never wait for a batch. PG
// regime: errors propagate to the caller's PG_CATCH.
BatchOutcome
RunBatch(JobContext *ctx, int64 *delay_ms) {
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(batch_cxt);

	SetBatchSettings(ctx->lock_timeout_ms);
	bf::JobRow row;
	bool found = bf::LoadJob(ctx->job_id, bf::JobAccess::AsExtensionOwner, false, &row);
	if (!found || row.state != core::JobState::Running) {
		// Paused or cancelled (which cleared worker_pid) since the last batch.
		PopActiveSnapshot();
		CommitTransactionCommand();
		return BatchOutcome::Stopped;
	}
	core::EffectiveJobOptions options = core::ResolveJobOptions(row.options, bf::CurrentJobOptionSettings());
	int64 batch_size = bf::PacedBatchSize(options); // the controller's, at most options.batch_size
	*delay_ms = options.batch_delay_ms;
	ctx->lock_timeout_ms = options.lock_timeout_ms;
	SetBatchSettings(options.lock_timeout_ms);

	Relation rel = OpenTarget(ctx, &row);
	if (!ctx->prepared)
		PrepareJob(ctx, &row);
	BuildStatementsIfRenamed(ctx, rel, &row);
	// TRUNCATE, a rewrite, ATTACH or DETACH PARTITION since the checkpoint
	// was written can put rows behind it: walk the table again from the
	// start (with only_null, the rows already filled cost a read only).
	int64 generation = CurrentTableGeneration(rel);
	relation_close(rel, NoLock);
	bool restarted = row.has_table_generation && row.table_generation != generation && row.ncheckpoint > 0;
	if (restarted)
		ereport(LOG, (errmsg("backfill job " INT64_FORMAT " starts its walk over: its table was truncated, "
		                     "rewritten, or had a partition attached or detached",
		                     ctx->job_id)));

	int nkeys = ctx->nkeys;
	bool has_lower = row.ncheckpoint > 0 && !restarted;
	if (has_lower && row.ncheckpoint != nkeys)
		elog(ERROR, "backfill job " INT64_FORMAT " has a checkpoint of %d values for %d key columns", ctx->job_id,
		     row.ncheckpoint, nkeys);
	Oid types[2 * INDEX_MAX_KEYS + 1];
	Datum values[2 * INDEX_MAX_KEYS + 1];
	int pinned = PinKeyTextSettings();
	for (int i = 0; i < nkeys; i++) {
		types[i] = types[nkeys + i] = ctx->key_types[i];
		if (has_lower)
			values[i] = OidInputFunctionCall(ctx->key_input_funcs[i], row.checkpoint[i], ctx->key_ioparams[i], -1);
	}
	UnpinKeyTextSettings(pinned);
	char **lower = has_lower ? row.checkpoint : nullptr;
	ctx->range = RangeText(ctx, lower, nullptr);

	ArmStatementTimeout(ctx);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	// The user's expression runs in these statements: as the job's owner,
	// in a security-restricted operation (as VACUUM and CREATE INDEX run
	// user code), so SET ROLE or RESET ROLE cannot reach the login role.
	Oid saved_user;
	int saved_sec_context;
	GetUserIdAndSecContext(&saved_user, &saved_sec_context);
	SetUserIdAndSecContext(ctx->owner, saved_sec_context | SECURITY_RESTRICTED_OPERATION);

	// The batch's keys: up to batch_size keys after the checkpoint; the last
	// one is the upper bound, fewer than batch_size make this the last batch.
	int nbound = has_lower ? nkeys : 0;
	types[nbound] = INT8OID;
	values[nbound] = Int64GetDatum(batch_size);
	SPIPlanPtr bound = bf::KeptPlan(&ctx->bound_plans[has_lower], ctx->sql.bound[has_lower], nbound + 1, types);
	ReportQuery(ctx->sql.bound[has_lower]);
	if (SPI_execute_plan(bound, values, nullptr, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_backfill: batch bound query failed");
	int64 covered = (int64)SPI_processed;
	bool has_upper = covered == batch_size;
	char **upper = nullptr;
	if (has_upper) {
		HeapTuple last = SPI_tuptable->vals[covered - 1];
		upper = (char **)MemoryContextAlloc(batch_cxt, sizeof(char *) * nkeys);
		pinned = PinKeyTextSettings();
		for (int i = 0; i < nkeys; i++) {
			bool isnull;
			Datum d = SPI_getbinval(last, SPI_tuptable->tupdesc, i + 1, &isnull);
			values[nbound + i] = d;
			upper[i] = MemoryContextStrdup(batch_cxt, OidOutputFunctionCall(ctx->key_output_funcs[i], d));
		}
		UnpinKeyTextSettings(pinned);
		ctx->range = RangeText(ctx, lower, upper);
	}

	// The batch itself.
	int nupdate = nbound + (has_upper ? nkeys : 0);
	for (int i = 0; i < nkeys && has_upper; i++)
		types[nbound + i] = ctx->key_types[i];
	const char *update_sql = ctx->sql.update[has_lower][has_upper];
	SPIPlanPtr update = bf::KeptPlan(&ctx->update_plans[has_lower][has_upper], update_sql, nupdate, types);
	ReportQuery(update_sql);
	int rc = SPI_execute_plan(update, values, nullptr, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "pg_backfill: batch update failed (%d)", rc);
	int64 updated = (int64)SPI_processed;
	SetUserIdAndSecContext(saved_user, saved_sec_context);

	core::JobState finished = core::JobState::Succeeded;
	if (!has_upper)
		finished = bf::CallCpp<&core::ApplyEvent>("finish job", ctx->job_id, row.state, core::WorkerEvent::Finish);
	bf::RecordBatch(ctx->job_id, nkeys, upper, covered, updated, generation, restarted,
	                has_upper ? nullptr : &finished);
	SPI_finish();
	DisarmStatementTimeout(ctx);
	PopActiveSnapshot();
	CommitTransactionCommand();
	debug_query_string = nullptr;
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, nullptr);
	return has_upper ? BatchOutcome::More : BatchOutcome::Finished;
}

// Runs `fn` in a short transaction of its own (job-row bookkeeping outside a
// batch). PG regime.
template <typename Fn>
void
InOwnTransaction(Fn fn) {
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	fn();
	PopActiveSnapshot();
	CommitTransactionCommand();
}

// Loads the job, takes a worker slot and marks the job running. Returns the
// slot, or -1 when the worker has nothing to do (job gone or not waiting for
// a worker, or no free slot: the job stays queued, noted for the launcher),
// or when kMaxWorkerStarts workers ended abnormally at the job's current
// checkpoint (a crash or an out-of-memory kill of the whole server each
// time): then the job is failed instead of started again. PG regime.
int
StartJob(const bf::JobWorkerParams *params) {
	int slot = -1;
	InOwnTransaction([&] {
		bf::JobRow row;
		if (!bf::LoadJob(params->job_id, bf::JobAccess::AsExtensionOwner, true, &row) ||
		    !core::WantsWorker(row.state))
			return;
		if (row.worker_starts >= kMaxWorkerStarts) {
			const char *at = row.ncheckpoint > 0 ? psprintf("after key %s", KeyText(row.ncheckpoint, row.checkpoint))
			                                     : pstrdup("at the start of the table");
			char *message = psprintf("the job's worker ended abnormally %d times in a row %s without committing "
			                         "the next batch; not restarted",
			                         row.worker_starts, at);
			ereport(WARNING, (errmsg("backfill job " INT64_FORMAT " failed: %s", params->job_id, message),
			                  errhint("Look in the server log for the crash. Fix its cause (the expression, or "
			                          "the memory a batch needs: a smaller batch_size), then call "
			                          "resume_backfill.")));
			bf::RecordJobError(params->job_id, core::JobState::Failed, "57P02", message, nullptr);
			return;
		}
		if ((slot = bf::TryTakeWorkerSlot()) < 0) {
			ereport(LOG, (errmsg("backfill job " INT64_FORMAT " waits for a free worker slot", params->job_id),
			              errdetail("All %d slots (pg_backfill.max_workers) are taken.", bf::guc_max_workers)));
			bf::NoteJobsWaiting();
			return;
		}
		(void)bf::CallCpp<&core::ApplyEvent>("start job", params->job_id, row.state, core::WorkerEvent::Start);
		bf::MarkJobStarted(params->job_id, MyProcPid);
	});
	return slot;
}

// Session settings of the login role or database that would stop the job's
// own transactions from working as designed: the worker overrides them.
// (default_transaction_read_only on a role is a default, not a right: any
// session of the role may turn it off.)
void
PinSessionSettings() {
	SetConfigOption("default_transaction_read_only", "off", PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("default_transaction_isolation", "read committed", PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("default_transaction_deferrable", "off", PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("idle_in_transaction_session_timeout", "0", PGC_USERSET, PGC_S_SESSION);
}

// After the job stopped: give the freed slot to the oldest waiting job of
// this database, or ask the launcher to look in the others.
void
HandOff() {
	bool left_waiting = false;
	int launched = 0;
	InOwnTransaction([&] { launched = bf::LaunchWaitingJobs(&left_waiting); });
	if (left_waiting)
		bf::NoteJobsWaiting();
	else if (launched == 0)
		bf::WakeLauncherIfJobsWaiting();
}

// True while the job is still running, as committed. pause_backfill and
// cancel_backfill set the latch before they commit, so this may still read
// running; the next batch then waits for their commit when it records its
// checkpoint (under lock_timeout) and stops at the batch after. The worker
// never waits on a user's open transaction here.
bool
JobStillRunning(int64 job_id) {
	bool running = false;
	InOwnTransaction([&] {
		bf::JobRow row;
		running = bf::LoadJob(job_id, bf::JobAccess::AsExtensionOwner, false, &row) &&
		          row.state == core::JobState::Running;
	});
	return running;
}

// Sleeps `ms` between batches or before a retry. pause_backfill and
// cancel_backfill set the latch (before they commit), so after a wake-up the
// sleep polls the job's committed state every kWokenPollMs until the job has
// left running or the sleep is over. Returns false when it ended because the
// job left running.
bool
Sleep(int64 job_id, int64 ms) {
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
	bool woken = false;
	for (;;) {
		long remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (remaining <= 0)
			return true;
		int rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
		                   woken ? Min(remaining, kWokenPollMs) : remaining, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			return true;
		woken = woken || (rc & WL_LATCH_SET);
		if (woken && !JobStillRunning(job_id))
			return false;
	}
}

// Re-reads the configuration file after a SIGHUP.
void
ReloadConfigIfRequested() {
	if (ConfigReloadPending) {
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

// Holds the next batch while a streaming standby lags behind by more than
// pg_backfill.max_replica_lag: a backfill can write WAL faster than a standby
// replays it, and a standby that falls far behind serves stale reads or falls
// out of WAL retention. The wait shows in pg_stat_activity; pause and cancel
// end it as they end a sleep, and a reload can raise the limit.
void
WaitForReplicas(int64 job_id) {
	for (;;) {
		uint64 limit = (uint64)bf::guc_max_replica_lag_kb * 1024;
		uint64 lag = bf::ReplicaLagBytes();
		if (limit == 0 || lag <= limit)
			return;
		char status[128];
		snprintf(status, sizeof(status), "pg_backfill: waiting for replica lag (%llu bytes) to drop below %llu bytes",
		         (unsigned long long)lag, (unsigned long long)limit);
		pgstat_report_activity(STATE_RUNNING, status);
		if (!Sleep(job_id, kReplicaLagPollMs))
			return;
		ReloadConfigIfRequested();
	}
}

// Takes the job lock. A worker that just stopped the job (a pause followed
// at once by a resume) may still hold it for a moment, so retry for a while;
// false when another worker keeps running the job.
bool
WaitForJobLock(int64 job_id) {
	TimestampTz start = GetCurrentTimestamp();
	while (!bf::TryLockJob(job_id)) {
		if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(), kJobLockWaitMs))
			return false;
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 20, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

// True when the 57014 just caught was the statement timeout armed for the
// batch, not pg_cancel_backend.
bool
StatementTimeoutFired(const JobContext *ctx) {
	return ctx->timeout_armed_at != 0 &&
	       TimestampDifferenceExceeds(ctx->timeout_armed_at, GetCurrentTimestamp(), ctx->timeout_ms);
}

} // namespace

// Entry point of a job worker. PG regime throughout; the core is reached
// through CallCpp only.
void
pg_backfill_job_worker_main(Datum) {
	bf::JobWorkerParams params;
	memcpy(&params, MyBgworkerEntry->bgw_extra, sizeof(params));
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGINT, StatementCancelHandler);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(params.dboid, params.login_role, 0);
	char appname[NAMEDATALEN];
	snprintf(appname, sizeof(appname), "pg_backfill job " INT64_FORMAT, params.job_id);
	pgstat_report_appname(appname);
	PinSessionSettings();

	worker_cxt = AllocSetContextCreate(TopMemoryContext, "pg_backfill worker", ALLOCSET_DEFAULT_SIZES);
	batch_cxt = AllocSetContextCreate(worker_cxt, "pg_backfill batch", ALLOCSET_DEFAULT_SIZES);

	// start_backfill and resume_backfill launch the worker before they
	// commit: wait for that transaction, so the job row is final.
	bool owner_is_superuser = false;
	InOwnTransaction([&] {
		if (TransactionIdIsValid(params.creator_xid))
			XactLockTableWait(params.creator_xid, nullptr, nullptr, XLTW_None);
		owner_is_superuser = superuser_arg(params.owner);
	});
	// Two workers never run one job.
	if (!WaitForJobLock(params.job_id))
		proc_exit(0);
	// Run as the job's owner (the role that called start_backfill), outside
	// any transaction so that no abort resets it, with the captured
	// search_path: the batch statements are planned in these.
	SetCurrentRoleId(params.owner, owner_is_superuser);

	JobContext ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.job_id = params.job_id;
	ctx.owner = params.owner;
	ctx.lock_timeout_ms = bf::guc_lock_timeout_ms;
	char *search_path = nullptr;
	InOwnTransaction([&] {
		bf::JobRow row;
		if (bf::LoadJob(params.job_id, bf::JobAccess::AsExtensionOwner, false, &row))
			search_path = MemoryContextStrdup(worker_cxt, row.search_path);
	});
	if (search_path == nullptr)
		proc_exit(0); // the creating transaction rolled back
	SetConfigOption("search_path", search_path, PGC_USERSET, PGC_S_SESSION);
	int slot = StartJob(&params);
	if (slot < 0)
		proc_exit(0);

	int lock_retries = 0;
	int64 sleep_ms = 0;
	bf::StartPacing(worker_cxt);
	for (;;) {
		volatile BatchOutcome outcome = BatchOutcome::More;
		ErrorData *volatile edata = nullptr;
		int64 delay_ms = 0;
		MemoryContextReset(batch_cxt);
		ctx.range = nullptr; // was in batch_cxt
		PG_TRY();
		{
			Sleep(ctx.job_id, sleep_ms);
			CHECK_FOR_INTERRUPTS();
			ReloadConfigIfRequested();
			WaitForReplicas(ctx.job_id);
			bf::PaceBatchStarting();
			outcome = RunBatch(&ctx, &delay_ms);
			if (outcome == BatchOutcome::More)
				sleep_ms = bf::PaceAfterBatch(ctx.job_id, delay_ms);
			lock_retries = 0;
		}
		PG_CATCH();
		{
			HOLD_INTERRUPTS();
			MemoryContextSwitchTo(worker_cxt);
			edata = CopyErrorData();
			if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
				EmitErrorReport();
			AbortCurrentTransaction();
			FlushErrorState();
			debug_query_string = nullptr;
			pgstat_report_activity(STATE_IDLE, nullptr);
			RESUME_INTERRUPTS();
		}
		PG_END_TRY();

		if (edata != nullptr) {
			bool timed_out = StatementTimeoutFired(&ctx);
			DisarmStatementTimeout(&ctx);
			char sqlstate[6];
			strlcpy(sqlstate, unpack_sql_state(edata->sqlerrcode), sizeof(sqlstate));
			if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE) {
				// Roll back, count, back off, retry the same batch.
				InOwnTransaction([&] { bf::RecordLockTimeout(ctx.job_id); });
				sleep_ms = bf::CallCpp<&core::BackoffDelayMs>("retry backoff", lock_retries++,
				                                              (int64_t)bf::guc_retry_backoff_initial_ms,
				                                              (int64_t)bf::guc_retry_backoff_max_ms,
				                                              pg_prng_double(&pg_global_prng_state));
				ereport(LOG, (errmsg("backfill job " INT64_FORMAT " batch %s hit its lock timeout; retrying in "
				                     INT64_FORMAT " ms",
				                     ctx.job_id, ctx.range ? ctx.range : "", sleep_ms)));
				FreeErrorData(edata);
				continue;
			}
			bool user_cancel = edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !timed_out;
			const char *message =
			    user_cancel ? psprintf("%s (pg_cancel_backend); the job is paused", edata->message) : edata->message;
			const char *range = user_cancel ? nullptr : ctx.range;
			core::JobState state = bf::CallCpp<&core::ApplyEvent>(
			    "end job", ctx.job_id, core::JobState::Running,
			    user_cancel ? core::WorkerEvent::Interrupt : core::WorkerEvent::Fail);
			InOwnTransaction([&] { bf::RecordJobError(ctx.job_id, state, sqlstate, message, range); });
			break;
		}
		if (outcome != BatchOutcome::More)
			break;
	}

	bf::ReleaseWorkerSlot(slot);
	bf::UnlockJob(ctx.job_id);
	HandOff();
	proc_exit(0);
}
