#!/bin/sh
# tools/gen/hash-vectors.sh - records differential xxHash vectors from the real
# peer: Debian's xxhsum (package xxhash, 0.8.1).
#
# For every length in LENGTHS (all of 0..256, then boundary and spread lengths
# up to 4096) it writes the first len bytes of the xxHash sanity-check buffer
# (tools/gen/xxh_input.c) to a file, hashes all files with `xxhsum -H1`
# (XXH64) and `xxhsum -H3` (XXH3 64-bit), and prints one record per length:
#   len = <n>
#   xxh64 = <16 hex digits>
#   xxh3 = <16 hex digits>
# xxhsum has no seed option, so every value is for seed 0. It prints the
# canonical form: the big-endian bytes of the 64-bit result, i.e. the value
# as a hexadecimal number, so avila_load_be64(unhex(field)) == the uint64_t.
#
# usage: tools/gen/hash-vectors.sh > tests/vectors/hash/xxhsum.txt
set -eu
cd "$(dirname "$0")/../.."
command -v xxhsum >/dev/null || { echo "hash-vectors: needs xxhsum (apt-get install xxhash)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
${CC:-cc} -std=c11 -O2 -o "$tmp/xxh_input" tools/gen/xxh_input.c

lengths=$(
    seq 0 256
    seq 257 13 2100
    for b in 320 384 448 512 1024 1088 2048 3072 4096; do
        echo $((b - 1)) $b $((b + 1))
    done | tr ' ' '\n'
    echo 2367 2240 2500 2999 3333 3500 3777 4000 4093
)
lengths=$(echo "$lengths" | awk '$1 <= 4096' | sort -n -u)

mkdir "$tmp/in"
for n in $lengths; do
    "$tmp/xxh_input" "$n" > "$tmp/in/$n"
done
# Both outputs name each file; key them by its length (the file name).
(cd "$tmp/in" && xxhsum -H1 $lengths) | awk '{ print $2, $1 }' > "$tmp/h1"
(cd "$tmp/in" && xxhsum -H3 $lengths) | sed -E 's/^XXH3 \(([0-9]+)\) = ([0-9a-f]+)$/\1 \2/' > "$tmp/h3"
version=$(xxhsum --version 2>&1 | head -n 1 | sed "s/ *$//")

cat <<HDR
# XXH64 and XXH3-64 of deterministic inputs, recorded from the reference
# implementation by tools/gen/hash-vectors.sh ($version,
# Debian package xxhash: xxhsum -H1 and xxhsum -H3, seed 0).
# Input: the first len bytes of the xxHash sanity-check buffer: byte i is
# g_i >> 56 with g_0 = 0x9E3779B1 and g_{i+1} = g_i * 0x9E3779B185EBCA8D mod 2^64.
# Values are xxhsum's canonical form: the big-endian bytes of the 64-bit hash.
HDR
for n in $lengths; do
    h1=$(awk -v n="$n" '$1 == n { print $2 }' "$tmp/h1")
    h3=$(awk -v n="$n" '$1 == n { print $2 }' "$tmp/h3")
    case "$h1$h3" in
    ????????????????????????????????) ;;
    *) echo "hash-vectors: bad xxhsum output for length $n" >&2; exit 1 ;;
    esac
    printf '\nlen = %s\nxxh64 = %s\nxxh3 = %s\n' "$n" "$h1" "$h3"
done
