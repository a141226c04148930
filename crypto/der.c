/*
 * crypto/der.c - strict ASN.1 DER reader and writer (ITU-T X.690 sections
 * 8, 10 and 11; rules in crypto/der.h). Pure.
 */
#include "crypto/der.h"

#include "core/error.h"

/* ------------------------------------------------------------------ reader */

/*
 * Parses the identifier and length octets at the start of the n bytes at p:
 * *tag, the header's length *hdr and the content's length *clen (which fits
 * in what follows the header). Returns 0, AVILA_EFORMAT or AVILA_ELIMIT.
 */
static int parse_header(const uint8_t *p, size_t n, uint32_t *tag, size_t *hdr, size_t *clen)
{
    if (n == 0)
        return AVILA_EFORMAT;
    const uint8_t bits = p[0] & 0xe0;
    uint32_t num = p[0] & 0x1f;
    size_t i = 1;
    if (num == 0x1f) {
        /* High-tag-number form (8.1.2.4): base-128, minimal, only for numbers >= 31. */
        num = 0;
        for (int k = 0;; k++) {
            if (k == 3)
                return AVILA_ELIMIT;
            if (i >= n)
                return AVILA_EFORMAT;
            const uint8_t b = p[i++];
            if (k == 0 && b == 0x80)
                return AVILA_EFORMAT;
            num = num << 7 | (b & 0x7fu);
            if (!(b & 0x80))
                break;
        }
        if (num < 31)
            return AVILA_EFORMAT;
    }
    /* [UNIVERSAL 0] is end-of-contents, which only the indefinite form uses. */
    if ((bits & 0xc0) == 0 && num == 0)
        return AVILA_EFORMAT;
    if (i >= n)
        return AVILA_EFORMAT;
    const uint8_t l0 = p[i++];
    size_t len = l0;
    if (l0 >= 0x80) {
        /* 0x80 is the indefinite form, 0xff reserved (8.1.3.5); DER wants neither. */
        if (l0 == 0x80 || l0 == 0xff)
            return AVILA_EFORMAT;
        const size_t k = l0 & 0x7fu;
        if (k > AVILA_DER_LEN_OCTETS_MAX)
            return AVILA_ELIMIT;
        if (n - i < k || p[i] == 0)
            return AVILA_EFORMAT;
        uint32_t v = 0;
        for (size_t j = 0; j < k; j++)
            v = v << 8 | p[i + j];
        i += k;
        /* 10.1: the long form only when the short one cannot say it. */
        if (v < 0x80)
            return AVILA_EFORMAT;
        len = v;
    }
    if (len > n - i)
        return AVILA_EFORMAT;
    *tag = AVILA_DER_TAG(bits, num);
    *hdr = i;
    *clen = len;
    return 0;
}

void avila_der_init(struct avila_der *d, const void *p, size_t n)
{
    d->p = p;
    d->len = n;
    d->pos = 0;
}

bool avila_der_at_end(const struct avila_der *d)
{
    return d->pos >= d->len;
}

int avila_der_finish(const struct avila_der *d)
{
    return avila_der_at_end(d) ? 0 : AVILA_EFORMAT;
}

int avila_der_read(struct avila_der *d, struct avila_der_tlv *tlv)
{
    if (avila_der_at_end(d))
        return AVILA_EFORMAT;
    const uint8_t *p = d->p + d->pos;
    size_t hdr, clen;
    uint32_t tag;
    int rc = parse_header(p, d->len - d->pos, &tag, &hdr, &clen);
    if (rc != 0)
        return rc;
    tlv->tag = tag;
    tlv->value = avila_slice_make(p + hdr, clen);
    tlv->raw = avila_slice_make(p, hdr + clen);
    d->pos += hdr + clen;
    return 0;
}

int avila_der_peek(const struct avila_der *d, uint32_t *tag)
{
    if (avila_der_at_end(d))
        return 0;
    size_t hdr, clen;
    int rc = parse_header(d->p + d->pos, d->len - d->pos, tag, &hdr, &clen);
    return rc != 0 ? rc : 1;
}

int avila_der_read_expect(struct avila_der *d, uint32_t tag, struct avila_slice *value)
{
    struct avila_der copy = *d;
    struct avila_der_tlv tlv;
    int rc = avila_der_read(&copy, &tlv);
    if (rc != 0)
        return rc;
    if (tlv.tag != tag)
        return AVILA_EFORMAT;
    *value = tlv.value;
    *d = copy;
    return 0;
}

int avila_der_read_optional(struct avila_der *d, uint32_t tag, struct avila_slice *value)
{
    uint32_t next;
    int rc = avila_der_peek(d, &next);
    if (rc <= 0)
        return rc;
    if (next != tag)
        return 0;
    rc = avila_der_read_expect(d, tag, value);
    return rc != 0 ? rc : 1;
}

int avila_der_read_enter(struct avila_der *d, uint32_t tag, struct avila_der *inner)
{
    struct avila_slice v;
    int rc = avila_der_read_expect(d, tag, &v);
    if (rc != 0)
        return rc;
    avila_der_init(inner, v.ptr, v.len);
    return 0;
}

int avila_der_read_sequence(struct avila_der *d, struct avila_der *inner)
{
    return avila_der_read_enter(d, AVILA_DER_SEQUENCE, inner);
}

/* Reads an element of tag `tag` and runs check on its content; the reader moves only if the
 * content is well formed (AVILA_ERANGE counts as well formed). */
#define READ_TYPED(d, tag, call)                                                                   \
    do {                                                                                           \
        struct avila_der copy_ = *(d);                                                             \
        struct avila_slice v;                                                                      \
        int rc_ = avila_der_read_expect(&copy_, (tag), &v);                                        \
        if (rc_ != 0)                                                                              \
            return rc_;                                                                            \
        rc_ = (call);                                                                              \
        if (rc_ == 0 || rc_ == AVILA_ERANGE)                                                       \
            *(d) = copy_;                                                                          \
        return rc_;                                                                                \
    } while (0)

/* 8.3.2: at least one octet; the first nine bits are not all zeros or all ones. */
static int integer_check(struct avila_slice v)
{
    if (v.len == 0)
        return AVILA_EFORMAT;
    if (v.len >= 2 &&
        ((v.ptr[0] == 0x00 && !(v.ptr[1] & 0x80)) || (v.ptr[0] == 0xff && (v.ptr[1] & 0x80))))
        return AVILA_EFORMAT;
    return 0;
}

int avila_der_integer_value(struct avila_slice v, struct avila_slice *mag)
{
    int rc = integer_check(v);
    if (rc != 0)
        return rc;
    if (v.ptr[0] & 0x80)
        return AVILA_ERANGE;
    /* Minimal: only a sign octet can be zero, and zero itself is one 0x00. */
    if (v.ptr[0] == 0)
        *mag = avila_slice_make(v.ptr + 1, v.len - 1);
    else
        *mag = v;
    return 0;
}

int avila_der_u64_value(struct avila_slice v, uint64_t *out)
{
    struct avila_slice mag;
    int rc = avila_der_integer_value(v, &mag);
    if (rc != 0)
        return rc;
    if (mag.len > 8)
        return AVILA_ERANGE;
    uint64_t x = 0;
    for (size_t i = 0; i < mag.len; i++)
        x = x << 8 | mag.ptr[i];
    *out = x;
    return 0;
}

int avila_der_i64_value(struct avila_slice v, int64_t *out)
{
    int rc = integer_check(v);
    if (rc != 0)
        return rc;
    if (v.len > 8)
        return AVILA_ERANGE;
    /* Sign-extend through unsigned arithmetic, then convert without overflow. */
    uint64_t x = (v.ptr[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < v.len; i++)
        x = x << 8 | v.ptr[i];
    *out = x <= (uint64_t)INT64_MAX ? (int64_t)x : -(int64_t)(~x) - 1;
    return 0;
}

int avila_der_bool_value(struct avila_slice v, bool *out)
{
    if (v.len != 1 || (v.ptr[0] != 0x00 && v.ptr[0] != 0xff))
        return AVILA_EFORMAT;
    *out = v.ptr[0] != 0;
    return 0;
}

int avila_der_bits_value(struct avila_slice v, struct avila_slice *bits, unsigned *unused)
{
    if (v.len == 0 || v.ptr[0] > 7)
        return AVILA_EFORMAT;
    const unsigned u = v.ptr[0];
    if (v.len == 1 && u != 0)
        return AVILA_EFORMAT;
    /* 11.2.1: the unused bits are zero. */
    if (u != 0 && (v.ptr[v.len - 1] & ((1u << u) - 1)) != 0)
        return AVILA_EFORMAT;
    *bits = avila_slice_make(v.ptr + 1, v.len - 1);
    *unused = u;
    return 0;
}

int avila_der_oid_value(struct avila_slice v)
{
    if (v.len == 0 || (v.ptr[v.len - 1] & 0x80))
        return AVILA_EFORMAT;
    /* 8.19.2: each sub-identifier as few octets as possible - never a leading 0x80. */
    bool start = true;
    for (size_t i = 0; i < v.len; i++) {
        if (start && v.ptr[i] == 0x80)
            return AVILA_EFORMAT;
        start = !(v.ptr[i] & 0x80);
    }
    return 0;
}

static int null_value(struct avila_slice v)
{
    return v.len == 0 ? 0 : AVILA_EFORMAT;
}

static int octets_value(struct avila_slice v, struct avila_slice *s)
{
    *s = v;
    return 0;
}

static int oid_out(struct avila_slice v, struct avila_slice *oid)
{
    int rc = avila_der_oid_value(v);
    if (rc == 0)
        *oid = v;
    return rc;
}

int avila_der_read_integer(struct avila_der *d, struct avila_slice *mag)
{
    READ_TYPED(d, AVILA_DER_INTEGER, avila_der_integer_value(v, mag));
}

int avila_der_read_u64(struct avila_der *d, uint64_t *v_out)
{
    READ_TYPED(d, AVILA_DER_INTEGER, avila_der_u64_value(v, v_out));
}

int avila_der_read_i64(struct avila_der *d, int64_t *v_out)
{
    READ_TYPED(d, AVILA_DER_INTEGER, avila_der_i64_value(v, v_out));
}

int avila_der_read_bool(struct avila_der *d, bool *v_out)
{
    READ_TYPED(d, AVILA_DER_BOOLEAN, avila_der_bool_value(v, v_out));
}

int avila_der_read_null(struct avila_der *d)
{
    READ_TYPED(d, AVILA_DER_NULL, null_value(v));
}

int avila_der_read_octets(struct avila_der *d, struct avila_slice *s)
{
    READ_TYPED(d, AVILA_DER_OCTET_STRING, octets_value(v, s));
}

int avila_der_read_bits(struct avila_der *d, struct avila_slice *bits, unsigned *unused)
{
    READ_TYPED(d, AVILA_DER_BIT_STRING, avila_der_bits_value(v, bits, unused));
}

int avila_der_read_oid(struct avila_der *d, struct avila_slice *oid)
{
    READ_TYPED(d, AVILA_DER_OID, oid_out(v, oid));
}

/* ------------------------------------------------------------------ writer */

void avila_der_writer_init(struct avila_der_writer *w, void *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : SIZE_MAX;
    w->len = 0;
    w->err = 0;
}

int avila_der_writer_finish(const struct avila_der_writer *w, size_t *len)
{
    if (w->err != 0)
        return w->err;
    if (len)
        *len = w->len;
    return 0;
}

static int fail(struct avila_der_writer *w, int rc)
{
    w->err = rc;
    return rc;
}

/* Appends the n bytes at p (only counts them when measuring). */
static int put(struct avila_der_writer *w, const void *p, size_t n)
{
    if (w->err != 0)
        return w->err;
    if (n > w->cap - w->len)
        return fail(w, AVILA_ENOSPC);
    if (w->buf && n != 0)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
    return 0;
}

/* Encodes tag's identifier octets into out[4]; returns their count, or a negative error. */
static int encode_tag(uint8_t out[4], uint32_t tag)
{
    const uint32_t num = AVILA_DER_TAG_NUMBER(tag);
    const uint8_t bits = AVILA_DER_TAG_BITS(tag);
    if (bits & 0x1f)
        return AVILA_EINVAL;
    if (num > AVILA_DER_TAG_NUMBER_MAX)
        return AVILA_ELIMIT;
    if ((bits & 0xc0) == 0 && num == 0)
        return AVILA_EINVAL;
    if (num < 31) {
        out[0] = (uint8_t)(bits | num);
        return 1;
    }
    int k = num < 0x80 ? 1 : num < 0x4000 ? 2 : 3;
    out[0] = (uint8_t)(bits | 0x1f);
    for (int i = 0; i < k; i++) {
        const int shift = 7 * (k - 1 - i);
        out[1 + i] = (uint8_t)(((num >> shift) & 0x7f) | (i + 1 < k ? 0x80 : 0));
    }
    return 1 + k;
}

/* Encodes a definite length into out[5]; returns the octet count, or AVILA_ELIMIT. */
static int encode_len(uint8_t out[5], size_t len)
{
    if (len < 0x80) {
        out[0] = (uint8_t)len;
        return 1;
    }
    if (len > 0xffffffffu)
        return AVILA_ELIMIT;
    int k = len <= 0xff ? 1 : len <= 0xffff ? 2 : len <= 0xffffff ? 3 : 4;
    out[0] = (uint8_t)(0x80 | k);
    for (int i = 0; i < k; i++)
        out[1 + i] = (uint8_t)(len >> (8 * (k - 1 - i)));
    return 1 + k;
}

static int put_header(struct avila_der_writer *w, uint32_t tag, size_t len)
{
    uint8_t t[4], l[5];
    int tn = encode_tag(t, tag);
    if (tn < 0)
        return w->err != 0 ? w->err : fail(w, tn);
    int ln = encode_len(l, len);
    if (ln < 0)
        return w->err != 0 ? w->err : fail(w, ln);
    int rc = put(w, t, (size_t)tn);
    return rc != 0 ? rc : put(w, l, (size_t)ln);
}

int avila_der_write_tlv(struct avila_der_writer *w, uint32_t tag, const void *value, size_t n)
{
    int rc = put_header(w, tag, n);
    return rc != 0 ? rc : put(w, value, n);
}

int avila_der_write_raw(struct avila_der_writer *w, const void *p, size_t n)
{
    return put(w, p, n);
}

int avila_der_begin(struct avila_der_writer *w, uint32_t tag, size_t *mark)
{
    *mark = 0;
    uint8_t t[4];
    if (w->err != 0)
        return w->err;
    int tn = encode_tag(t, tag);
    if (tn < 0)
        return fail(w, tn);
    int rc = put(w, t, (size_t)tn);
    if (rc != 0)
        return rc;
    *mark = w->len;
    static const uint8_t zero = 0;
    return put(w, &zero, 1);
}

int avila_der_end(struct avila_der_writer *w, size_t mark)
{
    if (w->err != 0)
        return w->err;
    if (mark >= w->len)
        return fail(w, AVILA_EINVAL);
    const size_t content = w->len - mark - 1;
    uint8_t l[5];
    int ln = encode_len(l, content);
    if (ln < 0)
        return fail(w, ln);
    const size_t extra = (size_t)ln - 1;
    if (extra > w->cap - w->len)
        return fail(w, AVILA_ENOSPC);
    if (w->buf) {
        if (extra != 0)
            memmove(w->buf + mark + 1 + extra, w->buf + mark + 1, content);
        memcpy(w->buf + mark, l, (size_t)ln);
    }
    w->len += extra;
    return 0;
}

int avila_der_write_integer_tagged(struct avila_der_writer *w, uint32_t tag, const void *mag,
                                   size_t n)
{
    const uint8_t *m = mag;
    while (n > 0 && m[0] == 0) {
        m++;
        n--;
    }
    static const uint8_t zero = 0;
    if (n == 0)
        return avila_der_write_tlv(w, tag, &zero, 1);
    const size_t sign = (m[0] & 0x80) ? 1 : 0;
    if (n + sign < n)
        return fail(w, AVILA_ELIMIT);
    int rc = put_header(w, tag, n + sign);
    if (rc == 0 && sign)
        rc = put(w, &zero, 1);
    return rc != 0 ? rc : put(w, m, n);
}

int avila_der_write_integer(struct avila_der_writer *w, const void *mag, size_t n)
{
    return avila_der_write_integer_tagged(w, AVILA_DER_INTEGER, mag, n);
}

int avila_der_write_i64(struct avila_der_writer *w, int64_t v)
{
    uint8_t b[8];
    const uint64_t x = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (56 - 8 * i));
    /* Drop leading octets while the next one carries the same sign. */
    size_t i = 0;
    while (i < 7 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) || (b[i] == 0xff && (b[i + 1] & 0x80))))
        i++;
    return avila_der_write_tlv(w, AVILA_DER_INTEGER, b + i, 8 - i);
}

int avila_der_write_bool(struct avila_der_writer *w, bool v)
{
    const uint8_t b = v ? 0xff : 0x00;
    return avila_der_write_tlv(w, AVILA_DER_BOOLEAN, &b, 1);
}

int avila_der_write_null(struct avila_der_writer *w)
{
    return avila_der_write_tlv(w, AVILA_DER_NULL, NULL, 0);
}

int avila_der_write_octets(struct avila_der_writer *w, const void *p, size_t n)
{
    return avila_der_write_tlv(w, AVILA_DER_OCTET_STRING, p, n);
}

int avila_der_write_bits(struct avila_der_writer *w, const void *p, size_t n, unsigned unused)
{
    if (w->err != 0)
        return w->err;
    const uint8_t *b = p;
    if (unused > 7 || (n == 0 && unused != 0) ||
        (unused != 0 && (b[n - 1] & ((1u << unused) - 1)) != 0))
        return fail(w, AVILA_EINVAL);
    if (n + 1 < n)
        return fail(w, AVILA_ELIMIT);
    const uint8_t u = (uint8_t)unused;
    int rc = put_header(w, AVILA_DER_BIT_STRING, n + 1);
    if (rc == 0)
        rc = put(w, &u, 1);
    return rc != 0 ? rc : put(w, p, n);
}

int avila_der_write_oid(struct avila_der_writer *w, const void *oid, size_t n)
{
    if (w->err != 0)
        return w->err;
    if (avila_der_oid_value(avila_slice_make(oid, n)) != 0)
        return fail(w, AVILA_EINVAL);
    return avila_der_write_tlv(w, AVILA_DER_OID, oid, n);
}
