// ALTER TABLE ... ADD COLUMN rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core::detail {

// ADD COLUMN, mirroring ATExecAddColumn and transformAlterTableStmt: the
// rewriting kinds first (a serial or identity column's volatile default, a
// stored generated column, a domain with constraints, a volatile default),
// then NOT NULL without a default, then the inline constraints.
void
AddColumnWork(const DdlFacts &f, Work *w) noexcept {
	w->rewrite = true;
	if (f.serial)
		w->rule = DdlRule::kAddColumnSerial;
	else if (f.identity)
		w->rule = DdlRule::kAddColumnIdentity;
	else if (f.generated_stored)
		w->rule = DdlRule::kAddColumnGeneratedStored;
	else if (f.domain_constraints)
		w->rule = DdlRule::kAddColumnDomainConstraints;
	else if (f.has_default && f.default_volatile)
		w->rule = DdlRule::kAddColumnVolatileDefault;
	else
		w->rewrite = false;
	if (w->rewrite)
		return;
	if (f.not_null && !f.has_default) {
		w->scan = true;
		w->rule = DdlRule::kAddColumnNotNullWithoutDefault;
	} else if (f.inline_primary_key || f.inline_unique) {
		w->index_build = true;
		w->rule = DdlRule::kAddColumnInlineUnique;
	} else if (f.inline_check) {
		w->scan = true;
		w->rule = DdlRule::kAddColumnInlineCheck;
	} else if (f.fk_validated) {
		w->scan = true;
		w->fk_validation = true;
		w->rule = DdlRule::kAddColumnForeignKey;
	}
}

} // namespace pg_backfill::core::detail
