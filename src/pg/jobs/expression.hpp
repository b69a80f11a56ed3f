// Validation of a backfill expression (SQL over the target row's own
// columns, assignment-castable to the target column), and of the default and
// CHECK expressions of the finishing steps.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/rel.h"
}

namespace pg_backfill::pg {

// The search_path a job's batch statements are planned and run in, whatever
// the job owner's was, and the one its expression is deparsed in: every name
// the deparse leaves unqualified resolves in pg_catalog (or the worker's own,
// empty, temporary schema, which is searched last and never for functions
// or operators), everything else is written schema-qualified.
constexpr const char *kJobSearchPath = "pg_catalog, pg_temp";

// Parses `expression` as the single target of "SELECT (<expression>)" and
// requires nothing else in the statement; analyses it with only `rel` in
// scope as the source of an UPDATE (so PostgreSQL rejects aggregates, window
// functions and set-returning functions with its own errors), rejects
// subqueries (0A000), coerces it to column `attnum`'s type by assignment
// (42804 when it cannot be) and returns PostgreSQL's deparse of the result.
// Names are resolved with the caller's search_path once, here; the deparse
// runs with search_path = kJobSearchPath, as pg_dump deparses with an empty
// one, so every function, operator, type and collation outside pg_catalog
// comes out schema-qualified and the text means the same objects whatever
// is created later in the caller's search_path; and, like pg_dump, with
// DateStyle ISO, IntervalStyle postgres and extra_float_digits 3, so its
// constants mean the same values in the worker's session. PG regime:
// ereports on any invalid input. When `analysed` is given, *analysed is the
// analysed, coerced expression itself (Vars of varno 1 over rel), the tree
// the sync trigger stores.
char *AnalyzeBackfillExpression(Relation rel, AttrNumber attnum, const char *expression, Node **analysed = nullptr);

// A default for column `attnum` of rel, analysed as ALTER COLUMN SET DEFAULT
// does (PostgreSQL's cookDefault: no column references, subqueries,
// aggregates or set-returning functions; coerced to the column's type) and
// deparsed as AnalyzeBackfillExpression deparses. ereports on invalid input.
char *AnalyzeDefaultExpression(Relation rel, AttrNumber attnum, const char *expression);

// A CHECK constraint's expression over rel's columns, analysed as ADD
// CONSTRAINT CHECK does (no subqueries, aggregates, window or set-returning
// functions; coerced to boolean, 42804 otherwise) and deparsed as
// AnalyzeBackfillExpression deparses. ereports on invalid input.
char *AnalyzeCheckExpression(Relation rel, const char *expression);

} // namespace pg_backfill::pg
