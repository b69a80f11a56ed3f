// The SQL surface of pacing that is not LANGUAGE sql in the scripts:
// alter_backfill (pacing_sql.cpp) and the pace part of wait_backfill's
// progress notices. PG regime.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// "; batch N rows, pause M ms, held back by: R" from the job's latest
// pacing history row when `running`, else "" (palloc'd or static).
const char *PaceNoticeSuffix(int64 job_id, bool running);

} // namespace pg_backfill::pg
