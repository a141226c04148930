# Avila - one non-recursive GNU Makefile for the whole tree.
#
# Objects go to $(BUILD) (default build/), never next to the sources.
# Variants (asan, static, fuzz) are the same rules run again with another
# BUILD directory and extra flags, so they never mix objects.
# `make help` lists the targets; README.md explains them.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:
MAKEFLAGS += --no-builtin-rules

# `make V=1` shows full commands; by default one short line per step.
V ?= 0
ifeq ($(V),0)
say = @printf '  %-6s %s\n' $(1) $(2);
else
say :=
endif

VERSION := 0.1.0
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
AR ?= ar
FUZZ_SECONDS ?= 60

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wvla -Werror
# DWARF 4: valgrind 3.19 (Debian 12) cannot read clang 14's DWARF 5.
CFLAGS ?= -O2 -g -gdwarf-4
# XCFLAGS / XLDFLAGS carry a variant's extra flags (sanitizers, -static).
BASE_CFLAGS = -std=c11 $(WARNINGS) -D_GNU_SOURCE -I. -ffunction-sections -fdata-sections
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(XCFLAGS)
ALL_LDFLAGS = -Wl,--gc-sections $(LDFLAGS) $(XLDFLAGS)

# ---------------------------------------------------------------- layers
# Dependency order: a layer may include only itself and the layers before it.
LAYERS := core crypto net data dist math geo media

# The OS-facing sources of each layer. Every other source in a layer is pure
# (bytes in, bytes out) and `make freestanding` proves it builds without libc:
# a new file is pure unless listed here.
core_OS := core/alloc_libc.c core/cpu_env.c core/heap.c core/heap_hardened.c core/heap_large.c \
	core/heap_os.c core/heap_stats.c core/id_gen.c core/log_stderr.c core/random.c \
	core/time.c
crypto_OS := crypto/csprng_os.c
net_OS := net/http_client.c net/http_middleware.c net/http_server.c net/loop.c net/resolve.c net/sock.c \
	net/work.c net/ws_client.c net/ws_conn.c
data_OS := data/lsm_db.c data/lsm_db_bg.c data/lsm_db_iter.c data/lsm_db_tables.c data/lsm_vfs_posix.c

define layer_vars
$(1)_SRCS := $$(sort $$(wildcard $(1)/*.c $(1)/*/*.c))
$(1)_HDRS := $$(sort $$(filter-out %_int.h,$$(wildcard $(1)/*.h $(1)/*/*.h)))
$(1)_PURE := $$(filter-out $$($(1)_OS),$$($(1)_SRCS))
endef
$(foreach l,$(LAYERS),$(eval $(call layer_vars,$(l))))

PRESENT := $(foreach l,$(LAYERS),$(if $($(l)_SRCS),$(l)))
PURE := $(foreach l,$(PRESENT),$($(l)_PURE))
HEADERS := $(foreach l,$(PRESENT),$($(l)_HDRS))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
lib = $(BUILD)/lib/libavila_$(1).a
reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
LIBS := $(foreach l,$(PRESENT),$(call lib,$(l)))
# Static libraries link highest layer first.
LINK_LIBS := $(foreach l,$(call reverse,$(PRESENT)),$(call lib,$(l)))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(HOT_FLAGS) $(XDEFS) -MMD -MP -c $< -o $@

# Hot loops that gcc -O2 leaves measurably slow: the portable X25519 ladder
# and its inversion run about 20% faster at -O3 (`AVILA_CPU=portable avila
# speed x25519`); the H.264 encoder's row minimum and maximum for scrolling
# detection become vector code only at -O3.
HOT_SRCS := crypto/x25519.c crypto/fe25519.c media/h264/enc_scroll.c media/h264/enc_glyph.c
$(call obj,$(HOT_SRCS)): HOT_FLAGS = -O3

define layer_rules
$(call lib,$(1)): $(call obj,$($(1)_SRCS))
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(call say,AR,$$@)$(AR) rcs $$@ $$^
endef
$(foreach l,$(PRESENT),$(eval $(call layer_rules,$(l))))

# ---------------------------------------------------------------- the avila binary
APP_SRCS := $(sort $(wildcard apps/*.c))
AVILA := $(BUILD)/bin/avila

$(BUILD)/obj/apps/cmd_version.o: XDEFS = -DAVILA_VERSION='"$(VERSION)"' \
	-DAVILA_BUILD_FLAGS='"$(strip $(subst ",,$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)))"'

# `avila speed` shares the benchmarks' timing code. APP_MALLOC (set by `make static`)
# adds tools/malloc/avila_malloc.c: the heap then replaces the libc's malloc.
APP_OBJS = $(call obj,$(APP_SRCS) tools/bench/bench.c $(APP_MALLOC))

$(AVILA): $(APP_OBJS) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $(APP_OBJS) $(LINK_LIBS) $(ALL_LDFLAGS)

# ---------------------------------------------------------------- libavila_malloc.so
# The heap compiled again position-independent, with tools/malloc/avila_malloc.c
# exporting the malloc family, for LD_PRELOAD. Not in libavila_core.a (the
# library never defines malloc); built without a variant's sanitizer flags.
MALLOC_SO := $(BUILD)/lib/libavila_malloc.so
MALLOC_SO_SRCS := core/heap.c core/heap_class.c core/heap_hardened.c core/heap_large.c \
	core/heap_os.c core/heap_stats.c tools/malloc/avila_malloc.c
MALLOC_SO_OBJS := $(patsubst %.c,$(BUILD)/obj/pic/%.o,$(MALLOC_SO_SRCS))

$(BUILD)/obj/pic/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(MALLOC_SO): $(MALLOC_SO_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(BASE_CFLAGS) $(CFLAGS) -shared -o $@ $^ -Wl,--gc-sections -Wl,-z,now -pthread

all: $(LIBS) $(AVILA) $(MALLOC_SO)

run: $(AVILA)
	$(AVILA) serve --listen 127.0.0.1:8080

# ---------------------------------------------------------------- tests
# tests/<layer>/test_<module>.c are cmocka suites; tests/*/test_*.sh are
# end-to-end and tool tests; tests/ct/ct_*.c are the valgrind
# constant-time programs. tools/run-tests runs them all.
TEST_SRCS := $(sort $(wildcard tests/*/test_*.c))
TEST_BINS := $(patsubst %.c,$(BUILD)/%,$(TEST_SRCS))
TEST_SCRIPTS := $(sort $(wildcard tests/*/test_*.sh))
TEST_SUPPORT := $(sort $(wildcard tests/support/*.c))
CT_SRCS := $(sort $(wildcard tests/ct/ct_*.c))
CT_BINS := $(patsubst %.c,$(BUILD)/%,$(CT_SRCS))
# tests/*/tool_*.c: plain helper programs the shell tests drive (peer oracles).
TOOL_SRCS := $(sort $(wildcard tests/*/tool_*.c))
TOOL_BINS := $(patsubst %.c,$(BUILD)/%,$(TOOL_SRCS))

$(BUILD)/obj/tests/%.o: XDEFS = -DAVILA_SOURCE_DIR='"$(CURDIR)"'

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(call obj,$(TEST_SUPPORT)) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(call obj,$(TEST_SUPPORT)) $(LINK_LIBS) -lcmocka $(ALL_LDFLAGS)

$(CT_BINS) $(TOOL_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(LINK_LIBS) $(ALL_LDFLAGS)

# ---------------------------------------------------------------- fuzzing
# Each tools/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput; its seed
# corpus is tools/fuzz/corpus/<name>/. `make test` replays every corpus through
# a plain driver (replay.c); `make fuzz` runs libFuzzer for FUZZ_SECONDS each.
FUZZ_SRCS := $(sort $(wildcard tools/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst tools/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
REPLAY_BINS := $(patsubst %,$(BUILD)/fuzz-replay/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/obj/tools/fuzz/replay.o: XDEFS = -DAVILA_CORPUS_ROOT='"$(CURDIR)/tools/fuzz/corpus"'

$(BUILD)/fuzz-replay/fuzz_%: $(BUILD)/obj/tools/fuzz/fuzz_%.o $(BUILD)/obj/tools/fuzz/replay.o $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/obj/tools/fuzz/replay.o $(LINK_LIBS) $(ALL_LDFLAGS)

FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

fuzz:
	@tools/need clang libclang-rt-14-dev
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang XCFLAGS='$(FUZZ_FLAGS)' fuzz-harnesses
	@set -e; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s" >&2; \
	  $(FUZZ_BUILD)/bin/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/fuzz_$$n- \
	    $(FUZZ_BUILD)/corpus/$$n tools/fuzz/corpus/$$n; \
	done

# Called by `fuzz` inside the fuzz build directory.
fuzz-harnesses: $(patsubst %,$(BUILD)/bin/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/bin/fuzz_%: $(BUILD)/obj/tools/fuzz/fuzz_%.o $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LINK_LIBS) $(ALL_LDFLAGS)

# ---------------------------------------------------------------- benchmarks
BENCH_SRCS := $(sort $(wildcard tools/bench/bench_*.c))
BENCH_BINS := $(patsubst tools/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
BENCH_SUPPORT := $(call obj,tools/bench/bench.c)
$(BENCH_SUPPORT): XDEFS = -DAVILA_SOURCE_DIR='"$(CURDIR)"'

$(BUILD)/bench/%: $(BUILD)/obj/tools/bench/%.o $(BENCH_SUPPORT) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_SUPPORT) $(LINK_LIBS) $(ALL_LDFLAGS)

# The core benchmarks, the crypto layer through `avila speed`, then `avila serve` under wrk,
# then the allocator anchor's workload under libavila_malloc.so, then the H.264 encoder on the
# anchors' 1080p clips.
bench: $(BENCH_BINS) $(AVILA) $(MALLOC_SO)
	@set -e; for b in $(BENCH_BINS); do $$b; done
	@$(AVILA) speed
	@$(AVILA) speed --portable
	@tools/bench/http_serve.sh $(AVILA)
	@tools/bench/alloc_avila.sh $(MALLOC_SO)
	@tools/bench/h264_avila.sh $(AVILA)

# ---------------------------------------------------------------- checks
# `test` makes sure the test packages are there, then runs `check`.
# clang: freestanding check; valgrind: constant-time check; xxhash, b3sum,
# openssl, argon2, python3(-cryptography, -bcrypt, -dnspython, -websockets), signify-openbsd,
# age, dnsmasq, curl, nginx, ffmpeg: peers the tests compare with.
TEST_PACKAGES := libcmocka-dev clang valgrind pkg-config xxhash b3sum openssl argon2 python3 \
	python3-cryptography signify-openbsd age python3-bcrypt python3-dnspython dnsmasq-base curl nginx \
	python3-websockets ffmpeg

test:
	@tools/need $(TEST_PACKAGES)
	@$(MAKE) --no-print-directory check

check: all $(TEST_BINS) $(CT_BINS) $(TOOL_BINS) $(REPLAY_BINS)
	@AVILA_ROOT=$(CURDIR) AVILA_BUILD=$(abspath $(BUILD)) AVILA=$(abspath $(AVILA)) \
	 AVILA_CC='$(CC)' AVILA_CFLAGS='$(ALL_CFLAGS)' AVILA_XLDFLAGS='$(XLDFLAGS)' \
	 AVILA_PURE='$(PURE)' AVILA_HEADERS='$(HEADERS)' AVILA_LIBS='$(abspath $(LIBS))' \
	 AVILA_CT_BINS='$(abspath $(CT_BINS))' MAKE='$(MAKE)' \
	 tools/run-tests $(TEST_BINS) $(REPLAY_BINS) $(TEST_SCRIPTS)

freestanding:
	@tools/check-freestanding $(BUILD)/freestanding $(PURE)

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

asan:
	@tools/need $(TEST_PACKAGES)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan XCFLAGS='$(SAN_FLAGS)' \
	  XLDFLAGS='$(SAN_FLAGS)' check

# The avila binary linked statically against musl: one file, nothing else needed.
# Our heap replaces musl's malloc (tools/malloc/avila_malloc.c linked in):
# linked unstripped as bin/avila.full, stripped into bin/avila, and
# tests/core/test_heap_static.sh checks both (symbols, then at run time).
static:
	@tools/need musl-tools
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/static CC=musl-gcc XLDFLAGS=-static \
	  APP_MALLOC=tools/malloc/avila_malloc.c AVILA=$(BUILD)/static/bin/avila.full \
	  $(BUILD)/static/bin/avila.full
	@strip -o $(BUILD)/static/bin/avila $(BUILD)/static/bin/avila.full
	@tests/core/test_heap_static.sh $(BUILD)/static/bin/avila.full $(BUILD)/static/bin/avila
	@ls -l $(BUILD)/static/bin/avila | awk '{ print "static: " $$NF " " $$5 " bytes" }'

SOURCES_ALL = $(sort $(wildcard $(addsuffix /*.[ch],$(LAYERS) apps tests/* tools/* tools/*/*)) \
	$(wildcard $(addsuffix /*/*.[ch],$(LAYERS))))

format:
	@tools/need clang-format
	clang-format -i $(SOURCES_ALL)

LINT_SRCS = $(foreach l,$(PRESENT),$($(l)_SRCS)) $(APP_SRCS) $(TEST_SRCS) $(TEST_SUPPORT) \
	$(CT_SRCS) $(TOOL_SRCS) $(FUZZ_SRCS) tools/fuzz/replay.c $(BENCH_SRCS) tools/bench/bench.c \
	tools/bench/alloc_more.c $(wildcard tools/gen/*.c) $(wildcard tools/malloc/*.c)
LINT_DEFS = -DAVILA_SOURCE_DIR='"."' -DAVILA_CORPUS_ROOT='"."'
# Where lint remembers results of unchanged files (empty: nowhere).
AVILA_LINT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/avila/lint
export AVILA_LINT_CACHE

lint:
	@tools/need clang-format clang-tidy cppcheck
	@echo "lint: clang-format"
	@clang-format --dry-run -Werror $(SOURCES_ALL)
	@echo "lint: cppcheck"
	@$(if $(AVILA_LINT_CACHE),mkdir -p $(AVILA_LINT_CACHE)/cppcheck)
	@cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	  $(if $(AVILA_LINT_CACHE),--cppcheck-build-dir=$(AVILA_LINT_CACHE)/cppcheck) --inline-suppr -I. -D__x86_64__ -D__GNUC__ $(LINT_DEFS) $(LINT_SRCS)
	@echo "lint: clang-tidy, $(words $(LINT_SRCS)) files"
	@# One file per clang-tidy run: clang-tidy 14 leaks analyzer state between files.
	@# tools/lint-tidy remembers clean results by a hash of the preprocessed file.
	@printf '%s\n' $(LINT_SRCS) | xargs -P2 -I{} tools/lint-tidy {} -- $(BASE_CFLAGS) $(LINT_DEFS)

# ---------------------------------------------------------------- install
INCDIR = $(DESTDIR)$(PREFIX)/include/avila
LIBDIR = $(DESTDIR)$(PREFIX)/lib
PCDIR = $(LIBDIR)/pkgconfig
BINDIR = $(DESTDIR)$(PREFIX)/bin
INSTALLED = $(addprefix $(INCDIR)/,$(HEADERS)) \
	$(foreach l,$(PRESENT),$(LIBDIR)/libavila_$(l).a $(PCDIR)/avila-$(l).pc) $(BINDIR)/avila

install: all
	@set -e; for h in $(HEADERS); do install -D -m 644 $$h $(INCDIR)/$$h; done
	@set -e; prev=; for l in $(PRESENT); do \
	  install -D -m 644 $(BUILD)/lib/libavila_$$l.a $(LIBDIR)/libavila_$$l.a; \
	  tools/gen-pc $$l '$(PREFIX)' $(VERSION) "$$prev" > $(BUILD)/avila-$$l.pc; \
	  install -D -m 644 $(BUILD)/avila-$$l.pc $(PCDIR)/avila-$$l.pc; prev=$$l; done
	install -D -m 755 $(AVILA) $(BINDIR)/avila

# Header folders and their parents, deepest first so each is empty when its turn comes
# (media/h264/ before media/).
INC_DIRS = $(sort $(dir $(addprefix $(INCDIR)/,$(HEADERS))))

uninstall:
	rm -f $(INSTALLED)
	@for d in $(call reverse,$(sort $(INC_DIRS) $(dir $(patsubst %/,%,$(INC_DIRS))))) $(INCDIR) $(PCDIR); do \
	  rmdir $$d 2>/dev/null || true; done

clean:
	rm -rf $(BUILD)

help:
	@echo "targets: all run test check asan static freestanding fuzz bench format lint install uninstall clean"

.PHONY: all run test check asan static freestanding fuzz fuzz-harnesses bench format lint \
	install uninstall clean help

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
