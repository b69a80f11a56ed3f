// The DDL guard's decision table (pure C++17, no PostgreSQL headers).
//
// The PostgreSQL layer (src/pg/guard/) extracts *facts* about one DDL
// subcommand from the live catalog, mirroring PostgreSQL 15's own decisions
// (ATExecAddColumn, ATColumnChangeRequiresRewrite,
// NotNullImpliedByRelConstraints, ...). DecideDdl turns those facts into the
// work the statement does (rewrite, scan, index build, foreign-key
// validation), a verdict, and the message, reason and safe-alternative hint
// the guard reports. The hook and explain_ddl() both present this one
// result, so they agree by construction.
//
// The rules are split by statement family, one file each, matching the files
// of src/pg/guard/ that collect the facts:
//
//   src/core/                  family                                                 facts from src/pg/guard/
//   ddl_rules.cpp              DecideDdl (dispatch on the command, exemptions, message), LockModeName,
//                              FormatSize, and the helpers the families share (ddl_rules_internal.hpp)
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

// PostgreSQL's lock modes by number (storage/lockdefs.h; stable since 8.2).
constexpr int kShareUpdateExclusiveLock = 4;
constexpr int kShareLock = 5;
constexpr int kShareRowExclusiveLock = 6;
constexpr int kAccessExclusiveLock = 8;

// Name of a lock mode as PostgreSQL spells it ("AccessExclusiveLock").
// Never throws.
const char *LockModeName(int lock_mode) noexcept;

// Facts about one subcommand. Strings are NUL-terminated, owned by the
// caller, never null (empty when not applicable); identifiers arrive already
// quoted by quote_identifier / quote_qualified_identifier.
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

// What the guard concludes. Trivially destructible (it crosses CallCpp).
struct DdlVerdict {
	const char *lock_mode; // static string
	bool rewrite;
	bool scan;
	bool index_build;
	bool fk_validation;
	bool unsafe;
	char message[512]; // errmsg: lower case, no trailing period
	char reason[1024]; // full sentences: why PostgreSQL does the work, or why it is exempt
	char detail[1536]; // errdetail: reason plus the lock and the growing work
	char hint[2048];   // errhint: the safe sequence; empty when safe
};

// Decides one subcommand. min_size_bytes is pg_backfill.guard_min_size.
// C++ regime: may throw std::bad_alloc only.
DdlVerdict DecideDdl(const DdlFacts &facts, int64_t min_size_bytes);

// Writes pg_size_pretty-style text ("8192 bytes", "16 kB", "2148 MB") into buf
// and returns buf. Never throws.
const char *FormatSize(int64_t bytes, char *buf, int buflen) noexcept;

} // namespace pg_backfill::core
