// See app_latency.hpp. Shared memory: one AppLatencyDb per database that
// committed a transaction since the server started (kMaxDatabases; later
// databases are not measured), claimed under a spinlock on first use and
// found lock-free afterwards (a backend caches its own).
#include "pg/jobs/app_latency.hpp"

#include "pg/database_slots.hpp"
#include "pg/jobs/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
}

namespace pg_backfill::pg {

namespace {

constexpr int kMaxDatabases = 32;
// Stripes per database, by backend: concurrent commits add to different
// cache lines.
constexpr int kStripes = 4;
// The idle histogram of a stripe is halved every this many of its idle
// transactions: the baseline weighs roughly the last 2 * kStripes * this
// transactions (about 5 s at 3000 TPS, half an hour at 10 TPS): a slow
// spell that was not a backfill (a long UPDATE blocking the application)
// leaves the baseline within seconds of the application being normal again.
constexpr uint64 kIdleDecayEvery = 2048;

struct alignas(PG_CACHE_LINE_SIZE) Stripe {
	pg_atomic_uint64 all[core::kLatencyBuckets];
	pg_atomic_uint64 idle[core::kLatencyBuckets];
	pg_atomic_uint64 idle_ticks;
};

struct AppLatencyDb {
	pg_atomic_uint32 dboid; // InvalidOid: free
	pg_atomic_uint32 running_backfills;
	Stripe stripes[kStripes];
};

struct AppLatencyShared {
	slock_t mutex; // claims a free AppLatencyDb
	AppLatencyDb dbs[kMaxDatabases];
};

AppLatencyShared *shared = nullptr;
AppLatencyDb *my_db = nullptr; // this backend's database, once found
bool my_db_missing = false;    // the table is full: do not look again
bool registered_stop = false;  // this worker counts in running_backfills
bool exit_hook_registered = false;
shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

Size
SharedSize() {
	// Room to align the struct to a cache line.
	return sizeof(AppLatencyShared) + PG_CACHE_LINE_SIZE;
}

void
ShmemRequest() {
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(SharedSize());
}

void
ShmemStartup() {
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	bool found;
	void *raw = ShmemInitStruct("pg_backfill app latency", SharedSize(), &found);
	shared = (AppLatencyShared *)TYPEALIGN(PG_CACHE_LINE_SIZE, raw);
	if (!found) {
		SpinLockInit(&shared->mutex);
		for (auto &db : shared->dbs) {
			pg_atomic_init_u32(&db.dboid, InvalidOid);
			pg_atomic_init_u32(&db.running_backfills, 0);
			for (auto &stripe : db.stripes) {
				for (int b = 0; b < core::kLatencyBuckets; b++) {
					pg_atomic_init_u64(&stripe.all[b], 0);
					pg_atomic_init_u64(&stripe.idle[b], 0);
				}
				pg_atomic_init_u64(&stripe.idle_ticks, 0);
			}
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

// This backend's database slot, claimed on first use; NULL when none is
// free or not preloaded.
AppLatencyDb *
MyDb() {
	if (my_db != nullptr || my_db_missing || shared == nullptr || !OidIsValid(MyDatabaseId))
		return my_db;
	my_db = DatabaseSlot(shared->dbs, &shared->mutex, MyDatabaseId, true);
	my_db_missing = my_db == nullptr;
	return my_db;
}

// Halves a stripe's idle histogram (concurrent adds may be lost or halved
// twice: the baseline is a statistic, not a count).
void
DecayIdle(Stripe *stripe) {
	for (int b = 0; b < core::kLatencyBuckets; b++) {
		uint64 v = pg_atomic_read_u64(&stripe->idle[b]);
		if (v > 1)
			(void)pg_atomic_fetch_sub_u64(&stripe->idle[b], (int64)(v / 2));
	}
}

// Transaction callback of every backend: records a client backend's commit.
// Runs after the commit record is flushed (and replicated synchronously),
// so that wait is part of the latency. Never errors.
void
RecordCommit(XactEvent event, void *) {
	if (event != XACT_EVENT_COMMIT || MyBackendType != B_BACKEND || !guc_measure_app_latency)
		return;
	AppLatencyDb *db = MyDb();
	if (db == nullptr)
		return;
	TimestampTz elapsed = GetCurrentTimestamp() - GetCurrentTransactionStartTimestamp();
	int bucket = core::LatencyBucket(elapsed > 0 ? (uint64)elapsed : 0);
	Stripe *stripe = &db->stripes[MyProc != nullptr ? MyProc->pgprocno % kStripes : 0];
	(void)pg_atomic_fetch_add_u64(&stripe->all[bucket], 1);
	if (pg_atomic_read_u32(&db->running_backfills) != 0)
		return;
	(void)pg_atomic_fetch_add_u64(&stripe->idle[bucket], 1);
	if ((pg_atomic_fetch_add_u64(&stripe->idle_ticks, 1) + 1) % kIdleDecayEvery == 0)
		DecayIdle(stripe);
}

void
StopAtExit(int, Datum) {
	AppLatencyBackfillStopped();
}

} // namespace

void
InitAppLatency() {
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
	RegisterXactCallback(RecordCommit, nullptr);
}

bool
AppLatencyAvailable() {
	return shared != nullptr;
}

void
AppLatencyBackfillRunning() {
	AppLatencyDb *db = MyDb();
	if (db == nullptr || registered_stop)
		return;
	(void)pg_atomic_fetch_add_u32(&db->running_backfills, 1);
	registered_stop = true;
	if (!exit_hook_registered)
		before_shmem_exit(StopAtExit, 0);
	exit_hook_registered = true;
}

void
AppLatencyBackfillStopped() {
	if (!registered_stop || my_db == nullptr)
		return;
	registered_stop = false;
	(void)pg_atomic_fetch_sub_u32(&my_db->running_backfills, 1);
}

bool
ReadAppLatency(uint64 all[core::kLatencyBuckets], uint64 idle[core::kLatencyBuckets]) {
	AppLatencyDb *db = MyDb();
	if (db == nullptr)
		return false;
	for (int b = 0; b < core::kLatencyBuckets; b++) {
		all[b] = 0;
		idle[b] = 0;
		for (auto &stripe : db->stripes) {
			all[b] += pg_atomic_read_u64(&stripe.all[b]);
			idle[b] += pg_atomic_read_u64(&stripe.idle[b]);
		}
	}
	return true;
}

bool
AppTransactionCount(uint64 *count) {
	uint64 all[core::kLatencyBuckets];
	uint64 idle[core::kLatencyBuckets];
	if (!guc_measure_app_latency || !ReadAppLatency(all, idle))
		return false;
	*count = core::LatencyCount(all);
	return true;
}

} // namespace pg_backfill::pg
