/*
 * tests/data/test_lsm_rangedel.c - data/lsm_rangedel.h against brute force:
 * random tombstone sets over a small key space (so ranges nest, touch and
 * share ends), then for random keys and snapshots the largest covering seq
 * (a scan of every tombstone), the next and previous boundaries (a scan of
 * every endpoint), and the fragments themselves (sorted, disjoint, each
 * piece's seqs exactly the tombstones covering it). Also: tombstones from
 * memtable entries through the iterator interface, seq 0, empty ranges,
 * allocator failures at every call and the byte cap, bad arguments.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "data/lsm_memtable.h"
#include "data/lsm_rangedel.h"
#include "tests/support/fail_alloc.h"

struct key {
    uint8_t b[4];
    size_t len;
};

struct tomb {
    struct key begin, end;
    uint64_t seq;
};

static struct avila_slice ks(const struct key *k)
{
    return avila_slice_make(k->b, k->len);
}

/* Bytewise, shorter first on a common prefix - from lsm_format.h's words. */
static int kcmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    for (size_t i = 0; i < la && i < lb; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return la < lb ? -1 : la > lb ? 1 : 0;
}

static int key_cmp(const struct key *a, const struct key *b)
{
    return kcmp(a->b, a->len, b->b, b->len);
}

static int slice_key_cmp(struct avila_slice s, const struct key *k)
{
    return kcmp(s.ptr, s.len, k->b, k->len);
}

static void random_key(uint64_t *rng, struct key *k)
{
    k->len = (size_t)(unit_rand(rng) % 4);
    for (size_t i = 0; i < k->len; i++)
        k->b[i] = (uint8_t)("ab\0\xff"[unit_rand(rng) % 4]);
}

static bool covers(const struct tomb *t, const struct key *k)
{
    return key_cmp(&t->begin, k) <= 0 && key_cmp(k, &t->end) < 0;
}

/* ---------------------------------------------------------------- brute force */

static bool brute_max(const struct tomb *t, size_t n, const struct key *k, uint64_t snap,
                      uint64_t *seq)
{
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (covers(&t[i], k) && t[i].seq <= snap && (!found || t[i].seq > *seq)) {
            *seq = t[i].seq;
            found = true;
        }
    return found;
}

/* The endpoints of the non-empty tombstones. */
static bool brute_next(const struct tomb *t, size_t n, const struct key *k, struct key *out)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (key_cmp(&t[i].begin, &t[i].end) >= 0)
            continue;
        const struct key *ends[2] = {&t[i].begin, &t[i].end};
        for (int j = 0; j < 2; j++)
            if (key_cmp(ends[j], k) > 0 && (!found || key_cmp(ends[j], out) < 0)) {
                *out = *ends[j];
                found = true;
            }
    }
    return found;
}

static bool brute_prev(const struct tomb *t, size_t n, const struct key *k, struct key *out)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (key_cmp(&t[i].begin, &t[i].end) >= 0)
            continue;
        const struct key *ends[2] = {&t[i].begin, &t[i].end};
        for (int j = 0; j < 2; j++)
            if (key_cmp(ends[j], k) <= 0 && (!found || key_cmp(ends[j], out) > 0)) {
                *out = *ends[j];
                found = true;
            }
    }
    return found;
}

static void check_fragments(const struct avila_lsm_rangedel *rd, const struct tomb *t, size_t n)
{
    size_t nf = avila_lsm_rangedel_count(rd);
    for (size_t f = 0; f < nf; f++) {
        struct avila_lsm_rangedel_frag fr = avila_lsm_rangedel_fragment(rd, f);
        struct key s = {.len = fr.start.len}, e = {.len = fr.end.len};
        assert_true(s.len <= 4 && e.len <= 4);
        memcpy(s.b, fr.start.ptr, s.len);
        memcpy(e.b, fr.end.ptr, e.len);
        assert_true(key_cmp(&s, &e) < 0);
        if (f > 0) {
            struct avila_lsm_rangedel_frag pf = avila_lsm_rangedel_fragment(rd, f - 1);
            assert_true(slice_key_cmp(pf.end, &s) <= 0);
        }
        /* Every tombstone either covers the whole piece or none of it. */
        size_t expect = 0;
        for (size_t i = 0; i < n; i++) {
            bool whole = key_cmp(&t[i].begin, &s) <= 0 && key_cmp(&e, &t[i].end) <= 0;
            bool none = key_cmp(&t[i].end, &s) <= 0 || key_cmp(&e, &t[i].begin) <= 0 ||
                        key_cmp(&t[i].begin, &t[i].end) >= 0;
            assert_true(whole || none);
            if (whole) {
                bool in = false;
                for (size_t j = 0; j < fr.nseqs; j++)
                    in = in || fr.seqs[j] == t[i].seq;
                assert_true(in);
                bool dup = false; /* count distinct seqs */
                for (size_t j = 0; j < i; j++)
                    dup =
                        dup || (t[j].seq == t[i].seq && key_cmp(&t[j].begin, &s) <= 0 &&
                                key_cmp(&e, &t[j].end) <= 0 && key_cmp(&t[j].begin, &t[j].end) < 0);
                expect += !dup;
            }
        }
        assert_int_equal(fr.nseqs, expect);
        assert_true(fr.nseqs >= 1);
        for (size_t j = 1; j < fr.nseqs; j++)
            assert_true(fr.seqs[j - 1] > fr.seqs[j]);
    }
}

static void check_queries(const struct avila_lsm_rangedel *rd, const struct tomb *t, size_t n,
                          uint64_t *rng, int queries)
{
    for (int q = 0; q < queries; q++) {
        struct key k;
        random_key(rng, &k);
        uint64_t snap = unit_rand(rng) % 3 == 0 ? UINT64_MAX : unit_rand(rng) % 40;
        uint64_t want = 0, got = 0;
        bool wf = brute_max(t, n, &k, snap, &want);
        bool gf = avila_lsm_rangedel_max_covering(rd, ks(&k), snap, &got);
        assert_int_equal(gf, wf);
        if (wf)
            assert_true(got == want);
        struct key wb;
        struct avila_slice gb;
        wf = brute_next(t, n, &k, &wb);
        gf = avila_lsm_rangedel_next_boundary(rd, ks(&k), &gb);
        assert_int_equal(gf, wf);
        if (wf)
            assert_int_equal(slice_key_cmp(gb, &wb), 0);
        wf = brute_prev(t, n, &k, &wb);
        gf = avila_lsm_rangedel_prev_boundary(rd, ks(&k), &gb);
        assert_int_equal(gf, wf);
        if (wf)
            assert_int_equal(slice_key_cmp(gb, &wb), 0);
    }
}

static void model_random(void **state)
{
    (void)state;
    uint64_t rng = 0x72616e6765;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(unit_rand(&rng) % 24);
        struct tomb t[24];
        struct avila_lsm_rangedel rd;
        avila_lsm_rangedel_init(&rd, &fa.allocator, 0);
        for (size_t i = 0; i < n; i++) {
            random_key(&rng, &t[i].begin);
            random_key(&rng, &t[i].end);
            if (unit_rand(&rng) % 2 && key_cmp(&t[i].begin, &t[i].end) > 0) {
                struct key x = t[i].begin;
                t[i].begin = t[i].end;
                t[i].end = x;
            }
            t[i].seq = unit_rand(&rng) % 40; /* collisions and seq 0 on purpose */
            assert_int_equal(avila_lsm_rangedel_add(&rd, ks(&t[i].begin), ks(&t[i].end), t[i].seq),
                             0);
        }
        assert_false(avila_lsm_rangedel_finished(&rd));
        assert_int_equal(avila_lsm_rangedel_finish(&rd), 0);
        assert_int_equal(avila_lsm_rangedel_finish(&rd), 0);
        assert_true(avila_lsm_rangedel_finished(&rd));
        check_fragments(&rd, t, n);
        check_queries(&rd, t, n, &rng, 200);
        assert_int_equal(
            avila_lsm_rangedel_add(&rd, avila_slice_from_cstr("a"), avila_slice_from_cstr("b"), 1),
            AVILA_EINVAL);
        avila_lsm_rangedel_release(&rd);
        assert_int_equal(fa.live_allocs, 0);
    }
}

/* Tombstones read from a memtable's RANGE_DELETE entries through the iterator interface. */
static void from_memtable(void **state)
{
    (void)state;
    uint64_t rng = 0x6d656d;
    for (int round = 0; round < 200; round++) {
        struct avila_lsm_memtable mt;
        assert_int_equal(avila_lsm_memtable_init(&mt, avila_allocator_libc(), NULL), 0);
        struct tomb t[40];
        size_t n = 0;
        uint64_t max_seq = unit_rand(&rng) % 120;
        for (uint64_t seq = 1; seq <= 100; seq++) {
            struct key a, b;
            random_key(&rng, &a);
            random_key(&rng, &b);
            unsigned kind = (unsigned)(unit_rand(&rng) % 3);
            assert_int_equal(
                avila_lsm_memtable_add(&mt, seq, (enum avila_lsm_kind)kind, ks(&a), ks(&b)), 0);
            if (kind == AVILA_LSM_RANGE_DELETE && seq <= max_seq && n < 40)
                t[n++] = (struct tomb){a, b, seq};
            if (n == 40)
                break;
        }
        struct avila_lsm_memtable_iter mi;
        struct avila_lsm_iter it;
        avila_lsm_memtable_iter_init(&mi, &mt);
        avila_lsm_memtable_iter_as(&mi, &it);
        struct avila_lsm_rangedel rd;
        avila_lsm_rangedel_init(&rd, avila_allocator_libc(), 0);
        if (n < 40) {
            assert_int_equal(avila_lsm_rangedel_add_iter(&rd, &it, max_seq), 0);
            assert_int_equal(avila_lsm_rangedel_finish(&rd), 0);
            check_fragments(&rd, t, n);
            check_queries(&rd, t, n, &rng, 100);
        }
        avila_lsm_rangedel_release(&rd);
        avila_lsm_memtable_release(&mt);
    }
}

static void add_entry_and_edges(void **state)
{
    (void)state;
    struct avila_lsm_rangedel rd;
    avila_lsm_rangedel_init(&rd, avila_allocator_libc(), 0);
    /* internal key ("b", seq 0, RANGE_DELETE) -> "d": seq 0 must be found. */
    uint8_t ik[9] = {'b', AVILA_LSM_RANGE_DELETE, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(
        avila_lsm_rangedel_add_entry(&rd, avila_slice_make(ik, 9), avila_slice_from_cstr("d")), 0);
    ik[1] = AVILA_LSM_VALUE;
    assert_int_equal(
        avila_lsm_rangedel_add_entry(&rd, avila_slice_make(ik, 9), avila_slice_from_cstr("d")),
        AVILA_EINVAL);
    ik[1] = 7;
    assert_int_equal(
        avila_lsm_rangedel_add_entry(&rd, avila_slice_make(ik, 9), avila_slice_from_cstr("d")),
        AVILA_EFORMAT);
    assert_int_equal(
        avila_lsm_rangedel_add_entry(&rd, avila_slice_make(ik, 5), avila_slice_from_cstr("d")),
        AVILA_EFORMAT);
    /* Empty and inverted ranges are ignored. */
    assert_int_equal(
        avila_lsm_rangedel_add(&rd, avila_slice_from_cstr("x"), avila_slice_from_cstr("x"), 5), 0);
    assert_int_equal(
        avila_lsm_rangedel_add(&rd, avila_slice_from_cstr("z"), avila_slice_from_cstr("y"), 5), 0);
    assert_int_equal(avila_lsm_rangedel_add(&rd, avila_slice_from_cstr("a"),
                                            avila_slice_from_cstr("b"), AVILA_LSM_MAX_SEQ + 1),
                     AVILA_EINVAL);
    /* Queries before finish see nothing. */
    uint64_t seq = 99;
    assert_false(avila_lsm_rangedel_max_covering(&rd, avila_slice_from_cstr("c"), 10, &seq));
    assert_int_equal(avila_lsm_rangedel_finish(&rd), 0);
    assert_int_equal(avila_lsm_rangedel_count(&rd), 1);
    assert_true(avila_lsm_rangedel_max_covering(&rd, avila_slice_from_cstr("c"), 0, &seq));
    assert_true(seq == 0);
    assert_false(avila_lsm_rangedel_max_covering(&rd, avila_slice_from_cstr("d"), 0, &seq));
    assert_false(avila_lsm_rangedel_max_covering(&rd, avila_slice_from_cstr("a"), 0, &seq));
    avila_lsm_rangedel_release(&rd);
    /* An empty set. */
    avila_lsm_rangedel_init(&rd, avila_allocator_libc(), 0);
    assert_int_equal(avila_lsm_rangedel_finish(&rd), 0);
    assert_int_equal(avila_lsm_rangedel_count(&rd), 0);
    struct avila_slice b;
    assert_false(avila_lsm_rangedel_max_covering(&rd, avila_slice_from_cstr(""), UINT64_MAX, &seq));
    assert_false(avila_lsm_rangedel_next_boundary(&rd, avila_slice_from_cstr(""), &b));
    assert_false(avila_lsm_rangedel_prev_boundary(&rd, avila_slice_from_cstr("zz"), &b));
    avila_lsm_rangedel_release(&rd);
}

/* An allocator failure at any call, or the byte cap, fails cleanly: nothing leaks, retry works. */
static void failures(void **state)
{
    (void)state;
    uint64_t rng = 0x6661696c;
    for (unsigned long nth = 1; nth < 60; nth++) {
        struct fail_alloc fa;
        fail_alloc_init(&fa);
        fail_alloc_fail_nth(&fa, nth, 0);
        struct avila_lsm_rangedel rd;
        avila_lsm_rangedel_init(&rd, &fa.allocator, 0);
        struct tomb t[40];
        size_t n = 0;
        bool failed = false;
        for (size_t i = 0; i < 40; i++) {
            random_key(&rng, &t[n].begin);
            random_key(&rng, &t[n].end);
            t[n].seq = i;
            int rc = avila_lsm_rangedel_add(&rd, ks(&t[n].begin), ks(&t[n].end), t[n].seq);
            if (rc == AVILA_ENOMEM) {
                failed = true;
            } else {
                assert_int_equal(rc, 0);
                n++;
            }
        }
        int rc = avila_lsm_rangedel_finish(&rd);
        if (rc == AVILA_ENOMEM) {
            failed = true;
            assert_false(avila_lsm_rangedel_finished(&rd));
            assert_int_equal(avila_lsm_rangedel_finish(&rd), 0);
        } else {
            assert_int_equal(rc, 0);
        }
        assert_int_equal(failed, fa.failures > 0);
        check_fragments(&rd, t, n);
        check_queries(&rd, t, n, &rng, 50);
        avila_lsm_rangedel_release(&rd);
        assert_int_equal(fa.live_allocs, 0);
    }
    /* The byte cap. */
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_lsm_rangedel rd;
    avila_lsm_rangedel_init(&rd, &fa.allocator, 2000);
    int rc = 0;
    uint8_t k[2];
    for (int i = 0; i < 1000 && rc == 0; i++) {
        k[0] = (uint8_t)(i >> 8);
        k[1] = (uint8_t)i;
        rc = avila_lsm_rangedel_add(&rd, avila_slice_make(k, 1), avila_slice_make(k, 2),
                                    (uint64_t)i);
    }
    assert_int_equal(rc, AVILA_ELIMIT);
    assert_true(fa.peak_bytes <= 2000);
    rc = avila_lsm_rangedel_finish(&rd);
    assert_true(rc == 0 || rc == AVILA_ELIMIT);
    assert_true(fa.peak_bytes <= 2000);
    avila_lsm_rangedel_release(&rd);
    assert_int_equal(fa.live_allocs, 0);
}

/* Deep nesting: n ranges [i, 2n - i) make n^2 / 2 seqs; still exact. */
static void nested(void **state)
{
    (void)state;
    enum { N = 200 };
    static struct tomb t[N];
    struct avila_lsm_rangedel rd;
    avila_lsm_rangedel_init(&rd, avila_allocator_libc(), 0);
    for (size_t i = 0; i < N; i++) {
        t[i].begin = (struct key){{(uint8_t)(i >> 8), (uint8_t)i}, 2};
        t[i].end =
            (struct key){{(uint8_t)(((size_t)2 * N - i) >> 8), (uint8_t)((size_t)2 * N - i)}, 2};
        t[i].seq = (i * 7919) % 1000;
        assert_int_equal(avila_lsm_rangedel_add(&rd, ks(&t[i].begin), ks(&t[i].end), t[i].seq), 0);
    }
    assert_int_equal(avila_lsm_rangedel_finish(&rd), 0);
    assert_int_equal(avila_lsm_rangedel_count(&rd), 2 * N - 1);
    uint64_t rng = 0x6e6573;
    for (int q = 0; q < 2000; q++) {
        uint16_t v = (uint16_t)(unit_rand(&rng) % (2 * N + 10));
        struct key k = {{(uint8_t)(v >> 8), (uint8_t)v}, 2};
        uint64_t snap = unit_rand(&rng) % 1100, want = 0, got = 0;
        bool wf = brute_max(t, N, &k, snap, &want);
        assert_int_equal(avila_lsm_rangedel_max_covering(&rd, ks(&k), snap, &got), wf);
        if (wf)
            assert_true(got == want);
    }
    avila_lsm_rangedel_release(&rd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_random),
        cmocka_unit_test(from_memtable),
        cmocka_unit_test(add_entry_and_edges),
        cmocka_unit_test(failures),
        cmocka_unit_test(nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
