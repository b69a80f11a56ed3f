// The job access rule (job_access.hpp) and its SQL face,
// backfill.may_control_job(owner, relid), which the row-level security
// policy on backfill.jobs calls for every row.
#include "pg/jobs/job_access.hpp"

#include "pg/jobs/job_table.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(pg_backfill_may_control_job);
Datum pg_backfill_may_control_job(PG_FUNCTION_ARGS);
}

namespace pg_backfill::pg {

bool
MayControlJob(Oid owner, Oid relid) {
	Oid user = GetUserId();
	if (user == owner || superuser_arg(user))
		return true;
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	Oid relowner = ((Form_pg_class)GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return has_privs_of_role(user, relowner);
}

// ereports 42710 when another job is active on relid.attnum. Serialises
// callers on the column until the transaction ends (a transaction-level
// advisory lock), so two concurrent starts cannot both pass.
void
CheckColumnFree(Oid relid, AttrNumber attnum, const char *column) {
	LOCKTAG tag;
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, relid, (uint32)attnum, 6);
	(void)LockAcquire(&tag, ExclusiveLock, false, false);
	int64 active = FindActiveJob(relid, attnum);
	if (active != 0)
		ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
		                errmsg("backfill job " INT64_FORMAT " is already active on column \"%s\" of table \"%s\"",
		                       active, column, get_rel_name(relid)),
		                errhint("Wait for it with wait_backfill, or cancel it with cancel_backfill.")));
}

// The job job_id if the caller may see and control it (MayControlJob,
// the rule the row-level security policy applies too), else 42704: a job
// the caller may not see does not exist for it.
void
LoadVisibleJob(int64 job_id, JobRow *row) {
	if (!LoadJob(job_id, JobAccess::AsExtensionOwner, false, row) || !MayControlJob(row->owner, row->relid))
		ereport(ERROR,
		        (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("backfill job " INT64_FORMAT " does not exist", job_id)));
}

} // namespace pg_backfill::pg

// backfill.may_control_job(owner oid, relid oid) RETURNS boolean, STRICT.
Datum
pg_backfill_may_control_job(PG_FUNCTION_ARGS) {
	PG_RETURN_BOOL(pg_backfill::pg::MayControlJob(PG_GETARG_OID(0), PG_GETARG_OID(1)));
}
