// The DDL guard's ProcessUtility hook: analyse, refuse DDL that breaks a
// running backfill, warn or block unsafe DDL and lock-queue hazards, then
// chain to the previous hook.
#include "pg/guard/guard.hpp"
#include "pg/guard/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/elog.h"
#include "utils/lsyscache.h"
}

namespace pg_backfill::pg {

namespace {

ProcessUtility_hook_type prev_process_utility_hook = nullptr;

// True when the guard looks at this statement at all: guard on, a statement
// kind it knows, not a PostgreSQL-generated subcommand, not an extension
// script, not pg_backfill's own worker, not an aborted transaction.
bool
GuardApplies(Node *parsetree, ProcessUtilityContext context) {
	if (EffectiveGuardMode() == kGuardOff || !IsHookedStatement(parsetree))
		return false;
	if (context == PROCESS_UTILITY_SUBCOMMAND || creating_extension || IsBinaryUpgrade)
		return false;
	if (MyBgworkerEntry != nullptr) {
		// "pg_backfill" or "$libdir/pg_backfill"
		const char *lib = MyBgworkerEntry->bgw_library_name;
		const char *slash = strrchr(lib, '/');
		if (strcmp(slash ? slash + 1 : lib, "pg_backfill") == 0)
			return false;
	}
	return !IsAbortedTransactionBlockState();
}

// Whether the session's pg_backfill.allow_unsafe_ddl is honoured: only for
// superusers and members of pg_backfill.unsafe_ddl_role. PG regime.
bool
AcknowledgementHonoured() {
	if (!guc_allow_unsafe_ddl)
		return false;
	if (superuser())
		return true;
	if (guc_unsafe_ddl_role == nullptr || guc_unsafe_ddl_role[0] == '\0')
		return false;
	Oid role = get_role_oid(guc_unsafe_ddl_role, true);
	return OidIsValid(role) && is_member_of_role(GetUserId(), role);
}

// The sentence appended to a warning when an acknowledgement was given but
// not honoured, or "". PG regime.
const char *
UnhonouredNote(bool honoured) {
	if (!guc_allow_unsafe_ddl || honoured)
		return "";
	return psprintf(_(" pg_backfill.allow_unsafe_ddl is on but not honoured for role \"%s\": only superusers and "
	                  "members of the role named by pg_backfill.unsafe_ddl_role may acknowledge unsafe DDL."),
	                GetUserNameFromId(GetUserId(), false));
}

// Logs an honoured acknowledgement (server log only). PG regime.
void
LogAcknowledgement(const char *what, const char *query) {
	ereport(LOG, (errmsg("pg_backfill: unsafe DDL acknowledged by role \"%s\": %s",
	                     GetUserNameFromId(GetUserId(), false), what),
	              errdetail("Statement: %s", query), errhidestmt(true)));
}

// WARNING (warn mode) or ERROR 55000 (block mode) for one unsafe finding,
// counted under its rule. The texts come translated from FormatFinding.
// PG regime: may ereport(ERROR).
void
ReportUnsafe(const GuardFinding *g, const FindingText *t, const char *note) {
	int level = EffectiveGuardMode() == kGuardBlock ? ERROR : WARNING;
	CountGuardAction(g->verdict.rule, level == ERROR ? kGuardBlocked : kGuardWarned);
	// The texts are translated already (FormatFinding), so _internal.
	ereport(level, (errcode(level == ERROR ? ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE : ERRCODE_WARNING),
	                errmsg_internal("%s", t->message), errdetail_internal("%s%s", t->detail, note),
	                t->hint[0] ? errhint("%s", t->hint) : 0));
}

// A lock-queue hazard: the statement's lock on a table would queue behind
// another session's.
struct LockQueueHazard {
	const char *relname;
	int lock_mode;
	const char *holder;      // the other session, for the DETAIL
	bool held_by_job_worker; // a pg_backfill job worker, reported after the running-jobs check
};

// The lock-queue hazards of the statement with lock_timeout = 0, at most one
// per table. Runs before the analysis, which itself queues for an
// AccessShareLock. PG regime.
List *
FindLockQueueHazards(GuardedStatement *guarded) {
	if (LockTimeout != 0)
		return NIL;
	List *hazards = NIL;
	List *targets = StatementLockTargets(guarded);
	ListCell *lc;
	foreach (lc, targets) {
		const LockTarget *t = (const LockTarget *)lfirst(lc);
		if (t->lock_mode < ShareLock)
			continue;
		// One report per table: an earlier target may name it already.
		bool seen = false;
		for (ListCell *prev = list_head(targets); prev != lc; prev = lnext(targets, prev)) {
			const LockTarget *p = (const LockTarget *)lfirst(prev);
			seen = seen || (p->relid == t->relid && p->lock_mode >= t->lock_mode);
		}
		char *holder = nullptr;
		int holder_pid = 0;
		if (seen || !FindLockQueueHazard(t->relid, t->lock_mode, &holder, &holder_pid))
			continue;
		LockQueueHazard *h = (LockQueueHazard *)palloc(sizeof(LockQueueHazard));
		*h = {get_rel_name(t->relid), t->lock_mode, holder, IsBackfillJobWorker(holder_pid)};
		hazards = lappend(hazards, h);
	}
	return hazards;
}

// Warns or blocks for the hazards whose holder is (held_by_job_worker) or is
// not a pg_backfill job worker: a job's batch is reported after the
// running-jobs check, so DDL that would break the job gets that error (55006,
// with its cancel hint) rather than one about the job's current batch. The
// other session (pid, transaction age, query) is named in the DETAIL only.
// PG regime: may ereport(ERROR).
void
ReportLockQueueHazards(List *hazards, bool held_by_job_worker, bool honoured, const char *query) {
	ListCell *lc;
	foreach (lc, hazards) {
		const LockQueueHazard *h = (const LockQueueHazard *)lfirst(lc);
		if (h->held_by_job_worker != held_by_job_worker)
			continue;
		const char *lock = GuardLockModeName(h->lock_mode);
		if (honoured) {
			CountGuardAction(core::DdlRule::kLockQueue, kGuardAcknowledged);
			LogAcknowledgement(psprintf(_("%s on table \"%s\" would wait behind another session's lock with "
			                              "lock_timeout = 0"),
			                            lock, h->relname),
			                   query);
			continue;
		}
		int level = EffectiveGuardMode() == kGuardBlock ? ERROR : WARNING;
		CountGuardAction(core::DdlRule::kLockQueue, level == ERROR ? kGuardBlocked : kGuardWarned);
		ereport(level, (errcode(level == ERROR ? ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE : ERRCODE_WARNING),
		                errmsg("%s on table \"%s\" would wait behind another session's lock with lock_timeout = 0",
		                       lock, h->relname),
		                h->lock_mode == AccessExclusiveLock
		                    ? errdetail("The statement would wait behind %s. While it waits, every later query on the "
		                                "table queues behind it.%s",
		                                h->holder, UnhonouredNote(honoured))
		                    : errdetail("The statement would wait behind %s. While it waits, every later write to the "
		                                "table queues behind it.%s",
		                                h->holder, UnhonouredNote(honoured)),
		                errhint("Run it with run_with_lock_retries(sql), which tries it under a short lock_timeout and "
		                        "retries with backoff, or set lock_timeout (for example SET lock_timeout = '2s') and "
		                        "retry it until it gets the lock.")));
	}
}

// One DEBUG1 line per analysed subcommand: the verdict the hook acted on,
// in a fixed format that test/replay parses. PG regime.
void
LogFinding(const GuardFinding *g) {
	const core::DdlVerdict *v = &g->verdict;
	ereport(DEBUG1, (errmsg_internal("pg_backfill guard: relation=%s command=%s lock=%s rewrite=%d scan=%d "
	                                 "index_build=%d fk_validation=%d verdict=%s rule=%s",
	                                 g->facts.relation, g->facts.command_tag, GuardLockModeName(v->lock_mode),
	                                 v->rewrite, v->scan, v->index_build, v->fk_validation,
	                                 v->unsafe ? "unsafe" : "safe", core::RuleName(v->rule))));
}

// The guard proper, in the PG regime with only trivially destructible
// locals. May ereport(ERROR).
void
GuardStatement(Node *parsetree, const char *query) {
	// The table the statement names is looked up once, at its first use
	// (StatementRelid), and passed down with the statement.
	GuardedStatement guarded = {parsetree, InvalidOid, false};
	bool honoured = AcknowledgementHonoured();
	List *hazards = FindLockQueueHazards(&guarded);
	ReportLockQueueHazards(hazards, false, honoured, query);
	GuardAnalysis analysis = AnalyzeStatement(&guarded);
	if (analysis.failed)
		ereport(DEBUG1, (errmsg_internal("pg_backfill guard: analysis failed: %s", analysis.error)));
	CheckRunningBackfills(&guarded, &analysis);
	ReportLockQueueHazards(hazards, true, honoured, query);
	const char *note = UnhonouredNote(honoured);
	ListCell *lc;
	foreach (lc, analysis.findings) {
		const GuardFinding *g = (const GuardFinding *)lfirst(lc);
		LogFinding(g);
		if (!g->verdict.unsafe)
			continue;
		FindingText t = FormatFinding(g);
		if (honoured) {
			CountGuardAction(g->verdict.rule, kGuardAcknowledged);
			LogAcknowledgement(t.message, query);
		} else
			ReportUnsafe(g, &t, note);
	}
}

// The hook. Calls the previous hook with no C++ frame holding resources.
void
GuardProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree, ProcessUtilityContext context,
                    ParamListInfo params, QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc) {
	if (GuardApplies(pstmt->utilityStmt, context))
		GuardStatement(pstmt->utilityStmt, queryString);
	prev_process_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

} // namespace

void
InstallGuardHook() {
	prev_process_utility_hook = ProcessUtility_hook ? ProcessUtility_hook : standard_ProcessUtility;
	ProcessUtility_hook = GuardProcessUtility;
}

} // namespace pg_backfill::pg
