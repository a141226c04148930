#!/bin/sh
# Random differential test of crypto/mp.h against Python's integers:
# tests/crypto/peer_mp.py draws the cases (seed printed; set AVILA_PEER_SEED
# to repeat a run, AVILA_PEER_SCALE to change the counts) and feeds them to
# tests/crypto/tool_mp through one pipe, with the mulx/adx path on and off.
# Skips when python3 is missing or with
# AVILA_PEER_TESTS=0 (tests/support/python_peer.sh).
. "${AVILA_ROOT:-.}/tests/support/python_peer.sh"
python_peer "python3 big-integer differential tests" tests/crypto/peer_mp.py tests/crypto/tool_mp
