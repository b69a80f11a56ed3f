#include "pg/worker_launch.hpp"

#include <cstdarg>

extern "C" {
#include "access/transam.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
}

#include "pg/job_locks.hpp"
#include "pg/job_table.hpp"

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
LaunchJobWorker(int64 job_id, Oid login_role, Oid owner, TransactionId creator_xid) {
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
		if (launched >= free_slots || !LaunchJobWorker(job_ids[i], login_roles[i], owners[i], InvalidTransactionId)) {
			*jobs_left_waiting = true;
			break;
		}
		launched++;
	}
	return launched;
}

} // namespace pg_backfill::pg
