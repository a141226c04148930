#!/bin/bash
# avila fetch against Debian's nginx, started here unprivileged (as root: as
# root, with `user root`) in a temp dir on a free port of 127.0.0.1:
#   - static files byte for byte (cmp): empty, 1 byte, 1 MiB random;
#   - -X HEAD: no body, and -i shows the head of the 1 MiB file;
#   - chunked: nginx's gzip filter (gzip on; gzip_types *) answers a client
#     that sends Accept-Encoding: gzip with Transfer-Encoding: chunked; the
#     body is decompressed by python3's gzip and compared with the file;
#   - 301 (relative Location) and 302 (absolute) with and without -L, a
#     chain of three with --max-redirs 2 (exit 1) and 3, a redirect loop;
#   - 404 with (exit 1, no body) and without -f (exit 0, nginx's page);
#   - -i: the head, then the body; a POST with -d to `return 200` (nginx
#     discards the body and keeps the connection), 303 after a POST;
#   - keep-alive: nginx's access log ($connection $connection_requests)
#     shows one connection serving every request of a redirect chain;
#   - a 12000-byte -H value echoed back by nginx ($http_x_big); 20000 bytes
#     is over our request head limit (16384): exit 1.
# Skips when nginx is absent and we are not root (as root it is installed
# with tools/need, like ../shared/anchors/http-nginx) or with
# AVILA_PEER_TESTS=0.
. "$AVILA_ROOT/tests/support/tap.sh"
. "$AVILA_ROOT/tests/support/ports.sh"
avila=$AVILA
name="avila fetch against nginx"
peer_test "$name"
nginx=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
if [ ! -x "$nginx" ]; then
    [ "$(id -u)" = 0 ] || skip_all "$name" "nginx not installed (apt-get install nginx)"
    "$AVILA_ROOT/tools/need" nginx >&2 || skip_all "$name" "nginx could not be installed"
    nginx=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
fi
command -v python3 >/dev/null || skip_all "$name" "python3 not installed"
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

mkdir www
: >www/empty
printf x >www/one
head -c 1048576 /dev/urandom >www/big.bin
head -c 300000 /dev/urandom | base64 >www/text.txt # compressible, so several gzip chunks
port=$(free_port)
base=http://127.0.0.1:$port
user=
[ "$(id -u)" != 0 ] || user="user root root;" # workers stay root: the temp dir is 0700
cat >nginx.conf <<CONF
worker_processes 1; pid $tmp/nginx.pid; error_log $tmp/error.log warn; $user
events { worker_connections 64; }
http {
  log_format conn '\$connection \$connection_requests "\$request" \$status';
  access_log $tmp/access.log conn;
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp;
  uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  default_type application/octet-stream;
  keepalive_requests 100;
  server {
    listen 127.0.0.1:$port; root $tmp/www;
    large_client_header_buffers 4 64k;
    location /gz/ { alias $tmp/www/; gzip on; gzip_types *; gzip_min_length 0; }
    location = /r301 { return 301 /one; }
    location = /r302 { return 302 $base/one; }
    location = /c3 { return 302 /c2; }
    location = /c2 { return 301 /c1; }
    location = /c1 { return 302 $base/one; }
    location = /loop { return 302 /loop; }
    location = /post { return 200 "\$request_method \$content_length\n"; }
    location = /see-other { return 303 /post; }
    location = /hdr { return 200 "\$http_x_big"; }
  }
}
CONF
"$nginx" -e "$tmp/error.log" -c "$tmp/nginx.conf" -p "$tmp/" -g 'daemon off;' 2>nginx.err &
pid=$!
wait_port "$port" "$pid" || { fail "nginx starts" "$(cat nginx.err error.log 2>/dev/null)"; tap_done; }
echo "# $("$nginx" -v 2>&1)"

# run CODE ARGS...: avila fetch ARGS >out 2>err must exit with CODE (else a failure, 1 returned).
run() {
    local code=$1 got
    shift
    "$avila" fetch "$@" >out 2>err
    got=$?
    [ "$got" = "$code" ] && return 0
    echo "exit $got, want $code: $(head -c 300 err)"
    return 1
}

for f in empty one big.bin; do
    if why=$(run 0 "$base/$f") && cmp -s out "www/$f"; then pass "GET /$f byte for byte ($(wc -c <"www/$f") bytes)"; else fail "GET /$f" "$why"; fi
done
if why=$(run 0 -o got.bin "$base/big.bin") && cmp -s got.bin www/big.bin && [ ! -s out ]; then pass "-o FILE: 1 MiB byte for byte"; else fail "-o FILE" "$why"; fi

if why=$(run 0 -X HEAD "$base/big.bin") && [ ! -s out ]; then pass "-X HEAD: no body"; else fail "-X HEAD" "$why $(head -c 100 out)"; fi
if why=$(run 0 -i -X HEAD "$base/big.bin") && head -1 out | grep -q '^HTTP/1.1 200 OK' &&
    grep -q '^Content-Length: 1048576' out && [ "$(tail -c 4 out | od -An -c | tr -d ' ')" = '\r\n\r\n' ]; then
    pass "-i -X HEAD: the head (Content-Length: 1048576) and nothing after it"
else fail "-i -X HEAD" "$why $(head -c 400 out)"; fi

if why=$(run 0 -i -H 'Accept-Encoding: gzip' "$base/gz/text.txt") && grep -q '^Transfer-Encoding: chunked' out &&
    grep -q '^Content-Encoding: gzip' out; then
    pass "gzip on: nginx answers chunked (-i shows Transfer-Encoding: chunked)"
else fail "gzip answer is chunked" "$why $(head -c 400 out)"; fi
if why=$(run 0 -o gz.bin -H 'Accept-Encoding: gzip' "$base/gz/text.txt") &&
    python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.decompress(open("gz.bin","rb").read()))' >gunz.txt &&
    cmp -s gunz.txt www/text.txt; then
    pass "chunked gzip body: python3's gzip.decompress gives the file back ($(wc -c <gz.bin) -> $(wc -c <gunz.txt) bytes)"
else fail "chunked gzip body" "$why"; fi
if why=$(run 0 "$base/gz/text.txt") && cmp -s out www/text.txt; then pass "without Accept-Encoding the same location is plain"; else fail "plain /gz/" "$why"; fi

if why=$(run 0 -i "$base/r301") && head -1 out | grep -q '^HTTP/1.1 301 Moved Permanently' && grep -q "^Location: $base/one" out; then
    pass "301 without -L: exit 0, the 301 itself (nginx makes the Location absolute)"
else fail "301 without -L" "$why $(head -c 400 out)"; fi
if why=$(run 0 -L "$base/r301") && [ "$(cat out)" = x ]; then pass "301 with -L"; else fail "301 with -L" "$why $(head -c 200 out)"; fi
if why=$(run 0 -i "$base/r302") && head -1 out | grep -q '^HTTP/1.1 302 Moved Temporarily'; then pass "302 without -L"; else fail "302 without -L" "$why $(head -c 200 out)"; fi
if why=$(run 0 -L "$base/r302") && [ "$(cat out)" = x ]; then pass "302 with -L (absolute Location)"; else fail "302 with -L" "$why $(head -c 200 out)"; fi
if why=$(run 1 -L --max-redirs 2 "$base/c3") && [ ! -s out ] && grep -q '^avila fetch: .*limit' err; then
    pass "three redirects with --max-redirs 2: exit 1, the limit reported"
else fail "--max-redirs 2" "$why $(cat err)"; fi
: >access.log
if why=$(run 0 -L --max-redirs 3 "$base/c3") && [ "$(cat out)" = x ]; then pass "three redirects with --max-redirs 3"; else fail "--max-redirs 3" "$why"; fi
sleep 0.2
if [ "$(wc -l <access.log)" = 4 ] && [ "$(cut -d' ' -f1 access.log | sort -u | wc -l)" = 1 ] &&
    [ "$(cut -d' ' -f2 access.log | tr '\n' ' ')" = "1 2 3 4 " ]; then
    pass "keep-alive: nginx logs one \$connection for the four requests (\$connection_requests 1 to 4)"
else fail "keep-alive across redirects" "$(cat access.log)"; fi
if why=$(run 1 -L "$base/loop") && grep -q 'limit' err; then pass "a redirect loop stops (default limit)"; else fail "redirect loop" "$why"; fi

if why=$(run 0 "$base/missing") && grep -q '404 Not Found' out; then pass "404 without -f: exit 0, nginx's page"; else fail "404 without -f" "$why"; fi
if why=$(run 1 -f "$base/missing") && [ ! -s out ] && grep -q '^avila fetch: .*HTTP status 404' err; then
    pass "404 with -f: exit 1, no body, the status on stderr"
else fail "404 with -f" "$why $(cat err)"; fi
if why=$(run 0 -f "$base/one") && [ "$(cat out)" = x ]; then pass "-f with a 200: exit 0"; else fail "-f with a 200" "$why"; fi

if why=$(run 0 -i "$base/one"); then
    python3 - <<'PY' && pass "-i: status line, nginx's fields, a blank line, then the 1-byte body" || fail "-i" "$(head -c 400 out)"
import sys
data = open("out", "rb").read()
head, sep, body = data.partition(b"\r\n\r\n")
lines = head.split(b"\r\n")
ok = sep and body == b"x" and lines[0] == b"HTTP/1.1 200 OK"
ok = ok and b"Content-Length: 1" in lines and any(l.startswith(b"Server: nginx") for l in lines)
sys.exit(0 if ok else 1)
PY
else fail "-i" "$why"; fi

: >access.log
if why=$(run 0 -d hello "$base/post") && [ "$(cat out)" = "POST 5" ]; then pass "-d: a POST with a 5-byte body (nginx: POST 5)"; else fail "-d POST" "$why $(cat out)"; fi
head -c 100000 /dev/urandom >payload.bin
if why=$(run 0 -d @payload.bin -X PUT "$base/post") && [ "$(cat out)" = "PUT 100000" ]; then pass "-X PUT -d @FILE: 100000 bytes sent"; else fail "-d @FILE" "$why $(cat out)"; fi
if why=$(run 0 -L -d payload "$base/see-other") && [ "$(cat out)" = "GET " ]; then
    pass "303 after a POST: a GET without body follows"
else fail "303 after POST" "$why $(cat out)"; fi
sleep 0.2
if [ "$(tail -2 access.log | cut -d' ' -f1 | sort -u | wc -l)" = 1 ] && tail -1 access.log | grep -q '^[0-9]* 2 "GET /post'; then
    pass "the connection that carried the POST (body discarded by nginx) served the GET after the 303"
else fail "reuse after a POST" "$(cat access.log)"; fi

# Our request head is capped at AVILA_HTTP_CLIENT_HEAD_MAX (16384 bytes): a 12000-byte value
# goes out whole (nginx: large_client_header_buffers 4 64k), a 20000-byte one is refused here.
big=$(head -c 9000 /dev/urandom | base64 -w0 | head -c 12000)
if why=$(run 0 -H "X-Big: $big" "$base/hdr") && [ "$(cat out)" = "$big" ]; then pass "-H with a 12000-byte value, echoed back by nginx"; else fail "large -H" "$why, $(wc -c <out) bytes back"; fi
big=$(head -c 15000 /dev/urandom | base64 -w0 | head -c 20000)
if why=$(run 1 -H "X-Big: $big" "$base/hdr") && grep -q '^avila fetch: .*limit' err; then pass "-H with a 20000-byte value: over our head limit, exit 1"; else fail "-H over the limit" "$why"; fi
tap_done
