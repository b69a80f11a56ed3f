// The launcher: with shared_preload_libraries, a static background worker
// that, at server start (and after a crash restart), visits every database
// that allows connections and starts workers for its jobs that were running
// or queued; it rescans when a job worker that ended found no waiting job in
// its own database while jobs were noted waiting somewhere (cross-database
// hand-off). Its latch is published in a
// tiny shared-memory struct; without preload there is neither.
#pragma once

namespace pg_backfill::pg {

// Installs the shared-memory hooks and registers the launcher. Call only
// from _PG_init while preloading. PG regime.
void InitLauncher();

// Notes that a job was left waiting for a worker slot (or a background
// worker) somewhere, so that the next freed slot is worth a rescan. Does
// nothing without preload. Never errors.
void NoteJobsWaiting();

// Asks the launcher to rescan all databases if a job was noted waiting since
// its last scan; does nothing without preload. Never errors.
void WakeLauncherIfJobsWaiting();

} // namespace pg_backfill::pg
