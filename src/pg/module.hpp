// The extension's two halves, each initialised from _PG_init (module.cpp).
#pragma once

namespace pg_backfill::pg {

// Backfill jobs: GUCs always; with preloading also shared memory and the
// launcher that resumes jobs after a restart. PG regime.
void BackfillInit(bool preloading);

// DDL guard: GUCs always; with preloading also the ProcessUtility hook.
// PG regime.
void GuardInit(bool preloading);

} // namespace pg_backfill::pg
