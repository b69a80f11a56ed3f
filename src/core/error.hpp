// The one exception type the core throws. It carries the SQLSTATE the
// PostgreSQL layer raises it with (SQLSTATEs are SQL-standard, not a
// PostgreSQL type), so the core decides the error class and the boundary in
// src/pg/boundary.hpp only converts.
#pragma once

#include <stdexcept>
#include <string>

namespace pg_backfill::core {

class Error : public std::runtime_error {
  public:
	// sqlstate: five characters, e.g. "22023". message follows PostgreSQL's
	// style (lower case, no trailing period); detail and hint are full
	// sentences or empty.
	Error(const char *sqlstate, const std::string &message, std::string detail = {}, std::string hint = {})
	    : std::runtime_error(message), detail_(std::move(detail)), hint_(std::move(hint)) {
		for (int i = 0; i < 5; i++)
			sqlstate_[i] = sqlstate[i];
		sqlstate_[5] = '\0';
	}

	const char *
	SqlState() const noexcept {
		return sqlstate_;
	}
	const std::string &
	Detail() const noexcept {
		return detail_;
	}
	const std::string &
	Hint() const noexcept {
		return hint_;
	}

  private:
	char sqlstate_[6];
	std::string detail_;
	std::string hint_;
};

} // namespace pg_backfill::core
