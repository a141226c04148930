/* tests/core/test_buf.c - byte buffer, slice, read cursor and ring buffer. */
#include "tests/support/unit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ring.h"
#include "tests/support/fail_alloc.h"

/* A snapshot of a buffer, to check that a failed call changed nothing. */
struct snap {
    struct avila_buf b;
    uint8_t bytes[256];
};

static void take(struct snap *s, const struct avila_buf *b)
{
    s->b = *b;
    assert_true(b->len <= sizeof s->bytes);
    if (b->len != 0)
        memcpy(s->bytes, b->data, b->len);
}

static void unchanged(const struct snap *s, const struct avila_buf *b)
{
    assert_memory_equal(&s->b, b, sizeof *b);
    if (b->len != 0)
        assert_memory_equal(s->bytes, b->data, b->len);
}

/* ------------------------------------------------------------------ buffer */

static void buf_appends_and_grows_geometrically(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_buf b;
    avila_buf_init(&b, &fa.allocator, 1 << 20);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    uint8_t *model = malloc(1 << 20);
    assert_non_null(model);
    size_t n = 0, grows = 0, last_cap = 0;
    uint64_t rng = 3;
    while (n < 500000) {
        uint8_t chunk[700];
        size_t k = (size_t)(unit_rand(&rng) % sizeof chunk);
        unit_rand_fill(&rng, chunk, k);
        assert_int_equal(avila_buf_append(&b, chunk, k), 0);
        memcpy(model + n, chunk, k);
        n += k;
        if (b.cap != last_cap) {
            /* Each growth at least doubles, except the last one clamped to max. */
            assert_true(b.cap >= 2 * last_cap || b.cap == b.max);
            assert_int_equal(fa.last_size, b.cap);
            last_cap = b.cap;
            grows++;
        }
    }
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, model, n);
    assert_true(grows <= 16);
    assert_int_equal(fa.live_allocs, 1);
    avila_buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(fa.live_allocs, 0);
    /* Usable again after release. */
    assert_int_equal(avila_buf_append_byte(&b, 'x'), 0);
    assert_int_equal(b.cap, AVILA_BUF_MIN_CAP);
    avila_buf_release(&b);
    assert_int_equal(fa.live_allocs, 0);
    free(model);
}

static void buf_stops_at_max(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_buf b;
    avila_buf_init(&b, &fa.allocator, 100);
    uint8_t bytes[100];
    memset(bytes, 'a', sizeof bytes);
    assert_int_equal(avila_buf_append(&b, bytes, 60), 0);
    assert_true(b.cap <= 100);
    struct snap s;
    take(&s, &b);
    assert_int_equal(avila_buf_append(&b, bytes, 41), AVILA_ELIMIT);
    assert_int_equal(avila_buf_reserve(&b, SIZE_MAX), AVILA_ELIMIT);
    assert_int_equal(avila_buf_append_hex(&b, bytes, 21), AVILA_ELIMIT);
    assert_int_equal(avila_buf_append_hex(&b, bytes, SIZE_MAX / 2 + 1), AVILA_ELIMIT);
    unchanged(&s, &b);
    assert_int_equal(avila_buf_append(&b, bytes, 40), 0);
    assert_int_equal(b.len, 100);
    assert_int_equal(b.cap, 100);
    assert_int_equal(avila_buf_append_byte(&b, 'z'), AVILA_ELIMIT);
    assert_int_equal(avila_buf_append_u64_dec(&b, 0), AVILA_ELIMIT);
    assert_int_equal(avila_buf_reserve(&b, 0), 0);
    assert_int_equal(avila_buf_append(&b, NULL, 0), 0);
    avila_buf_release(&b);
    /* max 0: nothing fits, nothing is allocated. */
    avila_buf_init(&b, &fa.allocator, 0);
    assert_int_equal(avila_buf_append_byte(&b, 1), AVILA_ELIMIT);
    assert_int_equal(avila_buf_append(&b, NULL, 0), 0);
    assert_int_equal(fa.live_allocs, 0);
}

/* Appends many pieces; every refused one must leave the buffer as it was. */
static int appends_under_faults(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_buf b;
    avila_buf_init(&b, &fa->allocator, 4096);
    int rc = 0;
    for (int i = 0; i < 12; i++) {
        struct snap s;
        take(&s, &b);
        uint8_t piece[20];
        memset(piece, i, sizeof piece);
        int r = i % 3 == 0   ? avila_buf_append_hex(&b, piece, 10)
                : i % 3 == 1 ? avila_buf_append(&b, piece, sizeof piece)
                             : avila_buf_append_u64_dec(&b, UINT64_MAX);
        if (r != 0) {
            assert_int_equal(r, AVILA_ENOMEM);
            unchanged(&s, &b);
            rc = r;
        }
    }
    avila_buf_release(&b);
    return rc;
}

static void buf_allocation_failure_changes_nothing(void **state)
{
    (void)state;
    assert_true(fail_alloc_sweep(appends_under_faults, NULL, 0) >= 3);
    assert_true(fail_alloc_sweep(appends_under_faults, NULL, 1) >= 3);
}

static void buf_fixed_never_grows(void **state)
{
    (void)state;
    uint8_t mem[10];
    struct avila_buf b;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_ptr_equal(b.data, mem);
    assert_int_equal(avila_buf_append(&b, "hello", 5), 0);
    assert_int_equal(avila_buf_append_u64_dec(&b, 1234), 0);
    struct snap s;
    take(&s, &b);
    assert_int_equal(avila_buf_append(&b, "xy", 2), AVILA_ENOSPC);
    assert_int_equal(avila_buf_append_hex(&b, "x", 1), AVILA_ENOSPC);
    assert_int_equal(avila_buf_append_hex(&b, "x", SIZE_MAX), AVILA_ENOSPC);
    assert_int_equal(avila_buf_reserve(&b, 2), AVILA_ENOSPC);
    unchanged(&s, &b);
    assert_int_equal(avila_buf_append_byte(&b, '!'), 0);
    assert_memory_equal(mem, "hello1234!", 10);
    assert_int_equal(avila_buf_consume(&b, 5), 0);
    assert_memory_equal(mem, "1234!", 5);
    avila_buf_release(&b); /* the memory stays ours */
    assert_ptr_equal(b.data, mem);
    assert_int_equal(b.len, 0);
    assert_int_equal(avila_buf_append(&b, "0123456789", 10), 0);
    size_t len, size;
    assert_ptr_equal(avila_buf_detach(&b, &len, &size), mem);
    assert_int_equal(len, 10);
    assert_int_equal(size, 0);
    assert_int_equal(avila_buf_append_byte(&b, 1), AVILA_ENOSPC);
    avila_buf_init_fixed(&b, NULL, 0);
    assert_int_equal(avila_buf_append(&b, NULL, 0), 0);
    assert_int_equal(avila_buf_append_byte(&b, 1), AVILA_ENOSPC);
}

static void check_dec(uint64_t v)
{
    char expect[32];
    snprintf(expect, sizeof expect, "%" PRIu64, v);
    uint8_t mem[20];
    struct avila_buf b;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(avila_buf_append_u64_dec(&b, v), 0);
    assert_int_equal(b.len, strlen(expect));
    assert_memory_equal(b.data, expect, b.len);
}

static void buf_decimal(void **state)
{
    (void)state;
    check_dec(0);
    check_dec(UINT64_MAX);
    check_dec(UINT64_MAX - 1);
    check_dec(10000000000000000000ull - 1);
    check_dec(10000000000000000000ull);
    for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10) {
        check_dec(p - 1);
        check_dec(p);
        check_dec(p + 1);
    }
    uint64_t rng = 9;
    for (int i = 0; i < 10000; i++)
        check_dec(unit_rand(&rng) >> (unit_rand(&rng) % 64));
    /* 20 digits need 20 bytes: a 19-byte buffer refuses, unchanged. */
    uint8_t mem[19];
    struct avila_buf b;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(avila_buf_append_u64_dec(&b, UINT64_MAX), AVILA_ENOSPC);
    assert_int_equal(b.len, 0);
}

static void buf_hex(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_buf b;
    avila_buf_init(&b, &fa.allocator, 1 << 16);
    uint64_t rng = 11;
    for (size_t n = 0; n < 300; n++) {
        uint8_t in[300];
        char expect[601];
        unit_rand_fill(&rng, in, n);
        for (size_t i = 0; i < n; i++)
            snprintf(expect + 2 * i, 3, "%02x", in[i]);
        avila_buf_clear(&b);
        assert_int_equal(avila_buf_append_hex(&b, in, n), 0);
        assert_int_equal(b.len, 2 * n);
        if (n != 0)
            assert_memory_equal(b.data, expect, 2 * n);
    }
    avila_buf_release(&b);
    assert_int_equal(fa.live_allocs, 0);
}

static void buf_consume_and_detach(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_buf b;
    avila_buf_init(&b, &fa.allocator, 1000);
    assert_int_equal(avila_buf_append(&b, "abcdefgh", 8), 0);
    assert_int_equal(avila_buf_consume(&b, 0), 0);
    assert_int_equal(avila_buf_consume(&b, 3), 0);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "defgh", 5);
    assert_int_equal(avila_buf_consume(&b, 6), AVILA_EINVAL);
    assert_int_equal(b.len, 5);
    assert_int_equal(avila_buf_consume(&b, 5), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(avila_buf_append(&b, "xyz", 3), 0);
    size_t len, size;
    uint8_t *p = avila_buf_detach(&b, &len, &size);
    assert_non_null(p);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "xyz", 3);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    /* fail_alloc checks that the size handed back is the allocation's. */
    avila_free(&fa.allocator, p, size, AVILA_BUF_ALIGN);
    assert_int_equal(fa.live_allocs, 0);
    assert_null(avila_buf_detach(&b, &len, &size));
    assert_int_equal(len, 0);
    assert_int_equal(size, 0);
    avila_buf_release(&b);
}

/* ------------------------------------------------------------------- slice */

static struct avila_slice S(const char *s) {
    return avila_slice_make(s, strlen(s));
}

static void
slice_helpers(void **state)
{
    (void)state;
    struct avila_slice empty = avila_slice_make(NULL, 0);
    assert_true(avila_slice_equal(S("abc"), S("abc")));
    assert_false(avila_slice_equal(S("abc"), S("abd")));
    assert_false(avila_slice_equal(S("abc"), S("ab")));
    assert_true(avila_slice_equal(empty, S("")));
    assert_true(avila_slice_starts_with(S("abc"), S("ab")));
    assert_true(avila_slice_starts_with(S("abc"), empty));
    assert_false(avila_slice_starts_with(S("ab"), S("abc")));
    assert_false(avila_slice_starts_with(S("abc"), S("b")));
    struct avila_slice head, tail;
    const char *kv = "key=value=x";
    assert_true(avila_slice_split(S(kv), '=', &head, &tail));
    assert_true(avila_slice_equal(head, S("key")));
    assert_true(avila_slice_equal(tail, S("value=x")));
    assert_ptr_equal(tail.ptr, kv + 4);
    assert_true(avila_slice_split(S("=x"), '=', &head, &tail));
    assert_int_equal(head.len, 0);
    assert_true(avila_slice_equal(tail, S("x")));
    assert_true(avila_slice_split(S("x="), '=', &head, &tail));
    assert_true(avila_slice_equal(head, S("x")));
    assert_int_equal(tail.len, 0);
    assert_false(avila_slice_split(S("none"), '=', &head, &tail));
    assert_true(avila_slice_equal(head, S("none")));
    assert_int_equal(tail.len, 0);
    assert_false(avila_slice_split(empty, '=', &head, &tail));
    assert_int_equal(head.len, 0);
    assert_int_equal(tail.len, 0);
}

/* ------------------------------------------------------------------ cursor */

/* A record of every field type; the values match the bytes in record_bytes. */
static const uint8_t record_bytes[] = {
    0x7f,                                           /* u8 */
    0x01, 0x02,                                     /* be16 */
    0x01, 0x02, 0x03, 0x04,                         /* be32 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* be64 */
    0x01, 0x02,                                     /* le16 */
    0x01, 0x02, 0x03, 0x04,                         /* le32 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88, /* le64 */
    'h',  'e',  'l',  'l',  'o',                    /* 5 bytes */
    0xaa, 0xbb, 0xcc,                               /* skipped */
};

/*
 * Parses a record; returns 0 or the first error. On AVILA_EAGAIN *failed_at
 * is the cursor position, which must be the start of the field that failed.
 */
static int parse_record(struct avila_cursor *c, const uint8_t *base, size_t *failed_at)
{
    static const size_t field_end[] = {1, 3, 7, 15, 17, 21, 29, 34, 37};
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    const uint8_t *bytes = NULL;
    int rc = 0;
    for (size_t f = 0; f < AVILA_ARRAY_LEN(field_end) && rc == 0; f++) {
        size_t start = c->pos;
        switch (f) {
        case 0:
            rc = avila_cursor_u8(c, &u8);
            if (rc == 0)
                assert_int_equal(u8, 0x7f);
            break;
        case 1:
            rc = avila_cursor_be16(c, &u16);
            if (rc == 0)
                assert_int_equal(u16, 0x0102);
            break;
        case 2:
            rc = avila_cursor_be32(c, &u32);
            if (rc == 0)
                assert_int_equal(u32, 0x01020304);
            break;
        case 3:
            rc = avila_cursor_be64(c, &u64);
            if (rc == 0)
                assert_true(u64 == 0x0102030405060708ull);
            break;
        case 4:
            rc = avila_cursor_le16(c, &u16);
            if (rc == 0)
                assert_int_equal(u16, 0x0201);
            break;
        case 5:
            rc = avila_cursor_le32(c, &u32);
            if (rc == 0)
                assert_int_equal(u32, 0x04030201);
            break;
        case 6:
            rc = avila_cursor_le64(c, &u64);
            if (rc == 0)
                assert_true(u64 == 0x8807060504030201ull);
            break;
        case 7:
            rc = avila_cursor_bytes(c, 5, &bytes);
            if (rc == 0) {
                assert_ptr_equal(bytes, base + 29); /* zero-copy: points into the input */
                assert_memory_equal(bytes, "hello", 5);
            }
            break;
        default:
            rc = avila_cursor_skip(c, 3);
        }
        if (rc != 0) {
            assert_int_equal(rc, AVILA_EAGAIN);
            assert_int_equal(c->pos, start);
            *failed_at = start;
        } else {
            assert_int_equal(c->pos, field_end[f]);
        }
    }
    return rc;
}

static void cursor_reads_every_type(void **state)
{
    (void)state;
    struct avila_cursor c;
    avila_cursor_init(&c, record_bytes, sizeof record_bytes);
    size_t failed_at = 0;
    assert_int_equal(parse_record(&c, record_bytes, &failed_at), 0);
    assert_int_equal(avila_cursor_remaining(&c), 0);
    uint8_t v = 1;
    assert_int_equal(avila_cursor_u8(&c, &v), AVILA_EAGAIN);
    assert_int_equal(v, 1); /* untouched on failure */
    assert_int_equal(avila_cursor_skip(&c, 0), 0);
}

/* Every proper prefix, placed right before a guard page: EAGAIN, no over-read. */
static void cursor_every_proper_prefix_is_incomplete(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof record_bytes; n++) {
        uint8_t *mem = unit_guarded_alloc(n);
        memcpy(mem, record_bytes, n);
        struct avila_cursor c;
        avila_cursor_init(&c, mem, n);
        size_t failed_at = SIZE_MAX;
        assert_int_equal(parse_record(&c, mem, &failed_at), AVILA_EAGAIN);
        assert_true(failed_at <= n);
        assert_int_equal(avila_cursor_remaining(&c), n - failed_at);
        unit_guarded_free(mem, n);
    }
}

static void cursor_bounds(void **state)
{
    (void)state;
    struct avila_cursor c;
    avila_cursor_init(&c, NULL, 0);
    const uint8_t *p = (const uint8_t *)&c;
    assert_int_equal(avila_cursor_bytes(&c, 0, &p), 0);
    assert_null(p);
    uint64_t v = 5;
    assert_int_equal(avila_cursor_le64(&c, &v), AVILA_EAGAIN);
    assert_int_equal(v, 5);
    const uint8_t data[3] = {1, 2, 3};
    avila_cursor_init(&c, data, 3);
    assert_int_equal(avila_cursor_skip(&c, SIZE_MAX), AVILA_EAGAIN);
    assert_int_equal(avila_cursor_bytes(&c, SIZE_MAX, &p), AVILA_EAGAIN);
    assert_int_equal(avila_cursor_skip(&c, 2), 0);
    assert_int_equal(avila_cursor_remaining(&c), 1);
    uint16_t w;
    assert_int_equal(avila_cursor_be16(&c, &w), AVILA_EAGAIN);
    assert_int_equal(avila_cursor_bytes(&c, 1, &p), 0);
    assert_ptr_equal(p, data + 2);
    /* A cursor whose pos was corrupted past len reports nothing left. */
    c.pos = 10;
    assert_int_equal(avila_cursor_remaining(&c), 0);
    assert_int_equal(avila_cursor_skip(&c, 1), AVILA_EAGAIN);
}

/* -------------------------------------------------------------------- ring */

static void ring_init_wants_a_power_of_two(void **state)
{
    (void)state;
    static uint8_t mem[4096];
    struct avila_ring r;
    static const size_t bad[] = {0, 3, 6, 12, 100, 4095};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++)
        assert_int_equal(avila_ring_init(&r, mem, bad[i]), AVILA_EINVAL);
    assert_int_equal(avila_ring_init(&r, NULL, 16), AVILA_EINVAL);
    for (size_t cap = 1; cap <= sizeof mem; cap *= 2) {
        assert_int_equal(avila_ring_init(&r, mem, cap), 0);
        assert_int_equal(avila_ring_cap(&r), cap);
        assert_int_equal(avila_ring_len(&r), 0);
        assert_int_equal(avila_ring_space(&r), cap);
    }
}

static void ring_partial_counts_and_wrap(void **state)
{
    (void)state;
    uint8_t mem[8];
    struct avila_ring r;
    assert_int_equal(avila_ring_init(&r, mem, sizeof mem), 0);
    assert_int_equal(avila_ring_write(&r, "abcdef", 6), 6);
    uint8_t out[16];
    assert_int_equal(avila_ring_read(&r, out, 4), 4);
    assert_memory_equal(out, "abcd", 4);
    /* 2 stored, 6 free, wrapping after 2 more bytes. */
    assert_int_equal(avila_ring_write(&r, "0123456789", 10), 6);
    assert_int_equal(avila_ring_len(&r), 8);
    assert_int_equal(avila_ring_write(&r, "z", 1), 0);
    assert_int_equal(avila_ring_peek(&r, out, 3), 3);
    assert_memory_equal(out, "ef0", 3);
    assert_int_equal(avila_ring_skip(&r, 1), 1);
    assert_int_equal(avila_ring_read(&r, out, 16), 7);
    assert_memory_equal(out, "f012345", 7);
    assert_int_equal(avila_ring_read(&r, out, 1), 0);
    assert_int_equal(avila_ring_skip(&r, 5), 0);
    assert_int_equal(avila_ring_write(&r, "xy", 2), 2);
    avila_ring_clear(&r);
    assert_int_equal(avila_ring_len(&r), 0);
    assert_int_equal(avila_ring_space(&r), 8);
}

static void ring_spans(void **state)
{
    (void)state;
    uint8_t mem[8];
    struct avila_ring r;
    assert_int_equal(avila_ring_init(&r, mem, sizeof mem), 0);
    /* Raw bytes (no terminator) written through the spans in three pieces. */
    static const uint8_t letters[] = "abcdefghij";
    uint8_t *w;
    const uint8_t *rd;
    size_t n;
    avila_ring_write_span(&r, &w, &n);
    assert_ptr_equal(w, mem);
    assert_int_equal(n, 8);
    memcpy(w, letters, 6);
    assert_int_equal(avila_ring_commit(&r, 9), AVILA_EINVAL);
    assert_int_equal(avila_ring_commit(&r, 6), 0);
    assert_int_equal(avila_ring_skip(&r, 5), 5);
    /* Free space wraps: the span reaches only to the end of the memory. */
    avila_ring_write_span(&r, &w, &n);
    assert_ptr_equal(w, mem + 6);
    assert_int_equal(n, 2);
    assert_int_equal(avila_ring_commit(&r, 3), AVILA_EINVAL);
    memcpy(w, letters + 6, 2);
    assert_int_equal(avila_ring_commit(&r, 2), 0);
    avila_ring_write_span(&r, &w, &n);
    assert_ptr_equal(w, mem);
    assert_int_equal(n, 5);
    memcpy(w, letters + 8, 2);
    assert_int_equal(avila_ring_commit(&r, 2), 0);
    /* Stored bytes "fghij" wrap too. */
    avila_ring_read_span(&r, &rd, &n);
    assert_ptr_equal(rd, mem + 5);
    assert_int_equal(n, 3);
    assert_memory_equal(rd, "fgh", 3);
    assert_int_equal(avila_ring_release(&r, 4), AVILA_EINVAL);
    assert_int_equal(avila_ring_release(&r, 3), 0);
    avila_ring_read_span(&r, &rd, &n);
    assert_ptr_equal(rd, mem);
    assert_int_equal(n, 2);
    assert_memory_equal(rd, "ij", 2);
    assert_int_equal(avila_ring_release(&r, 2), 0);
    avila_ring_read_span(&r, &rd, &n);
    assert_int_equal(n, 0);
    assert_int_equal(avila_ring_release(&r, 1), AVILA_EINVAL);
    assert_int_equal(avila_ring_release(&r, 0), 0);
    /* Full ring: an empty write span. */
    assert_int_equal(avila_ring_write(&r, "12345678", 8), 8);
    avila_ring_write_span(&r, &w, &n);
    assert_int_equal(n, 0);
    assert_int_equal(avila_ring_commit(&r, 1), AVILA_EINVAL);
    assert_int_equal(avila_ring_commit(&r, 0), 0);
}

/*
 * Random operations against a FIFO model (a flat array), starting from the
 * given counter value so that the size_t counters wrap during the run.
 */
static void ring_model_run(size_t cap, size_t start, uint64_t seed)
{
    uint8_t *mem = unit_guarded_alloc(cap);
    struct avila_ring r;
    assert_int_equal(avila_ring_init(&r, mem, cap), 0);
    r.read = r.write = start;
    enum { MODEL = 1 << 20 };
    uint8_t *model = malloc(MODEL);
    assert_non_null(model);
    size_t head = 0, tail = 0; /* model holds model[head .. tail) */
    uint64_t rng = seed;
    uint8_t tmp[300];
    for (int step = 0; step < 20000 && tail + sizeof tmp < MODEL; step++) {
        size_t want = (size_t)(unit_rand(&rng) % (2 * cap + 2));
        if (want > sizeof tmp)
            want = sizeof tmp;
        size_t len = tail - head, got;
        uint8_t *w;
        const uint8_t *rd;
        switch (unit_rand(&rng) % 7) {
        case 0:
            unit_rand_fill(&rng, tmp, want);
            got = avila_ring_write(&r, tmp, want);
            assert_int_equal(got, want < cap - len ? want : cap - len);
            memcpy(model + tail, tmp, got);
            tail += got;
            break;
        case 1:
        case 2:
            got = (unit_rand(&rng) & 1) ? avila_ring_read(&r, tmp, want)
                                        : avila_ring_peek(&r, tmp, want);
            assert_int_equal(got, want < len ? want : len);
            if (got != 0)
                assert_memory_equal(tmp, model + head, got);
            if (avila_ring_len(&r) != len)
                head += got;
            break;
        case 3:
            got = avila_ring_skip(&r, want);
            assert_int_equal(got, want < len ? want : len);
            head += got;
            break;
        case 4:
            avila_ring_write_span(&r, &w, &got);
            assert_true(w >= mem && w + got <= mem + cap);
            assert_true(got <= cap - len && (got != 0 || len == cap));
            got = want < got ? want : got;
            unit_rand_fill(&rng, w, got);
            memcpy(model + tail, w, got);
            assert_int_equal(avila_ring_commit(&r, got), 0);
            tail += got;
            break;
        case 5:
            avila_ring_read_span(&r, &rd, &got);
            assert_true(rd >= mem && rd + got <= mem + cap);
            assert_true(got <= len && (got != 0 || len == 0));
            if (got != 0)
                assert_memory_equal(rd, model + head, got);
            got = want < got ? want : got;
            assert_int_equal(avila_ring_release(&r, got), 0);
            head += got;
            break;
        default:
            if (unit_rand(&rng) % 50 == 0) {
                avila_ring_clear(&r);
                head = tail;
            }
        }
        assert_int_equal(avila_ring_len(&r), tail - head);
        assert_int_equal(avila_ring_space(&r), cap - (tail - head));
    }
    free(model);
    unit_guarded_free(mem, cap);
}

static void ring_matches_a_fifo_model(void **state)
{
    (void)state;
    static const size_t caps[] = {1, 2, 8, 64, 256};
    static const size_t starts[] = {0, SIZE_MAX - 100, SIZE_MAX - 5, SIZE_MAX / 2 + 3};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(caps); i++)
        for (size_t j = 0; j < AVILA_ARRAY_LEN(starts); j++)
            ring_model_run(caps[i], starts[j], 100 * i + j + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_appends_and_grows_geometrically),
        cmocka_unit_test(buf_stops_at_max),
        cmocka_unit_test(buf_allocation_failure_changes_nothing),
        cmocka_unit_test(buf_fixed_never_grows),
        cmocka_unit_test(buf_decimal),
        cmocka_unit_test(buf_hex),
        cmocka_unit_test(buf_consume_and_detach),
        cmocka_unit_test(slice_helpers),
        cmocka_unit_test(cursor_reads_every_type),
        cmocka_unit_test(cursor_every_proper_prefix_is_incomplete),
        cmocka_unit_test(cursor_bounds),
        cmocka_unit_test(ring_init_wants_a_power_of_two),
        cmocka_unit_test(ring_partial_counts_and_wrap),
        cmocka_unit_test(ring_spans),
        cmocka_unit_test(ring_matches_a_fifo_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
