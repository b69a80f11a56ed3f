// Private to src/core/ddl_rules*.cpp: the work a statement family's rules
// find, the helpers their messages and hints share, and one rule function per
// family. DecideDdl (ddl_rules.cpp) dispatches on DdlFacts::command to the
// family function, then judges the work it returns. Pure C++17.
#pragma once

#include "core/ddl_rules.hpp"

#include <string>

namespace pg_backfill::core::detail {

// The work a subcommand does on its table, before exemptions.
struct Work {
	bool rewrite = false;
	bool scan = false;
	bool index_build = false;
	bool fk_validation = false;
	std::string subject; // what follows the command tag in the message, e.g. "\"c\" with a volatile default"
	std::string why;     // one or more sentences: why PostgreSQL 15 does this work
	std::string hint;    // the safe sequence
};

// Helpers shared by the families (ddl_rules.cpp).

// quote_literal(): a SQL string literal, E'' when it contains a backslash.
std::string Literal(const std::string &s);

// An identifier in double quotes, as PostgreSQL's messages name objects.
std::string Quoted(const std::string &name);

// expr in parentheses unless deparsing already put it in some.
std::string Paren(const std::string &expr);

// A possibly-null fact string as std::string.
std::string Str(const char *s);

// quote_identifier() for names the hints make up (lower-case letters,
// digits and underscores stay bare; anything else is double-quoted).
std::string QuoteIdent(const std::string &name);

// A made-up object name from a table's name and a suffix, within NAMEDATALEN.
std::string MadeUpName(const DdlFacts &f, const std::string &suffix);

// The statement prefix of hints: "ALTER TABLE <relation> ".
std::string Alter(const DdlFacts &f);

// The CHECK route to NOT NULL without a long AccessExclusiveLock scan, for
// column (quoted) / column_raw; the second form for f.column / f.column_raw.
std::string NotNullRoute(const DdlFacts &f, const std::string &column, const std::string &column_raw);
std::string NotNullRoute(const DdlFacts &f);

// A BEFORE INSERT OR UPDATE trigger that sets column (quoted) to
// expression (over NEW) in every row written: function and trigger named fn.
std::string SetColumnTrigger(const DdlFacts &f, const std::string &fn, const std::string &column,
                             const std::string &expression);

// One rule function per statement family, each in its own file (the table
// at the top of ddl_rules.hpp): fills *w for f.command.
void AddColumnWork(const DdlFacts &f, Work *w);  // ddl_rules_add_column.cpp
void AlterTypeWork(const DdlFacts &f, Work *w);  // ddl_rules_alter_type.cpp
void ConstraintWork(const DdlFacts &f, Work *w); // ddl_rules_constraints.cpp
void PartitionWork(const DdlFacts &f, Work *w);  // ddl_rules_partitions.cpp
void IndexWork(const DdlFacts &f, Work *w);      // ddl_rules_index.cpp
void RewriteWork(const DdlFacts &f, Work *w);    // ddl_rules_rewrite.cpp
void DomainWork(const DdlFacts &f, Work *w);     // ddl_rules_domain.cpp

} // namespace pg_backfill::core::detail
