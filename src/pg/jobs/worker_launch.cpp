#include "pg/jobs/worker_launch.hpp"

#include <cstdarg>

extern "C" {
#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "utils/syscache.h"
}

#include "pg/jobs/job_locks.hpp"
#include "pg/jobs/job_table.hpp"

static_assert(sizeof(pg_backfill::pg::JobWorkerParams) <= BGW_EXTRALEN, "JobWorkerParams must fit in bgw_extra");

namespace pg_backfill::pg {

void
InitDynamicWorker(BackgroundWorker *worker, const char *function_name, const char *type, const char *name_format,
                  ...) {
	memset(worker, 0, sizeof(*worker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "pg_backfill");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function_name);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", type);
	va_list args;
	va_start(args, name_format);
	vsnprintf(worker->bgw_name, BGW_MAXLEN, name_format, args);
	va_end(args);
}

bool
RoleCanLogIn(Oid role) {
	HeapTuple tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	if (!HeapTupleIsValid(tuple))
		return false;
	bool can_login = ((Form_pg_authid)GETSTRUCT(tuple))->rolcanlogin;
	ReleaseSysCache(tuple);
	return can_login;
}

// "role "x" cannot log in" or "role with OID n no longer exists", for
// messages about a job's login role. Needs a transaction.
const char *
LoginRoleProblem(Oid role) {
	const char *name = GetUserNameFromId(role, true);
	if (name == nullptr)
		return psprintf("its login role (OID %u) no longer exists", role);
	return psprintf("its login role \"%s\" cannot log in", name);
}

bool
LaunchJobWorker(int64 job_id, Oid login_role, Oid owner, TransactionId creator_xid) {
	if (!RoleCanLogIn(login_role))
		ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
		                errmsg("no worker can run backfill job " INT64_FORMAT ": %s", job_id,
		                       LoginRoleProblem(login_role)),
		                errdetail("A job's worker connects as the role whose session started the job."),
		                errhint("Grant that role LOGIN again, or cancel the job with cancel_backfill(" INT64_FORMAT
		                        ").",
		                        job_id)));
	BackgroundWorker worker;
	InitDynamicWorker(&worker, "pg_backfill_job_worker_main", "pg_backfill worker",
	                  "pg_backfill worker for job " INT64_FORMAT, job_id);
	JobWorkerParams params = {MyDatabaseId, login_role, owner, job_id, creator_xid};
	memcpy(worker.bgw_extra, &params, sizeof(params));
	return RegisterDynamicBackgroundWorker(&worker, nullptr);
}

int
LaunchWaitingJobs(bool *jobs_left_waiting) {
	int64 *job_ids;
	Oid *login_roles;
	Oid *owners;
	int n = ListWaitingJobs(&job_ids, &login_roles, &owners);
	int free_slots = CountFreeWorkerSlots();
	int launched = 0;
	*jobs_left_waiting = false;
	for (int i = 0; i < n; i++) {
		if (JobHasWorker(job_ids[i]))
			continue;
		if (!RoleCanLogIn(login_roles[i])) {
			ereport(WARNING, (errmsg("no worker can run backfill job " INT64_FORMAT ": %s", job_ids[i],
			                         LoginRoleProblem(login_roles[i]))));
			continue;
		}
		if (launched >= free_slots || !LaunchJobWorker(job_ids[i], login_roles[i], owners[i], InvalidTransactionId)) {
			*jobs_left_waiting = true;
			break;
		}
		launched++;
	}
	return launched;
}

} // namespace pg_backfill::pg
