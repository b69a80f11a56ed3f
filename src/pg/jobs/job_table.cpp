#include "pg/jobs/job_table.hpp"

#include "pg/jobs/kept_plan.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/rel.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "access/genam.h"
#include "commands/dbcommands.h"
}

namespace pg_backfill::pg {

namespace {

// The columns LoadJob reads, in the order of kSelectJob's select list.
enum SelectedColumn {
	kColJobId = 1,
	kColRelid,
	kColAttnum,
	kColColumnName,
	kColExpressionSql,
	kColKeyIndex,
	kColKeyColumns,
	kColOnlyNull,
	kColBatchSize,
	kColLockTimeout,
	kColBatchDelay,
	kColState,
	kColOwner,
	kColLoginRole,
	kColSearchPath,
	kColCheckpoint,
	kColRowsDone,
	kColRowsEstimated,
	kColWorkerPid,
	kColXmin,
	kColStartedAt,
	kColUpdatedAt,
	kColLastErrorSqlstate,
	kColLastErrorMessage,
	kColFailedKeyRange,
	// Added in 0.2 (kSelect02).
	kColStrategy,
	kColEndKey,
	kColPhase,
	kColSweeps,
	kColTableGeneration,
	kColWorkerStarts,
	kColPartition,
	kColPartitionsDone,
	kColPace,
	kColTargetLatencyRatio,
	kColFinishDefault,
	kColFinishNotNullCheck,
	kColFinishCheck,
	kColFinishCheckName,
	kColFinishForeignKey,
	kColFinishForeignKeyColumn,
	kColFinishForeignKeyName,
	kColFinishIndex,
	kColFinishIndexUnique,
	kColFinishDropSync,
	kColCtid,
};

// %s: the columns 0.2 added (kSelect02), or their defaults at 0.1; then ""
// or kAtSeenVersion.
constexpr const char *kSelectJob =
    "SELECT job_id, relid, attnum, column_name, expression_sql, key_index, key_columns, only_null,"
    " batch_size, lock_timeout, batch_delay, state, owner, login_role, search_path, checkpoint, rows_done,"
    " rows_estimated, worker_pid, xmin, started_at, updated_at, last_error_sqlstate, last_error_message,"
    " failed_key_range, %s, ctid"
    " FROM backfill.jobs WHERE job_id = $1%s";
constexpr const char *kSelect02 =
    "strategy, end_key, phase, sweeps, table_generation, worker_starts, partition, partitions_done, pace,"
    " target_latency_ratio, finish_default, finish_not_null_check, finish_check, finish_check_name,"
    " finish_foreign_key, finish_foreign_key_column, finish_foreign_key_name, finish_index, finish_index_unique,"
    " finish_drop_sync";
constexpr const char *kSelect02Defaults =
    "'key', NULL::text[], 'walk', 0, NULL::bigint, 0, NULL::oid, '{}'::oid[], NULL::text,"
    " NULL::float8, NULL::text, NULL::name, NULL::text, NULL::name, NULL::oid, NULL::int2, NULL::name, NULL::name,"
    " false, false";

// Where this process last saw the current version of a job's row (its ctid).
// The worker reads and updates its job row several times a batch; through
// the key index every access visits every version of the row still in the
// table, and while something holds back the xmin horizon (a wait_backfill's
// statement, any long transaction) none can be pruned: one more per batch,
// so each batch would cost more than the one before. The worker's accesses
// go straight to the version last seen (a TID scan, kAtSeenVersion, the job
// id still checked); when another session has updated the row since, or that
// version is gone, the key index finds the current one.
struct SeenVersion {
	int64 job_id = 0;
	ItemPointerData tid;
};
SeenVersion seen;

// The qual added to a statement "... WHERE job_id = $1" with $n the seen ctid.
constexpr const char *kAtSeenVersion = " AND ctid = $%d";

bool
SeenTid(int64 job_id, ItemPointer tid) {
	if (seen.job_id != job_id)
		return false;
	ItemPointerCopy(&seen.tid, tid);
	return true;
}

// Remembers column `col` (a tid) of an SPI result row as job_id's current version.
void
RememberTid(int64 job_id, HeapTuple tuple, TupleDesc desc, int col) {
	bool isnull;
	Datum d = SPI_getbinval(tuple, desc, col, &isnull);
	if (isnull)
		return;
	seen.job_id = job_id;
	ItemPointerCopy((ItemPointer)DatumGetPointer(d), &seen.tid);
}

// The parameters of InsertJob's statement, $1 first.
enum InsertParam {
	kInsRelid,
	kInsColumnName,
	kInsAttnum,
	kInsExpression,
	kInsExpressionSql,
	kInsKeyIndex,
	kInsKeyColumns,
	kInsOnlyNull,
	kInsBatchSize,
	kInsLockTimeout,
	kInsBatchDelay,
	kInsOwner,
	kInsLoginRole,
	kInsSearchPath,
	kInsRowsEstimated,
	kInsStrategy,
	kInsCount
};

constexpr const char *kInsertJob =
    "INSERT INTO backfill.jobs (relid, column_name, attnum, expression, expression_sql, key_index,"
    " key_columns, only_null, batch_size, lock_timeout, batch_delay, owner, login_role, search_path,"
    " rows_estimated%s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15%s)"
    " RETURNING job_id";

// The role that owns the pg_backfill extension (a superuser, since the
// extension is superuser-only), from one scan of pg_extension by name.
// ereports 42704 if the extension is missing.
Oid
ExtensionOwner() {
	Relation rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("pg_backfill"));
	SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
	HeapTuple tuple = systable_getnext(scan);
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("extension \"%s\" does not exist", "pg_backfill")));
	Oid owner = ((Form_pg_extension)GETSTRUCT(tuple))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

// ---------------------------------------------------------------------------
// The version of backfill.jobs in this database. A new library meets
// databases whose extension is still at an older version until ALTER
// EXTENSION pg_backfill UPDATE runs in each; there the statements below read
// the columns added since as their defaults and do not write them (a
// conditional per statement, on the version InstalledJobTable returns, and
// their kept plans one per version). A later schema change adds its version
// here, its upgrade script, and a step to test/t/008_upgrade.pl.

// Versions of the job table, oldest first; the last is the one this library
// creates. Every later extension version gets an entry, also one that
// leaves the table as it was (a version not listed counts as the newest).
enum JobTableVersion { kJobTable01, kJobTable02, kJobTableVersions };
constexpr const char *kJobTableVersionNames[kJobTableVersions] = {"0.1", "0.2"};

// The job table version of this database, from pg_extension.extversion,
// read once per transaction (an ALTER EXTENSION committed meanwhile is seen
// by the next transaction: the older statements only write fewer columns,
// so running them on a newer table is harmless). A version this library
// does not know, or no extension, counts as the newest. At an older version
// the first call of the process says so in the server log.
JobTableVersion
InstalledJobTable() {
	static LocalTransactionId read_in = InvalidLocalTransactionId;
	static JobTableVersion version = JobTableVersion(kJobTableVersions - 1);
	static bool logged = false;
	if (MyProc->lxid == read_in)
		return version;
	version = JobTableVersion(kJobTableVersions - 1);
	Relation rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("pg_backfill"));
	SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
	HeapTuple tuple = systable_getnext(scan);
	bool isnull = true;
	Datum extversion = (Datum)0;
	if (HeapTupleIsValid(tuple))
		extversion = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
	if (!isnull) {
		char *name = TextDatumGetCString(extversion);
		for (int v = 0; v < kJobTableVersions; v++)
			if (strcmp(name, kJobTableVersionNames[v]) == 0)
				version = JobTableVersion(v);
		pfree(name);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	read_in = MyProc->lxid;
	if (version < kJobTableVersions - 1 && !logged) {
		logged = true;
		const char *db = get_database_name(MyDatabaseId);
		ereport(LOG, (errmsg("pg_backfill: extension pg_backfill in database \"%s\" is at version %s, its library "
		                     "at %s",
		                     db, kJobTableVersionNames[version], kJobTableVersionNames[kJobTableVersions - 1]),
		              errdetail("Jobs run, without what needs the newer job table: a job whose worker keeps "
		                        "ending abnormally is restarted without limit, and a job does not notice that "
		                        "its table was truncated or rewritten behind its checkpoint."),
		              errhint("Run ALTER EXTENSION pg_backfill UPDATE in database \"%s\".", db)));
	}
	return version;
}

// The part of a statement that needs the job table of version `since`:
// `fragment` when the installed `version` is `since` or later, else `older`
// (the defaults it reads instead, or nothing: the columns are not written).
const char *
Since(JobTableVersion since, JobTableVersion version, const char *fragment, const char *older = "") {
	return version >= since ? fragment : older;
}

// Saved state of an access scope.
struct AccessScope {
	Oid saved_user;
	int saved_sec_context;
	int guc_nest_level;
	MemoryContext caller_cxt;
};

// Switches to the extension owner (AsExtensionOwner), pins search_path to
// pg_catalog, pg_temp and connects to SPI. An error before LeaveScope is
// cleaned up by the transaction abort, which restores the user and the GUCs.
void
EnterScope(JobAccess access, AccessScope *scope) {
	scope->caller_cxt = CurrentMemoryContext;
	GetUserIdAndSecContext(&scope->saved_user, &scope->saved_sec_context);
	if (access == JobAccess::AsExtensionOwner)
		SetUserIdAndSecContext(ExtensionOwner(), scope->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	scope->guc_nest_level = NewGUCNestLevel();
	(void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
	                        false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

// Undoes EnterScope: disconnects SPI, restores search_path and the user.
void
LeaveScope(AccessScope *scope) {
	SPI_finish();
	AtEOXact_GUC(true, scope->guc_nest_level);
	SetUserIdAndSecContext(scope->saved_user, scope->saved_sec_context);
}

// Runs a statement with parameters through a plan prepared on first use and
// kept for the session in *plan (the worker runs these for every batch);
// ereports unless it returns `expected`.
void
Execute(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls, int expected) {
	int rc = SPI_execute_plan(KeptPlan(plan, sql, nargs, types), values, nulls, false, 0);
	if (rc != expected)
		elog(ERROR, "pg_backfill: SPI_execute failed (%d): %s", rc, sql);
}

// Copies a text/name column into `cxt`; NULL for SQL NULL.
char *
CopyColumn(HeapTuple tuple, TupleDesc desc, int col, MemoryContext cxt) {
	char *value = SPI_getvalue(tuple, desc, col);
	return value == nullptr ? nullptr : MemoryContextStrdup(cxt, value);
}

// Copies a name[] or text[] column into `cxt` as C strings; returns the count.
int
CopyStringArray(HeapTuple tuple, TupleDesc desc, int col, MemoryContext cxt, char ***out) {
	bool isnull;
	Datum d = SPI_getbinval(tuple, desc, col, &isnull);
	*out = nullptr;
	if (isnull)
		return 0;
	ArrayType *array = DatumGetArrayTypeP(d);
	Oid elemtype = ARR_ELEMTYPE(array);
	int16 typlen;
	bool typbyval;
	char typalign;
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	Datum *elems;
	bool *elem_nulls;
	int n;
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems, &elem_nulls, &n);
	char **strings = (char **)MemoryContextAlloc(cxt, sizeof(char *) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++) {
		if (elem_nulls[i])
			elog(ERROR, "pg_backfill: unexpected NULL in a job's key or checkpoint");
		const char *s = elemtype == NAMEOID ? NameStr(*DatumGetName(elems[i])) : TextDatumGetCString(elems[i]);
		strings[i] = MemoryContextStrdup(cxt, s);
	}
	*out = strings;
	return n;
}

// Copies an oid[] column into `cxt`; returns the count.
int
CopyOidArray(HeapTuple tuple, TupleDesc desc, int col, MemoryContext cxt, Oid **out) {
	bool isnull;
	Datum d = SPI_getbinval(tuple, desc, col, &isnull);
	*out = nullptr;
	if (isnull)
		return 0;
	Datum *elems;
	bool *elem_nulls;
	int n;
	deconstruct_array(DatumGetArrayTypeP(d), OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &elem_nulls, &n);
	Oid *oids = (Oid *)MemoryContextAlloc(cxt, sizeof(Oid) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
		oids[i] = DatumGetObjectId(elems[i]);
	*out = oids;
	return n;
}

// Column `col` of an SPI result as an integer (intervals as milliseconds,
// booleans as 0/1); if_null for SQL NULL.
int64
GetInt64(HeapTuple tuple, TupleDesc desc, int col, int64 if_null) {
	bool isnull;
	Datum d = SPI_getbinval(tuple, desc, col, &isnull);
	if (isnull)
		return if_null;
	switch (SPI_gettypeid(desc, col)) {
	case BOOLOID:
		return DatumGetBool(d) ? 1 : 0;
	case INT2OID:
		return DatumGetInt16(d);
	case INT4OID:
		return DatumGetInt32(d);
	case INTERVALOID:
		return IntervalToMs(DatumGetIntervalP(d));
	case OIDOID:
		return DatumGetObjectId(d);
	case XIDOID:
		return DatumGetTransactionId(d);
	default:
		return DatumGetInt64(d);
	}
}

// Column `col` as GetInt64 reads it; nullopt for SQL NULL.
std::optional<int64_t>
GetOptionalInt64(HeapTuple tuple, TupleDesc desc, int col) {
	bool isnull;
	(void)SPI_getbinval(tuple, desc, col, &isnull);
	if (isnull)
		return std::nullopt;
	return GetInt64(tuple, desc, col, 0);
}

// The interval Datum of a number of milliseconds.
Datum
IntervalFromMs(int64 ms) {
	Interval *interval = (Interval *)palloc0(sizeof(Interval));
	interval->time = ms * 1000;
	return IntervalPGetDatum(interval);
}

// The text[] Datum of n C strings.
Datum
TextArray(int n, const char *const *strings) {
	Datum *elems = (Datum *)palloc(sizeof(Datum) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(strings[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

// The name Datum of a C string (truncated to NAMEDATALEN - 1 bytes).
Datum
NameDatum(const char *string) {
	Name name = (Name)palloc0(NAMEDATALEN);
	namestrcpy(name, string);
	return NameGetDatum(name);
}

// The name[] Datum of n C strings.
Datum
NameArray(int n, const char *const *strings) {
	Datum *elems = (Datum *)palloc(sizeof(Datum) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
		elems[i] = NameDatum(strings[i]);
	return PointerGetDatum(construct_array(elems, n, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR));
}

// The plans of one UPDATE of a job row: through the key index, and at the
// version last seen.
struct JobUpdatePlans {
	SPIPlanPtr by_key = nullptr;
	SPIPlanPtr at_seen = nullptr;
};

// Runs `sql`, an UPDATE of one job row ending "WHERE job_id = $1", as the
// extension owner: at the version this process last saw (SeenVersion) when
// that is still the current one, else through the key index; remembers the
// version it wrote.
void
UpdateJob(JobUpdatePlans *plans, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls) {
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	int64 job_id = DatumGetInt64(values[0]);
	ItemPointerData tid;
	bool updated = false;
	if (SeenTid(job_id, &tid)) {
		Oid *at_types = (Oid *)palloc(sizeof(Oid) * (nargs + 1));
		Datum *at_values = (Datum *)palloc(sizeof(Datum) * (nargs + 1));
		char *at_nulls = (char *)palloc(nargs + 2);
		memcpy(at_types, types, sizeof(Oid) * nargs);
		memcpy(at_values, values, sizeof(Datum) * nargs);
		memset(at_nulls, ' ', nargs + 1);
		at_nulls[nargs + 1] = '\0';
		if (nulls != nullptr)
			memcpy(at_nulls, nulls, nargs);
		at_types[nargs] = TIDOID;
		at_values[nargs] = PointerGetDatum(&tid);
		const char *at_seen = psprintf("%s%s RETURNING ctid", sql, psprintf(kAtSeenVersion, nargs + 1));
		Execute(&plans->at_seen, at_seen, nargs + 1, at_types, at_values, at_nulls, SPI_OK_UPDATE_RETURNING);
		updated = SPI_processed > 0;
	}
	if (!updated)
		Execute(&plans->by_key, psprintf("%s RETURNING ctid", sql), nargs, types, values, nulls,
		        SPI_OK_UPDATE_RETURNING);
	if (SPI_processed > 0)
		RememberTid(job_id, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	LeaveScope(&scope);
}

} // namespace

bool
JobTableIsCurrent() {
	return InstalledJobTable() == kJobTableVersions - 1;
}

Oid
JobTableWriter() {
	return ExtensionOwner();
}

int64
IntervalToMs(const Interval *interval) {
	int64 days = (int64)interval->month * DAYS_PER_MONTH + interval->day;
	int64 day_ms;
	int64 ms;
	if (pg_mul_s64_overflow(days, USECS_PER_DAY / 1000, &day_ms))
		return days < 0 ? PG_INT64_MIN : PG_INT64_MAX;
	if (pg_add_s64_overflow(day_ms, interval->time / 1000, &ms))
		return day_ms < 0 ? PG_INT64_MIN : PG_INT64_MAX;
	return ms;
}

bool
LoadJob(int64 job_id, JobAccess access, bool for_update, JobRow *row) {
	AccessScope scope;
	EnterScope(access, &scope);
	ItemPointerData tid;
	Oid types[2] = {INT8OID, TIDOID};
	Datum values[2] = {Int64GetDatum(job_id), PointerGetDatum(&tid)};
	JobTableVersion version = InstalledJobTable();
	static SPIPlanPtr plans[2][2][kJobTableVersions]; // [at the seen version][for_update]
	bool found = false;
	// At the version seen last; if that is no longer the current one, through the key index.
	for (int at_seen = SeenTid(job_id, &tid) ? 1 : 0; at_seen >= 0 && !found; at_seen--) {
		const char *sql = psprintf(kSelectJob, Since(kJobTable02, version, kSelect02, kSelect02Defaults),
		                           at_seen ? psprintf(kAtSeenVersion, 2) : "");
		if (for_update)
			sql = psprintf("%s FOR UPDATE", sql);
		Execute(&plans[at_seen][for_update][version], sql, 1 + at_seen, types, values, nullptr, SPI_OK_SELECT);
		found = SPI_processed > 0;
	}
	if (found) {
		MemoryContext cxt = scope.caller_cxt;
		HeapTuple t = SPI_tuptable->vals[0];
		TupleDesc d = SPI_tuptable->tupdesc;
		row->job_id = GetInt64(t, d, kColJobId, 0);
		row->relid = (Oid)GetInt64(t, d, kColRelid, 0);
		row->attnum = (AttrNumber)GetInt64(t, d, kColAttnum, 0);
		row->column_name = CopyColumn(t, d, kColColumnName, cxt);
		row->expression_sql = CopyColumn(t, d, kColExpressionSql, cxt);
		row->key_index = (Oid)GetInt64(t, d, kColKeyIndex, 0);
		row->nkeys = CopyStringArray(t, d, kColKeyColumns, cxt, &row->key_columns);
		row->tid_walk = strcmp(CopyColumn(t, d, kColStrategy, cxt), "tid") == 0;
		row->only_null = GetInt64(t, d, kColOnlyNull, 0) != 0;
		std::optional<int64_t> batch_size = GetOptionalInt64(t, d, kColBatchSize);
		row->options.batch_size = batch_size ? std::optional<int32_t>((int32_t)*batch_size) : std::optional<int32_t>();
		row->options.lock_timeout_ms = GetOptionalInt64(t, d, kColLockTimeout);
		row->options.batch_delay_ms = GetOptionalInt64(t, d, kColBatchDelay);
		char *state = CopyColumn(t, d, kColState, cxt);
		std::optional<core::JobState> parsed = core::ParseState(state);
		if (!parsed)
			elog(ERROR, "backfill job " INT64_FORMAT " has an unknown state \"%s\"", job_id, state);
		row->state = *parsed;
		row->owner = (Oid)GetInt64(t, d, kColOwner, 0);
		row->login_role = (Oid)GetInt64(t, d, kColLoginRole, 0);
		row->search_path = CopyColumn(t, d, kColSearchPath, cxt);
		row->ncheckpoint = CopyStringArray(t, d, kColCheckpoint, cxt, &row->checkpoint);
		row->nend_key = CopyStringArray(t, d, kColEndKey, cxt, &row->end_key);
		char *phase = CopyColumn(t, d, kColPhase, cxt);
		std::optional<core::JobPhase> parsed_phase = core::ParsePhase(phase);
		if (!parsed_phase)
			elog(ERROR, "backfill job " INT64_FORMAT " has an unknown phase \"%s\"", job_id, phase);
		row->phase = *parsed_phase;
		row->sweeps = (int32)GetInt64(t, d, kColSweeps, 0);
		row->rows_done = GetInt64(t, d, kColRowsDone, 0);
		row->rows_estimated = GetInt64(t, d, kColRowsEstimated, -1);
		row->worker_pid = (int32)GetInt64(t, d, kColWorkerPid, 0);
		std::optional<int64_t> generation = GetOptionalInt64(t, d, kColTableGeneration);
		row->has_table_generation = generation.has_value();
		row->table_generation = generation.value_or(0);
		row->worker_starts = (int32)GetInt64(t, d, kColWorkerStarts, 0);
		row->partition = (Oid)GetInt64(t, d, kColPartition, InvalidOid);
		row->npartitions_done = CopyOidArray(t, d, kColPartitionsDone, cxt, &row->partitions_done);
		row->xmin = (TransactionId)GetInt64(t, d, kColXmin, 0);
		bool isnull;
		row->started_at = DatumGetTimestampTz(SPI_getbinval(t, d, kColStartedAt, &isnull));
		row->has_started_at = !isnull;
		row->updated_at = DatumGetTimestampTz(SPI_getbinval(t, d, kColUpdatedAt, &isnull));
		row->last_error_sqlstate = CopyColumn(t, d, kColLastErrorSqlstate, cxt);
		row->last_error_message = CopyColumn(t, d, kColLastErrorMessage, cxt);
		row->failed_key_range = CopyColumn(t, d, kColFailedKeyRange, cxt);
		char *pace = SPI_getvalue(t, d, kColPace);
		core::PaceMode mode;
		if (pace != nullptr && core::ParsePaceMode(pace, &mode))
			row->options.pace = mode;
		Datum ratio = SPI_getbinval(t, d, kColTargetLatencyRatio, &isnull);
		if (!isnull)
			row->options.target_latency_ratio = DatumGetFloat8(ratio);
		FinishSpec *f = &row->finish;
		f->default_sql = CopyColumn(t, d, kColFinishDefault, cxt);
		f->not_null_check = CopyColumn(t, d, kColFinishNotNullCheck, cxt);
		f->check_sql = CopyColumn(t, d, kColFinishCheck, cxt);
		f->check_name = CopyColumn(t, d, kColFinishCheckName, cxt);
		f->foreign_key = (Oid)GetInt64(t, d, kColFinishForeignKey, InvalidOid);
		f->foreign_key_column = (AttrNumber)GetInt64(t, d, kColFinishForeignKeyColumn, 0);
		f->foreign_key_name = CopyColumn(t, d, kColFinishForeignKeyName, cxt);
		f->index_name = CopyColumn(t, d, kColFinishIndex, cxt);
		f->index_unique = GetInt64(t, d, kColFinishIndexUnique, 0) != 0;
		f->drop_sync = GetInt64(t, d, kColFinishDropSync, 0) != 0;
		RememberTid(job_id, t, d, kColCtid);
	}
	LeaveScope(&scope);
	return found;
}

int64
InsertJob(const NewJob *job) {
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	Oid types[kInsCount];
	Datum values[kInsCount];
	char nulls[kInsCount + 1];
	memset(nulls, ' ', kInsCount);
	nulls[kInsCount] = '\0';
	auto set = [&](InsertParam param, Oid type, Datum value, bool isnull = false) {
		types[param] = type;
		values[param] = isnull ? (Datum)0 : value;
		nulls[param] = isnull ? 'n' : ' ';
	};
	const core::JobOptions &options = job->options;
	set(kInsRelid, OIDOID, ObjectIdGetDatum(job->relid));
	set(kInsColumnName, NAMEOID, NameDatum(job->column_name));
	set(kInsAttnum, INT2OID, Int16GetDatum(job->attnum));
	set(kInsExpression, TEXTOID, CStringGetTextDatum(job->expression));
	set(kInsExpressionSql, TEXTOID, CStringGetTextDatum(job->expression_sql));
	set(kInsKeyIndex, OIDOID, ObjectIdGetDatum(job->key_index));
	set(kInsKeyColumns, NAMEARRAYOID, NameArray(job->nkeys, job->key_columns));
	set(kInsOnlyNull, BOOLOID, BoolGetDatum(job->only_null));
	set(kInsBatchSize, INT4OID, Int32GetDatum(options.batch_size.value_or(0)), !options.batch_size);
	set(kInsLockTimeout, INTERVALOID, IntervalFromMs(options.lock_timeout_ms.value_or(0)), !options.lock_timeout_ms);
	set(kInsBatchDelay, INTERVALOID, IntervalFromMs(options.batch_delay_ms.value_or(0)), !options.batch_delay_ms);
	set(kInsOwner, OIDOID, ObjectIdGetDatum(job->owner));
	set(kInsLoginRole, OIDOID, ObjectIdGetDatum(job->login_role));
	set(kInsSearchPath, TEXTOID, CStringGetTextDatum(job->search_path));
	set(kInsRowsEstimated, INT8OID, Int64GetDatum(job->rows_estimated), job->rows_estimated < 0);
	set(kInsStrategy, TEXTOID, CStringGetTextDatum(job->tid_walk ? "tid" : "key"));
	JobTableVersion version = InstalledJobTable();
	if (version < kJobTable02 && (job->tid_walk || !OidIsValid(job->key_index)))
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		         errmsg("walking a table by TID ranges or leaf by leaf needs version 0.2 of extension pg_backfill"),
		         errhint("Run ALTER EXTENSION pg_backfill UPDATE.")));
	static SPIPlanPtr plans[kJobTableVersions];
	Execute(&plans[version],
	        psprintf(kInsertJob, Since(kJobTable02, version, ", strategy"), Since(kJobTable02, version, ", $16")),
	        version < kJobTable02 ? kInsStrategy : kInsCount, types, values, nulls, SPI_OK_INSERT_RETURNING);
	int64 job_id = GetInt64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
	LeaveScope(&scope);
	return job_id;
}

int64
FindActiveJob(Oid relid, AttrNumber attnum) {
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	Oid types[] = {OIDOID, INT2OID};
	Datum values[] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};
	static SPIPlanPtr plan;
	Execute(&plan,
	        "SELECT job_id FROM backfill.jobs WHERE relid = $1 AND attnum = $2"
	        " AND state IN ('queued', 'running', 'paused')",
	        2, types, values, nullptr, SPI_OK_SELECT);
	int64 job_id = SPI_processed > 0 ? GetInt64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0) : 0;
	LeaveScope(&scope);
	return job_id;
}

void
SetJobState(int64 job_id, core::JobState state) {
	bool terminal = !core::IsActive(state);
	Oid types[] = {INT8OID, TEXTOID, BOOLOID};
	Datum values[] = {Int64GetDatum(job_id), CStringGetTextDatum(core::StateName(state)), BoolGetDatum(terminal)};
	JobTableVersion version = InstalledJobTable();
	static JobUpdatePlans plans[kJobTableVersions];
	UpdateJob(&plans[version],
	          psprintf("UPDATE backfill.jobs SET state = $2, updated_at = now(),%s"
	                   " finished_at = CASE WHEN $3 THEN now() END,"
	                   " worker_pid = CASE WHEN $2 = 'running' THEN worker_pid END,"
	                   " failed_key_range = CASE WHEN $2 = 'failed' THEN failed_key_range END,"
	                   " last_error_sqlstate = CASE WHEN $2 <> 'queued' THEN last_error_sqlstate END,"
	                   " last_error_message = CASE WHEN $2 <> 'queued' THEN last_error_message END"
	                   " WHERE job_id = $1",
	                   Since(kJobTable02, version, " worker_starts = 0,")),
	          3, types, values, nullptr);
}

void
MarkWorkerRequested(int64 job_id) {
	if (InstalledJobTable() < kJobTable02)
		return; // no worker_requested_at before 0.2
	Oid types[] = {INT8OID};
	Datum values[] = {Int64GetDatum(job_id)};
	static JobUpdatePlans plan;
	UpdateJob(&plan, "UPDATE backfill.jobs SET worker_requested_at = clock_timestamp() WHERE job_id = $1", 1, types,
	          values, nullptr);
}

void
MarkJobStarted(int64 job_id, int32 worker_pid) {
	Oid types[] = {INT8OID, INT4OID};
	Datum values[] = {Int64GetDatum(job_id), Int32GetDatum(worker_pid)};
	JobTableVersion version = InstalledJobTable();
	static JobUpdatePlans plans[kJobTableVersions];
	(void)set_config_option("synchronous_commit", "on", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	UpdateJob(&plans[version],
	          psprintf("UPDATE backfill.jobs SET state = 'running', worker_pid = $2, updated_at = now(),%s"
	                   " started_at = coalesce(started_at, now()) WHERE job_id = $1",
	                   Since(kJobTable02, version, " worker_starts = worker_starts + 1,")),
	          2, types, values, nullptr);
}

void
RecordBatch(int64 job_id, const BatchRecord *r) {
	bool last = r->final_state != nullptr;
	Oid types[] = {INT8OID, TEXTARRAYOID, TEXTARRAYOID, INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID,
	               BOOLOID, INT8OID,      BOOLOID,      TEXTOID, OIDOID,  BOOLOID, INT8OID};
	Datum values[] = {Int64GetDatum(job_id),
	                  r->checkpoint ? TextArray(r->nkeys, r->checkpoint) : (Datum)0,
	                  r->end_key ? TextArray(r->nkeys, r->end_key) : (Datum)0,
	                  Int64GetDatum(r->rows_done),
	                  Int64GetDatum(r->rows_updated),
	                  Int64GetDatum(r->rows_skipped),
	                  Int64GetDatum(r->rows_swept),
	                  CStringGetTextDatum(core::PhaseName(r->phase)),
	                  BoolGetDatum(r->sweep_ended),
	                  Int64GetDatum(r->table_generation),
	                  BoolGetDatum(r->restarted),
	                  last ? CStringGetTextDatum(core::StateName(*r->final_state)) : (Datum)0,
	                  ObjectIdGetDatum(r->partition),
	                  BoolGetDatum(r->partition_done),
	                  Int64GetDatum(r->rows_estimated)};
	char nulls[] = "               ";
	nulls[1] = r->checkpoint ? ' ' : 'n';
	nulls[2] = r->end_key ? ' ' : 'n';
	nulls[11] = last ? ' ' : 'n';
	nulls[12] = OidIsValid(r->partition) ? ' ' : 'n';
	JobTableVersion version = InstalledJobTable();
	static JobUpdatePlans plans[kJobTableVersions];
	UpdateJob(&plans[version],
	          psprintf("UPDATE backfill.jobs SET checkpoint = $2, rows_done = rows_done + $4,"
	                   " rows_updated = rows_updated + $5, batches_done = batches_done + 1, updated_at = now(),"
	                   " rows_estimated = CASE WHEN $15 > 0 THEN $15 ELSE rows_estimated END,%s"
	                   " state = CASE WHEN state = 'running' THEN coalesce($12, state) ELSE state END,"
	                   " finished_at = CASE WHEN state = 'running' AND $12 IS NOT NULL THEN now() ELSE finished_at END,"
	                   " worker_pid = CASE WHEN state = 'running' AND $12 IS NULL THEN worker_pid END"
	                   " WHERE job_id = $1",
	                   Since(kJobTable02, version,
	                         " end_key = $3, rows_skipped = rows_skipped + $6, rows_swept = rows_swept + $7,"
	                         " phase = $8, sweeps = sweeps + $9::integer, table_generation = $10,"
	                         " restarts = restarts + $11::integer,"
	                         " worker_starts = CASE WHEN state = 'running' AND $12 IS NULL THEN 1 ELSE 0 END,"
	                         " partition = CASE WHEN $14 THEN NULL ELSE $13 END,"
	                         " partitions_done = partitions_done || CASE WHEN $14 THEN ARRAY[$13] ELSE '{}' END,")),
	          15, types, values, nulls);
}

void
RecordSkippedKeys(int64 job_id, int nkeys, int n, const char *const *keys) {
	if (n == 0)
		return;
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	Oid types[] = {INT8OID, TEXTARRAYOID, INT4OID, INT4OID};
	Datum values[] = {Int64GetDatum(job_id), TextArray(n * nkeys, keys), Int32GetDatum(nkeys), Int32GetDatum(n)};
	static SPIPlanPtr plan;
	Execute(&plan,
	        "INSERT INTO backfill.skipped_keys (job_id, key)"
	        " SELECT $1, $2[i * $3 + 1 : i * $3 + $3] FROM generate_series(0, $4 - 1) i"
	        " ON CONFLICT DO NOTHING",
	        4, types, values, nullptr, SPI_OK_INSERT);
	LeaveScope(&scope);
}

int
LoadSkippedKeys(int64 job_id, int nkeys, const char *const *after, int limit, char ***keys) {
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	Oid types[] = {INT8OID, TEXTARRAYOID, INT4OID};
	Datum values[] = {Int64GetDatum(job_id), after ? TextArray(nkeys, after) : (Datum)0, Int32GetDatum(limit)};
	char nulls[] = {' ', after ? ' ' : 'n', ' ', '\0'};
	static SPIPlanPtr plan;
	Execute(&plan,
	        "SELECT key FROM backfill.skipped_keys WHERE job_id = $1 AND ($2 IS NULL OR key > $2)"
	        " ORDER BY key LIMIT $3",
	        3, types, values, nulls, SPI_OK_SELECT);
	int n = (int)SPI_processed;
	char **flat = (char **)MemoryContextAlloc(scope.caller_cxt, sizeof(char *) * (n * nkeys + 1));
	for (int i = 0; i < n; i++) {
		char **key;
		if (CopyStringArray(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, scope.caller_cxt, &key) != nkeys)
			elog(ERROR, "backfill job " INT64_FORMAT " has a skipped key of the wrong length", job_id);
		memcpy(flat + i * nkeys, key, sizeof(char *) * nkeys);
	}
	*keys = flat;
	LeaveScope(&scope);
	return n;
}

void
ForgetSkippedKey(int64 job_id, int nkeys, const char *const *key) {
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	Oid types[] = {INT8OID, TEXTARRAYOID};
	Datum values[] = {Int64GetDatum(job_id), TextArray(nkeys, key)};
	static SPIPlanPtr plan;
	Execute(&plan, "DELETE FROM backfill.skipped_keys WHERE job_id = $1 AND key = $2", 2, types, values, nullptr,
	        SPI_OK_DELETE);
	LeaveScope(&scope);
}

int64
CountSkippedKeys(int64 job_id) {
	if (InstalledJobTable() < kJobTable02)
		return 0; // no skipped keys before 0.2
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	Oid types[] = {INT8OID};
	Datum values[] = {Int64GetDatum(job_id)};
	static SPIPlanPtr plan;
	Execute(&plan, "SELECT count(*) FROM backfill.skipped_keys WHERE job_id = $1", 1, types, values, nullptr,
	        SPI_OK_SELECT);
	int64 n = GetInt64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
	LeaveScope(&scope);
	return n;
}

core::FinishPlan
PlanOf(const FinishSpec *spec) {
	core::FinishPlan plan;
	plan.set_default = spec->default_sql != nullptr;
	plan.not_null = spec->not_null_check != nullptr;
	plan.check = spec->check_sql != nullptr;
	plan.foreign_key = OidIsValid(spec->foreign_key);
	plan.create_index = spec->index_name != nullptr;
	plan.drop_sync_trigger = spec->drop_sync;
	return plan;
}

void
SetFinishSpec(int64 job_id, const FinishSpec *f) {
	Oid types[] = {INT8OID, TEXTOID, NAMEOID, TEXTOID, NAMEOID, OIDOID, INT2OID, NAMEOID, NAMEOID, BOOLOID, BOOLOID};
	auto text = [](const char *s) { return s ? CStringGetTextDatum(s) : (Datum)0; };
	auto name = [](const char *s) { return s ? NameDatum(s) : (Datum)0; };
	Datum values[] = {Int64GetDatum(job_id),
	                  text(f->default_sql),
	                  name(f->not_null_check),
	                  text(f->check_sql),
	                  name(f->check_name),
	                  ObjectIdGetDatum(f->foreign_key),
	                  Int16GetDatum(f->foreign_key_column),
	                  name(f->foreign_key_name),
	                  name(f->index_name),
	                  BoolGetDatum(f->index_unique),
	                  BoolGetDatum(f->drop_sync)};
	char nulls[] = "           ";
	nulls[1] = f->default_sql ? ' ' : 'n';
	nulls[2] = f->not_null_check ? ' ' : 'n';
	nulls[3] = f->check_sql ? ' ' : 'n';
	nulls[4] = f->check_name ? ' ' : 'n';
	nulls[5] = nulls[6] = OidIsValid(f->foreign_key) ? ' ' : 'n';
	nulls[7] = f->foreign_key_name ? ' ' : 'n';
	nulls[8] = f->index_name ? ' ' : 'n';
	static JobUpdatePlans plan;
	UpdateJob(&plan,
	          "UPDATE backfill.jobs SET finish_default = $2, finish_not_null_check = $3, finish_check = $4,"
	          " finish_check_name = $5, finish_foreign_key = $6, finish_foreign_key_column = $7,"
	          " finish_foreign_key_name = $8, finish_index = $9, finish_index_unique = $10, finish_drop_sync = $11,"
	          " updated_at = now() WHERE job_id = $1",
	          11, types, values, nulls);
}

void
SetJobPhase(int64 job_id, core::JobPhase phase) {
	Oid types[] = {INT8OID, TEXTOID};
	Datum values[] = {Int64GetDatum(job_id), CStringGetTextDatum(core::PhaseName(phase))};
	static JobUpdatePlans plan;
	UpdateJob(&plan, "UPDATE backfill.jobs SET phase = $2, updated_at = now() WHERE job_id = $1", 2, types, values,
	          nullptr);
}

void
RecordFinishingStep(int64 job_id, const core::JobPhase *next) {
	Oid types[] = {INT8OID, TEXTOID};
	Datum values[] = {Int64GetDatum(job_id), next ? CStringGetTextDatum(core::PhaseName(*next)) : (Datum)0};
	char nulls[] = {' ', next ? ' ' : 'n', '\0'};
	static JobUpdatePlans plan;
	UpdateJob(&plan,
	          "UPDATE backfill.jobs SET phase = coalesce($2, phase), updated_at = now(),"
	          " state = CASE WHEN state = 'running' AND $2 IS NULL THEN 'succeeded' ELSE state END,"
	          " finished_at = CASE WHEN state = 'running' AND $2 IS NULL THEN now() ELSE finished_at END,"
	          " worker_pid = CASE WHEN state = 'running' AND $2 IS NOT NULL THEN worker_pid END,"
	          " worker_starts = CASE WHEN state = 'running' AND $2 IS NOT NULL THEN 1 ELSE 0 END"
	          " WHERE job_id = $1",
	          2, types, values, nulls);
}

void
RecordLockTimeout(int64 job_id) {
	Oid types[] = {INT8OID};
	Datum values[] = {Int64GetDatum(job_id)};
	static JobUpdatePlans plan;
	UpdateJob(&plan, "UPDATE backfill.jobs SET lock_timeouts = lock_timeouts + 1, updated_at = now() WHERE job_id = $1",
	          1, types, values, nullptr);
}

void
RecordJobError(int64 job_id, core::JobState state, const char *sqlstate, const char *message, const char *key_range) {
	Oid types[] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum values[] = {Int64GetDatum(job_id), CStringGetTextDatum(core::StateName(state)), CStringGetTextDatum(sqlstate),
	                  CStringGetTextDatum(message), key_range ? CStringGetTextDatum(key_range) : (Datum)0};
	char nulls[] = "     ";
	nulls[4] = key_range ? ' ' : 'n';
	JobTableVersion version = InstalledJobTable();
	static JobUpdatePlans plans[kJobTableVersions];
	UpdateJob(&plans[version],
	          psprintf("UPDATE backfill.jobs SET state = $2, last_error_sqlstate = $3, last_error_message = $4,"
	                   " failed_key_range = $5, worker_pid = NULL,%s updated_at = now(),"
	                   " finished_at = CASE WHEN $2 = 'failed' THEN now() END"
	                   " WHERE job_id = $1 AND state IN ('queued', 'running')",
	                   Since(kJobTable02, version, " worker_starts = 0,")),
	          5, types, values, nulls);
}

int
ListWaitingJobs(int64 **job_ids, Oid **login_roles, Oid **owners, bool leave_requested) {
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	JobTableVersion version = InstalledJobTable();
	static SPIPlanPtr plans[2][kJobTableVersions];
	// A worker requested by a commit, not started since (its start moves
	// updated_at past the request), less than 5 s ago.
	const char *requested = leave_requested ? Since(kJobTable02, version,
	                                                " AND NOT coalesce(worker_requested_at >= updated_at"
	                                                " AND worker_requested_at > clock_timestamp() - interval '5 s',"
	                                                " false)")
	                                        : "";
	Execute(&plans[leave_requested][version],
	        psprintf("SELECT job_id, login_role, owner FROM backfill.jobs WHERE state IN ('queued', 'running')%s"
	                 " ORDER BY job_id",
	                 requested),
	        0, nullptr, nullptr, nullptr, SPI_OK_SELECT);
	int n = (int)SPI_processed;
	*job_ids = (int64 *)MemoryContextAlloc(scope.caller_cxt, sizeof(int64) * (n + 1));
	*login_roles = (Oid *)MemoryContextAlloc(scope.caller_cxt, sizeof(Oid) * (n + 1));
	*owners = (Oid *)MemoryContextAlloc(scope.caller_cxt, sizeof(Oid) * (n + 1));
	for (int i = 0; i < n; i++) {
		(*job_ids)[i] = GetInt64(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, 0);
		(*login_roles)[i] = (Oid)GetInt64(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, 0);
		(*owners)[i] = (Oid)GetInt64(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, 0);
	}
	LeaveScope(&scope);
	return n;
}

void
SetJobOptions(int64 job_id, const core::JobOptions &options) {
	Oid types[] = {INT8OID, INT4OID, INTERVALOID, INTERVALOID, TEXTOID, FLOAT8OID};
	Datum values[] = {Int64GetDatum(job_id),
	                  Int32GetDatum(options.batch_size.value_or(0)),
	                  IntervalFromMs(options.lock_timeout_ms.value_or(0)),
	                  IntervalFromMs(options.batch_delay_ms.value_or(0)),
	                  CStringGetTextDatum(core::PaceModeName(options.pace.value_or(core::PaceMode::Auto))),
	                  Float8GetDatum(options.target_latency_ratio.value_or(0))};
	char nulls[] = "      ";
	nulls[1] = options.batch_size ? ' ' : 'n';
	nulls[2] = options.lock_timeout_ms ? ' ' : 'n';
	nulls[3] = options.batch_delay_ms ? ' ' : 'n';
	nulls[4] = options.pace ? ' ' : 'n';
	nulls[5] = options.target_latency_ratio ? ' ' : 'n';
	static JobUpdatePlans plan;
	UpdateJob(&plan,
	          "UPDATE backfill.jobs SET batch_size = $2, lock_timeout = $3, batch_delay = $4, pace = $5,"
	          " target_latency_ratio = $6, updated_at = now() WHERE job_id = $1",
	          6, types, values, nulls);
}

void
RecordPace(int64 job_id, const PaceRecord *r) {
	AccessScope scope;
	EnterScope(JobAccess::AsExtensionOwner, &scope);
	Oid types[] = {INT8OID,   FLOAT8OID, INT4OID,   INT8OID,   INT4OID,   INT8OID,
	               FLOAT8OID, TEXTOID,   FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID};
	Datum values[] = {Int64GetDatum(job_id),         Float8GetDatum(r->seconds),
	                  Int32GetDatum(r->batches),     Int64GetDatum(r->rows),
	                  Int32GetDatum(r->batch_size),  Int64GetDatum(r->pause_ms),
	                  Float8GetDatum(r->duty),       CStringGetTextDatum(r->reason),
	                  Float8GetDatum(r->app_p99_ms), Float8GetDatum(r->app_baseline_p99_ms),
	                  Float8GetDatum(r->app_tps),    Float8GetDatum(r->wal_bytes_per_s)};
	char nulls[] = "            ";
	if (!r->has_app_latency)
		nulls[8] = nulls[9] = nulls[10] = 'n';
	static SPIPlanPtr plan;
	Execute(&plan,
	        "INSERT INTO backfill.pace_history (job_id, seconds, batches, rows, batch_size, pause_ms, duty,"
	        " reason, app_p99_ms, app_baseline_p99_ms, app_tps, wal_bytes_per_s)"
	        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
	        12, types, values, nulls, SPI_OK_INSERT);
	LeaveScope(&scope);
}

char *
DescribeLatestPace(int64 job_id) {
	AccessScope scope;
	EnterScope(JobAccess::AsCaller, &scope);
	Oid types[] = {INT8OID};
	Datum values[] = {Int64GetDatum(job_id)};
	static SPIPlanPtr plan;
	Execute(&plan,
	        "SELECT format('batch %s rows, pause %s ms, held back by: %s', batch_size, pause_ms, reason)"
	        " FROM backfill.latest_pace($1)",
	        1, types, values, nullptr, SPI_OK_SELECT);
	char *text =
	    SPI_processed > 0 ? CopyColumn(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, scope.caller_cxt) : nullptr;
	LeaveScope(&scope);
	return text;
}

} // namespace pg_backfill::pg
