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

// The name of the walk statement's CTE column for key column i.
std::string
LockedKey(size_t i) {
	return "pg_backfill_key" + std::to_string(i + 1);
}

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

// "k1 OPERATOR(s.=) <rhs(0)> AND k2 OPERATOR(s.=) <rhs(1)>"
template <typename Rhs>
std::string
KeysEqual(const BatchTarget &t, Rhs rhs) {
	std::string s;
	for (size_t i = 0; i < t.keys.size(); i++) {
		if (i > 0)
			s += " AND ";
		s += t.keys[i].name + " " + t.keys[i].ops.equal + " " + rhs(i);
	}
	return s;
}

// The walk batch's key range: [keys > $1.. AND] keys <= $next..
std::string
WalkRange(const BatchTarget &t, bool has_lower) {
	if (t.tid_range)
		return t.keys[0].name + " " + t.keys[0].ops.greater_equal + " $1 AND " + t.keys[0].name + " " +
		       t.keys[0].ops.less + " $2";
	int nkeys = static_cast<int>(t.keys.size());
	std::string range;
	if (has_lower)
		range = KeyComparison(t, Bound::Lower, 1) + " AND ";
	return range + KeyComparison(t, Bound::Upper, has_lower ? nkeys + 1 : 1);
}

std::string
OnlyNull(const BatchTarget &t) {
	return t.only_null ? " AND " + t.column + " IS NULL" : "";
}

std::string
SetColumn(const BatchTarget &t) {
	return "UPDATE " + FromTable(t) + " SET " + t.column + " = (" + t.expression + ")";
}

} // namespace

std::string
EndKeyQuery(const BatchTarget &target) {
	Check(target);
	std::string order;
	for (size_t i = 0; i < target.keys.size(); i++)
		order += (i > 0 ? ", " : "") + target.keys[i].name + " USING " + target.keys[i].ops.greater;
	return "SELECT " + KeyList(target) + " FROM " + FromTable(target) + " ORDER BY " + order + " LIMIT 1";
}

std::string
BoundQuery(const BatchTarget &target, bool has_lower) {
	Check(target);
	return "SELECT " + KeyList(target) + " FROM " + FromTable(target) + " WHERE " + WalkRange(target, has_lower) +
	       " ORDER BY " + OrderBy(target) + " LIMIT " + Param(BoundQueryParamCount(target, has_lower));
}

std::string
RangeUpdateStatement(const BatchTarget &target, bool has_lower) {
	Check(target);
	return SetColumn(target) + " WHERE " + WalkRange(target, has_lower) + OnlyNull(target);
}

std::string
WalkStatement(const BatchTarget &target, bool has_lower) {
	Check(target);
	std::string locked_columns;
	std::string skipped_columns;
	for (size_t i = 0; i < target.keys.size(); i++) {
		locked_columns += (i > 0 ? ", " : "") + LockedKey(i);
		skipped_columns += ", s." + target.keys[i].name;
	}
	std::string range = WalkRange(target, has_lower);
	std::string in_locked =
	    "(SELECT FROM locked WHERE " + KeysEqual(target, [](size_t i) { return "locked." + LockedKey(i); }) + ")";
	return "WITH locked (" + locked_columns + ") AS MATERIALIZED (SELECT " + KeyList(target) + " FROM " +
	       FromTable(target) + " WHERE " + range + OnlyNull(target) + " FOR NO KEY UPDATE SKIP LOCKED), " +
	       "updated AS (" + SetColumn(target) + " WHERE " + range + " AND EXISTS " + in_locked + " RETURNING 1) " +
	       "SELECT u.updated" + skipped_columns + " FROM (SELECT count(*) AS updated FROM updated) u LEFT JOIN (" +
	       "SELECT " + KeyList(target) + " FROM " + FromTable(target) + " WHERE " + range + OnlyNull(target) +
	       " AND NOT EXISTS " + in_locked + ") s ON true";
}

std::string
KeyProbeQuery(const BatchTarget &target) {
	Check(target);
	return "SELECT 1 FROM " + FromTable(target) + " WHERE " +
	       KeysEqual(target, [](size_t i) { return Param(static_cast<int>(i) + 1); });
}

std::string
KeyLockQuery(const BatchTarget &target, bool skip_locked) {
	return KeyProbeQuery(target) + " FOR NO KEY UPDATE" + (skip_locked ? " SKIP LOCKED" : "");
}

std::string
KeyUpdateStatement(const BatchTarget &target) {
	Check(target);
	return SetColumn(target) + " WHERE " + KeysEqual(target, [](size_t i) { return Param(static_cast<int>(i) + 1); }) +
	       OnlyNull(target);
}

int
BoundQueryParamCount(const BatchTarget &target, bool has_lower) noexcept {
	return (has_lower ? 2 : 1) * static_cast<int>(target.keys.size()) + 1;
}

} // namespace pg_backfill::core
