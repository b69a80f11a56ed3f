// Module entry point: PG_MODULE_MAGIC and _PG_init.
extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

#include "pg/module.hpp"

// Loaded either through shared_preload_libraries (the supported set-up: the
// DDL guard in every backend, jobs resumed after a restart) or on first use of
// a SQL function (jobs run, but nothing resumes them after a restart and no
// DDL is guarded).
void
_PG_init(void) {
	if (IsBinaryUpgrade)
		return;
	bool preloading = process_shared_preload_libraries_in_progress;
	pg_backfill::pg::BackfillInit(preloading);
	pg_backfill::pg::GuardInit(preloading);
	MarkGUCPrefixReserved("pg_backfill");
}
