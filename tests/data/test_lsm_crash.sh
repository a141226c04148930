#!/usr/bin/env bash
# tests/data/test_lsm_crash.sh - the LSM store's crash test with real
# processes: a writer (tests/data/tool_kv_writer) puts synced keys and
# prints each number once its put returned; it is killed with SIGKILL after
# a random delay, many rounds on one store. After each round every key it
# acknowledged is there with its value, and `avila kv DIR check` passes.
# Rounds: 25, or 200 with AVILA_TEST_SLOW=1.
. "$AVILA_ROOT/tests/support/tap.sh"
writer="$AVILA_BUILD/tests/data/tool_kv_writer"
[ -x "$writer" ] || skip_all "lsm crash" "tool_kv_writer not built"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rounds=25
[ "${AVILA_TEST_SLOW:-}" = 1 ] && rounds=200
next=0
bad=0
for round in $(seq 1 "$rounds"); do
    "$writer" write "$work/db" "$next" > "$work/acks" 2> "$work/err" &
    pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 400 + 20)))"
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    last=$(tail -n 1 "$work/acks")
    if [ -s "$work/err" ]; then
        fail "round $round: the writer failed" "$(cat "$work/err")"
        bad=1
        break
    fi
    [ -n "$last" ] && next=$((last + 1))
    if ! out=$("$writer" verify "$work/db" "$next" 2>&1); then
        fail "round $round: acknowledged keys after the kill" "$out"
        bad=1
        break
    fi
    if ! out=$("$AVILA" kv "$work/db" check 2>&1); then
        fail "round $round: avila kv check" "$out"
        bad=1
        break
    fi
done
[ $bad = 0 ] && pass "$rounds SIGKILL rounds: $next acknowledged keys all present, check passes"
tap_done
