// Validation of a backfill expression: SQL over the target row's own columns,
// assignment-castable to the target column.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/rel.h"
}

namespace pg_backfill::pg {

// Parses `expression` as the single target of "SELECT (<expression>)" and
// requires nothing else in the statement; analyses it with only `rel` in
// scope as the source of an UPDATE (so PostgreSQL rejects aggregates, window
// functions and set-returning functions with its own errors), rejects
// subqueries (0A000), coerces it to column `attnum`'s type by assignment
// (42804 when it cannot be) and returns PostgreSQL's deparse of the result,
// in the current search_path. PG regime: ereports on any invalid input.
char *AnalyzeBackfillExpression(Relation rel, AttrNumber attnum, const char *expression);

} // namespace pg_backfill::pg
