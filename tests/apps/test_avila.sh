#!/bin/bash
# End-to-end tests of the avila binary: every subcommand, its exit codes and
# messages, and byte-for-byte agreement with real peers (coreutils base64 and
# base32, xxhsum) on the same inputs, with fast paths on and off.
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_status NAME STATUS STDERR-REGEX CMD... : exit status and stderr (empty regex: stderr empty)
expect_status() {
    name=$1 want=$2 pattern=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" != "$want" ]; then
        fail "$name" "status $got, wanted $want; stderr: $(head -c 300 "$tmp/err")"
    elif [ -z "$pattern" ] && [ -s "$tmp/err" ]; then
        fail "$name" "unexpected stderr: $(head -c 300 "$tmp/err")"
    elif [ -n "$pattern" ] && ! grep -qE "$pattern" "$tmp/err"; then
        fail "$name" "stderr does not match '$pattern': $(head -c 300 "$tmp/err")"
    else
        pass "$name"
    fi
}

# ---- help, version, dispatch
expect_status "help exits 0" 0 "" "$avila" help
cp "$tmp/out" "$tmp/help"
for c in help version uuid ulid hash base64 base32 digest speed sign age age-keygen; do
    grep -q "^  $c " "$tmp/help" && pass "help lists $c" || fail "help lists $c"
    expect_status "$c --help exits 0" 0 "" "$avila" $c --help </dev/null
    # Only the usage: --help must not also do the command's work.
    head -n 1 "$tmp/out" | grep -q "^usage: avila $c" && pass "$c --help prints its usage" ||
        fail "$c --help prints its usage"
done
expect_status "no command prints help" 0 "" "$avila"
expect_status "unknown command exits 2" 2 "^avila: unknown command 'frobnicate'" "$avila" frobnicate
expect_status "help on an unknown command exits 2" 2 "^avila help: unknown command" "$avila" help nope
expect_status "version exits 0" 0 "" "$avila" version
grep -q '^avila: [0-9]' "$tmp/out" && grep -q '^cpu-detected: ' "$tmp/out" && pass "version reports version and CPU" || fail "version reports version and CPU" "$(cat "$tmp/out")"
AVILA_CPU=portable "$avila" version >"$tmp/pv"
grep -qx 'cpu-used: none' "$tmp/pv" && grep -qx 'impl: crc32c=portable xxh3=portable utf8=portable base64=portable' "$tmp/pv" && pass "AVILA_CPU=portable disables every fast path" || fail "AVILA_CPU=portable disables every fast path" "$(cat "$tmp/pv")"
expect_status "a bad AVILA_CPU is reported and ignored" 0 "^avila: ignoring bad AVILA_CPU" env AVILA_CPU=turbo "$avila" version
expect_status "version rejects arguments" 2 "^avila version: " "$avila" version extra
ln -s "$avila" "$tmp/uuid"
ln -s "$avila" "$tmp/avila-base64"
"$tmp/uuid" | grep -qE '^[0-9a-f]{8}-' && pass "multi-call: a link named uuid runs uuid" || fail "multi-call: a link named uuid runs uuid"
[ "$(printf hi | "$tmp/avila-base64")" = "aGk=" ] && pass "multi-call: avila-base64 runs base64" || fail "multi-call: avila-base64 runs base64"

# ---- uuid / ulid
v4='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
v7='^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
ulid='^[0-7][0-9A-HJKMNP-TV-Z]{25}$'
"$avila" uuid -n 20000 >"$tmp/v4"
[ "$(grep -cE "$v4" "$tmp/v4")" = 20000 ] && pass "uuid prints version-4 UUIDs" || fail "uuid prints version-4 UUIDs"
[ "$(sort -u "$tmp/v4" | wc -l)" = 20000 ] && pass "20000 v4 UUIDs are distinct" || fail "20000 v4 UUIDs are distinct"
before=$(date +%s%3N)
"$avila" uuid -7 -n 20000 >"$tmp/v7"
after=$(date +%s%3N)
[ "$(grep -cE "$v7" "$tmp/v7")" = 20000 ] && pass "uuid -7 prints version-7 UUIDs" || fail "uuid -7 prints version-7 UUIDs"
LC_ALL=C sort -c -u "$tmp/v7" && pass "v7 UUIDs strictly increase" || fail "v7 UUIDs strictly increase"
ms=$((16#$(head -n1 "$tmp/v7" | tr -d - | cut -c1-12)))
[ "$ms" -ge "$before" ] && [ "$ms" -le "$after" ] && pass "v7 timestamp is the current Unix time in ms" || fail "v7 timestamp is the current Unix time in ms" "$before <= $ms <= $after"
"$avila" ulid -n 20000 >"$tmp/ulid"
[ "$(grep -cE "$ulid" "$tmp/ulid")" = 20000 ] && pass "ulid prints ULIDs" || fail "ulid prints ULIDs"
LC_ALL=C sort -c -u "$tmp/ulid" && pass "ULIDs strictly increase" || fail "ULIDs strictly increase"
expect_status "uuid -n 0 is a usage error" 2 "^avila uuid: invalid count" "$avila" uuid -n 0
expect_status "uuid -n x is a usage error" 2 "^avila uuid: invalid count" "$avila" uuid -n 12x
expect_status "ulid -7 is a usage error" 2 "^avila ulid: " "$avila" ulid -7
expect_status "uuid extra argument is a usage error" 2 "^avila uuid: unexpected argument" "$avila" uuid foo
if [ -w /dev/full ]; then
    "$avila" uuid -n 100000 >/dev/full 2>"$tmp/err"
    [ $? = 1 ] && grep -q '^avila uuid: write error' "$tmp/err" && pass "a write error exits 1 with a message" || fail "a write error exits 1 with a message"
fi

# ---- inputs shared by hash and codec tests
head -c 1000000 /dev/urandom >"$tmp/big"
: >"$tmp/empty"
printf '123456789' >"$tmp/check"
for n in 1 2 3 4 5 6 7 8 9 10 15 16 17 31 32 33 63 64 65 100 240 241 255 256 1023 1024 4097; do
    head -c $n "$tmp/big" >"$tmp/in$n"
done
inputs="$tmp/empty $tmp/check $tmp/big $(ls "$tmp"/in*)"

for cpu in native portable; do
    export AVILA_CPU=$cpu
    # ---- hash
    [ "$("$avila" hash crc32c "$tmp/check")" = "e3069283  $tmp/check" ] && pass "[$cpu] crc32c check value" || fail "[$cpu] crc32c check value"
    [ "$(printf '123456789' | "$avila" hash crc32c)" = "e3069283  -" ] && pass "[$cpu] crc32c of stdin" || fail "[$cpu] crc32c of stdin"
    bad=
    for f in $inputs; do
        ours=$("$avila" hash xxh64 "$f" | cut -d' ' -f1)
        theirs=$(xxhsum -H1 "$f" | cut -d' ' -f1)
        [ "$ours" = "$theirs" ] || bad="$bad xxh64:$(basename "$f")($ours/$theirs)"
        ours=$("$avila" hash xxh3 "$f" | cut -d' ' -f1)
        theirs=$(xxhsum -H3 <"$f" | sed -E 's/.* = //; s/ .*//')
        [ "$ours" = "$theirs" ] || bad="$bad xxh3:$(basename "$f")($ours/$theirs)"
    done
    [ -z "$bad" ] && pass "[$cpu] xxh64 and xxh3 agree with xxhsum on $(echo $inputs | wc -w) files" || fail "[$cpu] xxh64 and xxh3 agree with xxhsum" "$bad"
    # SipHash-2-4 paper vector: key 00..0f, message 00..0e -> a129ca6149be45e5
    printf '\000\001\002\003\004\005\006\007\010\011\012\013\014\015\016' >"$tmp/sipmsg"
    [ "$("$avila" hash -k 000102030405060708090a0b0c0d0e0f siphash "$tmp/sipmsg" | cut -d' ' -f1)" = a129ca6149be45e5 ] && pass "[$cpu] siphash paper vector" || fail "[$cpu] siphash paper vector"

    # ---- base64 / base32 against coreutils
    bad=
    for f in $inputs; do
        for tool in base64 base32; do
            for w in "" "-w 0" "-w 1" "-w 5" "-w 77"; do
                # shellcheck disable=SC2086
                cmp -s <("$avila" $tool $w "$f") <($tool $w "$f") || bad="$bad $tool$w:$(basename "$f")"
            done
            $tool "$f" >"$tmp/enc"
            cmp -s <("$avila" $tool -d "$tmp/enc") "$f" || bad="$bad $tool-d:$(basename "$f")"
            cmp -s <("$avila" $tool -d <"$tmp/enc") "$f" || bad="$bad $tool-d-stdin:$(basename "$f")"
        done
    done
    [ -z "$bad" ] && pass "[$cpu] base64/base32 encode and decode match coreutils" || fail "[$cpu] base64/base32 match coreutils" "$bad"
done
unset AVILA_CPU

expect_status "hash without algorithm is a usage error" 2 "^avila hash: missing ALGO" "$avila" hash
expect_status "hash unknown algorithm is a usage error" 2 "^avila hash: unknown algorithm 'md5'" "$avila" hash md5
expect_status "hash bad key is a usage error" 2 "^avila hash: the key must be 32 hex digits" "$avila" hash -k 0011 siphash
expect_status "hash of a missing file exits 1 and goes on" 1 "^avila hash: $tmp/nope: No such file" "$avila" hash crc32c "$tmp/nope" "$tmp/check"
grep -qx "e3069283  $tmp/check" "$tmp/out" && pass "the other files are still hashed" || fail "the other files are still hashed"
expect_status "hash of a directory exits 1" 1 "^avila hash: $tmp: Is a directory" "$avila" hash xxh64 "$tmp"

# strict decoding: each of these is rejected with exit 1 and a message
n=0
for bad in 'QQ==\r\n' 'QR==' 'QQ' 'QQ=' '=QQQ' 'QQ==QQ==' 'Q===' 'QQ#=' 'QUJD RA=='; do
    n=$((n + 1))
    printf "$bad" >"$tmp/bad$n"
    expect_status "base64 -d rejects '$bad'" 1 "^avila base64: invalid input" "$avila" base64 -d "$tmp/bad$n"
done
for bad in 'ME======' 'MF======' 'ME=====' 'me======' 'ME' 'MEZ=====' ; do
    n=$((n + 1))
    printf "$bad" >"$tmp/bad$n"
    if [ "$bad" = 'ME======' ]; then
        expect_status "base32 -d accepts '$bad'" 0 "" "$avila" base32 -d "$tmp/bad$n"
    else
        expect_status "base32 -d rejects '$bad'" 1 "^avila base32: invalid input" "$avila" base32 -d "$tmp/bad$n"
    fi
done
# ---- speed (rough figures only: the format is what is checked here)
BENCH_MIN_SECONDS=0.001 "$avila" speed sha256 x25519 >"$tmp/speed" 2>&1
if [ $? = 0 ] && [ "$(grep -cE '^BENCH crypto (sha256/(16B|1KiB|16KiB) [0-9.]+ MB/s|x25519/(derive|base) [0-9.]+ ops/s)$' "$tmp/speed")" = 5 ] &&
    [ "$(wc -l <"$tmp/speed")" = 5 ]; then
    pass "speed prints BENCH lines with the anchor's case names"
else
    fail "speed prints BENCH lines with the anchor's case names" "$(cat "$tmp/speed")"
fi
BENCH_MIN_SECONDS=0.001 "$avila" speed --portable sha512 | grep -qE '^BENCH crypto sha512/16KiB/portable [0-9.]+ MB/s$' && pass "speed --portable marks its cases" || fail "speed --portable marks its cases"
expect_status "speed of an unknown algorithm is a usage error" 2 "^avila speed: unknown algorithm 'rot13'" "$avila" speed rot13

expect_status "base64 -w x is a usage error" 2 "^avila base64: invalid wrap size" "$avila" base64 -w x
expect_status "base64 two files is a usage error" 2 "^avila base64: extra operand" "$avila" base64 a b
expect_status "base64 of a missing file exits 1" 1 "^avila base64: $tmp/nope: No such file" "$avila" base64 "$tmp/nope"
tap_done
