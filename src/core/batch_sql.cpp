#include "core/batch_sql.hpp"

#include "core/error.hpp"

namespace pg_backfill::core {

namespace {

void
Check(const BatchTarget &t) {
	if (t.table.empty() || t.column.empty() || t.expression.empty() || t.keys.empty())
		throw Error("XX000", "incomplete backfill batch target");
	for (const KeyColumn &k : t.keys) {
		if (k.name.empty())
			throw Error("XX000", "empty key column name in backfill batch target");
		const KeyOperators &o = k.ops;
		if (o.less.empty() || o.less_equal.empty() || o.equal.empty() || o.greater_equal.empty() || o.greater.empty())
			throw Error("XX000", "missing key operator in backfill batch target");
	}
}

// One comparison direction of the keyset bounds.
enum class Bound {
	Lower, // keys > params
	Upper  // keys <= params
};

std::string
Param(int n) {
	return "$" + std::to_string(n);
}

// "k1, k2"
std::string
KeyList(const BatchTarget &t) {
	std::string s;
	for (size_t i = 0; i < t.keys.size(); i++) {
		if (i > 0)
			s += ", ";
		s += t.keys[i].name;
	}
	return s;
}

// "k1 USING OPERATOR(s.<), k2 USING OPERATOR(s.<)": the index's order,
// written with the index's own operators.
std::string
OrderBy(const BatchTarget &t) {
	std::string s;
	for (size_t i = 0; i < t.keys.size(); i++) {
		if (i > 0)
			s += ", ";
		s += t.keys[i].name + " USING " + t.keys[i].ops.less;
	}
	return s;
}

// The operator that compares the whole bound (strictly greater for a lower
// bound, less or equal for an upper one), and the strict one that decides a
// non-last column of the expansion.
const std::string &
FinalOp(const KeyOperators &o, Bound b) {
	return b == Bound::Lower ? o.greater : o.less_equal;
}
const std::string &
StrictOp(const KeyOperators &o, Bound b) {
	return b == Bound::Lower ? o.greater : o.less;
}
// The non-strict operator of the leading column's index-usable bound.
const std::string &
LeadingOp(const KeyOperators &o, Bound b) {
	return b == Bound::Lower ? o.greater_equal : o.less_equal;
}

// "ROW(k1, k2) OPERATOR(s.>) ROW($3, $4)"
std::string
RowComparison(const BatchTarget &t, Bound b, int first_param) {
	std::string keys;
	std::string params;
	for (size_t i = 0; i < t.keys.size(); i++) {
		if (i > 0) {
			keys += ", ";
			params += ", ";
		}
		keys += t.keys[i].name;
		params += Param(first_param + static_cast<int>(i));
	}
	return "ROW(" + keys + ") " + FinalOp(t.keys[0].ops, b) + " ROW(" + params + ")";
}

// Columns i.. of the lexicographic comparison:
//   last column:  "ki OP pi"
//   otherwise:    "(ki STRICT pi OR (ki = pi AND <columns i+1..>))"
std::string
Lexicographic(const BatchTarget &t, Bound b, int first_param, size_t i) {
	const KeyColumn &k = t.keys[i];
	std::string p = Param(first_param + static_cast<int>(i));
	if (i + 1 == t.keys.size())
		return k.name + " " + FinalOp(k.ops, b) + " " + p;
	return "(" + k.name + " " + StrictOp(k.ops, b) + " " + p + " OR (" + k.name + " " + k.ops.equal + " " + p +
	       " AND " + Lexicographic(t, b, first_param, i + 1) + "))";
}

// The keys compared with params first_param.. as a lower or upper bound.
std::string
KeyComparison(const BatchTarget &t, Bound b, int first_param) {
	const KeyColumn &first = t.keys[0];
	if (t.keys.size() == 1)
		return first.name + " " + FinalOp(first.ops, b) + " " + Param(first_param);
	bool same = true;
	for (const KeyColumn &k : t.keys)
		same = same && FinalOp(k.ops, b) == FinalOp(first.ops, b);
	if (same)
		return RowComparison(t, b, first_param);
	return first.name + " " + LeadingOp(first.ops, b) + " " + Param(first_param) + " AND " +
	       Lexicographic(t, b, first_param, 0);
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
		sql += " WHERE " + KeyComparison(target, Bound::Lower, 1);
	sql += " ORDER BY " + OrderBy(target) + " LIMIT " + Param(BoundQueryParamCount(target, has_lower));
	return sql;
}

std::string
UpdateStatement(const BatchTarget &target, bool has_lower, bool has_upper) {
	Check(target);
	std::string sql = "UPDATE " + FromTable(target) + " SET " + target.column + " = (" + target.expression + ")";
	const char *glue = " WHERE ";
	int next_param = 1;
	if (has_lower) {
		sql += glue + KeyComparison(target, Bound::Lower, next_param);
		next_param += static_cast<int>(target.keys.size());
		glue = " AND ";
	}
	if (has_upper) {
		sql += glue + KeyComparison(target, Bound::Upper, next_param);
		glue = " AND ";
	}
	if (target.only_null)
		sql += glue + target.column + " IS NULL";
	return sql;
}

int
BoundQueryParamCount(const BatchTarget &target, bool has_lower) noexcept {
	return (has_lower ? static_cast<int>(target.keys.size()) : 0) + 1;
}

} // namespace pg_backfill::core
