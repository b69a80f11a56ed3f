// Constraint rules of the DDL guard: SET NOT NULL, ADD CONSTRAINT, VALIDATE
// CONSTRAINT, and the referenced table of a foreign key. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core::detail {

// SET NOT NULL; ADD CONSTRAINT CHECK, FOREIGN KEY, UNIQUE / PRIMARY KEY,
// EXCLUDE; VALIDATE CONSTRAINT; and the referenced table of a foreign key
// validated on a table new in this transaction.
void
ConstraintWork(const DdlFacts &f, Work *w) noexcept {
	switch (f.command) {
	case DdlCommand::kSetNotNull:
		if (f.noop || f.not_null_proven)
			return;
		w->rule = DdlRule::kSetNotNullUnproven;
		w->scan = true;
		return;
	case DdlCommand::kAddCheck:
		if (f.not_valid)
			return;
		w->rule = DdlRule::kAddCheck;
		w->scan = true;
		return;
	case DdlCommand::kAddForeignKey:
		if (f.not_valid)
			return;
		w->rule = DdlRule::kAddForeignKey;
		w->scan = true;
		w->fk_validation = true;
		return;
	case DdlCommand::kAddUnique:
		if (f.using_index) {
			// PRIMARY KEY USING INDEX sets NOT NULL on the key columns.
			if (!f.primary_key || f.not_null_proven)
				return;
			w->rule = DdlRule::kAddPrimaryKeyUsingIndexNullable;
			w->scan = true;
			return;
		}
		w->rule = DdlRule::kAddUnique;
		w->index_build = true;
		return;
	case DdlCommand::kAddExclusion:
		w->rule = DdlRule::kAddExclusion;
		w->index_build = true;
		return;
	case DdlCommand::kValidateConstraint:
		w->rule = DdlRule::kValidateConstraint;
		w->scan = true;
		return;
	case DdlCommand::kForeignKeyReferenced:
		w->rule = DdlRule::kForeignKeyReferencedTable;
		w->fk_validation = true;
		return;
	default:
		return;
	}
}

} // namespace pg_backfill::core::detail
