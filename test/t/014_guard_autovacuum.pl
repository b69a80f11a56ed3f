# The guard's lock-queue check does not count an autovacuum worker (one not
# preventing wraparound) as a lock holder to queue behind: the lock manager
# cancels it once a conflicting request has waited deadlock_timeout. So an
# ALTER TABLE with lock_timeout = 0 on a table autovacuum is working on runs
# in block mode (before, it was refused naming "<insufficient privilege>"
# as the holder's query).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('guard_autovacuum', conf => q{
autovacuum_naptime = 1
autovacuum_vacuum_cost_delay = 100
autovacuum_vacuum_cost_limit = 1
deadlock_timeout = '100ms'
pg_backfill.guard = block
pg_backfill.guard_min_size = '8kB'
});
$node->safe_psql('postgres', q{
CREATE TABLE av (id integer, v integer)
  WITH (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
        autovacuum_analyze_threshold = 1000000000);
INSERT INTO av SELECT g, g FROM generate_series(1, 100000) g;
UPDATE av SET v = v + 1;
});
# A vacuum that cost-limits itself to a crawl holds ShareUpdateExclusiveLock.
$node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
 WHERE a.backend_type = 'autovacuum worker' AND l.relation = 'av'::regclass AND l.granted})
  or die 'autovacuum did not start on av';

my ($ret, $out, $err) = $node->psql('postgres', q{
SET lock_timeout = 0;
ALTER TABLE av ADD COLUMN w integer;
SELECT count(*) FROM pg_attribute WHERE attrelid = 'av'::regclass AND attname = 'w';
});
is($ret, 0, 'ALTER TABLE behind an autovacuum worker is not refused as a lock-queue hazard');
is($out, '1', 'the column was added');
unlike($err, qr/waits behind/, 'no lock-queue report');
ok($node->log_contains('canceling autovacuum task'), 'the lock manager cancelled the autovacuum worker');

$node->stop;
done_testing();
