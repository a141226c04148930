/*
 * tests/data/test_lsm_merge.c - data/lsm_merge.h against a model: the
 * children's entries gathered into one array sorted by (internal key, child
 * index) with a reference order written from lsm_format.h's words. Random
 * children (sorted arrays behind a test adapter, and memtables behind
 * avila_lsm_memtable_iter_as), random walks of seeks, seek_first,
 * seek_last, next and prev with direction switches; children sharing keys
 * (ties by child index); hundreds of children; a merge of merges; errors
 * injected into one child at every call position. The concatenating
 * iterator (data/lsm_concat.h) the same way: random runs of one sorted
 * model (some empty) as its children, random walks and full scans, and
 * an injected error in one child.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "data/lsm_concat.h"
#include "data/lsm_memtable.h"
#include "data/lsm_merge.h"

/* ---------------------------------------------------------------- reference order */

struct ent {
    uint8_t uk[6];
    size_t ulen;
    uint64_t trailer; /* seq << 8 | kind */
    uint8_t ik[6 + 8];
    size_t iklen;
    uint8_t val[8];
    size_t vlen;
    size_t child;
};

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* User key bytewise (shorter first on a common prefix), then trailer descending. */
static int ref_cmp(const uint8_t *ka, size_t la, uint64_t ta, const uint8_t *kb, size_t lb,
                   uint64_t tb)
{
    for (size_t i = 0; i < la && i < lb; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (ta != tb)
        return ta > tb ? -1 : 1;
    return 0;
}

static int ent_cmp(const struct ent *a, const struct ent *b)
{
    return ref_cmp(a->uk, a->ulen, a->trailer, b->uk, b->ulen, b->trailer);
}

/* Model order: internal key, then child index. */
static int model_cmp(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;
    int c = ent_cmp(a, b);
    if (c != 0)
        return c;
    return a->child < b->child ? -1 : a->child > b->child ? 1 : 0;
}

static int child_cmp(const void *pa, const void *pb)
{
    return ent_cmp(pa, pb);
}

static void make_ent(struct ent *e, uint64_t *rng, size_t child)
{
    memset(e, 0, sizeof(*e));
    e->ulen = (size_t)(unit_rand(rng) % 4);
    for (size_t i = 0; i < e->ulen; i++)
        e->uk[i] = (uint8_t)("ab\0\xff"[unit_rand(rng) % 4]);
    uint64_t seq = unit_rand(rng) % 20;
    e->trailer = seq << 8 | (unit_rand(rng) % 3);
    memcpy(e->ik, e->uk, e->ulen);
    for (int i = 0; i < 8; i++)
        e->ik[e->ulen + (size_t)i] = (uint8_t)(e->trailer >> (8 * i));
    e->iklen = e->ulen + 8;
    e->vlen = (size_t)(unit_rand(rng) % 8);
    unit_rand_fill(rng, e->val, e->vlen);
    e->child = child;
}

/* ---------------------------------------------------------------- array child */

struct arr {
    const struct ent *e;
    size_t n;
    size_t pos; /* n: not valid */
    int status;
    long fail_in; /* the call that fails with AVILA_EIO (1 = the next one); 0: never */
    unsigned long calls;
};

static int arr_fail(struct arr *a)
{
    a->calls++;
    if (a->fail_in > 0 && --a->fail_in == 0) {
        a->status = AVILA_EIO;
        a->pos = a->n;
        return 1;
    }
    return 0;
}

static int arr_seek(void *self, struct avila_slice ik)
{
    struct arr *a = self;
    a->status = 0;
    if (arr_fail(a))
        return AVILA_EIO;
    uint64_t t = le64(ik.ptr + ik.len - 8);
    size_t i = 0;
    while (i < a->n &&
           ref_cmp(a->e[i].uk, a->e[i].ulen, a->e[i].trailer, ik.ptr, ik.len - 8, t) < 0)
        i++;
    a->pos = i;
    return 0;
}

static int arr_seek_first(void *self)
{
    struct arr *a = self;
    a->status = 0;
    if (arr_fail(a))
        return AVILA_EIO;
    a->pos = 0;
    return 0;
}

static int arr_seek_last(void *self)
{
    struct arr *a = self;
    a->status = 0;
    if (arr_fail(a))
        return AVILA_EIO;
    a->pos = a->n == 0 ? 0 : a->n - 1;
    return 0;
}

static int arr_next(void *self)
{
    struct arr *a = self;
    assert_true(a->pos < a->n);
    if (arr_fail(a))
        return AVILA_EIO;
    a->pos++;
    return 0;
}

static int arr_prev(void *self)
{
    struct arr *a = self;
    assert_true(a->pos < a->n);
    if (arr_fail(a))
        return AVILA_EIO;
    a->pos = a->pos == 0 ? a->n : a->pos - 1;
    return 0;
}

static bool arr_valid(const void *self)
{
    const struct arr *a = self;
    return a->pos < a->n;
}

static struct avila_slice arr_key(const void *self)
{
    const struct arr *a = self;
    assert_true(a->pos < a->n);
    return avila_slice_make(a->e[a->pos].ik, a->e[a->pos].iklen);
}

static struct avila_slice arr_value(const void *self)
{
    const struct arr *a = self;
    assert_true(a->pos < a->n);
    return avila_slice_make(a->e[a->pos].val, a->e[a->pos].vlen);
}

static int arr_status(const void *self)
{
    const struct arr *a = self;
    return a->status;
}

static const struct avila_lsm_iter_ops arr_ops = {
    arr_seek,  arr_seek_first, arr_seek_last, arr_next,   arr_prev,
    arr_valid, arr_key,        arr_value,     arr_status,
};

/* ---------------------------------------------------------------- a world of children */

#define MAX_CHILDREN 400

struct world {
    size_t nchild;
    struct ent *ents[MAX_CHILDREN];
    size_t counts[MAX_CHILDREN];
    struct arr arrs[MAX_CHILDREN];
    struct avila_lsm_memtable mts[MAX_CHILDREN];
    bool is_mt[MAX_CHILDREN];
    struct avila_lsm_memtable_iter mits[MAX_CHILDREN];
    struct avila_lsm_iter children[MAX_CHILDREN];
    struct ent *model;
    size_t nmodel;
};

/* Builds nchild children of up to max_ents entries; some memtables when use_mt. */
static void world_build(struct world *w, uint64_t *rng, size_t nchild, size_t max_ents, bool use_mt)
{
    memset(w, 0, sizeof(*w));
    w->nchild = nchild;
    size_t total = 0;
    for (size_t c = 0; c < nchild; c++) {
        size_t n = max_ents == 0 ? 0 : (size_t)(unit_rand(rng) % (max_ents + 1));
        struct ent *e = calloc(n + 1, sizeof(*e));
        assert_non_null(e);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            make_ent(&e[k], rng, c);
            bool dup = false;
            for (size_t j = 0; j < k; j++)
                dup = dup || ent_cmp(&e[j], &e[k]) == 0;
            if (!dup)
                k++;
        }
        qsort(e, k, sizeof(*e), child_cmp);
        w->ents[c] = e;
        w->counts[c] = k;
        total += k;
        w->is_mt[c] = use_mt && unit_rand(rng) % 2 == 0;
        if (w->is_mt[c]) {
            assert_int_equal(avila_lsm_memtable_init(&w->mts[c], avila_allocator_libc(), NULL), 0);
            for (size_t i = 0; i < k; i++)
                assert_int_equal(avila_lsm_memtable_add(&w->mts[c], e[i].trailer >> 8,
                                                        (enum avila_lsm_kind)(e[i].trailer & 0xff),
                                                        avila_slice_make(e[i].uk, e[i].ulen),
                                                        avila_slice_make(e[i].val, e[i].vlen)),
                                 0);
            avila_lsm_memtable_iter_init(&w->mits[c], &w->mts[c]);
            avila_lsm_memtable_iter_as(&w->mits[c], &w->children[c]);
        } else {
            w->arrs[c] = (struct arr){.e = e, .n = k, .pos = k};
            w->children[c] = (struct avila_lsm_iter){&arr_ops, &w->arrs[c]};
        }
    }
    w->model = calloc(total + 1, sizeof(*w->model));
    assert_non_null(w->model);
    for (size_t c = 0; c < nchild; c++) {
        memcpy(w->model + w->nmodel, w->ents[c], w->counts[c] * sizeof(struct ent));
        w->nmodel += w->counts[c];
    }
    qsort(w->model, w->nmodel, sizeof(*w->model), model_cmp);
}

static void world_free(struct world *w)
{
    for (size_t c = 0; c < w->nchild; c++) {
        if (w->is_mt[c])
            avila_lsm_memtable_release(&w->mts[c]);
        free(w->ents[c]);
    }
    free(w->model);
}

/*
 * Checks the iterator stands at model position pos (nmodel = not valid);
 * m, when not NULL, is the merge behind it and must name the entry's child.
 */
static void check_at(const struct avila_lsm_iter *it, const struct avila_lsm_merge *m,
                     const struct world *w, size_t pos)
{
    if (pos >= w->nmodel) {
        assert_false(avila_lsm_iter_valid(it));
        assert_int_equal(avila_lsm_iter_status(it), 0);
        return;
    }
    assert_true(avila_lsm_iter_valid(it));
    const struct ent *e = &w->model[pos];
    struct avila_slice k = avila_lsm_iter_key(it);
    assert_int_equal(k.len, e->iklen);
    assert_memory_equal(k.ptr, e->ik, k.len);
    struct avila_slice v = avila_lsm_iter_value(it);
    assert_int_equal(v.len, e->vlen);
    if (v.len > 0)
        assert_memory_equal(v.ptr, e->val, v.len);
    if (m != NULL)
        assert_int_equal(avila_lsm_merge_child(m), e->child);
}

/* One random walk of steps moves over the iterator (m as in check_at). */
static void random_walk(const struct avila_lsm_iter *it, const struct avila_lsm_merge *m,
                        const struct world *w, uint64_t *rng, int steps)
{
    size_t pos = w->nmodel;
    for (int s = 0; s < steps; s++) {
        unsigned op = (unsigned)(unit_rand(rng) % 10);
        bool valid = pos < w->nmodel;
        if (op == 0 || (!valid && op < 6)) {
            struct ent probe;
            make_ent(&probe, rng, 0);
            if (unit_rand(rng) % 2 && w->nmodel > 0) /* often an existing key */
                probe = w->model[unit_rand(rng) % w->nmodel];
            assert_int_equal(avila_lsm_iter_seek(it, avila_slice_make(probe.ik, probe.iklen)), 0);
            pos = 0;
            while (pos < w->nmodel && ent_cmp(&w->model[pos], &probe) < 0)
                pos++;
        } else if (op == 1 && !valid) {
            assert_int_equal(avila_lsm_iter_seek_first(it), 0);
            pos = 0;
        } else if (op < 6 && !valid) {
            assert_int_equal(avila_lsm_iter_seek_last(it), 0);
            pos = w->nmodel == 0 ? 0 : w->nmodel - 1;
        } else if (op == 1) {
            assert_int_equal(avila_lsm_iter_seek_first(it), 0);
            pos = 0;
        } else if (op == 2) {
            assert_int_equal(avila_lsm_iter_seek_last(it), 0);
            pos = w->nmodel == 0 ? 0 : w->nmodel - 1;
        } else if (!valid) {
            continue;
        } else if (op < 6) {
            assert_int_equal(avila_lsm_iter_next(it), 0);
            pos++;
        } else {
            assert_int_equal(avila_lsm_iter_prev(it), 0);
            pos = pos == 0 ? w->nmodel : pos - 1;
        }
        check_at(it, m, w, pos);
    }
}

/* Full scans both ways (m as in check_at). */
static void full_scans(const struct avila_lsm_iter *it, const struct avila_lsm_merge *m,
                       const struct world *w)
{
    assert_int_equal(avila_lsm_iter_seek_first(it), 0);
    for (size_t i = 0; i < w->nmodel; i++) {
        check_at(it, m, w, i);
        assert_int_equal(avila_lsm_iter_next(it), 0);
    }
    check_at(it, m, w, w->nmodel);
    assert_int_equal(avila_lsm_iter_seek_last(it), 0);
    for (size_t i = w->nmodel; i-- > 0;) {
        check_at(it, m, w, i);
        assert_int_equal(avila_lsm_iter_prev(it), 0);
    }
    check_at(it, m, w, w->nmodel);
}

static void run_world(uint64_t *rng, size_t nchild, size_t max_ents, bool use_mt, int walks,
                      int steps)
{
    struct world *w = malloc(sizeof(*w));
    assert_non_null(w);
    world_build(w, rng, nchild, max_ents, use_mt);
    struct avila_lsm_merge_slot *work = calloc(nchild + 1, sizeof(*work));
    assert_non_null(work);
    struct avila_lsm_merge m;
    assert_int_equal(
        avila_lsm_merge_init(&m, w->children, nchild, work, AVILA_LSM_MERGE_WORK_LEN(nchild)), 0);
    assert_false(avila_lsm_merge_valid(&m));
    struct avila_lsm_iter view;
    avila_lsm_merge_as(&m, &view);
    for (int i = 0; i < walks; i++)
        random_walk(&view, &m, w, rng, steps);
    full_scans(&view, &m, w);
    free(work);
    world_free(w);
    free(w);
}

static void model_random(void **state)
{
    (void)state;
    uint64_t rng = 0x6d65726765;
    for (int round = 0; round < 600; round++) {
        size_t nchild = (size_t)(unit_rand(&rng) % 9);
        run_world(&rng, nchild, 1 + (size_t)(unit_rand(&rng) % 30), true, 3, 60);
    }
}

static void many_children(void **state)
{
    (void)state;
    uint64_t rng = 0x6d616e79;
    run_world(&rng, 300, 6, false, 4, 400);
    run_world(&rng, 300, 6, true, 2, 400);
    run_world(&rng, 64, 0, false, 2, 20); /* all empty */
}

/* After editing entries: re-sorts each array child, drops in-child duplicates, rebuilds the model.
 */
static void world_resort(struct world *w)
{
    size_t n = 0;
    for (size_t c = 0; c < w->nchild; c++) {
        assert_false(w->is_mt[c]);
        qsort(w->ents[c], w->counts[c], sizeof(struct ent), child_cmp);
        size_t k = 0;
        for (size_t i = 0; i < w->counts[c]; i++)
            if (k == 0 || ent_cmp(&w->ents[c][k - 1], &w->ents[c][i]) != 0)
                w->ents[c][k++] = w->ents[c][i];
        w->counts[c] = k;
        w->arrs[c] = (struct arr){.e = w->ents[c], .n = k, .pos = k};
        memcpy(w->model + n, w->ents[c], k * sizeof(struct ent));
        n += k;
    }
    w->nmodel = n;
    qsort(w->model, n, sizeof(*w->model), model_cmp);
}

static void set_trailer(struct ent *e, uint64_t trailer)
{
    e->trailer = trailer;
    for (int i = 0; i < 8; i++)
        e->ik[e->ulen + (size_t)i] = (uint8_t)(trailer >> (8 * i));
}

/* Children holding the very same internal keys: every entry once, in child order. */
static void shared_keys(void **state)
{
    (void)state;
    uint64_t rng = 0x73686172;
    for (int round = 0; round < 200; round++) {
        struct world *w = malloc(sizeof(*w));
        assert_non_null(w);
        world_build(w, &rng, 1 + (size_t)(unit_rand(&rng) % 5), 12, false);
        /* Copy child 0's keys (not values) into others, re-sorting them. */
        for (size_t c = 1; c < w->nchild; c++)
            for (size_t i = 0; i < w->counts[c] && i < w->counts[0]; i++)
                if (unit_rand(&rng) % 2) {
                    memcpy(w->ents[c][i].ik, w->ents[0][i].ik, sizeof(w->ents[0][i].ik));
                    memcpy(w->ents[c][i].uk, w->ents[0][i].uk, sizeof(w->ents[0][i].uk));
                    w->ents[c][i].ulen = w->ents[0][i].ulen;
                    w->ents[c][i].iklen = w->ents[0][i].iklen;
                    w->ents[c][i].trailer = w->ents[0][i].trailer;
                }
        world_resort(w);
        struct avila_lsm_merge_slot work[5];
        struct avila_lsm_merge m;
        assert_int_equal(avila_lsm_merge_init(&m, w->children, w->nchild, work, 5), 0);
        struct avila_lsm_iter view;
        avila_lsm_merge_as(&m, &view);
        for (int i = 0; i < 4; i++)
            random_walk(&view, &m, w, &rng, 80);
        world_free(w);
        free(w);
    }
}

/* A merge whose children are merges (through avila_lsm_merge_as) equals the flat merge. */
static void merge_of_merges(void **state)
{
    (void)state;
    uint64_t rng = 0x6e657374;
    for (int round = 0; round < 100; round++) {
        struct world *w = malloc(sizeof(*w));
        assert_non_null(w);
        world_build(w, &rng, 6, 15, false);
        /* A child must be strictly sorted, and a merge with ties is not: unique seqs here. */
        for (size_t c = 0; c < 6; c++)
            for (size_t i = 0; i < w->counts[c]; i++)
                set_trailer(&w->ents[c][i], (c * 100 + i) << 8 | (w->ents[c][i].trailer & 0xff));
        world_resort(w);
        struct avila_lsm_merge_slot wa[3], wb[3], wt[2];
        struct avila_lsm_merge a, b, top;
        struct avila_lsm_iter two[2];
        assert_int_equal(avila_lsm_merge_init(&a, w->children, 3, wa, 3), 0);
        assert_int_equal(avila_lsm_merge_init(&b, w->children + 3, 3, wb, 3), 0);
        avila_lsm_merge_as(&a, &two[0]);
        avila_lsm_merge_as(&b, &two[1]);
        assert_int_equal(avila_lsm_merge_init(&top, two, 2, wt, 2), 0);
        struct avila_lsm_iter it;
        avila_lsm_merge_as(&top, &it);
        /* Compare the outer merge's keys, both ways, with the model (child order is inner). */
        size_t pos = 0;
        assert_int_equal(avila_lsm_iter_seek_first(&it), 0);
        for (int s = 0; s < 200; s++) {
            if (pos >= w->nmodel) {
                assert_false(avila_lsm_iter_valid(&it));
                assert_int_equal(avila_lsm_iter_seek_first(&it), 0);
                pos = 0;
                continue;
            }
            assert_true(avila_lsm_iter_valid(&it));
            struct avila_slice k = avila_lsm_iter_key(&it);
            assert_int_equal(k.len, w->model[pos].iklen);
            assert_memory_equal(k.ptr, w->model[pos].ik, k.len);
            struct avila_slice v = avila_lsm_iter_value(&it);
            assert_int_equal(v.len, w->model[pos].vlen);
            if (v.len > 0)
                assert_memory_equal(v.ptr, w->model[pos].val, v.len);
            if (unit_rand(&rng) % 3 == 0) {
                assert_int_equal(avila_lsm_iter_prev(&it), 0);
                pos = pos == 0 ? w->nmodel : pos - 1;
            } else {
                assert_int_equal(avila_lsm_iter_next(&it), 0);
                pos++;
            }
        }
        assert_int_equal(avila_lsm_iter_status(&it), 0);
        world_free(w);
        free(w);
    }
}

/* An error in one child at its k-th call surfaces from the merge, which then stops. */
static void child_errors(void **state)
{
    (void)state;
    uint64_t rng = 0x6572726f72;
    for (int round = 0; round < 300; round++) {
        struct world *w = malloc(sizeof(*w));
        assert_non_null(w);
        world_build(w, &rng, 2 + (size_t)(unit_rand(&rng) % 4), 20, false);
        size_t victim = (size_t)(unit_rand(&rng) % w->nchild);
        w->arrs[victim].fail_in = 1 + (long)(unit_rand(&rng) % 40);
        struct avila_lsm_merge_slot work[6];
        struct avila_lsm_merge m;
        assert_int_equal(avila_lsm_merge_init(&m, w->children, w->nchild, work, 6), 0);
        int rc = 0;
        uint64_t seen_calls = 0;
        for (int s = 0; s < 200 && rc == 0; s++) {
            unsigned op = (unsigned)(unit_rand(&rng) % 8);
            if (!avila_lsm_merge_valid(&m) || op == 0)
                rc = unit_rand(&rng) % 2 ? avila_lsm_merge_seek_first(&m)
                                         : avila_lsm_merge_seek_last(&m);
            else if (op < 5)
                rc = avila_lsm_merge_next(&m);
            else
                rc = avila_lsm_merge_prev(&m);
            seen_calls = w->arrs[victim].calls;
        }
        if (w->arrs[victim].fail_in == 0) {
            /* The injected failure happened: it was reported by that very call. */
            assert_int_equal(rc, AVILA_EIO);
            assert_false(avila_lsm_merge_valid(&m));
            assert_int_equal(avila_lsm_merge_status(&m), AVILA_EIO);
            /* A seek clears it. */
            assert_int_equal(avila_lsm_merge_seek_first(&m), 0);
            assert_int_equal(avila_lsm_merge_status(&m), 0);
            struct avila_lsm_iter view;
            avila_lsm_merge_as(&m, &view);
            check_at(&view, &m, w, 0);
        } else {
            assert_int_equal(rc, 0);
            assert_true(seen_calls < 40);
        }
        world_free(w);
        free(w);
    }
}

/* ---------------------------------------------------------------- concatenation */

/*
 * A world for data/lsm_concat.h: up to max_ents random entries, sorted,
 * cut into nchild consecutive runs (some empty), one array child each;
 * largest[c] is the last key of run c, or of the run before for an empty
 * one (the first key overall for leading empty runs).
 */
static void concat_world_build(struct world *w, struct avila_slice *largest, uint64_t *rng,
                               size_t nchild, size_t max_ents)
{
    memset(w, 0, sizeof(*w));
    w->nchild = nchild;
    size_t n = nchild == 0 ? 0 : (size_t)(unit_rand(rng) % (max_ents + 1));
    w->model = calloc(n + 1, sizeof(*w->model));
    assert_non_null(w->model);
    for (size_t i = 0; i < n; i++)
        make_ent(&w->model[i], rng, 0);
    qsort(w->model, n, sizeof(*w->model), child_cmp);
    for (size_t i = 0; i < n; i++) /* unique keys: a level holds each internal key once */
        if (w->nmodel == 0 || ent_cmp(&w->model[w->nmodel - 1], &w->model[i]) != 0)
            w->model[w->nmodel++] = w->model[i];
    size_t at = 0;
    for (size_t c = 0; c < nchild; c++) {
        size_t k =
            c + 1 == nchild ? w->nmodel - at : (size_t)(unit_rand(rng) % (w->nmodel - at + 1)) / 2;
        w->ents[c] = calloc(k + 1, sizeof(struct ent));
        assert_non_null(w->ents[c]);
        memcpy(w->ents[c], w->model + at, k * sizeof(struct ent));
        w->counts[c] = k;
        w->arrs[c] = (struct arr){.e = w->ents[c], .n = k, .pos = k};
        w->children[c] = (struct avila_lsm_iter){&arr_ops, &w->arrs[c]};
        at += k;
        const struct ent *last = at > 0 ? &w->model[at - 1] : &w->model[0];
        largest[c] = avila_slice_make(last->ik, last->iklen);
    }
}

static void concat_model_random(void **state)
{
    (void)state;
    uint64_t rng = 0x636f6e636174;
    static struct avila_slice largest[MAX_CHILDREN];
    for (int round = 0; round < 600; round++) {
        struct world *w = malloc(sizeof(*w));
        assert_non_null(w);
        size_t nchild = (size_t)(unit_rand(&rng) % 9);
        concat_world_build(w, largest, &rng, nchild, 1 + (size_t)(unit_rand(&rng) % 60));
        if (w->nmodel == 0 && nchild > 0)
            nchild = 0; /* largest[] has no key to name */
        struct avila_lsm_concat c;
        avila_lsm_concat_init(&c, w->children, largest, nchild);
        struct avila_lsm_iter view;
        avila_lsm_concat_as(&c, &view);
        assert_false(avila_lsm_iter_valid(&view));
        for (int i = 0; i < 3; i++)
            random_walk(&view, NULL, w, &rng, 60);
        full_scans(&view, NULL, w);
        world_free(w);
        free(w);
    }
}

/* An error in one child at its k-th call surfaces from the concatenation; a seek clears it. */
static void concat_child_errors(void **state)
{
    (void)state;
    uint64_t rng = 0x63657272;
    static struct avila_slice largest[MAX_CHILDREN];
    for (int round = 0; round < 300; round++) {
        struct world *w = malloc(sizeof(*w));
        assert_non_null(w);
        size_t nchild = 2 + (size_t)(unit_rand(&rng) % 4);
        concat_world_build(w, largest, &rng, nchild, 40);
        if (w->nmodel == 0) {
            world_free(w);
            free(w);
            continue;
        }
        size_t victim = (size_t)(unit_rand(&rng) % nchild);
        w->arrs[victim].fail_in = 1 + (long)(unit_rand(&rng) % 20);
        struct avila_lsm_concat c;
        avila_lsm_concat_init(&c, w->children, largest, nchild);
        struct avila_lsm_iter view;
        avila_lsm_concat_as(&c, &view);
        int rc = 0;
        for (int s = 0; s < 200 && rc == 0; s++) {
            unsigned op = (unsigned)(unit_rand(&rng) % 8);
            if (!avila_lsm_iter_valid(&view) || op == 0)
                rc = unit_rand(&rng) % 2 ? avila_lsm_iter_seek_first(&view)
                                         : avila_lsm_iter_seek_last(&view);
            else if (op < 5)
                rc = avila_lsm_iter_next(&view);
            else
                rc = avila_lsm_iter_prev(&view);
        }
        if (w->arrs[victim].fail_in == 0) {
            assert_int_equal(rc, AVILA_EIO);
            assert_false(avila_lsm_iter_valid(&view));
            assert_int_equal(avila_lsm_iter_status(&view), AVILA_EIO);
            full_scans(&view, NULL, w);
        } else {
            assert_int_equal(rc, 0);
        }
        world_free(w);
        free(w);
    }
}

/* A child whose key is too short for an internal key is a format error. */
static int short_seek(void *self, struct avila_slice ik)
{
    (void)self;
    (void)ik;
    return 0;
}
static int short_zero(void *self)
{
    (void)self;
    return 0;
}
static bool short_valid(const void *self)
{
    (void)self;
    return true;
}
static struct avila_slice short_key(const void *self)
{
    (void)self;
    return avila_slice_make("abc", 3);
}
static int short_status(const void *self)
{
    (void)self;
    return 0;
}
static const struct avila_lsm_iter_ops short_ops = {
    short_seek,  short_zero, short_zero, short_zero,   short_zero,
    short_valid, short_key,  short_key,  short_status,
};

static void bad_arguments(void **state)
{
    (void)state;
    struct avila_lsm_merge m;
    struct avila_lsm_merge_slot work[2];
    struct avila_lsm_iter kids[2] = {{&short_ops, NULL}, {&short_ops, NULL}};
    assert_int_equal(avila_lsm_merge_init(&m, NULL, 1, work, 2), AVILA_EINVAL);
    assert_int_equal(avila_lsm_merge_init(&m, kids, 2, NULL, 2), AVILA_EINVAL);
    assert_int_equal(avila_lsm_merge_init(&m, kids, 2, work, 1), AVILA_EINVAL);
    assert_int_equal(avila_lsm_merge_init(&m, NULL, 0, NULL, 0), 0);
    assert_int_equal(avila_lsm_merge_seek_first(&m), 0);
    assert_false(avila_lsm_merge_valid(&m));
    assert_int_equal(avila_lsm_merge_seek_last(&m), 0);
    assert_false(avila_lsm_merge_valid(&m));
    assert_int_equal(avila_lsm_merge_init(&m, kids, 2, work, 2), 0);
    assert_int_equal(avila_lsm_merge_seek_first(&m), AVILA_EFORMAT);
    assert_false(avila_lsm_merge_valid(&m));
    assert_int_equal(avila_lsm_merge_status(&m), AVILA_EFORMAT);
    assert_int_equal(avila_lsm_merge_seek(&m, avila_slice_make("short", 5)), AVILA_EINVAL);
    assert_false(avila_lsm_merge_valid(&m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_random),        cmocka_unit_test(many_children),
        cmocka_unit_test(shared_keys),         cmocka_unit_test(merge_of_merges),
        cmocka_unit_test(child_errors),        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(concat_model_random), cmocka_unit_test(concat_child_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
