// ALTER DOMAIN rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

namespace pg_backfill::core::detail {

// ALTER DOMAIN ... ADD CONSTRAINT / SET NOT NULL / VALIDATE CONSTRAINT,
// judged on one table using the domain: each scans every stored value of
// the domain unless NOT VALID or already done.
void
DomainWork(const DdlFacts &f, Work *w) noexcept {
	if (f.noop || f.not_valid)
		return;
	w->scan = true;
	w->rule = f.domain_validate       ? DdlRule::kDomainValidateConstraint
	          : f.domain_set_not_null ? DdlRule::kDomainSetNotNull
	                                  : DdlRule::kDomainAddCheck;
}

} // namespace pg_backfill::core::detail
