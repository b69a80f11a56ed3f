// ALTER TABLE ... ALTER COLUMN ... TYPE rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core::detail {

// ALTER COLUMN TYPE, mirroring ATPrepAlterColumnType / ATColumnChangeRequiresRewrite:
// a rewrite (with every index rebuilt), else re-validated CHECK constraints
// and/or a rebuilt index on the column. When both of the latter apply the
// rule is kAlterTypeRecheckConstraints with index_build set.
void
AlterTypeWork(const DdlFacts &f, Work *w) noexcept {
	if (f.type_rewrite) {
		w->rule = DdlRule::kAlterTypeRewrite;
		w->rewrite = true;
		w->index_build = true;
		return;
	}
	w->scan = f.type_rechecks;
	w->index_build = f.type_index_rebuild;
	if (f.type_rechecks)
		w->rule = DdlRule::kAlterTypeRecheckConstraints;
	else if (f.type_index_rebuild)
		w->rule = DdlRule::kAlterTypeIndexRebuild;
}

} // namespace pg_backfill::core::detail
