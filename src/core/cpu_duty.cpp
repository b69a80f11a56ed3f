// See cpu_duty.hpp.
#include "core/cpu_duty.hpp"

namespace pg_backfill::core {

namespace {

// The pause that cpu_ns of CPU time owes at duty.
int64_t
Owed(int64_t cpu_ns, double duty) noexcept {
	return static_cast<int64_t>(static_cast<double>(cpu_ns) * (1.0 - duty) / duty);
}

} // namespace

CpuDutyLimit::CpuDutyLimit(double duty, int64_t max_owed_cpu_ns, double idle_app_tps) noexcept
    : duty_(duty > 1.0 ? 1.0 : (duty > 0.01 ? duty : 0.01)),
      max_pause_ns_(max_owed_cpu_ns > 0 ? Owed(max_owed_cpu_ns, duty_) : 0), idle_app_tps_(idle_app_tps) {}

void
CpuDutyLimit::SeeAppCommits(uint64_t commits, int64_t elapsed_ns) noexcept {
	if (elapsed_ns <= 0)
		return;
	app_active_ = static_cast<double>(commits) * 1e9 / static_cast<double>(elapsed_ns) > idle_app_tps_;
}

int64_t
CpuDutyLimit::PauseAfter(int64_t cpu_ns, bool may_pause) noexcept {
	if (!app_active_) {
		owed_ns_ = 0;
		return 0;
	}
	if (cpu_ns > 0)
		owed_ns_ += Owed(cpu_ns, duty_);
	if (owed_ns_ > max_pause_ns_)
		owed_ns_ = max_pause_ns_;
	if (!may_pause)
		return 0;
	int64_t pause = owed_ns_;
	owed_ns_ = 0;
	return pause;
}

} // namespace pg_backfill::core
