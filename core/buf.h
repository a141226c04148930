/*
 * core/buf.h - byte buffers for producers and parsers:
 *   struct avila_buf     a growable (or fixed) output buffer with a hard limit
 *   struct avila_cursor  a bounds-checked read cursor over input bytes
 *   struct avila_slice   a borrowed (pointer, length) view
 * Pure. No standard is implemented; integers are read in the byte orders
 * named (big-endian is network byte order, RFC 1700 / RFC 791 section 3.1).
 */
#ifndef AVILA_CORE_BUF_H
#define AVILA_CORE_BUF_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/endian.h"
#include "core/error.h"

/* ------------------------------------------------------------------ buffer */

/* Alignment the buffer's memory is allocated with (pass it to avila_free after detach). */
#define AVILA_BUF_ALIGN 1

/* Capacity of the first allocation of a growable buffer (less if max is smaller). */
#define AVILA_BUF_MIN_CAP 64

/*
 * A byte buffer. data and len are public and read-only: the bytes written so
 * far are data[0 .. len). The other fields are private. Caller-allocated.
 *
 * Every function that can fail leaves the buffer unchanged on failure, with
 * these errors: AVILA_ELIMIT when a growable buffer would pass its max,
 * AVILA_ENOSPC when a fixed buffer is full, AVILA_ENOMEM when the allocator
 * refuses. Growth is geometric (doubling), so n appends cost O(n) copies.
 * Not thread-safe.
 */
struct avila_buf {
    uint8_t *data;                   /* the bytes; NULL while a growable buffer is empty */
    size_t len;                      /* bytes in use */
    size_t cap;                      /* private: bytes available at data */
    size_t max;                      /* private: hard limit on cap */
    const struct avila_allocator *a; /* private: NULL for a fixed buffer */
};

/*
 * Starts an empty growable buffer over allocator a (which MUST outlive the
 * buffer) that never holds more than max bytes. Allocates nothing yet.
 */
void avila_buf_init(struct avila_buf *b, const struct avila_allocator *a, size_t max);

/*
 * Starts an empty buffer over the caller's cap bytes at mem; it never grows
 * (AVILA_ENOSPC when full). mem MUST outlive the buffer; it stays the
 * caller's. mem may be NULL only if cap is 0.
 */
void avila_buf_init_fixed(struct avila_buf *b, void *mem, size_t cap);

/* Makes room for at least extra more bytes without further allocation. */
int avila_buf_reserve(struct avila_buf *b, size_t extra);

/*
 * Bytes that can be appended at data + len without growing: the fast-path
 * test before writing in place (a writer that needs more calls
 * avila_buf_reserve first).
 */
static inline size_t avila_buf_avail(const struct avila_buf *b)
{
    return b->cap - b->len;
}

/* Appends the n bytes at p (which MAY be NULL if n is 0, and MUST NOT point into b). */
int avila_buf_append(struct avila_buf *b, const void *p, size_t n);

/* Appends one byte. */
int avila_buf_append_byte(struct avila_buf *b, uint8_t byte);

/* Appends v in decimal ASCII, without sign or padding ("0" for 0). */
int avila_buf_append_u64_dec(struct avila_buf *b, uint64_t v);

/* Appends the n bytes at p as 2n lowercase hex digits. */
int avila_buf_append_hex(struct avila_buf *b, const void *p, size_t n);

/* Drops the first n bytes, moving the rest to the front. AVILA_EINVAL if n > len. */
int avila_buf_consume(struct avila_buf *b, size_t n);

/* Empties the buffer, keeping its memory. */
void avila_buf_clear(struct avila_buf *b);

/*
 * Frees a growable buffer's memory (a fixed buffer's memory stays the
 * caller's) and empties it; the buffer may be used again.
 */
void avila_buf_release(struct avila_buf *b);

/*
 * Hands the bytes to the caller and empties the buffer. Returns data (NULL
 * if a growable buffer never allocated), *len gets the byte count and
 * *alloc_size the size to free it with: avila_free(a, p, *alloc_size,
 * AVILA_BUF_ALIGN). For a fixed buffer *alloc_size is 0 (the memory was the
 * caller's all along) and the buffer is left with no room at all.
 */
uint8_t *avila_buf_detach(struct avila_buf *b, size_t *len, size_t *alloc_size);

/* ------------------------------------------------------------------- slice */

/* A borrowed view of len bytes at ptr; the owner of the bytes decides how long it lives. */
struct avila_slice {
    const uint8_t *ptr;
    size_t len;
};

static inline struct avila_slice avila_slice_make(const void *p, size_t n)
{
    return (struct avila_slice){.ptr = p, .len = n};
}

/* The bytes of the NUL-terminated string s, without the NUL. */
static inline struct avila_slice avila_slice_from_cstr(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return avila_slice_make(s, n);
}

/* True if a and b hold the same bytes (not constant-time: not for secrets). */
static inline bool avila_slice_equal(struct avila_slice a, struct avila_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* True if s begins with prefix. */
static inline bool avila_slice_starts_with(struct avila_slice s, struct avila_slice prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

/*
 * Splits s at the first byte sep: *head gets the bytes before it and *tail
 * the bytes after it, and it returns true. Without sep, *head is s, *tail is
 * empty (at s's end) and it returns false.
 */
static inline bool avila_slice_split(struct avila_slice s, uint8_t sep, struct avila_slice *head,
                                     struct avila_slice *tail)
{
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == sep) {
            *head = avila_slice_make(s.ptr, i);
            *tail = avila_slice_make(s.ptr + i + 1, s.len - i - 1);
            return true;
        }
    }
    *head = s;
    *tail = avila_slice_make(s.len != 0 ? s.ptr + s.len : s.ptr, 0);
    return false;
}

/* ------------------------------------------------------------------ cursor */

/*
 * A read cursor over len bytes at p (borrowed: they MUST outlive the cursor
 * and every pointer it hands out; p MAY be NULL if len is 0). pos is the offset of the next byte;
 * the fields may be read, and set only through avila_cursor_init. Each read returns 0 and advances,
 * or returns AVILA_EAGAIN (fewer bytes remain than the read needs) and changes neither the cursor
 * nor the output, so a resumable parser can wait for more input and retry.
 */
struct avila_cursor {
    const uint8_t *p;
    size_t len;
    size_t pos;
};

static inline void avila_cursor_init(struct avila_cursor *c, const void *p, size_t len)
{
    c->p = p;
    c->len = len;
    c->pos = 0;
}

/* Bytes not read yet. */
static inline size_t avila_cursor_remaining(const struct avila_cursor *c)
{
    return c->pos <= c->len ? c->len - c->pos : 0;
}

/* Sets *out to the next n bytes, in the input (no copy), and skips them. */
static inline int avila_cursor_bytes(struct avila_cursor *c, size_t n, const uint8_t **out)
{
    if (n > avila_cursor_remaining(c))
        return AVILA_EAGAIN;
    /* p may be NULL for empty input, and NULL + 0 is undefined in C. */
    *out = c->pos != 0 ? c->p + c->pos : c->p;
    c->pos += n;
    return 0;
}

/* Skips n bytes. */
static inline int avila_cursor_skip(struct avila_cursor *c, size_t n)
{
    const uint8_t *unused;
    return avila_cursor_bytes(c, n, &unused);
}

static inline int avila_cursor_u8(struct avila_cursor *c, uint8_t *v)
{
    const uint8_t *b;
    if (avila_cursor_bytes(c, 1, &b) != 0)
        return AVILA_EAGAIN;
    *v = b[0];
    return 0;
}

static inline int avila_cursor_be16(struct avila_cursor *c, uint16_t *v)
{
    const uint8_t *b;
    if (avila_cursor_bytes(c, 2, &b) != 0)
        return AVILA_EAGAIN;
    *v = avila_load_be16(b);
    return 0;
}

static inline int avila_cursor_be32(struct avila_cursor *c, uint32_t *v)
{
    const uint8_t *b;
    if (avila_cursor_bytes(c, 4, &b) != 0)
        return AVILA_EAGAIN;
    *v = avila_load_be32(b);
    return 0;
}

static inline int avila_cursor_be64(struct avila_cursor *c, uint64_t *v)
{
    const uint8_t *b;
    if (avila_cursor_bytes(c, 8, &b) != 0)
        return AVILA_EAGAIN;
    *v = avila_load_be64(b);
    return 0;
}

static inline int avila_cursor_le16(struct avila_cursor *c, uint16_t *v)
{
    const uint8_t *b;
    if (avila_cursor_bytes(c, 2, &b) != 0)
        return AVILA_EAGAIN;
    *v = avila_load_le16(b);
    return 0;
}

static inline int avila_cursor_le32(struct avila_cursor *c, uint32_t *v)
{
    const uint8_t *b;
    if (avila_cursor_bytes(c, 4, &b) != 0)
        return AVILA_EAGAIN;
    *v = avila_load_le32(b);
    return 0;
}

static inline int avila_cursor_le64(struct avila_cursor *c, uint64_t *v)
{
    const uint8_t *b;
    if (avila_cursor_bytes(c, 8, &b) != 0)
        return AVILA_EAGAIN;
    *v = avila_load_le64(b);
    return 0;
}

#endif
