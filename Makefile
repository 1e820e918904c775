# marketsim - one hand-written Makefile.
#
#   make            build bin/marketsim (installing missing Debian packages)
#   make run        run the default experiment into out/
#   make check      the fast suites only (the edit-test loop, under 20 s)
#   make test       build and run every cmocka suite
#   make lint       the layering check (tools/layers.sh) on both builds
#   make bench      queue hold-model and PHOLD benchmarks (not part of test)
#   make memcheck   the test suite and one PHOLD run under valgrind
#   make sanitize   the test suite built with -fsanitize=address,undefined (and
#                   every run checking the models' invariants, as with --check)
#   make fuzz       the libFuzzer harnesses of tests/fuzz/ for FUZZ_SECONDS in all
#                   (default 60), built with clang into build/fuzz/
#   make MPI=1      the same program built with Open MPI's mpicc, for
#                   `mpirun -n K bin/marketsim sweep FILE` (objects in build/mpi)
#   make golden     regenerate tests/golden/ (fixed-seed outputs) after an intended change
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
BIN      ?= bin
OPTFLAGS ?= -O2 -g
SANFLAGS ?=

# Debian packages the build, the tests and the plots need (chromium: the
# report test opens report.html in a headless browser; clang and
# libclang-rt-14-dev: `make fuzz`, whose -fsanitize=fuzzer links
# libclang_rt.fuzzer-x86_64.a, shipped by libclang-rt-14-dev, which clang-14
# only recommends; llvm-14: llvm-symbolizer, for readable sanitizer reports).
DEBS := pkg-config libgsl-dev libconfig-dev libcmocka-dev libsqlite3-dev gnuplot-nox valgrind \
        libopenmpi-dev openmpi-bin chromium clang libclang-rt-14-dev llvm-14

# MPI=1 builds with Open MPI (sweeps spread over `mpirun` ranks); its
# objects live apart so the two builds never mix.
ifeq ($(MPI),1)
override CC    := mpicc
override BUILD := build/mpi
MPIFLAGS := -DSIM_MPI
endif

VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Recursive (=) on purpose: pkg-config runs when a recipe needs the flags,
# which is after `deps` has installed the packages on a fresh machine.
CFLAGS    = -std=gnu11 $(OPTFLAGS) $(WARN) $(SANFLAGS) -MMD -MP
# Where `run` finds the gnuplot scripts unless MARKETSIM_PLOTS says otherwise.
SIM_PLOTS_DIR ?= $(CURDIR)/plots
CPPFLAGS  = -Iinclude $(shell pkg-config --cflags gsl libconfig sqlite3) $(MPIFLAGS) \
            -DSIM_VERSION='"$(VERSION)"' -DSIM_GIT_REV='"$(GIT_REV)"' \
            -DSIM_PLOTS_DIR='"$(SIM_PLOTS_DIR)"'
LDLIBS    = $(shell pkg-config --libs gsl libconfig sqlite3) -lm
TEST_LIBS = $(shell pkg-config --libs cmocka)

# The library holds the engine and every model; the program's main lives in
# models/marketsim.c because it is what registers the models with the CLI.
LIB_SRC  := $(wildcard sim/*.c sim/*/*.c) $(filter-out models/marketsim.c,$(wildcard models/*.c models/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libmarketsim.a
PROG     := $(BIN)/marketsim
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BIN)/tests/%)
BENCH_SRC:= $(wildcard bench/*.c)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BIN)/%) $(BIN)/bench_hold_heap2 $(BIN)/bench_hold_heap4 $(BIN)/bench_hold_heap8

.PHONY: all deps run check test bench memcheck sanitize golden install clean lint fuzz fuzz-harnesses
.DEFAULT_GOAL := all

all: $(PROG)

# Installs what is missing, and nothing when all is present (sudo when not
# root). Order-only prerequisite of every build, so it never forces a rebuild.
deps:
	@command -v dpkg >/dev/null 2>&1 || { echo "make deps: not a Debian system; install: $(DEBS)"; exit 0; }; \
	missing=""; for p in $(DEBS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		echo "make deps: installing$$missing"; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

# Tests and benchmarks may reach private headers (sim/<layer>/*.h, a
# model's own headers); the library's sources and models see include/ and
# the headers beside them only.
# The engine's own files include across its layers as "run/tasks.h".
$(BUILD)/sim/%.o: CPPFLAGS += -Isim
$(BUILD)/tests/%.o $(BUILD)/bench/%.o: CPPFLAGS += -Isim -Imodels -Imodels/market

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The revision is compiled into the manifest writer and --version: rebuild
# those two whenever it changes (the stamp is rewritten only then).
$(BUILD)/git_rev.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_REV)' | cmp -s - $@ || echo '$(GIT_REV)' > $@
$(BUILD)/sim/run/run.o $(BUILD)/sim/run/sweep.o $(BUILD)/sim/cli.o: $(BUILD)/git_rev.stamp
.PHONY: FORCE
FORCE:

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Which build the program was last linked from: switching between the
# plain and the MPI build relinks it.
$(BIN)/.build: FORCE
	@mkdir -p $(@D)
	@echo '$(BUILD) $(CC)' | cmp -s - $@ || echo '$(BUILD) $(CC)' > $@

$(PROG): $(BUILD)/models/marketsim.o $(LIB) $(BIN)/.build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter-out $(BIN)/.build,$^) $(LDLIBS) -o $@

# The MPI build `make test` runs the MPI sweep test with (never sanitized:
# Open MPI's own allocations would drown the report).
MPI_PROG := build/mpi/bin/marketsim
ifneq ($(MPI),1)
$(MPI_PROG): FORCE | deps
	@$(MAKE) --no-print-directory MPI=1 BIN=build/mpi/bin SANFLAGS= OPTFLAGS="-O2 -g" $(MPI_PROG)
endif

# The program with its test-only hooks compiled in (MARKETSIM_FAULT, in
# tasks.c: inject a failed or crashed replication; MARKETSIM_DROP_TOKENS, in
# metrics.c: unbalance a model's accounting) and its invariants checked on
# every run (-DSIM_CHECK_INVARIANTS, read by experiment.c, as if --check were
# always given); the release program has neither.
HOOKS_PROG := $(BIN)/tests/marketsim-hooks
HOOKS_SRC  := sim/run/tasks.c sim/run/experiment.c models/market/metrics.c
$(BUILD)/hooks/sim/%.o: CPPFLAGS += -Isim
$(BUILD)/hooks/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DSIM_TEST_HOOKS -DSIM_CHECK_INVARIANTS $(CFLAGS) -c $< -o $@
$(HOOKS_PROG): $(BUILD)/models/marketsim.o $(HOOKS_SRC:%.c=$(BUILD)/hooks/%.o) \
		$(filter-out $(HOOKS_SRC:%.c=$(BUILD)/%.o),$(LIB_OBJ))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BIN)/tests/%: $(BUILD)/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(TEST_LIBS) $(LDLIBS) -o $@

$(BIN)/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# The hold benchmark on bare 2-, 4- and 8-ary heaps built from the same
# source, to compare with the calendar queue the engine uses.
$(BIN)/bench_hold_heap%: bench/bench_hold.c sim/core/queue.c $(LIB) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Isim $(filter-out -MMD -MP,$(CFLAGS)) -DBENCH_HEAP_ONLY=1 -DSIM_QUEUE_ARITY=$* \
		bench/bench_hold.c sim/core/queue.c $(LIB) $(LDLIBS) -o $@

run: $(PROG)
	$(PROG) run experiments/openrouter_2026.cfg

# The fast tier for the edit-test loop: every suite but those that open a
# browser, start MPI ranks, kill sweeps on a timer, race two sweeps for a
# folder or run the baseline experiment many times (they run in `make test`).
SLOW_TESTS := $(addprefix $(BIN)/tests/,test_report test_sweep_mpi test_sweep_store \
                test_market_validate test_market_whatif test_ownership test_hostile test_analysis \
                test_market_elasticity)
FAST_TESTS := $(filter-out $(SLOW_TESTS),$(TESTS))
check: $(PROG) $(HOOKS_PROG) $(FAST_TESTS)
	@failed=0; for t in $(FAST_TESTS); do \
		echo "== $$t"; MARKETSIM=$(PROG) MARKETSIM_HOOKS=$(HOOKS_PROG) $$t || failed=1; \
	done; \
	if [ $$failed -ne 0 ]; then echo "make check: some suites FAILED"; exit 1; fi; \
	echo "make check: all fast suites passed"

# Every suite runs even when an earlier one fails; the target fails if any did.
test: $(PROG) $(HOOKS_PROG) $(TESTS) $(MPI_PROG)
	@failed=0; for t in $(TESTS); do \
		echo "== $$t"; MARKETSIM=$(PROG) MARKETSIM_HOOKS=$(HOOKS_PROG) MARKETSIM_MPI=$(MPI_PROG) $$t || failed=1; \
	done; \
	if [ $$failed -ne 0 ]; then echo "make test: some suites FAILED"; exit 1; fi; \
	echo "make test: all suites passed"

bench: $(PROG) $(BENCHES)
	bench/run.sh

# Layering: no cycle between .c files, no call from a lower layer to a
# higher one (tools/layers.sh reads the objects with nm); its self-test first.
# The layering check reads the objects of both builds: the MPI kind of the
# task pool exists only in the MPI one.
lint: $(PROG) $(MPI_PROG)
	tests/lint/run.sh
	tests/config_typecheck/run.sh
	tools/layers.sh $(BUILD)
	tools/layers.sh build/mpi

memcheck: $(PROG) $(HOOKS_PROG) $(TESTS)
	@failed=0; for t in $(TESTS); do \
		echo "== valgrind $$t"; \
		MARKETSIM_UNDER_VALGRIND=1 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
			--error-exitcode=99 $$t || failed=1; \
	done; \
	echo "== valgrind $(PROG) run experiments/phold.cfg"; \
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		$(PROG) run experiments/phold.cfg --quiet --set phold.end_time=200 --out $(BUILD)/memcheck-phold || failed=1; \
	echo "== valgrind $(PROG) run experiments/openrouter_2026.cfg (small)"; \
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		$(PROG) run experiments/openrouter_2026.cfg --quiet --no-plots --check \
		--set replications=2 --set market.scale=2000 --out $(BUILD)/memcheck-market || failed=1; \
	echo "== valgrind $(PROG) optimize and sensitivity (small, -j 2)"; \
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		$(PROG) optimize experiments/analytic/monopoly.cfg --quiet -j 2 --set replications=3 \
		--out $(BUILD)/memcheck-optimize || failed=1; \
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		$(PROG) sensitivity experiments/analytic/ishigami.cfg --quiet -j 2 --set sensitivity.samples=16 \
		--set sensitivity.trajectories=4 --set sensitivity.bootstrap=20 \
		--out $(BUILD)/memcheck-sensitivity || failed=1; \
	for j in 1 2; do \
		echo "== valgrind $(PROG) sweep tests/data/sweep_adaptive.cfg -j $$j"; \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
			$(PROG) sweep tests/data/sweep_adaptive.cfg --quiet -j $$j \
			--out $(BUILD)/memcheck-sweep$$j || failed=1; \
	done; \
	exit $$failed

# Regenerates the fixed-seed outputs test_phold compares against; review
# the diff before committing it.
golden: $(PROG)
	$(PROG) run tests/data/golden_phold.cfg --quiet --out $(BUILD)/golden-phold
	@mkdir -p tests/golden/phold
	cp $(BUILD)/golden-phold/phold_summary.csv $(BUILD)/golden-phold/phold_lps.csv tests/golden/phold/

# The sanitized build also checks the models' invariants on every run
# (-DSIM_CHECK_INVARIANTS: as if --check were always given).
sanitize:
	$(MAKE) BUILD=build/san BIN=bin/san OPTFLAGS="-O1 -g" \
		SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
		-DSIM_CHECK_INVARIANTS" test

# libFuzzer: tests/fuzz/fuzz_*.c, each linked with -fsanitize=fuzzer against
# the library compiled by clang with -fsanitize=fuzzer-no-link,address,
# undefined into build/fuzz/ (apart from build/ and build/san/), then run by
# tests/fuzz/run.sh: FUZZ_SECONDS in all, split evenly between the
# harnesses; fails on any crash, leak or timeout (reproducers in
# build/fuzz/artifacts/).
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
FUZZERS      := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
fuzz: | deps
	@$(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j2) \
		BUILD=$(FUZZ_BUILD) BIN=$(FUZZ_BUILD)/bin CC=$(FUZZ_CC) \
		OPTFLAGS="-O1 -g" SANFLAGS="$(FUZZ_SAN)" fuzz-harnesses
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZERS)

# (In the sub-make above, where BUILD is build/fuzz.)
fuzz-harnesses: $(FUZZERS:%=$(BUILD)/%)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(LIB)
	$(CC) $(CPPFLAGS) -Isim -Imodels $(filter-out -MMD -MP,$(CFLAGS)) -fsanitize=fuzzer \
		-DFUZZ_LIBFUZZER -DFUZZ_SRCDIR='"$(CURDIR)"' $< $(LIB) $(LDLIBS) -o $@

install: $(PROG)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/marketsim/experiments
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/marketsim
	install -m 644 experiments/*.cfg $(DESTDIR)$(PREFIX)/share/marketsim/experiments/
	cp -r experiments/openrouter_2026 experiments/targets $(DESTDIR)$(PREFIX)/share/marketsim/experiments/
	install -d $(DESTDIR)$(PREFIX)/share/marketsim/plots
	install -m 644 plots/*.gp $(DESTDIR)$(PREFIX)/share/marketsim/plots/

clean:
	rm -rf $(BUILD) $(BIN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
