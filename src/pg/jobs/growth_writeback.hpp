// Blocks a batch adds to its table and the table's indexes, written back by
// the worker as they come instead of by the kernel in bursts. PostgreSQL
// extends a relation by writing a zero-filled block to the kernel (mdextend):
// a dirty page-cache page that nothing writes until the kernel's periodic
// writeback finds it 30 s old (vm.dirty_expire_centisecs) and writes every
// dirty page of that file at once. A backfill grows its table by a new
// version of every row it updates (10-30 MB/s of new blocks), so every 30 s
// the device gets hundreds of MB at once, and the application's WAL flushes
// wait behind them: 30-100 ms stalls, all sessions at once
// (test/bench/pacing_impact.sh, p99 per second). After every batch the
// worker asks the kernel to start writing the blocks its relations grew by
// (smgrwriteback: sync_file_range with SYNC_FILE_RANGE_WRITE, as
// checkpoint_flush_after and backend_flush_after do), so they reach the
// device in batch-sized pieces.
//
// The same holds for the contents of the blocks the batches dirty, once
// shared_buffers is smaller than what the job touches: the buffers the
// worker evicts are written to the kernel as dirty pages, and with
// backend_flush_after at its default (0, off) they too wait for the
// kernel's burst (120 MB at once in the open-loop bench). The worker turns
// backend_flush_after on for itself. PG regime.
#pragma once

extern "C" {
#include "postgres.h"
#include "storage/block.h"
#include "utils/relcache.h"
}

namespace pg_backfill::pg {

// The sizes of a table and its indexes, in blocks, when last noted: [0]
// the table, then its indexes.
struct RelationSizes {
	int count;
	Oid *relids;
	BlockNumber *nblocks;
};

// Notes the sizes of rel and its indexes (allocated in the current memory
// context). rel must stay locked until WriteBackGrowth.
void NoteRelationSizes(Relation rel, RelationSizes *sizes);

// Starts the kernel's writeback of the blocks each noted relation grew by
// since NoteRelationSizes. Call in the same transaction.
void WriteBackGrowth(const RelationSizes *sizes);

// Sets backend_flush_after to kEvictionFlushAfter for this process when it
// is 0 (a value the DBA chose is kept): the buffers the worker writes out
// to reuse them are then written back 256 kB at a time, as the
// checkpointer's are (checkpoint_flush_after). Call once, at worker start.
void StartEvictionWriteback();

} // namespace pg_backfill::pg
