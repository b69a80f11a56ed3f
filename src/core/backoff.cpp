#include "core/backoff.hpp"

#include <algorithm>

namespace pg_backfill::core {

int64_t
BackoffDelayMs(int attempt, int64_t initial_ms, int64_t max_ms, double unit_random) noexcept {
	initial_ms = std::max<int64_t>(initial_ms, 0);
	max_ms = std::max<int64_t>(max_ms, 0);
	attempt = std::max(attempt, 0);
	// Double until the cap is reached; stops early, so no overflow.
	int64_t cap = std::min(initial_ms, max_ms);
	for (int i = 0; i < attempt && cap < max_ms; i++)
		cap = cap > max_ms / 2 ? max_ms : cap * 2;
	double r = std::clamp(unit_random, 0.0, 1.0);
	int64_t delay = static_cast<int64_t>(r * static_cast<double>(cap));
	return std::clamp<int64_t>(delay, 0, cap);
}

} // namespace pg_backfill::core
