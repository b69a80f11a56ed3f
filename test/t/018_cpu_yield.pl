# A paced job's batches offer the CPU to other runnable tasks every
# pg_backfill.cpu_yield_interval (cpu_yield.hpp) while the application is
# active (here pgbench, 200 transactions a second). The server is pinned to one
# CPU beside a process that wakes every 0.1 ms (as an application backend
# wakes for its client's next statement), so the worker is switched out
# whenever it yields while that process waits for the CPU: with the yield on, the worker is switched out involuntarily several
# times per millisecond of its CPU time; with it off (the same job on another
# column), only when the waking task preempts it, over twice as rarely here.
# Counted from the worker's /proc status and schedstat, between two points
# of its progress.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

plan skip_all => 'needs Linux /proc and taskset'
  unless -r '/proc/self/status' && system('taskset -p $$ >/dev/null 2>&1') == 0;

my $node = start_backfill_node('cpu_yield', conf => "pg_backfill.guard = off\n");
$node->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c1 bigint, c2 bigint);
INSERT INTO t SELECT g, g FROM generate_series(1, 100000) g;
VACUUM ANALYZE t;
});

# The application: its baseline first (transactions while no backfill
# runs), then 200 transactions a second while the jobs run.
my $script = $node->basedir . '/app.sql';
open(my $fh, '>', $script) or die $!;
print $fh "SELECT 1;\n";
close $fh;
my @pgbench = ('pgbench', '-n', '-c', '1', '-f', $script, '-h', $node->host, '-p', $node->port, 'postgres');
my ($out, $err);
IPC::Run::run([ @pgbench, '-t', '500' ], '>', \$out, '2>', \$err) or die "pgbench: $err";
my $app = IPC::Run::start([ @pgbench, '-R', '200', '-T', '600' ], '>', \my $app_out, '2>', \my $app_err);

# Workers forked from now on share CPU 0 with a task that wakes often.
my $postmaster = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
system('taskset', '-pc', '0', $postmaster) == 0 or die "taskset failed";
# A task that wakes every 0.1 ms and runs for 20 us, as an application
# backend does between its client's statements.
my $waker = IPC::Run::start([ 'taskset', '-c', '0', $^X, '-MTime::HiRes=usleep,time', '-e',
	'while (1) { usleep(100); my $t = time; 1 while time - $t < 20e-6; }' ]);
# Stopped also when the test dies on the way.
END { local $?; $_->kill_kill for grep { defined } $waker, $app; }

# (involuntary context switches, CPU time in ms) of process $pid.
sub switches_and_cpu {
	my ($pid) = @_;
	my ($switches) = slurp_file("/proc/$pid/status") =~ /^nonvoluntary_ctxt_switches:\s+(\d+)/m;
	my ($cpu_ns) = split ' ', slurp_file("/proc/$pid/schedstat");
	return ($switches, $cpu_ns / 1e6);
}

# Runs a job filling $column; returns the worker's involuntary switches per
# millisecond of its CPU time between 10% and 60% of the job.
sub switches_per_cpu_ms {
	my ($column) = @_;
	my $job = $node->safe_psql('postgres',
		"SELECT start_backfill('t', '$column', 'a', batch_size => 1000, batch_delay => '20 ms')");
	my $at = sub {
		my ($percent) = @_;
		$node->poll_query_until('postgres',
			"SELECT s.percent >= $percent AND j.worker_pid IS NOT NULL FROM backfill_status($job) s, "
			  . "backfill.jobs j WHERE j.job_id = $job")
		  or die "job $job did not reach $percent%";
		my $pid = $node->safe_psql('postgres', "SELECT worker_pid FROM backfill.jobs WHERE job_id = $job");
		return switches_and_cpu($pid);
	};
	my ($s0, $cpu0) = $at->(10);
	my ($s1, $cpu1) = $at->(60);
	is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', "the job on $column runs");
	cmp_ok($cpu1 - $cpu0, '>', 0, "the worker used CPU meanwhile ($column)");
	return ($s1 - $s0) / ($cpu1 - $cpu0);
}

my $with_yield = switches_per_cpu_ms('c1');
$node->safe_psql('postgres', 'ALTER SYSTEM SET pg_backfill.cpu_yield_interval = 0');
$node->reload;
my $without_yield = switches_per_cpu_ms('c2');

cmp_ok($with_yield, '>', 2 * $without_yield,
	"with the yield the worker is switched out over twice as often per ms of its CPU as without it "
	  . "($with_yield against $without_yield per ms)");
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c1 IS DISTINCT FROM a OR c2 IS DISTINCT FROM a'),
	'0', 'every row is right');

$node->stop;
done_testing();
