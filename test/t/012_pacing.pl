# Direction of control under a real load: while an application writes the
# table the backfill works on, the pacing controller holds the job back
# (smaller duty or batches, a reason in backfill_history and
# pg_stat_activity), and a job started under load begins with a short
# batch; once the load stops, it returns to full pace (duty 1, the job's
# batch_size, reason none), a new job begins with its batch_size, and the
# job finishes. (The test's own
# polling, 10 queries a second, is below the rate at which the controller
# counts an application as active.) Conditions are
# polled; nothing asserts how long anything takes.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $rows = 2000000;
my $node = start_backfill_node('pacing');
$node->safe_psql('postgres', qq{
CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL, cents bigint);
INSERT INTO acct SELECT g, 0 FROM generate_series(1, $rows) g;
VACUUM ANALYZE acct;
});

# The application: moves money on random accounts, writing the new column too.
my $script = $node->basedir . '/app.sql';
open(my $fh, '>', $script) or die $!;
print $fh "\\set id random(1, $rows)\n"
  . "UPDATE acct SET balance = balance + 1, cents = (balance + 1)::bigint * 100 WHERE id = :id;\n";
close $fh;
my @pgbench = ('pgbench', '-n', '-c', '4', '-j', '2', '-f', $script, '-h', $node->host, '-p', $node->port,
	'postgres');

# Its baseline: transactions while no backfill runs.
my ($out, $err);
IPC::Run::run([ @pgbench, '-t', '500' ], '>', \$out, '2>', \$err) or die "pgbench: $err";

# Under load, a job whose ceiling is 200 rows per batch.
my $load = IPC::Run::start([ @pgbench, '-T', '600' ], '>', \my $load_out, '2>', \my $load_err);
my $job = $node->safe_psql('postgres', q{
BEGIN;
SELECT start_backfill('acct', 'cents', 'balance::bigint * 100') AS job \gset
SELECT alter_backfill(:job, batch_size => 200, target_latency_ratio => 1.1);
COMMIT;
SELECT :job;
});
$job = (split /\n/, $job)[-1];

ok( $node->poll_query_until('postgres', qq{
SELECT count(*) > 0 FROM backfill_history($job) WHERE (duty < 1 OR batch_size < 200) AND reason <> 'none'}),
	'under load the controller holds the job back');
my $reasons = $node->safe_psql('postgres',
	"SELECT string_agg(DISTINCT regexp_replace(reason, ' [0-9].*', ''), ', ') FROM backfill_history($job) WHERE reason <> 'none'");
note "reasons seen: $reasons";
like($reasons, qr/app (p99|latency)|lock conflict|batch time|cpu pressure/, 'and says why');
ok( $node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_stat_activity
 WHERE backend_type = 'pg_backfill worker' AND query LIKE 'pg_backfill: pause % held back by: %'}),
	'pg_stat_activity shows the pause and its reason');
# A monitoring role (pg_monitor, not the job's owner) sees the same through
# backfill_monitor(): what holds the job back, its batch and pause.
$node->safe_psql('postgres', 'CREATE ROLE pacing_watcher IN ROLE pg_monitor');
is( $node->safe_psql('postgres', qq{
SET ROLE pacing_watcher;
SELECT held_back_by IS NOT NULL AND current_batch_size > 0 AND current_pause IS NOT NULL
  FROM backfill_monitor() WHERE job_id = $job}),
	't', 'backfill_monitor shows a pg_monitor role what holds the job back');

# A job started under load sees the application before its first batch and
# begins with a short probe (batch_size x max_active_batch_time /
# max_batch_time = 50 rows), not its batch_size; an hour's batch_delay keeps
# it at that first batch.
$node->safe_psql('postgres', q{
CREATE TABLE probe_t (id int PRIMARY KEY, a int NOT NULL, c int, d int);
INSERT INTO probe_t SELECT g, g FROM generate_series(1, 20000) g;
});
my $first_batch_rows = sub {
	my ($column) = @_;
	my $probe = $node->safe_psql('postgres',
		"SELECT start_backfill('probe_t', '$column', 'a', batch_size => 5000, batch_delay => '1 h')");
	$node->poll_query_until('postgres', "SELECT batches_done >= 1 FROM backfill.jobs WHERE job_id = $probe")
	  or die "job $probe ran no batch";
	my $done = $node->safe_psql('postgres', "SELECT rows_done FROM backfill.jobs WHERE job_id = $probe");
	$node->safe_psql('postgres', "SELECT cancel_backfill($probe)");
	return $done;
};
cmp_ok($first_batch_rows->('c'), '<=', 50, 'a job started under load begins with a short batch');

# The load stops: the job returns to full pace before it ends.
$load->kill_kill;
$load->finish;
my $stopped = $node->safe_psql('postgres', 'SELECT now()');
is( $node->safe_psql('postgres', "SELECT state FROM backfill_status($job)"), 'running',
	'the job is still running when the load stops');
ok( $node->poll_query_until('postgres', qq{
SELECT count(*) > 0 FROM backfill_history($job)
 WHERE at > '$stopped' AND duty = 1 AND batch_size = 200 AND reason = 'none'}),
	'without the load it recovers to full pace')
  or diag $node->safe_psql('postgres', "SELECT * FROM backfill_history($job) ORDER BY at DESC LIMIT 20");
is($first_batch_rows->('d'), 5000, 'a job started without load begins with its batch_size');
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'the job finishes');
is($node->safe_psql('postgres', 'SELECT count(*) FROM acct WHERE cents IS DISTINCT FROM balance::bigint * 100'),
	'0', 'every row is right');

$node->stop;
done_testing();
