// Limits the worker's own CPU use while it runs a statement that cannot be
// paced between batches (VALIDATE CONSTRAINT, CREATE INDEX CONCURRENTLY)
// and the application is active: a POSIX timer interrupts the process a
// millisecond of wall time after the last tick ended, and its signal handler
// pauses the process for what the CPU time used since then owes at the duty
// (core/cpu_duty). Every 100 ms the handler counts the transactions the
// database's client backends committed meanwhile (app_latency's counters):
// at or below the pacing controller's idle rate (20 a second) the
// statement runs at full speed. A pause is what the
// kernel's scheduler does to any process at any time, so it is safe
// wherever the statement is; it is taken only while the worker holds no
// LWLock (no buffer, WAL or lock-table lock another backend may queue for)
// and is in no critical section; what a tick could not pause is paused at
// the next one that can. While paused the worker shows wait event
// Extension in pg_stat_activity. Scans that hold page locks most of the
// time but call vacuum_delay_point at page boundaries (a btree build's scan
// of its own index) are paced there by vacuum's cost delay, which the limit
// turns on for its duration. PG regime.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// Arms the limit: from now on the process uses at most `duty` (0.01–1) of
// one CPU while the application is active. ereports ERROR (58000) when the
// timer cannot be set up. Not nested.
void StartCpuDutyLimit(double duty);
// Disarms it. Never errors (safe in PG_FINALLY).
void StopCpuDutyLimit();

// Runs fn under the limit; duty >= 1 runs it as it is. The limit ends with
// fn, also when fn raises.
template <typename Fn>
void
WithCpuDutyLimit(double duty, Fn fn) {
	if (duty >= 1.0) {
		fn();
		return;
	}
	StartCpuDutyLimit(duty);
	PG_TRY();
	{ fn(); }
	PG_FINALLY();
	{ StopCpuDutyLimit(); }
	PG_END_TRY();
}

} // namespace pg_backfill::pg
