/*
 * tests/data/test_lsm_batch.c - data/lsm_batch.h: random batches round
 * trip through the iterator against a model list of operations, their
 * bytes match an encoder written here from the header's format text;
 * every malformation is AVILA_EFORMAT - truncation at every byte, every
 * unknown kind byte, count one off either way, a trailing byte, lengths
 * past the limits, overlong varints, empty ranges, sequence overflow;
 * group-commit append numbers entries on and refuses damaged input
 * unchanged; argument errors and a full fixed buffer leave the batch as it
 * was.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "data/lsm_batch.h"

/* ---------------------------------------------------------------- a model */

struct op {
    int kind;
    uint8_t key[40];
    size_t klen;
    uint8_t val[300];
    size_t vlen;
};

static void random_op(uint64_t *rng, struct op *o)
{
    uint64_t r = unit_rand(rng);
    o->kind = (int)(r % 3);
    o->klen = (size_t)(unit_rand(rng) % 20);
    unit_rand_fill(rng, o->key, o->klen);
    o->vlen = 0;
    if (o->kind == AVILA_LSM_VALUE) {
        o->vlen = (size_t)(unit_rand(rng) % (r & 8 ? 300 : 4));
        unit_rand_fill(rng, o->val, o->vlen);
    } else if (o->kind == AVILA_LSM_RANGE_DELETE) {
        /* an end strictly above the start: the start plus one more byte */
        memcpy(o->val, o->key, o->klen);
        o->val[o->klen] = (uint8_t)unit_rand(rng);
        o->vlen = o->klen + 1;
    }
}

static int add_op(struct avila_lsm_batch *b, const struct op *o)
{
    struct avila_slice k = avila_slice_make(o->key, o->klen);
    struct avila_slice v = avila_slice_make(o->val, o->vlen);
    switch (o->kind) {
    case AVILA_LSM_VALUE:
        return avila_lsm_batch_put(b, k, v);
    case AVILA_LSM_DELETE:
        return avila_lsm_batch_del(b, k);
    default:
        return avila_lsm_batch_del_range(b, k, v);
    }
}

/* The format, written again from the header comment (an independent encoder). */
static size_t ref_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        out[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    return n;
}

static size_t ref_encode(uint8_t *out, uint64_t seq, const struct op *ops, size_t n)
{
    size_t p = 0;
    for (int i = 0; i < 8; i++)
        out[p++] = (uint8_t)(seq >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[p++] = (uint8_t)(n >> (8 * i));
    for (size_t i = 0; i < n; i++) {
        out[p++] = (uint8_t)ops[i].kind;
        p += ref_varint(out + p, ops[i].klen);
        memcpy(out + p, ops[i].key, ops[i].klen);
        p += ops[i].klen;
        if (ops[i].kind != AVILA_LSM_DELETE) {
            p += ref_varint(out + p, ops[i].vlen);
            memcpy(out + p, ops[i].val, ops[i].vlen);
            p += ops[i].vlen;
        }
    }
    return p;
}

/* Iterates bytes and checks every entry against ops. */
static void check_against(const uint8_t *p, size_t len, uint64_t seq, const struct op *ops,
                          size_t n)
{
    struct avila_lsm_batch_iter it;
    struct avila_lsm_batch_entry e;
    assert_int_equal(avila_lsm_batch_iter_init(&it, p, len), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(avila_lsm_batch_iter_next(&it, &e), 1);
        assert_int_equal(e.kind, ops[i].kind);
        assert_true(e.seq == seq + i);
        assert_int_equal(e.key.len, ops[i].klen);
        if (ops[i].klen)
            assert_memory_equal(e.key.ptr, ops[i].key, ops[i].klen);
        assert_int_equal(e.value.len, ops[i].vlen);
        if (ops[i].vlen)
            assert_memory_equal(e.value.ptr, ops[i].val, ops[i].vlen);
    }
    assert_int_equal(avila_lsm_batch_iter_next(&it, &e), 0);
    assert_int_equal(avila_lsm_batch_iter_next(&it, &e), 0);
    uint32_t count = 0;
    assert_int_equal(avila_lsm_batch_check(p, len, &count), 0);
    assert_int_equal(count, n);
}

/* Every way of reading bytes that are not a batch says AVILA_EFORMAT. */
static void assert_bad(const uint8_t *p, size_t len)
{
    struct avila_lsm_batch_iter it;
    struct avila_lsm_batch_entry e;
    int rc = avila_lsm_batch_iter_init(&it, p, len);
    while (rc == 0 && (rc = avila_lsm_batch_iter_next(&it, &e)) == 1)
        rc = 0;
    assert_int_equal(rc, AVILA_EFORMAT);
    assert_int_equal(avila_lsm_batch_iter_next(&it, &e), AVILA_EFORMAT); /* sticky */
    assert_int_equal(avila_lsm_batch_check(p, len, NULL), AVILA_EFORMAT);
}

enum { MAX_OPS = 40 };
static struct op ops[2 * MAX_OPS];
static uint8_t ref[2 * MAX_OPS * 400];

static void round_trip_random(void **state)
{
    (void)state;
    uint64_t rng = 1;
    struct avila_buf buf;
    avila_buf_init(&buf, avila_allocator_libc(), SIZE_MAX);
    for (int round = 0; round < 2000; round++) {
        struct avila_lsm_batch b;
        assert_int_equal(avila_lsm_batch_init(&b, &buf), 0);
        size_t n = (size_t)(unit_rand(&rng) % MAX_OPS);
        for (size_t i = 0; i < n; i++) {
            random_op(&rng, &ops[i]);
            assert_int_equal(add_op(&b, &ops[i]), 0);
        }
        uint64_t seq = unit_rand(&rng) % (AVILA_LSM_MAX_SEQ - MAX_OPS);
        if (round % 7 == 0)
            seq = AVILA_LSM_MAX_SEQ - (n ? n - 1 : 0); /* the last entry at the very top */
        assert_int_equal(avila_lsm_batch_set_seq(&b, seq), 0);
        assert_int_equal(avila_lsm_batch_count(&b), n);
        assert_true(avila_lsm_batch_seq(&b) == seq);
        size_t rlen = ref_encode(ref, seq, ops, n);
        assert_int_equal(buf.len, rlen);
        assert_memory_equal(buf.data, ref, rlen);
        check_against(buf.data, buf.len, seq, ops, n);
    }
    avila_buf_release(&buf);
}

static void malformations(void **state)
{
    (void)state;
    uint64_t rng = 2;
    static uint8_t bad[2 * MAX_OPS * 400 + 16];
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(unit_rand(&rng) % 8);
        for (size_t i = 0; i < n; i++)
            random_op(&rng, &ops[i]);
        uint64_t seq = unit_rand(&rng) % 1000000;
        size_t len = ref_encode(ref, seq, ops, n);
        check_against(ref, len, seq, ops, n);
        /* every truncation */
        for (size_t cut = 0; cut < len; cut++) {
            memcpy(bad, ref, cut);
            assert_bad(cut ? bad : NULL, cut);
        }
        /* a trailing byte */
        memcpy(bad, ref, len);
        bad[len] = 0;
        assert_bad(bad, len + 1);
        /* the count one off either way */
        memcpy(bad, ref, len);
        avila_store_le32(bad + 8, (uint32_t)n + 1);
        assert_bad(bad, len);
        avila_store_le32(bad + 8, (uint32_t)n - 1);
        assert_bad(bad, len);
        /* every unknown kind byte in the first entry */
        for (int k = AVILA_LSM_RANGE_DELETE + 1; k < 256; k++) {
            memcpy(bad, ref, len);
            bad[AVILA_LSM_BATCH_HEADER_LEN] = (uint8_t)k;
            assert_bad(bad, len);
        }
    }
}

/* A one-entry batch: kind, then the given raw bytes. */
static size_t one_entry(uint8_t *out, uint8_t kind, const uint8_t *body, size_t n)
{
    memset(out, 0, AVILA_LSM_BATCH_HEADER_LEN);
    out[8] = 1;
    out[AVILA_LSM_BATCH_HEADER_LEN] = kind;
    memcpy(out + AVILA_LSM_BATCH_HEADER_LEN + 1, body, n);
    return AVILA_LSM_BATCH_HEADER_LEN + 1 + n;
}

static void oversize_lengths(void **state)
{
    (void)state;
    size_t big = AVILA_LSM_MAX_KEY_LEN + 1;
    uint8_t *buf = malloc(AVILA_LSM_BATCH_HEADER_LEN + 16 + big * 2);
    uint8_t *body = malloc(16 + big * 2);
    assert_non_null(buf);
    assert_non_null(body);
    /* a key one byte over the limit, all its bytes present */
    size_t p = ref_varint(body, big);
    memset(body + p, 'k', big);
    p += big;
    assert_bad(buf, one_entry(buf, AVILA_LSM_DELETE, body, p));
    /* the same key at the limit is fine */
    p = ref_varint(body, big - 1);
    memset(body + p, 'k', big - 1);
    p += big - 1;
    size_t n = one_entry(buf, AVILA_LSM_DELETE, body, p);
    assert_int_equal(avila_lsm_batch_check(buf, n, NULL), 0);
    /* a range end over the key limit */
    size_t q = ref_varint(body, 1);
    body[q++] = 'a';
    q += ref_varint(body + q, big);
    memset(body + q, 'z', big);
    q += big;
    assert_bad(buf, one_entry(buf, AVILA_LSM_RANGE_DELETE, body, q));
    /* a value length over AVILA_LSM_MAX_VALUE_LEN (the bytes need not be there to say so) */
    q = ref_varint(body, 1);
    body[q++] = 'a';
    q += ref_varint(body + q, AVILA_LSM_MAX_VALUE_LEN + 1);
    assert_bad(buf, one_entry(buf, AVILA_LSM_VALUE, body, q));
    /* a length varint of 11 bytes, and one past 64 bits */
    memset(body, 0x80, 10);
    body[10] = 0;
    assert_bad(buf, one_entry(buf, AVILA_LSM_DELETE, body, 11));
    memset(body, 0xff, 9);
    body[9] = 0x7f;
    assert_bad(buf, one_entry(buf, AVILA_LSM_DELETE, body, 10));
    /* empty and inverted ranges */
    const uint8_t same[] = {1, 'a', 1, 'a'}, inv[] = {1, 'b', 1, 'a'}, pre[] = {1, 'a', 0};
    assert_bad(buf, one_entry(buf, AVILA_LSM_RANGE_DELETE, same, sizeof(same)));
    assert_bad(buf, one_entry(buf, AVILA_LSM_RANGE_DELETE, inv, sizeof(inv)));
    assert_bad(buf, one_entry(buf, AVILA_LSM_RANGE_DELETE, pre, sizeof(pre)));
    /* sequence numbers: the last entry's must fit in 56 bits */
    const uint8_t ok[] = {1, 'a'};
    n = one_entry(buf, AVILA_LSM_DELETE, ok, sizeof(ok));
    avila_store_le64(buf, AVILA_LSM_MAX_SEQ);
    assert_int_equal(avila_lsm_batch_check(buf, n, NULL), 0);
    avila_store_le64(buf, AVILA_LSM_MAX_SEQ + 1);
    assert_bad(buf, n);
    free(buf);
    free(body);
}

static void argument_errors(void **state)
{
    (void)state;
    uint8_t mem[64];
    struct avila_buf fixed;
    avila_buf_init_fixed(&fixed, mem, sizeof(mem));
    struct avila_lsm_batch b;
    assert_int_equal(avila_lsm_batch_init(&b, &fixed), 0);
    struct avila_slice k = avila_slice_from_cstr("key"), a = avila_slice_from_cstr("a");
    assert_int_equal(avila_lsm_batch_put(&b, k, avila_slice_from_cstr("value")), 0);
    size_t len = fixed.len;
    /* too long for the buffer: nothing changes */
    static uint8_t big[100];
    assert_int_equal(avila_lsm_batch_put(&b, k, avila_slice_make(big, sizeof(big))), AVILA_ENOSPC);
    assert_int_equal(fixed.len, len);
    assert_int_equal(avila_lsm_batch_count(&b), 1);
    /* over the limits, NULL with a length, empty and inverted ranges */
    assert_int_equal(avila_lsm_batch_del(&b, avila_slice_make(big, AVILA_LSM_MAX_KEY_LEN + 1)),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_batch_put(&b, avila_slice_make(NULL, 1), a), AVILA_EINVAL);
    assert_int_equal(avila_lsm_batch_del_range(&b, a, a), AVILA_EINVAL);
    assert_int_equal(avila_lsm_batch_del_range(&b, k, a), AVILA_EINVAL);
    assert_int_equal(avila_lsm_batch_del_range(&b, avila_slice_make(NULL, 0), a), 0);
    assert_int_equal(avila_lsm_batch_count(&b), 2);
    /* a sequence number that would push the last entry over 2^56 - 1 */
    assert_int_equal(avila_lsm_batch_set_seq(&b, AVILA_LSM_MAX_SEQ), AVILA_EINVAL);
    assert_int_equal(avila_lsm_batch_set_seq(&b, AVILA_LSM_MAX_SEQ - 1), 0);
    assert_int_equal(avila_lsm_batch_check(fixed.data, fixed.len, NULL), 0);
}

static void append_group_commit(void **state)
{
    (void)state;
    uint64_t rng = 3;
    struct avila_buf d, s;
    avila_buf_init(&d, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&s, avila_allocator_libc(), SIZE_MAX);
    for (int round = 0; round < 500; round++) {
        struct avila_lsm_batch bd, bs;
        assert_int_equal(avila_lsm_batch_init(&bd, &d), 0);
        size_t n = 0;
        int parts = 1 + (int)(unit_rand(&rng) % 4);
        for (int part = 0; part < parts; part++) {
            assert_int_equal(avila_lsm_batch_init(&bs, &s), 0);
            size_t m = (size_t)(unit_rand(&rng) % 10);
            for (size_t i = 0; i < m; i++) {
                random_op(&rng, &ops[n + i]);
                assert_int_equal(add_op(&bs, &ops[n + i]), 0);
            }
            assert_int_equal(avila_lsm_batch_set_seq(&bs, unit_rand(&rng) % 1000), 0);
            assert_int_equal(avila_lsm_batch_append(&bd, s.data, s.len), 0);
            n += m;
        }
        assert_int_equal(avila_lsm_batch_set_seq(&bd, 77), 0);
        check_against(d.data, d.len, 77, ops, n);
        /* damaged input is refused and leaves dst as it was */
        size_t before = d.len;
        assert_int_equal(avila_lsm_batch_append(&bd, s.data, s.len - 1), AVILA_EFORMAT);
        assert_int_equal(d.len, before);
        check_against(d.data, d.len, 77, ops, n);
    }
    /* the count cannot pass 2^32 - 1 */
    struct avila_lsm_batch bd;
    assert_int_equal(avila_lsm_batch_init(&bd, &d), 0);
    assert_int_equal(avila_lsm_batch_del(&bd, avila_slice_from_cstr("x")), 0);
    avila_store_le32(d.data + 8, AVILA_LSM_BATCH_MAX_COUNT);
    assert_int_equal(avila_lsm_batch_del(&bd, avila_slice_from_cstr("y")), AVILA_ELIMIT);
    uint8_t one[AVILA_LSM_BATCH_HEADER_LEN + 3];
    const uint8_t body[] = {1, 'z'};
    size_t n1 = one_entry(one, AVILA_LSM_DELETE, body, sizeof(body));
    assert_int_equal(avila_lsm_batch_append(&bd, one, n1), AVILA_ELIMIT);
    avila_buf_release(&d);
    avila_buf_release(&s);
}

static void random_damage(void **state)
{
    (void)state;
    /* Random byte changes: either AVILA_EFORMAT, or a batch whose every slice lies inside it. */
    uint64_t rng = 4;
    static uint8_t bad[MAX_OPS * 400];
    int refused = 0;
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + (size_t)(unit_rand(&rng) % 6);
        for (size_t i = 0; i < n; i++)
            random_op(&rng, &ops[i]);
        size_t len = ref_encode(bad, 5, ops, n);
        int flips = 1 + (int)(unit_rand(&rng) % 3);
        for (int f = 0; f < flips; f++)
            bad[unit_rand(&rng) % len] ^= (uint8_t)(1 + unit_rand(&rng) % 255);
        struct avila_lsm_batch_iter it;
        struct avila_lsm_batch_entry e;
        int rc = avila_lsm_batch_iter_init(&it, bad, len);
        uint32_t seen = 0;
        while (rc == 0 && (rc = avila_lsm_batch_iter_next(&it, &e)) == 1) {
            rc = 0;
            assert_true(e.key.ptr >= bad && e.key.ptr + e.key.len <= bad + len);
            assert_true(e.value.len == 0 ||
                        (e.value.ptr >= bad && e.value.ptr + e.value.len <= bad + len));
            assert_true(e.kind <= AVILA_LSM_RANGE_DELETE);
            seen++;
        }
        assert_true(rc == 0 || rc == AVILA_EFORMAT);
        if (rc == 0)
            assert_int_equal(seen, it.count);
        else
            refused++;
    }
    assert_true(refused > 1000 && refused < 19000); /* both outcomes are common */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_random),   cmocka_unit_test(malformations),
        cmocka_unit_test(oversize_lengths),    cmocka_unit_test(argument_errors),
        cmocka_unit_test(append_group_commit), cmocka_unit_test(random_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
