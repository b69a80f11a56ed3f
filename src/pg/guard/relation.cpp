// Relation facts for the DDL guard: real size from the storage manager,
// created/truncated in this transaction, quoted names.
#include "pg/guard/guard.hpp"

extern "C" {
#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/smgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace pg_backfill::pg {

namespace {

// Bytes in the main fork of one relation's storage, 0 if it has none.
// Caller holds a lock on rel. PG regime: may ereport(ERROR).
int64
MainForkBytes(Relation rel) {
	if (!RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return 0;
	SMgrRelation smgr = RelationGetSmgr(rel);
	if (!smgrexists(smgr, MAIN_FORKNUM))
		return 0;
	return (int64)smgrnblocks(smgr, MAIN_FORKNUM) * BLCKSZ;
}

// Heap plus TOAST bytes of one leaf relation: what a rewrite copies and a
// scan reads. Opens with AccessShareLock and releases it again, so the
// guard never keeps a lock the statement would not take. PG regime.
int64
LeafSizeBytes(Oid relid, bool *new_storage) {
	Relation rel = try_relation_open(relid, AccessShareLock);
	if (rel == nullptr)
		return 0;
	int64 bytes = MainForkBytes(rel);
	*new_storage = *new_storage && rel->rd_firstRelfilenodeSubid != InvalidSubTransactionId;
	Oid toast = rel->rd_rel->reltoastrelid;
	relation_close(rel, AccessShareLock);
	if (OidIsValid(toast)) {
		Relation t = try_relation_open(toast, AccessShareLock);
		if (t != nullptr) {
			bytes += MainForkBytes(t);
			relation_close(t, AccessShareLock);
		}
	}
	return bytes;
}

// Size and "all storage replaced in this transaction" of a relation,
// summed over its partitions. PG regime.
int64
SizeAndNewStorage(Oid relid, bool *new_storage) {
	*new_storage = true;
	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return LeafSizeBytes(relid, new_storage);
	int64 total = 0;
	bool any_leaf = false;
	List *all = find_all_inheritors(relid, NoLock, nullptr);
	ListCell *lc;
	foreach (lc, all) {
		Oid child = lfirst_oid(lc);
		if (!RELKIND_HAS_STORAGE(get_rel_relkind(child)))
			continue;
		any_leaf = true;
		total += LeafSizeBytes(child, new_storage);
	}
	if (!any_leaf)
		*new_storage = false;
	return total;
}

} // namespace

// Heap + TOAST bytes of relid, summed over its partitions. PG regime.
int64
RelationSizeBytes(Oid relid) {
	bool new_storage = false;
	return SizeAndNewStorage(relid, &new_storage);
}

// The relation's name quoted, qualified unless visible on the search_path
// (like regclass output), or "" if it is gone. PG regime.
const char *
QuotedRelationName(Oid relid) {
	const char *name = get_rel_name(relid);
	if (name == nullptr)
		return "";
	if (RelationIsVisible(relid))
		return quote_identifier(name);
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

// name (a relation the guard's hint creates in schema nsp) quoted, and
// qualified unless nsp is where an unqualified CREATE puts it: the first
// schema of the search_path. PG regime.
const char *
QuotedNewRelationName(Oid nsp, const char *name) {
	List *path = fetch_search_path(false);
	if (path != NIL && linitial_oid(path) == nsp)
		return quote_identifier(name);
	return quote_qualified_identifier(get_namespace_name(nsp), name);
}

// A palloc'd copy of s, or "" for nullptr. PG regime.
const char *
PStrOrEmpty(const char *s) {
	return s ? pstrdup(s) : "";
}

// Allocates a finding for relid with every string empty and the relation
// facts (names, size, created/truncated, partitioned) filled in.
// PG regime: may ereport(ERROR).
GuardFinding *
NewFinding(core::DdlCommand command, const char *command_tag, Oid relid, int lock_mode) {
	GuardFinding *g = (GuardFinding *)palloc0(sizeof(GuardFinding));
	core::DdlFacts *f = &g->facts;
	f->command = command;
	f->command_tag = command_tag;
	f->relation = f->relation_name = f->column = f->column_raw = f->type_name = f->expression = "";
	f->object_name = f->object_raw = f->object_def = f->sequence_name = "";
	f->trigger_expression = f->other_relation = f->other_relation_sql = f->index_names = f->index_sql = f->check_sql =
	    "";
	f->lock_mode = lock_mode;
	g->relid = relid;
	if (!OidIsValid(relid))
		return g;
	LOCKTAG tag;
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (int held = AccessExclusiveLock; held > lock_mode && f->held_lock_mode == 0; held--)
		if (LockHeldByMe(&tag, held))
			f->held_lock_mode = held;
	f->relation = QuotedRelationName(relid);
	f->relation_name = PStrOrEmpty(get_rel_name(relid));
	f->partitioned = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE;
	bool new_storage = false;
	f->size_bytes = SizeAndNewStorage(relid, &new_storage);
	Relation rel = try_relation_open(relid, AccessShareLock);
	if (rel != nullptr) {
		f->created_in_xact = rel->rd_createSubid != InvalidSubTransactionId;
		relation_close(rel, AccessShareLock);
	}
	f->truncated_in_xact = !f->created_in_xact && new_storage;
	return g;
}

} // namespace pg_backfill::pg
