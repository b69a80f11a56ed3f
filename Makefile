# pg_backfill: PGXS build of a C++17 PostgreSQL extension.
#
#   make                 build pg_backfill.so
#   make install         install into the server found by pg_config
#   make unittest        GoogleTest for src/core (no PostgreSQL include path)
#   make format          clang-format over every C++ file
#   make installcheck    pg_regress + isolation against the running server in
#                        PGHOST/PGPORT (PGXS convention; the server needs the
#                        settings in test/regress.conf, see README "Testing")
#   make regresscheck    pg_regress against a throwaway --temp-instance server
#   make isolationcheck  isolation against a throwaway --temp-instance server
#   make tapcheck        TAP tests (test/t), each starting its own servers
#   make dist            the PGXN release zip, from git (HEAD); make
#                        check-versions: control, META.json, debian agree
#
# test/run.sh drives the temp-instance targets against a private copy of the
# server tree, so its tests never need root and never touch the system
# installation.

EXTENSION = pg_backfill
EXTVERSION = $(shell sed -n "s/^default_version = '\\(.*\\)'/\\1/p" $(EXTENSION).control)
MODULE_big = pg_backfill
# The base script of 0.1 and every upgrade script from it: CREATE EXTENSION
# of a later version runs the base, then the upgrades in order, so a fresh
# install and an upgraded one run the same SQL.
DATA = $(EXTENSION)--0.1.sql $(sort $(wildcard $(EXTENSION)--*--*.sql))

CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp src/pg/*/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# One regression file per feature; the list is every file in sql/. The files
# \i sql/helpers/*.sql, so run them from the top directory.
REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
# installcheck runs against the server in PGHOST/PGPORT; the settings that
# server needs are test/regress.conf's (README, "Testing").
REGRESS_OPTS =
# Specs that read the server log where pg_regress's temp instance writes it:
# isolationcheck runs them, installcheck (a server of unknown log) skips them.
ISOLATION_TEMP_ONLY = guard_lock_queue_log
ISOLATION_ALL = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION = $(filter-out $(ISOLATION_TEMP_ONLY),$(ISOLATION_ALL))
ISOLATION_OPTS = --inputdir=test/isolation
# The temp-instance targets (regresscheck, isolationcheck) start their own
# server with these settings.
TEMP_INSTANCE_CONF = test/regress.conf
PROVE_TESTS ?= $(wildcard test/t/*.pl)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
INCLUDEDIR_SERVER := $(shell $(PG_CONFIG) --includedir-server)

# Bitcode for JIT inlining buys nothing for this extension, and PGXS would
# compile the .cpp bitcode without -std=c++17 (STYLE.md, pitfall P1).
override with_llvm = no

override PG_CPPFLAGS += -Isrc -isystem $(INCLUDEDIR_SERVER)
override PG_CXXFLAGS += -std=c++17 -Wall -Wextra -Wno-unused-parameter \
	-Wno-register -Wno-missing-field-initializers -fno-omit-frame-pointer
SHLIB_LINK += -lstdc++

EXTRA_CLEAN = test/unit/core_tests src/core/*.d src/pg/*.d src/pg/*/*.d

include $(PGXS)

# PGXS tracks no header dependencies (autodepend is empty on Debian).
DEPFLAGS = -MMD -MP -MF $(@:.o=.d)
%.o: %.cpp
	$(CXX) $(CXXFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<
-include $(OBJS:.o=.d)

# GoogleTest for the pure C++ core, built without any PostgreSQL include path
# so that a stray postgres.h include in src/core fails to compile.
UNIT_CXXFLAGS = -std=c++17 -Wall -Wextra -g -O1 -Isrc -fsanitize=address,undefined
UNIT_SRCS = $(sort $(wildcard test/unit/*_test.cpp))
test/unit/core_tests: $(CORE_SRCS) $(UNIT_SRCS) $(wildcard src/core/*.hpp)
	g++ $(UNIT_CXXFLAGS) -o $@ $(CORE_SRCS) $(UNIT_SRCS) -lgtest -lgtest_main -pthread

# clang-format (.clang-format) over every C++ file of the tree.
.PHONY: format
format:
	clang-format -i $(wildcard src/*/*.cpp src/*/*.hpp src/*/*/*.cpp src/*/*/*.hpp test/unit/*.cpp)

.PHONY: unittest
unittest: test/unit/core_tests
	test/unit/core_tests

# The suites one at a time, each on a throwaway server of its own
# (--temp-instance; tapcheck's tests start theirs). test/run.sh passes
# bindir= pointing at its private server tree.
.PHONY: regresscheck isolationcheck tapcheck
regresscheck:
	$(pg_regress_installcheck) $(REGRESS_OPTS) --temp-instance=./tmp_check \
		--temp-config=$(TEMP_INSTANCE_CONF) $(REGRESS)
isolationcheck:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) --temp-instance=./tmp_check_iso \
		--temp-config=$(TEMP_INSTANCE_CONF) $(ISOLATION_ALL)
tapcheck:
	$(prove_installcheck)

# The versions agree: default_version x.y in the control file, x.y.0 in
# META.json (release and provides), x.y.0-n at the top of debian/changelog.
.PHONY: check-versions dist
check-versions:
	@python3 -c 'import json, re, sys; \
	ext = "$(EXTVERSION)"; meta = json.load(open("META.json")); \
	deb = re.match(r"\S+ \(([^)-]+)-", open("debian/changelog").readline()).group(1); \
	found = {"META.json version": meta["version"], "META.json provides": meta["provides"]["$(EXTENSION)"]["version"], "debian/changelog": deb}; \
	bad = {k: v for k, v in found.items() if v != ext + ".0"}; \
	sys.exit("versions disagree with default_version %s: %s" % (ext, bad) if bad else 0)'

# The PGXN release zip, from git: HEAD as committed (not the work tree).
DISTVERSION = $(EXTVERSION).0
dist: check-versions
	git archive --format zip --prefix=$(EXTENSION)-$(DISTVERSION)/ -o $(EXTENSION)-$(DISTVERSION).zip HEAD
	@echo "$(EXTENSION)-$(DISTVERSION).zip"
