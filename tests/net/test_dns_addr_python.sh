#!/bin/sh
# Random differential test of net/dns.h's IPv4/IPv6 address text parser and
# RFC 5952 formatter against Python's ipaddress module: the peer
# (tests/net/peer_dns_addr.py) draws valid addresses written in every legal
# form and mutations of them, and feeds them to tests/net/tool_dns_addr
# through one pipe. Skips when python3 is missing.
tool=${AVILA_BUILD:-build}/tests/net/tool_dns_addr
name="python3 ipaddress differential tests"
if ! command -v python3 >/dev/null 2>&1; then
    printf 'ok 1 - %s # SKIP python3 not installed\n1..1\n' "$name"
    exit 0
fi
exec python3 "${AVILA_ROOT:-.}/tests/net/peer_dns_addr.py" "$tool"
