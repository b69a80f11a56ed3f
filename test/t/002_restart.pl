# A server restart mid-job: the launcher resumes the running job from its
# checkpoint and starts the queued one when the slot frees; every row ends
# correct and no batch is applied twice.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('restart', conf => "pg_backfill.max_workers = 1\n");
# applied counts the updates of c per row: exactly-once means 1 everywhere.
create_counted_table($node, 20000, 'd bigint');

my $job = $node->safe_psql('postgres', q{
SELECT start_backfill('t', 'c', 'a::bigint * 3', batch_size => 100, batch_delay => '20 ms', only_null => false)});
# With one worker slot, the second job waits.
my $queued = $node->safe_psql('postgres', q{SELECT start_backfill('t', 'd', 'a::bigint * 4', batch_size => 5000)});
$node->poll_query_until('postgres', "SELECT batches_done >= 20 FROM backfill.jobs WHERE job_id = $job")
  or die "the job made no progress";
is($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE job_id = $queued"),
	'queued', 'the second job waits for the only slot');

$node->restart;
is($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE job_id = $job"),
	'running', 'the job is still running after the restart');
$node->poll_query_until('postgres',
	"SELECT bool_and(state = 'succeeded') FROM backfill.jobs WHERE job_id IN ($job, $queued)")
  or die "the jobs did not finish after the restart";

is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a::bigint * 3'),
	'0', 'every row of the resumed job is correct');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE d IS DISTINCT FROM a::bigint * 4'),
	'0', 'every row of the queued job is correct');
is($node->safe_psql('postgres', 'SELECT min(applied) || \',\' || max(applied) FROM t'),
	'1,1', 'every row was updated exactly once');
is($node->safe_psql('postgres', "SELECT rows_done || ',' || rows_updated FROM backfill.jobs WHERE job_id = $job"),
	'20000,20000', 'the counters match the rows');

# Hand-off without a restart: pausing the running job gives the only slot
# to the queued one (polled without wait_backfill, which could start it too).
$node->safe_psql('postgres', 'UPDATE t SET c = NULL, d = NULL');
my $first = $node->safe_psql('postgres',
	q{SELECT start_backfill('t', 'c', 'a::bigint * 3', batch_size => 100, batch_delay => '1 h')});
my $second = $node->safe_psql('postgres', q{SELECT start_backfill('t', 'd', 'a::bigint * 4', batch_size => 5000)});
$node->poll_query_until('postgres', "SELECT batches_done = 1 FROM backfill.jobs WHERE job_id = $first")
  or die "the first job made no progress";
is($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE job_id = $second"),
	'queued', 'the second job waits for the slot');
is($node->safe_psql('postgres', "SELECT pause_backfill($first)"), 'paused', 'the first job pauses');
$node->poll_query_until('postgres', "SELECT state = 'succeeded' FROM backfill.jobs WHERE job_id = $second")
  or die "the queued job did not get the slot";
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE d IS DISTINCT FROM a::bigint * 4'),
	'0', 'the handed-off job is correct');
is($node->safe_psql('postgres', "SELECT cancel_backfill($first)"), 'cancelled', 'the first job is cancelled');

# Cross-database hand-off: a job of another database waits for the slot;
# when the job holding it ends, the launcher starts the waiting one.
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', q{
CREATE EXTENSION pg_backfill;
CREATE TABLE u (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO u SELECT g, g FROM generate_series(1, 1000) g;
});
$node->safe_psql('postgres', 'UPDATE t SET c = NULL');
my $busy = $node->safe_psql('postgres',
	q{SELECT start_backfill('t', 'c', 'a::bigint * 3', batch_size => 100, batch_delay => '1 h')});
$node->poll_query_until('postgres', "SELECT batches_done = 1 FROM backfill.jobs WHERE job_id = $busy")
  or die "the busy job made no progress";
my $log_offset = -s $node->logfile;
my $waiting = $node->safe_psql('other', q{SELECT start_backfill('u', 'c', 'a')});
$node->wait_for_log(qr/backfill job $waiting waits for a free worker slot/, $log_offset);
is($node->safe_psql('postgres', "SELECT cancel_backfill($busy)"), 'cancelled', 'the busy job ends');
$node->poll_query_until('other', "SELECT state = 'succeeded' FROM backfill.jobs WHERE job_id = $waiting")
  or die "the job of the other database did not get the slot";
is($node->safe_psql('other', 'SELECT count(*) FROM u WHERE c IS DISTINCT FROM a'), '0',
	'the other database\'s job is correct');

$node->stop;
done_testing();
