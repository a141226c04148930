/*
 * tools/fuzz/fuzz_lsm_rangedel.c - libFuzzer harness for the range
 * tombstone set (data/lsm_rangedel.h) against brute force. The input is a
 * script: a count byte n (mod 48), then n tombstones (begin length byte
 * mod 5, begin bytes, end length byte mod 5, end bytes, seq byte), then
 * queries until the input ends (key length byte mod 5, key bytes, snapshot
 * byte; 255 stands for every snapshot). Properties:
 *   - fragments are sorted, disjoint, non-empty, each with strictly
 *     descending seqs, and every tombstone covers each fragment wholly or
 *     not at all;
 *   - for each query key, the largest covering seq at the snapshot, the
 *     next boundary and the previous boundary equal brute force over the
 *     tombstones (boundaries: the endpoints of the non-empty tombstones).
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/lsm_rangedel/.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "data/lsm_format.h"
#include "data/lsm_rangedel.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_TOMBS 48

struct tomb {
    struct avila_slice begin, end;
    uint64_t seq;
};

struct script {
    const uint8_t *p;
    size_t n;
};

static int next_byte(struct script *s)
{
    if (s->n == 0)
        return -1;
    s->n--;
    return *s->p++;
}

/* Reads a length byte (mod 5) and that many bytes; false at the end of the input. */
static bool next_key(struct script *s, struct avila_slice *k)
{
    int len = next_byte(s);
    if (len < 0 || s->n < (size_t)(len % 5))
        return false;
    *k = avila_slice_make(s->p, (size_t)(len % 5));
    s->p += len % 5;
    s->n -= (size_t)(len % 5);
    return true;
}

static bool covers(const struct tomb *t, struct avila_slice k)
{
    return avila_lsm_user_cmp(t->begin, k) <= 0 && avila_lsm_user_cmp(k, t->end) < 0;
}

static void check_fragments(const struct avila_lsm_rangedel *rd, const struct tomb *t, size_t n)
{
    size_t nf = avila_lsm_rangedel_count(rd);
    for (size_t f = 0; f < nf; f++) {
        struct avila_lsm_rangedel_frag fr = avila_lsm_rangedel_fragment(rd, f);
        CHECK(avila_lsm_user_cmp(fr.start, fr.end) < 0);
        CHECK(fr.nseqs >= 1);
        for (size_t j = 1; j < fr.nseqs; j++)
            CHECK(fr.seqs[j - 1] > fr.seqs[j]);
        if (f > 0)
            CHECK(avila_lsm_user_cmp(avila_lsm_rangedel_fragment(rd, f - 1).end, fr.start) <= 0);
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            if (avila_lsm_user_cmp(t[i].begin, t[i].end) >= 0)
                continue;
            bool whole = avila_lsm_user_cmp(t[i].begin, fr.start) <= 0 &&
                         avila_lsm_user_cmp(fr.end, t[i].end) <= 0;
            bool none = avila_lsm_user_cmp(t[i].end, fr.start) <= 0 ||
                        avila_lsm_user_cmp(fr.end, t[i].begin) <= 0;
            CHECK(whole || none);
            if (whole) {
                bool in = false;
                for (size_t j = 0; j < fr.nseqs; j++)
                    in = in || fr.seqs[j] == t[i].seq;
                CHECK(in);
                any = true;
            }
        }
        CHECK(any);
    }
}

static void check_query(const struct avila_lsm_rangedel *rd, const struct tomb *t, size_t n,
                        struct avila_slice k, uint64_t snap)
{
    bool found = false, nf = false, pf = false;
    uint64_t best = 0;
    struct avila_slice nb = {0}, pb = {0};
    for (size_t i = 0; i < n; i++) {
        if (covers(&t[i], k) && t[i].seq <= snap && (!found || t[i].seq > best)) {
            best = t[i].seq;
            found = true;
        }
        if (avila_lsm_user_cmp(t[i].begin, t[i].end) >= 0)
            continue;
        struct avila_slice ends[2] = {t[i].begin, t[i].end};
        for (int j = 0; j < 2; j++) {
            if (avila_lsm_user_cmp(ends[j], k) > 0 &&
                (!nf || avila_lsm_user_cmp(ends[j], nb) < 0)) {
                nb = ends[j];
                nf = true;
            }
            if (avila_lsm_user_cmp(ends[j], k) <= 0 &&
                (!pf || avila_lsm_user_cmp(ends[j], pb) > 0)) {
                pb = ends[j];
                pf = true;
            }
        }
    }
    uint64_t got = 0;
    CHECK(avila_lsm_rangedel_max_covering(rd, k, snap, &got) == found);
    CHECK(!found || got == best);
    struct avila_slice b;
    CHECK(avila_lsm_rangedel_next_boundary(rd, k, &b) == nf);
    CHECK(!nf || avila_lsm_user_cmp(b, nb) == 0);
    CHECK(avila_lsm_rangedel_prev_boundary(rd, k, &b) == pf);
    CHECK(!pf || avila_lsm_user_cmp(b, pb) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct script s = {data, size};
    int c = next_byte(&s);
    if (c < 0)
        return 0;
    size_t want = (size_t)c % MAX_TOMBS, n = 0;
    struct tomb t[MAX_TOMBS];
    struct avila_lsm_rangedel rd;
    avila_lsm_rangedel_init(&rd, avila_allocator_libc(), 0);
    while (n < want) {
        int seq;
        if (!next_key(&s, &t[n].begin) || !next_key(&s, &t[n].end) || (seq = next_byte(&s)) < 0)
            break;
        t[n].seq = (uint64_t)seq;
        CHECK(avila_lsm_rangedel_add(&rd, t[n].begin, t[n].end, t[n].seq) == 0);
        n++;
    }
    CHECK(avila_lsm_rangedel_finish(&rd) == 0);
    check_fragments(&rd, t, n);
    struct avila_slice k;
    int snap;
    while (next_key(&s, &k) && (snap = next_byte(&s)) >= 0)
        check_query(&rd, t, n, k, snap == 255 ? UINT64_MAX : (uint64_t)snap);
    avila_lsm_rangedel_release(&rd);
    return 0;
}
