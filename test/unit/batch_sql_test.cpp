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

TEST(BatchSql, SingleKeyBoundQueries) {
	EXPECT_EQ(core::BoundQuery(Single(), false), "SELECT aid FROM ONLY public.pgbench_accounts"
	                                             " ORDER BY aid USING OPERATOR(pg_catalog.<) LIMIT $1");
	EXPECT_EQ(core::BoundQuery(Single(), true),
	          "SELECT aid FROM ONLY public.pgbench_accounts WHERE aid OPERATOR(pg_catalog.>) $1"
	          " ORDER BY aid USING OPERATOR(pg_catalog.<) LIMIT $2");
	EXPECT_EQ(core::BoundQueryParamCount(Single(), false), 1);
	EXPECT_EQ(core::BoundQueryParamCount(Single(), true), 2);
}

TEST(BatchSql, SingleKeyUpdates) {
	const std::string set = "UPDATE ONLY public.pgbench_accounts SET abalance_cents = ((abalance)::bigint * 100)";
	EXPECT_EQ(core::UpdateStatement(Single(), false, true),
	          set + " WHERE aid OPERATOR(pg_catalog.<=) $1 AND abalance_cents IS NULL");
	EXPECT_EQ(core::UpdateStatement(Single(), true, true),
	          set + " WHERE aid OPERATOR(pg_catalog.>) $1 AND aid OPERATOR(pg_catalog.<=) $2"
	                " AND abalance_cents IS NULL");
	EXPECT_EQ(core::UpdateStatement(Single(), true, false),
	          set + " WHERE aid OPERATOR(pg_catalog.>) $1 AND abalance_cents IS NULL");
	EXPECT_EQ(core::UpdateStatement(Single(), false, false), set + " WHERE abalance_cents IS NULL");
}

TEST(BatchSql, SingleKeyUsesItsOperatorsNamespace) {
	core::BatchTarget t = Single();
	t.keys[0].ops = Ops("\"App\"");
	EXPECT_EQ(core::BoundQuery(t, true), "SELECT aid FROM ONLY public.pgbench_accounts WHERE aid OPERATOR(\"App\".>) $1"
	                                     " ORDER BY aid USING OPERATOR(\"App\".<) LIMIT $2");
	EXPECT_EQ(core::UpdateStatement(t, true, true),
	          "UPDATE ONLY public.pgbench_accounts SET abalance_cents = ((abalance)::bigint * 100)"
	          " WHERE aid OPERATOR(\"App\".>) $1 AND aid OPERATOR(\"App\".<=) $2 AND abalance_cents IS NULL");
}

TEST(BatchSql, CompositeKeyInOneNamespaceUsesRowComparisons) {
	EXPECT_EQ(core::BoundQuery(Composite(), false),
	          "SELECT tenant, \"Id\" FROM ONLY s.\"Orders\""
	          " ORDER BY tenant USING OPERATOR(pg_catalog.<), \"Id\" USING OPERATOR(pg_catalog.<) LIMIT $1");
	EXPECT_EQ(
	    core::BoundQuery(Composite(), true),
	    "SELECT tenant, \"Id\" FROM ONLY s.\"Orders\" WHERE ROW(tenant, \"Id\") OPERATOR(pg_catalog.>) ROW($1, $2)"
	    " ORDER BY tenant USING OPERATOR(pg_catalog.<), \"Id\" USING OPERATOR(pg_catalog.<) LIMIT $3");
	EXPECT_EQ(core::UpdateStatement(Composite(), true, true),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE ROW(tenant, \"Id\") OPERATOR(pg_catalog.>) ROW($1, $2)"
	          " AND ROW(tenant, \"Id\") OPERATOR(pg_catalog.<=) ROW($3, $4)");
	EXPECT_EQ(core::UpdateStatement(Composite(), false, true),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE ROW(tenant, \"Id\") OPERATOR(pg_catalog.<=) ROW($1, $2)");
	EXPECT_EQ(core::UpdateStatement(Composite(), true, false),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE ROW(tenant, \"Id\") OPERATOR(pg_catalog.>) ROW($1, $2)");
	EXPECT_EQ(core::UpdateStatement(Composite(), false, false), "UPDATE ONLY s.\"Orders\" SET c = (a + b)");
	EXPECT_EQ(core::BoundQueryParamCount(Composite(), true), 3);
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
	          "SELECT k1, k2, k3 FROM ONLY s.\"Orders\" WHERE " + lower + order + " LIMIT $4");
	EXPECT_EQ(core::UpdateStatement(MixedNamespaces(), true, true),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE " + lower + " AND " + upper);
	// The upper bound alone starts at $1.
	EXPECT_EQ(core::UpdateStatement(MixedNamespaces(), false, true),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE k1 OPERATOR(pg_catalog.<=) $1 AND"
	          " (k1 OPERATOR(pg_catalog.<) $1 OR (k1 OPERATOR(pg_catalog.=) $1 AND (k2 OPERATOR(\"App\".<) $2"
	          " OR (k2 OPERATOR(\"App\".=) $2 AND k3 OPERATOR(pg_catalog.<=) $3))))");
	EXPECT_EQ(core::BoundQueryParamCount(MixedNamespaces(), true), 4);
}

TEST(BatchSql, TwoKeysAcrossNamespaces) {
	core::BatchTarget t = Composite();
	t.keys[1].ops = Ops("app");
	EXPECT_EQ(
	    core::UpdateStatement(t, true, false),
	    "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE tenant OPERATOR(pg_catalog.>=) $1 AND"
	    " (tenant OPERATOR(pg_catalog.>) $1 OR (tenant OPERATOR(pg_catalog.=) $1 AND \"Id\" OPERATOR(app.>) $2))");
}

TEST(BatchSql, RowComparisonNeedsTheSameOperatorForItsStrategyOnly) {
	// A family whose ">" is named differently cannot share one row
	// comparison for the lower bound; the upper bound still can.
	core::BatchTarget t = Composite();
	t.keys[1].ops.greater = "OPERATOR(pg_catalog.>>)";
	t.keys[1].ops.greater_equal = "OPERATOR(pg_catalog.>>=)";
	EXPECT_EQ(core::UpdateStatement(t, true, true),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE tenant OPERATOR(pg_catalog.>=) $1 AND"
	          " (tenant OPERATOR(pg_catalog.>) $1 OR (tenant OPERATOR(pg_catalog.=) $1 AND \"Id\" "
	          "OPERATOR(pg_catalog.>>) $2))"
	          " AND ROW(tenant, \"Id\") OPERATOR(pg_catalog.<=) ROW($3, $4)");
}

TEST(BatchSql, PartitionedTablesAreScannedWithoutOnly) {
	core::BatchTarget t = Single();
	t.partitioned = true;
	EXPECT_EQ(core::BoundQuery(t, false),
	          "SELECT aid FROM public.pgbench_accounts ORDER BY aid USING OPERATOR(pg_catalog.<) LIMIT $1");
	EXPECT_EQ(core::UpdateStatement(t, true, false).rfind("UPDATE public.pgbench_accounts SET", 0), 0u);
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
	EXPECT_THROW(core::UpdateStatement(t, true, true), core::Error);
	t = Single();
	t.expression.clear();
	EXPECT_THROW(core::UpdateStatement(t, true, true), core::Error);
	t = Single();
	t.keys[0].ops.equal.clear();
	EXPECT_THROW(core::BoundQuery(t, true), core::Error);
}
