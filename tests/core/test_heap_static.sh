#!/bin/bash
# tests/core/test_heap_static.sh [FULL STRIPPED] - the static avila binary's
# malloc is our heap (make static links tools/malloc/avila_malloc.c into it,
# replacing musl's). FULL is the unstripped link (bin/avila.full), STRIPPED
# the shipped binary; `make static` passes both. Run by `make test` without
# arguments, it looks for $AVILA_BUILD/static/bin/ and skips when there is
# no static build.
#   - symbols (FULL): malloc, free, calloc and realloc are defined once,
#     the heap is linked in, the disassembly of malloc jumps to
#     avila_heap_malloc, and musl's mallocng is absent (the rest of the
#     family may be dropped by --gc-sections when nothing calls it; musl's
#     internal __libc_malloc users get its small bump allocator, as musl
#     does for every program that replaces malloc);
#   - at run time (STRIPPED): AVILA_HEAP_STATS=1 makes the heap print its
#     summary at exit, with blocks allocated through libc (fopen's FILE,
#     getline's buffer: `avila hash` of a file), and AVILA_HARDENED=1
#     turns hardened mode on.
. "${AVILA_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/support/tap.sh"
full=${1:-${AVILA_BUILD:-build}/static/bin/avila.full}
bin=${2:-${AVILA_BUILD:-build}/static/bin/avila}
[ -x "$full" ] && [ -x "$bin" ] || skip_all "static malloc" "no static build ($full)"
command -v nm >/dev/null || skip_all "static malloc" "nm not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm "$full" >"$tmp/syms"
for f in malloc free calloc realloc; do
    n=$(grep -c " [TtWw] $f\$" "$tmp/syms")
    if [ "$n" = 1 ]; then pass "$f defined once"; else fail "$f defined once" "found $n"; fi
done
# mallocng's internals (alloc_meta, the __malloc_context): none.
if grep -Eq ' (__malloc_alloc_meta|alloc_meta|__malloc_context)$' "$tmp/syms"; then
    fail "musl's mallocng is not linked" "$(grep -E ' (__malloc_alloc_meta|alloc_meta|__malloc_context)$' "$tmp/syms")"
else
    pass "musl's mallocng is not linked"
fi
if grep -q ' [Tt] avila_heap_malloc$' "$tmp/syms"; then
    pass "the heap is linked in"
else
    fail "the heap is linked in"
fi
if command -v objdump >/dev/null; then
    if objdump -d --no-show-raw-insn --disassemble=malloc "$full" |
        grep -Eq '(jmp|call) +[0-9a-f]+ <avila_heap_malloc>'; then
        pass "malloc calls avila_heap_malloc"
    else
        fail "malloc calls avila_heap_malloc" "$(objdump -d --disassemble=malloc "$full" | tail -8)"
    fi
fi

printf 'avila\n' >"$tmp/in.txt"
if AVILA_HEAP_STATS=1 "$bin" hash crc32c "$tmp/in.txt" >"$tmp/out" 2>"$tmp/err" &&
    grep -q '^heap: allocated [0-9]* .* segments [1-9][0-9]* .* hardened 0$' "$tmp/err"; then
    pass "the stripped binary's allocations go to the heap"
else
    fail "the stripped binary's allocations go to the heap" "$(head -3 "$tmp/err")"
fi
if AVILA_HARDENED=1 AVILA_HEAP_STATS=1 "$bin" hash crc32c "$tmp/in.txt" >"$tmp/out2" 2>"$tmp/err" &&
    grep -q ' hardened 1$' "$tmp/err" && cmp -s "$tmp/out" "$tmp/out2"; then
    pass "AVILA_HARDENED=1 in the static binary"
else
    fail "AVILA_HARDENED=1 in the static binary" "$(head -3 "$tmp/err")"
fi
tap_done
