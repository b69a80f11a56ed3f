// SPI plans prepared once per backend and kept for its lifetime: the worker
// runs the same few statements for every batch.
#pragma once

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
}

namespace pg_backfill::pg {

// The plan kept in *slot, prepared from `sql` with the given parameter types
// on first use (SPI_prepare + SPI_keepplan). Needs an SPI connection. PG
// regime: ereports if the statement does not prepare.
SPIPlanPtr KeptPlan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types);

} // namespace pg_backfill::pg
