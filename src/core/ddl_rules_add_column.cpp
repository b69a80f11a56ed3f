// ALTER TABLE ... ADD COLUMN rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

#include <string>

namespace pg_backfill::core::detail {

namespace {

// "SELECT start_backfill('<relation>', '<column>', '<expression>');"
std::string
StartBackfill(const DdlFacts &f, const std::string &expression) {
	return std::string("SELECT start_backfill(") + Literal(f.relation) + ", " + Literal(f.column_raw) + ", " +
	       Literal(expression) + ");";
}

} // namespace

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

} // namespace pg_backfill::core::detail
