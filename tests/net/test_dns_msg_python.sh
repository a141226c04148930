#!/bin/sh
# Random differential test of net/dns.h's message parser against dnspython
# (Debian's python3-dnspython): the peer (tests/net/peer_dns_msg.py) builds
# random responses with dnspython's compressing writer, and mutations of
# them, and compares what both parsers decode, through
# tests/net/tool_dns_msg. Skips when python3 or dnspython is missing,
# or with AVILA_PEER_TESTS=0 (tests/support/python_peer.sh).
. "${AVILA_ROOT:-.}/tests/support/python_peer.sh"
python_peer "dnspython message differential tests" tests/net/peer_dns_msg.py tests/net/tool_dns_msg dns.message
