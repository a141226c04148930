#!/bin/sh
# Constant-time checks: every tests/ct program runs under valgrind memcheck
# with secrets marked undefined and must report no error; a deliberately
# leaky compare must be caught, proving the method works.
. "$AVILA_ROOT/tests/support/tap.sh"
case "${AVILA_XLDFLAGS:-}" in *-fsanitize*)
    echo "ok 1 - constant-time checks # SKIP valgrind cannot run sanitizer builds"
    exit 0 ;;
esac
vg="valgrind -q --error-exitcode=99 --exit-on-first-error=no"
for bin in $AVILA_CT_BINS; do
    check "$(basename "$bin") has no secret-dependent branch or index" $vg "$bin"
done
first=${AVILA_CT_BINS%% *}
out=$($vg "$first" --leaky 2>&1)
if [ $? -eq 99 ] && echo "$out" | grep -q 'uninitialised'; then
    pass "a secret-dependent branch is caught"
else
    fail "a secret-dependent branch is caught" "$out"
fi
tap_done
