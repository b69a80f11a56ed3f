// Placeholder until the DDL guard lands.
#include "pg/module.hpp"

void
pg_backfill::pg::GuardInit(bool) {}
