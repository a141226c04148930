/*
 * net/http_server.c - the HTTP/1.1 server (see http_server.h). OS code:
 * sockets through net/sock, shutdown(2), close(2). Connection life:
 *
 *   HEAD     waiting for (the rest of) a request head in the read buffer
 *   BODY     the head is parsed; decoding its body in place, right after
 *            the head in the read buffer, into the connection's body buffer
 *   HANDLER  the request went to the middleware and handler; its answer is
 *            pending, streaming, or complete and waiting to be flushed
 *   LINGER   the last answer is flushed and our side shut down; reading
 *            and discarding until the peer's FIN (or a short timer), so an
 *            unread request body does not turn our close into a reset that
 *            could destroy the answer before the client reads it
 *
 * drive() is the one place that moves a connection along: flush queued
 * output, process buffered requests, read more, repeat until it blocks.
 * The watcher is started for READ and WRITE once (edge-triggered, so an
 * idle socket costs no events) and readable remembers that a read may
 * still find bytes after we stopped reading for back-pressure. Calls that
 * come from outside drive() (an answer given later) never drive the
 * connection themselves: they queue a deferred drive ("kick"), so a
 * caller's call never re-enters its own callbacks or frees the connection
 * under it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"
#include "net/http_server.h"

enum conn_state { ST_HEAD, ST_BODY, ST_HANDLER, ST_LINGER };
enum answer_state { AN_NONE, AN_STREAM, AN_DONE };
enum timer_kind { TK_NONE, TK_HEADER, TK_IDLE, TK_WRITE, TK_HANDLER, TK_LINGER };
enum body_mode { BM_DISCARD, BM_LENGTH, BM_CHUNKED, BM_CLOSE };

/* Alignment of an input block (it starts with the request's ctx). */
#define BLOCK_ALIGN _Alignof(struct avila_http_request_ctx)

/*
 * Input blocks and small write buffers kept for reuse by each server, so
 * busy connections do not allocate per request.
 */
#define SPARE_BLOCKS   32
#define SPARE_WBUF_CAP ((size_t)16384)

struct conn {
    struct avila_io io;
    struct avila_loop_timer timer;
    struct avila_loop_defer kick;
    struct avila_http_server *srv;
    struct conn *next;
    struct conn *prev;
    struct avila_sockaddr peer;
    int fd;
    enum conn_state state;
    enum timer_kind timer_kind;
    bool readable;    /* a read may find bytes (edge seen, EAGAIN not yet) */
    bool hup;         /* the peer's FIN was signalled: read on to EOF */
    bool eof;         /* the peer shut down its side */
    bool close_after; /* close once the queued output is sent */
    bool served;      /* at least one request answered */
    bool in_drive;    /* a callback of drive() is running: no kick needed */
    bool progress;    /* the answer moved since the handler timer was armed */
    /*
     * input: the request's ctx, the header array and rcap bytes of read buffer, one block taken
     * when bytes arrive and given back whenever the connection is idle, so
     * an idle keep-alive connection costs only this struct
     */
    struct avila_http1_header *headers;
    uint8_t *rbuf;
    size_t rcap;
    size_t rlen;
    size_t body_pos; /* BODY: where undecoded body bytes start (just after the head) */
    struct avila_http1_parser parser;
    struct avila_http1_body bdec;
    struct avila_buf body;
    uint64_t start_ns;
    /* the request in the handler's hands (in the input block), and its answer */
    struct avila_http_request_ctx *ctx;
    enum answer_state answer;
    enum body_mode bmode;
    bool timed_out;
    bool want_drain;
    unsigned status;
    uint64_t bleft;         /* BM_LENGTH: body bytes still due */
    uint64_t bytes;         /* bytes of this answer queued */
    struct avila_buf extra; /* answer header lines added by middleware */
    avila_http_ctx_fn *on_drain;
    avila_http_ctx_fn *on_abort;
    avila_http_body_fn *on_body;
    bool body_stream; /* the route takes the body as a stream: on_body, from the head on */
    bool body_paused;
    int route_rc; /* the router's verdict for the request: 0, ENOTFOUND or EMETHOD */
    avila_http_takeover_fn *takeover;
    void *takeover_arg;
    /* output */
    struct avila_buf wbuf;
    size_t woff;
    int file_fd;
    uint64_t file_off;
    uint64_t file_left;
};

/* A route's target. */
struct route {
    avila_http_handler_fn *fn;
    void *arg;
    bool stream_body;
    struct route *next;
};

struct avila_http_server {
    struct avila_loop *loop;
    const struct avila_allocator *a;
    struct avila_http_server_config cfg;
    struct avila_http1_limits lim;        /* the head parser's: bodies up to the larger max */
    struct avila_http1_limits lim_body;   /* a buffered body's decoder: max_body */
    struct avila_http1_limits lim_stream; /* a streamed body's decoder: max_stream_body */
    avila_http_handler_fn *fn;
    void *arg;
    struct avila_http_middleware mw[AVILA_HTTP_SERVER_MAX_MIDDLEWARE];
    size_t nmw;
    struct avila_http_router router; /* values: struct route */
    struct route *routes;            /* every route added, to free */
    struct avila_listener listener;
    int lfd;
    bool listening;
    bool draining;
    struct avila_loop_timer drain_timer;
    struct conn *conns; /* list of open connections */
    size_t nconns;
    void *spare[SPARE_BLOCKS]; /* input blocks to reuse */
    size_t nspare;
    struct avila_buf spare_wbuf[SPARE_BLOCKS]; /* small empty write buffers to reuse */
    size_t nspare_wbuf;
    struct avila_buf head; /* scratch for building a response head */
    int64_t date_sec;
    char date[AVILA_HTTP1_DATE_LEN + 1];
    struct avila_http_server_stats stats;
};

static void stat_add(atomic_uint_fast64_t *c, uint64_t v)
{
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static void conn_close(struct conn *c);
static void drive(struct conn *c);

static void on_kick(struct avila_loop_defer *d, void *arg)
{
    (void)d;
    drive(arg);
}

/* Makes drive() run soon, unless it is running now (it loops until nothing moves). */
static void kick(struct conn *c)
{
    if (!c->in_drive)
        (void)avila_loop_defer(c->srv->loop, &c->kick, on_kick, c); /* ESTATE: already queued */
}

/* ------------------------------------------------------------ output */

static bool out_pending(const struct conn *c)
{
    return c->woff < c->wbuf.len || c->file_fd >= 0;
}

/* Sends what is queued. Returns 0 (all sent, or the socket is full) or an error. */
static int flush(struct conn *c)
{
    while (c->woff < c->wbuf.len) {
        int n = avila_sock_write(c->fd, c->wbuf.data + c->woff, c->wbuf.len - c->woff);
        if (n == AVILA_EAGAIN)
            return 0;
        if (n < 0)
            return n;
        c->woff += (size_t)n;
        stat_add(&c->srv->stats.bytes_sent, (uint64_t)n);
    }
    if (c->wbuf.len != 0) {
        avila_buf_clear(&c->wbuf);
        c->woff = 0;
    }
    while (c->file_fd >= 0) {
        if (c->file_left == 0) {
            close(c->file_fd);
            c->file_fd = -1;
            break;
        }
        size_t want = c->file_left > ((uint64_t)1 << 30) ? (size_t)1 << 30 : (size_t)c->file_left;
        int n = avila_sock_sendfile(c->fd, c->file_fd, &c->file_off, want);
        if (n == AVILA_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? AVILA_EIO : n; /* the file shrank under us */
        c->file_left -= (uint64_t)n;
        stat_add(&c->srv->stats.bytes_sent, (uint64_t)n);
    }
    return 0;
}

static const char *cached_date(struct avila_http_server *s)
{
    int64_t sec = avila_time_wall_ns() / 1000000000;
    if (sec != s->date_sec) {
        if (avila_http1_date_format(sec, s->date) == AVILA_HTTP1_DATE_LEN) {
            s->date[AVILA_HTTP1_DATE_LEN] = '\0';
            s->date_sec = sec;
        }
    }
    return s->date;
}

static bool backpressured(const struct conn *c)
{
    return c->file_fd >= 0 || c->wbuf.len - c->woff > c->srv->cfg.max_write_buffer;
}

/* ------------------------------------------------------------ request end */

/* Counts a finished request and tells the middleware. */
static void finish(struct conn *c, bool aborted)
{
    struct avila_http_server *s = c->srv;
    uint64_t us = (avila_time_mono_ns() - c->start_ns) / 1000;
    if (c->status != 0) { /* answered: counted by class and in the duration histogram */
        stat_add(&s->stats.requests[c->status / 100 < 6 ? c->status / 100 : 5], 1);
        stat_add(&s->stats.duration_us, us);
        static const uint64_t bounds[] = AVILA_HTTP_SERVER_LATENCY_BOUNDS_US;
        size_t b = 0;
        while (b < AVILA_ARRAY_LEN(bounds) && us > bounds[b])
            b++;
        stat_add(&s->stats.latency[b], 1);
    } else {
        stat_add(&s->stats.aborted, 1);
    }
    struct avila_http_outcome o = {
        .status = c->status,
        .aborted = aborted || c->timed_out,
        .bytes = c->bytes,
        .duration_us = us,
    };
    for (size_t i = 0; i < s->nmw; i++)
        if (s->mw[i].on_done != NULL)
            s->mw[i].on_done(c->ctx, &o, s->mw[i].arg);
}

/* The answer is complete (queued): count it and let drive() move on. */
static void complete(struct conn *c)
{
    c->answer = AN_DONE;
    c->want_drain = false;
    finish(c, false);
    kick(c);
}

/* The request ends without its answer: the caller's on_abort, then the middleware. */
static void abort_request(struct conn *c)
{
    c->answer = AN_DONE; /* any answer attempt from on_abort is refused */
    c->on_body = NULL;
    if (c->on_abort != NULL)
        c->on_abort(c->ctx);
    finish(c, true);
}

/* ------------------------------------------------------------ answers */

/*
 * Queues the head of the answer to c's request: status line, Date, Server,
 * Connection when needed (close; keep-alive for HTTP/1.0), the caller's
 * fields, the middleware's, then the framing (Content-Length, or chunked,
 * or none) that length and the request give, and sets c->bmode. Returns 0,
 * AVILA_ESTATE (already answered), AVILA_EINVAL (a bad argument or field:
 * nothing queued) or AVILA_ENOMEM.
 */
static int queue_head(struct avila_http_request_ctx *ctx, unsigned status,
                      const struct avila_http1_header *headers, size_t count, uint64_t length)
{
    if (ctx == NULL || ctx->conn_ == NULL)
        return AVILA_ESTATE;
    struct conn *c = ctx->conn_;
    if (c->answer != AN_NONE)
        return AVILA_ESTATE;
    if (status < 200 || status > 599 || (count > 0 && headers == NULL))
        return AVILA_EINVAL;
    struct avila_http_server *s = c->srv;
    const struct avila_http1_request *r = &ctx->req;
    bool http10 = r->version_minor == 0;
    bool no_body = status == 204 || status == 304;
    bool unknown = length == AVILA_HTTP_LENGTH_UNKNOWN;
    bool close_conn = !r->keep_alive || s->draining || c->close_after ||
                      (unknown && http10 && !no_body && r->method_id != AVILA_HTTP1_METHOD_HEAD);
    struct avila_buf *b = &s->head;
    avila_buf_clear(b);
    /* RFC 9110 section 2.5: our own version, 1.1, whatever the client's. */
    int rc = avila_http1_write_status_line(b, 1, status, NULL);
    if (rc == 0)
        rc = avila_http1_write_header_str(b, "Date", cached_date(s));
    if (rc == 0)
        rc = avila_http1_write_header_str(b, "Server", "avila");
    if (rc == 0 && close_conn)
        rc = avila_http1_write_header_str(b, "Connection", "close");
    else if (rc == 0 && http10) /* an HTTP/1.0 client keeps it only when told so */
        rc = avila_http1_write_header_str(b, "Connection", "keep-alive");
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = avila_http1_write_header(b, headers[i].name, headers[i].value);
    if (rc == 0 && c->extra.len > 0)
        rc = avila_buf_append(b, c->extra.data, c->extra.len);
    if (rc == 0 && !no_body && !unknown)
        rc = avila_http1_write_header_u64(b, "Content-Length", length);
    else if (rc == 0 && !no_body && !http10)
        rc = avila_http1_write_header_str(b, "Transfer-Encoding", "chunked");
    if (rc == 0)
        rc = avila_http1_write_end(b);
    if (rc == 0)
        rc = avila_buf_append(&c->wbuf, b->data, b->len);
    if (rc != 0)
        return rc == AVILA_ENOMEM ? rc : AVILA_EINVAL;
    if (no_body || r->method_id == AVILA_HTTP1_METHOD_HEAD)
        c->bmode = BM_DISCARD;
    else if (!unknown)
        c->bmode = BM_LENGTH;
    else
        c->bmode = http10 ? BM_CLOSE : BM_CHUNKED;
    c->bleft = unknown ? 0 : length;
    c->status = status;
    c->bytes = b->len;
    c->progress = true;
    if (close_conn)
        c->close_after = true;
    avila_buf_release(&c->extra);
    return 0;
}

/* Queues body bytes in the answer's framing. Returns 0, AVILA_EINVAL (past the length) or ENOMEM.
 */
static int queue_body(struct conn *c, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    int rc = 0;
    size_t before = c->wbuf.len;
    switch (c->bmode) {
    case BM_DISCARD:
        return 0;
    case BM_LENGTH:
        if (len > c->bleft)
            return AVILA_EINVAL;
        rc = avila_buf_append(&c->wbuf, data, len);
        if (rc == 0)
            c->bleft -= len;
        break;
    case BM_CHUNKED:
        rc = avila_http1_write_chunk(&c->wbuf, data, len);
        break;
    case BM_CLOSE:
        rc = avila_buf_append(&c->wbuf, data, len);
        break;
    }
    if (rc != 0) {
        c->close_after = true; /* the head is out: the answer is cut short */
        return rc;
    }
    c->bytes += c->wbuf.len - before;
    c->progress = true;
    return 0;
}

int avila_http_respond(struct avila_http_request_ctx *ctx, unsigned status,
                       const struct avila_http1_header *headers, size_t count, const void *body,
                       size_t len)
{
    if (len > 0 && body == NULL)
        return AVILA_EINVAL;
    int rc = queue_head(ctx, status, headers, count, len);
    if (rc != 0)
        return rc;
    struct conn *c = ctx->conn_;
    rc = queue_body(c, body, len);
    complete(c);
    return rc;
}

int avila_http_respond_file(struct avila_http_request_ctx *ctx, unsigned status,
                            const struct avila_http1_header *headers, size_t count, int fd,
                            uint64_t offset, uint64_t len)
{
    if (fd < 0)
        return AVILA_EINVAL;
    int rc = len == AVILA_HTTP_LENGTH_UNKNOWN ? AVILA_EINVAL
                                              : queue_head(ctx, status, headers, count, len);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    struct conn *c = ctx->conn_;
    if (c->bmode == BM_LENGTH && len > 0) {
        c->file_fd = fd;
        c->file_off = offset;
        c->file_left = len;
        c->bytes += len;
    } else {
        close(fd);
    }
    complete(c);
    return 0;
}

int avila_http_respond_start(struct avila_http_request_ctx *ctx, unsigned status,
                             const struct avila_http1_header *headers, size_t count,
                             uint64_t length)
{
    int rc = queue_head(ctx, status, headers, count, length);
    if (rc != 0)
        return rc;
    struct conn *c = ctx->conn_;
    c->answer = AN_STREAM;
    kick(c);
    return 0;
}

/* The connection of a streamed answer in progress, or NULL. */
static struct conn *streaming(struct avila_http_request_ctx *ctx)
{
    struct conn *c = ctx != NULL ? ctx->conn_ : NULL;
    return c != NULL && c->answer == AN_STREAM ? c : NULL;
}

int avila_http_respond_write(struct avila_http_request_ctx *ctx, const void *data, size_t len)
{
    struct conn *c = streaming(ctx);
    if (c == NULL)
        return AVILA_ESTATE;
    if (len > 0 && data == NULL)
        return AVILA_EINVAL;
    int rc = queue_body(c, data, len);
    if (rc != 0)
        return rc;
    kick(c);
    c->want_drain = backpressured(c);
    return c->want_drain ? 1 : 0;
}

int avila_http_respond_end(struct avila_http_request_ctx *ctx,
                           const struct avila_http1_header *trailers, size_t count)
{
    struct conn *c = streaming(ctx);
    if (c == NULL)
        return AVILA_ESTATE;
    int rc = 0;
    if (c->bmode == BM_CHUNKED) {
        size_t before = c->wbuf.len;
        rc = avila_http1_write_last_chunk(&c->wbuf, trailers, count);
        if (rc != 0)
            return rc == AVILA_ENOMEM ? rc : AVILA_EINVAL;
        c->bytes += c->wbuf.len - before;
    } else if (c->bmode == BM_LENGTH && c->bleft > 0) {
        c->close_after = true;
        rc = AVILA_ERANGE;
    }
    complete(c);
    return rc;
}

int avila_http_add_header(struct avila_http_request_ctx *ctx, struct avila_slice name,
                          struct avila_slice value)
{
    struct conn *c = ctx != NULL ? ctx->conn_ : NULL;
    if (c == NULL || c->answer != AN_NONE)
        return AVILA_ESTATE;
    size_t before = c->extra.len;
    int rc = avila_http1_write_header(&c->extra, name, value);
    if (rc != 0)
        c->extra.len = before; /* keep the complete lines only */
    if (rc == AVILA_ENOSPC)
        rc = AVILA_ELIMIT;
    return rc;
}

void avila_http_on_drain(struct avila_http_request_ctx *ctx, avila_http_ctx_fn *fn)
{
    struct conn *c = ctx->conn_;
    c->on_drain = fn;
}

void avila_http_on_abort(struct avila_http_request_ctx *ctx, avila_http_ctx_fn *fn)
{
    struct conn *c = ctx->conn_;
    c->on_abort = fn;
}

int avila_http_takeover(struct avila_http_request_ctx *ctx, const void *head, size_t len,
                        avila_http_takeover_fn *fn, void *arg)
{
    struct conn *c = ctx != NULL ? ctx->conn_ : NULL;
    if (c == NULL || c->answer != AN_NONE || ctx->req.body != AVILA_HTTP1_BODY_NONE)
        return AVILA_ESTATE;
    if (fn == NULL || head == NULL || len == 0)
        return AVILA_EINVAL;
    int rc = avila_buf_append(&c->wbuf, head, len);
    if (rc != 0)
        return rc;
    c->takeover = fn;
    c->takeover_arg = arg;
    c->status = 101;
    c->bytes = len;
    avila_buf_release(&c->extra);
    complete(c);
    return 0;
}

/* Answers a refused request head with status and closes after it. */
static void send_error(struct conn *c, unsigned status)
{
    static const char text[] = "request refused\n";
    memset(c->ctx, 0, sizeof(*c->ctx));
    c->ctx->peer = &c->peer;
    c->ctx->server = c->srv;
    c->ctx->arg = c->srv->arg;
    c->ctx->conn_ = c;
    c->ctx->req.keep_alive = false;
    c->ctx->req.version_minor = 1;
    c->state = ST_HANDLER;
    c->answer = AN_NONE;
    c->start_ns = avila_time_mono_ns();
    c->rlen = 0; /* nothing after a refused head is read as a request */
    c->body_pos = 0;
    struct avila_http1_header ct = {avila_slice_from_cstr("Content-Type"),
                                    avila_slice_from_cstr("text/plain")};
    if (avila_http_respond(c->ctx, status, &ct, 1, text, sizeof(text) - 1) != 0)
        c->answer = AN_DONE;
    c->close_after = true;
}

/* ------------------------------------------------------------ input */

/* Splits the request target into ctx's path and query. */
static void split_target(struct avila_http_request_ctx *ctx)
{
    struct avila_slice t = ctx->req.target;
    size_t start = 0;
    if (ctx->req.target_form == AVILA_HTTP1_TARGET_ABSOLUTE) {
        /* "scheme://authority/path?query": the path starts at the authority's end */
        const uint8_t *sep = memchr(t.ptr, ':', t.len);
        start = sep != NULL ? (size_t)(sep - t.ptr) + 3 : t.len;
        while (start < t.len && t.ptr[start] != '/' && t.ptr[start] != '?')
            start++;
        if (start > t.len)
            start = t.len;
    } else if (ctx->req.target_form != AVILA_HTTP1_TARGET_ORIGIN) {
        return;
    }
    size_t q = start;
    while (q < t.len && t.ptr[q] != '?')
        q++;
    ctx->path = avila_slice_make(t.ptr + start, q - start);
    if (q < t.len)
        ctx->query = avila_slice_make(t.ptr + q + 1, t.len - q - 1);
}

/* Runs the matched route's handler, or answers 404 / 405 for the router. */
static void route_and_handle(struct conn *c)
{
    struct avila_http_request_ctx *ctx = c->ctx;
    struct avila_http_server *s = c->srv;
    avila_http_handler_fn *fn = s->fn;
    if (c->route_rc == 0) {
        const struct route *r = ctx->route.value;
        fn = r->fn;
        ctx->arg = r->arg;
    } else if (c->route_rc == AVILA_HTTP_ROUTER_EMETHOD) {
        char allow[256];
        int n = avila_http_router_allow(&s->router, ctx->path, allow, sizeof(allow));
        struct avila_http1_header h[2] = {
            {avila_slice_from_cstr("Allow"), avila_slice_make(allow, n > 0 ? (size_t)n : 0)},
            {avila_slice_from_cstr("Content-Type"), avila_slice_from_cstr("text/plain")},
        };
        (void)avila_http_respond(ctx, 405, h, 2, "method not allowed\n", 19);
        return;
    }
    if (fn != NULL) {
        fn(ctx);
        return;
    }
    struct avila_http1_header ct = {avila_slice_from_cstr("Content-Type"),
                                    avila_slice_from_cstr("text/plain")};
    (void)avila_http_respond(ctx, 404, &ct, 1, "not found\n", 10);
}

int avila_http_param(const struct avila_http_request_ctx *ctx, const char *name,
                     struct avila_slice *value)
{
    return avila_http_router_param(&ctx->route, name, value);
}

/*
 * A request head is in: readies its ctx (target split, route matched) and
 * says whether its route takes the body as a stream.
 */
static bool prepare(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    struct avila_http_request_ctx *ctx = c->ctx;
    struct avila_http1_request req = ctx->req;
    memset(ctx, 0, offsetof(struct avila_http_request_ctx, route.params));
    ctx->req = req;
    ctx->peer = &c->peer;
    ctx->server = s;
    ctx->arg = s->arg;
    ctx->conn_ = c;
    split_target(ctx);
    c->route_rc = AVILA_ENOTFOUND;
    if (avila_http_router_count(&s->router) > 0)
        c->route_rc = avila_http_router_match(&s->router, req.method, ctx->path, &ctx->route);
    c->answer = AN_NONE;
    c->status = 0;
    c->bytes = 0;
    c->timed_out = false;
    c->on_drain = NULL;
    c->on_abort = NULL;
    c->on_body = NULL;
    c->body_paused = false;
    c->body_stream = c->route_rc == 0 && req.body != AVILA_HTTP1_BODY_NONE &&
                     ((const struct route *)ctx->route.value)->stream_body;
    return c->body_stream;
}

/* Hands the request (complete, or its head for a streamed body) to the middleware and handler. */
static void dispatch(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    struct avila_http_request_ctx *ctx = c->ctx;
    ctx->body = avila_slice_make(c->body.data, c->body.len);
    c->state = ST_HANDLER;
    c->progress = true;
    for (size_t i = 0; i < s->nmw && c->answer == AN_NONE; i++)
        if (s->mw[i].on_request != NULL)
            s->mw[i].on_request(ctx, s->mw[i].arg);
    if (c->answer == AN_NONE)
        route_and_handle(c);
}

/* The answer is out of our hands: the next request's bytes move to the front. */
static void request_reset(struct conn *c)
{
    if (c->rlen > c->body_pos)
        memmove(c->rbuf, c->rbuf + c->body_pos, c->rlen - c->body_pos);
    c->rlen -= c->body_pos;
    c->body_pos = 0;
    avila_buf_release(&c->body);
    avila_buf_release(&c->extra);
    c->ctx->conn_ = NULL; /* a late call on a stale ctx is refused */
    avila_http1_parser_reset(&c->parser);
    c->state = ST_HEAD;
    c->body_stream = false;
    c->on_body = NULL;
    c->served = true;
    if (c->timer_kind == TK_HEADER || c->timer_kind == TK_HANDLER) {
        avila_loop_timer_stop(&c->timer);
        c->timer_kind = TK_NONE;
    }
}

/* A body the client sent cannot be decoded: tell the handler of a streamed one, answer status. */
static void body_failed(struct conn *c, unsigned status)
{
    if (!c->body_stream || (c->answer == AN_NONE && c->status == 0)) {
        if (c->body_stream)
            abort_request(c);
        send_error(c, status);
        return;
    }
    if (c->answer != AN_DONE)
        abort_request(c); /* an answer was on its way: it is cut short */
    c->state = ST_HANDLER;
    c->close_after = true;
}

/*
 * Decodes the body bytes in the read buffer: appended to the body buffer,
 * or handed to the handler's on_body for a streamed one. Returns 1 when
 * the body is complete, 0 when more input is needed (or a streamed body is
 * paused), or -1 after answering an error.
 */
static int decode_body(struct conn *c)
{
    for (;;) {
        struct avila_http1_body_event ev;
        struct avila_http1_error err = {0};
        size_t avail = c->rlen - c->body_pos;
        int n = avila_http1_body_decode(&c->bdec, c->rbuf + c->body_pos, avail, &ev, &err);
        if (n < 0) {
            body_failed(c, avila_http1_error_status(err.reason));
            return -1;
        }
        if (ev.kind == AVILA_HTTP1_EV_DATA && ev.data.len > 0) {
            if (!c->body_stream && avila_buf_append(&c->body, ev.data.ptr, ev.data.len) != 0) {
                send_error(c, 413);
                return -1;
            }
            c->progress = true;
            if (c->body_stream && c->on_body != NULL && c->answer != AN_DONE)
                c->on_body(c->ctx, ev.data.ptr, ev.data.len, false);
        }
        /* Drop the consumed bytes, keeping the head in place before them. */
        memmove(c->rbuf + c->body_pos, c->rbuf + c->body_pos + n, avail - (size_t)n);
        c->rlen -= (size_t)n;
        if (ev.kind == AVILA_HTTP1_EV_DONE) {
            if (c->body_stream && c->on_body != NULL && c->answer != AN_DONE)
                c->on_body(c->ctx, NULL, 0, true);
            return 1;
        }
        if (ev.kind == AVILA_HTTP1_EV_NONE || c->body_paused)
            return 0;
    }
}

/* Starts reading the body of the request whose head was just parsed (or answers 413). */
static void begin_body(struct conn *c, bool stream)
{
    struct avila_http_server *s = c->srv;
    const struct avila_http1_request *r = &c->ctx->req;
    if (!stream && r->body == AVILA_HTTP1_BODY_LENGTH && r->content_length > s->cfg.max_body) {
        send_error(c, 413); /* a streaming route may take more, so the parser let it pass */
        return;
    }
    avila_http1_body_init(&c->bdec, r->body, r->content_length,
                          stream ? &s->lim_stream : &s->lim_body);
    bool early = false;
    if (stream) {
        dispatch(c); /* the handler sees the head now and the body through on_body */
        early = c->answer != AN_NONE;
    }
    c->state = ST_BODY;
    if (!r->expect_continue || c->rlen != c->body_pos)
        return;
    /* The client waits for "100 Continue"; after an early answer it may never send the body. */
    if (early || avila_buf_append(&c->wbuf, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0)
        c->close_after = true;
}

/* Processes the buffered requests it can. Returns true if it made progress. */
static bool process(struct conn *c)
{
    bool progress = false;
    while (c->state != ST_LINGER && !backpressured(c)) {
        if (c->state == ST_HANDLER) {
            if (c->answer != AN_DONE || c->takeover != NULL)
                break;
            request_reset(c);
            progress = true;
        }
        if (c->state == ST_HEAD) {
            if (c->rlen == 0 || c->close_after)
                break;
            struct avila_http1_error err = {0};
            int rc = avila_http1_parse_request(&c->parser, c->rbuf, c->rlen, c->headers,
                                               AVILA_HTTP_SERVER_MAX_HEADERS, &c->ctx->req, &err);
            if (rc == AVILA_EAGAIN)
                break;
            progress = true;
            if (rc < 0) {
                send_error(c, avila_http1_error_status(err.reason));
                continue;
            }
            c->start_ns = avila_time_mono_ns();
            c->body_pos = (size_t)rc;
            bool stream = prepare(c);
            avila_buf_init(&c->body, c->srv->a, stream ? 0 : (size_t)c->srv->cfg.max_body);
            if (c->ctx->req.body == AVILA_HTTP1_BODY_NONE)
                dispatch(c);
            else
                begin_body(c, stream);
            continue;
        }
        if (c->body_paused && c->body_stream)
            break;
        int rc = decode_body(c);
        progress |= rc != 0;
        if (rc < 0)
            continue;
        if (rc == 0)
            break;
        if (c->body_stream)
            c->state = ST_HANDLER; /* the handler had the request since its head */
        else
            dispatch(c);
    }
    return progress;
}

/* ------------------------------------------------------------ connection */

/* The handler holds the request: its answer is not complete (a streamed body may still come). */
static bool request_open(const struct conn *c)
{
    return (c->state == ST_HANDLER || (c->state == ST_BODY && c->body_stream)) &&
           c->answer != AN_DONE;
}

static void on_timer(struct avila_loop_timer *t)
{
    struct conn *c = t->data;
    enum timer_kind kind = c->timer_kind;
    c->timer_kind = TK_NONE;
    if (kind == TK_LINGER) {
        conn_close(c);
        return;
    }
    stat_add(&c->srv->stats.timeouts, 1);
    if (kind == TK_HEADER && (c->rlen > 0 || c->state == ST_BODY)) {
        send_error(c, 408); /* RFC 9110 section 15.5.9, with "Connection: close" */
        drive(c);
    } else if (kind == TK_HANDLER && c->answer == AN_NONE) {
        /* The handler is told first; from then on its ctx is ours to answer. */
        avila_http_ctx_fn *fn = c->on_abort;
        c->on_abort = NULL;
        c->timed_out = true;
        c->answer = AN_DONE;
        if (fn != NULL)
            fn(c->ctx);
        c->answer = AN_NONE;
        c->close_after = true;
        static const char text[] = "no answer in time\n";
        if (avila_http_respond(c->ctx, 503, NULL, 0, text, sizeof(text) - 1) != 0)
            c->answer = AN_DONE;
        drive(c);
    } else {
        conn_close(c);
    }
}

static void set_timer(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    enum timer_kind want;
    uint64_t ms;
    if (c->state == ST_LINGER)
        return;
    if (out_pending(c)) {
        want = TK_WRITE;
        ms = s->cfg.idle_timeout_ms;
    } else if (request_open(c) || (c->state == ST_BODY && c->body_stream)) {
        want = TK_HANDLER;
        ms = s->cfg.handler_timeout_ms;
        if (c->timer_kind == TK_HANDLER && !c->progress)
            return; /* counts from the answer's last move */
        c->progress = false;
    } else if (c->state == ST_HEAD && c->rlen == 0 && c->served) {
        want = TK_IDLE;
        ms = s->cfg.idle_timeout_ms;
    } else {
        want = TK_HEADER;
        ms = s->cfg.header_timeout_ms;
        if (c->timer_kind == TK_HEADER && avila_loop_timer_active(&c->timer))
            return; /* counts from the request's first byte, never extended */
    }
    c->timer_kind = want;
    avila_loop_timer_start(s->loop, &c->timer, ms, on_timer);
}

/* Our answer is out: shut our side and wait for the peer's FIN for a moment. */
static void begin_linger(struct conn *c)
{
    c->state = ST_LINGER;
    shutdown(c->fd, SHUT_WR);
    c->timer_kind = TK_LINGER;
    avila_loop_timer_start(c->srv->loop, &c->timer, AVILA_HTTP_SERVER_LINGER_MS, on_timer);
}

static bool conn_idle(const struct conn *c)
{
    return c->state == ST_HEAD && c->rlen == 0 && !out_pending(c);
}

/* Bytes of a connection's input block: the request ctx, the header array, then the read buffer. */
static size_t input_bytes(const struct avila_http_server *s)
{
    return sizeof(struct avila_http_request_ctx) +
           AVILA_HTTP_SERVER_MAX_HEADERS * sizeof(struct avila_http1_header) +
           s->lim.max_head_bytes + AVILA_HTTP_SERVER_READ_SLACK;
}

/* Takes the input block before a read. Returns 0 or AVILA_ENOMEM. */
static int input_take(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    void *p =
        s->nspare > 0 ? s->spare[--s->nspare] : avila_alloc(s->a, input_bytes(s), BLOCK_ALIGN);
    if (p == NULL)
        return AVILA_ENOMEM;
    c->ctx = p;
    if (c->wbuf.data == NULL && s->nspare_wbuf > 0)
        c->wbuf = s->spare_wbuf[--s->nspare_wbuf];
    c->headers = (struct avila_http1_header *)(c->ctx + 1);
    c->rbuf = (uint8_t *)(c->headers + AVILA_HTTP_SERVER_MAX_HEADERS);
    return 0;
}

/* Gives the input block back (nothing is buffered, no request refers to it), and the output's. */
static void input_release(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    if (c->ctx != NULL && s->nspare < SPARE_BLOCKS)
        s->spare[s->nspare++] = c->ctx;
    else if (c->ctx != NULL)
        avila_free(s->a, c->ctx, input_bytes(s), BLOCK_ALIGN);
    c->ctx = NULL;
    c->headers = NULL;
    c->rbuf = NULL;
    if (c->wbuf.data != NULL && c->wbuf.len == 0 && avila_buf_avail(&c->wbuf) <= SPARE_WBUF_CAP &&
        s->nspare_wbuf < SPARE_BLOCKS) {
        s->spare_wbuf[s->nspare_wbuf++] = c->wbuf; /* moved: the struct owns its bytes */
        avila_buf_init(&c->wbuf, s->a, SIZE_MAX);
    }
    avila_buf_release(&c->wbuf);
    c->woff = 0;
}

/* Removes c from the server's books; the caller then frees or hands over its fd. */
static void conn_unlink(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    avila_io_stop(&c->io);
    avila_loop_timer_stop(&c->timer);
    avila_loop_defer_cancel(s->loop, &c->kick);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nconns--;
    atomic_fetch_sub_explicit(&s->stats.open, 1, memory_order_relaxed);
}

static void drain_done(struct avila_http_server *s)
{
    avila_loop_timer_stop(&s->drain_timer);
    avila_loop_stop(s->loop);
}

/* Frees a connection already unlinked. */
static void conn_free(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    if (c->file_fd >= 0)
        close(c->file_fd);
    input_release(c);
    avila_buf_release(&c->body);
    avila_buf_release(&c->extra);
    avila_free(s->a, c, sizeof(*c), _Alignof(struct conn));
    if (s->draining && s->nconns == 0)
        drain_done(s);
}

static void conn_close(struct conn *c)
{
    conn_unlink(c);
    close(c->fd);
    c->fd = -1;
    if (request_open(c))
        abort_request(c);
    conn_free(c);
}

/* The takeover's head is sent: the connection becomes the callee's. */
static void hand_over(struct conn *c)
{
    conn_unlink(c);
    size_t rest = c->rlen - c->body_pos;
    c->takeover(c->takeover_arg, c->srv->loop, c->fd, &c->peer,
                rest > 0 ? c->rbuf + c->body_pos : NULL, rest);
    conn_free(c);
}

static void drive(struct conn *c)
{
    c->in_drive = true;
    for (;;) {
        if (flush(c) < 0)
            goto close;
        bool pending = out_pending(c);
        if (c->state == ST_LINGER) {
            uint8_t sink[4096];
            for (;;) {
                int n = avila_sock_read(c->fd, sink, sizeof(sink));
                if (n == AVILA_EAGAIN) {
                    c->in_drive = false;
                    return;
                }
                if (n <= 0)
                    goto close;
            }
        }
        if (c->takeover != NULL) {
            if (pending)
                break;
            hand_over(c);
            return;
        }
        if (c->want_drain && !backpressured(c) && c->answer == AN_STREAM) {
            c->want_drain = false;
            if (c->on_drain != NULL) {
                c->on_drain(c->ctx);
                continue;
            }
        }
        if (process(c))
            continue;
        bool answering = request_open(c);
        if (c->close_after && !answering) {
            if (pending)
                break;
            begin_linger(c);
            continue;
        }
        if (c->srv->draining && conn_idle(c))
            goto close;
        if (c->eof) {
            if (pending || answering)
                break;  /* a half-closed client still gets its answer */
            goto close; /* no complete request left, and the peer sends no more */
        }
        if (!c->readable || c->rlen == c->rcap || backpressured(c))
            break;
        if (c->rbuf == NULL && input_take(c) != 0)
            goto close;
        size_t room = c->rcap - c->rlen;
        int n = avila_sock_read(c->fd, c->rbuf + c->rlen, room);
        if (n == AVILA_EAGAIN) {
            c->readable = false;
            break;
        }
        if (n == 0) {
            c->eof = true;
            c->readable = false;
            continue;
        }
        if (n < 0)
            goto close;
        c->rlen += (size_t)n;
        /*
         * A short read emptied the socket: with edge-triggered events the
         * next byte brings a new event, so skip the read that would only
         * say EAGAIN - unless the peer's FIN is pending, which that read
         * must see.
         */
        if ((size_t)n < room && !c->hup)
            c->readable = false;
    }
    c->in_drive = false;
    if (conn_idle(c))
        input_release(c);
    set_timer(c);
    return;
close:
    c->in_drive = false;
    conn_close(c);
}

static void on_io(struct avila_io *io, unsigned events)
{
    struct conn *c = AVILA_LOOP_CONTAINER(io, struct conn, io);
    if (events & (AVILA_LOOP_HUP | AVILA_LOOP_ERROR))
        c->hup = true;
    if (events & (AVILA_LOOP_READ | AVILA_LOOP_HUP | AVILA_LOOP_ERROR))
        c->readable = true;
    drive(c);
}

static void on_accept(struct avila_listener *l, int fd, const struct avila_sockaddr *peer)
{
    struct avila_http_server *s = l->data;
    stat_add(&s->stats.accepted, 1);
    struct conn *c = NULL;
    if (s->nconns < s->cfg.max_connections && !s->draining)
        c = avila_alloc(s->a, sizeof(*c), _Alignof(struct conn));
    if (c == NULL) {
        stat_add(&s->stats.rejected, 1);
        close(fd);
        return;
    }
    memset(c, 0, sizeof(*c));
    c->srv = s;
    c->fd = fd;
    c->file_fd = -1;
    c->peer = *peer;
    c->rcap = s->lim.max_head_bytes + AVILA_HTTP_SERVER_READ_SLACK;
    c->readable = true;
    avila_http1_parser_init(&c->parser, &s->lim);
    avila_buf_init(&c->wbuf, s->a, SIZE_MAX);
    avila_buf_init(&c->body, s->a, 0);
    avila_buf_init(&c->extra, s->a, AVILA_HTTP_SERVER_MAX_EXTRA_HEADERS);
    avila_loop_timer_init(&c->timer);
    c->timer.data = c;
    (void)avila_sock_set_nodelay(fd, 1); /* Unix sockets refuse it; harmless */
    avila_io_init(&c->io, fd, on_io);
    if (avila_io_start(s->loop, &c->io, AVILA_LOOP_READ | AVILA_LOOP_WRITE) != 0) {
        close(fd);
        avila_free(s->a, c, sizeof(*c), _Alignof(struct conn));
        stat_add(&s->stats.rejected, 1);
        return;
    }
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    stat_add(&s->stats.open, 1);
    set_timer(c);
}

/* ------------------------------------------------------------ server */

int avila_http_server_create(struct avila_http_server **out, struct avila_loop *loop,
                             const struct avila_allocator *a,
                             const struct avila_http_server_config *cfg, avila_http_handler_fn *fn,
                             void *arg)
{
    if (out == NULL || loop == NULL || a == NULL)
        return AVILA_EINVAL;
    struct avila_http_server *s = AVILA_NEW(a, struct avila_http_server);
    if (s == NULL)
        return AVILA_ENOMEM;
    memset(s, 0, sizeof(*s));
    s->loop = loop;
    s->a = a;
    s->fn = fn;
    s->arg = arg;
    s->lfd = -1;
    s->date_sec = -1;
    if (cfg != NULL)
        s->cfg = *cfg;
    if (s->cfg.max_body == 0)
        s->cfg.max_body = AVILA_HTTP_SERVER_DEFAULT_MAX_BODY;
    if (s->cfg.header_timeout_ms == 0)
        s->cfg.header_timeout_ms = AVILA_HTTP_SERVER_DEFAULT_HEADER_TIMEOUT;
    if (s->cfg.idle_timeout_ms == 0)
        s->cfg.idle_timeout_ms = AVILA_HTTP_SERVER_DEFAULT_IDLE_TIMEOUT;
    if (s->cfg.handler_timeout_ms == 0)
        s->cfg.handler_timeout_ms = AVILA_HTTP_SERVER_DEFAULT_HANDLER_TIMEOUT;
    if (s->cfg.max_connections == 0)
        s->cfg.max_connections = AVILA_HTTP_SERVER_DEFAULT_MAX_CONNECTIONS;
    if (s->cfg.max_write_buffer == 0)
        s->cfg.max_write_buffer = AVILA_HTTP_SERVER_DEFAULT_MAX_WRITE;
    s->lim = s->cfg.limits;
    if (s->lim.max_head_bytes == 0)
        s->lim.max_head_bytes = AVILA_HTTP1_DEFAULT_MAX_HEAD_BYTES;
    if (s->lim.max_headers == 0 || s->lim.max_headers > AVILA_HTTP_SERVER_MAX_HEADERS)
        s->lim.max_headers = AVILA_HTTP_SERVER_MAX_HEADERS;
    if (s->cfg.max_stream_body == 0)
        s->cfg.max_stream_body = AVILA_HTTP_SERVER_DEFAULT_MAX_STREAM_BODY;
    s->lim_body = s->lim_stream = s->lim;
    s->lim_body.max_content_length = s->cfg.max_body;
    s->lim_stream.max_content_length = s->cfg.max_stream_body;
    s->lim.max_content_length =
        s->cfg.max_body > s->cfg.max_stream_body ? s->cfg.max_body : s->cfg.max_stream_body;
    avila_buf_init(&s->head, a, SIZE_MAX);
    (void)avila_http_router_init(&s->router, a);
    avila_loop_timer_init(&s->drain_timer);
    s->drain_timer.data = s;
    *out = s;
    return 0;
}

int avila_http_server_use(struct avila_http_server *s, const struct avila_http_middleware *m)
{
    if (s == NULL || m == NULL)
        return AVILA_EINVAL;
    if (s->listening || s->draining)
        return AVILA_ESTATE;
    if (s->nmw == AVILA_HTTP_SERVER_MAX_MIDDLEWARE)
        return AVILA_ELIMIT;
    s->mw[s->nmw++] = *m;
    return 0;
}

/* Adds a route; stream_body: the handler runs at the head and takes the body through on_body. */
static int add_route(struct avila_http_server *s, const char *method, const char *pattern,
                     avila_http_handler_fn *fn, void *arg, bool stream_body)
{
    if (s == NULL || fn == NULL)
        return AVILA_EINVAL;
    if (s->listening || s->draining)
        return AVILA_ESTATE;
    struct route *r = AVILA_NEW(s->a, struct route);
    if (r == NULL)
        return AVILA_ENOMEM;
    *r = (struct route){.fn = fn, .arg = arg, .stream_body = stream_body, .next = s->routes};
    int rc = avila_http_router_add(&s->router, method, pattern, r);
    if (rc != 0) {
        AVILA_DELETE(s->a, r, struct route);
        return rc;
    }
    s->routes = r;
    return 0;
}

int avila_http_server_route(struct avila_http_server *s, const char *method, const char *pattern,
                            avila_http_handler_fn *fn, void *arg)
{
    return add_route(s, method, pattern, fn, arg, false);
}

int avila_http_server_route_stream(struct avila_http_server *s, const char *method,
                                   const char *pattern, avila_http_handler_fn *fn, void *arg)
{
    return add_route(s, method, pattern, fn, arg, true);
}

void avila_http_on_body(struct avila_http_request_ctx *ctx, avila_http_body_fn *fn)
{
    struct conn *c = ctx->conn_;
    c->on_body = fn;
}

void avila_http_body_pause(struct avila_http_request_ctx *ctx, bool paused)
{
    struct conn *c = ctx->conn_;
    if (c->body_paused && !paused)
        kick(c);
    c->body_paused = paused;
}

static int listen_on(struct avila_http_server *s, int lfd, bool shared)
{
    if (s->listening || s->draining)
        return AVILA_ESTATE;
    s->listener.data = s;
    int rc = shared ? avila_listener_start_shared(s->loop, &s->listener, lfd, 0, on_accept)
                    : avila_listener_start(s->loop, &s->listener, lfd, 0, on_accept);
    if (rc != 0)
        return rc;
    s->lfd = lfd;
    s->listening = true;
    return 0;
}

int avila_http_server_listen_fd(struct avila_http_server *s, int lfd)
{
    return listen_on(s, lfd, false);
}

int avila_http_server_listen_fd_shared(struct avila_http_server *s, int lfd)
{
    return listen_on(s, lfd, true);
}

int avila_http_server_listen(struct avila_http_server *s, const struct avila_sockaddr *addr,
                             unsigned flags)
{
    int fd = avila_sock_listen(addr, 0, flags);
    if (fd < 0)
        return fd;
    int rc = avila_http_server_listen_fd(s, fd);
    if (rc != 0)
        close(fd);
    return rc;
}

int avila_http_server_local_addr(const struct avila_http_server *s, struct avila_sockaddr *out)
{
    if (s->lfd < 0)
        return AVILA_ESTATE;
    return avila_sock_local_addr(s->lfd, out);
}

const struct avila_http_server_stats *avila_http_server_stats(const struct avila_http_server *s)
{
    return &s->stats;
}

size_t avila_http_server_connections(const struct avila_http_server *s)
{
    return s->nconns;
}

struct avila_loop *avila_http_server_loop(const struct avila_http_server *s)
{
    return s->loop;
}

static void stop_listening(struct avila_http_server *s)
{
    if (s->listening) {
        avila_listener_stop(&s->listener);
        s->listening = false;
    }
    if (s->lfd >= 0) {
        close(s->lfd);
        s->lfd = -1;
    }
}

static void on_drain_deadline(struct avila_loop_timer *t)
{
    struct avila_http_server *s = t->data;
    while (s->conns != NULL)
        conn_close(s->conns); /* the last close stops the loop */
    avila_loop_stop(s->loop);
}

void avila_http_server_shutdown(struct avila_http_server *s, uint64_t deadline_ms)
{
    if (s->draining)
        return;
    s->draining = true;
    stop_listening(s);
    struct conn *c = s->conns;
    while (c != NULL) {
        struct conn *next = c->next;
        if (conn_idle(c) && c->state != ST_LINGER)
            conn_close(c);
        else if (c->state == ST_HEAD && c->rlen == 0)
            c->close_after = true; /* only output left: close after it */
        c = next;
    }
    if (s->nconns == 0) {
        avila_loop_stop(s->loop);
        return;
    }
    avila_loop_timer_start(s->loop, &s->drain_timer, deadline_ms, on_drain_deadline);
}

void avila_http_server_destroy(struct avila_http_server *s)
{
    if (s == NULL)
        return;
    s->draining = false; /* no loop stop from the closes below */
    while (s->conns != NULL)
        conn_close(s->conns);
    stop_listening(s);
    avila_loop_timer_stop(&s->drain_timer);
    while (s->nspare > 0)
        avila_free(s->a, s->spare[--s->nspare], input_bytes(s), BLOCK_ALIGN);
    while (s->nspare_wbuf > 0)
        avila_buf_release(&s->spare_wbuf[--s->nspare_wbuf]);
    avila_buf_release(&s->head);
    avila_http_router_release(&s->router);
    while (s->routes != NULL) {
        struct route *next = s->routes->next;
        AVILA_DELETE(s->a, s->routes, struct route);
        s->routes = next;
    }
    AVILA_DELETE(s->a, s, struct avila_http_server);
}
