# A table without a key, walked by TID ranges while an application updates
# (moving rows: the table is packed, so updates are not HOT), inserts and
# deletes rows, writing the new column as deployed code does. Every row ends
# filled: the walk fills the rows it finds, the application the rows it
# writes, and rows the walk skipped because the application held them are
# swept (or found moved or gone, i.e. the application's).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('keyless');
$node->safe_psql('postgres', q{
CREATE TABLE events (a integer NOT NULL, pad text, c bigint) WITH (fillfactor = 100);
CREATE INDEX ON events (a);
INSERT INTO events SELECT g, repeat('x', 50) FROM generate_series(1, 50000) g;
ANALYZE events;
});
my $job = $node->safe_psql('postgres',
	q{SELECT start_backfill('events', 'c', 'a::bigint * 2', batch_size => 500, batch_delay => '5 ms')});

# The application: clients that update, insert and delete random rows and
# write c themselves, until the job is done.
my $script = $node->basedir . '/app.sql';
open(my $fh, '>', $script) or die;
print $fh q{\set r random(1, 60000)
UPDATE events SET pad = md5(:r::text), c = a::bigint * 2 WHERE a = :r;
INSERT INTO events (a, pad, c) VALUES (:r + 100000, 'new', (:r + 100000)::bigint * 2);
DELETE FROM events WHERE a = :r + 1;
};
close $fh;
my ($stdout, $stderr);
my $load = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '2', '-T', '600', '-f', $script, '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$stdout, '2>', \$stderr);
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'the job finishes under load');
# TERM, not INT: pgbench answers SIGINT by cancelling its queries, which
# does nothing while it is still connecting (a job that finishes within a
# second of its start left pgbench running for its whole -T).
$load->kill_kill;

is($node->safe_psql('postgres', "SELECT strategy FROM backfill_status($job)"), 'tid', 'walked by TID ranges');
is($node->safe_psql('postgres', 'SELECT count(*) FROM events WHERE c IS DISTINCT FROM a::bigint * 2'),
	'0', 'every row is filled and right');
cmp_ok($node->safe_psql('postgres', "SELECT count(*) FROM events WHERE pad = 'new'"), '>', 0,
	'the application inserted rows meanwhile');

$node->stop;
done_testing();
