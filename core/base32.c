/*
 * core/base32.c - base32 encoding and strict decoding: RFC 4648 sections 6
 * (A-Z2-7) and 7 ("extended hex", 0-9A-V), padding per section 6, canonical
 * trailing bits per section 3.5; and Crockford's alphabet
 * (https://www.crockford.com/base32.html) with the same bit grouping, no
 * padding and its lenient reading (case, O/I/L aliases, hyphens). Pure.
 */
#include "core/encoding.h"

#include "core/endian.h"
#include "core/error.h"
#include "core/size.h"

static const char std_alphabet[33] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char hex_alphabet[33] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
const char avila_crockford_alphabet[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define XX 0xFF
/* clang-format off */
/* RFC 4648 Table 3: value of each base32 character (uppercase only); XX for others. */
static const uint8_t std_values[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 00..0F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 10..1F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 20..2F */
    XX, XX, 26, 27, 28, 29, 30, 31, XX, XX, XX, XX, XX, XX, XX, XX, /* 30..3F */
    XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, /* 40..4F */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX, /* 50..5F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 60..6F */
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

/* RFC 4648 Table 4: the same for the "extended hex" alphabet. */
static const uint8_t hex_values[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 00..0F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 10..1F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 20..2F */
     0,  1,  2,  3,  4,  5,  6,  7,  8,  9, XX, XX, XX, XX, XX, XX, /* 30..3F */
    XX, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, /* 40..4F */
    25, 26, 27, 28, 29, 30, 31, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 50..5F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 60..6F */
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

/* Crockford: either case, O read as 0, I and L as 1; U, hyphen and the check symbols are XX. */
static const uint8_t crockford_values[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 00..0F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 10..1F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 20..2F */
     0,  1,  2,  3,  4,  5,  6,  7,  8,  9, XX, XX, XX, XX, XX, XX, /* 30..3F */
    XX, 10, 11, 12, 13, 14, 15, 16, 17,  1, 18, 19,  1, 20, 21,  0, /* 40..4F */
    22, 23, 24, 25, 26, XX, 27, 28, 29, 30, 31, XX, XX, XX, XX, XX, /* 50..5F */
    XX, 10, 11, 12, 13, 14, 15, 16, 17,  1, 18, 19,  1, 20, 21,  0, /* 60..6F */
    22, 23, 24, 25, 26, XX, 27, 28, 29, 30, 31, XX, XX, XX, XX, XX, /* 70..7F */
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

#define KNOWN_FLAGS (AVILA_BASE32_HEX | AVILA_BASE32_CROCKFORD | AVILA_BASE32_NOPAD)

/* Characters that carry k = 0..4 trailing bytes: ceil(8k / 5). */
static const uint8_t chars_for_bytes[5] = {0, 2, 4, 5, 7};
/* The inverse, for 0..7 trailing characters; XX for counts no byte string gives. */
static const uint8_t bytes_for_chars[8] = {0, 0xFF, 1, 0xFF, 2, 3, 0xFF, 4};

static int check_flags(unsigned flags)
{
    if (flags & ~KNOWN_FLAGS)
        return AVILA_EINVAL;
    if ((flags & AVILA_BASE32_HEX) && (flags & AVILA_BASE32_CROCKFORD))
        return AVILA_EINVAL;
    return 0;
}

static int padded(unsigned flags)
{
    return !(flags & (AVILA_BASE32_NOPAD | AVILA_BASE32_CROCKFORD));
}

int avila_base32_encoded_len(size_t n, unsigned flags, size_t *out)
{
    int rc = check_flags(flags);
    if (rc < 0)
        return rc;
    size_t rest = n % 5;
    size_t tail = rest == 0 ? 0 : padded(flags) ? 8 : chars_for_bytes[rest];
    return avila_size_mul_add(n / 5, 8, tail, out);
}

/* The 8 characters for the 40 bits in the low bits of v, first in the low byte. */
static uint64_t encode40(uint64_t v, const char *alphabet)
{
    uint64_t chars = 0;
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++)
        chars |= (uint64_t)(uint8_t)alphabet[v >> (35 - 5 * k) & 31] << 8 * k;
    return chars;
}

/* The first k <= 5 bytes at s as the high bits of a 40-bit value. */
static uint64_t load40(const uint8_t *s, size_t k)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 5; i++)
        v = v << 8 | (i < k ? s[i] : 0);
    return v;
}

static const char *alphabet_of(unsigned flags)
{
    if (flags & AVILA_BASE32_CROCKFORD)
        return avila_crockford_alphabet;
    return flags & AVILA_BASE32_HEX ? hex_alphabet : std_alphabet;
}

int avila_base32_encode(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                        size_t *out_len)
{
    size_t len;
    int rc = avila_base32_encoded_len(n, flags, &len);
    if (rc < 0)
        return rc;
    if (cap < len)
        return AVILA_ENOSPC;
    const uint8_t *s = src;
    const char *alphabet = alphabet_of(flags);
    size_t groups = n / 5, g = 0;
    /* One 8-byte load per group while 8 bytes are there to read. */
    for (; groups - g >= 2; g++)
        avila_store_le64(dst + 8 * g, encode40(avila_load_be64(s + 5 * g) >> 24, alphabet));
    for (; g < groups; g++)
        avila_store_le64(dst + 8 * g, encode40(load40(s + 5 * g, 5), alphabet));
    size_t rest = n % 5;
    if (rest > 0) {
        uint8_t chars[8];
        avila_store_le64(chars, encode40(load40(s + 5 * groups, rest), alphabet));
        if (padded(flags))
            memset(chars + chars_for_bytes[rest], '=', 8 - chars_for_bytes[rest]);
        memcpy(dst + 8 * groups, chars, len - 8 * groups);
    }
    if (out_len)
        *out_len = len;
    return 0;
}

size_t avila_base32_decoded_max(size_t n)
{
    return n / 8 * 5 + n % 8 * 5 / 8;
}

/* The 40 bits of 8 characters; invalid characters' values (XX) are ORed into *bad. */
static inline uint64_t decode8(const uint8_t *s, const uint8_t *values, unsigned *bad)
{
    uint64_t v = 0;
    unsigned acc = 0;
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) {
        acc |= values[s[k]];
        v = v << 5 | values[s[k]];
    }
    *bad |= acc;
    return v;
}

/* True if all n characters are in the alphabet. */
static int all_valid(const uint8_t *s, size_t n, const uint8_t *values)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= values[s[i]];
    return bad < 32;
}

/* Mask of the bits of the last of k trailing characters that no byte uses. */
static unsigned unused_bits(size_t k)
{
    return (1u << (5 * k - 8 * (size_t)bytes_for_chars[k])) - 1;
}

/* RFC 4648 alphabets: strict padding, uppercase only. */
static int decode_rfc(uint8_t *dst, size_t cap, const uint8_t *s, size_t n, unsigned flags,
                      size_t *out_len)
{
    const uint8_t *values = flags & AVILA_BASE32_HEX ? hex_values : std_values;
    size_t data = n;
    if (padded(flags)) {
        if (n % 8 != 0)
            return AVILA_EFORMAT;
        size_t pad = 0;
        while (pad < 6 && pad < n && s[n - 1 - pad] == '=')
            pad++;
        data = n - pad; /* a wrong count leaves a bad remainder or an '=' among the data */
    }
    size_t groups = data / 8, rest = data % 8;
    if (bytes_for_chars[rest] == 0xFF)
        return AVILA_EFORMAT;
    size_t len = groups * 5 + bytes_for_chars[rest];
    if (rest > 0 && (values[s[data - 1]] & unused_bits(rest)) != 0)
        return AVILA_EFORMAT;
    if (cap < len)
        return all_valid(s, data, values) ? AVILA_ENOSPC : AVILA_EFORMAT;
    unsigned bad = 0;
    size_t g = 0;
    /* One 8-byte store per group while 3 spare bytes are still to be written. */
    for (; groups - g >= 2; g++)
        avila_store_be64(dst + 5 * g, decode8(s + 8 * g, values, &bad) << 24);
    for (; g < groups; g++) {
        uint64_t v = decode8(s + 8 * g, values, &bad);
        for (int k = 0; k < 5; k++)
            dst[5 * g + k] = (uint8_t)(v >> (32 - 8 * k));
    }
    if (rest > 0) {
        uint8_t last[8];
        memcpy(last, s + 8 * groups, rest);
        /* Padding characters: any valid value; the bits they give are not stored. */
        for (size_t k = rest; k < 8; k++)
            last[k] = (uint8_t)alphabet_of(flags)[0];
        uint64_t v = decode8(last, values, &bad);
        for (size_t k = 0; k < bytes_for_chars[rest]; k++)
            dst[5 * groups + k] = (uint8_t)(v >> (32 - 8 * k));
    }
    if (bad > 31)
        return AVILA_EFORMAT;
    if (out_len)
        *out_len = len;
    return 0;
}

/*
 * Crockford: hyphens anywhere are skipped, so the first pass counts the
 * symbols, validates them and finds the last one; the second decodes.
 */
static int decode_crockford(uint8_t *dst, size_t cap, const uint8_t *s, size_t n, size_t *out_len)
{
    size_t symbols = 0;
    unsigned bad = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-')
            continue;
        last = crockford_values[s[i]];
        bad |= last;
        symbols++;
    }
    size_t rest = symbols % 8;
    if (bad > 31 || bytes_for_chars[rest] == 0xFF)
        return AVILA_EFORMAT;
    if (rest > 0 && (last & unused_bits(rest)) != 0)
        return AVILA_EFORMAT;
    size_t len = symbols / 8 * 5 + bytes_for_chars[rest];
    if (cap < len)
        return AVILA_ENOSPC;
    /* bits holds the not yet written bits, nbits of them (< 8 between symbols). */
    uint32_t bits = 0;
    unsigned nbits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-')
            continue;
        bits = (bits << 5 | crockford_values[s[i]]) & 0xFFF;
        nbits += 5;
        if (nbits >= 8) {
            nbits -= 8;
            dst[o++] = (uint8_t)(bits >> nbits);
        }
    }
    if (out_len)
        *out_len = len;
    return 0;
}

int avila_base32_decode(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                        size_t *out_len)
{
    int rc = check_flags(flags);
    if (rc < 0)
        return rc;
    if (flags & AVILA_BASE32_CROCKFORD)
        return decode_crockford(dst, cap, (const uint8_t *)src, n, out_len);
    return decode_rfc(dst, cap, (const uint8_t *)src, n, flags, out_len);
}

int avila_crockford_digit(int c)
{
    if (c < 0 || c > 255 || crockford_values[c] > 31)
        return AVILA_EFORMAT;
    return crockford_values[c];
}
