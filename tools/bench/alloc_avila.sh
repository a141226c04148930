#!/usr/bin/env bash
# tools/bench/alloc_avila.sh SO - allocator benchmarks, in two parts.
# 1. The allocator anchor's workload (../shared/anchors/src/alloc_workload.c,
#    a peer benchmark program compiled here, never linked into our code) run
#    under our heap: ALLOC_IMPL=avila LD_PRELOAD=SO (build/lib/libavila_malloc.so),
#    as ../shared/anchors/alloc runs it under glibc, mimalloc and jemalloc:
#      BENCH alloc@avila local|cross|realloc <ns> ns/op
#      BENCH alloc@avila peak-rss <MB> MB      (/usr/bin/time %M, 10^6 bytes)
#    ANCHORS=dir overrides where the anchors live; without them this part
#    says so and prints nothing.
# 2. The workloads the anchor lacks (tools/bench/alloc_more.c: a larson-like
#    server, 1 GiB malloced, touched and freed, and 2-8 MiB blocks malloced
#    and freed again and again) under our heap, glibc (no
#    preload), and jemalloc and mimalloc (Debian's libjemalloc2 and
#    libmimalloc2.0, installed when run as root, skipped when missing), one
#    after the other so the figures come from one sitting:
#      BENCH alloc@<impl> larson/t2 <ns> ns/op
#      BENCH alloc@<impl> hungry <ns> ns/op          (malloc + touch, per block)
#      BENCH alloc@<impl> hungry/malloc <ns> ns/op   (the mallocs alone)
#      BENCH alloc@<impl> hungry/peak-rss <MB> MB
#      BENCH alloc@<impl> hungry/rss-freed <MB> MB   (0.3 s after the last free)
#      BENCH alloc@<impl> big <ns> ns/op             (2-8 MiB malloc + free, per call)
set -euo pipefail
so=$(readlink -f "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
anchors=${ANCHORS:-$here/../shared/anchors}
src=$anchors/src/alloc_workload.c
"$here/tools/need" gcc time >&2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

if [ -f "$src" ]; then
    gcc -O2 -march=native -I"$anchors/src" -o "$dir/alloc_workload" "$src" -pthread
    ALLOC_IMPL=avila LD_PRELOAD=$so timeout 900 /usr/bin/time -f %M -o "$dir/rss" "$dir/alloc_workload"
    awk '{ printf "BENCH alloc@avila peak-rss %.1f MB\n", $1 * 1024 / 1e6 }' "$dir/rss"
else
    echo "alloc_avila: $src not found (set ANCHORS); anchor workload skipped" >&2
fi

# The shared object of Debian package $1 named $2.so.N, or nothing.
pkg_so() {
    dpkg -L "$1" 2>/dev/null | grep -E "/$2\.so\.[0-9]+$" | head -1 || true
}
"$here/tools/need" libjemalloc2 libmimalloc2.0 >&2 || true
gcc -std=c11 -D_GNU_SOURCE -O2 -march=native -o "$dir/alloc_more" "$here/tools/bench/alloc_more.c" -pthread
for impl in avila glibc jemalloc mimalloc; do
    case $impl in
    avila) pre=$so ;;
    glibc) pre= ;;
    jemalloc) pre=$(pkg_so libjemalloc2 libjemalloc) ;;
    mimalloc) pre=$(pkg_so libmimalloc2.0 libmimalloc) ;;
    esac
    if [ $impl != glibc ] && [ -z "$pre" ]; then
        echo "alloc_avila: no $impl library; skipped" >&2
        continue
    fi
    for c in larson hungry big; do
        ALLOC_IMPL=$impl LD_PRELOAD=$pre timeout 120 "$dir/alloc_more" $c
    done
done
