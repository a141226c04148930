/*
 * core/hex.c - base16 ("hex") encoding and strict decoding, RFC 4648
 * section 8 (the decoder also takes lowercase, as section 8 allows). Pure.
 */
#include "core/encoding.h"

#include "core/endian.h"
#include "core/error.h"

#define XX 0xFF
/* clang-format off */
/* Value of each hex digit, either case; XX for other bytes. */
static const uint8_t hex_values[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 00..0F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 10..1F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 20..2F */
     0,  1,  2,  3,  4,  5,  6,  7,  8,  9, XX, XX, XX, XX, XX, XX, /* 30..3F */
    XX, 10, 11, 12, 13, 14, 15, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 40..4F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 50..5F */
    XX, 10, 11, 12, 13, 14, 15, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 60..6F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 70..7F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 80..8F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 90..9F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* A0..AF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* B0..BF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* C0..CF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* D0..DF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* E0..EF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* F0..FF */
};
/* clang-format on */
#undef XX

size_t avila_hex_encoded_len(size_t n)
{
    return n > SIZE_MAX / 2 ? SIZE_MAX : 2 * n;
}

/*
 * The 8 hex digits of 4 bytes (the first in the low bits), as 8 characters
 * in little-endian order: each byte is spread over 16 bits with its high
 * nibble in the low half, then each nibble v becomes '0' + v, plus the gap
 * from '9' + 1 to 'a' (or 'A') when v > 9. No lane carries into the next.
 */
static uint64_t hex_digits4(uint32_t bytes, uint64_t letter_gap)
{
    uint64_t x = bytes;
    x = (x | x << 16) & 0x0000FFFF0000FFFFu;
    x = (x | x << 8) & 0x00FF00FF00FF00FFu;
    uint64_t nibbles = (x >> 4 & 0x000F000F000F000Fu) | (x & 0x000F000F000F000Fu) << 8;
    uint64_t above9 = (nibbles + 0x0606060606060606u) >> 4 & 0x0101010101010101u;
    return nibbles + 0x3030303030303030u + above9 * letter_gap;
}

int avila_hex_encode(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                     size_t *out_len)
{
    if (flags & ~AVILA_HEX_UPPER)
        return AVILA_EINVAL;
    if (n > SIZE_MAX / 2)
        return AVILA_EOVERFLOW;
    if (cap < 2 * n)
        return AVILA_ENOSPC;
    const uint8_t *s = src;
    uint64_t gap = flags & AVILA_HEX_UPPER ? 'A' - '9' - 1 : 'a' - '9' - 1;
    size_t i = 0;
    for (; n - i >= 4; i += 4)
        avila_store_le64(dst + 2 * i, hex_digits4(avila_load_le32(s + i), gap));
    if (i < n) {
        uint32_t last = 0;
        for (size_t k = i; k < n; k++)
            last |= (uint32_t)s[k] << 8 * (k - i);
        uint8_t digits[8];
        avila_store_le64(digits, hex_digits4(last, gap));
        memcpy(dst + 2 * i, digits, 2 * (n - i));
    }
    if (out_len)
        *out_len = 2 * n;
    return 0;
}

/* True if all n characters are hex digits. */
static int all_hex(const uint8_t *s, size_t n)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= hex_values[s[i]];
    return (bad & 0xF0) == 0;
}

/* The byte two hex digits stand for; ORs their values into *bad (> 15 if invalid). */
static inline unsigned hex_pair(const uint8_t *s, unsigned *bad)
{
    unsigned hi = hex_values[s[0]], lo = hex_values[s[1]];
    *bad |= hi | lo;
    return hi << 4 | lo;
}

int avila_hex_decode(void *dst, size_t cap, const char *src, size_t n, size_t *out_len)
{
    const uint8_t *s = (const uint8_t *)src;
    uint8_t *d = dst;
    if (n % 2 != 0)
        return AVILA_EFORMAT;
    size_t len = n / 2;
    if (cap < len)
        return all_hex(s, n) ? AVILA_ENOSPC : AVILA_EFORMAT;
    /* Invalid characters map to 0xFF: OR everything, test once at the end. */
    unsigned bad = 0;
    size_t i = 0;
    for (; len - i >= 4; i += 4) {
        uint32_t v = hex_pair(s + 2 * i, &bad) | hex_pair(s + 2 * i + 2, &bad) << 8 |
                     hex_pair(s + 2 * i + 4, &bad) << 16 | hex_pair(s + 2 * i + 6, &bad) << 24;
        avila_store_le32(d + i, v);
    }
    for (; i < len; i++)
        d[i] = (uint8_t)hex_pair(s + 2 * i, &bad);
    if (bad & 0xF0)
        return AVILA_EFORMAT;
    if (out_len)
        *out_len = len;
    return 0;
}
