// Facts for ALTER TABLE subcommands, mirroring PostgreSQL 15's tablecmds.c
// and parse_utilcmd.c decisions on the live catalog. The partition rules
// (ATTACH PARTITION, the DEFAULT partition's re-check) are in partitions.cpp.
#include "pg/guard/guard.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

namespace pg_backfill::pg {

using core::DdlCommand;

namespace {

// A ParseState whose range table holds rel as varno 1, as tablecmds.c
// builds for defaults, USING and generation expressions. PG regime.
ParseState *
RelationParseState(Relation rel) {
	ParseState *pstate = make_parsestate(nullptr);
	ParseNamespaceItem *nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, true);
	addNSItemToQuery(pstate, nsitem, false, true, true);
	return pstate;
}

} // namespace

// Deparses a transformed expression over rel, with implicit casts shown
// when asked. PG regime.
const char *
Deparse(Node *expr, Relation rel, bool show_implicit) {
	return deparse_expression(expr, deparse_context_for(RelationGetRelationName(rel), RelationGetRelid(rel)), false,
	                          show_implicit);
}

namespace {

// Deparses a transformed expression over rel with every column written as
// new.col, for the body of a row trigger. PG regime.
const char *
DeparseOverNew(Node *expr, Relation rel) {
	return deparse_expression(expr, deparse_context_for("new", RelationGetRelid(rel)), true, true);
}

// Mirror of tablecmds.c ATColumnChangeRequiresRewrite (PG15): a chain of
// RelabelType, unconstrained CoerceToDomain and (when the TimeZone makes it
// a no-op) timestamp<->timestamptz over the old column needs no rewrite.
bool
ColumnChangeRequiresRewrite(Node *expr, AttrNumber varattno) {
	for (;;) {
		if (IsA(expr, Var) && ((Var *)expr)->varattno == varattno)
			return false;
		else if (IsA(expr, RelabelType))
			expr = (Node *)((RelabelType *)expr)->arg;
		else if (IsA(expr, CoerceToDomain)) {
			CoerceToDomain *d = (CoerceToDomain *)expr;
			if (DomainHasConstraints(d->resulttype))
				return true;
			expr = (Node *)d->arg;
		} else if (IsA(expr, FuncExpr)) {
			FuncExpr *f = (FuncExpr *)expr;
			if ((f->funcid == F_TIMESTAMPTZ_TIMESTAMP || f->funcid == F_TIMESTAMP_TIMESTAMPTZ) &&
			    !TimestampTimestampTzRequiresRewrite())
				expr = (Node *)linitial(f->args);
			else
				return true;
		} else
			return true;
	}
}

// True if a validated constraint on rel (or attnotnull) proves attnum is
// not null: NotNullImpliedByRelConstraints, through the exported
// PartConstraintImpliedByRelConstraint (same weak predicate test). PG regime.
bool
NotNullProven(Relation rel, AttrNumber attnum) {
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	if (att->attnotnull)
		return true;
	NullTest *nnulltest = makeNode(NullTest);
	nnulltest->arg = (Expr *)makeVar(1, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
	nnulltest->nulltesttype = IS_NOT_NULL;
	nnulltest->argisrow = false;
	nnulltest->location = -1;
	return PartConstraintImpliedByRelConstraint(rel, list_make1(nnulltest));
}

// SET NOT NULL: ATPrepSetNotNull recurses to every inheritor (partitions
// included) unless ONLY is given, and ATExecSetNotNull, on each table whose
// column is not yet NOT NULL, scans it unless that table's own validated
// constraints prove the column not null (NotNullImpliedByRelConstraints).
// noop when every table has it already; proven when every other table
// proves it; other_relation names the first table that does not. PG regime.
void
SetNotNullFacts(GuardFinding *g, Relation rel, const char *colname, bool recurse) {
	core::DdlFacts *f = &g->facts;
	List *rels =
	    recurse ? find_all_inheritors(RelationGetRelid(rel), NoLock, nullptr) : list_make1_oid(RelationGetRelid(rel));
	f->noop = true;
	f->not_null_proven = true;
	// Plain inheritance: the children are scanned too (a partitioned
	// table's size already covers its partitions).
	if (!f->partitioned && list_length(rels) > 1) {
		int64 total = 0;
		ListCell *c;
		foreach (c, rels)
			total += RelationSizeBytes(lfirst_oid(c));
		f->size_bytes = total;
	}
	ListCell *lc;
	foreach (lc, rels) {
		Oid relid = lfirst_oid(lc);
		Relation r = relid == RelationGetRelid(rel) ? rel : try_relation_open(relid, AccessShareLock);
		if (r == nullptr)
			continue;
		AttrNumber attnum = get_attnum(relid, colname);
		if (attnum > 0 && !TupleDescAttr(RelationGetDescr(r), attnum - 1)->attnotnull) {
			f->noop = false;
			// A partitioned table has no rows of its own to scan.
			if (RELKIND_HAS_STORAGE(r->rd_rel->relkind) && f->not_null_proven && !NotNullProven(r, attnum)) {
				f->not_null_proven = false;
				if (r != rel)
					f->other_relation = pstrdup(RelationGetRelationName(r));
			}
		}
		if (r != rel)
			relation_close(r, AccessShareLock);
	}
}

// The serial pseudo-type an ADD COLUMN names, or InvalidOid.
// (transformColumnDefinition expands these to integer + nextval.)
Oid
SerialBaseType(TypeName *tn) {
	if (tn == nullptr || tn->names == NIL || tn->pct_type || tn->arrayBounds != NIL)
		return InvalidOid;
	if (list_length(tn->names) == 2 && strcmp(strVal(linitial(tn->names)), "pg_catalog") != 0)
		return InvalidOid;
	if (list_length(tn->names) > 2)
		return InvalidOid;
	const char *name = strVal(llast(tn->names));
	if (strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0)
		return INT2OID;
	if (strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0)
		return INT4OID;
	if (strcmp(name, "bigserial") == 0 || strcmp(name, "serial8") == 0)
		return INT8OID;
	return InvalidOid;
}

// Whether transformAlterTableStmt leaves a new column's REFERENCES
// constraint to be validated. Since PG13 each ADD COLUMN is transformed on
// its own (ATParseTransformCmd), so only the column's own DEFAULT clause
// (serial and GENERATED expand to one) turns skipValidation off; other
// subcommands of the statement do not (checked on PG15.20).
bool
ColumnForeignKeyValidated(ColumnDef *def) {
	if (def->raw_default != nullptr || OidIsValid(SerialBaseType(def->typeName)))
		return true;
	ListCell *c;
	foreach (c, def->constraints) {
		ConstrType t = ((Constraint *)lfirst(c))->contype;
		if (t == CONSTR_DEFAULT || t == CONSTR_GENERATED)
			return true;
	}
	return false;
}

// The names of a list of String nodes joined by separator, each quoted with
// quote_identifier when quote. PG regime.
const char *
JoinNames(List *names, const char *separator, bool quote) {
	StringInfoData buf;
	initStringInfo(&buf);
	ListCell *lc;
	foreach (lc, names) {
		if (buf.len > 0)
			appendStringInfoString(&buf, separator);
		const char *name = strVal(lfirst(lc));
		appendStringInfoString(&buf, quote ? quote_identifier(name) : name);
	}
	return buf.data;
}

// "a, b" from a list of String nodes, each quoted.
const char *
QuotedNameList(List *names) {
	return JoinNames(names, ", ", true);
}

// The column names of a list of String nodes joined by "_", as PostgreSQL
// adds them to a constraint's or index's name, or nullptr for none.
const char *
NameAddition(List *names) {
	return names == NIL ? nullptr : JoinNames(names, "_", false);
}

// Sets the constraint's name, or the one PostgreSQL would give an unnamed
// constraint, quoted and raw: ChooseConstraintName for CHECK and FOREIGN
// KEY, ChooseRelationName (the index's name) for PRIMARY KEY, UNIQUE and
// EXCLUDE; name2 is the column part (nullptr for none).
void
SetConstraintName(core::DdlFacts *f, Constraint *c, Relation rel, const char *name2, const char *label) {
	const char *name = c->conname;
	if (name == nullptr && (c->contype == CONSTR_CHECK || c->contype == CONSTR_FOREIGN))
		name = ChooseConstraintName(RelationGetRelationName(rel), name2, label, RelationGetNamespace(rel), NIL);
	else if (name == nullptr)
		name = ChooseRelationName(RelationGetRelationName(rel), name2, label, RelationGetNamespace(rel), true);
	f->object_raw = pstrdup(name);
	f->object_name = quote_identifier(name);
}

// Sets an object name, quoted and raw.
void
SetObjectName(core::DdlFacts *f, const char *name) {
	f->object_raw = pstrdup(name);
	f->object_name = quote_identifier(name);
}

// ADD COLUMN: ATExecAddColumn's rewrite rule plus the inline constraints
// transformAlterTableStmt turns into scans, index builds and FK checks.
void
AddColumnFacts(GuardFinding *g, Relation rel, ColumnDef *def) {
	core::DdlFacts *f = &g->facts;
	f->column = quote_identifier(def->colname);
	f->column_raw = pstrdup(def->colname);
	Oid typid;
	int32 typmod;
	Oid serial_type = SerialBaseType(def->typeName);
	if (OidIsValid(serial_type)) {
		f->serial = true;
		typid = serial_type;
		typmod = -1;
	} else
		typenameTypeIdAndMod(nullptr, def->typeName, &typid, &typmod);
	f->type_name = format_type_with_typemod(typid, typmod);
	// The sequence's name as PostgreSQL chooses it for a serial column, in
	// the table's schema (OWNED BY needs it there).
	f->sequence_name =
	    QuotedNewRelationName(RelationGetNamespace(rel), ChooseRelationName(RelationGetRelationName(rel), def->colname,
	                                                                        "seq", RelationGetNamespace(rel), false));

	Node *raw_default = def->raw_default;
	Node *raw_generated = nullptr;
	bool has_fk = false;
	ListCell *lc;
	foreach (lc, def->constraints) {
		Constraint *c = (Constraint *)lfirst(lc);
		switch (c->contype) {
		case CONSTR_DEFAULT:
			raw_default = c->raw_expr;
			break;
		case CONSTR_NOTNULL:
			f->not_null = true;
			break;
		case CONSTR_CHECK:
			f->inline_check = true;
			f->object_def = "<condition>";
			break;
		case CONSTR_UNIQUE:
			f->inline_unique = true;
			break;
		case CONSTR_PRIMARY:
			f->inline_primary_key = true;
			f->not_null = true;
			break;
		case CONSTR_FOREIGN:
			has_fk = true;
			f->object_def = psprintf("%s%s%s%s", quote_identifier(c->pktable->relname), c->pk_attrs ? " (" : "",
			                         c->pk_attrs ? QuotedNameList(c->pk_attrs) : "", c->pk_attrs ? ")" : "");
			break;
		case CONSTR_IDENTITY:
			f->identity = true;
			f->identity_always = c->generated_when == ATTRIBUTE_IDENTITY_ALWAYS;
			break;
		case CONSTR_GENERATED:
			f->generated_stored = true;
			raw_generated = c->raw_expr;
			break;
		default:
			break;
		}
	}
	if (def->identity) {
		f->identity = true;
		f->identity_always = f->identity_always || def->identity == ATTRIBUTE_IDENTITY_ALWAYS;
	}
	f->fk_validated = has_fk && ColumnForeignKeyValidated(def);
	if (!f->serial)
		f->domain_constraints = DomainHasConstraints(typid);

	ParseState *pstate = RelationParseState(rel);
	if (raw_generated != nullptr) {
		Node *expr = cookDefault(pstate, raw_generated, typid, typmod, def->colname, ATTRIBUTE_GENERATED_STORED);
		f->expression = Deparse(expr, rel);
		f->trigger_expression = DeparseOverNew(expr, rel);
		return;
	}
	if (f->serial || f->identity)
		return;
	// build_column_default: the column's DEFAULT, else the type's (a domain's) default.
	Node *cooked = raw_default != nullptr ? cookDefault(pstate, raw_default, typid, typmod, def->colname, '\0')
	                                      : get_typdefault(typid);
	if (cooked == nullptr)
		return;
	f->domain_default = raw_default == nullptr;
	Expr *planned = expression_planner((Expr *)cooked);
	f->has_default = !(IsA(planned, Const) && ((Const *)planned)->constisnull);
	f->default_volatile = contain_volatile_functions((Node *)planned);
	f->expression = Deparse(cooked, rel);
}

// pg_class.relam of a relation (PG15 has no lsyscache accessor). PG regime.
Oid
RelationAccessMethod(Oid relid) {
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	Oid am = ((Form_pg_class)GETSTRUCT(tup))->relam;
	ReleaseSysCache(tup);
	return am;
}

// Columns of rel (as bitmapset offsets) that an index's expressions or
// predicate use. PG regime.
Bitmapset *
IndexExpressionColumns(HeapTuple tup) {
	Bitmapset *attrs = nullptr;
	const AttrNumber kAttrs[] = {Anum_pg_index_indexprs, Anum_pg_index_indpred};
	for (AttrNumber a : kAttrs) {
		bool isnull;
		Datum d = SysCacheGetAttr(INDEXRELID, tup, a, &isnull);
		if (!isnull)
			pull_varattnos((Node *)stringToNode(TextDatumGetCString(d)), 1, &attrs);
	}
	return attrs;
}

// True if ALTER TYPE rebuilds an index over the column instead of reusing
// it: CheckIndexCompatible refuses indexes with expressions or predicates,
// invalid ones, a changed operator class (the old one if it was given
// explicitly, else the new type's default) and polymorphic operator classes
// over a changed type.
bool
IndexesNeedRebuild(Relation rel, AttrNumber attnum, Oid old_type, Oid new_type, Oid old_coll, Oid new_coll,
                   bool *collation_change) {
	List *indexes = RelationGetIndexList(rel);
	ListCell *lc;
	foreach (lc, indexes) {
		HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		if (!HeapTupleIsValid(tup))
			continue;
		Form_pg_index index = (Form_pg_index)GETSTRUCT(tup);
		Bitmapset *expr_attrs = IndexExpressionColumns(tup);
		bool uses = bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, expr_attrs);
		for (int i = 0; i < index->indnatts; i++)
			uses = uses || index->indkey.values[i] == attnum;
		bool rebuild = uses && (expr_attrs != nullptr || !index->indisvalid);
		bool isnull;
		oidvector *indclass =
		    (oidvector *)DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull));
		oidvector *indcollation =
		    (oidvector *)DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indcollation, &isnull));
		Oid am = RelationAccessMethod(index->indexrelid);
		for (int i = 0; uses && !rebuild && i < index->indnkeyatts; i++) {
			if (index->indkey.values[i] != attnum)
				continue;
			// The index is re-created from pg_get_indexdef, which names a
			// collation only when it differs from the column's: such a key
			// column follows the column to its new collation, and
			// CheckIndexCompatible refuses a changed collation.
			Oid old_index_coll = indcollation->values[i];
			Oid new_index_coll = old_index_coll == old_coll ? new_coll : old_index_coll;
			if (new_index_coll != old_index_coll) {
				*collation_change = true;
				rebuild = true;
				break;
			}
			Oid old_opclass = indclass->values[i];
			Oid new_opclass =
			    old_opclass == GetDefaultOpClass(old_type, am) ? GetDefaultOpClass(new_type, am) : old_opclass;
			rebuild = new_opclass != old_opclass ||
			          (IsPolymorphicType(get_opclass_input_type(new_opclass)) && old_type != new_type);
		}
		ReleaseSysCache(tup);
		if (rebuild)
			return true;
	}
	return false;
}

// True if a validated CHECK constraint of rel mentions attnum (ALTER TYPE
// drops, re-adds and re-validates those).
bool
ChecksOnColumn(Relation rel, AttrNumber attnum) {
	TupleConstr *constr = RelationGetDescr(rel)->constr;
	if (constr == nullptr)
		return false;
	for (int i = 0; i < constr->num_check; i++) {
		if (!constr->check[i].ccvalid)
			continue;
		Bitmapset *attrs = nullptr;
		pull_varattnos((Node *)stringToNode(constr->check[i].ccbin), 1, &attrs);
		if (bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs))
			return true;
	}
	return false;
}

// ALTER COLUMN TYPE: ATPrepAlterColumnType's transform, planned, then
// ATColumnChangeRequiresRewrite.
void
AlterTypeFacts(GuardFinding *g, Relation rel, AlterTableCmd *cmd) {
	core::DdlFacts *f = &g->facts;
	ColumnDef *def = (ColumnDef *)cmd->def;
	AttrNumber attnum = get_attnum(RelationGetRelid(rel), cmd->name);
	if (attnum <= 0)
		return;
	g->attnum = attnum;
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Oid target;
	int32 typmod;
	typenameTypeIdAndMod(nullptr, def->typeName, &target, &typmod);
	f->column = quote_identifier(cmd->name);
	f->column_raw = pstrdup(cmd->name);
	f->type_name = format_type_with_typemod(target, typmod);

	ParseState *pstate = RelationParseState(rel);
	Node *transform;
	if (def->raw_default != nullptr) {
		transform = transformExpr(pstate, def->raw_default, EXPR_KIND_ALTER_COL_TRANSFORM);
		assign_expr_collations(pstate, transform);
	} else
		transform = (Node *)makeVar(1, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
	Node *coerced = coerce_to_target_type(pstate, transform, exprType(transform), target, typmod, COERCION_ASSIGNMENT,
	                                      COERCE_IMPLICIT_CAST, -1);
	if (coerced == nullptr)
		ereport(ERROR,
		        (errcode(ERRCODE_DATATYPE_MISMATCH),
		         errmsg("column \"%s\" cannot be cast automatically to type %s", cmd->name, format_type_be(target))));
	assign_expr_collations(pstate, coerced);
	f->expression = Deparse(coerced, rel, true);
	f->trigger_expression = DeparseOverNew(coerced, rel);
	f->old_not_null = att->attnotnull;
	Node *planned = (Node *)expression_planner((Expr *)coerced);
	f->type_rewrite = ColumnChangeRequiresRewrite(planned, attnum);
	if (!f->type_rewrite) {
		f->type_rechecks = ChecksOnColumn(rel, attnum);
		// ATExecAlterColumnType: the COLLATE clause, else the new type's collation.
		Oid new_coll = GetColumnDefCollation(nullptr, def, target);
		f->type_index_rebuild = IndexesNeedRebuild(rel, attnum, att->atttypid, target, att->attcollation, new_coll,
		                                           &f->type_collation_change);
		if (f->type_collation_change && OidIsValid(att->attcollation))
			f->object_def = generate_collation_name(att->attcollation);
	}
}

// raw_expression_tree_walker callback: true at a column reference that
// does not name an existing column of the relation in context.
bool
MissingColumnWalker(Node *node, void *context) {
	if (node == nullptr)
		return false;
	if (IsA(node, ColumnRef)) {
		ColumnRef *ref = (ColumnRef *)node;
		Node *last = (Node *)llast(ref->fields);
		return !IsA(last, String) || get_attnum(*(Oid *)context, strVal(last)) == InvalidAttrNumber;
	}
	// PG15 declares the walker as bool (*)(); cast through void (*)(void),
	// which -Wcast-function-type accepts as a generic function pointer.
	return raw_expression_tree_walker(
	    node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)(void)>(MissingColumnWalker)), context);
}

// True if a raw expression names a column rel does not have (yet). PG regime.
bool
RawExpressionUsesMissingColumn(Node *raw, Relation rel) {
	Oid relid = RelationGetRelid(rel);
	return MissingColumnWalker(raw, &relid);
}

// ADD CONSTRAINT: CHECK, FOREIGN KEY, UNIQUE / PRIMARY KEY [USING INDEX], EXCLUDE.
void
AddConstraintFacts(GuardFinding *g, Relation rel, Constraint *c) {
	core::DdlFacts *f = &g->facts;
	f->not_valid = c->skip_validation;
	switch (c->contype) {
	case CONSTR_CHECK:
		f->command = DdlCommand::kAddCheck;
		SetConstraintName(f, c, rel, nullptr, "check");
		// The expression may use a column the same statement adds; deparse
		// it for the hint only when every column it names exists already.
		f->object_def = "<condition>";
		if (!RawExpressionUsesMissingColumn(c->raw_expr, rel)) {
			Node *expr = transformExpr(RelationParseState(rel), c->raw_expr, EXPR_KIND_CHECK_CONSTRAINT);
			f->object_def = Deparse(expr, rel);
		}
		break;
	case CONSTR_FOREIGN:
		f->command = DdlCommand::kAddForeignKey;
		SetConstraintName(f, c, rel, NameAddition(c->fk_attrs), "fkey");
		f->object_def = psprintf("FOREIGN KEY (%s) REFERENCES %s%s%s%s", QuotedNameList(c->fk_attrs),
		                         quote_identifier(c->pktable->relname), c->pk_attrs ? " (" : "",
		                         c->pk_attrs ? QuotedNameList(c->pk_attrs) : "", c->pk_attrs ? ")" : "");
		break;
	case CONSTR_PRIMARY:
	case CONSTR_UNIQUE: {
		f->command = DdlCommand::kAddUnique;
		f->primary_key = c->contype == CONSTR_PRIMARY;
		SetConstraintName(f, c, rel, f->primary_key ? nullptr : NameAddition(c->keys), f->primary_key ? "pkey" : "key");
		f->object_def = QuotedNameList(c->keys);
		f->using_index = c->indexname != nullptr;
		if (!f->using_index || !f->primary_key)
			break;
		Oid indexoid = get_relname_relid(c->indexname, RelationGetNamespace(rel));
		HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		if (!HeapTupleIsValid(tup))
			break;
		Form_pg_index index = (Form_pg_index)GETSTRUCT(tup);
		f->not_null_proven = true;
		for (int i = 0; i < index->indnkeyatts; i++)
			if (index->indkey.values[i] > 0 && !NotNullProven(rel, index->indkey.values[i]))
				f->not_null_proven = false;
		ReleaseSysCache(tup);
		break;
	}
	case CONSTR_EXCLUSION:
		f->command = DdlCommand::kAddExclusion;
		SetConstraintName(f, c, rel, nullptr, "excl");
		break;
	default:
		break;
	}
}

// A foreign key validated on a table created (or given new storage) in this
// transaction: the referencing table's own lock is exempt, but
// ATAddForeignKeyConstraint holds ShareRowExclusiveLock on the referenced
// table while validateForeignKeyConstraint reads every referencing row.
// Appends a finding for the referenced table. PG regime.
void
ReferencedTableFacts(const GuardFinding *g, Relation rel, AlterTableCmd *cmd, List **findings) {
	const core::DdlFacts *f = &g->facts;
	if (!f->created_in_xact && !f->truncated_in_xact)
		return;
	Constraint *fk = nullptr;
	const char *def = nullptr;
	const char *name = nullptr;
	if (cmd->subtype == AT_AddConstraint && f->command == DdlCommand::kAddForeignKey && !f->not_valid) {
		fk = (Constraint *)cmd->def;
		def = f->object_def;
		name = f->object_raw;
	} else if (cmd->subtype == AT_AddColumn && f->fk_validated) {
		ListCell *lc;
		foreach (lc, ((ColumnDef *)cmd->def)->constraints) {
			Constraint *c = (Constraint *)lfirst(lc);
			if (c->contype == CONSTR_FOREIGN)
				fk = c;
		}
		if (fk != nullptr) {
			def = psprintf("FOREIGN KEY (%s) REFERENCES %s", f->column, f->object_def);
			name = fk->conname ? fk->conname
			                   : ChooseConstraintName(RelationGetRelationName(rel), f->column_raw, "fkey",
			                                          RelationGetNamespace(rel), NIL);
		}
	}
	if (fk == nullptr || fk->pktable == nullptr)
		return;
	Oid pkrelid = RangeVarGetRelid(fk->pktable, NoLock, true);
	if (!OidIsValid(pkrelid) || pkrelid == RelationGetRelid(rel))
		return;
	GuardFinding *r = NewFinding(DdlCommand::kForeignKeyReferenced, f->command_tag, pkrelid, ShareRowExclusiveLock);
	r->facts.other_relation = pstrdup(RelationGetRelationName(rel));
	r->facts.other_relation_sql = f->relation;
	r->facts.object_def = def;
	r->facts.object_raw = pstrdup(name);
	r->facts.object_name = quote_identifier(name);
	r->facts.total_size_bytes = f->size_bytes;
	if (cmd->subtype == AT_AddColumn) {
		r->facts.column = f->column;
		r->facts.column_raw = f->column_raw;
		r->facts.type_name = f->type_name;
	}
	*findings = lappend(*findings, r);
}

// The command tag of subcommands the rules treat as brief.
const char *
OtherSubcommandTag(AlterTableType t) {
	switch (t) {
	case AT_DropColumn:
		return "ALTER TABLE ... DROP COLUMN";
	case AT_ColumnDefault:
		return "ALTER TABLE ... ALTER COLUMN ... SET/DROP DEFAULT";
	case AT_DropNotNull:
		return "ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL";
	case AT_DropConstraint:
		return "ALTER TABLE ... DROP CONSTRAINT";
	case AT_DetachPartition:
		return "ALTER TABLE ... DETACH PARTITION";
	default:
		return "ALTER TABLE";
	}
}

// Facts for one subcommand of an ALTER TABLE on rel (recurse: not ONLY).
// PG regime.
GuardFinding *
SubcommandFacts(Relation rel, AlterTableCmd *cmd, bool recurse) {
	Oid relid = RelationGetRelid(rel);
	int lock = AlterTableGetLockLevel(list_make1(cmd));
	GuardFinding *g;
	switch (cmd->subtype) {
	case AT_AddColumn:
		g = NewFinding(DdlCommand::kAddColumn, "ALTER TABLE ... ADD COLUMN", relid, lock);
		AddColumnFacts(g, rel, (ColumnDef *)cmd->def);
		return g;
	case AT_AlterColumnType:
		g = NewFinding(DdlCommand::kAlterColumnType, "ALTER TABLE ... ALTER COLUMN", relid, lock);
		AlterTypeFacts(g, rel, cmd);
		return g;
	case AT_SetNotNull: {
		g = NewFinding(DdlCommand::kSetNotNull, "ALTER TABLE ... ALTER COLUMN", relid, lock);
		AttrNumber attnum = get_attnum(relid, cmd->name);
		g->facts.column = quote_identifier(cmd->name);
		g->facts.column_raw = pstrdup(cmd->name);
		if (attnum > 0) {
			g->attnum = attnum;
			SetNotNullFacts(g, rel, cmd->name, recurse);
		}
		return g;
	}
	case AT_AddConstraint:
		g = NewFinding(DdlCommand::kOther, "ALTER TABLE ... ADD CONSTRAINT", relid, lock);
		if (IsA(cmd->def, Constraint))
			AddConstraintFacts(g, rel, (Constraint *)cmd->def);
		return g;
	case AT_ValidateConstraint:
		g = NewFinding(DdlCommand::kValidateConstraint, "ALTER TABLE ... VALIDATE CONSTRAINT", relid, lock);
		SetObjectName(&g->facts, cmd->name);
		return g;
	case AT_SetLogged:
	case AT_SetUnLogged: {
		bool logged = cmd->subtype == AT_SetLogged;
		g = NewFinding(DdlCommand::kSetPersistence,
		               logged ? "ALTER TABLE ... SET LOGGED" : "ALTER TABLE ... SET UNLOGGED", relid, lock);
		char want = logged ? RELPERSISTENCE_PERMANENT : RELPERSISTENCE_UNLOGGED;
		g->facts.noop = rel->rd_rel->relpersistence == want || rel->rd_rel->relkind != RELKIND_RELATION;
		return g;
	}
	case AT_SetTableSpace: {
		g = NewFinding(DdlCommand::kSetTablespace, "ALTER TABLE ... SET TABLESPACE", relid, lock);
		SetObjectName(&g->facts, cmd->name);
		Oid ts = get_tablespace_oid(cmd->name, false);
		if (ts == MyDatabaseTableSpace)
			ts = InvalidOid;
		g->facts.noop = ts == rel->rd_rel->reltablespace || rel->rd_rel->relkind != RELKIND_RELATION;
		return g;
	}
	case AT_SetAccessMethod:
		g = NewFinding(DdlCommand::kSetAccessMethod, "ALTER TABLE ... SET ACCESS METHOD", relid, lock);
		SetObjectName(&g->facts, cmd->name);
		g->facts.noop = get_table_am_oid(cmd->name, false) == rel->rd_rel->relam;
		return g;
	case AT_AttachPartition: {
		PartitionCmd *pc = (PartitionCmd *)cmd->def;
		Oid partid = RangeVarGetRelid(pc->name, NoLock, true);
		if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE || !OidIsValid(partid))
			return NewFinding(DdlCommand::kOther, "ALTER TABLE ... ATTACH PARTITION", relid, lock);
		// The parent gets ShareUpdateExclusiveLock; the partition, where the work happens, AccessExclusiveLock.
		g = NewFinding(DdlCommand::kAttachPartition, "ALTER TABLE ... ATTACH PARTITION", partid, AccessExclusiveLock);
		Relation attachrel = relation_open(partid, AccessShareLock);
		AttachPartitionFacts(g, rel, attachrel, pc);
		relation_close(attachrel, AccessShareLock);
		return g;
	}
	default:
		return NewFinding(DdlCommand::kOther, OtherSubcommandTag(cmd->subtype), relid, lock);
	}
}

} // namespace

void
CollectAlterTableFacts(GuardedStatement *guarded, List **findings) {
	AlterTableStmt *stmt = (AlterTableStmt *)guarded->parsetree;
	if (stmt->objtype != OBJECT_TABLE)
		return;
	Oid relid = StatementRelid(guarded, stmt->missing_ok);
	if (!OidIsValid(relid))
		return;
	char relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return;
	Relation rel = relation_open(relid, AccessShareLock);
	ListCell *lc;
	foreach (lc, stmt->cmds) {
		AlterTableCmd *cmd = (AlterTableCmd *)lfirst(lc);
		GuardFinding *g = SubcommandFacts(rel, cmd, stmt->relation->inh);
		*findings = lappend(*findings, g);
		ReferencedTableFacts(g, rel, cmd, findings);
		if (g->facts.command == DdlCommand::kAttachPartition)
			DefaultPartitionFacts(g->facts.command_tag, rel, ((PartitionCmd *)cmd->def)->bound, true, g->relid,
			                      g->facts.object_raw, g->facts.object_name, findings);
	}
	relation_close(rel, AccessShareLock);
}

} // namespace pg_backfill::pg
