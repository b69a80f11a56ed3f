# On a standby, start_backfill refuses (25006) and no job worker runs; the
# jobs replicated from the primary are visible.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = start_backfill_node('primary', allows_streaming => 1);
$primary->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c integer);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
});
my $job = $primary->safe_psql('postgres', q{SELECT start_backfill('t', 'c', 'a')});
is($primary->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'the job runs on the primary');

my $standby = add_standby($primary, 'standby');

my ($ret, $stdout, $stderr) = $standby->psql('postgres', q{SELECT start_backfill('t', 'c', 'a', only_null => false)},
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'start_backfill fails on a standby');
like($stderr, qr/ERROR:  25006: cannot start a backfill during recovery/, 'with SQLSTATE 25006');
is($standby->safe_psql('postgres', "SELECT state FROM backfill_status($job)"), 'succeeded',
	'replicated jobs are visible on the standby');
is($standby->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'pg_backfill%'"),
	'0', 'no pg_backfill process runs on the standby');

$standby->stop;
$primary->stop;
done_testing();
