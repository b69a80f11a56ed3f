// explain_ddl(sql text): the guard's analysis of each statement and
// subcommand in sql, without executing anything. It parses with
// raw_parser and runs AnalyzeStatement, the same function the hook uses,
// so the two agree by construction.
extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pg_backfill_explain_ddl);
Datum pg_backfill_explain_ddl(PG_FUNCTION_ARGS);
}

#include "pg/guard/guard.hpp"

namespace {

using pg_backfill::pg::GuardAnalysis;
using pg_backfill::pg::GuardedStatement;
using pg_backfill::pg::GuardFinding;

// The columns of version 0.2; a database still at 0.1 declares the first 13
// (no rule), and tuplestore_putvalues reads only the declared ones.
constexpr int kColumns = 14;

// Text datum or NULL for an empty string.
void
SetText(Datum *values, bool *nulls, int i, const char *s) {
	nulls[i] = s == nullptr || s[0] == '\0';
	if (!nulls[i])
		values[i] = CStringGetTextDatum(s);
}

// One row for a statement the guard has no finding for. PG regime.
void
PutStatementRow(ReturnSetInfo *rsinfo, int no, Node *stmt, const GuardAnalysis *a) {
	Datum values[kColumns] = {0};
	bool nulls[kColumns];
	for (int i = 0; i < kColumns; i++)
		nulls[i] = true;
	values[0] = Int32GetDatum(no);
	nulls[0] = false;
	SetText(values, nulls, 1, CreateCommandName(stmt));
	const char *verdict = "safe";
	const char *reason =
	    "The guard has no rule for this statement: it takes no long-held table lock the guard knows of.";
	if (a->failed) {
		verdict = "unknown";
		reason = psprintf("The analysis failed: %s. PostgreSQL would report the error when it runs.", a->error);
	} else if (IsA(stmt, DoStmt)) {
		verdict = "unknown";
		reason = "A DO block is analysed statement by statement by the guard's hook when it runs.";
	}
	SetText(values, nulls, 9, verdict);
	SetText(values, nulls, 10, reason);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

// One row per finding: the same facts and verdict the hook reports. PG regime.
void
PutFindingRow(ReturnSetInfo *rsinfo, int no, const GuardFinding *g) {
	Datum values[kColumns] = {0};
	bool nulls[kColumns] = {false};
	pg_backfill::pg::FindingText t = pg_backfill::pg::FormatFinding(g);
	values[0] = Int32GetDatum(no);
	SetText(values, nulls, 1, g->facts.command_tag);
	values[2] = ObjectIdGetDatum(g->relid);
	nulls[2] = !OidIsValid(g->relid);
	SetText(values, nulls, 3, pg_backfill::pg::GuardLockModeName(g->verdict.lock_mode));
	values[4] = BoolGetDatum(g->verdict.rewrite);
	values[5] = BoolGetDatum(g->verdict.scan);
	values[6] = BoolGetDatum(g->verdict.index_build);
	values[7] = BoolGetDatum(g->verdict.fk_validation);
	values[8] = Int64GetDatum(g->facts.size_bytes);
	SetText(values, nulls, 9, g->verdict.unsafe ? "unsafe" : "safe");
	SetText(values, nulls, 10, t.reason);
	SetText(values, nulls, 11, t.hint);
	SetText(values, nulls, 12, t.message);
	SetText(values, nulls, 13, pg_backfill::core::RuleName(g->verdict.rule));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

} // namespace

// SQL entry point. PG regime: may ereport(ERROR) (syntax errors in sql).
Datum
pg_backfill_explain_ddl(PG_FUNCTION_ARGS) {
	char *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	InitMaterializedSRF(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
	List *stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	int no = 0;
	ListCell *lc;
	foreach (lc, stmts) {
		Node *stmt = ((RawStmt *)lfirst(lc))->stmt;
		GuardedStatement guarded = {stmt, InvalidOid, false};
		GuardAnalysis a = pg_backfill::pg::AnalyzeStatement(&guarded);
		no++;
		if (a.findings == NIL) {
			PutStatementRow(rsinfo, no, stmt, &a);
			continue;
		}
		ListCell *fc;
		foreach (fc, a.findings)
			PutFindingRow(rsinfo, no, (const GuardFinding *)lfirst(fc));
	}
	return (Datum)0;
}
