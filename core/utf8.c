/*
 * core/utf8.c - portable UTF-8 validation, decoding and encoding, and the
 * run-time choice of validator. Well-formedness is The Unicode Standard 15.0
 * section 3.9, Table 3-7 (RFC 3629 section 4). Pure.
 */
#include "core/utf8.h"

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/utf8_int.h"

/*
 * Checks the multi-byte sequence whose lead byte (>= 0x80) is s[0], with n >= 1
 * bytes available. Table 3-7: the lead byte fixes the length and the range of
 * the second byte (narrower than 80..BF after E0, ED, F0 and F4, which is what
 * excludes overlongs, surrogates and values above U+10FFFF); the third and
 * fourth bytes are any continuation byte 80..BF. C0, C1 and F5..FF never
 * appear. Returns the length 2..4, AVILA_EAGAIN when the n bytes are a valid
 * but unfinished beginning, or AVILA_EFORMAT.
 */
static inline int sequence_length(const uint8_t *s, size_t n)
{
    unsigned lead = s[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (lead < 0xC2 || lead > 0xF4)
        return AVILA_EFORMAT;
    if (lead < 0xE0) {
        len = 2;
    } else if (lead < 0xF0) {
        len = 3;
        lo = lead == 0xE0 ? 0xA0 : lo;
        hi = lead == 0xED ? 0x9F : hi;
    } else {
        len = 4;
        lo = lead == 0xF0 ? 0x90 : lo;
        hi = lead == 0xF4 ? 0x8F : hi;
    }
    if (n < 2)
        return AVILA_EAGAIN;
    if (s[1] < lo || s[1] > hi)
        return AVILA_EFORMAT;
    for (size_t i = 2; i < len; i++) {
        if (i >= n)
            return AVILA_EAGAIN;
        if ((s[i] & 0xC0) != 0x80)
            return AVILA_EFORMAT;
    }
    return (int)len;
}

/*
 * The portable scan is a DFA over byte classes, run branch-free: each class
 * has a row holding, for every state, the next state, in 6-bit fields at the
 * bit offset that names the state. So one step is one shift (the "shift-based
 * DFA" layout). REJECT is offset 0 so unlisted transitions lead to it.
 */
enum {
    REJECT = 0,
    ACCEPT = 6,
    NEED1 = 12,    /* one more continuation byte 80..BF */
    NEED2 = 18,    /* two more */
    NEED3 = 24,    /* three more */
    AFTER_E0 = 30, /* A0..BF, then one more */
    AFTER_ED = 36, /* 80..9F, then one more */
    AFTER_F0 = 42, /* 90..BF, then two more */
    AFTER_F4 = 48, /* 80..8F, then two more */
};

enum {
    ASCII,
    CONT_8,
    CONT_9,
    CONT_AB,
    NEVER,
    LEAD2,
    LEAD_E0,
    LEAD3,
    LEAD_ED,
    LEAD_F0,
    LEAD4,
    LEAD_F4
};

/* The class of each byte, from Table 3-7. */
/* clang-format off */
static const uint8_t classes[256] = {
#define X16(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c
    X16(ASCII), X16(ASCII), X16(ASCII), X16(ASCII),             /* 00..3F */
    X16(ASCII), X16(ASCII), X16(ASCII), X16(ASCII),             /* 40..7F */
    X16(CONT_8), X16(CONT_9), X16(CONT_AB), X16(CONT_AB),       /* 80..BF */
    NEVER, NEVER, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2,     /* C0..C7: C0, C1 overlong */
    LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2, LEAD2,     /* C8..CF */
    X16(LEAD2),                                                 /* D0..DF */
    LEAD_E0, LEAD3, LEAD3, LEAD3, LEAD3, LEAD3, LEAD3, LEAD3,   /* E0..E7 */
    LEAD3, LEAD3, LEAD3, LEAD3, LEAD3, LEAD_ED, LEAD3, LEAD3,   /* E8..EF */
    LEAD_F0, LEAD4, LEAD4, LEAD4, LEAD_F4, NEVER, NEVER, NEVER, /* F0..F7: F5.. too large */
    NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER,     /* F8..FF */
#undef X16
};
/* clang-format on */

#define GO(from, to) ((uint64_t)(to) << (from))
static const uint64_t rows[12] = {
    [ASCII] = GO(ACCEPT, ACCEPT),
    [CONT_8] = GO(NEED1, ACCEPT) | GO(NEED2, NEED1) | GO(NEED3, NEED2) | GO(AFTER_ED, NEED1) |
               GO(AFTER_F4, NEED2),
    [CONT_9] = GO(NEED1, ACCEPT) | GO(NEED2, NEED1) | GO(NEED3, NEED2) | GO(AFTER_ED, NEED1) |
               GO(AFTER_F0, NEED2),
    [CONT_AB] = GO(NEED1, ACCEPT) | GO(NEED2, NEED1) | GO(NEED3, NEED2) | GO(AFTER_E0, NEED1) |
                GO(AFTER_F0, NEED2),
    [NEVER] = 0,
    [LEAD2] = GO(ACCEPT, NEED1),
    [LEAD_E0] = GO(ACCEPT, AFTER_E0),
    [LEAD3] = GO(ACCEPT, NEED2),
    [LEAD_ED] = GO(ACCEPT, AFTER_ED),
    [LEAD_F0] = GO(ACCEPT, AFTER_F0),
    [LEAD4] = GO(ACCEPT, NEED3),
    [LEAD_F4] = GO(ACCEPT, AFTER_F4),
};
#undef GO

/* Returns the offset after the 16-byte ASCII blocks that start at i. */
static size_t skip_ascii(const uint8_t *s, size_t i, size_t n)
{
    const uint64_t high = 0x8080808080808080u;
    while (n - i >= 16 && ((avila_load_le64(s + i) | avila_load_le64(s + i + 8)) & high) == 0)
        i += 16;
    return i;
}

size_t avila_utf8_scan_portable(const uint8_t *s, size_t n)
{
    uint64_t state = ACCEPT;
    size_t i = 0, block = 0;
    while (i < n) {
        if (state == ACCEPT)
            i = skip_ascii(s, i, n);
        block = i;
        /* Only the low 6 bits are the state; the shift ignores the rest. */
        if (n - i >= 16) {
#pragma GCC unroll 16
            for (size_t k = 0; k < 16; k++)
                state = rows[classes[s[i + k]]] >> (state & 63);
            i += 16;
        } else {
            for (; i < n; i++)
                state = rows[classes[s[i]]] >> (state & 63);
        }
        state &= 63;
        if (state == REJECT)
            return avila_utf8_boundary_before(s, block);
    }
    return state == ACCEPT ? n : avila_utf8_boundary_before(s, block);
}

/* The exact offset of the first ill-formed or unfinished sequence, or n. */
static size_t first_error(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        int len = sequence_length(s + i, n - i);
        if (len < 0)
            return i;
        i += (size_t)len;
    }
    return n;
}

struct validator {
    const char *name;
    size_t (*scan)(const uint8_t *s, size_t n);
};

/* The fastest scan this CPU (as restricted) runs. */
static const struct validator *pick(void)
{
    static const struct validator portable = {"portable", avila_utf8_scan_portable};
#if AVILA_X86_64
    static const struct validator avx512 = {"avx512", avila_utf8_scan_avx512};
    static const struct validator avx2 = {"avx2", avila_utf8_scan_avx2};
    uint32_t f = avila_cpu_features();
    if (f & AVILA_CPU_AVX512BW)
        return &avx512;
    if (f & AVILA_CPU_AVX2)
        return &avx2;
#endif
    return &portable;
}

const char *avila_utf8_impl(void)
{
    return pick()->name;
}

int avila_utf8_validate(const void *s, size_t n)
{
    return pick()->scan(s, n) == n ? 0 : AVILA_EFORMAT;
}

int avila_utf8_check(const void *s, size_t n, size_t *valid_len)
{
    const uint8_t *p = s;
    size_t at = pick()->scan(p, n);
    int rc = 0;
    if (at < n) {
        /* The scan only bounds the error; the decoder pinpoints it. */
        at += first_error(p + at, n - at);
        if (at < n)
            rc = sequence_length(p + at, n - at);
    }
    if (valid_len)
        *valid_len = at;
    return rc;
}

int avila_utf8_decode(const void *s, size_t n, uint32_t *cp)
{
    const uint8_t *p = s;
    if (n == 0)
        return AVILA_EAGAIN;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    int len = sequence_length(p, n);
    if (len < 0)
        return len;
    /* The lead byte keeps 7 - len payload bits; each continuation byte 6. */
    uint32_t v = p[0] & (0x7Fu >> len);
    for (int i = 1; i < len; i++)
        v = v << 6 | (p[i] & 0x3Fu);
    *cp = v;
    return len;
}

int avila_utf8_encode(uint32_t cp, uint8_t out[AVILA_UTF8_MAX_LEN])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return AVILA_ERANGE;
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > AVILA_UTF8_MAX_CP)
        return AVILA_ERANGE;
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}
