// Rules of the DDL guard for commands that write a new copy of the table:
// CLUSTER, VACUUM FULL, REFRESH MATERIALIZED VIEW, ALTER TABLE ... SET
// LOGGED / UNLOGGED, SET TABLESPACE, SET ACCESS METHOD. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

#include <string>

namespace pg_backfill::core::detail {

// Commands that rewrite the whole table (or materialized view).
void
RewriteWork(const DdlFacts &f, Work *w) {
	switch (f.command) {
	case DdlCommand::kCluster:
	case DdlCommand::kVacuumFull:
		w->rewrite = true;
		w->why = std::string(f.command == DdlCommand::kCluster ? "CLUSTER" : "VACUUM FULL") +
		         " writes a new copy of the table and rebuilds its indexes under AccessExclusiveLock.";
		w->hint = "Use pg_repack or pg_squeeze, which rewrite the table online, or run it in a maintenance "
		          "window; plain VACUUM does not block reads or writes.";
		if (f.multi_table) {
			w->why = std::string(f.command == DdlCommand::kCluster ? "CLUSTER without a table name processes "
			                                                         "every table with a clustered index"
			                                                       : "VACUUM FULL without a table name processes "
			                                                         "every table") +
			         " you may, one at a time, writing a new copy of each and rebuilding its indexes under "
			         "AccessExclusiveLock.";
			w->hint += std::string(" To compact only small tables, name them: ") +
			           (f.command == DdlCommand::kCluster ? "CLUSTER <table>;" : "VACUUM FULL <table>, ...;");
		}
		return;
	case DdlCommand::kRefreshMatview:
		w->subject = f.concurrently ? "CONCURRENTLY" : "without CONCURRENTLY";
		if (f.concurrently)
			return;
		w->rewrite = true;
		w->why = "REFRESH MATERIALIZED VIEW without CONCURRENTLY re-runs the query into a new heap under "
		         "AccessExclusiveLock, blocking reads of the view.";
		w->hint = "Create a unique index on the materialized view and use REFRESH MATERIALIZED VIEW "
		          "CONCURRENTLY.";
		return;
	case DdlCommand::kSetPersistence:
		if (f.noop)
			return;
		w->rewrite = true;
		w->why = "Changing a table between logged and unlogged rewrites it and its indexes "
		         "(AT_REWRITE_ALTER_PERSISTENCE).";
		w->hint = "Avoid changing persistence on a large table that is in use; create a new table with the "
		          "wanted persistence and copy the rows in batches.";
		return;
	case DdlCommand::kSetTablespace:
		w->subject = Quoted(f.object_raw);
		if (f.noop)
			return;
		w->rewrite = true;
		w->why = "SET TABLESPACE copies every block of the table to the new tablespace under "
		         "AccessExclusiveLock.";
		w->hint = "Use pg_repack --tablespace, or move the table in a maintenance window.";
		return;
	case DdlCommand::kSetAccessMethod:
		w->subject = Quoted(f.object_raw);
		if (f.noop)
			return;
		w->rewrite = true;
		w->why = "SET ACCESS METHOD rewrites the table (AT_REWRITE_ACCESS_METHOD).";
		w->hint = "Create a new table with the access method and copy the rows in batches.";
		return;
	default:
		return;
	}
}

} // namespace pg_backfill::core::detail
