-- The worker's reads and updates of its own job row (several a batch) go to
-- the row version it wrote last, not through the key index. While anything
-- holds back the xmin horizon, every batch's update leaves one more version
-- of the row that cannot be pruned, and through the index each access
-- visited all of them: each batch cost more than the one before. Here
-- wait_backfill's own statement holds the horizon for the whole job (a
-- statement's snapshot does); the job's 300 batches then scan backfill.jobs'
-- key index a few times at most (before: at least three times per batch).
CREATE EXTENSION pg_backfill;
\i sql/helpers/wait_for.sql
CREATE TABLE versions (id integer PRIMARY KEY, v integer NOT NULL, w integer);
INSERT INTO versions SELECT g, g FROM generate_series(1, 3000) g;
SELECT wait_for('(SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = ''pg_backfill worker'')');
SELECT pg_stat_force_next_flush();
SELECT idx_scan AS scans_before FROM pg_stat_all_indexes WHERE indexrelid = 'backfill.jobs_pkey'::regclass \gset
BEGIN;
SELECT start_backfill('versions', 'w', 'v * 2', batch_size => 10, batch_delay => '0') AS job \gset
SELECT alter_backfill(:job, pace => 'off');
COMMIT;
SELECT wait_backfill(:job);
SELECT batches_done FROM backfill_status(:job);
SELECT count(*) AS wrong FROM versions WHERE w IS DISTINCT FROM v * 2;
-- The worker's counters reach the statistics when it exits.
SELECT wait_for('(SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = ''pg_backfill worker'')');
SELECT pg_stat_force_next_flush();
SELECT wait_for(format('(SELECT idx_scan - %s < 30 FROM pg_stat_all_indexes
                         WHERE indexrelid = ''backfill.jobs_pkey''::regclass)', :scans_before))
       AS few_index_scans;

-- Another session's update of the row (pause, resume, alter) moves it to a
-- version the worker has not seen: the worker then finds the row through
-- the index and goes on.
UPDATE versions SET w = NULL;
BEGIN;
SELECT start_backfill('versions', 'w', 'v * 2', batch_size => 10, batch_delay => '5 ms') AS job \gset
SELECT alter_backfill(:job, pace => 'off');
COMMIT;
SELECT wait_for(format('(SELECT batches_done >= 5 FROM backfill_status(%s))', :job));
SELECT alter_backfill(:job, batch_delay => '0');
SELECT wait_backfill(:job);
SELECT count(*) AS wrong FROM versions WHERE w IS DISTINCT FROM v * 2;
SELECT state, batch_delay FROM backfill.jobs WHERE job_id = :job;

DROP TABLE versions;
DROP FUNCTION wait_for(text);
DROP EXTENSION pg_backfill;
