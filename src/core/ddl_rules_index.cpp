// CREATE INDEX and REINDEX rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

#include <string>

namespace pg_backfill::core::detail {

// CREATE INDEX and REINDEX: an index build, or none when CONCURRENTLY.
void
IndexWork(const DdlFacts &f, Work *w) {
	switch (f.command) {
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
	default:
		return;
	}
}

} // namespace pg_backfill::core::detail
