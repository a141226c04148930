/*
 * tests/data/test_lsm_memtable.c - data/lsm_memtable.h against a model: a
 * plain array of entries kept sorted with a reference order written from
 * lsm_format.h's definition. Thousands of random adds (duplicates refused),
 * gets at random snapshots, full scans both ways and seeks followed by
 * steps both ways; a writer thread and a reader thread (order, and
 * visibility of every entry published before a scan); memory accounting,
 * soft and hard limits, and allocator failures that change nothing.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_memtable.h"
#include "tests/support/fail_alloc.h"

/* ---------------------------------------------------------------- model */

struct ment {
    uint8_t key[16];
    size_t klen;
    uint64_t seq;
    int kind;
    uint8_t val[40];
    size_t vlen;
};

/* The order of lsm_format.h, from its words: user key bytewise (shorter first), seq desc, kind
 * desc. */
static int ref_cmp(const uint8_t *ka, size_t la, uint64_t sa, int kinda, const uint8_t *kb,
                   size_t lb, uint64_t sb, int kindb)
{
    for (size_t i = 0; i < la && i < lb; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    if (kinda != kindb)
        return kinda > kindb ? -1 : 1;
    return 0;
}

static int ment_cmp(const struct ment *a, const struct ment *b)
{
    return ref_cmp(a->key, a->klen, a->seq, a->kind, b->key, b->klen, b->seq, b->kind);
}

/* Index of the first model entry >= probe. */
static size_t lower_bound(const struct ment *m, size_t n, const struct ment *probe)
{
    size_t i = 0;
    while (i < n && ment_cmp(&m[i], probe) < 0)
        i++;
    return i;
}

static void random_key(uint64_t *rng, uint8_t *key, size_t *klen)
{
    /* A small alphabet and short keys: many shared prefixes, some empty keys. */
    *klen = (size_t)(unit_rand(rng) % 6);
    for (size_t i = 0; i < *klen; i++)
        key[i] = (uint8_t)("ab\0\xff"[unit_rand(rng) % 4]);
}

static void check_entry(const struct avila_lsm_memtable_iter *it, const struct ment *e)
{
    assert_true(avila_lsm_memtable_iter_valid(it));
    struct avila_slice k = avila_lsm_memtable_iter_key(it);
    struct avila_lsm_ikey ik = {0};
    assert_int_equal(avila_lsm_ikey_parse(k.ptr, k.len, &ik), 0);
    assert_int_equal(ik.user_key.len, e->klen);
    assert_true(avila_slice_equal(ik.user_key, avila_slice_make(e->key, e->klen)));
    assert_true(ik.seq == e->seq);
    assert_int_equal((int)ik.kind, e->kind);
    struct avila_slice v = avila_lsm_memtable_iter_value(it);
    assert_int_equal(v.len, e->vlen);
    assert_true(e->vlen == 0 || memcmp(v.ptr, e->val, e->vlen) == 0);
}

static void probe_ikey(const struct ment *p, uint8_t *buf, size_t *len)
{
    memcpy(buf, p->key, p->klen);
    avila_store_le64(buf + p->klen, avila_lsm_trailer(p->seq, (enum avila_lsm_kind)p->kind));
    *len = p->klen + AVILA_LSM_TRAILER_LEN;
}

static void model_random(void **state)
{
    (void)state;
    enum { OPS = 6000 };
    struct ment *m = calloc(OPS, sizeof(*m));
    assert_non_null(m);
    size_t n = 0;
    uint64_t rng = 0x1234;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_lsm_memtable mt;
    struct avila_lsm_memtable_config cfg = {.seed = 99};
    assert_int_equal(avila_lsm_memtable_init(&mt, &fa.allocator, &cfg), 0);
    size_t payload = 0;
    unsigned gets = 0, seeks = 0, dups = 0;

    for (int op = 0; op < OPS; op++) {
        struct ment e = {0};
        random_key(&rng, e.key, &e.klen);
        e.seq = unit_rand(&rng) % 300;
        if (op % 1000 == 7)
            e.seq = AVILA_LSM_MAX_SEQ;
        e.kind = (int)(unit_rand(&rng) % 3);
        e.vlen = (size_t)(unit_rand(&rng) % sizeof(e.val));
        unit_rand_fill(&rng, e.val, e.vlen);
        size_t at = lower_bound(m, n, &e);
        int dup = at < n && ment_cmp(&m[at], &e) == 0;
        int rc = avila_lsm_memtable_add(&mt, e.seq, (enum avila_lsm_kind)e.kind,
                                        avila_slice_make(e.key, e.klen),
                                        avila_slice_make(e.val, e.vlen));
        if (dup) {
            assert_int_equal(rc, AVILA_EEXIST);
            dups++;
        } else {
            assert_int_equal(rc, 0);
            memmove(&m[at + 1], &m[at], (n - at) * sizeof(*m));
            m[at] = e;
            n++;
            payload += e.klen + AVILA_LSM_TRAILER_LEN + e.vlen;
        }
        assert_int_equal(avila_lsm_memtable_count(&mt), n);

        /* A get at a random snapshot against the model's answer. */
        struct ment q = {0};
        random_key(&rng, q.key, &q.klen);
        uint64_t snap = unit_rand(&rng) % 320;
        if (op % 500 == 3)
            snap = UINT64_MAX;
        int want = AVILA_LSM_MEMTABLE_NOT_FOUND;
        const struct ment *hit = NULL;
        for (size_t i = 0; i < n; i++) {
            if (m[i].klen != q.klen || memcmp(m[i].key, q.key, q.klen) != 0)
                continue;
            if (m[i].seq > snap || m[i].kind == AVILA_LSM_RANGE_DELETE)
                continue;
            hit = &m[i]; /* newest first in the order */
            want = m[i].kind == AVILA_LSM_VALUE ? AVILA_LSM_MEMTABLE_VALUE
                                                : AVILA_LSM_MEMTABLE_DELETED;
            break;
        }
        struct avila_slice v = {0};
        uint64_t seq = 0;
        assert_int_equal(
            avila_lsm_memtable_get(&mt, avila_slice_make(q.key, q.klen), snap, &v, &seq), want);
        if (hit != NULL)
            assert_true(seq == hit->seq);
        if (want == AVILA_LSM_MEMTABLE_VALUE) {
            assert_int_equal(v.len, hit->vlen);
            assert_true(v.len == 0 || memcmp(v.ptr, hit->val, v.len) == 0);
        }
        gets++;

        /* A seek to a random internal key, then a few steps each way. */
        if (op % 7 == 0) {
            struct ment p = {0};
            random_key(&rng, p.key, &p.klen);
            p.seq = unit_rand(&rng) % 310;
            p.kind = (int)(unit_rand(&rng) % 3);
            uint8_t ik[32];
            size_t iklen;
            probe_ikey(&p, ik, &iklen);
            struct avila_lsm_memtable_iter it;
            avila_lsm_memtable_iter_init(&it, &mt);
            assert_int_equal(avila_lsm_memtable_iter_seek(&it, avila_slice_make(ik, iklen)), 0);
            size_t lb = lower_bound(m, n, &p);
            if (lb == n) {
                assert_false(avila_lsm_memtable_iter_valid(&it));
            } else {
                check_entry(&it, &m[lb]);
                struct avila_lsm_memtable_iter back = it;
                for (size_t i = lb + 1; i < n && i < lb + 4; i++) {
                    avila_lsm_memtable_iter_next(&it);
                    check_entry(&it, &m[i]);
                }
                for (size_t i = lb; i-- > 0 && i + 4 > lb;) {
                    avila_lsm_memtable_iter_prev(&back);
                    check_entry(&back, &m[i]);
                }
                if (lb == 0) {
                    avila_lsm_memtable_iter_prev(&back);
                    assert_false(avila_lsm_memtable_iter_valid(&back));
                }
            }
            seeks++;
        }

        /* Now and then, full scans both ways. */
        if (op % 997 == 0 || op == OPS - 1) {
            struct avila_lsm_memtable_iter it;
            avila_lsm_memtable_iter_init(&it, &mt);
            assert_false(avila_lsm_memtable_iter_valid(&it));
            avila_lsm_memtable_iter_seek_first(&it);
            for (size_t i = 0; i < n; i++) {
                check_entry(&it, &m[i]);
                avila_lsm_memtable_iter_next(&it);
            }
            assert_false(avila_lsm_memtable_iter_valid(&it));
            avila_lsm_memtable_iter_seek_last(&it);
            for (size_t i = n; i-- > 0;) {
                check_entry(&it, &m[i]);
                avila_lsm_memtable_iter_prev(&it);
            }
            assert_false(avila_lsm_memtable_iter_valid(&it));
        }
    }
    /* Accounting: at least the payload and a header per entry, at most what the arena holds. */
    size_t bytes = avila_lsm_memtable_bytes(&mt);
    assert_true(bytes >= payload + n * (2 * sizeof(uint32_t) + sizeof(void *)));
    assert_true(bytes <= fa.live_bytes);
    assert_true(dups > 0 && gets == OPS && seeks > 800);
    avila_lsm_memtable_release(&mt);
    assert_int_equal(fa.live_allocs, 0);
    free(m);
}

static void empty_table(void **state)
{
    (void)state;
    struct avila_lsm_memtable mt;
    assert_int_equal(avila_lsm_memtable_init(&mt, avila_allocator_libc(), NULL), 0);
    struct avila_lsm_memtable_iter it;
    avila_lsm_memtable_iter_init(&it, &mt);
    avila_lsm_memtable_iter_seek_first(&it);
    assert_false(avila_lsm_memtable_iter_valid(&it));
    avila_lsm_memtable_iter_seek_last(&it);
    assert_false(avila_lsm_memtable_iter_valid(&it));
    uint8_t ik[8] = {0};
    assert_int_equal(avila_lsm_memtable_iter_seek(&it, avila_slice_make(ik, 8)), 0);
    assert_false(avila_lsm_memtable_iter_valid(&it));
    assert_int_equal(avila_lsm_memtable_iter_seek(&it, avila_slice_make(ik, 7)), AVILA_EINVAL);
    struct avila_slice v;
    assert_int_equal(avila_lsm_memtable_get(&mt, avila_slice_make("", 0), 5, &v, NULL),
                     AVILA_LSM_MEMTABLE_NOT_FOUND);
    assert_int_equal(avila_lsm_memtable_count(&mt), 0);
    assert_false(avila_lsm_memtable_full(&mt));
    avila_lsm_memtable_release(&mt);
}

static void bad_arguments(void **state)
{
    (void)state;
    struct avila_lsm_memtable mt;
    struct avila_lsm_memtable_config bad = {.limit_bytes = 1000, .max_bytes = 999};
    assert_int_equal(avila_lsm_memtable_init(&mt, NULL, NULL), AVILA_EINVAL);
    assert_int_equal(avila_lsm_memtable_init(&mt, avila_allocator_libc(), &bad), AVILA_EINVAL);
    struct avila_lsm_memtable_config tiny = {.limit_bytes = 16, .max_bytes = 32};
    assert_int_equal(avila_lsm_memtable_init(&mt, avila_allocator_libc(), &tiny), AVILA_ELIMIT);
    assert_int_equal(avila_lsm_memtable_init(&mt, avila_allocator_libc(), NULL), 0);
    static uint8_t big[AVILA_LSM_MAX_KEY_LEN + 1];
    struct avila_slice k = avila_slice_make("k", 1), none = avila_slice_make(NULL, 0);
    assert_int_equal(
        avila_lsm_memtable_add(&mt, 1, AVILA_LSM_VALUE, avila_slice_make(big, sizeof(big)), none),
        AVILA_EINVAL);
    assert_int_equal(avila_lsm_memtable_add(&mt, 1, AVILA_LSM_VALUE, k,
                                            avila_slice_make(big, AVILA_LSM_MAX_VALUE_LEN + 1)),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_memtable_add(&mt, AVILA_LSM_MAX_SEQ + 1, AVILA_LSM_VALUE, k, none),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_memtable_add(&mt, 1, (enum avila_lsm_kind)3, k, none), AVILA_EINVAL);
    /* The longest key is fine. */
    assert_int_equal(avila_lsm_memtable_add(&mt, 1, AVILA_LSM_VALUE,
                                            avila_slice_make(big, AVILA_LSM_MAX_KEY_LEN), none),
                     0);
    struct avila_slice v;
    assert_int_equal(avila_lsm_memtable_get(&mt, avila_slice_make(big, sizeof(big)), 1, &v, NULL),
                     AVILA_EINVAL);
    assert_int_equal(
        avila_lsm_memtable_get(&mt, avila_slice_make(big, AVILA_LSM_MAX_KEY_LEN), 1, &v, NULL),
        AVILA_LSM_MEMTABLE_VALUE);
    assert_int_equal(v.len, 0);
    assert_int_equal(avila_lsm_memtable_count(&mt), 1);
    avila_lsm_memtable_release(&mt);
}

/* Range deletes are stored and iterated, and get answers from point entries around them. */
static void range_delete_entries(void **state)
{
    (void)state;
    struct avila_lsm_memtable mt;
    assert_int_equal(avila_lsm_memtable_init(&mt, avila_allocator_libc(), NULL), 0);
    struct avila_slice k = avila_slice_make("key", 3);
    assert_int_equal(avila_lsm_memtable_add(&mt, 5, AVILA_LSM_VALUE, k, avila_slice_make("v5", 2)),
                     0);
    assert_int_equal(
        avila_lsm_memtable_add(&mt, 9, AVILA_LSM_RANGE_DELETE, k, avila_slice_make("kez", 3)), 0);
    assert_int_equal(avila_lsm_memtable_add(&mt, 9, AVILA_LSM_VALUE, k, avila_slice_make("v9", 2)),
                     0);
    struct avila_slice v;
    uint64_t seq;
    /* At 9: the range delete sorts first (kind descending) and is skipped. */
    assert_int_equal(avila_lsm_memtable_get(&mt, k, 9, &v, &seq), AVILA_LSM_MEMTABLE_VALUE);
    assert_true(seq == 9 && v.len == 2 && memcmp(v.ptr, "v9", 2) == 0);
    assert_int_equal(avila_lsm_memtable_get(&mt, k, 8, &v, &seq), AVILA_LSM_MEMTABLE_VALUE);
    assert_true(seq == 5);
    assert_int_equal(avila_lsm_memtable_get(&mt, k, 4, &v, &seq), AVILA_LSM_MEMTABLE_NOT_FOUND);
    assert_int_equal(
        avila_lsm_memtable_add(&mt, 12, AVILA_LSM_DELETE, k, avila_slice_make(NULL, 0)), 0);
    assert_int_equal(avila_lsm_memtable_get(&mt, k, 100, &v, &seq), AVILA_LSM_MEMTABLE_DELETED);
    assert_true(seq == 12);
    struct avila_lsm_memtable_iter it;
    avila_lsm_memtable_iter_init(&it, &mt);
    avila_lsm_memtable_iter_seek_first(&it);
    int kinds[4] = {0}, seqs[4] = {0}, i = 0;
    for (; avila_lsm_memtable_iter_valid(&it) && i < 4; avila_lsm_memtable_iter_next(&it), i++) {
        struct avila_slice ik = avila_lsm_memtable_iter_key(&it);
        struct avila_lsm_ikey p = {0};
        assert_int_equal(avila_lsm_ikey_parse(ik.ptr, ik.len, &p), 0);
        kinds[i] = (int)p.kind;
        seqs[i] = (int)p.seq;
    }
    assert_int_equal(i, 4);
    assert_int_equal(seqs[0], 12);
    assert_int_equal(kinds[1], AVILA_LSM_RANGE_DELETE);
    assert_int_equal(kinds[2], AVILA_LSM_VALUE);
    assert_int_equal(seqs[3], 5);
    avila_lsm_memtable_release(&mt);
}

/* Soft limit, hard limit and allocator refusals: a refused add changes nothing. */
static void limits_and_failures(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_lsm_memtable mt;
    struct avila_lsm_memtable_config cfg = {.limit_bytes = 64 << 10, .max_bytes = 256 << 10};
    assert_int_equal(avila_lsm_memtable_init(&mt, &fa.allocator, &cfg), 0);
    uint8_t key[8], val[100];
    memset(val, 'v', sizeof(val));
    size_t added = 0;
    int rc;
    bool was_full = false;
    for (uint64_t i = 0;; i++) {
        avila_store_be64(key, i);
        size_t before = avila_lsm_memtable_bytes(&mt);
        bool full_before = avila_lsm_memtable_full(&mt);
        assert_true(full_before == (before >= cfg.limit_bytes));
        was_full |= full_before;
        rc = avila_lsm_memtable_add(&mt, i + 1, AVILA_LSM_VALUE, avila_slice_make(key, 8),
                                    avila_slice_make(val, sizeof(val)));
        if (rc != 0) {
            assert_int_equal(rc, AVILA_ELIMIT);
            assert_int_equal(avila_lsm_memtable_bytes(&mt), before);
            break;
        }
        added++;
        assert_true(fa.live_bytes <= cfg.max_bytes);
    }
    assert_true(was_full);
    assert_int_equal(avila_lsm_memtable_count(&mt), added);
    /* Most of the hard limit was used: chunks are not wasted. */
    assert_true(avila_lsm_memtable_bytes(&mt) > cfg.max_bytes / 2);
    avila_lsm_memtable_release(&mt);
    assert_int_equal(fa.live_allocs, 0);

    /* The allocator refuses a chunk: ENOMEM, then the same add succeeds. */
    fail_alloc_init(&fa);
    assert_int_equal(avila_lsm_memtable_init(&mt, &fa.allocator, NULL), 0);
    unsigned nomem = 0;
    for (uint64_t i = 0; i < 2000; i++) {
        avila_store_be64(key, i);
        fail_alloc_fail_nth(&fa, 1, 0);
        rc = avila_lsm_memtable_add(&mt, 1, AVILA_LSM_VALUE, avila_slice_make(key, 8),
                                    avila_slice_make(val, sizeof(val)));
        fail_alloc_fail_nth(&fa, 0, 0);
        if (rc != 0) {
            assert_int_equal(rc, AVILA_ENOMEM);
            assert_int_equal(avila_lsm_memtable_count(&mt), i);
            struct avila_slice v;
            assert_int_equal(avila_lsm_memtable_get(&mt, avila_slice_make(key, 8), 1, &v, NULL),
                             AVILA_LSM_MEMTABLE_NOT_FOUND);
            nomem++;
            rc = avila_lsm_memtable_add(&mt, 1, AVILA_LSM_VALUE, avila_slice_make(key, 8),
                                        avila_slice_make(val, sizeof(val)));
        }
        assert_int_equal(rc, 0);
    }
    assert_true(nomem >= 3); /* the arena grew several times */
    struct avila_lsm_memtable_iter it;
    avila_lsm_memtable_iter_init(&it, &mt);
    avila_lsm_memtable_iter_seek_first(&it);
    for (uint64_t i = 0; i < 2000; i++) {
        assert_true(avila_lsm_memtable_iter_valid(&it));
        struct avila_slice k = avila_lsm_memtable_iter_key(&it);
        assert_true(avila_load_be64(k.ptr) == i);
        avila_lsm_memtable_iter_next(&it);
    }
    assert_false(avila_lsm_memtable_iter_valid(&it));
    avila_lsm_memtable_release(&mt);
    assert_int_equal(fa.live_allocs, 0);

    /* Init fails cleanly too. */
    fail_alloc_init(&fa);
    fail_alloc_fail_nth(&fa, 1, 0);
    assert_int_equal(avila_lsm_memtable_init(&mt, &fa.allocator, NULL), AVILA_ENOMEM);
    assert_int_equal(fa.live_allocs, 0);
}

/* The same seed and adds give the same table; any seed gives the same order. */
static void seeds(void **state)
{
    (void)state;
    struct avila_lsm_memtable a, b;
    struct avila_lsm_memtable_config ca = {.seed = 1}, cb = {.seed = 2};
    assert_int_equal(avila_lsm_memtable_init(&a, avila_allocator_libc(), &ca), 0);
    assert_int_equal(avila_lsm_memtable_init(&b, avila_allocator_libc(), &cb), 0);
    uint64_t rng = 5;
    for (int i = 0; i < 3000; i++) {
        uint8_t k[4];
        unit_rand_fill(&rng, k, sizeof(k));
        int ra = avila_lsm_memtable_add(&a, (uint64_t)i % 7, AVILA_LSM_VALUE,
                                        avila_slice_make(k, 4), avila_slice_make(k, 2));
        int rb = avila_lsm_memtable_add(&b, (uint64_t)i % 7, AVILA_LSM_VALUE,
                                        avila_slice_make(k, 4), avila_slice_make(k, 2));
        assert_int_equal(ra, rb);
    }
    struct avila_lsm_memtable_iter ia, ib;
    avila_lsm_memtable_iter_init(&ia, &a);
    avila_lsm_memtable_iter_init(&ib, &b);
    avila_lsm_memtable_iter_seek_first(&ia);
    avila_lsm_memtable_iter_seek_first(&ib);
    while (avila_lsm_memtable_iter_valid(&ia)) {
        assert_true(avila_lsm_memtable_iter_valid(&ib));
        assert_true(
            avila_slice_equal(avila_lsm_memtable_iter_key(&ia), avila_lsm_memtable_iter_key(&ib)));
        avila_lsm_memtable_iter_next(&ia);
        avila_lsm_memtable_iter_next(&ib);
    }
    assert_false(avila_lsm_memtable_iter_valid(&ib));
    avila_lsm_memtable_release(&a);
    avila_lsm_memtable_release(&b);
}

/* ---------------------------------------------------------------- threads */

enum { THREAD_KEYS = 60000 };

struct shared {
    struct avila_lsm_memtable mt;
    uint8_t (*keys)[12];
    _Atomic(size_t) published; /* entries whose add has returned */
    int writer_rc;
    unsigned scans;
    unsigned concurrent_scans; /* scans that began while the writer was mid-way */
    int reader_failed;
};

/* The value of entry i: derived from its key, so a reader can check it. */
static void value_of(const uint8_t key[12], uint8_t out[24])
{
    for (int i = 0; i < 24; i++)
        out[i] = (uint8_t)(key[i % 12] * 7 + i);
}

static void *writer(void *arg)
{
    struct shared *s = arg;
    for (size_t i = 0; i < THREAD_KEYS; i++) {
        uint8_t v[24];
        value_of(s->keys[i], v);
        int rc = avila_lsm_memtable_add(&s->mt, i + 1, AVILA_LSM_VALUE,
                                        avila_slice_make(s->keys[i], 12), avila_slice_make(v, 24));
        if (rc != 0) {
            s->writer_rc = rc;
            break;
        }
        atomic_store_explicit(&s->published, i + 1, memory_order_release);
    }
    return NULL;
}

static void *reader(void *arg)
{
    struct shared *s = arg;
    uint64_t rng = 77;
    for (;;) {
        size_t pub = atomic_load_explicit(&s->published, memory_order_acquire);
        /* A scan sees at least every entry published before it began, in order, whole. */
        struct avila_lsm_memtable_iter it;
        avila_lsm_memtable_iter_init(&it, &s->mt);
        avila_lsm_memtable_iter_seek_first(&it);
        size_t seen = 0;
        uint8_t prev[20];
        size_t prev_len = 0;
        for (; avila_lsm_memtable_iter_valid(&it); avila_lsm_memtable_iter_next(&it)) {
            struct avila_slice k = avila_lsm_memtable_iter_key(&it);
            struct avila_slice v = avila_lsm_memtable_iter_value(&it);
            uint8_t want[24];
            if (k.len != 20 || v.len != 24) {
                s->reader_failed = 1;
                return NULL;
            }
            value_of(k.ptr, want);
            if (memcmp(v.ptr, want, 24) != 0 ||
                (prev_len != 0 && avila_lsm_ikey_cmp(avila_slice_make(prev, prev_len), k) >= 0)) {
                s->reader_failed = 2;
                return NULL;
            }
            memcpy(prev, k.ptr, k.len);
            prev_len = k.len;
            seen++;
        }
        if (seen < pub) {
            s->reader_failed = 3;
            return NULL;
        }
        /* Point reads of published entries. */
        for (int j = 0; j < 50 && pub > 0; j++) {
            size_t i = (size_t)(unit_rand(&rng) % pub);
            struct avila_slice v;
            uint64_t seq = 0;
            if (avila_lsm_memtable_get(&s->mt, avila_slice_make(s->keys[i], 12), UINT64_MAX, &v,
                                       &seq) != AVILA_LSM_MEMTABLE_VALUE ||
                seq != i + 1) {
                s->reader_failed = 4;
                return NULL;
            }
        }
        s->scans++;
        s->concurrent_scans += pub > 0 && pub < THREAD_KEYS;
        if (pub == THREAD_KEYS)
            return NULL;
    }
}

static void two_threads(void **state)
{
    (void)state;
    struct shared *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->keys = malloc(sizeof(*s->keys) * THREAD_KEYS);
    assert_non_null(s->keys);
    uint64_t rng = 4242;
    /* Distinct keys: a counter in the last 4 bytes, random before it. */
    for (size_t i = 0; i < THREAD_KEYS; i++) {
        unit_rand_fill(&rng, s->keys[i], 8);
        avila_store_be32(s->keys[i] + 8, (uint32_t)i);
    }
    assert_int_equal(avila_lsm_memtable_init(&s->mt, avila_allocator_libc(), NULL), 0);
    atomic_init(&s->published, 0);
    pthread_t w, r;
    assert_int_equal(pthread_create(&r, NULL, reader, s), 0);
    assert_int_equal(pthread_create(&w, NULL, writer, s), 0);
    assert_int_equal(pthread_join(w, NULL), 0);
    assert_int_equal(pthread_join(r, NULL), 0);
    assert_int_equal(s->writer_rc, 0);
    assert_int_equal(s->reader_failed, 0);
    assert_true(s->scans >= 1);
    print_message("# reader scans: %u, of which %u while %d adds were under way\n", s->scans,
                  s->concurrent_scans, THREAD_KEYS);
    assert_int_equal(avila_lsm_memtable_count(&s->mt), THREAD_KEYS);
    avila_lsm_memtable_release(&s->mt);
    free(s->keys);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_random),        cmocka_unit_test(empty_table),
        cmocka_unit_test(bad_arguments),       cmocka_unit_test(range_delete_entries),
        cmocka_unit_test(limits_and_failures), cmocka_unit_test(seeds),
        cmocka_unit_test(two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
