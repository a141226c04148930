#!/bin/sh
# Random differential test of net/dns.h's message parser against dnspython
# (Debian's python3-dnspython): the peer (tests/net/peer_dns_msg.py) builds
# random responses with dnspython's compressing writer, and mutations of
# them, and compares what both parsers decode, through
# tests/net/tool_dns_msg. Skips when python3 or dnspython is missing.
tool=${AVILA_BUILD:-build}/tests/net/tool_dns_msg
name="dnspython message differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
py=python3
if ! $py -c 'import dns.message' >/dev/null 2>&1; then
    # Debian's package lives in the system interpreter's path.
    if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dns.message' >/dev/null 2>&1; then
        py=/usr/bin/python3
    else
        printf 'ok 1 - %s # SKIP python3-dnspython not installed\n1..1\n' "$name"
        exit 0
    fi
fi
exec $py "${AVILA_ROOT:-.}/tests/net/peer_dns_msg.py" "$tool"
