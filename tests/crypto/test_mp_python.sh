#!/bin/sh
# Random differential test of crypto/mp.h against Python's integers:
# tests/crypto/peer_mp.py draws the cases (seed printed; set AVILA_PEER_SEED
# to repeat a run, AVILA_PEER_SCALE to change the counts) and feeds them to
# tests/crypto/tool_mp through one pipe, with the mulx/adx path on and off.
# Skips when python3 is missing.
tool=${AVILA_BUILD:-build}/tests/crypto/tool_mp
name="python3 big-integer differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
exec python3 "${AVILA_ROOT:-.}/tests/crypto/peer_mp.py" "$tool"
