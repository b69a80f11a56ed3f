// Launching job workers at commit (commit_launch.hpp), with a transaction
// callback and a subtransaction callback registered on first use in each
// backend. What may fail (reading the jobs, counting free slots) runs at
// XACT_EVENT_PRE_COMMIT, while an error still aborts the transaction; at
// XACT_EVENT_COMMIT, when the rows are visible to others, only workers are
// registered, which never errors.
#include "pg/jobs/commit_launch.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

#include "core/job_state.hpp"
#include "pg/jobs/job_locks.hpp"
#include "pg/jobs/job_table.hpp"
#include "pg/jobs/launcher.hpp"
#include "pg/jobs/settings.hpp"
#include "pg/jobs/worker_launch.hpp"

namespace pg_backfill::pg {

namespace {

// What commit does for a noted job, decided at pre-commit.
enum class Decision { Skip, Launch, WaitForSlot };

// One job noted for a worker at commit.
struct PendingLaunch {
	int64 job_id;
	Oid login_role;
	Oid owner;
	SubTransactionId subid; // the subtransaction that noted it (its parent's, once it commits)
	Decision decision;
};

// The notes of the current transaction, in TopMemoryContext.
PendingLaunch *pending = nullptr;
int npending = 0;
int capacity = 0;
bool callbacks_registered = false;

// Decides at pre-commit which noted jobs get a worker: those that still want
// one (not paused or cancelled later in the transaction), oldest first, up
// to the free worker slots. May ereport(ERROR).
void
DecideLaunches() {
	if (!OidIsValid(get_extension_oid("pg_backfill", true))) {
		npending = 0; // dropped later in the transaction, with its jobs
		return;
	}
	int free_slots = CountFreeWorkerSlots();
	for (int i = 0; i < npending; i++) {
		JobRow row;
		bool wants = LoadJob(pending[i].job_id, JobAccess::AsExtensionOwner, false, &row) &&
		             core::WantsWorker(row.state) && !JobHasWorker(pending[i].job_id);
		for (int j = 0; j < i && wants; j++)
			wants = pending[j].job_id != pending[i].job_id; // noted twice (resumed again)
		if (!wants)
			pending[i].decision = Decision::Skip;
		else if (free_slots > 0) {
			// Seen by the slot hand-off as soon as this commits, before the
			// worker holds the job lock: it must not register a second one.
			MarkWorkerRequested(pending[i].job_id);
			pending[i].decision = Decision::Launch;
			free_slots--;
		} else
			pending[i].decision = Decision::WaitForSlot;
	}
}

// Registers the workers decided at pre-commit; a job left without a slot is
// noted for the hand-off (and logged, as a worker that finds no slot logs
// it). Never errors: a worker that cannot be registered leaves its job
// queued, with a WARNING.
void
LaunchDecided() {
	for (int i = 0; i < npending; i++) {
		if (pending[i].decision == Decision::WaitForSlot) {
			NoteJobsWaiting();
			ereport(LOG, (errmsg("backfill job " INT64_FORMAT " waits for a free worker slot", pending[i].job_id),
			              errdetail("All %d slots (pg_backfill.max_workers) are taken.", guc_max_workers)));
		}
		if (pending[i].decision != Decision::Launch ||
		    RegisterJobWorker(pending[i].job_id, pending[i].login_role, pending[i].owner))
			continue;
		NoteJobsWaiting();
		ereport(WARNING, (errmsg("could not start a worker for backfill job " INT64_FORMAT, pending[i].job_id),
		                  errdetail("The job stays queued until a background worker slot is free."),
		                  errhint("Increase max_worker_processes, then call resume_backfill or wait_backfill.")));
	}
}

void
AtXactEvent(XactEvent event, void *) {
	if (npending == 0)
		return;
	switch (event) {
	case XACT_EVENT_PRE_COMMIT:
		// No statement is running any more: the job-table reads need a snapshot.
		PushActiveSnapshot(GetTransactionSnapshot());
		DecideLaunches();
		PopActiveSnapshot();
		return;
	case XACT_EVENT_COMMIT:
		LaunchDecided();
		npending = 0;
		return;
	case XACT_EVENT_PRE_PREPARE:
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("cannot PREPARE a transaction that started or resumed a backfill job"),
		                errdetail("A job's worker starts when the transaction that started or resumed the job "
		                          "commits; a prepared transaction commits later, with COMMIT PREPARED."),
		                errhint("Start or resume backfill jobs in a transaction that is not prepared.")));
	default: // aborts, prepare
		npending = 0;
		return;
	}
}

// Notes of a subtransaction that rolls back go with it; those of one that
// commits belong to its parent.
void
AtSubXactEvent(SubXactEvent event, SubTransactionId subid, SubTransactionId parent_subid, void *) {
	if (event == SUBXACT_EVENT_ABORT_SUB) {
		int kept = 0;
		for (int i = 0; i < npending; i++)
			if (pending[i].subid != subid)
				pending[kept++] = pending[i];
		npending = kept;
	} else if (event == SUBXACT_EVENT_COMMIT_SUB) {
		for (int i = 0; i < npending; i++)
			if (pending[i].subid == subid)
				pending[i].subid = parent_subid;
	}
}

} // namespace

void
LaunchAtCommit(int64 job_id, Oid login_role, Oid owner) {
	if (!callbacks_registered) {
		RegisterXactCallback(AtXactEvent, nullptr);
		RegisterSubXactCallback(AtSubXactEvent, nullptr);
		callbacks_registered = true;
	}
	if (npending == capacity) {
		int new_capacity = capacity == 0 ? 8 : capacity * 2;
		pending = pending == nullptr
		              ? (PendingLaunch *)MemoryContextAlloc(TopMemoryContext, sizeof(PendingLaunch) * new_capacity)
		              : (PendingLaunch *)repalloc(pending, sizeof(PendingLaunch) * new_capacity);
		capacity = new_capacity;
	}
	pending[npending++] = {job_id, login_role, owner, GetCurrentSubTransactionId(), Decision::Skip};
}

} // namespace pg_backfill::pg
