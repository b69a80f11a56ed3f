// finish_backfill(job_id, set_not_null, set_default, create_index,
// unique_index, index_name, check_constraint, foreign_key, drop_sync): the
// finishing steps a job's worker runs after the fill (finish_steps.hpp).
// Every input is checked here, at the call, and turned into what the worker
// runs without a search_path: expressions deparsed fully qualified, the
// referenced table by OID, the names of the constraints and the index chosen
// now (ChooseConstraintName, ChooseRelationName). PG regime.
extern "C" {
#include "postgres.h"
#include "access/relation.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "parser/parse_coerce.h"

PG_FUNCTION_INFO_V1(pg_backfill_finish_backfill);
Datum pg_backfill_finish_backfill(PG_FUNCTION_ARGS);
}

#include "core/job_phase.hpp"
#include "core/job_state.hpp"
#include "pg/jobs/commit_launch.hpp"
#include "pg/jobs/expression.hpp"
#include "pg/jobs/job_access.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/sync_trigger.hpp"
#include "pg/jobs/worker_launch.hpp"

namespace core = pg_backfill::core;
namespace bf = pg_backfill::pg;

namespace {

// Argument `arg` as a boolean; 22004 when NULL.
bool
BoolArgument(FunctionCallInfo fcinfo, int arg, const char *name) {
	if (PG_ARGISNULL(arg))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be null", name)));
	return PG_GETARG_BOOL(arg);
}

// Argument `arg` as a C string, or NULL.
char *
TextArgument(FunctionCallInfo fcinfo, int arg) {
	return PG_ARGISNULL(arg) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

// The input type of the operator class of a unique, valid, immediate index
// of rel over exactly column `attnum` without a predicate (what a foreign
// key may reference, and the type its equality operator compares), or
// InvalidOid when there is none.
Oid
UniqueIndexKeyType(Relation rel, AttrNumber attnum) {
	List *indexes = RelationGetIndexList(rel);
	ListCell *lc;
	foreach (lc, indexes) {
		HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		if (!HeapTupleIsValid(tuple))
			continue;
		Form_pg_index index = (Form_pg_index)GETSTRUCT(tuple);
		bool fits = index->indisunique && index->indisvalid && index->indimmediate && index->indnkeyatts == 1 &&
		            index->indkey.values[0] == attnum && heap_attisnull(tuple, Anum_pg_index_indpred, nullptr);
		Oid key_type = InvalidOid;
		if (fits) {
			bool isnull;
			Datum classes = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indclass, &isnull);
			key_type = get_opclass_input_type(((oidvector *)DatumGetPointer(classes))->values[0]);
		}
		ReleaseSysCache(tuple);
		if (OidIsValid(key_type))
			return key_type;
	}
	return InvalidOid;
}

// foreign_key 'table(column)' (the table as the caller's search_path finds
// it now) into the referenced table's OID and column number. 22023 for
// another form, 42P01, 42703, 42830 (no unique index over the column alone),
// 42804 (the job's column, fk_column of type fk_type, cannot be compared with
// it, as PostgreSQL's ADD FOREIGN KEY would refuse), 42501 (REFERENCES
// privilege).
void
ParseForeignKey(const char *text, const char *fk_column, Oid fk_type, Oid *relid, AttrNumber *attnum) {
	const char *open = strrchr(text, '(');
	size_t len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (open == nullptr || len == 0 || text[len - 1] != ')')
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid foreign_key \"%s\"", text),
		                errhint("Write the referenced table and column as 'table(column)'.")));
	char *table = pnstrdup(text, open - text);
	char *column = pnstrdup(open + 1, text + len - 1 - (open + 1));
	List *column_names = stringToQualifiedNameList(column);
	if (list_length(column_names) != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid foreign_key \"%s\"", text),
		                errhint("Write the referenced table and column as 'table(column)'.")));
	RangeVar *range = makeRangeVarFromNameList(stringToQualifiedNameList(table));
	*relid = RangeVarGetRelid(range, AccessShareLock, false);
	const char *column_name = strVal(linitial(column_names));
	*attnum = get_attnum(*relid, column_name);
	if (*attnum <= 0)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("column \"%s\" referenced in foreign key constraint "
		                                                          "does not exist",
		                                                          column_name)));
	AclResult acl = pg_attribute_aclcheck(*relid, *attnum, GetUserId(), ACL_REFERENCES);
	if (acl != ACLCHECK_OK && pg_class_aclcheck(*relid, GetUserId(), ACL_REFERENCES) != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, get_rel_name(*relid));
	Relation referenced = relation_open(*relid, AccessShareLock);
	Oid key_type = UniqueIndexKeyType(referenced, *attnum);
	relation_close(referenced, NoLock);
	if (!OidIsValid(key_type))
		ereport(ERROR, (errcode(ERRCODE_INVALID_FOREIGN_KEY),
		                errmsg("there is no unique constraint matching given keys for referenced table \"%s\"",
		                       get_rel_name(*relid))));
	// The check ADD FOREIGN KEY makes: the referencing column must coerce
	// implicitly to the type the referenced key's equality compares.
	if (!can_coerce_type(1, &fk_type, &key_type, COERCION_IMPLICIT))
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("foreign key cannot be implemented"),
		                errdetail("Key columns \"%s\" and \"%s\" are of incompatible types: %s and %s.", fk_column,
		                          column_name, format_type_be(fk_type), format_type_be(get_atttype(*relid, *attnum)))));
}

// 42710 when rel has a constraint named `name` (a finishing step would
// have added it).
void
RequireNoConstraint(Relation rel, const char *name) {
	if (OidIsValid(get_relation_constraint_oid(RelationGetRelid(rel), name, true)))
		ereport(ERROR,
		        (errcode(ERRCODE_DUPLICATE_OBJECT),
		         errmsg("constraint \"%s\" for relation \"%s\" already exists", name, RelationGetRelationName(rel))));
}

// The finishing steps of the arguments, checked against the job's table.
bf::FinishSpec
FinishSpecFromArguments(FunctionCallInfo fcinfo, const bf::JobRow *row, Relation rel) {
	bf::FinishSpec f;
	memset(&f, 0, sizeof(f));
	bool not_null = BoolArgument(fcinfo, 1, "set_not_null");
	const char *set_default = TextArgument(fcinfo, 2);
	bool create_index = BoolArgument(fcinfo, 3, "create_index");
	bool unique = BoolArgument(fcinfo, 4, "unique_index");
	const char *index_name = PG_ARGISNULL(5) ? nullptr : NameStr(*PG_GETARG_NAME(5));
	const char *check = TextArgument(fcinfo, 6);
	const char *foreign_key = TextArgument(fcinfo, 7);
	bool drop_sync = BoolArgument(fcinfo, 8, "drop_sync");

	const char *relname = RelationGetRelationName(rel);
	Oid nsp = RelationGetNamespace(rel);
	const char *column = get_attname(row->relid, row->attnum, false);
	if (set_default != nullptr)
		f.default_sql = bf::AnalyzeDefaultExpression(rel, row->attnum, set_default);
	if (not_null)
		f.not_null_check = ChooseConstraintName(relname, column, "not_null", nsp, NIL);
	if (check != nullptr) {
		f.check_sql = bf::AnalyzeCheckExpression(rel, check);
		f.check_name = ChooseConstraintName(relname, column, "check", nsp, NIL);
	}
	if (foreign_key != nullptr) {
		ParseForeignKey(foreign_key, column, get_atttype(row->relid, row->attnum), &f.foreign_key,
		                &f.foreign_key_column);
		f.foreign_key_name = ChooseConstraintName(relname, column, "fkey", nsp, NIL);
	}
	for (const char *name : {f.not_null_check, f.check_name, f.foreign_key_name})
		if (name != nullptr)
			RequireNoConstraint(rel, name);
	if (index_name != nullptr && !create_index && !unique)
		ereport(ERROR,
		        (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("index_name is given but no index is asked for"),
		         errhint("Pass create_index => true or unique_index => true.")));
	if (create_index || unique) {
		f.index_unique = unique;
		if (index_name != nullptr && OidIsValid(get_relname_relid(index_name, nsp)))
			ereport(ERROR, (errcode(ERRCODE_DUPLICATE_TABLE), errmsg("relation \"%s\" already exists", index_name)));
		f.index_name = index_name != nullptr ? pstrdup(index_name)
		                                     : ChooseRelationName(relname, column, unique ? "key" : "idx", nsp, false);
	}
	f.drop_sync = drop_sync && bf::JobHasSyncTrigger(row->job_id);
	return f;
}

} // namespace

// finish_backfill(job_id bigint, ...) RETURNS text: the job's state after.
Datum
pg_backfill_finish_backfill(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("job_id must not be null")));
	int64 job_id = PG_GETARG_INT64(0);
	bf::JobRow row;
	bf::LoadVisibleJob(job_id, &row);
	(void)bf::LoadJob(job_id, bf::JobAccess::AsExtensionOwner, true, &row);
	if (row.state == core::JobState::Cancelled || (core::IsFinishingPhase(row.phase) && core::IsActive(row.state)))
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("cannot change the finishing steps of backfill job " INT64_FORMAT ": %s", job_id,
		                       row.state == core::JobState::Cancelled ? "it has been cancelled" : "they have started"),
		                row.state == core::JobState::Cancelled
		                    ? 0
		                    : errdetail("The job is in its \"%s\" phase.", core::PhaseName(row.phase))));
	Relation rel = try_relation_open(row.relid, AccessShareLock);
	if (rel == nullptr)
		ereport(ERROR,
		        (errcode(ERRCODE_UNDEFINED_TABLE),
		         errmsg("relation with OID %u of backfill job " INT64_FORMAT " no longer exists", row.relid, job_id)));
	// The steps are DDL that the worker runs as the job's owner: the caller
	// and the owner must both own the table, as ALTER TABLE requires.
	if (!pg_class_ownercheck(row.relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, RelationGetRelationName(rel));
	if (!pg_class_ownercheck(row.relid, row.owner))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("the owner of backfill job " INT64_FORMAT " must own table \"%s\"", job_id,
		                       RelationGetRelationName(rel)),
		                errdetail("The finishing steps run as the job's owner, role \"%s\".",
		                          GetUserNameFromId(row.owner, true))));
	if (get_attname(row.relid, row.attnum, true) == nullptr)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
		                errmsg("column %d of relation \"%s\" of backfill job " INT64_FORMAT " no longer exists",
		                       row.attnum, RelationGetRelationName(rel), job_id)));
	bf::FinishSpec spec = FinishSpecFromArguments(fcinfo, &row, rel);
	relation_close(rel, NoLock);
	bf::SetFinishSpec(job_id, &spec);

	// A job whose fill is done runs the new steps: a succeeded one is queued
	// again (a failed one runs them when resumed).
	std::optional<core::JobPhase> first = core::FirstFinishingPhase(bf::PlanOf(&spec));
	core::JobState state = row.state;
	if (first && (row.state == core::JobState::Succeeded || core::IsFinishingPhase(row.phase)))
		bf::SetJobPhase(job_id, *first);
	if (first && row.state == core::JobState::Succeeded) {
		bf::CheckColumnFree(row.relid, row.attnum, row.column_name);
		state = core::JobState::Queued;
		bf::SetJobState(job_id, state);
		bf::CheckJobCanRun(job_id, row.login_role, row.owner);
		bf::LaunchAtCommit(job_id, row.login_role, row.owner);
	}
	PG_RETURN_TEXT_P(cstring_to_text(core::StateName(state)));
}
