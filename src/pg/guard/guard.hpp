// The DDL guard's PostgreSQL layer: shared declarations.
//
// One analysis path (AnalyzeStatement) serves both presentations: the
// ProcessUtility hook (hook.cpp) and explain_ddl() (explain_ddl.cpp).
#pragma once

extern "C" {
#include "postgres.h"
#include "catalog/objectaddress.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "storage/lock.h"
#include "utils/relcache.h"
}

#include "core/ddl_rules.hpp"

namespace pg_backfill::pg {

// One analysed subcommand (or statement). palloc'd; the strings in facts
// are palloc'd too.
struct GuardFinding {
	core::DdlFacts facts;
	core::DdlVerdict verdict;
	Oid relid;         // relation the work happens on
	AttrNumber attnum; // target column, or 0
	List *more_relids; // other tables the same work rewrites (VACUUM FULL / CLUSTER without a table)
};

// The texts of one finding (messages.cpp), palloc'd; "" when absent.
struct FindingText {
	const char *message; // errmsg: lower case, no trailing period
	const char *reason;  // why PostgreSQL does the work, or why it is exempt (explain_ddl's reason)
	const char *detail;  // errdetail: the reason, and for an unsafe finding what its lock blocks for how long
	const char *hint;    // errhint: the safe sequence; "" unless unsafe
};

// Result of analysing one statement.
struct GuardAnalysis {
	List *findings; // of GuardFinding *
	bool failed;    // the analysis raised an error (PostgreSQL will report it)
	char *error;    // its message when failed
};

// A statement the guard looks at, with the table it names looked up once.
// The hook and explain_ddl() build it as {parsetree, InvalidOid, false} and
// pass it down; StatementRelid fills relid at the table's first use.
struct GuardedStatement {
	Node *parsetree;
	Oid relid;        // StatementRelid's answer, once relid_known
	bool relid_known; // StatementRelid has looked the table up
};

// The statement table (statements.cpp): per node tag, whether the guard
// looks at the statement, the table it names, the tables it locks and how,
// and the fact collector that analyses it.

// True for the node tags the hook looks at: the guarded ones, plus those
// only the lock-queue and running-backfill checks care about (DROP, DROP
// OWNED, RENAME, TRUNCATE, CREATE TRIGGER).
bool IsHookedStatement(Node *parsetree);

// True for the node tags AnalyzeStatement may have something to say about.
bool IsGuardedStatement(Node *parsetree);

// The table the statement names and works on: ALTER TABLE's (for ATTACH
// PARTITION the parent), CREATE INDEX's, REINDEX TABLE's, REINDEX INDEX's
// table, CLUSTER's, the one table of VACUUM FULL, REFRESH MATERIALIZED
// VIEW's, RENAME's (table, column or constraint), TRUNCATE's first, CREATE
// TRIGGER's, the first table (or index's table) of DROP TABLE / DROP INDEX
// without CONCURRENTLY, the parent of CREATE TABLE ... PARTITION OF.
// InvalidOid when there is none or it does not exist.
//
// Looked up on the first call with RangeVarGetRelid and NoLock (no lock is
// taken, so the lock-queue check can run before anything queues) and
// remembered in *stmt. The first call happens where the table is first
// needed: in the lock-queue check (lock_timeout = 0), else inside the
// analysis's subtransaction, else in the running-jobs check; so a lookup
// error (a schema without USAGE, a cross-database name) surfaces where it
// did before. missing_ok = false raises PostgreSQL's "does not exist" error
// for a missing table, looking it up again if an earlier call remembered the
// miss. PG regime: may ereport(ERROR).
Oid StatementRelid(GuardedStatement *stmt, bool missing_ok = true);

// A table a statement locks, and how.
struct LockTarget {
	Oid relid;
	int lock_mode;
};

// Every table the statement locks that the lock-queue check should look
// at: StatementRelid's with the statement's lock mode (for ATTACH PARTITION
// the partition with AccessExclusiveLock instead of the parent with
// ShareUpdateExclusiveLock), plus the ones it locks besides (the referenced
// table of a foreign key, the DEFAULT partition a new partition re-checks,
// the tables using a domain). NoLock lookups only, so the check
// can run before the analysis queues for its own AccessShareLock. List of
// LockTarget *. PG regime: may ereport(ERROR) on bad options.
List *StatementLockTargets(GuardedStatement *stmt);

// True if the DefElem list has option `name` set to true.
// PG regime: may ereport(ERROR) on a bad value.
bool OptionSet(List *options, const char *name);

// Hands the statement to its fact collector. PG regime: may ereport(ERROR);
// AnalyzeStatement catches it.
void CollectFacts(GuardedStatement *stmt, List **findings);

// The analysis (analyze.cpp): one utility statement's parse tree, without
// executing it.
// Returns findings for the statement kinds the guard knows (an empty list
// otherwise). Errors raised while analysing are caught in a subtransaction
// and reported as failed. PG regime: may ereport(ERROR) only for resource
// exhaustion.
GuardAnalysis AnalyzeStatement(GuardedStatement *stmt);

// True for an error raised while the guard analyses a statement that must
// propagate instead of being reported as "analysis failed": interrupts, and
// failures to get a lock the analysis needs (lock_timeout, deadlock: the
// statement, which needs a stronger lock, could not proceed either), and
// anything worse than ERROR. Never errors.
bool MustRethrowAnalysisError(const ErrorData *edata);

// Fact collectors (facts.cpp, alter_table.cpp, partitions.cpp), called by
// CollectFacts. PG regime: may ereport(ERROR); AnalyzeStatement catches it.
void CollectAlterTableFacts(GuardedStatement *stmt, List **findings);
void CollectCreatePartitionFacts(GuardedStatement *stmt, List **findings);
void IndexFacts(GuardedStatement *stmt, List **findings);
void ReindexFacts(GuardedStatement *stmt, List **findings);
void DomainFacts(AlterDomainStmt *stmt, List **findings);
void MultiTableFacts(core::DdlCommand command, const char *tag, int lock_mode, bool concurrently,
                     ReindexObjectType reindex_kind, Oid schema, List **findings);
void RewriteFacts(core::DdlCommand command, const char *tag, Oid relid, int lock_mode, bool concurrently,
                  List **findings);

// The tables and materialized views with a column of the domain or of a
// domain over it (facts.cpp). PG regime.
void RelsWithDomain(Oid domainoid, List **relids);

// Partition rules (partitions.cpp). PG regime: may ereport(ERROR).
// AttachPartitionFacts fills g for ALTER TABLE parent ATTACH PARTITION
// attachrel (pc): the bound scan and the indexes PostgreSQL would build.
// DefaultPartitionFacts appends a finding for the DEFAULT partition of parent
// that a new partition with raw_bound makes PostgreSQL re-check.
void AttachPartitionFacts(GuardFinding *g, Relation parent, Relation attachrel, PartitionCmd *pc);
void DefaultPartitionFacts(const char *tag, Relation parent, PartitionBoundSpec *raw_bound, bool with_parent_qual,
                           Oid partid, const char *part_raw, const char *part_sql, List **findings);

// A transformed expression over rel, deparsed (alter_table.cpp). PG regime.
const char *Deparse(Node *expr, Relation rel, bool show_implicit = false);

// The guard's texts (messages.cpp): FormatFinding words a decided finding
// (g->verdict set by AnalyzeStatement) from its rule, with names quoted by
// quote_identifier, sizes from pg_size_pretty and lock modes from
// GetLockmodeName (the below-minimum exemption names
// pg_backfill.guard_min_size's current value). Looks up names for the hints it makes up
// (ChooseConstraintName, ChooseRelationName). PG regime: may ereport(ERROR).
FindingText FormatFinding(const GuardFinding *g);

// The lock mode's name as PostgreSQL spells it ("AccessExclusiveLock").
// PG regime.
const char *GuardLockModeName(int lock_mode);

// Relation facts (relation.cpp). PG regime: may ereport(ERROR).
// NewFinding allocates a finding for relid with every string empty and the
// relation's facts filled in: quoted names, size (heap + TOAST from the
// storage manager, summed over partitions), created or truncated in this
// transaction, partitioned.
GuardFinding *NewFinding(core::DdlCommand command, const char *command_tag, Oid relid, int lock_mode);
const char *QuotedRelationName(Oid relid);
const char *QuotedNewRelationName(Oid nsp, const char *name);
int64 RelationSizeBytes(Oid relid);
const char *PStrOrEmpty(const char *s);

// Lock-queue hazard (lock_queue.cpp): when the statement's lock on
// relid blocks writes, lock_timeout is 0 and another backend holds a
// conflicting lock, returns a palloc'd description of the first holder in
// *holder and true. PG regime.
bool FindLockQueueHazard(Oid relid, int lock_mode, char **holder, int *holder_pid = nullptr);

// What a statement drops (dropped_objects.cpp): for DROP of any object kind,
// DROP OWNED and ALTER TABLE ... DROP COLUMN / DROP CONSTRAINT, the objects
// it names and everything that depends on them through pg_depend, found as
// PostgreSQL's findDependentObjects finds them (auto, internal, partition
// and extension dependencies always, normal ones with CASCADE; inheritance
// children's columns that DROP COLUMN recurses to). nullptr for any other
// statement, or when a name lookup fails (PostgreSQL reports that error
// when the statement runs). Relation names are looked up without a lock;
// other objects' locks are released before it returns. PG regime: may
// ereport(ERROR) for interrupts and lock failures.
struct DroppedObjects;
DroppedObjects *FindDroppedObjects(GuardedStatement *stmt);

// Whether the statement drops the object (a column also when it drops the
// column's table); *by (if not null) gets the object the statement names
// whose drop takes it along. Never errors.
bool IsDropped(const DroppedObjects *dropped, Oid classid, Oid objid, int32 subid, ObjectAddress *by);

// The same for any lock tag (a relation, a transaction a row lock waits
// for, ...): a palloc'd description of the first other backend that holds
// or awaits a lock conflicting with lock_mode on *tag, and true; false when
// there is none, or when this transaction already holds a lock on *tag that
// makes a request for lock_mode granted at once. A prepared transaction is
// named as such. PG regime.
bool FindLockConflict(const LOCKTAG *tag, int lock_mode, char **holder, int *holder_pid = nullptr);

// True when pid is a pg_backfill job worker (its batches hold their table
// lock for one batch). Never errors.
bool IsBackfillJobWorker(int pid);

// Running backfill jobs (running_jobs.cpp): raises ERROR 55006 if the
// statement would break an active job: it drops the job's table, column or
// key index by any route (FindDroppedObjects), drops pg_backfill's job table
// while a job is active (DROP EXTENSION pg_backfill), retypes the job's
// column or rewrites its table. PG regime: may ereport(ERROR).
void CheckRunningBackfills(GuardedStatement *stmt, const GuardAnalysis *analysis);

// Installs the hook (hook.cpp). PG regime.
void InstallGuardHook();

// The guard's counters (counters.cpp): per database, rule and action, since
// the server started, read by guard_counters().
enum GuardAction { kGuardWarned = 0, kGuardBlocked = 1, kGuardAcknowledged = 2 };

// Requests and initialises their shared memory; call from _PG_init while
// preloading. PG regime.
void InstallGuardCounters();

// Adds one to this database's count of action for rule. Does nothing when
// not preloaded or when every database slot is taken. Never errors.
void CountGuardAction(core::DdlRule rule, GuardAction action);

} // namespace pg_backfill::pg
