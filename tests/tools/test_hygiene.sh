#!/bin/sh
# Header and symbol hygiene: every public header compiles alone (and twice);
# every external symbol our libraries define starts with avila_.
. "$AVILA_ROOT/tests/support/tap.sh"
cd "$AVILA_ROOT" || exit 1
check "every public header compiles on its own" env CC="$AVILA_CC" CFLAGS="$AVILA_CFLAGS" tools/check-headers $AVILA_HEADERS
check "libraries define only avila_ symbols" tools/check-symbols $AVILA_LIBS

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int helper(void) { return 1; }\nint avila_ok(void) { return 2; }\n' >"$tmp/x.c"
$AVILA_CC -c "$tmp/x.c" -o "$tmp/x.o" && ar rcs "$tmp/libx.a" "$tmp/x.o"
check_fails "an unprefixed symbol is caught" tools/check-symbols "$tmp/libx.a"
printf 'struct s { int a; };\nstruct s f(void);\n' >"$tmp/noguard.h"
check_fails "a header without include guard is caught" env CC="$AVILA_CC" CFLAGS="-I$tmp" tools/check-headers "$tmp/noguard.h"
tap_done
