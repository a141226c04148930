/*
 * net/http1_chunked.c - the body decoders of net/http1.h: Content-Length
 * (RFC 9112 section 6.2), the chunked transfer coding (section 7.1: chunk
 * size, chunk extensions, chunk data, last chunk, trailer section) and a
 * body that runs until the connection closes (section 6.3 rule 8). Pure.
 *
 * Chunk lines are decoded one byte at a time by a state machine, so input
 * may be split anywhere in them without being presented twice; data comes
 * out as spans of the input. Trailer field lines are the one place that
 * needs a whole line at once: an incomplete one is left unconsumed (and is
 * bounded by max_trailer_bytes), and the scan for its LF resumes where it
 * stopped.
 *
 * chunk-ext grammar (section 7.1.1), whitespace (BWS) only where it allows:
 *   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 */
#include "core/error.h"
#include "net/http1.h"
#include "net/http1_int.h"

enum state {
    ST_SIZE_FIRST, /* the first hex digit of a chunk size */
    ST_SIZE,       /* more hex digits */
    ST_BWS_SEMI,   /* whitespace that must lead to ';' */
    ST_NAME_START, /* after ';': BWS, then an extension name */
    ST_NAME,       /* in an extension name */
    ST_NAME_BWS,   /* whitespace after a name: '=' or ';' next */
    ST_VAL_START,  /* after '=': BWS, then a token or a quoted string */
    ST_TOKEN,      /* in a token value */
    ST_QUOTED,     /* in a quoted string */
    ST_QPAIR,      /* after a backslash in a quoted string */
    ST_QEND,       /* after the closing quote */
    ST_SIZE_LF,    /* the LF of a chunk line */
    ST_DATA,       /* chunk data */
    ST_DATA_CR,    /* the CRLF after chunk data */
    ST_DATA_LF,
    ST_TRAILER, /* trailer field lines, then the final CRLF */
    ST_LENGTH,  /* Content-Length body */
    ST_CLOSE,   /* body until the connection closes, or a tunnel */
    ST_DONE,
};

void avila_http1_body_init(struct avila_http1_body *d, enum avila_http1_framing framing,
                           uint64_t content_length, const struct avila_http1_limits *lim)
{
    struct avila_http1_limits l = avila_http1_limits_resolve(lim);
    *d = (struct avila_http1_body){
        .framing = framing,
        .max_total = l.max_content_length,
        .max_line = l.max_chunk_ext,
        .max_trailer_bytes = l.max_trailer_bytes,
        .max_trailers = l.max_headers,
    };
    switch (framing) {
    case AVILA_HTTP1_BODY_LENGTH:
        d->state = ST_LENGTH;
        d->remaining = content_length;
        break;
    case AVILA_HTTP1_BODY_CHUNKED:
        d->state = ST_SIZE_FIRST;
        break;
    case AVILA_HTTP1_BODY_CLOSE:
    case AVILA_HTTP1_BODY_TUNNEL:
        d->state = ST_CLOSE;
        break;
    default:
        d->state = ST_DONE;
        break;
    }
}

bool avila_http1_body_done(const struct avila_http1_body *d)
{
    return d->state == ST_DONE;
}

int avila_http1_body_eof(struct avila_http1_body *d, struct avila_http1_error *err)
{
    if (d->rc < 0)
        return avila_http1_fail(err, d->reason, 0);
    if (d->state == ST_CLOSE)
        d->state = ST_DONE;
    if (d->state == ST_DONE)
        return 0;
    d->reason = AVILA_HTTP1_R_TRUNCATED;
    d->rc = AVILA_ECLOSED;
    return avila_http1_fail(err, d->reason, 0);
}

/* Records the first error; every later call returns it. */
static int stop(struct avila_http1_body *d, enum avila_http1_reason reason, size_t at,
                struct avila_http1_error *err)
{
    d->reason = reason;
    d->rc = avila_http1_fail(err, reason, at);
    return d->rc;
}

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static int hex_value(uint8_t c)
{
    if ((uint8_t)(c - '0') < 10)
        return c - '0';
    c |= 0x20;
    if ((uint8_t)(c - 'a') < 6)
        return c - 'a' + 10;
    return -1;
}

/*
 * One byte of a chunk line, in the states ST_SIZE_FIRST .. ST_QEND: the next
 * state, or a reason to refuse (as a negative number).
 */
static int chunk_line_byte(struct avila_http1_body *d, uint8_t c)
{
    const uint8_t cls = avila_http1_class[c];
    switch (d->state) {
    case ST_SIZE_FIRST:
        if (hex_value(c) < 0)
            return -AVILA_HTTP1_R_CHUNK_SIZE;
        d->remaining = (uint64_t)hex_value(c);
        return ST_SIZE;
    case ST_SIZE:
        if (hex_value(c) >= 0) {
            if (d->remaining > (UINT64_MAX >> 4))
                return -AVILA_HTTP1_R_CHUNK_OVERFLOW;
            d->remaining = d->remaining << 4 | (uint64_t)hex_value(c);
            return ST_SIZE;
        }
        if (c == ';')
            return ST_NAME_START;
        if (is_ows(c))
            return ST_BWS_SEMI;
        if (c == '\r')
            return ST_SIZE_LF;
        return -AVILA_HTTP1_R_CHUNK_SIZE;
    case ST_BWS_SEMI:
        if (is_ows(c))
            return ST_BWS_SEMI;
        return c == ';' ? ST_NAME_START : -AVILA_HTTP1_R_CHUNK_EXT;
    case ST_NAME_START:
        if (is_ows(c))
            return ST_NAME_START;
        return cls & AVILA_HTTP1_C_TCHAR ? ST_NAME : -AVILA_HTTP1_R_CHUNK_EXT;
    case ST_NAME:
        /* After a name: as after its whitespace, and CR may end the line. */
        if (cls & AVILA_HTTP1_C_TCHAR)
            return ST_NAME;
        /* fall through */
    case ST_NAME_BWS:
        if (is_ows(c))
            return ST_NAME_BWS;
        if (c == '=')
            return ST_VAL_START;
        if (c == ';')
            return ST_NAME_START;
        if (c == '\r' && d->state == ST_NAME)
            return ST_SIZE_LF;
        return -AVILA_HTTP1_R_CHUNK_EXT;
    case ST_VAL_START:
        if (is_ows(c))
            return ST_VAL_START;
        if (c == '"')
            return ST_QUOTED;
        return cls & AVILA_HTTP1_C_TCHAR ? ST_TOKEN : -AVILA_HTTP1_R_CHUNK_EXT;
    case ST_TOKEN:
        /* A token value ends as a quoted string does. */
        if (cls & AVILA_HTTP1_C_TCHAR)
            return ST_TOKEN;
        /* fall through */
    case ST_QEND:
        if (c == ';')
            return ST_NAME_START;
        if (c == '\r')
            return ST_SIZE_LF;
        return is_ows(c) ? ST_BWS_SEMI : -AVILA_HTTP1_R_CHUNK_EXT;
    case ST_QUOTED:
        if (c == '"')
            return ST_QEND;
        if (c == '\\')
            return ST_QPAIR;
        return cls & AVILA_HTTP1_C_QDTEXT ? ST_QUOTED : -AVILA_HTTP1_R_CHUNK_EXT;
    case ST_QPAIR:
        /* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
        return cls & AVILA_HTTP1_C_FIELD ? ST_QUOTED : -AVILA_HTTP1_R_CHUNK_EXT;
    default:
        return -AVILA_HTTP1_R_CHUNK_EXT;
    }
}

/* A trailer field line, or the final CRLF, at in[i ..]. */
static int trailer(struct avila_http1_body *d, const uint8_t *in, size_t i, size_t len,
                   struct avila_http1_body_event *ev, struct avila_http1_error *err)
{
    size_t avail = len - i, seen = d->line_len < avail ? d->line_len : 0;
    size_t lf = seen + avila_http1_find_lf(in + i + seen, avail - seen);
    if (lf == avail) {
        if (d->trailer_bytes + avail > d->max_trailer_bytes)
            return stop(d, AVILA_HTTP1_R_TRAILER_TOO_LARGE, len, err);
        d->line_len = avail; /* resume the LF search here next time */
        return (int)i;
    }
    d->line_len = 0;
    if (d->trailer_bytes + lf + 1 > d->max_trailer_bytes)
        return stop(d, AVILA_HTTP1_R_TRAILER_TOO_LARGE, i + lf, err);
    if (lf == 0 || in[i + lf - 1] != '\r')
        return stop(d, AVILA_HTTP1_R_BARE_LF, i + lf, err);
    d->trailer_bytes += lf + 1;
    if (lf == 1) {
        d->state = ST_DONE;
        ev->kind = AVILA_HTTP1_EV_DONE;
        return (int)(i + 2);
    }
    if (is_ows(in[i]))
        return stop(d, AVILA_HTTP1_R_OBS_FOLD, i, err);
    if (++d->trailers > d->max_trailers)
        return stop(d, AVILA_HTTP1_R_TOO_MANY_HEADERS, i, err);
    enum avila_http1_reason why;
    size_t at;
    if (avila_http1_field_line(in + i, lf + 1, &ev->trailer, &why, &at) < 0)
        return stop(d, why, i + at, err);
    ev->kind = AVILA_HTTP1_EV_TRAILER;
    return (int)(i + lf + 1);
}

/* A span of data at in[i ..]: at most d->remaining bytes. */
static int data(struct avila_http1_body *d, const uint8_t *in, size_t i, size_t len,
                struct avila_http1_body_event *ev)
{
    size_t n = len - i;
    if ((uint64_t)n > d->remaining)
        n = (size_t)d->remaining;
    d->remaining -= n;
    ev->kind = AVILA_HTTP1_EV_DATA;
    ev->data = avila_slice_make(in + i, n);
    return (int)(i + n);
}

int avila_http1_body_decode(struct avila_http1_body *d, const void *in_, size_t len,
                            struct avila_http1_body_event *ev, struct avila_http1_error *err)
{
    if (!d || !ev || (!in_ && len))
        return AVILA_EINVAL;
    /* Counts are returned as int: decode at most INT32_MAX bytes per call. */
    if (len > (size_t)INT32_MAX)
        len = (size_t)INT32_MAX;
    const uint8_t *in = in_;
    ev->kind = AVILA_HTTP1_EV_NONE;
    ev->data = avila_slice_make(in, 0);
    if (d->rc < 0)
        return avila_http1_fail(err, d->reason, 0);
    size_t i = 0;
    for (;;) {
        switch (d->state) {
        case ST_DONE:
            ev->kind = AVILA_HTTP1_EV_DONE;
            return (int)i;
        case ST_LENGTH:
            if (d->remaining == 0) {
                d->state = ST_DONE;
                continue;
            }
            if (i == len)
                return (int)i;
            return data(d, in, i, len, ev);
        case ST_CLOSE:
            if (i == len)
                return (int)i;
            if (d->framing == AVILA_HTTP1_BODY_CLOSE) {
                if (len - i > d->max_total - d->total)
                    return stop(d, AVILA_HTTP1_R_CONTENT_TOO_LARGE, i, err);
                d->total += len - i;
            }
            d->remaining = len - i;
            return data(d, in, i, len, ev);
        case ST_DATA:
            if (i == len)
                return (int)i;
            i = (size_t)data(d, in, i, len, ev);
            if (d->remaining == 0)
                d->state = ST_DATA_CR;
            return (int)i;
        case ST_TRAILER:
            if (i == len)
                return (int)i;
            return trailer(d, in, i, len, ev, err);
        default:
            break;
        }
        if (i == len)
            return (int)i;
        uint8_t c = in[i];
        switch (d->state) {
        case ST_DATA_CR:
            if (c != '\r')
                return stop(d, AVILA_HTTP1_R_CHUNK_CRLF, i, err);
            d->state = ST_DATA_LF;
            break;
        case ST_DATA_LF:
            if (c != '\n')
                return stop(d, AVILA_HTTP1_R_CHUNK_CRLF, i, err);
            d->state = ST_SIZE_FIRST;
            d->line_len = 0;
            break;
        case ST_SIZE_LF:
            if (c != '\n')
                return stop(d, AVILA_HTTP1_R_BARE_CR, i, err);
            if (d->remaining == 0) {
                d->state = ST_TRAILER;
                d->line_len = 0;
            } else {
                if (d->remaining > d->max_total - d->total)
                    return stop(d, AVILA_HTTP1_R_CONTENT_TOO_LARGE, i, err);
                d->total += d->remaining;
                d->state = ST_DATA;
            }
            break;
        default: {
            if (c != '\r' && ++d->line_len > d->max_line)
                return stop(d, AVILA_HTTP1_R_CHUNK_EXT_TOO_LONG, i, err);
            int next = chunk_line_byte(d, c);
            if (next < 0)
                return stop(d, (enum avila_http1_reason) - next, i, err);
            d->state = (unsigned)next;
            break;
        }
        }
        i++;
    }
}
