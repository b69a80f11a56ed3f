# pg_restore into a cluster whose guard blocks: a plain restore builds its
# primary keys, unique constraints, indexes and foreign keys after loading
# the data, so each is refused and the tables come out without them. The
# ways the README documents restore everything: for a superuser, the guard
# off (or in warn mode) for the restoring session through PGOPTIONS; for
# anyone, --single-transaction (the tables are created in the restoring
# transaction, which the guard exempts); for a member of
# pg_backfill.unsafe_ddl_role, the acknowledgement through PGOPTIONS.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use BackfillNode;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = start_backfill_node('restore',
	conf => "pg_backfill.guard = block\npg_backfill.guard_min_size = 0\npg_backfill.unsafe_ddl_role = 'restorers'\n");
$node->safe_psql('postgres', q{
CREATE ROLE restorers;
CREATE ROLE restorer LOGIN IN ROLE restorers;
CREATE ROLE intruder LOGIN;
CREATE DATABASE src;
});
# Created empty, then filled: the guard lets the source be built.
$node->safe_psql('src', q{
CREATE EXTENSION pg_backfill;
CREATE TABLE parent (id integer PRIMARY KEY, name text UNIQUE);
CREATE TABLE child (id integer PRIMARY KEY, parent_id integer NOT NULL REFERENCES parent, v text);
CREATE INDEX child_v ON child (v);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 1000) g;
INSERT INTO child SELECT g, g % 1000 + 1, 'v' || g FROM generate_series(1, 5000) g;
});
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $dump = "$tmp/src.dump";
my $tables_dump = "$tmp/tables.dump";
command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump -Fc of the database');
command_ok([ 'pg_dump', '-Fc', '-t', 'parent', '-t', 'child', '-f', $tables_dump, '-d', $node->connstr('src') ],
	'pg_dump -Fc of the tables');

# Runs pg_restore with extra options and PGOPTIONS; returns its exit code
# and standard error.
sub restore {
	my ($db, $file, $pgoptions, $user, @options) = @_;
	local $ENV{PGOPTIONS} = $pgoptions // '';
	my $connstr = $node->connstr($db) . (defined $user ? " user=$user" : '');
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run([ 'pg_restore', @options, '-d', $connstr, $file ], '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stderr);
}

# What a restore must bring back: both primary keys, the unique constraint,
# the validated foreign key, the index.
my $complete = q{
SELECT string_agg(format('%s:%s:%s', conname, contype, convalidated), ' ' ORDER BY conname)
	|| ' ' || (SELECT count(*) FROM pg_index WHERE indexrelid = 'child_v'::regclass)
FROM pg_constraint WHERE conrelid IN ('parent'::regclass, 'child'::regclass) AND contype IN ('p', 'u', 'f')};
my $expected = 'child_parent_id_fkey:f:t child_pkey:p:t parent_name_key:u:t parent_pkey:p:t 1';

# The failure: each index build and the FK validation is refused.
$node->safe_psql('postgres', 'CREATE DATABASE plain');
my ($rc, $stderr) = restore('plain', $dump);
isnt($rc, 0, 'a plain pg_restore fails under pg_backfill.guard = block');
my $errors = () = $stderr =~ /ERROR:/g;
is($errors, 5, 'one error per primary key, unique constraint, index and foreign key');
like($stderr, qr/ERROR:  .*index.*on table "parent"/, 'the errors are the guard\'s');
is($node->safe_psql('plain', "SELECT count(*) FROM pg_constraint WHERE conrelid = 'child'::regclass"), '0',
	'the restored table has no constraint');

# A superuser turns the guard off (or to warn) for the restoring session.
my $log_offset;
for my $mode ('off', 'warn') {
	$node->safe_psql('postgres', "CREATE DATABASE guard_$mode");
	$log_offset = -s $node->logfile;
	($rc, $stderr) = restore("guard_$mode", $dump, "-c pg_backfill.guard=$mode");
	is($rc, 0, "PGOPTIONS='-c pg_backfill.guard=$mode' pg_restore succeeds") or diag($stderr);
	unlike($stderr, qr/ERROR/, "no error with pg_backfill.guard=$mode");
	is($node->safe_psql("guard_$mode", $complete), $expected, "every constraint and index restored ($mode)");
}
# (pg_restore shows server warnings only with --verbose; the log has them)
$node->wait_for_log(qr/WARNING:  .*index.*on table "child"/, $log_offset);
pass('warn mode still logs what took long locks');

# --single-transaction: the tables are created by the restoring
# transaction, so no other session can see them and the guard exempts them.
$node->safe_psql('postgres', 'CREATE DATABASE single');
($rc, $stderr) = restore('single', $dump, undef, undef, '--single-transaction');
is($rc, 0, 'pg_restore --single-transaction succeeds in block mode');
unlike($stderr, qr/ERROR|WARNING/, 'no error and no warning with --single-transaction');
is($node->safe_psql('single', $complete), $expected, 'every constraint and index restored (single transaction)');

# A non-superuser restoring into its own database: it may not turn the guard
# off, but a member of pg_backfill.unsafe_ddl_role may acknowledge the
# statements, each logged.
$node->safe_psql('postgres', 'CREATE DATABASE mine OWNER restorer');
($rc, $stderr) = restore('mine', $tables_dump, '-c pg_backfill.guard=off', 'intruder');
isnt($rc, 0, 'a non-superuser cannot turn the guard off');
like($stderr, qr/permission denied to set parameter "pg_backfill.guard"/, 'the reason is given');
$log_offset = -s $node->logfile;
($rc, $stderr) = restore('mine', $tables_dump, '-c pg_backfill.allow_unsafe_ddl=on', 'restorer', '--no-owner');
is($rc, 0, 'a member of pg_backfill.unsafe_ddl_role restores with the acknowledgement') or diag($stderr);
unlike($stderr, qr/ERROR|WARNING/, 'no error and no warning with the acknowledgement');
is($node->safe_psql('mine', $complete), $expected, 'every constraint and index restored (acknowledged)');
$node->wait_for_log(qr/unsafe DDL acknowledged by role "restorer"/, $log_offset);
pass('each acknowledged statement is logged');

$node->stop;
done_testing();
