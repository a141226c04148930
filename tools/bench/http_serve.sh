#!/usr/bin/env bash
# tools/bench/http_serve.sh AVILA [THREADS] [SECONDS] - `avila serve` measured
# the way ../shared/anchors/http-nginx measures nginx: wrk -t2 -c64 -dNs
# --latency on 127.0.0.1, a 13-byte body and a 64 KiB static file, THREADS
# loops (default 2, as nginx's 2 workers). Then 10,000 idle keep-alive
# connections are opened and the server's resident memory read from /proc.
# Prints   BENCH http@avila <case> <value> <unit>
# Cases: hello/rps, hello/p99, file64k/rps, file64k/p99, idle10k/rss.
set -euo pipefail
avila=$1; threads=${2:-2}; secs=${3:-10}
here=$(cd "$(dirname "$0")/../.." && pwd)
"$here/tools/need" wrk python3 >&2
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
printf 'Hello, World!' >"$dir/hello"
head -c 65536 /dev/urandom >"$dir/file64k"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
"$avila" serve --listen 127.0.0.1:0 --root "$dir" --threads "$threads" --quiet 2>"$dir/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$dir/serve.err" 2>/dev/null && break; sleep 0.05; done
addr=$(grep -o 'listening on [^ ]*' "$dir/serve.err" | head -1 | cut -d' ' -f3)
run() { # $1 case, $2 path
    out=$(timeout $((secs + 10)) wrk -t2 -c64 -d"${secs}s" --latency "http://$addr$2")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) sub(/ms/,"",v); else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
    echo "BENCH http@avila $1/rps $rps req/s"
    echo "BENCH http@avila $1/p99 $p99 ms"
}
run hello /hello
run file64k /file64k
# 10,000 idle keep-alive connections, each having made one request.
python3 - "$addr" "$pid" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
pid = sys.argv[2]
def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
base = rss_kb()
conns = []
for i in range(10000):
    s = socket.create_connection((host, int(port)))
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    conns.append(s)
for s in conns:
    s.recv(4096)
time.sleep(0.5)
print(f"BENCH http@avila idle10k/rss {rss_kb() / 1024:.1f} MB")
print(f"BENCH http@avila idle10k/rss-added {(rss_kb() - base) / 1024:.1f} MB")
PY
