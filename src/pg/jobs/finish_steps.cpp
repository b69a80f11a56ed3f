// The finishing steps a job's worker runs after the fill. See finish_steps.hpp.
#include "pg/jobs/finish_steps.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include "core/job_phase.hpp"
#include "core/job_state.hpp"
#include "core/lock_retry.hpp"
#include "pg/jobs/cpu_duty_limit.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/lock_retries.hpp"
#include "pg/jobs/own_transaction.hpp"
#include "pg/jobs/settings.hpp"
#include "pg/jobs/sync_trigger.hpp"

namespace core = pg_backfill::core;

namespace pg_backfill::pg {

namespace {

// Shows `sql` as the worker's current query in pg_stat_activity.
void
ShowStatement(const char *sql) {
	debug_query_string = sql;
	pgstat_report_activity(STATE_RUNNING, sql);
}

// The job's table, schema-qualified and quoted as it is named now; 42P01
// when it is gone. Needs a transaction.
char *
TableName(const JobRow *row) {
	char *name = get_rel_name(row->relid);
	if (name == nullptr)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("relation with OID %u of backfill job " INT64_FORMAT " no longer exists", row->relid,
		                       row->job_id)));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(row->relid)), name);
}

// Column attnum of relid, quoted, as it is named now; 42703 when it is gone.
char *
ColumnName(Oid relid, AttrNumber attnum) {
	char *name = get_attname(relid, attnum, true);
	if (name == nullptr)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
		                errmsg("column %d of relation \"%s\" no longer exists", attnum, get_rel_name(relid))));
	return (char *)quote_identifier(name);
}

// Whether the job's column is NOT NULL now.
bool
ColumnIsNotNull(const JobRow *row) {
	HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(row->relid), Int16GetDatum(row->attnum));
	if (!HeapTupleIsValid(tuple))
		return false;
	bool not_null = ((Form_pg_attribute)GETSTRUCT(tuple))->attnotnull;
	ReleaseSysCache(tuple);
	return not_null;
}

// The constraint `name` of relid: whether it exists, and *validated.
bool
ConstraintExists(Oid relid, const char *name, bool *validated) {
	Oid oid = get_relation_constraint_oid(relid, name, true);
	*validated = false;
	if (!OidIsValid(oid))
		return false;
	HeapTuple tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(oid));
	if (HeapTupleIsValid(tuple)) {
		*validated = ((Form_pg_constraint)GETSTRUCT(tuple))->convalidated;
		ReleaseSysCache(tuple);
	}
	return true;
}

// One DDL statement in the current transaction, with the lock-retry
// schedule of run_with_lock_retries (each try ≤ 100 ms in the lock queue).
void
RunDdl(const char *sql) {
	core::LockRetryOptions options;
	ShowStatement(sql);
	(void)RunDdlWithLockRetries(sql, &options);
}

// Runs `sql`, one statement, as a top-level statement in a transaction of
// its own, outside any transaction block, as pg_cron runs a job's command:
// what CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY need (they
// commit and start transactions themselves). Call outside any transaction.
// lock_timeout is off for it: the build's ShareUpdateExclusiveLock blocks
// no reads and writes while it waits, and its waits for older transactions
// are lock waits that a timeout would turn into an invalid index. Without
// parallel workers: the build takes one core, not every core the
// application needs meanwhile.
void
RunTopLevel(const char *sql) {
	char *saved_lock_timeout = pstrdup(GetConfigOption("lock_timeout", false, false));
	SetConfigOption("lock_timeout", "0", PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("max_parallel_maintenance_workers", "0", PGC_USERSET, PGC_S_SESSION);
	MemoryContext caller_cxt = CurrentMemoryContext;
	MemoryContext parse_cxt =
	    AllocSetContextCreate(caller_cxt, "pg_backfill top-level statement", ALLOCSET_SMALL_SIZES);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	ShowStatement(sql);
	MemoryContextSwitchTo(parse_cxt);
	List *parsed = pg_parse_query(sql);
	if (list_length(parsed) != 1)
		elog(ERROR, "pg_backfill: a top-level statement must be one statement: %s", sql);
	RawStmt *raw = linitial_node(RawStmt, parsed);
	CommandTag tag = CreateCommandTag(raw->stmt);
	bool snapshot_set = analyze_requires_snapshot(raw);
	if (snapshot_set)
		PushActiveSnapshot(GetTransactionSnapshot());
	List *queries = pg_analyze_and_rewrite_fixedparams(raw, sql, nullptr, 0, nullptr);
	List *plans = pg_plan_queries(queries, sql, 0, nullptr);
	if (snapshot_set)
		PopActiveSnapshot();
	Portal portal = CreatePortal("", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, nullptr, sql, tag, plans, nullptr);
	PortalStart(portal, nullptr, 0, InvalidSnapshot);
	DestReceiver *receiver = CreateDestReceiver(DestNone);
	QueryCompletion qc;
	InitializeQueryCompletion(&qc);
	// The portal and receiver outlive the commits inside PortalRun.
	MemoryContextSwitchTo(caller_cxt);
	(void)PortalRun(portal, FETCH_ALL, true, true, receiver, receiver, &qc);
	receiver->rDestroy(receiver);
	PortalDrop(portal, false);
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(parse_cxt);
	SetConfigOption("lock_timeout", saved_lock_timeout, PGC_USERSET, PGC_S_SESSION);
	debug_query_string = nullptr;
}

// Whether a failed step's error is one whose constraint or index is
// dropped before the job fails: not a lock timeout (retried), a cancel
// (the job pauses and goes on from here) or a shutdown.
bool
UndoesStep(const ErrorData *edata) {
	return edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE && edata->sqlerrcode != ERRCODE_QUERY_CANCELED &&
	       edata->sqlerrcode != ERRCODE_ADMIN_SHUTDOWN;
}

// The key of one row of the job's table for which `predicate` (SQL over the
// table's columns, fully qualified) is true, as "(id)=(7)", in `cxt`; NULL
// when none. Runs as the current user (the job's owner).
char *
KeyWhere(const JobRow *row, const char *predicate, MemoryContext cxt) {
	StringInfoData keys;
	initStringInfo(&keys);
	for (int i = 0; i < row->nkeys; i++)
		appendStringInfo(&keys, "%s%s", i > 0 ? ", " : "",
		                 row->tid_walk ? "ctid" : quote_identifier(row->key_columns[i]));
	char *sql = psprintf("SELECT %s FROM %s WHERE %s LIMIT 1", keys.data, TableName(row), predicate);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_backfill: SPI_execute failed: %s", sql);
	char *key = nullptr;
	if (SPI_processed > 0) {
		StringInfoData values;
		initStringInfo(&values);
		for (int i = 0; i < row->nkeys; i++) {
			char *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);
			appendStringInfo(&values, "%s%s", i > 0 ? ", " : "", value ? value : "null");
		}
		key = MemoryContextStrdup(cxt, psprintf("(%s)=(%s)", keys.data, values.data));
	}
	SPI_finish();
	return key;
}

// The constraints the finishing steps add: the NOT NULL check, a CHECK, a
// foreign key.
enum class ConstraintKind { NotNull, Check, ForeignKey };

// The name chosen for the job's constraint of `kind`.
const char *
ConstraintName(const JobRow *row, ConstraintKind kind) {
	const FinishSpec *f = &row->finish;
	return kind == ConstraintKind::NotNull ? f->not_null_check
	       : kind == ConstraintKind::Check ? f->check_name
	                                       : f->foreign_key_name;
}

// The constraint's definition, with names as they are now. Needs a
// transaction.
char *
ConstraintDefinition(const JobRow *row, ConstraintKind kind) {
	const FinishSpec *f = &row->finish;
	char *column = ColumnName(row->relid, row->attnum);
	switch (kind) {
	case ConstraintKind::NotNull:
		return psprintf("CHECK (%s IS NOT NULL)", column);
	case ConstraintKind::Check:
		return psprintf("CHECK (%s)", f->check_sql);
	case ConstraintKind::ForeignKey:
		break;
	}
	char *referenced = get_rel_name(f->foreign_key);
	if (referenced == nullptr)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("relation with OID %u referenced by backfill job " INT64_FORMAT " no longer exists",
		                       f->foreign_key, row->job_id)));
	return psprintf("FOREIGN KEY (%s) REFERENCES %s (%s)", column,
	                quote_qualified_identifier(get_namespace_name(get_rel_namespace(f->foreign_key)), referenced),
	                ColumnName(f->foreign_key, f->foreign_key_column));
}

// A predicate true for the rows that violate the constraint, for the DETAIL
// of a failed validation; NULL for a foreign key (its error names the key).
// Needs a transaction.
char *
Violation(const JobRow *row, ConstraintKind kind) {
	switch (kind) {
	case ConstraintKind::NotNull:
		return psprintf("%s IS NULL", ColumnName(row->relid, row->attnum));
	case ConstraintKind::Check:
		return psprintf("(%s) IS FALSE", row->finish.check_sql);
	case ConstraintKind::ForeignKey:
		break;
	}
	return nullptr;
}

// Whether the step has nothing left to do because the column is NOT NULL
// already (the steps of the NOT NULL check).
bool
NotNullDone(const JobRow *row, ConstraintKind kind) {
	return kind == ConstraintKind::NotNull && ColumnIsNotNull(row);
}

// Runs fn (which may run transactions of its own); returns nullptr, or the
// error it raised copied into cxt, with the error state flushed and the
// failed transaction aborted. fn must keep no C++ object with a destructor
// alive when it may raise (the longjmp boundary). PG regime.
template <typename Fn>
ErrorData *
CatchError(MemoryContext cxt, Fn fn) {
	ErrorData *volatile edata = nullptr;
	PG_TRY();
	{ fn(); }
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		MemoryContextSwitchTo(cxt);
	}
	PG_END_TRY();
	return edata;
}

// The key of a row that violates the job's constraint of `kind`, for the
// DETAIL of a failed validation, in `cxt`; NULL when none is found, for a
// foreign key, or when looking fails (the job's error is the validation's,
// whatever the lookup meets). Call outside any transaction.
char *
ViolatingKey(const JobRow *row, ConstraintKind kind, MemoryContext cxt) {
	char *key = nullptr;
	ErrorData *edata = CatchError(cxt, [&] {
		InOwnTransaction([&] {
			char *violation = Violation(row, kind);
			if (violation != nullptr)
				key = KeyWhere(row, violation, cxt);
		});
	});
	if (edata == nullptr)
		return key;
	ereport(LOG, (errmsg("backfill job " INT64_FORMAT " could not look up a row that violates its constraint: %s",
	                     row->job_id, edata->message)));
	return nullptr;
}

// ADD CONSTRAINT <name> <definition> NOT VALID, unless the constraint is
// there (or, for the NOT NULL check, the column is already NOT NULL).
void
AddConstraintStep(const JobRow *row, ConstraintKind kind) {
	const char *name = ConstraintName(row, kind);
	InOwnTransaction([&] {
		bool validated;
		if (NotNullDone(row, kind) || ConstraintExists(row->relid, name, &validated))
			return;
		RunDdl(psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID", TableName(row), quote_identifier(name),
		                ConstraintDefinition(row, kind)));
	});
}

// The share of one CPU the job's scanning steps may use while the
// application is active: pg_backfill.finish_cpu_limit for a paced job, all
// of it for an unthrottled one.
double
StepCpuDuty(const JobRow *row) {
	core::EffectiveJobOptions options = core::ResolveJobOptions(row->options, CurrentJobOptionSettings());
	return options.pace == core::PaceMode::Off ? 1.0 : guc_finish_cpu_limit;
}

// VALIDATE CONSTRAINT <name>, unless it is validated (or, for the NOT NULL
// check, the column is already NOT NULL). When validation fails, the
// constraint is dropped and the job's phase set back to the step that adds
// it, in one transaction, and then the job fails: 23502 for the NOT NULL
// check, 23514 for a CHECK, with the key of a violating row in DETAIL; a
// foreign key's own error (its DETAIL names the missing key).
void
ValidateConstraintStep(const JobRow *row, core::JobPhase phase, ConstraintKind kind) {
	const char *name = ConstraintName(row, kind);
	MemoryContext cxt = CurrentMemoryContext;
	ErrorData *edata = CatchError(cxt, [&] {
		InOwnTransaction([&] {
			bool validated;
			if (NotNullDone(row, kind) || (ConstraintExists(row->relid, name, &validated) && validated))
				return;
			char *validate = psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", TableName(row), quote_identifier(name));
			WithCpuDutyLimit(StepCpuDuty(row), [&] { RunDdl(validate); });
		});
	});
	if (edata == nullptr)
		return;
	if (!UndoesStep(edata))
		ReThrowError(edata);
	char *column = nullptr;
	char *table = nullptr;
	InOwnTransaction([&] {
		table = MemoryContextStrdup(cxt, get_rel_name(row->relid));
		column = MemoryContextStrdup(cxt, get_attname(row->relid, row->attnum, false));
		RunDdl(psprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s", TableName(row), quote_identifier(name)));
		SetJobPhase(row->job_id, core::PhaseThatMadeIt(phase));
	});
	// A row violates the constraint: say which (VALIDATE of a CHECK says
	// "some row"). Any other error (one a function of the CHECK raised, a
	// foreign key's own) is the job's as it is.
	if (edata->sqlerrcode != ERRCODE_CHECK_VIOLATION || kind == ConstraintKind::ForeignKey)
		ReThrowError(edata);
	char *key = ViolatingKey(row, kind, cxt);
	switch (kind) {
	case ConstraintKind::NotNull:
		ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
		                errmsg("column \"%s\" of relation \"%s\" contains null values", column, table),
		                key ? errdetail("Key %s is null.", key) : 0));
	case ConstraintKind::Check:
		ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION),
		                errmsg("check constraint \"%s\" of relation \"%s\" is violated by some row", name, table),
		                key ? errdetail("Failing row has key %s.", key) : 0));
	case ConstraintKind::ForeignKey:
		break;
	}
	ReThrowError(edata);
}

// The index's state: absent, valid (an index of the job's table), or
// invalid (left by a failed or interrupted build). 42P07 when the name is
// taken by another relation.
enum class IndexState { Absent, Valid, Invalid };

IndexState
IndexStateOf(const JobRow *row, char **qualified, MemoryContext cxt) {
	Oid nsp = get_rel_namespace(row->relid);
	*qualified = MemoryContextStrdup(cxt, quote_qualified_identifier(get_namespace_name(nsp), row->finish.index_name));
	Oid index = get_relname_relid(row->finish.index_name, nsp);
	if (!OidIsValid(index))
		return IndexState::Absent;
	HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR, (errcode(ERRCODE_DUPLICATE_TABLE), errmsg("relation \"%s\" already exists", *qualified),
		                errdetail("Backfill job " INT64_FORMAT " was to create an index of that name.", row->job_id)));
	Form_pg_index form = (Form_pg_index)GETSTRUCT(tuple);
	bool ours = form->indrelid == row->relid;
	bool valid = form->indisvalid;
	ReleaseSysCache(tuple);
	if (!ours)
		ereport(ERROR, (errcode(ERRCODE_DUPLICATE_TABLE), errmsg("relation \"%s\" already exists", *qualified),
		                errdetail("It is an index of another table; backfill job " INT64_FORMAT
		                          " was to create an index of that name.",
		                          row->job_id)));
	return valid ? IndexState::Valid : IndexState::Invalid;
}

// CREATE [UNIQUE] INDEX CONCURRENTLY, top level; an INVALID index of the
// name (a failed or killed build) is dropped first (DROP INDEX
// CONCURRENTLY), and dropped again when this build fails.
void
CreateIndexStep(const JobRow *row) {
	MemoryContext cxt = CurrentMemoryContext;
	IndexState state = IndexState::Absent;
	char *qualified = nullptr;
	char *create = nullptr;
	InOwnTransaction([&] {
		state = IndexStateOf(row, &qualified, cxt);
		create = MemoryContextStrdup(cxt, psprintf("CREATE %sINDEX CONCURRENTLY %s ON %s (%s)",
		                                           row->finish.index_unique ? "UNIQUE " : "",
		                                           quote_identifier(row->finish.index_name), TableName(row),
		                                           ColumnName(row->relid, row->attnum)));
	});
	if (state == IndexState::Valid)
		return;
	char *drop = psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", qualified);
	if (state == IndexState::Invalid)
		RunTopLevel(drop);
	ErrorData *edata = CatchError(cxt, [&] { WithCpuDutyLimit(StepCpuDuty(row), [&] { RunTopLevel(create); }); });
	if (edata == nullptr)
		return;
	if (UndoesStep(edata)) {
		InOwnTransaction([&] { state = IndexStateOf(row, &qualified, cxt); });
		if (state == IndexState::Invalid)
			RunTopLevel(drop);
	}
	ReThrowError(edata);
}

// The step of `phase`.
void
RunStep(const JobRow *row, core::JobPhase phase) {
	switch (phase) {
	case core::JobPhase::SetDefault:
		InOwnTransaction([&] {
			RunDdl(psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", TableName(row),
			                ColumnName(row->relid, row->attnum), row->finish.default_sql));
		});
		return;
	case core::JobPhase::AddNotNullCheck:
		return AddConstraintStep(row, ConstraintKind::NotNull);
	case core::JobPhase::ValidateNotNullCheck:
		return ValidateConstraintStep(row, phase, ConstraintKind::NotNull);
	case core::JobPhase::SetNotNull:
		// PostgreSQL proves NOT NULL from the validated check: no scan.
		InOwnTransaction([&] {
			if (!ColumnIsNotNull(row))
				RunDdl(psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", TableName(row),
				                ColumnName(row->relid, row->attnum)));
		});
		return;
	case core::JobPhase::DropNotNullCheck:
		InOwnTransaction([&] {
			bool validated;
			if (ConstraintExists(row->relid, row->finish.not_null_check, &validated))
				RunDdl(psprintf("ALTER TABLE %s DROP CONSTRAINT %s", TableName(row),
				                quote_identifier(row->finish.not_null_check)));
		});
		return;
	case core::JobPhase::AddCheck:
		return AddConstraintStep(row, ConstraintKind::Check);
	case core::JobPhase::ValidateCheck:
		return ValidateConstraintStep(row, phase, ConstraintKind::Check);
	case core::JobPhase::AddForeignKey:
		return AddConstraintStep(row, ConstraintKind::ForeignKey);
	case core::JobPhase::ValidateForeignKey:
		return ValidateConstraintStep(row, phase, ConstraintKind::ForeignKey);
	case core::JobPhase::CreateIndex:
		return CreateIndexStep(row);
	case core::JobPhase::DropSyncTrigger:
		InOwnTransaction([&] { (void)DropSyncTriggerWithRetries(row->job_id); });
		return;
	case core::JobPhase::Walk:
	case core::JobPhase::Sweep:
	case core::JobPhase::FinalSweep:
		break;
	}
	elog(ERROR, "backfill job " INT64_FORMAT " is not in a finishing phase", row->job_id);
}

} // namespace

bool
RunFinishingStep(int64 job_id, MemoryContext cxt) {
	MemoryContextSwitchTo(cxt);
	JobRow row;
	bool runs = false;
	InOwnTransaction([&] {
		MemoryContext old = MemoryContextSwitchTo(cxt);
		runs = LoadJob(job_id, JobAccess::AsExtensionOwner, false, &row) && row.state == core::JobState::Running &&
		       core::IsFinishingPhase(row.phase);
		MemoryContextSwitchTo(old);
	});
	if (!runs)
		return false;
	// User code runs in these statements (a default, a CHECK, index
	// expressions of the table): as the job's owner in a security-restricted
	// operation, like the batches, so SET ROLE or RESET ROLE cannot reach
	// the login role.
	Oid saved_user;
	int saved_sec_context;
	GetUserIdAndSecContext(&saved_user, &saved_sec_context);
	SetUserIdAndSecContext(row.owner, saved_sec_context | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{ RunStep(&row, row.phase); }
	PG_FINALLY();
	{ SetUserIdAndSecContext(saved_user, saved_sec_context); }
	PG_END_TRY();
	std::optional<core::JobPhase> next = core::NextFinishingPhase(PlanOf(&row.finish), row.phase);
	InOwnTransaction([&] { RecordFinishingStep(job_id, next ? &*next : nullptr); });
	debug_query_string = nullptr;
	pgstat_report_activity(STATE_IDLE, nullptr);
	return next.has_value();
}

} // namespace pg_backfill::pg
