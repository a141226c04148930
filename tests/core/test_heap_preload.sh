#!/bin/bash
# Real programs under LD_PRELOAD=libavila_malloc.so (the heap as the process
# malloc): python3 (an allocation-heavy script, and threads freeing each
# other's objects), git (init, add, commit, log, gc on a temporary repo),
# sort of a large generated file with several threads, gcc compiling and
# running a small C file. Each output is compared with the same run without
# the preload; the preload is checked to be live (the .so in /proc/PID/maps,
# the AVILA_HEAP_STATS=1 summary at exit). Each program runs a second time
# with AVILA_HARDENED=1 (hardened mode: checked frees, canaries, poison),
# also compared with the run without the preload. A tiny C program that
# leaks from two call sites gets the leak report (AVILA_HEAP_LEAKS=1),
# resolved with addr2line; another that frees twice dies with the report
# line. Missing peers are skipped.
. "$AVILA_ROOT/tests/support/tap.sh"
so=$AVILA_BUILD/lib/libavila_malloc.so
[ -f "$so" ] || skip_all "heap preload" "$so not built"
command -v python3 >/dev/null || skip_all "heap preload" "python3 not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}
# hard=1 runs the preloaded programs in hardened mode.
hard=
pre() {
    if [ -n "$hard" ]; then
        AVILA_HARDENED=1 LD_PRELOAD=$so "$@"
    else
        LD_PRELOAD=$so "$@"
    fi
}
# same NAME CMD...: CMD's stdout with and without the preload must match (and both
# succeed), then the same with the preload in hardened mode.
same() {
    same_once "$@"
    hard=1 same_once "$1 (hardened)" "${@:2}"
}
same_once() {
    local name=$1
    shift
    if ! "$@" >"$tmp/plain.out" 2>"$tmp/plain.err"; then
        fail "$name (without preload)" "$(tail -5 "$tmp/plain.err")"
        return
    fi
    if ! pre "$@" >"$tmp/pre.out" 2>"$tmp/pre.err"; then
        fail "$name (preload)" "$(tail -5 "$tmp/pre.err")"
        return
    fi
    if grep -q '^avila heap: ' "$tmp/pre.err"; then
        fail "$name" "$(grep '^avila heap: ' "$tmp/pre.err" | head -5)"
        return
    fi
    if cmp -s "$tmp/plain.out" "$tmp/pre.out"; then pass "$name"; else fail "$name" "outputs differ"; fi
}

# The preload is live: python sees the .so mapped, and the summary is printed at exit.
if pre python3 -c 'print(open("/proc/self/maps").read())' | grep -q libavila_malloc.so; then
    pass "preload mapped into python3"
else
    fail "preload mapped into python3"
fi
check "stats summary at exit" sh -c "AVILA_HEAP_STATS=1 LD_PRELOAD='$so' python3 -c 'x = [str(i) for i in range(100000)]' 2>&1 >/dev/null | grep -q '^heap: allocated [1-9].* hardened 0$'"
AVILA_HARDENED=1 AVILA_HEAP_STATS=1 LD_PRELOAD=$so python3 -c 'x = [str(i) for i in range(100000)]' 2>hard.err >/dev/null
check "AVILA_HARDENED=1 turns hardened mode on" grep -q '^heap: allocated [1-9].* hardened 1$' hard.err

cat >alloc.py <<'PY'
import hashlib, json, random
random.seed(7)
d = {}
for i in range(100000):
    k = "k%d" % random.randrange(50000)
    d[k] = [random.random() for _ in range(random.randrange(8))] if i % 3 else "v" * random.randrange(300)
    if i % 5 == 0:
        d.pop("k%d" % random.randrange(50000), None)
s = json.dumps(d, sort_keys=True)
back = json.loads(s)
big = [bytearray(random.randrange(1, 200000)) for _ in range(150)]
for b in big:
    b.extend(b"x" * 1000)
print(len(d), len(s), hashlib.sha256(s.encode()).hexdigest(), sum(len(b) for b in big), back == d)
PY
same "python3 allocation-heavy script" python3 alloc.py
same "python3 with a zero decay delay" env AVILA_HEAP_DECAY_MS=0 python3 alloc.py

cat >threads.py <<'PY'
import queue, threading, hashlib
q = queue.Queue(maxsize=1000)
out = []
def producer(n):
    for i in range(40000):
        q.put((n, i, ("%d-%d" % (n, i)) * (i % 50)))
def consumer():
    h = hashlib.sha256()
    while True:
        item = q.get()
        if item is None:
            break
        h.update(item[2].encode())
    out.append(len(h.hexdigest()))
ps = [threading.Thread(target=producer, args=(n,)) for n in range(4)]
cs = [threading.Thread(target=consumer) for _ in range(4)]
for t in ps + cs:
    t.start()
for t in ps:
    t.join()
for _ in cs:
    q.put(None)
for t in cs:
    t.join()
print(sorted(out))
PY
same "python3 threads freeing each other's objects" python3 threads.py

if command -v git >/dev/null; then
    cat >git.sh <<'SH'
set -e
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@example.com GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@example.com
export GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' HOME=$1
rm -rf "$1/repo"
git init -q -b main "$1/repo"
cd "$1/repo"
for i in $(seq 1 15); do
    seq 1 $((i * 997)) | sed "s/\$/ line of file $i/" >"f$((i % 7)).txt"
    git add -A
    git commit -q -m "commit $i"
done
git log --stat --format='%H %s' | head -200
git gc -q
git fsck --strict 2>&1
git log -p | sha256sum
SH
    same "git init, add, commit, log, gc, fsck" bash git.sh "$tmp"
else
    skip "git init, add, commit, log, gc, fsck" "git not installed"
fi

python3 -c '
import random
random.seed(3)
with open("big.txt", "w") as f:
    for i in range(600000):
        f.write("%x %s\n" % (random.getrandbits(48), "y" * random.randrange(40)))
'
same "sort of a large file (threads)" sort --parallel=2 -S 20M big.txt
same "sort -u -k2 of a large file" sort -u -k2,2 -k1,1 big.txt

if command -v gcc >/dev/null; then
    cat >prog.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
    unsigned long h = 5381;
    for (int i = 0; i < 100000; i++) {
        size_t n = (size_t)(i % 1000) + 1;
        char *p = malloc(n);
        memset(p, i & 0xff, n);
        for (size_t k = 0; k < n; k += 97)
            h = h * 33 + (unsigned char)p[k];
        free(p);
    }
    printf("%lu\n", h);
    return 0;
}
C
    same "gcc compiles a C file (assembly identical)" gcc -O2 -S -o - prog.c
    # The exported family itself: alignment, sizes, errors, and that it is ours
    # (malloc(1) has 8 usable bytes here, 24 under glibc).
    cat >family.c <<'C'
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define CHECK(c) do { if (!(c)) { printf("line %d: %s\n", __LINE__, #c); return 1; } } while (0)
int main(void)
{
    volatile size_t big = SIZE_MAX / 2;
    void *p = malloc(1);
    CHECK(p != NULL && malloc_usable_size(p) == 8);
    free(p);
    for (size_t a = sizeof(void *); a <= ((size_t)1 << 22); a *= 2) {
        CHECK(posix_memalign(&p, a, a + 1) == 0 && (uintptr_t)p % a == 0);
        CHECK(malloc_usable_size(p) >= a + 1);
        memset(p, 1, a + 1);
        free(p);
        p = aligned_alloc(a, 3 * a);
        CHECK(p != NULL && (uintptr_t)p % a == 0);
        free(p);
    }
    CHECK(posix_memalign(&p, 24, 8) == EINVAL);
    p = memalign(48, 10);
    CHECK(p != NULL && (uintptr_t)p % 64 == 0);
    free(p);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    p = valloc(10);
    CHECK(p != NULL && (uintptr_t)p % page == 0);
    free(p);
    p = pvalloc(page + 1);
    CHECK(p != NULL && (uintptr_t)p % page == 0 && malloc_usable_size(p) >= 2 * page);
    free(p);
    errno = 0;
    CHECK(reallocarray(NULL, big, 3) == NULL && errno == ENOMEM);
    CHECK(calloc(big, 3) == NULL);
    CHECK(malloc(big * 2 + 1) == NULL);
    char *s = calloc(1000, 1000);
    CHECK(s != NULL && s[0] == 0 && s[999999] == 0);
    s = realloc(s, 5000000);
    CHECK(s != NULL && s[999999] == 0);
    CHECK(realloc(s, 0) == NULL);
    CHECK(malloc_trim(0) == 1);
    puts("ok");
    return 0;
}
C
    if gcc -O1 -o family family.c && out=$(pre ./family 2>&1) && [ "$out" = ok ]; then
        pass "the exported malloc family"
    else
        fail "the exported malloc family" "$out"
    fi
    if pre gcc -O2 -o prog prog.c && gcc -O2 -o prog_plain prog.c; then
        same "the program gcc built runs" ./prog
    else
        fail "gcc builds a program under the preload"
    fi

    # Hardened: the leak report names both call sites, and addr2line resolves them;
    # the aligned family's sites are the program's calls too, none in the library.
    cat >leaky.c <<'C'
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
void *volatile keep[16];
__attribute__((noinline)) void *leak_small(void)
{
    char *p = malloc(1000);
    memset(p, 1, 1000);
    return p;
}
__attribute__((noinline)) void *leak_pages(void)
{
    char *p = calloc(4, 1024);
    p[0] = 1;
    return p;
}
__attribute__((noinline)) void leak_aligned(void)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, 500) == 0)
        keep[12] = p;
    keep[13] = memalign(64, 500);
    keep[14] = valloc(500);
    keep[15] = pvalloc(500);
}
int main(void)
{
    for (int i = 0; i < 7; i++)
        keep[i] = leak_small();
    for (int i = 0; i < 3; i++)
        keep[8 + i] = leak_pages();
    leak_aligned();
    free(malloc(50));
    return 0;
}
C
    if gcc -O1 -g -o leaky leaky.c &&
        AVILA_HARDENED=1 AVILA_HEAP_LEAKS=1 LD_PRELOAD=$so ./leaky 2>leaks.txt; then
        small=$(grep -m1 '^avila heap: leak: 7000 bytes in 7 blocks from 0x[0-9a-f]* .*/leaky+0x' leaks.txt)
        pages=$(grep -m1 '^avila heap: leak: 12288 bytes in 3 blocks from 0x[0-9a-f]* .*/leaky+0x' leaks.txt)
        # By bytes: the calloc site first.
        order=$(grep -n 'leaky+0x' leaks.txt | head -2 | cut -d' ' -f4 | tr '\n' ' ')
        fs=$(addr2line -f -e leaky "${small##*+}" 2>/dev/null | head -1)
        fp=$(addr2line -f -e leaky "${pages##*+}" 2>/dev/null | head -1)
        fa=$(grep -o 'leaky+0x[0-9a-f]*' leaks.txt | while read -r site; do
            addr2line -f -e leaky "${site#leaky+}" 2>/dev/null | head -1
        done | grep -c '^leak_aligned$')
        if [ -n "$small" ] && [ -n "$pages" ] && [ "$order" = "12288 7000 " ] &&
            [ "$fs" = leak_small ] && [ "$fp" = leak_pages ]; then
            pass "hardened leak report: two call sites, by bytes, resolved by addr2line"
        else
            fail "hardened leak report" "$(cat leaks.txt) order=$order fs=$fs fp=$fp"
        fi
        if [ "$fa" = 4 ] && ! grep -q 'libavila_malloc' leaks.txt; then
            pass "hardened leak report: posix_memalign, memalign, valloc, pvalloc name their callers"
        else
            fail "hardened leak report: aligned call sites" "$(cat leaks.txt) leak_aligned=$fa"
        fi
    else
        fail "hardened leak report: the leaky program" "$(cat leaks.txt 2>/dev/null)"
    fi
    cat >twice.c <<'C'
#include <stdlib.h>
void *volatile p;
int main(void)
{
    p = malloc(100);
    free(p);
    free(p);
    return 0;
}
C
    if gcc -O1 -o twice twice.c; then
        rc=$(sh -c "AVILA_HARDENED=1 LD_PRELOAD='$so' ./twice 2>twice.err; echo \$?" 2>/dev/null)
        if [ $rc -eq 134 ] && grep -q '^avila heap: double free of 0x[0-9a-f]* (size class ' twice.err; then
            pass "hardened: a double free in a real program aborts with the report"
        else
            fail "hardened: double free" "exit $rc: $(cat twice.err)"
        fi
    else
        fail "hardened: double free program builds"
    fi
else
    skip "gcc compiles a C file" "gcc not installed"
fi
tap_done
