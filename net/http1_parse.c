/*
 * net/http1_parse.c - the head parsers of net/http1.h: request line (RFC
 * 9112 section 3), status line (section 4), field lines (section 5, RFC
 * 9110 section 5), message body length (RFC 9112 section 6), connection
 * persistence (section 9.3), Host (RFC 9110 section 7.2), Upgrade and
 * Expect; the error table, the limit defaults and the header helpers. Pure.
 *
 * A call on a fresh parser first tries to parse the head in one pass over
 * the bytes given, every read bounds-checked: when the head is complete and
 * valid (the usual case) that is the answer. Otherwise the bytes are
 * scanned for the end of the head, only those that arrived since the last
 * call, eight at a time, counting lines and checking the target and size
 * limits as they go; once the final empty line is there, the head is parsed
 * once more, and that parse gives the verdict (the one-pass attempt never
 * decides a failure, so reasons do not depend on how the bytes arrived).
 * Each byte is classified once per parse: the value scanner stops at the
 * first control byte, which must be the CR of the line's CRLF.
 */
#include "core/error.h"
#include "net/http1.h"
#include "net/http1_int.h"

/* The largest max_head_bytes honoured: head lengths are returned as int. */
#define HEAD_LIMIT_CEILING ((size_t)1 << 30)

/* clang-format off */
const uint8_t avila_http1_class[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0, 34,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    34, 47,  6, 39, 47, 47, 47, 47, 46, 46, 47, 47, 46, 47, 47, 38,
    63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 46, 46, 38, 46, 38, 38,
    38, 63, 63, 63, 63, 63, 63, 47, 47, 47, 47, 47, 47, 47, 47, 47,
    47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 46,  6, 46, 39, 47,
    39, 63, 63, 63, 63, 63, 63, 47, 47, 47, 47, 47, 47, 47, 47, 47,
    47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 38, 39, 38, 47,  0,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
};
/* clang-format on */

/* ------------------------------------------------------------------ errors */

struct reason_info {
    const char *text;
    unsigned short status;
};

static const struct reason_info reasons[AVILA_HTTP1_R_COUNT_] = {
    [AVILA_HTTP1_R_NONE] = {"no error", 400},
    [AVILA_HTTP1_R_BARE_LF] = {"bare LF", 400},
    [AVILA_HTTP1_R_BARE_CR] = {"bare CR", 400},
    [AVILA_HTTP1_R_METHOD] = {"invalid method", 400},
    [AVILA_HTTP1_R_REQUEST_LINE] = {"malformed request line", 400},
    [AVILA_HTTP1_R_TARGET] = {"invalid request target", 400},
    [AVILA_HTTP1_R_VERSION_SYNTAX] = {"malformed HTTP version", 400},
    [AVILA_HTTP1_R_SPACE_AFTER_START] = {"whitespace after start line", 400},
    [AVILA_HTTP1_R_OBS_FOLD] = {"obsolete line folding", 400},
    [AVILA_HTTP1_R_FIELD_NAME] = {"invalid field name", 400},
    [AVILA_HTTP1_R_SPACE_BEFORE_COLON] = {"whitespace before colon", 400},
    [AVILA_HTTP1_R_FIELD_VALUE] = {"invalid character in field value", 400},
    [AVILA_HTTP1_R_CL_INVALID] = {"invalid Content-Length", 400},
    [AVILA_HTTP1_R_CL_CONFLICT] = {"conflicting Content-Length", 400},
    [AVILA_HTTP1_R_CL_AND_TE] = {"both Content-Length and Transfer-Encoding", 400},
    [AVILA_HTTP1_R_TE_SYNTAX] = {"malformed Transfer-Encoding", 400},
    [AVILA_HTTP1_R_TE_NOT_CHUNKED] = {"transfer coding does not end in chunked", 400},
    [AVILA_HTTP1_R_TE_CHUNKED_TWICE] = {"chunked applied more than once", 400},
    [AVILA_HTTP1_R_TE_HTTP10] = {"Transfer-Encoding in HTTP/1.0", 400},
    [AVILA_HTTP1_R_HOST_MISSING] = {"missing Host", 400},
    [AVILA_HTTP1_R_HOST_MULTIPLE] = {"multiple Host fields", 400},
    [AVILA_HTTP1_R_HOST_INVALID] = {"invalid Host", 400},
    [AVILA_HTTP1_R_STATUS_LINE] = {"malformed status line", 400},
    [AVILA_HTTP1_R_STATUS_CODE] = {"invalid status code", 400},
    [AVILA_HTTP1_R_CHUNK_SIZE] = {"invalid chunk size", 400},
    [AVILA_HTTP1_R_CHUNK_OVERFLOW] = {"chunk size overflow", 400},
    [AVILA_HTTP1_R_CHUNK_EXT] = {"invalid chunk extension", 400},
    [AVILA_HTTP1_R_CHUNK_CRLF] = {"missing CRLF after chunk data", 400},
    [AVILA_HTTP1_R_CHUNK_EXT_TOO_LONG] = {"chunk line too long", 400},
    [AVILA_HTTP1_R_TRUNCATED] = {"connection closed inside body", 400},
    [AVILA_HTTP1_R_CONTENT_TOO_LARGE] = {"content too large", 413},
    [AVILA_HTTP1_R_TARGET_TOO_LONG] = {"request target too long", 414},
    [AVILA_HTTP1_R_HEAD_TOO_LARGE] = {"header section too large", 431},
    [AVILA_HTTP1_R_TOO_MANY_HEADERS] = {"too many header fields", 431},
    [AVILA_HTTP1_R_TRAILER_TOO_LARGE] = {"trailer section too large", 431},
    [AVILA_HTTP1_R_TE_UNSUPPORTED] = {"unsupported transfer coding", 501},
    [AVILA_HTTP1_R_VERSION] = {"HTTP version not supported", 505},
};

unsigned avila_http1_error_status(enum avila_http1_reason reason)
{
    if ((unsigned)reason >= AVILA_HTTP1_R_COUNT_)
        return 400;
    return reasons[reason].status;
}

const char *avila_http1_reason_text(enum avila_http1_reason reason)
{
    if ((unsigned)reason >= AVILA_HTTP1_R_COUNT_ || !reasons[reason].text)
        return "unknown reason";
    return reasons[reason].text;
}

/* The AVILA_E* code that goes with a reason's status. */
static int reason_code(enum avila_http1_reason reason)
{
    switch (avila_http1_error_status(reason)) {
    case 413:
    case 414:
    case 431:
        return AVILA_ELIMIT;
    case 501:
    case 505:
        return AVILA_EUNSUPPORTED;
    default:
        if (reason == AVILA_HTTP1_R_CHUNK_EXT_TOO_LONG)
            return AVILA_ELIMIT;
        return reason == AVILA_HTTP1_R_TRUNCATED ? AVILA_ECLOSED : AVILA_EFORMAT;
    }
}

int avila_http1_fail(struct avila_http1_error *err, enum avila_http1_reason reason, size_t offset)
{
    if (err) {
        err->reason = reason;
        err->offset = offset;
    }
    return reason_code(reason);
}

static int fail(struct avila_http1_error *err, enum avila_http1_reason reason, size_t offset)
{
    return avila_http1_fail(err, reason, offset);
}

/* ------------------------------------------------------------------ limits */

struct avila_http1_limits avila_http1_limits_resolve(const struct avila_http1_limits *lim)
{
    struct avila_http1_limits r = {0};
    if (lim)
        r = *lim;
    if (r.max_head_bytes == 0)
        r.max_head_bytes = AVILA_HTTP1_DEFAULT_MAX_HEAD_BYTES;
    if (r.max_head_bytes > HEAD_LIMIT_CEILING)
        r.max_head_bytes = HEAD_LIMIT_CEILING;
    if (r.max_headers == 0)
        r.max_headers = AVILA_HTTP1_DEFAULT_MAX_HEADERS;
    if (r.max_target == 0)
        r.max_target = AVILA_HTTP1_DEFAULT_MAX_TARGET;
    if (r.max_chunk_ext == 0)
        r.max_chunk_ext = AVILA_HTTP1_DEFAULT_MAX_CHUNK_EXT;
    if (r.max_trailer_bytes == 0)
        r.max_trailer_bytes = AVILA_HTTP1_DEFAULT_MAX_TRAILER_BYTES;
    if (r.max_content_length == 0)
        r.max_content_length = UINT64_MAX;
    return r;
}

void avila_http1_parser_reset(struct avila_http1_parser *p)
{
    p->scanned = 0;
    p->line_start = 0;
    p->lines = 0;
    p->first_sp = 0;
    p->started = false;
    p->target_seen = false;
}

void avila_http1_parser_init(struct avila_http1_parser *p, const struct avila_http1_limits *lim)
{
    p->lim = avila_http1_limits_resolve(lim);
    avila_http1_parser_reset(p);
}

/* ------------------------------------------------------------ small helpers */

/* a[0 .. n) equals the lowercase b[0 .. n) ignoring case (b has letters, digits, '-' only). */
static bool name_is(const uint8_t *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((a[i] | 0x20) != (uint8_t)b[i])
            return false;
    return true;
}

bool avila_http1_token_equal(struct avila_slice s, const char *token)
{
    size_t n = avila_slice_from_cstr(token).len;
    if (s.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (avila_http1_lower(s.ptr[i]) != avila_http1_lower((uint8_t)token[i]))
            return false;
    return true;
}

int avila_http1_header_find(const struct avila_http1_header *headers, size_t count, size_t from,
                            const char *name)
{
    if (!name || (!headers && count))
        return AVILA_EINVAL;
    for (size_t i = from; i < count && i <= (size_t)INT32_MAX; i++)
        if (avila_http1_token_equal(headers[i].name, name))
            return (int)i;
    return AVILA_ENOTFOUND;
}

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

bool avila_http1_list_next(struct avila_slice *list, struct avila_slice *elem)
{
    const uint8_t *p = list->ptr;
    size_t n = list->len, i = 0;
    for (;;) {
        while (i < n && (is_ows(p[i]) || p[i] == ','))
            i++;
        if (i == n) {
            list->ptr = p ? p + n : p;
            list->len = 0;
            return false;
        }
        size_t start = i;
        bool quoted = false;
        for (; i < n; i++) {
            if (quoted) {
                if (p[i] == '\\' && i + 1 < n)
                    i++;
                else if (p[i] == '"')
                    quoted = false;
            } else if (p[i] == '"') {
                quoted = true;
            } else if (p[i] == ',') {
                break;
            }
        }
        size_t end = i;
        while (end > start && is_ows(p[end - 1]))
            end--;
        list->ptr = p + i;
        list->len = n - i;
        *elem = avila_slice_make(p + start, end - start);
        return true;
    }
}

bool avila_http1_list_contains(struct avila_slice list, const char *token)
{
    struct avila_slice e;
    while (avila_http1_list_next(&list, &e))
        if (avila_http1_token_equal(e, token))
            return true;
    return false;
}

bool avila_http1_parse_u64(const uint8_t *s, size_t n, uint64_t *v)
{
    if (n == 0)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)s[i] - '0';
        if (d > 9)
            return false;
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

/* ------------------------------------------------------------- field lines */

int avila_http1_field_line(const uint8_t *p, size_t avail, struct avila_http1_header *h,
                           enum avila_http1_reason *reason, size_t *at)
{
    size_t i = 0;
    while (i < avail && avila_http1_is_tchar(p[i]))
        i++;
    if (i == avail) {
        /* Only when the caller did not find the line's end (the one-pass attempt). */
        *reason = AVILA_HTTP1_R_NONE;
        *at = i;
        return AVILA_EAGAIN;
    }
    if (p[i] != ':') {
        if (i > 0 && is_ows(p[i])) {
            size_t j = i;
            while (j < avail && is_ows(p[j]))
                j++;
            if (j < avail && p[j] == ':') {
                *reason = AVILA_HTTP1_R_SPACE_BEFORE_COLON;
                *at = i;
                return AVILA_EFORMAT;
            }
        }
        *reason = p[i] == '\r' && i + 1 < avail && p[i + 1] != '\n' ? AVILA_HTTP1_R_BARE_CR
                                                                    : AVILA_HTTP1_R_FIELD_NAME;
        *at = i;
        return AVILA_EFORMAT;
    }
    if (i == 0) {
        *reason = AVILA_HTTP1_R_FIELD_NAME;
        *at = 0;
        return AVILA_EFORMAT;
    }
    h->name = avila_slice_make(p, i);
    i++;
    while (i < avail && is_ows(p[i]))
        i++;
    size_t vstart = i;
    i += avila_http1_scan_value(p + i, avail - i);
    if (i + 1 >= avail || p[i] != '\r' || p[i + 1] != '\n') {
        *reason = i < avail && p[i] == '\r' ? AVILA_HTTP1_R_BARE_CR : AVILA_HTTP1_R_FIELD_VALUE;
        *at = i;
        return AVILA_EFORMAT;
    }
    size_t vend = i;
    while (vend > vstart && is_ows(p[vend - 1]))
        vend--;
    h->value = avila_slice_make(p + vstart, vend - vstart);
    return (int)i;
}

/* ------------------------------------------------------- finding the end */

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/*
 * First line of a request, bytes [from, to) not seen before: notes where
 * its first SP is and where the target ends, and fails with 414 as soon as
 * the target (from the first SP to the next SP or CR, or to the end so far)
 * is longer than max_target.
 */
static int track_request_line(struct avila_http1_parser *p, const uint8_t *b, size_t from,
                              size_t to, struct avila_http1_error *err)
{
    if (p->target_seen || from >= to)
        return 0;
    if (p->first_sp == 0) {
        while (from < to && b[from] != ' ')
            from++;
        if (from == to)
            return 0;
        p->first_sp = ++from;
    }
    while (from < to && b[from] != ' ' && b[from] != '\r')
        from++;
    if (from - p->first_sp > p->lim.max_target)
        return fail(err, AVILA_HTTP1_R_TARGET_TOO_LONG, p->first_sp + p->lim.max_target);
    p->target_seen = from < to;
    return 0;
}

/*
 * Scans b[p->scanned .. len) for the end of the head. Returns its length
 * (> 0), AVILA_EAGAIN, or an error (bare LF, too many lines, too many
 * bytes, target too long).
 */
static int find_end(struct avila_http1_parser *p, const uint8_t *b, size_t len, bool request,
                    size_t max_lines, struct avila_http1_error *err)
{
    size_t i = p->scanned;
    if (i > len) {
        /* The caller's bytes shrank: start over rather than trust old offsets. */
        avila_http1_parser_reset(p);
        i = 0;
    }
    const size_t entry = i;
    while (i < len) {
        size_t lf = i + avila_http1_find_lf(b + i, len - i);
        if (lf == len)
            break;
        if (request && p->lines == 0 && lf > p->line_start + 1) {
            int rc = track_request_line(p, b, entry > p->line_start ? entry : p->line_start,
                                        min_size(lf, p->lim.max_head_bytes), err);
            if (rc < 0)
                return rc;
        }
        if (lf + 1 > p->lim.max_head_bytes)
            return fail(err, AVILA_HTTP1_R_HEAD_TOO_LARGE, p->lim.max_head_bytes);
        if (lf == 0 || b[lf - 1] != '\r')
            return fail(err, AVILA_HTTP1_R_BARE_LF, lf);
        if (lf == p->line_start + 1) {
            /* An empty line: before the start line it is skipped (requests), else the end. */
            if (p->started)
                return (int)(lf + 1);
            if (!request)
                return fail(err, AVILA_HTTP1_R_STATUS_LINE, 0);
        } else {
            p->started = true;
            if (++p->lines > max_lines + 1)
                return fail(err, AVILA_HTTP1_R_TOO_MANY_HEADERS, p->line_start);
        }
        p->line_start = lf + 1;
        i = lf + 1;
    }
    if (request && p->lines == 0 && len > p->line_start) {
        int rc = track_request_line(p, b, entry > p->line_start ? entry : p->line_start,
                                    min_size(len, p->lim.max_head_bytes), err);
        if (rc < 0)
            return rc;
    }
    /* The head is longer than len: at len == max it can no longer fit. */
    if (len >= p->lim.max_head_bytes)
        return fail(err, AVILA_HTTP1_R_HEAD_TOO_LARGE, p->lim.max_head_bytes);
    p->scanned = len;
    return AVILA_EAGAIN;
}

/* ------------------------------------------------------------ field semantics */

/* What the fields of a head say about framing and the connection. */
struct fields {
    size_t count;
    uint64_t content_length;
    size_t cl_at, te_at, host_at; /* offsets of the first such field line */
    bool cl, te;
    bool last_chunked, other_coding;
    unsigned chunked;
    unsigned hosts;
    bool conn_close, conn_keep_alive, conn_upgrade;
    bool has_upgrade, expect_continue;
    struct avila_slice host, upgrade;
};

/* Transfer-Encoding: 1#transfer-coding, codings being tokens with optional parameters. */
static enum avila_http1_reason transfer_codings(struct fields *f, struct avila_slice v)
{
    struct avila_slice e;
    bool any = false;
    while (avila_http1_list_next(&v, &e)) {
        size_t n = 0;
        while (n < e.len && avila_http1_is_tchar(e.ptr[n]))
            n++;
        if (n == 0)
            return AVILA_HTTP1_R_TE_SYNTAX;
        if (n < e.len) {
            /* Parameters: only after OWS ';'. chunked takes none. */
            size_t k = n;
            while (k < e.len && is_ows(e.ptr[k]))
                k++;
            if (k == e.len || e.ptr[k] != ';')
                return AVILA_HTTP1_R_TE_SYNTAX;
        }
        any = true;
        if (n == 7 && name_is(e.ptr, "chunked", 7)) {
            if (n < e.len)
                return AVILA_HTTP1_R_TE_SYNTAX;
            f->chunked++;
            f->last_chunked = true;
        } else {
            f->other_coding = true;
            f->last_chunked = false;
        }
    }
    return any ? AVILA_HTTP1_R_NONE : AVILA_HTTP1_R_TE_SYNTAX;
}

/* Takes note of one field; returns a reason to refuse the message, or R_NONE. */
static enum avila_http1_reason note_field(struct fields *f, const struct avila_http1_header *h,
                                          size_t at)
{
    const uint8_t *n = h->name.ptr;
    switch (h->name.len) {
    case 4:
        if (name_is(n, "host", 4)) {
            if (f->hosts++ == 0) {
                f->host = h->value;
                f->host_at = at;
            }
        }
        break;
    case 6:
        if (name_is(n, "expect", 6) && avila_http1_list_contains(h->value, "100-continue"))
            f->expect_continue = true;
        break;
    case 7:
        if (name_is(n, "upgrade", 7) && !f->has_upgrade) {
            f->has_upgrade = true;
            f->upgrade = h->value;
        }
        break;
    case 10:
        if (name_is(n, "connection", 10)) {
            struct avila_slice list = h->value, e;
            while (avila_http1_list_next(&list, &e)) {
                if (avila_http1_token_equal(e, "close"))
                    f->conn_close = true;
                else if (avila_http1_token_equal(e, "keep-alive"))
                    f->conn_keep_alive = true;
                else if (avila_http1_token_equal(e, "upgrade"))
                    f->conn_upgrade = true;
            }
        }
        break;
    case 14:
        if (name_is(n, "content-length", 14)) {
            uint64_t v;
            if (!avila_http1_parse_u64(h->value.ptr, h->value.len, &v))
                return AVILA_HTTP1_R_CL_INVALID;
            if (f->cl && v != f->content_length)
                return AVILA_HTTP1_R_CL_CONFLICT;
            if (!f->cl)
                f->cl_at = at;
            f->cl = true;
            f->content_length = v;
        }
        break;
    case 17:
        if (name_is(n, "transfer-encoding", 17)) {
            if (!f->te)
                f->te_at = at;
            f->te = true;
            return transfer_codings(f, h->value);
        }
        break;
    default:
        break;
    }
    return AVILA_HTTP1_R_NONE;
}

/*
 * Parses the field lines from b[i] to the empty line that ends the head
 * into headers[0 .. cap) and *f. Reads nothing at or past b[n]. Returns the
 * head's length (the offset after the empty line), or an error (also when
 * the head does not end within n bytes).
 */
static int parse_fields(const uint8_t *b, size_t i, size_t n, struct avila_http1_header *headers,
                        size_t cap, struct fields *f, struct avila_http1_error *err)
{
    if (i < n && is_ows(b[i]))
        return fail(err, AVILA_HTTP1_R_SPACE_AFTER_START, i);
    while (i < n && b[i] != '\r') {
        if (is_ows(b[i]))
            return fail(err, AVILA_HTTP1_R_OBS_FOLD, i);
        if (f->count == cap)
            return fail(err, AVILA_HTTP1_R_TOO_MANY_HEADERS, i);
        enum avila_http1_reason why;
        size_t at;
        struct avila_http1_header *h = &headers[f->count];
        int k = avila_http1_field_line(b + i, n - i, h, &why, &at);
        if (k < 0)
            return fail(err, why, i + at);
        why = note_field(f, h, i);
        if (why != AVILA_HTTP1_R_NONE)
            return fail(err, why, i);
        f->count++;
        i += (size_t)k + 2;
    }
    if (i + 1 >= n || b[i + 1] != '\n')
        return fail(err, AVILA_HTTP1_R_BARE_CR, i);
    return (int)(i + 2);
}

/* "HTTP/" DIGIT "." DIGIT at b: the major digit, or -1. *minor gets the minor one. */
static int version(const uint8_t *b, unsigned *minor)
{
    if (memcmp(b, "HTTP/", 5) != 0 || b[6] != '.')
        return -1;
    unsigned major = (unsigned)b[5] - '0', mi = (unsigned)b[7] - '0';
    if (major > 9 || mi > 9)
        return -1;
    *minor = mi;
    return (int)major;
}

/* ------------------------------------------------------------------ requests */

static enum avila_http1_method method_id(const uint8_t *m, size_t n)
{
    static const struct {
        const char *name;
        enum avila_http1_method id;
    } known[] = {
        {"GET", AVILA_HTTP1_METHOD_GET},         {"HEAD", AVILA_HTTP1_METHOD_HEAD},
        {"POST", AVILA_HTTP1_METHOD_POST},       {"PUT", AVILA_HTTP1_METHOD_PUT},
        {"DELETE", AVILA_HTTP1_METHOD_DELETE},   {"CONNECT", AVILA_HTTP1_METHOD_CONNECT},
        {"OPTIONS", AVILA_HTTP1_METHOD_OPTIONS}, {"TRACE", AVILA_HTTP1_METHOD_TRACE},
        {"PATCH", AVILA_HTTP1_METHOD_PATCH},
    };
    if (n == 3 && m[0] == 'G' && m[1] == 'E' && m[2] == 'T')
        return AVILA_HTTP1_METHOD_GET;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(known); i++)
        if (avila_slice_from_cstr(known[i].name).len == n && memcmp(known[i].name, m, n) == 0)
            return known[i].id;
    return AVILA_HTTP1_METHOD_OTHER;
}

static bool is_alpha(uint8_t c)
{
    return (uint8_t)((c | 0x20) - 'a') < 26;
}

static bool is_digit(uint8_t c)
{
    return (uint8_t)(c - '0') < 10;
}

/* Every byte of s is a uri-host / port character. */
static bool host_chars(struct avila_slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!(avila_http1_class[s.ptr[i]] & AVILA_HTTP1_C_HOST))
            return false;
    return true;
}

/* authority-form: uri-host ":" port, host non-empty, port 1*DIGIT (RFC 9112 section 3.2.3). */
static bool authority_form(struct avila_slice t)
{
    size_t colon = t.len;
    while (colon > 0 && is_digit(t.ptr[colon - 1]))
        colon--;
    if (colon < 2 || colon == t.len || t.ptr[colon - 1] != ':')
        return false;
    return host_chars(avila_slice_make(t.ptr, colon - 1));
}

/* absolute-form: scheme ":" ... with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static bool absolute_form(struct avila_slice t)
{
    if (t.len == 0 || !is_alpha(t.ptr[0]))
        return false;
    for (size_t i = 1; i < t.len; i++) {
        uint8_t c = t.ptr[i];
        if (c == ':')
            return i + 1 < t.len;
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
            return false;
    }
    return false;
}

/* The request line at b[i ..]; returns the offset of its first field line. */
static int request_line(const struct avila_http1_parser *p, const uint8_t *b, size_t i,
                        size_t head_len, struct avila_http1_request *req,
                        struct avila_http1_error *err)
{
    size_t m = i;
    while (i < head_len && avila_http1_is_tchar(b[i]))
        i++;
    if (i == head_len)
        return fail(err, AVILA_HTTP1_R_REQUEST_LINE, i);
    if (b[i] != ' ' || i == m)
        return fail(err,
                    b[i] == '\r' || (b[i] == ' ' && i == m) ? AVILA_HTTP1_R_REQUEST_LINE
                                                            : AVILA_HTTP1_R_METHOD,
                    i);
    req->method = avila_slice_make(b + m, i - m);
    req->method_id = method_id(b + m, i - m);
    size_t t = ++i;
    while (i < head_len && (avila_http1_class[b[i]] & AVILA_HTTP1_C_VCHAR))
        i++;
    if (i - t > p->lim.max_target)
        return fail(err, AVILA_HTTP1_R_TARGET_TOO_LONG, t + p->lim.max_target);
    if (i == head_len)
        return fail(err, AVILA_HTTP1_R_REQUEST_LINE, i);
    if (b[i] != ' ' || i == t)
        return fail(err,
                    b[i] == ' ' || b[i] == '\r' ? AVILA_HTTP1_R_REQUEST_LINE : AVILA_HTTP1_R_TARGET,
                    i);
    req->target = avila_slice_make(b + t, i - t);
    i++;
    unsigned minor = 0;
    int major = head_len - i >= 10 ? version(b + i, &minor) : -1;
    if (major < 0 || b[i + 8] != '\r') {
        /* A SP in what should be the version: an extra space, not a bad version. */
        size_t k = i;
        while (k < head_len && b[k] != '\r' && b[k] != ' ')
            k++;
        bool sp = k < head_len && b[k] == ' ';
        return fail(err, sp ? AVILA_HTTP1_R_REQUEST_LINE : AVILA_HTTP1_R_VERSION_SYNTAX, i);
    }
    if (b[i + 9] != '\n')
        return fail(err, AVILA_HTTP1_R_BARE_CR, i + 8);
    if (major != 1)
        return fail(err, AVILA_HTTP1_R_VERSION, i);
    req->version_minor = minor == 0 ? 0 : 1;
    return (int)(i + 10);
}

/* The target's form, as the method allows it (RFC 9112 section 3.2). */
static bool target_form(struct avila_http1_request *req)
{
    struct avila_slice t = req->target;
    if (req->method_id == AVILA_HTTP1_METHOD_CONNECT) {
        req->target_form = AVILA_HTTP1_TARGET_AUTHORITY;
        return authority_form(t);
    }
    if (t.ptr[0] == '/') {
        req->target_form = AVILA_HTTP1_TARGET_ORIGIN;
        return true;
    }
    if (t.len == 1 && t.ptr[0] == '*') {
        req->target_form = AVILA_HTTP1_TARGET_ASTERISK;
        return req->method_id == AVILA_HTTP1_METHOD_OPTIONS;
    }
    req->target_form = AVILA_HTTP1_TARGET_ABSOLUTE;
    return absolute_form(t);
}

static int request_head(const struct avila_http1_parser *p, const uint8_t *b, size_t n,
                        struct avila_http1_header *headers, size_t cap,
                        struct avila_http1_request *req, struct avila_http1_error *err);

static int response_head(const struct avila_http1_parser *p, const uint8_t *b, size_t n,
                         enum avila_http1_method request_method, struct avila_http1_header *headers,
                         size_t cap, struct avila_http1_response *resp,
                         struct avila_http1_error *err);

/* Which head parse_head reads: a request (req set) or a response to request_method. */
struct head_kind {
    struct avila_http1_request *req;
    struct avila_http1_response *resp;
    enum avila_http1_method request_method;
};

static int head_of_kind(const struct avila_http1_parser *p, const uint8_t *b, size_t n,
                        struct avila_http1_header *headers, size_t cap, const struct head_kind *k,
                        struct avila_http1_error *err)
{
    if (k->req != NULL)
        return request_head(p, b, n, headers, cap, k->req, err);
    return response_head(p, b, n, k->request_method, headers, cap, k->resp, err);
}

/*
 * The incremental driver both public parsers share: usually the whole head
 * is there, so it is parsed in one pass without searching for its end
 * first; otherwise find_end scans incrementally and the head is parsed
 * once complete.
 */
static int parse_head(struct avila_http1_parser *p, const void *buf, size_t len,
                      struct avila_http1_header *headers, size_t headers_cap,
                      const struct head_kind *k, struct avila_http1_error *err)
{
    struct avila_http1_parser local;
    if ((!buf && len) || (!headers && headers_cap))
        return AVILA_EINVAL;
    if (!p) {
        avila_http1_parser_init(&local, NULL);
        p = &local;
    }
    const uint8_t *b = buf;
    size_t cap = min_size(headers_cap, p->lim.max_headers);
    if (p->scanned == 0) {
        int rc = head_of_kind(p, b, len, headers, cap, k, NULL);
        if (rc > 0)
            return rc;
    }
    int rc = find_end(p, b, len, k->req != NULL, cap, err);
    if (rc == AVILA_EAGAIN)
        return rc;
    avila_http1_parser_reset(p);
    if (rc < 0)
        return rc;
    return head_of_kind(p, b, (size_t)rc, headers, cap, k, err);
}

int avila_http1_parse_request(struct avila_http1_parser *p, const void *buf, size_t len,
                              struct avila_http1_header *headers, size_t headers_cap,
                              struct avila_http1_request *req, struct avila_http1_error *err)
{
    if (!req)
        return AVILA_EINVAL;
    struct head_kind kind = {.req = req};
    return parse_head(p, buf, len, headers, headers_cap, &kind, err);
}

/*
 * Parses a request head in b[0 .. n). With n the head's length as find_end
 * found it, this is the verdict. With n the bytes received so far (the
 * one-pass attempt) a success is the same verdict, since every rule
 * find_end checks holds then, and a failure (also for want of bytes) means
 * nothing: find_end decides.
 */
static int request_head(const struct avila_http1_parser *p, const uint8_t *b, size_t n,
                        struct avila_http1_header *headers, size_t cap,
                        struct avila_http1_request *req, struct avila_http1_error *err)
{
    size_t i = 0;
    while (i + 1 < n && b[i] == '\r' && b[i + 1] == '\n')
        i += 2; /* leading empty lines */
    if (i < n && b[i] == '\r')
        return fail(err, AVILA_HTTP1_R_BARE_CR, i);
    *req = (struct avila_http1_request){.headers = headers};
    int rc = request_line(p, b, i, n, req, err);
    if (rc < 0)
        return rc;
    i = (size_t)rc;
    struct fields f = {0};
    rc = parse_fields(b, i, n, headers, cap, &f, err);
    if (rc < 0)
        return rc;
    size_t head_len = (size_t)rc;
    if (head_len > p->lim.max_head_bytes)
        return fail(err, AVILA_HTTP1_R_HEAD_TOO_LARGE, p->lim.max_head_bytes);
    req->header_count = f.count;
    if (!target_form(req))
        return fail(err, AVILA_HTTP1_R_TARGET, 0);

    if (f.te && req->version_minor == 0)
        return fail(err, AVILA_HTTP1_R_TE_HTTP10, f.te_at);
    if (f.te && f.cl)
        return fail(err, AVILA_HTTP1_R_CL_AND_TE, f.te_at > f.cl_at ? f.te_at : f.cl_at);
    if (f.te) {
        if (f.chunked > 1)
            return fail(err, AVILA_HTTP1_R_TE_CHUNKED_TWICE, f.te_at);
        if (!f.last_chunked)
            return fail(err, AVILA_HTTP1_R_TE_NOT_CHUNKED, f.te_at);
        if (f.other_coding)
            return fail(err, AVILA_HTTP1_R_TE_UNSUPPORTED, f.te_at);
        req->body = AVILA_HTTP1_BODY_CHUNKED;
    } else if (f.cl && f.content_length > 0) {
        if (f.content_length > p->lim.max_content_length)
            return fail(err, AVILA_HTTP1_R_CONTENT_TOO_LARGE, f.cl_at);
        req->body = AVILA_HTTP1_BODY_LENGTH;
        req->content_length = f.content_length;
    }

    if (f.hosts > 1)
        return fail(err, AVILA_HTTP1_R_HOST_MULTIPLE, f.host_at);
    if (f.hosts == 0 && req->version_minor == 1)
        return fail(err, AVILA_HTTP1_R_HOST_MISSING, i);
    if (f.hosts == 1 && !host_chars(f.host))
        return fail(err, AVILA_HTTP1_R_HOST_INVALID, f.host_at);
    req->has_host = f.hosts == 1;
    req->host = f.host;

    if (req->version_minor == 1) {
        req->keep_alive = !f.conn_close;
        req->expect_continue = f.expect_continue;
        req->upgrade = f.has_upgrade && f.conn_upgrade;
        if (req->upgrade)
            req->upgrade_value = f.upgrade;
    } else {
        req->keep_alive = f.conn_keep_alive && !f.conn_close;
    }
    return (int)head_len;
}

/* ------------------------------------------------------------------ responses */

/* The status line at b[0 ..]; returns the offset of its first field line. */
static int status_line(const uint8_t *b, size_t head_len, struct avila_http1_response *resp,
                       struct avila_http1_error *err)
{
    unsigned minor = 0;
    int major = head_len >= 14 ? version(b, &minor) : -1;
    if (major < 0 || b[8] != ' ' || !is_digit(b[9]) || !is_digit(b[10]) || !is_digit(b[11]))
        return fail(err, AVILA_HTTP1_R_STATUS_LINE, 0);
    if (major != 1)
        return fail(err, AVILA_HTTP1_R_VERSION, 0);
    resp->version_minor = minor == 0 ? 0 : 1;
    resp->status = (unsigned)(b[9] - '0') * 100 + (unsigned)(b[10] - '0') * 10 + (b[11] - '0');
    if (resp->status < 100 || resp->status > 599)
        return fail(err, AVILA_HTTP1_R_STATUS_CODE, 9);
    size_t i = 12;
    if (b[i] == ' ') {
        i++;
        i += avila_http1_scan_value(b + i, head_len - i);
        resp->reason = avila_slice_make(b + 13, i - 13);
    } else {
        resp->reason = avila_slice_make(b + 12, 0);
    }
    if (i + 1 >= head_len || b[i] != '\r')
        return fail(err, AVILA_HTTP1_R_STATUS_LINE, i);
    if (b[i + 1] != '\n')
        return fail(err, AVILA_HTTP1_R_BARE_CR, i);
    return (int)(i + 2);
}

/* A response head in b[0 .. n), as request_head does it for requests. */
static int response_head(const struct avila_http1_parser *p, const uint8_t *b, size_t n,
                         enum avila_http1_method request_method, struct avila_http1_header *headers,
                         size_t cap, struct avila_http1_response *resp,
                         struct avila_http1_error *err)
{
    *resp = (struct avila_http1_response){.headers = headers};
    int rc = status_line(b, n, resp, err);
    if (rc < 0)
        return rc;
    struct fields f = {0};
    rc = parse_fields(b, (size_t)rc, n, headers, cap, &f, err);
    if (rc < 0)
        return rc;
    size_t head_len = (size_t)rc;
    if (head_len > p->lim.max_head_bytes)
        return fail(err, AVILA_HTTP1_R_HEAD_TOO_LARGE, p->lim.max_head_bytes);
    resp->header_count = f.count;

    /* Framing errors first: they make the connection unusable whatever the status. */
    if (f.te && resp->version_minor == 0)
        return fail(err, AVILA_HTTP1_R_TE_HTTP10, f.te_at);
    if (f.te && f.cl)
        return fail(err, AVILA_HTTP1_R_CL_AND_TE, f.te_at > f.cl_at ? f.te_at : f.cl_at);
    if (f.chunked > 1)
        return fail(err, AVILA_HTTP1_R_TE_CHUNKED_TWICE, f.te_at);

    unsigned s = resp->status;
    resp->interim = s < 200 && s != 101;
    resp->other_codings = f.other_coding;
    if (request_method == AVILA_HTTP1_METHOD_HEAD || s < 200 || s == 204 || s == 304) {
        resp->body = AVILA_HTTP1_BODY_NONE;
    } else if (request_method == AVILA_HTTP1_METHOD_CONNECT && s < 300) {
        resp->body = AVILA_HTTP1_BODY_TUNNEL;
    } else if (f.te) {
        resp->body = f.last_chunked ? AVILA_HTTP1_BODY_CHUNKED : AVILA_HTTP1_BODY_CLOSE;
    } else if (f.cl) {
        if (f.content_length > p->lim.max_content_length)
            return fail(err, AVILA_HTTP1_R_CONTENT_TOO_LARGE, f.cl_at);
        resp->body = f.content_length ? AVILA_HTTP1_BODY_LENGTH : AVILA_HTTP1_BODY_NONE;
        resp->content_length = f.content_length;
    } else {
        resp->body = AVILA_HTTP1_BODY_CLOSE;
    }
    if (resp->version_minor == 1)
        resp->keep_alive = !f.conn_close;
    else
        resp->keep_alive = f.conn_keep_alive && !f.conn_close;
    if (resp->body == AVILA_HTTP1_BODY_CLOSE || resp->body == AVILA_HTTP1_BODY_TUNNEL || s == 101)
        resp->keep_alive = false;
    return (int)head_len;
}

int avila_http1_parse_response(struct avila_http1_parser *p, const void *buf, size_t len,
                               enum avila_http1_method request_method,
                               struct avila_http1_header *headers, size_t headers_cap,
                               struct avila_http1_response *resp, struct avila_http1_error *err)
{
    if (!resp)
        return AVILA_EINVAL;
    struct head_kind kind = {.resp = resp, .request_method = request_method};
    return parse_head(p, buf, len, headers, headers_cap, &kind, err);
}
