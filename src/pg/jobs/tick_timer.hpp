// A one-shot POSIX timer (CLOCK_MONOTONIC) that delivers a real-time signal
// to the worker, for handlers that run in the middle of a statement (the
// CPU duty limit's pause, the CPU yield). Each user owns its signal number,
// so two users never share a handler. PG regime.
#pragma once

extern "C" {
#include "postgres.h"
}

#include <ctime>

namespace pg_backfill::pg {

// Installs handler for signo (SA_RESTART) and creates a timer that raises
// signo. ereports ERROR (58000) naming `purpose` when either fails.
timer_t CreateTickTimer(int signo, void (*handler)(int), const char *purpose);

// Fires the timer once, ns from now; 0 disarms it. Async-signal-safe.
void ArmTickTimer(timer_t timer, int64 ns);

} // namespace pg_backfill::pg
