// CPU pressure for the pacing controller: the share of wall time in which
// some runnable task of the host waited for a CPU, from Linux's pressure
// stall information (/proc/pressure/cpu, "some ... total=" in microseconds;
// Linux 4.20+). It sees what the application's in-server latency cannot:
// client backends and the application's own processes queued for a CPU
// between statements. CockroachDB paces its backfills on the same quantity
// (its Go scheduler's run-queue latency). PG regime.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// The host's CPU stall share (0..1) averaged over the last 10 s, as the
// kernel reports it (avg10), or -1 when the host does not report it. Read
// when a worker starts, before its first batch, it is the pressure of the
// load without this backfill.
double CpuStallShareLast10s();

// The CPU stall share (0..1) over the window that ended at now_s, and in
// *window_start_s when that window began; a window is at least 250 ms long,
// so a call sooner after the last one returns the last window's share. -1
// when the host does not report CPU pressure (not Linux, PSI disabled, or
// /proc unreadable): the signal is then off. now_s is PaceClockSeconds().
double CpuStallShare(double now_s, double *window_start_s);

} // namespace pg_backfill::pg
