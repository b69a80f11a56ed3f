#include "core/job_phase.hpp"

namespace pg_backfill::core {

namespace {

constexpr JobPhase kAllPhases[] = {
    JobPhase::Walk,
    JobPhase::Sweep,
    JobPhase::FinalSweep,
    JobPhase::SetDefault,
    JobPhase::AddNotNullCheck,
    JobPhase::ValidateNotNullCheck,
    JobPhase::SetNotNull,
    JobPhase::DropNotNullCheck,
    JobPhase::AddCheck,
    JobPhase::ValidateCheck,
    JobPhase::AddForeignKey,
    JobPhase::ValidateForeignKey,
    JobPhase::CreateIndex,
    JobPhase::DropSyncTrigger,
};

// Whether the plan runs the step of finishing phase `phase`.
bool
Planned(const FinishPlan &plan, JobPhase phase) noexcept {
	switch (phase) {
	case JobPhase::SetDefault:
		return plan.set_default;
	case JobPhase::AddNotNullCheck:
	case JobPhase::ValidateNotNullCheck:
	case JobPhase::SetNotNull:
	case JobPhase::DropNotNullCheck:
		return plan.not_null;
	case JobPhase::AddCheck:
	case JobPhase::ValidateCheck:
		return plan.check;
	case JobPhase::AddForeignKey:
	case JobPhase::ValidateForeignKey:
		return plan.foreign_key;
	case JobPhase::CreateIndex:
		return plan.create_index;
	case JobPhase::DropSyncTrigger:
		return plan.drop_sync_trigger;
	case JobPhase::Walk:
	case JobPhase::Sweep:
	case JobPhase::FinalSweep:
		return false;
	}
	return false;
}

// The first planned finishing phase after position `from` of kAllPhases.
std::optional<JobPhase>
PlannedFrom(const FinishPlan &plan, size_t from) noexcept {
	for (size_t i = from; i < sizeof(kAllPhases) / sizeof(kAllPhases[0]); i++)
		if (Planned(plan, kAllPhases[i]))
			return kAllPhases[i];
	return std::nullopt;
}

} // namespace

const char *
PhaseName(JobPhase phase) noexcept {
	switch (phase) {
	case JobPhase::Walk:
		return "walk";
	case JobPhase::Sweep:
		return "sweep";
	case JobPhase::FinalSweep:
		return "final sweep";
	case JobPhase::SetDefault:
		return "set default";
	case JobPhase::AddNotNullCheck:
		return "add not null check";
	case JobPhase::ValidateNotNullCheck:
		return "validate not null check";
	case JobPhase::SetNotNull:
		return "set not null";
	case JobPhase::DropNotNullCheck:
		return "drop not null check";
	case JobPhase::AddCheck:
		return "add check";
	case JobPhase::ValidateCheck:
		return "validate check";
	case JobPhase::AddForeignKey:
		return "add foreign key";
	case JobPhase::ValidateForeignKey:
		return "validate foreign key";
	case JobPhase::CreateIndex:
		return "create index";
	case JobPhase::DropSyncTrigger:
		return "drop sync trigger";
	}
	return "walk";
}

std::optional<JobPhase>
ParsePhase(std::string_view name) noexcept {
	for (JobPhase phase : kAllPhases)
		if (name == PhaseName(phase))
			return phase;
	return std::nullopt;
}

bool
SkipsLockedRows(JobPhase phase) noexcept {
	return phase == JobPhase::Walk || phase == JobPhase::Sweep;
}

std::optional<JobPhase>
PhaseAfterPass(JobPhase finished, int64_t keys_left, int sweeps_done) noexcept {
	if (keys_left <= 0)
		return std::nullopt;
	if (finished == JobPhase::FinalSweep || sweeps_done >= kSkipLockedSweeps)
		return JobPhase::FinalSweep;
	return JobPhase::Sweep;
}

bool
IsFinishingPhase(JobPhase phase) noexcept {
	return phase != JobPhase::Walk && phase != JobPhase::Sweep && phase != JobPhase::FinalSweep;
}

std::optional<JobPhase>
FirstFinishingPhase(const FinishPlan &plan) noexcept {
	return PlannedFrom(plan, 0);
}

std::optional<JobPhase>
NextFinishingPhase(const FinishPlan &plan, JobPhase done) noexcept {
	for (size_t i = 0; i < sizeof(kAllPhases) / sizeof(kAllPhases[0]); i++)
		if (kAllPhases[i] == done)
			return PlannedFrom(plan, i + 1);
	return std::nullopt;
}

JobPhase
PhaseThatMadeIt(JobPhase phase) noexcept {
	switch (phase) {
	case JobPhase::ValidateNotNullCheck:
		return JobPhase::AddNotNullCheck;
	case JobPhase::ValidateCheck:
		return JobPhase::AddCheck;
	case JobPhase::ValidateForeignKey:
		return JobPhase::AddForeignKey;
	default:
		return phase;
	}
}

} // namespace pg_backfill::core
