// See cpu_pressure.hpp.
#include "pg/jobs/cpu_pressure.hpp"

extern "C" {
#include "storage/fd.h"
}

#include <cstdio>

namespace pg_backfill::pg {

namespace {

constexpr double kMinWindowS = 0.25;
constexpr const char *kPressureFile = "/proc/pressure/cpu";

bool unavailable = false; // the file was missing or malformed once: stop trying
bool have_start = false;
double start_s = 0;        // when the current window began
double start_stall_us = 0; // the stall total then
double last_share = -1;
double last_window_start_s = 0;

// The "some" line's field `field` ("total=" in microseconds, "avg10=" in
// percent), or -1.
double
ReadSomeField(const char *field) {
	FILE *f = AllocateFile(kPressureFile, "r");
	if (f == nullptr)
		return -1;
	char line[256];
	double value = -1;
	while (fgets(line, sizeof(line), f) != nullptr) {
		if (strncmp(line, "some ", 5) == 0) {
			const char *t = strstr(line, field);
			if (t != nullptr && sscanf(t + strlen(field), "%lf", &value) != 1)
				value = -1;
			break;
		}
	}
	FreeFile(f);
	return value;
}

} // namespace

double
CpuStallShareLast10s() {
	double percent = unavailable ? -1 : ReadSomeField("avg10=");
	return percent < 0 ? -1 : percent / 100.0;
}

double
CpuStallShare(double now_s, double *window_start_s) {
	*window_start_s = last_window_start_s;
	if (unavailable)
		return -1;
	if (have_start && now_s - start_s < kMinWindowS)
		return last_share;
	double total_us = ReadSomeField("total=");
	if (total_us < 0) {
		unavailable = true;
		return -1;
	}
	if (have_start && now_s > start_s) {
		double share = (total_us - start_stall_us) / ((now_s - start_s) * 1e6);
		last_share = share < 0 ? 0 : share > 1 ? 1 : share;
		last_window_start_s = start_s;
	}
	have_start = true;
	start_s = now_s;
	start_stall_us = total_us;
	*window_start_s = last_window_start_s;
	return last_share;
}

} // namespace pg_backfill::pg
