-- Included by pg_regress files (\i sql/helpers/wait_for.sql): wait_for(condition)
-- polls a SQL condition for up to 60 s (no fixed sleeps stand in for it), with
-- a fresh statistics snapshot each time (pg_stat_activity, pg_locks).
CREATE FUNCTION wait_for(condition text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	ok boolean;
	deadline timestamptz := clock_timestamp() + interval '60 s';
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		EXECUTE 'SELECT ' || condition INTO ok;
		IF ok THEN
			RETURN true;
		END IF;
		IF clock_timestamp() > deadline THEN
			RETURN false;
		END IF;
		PERFORM pg_sleep(0.01);
	END LOOP;
END
$$;
