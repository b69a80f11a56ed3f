// Lock-queue hazard: with lock_timeout = 0, a statement whose lock blocks
// writes waits behind any session holding or awaiting a conflicting lock,
// and every later query on the table queues behind it. Finds such a
// session through the lock manager and describes it from its backend status.
#include "pg/guard/guard.hpp"
#include "pg/jobs/worker_launch.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/procarray.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/timestamp.h"
}

namespace pg_backfill::pg {

namespace {

// "pid 123 (transaction open for 12.3 s, query: ...)" from the backend
// status of pid, with its backend type first when it is not a client
// backend ("autovacuum worker", "pg_backfill worker", as pg_stat_activity's
// backend_type, which every role may see); the query only if the current
// user may see it, as pg_stat_activity decides. PG regime.
char *
DescribeBackend(int pid) {
	pgstat_clear_backend_activity_snapshot();
	int n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n; i++) {
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);
		if (local == nullptr || local->backendStatus.st_procpid != pid)
			continue;
		PgBackendStatus *be = &local->backendStatus;
		const char *open = "no transaction open";
		if (be->st_xact_start_timestamp != 0) {
			long secs;
			int usecs;
			TimestampDifference(be->st_xact_start_timestamp, GetCurrentTimestamp(), &secs, &usecs);
			open = psprintf("transaction open for %ld.%d s", secs, usecs / 100000);
		}
		const char *query = "<insufficient privilege>";
		if (has_privs_of_role(GetUserId(), be->st_userid) || has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS))
			query = pgstat_clip_activity(be->st_activity_raw);
		if (be->st_backendType == B_BACKEND)
			return psprintf("pid %d (%s, query: %s)", pid, open, query);
		const char *type = be->st_backendType == B_BG_WORKER ? GetBackgroundWorkerTypeByPid(pid) : nullptr;
		return psprintf("pid %d (%s, %s, query: %s)", pid, type ? type : GetBackendTypeDesc(be->st_backendType), open,
		                query);
	}
	return psprintf("pid %d", pid);
}

// True when this transaction already holds a lock on tag that conflicts
// with everything lock_mode conflicts with: no other session can hold such a
// lock, and the lock manager puts a request of ours ahead of any waiter that
// conflicts with what we hold, so the request is granted at once. (Django's
// atomic AddField sends ALTER ... DROP DEFAULT after its own ADD COLUMN took
// AccessExclusiveLock; a session queued behind that lock is queued behind us.)
bool
CoveredByHeldLock(const LOCKTAG *tag, int lock_mode) {
	const LOCKMASK *conflict_tab = GetLockTagsMethodTable(tag)->conflictTab;
	for (int held = 1; held <= MaxLockMode; held++)
		if ((conflict_tab[held] & conflict_tab[lock_mode]) == conflict_tab[lock_mode] && LockHeldByMe(tag, held))
			return true;
	return false;
}

// True for an autovacuum worker that is not preventing wraparound: the lock
// manager cancels such a worker once a conflicting request has waited
// deadlock_timeout (ProcSleep), so it does not keep a queue waiting.
bool
IsCancellableAutovacuum(int pid) {
	if (pid == 0)
		return false;
	LWLockAcquire(ProcArrayLock, LW_SHARED);
	PGPROC *proc = BackendPidGetProcWithLock(pid);
	bool cancellable = proc != nullptr && (proc->statusFlags & PROC_IS_AUTOVACUUM) != 0 &&
	                   (proc->statusFlags & PROC_VACUUM_FOR_WRAPAROUND) == 0;
	LWLockRelease(ProcArrayLock);
	return cancellable;
}

} // namespace

bool
FindLockConflict(const LOCKTAG *tag, int lock_mode, char **holder, int *holder_pid) {
	if (CoveredByHeldLock(tag, lock_mode))
		return false;
	LOCKMASK conflicts = GetLockTagsMethodTable(tag)->conflictTab[lock_mode];
	// GetLockStatusData sees holders and waiters alike (GetLockConflicts
	// only holders); a waiter ahead of us blocks us just the same.
	LockData *data = GetLockStatusData();
	for (int i = 0; i < data->nelements; i++) {
		LockInstanceData *inst = &data->locks[i];
		if (memcmp(&inst->locktag, tag, sizeof(LOCKTAG)) != 0)
			continue;
		if (inst->pid == MyProcPid || inst->leaderPid == MyProcPid ||
		    (MyProc->lockGroupLeader != nullptr && inst->leaderPid == MyProc->lockGroupLeader->pid))
			continue;
		bool holds = (inst->holdMask & conflicts) != 0;
		bool awaits = inst->waitLockMode != NoLock && (conflicts & LOCKBIT_ON(inst->waitLockMode)) != 0;
		if ((!holds && !awaits) || IsCancellableAutovacuum(inst->pid))
			continue;
		if (holder_pid != nullptr)
			*holder_pid = inst->pid;
		*holder = inst->pid == 0
		              ? pstrdup("a lock held by a prepared transaction (see pg_prepared_xacts)")
		              : psprintf("%s %s", awaits ? "a lock request of" : "a lock held by", DescribeBackend(inst->pid));
		return true;
	}
	return false;
}

bool
FindLockQueueHazard(Oid relid, int lock_mode, char **holder, int *holder_pid) {
	LOCKTAG tag;
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	return FindLockConflict(&tag, lock_mode, holder, holder_pid);
}

bool
IsBackfillJobWorker(int pid) {
	const char *type = pid != 0 ? GetBackgroundWorkerTypeByPid(pid) : nullptr;
	return type != nullptr && strcmp(type, kJobWorkerType) == 0;
}

} // namespace pg_backfill::pg
