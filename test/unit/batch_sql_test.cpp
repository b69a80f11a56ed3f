#include "core/batch_sql.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace core = pg_backfill::core;

namespace {

// The operators of a btree operator family in schema `schema`, rendered as
// the PostgreSQL layer renders them.
core::KeyOperators
Ops(const std::string &schema) {
	auto op = [&](const char *name) { return "OPERATOR(" + schema + "." + name + ")"; };
	return {op("<"), op("<="), op("="), op(">="), op(">")};
}

core::BatchTarget
Single() {
	core::BatchTarget t;
	t.table = "public.pgbench_accounts";
	t.keys = {{"aid", Ops("pg_catalog")}};
	t.column = "abalance_cents";
	t.expression = "(abalance)::bigint * 100";
	return t;
}

core::BatchTarget
Composite() {
	core::BatchTarget t;
	t.table = "s.\"Orders\"";
	t.keys = {{"tenant", Ops("pg_catalog")}, {"\"Id\"", Ops("pg_catalog")}};
	t.column = "c";
	t.expression = "a + b";
	t.only_null = false;
	return t;
}

// Three key columns whose operators live in different schemas: int, a type
// of schema "App" (quoted by the PostgreSQL layer), int.
core::BatchTarget
MixedNamespaces() {
	core::BatchTarget t = Composite();
	t.keys = {{"k1", Ops("pg_catalog")}, {"k2", Ops("\"App\"")}, {"k3", Ops("pg_catalog")}};
	return t;
}

} // namespace

TEST(BatchSql, SingleKeyWalkQueries) {
	EXPECT_EQ(core::EndKeyQuery(Single()), "SELECT aid FROM ONLY public.pgbench_accounts"
	                                       " ORDER BY aid USING OPERATOR(pg_catalog.>) LIMIT 1");
	EXPECT_EQ(core::BoundQuery(Single(), false),
	          "SELECT aid FROM ONLY public.pgbench_accounts WHERE aid OPERATOR(pg_catalog.<=) $1"
	          " ORDER BY aid USING OPERATOR(pg_catalog.<) LIMIT $2");
	EXPECT_EQ(core::BoundQuery(Single(), true),
	          "SELECT aid FROM ONLY public.pgbench_accounts WHERE aid OPERATOR(pg_catalog.>) $1"
	          " AND aid OPERATOR(pg_catalog.<=) $2 ORDER BY aid USING OPERATOR(pg_catalog.<) LIMIT $3");
	EXPECT_EQ(core::BoundQueryParamCount(Single(), false), 2);
	EXPECT_EQ(core::BoundQueryParamCount(Single(), true), 3);
}

TEST(BatchSql, RangeUpdateIsThePlainFastPath) {
	EXPECT_EQ(core::RangeUpdateStatement(Single(), true),
	          "UPDATE ONLY public.pgbench_accounts SET abalance_cents = ((abalance)::bigint * 100)"
	          " WHERE aid OPERATOR(pg_catalog.>) $1 AND aid OPERATOR(pg_catalog.<=) $2 AND abalance_cents IS NULL");
	EXPECT_EQ(core::RangeUpdateStatement(Composite(), false),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE ROW(tenant, \"Id\") OPERATOR(pg_catalog.<=) ROW($1, $2)");
}

TEST(BatchSql, TidRangesWalkBlocks) {
	core::BatchTarget t = Single();
	t.keys = {{"ctid", Ops("pg_catalog")}};
	t.tid_range = true;
	EXPECT_EQ(core::RangeUpdateStatement(t, true),
	          "UPDATE ONLY public.pgbench_accounts SET abalance_cents = ((abalance)::bigint * 100)"
	          " WHERE ctid OPERATOR(pg_catalog.>=) $1 AND ctid OPERATOR(pg_catalog.<) $2 AND abalance_cents IS NULL");
	EXPECT_NE(core::WalkStatement(t, true).find("SELECT ctid FROM ONLY public.pgbench_accounts WHERE ctid "
	                                            "OPERATOR(pg_catalog.>=) $1 AND ctid OPERATOR(pg_catalog.<) $2"),
	          std::string::npos);
	EXPECT_EQ(core::KeyProbeQuery(t),
	          "SELECT 1 FROM ONLY public.pgbench_accounts WHERE ctid OPERATOR(pg_catalog.=) $1");
}

TEST(BatchSql, WalkStatementSkipsLockedRowsAndReturnsThem) {
	const std::string range = "aid OPERATOR(pg_catalog.>) $1 AND aid OPERATOR(pg_catalog.<=) $2";
	const std::string in_locked = "(SELECT FROM locked WHERE aid OPERATOR(pg_catalog.=) locked.pg_backfill_key1)";
	EXPECT_EQ(core::WalkStatement(Single(), true),
	          "WITH locked (pg_backfill_key1) AS MATERIALIZED (SELECT aid FROM ONLY public.pgbench_accounts WHERE " +
	              range +
	              " AND abalance_cents IS NULL FOR NO KEY UPDATE SKIP LOCKED), updated AS (UPDATE ONLY "
	              "public.pgbench_accounts SET abalance_cents = ((abalance)::bigint * 100) WHERE " +
	              range + " AND EXISTS " + in_locked +
	              " RETURNING 1) SELECT u.updated, s.aid FROM (SELECT count(*) AS "
	              "updated FROM updated) u LEFT JOIN (SELECT aid FROM ONLY public.pgbench_accounts WHERE " +
	              range + " AND abalance_cents IS NULL AND NOT EXISTS " + in_locked + ") s ON true");
	// The first batch has only the upper bound, at $1.
	EXPECT_NE(core::WalkStatement(Single(), false).find("WHERE aid OPERATOR(pg_catalog.<=) $1 AND abalance_cents"),
	          std::string::npos);
}

TEST(BatchSql, SweepStatementsAddressOneKey) {
	EXPECT_EQ(
	    core::KeyProbeQuery(Composite()),
	    "SELECT 1 FROM ONLY s.\"Orders\" WHERE tenant OPERATOR(pg_catalog.=) $1 AND \"Id\" OPERATOR(pg_catalog.=) $2");
	EXPECT_EQ(core::KeyLockQuery(Composite(), true),
	          core::KeyProbeQuery(Composite()) + " FOR NO KEY UPDATE SKIP LOCKED");
	EXPECT_EQ(core::KeyLockQuery(Composite(), false), core::KeyProbeQuery(Composite()) + " FOR NO KEY UPDATE");
	EXPECT_EQ(core::KeyUpdateStatement(Single()),
	          "UPDATE ONLY public.pgbench_accounts SET abalance_cents = ((abalance)::bigint * 100)"
	          " WHERE aid OPERATOR(pg_catalog.=) $1 AND abalance_cents IS NULL");
}

TEST(BatchSql, SingleKeyUsesItsOperatorsNamespace) {
	core::BatchTarget t = Single();
	t.keys[0].ops = Ops("\"App\"");
	EXPECT_EQ(core::BoundQuery(t, true),
	          "SELECT aid FROM ONLY public.pgbench_accounts WHERE aid OPERATOR(\"App\".>) $1"
	          " AND aid OPERATOR(\"App\".<=) $2 ORDER BY aid USING OPERATOR(\"App\".<) LIMIT $3");
	EXPECT_EQ(core::KeyUpdateStatement(t),
	          "UPDATE ONLY public.pgbench_accounts SET abalance_cents = ((abalance)::bigint"
	          " * 100) WHERE aid OPERATOR(\"App\".=) $1 AND abalance_cents IS NULL");
}

TEST(BatchSql, CompositeKeyInOneNamespaceUsesRowComparisons) {
	EXPECT_EQ(core::EndKeyQuery(Composite()),
	          "SELECT tenant, \"Id\" FROM ONLY s.\"Orders\""
	          " ORDER BY tenant USING OPERATOR(pg_catalog.>), \"Id\" USING OPERATOR(pg_catalog.>) LIMIT 1");
	EXPECT_EQ(
	    core::BoundQuery(Composite(), true),
	    "SELECT tenant, \"Id\" FROM ONLY s.\"Orders\" WHERE ROW(tenant, \"Id\") OPERATOR(pg_catalog.>) ROW($1, $2)"
	    " AND ROW(tenant, \"Id\") OPERATOR(pg_catalog.<=) ROW($3, $4)"
	    " ORDER BY tenant USING OPERATOR(pg_catalog.<), \"Id\" USING OPERATOR(pg_catalog.<) LIMIT $5");
	// only_null is off: no IS NULL test anywhere.
	EXPECT_EQ(core::WalkStatement(Composite(), false).find("IS NULL"), std::string::npos);
	EXPECT_EQ(core::BoundQueryParamCount(Composite(), true), 5);
}

TEST(BatchSql, CompositeKeyAcrossNamespacesExpandsLexicographically) {
	const std::string lower = "k1 OPERATOR(pg_catalog.>=) $1 AND (k1 OPERATOR(pg_catalog.>) $1"
	                          " OR (k1 OPERATOR(pg_catalog.=) $1 AND (k2 OPERATOR(\"App\".>) $2"
	                          " OR (k2 OPERATOR(\"App\".=) $2 AND k3 OPERATOR(pg_catalog.>) $3))))";
	const std::string upper = "k1 OPERATOR(pg_catalog.<=) $4 AND (k1 OPERATOR(pg_catalog.<) $4"
	                          " OR (k1 OPERATOR(pg_catalog.=) $4 AND (k2 OPERATOR(\"App\".<) $5"
	                          " OR (k2 OPERATOR(\"App\".=) $5 AND k3 OPERATOR(pg_catalog.<=) $6))))";
	const std::string order = " ORDER BY k1 USING OPERATOR(pg_catalog.<), k2 USING OPERATOR(\"App\".<),"
	                          " k3 USING OPERATOR(pg_catalog.<)";
	EXPECT_EQ(core::BoundQuery(MixedNamespaces(), true),
	          "SELECT k1, k2, k3 FROM ONLY s.\"Orders\" WHERE " + lower + " AND " + upper + order + " LIMIT $7");
	// The upper bound alone starts at $1.
	EXPECT_EQ(core::BoundQuery(MixedNamespaces(), false),
	          "SELECT k1, k2, k3 FROM ONLY s.\"Orders\" WHERE k1 OPERATOR(pg_catalog.<=) $1 AND"
	          " (k1 OPERATOR(pg_catalog.<) $1 OR (k1 OPERATOR(pg_catalog.=) $1 AND (k2 OPERATOR(\"App\".<) $2"
	          " OR (k2 OPERATOR(\"App\".=) $2 AND k3 OPERATOR(pg_catalog.<=) $3))))" +
	              order + " LIMIT $4");
	EXPECT_EQ(core::KeyProbeQuery(MixedNamespaces()),
	          "SELECT 1 FROM ONLY s.\"Orders\" WHERE k1 OPERATOR(pg_catalog.=) $1 AND k2 OPERATOR(\"App\".=) $2"
	          " AND k3 OPERATOR(pg_catalog.=) $3");
}

TEST(BatchSql, RowComparisonNeedsTheSameOperatorForItsStrategyOnly) {
	// A family whose ">" is named differently cannot share one row
	// comparison for the lower bound; the upper bound still can.
	core::BatchTarget t = Composite();
	t.keys[1].ops.greater = "OPERATOR(pg_catalog.>>)";
	t.keys[1].ops.greater_equal = "OPERATOR(pg_catalog.>>=)";
	EXPECT_EQ(core::BoundQuery(t, true),
	          "SELECT tenant, \"Id\" FROM ONLY s.\"Orders\" WHERE tenant OPERATOR(pg_catalog.>=) $1 AND"
	          " (tenant OPERATOR(pg_catalog.>) $1 OR (tenant OPERATOR(pg_catalog.=) $1 AND \"Id\" "
	          "OPERATOR(pg_catalog.>>) $2))"
	          " AND ROW(tenant, \"Id\") OPERATOR(pg_catalog.<=) ROW($3, $4)"
	          " ORDER BY tenant USING OPERATOR(pg_catalog.<), \"Id\" USING OPERATOR(pg_catalog.<) LIMIT $5");
}

TEST(BatchSql, PartitionedTablesAreScannedWithoutOnly) {
	core::BatchTarget t = Single();
	t.partitioned = true;
	EXPECT_EQ(core::EndKeyQuery(t),
	          "SELECT aid FROM public.pgbench_accounts ORDER BY aid USING OPERATOR(pg_catalog.>) LIMIT 1");
	EXPECT_EQ(core::WalkStatement(t, true).find("ONLY"), std::string::npos);
	EXPECT_EQ(core::KeyUpdateStatement(t).rfind("UPDATE public.pgbench_accounts SET", 0), 0u);
}

TEST(BatchSql, IncompleteTargetsAreInternalErrors) {
	core::BatchTarget t = Single();
	t.keys.clear();
	try {
		core::BoundQuery(t, false);
		FAIL();
	} catch (const core::Error &e) {
		EXPECT_STREQ(e.SqlState(), "XX000");
	}
	t = Single();
	t.keys.push_back({"", Ops("pg_catalog")});
	EXPECT_THROW(core::WalkStatement(t, true), core::Error);
	t = Single();
	t.expression.clear();
	EXPECT_THROW(core::KeyUpdateStatement(t), core::Error);
	t = Single();
	t.keys[0].ops.equal.clear();
	EXPECT_THROW(core::EndKeyQuery(t), core::Error);
}
