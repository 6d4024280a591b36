# hedgesim: one plain Makefile.  `make help` lists the targets.
#
# Fresh Debian machine: `make demo` or `make check` install the Debian
# packages they need (via `make deps`) and build everything first.  No other
# target installs anything: they stop and say to run `make deps`.

CC       ?= cc
PKGS     := sqlite3 gsl hdf5 check inih
DEB_PKGS := build-essential pkg-config libsqlite3-dev libgsl-dev libhdf5-dev \
            hdf5-tools check libinih-dev
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

WARN     := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual
OPT      ?= -O2 -g
CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS   += $(OPT) $(WARN) -MMD -MP
SANITIZE ?=
B        ?= build

HAVE_DEPS := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)

.PHONY: all check asan valgrind bench demo deps clean help dataset test-unit test-cli \
        fuzz fuzz-build deps-fuzz

# Fuzzing (`make fuzz`): clang with libFuzzer, in its own build directory.
# Each harness runs FUZZ_SECONDS; a crash keeps its input under
# build-fuzz/crashes/ and fails the target (docs/testing.md).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := import chain config
FUZZ_DEB     := clang libclang-rt-14-dev

ifeq ($(HAVE_DEPS),yes)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs sqlite3 gsl hdf5 inih) -lm -ldl -lpthread
CHECK_LIBS := $(shell pkg-config --libs check)
CPPFLAGS   += $(PKG_CFLAGS)
CFLAGS     += $(SANITIZE)
LDFLAGS    += $(SANITIZE) -rdynamic

# The library's layers, bottom up (docs/architecture.md): each folder may use
# the public headers of the ones before it, and its own *_int.h only.
LAYERS   := base data options engine sim run
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_SRC  := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)) \
            $(filter-out strategies/template.c,$(wildcard strategies/*.c))
TEST_SRC := $(wildcard tests/check_*.c)
BENCH_SRC:= $(wildcard bench/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
LIB      := $(B)/libhedgesim.a
BIN      := hedgesim
TEMPLATE_SO := $(B)/tests/template_plugin.so

all: $(LIB) $(BIN) datasets/hedgesim.db

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

$(B)/tests/%: tests/%.c $(LIB) tests/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $< -o $@ $(LDFLAGS) $(LIB) $(PKG_LIBS) $(CHECK_LIBS)

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
$(TEMPLATE_SO): strategies/template.c include/hedgesim/strategy.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(OPT) $(WARN) $(SANITIZE) -fPIC -shared $< -o $@

# The embedded dataset: rebuilt from the CSV files under datasets/ in seconds.
DATA_FILES := $(shell find datasets -name '*.csv' 2>/dev/null)
datasets/hedgesim.db: $(BIN) datasets/manifest.csv $(DATA_FILES)
	./$(BIN) import --embedded datasets --db $@ --force

dataset: datasets/hedgesim.db

test-unit: $(TESTS) $(TEMPLATE_SO) datasets/hedgesim.db
	@HS_TEST_PLUGIN=$(TEMPLATE_SO) HS_BIN=./$(BIN) tests/run-unit.sh $(TESTS)

test-cli: $(BIN) datasets/hedgesim.db $(TEMPLATE_SO)
	@HS_TEST_PLUGIN=$(TEMPLATE_SO) tests/cli/run.sh ./$(BIN)

check: all
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-cli

asan:
	$(MAKE) --no-print-directory B=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    BIN=build-asan/hedgesim test-unit test-cli

fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make: fuzz needs $(FUZZ_CC) and libFuzzer: run 'make deps-fuzz' (installs $(FUZZ_DEB))" >&2; exit 1; }
	$(MAKE) --no-print-directory B=build-fuzz CC=$(FUZZ_CC) \
	    OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANITIZE="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	    fuzz-build
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

valgrind: all $(TESTS)
	@CK_FORK=no HS_FAULT_STRIDE=16 HS_TEST_PLUGIN=$(TEMPLATE_SO) HS_VALGRIND=1 tests/run-unit.sh $(TESTS)

bench: $(BENCHES) datasets/hedgesim.db
	@for b in $(BENCHES); do echo "== $$b"; $$b datasets/hedgesim.db || exit 1; done

demo: all
	./$(BIN) run configs/alt-basket-btc-hedge.ini -o results/demo.h5 --force
	./$(BIN) run configs/alt-basket-options.ini -o results/demo-options.h5 --force

# Header dependencies of every object, test and benchmark (-MMD -MP).
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TESTS:=.d) $(BENCHES:=.d)

else ifeq ($(HS_DEPS_TRIED),1)  # installed, and still not found

all check asan valgrind bench demo dataset test-unit test-cli fuzz fuzz-build:
	@echo "make: pkg-config still cannot find: $(PKGS)" >&2
	@echo "make: install $(DEB_PKGS) (or the same libraries) and retry" >&2
	@exit 1

else  # dependencies missing

# Only the two commands of the README (and `make deps` itself) install
# packages; every other target says what to run.
check demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory HS_DEPS_TRIED=1 $@

all asan valgrind bench dataset test-unit test-cli fuzz fuzz-build:
	@echo "make: missing libraries (pkg-config cannot find: $(PKGS))" >&2
	@echo "make: run 'make deps' (installs $(DEB_PKGS)), then retry" >&2
	@exit 1

endif

deps:
	@if pkg-config --exists $(PKGS) 2>/dev/null && command -v h5dump >/dev/null; then \
	    echo "deps: all present ($(PKGS))"; \
	else \
	    echo "deps: installing Debian packages: $(DEB_PKGS)"; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS); \
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
	rm -rf build build-asan build-fuzz hedgesim datasets/hedgesim.db datasets/hedgesim.db-*

help:
	@echo "make          build libhedgesim.a, hedgesim and the embedded dataset"
	@echo "make demo     run the main job on the embedded dataset"
	@echo "make dataset  (re)build datasets/hedgesim.db from datasets/*.csv"
	@echo "make check    unit suites (Check) and end-to-end CLI tests"
	@echo "make asan     the same under AddressSanitizer + UBSan"
	@echo "make valgrind the unit suites under valgrind"
	@echo "make fuzz     libFuzzer harnesses, FUZZ_SECONDS (default 60) each, clang"
	@echo "make bench    benchmarks (prints figures)"
	@echo "make deps     install missing Debian packages"
	@echo "make deps-fuzz install clang and libFuzzer (for make fuzz)"
	@echo "make clean    remove every build directory and the built dataset"
