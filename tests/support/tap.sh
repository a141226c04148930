# tests/support/tap.sh - sourced by the shell tests: TAP output helpers.
#   check NAME CMD...      runs CMD; "ok" if it exits 0, "not ok" (with its output) otherwise
#   check_fails NAME CMD...  the opposite: CMD must exit non-zero
#   pass NAME / fail NAME [WHY]
# Environment from `make check`: AVILA_ROOT, AVILA_BUILD, AVILA (the binary), AVILA_CC, AVILA_CFLAGS.
tap_n=0
tap_failed=0
pass() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1"
}
fail() {
    tap_n=$((tap_n + 1))
    tap_failed=1
    echo "not ok $tap_n - $1"
    [ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/#   /'
}
check() {
    tap_name=$1
    shift
    if tap_out=$("$@" 2>&1); then pass "$tap_name"; else fail "$tap_name" "$tap_out"; fi
}
check_fails() {
    tap_name=$1
    shift
    if tap_out=$("$@" 2>&1); then fail "$tap_name (expected failure)" "$tap_out"; else pass "$tap_name"; fi
}
tap_done() {
    echo "1..$tap_n"
    exit $tap_failed
}
