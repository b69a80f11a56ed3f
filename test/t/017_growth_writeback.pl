# The worker starts the kernel's writeback of what its batches write
# (growth_writeback.hpp), instead of leaving it as dirty page cache until
# the kernel's periodic writeback writes it all at once (the application's
# WAL flushes stall behind such a burst): the blocks its batches add to the
# table and its indexes, and the buffers it evicts. A job grows its table by
# a new version of every row; the host's dirty page cache (/proc/meminfo
# Dirty) meanwhile grows by less than half of that growth (without the
# writeback: by about all of it). Twice: with a shared_buffers that holds
# the table (no buffer is evicted meanwhile: the added blocks), and with one
# far smaller (most buffers the batches dirty are evicted and written by the
# worker). fsync is on because without it PostgreSQL skips writeback
# requests.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

plan skip_all => 'needs /proc/meminfo (Linux)' unless -r '/proc/meminfo';

sub dirty_kb {
	open(my $fh, '<', '/proc/meminfo') or die "/proc/meminfo: $!";
	while (<$fh>) { return $1 if /^Dirty:\s+(\d+) kB/; }
	die 'no Dirty line in /proc/meminfo';
}

# Runs a job on a fresh node with this shared_buffers; checks the growth
# and the dirty page cache it left.
sub job_leaves_little_dirty {
	my ($name, $shared_buffers) = @_;
	my $node = start_backfill_node($name,
		conf => "pg_backfill.guard = off\nfsync = on\nshared_buffers = '$shared_buffers'\n"
		  . "max_wal_size = '4GB'\ncheckpoint_timeout = '1h'\n");
	$node->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, pad text NOT NULL, c bigint);
INSERT INTO t SELECT g, g, md5(g::text) || md5(g::text) FROM generate_series(1, 500000) g;
CHECKPOINT;
});
	my $size = q{SELECT pg_total_relation_size('t') / 1024};
	my $size_before = $node->safe_psql('postgres', $size);
	my $dirty_before = dirty_kb();
	my $job = $node->safe_psql('postgres', "SELECT start_backfill('t', 'c', 'a', batch_size => 1000)");
	is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', "the job runs ($name)");
	my $grown_kb = $node->safe_psql('postgres', $size) - $size_before;
	my $dirtied_kb = dirty_kb() - $dirty_before;
	cmp_ok($grown_kb, '>', 40 * 1024, "the table and its index grew by a new version of every row ($name)");
	cmp_ok($dirtied_kb, '<', $grown_kb / 2,
		"dirty page cache grew by less than half of that ($dirtied_kb kB of $grown_kb kB, $name)");
	$node->stop;
}

job_leaves_little_dirty('growth_writeback', '512MB');
job_leaves_little_dirty('eviction_writeback', '16MB');

done_testing();
