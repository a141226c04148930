/*
 * tests/data/test_lsm_dbiter.c - data/lsm_dbiter.h against a model.
 * Thousands of random histories of puts, deletes and range deletes over a
 * small key space (so versions of a key pile up and tombstones overlap),
 * spread over several memtables merged by data/lsm_merge.h; for random
 * snapshots, bounds and prefixes, the model computes the visible map
 * straight from the definition (newest point entry at or below the
 * snapshot, a VALUE, not covered by a newer visible range tombstone) and
 * random walks of seeks, seek_for_prev, seek_first, seek_last, next and
 * prev in both directions are compared with it, bytes and all. Also: an
 * error injected at every call of one child, a damaged internal key,
 * allocator failures, bad arguments.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "data/lsm_dbiter.h"
#include "data/lsm_memtable.h"
#include "data/lsm_merge.h"
#include "data/lsm_rangedel.h"
#include "tests/support/fail_alloc.h"

/* ---------------------------------------------------------------- keys */

#define KMAX 4

struct key {
    uint8_t b[KMAX];
    size_t len;
};

static struct avila_slice ks(const struct key *k)
{
    return avila_slice_make(k->b, k->len);
}

/* Bytewise, shorter first on a common prefix (lsm_format.h's user-key order). */
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

static void random_key(uint64_t *rng, struct key *k, size_t maxlen)
{
    k->len = (size_t)(unit_rand(rng) % (maxlen + 1));
    for (size_t i = 0; i < k->len; i++)
        k->b[i] = (uint8_t)("ab\0\xff"[unit_rand(rng) % 4]);
}

/* ---------------------------------------------------------------- history and model */

struct op {
    struct key key, end; /* end: RANGE_DELETE only */
    uint64_t seq;
    int kind;
    uint8_t val[6];
    size_t vlen;
    size_t table;
};

struct view {
    struct key key;
    const uint8_t *val;
    size_t vlen;
};

struct bounds {
    bool has_lower, has_upper, has_prefix;
    struct key lower, upper, prefix;
};

static bool in_bounds(const struct bounds *b, const struct key *k)
{
    if (b->has_lower && key_cmp(k, &b->lower) < 0)
        return false;
    if (b->has_upper && key_cmp(k, &b->upper) >= 0)
        return false;
    if (b->has_prefix && (k->len < b->prefix.len || memcmp(k->b, b->prefix.b, b->prefix.len) != 0))
        return false;
    return true;
}

static int view_cmp(const void *pa, const void *pb)
{
    return key_cmp(&((const struct view *)pa)->key, &((const struct view *)pb)->key);
}

/* The visible map at snap within the bounds, sorted; returns its size. */
static size_t model_view(const struct op *ops, size_t n, uint64_t snap, const struct bounds *b,
                         struct view *out)
{
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == AVILA_LSM_RANGE_DELETE)
            continue;
        const struct key *k = &ops[i].key;
        bool seen = false;
        for (size_t j = 0; j < nv; j++)
            seen = seen || key_cmp(&out[j].key, k) == 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = ops[j].kind != AVILA_LSM_RANGE_DELETE && key_cmp(&ops[j].key, k) == 0;
        if (seen || !in_bounds(b, k))
            continue;
        /* Newest point entry of k at or below snap. */
        const struct op *newest = NULL;
        for (size_t j = 0; j < n; j++)
            if (ops[j].kind != AVILA_LSM_RANGE_DELETE && key_cmp(&ops[j].key, k) == 0 &&
                ops[j].seq <= snap && (newest == NULL || ops[j].seq > newest->seq))
                newest = &ops[j];
        if (newest == NULL || newest->kind != AVILA_LSM_VALUE)
            continue;
        bool deleted = false;
        for (size_t j = 0; j < n; j++)
            deleted = deleted || (ops[j].kind == AVILA_LSM_RANGE_DELETE && ops[j].seq <= snap &&
                                  ops[j].seq > newest->seq && key_cmp(&ops[j].key, k) <= 0 &&
                                  key_cmp(k, &ops[j].end) < 0);
        if (!deleted)
            out[nv++] = (struct view){*k, newest->val, newest->vlen};
    }
    qsort(out, nv, sizeof(*out), view_cmp);
    return nv;
}

/* ---------------------------------------------------------------- a failing child wrapper */

struct failing {
    struct avila_lsm_iter in;
    long fail_in; /* the call that fails (1 = next); 0: never */
    int status;
    bool dead;
};

static int fw_tick(struct failing *f)
{
    if (f->fail_in > 0 && --f->fail_in == 0) {
        f->status = AVILA_EIO;
        f->dead = true;
        return 1;
    }
    return 0;
}

static int fw_seek(void *self, struct avila_slice k)
{
    struct failing *f = self;
    f->status = 0;
    f->dead = false;
    return fw_tick(f) ? AVILA_EIO : avila_lsm_iter_seek(&f->in, k);
}

static int fw_seek_first(void *self)
{
    struct failing *f = self;
    f->status = 0;
    f->dead = false;
    return fw_tick(f) ? AVILA_EIO : avila_lsm_iter_seek_first(&f->in);
}

static int fw_seek_last(void *self)
{
    struct failing *f = self;
    f->status = 0;
    f->dead = false;
    return fw_tick(f) ? AVILA_EIO : avila_lsm_iter_seek_last(&f->in);
}

static int fw_next(void *self)
{
    struct failing *f = self;
    return fw_tick(f) ? AVILA_EIO : avila_lsm_iter_next(&f->in);
}

static int fw_prev(void *self)
{
    struct failing *f = self;
    return fw_tick(f) ? AVILA_EIO : avila_lsm_iter_prev(&f->in);
}

static bool fw_valid(const void *self)
{
    const struct failing *f = self;
    return !f->dead && avila_lsm_iter_valid(&f->in);
}

static struct avila_slice fw_key(const void *self)
{
    const struct failing *f = self;
    return avila_lsm_iter_key(&f->in);
}

static struct avila_slice fw_value(const void *self)
{
    const struct failing *f = self;
    return avila_lsm_iter_value(&f->in);
}

static int fw_status(const void *self)
{
    const struct failing *f = self;
    return f->status;
}

static const struct avila_lsm_iter_ops failing_ops = {
    fw_seek, fw_seek_first, fw_seek_last, fw_next, fw_prev, fw_valid, fw_key, fw_value, fw_status,
};

/* ---------------------------------------------------------------- the world */

#define MAX_OPS 64

/* Longest key of a history: 3 spreads ops over 85 keys; 1 piles versions on 5. */
static size_t g_keylen = 3;
#define MAX_TABLES 4

struct world {
    struct op ops[MAX_OPS];
    size_t nops;
    size_t ntables;
    struct avila_lsm_memtable mt[MAX_TABLES];
    struct avila_lsm_memtable_iter mit[MAX_TABLES];
    struct failing fw[MAX_TABLES];
    struct avila_lsm_iter kids[MAX_TABLES];
    struct avila_lsm_merge_slot work[MAX_TABLES];
    struct avila_lsm_merge merge;
    struct avila_lsm_iter in;
    struct avila_lsm_rangedel rd;
};

static void world_build(struct world *w, uint64_t *rng, size_t nops, size_t ntables)
{
    memset(w, 0, sizeof(*w));
    w->nops = nops;
    w->ntables = ntables;
    for (size_t t = 0; t < ntables; t++) {
        assert_int_equal(avila_lsm_memtable_init(&w->mt[t], avila_allocator_libc(), NULL), 0);
        avila_lsm_memtable_iter_init(&w->mit[t], &w->mt[t]);
        avila_lsm_memtable_iter_as(&w->mit[t], &w->fw[t].in);
        w->kids[t] = (struct avila_lsm_iter){&failing_ops, &w->fw[t]};
    }
    /* Seqs 1..nops in a random order: tombstones and values interleave in time freely. */
    uint64_t seqs[MAX_OPS];
    for (size_t i = 0; i < nops; i++)
        seqs[i] = i + 1;
    for (size_t i = nops; i > 1; i--) {
        size_t j = (size_t)(unit_rand(rng) % i);
        uint64_t x = seqs[i - 1];
        seqs[i - 1] = seqs[j];
        seqs[j] = x;
    }
    for (size_t i = 0; i < nops; i++) {
        struct op *o = &w->ops[i];
        unsigned r = (unsigned)(unit_rand(rng) % 10);
        o->kind = r < 6 ? AVILA_LSM_VALUE : r < 8 ? AVILA_LSM_DELETE : AVILA_LSM_RANGE_DELETE;
        random_key(rng, &o->key, g_keylen);
        o->seq = seqs[i];
        o->table = (size_t)(unit_rand(rng) % ntables);
        struct avila_slice v;
        if (o->kind == AVILA_LSM_RANGE_DELETE) {
            random_key(rng, &o->end, g_keylen);
            if (key_cmp(&o->key, &o->end) > 0) {
                struct key x = o->key;
                o->key = o->end;
                o->end = x;
            }
            v = ks(&o->end);
        } else {
            o->vlen = o->kind == AVILA_LSM_VALUE ? (size_t)(unit_rand(rng) % 6) : 0;
            unit_rand_fill(rng, o->val, o->vlen);
            v = avila_slice_make(o->val, o->vlen);
        }
        assert_int_equal(avila_lsm_memtable_add(&w->mt[o->table], o->seq,
                                                (enum avila_lsm_kind)o->kind, ks(&o->key), v),
                         0);
    }
    assert_int_equal(avila_lsm_merge_init(&w->merge, w->kids, ntables, w->work, MAX_TABLES), 0);
    avila_lsm_merge_as(&w->merge, &w->in);
}

/* Collects the tombstones at or below max_seq from every table into w->rd. */
static void world_rangedel(struct world *w, uint64_t max_seq)
{
    avila_lsm_rangedel_init(&w->rd, avila_allocator_libc(), 0);
    for (size_t t = 0; t < w->ntables; t++) {
        struct avila_lsm_iter it;
        struct avila_lsm_memtable_iter mi;
        avila_lsm_memtable_iter_init(&mi, &w->mt[t]);
        avila_lsm_memtable_iter_as(&mi, &it);
        assert_int_equal(avila_lsm_rangedel_add_iter(&w->rd, &it, max_seq), 0);
    }
    assert_int_equal(avila_lsm_rangedel_finish(&w->rd), 0);
}

static void world_free(struct world *w)
{
    avila_lsm_rangedel_release(&w->rd);
    for (size_t t = 0; t < w->ntables; t++)
        avila_lsm_memtable_release(&w->mt[t]);
}

static void random_bounds(uint64_t *rng, struct bounds *b, struct avila_lsm_dbiter_options *opt)
{
    memset(b, 0, sizeof(*b));
    memset(opt, 0, sizeof(*opt));
    unsigned r = (unsigned)(unit_rand(rng) % 8);
    if (r & 1) {
        b->has_lower = opt->has_lower = true;
        random_key(rng, &b->lower, 2);
        opt->lower = ks(&b->lower);
    }
    if (r & 2) {
        b->has_upper = opt->has_upper = true;
        random_key(rng, &b->upper, 2);
        opt->upper = ks(&b->upper);
    }
    if ((r & 4) && unit_rand(rng) % 2) {
        b->has_prefix = opt->has_prefix = true;
        random_key(rng, &b->prefix, 2);
        opt->prefix = ks(&b->prefix);
    }
}

static void check_at(const struct avila_lsm_dbiter *it, const struct view *v, size_t nv, size_t pos)
{
    assert_int_equal(avila_lsm_dbiter_status(it), 0);
    if (pos >= nv) {
        assert_false(avila_lsm_dbiter_valid(it));
        return;
    }
    assert_true(avila_lsm_dbiter_valid(it));
    struct avila_slice k = avila_lsm_dbiter_key(it), val = avila_lsm_dbiter_value(it);
    assert_int_equal(kcmp(k.ptr, k.len, v[pos].key.b, v[pos].key.len), 0);
    assert_int_equal(val.len, v[pos].vlen);
    if (val.len > 0)
        assert_memory_equal(val.ptr, v[pos].val, val.len);
}

/* Index of the first view key >= k (nv if none). */
static size_t lower_index(const struct view *v, size_t nv, const struct key *k)
{
    size_t i = 0;
    while (i < nv && key_cmp(&v[i].key, k) < 0)
        i++;
    return i;
}

static void random_walk(struct avila_lsm_dbiter *it, const struct view *v, size_t nv, uint64_t *rng,
                        int steps)
{
    size_t pos = nv;
    for (int s = 0; s < steps; s++) {
        unsigned op = (unsigned)(unit_rand(rng) % 12);
        bool valid = pos < nv;
        if (!valid && op >= 4)
            op = (unsigned)(unit_rand(rng) % 4);
        struct key k;
        random_key(rng, &k, 3);
        switch (op) {
        case 0:
            assert_int_equal(avila_lsm_dbiter_seek(it, ks(&k)), 0);
            pos = lower_index(v, nv, &k);
            break;
        case 1: {
            assert_int_equal(avila_lsm_dbiter_seek_for_prev(it, ks(&k)), 0);
            size_t i = lower_index(v, nv, &k);
            if (i < nv && key_cmp(&v[i].key, &k) == 0)
                pos = i;
            else
                pos = i == 0 ? nv : i - 1;
            break;
        }
        case 2:
            assert_int_equal(avila_lsm_dbiter_seek_first(it), 0);
            pos = 0;
            break;
        case 3:
            assert_int_equal(avila_lsm_dbiter_seek_last(it), 0);
            pos = nv == 0 ? 0 : nv - 1;
            break;
        case 4:
        case 5:
        case 6:
        case 7:
            assert_int_equal(avila_lsm_dbiter_next(it), 0);
            pos++;
            break;
        default:
            assert_int_equal(avila_lsm_dbiter_prev(it), 0);
            pos = pos == 0 ? nv : pos - 1;
            break;
        }
        check_at(it, v, nv, pos);
    }
}

static void run_histories(uint64_t rng, int rounds)
{
    static struct world w;
    struct view v[MAX_OPS] = {0};
    for (int round = 0; round < rounds; round++) {
        size_t nops = 1 + (size_t)(unit_rand(&rng) % MAX_OPS);
        world_build(&w, &rng, nops, 1 + (size_t)(unit_rand(&rng) % MAX_TABLES));
        for (int snaps = 0; snaps < 3; snaps++) {
            uint64_t snap = unit_rand(&rng) % 5 == 0 ? UINT64_MAX : unit_rand(&rng) % (nops + 2);
            /* Tombstones collected up to the snapshot, or all (the query filters by snapshot). */
            world_rangedel(&w, unit_rand(&rng) % 2 ? snap : UINT64_MAX);
            struct bounds b;
            struct avila_lsm_dbiter_options opt;
            random_bounds(&rng, &b, &opt);
            size_t nv = model_view(w.ops, nops, snap, &b, v);
            struct avila_lsm_dbiter it;
            assert_int_equal(
                avila_lsm_dbiter_init(&it, &w.in, snap, &w.rd, &opt, avila_allocator_libc()), 0);
            random_walk(&it, v, nv, &rng, 60);
            /* Full scans both ways. */
            assert_int_equal(avila_lsm_dbiter_seek_first(&it), 0);
            for (size_t i = 0; i <= nv; i++) {
                check_at(&it, v, nv, i);
                if (i < nv)
                    assert_int_equal(avila_lsm_dbiter_next(&it), 0);
            }
            assert_int_equal(avila_lsm_dbiter_seek_last(&it), 0);
            for (size_t i = nv; i-- > 0;) {
                check_at(&it, v, nv, i);
                assert_int_equal(avila_lsm_dbiter_prev(&it), 0);
            }
            check_at(&it, v, nv, nv);
            avila_lsm_dbiter_release(&it);
            avila_lsm_rangedel_release(&w.rd);
        }
        world_free(&w);
    }
}

static void model_random(void **state)
{
    (void)state;
    g_keylen = 3;
    run_histories(0x6462697465, 3000);
}

/* Few keys, many versions each: the skip-by-seek path and deep version stacks backward. */
static void hot_keys(void **state)
{
    (void)state;
    g_keylen = 1;
    run_histories(0x686f74, 2000);
    g_keylen = 3;
}

/* Without a tombstone set, RANGE_DELETE entries are still never shown and hide nothing. */
static void no_rangedel(void **state)
{
    (void)state;
    uint64_t rng = 0x6e6f7264;
    static struct world w;
    struct view v[MAX_OPS] = {0};
    for (int round = 0; round < 500; round++) {
        size_t nops = 1 + (size_t)(unit_rand(&rng) % MAX_OPS);
        world_build(&w, &rng, nops, 1 + (size_t)(unit_rand(&rng) % MAX_TABLES));
        avila_lsm_rangedel_init(&w.rd, avila_allocator_libc(), 0);
        /* The model without tombstones: drop them from the history. */
        struct op ops[MAX_OPS];
        size_t n = 0;
        for (size_t i = 0; i < nops; i++)
            if (w.ops[i].kind != AVILA_LSM_RANGE_DELETE)
                ops[n++] = w.ops[i];
        uint64_t snap = unit_rand(&rng) % (nops + 2);
        struct bounds b;
        struct avila_lsm_dbiter_options opt;
        random_bounds(&rng, &b, &opt);
        size_t nv = model_view(ops, n, snap, &b, v);
        struct avila_lsm_dbiter it;
        assert_int_equal(
            avila_lsm_dbiter_init(&it, &w.in, snap, NULL, &opt, avila_allocator_libc()), 0);
        random_walk(&it, v, nv, &rng, 100);
        avila_lsm_dbiter_release(&it);
        world_free(&w);
    }
}

/* An error at any call of one child surfaces from the dbiter call that met it; a seek clears it. */
static void child_errors(void **state)
{
    (void)state;
    uint64_t rng = 0x657272;
    static struct world w;
    struct view v[MAX_OPS] = {0};
    for (int round = 0; round < 1000; round++) {
        size_t nops = 10 + (size_t)(unit_rand(&rng) % (MAX_OPS - 10));
        world_build(&w, &rng, nops, 1 + (size_t)(unit_rand(&rng) % MAX_TABLES));
        uint64_t snap = UINT64_MAX;
        world_rangedel(&w, snap);
        size_t victim = (size_t)(unit_rand(&rng) % w.ntables);
        long at = 1 + (long)(unit_rand(&rng) % 200);
        w.fw[victim].fail_in = at;
        struct bounds b;
        struct avila_lsm_dbiter_options opt;
        random_bounds(&rng, &b, &opt);
        size_t nv = model_view(w.ops, nops, snap, &b, v);
        struct avila_lsm_dbiter it;
        assert_int_equal(
            avila_lsm_dbiter_init(&it, &w.in, snap, &w.rd, &opt, avila_allocator_libc()), 0);
        int rc = 0;
        for (int s = 0; s < 100 && rc == 0; s++) {
            unsigned op = (unsigned)(unit_rand(&rng) % 6);
            if (!avila_lsm_dbiter_valid(&it) || op == 0)
                rc = unit_rand(&rng) % 2 ? avila_lsm_dbiter_seek_first(&it)
                                         : avila_lsm_dbiter_seek_last(&it);
            else if (op < 4)
                rc = avila_lsm_dbiter_next(&it);
            else
                rc = avila_lsm_dbiter_prev(&it);
        }
        if (w.fw[victim].fail_in == 0) {
            assert_int_equal(rc, AVILA_EIO);
            assert_false(avila_lsm_dbiter_valid(&it));
            assert_int_equal(avila_lsm_dbiter_status(&it), AVILA_EIO);
            assert_int_equal(avila_lsm_dbiter_seek_first(&it), 0);
            check_at(&it, v, nv, 0);
        } else {
            assert_int_equal(rc, 0);
        }
        avila_lsm_dbiter_release(&it);
        world_free(&w);
    }
}

/* A single-entry source whose key does not parse. */
static int bad_zero(void *self)
{
    (void)self;
    return 0;
}
static int bad_seek(void *self, struct avila_slice k)
{
    (void)self;
    (void)k;
    return 0;
}
static bool bad_valid(const void *self)
{
    (void)self;
    return true;
}
static struct avila_slice bad_key(const void *self)
{
    (void)self;
    static const uint8_t k[9] = {'k', 9, 1, 0, 0, 0, 0, 0, 0}; /* kind 9 */
    return avila_slice_make(k, sizeof(k));
}
static int bad_status(const void *self)
{
    (void)self;
    return 0;
}
static const struct avila_lsm_iter_ops bad_ops = {
    bad_seek, bad_zero, bad_zero, bad_zero, bad_zero, bad_valid, bad_key, bad_key, bad_status,
};

static void damaged_and_arguments(void **state)
{
    (void)state;
    struct avila_lsm_iter bad = {&bad_ops, NULL};
    struct avila_lsm_dbiter it;
    assert_int_equal(avila_lsm_dbiter_init(&it, &bad, 10, NULL, NULL, avila_allocator_libc()), 0);
    assert_int_equal(avila_lsm_dbiter_seek_first(&it), AVILA_EFORMAT);
    assert_false(avila_lsm_dbiter_valid(&it));
    assert_int_equal(avila_lsm_dbiter_status(&it), AVILA_EFORMAT);
    assert_int_equal(avila_lsm_dbiter_seek_last(&it), AVILA_EFORMAT);
    assert_int_equal(avila_lsm_dbiter_seek(&it, avila_slice_from_cstr("a")), AVILA_EFORMAT);
    assert_int_equal(avila_lsm_dbiter_seek_for_prev(&it, avila_slice_from_cstr("a")),
                     AVILA_EFORMAT);
    avila_lsm_dbiter_release(&it);

    assert_int_equal(avila_lsm_dbiter_init(&it, NULL, 10, NULL, NULL, avila_allocator_libc()),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_dbiter_init(&it, &bad, 10, NULL, NULL, NULL), AVILA_EINVAL);
    struct avila_lsm_rangedel rd;
    avila_lsm_rangedel_init(&rd, avila_allocator_libc(), 0);
    assert_int_equal(avila_lsm_dbiter_init(&it, &bad, 10, &rd, NULL, avila_allocator_libc()),
                     AVILA_EINVAL);
    avila_lsm_rangedel_release(&rd);

    /* Allocator failures in init (bounds) and while copying backward leave nothing behind. */
    static struct world w;
    uint64_t rng = 0x616c6c6f63;
    world_build(&w, &rng, 40, 2);
    avila_lsm_rangedel_init(&w.rd, avila_allocator_libc(), 0);
    assert_int_equal(avila_lsm_rangedel_finish(&w.rd), 0);
    struct avila_lsm_dbiter_options opt = {.lower = avila_slice_from_cstr("a"),
                                           .has_lower = true,
                                           .prefix = avila_slice_from_cstr("ab"),
                                           .has_prefix = true};
    for (unsigned long nth = 1; nth < 12; nth++) {
        struct fail_alloc fa;
        fail_alloc_init(&fa);
        fail_alloc_fail_nth(&fa, nth, 1);
        int rc = avila_lsm_dbiter_init(&it, &w.in, UINT64_MAX, &w.rd, &opt, &fa.allocator);
        if (rc == 0) {
            rc = avila_lsm_dbiter_seek_last(&it);
            while (rc == 0 && avila_lsm_dbiter_valid(&it))
                rc = avila_lsm_dbiter_prev(&it);
            assert_true(rc == 0 || rc == AVILA_ENOMEM);
            if (rc == AVILA_ENOMEM)
                assert_int_equal(avila_lsm_dbiter_status(&it), AVILA_ENOMEM);
            avila_lsm_dbiter_release(&it);
        } else {
            assert_int_equal(rc, AVILA_ENOMEM);
        }
        assert_int_equal(fa.live_allocs, 0);
    }
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_random),          cmocka_unit_test(hot_keys),
        cmocka_unit_test(no_rangedel),           cmocka_unit_test(child_errors),
        cmocka_unit_test(damaged_and_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
