# The finishing steps' CPU limit (pg_backfill.finish_cpu_limit): while an
# application commits transactions, the worker's VALIDATE of a paced job
# pauses every millisecond, and shows wait event Extension meanwhile; a
# cancel during the limited VALIDATE pauses the job at its step with nothing
# dropped and nothing left armed; resumed without the application, the job
# finishes the column. Conditions are polled; nothing asserts how long
# anything takes.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# 1% of a CPU: the VALIDATE of a million rows takes seconds, mostly paused.
my $node = start_backfill_node('finish_cpu_limit',
	conf => "pg_backfill.guard = off\npg_backfill.finish_cpu_limit = 0.01\n");
$node->safe_psql('postgres', q{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000000) g;
ALTER TABLE t ADD COLUMN c bigint;
VACUUM ANALYZE t;
CREATE TABLE app (id integer PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
INSERT INTO app VALUES (1);
});

# The application: 200 transactions a second on another table of the
# database (above the 20 a second at which it counts as idle).
my $script = $node->basedir . '/app.sql';
open(my $fh, '>', $script) or die $!;
print $fh "UPDATE app SET n = n + 1 WHERE id = 1;\n";
close $fh;
my $load = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '1', '-R', '200', '-T', '600', '-f', $script, '-h', $node->host, '-p', $node->port,
		'postgres' ],
	'>', \my $load_out, '2>', \my $load_err);

my $job = $node->safe_psql('postgres', q{
BEGIN;
SELECT start_backfill('t', 'c', 'a', batch_size => 10000) AS job \gset
SELECT finish_backfill(:job, set_not_null => true);
COMMIT;
SELECT :job;
});
$job = (split /\n/, $job)[-1];

my $validating = qq{
SELECT count(*) = 1 FROM pg_stat_activity a, backfill.jobs j
WHERE a.application_name = 'pg_backfill job $job' AND j.job_id = $job
  AND j.phase = 'validate not null check' AND a.query LIKE '%VALIDATE CONSTRAINT t_c_not_null'};
ok($node->poll_query_until('postgres', "$validating AND a.wait_event_type = 'Extension'"),
	'under the application load the VALIDATE pauses (wait event Extension)');
my $pid = $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_backfill job $job'");

# A cancel while the VALIDATE is limited: the job pauses at its step.
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
ok($node->poll_query_until('postgres', "SELECT state = 'paused' FROM backfill.jobs WHERE job_id = $job"),
	'a cancel during the limited VALIDATE pauses the job');
is( $node->safe_psql('postgres', qq{
SELECT phase || ',' || (SELECT string_agg(conname || ':' || convalidated, ',') FROM pg_constraint
                        WHERE conrelid = 't'::regclass AND contype = 'c')
  FROM backfill.jobs WHERE job_id = $job}),
	'validate not null check,t_c_not_null:false', '... at its step, the NOT VALID check kept');

# Without the application the resumed job finishes the column.
$load->kill_kill;
$load->finish;
$node->safe_psql('postgres', "SELECT resume_backfill($job)");
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'resumed, the job finishes');
is( $node->safe_psql('postgres', q{
SELECT attnotnull || ',' || (SELECT count(*) FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'c')
  FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'c'}),
	'true,0', 'the column is NOT NULL and the check is gone');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a'), '0', 'every row is filled');

$node->stop;
done_testing();
