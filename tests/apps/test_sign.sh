#!/bin/bash
# avila sign against OpenBSD's signify (Debian signify-openbsd), both ways:
# keys made by either tool sign and verify with the other, with and without
# passphrases (typed at a pseudo-terminal, and piped), embedded signatures,
# byte-identical output for the same key and message, failures (tampered
# message or signature, wrong key, wrong passphrase: exit 1) and usage
# errors (exit 2).
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
vec=$AVILA_ROOT/tests/vectors/signify
if ! command -v signify-openbsd >/dev/null || ! command -v python3 >/dev/null; then
    echo "ok 1 - avila sign against signify # SKIP signify-openbsd or python3 not installed"
    echo "1..1"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cp "$vec"/* .

# ptyrun PASS... -- CMD...: runs CMD on a new pseudo-terminal, typing the
# next PASS at each "passphrase: " prompt; exits with CMD's status, or 99 if
# a typed passphrase was echoed back.
cat >ptyrun.py <<'EOF'
import os, pty, sys
sep = sys.argv.index("--")
answers, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
seen, sent = b"", 0
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    while sent < len(answers) and seen.count(b"passphrase: ") > sent:
        os.write(fd, answers[sent].encode() + b"\n")
        sent += 1
status = os.waitpid(pid, 0)[1]
if any(a.encode() in seen for a in answers):
    sys.exit(99)
sys.exit(os.waitstatus_to_exitcode(status))
EOF
tty() { python3 ptyrun.py "$@"; }

# exits NAME CODE CMD...: CMD exits with CODE
exits() {
    local name=$1 want=$2
    shift 2
    "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "exit $got, want $want: $(cat err.txt)"; fi
}

printf 'Hello, signify.\n' >msg
: >empty
head -c 100000 /dev/urandom >big

# ---------------------------------------------------------------- keys without passphrase
check "avila -G -n" "$avila" sign -G -n -p an.pub -s an.sec
check "secret key is mode 600" test "$(stat -c %a an.sec)" = 600
check "signify -G -n" signify-openbsd -G -n -p sn.pub -s sn.sec
for f in msg empty big; do
    check "[$f] avila signs, signify verifies" \
        sh -c "'$avila' sign -S -s an.sec -m $f -x $f.a.sig && signify-openbsd -V -q -p an.pub -m $f -x $f.a.sig"
    check "[$f] signify signs, avila verifies" \
        sh -c "signify-openbsd -S -s sn.sec -m $f -x $f.s.sig && '$avila' sign -V -q -p sn.pub -m $f -x $f.s.sig"
    check "[$f] avila signs with signify's key, signify verifies" \
        sh -c "'$avila' sign -S -s sn.sec -m $f -x $f.as.sig && signify-openbsd -V -q -p sn.pub -m $f -x $f.as.sig"
    check "[$f] same key, same message: the same signature file" \
        sh -c "signify-openbsd -S -s an.sec -m $f -x $f.sa.sig && cmp $f.a.sig $f.sa.sig"
done
check "default sigfile is message.sig" sh -c "'$avila' sign -S -s an.sec -m msg && signify-openbsd -V -q -p an.pub -m msg"
if [ "$("$avila" sign -V -p an.pub -m msg)" = "Signature Verified" ]; then
    pass "-V prints Signature Verified"
else
    fail "-V prints Signature Verified"
fi
if [ -z "$("$avila" sign -V -q -p an.pub -m msg)" ]; then pass "-q prints nothing"; else fail "-q prints nothing"; fi
check "comment lines as signify writes them" sh -c \
    "'$avila' sign -G -n -c 'my key' -p c1.pub -s c1.sec && signify-openbsd -G -n -c 'my key' -p c2.pub -s c2.sec &&
     [ \"\$(head -1 c1.pub)\" = \"\$(head -1 c2.pub)\" ] && [ \"\$(head -1 c1.sec)\" = \"\$(head -1 c2.sec)\" ] &&
     [ \"\$(head -1 msg.sig)\" = 'untrusted comment: verify with an.pub' ]"

# ---------------------------------------------------------------- passphrases on a terminal
check "avila -G with a passphrase typed twice, no echo" tty secret1 secret1 -- "$avila" sign -G -p ap.pub -s ap.sec
check "signify signs with avila's encrypted key (terminal)" tty secret1 -- signify-openbsd -S -s ap.sec -m msg -x msg.ap.sig
check "avila verifies it" "$avila" sign -V -q -p ap.pub -m msg -x msg.ap.sig
check "avila signs with its encrypted key (terminal)" tty secret1 -- "$avila" sign -S -s ap.sec -m msg -x msg.ap2.sig
check "same signature as signify's" cmp msg.ap.sig msg.ap2.sig
check "signify -G with a passphrase (terminal)" tty secret2 secret2 -- signify-openbsd -G -p sp.pub -s sp.sec
check "avila signs with signify's encrypted key (terminal)" tty secret2 -- "$avila" sign -S -s sp.sec -m msg -x msg.sp.sig
check "signify verifies it" signify-openbsd -V -q -p sp.pub -m msg -x msg.sp.sig
exits "wrong passphrase (terminal) exits 1" 1 tty secreT2 -- "$avila" sign -S -s sp.sec -m msg -x msg.bad.sig
exits "passphrases that differ exit 1" 1 tty one two -- "$avila" sign -G -p d.pub -s d.sec
check "... and leave no key files" test ! -e d.pub -a ! -e d.sec

# ---------------------------------------------------------------- passphrases piped (as signify)
check "avila -G with a piped passphrase" sh -c "printf 'pipe\npipe\n' | '$avila' sign -G -p pp.pub -s pp.sec"
check "signify signs with it (piped)" sh -c "printf 'pipe\n' | signify-openbsd -S -s pp.sec -m msg -x msg.pp.sig"
check "avila verifies it" "$avila" sign -V -q -p pp.pub -m msg -x msg.pp.sig
check "vector key: avila's signature is signify's, byte for byte" \
    sh -c "printf 'avila-signify-test\n' | '$avila' sign -S -s pass.sec -m message.txt -x v.sig && cmp v.sig message.txt.pass.sig"
exits "wrong piped passphrase exits 1" 1 sh -c "printf 'nope\n' | '$avila' sign -S -s pass.sec -m message.txt -x w.sig"
exits "empty passphrase exits 1" 1 sh -c "printf '\n' | '$avila' sign -S -s pass.sec -m message.txt -x w.sig"

# ---------------------------------------------------------------- embedded signatures
check "avila -S -e, signify -V -e" sh -c \
    "'$avila' sign -S -e -s an.sec -m msg -x msg.ae && signify-openbsd -V -e -q -p an.pub -x msg.ae -m out.ae && cmp out.ae msg"
check "signify -S -e, avila -V -e" sh -c \
    "signify-openbsd -S -e -s sn.sec -m big -x big.se && '$avila' sign -V -e -q -p sn.pub -x big.se -m out.se && cmp out.se big"
check "embedded files are identical" sh -c "signify-openbsd -S -e -s an.sec -m msg -x msg.se2 && cmp msg.ae msg.se2"
check "vector embedded file" sh -c "'$avila' sign -V -e -q -p pass.pub -x message.txt.esig -m out.v && cmp out.v message.txt"
check "-V -e -m - writes the message to standard output" sh -c \
    "'$avila' sign -V -e -q -p an.pub -x msg.ae -m - | cmp - msg"
cp msg.ae tampered.ae && printf 'x' >>tampered.ae
exits "tampered embedded message exits 1" 1 "$avila" sign -V -e -p an.pub -x tampered.ae -m out.t
check "... and writes no message" test ! -e out.t

# ---------------------------------------------------------------- failures
cp msg msg2 && printf '!' >>msg2
exits "tampered message exits 1" 1 "$avila" sign -V -p an.pub -m msg2 -x msg.a.sig
# Change one base64 character in the signature's second half (not the keynum).
python3 -c 'import sys
l = open(sys.argv[1]).read().split("\n")
l[1] = l[1][:60] + ("A" if l[1][60] != "A" else "B") + l[1][61:]
open(sys.argv[2], "w").write("\n".join(l))' msg.a.sig bad.sig
exits "tampered signature exits 1" 1 "$avila" sign -V -p an.pub -m msg -x bad.sig
exits "signify agrees it is bad" 1 signify-openbsd -V -p an.pub -m msg -x bad.sig
exits "wrong key exits 1" 1 "$avila" sign -V -p sn.pub -m msg -x msg.a.sig
check "... saying so" grep -q "wrong key" err.txt
exits "missing signature file exits 1" 1 "$avila" sign -V -p an.pub -m msg -x nonexistent.sig
printf 'untrusted comment: x\nnot base64\n' >junk.pub
exits "malformed public key exits 1" 1 "$avila" sign -V -p junk.pub -m msg -x msg.a.sig
cp an.pub keep.pub
mkdir other
exits "existing public key is not overwritten (exit 1)" 1 "$avila" sign -G -n -p an.pub -s other/an.sec
exits "existing secret key is not overwritten (exit 1)" 1 "$avila" sign -G -n -p other/an.pub -s an.sec
check "... they are unchanged, nothing else created" sh -c "cmp an.pub keep.pub && [ -z \"\$(ls other)\" ]"

# ---------------------------------------------------------------- usage
exits "--help exits 0" 0 "$avila" sign --help
exits "no mode exits 2" 2 "$avila" sign -p an.pub -m msg
exits "two modes exit 2" 2 "$avila" sign -S -V -p an.pub -s an.sec -m msg
exits "-G without -s exits 2" 2 "$avila" sign -G -p x.pub
exits "-G with mismatched names exits 2" 2 "$avila" sign -G -n -p x.pub -s y.sec
exits "-G with other suffixes exits 2" 2 "$avila" sign -G -n -p x.key -s x.sec
exits "-S with a key not named .sec exits 2" 2 sh -c "cp an.sec an.key && '$avila' sign -S -s an.key -m msg"
exits "-S without -m exits 2" 2 "$avila" sign -S -s an.sec
exits "-V without -p exits 2" 2 "$avila" sign -V -m msg
exits "-c with -S exits 2" 2 "$avila" sign -S -c c -s an.sec -m msg
exits "unknown option exits 2" 2 "$avila" sign -V -z -p an.pub -m msg
exits "extra argument exits 2" 2 "$avila" sign -V -p an.pub -m msg extra
exits "standard input message without -x exits 2" 2 "$avila" sign -V -p an.pub -m -
exits "comment too long exits 2" 2 "$avila" sign -G -n -c "$(head -c 1013 /dev/zero | tr '\0' c)" -p l.pub -s l.sec
check "longest comment signify takes is taken" \
    "$avila" sign -G -n -c "$(head -c 1012 /dev/zero | tr '\0' c)" -p l.pub -s l.sec
tap_done
