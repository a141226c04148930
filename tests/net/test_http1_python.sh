#!/bin/sh
# Random differential test of net/http1.h against Python's http.client and
# http.server, both directions: tests/net/peer_http1.py writes messages with
# Python and parses them with tests/net/tool_http1, and the other way round
# (seed printed; set AVILA_PEER_SEED to repeat a run, AVILA_PEER_SCALE to
# change the counts). Skips when python3 is missing or with
# AVILA_PEER_TESTS=0 (tests/support/python_peer.sh).
. "${AVILA_ROOT:-.}/tests/support/python_peer.sh"
python_peer "python3 HTTP/1.1 differential tests" tests/net/peer_http1.py tests/net/tool_http1
