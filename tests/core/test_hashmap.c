/*
 * tests/core/test_hashmap.c - the Robin Hood hash map against a naive model,
 * its limits, growth, iteration, and allocation failure on every path.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/hashmap.h"
#include "tests/support/fail_alloc.h"

static const uint8_t seed_a[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t seed_b[16] = {0xde, 0xad, 0xbe, 0xef};

static void *V(uintptr_t v)
{
    return (void *)v;
}

/* ------------------------------------------------------------ key universe */

/* Distinct random keys of lengths 0 .. max_len, for model tests. */
struct keys {
    size_t n;
    uint8_t (*bytes)[64];
    size_t *len;
};

static void keys_make(struct keys *k, size_t n, size_t max_len, uint64_t seed)
{
    assert_true(max_len <= 64);
    k->n = n;
    k->bytes = calloc(n, sizeof *k->bytes);
    k->len = calloc(n, sizeof *k->len);
    assert_non_null(k->bytes);
    assert_non_null(k->len);
    uint64_t rng = seed;
    for (size_t i = 0; i < n; i++) {
        int dup;
        do {
            k->len[i] = (size_t)(unit_rand(&rng) % (max_len + 1));
            /* Few bytes of few values: many keys share prefixes and lengths. */
            for (size_t j = 0; j < k->len[i]; j++)
                k->bytes[i][j] = (uint8_t)(unit_rand(&rng) % 4);
            if (k->len[i] > 3)
                unit_rand_fill(&rng, k->bytes[i], 3);
            dup = 0;
            for (size_t j = 0; j < i && !dup; j++)
                dup = k->len[j] == k->len[i] && memcmp(k->bytes[j], k->bytes[i], k->len[i]) == 0;
        } while (dup);
    }
}

static void keys_free(struct keys *k)
{
    free(k->bytes);
    free(k->len);
}

/* The model: present[i] and value[i] for key i. */
struct model {
    const struct keys *k;
    uint8_t *present;
    uintptr_t *value;
    size_t count;
};

static void model_init(struct model *md, const struct keys *k)
{
    md->k = k;
    md->present = calloc(k->n, 1);
    md->value = calloc(k->n, sizeof *md->value);
    assert_non_null(md->present);
    assert_non_null(md->value);
    md->count = 0;
}

static void model_free(struct model *md)
{
    free(md->present);
    free(md->value);
}

/* Asserts that the map holds exactly the model's entries, each seen once by iteration. */
static void agree(const struct avila_hashmap *m, const struct model *md)
{
    assert_int_equal(avila_hashmap_check(m), 0);
    assert_int_equal(avila_hashmap_count(m), md->count);
    for (size_t i = 0; i < md->k->n; i++) {
        void *v = V(12345);
        int rc = avila_hashmap_get(m, md->k->bytes[i], md->k->len[i], &v);
        if (md->present[i]) {
            assert_int_equal(rc, 0);
            assert_ptr_equal(v, V(md->value[i]));
        } else {
            assert_int_equal(rc, AVILA_ENOTFOUND);
            assert_ptr_equal(v, V(12345));
        }
    }
    /* One spare byte: calloc(0, ...) may return NULL. */
    uint8_t *seen = calloc(md->k->n + 1, 1);
    assert_non_null(seen);
    size_t it = 0, visits = 0, klen;
    const uint8_t *key;
    void *v;
    while (avila_hashmap_next(m, &it, &key, &klen, &v)) {
        size_t i;
        for (i = 0; i < md->k->n; i++)
            if (md->k->len[i] == klen && (klen == 0 || memcmp(md->k->bytes[i], key, klen) == 0))
                break;
        assert_true(i < md->k->n);
        assert_true(md->present[i]);
        assert_false(seen[i]);
        assert_ptr_equal(v, V(md->value[i]));
        seen[i] = 1;
        visits++;
    }
    assert_int_equal(visits, md->count);
    assert_int_equal(avila_hashmap_next(m, &it, NULL, NULL, NULL), 0);
    free(seen);
}

/*
 * One random operation on key i, applied to map and model alike. Returns the
 * map's return code (which must agree with the model unless the allocator
 * refused, in which case the map must be unchanged: the caller checks).
 */
static int random_op(struct avila_hashmap *m, struct model *md, uint64_t *rng, uintptr_t stamp)
{
    size_t i = (size_t)(unit_rand(rng) % md->k->n);
    const uint8_t *key = md->k->bytes[i];
    size_t klen = md->k->len[i];
    void *v = V(999);
    int rc;
    switch (unit_rand(rng) % 8) {
    case 0:
    case 1:
    case 2:
    case 3:
        rc = avila_hashmap_put(m, key, klen, V(stamp), &v);
        if (rc == AVILA_ENOMEM || rc == AVILA_ELIMIT) {
            assert_false(md->present[i]);
            assert_ptr_equal(v, V(999));
            return rc;
        }
        assert_int_equal(rc, md->present[i] ? 1 : 0);
        assert_ptr_equal(v, md->present[i] ? V(md->value[i]) : NULL);
        md->count += !md->present[i];
        md->present[i] = 1;
        md->value[i] = stamp;
        return rc;
    case 4:
    case 5:
    case 6:
        rc = avila_hashmap_remove(m, key, klen, &v);
        assert_int_equal(rc, md->present[i] ? 0 : AVILA_ENOTFOUND);
        if (md->present[i]) {
            assert_ptr_equal(v, V(md->value[i]));
            md->present[i] = 0;
            md->count--;
        }
        return rc;
    default:
        rc = avila_hashmap_get(m, key, klen, &v);
        assert_int_equal(rc, md->present[i] ? 0 : AVILA_ENOTFOUND);
        if (md->present[i])
            assert_ptr_equal(v, V(md->value[i]));
        return rc;
    }
}

/* ------------------------------------------------------------------- tests */

static void basics(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_hashmap m;
    assert_int_equal(avila_hashmap_init(&m, &fa.allocator, NULL, seed_a), 0);
    assert_int_equal(fa.live_allocs, 0);
    assert_int_equal(avila_hashmap_capacity(&m), 0);
    void *v = V(7);
    assert_int_equal(avila_hashmap_get(&m, "a", 1, &v), AVILA_ENOTFOUND);
    assert_int_equal(avila_hashmap_remove(&m, "a", 1, &v), AVILA_ENOTFOUND);
    assert_ptr_equal(v, V(7));
    assert_int_equal(avila_hashmap_put(&m, "apple", 5, V(1), &v), 0);
    assert_null(v);
    assert_int_equal(avila_hashmap_put(&m, "apples", 6, NULL, NULL), 0);
    assert_int_equal(avila_hashmap_put(&m, "apple", 5, V(2), &v), 1);
    assert_ptr_equal(v, V(1));
    assert_int_equal(avila_hashmap_count(&m), 2);
    assert_int_equal(avila_hashmap_get(&m, "apple", 5, &v), 0);
    assert_ptr_equal(v, V(2));
    /* A NULL value is a value, not an absence. */
    v = V(7);
    assert_int_equal(avila_hashmap_get(&m, "apples", 6, &v), 0);
    assert_null(v);
    assert_int_equal(avila_hashmap_get(&m, "appl", 4, NULL), AVILA_ENOTFOUND);
    assert_int_equal(avila_hashmap_get(&m, "apple", 5, NULL), 0);
    assert_int_equal(avila_hashmap_remove(&m, "apple", 5, &v), 0);
    assert_ptr_equal(v, V(2));
    assert_int_equal(avila_hashmap_remove(&m, "apple", 5, NULL), AVILA_ENOTFOUND);
    assert_int_equal(avila_hashmap_count(&m), 1);
    assert_int_equal(avila_hashmap_check(&m), 0);
    avila_hashmap_release(&m);
    assert_int_equal(fa.live_allocs, 0);
    assert_int_equal(avila_hashmap_count(&m), 0);
}

static void key_lengths_zero_inline_long_and_max(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_hashmap m;
    struct avila_hashmap_config cfg = {.max_key_len = 100};
    assert_int_equal(avila_hashmap_init(&m, &fa.allocator, &cfg, seed_a), 0);
    uint8_t key[101];
    memset(key, 'k', sizeof key);
    static const size_t lens[] = {
        0, 1, 15, AVILA_HASHMAP_INLINE_KEY, AVILA_HASHMAP_INLINE_KEY + 1, 99, 100};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++)
        assert_int_equal(avila_hashmap_put(&m, key, lens[i], V(i + 1), NULL), 0);
    /* One table plus one allocation per key longer than the inline size. */
    assert_int_equal(fa.live_allocs, 1 + 3);
    assert_int_equal(avila_hashmap_put(&m, NULL, 0, V(50), NULL), 1);
    for (size_t i = 1; i < AVILA_ARRAY_LEN(lens); i++) {
        void *v;
        assert_int_equal(avila_hashmap_get(&m, key, lens[i], &v), 0);
        assert_ptr_equal(v, V(i + 1));
    }
    assert_int_equal(avila_hashmap_put(&m, key, 101, V(9), NULL), AVILA_ELIMIT);
    assert_int_equal(avila_hashmap_get(&m, key, 101, NULL), AVILA_ENOTFOUND);
    assert_int_equal(avila_hashmap_remove(&m, key, SIZE_MAX, NULL), AVILA_ENOTFOUND);
    assert_int_equal(avila_hashmap_count(&m), AVILA_ARRAY_LEN(lens));
    size_t it = 0, klen;
    const uint8_t *k;
    int seen_long = 0;
    while (avila_hashmap_next(&m, &it, &k, &klen, NULL)) {
        assert_true(klen <= 100);
        assert_true(klen == 0 || memcmp(k, key, klen) == 0);
        seen_long += klen == 100;
    }
    assert_int_equal(seen_long, 1);
    assert_int_equal(avila_hashmap_remove(&m, key, 100, NULL), 0);
    assert_int_equal(fa.live_allocs, 1 + 2);
    avila_hashmap_clear(&m);
    assert_int_equal(fa.live_allocs, 1);
    assert_int_equal(avila_hashmap_count(&m), 0);
    assert_int_equal(avila_hashmap_get(&m, NULL, 0, NULL), AVILA_ENOTFOUND);
    assert_int_equal(avila_hashmap_put(&m, key, 50, V(1), NULL), 0);
    avila_hashmap_release(&m);
    assert_int_equal(fa.live_allocs, 0);
}

static void max_entries_is_enforced(void **state)
{
    (void)state;
    struct avila_hashmap m;
    struct avila_hashmap_config cfg = {.max_entries = 10};
    assert_int_equal(avila_hashmap_init(&m, avila_allocator_libc(), &cfg, seed_a), 0);
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(avila_hashmap_put(&m, &i, sizeof i, V(i), NULL), 0);
    uint32_t extra = 10;
    void *v = V(3);
    assert_int_equal(avila_hashmap_put(&m, &extra, sizeof extra, V(1), &v), AVILA_ELIMIT);
    assert_ptr_equal(v, V(3));
    assert_int_equal(avila_hashmap_count(&m), 10);
    assert_int_equal(avila_hashmap_get(&m, &extra, sizeof extra, NULL), AVILA_ENOTFOUND);
    uint32_t five = 5;
    assert_int_equal(avila_hashmap_put(&m, &five, sizeof five, V(55), &v), 1);
    assert_ptr_equal(v, V(5));
    assert_int_equal(avila_hashmap_remove(&m, &five, sizeof five, NULL), 0);
    assert_int_equal(avila_hashmap_put(&m, &extra, sizeof extra, V(1), NULL), 0);
    assert_int_equal(avila_hashmap_reserve(&m, 11), AVILA_ELIMIT);
    assert_int_equal(avila_hashmap_reserve(&m, 10), 0);
    assert_int_equal(avila_hashmap_check(&m), 0);
    avila_hashmap_release(&m);
}

static void bad_configs(void **state)
{
    (void)state;
    struct avila_hashmap m;
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_hashmap_config c1 = {.max_entries = AVILA_HASHMAP_MAX_ENTRIES_LIMIT + 1};
    assert_int_equal(avila_hashmap_init(&m, a, &c1, seed_a), AVILA_EINVAL);
    struct avila_hashmap_config c2 = {.max_key_len = AVILA_HASHMAP_MAX_KEY_LEN_LIMIT + 1};
    assert_int_equal(avila_hashmap_init(&m, a, &c2, seed_a), AVILA_EINVAL);
    struct avila_hashmap_config c3 = {.max_entries = AVILA_HASHMAP_MAX_ENTRIES_LIMIT,
                                      .max_key_len = AVILA_HASHMAP_MAX_KEY_LEN_LIMIT};
    assert_int_equal(avila_hashmap_init(&m, a, &c3, seed_a), 0);
    assert_int_equal(avila_hashmap_init(&m, a, NULL, seed_a), 0);
    assert_int_equal(m.max_entries, AVILA_HASHMAP_DEFAULT_MAX_ENTRIES);
    assert_int_equal(m.max_key_len, AVILA_HASHMAP_DEFAULT_MAX_KEY_LEN);
}

static void grows_by_doubling_and_reserve_presizes(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_hashmap m;
    struct avila_hashmap_config cfg = {.max_entries = 1 << 20};
    assert_int_equal(avila_hashmap_init(&m, &fa.allocator, &cfg, seed_a), 0);
    size_t cap = 0;
    for (uint64_t i = 0; i < 20000; i++) {
        assert_int_equal(avila_hashmap_put(&m, &i, sizeof i, V(i), NULL), 0);
        size_t now = avila_hashmap_capacity(&m);
        if (now != cap) {
            assert_int_equal(now, cap == 0 ? 8 : 2 * cap);
            /* It grew only because the previous table was 7/8 full. */
            assert_true(cap == 0 || i == cap - cap / 8);
            cap = now;
        }
        assert_true(avila_hashmap_count(&m) <= cap - cap / 8);
    }
    assert_int_equal(fa.live_allocs, 1);
    assert_int_equal(avila_hashmap_check(&m), 0);
    for (uint64_t i = 0; i < 20000; i++) {
        void *v;
        assert_int_equal(avila_hashmap_get(&m, &i, sizeof i, &v), 0);
        assert_ptr_equal(v, V(i));
    }
    avila_hashmap_release(&m);
    /* After reserve(n), n inline-key inserts allocate nothing. */
    assert_int_equal(avila_hashmap_reserve(&m, 5000), 0);
    unsigned long attempts = fa.attempts;
    for (uint64_t i = 0; i < 5000; i++)
        assert_int_equal(avila_hashmap_put(&m, &i, sizeof i, V(i), NULL), 0);
    assert_int_equal(fa.attempts, attempts);
    assert_int_equal(avila_hashmap_capacity(&m), 8192);
    assert_int_equal(avila_hashmap_reserve(&m, 100), 0);
    assert_int_equal(avila_hashmap_capacity(&m), 8192);
    avila_hashmap_release(&m);
    assert_int_equal(fa.live_allocs, 0);
}

static void model_random_operations(void **state)
{
    (void)state;
    static const size_t universes[][2] = {{8, 2}, {300, 40}, {3000, 20}};
    for (size_t u = 0; u < AVILA_ARRAY_LEN(universes); u++) {
        struct keys k;
        keys_make(&k, universes[u][0], universes[u][1], 40 + u);
        struct model md;
        model_init(&md, &k);
        struct fail_alloc fa;
        fail_alloc_init(&fa);
        struct avila_hashmap m;
        assert_int_equal(avila_hashmap_init(&m, &fa.allocator, NULL, seed_b), 0);
        uint64_t rng = 1000 + u;
        for (uintptr_t step = 1; step <= 60000; step++) {
            random_op(&m, &md, &rng, step);
            if (step % 10000 == 0)
                agree(&m, &md);
            if (step == 30000) {
                avila_hashmap_clear(&m);
                memset(md.present, 0, k.n);
                md.count = 0;
                agree(&m, &md);
            }
        }
        agree(&m, &md);
        avila_hashmap_release(&m);
        assert_int_equal(fa.live_allocs, 0);
        model_free(&md);
        keys_free(&k);
    }
}

static void iteration(void **state)
{
    (void)state;
    struct avila_hashmap m;
    assert_int_equal(avila_hashmap_init(&m, avila_allocator_libc(), NULL, seed_a), 0);
    size_t it = 0;
    assert_int_equal(avila_hashmap_next(&m, &it, NULL, NULL, NULL), 0);
    uint8_t seen[1000] = {0};
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(avila_hashmap_put(&m, &i, sizeof i, V(i), NULL), 0);
    it = 0;
    const uint8_t *k;
    size_t klen, n = 0;
    void *v;
    while (avila_hashmap_next(&m, &it, &k, &klen, &v)) {
        uint32_t i;
        assert_int_equal(klen, sizeof i);
        memcpy(&i, k, sizeof i);
        assert_true(i < 1000);
        assert_ptr_equal(v, V(i));
        assert_false(seen[i]);
        seen[i] = 1;
        n++;
    }
    assert_int_equal(n, 1000);
    /* Exhausted iterators stay exhausted; a huge iterator is just "done". */
    assert_int_equal(avila_hashmap_next(&m, &it, &k, &klen, &v), 0);
    it = SIZE_MAX;
    assert_int_equal(avila_hashmap_next(&m, &it, &k, &klen, &v), 0);
    avila_hashmap_release(&m);
}

/* The slot order of 200 keys under one seed. */
static void order_under(const uint8_t seed[16], uint32_t order[200])
{
    struct avila_hashmap m;
    assert_int_equal(avila_hashmap_init(&m, avila_allocator_libc(), NULL, seed), 0);
    for (uint32_t i = 0; i < 200; i++)
        assert_int_equal(avila_hashmap_put(&m, &i, sizeof i, NULL, NULL), 0);
    size_t it = 0, n = 0;
    const uint8_t *k;
    while (avila_hashmap_next(&m, &it, &k, NULL, NULL))
        memcpy(&order[n++], k, sizeof order[0]);
    assert_int_equal(n, 200);
    avila_hashmap_release(&m);
}

static void the_seed_decides_the_layout(void **state)
{
    (void)state;
    uint32_t a1[200], a2[200], b[200];
    order_under(seed_a, a1);
    order_under(seed_a, a2);
    order_under(seed_b, b);
    assert_memory_equal(a1, a2, sizeof a1);
    assert_memory_not_equal(a1, b, sizeof a1);
}

/*
 * Random operations with an allocator that fails: a refused put must leave
 * the map exactly as it was (same entries, same table, invariants intact).
 */
static int operations_under_faults(struct fail_alloc *fa, void *ctx)
{
    const struct keys *k = ctx;
    struct model md;
    model_init(&md, k);
    struct avila_hashmap m;
    assert_int_equal(avila_hashmap_init(&m, &fa->allocator, NULL, seed_a), 0);
    uint64_t rng = 4242;
    int rc = 0;
    for (uintptr_t step = 1; step <= 150; step++) {
        size_t cap = avila_hashmap_capacity(&m);
        unsigned long failures = fa->failures;
        int r = random_op(&m, &md, &rng, step);
        if (fa->failures != failures) {
            assert_int_equal(r, AVILA_ENOMEM);
            assert_int_equal(avila_hashmap_capacity(&m), cap);
            agree(&m, &md);
            rc = r;
        } else {
            assert_int_not_equal(r, AVILA_ENOMEM);
        }
    }
    agree(&m, &md);
    avila_hashmap_release(&m);
    model_free(&md);
    return rc;
}

static void allocation_failure_leaves_the_map_unchanged(void **state)
{
    (void)state;
    struct keys k;
    keys_make(&k, 60, 40, 7);
    assert_true(fail_alloc_sweep(operations_under_faults, &k, 0) >= 20);
    assert_true(fail_alloc_sweep(operations_under_faults, &k, 1) >= 20);
    keys_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basics),
        cmocka_unit_test(key_lengths_zero_inline_long_and_max),
        cmocka_unit_test(max_entries_is_enforced),
        cmocka_unit_test(bad_configs),
        cmocka_unit_test(grows_by_doubling_and_reserve_presizes),
        cmocka_unit_test(model_random_operations),
        cmocka_unit_test(iteration),
        cmocka_unit_test(the_seed_decides_the_layout),
        cmocka_unit_test(allocation_failure_leaves_the_map_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
