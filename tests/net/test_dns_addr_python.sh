#!/bin/sh
# Random differential test of net/dns.h's IPv4/IPv6 address text parser and
# RFC 5952 formatter against Python's ipaddress module: the peer
# (tests/net/peer_dns_addr.py) draws valid addresses written in every legal
# form and mutations of them, and feeds them to tests/net/tool_dns_addr
# through one pipe. Skips when python3 is missing or with
# AVILA_PEER_TESTS=0 (tests/support/python_peer.sh).
. "${AVILA_ROOT:-.}/tests/support/python_peer.sh"
python_peer "python3 ipaddress differential tests" tests/net/peer_dns_addr.py tests/net/tool_dns_addr
