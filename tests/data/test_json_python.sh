#!/bin/sh
# Random differential test of data/json.h against Python's json module:
# tests/data/peer_json.py generates and mutates documents (seed printed; set
# AVILA_PEER_SEED to repeat a run, AVILA_PEER_SCALE to change the count),
# derives the expected answers from json.loads modulo the differences it
# documents, and feeds everything to tests/data/tool_json through one pipe,
# with the dispatcher free (AVX-512 here), without AVX-512, and portable.
# Skips when python3 is missing or with
# AVILA_PEER_TESTS=0 (tests/support/python_peer.sh).
. "${AVILA_ROOT:-.}/tests/support/python_peer.sh"
python_peer "python3 json differential tests" tests/data/peer_json.py tests/data/tool_json
