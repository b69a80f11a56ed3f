// See boundary.hpp.
#include "pg/boundary.hpp"

#include <cstring>
#include <new>
#include <stdexcept>

#include "core/error.hpp"

extern "C" {
#include "utils/elog.h"
}

namespace pg_backfill::pg {

namespace {

void
CopyText(char *dst, size_t size, const char *src) noexcept {
	size_t n = strnlen(src, size - 1);
	std::memcpy(dst, src, n);
	dst[n] = '\0';
}

} // namespace

void
CaptureCurrentException(CapturedCppError *out) noexcept {
	out->detail[0] = '\0';
	out->hint[0] = '\0';
	try {
		throw;
	} catch (const core::Error &e) {
		CopyText(out->sqlstate, sizeof(out->sqlstate), e.SqlState());
		CopyText(out->message, sizeof(out->message), e.what());
		CopyText(out->detail, sizeof(out->detail), e.Detail().c_str());
		CopyText(out->hint, sizeof(out->hint), e.Hint().c_str());
	} catch (const std::bad_alloc &) {
		CopyText(out->sqlstate, sizeof(out->sqlstate), "53200");
		CopyText(out->message, sizeof(out->message), "out of memory");
	} catch (const std::exception &e) {
		CopyText(out->sqlstate, sizeof(out->sqlstate), "XX000");
		CopyText(out->message, sizeof(out->message), e.what());
	} catch (...) {
		CopyText(out->sqlstate, sizeof(out->sqlstate), "XX000");
		CopyText(out->message, sizeof(out->message), "unexpected C++ exception");
	}
}

void
FinishCpp(sigjmp_buf *exception_stack, ErrorContextCallback *context_stack, bool failed, const CapturedCppError *error,
          const char *site) {
	if (PG_exception_stack != exception_stack) {
		PG_exception_stack = exception_stack;
		elog(WARNING, "pg_backfill: %s left PG_exception_stack changed; restored it", site);
	}
	error_context_stack = context_stack;
	if (!failed)
		return;
	const char *s = error->sqlstate;
	// The core's texts are complete messages of their own (core::Error),
	// naming the job and what was asked of it: a CONTEXT line naming the
	// C++ call site would add nothing a user can act on.
	ereport(ERROR,
	        (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])), errmsg("%s", error->message),
	         error->detail[0] ? errdetail("%s", error->detail) : 0, error->hint[0] ? errhint("%s", error->hint) : 0));
}

} // namespace pg_backfill::pg
