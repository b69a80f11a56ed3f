// The DDL guard's GUC definitions.
#include "pg/guard/settings.hpp"

#include <climits>

extern "C" {
#include "postgres.h"
#include "utils/guc.h"
}

namespace pg_backfill::pg {

int guc_guard_mode = kGuardWarn;
int guc_session_guard = kGuardOff;
int guc_guard_min_size_kb = 10 * 1024;
bool guc_allow_unsafe_ddl = false;
char *guc_unsafe_ddl_role = nullptr;

namespace {

const struct config_enum_entry kGuardModes[] = {
    {"off", kGuardOff, false},
    {"warn", kGuardWarn, false},
    {"block", kGuardBlock, false},
    {nullptr, 0, false},
};

} // namespace

void
DefineGuardSettings() {
	DefineCustomEnumVariable("pg_backfill.guard", "What the DDL guard does with unsafe DDL: off, warn or block.",
	                         "warn raises a WARNING, block raises an ERROR (SQLSTATE 55000).", &guc_guard_mode,
	                         kGuardWarn, kGuardModes, PGC_SUSET, 0, nullptr, nullptr, nullptr);
	DefineCustomEnumVariable("pg_backfill.session_guard", "A stricter DDL guard for this session: off, warn or block.",
	                         "The guard does the stricter of pg_backfill.guard and this; any role may set it.",
	                         &guc_session_guard, kGuardOff, kGuardModes, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("pg_backfill.guard_min_size", "Tables smaller than this are exempt from the DDL guard.",
	                        "Measured from the storage manager (heap and TOAST, summed over partitions).",
	                        &guc_guard_min_size_kb, 10 * 1024, 0, MAX_KILOBYTES, PGC_SUSET, GUC_UNIT_KB, nullptr,
	                        nullptr, nullptr);
	DefineCustomBoolVariable("pg_backfill.allow_unsafe_ddl",
	                         "Acknowledges unsafe DDL so the guard lets it run (logged).",
	                         "Honoured only for superusers and members of pg_backfill.unsafe_ddl_role.",
	                         &guc_allow_unsafe_ddl, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomStringVariable("pg_backfill.unsafe_ddl_role",
	                           "Role whose members may acknowledge unsafe DDL with pg_backfill.allow_unsafe_ddl.",
	                           nullptr, &guc_unsafe_ddl_role, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

GuardMode
EffectiveGuardMode() {
	return GuardMode(guc_guard_mode > guc_session_guard ? guc_guard_mode : guc_session_guard);
}

} // namespace pg_backfill::pg
