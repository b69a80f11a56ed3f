#include "core/batch_sql.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace core = pg_backfill::core;

namespace {

core::BatchTarget
Single() {
	core::BatchTarget t;
	t.table = "public.pgbench_accounts";
	t.key_columns = {"aid"};
	t.column = "abalance_cents";
	t.expression = "(abalance)::bigint * 100";
	return t;
}

core::BatchTarget
Composite() {
	core::BatchTarget t;
	t.table = "s.\"Orders\"";
	t.key_columns = {"tenant", "\"Id\""};
	t.column = "c";
	t.expression = "a + b";
	t.only_null = false;
	return t;
}

} // namespace

TEST(BatchSql, SingleKeyBoundQueries) {
	EXPECT_EQ(core::BoundQuery(Single(), false),
	          "SELECT aid FROM ONLY public.pgbench_accounts ORDER BY aid LIMIT $1");
	EXPECT_EQ(core::BoundQuery(Single(), true),
	          "SELECT aid FROM ONLY public.pgbench_accounts WHERE aid > $1 ORDER BY aid LIMIT $2");
	EXPECT_EQ(core::BoundQueryParamCount(Single(), false), 1);
	EXPECT_EQ(core::BoundQueryParamCount(Single(), true), 2);
}

TEST(BatchSql, SingleKeyUpdates) {
	const std::string set = "UPDATE ONLY public.pgbench_accounts SET abalance_cents = ((abalance)::bigint * 100)";
	EXPECT_EQ(core::UpdateStatement(Single(), false, true), set + " WHERE aid <= $1 AND abalance_cents IS NULL");
	EXPECT_EQ(core::UpdateStatement(Single(), true, true),
	          set + " WHERE aid > $1 AND aid <= $2 AND abalance_cents IS NULL");
	EXPECT_EQ(core::UpdateStatement(Single(), true, false), set + " WHERE aid > $1 AND abalance_cents IS NULL");
	EXPECT_EQ(core::UpdateStatement(Single(), false, false), set + " WHERE abalance_cents IS NULL");
}

TEST(BatchSql, CompositeKeyUsesRowComparisons) {
	EXPECT_EQ(core::BoundQuery(Composite(), true),
	          "SELECT tenant, \"Id\" FROM ONLY s.\"Orders\" WHERE (tenant, \"Id\") > ($1, $2)"
	          " ORDER BY tenant, \"Id\" LIMIT $3");
	EXPECT_EQ(core::UpdateStatement(Composite(), true, true),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE (tenant, \"Id\") > ($1, $2)"
	          " AND (tenant, \"Id\") <= ($3, $4)");
	EXPECT_EQ(core::UpdateStatement(Composite(), false, true),
	          "UPDATE ONLY s.\"Orders\" SET c = (a + b) WHERE (tenant, \"Id\") <= ($1, $2)");
	EXPECT_EQ(core::UpdateStatement(Composite(), false, false), "UPDATE ONLY s.\"Orders\" SET c = (a + b)");
	EXPECT_EQ(core::BoundQueryParamCount(Composite(), true), 3);
}

TEST(BatchSql, PartitionedTablesAreScannedWithoutOnly) {
	core::BatchTarget t = Single();
	t.partitioned = true;
	EXPECT_EQ(core::BoundQuery(t, false), "SELECT aid FROM public.pgbench_accounts ORDER BY aid LIMIT $1");
	EXPECT_EQ(core::UpdateStatement(t, true, false).rfind("UPDATE public.pgbench_accounts SET", 0), 0u);
}

TEST(BatchSql, IncompleteTargetsAreInternalErrors) {
	core::BatchTarget t = Single();
	t.key_columns.clear();
	try {
		core::BoundQuery(t, false);
		FAIL();
	} catch (const core::Error &e) {
		EXPECT_STREQ(e.SqlState(), "XX000");
	}
	t = Single();
	t.key_columns.push_back("");
	EXPECT_THROW(core::UpdateStatement(t, true, true), core::Error);
	t = Single();
	t.expression.clear();
	EXPECT_THROW(core::UpdateStatement(t, true, true), core::Error);
}
