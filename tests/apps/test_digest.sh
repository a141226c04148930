#!/bin/bash
# avila digest against the real tools: sha*sum, b2sum, b3sum and openssl
# print the same lines, and -c checks behave the same (standard output and
# exit status), with fast paths on and off.
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

head -c 3000000 /dev/urandom >big
: >empty
printf abc >abc
for n in 1 55 56 63 64 65 111 112 127 128 129 135 136 137 143 144 1023 1024 1025 4097 65536; do
    head -c $n big >in$n
done
printf 'x' >'back\slash'
printf 'y' >'new
line'
files=(empty abc big in* 'back\slash' 'new
line')

# same NAME AVILA-ARGS -- PEER-CMD... : identical stdout for every file
same() {
    local name=$1 algo=$2
    shift 3
    if cmp -s <("$avila" digest $algo "${files[@]}") <("$@" "${files[@]}"); then
        pass "$name"
    else
        fail "$name" "$(diff <("$avila" digest $algo "${files[@]}") <("$@" "${files[@]}") | head -5)"
    fi
}

for cpu in native portable; do
    export AVILA_CPU=$cpu
    same "[$cpu] sha1 = sha1sum" sha1 -- sha1sum
    same "[$cpu] sha224 = sha224sum" sha224 -- sha224sum
    same "[$cpu] sha256 = sha256sum" sha256 -- sha256sum
    same "[$cpu] sha384 = sha384sum" sha384 -- sha384sum
    same "[$cpu] sha512 = sha512sum" sha512 -- sha512sum
    same "[$cpu] blake2b = b2sum" blake2b -- b2sum
    if command -v b3sum >/dev/null; then
        same "[$cpu] blake3 = b3sum" blake3 -- b3sum
    else
        echo "ok - [$cpu] blake3 = b3sum # SKIP b3sum not installed"
    fi
    # openssl dgst -r prints "<hex> *<name>", as avila digest -b does (plain names only)
    plain=(empty abc big in*)
    for pair in sha3-224:sha3-224 sha3-256:sha3-256 sha3-384:sha3-384 sha3-512:sha3-512 \
        sha512-256:sha512-256 blake2s:blake2s256; do
        ours=${pair%%:*} theirs=${pair#*:}
        if cmp -s <("$avila" digest $ours -b "${plain[@]}") <(openssl dgst -$theirs -r "${plain[@]}"); then
            pass "[$cpu] $ours = openssl dgst -$theirs"
        else
            fail "[$cpu] $ours = openssl dgst -$theirs"
        fi
    done
done
unset AVILA_CPU

# check mode: a sums file with a match, a mismatch, a missing file, bad lines, an escaped name
sha256sum abc in1 'back\slash' 'new
line' >sums
printf 'changed' >in1
echo "$(sha256sum abc | cut -c1-64)  missing" >>sums
echo "not a checksum line" >>sums
echo "$(sha256sum abc | cut -c1-63)  abc" >>sums
for flags in "" "--quiet" "--status" "--strict" "--ignore-missing" "--quiet --strict"; do
    # shellcheck disable=SC2086
    "$avila" digest sha256 -c $flags sums >ours.out 2>ours.err
    ours=$?
    # shellcheck disable=SC2086
    sha256sum -c $flags sums >theirs.out 2>theirs.err
    theirs=$?
    if [ $ours = $theirs ] && cmp -s ours.out theirs.out; then
        pass "-c $flags: same output and status ($ours) as sha256sum"
    else
        fail "-c $flags: same output and status as sha256sum" "status $ours/$theirs; $(diff ours.out theirs.out | head -5)"
    fi
done
"$avila" digest sha256 -c sums 2>ours.err >/dev/null
grep -q '^avila digest: WARNING: 2 lines are improperly formatted' ours.err &&
    grep -q '^avila digest: WARNING: 1 listed file could not be read' ours.err &&
    grep -q '^avila digest: WARNING: 1 computed checksum did NOT match' ours.err &&
    pass "-c warnings on stderr name the command" || fail "-c warnings on stderr name the command" "$(cat ours.err)"
sha256sum abc >good
"$avila" digest sha256 -c good >ours.out && [ "$(cat ours.out)" = "abc: OK" ] && pass "-c of a good file exits 0" || fail "-c of a good file exits 0"
"$avila" digest sha256 -c <good >ours.out && pass "-c reads standard input" || fail "-c reads standard input"
echo garbage | "$avila" digest sha256 -c 2>ours.err
[ $? = 1 ] && grep -q "no properly formatted checksum lines found" ours.err && pass "-c with no valid line exits 1" || fail "-c with no valid line exits 1"
b2sum big >b2 && "$avila" digest blake2b -c b2 >/dev/null && pass "blake2b -c accepts b2sum output" || fail "blake2b -c accepts b2sum output"

"$avila" digest >/dev/null 2>ours.err
[ $? = 2 ] && grep -q '^avila digest: missing ALGO' ours.err && pass "no ALGO is a usage error" || fail "no ALGO is a usage error"
"$avila" digest md5 abc >/dev/null 2>ours.err
[ $? = 2 ] && grep -q "^avila digest: unknown algorithm 'md5'" ours.err && pass "unknown ALGO is a usage error" || fail "unknown ALGO is a usage error"
"$avila" digest sha256 --quiet abc >/dev/null 2>&1
[ $? = 2 ] && pass "--quiet without -c is a usage error" || fail "--quiet without -c is a usage error"
"$avila" digest sha256 nope abc >ours.out 2>ours.err
[ $? = 1 ] && grep -q '^avila digest: nope: No such file' ours.err && grep -q ' abc$' ours.out && pass "a missing file exits 1 and the rest is hashed" || fail "a missing file exits 1 and the rest is hashed"
[ "$(printf abc | "$avila" digest sha256)" = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -" ] && pass "stdin is hashed as '-' (FIPS 180-2 abc)" || fail "stdin is hashed as '-'"
tap_done
