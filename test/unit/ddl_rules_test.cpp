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
	f.trigger_expression = "";
	f.other_relation = "";
	f.other_relation_sql = "";
	f.index_names = "";
	f.index_sql = "";
	f.check_sql = "";
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
	EXPECT_TRUE(Contains(core::DecideDdl(f, kMinSize).reason,
	                     "truncated (or otherwise given new storage) in the current transaction"));
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

TEST(WeakLocks, WorkUnderAStrongerLockHeldByTheTransactionIsJudgedByThatLock) {
	// VALIDATE after ADD CONSTRAINT in one transaction (an atomic migration).
	core::DdlFacts f = Facts(core::DdlCommand::kValidateConstraint, "ALTER TABLE ... VALIDATE CONSTRAINT", 4);
	f.held_lock_mode = core::kAccessExclusiveLock;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_STREQ(v.lock_mode, "AccessExclusiveLock");
	EXPECT_TRUE(Contains(v.hint, "Commit before this statement"));
	// A held lock no stronger than the statement's changes nothing.
	f.held_lock_mode = 4;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
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

TEST(AddColumnHints, IdentityNeedsNoPlaceholder) {
	core::DdlFacts f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.type_name = "integer";
	f.identity = true;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.rewrite);
	EXPECT_FALSE(Contains(v.hint, "<"));
	// the helper sequence is not OWNED BY the column, so pg_get_serial_sequence finds the identity's
	EXPECT_TRUE(Contains(v.hint, "CREATE SEQUENCE orders_token_backfill_seq;"));
	EXPECT_TRUE(
	    Contains(v.hint, "SELECT start_backfill('orders', 'token', 'nextval(''orders_token_backfill_seq'')');"));
	EXPECT_TRUE(Contains(v.hint, "ALTER TABLE orders ALTER COLUMN token DROP DEFAULT; ALTER TABLE orders ALTER "
	                             "COLUMN token ADD GENERATED BY DEFAULT AS IDENTITY;"));
	EXPECT_TRUE(Contains(v.hint, "SELECT setval(pg_get_serial_sequence('orders', 'token'), "
	                             "nextval('orders_token_backfill_seq'));"));
	EXPECT_TRUE(Contains(v.hint, "SET LOCAL lock_timeout"));
	f.identity_always = true;
	EXPECT_TRUE(Contains(core::DecideDdl(f, kMinSize).hint, "ADD GENERATED ALWAYS AS IDENTITY"));
}

TEST(AddColumnHints, StoredGeneratedSpellsOutTheTrigger) {
	core::DdlFacts f = Facts(core::DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN");
	f.column = "doubled";
	f.column_raw = "doubled";
	f.type_name = "bigint";
	f.generated_stored = true;
	f.expression = "(qty * 2)";
	f.trigger_expression = "(new.qty * 2)";
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(Contains(v.hint, "CREATE FUNCTION orders_doubled_generated() RETURNS trigger LANGUAGE plpgsql AS "
	                             "$$BEGIN NEW.doubled := (new.qty * 2); RETURN NEW; END$$;"));
	EXPECT_TRUE(Contains(v.hint, "CREATE TRIGGER orders_doubled_generated BEFORE INSERT OR UPDATE ON orders FOR EACH "
	                             "ROW EXECUTE FUNCTION orders_doubled_generated();"));
	EXPECT_TRUE(Contains(v.hint, "SELECT start_backfill('orders', 'doubled', '(qty * 2)');"));
}

TEST(AlterType, RewriteHintSpellsOutShadowColumnAndSwap) {
	core::DdlFacts f = Facts(core::DdlCommand::kAlterColumnType, "ALTER TABLE ... ALTER COLUMN");
	f.column = "qty";
	f.column_raw = "qty";
	f.type_name = "bigint";
	f.expression = "(qty)::bigint";
	f.trigger_expression = "(new.qty)::bigint";
	f.type_rewrite = true;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.rewrite);
	EXPECT_TRUE(Contains(v.hint, "ALTER TABLE orders ADD COLUMN qty_new bigint;"));
	EXPECT_TRUE(Contains(v.hint, "NEW.qty_new := (new.qty)::bigint;"));
	EXPECT_TRUE(Contains(v.hint, "SELECT start_backfill('orders', 'qty_new', '(qty)::bigint');"));
	EXPECT_TRUE(Contains(v.hint, "BEGIN; SET LOCAL lock_timeout = '2s'; DROP TRIGGER orders_qty_new_sync ON orders; "
	                             "ALTER TABLE orders DROP COLUMN qty; ALTER TABLE orders RENAME COLUMN qty_new TO "
	                             "qty; COMMIT; DROP FUNCTION orders_qty_new_sync();"));
	EXPECT_FALSE(Contains(v.hint, "qty_new IS NOT NULL"));
	f.old_not_null = true;
	EXPECT_TRUE(Contains(core::DecideDdl(f, kMinSize).hint, "CHECK (qty_new IS NOT NULL) NOT VALID"));
}

TEST(AlterType, CollationChangeRebuildsIndex) {
	core::DdlFacts f = Facts(core::DdlCommand::kAlterColumnType, "ALTER TABLE ... ALTER COLUMN");
	f.type_name = "character varying";
	f.type_index_rebuild = true;
	f.type_collation_change = true;
	f.object_def = "\"C\"";
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.index_build);
	EXPECT_FALSE(v.rewrite);
	EXPECT_TRUE(Contains(v.reason, "collation changes"));
	EXPECT_TRUE(Contains(v.hint, "ALTER TABLE orders ALTER COLUMN token TYPE character varying COLLATE \"C\";"));
}

TEST(SetNotNull, PartitionedNamesUnprovenPartition) {
	core::DdlFacts f = Facts(core::DdlCommand::kSetNotNull, "ALTER TABLE ... ALTER COLUMN");
	f.partitioned = true;
	f.other_relation = "orders_2024";
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.scan);
	EXPECT_TRUE(Contains(v.reason, "partition \"orders_2024\""));
	EXPECT_TRUE(Contains(v.hint, "validated on every partition"));
	f.not_null_proven = true; // every partition proven by its own constraints
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

TEST(AttachPartition, DefaultPartitionScan) {
	core::DdlFacts f = Facts(core::DdlCommand::kAttachPartition, "ALTER TABLE ... ATTACH PARTITION");
	f.relation = f.relation_name = "orders_other";
	f.default_partition = true;
	f.other_relation = "orders_2025";
	f.object_def = "((at IS NULL) OR (at < '2025-01-01'::date) OR (at >= '2026-01-01'::date))";
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.scan);
	EXPECT_FALSE(v.index_build);
	EXPECT_STREQ(v.message, "ALTER TABLE ... ATTACH PARTITION \"orders_2025\" scans table \"orders_other\" (2148 MB) "
	                        "under AccessExclusiveLock");
	EXPECT_TRUE(Contains(v.reason, "DEFAULT partition"));
	EXPECT_TRUE(Contains(v.hint, "ALTER TABLE orders_other ADD CONSTRAINT orders_other_excludes_orders_2025 CHECK ((at "
	                             "IS NULL) OR (at < '2025-01-01'::date) OR (at >= '2026-01-01'::date)) NOT VALID;"));
	f.bound_implied = true; // its validated constraints exclude the new range
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	// CREATE TABLE ... PARTITION OF re-checks the default partition the same way
	f.bound_implied = false;
	f.command_tag = "CREATE TABLE ... PARTITION OF";
	EXPECT_STREQ(core::DecideDdl(f, kMinSize).message, "CREATE TABLE ... PARTITION OF \"orders_2025\" scans table "
	                                                   "\"orders_other\" (2148 MB) under AccessExclusiveLock");
	f.size_bytes = 1024; // a small default partition is exempt
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

TEST(AttachPartition, MissingIndexesGiveTheStatements) {
	core::DdlFacts f = Facts(core::DdlCommand::kAttachPartition, "ALTER TABLE ... ATTACH PARTITION");
	f.bound_implied = true;
	f.missing_indexes = true;
	f.index_names = "orders_amount";
	f.index_sql = "CREATE INDEX CONCURRENTLY ON orders_2025 USING btree (amount);";
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.index_build);
	EXPECT_FALSE(v.scan);
	EXPECT_TRUE(Contains(v.reason, "orders_amount"));
	EXPECT_TRUE(Contains(v.hint, "CREATE INDEX CONCURRENTLY ON orders_2025 USING btree (amount);"));
	f.missing_indexes = false;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

core::DdlFacts
DomainFacts(const char *tag) {
	core::DdlFacts f = Facts(core::DdlCommand::kAlterDomain, tag, core::kShareLock);
	f.type_name = "quantity";
	f.object_name = f.object_raw = "quantity_positive";
	f.object_def = "(VALUE > 0)";
	f.size_bytes = 8 * 1024 * 1024; // this table alone is below the threshold
	f.table_count = 3;
	f.total_size_bytes = int64_t(30) * 1024 * 1024;
	f.check_sql = "SELECT count(*) FROM orders WHERE NOT (q > 0);";
	return f;
}

TEST(AlterDomain, JudgedOnTheSummedSize) {
	core::DdlFacts f = DomainFacts("ALTER DOMAIN ... ADD CONSTRAINT");
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.scan);
	EXPECT_STREQ(v.lock_mode, "ShareLock");
	EXPECT_STREQ(v.message, "ALTER DOMAIN ... ADD CONSTRAINT \"quantity_positive\" on domain quantity scans table "
	                        "\"orders\" (8192 kB; 3 tables use the domain, 30 MB in total) under ShareLock");
	EXPECT_TRUE(
	    Contains(v.hint, "ALTER DOMAIN quantity ADD CONSTRAINT quantity_positive CHECK (VALUE > 0) NOT VALID;"));
	EXPECT_TRUE(Contains(v.hint, "SELECT count(*) FROM orders WHERE NOT (q > 0);"));
	f.total_size_bytes = 9 * 1024 * 1024;
	v = core::DecideDdl(f, kMinSize);
	EXPECT_FALSE(v.unsafe);
	EXPECT_TRUE(Contains(v.reason, "the tables using the domain (9216 kB in total) are smaller"));
	f.total_size_bytes = 0;
	EXPECT_TRUE(Contains(core::DecideDdl(f, kMinSize).reason, "the tables using the domain are empty"));
}

TEST(AlterDomain, NotValidAndNoopAreSafeValidateAndSetNotNullScan) {
	core::DdlFacts f = DomainFacts("ALTER DOMAIN ... ADD CONSTRAINT");
	f.not_valid = true;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	f = DomainFacts("ALTER DOMAIN ... VALIDATE CONSTRAINT");
	f.domain_validate = true;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe); // PG15 validates a domain constraint under ShareLock
	EXPECT_TRUE(Contains(v.hint, "no lock-free way"));
	f = DomainFacts("ALTER DOMAIN ... SET NOT NULL");
	f.domain_set_not_null = true;
	f.object_raw = "quantity_not_null";
	v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(Contains(v.hint, "ADD CONSTRAINT quantity_not_null CHECK (VALUE IS NOT NULL) NOT VALID"));
	f.noop = true; // already NOT NULL
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	f.noop = false;
	f.created_in_xact = true; // this table's own lock does not matter
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

TEST(MultiTable, LargestTableIsJudged) {
	core::DdlFacts f = Facts(core::DdlCommand::kVacuumFull, "VACUUM FULL");
	f.multi_table = true;
	f.table_count = 12;
	f.total_size_bytes = int64_t(3000) * 1024 * 1024;
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.rewrite);
	EXPECT_STREQ(v.message, "VACUUM FULL rewrites table \"orders\" (2148 MB), the largest of the 12 tables it "
	                        "processes (3000 MB in total), under AccessExclusiveLock");
	f.size_bytes = 1024 * 1024; // the largest is below the threshold: each table is its own transaction
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
	f = Facts(core::DdlCommand::kReindex, "REINDEX SCHEMA", core::kShareLock);
	f.multi_table = true;
	f.table_count = 2;
	v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.index_build);
	EXPECT_TRUE(Contains(v.hint, "CONCURRENTLY"));
	f.concurrently = true;
	f.lock_mode = core::kShareUpdateExclusiveLock;
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}

TEST(ForeignKey, ReferencedTableOfANewTable) {
	core::DdlFacts f =
	    Facts(core::DdlCommand::kForeignKeyReferenced, "ALTER TABLE ... ADD CONSTRAINT", core::kShareRowExclusiveLock);
	f.relation = f.relation_name = "customers";
	f.other_relation = "new_orders";
	f.other_relation_sql = "new_orders";
	f.object_name = f.object_raw = "new_orders_customer_fk";
	f.object_def = "FOREIGN KEY (customer_id) REFERENCES customers (id)";
	f.total_size_bytes = int64_t(50) * 1024 * 1024; // the referencing table, which is read
	core::DdlVerdict v = core::DecideDdl(f, kMinSize);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.fk_validation);
	EXPECT_FALSE(v.scan);
	EXPECT_STREQ(v.message, "ALTER TABLE ... ADD CONSTRAINT \"new_orders_customer_fk\" FOREIGN KEY holds "
	                        "ShareRowExclusiveLock on table \"customers\" while it validates new table \"new_orders\" "
	                        "(50 MB)");
	EXPECT_TRUE(Contains(v.hint, "ALTER TABLE new_orders ADD CONSTRAINT new_orders_customer_fk FOREIGN KEY "
	                             "(customer_id) REFERENCES customers (id) NOT VALID;"));
	EXPECT_TRUE(Contains(v.hint, "ALTER TABLE new_orders VALIDATE CONSTRAINT new_orders_customer_fk;"));
	f.total_size_bytes = 0;
	v = core::DecideDdl(f, kMinSize);
	EXPECT_FALSE(v.unsafe);
	EXPECT_TRUE(Contains(v.reason, "the referencing table is empty"));
	f.total_size_bytes = 1024; // a big referenced table does not matter: the work is the referencing rows
	EXPECT_FALSE(core::DecideDdl(f, kMinSize).unsafe);
}
