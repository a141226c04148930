/*
 * core/base64.c - base64 encoding and strict decoding, RFC 4648 sections 4
 * (standard alphabet) and 5 (URL and filename safe), padding per section 4,
 * canonical trailing bits per section 3.5. The portable code moves 6 bytes
 * (8 characters) per step; on x86-64 with AVX2 the kernels of base64_x86.c
 * take the whole blocks. Pure.
 */
#include "core/encoding.h"

#include "core/cpu.h"
#include "core/encoding_int.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/size.h"

static const char std_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#define XX 0xFF
/* clang-format off */
/* RFC 4648 Table 1: value of each character of the base64 alphabet; XX for others. */
static const uint8_t std_values[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 00..0F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 10..1F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63, /* 20..2F */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, XX, XX, XX, /* 30..3F */
    XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, /* 40..4F */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX, /* 50..5F */
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 60..6F */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX, /* 70..7F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 80..8F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 90..9F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* A0..AF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* B0..BF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* C0..CF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* D0..DF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* E0..EF */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* F0..FF */
};

/* RFC 4648 Table 2: the same for the URL and filename safe alphabet. */
static const uint8_t url_values[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 00..0F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 10..1F */
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, /* 20..2F */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, XX, XX, XX, /* 30..3F */
    XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, /* 40..4F */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, 63, /* 50..5F */
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 60..6F */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX, /* 70..7F */
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

#define KNOWN_FLAGS (AVILA_BASE64_URL | AVILA_BASE64_NOPAD)

static int use_avx2(void)
{
#if AVILA_X86_64
    return (avila_cpu_features() & AVILA_CPU_AVX2) != 0;
#else
    return 0;
#endif
}

const char *avila_base64_impl(void)
{
    return use_avx2() ? "avx2" : "portable";
}

int avila_base64_encoded_len(size_t n, unsigned flags, size_t *out)
{
    if (flags & ~KNOWN_FLAGS)
        return AVILA_EINVAL;
    size_t rest = n % 3;
    size_t tail = rest == 0 ? 0 : flags & AVILA_BASE64_NOPAD ? rest + 1 : 4;
    return avila_size_mul_add(n / 3, 4, tail, out);
}

/* The 4 characters for the 24 bits in the low bits of v, first in the low byte. */
static uint32_t encode24(uint32_t v, const char *alphabet)
{
    return (uint32_t)(uint8_t)alphabet[v >> 18 & 63] |
           (uint32_t)(uint8_t)alphabet[v >> 12 & 63] << 8 |
           (uint32_t)(uint8_t)alphabet[v >> 6 & 63] << 16 |
           (uint32_t)(uint8_t)alphabet[v & 63] << 24;
}

/* Encodes the 3-byte groups first..groups-1 of src into 4 characters each. */
static void encode_groups(char *dst, const uint8_t *src, size_t first, size_t groups,
                          const char *alphabet)
{
    size_t g = first;
    /* Two groups per step from one 8-byte load, while 8 bytes are there to read. */
    for (; groups - g >= 3; g += 2) {
        uint64_t v = avila_load_be64(src + 3 * g);
        uint64_t chars = encode24((uint32_t)(v >> 40), alphabet) |
                         (uint64_t)encode24((uint32_t)(v >> 16) & 0xFFFFFF, alphabet) << 32;
        avila_store_le64(dst + 4 * g, chars);
    }
    for (; g < groups; g++) {
        const uint8_t *s = src + 3 * g;
        avila_store_le32(dst + 4 * g, encode24((uint32_t)s[0] << 16 | s[1] << 8 | s[2], alphabet));
    }
}

int avila_base64_encode(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                        size_t *out_len)
{
    size_t len;
    int rc = avila_base64_encoded_len(n, flags, &len);
    if (rc < 0)
        return rc;
    if (cap < len)
        return AVILA_ENOSPC;
    const uint8_t *s = src;
    const int url = (flags & AVILA_BASE64_URL) != 0;
    const char *alphabet = url ? url_alphabet : std_alphabet;
    size_t groups = n / 3, done = 0;
#if AVILA_X86_64
    /* The kernel reads 4 bytes past its last block. */
    if (use_avx2() && n >= 28) {
        size_t blocks = (n - 4) / 24;
        avila_base64_encode_avx2(dst, s, blocks, url);
        done = blocks * 8;
    }
#endif
    encode_groups(dst, s, done, groups, alphabet);
    size_t rest = n % 3;
    if (rest > 0) {
        const uint8_t *t = s + 3 * groups;
        uint32_t v = (uint32_t)t[0] << 16 | (rest == 2 ? (uint32_t)t[1] << 8 : 0);
        uint8_t chars[4];
        avila_store_le32(chars, encode24(v, alphabet));
        /* 1 byte makes 2 characters, 2 make 3; '=' fills the quantum. */
        if (!(flags & AVILA_BASE64_NOPAD))
            memset(chars + rest + 1, '=', 3 - rest);
        memcpy(dst + 4 * groups, chars, len - 4 * groups);
    }
    if (out_len)
        *out_len = len;
    return 0;
}

size_t avila_base64_decoded_max(size_t n)
{
    return n / 4 * 3 + n % 4 * 3 / 4;
}

/*
 * The 24 bits of 4 characters; the values of invalid characters (XX) are
 * ORed into *bad, which then exceeds 63.
 */
static inline uint32_t decode4(const uint8_t *s, const uint8_t *values, unsigned *bad)
{
    unsigned a = values[s[0]], b = values[s[1]], c = values[s[2]], d = values[s[3]];
    *bad |= a | b | c | d;
    return (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
}

/*
 * Decodes the 4-character groups first..groups-1 of src into 3 bytes each;
 * returns the OR of the character values (> 63 if any was invalid).
 */
static unsigned decode_groups(uint8_t *dst, const uint8_t *src, size_t first, size_t groups,
                              const uint8_t *values)
{
    unsigned bad = 0;
    size_t g = first;
    /* Two groups per step with one 8-byte store, while 2 spare bytes are still to be written. */
    for (; groups - g >= 3; g += 2) {
        uint64_t hi = decode4(src + 4 * g, values, &bad);
        uint64_t lo = decode4(src + 4 * g + 4, values, &bad);
        avila_store_be64(dst + 3 * g, (hi << 24 | (lo & 0xFFFFFF)) << 16);
    }
    for (; g < groups; g++) {
        uint32_t v = decode4(src + 4 * g, values, &bad);
        dst[3 * g] = (uint8_t)(v >> 16);
        dst[3 * g + 1] = (uint8_t)(v >> 8);
        dst[3 * g + 2] = (uint8_t)v;
    }
    return bad;
}

/* True if all n characters are in the alphabet. */
static int all_valid(const uint8_t *s, size_t n, const uint8_t *values)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= values[s[i]];
    return bad < 64;
}

int avila_base64_decode(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                        size_t *out_len)
{
    if (flags & ~KNOWN_FLAGS)
        return AVILA_EINVAL;
    const int url = (flags & AVILA_BASE64_URL) != 0;
    const uint8_t *values = url ? url_values : std_values;
    const uint8_t *s = (const uint8_t *)src;
    /* data: the characters that carry bits, padding excluded. */
    size_t data = n;
    if (!(flags & AVILA_BASE64_NOPAD)) {
        if (n % 4 != 0)
            return AVILA_EFORMAT;
        if (n > 0 && s[n - 1] == '=')
            data -= s[n - 2] == '=' ? 2 : 1;
    }
    size_t groups = data / 4, rest = data % 4;
    if (rest == 1)
        return AVILA_EFORMAT;
    size_t len = groups * 3 + (rest > 0 ? rest - 1 : 0);
    /* The last character's bits past the final byte must be zero (RFC 4648 section 3.5). */
    if (rest > 0 && (values[s[data - 1]] & (rest == 2 ? 0x0F : 0x03)) != 0)
        return AVILA_EFORMAT;
    if (cap < len)
        return all_valid(s, data, values) ? AVILA_ENOSPC : AVILA_EFORMAT;
    uint8_t *d = dst;
    size_t done = 0;
#if AVILA_X86_64
    if (use_avx2() && groups >= 8) {
        size_t blocks = groups / 8;
        if (avila_base64_decode_avx2(d, src, blocks, url) != 0)
            return AVILA_EFORMAT;
        done = blocks * 8;
    }
#endif
    unsigned bad = decode_groups(d, s, done, groups, values);
    if (rest > 0) {
        const uint8_t *t = s + 4 * groups;
        unsigned a = values[t[0]], b = values[t[1]], c = rest == 3 ? values[t[2]] : 0;
        bad |= a | b | c;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        d[3 * groups] = (uint8_t)(v >> 16);
        if (rest == 3)
            d[3 * groups + 1] = (uint8_t)(v >> 8);
    }
    if (bad > 63)
        return AVILA_EFORMAT;
    if (out_len)
        *out_len = len;
    return 0;
}
