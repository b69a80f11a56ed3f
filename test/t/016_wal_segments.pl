# The worker creates the WAL segments its batches will write next before
# they need them (wal_segments.hpp), so no committing session waits while
# a segment is created under WALWriteLock: a fresh cluster has fewer than
# four segments beyond the one being written; after a job's first batch it
# has at least four. The worker writes their zeros itself, in pieces: each
# segment it created is fully allocated and all zeros, and WAL written into
# them survives a crash.
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
SELECT name FROM pg_ls_waldir()
 WHERE name ~ '^[0-9A-F]{24}$' AND name > pg_walfile_name(pg_current_wal_insert_lsn()) ORDER BY name};
my @before = split /\n/, $node->safe_psql('postgres', $ahead);
cmp_ok(scalar @before, '<', 4, 'a fresh cluster has fewer than four segments ahead');
my $job = $node->safe_psql('postgres', "SELECT start_backfill('t', 'c', 'a')");
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'the job runs');
my @after = split /\n/, $node->safe_psql('postgres', $ahead);
cmp_ok(scalar @after, '>=', 4, 'the worker created four segments ahead of the writes');

# The segments the worker created (not there before): 16 MB of blocks on
# disk, not a sparse file, and zeros throughout.
my %existed = map { $_ => 1 } @before;
my @created = grep { !$existed{$_} } @after;
cmp_ok(scalar @created, '>=', 1, 'some segments ahead are the worker\'s');
my $segment_size = $node->safe_psql('postgres', "SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'");
for my $name (@created) {
	my $path = $node->data_dir . "/pg_wal/$name";
	my @st = stat($path) or die "stat $path: $!";
	cmp_ok($st[12] * 512, '>=', $segment_size, "$name is fully allocated");
	open(my $fh, '<:raw', $path) or die "open $path: $!";
	local $/;
	my $content = <$fh>;
	close($fh);
	is(length($content), $segment_size, "$name has the segment size");
	ok($content =~ /\A\0*\z/, "$name holds only zeros");
}

# WAL written into them is replayed after a crash.
$node->safe_psql('postgres', q{
SELECT pg_switch_wal();
CREATE TABLE after_switch AS SELECT g FROM generate_series(1, 10000) g;
SELECT pg_switch_wal();
INSERT INTO after_switch SELECT g FROM generate_series(10001, 20000) g;
});
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*), sum(g) FROM after_switch'), '20000|200010000',
	'rows written into the worker\'s segments survive a crash');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a'), '0', 'every row is filled');

$node->stop;
done_testing();
