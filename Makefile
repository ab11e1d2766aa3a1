# imtreview - build, test, install.  See README.md.
#
#   make            build build/imtreview
#   make run        install missing packages, build, make the demo database
#                   from sample-data/ and open the interface
#   make check      install missing packages, build, run every test
#   make bench      speed and memory against sqlite3, R and VisiData at 1,000 to
#                   1,000,000 cases (tests/bench/run.sh; writes
#                   tests/bench/results.md; check runs a quick version)
#   make fuzz       libFuzzer harnesses with clang (not part of check; see
#                   tests/fuzz/README.md)
#   make install PREFIX=/usr/local   the program, its man pages
#                   (imtreview(1), imtreview-csv(5), imtreview-files(5),
#                   imtreview-methods(7)), the themes and the follow-up
#                   schedule
#
# Variables: SAN=1 builds with AddressSanitizer + UBSan (into build-san/),
# WERROR=1 turns warnings into errors (CI sets both).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man/man1
MAN5DIR ?= $(PREFIX)/share/man/man5
MAN7DIR ?= $(PREFIX)/share/man/man7
DATADIR ?= $(PREFIX)/share/imtreview
SAN     ?= 0
WERROR  ?= 0

CC      ?= cc
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2
OPT     ?= -O2
CFLAGS  ?= -g
CFLAGS  += -std=c11 $(OPT) $(WARN)
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SAN),1)
BUILD   ?= build-san
OPT      = -O1
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
endif

# Debian packages the build, the tests and `make run` need.
# postgresql: the server the tests start a throwaway cluster of (make check
# runs the store's tests and the end-to-end suites on both engines).
DEB_PKGS = gcc make pkg-config libncurses-dev libsqlite3-dev libcsv-dev \
           libcmocka-dev libjansson-dev libgsl-dev libmd-dev nettle-dev libunistring-dev tmux sqlite3 \
           locales time python3-pyte \
           valgrind groff-base libpq-dev postgresql
PKGS     = ncursesw formw menuw panelw sqlite3 jansson gsl libmd nettle libpq

# Deferred (=) so that pkg-config is asked after `make deps` has run.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS  += -Iinclude -DIMT_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS)
LDLIBS    += $(PKG_LIBS) -lcsv -lunistring -lm

# src/<layer>/<module>.c with include/<layer>/<module>.h (README
# "Architecture"): core, io, store, app, tui, cli; main.c on top.
LIB_SRC  = $(wildcard src/*/*.c src/*/*/*.c)
HDRS     = $(wildcard include/*/*.h src/*/*.h src/*/*/*.h)
LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
BIN      = $(BUILD)/imtreview
LIB      = $(BUILD)/libimt.a
GEN      = $(BUILD)/gen_cases
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
E2E      = $(sort $(wildcard tests/e2e/test_*.sh))
# Both engines (make check): every suite on SQLite; then, next to a
# throwaway PostgreSQL cluster (tests/tools/with-pg.sh), the store's unit
# tests (test_store, test_store_review) and every end-to-end suite that
# does not say "# engines: sqlite" at its top (the reason is given there: they look at the SQLite file
# itself, or at the terminal rather than the store).  test_store_pg and
# the suites that say "# engines: pg" run on PostgreSQL only.
PG_ONLY_UNIT = $(BUILD)/tests/test_store_pg
PG_UNIT  = $(BUILD)/tests/test_store $(BUILD)/tests/test_store_review $(PG_ONLY_UNIT)
PG_ONLY_E2E = $(sort $(shell grep -l '^\# engines: pg' tests/e2e/test_*.sh))
SQLITE_E2E = $(filter-out $(PG_ONLY_E2E),$(E2E))
PG_E2E   = $(sort $(shell grep -L '^\# engines: sqlite' tests/e2e/test_*.sh))
TEST_SUPPORT = $(wildcard tests/unit/support/*.c)
BENCH_SRC = $(wildcard tests/bench/*.c)
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
DEMO_DB  = $(BUILD)/demo.db

.PHONY: all deps plain run check test unit e2e bench fuzz install uninstall clean demo docs FORCE
.DELETE_ON_ERROR:

all: $(BIN) $(GEN)

deps:
	@sh tests/tools/deps.sh $(DEB_PKGS)

# DATADIR is compiled in (where the installed binary finds its themes), so
# the objects are rebuilt when it changes: `make install PREFIX=/opt/x`
# after a plain `make` installs a binary that looks in /opt/x.
DATADIR_STAMP = $(BUILD)/datadir.stamp
$(DATADIR_STAMP): FORCE | $(BUILD)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
FORCE:

$(BUILD)/obj/%.o: src/%.c $(HDRS) $(DATADIR_STAMP) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(GEN): sample-data/gen_cases.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lm

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT) $(LIB) $(HDRS) $(wildcard tests/unit/*.h) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT) $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/bench/%: tests/bench/%.c $(LIB) | $(BUILD)/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/keysman: tests/tools/keysman.c $(LIB) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD) $(BUILD)/obj $(BUILD)/tests $(BUILD)/bench:
	mkdir -p $@

# ---- tests ---------------------------------------------------------------
# `make check` = deps + build + every unit and end-to-end test, with one
# closing line "N passed, N failed".
check: deps
	$(MAKE) --no-print-directory test

# valgrind cannot run a sanitised binary: the valgrind test gets a plain
# one (build/imtreview, made here when SAN=1).
PLAIN_BIN = build/imtreview
plain:
ifeq ($(SAN),1)
	@$(MAKE) --no-print-directory SAN=0 BUILD=build $(PLAIN_BIN)
endif

test: $(BIN) $(GEN) $(UNIT_BIN) $(BENCH_BIN) plain
	@BUILD=$(BUILD) IMTREVIEW=$(abspath $(BIN)) GEN_CASES=$(abspath $(GEN)) \
	    IMTREVIEW_PLAIN=$(abspath $(PLAIN_BIN)) BENCH_DIR=$(abspath $(BUILD)/bench) \
	    sh tests/tools/with-pg.sh sh tests/run-tests.sh \
	    $(filter-out $(PG_ONLY_UNIT),$(UNIT_BIN)) $(SQLITE_E2E) --engine=pg $(PG_UNIT) $(PG_E2E)

unit: $(UNIT_BIN)
	@BUILD=$(BUILD) IMTREVIEW=$(abspath $(BIN)) sh tests/tools/with-pg.sh \
	    sh tests/run-tests.sh $(filter-out $(PG_ONLY_UNIT),$(UNIT_BIN)) --engine=pg $(PG_UNIT)

e2e: $(BIN) $(GEN) $(BENCH_BIN) plain
	@BUILD=$(BUILD) IMTREVIEW=$(abspath $(BIN)) GEN_CASES=$(abspath $(GEN)) \
	    IMTREVIEW_PLAIN=$(abspath $(PLAIN_BIN)) BENCH_DIR=$(abspath $(BUILD)/bench) \
	    sh tests/tools/with-pg.sh sh tests/run-tests.sh $(SQLITE_E2E) --engine=pg $(PG_E2E)

bench: deps
	$(MAKE) --no-print-directory $(BIN) $(GEN) $(BENCH_BIN)
	@BENCH_DIR=$(abspath $(BUILD)/bench) IMTREVIEW=$(abspath $(BIN)) GEN_CASES=$(abspath $(GEN)) BUILD=$(BUILD) \
	    sh tests/bench/run.sh

# ---- fuzzing (clang + libFuzzer; never part of check) ---------------------
FUZZ_CC    ?= clang
FUZZ_BUILD  = build-fuzz
FUZZ_FLAGS  = -g -O1 -std=c11 -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
FUZZ_SRC    = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN    = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJ    = $(LIB_SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o)

fuzz: deps
	@sh tests/tools/deps.sh clang libclang-rt-14-dev
	$(MAKE) --no-print-directory $(FUZZ_BIN)

$(FUZZ_BUILD)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libimt.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_BUILD)/libimt.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libimt.a $(LDLIBS)

# ---- generated documentation ------------------------------------------------
# The man pages: imtreview(1) the program, imtreview-csv(5) the files users
# exchange, imtreview-files(5) the files the program keeps,
# imtreview-methods(7) the rules, statistics and follow-up with their
# sources.  The KEYS section of imtreview.1 comes from the key table and
# the rule card of imtreview-methods.7 from `imtreview rules` (in a UTF-8
# locale, without a settings file); tests fail when either is stale
# (tests/unit/test_manpage.c, tests/e2e/test_docs.sh).
MAN1 = imtreview.1
MAN5 = imtreview-csv.5 imtreview-files.5
MAN7 = imtreview-methods.7
docs: $(BIN) $(BUILD)/keysman
	$(BUILD)/keysman >$(BUILD)/keys.man
	sh tests/tools/splice.sh imtreview.1 '.\" BEGIN GENERATED KEYS' '.\" END GENERATED KEYS' $(BUILD)/keys.man
	LC_ALL=C.UTF-8 XDG_CONFIG_HOME=/nonexistent $(BIN) rules >$(BUILD)/rules.txt
	sh tests/tools/rulesman.sh <$(BUILD)/rules.txt >$(BUILD)/rules.man
	sh tests/tools/splice.sh imtreview-methods.7 '.\" BEGIN GENERATED RULES' '.\" END GENERATED RULES' $(BUILD)/rules.man

# ---- demo and install ------------------------------------------------------
$(DEMO_DB): sample-data/cases.csv sample-data/events.csv | $(BIN)
	rm -f $@ $@-wal $@-shm
	$(BIN) --db $@ import sample-data/cases.csv
	$(BIN) --db $@ import --events sample-data/events.csv

demo: $(DEMO_DB)

run: deps
	$(MAKE) --no-print-directory $(BIN) $(DEMO_DB)
	IMTREVIEW_THEMES=$(abspath themes) $(BIN) --db $(DEMO_DB)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(MAN5DIR) \
	    $(DESTDIR)$(MAN7DIR) $(DESTDIR)$(DATADIR)/themes
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/imtreview
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/
	install -m 0644 $(MAN5) $(DESTDIR)$(MAN5DIR)/
	install -m 0644 $(MAN7) $(DESTDIR)$(MAN7DIR)/
	install -m 0644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/
	install -m 0644 themes/followup.schedule $(DESTDIR)$(DATADIR)/followup.schedule

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/imtreview $(addprefix $(DESTDIR)$(MANDIR)/,$(MAN1)) \
	    $(addprefix $(DESTDIR)$(MAN5DIR)/,$(MAN5)) $(addprefix $(DESTDIR)$(MAN7DIR)/,$(MAN7))
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san build-fuzz
