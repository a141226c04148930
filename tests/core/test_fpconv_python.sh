#!/bin/sh
# Random differential test of core/fpconv.h against Python: float() for
# parsing, repr() for shortest digits, and an ECMAScript Number::toString
# written in tests/core/peer_fpconv.py on repr's digits. The peer draws the
# cases (seed printed; AVILA_PEER_SEED repeats a run, AVILA_PEER_SCALE
# changes the counts) and feeds them to tests/core/tool_fpconv through one
# pipe. Skips when python3 is missing.
tool=${AVILA_BUILD:-build}/tests/core/tool_fpconv
name="python3 float/repr differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
exec python3 "${AVILA_ROOT:-.}/tests/core/peer_fpconv.py" "$tool"
