# A batch that takes the whole server down (here: kill -9 of its worker,
# which makes the postmaster restart every backend, as a segfault or an
# out-of-memory kill in the expression would) is not retried forever: after
# its workers died twice at the same checkpoint without committing a batch,
# the job is failed with that reason, and the server stops restarting.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('crash_loop', conf => "restart_after_crash = on\nmax_prepared_transactions = 2\npg_backfill.statement_timeout = 0\n");
$node->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
});
# A prepared transaction keeps a row lock through every crash restart: the
# walk skips row 500, and the final sweep waits for it every time.
$node->safe_psql('postgres', q{
BEGIN;
SELECT 1 FROM t WHERE id = 500 FOR UPDATE;
PREPARE TRANSACTION 'holder';
});
my $job = $node->safe_psql('postgres',
	q{SELECT start_backfill('t', 'c', 'a', batch_size => 100, lock_timeout => '1 h')});

# The worker waiting in the final sweep (longer than the 5 ms a walk batch
# may wait for a row lock before it skips).
my $waiting = q{SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
	WHERE a.backend_type = 'pg_backfill worker' AND NOT l.granted
	  AND l.waitstart < clock_timestamp() - interval '100 ms'};
my $killed = 0;
for my $crash (1 .. 2) {
	$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ($waiting) w WHERE pid <> $killed")
	  or die "the worker did not reach the locked row (crash $crash)";
	$killed = $node->safe_psql('postgres', $waiting);
	# Batches commit asynchronously: make those before the crash durable, so
	# the restarted worker does not redo them (which would count as progress).
	$node->safe_psql('postgres', 'CHECKPOINT');
	kill 'KILL', $killed;
}
$node->poll_query_until('postgres', "SELECT state = 'failed' FROM backfill.jobs WHERE job_id = $job")
  or die 'the job was not failed after two crashes at the same checkpoint';
like($node->safe_psql('postgres', "SELECT last_error FROM backfill_status($job)"),
	qr/^57P02: the job's worker ended abnormally 2 times in a row in its final sweep without committing the next batch/,
	'the job says why it was failed and where');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker'"),
	'0', 'no worker runs the failed job');
is($node->safe_psql('postgres', 'SELECT count(c) FROM t'), '999', 'the batches before the crashes were kept');

# The cause removed, resume finishes the job.
$node->safe_psql('postgres', "ROLLBACK PREPARED 'holder'");
is($node->safe_psql('postgres', "SELECT resume_backfill($job)"), 'queued', 'the failed job resumes');
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'and succeeds');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a'), '0', 'every row is right');

$node->stop;
done_testing();
