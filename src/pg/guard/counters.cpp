// The guard's counters per rule since server start: how often each rule
// warned, blocked, or was acknowledged (pg_backfill.allow_unsafe_ddl), per
// database, and guard_counters(), which reads this database's.
//
// Shared memory: one CounterDb per database the guard reported in since the
// server started (kMaxDatabases; later databases are not counted), claimed
// under a spinlock on first use and found lock-free afterwards (a backend
// caches its own). The counters are atomics: counting never blocks and never
// errors, so it can run right before an ereport(ERROR).
#include "pg/guard/guard.hpp"
#include "pg/database_slots.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pg_backfill_guard_counters);
Datum pg_backfill_guard_counters(PG_FUNCTION_ARGS);
}

namespace pg_backfill::pg {

namespace {

constexpr int kMaxDatabases = 128;
constexpr int kActions = 3; // GuardAction

struct CounterDb {
	pg_atomic_uint32 dboid; // InvalidOid: free
	pg_atomic_uint64 counts[core::kDdlRuleCount][kActions];
};

struct GuardCountersShared {
	slock_t mutex;          // claims a free CounterDb
	TimestampTz started_at; // when this shared memory was initialised: the counters' reset time
	CounterDb dbs[kMaxDatabases];
};

GuardCountersShared *shared = nullptr;
CounterDb *my_db = nullptr; // this backend's database, once found
bool my_db_missing = false; // the table is full: do not look again
shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

void
ShmemRequest() {
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(GuardCountersShared)));
}

void
ShmemStartup() {
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	bool found;
	shared = (GuardCountersShared *)ShmemInitStruct("pg_backfill guard counters", sizeof(GuardCountersShared), &found);
	if (!found) {
		SpinLockInit(&shared->mutex);
		shared->started_at = GetCurrentTimestamp();
		for (auto &db : shared->dbs) {
			pg_atomic_init_u32(&db.dboid, InvalidOid);
			for (auto &rule : db.counts)
				for (auto &count : rule)
					pg_atomic_init_u64(&count, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

// The slot of database dboid; when claim, a free slot is claimed for it.
// NULL when not preloaded, or when it has none (and claim is false or the
// table is full). Never errors.
CounterDb *
FindDb(Oid dboid, bool claim) {
	if (shared == nullptr || !OidIsValid(dboid))
		return nullptr;
	return DatabaseSlot(shared->dbs, &shared->mutex, dboid, claim);
}

} // namespace

void
InstallGuardCounters() {
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
}

void
CountGuardAction(core::DdlRule rule, GuardAction action) {
	int r = static_cast<int>(rule);
	if (r < 0 || r >= core::kDdlRuleCount)
		return;
	if (my_db == nullptr && !my_db_missing) {
		my_db = FindDb(MyDatabaseId, true);
		my_db_missing = my_db == nullptr;
	}
	if (my_db != nullptr)
		pg_atomic_fetch_add_u64(&my_db->counts[r][action], 1);
}

} // namespace pg_backfill::pg

// guard_counters(): one row per rule that can warn or block, with this
// database's counts since stats_reset (the server's start, or the restart
// after a crash). No rows when pg_backfill is not in
// shared_preload_libraries. Execution is granted to pg_monitor.
// PG regime.
Datum
pg_backfill_guard_counters(PG_FUNCTION_ARGS) {
	using namespace pg_backfill;
	InitMaterializedSRF(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
	if (pg::shared == nullptr)
		return (Datum)0;
	pg::CounterDb *db = pg::FindDb(MyDatabaseId, false);
	for (int r = 0; r < core::kDdlRuleCount; r++) {
		core::DdlRule rule = static_cast<core::DdlRule>(r);
		// Never unsafe, so never counted.
		if (rule == core::DdlRule::kCatalogOnly || rule == core::DdlRule::kAlreadyDone)
			continue;
		Datum values[5];
		bool nulls[5] = {false, false, false, false, false};
		values[0] = CStringGetTextDatum(core::RuleName(rule));
		for (int a = 0; a < pg::kActions; a++)
			values[1 + a] = Int64GetDatum(db ? (int64)pg_atomic_read_u64(&db->counts[r][a]) : 0);
		values[4] = TimestampTzGetDatum(pg::shared->started_at);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum)0;
}
