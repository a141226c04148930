#!/bin/sh
# Constant-time checks: every tests/ct program runs under valgrind memcheck
# with secrets marked undefined and must report no error.
. "$AVILA_ROOT/tests/support/tap.sh"
case "${AVILA_XLDFLAGS:-}" in *-fsanitize*)
    echo "ok 1 - constant-time checks # SKIP valgrind cannot run sanitizer builds"
    exit 0 ;;
esac
vg="valgrind -q --error-exitcode=99 --exit-on-first-error=no"
# Each program also has a --leaky mode running a deliberately
# secret-dependent variant: valgrind must catch it, or the check proves nothing.
for bin in $AVILA_CT_BINS; do
    name=$(basename "$bin")
    check "$name has no secret-dependent branch or index" $vg "$bin"
    out=$($vg "$bin" --leaky 2>&1)
    if [ $? -eq 99 ] && echo "$out" | grep -q 'uninitialised'; then
        pass "$name --leaky: a secret-dependent branch is caught"
    else
        fail "$name --leaky: a secret-dependent branch is caught" "$(echo "$out" | tail -5)"
    fi
done
tap_done
