// The DDL guard's pg_backfill.* GUCs (the backfill jobs define theirs in
// src/pg/jobs).
#pragma once

namespace pg_backfill::pg {

// pg_backfill.guard
enum GuardMode { kGuardOff = 0, kGuardWarn = 1, kGuardBlock = 2 };

extern int guard_mode;        // pg_backfill.guard
extern int guard_min_size_kb; // pg_backfill.guard_min_size, in kB
extern bool allow_unsafe_ddl; // pg_backfill.allow_unsafe_ddl
extern char *unsafe_ddl_role; // pg_backfill.unsafe_ddl_role

// Defines the GUCs above. PG regime: may ereport(ERROR).
void DefineGuardSettings();

} // namespace pg_backfill::pg
