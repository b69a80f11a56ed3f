// DDL guard initialisation: GUCs always, the ProcessUtility hook and the
// counters' shared memory only when preloaded (a hook installed by a late LOAD would guard one backend only).
#include "pg/guard/guard.hpp"
#include "pg/guard/settings.hpp"
#include "pg/module.hpp"

namespace pg_backfill::pg {

// Defines the guard's GUCs and, when preloading, installs the hook and
// requests the counters' shared memory.
// PG regime: may ereport(ERROR).
void
GuardInit(bool preloading) {
	DefineGuardSettings();
	if (preloading) {
		InstallGuardHook();
		InstallGuardCounters();
	}
}

} // namespace pg_backfill::pg
