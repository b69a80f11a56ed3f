# A job survives failover: its checkpoint, committed with each batch, reaches
# the standby by streaming replication; after the primary dies and the standby
# is promoted, the launcher on the new primary resumes the job from that
# checkpoint, every row ends up right, and no batch is applied twice.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $rows = 6000;

my $primary = start_backfill_node('primary', allows_streaming => 1);
# applied counts the updates of c per row: exactly-once means 1 everywhere.
create_counted_table($primary, $rows);
my $standby = add_standby($primary, 'standby');

# Small batches with a delay, so the job is still running when the primary dies.
my $job = $primary->safe_psql('postgres',
	"SELECT start_backfill('t', 'c', 'a::bigint * 2', batch_size => 100, batch_delay => '50ms', only_null => false)");
$primary->poll_query_until('postgres', "SELECT rows_done >= 1000 FROM backfill_status($job)")
  or die 'the job made no progress';
$primary->wait_for_catchup($standby);

my $replicated = $standby->safe_psql('postgres', "SELECT rows_done FROM backfill.jobs WHERE job_id = $job");
cmp_ok($replicated, '>=', 1000, 'the checkpoint reached the standby');
cmp_ok($replicated, '<', $rows, 'and the job was not finished yet');

$primary->stop('immediate');
$standby->promote;

$standby->poll_query_until('postgres', "SELECT state = 'succeeded' FROM backfill_status($job)")
  or die 'the job did not finish on the promoted standby';

is($standby->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a::bigint * 2'),
	'0', 'every row is right after failover');
is($standby->safe_psql('postgres', 'SELECT min(applied) || \',\' || max(applied) FROM t'),
	'1,1', 'every row was updated exactly once: no batch applied twice');
is($standby->safe_psql('postgres', "SELECT rows_done FROM backfill_status($job)"),
	$rows, 'rows_done counts every row once');

$standby->stop;
done_testing();
