/*
 * data/json_stream.h - a streaming (pull) JSON parser: RFC 8259 text fed in
 * chunks split anywhere, read back as a sequence of events, in bounded
 * memory the caller provides. No allocator, no I/O (sans-I/O): the caller
 * feeds bytes and pulls events.
 *
 *     uint8_t mem[AVILA_JSON_STREAM_MEM(AVILA_JSON_DEFAULT_MAX_DEPTH, 65536)];
 *     struct avila_json_stream s;
 *     struct avila_json_event ev;
 *     avila_json_stream_init(&s, NULL, mem, sizeof mem);
 *     for (;;) {
 *         int rc = avila_json_stream_next(&s, &ev);
 *         if (rc == AVILA_EAGAIN) {          // the chunk is used up
 *             n = read(fd, buf, sizeof buf);  // buf may be reused now
 *             if (n > 0) avila_json_stream_feed(&s, buf, n);
 *             else avila_json_stream_end(&s);
 *             continue;
 *         }
 *         if (rc < 0) ... avila_json_stream_error(&s) says where and why
 *         if (ev.type == AVILA_JSON_EV_END) break;
 *         ... use ev
 *     }
 *
 * Same language, options and errors as the document parser (data/json.h):
 * one JSON text (a value surrounded by optional whitespace), UTF-8 checked
 * in strings and comments, the same struct avila_json_options (a NULL
 * pointer or zero fields: the strict defaults) and struct avila_json_error,
 * the same escape decoding, number typing (AVILA_JSON_INT, _UINT, _DOUBLE
 * correctly rounded, _BIGNUM kept as text) and error reasons. A text fed in
 * any split yields the events that walking avila_json_parse's document
 * gives, and an invalid text fails with the same code, offset, line, column
 * and reason, with these exceptions:
 *   - dup_keys is NOT enforced: finding a repeated key needs memory for
 *     every key of an object, which a bounded parser does not have. Each
 *     member is reported as it comes; a caller that cares checks keys
 *     itself.
 *   - max_size bounds the bytes fed in total; the stream finds out only when
 *     it gets there, so errors before that point are reported first, and
 *     the AVILA_ELIMIT "document larger than max_size" is at offset max_size
 *     (the document parser refuses at offset 0 before parsing). max_size
 *     has no ceiling here (AVILA_JSON_MAX_SIZE_LIMIT is the document
 *     parser's).
 *   - By default a string or key is delivered whole, so it must fit the
 *     token buffer (see below): a longer one, within max_string_len, is
 *     AVILA_ELIMIT "string longer than the token buffer" at its opening
 *     quote. In pieces mode (avila_json_stream_set_pieces) it is delivered
 *     in pieces instead, and this exception is gone.
 *   - Events are delivered as the text goes: an invalid text yields the
 *     events before the error first.
 *
 * Pieces mode (off by default; avila_json_stream_set_pieces): for strings
 * longer than memory, such as a multi-gigabyte base64 field. When a
 * string's (or key's) decoded bytes fill the token buffer before its
 * closing quote, the stream returns an AVILA_JSON_EV_STRING_PART (or
 * AVILA_JSON_EV_KEY_PART) event with the bytes decoded so far, then goes
 * on; the last piece comes as the usual AVILA_JSON_EV_STRING (or _KEY)
 * event, so the PART texts and the final text, concatenated, are the
 * string the document parser gives. Every PART text is well-formed UTF-8
 * that ends on a code point boundary (an unfinished sequence waits for the
 * next piece), of 1 to tok bytes and at least tok - 3 (tok: the token
 * buffer's size); once a string holds an ill-formed sequence no more PARTs
 * come, and the string ends in an error. A PART comes only when more bytes
 * of the string wait for room, so a final event after PARTs is never
 * empty. PART events carry the offset of the string's opening quote and
 * the depth of its final event. A string that lies whole in a chunk
 * without escapes still comes as one event pointing into the chunk,
 * whatever its length. max_string_len bounds the whole string and is
 * checked at its closing quote, as avila_json_parse does (after the
 * string's own errors; AVILA_ELIMIT at the opening quote), so a string
 * beyond it is refused only after its PARTs were delivered: a caller that
 * wants to stop earlier counts the bytes itself. Numbers must fit the
 * token buffer as always.
 *
 * Memory: avila_json_stream_init takes mem_len bytes at mem and uses them
 * for two things, never more: one bit per nesting level (max_depth bits)
 * and a token buffer of the rest, which holds a string's decoded bytes, or
 * a number's text, whenever that token is split between chunks or has
 * escapes. The token buffer MUST hold max_number_len bytes (so every
 * number fits); AVILA_JSON_STREAM_MEM(max_depth, token_bytes) is the size
 * for a token buffer of token_bytes.
 *
 * Pure: no libc beyond core/platform.h, no recursion. Strings are scanned
 * in runs by the string-scan kernel of data/json_int.h (SIMD when core/cpu.h
 * allows) and copied with memcpy; a string without escapes that lies whole
 * in one chunk is not copied at all.
 */
#ifndef AVILA_DATA_JSON_STREAM_H
#define AVILA_DATA_JSON_STREAM_H

#include <stdbool.h>

#include "core/platform.h"
#include "data/json.h"

/* What an event is. */
enum avila_json_event_type {
    AVILA_JSON_EV_OBJECT_BEGIN = 1, /* '{' */
    AVILA_JSON_EV_OBJECT_END,       /* '}' */
    AVILA_JSON_EV_ARRAY_BEGIN,      /* '[' */
    AVILA_JSON_EV_ARRAY_END,        /* ']' */
    AVILA_JSON_EV_KEY,              /* an object member's key: text, len */
    AVILA_JSON_EV_STRING,           /* a string value: text, len */
    AVILA_JSON_EV_NUMBER,           /* number_type, num, and the literal in text, len */
    AVILA_JSON_EV_TRUE,
    AVILA_JSON_EV_FALSE,
    AVILA_JSON_EV_NULL,
    AVILA_JSON_EV_END,         /* the end of the document (after the stream's end) */
    AVILA_JSON_EV_STRING_PART, /* pieces mode: a string value's next piece: text, len */
    AVILA_JSON_EV_KEY_PART,    /* pieces mode: a key's next piece: text, len */
};

/*
 * One event. text points into the chunk being parsed or into the token
 * buffer, so it is valid only until the next call on the stream (copy what
 * must live longer). Strings and keys (and their pieces) are decoded
 * UTF-8, not NUL-terminated, and may contain NUL; a number's text is its
 * literal exactly as in the input ("-1.50e3").
 */
struct avila_json_event {
    enum avila_json_event_type type;
    enum avila_json_type number_type; /* NUMBER: AVILA_JSON_INT, _UINT, _DOUBLE or _BIGNUM */
    const char *text;                 /* KEY, STRING, their PARTs, NUMBER (else NULL) */
    size_t len;
    union {
        int64_t i;  /* AVILA_JSON_INT */
        uint64_t u; /* AVILA_JSON_UINT */
        double d;   /* AVILA_JSON_DOUBLE */
    } num;
    size_t offset; /* stream offset of the event's first byte (END: the stream's length) */
    size_t depth;  /* containers open around the event (a BEGIN or END: outside its own) */
};

/* The least token buffer pieces mode works with: one UTF-8 sequence, or one decoded escape. */
#define AVILA_JSON_STREAM_PIECE_MIN 4

/* Bytes of memory for nesting up to max_depth and a token buffer of token_bytes. */
#define AVILA_JSON_STREAM_MEM(max_depth, token_bytes)                                              \
    (((size_t)(max_depth) + 7) / 8 + (size_t)(token_bytes))

/*
 * A stream parser. Caller-allocated; every field is private. Initialise
 * with avila_json_stream_init; there is nothing to release (the memory is
 * the caller's).
 */
struct avila_json_stream {
    /* Input: the chunk, the next byte, the end of what may be parsed. */
    const uint8_t *chunk, *in, *end;
    size_t chunk_off;  /* stream offset of chunk[0] */
    size_t fed;        /* bytes accepted by avila_json_stream_feed in all */
    size_t lines;      /* LFs before chunk */
    size_t line_start; /* stream offset just after the last of them */
    /* Memory: one bit per open container (1: object), the token buffer. */
    uint8_t *stack, *tok;
    size_t tok_cap, tok_len, depth;
    struct avila_json_options opt;
    size_t (*scan)(const uint8_t *s, size_t n, unsigned *high);
    /* Where the grammar is, and the token in progress (if any). */
    uint8_t gstate, tstate, sub, esc_len;
    bool ended, over_size, key, overflow, tok_pos_valid, u8_bad;
    bool pieces;     /* pieces mode */
    size_t tok_drop; /* pieces mode: bytes of the last PART, dropped from tok at the next call */
    uint8_t esc[12], carry[4];
    uint8_t carry_len;
    size_t tok_off, tok_line, tok_col;       /* the token's first byte and its position */
    size_t str_len;                          /* decoded bytes of the string so far */
    size_t esc_off;                          /* offset of esc[0] */
    size_t carry_off, carry_line, carry_col; /* an unfinished UTF-8 sequence */
    size_t bad_off, bad_line, bad_col;       /* the first ill-formed one (u8_bad) */
    /* The first error, sticky. */
    int rc;
    struct avila_json_error err;
};

/*
 * Prepares *s to parse one JSON text with the policies of *opt (NULL: the
 * defaults; see data/json.h; dup_keys is ignored), using the mem_len bytes
 * at mem, which MUST stay alive and untouched while s is used (the stream
 * writes into them; nothing else is kept). Returns 0, or AVILA_EINVAL if s
 * or mem is NULL, an option is out of range (as for avila_json_parse,
 * except that max_size has no ceiling), or mem_len is less than
 * AVILA_JSON_STREAM_MEM(max_depth, max_number_len) for the options in force.
 */
int avila_json_stream_init(struct avila_json_stream *s, const struct avila_json_options *opt,
                           void *mem, size_t mem_len);

/*
 * Bytes of memory avila_json_stream_init needs for the options *opt (NULL:
 * the defaults) and a token buffer of token_bytes (0: max_number_len, the
 * least allowed). Strings and keys are then limited to
 * max(token_bytes, max_number_len) decoded bytes, outside pieces mode.
 * Returns 0 if an option is out of range.
 */
size_t avila_json_stream_mem(const struct avila_json_options *opt, size_t token_bytes);

/*
 * Turns pieces mode on (on == true) or off (the default): strings and keys
 * longer than the token buffer come in AVILA_JSON_EV_STRING_PART /
 * AVILA_JSON_EV_KEY_PART events, as described at the top of this file.
 * Only valid right after avila_json_stream_init, before any byte is fed
 * and before avila_json_stream_end. Returns 0; AVILA_EINVAL if s is NULL,
 * or on is true and the token buffer is smaller than
 * AVILA_JSON_STREAM_PIECE_MIN bytes; AVILA_ESTATE once bytes were fed or
 * the end was said.
 */
int avila_json_stream_set_pieces(struct avila_json_stream *s, bool on);

/*
 * Hands the next len bytes of the text to the stream. The bytes are
 * borrowed, not copied: they MUST stay alive and unchanged until
 * avila_json_stream_next returns AVILA_EAGAIN (or the stream is abandoned).
 * Only valid when the previous chunk is used up (at the start, or after
 * avila_json_stream_next returned AVILA_EAGAIN). len == 0 is allowed.
 * Returns 0; AVILA_ESTATE if the previous chunk is not used up or
 * avila_json_stream_end was called; AVILA_EINVAL if s is NULL, or data is
 * NULL with len > 0; the sticky error if the stream has failed.
 */
int avila_json_stream_feed(struct avila_json_stream *s, const void *data, size_t len);

/*
 * Says that no bytes follow the ones fed (it may come before the last chunk
 * is used up). Idempotent. Returns 0, or AVILA_EINVAL if s is NULL.
 */
int avila_json_stream_end(struct avila_json_stream *s);

/*
 * The next event, into *ev (its pointers valid until the next call on s).
 * Returns 0 with an event; AVILA_EAGAIN when the chunk is used up and more
 * input (or avila_json_stream_end) is needed; AVILA_ECLOSED when called
 * again after the AVILA_JSON_EV_END event; AVILA_EINVAL if s or ev is NULL.
 * On malformed or over-limit input: AVILA_EFORMAT, AVILA_ELIMIT or
 * AVILA_ERANGE (as avila_json_parse would return them), and every later
 * call returns that same error (sticky); avila_json_stream_error says where
 * and why.
 */
int avila_json_stream_next(struct avila_json_stream *s, struct avila_json_event *ev);

/*
 * The stream's error (offset, line and column over the whole stream, and a
 * short static reason), or NULL if it has not failed. Valid while s is.
 */
const struct avila_json_error *avila_json_stream_error(const struct avila_json_stream *s);

/* The stream offset of the next byte the parser will read. */
size_t avila_json_stream_offset(const struct avila_json_stream *s);

#endif
