#!/bin/sh
# The layer check passes on the tree and catches an upward include in a throwaway tree.
. "$AVILA_ROOT/tests/support/tap.sh"
check "tree has no upward include" "$AVILA_ROOT/tools/check-layers" "$AVILA_ROOT"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/core" "$tmp/crypto" "$tmp/net" "$tmp/apps"
printf '#include "core/a.h"\n' >"$tmp/crypto/b.c"
printf '#include "net/c.h"\n#include "crypto/b.h"\n' >"$tmp/apps/main.c"
printf 'int a;\n' >"$tmp/core/a.h"
check "downward includes and exempt folders pass" "$AVILA_ROOT/tools/check-layers" "$tmp"

printf '/* fine */\n#include "core/a.h"\n  #  include "net/c.h"\n' >"$tmp/crypto/bad.c"
out=$("$AVILA_ROOT/tools/check-layers" "$tmp" 2>&1)
rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q '^crypto/bad.c:3: crypto includes net'; then
    pass "upward include fails naming file:line and both layers"
else
    fail "upward include fails naming file:line and both layers" "rc=$rc: $out"
fi
printf '#include "media/x.h"\n' >"$tmp/core/deep.h"
check_fails "header including a higher layer fails" "$AVILA_ROOT/tools/check-layers" "$tmp"
tap_done
