#!/bin/bash
# Differential test of the crypto layer against the openssl CLI: random cases
# (a few dozen per family) computed by openssl and by tests/crypto/tool_oracle
# must agree byte for byte, with the fast paths and with the portable code
# (AVILA_CPU=portable), and refusals (X25519 small-order points, forged
# Ed25519 signatures) must match.
#   openssl dgst           SHA-2, SHA-3, BLAKE2 digests, SHAKE (-xoflen), HMAC
#   openssl kdf            HKDF (extract+expand and expand only), PBKDF2, scrypt
#   openssl mac            Poly1305, keyed BLAKE2b/BLAKE2s, GMAC (= AES-GCM's tag
#                          with an empty plaintext; IVs of any length from 1 byte)
#   openssl enc            AES-CTR, ChaCha20 (counters kept clear of the 32-bit
#                          wrap, where OpenSSL carries into the next word and
#                          SP 800-38D / RFC 8439 do not)
#   openssl pkey/pkeyutl   X25519 and Ed25519 public keys from raw private keys
#                          (PKCS#8 DER around them), X25519 derive, Ed25519
#                          sign (deterministic: equal bytes) and verify
# The random bytes come from AES-256-CTR keyed with a seed that is printed; set
# AVILA_PEER_SEED to repeat a run. Skips when openssl is absent.
. "$AVILA_ROOT/tests/support/tap.sh"
oracle=$AVILA_BUILD/tests/crypto/tool_oracle
if ! command -v openssl >/dev/null 2>&1; then
    echo "ok 1 - openssl differential tests # SKIP openssl not installed"
    tap_done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

export LC_ALL=C
seed=${AVILA_PEER_SEED:-$(od -An -tu4 -N4 /dev/urandom | tr -d ' ')}
echo "# seed $seed (AVILA_PEER_SEED=$seed repeats this run); $(openssl version)"
# The first 256 KiB make the messages; the rest, in hex in a variable, the keys and numbers
# (read without starting a process per value).
head -c 327680 /dev/zero |
    openssl enc -aes-256-ctr -K "$(printf '%064x' "$seed")" -iv "$(printf '%032x' 0)" >pool
POOL=$(tail -c 65536 pool | od -An -v -tx1 | tr -d ' \n')

# ---------------------------------------------------------------- random inputs
pos=0
# need HEXDIGITS: stops the test if the pool cannot give that many more.
need() {
    if [ $((pos + $1)) -gt ${#POOL} ]; then
        echo "Bail out! random pool exhausted: enlarge it"
        exit 1
    fi
}
# rnd MAX: R = a random number in [0, MAX) (MAX <= 2^32).
rnd() {
    need 8
    R=$((16#${POOL:pos:8} % $1))
    pos=$((pos + 8))
}
# rhex N: H = N random bytes in hex.
rhex() {
    need $(($1 * 2))
    H=${POOL:pos:$1*2}
    pos=$((pos + $1 * 2))
}
# rlen: R = a length, often near a multiple of 64 (block boundaries), up to 5000.
rlen() {
    rnd 10
    if [ $R -lt 5 ]; then
        rnd 200
    elif [ $R -lt 8 ]; then
        rnd 8
        local b=$R
        rnd 3
        R=$(((b + 1) * 64 + R - 1))
    else
        rnd 5000
    fi
}
# rmsg: m = the name of a random one of the shared messages (below).
rmsg() {
    rnd ${#msgs[@]}
    m=${msgs[R]}
}
# raes: klen = a random AES key length (16, 24 or 32).
raes() {
    rnd 3
    klen=$((16 + 8 * R))
}
# hexf FILE: its bytes in lowercase hex; arg FILE: the same, "-" when empty (oracle syntax).
hexf() { od -An -v -tx1 "$1" | tr -d ' \n'; }
arg() {
    local h
    h=$(hexf "$1")
    echo "${h:--}"
}
# unhex HEX: writes the bytes (bash's printf understands \xHH).
unhex() {
    local fmt= i
    for ((i = 0; i < ${#1}; i += 2)); do fmt+="\\x${1:i:2}"; done
    printf "$fmt"
}
lower() { tr -d ':\n' | tr 'A-F' 'a-f'; }

# ---------------------------------------------------------------- comparison
# A family collects oracle commands in $fam.cmd and openssl's answers in $fam.want.
add() {
    echo "$1" >>"$fam.cmd"
    echo "$2" >>"$fam.want"
}
# done_family DESCRIPTION: runs the oracle on the family's commands, with the fast paths and
# with the portable code (openssl's answers are computed once), and compares.
done_family() {
    local n cpu
    n=$(wc -l <"$fam.want")
    for cpu in native portable; do
        AVILA_CPU=$cpu "$oracle" <"$fam.cmd" >"$fam.got" 2>&1
        if cmp -s "$fam.got" "$fam.want"; then
            pass "openssl $1 [$cpu]: $n cases agree"
        else
            fail "openssl $1 [$cpu]: $n cases" "$(paste "$fam.cmd" "$fam.got" "$fam.want" |
                awk -F'\t' '$2 != $3 { print "command: " substr($1, 1, 200);
                    print "ours:    " substr($2, 1, 200); print "openssl: " substr($3, 1, 200);
                    if (++k == 3) exit }')"
        fi
    done
}

# Messages shared by the digest and MAC families: sizes at and around block boundaries.
msgs=() mpos=0
declare -A MHEX
for i in $(seq 0 40); do
    rlen
    [ $i = 0 ] && R=0
    tail -c +$((mpos + 1)) pool | head -c $R >m$i
    mpos=$((mpos + R))
    msgs+=(m$i)
    MHEX[m$i]=$(arg m$i)
done

# ---------------------------------------------------------------- dgst
DIGESTS="sha1 sha224 sha256 sha384 sha512 sha512-256 sha3-224 sha3-256 sha3-384 sha3-512
blake2b512 blake2s256"
fam=dgst
for d in $DIGESTS; do
    for m in "${msgs[@]}"; do
        echo "$d ${MHEX[$m]}" >>$fam.cmd
    done
    openssl dgst -$d -r "${msgs[@]}" | cut -d' ' -f1 >>$fam.want
done
done_family "dgst (12 hashes)"

fam=shake
for i in $(seq 24); do
    bits=$((128 * (1 + i % 2)))
    rmsg
    rnd 400
    len=$((R + 1))
    add "shake$bits $len ${MHEX[$m]}" \
        "$(openssl dgst -shake$bits -xoflen $len -r $m | cut -d' ' -f1)"
done
done_family "dgst -shake128/256 -xoflen"

fam=hmac
for d in $DIGESTS; do
    for j in 1 2 3 4; do
        rmsg
        rnd 4
        [ $R = 0 ] && rnd 300 || rnd 64 # keys beyond the block size are hashed first
        klen=$R
        if [ $klen = 0 ]; then
            add "hmac-$d - ${MHEX[$m]}" "$(openssl dgst -$d -hmac '' -r $m | cut -d' ' -f1)"
        else
            rhex $klen
            add "hmac-$d $H ${MHEX[$m]}" \
                "$(openssl dgst -$d -mac HMAC -macopt hexkey:$H -r $m | cut -d' ' -f1)"
        fi
    done
done
done_family "dgst -mac HMAC (12 hashes)"

# ---------------------------------------------------------------- kdf
# Our digest name, openssl's, digest bytes.
KDF_DIGESTS="sha1:SHA1:20 sha224:SHA224:28 sha256:SHA256:32 sha384:SHA384:48 sha512:SHA512:64
sha512-256:SHA512-256:32 sha3-224:SHA3-224:28 sha3-256:SHA3-256:32 sha3-384:SHA3-384:48
sha3-512:SHA3-512:64 blake2b512:BLAKE2B-512:64 blake2s256:BLAKE2S-256:32"
# kdf ARGS...: openssl kdf's output in hex, or ERR.
kdf() { openssl kdf -binary -out k.bin "$@" >/dev/null 2>&1 && hexf k.bin || echo ERR; }

fam=hkdf
for t in $KDF_DIGESTS; do
    IFS=: read -r ours theirs hl <<<"$t"
    for j in 1 2 3; do
        rnd 100
        ikm_len=$R
        rnd 3
        salt_len=$((R * 40))
        rnd 50
        info_len=$R
        rnd 600
        okm=$((R + 1))
        rhex $ikm_len
        ikm=$H
        rhex $salt_len
        salt=$H
        rhex $info_len
        info=$H
        opts=(-kdfopt hexkey:$ikm)
        [ -n "$salt" ] && opts+=(-kdfopt hexsalt:$salt)
        [ -n "$info" ] && opts+=(-kdfopt hexinfo:$info)
        add "hkdf-$ours $okm ${salt:--} ${ikm:--} ${info:--}" \
            "$(kdf -keylen $okm -kdfopt digest:$theirs "${opts[@]}" HKDF)"
    done
    rhex $((hl + 7))
    prk=$H
    rhex 20
    info=$H
    add "hkdf-expand-$ours 100 $prk $info" \
        "$(kdf -keylen 100 -kdfopt digest:$theirs -kdfopt mode:EXPAND_ONLY -kdfopt hexkey:$prk \
            -kdfopt hexinfo:$info HKDF)"
done
done_family "kdf HKDF (12 hashes)"

fam=pbkdf2
for t in $KDF_DIGESTS; do
    IFS=: read -r ours theirs hl <<<"$t"
    for j in 1 2; do
        rnd 100
        rhex $((R + 1))
        pw=$H
        rnd 40
        rhex $((R + 1))
        salt=$H
        rnd 3
        [ $R = 0 ] && iter=1 || {
            rnd 2000
            iter=$((R + 1))
        }
        rnd 150
        len=$((R + 1))
        add "pbkdf2-$ours $iter $len $pw $salt" \
            "$(kdf -keylen $len -kdfopt digest:$theirs -kdfopt hexpass:$pw -kdfopt hexsalt:$salt \
                -kdfopt iter:$iter PBKDF2)"
    done
done
done_family "kdf PBKDF2 (12 hashes)"

fam=scrypt
for i in $(seq 12); do
    rnd 10
    n=$((2 << R))
    rnd 8
    r=$((R + 1))
    rnd 3
    p=$((R + 1))
    rnd 64
    len=$((R + 1))
    rnd 50
    rhex $((R + 1))
    pw=$H
    rnd 40
    rhex $((R + 1))
    salt=$H
    add "scrypt $n $r $p $len $pw $salt" \
        "$(kdf -keylen $len -kdfopt hexpass:$pw -kdfopt hexsalt:$salt -kdfopt n:$n -kdfopt r:$r \
            -kdfopt p:$p SCRYPT)"
done
done_family "kdf SCRYPT"

# ---------------------------------------------------------------- mac
# mac ARGS...: openssl mac's output in lowercase hex, or ERR.
mac() {
    local out
    if out=$(openssl mac "$@" 2>/dev/null); then printf '%s' "$out" | lower; else echo ERR; fi
}

fam=poly1305
for i in $(seq 30); do
    rmsg
    rhex 32
    add "poly1305 $H ${MHEX[$m]}" "$(mac -macopt hexkey:$H -in $m POLY1305)"
done
done_family "mac POLY1305"

fam=blake2mac
for i in $(seq 24); do
    rmsg
    if [ $((i % 2)) = 0 ]; then
        b=b max=64 name=BLAKE2BMAC
    else
        b=s max=32 name=BLAKE2SMAC
    fi
    rnd $max
    klen=$((R + 1))
    rnd $max
    size=$((R + 1))
    rhex $klen
    add "blake2$b $size $H ${MHEX[$m]}" "$(mac -macopt hexkey:$H -macopt size:$size -in $m $name)"
done
done_family "mac BLAKE2BMAC/BLAKE2SMAC"

fam=gmac
for i in $(seq 30); do
    rmsg
    raes
    rnd 3
    if [ $R = 0 ]; then ivlen=12; else
        rnd 64
        ivlen=$((R + 1))
    fi
    rhex $klen
    key=$H
    rhex $ivlen
    iv=$H
    add "aes-gcm-seal 16 $key $iv ${MHEX[$m]} -" \
        "$(mac -cipher AES-$((klen * 8))-GCM -macopt hexkey:$key -macopt hexiv:$iv -in $m GMAC)"
done
done_family "mac GMAC (AES-GCM tags, IVs of 1..64 bytes)"

# ---------------------------------------------------------------- enc
fam=aes-ctr
for i in $(seq 24); do
    rmsg
    raes
    rhex $klen
    key=$H
    rhex 12
    rnd 2147483648 # low 32 bits below 2^31: no wrap within 5000 bytes
    ctr=$H$(printf '%08x' $R)
    openssl enc -aes-$((klen * 8))-ctr -K $key -iv $ctr -in $m -out c.bin
    add "aes-ctr $key $ctr ${MHEX[$m]}" "$(arg c.bin)"
done
done_family "enc AES-CTR"

fam=chacha20
for i in $(seq 24); do
    rmsg
    rhex 32
    key=$H
    rhex 12
    nonce=$H
    rnd 2147483648
    counter=$R
    # openssl's 16-byte IV is the RFC 8439 state words 12-15: the counter (little-endian), then
    # the nonce.
    le=$(printf '%08x' $counter | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')
    openssl enc -chacha20 -K $key -iv $le$nonce -in $m -out c.bin
    add "chacha20 $key $nonce $counter ${MHEX[$m]}" "$(arg c.bin)"
done
done_family "enc ChaCha20"

# ---------------------------------------------------------------- X25519 and Ed25519
# DER around raw keys: PKCS#8 private keys and SubjectPublicKeyInfo (RFC 8410).
X_PRIV=302e020100300506032b656e04220420
X_PUB=302a300506032b656e032100
ED_PRIV=302e020100300506032b657004220420
ED_PUB=302a300506032b6570032100
# pub_of DER-FILE: the raw public key of a private key, in hex.
pub_of() {
    openssl pkey -inform DER -in "$1" -pubout -outform DER | tail -c 32 >pub.raw
    hexf pub.raw
}

fam=x25519
for i in $(seq 24); do
    rhex 32
    unhex $X_PRIV$H >x.der
    add "x25519-base $H" "$(pub_of x.der)"
done
# Random peers, then u = 0, 1, p - 1 and the two points of order 8 (all-zero secrets: refused).
peers=()
for i in $(seq 24); do
    rhex 32
    peers+=($H)
done
peers+=(0000000000000000000000000000000000000000000000000000000000000000
    0100000000000000000000000000000000000000000000000000000000000000
    ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
    e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800
    5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157)
for u in "${peers[@]}"; do
    rhex 32
    unhex $X_PRIV$H >x.der
    unhex $X_PUB$u >peer.der
    if openssl pkeyutl -derive -inkey x.der -keyform DER -peerkey peer.der -peerform DER \
        -out s.bin >/dev/null 2>&1; then
        want=$(hexf s.bin)
    else
        want="ERR AVILA_EAUTH"
    fi
    add "x25519 $H $u" "$want"
done
done_family "pkey/pkeyutl -derive X25519"

fam=ed25519
for i in $(seq 24); do
    rhex 32
    seed=$H
    unhex $ED_PRIV$seed >ed.der
    pub=$(pub_of ed.der)
    add "ed25519-keypair $seed" "$pub"
    # A non-empty message: openssl 3.0's pkeyutl -rawin refuses an empty one.
    m=m0
    while [ ! -s $m ]; do rmsg; done
    openssl pkeyutl -sign -inkey ed.der -keyform DER -rawin -in $m -out sig.bin
    sig=$(hexf sig.bin)
    add "ed25519-sign $seed ${MHEX[$m]}" "$sig"
    # The genuine signature, then a forgery: one bit of R or S flipped.
    unhex $ED_PUB$pub >pub.der
    rnd 512
    bit=$R
    byte=$((bit / 8)) mask=$((1 << (bit % 8)))
    bad=${sig:0:byte*2}$(printf '%02x' $((0x${sig:byte*2:2} ^ mask)))${sig:byte*2+2}
    for s in $sig $bad; do
        unhex $s >s.bin
        if openssl pkeyutl -verify -pubin -inkey pub.der -keyform DER -rawin -in $m \
            -sigfile s.bin >/dev/null 2>&1; then
            want=OK
        else
            want="ERR AVILA_EAUTH"
        fi
        add "ed25519-verify $pub ${MHEX[$m]} $s" "$want"
    done
done
done_family "pkey/pkeyutl Ed25519 keys, signatures, verification"
echo "# pool used: $pos of ${#POOL}"

tap_done
