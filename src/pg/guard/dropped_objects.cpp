// What a statement drops: the objects it names and, the way PostgreSQL's
// findDependentObjects finds them before performMultipleDeletions deletes
// them, everything that depends on those through pg_depend. The running-jobs
// check asks it whether a job's table, column or key index, or pg_backfill's
// own job table, would go, whatever the route: DROP of any object kind
// (schema, type, domain, function, collation, operator class, extension,
// table with its partitions and children ...), DROP OWNED, ALTER TABLE ...
// DROP COLUMN / DROP CONSTRAINT.
#include "pg/guard/guard.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_shdepend.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
}

namespace pg_backfill::pg {

// The set: each dropped object with the named object (the statement's own
// target) whose drop takes it along.
struct DroppedObjects {
	HTAB *objects; // ObjectAddress -> DroppedEntry
	List *roots;   // of ObjectAddress *, the statement's targets
	List *pending; // of ObjectAddress *, added but not yet expanded
};

namespace {

struct DroppedEntry {
	ObjectAddress key; // hash key: classId, objectId, objectSubId (no padding)
	int root;          // index into roots
};

static_assert(sizeof(ObjectAddress) == 2 * sizeof(Oid) + sizeof(int32), "ObjectAddress is hashed as a blob");

ObjectAddress *
NewAddress(Oid classid, Oid objid, int32 subid) {
	ObjectAddress *address = (ObjectAddress *)palloc(sizeof(ObjectAddress));
	address->classId = classid;
	address->objectId = objid;
	address->objectSubId = subid;
	return address;
}

// Adds an object (not yet expanded) to the set, dropped along with root.
void
Add(DroppedObjects *set, Oid classid, Oid objid, int32 subid, int root) {
	ObjectAddress key = {classid, objid, subid};
	bool found;
	DroppedEntry *entry = (DroppedEntry *)hash_search(set->objects, &key, HASH_ENTER, &found);
	if (found)
		return;
	entry->root = root;
	set->pending = lappend(set->pending, NewAddress(classid, objid, subid));
}

// Adds one of the statement's own targets.
void
AddTarget(DroppedObjects *set, Oid classid, Oid objid, int32 subid) {
	if (!OidIsValid(objid))
		return;
	set->roots = lappend(set->roots, NewAddress(classid, objid, subid));
	Add(set, classid, objid, subid, list_length(set->roots) - 1);
}

// Expands the pending objects: everything that depends on one of them goes
// too, automatically (auto, internal, partition, extension membership) or,
// with CASCADE, also through a normal dependency (without CASCADE,
// PostgreSQL refuses the drop instead). A whole object (sub-id 0) takes the
// dependents of its sub-objects (columns) along, as findDependentObjects
// scans it.
void
Expand(DroppedObjects *set, bool cascade) {
	Relation depend = table_open(DependRelationId, AccessShareLock);
	while (set->pending != NIL) {
		ObjectAddress *object = (ObjectAddress *)linitial(set->pending);
		set->pending = list_delete_first(set->pending);
		DroppedEntry *entry = (DroppedEntry *)hash_search(set->objects, object, HASH_FIND, nullptr);
		ScanKeyData key[3];
		int nkeys = 2;
		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
		            ObjectIdGetDatum(object->classId));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
		            ObjectIdGetDatum(object->objectId));
		if (object->objectSubId != 0) {
			ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber, F_INT4EQ,
			            Int32GetDatum(object->objectSubId));
			nkeys = 3;
		}
		SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, nkeys, key);
		HeapTuple tuple;
		while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
			Form_pg_depend dep = (Form_pg_depend)GETSTRUCT(tuple);
			if (dep->deptype == DEPENDENCY_NORMAL && !cascade)
				continue;
			Add(set, dep->classid, dep->objid, dep->objsubid, entry->root);
		}
		systable_endscan(scan);
	}
	table_close(depend, AccessShareLock);
}

// The object a DROP names, looked up as RemoveObjects does. Relations by
// name without a lock (as the lock-queue check requires); other objects
// through get_object_address, whose lock on the object is released with the
// caller's subtransaction. Rules and policies are skipped: they take no
// table or column with them (triggers are looked for: a job's sync
// trigger).
void
AddDropStmtTargets(DroppedObjects *set, DropStmt *stmt) {
	ListCell *lc;
	foreach (lc, stmt->objects) {
		Node *object = (Node *)lfirst(lc);
		switch (stmt->removeType) {
		case OBJECT_TABLE:
		case OBJECT_INDEX:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			AddTarget(set, RelationRelationId,
			          RangeVarGetRelid(makeRangeVarFromNameList(castNode(List, object)), NoLock, true), 0);
			break;
		case OBJECT_RULE:
		case OBJECT_POLICY:
			break;
		default: {
			Relation rel = nullptr;
			ObjectAddress address = get_object_address(stmt->removeType, object, &rel, AccessShareLock, true);
			if (rel != nullptr)
				relation_close(rel, NoLock);
			AddTarget(set, address.classId, address.objectId, address.objectSubId);
			break;
		}
		}
		Expand(set, stmt->behavior == DROP_CASCADE);
	}
}

// DROP OWNED BY: every object of this database that the roles own
// (pg_shdepend), as shdepDropOwned collects them.
void
AddDropOwnedTargets(DroppedObjects *set, DropOwnedStmt *stmt) {
	Relation shdepend = table_open(SharedDependRelationId, AccessShareLock);
	ListCell *lc;
	foreach (lc, stmt->roles) {
		Oid role = get_rolespec_oid((RoleSpec *)lfirst(lc), true);
		if (!OidIsValid(role))
			continue;
		ScanKeyData key[2];
		ScanKeyInit(&key[0], Anum_pg_shdepend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
		            ObjectIdGetDatum(AuthIdRelationId));
		ScanKeyInit(&key[1], Anum_pg_shdepend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(role));
		SysScanDesc scan = systable_beginscan(shdepend, SharedDependReferenceIndexId, true, nullptr, 2, key);
		HeapTuple tuple;
		while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
			Form_pg_shdepend dep = (Form_pg_shdepend)GETSTRUCT(tuple);
			if (dep->deptype == SHARED_DEPENDENCY_OWNER && dep->dbid == MyDatabaseId)
				AddTarget(set, dep->classid, dep->objid, dep->objsubid);
		}
		systable_endscan(scan);
	}
	table_close(shdepend, AccessShareLock);
	Expand(set, stmt->behavior == DROP_CASCADE);
}

// ALTER TABLE ... DROP COLUMN col: the column, and the same column of the
// inheritance children that ATExecDropColumn drops with it (inherited once,
// not defined locally), recursively.
void
AddDroppedColumn(DroppedObjects *set, Oid relid, const char *column, bool recurse) {
	AttrNumber attnum = get_attnum(relid, column);
	if (attnum <= 0)
		return;
	AddTarget(set, RelationRelationId, relid, attnum);
	if (!recurse)
		return;
	ListCell *lc;
	foreach (lc, find_inheritance_children(relid, NoLock)) {
		Oid child = lfirst_oid(lc);
		HeapTuple tuple = SearchSysCacheAttName(child, column);
		if (!HeapTupleIsValid(tuple))
			continue;
		Form_pg_attribute att = (Form_pg_attribute)GETSTRUCT(tuple);
		bool dropped = att->attinhcount == 1 && !att->attislocal;
		ReleaseSysCache(tuple);
		if (dropped)
			AddDroppedColumn(set, child, column, true);
	}
}

void
AddAlterTableTargets(DroppedObjects *set, GuardedStatement *guarded) {
	AlterTableStmt *stmt = (AlterTableStmt *)guarded->parsetree;
	Oid relid = StatementRelid(guarded);
	if (!OidIsValid(relid))
		return;
	ListCell *lc;
	foreach (lc, stmt->cmds) {
		AlterTableCmd *cmd = (AlterTableCmd *)lfirst(lc);
		if (cmd->subtype == AT_DropColumn)
			AddDroppedColumn(set, relid, cmd->name, stmt->relation->inh);
		else if (cmd->subtype == AT_DropConstraint)
			AddTarget(set, ConstraintRelationId, get_relation_constraint_oid(relid, cmd->name, true), 0);
		else
			continue;
		Expand(set, cmd->behavior == DROP_CASCADE);
	}
}

bool
DropsSomething(Node *parsetree) {
	switch (nodeTag(parsetree)) {
	case T_DropStmt:
	case T_DropOwnedStmt:
		return true;
	case T_AlterTableStmt: {
		ListCell *lc;
		foreach (lc, ((AlterTableStmt *)parsetree)->cmds) {
			AlterTableType t = ((AlterTableCmd *)lfirst(lc))->subtype;
			if (t == AT_DropColumn || t == AT_DropConstraint)
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

} // namespace

DroppedObjects *
FindDroppedObjects(GuardedStatement *guarded) {
	Node *parsetree = guarded->parsetree;
	if (!DropsSomething(parsetree))
		return nullptr;
	// In a subtransaction that is always rolled back: it releases the
	// object locks get_object_address takes, and a failed lookup (PostgreSQL
	// raises its own error when the statement runs) leaves no set.
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	DroppedObjects *set = (DroppedObjects *)palloc0(sizeof(DroppedObjects));
	HASHCTL ctl;
	ctl.keysize = sizeof(ObjectAddress);
	ctl.entrysize = sizeof(DroppedEntry);
	ctl.hcxt = oldcxt;
	set->objects = hash_create("pg_backfill dropped objects", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ErrorData *volatile edata = nullptr;
	BeginInternalSubTransaction(nullptr);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		if (IsA(parsetree, DropStmt))
			AddDropStmtTargets(set, (DropStmt *)parsetree);
		else if (IsA(parsetree, DropOwnedStmt))
			AddDropOwnedTargets(set, (DropOwnedStmt *)parsetree);
		else
			AddAlterTableTargets(set, guarded);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	if (edata != nullptr) {
		if (MustRethrowAnalysisError(edata))
			ReThrowError(edata);
		FreeErrorData(edata);
		return nullptr;
	}
	return set;
}

bool
IsDropped(const DroppedObjects *set, Oid classid, Oid objid, int32 subid, ObjectAddress *by) {
	if (set == nullptr || !OidIsValid(objid))
		return false;
	ObjectAddress key = {classid, objid, subid};
	DroppedEntry *entry = (DroppedEntry *)hash_search(set->objects, &key, HASH_FIND, nullptr);
	if (entry == nullptr && subid != 0) {
		key.objectSubId = 0; // a column goes with its table
		entry = (DroppedEntry *)hash_search(set->objects, &key, HASH_FIND, nullptr);
	}
	if (entry == nullptr)
		return false;
	if (by != nullptr)
		*by = *(ObjectAddress *)list_nth(set->roots, entry->root);
	return true;
}

} // namespace pg_backfill::pg
