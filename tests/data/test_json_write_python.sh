#!/bin/sh
# Random differential test of data/json_write.h against Python's json module
# and an RFC 8785 implementation written in the peer:
# tests/data/peer_json_write.py draws the documents (seed printed; set
# AVILA_PEER_SEED to repeat a run, AVILA_PEER_SCALE to change the counts) and
# feeds them to tests/data/tool_json_write through one pipe, with the AVX2
# kernel on and off. Skips when python3 is missing or with
# AVILA_PEER_TESTS=0 (tests/support/python_peer.sh).
. "${AVILA_ROOT:-.}/tests/support/python_peer.sh"
python_peer "python3 JSON writer differential tests" tests/data/peer_json_write.py tests/data/tool_json_write
