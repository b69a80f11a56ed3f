#include "core/job_phase.hpp"

namespace pg_backfill::core {

const char *
PhaseName(JobPhase phase) noexcept {
	switch (phase) {
	case JobPhase::Walk:
		return "walk";
	case JobPhase::Sweep:
		return "sweep";
	case JobPhase::FinalSweep:
		return "final sweep";
	}
	return "walk";
}

std::optional<JobPhase>
ParsePhase(std::string_view name) noexcept {
	for (JobPhase phase : {JobPhase::Walk, JobPhase::Sweep, JobPhase::FinalSweep})
		if (name == PhaseName(phase))
			return phase;
	return std::nullopt;
}

bool
SkipsLockedRows(JobPhase phase) noexcept {
	return phase != JobPhase::FinalSweep;
}

std::optional<JobPhase>
PhaseAfterPass(JobPhase finished, int64_t keys_left, int sweeps_done) noexcept {
	if (keys_left <= 0)
		return std::nullopt;
	if (finished == JobPhase::FinalSweep || sweeps_done >= kSkipLockedSweeps)
		return JobPhase::FinalSweep;
	return JobPhase::Sweep;
}

} // namespace pg_backfill::core
