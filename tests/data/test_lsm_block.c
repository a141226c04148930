/*
 * tests/data/test_lsm_block.c - data/lsm_block.h: round trips of random
 * sorted key sets (empty user keys, long shared prefixes, restart intervals
 * 1, 3 and 16) with every key sought exactly and between keys, iteration
 * both ways and steps after seeks, all against a sorted model; the byte
 * layout decoded by an independent reader written from the header's
 * format; builder argument checks; the trailer (round trip, every bit
 * flip and truncation detected, unknown kinds); hostile blocks (every
 * truncation and many random byte flips of valid blocks, placed before a
 * guard page, either fail with AVILA_EFORMAT or decode in bounds) and
 * hand-made malformed blocks, each with the error it must give.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "data/lsm_block.h"
#include "tests/support/fail_alloc.h"

static uint8_t keybuf[2 * AVILA_LSM_IKEY_MAX];

/* ---------------------------------------------------------------- model */

struct kv {
    uint8_t *k; /* internal key */
    size_t klen;
    uint8_t *v;
    size_t vlen;
};

/* The internal-key order, from lsm_format.h's words: user key bytewise, then trailer descending. */
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

static int kv_cmp(const void *x, const void *y)
{
    const struct kv *a = x, *b = y;
    return ref_cmp(a->k, a->klen, b->k, b->klen);
}

/* A random internal key; style 0: short keys over a tiny alphabet, 1: long shared prefixes. */
static void random_ikey(uint64_t *rng, int style, uint8_t *out, size_t *len)
{
    size_t ul;
    if (style == 0) {
        ul = (size_t)(unit_rand(rng) % 5);
        for (size_t i = 0; i < ul; i++)
            out[i] = (uint8_t)("a\0\xff"[unit_rand(rng) % 3]);
    } else {
        size_t pre = 200 + (size_t)(unit_rand(rng) % 3) * 300;
        memset(out, 'p', pre);
        ul = pre + (size_t)(unit_rand(rng) % 4);
        for (size_t i = pre; i < ul; i++)
            out[i] = (uint8_t)('a' + unit_rand(rng) % 3);
    }
    uint64_t seq = unit_rand(rng) % 50;
    avila_store_le64(out + ul, avila_lsm_trailer(seq, (enum avila_lsm_kind)(unit_rand(rng) % 3)));
    *len = ul + 8;
}

/* n random distinct sorted entries (fewer after dropping duplicates); returns the count. */
static size_t make_set(uint64_t *rng, int style, size_t n, struct kv *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t tmp[1200];
        size_t len;
        random_ikey(rng, style, tmp, &len);
        out[i].k = malloc(len);
        assert_non_null(out[i].k);
        memcpy(out[i].k, tmp, len);
        out[i].klen = len;
        out[i].vlen = (size_t)(unit_rand(rng) % 4 == 0 ? 0 : unit_rand(rng) % 300);
        out[i].v = malloc(out[i].vlen + 1);
        assert_non_null(out[i].v);
        unit_rand_fill(rng, out[i].v, out[i].vlen);
    }
    qsort(out, n, sizeof(*out), kv_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && kv_cmp(&out[m - 1], &out[i]) == 0) {
            free(out[i].k);
            free(out[i].v);
            continue;
        }
        out[m++] = out[i];
    }
    return m;
}

static void free_set(struct kv *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].k);
        free(s[i].v);
    }
}

static void build(const struct kv *s, size_t n, unsigned interval, struct avila_buf *out)
{
    struct avila_lsm_block_builder b;
    assert_int_equal(avila_lsm_block_builder_init(&b, avila_allocator_libc(), interval), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(s[i].k, s[i].klen),
                                                     avila_slice_make(s[i].v, s[i].vlen)),
                         0);
        struct avila_slice last = avila_lsm_block_builder_last_key(&b);
        assert_true(avila_slice_equal(last, avila_slice_make(s[i].k, s[i].klen)));
    }
    assert_int_equal(avila_lsm_block_builder_count(&b), n);
    size_t est = avila_lsm_block_builder_size(&b), before = out->len;
    assert_int_equal(avila_lsm_block_builder_finish(&b, out), 0);
    assert_int_equal(out->len - before, est); /* the estimate is exact */
    assert_int_equal(avila_lsm_block_builder_count(&b), 0);
    avila_lsm_block_builder_release(&b);
}

static void expect_at(const struct avila_lsm_block_iter *it, const struct kv *e)
{
    assert_true(avila_lsm_block_iter_valid(it));
    struct avila_slice k = avila_lsm_block_iter_key(it), v = avila_lsm_block_iter_value(it);
    assert_true(avila_slice_equal(k, avila_slice_make(e->k, e->klen)));
    assert_true(avila_slice_equal(v, avila_slice_make(e->v, e->vlen)));
}

/* An independent decoder of the documented layout: entry count, or -1. */
static long layout_decode(const uint8_t *p, size_t len, const struct kv *s)
{
    uint32_t nr = avila_load_le32(p + len - 4);
    size_t end = len - 4 - 4 * (size_t)nr, off = 0;
    uint8_t key[1200];
    size_t klen = 0;
    long i = 0;
    while (off < end) {
        uint64_t f[3];
        for (int j = 0; j < 3; j++) {
            f[j] = 0;
            for (int shift = 0;; shift += 7) {
                uint8_t b = p[off++];
                f[j] |= (uint64_t)(b & 0x7f) << shift;
                if (b < 0x80)
                    break;
            }
        }
        memcpy(key + f[0], p + off, f[1]);
        klen = f[0] + f[1];
        off += f[1];
        if (klen != s[i].klen || memcmp(key, s[i].k, klen) != 0 || f[2] != s[i].vlen ||
            memcmp(p + off, s[i].v, f[2]) != 0)
            return -1;
        off += f[2];
        i++;
    }
    return i;
}

/* Restart offsets: entry i % interval == 0 starts at restart[i / interval] and has shared 0. */
static void check_restarts(const uint8_t *p, size_t len, size_t n, unsigned interval)
{
    uint32_t nr = avila_load_le32(p + len - 4);
    size_t want = n == 0 ? 1 : (n + interval - 1) / interval;
    assert_int_equal(nr, want);
    size_t end = len - 4 - 4 * (size_t)nr, off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t start = off;
        uint64_t f[3];
        for (int j = 0; j < 3; j++) {
            f[j] = 0;
            for (int shift = 0;; shift += 7) {
                uint8_t b = p[off++];
                f[j] |= (uint64_t)(b & 0x7f) << shift;
                if (b < 0x80)
                    break;
            }
        }
        if (i % interval == 0) {
            assert_true(f[0] == 0);
            assert_int_equal(avila_load_le32(p + end + 4 * (i / interval)), start);
        }
        off += f[1] + f[2];
    }
    assert_int_equal(off, end);
}

static void roundtrip_one(uint64_t *rng, int style, size_t n0, unsigned interval)
{
    struct kv *s = calloc(n0 + 1, sizeof(*s));
    assert_non_null(s);
    size_t n = make_set(rng, style, n0, s);
    struct avila_buf out;
    avila_buf_init(&out, avila_allocator_libc(), SIZE_MAX);
    build(s, n, interval, &out);
    check_restarts(out.data, out.len, n, interval);
    assert_int_equal(layout_decode(out.data, out.len, s), (long)n);

    struct avila_lsm_block blk;
    assert_int_equal(avila_lsm_block_open(&blk, out.data, out.len), 0);
    assert_int_equal(avila_lsm_block_check(&blk, keybuf, sizeof(keybuf)), (int)n);
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, &blk, keybuf, AVILA_LSM_IKEY_MAX);
    assert_false(avila_lsm_block_iter_valid(&it));
    /* forward, backward */
    assert_int_equal(avila_lsm_block_iter_seek_first(&it), 0);
    for (size_t i = 0; i < n; i++) {
        expect_at(&it, &s[i]);
        assert_int_equal(avila_lsm_block_iter_next(&it), 0);
    }
    assert_false(avila_lsm_block_iter_valid(&it));
    assert_int_equal(avila_lsm_block_iter_seek_last(&it), 0);
    for (size_t i = n; i-- > 0;) {
        expect_at(&it, &s[i]);
        assert_int_equal(avila_lsm_block_iter_prev(&it), 0);
    }
    assert_false(avila_lsm_block_iter_valid(&it));
    assert_int_equal(avila_lsm_block_iter_status(&it), 0);
    /* every key exactly, with a step each way */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(avila_lsm_block_iter_seek(&it, avila_slice_make(s[i].k, s[i].klen)), 0);
        expect_at(&it, &s[i]);
        assert_int_equal(avila_lsm_block_iter_prev(&it), 0);
        if (i == 0) {
            assert_false(avila_lsm_block_iter_valid(&it));
        } else {
            expect_at(&it, &s[i - 1]);
        }
        assert_int_equal(avila_lsm_block_iter_seek(&it, avila_slice_make(s[i].k, s[i].klen)), 0);
        assert_int_equal(avila_lsm_block_iter_next(&it), 0);
        if (i + 1 == n) {
            assert_false(avila_lsm_block_iter_valid(&it));
        } else {
            expect_at(&it, &s[i + 1]);
        }
    }
    /* random probes, mostly between keys */
    for (int j = 0; j < 300; j++) {
        uint8_t probe[1200];
        size_t plen;
        random_ikey(rng, style, probe, &plen);
        size_t lb = 0;
        while (lb < n && ref_cmp(s[lb].k, s[lb].klen, probe, plen) < 0)
            lb++;
        assert_int_equal(avila_lsm_block_iter_seek(&it, avila_slice_make(probe, plen)), 0);
        if (lb == n) {
            assert_false(avila_lsm_block_iter_valid(&it));
        } else {
            expect_at(&it, &s[lb]);
        }
    }
    avila_buf_release(&out);
    free_set(s, n);
    free(s);
}

static void roundtrips(void **state)
{
    (void)state;
    uint64_t rng = 2024;
    static const unsigned intervals[] = {1, 3, 16};
    static const size_t sizes[] = {0, 1, 2, 15, 16, 17, 33, 200};
    unsigned runs = 0;
    for (size_t a = 0; a < AVILA_ARRAY_LEN(intervals); a++)
        for (size_t b = 0; b < AVILA_ARRAY_LEN(sizes); b++)
            for (int style = 0; style < 2; style++) {
                roundtrip_one(&rng, style, sizes[b], intervals[a]);
                runs++;
            }
    assert_int_equal(runs, 48);
}

static void empty_block(void **state)
{
    (void)state;
    struct avila_buf out;
    avila_buf_init(&out, avila_allocator_libc(), SIZE_MAX);
    build(NULL, 0, 0, &out);
    assert_int_equal(out.len, 8);
    assert_int_equal(avila_load_le32(out.data), 0);
    assert_int_equal(avila_load_le32(out.data + 4), 1);
    struct avila_lsm_block blk;
    assert_int_equal(avila_lsm_block_open(&blk, out.data, out.len), 0);
    assert_int_equal(avila_lsm_block_restarts(&blk), 1);
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, &blk, keybuf, AVILA_LSM_IKEY_MAX);
    assert_int_equal(avila_lsm_block_iter_seek_first(&it), 0);
    assert_false(avila_lsm_block_iter_valid(&it));
    assert_int_equal(avila_lsm_block_iter_seek_last(&it), 0);
    assert_false(avila_lsm_block_iter_valid(&it));
    uint8_t k[8] = {0};
    assert_int_equal(avila_lsm_block_iter_seek(&it, avila_slice_make(k, 8)), 0);
    assert_false(avila_lsm_block_iter_valid(&it));
    assert_int_equal(avila_lsm_block_iter_seek(&it, avila_slice_make(k, 7)), AVILA_EINVAL);
    assert_int_equal(avila_lsm_block_check(&blk, keybuf, sizeof(keybuf)), 0);
    avila_buf_release(&out);
}

static void builder_arguments(void **state)
{
    (void)state;
    struct avila_lsm_block_builder b;
    assert_int_equal(avila_lsm_block_builder_init(&b, NULL, 0), AVILA_EINVAL);
    assert_int_equal(avila_lsm_block_builder_init(&b, avila_allocator_libc(),
                                                  AVILA_LSM_BLOCK_MAX_RESTART_INTERVAL + 1),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_block_builder_init(&b, avila_allocator_libc(), 0), 0);
    uint8_t k1[9], k2[9];
    k1[0] = 'b';
    avila_store_le64(k1 + 1, avila_lsm_trailer(5, AVILA_LSM_VALUE));
    k2[0] = 'b';
    avila_store_le64(k2 + 1, avila_lsm_trailer(6, AVILA_LSM_VALUE)); /* newer: sorts before k1 */
    struct avila_slice v = avila_slice_make("v", 1);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k1, 7), v), AVILA_EINVAL);
    uint8_t badkind[9];
    memcpy(badkind, k1, 9);
    badkind[1] = 3;
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(badkind, 9), v),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k1, 9), v), 0);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k1, 9), v), AVILA_EINVAL);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k2, 9), v), AVILA_EINVAL);
    assert_int_equal(avila_lsm_block_builder_count(&b), 1);
    /* reset forgets the order */
    avila_lsm_block_builder_reset(&b);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k2, 9), v), 0);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k1, 9), v), 0);
    avila_lsm_block_builder_release(&b);

    /* allocation failures change nothing; finish into a full buffer leaves both unchanged */
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    assert_int_equal(avila_lsm_block_builder_init(&b, &fa.allocator, 1), 0);
    fail_alloc_fail_nth(&fa, 1, 1);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k2, 9), v), AVILA_ENOMEM);
    assert_int_equal(avila_lsm_block_builder_count(&b), 0);
    fail_alloc_fail_nth(&fa, 2, 1);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k2, 9), v), AVILA_ENOMEM);
    fail_alloc_fail_nth(&fa, 0, 0);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k2, 9), v), 0);
    fail_alloc_fail_nth(&fa, 1, 1);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k1, 9), v), AVILA_ENOMEM);
    fail_alloc_fail_nth(&fa, 0, 0);
    assert_int_equal(avila_lsm_block_builder_add(&b, avila_slice_make(k1, 9), v), 0);
    uint8_t small[8];
    struct avila_buf fixed;
    avila_buf_init_fixed(&fixed, small, sizeof(small));
    assert_int_equal(avila_lsm_block_builder_finish(&b, &fixed), AVILA_ENOSPC);
    assert_int_equal(fixed.len, 0);
    assert_int_equal(avila_lsm_block_builder_count(&b), 2);
    avila_lsm_block_builder_release(&b);
    assert_int_equal(fa.live_allocs, 0);
}

/* ---------------------------------------------------------------- trailer */

static void trailer(void **state)
{
    (void)state;
    uint64_t rng = 9;
    struct kv s[40];
    size_t n = make_set(&rng, 0, 40, s);
    struct avila_buf out;
    avila_buf_init(&out, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(avila_buf_append(&out, "xyz", 3), 0); /* the block starts mid-buffer */
    build(s, n, 4, &out);
    assert_int_equal(avila_lsm_block_trailer_append(&out, 3, AVILA_LSM_BLOCK_RAW), 0);
    const uint8_t *p = out.data + 3;
    size_t len = out.len - 3;
    /* The trailer as documented: kind, masked CRC32C of contents || kind. */
    uint8_t kind0 = 0;
    uint32_t crc = avila_crc32c(avila_crc32c(0, p, len - 5), &kind0, 1);
    assert_int_equal(p[len - 5], 0);
    assert_int_equal(avila_load_le32(p + len - 4), avila_lsm_crc_mask(crc));
    uint8_t t[AVILA_LSM_BLOCK_TRAILER_LEN];
    avila_lsm_block_trailer(t, p, len - 5, AVILA_LSM_BLOCK_RAW);
    assert_memory_equal(t, p + len - 5, sizeof(t));

    struct avila_slice c;
    enum avila_lsm_block_kind kind;
    assert_int_equal(avila_lsm_block_verify(p, len, &c, &kind), 0);
    assert_true(c.ptr == p && c.len == len - 5 && kind == AVILA_LSM_BLOCK_RAW);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    /* every single-bit flip is caught (CRC32C detects all of them) */
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, p, len);
            copy[i] ^= (uint8_t)(1u << bit);
            int rc = avila_lsm_block_verify(copy, len, &c, &kind);
            assert_int_equal(rc, AVILA_EFORMAT);
        }
    /* every truncation */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_not_equal(avila_lsm_block_verify(p, cut, &c, &kind), 0);
    /* an intact block of an unknown kind */
    memcpy(copy, p, len);
    avila_lsm_block_trailer(copy + len - 5, copy, len - 5, (enum avila_lsm_block_kind)1);
    assert_int_equal(avila_lsm_block_verify(copy, len, &c, &kind), AVILA_EUNSUPPORTED);
    assert_int_equal(avila_lsm_block_trailer_append(&out, out.len + 1, AVILA_LSM_BLOCK_RAW),
                     AVILA_EINVAL);
    /* an empty contents' trailer */
    struct avila_buf e;
    avila_buf_init(&e, avila_allocator_libc(), 64);
    assert_int_equal(avila_lsm_block_trailer_append(&e, 0, AVILA_LSM_BLOCK_RAW), 0);
    assert_int_equal(avila_lsm_block_verify(e.data, e.len, &c, &kind), 0);
    assert_int_equal(c.len, 0);
    avila_buf_release(&e);
    free(copy);
    avila_buf_release(&out);
    free_set(s, n);
}

/* ---------------------------------------------------------------- hostile */

/* Walks a block any way it can; errors are fine, reads out of bounds or loops are not. */
static int walk(const uint8_t *p, size_t len, const uint8_t *probe, size_t plen)
{
    struct avila_lsm_block blk;
    int rc = avila_lsm_block_open(&blk, p, len);
    if (rc != 0) {
        assert_int_equal(rc, AVILA_EFORMAT);
        return rc;
    }
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, &blk, keybuf, AVILA_LSM_IKEY_MAX);
    size_t steps = 0, fwd = 0;
    for (rc = avila_lsm_block_iter_seek_first(&it); rc == 0 && avila_lsm_block_iter_valid(&it);
         rc = avila_lsm_block_iter_next(&it)) {
        assert_true(++steps <= len);
        fwd++;
    }
    int first_err = rc;
    steps = 0;
    for (rc = avila_lsm_block_iter_seek_last(&it); rc == 0 && avila_lsm_block_iter_valid(&it);
         rc = avila_lsm_block_iter_prev(&it))
        assert_true(++steps <= len);
    if (first_err == 0 && rc == 0)
        assert_int_equal(steps, fwd); /* both ways see the same entries */
    rc = avila_lsm_block_iter_seek(&it, avila_slice_make(probe, plen));
    if (rc == 0 && avila_lsm_block_iter_valid(&it))
        (void)avila_lsm_block_iter_next(&it);
    rc = avila_lsm_block_check(&blk, keybuf, sizeof(keybuf));
    assert_true(rc >= 0 || rc == AVILA_EFORMAT);
    return first_err;
}

static void hostile_mutations(void **state)
{
    (void)state;
    uint64_t rng = 31337;
    struct kv s[60];
    size_t n = make_set(&rng, 0, 60, s);
    struct avila_buf out;
    avila_buf_init(&out, avila_allocator_libc(), SIZE_MAX);
    build(s, n, 4, &out);
    size_t len = out.len;
    uint8_t probe[16];
    size_t plen;
    random_ikey(&rng, 0, probe, &plen);
    unsigned rejected = 0, accepted = 0;
    /* every truncation, each placed right before a guard page */
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *g = unit_guarded_alloc(cut);
        memcpy(g, out.data, cut);
        int rc = walk(g, cut, probe, plen);
        rc == 0 ? accepted++ : rejected++;
        unit_guarded_free(g, cut);
    }
    assert_true(accepted >= 1); /* the whole block */
    /* random byte flips (1 to 4 bytes), many */
    uint8_t *g = unit_guarded_alloc(len);
    size_t span = len != 0 ? len : 1, tail = span < 64 ? span : 64;
    for (int round = 0; round < 20000; round++) {
        memcpy(g, out.data, len);
        int flips = 1 + (int)(unit_rand(&rng) % 4);
        for (int f = 0; f < flips; f++) {
            size_t at = (size_t)(unit_rand(&rng) % span);
            /* bias toward the restart array and count, where damage matters most */
            if (unit_rand(&rng) % 4 == 0)
                at = span - 1 - (size_t)(unit_rand(&rng) % tail);
            g[at] = (uint8_t)unit_rand(&rng);
        }
        int rc = walk(g, len, probe, plen);
        rc == 0 ? accepted++ : rejected++;
    }
    unit_guarded_free(g, len);
    print_message("# hostile blocks: %u rejected, %u decoded in bounds\n", rejected, accepted);
    assert_true(rejected > 1000);
    avila_buf_release(&out);
    free_set(s, n);
}

static size_t put_entry(uint8_t *p, uint64_t shared, uint64_t unshared, uint64_t vlen,
                        const char *key)
{
    size_t n = avila_lsm_varint_put(p, shared);
    n += avila_lsm_varint_put(p + n, unshared);
    n += avila_lsm_varint_put(p + n, vlen);
    memcpy(p + n, key, (size_t)unshared);
    n += (size_t)unshared;
    memset(p + n, 'v', (size_t)vlen);
    return n + (size_t)vlen;
}

static size_t put_tail(uint8_t *p, size_t n, const uint32_t *restarts, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        avila_store_le32(p + n, restarts[i]);
        n += 4;
    }
    avila_store_le32(p + n, count);
    return n + 4;
}

/* Internal keys "k" and "l", each with the trailer (seq 1, VALUE). */
#define IK_A "k\x01\x01\x00\x00\x00\x00\x00\x00"
#define IK_B "l\x01\x01\x00\x00\x00\x00\x00\x00"

static int first_error(const uint8_t *p, size_t len, int how)
{
    struct avila_lsm_block blk;
    int rc = avila_lsm_block_open(&blk, p, len);
    if (rc != 0)
        return rc;
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, &blk, keybuf, AVILA_LSM_IKEY_MAX);
    if (how == 1) /* seek */
        return avila_lsm_block_iter_seek(&it, avila_slice_make(IK_B, 9));
    if (how == 2) /* check */
        return avila_lsm_block_check(&blk, keybuf, sizeof(keybuf));
    for (rc = avila_lsm_block_iter_seek_first(&it); rc == 0 && avila_lsm_block_iter_valid(&it);
         rc = avila_lsm_block_iter_next(&it))
        ;
    assert_int_equal(rc, avila_lsm_block_iter_status(&it));
    return rc;
}

static void malformed_blocks(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n;
    uint32_t r[4];

    /* too short, count 0, count too large, restart 0 not at 0 */
    memset(b, 0, sizeof(b));
    assert_int_equal(first_error(b, 7, 0), AVILA_EFORMAT);
    assert_int_equal(first_error(b, 8, 0), AVILA_EFORMAT); /* count 0 */
    n = put_tail(b, 0, (uint32_t[]){0}, 1);
    assert_int_equal(first_error(b, n, 0), 0);
    avila_store_le32(b + 4, 2);
    assert_int_equal(first_error(b, 8, 0), AVILA_EFORMAT);
    /* two entries; restart offsets decreasing, equal, beyond entries, inside an entry */
    n = put_entry(b, 0, 9, 2, IK_A);
    size_t second = n;
    n += put_entry(b + n, 0, 9, 2, IK_B);
    size_t entries = n;
    r[0] = 0;
    r[1] = (uint32_t)second;
    assert_int_equal(first_error(b, put_tail(b, entries, r, 2), 0), 0);
    assert_int_equal(first_error(b, put_tail(b, entries, r, 2), 2), 2);
    r[1] = 0;
    assert_int_equal(first_error(b, put_tail(b, entries, r, 2), 0), AVILA_EFORMAT);
    r[1] = (uint32_t)entries;
    assert_int_equal(first_error(b, put_tail(b, entries, r, 2), 0), AVILA_EFORMAT);
    r[1] = (uint32_t)second + 1;
    assert_int_equal(first_error(b, put_tail(b, entries, r, 2), 0), AVILA_EFORMAT);
    r[0] = 1;
    r[1] = (uint32_t)second;
    assert_int_equal(first_error(b, put_tail(b, entries, r, 2), 0), AVILA_EFORMAT);
    /* a restart entry with shared != 0: found by iteration and by seek */
    n = put_entry(b, 0, 9, 2, IK_A);
    n += put_entry(b + n, 1, 8, 2, &IK_B[1]);
    r[0] = 0;
    r[1] = (uint32_t)second;
    assert_int_equal(first_error(b, put_tail(b, n, r, 1), 0), 0); /* fine as a plain entry */
    assert_int_equal(first_error(b, put_tail(b, n, r, 2), 0), AVILA_EFORMAT);
    assert_int_equal(first_error(b, put_tail(b, n, r, 2), 1), AVILA_EFORMAT);
    /* shared longer than the previous key */
    n = put_entry(b, 0, 9, 2, IK_A);
    n += put_entry(b + n, 10, 0, 2, "");
    assert_int_equal(first_error(b, put_tail(b, n, r, 1), 0), AVILA_EFORMAT);
    /* a key shorter than a trailer; an unknown kind */
    n = put_entry(b, 0, 7, 0, IK_A);
    assert_int_equal(first_error(b, put_tail(b, n, r, 1), 0), AVILA_EFORMAT);
    n = put_entry(b, 0, 9, 0, "k\x03\x01\x00\x00\x00\x00\x00\x00");
    assert_int_equal(first_error(b, put_tail(b, n, r, 1), 0), AVILA_EFORMAT);
    /* lengths past the entries */
    n = put_entry(b, 0, 9, 2, IK_A);
    b[2] = 3; /* value length 3, one byte more than there is */
    assert_int_equal(first_error(b, put_tail(b, n, r, 1), 0), AVILA_EFORMAT);
    n = put_entry(b, 0, 9, 2, IK_A);
    b[1] = 12; /* key runs past */
    assert_int_equal(first_error(b, put_tail(b, n, r, 1), 0), AVILA_EFORMAT);
    b[1] = 0x80 | 9; /* huge unshared length: 9 + 2^63-ish */
    memmove(b + 2 + 9, b + 2, n - 2);
    memset(b + 2, 0xff, 8);
    b[10] = 0x01;
    assert_int_equal(first_error(b, put_tail(b, n + 9, r, 1), 0), AVILA_EFORMAT);
    /* a varint that never ends before the restart array */
    memset(b, 0x80, 5);
    assert_int_equal(first_error(b, put_tail(b, 5, r, 1), 0), AVILA_EFORMAT);
    /* unsorted entries: iterators accept them, check refuses */
    n = put_entry(b, 0, 9, 2, IK_B);
    second = n;
    n += put_entry(b + n, 0, 9, 2, IK_A);
    r[1] = (uint32_t)second;
    assert_int_equal(first_error(b, put_tail(b, n, r, 2), 0), 0);
    assert_int_equal(first_error(b, put_tail(b, n, r, 2), 2), AVILA_EFORMAT);
    /* a key longer than the iterator's buffer */
    n = put_entry(b, 0, 9, 2, IK_A);
    struct avila_lsm_block blk;
    assert_int_equal(avila_lsm_block_open(&blk, b, put_tail(b, n, r, 1)), 0);
    struct avila_lsm_block_iter it;
    uint8_t tiny[8];
    avila_lsm_block_iter_init(&it, &blk, tiny, sizeof(tiny));
    assert_int_equal(avila_lsm_block_iter_seek_first(&it), AVILA_ELIMIT);
    assert_false(avila_lsm_block_iter_valid(&it));
    assert_int_equal(avila_lsm_block_iter_next(&it), AVILA_ELIMIT);
    /* too large */
    assert_int_equal(avila_lsm_block_open(&blk, b, AVILA_LSM_BLOCK_MAX_BYTES + 1), AVILA_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrips),        cmocka_unit_test(empty_block),
        cmocka_unit_test(builder_arguments), cmocka_unit_test(trailer),
        cmocka_unit_test(hostile_mutations), cmocka_unit_test(malformed_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
