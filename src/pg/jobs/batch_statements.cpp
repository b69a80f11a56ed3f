#include "pg/jobs/batch_statements.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "catalog/pg_operator.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

#include "core/batch_sql.hpp"
#include "pg/boundary.hpp"

namespace pg_backfill::pg {

namespace {

// The rendered operators of one key column, in core::KeyOperators order.
constexpr int kKeyStrategies[] = {BTLessStrategyNumber, BTLessEqualStrategyNumber, BTEqualStrategyNumber,
                                  BTGreaterEqualStrategyNumber, BTGreaterStrategyNumber};
constexpr int kNumKeyStrategies = sizeof(kKeyStrategies) / sizeof(kKeyStrategies[0]);

// The quoted pieces of a batch target, as plain C strings (PG regime data).
struct QuotedTarget {
	const char *table;
	bool partitioned;
	int nkeys;
	const char **keys;
	const char *(*key_operators)[kNumKeyStrategies]; // [key][strategy index]
	const char *column;
	const char *expression;
	bool only_null;
	bool tid_range;
};

enum class Statement { EndKey, Bound, RangeUpdate, Walk, KeyProbe, KeyLockSkipping, KeyLockWaiting, KeyUpdate };

// C++ regime: builds one statement with the core and returns it malloc'd
// (the core cannot palloc); the caller copies and frees it.
char *
BuildStatementMalloc(const QuotedTarget *q, Statement kind, bool has_lower) {
	core::BatchTarget target;
	target.table = q->table;
	target.partitioned = q->partitioned;
	for (int i = 0; i < q->nkeys; i++) {
		const char *const *ops = q->key_operators[i];
		target.keys.push_back({q->keys[i], {ops[0], ops[1], ops[2], ops[3], ops[4]}});
	}
	target.column = q->column;
	target.expression = q->expression;
	target.only_null = q->only_null;
	target.tid_range = q->tid_range;
	std::string sql;
	switch (kind) {
	case Statement::EndKey:
		sql = core::EndKeyQuery(target);
		break;
	case Statement::Bound:
		sql = core::BoundQuery(target, has_lower);
		break;
	case Statement::RangeUpdate:
		sql = core::RangeUpdateStatement(target, has_lower);
		break;
	case Statement::Walk:
		sql = core::WalkStatement(target, has_lower);
		break;
	case Statement::KeyProbe:
		sql = core::KeyProbeQuery(target);
		break;
	case Statement::KeyLockSkipping:
	case Statement::KeyLockWaiting:
		sql = core::KeyLockQuery(target, kind == Statement::KeyLockSkipping);
		break;
	case Statement::KeyUpdate:
		sql = core::KeyUpdateStatement(target);
		break;
	}
	char *copy = static_cast<char *>(std::malloc(sql.size() + 1));
	if (copy == nullptr)
		throw std::bad_alloc();
	std::memcpy(copy, sql.c_str(), sql.size() + 1);
	return copy;
}

// PG regime: one statement in the current memory context.
char *
BuildStatement(const QuotedTarget *q, Statement kind, bool has_lower = false) {
	char *built = CallCpp<&BuildStatementMalloc>("batch statement", q, kind, has_lower);
	char *copy = pstrdup(built);
	std::free(built);
	return copy;
}

// "OPERATOR(schema.name)" of operator `opno`: the schema quoted, the name a
// symbol (operator names need no quoting inside OPERATOR()).
const char *
QualifiedOperator(Oid opno) {
	HeapTuple tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	Form_pg_operator op = (Form_pg_operator)GETSTRUCT(tuple);
	const char *rendered =
	    psprintf("OPERATOR(%s.%s)", quote_identifier(get_namespace_name(op->oprnamespace)), NameStr(op->oprname));
	ReleaseSysCache(tuple);
	return rendered;
}

// The btree operators of the key index's first nkeys columns, from each
// column's operator family and operator class input type: the very operators
// the index is ordered by, so the statements use the index and no operator
// of the same name elsewhere (an exact-type match in another schema of the
// search_path) can stand in for them.
void
KeyOperators(Relation rel, Oid key_index, int nkeys, char *const *key_columns, const char *(*out)[kNumKeyStrategies]) {
	Relation index = try_relation_open(key_index, AccessShareLock);
	bool usable = index != nullptr &&
	              (index->rd_rel->relkind == RELKIND_INDEX || index->rd_rel->relkind == RELKIND_PARTITIONED_INDEX) &&
	              index->rd_index->indrelid == RelationGetRelid(rel) && nkeys <= index->rd_index->indnkeyatts;
	for (int i = 0; usable && i < nkeys; i++)
		usable = index->rd_index->indkey.values[i] == get_attnum(RelationGetRelid(rel), key_columns[i]);
	if (!usable)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("the key index of the backfill of table \"%s\" no longer exists or changed",
		                       RelationGetRelationName(rel)),
		                errhint("Start a new backfill, which chooses a key index again.")));
	for (int i = 0; i < nkeys; i++) {
		Oid family = index->rd_opfamily[i];
		Oid type = index->rd_opcintype[i];
		for (int s = 0; s < kNumKeyStrategies; s++) {
			Oid opno = get_opfamily_member(family, type, type, kKeyStrategies[s]);
			if (!OidIsValid(opno))
				elog(ERROR, "operator family %u has no operator of strategy %d for type %s", family, kKeyStrategies[s],
				     format_type_be(type));
			out[i][s] = QualifiedOperator(opno);
		}
	}
	relation_close(index, AccessShareLock);
}

// The tid type's default btree operators, for a walk by TID ranges.
void
TidOperators(const char *(*out)[kNumKeyStrategies]) {
	Oid family = get_opclass_family(GetDefaultOpClass(TIDOID, BTREE_AM_OID));
	for (int s = 0; s < kNumKeyStrategies; s++)
		out[0][s] = QualifiedOperator(get_opfamily_member(family, TIDOID, TIDOID, kKeyStrategies[s]));
}

} // namespace

void
BuildBatchStatements(Relation rel, Oid key_index, bool tid_walk, int nkeys, char *const *key_columns,
                     const char *column, const char *expression, bool only_null, BatchStatements *out) {
	QuotedTarget q;
	q.table = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel));
	q.partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	q.nkeys = nkeys;
	q.keys = (const char **)palloc(sizeof(char *) * nkeys);
	for (int i = 0; i < nkeys; i++)
		q.keys[i] = quote_identifier(key_columns[i]);
	q.key_operators = (const char *(*)[kNumKeyStrategies])palloc(sizeof(*q.key_operators) * nkeys);
	if (tid_walk)
		TidOperators(q.key_operators);
	else
		KeyOperators(rel, key_index, nkeys, key_columns, q.key_operators);
	q.tid_range = tid_walk;
	q.column = quote_identifier(column);
	q.expression = expression;
	q.only_null = only_null;
	out->end_key = BuildStatement(&q, Statement::EndKey);
	for (int lower = 0; lower < 2; lower++) {
		out->bound[lower] = BuildStatement(&q, Statement::Bound, lower);
		out->update[lower] = BuildStatement(&q, Statement::RangeUpdate, lower);
		out->walk[lower] = BuildStatement(&q, Statement::Walk, lower);
	}
	out->key_probe = BuildStatement(&q, Statement::KeyProbe);
	out->key_lock[1] = BuildStatement(&q, Statement::KeyLockSkipping);
	out->key_lock[0] = BuildStatement(&q, Statement::KeyLockWaiting);
	out->key_update = BuildStatement(&q, Statement::KeyUpdate);
}

} // namespace pg_backfill::pg
