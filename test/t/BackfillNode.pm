# Set-up shared by the TAP tests in this directory.
package BackfillNode;
use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;

our @EXPORT = qw(start_backfill_node add_standby create_counted_table);

# Starts a node with pg_backfill in shared_preload_libraries (unless
# preload => 0) and the extension created in database postgres.
#   conf             more postgresql.conf lines
#   allows_streaming as for PostgreSQL::Test::Cluster->init
#   version          CREATE EXTENSION ... VERSION (default: the default_version)
sub start_backfill_node {
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => $opts{allows_streaming} // 0);
	my $preload = ($opts{preload} // 1) ? "shared_preload_libraries = 'pg_backfill'\n" : '';
	$node->append_conf('postgresql.conf',
		$preload . "max_worker_processes = 16\npg_backfill.progress_interval = 0\n" . ($opts{conf} // ''));
	$node->start;
	$node->safe_psql('postgres',
		'CREATE EXTENSION pg_backfill' . (defined $opts{version} ? " VERSION '$opts{version}'" : ''));
	return $node;
}

# A streaming standby of $primary, started and caught up.
sub add_standby {
	my ($primary, $name) = @_;
	$primary->backup("${name}_backup");
	my $standby = PostgreSQL::Test::Cluster->new($name);
	$standby->init_from_backup($primary, "${name}_backup", has_streaming => 1);
	$standby->start;
	$primary->wait_for_catchup($standby);
	return $standby;
}

# Table t (id integer PRIMARY KEY, a integer NOT NULL, c bigint, applied
# integer, $extra_columns) with ids and a from 1 to $rows. A trigger counts
# every update of c in `applied`, in the same transaction as the batch that
# makes it, so a batch applied twice shows as applied = 2 (run the jobs with
# only_null => false, so a repeated batch would write again).
sub create_counted_table {
	my ($node, $rows, $extra_columns) = @_;
	my $extra = defined $extra_columns ? ", $extra_columns" : '';
	$node->safe_psql('postgres', qq{
CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, c bigint, applied integer NOT NULL DEFAULT 0$extra);
INSERT INTO t SELECT g, g FROM generate_series(1, $rows) g;
CREATE FUNCTION count_apply() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	NEW.applied := OLD.applied + 1;
	RETURN NEW;
END
\$\$;
CREATE TRIGGER count_apply BEFORE UPDATE OF c ON t FOR EACH ROW EXECUTE FUNCTION count_apply();
});
}

1;
