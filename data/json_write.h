/*
 * data/json_write.h - a JSON writer that emits RFC 8259 text straight into a
 * caller's struct avila_buf (core/buf.h): compact or pretty, optionally
 * printable-ASCII only, and the output rules of RFC 8785 (JSON
 * Canonicalization Scheme, JCS).
 *
 * The writer is a grammar-checking state machine: the caller makes one call
 * per token (object_begin, key, string, int64, ..., object_end) and finish
 * at the end; a call the grammar does not allow at that point fails. It is
 * the only producer of JSON text in Avila (the document serializer walks a
 * parsed document into it), so everything it writes is well-formed JSON.
 *
 * Output rules:
 *  - Strings (RFC 8259 section 7; RFC 8785 section 3.2.2.2, which is
 *    ECMAScript's JSON.stringify): '"' and '\' are escaped as \" and \\,
 *    the control characters U+0000..U+001F as \b \f \n \r \t or else
 *    \u00xx with lowercase hex, every other character raw. That is exactly
 *    JCS's string form, so the default output is JCS's. U+2028 and U+2029
 *    stay raw (JSON allows them; a consumer that embeds the text in
 *    JavaScript source older than ES2019 must escape them itself), and so
 *    does U+007F.
 *    With AVILA_JSON_WRITE_ASCII the output is printable ASCII only, like
 *    Python's json.dumps(ensure_ascii=True): U+007F and every non-ASCII
 *    character are written as \uxxxx (lowercase hex), characters beyond
 *    U+FFFF as a UTF-16 surrogate pair \ud83d\ude00.
 *  - Strings and keys MUST be well-formed UTF-8 (core/utf8.h); anything else
 *    is AVILA_EINVAL.
 *  - Numbers: int64 and uint64 in plain decimal; doubles as ECMAScript's
 *    Number::toString writes them (core/fpconv.h avila_fp_format: shortest
 *    round-trip digits, exponent form below 1e-6 and from 1e21, -0 as 0),
 *    except that outside canonical mode magnitudes from 2^53 to 1e21 take
 *    the exponent form too ("1e+20"), so they read back as the same
 *    doubles rather than as integers; NaN and infinities have no JSON form
 *    (AVILA_EINVAL).
 *  - Compact output has no whitespace at all. With indent N > 0 the output
 *    is Python's json.dumps(indent=N, separators=(",", ": ")): each member
 *    or element on its own line, indented N spaces per level, ": " after a
 *    key, empty containers as [] and {}, no newline at the end.
 *  - AVILA_JSON_WRITE_CANONICAL (RFC 8785): compact, raw UTF-8 (it cannot
 *    be combined with an indent or AVILA_JSON_WRITE_ASCII), and every
 *    number written as the double it denotes (section 3.2.2.3): an integer
 *    beyond +-2^53 becomes the nearest double ("9223372036854775807" is
 *    written 9223372036854776000), number_text is parsed and reprinted
 *    ("1.50E1" becomes 15, "-0" becomes 0). Property names MUST come in the
 *    order of avila_json_jcs_key_cmp (section 3.2.3); the writer does not
 *    sort or check it, the caller sorts.
 *
 * Errors: every call returns 0 or a negative AVILA_E* code, and the first
 * error is sticky: it is kept in the writer and every later call (finish
 * too) returns it without writing. The buffer then holds exactly the output
 * of the calls that succeeded before it (a failing call takes back whatever
 * it had written). The codes:
 *   AVILA_EINVAL  the call breaks the grammar (a value where a key is due, a
 *                 key outside an object, the end of the other kind of
 *                 container, a second top-level value, finish on an
 *                 incomplete document, any call after finish), a string
 *                 that is not UTF-8, a non-finite double, number text
 *                 outside RFC 8259's number grammar, a NULL pointer with a
 *                 nonzero length.
 *   AVILA_ELIMIT  a container would nest deeper than the writer's max_depth.
 *   AVILA_ERANGE  (canonical mode) number text beyond the double range.
 *   AVILA_ENOMEM  the buffer cannot take the output: its allocator refused,
 *                 it would pass its max, or a fixed buffer is full (the
 *                 buffer's own AVILA_ENOSPC / AVILA_ELIMIT are reported as
 *                 AVILA_ENOMEM). Nothing is ever written past a fixed
 *                 buffer's capacity.
 *
 * Memory: the writer allocates nothing; the buffer grows through its own
 * allocator. The writer and the buffer are the caller's; while a document
 * is being written the caller MUST NOT change the buffer except through the
 * writer (reading b->data and b->len is fine). Not thread-safe.
 *
 * Speed: each call reserves its worst case once and writes in place;
 * strings are copied in runs found 64 or 32 bytes at a time (AVX-512BW or
 * AVX2, chosen at run time through core/cpu.h) or 8 at a time (portable
 * SWAR), with a fallback that reserves exactly when the worst case does not
 * fit. A parsed document is written by one pass over its nodes, its
 * strings not validated again. Pure.
 */
#ifndef AVILA_DATA_JSON_WRITE_H
#define AVILA_DATA_JSON_WRITE_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/platform.h"
#include "data/json.h"

/* The deepest nesting any writer allows (and the default): open containers, not values. */
#define AVILA_JSON_WRITE_MAX_DEPTH 1024

/* The widest indent allowed, in spaces per level. */
#define AVILA_JSON_WRITE_MAX_INDENT 16

/* Option flags. */
enum {
    /* Printable ASCII output: U+007F and non-ASCII characters as \u escapes. */
    AVILA_JSON_WRITE_ASCII = 1u << 0,
    /* RFC 8785 output rules (compact, numbers as doubles); see the top of this file. */
    AVILA_JSON_WRITE_CANONICAL = 1u << 1,
};

struct avila_json_write_options {
    unsigned indent;    /* 0: compact; 1..AVILA_JSON_WRITE_MAX_INDENT spaces per level */
    unsigned max_depth; /* 0: AVILA_JSON_WRITE_MAX_DEPTH; else 1..AVILA_JSON_WRITE_MAX_DEPTH */
    unsigned flags;     /* AVILA_JSON_WRITE_* */
};

/*
 * A writer. Caller-allocated (about 160 bytes, fine on the stack); every
 * field is private. The nesting is a bit stack (1 = object, 0 = array), so
 * depth costs one bit per level.
 */
struct avila_json_writer {
    struct avila_buf *b; /* borrowed */
    int err;             /* the first error, sticky; 0 while none */
    uint8_t expect;      /* what the grammar allows next */
    uint8_t indent;
    uint8_t flags;
    uint32_t depth;     /* open containers */
    uint32_t max_depth; /* limit on depth */
    uint64_t stack[AVILA_JSON_WRITE_MAX_DEPTH / 64];
};

/*
 * Starts a document written to the end of b (which MUST outlive the writer;
 * bytes already in it stay in front). opt may be NULL for the defaults:
 * compact, raw UTF-8, depth AVILA_JSON_WRITE_MAX_DEPTH.
 * Returns 0, or AVILA_EINVAL for options out of range, unknown flags, or
 * AVILA_JSON_WRITE_CANONICAL with an indent or AVILA_JSON_WRITE_ASCII; the
 * writer is then initialised with that error already sticky.
 */
int avila_json_write_init(struct avila_json_writer *w, struct avila_buf *b,
                          const struct avila_json_write_options *opt);

/* Opens an object ('{') where a value is due; AVILA_ELIMIT beyond max_depth. */
int avila_json_write_object_begin(struct avila_json_writer *w);

/* Closes the innermost container, which MUST be an object whose last key has its value. */
int avila_json_write_object_end(struct avila_json_writer *w);

/* Opens an array ('['); AVILA_ELIMIT beyond max_depth. */
int avila_json_write_array_begin(struct avila_json_writer *w);

/* Closes the innermost container, which MUST be an array. */
int avila_json_write_array_end(struct avila_json_writer *w);

/*
 * Writes a member name: the len bytes at s (UTF-8, copied, escaped; s MAY be
 * NULL if len is 0). Only inside an object where a name is due; the next
 * call MUST write its value.
 */
int avila_json_write_key(struct avila_json_writer *w, const void *s, size_t len);

/* Writes a string value: the len bytes at s (UTF-8; s MAY be NULL if len is 0). */
int avila_json_write_string(struct avila_json_writer *w, const void *s, size_t len);

/* Writes an integer value in decimal (canonical mode: as the nearest double beyond +-2^53). */
int avila_json_write_int64(struct avila_json_writer *w, int64_t v);
int avila_json_write_uint64(struct avila_json_writer *w, uint64_t v);

/* Writes a finite double as ECMAScript does (avila_fp_format); AVILA_EINVAL for NaN or inf. */
int avila_json_write_double(struct avila_json_writer *w, double v);

/*
 * Writes a number given as text, the len bytes at s, which MUST match
 * RFC 8259 section 6 exactly (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
 * no spaces) else AVILA_EINVAL. Copied as is, so integers of any size keep
 * every digit; canonical mode prints the double it denotes instead
 * (AVILA_ERANGE if that overflows).
 */
int avila_json_write_number_text(struct avila_json_writer *w, const void *s, size_t len);

/* Writes true or false. */
int avila_json_write_bool(struct avila_json_writer *w, bool v);

/* Writes null. */
int avila_json_write_null(struct avila_json_writer *w);

/*
 * Checks that the document is complete: exactly one top-level value, every
 * container closed. Returns 0 (no further call is allowed: each fails with
 * AVILA_EINVAL), AVILA_EINVAL if the document is incomplete, or the sticky
 * error. Writes nothing.
 */
int avila_json_write_finish(struct avila_json_writer *w);

/* The sticky error: 0 while every call has succeeded. */
static inline int avila_json_write_error(const struct avila_json_writer *w)
{
    return w->err;
}

/*
 * Orders two member names as RFC 8785 section 3.2.3 sorts them: by their
 * UTF-16 code units, compared as unsigned 16-bit numbers, a proper prefix
 * first. a and b are alen and blen bytes of well-formed UTF-8 (MAY be NULL
 * when the length is 0). This is code point order (and so byte order)
 * except that characters beyond U+FFFF (surrogate pairs, units
 * D800..DFFF) sort before U+E000..U+FFFF. Returns < 0, 0 or > 0 as a sorts
 * before, equal to or after b. For ill-formed input the result is the byte
 * order at the first difference (consistent, but not JCS's).
 */
int avila_json_jcs_key_cmp(const void *a, size_t alen, const void *b, size_t blen);

/*
 * Writes the value v of the parsed document doc, and everything inside it,
 * as the next value (data/json_write_doc.c): numbers as the document typed
 * them (INT, UINT and DOUBLE through the writer's own formatting, BIGNUM as
 * its source text), strings and keys re-escaped by the writer's rules. With
 * AVILA_JSON_WRITE_CANONICAL each object's members are written in
 * avila_json_jcs_key_cmp order, so the output is the RFC 8785
 * canonicalization of v. Memory: a frame per nesting level and, in
 * canonical mode, a member array per open object, from a (given back
 * before returning). Returns 0, AVILA_ENOMEM if a refuses, AVILA_EINVAL for
 * NULL arguments, or the writer's error (sticky in w): AVILA_ELIMIT when v
 * nests deeper than the writer's max_depth, AVILA_ERANGE (canonical) for a
 * BIGNUM beyond the double range.
 */
int avila_json_write_value(struct avila_json_writer *w, const struct avila_json_doc *doc,
                           const struct avila_json_node *v, const struct avila_allocator *a);

/*
 * Names the string-copy variant the dispatcher picks now: "avx512", "avx2"
 * or "portable". Static string.
 */
const char *avila_json_write_impl(void);

#endif
