// Constraint rules of the DDL guard: SET NOT NULL, ADD CONSTRAINT, VALIDATE
// CONSTRAINT, and the referenced table of a foreign key. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

#include <string>

namespace pg_backfill::core::detail {

// SET NOT NULL; ADD CONSTRAINT CHECK, FOREIGN KEY, UNIQUE / PRIMARY KEY,
// EXCLUDE; VALIDATE CONSTRAINT; and the referenced table of a foreign key
// validated on a table new in this transaction.
void
ConstraintWork(const DdlFacts &f, Work *w) {
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
		w->why = f.held_lock_mode > f.lock_mode
		             ? "VALIDATE CONSTRAINT scans every row of the table to check the constraint."
		             : "VALIDATE CONSTRAINT scans the table under ShareUpdateExclusiveLock, which does not block "
		               "reads or writes.";
		return;
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

} // namespace pg_backfill::core::detail
