# The finishing steps of a job survive kill -9 of its worker: killed during
# VALIDATE CONSTRAINT, the job resumes at the VALIDATE step; killed during
# CREATE INDEX CONCURRENTLY, the resumed step drops the INVALID index the
# build left and builds it again; both end with a finished column and
# nothing left over. And a wait_backfill that started before the index build
# does not wait forever on the build that waits for its snapshot
# (pg_background #64): it ends with 55000.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('finish_crash', conf => "restart_after_crash = on\npg_backfill.guard = off\n");
$node->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL);
INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;
-- A check that takes 5 ms a row: its VALIDATE runs for ~10 s.
CREATE FUNCTION slow_ok(v bigint) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM pg_sleep(0.005); RETURN v > 0; END $$;
});

# The worker of job $job (its pid), once `condition` on it holds.
sub worker_when {
	my ($job, $condition) = @_;
	$node->poll_query_until('postgres', qq{
SELECT count(*) = 1 FROM pg_stat_activity a, backfill.jobs j
WHERE a.application_name = 'pg_backfill job $job' AND j.job_id = $job AND $condition})
	  or die "the worker of job $job never got to: $condition";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_backfill job $job'");
}

# 1. wait_backfill across the index build: the build waits for the
# snapshot of the wait_backfill statement, which sees it and ends.
$node->safe_psql('postgres', 'ALTER TABLE t ADD COLUMN c1 bigint');
my $job = $node->safe_psql('postgres', q{
SELECT start_backfill('t', 'c1', 'a', batch_size => 100, batch_delay => '20 ms', sync => true);
});
$node->safe_psql('postgres', "SELECT finish_backfill($job, create_index => true)");
my ($ret, $out, $err) = $node->psql('postgres', "SELECT wait_backfill($job)", timeout => 120);
isnt($ret, 0, 'wait_backfill across the index build fails');
like($err, qr/backfill job $job is building its index and waits for this session/, '... saying why');
like($err, qr/HINT:  End this transaction and call wait_backfill again/, '... and what to do');
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'a new wait_backfill sees it succeed');
is($node->safe_psql('postgres', q{
SELECT indisvalid FROM pg_index WHERE indexrelid = 't_c1_idx'::regclass}), 't', 'the index is valid');

# 2. kill -9 during VALIDATE CONSTRAINT.
$job = $node->safe_psql('postgres', q{
ALTER TABLE t ADD COLUMN c2 bigint;
BEGIN;
SELECT start_backfill('t', 'c2', 'a', batch_size => 500);
SELECT finish_backfill(currval('backfill.jobs_job_id_seq'), set_not_null => true,
                       check_constraint => 'public.slow_ok(c2)');
COMMIT;
SELECT currval('backfill.jobs_job_id_seq');
});
$job = (split /\n/, $job)[-1];
my $pid = worker_when($job, q{j.phase = 'validate check' AND a.query LIKE 'ALTER TABLE public.t VALIDATE CONSTRAINT t_c2_check'});
is($node->safe_psql('postgres', q{
SELECT convalidated FROM pg_constraint WHERE conname = 't_c2_check'}), 'f', 'killed while the CHECK is not yet valid');
# Meanwhile wait_backfill's notices name the step, and the steps cannot be
# changed any more.
($ret, $out, $err) = $node->psql('postgres',
	"SET pg_backfill.progress_interval = '100ms'; SELECT wait_backfill($job, '1 s')");
like($err, qr/NOTICE:  backfill job $job running: 2000 rows filled, finishing step "validate check"/,
	'wait_backfill names the finishing step');
like($err, qr/timed out waiting for backfill job $job/, '... until its timeout');
($ret, $out, $err) = $node->psql('postgres', "SELECT finish_backfill($job, set_default => '1')");
like($err, qr/cannot change the finishing steps of backfill job $job: they have started/,
	'finish_backfill refuses once the steps started');
like($err, qr/DETAIL:  The job is in its "validate check" phase/, '... naming the phase');
$pid = worker_when($job, q{j.phase = 'validate check' AND a.query LIKE 'ALTER TABLE public.t VALIDATE CONSTRAINT t_c2_check'});
kill 'KILL', $pid;
$node->poll_query_until('postgres', "SELECT state = 'succeeded' FROM backfill.jobs WHERE job_id = $job")
  or die "the job did not finish after the crash during VALIDATE";
ok($node->log_contains(qr/terminated by signal 9/), 'the worker was killed');
is($node->safe_psql('postgres', q{
SELECT string_agg(conname || ':' || convalidated, ',' ORDER BY conname) FROM pg_constraint
WHERE conrelid = 't'::regclass AND contype = 'c'}), 't_c2_check:true', 'the CHECK is valid, the NOT NULL check is gone');
is($node->safe_psql('postgres', q{SELECT attnotnull FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'c2'}),
	't', 'the column is NOT NULL');

# 3. kill -9 during CREATE INDEX CONCURRENTLY: a session's snapshot holds
# the build in its last wait, with its index INVALID.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$holder->query_safe('SELECT count(*) FROM pg_class');
$job = $node->safe_psql('postgres', q{
ALTER TABLE t ADD COLUMN c3 bigint;
BEGIN;
SELECT start_backfill('t', 'c3', 'a', batch_size => 500, sync => true);
SELECT finish_backfill(currval('backfill.jobs_job_id_seq'), set_not_null => true, unique_index => true);
COMMIT;
SELECT currval('backfill.jobs_job_id_seq');
});
$job = (split /\n/, $job)[-1];
$pid = worker_when($job, q{j.phase = 'create index' AND a.wait_event = 'virtualxid'});
is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 't_c3_key'::regclass}),
	'f', 'killed while the index is INVALID');
kill 'KILL', $pid;
$node->poll_query_until('postgres', "SELECT state = 'succeeded' FROM backfill.jobs WHERE job_id = $job")
  or die "the job did not finish after the crash during CREATE INDEX CONCURRENTLY";
eval { $holder->quit };
is($node->safe_psql('postgres', q{
SELECT string_agg(indexrelid::regclass || ':' || indisvalid || ':' || indisunique, ',') FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = 't'::regclass AND a.attname = 'c3'}), 't_c3_key:true:true', 'one valid unique index, rebuilt');
is($node->safe_psql('postgres', q{
SELECT attnotnull || ',' || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 't'::regclass)
FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'c3'}), 'true,0', 'NOT NULL, and no sync trigger left');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c3 IS DISTINCT FROM a'), '0', 'every row is filled');
is($node->safe_psql('postgres', "SELECT phase FROM backfill_status($job)"), 'drop sync trigger',
	'status shows the last step');

$node->stop;
done_testing();
