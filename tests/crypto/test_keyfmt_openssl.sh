#!/bin/bash
# Key formats (crypto/keyfmt.h) against the openssl CLI, on keys openssl makes
# now: Ed25519, X25519, P-256 and RSA-2048 fresh from `openssl genpkey`, and
# the RSA-4096 key of tests/vectors/keyfmt/ (generating one takes too long).
# For each key, through tests/crypto/tool_keyfmt:
#   - ours rewritten from openssl's files equal openssl's bytes: PKCS#8
#     (`openssl pkey -outform DER`, and the PEM genpkey wrote), SPKI
#     (`-pubout`), SEC1 / PKCS#1 (`-traditional`), PKCS#1 RSAPublicKey
#     (`openssl rsa -RSAPublicKey_out`);
#   - what we write is read back by `openssl pkey -noout`, and `openssl pkey
#     -text` prints the same fields for ours as for openssl's;
#   - (PKCS#8 v2 with a public key is not tried: OpenSSL 3.0 refuses it, even
#     RFC 8410's own example; test_keyfmt checks ours against that example.)
#   - ECDSA P-256 signatures from `openssl dgst -sha256 -sign` convert to
#     r||s and back to the same bytes, and ours from r||s verify in openssl.
# Skips when openssl is absent.
. "$AVILA_ROOT/tests/support/tap.sh"
tool=$AVILA_BUILD/tests/crypto/tool_keyfmt
if ! command -v openssl >/dev/null 2>&1; then
    echo "ok 1 - openssl key format tests # SKIP openssl not installed"
    tap_done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export LC_ALL=C
echo "# $(openssl version)"

# der PEMFILE OUT: the DER of a one-block PEM file, by openssl's base64 decoder.
der() { sed '1d;$d' "$1" | openssl base64 -d -out "$2"; }
# same NAME FILE_OURS FILE_THEIRS: byte equality.
same() {
    if cmp -s "$2" "$3"; then
        pass "$1"
    else
        fail "$1" "$(od -An -tx1 "$2" | head -n 4; echo ---; od -An -tx1 "$3" | head -n 4)"
    fi
}
# readable NAME FILE(DER) THEIRS(DER) [-pubin]: openssl reads ours and prints the same fields.
readable() {
    local name=$1 ours=$2 theirs=$3 pubin=$4
    if openssl pkey $pubin -inform DER -in "$ours" -noout 2>err.txt &&
        openssl pkey $pubin -inform DER -in "$ours" -noout -text >ours.txt 2>>err.txt &&
        openssl pkey $pubin -inform DER -in "$theirs" -noout -text >theirs.txt 2>>err.txt &&
        cmp -s ours.txt theirs.txt; then
        pass "$name"
    else
        fail "$name" "$(cat err.txt; diff ours.txt theirs.txt | head -n 8)"
    fi
}

openssl genpkey -algorithm ed25519 -out ed25519.pem 2>/dev/null
openssl genpkey -algorithm x25519 -out x25519.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem 2>/dev/null
cp "$AVILA_ROOT/tests/vectors/keyfmt/rsa4096.pem" rsa4096.pem

for k in ed25519 x25519 p256 rsa2048 rsa4096; do
    der $k.pem $k.der
    openssl pkey -in $k.pem -pubout -outform DER -out $k.pub.der
    openssl pkey -in $k.pem -pubout -out $k.pub.pem

    # PKCS#8 from PEM -> DER, DER -> PEM; SPKI from the public file.
    check "$k: PKCS#8 PEM -> DER" "$tool" write pkcs8 $k.pem ours.der
    same "$k: PKCS#8 DER equals openssl genpkey's" ours.der $k.der
    readable "$k: openssl reads our PKCS#8" ours.der $k.der
    check "$k: PKCS#8 DER -> PEM" "$tool" write pkcs8 --pem $k.der ours.pem
    same "$k: PKCS#8 PEM equals openssl genpkey's" ours.pem $k.pem
    check "$k: SPKI" "$tool" write spki $k.pub.pem ours.pub.der
    same "$k: SPKI equals openssl pkey -pubout" ours.pub.der $k.pub.der
    readable "$k: openssl reads our SPKI" ours.pub.der $k.pub.der -pubin
    check "$k: SPKI PEM" "$tool" write spki --pem $k.pub.der ours.pub.pem
    same "$k: SPKI PEM equals openssl's" ours.pub.pem $k.pub.pem

    case $k in
    p256 | rsa*)
        # Public from private, and the traditional forms.
        check "$k: SPKI from the private key" "$tool" write spki $k.pem ours.pub.der
        same "$k: SPKI from the private key equals openssl's" ours.pub.der $k.pub.der
        if [ $k = p256 ]; then fmt=sec1; else fmt=rsa; fi
        openssl pkey -in $k.pem -traditional -out $k.trad.pem
        der $k.trad.pem $k.trad.der
        check "$k: $fmt from PKCS#8" "$tool" write $fmt $k.der ours.trad.der
        same "$k: $fmt DER equals openssl pkey -traditional" ours.trad.der $k.trad.der
        check "$k: $fmt PEM" "$tool" write $fmt --pem $k.pem ours.trad.pem
        same "$k: $fmt PEM equals openssl's" ours.trad.pem $k.trad.pem
        readable "$k: openssl reads our $fmt" ours.trad.der $k.der
        check "$k: PKCS#8 from $fmt" "$tool" write pkcs8 $k.trad.pem ours.der
        same "$k: PKCS#8 from $fmt equals openssl's" ours.der $k.der
        ;;
    esac
    case $k in
    rsa*)
        openssl rsa -in $k.pem -RSAPublicKey_out -outform DER -out $k.rsapub.der 2>/dev/null
        check "$k: RSAPublicKey" "$tool" write rsapub $k.pem ours.rsapub.der
        same "$k: RSAPublicKey equals openssl rsa -RSAPublicKey_out" ours.rsapub.der $k.rsapub.der
        check "$k: SPKI from RSAPublicKey" "$tool" write spki $k.rsapub.der ours.pub.der
        same "$k: SPKI from RSAPublicKey equals openssl's" ours.pub.der $k.pub.der
        ;;
    esac
done

# ECDSA signatures: DER -> r||s -> DER is the identity; ours verify in openssl.
printf 'message for ecdsa\n' >msg
for i in $(seq 1 20); do
    printf 'message %d\n' $i >msg
    openssl dgst -sha256 -sign p256.pem -out sig.der msg
    if ! rs=$("$tool" sig-rs sig.der 2>&1); then
        fail "ecdsa $i: openssl's signature converts to r||s" "$rs"
        continue
    fi
    "$tool" rs-sig "$rs" ours.sig
    if ! cmp -s ours.sig sig.der; then
        fail "ecdsa $i: r||s converts back to openssl's bytes"
    elif ! openssl dgst -sha256 -verify p256.pub.pem -signature ours.sig msg >/dev/null; then
        fail "ecdsa $i: openssl verifies ours"
    else
        pass "ecdsa $i: openssl's DER -> r||s -> DER identical and verified"
    fi
done
tap_done
