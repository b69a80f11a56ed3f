// Initialisation of the backfill jobs half of the extension (module.cpp).
#include "pg/module.hpp"

#include "pg/jobs/app_latency.hpp"
#include "pg/jobs/launcher.hpp"
#include "pg/jobs/settings.hpp"

// GUCs always; the launcher and its shared memory only when preloaded, since
// static background workers and shared memory can only be set up then.
// Without preload nothing resumes jobs after a restart or crash.
void
pg_backfill::pg::BackfillInit(bool preloading) {
	DefineBackfillSettings();
	if (preloading)
		InitLauncher();
	if (preloading)
		InitAppLatency();
}
