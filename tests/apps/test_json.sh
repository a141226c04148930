#!/bin/bash
# avila json fmt / check / get / canon: output compared with python3's json
# module (pretty and compact forms match json.dumps byte for byte), RFC 8785's
# own canonicalization example, RFC 6901's pointer example, check's
# FILE:LINE:COLUMN lines and exit codes (0 valid, 1 invalid or not found,
# 2 usage), standard input, and the parse options.
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

printf '{"b": [1, 2.5, -0.0, 1e400, 18446744073709551615, "x\\u00e9\\ud83d\\ude00"], "a": {"": null, "t": true}}' >doc.json

# ------------------------------------------------------------------ fmt
if command -v python3 >/dev/null; then
    for f in "$AVILA_ROOT"/../shared/data/json/twitter.json "$AVILA_ROOT"/../shared/data/json/citm_catalog.json; do
        [ -f "$f" ] || continue
        b=$(basename "$f")
        python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), indent=2, ensure_ascii=False))' "$f" >want.json
        "$avila" json fmt "$f" >got.json
        cmp -s want.json got.json && pass "fmt $b matches python json.dumps(indent=2)" ||
            fail "fmt $b matches python json.dumps(indent=2)" "$(diff want.json got.json | head -5)"
        python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":"), ensure_ascii=True))' "$f" >want.json
        "$avila" json fmt --compact --ascii "$f" >got.json
        cmp -s want.json got.json && pass "fmt --compact --ascii $b matches python" ||
            fail "fmt --compact --ascii $b matches python" "$(diff want.json got.json | head -5)"
    done
fi
check_output "fmt --compact keeps big numbers' text" \
    '{"b":[1,2.5,0,1e400,18446744073709551615,"xé😀"],"a":{"":null,"t":true}}' \
    "$avila" json fmt --compact doc.json
check_output "fmt reads standard input" '[1,{}]' sh -c "printf ' [1 , {} ] ' | '$avila' json fmt --compact"
check_output "fmt --indent 1" "$(printf '[\n 1,\n []\n]')" sh -c "echo '[1,[]]' | '$avila' json fmt --indent 1"
check_exit "fmt: invalid JSON exits 1" 1 sh -c "echo '[1,]' | '$avila' json fmt"
grep -q '^avila json: -:1:4: ' err.txt && pass "fmt: the error names the position" ||
    fail "fmt: the error names the position" "$(cat err.txt)"
check_output "fmt --trailing-commas --comments" '[1]' \
    sh -c "printf '[1, // one\n]' | '$avila' json fmt --compact --trailing-commas --comments"
check_exit "fmt: duplicate keys rejected by default" 1 sh -c "echo '{\"a\":1,\"a\":2}' | '$avila' json fmt"
check_output "fmt --dup-keys last" '{"a":2}' sh -c "echo '{\"a\":1,\"a\":2}' | '$avila' json fmt --compact --dup-keys last"
check_output "fmt --bom" '1' sh -c "printf '\357\273\2771' | '$avila' json fmt --bom"
check_exit "fmt: a BOM is refused by default" 1 sh -c "printf '\357\273\2771' | '$avila' json fmt"
check_exit "fmt --max-depth 2 refuses depth 3" 1 sh -c "echo '[[[]]]' | '$avila' json fmt --max-depth 2"

# ------------------------------------------------------------------ check
printf '{"a": 1}' >good.json
printf '{"a": 1,\n  "b": tru}' >bad.json
printf '["\xc3\x28"]' >badutf8.json
check_exit "check: all valid exits 0" 0 "$avila" json check good.json doc.json
check_exit "check: one invalid exits 1" 1 "$avila" json check good.json bad.json badutf8.json
grep -qx 'bad.json:2:11: invalid literal' out.txt && grep -q '^badutf8.json:1:' out.txt &&
    [ "$(wc -l <out.txt)" = 2 ] && pass "check: one FILE:LINE:COLUMN line per invalid file" ||
    fail "check: one FILE:LINE:COLUMN line per invalid file" "$(cat out.txt)"
check_exit "check: a missing file exits 1" 1 "$avila" json check nosuch.json
grep -q '^avila json: nosuch.json' err.txt && pass "check: a missing file is reported on stderr" ||
    fail "check: a missing file is reported on stderr" "$(cat err.txt)"
check_exit "check reads standard input" 0 sh -c "echo '\"x\"' | '$avila' json check"

# ------------------------------------------------------------------ get (RFC 6901 section 5)
cat >rfc6901.json <<'EOF'
{
   "foo": ["bar", "baz"],
   "": 0,
   "a/b": 1,
   "c%d": 2,
   "e^f": 3,
   "g|h": 4,
   "i\\j": 5,
   "k\"l": 6,
   " ": 7,
   "m~n": 8
}
EOF
check_output "get \"\" is the whole document" "$("$avila" json fmt --compact rfc6901.json)" \
    "$avila" json get --compact "" rfc6901.json
check_output "get /foo" '["bar","baz"]' "$avila" json get --compact /foo rfc6901.json
check_output "get /foo/0" '"bar"' "$avila" json get /foo/0 rfc6901.json
n=0
for p in / /a~1b /c%d /e^f /g\|h '/i\j' '/k"l' '/ ' /m~0n; do
    [ "$("$avila" json get "$p" rfc6901.json)" = "$n" ] || fail "get $p" "$("$avila" json get "$p" rfc6901.json 2>&1)"
    n=$((n + 1))
done
[ $n = 9 ] && pass "get: RFC 6901's nine member pointers"
check_output "get --raw prints a string's bytes" 'baz' "$avila" json get --raw /foo/1 rfc6901.json
check_exit "get: a missing member exits 1" 1 "$avila" json get /nope rfc6901.json
check_exit "get: /foo/2 (past the end) exits 1" 1 "$avila" json get /foo/2 rfc6901.json
check_exit "get: /foo/- exits 1" 1 "$avila" json get /foo/- rfc6901.json
check_exit "get: a malformed pointer is a usage error" 2 "$avila" json get foo rfc6901.json

# ------------------------------------------------------------------ canon (RFC 8785 section 3.2.2 and 3.2.3)
cat >jcs.json <<'EOF'
{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}
EOF
check_output "canon: RFC 8785 section 3.2.2's example" \
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'"'"'B\"\\\\\"/"}' \
    "$avila" json canon jcs.json
printf '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}' >sort.json
check_output "canon: RFC 8785 section 3.2.3's sorting example" \
    "$(printf '{"\\r":"Carriage Return","1":"One","\302\200":"Control","\303\266":"Latin Small Letter O With Diaeresis","\342\202\254":"Euro Sign","\360\237\230\200":"Emoji: Grinning Face","\357\254\263":"Hebrew Letter Dalet With Dagesh"}')" \
    "$avila" json canon sort.json
check_exit "canon: a number beyond the double range exits 1" 1 sh -c "echo '[1e400]' | '$avila' json canon"

# ------------------------------------------------------------------ usage
check_exit "no subcommand is a usage error" 2 "$avila" json
check_exit "an unknown subcommand is a usage error" 2 "$avila" json frobnicate
check_exit "an unknown option is a usage error" 2 "$avila" json fmt --frob
check_exit "--indent 17 is a usage error" 2 "$avila" json fmt --indent 17 doc.json
check_exit "--raw outside get is a usage error" 2 "$avila" json fmt --raw doc.json
check_exit "--help exits 0" 0 "$avila" json --help
grep -q '^usage: avila json fmt' out.txt && pass "--help prints the usage" || fail "--help prints the usage"
tap_done
