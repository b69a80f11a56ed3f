// See growth_writeback.hpp.
#include "pg/jobs/growth_writeback.hpp"

extern "C" {
#include "access/relation.h"
#include "nodes/pg_list.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/guc.h"
#include "utils/rel.h"
}

namespace pg_backfill::pg {

namespace {
// checkpoint_flush_after's default on Linux.
constexpr const char *kEvictionFlushAfter = "256kB";
} // namespace

void
NoteRelationSizes(Relation rel, RelationSizes *sizes) {
	List *indexes = RelationGetIndexList(rel);
	sizes->count = 1 + list_length(indexes);
	sizes->relids = (Oid *)palloc(sizeof(Oid) * sizes->count);
	sizes->nblocks = (BlockNumber *)palloc(sizeof(BlockNumber) * sizes->count);
	sizes->relids[0] = RelationGetRelid(rel);
	sizes->nblocks[0] = RelationGetNumberOfBlocks(rel);
	int i = 1;
	ListCell *cell;
	foreach (cell, indexes) {
		Oid index = lfirst_oid(cell);
		Relation r = relation_open(index, AccessShareLock);
		sizes->relids[i] = index;
		sizes->nblocks[i] = RelationGetNumberOfBlocks(r);
		relation_close(r, NoLock);
		i++;
	}
	list_free(indexes);
}

void
WriteBackGrowth(const RelationSizes *sizes) {
	for (int i = 0; i < sizes->count; i++) {
		Relation r = relation_open(sizes->relids[i], NoLock); // locked since NoteRelationSizes
		BlockNumber now = RelationGetNumberOfBlocks(r);
		if (now > sizes->nblocks[i])
			smgrwriteback(RelationGetSmgr(r), MAIN_FORKNUM, sizes->nblocks[i], now - sizes->nblocks[i]);
		relation_close(r, NoLock);
	}
}

void
StartEvictionWriteback() {
	if (backend_flush_after == 0)
		SetConfigOption("backend_flush_after", kEvictionFlushAfter, PGC_USERSET, PGC_S_SESSION);
}

} // namespace pg_backfill::pg
