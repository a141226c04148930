/*
 * data/json_stream.c - the streaming parser of data/json_stream.h: RFC 8259
 * sections 2 to 8.1, the grammar of data/json_parse.c made resumable at
 * every byte. Pure.
 *
 * Two levels of state. The grammar state (gstate) says what may come next
 * between tokens: a value, a key, ':', ',' or a closing bracket, or only
 * whitespace after the top-level value. The token state (tstate) is set
 * only while a token is cut by the end of a chunk, or being decoded: a
 * string (with the escape sequence in progress in esc[], and the UTF-8
 * sequence in progress in carry[]), a number, a literal, a comment, the
 * byte order mark. Tokens that lie whole in the chunk take fast paths that
 * call the same code as the document parser on the chunk's bytes: the
 * string-scan kernel, avila_utf8_validate, avila_json_unescape and
 * avila_json_scan_number (data/json_int.h); the resumable paths feed the
 * same functions the same bytes, so verdicts, offsets and reasons agree
 * with avila_json_parse whatever the split.
 *
 * Pieces mode changes only the string path: where the token buffer would
 * overflow, string_resume returns the bytes it holds as a PART event
 * (string_piece), keeping an unfinished UTF-8 sequence for the next piece,
 * and an escape whose decoded bytes do not fit is decoded again after the
 * PART. The checks, their order and their positions stay those above.
 *
 * Lines: each chunk's LFs are counted once, when it is used up; an error's
 * line and column come from that count plus the LFs of the current chunk
 * before it. Errors at a byte of an earlier chunk are at a token's first
 * byte, or inside a string, number or literal (which hold no LF), or at a
 * UTF-8 sequence whose position was noted when it was met.
 */
#include "data/json_stream.h"

#include "core/error.h"
#include "core/utf8.h"
#include "data/json.h"
#include "data/json_int.h"

/* Grammar states: what comes next between tokens. */
enum {
    G_START,        /* the first byte: a byte order mark, or the value */
    G_VALUE,        /* a value (top level, after ':', or after ',' in an array) */
    G_ARRAY_FIRST,  /* after '[': a value or ']' */
    G_OBJECT_FIRST, /* after '{': a key or '}' */
    G_KEY,          /* after ',' in an object: a key (or '}' with trailing commas) */
    G_ARRAY_NEXT,   /* after ',' in an array: a value (or ']' with trailing commas) */
    G_COLON,        /* after a key */
    G_AFTER,        /* after a value inside a container: ',' or the closing bracket */
    G_DONE,         /* after the top-level value: only whitespace */
    G_FINISHED,     /* AVILA_JSON_EV_END was delivered */
};

/* Token states: the token in progress, if any. */
enum {
    T_NONE,
    T_STRING,        /* a string or key (key says which); esc_len > 0 inside an escape */
    T_NUMBER,        /* sub is the number state below */
    T_LITERAL,       /* sub: matched bytes; key: unused; esc[0] the literal's first letter */
    T_BOM,           /* sub: bytes of EF BB BF matched */
    T_COMMENT_OPEN,  /* after '/' */
    T_LINE_COMMENT,  /* "//" up to LF */
    T_BLOCK_COMMENT, /* sub: 1 if the last byte was '*' */
};

/* Number states, RFC 8259 section 6: where the literal is so far. */
enum {
    N_MINUS, /* after '-': a digit must follow */
    N_ZERO,  /* after a leading 0 */
    N_INT,   /* in integer digits */
    N_DOT,   /* after '.': a digit must follow */
    N_FRAC,  /* in fraction digits */
    N_E,     /* after 'e': a sign or digit must follow */
    N_ESIGN, /* after the exponent's sign: a digit must follow */
    N_EXP,   /* in exponent digits */
};

/* Invariants that guard memory or the positions of errors: always checked. */
#define INVARIANT(x)                                                                               \
    do {                                                                                           \
        if (AVILA_UNLIKELY(!(x)))                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static const uint8_t ws_class[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

static const uint8_t empty_chunk[1];

static const char *const literal_text[3] = {"true", "false", "null"};

/* ---------------------------------------------------------------- positions and errors */

static inline size_t off_of(const struct avila_json_stream *s, const uint8_t *p)
{
    return s->chunk_off + (size_t)(p - s->chunk);
}

/* Line and column of p, a position in the current chunk (or its end). */
static void line_at(const struct avila_json_stream *s, const uint8_t *p, size_t *line, size_t *col)
{
    size_t lines = s->lines, start = s->line_start;
    for (const uint8_t *q = s->chunk; q < p; q++) {
        if (*q == '\n') {
            lines++;
            start = off_of(s, q) + 1;
        }
    }
    *line = lines + 1;
    *col = off_of(s, p) - start + 1;
}

/*
 * Records the error rc at stream offset off (sticky) and returns rc. An
 * offset before the current chunk is inside the token in progress, which
 * holds no LF before it.
 */
static int fail(struct avila_json_stream *s, size_t off, int rc, const char *reason)
{
    s->rc = rc;
    s->err.offset = off;
    s->err.reason = reason;
    if (off >= s->chunk_off) {
        line_at(s, s->chunk + (off - s->chunk_off), &s->err.line, &s->err.column);
    } else {
        INVARIANT(s->tok_pos_valid && off >= s->tok_off);
        s->err.line = s->tok_line;
        s->err.column = s->tok_col + (off - s->tok_off);
    }
    return rc;
}

/* An error whose position was noted when its byte was seen. */
static int fail_at(struct avila_json_stream *s, size_t off, size_t line, size_t col, int rc,
                   const char *reason)
{
    s->rc = rc;
    s->err.offset = off;
    s->err.line = line;
    s->err.column = col;
    s->err.reason = reason;
    return rc;
}

/* A syntax error at p (the chunk's end: the end of the stream, so it says so). */
static int syntax(struct avila_json_stream *s, const uint8_t *p, const char *reason)
{
    return fail(s, off_of(s, p), AVILA_EFORMAT, p >= s->end ? "unexpected end of input" : reason);
}

/* ---------------------------------------------------------------- UTF-8 across chunks */

/*
 * Checks the n bytes at p (in the current chunk) as the continuation of
 * the bytes checked since the last u8_finish, keeping a sequence cut by
 * the chunk's end in carry[]. Only the first ill-formed sequence is noted;
 * u8_finish reports it, so that errors come in the document parser's order.
 */
static void u8_feed(struct avila_json_stream *s, const uint8_t *p, size_t n)
{
    if (s->u8_bad || n == 0)
        return;
    if (s->carry_len) {
        uint8_t tmp[8];
        size_t k = s->carry_len, take = n < 4 ? n : 4;
        uint32_t cp;
        memcpy(tmp, s->carry, k);
        memcpy(tmp + k, p, take);
        int r = avila_utf8_decode(tmp, k + take, &cp);
        if (r == AVILA_EAGAIN) {
            /* Still cut short: n < take needed, so all of p joins the carry. */
            memcpy(s->carry + k, p, n);
            s->carry_len = (uint8_t)(k + n);
            return;
        }
        if (r < 0) {
            s->u8_bad = true;
            s->bad_off = s->carry_off;
            s->bad_line = s->carry_line;
            s->bad_col = s->carry_col;
            return;
        }
        INVARIANT((size_t)r > k && (size_t)r <= k + take);
        p += (size_t)r - k;
        n -= (size_t)r - k;
        s->carry_len = 0;
    }
    size_t ok;
    int r = avila_utf8_check(p, n, &ok);
    if (r == AVILA_EFORMAT) {
        s->u8_bad = true;
        s->bad_off = off_of(s, p + ok);
        line_at(s, p + ok, &s->bad_line, &s->bad_col);
    } else if (r == AVILA_EAGAIN) {
        INVARIANT(n - ok < 4);
        memcpy(s->carry, p + ok, n - ok);
        s->carry_len = (uint8_t)(n - ok);
        s->carry_off = off_of(s, p + ok);
        line_at(s, p + ok, &s->carry_line, &s->carry_col);
    }
}

/* Ends a run of bytes checked by u8_feed: its first ill-formed or unfinished sequence is an error.
 */
static int u8_finish(struct avila_json_stream *s, const char *reason)
{
    int rc = 0;
    if (s->u8_bad)
        rc = fail_at(s, s->bad_off, s->bad_line, s->bad_col, AVILA_EFORMAT, reason);
    else if (s->carry_len)
        rc = fail_at(s, s->carry_off, s->carry_line, s->carry_col, AVILA_EFORMAT, reason);
    s->u8_bad = false;
    s->carry_len = 0;
    return rc;
}

/* ---------------------------------------------------------------- numbers */

static inline bool is_digit(uint8_t c)
{
    return (unsigned)(c - '0') < 10;
}

static inline bool is_hex(uint8_t c)
{
    return is_digit(c) || (unsigned)((c | 0x20) - 'a') < 6;
}

/*
 * Types the scanned literal text[0..num->len) into ev by the document
 * parser's rules (avila_json_number_value). AVILA_ERANGE when a value
 * overflows the doubles and big numbers are to be doubles.
 */
static int number_value(const struct avila_json_stream *s, const uint8_t *text,
                        const struct avila_json_number *num, struct avila_json_event *ev)
{
    struct avila_json_numval nv;
    ev->type = AVILA_JSON_EV_NUMBER;
    ev->text = (const char *)text;
    ev->len = num->len;
    if (avila_json_number_value(text, num, s->opt.big_numbers, &nv) != 0)
        return AVILA_ERANGE;
    ev->number_type = nv.type;
    ev->num.u = nv.v.u; /* the union's bits, whichever member they are */
    return 0;
}

/* A number state that needs one more digit (or sign) to be a whole literal, and why. */
static const char *number_unfinished(unsigned st)
{
    switch (st) {
    case N_MINUS:
        return "expected digit after '-'";
    case N_DOT:
        return "expected digit after decimal point";
    case N_E:
    case N_ESIGN:
        return "expected digit in exponent";
    default:
        return NULL;
    }
}

/*
 * One step of the number grammar from state *st on byte c: 1 if c
 * continues the literal (*st updated), 0 if the literal ended before c, -1
 * if c is an error inside it (*why set). The same decisions, at the same
 * bytes, as avila_json_scan_number, which does the work on a literal that
 * is whole.
 */
static int number_step(uint8_t *st, uint8_t c, const char **why)
{
    bool digit = is_digit(c);
    switch (*st) {
    case N_MINUS:
        if (!digit)
            break;
        *st = c == '0' ? N_ZERO : N_INT;
        return 1;
    case N_ZERO:
        if (digit) {
            *why = "leading zero in number";
            return -1;
        }
        goto int_end;
    case N_INT:
        if (digit)
            return 1;
    int_end:
        if (c == '.') {
            *st = N_DOT;
            return 1;
        }
        goto exp_start;
    case N_DOT:
        if (!digit)
            break;
        *st = N_FRAC;
        return 1;
    case N_FRAC:
        if (digit)
            return 1;
    exp_start:
        if ((c | 0x20) == 'e') {
            *st = N_E;
            return 1;
        }
        return 0;
    case N_E:
        if (c == '+' || c == '-') {
            *st = N_ESIGN;
            return 1;
        }
        if (!digit)
            break;
        *st = N_EXP;
        return 1;
    case N_ESIGN:
        if (!digit)
            break;
        *st = N_EXP;
        return 1;
    default: /* N_EXP */
        return digit;
    }
    *why = number_unfinished(*st);
    return -1;
}

/* Appends n bytes to the token buffer, or marks it overflowed. */
static inline void tok_put(struct avila_json_stream *s, const uint8_t *p, size_t n)
{
    if (AVILA_LIKELY(!s->overflow && n <= s->tok_cap - s->tok_len)) {
        memcpy(s->tok + s->tok_len, p, n);
        s->tok_len += n;
    } else {
        s->overflow = true;
    }
}

/* ---------------------------------------------------------------- the stack */

static inline bool top_is_object(const struct avila_json_stream *s)
{
    size_t d = s->depth - 1;
    return (s->stack[d >> 3] >> (d & 7)) & 1;
}

/* ---------------------------------------------------------------- strings */

/* The limit a string of len decoded bytes breaks, if any. */
static inline const char *string_too_long(const struct avila_json_stream *s, size_t len,
                                          bool overflow)
{
    if (len > s->opt.max_string_len)
        return "string longer than max_string_len";
    if (!s->pieces && (overflow || len > s->tok_cap))
        return "string longer than the token buffer";
    return NULL;
}

/* Pieces mode: true if n more decoded bytes need a PART first to make room. */
static inline bool piece_needed(const struct avila_json_stream *s, size_t n)
{
    return s->pieces && !s->overflow && n > s->tok_cap - s->tok_len;
}

/*
 * Pieces mode, the token buffer too full for the next bytes: returns 2 with
 * a PART event in ev of the bytes held, but for an unfinished UTF-8
 * sequence at their end (carry[], which stays for the next piece). A string
 * that already holds an ill-formed sequence is bound to fail (u8_finish at
 * its next special byte, or "unterminated string"): it gets no PART, its
 * bytes are dropped from here on (overflow), and 0 is returned.
 */
static int string_piece(struct avila_json_stream *s, struct avila_json_event *ev)
{
    if (s->u8_bad) {
        s->overflow = true;
        return 0;
    }
    INVARIANT(s->carry_len < s->tok_len);
    size_t len = s->tok_len - s->carry_len;
    ev->type = s->key ? AVILA_JSON_EV_KEY_PART : AVILA_JSON_EV_STRING_PART;
    ev->text = (const char *)s->tok;
    ev->len = len;
    ev->offset = s->tok_off;
    s->tok_drop = len;
    return 2;
}

/*
 * True if the escape esc[0..n) is settled: no later byte can change what
 * avila_json_unescape makes of it (a simple escape or an error, a \u escape
 * that is not a high surrogate, or a whole surrogate pair).
 */
static bool escape_settled(const uint8_t *esc, size_t n)
{
    if (n < 2)
        return false;
    if (esc[1] != 'u')
        return true;
    for (size_t i = 2; i < n && i < 6; i++)
        if (!is_hex(esc[i]))
            return true;
    if (n < 6)
        return false;
    uint32_t cp;
    if (json_hex4(esc + 2, &cp) != 0 || cp < 0xD800 || cp > 0xDBFF)
        return true;
    return n >= 12;
}

/*
 * True if byte c belongs to the unsettled escape esc[0..n): always up to
 * the \u escape's four digits, then only while a low surrogate's \uXXXX
 * may still follow. A byte refused here is not consumed; bytes taken for a
 * pair that then fails start with '\\' and are decoded as the next escape.
 */
static bool escape_wants(size_t n, uint8_t c)
{
    if (n < 6)
        return true;
    if (n == 6)
        return c == '\\';
    if (n == 7)
        return c == 'u';
    return is_hex(c);
}

/*
 * Continues the string in progress from p. Returns 1 with the string's
 * event in ev, 2 with a PART event (pieces mode), 0 when the chunk is used
 * up (p at its end), or an error.
 */
static int string_resume(struct avila_json_stream *s, const uint8_t **pp,
                         struct avila_json_event *ev)
{
    const uint8_t *p = *pp, *end = s->end;
    const int replace = s->opt.lone_surrogates == AVILA_JSON_SURROGATE_REPLACE;
    int rc;
    if (s->tok_drop) {
        /* The last PART was delivered: keep only the unfinished sequence after it. */
        size_t keep = s->tok_len - s->tok_drop;
        memmove(s->tok, s->tok + s->tok_drop, keep);
        s->tok_len = keep;
        s->tok_drop = 0;
    }
    for (;;) {
        if (s->esc_len) {
            /* An escape sequence: gather its bytes in esc[], then decode it. */
            while (!escape_settled(s->esc, s->esc_len)) {
                if (p == end) {
                    if (!s->ended || s->over_size)
                        goto out;
                    break;
                }
                if (!escape_wants(s->esc_len, *p))
                    break;
                s->esc[s->esc_len++] = *p++;
            }
            uint8_t out[4];
            size_t used;
            const char *why;
            int r = avila_json_unescape(s->esc, s->esc_len, out, replace, &used, &why);
            if (r < 0) {
                size_t at = s->esc_off + used;
                return fail(s, at, AVILA_EFORMAT,
                            s->ended && p == end && at >= off_of(s, end) ? "unterminated string"
                                                                         : why);
            }
            /* No room: a PART first; esc[] stays, to be decoded again after it. */
            if (AVILA_UNLIKELY(piece_needed(s, (size_t)r)) && (rc = string_piece(s, ev)) != 0)
                goto out_rc;
            tok_put(s, out, (size_t)r);
            s->str_len += (size_t)r;
            if (used < s->esc_len) {
                /* A pair that was not one: the rest is the next escape. */
                INVARIANT(s->esc[used] == '\\');
                memmove(s->esc, s->esc + used, s->esc_len - used);
                s->esc_len = (uint8_t)(s->esc_len - used);
                s->esc_off += used;
                continue;
            }
            s->esc_len = 0;
        }
        /* A run of plain bytes. */
        unsigned high = 0;
        size_t n = s->scan(p, (size_t)(end - p), &high);
        if (n) {
            bool cut = false;
            if (AVILA_UNLIKELY(piece_needed(s, n))) {
                /* Pieces mode: fill the buffer; the rest of the run after a PART. */
                if (s->tok_len == s->tok_cap && (rc = string_piece(s, ev)) != 0)
                    goto out_rc;
                if (!s->overflow) {
                    n = s->tok_cap - s->tok_len;
                    cut = true;
                }
            }
            tok_put(s, p, n);
            s->str_len += n;
            if (high || s->carry_len)
                u8_feed(s, p, n);
            p += n;
            if (cut)
                continue;
        }
        if (p == end) {
            if (!s->ended || s->over_size)
                goto out;
            return fail(s, s->tok_off, AVILA_EFORMAT, "unterminated string");
        }
        rc = u8_finish(s, "invalid UTF-8 in string");
        if (rc)
            return rc;
        uint8_t c = *p;
        if (c < 0x20)
            return fail(s, off_of(s, p), AVILA_EFORMAT, "control character in string");
        if (c == '"') {
            p++;
            const char *lim = string_too_long(s, s->str_len, s->overflow);
            if (lim)
                return fail(s, s->tok_off, AVILA_ELIMIT, lim);
            ev->type = s->key ? AVILA_JSON_EV_KEY : AVILA_JSON_EV_STRING;
            ev->text = (const char *)s->tok;
            ev->len = s->tok_len;
            ev->offset = s->tok_off;
            s->tstate = T_NONE;
            *pp = p;
            return 1;
        }
        /* A backslash. Whole in the chunk (at most 12 bytes): decode it in place. */
        if ((size_t)(end - p) >= 12 || (s->ended && !s->over_size)) {
            uint8_t out[4];
            size_t used;
            const char *why;
            int r = avila_json_unescape(p, (size_t)(end - p), out, replace, &used, &why);
            if (r < 0)
                return fail(s, off_of(s, p + used), AVILA_EFORMAT,
                            p + used >= end ? "unterminated string" : why);
            /* No room: a PART first; the escape is decoded again after it. */
            if (AVILA_UNLIKELY(piece_needed(s, (size_t)r)) && (rc = string_piece(s, ev)) != 0)
                goto out_rc;
            tok_put(s, out, (size_t)r);
            s->str_len += (size_t)r;
            p += used;
            continue;
        }
        s->esc_off = off_of(s, p);
        s->esc[0] = '\\';
        s->esc_len = 1;
        p++;
    }
out:
    *pp = p;
    return 0;
out_rc:
    *pp = p;
    return rc;
}

/* ---------------------------------------------------------------- comments */

/*
 * Continues the comment in progress from p: 1 when it ended (p after it), 0
 * when the chunk is used up, or an error.
 */
static int comment_resume(struct avila_json_stream *s, const uint8_t **pp)
{
    const uint8_t *p = *pp, *end = s->end;
    if (s->tstate == T_COMMENT_OPEN) {
        if (p == end) {
            if (!s->ended || s->over_size)
                return 0;
            return syntax(s, p, "");
        }
        if (*p != '/' && *p != '*')
            return fail(s, off_of(s, p), AVILA_EFORMAT, "expected '/' or '*' after '/' (comment)");
        s->tstate = *p == '/' ? T_LINE_COMMENT : T_BLOCK_COMMENT;
        s->sub = 0;
        p++;
    }
    const uint8_t *body = p;
    if (s->tstate == T_LINE_COMMENT) {
        while (p < end && *p != '\n')
            p++;
        u8_feed(s, body, (size_t)(p - body));
        if (p == end && (!s->ended || s->over_size)) {
            *pp = p;
            return 0;
        }
    } else {
        /* Block comment: up to "*" "/", which may be cut between its two bytes. */
        bool star = s->sub;
        while (p < end && !(star && *p == '/')) {
            star = *p == '*';
            p++;
        }
        u8_feed(s, body, (size_t)(p - body));
        if (p == end) {
            s->sub = star;
            *pp = p;
            if (!s->ended || s->over_size)
                return 0;
            return fail(s, s->tok_off, AVILA_EFORMAT, "unterminated comment");
        }
        p++;
    }
    int rc = u8_finish(s, "invalid UTF-8 in comment");
    if (rc)
        return rc;
    s->tstate = T_NONE;
    *pp = p;
    return 1;
}

/* ---------------------------------------------------------------- init, feed */

size_t avila_json_stream_mem(const struct avila_json_options *opt, size_t token_bytes)
{
    struct avila_json_options o;
    if (avila_json_resolve_options(&o, opt, SIZE_MAX) != 0)
        return 0;
    if (token_bytes < o.max_number_len)
        token_bytes = o.max_number_len;
    return AVILA_JSON_STREAM_MEM(o.max_depth, token_bytes);
}

int avila_json_stream_init(struct avila_json_stream *s, const struct avila_json_options *opt,
                           void *mem, size_t mem_len)
{
    if (!s || !mem)
        return AVILA_EINVAL;
    memset(s, 0, sizeof *s);
    if (avila_json_resolve_options(&s->opt, opt, SIZE_MAX) != 0)
        return AVILA_EINVAL;
    size_t stack_bytes = AVILA_JSON_STREAM_MEM(s->opt.max_depth, 0);
    if (mem_len < stack_bytes || mem_len - stack_bytes < s->opt.max_number_len)
        return AVILA_EINVAL;
    s->stack = mem;
    s->tok = s->stack + stack_bytes;
    s->tok_cap = mem_len - stack_bytes;
    s->chunk = s->in = s->end = empty_chunk;
    s->scan = avila_json_scan_pick(NULL);
    s->gstate = G_START;
    s->tstate = T_NONE;
    return 0;
}

/*
 * The chunk is used up: counts its LFs, notes the position of a token cut
 * by its end (its first byte is in this chunk unless noted before), and
 * forgets it, so that the caller may reuse its memory.
 */
static void retire_chunk(struct avila_json_stream *s)
{
    if (s->tstate != T_NONE && !s->tok_pos_valid) {
        line_at(s, s->chunk + (s->tok_off - s->chunk_off), &s->tok_line, &s->tok_col);
        s->tok_pos_valid = true;
    }
    for (const uint8_t *q = s->chunk; q < s->end; q++) {
        if (*q == '\n') {
            s->lines++;
            s->line_start = off_of(s, q) + 1;
        }
    }
    s->chunk_off = off_of(s, s->end);
    s->chunk = s->in = s->end = empty_chunk;
}

int avila_json_stream_set_pieces(struct avila_json_stream *s, bool on)
{
    if (!s)
        return AVILA_EINVAL;
    if (s->fed || s->ended)
        return AVILA_ESTATE;
    if (on && s->tok_cap < AVILA_JSON_STREAM_PIECE_MIN)
        return AVILA_EINVAL;
    s->pieces = on;
    return 0;
}

int avila_json_stream_feed(struct avila_json_stream *s, const void *data, size_t len)
{
    if (!s || (!data && len > 0))
        return AVILA_EINVAL;
    if (s->rc)
        return s->rc;
    if (s->ended || s->in != s->end)
        return AVILA_ESTATE;
    retire_chunk(s);
    if (len == 0)
        return 0;
    if (len > s->opt.max_size - s->fed) {
        /* Parse up to the limit; reaching it is the error. */
        len = s->opt.max_size - s->fed;
        s->over_size = true;
    }
    s->fed += len;
    s->chunk = s->in = data;
    s->end = s->chunk + len;
    return 0;
}

int avila_json_stream_end(struct avila_json_stream *s)
{
    if (!s)
        return AVILA_EINVAL;
    s->ended = true;
    return 0;
}

const struct avila_json_error *avila_json_stream_error(const struct avila_json_stream *s)
{
    return s && s->rc ? &s->err : NULL;
}

size_t avila_json_stream_offset(const struct avila_json_stream *s)
{
    return off_of(s, s->in);
}

/* ---------------------------------------------------------------- next */

/* Sets ev to a structural or literal event at p. */
static inline void simple_event(struct avila_json_stream *s, struct avila_json_event *ev,
                                unsigned type, const uint8_t *p, size_t depth)
{
    ev->type = (enum avila_json_event_type)type;
    ev->text = NULL;
    ev->len = 0;
    ev->offset = off_of(s, p);
    ev->depth = depth;
}

/* After a value: what the grammar expects next. */
static inline uint8_t after_value(const struct avila_json_stream *s)
{
    return s->depth ? G_AFTER : G_DONE;
}

int avila_json_stream_next(struct avila_json_stream *s, struct avila_json_event *ev)
{
    if (!s || !ev)
        return AVILA_EINVAL;
    if (s->rc)
        return s->rc;
    if (s->gstate == G_FINISHED)
        return AVILA_ECLOSED;
    const uint8_t *p = s->in, *const end = s->end;
    int rc;

resume:
    /* A token cut by a chunk's end, or being decoded. */
    switch (s->tstate) {
    case T_NONE:
        break;
    case T_STRING:
        rc = string_resume(s, &p, ev);
        if (rc == 1) {
            ev->depth = s->depth;
            s->gstate = s->key ? G_COLON : after_value(s);
            goto deliver;
        }
        if (rc == 2) {
            ev->depth = s->depth;
            goto deliver;
        }
        if (rc < 0)
            return rc;
        goto starved;
    case T_NUMBER: {
        const char *why = NULL;
        for (; p < end; p++) {
            int r = number_step(&s->sub, *p, &why);
            if (r < 0)
                return fail(s, off_of(s, p), AVILA_EFORMAT, why);
            if (r == 0)
                break;
            tok_put(s, p, 1);
            s->str_len++;
        }
        if (p == end && (!s->ended || s->over_size))
            goto starved;
        why = number_unfinished(s->sub);
        if (why)
            return syntax(s, p, why);
        if (s->str_len > s->opt.max_number_len)
            return fail(s, s->tok_off, AVILA_ELIMIT, "number longer than max_number_len");
        struct avila_json_number num;
        size_t bad;
        rc = avila_json_scan_number(s->tok, s->tok_len, &num, &bad, &why);
        INVARIANT(rc == 0 && num.len == s->tok_len);
        if (number_value(s, s->tok, &num, ev) != 0)
            return fail(s, s->tok_off, AVILA_ERANGE, "number out of the double range");
        ev->offset = s->tok_off;
        ev->depth = s->depth;
        s->tstate = T_NONE;
        s->gstate = after_value(s);
        goto deliver;
    }
    case T_LITERAL: {
        const char *lit = literal_text[s->esc[0] == 't' ? 0 : s->esc[0] == 'f' ? 1 : 2];
        for (; lit[s->sub] && p < end; p++, s->sub++)
            if (*p != (uint8_t)lit[s->sub])
                return syntax(s, p, "invalid literal");
        if (lit[s->sub]) {
            if (!s->ended || s->over_size)
                goto starved;
            return syntax(s, p, "invalid literal");
        }
        simple_event(s, ev,
                     s->esc[0] == 't'   ? AVILA_JSON_EV_TRUE
                     : s->esc[0] == 'f' ? AVILA_JSON_EV_FALSE
                                        : AVILA_JSON_EV_NULL,
                     p, s->depth);
        ev->offset = s->tok_off;
        s->tstate = T_NONE;
        s->gstate = after_value(s);
        goto deliver;
    }
    case T_BOM: {
        static const uint8_t bom[3] = {0xEF, 0xBB, 0xBF};
        for (; s->sub < 3 && p < end; p++, s->sub++)
            if (*p != bom[s->sub])
                return fail(s, 0, AVILA_EFORMAT, "expected a value");
        if (s->sub < 3) {
            if (!s->ended || s->over_size)
                goto starved;
            return fail(s, 0, AVILA_EFORMAT, "expected a value");
        }
        if (!s->opt.skip_bom)
            return fail(s, 0, AVILA_EFORMAT, "byte order mark (not allowed)");
        s->tstate = T_NONE;
        s->gstate = G_VALUE;
        break;
    }
    default: /* comments */
        rc = comment_resume(s, &p);
        if (rc < 0)
            return rc;
        if (rc == 0)
            goto starved;
        break;
    }

    for (;;) {
        if (AVILA_UNLIKELY(s->gstate == G_START)) {
            if (p == end)
                goto starved;
            s->gstate = G_VALUE;
            if (*p == 0xEF) {
                s->tstate = T_BOM;
                s->tok_off = off_of(s, p);
                s->tok_pos_valid = false;
                s->sub = 1;
                p++;
                goto resume;
            }
        }
        /* Whitespace, and comments where allowed. */
        while (p < end && ws_class[*p])
            p++;
        if (AVILA_UNLIKELY(p == end))
            goto starved;
        uint8_t c = *p;
        if (AVILA_UNLIKELY(c == '/') && s->opt.allow_comments) {
            s->tstate = T_COMMENT_OPEN;
            s->tok_off = off_of(s, p);
            s->tok_pos_valid = false;
            p++;
            goto resume;
        }
        switch (s->gstate) {
        case G_ARRAY_FIRST:
            if (c == ']')
                goto close;
            goto value;
        case G_ARRAY_NEXT:
            if (c == ']' && s->opt.allow_trailing_commas)
                goto close;
            goto value;
        case G_VALUE:
            goto value;
        case G_OBJECT_FIRST:
            if (c == '}')
                goto close;
            if (c == '"')
                goto key;
            return syntax(s, p, "expected string key");
        case G_KEY:
            if (c == '"')
                goto key;
            if (c == '}' && s->opt.allow_trailing_commas)
                goto close;
            if (c == '}')
                return syntax(s, p, "trailing comma (not allowed)");
            return syntax(s, p, "expected string key");
        case G_COLON:
            if (c != ':')
                return syntax(s, p, "expected ':' after object key");
            p++;
            s->gstate = G_VALUE;
            continue;
        case G_AFTER:
            if (top_is_object(s)) {
                if (c == ',') {
                    p++;
                    s->gstate = G_KEY;
                    continue;
                }
                if (c == '}')
                    goto close;
                return syntax(s, p, "expected ',' or '}' after object member");
            }
            if (c == ',') {
                p++;
                s->gstate = G_ARRAY_NEXT;
                continue;
            }
            if (c == ']')
                goto close;
            return syntax(s, p, "expected ',' or ']' after array element");
        default: /* G_DONE */
            return fail(s, off_of(s, p), AVILA_EFORMAT, "unexpected data after the JSON value");
        }
    }

close:
    s->depth--;
    simple_event(s, ev, *p == '}' ? AVILA_JSON_EV_OBJECT_END : AVILA_JSON_EV_ARRAY_END, p,
                 s->depth);
    p++;
    s->gstate = after_value(s);
    goto deliver;

key:
    s->key = true;
    goto string;

value:
    switch (*p) {
    case '{':
    case '[': {
        if (s->depth == s->opt.max_depth)
            return fail(s, off_of(s, p), AVILA_ELIMIT, "nesting deeper than max_depth");
        bool obj = *p == '{';
        size_t d = s->depth++;
        uint8_t bit = (uint8_t)(1u << (d & 7));
        s->stack[d >> 3] =
            obj ? (uint8_t)(s->stack[d >> 3] | bit) : (uint8_t)(s->stack[d >> 3] & ~bit);
        simple_event(s, ev, obj ? AVILA_JSON_EV_OBJECT_BEGIN : AVILA_JSON_EV_ARRAY_BEGIN, p, d);
        p++;
        s->gstate = obj ? G_OBJECT_FIRST : G_ARRAY_FIRST;
        goto deliver;
    }
    case '"':
        s->key = false;
        goto string;
    case 't':
    case 'f':
    case 'n': {
        const unsigned idx = *p == 't' ? 0 : *p == 'f' ? 1 : 2;
        const char *lit = literal_text[idx];
        size_t llen = idx == 1 ? 5 : 4, avail = (size_t)(end - p), i = 0;
        while (i < llen && i < avail && p[i] == (uint8_t)lit[i])
            i++;
        if (i < llen && i < avail)
            return syntax(s, p + i, "invalid literal");
        if (i < llen) {
            /* Cut by the chunk's end: match the rest as it comes. */
            s->tstate = T_LITERAL;
            s->esc[0] = *p;
            s->sub = (uint8_t)i;
            s->tok_off = off_of(s, p);
            s->tok_pos_valid = false;
            p = end;
            goto resume;
        }
        simple_event(s, ev, AVILA_JSON_EV_TRUE + idx, p, s->depth);
        p += llen;
        s->gstate = after_value(s);
        goto deliver;
    }
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': {
        struct avila_json_number num;
        size_t bad, avail = (size_t)(end - p);
        const char *why;
        int r = avila_json_scan_number(p, avail, &num, &bad, &why);
        bool whole = r == 0 ? num.len < avail : bad < avail;
        if (whole || (s->ended && !s->over_size)) {
            if (r != 0)
                return syntax(s, p + bad, why);
            if (AVILA_UNLIKELY(num.len > s->opt.max_number_len))
                return fail(s, off_of(s, p), AVILA_ELIMIT, "number longer than max_number_len");
            if (number_value(s, p, &num, ev) != 0)
                return fail(s, off_of(s, p), AVILA_ERANGE, "number out of the double range");
            ev->offset = off_of(s, p);
            ev->depth = s->depth;
            p += num.len;
            s->gstate = after_value(s);
            goto deliver;
        }
        /* Cut by the chunk's end: keep its text and follow its grammar byte by byte. */
        s->tstate = T_NUMBER;
        s->tok_off = off_of(s, p);
        s->tok_pos_valid = false;
        s->tok_len = 0;
        s->str_len = 0;
        s->overflow = false;
        s->sub = *p == '-' ? N_MINUS : *p == '0' ? N_ZERO : N_INT;
        tok_put(s, p, 1);
        s->str_len = 1;
        p++;
        goto resume;
    }
    case ']':
        if (s->depth > 0 && !top_is_object(s))
            return syntax(s, p, "trailing comma (not allowed)");
        return syntax(s, p, "expected a value");
    default:
        return syntax(s, p, "expected a value");
    }

string : {
    /* Fast path: no escape, closing quote in this chunk: the bytes are the chunk's. */
    const uint8_t *q = p + 1;
    unsigned high = 0;
    size_t n = s->scan(q, (size_t)(end - q), &high);
    if (AVILA_LIKELY(n < (size_t)(end - q) && q[n] == '"')) {
        if (AVILA_UNLIKELY(high) && avila_utf8_validate(q, n) != 0) {
            size_t ok;
            avila_utf8_check(q, n, &ok);
            return fail(s, off_of(s, q + ok), AVILA_EFORMAT, "invalid UTF-8 in string");
        }
        const char *lim = string_too_long(s, n, false);
        if (AVILA_UNLIKELY(lim != NULL))
            return fail(s, off_of(s, p), AVILA_ELIMIT, lim);
        ev->type = s->key ? AVILA_JSON_EV_KEY : AVILA_JSON_EV_STRING;
        ev->text = (const char *)q;
        ev->len = n;
        ev->offset = off_of(s, p);
        ev->depth = s->depth;
        p = q + n + 1;
        s->gstate = s->key ? G_COLON : after_value(s);
        goto deliver;
    }
    s->tstate = T_STRING;
    s->tok_off = off_of(s, p);
    s->tok_pos_valid = false;
    s->tok_len = 0;
    s->str_len = 0;
    s->overflow = false;
    s->esc_len = 0;
    s->u8_bad = false;
    s->carry_len = 0;
    p++;
    goto resume;
}

starved:
    /* The chunk is used up (p == end). */
    if (s->over_size)
        return fail(s, s->opt.max_size, AVILA_ELIMIT, "document larger than max_size");
    if (!s->ended) {
        s->in = p;
        retire_chunk(s);
        return AVILA_EAGAIN;
    }
    if (s->tstate == T_NONE && s->gstate == G_DONE) {
        simple_event(s, ev, AVILA_JSON_EV_END, p, 0);
        s->gstate = G_FINISHED;
        goto deliver;
    }
    return syntax(s, p, "");

deliver:
    s->in = p;
    return 0;
}
