/*
 * core/buf.c - growable and fixed byte buffers (core/buf.h). Pure.
 * Decimal and hex output are written here because freestanding code has no
 * printf.
 */
#include "core/buf.h"

void avila_buf_init(struct avila_buf *b, const struct avila_allocator *a, size_t max)
{
    *b = (struct avila_buf){.data = NULL, .len = 0, .cap = 0, .max = max, .a = a};
}

void avila_buf_init_fixed(struct avila_buf *b, void *mem, size_t cap)
{
    *b = (struct avila_buf){.data = mem, .len = 0, .cap = cap, .max = cap, .a = NULL};
}

/* The capacity to grow to for need bytes: doubling, at least AVILA_BUF_MIN_CAP, at most max. */
static size_t grown_cap(const struct avila_buf *b, size_t need)
{
    size_t cap = b->cap <= SIZE_MAX / 2 ? b->cap * 2 : SIZE_MAX;
    if (cap < AVILA_BUF_MIN_CAP)
        cap = AVILA_BUF_MIN_CAP;
    if (cap < need)
        cap = need;
    return cap < b->max ? cap : b->max;
}

int avila_buf_reserve(struct avila_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    if (b->a == NULL)
        return AVILA_ENOSPC;
    size_t need;
    if (avila_size_add(b->len, extra, &need) != 0 || need > b->max)
        return AVILA_ELIMIT;
    size_t cap = grown_cap(b, need);
    uint8_t *p = avila_realloc(b->a, b->data, b->cap, cap, AVILA_BUF_ALIGN);
    if (p == NULL)
        return AVILA_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int avila_buf_append(struct avila_buf *b, const void *p, size_t n)
{
    int rc = avila_buf_reserve(b, n);
    if (rc != 0)
        return rc;
    if (n != 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int avila_buf_append_byte(struct avila_buf *b, uint8_t byte)
{
    return avila_buf_append(b, &byte, 1);
}

int avila_buf_append_u64_dec(struct avila_buf *b, uint64_t v)
{
    uint8_t digits[20]; /* UINT64_MAX has 20 decimal digits */
    size_t i = sizeof digits;
    do {
        digits[--i] = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return avila_buf_append(b, digits + i, sizeof digits - i);
}

int avila_buf_append_hex(struct avila_buf *b, const void *p, size_t n)
{
    static const char hex[16] = "0123456789abcdef";
    if (n > SIZE_MAX / 2)
        return b->a != NULL ? AVILA_ELIMIT : AVILA_ENOSPC;
    int rc = avila_buf_reserve(b, 2 * n);
    if (rc != 0 || n == 0)
        return rc;
    const uint8_t *in = p;
    uint8_t *out = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)hex[in[i] >> 4];
        out[2 * i + 1] = (uint8_t)hex[in[i] & 15];
    }
    b->len += 2 * n;
    return 0;
}

int avila_buf_consume(struct avila_buf *b, size_t n)
{
    if (n > b->len)
        return AVILA_EINVAL;
    if (n != 0 && n != b->len)
        memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    return 0;
}

void avila_buf_clear(struct avila_buf *b)
{
    b->len = 0;
}

void avila_buf_release(struct avila_buf *b)
{
    if (b->a != NULL) {
        avila_free(b->a, b->data, b->cap, AVILA_BUF_ALIGN);
        b->data = NULL;
        b->cap = 0;
    }
    b->len = 0;
}

uint8_t *avila_buf_detach(struct avila_buf *b, size_t *len, size_t *alloc_size)
{
    uint8_t *p = b->data;
    *len = b->len;
    *alloc_size = b->a != NULL ? b->cap : 0;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
