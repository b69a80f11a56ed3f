// See wal_segments.hpp.
#include "pg/jobs/wal_segments.hpp"

#include <unistd.h>

extern "C" {
#include "postgres.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
}

namespace pg_backfill::pg {

namespace {

// Four segments (64 MB by default): several seconds of a backfill's WAL,
// created one at a time as the writes advance.
constexpr int kWalSegmentsAhead = 4;

// The last segment known to exist.
XLogSegNo created_through = 0;

} // namespace

void
CreateWalSegmentsAhead() {
	if (RecoveryInProgress())
		return;
	XLogSegNo current;
	XLByteToSeg(GetXLogInsertRecPtr(), current, wal_segment_size);
	XLogSegNo target = current + kWalSegmentsAhead;
	if (target <= created_through)
		return;
	TimeLineID tli = GetWALInsertionTimeLine();
	for (XLogSegNo segno = Max(current + 1, created_through + 1); segno <= target; segno++) {
		close(XLogFileInit(segno, tli));
		created_through = segno;
	}
}

} // namespace pg_backfill::pg
