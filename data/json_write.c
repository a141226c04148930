/*
 * data/json_write.c - the JSON writer of data/json_write.h: RFC 8259 text
 * (section 2 structure, section 6 numbers, section 7 strings) with
 * RFC 8785 (JCS) output rules and key order. Pure.
 *
 * Every call reserves the most it can write and then writes in place, so
 * the common case is one capacity check per token. Strings reserve their
 * worst case (6 output bytes per input byte: a control character becomes
 * \u00xx) and copy runs of bytes that need no escape with a kernel
 * (portable SWAR here, AVX2 and AVX-512 in json_write_x86.c); when the worst case does
 * not fit (a fixed buffer near its end, a max about to be reached) a
 * second, exact path appends piece by piece, so the writer fails only when
 * the output itself does not fit.
 */
#include "data/json_write.h"

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/fpconv.h"
#include "core/utf8.h"
#include "data/json_int.h"
#include "data/json_write_int.h"

/* The token writers, inlined where called: in the document walker they are the whole loop. */
#define TOKEN_INLINE inline __attribute__((always_inline))

#define KNOWN_FLAGS (AVILA_JSON_WRITE_ASCII | AVILA_JSON_WRITE_CANONICAL)
/* Private flags: strings go through the AVX2 or the AVX-512 kernel (chosen at init). */
#define USE_AVX2   0x80u
#define USE_AVX512 0x40u
#define AVX512_CPU (AVILA_CPU_AVX512F | AVILA_CPU_AVX512BW | AVILA_CPU_BMI2)

_Static_assert(AVILA_JSON_WRITE_MAX_DEPTH % 64 == 0, "the bit stack is whole words");
_Static_assert((KNOWN_FLAGS & (USE_AVX2 | USE_AVX512)) == 0,
               "private flag clashes with a public one");
_Static_assert(AVILA_JSON_WRITE_MAX_INDENT <= 255, "indent is kept in a byte");

/* What the grammar allows next (struct avila_json_writer's expect). */
enum {
    X_TOP,         /* the top-level value */
    X_DONE,        /* nothing but finish: the document is complete */
    X_FINISHED,    /* nothing: finish has succeeded */
    X_ARRAY_FIRST, /* an element or the array's end */
    X_ARRAY_NEXT,  /* another element (after ',') or the end */
    X_KEY_FIRST,   /* a member name or the object's end */
    X_KEY_NEXT,    /* another name (after ',') or the end */
    X_VALUE,       /* the value of the name just written */
};

#define BIT(x)        (1u << (x))
#define VALUE_STATES  (BIT(X_TOP) | BIT(X_ARRAY_FIRST) | BIT(X_ARRAY_NEXT) | BIT(X_VALUE))
#define COMMA_STATES  (BIT(X_ARRAY_NEXT) | BIT(X_KEY_NEXT))
#define INSIDE_STATES (BIT(X_ARRAY_FIRST) | BIT(X_ARRAY_NEXT) | BIT(X_KEY_FIRST) | BIT(X_KEY_NEXT))

/* 2^53: integers up to this magnitude are exact doubles and print as themselves. */
#define EXACT_INT_MAX ((uint64_t)1 << 53)

static const char hex_digits[16] = "0123456789abcdef";

/* Records the first error (later ones never replace it) and returns the sticky one. */
static int fail(struct avila_json_writer *w, int rc)
{
    if (w->err == 0)
        w->err = rc;
    return w->err;
}

/* ------------------------------------------------------------- the kernel */

size_t avila_json_copy_run_portable(uint8_t *dst, const uint8_t *src, size_t n, int ascii,
                                    unsigned *high)
{
    return avila_json_copy_swar(dst, src, n, ascii, high);
}

/*
 * The kernel for n bytes. AVX-512 takes every length (a masked load serves
 * a short string in one step); otherwise short runs go inline (most keys
 * and many values), long ones to AVX2.
 */
static inline size_t copy_run(const struct avila_json_writer *w, uint8_t *dst, const uint8_t *src,
                              size_t n, int ascii, unsigned *high)
{
#if AVILA_X86_64
    if (w->flags & USE_AVX512)
        return avila_json_copy_run_avx512(dst, src, n, ascii, high);
    if (n >= 32 && (w->flags & USE_AVX2))
        return avila_json_copy_run_avx2(dst, src, n, ascii, high);
#else
    (void)w;
#endif
    return avila_json_copy_swar(dst, src, n, ascii, high);
}

const char *avila_json_write_impl(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & AVX512_CPU) == AVX512_CPU)
        return "avx512";
    if (f & AVILA_CPU_AVX2)
        return "avx2";
#endif
    return "portable";
}

/* ------------------------------------------------------------ small pieces */

/* Writes \uxxxx for u <= 0xFFFF. */
static inline uint8_t *put_u_escape(uint8_t *o, uint32_t u)
{
    o[0] = '\\';
    o[1] = 'u';
    o[2] = (uint8_t)hex_digits[u >> 12 & 15];
    o[3] = (uint8_t)hex_digits[u >> 8 & 15];
    o[4] = (uint8_t)hex_digits[u >> 4 & 15];
    o[5] = (uint8_t)hex_digits[u & 15];
    return o + 6;
}

/*
 * Writes the escape of one ASCII byte that needs one: \" \\, the short
 * forms of RFC 8259 section 7 for backspace, tab, newline, form feed and
 * carriage return, else \u00xx (other controls, and 0x7F in ASCII mode).
 * At most 6 bytes.
 */
static inline uint8_t *put_escape(uint8_t *o, uint8_t c)
{
    static const uint8_t short_form[32] = {
        ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r'};
    uint8_t s = c == '"' || c == '\\' ? c : c < 32 ? short_form[c] : 0;
    if (s == 0)
        return put_u_escape(o, c);
    o[0] = '\\';
    o[1] = s;
    return o + 2;
}

/* Writes code point cp (> 0x7E) as \uxxxx, or a surrogate pair beyond U+FFFF. At most 12 bytes. */
static inline uint8_t *put_cp_escape(uint8_t *o, uint32_t cp)
{
    if (cp < 0x10000)
        return put_u_escape(o, cp);
    cp -= 0x10000;
    o = put_u_escape(o, 0xD800 + (cp >> 10));
    return put_u_escape(o, 0xDC00 + (cp & 0x3FF));
}

/* Bytes of the separator before the next value or key: ',' and/or a newline and the indent. */
static inline size_t prefix_len(const struct avila_json_writer *w)
{
    unsigned x = w->expect;
    size_t n = (COMMA_STATES >> x) & 1;
    if (w->indent != 0 && ((INSIDE_STATES >> x) & 1))
        n += 1 + (size_t)w->indent * w->depth;
    return n;
}

/*
 * Writes that separator (prefix_len bytes). o MUST have room for at least
 * one byte more than that (every token has one), as a comma is stored
 * unconditionally and only counted when due.
 */
static inline uint8_t *put_prefix(const struct avila_json_writer *w, uint8_t *o)
{
    unsigned x = w->expect;
    *o = ',';
    o += (COMMA_STATES >> x) & 1;
    if (AVILA_UNLIKELY(w->indent != 0) && ((INSIDE_STATES >> x) & 1)) {
        size_t n = (size_t)w->indent * w->depth;
        *o++ = '\n';
        memset(o, ' ', n);
        o += n;
    }
    return o;
}

/*
 * Makes room for n more bytes and returns where they go, or NULL with the
 * sticky AVILA_ENOMEM. The test that usually settles it is made inline
 * (avila_buf_avail) because a call per token costs about 5% on small tokens.
 */
static inline uint8_t *room(struct avila_json_writer *w, size_t n)
{
    struct avila_buf *b = w->b;
    if (AVILA_LIKELY(n <= avila_buf_avail(b)) || avila_buf_reserve(b, n) == 0)
        return b->data + b->len;
    fail(w, AVILA_ENOMEM);
    return NULL;
}

/* Marks the bytes up to o as written. */
static inline void commit(struct avila_json_writer *w, const uint8_t *o)
{
    w->b->len = (size_t)(o - w->b->data);
}

/* 0 if a value may be written now, else the (sticky) error. */
static inline int value_due(struct avila_json_writer *w)
{
    if (AVILA_UNLIKELY(w->err != 0))
        return w->err;
    if (AVILA_UNLIKELY(((VALUE_STATES >> w->expect) & 1) == 0))
        return fail(w, AVILA_EINVAL);
    return 0;
}

/* The state after a complete value (scalar, or a container just closed or not). */
static inline void value_done(struct avila_json_writer *w)
{
    static const uint8_t after[8] = {[X_TOP] = X_DONE,
                                     [X_ARRAY_FIRST] = X_ARRAY_NEXT,
                                     [X_ARRAY_NEXT] = X_ARRAY_NEXT,
                                     [X_VALUE] = X_KEY_NEXT};
    w->expect = after[w->expect];
}

/* A value of n bytes at s written as is (literals, numbers). */
static TOKEN_INLINE int put_raw_value(struct avila_json_writer *w, const void *s, size_t n)
{
    int rc = value_due(w);
    if (rc != 0)
        return rc;
    uint8_t *o = room(w, prefix_len(w) + n);
    if (o == NULL)
        return w->err;
    o = put_prefix(w, o);
    memcpy(o, s, n);
    commit(w, o + n);
    value_done(w);
    return 0;
}

/* ------------------------------------------------------------------- init */

int avila_json_write_init(struct avila_json_writer *w, struct avila_buf *b,
                          const struct avila_json_write_options *opt)
{
    static const struct avila_json_write_options defaults = {0, 0, 0};
    if (opt == NULL)
        opt = &defaults;
    memset(w, 0, sizeof *w);
    w->b = b;
    w->expect = X_TOP;
    w->max_depth = opt->max_depth != 0 ? opt->max_depth : AVILA_JSON_WRITE_MAX_DEPTH;
    w->indent = (uint8_t)(opt->indent <= AVILA_JSON_WRITE_MAX_INDENT ? opt->indent : 0);
    w->flags = (uint8_t)(opt->flags & KNOWN_FLAGS);
    int bad = b == NULL || opt->indent > AVILA_JSON_WRITE_MAX_INDENT ||
              opt->max_depth > AVILA_JSON_WRITE_MAX_DEPTH || (opt->flags & ~KNOWN_FLAGS) != 0;
    if ((opt->flags & AVILA_JSON_WRITE_CANONICAL) &&
        (opt->indent != 0 || (opt->flags & AVILA_JSON_WRITE_ASCII)))
        bad = 1;
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & AVX512_CPU) == AVX512_CPU)
        w->flags |= USE_AVX512;
    else if (f & AVILA_CPU_AVX2)
        w->flags |= USE_AVX2;
#endif
    if (bad) {
        w->err = AVILA_EINVAL;
        w->expect = X_FINISHED;
        return AVILA_EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------- containers */

static TOKEN_INLINE int begin(struct avila_json_writer *w, uint8_t open, int object)
{
    int rc = value_due(w);
    if (rc != 0)
        return rc;
    if (w->depth >= w->max_depth)
        return fail(w, AVILA_ELIMIT);
    uint8_t *o = room(w, prefix_len(w) + 1);
    if (o == NULL)
        return w->err;
    o = put_prefix(w, o);
    *o++ = open;
    commit(w, o);
    /* The closing call needs no state of its own: X_KEY_* means an object, X_ARRAY_* an array. */
    uint64_t bit = (uint64_t)1 << (w->depth % 64);
    if (object)
        w->stack[w->depth / 64] |= bit;
    else
        w->stack[w->depth / 64] &= ~bit;
    w->depth++;
    w->expect = object ? X_KEY_FIRST : X_ARRAY_FIRST;
    return 0;
}

static TOKEN_INLINE int end(struct avila_json_writer *w, uint8_t close, int object)
{
    if (w->err != 0)
        return w->err;
    unsigned x = w->expect, first = object ? X_KEY_FIRST : X_ARRAY_FIRST;
    if (x != first && x != first + 1)
        return fail(w, AVILA_EINVAL);
    /* Each state in a container implies depth >= 1. */
    size_t depth = w->depth - 1, pad = 0;
    if (w->indent != 0 && x != first)
        pad = 1 + (size_t)w->indent * depth;
    uint8_t *o = room(w, pad + 1);
    if (o == NULL)
        return w->err;
    if (pad != 0) {
        *o = '\n';
        memset(o + 1, ' ', pad - 1);
        o += pad;
    }
    *o++ = close;
    commit(w, o);
    w->depth = (uint32_t)depth;
    if (depth == 0)
        w->expect = X_DONE;
    else
        w->expect =
            (w->stack[(depth - 1) / 64] >> ((depth - 1) % 64) & 1) ? X_KEY_NEXT : X_ARRAY_NEXT;
    return 0;
}

int avila_json_write_object_begin(struct avila_json_writer *w)
{
    return begin(w, '{', 1);
}

int avila_json_write_object_end(struct avila_json_writer *w)
{
    return end(w, '}', 1);
}

int avila_json_write_array_begin(struct avila_json_writer *w)
{
    return begin(w, '[', 0);
}

int avila_json_write_array_end(struct avila_json_writer *w)
{
    return end(w, ']', 0);
}

/* ---------------------------------------------------------------- strings */

/*
 * Writes the escape of the character at s[*i] (which needs one) at o and
 * moves *i past it: an ASCII byte, or in ASCII mode a whole UTF-8 sequence
 * of s[*i..n), decoded (and so validated) here. At most 12 bytes. Returns
 * the end, or NULL if the sequence is not UTF-8.
 */
static inline uint8_t *escape_one(uint8_t *o, const uint8_t *s, size_t *i, size_t n)
{
    uint8_t c = s[*i];
    if (c < 0x80) {
        *i += 1;
        return put_escape(o, c);
    }
    uint32_t cp;
    int len = avila_utf8_decode(s + *i, n - *i, &cp);
    if (len < 0)
        return NULL;
    *i += (size_t)len;
    return put_cp_escape(o, cp);
}

/*
 * escape_fast from s[i] on, where the first run ended: o is where s[i]'s
 * output goes, high what the kernel noted so far. Kept out of line so the
 * common case (no escape at all) stays small where it is inlined.
 */
static __attribute__((noinline)) uint8_t *escape_rest(const struct avila_json_writer *w, uint8_t *o,
                                                      const uint8_t *s, size_t i, size_t n,
                                                      unsigned high, int valid)
{
    int ascii = (w->flags & AVILA_JSON_WRITE_ASCII) != 0;
    while (i < n) {
        /* Escapes, and in ASCII mode whole runs of non-ASCII text, without the kernel. */
        do {
            o = escape_one(o, s, &i, n);
            if (o == NULL)
                return NULL;
        } while (i < n && s[i] >= 0x80 && ascii);
        size_t r = copy_run(w, o, s + i, n - i, ascii, &high);
        o += r;
        i += r;
    }
    /* Raw mode: the kernel only noted whether non-ASCII bytes were there. */
    if (high != 0 && !valid && avila_utf8_validate(s, n) != 0)
        return NULL;
    return o;
}

/*
 * The escaped body of s[0..n) at o, which has room for 6 n +
 * AVILA_JSON_COPY_SLACK bytes. Returns the end, or NULL if s is not UTF-8
 * (never checked in raw mode when valid says the caller knows it is).
 */
static inline uint8_t *escape_fast(const struct avila_json_writer *w, uint8_t *o, const uint8_t *s,
                                   size_t n, int valid)
{
    unsigned high = 0;
    size_t r = copy_run(w, o, s, n, (w->flags & AVILA_JSON_WRITE_ASCII) != 0, &high);
    if (AVILA_LIKELY(r == n) && (high == 0 || valid))
        return o + n;
    return escape_rest(w, o + r, s, r, n, high, valid);
}

/* True if byte c of a string needs an escape (the kernels' rule). */
static inline int needs_escape(uint8_t c, int ascii)
{
    return c == '"' || c == '\\' || c < 0x20 || (ascii && c >= 0x7F);
}

/* Input bytes per worst-case reservation on the long-string path. */
#define CHUNK 4096

/*
 * Appends s[i..n) escaped, for strings longer than CHUNK or when the worst
 * case did not fit: chunk by chunk through the kernel while CHUNK's worst
 * case fits, then (a fixed buffer near its end, a max close by) one exact
 * append per run or escape, so it fails only if the output does not fit.
 * Returns 0, AVILA_ENOMEM or AVILA_EINVAL (not UTF-8, unless valid says
 * so); what it appended is the caller's to take back on failure.
 */
static int escape_long(const struct avila_json_writer *w, const uint8_t *s, size_t n, int valid)
{
    struct avila_buf *b = w->b;
    int ascii = (w->flags & AVILA_JSON_WRITE_ASCII) != 0, exact = 0;
    unsigned high = 0;
    size_t i = 0;
    while (i < n) {
        size_t end = n - i > CHUNK ? i + CHUNK : n;
        if (!exact && avila_buf_reserve(b, 6 * CHUNK + 12 + AVILA_JSON_COPY_SLACK) != 0)
            exact = 1;
        if (!exact) {
            uint8_t *o = b->data + b->len;
            while (i < end) {
                size_t r = copy_run(w, o, s + i, end - i, ascii, &high);
                o += r;
                i += r;
                if (i == end)
                    break;
                /* An escape, or (ASCII mode) one character that may cross end: 12 bytes at most. */
                uint8_t *e = escape_one(o, s, &i, n);
                if (e == NULL)
                    return AVILA_EINVAL;
                o = e;
            }
            b->len = (size_t)(o - b->data);
            continue;
        }
        size_t j = i;
        while (j < n && !needs_escape(s[j], ascii)) {
            high |= s[j] >= 0x80;
            j++;
        }
        if (avila_buf_append(b, s + i, j - i) != 0)
            return AVILA_ENOMEM;
        i = j;
        if (i < n) {
            uint8_t t[12], *e = escape_one(t, s, &i, n);
            if (e == NULL)
                return AVILA_EINVAL;
            if (avila_buf_append(b, t, (size_t)(e - t)) != 0)
                return AVILA_ENOMEM;
        }
    }
    return high != 0 && !valid && avila_utf8_validate(s, n) != 0 ? AVILA_EINVAL : 0;
}

/*
 * put_string when the worst case does not fit in one reservation (long
 * strings, a buffer near its end): pre is the separator's length, post the
 * name separator's.
 */
static __attribute__((noinline)) int put_string_long(struct avila_json_writer *w, const uint8_t *s,
                                                     size_t n, size_t pre, size_t post, int valid)
{
    static const uint8_t tail[3] = {'"', ':', ' '};
    struct avila_buf *b = w->b;
    size_t start = b->len;
    uint8_t *o = room(w, pre + 1);
    if (o == NULL)
        return w->err;
    o = put_prefix(w, o);
    *o++ = '"';
    commit(w, o);
    int rc = escape_long(w, s, n, valid);
    if (rc == 0 && avila_buf_append(b, tail, 1 + post) != 0)
        rc = AVILA_ENOMEM;
    if (rc != 0) {
        b->len = start;
        return fail(w, rc);
    }
    return 0;
}

/*
 * Writes the separator, then s[0..n) as a JSON string, then the name
 * separator if key (':' or ": "). valid: s is known to be well-formed
 * UTF-8 (a parsed document's strings), so raw mode skips checking it. The
 * state is left to the caller.
 */
static TOKEN_INLINE int put_string(struct avila_json_writer *w, const uint8_t *s, size_t n, int key,
                                   int valid)
{
    struct avila_buf *b = w->b;
    size_t pre = prefix_len(w), post = key ? 1 + (w->indent != 0) : 0;
    if (s == NULL && n != 0)
        return fail(w, AVILA_EINVAL);
    /* The usual case: one reservation for the worst case of everything. */
    size_t worst = pre + 2 + post + 6 * n + AVILA_JSON_COPY_SLACK;
    if (AVILA_UNLIKELY(n > CHUNK) ||
        (AVILA_UNLIKELY(worst > avila_buf_avail(b)) && avila_buf_reserve(b, worst) != 0))
        return put_string_long(w, s, n, pre, post, valid);
    uint8_t *o = put_prefix(w, b->data + b->len);
    *o++ = '"';
    o = escape_fast(w, o, s, n, valid);
    if (o == NULL)
        return fail(w, AVILA_EINVAL);
    *o++ = '"';
    if (key) {
        *o++ = ':';
        if (w->indent != 0)
            *o++ = ' ';
    }
    commit(w, o);
    return 0;
}

int avila_json_write_key(struct avila_json_writer *w, const void *s, size_t len)
{
    if (w->err != 0)
        return w->err;
    if (w->expect != X_KEY_FIRST && w->expect != X_KEY_NEXT)
        return fail(w, AVILA_EINVAL);
    int rc = put_string(w, s, len, 1, 0);
    if (rc != 0)
        return rc;
    w->expect = X_VALUE;
    return 0;
}

int avila_json_write_string(struct avila_json_writer *w, const void *s, size_t len)
{
    int rc = value_due(w);
    if (rc != 0)
        return rc;
    rc = put_string(w, s, len, 0, 0);
    if (rc != 0)
        return rc;
    value_done(w);
    return 0;
}

/* ---------------------------------------------------------------- numbers */

static TOKEN_INLINE int put_integer(struct avila_json_writer *w, uint64_t magnitude, int negative)
{
    int rc = value_due(w);
    if (rc != 0)
        return rc;
    size_t pre = prefix_len(w);
    uint8_t *o;
    if (AVILA_LIKELY(pre + 1 + AVILA_FP_U64_MAX <= avila_buf_avail(w->b))) {
        /* Room for the longest: the digits go straight to the buffer. */
        o = put_prefix(w, w->b->data + w->b->len);
        *o = '-';
        o += negative;
        o += avila_fp_format_u64(magnitude, (char *)o);
    } else {
        char digits[AVILA_FP_U64_MAX];
        size_t len = avila_fp_format_u64(magnitude, digits);
        o = room(w, pre + (size_t)negative + len);
        if (o == NULL)
            return w->err;
        o = put_prefix(w, o);
        *o = '-';
        o += negative;
        memcpy(o, digits, len);
        o += len;
    }
    commit(w, o);
    value_done(w);
    return 0;
}

int avila_json_write_double(struct avila_json_writer *w, double v)
{
    if (w->err != 0)
        return w->err;
    char t[AVILA_FP_FORMAT_MAX];
    size_t len = avila_fp_format(v, t);
    if (len == 0)
        return fail(w, AVILA_EINVAL);
    /*
     * ECMAScript writes integral values up to 1e21 without an exponent, its
     * shortest digits padded with zeros. From 2^53 on that integer is not
     * the double's exact value, and data/json.h would read it back as an
     * integer (int64, uint64 or text beyond 64 bits), not as the double it
     * was. Outside canonical mode those get the exponent form ("1e+20",
     * "9.007199254740992e+15").
     */
    double mag = v < 0 ? -v : v;
    if (!(w->flags & AVILA_JSON_WRITE_CANONICAL) && mag >= 9007199254740992.0 && mag < 1e21) {
        char digits[17];
        int exp10, n = avila_fp_shortest(v, digits, &exp10);
        len = 0;
        if (v < 0)
            t[len++] = '-';
        t[len++] = digits[0];
        if (n > 1) {
            t[len++] = '.';
            memcpy(t + len, digits + 1, (size_t)n - 1);
            len += (size_t)n - 1;
        }
        t[len++] = 'e';
        t[len++] = '+';
        t[len++] = (char)('0' + exp10 / 10); /* 15 to 20 */
        t[len++] = (char)('0' + exp10 % 10);
    }
    return put_raw_value(w, t, len);
}

int avila_json_write_int64(struct avila_json_writer *w, int64_t v)
{
    uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if ((w->flags & AVILA_JSON_WRITE_CANONICAL) && magnitude > EXACT_INT_MAX)
        return avila_json_write_double(w, (double)v);
    return put_integer(w, magnitude, v < 0);
}

int avila_json_write_uint64(struct avila_json_writer *w, uint64_t v)
{
    if ((w->flags & AVILA_JSON_WRITE_CANONICAL) && v > EXACT_INT_MAX)
        return avila_json_write_double(w, (double)v);
    return put_integer(w, v, 0);
}

/* Skips the digits at s[i..n); returns the index after them. */
static inline size_t skip_digits(const uint8_t *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* True if s[0..n) is one number in the grammar of RFC 8259 section 6. */
static int number_grammar(const uint8_t *s, size_t n)
{
    size_t i = 0, d;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        i = skip_digits(s, i + 1, n);
    else
        return 0;
    if (i < n && s[i] == '.') {
        d = skip_digits(s, i + 1, n);
        if (d == i + 1)
            return 0;
        i = d;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        d = skip_digits(s, i, n);
        if (d == i)
            return 0;
        i = d;
    }
    return i == n;
}

int avila_json_write_number_text(struct avila_json_writer *w, const void *s, size_t len)
{
    if (w->err != 0)
        return w->err;
    if (s == NULL || !number_grammar(s, len))
        return fail(w, AVILA_EINVAL);
    if (w->flags & AVILA_JSON_WRITE_CANONICAL) {
        double v;
        int overflow = 0;
        if (avila_fp_parse(s, len, &v, &overflow) != 0)
            return fail(w, AVILA_EINVAL);
        if (overflow)
            return fail(w, AVILA_ERANGE);
        return avila_json_write_double(w, v);
    }
    return put_raw_value(w, s, len);
}

/* --------------------------------------------------------------- literals */

int avila_json_write_bool(struct avila_json_writer *w, bool v)
{
    return v ? put_raw_value(w, "true", 4) : put_raw_value(w, "false", 5);
}

int avila_json_write_null(struct avila_json_writer *w)
{
    return put_raw_value(w, "null", 4);
}

int avila_json_write_finish(struct avila_json_writer *w)
{
    if (w->err != 0)
        return w->err;
    if (w->expect != X_DONE)
        return fail(w, AVILA_EINVAL);
    w->expect = X_FINISHED;
    return 0;
}

/* -------------------------------------------------------------- documents */

/*
 * A parsed document's nodes are its values in document order (a container,
 * then its subtree), so outside canonical mode the document is written by
 * one pass over them. The only state is where each open container ends:
 * ends[i] for the i-th one opened here.
 */
int avila_json_write_nodes(struct avila_json_writer *w, const struct avila_json_doc *doc,
                           const struct avila_json_node *v, const struct avila_json_node **ends)
{
    const struct avila_json_node *p = v, *stop = v + avila_json_span(v);
    size_t open = 0;
    /* Past this check, a key is due only inside a container opened here. */
    int rc = value_due(w);
    while (rc == 0) {
        while (open > 0 && p == ends[open - 1]) {
            open--;
            rc = end(w, w->expect >= X_KEY_FIRST ? '}' : ']', w->expect >= X_KEY_FIRST);
            if (rc != 0)
                return rc;
        }
        if (p == stop)
            break;
        unsigned kind = JSON_KIND(p);
        if (w->expect == X_KEY_FIRST || w->expect == X_KEY_NEXT) {
            if (kind == JSON_K_DELETED) { /* a member the duplicate-key policy dropped */
                p += 1 + avila_json_span(p + 1);
                continue;
            }
            rc = put_string(w, p->v.s, p->n, 1, 1);
            if (rc != 0)
                return rc;
            w->expect = X_VALUE;
            kind = JSON_KIND(++p);
        }
        switch (kind) {
        case JSON_K_NULL:
            rc = put_raw_value(w, "null", 4);
            break;
        case JSON_K_FALSE:
            rc = put_raw_value(w, "false", 5);
            break;
        case JSON_K_TRUE:
            rc = put_raw_value(w, "true", 4);
            break;
        case JSON_K_INT:
            rc = put_integer(w, p->v.i < 0 ? 0 - (uint64_t)p->v.i : (uint64_t)p->v.i, p->v.i < 0);
            break;
        case JSON_K_UINT:
            rc = put_integer(w, p->v.u, 0);
            break;
        case JSON_K_DOUBLE:
            rc = avila_json_write_double(w, p->v.d);
            break;
        case JSON_K_BIGNUM: {
            size_t len;
            const char *s = avila_json_number_text(doc, p, &len); /* checked by the parser */
            rc = put_raw_value(w, s, len);
            break;
        }
        case JSON_K_STRING:
            rc = value_due(w);
            if (rc == 0)
                rc = put_string(w, p->v.s, p->n, 0, 1);
            if (rc == 0)
                value_done(w);
            break;
        case JSON_K_ARRAY:
        case JSON_K_OBJECT:
            rc = begin(w, kind == JSON_K_OBJECT ? '{' : '[', kind == JSON_K_OBJECT);
            if (rc == 0)
                ends[open++] = p + JSON_SKIP(p);
            break;
        default:
            return fail(w, AVILA_EINVAL);
        }
        p++;
    }
    return rc;
}

/* ------------------------------------------------------------ JCS ordering */

/*
 * A rank per code point that orders like its UTF-16 form: BMP characters
 * below the surrogates keep their value, characters beyond U+FFFF (whose
 * first unit is a high surrogate D800..DBFF) come next in code point order,
 * and U+E000..U+FFFF last.
 */
static inline uint32_t utf16_rank(uint32_t cp)
{
    if (cp < 0xD800)
        return cp;
    if (cp >= 0x10000)
        return cp - 0x10000 + 0xD800;
    return cp + 0x100000;
}

int avila_json_jcs_key_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    const uint8_t *p = a, *q = b;
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && p[i] == q[i])
        i++;
    if (i == n)
        return alen < blen ? -1 : alen > blen ? 1 : 0;
    /*
     * Equal bytes before i are equal code points, so both strings have a
     * character starting at the same place at or before i: decode those
     * and compare their UTF-16 forms.
     */
    size_t s = i;
    while (s > 0 && i - s < 3 && (p[s] & 0xC0) == 0x80)
        s--;
    uint32_t cp = 0, cq = 0;
    if (avila_utf8_decode(p + s, alen - s, &cp) > 0 &&
        avila_utf8_decode(q + s, blen - s, &cq) > 0 && cp != cq)
        return utf16_rank(cp) < utf16_rank(cq) ? -1 : 1;
    return p[i] < q[i] ? -1 : 1;
}
