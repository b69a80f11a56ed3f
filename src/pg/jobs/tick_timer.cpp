// See tick_timer.hpp.
#include "pg/jobs/tick_timer.hpp"

#include <csignal>

namespace pg_backfill::pg {

namespace {
constexpr int64 kNsPerSec = 1000000000;
}

timer_t
CreateTickTimer(int signo, void (*handler)(int), const char *purpose) {
	struct sigaction action = {};
	action.sa_handler = handler;
	sigemptyset(&action.sa_mask);
	action.sa_flags = SA_RESTART;
	struct sigevent event = {};
	event.sigev_notify = SIGEV_SIGNAL;
	event.sigev_signo = signo;
	timer_t timer;
	if (sigaction(signo, &action, nullptr) != 0 || timer_create(CLOCK_MONOTONIC, &event, &timer) != 0)
		ereport(ERROR, (errcode(ERRCODE_SYSTEM_ERROR), errmsg("could not create a timer for %s: %m", purpose)));
	return timer;
}

void
ArmTickTimer(timer_t timer, int64 ns) {
	struct itimerspec spec = {};
	spec.it_value.tv_sec = static_cast<time_t>(ns / kNsPerSec);
	spec.it_value.tv_nsec = static_cast<long>(ns % kNsPerSec);
	(void)timer_settime(timer, 0, &spec, nullptr);
}

} // namespace pg_backfill::pg
