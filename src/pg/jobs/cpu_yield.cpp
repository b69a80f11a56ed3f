// See cpu_yield.hpp.
#include "pg/jobs/cpu_yield.hpp"

#include <cerrno>
#include <csignal>
#include <sched.h>

extern "C" {
#include "miscadmin.h"
}

#include "pg/jobs/tick_timer.hpp"

namespace pg_backfill::pg {

namespace {

constexpr double kNsPerMs = 1e6;

timer_t yield_timer;
bool yield_timer_created = false;
// Whether the handler arms the next tick (cleared first when the yield
// stops, so a tick already delivered does not re-arm the timer).
volatile sig_atomic_t yield_armed = false;
// Written while the timer is disarmed.
int64 interval_ns = 0;
int64 retry_ns = 0;

// The timer's signal handler: sched_yield and timer_settime are system
// calls without user-space state. The next tick is armed when the handler
// ends, so the time the worker spent off the CPU is not counted twice.
void
YieldTick(int) {
	if (!yield_armed)
		return;
	int saved_errno = errno;
	bool may_yield = InterruptHoldoffCount == 0 && CritSectionCount == 0;
	if (may_yield)
		(void)sched_yield();
	if (yield_armed)
		ArmTickTimer(yield_timer, may_yield ? interval_ns : retry_ns);
	errno = saved_errno;
}

} // namespace

void
StartCpuYield(double interval_ms) {
	if (!yield_timer_created) {
		// SIGRTMIN is the CPU duty limit's.
		yield_timer = CreateTickTimer(SIGRTMIN + 1, YieldTick, "the CPU yield");
		yield_timer_created = true;
	}
	interval_ns = Max(static_cast<int64>(interval_ms * kNsPerMs), 1);
	retry_ns = Max(interval_ns / 10, 1);
	yield_armed = true;
	ArmTickTimer(yield_timer, interval_ns);
}

void
StopCpuYield() {
	yield_armed = false;
	if (yield_timer_created)
		ArmTickTimer(yield_timer, 0);
}

} // namespace pg_backfill::pg
