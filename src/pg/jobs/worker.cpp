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
#include "access/genam.h"
#include "access/nbtree.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/bufmgr.h"
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

#include <cmath>

#include "core/backoff.hpp"
#include "core/job_options.hpp"
#include "core/job_phase.hpp"
#include "core/job_state.hpp"
#include "core/table_generation.hpp"
#include "pg/jobs/batch_statements.hpp"
#include "pg/jobs/cpu_yield.hpp"
#include "pg/jobs/expression.hpp"
#include "pg/boundary.hpp"
#include "pg/jobs/job_locks.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/kept_plan.hpp"
#include "pg/jobs/own_transaction.hpp"
#include "pg/jobs/finish_steps.hpp"
#include "pg/jobs/growth_writeback.hpp"
#include "pg/jobs/key_index.hpp"
#include "pg/jobs/launcher.hpp"
#include "pg/jobs/pacing.hpp"
#include "pg/jobs/replica_lag.hpp"
#include "pg/jobs/settings.hpp"
#include "pg/jobs/wal_segments.hpp"
#include "pg/jobs/worker_launch.hpp"

namespace core = pg_backfill::core;
namespace bf = pg_backfill::pg;
using bf::InOwnTransaction;

namespace {

// The kept plans of a worker, one per statement of bf::BatchStatements.
enum PlanSlot {
	kPlanEndKey,
	kPlanBound,                   // + has_lower
	kPlanUpdate = kPlanBound + 2, // + has_lower
	kPlanWalk = kPlanUpdate + 2,  // + has_lower
	kPlanKeyProbe = kPlanWalk + 2,
	kPlanKeyLock, // + skip_locked
	kPlanKeyUpdate = kPlanKeyLock + 2,
	kNumPlans
};

// Worker-lifetime facts about the job, in worker_cxt.
struct JobContext {
	int64 job_id;
	Oid owner;             // the role batches run as
	int64 lock_timeout_ms; // the job's lock_timeout as last read (bounds the wait for the job row and table)
	// The relation the batch statements address: the job's table, or, for a
	// partitioned table, the leaf partition being walked (InvalidOid: none
	// prepared yet). The job's table is followed by OID, its column by number,
	// through renames; a leaf's column is the one of the same name.
	Oid walked_relid;
	AttrNumber walked_attnum;
	Oid key_index;           // the walked relation's key index (InvalidOid with tid_walk)
	char *target_names;      // "schema.table.column.key..." the statements were built for
	bool tid_walk;           // walk by TID ranges (no key index); the key is ctid
	BlockNumber nblocks;     // the table's size in blocks, read at each batch
	double tuples_per_block; // from pg_class, to size TID-range batches
	int nkeys;
	AttrNumber *key_attnums;
	RegProcedure first_key_cmp; // the key index's btree comparison of its first column (progress estimate)
	char **key_columns;
	Oid *key_types;
	Oid *key_input_funcs;
	Oid *key_ioparams;
	Oid *key_output_funcs;
	bf::BatchStatements sql;
	SPIPlanPtr plans[kNumPlans]; // kept plans of the statements in sql
	// Walk batches left to run with SKIP LOCKED before the plain UPDATE is
	// tried again (0: the fast path), and whether the plain UPDATE is running
	// now (a lock timeout then means "a row was locked", not "retry later").
	int skip_locked_batches;
	// The length of the last SKIP LOCKED period, and the plain UPDATEs that
	// succeeded since it ended: a lock met again at once doubles the period.
	int skip_locked_period;
	int fast_batches_since_skip;
	bool in_fast_update;
	// The job table is the current version; at 0.1 walk batches wait for row
	// locks under the job's lock_timeout as before (no table for skipped keys).
	bool table_current;

	// The key range of the batch in progress, for the error report.
	char *range;
	// A finishing step is in progress: its error's DETAIL is recorded.
	bool finishing;
	// When the statement timeout of the batch in progress was armed (0: not
	// armed) and for how long.
	TimestampTz timeout_armed_at;
	int timeout_ms;
};

// Finishing: the fill is done and the job is in a finishing phase; the
// worker runs the phase's step (finish_steps.hpp) outside any transaction.
enum class BatchOutcome { More, Finished, Stopped, Finishing };

// A job whose workers ended abnormally this many times at the same
// checkpoint is failed (TimescaleDB's crash backoff plays the same role).
constexpr int kMaxWorkerStarts = 2;
// How long a new worker waits for the job lock held by another worker.
constexpr int kJobLockWaitMs = 5000;
// The lock_timeout of the fast path's plain UPDATE: a batch that meets a
// row lock waits at most this long, then rolls back and is redone with SKIP
// LOCKED.
constexpr const char *kFastPathLockTimeout = "5ms";
// Walk batches run with SKIP LOCKED after the fast path met a row lock,
// before it is tried again: kMinSkipLockedBatches, doubled (up to
// kMaxSkipLockedBatches) each time the fast path meets a lock again in its
// first batch back, so a table with few hot rows pays SKIP LOCKED's price
// for a few batches only and one with many stays with it.
constexpr int kMinSkipLockedBatches = 8;
constexpr int kMaxSkipLockedBatches = 512;
// Rows per block assumed for sizing TID-range batches of a table that was
// never analyzed (pg_class.reltuples unknown).
constexpr double kDefaultTuplesPerBlock = 50;
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
	(void)set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
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
		if (key_attnums[i] > 0)
			appendStringInfo(&buf, ".%s", NameStr(TupleDescAttr(RelationGetDescr(rel), key_attnums[i] - 1)->attname));
	return buf.data;
}

// Opens the job's relation by OID with RowExclusiveLock (waited for under
// the batch's lock_timeout and held until the batch ends, so no rename or
// swap can happen while the batch runs) and checks that its column still
// exists. ereports 42P01 or 42703 when it does not. PG regime.
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
	for (SPIPlanPtr &plan : ctx->plans) {
		if (plan != nullptr)
			SPI_freeplan(plan);
		plan = nullptr;
	}
}

// Runs statement `sql` through its kept plan in `slot` with nargs parameters
// (types and values); returns the number of rows it returned or changed, the
// rows in SPI_tuptable. Shows it in pg_stat_activity. PG regime.
uint64
RunStatement(JobContext *ctx, PlanSlot slot, const char *sql, int nargs, Oid *types, Datum *values) {
	SPIPlanPtr plan = bf::KeptPlan(&ctx->plans[slot], sql, nargs, types);
	ReportQuery(sql);
	int rc = SPI_execute_plan(plan, values, nullptr, false, 0);
	if (rc < 0)
		elog(ERROR, "pg_backfill: batch statement failed (%d): %s", rc, sql);
	return SPI_processed;
}

// Key values from their text form (a checkpoint, an end key, a skipped key)
// into values[0..nkeys-1]. PG regime.
void
KeyFromText(const JobContext *ctx, char *const *text, Datum *values) {
	int pinned = PinKeyTextSettings();
	for (int i = 0; i < ctx->nkeys; i++)
		values[i] = OidInputFunctionCall(ctx->key_input_funcs[i], text[i], ctx->key_ioparams[i], -1);
	UnpinKeyTextSettings(pinned);
}

// The key in columns first_column.. of an SPI result row as text, in
// batch_cxt; values (if not NULL) get the Datums. NULL when the key is NULL
// (the walk statement's row without skipped keys). PG regime.
char **
KeyToText(const JobContext *ctx, HeapTuple tuple, TupleDesc desc, int first_column, Datum *values) {
	char **text = (char **)MemoryContextAlloc(batch_cxt, sizeof(char *) * ctx->nkeys);
	int pinned = PinKeyTextSettings();
	for (int i = 0; i < ctx->nkeys; i++) {
		bool isnull;
		Datum d = SPI_getbinval(tuple, desc, first_column + i, &isnull);
		if (isnull) {
			UnpinKeyTextSettings(pinned);
			return nullptr;
		}
		if (values != nullptr)
			values[i] = d;
		text[i] = MemoryContextStrdup(batch_cxt, OidOutputFunctionCall(ctx->key_output_funcs[i], d));
	}
	UnpinKeyTextSettings(pinned);
	return text;
}

// Parameter types of `copies` keys in a row.
void
KeyTypes(const JobContext *ctx, int copies, Oid *types) {
	for (int c = 0; c < copies; c++)
		for (int i = 0; i < ctx->nkeys; i++)
			types[c * ctx->nkeys + i] = ctx->key_types[i];
}

// The share of a walk behind key `upper` (in the walk's first key column),
// from the column's histogram in pg_statistic: equal-frequency buckets, so
// the share of bounds at or below the key is the share of rows, whatever
// dead tuples or a stale reltuples say (the planner's page-based count
// doubles with bloat). -1 without a histogram. PG regime.
double
WalkedShare(const JobContext *ctx, Datum upper) {
	if (!RegProcedureIsValid(ctx->first_key_cmp))
		return -1;
	HeapTuple stats = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(ctx->walked_relid),
	                                  Int16GetDatum(ctx->key_attnums[0]), BoolGetDatum(false));
	if (!HeapTupleIsValid(stats))
		return -1;
	double share = -1;
	AttStatsSlot slot;
	if (get_attstatsslot(&slot, stats, STATISTIC_KIND_HISTOGRAM, InvalidOid, ATTSTATSSLOT_VALUES) && slot.nvalues > 1) {
		int below = 0;
		for (int i = 0; i < slot.nvalues; i++)
			if (DatumGetInt32(OidFunctionCall2Coll(ctx->first_key_cmp, slot.stacoll, slot.values[i], upper)) <= 0)
				below++;
		share = below <= 1 ? 0 : (double)(below - 1) / (slot.nvalues - 1);
		free_attstatsslot(&slot);
	}
	ReleaseSysCache(stats);
	return share;
}

// The job's row count estimated from its rows so far and the share of the
// walk behind it; 0 (keep the recorded estimate) below 1% walked, for a leaf
// partition (a share of one leaf says nothing of the table), or without a
// share.
int64
EstimateFromShare(const JobContext *ctx, const bf::JobRow *row, int64 rows_done, double share) {
	if (share < 0.01 || ctx->walked_relid != row->relid)
		return 0;
	return (int64)((row->rows_done + rows_done) / Min(share, 1.0));
}

// The walk's batch update with its parameters in types/values: the fast
// path (a plain UPDATE that may wait kFastPathLockTimeout for a row lock) or,
// for a while after one did, the SKIP LOCKED statement, whose
// skipped keys it records. Fills rec's rows_updated and rows_skipped. PG
// regime.
void
UpdateWalkRange(JobContext *ctx, bool has_lower, int nargs, Oid *types, Datum *values, bf::BatchRecord *rec) {
	int nkeys = ctx->nkeys;
	if (!ctx->table_current) {
		rec->rows_updated = (int64)RunStatement(ctx, (PlanSlot)(kPlanUpdate + has_lower), ctx->sql.update[has_lower],
		                                        nargs, types, values);
		return;
	}
	if (ctx->skip_locked_batches == 0) {
		(void)set_config_option("lock_timeout", kFastPathLockTimeout, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
		                        true, 0, false);
		ctx->in_fast_update = true;
		rec->rows_updated = (int64)RunStatement(ctx, (PlanSlot)(kPlanUpdate + has_lower), ctx->sql.update[has_lower],
		                                        nargs, types, values);
		ctx->in_fast_update = false;
		ctx->fast_batches_since_skip++;
		SetBatchSettings(ctx->lock_timeout_ms);
		return;
	}
	ctx->skip_locked_batches--;
	uint64 nrows = RunStatement(ctx, (PlanSlot)(kPlanWalk + has_lower), ctx->sql.walk[has_lower], nargs, types, values);
	int nskipped = 0;
	char **skipped = (char **)MemoryContextAlloc(batch_cxt, sizeof(char *) * (nrows * nkeys + 1));
	for (uint64 r = 0; r < nrows; r++) {
		char **key = KeyToText(ctx, SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, nullptr);
		if (key != nullptr)
			memcpy(skipped + (nskipped++) * nkeys, key, sizeof(char *) * nkeys);
	}
	bool isnull;
	rec->rows_updated = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	rec->rows_skipped = nskipped;
	bf::RecordSkippedKeys(ctx->job_id, nkeys, nskipped, skipped);
}

// The tid (block, 0), as a Datum.
Datum
BlockStart(BlockNumber block) {
	ItemPointer tid = (ItemPointer)palloc(sizeof(ItemPointerData));
	ItemPointerSet(tid, block, 0);
	return PointerGetDatum(tid);
}

// One walk batch of a table without a key: the blocks from the checkpoint
// on, as many as hold about batch_size rows, up to the table's size when the
// walk started (the end key), as a TID range. The checkpoint and end key are
// block numbers. Skipped rows are recorded by ctid. PG regime.
void
WalkBlocks(JobContext *ctx, const bf::JobRow *row, bool restarted, int64 batch_size, bf::BatchRecord *rec,
           bool *pass_ended) {
	BlockNumber lower = row->ncheckpoint == 1 && !restarted ? (BlockNumber)strtoul(row->checkpoint[0], nullptr, 10) : 0;
	BlockNumber end =
	    row->nend_key == 1 && !restarted ? (BlockNumber)strtoul(row->end_key[0], nullptr, 10) : ctx->nblocks;
	double blocks = Max(1.0, std::ceil((double)batch_size / Max(ctx->tuples_per_block, 1.0)));
	BlockNumber upper = (BlockNumber)Min((double)end, (double)lower + blocks);
	*pass_ended = upper >= end;
	char **checkpoint = (char **)MemoryContextAlloc(batch_cxt, sizeof(char *));
	char **end_key = (char **)MemoryContextAlloc(batch_cxt, sizeof(char *));
	checkpoint[0] = psprintf("%u", upper);
	end_key[0] = psprintf("%u", end);
	ctx->range = psprintf("blocks %u to %u", lower, upper);
	if (lower < upper) {
		Oid types[2] = {TIDOID, TIDOID};
		Datum values[2] = {BlockStart(lower), BlockStart(upper)};
		UpdateWalkRange(ctx, true, 2, types, values, rec);
		rec->rows_done = rec->rows_updated + rec->rows_skipped;
		rec->rows_estimated = EstimateFromShare(ctx, row, rec->rows_done, end > 0 ? (double)upper / end : -1);
	}
	rec->checkpoint = *pass_ended ? nullptr : checkpoint;
	rec->end_key = *pass_ended ? nullptr : end_key;
}

// One walk batch: the keys after the checkpoint up to batch_size of them
// (and never past the end key, taken at the walk's first batch), updated by
// a plain UPDATE that may wait kFastPathLockTimeout for a row lock, or, for
// a while after one did, locked with SKIP LOCKED and updated, the
// keys other transactions held locked recorded for the sweeps. Fills *rec; sets *pass_ended after the walk's last
// batch. PG regime.
void
WalkBatch(JobContext *ctx, const bf::JobRow *row, bool restarted, int64 batch_size, bf::BatchRecord *rec,
          bool *pass_ended) {
	int nkeys = ctx->nkeys;
	bool has_lower = row->ncheckpoint > 0 && !restarted;
	Oid types[2 * INDEX_MAX_KEYS + 1];
	Datum values[2 * INDEX_MAX_KEYS + 1];
	char **lower = has_lower ? row->checkpoint : nullptr;
	char **end = restarted ? nullptr : row->end_key;
	if (has_lower && row->ncheckpoint != nkeys)
		elog(ERROR, "backfill job " INT64_FORMAT " has a checkpoint of %d values for %d key columns", ctx->job_id,
		     row->ncheckpoint, nkeys);
	if (end == nullptr || row->nend_key != nkeys) {
		// The walk's first batch: its end is the largest key now.
		if (RunStatement(ctx, kPlanEndKey, ctx->sql.end_key, 0, nullptr, nullptr) == 0) {
			*pass_ended = true; // an empty table
			return;
		}
		end = KeyToText(ctx, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, nullptr);
	}
	int nlower = has_lower ? nkeys : 0;
	KeyTypes(ctx, has_lower ? 2 : 1, types);
	if (has_lower)
		KeyFromText(ctx, lower, values);
	KeyFromText(ctx, end, values + nlower);
	ctx->range = RangeText(ctx, lower, end);

	// The batch's keys: up to batch_size after the checkpoint; the last one
	// is the upper bound, fewer than batch_size make this the walk's last
	// batch, up to the end key.
	types[nlower + nkeys] = INT8OID;
	values[nlower + nkeys] = Int64GetDatum(batch_size);
	uint64 covered = RunStatement(ctx, (PlanSlot)(kPlanBound + has_lower), ctx->sql.bound[has_lower],
	                              nlower + nkeys + 1, types, values);
	char **upper = end;
	*pass_ended = (int64)covered < batch_size;
	if (!*pass_ended) {
		upper = KeyToText(ctx, SPI_tuptable->vals[covered - 1], SPI_tuptable->tupdesc, 1, values + nlower);
		ctx->range = RangeText(ctx, lower, upper);
	}

	rec->rows_done = (int64)covered;
	if (!*pass_ended)
		rec->rows_estimated = EstimateFromShare(ctx, row, rec->rows_done, WalkedShare(ctx, values[nlower]));
	UpdateWalkRange(ctx, has_lower, nlower + nkeys, types, values, rec);
	rec->checkpoint = *pass_ended ? nullptr : upper;
	rec->end_key = *pass_ended ? nullptr : end;
}

// One sweep batch over the keys the walk skipped. A skipping sweep visits up
// to batch_size of them after its cursor (the checkpoint) and leaves the ones
// still locked; the final sweep takes one key and waits for its row lock
// under lock_timeout (a timeout rolls the batch back and retries it after a
// backoff, holding no other row meanwhile). A key whose row is gone, or was
// filled, is forgotten. Fills *rec; sets *pass_ended at the end of a round.
// PG regime.
void
SweepBatch(JobContext *ctx, const bf::JobRow *row, core::JobPhase phase, int64 batch_size, bf::BatchRecord *rec,
           bool *pass_ended) {
	int nkeys = ctx->nkeys;
	bool skip = core::SkipsLockedRows(phase);
	int limit = skip ? (int)Min(batch_size, (int64)INT_MAX) : 1;
	char **keys;
	int n = bf::LoadSkippedKeys(ctx->job_id, nkeys, skip && row->ncheckpoint == nkeys ? row->checkpoint : nullptr,
	                            limit, &keys);
	Oid types[INDEX_MAX_KEYS];
	Datum values[INDEX_MAX_KEYS];
	KeyTypes(ctx, 1, types);
	for (int k = 0; k < n; k++) {
		char **key = keys + k * nkeys;
		KeyFromText(ctx, key, values);
		ctx->range = psprintf("%s = %s", KeyText(nkeys, ctx->key_columns), KeyText(nkeys, key));
		bool gone = RunStatement(ctx, kPlanKeyProbe, ctx->sql.key_probe, nkeys, types, values) == 0;
		if (!gone) {
			if (RunStatement(ctx, (PlanSlot)(kPlanKeyLock + skip), ctx->sql.key_lock[skip], nkeys, types, values) == 0)
				continue; // still locked by another transaction: the next round
			rec->rows_updated += (int64)RunStatement(ctx, kPlanKeyUpdate, ctx->sql.key_update, nkeys, types, values);
		}
		bf::ForgetSkippedKey(ctx->job_id, nkeys, key);
		rec->rows_swept++;
	}
	*pass_ended = skip ? n < limit : n == 0;
	rec->checkpoint = skip && !*pass_ended ? keys + (n - 1) * nkeys : nullptr;
	rec->sweep_ended = *pass_ended;
}

// Setup for walking relation `walked` (the job's table, or a leaf
// partition), in the batch's transaction, so that a key index dropped
// meanwhile fails the job like any batch error: its column, its key columns
// by number from key_index (or ctid with tid_walk), their types and I/O
// functions. The statements are built by BuildStatementsIfRenamed. PG regime.
void
PrepareWalked(JobContext *ctx, Relation walked, AttrNumber attnum, Oid key_index, bool tid_walk, int64 job_id) {
	MemoryContext old = MemoryContextSwitchTo(worker_cxt);
	Oid relid = RelationGetRelid(walked);
	Relation index = nullptr;
	int n = 1;
	if (!tid_walk) {
		index = try_relation_open(key_index, AccessShareLock);
		if (index == nullptr || index->rd_index == nullptr || index->rd_index->indrelid != relid)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
			                errmsg("key index with OID %u of backfill job " INT64_FORMAT " no longer exists", key_index,
			                       job_id)));
		n = index->rd_index->indnkeyatts;
		ctx->first_key_cmp = index_getprocid(index, 1, BTORDER_PROC);
	} else
		ctx->first_key_cmp = InvalidOid;
	ForgetPlans(ctx);
	ctx->target_names = nullptr;
	ctx->walked_relid = relid;
	ctx->walked_attnum = attnum;
	ctx->key_index = key_index;
	ctx->tid_walk = tid_walk;
	ctx->nkeys = n;
	ctx->key_attnums = (AttrNumber *)palloc(sizeof(AttrNumber) * n);
	ctx->key_columns = (char **)palloc0(sizeof(char *) * n);
	ctx->key_types = (Oid *)palloc(sizeof(Oid) * n);
	ctx->key_input_funcs = (Oid *)palloc(sizeof(Oid) * n);
	ctx->key_ioparams = (Oid *)palloc(sizeof(Oid) * n);
	ctx->key_output_funcs = (Oid *)palloc(sizeof(Oid) * n);
	for (int i = 0; i < n; i++) {
		ctx->key_attnums[i] = tid_walk ? SelfItemPointerAttributeNumber : index->rd_index->indkey.values[i];
		ctx->key_types[i] = tid_walk ? TIDOID : get_atttype(relid, ctx->key_attnums[i]);
		bool varlena;
		getTypeInputInfo(ctx->key_types[i], &ctx->key_input_funcs[i], &ctx->key_ioparams[i]);
		getTypeOutputInfo(ctx->key_types[i], &ctx->key_output_funcs[i], &varlena);
	}
	if (index != nullptr)
		relation_close(index, AccessShareLock);
	MemoryContextSwitchTo(old);
}

// The leaf partition of partitioned table `parent` that the walk is in: the
// job's current one if it is still a leaf of the table, else the leaf with
// the smallest OID not yet done (a partition attached meanwhile is walked
// too, a detached one is left). InvalidOid when every leaf is done; *switched
// says the walk moves to a new leaf. PG regime.
Oid
CurrentLeaf(Relation parent, const bf::JobRow *row, bool *switched) {
	List *relids = find_all_inheritors(RelationGetRelid(parent), NoLock, nullptr);
	Oid next = InvalidOid;
	ListCell *lc;
	foreach (lc, relids) {
		Oid leaf = lfirst_oid(lc);
		if (get_rel_relkind(leaf) != RELKIND_RELATION)
			continue;
		if (leaf == row->partition) {
			*switched = false;
			return leaf;
		}
		bool done = false;
		for (int i = 0; i < row->npartitions_done && !done; i++)
			done = row->partitions_done[i] == leaf;
		if (!done && (!OidIsValid(next) || leaf < next))
			next = leaf;
	}
	*switched = true;
	return next;
}

// Opens the relation this batch walks and prepares it when it changed: the
// job's table itself, or for a partitioned table (with a current job table)
// the leaf CurrentLeaf picks, with its own key index, or TID ranges when it
// has none. Returns nullptr when every leaf is done. *row is reset to the
// start of a walk when the walk moves to a new leaf. PG regime.
Relation
OpenWalked(JobContext *ctx, Relation rel, bf::JobRow *row) {
	if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE || !ctx->table_current) {
		if (ctx->walked_relid != RelationGetRelid(rel))
			PrepareWalked(ctx, rel, row->attnum, row->key_index, row->tid_walk, row->job_id);
		return rel;
	}
	bool switched;
	Oid leaf = CurrentLeaf(rel, row, &switched);
	if (!OidIsValid(leaf))
		return nullptr;
	if (switched) {
		row->partition = leaf;
		row->ncheckpoint = 0;
		row->nend_key = 0;
		row->phase = core::JobPhase::Walk;
		row->has_table_generation = false;
	}
	Relation walked = relation_open(leaf, RowExclusiveLock);
	if (ctx->walked_relid != leaf) {
		AttrNumber attnum = get_attnum(leaf, NameStr(TupleDescAttr(RelationGetDescr(rel), row->attnum - 1)->attname));
		bf::KeyChoice key;
		bool tid_walk = row->tid_walk || !bf::ChooseKeyIndex(walked, &key);
		PrepareWalked(ctx, walked, attnum, tid_walk ? InvalidOid : key.index, tid_walk, row->job_id);
	}
	return walked;
}

// (Re)builds the batch statements when the target's names differ from the
// ones they were built for: the job follows its relation by OID and its
// columns by number through renames, and never runs a statement naming
// another relation or column. PG regime.
void
BuildStatementsIfRenamed(JobContext *ctx, Relation rel, const bf::JobRow *row) {
	char *names = TargetNames(rel, ctx->walked_attnum, ctx->nkeys, ctx->key_attnums);
	if (ctx->target_names != nullptr && strcmp(names, ctx->target_names) == 0)
		return;
	MemoryContext old = MemoryContextSwitchTo(worker_cxt);
	if (ctx->target_names != nullptr)
		ereport(LOG,
		        (errmsg("backfill job " INT64_FORMAT " follows its relation or column to its new name", ctx->job_id),
		         errdetail("Was %s, is %s.", ctx->target_names, names)));
	ForgetPlans(ctx);
	ctx->target_names = pstrdup(names);
	TupleDesc desc = RelationGetDescr(rel);
	for (int i = 0; i < ctx->nkeys; i++)
		ctx->key_columns[i] =
		    pstrdup(ctx->tid_walk ? "ctid" : NameStr(TupleDescAttr(desc, ctx->key_attnums[i] - 1)->attname));
	bf::BuildBatchStatements(rel, ctx->key_index, ctx->tid_walk, ctx->nkeys, ctx->key_columns,
	                         NameStr(TupleDescAttr(desc, ctx->walked_attnum - 1)->attname), row->expression_sql,
	                         row->only_null, &ctx->sql);
	MemoryContextSwitchTo(old);
}

// The fill is done (rec is its last batch's record): the job goes on to its
// first finishing phase, or, without finishing steps, succeeds (*finished,
// rec->final_state). The steps are read again with the job row locked until
// the batch commits: a finish_backfill that committed since the batch read
// the row is seen, one still running waits for the batch.
void
EndFill(const JobContext *ctx, const bf::JobRow *row, bf::BatchRecord *rec, core::JobState *finished) {
	bf::JobRow locked;
	if (!bf::LoadJob(ctx->job_id, bf::JobAccess::AsExtensionOwner, true, &locked))
		locked = *row;
	std::optional<core::JobPhase> first = core::FirstFinishingPhase(bf::PlanOf(&locked.finish));
	if (first) {
		rec->phase = *first;
		return;
	}
	*finished = bf::CallCpp<&core::ApplyEvent>("finish job", ctx->job_id, row->state, core::WorkerEvent::Finish);
	rec->final_state = finished;
}

// One batch in its own transaction: read the job row, lock the table (both
// under lock_timeout), run a walk or sweep batch as the job's owner in a
// security-restricted operation, start the writeback of the blocks the
// table and its indexes grew by (growth_writeback.hpp), and record the
// checkpoint and counters in the same transaction. The job row is not
// locked while the batch works, so pause and cancel never wait for a batch.
// *delay_ms gets the pause before the next batch. PG regime: errors
// propagate to the caller's PG_CATCH.
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
	if (core::IsFinishingPhase(row.phase)) {
		PopActiveSnapshot();
		CommitTransactionCommand();
		return BatchOutcome::Finishing;
	}
	ctx->table_current = bf::JobTableIsCurrent();
	core::EffectiveJobOptions options = core::ResolveJobOptions(row.options, bf::CurrentJobOptionSettings());
	int64 batch_size = bf::PacedBatchSize(options); // the controller's, at most options.batch_size
	*delay_ms = options.batch_delay_ms;
	ctx->lock_timeout_ms = options.lock_timeout_ms;
	SetBatchSettings(options.lock_timeout_ms);

	Relation rel = OpenTarget(ctx, &row);
	// The wait for the table lock may have outlasted a pause or cancel: the
	// batch starts only if the job, as committed now, is still running.
	bf::JobRow now;
	if (!bf::LoadJob(ctx->job_id, bf::JobAccess::AsExtensionOwner, false, &now) ||
	    now.state != core::JobState::Running) {
		relation_close(rel, NoLock);
		PopActiveSnapshot();
		CommitTransactionCommand();
		return BatchOutcome::Stopped;
	}
	Relation walked = OpenWalked(ctx, rel, &row);
	if (walked == nullptr) {
		// Every leaf partition is done: the fill is.
		core::JobState finished;
		bf::BatchRecord rec;
		memset(&rec, 0, sizeof(rec));
		rec.phase = core::JobPhase::Walk;
		EndFill(ctx, &row, &rec, &finished);
		bf::RecordBatch(ctx->job_id, &rec);
		relation_close(rel, NoLock);
		PopActiveSnapshot();
		CommitTransactionCommand();
		return rec.final_state != nullptr ? BatchOutcome::Finished : BatchOutcome::More;
	}
	BuildStatementsIfRenamed(ctx, walked, &row);
	bf::RelationSizes sizes;
	bf::NoteRelationSizes(walked, &sizes);
	// TRUNCATE, a rewrite, ATTACH or DETACH PARTITION since the checkpoint
	// was written can put rows behind it: walk the table again from the
	// start (with only_null, the rows already filled cost a read only).
	int64 generation = CurrentTableGeneration(walked);
	ctx->nblocks = ctx->tid_walk ? sizes.nblocks[0] : 0; // the table's size, just read
	ctx->tuples_per_block = walked->rd_rel->relpages > 0 && walked->rd_rel->reltuples > 0
	                            ? walked->rd_rel->reltuples / walked->rd_rel->relpages
	                            : kDefaultTuplesPerBlock;
	if (walked != rel)
		relation_close(walked, NoLock);
	relation_close(rel, NoLock);
	bool restarted = row.has_table_generation && row.table_generation != generation;
	if (restarted)
		ereport(LOG, (errmsg("backfill job " INT64_FORMAT " starts its walk over: its table was truncated, "
		                     "rewritten, or had a partition attached or detached",
		                     ctx->job_id)));
	core::JobPhase phase = restarted ? core::JobPhase::Walk : row.phase;

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
	bf::BatchRecord rec;
	memset(&rec, 0, sizeof(rec));
	rec.nkeys = ctx->nkeys;
	rec.phase = phase;
	rec.table_generation = generation;
	rec.restarted = restarted;
	rec.partition = ctx->walked_relid != row.relid ? ctx->walked_relid : InvalidOid;
	bool pass_ended = false;
	if (phase == core::JobPhase::Walk && ctx->tid_walk)
		WalkBlocks(ctx, &row, restarted, batch_size, &rec, &pass_ended);
	else if (phase == core::JobPhase::Walk)
		WalkBatch(ctx, &row, restarted, batch_size, &rec, &pass_ended);
	else
		SweepBatch(ctx, &row, phase, batch_size, &rec, &pass_ended);
	SetUserIdAndSecContext(saved_user, saved_sec_context);
	bf::WriteBackGrowth(&sizes);

	// After a pass: sweep what is still skipped, or finish.
	core::JobState finished = core::JobState::Succeeded;
	if (pass_ended) {
		int sweeps = row.sweeps + (rec.sweep_ended ? 1 : 0);
		std::optional<core::JobPhase> next = core::PhaseAfterPass(phase, bf::CountSkippedKeys(ctx->job_id), sweeps);
		if (!next && OidIsValid(rec.partition)) {
			// This leaf is done; the next batch moves to the next one.
			rec.partition_done = true;
			rec.phase = core::JobPhase::Walk;
		} else if (next) {
			rec.phase = *next;
			// Give the transactions that held the skipped rows time to end.
			*delay_ms = Max(*delay_ms,
			                core::BackoffDelayMs(sweeps, bf::guc_retry_backoff_initial_ms, bf::guc_retry_backoff_max_ms,
			                                     pg_prng_double(&pg_global_prng_state)));
		} else
			EndFill(ctx, &row, &rec, &finished);
	}
	bf::RecordBatch(ctx->job_id, &rec);
	SPI_finish();
	DisarmStatementTimeout(ctx);
	PopActiveSnapshot();
	CommitTransactionCommand();
	debug_query_string = nullptr;
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, nullptr);
	return rec.final_state != nullptr ? BatchOutcome::Finished : BatchOutcome::More;
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
		if (!bf::LoadJob(params->job_id, bf::JobAccess::AsExtensionOwner, true, &row) || !core::WantsWorker(row.state))
			return;
		if (row.worker_starts >= kMaxWorkerStarts) {
			const char *at = row.phase != core::JobPhase::Walk ? psprintf("in its %s", core::PhaseName(row.phase))
			                 : row.ncheckpoint > 0
			                     ? psprintf("in its walk after key %s", KeyText(row.ncheckpoint, row.checkpoint))
			                     : pstrdup("in its walk at the start of the table");
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
		running =
		    bf::LoadJob(job_id, bf::JobAccess::AsExtensionOwner, false, &row) && row.state == core::JobState::Running;
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
	bf::StartEvictionWriteback();

	worker_cxt = AllocSetContextCreate(TopMemoryContext, "pg_backfill worker", ALLOCSET_DEFAULT_SIZES);
	batch_cxt = AllocSetContextCreate(worker_cxt, "pg_backfill batch", ALLOCSET_DEFAULT_SIZES);

	// Workers are registered once the transaction that queued the job
	// committed (commit_launch.cpp), so the job row is final.
	bool owner_is_superuser = false;
	InOwnTransaction([&] { owner_is_superuser = superuser_arg(params.owner); });
	// Two workers never run one job.
	if (!WaitForJobLock(params.job_id))
		proc_exit(0);
	// Run as the job's owner (the role that called start_backfill), outside
	// any transaction so that no abort resets it, with search_path =
	// pg_catalog, pg_temp (not the one start_backfill recorded): the batch
	// statements are planned in these, and name nothing else unqualified.
	SetCurrentRoleId(params.owner, owner_is_superuser);

	JobContext ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.job_id = params.job_id;
	ctx.owner = params.owner;
	ctx.lock_timeout_ms = bf::guc_lock_timeout_ms;
	SetConfigOption("search_path", bf::kJobSearchPath, PGC_USERSET, PGC_S_SESSION);
	int slot = StartJob(&params);
	if (slot < 0)
		proc_exit(0);

	int lock_retries = 0;
	int64 sleep_ms = bf::StartPacing(worker_cxt);
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
			bf::CreateWalSegmentsAhead();
			bf::PaceBatchStarting();
			outcome = RunBatch(&ctx, &delay_ms); // may arm the CPU yield (PacedBatchSize)
			bf::StopCpuYield();
			if (outcome == BatchOutcome::Finishing) {
				ctx.finishing = true;
				outcome = bf::RunFinishingStep(ctx.job_id, batch_cxt) ? BatchOutcome::More : BatchOutcome::Finished;
				ctx.finishing = false;
				sleep_ms = 0;
			} else if (outcome == BatchOutcome::More)
				sleep_ms = bf::PaceAfterBatch(ctx.job_id, delay_ms);
			lock_retries = 0;
		}
		PG_CATCH();
		{
			HOLD_INTERRUPTS();
			bf::StopCpuYield();
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
			if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE && ctx.in_fast_update) {
				// The plain UPDATE met a row lock: redo the batch at once
				// with SKIP LOCKED, and stay with it for a while.
				ctx.in_fast_update = false;
				ctx.skip_locked_period =
				    ctx.fast_batches_since_skip == 0
				        ? Min(Max(ctx.skip_locked_period * 2, kMinSkipLockedBatches), kMaxSkipLockedBatches)
				        : kMinSkipLockedBatches;
				ctx.skip_locked_batches = ctx.skip_locked_period;
				ctx.fast_batches_since_skip = 0;
				sleep_ms = 0;
				FreeErrorData(edata);
				continue;
			}
			if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE) {
				// Roll back, count, back off, retry the same batch.
				InOwnTransaction([&] { bf::RecordLockTimeout(ctx.job_id); });
				sleep_ms = bf::CallCpp<&core::BackoffDelayMs>(
				    "retry backoff", lock_retries++, (int64_t)bf::guc_retry_backoff_initial_ms,
				    (int64_t)bf::guc_retry_backoff_max_ms, pg_prng_double(&pg_global_prng_state));
				ereport(LOG, (errmsg("backfill job " INT64_FORMAT
				                     " %s %s hit its lock timeout; retrying in " INT64_FORMAT " ms",
				                     ctx.job_id, ctx.finishing ? "finishing step" : "batch", ctx.range ? ctx.range : "",
				                     sleep_ms)));
				ctx.finishing = false;
				FreeErrorData(edata);
				continue;
			}
			bool user_cancel = edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !timed_out;
			const char *message =
			    user_cancel ? psprintf("%s (pg_cancel_backend); the job is paused", edata->message) : edata->message;
			// A finishing step's DETAIL (e.g. the key of a row a VALIDATE
			// found NULL) is recorded where a batch records its key range.
			const char *range = user_cancel ? nullptr : ctx.finishing ? edata->detail : ctx.range;
			ctx.finishing = false;
			core::JobState state =
			    bf::CallCpp<&core::ApplyEvent>("end job", ctx.job_id, core::JobState::Running,
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
