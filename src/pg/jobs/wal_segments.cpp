// See wal_segments.hpp.
#include "pg/jobs/wal_segments.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "postgres.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "storage/fd.h"
#include "storage/lwlock.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"
}

namespace pg_backfill::pg {

namespace {

// Four segments (64 MB by default): several seconds of a backfill's WAL,
// created one at a time as the writes advance.
constexpr int kWalSegmentsAhead = 4;

// The zero-fill is written and written back this much at a time: the
// device then never holds more than one piece ahead of a committing
// session's WAL flush.
constexpr size_t kFillPiece = 256 * 1024;

// The last segment known to exist.
XLogSegNo created_through = 0;

// What FillSegmentGently could not do.
enum class FillFailure { None, Open, Stat, Write, Fsync };

// Writes zeros into the parts of the segment segno at path that hold no
// blocks yet, one piece at a time, each piece written back before the next,
// then fsyncs it; returns what failed (errno set) or None. A piece is
// written while holding WALWriteLock and only while the WAL written so far
// ends before the segment: WAL is written to files only under that lock, so
// a zero never lands on WAL; once the writes reach the segment the rest
// stays a hole (as with wal_init_zero = off). The segment is opened for
// buffered writes of its own (the WAL's descriptors may be O_DIRECT), and
// closed also on failure: failures are returned, not raised.
FillFailure
FillSegmentGently(const char *path, XLogSegNo segno, const char *zeros) {
	int fd = BasicOpenFile(path, O_RDWR | PG_BINARY);
	if (fd < 0)
		return FillFailure::Open;
	FillFailure failure = FillFailure::None;
	struct stat st;
	XLogRecPtr segment_start;
	XLogSegNoOffsetToRecPtr(segno, 0, wal_segment_size, segment_start);
	if (fstat(fd, &st) != 0)
		failure = FillFailure::Stat;
	else if ((off_t)st.st_blocks * 512 < (off_t)wal_segment_size) { // else zero-filled or recycled by someone else
		bool filled = true;
		for (off_t offset = 0; offset < (off_t)wal_segment_size; offset += kFillPiece) {
			LWLockAcquire(WALWriteLock, LW_EXCLUSIVE);
			bool before_the_writes = GetXLogWriteRecPtr() <= segment_start;
			ssize_t written = 0;
			int write_errno = 0;
			if (before_the_writes) {
				pgstat_report_wait_start(WAIT_EVENT_WAL_INIT_WRITE);
				written = pg_pwrite(fd, zeros, kFillPiece, offset);
				write_errno = errno;
				pgstat_report_wait_end();
			}
			LWLockRelease(WALWriteLock);
			if (!before_the_writes) {
				filled = false; // the WAL writes caught up: they fill the rest themselves
				break;
			}
			if (written != (ssize_t)kFillPiece) {
				errno = written < 0 ? write_errno : ENOSPC;
				failure = FillFailure::Write;
				break;
			}
#ifdef HAVE_SYNC_FILE_RANGE
			pgstat_report_wait_start(WAIT_EVENT_WAL_INIT_SYNC);
			(void)sync_file_range(fd, offset, kFillPiece,
			                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
			pgstat_report_wait_end();
#endif
		}
		if (failure == FillFailure::None && filled) {
			pgstat_report_wait_start(WAIT_EVENT_WAL_INIT_SYNC);
			if (pg_fsync(fd) != 0)
				failure = FillFailure::Fsync;
			pgstat_report_wait_end();
		}
	}
	int saved_errno = errno;
	close(fd);
	errno = saved_errno;
	return failure;
}

// Raises a FillSegmentGently failure on path, errno as it left it.
void
ReportFillFailure(FillFailure failure, const char *path) {
	switch (failure) {
	case FillFailure::None:
		return;
	case FillFailure::Open:
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not open file \"%s\": %m", path)));
		break;
	case FillFailure::Stat:
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not stat file \"%s\": %m", path)));
		break;
	case FillFailure::Write:
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not write to file \"%s\": %m", path)));
		break;
	case FillFailure::Fsync:
		ereport(data_sync_elevel(ERROR), (errcode_for_file_access(), errmsg("could not fsync file \"%s\": %m", path)));
		break;
	}
}

// XLogFileInit without its zero-fill: it would write the 16 MB of zeros at
// once and fsync them, a burst the device serves before any commit's flush
// queued behind it (8-11 ms here). wal_init_zero is cleared for this call
// only. Returns the open segment.
int
CreateSegmentWithoutZeros(XLogSegNo segno, TimeLineID tli) {
	bool zero_fill = wal_init_zero;
	volatile int fd = -1;
	wal_init_zero = false;
	PG_TRY();
	{ fd = XLogFileInit(segno, tli); }
	PG_FINALLY();
	{ wal_init_zero = zero_fill; }
	PG_END_TRY();
	return fd;
}

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
	static char *zeros = nullptr;
	if (zeros == nullptr)
		zeros = (char *)MemoryContextAllocZero(TopMemoryContext, kFillPiece);
	TimeLineID tli = GetWALInsertionTimeLine();
	for (XLogSegNo segno = Max(current + 1, created_through + 1); segno <= target; segno++) {
		if (wal_init_zero) {
			close(CreateSegmentWithoutZeros(segno, tli));
			char path[MAXPGPATH];
			XLogFilePath(path, tli, segno, wal_segment_size);
			ReportFillFailure(FillSegmentGently(path, segno, zeros), path);
		} else {
			close(XLogFileInit(segno, tli));
		}
		created_through = segno;
	}
}

} // namespace pg_backfill::pg
