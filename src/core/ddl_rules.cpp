// The DDL guard's decision table. See ddl_rules.hpp.
#include "core/ddl_rules.hpp"

#include <cinttypes>
#include <cstdio>
#include <cctype>
#include <cstring>
#include <string>

namespace pg_backfill::core {

namespace {

// The work a subcommand does on its table, before exemptions.
struct Work {
	bool rewrite = false;
	bool scan = false;
	bool index_build = false;
	bool fk_validation = false;
	std::string subject; // what follows the command tag in the message, e.g. "\"c\" with a volatile default"
	std::string why;     // one or more sentences: why PostgreSQL 15 does this work
	std::string hint;    // the safe sequence
};

// Copies s into a fixed buffer, truncating. Never throws.
template <size_t N>
void
Put(char (&dst)[N], const std::string &s) noexcept {
	size_t n = s.size() < N - 1 ? s.size() : N - 1;
	std::memcpy(dst, s.data(), n);
	dst[n] = '\0';
}

// quote_literal(): a SQL string literal, E'' when it contains a backslash.
std::string
Literal(const std::string &s) {
	std::string out;
	bool backslash = s.find('\\') != std::string::npos;
	if (backslash)
		out += 'E';
	out += '\'';
	for (char c : s) {
		if (c == '\'' || c == '\\')
			out += c;
		out += c;
	}
	out += '\'';
	return out;
}

// An identifier in double quotes, as PostgreSQL's messages name objects.
std::string
Quoted(const std::string &name) {
	return "\"" + name + "\"";
}

// expr in parentheses unless deparsing already put it in some.
std::string
Paren(const std::string &expr) {
	if (!expr.empty() && expr.front() == '(' && expr.back() == ')')
		return expr;
	return "(" + expr + ")";
}

// A possibly-null fact string as std::string.
std::string
Str(const char *s) {
	return s ? s : "";
}

// quote_identifier() for names the hints make up (lower-case letters,
// digits and underscores stay bare; anything else is double-quoted).
std::string
QuoteIdent(const std::string &name) {
	bool bare = !name.empty() && (std::islower((unsigned char)name[0]) || name[0] == '_');
	for (char c : name)
		bare = bare && (std::islower((unsigned char)c) || std::isdigit((unsigned char)c) || c == '_');
	if (bare)
		return name;
	std::string out = "\"";
	for (char c : name) {
		if (c == '"')
			out += c;
		out += c;
	}
	return out + "\"";
}

// A made-up object name from a table's name and a suffix, within NAMEDATALEN.
std::string
MadeUpName(const DdlFacts &f, const std::string &suffix) {
	std::string name = Str(f.relation_name) + "_" + suffix;
	if (name.size() > 63)
		name.resize(63);
	return QuoteIdent(name);
}

// The statement prefix of hints: "ALTER TABLE <relation> ".
std::string
Alter(const DdlFacts &f) {
	return std::string("ALTER TABLE ") + f.relation + " ";
}

// "SELECT start_backfill('<relation>', '<column>', '<expression>');"
std::string
StartBackfill(const DdlFacts &f, const std::string &expression) {
	return std::string("SELECT start_backfill(") + Literal(f.relation) + ", " + Literal(f.column_raw) + ", " +
	       Literal(expression) + ");";
}

// The CHECK route to NOT NULL without a long AccessExclusiveLock scan, for
// column (quoted) / column_raw.
std::string
NotNullRoute(const DdlFacts &f, const std::string &column, const std::string &column_raw) {
	std::string con = column_raw + "_not_null";
	std::string a = Alter(f);
	return a + "ADD CONSTRAINT " + "\"" + con + "\" CHECK (" + column + " IS NOT NULL) NOT VALID; " + a +
	       "VALIDATE CONSTRAINT \"" + con + "\"; " + a + "ALTER COLUMN " + column + " SET NOT NULL; " + a +
	       "DROP CONSTRAINT \"" + con + "\";";
}

std::string
NotNullRoute(const DdlFacts &f) {
	return NotNullRoute(f, f.column, f.column_raw);
}

// A BEFORE INSERT OR UPDATE trigger that sets column (quoted) to
// expression (over NEW) in every row written: function and trigger named fn.
std::string
SetColumnTrigger(const DdlFacts &f, const std::string &fn, const std::string &column, const std::string &expression) {
	return "CREATE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW." + column +
	       " := " + expression + "; RETURN NEW; END$$; CREATE TRIGGER " + fn + " BEFORE INSERT OR UPDATE ON " +
	       f.relation + " FOR EACH ROW EXECUTE FUNCTION " + fn + "();";
}

// ADD COLUMN, mirroring ATExecAddColumn and transformAlterTableStmt.
void
AddColumnWork(const DdlFacts &f, Work *w) {
	std::string col = f.column;
	std::string named = Quoted(f.column_raw);
	std::string a = Alter(f);
	std::string add_plain = a + "ADD COLUMN " + col + " " + f.type_name + ";";
	std::string not_null_tail = f.not_null ? " Then make it NOT NULL without a long lock: " + NotNullRoute(f) : "";
	if (f.serial) {
		w->rewrite = true;
		w->subject = named + " of a serial type";
		w->why = "A serial column gets DEFAULT nextval(...), which is volatile, so PostgreSQL rewrites every "
		         "row to give it its own value (ATExecAddColumn).";
		std::string nextval = std::string("nextval(") + Literal(f.sequence_name) + ")";
		w->hint = "Add a plain column, attach a sequence, and fill existing rows with a backfill: " + add_plain +
		          " CREATE SEQUENCE " + f.sequence_name + " OWNED BY " + f.relation + "." + col + "; " + a +
		          "ALTER COLUMN " + col + " SET DEFAULT " + nextval + "; " + StartBackfill(f, nextval) + not_null_tail;
	} else if (f.identity) {
		w->rewrite = true;
		w->subject = named + " as an identity column";
		w->why = "An identity column gets a NextValueExpr default, which is volatile, so PostgreSQL rewrites "
		         "every row (ATExecAddColumn).";
		// The helper is not OWNED BY the column: pg_get_serial_sequence must
		// find the identity's own sequence, not the helper.
		std::string seq = MadeUpName(f, Str(f.column_raw) + "_backfill_seq");
		std::string nextval = std::string("nextval(") + Literal(seq) + ")";
		w->hint = "Add a plain column fed by a helper sequence, fill existing rows with a backfill, make it NOT NULL "
		          "through a validated CHECK, then switch to identity in one short transaction, starting the "
		          "identity sequence after the helper's last value (nextval of the helper is above every value "
		          "it gave out): " +
		          add_plain + " CREATE SEQUENCE " + seq + "; " + a + "ALTER COLUMN " + col + " SET DEFAULT " + nextval +
		          "; " + StartBackfill(f, nextval) + " " + NotNullRoute(f) + " BEGIN; SET LOCAL lock_timeout = '2s'; " +
		          a + "ALTER COLUMN " + col + " DROP DEFAULT; " + a + "ALTER COLUMN " + col + " ADD GENERATED " +
		          (f.identity_always ? "ALWAYS" : "BY DEFAULT") +
		          " AS IDENTITY; SELECT setval(pg_get_serial_sequence(" + Literal(f.relation) + ", " +
		          Literal(f.column_raw) + "), " + nextval + "); COMMIT; DROP SEQUENCE " + seq + ";";
	} else if (f.generated_stored) {
		w->rewrite = true;
		w->subject = named + " as a stored generated column";
		w->why = "PostgreSQL never uses the fast default for a stored generated column: it computes the value "
		         "for every existing row and rewrites the table (ATExecAddColumn).";
		std::string fn = MadeUpName(f, Str(f.column_raw) + "_generated");
		std::string trig_expr = Str(f.trigger_expression).empty() ? Str(f.expression) : Str(f.trigger_expression);
		w->hint = "Add a plain column, keep it current for new and updated rows with a trigger, and compute "
		          "existing rows with a backfill (PostgreSQL 15 cannot turn a plain column into a generated "
		          "one, so the trigger stays): " +
		          add_plain + " " + SetColumnTrigger(f, fn, col, trig_expr) + " " + StartBackfill(f, f.expression);
	} else if (f.domain_constraints) {
		w->rewrite = true;
		w->subject = named + " of domain type " + f.type_name + " with constraints";
		w->why = std::string("Domain ") + f.type_name +
		         " has constraints, so PostgreSQL cannot use the fast default and rewrites every row to check "
		         "the domain (DomainHasConstraints in ATExecAddColumn).";
		w->hint = "Add the column with the domain's base type, fill it with a backfill, add the domain's "
		          "checks as a CHECK constraint NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.";
		if (f.has_default)
			w->hint += " For example: " + a + "ADD COLUMN " + col + " <base type>; " + a + "ALTER COLUMN " + col +
			           " SET DEFAULT " + f.expression + "; " + StartBackfill(f, f.expression);
	} else if (f.has_default && f.default_volatile) {
		w->rewrite = true;
		w->subject = named + " with a volatile default";
		w->why = std::string("The default ") + f.expression +
		         " is volatile after planning, so PostgreSQL cannot store it once as a fast default and "
		         "rewrites every row with its own value (ATExecAddColumn, AT_REWRITE_DEFAULT_VAL).";
		if (f.domain_default)
			w->hint = "Add the column with an explicit NULL default, drop that default so new rows get the "
			          "domain's, and fill existing rows with a backfill: " +
			          a + "ADD COLUMN " + col + " " + f.type_name + " DEFAULT NULL; " + a + "ALTER COLUMN " + col +
			          " DROP DEFAULT; " + StartBackfill(f, f.expression) + not_null_tail;
		else
			w->hint = "Add the column without the default, set the default for new rows, and fill existing rows "
			          "with a backfill: " +
			          add_plain + " " + a + "ALTER COLUMN " + col + " SET DEFAULT " + f.expression + "; " +
			          StartBackfill(f, f.expression) + not_null_tail;
	} else if (f.not_null && !f.has_default) {
		w->scan = true;
		w->subject = named + " NOT NULL without a default";
		w->why = "The new column is NULL in every existing row, so PostgreSQL scans the table to verify NOT NULL "
		         "and the statement fails on the first row.";
		w->hint = "Add the column nullable, fill it with a backfill, then make it NOT NULL: " + add_plain + " " +
		          StartBackfill(f, "<value>") + " " + NotNullRoute(f);
	}
	if (w->rewrite || w->scan)
		return;
	if (f.inline_primary_key || f.inline_unique) {
		w->index_build = true;
		const char *kind = f.inline_primary_key ? "PRIMARY KEY" : "UNIQUE";
		w->subject = named + " with an inline " + kind + " constraint";
		w->why = std::string("The inline ") + kind + " constraint builds its index under AccessExclusiveLock.";
		w->hint = "Add the column, build the index concurrently, then attach it: " + add_plain +
		          " CREATE UNIQUE INDEX CONCURRENTLY <index> ON " + f.relation + " (" + col + "); " + a +
		          "ADD CONSTRAINT <name> " + kind + " USING INDEX <index>;";
	} else if (f.inline_check) {
		w->scan = true;
		w->subject = named + " with an inline CHECK constraint";
		w->why = "An inline CHECK is validated against every existing row while the table is locked "
		         "(transformAlterTableStmt queues it as a checked constraint).";
		w->hint =
		    "Add the column, then the constraint NOT VALID, then validate it in a separate transaction: " + add_plain +
		    " " + a + "ADD CONSTRAINT <name> CHECK " + Paren(f.object_def) + " NOT VALID; " + a +
		    "VALIDATE CONSTRAINT <name>;";
	} else if (f.fk_validated) {
		w->scan = true;
		w->fk_validation = true;
		w->subject = named + " with a REFERENCES constraint";
		w->why = "The new column has a DEFAULT clause, so PostgreSQL validates its foreign key against every row "
		         "(without one it skips the validation: every value is NULL).";
		w->hint =
		    "Add the column, then the foreign key NOT VALID, then validate it in a separate transaction: " + add_plain +
		    " " + a + "ADD CONSTRAINT <name> FOREIGN KEY (" + col + ") REFERENCES " + f.object_def + " NOT VALID; " +
		    a + "VALIDATE CONSTRAINT <name>;";
	}
}

// ALTER COLUMN TYPE, mirroring ATPrepAlterColumnType / ATColumnChangeRequiresRewrite.
void
AlterTypeWork(const DdlFacts &f, Work *w) {
	std::string col = f.column;
	w->subject = Quoted(f.column_raw) + " TYPE " + f.type_name;
	if (f.type_rewrite) {
		w->rewrite = true;
		w->index_build = true;
		w->why = "The conversion is not binary-coercible (ATColumnChangeRequiresRewrite), so PostgreSQL rewrites "
		         "every row and rebuilds every index of the table.";
		std::string shadow_raw = std::string(f.column_raw) + "_new";
		std::string shadow = QuoteIdent(shadow_raw);
		std::string fn = MadeUpName(f, shadow_raw + "_sync");
		std::string trig_expr = Str(f.trigger_expression).empty() ? Str(f.expression) : Str(f.trigger_expression);
		std::string a = Alter(f);
		// The backfill writes the shadow column, not the old one.
		w->hint = "Add a new column, keep it current for new and updated rows with a trigger, fill existing rows "
		          "with a backfill, then swap the columns in one short transaction: " +
		          a + "ADD COLUMN " + shadow + " " + f.type_name + "; " + SetColumnTrigger(f, fn, shadow, trig_expr) +
		          " SELECT start_backfill(" + Literal(f.relation) + ", " + Literal(shadow_raw) + ", " +
		          Literal(f.expression) + ");" + (f.old_not_null ? " " + NotNullRoute(f, shadow, shadow_raw) : "") +
		          " When the job has finished, recreate the old column's indexes on " + shadow +
		          " with CREATE INDEX CONCURRENTLY (and its default and constraints), then: BEGIN; SET LOCAL "
		          "lock_timeout = '2s'; DROP TRIGGER " +
		          fn + " ON " + f.relation + "; " + a + "DROP COLUMN " + col + "; " + a + "RENAME COLUMN " + shadow +
		          " TO " + col + "; COMMIT; DROP FUNCTION " + fn + "();";
		return;
	}
	if (f.type_rechecks) {
		w->scan = true;
		w->why = "The type change itself is binary-coercible, but PostgreSQL drops and re-adds the CHECK "
		         "constraints on the column and re-validates them against every row.";
		w->hint = "Drop the CHECK constraints on the column, change the type, re-add them NOT VALID, then "
		          "VALIDATE CONSTRAINT in a separate transaction.";
	}
	if (f.type_index_rebuild) {
		w->index_build = true;
		w->why += std::string(w->why.empty() ? "" : " ") +
		          (f.type_collation_change
		               ? "The type change is binary-coercible, but the column's collation changes, so an index on "
		                 "it cannot be reused (CheckIndexCompatible compares collations) and PostgreSQL rebuilds it."
		               : "The type change is binary-coercible, but an index on the column uses an operator class "
		                 "the new type cannot share, so PostgreSQL rebuilds it.");
		if (f.type_collation_change && !Str(f.object_def).empty())
			w->hint += std::string(w->hint.empty() ? "" : " ") +
			           "Keep the column's collation, so the index is reused: " + Alter(f) + "ALTER COLUMN " + col +
			           " TYPE " + f.type_name + " COLLATE " + f.object_def +
			           "; or build the index for the new collation first with CREATE INDEX CONCURRENTLY.";
		else
			w->hint += std::string(w->hint.empty() ? "" : " ") +
			           "Build the index for the new type first with CREATE INDEX CONCURRENTLY, or use the "
			           "add-column-and-backfill route.";
	}
}

// The remaining commands: each a fixed piece of work.
void
OtherWork(const DdlFacts &f, Work *w) {
	std::string a = Alter(f);
	switch (f.command) {
	case DdlCommand::kSetNotNull:
		w->subject = Quoted(f.column_raw) + " SET NOT NULL";
		if (f.noop || f.not_null_proven)
			return;
		w->scan = true;
		if (!Str(f.other_relation).empty())
			w->why = "PostgreSQL sets NOT NULL on every partition, and no validated CHECK constraint on partition " +
			         Quoted(f.other_relation) +
			         " proves the column is not null (NotNullImpliedByRelConstraints, per partition), so it scans "
			         "that partition's rows to verify it.";
		else
			w->why = "No validated CHECK constraint proves the column is not null (NotNullImpliedByRelConstraints), "
			         "so PostgreSQL scans every row to verify it.";
		w->hint = "Prove it first with a constraint validated under a weaker lock: " + NotNullRoute(f);
		if (f.partitioned)
			w->hint += " On a partitioned table the CHECK added to the parent is added to and validated on every "
			           "partition, which is what proves NOT NULL there.";
		return;
	case DdlCommand::kAddCheck:
		w->subject = Quoted(f.object_raw) + " CHECK";
		if (f.not_valid)
			return;
		w->scan = true;
		w->why = "A CHECK constraint added without NOT VALID is validated against every row while the table is "
		         "locked.";
		w->hint = "Add it NOT VALID, then validate it in a separate transaction (VALIDATE takes only "
		          "ShareUpdateExclusiveLock): " +
		          a + "ADD CONSTRAINT " + f.object_name + " CHECK " + Paren(f.object_def) + " NOT VALID; " + a +
		          "VALIDATE CONSTRAINT " + f.object_name + ";";
		return;
	case DdlCommand::kAddForeignKey:
		w->subject = Quoted(f.object_raw) + " FOREIGN KEY";
		if (f.not_valid)
			return;
		w->scan = true;
		w->fk_validation = true;
		w->why = "A foreign key added without NOT VALID is validated by a query over every row of the "
		         "referencing table while both tables are locked (validateForeignKeyConstraint).";
		w->hint = "Add it NOT VALID, then validate it in a separate transaction: " + a + "ADD CONSTRAINT " +
		          f.object_name + " " + f.object_def + " NOT VALID; " + a + "VALIDATE CONSTRAINT " + f.object_name +
		          ";";
		return;
	case DdlCommand::kAddUnique: {
		const char *kind = f.primary_key ? "PRIMARY KEY" : "UNIQUE";
		w->subject = Quoted(f.object_raw) + " " + kind;
		if (f.using_index) {
			if (!f.primary_key || f.not_null_proven)
				return;
			w->scan = true;
			w->subject += " USING INDEX on nullable columns";
			w->why = "PRIMARY KEY USING INDEX on columns that are not NOT NULL sets NOT NULL on them, which scans "
			         "every row (transformIndexConstraint).";
			w->hint = "Make the key columns NOT NULL first through a validated CHECK (col IS NOT NULL) and SET "
			          "NOT NULL, then add the primary key USING INDEX.";
			return;
		}
		w->index_build = true;
		w->why = std::string("Adding a ") + kind + " constraint builds its index while the table is locked.";
		w->hint = "Build the index concurrently, then attach it: CREATE UNIQUE INDEX CONCURRENTLY <index> ON " +
		          std::string(f.relation) + " (" + f.object_def + "); " + a + "ADD CONSTRAINT " + f.object_name + " " +
		          kind + " USING INDEX <index>;";
		return;
	}
	case DdlCommand::kAddExclusion:
		w->subject = Quoted(f.object_raw) + " EXCLUDE";
		w->index_build = true;
		w->why = "An exclusion constraint builds its index while the table is locked; PostgreSQL 15 has no NOT "
		         "VALID or USING INDEX form for it.";
		w->hint = "There is no lock-free way to add an exclusion constraint in PostgreSQL 15; run it in a "
		          "maintenance window.";
		return;
	case DdlCommand::kValidateConstraint:
		w->subject = Quoted(f.object_raw);
		w->scan = true;
		w->why = "VALIDATE CONSTRAINT scans the table under ShareUpdateExclusiveLock, which does not block reads "
		         "or writes.";
		return;
	case DdlCommand::kCreateIndex:
		w->subject = f.concurrently ? "CONCURRENTLY" : "without CONCURRENTLY";
		if (f.noop)
			return;
		w->index_build = true;
		if (f.concurrently) {
			w->why = "CREATE INDEX CONCURRENTLY builds the index under ShareUpdateExclusiveLock, which does not "
			         "block reads or writes.";
			return;
		}
		w->why = std::string("CREATE INDEX without CONCURRENTLY holds ShareLock, which blocks every write, while "
		                     "it builds the index") +
		         (f.partitioned ? " on every partition." : ".");
		w->hint = f.partitioned
		              ? "Create the index ON ONLY the partitioned table, build it with CREATE INDEX CONCURRENTLY "
		                "on each partition, then ALTER INDEX ... ATTACH PARTITION each one."
		              : "Use CREATE INDEX CONCURRENTLY outside a transaction block (if it fails, drop the INVALID "
		                "index it leaves and retry).";
		return;
	case DdlCommand::kReindex:
		w->subject = f.concurrently ? "CONCURRENTLY" : "without CONCURRENTLY";
		w->index_build = true;
		if (f.concurrently) {
			w->why = "REINDEX CONCURRENTLY rebuilds under ShareUpdateExclusiveLock.";
			return;
		}
		w->why = "REINDEX without CONCURRENTLY holds ShareLock on the table, blocking writes, and "
		         "AccessExclusiveLock on each index it rebuilds, blocking reads that would use it.";
		w->hint = f.multi_table ? "Use REINDEX SCHEMA / DATABASE ... CONCURRENTLY (PostgreSQL 15 skips system catalogs "
		                          "then; REINDEX SYSTEM has no CONCURRENTLY form), or REINDEX TABLE CONCURRENTLY "
		                          "for the large tables."
		                        : "Use REINDEX ... CONCURRENTLY outside a transaction block.";
		if (f.multi_table)
			w->why = "REINDEX without CONCURRENTLY processes each table in turn, holding ShareLock on it, "
			         "blocking writes, and AccessExclusiveLock on each index it rebuilds, blocking reads that "
			         "would use it.";
		return;
	case DdlCommand::kCluster:
	case DdlCommand::kVacuumFull:
		w->rewrite = true;
		w->why = std::string(f.command == DdlCommand::kCluster ? "CLUSTER" : "VACUUM FULL") +
		         " writes a new copy of the table and rebuilds its indexes under AccessExclusiveLock.";
		w->hint = "Use pg_repack or pg_squeeze, which rewrite the table online, or run it in a maintenance "
		          "window; plain VACUUM does not block reads or writes.";
		if (f.multi_table) {
			w->why = std::string(f.command == DdlCommand::kCluster ? "CLUSTER without a table name processes "
			                                                         "every table with a clustered index"
			                                                       : "VACUUM FULL without a table name processes "
			                                                         "every table") +
			         " you may, one at a time, writing a new copy of each and rebuilding its indexes under "
			         "AccessExclusiveLock.";
			w->hint += std::string(" To compact only small tables, name them: ") +
			           (f.command == DdlCommand::kCluster ? "CLUSTER <table>;" : "VACUUM FULL <table>, ...;");
		}
		return;
	case DdlCommand::kRefreshMatview:
		w->subject = f.concurrently ? "CONCURRENTLY" : "without CONCURRENTLY";
		if (f.concurrently)
			return;
		w->rewrite = true;
		w->why = "REFRESH MATERIALIZED VIEW without CONCURRENTLY re-runs the query into a new heap under "
		         "AccessExclusiveLock, blocking reads of the view.";
		w->hint = "Create a unique index on the materialized view and use REFRESH MATERIALIZED VIEW "
		          "CONCURRENTLY.";
		return;
	case DdlCommand::kSetPersistence:
		if (f.noop)
			return;
		w->rewrite = true;
		w->why = "Changing a table between logged and unlogged rewrites it and its indexes "
		         "(AT_REWRITE_ALTER_PERSISTENCE).";
		w->hint = "Avoid changing persistence on a large table that is in use; create a new table with the "
		          "wanted persistence and copy the rows in batches.";
		return;
	case DdlCommand::kSetTablespace:
		w->subject = Quoted(f.object_raw);
		if (f.noop)
			return;
		w->rewrite = true;
		w->why = "SET TABLESPACE copies every block of the table to the new tablespace under "
		         "AccessExclusiveLock.";
		w->hint = "Use pg_repack --tablespace, or move the table in a maintenance window.";
		return;
	case DdlCommand::kSetAccessMethod:
		w->subject = Quoted(f.object_raw);
		if (f.noop)
			return;
		w->rewrite = true;
		w->why = "SET ACCESS METHOD rewrites the table (AT_REWRITE_ACCESS_METHOD).";
		w->hint = "Create a new table with the access method and copy the rows in batches.";
		return;
	case DdlCommand::kAttachPartition: {
		if (f.default_partition) {
			w->subject = Quoted(f.other_relation);
			if (f.bound_implied)
				return;
			w->scan = true;
			w->why = std::string("Table ") + Quoted(f.relation_name) +
			         " is the DEFAULT partition: a new partition narrows its partition constraint, so PostgreSQL "
			         "scans it under AccessExclusiveLock for rows that belong to the new partition "
			         "(QueuePartitionConstraintValidation from ATExecAttachPartition, "
			         "check_default_partition_contents from CREATE TABLE ... PARTITION OF), since no validated "
			         "CHECK constraint on it excludes them.";
			std::string con = MadeUpName(f, "excludes_" + Str(f.other_relation));
			w->hint = "Beforehand, prove the default partition holds no rows of the new range with a "
			          "constraint validated under ShareUpdateExclusiveLock (move any such rows out first), "
			          "run the statement, then drop the constraint: " +
			          a + "ADD CONSTRAINT " + con + " CHECK " + Paren(Str(f.object_def)) + " NOT VALID; " + a +
			          "VALIDATE CONSTRAINT " + con + "; -- then the statement, and after it: " + a +
			          "DROP CONSTRAINT " + con + ";";
			return;
		}
		w->subject = Quoted(f.object_raw);
		std::string steps;
		if (!f.bound_implied) {
			w->scan = true;
			w->why = "No validated CHECK constraint on the partition implies its partition bound, so PostgreSQL "
			         "scans it to verify every row (QueuePartitionConstraintValidation).";
			std::string con = MadeUpName(f, "bound");
			steps = a + "ADD CONSTRAINT " + con + " CHECK " + Paren(Str(f.object_def)) + " NOT VALID; " + a +
			        "VALIDATE CONSTRAINT " + con + ";";
		}
		if (f.missing_indexes) {
			w->index_build = true;
			w->why += std::string(w->why.empty() ? "" : " ") +
			          "The partition has no valid, unattached index matching the partitioned table's index " +
			          Str(f.index_names) +
			          " (AttachPartitionEnsureIndexes, CompareIndexInfo), so PostgreSQL builds it while attaching.";
			steps += std::string(steps.empty() ? "" : " ") + Str(f.index_sql);
		}
		if (!steps.empty())
			w->hint = "Prepare the partition under ShareUpdateExclusiveLock before attaching, so ATTACH PARTITION "
			          "skips the work: " +
			          steps + (f.bound_implied ? "" : " Drop the CHECK constraint after attaching.");
		return;
	}
	case DdlCommand::kAlterDomain: {
		std::string dom = Str(f.type_name);
		if (f.domain_set_not_null)
			w->subject = "on domain " + dom;
		else
			w->subject = Quoted(f.object_raw) + " on domain " + dom;
		if (f.noop || f.not_valid)
			return;
		w->scan = true;
		std::string dalter = "ALTER DOMAIN " + dom + " ";
		std::string find = Str(f.check_sql).empty()
		                       ? std::string()
		                       : " Find the existing values it rejects without a blocking lock: " + Str(f.check_sql);
		if (f.domain_validate) {
			w->why = "In PostgreSQL 15, ALTER DOMAIN ... VALIDATE CONSTRAINT, unlike its ALTER TABLE counterpart, "
			         "checks every stored value of the domain holding ShareLock on each table using it until the "
			         "statement ends (validateDomainConstraint, get_rels_with_domain).";
			w->hint = "PostgreSQL 15 has no lock-free way to validate a domain constraint. A NOT VALID domain "
			          "constraint already checks every new and updated value; leave it NOT VALID, or validate it "
			          "in a quiet period with lock_timeout set: SET lock_timeout = '2s'; " +
			          dalter + "VALIDATE CONSTRAINT " + f.object_name + ";" + find;
		} else if (f.domain_set_not_null) {
			w->why = "SET NOT NULL on a domain checks every stored value of the domain, holding ShareLock on each "
			         "table using it until the statement ends (AlterDomainNotNull, get_rels_with_domain).";
			std::string con = QuoteIdent(Str(f.object_raw).empty() ? "not_null" : Str(f.object_raw));
			w->hint = "PostgreSQL 15 has no NOT VALID form of SET NOT NULL for a domain. Reject new NULLs at once "
			          "with a NOT VALID constraint, which checks only new and updated values: " +
			          dalter + "ADD CONSTRAINT " + con +
			          " CHECK (VALUE IS NOT NULL) NOT VALID; validating it or SET NOT NULL still scans under "
			          "ShareLock, so do that in a quiet period with lock_timeout set." +
			          find;
		} else {
			w->why = "A domain CHECK constraint added without NOT VALID is checked against every stored value of "
			         "the domain, holding ShareLock on each table using it until the statement ends "
			         "(validateDomainConstraint, get_rels_with_domain).";
			w->hint = "Add it NOT VALID: new and updated values are checked at once, existing ones are not: " + dalter +
			          "ADD CONSTRAINT " + f.object_name + " CHECK " + Paren(Str(f.object_def)) + " NOT VALID;" +
			          (find.empty() ? " Check the existing values with a plain SELECT." : find) +
			          " In PostgreSQL 15 ALTER DOMAIN ... VALIDATE CONSTRAINT still takes ShareLock on every "
			          "table using the domain, so validate in a quiet period with lock_timeout set, or leave the "
			          "constraint NOT VALID.";
		}
		return;
	}
	case DdlCommand::kForeignKeyReferenced: {
		w->subject = Quoted(f.object_raw) + " FOREIGN KEY";
		w->fk_validation = true;
		w->why = std::string("The referencing table ") + Quoted(f.other_relation) +
		         " is new in this transaction, which exempts its own lock, but validating the foreign key reads "
		         "every one of its rows (validateForeignKeyConstraint) while ShareRowExclusiveLock is held on the "
		         "referenced table " +
		         Quoted(f.relation_name) + " until the transaction ends.";
		std::string ra = "ALTER TABLE " + Str(f.other_relation_sql) + " ";
		w->hint = std::string(Str(f.column).empty() ? "Add the foreign key"
		                                            : "Add column " + Str(f.column) +
		                                                  " without its REFERENCES clause, then the foreign key") +
		          " NOT VALID in this transaction and validate it after committing (VALIDATE "
		          "CONSTRAINT takes ShareUpdateExclusiveLock on the referencing table and RowShareLock on the "
		          "referenced one): " +
		          ra + "ADD CONSTRAINT " + f.object_name + " " + Str(f.object_def) +
		          " NOT VALID; -- COMMIT, then: " + ra + "VALIDATE CONSTRAINT " + f.object_name + ";";
		return;
	}
	default:
		return;
	}
}

// The growing work in words, e.g. "rewrites the table and rebuilds its indexes".
std::string
WorkWords(const Work &w) {
	std::string s;
	auto add = [&s](const char *t) {
		if (!s.empty())
			s += ", ";
		s += t;
	};
	if (w.rewrite)
		add("a table rewrite");
	if (w.index_build)
		add("an index build");
	if (w.fk_validation)
		add("foreign-key validation");
	if (w.scan && !w.rewrite && !w.fk_validation)
		add("a full table scan");
	size_t last = s.rfind(", ");
	if (last != std::string::npos)
		s.replace(last, 2, " and ");
	return s;
}

// The verb of the message: the dominant work.
const char *
WorkVerb(const Work &w) {
	if (w.rewrite)
		return "rewrites";
	if (w.index_build)
		return "builds an index on";
	if (w.fk_validation)
		return "validates a foreign key over";
	return "scans";
}

} // namespace

const char *
LockModeName(int lock_mode) noexcept {
	static const char *const kNames[] = {
	    "NoLock",    "AccessShareLock",       "RowShareLock",  "RowExclusiveLock",   "ShareUpdateExclusiveLock",
	    "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"};
	if (lock_mode < 0 || lock_mode > kAccessExclusiveLock)
		return "unknown";
	return kNames[lock_mode];
}

const char *
FormatSize(int64_t bytes, char *buf, int buflen) noexcept {
	// pg_size_pretty (dbsize.c): switch units at 10 * 1024, rounding half up.
	const int64_t limit = 10 * 1024;
	const int64_t limit2 = limit * 2 - 1;
	static const char *const kUnits[] = {"kB", "MB", "GB", "TB", "PB"};
	if (bytes < limit && bytes > -limit) {
		snprintf(buf, buflen, "%" PRId64 " bytes", bytes);
		return buf;
	}
	int64_t size = bytes >> 9; // keep one extra bit for rounding
	size_t unit = 0;
	while ((size >= limit2 || size <= -limit2) && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
		size >>= 10;
		unit++;
	}
	int64_t rounded = (size + (size < 0 ? -1 : 1)) / 2;
	snprintf(buf, buflen, "%" PRId64 " %s", rounded, kUnits[unit]);
	return buf;
}

DdlVerdict
DecideDdl(const DdlFacts &f, int64_t min_size_bytes) {
	DdlVerdict v{};
	v.lock_mode = LockModeName(f.lock_mode);

	Work w;
	if (f.command == DdlCommand::kAddColumn)
		AddColumnWork(f, &w);
	else if (f.command == DdlCommand::kAlterColumnType)
		AlterTypeWork(f, &w);
	else
		OtherWork(f, &w);
	v.rewrite = w.rewrite;
	v.scan = w.scan || w.rewrite;
	v.index_build = w.index_build;
	v.fk_validation = w.fk_validation;

	char size[64];
	FormatSize(f.size_bytes, size, sizeof(size));
	// The size the lock's duration grows with: for ALTER DOMAIN every table
	// stays locked while all of them are scanned; for a foreign key's
	// referenced table, the referencing table is what is read.
	bool judge_total = f.command == DdlCommand::kAlterDomain || f.command == DdlCommand::kForeignKeyReferenced;
	int64_t judged = judge_total ? f.total_size_bytes : f.size_bytes;
	char judged_size[64];
	FormatSize(judged, judged_size, sizeof(judged_size));
	char total[64];
	FormatSize(f.total_size_bytes, total, sizeof(total));
	bool grows = w.rewrite || w.scan || w.index_build || w.fk_validation;
	std::string subject = std::string(f.command_tag) + (w.subject.empty() ? "" : " " + w.subject);

	std::string reason;
	if (!grows) {
		reason = f.noop ? "PostgreSQL skips the work: the table is already in the requested state or the object "
		                  "already exists."
		                : "The statement changes only the catalog; its lock is brief.";
	} else if (f.lock_mode < kShareLock) {
		reason = w.why.empty()
		             ? std::string("The work runs under ") + v.lock_mode + ", which does not block reads or writes."
		             : w.why;
	} else if (f.created_in_xact) {
		reason = w.why + " Exempt: the table was created in the current transaction, so no other session can "
		                 "see it yet.";
	} else if (f.truncated_in_xact) {
		reason = w.why + " Exempt: the table was truncated (or otherwise given new storage) in the current "
		                 "transaction, which already holds AccessExclusiveLock on it.";
	} else if (judged == 0) {
		reason = w.why + (f.command == DdlCommand::kAlterDomain ? " Exempt: the tables using the domain are empty."
		                  : f.command == DdlCommand::kForeignKeyReferenced ? " Exempt: the referencing table is empty."
		                                                                   : " Exempt: the table is empty.");
	} else if (judged < min_size_bytes) {
		char min[64];
		FormatSize(min_size_bytes, min, sizeof(min));
		std::string what = f.command == DdlCommand::kAlterDomain
		                       ? std::string("the tables using the domain (") + judged_size + " in total) are"
		                   : f.command == DdlCommand::kForeignKeyReferenced
		                       ? std::string("the referencing table (") + judged_size + ") is"
		                       : std::string("the table (") + judged_size + ") is";
		reason = w.why + " Exempt: " + what + " smaller than pg_backfill.guard_min_size (" + min + ").";
	} else {
		v.unsafe = true;
		reason = w.why;
	}
	Put(v.reason, reason);

	if (v.unsafe) {
		std::string target = std::string("table \"") + f.relation_name + "\" (" + size + ")";
		std::string grows_with = std::string("the table's size (") + size + ")";
		std::string message = subject + " " + WorkVerb(w) + " " + target + " under " + v.lock_mode;
		if (f.command == DdlCommand::kAlterDomain) {
			if (f.table_count > 1)
				target = std::string("table \"") + f.relation_name + "\" (" + size + "; " +
				         std::to_string(f.table_count) + " tables use the domain, " + total + " in total)";
			message = subject + " scans " + target + " under " + v.lock_mode;
			grows_with = std::string("the size of all tables using the domain (") + total + ")";
		} else if (f.command == DdlCommand::kForeignKeyReferenced) {
			message = subject + " holds " + v.lock_mode + " on table \"" + f.relation_name +
			          "\" while it validates new table \"" + Str(f.other_relation) + "\" (" + total + ")";
			grows_with = std::string("the referencing table's size (") + total + ")";
		} else if (f.multi_table && f.table_count > 1) {
			message = subject + " " + WorkVerb(w) + " " + target + ", the largest of the " +
			          std::to_string(f.table_count) + " tables it processes (" + total + " in total), under " +
			          v.lock_mode;
		}
		Put(v.message, message);
		std::string blocks = f.lock_mode >= kAccessExclusiveLock ? "blocks every read and write of the table"
		                                                         : "blocks every write to the table";
		Put(v.detail, reason + " " + v.lock_mode + " " + blocks + " for the whole of " + WorkWords(w) +
		                  ", which grows with " + grows_with + ".");
		Put(v.hint, w.hint);
	} else {
		Put(v.message, subject + " is safe on table \"" + f.relation_name + "\"");
		Put(v.detail, reason);
	}
	return v;
}

} // namespace pg_backfill::core
