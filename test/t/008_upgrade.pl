# Upgrades with jobs alive. A database still at 0.1 runs jobs with this
# library (the server log says it needs ALTER EXTENSION pg_backfill UPDATE);
# a job paused at 0.1 resumes after the update and finishes; a job running
# across the update finishes too; every row is right and no batch ran twice.
#
# Every later schema change ships its upgrade script (pg_backfill--A--B.sql)
# and grows this test: create at the oldest version, start and pause a job,
# update step by step, resume, and check what the new version added.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('upgrade', version => '0.1');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'pg_backfill'"),
	'0.1', 'the extension was created at 0.1');
is($node->safe_psql('postgres',
		"SELECT path FROM pg_extension_update_paths('pg_backfill') WHERE source = '0.1' AND target = '0.2'"),
	'0.1--0.2', 'there is an update path from 0.1 to 0.2');
create_counted_table($node, 20000, 'd integer');

# Job 1 runs at 0.1 and is paused there. only_null => false: a batch
# applied twice would show as applied = 2.
my $job = $node->safe_psql('postgres', q{SELECT start_backfill('t', 'c', 'a::bigint * 100',
	batch_size => 500, batch_delay => '20 ms', only_null => false)});
$node->poll_query_until('postgres', "SELECT batches_done >= 3 FROM backfill.jobs WHERE job_id = $job")
  or die 'job 1 made no progress at 0.1';
is($node->safe_psql('postgres', "SELECT pause_backfill($job)"), 'paused', 'job 1 pauses at 0.1');
$node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'pg_backfill job $job'")
  or die "job 1's worker did not stop";
my $paused_at = $node->safe_psql('postgres', "SELECT checkpoint, rows_done FROM backfill.jobs WHERE job_id = $job");
isnt($paused_at, '', 'job 1 has a checkpoint at 0.1');
my $log = slurp_file($node->logfile);
like($log, qr/LOG:  pg_backfill: extension pg_backfill in database "postgres" is at version 0\.1, its library at 0\.2$/m,
	'the server log says the database is at 0.1');
like($log, qr/HINT:  Run ALTER EXTENSION pg_backfill UPDATE in database "postgres"\.$/m,
	'and that it needs ALTER EXTENSION UPDATE');

# explain_ddl at 0.1 returns its 13 columns (the library's rule column is
# left out); at 0.2 it has the rule column, and guard_counters() exists.
my $explain = q{SET pg_backfill.guard_min_size = 0; SELECT verdict, message FROM explain_ddl('ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()')};
like($node->safe_psql('postgres', $explain), qr/^unsafe\|ALTER TABLE \.\.\. ADD COLUMN "u" with a volatile default/,
	'explain_ddl works at 0.1');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_proc WHERE proname = 'guard_counters'"), '0', 'guard_counters() is new in 0.2');

# Job 2 is running while the extension is updated.
my $job2 = $node->safe_psql('postgres', q{SELECT start_backfill('t', 'd', 'a',
	batch_size => 200, batch_delay => '20 ms')});
$node->poll_query_until('postgres', "SELECT batches_done >= 3 FROM backfill.jobs WHERE job_id = $job2")
  or die 'job 2 made no progress at 0.1';

$node->safe_psql('postgres', 'ALTER EXTENSION pg_backfill UPDATE');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'pg_backfill'"),
	'0.2', 'ALTER EXTENSION UPDATE brings the database to 0.2');
is($node->safe_psql('postgres', "SELECT state FROM backfill.jobs WHERE job_id = $job"), 'paused',
	'job 1 is still paused after the update');
is($node->safe_psql('postgres', "SELECT checkpoint, rows_done FROM backfill.jobs WHERE job_id = $job"),
	$paused_at, 'with the checkpoint and counters it had');
is($node->safe_psql('postgres', "SELECT worker_starts, restarts FROM backfill.jobs WHERE job_id = $job"),
	'0|0', "0.2's columns read their defaults");

is($node->safe_psql('postgres',
		q{SELECT rule FROM explain_ddl('ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()')}),
	'add_column_volatile_default', 'explain_ddl has the rule column at 0.2');
is($node->safe_psql('postgres', "SELECT count(*) > 0 FROM guard_counters()"), 't', 'and guard_counters() exists');
is($node->safe_psql('postgres', "SELECT resume_backfill($job)"), 'queued', 'job 1 resumes at 0.2');
is($node->safe_psql('postgres', "SELECT wait_backfill($job)"), 'succeeded', 'job 1 finishes');
is($node->safe_psql('postgres', "SELECT wait_backfill($job2)"), 'succeeded',
	'job 2, running across the update, finishes');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE c IS DISTINCT FROM a::bigint * 100'), '0',
	'every row of job 1 is right');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE applied <> 1'), '0',
	'and was written exactly once');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE d IS DISTINCT FROM a'), '0',
	'every row of job 2 is right');
is($node->safe_psql('postgres',
		"SELECT string_agg(job_id || ':' || state || ':' || rows_done, ',' ORDER BY job_id) FROM backfill_status()"),
	"$job:succeeded:20000,$job2:succeeded:20000", 'backfill_status (0.2) counts every row once');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM backfill.jobs WHERE table_generation IS NOT NULL"),
	'2', "the workers after the update write 0.2's columns");

$node->stop;
done_testing();
