// The launcher: with shared_preload_libraries, a static background worker
// that, at server start (and after a crash restart), visits every database
// that allows connections and starts workers for its jobs that were running
// or queued; it rescans when a job worker that ended found no waiting job in
// its own database (cross-database hand-off). Its latch is published in a
// tiny shared-memory struct; without preload there is neither.
#pragma once

namespace pg_backfill::pg {

// Installs the shared-memory hooks and registers the launcher. Call only
// from _PG_init while preloading. PG regime.
void InitLauncher();

// Asks the launcher to rescan all databases; does nothing without preload.
// Never errors.
void WakeLauncher();

} // namespace pg_backfill::pg
