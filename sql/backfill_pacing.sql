-- Pacing controls: alter_backfill retunes a job at its next batch (also one
-- sleeping through a long batch_delay), its checks and errors, the pacing
-- GUCs, and the pacing columns of backfill_status and backfill_history.
CREATE EXTENSION pg_backfill;
CREATE TABLE pt (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO pt SELECT g, g FROM generate_series(1, 1000) g;
\i sql/helpers/wait_for.sql

-- The GUCs and their defaults.
SHOW pg_backfill.pace;
SHOW pg_backfill.target_latency_ratio;
SHOW pg_backfill.max_pause;
SHOW pg_backfill.max_batch_time;
SHOW pg_backfill.max_active_batch_time;
SHOW pg_backfill.cpu_yield_interval;
SHOW pg_backfill.max_slot_lag;
SHOW pg_backfill.max_cpu_pressure;
SHOW pg_backfill.max_wal_rate;
SHOW pg_backfill.measure_app_latency;
SHOW pg_backfill.finish_cpu_limit;
SET pg_backfill.target_latency_ratio = 1.0;
SET pg_backfill.finish_cpu_limit = 0;
SET pg_backfill.pace = 'fast';

-- A job sleeping an hour after its first batch of 100 rows.
SELECT start_backfill('pt', 'c', 'a', batch_size => 100, batch_delay => '1 h') AS job \gset
SELECT wait_for(format('(SELECT batches_done = 1 FROM backfill.jobs WHERE job_id = %s)', :job));
SELECT state, rows_done, pace FROM backfill_status(:job);
-- Retuned: no pause, batches of 500, unthrottled. The worker's sleep ends
-- when this commits, so wait_backfill does not wait for the hour.
SELECT alter_backfill(:job, batch_size => 500, batch_delay => '0', pace => 'off');
SELECT batch_size, batch_delay, lock_timeout, pace, target_latency_ratio FROM backfill.jobs WHERE job_id = :job;
SELECT wait_backfill(:job);
-- 100, then 500 and 400 rows.
SELECT state, rows_done, batches_done, pace, current_batch_size, current_pause, held_back_by
  FROM backfill_status(:job);
SELECT count(*) FILTER (WHERE c = a) AS filled FROM pt;
-- A finished job cannot be altered.
SELECT alter_backfill(:job, batch_size => 10);

-- Options of a paused job: given ones change, NULL ones stay, reset sends
-- the others back to their GUCs.
UPDATE pt SET c = NULL;
SELECT start_backfill('pt', 'c', 'a', batch_size => 100, batch_delay => '1 h') AS job2 \gset
SELECT wait_for(format('(SELECT batches_done = 1 FROM backfill.jobs WHERE job_id = %s)', :job2));
SELECT pause_backfill(:job2);
SELECT alter_backfill(:job2, lock_timeout => '2 s', target_latency_ratio => 3);
SELECT batch_size, batch_delay, lock_timeout, pace, target_latency_ratio FROM backfill.jobs WHERE job_id = :job2;
SELECT alter_backfill(:job2, target_latency_ratio => 0);
SELECT target_latency_ratio FROM backfill.jobs WHERE job_id = :job2;
SELECT alter_backfill(:job2, pace => 'auto', reset => true);
SELECT batch_size, batch_delay, lock_timeout, pace, target_latency_ratio FROM backfill.jobs WHERE job_id = :job2;
SELECT pace, batch_size FROM backfill_status(:job2);

-- Errors.
\set VERBOSITY terse
SELECT alter_backfill(NULL);
SELECT alter_backfill(-1, batch_size => 10);
SELECT alter_backfill(:job2, batch_size => 0);
SELECT alter_backfill(:job2, batch_delay => '-1 s');
SELECT alter_backfill(:job2, lock_timeout => '0');
SELECT alter_backfill(:job2, pace => 'fast');
SELECT alter_backfill(:job2, target_latency_ratio => 1.0);
SELECT alter_backfill(:job2, target_latency_ratio => 1000);
\set VERBOSITY default
-- Nothing changed by the failed calls.
SELECT batch_size, batch_delay, lock_timeout, pace, target_latency_ratio FROM backfill.jobs WHERE job_id = :job2;

-- Resumed, it finishes with the GUCs' values (paced; no application here).
SELECT resume_backfill(:job2);
SELECT wait_backfill(:job2);
SELECT count(*) FILTER (WHERE c = a) AS filled FROM pt;
-- History rows, if any interval ended, are well-formed.
SELECT count(*) = count(*) FILTER (WHERE batch_size BETWEEN 1 AND 1000 AND pause >= '0' AND reason <> '')
       AS history_ok
  FROM backfill_history(:job2);

DROP FUNCTION wait_for(text);
DROP EXTENSION pg_backfill;
DROP TABLE pt;
