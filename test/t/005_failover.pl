# A job survives failover: its checkpoint, committed with each batch, reaches
# the standby by streaming replication; after the primary dies and the standby
# is promoted, the launcher on the new primary resumes the job from that
# checkpoint, every row ends up right, and no batch is applied twice.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $rows = 6000;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_backfill'
max_worker_processes = 16
});
$primary->start;
$primary->safe_psql('postgres', qq{
CREATE EXTENSION pg_backfill;
CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, c bigint);
INSERT INTO t SELECT g, g FROM generate_series(1, $rows) g;
-- Every update of c is counted in the same transaction as the batch that
-- makes it, so a batch applied twice shows up as a count of 2.
CREATE TABLE hits (id int PRIMARY KEY, n int NOT NULL);
CREATE FUNCTION count_hit() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO hits VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = hits.n + 1;
    RETURN NEW;
END \$\$;
CREATE TRIGGER count_hit BEFORE UPDATE OF c ON t FOR EACH ROW EXECUTE FUNCTION count_hit();
});

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

# Small batches with a delay, so the job is still running when the primary dies.
my $job = $primary->safe_psql('postgres',
	"SELECT start_backfill('t', 'c', 'v::bigint * 2', batch_size => 100, batch_delay => '50ms', only_null => false)");
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

is($standby->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM v::bigint * 2'),
	'0', 'every row is right after failover');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM hits'), $rows, 'every row was updated');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM hits WHERE n <> 1'),
	'0', 'no row was updated twice: no batch applied twice');
is($standby->safe_psql('postgres', "SELECT rows_done FROM backfill_status($job)"),
	$rows, 'rows_done counts every row once');

$standby->stop;
done_testing();
