#include "core/progress.hpp"

#include <algorithm>
#include <cmath>

namespace pg_backfill::core {

Progress
ComputeProgress(int64_t rows_done, int64_t rows_estimated, double elapsed_seconds, bool finished) noexcept {
	Progress p{};
	rows_done = std::max<int64_t>(rows_done, 0);
	if (finished) {
		p.has_percent = true;
		p.percent = 100.0;
	} else if (rows_estimated > 0) {
		p.has_percent = true;
		p.percent = std::min(99.9, 100.0 * static_cast<double>(rows_done) / static_cast<double>(rows_estimated));
	}
	if (elapsed_seconds > 0.0 && std::isfinite(elapsed_seconds)) {
		p.has_rate = true;
		p.rate = static_cast<double>(rows_done) / elapsed_seconds;
	}
	if (finished) {
		p.has_eta = true;
		p.eta_seconds = 0.0;
	} else if (p.has_percent && p.has_rate && p.rate > 0.0) {
		// rows_estimated > 0 and rows_done >= 0, so the difference cannot overflow.
		double remaining = static_cast<double>(std::max<int64_t>(rows_estimated - rows_done, 0));
		p.has_eta = true;
		p.eta_seconds = std::min(remaining / p.rate, kMaxEtaSeconds);
	}
	return p;
}

} // namespace pg_backfill::core
