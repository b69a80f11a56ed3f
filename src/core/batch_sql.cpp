#include "core/batch_sql.hpp"

#include "core/error.hpp"

namespace pg_backfill::core {

namespace {

void
Check(const BatchTarget &t) {
	if (t.table.empty() || t.column.empty() || t.expression.empty() || t.key_columns.empty())
		throw Error("XX000", "incomplete backfill batch target");
	for (const std::string &k : t.key_columns)
		if (k.empty())
			throw Error("XX000", "empty key column name in backfill batch target");
}

// "k1, k2"
std::string
KeyList(const BatchTarget &t) {
	std::string s;
	for (size_t i = 0; i < t.key_columns.size(); i++) {
		if (i > 0)
			s += ", ";
		s += t.key_columns[i];
	}
	return s;
}

// "(k1, k2)", or "k1" for a single column.
std::string
KeyTuple(const BatchTarget &t) {
	return t.key_columns.size() == 1 ? t.key_columns[0] : "(" + KeyList(t) + ")";
}

// "($3, $4)" for first_param 3, or "$3" for a single column.
std::string
ParamTuple(const BatchTarget &t, int first_param) {
	std::string s;
	for (size_t i = 0; i < t.key_columns.size(); i++) {
		if (i > 0)
			s += ", ";
		s += "$" + std::to_string(first_param + static_cast<int>(i));
	}
	return t.key_columns.size() == 1 ? s : "(" + s + ")";
}

std::string
FromTable(const BatchTarget &t) {
	return (t.partitioned ? "" : "ONLY ") + t.table;
}

} // namespace

std::string
BoundQuery(const BatchTarget &target, bool has_lower) {
	Check(target);
	std::string sql = "SELECT " + KeyList(target) + " FROM " + FromTable(target);
	if (has_lower)
		sql += " WHERE " + KeyTuple(target) + " > " + ParamTuple(target, 1);
	sql += " ORDER BY " + KeyList(target) + " LIMIT $" + std::to_string(BoundQueryParamCount(target, has_lower));
	return sql;
}

std::string
UpdateStatement(const BatchTarget &target, bool has_lower, bool has_upper) {
	Check(target);
	std::string sql = "UPDATE " + FromTable(target) + " SET " + target.column + " = (" + target.expression + ")";
	const char *glue = " WHERE ";
	int next_param = 1;
	if (has_lower) {
		sql += glue + KeyTuple(target) + " > " + ParamTuple(target, next_param);
		next_param += static_cast<int>(target.key_columns.size());
		glue = " AND ";
	}
	if (has_upper) {
		sql += glue + KeyTuple(target) + " <= " + ParamTuple(target, next_param);
		glue = " AND ";
	}
	if (target.only_null)
		sql += glue + target.column + " IS NULL";
	return sql;
}

int
BoundQueryParamCount(const BatchTarget &target, bool has_lower) noexcept {
	return (has_lower ? static_cast<int>(target.key_columns.size()) : 0) + 1;
}

} // namespace pg_backfill::core
