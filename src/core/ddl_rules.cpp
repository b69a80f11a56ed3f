// The DDL guard's decision table: DecideDdl, which dispatches to one rule
// function per statement family (ddl_rules_*.cpp), and the helpers they
// share. See ddl_rules.hpp.
#include "core/ddl_rules.hpp"
#include "core/ddl_rules_internal.hpp"

#include <cinttypes>
#include <cstdio>
#include <cctype>
#include <cstring>
#include <string>

namespace pg_backfill::core {

namespace detail {

std::string
Literal(const std::string &s) {
	std::string out;
	bool backslash = s.find('\\') != std::string::npos;
	if (backslash)
		out += 'E';
	out += '\'';
	for (char c : s) {
		if (c == '\'' || c == '\\')
			out += c;
		out += c;
	}
	out += '\'';
	return out;
}

std::string
Quoted(const std::string &name) {
	return "\"" + name + "\"";
}

std::string
Paren(const std::string &expr) {
	if (!expr.empty() && expr.front() == '(' && expr.back() == ')')
		return expr;
	return "(" + expr + ")";
}

std::string
Str(const char *s) {
	return s ? s : "";
}

std::string
QuoteIdent(const std::string &name) {
	bool bare = !name.empty() && (std::islower((unsigned char)name[0]) || name[0] == '_');
	for (char c : name)
		bare = bare && (std::islower((unsigned char)c) || std::isdigit((unsigned char)c) || c == '_');
	if (bare)
		return name;
	std::string out = "\"";
	for (char c : name) {
		if (c == '"')
			out += c;
		out += c;
	}
	return out + "\"";
}

std::string
MadeUpName(const DdlFacts &f, const std::string &suffix) {
	std::string name = Str(f.relation_name) + "_" + suffix;
	if (name.size() > 63)
		name.resize(63);
	return QuoteIdent(name);
}

std::string
Alter(const DdlFacts &f) {
	return std::string("ALTER TABLE ") + f.relation + " ";
}

std::string
NotNullRoute(const DdlFacts &f, const std::string &column, const std::string &column_raw) {
	std::string con = column_raw + "_not_null";
	std::string a = Alter(f);
	// VALIDATE must not share a transaction with the ADD: it would scan under
	// the ADD's AccessExclusiveLock.
	return a + "ADD CONSTRAINT " + "\"" + con + "\" CHECK (" + column + " IS NOT NULL) NOT VALID; -- COMMIT, then: " +
	       a + "VALIDATE CONSTRAINT \"" + con + "\"; -- COMMIT, then: " + a + "ALTER COLUMN " + column +
	       " SET NOT NULL; " + a + "DROP CONSTRAINT \"" + con + "\";";
}

std::string
NotNullRoute(const DdlFacts &f) {
	return NotNullRoute(f, f.column, f.column_raw);
}

std::string
SetColumnTrigger(const DdlFacts &f, const std::string &fn, const std::string &column, const std::string &expression) {
	return "CREATE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW." + column +
	       " := " + expression + "; RETURN NEW; END$$; CREATE TRIGGER " + fn + " BEFORE INSERT OR UPDATE ON " +
	       f.relation + " FOR EACH ROW EXECUTE FUNCTION " + fn + "();";
}

namespace {

// Copies s into a fixed buffer, truncating. Never throws.
template <size_t N>
void
Put(char (&dst)[N], const std::string &s) noexcept {
	size_t n = s.size() < N - 1 ? s.size() : N - 1;
	std::memcpy(dst, s.data(), n);
	dst[n] = '\0';
}

// The growing work in words, e.g. "rewrites the table and rebuilds its indexes".
std::string
WorkWords(const Work &w) {
	std::string s;
	auto add = [&s](const char *t) {
		if (!s.empty())
			s += ", ";
		s += t;
	};
	if (w.rewrite)
		add("a table rewrite");
	if (w.index_build)
		add("an index build");
	if (w.fk_validation)
		add("foreign-key validation");
	if (w.scan && !w.rewrite && !w.fk_validation)
		add("a full table scan");
	size_t last = s.rfind(", ");
	if (last != std::string::npos)
		s.replace(last, 2, " and ");
	return s;
}

// The verb of the message: the dominant work.
const char *
WorkVerb(const Work &w) {
	if (w.rewrite)
		return "rewrites";
	if (w.index_build)
		return "builds an index on";
	if (w.fk_validation)
		return "validates a foreign key over";
	return "scans";
}

} // namespace

} // namespace detail

const char *
LockModeName(int lock_mode) noexcept {
	static const char *const kNames[] = {
	    "NoLock",    "AccessShareLock",       "RowShareLock",  "RowExclusiveLock",   "ShareUpdateExclusiveLock",
	    "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"};
	if (lock_mode < 0 || lock_mode > kAccessExclusiveLock)
		return "unknown";
	return kNames[lock_mode];
}

const char *
FormatSize(int64_t bytes, char *buf, int buflen) noexcept {
	// pg_size_pretty (dbsize.c): switch units at 10 * 1024, rounding half up.
	const int64_t limit = 10 * 1024;
	const int64_t limit2 = limit * 2 - 1;
	static const char *const kUnits[] = {"kB", "MB", "GB", "TB", "PB"};
	if (bytes < limit && bytes > -limit) {
		snprintf(buf, buflen, "%" PRId64 " bytes", bytes);
		return buf;
	}
	int64_t size = bytes >> 9; // keep one extra bit for rounding
	size_t unit = 0;
	while ((size >= limit2 || size <= -limit2) && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
		size >>= 10;
		unit++;
	}
	int64_t rounded = (size + (size < 0 ? -1 : 1)) / 2;
	snprintf(buf, buflen, "%" PRId64 " %s", rounded, kUnits[unit]);
	return buf;
}

DdlVerdict
DecideDdl(const DdlFacts &f, int64_t min_size_bytes) {
	using namespace detail;

	DdlVerdict v{};
	// The lock the work runs under: the statement's own, or a stronger one
	// an earlier statement of this transaction took and holds until it ends.
	const bool under_held_lock = f.held_lock_mode > f.lock_mode;
	const int lock_mode = under_held_lock ? f.held_lock_mode : f.lock_mode;
	v.lock_mode = LockModeName(lock_mode);

	Work w;
	switch (f.command) {
	case DdlCommand::kAddColumn:
		AddColumnWork(f, &w);
		break;
	case DdlCommand::kAlterColumnType:
		AlterTypeWork(f, &w);
		break;
	case DdlCommand::kSetNotNull:
	case DdlCommand::kAddCheck:
	case DdlCommand::kAddForeignKey:
	case DdlCommand::kAddUnique:
	case DdlCommand::kAddExclusion:
	case DdlCommand::kValidateConstraint:
	case DdlCommand::kForeignKeyReferenced:
		ConstraintWork(f, &w);
		break;
	case DdlCommand::kCreateIndex:
	case DdlCommand::kReindex:
		IndexWork(f, &w);
		break;
	case DdlCommand::kCluster:
	case DdlCommand::kVacuumFull:
	case DdlCommand::kRefreshMatview:
	case DdlCommand::kSetPersistence:
	case DdlCommand::kSetTablespace:
	case DdlCommand::kSetAccessMethod:
		RewriteWork(f, &w);
		break;
	case DdlCommand::kAttachPartition:
		PartitionWork(f, &w);
		break;
	case DdlCommand::kAlterDomain:
		DomainWork(f, &w);
		break;
	case DdlCommand::kOther:
		break;
	}
	v.rewrite = w.rewrite;
	v.scan = w.scan || w.rewrite;
	v.index_build = w.index_build;
	v.fk_validation = w.fk_validation;

	char size[64];
	FormatSize(f.size_bytes, size, sizeof(size));
	// The size the lock's duration grows with: for ALTER DOMAIN every table
	// stays locked while all of them are scanned; for a foreign key's
	// referenced table, the referencing table is what is read.
	bool judge_total = f.command == DdlCommand::kAlterDomain || f.command == DdlCommand::kForeignKeyReferenced;
	int64_t judged = judge_total ? f.total_size_bytes : f.size_bytes;
	char judged_size[64];
	FormatSize(judged, judged_size, sizeof(judged_size));
	char total[64];
	FormatSize(f.total_size_bytes, total, sizeof(total));
	bool grows = w.rewrite || w.scan || w.index_build || w.fk_validation;
	std::string subject = std::string(f.command_tag) + (w.subject.empty() ? "" : " " + w.subject);

	std::string reason;
	if (!grows) {
		reason = f.noop ? "PostgreSQL skips the work: the table is already in the requested state or the object "
		                  "already exists."
		                : "The statement changes only the catalog; its lock is brief.";
	} else if (lock_mode < kShareLock) {
		reason = w.why.empty()
		             ? std::string("The work runs under ") + v.lock_mode + ", which does not block reads or writes."
		             : w.why;
	} else if (f.created_in_xact) {
		reason = w.why + " Exempt: the table was created in the current transaction, so no other session can "
		                 "see it yet.";
	} else if (f.truncated_in_xact) {
		reason = w.why + " Exempt: the table was truncated (or otherwise given new storage) in the current "
		                 "transaction, which already holds AccessExclusiveLock on it.";
	} else if (judged == 0) {
		reason = w.why + (f.command == DdlCommand::kAlterDomain ? " Exempt: the tables using the domain are empty."
		                  : f.command == DdlCommand::kForeignKeyReferenced ? " Exempt: the referencing table is empty."
		                                                                   : " Exempt: the table is empty.");
	} else if (judged < min_size_bytes) {
		char min[64];
		FormatSize(min_size_bytes, min, sizeof(min));
		std::string what = f.command == DdlCommand::kAlterDomain
		                       ? std::string("the tables using the domain (") + judged_size + " in total) are"
		                   : f.command == DdlCommand::kForeignKeyReferenced
		                       ? std::string("the referencing table (") + judged_size + ") is"
		                       : std::string("the table (") + judged_size + ") is";
		reason = w.why + " Exempt: " + what + " smaller than pg_backfill.guard_min_size (" + min + ").";
	} else {
		v.unsafe = true;
		reason = w.why;
		if (under_held_lock)
			reason += std::string(" This transaction already holds ") + v.lock_mode +
			          " on the table from an earlier statement, so the work runs under that lock instead of " +
			          LockModeName(f.lock_mode) + ".";
	}
	Put(v.reason, reason);

	if (v.unsafe) {
		std::string target = std::string("table \"") + f.relation_name + "\" (" + size + ")";
		std::string grows_with = std::string("the table's size (") + size + ")";
		std::string message = subject + " " + WorkVerb(w) + " " + target + " under " + v.lock_mode;
		if (f.command == DdlCommand::kAlterDomain) {
			if (f.table_count > 1)
				target = std::string("table \"") + f.relation_name + "\" (" + size + "; " +
				         std::to_string(f.table_count) + " tables use the domain, " + total + " in total)";
			message = subject + " scans " + target + " under " + v.lock_mode;
			grows_with = std::string("the size of all tables using the domain (") + total + ")";
		} else if (f.command == DdlCommand::kForeignKeyReferenced) {
			message = subject + " holds " + v.lock_mode + " on table \"" + f.relation_name +
			          "\" while it validates new table \"" + Str(f.other_relation) + "\" (" + total + ")";
			grows_with = std::string("the referencing table's size (") + total + ")";
		} else if (f.multi_table && f.table_count > 1) {
			message = subject + " " + WorkVerb(w) + " " + target + ", the largest of the " +
			          std::to_string(f.table_count) + " tables it processes (" + total + " in total), under " +
			          v.lock_mode;
		}
		Put(v.message, message);
		std::string blocks = lock_mode >= kAccessExclusiveLock ? "blocks every read and write of the table"
		                                                       : "blocks every write to the table";
		Put(v.detail, reason + " " + v.lock_mode + " " + blocks + " for the whole of " + WorkWords(w) +
		                  ", which grows with " + grows_with + ".");
		// Migration tools run a migration in one transaction by default.
		Put(v.hint, under_held_lock ? "Commit before this statement, so that it runs in a transaction of its own (a "
		                              "Django migration with atomic = False and one operation per migration, a "
		                              "sqitch or Flyway change of its own)." +
		                                  (w.hint.empty() ? std::string() : " " + w.hint)
		                            : w.hint);
	} else {
		Put(v.message, subject + " is safe on table \"" + f.relation_name + "\"");
		Put(v.detail, reason);
	}
	return v;
}

} // namespace pg_backfill::core
