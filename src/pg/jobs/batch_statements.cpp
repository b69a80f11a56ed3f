#include "pg/jobs/batch_statements.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

extern "C" {
#include "catalog/pg_class.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

#include "core/batch_sql.hpp"
#include "pg/boundary.hpp"

namespace pg_backfill::pg {

namespace {

// The quoted pieces of a batch target, as plain C strings (PG regime data).
struct QuotedTarget {
	const char *table;
	bool partitioned;
	int nkeys;
	const char **keys;
	const char *column;
	const char *expression;
	bool only_null;
};

// C++ regime: builds one statement with the core and returns it malloc'd
// (the core cannot palloc); the caller copies and frees it.
char *
BuildStatementMalloc(const QuotedTarget *q, bool update, bool has_lower, bool has_upper) {
	core::BatchTarget target;
	target.table = q->table;
	target.partitioned = q->partitioned;
	target.key_columns.assign(q->keys, q->keys + q->nkeys);
	target.column = q->column;
	target.expression = q->expression;
	target.only_null = q->only_null;
	std::string sql =
	    update ? core::UpdateStatement(target, has_lower, has_upper) : core::BoundQuery(target, has_lower);
	char *copy = static_cast<char *>(std::malloc(sql.size() + 1));
	if (copy == nullptr)
		throw std::bad_alloc();
	std::memcpy(copy, sql.c_str(), sql.size() + 1);
	return copy;
}

// PG regime: one statement in the current memory context.
char *
BuildStatement(const QuotedTarget *q, bool update, bool has_lower, bool has_upper) {
	char *built = CallCpp<&BuildStatementMalloc>("batch statement", q, update, has_lower, has_upper);
	char *copy = pstrdup(built);
	std::free(built);
	return copy;
}

} // namespace

void
BuildBatchStatements(Relation rel, int nkeys, char *const *key_columns, const char *column, const char *expression,
                     bool only_null, BatchStatements *out) {
	QuotedTarget q;
	q.table = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel));
	q.partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	q.nkeys = nkeys;
	q.keys = (const char **)palloc(sizeof(char *) * nkeys);
	for (int i = 0; i < nkeys; i++)
		q.keys[i] = quote_identifier(key_columns[i]);
	q.column = quote_identifier(column);
	q.expression = expression;
	q.only_null = only_null;
	for (int lower = 0; lower < 2; lower++) {
		out->bound[lower] = BuildStatement(&q, false, lower, false);
		for (int upper = 0; upper < 2; upper++)
			out->update[lower][upper] = BuildStatement(&q, true, lower, upper);
	}
}

} // namespace pg_backfill::pg
