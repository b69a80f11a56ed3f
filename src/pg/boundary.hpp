// The PostgreSQL -> C++ error boundary (STYLE.md section 3.4 A).
//
// PostgreSQL reports errors by longjmp, which skips C++ destructors; C++
// reports them by exceptions, which must never unwind through PostgreSQL's C
// frames. Every call from the PostgreSQL layer (src/pg) into the core
// (src/core) goes through CallCpp, which:
//   1. runs the core function inside try/catch,
//   2. copies any exception into fixed buffers inside the catch (no palloc,
//      no ereport there: a longjmp out of a catch handler leaks the exception
//      and corrupts the C++ runtime's state),
//   3. after the catch has ended, restores PostgreSQL's error stacks if the
//      callee disturbed them and raises the error with ereport(ERROR).
// CallCpp itself holds only trivially destructible locals, so the longjmp
// out of it is safe. The core never calls PostgreSQL, so there is no
// C++ -> PostgreSQL direction to guard.
#pragma once

#include <type_traits>
#include <utility>

extern "C" {
#include "postgres.h"
}

namespace pg_backfill::pg {

// A C++ exception copied out of its catch handler.
struct CapturedCppError {
	char sqlstate[6];
	char message[1024];
	char detail[1024];
	char hint[1024];
};

// Copies the exception being handled into *out. Call only inside a catch
// handler. Never throws, never calls PostgreSQL.
void CaptureCurrentException(CapturedCppError *out) noexcept;

// ereport(ERROR) with the captured SQLSTATE, message, detail and hint.
// PG regime: does not return.
[[noreturn]] void RaiseCapturedError(const CapturedCppError *err, const char *site);

// Restores PG_exception_stack / error_context_stack if a callee left them
// changed (a C++ exception thrown from inside a PG_TRY does that).
void RestoreErrorStacks(sigjmp_buf *exception_stack, ErrorContextCallback *context_stack, const char *site);

// Runs Fn(args...) and returns its result; a C++ exception becomes an
// ereport(ERROR). The result must be trivially destructible: it is returned
// into PostgreSQL-regime code that may longjmp over it.
template <auto Fn, typename... Args>
decltype(auto)
CallCpp(const char *site, Args &&...args) {
	using Result = decltype(Fn(std::forward<Args>(args)...));
	static_assert(std::is_void_v<Result> || std::is_trivially_destructible_v<Result>,
	              "CallCpp results cross into PostgreSQL-regime code and must be trivially destructible");

	sigjmp_buf *saved_exception_stack = PG_exception_stack;
	ErrorContextCallback *saved_context_stack = error_context_stack;
	CapturedCppError error;
	bool failed = false;

	if constexpr (std::is_void_v<Result>) {
		try {
			Fn(std::forward<Args>(args)...);
		} catch (...) {
			failed = true;
			CaptureCurrentException(&error);
		}
		RestoreErrorStacks(saved_exception_stack, saved_context_stack, site);
		if (failed)
			RaiseCapturedError(&error, site);
	} else {
		Result result{};
		try {
			result = Fn(std::forward<Args>(args)...);
		} catch (...) {
			failed = true;
			CaptureCurrentException(&error);
		}
		RestoreErrorStacks(saved_exception_stack, saved_context_stack, site);
		if (failed)
			RaiseCapturedError(&error, site);
		return result;
	}
}

} // namespace pg_backfill::pg
