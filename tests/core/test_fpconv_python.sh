#!/bin/sh
# Random differential test of core/fpconv.h against Python: float() for
# parsing, repr() for shortest digits, and an ECMAScript Number::toString
# written in tests/core/peer_fpconv.py on repr's digits. The peer draws the
# cases (seed printed; AVILA_PEER_SEED repeats a run, AVILA_PEER_SCALE
# changes the counts) and feeds them to tests/core/tool_fpconv through one
# pipe. Skips when python3 is missing or with
# AVILA_PEER_TESTS=0 (tests/support/python_peer.sh).
. "${AVILA_ROOT:-.}/tests/support/python_peer.sh"
python_peer "python3 float/repr differential tests" tests/core/peer_fpconv.py tests/core/tool_fpconv
