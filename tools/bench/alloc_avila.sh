#!/usr/bin/env bash
# tools/bench/alloc_avila.sh SO - the allocator anchor's workload
# (../shared/anchors/src/alloc_workload.c, a peer benchmark program compiled
# here, never linked into our code) run under our heap: ALLOC_IMPL=avila
# LD_PRELOAD=SO (build/lib/libavila_malloc.so), as ../shared/anchors/alloc
# runs it under glibc, mimalloc and jemalloc. Prints
#   BENCH alloc@avila local|cross|realloc <ns> ns/op
#   BENCH alloc@avila peak-rss <MB> MB      (/usr/bin/time %M, 10^6 bytes)
# ANCHORS=dir overrides where the anchors live; without them it says so and
# prints nothing.
set -euo pipefail
so=$(readlink -f "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
anchors=${ANCHORS:-$here/../shared/anchors}
src=$anchors/src/alloc_workload.c
if [ ! -f "$src" ]; then
    echo "alloc_avila: $src not found (set ANCHORS); skipped" >&2
    exit 0
fi
"$here/tools/need" gcc time >&2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
gcc -O2 -march=native -I"$anchors/src" -o "$dir/alloc_workload" "$src" -pthread
ALLOC_IMPL=avila LD_PRELOAD=$so timeout 900 /usr/bin/time -f %M -o "$dir/rss" "$dir/alloc_workload"
awk '{ printf "BENCH alloc@avila peak-rss %.1f MB\n", $1 * 1024 / 1e6 }' "$dir/rss"
