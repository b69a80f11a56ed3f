# Shared by the no-load fill benchmarks (backfill_throughput.sh, scale.sh):
# a fresh copy of pgbench_accounts per run, a timed fill checked row by row,
# and the start_backfill + wait_backfill fill. Needs sql() and $batch.

# A fresh copy of pgbench_accounts named bench with the new column; KEY=none
# leaves out the primary key. Every run starts from an identical copy
# (CREATE TABLE AS, primary key, VACUUM ANALYZE, CHECKPOINT), so no method
# inherits another's dead tuples.
fresh_table() {
	local key="ALTER TABLE bench ADD PRIMARY KEY (aid)"
	[ "${KEY:-pk}" = pk ] || key="COMMENT ON TABLE bench IS 'no key'"
	sql -c "DROP TABLE IF EXISTS bench" \
		-c "CREATE TABLE bench AS SELECT * FROM pgbench_accounts" \
		-c "$key" \
		-c "ALTER TABLE bench ADD COLUMN abalance_cents bigint" \
		-c "VACUUM ANALYZE bench" -c "CHECKPOINT"
}

# Runs "$@" on a fresh table; prints elapsed seconds and the table's size
# afterwards in MB (its bloat: a method that leaves dead tuples where
# autovacuum cannot reuse them grows it); fails if any row is wrong.
timed_fill() {
	local start end wrong size
	fresh_table
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	wrong=$(sql -At -c "SELECT count(*) FROM bench WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100")
	[ "$wrong" -eq 0 ] || { echo "$wrong rows wrong after: $*" >&2; exit 1; }
	size=$(sql -At -c "SELECT pg_relation_size('bench') / 1048576")
	awk -v s="$start" -v e="$end" -v m="$size" 'BEGIN { print e - s, m }'
}

# start_backfill and wait_backfill in separate transactions, as a migration
# script runs them (the worker starts once the job's transaction commits).
# STRATEGY (key or tid) is passed on when set.
fill_with_backfill() {
	local strategy=""
	[ -z "${STRATEGY:-}" ] || strategy=", strategy => '$STRATEGY'"
	sql <<SQL
SELECT start_backfill('bench', 'abalance_cents', 'abalance::bigint * 100',
                      batch_size => $batch, batch_delay => '0'$strategy) AS job \gset
SELECT wait_backfill(:job);
SQL
}
