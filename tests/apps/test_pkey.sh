#!/bin/bash
# avila pkey against the openssl CLI, both ways, for Ed25519, X25519, P-256
# and RSA (2048, and 3072/4096 made by openssl): keys made by either load in
# the other (PKCS#8 and SPKI PEM byte for byte as `openssl pkey` rewrites
# them; SEC1, PKCS#1 and DER forms read); signatures made by either verify
# with the other for every digest, PKCS#1 v1.5 and PSS (RSA PKCS#1 v1.5 and
# Ed25519 signatures are deterministic: equal bytes); damaged signatures,
# wrong keys, mismatched key halves and corrupt key files exit 1; bad
# invocations exit 2.
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

if ! command -v openssl >/dev/null; then
    echo "ok 1 - openssl interop # SKIP openssl not installed"
    tap_done
fi
echo "# $(openssl version)"
head -c 10000 /dev/urandom >msg

# status WANT NAME CMD...: CMD must exit with status WANT.
status() {
    want=$1 name=$2
    shift 2
    out=$("$@" 2>&1)
    got=$?
    if [ "$got" -eq "$want" ]; then pass "$name"; else fail "$name (exit $got, want $want)" "$out"; fi
}

# ---------------------------------------------------------------- keys
for t in ed25519 x25519 p256 rsa2048; do
    check "gen $t" "$avila" pkey gen $t -o ours-$t.pem
    check "openssl reads our $t key unchanged" cmp <(openssl pkey -in ours-$t.pem) ours-$t.pem
    check "pub $t equals openssl's -pubout" \
        cmp <("$avila" pkey pub -in ours-$t.pem) <(openssl pkey -in ours-$t.pem -pubout)
done
mode=$(stat -c %a ours-ed25519.pem)
[ "$mode" = 600 ] && pass "private keys are written with mode 0600" || fail "mode 0600" "$mode"
echo old >readable.pem && chmod 644 readable.pem && "$avila" pkey gen ed25519 -o readable.pem
mode=$(stat -c %a readable.pem)
[ "$mode" = 600 ] && pass "a private key written over a readable file makes it 0600" ||
    fail "existing file made 0600" "$mode"

openssl genpkey -algorithm ed25519 -out ossl-ed25519.pem 2>/dev/null
openssl genpkey -algorithm x25519 -out ossl-x25519.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ossl-p256.pem 2>/dev/null
for bits in 2048 3072 4096; do
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out ossl-rsa$bits.pem 2>/dev/null
done
for t in ed25519 x25519 p256 rsa2048 rsa3072 rsa4096; do
    check "openssl $t key: our pub equals openssl's" \
        cmp <("$avila" pkey pub -in ossl-$t.pem) <(openssl pkey -in ossl-$t.pem -pubout)
    openssl pkey -in ossl-$t.pem -pubout -out ossl-$t.pub
    openssl pkey -in ossl-$t.pem -outform DER -out ossl-$t.der
    check "openssl $t key as DER" cmp <("$avila" pkey pub -in ossl-$t.der) ossl-$t.pub
    check "openssl $t public key as input to pub" cmp <("$avila" pkey pub -in ossl-$t.pub) ossl-$t.pub
done
openssl pkey -in ossl-p256.pem -traditional -out sec1.pem
openssl ec -in ossl-p256.pem -conv_form compressed -out sec1c.pem 2>/dev/null
openssl pkey -in ossl-rsa2048.pem -traditional -out pkcs1.pem
openssl rsa -in ossl-rsa2048.pem -RSAPublicKey_out -out pkcs1pub.pem 2>/dev/null
check "SEC1 EC PRIVATE KEY read" cmp <("$avila" pkey pub -in sec1.pem) ossl-p256.pub
check "SEC1 with a compressed public key read" cmp <("$avila" pkey pub -in sec1c.pem) ossl-p256.pub
check "PKCS#1 RSA PRIVATE KEY read" cmp <("$avila" pkey pub -in pkcs1.pem) ossl-rsa2048.pub
check "PKCS#1 RSA PUBLIC KEY read" cmp <("$avila" pkey pub -in pkcs1pub.pem) ossl-rsa2048.pub

# ---------------------------------------------------------------- signatures
for t in p256 rsa2048 rsa3072; do
    [ -f ours-$t.pem ] && keys="ours-$t ossl-$t" || keys="ossl-$t"
    for k in $keys; do
        openssl pkey -in $k.pem -pubout -out $k.pub
        for a in sha256 sha384 sha512; do
            "$avila" pkey sign -k $k.pem -a $a -o sig msg
            check "$k $a: openssl verifies ours" openssl dgst -$a -verify $k.pub -signature sig msg
            openssl dgst -$a -sign $k.pem -out osig msg
            check "$k $a: we verify openssl's" "$avila" pkey verify -k $k.pub -s osig -a $a msg
            case $t in rsa*)
                check "$k $a: PKCS#1 v1.5 signatures equal" cmp sig osig
                "$avila" pkey sign -k $k.pem -a $a --pss msg >pss
                check "$k $a PSS: openssl verifies ours" openssl dgst -$a -verify $k.pub \
                    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -signature pss msg
                openssl dgst -$a -sign $k.pem -sigopt rsa_padding_mode:pss \
                    -sigopt rsa_pss_saltlen:digest -out opss msg
                check "$k $a PSS: we verify openssl's" "$avila" pkey verify -k $k.pem -s opss -a $a --pss msg
                status 1 "$k $a: PSS signature refused as PKCS#1 v1.5" "$avila" pkey verify -k $k.pub -s opss -a $a msg
                ;;
            esac
        done
    done
done
for k in ours-ed25519 ossl-ed25519; do
    openssl pkey -in $k.pem -pubout -out $k.pub
    "$avila" pkey sign -k $k.pem -o sig msg
    openssl pkeyutl -sign -inkey $k.pem -rawin -in msg -out osig
    check "$k: signatures equal openssl pkeyutl's" cmp sig osig
    check "$k: openssl verifies ours" openssl pkeyutl -verify -pubin -inkey $k.pub -rawin -in msg -sigfile sig
    check "$k: we verify openssl's" "$avila" pkey verify -k $k.pub -s osig msg
done
check "message from standard input" sh -c "'$avila' pkey sign -k ossl-p256.pem <msg >sig && '$avila' pkey verify -k ossl-p256.pub -s sig <msg"

# ---------------------------------------------------------------- refusals
"$avila" pkey sign -k ossl-p256.pem msg >sig
cp msg msg2 && printf x >>msg2
status 1 "changed message fails" "$avila" pkey verify -k ossl-p256.pub -s sig msg2
status 1 "another key fails" "$avila" pkey verify -k ours-p256.pem -s sig msg
status 1 "wrong digest fails" "$avila" pkey verify -k ossl-p256.pub -s sig -a sha384 msg
printf '\x30\x06\x02\x01\x01\x02\x01\x01' >tiny
status 1 "r = s = 1 fails" "$avila" pkey verify -k ossl-p256.pub -s tiny msg
head -c -1 sig >cut # DER signatures are 70 to 72 bytes: drop the last one
status 1 "truncated DER signature fails" "$avila" pkey verify -k ossl-p256.pub -s cut msg
"$avila" pkey sign -k ossl-rsa2048.pem msg >rsig
printf '\0' | cat - rsig >longer
status 1 "RSA signature with a leading zero byte fails" "$avila" pkey verify -k ossl-rsa2048.pub -s longer msg
status 1 "X25519 cannot sign" "$avila" pkey sign -k ours-x25519.pem msg
status 1 "a public key cannot sign" "$avila" pkey sign -k ossl-p256.pub msg
# A P-256 key whose stored public key belongs to another key.
python3 - ossl-p256.der ours-p256.pem mixed.der <<'EOF'
import base64, sys
a = open(sys.argv[1], "rb").read()
b = base64.b64decode("".join(l for l in open(sys.argv[2]).read().splitlines() if not l.startswith("-----")))
# The last 65 bytes of both PKCS#8 files are the uncompressed public point.
open(sys.argv[3], "wb").write(a[:-65] + b[-65:])
EOF
status 1 "mismatched private and public halves refused" "$avila" pkey pub -in mixed.der
sed '2s/./A/5' ossl-rsa2048.pem >corrupt.pem
status 1 "corrupted PEM refused" "$avila" pkey pub -in corrupt.pem
# One byte of the first prime changed: the DER is fine, the numbers disagree.
python3 - ossl-rsa2048.pem corrupt.der <<'EOF'
import sys, subprocess
der = bytearray(subprocess.run(["openssl", "pkey", "-in", sys.argv[1], "-outform", "DER"],
                               capture_output=True, check=True).stdout)
der[len(der) * 5 // 8] ^= 0x10
open(sys.argv[2], "wb").write(der)
EOF
out=$("$avila" pkey pub -in corrupt.der 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "invalid RSA key" && pass "inconsistent RSA key refused" ||
    fail "inconsistent RSA key refused" "$out"
printf 'not a key\n' >junk
status 1 "junk key file refused" "$avila" pkey pub -in junk
status 1 "missing key file" "$avila" pkey pub -in nonexistent
status 2 "unknown key type" "$avila" pkey gen dsa
status 2 "unknown subcommand" "$avila" pkey frob
status 2 "sign without -k" "$avila" pkey sign msg
status 2 "verify without -s" "$avila" pkey verify -k ossl-p256.pub msg
status 2 "unknown digest" "$avila" pkey sign -k ossl-p256.pem -a md5 msg
status 2 "--pss with P-256" "$avila" pkey sign -k ossl-p256.pem --pss msg
status 2 "-a with Ed25519" "$avila" pkey sign -k ours-ed25519.pem -a sha512 msg
status 0 "--help" "$avila" pkey --help
tap_done
