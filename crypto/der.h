/*
 * crypto/der.h - a strict reader and writer of ASN.1 DER (ITU-T X.690,
 * sections 8 and 10: the Distinguished Encoding Rules). Pure: no
 * allocation, no libc; the reader hands out slices into the caller's
 * buffer, the writer writes into a caller buffer.
 *
 * Tags are one uint32_t: the identifier octet's class and constructed bits
 * (the top three bits, AVILA_DER_CONTEXT | AVILA_DER_CONSTRUCTED, ...) in
 * bits 24..31 and the tag number in bits 0..23 - see AVILA_DER_TAG. The
 * universal types below, AVILA_DER_CTX(n) for an implicit primitive [n] and
 * AVILA_DER_CTX_CONS(n) for a constructed one (an explicit [n], or an
 * implicit [n] over a SEQUENCE) are ready-made tags.
 *
 * What the reader accepts (everything else is AVILA_EFORMAT unless noted):
 *   - identifier: low-tag-number form for numbers 0..30, high-tag-number form
 *     (X.690 8.1.2.4) only for numbers >= 31 and without a leading 0x80
 *     octet; numbers above AVILA_DER_TAG_NUMBER_MAX (three subsequent
 *     octets) are AVILA_ELIMIT; the universal tag 0 (end-of-contents) is
 *     refused;
 *   - length: definite only (0x80, the indefinite form, is refused), short
 *     form below 128, long form only for 128 and up, with no leading zero
 *     octet (X.690 10.1); at most AVILA_DER_LEN_OCTETS_MAX (4) length
 *     octets, more is AVILA_ELIMIT; a length past the end of the enclosing
 *     range is AVILA_EFORMAT;
 *   - the typed helpers check the full tag (so a constructed OCTET STRING or
 *     a primitive SEQUENCE is a wrong tag, as DER requires) and the content
 *     rules of X.690 section 8 and 10/11: INTEGER minimal two's complement
 *     (8.3.2), BOOLEAN 0x00 or 0xff (11.1), NULL empty (8.8), BIT STRING
 *     with 0..7 unused bits that are zero, and no unused bits when empty
 *     (8.6, 11.2), OBJECT IDENTIFIER non-empty, sub-identifiers minimal
 *     (no leading 0x80 octet, 8.19.2) and the last octet complete.
 * A reader never recurses: the caller walks nested structures by opening a
 * new reader over a constructed element's content (avila_der_read_enter),
 * so the nesting depth is the caller's code. Errors leave the reader where
 * it was.
 *
 * The writer writes forwards. A constructed element is opened with
 * avila_der_begin (tag written, one length octet reserved) and closed with
 * avila_der_end, which fills the length in and, when the content needs a
 * long-form length, moves the content up by the extra octets. A writer
 * whose buffer is NULL only measures: it counts the bytes it would write.
 * Errors are sticky: the first one is kept, later calls do nothing and
 * return it, and avila_der_writer_finish reports it, so a sequence of
 * writes can be checked once at the end.
 */
#ifndef AVILA_CRYPTO_DER_H
#define AVILA_CRYPTO_DER_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/platform.h"

/* Identifier-octet bits (X.690 8.1.2.2, 8.1.2.5). */
#define AVILA_DER_UNIVERSAL   0x00u
#define AVILA_DER_APPLICATION 0x40u
#define AVILA_DER_CONTEXT     0x80u
#define AVILA_DER_PRIVATE     0xc0u
#define AVILA_DER_CONSTRUCTED 0x20u

/* A tag: bits = class | constructed (from the macros above), num = tag number. */
#define AVILA_DER_TAG(bits, num)   ((uint32_t)(bits) << 24 | (uint32_t)(num))
#define AVILA_DER_TAG_BITS(tag)    ((uint8_t)((tag) >> 24))
#define AVILA_DER_TAG_NUMBER(tag)  ((tag)&0xffffffu)
#define AVILA_DER_TAG_NUMBER_MAX   0x1fffffu /* three subsequent identifier octets */
#define AVILA_DER_LEN_OCTETS_MAX   4         /* so lengths are below 2^32 */
#define AVILA_DER_BOOLEAN          AVILA_DER_TAG(0, 1)
#define AVILA_DER_INTEGER          AVILA_DER_TAG(0, 2)
#define AVILA_DER_BIT_STRING       AVILA_DER_TAG(0, 3)
#define AVILA_DER_OCTET_STRING     AVILA_DER_TAG(0, 4)
#define AVILA_DER_NULL             AVILA_DER_TAG(0, 5)
#define AVILA_DER_OID              AVILA_DER_TAG(0, 6)
#define AVILA_DER_UTF8_STRING      AVILA_DER_TAG(0, 12)
#define AVILA_DER_SEQUENCE         AVILA_DER_TAG(AVILA_DER_CONSTRUCTED, 16)
#define AVILA_DER_SET              AVILA_DER_TAG(AVILA_DER_CONSTRUCTED, 17)
#define AVILA_DER_PRINTABLE_STRING AVILA_DER_TAG(0, 19)
#define AVILA_DER_UTC_TIME         AVILA_DER_TAG(0, 23)
#define AVILA_DER_GENERALIZED_TIME AVILA_DER_TAG(0, 24)
#define AVILA_DER_CTX(n)           AVILA_DER_TAG(AVILA_DER_CONTEXT, n)
#define AVILA_DER_CTX_CONS(n)      AVILA_DER_TAG(AVILA_DER_CONTEXT | AVILA_DER_CONSTRUCTED, n)

/* The most bytes a tag and length header takes (1 + 3 identifier, 1 + 4 length). */
#define AVILA_DER_HEADER_MAX 9

/* ------------------------------------------------------------------ reader */

/*
 * A reader over len bytes at p (borrowed: they MUST outlive the reader and
 * every slice it hands out). Fields are private; initialise with
 * avila_der_init. Caller-allocated, a few words, copyable (a copy is a
 * saved position).
 */
struct avila_der {
    const uint8_t *p;
    size_t len;
    size_t pos;
};

/* One element as read: its tag, its content, and the whole encoding (header + content). */
struct avila_der_tlv {
    uint32_t tag;
    struct avila_slice value; /* the content octets, in the input */
    struct avila_slice raw;   /* identifier, length and content octets, in the input */
};

/* Starts a reader over the n bytes at p (p MAY be NULL when n is 0). */
void avila_der_init(struct avila_der *d, const void *p, size_t n);

/* True when every byte has been read. */
bool avila_der_at_end(const struct avila_der *d);

/* 0 when every byte has been read, AVILA_EFORMAT (trailing data) otherwise. */
int avila_der_finish(const struct avila_der *d);

/*
 * Reads the next element, whatever its tag, and checks its header (rules
 * at the top of this file). Returns 0; AVILA_EFORMAT (also at the end of
 * the input: an element was required) or AVILA_ELIMIT.
 */
int avila_der_read(struct avila_der *d, struct avila_der_tlv *tlv);

/*
 * The tag of the next element, without reading it: returns 1 and sets *tag,
 * 0 at the end of the input, or AVILA_EFORMAT / AVILA_ELIMIT if the next
 * header is malformed (only the header is checked).
 */
int avila_der_peek(const struct avila_der *d, uint32_t *tag);

/*
 * Reads the next element, which MUST have tag `tag` (AVILA_EFORMAT
 * otherwise, the reader unchanged); *value gets its content.
 */
int avila_der_read_expect(struct avila_der *d, uint32_t tag, struct avila_slice *value);

/*
 * An OPTIONAL or DEFAULT element: if the next element has tag `tag`, reads
 * it into *value and returns 1; returns 0 (nothing read) at the end of the
 * input or when the next tag differs; a negative error for a malformed
 * header.
 */
int avila_der_read_optional(struct avila_der *d, uint32_t tag, struct avila_slice *value);

/*
 * Reads an element with tag `tag` (a SEQUENCE, SET, explicit [n] ...) and
 * starts *inner over its content. Returns 0 or an error as
 * avila_der_read_expect.
 */
int avila_der_read_enter(struct avila_der *d, uint32_t tag, struct avila_der *inner);

/* avila_der_read_enter for AVILA_DER_SEQUENCE. */
int avila_der_read_sequence(struct avila_der *d, struct avila_der *inner);

/*
 * A non-negative INTEGER: *mag gets its magnitude, big-endian, without the
 * 0x00 sign octet (empty for zero). AVILA_EFORMAT for a wrong tag or a
 * non-minimal or empty encoding; AVILA_ERANGE for a negative value (a
 * well-formed integer, reader advanced past it).
 */
int avila_der_read_integer(struct avila_der *d, struct avila_slice *mag);

/* An INTEGER in 0..UINT64_MAX. AVILA_ERANGE if negative or larger (reader advanced). */
int avila_der_read_u64(struct avila_der *d, uint64_t *v);

/* An INTEGER in INT64_MIN..INT64_MAX. AVILA_ERANGE if outside (reader advanced). */
int avila_der_read_i64(struct avila_der *d, int64_t *v);

/* A BOOLEAN (content 0x00 or 0xff only). */
int avila_der_read_bool(struct avila_der *d, bool *v);

/* A NULL (empty content). */
int avila_der_read_null(struct avila_der *d);

/* An OCTET STRING (primitive); *s gets its content. */
int avila_der_read_octets(struct avila_der *d, struct avila_slice *s);

/*
 * A BIT STRING (primitive): *bits gets the octets after the unused-bits
 * count, *unused that count (0..7). Most uses want unused == 0 (whole
 * octets): check it.
 */
int avila_der_read_bits(struct avila_der *d, struct avila_slice *bits, unsigned *unused);

/* An OBJECT IDENTIFIER; *oid gets its content octets (compare them with known OIDs' octets). */
int avila_der_read_oid(struct avila_der *d, struct avila_slice *oid);

/*
 * The content checks alone, for content read with another tag (implicit
 * tagging: avila_der_read_expect(d, AVILA_DER_CTX(1), &v) then one of
 * these on v). Same results as the readers above.
 */
int avila_der_integer_value(struct avila_slice v, struct avila_slice *mag);
int avila_der_u64_value(struct avila_slice v, uint64_t *out);
int avila_der_i64_value(struct avila_slice v, int64_t *out);
int avila_der_bool_value(struct avila_slice v, bool *out);
int avila_der_bits_value(struct avila_slice v, struct avila_slice *bits, unsigned *unused);
int avila_der_oid_value(struct avila_slice v);

/* ------------------------------------------------------------------ writer */

/*
 * A writer into cap bytes at buf (borrowed for the writer's life), or a
 * measuring writer when buf is NULL. Fields are private; initialise with
 * avila_der_writer_init.
 */
struct avila_der_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int err;
};

/* Starts a writer over cap bytes at buf; buf NULL (cap ignored) only counts. */
void avila_der_writer_init(struct avila_der_writer *w, void *buf, size_t cap);

/*
 * The outcome: *len (may be NULL) gets the bytes written (or counted) and
 * it returns 0, or it returns the first error of any call (*len untouched).
 * The writer keeps no stack of open elements: the caller closes each
 * avila_der_begin with its avila_der_end, innermost first.
 */
int avila_der_writer_finish(const struct avila_der_writer *w, size_t *len);

/*
 * Every writer below returns 0 or the (sticky) error: AVILA_ENOSPC when the
 * buffer is full, AVILA_ELIMIT for a length of 2^32 or more or a tag number
 * above AVILA_DER_TAG_NUMBER_MAX, AVILA_EINVAL for content that would not
 * be DER (named per function). Input pointers are only read during the call
 * and MUST NOT point into the writer's buffer; they MAY be NULL when their
 * length is 0.
 */

/* Writes an element: tag, length and the n content bytes at value (the universal tag 0 is EINVAL).
 */
int avila_der_write_tlv(struct avila_der_writer *w, uint32_t tag, const void *value, size_t n);

/* Writes the n bytes at p as they are (an element encoded elsewhere). */
int avila_der_write_raw(struct avila_der_writer *w, const void *p, size_t n);

/*
 * Opens a constructed element (the tag should have AVILA_DER_CONSTRUCTED):
 * writes its tag and a length placeholder and stores in *mark what
 * avila_der_end needs. Write its content next, then close it.
 */
int avila_der_begin(struct avila_der_writer *w, uint32_t tag, size_t *mark);

/* Closes the element `mark` came from: sets its length (moving the content if it needs more
 * octets). */
int avila_der_end(struct avila_der_writer *w, size_t mark);

/*
 * An INTEGER holding the unsigned big-endian magnitude of n bytes at mag:
 * leading zero octets are dropped, a 0x00 is put in front when the top bit
 * is set, zero (n == 0 or all zeros) is 02 01 00. The _tagged form writes
 * the same content under another tag (implicit tagging).
 */
int avila_der_write_integer(struct avila_der_writer *w, const void *mag, size_t n);
int avila_der_write_integer_tagged(struct avila_der_writer *w, uint32_t tag, const void *mag,
                                   size_t n);

/* An INTEGER from a signed 64-bit value, minimal two's complement. */
int avila_der_write_i64(struct avila_der_writer *w, int64_t v);

/* A BOOLEAN (0xff for true). */
int avila_der_write_bool(struct avila_der_writer *w, bool v);

/* A NULL. */
int avila_der_write_null(struct avila_der_writer *w);

/* An OCTET STRING of the n bytes at p. */
int avila_der_write_octets(struct avila_der_writer *w, const void *p, size_t n);

/*
 * A BIT STRING of the n octets at p whose last `unused` bits (0..7) are
 * not part of the string. AVILA_EINVAL if unused > 7, if unused > 0 with
 * n == 0, or if the unused bits of the last octet are not zero.
 */
int avila_der_write_bits(struct avila_der_writer *w, const void *p, size_t n, unsigned unused);

/* An OBJECT IDENTIFIER with the n content octets at oid; AVILA_EINVAL if they are not valid. */
int avila_der_write_oid(struct avila_der_writer *w, const void *oid, size_t n);

#endif
