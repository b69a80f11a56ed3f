# The worker creates the WAL segments its batches will write next before
# they need them (wal_segments.hpp), so no committing session waits while
# a segment is created under WALWriteLock: a fresh cluster has fewer than
# four segments beyond the one being written; after a job's first batch it
# has at least four.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('wal_segments', conf => "pg_backfill.guard = off\n");
$node->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c bigint);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
});
my $ahead = q{
SELECT count(*) FROM pg_ls_waldir()
 WHERE name ~ '^[0-9A-F]{24}$' AND name > pg_walfile_name(pg_current_wal_insert_lsn())};
cmp_ok($node->safe_psql('postgres', $ahead), '<', 4, 'a fresh cluster has fewer than four segments ahead');
my $job = $node->safe_psql('postgres', "SELECT start_backfill('t', 'c', 'a')");
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'the job runs');
cmp_ok($node->safe_psql('postgres', $ahead), '>=', 4, 'the worker created four segments ahead of the writes');

$node->stop;
done_testing();
