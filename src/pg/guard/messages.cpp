// The DDL guard's texts: the message, reason, detail and hint of each rule
// of src/core/ddl_rules (DdlRule), written here in the PostgreSQL layer.
// Every sentence is one translatable format string of its rule (names,
// sizes and lock modes are its arguments); several complete sentences may
// follow each other, none is assembled from fragments. Names are quoted with
// quote_identifier, literals with quote_literal_cstr, sizes come from
// pg_size_pretty, lock modes from GetLockmodeName, and the names a hint makes
// up from ChooseConstraintName / ChooseRelationName / makeObjectName, as
// PostgreSQL would choose them.
#include "pg/guard/guard.hpp"
#include "pg/guard/settings.hpp"

extern "C" {
#include "catalog/pg_constraint.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace pg_backfill::pg {

namespace {

using core::DdlRule;
using core::Exemption;
using core::JudgedSize;

// Two complete sentences (or "" and one) as one text. PG regime.
const char *
Sentences(const char *first, const char *second) {
	if (first[0] == '\0')
		return second;
	if (second[0] == '\0')
		return first;
	return psprintf("%s %s", first, second);
}

// "ALTER TABLE <relation> ", the statement prefix of hints.
const char *
Alter(const core::DdlFacts *f) {
	return psprintf("ALTER TABLE %s ", f->relation);
}

// expr in parentheses unless deparsing already put it in some.
const char *
Paren(const char *expr) {
	size_t n = strlen(expr);
	if (n >= 2 && expr[0] == '(' && expr[n - 1] == ')')
		return expr;
	return psprintf("(%s)", expr);
}

// The finding's table name (unquoted) and schema, for choosing names.
const char *
RelName(const GuardFinding *g) {
	const char *name = get_rel_name(g->relid);
	return name ? name : g->facts.relation_name;
}

Oid
RelNamespace(const GuardFinding *g) {
	return get_rel_namespace(g->relid);
}

// A constraint name on the finding's table as PostgreSQL would choose it,
// quoted.
const char *
NewConstraintName(const GuardFinding *g, const char *name2, const char *label) {
	return quote_identifier(ChooseConstraintName(RelName(g), name2, label, RelNamespace(g), NIL));
}

// "SELECT start_backfill('<relation>', '<column>', '<expression>');"
const char *
StartBackfill(const core::DdlFacts *f, const char *column_raw, const char *expression) {
	return psprintf("SELECT start_backfill(%s, %s, %s);", quote_literal_cstr(f->relation),
	                quote_literal_cstr(column_raw), quote_literal_cstr(expression));
}

// "SELECT add_column_backfill('<relation>', '<column>', '<type>',
// '<expression>'[, not_null => true][, default_value => '<default>'][,
// drop_sync => false]);": the whole column change as one job. default_value
// NULL: none.
const char *
AddColumnBackfill(const core::DdlFacts *f, const char *type, const char *expression, bool not_null,
                  const char *default_value, bool keep_sync) {
	return psprintf("SELECT add_column_backfill(%s, %s, %s, %s%s%s%s%s);", quote_literal_cstr(f->relation),
	                quote_literal_cstr(f->column_raw), quote_literal_cstr(type), quote_literal_cstr(expression),
	                not_null ? ", not_null => true" : "", default_value ? ", default_value => " : "",
	                default_value ? quote_literal_cstr(default_value) : "", keep_sync ? ", drop_sync => false" : "");
}

// The CHECK route to NOT NULL without a long AccessExclusiveLock scan, for
// column (quoted) / column_raw of the finding's table.
const char *
NotNullRoute(const GuardFinding *g, const char *column, const char *column_raw) {
	const char *con = NewConstraintName(g, column_raw, "not_null");
	const char *a = Alter(&g->facts);
	// Migration tools run a migration in one transaction by default.
	return psprintf(_("%sADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID; %sVALIDATE CONSTRAINT %s; %sALTER "
	                  "COLUMN %s SET NOT NULL; %sDROP CONSTRAINT %s; (The VALIDATE in a transaction of its own: in "
	                  "the ADD's transaction it would scan under the ADD's AccessExclusiveLock.)"),
	                a, con, column, a, con, a, column, a, con);
}

// A BEFORE INSERT OR UPDATE trigger that sets column (quoted) to expression
// (over NEW) in every row written: function and trigger named fn.
const char *
SetColumnTrigger(const core::DdlFacts *f, const char *fn, const char *column, const char *expression) {
	return psprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.%s := %s; RETURN NEW; "
	                "END$$; CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s();",
	                fn, column, expression, fn, f->relation, fn);
}

// The expression over NEW for a trigger, or the plain one.
const char *
TriggerExpression(const core::DdlFacts *f) {
	return f->trigger_expression[0] ? f->trigger_expression : f->expression;
}

const char *
Size(int64 bytes) {
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty, Int64GetDatum(bytes))));
}

const char *
LockName(int lock_mode) {
	return GetLockmodeName(DEFAULT_LOCKMETHOD, lock_mode);
}

// Why a binary-coercible type change rebuilds an index on the column.
const char *
IndexRebuildWhy(const core::DdlFacts *f) {
	if (f->type_collation_change)
		return _("The type change is binary-coercible, but the column's collation changes, so PostgreSQL cannot "
		         "reuse an index on the column and rebuilds it.");
	return _("The type change is binary-coercible, but an index on the column uses an operator class the new type "
	         "cannot share, so PostgreSQL rebuilds it.");
}

// Why ATTACH PARTITION builds indexes on the partition.
const char *
MissingIndexesWhy(const core::DdlFacts *f) {
	return psprintf(_("The partition has no valid, unattached index matching the partitioned table's index %s, so "
	                  "PostgreSQL builds it while attaching."),
	                f->index_names);
}

const char *
KeyKind(const core::DdlFacts *f) {
	return f->primary_key || f->inline_primary_key ? "PRIMARY KEY" : "UNIQUE";
}

// errmsg of an unsafe finding: what the statement does to which table
// under which lock.
const char *
UnsafeMessage(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	const char *tag = f->command_tag;
	const char *rel = f->relation_name;
	const char *size = Size(f->size_bytes);
	const char *lock = LockName(g->verdict.lock_mode);
	bool several = f->multi_table && f->table_count > 1;
	switch (g->verdict.rule) {
	case DdlRule::kAddColumnSerial:
		return psprintf(_("%s \"%s\" of a serial type rewrites table \"%s\" (%s) under %s"), tag, f->column_raw, rel,
		                size, lock);
	case DdlRule::kAddColumnIdentity:
		return psprintf(_("%s \"%s\" as an identity column rewrites table \"%s\" (%s) under %s"), tag, f->column_raw,
		                rel, size, lock);
	case DdlRule::kAddColumnGeneratedStored:
		return psprintf(_("%s \"%s\" as a stored generated column rewrites table \"%s\" (%s) under %s"), tag,
		                f->column_raw, rel, size, lock);
	case DdlRule::kAddColumnDomainConstraints:
		return psprintf(_("%s \"%s\" of domain type %s with constraints rewrites table \"%s\" (%s) under %s"), tag,
		                f->column_raw, f->type_name, rel, size, lock);
	case DdlRule::kAddColumnVolatileDefault:
		return psprintf(_("%s \"%s\" with a volatile default rewrites table \"%s\" (%s) under %s"), tag, f->column_raw,
		                rel, size, lock);
	case DdlRule::kAddColumnNotNullWithoutDefault:
		return psprintf(_("%s \"%s\" NOT NULL without a default scans table \"%s\" (%s) under %s"), tag, f->column_raw,
		                rel, size, lock);
	case DdlRule::kAddColumnInlineUnique:
		return psprintf(_("%s \"%s\" with an inline %s constraint builds an index on table \"%s\" (%s) under %s"), tag,
		                f->column_raw, KeyKind(f), rel, size, lock);
	case DdlRule::kAddColumnInlineCheck:
		return psprintf(_("%s \"%s\" with an inline CHECK constraint scans table \"%s\" (%s) under %s"), tag,
		                f->column_raw, rel, size, lock);
	case DdlRule::kAddColumnForeignKey:
		return psprintf(_("%s \"%s\" with a REFERENCES constraint validates a foreign key over table \"%s\" (%s) "
		                  "under %s"),
		                tag, f->column_raw, rel, size, lock);
	case DdlRule::kAlterTypeRewrite:
		return psprintf(_("%s \"%s\" TYPE %s rewrites table \"%s\" (%s) under %s"), tag, f->column_raw, f->type_name,
		                rel, size, lock);
	case DdlRule::kAlterTypeRecheckConstraints:
		return psprintf(_("%s \"%s\" TYPE %s scans table \"%s\" (%s) under %s"), tag, f->column_raw, f->type_name, rel,
		                size, lock);
	case DdlRule::kAlterTypeIndexRebuild:
		return psprintf(_("%s \"%s\" TYPE %s builds an index on table \"%s\" (%s) under %s"), tag, f->column_raw,
		                f->type_name, rel, size, lock);
	case DdlRule::kSetNotNullUnproven:
		return psprintf(_("%s \"%s\" SET NOT NULL scans table \"%s\" (%s) under %s"), tag, f->column_raw, rel, size,
		                lock);
	case DdlRule::kAddCheck:
		return psprintf(_("%s \"%s\" CHECK scans table \"%s\" (%s) under %s"), tag, f->object_raw, rel, size, lock);
	case DdlRule::kAddForeignKey:
		return psprintf(_("%s \"%s\" FOREIGN KEY validates a foreign key over table \"%s\" (%s) under %s"), tag,
		                f->object_raw, rel, size, lock);
	case DdlRule::kAddPrimaryKeyUsingIndexNullable:
		return psprintf(_("%s \"%s\" PRIMARY KEY USING INDEX on nullable columns scans table \"%s\" (%s) under %s"),
		                tag, f->object_raw, rel, size, lock);
	case DdlRule::kAddUnique:
		return psprintf(_("%s \"%s\" %s builds an index on table \"%s\" (%s) under %s"), tag, f->object_raw, KeyKind(f),
		                rel, size, lock);
	case DdlRule::kAddExclusion:
		return psprintf(_("%s \"%s\" EXCLUDE builds an index on table \"%s\" (%s) under %s"), tag, f->object_raw, rel,
		                size, lock);
	case DdlRule::kForeignKeyReferencedTable:
		if (f->column[0] != '\0')
			return psprintf(_("%s \"%s\" with a REFERENCES constraint holds %s on table \"%s\" while it validates "
			                  "new table \"%s\" (%s)"),
			                tag, f->column_raw, lock, rel, f->other_relation, Size(f->total_size_bytes));
		return psprintf(_("%s \"%s\" FOREIGN KEY holds %s on table \"%s\" while it validates new table \"%s\" (%s)"),
		                tag, f->object_raw, lock, rel, f->other_relation, Size(f->total_size_bytes));
	case DdlRule::kCreateIndex:
	case DdlRule::kReindex:
		if (several)
			return psprintf(_("%s without CONCURRENTLY builds an index on table \"%s\" (%s), the largest of the %d "
			                  "tables it processes (%s in total), under %s"),
			                tag, rel, size, f->table_count, Size(f->total_size_bytes), lock);
		return psprintf(_("%s without CONCURRENTLY builds an index on table \"%s\" (%s) under %s"), tag, rel, size,
		                lock);
	case DdlRule::kRefreshMaterializedView:
		return psprintf(_("%s without CONCURRENTLY rewrites materialized view \"%s\" (%s) under %s"), tag, rel, size,
		                lock);
	case DdlRule::kSetTablespace:
	case DdlRule::kSetAccessMethod:
		return psprintf(_("%s \"%s\" rewrites table \"%s\" (%s) under %s"), tag, f->object_raw, rel, size, lock);
	case DdlRule::kCluster:
	case DdlRule::kVacuumFull:
	case DdlRule::kSetPersistence:
		if (several)
			return psprintf(_("%s rewrites table \"%s\" (%s), the largest of the %d tables it processes (%s in "
			                  "total), under %s"),
			                tag, rel, size, f->table_count, Size(f->total_size_bytes), lock);
		return psprintf(_("%s rewrites table \"%s\" (%s) under %s"), tag, rel, size, lock);
	case DdlRule::kAttachPartitionScan:
		return psprintf(_("%s \"%s\" scans table \"%s\" (%s) under %s"), tag, f->object_raw, rel, size, lock);
	case DdlRule::kAttachPartitionIndexBuild:
		return psprintf(_("%s \"%s\" builds an index on table \"%s\" (%s) under %s"), tag, f->object_raw, rel, size,
		                lock);
	case DdlRule::kDefaultPartitionScan:
		return psprintf(_("%s \"%s\" scans DEFAULT partition \"%s\" (%s) under %s"), tag, f->other_relation, rel, size,
		                lock);
	case DdlRule::kDomainAddCheck:
	case DdlRule::kDomainValidateConstraint:
		return psprintf(_("%s \"%s\" on domain %s scans table \"%s\" (%s) under %s"), tag, f->object_raw, f->type_name,
		                rel, size, lock);
	case DdlRule::kDomainSetNotNull:
		return psprintf(_("%s on domain %s scans table \"%s\" (%s) under %s"), tag, f->type_name, rel, size, lock);
	case DdlRule::kValidateConstraint: // only under a stronger lock the transaction holds
		return psprintf(_("%s \"%s\" scans table \"%s\" (%s) under %s"), tag, f->object_raw, rel, size, lock);
	default:
		// The other weak-lock rules and catalog_only / already_done are never
		// unsafe.
		return psprintf(_("%s on table \"%s\" (%s) is unsafe under %s"), tag, rel, size, lock);
	}
}

// errmsg of a safe finding (explain_ddl's message column): the column or
// object the subcommand names, if any.
const char *
SafeMessage(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	const char *name = f->column_raw[0] != '\0' ? f->column_raw : f->object_raw;
	if (name[0] != '\0')
		return psprintf(_("%s \"%s\" is safe on table \"%s\""), f->command_tag, name, f->relation_name);
	return psprintf(_("%s is safe on table \"%s\""), f->command_tag, f->relation_name);
}

// Why PostgreSQL does the rule's work: one or more complete sentences.
const char *
Why(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	switch (g->verdict.rule) {
	case DdlRule::kAddColumnSerial:
		return _("A serial column gets DEFAULT nextval(...), which is volatile, so PostgreSQL rewrites every row to "
		         "give it its own value.");
	case DdlRule::kAddColumnIdentity:
		return _("An identity column takes its default from its sequence, which is volatile, so PostgreSQL rewrites "
		         "every row to give it its own value.");
	case DdlRule::kAddColumnGeneratedStored:
		return _("PostgreSQL never uses the fast default for a stored generated column: it computes the value for "
		         "every existing row and rewrites the table.");
	case DdlRule::kAddColumnDomainConstraints:
		return psprintf(_("Domain %s has constraints, so PostgreSQL cannot use the fast default and rewrites every "
		                  "row to check the domain's constraints."),
		                f->type_name);
	case DdlRule::kAddColumnVolatileDefault:
		return psprintf(_("The default %s is volatile after planning, so PostgreSQL cannot store it once as a fast "
		                  "default and rewrites every row with its own value."),
		                f->expression);
	case DdlRule::kAddColumnNotNullWithoutDefault:
		return _("The new column is NULL in every existing row, so PostgreSQL scans the table to verify NOT NULL "
		         "and the statement fails on the first row.");
	case DdlRule::kAddColumnInlineUnique:
		return psprintf(_("The inline %s constraint builds its index while the table is locked."), KeyKind(f));
	case DdlRule::kAddColumnInlineCheck:
		return _("An inline CHECK constraint is validated against every existing row while the table is locked.");
	case DdlRule::kAddColumnForeignKey:
		return _("The new column has a DEFAULT clause, so PostgreSQL validates its foreign key against every row "
		         "(without one it skips the validation: every value is NULL).");
	case DdlRule::kAlterTypeRewrite:
		return _("The conversion is not binary-coercible, so PostgreSQL rewrites every row and rebuilds every index "
		         "of the table.");
	case DdlRule::kAlterTypeRecheckConstraints:
		return Sentences(_("The type change itself is binary-coercible, but PostgreSQL drops and re-adds the CHECK "
		                   "constraints on the column and re-validates them against every row."),
		                 g->verdict.index_build ? IndexRebuildWhy(f) : "");
	case DdlRule::kAlterTypeIndexRebuild:
		return IndexRebuildWhy(f);
	case DdlRule::kSetNotNullUnproven:
		if (f->other_relation[0] != '\0')
			return psprintf(_("PostgreSQL sets NOT NULL on every partition, and no validated CHECK constraint on "
			                  "partition \"%s\" proves the column is not null, so it scans that partition's rows to "
			                  "verify it."),
			                f->other_relation);
		return _("No validated CHECK constraint proves the column is not null, so PostgreSQL scans every row to "
		         "verify it.");
	case DdlRule::kAddCheck:
		return _("A CHECK constraint added without NOT VALID is validated against every row while the table is "
		         "locked.");
	case DdlRule::kAddForeignKey:
		return _("A foreign key added without NOT VALID is validated by a query over every row of the referencing "
		         "table while both tables are locked.");
	case DdlRule::kAddPrimaryKeyUsingIndexNullable:
		return _("PRIMARY KEY USING INDEX on columns that are not NOT NULL sets NOT NULL on them, which scans every "
		         "row.");
	case DdlRule::kAddUnique:
		return psprintf(_("Adding a %s constraint builds its index while the table is locked."), KeyKind(f));
	case DdlRule::kAddExclusion:
		return _("An exclusion constraint builds its index while the table is locked; PostgreSQL 15 has no NOT VALID "
		         "or USING INDEX form for it.");
	case DdlRule::kValidateConstraint:
		if (g->verdict.under_held_lock)
			return _("VALIDATE CONSTRAINT scans every row of the table to check the constraint.");
		return _("VALIDATE CONSTRAINT scans the table under ShareUpdateExclusiveLock, which does not block reads or "
		         "writes.");
	case DdlRule::kForeignKeyReferencedTable:
		return psprintf(_("The referencing table \"%s\" is new in this transaction, which exempts its own lock, but "
		                  "validating the foreign key reads every one of its rows while %s is held on the referenced "
		                  "table \"%s\" until the transaction ends."),
		                f->other_relation, LockName(f->lock_mode), f->relation_name);
	case DdlRule::kCreateIndex:
		if (f->partitioned)
			return _("CREATE INDEX without CONCURRENTLY holds ShareLock, which blocks every write, while it builds "
			         "the index on every partition.");
		return _("CREATE INDEX without CONCURRENTLY holds ShareLock, which blocks every write, while it builds the "
		         "index.");
	case DdlRule::kCreateIndexConcurrently:
		return _("CREATE INDEX CONCURRENTLY builds the index under ShareUpdateExclusiveLock, which does not block "
		         "reads or writes.");
	case DdlRule::kReindex:
		if (f->multi_table)
			return _("REINDEX without CONCURRENTLY processes each table in turn, holding ShareLock on it, blocking "
			         "writes, and AccessExclusiveLock on each index it rebuilds, blocking reads that would use it.");
		return _("REINDEX without CONCURRENTLY holds ShareLock on the table, blocking writes, and "
		         "AccessExclusiveLock on each index it rebuilds, blocking reads that would use it.");
	case DdlRule::kReindexConcurrently:
		return _("REINDEX CONCURRENTLY rebuilds under ShareUpdateExclusiveLock.");
	case DdlRule::kCluster:
		if (f->multi_table)
			return _("CLUSTER without a table name processes every table with a clustered index you may, one at a "
			         "time, writing a new copy of each and rebuilding its indexes under AccessExclusiveLock.");
		return _("CLUSTER writes a new copy of the table and rebuilds its indexes under AccessExclusiveLock.");
	case DdlRule::kVacuumFull:
		if (f->multi_table)
			return _("VACUUM FULL without a table name processes every table you may, one at a time, writing a new "
			         "copy of each and rebuilding its indexes under AccessExclusiveLock.");
		return _("VACUUM FULL writes a new copy of the table and rebuilds its indexes under AccessExclusiveLock.");
	case DdlRule::kRefreshMaterializedView:
		return _("REFRESH MATERIALIZED VIEW without CONCURRENTLY re-runs the query into a new heap under "
		         "AccessExclusiveLock, blocking reads of the view.");
	case DdlRule::kSetPersistence:
		return _("Changing a table between logged and unlogged writes a new copy of it and rebuilds its indexes.");
	case DdlRule::kSetTablespace:
		return _("SET TABLESPACE copies every block of the table to the new tablespace under AccessExclusiveLock.");
	case DdlRule::kSetAccessMethod:
		return _("SET ACCESS METHOD writes a new copy of the table with the new access method and rebuilds its "
		         "indexes.");
	case DdlRule::kAttachPartitionScan:
		return Sentences(_("No validated CHECK constraint on the partition implies its partition bound, so "
		                   "PostgreSQL scans it to verify every row."),
		                 f->missing_indexes ? MissingIndexesWhy(f) : "");
	case DdlRule::kAttachPartitionIndexBuild:
		return MissingIndexesWhy(f);
	case DdlRule::kDefaultPartitionScan:
		return psprintf(_("Table \"%s\" is the DEFAULT partition: a new partition narrows its partition constraint, "
		                  "so PostgreSQL scans it under AccessExclusiveLock for rows that belong to the new "
		                  "partition, since no validated CHECK constraint on it excludes them."),
		                f->relation_name);
	case DdlRule::kDomainValidateConstraint:
		return _("In PostgreSQL 15, ALTER DOMAIN ... VALIDATE CONSTRAINT, unlike its ALTER TABLE counterpart, checks "
		         "every stored value of the domain holding ShareLock on each table using it until the statement "
		         "ends.");
	case DdlRule::kDomainSetNotNull:
		return _("SET NOT NULL on a domain checks every stored value of the domain, holding ShareLock on each table "
		         "using it until the statement ends.");
	case DdlRule::kDomainAddCheck:
		return _("A domain CHECK constraint added without NOT VALID is checked against every stored value of the "
		         "domain, holding ShareLock on each table using it until the statement ends.");
	default:
		return "";
	}
}

// Why a finding with growing work is safe anyway: one sentence, or "" for
// kWeakLock (the rule's own sentence says so).
const char *
ExemptionSentence(const GuardFinding *g, int64 min_size_bytes) {
	const core::DdlVerdict *v = &g->verdict;
	const char *judged = Size(v->judged_bytes);
	switch (v->exemption) {
	case Exemption::kCreatedInXact:
		return _("Exempt: the table was created in the current transaction, so no other session can see it yet.");
	case Exemption::kTruncatedInXact:
		return _("Exempt: the table was truncated (or otherwise given new storage) in the current transaction, "
		         "which already holds AccessExclusiveLock on it.");
	case Exemption::kEmpty:
		switch (v->judged) {
		case JudgedSize::kDomainTables:
			return _("Exempt: the tables using the domain are empty.");
		case JudgedSize::kReferencingTable:
			return _("Exempt: the referencing table is empty.");
		default:
			return _("Exempt: the table is empty.");
		}
	case Exemption::kBelowMinSize: {
		const char *min = Size(min_size_bytes);
		switch (v->judged) {
		case JudgedSize::kDomainTables:
			return psprintf(_("Exempt: the tables using the domain (%s in total) are smaller than "
			                  "pg_backfill.guard_min_size (%s)."),
			                judged, min);
		case JudgedSize::kReferencingTable:
			return psprintf(_("Exempt: the referencing table (%s) is smaller than pg_backfill.guard_min_size (%s)."),
			                judged, min);
		default:
			return psprintf(_("Exempt: the table (%s) is smaller than pg_backfill.guard_min_size (%s)."), judged, min);
		}
	}
	default:
		return "";
	}
}

// Why an unsafe finding is unsafe: what its lock blocks, for how long.
const char *
LockSentence(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	const char *lock = LockName(g->verdict.lock_mode);
	const char *judged = Size(g->verdict.judged_bytes);
	bool reads = g->verdict.lock_mode >= AccessExclusiveLock;
	switch (g->verdict.judged) {
	case JudgedSize::kDomainTables:
		if (f->table_count > 1)
			return reads ? psprintf(
			                   _("%s blocks every read and write of each table while the statement works, "
			                     "for a time that grows with the total size of the %d tables using the domain (%s)."),
			                   lock, f->table_count, judged)
			             : psprintf(_("%s blocks every write to each table while the statement works, for a time "
			                          "that grows with the total size of the %d tables using the domain (%s)."),
			                        lock, f->table_count, judged);
		break;
	case JudgedSize::kReferencingTable:
		return reads ? psprintf(_("%s blocks every read and write of the table while the statement works, for a time "
		                          "that grows with the referencing table's size (%s)."),
		                        lock, judged)
		             : psprintf(_("%s blocks every write to the table while the statement works, for a time that grows "
		                          "with the referencing table's size (%s)."),
		                        lock, judged);
	default:
		break;
	}
	return reads ? psprintf(
	                   _("%s blocks every read and write of the table while the statement works, for a time that grows "
	                     "with the table's size (%s)."),
	                   lock, judged)
	             : psprintf(
	                   _("%s blocks every write to the table while the statement works, for a time that grows with the "
	                     "table's size (%s)."),
	                   lock, judged);
}

// ADD COLUMN hints: the safe sequence for each rewriting or scanning kind.
const char *
AddColumnHint(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	const char *a = Alter(f);
	const char *col = f->column;
	const char *add_plain = psprintf("%sADD COLUMN %s %s;", a, col, f->type_name);
	const char *not_null =
	    f->not_null ? psprintf(_("Then make it NOT NULL without a long lock: %s"), NotNullRoute(g, col, f->column_raw))
	                : "";
	switch (g->verdict.rule) {
	case DdlRule::kAddColumnSerial: {
		const char *nextval = psprintf("nextval(%s)", quote_literal_cstr(f->sequence_name));
		const char *one_job = psprintf("CREATE SEQUENCE %s; %s ALTER SEQUENCE %s OWNED BY %s.%s;", f->sequence_name,
		                               AddColumnBackfill(f, f->type_name, nextval, true, nextval, false),
		                               f->sequence_name, f->relation, col);
		const char *sql =
		    psprintf("%s CREATE SEQUENCE %s OWNED BY %s.%s; %sALTER COLUMN %s SET DEFAULT %s; %s", add_plain,
		             f->sequence_name, f->relation, col, a, col, nextval, StartBackfill(f, f->column_raw, nextval));
		// A serial column is NOT NULL.
		return Sentences(psprintf(_("Fill it from a sequence in one backfill job, which adds the column nullable "
		                            "with lock retries, fills existing rows in batches while a trigger fills rows "
		                            "written meanwhile, then sets the default and NOT NULL without a long lock: "
		                            "%s"),
		                          one_job),
		                 Sentences(psprintf(_("Step by step: add a plain column, attach a sequence, and fill "
		                                      "existing rows with a backfill: %s"),
		                                    sql),
		                           not_null));
	}
	case DdlRule::kAddColumnIdentity: {
		// The helper is not OWNED BY the column: pg_get_serial_sequence must
		// find the identity's own sequence, not the helper.
		const char *seq = QuotedNewRelationName(
		    RelNamespace(g), ChooseRelationName(RelName(g), f->column_raw, "backfill_seq", RelNamespace(g), false));
		const char *nextval = psprintf("nextval(%s)", quote_literal_cstr(seq));
		const char *sql = psprintf(
		    "%s CREATE SEQUENCE %s; %sALTER COLUMN %s SET DEFAULT %s; %s %s BEGIN; SET LOCAL lock_timeout = '2s'; "
		    "%sALTER COLUMN %s DROP DEFAULT; %sALTER COLUMN %s ADD GENERATED %s AS IDENTITY; SELECT "
		    "setval(pg_get_serial_sequence(%s, %s), %s); COMMIT; DROP SEQUENCE %s;",
		    add_plain, seq, a, col, nextval, StartBackfill(f, f->column_raw, nextval),
		    NotNullRoute(g, col, f->column_raw), a, col, a, col, f->identity_always ? "ALWAYS" : "BY DEFAULT",
		    quote_literal_cstr(f->relation), quote_literal_cstr(f->column_raw), nextval, seq);
		const char *to_identity = psprintf(
		    "BEGIN; SET LOCAL lock_timeout = '2s'; %sALTER COLUMN %s DROP DEFAULT; %sALTER COLUMN %s ADD GENERATED "
		    "%s AS IDENTITY; SELECT setval(pg_get_serial_sequence(%s, %s), %s); COMMIT; DROP SEQUENCE %s;",
		    a, col, a, col, f->identity_always ? "ALWAYS" : "BY DEFAULT", quote_literal_cstr(f->relation),
		    quote_literal_cstr(f->column_raw), nextval, seq);
		return Sentences(
		    psprintf(_("Fill it from a helper sequence in one backfill job (the column added nullable with lock "
		               "retries, rows written meanwhile filled by a trigger, NOT NULL set without a long lock), "
		               "and once the job has succeeded switch to identity in one short transaction, starting the "
		               "identity sequence after the helper's last value (nextval of the helper is above every "
		               "value it gave out): CREATE SEQUENCE %s; %s Then: %s"),
		             seq, AddColumnBackfill(f, f->type_name, nextval, true, nextval, false), to_identity),
		    psprintf(_("Step by step: %s"), sql));
	}
	case DdlRule::kAddColumnGeneratedStored: {
		const char *fn = quote_identifier(makeObjectName(RelName(g), f->column_raw, "generated"));
		const char *sql = psprintf("%s %s %s", add_plain, SetColumnTrigger(f, fn, col, TriggerExpression(f)),
		                           StartBackfill(f, f->column_raw, f->expression));
		return Sentences(
		    psprintf(_("Compute it in one backfill job whose trigger stays to keep new and updated rows current "
		               "(PostgreSQL 15 cannot turn a plain column into a generated one): %s"),
		             AddColumnBackfill(f, f->type_name, f->expression, false, nullptr, true)),
		    psprintf(_("Step by step, with a PL/pgSQL trigger: add a plain column, keep it current for new and "
		               "updated rows with the trigger, and compute existing rows with a backfill: %s"),
		             sql));
	}
	case DdlRule::kAddColumnDomainConstraints: {
		const char *steps = _("Add the column with the domain's base type, fill it with a backfill, add the domain's "
		                      "checks as a CHECK constraint NOT VALID, then VALIDATE CONSTRAINT in a separate "
		                      "transaction.");
		const char *one_job = psprintf(_("The column and its fill as one backfill job: %s"),
		                               AddColumnBackfill(f, "<base type>", f->has_default ? f->expression : "<value>",
		                                                 f->not_null, f->has_default ? f->expression : nullptr, false));
		steps = Sentences(steps, one_job);
		if (!f->has_default)
			return steps;
		const char *sql = psprintf("%sADD COLUMN %s <base type>; %sALTER COLUMN %s SET DEFAULT %s; %s", a, col, a, col,
		                           f->expression, StartBackfill(f, f->column_raw, f->expression));
		return Sentences(steps, psprintf(_("For example: %s"), sql));
	}
	case DdlRule::kAddColumnVolatileDefault: {
		if (f->domain_default) {
			const char *sql = psprintf("%sADD COLUMN %s %s DEFAULT NULL; %sALTER COLUMN %s DROP DEFAULT; %s", a, col,
			                           f->type_name, a, col, StartBackfill(f, f->column_raw, f->expression));
			return Sentences(psprintf(_("Add the column with an explicit NULL default, drop that default so new rows "
			                            "get the domain's, and fill existing rows with a backfill: %s"),
			                          sql),
			                 not_null);
		}
		const char *sql = psprintf("%s %sALTER COLUMN %s SET DEFAULT %s; %s", add_plain, a, col, f->expression,
		                           StartBackfill(f, f->column_raw, f->expression));
		return Sentences(psprintf(_("Run it as one backfill job, which adds the column nullable with lock retries, "
		                            "fills existing rows in batches while a trigger fills rows written meanwhile, "
		                            "then sets the default (and NOT NULL) without a long lock: %s"),
		                          AddColumnBackfill(f, f->type_name, f->expression, f->not_null, f->expression, false)),
		                 Sentences(psprintf(_("Step by step: add the column without the default, set the default "
		                                      "for new rows, and fill existing rows with a backfill: %s"),
		                                    sql),
		                           not_null));
	}
	case DdlRule::kAddColumnNotNullWithoutDefault:
		return Sentences(
		    psprintf(_("Run it as one backfill job, which adds the column nullable with lock retries, fills every "
		               "row with the value you choose, then makes it NOT NULL without a long lock: %s"),
		             AddColumnBackfill(f, f->type_name, "<value>", true, nullptr, false)),
		    psprintf(_("Step by step: add the column nullable, fill it with a backfill, then make it NOT NULL: %s "
		               "%s %s"),
		             add_plain, StartBackfill(f, f->column_raw, "<value>"), NotNullRoute(g, col, f->column_raw)));
	case DdlRule::kAddColumnInlineUnique: {
		const char *index =
		    quote_identifier(ChooseRelationName(RelName(g), f->inline_primary_key ? nullptr : f->column_raw,
		                                        f->inline_primary_key ? "pkey" : "key", RelNamespace(g), true));
		return psprintf(_("Add the column, build the index concurrently, then attach it: %s CREATE UNIQUE INDEX "
		                  "CONCURRENTLY %s ON %s (%s); %sADD %s USING INDEX %s;"),
		                add_plain, index, f->relation, col, a, KeyKind(f), index);
	}
	case DdlRule::kAddColumnInlineCheck: {
		const char *con = NewConstraintName(g, f->column_raw, "check");
		return psprintf(_("Add the column, then the constraint NOT VALID, then validate it in a separate "
		                  "transaction: %s %sADD CONSTRAINT %s CHECK %s NOT VALID; %sVALIDATE CONSTRAINT %s;"),
		                add_plain, a, con, Paren(f->object_def), a, con);
	}
	case DdlRule::kAddColumnForeignKey: {
		const char *con = NewConstraintName(g, f->column_raw, "fkey");
		return psprintf(_("Add the column, then the foreign key NOT VALID, then validate it in a separate "
		                  "transaction: %s %sADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s NOT VALID; "
		                  "%sVALIDATE CONSTRAINT %s;"),
		                add_plain, a, con, col, f->object_def, a, con);
	}
	default:
		return "";
	}
}

// ALTER COLUMN TYPE hints.
const char *
AlterTypeHint(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	const char *a = Alter(f);
	const char *col = f->column;
	if (g->verdict.rule == DdlRule::kAlterTypeRewrite) {
		const char *shadow_raw = makeObjectName(f->column_raw, nullptr, "new");
		const char *shadow = quote_identifier(shadow_raw);
		const char *fn = quote_identifier(makeObjectName(RelName(g), shadow_raw, "sync"));
		// The backfill writes the shadow column, not the old one.
		const char *fill =
		    psprintf("%sADD COLUMN %s %s; %s %s%s%s", a, shadow, f->type_name,
		             SetColumnTrigger(f, fn, shadow, TriggerExpression(f)), StartBackfill(f, shadow_raw, f->expression),
		             f->old_not_null ? " " : "", f->old_not_null ? NotNullRoute(g, shadow, shadow_raw) : "");
		const char *swap = psprintf("BEGIN; SET LOCAL lock_timeout = '2s'; DROP TRIGGER %s ON %s; %sDROP COLUMN %s; "
		                            "%sRENAME COLUMN %s TO %s; COMMIT; DROP FUNCTION %s();",
		                            fn, f->relation, a, col, a, shadow, col, fn);
		return psprintf(_("Add a new column, keep it current for new and updated rows with a trigger, fill existing "
		                  "rows with a backfill, then swap the columns in one short transaction: %s When the job has "
		                  "finished, recreate the old column's indexes on %s with CREATE INDEX CONCURRENTLY (and its "
		                  "default and constraints), then: %s"),
		                fill, shadow, swap);
	}
	const char *recheck = g->verdict.rule == DdlRule::kAlterTypeRecheckConstraints
	                          ? _("Drop the CHECK constraints on the column, change the type, re-add them NOT VALID, "
	                              "then VALIDATE CONSTRAINT in a separate transaction.")
	                          : "";
	const char *index = "";
	if (g->verdict.index_build) {
		if (f->type_collation_change && f->object_def[0] != '\0')
			index = psprintf(_("Keep the column's collation, so the index is reused: %sALTER COLUMN %s TYPE %s COLLATE "
			                   "%s; or build the index for the new collation first with CREATE INDEX CONCURRENTLY."),
			                 a, col, f->type_name, f->object_def);
		else
			index = _("Build the index for the new type first with CREATE INDEX CONCURRENTLY, or use the "
			          "add-column-and-backfill route.");
	}
	return Sentences(recheck, index);
}

// Constraint hints: SET NOT NULL, ADD CONSTRAINT, a new table's foreign key.
const char *
ConstraintHint(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	const char *a = Alter(f);
	switch (g->verdict.rule) {
	case DdlRule::kSetNotNullUnproven: {
		const char *route = psprintf(_("Prove it first with a constraint validated under a weaker lock: %s"),
		                             NotNullRoute(g, f->column, f->column_raw));
		return Sentences(route, f->partitioned ? _("On a partitioned table the CHECK added to the parent is added to "
		                                           "and validated on every partition, which is what proves NOT NULL "
		                                           "there.")
		                                       : "");
	}
	case DdlRule::kAddCheck:
		return psprintf(_("Add it NOT VALID, then validate it in a separate transaction (VALIDATE takes only "
		                  "ShareUpdateExclusiveLock): %sADD CONSTRAINT %s CHECK %s NOT VALID; %sVALIDATE CONSTRAINT "
		                  "%s;"),
		                a, f->object_name, Paren(f->object_def), a, f->object_name);
	case DdlRule::kAddForeignKey:
		return psprintf(_("Add it NOT VALID, then validate it in a separate transaction: %sADD CONSTRAINT %s %s NOT "
		                  "VALID; %sVALIDATE CONSTRAINT %s;"),
		                a, f->object_name, f->object_def, a, f->object_name);
	case DdlRule::kAddPrimaryKeyUsingIndexNullable:
		return _("Make the key columns NOT NULL first through a validated CHECK (col IS NOT NULL) and SET NOT NULL, "
		         "then add the primary key USING INDEX.");
	case DdlRule::kAddUnique:
		return psprintf(_("Build the index concurrently, then attach it: CREATE UNIQUE INDEX CONCURRENTLY %s ON %s "
		                  "(%s); %sADD CONSTRAINT %s %s USING INDEX %s;"),
		                f->object_name, f->relation, f->object_def, a, f->object_name, KeyKind(f), f->object_name);
	case DdlRule::kAddExclusion:
		return _("There is no lock-free way to add an exclusion constraint in PostgreSQL 15; run it in a maintenance "
		         "window.");
	case DdlRule::kForeignKeyReferencedTable: {
		const char *ra = psprintf("ALTER TABLE %s ", f->other_relation_sql);
		const char *add = psprintf("%sADD CONSTRAINT %s %s NOT VALID;", ra, f->object_name, f->object_def);
		const char *validate = psprintf("%sVALIDATE CONSTRAINT %s;", ra, f->object_name);
		if (f->column[0] != '\0')
			return psprintf(_("Add the column without its REFERENCES clause, then the foreign key NOT VALID in this "
			                  "transaction, and validate it after committing (VALIDATE CONSTRAINT takes "
			                  "ShareUpdateExclusiveLock on the referencing table and RowShareLock on the referenced "
			                  "one): %sADD COLUMN %s %s; %s -- COMMIT, then: %s"),
			                ra, f->column, f->type_name, add, validate);
		return psprintf(_("Add the foreign key NOT VALID in this transaction and validate it after committing "
		                  "(VALIDATE CONSTRAINT takes ShareUpdateExclusiveLock on the referencing table and "
		                  "RowShareLock on the referenced one): %s -- COMMIT, then: %s"),
		                add, validate);
	}
	default:
		return "";
	}
}

// Hints of the index, rewrite, partition and domain families.
const char *
OtherHint(const GuardFinding *g) {
	const core::DdlFacts *f = &g->facts;
	const char *a = Alter(f);
	switch (g->verdict.rule) {
	case DdlRule::kCreateIndex:
		if (f->partitioned)
			return _("Create the index ON ONLY the partitioned table, build it with CREATE INDEX CONCURRENTLY on each "
			         "partition, then ALTER INDEX ... ATTACH PARTITION each one.");
		return _("Use CREATE INDEX CONCURRENTLY outside a transaction block (if it fails, drop the INVALID index it "
		         "leaves and retry).");
	case DdlRule::kReindex:
		if (f->multi_table)
			return _("Use REINDEX SCHEMA / DATABASE ... CONCURRENTLY (PostgreSQL 15 skips system catalogs then; "
			         "REINDEX SYSTEM has no CONCURRENTLY form), or REINDEX TABLE CONCURRENTLY for the large tables.");
		return _("Use REINDEX ... CONCURRENTLY outside a transaction block.");
	case DdlRule::kCluster:
	case DdlRule::kVacuumFull: {
		const char *online = _("Use pg_repack or pg_squeeze, which rewrite the table online, or run it in a "
		                       "maintenance window; plain VACUUM does not block reads or writes.");
		if (!f->multi_table)
			return online;
		return Sentences(online, g->verdict.rule == DdlRule::kCluster
		                             ? _("To compact only small tables, name them: CLUSTER <table>;")
		                             : _("To compact only small tables, name them: VACUUM FULL <table>, ...;"));
	}
	case DdlRule::kRefreshMaterializedView:
		return _("Create a unique index on the materialized view and use REFRESH MATERIALIZED VIEW CONCURRENTLY.");
	case DdlRule::kSetPersistence:
		return _("Avoid changing persistence on a large table that is in use; create a new table with the wanted "
		         "persistence and copy the rows in batches.");
	case DdlRule::kSetTablespace:
		return _("Use pg_repack --tablespace, or move the table in a maintenance window.");
	case DdlRule::kSetAccessMethod:
		return _("Create a new table with the access method and copy the rows in batches.");
	case DdlRule::kAttachPartitionScan:
	case DdlRule::kAttachPartitionIndexBuild: {
		const char *steps = "";
		if (g->verdict.rule == DdlRule::kAttachPartitionScan) {
			const char *con = NewConstraintName(g, nullptr, "bound");
			steps = psprintf("%sADD CONSTRAINT %s CHECK %s NOT VALID; %sVALIDATE CONSTRAINT %s;", a, con,
			                 Paren(f->object_def), a, con);
		}
		if (f->missing_indexes)
			steps = Sentences(steps, f->index_sql);
		const char *prepare = psprintf(_("Prepare the partition under ShareUpdateExclusiveLock before attaching, so "
		                                 "ATTACH PARTITION skips the work: %s"),
		                               steps);
		return Sentences(prepare, f->bound_implied ? "" : _("Drop the CHECK constraint after attaching."));
	}
	case DdlRule::kDefaultPartitionScan: {
		const char *con = NewConstraintName(g, f->other_relation, "excluded");
		return psprintf(_("Beforehand, prove the default partition holds no rows of the new range with a constraint "
		                  "validated under ShareUpdateExclusiveLock (move any such rows out first), run the statement, "
		                  "then drop the constraint: %sADD CONSTRAINT %s CHECK %s NOT VALID; %sVALIDATE CONSTRAINT %s; "
		                  "-- then the statement, and after it: %sDROP CONSTRAINT %s;"),
		                a, con, Paren(f->object_def), a, con, a, con);
	}
	case DdlRule::kDomainValidateConstraint:
	case DdlRule::kDomainSetNotNull:
	case DdlRule::kDomainAddCheck: {
		const char *find =
		    f->check_sql[0]
		        ? psprintf(_("Find the existing values it rejects without a blocking lock: %s"), f->check_sql)
		        : "";
		if (g->verdict.rule == DdlRule::kDomainValidateConstraint)
			return Sentences(psprintf(_("PostgreSQL 15 has no lock-free way to validate a domain constraint. A NOT "
			                            "VALID domain constraint already checks every new and updated value; leave it "
			                            "NOT VALID, or validate it in a quiet period with lock_timeout set: SET "
			                            "lock_timeout = '2s'; ALTER DOMAIN %s VALIDATE CONSTRAINT %s;"),
			                          f->type_name, f->object_name),
			                 find);
		if (g->verdict.rule == DdlRule::kDomainSetNotNull)
			return Sentences(psprintf(_("PostgreSQL 15 has no NOT VALID form of SET NOT NULL for a domain. Reject new "
			                            "NULLs at once with a NOT VALID constraint, which checks only new and updated "
			                            "values: ALTER DOMAIN %s ADD CONSTRAINT %s CHECK (VALUE IS NOT NULL) NOT "
			                            "VALID; validating it or SET NOT NULL still scans under ShareLock, so do that "
			                            "in a quiet period with lock_timeout set."),
			                          f->type_name, f->object_name),
			                 find);
		return Sentences(
		    Sentences(psprintf(_("Add it NOT VALID: new and updated values are checked at once, existing ones are not: "
		                         "ALTER DOMAIN %s ADD CONSTRAINT %s CHECK %s NOT VALID;"),
		                       f->type_name, f->object_name, Paren(f->object_def)),
		              find[0] ? find : _("Check the existing values with a plain SELECT.")),
		    _("In PostgreSQL 15 ALTER DOMAIN ... VALIDATE CONSTRAINT still takes ShareLock on every table using the "
		      "domain, so validate in a quiet period with lock_timeout set, or leave the constraint NOT VALID."));
	}
	default:
		return "";
	}
}

// The safe sequence of an unsafe finding, or "".
const char *
Hint(const GuardFinding *g) {
	switch (core::FamilyOf(g->facts.command)) {
	case core::DdlFamily::kAddColumn:
		return AddColumnHint(g);
	case core::DdlFamily::kAlterType:
		return AlterTypeHint(g);
	case core::DdlFamily::kConstraint:
		return ConstraintHint(g);
	default:
		return OtherHint(g);
	}
}

} // namespace

FindingText
FormatFinding(const GuardFinding *g) {
	const core::DdlVerdict *v = &g->verdict;
	FindingText t = {"", "", "", ""};
	switch (v->exemption) {
	case Exemption::kBrief:
		t.reason = _("The statement changes only the catalog; its lock is brief.");
		break;
	case Exemption::kNoop:
		t.reason = _("PostgreSQL skips the work: the table is already in the requested state or the object already "
		             "exists.");
		break;
	default:
		t.reason = Sentences(Why(g), ExemptionSentence(g, (int64)guc_guard_min_size_kb * 1024));
		break;
	}
	if (!v->unsafe) {
		t.message = SafeMessage(g);
		t.detail = t.reason;
		return t;
	}
	if (v->under_held_lock)
		t.reason = Sentences(t.reason, psprintf(_("This transaction already holds %s on the table from an earlier "
		                                          "statement, so the work runs under that lock instead of %s."),
		                                        LockName(v->lock_mode), LockName(g->facts.lock_mode)));
	t.message = UnsafeMessage(g);
	t.detail = Sentences(t.reason, LockSentence(g));
	// Migration tools run a migration in one transaction by default.
	t.hint = v->under_held_lock ? Sentences(_("Commit before this statement, so that it runs in a transaction of "
	                                          "its own (a Django migration with atomic = False and one operation "
	                                          "per migration, a sqitch or Flyway change of its own)."),
	                                        Hint(g))
	                            : Hint(g);
	return t;
}

const char *
GuardLockModeName(int lock_mode) {
	return LockName(lock_mode);
}

} // namespace pg_backfill::pg
