// CREATE INDEX and REINDEX rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core::detail {

// CREATE INDEX and REINDEX: an index build, under a weak lock when
// CONCURRENTLY.
void
IndexWork(const DdlFacts &f, Work *w) noexcept {
	switch (f.command) {
	case DdlCommand::kCreateIndex:
		if (f.noop)
			return;
		w->index_build = true;
		w->rule = f.concurrently ? DdlRule::kCreateIndexConcurrently : DdlRule::kCreateIndex;
		return;
	case DdlCommand::kReindex:
		w->index_build = true;
		w->rule = f.concurrently ? DdlRule::kReindexConcurrently : DdlRule::kReindex;
		return;
	default:
		return;
	}
}

} // namespace pg_backfill::core::detail
