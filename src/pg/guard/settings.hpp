// The DDL guard's pg_backfill.* GUCs (the backfill jobs define theirs in
// src/pg/jobs). The C variable of GUC pg_backfill.X is guc_X, with a unit
// suffix (_kb, _ms) when the GUC has a unit; the enum pg_backfill.guard is
// guc_guard_mode.
#pragma once

namespace pg_backfill::pg {

// pg_backfill.guard
enum GuardMode { kGuardOff = 0, kGuardWarn = 1, kGuardBlock = 2 };

extern int guc_guard_mode;        // pg_backfill.guard, a GuardMode
extern int guc_session_guard;     // pg_backfill.session_guard, a GuardMode
extern int guc_guard_min_size_kb; // pg_backfill.guard_min_size, in kB
extern bool guc_allow_unsafe_ddl; // pg_backfill.allow_unsafe_ddl
extern char *guc_unsafe_ddl_role; // pg_backfill.unsafe_ddl_role

// Defines the GUCs above. PG regime: may ereport(ERROR).
void DefineGuardSettings();

// What the guard does in this session: the stricter of pg_backfill.guard
// (superuser-set) and pg_backfill.session_guard (any role's own). So any
// role can raise the guard for its session, and none but a superuser can
// lower it. Never errors.
GuardMode EffectiveGuardMode();

} // namespace pg_backfill::pg
