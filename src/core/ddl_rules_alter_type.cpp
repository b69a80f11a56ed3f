// ALTER TABLE ... ALTER COLUMN ... TYPE rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

#include <string>

namespace pg_backfill::core::detail {

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

} // namespace pg_backfill::core::detail
