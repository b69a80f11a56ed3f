// Fact collection for the DDL guard: which statements it looks at, and the
// facts of the non-ALTER TABLE ones (CREATE INDEX, REINDEX, CLUSTER,
// VACUUM FULL, REFRESH MATERIALIZED VIEW). ALTER TABLE is in
// guard_alter_table.cpp.
#include "pg/guard.hpp"

extern "C" {
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace pg_backfill::pg {

namespace {

using core::DdlCommand;

// True if the DefElem list has option `name` set to true (VACUUM (FULL),
// REINDEX (CONCURRENTLY)). PG regime: may ereport(ERROR) on a bad value.
bool
OptionSet(List *options, const char *name) {
	ListCell *lc;
	foreach (lc, options) {
		DefElem *opt = (DefElem *)lfirst(lc);
		if (strcmp(opt->defname, name) == 0)
			return defGetBoolean(opt);
	}
	return false;
}

// CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] ... ON [ONLY] t.
void
IndexFacts(IndexStmt *stmt, List **findings) {
	Oid relid = RangeVarGetRelid(stmt->relation, NoLock, false);
	const char *tag = stmt->unique ? (stmt->concurrent ? "CREATE UNIQUE INDEX CONCURRENTLY" : "CREATE UNIQUE INDEX")
	                               : (stmt->concurrent ? "CREATE INDEX CONCURRENTLY" : "CREATE INDEX");
	GuardFinding *g =
	    NewFinding(DdlCommand::kCreateIndex, tag, relid, stmt->concurrent ? ShareUpdateExclusiveLock : ShareLock);
	g->facts.concurrently = stmt->concurrent;
	if (stmt->idxname) {
		g->facts.object_name = quote_identifier(stmt->idxname);
		g->facts.object_raw = pstrdup(stmt->idxname);
	}
	// IF NOT EXISTS on an existing index, and ON ONLY a partitioned table
	// (an invalid parent index, nothing built), do no work.
	bool exists =
	    stmt->if_not_exists && stmt->idxname && OidIsValid(get_relname_relid(stmt->idxname, get_rel_namespace(relid)));
	bool only_parent = g->facts.partitioned && !stmt->relation->inh;
	g->facts.noop = exists || only_parent;
	*findings = lappend(*findings, g);
}

// REINDEX TABLE / INDEX [CONCURRENTLY]; the other forms are not analysed.
void
ReindexFacts(ReindexStmt *stmt, List **findings) {
	if (stmt->kind != REINDEX_OBJECT_TABLE && stmt->kind != REINDEX_OBJECT_INDEX)
		return;
	Oid relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	if (stmt->kind == REINDEX_OBJECT_INDEX)
		relid = IndexGetRelation(relid, true);
	if (!OidIsValid(relid))
		return;
	bool concurrently = OptionSet(stmt->params, "concurrently");
	GuardFinding *g =
	    NewFinding(DdlCommand::kReindex, stmt->kind == REINDEX_OBJECT_TABLE ? "REINDEX TABLE" : "REINDEX INDEX", relid,
	               concurrently ? ShareUpdateExclusiveLock : ShareLock);
	g->facts.concurrently = concurrently;
	*findings = lappend(*findings, g);
}

// A finding for an AccessExclusiveLock rewrite command on rv.
void
RewriteFacts(DdlCommand command, const char *tag, RangeVar *rv, int lock_mode, bool concurrently, List **findings) {
	if (rv == NULL)
		return;
	Oid relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		return;
	GuardFinding *g = NewFinding(command, tag, relid, lock_mode);
	g->facts.concurrently = concurrently;
	*findings = lappend(*findings, g);
}

} // namespace

bool
StatementLockTarget(Node *parsetree, Oid *relid, int *lock_mode) {
	RangeVar *rv = NULL;
	*lock_mode = NoLock;
	switch (nodeTag(parsetree)) {
	case T_AlterTableStmt: {
		AlterTableStmt *stmt = (AlterTableStmt *)parsetree;
		if (stmt->objtype == OBJECT_TABLE) {
			rv = stmt->relation;
			*lock_mode = AlterTableGetLockLevel(stmt->cmds);
		}
		break;
	}
	case T_IndexStmt: {
		IndexStmt *stmt = (IndexStmt *)parsetree;
		rv = stmt->relation;
		*lock_mode = stmt->concurrent ? ShareUpdateExclusiveLock : ShareLock;
		break;
	}
	case T_ReindexStmt: {
		ReindexStmt *stmt = (ReindexStmt *)parsetree;
		if (stmt->kind == REINDEX_OBJECT_TABLE) {
			rv = stmt->relation;
			*lock_mode = OptionSet(stmt->params, "concurrently") ? ShareUpdateExclusiveLock : ShareLock;
		}
		break;
	}
	case T_ClusterStmt:
		rv = ((ClusterStmt *)parsetree)->relation;
		*lock_mode = AccessExclusiveLock;
		break;
	case T_VacuumStmt: {
		VacuumStmt *stmt = (VacuumStmt *)parsetree;
		if (stmt->is_vacuumcmd && OptionSet(stmt->options, "full") && list_length(stmt->rels) == 1) {
			rv = ((VacuumRelation *)linitial(stmt->rels))->relation;
			*lock_mode = AccessExclusiveLock;
		}
		break;
	}
	case T_RefreshMatViewStmt: {
		RefreshMatViewStmt *stmt = (RefreshMatViewStmt *)parsetree;
		rv = stmt->relation;
		*lock_mode = stmt->concurrent ? ExclusiveLock : AccessExclusiveLock;
		break;
	}
	case T_RenameStmt: {
		// Renaming a table, a column or a table constraint takes AccessExclusiveLock
		// (renameatt, RenameRelation, RenameConstraint); renaming an index only
		// ShareUpdateExclusiveLock.
		RenameStmt *stmt = (RenameStmt *)parsetree;
		if (stmt->renameType == OBJECT_TABLE || stmt->renameType == OBJECT_COLUMN ||
		    stmt->renameType == OBJECT_TABCONSTRAINT) {
			rv = stmt->relation;
			*lock_mode = AccessExclusiveLock;
		}
		break;
	}
	case T_TruncateStmt:
		rv = (RangeVar *)linitial(((TruncateStmt *)parsetree)->relations);
		*lock_mode = AccessExclusiveLock;
		break;
	case T_CreateTrigStmt:
		rv = ((CreateTrigStmt *)parsetree)->relation;
		*lock_mode = ShareRowExclusiveLock;
		break;
	case T_DropStmt: {
		// DROP TABLE, and DROP INDEX without CONCURRENTLY, lock the table
		// with AccessExclusiveLock (RangeVarCallbackForDropRelation).
		DropStmt *stmt = (DropStmt *)parsetree;
		if ((stmt->removeType != OBJECT_TABLE && stmt->removeType != OBJECT_INDEX) || stmt->concurrent ||
		    stmt->objects == NIL)
			break;
		Oid oid = RangeVarGetRelid(makeRangeVarFromNameList((List *)linitial(stmt->objects)), NoLock, true);
		*relid = stmt->removeType == OBJECT_INDEX && OidIsValid(oid) ? IndexGetRelation(oid, true) : oid;
		*lock_mode = AccessExclusiveLock;
		return OidIsValid(*relid);
	}
	default:
		break;
	}
	*relid = rv != NULL ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
	return OidIsValid(*relid);
}

bool
IsHookedStatement(Node *parsetree) {
	switch (nodeTag(parsetree)) {
	case T_DropStmt:
	case T_RenameStmt:
	case T_TruncateStmt:
	case T_CreateTrigStmt:
		return true;
	default:
		return IsGuardedStatement(parsetree);
	}
}

bool
IsGuardedStatement(Node *parsetree) {
	switch (nodeTag(parsetree)) {
	case T_AlterTableStmt:
	case T_IndexStmt:
	case T_ReindexStmt:
	case T_ClusterStmt:
	case T_VacuumStmt:
	case T_RefreshMatViewStmt:
		return true;
	default:
		return false;
	}
}

void
CollectFacts(Node *parsetree, List **findings) {
	switch (nodeTag(parsetree)) {
	case T_AlterTableStmt:
		CollectAlterTableFacts(parsetree, findings);
		break;
	case T_IndexStmt:
		IndexFacts((IndexStmt *)parsetree, findings);
		break;
	case T_ReindexStmt:
		ReindexFacts((ReindexStmt *)parsetree, findings);
		break;
	case T_ClusterStmt: {
		ClusterStmt *stmt = (ClusterStmt *)parsetree;
		RewriteFacts(DdlCommand::kCluster, "CLUSTER", stmt->relation, AccessExclusiveLock, false, findings);
		break;
	}
	case T_VacuumStmt: {
		VacuumStmt *stmt = (VacuumStmt *)parsetree;
		if (!stmt->is_vacuumcmd || !OptionSet(stmt->options, "full"))
			break;
		ListCell *lc;
		foreach (lc, stmt->rels)
			RewriteFacts(DdlCommand::kVacuumFull, "VACUUM FULL", ((VacuumRelation *)lfirst(lc))->relation,
			             AccessExclusiveLock, false, findings);
		break;
	}
	case T_RefreshMatViewStmt: {
		RefreshMatViewStmt *stmt = (RefreshMatViewStmt *)parsetree;
		RewriteFacts(DdlCommand::kRefreshMatview, "REFRESH MATERIALIZED VIEW", stmt->relation,
		             stmt->concurrent ? ExclusiveLock : AccessExclusiveLock, stmt->concurrent, findings);
		break;
	}
	default:
		break;
	}
}

} // namespace pg_backfill::pg
