#!/bin/bash
# avila serve against curl (and python3 for pipelining and multipart):
# byte-exact files (cmp), HEAD, 304 by ETag and by date, Range 206 and 416,
# several ranges as multipart/byteranges (parsed by python's email
# package), keep-alive reuse, pipelining, index.html and the redirect for a
# directory without its slash, traversal attempts (raw "..", %2e%2e, %2f,
# symlinks out of the root) refused with 403/404 while relative links inside
# it are followed, small files from the in-memory cache (ranges, 304, a
# change seen after a second), /healthz, /metrics (and
# its histogram against the request counters), the access log, the
# built-in page without --root, 80 clients against 48 descriptors (no busy
# loop, service resumes), usage errors, and a graceful stop on
# SIGTERM and SIGINT (exit 0). Only 127.0.0.1; every server started here is
# killed at the end.
. "$AVILA_ROOT/tests/support/tap.sh"
peer_test "avila serve against curl"
avila=$AVILA
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v curl >/dev/null; then
    echo "ok 1 # SKIP curl not installed"
    echo "1..1"
    exit 0
fi

# start_server ERRFILE ARGS...: starts avila serve on a free port; sets $port and $pid.
start_server() {
    local err=$1
    shift
    "$avila" serve --listen 127.0.0.1:0 "$@" 2>"$err" &
    pid=$!
    pids+=("$pid")
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$err")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}

root=$tmp/root
mkdir -p "$root/sub" "$root/dir"
head -c 300000 /dev/urandom >"$root/big.bin"
printf 'hello, world\n' >"$root/a.txt"
printf '<p>index</p>\n' >"$root/sub/index.html"
printf 'secret\n' >"$tmp/outside.txt"
ln -s "$tmp/outside.txt" "$root/link.txt"
ln -s /etc "$root/etc"
ln -s ../outside.txt "$root/up.txt"        # relative, but leaves the root
ln -s a.txt "$root/alias.txt"              # relative, stays inside: followed
ln -s ../a.txt "$root/sub/back.txt"        # up one level, still inside: followed
head -c 5000 /dev/urandom >"$root/small.bin" # small enough for the in-memory cache
c=(curl -s --max-time 5)

if start_server "$tmp/err" --root "$root" --threads 2; then pass "serve prints 'listening on ADDR'"; else
    fail "serve prints 'listening on ADDR'" "$(cat "$tmp/err")"
    tap_done
fi
base=http://127.0.0.1:$port

# code URL-ARGS...: prints the status code curl got.
code() { "${c[@]}" -o /dev/null -w '%{http_code}' "$@"; }

"${c[@]}" -o "$tmp/got.bin" "$base/big.bin"
cmp -s "$tmp/got.bin" "$root/big.bin" && pass "GET a 300 KB file: byte-exact" || fail "GET a 300 KB file: byte-exact"
[ "$("${c[@]}" "$base/a.txt")" = "hello, world" ] && pass "GET a small file" || fail "GET a small file"
ct=$("${c[@]}" -o /dev/null -w '%{content_type}' "$base/a.txt")
[ "$ct" = "text/plain; charset=utf-8" ] && pass "Content-Type by extension" || fail "Content-Type by extension" "$ct"

# HEAD: headers only, with the GET's Content-Length.
"${c[@]}" -I "$base/big.bin" >"$tmp/head.txt"
grep -qi '^content-length: 300000' "$tmp/head.txt" && grep -q '^HTTP/1.1 200' "$tmp/head.txt" &&
    pass "HEAD has the length and no body" || fail "HEAD has the length and no body" "$(cat "$tmp/head.txt")"

# Conditional requests.
etag=$(grep -i '^etag:' "$tmp/head.txt" | cut -d' ' -f2 | tr -d '\r')
lastmod=$(grep -i '^last-modified:' "$tmp/head.txt" | cut -d' ' -f2- | tr -d '\r')
[ "$(code -H "If-None-Match: $etag" "$base/big.bin")" = 304 ] && pass "If-None-Match with the ETag: 304" ||
    fail "If-None-Match with the ETag: 304" "etag=$etag"
[ "$(code -H "If-None-Match: \"other\", W/$etag" "$base/big.bin")" = 304 ] &&
    pass "If-None-Match list with a weak match: 304" || fail "If-None-Match list with a weak match: 304"
[ "$(code -H 'If-None-Match: "nope"' "$base/big.bin")" = 200 ] && pass "If-None-Match other tag: 200" ||
    fail "If-None-Match other tag: 200"
[ "$(code -H "If-Modified-Since: $lastmod" "$base/big.bin")" = 304 ] && pass "If-Modified-Since = Last-Modified: 304" ||
    fail "If-Modified-Since = Last-Modified: 304" "lastmod=$lastmod"
[ "$(code -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT' "$base/big.bin")" = 200 ] &&
    pass "If-Modified-Since in the past: 200" || fail "If-Modified-Since in the past: 200"
[ "$(code -z "$tmp/got.bin" "$base/big.bin")" = 304 ] && pass "curl -z (file date): 304" || fail "curl -z (file date): 304"

# Ranges.
"${c[@]}" -D "$tmp/h.txt" -r 1000-1999 -o "$tmp/part.bin" "$base/big.bin"
dd if="$root/big.bin" bs=1000 skip=1 count=1 2>/dev/null | cmp -s - "$tmp/part.bin" &&
    grep -q '^HTTP/1.1 206' "$tmp/h.txt" && grep -qi '^content-range: bytes 1000-1999/300000' "$tmp/h.txt" &&
    pass "Range 1000-1999: 206 with the right bytes" || fail "Range 1000-1999: 206 with the right bytes" "$(cat "$tmp/h.txt")"
"${c[@]}" -r -100 -o "$tmp/part.bin" "$base/big.bin"
tail -c 100 "$root/big.bin" | cmp -s - "$tmp/part.bin" && pass "suffix Range -100" || fail "suffix Range -100"
"${c[@]}" -r 299990- -o "$tmp/part.bin" "$base/big.bin"
tail -c 10 "$root/big.bin" | cmp -s - "$tmp/part.bin" && pass "open Range 299990-" || fail "open Range 299990-"
"${c[@]}" -D "$tmp/h.txt" -o /dev/null -r 300000-300100 "$base/big.bin"
grep -q '^HTTP/1.1 416' "$tmp/h.txt" && grep -qi '^content-range: bytes \*/300000' "$tmp/h.txt" &&
    pass "unsatisfiable Range: 416 with bytes */size" || fail "unsatisfiable Range: 416" "$(cat "$tmp/h.txt")"
# Several ranges: multipart/byteranges, checked with python's MIME parser.
"${c[@]}" -D "$tmp/h.txt" -o "$tmp/multi.bin" -r 0-9,1000-1099,-50,299999999-,200-209 "$base/big.bin"
if command -v python3 >/dev/null; then
    out=$(python3 - "$tmp/h.txt" "$tmp/multi.bin" "$root/big.bin" <<'EOF'
import email.parser, email.policy, sys
head = open(sys.argv[1], "rb").read().decode()
status = head.split("\r\n", 1)[0]
ctype = [l.split(":", 1)[1].strip() for l in head.split("\r\n") if l.lower().startswith("content-type:")][0]
body = open(sys.argv[2], "rb").read()
data = open(sys.argv[3], "rb").read()
msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
    b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
want = [(0, 9), (1000, 1099), (len(data) - 50, len(data) - 1), (200, 209)]
got = []
for part in msg.iter_parts():
    cr = part["Content-Range"]
    rng, total = cr.split(" ")[1].split("/")
    a, b = map(int, rng.split("-"))
    ok = int(total) == len(data) and part.get_payload(decode=True) == data[a:b + 1]
    got.append((a, b) if ok else None)
print(status, msg.get_content_type(), got == want)
EOF
)
    [ "$out" = "HTTP/1.1 206 Partial Content multipart/byteranges True" ] &&
        pass "several ranges: multipart/byteranges (python email parser)" ||
        fail "several ranges: multipart/byteranges" "$out"
fi
[ "$(code -r 0-1,5-6,bogus "$base/a.txt")" = 200 ] && pass "a bad range spec: the whole file (200)" ||
    fail "a bad range spec: the whole file (200)"
[ "$(code -r 0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,0-0,1-1,2-2,3-3,4-4,5-5,6-6 "$base/a.txt")" = 200 ] &&
    pass "17 ranges: the whole file (200)" || fail "17 ranges: the whole file (200)"
[ "$(code -r 0-,1-,2-,3- "$base/big.bin")" = 200 ] &&
    pass "multipart over 1 MiB: the whole file (200)" || fail "multipart over 1 MiB: the whole file (200)"
[ "$(code -r 0-1 -H 'If-Range: "old"' "$base/a.txt")" = 200 ] && pass "If-Range mismatch: 200" ||
    fail "If-Range mismatch: 200"

# Keep-alive: two URLs on one curl command line share the connection.
curl -sv --max-time 5 -o /dev/null -o /dev/null "$base/a.txt" "$base/big.bin" 2>"$tmp/v.txt"
grep -qi 're-using existing connection' "$tmp/v.txt" && pass "keep-alive: curl re-uses the connection" ||
    fail "keep-alive: curl re-uses the connection" "$(grep '^\*' "$tmp/v.txt" | head)"

# Pipelining: three requests in one write, three answers in order.
if command -v python3 >/dev/null; then
    out=$(python3 - "$port" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.count(b"HTTP/1.1 200 OK"), data.index(b"hello") < data.index(b"ok\n") < data.index(b"<p>index"))
EOF
)
    [ "$out" = "3 True" ] && pass "pipelining: 3 answers in order, then close" || fail "pipelining" "$out"
fi

# Directories.
[ "$("${c[@]}" "$base/sub/")" = "<p>index</p>" ] && pass "directory: index.html" || fail "directory: index.html"
"${c[@]}" -D "$tmp/h.txt" -o /dev/null "$base/sub"
grep -q '^HTTP/1.1 301' "$tmp/h.txt" && grep -qi '^location: /sub/' "$tmp/h.txt" &&
    pass "directory without slash: 301 to the slash" || fail "directory without slash: 301" "$(cat "$tmp/h.txt")"
[ "$(code "$base/dir/")" = 404 ] && pass "directory without index.html: 404" || fail "directory without index.html: 404"
[ "$(code "$base/nosuch")" = 404 ] && pass "missing file: 404" || fail "missing file: 404"

# Traversal: every attempt is refused and never yields the file's bytes.
for t in "/../etc/passwd" "/sub/../../etc/passwd" "/%2e%2e/etc/passwd" "/%2E%2E%2Fetc%2Fpasswd" \
    "/sub/%2e%2e/a.txt" "/link.txt" "/etc/passwd" "/..%2f..%2fetc/passwd" "/up.txt"; do
    got=$(curl -s --max-time 5 --path-as-is -o "$tmp/t.out" -w '%{http_code}' "$base$t")
    if { [ "$got" = 403 ] || [ "$got" = 404 ]; } && ! grep -q 'root:\|secret' "$tmp/t.out"; then
        pass "traversal $t refused ($got)"
    else
        fail "traversal $t refused" "status $got: $(head -c 100 "$tmp/t.out")"
    fi
done
[ "$("${c[@]}" "$base/alias.txt")" = "hello, world" ] && [ "$("${c[@]}" "$base/sub/back.txt")" = "hello, world" ] &&
    pass "relative symlinks that stay under the root are followed" || fail "symlinks inside the root"

# Small files come from the per-thread cache: same answers, and a change is seen within a second.
"${c[@]}" -o "$tmp/got.bin" "$base/small.bin" && "${c[@]}" -o "$tmp/got2.bin" "$base/small.bin"
cmp -s "$tmp/got.bin" "$root/small.bin" && cmp -s "$tmp/got2.bin" "$root/small.bin" &&
    pass "small file, twice (cache): byte-exact" || fail "small file, twice (cache): byte-exact"
"${c[@]}" -r 100-199 -o "$tmp/part.bin" "$base/small.bin"
dd if="$root/small.bin" bs=1 skip=100 count=100 2>/dev/null | cmp -s - "$tmp/part.bin" &&
    pass "cached file: Range 100-199" || fail "cached file: Range 100-199"
setag=$("${c[@]}" -I "$base/small.bin" | grep -i '^etag:' | cut -d' ' -f2 | tr -d '\r')
[ "$(code -H "If-None-Match: $setag" "$base/small.bin")" = 304 ] && pass "cached file: If-None-Match 304" ||
    fail "cached file: If-None-Match 304" "etag=$setag"
"${c[@]}" -r 0-9,20-29 -o "$tmp/mp.bin" -D "$tmp/h.txt" "$base/small.bin"
grep -qi '^content-type: multipart/byteranges' "$tmp/h.txt" && pass "cached file: multipart ranges" ||
    fail "cached file: multipart ranges" "$(cat "$tmp/h.txt")"
printf 'changed\n' >"$root/a.txt"
sleep 1.2
for _ in 1 2 3 4; do "${c[@]}" "$base/a.txt" >"$tmp/a.out"; done # every thread revalidates
[ "$(cat "$tmp/a.out")" = "changed" ] && pass "a changed small file is served new after a second" ||
    fail "a changed small file is served new" "$(cat "$tmp/a.out")"
printf 'hello, world\n' >"$root/a.txt"
sleep 1.2
[ "$(code --path-as-is "$base/%00")" = 400 ] && pass "NUL in the path: 400" || fail "NUL in the path: 400"
[ "$(code -X POST "$base/a.txt")" = 405 ] && pass "POST: 405" || fail "POST: 405"

# Health and metrics.
[ "$("${c[@]}" "$base/healthz")" = ok ] && pass "/healthz says ok" || fail "/healthz says ok"
"${c[@]}" "$base/metrics" >"$tmp/m.txt"
grep -q '^avila_http_requests_total{class="2xx"} [1-9]' "$tmp/m.txt" &&
    grep -q '^avila_http_requests_total{class="4xx"} [1-9]' "$tmp/m.txt" &&
    grep -q '^avila_http_sent_bytes_total [1-9][0-9]\{6,\}' "$tmp/m.txt" &&
    grep -q '^avila_http_connections [1-9]' "$tmp/m.txt" &&
    grep -q '^# TYPE avila_http_requests_total counter' "$tmp/m.txt" &&
    pass "/metrics: requests by class, bytes, connections" || fail "/metrics" "$(cat "$tmp/m.txt")"
sum=$(awk '/^avila_http_requests_total/ { s += $2 } END { print s }' "$tmp/m.txt")
cnt=$(awk '/^avila_http_request_duration_seconds_count/ { print $2 }' "$tmp/m.txt")
inf=$(awk '/^avila_http_request_duration_seconds_bucket{le="\+Inf"}/ { print $2 }' "$tmp/m.txt")
[ -n "$sum" ] && [ "$sum" = "$cnt" ] && [ "$cnt" = "$inf" ] &&
    pass "/metrics: histogram count = +Inf bucket = sum of requests" || fail "/metrics histogram" "sum=$sum count=$cnt inf=$inf"
grep -q 'msg=request method=GET target=/a.txt status=200' "$tmp/err" && pass "access log line on stderr" ||
    fail "access log line on stderr" "$(tail -3 "$tmp/err")"

# Graceful stop.
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 0 ] && pass "SIGTERM: exits 0" || fail "SIGTERM: exits 0" "exit $rc"

# Without --root: the built-in page.
if start_server "$tmp/err2"; then
    "${c[@]}" "http://127.0.0.1:$port/" | grep -q 'avila serve is running' && pass "no --root: built-in page" ||
        fail "no --root: built-in page"
    [ "$(code "http://127.0.0.1:$port/other")" = 404 ] && pass "no --root: other paths 404" || fail "no --root: other paths 404"
    kill -INT "$pid"
    wait "$pid"
    rc=$?
    [ "$rc" = 0 ] && pass "SIGINT: exits 0" || fail "SIGINT: exits 0" "exit $rc"
else
    fail "no --root: server starts" "$(cat "$tmp/err2")"
fi

# Descriptor exhaustion: with 48 descriptors, 80 idle clients cannot all be
# accepted; the server neither spins nor dies, and serves again once they go.
printf '#!/bin/sh\nulimit -n 48\nexec "$0.real" "$@"\n' >"$tmp/lowfd"
chmod +x "$tmp/lowfd"
ln -s "$(command -v "$avila" || echo "$avila")" "$tmp/lowfd.real"
if avila=$tmp/lowfd start_server "$tmp/err3" --root "$root"; then
    out=$(python3 - "$port" "$pid" <<'EOF2'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0
socks = []
for _ in range(80):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    socks.append(s)
time.sleep(0.3)
import os
fds = len(os.listdir(f"/proc/{pid}/fd"))
t0 = cpu()
time.sleep(1.0)
spent = cpu() - t0
for s in socks:
    s.close()
time.sleep(0.3)
print("%.2f %d" % (spent, fds))
EOF2
)
    set -- $out
    awk -v s="$1" -v f="$2" 'BEGIN { exit !(s < 0.3 && f >= 46) }' &&
        pass "80 clients on 48 descriptors ($2 open): no busy loop ($1 s CPU in 1 s)" ||
        fail "descriptor exhaustion: no busy loop" "CPU s, fds: $out"
    [ "$("${c[@]}" "http://127.0.0.1:$port/a.txt")" = "hello, world" ] &&
        pass "descriptor exhaustion: serves again once clients go" || fail "serves again after exhaustion" "$(tail -3 "$tmp/err3")"
    kill -TERM "$pid"
    wait "$pid"
else
    fail "server with 48 descriptors starts" "$(cat "$tmp/err3")"
fi

# Usage errors.
"$avila" serve --threads 0 >/dev/null 2>&1
[ $? = 2 ] && pass "--threads 0: exit 2" || fail "--threads 0: exit 2"
"$avila" serve --listen nohost >/dev/null 2>&1
[ $? = 2 ] && pass "bad --listen: exit 2" || fail "bad --listen: exit 2"
"$avila" serve --root "$tmp/nosuchdir" --listen 127.0.0.1:0 >/dev/null 2>&1
[ $? = 1 ] && pass "missing --root: exit 1" || fail "missing --root: exit 1"
"$avila" serve --help | grep -q '^usage: avila serve' && pass "--help" || fail "--help"

tap_done
