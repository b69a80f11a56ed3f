// Texts of the statements a backfill job runs, by keyset over the key
// index's columns. Pure C++17: every identifier comes in already quoted by the
// PostgreSQL layer (quote_identifier / quote_qualified_identifier), every
// operator already rendered as OPERATOR(schema.name) from the key index's
// btree operator family, the expression as PostgreSQL's own deparse of the
// analysed expression, and every value is a $n parameter, so nothing here
// quotes or escapes, and no name in the texts depends on the search_path.
//
// A walk batch locks its rows with SKIP LOCKED, updates what it locked and
// returns the keys it skipped (core/job_phase.hpp); sweeps then visit the
// skipped keys one by one.
//
// Parameters, for n key columns:
//   end-key query:   none
//   bound query:     [$1..$n lower key,] next n: end key, then LIMIT (batch_size)
//   walk statement:  [$1..$n lower key,] next n: upper key
//   key statements:  $1..$n the key
#pragma once

#include <string>
#include <vector>

namespace pg_backfill::core {

// The btree operators of one key column: the members of the key index
// column's operator family for its operator class's input type, each
// rendered "OPERATOR(schema.name)".
struct KeyOperators {
	std::string less;          // strategy 1
	std::string less_equal;    // strategy 2
	std::string equal;         // strategy 3
	std::string greater_equal; // strategy 4
	std::string greater;       // strategy 5
};

struct KeyColumn {
	std::string name; // quoted
	KeyOperators ops;
};

struct BatchTarget {
	std::string table;           // quoted, schema-qualified
	bool partitioned = false;    // partitioned tables are scanned without ONLY
	std::vector<KeyColumn> keys; // in index order; at least one
	std::string column;          // quoted target column
	std::string expression;      // deparsed expression, spliced in parentheses
	bool only_null = true;       // add "AND column IS NULL"
	// Walk by physical position instead of by key (tables without a key):
	// keys holds one column named ctid with the tid operators, and a walk
	// range is the blocks [$1, $2) given as tids (b,0): "ctid >= $1 AND
	// ctid < $2", a TID range scan. EndKeyQuery and BoundQuery do not apply.
	bool tid_range = false;
};

// The largest key of the table, where the walk ends (rows inserted later
// beyond it are not the job's, and a trigger that moves keys forward cannot
// make the walk endless):
//   SELECT k1, k2 FROM [ONLY] t ORDER BY k1 USING >, k2 USING > LIMIT 1
// Throws Error XX000 like BoundQuery.
std::string EndKeyQuery(const BatchTarget &target);

// The query returning the keys of the next batch, in key order, up to the
// end key:
//   SELECT k1, k2 FROM [ONLY] t WHERE [<keys> > <lower> AND] <keys> <= <end>
//   ORDER BY k1 USING <, k2 USING < LIMIT $x
// where every operator is written as its KeyOperators string. A single key
// column compares as "k1 OPERATOR(s.>) $1"; several compare as one row
// comparison "ROW(k1, k2) OPERATOR(s.>) ROW($1, $2)" when all columns' operators
// of that strategy are the same text (PostgreSQL resolves a row comparison's
// per-column operators by the one name written), else as the lexicographic
// expansion led by an index-usable bound on the first column:
//   k1 OPERATOR(a.>=) $1 AND (k1 OPERATOR(a.>) $1 OR (k1 OPERATOR(a.=) $1 AND k2 OPERATOR(b.>) $2))
// Its row count is the batch's row count, its last row the batch's upper
// bound; fewer rows than the limit make this the walk's last batch, whose
// upper bound is the end key. (Deviation from "OFFSET n LIMIT 1": returning
// the keys costs little next to the UPDATE and gives the exact row count of
// the last batch, for progress.) Throws Error XX000 when the target has no
// key column or an empty name or operator.
std::string BoundQuery(const BatchTarget &target, bool has_lower);

// One walk batch over the keys in (lower, upper] (with tid_range: the blocks
// [lower, upper), lower always given) as one plain UPDATE, the
// fast path (the worker runs it under a lock_timeout of a few milliseconds
// and falls back to WalkStatement when it meets a row lock):
//   UPDATE [ONLY] t SET c = (expr) WHERE [<keys> > <lower> AND] <keys> <= <upper> [AND c IS NULL]
// Throws Error XX000 like BoundQuery.
std::string RangeUpdateStatement(const BatchTarget &target, bool has_lower);

// One walk batch over the keys in (lower, upper] (no lower bound for the
// first batch), in one statement that never waits for a row lock:
//   WITH locked (pg_backfill_key1, ...) AS MATERIALIZED (
//       SELECT k1, ... FROM [ONLY] t WHERE <range> [AND c IS NULL] FOR NO KEY UPDATE SKIP LOCKED),
//     updated AS (
//       UPDATE [ONLY] t SET c = (expr) WHERE <range> AND EXISTS (SELECT FROM locked WHERE <keys = locked>)
//       RETURNING 1)
//   SELECT u.updated, s.k1, ... FROM (SELECT count(*) AS updated FROM updated) u
//   LEFT JOIN (SELECT k1, ... FROM [ONLY] t WHERE <range> [AND c IS NULL]
//              AND NOT EXISTS (SELECT FROM locked WHERE <keys = locked>)) s ON true
// It returns one row per skipped key (rows in the range that another
// transaction held locked), or one row of NULL keys when none was skipped;
// column 1 is the number of rows updated. The CTE's column names are
// qualified wherever they are used, so they cannot collide with the table's.
// Throws Error XX000 like BoundQuery.
std::string WalkStatement(const BatchTarget &target, bool has_lower);

// The statements a sweep runs for one skipped key:
//   probe:  SELECT 1 FROM [ONLY] t WHERE k1 = $1 AND ...
//   lock:   SELECT 1 FROM [ONLY] t WHERE k1 = $1 AND ... FOR NO KEY UPDATE [SKIP LOCKED]
//   update: UPDATE [ONLY] t SET c = (expr) WHERE k1 = $1 AND ... [AND c IS NULL]
// Throw Error XX000 like BoundQuery.
std::string KeyProbeQuery(const BatchTarget &target);
std::string KeyLockQuery(const BatchTarget &target, bool skip_locked);
std::string KeyUpdateStatement(const BatchTarget &target);

// Number of $n parameters of BoundQuery. Never throws.
int BoundQueryParamCount(const BatchTarget &target, bool has_lower) noexcept;

} // namespace pg_backfill::core
