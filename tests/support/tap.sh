# tests/support/tap.sh - sourced by the shell tests: TAP output helpers.
#   check NAME CMD...      runs CMD; "ok" if it exits 0, "not ok" (with its output) otherwise
#   check_fails NAME CMD...  the opposite: CMD must exit non-zero
#   check_output NAME WANT CMD...  CMD must exit 0 printing exactly WANT (plus the final newline)
#   check_exit NAME CODE CMD...    CMD must exit with CODE; its output is left in out.txt and
#                          err.txt in the current directory, for checks that follow
#   pass NAME / fail NAME [WHY]
#   skip_all NAME WHY      the whole script is skipped: one "ok 1 - NAME # SKIP WHY", the plan, exit 0
#   peer_test NAME         marks the script a peer test (differential against python3, dnsmasq,
#                          curl, nginx...): with AVILA_PEER_TESTS=0 it is skipped (skip_all)
# Environment from `make check`: AVILA_ROOT, AVILA_BUILD, AVILA (the binary), AVILA_CC, AVILA_CFLAGS;
# AVILA_PEER_TESTS=0 (set by the clang leg of .ci/run) skips the peer tests.
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
check_output() {
    local name=$1 want=$2 got
    shift 2
    if got=$("$@" 2>&1) && [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "got: $got"; fi
}
check_exit() {
    local name=$1 code=$2 got
    shift 2
    "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" = "$code" ]; then pass "$name"; else fail "$name" "exit $got: $(cat out.txt err.txt)"; fi
}
tap_done() {
    echo "1..$tap_n"
    exit $tap_failed
}
skip_all() {
    printf 'ok 1 - %s # SKIP %s\n1..1\n' "$1" "$2"
    exit 0
}
peer_test() {
    [ "${AVILA_PEER_TESTS:-1}" != 0 ] || skip_all "$1" "peer tests off (AVILA_PEER_TESTS=0)"
}
