// Choice of the keyset key of a backfill: the primary key, else the narrowest
// valid unique btree index without expressions or predicate whose columns are
// all NOT NULL. Its columns must use their type's default btree operator
// class and their own collation, so that the keyset comparisons and ORDER BY
// of the batch statements are the index's order and use the index.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/attnum.h"
#include "utils/rel.h"
}

namespace pg_backfill::pg {

struct KeyChoice {
	Oid index;
	int nkeys;
	AttrNumber attnums[INDEX_MAX_KEYS];
};

// Fills *choice and returns true, or returns false when rel has no usable
// key. PG regime: may ereport(ERROR) on catalog errors.
bool ChooseKeyIndex(Relation rel, KeyChoice *choice);

} // namespace pg_backfill::pg
