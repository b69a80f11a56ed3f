# kill -9 of a job worker mid-job: the postmaster restarts the cluster, the
# launcher resumes the job from its checkpoint, every row ends correct and
# no batch is applied twice. Also pg_cancel_backend (the job pauses) and
# pg_terminate_backend (the job keeps running and gets a new worker).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('worker_crash', conf => "restart_after_crash = on\n");
# applied counts the updates of c per row: exactly-once means 1 everywhere.
create_counted_table($node, 20000);

my $job = $node->safe_psql('postgres', q{
SELECT start_backfill('t', 'c', 'a::bigint * 2', batch_size => 100, batch_delay => '20 ms', only_null => false)});
$node->poll_query_until('postgres', "SELECT batches_done >= 20 FROM backfill.jobs WHERE job_id = $job")
  or die "the job made no progress";
my $pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker'");
like($pid, qr/^\d+$/, 'one worker runs the job');
is($node->safe_psql('postgres', "SELECT application_name FROM pg_stat_activity WHERE pid = $pid"),
	"pg_backfill job $job", 'the worker names its job in application_name');
like($node->safe_psql('postgres', "SELECT query FROM pg_stat_activity WHERE pid = $pid"),
	qr/^(SELECT id FROM ONLY public\.t |UPDATE ONLY public\.t SET c = )/, 'the worker shows its batch query');
my $done_before = $node->safe_psql('postgres', "SELECT batches_done FROM backfill.jobs WHERE job_id = $job");

kill 'KILL', $pid;
$node->poll_query_until('postgres', "SELECT state = 'succeeded' FROM backfill.jobs WHERE job_id = $job")
  or die "the job did not finish after the crash";
ok($node->log_contains(qr/terminated by signal 9/), 'the worker was killed');

is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a::bigint * 2'),
	'0', 'every row is correct');
is($node->safe_psql('postgres', 'SELECT min(applied) || \',\' || max(applied) FROM t'),
	'1,1', 'every row was updated exactly once');
is($node->safe_psql('postgres', "SELECT rows_done || ',' || rows_updated FROM backfill.jobs WHERE job_id = $job"),
	'20000,20000', 'the counters match the rows');
cmp_ok($node->safe_psql('postgres', "SELECT batches_done FROM backfill.jobs WHERE job_id = $job"),
	'>=', $done_before, 'progress before the crash was kept');

# pg_cancel_backend rolls the batch back and pauses the job.
$node->safe_psql('postgres', 'UPDATE t SET c = NULL');
$job = $node->safe_psql('postgres', q{
SELECT start_backfill('t', 'c', 'a::bigint * 2', batch_size => 100, batch_delay => '20 ms')});
$node->poll_query_until('postgres', "SELECT batches_done >= 5 FROM backfill.jobs WHERE job_id = $job")
  or die "the job made no progress";
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker'");
$node->poll_query_until('postgres', "SELECT state = 'paused' FROM backfill.jobs WHERE job_id = $job")
  or die "the cancelled job did not pause";
like($node->safe_psql('postgres', "SELECT last_error FROM backfill_status($job)"),
	qr/^57014: canceling statement due to user request/, 'the pause records the cancel');
is($node->safe_psql('postgres', "SELECT resume_backfill($job)"), 'queued', 'the paused job resumes');

# pg_terminate_backend ends the worker; the job stays running, and
# wait_backfill gives it a new worker.
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker'")
  or die "no worker after resume";
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker'");
$node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_backfill worker'")
  or die "the worker did not exit";
is($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE job_id = $job"),
	'running', 'a terminated worker leaves its job running');
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'wait_backfill restarts it');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a::bigint * 2'),
	'0', 'every row is correct after cancel and terminate');

# wait_backfill prints progress notices every pg_backfill.progress_interval.
$node->safe_psql('postgres', 'UPDATE t SET c = NULL');
$job = $node->safe_psql('postgres', q{
SELECT start_backfill('t', 'c', 'a::bigint * 2', batch_size => 500, batch_delay => '50 ms')});
my ($stdout, $stderr);
$node->psql('postgres', "SET pg_backfill.progress_interval = '200ms'; SELECT wait_backfill($job)",
	stdout => \$stdout, stderr => \$stderr);
is($stdout, 'succeeded', 'wait_backfill returns the final state');
like($stderr, qr/NOTICE:  backfill job $job running: \d+\.\d%, \d+ rows, \d+ rows\/s, ETA \d+ s/,
	'wait_backfill reports percent, rows, rate and ETA');

$node->stop;
done_testing();
