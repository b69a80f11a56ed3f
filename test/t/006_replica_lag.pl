# Replica-lag throttle: while a streaming standby lags behind by more than
# pg_backfill.max_replica_lag, the worker holds its next batch and says so in
# pg_stat_activity; once the standby replays again, the job finishes.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $rows = 5000;

my $primary = start_backfill_node('primary', allows_streaming => 1, conf => "pg_backfill.max_replica_lag = '64kB'\n");
$primary->safe_psql('postgres', qq{
CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, c bigint);
INSERT INTO t SELECT g, g FROM generate_series(1, $rows) g;
});
my $standby = add_standby($primary, 'standby');

# The standby keeps receiving WAL but stops replaying it, so its replay lag
# grows with every batch.
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');

my $job = $primary->safe_psql('postgres',
	"SELECT start_backfill('t', 'c', 'v::bigint * 2', batch_size => 100)");
$primary->poll_query_until('postgres', qq{
SELECT count(*) = 1 FROM pg_stat_activity
 WHERE backend_type = 'pg_backfill worker' AND query LIKE 'pg_backfill: waiting for replica lag%'})
  or die 'the worker never waited for the standby';
is($primary->safe_psql('postgres', "SELECT state FROM backfill_status($job)"),
	'running', 'the job is running while it waits');
cmp_ok($primary->safe_psql('postgres', "SELECT rows_done FROM backfill_status($job)"),
	'<', $rows, 'and it stopped before the end');

# A reload that raises the limit is not needed: replaying again lets it go on.
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
is($primary->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded',
	'the job finishes once the standby replays again');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM v::bigint * 2'),
	'0', 'every row is right');

$standby->stop;
$primary->stop;
done_testing();
