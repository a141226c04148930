/*
 * tools/fuzz/fuzz_cursor.c - core/buf.h read cursor and slice split against
 * a byte-at-a-time model.
 *
 * Input: [P][P program bytes][data]. The cursor runs over the data, which
 * ends the input, so a read past it is caught by AddressSanitizer. Each
 * program byte is one operation: op % 10 picks u8, be16, be32, be64, le16,
 * le32, le64, bytes(op / 10), skip(op / 10) or a split of the unread bytes
 * at the byte given by the next program byte. A read must succeed exactly when enough bytes remain,
 * return what the model computes, and on AVILA_EAGAIN move nothing.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* The model's value of width bytes at p, in big- or little-endian order. */
static uint64_t model_load(const uint8_t *p, size_t width, int big)
{
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * (big ? width - 1 - i : i));
    return v;
}

/* One integer read of width bytes; returns the value (or the untouched sentinel). */
static uint64_t read_int(struct avila_cursor *c, unsigned kind, int *rc)
{
    uint8_t v8 = 0xa5;
    uint16_t v16 = 0xa5a5;
    uint32_t v32 = 0xa5a5a5a5;
    uint64_t v64 = 0xa5a5a5a5a5a5a5a5;
    switch (kind) {
    case 0:
        *rc = avila_cursor_u8(c, &v8);
        return v8;
    case 1:
        *rc = avila_cursor_be16(c, &v16);
        return v16;
    case 2:
        *rc = avila_cursor_be32(c, &v32);
        return v32;
    case 3:
        *rc = avila_cursor_be64(c, &v64);
        return v64;
    case 4:
        *rc = avila_cursor_le16(c, &v16);
        return v16;
    case 5:
        *rc = avila_cursor_le32(c, &v32);
        return v32;
    default:
        *rc = avila_cursor_le64(c, &v64);
        return v64;
    }
}

static void op_int(struct avila_cursor *c, const uint8_t *data, size_t len, size_t *pos,
                   unsigned kind)
{
    static const size_t widths[7] = {1, 2, 4, 8, 2, 4, 8};
    static const uint64_t untouched[7] = {0xa5,   0xa5a5,     0xa5a5a5a5,        0xa5a5a5a5a5a5a5a5,
                                          0xa5a5, 0xa5a5a5a5, 0xa5a5a5a5a5a5a5a5};
    size_t w = widths[kind];
    int rc;
    uint64_t v = read_int(c, kind, &rc);
    if (len - *pos < w) {
        CHECK(rc == AVILA_EAGAIN && v == untouched[kind] && c->pos == *pos);
        return;
    }
    CHECK(rc == 0 && v == model_load(data + *pos, w, kind < 4 || w == 1));
    *pos += w;
    CHECK(c->pos == *pos);
}

static void op_bytes(struct avila_cursor *c, const uint8_t *data, size_t len, size_t *pos, size_t n,
                     int skip)
{
    const uint8_t *p = NULL;
    int rc = skip ? avila_cursor_skip(c, n) : avila_cursor_bytes(c, n, &p);
    if (len - *pos < n) {
        CHECK(rc == AVILA_EAGAIN && p == NULL && c->pos == *pos);
        return;
    }
    CHECK(rc == 0 && (skip || n == 0 || p == data + *pos));
    *pos += n;
    CHECK(c->pos == *pos);
}

static void op_split(const uint8_t *data, size_t len, size_t pos, uint8_t sep)
{
    struct avila_slice s = avila_slice_make(data + pos, len - pos), head, tail;
    size_t at = 0;
    while (at < s.len && s.ptr[at] != sep)
        at++;
    bool found = avila_slice_split(s, sep, &head, &tail);
    CHECK(found == (at < s.len));
    CHECK(head.ptr == s.ptr && head.len == at);
    CHECK(tail.len == (found ? s.len - at - 1 : 0));
    CHECK(!found || tail.ptr == s.ptr + at + 1);
    CHECK(avila_slice_starts_with(s, head));
    CHECK(avila_slice_equal(head, avila_slice_make(data + pos, at)));
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    if (size == 0)
        return 0;
    size_t plen = input[0] < size - 1 ? input[0] : size - 1;
    const uint8_t *prog = input + 1, *data = input + 1 + plen;
    size_t len = size - 1 - plen, pos = 0;
    struct avila_cursor c;
    avila_cursor_init(&c, data, len);
    for (size_t i = 0; i < plen; i++) {
        unsigned kind = prog[i] % 10, arg = prog[i] / 10;
        if (kind < 7)
            op_int(&c, data, len, &pos, kind);
        else if (kind < 9)
            op_bytes(&c, data, len, &pos, arg, kind == 8);
        else if (i + 1 < plen)
            op_split(data, len, pos, prog[++i]);
        CHECK(avila_cursor_remaining(&c) == len - pos);
    }
    return 0;
}
