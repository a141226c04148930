#!/bin/bash
# net/resolve.h against a real DNS server on loopback: Debian's dnsmasq
# (dnsmasq-base) started here with local A, AAAA and CNAME records and a
# name with 150 addresses (its answer does not fit a UDP reply, so the
# resolver must retry over TCP). Also numeric names, the hosts file, the
# search list and ndots, NXDOMAIN, NODATA, a server that never answers
# (timeout) and one that is gone; the explicit server list of
# avila_resolver_options (nameservers) in place of resolv.conf's. The
# dnsmasq plumbing is tests/support/dnsmasq.sh. Skips when dnsmasq is
# missing or with AVILA_PEER_TESTS=0.
. "$AVILA_ROOT/tests/support/tap.sh"
. "$AVILA_ROOT/tests/support/dnsmasq.sh"
tool=${AVILA_BUILD:-build}/tests/net/tool_resolve
peer_test "resolver against dnsmasq"
dnsmasq_need "resolver against dnsmasq"
tmp=$(mktemp -d)
pids=()
cleanup() {
    dnsmasq_stop
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

big=()
for i in $(seq 1 150); do big+=("--host-record=big.test,10.1.$((i / 250)).$((i % 250 + 1))"); done
dnsmasq_start "$tmp" --local-ttl=60 \
    --host-record=a.test,10.0.0.1 --host-record=six.test,fd00::6 \
    --host-record=both.test,10.0.0.2,fd00::2 --cname=alias.test,a.test \
    --cname=chain.test,alias.test --host-record=www.corp.test,10.0.0.3 \
    --txt-record=text.test,hello "${big[@]}" || fail "dnsmasq starts" "$(cat "$tmp/dnsmasq.log")"
port=$dnsmasq_port

printf 'nameserver 127.0.0.1\nsearch corp.test\noptions ndots:1 timeout:1 attempts:1\n' >"$tmp/resolv.conf"
printf '127.0.0.1 localhost\n10.9.9.9 fromhosts.example fh\n::1 localhost ip6-localhost\n' >"$tmp/hosts"

# expect NAME FAMILY WANT: tool_resolve's line for NAME must be WANT.
expect() {
    local name=$1 family=$2 want=$3 got
    got=$("$tool" "$tmp/resolv.conf" "$tmp/hosts" "$port" "$family" "$name" 2>&1)
    if [ "$got" = "$want" ]; then pass "$name (family $family): $want"; else fail "$name (family $family)" "got '$got', want '$want'"; fi
}

expect 192.0.2.7 0 "192.0.2.7"
expect 2001:db8::1 4 "ERR AVILA_ENOTFOUND"
expect fromhosts.example 4 "10.9.9.9"
expect FH 0 "10.9.9.9"
expect a.test 4 "10.0.0.1"
expect a.test. 4 "10.0.0.1"
expect six.test 6 "fd00::6"
expect both.test 0 "fd00::2 10.0.0.2"
expect alias.test 4 "10.0.0.1"
expect chain.test 4 "10.0.0.1"
expect www 4 "10.0.0.3"
expect nowhere.test 4 "ERR AVILA_ENOTFOUND"
expect six.test 4 "ERR AVILA_ENOTFOUND"
expect text.test 0 "ERR AVILA_ENOTFOUND"
expect "bad..name" 4 "ERR AVILA_EFORMAT"

# 150 addresses: the UDP answer is truncated, the TCP one complete (64 kept).
got=$("$tool" "$tmp/resolv.conf" - "$port" 4 big.test)
n=$(wc -w <<<"$got")
if [ "$n" = 64 ] && grep -q '^10\.1\.0\.' <<<"$got"; then pass "big.test: truncated over UDP, 64 addresses over TCP"; else fail "big.test over TCP" "$got"; fi

# The cache (TTL 60): a second lookup in the same process answers without asking again.
got=$("$tool" "$tmp/resolv.conf" - "$port" 4 cached.test.corp.test cached.test.corp.test 2>&1)
asked=$(grep -c 'query\[A\] cached.test.corp.test from' "$tmp/queries.log")
if [ "$got" = "ERR AVILA_ENOTFOUND"$'\n'"ERR AVILA_ENOTFOUND" ] && [ "$asked" = 2 ]; then
    pass "NXDOMAIN without an SOA is not cached (RFC 2308): two lookups, two queries"
else
    fail "NXDOMAIN without an SOA is not cached" "got '$got', $asked queries"
fi
got=$("$tool" "$tmp/resolv.conf" - "$port" 4 www.corp.test www.corp.test 2>&1)
before=$(grep -c 'query\[A\] www.corp.test from' "$tmp/queries.log")
if [ "$got" = "10.0.0.3"$'\n'"10.0.0.3" ] && [ "$before" = 2 ]; then
    pass "answer cached: two lookups, one query (one more than the earlier run's)"
else
    fail "answer cached" "got '$got', $before queries in all"
fi

# An explicit server list replaces resolv.conf's nameservers; its search list still applies.
printf 'nameserver 127.0.0.2\nsearch corp.test\noptions ndots:1 timeout:1 attempts:1\n' >"$tmp/elsewhere.conf"
got=$("$tool" "$tmp/elsewhere.conf" - "$port" 4 a.test 2>&1)
if [ "$got" != "10.0.0.1" ]; then pass "control: resolv.conf's nameserver 127.0.0.2 (nothing there) does not answer"; else fail "control: 127.0.0.2 answered" "$got"; fi
got=$("$tool" -s 127.0.0.1 "$tmp/elsewhere.conf" - "$port" 4 a.test www 2>&1)
if [ "$got" = "10.0.0.1"$'\n'"10.0.0.3" ]; then pass "-s 127.0.0.1 in place of resolv.conf's server, search list kept"; else fail "explicit server list" "$got"; fi
got=$("$tool" -s 127.0.0.2 -s 127.0.0.1 "$tmp/elsewhere.conf" - "$port" 4 alias.test 2>&1)
if [ "$got" = "10.0.0.1" ]; then pass "two explicit servers: the second answers when the first refuses"; else fail "two explicit servers" "$got"; fi
got=$("$tool" -s 127.0.0.1 "$tmp/elsewhere.conf" "$tmp/hosts" "$port" 4 fh 2>&1)
if [ "$got" = "10.9.9.9" ]; then pass "an explicit server list keeps the hosts file"; else fail "hosts file with -s" "$got"; fi
"$tool" -s 127.0.0.1 -s 127.0.0.1 -s 127.0.0.1 -s 127.0.0.1 "$tmp/elsewhere.conf" - "$port" 4 a.test >"$tmp/four.out" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q 'tool_resolve: .*invalid' "$tmp/four.out"; then pass "four explicit servers: init refuses (AVILA_EINVAL)"; else fail "four explicit servers" "exit $rc: $(cat "$tmp/four.out")"; fi

# A server that is gone: every lookup fails.
dnsmasq_stop
got=$("$tool" "$tmp/resolv.conf" - "$port" 4 a.test a.test)
if [ "$got" = "ERR AVILA_EIO"$'\n'"ERR AVILA_EIO" ] || [ "$got" = "ERR AVILA_ETIMEDOUT"$'\n'"ERR AVILA_ETIMEDOUT" ]; then
    pass "a server that is gone: the lookup fails, nothing invented"
else
    fail "a server that is gone" "$got"
fi

# A server that never answers: a timeout after timeout:1 x attempts:1.
silent=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",int(sys.argv[1]))); open(sys.argv[2],"w").close(); time.sleep(20)' "$silent" "$tmp/ready" &
pids+=($!)
for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.05; done
start=$(date +%s%N)
got=$("$tool" "$tmp/resolv.conf" - "$silent" 4 a.test)
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$got" = "ERR AVILA_ETIMEDOUT" ] && [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; then
    pass "silent server: AVILA_ETIMEDOUT after ${ms} ms"
else
    fail "silent server" "got '$got' after ${ms} ms"
fi
tap_done
