/*
 * data/lsm_format.h - the byte formats every part of the LSM store shares:
 * varints, internal keys (a user key with its sequence number and kind),
 * their order, and masked CRC32C checksums. Pure (core only); these
 * formats are on disk, so changing one is a format version change.
 *
 * Internal key. user_key followed by an 8-byte little-endian trailer
 * (seq << 8) | kind, with seq < 2^56. Internal keys sort by user key
 * (bytewise, shorter first on a common prefix), then by seq descending
 * (newest first), then by kind descending - so a lookup for (key, seq)
 * finds the newest entry at or below seq first.
 *
 * Masked CRC. A CRC32C stored next to data that may itself hold CRCs is
 * masked (rotated left by 11 bits, then XORed with a constant), so that
 * the CRC of a block that embeds CRCs does not degenerate.
 */
#ifndef AVILA_DATA_LSM_FORMAT_H
#define AVILA_DATA_LSM_FORMAT_H

#include "core/buf.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/platform.h"

/* Kinds of internal entries (the trailer's low byte). */
enum avila_lsm_kind {
    AVILA_LSM_DELETE = 0,       /* a tombstone for the user key */
    AVILA_LSM_VALUE = 1,        /* a value for the user key */
    AVILA_LSM_RANGE_DELETE = 2, /* a tombstone for [user key, value) */
};

#define AVILA_LSM_MAX_SEQ       ((UINT64_C(1) << 56) - 1)
#define AVILA_LSM_TRAILER_LEN   8
#define AVILA_LSM_MAX_KEY_LEN   ((size_t)65535)   /* user key bytes */
#define AVILA_LSM_MAX_VALUE_LEN ((size_t)1 << 28) /* value bytes (256 MiB) */
#define AVILA_LSM_VARINT64_MAX  10                /* bytes of the longest varint64 */

/* ---------------------------------------------------------------- varints */

/*
 * Writes v as a little-endian base-128 varint (7 bits per byte, high bit
 * set on all but the last) to out; returns the bytes written (1..10).
 */
static inline size_t avila_lsm_varint_put(uint8_t out[AVILA_LSM_VARINT64_MAX], uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/*
 * Reads a varint from p[0..len) into *v. Returns the bytes read (1..10),
 * or 0 if p holds no complete varint, or one that is longer than 10 bytes
 * or overflows 64 bits (both are corruption, never a partial value).
 */
static inline size_t avila_lsm_varint_get(const uint8_t *p, size_t len, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t i = 0; i < len && i < AVILA_LSM_VARINT64_MAX; i++) {
        uint64_t b = p[i];
        if (i == 9 && b > 1)
            return 0; /* bits beyond 64 */
        r |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *v = r;
            return i + 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- internal keys */

static inline uint64_t avila_lsm_trailer(uint64_t seq, enum avila_lsm_kind kind)
{
    return seq << 8 | (uint64_t)kind;
}

/*
 * Appends the internal key (user_key, seq, kind) to b. Returns 0, or b's
 * error; AVILA_EINVAL for a key longer than AVILA_LSM_MAX_KEY_LEN or seq
 * beyond AVILA_LSM_MAX_SEQ.
 */
static inline int avila_lsm_ikey_append(struct avila_buf *b, struct avila_slice user_key,
                                        uint64_t seq, enum avila_lsm_kind kind)
{
    if (user_key.len > AVILA_LSM_MAX_KEY_LEN || seq > AVILA_LSM_MAX_SEQ)
        return AVILA_EINVAL;
    uint8_t t[AVILA_LSM_TRAILER_LEN];
    avila_store_le64(t, avila_lsm_trailer(seq, kind));
    int rc = avila_buf_reserve(b, user_key.len + sizeof(t));
    if (rc == 0)
        rc = avila_buf_append(b, user_key.ptr, user_key.len);
    if (rc == 0)
        rc = avila_buf_append(b, t, sizeof(t));
    return rc;
}

/* A parsed internal key: the user key is a slice of the internal one. */
struct avila_lsm_ikey {
    struct avila_slice user_key;
    uint64_t seq;
    enum avila_lsm_kind kind;
};

/*
 * Splits the internal key at ik[0..len). Returns 0, or AVILA_EFORMAT (too
 * short, or an unknown kind: corruption).
 */
static inline int avila_lsm_ikey_parse(const uint8_t *ik, size_t len, struct avila_lsm_ikey *out)
{
    if (len < AVILA_LSM_TRAILER_LEN)
        return AVILA_EFORMAT;
    uint64_t t = avila_load_le64(ik + len - AVILA_LSM_TRAILER_LEN);
    unsigned kind = (unsigned)(t & 0xff);
    if (kind > AVILA_LSM_RANGE_DELETE)
        return AVILA_EFORMAT;
    out->user_key = avila_slice_make(ik, len - AVILA_LSM_TRAILER_LEN);
    out->seq = t >> 8;
    out->kind = (enum avila_lsm_kind)kind;
    return 0;
}

/*
 * Bytewise order of user keys: <0, 0, >0. Eight bytes at a time as
 * big-endian words (the same order as memcmp), so that the short keys of
 * skiplist and block searches compare without a library call.
 */
static inline int avila_lsm_user_cmp(struct avila_slice a, struct avila_slice b)
{
    size_t n = a.len < b.len ? a.len : b.len, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = avila_load_be64(a.ptr + i), y = avila_load_be64(b.ptr + i);
        if (x != y)
            return x < y ? -1 : 1;
    }
    int c = n > i ? memcmp(a.ptr + i, b.ptr + i, n - i) : 0;
    if (c != 0)
        return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/*
 * Order of two well-formed internal keys (each at least
 * AVILA_LSM_TRAILER_LEN bytes): user key ascending, then trailer
 * (seq, kind) descending.
 */
static inline int avila_lsm_ikey_cmp(struct avila_slice a, struct avila_slice b)
{
    struct avila_slice ua = avila_slice_make(a.ptr, a.len - AVILA_LSM_TRAILER_LEN);
    struct avila_slice ub = avila_slice_make(b.ptr, b.len - AVILA_LSM_TRAILER_LEN);
    int c = avila_lsm_user_cmp(ua, ub);
    if (c != 0)
        return c;
    uint64_t ta = avila_load_le64(a.ptr + ua.len), tb = avila_load_le64(b.ptr + ub.len);
    return ta > tb ? -1 : ta < tb ? 1 : 0;
}

/* ---------------------------------------------------------------- checksums */

#define AVILA_LSM_CRC_MASK_XOR 0x5a17c3e9u

static inline uint32_t avila_lsm_crc_mask(uint32_t crc)
{
    return ((crc << 11) | (crc >> 21)) ^ AVILA_LSM_CRC_MASK_XOR;
}

static inline uint32_t avila_lsm_crc_unmask(uint32_t masked)
{
    uint32_t r = masked ^ AVILA_LSM_CRC_MASK_XOR;
    return (r >> 11) | (r << 21);
}

#endif
