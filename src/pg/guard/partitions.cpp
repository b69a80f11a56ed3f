// The DDL guard's partition rules, mirroring PostgreSQL 15's
// ATExecAttachPartition and DefineRelation on the live catalog: ATTACH
// PARTITION (the partition's bound scan and missing indexes), the DEFAULT
// partition's re-check when a partition is attached or created, and CREATE
// TABLE ... PARTITION OF.
#include "pg/guard/guard.hpp"

extern "C" {
#include "access/attmap.h"
#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_node.h"
#include "parser/parse_utilcmd.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
}

namespace pg_backfill::pg {

using core::DdlCommand;

namespace {

// QueuePartitionConstraintValidation: false when scanrel's validated
// constraints imply constraint; else a plain table is scanned (true) and a
// partitioned one recurses to its partitions, each judged by its own
// constraints. PG regime.
bool
PartitionScanNeeded(Relation scanrel, List *constraint) {
	check_stack_depth();
	if (PartConstraintImpliedByRelConstraint(scanrel, constraint))
		return false;
	if (scanrel->rd_rel->relkind == RELKIND_RELATION)
		return true;
	if (scanrel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		return false;
	PartitionDesc partdesc = RelationGetPartitionDesc(scanrel, true);
	for (int i = 0; i < partdesc->nparts; i++) {
		Relation part = relation_open(partdesc->oids[i], AccessShareLock);
		List *mapped = map_partition_varattnos(constraint, 1, part, scanrel);
		bool needed = PartitionScanNeeded(part, mapped);
		relation_close(part, AccessShareLock);
		if (needed)
			return true;
	}
	return false;
}

// AttachPartitionEnsureIndexes: each partitioned index of parent must match
// (CompareIndexInfo: columns, expressions, predicate, operator families,
// collations; a constraint index needs a constraint index) a distinct valid
// index of attachrel that is not yet a partition of another index; else
// PostgreSQL builds it. Returns the quoted names of the parent's indexes
// that would be built ("a, b"), or nullptr. PG regime.
const char *
MissingPartitionIndexes(Relation parent, Relation attachrel, const char **sql) {
	*sql = "";
	// A foreign table gets no indexes (a unique one is an error instead).
	if (attachrel->rd_rel->relkind == RELKIND_FOREIGN_TABLE)
		return nullptr;
	List *attach_idxs = RelationGetIndexList(attachrel);
	int n = list_length(attach_idxs);
	Relation *arels = (Relation *)palloc0(sizeof(Relation) * (n + 1));
	IndexInfo **ainfos = (IndexInfo **)palloc0(sizeof(IndexInfo *) * (n + 1));
	bool *used = (bool *)palloc0(sizeof(bool) * (n + 1));
	int i = 0;
	ListCell *lc;
	foreach (lc, attach_idxs) {
		arels[i] = index_open(lfirst_oid(lc), AccessShareLock);
		ainfos[i] = BuildIndexInfo(arels[i]);
		i++;
	}
	AttrMap *attmap = build_attrmap_by_name(RelationGetDescr(attachrel), RelationGetDescr(parent));
	StringInfoData names;
	initStringInfo(&names);
	StringInfoData stmts;
	initStringInfo(&stmts);
	foreach (lc, RelationGetIndexList(parent)) {
		Oid idx = lfirst_oid(lc);
		Relation idxrel = index_open(idx, AccessShareLock);
		if (idxrel->rd_rel->relkind != RELKIND_PARTITIONED_INDEX) {
			index_close(idxrel, AccessShareLock);
			continue;
		}
		IndexInfo *info = BuildIndexInfo(idxrel);
		Oid constraint = get_relation_idx_constraint_oid(RelationGetRelid(parent), idx);
		bool found = false;
		for (i = 0; i < n && !found; i++) {
			if (used[i] || arels[i]->rd_rel->relispartition || !arels[i]->rd_index->indisvalid)
				continue;
			if (!CompareIndexInfo(ainfos[i], info, arels[i]->rd_indcollation, idxrel->rd_indcollation,
			                      arels[i]->rd_opfamily, idxrel->rd_opfamily, attmap))
				continue;
			if (OidIsValid(constraint) &&
			    !OidIsValid(get_relation_idx_constraint_oid(RelationGetRelid(attachrel), RelationGetRelid(arels[i]))))
				continue;
			used[i] = found = true;
		}
		if (!found) {
			if (names.len > 0)
				appendStringInfoString(&names, ", ");
			appendStringInfoString(&names, quote_identifier(RelationGetRelationName(idxrel)));
			// The parent's definition from " USING " on (method, columns by
			// name, operator classes, collations, predicate) on the partition.
			const char *def = pg_get_indexdef_string(idx);
			const char *using_ = strstr(def, " USING ");
			if (using_ != nullptr)
				appendStringInfo(&stmts, "%sCREATE %sINDEX CONCURRENTLY ON %s%s;", stmts.len > 0 ? " " : "",
				                 idxrel->rd_index->indisunique ? "UNIQUE " : "",
				                 QuotedRelationName(RelationGetRelid(attachrel)), using_);
		}
		index_close(idxrel, AccessShareLock);
	}
	for (i = 0; i < n; i++)
		index_close(arels[i], AccessShareLock);
	*sql = stmts.data;
	return names.len > 0 ? names.data : nullptr;
}

// The partition constraint ATExecAttachPartition derives for pc's bound
// (bound qual plus the parent's own partition qual), not yet simplified.
// PG regime.
List *
AttachBoundQual(Relation parent, PartitionCmd *pc) {
	ParseState *pstate = make_parsestate(nullptr);
	PartitionBoundSpec *bound =
	    transformPartitionBound(pstate, parent, (PartitionBoundSpec *)copyObjectImpl(pc->bound));
	return list_concat(get_qual_from_partbound(parent, bound), RelationGetPartitionQual(parent));
}

} // namespace

// ATTACH PARTITION: ATExecAttachPartition's partition constraint, checked
// against the partition's validated constraints (recursing into a
// partitioned partition), plus AttachPartitionEnsureIndexes.
void
AttachPartitionFacts(GuardFinding *g, Relation parent, Relation attachrel, PartitionCmd *pc) {
	core::DdlFacts *f = &g->facts;
	f->object_name = QuotedRelationName(RelationGetRelid(attachrel));
	f->object_raw = pstrdup(RelationGetRelationName(attachrel));
	List *constraint = AttachBoundQual(parent, pc);
	if (constraint == NIL)
		f->bound_implied = true;
	else {
		constraint = (List *)eval_const_expressions(nullptr, (Node *)constraint);
		constraint = (List *)canonicalize_qual((Expr *)constraint, true);
		constraint = list_make1(make_ands_explicit(constraint));
		constraint = map_partition_varattnos(constraint, 1, attachrel, parent);
		f->bound_implied = !PartitionScanNeeded(attachrel, constraint);
		f->object_def = Deparse((Node *)linitial(constraint), attachrel);
	}
	const char *sql = "";
	const char *missing = MissingPartitionIndexes(parent, attachrel, &sql);
	f->index_sql = sql;
	f->missing_indexes = missing != nullptr;
	f->index_names = PStrOrEmpty(missing);
}

// A new partition narrows the DEFAULT partition's constraint: PostgreSQL
// locks the default with AccessExclusiveLock and re-checks it against the
// negated new bound (get_proposed_default_constraint), skipping the scan only
// when its own validated constraints imply that: ATExecAttachPartition
// (QueuePartitionConstraintValidation with validate_default; the bound qual
// there includes the parent's own partition qual) and DefineRelation
// (check_default_partition_contents; the bound qual alone). Appends a
// finding for the default partition. PG regime.
void
DefaultPartitionFacts(const char *tag, Relation parent, PartitionBoundSpec *raw_bound, bool with_parent_qual,
                      Oid partid, const char *part_raw, const char *part_sql, List **findings) {
	if (raw_bound == nullptr || raw_bound->is_default)
		return;
	Oid defid = get_default_oid_from_partdesc(RelationGetPartitionDesc(parent, true));
	if (!OidIsValid(defid) || defid == partid)
		return;
	GuardFinding *g = NewFinding(DdlCommand::kAttachPartition, tag, defid, AccessExclusiveLock);
	g->facts.default_partition = true;
	g->facts.other_relation = part_raw;
	g->facts.other_relation_sql = part_sql;
	Relation defrel = relation_open(defid, AccessShareLock);
	ParseState *pstate = make_parsestate(nullptr);
	PartitionBoundSpec *bound =
	    transformPartitionBound(pstate, parent, (PartitionBoundSpec *)copyObjectImpl(raw_bound));
	List *qual = get_qual_from_partbound(parent, bound);
	if (with_parent_qual)
		qual = list_concat(qual, RelationGetPartitionQual(parent));
	List *constraint = get_proposed_default_constraint(qual);
	constraint = map_partition_varattnos(constraint, 1, defrel, parent);
	g->facts.bound_implied = !PartitionScanNeeded(defrel, constraint);
	g->facts.object_def = Deparse((Node *)make_ands_explicit(constraint), defrel);
	relation_close(defrel, AccessShareLock);
	*findings = lappend(*findings, g);
}

void
CollectCreatePartitionFacts(GuardedStatement *guarded, List **findings) {
	CreateStmt *stmt = (CreateStmt *)guarded->parsetree;
	if (stmt->partbound == nullptr || list_length(stmt->inhRelations) != 1)
		return;
	// IF NOT EXISTS naming an existing table does nothing.
	if (stmt->if_not_exists && OidIsValid(RangeVarGetRelid(stmt->relation, NoLock, true)))
		return;
	Oid parentid = StatementRelid(guarded);
	if (!OidIsValid(parentid) || get_rel_relkind(parentid) != RELKIND_PARTITIONED_TABLE)
		return;
	Relation parent = relation_open(parentid, AccessShareLock);
	DefaultPartitionFacts("CREATE TABLE ... PARTITION OF", parent, stmt->partbound, false, InvalidOid,
	                      pstrdup(stmt->relation->relname), quote_identifier(stmt->relation->relname), findings);
	relation_close(parent, AccessShareLock);
}

} // namespace pg_backfill::pg
