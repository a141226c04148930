#!/bin/sh
# Random differential test of the crypto layer against python3-cryptography:
# tests/crypto/peer_cryptography.py draws the cases (seed printed; set
# AVILA_PEER_SEED to repeat a run, AVILA_PEER_SCALE to change the counts) and
# feeds them to tests/crypto/tool_oracle through one pipe, with the fast paths
# on and off. Skips when python3 or its cryptography module is missing.
oracle=${AVILA_BUILD:-build}/tests/crypto/tool_oracle
name="python3-cryptography differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
if ! python3 -c 'import cryptography' 2>/dev/null; then
    printf 'ok 1 - %s # SKIP python3-cryptography not installed\n1..1\n' "$name"
    exit 0
fi
exec python3 "${AVILA_ROOT:-.}/tests/crypto/peer_cryptography.py" "$oracle"
