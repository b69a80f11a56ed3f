// Texts of the two statements a backfill batch runs, by keyset over the key
// index's columns. Pure C++17: every identifier comes in already quoted by the
// PostgreSQL layer (quote_identifier / quote_qualified_identifier), the
// expression comes in as PostgreSQL's own deparse of the analysed expression,
// and every value is a $n parameter, so nothing here quotes or escapes.
//
// Parameters, for n key columns:
//   bound query:  [$1..$n lower key,] $next = LIMIT (batch_size)
//   update:       [$1..$n lower key,] [next n: upper key]
#pragma once

#include <string>
#include <vector>

namespace pg_backfill::core {

struct BatchTarget {
	std::string table;                    // quoted, schema-qualified
	bool partitioned = false;             // partitioned tables are scanned without ONLY
	std::vector<std::string> key_columns; // quoted, in index order; at least one
	std::string column;                   // quoted target column
	std::string expression;               // deparsed expression, spliced in parentheses
	bool only_null = true;                // add "AND column IS NULL"
};

// The query returning the keys of the next batch, in key order:
//   SELECT k1, k2 FROM [ONLY] t [WHERE (k1, k2) > ($1, $2)] ORDER BY k1, k2 LIMIT $3
// (a single key column compares as "k1 > $1"). Its row count is the batch's
// row count, its last row the batch's upper bound; fewer rows than the limit
// mean the rest of the table fits in this batch. (Deviation from "OFFSET n
// LIMIT 1": returning the keys costs little next to the UPDATE and gives the
// exact row count of the last batch, for progress.) Throws Error XX000 when
// the target has no key column or an empty name.
std::string BoundQuery(const BatchTarget &target, bool has_lower);

// The batch UPDATE:
//   UPDATE [ONLY] t SET c = (expr) [WHERE (k) > (lower)] [AND (k) <= (upper)] [AND c IS NULL]
// has_lower = false for the first batch, has_upper = false for the last one.
// Throws Error XX000 like BoundQuery.
std::string UpdateStatement(const BatchTarget &target, bool has_lower, bool has_upper);

// Number of $n parameters of BoundQuery. Never throws.
int BoundQueryParamCount(const BatchTarget &target, bool has_lower) noexcept;

} // namespace pg_backfill::core
