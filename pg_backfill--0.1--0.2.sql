-- pg_backfill 0.1 -> 0.2
\echo Use "ALTER EXTENSION pg_backfill UPDATE TO '0.2'" to load this file. \quit

-- The job table states the limits the SQL functions check (core/job_options.hpp
-- holds the same numbers), so a row that breaks them cannot exist.
ALTER TABLE backfill.jobs
	ADD CONSTRAINT jobs_attnum_check CHECK (attnum OPERATOR(pg_catalog.>) 0),
	ADD CONSTRAINT jobs_key_columns_check
		CHECK (pg_catalog.cardinality(key_columns) OPERATOR(pg_catalog.>=) 1),
	ADD CONSTRAINT jobs_checkpoint_check
		CHECK (pg_catalog.cardinality(checkpoint) OPERATOR(pg_catalog.=) pg_catalog.cardinality(key_columns)),
	ADD CONSTRAINT jobs_batch_size_check
		CHECK (batch_size OPERATOR(pg_catalog.>=) 1 AND batch_size OPERATOR(pg_catalog.<=) 10000000),
	ADD CONSTRAINT jobs_lock_timeout_check
		CHECK (lock_timeout OPERATOR(pg_catalog.>=) pg_catalog.interval '1 ms'
		       AND lock_timeout OPERATOR(pg_catalog.<=) pg_catalog.interval '2147483647 ms'),
	ADD CONSTRAINT jobs_batch_delay_check
		CHECK (batch_delay OPERATOR(pg_catalog.>=) pg_catalog.interval '0'
		       AND batch_delay OPERATOR(pg_catalog.<=) pg_catalog.interval '2147483647 ms'),
	ADD CONSTRAINT jobs_counters_check
		CHECK (rows_done OPERATOR(pg_catalog.>=) 0 AND rows_updated OPERATOR(pg_catalog.>=) 0
		       AND batches_done OPERATOR(pg_catalog.>=) 0 AND lock_timeouts OPERATOR(pg_catalog.>=) 0),
	ADD CONSTRAINT jobs_rows_estimated_check CHECK (rows_estimated OPERATOR(pg_catalog.>) 0);
