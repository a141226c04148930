#!/bin/bash
# net/resolve.h against a real DNS server on loopback: Debian's dnsmasq
# (dnsmasq-base) started here with local A, AAAA and CNAME records and a
# name with 150 addresses (its answer does not fit a UDP reply, so the
# resolver must retry over TCP). Also numeric names, the hosts file, the
# search list and ndots, NXDOMAIN, NODATA, a server that never answers
# (timeout) and one that is gone. Skips when dnsmasq is missing.
. "$AVILA_ROOT/tests/support/tap.sh"
tool=${AVILA_BUILD:-build}/tests/net/tool_resolve
if ! command -v dnsmasq >/dev/null 2>&1 && [ ! -x /usr/sbin/dnsmasq ]; then
    printf 'ok 1 - resolver against dnsmasq # SKIP dnsmasq not installed\n1..1\n'
    exit 0
fi
dnsmasq=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# A free UDP+TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port=$(free_port)
big=()
for i in $(seq 1 150); do big+=("--host-record=big.test,10.1.$((i / 250)).$((i % 250 + 1))"); done
"$dnsmasq" -k --conf-file=/dev/null --no-resolv --no-hosts --port="$port" \
    --listen-address=127.0.0.1 --bind-interfaces --local=/test/ --user="$(id -un)" --group="$(id -gn)" \
    --log-queries --log-facility="$tmp/queries.log" --local-ttl=60 \
    --host-record=a.test,10.0.0.1 --host-record=six.test,fd00::6 \
    --host-record=both.test,10.0.0.2,fd00::2 --cname=alias.test,a.test \
    --cname=chain.test,alias.test --host-record=www.corp.test,10.0.0.3 \
    --txt-record=text.test,hello "${big[@]}" --pid-file="$tmp/dnsmasq.pid" \
    2>"$tmp/dnsmasq.log" &
pids+=($!)
for _ in $(seq 50); do
    python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.1); s.connect(("127.0.0.1",int(sys.argv[1])))' "$port" 2>/dev/null && break
    sleep 0.1
done

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

# A server that is gone: every lookup fails.
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
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
