#include "pg/jobs/kept_plan.hpp"

namespace pg_backfill::pg {

SPIPlanPtr
KeptPlan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types) {
	if (*slot == nullptr) {
		SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
		if (plan == nullptr)
			elog(ERROR, "pg_backfill: SPI_prepare failed (%d): %s", SPI_result, sql);
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "pg_backfill: SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}

} // namespace pg_backfill::pg
