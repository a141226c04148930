/*
 * crypto/pem.c - RFC 7468 textual encoding, strict (choices in
 * crypto/pem.h). Pure.
 *
 * The data lines are gathered, without their line ends, into a chunk of
 * CHUNK base64 characters on the stack; a full chunk is decoded when the
 * next character arrives (so it is known not to be the last, and MUST NOT
 * end in '='), the last one at the END line with the padding rules.
 */
#include "crypto/pem.h"

#include <stdbool.h>

#include "core/ct.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/size.h"

#define BEGIN      "-----BEGIN "
#define END        "-----END "
#define DASHES     "-----"
#define BEGIN_LEN  (sizeof BEGIN - 1)
#define END_LEN    (sizeof END - 1)
#define DASH_LEN   (sizeof DASHES - 1)
#define LINE_BYTES ((size_t)AVILA_PEM_LINE_LEN / 4 * 3) /* bytes per encoded line */
#define CHUNK      256 /* base64 characters decoded at once: 192 bytes */
_Static_assert(CHUNK % 4 == 0, "whole base64 quanta");

static bool starts_with(const char *p, size_t n, const char *lit, size_t lit_len)
{
    return n >= lit_len && memcmp(p, lit, lit_len) == 0;
}

/* RFC 7468 section 3: label = [ labelchar *( ["-" / SP] labelchar ) ], labelchar = 0x21-0x2c,
 * 0x2e-0x7e. */
static int check_label(const char *l, size_t n)
{
    if (n > AVILA_PEM_LABEL_MAX)
        return AVILA_ELIMIT;
    bool prev_sep = true; /* nothing before the first character */
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)l[i];
        const bool sep = c == '-' || c == ' ';
        if (sep) {
            if (prev_sep)
                return AVILA_EFORMAT;
        } else if (c < 0x21 || c > 0x7e) {
            return AVILA_EFORMAT;
        }
        prev_sep = sep;
    }
    return n != 0 && prev_sep ? AVILA_EFORMAT : 0;
}

/*
 * The line at text[pos..n): *len gets its length without the line end and
 * *eol the line end's length (1 for LF, 2 for CRLF, 0 at the end of the
 * text without one). At most `max` bytes are looked at before the line end:
 * a longer line is AVILA_ELIMIT.
 */
static int get_line(const char *text, size_t n, size_t pos, size_t max, size_t *len, size_t *eol)
{
    size_t i = pos;
    const size_t stop = n - pos > max + 2 ? pos + max + 2 : n;
    while (i < stop && text[i] != '\n')
        i++;
    if (i == stop && stop != n)
        return AVILA_ELIMIT;
    if (i == n) {
        *len = i - pos;
        *eol = 0;
    } else if (i > pos && text[i - 1] == '\r') {
        *len = i - 1 - pos;
        *eol = 2;
    } else {
        *len = i - pos;
        *eol = 1;
    }
    if (*len > max)
        return AVILA_ELIMIT;
    return 0;
}

/* True if a line holds ':' (an RFC 1421 header such as "Proc-Type: 4,ENCRYPTED"). */
static bool has_colon(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == ':')
            return true;
    return false;
}

/* Base64 characters gathered from the data lines and decoded a chunk at a time. */
struct acc {
    char chunk[CHUNK];
    size_t fill;
    uint8_t *der;
    size_t cap;
    size_t out;
};

/* Decodes the chunk; final says whether it is the last (padding allowed only then). */
static int flush(struct acc *a, bool final)
{
    if (a->fill == 0)
        return 0;
    if (!final && a->chunk[a->fill - 1] == '=')
        return AVILA_EFORMAT;
    size_t got;
    if (a->fill % 4 != 0)
        return AVILA_EFORMAT;
    int rc = avila_base64_decode(a->der + a->out, a->cap - a->out, a->chunk, a->fill, 0, &got);
    if (rc != 0)
        return rc;
    a->out += got;
    a->fill = 0;
    return 0;
}

static int feed(struct acc *a, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a->fill == CHUNK) {
            int rc = flush(a, false);
            if (rc != 0)
                return rc;
        }
        a->chunk[a->fill++] = p[i];
    }
    return 0;
}

/* Decodes the block whose BEGIN line starts at text[start]; sets blk->end. */
static int decode_at(struct avila_pem_block *blk, uint8_t *der, size_t cap, const char *text,
                     size_t n, size_t start)
{
    size_t len, eol;
    int rc = get_line(text, n, start, BEGIN_LEN + AVILA_PEM_LABEL_MAX + DASH_LEN, &len, &eol);
    if (rc == AVILA_ELIMIT)
        return AVILA_ELIMIT;
    if (rc != 0 || eol == 0 || len < BEGIN_LEN + DASH_LEN ||
        !starts_with(text + start, len, BEGIN, BEGIN_LEN) ||
        memcmp(text + start + len - DASH_LEN, DASHES, DASH_LEN) != 0)
        return AVILA_EFORMAT;
    const char *label = text + start + BEGIN_LEN;
    const size_t label_len = len - BEGIN_LEN - DASH_LEN;
    rc = check_label(label, label_len);
    if (rc != 0)
        return rc;
    const size_t line_end = eol;
    size_t pos = start + len + eol;

    struct acc a;
    a.fill = 0;
    a.der = der;
    a.cap = cap;
    a.out = 0;
    for (bool first = true;; first = false) {
        if (pos == n)
            return AVILA_EFORMAT; /* no END line */
        if (starts_with(text + pos, n - pos, END, END_LEN)) {
            rc = get_line(text, n, pos, END_LEN + AVILA_PEM_LABEL_MAX + DASH_LEN, &len, &eol);
            if (rc != 0 || len != END_LEN + label_len + DASH_LEN ||
                memcmp(text + pos + END_LEN, label, label_len) != 0 ||
                memcmp(text + pos + END_LEN + label_len, DASHES, DASH_LEN) != 0 ||
                (eol != 0 && eol != line_end)) {
                rc = AVILA_EFORMAT;
                goto fail;
            }
            pos += len + eol;
            break;
        }
        rc = get_line(text, n, pos, AVILA_PEM_LINE_MAX, &len, &eol);
        if (rc != 0)
            goto fail;
        if (eol != line_end || len == 0) {
            rc = AVILA_EFORMAT;
            goto fail;
        }
        if (first && has_colon(text + pos, len)) {
            rc = AVILA_EUNSUPPORTED;
            goto fail;
        }
        rc = feed(&a, text + pos, len);
        if (rc != 0)
            goto fail;
        pos += len + eol;
    }
    rc = flush(&a, true);
    if (rc != 0)
        goto fail;
    avila_wipe(a.chunk, sizeof a.chunk);
    blk->label = label;
    blk->label_len = label_len;
    blk->der_len = a.out;
    blk->start = start;
    blk->end = pos;
    return 0;
fail:
    avila_wipe(a.chunk, sizeof a.chunk);
    return rc;
}

int avila_pem_decode(struct avila_pem_block *blk, uint8_t *der, size_t cap, const char *text,
                     size_t n)
{
    int rc = decode_at(blk, der, cap, text, n, 0);
    if (rc != 0)
        return rc;
    return blk->end == n ? 0 : AVILA_EFORMAT;
}

int avila_pem_next(struct avila_pem_block *blk, uint8_t *der, size_t cap, const char *text,
                   size_t n, size_t *pos)
{
    /* Explanatory text: whole lines, skipped up to a line that starts a block. */
    for (size_t p = *pos; p < n;) {
        if (starts_with(text + p, n - p, BEGIN, BEGIN_LEN)) {
            int rc = decode_at(blk, der, cap, text, n, p);
            if (rc == 0)
                *pos = blk->end;
            return rc;
        }
        while (p < n && text[p] != '\n')
            p++;
        p += p < n;
    }
    return AVILA_ENOTFOUND;
}

int avila_pem_encoded_len(size_t label_len, size_t n, size_t *out)
{
    size_t b64, lines, total;
    if (avila_base64_encoded_len(n, 0, &b64) != 0)
        return AVILA_EOVERFLOW;
    lines = b64 / AVILA_PEM_LINE_LEN + (b64 % AVILA_PEM_LINE_LEN != 0);
    /* BEGIN and END lines: the literals, the label twice, the dashes twice, two LFs. */
    if (avila_size_add(b64, lines, &total) != 0 ||
        avila_size_mul_add(label_len, 2, total, &total) != 0 ||
        avila_size_add(total, BEGIN_LEN + END_LEN + 2 * DASH_LEN + 2, &total) != 0)
        return AVILA_EOVERFLOW;
    *out = total;
    return 0;
}

static char *put(char *o, const void *p, size_t n)
{
    if (n != 0)
        memcpy(o, p, n);
    return o + n;
}

int avila_pem_encode(char *out, size_t cap, const char *label, size_t label_len, const void *der,
                     size_t n, size_t *out_len)
{
    int rc = check_label(label, label_len);
    if (rc != 0)
        return rc == AVILA_ELIMIT ? rc : AVILA_EINVAL;
    size_t total;
    rc = avila_pem_encoded_len(label_len, n, &total);
    if (rc != 0)
        return rc;
    if (cap < total)
        return AVILA_ENOSPC;
    char *o = put(out, BEGIN, BEGIN_LEN);
    o = put(o, label, label_len);
    o = put(o, DASHES "\n", DASH_LEN + 1);
    /* 48 bytes make one 64-character line. */
    const uint8_t *src = der;
    for (size_t left = n; left > 0;) {
        const size_t take = left < LINE_BYTES ? left : LINE_BYTES;
        size_t got;
        rc = avila_base64_encode(o, (size_t)(out + cap - o), src, take, 0, &got);
        if (rc != 0)
            return rc; /* cannot happen: the size was checked */
        o += got;
        *o++ = '\n';
        src += take;
        left -= take;
    }
    o = put(o, END, END_LEN);
    o = put(o, label, label_len);
    o = put(o, DASHES "\n", DASH_LEN + 1);
    if (out_len)
        *out_len = (size_t)(o - out);
    return 0;
}
