// GoogleTest for the DDL guard's decision table (src/core/ddl_rules).
#include "core/ddl_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace core = pg_backfill::core;

namespace {

constexpr int64_t kMinSize = 10 * 1024 * 1024;

// Facts for a subcommand on a 2148 MB table "orders" with every string set.
core::DdlFacts
Facts(core::DdlCommand command, const char *tag, int lock_mode = core::kAccessExclusiveLock) {
	core::DdlFacts f{};
	f.command = command;
	f.command_tag = tag;
	f.relation = "orders";
	f.relation_name = "orders";
	f.column = "token";
	f.column_raw = "token";
	f.type_name = "uuid";
	f.expression = "gen_random_uuid()";
	f.object_name = "orders_check";
	f.object_raw = "orders_check";
	f.object_def = "(qty > 0)";
	f.sequence_name = "orders_token_seq";
	f.lock_mode = lock_mode;
	f.size_bytes = int64_t(2148) * 1024 * 1024;
	return f;
}

core::DdlFacts
VolatileAddColumn() {
	core::DdlFacts f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.has_default = true;
	f.default_volatile = true;
	return f;
}

bool
Contains(const char *haystack, const std::string &needle) {
	return std::string(haystack).find(needle) != std::string::npos;
}

} // namespace

TEST(FormatSize, MatchesPgSizePretty) {
	char buf[64];
	EXPECT_STREQ(core::FormatSize(0, buf, sizeof(buf)), "0 bytes");
	EXPECT_STREQ(core::FormatSize(8192, buf, sizeof(buf)), "8192 bytes");
	EXPECT_STREQ(core::FormatSize(10239, buf, sizeof(buf)), "10239 bytes");
	EXPECT_STREQ(core::FormatSize(10240, buf, sizeof(buf)), "10 kB");
	EXPECT_STREQ(core::FormatSize(1048576, buf, sizeof(buf)), "1024 kB");
	EXPECT_STREQ(core::FormatSize(int64_t(20) * 1024 * 1024, buf, sizeof(buf)), "20 MB");
	EXPECT_STREQ(core::FormatSize(int64_t(2148) * 1024 * 1024, buf, sizeof(buf)), "2148 MB");
	EXPECT_STREQ(core::FormatSize(int64_t(200) * 1024 * 1024 * 1024, buf, sizeof(buf)), "200 GB");
}

TEST(LockModeName, NamesAsPostgreSQLDoes) {
	EXPECT_STREQ(core::LockModeName(8), "AccessExclusiveLock");
	EXPECT_STREQ(core::LockModeName(4), "ShareUpdateExclusiveLock");
	EXPECT_STREQ(core::LockModeName(5), "ShareLock");
	EXPECT_STREQ(core::LockModeName(6), "ShareRowExclusiveLock");
	EXPECT_STREQ(core::LockModeName(42), "unknown");
}

TEST(AddColumn, VolatileDefaultRewritesWithBackfillHint) {
	core::DdlVerdict v = core::DecideDdl(VolatileAddColumn(), kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.rewrite);
	EXPECT_TRUE(v.scan);
	EXPECT_STREQ(v.lock_mode, "AccessExclusiveLock");
	EXPECT_STREQ(v.message, "ALTER TABLE ... ADD COLUMN \"token\" with a volatile default rewrites table \"orders\" "
	                        "(2148 MB) under AccessExclusiveLock");
	EXPECT_TRUE(Contains(v.hint, "ALTER TABLE orders ADD COLUMN token uuid; ALTER TABLE orders ALTER COLUMN token "
	                             "SET DEFAULT gen_random_uuid(); SELECT start_backfill('orders', 'token', "
	                             "'gen_random_uuid()');"));
	EXPECT_TRUE(Contains(v.detail, "AccessExclusiveLock blocks every read and write"));
}

TEST(AddColumn, NonVolatileDefaultIsSafe) {
	core::DdlFacts f = VolatileAddColumn();
	f.default_volatile = false;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_FALSE(v.unsafe);
	EXPECT_FALSE(v.rewrite);
	EXPECT_FALSE(v.scan);
	EXPECT_STREQ(v.hint, "");
}

TEST(AddColumn, RewritingKindsAreUnsafe) {
	for (int kind = 0; kind < 4; kind++) {
		core::DdlFacts f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
		f.serial = kind == 0;
		f.identity = kind == 1;
		f.generated_stored = kind == 2;
		f.domain_constraints = kind == 3;
		core::DdlVerdict v = core::DecideDdl(f, kMinSize);
		EXPECT_TRUE(v.unsafe) << kind;
		EXPECT_TRUE(v.rewrite) << kind;
	}
}

TEST(AddColumn, SerialHintUsesASequenceAndABackfill) {
	core::DdlFacts f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.serial = true;
	f.type_name = "bigint";
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(Contains(v.hint, "CREATE SEQUENCE orders_token_seq OWNED BY orders.token;"));
	EXPECT_TRUE(Contains(v.hint, "SELECT start_backfill('orders', 'token', 'nextval(''orders_token_seq'')');"));
}

TEST(AddColumn, NotNullWithoutDefaultScans) {
	core::DdlFacts f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.not_null = true;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_FALSE(v.rewrite);
	EXPECT_TRUE(v.scan);
	f.has_default = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

TEST(AddColumn, InlineConstraints) {
	core::DdlFacts f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.inline_unique = true;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.index_build);
	EXPECT_TRUE(v.unsafe);
	f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.inline_check = true;
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).scan);
	f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.fk_validated = true;
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).fk_validation);
}

TEST(AddColumn, DomainDefaultHintKeepsTheDomainDefaultForNewRows) {
	core::DdlFacts f = VolatileAddColumn();
	f.domain_default = true;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(
	    Contains(v.hint, "ADD COLUMN token uuid DEFAULT NULL; ALTER TABLE orders ALTER COLUMN token DROP DEFAULT;"));
}

TEST(Exemptions, EmptySmallNewTruncated) {
	core::DdlFacts f = VolatileAddColumn();
	f.size_bytes = 0;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_FALSE(v.unsafe);
	EXPECT_TRUE(v.rewrite); // the work is still reported
	EXPECT_TRUE(Contains(v.reason, "Exempt: the table is empty."));

	f = VolatileAddColumn();
	f.size_bytes = kMinSize - 1;
	v = core::DecideDdl(f, kMinSize);
	EXPECT_FALSE(v.unsafe);
	EXPECT_TRUE(Contains(v.reason, "is smaller than pg_backfill.guard_min_size (10 MB)"));
	f.size_bytes = kMinSize;
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).unsafe);

	f = VolatileAddColumn();
	f.created_in_xact = true;
	EXPECT_TRUE(Contains(core::DecideDdl(f, kMinSize).reason, "created in the current transaction"));
	f = VolatileAddColumn();
	f.truncated_in_xact = true;
	EXPECT_TRUE(Contains(core::DecideDdl(f, kMinSize).reason, "truncated (or otherwise given new storage) in the current transaction"));
}

TEST(AlterType, BinaryCoercibleIsSafeUnlessChecksOrIndexes) {
	core::DdlFacts f = Facts(core::DdlCommand::kAlterColumnType, "ALTER TABLE ... ALTER COLUMN");
	f.type_name = "text";
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	f.type_rechecks = true;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.scan);
	EXPECT_FALSE(v.rewrite);
	f.type_rechecks = false;
	f.type_index_rebuild = true;
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).index_build);
	f.type_rewrite = true;
	v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.rewrite);
	EXPECT_TRUE(Contains(v.hint, "ADD COLUMN token_new text;"));
}

TEST(SetNotNull, ProvenOrAlreadyNotNullIsSafe) {
	core::DdlFacts f = Facts(core::DdlCommand::kSetNotNull, "ALTER TABLE ... ALTER COLUMN");
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(Contains(v.hint, "CHECK (token IS NOT NULL) NOT VALID"));
	f.not_null_proven = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	f.not_null_proven = false;
	f.noop = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

TEST(Constraints, NotValidAndUsingIndexAreSafe) {
	core::DdlFacts f = Facts(core::DdlCommand::kAddCheck, "ALTER TABLE ... ADD CONSTRAINT");
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).unsafe);
	EXPECT_TRUE(Contains(core::DecideDdl(f, kMinSize).hint, "CHECK (qty > 0) NOT VALID"));
	f.not_valid = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);

	f = Facts(core::DdlCommand::kAddForeignKey, "ALTER TABLE ... ADD CONSTRAINT", 6);
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.fk_validation);
	EXPECT_TRUE(Contains(v.detail, "ShareRowExclusiveLock blocks every write to the table"));

	f = Facts(core::DdlCommand::kAddUnique, "ALTER TABLE ... ADD CONSTRAINT");
	f.primary_key = true;
	f.using_index = true;
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).scan); // nullable key columns
	f.not_null_proven = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

TEST(WeakLocks, WorkUnderShareUpdateExclusiveLockIsSafe) {
	core::DdlFacts f = Facts(core::DdlCommand::kValidateConstraint, "ALTER TABLE ... VALIDATE CONSTRAINT", 4);
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.scan);
	EXPECT_FALSE(v.unsafe);
	f = Facts(core::DdlCommand::kCreateIndex, "CREATE INDEX CONCURRENTLY", 4);
	f.concurrently = true;
	v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.index_build);
	EXPECT_FALSE(v.unsafe);
}

TEST(IndexFamily, NonConcurrentFormsAreUnsafe) {
	core::DdlFacts f = Facts(core::DdlCommand::kCreateIndex, "CREATE INDEX", core::kShareLock);
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_STREQ(v.message, "CREATE INDEX without CONCURRENTLY builds an index on table \"orders\" (2148 MB) under "
	                        "ShareLock");
	f.noop = true; // IF NOT EXISTS on an existing index
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	EXPECT_TRUE(core::DecideDdl(Facts(core::DdlCommand::kCluster, "CLUSTER"), kMinSize).rewrite);
	EXPECT_TRUE(core::DecideDdl(Facts(core::DdlCommand::kVacuumFull, "VACUUM FULL"), kMinSize).rewrite);
	core::DdlFacts r = Facts(core::DdlCommand::kRefreshMatview, "REFRESH MATERIALIZED VIEW");
	EXPECT_TRUE(core::DecideDdl(r, kMinSize).unsafe);
	r.concurrently = true;
	r.lock_mode = 7;
	EXPECT_FALSE(core::DecideDdl(r, kMinSize).unsafe);
}

TEST(TableFamily, PersistenceTablespaceAttach) {
	core::DdlFacts f = Facts(core::DdlCommand::kSetPersistence, "ALTER TABLE ... SET UNLOGGED");
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).rewrite);
	f.noop = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	f = Facts(core::DdlCommand::kAttachPartition, "ALTER TABLE ... ATTACH PARTITION");
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).scan);
	f.bound_implied = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	f.missing_indexes = true;
	EXPECT_TRUE(core::DecideDdl(f, kMinSize).index_build);
}

TEST(Hints, LiteralsAreQuoted) {
	core::DdlFacts f = VolatileAddColumn();
	f.relation = "\"O'Brien\"";
	f.column_raw = "it's";
	f.column = "\"it's\"";
	f.expression = "'a\\b'::text";
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(Contains(v.hint, "start_backfill('\"O''Brien\"', 'it''s', E'''a\\\\b''::text')"));
}

TEST(Safe, CatalogOnlyChange) {
	core::DdlVerdict v = core::DecideDdl(Facts(core::DdlCommand::kOther, "ALTER TABLE ... DROP COLUMN"), kMinSize);
	EXPECT_FALSE(v.unsafe);
	EXPECT_STREQ(v.hint, "");
	EXPECT_TRUE(Contains(v.reason, "changes only the catalog"));
}
