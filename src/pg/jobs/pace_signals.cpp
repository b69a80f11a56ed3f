// See pace_signals.hpp.
#include "pg/jobs/pace_signals.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "executor/instrument.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "replication/slot.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/spin.h"
#include "utils/memutils.h"
}

#include "core/latency_histogram.hpp"
#include "pg/jobs/app_latency.hpp"
#include "pg/jobs/cpu_pressure.hpp"
#include "pg/jobs/replica_lag.hpp"

namespace pg_backfill::pg {

namespace {

// The latency window: at least kWindowS long and kMinWindowSamples
// transactions, at most kMaxWindowS; snapshots of the cumulative histogram
// every kSnapshotEveryS.
constexpr double kWindowS = 1.0;
constexpr double kMaxWindowS = 5.0;
constexpr double kSnapshotEveryS = kAppLatencyWindowReadyMs / 1000.0;
constexpr int kRing = 64; // > kMaxWindowS / kSnapshotEveryS
constexpr uint64 kMinWindowSamples = 100;
// The baseline needs this many idle transactions.
constexpr uint64 kMinBaselineSamples = 200;

struct Snapshot {
	double at_s;
	uint64 all[core::kLatencyBuckets];
};

Snapshot *ring = nullptr; // kRing entries, in the worker's context
int ring_count = 0;
int ring_newest = -1;
int max_blocked = 0;            // most sessions seen waiting on the worker since the last read
double cpu_baseline_share = -1; // the host's CPU pressure before the worker's first batch

// Sessions waiting for a lock this process holds in a conflicting mode, from
// the waiters' PGPROCs: a lock-free scan for any process in a lock wait
// first (the usual answer: none), then, under every lock partition lock in
// shared mode (as pg_blocking_pids), each waiter's lock against ours.
int
CountSessionsBlockedByMe() {
	bool any = false;
	for (uint32 i = 0; i < ProcGlobal->allProcCount && !any; i++) {
		PGPROC *proc = &ProcGlobal->allProcs[i];
		any = proc != MyProc && proc->pid != 0 && (proc->wait_event_info & 0xFF000000) == PG_WAIT_LOCK;
	}
	if (!any)
		return 0;
	int blocked = 0;
	for (int i = 0; i < NUM_LOCK_PARTITIONS; i++)
		LWLockAcquire(LockHashPartitionLockByIndex(i), LW_SHARED);
	for (uint32 i = 0; i < ProcGlobal->allProcCount; i++) {
		PGPROC *proc = &ProcGlobal->allProcs[i];
		if (proc == MyProc || proc->pid == 0 || proc->waitLock == nullptr)
			continue;
		LOCKTAG tag = proc->waitLock->tag;
		LOCKMODE wanted = proc->waitLockMode;
		LockMethod method = GetLockTagsMethodTable(&tag);
		for (int mode = 1; mode <= method->numLockModes; mode++) {
			if ((method->conflictTab[wanted] & LOCKBIT_ON(mode)) && LockHeldByMe(&tag, mode)) {
				blocked++;
				break;
			}
		}
	}
	for (int i = NUM_LOCK_PARTITIONS - 1; i >= 0; i--)
		LWLockRelease(LockHashPartitionLockByIndex(i));
	return blocked;
}

// The worker's transaction callback: at pre-commit its locks are still held.
void
CountBlockedAtPreCommit(XactEvent event, void *) {
	if (event != XACT_EVENT_PRE_COMMIT)
		return;
	int blocked = CountSessionsBlockedByMe();
	if (blocked > max_blocked)
		max_blocked = blocked;
}

const Snapshot *
RingAt(int age) { // 0: newest
	return &ring[(ring_newest - age + kRing) % kRing];
}

// Application latency window and baseline into *seen.
void
ReadAppLatencyWindow(double now_s, core::PaceObservation *seen) {
	seen->has_app_latency = false;
	seen->app_latency_pending = false;
	uint64 all[core::kLatencyBuckets];
	uint64 idle[core::kLatencyBuckets];
	if (ring == nullptr || !ReadAppLatency(all, idle))
		return;
	if (ring_count == 0 || now_s - RingAt(0)->at_s >= kSnapshotEveryS) {
		ring_newest = (ring_newest + 1) % kRing;
		ring_count = Min(ring_count + 1, kRing);
		Snapshot *s = &ring[ring_newest];
		s->at_s = now_s;
		memcpy(s->all, all, sizeof(all));
	}
	// The newest snapshot at least kWindowS old with enough transactions
	// since, else the oldest within kMaxWindowS, for p99; the newest at
	// least kWindowS old for the rate, so an application that stopped
	// counts as idle within about a second.
	const Snapshot *start = nullptr;
	const Snapshot *rate_start = nullptr;
	uint64 window[core::kLatencyBuckets];
	for (int age = 0; age < ring_count; age++) {
		const Snapshot *s = RingAt(age);
		if (now_s - s->at_s > kMaxWindowS)
			break;
		start = s;
		if (now_s - s->at_s < kWindowS)
			continue;
		if (rate_start == nullptr)
			rate_start = s;
		uint64 n = 0;
		for (int b = 0; b < core::kLatencyBuckets; b++)
			n += all[b] - s->all[b];
		if (n >= kMinWindowSamples)
			break;
	}
	if (core::LatencyCount(idle) < kMinBaselineSamples)
		return; // no baseline: the application was never seen without a backfill
	if (start == nullptr || now_s - start->at_s < kSnapshotEveryS) {
		seen->app_latency_pending = true; // the job just started: no window yet
		return;
	}
	if (rate_start == nullptr)
		rate_start = start;
	uint64 recent = 0;
	for (int b = 0; b < core::kLatencyBuckets; b++) {
		window[b] = all[b] - start->all[b];
		recent += all[b] - rate_start->all[b];
	}
	seen->has_app_latency = true;
	seen->app_window_start_s = start->at_s;
	seen->app_tps = (double)recent / (now_s - rate_start->at_s);
	seen->app_p99_ms = core::LatencyQuantileMs(window, 0.99);
	seen->app_baseline_p99_ms = core::LatencyQuantileMs(idle, 0.99);
}

} // namespace

void
InitPaceSignals(MemoryContext cxt) {
	ring = (Snapshot *)MemoryContextAllocZero(cxt, sizeof(Snapshot) * kRing);
	ring_count = 0;
	ring_newest = -1;
	RegisterXactCallback(CountBlockedAtPreCommit, nullptr);
	cpu_baseline_share = CpuStallShareLast10s();
}

double
PaceClockSeconds() {
	instr_time now;
	INSTR_TIME_SET_CURRENT(now);
	return INSTR_TIME_GET_DOUBLE(now);
}

double
WorkerWalBytes() {
	return (double)pgWalUsage.wal_bytes;
}

uint64
LogicalSlotLagBytes() {
	if (ReplicationSlotCtl == nullptr || max_replication_slots == 0)
		return 0;
	XLogRecPtr oldest = InvalidXLogRecPtr;
	LWLockAcquire(ReplicationSlotControlLock, LW_SHARED);
	for (int i = 0; i < max_replication_slots; i++) {
		ReplicationSlot *slot = &ReplicationSlotCtl->replication_slots[i];
		if (!slot->in_use)
			continue;
		SpinLockAcquire(&slot->mutex);
		bool logical = OidIsValid(slot->data.database);
		bool active = slot->active_pid != 0;
		XLogRecPtr confirmed = slot->data.confirmed_flush;
		SpinLockRelease(&slot->mutex);
		if (!logical || !active || XLogRecPtrIsInvalid(confirmed))
			continue;
		if (XLogRecPtrIsInvalid(oldest) || confirmed < oldest)
			oldest = confirmed;
	}
	LWLockRelease(ReplicationSlotControlLock);
	if (XLogRecPtrIsInvalid(oldest))
		return 0;
	XLogRecPtr insert = GetXLogInsertRecPtr();
	return insert > oldest ? insert - oldest : 0;
}

void
ReadPaceSignals(double now_s, core::PaceObservation *seen) {
	ReadAppLatencyWindow(now_s, seen);
	seen->replica_lag_bytes = (double)ReplicaLagBytes();
	seen->slot_lag_bytes = (double)LogicalSlotLagBytes();
	seen->blocked_sessions = max_blocked;
	max_blocked = 0;
	seen->cpu_stall_share = CpuStallShare(now_s, &seen->cpu_window_start_s);
	seen->cpu_baseline_share = cpu_baseline_share;
}

} // namespace pg_backfill::pg
