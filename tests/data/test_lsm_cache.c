/*
 * tests/data/test_lsm_cache.c - data/lsm_cache.h: lookup, insert and
 * release; replacement of a key; the capacity bound (per shard and in
 * total) under random inserts; pinned entries survive eviction and their
 * bytes stay intact; erase by cache id (pinned ones live until released);
 * exact CLOCK behaviour (ring, hand, referenced bits, pins) against a
 * model on one shard over random operations; stats; configuration checks; allocation failures
 * (nothing leaks, the value is freed); and eight threads sharing a cache locked by one pthread
 * mutex per shard, checking every value they read.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_cache.h"
#include "tests/support/fail_alloc.h"

/* A value whose bytes are derived from its key, so any mix-up shows. */
static uint8_t *make_value(const struct avila_lsm_cache *c, uint64_t id, uint64_t off, size_t len)
{
    uint8_t *p = avila_alloc(avila_lsm_cache_allocator(c), len, 1);
    if (p == NULL)
        return NULL;
    uint64_t st = id * 1000003 + off;
    unit_rand_fill(&st, p, len);
    return p;
}

static bool value_ok(struct avila_slice v, uint64_t id, uint64_t off, size_t len)
{
    if (v.len != len)
        return false;
    uint64_t st = id * 1000003 + off;
    for (size_t i = 0; i < len; i += 8) {
        uint8_t b[8];
        unit_rand_fill(&st, b, 8);
        for (size_t j = 0; j < 8 && i + j < len; j++)
            if (v.ptr[i + j] != b[j])
                return false;
    }
    return true;
}

static void insert(struct avila_lsm_cache *c, uint64_t id, uint64_t off, size_t len,
                   struct avila_lsm_cache_handle **h)
{
    uint8_t *p = make_value(c, id, off, len);
    assert_non_null(p);
    assert_int_equal(avila_lsm_cache_insert(c, id, off, p, len, len, h), 0);
}

static void basics(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_lsm_cache c;
    assert_int_equal(avila_lsm_cache_init(&c, &fa.allocator, NULL), 0);
    assert_int_equal(avila_lsm_cache_shards(&c), AVILA_LSM_CACHE_DEFAULT_SHARDS);
    struct avila_lsm_cache_handle *h, *h2;
    assert_int_equal(avila_lsm_cache_lookup(&c, 1, 0, &h), AVILA_ENOTFOUND);
    insert(&c, 1, 0, 100, &h);
    assert_true(value_ok(avila_lsm_cache_value(h), 1, 0, 100));
    insert(&c, 1, 4096, 50, NULL);
    insert(&c, 2, 0, 70, NULL);
    assert_int_equal(avila_lsm_cache_lookup(&c, 1, 0, &h2), 0);
    assert_ptr_equal(h, h2);
    avila_lsm_cache_release(&c, h2);
    assert_int_equal(avila_lsm_cache_lookup(&c, 2, 0, &h2), 0);
    assert_true(value_ok(avila_lsm_cache_value(h2), 2, 0, 70));
    avila_lsm_cache_release(&c, h2);
    assert_int_equal(avila_lsm_cache_lookup(&c, 2, 4096, &h2), AVILA_ENOTFOUND);
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 2);
    assert_int_equal(st.inserts, 3);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.pinned, 1);
    assert_int_equal(st.bytes, 220 + 3 * AVILA_LSM_CACHE_ENTRY_OVERHEAD);
    assert_int_equal(st.capacity, AVILA_LSM_CACHE_DEFAULT_CAPACITY);

    /* Replacing a pinned key: the old handle keeps the old bytes. */
    uint8_t *p = make_value(&c, 9, 9, 30); /* other bytes under key (1, 0) */
    assert_int_equal(avila_lsm_cache_insert(&c, 1, 0, p, 30, 30, &h2), 0);
    assert_true(value_ok(avila_lsm_cache_value(h), 1, 0, 100));
    assert_true(value_ok(avila_lsm_cache_value(h2), 9, 9, 30));
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.pinned, 1); /* the old entry left the cache */
    avila_lsm_cache_release(&c, h);
    avila_lsm_cache_release(&c, h2);
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.bytes, 150 + 3 * AVILA_LSM_CACHE_ENTRY_OVERHEAD);
    avila_lsm_cache_release_all(&c);
    assert_int_equal(fa.live_allocs, 0);
}

static void config_checks(void **state)
{
    (void)state;
    struct avila_lsm_cache c;
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_lsm_cache_config bad3 = {.shards = 3}, bad128 = {.shards = 128};
    struct avila_lsm_cache_config half = {.lock = NULL, .unlock = (void (*)(void *, unsigned))1};
    assert_int_equal(avila_lsm_cache_init(&c, NULL, NULL), AVILA_EINVAL);
    assert_int_equal(avila_lsm_cache_init(&c, a, &bad3), AVILA_EINVAL);
    assert_int_equal(avila_lsm_cache_init(&c, a, &bad128), AVILA_EINVAL);
    assert_int_equal(avila_lsm_cache_init(&c, a, &half), AVILA_EINVAL);
    struct avila_lsm_cache_config one = {.shards = 1, .capacity_bytes = 1};
    assert_int_equal(avila_lsm_cache_init(&c, a, &one), 0);
    assert_int_equal(avila_lsm_cache_shards(&c), 1);
    /* Capacity 1: an unpinned insert is evicted at once; a pinned one stays until released. */
    struct avila_lsm_cache_handle *h;
    insert(&c, 1, 1, 10, NULL);
    assert_int_equal(avila_lsm_cache_lookup(&c, 1, 1, &h), AVILA_ENOTFOUND);
    insert(&c, 1, 2, 10, &h);
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.evictions, 1);
    avila_lsm_cache_release(&c, h);
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.evictions, 2);
    avila_lsm_cache_release_all(&c);
}

/* Random inserts: usage never passes capacity while nothing is pinned, per shard and in total. */
static void capacity_bound(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_lsm_cache c;
    struct avila_lsm_cache_config cfg = {.capacity_bytes = 100000, .shards = 8};
    assert_int_equal(avila_lsm_cache_init(&c, &fa.allocator, &cfg), 0);
    uint64_t rng = 1;
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(unit_rand(&rng) % 5000);
        insert(&c, unit_rand(&rng) % 4, unit_rand(&rng) % 2000, len, NULL);
        for (unsigned s = 0; s < 8; s++)
            assert_true(c.shards[s].usage <= c.shards[s].capacity);
        /* What the cache holds in values stays within its budget. */
        assert_true(fa.live_bytes <= 100000 + (size_t)8 * 64 * 16 * sizeof(void *));
    }
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&c, &st);
    assert_true(st.bytes <= 100000);
    assert_true(st.evictions > 1000);
    assert_int_equal(st.inserts, 20000);
    avila_lsm_cache_release_all(&c);
    assert_int_equal(fa.live_allocs, 0);
}

static void pinned_survive(void **state)
{
    (void)state;
    struct avila_lsm_cache c;
    struct avila_lsm_cache_config cfg = {.capacity_bytes = 20000, .shards = 2};
    assert_int_equal(avila_lsm_cache_init(&c, avila_allocator_libc(), &cfg), 0);
    struct avila_lsm_cache_handle *pins[40];
    for (size_t i = 0; i < 40; i++)
        insert(&c, 5, i, 1000, &pins[i]); /* 40 KB pinned: twice the capacity */
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.entries, 40);
    assert_int_equal(st.pinned, 40);
    assert_int_equal(st.evictions, 0);
    for (size_t i = 0; i < 2000; i++)
        insert(&c, 6, i, 500, NULL);
    for (size_t i = 0; i < 40; i++) {
        assert_true(value_ok(avila_lsm_cache_value(pins[i]), 5, i, 1000));
        struct avila_lsm_cache_handle *h;
        assert_int_equal(avila_lsm_cache_lookup(&c, 5, i, &h), 0);
        assert_ptr_equal(h, pins[i]);
        avila_lsm_cache_release(&c, h);
    }
    for (size_t i = 0; i < 40; i++)
        avila_lsm_cache_release(&c, pins[i]);
    /* Released, the shards fall back within capacity. */
    avila_lsm_cache_stats(&c, &st);
    assert_true(st.bytes <= 20000);
    assert_int_equal(st.pinned, 0);
    avila_lsm_cache_release_all(&c);
}

static void erase_by_id(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_lsm_cache c;
    assert_int_equal(avila_lsm_cache_init(&c, &fa.allocator, NULL), 0);
    struct avila_lsm_cache_handle *h, *pin;
    for (uint64_t id = 1; id <= 3; id++)
        for (uint64_t off = 0; off < 100; off++)
            insert(&c, id, off * 4096, 64, NULL);
    assert_int_equal(avila_lsm_cache_lookup(&c, 2, (uint64_t)4096 * 7, &pin), 0);
    avila_lsm_cache_erase_id(&c, 2);
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.entries, 200);
    assert_int_equal(st.pinned, 0);
    assert_int_equal(st.bytes, 200 * (64 + AVILA_LSM_CACHE_ENTRY_OVERHEAD));
    for (uint64_t off = 0; off < 100; off++) {
        assert_int_equal(avila_lsm_cache_lookup(&c, 2, off * 4096, &h), AVILA_ENOTFOUND);
        assert_int_equal(avila_lsm_cache_lookup(&c, 3, off * 4096, &h), 0);
        avila_lsm_cache_release(&c, h);
    }
    /* The erased pinned entry is still readable, and freed at its release. */
    assert_true(value_ok(avila_lsm_cache_value(pin), 2, (uint64_t)4096 * 7, 64));
    size_t live = fa.live_allocs;
    avila_lsm_cache_release(&c, pin);
    assert_int_equal(fa.live_allocs, live - 2);
    avila_lsm_cache_erase_id(&c, 99); /* nothing */
    avila_lsm_cache_release_all(&c);
    assert_int_equal(fa.live_allocs, 0);
}

/*
 * One shard against a model of CLOCK as the header describes it: the ring
 * as an array starting at the hand, with pins and referenced bits. Equal
 * sized values make the capacity a count of entries.
 */
struct mentry {
    uint64_t key;
    uint64_t gen; /* which insert made it */
    int pins;
    bool ref;
};

struct model {
    struct mentry ring[64];
    size_t n;
    uint64_t evictions;
};

static void model_remove(struct model *m, size_t i)
{
    memmove(&m->ring[i], &m->ring[i + 1], (m->n - i - 1) * sizeof(m->ring[0]));
    m->n--;
}

static void model_evict(struct model *m, size_t cap)
{
    size_t budget = 2 * m->n + 1;
    while (m->n > cap && budget-- > 0) {
        if (m->ring[0].pins > 0 || m->ring[0].ref) {
            struct mentry e = m->ring[0];
            e.ref = false;
            model_remove(m, 0);
            m->ring[m->n++] = e; /* the hand moves on */
        } else {
            model_remove(m, 0);
            m->evictions++;
        }
    }
}

static void clock_model(void **state)
{
    (void)state;
    enum { VAL = 100, CAP_ENTRIES = 12, KEYS = 30, OPS = 30000 };
    const size_t charge = VAL + AVILA_LSM_CACHE_ENTRY_OVERHEAD;
    struct avila_lsm_cache c;
    struct avila_lsm_cache_config cfg = {.capacity_bytes = CAP_ENTRIES * charge, .shards = 1};
    assert_int_equal(avila_lsm_cache_init(&c, avila_allocator_libc(), &cfg), 0);
    static struct model m;
    memset(&m, 0, sizeof(m));
    struct avila_lsm_cache_handle *held[16];
    uint64_t held_gen[16], gen = 0;
    size_t nheld = 0;
    uint64_t rng = 77;
    for (int op = 0; op < OPS; op++) {
        uint64_t key = unit_rand(&rng) % KEYS;
        unsigned what = (unsigned)(unit_rand(&rng) % 10);
        size_t at = m.n;
        for (size_t i = 0; i < m.n; i++)
            if (m.ring[i].key == key)
                at = i;
        if (what < 5) { /* lookup, maybe keep the handle */
            struct avila_lsm_cache_handle *h;
            int rc = avila_lsm_cache_lookup(&c, 0, key, &h);
            assert_int_equal(rc, at < m.n ? 0 : AVILA_ENOTFOUND);
            if (rc != 0)
                continue;
            assert_true(value_ok(avila_lsm_cache_value(h), 0, key, VAL));
            m.ring[at].ref = true;
            if (nheld < 16 && unit_rand(&rng) % 3 == 0) {
                m.ring[at].pins++;
                held[nheld] = h;
                held_gen[nheld++] = m.ring[at].gen;
            } else {
                avila_lsm_cache_release(&c, h);
                if (m.ring[at].pins == 0)
                    model_evict(&m, CAP_ENTRIES);
            }
        } else if (what < 8) { /* insert (replacing) */
            insert(&c, 0, key, VAL, NULL);
            if (at < m.n)
                model_remove(&m, at);
            gen++;
            m.ring[m.n++] = (struct mentry){.key = key, .gen = gen};
            model_evict(&m, CAP_ENTRIES);
        } else if (nheld > 0) { /* release a held handle */
            size_t i = (size_t)(unit_rand(&rng) % nheld);
            uint64_t g = held_gen[i];
            avila_lsm_cache_release(&c, held[i]);
            held[i] = held[nheld - 1];
            held_gen[i] = held_gen[--nheld];
            for (size_t j = 0; j < m.n; j++)
                if (m.ring[j].gen == g) {
                    if (--m.ring[j].pins == 0)
                        model_evict(&m, CAP_ENTRIES);
                    break;
                }
        }
        assert_true(m.n < 64);
        struct avila_lsm_cache_stats st;
        avila_lsm_cache_stats(&c, &st);
        assert_int_equal(st.entries, m.n);
        assert_int_equal(st.evictions, m.evictions);
        size_t pinned = 0;
        for (size_t i = 0; i < m.n; i++)
            pinned += m.ring[i].pins > 0;
        assert_int_equal(st.pinned, pinned);
    }
    assert_true(m.evictions > 1000);
    for (size_t i = 0; i < nheld; i++)
        avila_lsm_cache_release(&c, held[i]);
    avila_lsm_cache_release_all(&c);
}

static int alloc_op(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_lsm_cache c;
    struct avila_lsm_cache_config cfg = {.capacity_bytes = 4000, .shards = 2};
    assert_int_equal(avila_lsm_cache_init(&c, &fa->allocator, &cfg), 0);
    int rc = 0;
    for (uint64_t i = 0; i < 60 && rc == 0; i++) {
        uint8_t *p = make_value(&c, 1, i, 100);
        if (p == NULL) {
            rc = AVILA_ENOMEM;
            break;
        }
        struct avila_lsm_cache_handle *h;
        rc = avila_lsm_cache_insert(&c, 1, i, p, 100, 100, i % 2 ? &h : NULL);
        if (rc == 0 && i % 2)
            avila_lsm_cache_release(&c, h);
    }
    avila_lsm_cache_release_all(&c);
    return rc;
}

static void allocation_failures(void **state)
{
    (void)state;
    assert_true(fail_alloc_sweep(alloc_op, NULL, 0) > 60);
    assert_true(fail_alloc_sweep(alloc_op, NULL, 1) > 60);
}

/* ---------------------------------------------------------------- threads */

static pthread_mutex_t mus[AVILA_LSM_CACHE_MAX_SHARDS];

static void shard_lock(void *ctx, unsigned s)
{
    (void)ctx;
    pthread_mutex_lock(&mus[s]);
}

static void shard_unlock(void *ctx, unsigned s)
{
    (void)ctx;
    pthread_mutex_unlock(&mus[s]);
}

struct worker {
    struct avila_lsm_cache *c;
    uint64_t seed;
    int bad;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct avila_lsm_cache_handle *held[8] = {0};
    for (int op = 0; op < 50000; op++) {
        uint64_t id = unit_rand(&w->seed) % 3, off = unit_rand(&w->seed) % 500;
        size_t len = 64 + (size_t)(off % 7) * 100;
        unsigned slot = (unsigned)(op % 8);
        if (held[slot] != NULL) {
            avila_lsm_cache_release(w->c, held[slot]);
            held[slot] = NULL;
        }
        struct avila_lsm_cache_handle *h;
        if (op % 1000 == 999) {
            avila_lsm_cache_erase_id(w->c, id);
        } else if (avila_lsm_cache_lookup(w->c, id, off, &h) == 0) {
            if (!value_ok(avila_lsm_cache_value(h), id, off, len))
                w->bad++;
            held[slot] = h;
        } else {
            uint8_t *p = make_value(w->c, id, off, len);
            if (p == NULL || avila_lsm_cache_insert(w->c, id, off, p, len, len, &h) != 0)
                w->bad++;
            else
                held[slot] = h;
        }
    }
    for (unsigned i = 0; i < 8; i++)
        if (held[i] != NULL)
            avila_lsm_cache_release(w->c, held[i]);
    return NULL;
}

static void threads(void **state)
{
    (void)state;
    for (size_t i = 0; i < AVILA_LSM_CACHE_MAX_SHARDS; i++)
        pthread_mutex_init(&mus[i], NULL);
    struct avila_lsm_cache c;
    struct avila_lsm_cache_config cfg = {
        .capacity_bytes = 100000, .shards = 4, .lock = shard_lock, .unlock = shard_unlock};
    assert_int_equal(avila_lsm_cache_init(&c, avila_allocator_libc(), &cfg), 0);
    struct worker w[8];
    pthread_t th[8];
    for (size_t i = 0; i < 8; i++) {
        w[i] = (struct worker){.c = &c, .seed = i + 1};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].bad, 0);
    }
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&c, &st);
    assert_int_equal(st.pinned, 0);
    assert_true(st.bytes <= st.capacity);
    assert_true(st.hits > 0 && st.evictions > 0);
    assert_int_equal(st.hits + st.misses, 8 * 50000 - 8 * 50);
    avila_lsm_cache_release_all(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basics),
        cmocka_unit_test(config_checks),
        cmocka_unit_test(capacity_bound),
        cmocka_unit_test(pinned_survive),
        cmocka_unit_test(erase_by_id),
        cmocka_unit_test(clock_model),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
