// The DDL guard's statement table: per statement node tag, whether the hook
// looks at it, which table it names (StatementRelid, looked up once), which
// tables it locks and how (for the lock-queue check), and which fact
// collector analyses it.
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

namespace {

// The NoLock lookup behind StatementRelid. PG regime: may ereport(ERROR).
Oid
LookUpStatementRelid(Node *parsetree, bool missing_ok) {
	RangeVar *rv = nullptr;
	switch (nodeTag(parsetree)) {
	case T_AlterTableStmt:
		rv = ((AlterTableStmt *)parsetree)->relation;
		break;
	case T_IndexStmt:
		rv = ((IndexStmt *)parsetree)->relation;
		break;
	case T_ReindexStmt: {
		ReindexStmt *stmt = (ReindexStmt *)parsetree;
		if (stmt->kind == REINDEX_OBJECT_INDEX) {
			Oid index = RangeVarGetRelid(stmt->relation, NoLock, missing_ok);
			return OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid;
		}
		if (stmt->kind == REINDEX_OBJECT_TABLE)
			rv = stmt->relation;
		break;
	}
	case T_ClusterStmt:
		rv = ((ClusterStmt *)parsetree)->relation;
		break;
	case T_VacuumStmt: {
		VacuumStmt *stmt = (VacuumStmt *)parsetree;
		if (stmt->is_vacuumcmd && OptionSet(stmt->options, "full") && list_length(stmt->rels) == 1)
			rv = ((VacuumRelation *)linitial(stmt->rels))->relation;
		break;
	}
	case T_RefreshMatViewStmt:
		rv = ((RefreshMatViewStmt *)parsetree)->relation;
		break;
	case T_RenameStmt: {
		RenameStmt *stmt = (RenameStmt *)parsetree;
		if (stmt->renameType == OBJECT_TABLE || stmt->renameType == OBJECT_COLUMN ||
		    stmt->renameType == OBJECT_TABCONSTRAINT)
			rv = stmt->relation;
		break;
	}
	case T_TruncateStmt:
		rv = (RangeVar *)linitial(((TruncateStmt *)parsetree)->relations);
		break;
	case T_CreateTrigStmt:
		rv = ((CreateTrigStmt *)parsetree)->relation;
		break;
	case T_DropStmt: {
		DropStmt *stmt = (DropStmt *)parsetree;
		if ((stmt->removeType != OBJECT_TABLE && stmt->removeType != OBJECT_INDEX) || stmt->concurrent ||
		    stmt->objects == NIL)
			break;
		Oid oid = RangeVarGetRelid(makeRangeVarFromNameList((List *)linitial(stmt->objects)), NoLock, missing_ok);
		return stmt->removeType == OBJECT_INDEX && OidIsValid(oid) ? IndexGetRelation(oid, true) : oid;
	}
	case T_CreateStmt: {
		CreateStmt *stmt = (CreateStmt *)parsetree;
		if (stmt->partbound != nullptr && list_length(stmt->inhRelations) == 1)
			rv = (RangeVar *)linitial(stmt->inhRelations);
		break;
	}
	default:
		break;
	}
	return rv != nullptr ? RangeVarGetRelid(rv, NoLock, missing_ok) : InvalidOid;
}

} // namespace

Oid
StatementRelid(GuardedStatement *stmt, bool missing_ok) {
	// A remembered miss is looked up again only for a caller that wants
	// PostgreSQL's own "does not exist" error.
	if (!stmt->relid_known || (!missing_ok && !OidIsValid(stmt->relid))) {
		stmt->relid = LookUpStatementRelid(stmt->parsetree, missing_ok);
		stmt->relid_known = true;
	}
	return stmt->relid;
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
	if (c != nullptr && IsA(c, Constraint) && c->contype == CONSTR_FOREIGN && c->pktable != nullptr)
		AddLockTarget(targets, RangeVarGetRelid(c->pktable, NoLock, true), ShareRowExclusiveLock);
}

} // namespace

List *
StatementLockTargets(GuardedStatement *guarded) {
	List *targets = NIL;
	Node *parsetree = guarded->parsetree;
	// Each lock mode is worked out before StatementRelid is called: a bad
	// option is reported before a failed lookup, as PostgreSQL does.
	switch (nodeTag(parsetree)) {
	case T_AlterTableStmt: {
		AlterTableStmt *stmt = (AlterTableStmt *)parsetree;
		if (stmt->objtype != OBJECT_TABLE)
			break;
		int lock_mode = AlterTableGetLockLevel(stmt->cmds);
		// ATTACH PARTITION takes ShareUpdateExclusiveLock on the parent but
		// AccessExclusiveLock on the partition: that is the queue to check.
		RangeVar *partition = nullptr;
		ListCell *lc;
		foreach (lc, stmt->cmds) {
			AlterTableCmd *cmd = (AlterTableCmd *)lfirst(lc);
			if (cmd->subtype == AT_AttachPartition && IsA(cmd->def, PartitionCmd))
				partition = ((PartitionCmd *)cmd->def)->name;
		}
		if (partition != nullptr)
			AddLockTarget(&targets, RangeVarGetRelid(partition, NoLock, true), AccessExclusiveLock);
		else
			AddLockTarget(&targets, StatementRelid(guarded), lock_mode);
		Oid parent = StatementRelid(guarded);
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
	case T_IndexStmt: {
		int lock_mode = ((IndexStmt *)parsetree)->concurrent ? ShareUpdateExclusiveLock : ShareLock;
		AddLockTarget(&targets, StatementRelid(guarded), lock_mode);
		break;
	}
	case T_ReindexStmt: {
		ReindexStmt *stmt = (ReindexStmt *)parsetree;
		if (stmt->kind != REINDEX_OBJECT_TABLE)
			break;
		int lock_mode = OptionSet(stmt->params, "concurrently") ? ShareUpdateExclusiveLock : ShareLock;
		AddLockTarget(&targets, StatementRelid(guarded), lock_mode);
		break;
	}
	case T_ClusterStmt:
		AddLockTarget(&targets, StatementRelid(guarded), AccessExclusiveLock);
		break;
	case T_VacuumStmt: {
		VacuumStmt *stmt = (VacuumStmt *)parsetree;
		if (stmt->is_vacuumcmd && OptionSet(stmt->options, "full") && list_length(stmt->rels) == 1)
			AddLockTarget(&targets, StatementRelid(guarded), AccessExclusiveLock);
		break;
	}
	case T_RefreshMatViewStmt: {
		int lock_mode = ((RefreshMatViewStmt *)parsetree)->concurrent ? ExclusiveLock : AccessExclusiveLock;
		AddLockTarget(&targets, StatementRelid(guarded), lock_mode);
		break;
	}
	case T_RenameStmt:
		// Renaming a table, a column or a table constraint takes AccessExclusiveLock
		// (renameatt, RenameRelation, RenameConstraint); renaming an index only
		// ShareUpdateExclusiveLock (StatementRelid has no table for it).
		AddLockTarget(&targets, StatementRelid(guarded), AccessExclusiveLock);
		break;
	case T_TruncateStmt:
		AddLockTarget(&targets, StatementRelid(guarded), AccessExclusiveLock);
		break;
	case T_CreateTrigStmt:
		AddLockTarget(&targets, StatementRelid(guarded), ShareRowExclusiveLock);
		break;
	case T_DropStmt:
		// DROP TABLE, and DROP INDEX without CONCURRENTLY, lock the table
		// with AccessExclusiveLock (RangeVarCallbackForDropRelation).
		AddLockTarget(&targets, StatementRelid(guarded), AccessExclusiveLock);
		break;
	case T_CreateStmt: {
		CreateStmt *stmt = (CreateStmt *)parsetree;
		if (stmt->partbound == nullptr || stmt->partbound->is_default || list_length(stmt->inhRelations) != 1 ||
		    (stmt->if_not_exists && OidIsValid(RangeVarGetRelid(stmt->relation, NoLock, true))))
			break;
		Oid parent = StatementRelid(guarded);
		if (OidIsValid(parent) && get_rel_relkind(parent) == RELKIND_PARTITIONED_TABLE)
			AddLockTarget(&targets, get_default_partition_oid(parent), AccessExclusiveLock);
		break;
	}
	case T_AlterDomainStmt: {
		AlterDomainStmt *stmt = (AlterDomainStmt *)parsetree;
		bool scans =
		    stmt->subtype == 'O' || stmt->subtype == 'V' ||
		    (stmt->subtype == 'C' && stmt->def != nullptr && IsA(stmt->def, Constraint) &&
		     ((Constraint *)stmt->def)->contype == CONSTR_CHECK && !((Constraint *)stmt->def)->skip_validation);
		if (!scans)
			break;
		Oid domainoid = LookupTypeNameOid(nullptr, makeTypeNameFromNameList(stmt->typeName), true);
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
	case T_DropOwnedStmt:
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
		return ((CreateStmt *)parsetree)->partbound != nullptr;
	default:
		return false;
	}
}

void
CollectFacts(GuardedStatement *guarded, List **findings) {
	Node *parsetree = guarded->parsetree;
	switch (nodeTag(parsetree)) {
	case T_AlterTableStmt:
		CollectAlterTableFacts(guarded, findings);
		break;
	case T_IndexStmt:
		IndexFacts(guarded, findings);
		break;
	case T_ReindexStmt:
		ReindexFacts(guarded, findings);
		break;
	case T_ClusterStmt: {
		ClusterStmt *stmt = (ClusterStmt *)parsetree;
		if (stmt->relation == nullptr)
			MultiTableFacts(DdlCommand::kCluster, "CLUSTER", AccessExclusiveLock, false, REINDEX_OBJECT_TABLE,
			                InvalidOid, findings);
		else
			RewriteFacts(DdlCommand::kCluster, "CLUSTER", StatementRelid(guarded), AccessExclusiveLock, false,
			             findings);
		break;
	}
	case T_AlterDomainStmt:
		DomainFacts((AlterDomainStmt *)parsetree, findings);
		break;
	case T_CreateStmt:
		CollectCreatePartitionFacts(guarded, findings);
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
		if (list_length(stmt->rels) == 1) {
			RewriteFacts(DdlCommand::kVacuumFull, "VACUUM FULL", StatementRelid(guarded), AccessExclusiveLock, false,
			             findings);
			break;
		}
		// Several tables: each is looked up here.
		ListCell *lc;
		foreach (lc, stmt->rels) {
			RangeVar *rv = ((VacuumRelation *)lfirst(lc))->relation;
			RewriteFacts(DdlCommand::kVacuumFull, "VACUUM FULL",
			             rv != nullptr ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid, AccessExclusiveLock, false,
			             findings);
		}
		break;
	}
	case T_RefreshMatViewStmt: {
		RefreshMatViewStmt *stmt = (RefreshMatViewStmt *)parsetree;
		RewriteFacts(DdlCommand::kRefreshMatview, "REFRESH MATERIALIZED VIEW", StatementRelid(guarded),
		             stmt->concurrent ? ExclusiveLock : AccessExclusiveLock, stmt->concurrent, findings);
		break;
	}
	default:
		break;
	}
}

} // namespace pg_backfill::pg
