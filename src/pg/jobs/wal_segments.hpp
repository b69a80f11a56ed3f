// WAL segments created ahead of the job's writes. A backend whose WAL write
// reaches a segment that does not exist yet creates it (16 MB zero-filled
// and fsynced with wal_init_zero, the default) while it holds
// WALWriteLock, and every committing session waits meanwhile: with a
// backfill writing 10-20 MB of WAL a second, the application stalls for
// that long about once a second. Checkpoints recycle old segments as
// future ones for the WAL they expect; a backfill writes more. The worker
// creates the next few segments itself before its batches need them, the
// way the checkpointer's PreallocXlogFiles does for one (XLogFileInit: the
// segment is created under a temporary name and renamed into place), so
// the WAL writes find them and nobody waits on the creation under the lock.
// The zeros are the worker's own: written 256 kB at a time, each piece
// written back before the next, so the device never holds 16 MB of them
// ahead of a commit's WAL flush (written at once they stalled an fdatasync
// loop 8-11 ms per segment here; in pieces, 0 over 5 ms). PG regime.
#pragma once

namespace pg_backfill::pg {

// Makes sure the WAL segments up to kWalSegmentsAhead past the one being
// written exist, creating the missing ones (nothing during recovery, and
// nothing when the last call already covered them: a check is a few
// arithmetic operations). A segment it creates is zero-filled (when
// wal_init_zero is on) and fsynced before it returns, unless the WAL writes
// reach it first (then its rest stays a hole, as with wal_init_zero = off).
// Call outside a transaction or inside one, holding no LWLock; may
// ereport(ERROR) as XLogFileInit does (e.g. the disk is full), and fsync
// failures as data_sync_elevel says.
void CreateWalSegmentsAhead();

} // namespace pg_backfill::pg
