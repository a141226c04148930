/*
 * net/http1_int.h - what the files of net/http1 share and the tests may
 * look at: the character classes of RFC 9110 section 5.6.2 / RFC 9112, the
 * SWAR scanners, the field-line parser used for heads and trailers, and the
 * limit defaults. Not installed.
 */
#ifndef AVILA_NET_HTTP1_INT_H
#define AVILA_NET_HTTP1_INT_H

#include "core/endian.h"
#include "core/error.h"
#include "net/http1.h"

/* Character classes (bits of avila_http1_class[c]). */
enum {
    AVILA_HTTP1_C_TCHAR = 1,  /* RFC 9110 5.6.2 tchar */
    AVILA_HTTP1_C_FIELD = 2,  /* field-vchar / SP / HTAB: VCHAR, obs-text, SP, HTAB */
    AVILA_HTTP1_C_VCHAR = 4,  /* 0x21..0x7E */
    AVILA_HTTP1_C_HOST = 8,   /* uri-host [":" port] characters (RFC 3986) */
    AVILA_HTTP1_C_HEX = 16,   /* HEXDIG, either case */
    AVILA_HTTP1_C_QDTEXT = 32 /* qdtext: HTAB, SP, 0x21, 0x23-0x5B, 0x5D-0x7E, obs-text */
};

extern const uint8_t avila_http1_class[256];

static inline bool avila_http1_is_tchar(uint8_t c)
{
    return (avila_http1_class[c] & AVILA_HTTP1_C_TCHAR) != 0;
}

static inline uint8_t avila_http1_lower(uint8_t c)
{
    return (uint8_t)((unsigned)c - 'A' < 26u ? c | 0x20 : c);
}

/*
 * Offset of the first byte in p[0 .. n) that may not appear in a field
 * value (a control byte other than HTAB, or DEL), or n. Eight bytes at a
 * time.
 */
static inline size_t avila_http1_scan_value(const uint8_t *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {
            uint64_t w = avila_load_le64(p + i);
            uint64_t del = w ^ (0x7F * ones);
            uint64_t m = ((w - 0x20 * ones) & ~w & high) | ((del - ones) & ~del & high);
            if (m == 0) {
                i += 8;
                continue;
            }
            /* The lowest flagged byte is exact (borrows only run upwards). */
            i += (size_t)__builtin_ctzll(m) / 8;
        }
        uint8_t c = p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return i;
        i++;
    }
    return n;
}

/* Offset of the first LF in p[0 .. n), or n. Eight bytes at a time. */
static inline size_t avila_http1_find_lf(const uint8_t *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t x = avila_load_le64(p + i) ^ ('\n' * ones);
        uint64_t m = (x - ones) & ~x & high;
        if (m != 0)
            return i + (size_t)__builtin_ctzll(m) / 8;
    }
    for (; i < n; i++)
        if (p[i] == '\n')
            return i;
    return n;
}

/* The limits with every zero field replaced by its default (lim may be NULL). */
struct avila_http1_limits avila_http1_limits_resolve(const struct avila_http1_limits *lim);

/*
 * Parses the field line that starts at p: "name:" OWS value OWS CRLF. The
 * line's CRLF MUST lie within p[0 .. avail) (the caller found its LF), and
 * p[0] MUST NOT be SP or HTAB (the caller reports that as obs-fold or as
 * whitespace after the start line). Returns the offset of the line's CR
 * (> 0) and fills *h; or AVILA_EFORMAT with *reason set and *at the
 * offending offset in p.
 */
int avila_http1_field_line(const uint8_t *p, size_t avail, struct avila_http1_header *h,
                           enum avila_http1_reason *reason, size_t *at);

/*
 * Fills *err (if not NULL) with reason and offset and returns the AVILA_E*
 * code that goes with the reason: AVILA_ELIMIT for 413, 414, 431 and long
 * chunk lines, AVILA_EUNSUPPORTED for 501 and 505, AVILA_ECLOSED for a
 * truncated body, else AVILA_EFORMAT.
 */
int avila_http1_fail(struct avila_http1_error *err, enum avila_http1_reason reason, size_t offset);

/* Unsigned decimal 1*DIGIT in s[0 .. n) into *v; false if empty, not digits, or beyond uint64. */
bool avila_http1_parse_u64(const uint8_t *s, size_t n, uint64_t *v);

#endif
