// See replica_lag.hpp. The same fields pg_stat_get_wal_senders() shows as
// replay_lsn, read directly so the check needs no privilege (the worker runs
// as the job's owner, who may not see pg_stat_replication's LSNs) and no SQL.
#include "pg/jobs/replica_lag.hpp"

extern "C" {
#include "access/xlog.h"
#include "replication/walsender.h"
#include "replication/walsender_private.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/spin.h"
}

namespace {

// A logical walsender is connected to a database, a physical one is not
// (pg_stat_activity shows the same as datid).
bool
IsLogicalWalSender(pid_t pid) {
	PGPROC *proc = BackendPidGetProc(pid);
	return proc != NULL && OidIsValid(proc->databaseId);
}

} // namespace

uint64
pg_backfill::pg::ReplicaLagBytes() {
	if (WalSndCtl == NULL)
		return 0;
	XLogRecPtr oldest = InvalidXLogRecPtr;
	for (int i = 0; i < max_wal_senders; i++) {
		WalSnd *walsnd = &WalSndCtl->walsnds[i];
		SpinLockAcquire(&walsnd->mutex);
		pid_t pid = walsnd->pid;
		bool streaming = pid != 0 && walsnd->state == WALSNDSTATE_STREAMING;
		XLogRecPtr apply = walsnd->apply;
		SpinLockRelease(&walsnd->mutex);
		// A standby that has not reported a position yet says nothing about lag.
		if (!streaming || XLogRecPtrIsInvalid(apply) || IsLogicalWalSender(pid))
			continue;
		if (XLogRecPtrIsInvalid(oldest) || apply < oldest)
			oldest = apply;
	}
	if (XLogRecPtrIsInvalid(oldest))
		return 0;
	XLogRecPtr insert = GetXLogInsertRecPtr();
	return insert > oldest ? insert - oldest : 0;
}
