# Without shared_preload_libraries, jobs still run (no launcher, no shared
# memory); after a restart nothing resumes them until wait_backfill or
# resume_backfill gives them a worker.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('no_preload', preload => 0);
$node->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g;
});
my $job = $node->safe_psql('postgres', q{SELECT start_backfill('t', 'c', 'a', batch_size => 500)});
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'a job runs without preload');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a'), '0', 'every row is correct');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_backfill launcher'"),
	'0', 'there is no launcher');

# A job interrupted by a restart stays running until someone waits for it.
$node->safe_psql('postgres', 'UPDATE t SET c = NULL');
$job = $node->safe_psql('postgres',
	q{SELECT start_backfill('t', 'c', 'a', batch_size => 100, batch_delay => '20 ms')});
$node->poll_query_until('postgres', "SELECT batches_done >= 5 FROM backfill.jobs WHERE job_id = $job")
  or die "the job made no progress";
$node->restart;
is($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE job_id = $job"), 'running',
	'the job is still running after the restart');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker'"),
	'0', 'but nothing resumed it');
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'wait_backfill resumes it');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a'), '0', 'every row is correct');

$node->stop;
done_testing();
