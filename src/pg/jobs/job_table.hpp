// Access to backfill.jobs through SPI. Callers check permissions first; then
// reads run either as the caller (row-level security hides other roles' jobs)
// or as the extension owner, and writes always run as the extension owner
// (SetUserIdAndSecContext with SECURITY_LOCAL_USERID_CHANGE, pg_cron's
// pattern), because nobody else has write grants on the table. Every
// statement runs with search_path = pg_catalog, pg_temp. All functions need
// a transaction and connect to SPI themselves; all are PG regime and may
// ereport(ERROR).
#pragma once

extern "C" {
#include "postgres.h"
#include "access/attnum.h"
#include "datatype/timestamp.h"
}

#include "core/job_options.hpp"
#include "core/job_phase.hpp"
#include "core/job_state.hpp"

namespace pg_backfill::pg {

enum class JobAccess { AsCaller, AsExtensionOwner };

// The finishing steps asked for a job (finish_backfill). NULL / InvalidOid /
// false: not asked. Expressions are deparsed fully qualified; names are the
// ones chosen when the steps were asked for.
struct FinishSpec {
	char *default_sql;    // SET DEFAULT
	char *not_null_check; // SET NOT NULL through this NOT VALID check
	char *check_sql;      // CHECK constraint
	char *check_name;
	Oid foreign_key;               // FOREIGN KEY REFERENCES this table's
	AttrNumber foreign_key_column; // column
	char *foreign_key_name;
	char *index_name; // CREATE [UNIQUE] INDEX CONCURRENTLY, in the table's schema
	bool index_unique;
	bool drop_sync; // DROP TRIGGER of the job's sync trigger
};

// The core's plan of the finishing steps of spec. Never errors.
core::FinishPlan PlanOf(const FinishSpec *spec);

// One job row, allocated in the memory context current at the call.
struct JobRow {
	int64 job_id;
	Oid relid;
	AttrNumber attnum;
	char *column_name;
	char *expression_sql;
	Oid key_index; // the index whose first nkeys columns are key_columns
	int nkeys;
	char **key_columns;
	bool tid_walk; // strategy 'tid': blocks in TID ranges, keys are ctids
	bool only_null;
	core::JobOptions options; // unset: follow the GUC
	core::JobState state;
	Oid owner;
	Oid login_role;
	char *search_path; // what start_backfill saw (a record: batches run with kJobSearchPath)
	int ncheckpoint;   // 0: none (the pass starts from the beginning)
	char **checkpoint; // the walk's last key, or in a sweep the last skipped key visited
	int nend_key;      // 0: not captured yet
	char **end_key;    // the largest key when the walk started
	core::JobPhase phase;
	int32 sweeps;         // sweep rounds finished
	Oid partition;        // the leaf partition being walked, or InvalidOid
	int npartitions_done; // leaf partitions walked to the end
	Oid *partitions_done;
	int64 rows_done;
	int64 rows_estimated; // -1: unknown
	int32 worker_pid;     // 0: none recorded
	bool has_table_generation;
	int64 table_generation; // core::TableGeneration when the checkpoint was written
	int32 worker_starts;    // worker runs at the current checkpoint that did not end cleanly (incl. one running)
	TransactionId xmin;     // of the row version read
	bool has_started_at;
	TimestampTz started_at;
	TimestampTz updated_at;
	char *last_error_sqlstate; // NULL: none
	char *last_error_message;
	char *failed_key_range; // NULL: none; for a failed finishing step, the error's DETAIL
	FinishSpec finish;      // none at a 0.1 job table
};

// The values start_backfill inserts.
struct NewJob {
	Oid relid;
	const char *column_name;
	AttrNumber attnum;
	const char *expression;
	const char *expression_sql;
	Oid key_index; // InvalidOid with tid_walk
	int nkeys;
	const char *const *key_columns;
	bool tid_walk;
	bool only_null;
	core::JobOptions options; // checked by core::CheckJobOptions
	Oid owner;
	Oid login_role;
	const char *search_path;
	int64 rows_estimated; // -1: unknown
};

// Reads job_id into *row; false when it does not exist (or, AsCaller, is not
// visible to the caller). for_update locks the row until the transaction ends.
// Like every write below, goes straight to the row version this process read
// or wrote last when that is still the current one (its cost does not grow
// with the row's dead versions), else through the key index.
bool LoadJob(int64 job_id, JobAccess access, bool for_update, JobRow *row);

// Inserts a queued job and returns its id.
int64 InsertJob(const NewJob *job);

// The id of the active (queued, running or paused) job on relid.attnum, or 0.
int64 FindActiveJob(Oid relid, AttrNumber attnum);

// Sets the state of a job after a user command. Terminal states set
// finished_at, others clear it; leaving running clears worker_pid; queued
// (resume) clears the last error; every command clears worker_starts.
void SetJobState(int64 job_id, core::JobState state);

// The worker took the job: state running, started_at (first time),
// worker_pid, and one more worker_starts. Commits synchronously with the
// transaction (synchronous_commit = on), so a crash right after cannot lose
// the count.
void MarkJobStarted(int64 job_id, int32 worker_pid);

// What one committed batch changes in its job row.
struct BatchRecord {
	int nkeys;
	const char *const *checkpoint;     // where the next batch of the pass starts; NULL: at the beginning
	const char *const *end_key;        // the walk's end; NULL: none (captured at the next walk batch)
	int64 rows_done;                   // rows the batch covered
	int64 rows_updated;                // rows it changed
	int64 rows_skipped;                // keys it recorded as skipped (RecordSkippedKeys)
	int64 rows_swept;                  // skipped keys it filled and forgot
	int64 rows_estimated;              // a new estimate of the job's rows; 0: keep the one recorded
	core::JobPhase phase;              // the phase of the next batch
	bool sweep_ended;                  // the batch ended a sweep round (counted in sweeps)
	int64 table_generation;            // the table's generation the batch ran against
	bool restarted;                    // the walk started over because the generation changed
	Oid partition;                     // the leaf partition walked (InvalidOid: the table itself)
	bool partition_done;               // the batch ended the walk of that leaf
	const core::JobState *final_state; // not NULL for the job's last batch
};

// Records a committed batch in the batch's own transaction: *record, the
// counters, worker_starts = 1 (this run, now at the new checkpoint; 0 once
// the job left running), and, for the last batch, the job's final state --
// unless a user command moved the job out of running during the batch (the
// batch's rows and checkpoint are kept; the command's state stays). Takes the
// job row's lock, so it waits for a command's transaction under the batch's
// lock_timeout.
void RecordBatch(int64 job_id, const BatchRecord *record);

// Adds n skipped keys (keys: n * nkeys text values, key after key) to the
// job's skipped keys; a key already recorded stays once.
void RecordSkippedKeys(int64 job_id, int nkeys, int n, const char *const *keys);

// Up to `limit` of the job's skipped keys after `after` (NULL: from the
// first), in a fixed order, into *keys (n * nkeys values); returns n.
int LoadSkippedKeys(int64 job_id, int nkeys, const char *const *after, int limit, char ***keys);

// Forgets one skipped key (filled, or gone from the table).
void ForgetSkippedKey(int64 job_id, int nkeys, const char *const *key);

// The number of skipped keys the job still has.
int64 CountSkippedKeys(int64 job_id);

// Replaces the job's finishing steps.
void SetFinishSpec(int64 job_id, const FinishSpec *spec);

// Sets the job's phase (a finish_backfill of a succeeded job, a failed
// finishing step that dropped what it made).
void SetJobPhase(int64 job_id, core::JobPhase phase);

// A finishing step committed (in the step's last transaction): the job goes
// on at *next, or, with next NULL, succeeds -- unless a user command moved
// it out of running meanwhile. worker_starts as RecordBatch.
void RecordFinishingStep(int64 job_id, const core::JobPhase *next);

// Counts one lock timeout.
void RecordLockTimeout(int64 job_id);

// The job ended with an error while queued or running: state (failed or
// paused), SQLSTATE, message and the failing key range (may be NULL); clears
// worker_pid and worker_starts. Does nothing if a user command moved the job
// out of queued and running meanwhile.
void RecordJobError(int64 job_id, core::JobState state, const char *sqlstate, const char *message,
                    const char *key_range);

// The jobs of this database that want a worker (queued or running), oldest
// first, as parallel arrays in the current memory context. leave_requested:
// without those whose worker a commit registered less than 5 s ago and that
// have not been started since (MarkWorkerRequested).
int ListWaitingJobs(int64 **job_ids, Oid **login_roles, Oid **owners, bool leave_requested);

// True when the database's job table is the version this library was built
// for; at an older one (a database not yet ALTER EXTENSION ... UPDATEd) jobs
// run without what needs the newer table (skipping locked rows, sweeps,
// ending at the end key, crash-loop and truncation detection). Needs a
// transaction. Never errors but for catalog access.
bool JobTableIsCurrent();

// Records that the committing transaction registers a worker for job_id
// (worker_requested_at): ListWaitingJobs(leave_requested) leaves the job out
// for the next 5 s, while that worker starts and takes the job lock. Does
// nothing at a 0.1 job table.
void MarkWorkerRequested(int64 job_id);

// The role the job table's writes run as: the extension's owner (a
// superuser; the extension is superuser-only). ereports 42704 if the
// extension is missing.
Oid JobTableWriter();

// Replaces the job's options (batch_size, lock_timeout, batch_delay, pace,
// target_latency_ratio; unset ones become NULL: follow the GUC).
void SetJobOptions(int64 job_id, const core::JobOptions &options);

// One interval of the pacing controller's history (backfill.pace_history).
struct PaceRecord {
	double seconds; // the interval's length
	int32 batches;
	int64 rows;
	int32 batch_size; // the decision at the interval's end
	int64 pause_ms;
	double duty;
	const char *reason; // as shown, e.g. "app p99 2.4x baseline"
	bool has_app_latency;
	double app_p99_ms;
	double app_baseline_p99_ms;
	double app_tps;
	double wal_bytes_per_s;
};

// Inserts one history row, as the extension owner.
void RecordPace(int64 job_id, const PaceRecord *record);

// "batch N rows, pause M ms, held back by: R" from the job's latest history
// row (as the caller: row-level security applies), or NULL.
char *DescribeLatestPace(int64 job_id);

// Milliseconds of an interval (a month counts 30 days), saturated at the
// int64 limits. Never errors, never overflows.
int64 IntervalToMs(const Interval *interval);

} // namespace pg_backfill::pg
