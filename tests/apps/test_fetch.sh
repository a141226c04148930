#!/bin/bash
# avila fetch against python3's http.server (tests/apps/fetch_peer.py, HTTP/1.1
# with keep-alive): bodies byte for byte (Content-Length, chunked with a
# trailer, until close), -o, -i, -H, -X, -d and -d @FILE, connection reuse
# across redirects, -L with relative Locations, 303 turning a POST into a
# GET, 307 keeping it, the redirect limit, --fail, --timeout, and the exit
# codes (0 response, 1 no response or --fail status, 2 usage). Skips when
# python3 is missing or with AVILA_PEER_TESTS=0.
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
peer_test "avila fetch"
command -v python3 >/dev/null || skip_all "avila fetch" "python3 not installed"
tmp=$(mktemp -d)
peer=
trap '[ -n "$peer" ] && kill $peer 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
python3 "$AVILA_ROOT/tests/apps/fetch_peer.py" >port.txt 2>peer.err &
peer=$!
for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat port.txt)"

# expect NAME WANT ARGS...: stdout of avila fetch ARGS must be WANT.
expect() {
    local name=$1 want=$2 got
    shift 2
    if got=$("$avila" fetch "$@" 2>&1) && [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "got: $got"; fi
}
# status NAME CODE ARGS...: avila fetch ARGS must exit with CODE.
status() {
    local name=$1 code=$2 got
    shift 2
    "$avila" fetch "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" = "$code" ]; then pass "$name"; else fail "$name" "exit $got: $(cat err.txt)"; fi
}

expect "GET with Content-Length" "hello" "$base/hello"
expect "chunked body (and its trailer dropped)" "one,two,$(head -c 5000 /dev/zero | tr '\0' x)end" "$base/chunked"
expect "body until close" "until close" "$base/close"
expect "-H is sent" "GET yes 0" -H "X-Test: yes" "$base/echo"
expect "-d sends a POST body" "POST - 5
hello" -d hello "$base/echo"
printf 'from a file\n' >data.txt
expect "-d @FILE" "PUT - 12
from a file" -X PUT -d @data.txt "$base/echo"
expect "-X HEAD reads no body" "" -X HEAD "$base/hello"
"$avila" fetch -i "$base/hello" >head.txt
if head -1 head.txt | grep -q '^HTTP/1.1 200 OK' && tail -1 head.txt | grep -qx hello; then pass "-i writes the head, then the body"; else fail "-i" "$(cat head.txt)"; fi

head -c 1000000 /dev/urandom >blob.bin
python3 - "$tmp/blob.bin" <<'PY' &
import http.server, socketserver, sys, os
data = open(sys.argv[1], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".port", "w").write(str(s.server_address[1]))
s.handle_request()
PY
for _ in $(seq 100); do [ -s blob.bin.port ] && break; sleep 0.05; done
"$avila" fetch -o got.bin "http://127.0.0.1:$(cat blob.bin.port)/blob"
cmp -s blob.bin got.bin && pass "-o: 1 MB body byte for byte" || fail "-o: 1 MB body byte for byte"

expect "302 not followed without -L" "moved" "$base/redirect/0"
before=$("$avila" fetch "$base/connections")
expect "-L follows three relative redirects" "hello" -L "$base/redirect/3"
after=$("$avila" fetch "$base/connections")
[ $((after - before)) = 2 ] && pass "-L: four requests on one kept-alive connection" ||
    fail "-L reuses the connection" "connections $before -> $after"
expect "303 turns a POST into a GET without body" "GET - 0" -L -d payload "$base/see-other"
expect "307 repeats the POST and its body" "POST - 7
payload" -L -d payload "$base/temporary"
status "a redirect loop stops at --max-redirs" 1 -L --max-redirs 3 "$base/loop"
grep -q "limit" err.txt && pass "the loop is reported" || fail "the loop is reported" "$(cat err.txt)"

status "a 404 is a response: exit 0" 0 "$base/missing"
status "--fail: exit 1 on 404" 1 -f "$base/missing"
[ ! -s out.txt ] && pass "--fail writes no body" || fail "--fail writes no body" "$(cat out.txt)"
grep -q "HTTP status 404" err.txt && pass "--fail names the status" || fail "--fail names the status" "$(cat err.txt)"
status "--timeout 1 against a server that answers in 3 s" 1 --timeout 1 "$base/slow"
grep -q "timed out" err.txt && pass "the timeout is reported" || fail "the timeout is reported" "$(cat err.txt)"
status "connection refused" 1 http://127.0.0.1:1/
status "https is not supported yet" 1 https://127.0.0.1/
status "userinfo in the URL is refused" 1 "http://user@127.0.0.1:$(cat port.txt)/hello"
status "no URL is a usage error" 2
status "two URLs are a usage error" 2 "$base/a" "$base/b"
status "a bad -H is a usage error" 2 -H "no colon" "$base/hello"
status "--help exits 0" 0 --help
grep -q '^usage: avila fetch' out.txt && pass "--help prints the usage" || fail "--help prints the usage"
tap_done
