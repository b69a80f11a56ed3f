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
InitDynamicWorker(BackgroundWorker *worker, const char *function_name, const char *type, const char *name_format, ...) {
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

namespace {

// Why no worker can run a job with these roles, as a clause for messages
// ("its login role "x" cannot log in", "its owner (OID n) no longer
// exists"), or nullptr when one can. *dropped says whether the role in
// question no longer exists. Needs a transaction. Never errors.
const char *
JobRoleProblem(Oid login_role, Oid owner, bool *dropped) {
	*dropped = false;
	const char *login_name = GetUserNameFromId(login_role, true);
	if (login_name == nullptr) {
		*dropped = true;
		return psprintf("its login role (OID %u) no longer exists", login_role);
	}
	if (!RoleCanLogIn(login_role))
		return psprintf("its login role \"%s\" cannot log in", login_name);
	if (GetUserNameFromId(owner, true) == nullptr) {
		*dropped = true;
		return psprintf("its owner (OID %u) no longer exists", owner);
	}
	return nullptr;
}

} // namespace

void
CheckJobCanRun(int64 job_id, Oid login_role, Oid owner) {
	bool dropped;
	const char *problem = JobRoleProblem(login_role, owner, &dropped);
	if (problem == nullptr)
		return;
	if (dropped)
		ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
		                errmsg("no worker can run backfill job " INT64_FORMAT ": %s", job_id, problem),
		                errdetail("A job's worker connects as the role whose session started the job and runs its "
		                          "batches as the role that started it; a dropped role cannot be restored."),
		                errhint("Cancel the job with cancel_backfill(" INT64_FORMAT
		                        "), then start a new one if the column still needs it.",
		                        job_id)));
	ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
	                errmsg("no worker can run backfill job " INT64_FORMAT ": %s", job_id, problem),
	                errdetail("A job's worker connects as the role whose session started the job."),
	                errhint("Grant role \"%s\" LOGIN again, or cancel the job with cancel_backfill(" INT64_FORMAT ").",
	                        GetUserNameFromId(login_role, false), job_id)));
}

bool
RegisterJobWorker(int64 job_id, Oid login_role, Oid owner) {
	BackgroundWorker worker;
	InitDynamicWorker(&worker, "pg_backfill_job_worker_main", kJobWorkerType,
	                  "pg_backfill worker for job " INT64_FORMAT, job_id);
	JobWorkerParams params = {MyDatabaseId, login_role, owner, job_id};
	memcpy(worker.bgw_extra, &params, sizeof(params));
	return RegisterDynamicBackgroundWorker(&worker, nullptr);
}

bool
LaunchJobWorker(int64 job_id, Oid login_role, Oid owner) {
	CheckJobCanRun(job_id, login_role, owner);
	return RegisterJobWorker(job_id, login_role, owner);
}

int
LaunchWaitingJobs(bool *jobs_left_waiting, bool leave_requested) {
	int64 *job_ids;
	Oid *login_roles;
	Oid *owners;
	int n = ListWaitingJobs(&job_ids, &login_roles, &owners, leave_requested);
	int free_slots = CountFreeWorkerSlots();
	int launched = 0;
	*jobs_left_waiting = false;
	for (int i = 0; i < n; i++) {
		if (JobHasWorker(job_ids[i]))
			continue;
		bool dropped;
		const char *problem = JobRoleProblem(login_roles[i], owners[i], &dropped);
		if (problem != nullptr) {
			ereport(WARNING, (errmsg("no worker can run backfill job " INT64_FORMAT ": %s", job_ids[i], problem)));
			continue;
		}
		if (launched >= free_slots || !RegisterJobWorker(job_ids[i], login_roles[i], owners[i])) {
			*jobs_left_waiting = true;
			break;
		}
		launched++;
	}
	return launched;
}

} // namespace pg_backfill::pg
