#!/bin/sh
# Random differential test of data/json.h against Python's json module:
# tests/data/peer_json.py generates and mutates documents (seed printed; set
# AVILA_PEER_SEED to repeat a run, AVILA_PEER_SCALE to change the count),
# derives the expected answers from json.loads modulo the differences it
# documents, and feeds everything to tests/data/tool_json through one pipe,
# with the dispatcher free (AVX-512 here), without AVX-512, and portable.
# Skips when python3 is missing.
tool=${AVILA_BUILD:-build}/tests/data/tool_json
name="python3 json differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
exec python3 "${AVILA_ROOT:-.}/tests/data/peer_json.py" "$tool"
