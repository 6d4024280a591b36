# hedgesim: one plain Makefile.  `make help` lists the targets.
#
# Fresh Debian machine: `make demo` or `make check` install the Debian
# packages they need (via `make deps`) and build everything first.  No other
# target installs anything: they stop and say to run `make deps`.

CC       ?= cc
PKGS     := sqlite3 gsl hdf5 check inih jansson
DEB_PKGS := build-essential pkg-config libsqlite3-dev libgsl-dev libhdf5-dev \
            hdf5-tools check libinih-dev libjansson-dev \
            python3-h5py python3-pandas python3-numpy
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The report's charting library (docs/report.md): Apache ECharts from the npm
# registry, installed by `make deps` into deps/npm (not committed) and
# compiled into the library, so reports need nothing at run time.
ECHARTS_VERSION := 6.1.0
NPM_DIR    := deps/npm
ECHARTS_JS := $(NPM_DIR)/node_modules/echarts/dist/echarts.min.js
# The browser that checks reports and takes the README's screenshot.
CHROMIUM   ?= $(shell command -v chromium chromium-browser 2>/dev/null | head -n1)

WARN     := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual
OPT      ?= -O2 -g
# Link-time optimisation of the library (GCC): the engine's step calls into
# the ledgers, the execution model and the strategy view, each in its own
# file; at link time they are inlined across files (a sweep takes about 7 %
# less time, results identical).  Fat objects keep libhedgesim.a usable by a
# link without LTO.  The sanitizer and fuzzing builds go without (LTO=).
LTO      ?= -flto=auto -ffat-lto-objects
CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
# No fused multiply-add contraction, whatever the compiler or -march: the
# same inputs give the same bits on every machine (GCC's default for ISO C;
# Clang's is to contract).
CFLAGS   += $(OPT) $(WARN) -ffp-contract=off -MMD -MP
SANITIZE ?=
B        ?= build

# `make install` (and `make uninstall`): PREFIX/bin, lib, include,
# lib/pkgconfig and share/man, under DESTDIR when staging.
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   := $(PREFIX)/bin
LIBDIR   := $(PREFIX)/lib
INCDIR   := $(PREFIX)/include
PCDIR    := $(LIBDIR)/pkgconfig
MANDIR   := $(PREFIX)/share/man/man1
# The shared library's file name carries the full version, its soname the
# major one (bumped when the ABI breaks).
VERSION  := $(shell sed -n 's/^\#define HS_VERSION "\(.*\)"/\1/p' include/hedgesim/hedgesim.h)
SOMAJOR  := $(firstword $(subst ., ,$(VERSION)))
SONAME   := libhedgesim.so.$(SOMAJOR)

HAVE_DEPS := $(shell pkg-config --exists $(PKGS) 2>/dev/null && \
               test -f $(ECHARTS_JS) && echo yes)

.PHONY: all check asan valgrind bench demo deps clean help dataset test-unit test-cli \
        fuzz fuzz-build deps-fuzz screenshot install uninstall test-install \
        check-mpi mpi bench-mpi

# MPI (`make MPI=1`, docs/scale.md): hedgesim-mpi, the same tool whose mc
# and sweep share their work over the ranks of mpirun, built in build-mpi/
# on the same library (which knows nothing of MPI); `make check-mpi` runs
# its tests.  Without MPI=1 nothing here needs Open MPI.
MPI      ?=
MPI_B    := build-mpi
MPI_BIN  := hedgesim-mpi
MPI_DEB  := libopenmpi-dev openmpi-bin
HAVE_MPI := $(shell pkg-config --exists mpi-c 2>/dev/null && command -v mpirun >/dev/null && echo yes)

# Fuzzing (`make fuzz`): clang with libFuzzer, in its own build directory.
# Each harness runs FUZZ_SECONDS; a crash keeps its input under
# build-fuzz/crashes/ and fails the target (docs/testing.md).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := import chain config
FUZZ_DEB     := clang libclang-rt-14-dev

ifeq ($(HAVE_DEPS),yes)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs sqlite3 gsl hdf5 inih jansson) -lm -ldl -lpthread
CHECK_LIBS := $(shell pkg-config --libs check)
CPPFLAGS   += $(PKG_CFLAGS)
CFLAGS     += $(SANITIZE)
LDFLAGS    += $(SANITIZE)

# The library's layers, bottom up (docs/architecture.md): each folder may use
# the public headers of the ones before it, and its own *_int.h only.
LAYERS   := base data options engine sim run
# src/cli/mpi_main.c and mpi_dist.c make hedgesim-mpi; hedgesim has
# main.c and mpi_none.c (one process) in their place.
MPI_ONLY := src/cli/mpi_main.c src/cli/mpi_dist.c
CLI_SRC  := $(filter-out $(MPI_ONLY),$(wildcard src/cli/*.c))
MPI_CLI_SRC := $(filter-out src/cli/main.c src/cli/mpi_none.c,$(wildcard src/cli/*.c))
LIB_SRC  := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)) \
            $(filter-out strategies/template.c,$(wildcard strategies/*.c))
# tests/mpi/check_share.c tests the work-sharing hooks in one process: no
# MPI needed, so it runs with the other suites.
TEST_SRC := $(wildcard tests/check_*.c) tests/mpi/check_share.c
BENCH_SRC:= $(wildcard bench/*.c)

# The crisis library (datasets/windows.csv) and the modeled smile's fitted
# coefficients (datasets/smile-fit.csv) are compiled in: a generated C file
# holds the CSV text, so the binary finds it from any directory.
GEN_OBJ  := $(B)/pic/gen/windows_csv.o $(B)/pic/gen/smile_fit_csv.o \
            $(B)/pic/gen/report_assets.o
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/pic/%.o) $(GEN_OBJ)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
LIB      := $(B)/libhedgesim.a
SHLIB    := $(B)/libhedgesim.so.$(VERSION)
BIN      := hedgesim
TEMPLATE_SO := $(B)/tests/template_plugin.so
FAKE_SO  := $(B)/tests/fake_plugin.so
# hedgesim links against the shared library, so a plug-in (linked against it
# too) resolves hs_* from the one copy the program uses; the binary exports
# nothing (no -rdynamic).  In the tree it finds the library beside its
# objects; installed, in ../lib (relinked at `make install`).
BIN_RPATH := $(if $(filter $(B)/,$(dir $(BIN))),$$ORIGIN,$$ORIGIN/$(B))

all: $(LIB) $(SHLIB) $(BIN) datasets/hedgesim.db $(if $(filter 1,$(MPI)),mpi)


# The library's objects are position-independent (under $(B)/pic/): the
# same objects make libhedgesim.a and libhedgesim.so.  Calls between the
# library's own functions bind directly and may be inlined
# (-fno-semantic-interposition): no program replaces a library function.
$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fno-semantic-interposition $(LTO) -c $< -o $@

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# A text file as a C string: each line one literal ending in \n.  `?` is
# escaped so that no trigraph can form.
cstring = sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
              -e 's/^/    "/' -e 's/$$/\\n"/' $(1)
# The file $(2) as the C string constant $(1), into $@.
embed = { echo '/* Generated by make from $(2): do not edit. */'; \
          echo 'extern const char $(1)[];'; \
          echo 'const char $(1)[] ='; $(call cstring,$(2)); echo '    ;'; \
        } > $@.tmp && mv $@.tmp $@

$(B)/gen/windows_csv.c: datasets/windows.csv
	@mkdir -p $(dir $@)
	@$(call embed,hs_stress__windows_csv,$<)

$(B)/gen/smile_fit_csv.c: datasets/smile-fit.csv
	@mkdir -p $(dir $@)
	@$(call embed,hs_chain__smile_fit_csv,$<)

# The report's assets, compiled in the same way: report/report.js and
# report/report.css (the page's own script and style) and Apache ECharts.
$(B)/gen/report_assets.c: $(ECHARTS_JS) report/report.js report/report.css
	@mkdir -p $(dir $@)
	@{ echo '/* Generated by make from report/ and Apache ECharts $(ECHARTS_VERSION): do not edit. */'; \
	  echo 'extern const char hs_report__echarts_version[], hs_report__echarts_js[],'; \
	  echo '    hs_report__js[], hs_report__css[];'; \
	  echo 'const char hs_report__echarts_version[] = "$(ECHARTS_VERSION)";'; \
	  echo 'const char hs_report__echarts_js[] ='; $(call cstring,$(ECHARTS_JS)); echo '    ;'; \
	  echo 'const char hs_report__js[] ='; $(call cstring,report/report.js); echo '    ;'; \
	  echo 'const char hs_report__css[] ='; $(call cstring,report/report.css); echo '    ;'; \
	} > $@.tmp && mv $@.tmp $@

$(B)/pic/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SHLIB): $(LIB_OBJ) Makefile
	$(CC) -shared $(LTO) $(OPT) -Wl,-soname,$(SONAME) $(LDFLAGS) -o $@ $(LIB_OBJ) $(PKG_LIBS)
	ln -sf $(notdir $@) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libhedgesim.so

$(BIN): $(CLI_OBJ) $(SHLIB) Makefile
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) -L$(B) -lhedgesim \
	    -Wl,-rpath,'$(BIN_RPATH)' $(PKG_LIBS)

# The installed program: the same objects, finding the library in ../lib.
$(B)/install/hedgesim: $(CLI_OBJ) $(SHLIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) -L$(B) -lhedgesim \
	    -Wl,-rpath,'$$ORIGIN/../lib' $(PKG_LIBS)

# pkg-config file: the public headers include GSL's (rng.h), so gsl is
# required; the rest is only needed for static linking.
$(B)/hedgesim.pc: Makefile include/hedgesim/hedgesim.h
	@mkdir -p $(dir $@)
	@{ echo 'prefix=$(PREFIX)'; \
	  echo 'exec_prefix=$${prefix}'; \
	  echo 'libdir=$${exec_prefix}/lib'; \
	  echo 'includedir=$${prefix}/include'; \
	  echo ''; \
	  echo 'Name: hedgesim'; \
	  echo 'Description: backtesting and Monte Carlo simulation of beta hedging'; \
	  echo 'Version: $(VERSION)'; \
	  echo 'Requires: gsl'; \
	  echo 'Requires.private: sqlite3 hdf5 inih jansson'; \
	  echo 'Libs: -L$${libdir} -lhedgesim'; \
	  echo 'Libs.private: -lm -ldl -lpthread'; \
	  echo 'Cflags: -I$${includedir}'; } > $@

# The unit suites link the shared library, as hedgesim does: the plug-in
# the engine suite loads binds to the same single copy (two copies, one
# static in the test and one pulled in by the plug-in, would be two
# registries and two error slots).
$(B)/tests/%: tests/%.c $(SHLIB) tests/testutil.h Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $< -o $@ $(LDFLAGS) -L$(B) -lhedgesim \
	    -Wl,-rpath,'$$ORIGIN/..:$$ORIGIN/../..' $(PKG_LIBS) $(CHECK_LIBS)

# hedgesim-mpi: the CLI objects again, with Open MPI's flags (pkg-config
# mpi-c), linked with the same library.
ifeq ($(HAVE_MPI),yes)
MPI_CFLAGS  := $(shell pkg-config --cflags mpi-c)
MPI_LIBS    := $(shell pkg-config --libs mpi-c)
MPI_CLI_OBJ := $(MPI_CLI_SRC:%.c=$(MPI_B)/%.o)

$(MPI_B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(MPI_CFLAGS) $(CFLAGS) -c $< -o $@

$(MPI_BIN): $(MPI_CLI_OBJ) $(SHLIB)
	$(CC) $(LDFLAGS) -o $@ $(MPI_CLI_OBJ) -L$(B) -lhedgesim \
	    -Wl,-rpath,'$(BIN_RPATH)' $(PKG_LIBS) $(MPI_LIBS)

mpi: $(MPI_BIN)

# 1, 2 and 3 ranks against the single-process run, and a killed rank.
check-mpi: all $(MPI_BIN) $(FAKE_SO)
	@tests/mpi/run.sh ./$(BIN) ./$(MPI_BIN)

bench-mpi: $(MPI_BIN) datasets/hedgesim.db
	@tests/mpi/bench.sh ./$(MPI_BIN)

-include $(MPI_CLI_OBJ:.o=.d)
else
mpi check-mpi bench-mpi:
	@echo "make: $@ needs Open MPI (pkg-config mpi-c and mpirun): install $(MPI_DEB)" >&2
	@exit 1
endif

# Fault injection: the suite's binary wraps the allocation calls made from
# the library's objects, so that it can fail the Nth one
# (tests/check_fault.c).
FAULT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=free
$(B)/tests/check_fault: tests/check_fault.c $(LIB) tests/testutil.h tests/enginefix.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fno-builtin -Itests $< -o $@ $(LDFLAGS) $(FAULT_WRAP) $(LIB) $(PKG_LIBS) $(CHECK_LIBS)

# libFuzzer harnesses (tests/fuzz/<target>.c), built by `make fuzz`.
$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzzutil.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer $< -o $@ $(LDFLAGS) $(LIB) $(PKG_LIBS)

fuzz-build: $(FUZZ_TARGETS:%=$(B)/fuzz/%)

$(B)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(LDFLAGS) $(LIB) $(PKG_LIBS)

# A user strategy built the way users build theirs: the copy-me template as a
# shared object, loaded with --plugin by the plug-in tests.
$(TEMPLATE_SO): strategies/template.c include/hedgesim/strategy.h $(SHLIB) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(OPT) $(WARN) $(SANITIZE) -fPIC -shared $< -o $@ \
	    -L$(B) -lhedgesim -Wl,-rpath,'$$ORIGIN/..'

# Fake strategies the tests load next to it (tests/fake_plugin.c).
$(FAKE_SO): tests/fake_plugin.c include/hedgesim/strategy.h $(SHLIB) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(OPT) $(WARN) $(SANITIZE) -fPIC -shared $< -o $@ \
	    -L$(B) -lhedgesim -Wl,-rpath,'$$ORIGIN/..'

# The embedded dataset: rebuilt from the CSV files under datasets/ in seconds.
DATA_FILES := $(filter-out datasets/windows.csv datasets/smile-fit.csv,$(shell find datasets -name '*.csv' 2>/dev/null))
datasets/hedgesim.db: $(BIN) datasets/manifest.csv $(DATA_FILES)
	./$(BIN) import --embedded datasets --db $@ --force

dataset: datasets/hedgesim.db

test-unit: $(TESTS) $(TEMPLATE_SO) $(FAKE_SO) datasets/hedgesim.db
	@HS_TEST_PLUGIN=$(TEMPLATE_SO) HS_BIN=./$(BIN) tests/run-unit.sh $(TESTS)

test-cli: $(BIN) datasets/hedgesim.db $(TEMPLATE_SO) $(FAKE_SO) $(B)/tests/check_report
	@HS_TEST_PLUGIN=$(TEMPLATE_SO) HS_CHROMIUM=$(CHROMIUM) \
	    HS_CHECK_REPORT=$(B)/tests/check_report tests/cli/run.sh ./$(BIN)

check: all
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-cli
	@$(MAKE) --no-print-directory test-install

install: all $(B)/install/hedgesim $(B)/hedgesim.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PCDIR) \
	    $(DESTDIR)$(INCDIR)/hedgesim $(DESTDIR)$(MANDIR)
	install -m 755 $(B)/install/hedgesim $(DESTDIR)$(BINDIR)/hedgesim
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libhedgesim.a
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/$(notdir $(SHLIB))
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libhedgesim.so
	install -m 644 include/hedgesim/*.h $(DESTDIR)$(INCDIR)/hedgesim/
	install -m 644 $(B)/hedgesim.pc $(DESTDIR)$(PCDIR)/hedgesim.pc
	install -m 644 docs/hedgesim.1 $(DESTDIR)$(MANDIR)/hedgesim.1

# Install into a temporary DESTDIR, build docs/examples/ against it with
# pkg-config and run it; then uninstall and check nothing is left.
test-install: all
	@tests/install.sh "$(MAKE)" "$(PREFIX)"

asan:
	$(MAKE) --no-print-directory B=build-asan OPT="-O1 -g -fno-omit-frame-pointer" LTO= \
	    SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    BIN=build-asan/hedgesim test-unit test-cli

fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make: fuzz needs $(FUZZ_CC) and libFuzzer: run 'make deps-fuzz' (installs $(FUZZ_DEB))" >&2; exit 1; }
	$(MAKE) --no-print-directory B=build-fuzz CC=$(FUZZ_CC) LTO= \
	    OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANITIZE="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	    fuzz-build
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

valgrind: all $(TESTS) $(TEMPLATE_SO) $(FAKE_SO)
	@CK_FORK=no HS_FAULT_STRIDE=16 HS_TEST_PLUGIN=$(TEMPLATE_SO) HS_VALGRIND=1 tests/run-unit.sh $(TESTS)

bench: $(BENCHES) datasets/hedgesim.db $(if $(filter 1,$(MPI)),mpi)
	@for b in $(BENCHES); do echo "== $$b"; $$b datasets/hedgesim.db || exit 1; done
	@$(if $(filter 1,$(MPI)),$(MAKE) --no-print-directory bench-mpi)

demo: all
	./$(BIN) run configs/alt-basket-btc-hedge.ini -o results/demo.h5 --force
	./$(BIN) run configs/alt-basket-options.ini -o results/demo-options.h5 --force
	./$(BIN) stress configs/alt-basket-btc-hedge.ini -o results/demo-stress.h5 --force
	./$(BIN) stress configs/alt-basket-btc-hedge.ini --transplant luna_ust --onto 2024-06-01 \
	    -o results/demo-transplant.h5 --force
	./$(BIN) analyze configs/alt-basket-btc-hedge.ini --window ftx_collapse \
	    -o results/demo-analyze.h5 --force
	./$(BIN) sweep configs/alt-basket-btc-hedge.ini --run ols60 \
	    --vary strategy.ols60.window=20:250:5 \
	    --vary strategy.ols60.target_beta=0.5,0.75,1,1.25 \
	    --vary costs.fee_bps=2,5 -j 2 -o results/demo-sweep.h5 --force
	./$(BIN) mc configs/alt-basket-mc.ini --paths 2000 --seed 1 --threads 2 -o results/demo-mc.h5 --force
	./$(BIN) report results/demo.h5 -o results/demo.html --force

# The README's picture: the demo's report, rendered by headless Chromium.
screenshot: all
	./$(BIN) run configs/alt-basket-btc-hedge.ini -o results/demo.h5 --force -q
	./$(BIN) report results/demo.h5 -o results/demo.html --force
	@mkdir -p docs/img
	tests/report-browser.sh screenshot results/demo.html docs/img/report.png

# Header dependencies of every object, test and benchmark (-MMD -MP).
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TESTS:=.d) $(BENCHES:=.d)

else ifeq ($(HS_DEPS_TRIED),1)  # installed, and still not found

all check asan valgrind bench demo dataset test-unit test-cli fuzz fuzz-build screenshot install test-install \
mpi check-mpi bench-mpi:
	@echo "make: pkg-config still cannot find: $(PKGS), or $(ECHARTS_JS) is missing" >&2
	@echo "make: install $(DEB_PKGS) (or the same libraries) and retry" >&2
	@exit 1

else  # dependencies missing

# Only the two commands of the README (and `make deps` itself) install
# packages; every other target says what to run.
check demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory HS_DEPS_TRIED=1 $@

all asan valgrind bench dataset test-unit test-cli fuzz fuzz-build screenshot install test-install \
mpi check-mpi bench-mpi:
	@echo "make: missing libraries (pkg-config cannot find: $(PKGS)) or the report's $(ECHARTS_JS)" >&2
	@echo "make: run 'make deps' (installs $(DEB_PKGS) and echarts $(ECHARTS_VERSION) from npm), then retry" >&2
	@exit 1

endif

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hedgesim $(DESTDIR)$(LIBDIR)/libhedgesim.a \
	    $(DESTDIR)$(LIBDIR)/libhedgesim.so $(DESTDIR)$(LIBDIR)/libhedgesim.so.$(SOMAJOR) \
	    $(DESTDIR)$(LIBDIR)/libhedgesim.so.$(VERSION) \
	    $(DESTDIR)$(PCDIR)/hedgesim.pc $(DESTDIR)$(MANDIR)/hedgesim.1
	rm -f $(addprefix $(DESTDIR)$(INCDIR)/hedgesim/,$(notdir $(wildcard include/hedgesim/*.h)))
	-rmdir $(DESTDIR)$(INCDIR)/hedgesim 2>/dev/null

deps:
	@if pkg-config --exists $(PKGS) 2>/dev/null && command -v h5dump >/dev/null && \
	    { python3 -c 'import h5py, pandas, numpy' || \
	      /usr/bin/python3 -c 'import h5py, pandas, numpy'; } 2>/dev/null; then \
	    echo "deps: all present ($(PKGS))"; \
	else \
	    echo "deps: installing Debian packages: $(DEB_PKGS)"; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS); \
	fi
	@if [ -f $(ECHARTS_JS) ] && grep -q '"version": "$(ECHARTS_VERSION)"' \
	        $(NPM_DIR)/node_modules/echarts/package.json; then \
	    echo "deps: echarts $(ECHARTS_VERSION) present ($(NPM_DIR))"; \
	else \
	    command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	        $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }; \
	    echo "deps: installing echarts $(ECHARTS_VERSION) from npm into $(NPM_DIR)"; \
	    npm install --prefix $(NPM_DIR) --no-save --no-audit --no-fund \
	        echarts@$(ECHARTS_VERSION) >/dev/null; \
	fi

# The fuzzing compiler and runtime: only `make fuzz` needs them.
deps-fuzz:
	@if command -v $(FUZZ_CC) >/dev/null && echo 'int LLVMFuzzerTestOneInput(const char *d, long n); int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' | \
	    $(FUZZ_CC) -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then \
	    echo "deps-fuzz: $(FUZZ_CC) with libFuzzer present"; \
	else \
	    echo "deps-fuzz: installing Debian packages: $(FUZZ_DEB)"; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(FUZZ_DEB); \
	fi

clean:
	rm -rf build build-asan build-fuzz $(MPI_B) hedgesim $(MPI_BIN) datasets/hedgesim.db datasets/hedgesim.db-*

help:
	@echo "make          build libhedgesim.a and .so, hedgesim and the embedded dataset"
	@echo "make demo     run the main job on the embedded dataset"
	@echo "make dataset  (re)build datasets/hedgesim.db from datasets/*.csv"
	@echo "make check    unit suites (Check), end-to-end CLI tests, install test"
	@echo "make asan     the same under AddressSanitizer + UBSan"
	@echo "make valgrind the unit suites under valgrind"
	@echo "make fuzz     libFuzzer harnesses, FUZZ_SECONDS (default 60) each, clang"
	@echo "make bench    benchmarks (prints figures; MPI=1: also over 1 and 2 ranks)"
	@echo "make MPI=1    also build hedgesim-mpi (Open MPI, docs/scale.md)"
	@echo "make check-mpi MPI tests: 1, 2, 3 ranks give the same results; a killed rank"
	@echo "make install  install into PREFIX (/usr/local; DESTDIR to stage)"
	@echo "make uninstall remove what make install installed"
	@echo "make deps     install missing Debian packages and the report's echarts (npm)"
	@echo "make deps-fuzz install clang and libFuzzer (for make fuzz)"
	@echo "make clean    remove every build directory and the built dataset"
	@echo "make screenshot  docs/img/report.png from the demo's report (headless Chromium)"
