// Starting job workers: one dynamic background worker per running job.
#pragma once

extern "C" {
#include "postgres.h"
#include "postmaster/bgworker.h"
}

namespace pg_backfill::pg {

// pg_stat_activity.backend_type of the job workers.
constexpr const char *kJobWorkerType = "pg_backfill worker";

// What a job worker needs before it can read its job row; copied into
// bgw_extra (a POD of at most BGW_EXTRALEN bytes).
struct JobWorkerParams {
	Oid dboid;
	Oid login_role; // the role the worker connects as
	Oid owner;      // the role the job runs as
	int64 job_id;
};

// Fills *worker for one of the extension's dynamic, never-restarted,
// database-connected workers: entry point `function_name` in pg_backfill,
// pg_stat_activity.backend_type `type`, and `name` (printf-style). Never errors.
void InitDynamicWorker(BackgroundWorker *worker, const char *function_name, const char *type, const char *name_format,
                       ...) pg_attribute_printf(4, 5);

// Whether role `role` exists and may log in: a background worker connects as
// the job's login role, and InitPostgres refuses a role without LOGIN.
// Needs a transaction (syscache). Never errors.
bool RoleCanLogIn(Oid role);

// ereports 28000 when no worker could run job_id: its login role can no
// longer log in or was dropped (every worker would die at connection), or
// its owner was dropped. The hint names a role only if it still exists.
// Needs a transaction. PG regime.
void CheckJobCanRun(int64 job_id, Oid login_role, Oid owner);

// Registers a dynamic worker for job_id in this database, without waiting for
// it to start and without checks. Returns false when no background worker
// slot is free (max_worker_processes). Never errors.
bool RegisterJobWorker(int64 job_id, Oid login_role, Oid owner);

// CheckJobCanRun, then RegisterJobWorker. PG regime.
bool LaunchJobWorker(int64 job_id, Oid login_role, Oid owner);

// Hands free worker slots to this database's jobs that want a worker and
// have none, oldest first. Needs a transaction. Returns how many workers it
// registered; *jobs_left_waiting says whether some waiting job got none.
// leave_requested (a worker's hand-off): a job whose worker a commit has
// just registered (MarkWorkerRequested) is left to that worker; the
// launcher's scanner, which also runs after a crash, passes false. PG regime.
int LaunchWaitingJobs(bool *jobs_left_waiting, bool leave_requested = true);

} // namespace pg_backfill::pg
