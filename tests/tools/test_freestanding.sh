#!/bin/sh
# Every pure source builds freestanding, and the check catches libc use.
. "$AVILA_ROOT/tests/support/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$AVILA_ROOT" || exit 1
check "pure sources link with only mem* symbols" tools/check-freestanding "$tmp/tree" $AVILA_PURE

mkdir -p "$tmp/src"
cat >"$tmp/src/good.c" <<'C'
#include "core/platform.h"
void avila_t_copy(char *d, const char *s, size_t n) { memcpy(d, s, n); }
C
cat >"$tmp/src/printf.c" <<'C'
int printf(const char *fmt, ...);
void avila_t_say(void) { printf("hi\n"); }
C
cat >"$tmp/src/malloc.c" <<'C'
#include <stddef.h>
void *malloc(size_t n);
void *avila_t_get(void) { return malloc(16); }
C
cat >"$tmp/src/stdio.c" <<'C'
#include <stdio.h>
int avila_t_x;
C
check "a file using only memcpy passes" tools/check-freestanding "$tmp/o1" "$tmp/src/good.c"
check_fails "a pure file calling printf fails" tools/check-freestanding "$tmp/o2" "$tmp/src/good.c" "$tmp/src/printf.c"
check_fails "a pure file calling malloc fails" tools/check-freestanding "$tmp/o3" "$tmp/src/malloc.c"
check_fails "a pure file including stdio.h fails" tools/check-freestanding "$tmp/o4" "$tmp/src/stdio.c"
out=$(tools/check-freestanding "$tmp/o5" "$tmp/src/printf.c" 2>&1)
if echo "$out" | grep -q 'undefined symbol printf'; then pass "the report names the symbol"; else fail "the report names the symbol" "$out"; fi
tap_done
