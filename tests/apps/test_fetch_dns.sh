#!/bin/bash
# avila fetch --dns-server against Debian's dnsmasq on a loopback port
# (tests/support/dnsmasq.sh) with the records name.test -> 127.0.0.1 and
# alias.test CNAME name.test, and python3's http.server on 127.0.0.1: a
# random file fetched by either name is byte for byte the file served (cmp),
# the query reached dnsmasq, a redirect is followed through the name, an
# NXDOMAIN name exits 1 with "avila fetch: ..." on stderr, a server that is
# not there exits 1, the [IPv6]:PORT form works (dnsmasq also on ::1 when
# the host has IPv6 loopback), and a malformed --dns-server is a usage error
# (exit 2). Skips when dnsmasq or python3 is missing or with
# AVILA_PEER_TESTS=0.
. "$AVILA_ROOT/tests/support/tap.sh"
. "$AVILA_ROOT/tests/support/dnsmasq.sh"
avila=$AVILA
name="avila fetch through dnsmasq"
peer_test "$name"
dnsmasq_need "$name"
command -v python3 >/dev/null || skip_all "$name" "python3 not installed"
tmp=$(mktemp -d)
http=
cleanup() {
    dnsmasq_stop
    [ -z "$http" ] || kill "$http" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

six=
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' && six=--listen-address=::1
dnsmasq_start "$tmp" --host-record=name.test,127.0.0.1 --cname=alias.test,name.test $six ||
    fail "dnsmasq starts" "$(cat "$tmp/dnsmasq.log")"
dns=127.0.0.1:$dnsmasq_port

mkdir "$tmp/www" "$tmp/www/dir"
head -c 200000 /dev/urandom >"$tmp/www/file"
printf 'inside\n' >"$tmp/www/dir/index.html"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/http.log" 2>&1 &
http=$!
hport=
for _ in $(seq 100); do
    hport=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$tmp/http.log")
    [ -n "$hport" ] && break
    sleep 0.05
done
[ -n "$hport" ] || fail "http.server starts" "$(cat "$tmp/http.log")"

# fetch_to NAME OUT ARGS...: avila fetch -o OUT ARGS must exit 0.
fetch_to() {
    local what=$1 out=$2
    shift 2
    if ! "$avila" fetch --dns-server "$dns" -o "$out" "$@" 2>"$tmp/err"; then
        fail "$what" "exit $?: $(cat "$tmp/err")"
        return 1
    fi
}

fetch_to "name.test" "$tmp/got1" "http://name.test:$hport/file" &&
    { cmp -s "$tmp/www/file" "$tmp/got1" && pass "name.test: 200000 random bytes byte for byte" ||
        fail "name.test: body differs"; }
grep -q 'query\[A\] name\.test from 127\.0\.0\.1' "$tmp/queries.log" &&
    pass "the A query for name.test reached dnsmasq" || fail "name.test was asked" "$(cat "$tmp/queries.log")"
fetch_to "alias.test" "$tmp/got2" "http://alias.test:$hport/file" &&
    { cmp -s "$tmp/www/file" "$tmp/got2" && pass "alias.test (CNAME to name.test): byte for byte" ||
        fail "alias.test: body differs"; }
grep -q 'config alias\.test is <CNAME>' "$tmp/queries.log" &&
    pass "dnsmasq answered alias.test with its CNAME" || fail "alias.test CNAME" "$(cat "$tmp/queries.log")"
fetch_to "-L through the name" "$tmp/got3" -L "http://alias.test:$hport/dir" &&
    { [ "$(cat "$tmp/got3")" = inside ] && pass "-L: http.server's 301 /dir -> /dir/ followed on alias.test" ||
        fail "-L through the name" "$(cat "$tmp/got3")"; }

"$avila" fetch --dns-server "$dns" "http://nx.test:$hport/file" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && pass "NXDOMAIN: exit 1" || fail "NXDOMAIN: exit 1" "exit $rc"
grep -q "^avila fetch: http://nx\.test:$hport/file: host name not found" "$tmp/err" &&
    pass "NXDOMAIN: stderr names the subcommand, the URL and why" || fail "NXDOMAIN message" "$(cat "$tmp/err")"
[ ! -s "$tmp/out" ] && pass "NXDOMAIN: nothing on stdout" || fail "NXDOMAIN: nothing on stdout" "$(cat "$tmp/out")"
grep -q 'query\[A\] nx\.test' "$tmp/queries.log" && pass "nx.test was asked of dnsmasq" || fail "nx.test asked"

if [ -n "$six" ]; then
    fetch_to "[::1]:PORT" "$tmp/got4" --dns-server "[::1]:$dnsmasq_port" "http://name.test:$hport/file" &&
        { cmp -s "$tmp/www/file" "$tmp/got4" && pass "--dns-server [::1]:PORT" || fail "[::1]: body differs"; }
    grep -q 'query\[A\] name\.test from ::1' "$tmp/queries.log" && pass "that query came over IPv6" ||
        fail "the query over IPv6" "$(cat "$tmp/queries.log")"
else
    pass "--dns-server [::1]:PORT # SKIP no IPv6 loopback"
fi

dead=$(free_port)
"$avila" fetch --dns-server "127.0.0.1:$dead" --timeout 5 "http://name.test:$hport/file" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && grep -q '^avila fetch: ' "$tmp/err" && pass "no nameserver at that port: exit 1" ||
    fail "no nameserver at that port" "exit $rc: $(cat "$tmp/err")"
for bad in name.test 127.0.0.1: 127.0.0.1:0 127.0.0.1:65536 '[::1' '[::1]x' 1.2.3; do
    "$avila" fetch --dns-server "$bad" "http://name.test:$hport/file" >/dev/null 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] && grep -q '^avila fetch: --dns-server' "$tmp/err" && pass "--dns-server '$bad' is a usage error" ||
        fail "--dns-server '$bad'" "exit $rc: $(cat "$tmp/err")"
done
tap_done
