#include "pg/jobs/launcher.hpp"

extern "C" {
#include "postgres.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

PGDLLEXPORT void pg_backfill_launcher_main(Datum arg);
PGDLLEXPORT void pg_backfill_db_scanner_main(Datum arg);
}

#include "pg/jobs/worker_launch.hpp"

namespace pg_backfill::pg {

namespace {

struct LauncherShared {
	slock_t mutex;
	Latch *latch;        // the launcher's latch; NULL while it is not running
	bool rescan_pending; // a rescan was asked for
	bool jobs_waiting;   // some job was left without a slot since the last scan
};

LauncherShared *launcher_shared = nullptr;
shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

// How long the launcher waits for a missed wake-up before looking at
// rescan_pending again.
constexpr long kLauncherNapMs = 10000;

// shmem_request_hook: room for LauncherShared.
void
LauncherShmemRequest() {
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(LauncherShared)));
}

// shmem_startup_hook: creates or attaches LauncherShared.
void
LauncherShmemStartup() {
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	bool found;
	launcher_shared = (LauncherShared *)ShmemInitStruct("pg_backfill launcher", sizeof(LauncherShared), &found);
	if (!found) {
		SpinLockInit(&launcher_shared->mutex);
		launcher_shared->latch = nullptr;
		launcher_shared->rescan_pending = false;
		launcher_shared->jobs_waiting = false;
	}
	LWLockRelease(AddinShmemInitLock);
}

// before_shmem_exit callback: unpublish the launcher's latch.
void
LauncherDetach(int, Datum) {
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->latch = nullptr;
	SpinLockRelease(&launcher_shared->mutex);
}

// The databases that allow connections (templates excluded), in
// TopMemoryContext-allocated *oids. PG regime.
int
ListDatabases(Oid **oids) {
	StartTransactionCommand();
	(void)GetTransactionSnapshot();
	Relation rel = table_open(DatabaseRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
	int n = 0;
	int capacity = 16;
	Oid *result = (Oid *)MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * capacity);
	HeapTuple tuple;
	while (HeapTupleIsValid(tuple = heap_getnext(scan, ForwardScanDirection))) {
		Form_pg_database db = (Form_pg_database)GETSTRUCT(tuple);
		if (!db->datallowconn || db->datistemplate)
			continue;
		if (n == capacity) {
			capacity *= 2;
			result = (Oid *)repalloc(result, sizeof(Oid) * capacity);
		}
		result[n++] = db->oid;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	*oids = result;
	return n;
}

// Runs the database scanner for each database, one after the other.
void
ScanAllDatabases() {
	Oid *oids;
	int n = ListDatabases(&oids);
	for (int i = 0; i < n && !ShutdownRequestPending; i++) {
		BackgroundWorker worker;
		InitDynamicWorker(&worker, "pg_backfill_db_scanner_main", "pg_backfill scanner",
		                  "pg_backfill scanner for database %u", oids[i]);
		worker.bgw_main_arg = ObjectIdGetDatum(oids[i]);
		worker.bgw_notify_pid = MyProcPid;
		BackgroundWorkerHandle *handle;
		if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
			ereport(LOG, (errmsg("pg_backfill launcher could not start a scanner for database %u", oids[i]),
			              errhint("Increase max_worker_processes.")));
			continue;
		}
		if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
			proc_exit(1);
		pfree(handle);
	}
	pfree(oids);
}

} // namespace

void
InitLauncher() {
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = LauncherShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = LauncherShmemStartup;

	BackgroundWorker worker;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_backfill");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pg_backfill_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_backfill launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_backfill launcher");
	RegisterBackgroundWorker(&worker);
}

void
NoteJobsWaiting() {
	if (launcher_shared == nullptr)
		return;
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->jobs_waiting = true;
	SpinLockRelease(&launcher_shared->mutex);
}

void
WakeLauncherIfJobsWaiting() {
	if (launcher_shared == nullptr)
		return;
	SpinLockAcquire(&launcher_shared->mutex);
	Latch *latch = launcher_shared->jobs_waiting ? launcher_shared->latch : nullptr;
	if (latch != nullptr)
		launcher_shared->rescan_pending = true;
	SpinLockRelease(&launcher_shared->mutex);
	if (latch != nullptr)
		SetLatch(latch);
}

} // namespace pg_backfill::pg

using pg_backfill::pg::launcher_shared;

// The launcher's main loop: scan at start, then whenever asked. PG regime;
// an ERROR ends the process and the postmaster restarts it after 5 s.
void
pg_backfill_launcher_main(Datum) {
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);

	before_shmem_exit(pg_backfill::pg::LauncherDetach, (Datum)0);
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->latch = MyLatch;
	launcher_shared->rescan_pending = true;
	SpinLockRelease(&launcher_shared->mutex);

	while (!ShutdownRequestPending) {
		SpinLockAcquire(&launcher_shared->mutex);
		bool rescan = launcher_shared->rescan_pending;
		launcher_shared->rescan_pending = false;
		if (rescan)
			launcher_shared->jobs_waiting = false;
		SpinLockRelease(&launcher_shared->mutex);
		if (rescan)
			pg_backfill::pg::ScanAllDatabases();
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, pg_backfill::pg::kLauncherNapMs,
		                PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
	proc_exit(0);
}

// One database: if pg_backfill is installed, start workers for its waiting
// jobs. Connects as the bootstrap superuser. SIGTERM (shutdown) is die: it
// takes effect at the next CHECK_FOR_INTERRUPTS, with the transaction
// aborted properly (the default handler exits from inside the signal
// handler, in the middle of a transaction). PG regime.
void
pg_backfill_db_scanner_main(Datum arg) {
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(arg), InvalidOid, 0);
	pgstat_report_appname("pg_backfill scanner");
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (OidIsValid(get_extension_oid("pg_backfill", true))) {
		bool left_waiting;
		(void)pg_backfill::pg::LaunchWaitingJobs(&left_waiting, false);
		if (left_waiting)
			pg_backfill::pg::NoteJobsWaiting();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	proc_exit(0);
}
