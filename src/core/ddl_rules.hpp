// The DDL guard's decision table (pure C++17, no PostgreSQL headers).
//
// The PostgreSQL layer (src/pg/guard/) extracts *facts* about one DDL
// subcommand from the live catalog, mirroring PostgreSQL 15's own decisions
// (ATExecAddColumn, ATColumnChangeRequiresRewrite,
// NotNullImpliedByRelConstraints, ...). DecideDdl turns those facts into a
// structured finding: the rule that fired (DdlRule, with a stable snake_case
// name for SQL), the work the statement does (rewrite, scan, index build,
// foreign-key validation), the lock, and the verdict with the exemption that
// made it safe. It returns no text: the PostgreSQL layer
// (src/pg/guard/messages.cpp) words each rule's message, detail and hint with
// PostgreSQL's own quoting, sizes and lock names. The hook and explain_ddl()
// both present this one result, so they agree by construction.
//
// The rules are split by statement family, one file each, matching the files
// of src/pg/guard/ that collect the facts:
//
//   src/core/                  family                                                 facts from src/pg/guard/
//   ddl_rules.cpp              DecideDdl (dispatch on FamilyOf the command,           -
//                              exemptions), FamilyOf, RuleName
//   ddl_rules_add_column.cpp   ALTER TABLE ... ADD COLUMN                             alter_table.cpp
//   ddl_rules_alter_type.cpp   ALTER TABLE ... ALTER COLUMN ... TYPE                  alter_table.cpp
//   ddl_rules_constraints.cpp  SET NOT NULL, ADD CONSTRAINT (CHECK, FOREIGN KEY,      alter_table.cpp
//                              UNIQUE / PRIMARY KEY, EXCLUDE), VALIDATE CONSTRAINT,
//                              the referenced table of a new table's foreign key
//   ddl_rules_partitions.cpp   ATTACH PARTITION, CREATE TABLE ... PARTITION OF        partitions.cpp
//   ddl_rules_index.cpp        CREATE INDEX, REINDEX                                  facts.cpp
//   ddl_rules_rewrite.cpp      CLUSTER, VACUUM FULL, REFRESH MATERIALIZED VIEW        facts.cpp
//                              ALTER TABLE ... SET LOGGED / UNLOGGED, SET TABLESPACE, alter_table.cpp
//                              SET ACCESS METHOD
//   ddl_rules_domain.cpp       ALTER DOMAIN ... ADD CONSTRAINT / SET NOT NULL /       facts.cpp
//                              VALIDATE CONSTRAINT
#pragma once

#include <cstdint>

namespace pg_backfill::core {

// What a subcommand is, as far as the rules care.
enum class DdlCommand : int {
	kOther = 0,            // catalog-only or otherwise brief
	kAddColumn,            // ALTER TABLE ... ADD COLUMN
	kAlterColumnType,      // ALTER TABLE ... ALTER COLUMN ... TYPE
	kSetNotNull,           // ALTER TABLE ... ALTER COLUMN ... SET NOT NULL
	kAddCheck,             // ALTER TABLE ... ADD CONSTRAINT ... CHECK
	kAddForeignKey,        // ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY
	kAddUnique,            // ALTER TABLE ... ADD CONSTRAINT ... UNIQUE / PRIMARY KEY
	kAddExclusion,         // ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE
	kValidateConstraint,   // ALTER TABLE ... VALIDATE CONSTRAINT
	kCreateIndex,          // CREATE INDEX
	kReindex,              // REINDEX TABLE / INDEX
	kCluster,              // CLUSTER
	kVacuumFull,           // VACUUM FULL
	kRefreshMatview,       // REFRESH MATERIALIZED VIEW
	kSetPersistence,       // ALTER TABLE ... SET LOGGED / UNLOGGED
	kSetTablespace,        // ALTER TABLE ... SET TABLESPACE
	kSetAccessMethod,      // ALTER TABLE ... SET ACCESS METHOD
	kAttachPartition,      // ALTER TABLE ... ATTACH PARTITION (the attached table, or its DEFAULT sibling)
	kAlterDomain,          // ALTER DOMAIN ... ADD CONSTRAINT / SET NOT NULL / VALIDATE CONSTRAINT, per table
	kForeignKeyReferenced, // the referenced table of a foreign key validated on a new table
};

// The statement families of the rules, one file of src/core each (the table
// at the top of this file).
enum class DdlFamily : int {
	kOther = 0,  // kOther: catalog-only or otherwise brief
	kAddColumn,  // ddl_rules_add_column.cpp
	kAlterType,  // ddl_rules_alter_type.cpp
	kConstraint, // ddl_rules_constraints.cpp
	kIndex,      // ddl_rules_index.cpp
	kRewrite,    // ddl_rules_rewrite.cpp
	kPartition,  // ddl_rules_partitions.cpp
	kDomain,     // ddl_rules_domain.cpp
};

// The family of a command. Never throws.
DdlFamily FamilyOf(DdlCommand command) noexcept;

// PostgreSQL's lock modes by number (storage/lockdefs.h; stable since 8.2).
constexpr int kShareUpdateExclusiveLock = 4;
constexpr int kShareLock = 5;
constexpr int kShareRowExclusiveLock = 6;
constexpr int kAccessExclusiveLock = 8;

// The rule that fired for one subcommand. Each value has a stable
// snake_case name (RuleName) that SQL shows (guard_counters(),
// explain_ddl()'s rule column); new rules go before kLockQueue, names never
// change meaning.
enum class DdlRule : int {
	kCatalogOnly = 0,                 // no growing work: the change is in the catalog, its lock is brief
	kAlreadyDone,                     // PostgreSQL skips the work: already in that state or exists
	kAddColumnSerial,                 // ADD COLUMN of a serial type
	kAddColumnIdentity,               // ADD COLUMN ... GENERATED AS IDENTITY
	kAddColumnGeneratedStored,        // ADD COLUMN ... GENERATED ALWAYS AS (...) STORED
	kAddColumnDomainConstraints,      // ADD COLUMN of a domain type with constraints
	kAddColumnVolatileDefault,        // ADD COLUMN with a volatile default
	kAddColumnNotNullWithoutDefault,  // ADD COLUMN ... NOT NULL without a default
	kAddColumnInlineUnique,           // ADD COLUMN ... UNIQUE / PRIMARY KEY
	kAddColumnInlineCheck,            // ADD COLUMN ... CHECK (...)
	kAddColumnForeignKey,             // ADD COLUMN ... REFERENCES with a DEFAULT clause
	kAlterTypeRewrite,                // ALTER COLUMN TYPE that is not binary-coercible
	kAlterTypeRecheckConstraints,     // ... binary-coercible, re-validates CHECK constraints
	kAlterTypeIndexRebuild,           // ... binary-coercible, rebuilds an index on the column
	kSetNotNullUnproven,              // SET NOT NULL no validated CHECK proves
	kAddCheck,                        // ADD CONSTRAINT ... CHECK without NOT VALID
	kAddForeignKey,                   // ADD CONSTRAINT ... FOREIGN KEY without NOT VALID
	kAddPrimaryKeyUsingIndexNullable, // ADD PRIMARY KEY USING INDEX on nullable columns
	kAddUnique,                       // ADD CONSTRAINT ... UNIQUE / PRIMARY KEY (index build)
	kAddExclusion,                    // ADD CONSTRAINT ... EXCLUDE
	kValidateConstraint,              // ALTER TABLE ... VALIDATE CONSTRAINT
	kForeignKeyReferencedTable,       // the referenced table of a foreign key validated on a new table
	kCreateIndex,                     // CREATE INDEX without CONCURRENTLY
	kCreateIndexConcurrently,         // CREATE INDEX CONCURRENTLY
	kReindex,                         // REINDEX without CONCURRENTLY
	kReindexConcurrently,             // REINDEX CONCURRENTLY
	kCluster,                         // CLUSTER
	kVacuumFull,                      // VACUUM FULL
	kRefreshMaterializedView,         // REFRESH MATERIALIZED VIEW without CONCURRENTLY
	kSetPersistence,                  // SET LOGGED / UNLOGGED
	kSetTablespace,                   // SET TABLESPACE
	kSetAccessMethod,                 // SET ACCESS METHOD
	kAttachPartitionScan,             // ATTACH PARTITION: no validated CHECK implies the bound
	kAttachPartitionIndexBuild,       // ATTACH PARTITION: the partition lacks the parent's indexes
	kDefaultPartitionScan,            // the DEFAULT partition's re-check for a new partition
	kDomainAddCheck,                  // ALTER DOMAIN ... ADD CONSTRAINT ... CHECK without NOT VALID
	kDomainSetNotNull,                // ALTER DOMAIN ... SET NOT NULL
	kDomainValidateConstraint,        // ALTER DOMAIN ... VALIDATE CONSTRAINT
	kLockQueue,                       // not from DecideDdl: the hook's lock-queue check (lock_timeout = 0)
};
constexpr int kDdlRuleCount = static_cast<int>(DdlRule::kLockQueue) + 1;

// The rule's stable snake_case name ("add_column_volatile_default"), or
// "unknown" for a value outside the enum. Never throws.
const char *RuleName(DdlRule rule) noexcept;

// Facts about one subcommand. DecideDdl reads the command, flags, sizes and
// lock mode; the strings are carried for the PostgreSQL layer's messages
// (src/pg/guard/messages.cpp) and never read by the core. Strings are
// NUL-terminated, owned by the caller, never null (empty when not
// applicable); identifiers arrive already quoted by quote_identifier /
// quote_qualified_identifier.
struct DdlFacts {
	DdlCommand command;
	const char *command_tag;        // e.g. "ALTER TABLE ... ADD COLUMN"
	const char *relation;           // quoted, schema-qualified when not visible
	const char *relation_name;      // unquoted name for the message
	const char *column;             // quoted column name
	const char *column_raw;         // unquoted column name (a `name` literal)
	const char *type_name;          // format_type_with_typemod of the column's type
	const char *expression;         // deparsed default / generation / USING expression
	const char *object_name;        // quoted constraint, index or partition name
	const char *object_raw;         // the same, unquoted, for the message
	const char *object_def;         // deparsed definition for hints (index columns, check expr)
	const char *sequence_name;      // quoted sequence name suggested for serial hints
	const char *trigger_expression; // expression deparsed over NEW (new.col), for trigger hints
	const char *other_relation;     // unquoted: FK referencing table, unproven partition, attached partition
	const char *other_relation_sql; // the same, quoted (and qualified when not visible), for hints
	const char *index_names;        // ATTACH PARTITION: the parent's indexes the partition lacks ("a, b")
	const char *index_sql;          // ... and the CREATE INDEX CONCURRENTLY statements that give it them
	const char *check_sql;          // ALTER DOMAIN: a query counting this table's rows the check rejects
	int lock_mode;                  // LOCKMODE the subcommand takes on the relation
	int held_lock_mode;             // a stronger LOCKMODE this transaction already holds on it (0: none); the
	                                // work then runs under that lock (VALIDATE after ADD CONSTRAINT in one
	                                // transaction scans under AccessExclusiveLock)
	int64_t size_bytes;             // heap + TOAST, summed over partitions
	bool created_in_xact;           // rd_createSubid set
	bool truncated_in_xact;         // new relfilenode in this transaction (TRUNCATE, or an earlier rewrite)
	bool partitioned;               // relation is a partitioned table
	bool noop;                      // PostgreSQL will skip the work (already in that state)

	// ADD COLUMN (ATExecAddColumn)
	bool has_default;        // a non-NULL default: column's or the domain's
	bool domain_default;     // that default is the domain's (no column DEFAULT)
	bool default_volatile;   // contain_volatile_functions(expression_planner(default))
	bool serial;             // serial / bigserial / smallserial
	bool identity;           // GENERATED ... AS IDENTITY
	bool identity_always;    // GENERATED ALWAYS AS IDENTITY (not BY DEFAULT)
	bool generated_stored;   // GENERATED ALWAYS AS (...) STORED
	bool domain_constraints; // DomainHasConstraints(type)
	bool not_null;           // NOT NULL (or PRIMARY KEY)
	bool inline_check;       // CHECK (...) on the column
	bool inline_unique;      // UNIQUE on the column
	bool inline_primary_key; // PRIMARY KEY on the column
	bool fk_validated;       // REFERENCES PostgreSQL validates (the column has a DEFAULT clause)

	// ALTER COLUMN TYPE (ATPrepAlterColumnType)
	bool type_rewrite;          // ATColumnChangeRequiresRewrite
	bool type_rechecks;         // CHECK constraints on the column are re-validated
	bool type_index_rebuild;    // an index on the column cannot be reused
	bool type_collation_change; // ... because the column's collation changes (CheckIndexCompatible)
	bool old_not_null;          // the old column is NOT NULL (the shadow column needs it too)

	// SET NOT NULL, PRIMARY KEY USING INDEX
	bool not_null_proven; // attnotnull, or implied by validated CHECKs

	// constraints
	bool not_valid;   // NOT VALID
	bool using_index; // UNIQUE / PRIMARY KEY USING INDEX
	bool primary_key; // PRIMARY KEY (not UNIQUE)

	// index family, REFRESH
	bool concurrently;

	// ATTACH PARTITION
	bool bound_implied;     // a validated CHECK implies the partition bound
	bool missing_indexes;   // parent indexes the partition must build (AttachPartitionEnsureIndexes)
	bool default_partition; // this finding is the DEFAULT partition's re-check (other_relation is attached)

	// ALTER DOMAIN (validateDomainConstraint / AlterDomainNotNull): relation is
	// one table using the domain; type_name the domain, object_name the constraint.
	bool domain_set_not_null; // SET NOT NULL (else ADD CONSTRAINT CHECK or VALIDATE CONSTRAINT)
	bool domain_validate;     // VALIDATE CONSTRAINT

	// Statements over several tables. For ALTER DOMAIN every table stays
	// locked until the statement ends, so the work judged is total_size_bytes.
	// For VACUUM FULL / CLUSTER / REINDEX without a table name (multi_table)
	// each table is processed in its own transaction; relation is the largest.
	// For kForeignKeyReferenced total_size_bytes is the referencing table's size.
	bool multi_table;
	int table_count;
	int64_t total_size_bytes;
};

// Why a finding with growing work is safe (kNone when it is unsafe).
enum class Exemption : int {
	kNone = 0,        // unsafe: the work grows with the table under a lock that blocks writes
	kBrief,           // no growing work (kCatalogOnly)
	kNoop,            // PostgreSQL skips the work (kAlreadyDone)
	kWeakLock,        // the work runs under a lock weaker than ShareLock
	kCreatedInXact,   // the table was created in this transaction
	kTruncatedInXact, // the table got new storage in this transaction
	kEmpty,           // the judged size is 0
	kBelowMinSize,    // the judged size is below pg_backfill.guard_min_size
};

// Which size the lock's duration grows with.
enum class JudgedSize : int {
	kTable,            // the table's own size (size_bytes)
	kDomainTables,     // ALTER DOMAIN: every table using the domain (total_size_bytes)
	kReferencingTable, // kForeignKeyReferenced: the new referencing table (total_size_bytes)
};

// What the guard concludes: a structured finding, no text. Trivially
// destructible.
struct DdlVerdict {
	DdlRule rule;
	Exemption exemption;
	JudgedSize judged;
	int64_t judged_bytes; // the size judged against the minimum
	int lock_mode;        // the lock the work runs under, PostgreSQL's LOCKMODE number: facts.lock_mode, or
	                      // facts.held_lock_mode when that is stronger
	bool under_held_lock; // the work runs under a stronger lock an earlier statement of the transaction took
	bool rewrite;
	bool scan; // also set when rewrite
	bool index_build;
	bool fk_validation;
	bool unsafe;
};

// Decides one subcommand. min_size_bytes is pg_backfill.guard_min_size.
// Reads only the flags, sizes and lock mode of facts, never its strings.
// Never throws.
DdlVerdict DecideDdl(const DdlFacts &facts, int64_t min_size_bytes) noexcept;

} // namespace pg_backfill::core
