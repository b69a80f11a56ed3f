// Texts of the two statements a backfill batch runs, by keyset over the key
// index's columns. Pure C++17: every identifier comes in already quoted by the
// PostgreSQL layer (quote_identifier / quote_qualified_identifier), every
// operator already rendered as OPERATOR(schema.name) from the key index's
// btree operator family, the expression as PostgreSQL's own deparse of the
// analysed expression, and every value is a $n parameter, so nothing here
// quotes or escapes, and no name in the texts depends on the search_path.
//
// Parameters, for n key columns:
//   bound query:  [$1..$n lower key,] $next = LIMIT (batch_size)
//   update:       [$1..$n lower key,] [next n: upper key]
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
};

// The query returning the keys of the next batch, in key order:
//   SELECT k1, k2 FROM [ONLY] t [WHERE <keys> > <$1, $2>]
//   ORDER BY k1 USING <, k2 USING < LIMIT $3
// where every operator is written as its KeyOperators string. A single key
// column compares as "k1 OPERATOR(s.>) $1"; several compare as one row
// comparison "ROW(k1, k2) OPERATOR(s.>) ROW($1, $2)" when all columns' operators
// of that strategy are the same text (PostgreSQL resolves a row comparison's
// per-column operators by the one name written), else as the lexicographic
// expansion led by an index-usable bound on the first column:
//   k1 OPERATOR(a.>=) $1 AND (k1 OPERATOR(a.>) $1 OR (k1 OPERATOR(a.=) $1 AND k2 OPERATOR(b.>) $2))
// Its row count is the batch's row count, its last row the batch's upper
// bound; fewer rows than the limit mean the rest of the table fits in this
// batch. (Deviation from "OFFSET n LIMIT 1": returning the keys costs little
// next to the UPDATE and gives the exact row count of the last batch, for
// progress.) Throws Error XX000 when the target has no key column or an empty
// name or operator.
std::string BoundQuery(const BatchTarget &target, bool has_lower);

// The batch UPDATE:
//   UPDATE [ONLY] t SET c = (expr) [WHERE <keys> > <lower>] [AND <keys> <= <upper>] [AND c IS NULL]
// with the comparisons written as in BoundQuery. has_lower = false for the
// first batch, has_upper = false for the last one. Throws Error XX000 like
// BoundQuery.
std::string UpdateStatement(const BatchTarget &target, bool has_lower, bool has_upper);

// Number of $n parameters of BoundQuery. Never throws.
int BoundQueryParamCount(const BatchTarget &target, bool has_lower) noexcept;

} // namespace pg_backfill::core
