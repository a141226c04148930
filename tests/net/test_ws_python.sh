#!/bin/sh
# net/ws_conn.h against python3's websockets package (tests/net/peer_ws.py):
# websockets' client against tests/net/tool_ws_echo (our server role), and
# `avila ws` (our client role) against a websockets server. Skips when
# python3 or its websockets module is missing, or with AVILA_PEER_TESTS=0
# (the skip rule of tests/support/python_peer.sh; this peer takes two
# programs, so it is run here rather than through python_peer).
. "${AVILA_ROOT:-.}/tests/support/tap.sh"
name="python3 websockets peer tests"
peer_test "$name"
command -v python3 >/dev/null 2>&1 || skip_all "$name" "python3 not installed"
py=python3
if ! python3 -c "import websockets" >/dev/null 2>&1; then
    if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import websockets" >/dev/null 2>&1; then
        py=/usr/bin/python3
    else
        skip_all "$name" "python3 module websockets not installed"
    fi
fi
exec "$py" "${AVILA_ROOT:-.}/tests/net/peer_ws.py" "${AVILA_BUILD:-build}/tests/net/tool_ws_echo" \
    "${AVILA:-${AVILA_BUILD:-build}/bin/avila}"
