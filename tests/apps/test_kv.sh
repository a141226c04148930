#!/bin/bash
# avila kv: put/get/del/del-range, scan with --prefix/--from/--limit, dump |
# load round trips (text escapes and --hex, 20,000 keys against sort(1)),
# get's exit 1 for an absent key, stats' NAME VALUE lines, compact, check
# passing on a good store and failing (exit 1) on a table with a flipped
# byte, usage errors (exit 2), a store that does not exist, and a store held
# by another process (the crash test's writer).
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# ------------------------------------------------------------------ writes and reads
check "put" "$avila" kv db put apple red
check "put again" "$avila" kv db put banana yellow
check "put a third" "$avila" kv db put cherry dark
check_output "get" "red" "$avila" kv db get apple
check "put overwrites" "$avila" kv db put apple green
check_output "get the new value" "green" "$avila" kv db get apple
check "del" "$avila" kv db del banana
check_exit "get of a deleted key exits 1" 1 "$avila" kv db get banana
[ -s out.txt ] && fail "an absent key prints nothing" "$(cat out.txt)" || pass "an absent key prints nothing"
check_exit "get of a key never written exits 1" 1 "$avila" kv db get zebra
check_output "scan" $'apple\tgreen\ncherry\tdark' "$avila" kv db scan
check "del-range" "$avila" kv db del-range b d
check_output "del-range removed [b, d)" $'apple\tgreen' "$avila" kv db scan
check_exit "a backward range is a usage error" 2 "$avila" kv db del-range d b

# escapes: tab, newline, backslash and a control byte survive put, get and dump/load
check "put with escapes" "$avila" kv db put 'k\tx' 'line1\nline2\\\x01'
check_output "get with escapes" 'line1\nline2\\\x01' "$avila" kv db get 'k\tx'
check_exit "a bad escape is a usage error" 2 "$avila" kv db put 'a\q' v
check "put --hex" "$avila" kv --hex db put 00ff 0a0b
check_output "get --hex" "0a0b" "$avila" kv --hex db get 00ff
check_output "get the hex key as text" '\n\x0b' "$avila" kv db get '\x00\xff'

# ------------------------------------------------------------------ load, dump, scan
for i in $(seq 1 20000); do printf 'key%05d\tvalue %d\n' "$i" "$i"; done >in.txt
check "load 20,000 lines" "$avila" kv big load in.txt
"$avila" kv big dump >dump.txt
if cmp -s dump.txt <(sort in.txt); then pass "dump equals the loaded lines, sorted"; else fail "dump equals the loaded lines, sorted"; fi
check "load from standard input (--no-sync)" sh -c "printf 'zz\\tlast\\n' | '$avila' kv --no-sync big load -"
check_output "the line from standard input" "last" "$avila" kv big get zz
check_output "scan --prefix --limit" $'key00010\tvalue 10\nkey00011\tvalue 11' "$avila" kv big scan --prefix key0001 --limit 2
check_output "scan --from --limit" $'key19999\tvalue 19999\nkey20000\tvalue 20000\nzz\tlast' "$avila" kv big scan --from key19999
"$avila" kv --hex big dump >hex.txt
check "a hex dump loads into a new store" "$avila" kv --hex copy load hex.txt
if cmp -s <("$avila" kv copy dump) <("$avila" kv big dump); then pass "the copy dumps the same"; else fail "the copy dumps the same"; fi
printf 'no tab here\n' >bad.txt
check_exit "a line without a TAB fails" 1 "$avila" kv big load bad.txt
grep -q "line 1" err.txt && pass "the error names the line" || fail "the error names the line" "$(cat err.txt)"

# ------------------------------------------------------------------ compact, stats, check
check "del-range half" "$avila" kv big del-range key00001 key10001
check "compact with two compaction threads" "$avila" kv --compaction-threads 2 big compact
check_output "10,001 keys left" "10001" sh -c "'$avila' kv big dump | wc -l"
"$avila" kv big stats >stats.txt
if grep -qx 'live_keys 10001' stats.txt && grep -q '^level\.[0-6]\.files [0-9]*$' stats.txt &&
    grep -q '^space_amp [0-9.]*$' stats.txt; then pass "stats"; else fail "stats" "$(cat stats.txt)"; fi
check "check a good store" "$avila" kv big check
sst=$(ls big/*.sst | head -n 1)
size=$(stat -c %s "$sst")
printf '\xa5' | dd of="$sst" bs=1 seek=$((size / 3)) conv=notrunc status=none
check_exit "check finds a flipped byte" 1 "$avila" kv big check
check_exit "a read of the damaged table fails, not wrong data" 1 "$avila" kv big dump
grep -q "avila kv:" err.txt && pass "the damage is reported" || fail "the damage is reported" "$(cat err.txt)"

# ------------------------------------------------------------------ usage and errors
check_exit "--help" 0 "$avila" kv --help
grep -q "usage: avila kv" out.txt && pass "--help prints the usage" || fail "--help prints the usage"
check_exit "no command" 2 "$avila" kv db
check_exit "an unknown command" 2 "$avila" kv db frobnicate
check_exit "get without a key" 2 "$avila" kv db get
check_exit "--limit with get" 2 "$avila" kv --limit 3 db get apple
check_exit "--compaction-threads 0" 2 "$avila" kv --compaction-threads 0 db get apple
check_exit "--compaction-threads 17" 2 "$avila" kv --compaction-threads 17 db get apple
check_exit "reading a store that does not exist" 1 "$avila" kv nothing-here get a
grep -q "no store" err.txt && pass "it says there is no store" || fail "it says there is no store" "$(cat err.txt)"
writer="$AVILA_BUILD/tests/data/tool_kv_writer"
if [ -x "$writer" ]; then
    "$writer" write held 0 >held.acks 2>&1 &
    pid=$!
    # The lock is held once the writer has acknowledged its first key (up to 20 s).
    for _ in $(seq 1 200); do [ -s held.acks ] && break; sleep 0.1; done
    check_exit "a store held by another process" 1 "$avila" kv held get key-000000000000
    grep -q "in use" err.txt && pass "it says the store is in use" || fail "it says the store is in use" "$(cat err.txt)"
    kill "$pid"
    wait "$pid" 2>/dev/null
fi
tap_done
