// Partition rules of the DDL guard: ALTER TABLE ... ATTACH PARTITION and
// CREATE TABLE ... PARTITION OF. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core::detail {

// ATTACH PARTITION: the attached table (a bound scan unless a validated
// CHECK implies the bound, an index build for the parent's indexes it
// lacks; the rule names the scan when both apply), or the DEFAULT
// partition's re-check (also for CREATE TABLE ... PARTITION OF).
void
PartitionWork(const DdlFacts &f, Work *w) noexcept {
	if (f.default_partition) {
		if (f.bound_implied)
			return;
		w->rule = DdlRule::kDefaultPartitionScan;
		w->scan = true;
		return;
	}
	w->index_build = f.missing_indexes;
	if (f.missing_indexes)
		w->rule = DdlRule::kAttachPartitionIndexBuild;
	if (!f.bound_implied) {
		w->rule = DdlRule::kAttachPartitionScan;
		w->scan = true;
	}
}

} // namespace pg_backfill::core::detail
