// Placeholder until the backfill worker lands.
#include "pg/module.hpp"

void
pg_backfill::pg::BackfillInit(bool) {}
