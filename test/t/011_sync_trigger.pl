# The sync trigger keeps every row right under a concurrent pgbench load that
# never writes the new column (the "old code" of an expand/contract change):
# updates of the expression's input, updates of other columns and inserts
# run before, during and after the backfill; at the end every row holds the
# expression's value. The trigger survives a restart and works in new
# backends.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('sync', conf => "pg_backfill.guard = off\n");
my @conn = ('-h', $node->host, '-p', $node->port);
$node->command_ok(['pgbench', '-i', '-q', '-s', '2', @conn, 'postgres'], 'pgbench tables created');
$node->safe_psql('postgres', q{
ALTER TABLE pgbench_accounts ADD COLUMN abalance_cents bigint;
CREATE SEQUENCE new_aid START 1000001;
});

# The old code: moves balances, touches another column, inserts accounts;
# never names abalance_cents.
my $script = $node->basedir . '/old_code.sql';
open(my $fh, '>', $script) or die;
print $fh <<'SQL';
\set aid random(1, 200000)
\set delta random(-5000, 5000)
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
UPDATE pgbench_accounts SET filler = 'touched' WHERE aid = :aid + 1;
INSERT INTO pgbench_accounts (aid, bid, abalance, filler) VALUES (nextval('new_aid'), 1, :delta, 'new');
SQL
close($fh);

sub start_load {
	my ($seconds) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(['pgbench', '-n', '-c', '4', '-j', '2', '-T', $seconds, '-f', $script, @conn, 'postgres'],
		'>', \$out, '2>', \$err);
	return { h => $h, out => \$out, err => \$err };
}

sub finish_load {
	my ($load, $name) = @_;
	$load->{h}->finish;
	is($load->{h}->result(0), 0, "$name: pgbench ran without errors")
	  or diag(${ $load->{err} });
	my ($tx) = ${ $load->{out} } =~ /number of transactions actually processed: (\d+)/;
	ok(($tx // 0) > 0, "$name: pgbench processed transactions (" . ($tx // 0) . ")");
}

my $load = start_load(12);
# Let the old code write rows before the job exists.
$node->poll_query_until('postgres', "SELECT count(*) > 100 FROM pgbench_accounts WHERE filler = 'new'")
  or die 'the load did not start';
my $job = $node->safe_psql('postgres', q{
SELECT start_backfill('pgbench_accounts', 'abalance_cents', 'abalance::bigint * 100', batch_size => 2000,
                      batch_delay => '20 ms', sync => true)});
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'the backfill succeeded under load');
# Old code writing after the fill (whether or not the load still runs, which
# depends on the machine's speed): the trigger fills its rows.
$node->safe_psql('postgres', q{
INSERT INTO pgbench_accounts (aid, bid, abalance, filler) VALUES (nextval('new_aid'), 1, 42, 'after');
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE filler = 'after'});
finish_load($load, 'during the backfill');
is($node->safe_psql('postgres', "SELECT abalance_cents FROM pgbench_accounts WHERE filler = 'after'"),
	'4300', 'a row the old code inserts and updates after the fill is kept right by the trigger');

is($node->safe_psql('postgres',
		'SELECT count(*) FROM pgbench_accounts WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100'),
	'0', 'every row is right after the load: filled by the walk or kept in sync by the trigger');
is($node->safe_psql('postgres', "SELECT sync FROM backfill_status($job)"), 't', 'the trigger is still installed');

# After a restart: new backends prepare the stored expression again.
$node->restart;
$load = start_load(3);
finish_load($load, 'after a restart');
is($node->safe_psql('postgres',
		'SELECT count(*) FROM pgbench_accounts WHERE abalance_cents IS DISTINCT FROM abalance::bigint * 100'),
	'0', 'every row is right after the restart');

$node->stop;
done_testing();
