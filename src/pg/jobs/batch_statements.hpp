// The texts of a job's batch statements, built by the core (core/batch_sql)
// from identifiers quoted here with PostgreSQL's quoting functions and from
// the key index's own btree operators, written fully qualified, so that no
// name in them is looked up through the search_path.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/rel.h"
}

namespace pg_backfill::pg {

// The texts of core/batch_sql.hpp, with their parameter layout.
struct BatchStatements {
	char *end_key;     // the walk's end
	char *bound[2];    // [has_lower] the keys of the next walk batch
	char *update[2];   // [has_lower] one walk batch as a plain UPDATE (the fast path)
	char *walk[2];     // [has_lower] one walk batch (SKIP LOCKED), returning the skipped keys
	char *key_probe;   // a sweep: does the key still exist?
	char *key_lock[2]; // [skip_locked] a sweep: lock the key's row
	char *key_update;  // a sweep: fill the key's row
};

// Builds every statement variant for backfilling `column` of `rel` with the
// deparsed `expression`, keyset over key_columns, the first nkeys columns of
// index `key_index` (their comparisons and ORDER BY use that index's operator
// families); strings are allocated in the current memory context. PG regime:
// may ereport(ERROR), also for a core error, and when key_index is no longer
// an index of rel over key_columns.
// With tid_walk the key is the single column ctid, compared with the tid
// type's default btree operators, and key_index is unused.
void BuildBatchStatements(Relation rel, Oid key_index, bool tid_walk, int nkeys, char *const *key_columns,
                          const char *column, const char *expression, bool only_null, BatchStatements *out);

} // namespace pg_backfill::pg
