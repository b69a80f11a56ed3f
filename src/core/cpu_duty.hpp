// A CPU duty-cycle limit for a process that runs one long statement it
// cannot pace from outside (VALIDATE CONSTRAINT, CREATE INDEX CONCURRENTLY):
// while the application is active, the process pauses often and briefly so
// that it uses at most `duty` of one CPU, in slices short enough (about a
// millisecond) that the application's transactions never queue behind it
// for long; while the application is idle it runs at full speed. Pure
// C++17, no allocation and no library calls, so the PostgreSQL layer can
// call it from a signal handler.
#pragma once

#include <cstdint>

namespace pg_backfill::core {

class CpuDutyLimit {
  public:
	// duty is the share of one CPU the process may use, in (0, 1]; values
	// outside are clamped (at or below 0: 0.01). The pause owed is at most
	// what max_owed_cpu_ns of CPU time owes at the duty, so a process that
	// ran long without a chance to pause (it held a lock the application
	// may need) does not then stop for long. The application counts as idle
	// at or below idle_app_tps transactions a second (the pacing
	// controller's threshold); it starts as active.
	CpuDutyLimit(double duty, int64_t max_owed_cpu_ns, double idle_app_tps) noexcept;

	// The application committed `commits` transactions in the last
	// `elapsed_ns`; unmeasured (no counts): call nothing, it stays active.
	void SeeAppCommits(uint64_t commits, int64_t elapsed_ns) noexcept;

	// Called at each tick with the CPU time the process used since the last
	// tick and whether it may pause now (it holds no lock another process
	// could wait on). Returns how long to pause now, in nanoseconds: the
	// pause that CPU time owes at the duty, plus what earlier ticks owed but
	// could not pause, capped (above); 0 when it may not pause (the
	// debt is kept), owes nothing (duty 1), or the application is idle (the
	// debt is dropped).
	int64_t PauseAfter(int64_t cpu_ns, bool may_pause) noexcept;

	double
	duty() const noexcept {
		return duty_;
	}
	bool
	app_active() const noexcept {
		return app_active_;
	}

  private:
	double duty_;
	int64_t max_pause_ns_;
	double idle_app_tps_;
	bool app_active_ = true;
	int64_t owed_ns_ = 0;
};

} // namespace pg_backfill::core
