// The DDL guard's decision table: DecideDdl, which dispatches to one rule
// function per statement family (FamilyOf, ddl_rules_*.cpp) and judges the
// work it finds, and RuleName. See ddl_rules.hpp.
#include "core/ddl_rules.hpp"
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core {

const char *
RuleName(DdlRule rule) noexcept {
	// Stable: SQL (guard_counters(), explain_ddl()) and scrapers key on them.
	static const char *const kNames[kDdlRuleCount] = {
	    "catalog_only",
	    "already_done",
	    "add_column_serial",
	    "add_column_identity",
	    "add_column_generated_stored",
	    "add_column_domain_constraints",
	    "add_column_volatile_default",
	    "add_column_not_null_without_default",
	    "add_column_inline_unique",
	    "add_column_inline_check",
	    "add_column_foreign_key",
	    "alter_type_rewrite",
	    "alter_type_recheck_constraints",
	    "alter_type_index_rebuild",
	    "set_not_null_unproven",
	    "add_check",
	    "add_foreign_key",
	    "add_primary_key_using_index_nullable",
	    "add_unique",
	    "add_exclusion",
	    "validate_constraint",
	    "foreign_key_referenced_table",
	    "create_index",
	    "create_index_concurrently",
	    "reindex",
	    "reindex_concurrently",
	    "cluster",
	    "vacuum_full",
	    "refresh_materialized_view",
	    "set_persistence",
	    "set_tablespace",
	    "set_access_method",
	    "attach_partition_scan",
	    "attach_partition_index_build",
	    "default_partition_scan",
	    "domain_add_check",
	    "domain_set_not_null",
	    "domain_validate_constraint",
	    "lock_queue",
	};
	int i = static_cast<int>(rule);
	if (i < 0 || i >= kDdlRuleCount)
		return "unknown";
	return kNames[i];
}

DdlFamily
FamilyOf(DdlCommand command) noexcept {
	switch (command) {
	case DdlCommand::kAddColumn:
		return DdlFamily::kAddColumn;
	case DdlCommand::kAlterColumnType:
		return DdlFamily::kAlterType;
	case DdlCommand::kSetNotNull:
	case DdlCommand::kAddCheck:
	case DdlCommand::kAddForeignKey:
	case DdlCommand::kAddUnique:
	case DdlCommand::kAddExclusion:
	case DdlCommand::kValidateConstraint:
	case DdlCommand::kForeignKeyReferenced:
		return DdlFamily::kConstraint;
	case DdlCommand::kCreateIndex:
	case DdlCommand::kReindex:
		return DdlFamily::kIndex;
	case DdlCommand::kCluster:
	case DdlCommand::kVacuumFull:
	case DdlCommand::kRefreshMatview:
	case DdlCommand::kSetPersistence:
	case DdlCommand::kSetTablespace:
	case DdlCommand::kSetAccessMethod:
		return DdlFamily::kRewrite;
	case DdlCommand::kAttachPartition:
		return DdlFamily::kPartition;
	case DdlCommand::kAlterDomain:
		return DdlFamily::kDomain;
	case DdlCommand::kOther:
		break;
	}
	return DdlFamily::kOther;
}

DdlVerdict
DecideDdl(const DdlFacts &f, int64_t min_size_bytes) noexcept {
	using namespace detail;

	Work w;
	switch (FamilyOf(f.command)) {
	case DdlFamily::kAddColumn:
		AddColumnWork(f, &w);
		break;
	case DdlFamily::kAlterType:
		AlterTypeWork(f, &w);
		break;
	case DdlFamily::kConstraint:
		ConstraintWork(f, &w);
		break;
	case DdlFamily::kIndex:
		IndexWork(f, &w);
		break;
	case DdlFamily::kRewrite:
		RewriteWork(f, &w);
		break;
	case DdlFamily::kPartition:
		PartitionWork(f, &w);
		break;
	case DdlFamily::kDomain:
		DomainWork(f, &w);
		break;
	case DdlFamily::kOther:
		break;
	}

	DdlVerdict v{};
	// The lock the work runs under: the statement's own, or a stronger one an
	// earlier statement of the transaction took and holds until it ends
	// (VALIDATE after ADD CONSTRAINT in one transaction).
	v.under_held_lock = f.held_lock_mode > f.lock_mode;
	v.lock_mode = v.under_held_lock ? f.held_lock_mode : f.lock_mode;
	v.rewrite = w.rewrite;
	v.scan = w.scan || w.rewrite;
	v.index_build = w.index_build;
	v.fk_validation = w.fk_validation;
	// The size the lock's duration grows with: for ALTER DOMAIN every table
	// stays locked while all of them are scanned; for a foreign key's
	// referenced table, the referencing table is what is read.
	v.judged = f.command == DdlCommand::kAlterDomain            ? JudgedSize::kDomainTables
	           : f.command == DdlCommand::kForeignKeyReferenced ? JudgedSize::kReferencingTable
	                                                            : JudgedSize::kTable;
	v.judged_bytes = v.judged == JudgedSize::kTable ? f.size_bytes : f.total_size_bytes;

	bool grows = w.rewrite || w.scan || w.index_build || w.fk_validation;
	v.rule = grows ? w.rule : f.noop ? DdlRule::kAlreadyDone : DdlRule::kCatalogOnly;
	if (!grows)
		v.exemption = f.noop ? Exemption::kNoop : Exemption::kBrief;
	else if (v.lock_mode < kShareLock)
		v.exemption = Exemption::kWeakLock;
	else if (f.created_in_xact)
		v.exemption = Exemption::kCreatedInXact;
	else if (f.truncated_in_xact)
		v.exemption = Exemption::kTruncatedInXact;
	else if (v.judged_bytes == 0)
		v.exemption = Exemption::kEmpty;
	else if (v.judged_bytes < min_size_bytes)
		v.exemption = Exemption::kBelowMinSize;
	else
		v.exemption = Exemption::kNone;
	v.unsafe = v.exemption == Exemption::kNone;
	return v;
}

} // namespace pg_backfill::core
