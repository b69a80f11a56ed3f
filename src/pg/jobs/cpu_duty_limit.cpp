// See cpu_duty_limit.hpp.
#include "pg/jobs/cpu_duty_limit.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>

extern "C" {
#include "miscadmin.h"
#include "utils/wait_event.h"
}

#include "core/cpu_duty.hpp"
#include "core/pace_controller.hpp"
#include "pg/jobs/app_latency.hpp"
#include "pg/jobs/tick_timer.hpp"

namespace pg_backfill::pg {

namespace {

constexpr int64 kNsPerSec = 1000000000;
constexpr int64 kNsPerMs = 1000000;
// The tick: short slices, so an application transaction that needs the CPU
// the worker holds waits about a millisecond at most.
constexpr int64 kTickNs = kNsPerMs;
// Ticks between two looks at the application's commits: 100 ms.
constexpr int kTicksPerActivityCheck = static_cast<int>(100 * kNsPerMs / kTickNs);
// A longer run without a chance to pause (the worker held an LWLock) is
// not paid back all at once: one pause pays for 10 ms of CPU time at most.
constexpr int64 kMaxOwedCpuNs = 10 * kNsPerMs;

// What a page of a scan that calls vacuum_delay_point costs in CPU, about
// (a btree page of the build's own index, read and its tuples sorted).
constexpr double kPageCpuMs = 0.05;

timer_t tick_timer;
bool tick_timer_created = false;
// Whether the handler arms the next tick (cleared first when the limit
// stops, so a tick already delivered does not re-arm the timer).
volatile sig_atomic_t limit_armed = false;
// Written while the timer is disarmed, read and updated by the handler.
core::CpuDutyLimit duty_limit(1.0, kMaxOwedCpuNs, 0);
int64 last_cpu_ns = 0;
int ticks_to_activity_check = 0;
bool app_measured = false;
uint64 app_commits = 0;
int64 app_commits_at_ns = 0;
// Vacuum's cost-delay state of the process before the limit started.
bool saved_cost_active = false;
int saved_cost_limit = 0;
double saved_cost_delay = 0;

int64
ClockNs(clockid_t clock) {
	struct timespec ts;
	(void)clock_gettime(clock, &ts);
	return static_cast<int64>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

// Tells the limit how many transactions the database's client backends
// committed since the last look (when that is measured).
void
CheckAppActivity() {
	uint64 commits = 0;
	if (!app_measured || !AppTransactionCount(&commits))
		return;
	int64 now = ClockNs(CLOCK_MONOTONIC);
	duty_limit.SeeAppCommits(commits - app_commits, now - app_commits_at_ns);
	app_commits = commits;
	app_commits_at_ns = now;
	// Vacuum's cost delay (below) only while the application is active too.
	VacuumCostActive = duty_limit.app_active();
}

// The timer's signal handler: clock_gettime, nanosleep and timer_settime are
// async-signal-safe; CpuDutyLimit is arithmetic, AppTransactionCount reads
// atomics, the wait event is one store. Another signal (SIGTERM, SIGINT, a
// latch) ends the pause early. The next tick is armed when the handler
// ends, a full tick later: a periodic timer would fire during the pause
// and its tick, delivered at once after it, would count the handler's own
// cost as work and pause again, starving the statement at small duties.
void
PauseForDuty(int) {
	if (!limit_armed)
		return;
	int saved_errno = errno;
	if (--ticks_to_activity_check <= 0) {
		CheckAppActivity();
		ticks_to_activity_check = kTicksPerActivityCheck;
	}
	int64 now = ClockNs(CLOCK_THREAD_CPUTIME_ID);
	bool may_pause = InterruptHoldoffCount == 0 && CritSectionCount == 0;
	int64 pause = duty_limit.PauseAfter(now - last_cpu_ns, may_pause);
	if (pause > 0) {
		uint32 saved_wait_event = *my_wait_event_info;
		*(volatile uint32 *)my_wait_event_info = PG_WAIT_EXTENSION;
		struct timespec ts = {static_cast<time_t>(pause / kNsPerSec), static_cast<long>(pause % kNsPerSec)};
		(void)nanosleep(&ts, nullptr);
		*(volatile uint32 *)my_wait_event_info = saved_wait_event;
	}
	last_cpu_ns = ClockNs(CLOCK_THREAD_CPUTIME_ID);
	if (limit_armed)
		ArmTickTimer(tick_timer, kTickNs);
	errno = saved_errno;
}

} // namespace

void
StartCpuDutyLimit(double duty) {
	if (!tick_timer_created) {
		tick_timer = CreateTickTimer(SIGRTMIN, PauseForDuty, "the CPU limit");
		tick_timer_created = true;
	}
	duty_limit = core::CpuDutyLimit(duty, kMaxOwedCpuNs, core::DefaultPaceSettings().idle_app_tps);
	// The first count claims the database's slot here, not in the handler.
	app_measured = AppTransactionCount(&app_commits);
	app_commits_at_ns = ClockNs(CLOCK_MONOTONIC);
	ticks_to_activity_check = kTicksPerActivityCheck;
	last_cpu_ns = ClockNs(CLOCK_THREAD_CPUTIME_ID);
	// Scans that hold a page lock most of the time (an index build's scan
	// of its own index) leave the handler no tick to pause at; they call
	// vacuum_delay_point at every page boundary, where vacuum's cost delay
	// sleeps with no lock held: a page's CPU owes its pause there.
	saved_cost_active = VacuumCostActive;
	saved_cost_limit = VacuumCostLimit;
	saved_cost_delay = VacuumCostDelay;
	VacuumCostActive = true;
	VacuumCostBalance = 0;
	VacuumCostLimit = 1;
	VacuumCostDelay = kPageCpuMs * (1.0 - duty_limit.duty()) / duty_limit.duty();
	limit_armed = true;
	ArmTickTimer(tick_timer, kTickNs);
}

void
StopCpuDutyLimit() {
	// A tick already queued returns at once and arms nothing.
	limit_armed = false;
	if (tick_timer_created)
		ArmTickTimer(tick_timer, 0);
	VacuumCostActive = saved_cost_active;
	VacuumCostLimit = saved_cost_limit;
	VacuumCostDelay = saved_cost_delay;
	VacuumCostBalance = 0;
}

} // namespace pg_backfill::pg
