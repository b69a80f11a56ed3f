// Replica lag, read from the walsenders' shared state, for the job worker's
// throttle (pg_backfill.max_replica_lag).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// Bytes of WAL written on this server that the slowest streaming physical
// standby has not yet reported as replayed: the WAL insert position minus the
// smallest `apply` LSN over physical walsenders in the streaming state. 0
// when none streams. Logical walsenders (connected to a database) are not
// counted: a slow CDC consumer holds WAL, it does not serve reads. Reads
// shared memory under each walsender's spinlock; never errors.
uint64 ReplicaLagBytes();

} // namespace pg_backfill::pg
