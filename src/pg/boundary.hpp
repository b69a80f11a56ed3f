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
//
// The one exception: a core function declared noexcept whose arguments and
// result are trivially destructible (core::StateName, core::IsActive,
// core::DecideDdl, core::RuleName, ...) may be called directly. It cannot throw, and
// nothing it leaves on the stack needs a destructor, so there is nothing for
// CallCpp to catch or copy. Anything that builds a std::string, a vector or
// may throw goes through CallCpp.
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

// Restores PG_exception_stack / error_context_stack if the callee left them
// changed (a C++ exception thrown from inside a PG_TRY does that; `site`
// names the call in the WARNING that says so), then, when `failed`, raises
// the captured error with its own message, detail and hint. PG regime.
void FinishCpp(sigjmp_buf *exception_stack, ErrorContextCallback *context_stack, bool failed,
               const CapturedCppError *error, const char *site);

// Runs `body`; returns false with the exception captured in *error if it
// threw. The catch handler only copies: nothing in it can longjmp.
template <typename Body>
bool
TryCpp(Body &&body, CapturedCppError *error) noexcept {
	try {
		body();
		return true;
	} catch (...) {
		CaptureCurrentException(error);
		return false;
	}
}

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
	if constexpr (std::is_void_v<Result>) {
		bool ok = TryCpp([&] { Fn(std::forward<Args>(args)...); }, &error);
		FinishCpp(saved_exception_stack, saved_context_stack, !ok, &error, site);
	} else {
		Result result{};
		bool ok = TryCpp([&] { result = Fn(std::forward<Args>(args)...); }, &error);
		FinishCpp(saved_exception_stack, saved_context_stack, !ok, &error, site);
		return result;
	}
}

} // namespace pg_backfill::pg
