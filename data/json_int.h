/*
 * data/json_int.h - internals of data/json.h shared by the document parser
 * and, later, the streaming parser and the writer: the node kinds, the
 * string-scan kernels (portable and SIMD, exposed so tests can compare
 * them), the structural index of the indexed parser, the RFC 8259 section
 * 7 escape decoder and the section 6 number scanner with its inlined
 * decimal-to-double fast path. Not installed.
 */
#ifndef AVILA_DATA_JSON_INT_H
#define AVILA_DATA_JSON_INT_H

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/fpconv.h"
#include "core/platform.h"
#include "core/utf8.h"
#include "data/json.h"

/* Node kinds: the low 4 bits of struct avila_json_node's tag. */
enum {
    JSON_K_NULL = 1,
    JSON_K_FALSE,
    JSON_K_TRUE,
    JSON_K_INT,
    JSON_K_UINT,
    JSON_K_DOUBLE,
    JSON_K_BIGNUM,
    JSON_K_STRING,
    JSON_K_ARRAY,
    JSON_K_OBJECT,
    JSON_K_DELETED, /* a key whose member a duplicate-key policy dropped (value follows) */
};

#define JSON_KIND(node)        ((node)->tag & 15u)
#define JSON_NUM_TAG(kind, tl) ((uint32_t)(kind) | (uint32_t)(tl) << 8)
#define JSON_NUM_TEXT_LEN(nd)  ((size_t)((nd)->tag >> 8))
/* Nodes in a container's subtree (itself included), and its source offset. */
#define JSON_SKIP(nd)       ((size_t)(uint32_t)(nd)->v.skip)
#define JSON_SRC_OFFSET(nd) ((size_t)((nd)->v.skip >> 32))

/* Nodes a value occupies (1 for scalars). */
static inline size_t avila_json_span(const struct avila_json_node *v)
{
    unsigned k = JSON_KIND(v);
    return k == JSON_K_ARRAY || k == JSON_K_OBJECT ? JSON_SKIP(v) : 1;
}

/* ---------------------------------------------------------------- string scan */

/*
 * The string-scan kernels. Each returns the offset of the first byte of
 * s[0..n) that is '"', '\\' or below 0x20, or n if there is none, reading
 * only s[0..n). If a byte of 0x80 or above was read (among s[0..r], maybe
 * a few bytes more), *high is set nonzero; otherwise it is left alone.
 */
size_t avila_json_scan_portable(const uint8_t *s, size_t n, unsigned *high);
#if AVILA_X86_64
size_t avila_json_scan_avx2(const uint8_t *s, size_t n, unsigned *high);   /* AVILA_CPU_AVX2 */
size_t avila_json_scan_avx512(const uint8_t *s, size_t n, unsigned *high); /* AVX512BW */
#endif

/* The kernel core/cpu.h allows now, and its name ("avx512", "avx2", "portable"). */
typedef size_t (*avila_json_scan_fn)(const uint8_t *s, size_t n, unsigned *high);
avila_json_scan_fn avila_json_scan_pick(const char **name);

/* ---------------------------------------------------------------- structural index */

/*
 * Stage 1 of the indexed parser (data/json_parse.c): a pass over the text
 * in 64-byte blocks that lists, in order, the offset of every structural
 * byte ('{' '}' '[' ']' ':' ',' outside strings), of both quotes of every
 * string, and of the first byte of every other run of non-whitespace bytes
 * outside strings (literals, numbers, and anything that is not JSON). A
 * quote preceded by an odd run of backslashes does not count; a string
 * runs from its opening quote to the next quote that counts. With each
 * offset goes the byte there, except that a string's closing quote is
 * listed with '\\' instead of '"' when the string holds a backslash (an
 * escape to decode; stage 2 takes the others as they are). The index is
 * made a piece at a time (avila_json_index_fill_avx512) so its memory
 * stays small. It is trusted only for well-formed text: whatever it lists
 * for malformed text, stage 2 meets a token it does not expect at or
 * before the first error, and then the one-pass parser runs to report it.
 */
struct avila_json_index {
    const uint8_t *text;
    size_t len;
    size_t pos;         /* next block starts here */
    uint64_t escaped;   /* 1: the byte at pos is escaped by a backslash run */
    uint64_t in_string; /* all ones: pos is inside a string */
    uint64_t scalar;    /* 1: the byte before pos belongs to a scalar run */
    uint64_t escapes;   /* 1: the string open at pos holds a backslash before pos */
    size_t skip_bytes;  /* the first call's bytes inside strings or whitespace outside them */
    bool bad;           /* a control byte inside a string, a string left open, or not UTF-8 */
};

/* Room the output of one avila_json_index_fill call may use beyond `room`. */
#define AVILA_JSON_INDEX_SLACK 128

/*
 * Indexes blocks from ix->pos on, writing offsets to out and the bytes at
 * them (or '\\' for the closing quote of a string with a backslash) to chars, until fewer than 64 +
 * AVILA_JSON_INDEX_SLACK entries of room are left or the text ends (ix->pos >= ix->len); out and
 * chars must hold room entries. Returns the entries written. Sets ix->bad for a control byte in a
 * string, a string still open at the end, or text that is not UTF-8 (checked block by block as it
 * is indexed; a sequence cut by a piece's end is checked by the next call).
 * Counts ix->skip_bytes on the call from offset 0 only (the parser's choice of path).
 * Needs the AVILA_JSON_INDEX_CPU features; in data/json_x86.c.
 */
#if AVILA_X86_64
#define AVILA_JSON_INDEX_CPU                                                                       \
    (AVILA_CPU_AVX512BW | AVILA_CPU_AVX512VBMI | AVILA_CPU_AVX512VBMI2 | AVILA_CPU_PCLMUL |        \
     AVILA_CPU_BMI2)
size_t avila_json_index_fill_avx512(struct avila_json_index *ix, uint32_t *out, uint8_t *chars,
                                    size_t room);

/*
 * Decodes the body of a string with escapes, p[0..n) (between its quotes,
 * its bytes checked by stage 1), into out (room for n bytes; decoding
 * never lengthens), lone surrogates replaced when replace is nonzero.
 * Returns the decoded length, or -1 at a bad escape. Reads no byte past
 * p + n and writes none past out + n. Needs the AVILA_JSON_INDEX_CPU
 * features.
 */
ptrdiff_t avila_json_unescape_avx512(const uint8_t *p, size_t n, uint8_t *out, int replace);
#endif

/*
 * Which parser avila_json_parse_path runs: AVILA_JSON_PATH_AUTO is what
 * avila_json_parse does (the indexed parser where the CPU allows it and
 * the first piece of the text is mostly strings, where indexing pays off;
 * the one-pass parser otherwise), the others force one of them (INDEXED
 * still falls back to the one-pass parser where the CPU or the options do
 * not allow it, and to report errors). For the tests, which compare them.
 */
enum avila_json_path {
    AVILA_JSON_PATH_AUTO = 0,
    AVILA_JSON_PATH_ONE_PASS,
    AVILA_JSON_PATH_INDEXED,
};

/* avila_json_parse (data/json.h) with the choice of parser above. */
int avila_json_parse_path(struct avila_json_doc *doc, const void *text, size_t len,
                          const struct avila_json_options *opt, const struct avila_allocator *a,
                          struct avila_json_error *err, enum avila_json_path path);

/* ---------------------------------------------------------------- escapes */

static inline int json_hex4(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/*
 * What a simple escape stands for, by the escaped byte (0: none; 'u' is
 * not simple). Aligned for the indexed parser's block decoder, which looks
 * it up 64 bytes at a time.
 */
static const uint8_t json_simple_escape[128]
    __attribute__((aligned(64))) = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                    ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};

/*
 * Decodes the escape sequence at p[0] == '\\' (p[0..n) available) into out
 * (room for 4 bytes). Returns the bytes written (1..4) and sets *used to the
 * input bytes consumed; or a negative AVILA_EFORMAT, with *used = offset of
 * the offending byte from p and *reason set. Lone surrogates become U+FFFD
 * when replace is nonzero (a high surrogate followed by another escape that
 * is not a low surrogate consumes only its own six bytes).
 */
static inline int avila_json_unescape(const uint8_t *p, size_t n, uint8_t *out, int replace,
                                      size_t *used, const char **reason)
{
    if (n < 2) {
        *used = n;
        *reason = "unterminated escape sequence";
        return AVILA_EFORMAT;
    }
    uint8_t c = p[1];
    if (c < 128 && json_simple_escape[c]) {
        out[0] = json_simple_escape[c];
        *used = 2;
        return 1;
    }
    if (c != 'u') {
        *used = 1;
        *reason = "invalid escape sequence";
        return AVILA_EFORMAT;
    }
    uint32_t cp;
    if (n < 6 || json_hex4(p + 2, &cp) != 0) {
        /* Point at the first byte that is not a hex digit. */
        size_t i = 2;
        while (i < n && i < 6 &&
               ((p[i] >= '0' && p[i] <= '9') || ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')))
            i++;
        *used = i;
        *reason = i >= n ? "unterminated escape sequence" : "expected 4 hex digits after \\u";
        return AVILA_EFORMAT;
    }
    *used = 6;
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        uint32_t lo;
        if (cp <= 0xDBFF && n >= 12 && p[6] == '\\' && p[7] == 'u' && json_hex4(p + 8, &lo) == 0 &&
            lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            *used = 12;
        } else if (replace) {
            cp = 0xFFFD;
        } else {
            *used = 0;
            *reason = "lone surrogate in \\u escape";
            return AVILA_EFORMAT;
        }
    }
    /* Never a surrogate or beyond U+10FFFF here, so encoding cannot fail. */
    return avila_utf8_encode(cp, out);
}

/* ---------------------------------------------------------------- numbers */

/*
 * A scanned number literal. The value is (negative ? -1 : 1) * mantissa *
 * 10^exp10 where mantissa holds the first (at most 19) significant digits
 * and exact says no nonzero digit was dropped (core/fpconv.h's fast path
 * takes exactly these). For an integer literal (no '.', no exponent) that
 * fits 64 bits, fits64 is 1 and mantissa is its magnitude.
 */
struct avila_json_number {
    size_t len;
    uint64_t mantissa;
    int64_t exp10;
    bool negative, integer, exact, fits64;
};

static inline bool json_is_digit(uint8_t c)
{
    return (unsigned)(c - '0') < 10;
}

/* The value of 8 ASCII digits loaded little-endian (first digit in the low byte). */
static inline __attribute__((always_inline)) uint32_t json_eight_value(uint64_t w)
{
    w = (w & 0x0F0F0F0F0F0F0F0Fu) * 2561 >> 8;
    w = (w & 0x00FF00FF00FF00FFu) * 6553601 >> 16;
    return (uint32_t)((w & 0x0000FFFF0000FFFFu) * 42949672960001u >> 32);
}

/* 10^0 .. 10^8. */
static const uint32_t json_pow10_8[9] = {1,      10,      100,      1000,     10000,
                                         100000, 1000000, 10000000, 100000000};

/*
 * How many of the 8 bytes of the little-endian word w, from the low one, are
 * ASCII digits before the first one that is not (8 if all are). A byte
 * whose value minus '0' is 10 or more gets its top bit set by adding 0x76
 * (or has it already); carries only run upwards, past the first such byte.
 */
static inline __attribute__((always_inline)) size_t json_digit_run(uint64_t w)
{
    uint64_t t = w ^ 0x3030303030303030u;
    uint64_t nd = ((t + 0x7676767676767676u) | t) & 0x8080808080808080u;
    return nd ? (size_t)__builtin_ctzll(nd) / 8 : 8;
}

/* The value of the first k (1..8) digits of w (as json_digit_run counted them). */
static inline uint32_t json_run_value(uint64_t w, size_t k)
{
    /* Shifted to the top, the bytes below are zero and count as leading zeros. */
    return json_eight_value(w << (64 - 8 * k));
}

/*
 * The run of digits at p, up to 16 of them (p[0..16) readable): returns
 * how many digits lead (0..16) and sets *m = *m * 10^k + their value.
 * Short runs (up to 4 digits, most integer parts) take two multiplications
 * instead of three, and the second word is read only when the first is all
 * digits: the multiplier is what a number-heavy text waits for.
 */
static inline __attribute__((always_inline)) size_t json_digits16(const uint8_t *p, uint64_t *m)
{
    uint64_t w1 = avila_load_le64(p);
    size_t k1 = json_digit_run(w1);
    if (k1 <= 4) {
        /* Up to 4 digits (integer parts mostly): two multiplications, not three. */
        unsigned s4 = (unsigned)(32 - 8 * k1);
        uint64_t x = s4 == 32 ? 0 : (uint64_t)((uint32_t)w1 << (s4 & 31));
        x = (x & 0x0F0F0F0Fu) * 2561 >> 8;
        *m = *m * json_pow10_8[k1] + ((x & 0x00FF00FFu) * 6553601 >> 16 & 0xFFFFu);
        return k1;
    }
    *m = *m * json_pow10_8[k1] + json_eight_value(w1 << (64 - 8 * k1));
    if (k1 < 8)
        return k1;
    uint64_t w2 = avila_load_le64(p + 8);
    size_t k2 = json_digit_run(w2);
    if (k2 <= 4) {
        /* 9 to 12 digits (ids, timestamps): the short form again. */
        unsigned s4 = (unsigned)(32 - 8 * k2);
        uint64_t x = s4 == 32 ? 0 : (uint64_t)((uint32_t)w2 << (s4 & 31));
        x = (x & 0x0F0F0F0Fu) * 2561 >> 8;
        *m = *m * json_pow10_8[k2] + ((x & 0x00FF00FFu) * 6553601 >> 16 & 0xFFFFu);
        return 8 + k2;
    }
    unsigned s2 = (unsigned)(64 - 8 * k2);
    uint64_t x2 = s2 == 64 ? 0 : w2 << (s2 & 63);
    *m = *m * json_pow10_8[k2] + json_eight_value(x2);
    return 8 + k2;
}

/* 10^0 .. 10^19. */
static const uint64_t json_pow10_19[20] = {1u,
                                           10u,
                                           100u,
                                           1000u,
                                           10000u,
                                           100000u,
                                           1000000u,
                                           10000000u,
                                           100000000u,
                                           1000000000u,
                                           10000000000u,
                                           100000000000u,
                                           1000000000000u,
                                           10000000000000u,
                                           100000000000000u,
                                           1000000000000000u,
                                           10000000000000000u,
                                           100000000000000000u,
                                           1000000000000000000u,
                                           10000000000000000000u};

/*
 * The common number literals, at a place where at least 40 bytes are
 * readable: an integer part of up to 15 digits and an optional fraction,
 * 19 digits in all at most, and no exponent. Fills *num exactly as the
 * general scanner below would and returns true; false (nothing written
 * that matters) for every other literal, the malformed ones included.
 */
static inline __attribute__((always_inline)) bool
json_scan_number_short(const uint8_t *p, struct avila_json_number *num)
{
    size_t neg = p[0] == '-', i;
    uint64_t vi = 0, vf = 0;
    size_t ki = json_digits16(p + neg, &vi);
    if (AVILA_UNLIKELY(ki - 1 >= 15 || (p[neg] == '0' && ki > 1)))
        return false;
    i = neg + ki;
    num->negative = neg;
    num->exp10 = 0;
    num->integer = true;
    if (p[i] == '.') {
        size_t kf = json_digits16(p + i + 1, &vf);
        if (AVILA_UNLIKELY(kf - 1 >= 15 || ki + kf > 19))
            return false;
        vi = vi * json_pow10_19[kf] + vf;
        num->exp10 = -(int64_t)kf;
        num->integer = false;
        i += 1 + kf;
    }
    if (AVILA_UNLIKELY((p[i] | 0x20) == 'e'))
        return false;
    num->len = i;
    num->mantissa = vi;
    num->exact = true;
    num->fits64 = num->integer;
    return true;
}

/*
 * Scans the number literal at p[0..n) (p[0] is '-' or a digit; n >= 1) by
 * the grammar of RFC 8259 section 6, stopping at the first byte that cannot
 * continue it. Returns 0 and fills *num, or AVILA_EFORMAT with *bad = offset
 * of the offending byte and *reason set.
 */
static inline __attribute__((always_inline)) int
avila_json_scan_number(const uint8_t *p, size_t n, struct avila_json_number *num, size_t *bad,
                       const char **reason)
{
    if (AVILA_LIKELY(n >= 40) && json_scan_number_short(p, num))
        return 0;
    size_t i = 0;
    uint64_t m = 0;
    int64_t exp10 = 0;
    int sig = 0; /* significant digits in m */
    bool exact = true;
    num->negative = p[0] == '-';
    i = num->negative;
    if (i >= n || !json_is_digit(p[i])) {
        *bad = i;
        *reason = "expected digit after '-'";
        return AVILA_EFORMAT;
    }
    size_t int_start = i;
    if (p[i] == '0') {
        i++;
        if (i < n && json_is_digit(p[i])) {
            *bad = i;
            *reason = "leading zero in number";
            return AVILA_EFORMAT;
        }
    } else {
        /* Up to 19 digits fit m exactly; up to 16 at once, then 8 at a time. */
        if (AVILA_LIKELY(n - i >= 16)) {
            size_t k = json_digits16(p + i, &m);
            sig = (int)k;
            i += k;
        }
        while (sig == 16 && n - i >= 8) {
            uint64_t w = avila_load_le64(p + i);
            size_t k = json_digit_run(w);
            if (k == 0 || sig + (int)k > 19)
                break;
            m = m * json_pow10_8[k] + json_run_value(w, k);
            sig += (int)k;
            i += k;
            if (k < 8)
                break;
        }
        while (i < n && json_is_digit(p[i]) && sig < 19) {
            m = m * 10 + (p[i] - '0');
            sig++;
            i++;
        }
        while (i < n && json_is_digit(p[i])) {
            exact &= p[i] == '0';
            exp10++;
            i++;
        }
    }
    size_t int_digits = i - int_start;
    num->integer = true;
    if (i < n && p[i] == '.') {
        num->integer = false;
        i++;
        if (i >= n || !json_is_digit(p[i])) {
            *bad = i;
            *reason = "expected digit after decimal point";
            return AVILA_EFORMAT;
        }
        if (m == 0) {
            /* Leading zeros of the fraction are not significant. */
            while (i < n && p[i] == '0') {
                exp10--;
                i++;
            }
        }
        if (AVILA_LIKELY(n - i >= 16 && sig <= 3)) {
            size_t k = json_digits16(p + i, &m);
            sig += (int)k;
            exp10 -= (int64_t)k;
            i += k;
        }
        while (n - i >= 8) {
            uint64_t w = avila_load_le64(p + i);
            size_t k = json_digit_run(w);
            if (k == 0 || sig + (int)k > 19)
                break;
            m = m * json_pow10_8[k] + json_run_value(w, k);
            sig += (int)k;
            exp10 -= (int64_t)k;
            i += k;
            if (k < 8)
                break;
        }
        while (i < n && json_is_digit(p[i]) && sig < 19) {
            m = m * 10 + (p[i] - '0');
            sig++;
            exp10--;
            i++;
        }
        while (i < n && json_is_digit(p[i])) {
            exact &= p[i] == '0';
            i++;
        }
    }
    if (i < n && (p[i] | 0x20) == 'e') {
        num->integer = false;
        i++;
        bool eneg = false;
        if (i < n && (p[i] == '+' || p[i] == '-')) {
            eneg = p[i] == '-';
            i++;
        }
        if (i >= n || !json_is_digit(p[i])) {
            *bad = i;
            *reason = "expected digit in exponent";
            return AVILA_EFORMAT;
        }
        int64_t e = 0;
        while (i < n && json_is_digit(p[i])) {
            /* Saturate far beyond any exponent that changes the result. */
            if (e < 1000000000)
                e = e * 10 + (p[i] - '0');
            i++;
        }
        exp10 += eneg ? -e : e;
    }
    num->len = i;
    num->mantissa = m;
    num->exp10 = exp10;
    num->exact = exact;
    num->fits64 = false;
    if (num->integer) {
        if (int_digits <= 19) {
            num->fits64 = true;
        } else if (int_digits == 20) {
            /* m holds the first 19 digits; the 20th may still fit. */
            uint64_t d = p[int_start + 19] - '0';
            if (m <= (UINT64_MAX - d) / 10) {
                num->mantissa = m * 10 + d;
                num->exp10 = 0;
                num->fits64 = true;
            }
        }
    }
    return 0;
}

/* A number's value by data/json.h's rules; v holds the member type names. */
struct avila_json_numval {
    enum avila_json_type type; /* AVILA_JSON_INT, _UINT, _DOUBLE or _BIGNUM */
    union {
        int64_t i;
        uint64_t u;
        double d;
    } v;
};

/*
 * Types the literal text[0..num->len) that avila_json_scan_number scanned
 * into *num, as both parsers do: an integer that fits int64 is INT, a
 * positive one that fits only uint64 is UINT, other literals with a
 * fraction or exponent are correctly rounded DOUBLEs; integers beyond 64
 * bits and values beyond the double range are BIGNUM (their text is the
 * value) under AVILA_JSON_BIG_TEXT, else integers become DOUBLEs and an
 * overflow is AVILA_ERANGE. Returns 0 or AVILA_ERANGE.
 */
static inline __attribute__((always_inline)) int
avila_json_number_value(const uint8_t *text, const struct avila_json_number *num,
                        enum avila_json_big_numbers big, struct avila_json_numval *out)
{
    if (num->fits64) {
        uint64_t m = num->mantissa;
        if (!num->negative) {
            out->type = m <= (uint64_t)INT64_MAX ? AVILA_JSON_INT : AVILA_JSON_UINT;
            out->v.u = m;
            return 0;
        }
        if (m <= (uint64_t)1 << 63) {
            out->type = AVILA_JSON_INT;
            out->v.i = m == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)m;
            return 0;
        }
    }
    double d;
    uint64_t bits;
    int overflow = 0;
    if (num->integer) {
        /* An integer beyond 64 bits. */
        if (big == AVILA_JSON_BIG_TEXT)
            goto text;
        avila_fp_parse((const char *)text, num->len, &d, &overflow);
    } else if (num->mantissa == 0) {
        d = num->negative ? -0.0 : 0.0;
    } else if (AVILA_LIKELY(num->exact) &&
               avila_fp_from_decimal_inline(num->mantissa, num->exp10, &bits)) {
        out->v.u = bits | (uint64_t)num->negative << 63; /* the double's bits */
        out->type = AVILA_JSON_DOUBLE;
        return 0;
    } else if (!avila_fp_from_decimal(num->negative, num->mantissa, num->exp10, num->exact, &d)) {
        avila_fp_parse((const char *)text, num->len, &d, &overflow);
    }
    memcpy(&bits, &d, sizeof bits);
    if (AVILA_UNLIKELY(overflow || (bits & 0x7FF0000000000000u) == 0x7FF0000000000000u)) {
        if (big == AVILA_JSON_BIG_TEXT)
            goto text;
        return AVILA_ERANGE;
    }
    out->type = AVILA_JSON_DOUBLE;
    out->v.d = d;
    return 0;
text:
    out->type = AVILA_JSON_BIGNUM;
    out->v.u = 0;
    return 0;
}

/*
 * Fills *o from opt (NULL or zero fields: the defaults, data/json.h).
 * Returns 0, or AVILA_EINVAL if an option is out of range; max_size is
 * checked against max_size_limit (AVILA_JSON_MAX_SIZE_LIMIT for documents,
 * SIZE_MAX for streams). In data/json_parse.c.
 */
int avila_json_resolve_options(struct avila_json_options *o, const struct avila_json_options *opt,
                               size_t max_size_limit);

#endif
