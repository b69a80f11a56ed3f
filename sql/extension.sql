-- The extension installs, and its objects land where documented.
CREATE EXTENSION pg_backfill;
SELECT extname, extversion FROM pg_extension WHERE extname = 'pg_backfill';
SELECT nspname FROM pg_namespace WHERE nspname = 'backfill';
