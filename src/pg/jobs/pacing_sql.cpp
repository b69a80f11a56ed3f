// alter_backfill(job_id, batch_size, batch_delay, lock_timeout, pace,
// target_latency_ratio, reset): retunes a job, effective at its next batch.
// The job's worker re-reads its options before every batch; at commit this
// backend sends the worker SIGHUP, whose handler ends the worker's pause
// (worker.cpp, Sleep), so a long pause or batch_delay does not delay the new
// settings. PG regime; the core is called directly only where noexcept with
// trivially destructible values (boundary.hpp).
extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include <signal.h>

PG_FUNCTION_INFO_V1(pg_backfill_alter_backfill);
Datum pg_backfill_alter_backfill(PG_FUNCTION_ARGS);
}

#include "core/job_options.hpp"
#include "core/job_state.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/pacing_sql.hpp"
#include "pg/jobs/settings.hpp"

namespace core = pg_backfill::core;
namespace bf = pg_backfill::pg;

namespace {

// Argument positions of alter_backfill.
enum AlterArg { kArgJobId, kArgBatchSize, kArgBatchDelay, kArgLockTimeout, kArgPace, kArgRatio, kArgReset };

// Worker pids to signal when this transaction commits (a handful at most).
constexpr int kMaxPendingWakes = 16;
int pending_wakes[kMaxPendingWakes];
int npending_wakes = 0;
bool callback_registered = false;

// At commit, SIGHUP the workers of the jobs this transaction altered (they
// then reload and start their next batch with the committed options); at
// abort, forget them. A pid that no longer belongs to a PostgreSQL process
// is skipped; SIGHUP to any other server process only makes it reload.
void
WakeAlteredWorkers(XactEvent event, void *) {
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT)
		return;
	for (int i = 0; event == XACT_EVENT_COMMIT && i < npending_wakes; i++)
		if (BackendPidGetProc(pending_wakes[i]) != nullptr)
			(void)kill(pending_wakes[i], SIGHUP);
	npending_wakes = 0;
}

void
WakeAtCommit(int32 pid) {
	if (pid <= 0 || npending_wakes == kMaxPendingWakes)
		return;
	if (!callback_registered) {
		RegisterXactCallback(WakeAlteredWorkers, nullptr);
		callback_registered = true;
	}
	pending_wakes[npending_wakes++] = pid;
}

} // namespace

const char *
bf::PaceNoticeSuffix(int64 job_id, bool running) {
	if (!running)
		return "";
	char *pace = DescribeLatestPace(job_id);
	return pace == nullptr ? "" : psprintf("; %s", pace);
}

Datum
pg_backfill_alter_backfill(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(kArgJobId))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("job_id must not be null")));
	int64 job_id = PG_GETARG_INT64(kArgJobId);
	bf::JobRow row;
	// Visible to the caller (row-level security: its own jobs, or a
	// superuser), then locked as the extension owner.
	if (!bf::LoadJob(job_id, bf::JobAccess::AsCaller, false, &row))
		ereport(ERROR,
		        (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("backfill job " INT64_FORMAT " does not exist", job_id)));
	(void)bf::LoadJob(job_id, bf::JobAccess::AsExtensionOwner, true, &row);
	if (row.state == core::JobState::Succeeded || row.state == core::JobState::Cancelled)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("cannot alter backfill job " INT64_FORMAT ": it has already %s", job_id,
		                       row.state == core::JobState::Succeeded ? "succeeded" : "been cancelled")));

	bool reset = !PG_ARGISNULL(kArgReset) && PG_GETARG_BOOL(kArgReset);
	core::JobOptions options = reset ? core::JobOptions{} : row.options;
	if (!PG_ARGISNULL(kArgBatchSize))
		options.batch_size = PG_GETARG_INT32(kArgBatchSize);
	if (!PG_ARGISNULL(kArgBatchDelay))
		options.batch_delay_ms = bf::IntervalToMs(PG_GETARG_INTERVAL_P(kArgBatchDelay));
	if (!PG_ARGISNULL(kArgLockTimeout))
		options.lock_timeout_ms = bf::IntervalToMs(PG_GETARG_INTERVAL_P(kArgLockTimeout));
	if (!PG_ARGISNULL(kArgPace)) {
		core::PaceMode mode;
		char *given = text_to_cstring(PG_GETARG_TEXT_PP(kArgPace));
		if (!core::ParsePaceMode(given, &mode))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid pace \"%s\"", given),
			                errhint("Use \"auto\" or \"off\".")));
		options.pace = mode;
	}
	if (!PG_ARGISNULL(kArgRatio))
		options.target_latency_ratio = PG_GETARG_FLOAT8(kArgRatio);
	bf::CheckJobOptionsOrError(options);
	bf::SetJobOptions(job_id, options);
	if (row.state == core::JobState::Running)
		WakeAtCommit(row.worker_pid);
	PG_RETURN_TEXT_P(cstring_to_text(core::StateName(row.state)));
}
