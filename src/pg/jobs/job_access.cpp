// The job access rule (job_access.hpp) and its SQL face,
// backfill.may_control_job(owner, relid), which the row-level security
// policy on backfill.jobs calls for every row.
#include "pg/jobs/job_access.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
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

} // namespace pg_backfill::pg

// backfill.may_control_job(owner oid, relid oid) RETURNS boolean, STRICT.
Datum
pg_backfill_may_control_job(PG_FUNCTION_ARGS) {
	PG_RETURN_BOOL(pg_backfill::pg::MayControlJob(PG_GETARG_OID(0), PG_GETARG_OID(1)));
}
