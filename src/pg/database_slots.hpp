// Per-database slots in shared memory (the application's latency
// histograms, the guard's counters): a fixed array of slots, each naming its
// database in an atomic `dboid` (InvalidOid: free), found without a lock and
// claimed under a spinlock.
#pragma once

extern "C" {
#include "postgres.h"
#include "port/atomics.h"
#include "storage/spin.h"
}

namespace pg_backfill::pg {

// The slot of database dboid among slots; when claim, a free slot is claimed
// for it under mutex. nullptr when there is none (and claim is false or every
// slot is taken). Never errors.
template <typename Slot, size_t N>
Slot *
DatabaseSlot(Slot (&slots)[N], slock_t *mutex, Oid dboid, bool claim) {
	for (Slot &slot : slots)
		if (pg_atomic_read_u32(&slot.dboid) == dboid)
			return &slot;
	if (!claim)
		return nullptr;
	Slot *found = nullptr;
	SpinLockAcquire(mutex);
	for (Slot &slot : slots) {
		Oid oid = pg_atomic_read_u32(&slot.dboid);
		if (oid == dboid || oid == InvalidOid) {
			if (oid == InvalidOid)
				pg_atomic_write_u32(&slot.dboid, dboid);
			found = &slot;
			break;
		}
	}
	SpinLockRelease(mutex);
	return found;
}

} // namespace pg_backfill::pg
