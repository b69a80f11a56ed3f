// Gives the CPU away while a paced job's batch runs and the application is
// active (the controller's decision, core/pace_controller): a timer
// interrupts the worker every pg_backfill.cpu_yield_interval of wall time,
// and the signal handler calls sched_yield(), so any runnable task waiting
// for this CPU (an application backend woken by its client, the client
// itself on the same host) runs now instead of when the scheduler's time
// slice ends. With nothing waiting, sched_yield returns at once.
//
// Why: the kernel lets a running task finish its slice (milliseconds) before
// a woken task of equal priority gets its CPU, so on a host whose CPUs the
// application keeps partly busy every batch delays the transactions that
// wake during it by up to a slice: a CPU burner with 2-ms bursts at a
// quarter of a CPU put pgbench's p99 at 2.2x its baseline, the same bursts
// with 0.2-ms yields at 0.9x (test/bench/cpu_bursts.sh; README, Measured).
// A lower priority does not do this: a worker preempted while it holds a
// lock stalls the application behind it.
//
// The yield is skipped, and tried again a tenth of the interval later, while
// the worker holds an LWLock or is in a critical section (the same safe
// points as the CPU duty limit): a yield there would keep the application's
// backends waiting on that lock. PG regime.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// Arms the yield, interval_ms (> 0) of wall time between yields. ereports
// ERROR (58000) when the timer cannot be set up. Not nested. (The batch
// loop's batches: armed where the batch's size is decided, pacing.hpp, and
// stopped by the loop when the batch ends or fails.)
void StartCpuYield(double interval_ms);
// Disarms it (nothing when it is not armed). Never errors (safe in
// PG_CATCH).
void StopCpuYield();

} // namespace pg_backfill::pg
