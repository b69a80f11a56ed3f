// Fact collection for the DDL guard's non-ALTER TABLE statements (CREATE
// INDEX, REINDEX, CLUSTER, VACUUM FULL, REFRESH MATERIALIZED VIEW, ALTER
// DOMAIN). ALTER TABLE is in alter_table.cpp; which statement goes to which
// collector is in statements.cpp.
#include "pg/guard/guard.hpp"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_type.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
}

namespace pg_backfill::pg {

using core::DdlCommand;

// CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] ... ON [ONLY] t.
void
IndexFacts(GuardedStatement *guarded, List **findings) {
	IndexStmt *stmt = (IndexStmt *)guarded->parsetree;
	Oid relid = StatementRelid(guarded, false);
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
ReindexFacts(GuardedStatement *guarded, List **findings) {
	ReindexStmt *stmt = (ReindexStmt *)guarded->parsetree;
	if (stmt->kind == REINDEX_OBJECT_SCHEMA || stmt->kind == REINDEX_OBJECT_DATABASE ||
	    stmt->kind == REINDEX_OBJECT_SYSTEM) {
		bool concurrently = OptionSet(stmt->params, "concurrently");
		const char *tag = stmt->kind == REINDEX_OBJECT_SCHEMA     ? "REINDEX SCHEMA"
		                  : stmt->kind == REINDEX_OBJECT_DATABASE ? "REINDEX DATABASE"
		                                                          : "REINDEX SYSTEM";
		Oid schema = stmt->kind == REINDEX_OBJECT_SCHEMA ? get_namespace_oid(stmt->name, false) : InvalidOid;
		MultiTableFacts(DdlCommand::kReindex, tag, concurrently ? ShareUpdateExclusiveLock : ShareLock, concurrently,
		                stmt->kind, schema, findings);
		return;
	}
	if (stmt->kind != REINDEX_OBJECT_TABLE && stmt->kind != REINDEX_OBJECT_INDEX)
		return;
	// REINDEX INDEX: the index's table.
	Oid relid = StatementRelid(guarded);
	if (!OidIsValid(relid))
		return;
	bool concurrently = OptionSet(stmt->params, "concurrently");
	GuardFinding *g =
	    NewFinding(DdlCommand::kReindex, stmt->kind == REINDEX_OBJECT_TABLE ? "REINDEX TABLE" : "REINDEX INDEX", relid,
	               concurrently ? ShareUpdateExclusiveLock : ShareLock);
	g->facts.concurrently = concurrently;
	*findings = lappend(*findings, g);
}

// get_rels_with_domain (typecmds.c, PG15): the tables and materialized
// views with a column of the domain or of a domain over it, found through
// pg_depend. PG regime.
void
RelsWithDomain(Oid domainoid, List **relids) {
	check_stack_depth();
	Relation dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(domainoid));
	SysScanDesc scan = systable_beginscan(dep, DependReferenceIndexId, true, nullptr, 2, key);
	HeapTuple tup;
	List *subdomains = NIL;
	while (HeapTupleIsValid(tup = systable_getnext(scan))) {
		Form_pg_depend d = (Form_pg_depend)GETSTRUCT(tup);
		if (d->classid == TypeRelationId) {
			if (get_typtype(d->objid) == TYPTYPE_DOMAIN)
				subdomains = lappend_oid(subdomains, d->objid);
			continue;
		}
		if (d->classid != RelationRelationId || d->objsubid <= 0)
			continue;
		char relkind = get_rel_relkind(d->objid);
		if (relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW)
			*relids = list_append_unique_oid(*relids, d->objid);
	}
	systable_endscan(scan);
	table_close(dep, AccessShareLock);
	ListCell *lc;
	foreach (lc, subdomains)
		RelsWithDomain(lfirst_oid(lc), relids);
}
namespace {

// The domain's base type and typmod, for VALUE in its CHECK expressions.
struct DomainBase {
	Oid type;
	int32 typmod;
};

// p_pre_columnref_hook: VALUE as a CoerceToDomainValue, as
// domainAddConstraint's replace_domainconstraint_ref does. PG regime.
Node *
DomainValueRef(ParseState *pstate, ColumnRef *cref) {
	if (list_length(cref->fields) != 1 || !IsA(linitial(cref->fields), String) ||
	    strcmp(strVal(linitial(cref->fields)), "value") != 0)
		return nullptr;
	const DomainBase *base = (const DomainBase *)pstate->p_ref_hook_state;
	CoerceToDomainValue *v = makeNode(CoerceToDomainValue);
	v->typeId = base->type;
	v->typeMod = base->typmod;
	v->collation = get_typcollation(base->type);
	v->location = cref->location;
	return (Node *)v;
}

// A domain CHECK's raw expression transformed as domainAddConstraint does.
// PG regime.
Node *
DomainCheckExpr(Oid domainoid, Node *raw) {
	DomainBase base;
	base.typmod = -1;
	HeapTuple tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(domainoid));
	if (!HeapTupleIsValid(tup))
		return nullptr;
	base.type = ((Form_pg_type)GETSTRUCT(tup))->typbasetype;
	base.typmod = ((Form_pg_type)GETSTRUCT(tup))->typtypmod;
	ReleaseSysCache(tup);
	ParseState *pstate = make_parsestate(nullptr);
	pstate->p_pre_columnref_hook = DomainValueRef;
	pstate->p_ref_hook_state = &base;
	Node *expr = transformExpr(pstate, (Node *)copyObjectImpl(raw), EXPR_KIND_DOMAIN_CHECK);
	expr = coerce_to_boolean(pstate, expr, "CHECK");
	assign_expr_collations(pstate, expr);
	return expr;
}

// expression_tree_mutator: VALUE replaced by the column (a Var).
Node *
ValueToColumn(Node *node, void *context) {
	if (node == nullptr)
		return nullptr;
	if (IsA(node, CoerceToDomainValue))
		return (Node *)copyObjectImpl(context);
	// PG15 declares the mutator as Node *(*)(); see MissingColumnWalker.
	return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)(void)>(ValueToColumn)),
	                               context);
}

// True if type is domainoid or a domain over it.
bool
TypeIsOverDomain(Oid type, Oid domainoid) {
	while (OidIsValid(type) && get_typtype(type) == TYPTYPE_DOMAIN) {
		if (type == domainoid)
			return true;
		HeapTuple tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
		if (!HeapTupleIsValid(tup))
			return false;
		type = ((Form_pg_type)GETSTRUCT(tup))->typbasetype;
		ReleaseSysCache(tup);
	}
	return false;
}

// "SELECT count(*) FROM t WHERE NOT (a > 0) OR ..." over the columns of
// relid using the domain: the rows the domain check (check, or IS NOT NULL
// when check is nullptr) would reject, found without a blocking lock.
// PG regime.
const char *
DomainViolationsQuery(Oid relid, Oid domainoid, Node *check) {
	Relation rel = try_relation_open(relid, AccessShareLock);
	if (rel == nullptr)
		return "";
	StringInfoData where;
	initStringInfo(&where);
	TupleDesc desc = RelationGetDescr(rel);
	List *ctx = deparse_context_for(RelationGetRelationName(rel), relid);
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped || !TypeIsOverDomain(att->atttypid, domainoid))
			continue;
		Var *var = makeVar(1, att->attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
		if (where.len > 0)
			appendStringInfoString(&where, " OR ");
		if (check == nullptr)
			appendStringInfo(&where, "%s IS NULL", quote_identifier(NameStr(att->attname)));
		else {
			// Non-pretty deparsing parenthesises operators and boolean
			// expressions already.
			const char *e = deparse_expression(ValueToColumn(check, var), ctx, false, false);
			bool wrapped = e[0] == '(' && e[strlen(e) - 1] == ')';
			appendStringInfo(&where, wrapped ? "NOT %s" : "NOT (%s)", e);
		}
	}
	relation_close(rel, AccessShareLock);
	if (where.len == 0)
		return "";
	return psprintf("SELECT count(*) FROM %s WHERE %s;", QuotedRelationName(relid), where.data);
}

// A new constraint's name on domain domainoid, chosen as domainAddConstraint
// chooses one (<domain>_<label>, made unique in the domain's schema).
// PG regime: may ereport(ERROR).
const char *
DomainConstraintName(Oid domainoid, const char *label) {
	HeapTuple tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(domainoid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", domainoid);
	Form_pg_type type = (Form_pg_type)GETSTRUCT(tup);
	const char *name = ChooseConstraintName(NameStr(type->typname), nullptr, label, type->typnamespace, NIL);
	ReleaseSysCache(tup);
	return name;
}
} // namespace

// ALTER DOMAIN ... ADD CONSTRAINT CHECK, SET NOT NULL, VALIDATE CONSTRAINT:
// PostgreSQL 15 takes ShareLock on every table using the domain and scans
// them all (validateDomainConstraint, AlterDomainNotNull), keeping each lock
// until the statement ends. One finding per table; each carries the count
// and summed size. PG regime.
void
DomainFacts(AlterDomainStmt *stmt, List **findings) {
	if (stmt->subtype != 'C' && stmt->subtype != 'O' && stmt->subtype != 'V')
		return;
	Oid domainoid = typenameTypeId(nullptr, makeTypeNameFromNameList(stmt->typeName));
	if (get_typtype(domainoid) != TYPTYPE_DOMAIN)
		return;
	const char *tag;
	const char *conname = stmt->name;
	bool not_valid = false;
	bool noop = false;
	Node *check = nullptr;
	if (stmt->subtype == 'C') {
		Constraint *c = (Constraint *)stmt->def;
		if (c == nullptr || !IsA(c, Constraint) || c->contype != CONSTR_CHECK)
			return;
		tag = "ALTER DOMAIN ... ADD CONSTRAINT";
		not_valid = c->skip_validation;
		check = DomainCheckExpr(domainoid, c->raw_expr);
		// domainAddConstraint names an unnamed one so.
		conname = c->conname ? c->conname : DomainConstraintName(domainoid, "check");
	} else if (stmt->subtype == 'O') {
		tag = "ALTER DOMAIN ... SET NOT NULL";
		HeapTuple tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(domainoid));
		if (HeapTupleIsValid(tup)) {
			noop = ((Form_pg_type)GETSTRUCT(tup))->typnotnull;
			ReleaseSysCache(tup);
		}
		// The name of the NOT VALID CHECK the hint suggests instead.
		conname = DomainConstraintName(domainoid, "not_null");
	} else {
		tag = "ALTER DOMAIN ... VALIDATE CONSTRAINT";
		// AlterDomainValidateConstraint: the stored CHECK expression.
		HeapTuple tup =
		    SearchSysCache1(CONSTROID, ObjectIdGetDatum(get_domain_constraint_oid(domainoid, conname, false)));
		if (HeapTupleIsValid(tup)) {
			bool isnull;
			Datum bin = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conbin, &isnull);
			if (!isnull)
				check = (Node *)stringToNode(TextDatumGetCString(bin));
			ReleaseSysCache(tup);
		}
	}
	List *relids = NIL;
	RelsWithDomain(domainoid, &relids);
	const char *domain = format_type_be(domainoid);
	int64 total = 0;
	List *mine = NIL;
	ListCell *lc;
	foreach (lc, relids) {
		GuardFinding *g = NewFinding(DdlCommand::kAlterDomain, tag, lfirst_oid(lc), ShareLock);
		g->facts.type_name = domain;
		g->facts.object_name = conname ? quote_identifier(conname) : "";
		g->facts.object_raw = PStrOrEmpty(conname);
		g->facts.object_def = check ? deparse_expression(check, NIL, false, false) : "<condition>";
		g->facts.check_sql = DomainViolationsQuery(lfirst_oid(lc), domainoid, check);
		g->facts.not_valid = not_valid;
		g->facts.noop = noop;
		g->facts.domain_set_not_null = stmt->subtype == 'O';
		g->facts.domain_validate = stmt->subtype == 'V';
		total += g->facts.size_bytes;
		mine = lappend(mine, g);
	}
	foreach (lc, mine) {
		GuardFinding *g = (GuardFinding *)lfirst(lc);
		g->facts.table_count = list_length(mine);
		g->facts.total_size_bytes = total;
	}
	*findings = list_concat(*findings, mine);
}
namespace {

// Heap + TOAST bytes of relid without waiting for a lock: pg_class.relpages
// when another session holds a conflicting lock. PG regime.
int64
SizeWithoutWaiting(Oid relid, int32 relpages) {
	if (!ConditionalLockRelationOid(relid, AccessShareLock))
		return (int64)relpages * BLCKSZ;
	UnlockRelationOid(relid, AccessShareLock);
	// NewFinding measures it properly; this lookup only ranks the tables.
	GuardFinding *g = NewFinding(DdlCommand::kOther, "", relid, NoLock);
	return g->facts.size_bytes;
}
} // namespace

// VACUUM FULL / CLUSTER without a table name, REINDEX SCHEMA / DATABASE /
// SYSTEM: the tables PostgreSQL 15 would process (get_all_vacuum_rels,
// get_tables_to_cluster, ReindexMultipleTables), each in its own
// transaction. One finding, on the largest, with the count and total.
// PG regime.
void
MultiTableFacts(DdlCommand command, const char *tag, int lock_mode, bool concurrently, ReindexObjectType reindex_kind,
                Oid schema, List **findings) {
	HeapTuple tup;
	Oid largest = InvalidOid;
	int64 largest_size = -1;
	int64 total = 0;
	int count = 0;
	List *all = NIL;
	// CLUSTER's tables come from pg_index below.
	Relation pgclass = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(pgclass, 0, nullptr);
	while (command != DdlCommand::kCluster && (tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
		Form_pg_class c = (Form_pg_class)GETSTRUCT(tup);
		if (c->relkind != RELKIND_RELATION && c->relkind != RELKIND_MATVIEW)
			continue;
		if (c->relpersistence == RELPERSISTENCE_TEMP && !isTempNamespace(c->relnamespace))
			continue;
		if (command == DdlCommand::kVacuumFull) {
			// vacuum_is_relation_owner's test, without its WARNINGs.
			if (!pg_class_ownercheck(c->oid, GetUserId()) &&
			    !(pg_database_ownercheck(MyDatabaseId, GetUserId()) && !c->relisshared))
				continue;
		} else {
			if (!c->relhasindex)
				continue;
			if (reindex_kind == REINDEX_OBJECT_SCHEMA && c->relnamespace != schema)
				continue;
			if (reindex_kind == REINDEX_OBJECT_SYSTEM && !IsSystemClass(c->oid, c))
				continue;
			if (c->relisshared && !pg_class_ownercheck(c->oid, GetUserId()))
				continue;
			if (concurrently && IsCatalogRelationOid(c->oid))
				continue;
		}
		int64 size = SizeWithoutWaiting(c->oid, c->relpages);
		all = lappend_oid(all, c->oid);
		count++;
		total += size;
		if (size > largest_size) {
			largest_size = size;
			largest = c->oid;
		}
	}
	table_endscan(scan);
	table_close(pgclass, AccessShareLock);
	if (command == DdlCommand::kCluster) {
		// get_tables_to_cluster: tables with an indisclustered index the user owns.
		Relation pgindex = table_open(IndexRelationId, AccessShareLock);
		ScanKeyData key;
		ScanKeyInit(&key, Anum_pg_index_indisclustered, BTEqualStrategyNumber, F_BOOLEQ, BoolGetDatum(true));
		scan = table_beginscan_catalog(pgindex, 1, &key);
		List *seen = NIL;
		while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
			Oid relid = ((Form_pg_index)GETSTRUCT(tup))->indrelid;
			if (!pg_class_ownercheck(relid, GetUserId()) || list_member_oid(seen, relid) ||
			    get_rel_relkind(relid) != RELKIND_RELATION)
				continue;
			seen = lappend_oid(seen, relid);
			int64 size = SizeWithoutWaiting(relid, 0);
			all = lappend_oid(all, relid);
			count++;
			total += size;
			if (size > largest_size) {
				largest_size = size;
				largest = relid;
			}
		}
		table_endscan(scan);
		table_close(pgindex, AccessShareLock);
	}
	if (!OidIsValid(largest))
		return;
	GuardFinding *g = NewFinding(command, tag, largest, lock_mode);
	g->facts.concurrently = concurrently;
	g->facts.multi_table = true;
	g->facts.table_count = count;
	g->facts.total_size_bytes = total;
	g->more_relids = all;
	*findings = lappend(*findings, g);
}

// A finding for a rewrite command (CLUSTER, VACUUM FULL, REFRESH
// MATERIALIZED VIEW) on relid, if valid.
void
RewriteFacts(DdlCommand command, const char *tag, Oid relid, int lock_mode, bool concurrently, List **findings) {
	if (!OidIsValid(relid))
		return;
	GuardFinding *g = NewFinding(command, tag, relid, lock_mode);
	g->facts.concurrently = concurrently;
	*findings = lappend(*findings, g);
}

} // namespace pg_backfill::pg
