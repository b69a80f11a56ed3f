// Partition rules of the DDL guard: ALTER TABLE ... ATTACH PARTITION and
// CREATE TABLE ... PARTITION OF. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

#include <string>

namespace pg_backfill::core::detail {

// ATTACH PARTITION: the attached table, or the DEFAULT partition's re-check
// (also for CREATE TABLE ... PARTITION OF).
void
PartitionWork(const DdlFacts &f, Work *w) {
	std::string a = Alter(f);
	if (f.default_partition) {
		w->subject = Quoted(f.other_relation);
		if (f.bound_implied)
			return;
		w->scan = true;
		w->why = std::string("Table ") + Quoted(f.relation_name) +
		         " is the DEFAULT partition: a new partition narrows its partition constraint, so PostgreSQL "
		         "scans it under AccessExclusiveLock for rows that belong to the new partition "
		         "(QueuePartitionConstraintValidation from ATExecAttachPartition, "
		         "check_default_partition_contents from CREATE TABLE ... PARTITION OF), since no validated "
		         "CHECK constraint on it excludes them.";
		std::string con = MadeUpName(f, "excludes_" + Str(f.other_relation));
		w->hint = "Beforehand, prove the default partition holds no rows of the new range with a "
		          "constraint validated under ShareUpdateExclusiveLock (move any such rows out first), "
		          "run the statement, then drop the constraint: " +
		          a + "ADD CONSTRAINT " + con + " CHECK " + Paren(Str(f.object_def)) + " NOT VALID; " + a +
		          "VALIDATE CONSTRAINT " + con + "; -- then the statement, and after it: " + a + "DROP CONSTRAINT " +
		          con + ";";
		return;
	}
	w->subject = Quoted(f.object_raw);
	std::string steps;
	if (!f.bound_implied) {
		w->scan = true;
		w->why = "No validated CHECK constraint on the partition implies its partition bound, so PostgreSQL "
		         "scans it to verify every row (QueuePartitionConstraintValidation).";
		std::string con = MadeUpName(f, "bound");
		steps = a + "ADD CONSTRAINT " + con + " CHECK " + Paren(Str(f.object_def)) + " NOT VALID; " + a +
		        "VALIDATE CONSTRAINT " + con + ";";
	}
	if (f.missing_indexes) {
		w->index_build = true;
		w->why += std::string(w->why.empty() ? "" : " ") +
		          "The partition has no valid, unattached index matching the partitioned table's index " +
		          Str(f.index_names) +
		          " (AttachPartitionEnsureIndexes, CompareIndexInfo), so PostgreSQL builds it while attaching.";
		steps += std::string(steps.empty() ? "" : " ") + Str(f.index_sql);
	}
	if (!steps.empty())
		w->hint = "Prepare the partition under ShareUpdateExclusiveLock before attaching, so ATTACH PARTITION "
		          "skips the work: " +
		          steps + (f.bound_implied ? "" : " Drop the CHECK constraint after attaching.");
}

} // namespace pg_backfill::core::detail
