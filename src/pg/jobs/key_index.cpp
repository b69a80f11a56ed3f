#include "pg/jobs/key_index.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "nodes/pg_list.h"
#include "utils/lsyscache.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
}

namespace pg_backfill::pg {

namespace {

// Fills *choice from index `index_oid` when it can serve as the key; returns
// the index's width in bytes (variable-length columns count 32), or -1 when
// it cannot serve.
int
UsableKeyWidth(Relation rel, Oid index_oid, KeyChoice *choice) {
	HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for index %u", index_oid);
	Form_pg_index index = (Form_pg_index)GETSTRUCT(tuple);
	int width = -1;
	bool isnull;
	Datum classes = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indclass, &isnull);
	Datum collations = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indcollation, &isnull);
	oidvector *opclasses = (oidvector *)DatumGetPointer(classes);
	oidvector *colls = (oidvector *)DatumGetPointer(collations);
	HeapTuple class_tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(index_oid));
	Oid am = HeapTupleIsValid(class_tuple) ? ((Form_pg_class)GETSTRUCT(class_tuple))->relam : InvalidOid;
	if (HeapTupleIsValid(class_tuple))
		ReleaseSysCache(class_tuple);

	if (index->indisunique && index->indisvalid && am == BTREE_AM_OID &&
	    heap_attisnull(tuple, Anum_pg_index_indexprs, nullptr) &&
	    heap_attisnull(tuple, Anum_pg_index_indpred, nullptr)) {
		width = 0;
		choice->index = index_oid;
		choice->nkeys = index->indnkeyatts;
		for (int i = 0; i < index->indnkeyatts && width >= 0; i++) {
			AttrNumber attnum = index->indkey.values[i];
			if (attnum <= 0) {
				width = -1;
				break;
			}
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
			if (!att->attnotnull || opclasses->values[i] != GetDefaultOpClass(att->atttypid, BTREE_AM_OID) ||
			    colls->values[i] != att->attcollation) {
				width = -1;
				break;
			}
			choice->attnums[i] = attnum;
			width += att->attlen > 0 ? att->attlen : 32;
		}
	}
	ReleaseSysCache(tuple);
	return width;
}

} // namespace

bool
ChooseKeyIndex(Relation rel, KeyChoice *choice) {
	Oid pk = RelationGetPrimaryKeyIndex(rel);
	if (OidIsValid(pk) && UsableKeyWidth(rel, pk, choice) >= 0)
		return true;
	bool found = false;
	int best_nkeys = 0;
	int best_width = 0;
	List *indexes = RelationGetIndexList(rel);
	ListCell *lc;
	foreach (lc, indexes) {
		KeyChoice candidate;
		int width = UsableKeyWidth(rel, lfirst_oid(lc), &candidate);
		if (width < 0)
			continue;
		// Fewest columns, then narrowest, then oldest (lowest OID: the
		// index list is sorted by OID).
		if (!found || candidate.nkeys < best_nkeys || (candidate.nkeys == best_nkeys && width < best_width)) {
			*choice = candidate;
			best_nkeys = candidate.nkeys;
			best_width = width;
			found = true;
		}
	}
	list_free(indexes);
	return found;
}

} // namespace pg_backfill::pg
