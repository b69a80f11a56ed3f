// When the sync trigger of a backfill job fills the column of a row written
// by code that does not write it. Pure C++17.
#pragma once

namespace pg_backfill::core {

enum class SyncEvent { Insert, Update };

// What the trigger saw of one row.
struct SyncRow {
	SyncEvent event;
	bool new_value_null;   // NEW.col IS NULL
	bool target_unchanged; // UPDATE: NEW.col IS NOT DISTINCT FROM OLD.col (the writer left it)
	bool input_changed;    // UPDATE: a column the expression reads changed
};

// INSERT: fill when the writer left the column NULL. UPDATE: fill when the
// writer left the column as it was and changed a column the expression
// reads (so the stored value would be stale). A writer that sets the column
// itself (new code) is never overridden. Never throws.
constexpr bool
SyncFills(const SyncRow &row) noexcept {
	return row.event == SyncEvent::Insert ? row.new_value_null : row.target_unchanged && row.input_changed;
}

} // namespace pg_backfill::core
