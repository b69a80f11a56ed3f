#include "pg/jobs/job_locks.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/lock.h"
}

#include "pg/jobs/settings.hpp"

namespace pg_backfill::pg {

namespace {

// Distinguishes our advisory locks from pg_advisory_lock's (which use field4
// 1 and 2) and from other extensions'.
constexpr uint32 kSlotMagic = 0x62666c6c; // "bfll"
constexpr uint16 kSlotField4 = 4;
constexpr uint16 kJobField4 = 5;

// The job lock's tag: this database, the job id split into two halves.
LOCKTAG
JobTag(int64 job_id) {
	LOCKTAG tag;
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32)((uint64)job_id >> 32), (uint32)job_id, kJobField4);
	return tag;
}

// A worker slot's tag: cluster-wide (database InvalidOid).
LOCKTAG
SlotTag(int slot) {
	LOCKTAG tag;
	SET_LOCKTAG_ADVISORY(tag, InvalidOid, kSlotMagic, (uint32)slot, kSlotField4);
	return tag;
}

// Session-level exclusive lock without waiting; true when taken (or already held).
bool
TryLock(const LOCKTAG &tag) {
	return LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL;
}

// Releases a session-level lock taken by TryLock.
void
Unlock(const LOCKTAG &tag) {
	LockRelease(&tag, ExclusiveLock, true);
}

// True when another process holds `tag`.
bool
IsHeldElsewhere(const LOCKTAG &tag) {
	if (!TryLock(tag))
		return true;
	Unlock(tag);
	return false;
}

} // namespace

bool
TryLockJob(int64 job_id) {
	return TryLock(JobTag(job_id));
}

void
UnlockJob(int64 job_id) {
	Unlock(JobTag(job_id));
}

bool
JobHasWorker(int64 job_id) {
	return IsHeldElsewhere(JobTag(job_id));
}

int
TryTakeWorkerSlot() {
	for (int slot = 0; slot < guc_max_workers; slot++)
		if (TryLock(SlotTag(slot)))
			return slot;
	return -1;
}

void
ReleaseWorkerSlot(int slot) {
	Unlock(SlotTag(slot));
}

int
CountFreeWorkerSlots() {
	int free_slots = 0;
	for (int slot = 0; slot < guc_max_workers; slot++)
		if (!IsHeldElsewhere(SlotTag(slot)))
			free_slots++;
	return free_slots;
}

} // namespace pg_backfill::pg
