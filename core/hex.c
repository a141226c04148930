/*
 * core/hex.c - base16 ("hex") encoding and strict decoding, RFC 4648
 * section 8 (the decoder also takes lowercase, as section 8 allows). Pure.
 */
#include "core/encoding.h"

#include "core/ct.h"
#include "core/encoding_int.h"
#include "core/endian.h"
#include "core/error.h"

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

/*
 * The 4 bytes of 8 hex digits (chars in little-endian order, the first
 * digit the high nibble of the first byte), in little-endian order; ORs
 * bit 7 of each lane that is not a hex digit into *bad.
 */
static uint32_t decode8(uint64_t chars, uint64_t *bad)
{
    uint64_t x = chars & AVILA_SWAR_LOW7;
    uint64_t folded = x | avila_swar_bytes(0x20); /* A-F onto a-f; digits have the bit */
    uint64_t digit = avila_swar_in_range(x, '0', '9');
    uint64_t letter = avila_swar_in_range(folded, 'a', 'f');
    *bad |= (chars | ~(digit | letter)) & AVILA_SWAR_HIGH;
    uint64_t dm = avila_swar_mask(digit), lm = avila_swar_mask(letter);
    uint64_t v =
        avila_swar_add((dm & x) | (lm & folded), (dm & avila_swar_bytes((uint8_t) - '0')) |
                                                     (lm & avila_swar_bytes((uint8_t)(10 - 'a'))));
    v &= 0x0F0F0F0F0F0F0F0Fu;
    v = (v & 0x000F000F000F000Fu) << 4 | (v >> 8 & 0x000F000F000F000Fu);
    v = (v | v >> 8) & 0x0000FFFF0000FFFFu;
    return (uint32_t)(v | v >> 16);
}

/* Decodes the n (even) digits at s into n / 2 bytes at d (NULL: only check); nonzero if invalid. */
static uint64_t decode_digits(uint8_t *d, const uint8_t *s, size_t n)
{
    uint64_t bad = 0;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint32_t bytes = decode8(avila_load_le64(s + i), &bad);
        if (d)
            avila_store_le32(d + i / 2, bytes);
    }
    if (i < n) {
        uint8_t chars[8], last[4];
        memset(chars, '0', sizeof chars);
        memcpy(chars, s + i, n - i);
        avila_store_le32(last, decode8(avila_load_le64(chars), &bad));
        if (d)
            memcpy(d + i / 2, last, (n - i) / 2);
        avila_wipe(last, sizeof last);
    }
    return bad;
}

int avila_hex_decode(void *dst, size_t cap, const char *src, size_t n, size_t *out_len)
{
    const uint8_t *s = (const uint8_t *)src;
    if (n % 2 != 0)
        return AVILA_EFORMAT;
    size_t len = n / 2;
    if (cap < len)
        return decode_digits(NULL, s, n) ? AVILA_EFORMAT : AVILA_ENOSPC;
    /* Whether it was valid is all the result reveals of the digits: no branch on it here. */
    uint64_t bad = n ? decode_digits(dst, s, n) : 0;
    uint32_t invalid = avila_ct_nonzero_u32((uint32_t)(bad | bad >> 32));
    if (out_len)
        *out_len = (size_t)avila_ct_select_u64(invalid, *out_len, len);
    return -(int)(invalid * (uint32_t)-AVILA_EFORMAT);
}
