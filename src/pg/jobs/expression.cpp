#include "pg/jobs/expression.hpp"

extern "C" {
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "catalog/heap.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
}

namespace pg_backfill::pg {

namespace {

// The expression being analysed and what it is, for the error context.
struct ExpressionContext {
	const char *wrapped; // "SELECT (<expression>\n)"
	const char *what;    // "backfill expression", "default expression", ...
};

// Error context for parse and analysis errors: the position PostgreSQL
// reports points into our wrapped statement, not into the caller's query, so
// report it as an internal query position and name the expression.
void
ExpressionErrorContext(void *arg) {
	const ExpressionContext *context = (const ExpressionContext *)arg;
	int position = geterrposition();
	if (position > 0) {
		errposition(0);
		internalerrposition(position);
		internalerrquery(context->wrapped);
	}
	errcontext("%s", context->what);
}

// The one expression of "SELECT (<expression>)", or an error when the text
// smuggles in anything else (more statements, targets or clauses).
Node *
ParseSingleExpression(const char *wrapped, const char *what) {
	List *stmts = raw_parser(wrapped, RAW_PARSE_DEFAULT);
	SelectStmt *select = nullptr;
	if (list_length(stmts) == 1) {
		Node *stmt = linitial_node(RawStmt, stmts)->stmt;
		if (IsA(stmt, SelectStmt))
			select = (SelectStmt *)stmt;
	}
	bool single = select != nullptr && list_length(select->targetList) == 1 && select->distinctClause == NIL &&
	              select->intoClause == nullptr && select->fromClause == NIL && select->whereClause == nullptr &&
	              select->groupClause == NIL && select->havingClause == nullptr && select->windowClause == NIL &&
	              select->valuesLists == NIL && select->sortClause == NIL && select->limitOffset == nullptr &&
	              select->limitCount == nullptr && select->lockingClause == NIL && select->withClause == nullptr &&
	              select->op == SETOP_NONE;
	ResTarget *target = single ? linitial_node(ResTarget, select->targetList) : nullptr;
	if (target == nullptr || target->name != nullptr || target->indirection != NIL)
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("%s must be a single expression", what),
		                errdetail("It may not contain other clauses or statements.")));
	return target->val;
}

// Pushes ExpressionErrorContext for `expression` (as *context says) and
// returns the raw expression of "SELECT (<expression>)". The caller pops
// *callback.
Node *
ParseExpressionText(const char *expression, const char *what, ExpressionContext *context,
                    ErrorContextCallback *callback) {
	// The newline ends a trailing "--" comment inside the parentheses.
	context->wrapped = psprintf("SELECT (%s\n)", expression);
	context->what = what;
	callback->callback = ExpressionErrorContext;
	callback->arg = context;
	callback->previous = error_context_stack;
	error_context_stack = callback;
	return ParseSingleExpression(context->wrapped, what);
}

// The deparse of the analysed expression `expr` over `rel`'s columns, made
// with pg_dump's settings: search_path = kJobSearchPath, so ruleutils
// qualifies every function, operator, type and collation that this path
// would not find by its bare name; and constants written so that any session
// reads them back as the same values (DateStyle ISO: '02/01/2024' means
// another day under MDY than under DMY; IntervalStyle postgres;
// extra_float_digits 3). The settings are undone here, or by the
// transaction's abort.
char *
DeparseQualified(Node *expr, Relation rel) {
	int nest_level = NewGUCNestLevel();
	const char *settings[][2] = {{"search_path", kJobSearchPath},
	                             {"datestyle", "ISO"},
	                             {"intervalstyle", "postgres"},
	                             {"extra_float_digits", "3"}};
	for (const auto &setting : settings)
		(void)set_config_option(setting[0], setting[1], PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	char *deparsed = deparse_expression(expr, deparse_context_for(RelationGetRelationName(rel), RelationGetRelid(rel)),
	                                    false, false);
	AtEOXact_GUC(true, nest_level);
	return deparsed;
}

} // namespace

char *
AnalyzeBackfillExpression(Relation rel, AttrNumber attnum, const char *expression, Node **analysed) {
	ExpressionContext context;
	ErrorContextCallback callback;
	Node *raw = ParseExpressionText(expression, "backfill expression", &context, &callback);
	ParseState *pstate = make_parsestate(nullptr);
	pstate->p_sourcetext = context.wrapped;
	ParseNamespaceItem *nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, false);
	addNSItemToQuery(pstate, nsitem, false, true, true);
	Node *expr = transformExpr(pstate, raw, EXPR_KIND_UPDATE_SOURCE);
	if (checkExprHasSubLink(expr))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("backfill expression cannot contain a subquery"),
		                errhint("Compute the value from the row's own columns, or call a function.")));

	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Oid expr_type = exprType(expr);
	Node *coerced = coerce_to_target_type(pstate, expr, expr_type, att->atttypid, att->atttypmod, COERCION_ASSIGNMENT,
	                                      COERCE_IMPLICIT_CAST, -1);
	if (coerced == nullptr)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
		                errmsg("column \"%s\" is of type %s but expression is of type %s", NameStr(att->attname),
		                       format_type_be(att->atttypid), format_type_be(expr_type)),
		                errhint("You will need to rewrite or cast the expression.")));
	assign_expr_collations(pstate, coerced);
	char *deparsed = DeparseQualified(coerced, rel);
	error_context_stack = callback.previous;
	free_parsestate(pstate);
	if (analysed != nullptr)
		*analysed = coerced;
	return deparsed;
}

char *
AnalyzeDefaultExpression(Relation rel, AttrNumber attnum, const char *expression) {
	ExpressionContext context;
	ErrorContextCallback callback;
	Node *raw = ParseExpressionText(expression, "default expression", &context, &callback);
	ParseState *pstate = make_parsestate(nullptr);
	pstate->p_sourcetext = context.wrapped;
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Node *cooked = cookDefault(pstate, raw, att->atttypid, att->atttypmod, NameStr(att->attname), '\0');
	char *deparsed = DeparseQualified(cooked, rel);
	error_context_stack = callback.previous;
	free_parsestate(pstate);
	return deparsed;
}

char *
AnalyzeCheckExpression(Relation rel, const char *expression) {
	ExpressionContext context;
	ErrorContextCallback callback;
	Node *raw = ParseExpressionText(expression, "check constraint expression", &context, &callback);
	ParseState *pstate = make_parsestate(nullptr);
	pstate->p_sourcetext = context.wrapped;
	ParseNamespaceItem *nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);
	Node *expr = transformExpr(pstate, raw, EXPR_KIND_CHECK_CONSTRAINT);
	expr = coerce_to_boolean(pstate, expr, "CHECK");
	assign_expr_collations(pstate, expr);
	char *deparsed = DeparseQualified(expr, rel);
	error_context_stack = callback.previous;
	free_parsestate(pstate);
	return deparsed;
}

} // namespace pg_backfill::pg
