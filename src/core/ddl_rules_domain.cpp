// ALTER DOMAIN rules of the DDL guard. See ddl_rules.hpp.
#include "core/ddl_rules_internal.hpp"

#include <string>

namespace pg_backfill::core::detail {

// ALTER DOMAIN ... ADD CONSTRAINT / SET NOT NULL / VALIDATE CONSTRAINT,
// judged on one table using the domain.
void
DomainWork(const DdlFacts &f, Work *w) {
	std::string dom = Str(f.type_name);
	if (f.domain_set_not_null)
		w->subject = "on domain " + dom;
	else
		w->subject = Quoted(f.object_raw) + " on domain " + dom;
	if (f.noop || f.not_valid)
		return;
	w->scan = true;
	std::string dalter = "ALTER DOMAIN " + dom + " ";
	std::string find = Str(f.check_sql).empty()
	                       ? std::string()
	                       : " Find the existing values it rejects without a blocking lock: " + Str(f.check_sql);
	if (f.domain_validate) {
		w->why = "In PostgreSQL 15, ALTER DOMAIN ... VALIDATE CONSTRAINT, unlike its ALTER TABLE counterpart, "
		         "checks every stored value of the domain holding ShareLock on each table using it until the "
		         "statement ends (validateDomainConstraint, get_rels_with_domain).";
		w->hint = "PostgreSQL 15 has no lock-free way to validate a domain constraint. A NOT VALID domain "
		          "constraint already checks every new and updated value; leave it NOT VALID, or validate it "
		          "in a quiet period with lock_timeout set: SET lock_timeout = '2s'; " +
		          dalter + "VALIDATE CONSTRAINT " + f.object_name + ";" + find;
	} else if (f.domain_set_not_null) {
		w->why = "SET NOT NULL on a domain checks every stored value of the domain, holding ShareLock on each "
		         "table using it until the statement ends (AlterDomainNotNull, get_rels_with_domain).";
		std::string con = QuoteIdent(Str(f.object_raw).empty() ? "not_null" : Str(f.object_raw));
		w->hint = "PostgreSQL 15 has no NOT VALID form of SET NOT NULL for a domain. Reject new NULLs at once "
		          "with a NOT VALID constraint, which checks only new and updated values: " +
		          dalter + "ADD CONSTRAINT " + con +
		          " CHECK (VALUE IS NOT NULL) NOT VALID; validating it or SET NOT NULL still scans under "
		          "ShareLock, so do that in a quiet period with lock_timeout set." +
		          find;
	} else {
		w->why = "A domain CHECK constraint added without NOT VALID is checked against every stored value of "
		         "the domain, holding ShareLock on each table using it until the statement ends "
		         "(validateDomainConstraint, get_rels_with_domain).";
		w->hint = "Add it NOT VALID: new and updated values are checked at once, existing ones are not: " + dalter +
		          "ADD CONSTRAINT " + f.object_name + " CHECK " + Paren(Str(f.object_def)) + " NOT VALID;" +
		          (find.empty() ? " Check the existing values with a plain SELECT." : find) +
		          " In PostgreSQL 15 ALTER DOMAIN ... VALIDATE CONSTRAINT still takes ShareLock on every "
		          "table using the domain, so validate in a quiet period with lock_timeout set, or leave the "
		          "constraint NOT VALID.";
	}
}

} // namespace pg_backfill::core::detail
