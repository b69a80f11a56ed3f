// The DDL guard's statement table: per statement node tag, whether the hook
// looks at it, which table it locks first and how (for the lock-queue
// check), and which fact collector analyses it.
#include "pg/guard/guard.hpp"

extern "C" {
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "utils/lsyscache.h"
}

namespace pg_backfill::pg {

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
			// ATTACH PARTITION takes ShareUpdateExclusiveLock on the parent but
			// AccessExclusiveLock on the partition: that is the queue to check.
			ListCell *lc;
			foreach (lc, stmt->cmds) {
				AlterTableCmd *cmd = (AlterTableCmd *)lfirst(lc);
				if (cmd->subtype == AT_AttachPartition && IsA(cmd->def, PartitionCmd)) {
					rv = ((PartitionCmd *)cmd->def)->name;
					*lock_mode = AccessExclusiveLock;
				}
			}
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

namespace {

void
AddLockTarget(List **targets, Oid relid, int lock_mode) {
	if (!OidIsValid(relid))
		return;
	LockTarget *t = (LockTarget *)palloc(sizeof(LockTarget));
	t->relid = relid;
	t->lock_mode = lock_mode;
	*targets = lappend(*targets, t);
}

// The referenced table of a FOREIGN KEY constraint:
// ATAddForeignKeyConstraint locks it with ShareRowExclusiveLock.
void
AddForeignKeyTarget(List **targets, Constraint *c) {
	if (c != NULL && IsA(c, Constraint) && c->contype == CONSTR_FOREIGN && c->pktable != NULL)
		AddLockTarget(targets, RangeVarGetRelid(c->pktable, NoLock, true), ShareRowExclusiveLock);
}

} // namespace

List *
StatementLockTargets(Node *parsetree) {
	List *targets = NIL;
	Oid relid;
	int lock_mode;
	if (StatementLockTarget(parsetree, &relid, &lock_mode))
		AddLockTarget(&targets, relid, lock_mode);
	switch (nodeTag(parsetree)) {
	case T_AlterTableStmt: {
		AlterTableStmt *stmt = (AlterTableStmt *)parsetree;
		if (stmt->objtype != OBJECT_TABLE)
			break;
		Oid parent = RangeVarGetRelid(stmt->relation, NoLock, true);
		ListCell *lc;
		foreach (lc, stmt->cmds) {
			AlterTableCmd *cmd = (AlterTableCmd *)lfirst(lc);
			if (cmd->subtype == AT_AddConstraint)
				AddForeignKeyTarget(&targets, (Constraint *)cmd->def);
			else if (cmd->subtype == AT_AddColumn && IsA(cmd->def, ColumnDef)) {
				ListCell *c;
				foreach (c, ((ColumnDef *)cmd->def)->constraints)
					AddForeignKeyTarget(&targets, (Constraint *)lfirst(c));
			} else if (cmd->subtype == AT_AttachPartition && OidIsValid(parent) &&
			           get_rel_relkind(parent) == RELKIND_PARTITIONED_TABLE)
				AddLockTarget(&targets, get_default_partition_oid(parent), AccessExclusiveLock);
		}
		break;
	}
	case T_CreateStmt: {
		CreateStmt *stmt = (CreateStmt *)parsetree;
		if (stmt->partbound == NULL || stmt->partbound->is_default || list_length(stmt->inhRelations) != 1 ||
		    (stmt->if_not_exists && OidIsValid(RangeVarGetRelid(stmt->relation, NoLock, true))))
			break;
		Oid parent = RangeVarGetRelid((RangeVar *)linitial(stmt->inhRelations), NoLock, true);
		if (OidIsValid(parent) && get_rel_relkind(parent) == RELKIND_PARTITIONED_TABLE)
			AddLockTarget(&targets, get_default_partition_oid(parent), AccessExclusiveLock);
		break;
	}
	case T_AlterDomainStmt: {
		AlterDomainStmt *stmt = (AlterDomainStmt *)parsetree;
		bool scans =
		    stmt->subtype == 'O' || stmt->subtype == 'V' ||
		    (stmt->subtype == 'C' && stmt->def != NULL && IsA(stmt->def, Constraint) &&
		     ((Constraint *)stmt->def)->contype == CONSTR_CHECK && !((Constraint *)stmt->def)->skip_validation);
		if (!scans)
			break;
		Oid domainoid = LookupTypeNameOid(NULL, makeTypeNameFromNameList(stmt->typeName), true);
		if (!OidIsValid(domainoid) || get_typtype(domainoid) != TYPTYPE_DOMAIN)
			break;
		List *relids = NIL;
		RelsWithDomain(domainoid, &relids);
		ListCell *lc;
		foreach (lc, relids)
			AddLockTarget(&targets, lfirst_oid(lc), ShareLock);
		break;
	}
	default:
		break;
	}
	return targets;
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
	case T_AlterDomainStmt:
		return true;
	case T_CreateStmt:
		// CREATE TABLE ... PARTITION OF: the DEFAULT partition's re-check.
		return ((CreateStmt *)parsetree)->partbound != NULL;
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
		if (stmt->relation == NULL)
			MultiTableFacts(DdlCommand::kCluster, "CLUSTER", AccessExclusiveLock, false, REINDEX_OBJECT_TABLE,
			                InvalidOid, findings);
		else
			RewriteFacts(DdlCommand::kCluster, "CLUSTER", stmt->relation, AccessExclusiveLock, false, findings);
		break;
	}
	case T_AlterDomainStmt:
		DomainFacts((AlterDomainStmt *)parsetree, findings);
		break;
	case T_CreateStmt:
		CollectCreatePartitionFacts(parsetree, findings);
		break;
	case T_VacuumStmt: {
		VacuumStmt *stmt = (VacuumStmt *)parsetree;
		if (!stmt->is_vacuumcmd || !OptionSet(stmt->options, "full"))
			break;
		if (stmt->rels == NIL) {
			MultiTableFacts(DdlCommand::kVacuumFull, "VACUUM FULL", AccessExclusiveLock, false, REINDEX_OBJECT_TABLE,
			                InvalidOid, findings);
			break;
		}
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
