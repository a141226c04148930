/*
 * net/dns_msg.c - DNS names and messages: text and wire names (RFC 1035
 * sections 2.3.4, 3.1, 5.1), the message format and name compression
 * (RFC 1035 section 4, RFC 3596 for AAAA, RFC 6891 section 6 for OPT),
 * answer validation (RFC 5452 section 9.1, RFC 2181 sections 5.4.1 and 8,
 * RFC 2308 section 5) and TCP framing (RFC 1035 section 4.2.2).
 * Pure; see net/dns.h for the contracts.
 */
#include "net/dns.h"

#include "core/endian.h"
#include "net/dns_int.h"

/* Smallest sizes on the wire: a question (root name, type, class) and a record. */
#define MIN_QUESTION 5
#define MIN_RR       11

static int fail(struct avila_dns_error *err, int rc, size_t offset, const char *reason)
{
    if (err != NULL) {
        err->offset = offset;
        err->reason = reason;
    }
    return rc;
}

/* ------------------------------------------------------------------ names */

/* Appends the label at label[0..ll) to out at *w, keeping room for the root byte. */
static int put_label(uint8_t *out, size_t *w, const uint8_t *label, size_t ll)
{
    if (*w + 1 + ll + 1 > AVILA_DNS_NAME_MAX)
        return AVILA_ELIMIT;
    out[*w] = (uint8_t)ll;
    memcpy(out + *w + 1, label, ll);
    *w += 1 + ll;
    return 0;
}

/* Decodes the escape at s[*i] (a backslash) into *b, advancing *i past it. */
static int read_escape(const char *s, size_t n, size_t *i, uint8_t *b)
{
    size_t at = *i + 1;
    if (at >= n)
        return AVILA_EFORMAT;
    uint8_t c = (uint8_t)s[at];
    if (c >= '0' && c <= '9') {
        if (n - at < 3)
            return AVILA_EFORMAT;
        unsigned v = 0;
        for (size_t k = 0; k < 3; k++) {
            uint8_t d = (uint8_t)s[at + k];
            if (d < '0' || d > '9')
                return AVILA_EFORMAT;
            v = v * 10 + (unsigned)(d - '0');
        }
        if (v > 255)
            return AVILA_EFORMAT;
        *b = (uint8_t)v;
        *i = at + 3;
        return 0;
    }
    if (c < 0x20 || c > 0x7E)
        return AVILA_EFORMAT;
    *b = c;
    *i = at + 1;
    return 0;
}

int avila_dns_name_from_text(const char *s, size_t n, uint8_t out[AVILA_DNS_NAME_MAX])
{
    if (s == NULL || out == NULL)
        return AVILA_EINVAL;
    if (n == 0)
        return AVILA_EFORMAT;
    if (n == 1 && s[0] == '.') {
        out[0] = 0;
        return 1;
    }
    uint8_t label[AVILA_DNS_LABEL_MAX];
    size_t w = 0, ll = 0, i = 0;
    while (i < n) {
        uint8_t c = (uint8_t)s[i], b;
        if (c == '.') {
            if (ll == 0)
                return AVILA_EFORMAT; /* leading dot or empty label */
            int rc = put_label(out, &w, label, ll);
            if (rc != 0)
                return rc;
            ll = 0;
            i++;
            continue;
        }
        if (c == '\\') {
            int rc = read_escape(s, n, &i, &b);
            if (rc != 0)
                return rc;
        } else if (c < 0x21 || c > 0x7E) {
            return AVILA_EFORMAT;
        } else {
            b = c;
            i++;
        }
        if (ll == AVILA_DNS_LABEL_MAX)
            return AVILA_ELIMIT;
        label[ll++] = b;
    }
    if (ll > 0) {
        int rc = put_label(out, &w, label, ll);
        if (rc != 0)
            return rc;
    }
    /* put_label kept one byte free for the root label. */
    out[w++] = 0;
    return (int)w;
}

int avila_dns_name_check(const uint8_t *name, size_t len)
{
    if (name == NULL || len == 0)
        return AVILA_EFORMAT;
    if (len > AVILA_DNS_NAME_MAX)
        return AVILA_ELIMIT;
    size_t pos = 0;
    int labels = 0;
    while (pos < len) {
        uint8_t ll = name[pos];
        if (ll == 0)
            return pos + 1 == len ? labels : AVILA_EFORMAT;
        if (ll > AVILA_DNS_LABEL_MAX)
            return AVILA_EFORMAT;
        pos += 1 + (size_t)ll;
        labels++;
    }
    return AVILA_EFORMAT; /* no root label */
}

int avila_dns_name_to_text(const uint8_t *name, size_t len, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return AVILA_ENOSPC;
    out[0] = '\0';
    int rc = avila_dns_name_check(name, len);
    if (rc < 0)
        return rc;
    if (len == 1) {
        if (cap < 2)
            return AVILA_ENOSPC;
        out[0] = '.';
        out[1] = '\0';
        return 1;
    }
    size_t w = 0, pos = 0;
    while (name[pos] != 0) {
        size_t ll = name[pos];
        if (pos != 0) {
            if (w + 1 >= cap)
                goto nospace;
            out[w++] = '.';
        }
        for (size_t k = 1; k <= ll; k++) {
            uint8_t c = name[pos + k];
            if (c == '.' || c == '\\') {
                if (w + 2 >= cap)
                    goto nospace;
                out[w++] = '\\';
                out[w++] = (char)c;
            } else if (c < 0x21 || c > 0x7E) {
                if (w + 4 >= cap)
                    goto nospace;
                out[w++] = '\\';
                out[w++] = (char)('0' + c / 100);
                out[w++] = (char)('0' + c / 10 % 10);
                out[w++] = (char)('0' + c % 10);
            } else {
                if (w + 1 >= cap)
                    goto nospace;
                out[w++] = (char)c;
            }
        }
        pos += 1 + ll;
    }
    out[w] = '\0';
    return (int)w;
nospace:
    out[0] = '\0';
    return AVILA_ENOSPC;
}

bool avila_dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen)
        return false;
    /* Length bytes are at most 63, never an upper-case letter, so lowering them is harmless. */
    for (size_t i = 0; i < alen; i++)
        if (dns_lower(a[i]) != dns_lower(b[i]))
            return false;
    return true;
}

bool avila_dns_name_is_under(const uint8_t *name, size_t len, const uint8_t *zone, size_t zlen)
{
    size_t pos = 0;
    while (pos < len) {
        if (len - pos == zlen && avila_dns_name_equal(name + pos, zlen, zone, zlen))
            return true;
        if (name[pos] == 0)
            break;
        pos += 1 + (size_t)name[pos];
    }
    return false;
}

void avila_dns_name_lower(uint8_t *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        name[i] = dns_lower(name[i]);
}

int avila_dns_name_unpack(const uint8_t *msg, size_t len, size_t off,
                          uint8_t out[AVILA_DNS_NAME_MAX], size_t *out_len, size_t *next,
                          struct avila_dns_error *err)
{
    if (msg == NULL || out == NULL || out_len == NULL || next == NULL)
        return fail(err, AVILA_EINVAL, off, "NULL argument");
    /*
     * seg: where the run of labels being read started; limit: where that run
     * must end (the message's end, then the start of the run that jumped).
     */
    size_t pos = off, seg = off, limit = len, w = 0, hops = 0, end = 0;
    static const char overlap[] = "pointed-to name overlaps the name pointing to it";
    for (;;) {
        if (pos >= limit)
            return fail(err, AVILA_EFORMAT, pos,
                        limit == len ? "name runs past the end of the message" : overlap);
        uint8_t b = msg[pos];
        if (b == 0) {
            out[w++] = 0;
            if (hops == 0)
                end = pos + 1;
            break;
        }
        switch (b & 0xC0) {
        case 0x00:
            if (limit - pos - 1 < b)
                return fail(err, AVILA_EFORMAT, pos,
                            limit == len ? "label runs past the end of the message" : overlap);
            if (w + 1 + (size_t)b + 1 > AVILA_DNS_NAME_MAX)
                return fail(err, AVILA_ELIMIT, pos, "name longer than 255 octets");
            out[w] = b;
            memcpy(out + w + 1, msg + pos + 1, b);
            w += 1 + (size_t)b;
            pos += 1 + (size_t)b;
            break;
        case 0xC0: {
            if (limit - pos < 2)
                return fail(err, AVILA_EFORMAT, pos,
                            limit == len ? "truncated compression pointer" : overlap);
            size_t target = ((size_t)(b & 0x3F) << 8) | msg[pos + 1];
            /*
             * A compressor only points at names it wrote earlier, whole: so
             * the target lies strictly before the run of labels being read,
             * and the labels found there end before that run starts. Every
             * jump then moves backward (decoding cannot loop), and the name
             * read never overlaps the bytes that pointed to it.
             */
            if (target >= seg)
                return fail(err, AVILA_EFORMAT, pos, "compression pointer does not point backward");
            if (target < AVILA_DNS_HEADER_LEN)
                return fail(err, AVILA_EFORMAT, pos, "compression pointer into the header");
            if (++hops > AVILA_DNS_MAX_POINTERS)
                return fail(err, AVILA_ELIMIT, pos, "too many compression pointers");
            if (hops == 1)
                end = pos + 2;
            limit = seg;
            pos = seg = target;
            break;
        }
        default:
            return fail(err, AVILA_EFORMAT, pos, "reserved label type");
        }
    }
    *out_len = w;
    *next = end;
    return 0;
}

/* ---------------------------------------------------------------- queries */

int avila_dns_query_init(struct avila_dns_query *q, const char *name, size_t n, uint16_t type,
                         uint16_t id)
{
    if (q == NULL)
        return AVILA_EINVAL;
    memset(q, 0, sizeof *q);
    int rc = avila_dns_name_from_text(name, n, q->name);
    if (rc < 0)
        return rc;
    q->name_len = (size_t)rc;
    q->id = id;
    q->type = type;
    q->qclass = AVILA_DNS_CLASS_IN;
    q->edns = true;
    q->udp_size = AVILA_DNS_EDNS_UDP_SIZE;
    q->rd = true;
    return 0;
}

int avila_dns_query_write(const struct avila_dns_query *q, struct avila_buf *out)
{
    if (q == NULL || out == NULL || avila_dns_name_check(q->name, q->name_len) < 0)
        return AVILA_EINVAL;
    uint8_t m[AVILA_DNS_QUERY_MAX];
    size_t w = AVILA_DNS_HEADER_LEN;
    avila_store_be16(m, q->id);
    avila_store_be16(m + 2, q->rd ? AVILA_DNS_FLAG_RD : 0);
    avila_store_be16(m + 4, 1);
    avila_store_be16(m + 6, 0);
    avila_store_be16(m + 8, 0);
    avila_store_be16(m + 10, q->edns ? 1 : 0);
    memcpy(m + w, q->name, q->name_len);
    w += q->name_len;
    avila_store_be16(m + w, q->type);
    avila_store_be16(m + w + 2, q->qclass);
    w += 4;
    if (q->edns) {
        /* OPT (RFC 6891 6.1.2): root owner, class = UDP payload size, TTL 0, no options. */
        m[w] = 0;
        avila_store_be16(m + w + 1, AVILA_DNS_TYPE_OPT);
        avila_store_be16(m + w + 3,
                         q->udp_size < AVILA_DNS_UDP_MAX ? AVILA_DNS_UDP_MAX : q->udp_size);
        avila_store_be32(m + w + 5, 0);
        avila_store_be16(m + w + 9, 0);
        w += 11;
    }
    int rc = avila_buf_append(out, m, w);
    return rc != 0 ? rc : (int)w;
}

/* ------------------------------------------------------------- messages */

static int parse_header(struct avila_dns_msg *m, const uint8_t *p, size_t len,
                        struct avila_dns_error *err)
{
    memset(m, 0, sizeof *m);
    m->opt_index = -1;
    if (len < AVILA_DNS_HEADER_LEN)
        return fail(err, AVILA_EFORMAT, len, "truncated header");
    if (len > AVILA_DNS_MSG_MAX)
        return fail(err, AVILA_ELIMIT, AVILA_DNS_MSG_MAX, "message longer than 65535 bytes");
    m->p = p;
    m->len = len;
    m->header.id = avila_load_be16(p);
    m->header.flags = avila_load_be16(p + 2);
    m->header.qdcount = avila_load_be16(p + 4);
    m->header.ancount = avila_load_be16(p + 6);
    m->header.nscount = avila_load_be16(p + 8);
    m->header.arcount = avila_load_be16(p + 10);
    m->rcode = AVILA_DNS_RCODE(m->header.flags);
    return 0;
}

static size_t rr_total(const struct avila_dns_msg *m)
{
    return (size_t)m->header.ancount + m->header.nscount + m->header.arcount;
}

/* Reads the question at *pos into q (which may be NULL), advancing *pos. */
static int parse_question(const struct avila_dns_msg *m, size_t *pos, struct avila_dns_question *q,
                          struct avila_dns_error *err)
{
    struct avila_dns_question tmp;
    if (q == NULL)
        q = &tmp;
    size_t next = 0;
    int rc = avila_dns_name_unpack(m->p, m->len, *pos, q->name, &q->name_len, &next, err);
    if (rc != 0)
        return rc;
    if (m->len - next < 4)
        return fail(err, AVILA_EFORMAT, next, "truncated question");
    q->type = avila_load_be16(m->p + next);
    q->qclass = avila_load_be16(m->p + next + 2);
    *pos = next + 4;
    return 0;
}

int avila_dns_msg_parse_question(struct avila_dns_msg *m, const void *msg, size_t len,
                                 struct avila_dns_error *err)
{
    if (m == NULL || (msg == NULL && len != 0))
        return fail(err, AVILA_EINVAL, 0, "NULL argument");
    int rc = parse_header(m, msg, len, err);
    if (rc != 0)
        return rc;
    /* Each count costs at least its minimum size: an early bound against huge counts. */
    size_t need = (size_t)m->header.qdcount * MIN_QUESTION + rr_total(m) * MIN_RR;
    if (need > len - AVILA_DNS_HEADER_LEN && !(m->header.flags & AVILA_DNS_FLAG_TC))
        return fail(err, AVILA_EFORMAT, 4, "section counts exceed the message");
    if ((size_t)m->header.qdcount * MIN_QUESTION > len - AVILA_DNS_HEADER_LEN)
        return fail(err, AVILA_EFORMAT, 4, "question count exceeds the message");
    size_t pos = AVILA_DNS_HEADER_LEN;
    for (size_t i = 0; i < m->header.qdcount; i++) {
        rc = parse_question(m, &pos, NULL, err);
        if (rc != 0)
            return rc;
    }
    m->rr_off = pos;
    return 0;
}

/* Checks that rdata holds exactly one (possibly compressed) name; decodes it into rr->target. */
static int rdata_name(const struct avila_dns_msg *m, struct avila_dns_rr *rr, size_t at,
                      size_t *next, struct avila_dns_error *err)
{
    int rc = avila_dns_name_unpack(m->p, m->len, at, rr->target, &rr->target_len, next, err);
    if (rc != 0)
        return rc;
    if (*next > rr->rdata_offset + rr->rdlength)
        return fail(err, AVILA_EFORMAT, at, "name runs past the rdata");
    return 0;
}

/* Checks and decodes the rdata of the known types. */
static int parse_rdata(const struct avila_dns_msg *m, struct avila_dns_rr *rr,
                       struct avila_dns_error *err)
{
    size_t at = rr->rdata_offset, end = at + rr->rdlength, next = at;
    int rc;
    switch (rr->type) {
    case AVILA_DNS_TYPE_A:
        if (rr->rclass != AVILA_DNS_CLASS_IN)
            return 0;
        if (rr->rdlength != 4)
            return fail(err, AVILA_EFORMAT, at - 2, "A record rdata is not 4 bytes");
        rr->addr.family = 4;
        memcpy(rr->addr.bytes, rr->rdata, 4);
        return 0;
    case AVILA_DNS_TYPE_AAAA:
        if (rr->rclass != AVILA_DNS_CLASS_IN)
            return 0;
        if (rr->rdlength != 16)
            return fail(err, AVILA_EFORMAT, at - 2, "AAAA record rdata is not 16 bytes");
        rr->addr.family = 6;
        memcpy(rr->addr.bytes, rr->rdata, 16);
        return 0;
    case AVILA_DNS_TYPE_CNAME:
    case AVILA_DNS_TYPE_NS:
    case AVILA_DNS_TYPE_PTR:
        rc = rdata_name(m, rr, at, &next, err);
        if (rc != 0)
            return rc;
        break;
    case AVILA_DNS_TYPE_SOA: {
        uint8_t rname[AVILA_DNS_NAME_MAX];
        size_t rname_len;
        rc = rdata_name(m, rr, at, &next, err);
        if (rc != 0)
            return rc;
        rc = avila_dns_name_unpack(m->p, m->len, next, rname, &rname_len, &next, err);
        if (rc != 0)
            return rc;
        if (next > end || end - next != 20)
            return fail(err, AVILA_EFORMAT, at, "SOA rdata has the wrong length");
        const uint8_t *n = m->p + next;
        rr->soa.serial = avila_load_be32(n);
        rr->soa.refresh = avila_load_be32(n + 4);
        rr->soa.retry = avila_load_be32(n + 8);
        rr->soa.expire = avila_load_be32(n + 12);
        rr->soa.minimum = avila_load_be32(n + 16);
        next = end;
        break;
    }
    case AVILA_DNS_TYPE_OPT:
        /* Options: 2-byte code, 2-byte length, data (RFC 6891 6.1.2), exactly filling rdata. */
        while (next < end) {
            if (end - next < 4 || end - next - 4 < avila_load_be16(m->p + next + 2))
                return fail(err, AVILA_EFORMAT, next, "OPT options do not fill the rdata");
            next += 4 + (size_t)avila_load_be16(m->p + next + 2);
        }
        return 0;
    default:
        return 0;
    }
    if (next != end)
        return fail(err, AVILA_EFORMAT, at, "name does not fill the rdata");
    return 0;
}

static enum avila_dns_section section_of(const struct avila_dns_msg *m, size_t index)
{
    if (index < m->header.ancount)
        return AVILA_DNS_ANSWER_SECTION;
    if (index < (size_t)m->header.ancount + m->header.nscount)
        return AVILA_DNS_AUTHORITY_SECTION;
    return AVILA_DNS_ADDITIONAL_SECTION;
}

/* Reads record number index at *pos into rr, advancing *pos. */
static int parse_rr(const struct avila_dns_msg *m, size_t *pos, size_t index,
                    struct avila_dns_rr *rr, struct avila_dns_error *err)
{
    size_t next = 0;
    memset(rr, 0, sizeof *rr);
    rr->section = section_of(m, index);
    int rc = avila_dns_name_unpack(m->p, m->len, *pos, rr->name, &rr->name_len, &next, err);
    if (rc != 0)
        return rc;
    if (m->len - next < 10)
        return fail(err, AVILA_EFORMAT, next, "truncated record");
    const uint8_t *f = m->p + next;
    rr->type = avila_load_be16(f);
    rr->rclass = avila_load_be16(f + 2);
    rr->ttl = avila_load_be32(f + 4);
    rr->rdlength = avila_load_be16(f + 8);
    rr->rdata_offset = next + 10;
    if (m->len - rr->rdata_offset < rr->rdlength)
        return fail(err, AVILA_EFORMAT, next + 8, "rdata runs past the end of the message");
    rr->rdata = m->p + rr->rdata_offset;
    rc = parse_rdata(m, rr, err);
    if (rc != 0)
        return rc;
    *pos = rr->rdata_offset + rr->rdlength;
    return 0;
}

int avila_dns_msg_parse(struct avila_dns_msg *m, const void *msg, size_t len,
                        struct avila_dns_error *err)
{
    if (m == NULL || (msg == NULL && len != 0))
        return fail(err, AVILA_EINVAL, 0, "NULL argument");
    int rc = parse_header(m, msg, len, err);
    if (rc != 0)
        return rc;
    size_t need = (size_t)m->header.qdcount * MIN_QUESTION + rr_total(m) * MIN_RR;
    if (need > len - AVILA_DNS_HEADER_LEN)
        return fail(err, AVILA_EFORMAT, 4, "section counts exceed the message");
    rc = avila_dns_msg_parse_question(m, msg, len, err);
    if (rc != 0)
        return rc;
    size_t pos = m->rr_off, total = rr_total(m);
    struct avila_dns_rr rr;
    for (size_t i = 0; i < total; i++) {
        size_t start = pos;
        rc = parse_rr(m, &pos, i, &rr, err);
        if (rc != 0)
            return rc;
        if (rr.type != AVILA_DNS_TYPE_OPT)
            continue;
        if (rr.section != AVILA_DNS_ADDITIONAL_SECTION)
            return fail(err, AVILA_EFORMAT, start, "OPT record outside the additional section");
        if (m->opt_index >= 0)
            return fail(err, AVILA_EFORMAT, start, "more than one OPT record");
        if (rr.name_len != 1)
            return fail(err, AVILA_EFORMAT, start, "OPT record not owned by the root");
        m->opt_index = (int)i;
        m->udp_size = rr.rclass;
        m->rcode = (uint16_t)(((rr.ttl >> 24) << 4) | AVILA_DNS_RCODE(m->header.flags));
    }
    if (pos != len)
        return fail(err, AVILA_EFORMAT, pos, "bytes after the last record");
    m->complete = true;
    return 0;
}

uint16_t avila_dns_msg_rcode(const struct avila_dns_msg *m)
{
    return m->rcode;
}

int avila_dns_msg_question(const struct avila_dns_msg *m, size_t index,
                           struct avila_dns_question *q)
{
    if (m == NULL || q == NULL)
        return AVILA_EINVAL;
    if (index >= m->header.qdcount)
        return AVILA_ENOTFOUND;
    size_t pos = AVILA_DNS_HEADER_LEN;
    for (size_t i = 0; i <= index; i++) {
        int rc = parse_question(m, &pos, q, NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void avila_dns_iter_init(struct avila_dns_iter *it, const struct avila_dns_msg *m)
{
    it->m = m;
    it->pos = m->rr_off;
    it->index = 0;
}

int avila_dns_iter_next(struct avila_dns_iter *it, struct avila_dns_rr *rr)
{
    if (!it->m->complete)
        return AVILA_ESTATE;
    if (it->index >= rr_total(it->m))
        return 0;
    int rc = parse_rr(it->m, &it->pos, it->index, rr, NULL);
    if (rc != 0)
        return rc;
    it->index++;
    return 1;
}

/* ------------------------------------------------------------- validation */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Finds the first CNAME of class qclass owned by name in the answer section; -1 if none. */
static long find_cname(const struct avila_dns_msg *m, const uint8_t *name, size_t len,
                       uint16_t qclass, struct avila_dns_rr *rr)
{
    struct avila_dns_iter it;
    avila_dns_iter_init(&it, m);
    for (long i = 0; avila_dns_iter_next(&it, rr) == 1; i++) {
        if (rr->section != AVILA_DNS_ANSWER_SECTION)
            break;
        if (rr->type == AVILA_DNS_TYPE_CNAME && rr->rclass == qclass &&
            avila_dns_name_equal(rr->name, rr->name_len, name, len))
            return i;
    }
    return -1;
}

/* Follows the CNAME chain from the question name; ans->cname gets its end. */
static int follow_chain(const struct avila_dns_query *q, const struct avila_dns_msg *m,
                        struct avila_dns_answer *ans, uint32_t *ttl, struct avila_dns_error *err)
{
    long used[AVILA_DNS_MAX_CNAMES] = {0};
    struct avila_dns_rr rr;
    if (q->type == AVILA_DNS_TYPE_CNAME)
        return 0;
    for (;;) {
        long i = find_cname(m, ans->cname, ans->cname_len, q->qclass, &rr);
        if (i < 0)
            return 0;
        for (size_t k = 0; k < ans->cnames; k++)
            if (used[k] == i)
                return fail(err, AVILA_EFORMAT, rr.rdata_offset, "CNAME loop");
        if (ans->cnames == AVILA_DNS_MAX_CNAMES)
            return fail(err, AVILA_ELIMIT, rr.rdata_offset, "CNAME chain too long");
        used[ans->cnames++] = i;
        *ttl = min_u32(*ttl, dns_ttl(rr.ttl));
        memcpy(ans->cname, rr.target, rr.target_len);
        ans->cname_len = rr.target_len;
    }
}

/* Collects the records of the query type owned by the canonical name. */
static void collect(const struct avila_dns_query *q, const struct avila_dns_msg *m,
                    struct avila_dns_addr *addrs, size_t max_addrs, struct avila_dns_answer *ans,
                    uint32_t *ttl)
{
    struct avila_dns_iter it;
    struct avila_dns_rr rr;
    avila_dns_iter_init(&it, m);
    while (avila_dns_iter_next(&it, &rr) == 1 && rr.section == AVILA_DNS_ANSWER_SECTION) {
        if (rr.type != q->type || rr.rclass != q->qclass ||
            !avila_dns_name_equal(rr.name, rr.name_len, ans->cname, ans->cname_len))
            continue;
        ans->records++;
        *ttl = min_u32(*ttl, dns_ttl(rr.ttl));
        if (rr.addr.family != 0 && ans->count < max_addrs)
            addrs[ans->count++] = rr.addr;
    }
}

/* The negative TTL from an SOA in the authority section above the canonical name. */
static void negative_ttl(const struct avila_dns_msg *m, struct avila_dns_answer *ans)
{
    struct avila_dns_iter it;
    struct avila_dns_rr rr;
    avila_dns_iter_init(&it, m);
    while (avila_dns_iter_next(&it, &rr) == 1) {
        if (rr.section != AVILA_DNS_AUTHORITY_SECTION || rr.type != AVILA_DNS_TYPE_SOA ||
            !avila_dns_name_is_under(ans->cname, ans->cname_len, rr.name, rr.name_len))
            continue;
        ans->has_soa = true;
        ans->ttl = min_u32(dns_ttl(rr.ttl), dns_ttl(rr.soa.minimum));
        return;
    }
}

int avila_dns_answer_validate(const struct avila_dns_query *q, const void *msg, size_t len,
                              struct avila_dns_addr *addrs, size_t max_addrs,
                              struct avila_dns_answer *ans, struct avila_dns_error *err)
{
    if (q == NULL || ans == NULL || (msg == NULL && len != 0) || (addrs == NULL && max_addrs != 0))
        return fail(err, AVILA_EINVAL, 0, "NULL argument");
    memset(ans, 0, sizeof *ans);
    const uint8_t *p = msg;
    if (len < AVILA_DNS_HEADER_LEN)
        return AVILA_DNS_MISMATCH;
    uint16_t flags = avila_load_be16(p + 2);
    if (avila_load_be16(p) != q->id || !(flags & AVILA_DNS_FLAG_QR) || AVILA_DNS_OPCODE(flags) != 0)
        return AVILA_DNS_MISMATCH;

    struct avila_dns_msg m;
    bool tc = (flags & AVILA_DNS_FLAG_TC) != 0;
    int rc =
        tc ? avila_dns_msg_parse_question(&m, p, len, err) : avila_dns_msg_parse(&m, p, len, err);
    if (rc != 0)
        return rc;
    ans->rcode = m.rcode;
    struct avila_dns_question qq;
    if (m.header.qdcount != 1 || avila_dns_msg_question(&m, 0, &qq) != 0 || qq.type != q->type ||
        qq.qclass != q->qclass || !avila_dns_name_equal(qq.name, qq.name_len, q->name, q->name_len))
        return AVILA_DNS_MISMATCH;
    if (tc)
        return AVILA_DNS_TRUNCATED;
    switch (m.rcode) {
    case AVILA_DNS_RCODE_NOERROR:
    case AVILA_DNS_RCODE_NXDOMAIN:
        break;
    case AVILA_DNS_RCODE_SERVFAIL:
    case AVILA_DNS_RCODE_REFUSED:
        return AVILA_DNS_NEXT_SERVER;
    default:
        return AVILA_DNS_RCODE_ERROR;
    }

    memcpy(ans->cname, q->name, q->name_len);
    ans->cname_len = q->name_len;
    uint32_t ttl = UINT32_MAX;
    rc = follow_chain(q, &m, ans, &ttl, err);
    if (rc != 0)
        return rc;
    collect(q, &m, addrs, max_addrs, ans, &ttl);
    if (m.rcode == AVILA_DNS_RCODE_NOERROR && ans->records > 0) {
        ans->ttl = ttl;
        return AVILA_DNS_ANSWER;
    }
    ans->records = 0;
    ans->count = 0;
    negative_ttl(&m, ans);
    return m.rcode == AVILA_DNS_RCODE_NXDOMAIN ? AVILA_DNS_NXDOMAIN : AVILA_DNS_NODATA;
}

/* --------------------------------------------------------------- framing */

int avila_dns_tcp_frame(struct avila_buf *out, const void *msg, size_t len)
{
    if (out == NULL || msg == NULL || len == 0 || len > AVILA_DNS_MSG_MAX)
        return AVILA_EINVAL;
    int rc = avila_buf_reserve(out, len + 2);
    if (rc != 0)
        return rc;
    uint8_t prefix[2];
    avila_store_be16(prefix, (uint16_t)len);
    /* Room was reserved: neither append can fail. */
    (void)avila_buf_append(out, prefix, 2);
    (void)avila_buf_append(out, msg, len);
    return (int)len + 2;
}

int avila_dns_tcp_unframe(const void *in, size_t n, const uint8_t **msg, size_t *msg_len)
{
    if ((in == NULL && n != 0) || msg == NULL || msg_len == NULL)
        return AVILA_EINVAL;
    if (n < 2)
        return AVILA_EAGAIN;
    const uint8_t *p = in;
    size_t len = avila_load_be16(p);
    if (len == 0)
        return AVILA_EFORMAT;
    if (n - 2 < len)
        return AVILA_EAGAIN;
    *msg = p + 2;
    *msg_len = len;
    return (int)len + 2;
}
