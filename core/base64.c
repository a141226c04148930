/*
 * core/base64.c - base64 encoding and strict decoding, RFC 4648 sections 4
 * (standard alphabet) and 5 (URL and filename safe), padding per section 4,
 * canonical trailing bits per section 3.5. The portable code moves 6 bytes
 * (8 characters) per step; on x86-64 with AVX2 the kernels of base64_x86.c
 * take the whole blocks. Pure.
 */
#include "core/encoding.h"

#include "core/cpu.h"
#include "core/ct.h"
#include "core/encoding_int.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/size.h"

/*
 * An alphabet as lane offsets: the other 62 characters are A-Z, a-z, 0-9 in
 * both alphabets; 62 and 63 are "+/" (RFC 4648 Table 1) or "-_" (Table 2).
 */
struct alphabet {
    uint8_t c62, c63;
};

static const struct alphabet std_alphabet = {'+', '/'};
static const struct alphabet url_alphabet = {'-', '_'};

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

/*
 * The 8 characters of the 48 bits in the low bits of v (the first character
 * from the top bits), in little-endian order: the bits are spread to one
 * 6-bit value per byte lane, then each lane gets its class's offset.
 */
static uint64_t encode8(uint64_t v, const struct alphabet *al)
{
    uint64_t x = (v >> 24 & 0xFFFFFF) | (v & 0xFFFFFF) << 32;
    x = (x >> 12 & 0x00000FFF00000FFFu) | (x & 0x00000FFF00000FFFu) << 16;
    x = (x >> 6 & 0x003F003F003F003Fu) | (x & 0x003F003F003F003Fu) << 8;
    uint64_t ge26 = avila_swar_mask(avila_swar_ge(x, 26));
    uint64_t ge52 = avila_swar_mask(avila_swar_ge(x, 52));
    uint64_t ge62 = avila_swar_mask(avila_swar_ge(x, 62));
    uint64_t ge63 = avila_swar_mask(avila_swar_ge(x, 63));
    uint64_t offset = (~ge26 & avila_swar_bytes('A')) |
                      (ge26 & ~ge52 & avila_swar_bytes('a' - 26)) |
                      (ge52 & ~ge62 & avila_swar_bytes((uint8_t)('0' - 52))) |
                      (ge62 & ~ge63 & avila_swar_bytes((uint8_t)(al->c62 - 62))) |
                      (ge63 & avila_swar_bytes((uint8_t)(al->c63 - 63)));
    return avila_swar_add(x, offset);
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
    const struct alphabet *al = url ? &url_alphabet : &std_alphabet;
    size_t i = 0, o = 0;
#if AVILA_X86_64
    /* The kernel reads 4 bytes past its last block. */
    if (use_avx2() && n >= 28) {
        size_t blocks = (n - 4) / 24;
        avila_base64_encode_avx2(dst, s, blocks, url);
        i = blocks * 24;
        o = blocks * 32;
    }
#endif
    /* 6 bytes per step from an 8-byte load, while 8 bytes are there to read. */
    for (; n - i >= 8; i += 6, o += 8)
        avila_store_le64(dst + o, encode8(avila_load_be64(s + i) >> 16, al));
    while (i < n) {
        size_t take = n - i < 6 ? n - i : 6;
        uint8_t bytes[8] = {0}, chars[8];
        memcpy(bytes, s + i, take);
        avila_store_le64(chars, encode8(avila_load_be64(bytes) >> 16, al));
        /* Every 3 bytes make 4 characters; 1 more byte makes 2, 2 make 3. */
        size_t made = take / 3 * 4 + (take % 3 ? take % 3 + 1 : 0);
        memcpy(dst + o, chars, made);
        avila_wipe(bytes, sizeof bytes);
        avila_wipe(chars, sizeof chars);
        i += take;
        o += made;
    }
    if (len > o)
        memset(dst + o, '=', len - o);
    if (out_len)
        *out_len = len;
    return 0;
}

size_t avila_base64_decoded_max(size_t n)
{
    return n / 4 * 3 + n % 4 * 3 / 4;
}

/*
 * The 48 bits of 8 characters (chars in little-endian order, the first
 * character's value becomes the top bits); ORs bit 7 of each lane that is
 * not in the alphabet into *bad. Each lane is classified by range, and its
 * class's offset added.
 */
static uint64_t decode8(uint64_t chars, const struct alphabet *al, uint64_t *bad)
{
    uint64_t x = chars & AVILA_SWAR_LOW7;
    uint64_t upper = avila_swar_in_range(x, 'A', 'Z');
    uint64_t lower = avila_swar_in_range(x, 'a', 'z');
    uint64_t digit = avila_swar_in_range(x, '0', '9');
    uint64_t is62 = avila_swar_in_range(x, al->c62, al->c62);
    uint64_t is63 = avila_swar_in_range(x, al->c63, al->c63);
    *bad |= (chars | ~(upper | lower | digit | is62 | is63)) & AVILA_SWAR_HIGH;
    uint64_t offset = (avila_swar_mask(upper) & avila_swar_bytes((uint8_t) - 'A')) |
                      (avila_swar_mask(lower) & avila_swar_bytes((uint8_t)(26 - 'a'))) |
                      (avila_swar_mask(digit) & avila_swar_bytes((uint8_t)(52 - '0'))) |
                      (avila_swar_mask(is62) & avila_swar_bytes((uint8_t)(62 - al->c62))) |
                      (avila_swar_mask(is63) & avila_swar_bytes((uint8_t)(63 - al->c63)));
    uint64_t v = avila_swar_add(x, offset) & 0x3F3F3F3F3F3F3F3Fu;
    v = (v & 0x003F003F003F003Fu) << 6 | (v >> 8 & 0x003F003F003F003Fu);
    v = (v & 0x00000FFF00000FFFu) << 12 | (v >> 16 & 0x00000FFF00000FFFu);
    return (v & 0xFFFFFF) << 24 | v >> 32;
}

/*
 * The last n (< 8) characters, padded with 'A' (value 0): their bytes (n
 * * 3 / 4 of them) go to out[0..], and the byte after them holds the bits
 * the last character has beyond them, which MUST be zero (RFC 4648 section
 * 3.5) - so it is ORed into *bad.
 */
static void decode_last(uint8_t out[7], const uint8_t *s, size_t n, const struct alphabet *al,
                        uint64_t *bad)
{
    uint8_t chars[8];
    memset(chars, 'A', sizeof chars);
    memcpy(chars, s, n);
    uint64_t bits = decode8(avila_load_le64(chars), al, bad);
    avila_store_be64(out, bits << 16);
    *bad |= out[n * 3 / 4];
}

/*
 * Decodes the n characters at s into n * 3 / 4 bytes at d (NULL: only
 * check); returns nonzero if a character is invalid or trailing bits are set.
 * Neither loop branches on the characters.
 */
static uint64_t decode_chars(uint8_t *d, const uint8_t *s, size_t n, const struct alphabet *al)
{
    uint64_t bad = 0;
    size_t i = 0, o = 0, len = n * 3 / 4;
    for (; n - i >= 8; i += 8, o += 6) {
        uint64_t bits = decode8(avila_load_le64(s + i), al, &bad);
        /* An 8-byte store while 2 spare bytes are still to be written. */
        if (d && len - o >= 8)
            avila_store_be64(d + o, bits << 16);
        else if (d)
            for (int k = 0; k < 6; k++)
                d[o + (size_t)k] = (uint8_t)(bits >> (40 - 8 * k));
    }
    if (i < n) {
        uint8_t last[8];
        decode_last(last, s + i, n - i, al, &bad);
        if (d)
            memcpy(d + o, last, len - o);
        avila_wipe(last, sizeof last);
    }
    return bad;
}

int avila_base64_decode(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                        size_t *out_len)
{
    if (flags & ~KNOWN_FLAGS)
        return AVILA_EINVAL;
    const int url = (flags & AVILA_BASE64_URL) != 0;
    const struct alphabet *al = url ? &url_alphabet : &std_alphabet;
    const uint8_t *s = (const uint8_t *)src;
    /* data: the characters that carry bits, padding excluded. Where padding is is public. */
    size_t data = n;
    if (!(flags & AVILA_BASE64_NOPAD)) {
        if (n % 4 != 0)
            return AVILA_EFORMAT;
        if (n > 0 && s[n - 1] == '=')
            data -= s[n - 2] == '=' ? 2 : 1;
    }
    if (data % 4 == 1)
        return AVILA_EFORMAT;
    size_t len = data * 3 / 4;
    if (cap < len)
        return decode_chars(NULL, s, data, al) ? AVILA_EFORMAT : AVILA_ENOSPC;
    uint8_t *d = dst;
    size_t done = 0;
    uint64_t bad = 0;
#if AVILA_X86_64
    if (use_avx2() && data >= 32) {
        size_t blocks = data / 32;
        bad = avila_base64_decode_avx2(d, src, blocks, url);
        done = blocks * 32;
    }
#endif
    if (data > done)
        bad |= decode_chars(d + done / 4 * 3, s + done, data - done, al);
    /* Whether it was valid is all the result reveals of the characters: no branch on it here. */
    uint32_t invalid = avila_ct_nonzero_u32((uint32_t)(bad | bad >> 32));
    if (out_len)
        *out_len = (size_t)avila_ct_select_u64(invalid, *out_len, len);
    return -(int)(invalid * (uint32_t)-AVILA_EFORMAT);
}
