// run_with_lock_retries and the retry loop behind it. See lock_retries.hpp.
#include "pg/jobs/lock_retries.hpp"

extern "C" {
#include "access/xact.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(pg_backfill_run_with_lock_retries);
Datum pg_backfill_run_with_lock_retries(PG_FUNCTION_ARGS);
}

#include "pg/guard/guard.hpp"
#include "pg/jobs/job_table.hpp"

namespace bf = pg_backfill::pg;
namespace core = pg_backfill::core;

namespace pg_backfill::pg {

namespace {

// Sleeps ms milliseconds on the latch; interruptible. PG regime.
void
SleepMs(int64 ms) {
	TimestampTz end = GetCurrentTimestamp() + ms * 1000;
	for (;;) {
		CHECK_FOR_INTERRUPTS();
		long left_ms = (long)((end - GetCurrentTimestamp()) / 1000);
		if (left_ms <= 0)
			return;
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

// The 55P03 after the last try. The timed-out wait itself is gone by now
// (PostgreSQL leaves the lock queue before it raises the lock timeout), so
// the DETAIL names the first session that holds or awaits a lock
// conflicting with one of the locks the statement takes (`targets`, List
// of LockTarget *), as the guard's lock-queue check does.
void
ReportExhausted(List *targets, const core::LockRetryOptions *options, const char *what, int tries) {
	char *detail = psprintf("Each attempt waited at most %lld ms for its locks.", (long long)options->lock_timeout_ms);
	ListCell *lc;
	foreach (lc, targets) {
		const LockTarget *t = (const LockTarget *)lfirst(lc);
		char *holder = nullptr;
		if (!OidIsValid(t->relid) || !FindLockQueueHazard(t->relid, t->lock_mode, &holder))
			continue;
		detail = psprintf("%s %s on relation \"%s\" conflicts with %s.", detail,
		                  GetLockmodeName(DEFAULT_LOCKMETHOD, t->lock_mode), get_rel_name(t->relid), holder);
		break;
	}
	ereport(ERROR, (errcode(ERRCODE_LOCK_NOT_AVAILABLE),
	                errmsg("could not obtain the locks for %s after %d attempts", what, tries),
	                errdetail_internal("%s", detail),
	                errhint("End the blocking transaction (pg_blocking_pids, pg_stat_activity), or retry later; "
	                        "max_attempts and lock_timeout set how long to try.")));
}

// The statement of run_with_lock_retries, executed through SPI as the caller.
void
ExecuteStatement(void *arg) {
	const char *sql = (const char *)arg;
	int rc = SPI_execute(sql, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
}

// Error context of parsing the statement: positions point into `sql`, not
// into the caller's query.
void
StatementErrorContext(void *arg) {
	int position = geterrposition();
	if (position > 0) {
		errposition(0);
		internalerrposition(position);
		internalerrquery((const char *)arg);
	}
	errcontext("run_with_lock_retries statement");
}

// The one statement of `sql`, which must be DDL (log_statement's class ddl)
// or LOCK TABLE; ereports 22023 otherwise (42601 for a syntax error).
// Returns the raw statement.
Node *
RequireOneDdlStatement(const char *sql) {
	ErrorContextCallback callback;
	callback.callback = StatementErrorContext;
	callback.arg = (void *)sql;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	List *stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	error_context_stack = callback.previous;
	if (list_length(stmts) != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("sql must contain exactly one statement, not %d", list_length(stmts)),
		                errhint("Call run_with_lock_retries once per statement, each in its own transaction, or "
		                        "combine the changes to one table in one ALTER TABLE.")));
	Node *stmt = linitial_node(RawStmt, stmts)->stmt;
	if (IsA(stmt, LockStmt) || GetCommandLogLevel(stmt) == LOGSTMT_DDL)
		return stmt;
	ereport(ERROR,
	        (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
	         errmsg("run_with_lock_retries runs DDL or LOCK TABLE, not %s", GetCommandTagName(CreateCommandTag(stmt))),
	         errdetail("It retries a schema change that waits for a table lock; other statements run as "
	                   "they are.")));
}

} // namespace

int
RunWithLockRetries(LockRetryBody body, void *arg, const core::LockRetryOptions *options, const char *what,
                   List *targets) {
	char lock_timeout[32];
	snprintf(lock_timeout, sizeof(lock_timeout), "%lld", (long long)options->lock_timeout_ms);
	for (int attempt = 1;; attempt++) {
		MemoryContext caller_cxt = CurrentMemoryContext;
		ResourceOwner caller_owner = CurrentResourceOwner;
		volatile bool timed_out = false;
		BeginInternalSubTransaction(nullptr);
		MemoryContextSwitchTo(caller_cxt);
		PG_TRY();
		{
			int nest_level = NewGUCNestLevel();
			(void)set_config_option("lock_timeout", lock_timeout, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
			                        false);
			body(arg);
			AtEOXact_GUC(true, nest_level);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(caller_cxt);
			CurrentResourceOwner = caller_owner;
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(caller_cxt);
			ErrorData *edata = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(caller_cxt);
			CurrentResourceOwner = caller_owner;
			if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
				ReThrowError(edata);
			FreeErrorData(edata);
			timed_out = true;
		}
		PG_END_TRY();
		if (!timed_out)
			return attempt;
		if (!core::ShouldRetryLock(*options, attempt))
			ReportExhausted(targets, options, what, attempt);
		SleepMs(core::LockRetryDelayMs(*options, attempt, pg_prng_double(&pg_global_prng_state)));
	}
}

int
RunDdlWithLockRetries(const char *sql, const core::LockRetryOptions *options) {
	Node *stmt = RequireOneDdlStatement(sql);
	// The tables the statement locks and how, as the guard works them out
	// (NoLock lookups), for the DETAIL of a final lock timeout.
	GuardedStatement guarded = {stmt, InvalidOid, false};
	List *targets = StatementLockTargets(&guarded);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	int attempts = RunWithLockRetries(ExecuteStatement, (void *)sql, options, "the statement", targets);
	SPI_finish();
	return attempts;
}

void
RequireNoBlockingLocksHeld(const char *function) {
	LockData *data = GetLockStatusData();
	for (int i = 0; i < data->nelements; i++) {
		LockInstanceData *inst = &data->locks[i];
		if (inst->pid != MyProcPid || inst->locktag.locktag_type != LOCKTAG_RELATION ||
		    inst->locktag.locktag_field1 != MyDatabaseId)
			continue;
		Oid relid = inst->locktag.locktag_field2;
		char *name = get_rel_name(relid);
		if (name == nullptr || get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
			continue; // dropped by this transaction, or nobody else's
		for (LOCKMODE mode = MaxLockMode; mode >= ShareLock; mode--) {
			if ((inst->holdMask & LOCKBIT_ON(mode)) == 0)
				continue;
			ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
			                errmsg("%s cannot run in a transaction that holds %s on relation \"%s\"", function,
			                       GetLockmodeName(DEFAULT_LOCKMETHOD, mode), name),
			                errdetail("A retry releases only the locks of its own attempt: this lock would be held "
			                          "through every attempt and sleep, blocking the table's %s.",
			                          mode == AccessExclusiveLock ? "reads and writes" : "writes"),
			                errhint("Commit first and call %s in its own transaction (or as the first statement of "
			                        "a migration's transaction).",
			                        function)));
		}
	}
}

} // namespace pg_backfill::pg

namespace {

// The 22023 for an out-of-range option.
void
ReportViolation(core::LockRetryViolation violation) {
	switch (violation) {
	case core::LockRetryViolation::None:
		return;
	case core::LockRetryViolation::LockTimeout:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("lock_timeout must be between %lld ms and %lld ms",
		                       (long long)core::kMinRetryLockTimeoutMs, (long long)core::kMaxRetryIntervalMs)));
	case core::LockRetryViolation::MaxAttempts:
		ereport(ERROR,
		        (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		         errmsg("max_attempts must be between %d and %d", core::kMinRetryAttempts, core::kMaxRetryAttempts)));
	case core::LockRetryViolation::DelayInitial:
		ereport(ERROR,
		        (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		         errmsg("delay_initial must be between 0 ms and %lld ms", (long long)core::kMaxRetryIntervalMs)));
	case core::LockRetryViolation::DelayMax:
		ereport(ERROR,
		        (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		         errmsg("delay_max must be between delay_initial and %lld ms", (long long)core::kMaxRetryIntervalMs)));
	}
}

// An interval argument in ms; out-of-range values stay out of range (the
// check rejects them). Months count 30 days, as elsewhere.
int64
IntervalArgMs(FunctionCallInfo fcinfo, int arg) {
	return bf::IntervalToMs(PG_GETARG_INTERVAL_P(arg));
}

} // namespace

// run_with_lock_retries(sql text, lock_timeout interval, max_attempts
// integer, delay_initial interval, delay_max interval) RETURNS integer: the
// number of attempts it took. Runs as the caller (no SECURITY DEFINER).
Datum
pg_backfill_run_with_lock_retries(PG_FUNCTION_ARGS) {
	const char *names[] = {"sql", "lock_timeout", "max_attempts", "delay_initial", "delay_max"};
	for (int i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be null", names[i])));
	core::LockRetryOptions options;
	options.lock_timeout_ms = IntervalArgMs(fcinfo, 1);
	options.max_attempts = PG_GETARG_INT32(2);
	options.delay_initial_ms = IntervalArgMs(fcinfo, 3);
	options.delay_max_ms = IntervalArgMs(fcinfo, 4);
	ReportViolation(core::CheckLockRetryOptions(options));
	char *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	(void)bf::RequireOneDdlStatement(sql); // bad input first
	bf::RequireNoBlockingLocksHeld("run_with_lock_retries");
	int attempts = bf::RunDdlWithLockRetries(sql, &options);
	PG_RETURN_INT32(attempts);
}
