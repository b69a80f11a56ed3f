// Rules of the DDL guard for commands that write a new copy of the table:
// CLUSTER, VACUUM FULL, REFRESH MATERIALIZED VIEW, ALTER TABLE ... SET
// LOGGED / UNLOGGED, SET TABLESPACE, SET ACCESS METHOD. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core::detail {

// Commands that rewrite the whole table (or materialized view), unless
// PostgreSQL skips the work (already in that state) or REFRESH runs
// CONCURRENTLY.
void
RewriteWork(const DdlFacts &f, Work *w) noexcept {
	switch (f.command) {
	case DdlCommand::kCluster:
		w->rule = DdlRule::kCluster;
		break;
	case DdlCommand::kVacuumFull:
		w->rule = DdlRule::kVacuumFull;
		break;
	case DdlCommand::kRefreshMatview:
		if (f.concurrently)
			return;
		w->rule = DdlRule::kRefreshMaterializedView;
		break;
	case DdlCommand::kSetPersistence:
	case DdlCommand::kSetTablespace:
	case DdlCommand::kSetAccessMethod:
		if (f.noop)
			return;
		w->rule = f.command == DdlCommand::kSetPersistence  ? DdlRule::kSetPersistence
		          : f.command == DdlCommand::kSetTablespace ? DdlRule::kSetTablespace
		                                                    : DdlRule::kSetAccessMethod;
		break;
	default:
		return;
	}
	w->rewrite = true;
}

} // namespace pg_backfill::core::detail
