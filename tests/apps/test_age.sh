#!/bin/bash
# avila age / avila age-keygen against Debian's age and age-keygen: files go
# both ways (X25519 recipients, -R files, armor, passphrases typed into a
# pseudo-terminal), keys from either keygen work with either tool, damaged
# files fail with exit status 1 and never release unauthenticated bytes, and
# a 200 MB stream runs through pipes in bounded memory.
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
    echo "ok 1 - age interop # SKIP Debian age not installed"
    tap_done
fi

# ttyrun PASSPHRASE CMD...: runs CMD with a pseudo-terminal as its controlling
# terminal and types PASSPHRASE at every "...passphrase...:" prompt.
cat >ttyrun.py <<'EOF'
import os, pty, sys
pw = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen = b""
while True:
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    seen += d
    while b"assphrase" in seen and b":" in seen.split(b"assphrase", 1)[1]:
        os.write(fd, pw)
        seen = seen.split(b"assphrase", 1)[1].split(b":", 1)[1]
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
EOF
ttyrun() { python3 ttyrun.py "$@" >/dev/null 2>&1; }

# ---------------------------------------------------------------- keys
"$avila" age-keygen -o ours.key 2>/dev/null
age-keygen -o theirs.key 2>/dev/null
ours=$("$avila" age-keygen -y ours.key)
theirs=$(age-keygen -y theirs.key)
if grep -Eq '^# created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$' ours.key &&
    grep -qx "# public key: $ours" ours.key && grep -Eqx 'AGE-SECRET-KEY-1[0-9A-Z]{58}' ours.key &&
    [ "$(wc -l <ours.key)" = 3 ] && [ "$(stat -c %a ours.key)" = 600 ]; then
    pass "age-keygen: format and mode 0600"
else
    fail "age-keygen: format and mode 0600" "$(cat ours.key; stat -c %a ours.key)"
fi
check_fails "age-keygen -o refuses an existing file" "$avila" age-keygen -o ours.key
[ "$(age-keygen -y ours.key)" = "$ours" ] && pass "age-keygen -y agrees on our key" ||
    fail "age-keygen -y agrees on our key"
[ "$("$avila" age-keygen -y theirs.key)" = "$theirs" ] && pass "avila age-keygen -y agrees on theirs" ||
    fail "avila age-keygen -y agrees on theirs"
[ "$("$avila" age-keygen -y <theirs.key)" = "$theirs" ] && pass "age-keygen -y from standard input" ||
    fail "age-keygen -y from standard input"
cat ours.key theirs.key >both.key
printf '%s\n%s\n' "$ours" "$theirs" >both.txt
cmp -s both.txt <("$avila" age-keygen -y both.key) && pass "age-keygen -y, two identities" ||
    fail "age-keygen -y, two identities"

# ---------------------------------------------------------------- both directions
head -c 300000 /dev/urandom >rand
for n in 0 1 65535 65536 65537 131072 300000; do head -c $n rand >in$n; done
ok_to=1 ok_from=1 ok_armor=1
for n in 0 1 65535 65536 65537 131072 300000; do
    "$avila" age -r "$theirs" -o c$n in$n && age -d -i theirs.key c$n | cmp -s - in$n || ok_to=0
    age -r "$ours" in$n | "$avila" age -d -i ours.key | cmp -s - in$n || ok_from=0
    "$avila" age -a -r "$theirs" in$n | age -d -i theirs.key | cmp -s - in$n || ok_armor=0
    age -a -r "$ours" in$n | "$avila" age -d -i ours.key | cmp -s - in$n || ok_armor=0
done
[ $ok_to = 1 ] && pass "avila age -r -> age -d (0 B .. 300 kB, chunk edges)" || fail "avila age -r -> age -d"
[ $ok_from = 1 ] && pass "age -r -> avila age -d (0 B .. 300 kB, chunk edges)" || fail "age -r -> avila age -d"
[ $ok_armor = 1 ] && pass "-a armor both ways" || fail "-a armor both ways"
# Size: one 16-byte tag per 64 KiB chunk, none extra when the payload fills the last chunk.
hdr=$(($(stat -c %s c0) - 16))
[ $(($(stat -c %s c65536) - hdr)) = $((65536 + 16)) ] && [ $(($(stat -c %s c65537) - hdr)) = $((65537 + 32)) ] &&
    pass "chunking: 64 KiB = 1 chunk, 64 KiB + 1 = 2" || fail "chunking sizes"

# Several recipients: -r and -R, with comments and blank lines in the file.
printf '# recipients\n\n%s\n' "$theirs" >rcpts.txt
"$avila" age -r "$ours" -R rcpts.txt -o multi in65537
age -d -i theirs.key multi | cmp -s - in65537 && "$avila" age -d -i ours.key multi | cmp -s - in65537 &&
    pass "two recipients (-r and -R): each identity opens it" || fail "two recipients"
age -r "$ours" -r "$theirs" in1 | "$avila" age -d -i both.key | cmp -s - in1 &&
    pass "identity file with two keys" || fail "identity file with two keys"
age -r "$theirs" in1 >wrong.age
check_fails "wrong identity fails" "$avila" age -d -i ours.key wrong.age
"$avila" age -d -i ours.key wrong.age 2>&1 | grep -q 'no identity matched' && pass "wrong identity: message" ||
    fail "wrong identity: message"

# ---------------------------------------------------------------- passphrases (pseudo-terminal)
AVILA_AGE_SCRYPT_LOG_N=10 ttyrun 'correct horse' "$avila" age -p -o pw.age in65537
grep -q '^-> scrypt [A-Za-z0-9+/]* 10$' pw.age && pass "avila age -p: scrypt stanza, work factor 2^10" ||
    fail "avila age -p: scrypt stanza" "$(head -c 200 pw.age | cat -v)"
ttyrun 'correct horse' age -d -o pw.out pw.age && cmp -s pw.out in65537 &&
    pass "avila age -p -> age -d (passphrase typed on a tty)" || fail "avila age -p -> age -d"
rm -f pw.out
ttyrun 'correct horse' "$avila" age -d -o pw.out pw.age && cmp -s pw.out in65537 &&
    pass "avila age -p -> avila age -d" || fail "avila age -p -> avila age -d"
rm -f pw.out
if ttyrun 'wrong horse' "$avila" age -d -o pw.out pw.age || [ -e pw.out ]; then
    fail "wrong passphrase fails, no output"
else
    pass "wrong passphrase fails, no output"
fi
ttyrun 'battery staple' age -p -a -o agepw.age in65537
ttyrun 'battery staple' "$avila" age -d -o agepw.out agepw.age && cmp -s agepw.out in65537 &&
    pass "age -p -a (work factor 2^18) -> avila age -d" || fail "age -p -a -> avila age -d"

# ---------------------------------------------------------------- damage
"$avila" age -r "$ours" -o three in300000 # 5 chunks
flip() { # flip FILE OFFSET OUT
    cp "$1" "$3"
    printf "$(printf '\\x%02x' $(($(od -An -tu1 -j"$2" -N1 "$1") ^ 1)))" |
        dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}
size=$(stat -c %s three)
hdr=$((size - 300000 - 5 * 16 - 16))
flip three $((hdr + 16 + 65536 + 100)) bad2 # inside chunk 2
"$avila" age -d -i ours.key bad2 >bad2.out 2>bad2.err
rc=$?
[ $rc = 1 ] && [ "$(stat -c %s bad2.out)" = 65536 ] && cmp -s bad2.out <(head -c 65536 in300000) &&
    grep -q 'incomplete' bad2.err && pass "tampered chunk 2, stdout: exit 1, only chunk 1 written, said so" ||
    fail "tampered chunk 2, stdout" "rc=$rc size=$(stat -c %s bad2.out) $(cat bad2.err)"
echo keep >out.txt
check_fails "tampered chunk 2, -o: fails" "$avila" age -d -i ours.key -o out.txt bad2
[ "$(cat out.txt)" = keep ] && [ -z "$(ls out.txt.tmp* 2>/dev/null)" ] &&
    pass "tampered, -o: existing output untouched, no temporary left" || fail "tampered, -o: output untouched"
check_fails "tampered, -o new file: fails" "$avila" age -d -i ours.key -o new.out bad2
[ ! -e new.out ] && pass "tampered, -o: no output file" || fail "tampered, -o: no output file"
head -c $((hdr + 16 + 2 * 65552)) three >trunc_boundary # cut at a chunk boundary
head -c $((size - 1)) three >trunc_last                 # last byte missing
head -c $((hdr + 10)) three >trunc_nonce                # inside the nonce
head -c $((hdr - 5)) three >trunc_header                # inside the header
{ cat three; printf x; } >trailing
flip three 30 bad_header
ok=1
for f in trunc_boundary trunc_last trunc_nonce trunc_header trailing bad_header; do
    "$avila" age -d -i ours.key "$f" >"$f.out" 2>/dev/null
    rc=$?
    [ $rc = 1 ] || { ok=0; echo "# $f: exit $rc"; }
    cmp -s "$f.out" <(head -c "$(stat -c %s "$f.out")" in300000) || { ok=0; echo "# $f: output not a prefix"; }
    [ $(($(stat -c %s "$f.out") % 65536)) = 0 ] || { ok=0; echo "# $f: partial chunk released"; }
done
[ $ok = 1 ] && pass "truncated (boundary, last byte, nonce, header), trailing data, altered header: exit 1, whole chunks only" ||
    fail "truncation/trailing/header damage"
[ "$(stat -c %s trunc_boundary.out)" = $((2 * 65536)) ] && pass "cut at a chunk boundary: chunks before it, then error" ||
    fail "cut at a chunk boundary"
age -d -i ours.key bad2 >/dev/null 2>&1 && fail "Debian age accepts our tampered file" ||
    pass "Debian age also rejects the tampered file"
# Armor strictness: trailing spaces on a line, and garbage after the END line.
"$avila" age -a -r "$ours" in1 >arm.txt
sed '2s/$/ /' arm.txt >arm_space.txt
{ cat arm.txt; echo junk; } >arm_junk.txt
check_fails "armor with trailing space fails" "$avila" age -d -i ours.key arm_space.txt
check_fails "armor with data after END fails" "$avila" age -d -i ours.key arm_junk.txt
{ printf '\n \t\n'; cat arm.txt; printf '\n\n'; } >arm_ws.txt
check "armor with whitespace around it decrypts" "$avila" age -d -i ours.key -o arm_ws.out arm_ws.txt

# ---------------------------------------------------------------- usage
usage_rc() { "$@" >/dev/null 2>&1; echo $?; }
[ "$(usage_rc "$avila" age in1)" = 2 ] && [ "$(usage_rc "$avila" age -d -r "$ours" c1)" = 2 ] &&
    [ "$(usage_rc "$avila" age -p -r "$ours" in1)" = 2 ] && [ "$(usage_rc "$avila" age --bogus)" = 2 ] &&
    [ "$(usage_rc "$avila" age -r "$ours" in1 in1)" = 2 ] && [ "$(usage_rc "$avila" age-keygen x)" = 2 ] &&
    pass "usage errors exit 2" || fail "usage errors exit 2"
[ "$(usage_rc "$avila" age -r age1notakey in1)" = 1 ] && pass "bad recipient exits 1" || fail "bad recipient exits 1"
check "age --help" "$avila" age --help
check "age-keygen --help" "$avila" age-keygen --help

# ---------------------------------------------------------------- 200 MB through pipes
# Bounded memory: under 16 MiB, or 64 MiB in sanitizer builds (shadow memory, quarantine).
limit=16384
case "${AVILA_XLDFLAGS:-}" in *-fsanitize*) limit=65536 ;; esac
if [ -x /usr/bin/time ]; then
    head -c 200000000 /dev/zero | /usr/bin/time -o enc.rss -f %M "$avila" age -r "$ours" |
        /usr/bin/time -o dec.rss -f %M "$avila" age -d -i ours.key | cmp -s - <(head -c 200000000 /dev/zero)
    rc=$?
    enc=$(tail -1 enc.rss) dec=$(tail -1 dec.rss)
    if [ $rc = 0 ] && [ "$enc" -lt $limit ] && [ "$dec" -lt $limit ]; then
        pass "200 MB through pipes, max RSS encrypt $enc KiB, decrypt $dec KiB"
    else
        fail "200 MB through pipes" "cmp=$rc rss: encrypt $enc KiB, decrypt $dec KiB"
    fi
else
    echo "ok $((tap_n + 1)) - 200 MB stream # SKIP /usr/bin/time missing"
    tap_n=$((tap_n + 1))
fi
tap_done
