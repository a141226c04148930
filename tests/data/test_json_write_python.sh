#!/bin/sh
# Random differential test of data/json_write.h against Python's json module
# and an RFC 8785 implementation written in the peer:
# tests/data/peer_json_write.py draws the documents (seed printed; set
# AVILA_PEER_SEED to repeat a run, AVILA_PEER_SCALE to change the counts) and
# feeds them to tests/data/tool_json_write through one pipe, with the AVX2
# kernel on and off. Skips when python3 is missing.
tool=${AVILA_BUILD:-build}/tests/data/tool_json_write
name="python3 JSON writer differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
exec python3 "${AVILA_ROOT:-.}/tests/data/peer_json_write.py" "$tool"
