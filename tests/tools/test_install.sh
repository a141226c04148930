#!/bin/sh
# make install into a staging tree; a small program builds against it with
# pkg-config; make uninstall removes exactly what install added.
. "$AVILA_ROOT/tests/support/tap.sh"
cd "$AVILA_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
prefix=/opt/avila-test
make_q() { ${MAKE:-make} --no-print-directory -s BUILD="$AVILA_BUILD" CC="$AVILA_CC" PREFIX=$prefix DESTDIR="$stage" "$@"; }

check "make install" make_q install
root=$stage$prefix
check "headers under include/avila/core" test -f "$root/include/avila/core/error.h"
check "core library installed" test -f "$root/lib/libavila_core.a"
check "avila-core.pc installed" test -f "$root/lib/pkgconfig/avila-core.pc"
check "avila binary installed" test -x "$root/bin/avila"
check "no private _int.h header installed" sh -c "! find '$root/include' -name '*_int.h' | grep -q ."

cat >"$tmp/hello.c" <<'C'
#include <stdio.h>
#include "core/error.h"
#include "core/cpu.h"
int main(void)
{
    char feats[128];
    if (avila_cpu_describe(avila_cpu_features(), feats, sizeof feats) < 0)
        return 1;
    printf("%s|%s\n", avila_strerror(AVILA_EFORMAT), feats);
    return 0;
}
C
export PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
flags=$(pkg-config --cflags --libs avila-core 2>&1)
check "pkg-config resolves avila-core" pkg-config --exists avila-core
# shellcheck disable=SC2086
check "a program builds against the installed tree" $AVILA_CC $AVILA_XLDFLAGS -std=c11 -o "$tmp/hello" "$tmp/hello.c" $flags
out=$("$tmp/hello" 2>&1)
case $out in "malformed input|"*) pass "the program runs";; *) fail "the program runs" "$out";; esac
for pc in "$root"/lib/pkgconfig/avila-*.pc; do
    layer=$(basename "$pc" .pc)
    check "pkg-config --libs $layer" pkg-config --libs "$layer"
done

check "make uninstall" make_q uninstall
left=$(find "$stage" -type f 2>/dev/null)
if [ -z "$left" ]; then pass "uninstall removes every installed file"; else fail "uninstall removes every installed file" "$left"; fi
check "uninstall removes the avila include folder" test ! -e "$root/include/avila"
tap_done
