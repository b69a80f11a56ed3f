// Private to src/core/ddl_rules*.cpp: the work a statement family's rules
// find and one rule function per family. DecideDdl (ddl_rules.cpp)
// dispatches on DdlFacts::command to the family function, then judges the
// work it returns. Pure C++17.
#pragma once

#include "core/ddl_rules.hpp"

namespace pg_backfill::core::detail {

// The work a subcommand does on its table, before exemptions, and the rule
// that found it (kCatalogOnly when there is none).
struct Work {
	DdlRule rule = DdlRule::kCatalogOnly;
	bool rewrite = false;
	bool scan = false;
	bool index_build = false;
	bool fk_validation = false;
};

// One rule function per statement family, each in its own file (the table
// at the top of ddl_rules.hpp): fills *w for f.command. Never throw.
void AddColumnWork(const DdlFacts &f, Work *w) noexcept;  // ddl_rules_add_column.cpp
void AlterTypeWork(const DdlFacts &f, Work *w) noexcept;  // ddl_rules_alter_type.cpp
void ConstraintWork(const DdlFacts &f, Work *w) noexcept; // ddl_rules_constraints.cpp
void PartitionWork(const DdlFacts &f, Work *w) noexcept;  // ddl_rules_partitions.cpp
void IndexWork(const DdlFacts &f, Work *w) noexcept;      // ddl_rules_index.cpp
void RewriteWork(const DdlFacts &f, Work *w) noexcept;    // ddl_rules_rewrite.cpp
void DomainWork(const DdlFacts &f, Work *w) noexcept;     // ddl_rules_domain.cpp

} // namespace pg_backfill::core::detail
