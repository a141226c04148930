#!/bin/sh
# Random differential test of net/http1.h against Python's http.client and
# http.server, both directions: tests/net/peer_http1.py writes messages with
# Python and parses them with tests/net/tool_http1, and the other way round
# (seed printed; set AVILA_PEER_SEED to repeat a run, AVILA_PEER_SCALE to
# change the counts). Skips when python3 is missing.
tool=${AVILA_BUILD:-build}/tests/net/tool_http1
name="python3 HTTP/1.1 differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
exec python3 "${AVILA_ROOT:-.}/tests/net/peer_http1.py" "$tool"
