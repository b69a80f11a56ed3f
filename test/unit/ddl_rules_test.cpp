// GoogleTest for the DDL guard's decision table (src/core/ddl_rules): the
// rule, work, exemption and verdict of each family. The texts are the
// PostgreSQL layer's (src/pg/guard/messages.cpp), tested by pg_regress.
#include "core/ddl_rules.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace core = pg_backfill::core;
using core::DdlCommand;
using core::DdlRule;
using core::Exemption;

namespace {

constexpr int64_t kMinSize = 10 * 1024 * 1024;
constexpr int64_t kBig = int64_t(2148) * 1024 * 1024;

// Facts for a subcommand on a 2148 MB table with every string empty (the
// core never reads them).
core::DdlFacts
Facts(DdlCommand command, int lock_mode = core::kAccessExclusiveLock) {
	core::DdlFacts f{};
	f.command = command;
	f.command_tag = f.relation = f.relation_name = f.column = f.column_raw = f.type_name = f.expression = "";
	f.object_name = f.object_raw = f.object_def = f.sequence_name = f.trigger_expression = "";
	f.other_relation = f.other_relation_sql = f.index_names = f.index_sql = f.check_sql = "";
	f.lock_mode = lock_mode;
	f.size_bytes = kBig;
	return f;
}

core::DdlFacts
VolatileAddColumn() {
	core::DdlFacts f = Facts(DdlCommand::kAddColumn);
	f.has_default = true;
	f.default_volatile = true;
	return f;
}

core::DdlVerdict
Decide(const core::DdlFacts &f) {
	return core::DecideDdl(f, kMinSize);
}

} // namespace

TEST(RuleName, StableUniqueSnakeCase) {
	std::set<std::string> names;
	for (int r = 0; r < core::kDdlRuleCount; r++) {
		std::string name = core::RuleName(static_cast<DdlRule>(r));
		EXPECT_NE(name, "unknown") << r;
		for (char c : name)
			EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
		names.insert(name);
	}
	EXPECT_EQ(names.size(), size_t(core::kDdlRuleCount));
	// Names SQL keys on (guard_counters()): they never change meaning.
	EXPECT_STREQ(core::RuleName(DdlRule::kAddColumnVolatileDefault), "add_column_volatile_default");
	EXPECT_STREQ(core::RuleName(DdlRule::kSetNotNullUnproven), "set_not_null_unproven");
	EXPECT_STREQ(core::RuleName(DdlRule::kLockQueue), "lock_queue");
	EXPECT_STREQ(core::RuleName(static_cast<DdlRule>(core::kDdlRuleCount)), "unknown");
}

TEST(AddColumn, VolatileDefaultRewrites) {
	core::DdlVerdict v = Decide(VolatileAddColumn());
	EXPECT_EQ(v.rule, DdlRule::kAddColumnVolatileDefault);
	EXPECT_TRUE(v.unsafe);
	EXPECT_EQ(v.exemption, Exemption::kNone);
	EXPECT_TRUE(v.rewrite);
	EXPECT_TRUE(v.scan);
	EXPECT_EQ(v.lock_mode, core::kAccessExclusiveLock);
	EXPECT_EQ(v.judged_bytes, kBig);
}

TEST(AddColumn, NonVolatileDefaultIsCatalogOnly) {
	core::DdlFacts f = VolatileAddColumn();
	f.default_volatile = false;
	core::DdlVerdict v = Decide(f);
	EXPECT_FALSE(v.unsafe);
	EXPECT_FALSE(v.rewrite);
	EXPECT_EQ(v.rule, DdlRule::kCatalogOnly);
	EXPECT_EQ(v.exemption, Exemption::kBrief);
}

TEST(AddColumn, RewritingKindsInPostgreSQLsOrder) {
	const DdlRule expected[] = {DdlRule::kAddColumnSerial, DdlRule::kAddColumnIdentity,
	                            DdlRule::kAddColumnGeneratedStored, DdlRule::kAddColumnDomainConstraints};
	for (int kind = 0; kind < 4; kind++) {
		core::DdlFacts f = VolatileAddColumn(); // each kind wins over a volatile default
		f.serial = kind == 0;
		f.identity = kind <= 1;
		f.generated_stored = kind <= 2;
		f.domain_constraints = kind <= 3;
		core::DdlVerdict v = Decide(f);
		EXPECT_EQ(v.rule, expected[kind]) << kind;
		EXPECT_TRUE(v.unsafe) << kind;
		EXPECT_TRUE(v.rewrite) << kind;
	}
}

TEST(AddColumn, NotNullWithoutDefaultScans) {
	core::DdlFacts f = Facts(DdlCommand::kAddColumn);
	f.not_null = true;
	f.inline_unique = true; // the scan is reported first
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAddColumnNotNullWithoutDefault);
	EXPECT_TRUE(v.scan);
	EXPECT_FALSE(v.rewrite);
	EXPECT_FALSE(v.index_build);
	f.has_default = true;
	EXPECT_EQ(Decide(f).rule, DdlRule::kAddColumnInlineUnique);
}

TEST(AddColumn, InlineConstraints) {
	core::DdlFacts f = Facts(DdlCommand::kAddColumn);
	f.inline_primary_key = true;
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAddColumnInlineUnique);
	EXPECT_TRUE(v.index_build);
	f = Facts(DdlCommand::kAddColumn);
	f.inline_check = true;
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAddColumnInlineCheck);
	EXPECT_TRUE(v.scan);
	f = Facts(DdlCommand::kAddColumn);
	f.fk_validated = true;
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAddColumnForeignKey);
	EXPECT_TRUE(v.fk_validation);
	EXPECT_TRUE(v.scan);
}

TEST(Exemptions, InOrderNewTruncatedEmptySmall) {
	core::DdlFacts f = VolatileAddColumn();
	f.created_in_xact = true;
	f.truncated_in_xact = true;
	f.size_bytes = 0;
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.exemption, Exemption::kCreatedInXact);
	EXPECT_FALSE(v.unsafe);
	EXPECT_TRUE(v.rewrite); // the work is still reported
	EXPECT_EQ(v.rule, DdlRule::kAddColumnVolatileDefault);
	f.created_in_xact = false;
	EXPECT_EQ(Decide(f).exemption, Exemption::kTruncatedInXact);
	f.truncated_in_xact = false;
	EXPECT_EQ(Decide(f).exemption, Exemption::kEmpty);
	f.size_bytes = kMinSize - 1;
	EXPECT_EQ(Decide(f).exemption, Exemption::kBelowMinSize);
	f.size_bytes = kMinSize;
	EXPECT_TRUE(Decide(f).unsafe);
}

TEST(Exemptions, WeakLockComesFirst) {
	core::DdlFacts f = Facts(DdlCommand::kValidateConstraint, core::kShareUpdateExclusiveLock);
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kValidateConstraint);
	EXPECT_EQ(v.exemption, Exemption::kWeakLock);
	EXPECT_TRUE(v.scan);
	EXPECT_FALSE(v.unsafe);
	f = Facts(DdlCommand::kCreateIndex, core::kShareUpdateExclusiveLock);
	f.concurrently = true;
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kCreateIndexConcurrently);
	EXPECT_TRUE(v.index_build);
	EXPECT_FALSE(v.unsafe);
}

TEST(Exemptions, WorkUnderAStrongerLockHeldByTheTransactionIsJudgedByThatLock) {
	// VALIDATE after ADD CONSTRAINT in one transaction (an atomic migration).
	core::DdlFacts f = Facts(DdlCommand::kValidateConstraint, core::kShareUpdateExclusiveLock);
	f.held_lock_mode = core::kAccessExclusiveLock;
	core::DdlVerdict v = Decide(f);
	EXPECT_TRUE(v.under_held_lock);
	EXPECT_EQ(v.lock_mode, core::kAccessExclusiveLock);
	EXPECT_EQ(v.exemption, Exemption::kNone);
	EXPECT_TRUE(v.unsafe);
	// A held lock no stronger than the statement's changes nothing.
	f.held_lock_mode = core::kShareUpdateExclusiveLock;
	v = Decide(f);
	EXPECT_FALSE(v.under_held_lock);
	EXPECT_FALSE(v.unsafe);
}

TEST(AlterType, RewriteElseRecheckElseIndexRebuild) {
	core::DdlFacts f = Facts(DdlCommand::kAlterColumnType);
	EXPECT_EQ(Decide(f).rule, DdlRule::kCatalogOnly);
	f.type_index_rebuild = true;
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAlterTypeIndexRebuild);
	EXPECT_TRUE(v.index_build);
	EXPECT_FALSE(v.scan);
	f.type_rechecks = true;
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAlterTypeRecheckConstraints);
	EXPECT_TRUE(v.index_build);
	EXPECT_TRUE(v.scan);
	f.type_rewrite = true;
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAlterTypeRewrite);
	EXPECT_TRUE(v.rewrite);
	EXPECT_TRUE(v.index_build);
}

TEST(SetNotNull, ProvenOrAlreadyNotNullIsSafe) {
	core::DdlFacts f = Facts(DdlCommand::kSetNotNull);
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kSetNotNullUnproven);
	EXPECT_TRUE(v.unsafe);
	f.not_null_proven = true;
	EXPECT_EQ(Decide(f).rule, DdlRule::kCatalogOnly);
	f.not_null_proven = false;
	f.noop = true;
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAlreadyDone);
	EXPECT_EQ(v.exemption, Exemption::kNoop);
}

TEST(Constraints, NotValidAndUsingIndexAreSafe) {
	core::DdlFacts f = Facts(DdlCommand::kAddCheck);
	EXPECT_EQ(Decide(f).rule, DdlRule::kAddCheck);
	f.not_valid = true;
	EXPECT_FALSE(Decide(f).unsafe);

	f = Facts(DdlCommand::kAddForeignKey, core::kShareRowExclusiveLock);
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAddForeignKey);
	EXPECT_TRUE(v.unsafe);
	EXPECT_TRUE(v.fk_validation);

	f = Facts(DdlCommand::kAddUnique);
	EXPECT_EQ(Decide(f).rule, DdlRule::kAddUnique);
	f.using_index = true;
	EXPECT_FALSE(Decide(f).unsafe); // UNIQUE USING INDEX
	f.primary_key = true;
	EXPECT_EQ(Decide(f).rule, DdlRule::kAddPrimaryKeyUsingIndexNullable);
	f.not_null_proven = true;
	EXPECT_FALSE(Decide(f).unsafe);

	EXPECT_EQ(Decide(Facts(DdlCommand::kAddExclusion)).rule, DdlRule::kAddExclusion);
}

TEST(IndexAndRewriteFamilies, NonConcurrentFormsAreUnsafe) {
	core::DdlFacts f = Facts(DdlCommand::kCreateIndex, core::kShareLock);
	EXPECT_EQ(Decide(f).rule, DdlRule::kCreateIndex);
	EXPECT_TRUE(Decide(f).unsafe);
	f.noop = true; // IF NOT EXISTS on an existing index
	EXPECT_EQ(Decide(f).rule, DdlRule::kAlreadyDone);
	f = Facts(DdlCommand::kReindex, core::kShareLock);
	EXPECT_EQ(Decide(f).rule, DdlRule::kReindex);
	f.concurrently = true;
	f.lock_mode = core::kShareUpdateExclusiveLock;
	EXPECT_EQ(Decide(f).rule, DdlRule::kReindexConcurrently);
	EXPECT_FALSE(Decide(f).unsafe);
	EXPECT_EQ(Decide(Facts(DdlCommand::kCluster)).rule, DdlRule::kCluster);
	EXPECT_EQ(Decide(Facts(DdlCommand::kVacuumFull)).rule, DdlRule::kVacuumFull);
	core::DdlFacts r = Facts(DdlCommand::kRefreshMatview);
	EXPECT_EQ(Decide(r).rule, DdlRule::kRefreshMaterializedView);
	EXPECT_TRUE(Decide(r).rewrite);
	r.concurrently = true;
	r.lock_mode = 7;
	EXPECT_FALSE(Decide(r).unsafe);
	for (DdlCommand c : {DdlCommand::kSetPersistence, DdlCommand::kSetTablespace, DdlCommand::kSetAccessMethod}) {
		core::DdlFacts t = Facts(c);
		EXPECT_TRUE(Decide(t).rewrite);
		t.noop = true;
		EXPECT_EQ(Decide(t).rule, DdlRule::kAlreadyDone);
	}
	EXPECT_EQ(Decide(Facts(DdlCommand::kSetTablespace)).rule, DdlRule::kSetTablespace);
}

TEST(AttachPartition, BoundScanIndexBuildDefaultPartition) {
	core::DdlFacts f = Facts(DdlCommand::kAttachPartition);
	f.missing_indexes = true;
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAttachPartitionScan); // the scan names the rule when both apply
	EXPECT_TRUE(v.scan);
	EXPECT_TRUE(v.index_build);
	f.bound_implied = true;
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kAttachPartitionIndexBuild);
	EXPECT_FALSE(v.scan);
	f.missing_indexes = false;
	EXPECT_FALSE(Decide(f).unsafe);

	f = Facts(DdlCommand::kAttachPartition);
	f.default_partition = true;
	f.missing_indexes = true; // not the default partition's concern
	v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kDefaultPartitionScan);
	EXPECT_FALSE(v.index_build);
	f.bound_implied = true; // its validated constraints exclude the new range
	EXPECT_FALSE(Decide(f).unsafe);
}

TEST(AlterDomain, JudgedOnTheSummedSize) {
	core::DdlFacts f = Facts(DdlCommand::kAlterDomain, core::kShareLock);
	f.size_bytes = 8 * 1024 * 1024; // this table alone is below the threshold
	f.table_count = 3;
	f.total_size_bytes = int64_t(30) * 1024 * 1024;
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kDomainAddCheck);
	EXPECT_EQ(v.judged, core::JudgedSize::kDomainTables);
	EXPECT_EQ(v.judged_bytes, f.total_size_bytes);
	EXPECT_TRUE(v.unsafe);
	f.total_size_bytes = 9 * 1024 * 1024;
	EXPECT_EQ(Decide(f).exemption, Exemption::kBelowMinSize);
	f.total_size_bytes = 0;
	EXPECT_EQ(Decide(f).exemption, Exemption::kEmpty);
	f.total_size_bytes = kBig;
	f.domain_validate = true;
	EXPECT_EQ(Decide(f).rule, DdlRule::kDomainValidateConstraint);
	f.domain_validate = false;
	f.domain_set_not_null = true;
	EXPECT_EQ(Decide(f).rule, DdlRule::kDomainSetNotNull);
	f.not_valid = true;
	EXPECT_FALSE(Decide(f).unsafe);
}

TEST(ForeignKey, ReferencedTableJudgedOnTheReferencingTable) {
	core::DdlFacts f = Facts(DdlCommand::kForeignKeyReferenced, core::kShareRowExclusiveLock);
	f.total_size_bytes = int64_t(50) * 1024 * 1024;
	core::DdlVerdict v = Decide(f);
	EXPECT_EQ(v.rule, DdlRule::kForeignKeyReferencedTable);
	EXPECT_EQ(v.judged, core::JudgedSize::kReferencingTable);
	EXPECT_TRUE(v.fk_validation);
	EXPECT_TRUE(v.unsafe);
	f.total_size_bytes = 0;
	EXPECT_EQ(Decide(f).exemption, Exemption::kEmpty);
}

TEST(FamilyOf, EveryCommandHasItsFamily) {
	EXPECT_EQ(core::FamilyOf(DdlCommand::kOther), core::DdlFamily::kOther);
	for (int c = 1; c <= static_cast<int>(DdlCommand::kForeignKeyReferenced); c++)
		EXPECT_NE(core::FamilyOf(static_cast<DdlCommand>(c)), core::DdlFamily::kOther) << c;
	EXPECT_EQ(core::FamilyOf(DdlCommand::kForeignKeyReferenced), core::DdlFamily::kConstraint);
	EXPECT_EQ(core::FamilyOf(DdlCommand::kSetTablespace), core::DdlFamily::kRewrite);
}
