/*
 * tests/data/test_lsm_table.c - data/lsm_table.h: round trips of random
 * sorted sets (short keys over a tiny alphabet with 0x00 and 0xff, long
 * shared prefixes, random 16-byte keys; several versions per key, deletes,
 * range deletes, values up to 10 KiB; block sizes 64 to 4096; with and
 * without a block cache) through the in-memory VFS, checked against a
 * sorted-array model: get of every key at several snapshots and of absent
 * keys, iteration both ways, seek to every key and between keys with steps
 * after it, properties and the range-del block; the separator property of
 * the index (read with an independent walk of the file); the footer layout
 * decoded from the header's words; every truncation and thousands of byte
 * flips of a small table (open or check gives AVILA_EFORMAT, reads never
 * give wrong data); EIO on every read and ENOSPC on every append; every
 * allocation failure; builder argument and order checks; and four threads
 * reading one table through a shared, mutex-locked cache.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_bloom.h"
#include "data/lsm_table.h"
#include "tests/support/fail_alloc.h"

/* ---------------------------------------------------------------- model */

struct ent {
    uint8_t *k; /* internal key */
    size_t klen;
    uint8_t *v;
    size_t vlen;
};

struct set {
    struct ent *pt; /* point entries, sorted */
    size_t npt;
    struct ent *rd; /* range deletes, sorted */
    size_t nrd;
    uint8_t (*absent)[24]; /* user keys not in the set */
    size_t *absent_len;
    size_t nabsent;
};

static uint64_t trailer_of(const struct ent *e)
{
    uint64_t t = 0;
    for (int i = 7; i >= 0; i--)
        t = t << 8 | e->k[e->klen - 8 + (size_t)i];
    return t;
}

/* The order of lsm_format.h, written from its words: user key bytewise, then trailer descending. */
static int ref_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    size_t ua = la - 8, ub = lb - 8;
    for (size_t i = 0; i < ua && i < ub; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    if (ua != ub)
        return ua < ub ? -1 : 1;
    uint64_t ta = 0, tb = 0;
    for (int i = 7; i >= 0; i--) {
        ta = ta << 8 | a[ua + (size_t)i];
        tb = tb << 8 | b[ub + (size_t)i];
    }
    return ta > tb ? -1 : ta < tb ? 1 : 0;
}

static int ent_cmp(const void *x, const void *y)
{
    const struct ent *a = x, *b = y;
    return ref_cmp(a->k, a->klen, b->k, b->klen);
}

static void make_ikey(struct ent *e, const uint8_t *u, size_t ul, uint64_t seq, unsigned kind)
{
    e->k = malloc(ul + 8);
    assert_non_null(e->k);
    if (ul > 0)
        memcpy(e->k, u, ul);
    uint64_t t = seq << 8 | kind;
    for (size_t i = 0; i < 8; i++)
        e->k[ul + i] = (uint8_t)(t >> (8 * i));
    e->klen = ul + 8;
}

/* A random user key: style 0 short over {a, 0x00, 0xff}; 1 long shared prefix; 2 random 16 bytes.
 */
static size_t random_user(uint64_t *rng, int style, uint8_t *out)
{
    size_t ul;
    if (style == 0) {
        ul = (size_t)(unit_rand(rng) % 6);
        for (size_t i = 0; i < ul; i++)
            out[i] = (uint8_t)("a\0\xff"[unit_rand(rng) % 3]);
    } else if (style == 1) {
        size_t pre = 20 + (size_t)(unit_rand(rng) % 3) * 150;
        memset(out, 'p', pre);
        ul = pre + (size_t)(unit_rand(rng) % 4);
        for (size_t i = pre; i < ul; i++)
            out[i] = (uint8_t)('a' + unit_rand(rng) % 3);
    } else {
        ul = 16;
        unit_rand_fill(rng, out, ul);
    }
    return ul;
}

static size_t dedupe(struct ent *s, size_t n)
{
    qsort(s, n, sizeof(*s), ent_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && ent_cmp(&s[m - 1], &s[i]) == 0) {
            free(s[i].k);
            free(s[i].v);
            continue;
        }
        s[m++] = s[i];
    }
    return m;
}

static void make_set(uint64_t *rng, int style, size_t nuser, size_t nrd, struct set *s)
{
    memset(s, 0, sizeof(*s));
    s->pt = calloc(nuser * 3 + 1, sizeof(*s->pt));
    assert_non_null(s->pt);
    uint8_t u[600];
    size_t n = 0;
    for (size_t i = 0; i < nuser; i++) {
        size_t ul = random_user(rng, style, u);
        size_t versions = 1 + (size_t)(unit_rand(rng) % 3);
        for (size_t j = 0; j < versions; j++) {
            struct ent *e = &s->pt[n++];
            unsigned kind = unit_rand(rng) % 4 == 0 ? 0u : 1u;
            make_ikey(e, u, ul, 1 + unit_rand(rng) % 1000, kind);
            uint64_t r = unit_rand(rng) % 100;
            e->vlen = kind == 0 ? 0 : r < 20 ? 0 : r < 97 ? (size_t)(r * 3) : 5000 + r * 50;
            e->v = malloc(e->vlen + 1);
            assert_non_null(e->v);
            unit_rand_fill(rng, e->v, e->vlen);
        }
    }
    s->npt = dedupe(s->pt, n);
    s->rd = calloc(nrd + 1, sizeof(*s->rd));
    assert_non_null(s->rd);
    for (size_t i = 0; i < nrd; i++) {
        uint8_t b[600], x[600];
        size_t bl = random_user(rng, style, b), xl = random_user(rng, style, x);
        make_ikey(&s->rd[i], b, bl, 1 + unit_rand(rng) % 1000, 2);
        s->rd[i].vlen = xl;
        s->rd[i].v = malloc(xl + 1);
        assert_non_null(s->rd[i].v);
        memcpy(s->rd[i].v, x, xl);
    }
    s->nrd = dedupe(s->rd, nrd);
    s->nabsent = 40;
    s->absent = calloc(s->nabsent, sizeof(*s->absent));
    s->absent_len = calloc(s->nabsent, sizeof(size_t));
    assert_non_null(s->absent);
    assert_non_null(s->absent_len);
    for (size_t i = 0; i < s->nabsent; i++) {
        /* 20 random bytes with a marker never produced by the styles above. */
        s->absent[i][0] = 'Z';
        unit_rand_fill(rng, s->absent[i] + 1, 19);
        s->absent_len[i] = 20;
    }
}

static void free_set(struct set *s)
{
    for (size_t i = 0; i < s->npt; i++) {
        free(s->pt[i].k);
        free(s->pt[i].v);
    }
    for (size_t i = 0; i < s->nrd; i++) {
        free(s->rd[i].k);
        free(s->rd[i].v);
    }
    free(s->pt);
    free(s->rd);
    free(s->absent);
    free(s->absent_len);
}

/* Index of the first point entry at or after ikey (npt if none). */
static size_t model_lower(const struct set *s, const uint8_t *k, size_t kl)
{
    size_t lo = 0, hi = s->npt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ref_cmp(s->pt[mid].k, s->pt[mid].klen, k, kl) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The model's get: index of the newest point entry of u at or below snap, or -1. */
static long model_get(const struct set *s, const uint8_t *u, size_t ul, uint64_t snap)
{
    struct ent probe;
    make_ikey(&probe, u, ul, snap, 2);
    size_t i = model_lower(s, probe.k, probe.klen);
    free(probe.k);
    if (i < s->npt && s->pt[i].klen == ul + 8 && (ul == 0 || memcmp(s->pt[i].k, u, ul) == 0))
        return (long)i;
    return -1;
}

/* ---------------------------------------------------------------- environment */

struct env {
    struct avila_lsm_vfs_mem m;
    struct avila_lsm_vfs vfs;
};

static void env_init(struct env *e)
{
    assert_int_equal(avila_lsm_vfs_mem_init(&e->m, avila_allocator_libc(), NULL), 0);
    avila_lsm_vfs_mem_vfs(&e->m, &e->vfs);
}

static void env_done(struct env *e)
{
    assert_int_equal(e->m.open_handles, 0);
    avila_lsm_vfs_mem_release(&e->m);
}

static void check_props(const struct avila_lsm_table_props *p, const struct set *s);

/* Builds the set into path; range deletes interleaved in key order, or all at the end. */
static int build_table(struct env *e, const char *path, const struct set *s,
                       const struct avila_lsm_table_options *opt, bool rd_at_end,
                       const struct avila_allocator *a, struct avila_lsm_table_props *props)
{
    struct avila_lsm_file *f;
    int rc = avila_lsm_vfs_open_append(&e->vfs, path, &f);
    if (rc != 0)
        return rc;
    struct avila_lsm_table_builder b;
    rc = avila_lsm_table_builder_init(&b, &e->vfs, f, opt, a);
    assert_int_equal(rc, 0);
    size_t i = 0, j = 0;
    while (rc == 0 && (i < s->npt || j < s->nrd)) {
        bool take_rd =
            j < s->nrd && (i == s->npt || (!rd_at_end && ent_cmp(&s->rd[j], &s->pt[i]) < 0));
        const struct ent *x = take_rd ? &s->rd[j++] : &s->pt[i++];
        rc = avila_lsm_table_builder_add(&b, avila_slice_make(x->k, x->klen),
                                         avila_slice_make(x->v, x->vlen));
    }
    if (rc == 0)
        assert_int_equal(avila_lsm_table_builder_count(&b), s->npt + s->nrd);
    if (rc == 0)
        rc = avila_lsm_table_builder_finish(&b, props);
    if (rc == 0 && props != NULL) {
        /* The bounds live in the builder's memory: compare them before release. */
        check_props(props, s);
        props->smallest = props->largest = avila_slice_make(NULL, 0);
    }
    avila_lsm_table_builder_release(&b);
    avila_lsm_vfs_close(&e->vfs, f);
    return rc;
}

struct opened {
    struct avila_lsm_file *f;
    struct avila_lsm_table *t;
};

static int open_table(struct env *e, const char *path, struct avila_lsm_cache *cache, uint64_t id,
                      const struct avila_allocator *a, struct opened *o)
{
    int rc = avila_lsm_vfs_open_read(&e->vfs, path, &o->f);
    if (rc != 0)
        return rc;
    uint64_t size;
    rc = avila_lsm_vfs_size(&e->vfs, o->f, &size);
    if (rc == 0)
        rc = avila_lsm_table_open(&e->vfs, o->f, size, id, cache, a, &o->t);
    if (rc != 0) {
        avila_lsm_vfs_close(&e->vfs, o->f);
        o->t = NULL;
    }
    return rc;
}

static void close_table(struct env *e, struct opened *o)
{
    avila_lsm_table_release(o->t);
    avila_lsm_vfs_close(&e->vfs, o->f);
}

/* ---------------------------------------------------------------- verification */

static bool same(struct avila_slice k, struct avila_slice v, const struct ent *x)
{
    return k.len == x->klen && memcmp(k.ptr, x->k, k.len) == 0 && v.len == x->vlen &&
           (v.len == 0 || memcmp(v.ptr, x->v, v.len) == 0);
}

/*
 * Checks every read of t against s. When tolerant, an AVILA_EFORMAT stops
 * the check quietly (a damaged table); any other difference fails. Returns
 * the first error met (0 if none).
 */
static int verify(const struct avila_lsm_table *t, const struct set *s, uint64_t *rng,
                  bool tolerant, int allowed)
{
#define OK_OR_RETURN(rc)                                                                           \
    do {                                                                                           \
        int r_ = (rc);                                                                             \
        if (r_ < 0) {                                                                              \
            if (!tolerant)                                                                         \
                assert_int_equal(r_, 0);                                                           \
            assert_int_equal(r_, allowed);                                                         \
            err = r_;                                                                              \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)
    int err = 0;
    struct avila_buf val;
    avila_buf_init(&val, avila_allocator_libc(), SIZE_MAX);
    struct avila_lsm_table_iter it;
    bool it_live = false;
    /* get: every entry's user key at its own seq, one below, above all, and seq 0 */
    for (size_t i = 0; i < s->npt; i++) {
        const struct ent *x = &s->pt[i];
        size_t ul = x->klen - 8;
        uint64_t seq = trailer_of(x) >> 8;
        uint64_t snaps[4] = {seq, seq - 1, UINT64_MAX, unit_rand(rng) % 1100};
        for (size_t j = 0; j < 4; j++) {
            uint64_t got_seq = 0;
            int rc = avila_lsm_table_get(t, avila_slice_make(x->k, ul), snaps[j], &val, &got_seq);
            OK_OR_RETURN(rc);
            long m =
                model_get(s, x->k, ul,
                          snaps[j] > (UINT64_C(1) << 56) - 1 ? (UINT64_C(1) << 56) - 1 : snaps[j]);
            if (m < 0) {
                assert_int_equal(rc, AVILA_LSM_TABLE_NOT_FOUND);
                continue;
            }
            const struct ent *y = &s->pt[m];
            assert_int_equal(got_seq, trailer_of(y) >> 8);
            if ((trailer_of(y) & 0xff) == 0) {
                assert_int_equal(rc, AVILA_LSM_TABLE_DELETED);
            } else {
                assert_int_equal(rc, AVILA_LSM_TABLE_VALUE);
                assert_true(val.len == y->vlen &&
                            (val.len == 0 || memcmp(val.data, y->v, val.len) == 0));
            }
        }
    }
    for (size_t i = 0; i < s->nabsent; i++) {
        int rc = avila_lsm_table_get(t, avila_slice_make(s->absent[i], s->absent_len[i]),
                                     UINT64_MAX, &val, NULL);
        OK_OR_RETURN(rc);
        assert_int_equal(rc, AVILA_LSM_TABLE_NOT_FOUND);
    }

    OK_OR_RETURN(avila_lsm_table_iter_init(&it, t, NULL));
    it_live = true;
    struct avila_lsm_iter gi;
    avila_lsm_table_iter_as(&it, &gi);
    /* forward, through the generic interface */
    size_t n = 0;
    int rc = avila_lsm_iter_seek_first(&gi);
    while (rc == 0 && avila_lsm_iter_valid(&gi)) {
        assert_true(n < s->npt);
        assert_true(same(avila_lsm_iter_key(&gi), avila_lsm_iter_value(&gi), &s->pt[n]));
        n++;
        rc = avila_lsm_iter_next(&gi);
    }
    OK_OR_RETURN(rc);
    assert_int_equal(avila_lsm_iter_status(&gi), 0);
    assert_int_equal(n, s->npt);
    /* backward */
    rc = avila_lsm_table_iter_seek_last(&it);
    while (rc == 0 && avila_lsm_table_iter_valid(&it)) {
        assert_true(n > 0);
        n--;
        assert_true(
            same(avila_lsm_table_iter_key(&it), avila_lsm_table_iter_value(&it), &s->pt[n]));
        rc = avila_lsm_table_iter_prev(&it);
    }
    OK_OR_RETURN(rc);
    assert_int_equal(n, 0);
    /* seek to every key, and just after it (trailer - 1), with a step either way */
    for (size_t i = 0; i < s->npt; i++) {
        const struct ent *x = &s->pt[i];
        for (int after = 0; after < 2; after++) {
            uint8_t *probe = malloc(x->klen);
            assert_non_null(probe);
            memcpy(probe, x->k, x->klen);
            uint64_t tr = trailer_of(x);
            if (after) {
                tr--; /* point kinds are >= 0; trailer 0 never occurs (seq >= 1) */
                for (size_t b = 0; b < 8; b++)
                    probe[x->klen - 8 + b] = (uint8_t)(tr >> (8 * b));
            }
            size_t want = model_lower(s, probe, x->klen);
            rc = avila_lsm_table_iter_seek(&it, avila_slice_make(probe, x->klen));
            free(probe);
            OK_OR_RETURN(rc);
            if (want == s->npt) {
                assert_false(avila_lsm_table_iter_valid(&it));
                continue;
            }
            assert_true(avila_lsm_table_iter_valid(&it));
            assert_true(
                same(avila_lsm_table_iter_key(&it), avila_lsm_table_iter_value(&it), &s->pt[want]));
            if (unit_rand(rng) % 2) {
                rc = avila_lsm_table_iter_next(&it);
                OK_OR_RETURN(rc);
                if (want + 1 < s->npt)
                    assert_true(same(avila_lsm_table_iter_key(&it), avila_lsm_table_iter_value(&it),
                                     &s->pt[want + 1]));
                else
                    assert_false(avila_lsm_table_iter_valid(&it));
            } else {
                rc = avila_lsm_table_iter_prev(&it);
                OK_OR_RETURN(rc);
                if (want > 0)
                    assert_true(same(avila_lsm_table_iter_key(&it), avila_lsm_table_iter_value(&it),
                                     &s->pt[want - 1]));
                else
                    assert_false(avila_lsm_table_iter_valid(&it));
            }
        }
    }
    /* seeks to absent keys */
    for (size_t i = 0; i < s->nabsent; i++) {
        struct ent p;
        make_ikey(&p, s->absent[i], s->absent_len[i], unit_rand(rng) % 1000, 1);
        size_t want = model_lower(s, p.k, p.klen);
        rc = avila_lsm_table_iter_seek(&it, avila_slice_make(p.k, p.klen));
        free(p.k);
        OK_OR_RETURN(rc);
        if (want == s->npt)
            assert_false(avila_lsm_table_iter_valid(&it));
        else
            assert_true(
                same(avila_lsm_table_iter_key(&it), avila_lsm_table_iter_value(&it), &s->pt[want]));
    }
    /* range deletes */
    {
        const struct avila_lsm_block *rb = avila_lsm_table_rangedels(t);
        uint8_t *kb = malloc(avila_lsm_table_key_cap(t));
        assert_non_null(kb);
        struct avila_lsm_block_iter bi;
        avila_lsm_block_iter_init(&bi, rb, kb, avila_lsm_table_key_cap(t));
        size_t r = 0;
        for (rc = avila_lsm_block_iter_seek_first(&bi); rc == 0 && avila_lsm_block_iter_valid(&bi);
             rc = avila_lsm_block_iter_next(&bi), r++) {
            assert_true(r < s->nrd);
            assert_true(
                same(avila_lsm_block_iter_key(&bi), avila_lsm_block_iter_value(&bi), &s->rd[r]));
        }
        free(kb);
        assert_int_equal(rc, 0);
        assert_int_equal(r, s->nrd);
    }
    rc = avila_lsm_table_check(t);
    OK_OR_RETURN(rc);
out:
    if (it_live)
        avila_lsm_table_iter_release(&it);
    avila_buf_release(&val);
    return err;
#undef OK_OR_RETURN
}

/* The properties the model expects. */
static void check_props(const struct avila_lsm_table_props *p, const struct set *s)
{
    uint64_t dels = 0, kb = 0, vb = 0, smin = UINT64_MAX, smax = 0;
    const uint8_t *lo = NULL, *hi = NULL;
    size_t lol = 0, hil = 0;
    uint8_t endkey[700];
    for (size_t i = 0; i < s->npt; i++) {
        uint64_t t = trailer_of(&s->pt[i]);
        dels += (t & 0xff) == 0;
        kb += s->pt[i].klen;
        vb += s->pt[i].vlen;
        smin = t >> 8 < smin ? t >> 8 : smin;
        smax = t >> 8 > smax ? t >> 8 : smax;
    }
    if (s->npt > 0) {
        lo = s->pt[0].k, lol = s->pt[0].klen;
        hi = s->pt[s->npt - 1].k, hil = s->pt[s->npt - 1].klen;
    }
    for (size_t i = 0; i < s->nrd; i++) {
        const struct ent *r = &s->rd[i];
        uint64_t t = trailer_of(r);
        smin = t >> 8 < smin ? t >> 8 : smin;
        smax = t >> 8 > smax ? t >> 8 : smax;
        if (lo == NULL || ref_cmp(r->k, r->klen, lo, lol) < 0)
            lo = r->k, lol = r->klen;
        if (hi == NULL || ref_cmp(r->k, r->klen, hi, hil) > 0) {
            memcpy(endkey, r->k, r->klen);
            hi = endkey, hil = r->klen;
        }
        /* (end, MAX_SEQ, RANGE_DELETE) */
        uint8_t *ek = malloc(r->vlen + 8);
        assert_non_null(ek);
        memcpy(ek, r->v, r->vlen);
        uint64_t et = ((UINT64_C(1) << 56) - 1) << 8 | 2;
        for (size_t b = 0; b < 8; b++)
            ek[r->vlen + b] = (uint8_t)(et >> (8 * b));
        if (hi == NULL || ref_cmp(ek, r->vlen + 8, hi, hil) > 0) {
            memcpy(endkey, ek, r->vlen + 8);
            hi = endkey, hil = r->vlen + 8;
        }
        free(ek);
    }
    assert_int_equal(p->entries, s->npt);
    assert_int_equal(p->deletions, dels);
    assert_int_equal(p->range_deletions, s->nrd);
    assert_int_equal(p->raw_key_bytes, kb);
    assert_int_equal(p->raw_value_bytes, vb);
    assert_int_equal(p->format_version, 1);
    assert_int_equal(p->smallest_seq, s->npt + s->nrd ? smin : 0);
    assert_int_equal(p->largest_seq, smax);
    assert_int_equal(p->smallest.len, lol);
    assert_int_equal(p->largest.len, hil);
    if (lol > 0)
        assert_memory_equal(p->smallest.ptr, lo, lol);
    if (hil > 0)
        assert_memory_equal(p->largest.ptr, hi, hil);
}

/*
 * An independent walk of the file from the header's format: the footer's
 * fields, then the index block entries, each separator between its block's
 * last key and the next block's first. Returns how many separators are
 * shorter than their block's last key.
 */
static struct ent seps[4096]; /* the separators walk_file saw */
static size_t nseps;

static size_t walk_file(struct env *e, const char *path, const struct set *s)
{
    for (size_t i = 0; i < nseps; i++)
        free(seps[i].k);
    nseps = 0;
    uint8_t *d;
    size_t len;
    assert_int_equal(avila_lsm_vfs_mem_file(&e->m, path, &d, &len, NULL), 0);
    assert_true(len >= 80);
    const uint8_t *f = d + len - 80;
    assert_memory_equal(f + 72,
                        "\x8a"
                        "AVLSST\x1a",
                        8);
    assert_int_equal(avila_load_le32(f + 64), 1);
    uint64_t ix_off = avila_load_le64(f), ix_size = avila_load_le64(f + 8);
    uint64_t fl_off = avila_load_le64(f + 16);
    assert_int_equal(ix_off + ix_size + 5, len - 80);
    struct avila_lsm_block ix, blk;
    assert_int_equal(avila_lsm_block_open(&ix, d + ix_off, ix_size), 0);
    static uint8_t kb1[AVILA_LSM_IKEY_MAX], kb2[AVILA_LSM_IKEY_MAX], prevlast[AVILA_LSM_IKEY_MAX],
        prevsep[AVILA_LSM_IKEY_MAX];
    size_t prevlast_len = 0, prevsep_len = 0, shortened = 0, blocks = 0, entries = 0;
    struct avila_lsm_block_iter ii, bi;
    avila_lsm_block_iter_init(&ii, &ix, kb1, sizeof(kb1));
    uint64_t expect_off = 0;
    int rc;
    for (rc = avila_lsm_block_iter_seek_first(&ii); rc == 0 && avila_lsm_block_iter_valid(&ii);
         rc = avila_lsm_block_iter_next(&ii)) {
        struct avila_slice sep = avila_lsm_block_iter_key(&ii),
                           hv = avila_lsm_block_iter_value(&ii);
        uint64_t off = 0, size = 0;
        size_t n = avila_lsm_varint_get(hv.ptr, hv.len, &off);
        assert_true(n > 0);
        assert_int_equal(avila_lsm_varint_get(hv.ptr + n, hv.len - n, &size) + n, hv.len);
        assert_int_equal(off, expect_off);
        expect_off = off + size + 5;
        assert_true(expect_off <= fl_off);
        assert_int_equal(avila_lsm_block_open(&blk, d + off, size), 0);
        avila_lsm_block_iter_init(&bi, &blk, kb2, sizeof(kb2));
        assert_int_equal(avila_lsm_block_iter_seek_first(&bi), 0);
        assert_true(avila_lsm_block_iter_valid(&bi));
        struct avila_slice first = avila_lsm_block_iter_key(&bi);
        if (prevsep_len > 0) {
            /* previous separator < this block's first key */
            assert_true(ref_cmp(prevsep, prevsep_len, first.ptr, first.len) < 0);
            assert_true(ref_cmp(prevlast, prevlast_len, first.ptr, first.len) < 0);
        }
        size_t cnt = 0;
        while (avila_lsm_block_iter_valid(&bi)) {
            cnt++;
            assert_int_equal(avila_lsm_block_iter_next(&bi), 0);
        }
        assert_int_equal(avila_lsm_block_iter_seek_last(&bi), 0);
        struct avila_slice k = avila_lsm_block_iter_key(&bi);
        /* last key <= separator */
        assert_true(ref_cmp(k.ptr, k.len, sep.ptr, sep.len) <= 0);
        if (sep.len < k.len)
            shortened++;
        if (nseps < AVILA_ARRAY_LEN(seps)) {
            seps[nseps].k = malloc(sep.len);
            assert_non_null(seps[nseps].k);
            memcpy(seps[nseps].k, sep.ptr, sep.len);
            seps[nseps++].klen = sep.len;
        }
        memcpy(prevlast, k.ptr, k.len);
        prevlast_len = k.len;
        memcpy(prevsep, sep.ptr, sep.len);
        prevsep_len = sep.len;
        blocks++;
        entries += cnt;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(expect_off, fl_off);
    assert_int_equal(entries, s->npt);
    return shortened;
}

/* ---------------------------------------------------------------- round trips */

/*
 * Seeks to each index separator, and to the smallest internal key of its
 * user key: targets between a block's last key and its separator, where a
 * seek must move on to the next block.
 */
static void seek_separators(const struct avila_lsm_table *t, const struct set *s)
{
    struct avila_lsm_table_iter it;
    assert_int_equal(avila_lsm_table_iter_init(&it, t, NULL), 0);
    struct avila_buf val;
    avila_buf_init(&val, avila_allocator_libc(), SIZE_MAX);
    for (size_t i = 0; i < nseps; i++) {
        for (int v = 0; v < 2; v++) {
            struct ent p;
            size_t ul = seps[i].klen - 8;
            make_ikey(&p, seps[i].k, ul, v ? (UINT64_C(1) << 56) - 1 : trailer_of(&seps[i]) >> 8,
                      v ? 2 : (unsigned)(trailer_of(&seps[i]) & 0xff));
            size_t want = model_lower(s, p.k, p.klen);
            assert_int_equal(avila_lsm_table_iter_seek(&it, avila_slice_make(p.k, p.klen)), 0);
            if (want == s->npt)
                assert_false(avila_lsm_table_iter_valid(&it));
            else
                assert_true(same(avila_lsm_table_iter_key(&it), avila_lsm_table_iter_value(&it),
                                 &s->pt[want]));
            uint64_t seq;
            int rc = avila_lsm_table_get(t, avila_slice_make(p.k, ul), UINT64_MAX, &val, &seq);
            long m = model_get(s, p.k, ul, (UINT64_C(1) << 56) - 1);
            assert_int_equal(rc, m < 0                            ? AVILA_LSM_TABLE_NOT_FOUND
                                 : (trailer_of(&s->pt[m]) & 0xff) ? AVILA_LSM_TABLE_VALUE
                                                                  : AVILA_LSM_TABLE_DELETED);
            free(p.k);
        }
    }
    avila_buf_release(&val);
    avila_lsm_table_iter_release(&it);
}

static void roundtrip_one(uint64_t *rng, int style, size_t nuser, size_t nrd,
                          const struct avila_lsm_table_options *opt, bool use_cache, bool rd_at_end,
                          size_t *shortened)
{
    struct env e;
    env_init(&e);
    struct set s;
    make_set(rng, style, nuser, nrd, &s);
    struct avila_lsm_table_props bp;
    assert_int_equal(build_table(&e, "/t", &s, opt, rd_at_end, avila_allocator_libc(), &bp), 0);
    *shortened += walk_file(&e, "/t", &s);

    struct avila_lsm_cache cache;
    struct avila_lsm_cache_config cc = {.capacity_bytes = 64 << 10, .shards = 4};
    assert_int_equal(avila_lsm_cache_init(&cache, avila_allocator_libc(), &cc), 0);
    struct opened o;
    assert_int_equal(open_table(&e, "/t", use_cache ? &cache : NULL, 7, avila_allocator_libc(), &o),
                     0);
    const struct avila_lsm_table_props *p = avila_lsm_table_props(o.t);
    check_props(p, &s);
    assert_int_equal(p->file_size, bp.file_size);
    assert_int_equal(p->data_blocks, bp.data_blocks);
    assert_int_equal(p->max_ikey_len, bp.max_ikey_len);
    assert_int_equal(verify(o.t, &s, rng, false, 0), 0);
    seek_separators(o.t, &s);
    if (use_cache) {
        /* A second pass reads through the cache. */
        assert_int_equal(verify(o.t, &s, rng, false, 0), 0);
        struct avila_lsm_cache_stats st;
        avila_lsm_cache_stats(&cache, &st);
        if (s.npt > 0)
            assert_true(st.hits > 0);
        assert_int_equal(st.pinned, 0);
    }
    close_table(&e, &o);
    avila_lsm_cache_erase_id(&cache, 7);
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&cache, &st);
    assert_int_equal(st.entries, 0);
    avila_lsm_cache_release_all(&cache);
    free_set(&s);
    env_done(&e);
}

static void roundtrips(void **state)
{
    (void)state;
    uint64_t rng = 0x7ab1e;
    static const size_t sizes[] = {0, 1, 2, 30, 400, 1500};
    static const struct avila_lsm_table_options opts[] = {
        {.block_size = 64, .restart_interval = 1},
        {.block_size = 512, .restart_interval = 3},
        {0},
    };
    size_t shortened = 0;
    for (int style = 0; style < 3; style++)
        for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++)
            for (size_t j = 0; j < AVILA_ARRAY_LEN(opts); j++) {
                if (style == 0 && sizes[i] > 400)
                    continue; /* the tiny alphabet has few distinct keys */
                roundtrip_one(&rng, style, sizes[i], sizes[i] / 10 + (i % 2), &opts[j],
                              (i + j) % 2 == 0, j == 1, &shortened);
            }
    for (size_t i = 0; i < nseps; i++)
        free(seps[i].k);
    nseps = 0;
    /* Random 16-byte keys in small blocks: most separators are shortened. */
    assert_true(shortened > 100);
}

/* One user key with many versions over many tiny blocks: the separators cannot be shortened. */
static void versions_span_blocks(void **state)
{
    (void)state;
    uint64_t rng = 99;
    struct set s;
    memset(&s, 0, sizeof(s));
    s.npt = 300;
    s.pt = calloc(s.npt, sizeof(*s.pt));
    assert_non_null(s.pt);
    for (size_t i = 0; i < s.npt; i++) {
        make_ikey(&s.pt[i], (const uint8_t *)"k\xff\xff", i < 250 ? 3 : 2, 1000 - i,
                  i % 7 == 0 ? 0 : 1);
        s.pt[i].vlen = 20;
        s.pt[i].v = malloc(20);
        assert_non_null(s.pt[i].v);
        unit_rand_fill(&rng, s.pt[i].v, 20);
    }
    s.npt = dedupe(s.pt, s.npt);
    s.rd = calloc(1, sizeof(*s.rd));
    s.nabsent = 1;
    s.absent = calloc(1, sizeof(*s.absent));
    s.absent_len = calloc(1, sizeof(size_t));
    memcpy(s.absent[0], "k", 1);
    s.absent_len[0] = 1;
    struct env e;
    env_init(&e);
    struct avila_lsm_table_options opt = {.block_size = 32};
    assert_int_equal(build_table(&e, "/t", &s, &opt, false, avila_allocator_libc(), NULL), 0);
    (void)walk_file(&e, "/t", &s);
    struct opened o;
    assert_int_equal(open_table(&e, "/t", NULL, 1, avila_allocator_libc(), &o), 0);
    assert_true(avila_lsm_table_props(o.t)->data_blocks > 50);
    /* Every snapshot of both user keys. */
    struct avila_buf val;
    avila_buf_init(&val, avila_allocator_libc(), SIZE_MAX);
    for (uint64_t snap = 0; snap <= 1001; snap++) {
        for (size_t ul = 2; ul <= 3; ul++) {
            uint64_t seq;
            int rc = avila_lsm_table_get(o.t, avila_slice_make("k\xff\xff", ul), snap, &val, &seq);
            long m = model_get(&s, (const uint8_t *)"k\xff\xff", ul, snap);
            if (m < 0) {
                assert_int_equal(rc, AVILA_LSM_TABLE_NOT_FOUND);
            } else {
                assert_int_equal(seq, trailer_of(&s.pt[m]) >> 8);
                assert_int_equal(rc, (trailer_of(&s.pt[m]) & 0xff) == 0 ? AVILA_LSM_TABLE_DELETED
                                                                        : AVILA_LSM_TABLE_VALUE);
            }
        }
    }
    avila_buf_release(&val);
    assert_int_equal(verify(o.t, &s, &rng, false, 0), 0);
    seek_separators(o.t, &s);
    for (size_t i = 0; i < nseps; i++)
        free(seps[i].k);
    nseps = 0;
    close_table(&e, &o);
    env_done(&e);
    free_set(&s);
}

static void empty_table(void **state)
{
    (void)state;
    uint64_t rng = 5;
    struct set s;
    make_set(&rng, 2, 0, 0, &s);
    struct env e;
    env_init(&e);
    struct avila_lsm_table_props p;
    assert_int_equal(build_table(&e, "/t", &s, NULL, false, avila_allocator_libc(), &p), 0);
    assert_int_equal(p.entries, 0);
    assert_int_equal(p.smallest.len, 0);
    struct opened o;
    assert_int_equal(open_table(&e, "/t", NULL, 1, avila_allocator_libc(), &o), 0);
    assert_int_equal(verify(o.t, &s, &rng, false, 0), 0);
    close_table(&e, &o);
    /* A table of range deletions only. */
    free_set(&s);
    make_set(&rng, 2, 0, 5, &s);
    assert_int_equal(build_table(&e, "/t", &s, NULL, false, avila_allocator_libc(), &p), 0);
    assert_int_equal(open_table(&e, "/t", NULL, 1, avila_allocator_libc(), &o), 0);
    check_props(avila_lsm_table_props(o.t), &s);
    assert_int_equal(verify(o.t, &s, &rng, false, 0), 0);
    close_table(&e, &o);
    free_set(&s);
    env_done(&e);
}

/* ---------------------------------------------------------------- builder arguments */

static void builder_arguments(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct avila_lsm_file *f;
    assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, "/t", &f), 0);
    struct avila_lsm_table_builder b;
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_lsm_table_options bad1 = {.block_size = AVILA_LSM_TABLE_MAX_BLOCK_SIZE + 1};
    struct avila_lsm_table_options bad2 = {.restart_interval =
                                               AVILA_LSM_BLOCK_MAX_RESTART_INTERVAL + 1};
    struct avila_lsm_table_options bad3 = {.bloom_bits_per_key =
                                               AVILA_LSM_BLOOM_MAX_BITS_PER_KEY + 1};
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, &bad1, a), AVILA_EINVAL);
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, &bad2, a), AVILA_EINVAL);
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, &bad3, a), AVILA_EINVAL);
    assert_int_equal(avila_lsm_table_builder_init(&b, NULL, f, NULL, a), AVILA_EINVAL);
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, NULL), AVILA_EINVAL);

    struct ent k1, k2, k3, bad;
    make_ikey(&k1, (const uint8_t *)"b", 1, 5, 1);
    make_ikey(&k2, (const uint8_t *)"b", 1, 6, 1); /* newer: sorts before k1 */
    make_ikey(&k3, (const uint8_t *)"c", 1, 5, 2);
    make_ikey(&bad, (const uint8_t *)"d", 1, 5, 3); /* unknown kind */
    struct avila_slice none = avila_slice_make(NULL, 0);
    /* malformed key */
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, a), 0);
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(bad.k, bad.klen), none),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(k1.k, k1.klen), none),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_table_builder_finish(&b, NULL), AVILA_EINVAL);
    avila_lsm_table_builder_release(&b);
    /* short key */
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, a), 0);
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(k1.k, 7), none),
                     AVILA_EINVAL);
    avila_lsm_table_builder_release(&b);
    /* order: equal and decreasing point keys; range deletes ordered on their own */
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, a), 0);
    assert_int_equal(
        avila_lsm_table_builder_add(&b, avila_slice_make(k3.k, k3.klen), avila_slice_make("z", 1)),
        0);
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(k1.k, k1.klen), none), 0);
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(k1.k, k1.klen), none),
                     AVILA_EINVAL);
    avila_lsm_table_builder_release(&b);
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, a), 0);
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(k1.k, k1.klen), none), 0);
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(k2.k, k2.klen), none),
                     AVILA_EINVAL);
    /* sticky */
    assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(k3.k, k3.klen), none),
                     AVILA_EINVAL);
    avila_lsm_table_builder_release(&b);
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, a), 0);
    assert_int_equal(
        avila_lsm_table_builder_add(&b, avila_slice_make(k3.k, k3.klen), avila_slice_make("z", 1)),
        0);
    assert_int_equal(
        avila_lsm_table_builder_add(&b, avila_slice_make(k3.k, k3.klen), avila_slice_make("z", 1)),
        AVILA_EINVAL);
    avila_lsm_table_builder_release(&b);
    /* finish twice */
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, a), 0);
    assert_int_equal(avila_lsm_table_builder_finish(&b, NULL), 0);
    assert_int_equal(avila_lsm_table_builder_finish(&b, NULL), AVILA_ESTATE);
    avila_lsm_table_builder_release(&b);
    free(k1.k);
    free(k2.k);
    free(k3.k);
    free(bad.k);
    avila_lsm_vfs_close(&e.vfs, f);
    env_done(&e);
}

/* The size estimate grows with the data and ends near the real size. */
static void size_estimate(void **state)
{
    (void)state;
    uint64_t rng = 3;
    struct set s;
    make_set(&rng, 2, 2000, 0, &s);
    struct env e;
    env_init(&e);
    struct avila_lsm_file *f;
    assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, "/t", &f), 0);
    struct avila_lsm_table_builder b;
    assert_int_equal(avila_lsm_table_builder_init(&b, &e.vfs, f, NULL, avila_allocator_libc()), 0);
    uint64_t prev = avila_lsm_table_builder_size(&b), raw = 0;
    for (size_t i = 0; i < s.npt; i++) {
        assert_int_equal(avila_lsm_table_builder_add(&b, avila_slice_make(s.pt[i].k, s.pt[i].klen),
                                                     avila_slice_make(s.pt[i].v, s.pt[i].vlen)),
                         0);
        uint64_t now = avila_lsm_table_builder_size(&b);
        assert_true(now >= prev);
        prev = now;
        raw += s.pt[i].klen + s.pt[i].vlen;
    }
    assert_true(prev >= raw / 2); /* prefix compression saves some key bytes */
    struct avila_lsm_table_props p;
    assert_int_equal(avila_lsm_table_builder_finish(&b, &p), 0);
    assert_true(prev <= p.file_size + p.file_size / 10 && prev + prev / 10 >= p.file_size);
    uint64_t size;
    avila_lsm_table_builder_release(&b);
    assert_int_equal(avila_lsm_vfs_size(&e.vfs, f, &size), 0);
    assert_int_equal(size, p.file_size);
    avila_lsm_vfs_close(&e.vfs, f);
    free_set(&s);
    env_done(&e);
}

/* ---------------------------------------------------------------- hostile files */

static void write_file(struct env *e, const char *path, const uint8_t *p, size_t n)
{
    struct avila_lsm_file *f;
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, path, &f), 0);
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, f, p, n), 0);
    avila_lsm_vfs_close(&e->vfs, f);
}

static uint8_t *small_table(struct env *e, struct set *s, uint64_t *rng, size_t *len)
{
    make_set(rng, 2, 25, 3, s);
    struct avila_lsm_table_options opt = {.block_size = 200};
    assert_int_equal(build_table(e, "/good", s, &opt, false, avila_allocator_libc(), NULL), 0);
    uint8_t *d;
    assert_int_equal(avila_lsm_vfs_mem_file(&e->m, "/good", &d, len, NULL), 0);
    uint8_t *copy = malloc(*len);
    assert_non_null(copy);
    memcpy(copy, d, *len);
    return copy;
}

static void truncations(void **state)
{
    (void)state;
    uint64_t rng = 11;
    struct env e;
    env_init(&e);
    struct set s;
    size_t len;
    uint8_t *good = small_table(&e, &s, &rng, &len);
    for (size_t n = 0; n < len; n++) {
        write_file(&e, "/bad", good, n);
        struct opened o;
        assert_int_equal(open_table(&e, "/bad", NULL, 1, avila_allocator_libc(), &o),
                         AVILA_EFORMAT);
    }
    /* A wrong file size from the caller is damage too. */
    struct opened o;
    assert_int_equal(avila_lsm_vfs_open_read(&e.vfs, "/good", &o.f), 0);
    for (uint64_t sz = len - 3; sz <= len + 3; sz++) {
        int rc = avila_lsm_table_open(&e.vfs, o.f, sz, 1, NULL, avila_allocator_libc(), &o.t);
        if (sz == len) {
            assert_int_equal(rc, 0);
            avila_lsm_table_release(o.t);
        } else {
            assert_int_equal(rc, AVILA_EFORMAT);
        }
    }
    assert_int_equal(
        avila_lsm_table_open(&e.vfs, o.f, UINT64_MAX, 1, NULL, avila_allocator_libc(), &o.t),
        AVILA_EFORMAT);
    avila_lsm_vfs_close(&e.vfs, o.f);
    free(good);
    free_set(&s);
    env_done(&e);
}

static void byte_flips(void **state)
{
    (void)state;
    uint64_t rng = 12;
    struct env e;
    env_init(&e);
    struct set s;
    size_t len;
    uint8_t *good = small_table(&e, &s, &rng, &len);
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    size_t opened = 0, flips = unit_slow() == UNIT_SLOW_NONE ? 300 : 3000;
    for (size_t i = 0; i < flips; i++) {
        memcpy(bad, good, len);
        size_t pos = i < len ? i : (size_t)(unit_rand(&rng) % len);
        uint8_t x = (uint8_t)(1 + unit_rand(&rng) % 255);
        bad[pos] ^= x;
        if (i >= len && unit_rand(&rng) % 4 == 0) /* sometimes a second flip */
            bad[unit_rand(&rng) % len] ^= (uint8_t)(1 + unit_rand(&rng) % 255);
        write_file(&e, "/bad", bad, len);
        struct avila_lsm_cache cache;
        assert_int_equal(avila_lsm_cache_init(&cache, avila_allocator_libc(), NULL), 0);
        struct opened o;
        int rc = open_table(&e, "/bad", i % 2 ? &cache : NULL, 1, avila_allocator_libc(), &o);
        if (rc != 0) {
            assert_int_equal(rc, AVILA_EFORMAT);
        } else {
            opened++;
            /* Every byte is covered by a CRC, the footer's or a block's: check finds the damage. */
            assert_int_equal(avila_lsm_table_check(o.t), AVILA_EFORMAT);
            /* Reads give the model's answers or AVILA_EFORMAT, never other data. */
            (void)verify(o.t, &s, &rng, true, AVILA_EFORMAT);
            close_table(&e, &o);
        }
        avila_lsm_cache_release_all(&cache);
    }
    assert_true(opened > 0); /* flips in data blocks pass open */
    free(bad);
    free(good);
    free_set(&s);
    env_done(&e);
}

/* A foreign but CRC-correct footer and properties: each field checked. */
static void crafted_footers(void **state)
{
    (void)state;
    uint64_t rng = 13;
    struct env e;
    env_init(&e);
    struct set s;
    size_t len;
    uint8_t *good = small_table(&e, &s, &rng, &len);
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    /* Each u64 field of the footer nudged, the CRC fixed up: the layout check rejects it. */
    for (size_t field = 0; field < 8; field++) {
        static const int64_t deltas[] = {-1, 1, 5, -5, INT64_MAX};
        for (size_t d = 0; d < AVILA_ARRAY_LEN(deltas); d++) {
            memcpy(bad, good, len);
            uint8_t *f = bad + len - 80;
            avila_store_le64(f + 8 * field, avila_load_le64(f + 8 * field) + (uint64_t)deltas[d]);
            avila_store_le32(f + 68, avila_lsm_crc_mask(avila_crc32c(0, f, 68)));
            write_file(&e, "/bad", bad, len);
            struct opened o;
            assert_int_equal(open_table(&e, "/bad", NULL, 1, avila_allocator_libc(), &o),
                             AVILA_EFORMAT);
        }
    }
    /* Unknown version with a correct CRC. */
    memcpy(bad, good, len);
    avila_store_le32(bad + len - 80 + 64, 2);
    avila_store_le32(bad + len - 80 + 68, avila_lsm_crc_mask(avila_crc32c(0, bad + len - 80, 68)));
    write_file(&e, "/bad", bad, len);
    struct opened o;
    assert_int_equal(open_table(&e, "/bad", NULL, 1, avila_allocator_libc(), &o), AVILA_EFORMAT);
    free(bad);
    free(good);
    free_set(&s);
    env_done(&e);
}

/* ---------------------------------------------------------------- injected I/O errors */

static void read_errors(void **state)
{
    (void)state;
    uint64_t rng = 21;
    struct env e;
    env_init(&e);
    struct set s;
    size_t len;
    uint8_t *good = small_table(&e, &s, &rng, &len);
    free(good);
    size_t failed = 0;
    for (uint64_t nth = 1;; nth++) {
        avila_lsm_vfs_mem_reset_counts(&e.m);
        avila_lsm_vfs_mem_fail(&e.m, AVILA_LSM_VFS_READ, nth, AVILA_EIO, false);
        struct opened o;
        int rc = open_table(&e, "/good", NULL, 1, avila_allocator_libc(), &o);
        if (rc == 0) {
            rc = verify(o.t, &s, &rng, true, AVILA_EIO);
            close_table(&e, &o);
        } else {
            assert_int_equal(rc, AVILA_EIO);
        }
        uint64_t calls = avila_lsm_vfs_mem_calls(&e.m, AVILA_LSM_VFS_READ);
        if (calls < nth) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_int_equal(rc, AVILA_EIO);
        failed++;
    }
    assert_true(failed > 10);
    free_set(&s);
    env_done(&e);
}

static void append_errors(void **state)
{
    (void)state;
    uint64_t rng = 22;
    struct set s;
    make_set(&rng, 1, 300, 4, &s); /* ~100 KiB: several buffered appends */
    struct env e;
    env_init(&e);
    for (uint64_t nth = 1;; nth++) {
        avila_lsm_vfs_mem_reset_counts(&e.m);
        avila_lsm_vfs_mem_fail(&e.m, AVILA_LSM_VFS_APPEND, nth, AVILA_ENOSPC, false);
        int rc = build_table(&e, "/t", &s, NULL, false, avila_allocator_libc(), NULL);
        if (avila_lsm_vfs_mem_calls(&e.m, AVILA_LSM_VFS_APPEND) < nth) {
            assert_int_equal(rc, 0);
            assert_true(nth > 3);
            break;
        }
        assert_int_equal(rc, AVILA_ENOSPC);
    }
    free_set(&s);
    env_done(&e);
}

/* ---------------------------------------------------------------- allocation failures */

struct alloc_ctx {
    struct env *e;
    struct set *s;
    uint64_t rng;
};

static int alloc_op(struct fail_alloc *fa, void *ctx)
{
    struct alloc_ctx *c = ctx;
    const struct avila_allocator *a = &fa->allocator;
    struct avila_lsm_table_options opt = {.block_size = 128};
    int rc = build_table(c->e, "/t", c->s, &opt, false, a, NULL);
    if (rc != 0)
        return rc;
    struct avila_lsm_cache cache;
    struct avila_lsm_cache_config cc = {.capacity_bytes = 2048, .shards = 2};
    assert_int_equal(avila_lsm_cache_init(&cache, a, &cc), 0);
    struct opened o;
    rc = open_table(c->e, "/t", &cache, 3, a, &o);
    if (rc == 0) {
        rc = verify(o.t, c->s, &c->rng, true, AVILA_ENOMEM);
        close_table(c->e, &o);
    }
    avila_lsm_cache_release_all(&cache);
    return rc;
}

static void allocation_failures(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct alloc_ctx c = {.e = &e, .rng = 31};
    struct set s;
    make_set(&c.rng, 2, 12, 2, &s);
    c.s = &s;
    assert_true(fail_alloc_sweep(alloc_op, &c, 0) > 20);
    assert_true(fail_alloc_sweep(alloc_op, &c, 1) > 20);
    free_set(&s);
    env_done(&e);
}

/* ---------------------------------------------------------------- threads */

struct shared {
    struct env e;
    struct set s;
    struct avila_lsm_table *t;
    pthread_mutex_t vfs_mu;
    pthread_mutex_t shard_mu[AVILA_LSM_CACHE_MAX_SHARDS];
    int failures;
};

static void mu_lock(void *m)
{
    pthread_mutex_lock(m);
}

static void mu_unlock(void *m)
{
    pthread_mutex_unlock(m);
}

static void shard_lock(void *ctx, unsigned s)
{
    struct shared *sh = ctx;
    pthread_mutex_lock(&sh->shard_mu[s]);
}

static void shard_unlock(void *ctx, unsigned s)
{
    struct shared *sh = ctx;
    pthread_mutex_unlock(&sh->shard_mu[s]);
}

struct worker {
    struct shared *sh;
    uint64_t seed;
    int bad; /* mismatches seen (cmocka asserts are not thread-safe) */
};

static void *reader(void *arg)
{
    struct worker *w = arg;
    const struct set *s = &w->sh->s;
    struct avila_buf val;
    avila_buf_init(&val, avila_allocator_libc(), SIZE_MAX);
    struct avila_lsm_table_iter it;
    if (avila_lsm_table_iter_init(&it, w->sh->t, NULL) != 0) {
        w->bad++;
        return NULL;
    }
    for (int op = 0; op < 3000; op++) {
        size_t i = (size_t)(unit_rand(&w->seed) % s->npt);
        const struct ent *x = &s->pt[i];
        if (op % 3 != 0) {
            uint64_t seq;
            int rc = avila_lsm_table_get(w->sh->t, avila_slice_make(x->k, x->klen - 8), UINT64_MAX,
                                         &val, &seq);
            long m = model_get(s, x->k, x->klen - 8, (UINT64_C(1) << 56) - 1);
            const struct ent *y = &s->pt[m];
            bool del = (trailer_of(y) & 0xff) == 0;
            if (rc != (del ? AVILA_LSM_TABLE_DELETED : AVILA_LSM_TABLE_VALUE) ||
                seq != trailer_of(y) >> 8 ||
                (!del &&
                 (val.len != y->vlen || (val.len > 0 && memcmp(val.data, y->v, val.len) != 0))))
                w->bad++;
        } else {
            int rc = avila_lsm_table_iter_seek(&it, avila_slice_make(x->k, x->klen));
            for (size_t j = i; rc == 0 && j < i + 20 && j < s->npt; j++) {
                if (!avila_lsm_table_iter_valid(&it) ||
                    !same(avila_lsm_table_iter_key(&it), avila_lsm_table_iter_value(&it),
                          &s->pt[j])) {
                    w->bad++;
                    break;
                }
                rc = avila_lsm_table_iter_next(&it);
            }
            if (rc != 0)
                w->bad++;
        }
    }
    avila_lsm_table_iter_release(&it);
    avila_buf_release(&val);
    return NULL;
}

static void threads(void **state)
{
    (void)state;
    static struct shared sh;
    memset(&sh, 0, sizeof(sh));
    pthread_mutex_init(&sh.vfs_mu, NULL);
    for (size_t i = 0; i < AVILA_LSM_CACHE_MAX_SHARDS; i++)
        pthread_mutex_init(&sh.shard_mu[i], NULL);
    struct avila_lsm_vfs_mem_config vc = {
        .mutex_lock = mu_lock, .mutex_unlock = mu_unlock, .mutex = &sh.vfs_mu};
    assert_int_equal(avila_lsm_vfs_mem_init(&sh.e.m, avila_allocator_libc(), &vc), 0);
    avila_lsm_vfs_mem_vfs(&sh.e.m, &sh.e.vfs);
    uint64_t rng = 41;
    make_set(&rng, 2, 3000, 10, &sh.s);
    struct avila_lsm_table_options opt = {.block_size = 1024};
    assert_int_equal(build_table(&sh.e, "/t", &sh.s, &opt, false, avila_allocator_libc(), NULL), 0);
    struct avila_lsm_cache cache;
    /* Small enough that blocks are evicted while others are pinned. */
    struct avila_lsm_cache_config cc = {.capacity_bytes = 32 << 10,
                                        .shards = 8,
                                        .lock = shard_lock,
                                        .unlock = shard_unlock,
                                        .lock_ctx = &sh};
    assert_int_equal(avila_lsm_cache_init(&cache, avila_allocator_libc(), &cc), 0);
    struct opened o;
    assert_int_equal(open_table(&sh.e, "/t", &cache, 9, avila_allocator_libc(), &o), 0);
    sh.t = o.t;
    struct worker w[4];
    pthread_t th[4];
    for (size_t i = 0; i < 4; i++) {
        w[i] = (struct worker){.sh = &sh, .seed = 100 + i};
        assert_int_equal(pthread_create(&th[i], NULL, reader, &w[i]), 0);
    }
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].bad, 0);
    }
    struct avila_lsm_cache_stats st;
    avila_lsm_cache_stats(&cache, &st);
    assert_int_equal(st.pinned, 0);
    assert_true(st.hits > 0 && st.evictions > 0);
    assert_true(st.bytes <= st.capacity);
    close_table(&sh.e, &o);
    avila_lsm_cache_release_all(&cache);
    free_set(&sh.s);
    env_done(&sh.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrips),          cmocka_unit_test(versions_span_blocks),
        cmocka_unit_test(empty_table),         cmocka_unit_test(builder_arguments),
        cmocka_unit_test(size_estimate),       cmocka_unit_test(truncations),
        cmocka_unit_test(byte_flips),          cmocka_unit_test(crafted_footers),
        cmocka_unit_test(read_errors),         cmocka_unit_test(append_errors),
        cmocka_unit_test(allocation_failures), cmocka_unit_test(threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
