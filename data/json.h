/*
 * data/json.h - a strict JSON (RFC 8259) parser to an immutable document,
 * with lookup, iteration, deep equality and JSON Pointer (RFC 6901).
 *
 * The document is one array of 16-byte nodes in document order (a "tape"):
 * a container node is followed by its elements, an object's members are a
 * key node followed by the value's nodes, and every container records its
 * element count and where its subtree ends, so skipping a value is O(1).
 * Values are handles: `const struct avila_json_node *`, valid until the
 * document is released. Nothing is allocated per value: the document owns
 * the node array and one buffer for strings that had escapes, both from the
 * allocator given to avila_json_parse (an arena works). Strings without an
 * escape point straight into the caller's text (zero copy), so the text
 * MUST stay alive and unchanged as long as the document is used. The
 * string buffer is reserved once, at the first string with an escape, to
 * the size of the rest of the input (no decoded string is longer than its
 * source), so pointers into it never move; the node array starts at one
 * node per 16 bytes of input and grows by half. Memory held: 16 bytes per
 * node plus at most the input's size.
 *
 * Accepted: exactly the grammar of RFC 8259 section 2 to 7 (one value,
 * surrounded by optional whitespace: space, tab, LF, CR), UTF-8 only
 * (section 8.1; well-formedness per core/utf8.h), with these policies (see
 * struct avila_json_options; the defaults are the strict ones):
 *   - limits on size, depth, string and number length;
 *   - duplicate object keys rejected, or the first or last one kept (then
 *     lookup and iteration see only that member);
 *   - \u escapes of lone surrogates rejected, or replaced by U+FFFD;
 *   - integers beyond 64 bits and numbers beyond the double range kept as
 *     their text ("big numbers"), or converted to double;
 *   - trailing commas, comments (// to end of line, and block comments) and
 *     a leading UTF-8 byte order mark refused unless allowed.
 *
 * Numbers: an integer literal (no fraction, no exponent) that fits int64 is
 * AVILA_JSON_INT, a positive one that fits only uint64 is AVILA_JSON_UINT;
 * any other literal with a fraction or exponent is AVILA_JSON_DOUBLE,
 * correctly rounded (core/fpconv.h); integers beyond 64 bits and literals
 * whose value overflows the double range are AVILA_JSON_BIGNUM, their text
 * unchanged. Every number's source text is available.
 *
 * Errors: avila_json_parse returns AVILA_EFORMAT for malformed input (syntax
 * or encoding), AVILA_ELIMIT when a limit of the options is exceeded,
 * AVILA_ERANGE for a number that overflows to infinity when big numbers are
 * to become doubles, AVILA_ENOMEM when the allocator refuses and
 * AVILA_EINVAL for a caller's mistake (NULL pointers, options out of range).
 * struct avila_json_error then says where (byte offset, and line and column
 * computed from it) and why, in a short static string.
 *
 * Pure: no libc beyond core/platform.h, no recursion on input depth (the
 * parser keeps an explicit stack bounded by max_depth). String scanning uses
 * AVX2 or AVX-512BW when core/cpu.h allows it; the portable path gives the
 * same results and is always built.
 */
#ifndef AVILA_DATA_JSON_H
#define AVILA_DATA_JSON_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/platform.h"

/* ------------------------------------------------------------------ types */

/* The type of a value, as avila_json_type reports it. */
enum avila_json_type {
    AVILA_JSON_NULL = 1,
    AVILA_JSON_BOOL,   /* avila_json_bool */
    AVILA_JSON_INT,    /* an integer literal that fits int64 */
    AVILA_JSON_UINT,   /* an integer literal in INT64_MAX+1 .. UINT64_MAX */
    AVILA_JSON_DOUBLE, /* a literal with a fraction or exponent, as a finite double */
    AVILA_JSON_BIGNUM, /* a number kept as text (see above) */
    AVILA_JSON_STRING, /* UTF-8 bytes, may contain NUL */
    AVILA_JSON_ARRAY,
    AVILA_JSON_OBJECT,
};

/*
 * One node of a document (a value, or an object member's key). 16 bytes;
 * the fields are private: use the accessors below.
 */
struct avila_json_node {
    uint32_t tag; /* kind (low 4 bits); numbers: text length << 8 */
    uint32_t n;   /* string length, container count, or number text offset */
    union {
        int64_t i;
        uint64_t u;
        double d;
        const uint8_t *s;
        uint64_t skip; /* containers: nodes in the subtree (low 32 bits), source offset (high) */
    } v;
};

_Static_assert(sizeof(struct avila_json_node) == 16, "nodes are 16 bytes");

/* ---------------------------------------------------------------- options */

/*
 * What to do with an object whose keys repeat (keys compare bytewise after
 * unescaping). The check runs when each object ends, so with several
 * offending objects the error names the first one to end (an inner one
 * before its parent), at the earliest repeated key in it. Cost per object
 * of m members: expected O(m) (a hash table on the keys' first and last 8
 * bytes), at worst O(m log m) comparisons (it falls back to sorting when
 * keys collide).
 */
enum avila_json_dup_keys {
    AVILA_JSON_DUP_REJECT = 0, /* AVILA_EFORMAT "duplicate key in object" (default) */
    AVILA_JSON_DUP_FIRST,      /* keep the first member with that key */
    AVILA_JSON_DUP_LAST,       /* keep the last member with that key */
};

/* What to do with a \u escape of a surrogate that is not half of a pair. */
enum avila_json_surrogates {
    AVILA_JSON_SURROGATE_REJECT = 0, /* AVILA_EFORMAT (default) */
    AVILA_JSON_SURROGATE_REPLACE,    /* decode it as U+FFFD */
};

/* What becomes of integers beyond 64 bits and of numbers beyond the double range. */
enum avila_json_big_numbers {
    AVILA_JSON_BIG_TEXT = 0, /* AVILA_JSON_BIGNUM, the text unchanged (default) */
    AVILA_JSON_BIG_DOUBLE,   /* big integers become the nearest double; numbers that
                                overflow to infinity are AVILA_ERANGE */
};

/* Hard ceilings of the limits below (beyond them avila_json_parse says AVILA_EINVAL). */
#define AVILA_JSON_MAX_SIZE_LIMIT   ((size_t)0xFFFFFFFEu) /* node offsets are 32-bit */
#define AVILA_JSON_MAX_DEPTH_LIMIT  ((size_t)1 << 20)
#define AVILA_JSON_MAX_NUMBER_LIMIT ((size_t)0xFFFFFF) /* text length in 24 bits */

/* The defaults a zero field stands for. */
#define AVILA_JSON_DEFAULT_MAX_DEPTH      1024
#define AVILA_JSON_DEFAULT_MAX_SIZE       ((size_t)1 << 30)
#define AVILA_JSON_DEFAULT_MAX_STRING_LEN ((size_t)1 << 30)
#define AVILA_JSON_DEFAULT_MAX_NUMBER_LEN 1024

/*
 * Parser policies. Every zero field means the safe default, so
 * `struct avila_json_options o = {0};` (or AVILA_JSON_OPTIONS_DEFAULT, or a
 * NULL options pointer) is the strict RFC 8259 parser, and a designated
 * initializer changes only what it names:
 *   max_depth       containers nested deeper than this are AVILA_ELIMIT
 *                   (default 1024; at most AVILA_JSON_MAX_DEPTH_LIMIT). The
 *                   top-level value is at depth 0, "[]" has depth 1.
 *   max_size        longer texts are AVILA_ELIMIT before any work (default
 *                   1 GiB; at most AVILA_JSON_MAX_SIZE_LIMIT)
 *   max_string_len  decoded bytes of one string or key (default 1 GiB)
 *   max_number_len  characters of one number literal (default 1024; at most
 *                   AVILA_JSON_MAX_NUMBER_LIMIT)
 *   dup_keys, lone_surrogates, big_numbers   see the enums above
 *   allow_trailing_commas  a ',' before ']' or '}' ("[1,]"; not "[,]")
 *   allow_comments         "// ...\n" and block comments wherever whitespace may be
 *   skip_bom               a leading UTF-8 byte order mark (EF BB BF) is
 *                          skipped (otherwise AVILA_EFORMAT)
 */
struct avila_json_options {
    size_t max_depth;
    size_t max_size;
    size_t max_string_len;
    size_t max_number_len;
    enum avila_json_dup_keys dup_keys;
    enum avila_json_surrogates lone_surrogates;
    enum avila_json_big_numbers big_numbers;
    bool allow_trailing_commas;
    bool allow_comments;
    bool skip_bom;
};

/* The defaults, spelled out. */
#define AVILA_JSON_OPTIONS_DEFAULT                                                                 \
    {                                                                                              \
        AVILA_JSON_DEFAULT_MAX_DEPTH, AVILA_JSON_DEFAULT_MAX_SIZE,                                 \
            AVILA_JSON_DEFAULT_MAX_STRING_LEN, AVILA_JSON_DEFAULT_MAX_NUMBER_LEN,                  \
            AVILA_JSON_DUP_REJECT, AVILA_JSON_SURROGATE_REJECT, AVILA_JSON_BIG_TEXT, false, false, \
            false                                                                                  \
    }

/* ---------------------------------------------------------------- parsing */

/*
 * Where and why a parse failed. offset is the byte offset of the offending
 * byte (or of the construct that broke a limit) in the text; line and column
 * are 1-based, lines counted by LF (a CR alone does not start a line) and
 * columns in bytes (not characters). reason is a short static string
 * ("expected ':' after object key").
 */
struct avila_json_error {
    size_t offset;
    size_t line;
    size_t column;
    const char *reason;
};

/*
 * A parsed document. Caller-allocated; all fields are private. After a
 * successful avila_json_parse it holds the node array and the string buffer
 * (allocated from the allocator given then) until avila_json_doc_release.
 */
struct avila_json_doc {
    struct avila_json_node *nodes;
    size_t count;    /* nodes in use */
    size_t capacity; /* nodes allocated */
    uint8_t *strings;
    size_t strings_cap;
    const uint8_t *text;
    size_t len;
    const struct avila_allocator *alloc;
};

/*
 * Parses the len bytes at text (one JSON text) into *doc, with the policies
 * of *opt (NULL: the defaults). Memory comes from a, which MUST outlive the
 * document; text is borrowed: strings without escapes point into it, so it
 * MUST stay alive and unchanged until avila_json_doc_release(doc).
 * On success returns 0 and *doc holds the document. On failure returns
 * AVILA_EFORMAT, AVILA_ELIMIT, AVILA_ERANGE or AVILA_ENOMEM (see the top of
 * this file), frees everything it allocated, leaves *doc empty (releasing
 * it is harmless) and, if err is not NULL, fills *err. AVILA_EINVAL (err's
 * reason says which) if doc or a is NULL, text is NULL with len > 0, or an
 * option is out of range.
 */
int avila_json_parse(struct avila_json_doc *doc, const void *text, size_t len,
                     const struct avila_json_options *opt, const struct avila_allocator *a,
                     struct avila_json_error *err);

/* Frees what the document holds and empties it; every handle into it dies. */
void avila_json_doc_release(struct avila_json_doc *doc);

/* The top-level value of a parsed document (NULL for an empty one). */
const struct avila_json_node *avila_json_root(const struct avila_json_doc *doc);

/*
 * Bytes the document holds from its allocator (node array and string
 * buffer), for memory accounting.
 */
size_t avila_json_doc_bytes(const struct avila_json_doc *doc);

/* ---------------------------------------------------------------- values */

/*
 * The accessors below take a handle from a live document; v MUST NOT be NULL
 * unless said otherwise. Object keys are string nodes (the key handles that
 * iteration hands out).
 */

/* The type of v. */
enum avila_json_type avila_json_type(const struct avila_json_node *v);

/* True for null; for bool values, their value (false for any other type). */
bool avila_json_is_null(const struct avila_json_node *v);
bool avila_json_bool(const struct avila_json_node *v);

/*
 * The value of an AVILA_JSON_INT: 0 and *out; else AVILA_ERANGE for a UINT
 * (always above INT64_MAX) or a BIGNUM, AVILA_EINVAL for a DOUBLE or a
 * non-number (*out untouched).
 */
int avila_json_int64(const struct avila_json_node *v, int64_t *out);

/* The value of a non-negative INT or a UINT; AVILA_ERANGE (negative or
 * BIGNUM), AVILA_EINVAL (DOUBLE or not a number) otherwise. */
int avila_json_uint64(const struct avila_json_node *v, uint64_t *out);

/*
 * Any number as a double: a DOUBLE's value, an INT's or UINT's nearest
 * double, a BIGNUM parsed correctly rounded. Returns 0; AVILA_ERANGE for a
 * BIGNUM beyond the double range (*out = +/-infinity), AVILA_EINVAL for a
 * non-number.
 */
int avila_json_double(const struct avila_json_node *v, double *out);

/*
 * The source text of any number node (exactly as in the document, e.g.
 * "-1.50e3"), *len its length; NULL (and *len = 0) if v is not a number.
 * doc MUST be v's document. The text lives in the caller's buffer.
 */
const char *avila_json_number_text(const struct avila_json_doc *doc,
                                   const struct avila_json_node *v, size_t *len);

/*
 * A string's (or key's) decoded UTF-8 bytes and *len their count; NULL (and
 * *len = 0) if v is not a string. Not NUL-terminated; may contain NUL. The
 * bytes live in the caller's text or the document's string buffer.
 */
const char *avila_json_string(const struct avila_json_node *v, size_t *len);

/* Elements of an array, members of an object, 0 for anything else. */
size_t avila_json_size(const struct avila_json_node *v);

/*
 * Element i of an array; NULL if v is not an array or i >= its size.
 * O(i): each element before it is skipped in O(1).
 */
const struct avila_json_node *avila_json_array_get(const struct avila_json_node *v, size_t i);

/*
 * The value of the member whose key is exactly the klen bytes at key
 * (compared bytewise, no normalisation); NULL if v is not an object or has no
 * such member. O(members), each one skipped in O(1).
 */
const struct avila_json_node *avila_json_object_get(const struct avila_json_node *v,
                                                    const void *key, size_t klen);

/*
 * In-order iteration over an array's elements or an object's members:
 *     struct avila_json_iter it;
 *     const struct avila_json_node *k, *val;
 *     avila_json_iter_init(&it, container);
 *     while (avila_json_iter_next(&it, &k, &val)) ...   // k is NULL for arrays
 * Fields are private. A scalar iterates as empty.
 */
struct avila_json_iter {
    const struct avila_json_node *cur, *end;
    bool object;
};

void avila_json_iter_init(struct avila_json_iter *it, const struct avila_json_node *container);

/* Returns true and the next member's key (NULL for an array) and value; false at the end. */
bool avila_json_iter_next(struct avila_json_iter *it, const struct avila_json_node **key,
                          const struct avila_json_node **value);

/*
 * Deep equality: same type and value. Objects compare without regard to
 * member order; numbers compare by value across INT, UINT and DOUBLE (1 and
 * 1.0 are equal, 0 and -0.0 too), BIGNUMs by their text (and never equal a
 * non-BIGNUM); strings bytewise. a and b may come from different documents.
 * Iterative (no recursion; its explicit stack takes about 40 bytes per level,
 * 40 KiB of C stack): returns 1 if equal, 0 if not, AVILA_ELIMIT if the
 * values nest deeper than AVILA_JSON_EQUAL_MAX_DEPTH. Cost: O(size), except
 * that the members of a's objects that are not in b's member order are
 * looked up by a scan of b's object: O(m^2) at worst for m members.
 */
#define AVILA_JSON_EQUAL_MAX_DEPTH 1024
int avila_json_equal(const struct avila_json_node *a, const struct avila_json_node *b);

/* ---------------------------------------------------------------- pointer */

/*
 * Resolves the RFC 6901 JSON Pointer ptr[0..len) (its string form, not the
 * URI fragment form) from root: "" is root itself, "/a/0" member "a" then
 * element 0; "~0" and "~1" in a reference token stand for '~' and '/'. Keys
 * compare bytewise. On an array a token MUST be "0" or a decimal without
 * leading zeros below the array's size; "-" (the element after the last)
 * never exists.
 * Returns 0 and *out; AVILA_EFORMAT for a malformed pointer (not starting
 * with '/', or '~' not followed by '0' or '1'); AVILA_ENOTFOUND when the
 * path does not lead to a value (*out untouched).
 */
int avila_json_pointer(const struct avila_json_node *root, const char *ptr, size_t len,
                       const struct avila_json_node **out);

#endif
