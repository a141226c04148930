/*
 * net/http_server.c - the HTTP/1.1 server (see http_server.h). OS code:
 * sockets through net/sock, shutdown(2), close(2). Connection life:
 *
 *   HEAD  waiting for (the rest of) a request head in the read buffer
 *   BODY  the head is parsed; decoding its body in place, right after the
 *         head in the read buffer, into the connection's body buffer
 *   LINGER  the last answer is flushed and our side shut down; reading
 *         and discarding until the peer's FIN (or a short timer), so an
 *         unread request body does not turn our close into a reset that
 *         could destroy the answer before the client reads it
 *
 * drive() is the one place that moves a connection along: flush queued
 * output, process buffered requests, read more, repeat until it blocks.
 * The watcher is started for READ and WRITE once (edge-triggered, so an
 * idle socket costs no events) and readable remembers that a read may
 * still find bytes after we stopped reading for back-pressure.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"
#include "net/http_server.h"

enum conn_state { ST_HEAD, ST_BODY, ST_LINGER };
enum timer_kind { TK_NONE, TK_HEADER, TK_IDLE, TK_WRITE, TK_LINGER };

struct conn {
    struct avila_io io;
    struct avila_loop_timer timer;
    struct avila_http_server *srv;
    struct conn *next;
    struct conn *prev;
    struct avila_sockaddr peer;
    int fd;
    enum conn_state state;
    enum timer_kind timer_kind;
    bool readable;    /* a read may find bytes (edge seen, EAGAIN not yet) */
    bool eof;         /* the peer shut down its side */
    bool close_after; /* close once the queued output is sent */
    bool served;      /* at least one request answered */
    /*
     * input: the header array and rcap bytes of read buffer, one block taken
     * when bytes arrive and given back whenever the connection is idle, so
     * an idle keep-alive connection costs only this struct
     */
    struct avila_http1_header *headers;
    uint8_t *rbuf;
    size_t rcap;
    size_t rlen;
    size_t body_pos; /* BODY: where undecoded body bytes start (just after the head) */
    struct avila_http1_parser parser;
    struct avila_http1_request req;
    struct avila_http1_body bdec;
    struct avila_buf body;
    uint64_t start_ns;
    /* output */
    struct avila_buf wbuf;
    size_t woff;
    int file_fd;
    uint64_t file_off;
    uint64_t file_left;
};

struct avila_http_server {
    struct avila_loop *loop;
    const struct avila_allocator *a;
    struct avila_http_server_config cfg;
    struct avila_http1_limits lim; /* cfg.limits with max_content_length = max_body */
    avila_http_handler_fn *fn;
    void *arg;
    struct avila_listener listener;
    int lfd;
    bool listening;
    bool draining;
    struct avila_loop_timer drain_timer;
    struct conn *conns; /* list of open connections */
    size_t nconns;
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

/*
 * Builds a response head into the server's scratch buffer: status line,
 * Date, Server, Connection when needed (close; keep-alive for HTTP/1.0), the caller's fields,
 * Content-Length when with_length. Returns 0 or an error (AVILA_EINVAL for a bad field).
 */
static int build_head(struct conn *c, unsigned status, const struct avila_http1_header *headers,
                      size_t count, bool with_length, uint64_t length, bool close_conn, bool http10)
{
    struct avila_http_server *s = c->srv;
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
    if (rc == 0 && with_length)
        rc = avila_http1_write_header_u64(b, "Content-Length", length);
    if (rc == 0)
        rc = avila_http1_write_end(b);
    return rc;
}

static void log_access(struct conn *c, const char *method, size_t mlen, const char *target,
                       size_t tlen, unsigned status, uint64_t bytes)
{
    struct avila_http_server *s = c->srv;
    uint64_t us = (avila_time_mono_ns() - c->start_ns) / 1000;
    stat_add(&s->stats.requests[status / 100 < 6 ? status / 100 : 5], 1);
    stat_add(&s->stats.duration_us, us);
    static const uint64_t bounds[] = AVILA_HTTP_SERVER_LATENCY_BOUNDS_US;
    size_t b = 0;
    while (b < AVILA_ARRAY_LEN(bounds) && us > bounds[b])
        b++;
    stat_add(&s->stats.latency[b], 1);
    if (s->cfg.access_log == NULL)
        return;
    AVILA_LOG_INFO(s->cfg.access_log, "request", AVILA_LOG_STRN("method", method, mlen),
                   AVILA_LOG_STRN("target", target, tlen), AVILA_LOG_U64("status", status),
                   AVILA_LOG_U64("bytes", bytes), AVILA_LOG_U64("duration_us", us));
}

/* Answers a refused request head with status and closes after it. */
static void send_error(struct conn *c, unsigned status)
{
    static const char text[] = "request refused\n";
    c->state = ST_HEAD;
    c->start_ns = avila_time_mono_ns();
    struct avila_http1_header ct = {avila_slice_from_cstr("Content-Type"),
                                    avila_slice_from_cstr("text/plain")};
    int rc = build_head(c, status, &ct, 1, true, sizeof(text) - 1, true, false);
    if (rc == 0)
        rc = avila_buf_append(&c->wbuf, c->srv->head.data, c->srv->head.len);
    if (rc == 0)
        rc = avila_buf_append(&c->wbuf, text, sizeof(text) - 1);
    c->close_after = true;
    c->rlen = 0; /* nothing after a refused head is read as a request */
    log_access(c, "-", 1, "-", 1, status, rc == 0 ? c->srv->head.len + sizeof(text) - 1 : 0);
}

static int respond(struct avila_http_request_ctx *ctx, unsigned status,
                   const struct avila_http1_header *headers, size_t count, const void *body,
                   size_t len, int fd, uint64_t offset, uint64_t flen)
{
    if (ctx == NULL || ctx->answered_)
        return AVILA_ESTATE;
    if (status < 200 || status > 599 || (count > 0 && headers == NULL) || (len > 0 && body == NULL))
        return AVILA_EINVAL;
    struct conn *c = ctx->conn_;
    struct avila_http_server *s = c->srv;
    bool is_head = c->req.method_id == AVILA_HTTP1_METHOD_HEAD;
    bool no_body = status == 204 || status == 304;
    bool close_conn = !c->req.keep_alive || s->draining;
    uint64_t blen = fd >= 0 ? flen : len;
    int rc = build_head(c, status, headers, count, !no_body, blen, close_conn,
                        c->req.version_minor == 0);
    if (rc != 0)
        return rc;
    rc = avila_buf_append(&c->wbuf, s->head.data, s->head.len);
    if (rc != 0)
        return rc;
    uint64_t sent = s->head.len;
    if (!is_head && !no_body) {
        if (fd >= 0) {
            c->file_fd = fd;
            c->file_off = offset;
            c->file_left = flen;
            sent += flen;
        } else if (len > 0) {
            rc = avila_buf_append(&c->wbuf, body, len);
            if (rc != 0) {
                c->close_after = true; /* the head is queued: the answer is cut short */
                return rc;
            }
            sent += len;
        }
    } else if (fd >= 0) {
        close(fd);
    }
    if (close_conn)
        c->close_after = true;
    ctx->answered_ = 1;
    log_access(c, (const char *)c->req.method.ptr, c->req.method.len,
               (const char *)c->req.target.ptr, c->req.target.len, status, sent);
    return 0;
}

int avila_http_respond(struct avila_http_request_ctx *ctx, unsigned status,
                       const struct avila_http1_header *headers, size_t count, const void *body,
                       size_t len)
{
    return respond(ctx, status, headers, count, body, len, -1, 0, 0);
}

int avila_http_respond_file(struct avila_http_request_ctx *ctx, unsigned status,
                            const struct avila_http1_header *headers, size_t count, int fd,
                            uint64_t offset, uint64_t len)
{
    if (fd < 0)
        return AVILA_EINVAL;
    int rc = respond(ctx, status, headers, count, NULL, 0, fd, offset, len);
    if (rc != 0)
        close(fd);
    return rc;
}

/* ------------------------------------------------------------ input */

/* Runs the handler on the complete request, then makes room for the next one. */
static void dispatch(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    struct avila_http_request_ctx ctx = {
        .req = c->req,
        .body = avila_slice_make(c->body.data, c->body.len),
        .peer = &c->peer,
        .server = s,
        .arg = s->arg,
        .conn_ = c,
    };
    s->fn(&ctx);
    if (!ctx.answered_) {
        static const char text[] = "no answer\n";
        if (avila_http_respond(&ctx, 500, NULL, 0, text, sizeof(text) - 1) != 0)
            c->close_after = true;
    }
    /* The next request's bytes move to the front of the read buffer. */
    memmove(c->rbuf, c->rbuf + c->body_pos, c->rlen - c->body_pos);
    c->rlen -= c->body_pos;
    c->body_pos = 0;
    avila_buf_release(&c->body);
    avila_http1_parser_reset(&c->parser);
    c->state = ST_HEAD;
    c->served = true;
    if (c->timer_kind == TK_HEADER) {
        avila_loop_timer_stop(&c->timer);
        c->timer_kind = TK_NONE;
    }
}

/*
 * Decodes the body bytes in the read buffer. Returns 1 when the body is
 * complete, 0 when more input is needed, or -1 after answering an error.
 */
static int decode_body(struct conn *c)
{
    for (;;) {
        struct avila_http1_body_event ev;
        struct avila_http1_error err = {0};
        size_t avail = c->rlen - c->body_pos;
        int n = avila_http1_body_decode(&c->bdec, c->rbuf + c->body_pos, avail, &ev, &err);
        if (n < 0) {
            send_error(c, avila_http1_error_status(err.reason));
            return -1;
        }
        if (ev.kind == AVILA_HTTP1_EV_DATA && ev.data.len > 0 &&
            avila_buf_append(&c->body, ev.data.ptr, ev.data.len) != 0) {
            send_error(c, 413);
            return -1;
        }
        /* Drop the consumed bytes, keeping the head in place before them. */
        memmove(c->rbuf + c->body_pos, c->rbuf + c->body_pos + n, avail - (size_t)n);
        c->rlen -= (size_t)n;
        if (ev.kind == AVILA_HTTP1_EV_DONE)
            return 1;
        if (ev.kind == AVILA_HTTP1_EV_NONE)
            return 0;
    }
}

static bool backpressured(const struct conn *c)
{
    return c->file_fd >= 0 || c->wbuf.len - c->woff > c->srv->cfg.max_write_buffer;
}

/* Processes the buffered requests it can. Returns true if it made progress. */
static bool process(struct conn *c)
{
    bool progress = false;
    while (!c->close_after && c->state != ST_LINGER && !backpressured(c)) {
        if (c->state == ST_HEAD) {
            if (c->rlen == 0)
                break;
            struct avila_http1_error err = {0};
            int rc = avila_http1_parse_request(&c->parser, c->rbuf, c->rlen, c->headers,
                                               AVILA_HTTP_SERVER_MAX_HEADERS, &c->req, &err);
            if (rc == AVILA_EAGAIN)
                break;
            progress = true;
            if (rc < 0) {
                send_error(c, avila_http1_error_status(err.reason));
                break;
            }
            c->start_ns = avila_time_mono_ns();
            c->body_pos = (size_t)rc;
            avila_buf_init(&c->body, c->srv->a, (size_t)c->srv->cfg.max_body);
            if (c->req.body == AVILA_HTTP1_BODY_NONE) {
                dispatch(c);
                continue;
            }
            avila_http1_body_init(&c->bdec, c->req.body, c->req.content_length, &c->srv->lim);
            c->state = ST_BODY;
            if (c->req.expect_continue && c->rlen == c->body_pos &&
                avila_buf_append(&c->wbuf, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0) {
                c->close_after = true;
                break;
            }
        }
        int rc = decode_body(c);
        if (rc < 0) {
            progress = true;
            break;
        }
        if (rc == 0)
            break;
        progress = true;
        dispatch(c);
    }
    return progress;
}

/* ------------------------------------------------------------ connection */

static void on_timer(struct avila_loop_timer *t)
{
    struct conn *c = t->data;
    c->timer_kind = TK_NONE;
    if (c->state != ST_LINGER)
        stat_add(&c->srv->stats.timeouts, 1);
    conn_close(c);
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

/* Bytes of a connection's input block: the header array, then the read buffer. */
static size_t input_bytes(const struct conn *c)
{
    return AVILA_HTTP_SERVER_MAX_HEADERS * sizeof(struct avila_http1_header) + c->rcap;
}

/* Takes the input block before a read. Returns 0 or AVILA_ENOMEM. */
static int input_take(struct conn *c)
{
    void *p = avila_alloc(c->srv->a, input_bytes(c), _Alignof(struct avila_http1_header));
    if (p == NULL)
        return AVILA_ENOMEM;
    c->headers = p;
    c->rbuf = (uint8_t *)(c->headers + AVILA_HTTP_SERVER_MAX_HEADERS);
    return 0;
}

/* Gives the input block back (nothing is buffered, no request refers to it), and the output's. */
static void input_release(struct conn *c)
{
    if (c->headers != NULL)
        avila_free(c->srv->a, c->headers, input_bytes(c), _Alignof(struct avila_http1_header));
    c->headers = NULL;
    c->rbuf = NULL;
    avila_buf_release(&c->wbuf);
    c->woff = 0;
}

static void drive(struct conn *c)
{
    for (;;) {
        if (flush(c) < 0)
            goto close;
        bool pending = out_pending(c);
        if (c->state == ST_LINGER) {
            uint8_t sink[4096];
            for (;;) {
                int n = avila_sock_read(c->fd, sink, sizeof(sink));
                if (n == AVILA_EAGAIN)
                    return;
                if (n <= 0)
                    goto close;
            }
        }
        if (c->close_after) {
            if (pending)
                break;
            begin_linger(c);
            continue;
        }
        if (process(c))
            continue;
        if (c->srv->draining && conn_idle(c))
            goto close;
        if (c->eof) {
            if (pending)
                break;
            goto close; /* no complete request left, and the peer sends no more */
        }
        if (!c->readable || c->rlen == c->rcap || backpressured(c))
            break;
        if (c->rbuf == NULL && input_take(c) != 0)
            goto close;
        int n = avila_sock_read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
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
    }
    if (conn_idle(c))
        input_release(c);
    set_timer(c);
    return;
close:
    conn_close(c);
}

static void on_io(struct avila_io *io, unsigned events)
{
    struct conn *c = AVILA_LOOP_CONTAINER(io, struct conn, io);
    if (events & (AVILA_LOOP_READ | AVILA_LOOP_HUP | AVILA_LOOP_ERROR))
        c->readable = true;
    drive(c);
}

static void drain_done(struct avila_http_server *s)
{
    avila_loop_timer_stop(&s->drain_timer);
    avila_loop_stop(s->loop);
}

static void conn_close(struct conn *c)
{
    struct avila_http_server *s = c->srv;
    avila_io_stop(&c->io);
    avila_loop_timer_stop(&c->timer);
    close(c->fd);
    c->fd = -1;
    if (c->file_fd >= 0)
        close(c->file_fd);
    input_release(c);
    avila_buf_release(&c->body);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nconns--;
    atomic_fetch_sub_explicit(&s->stats.open, 1, memory_order_relaxed);
    avila_free(s->a, c, sizeof(*c), _Alignof(struct conn));
    if (s->draining && s->nconns == 0)
        drain_done(s);
}

static void on_accept(struct avila_listener *l, int fd, const struct avila_sockaddr *peer)
{
    struct avila_http_server *s = l->data;
    stat_add(&s->stats.accepted, 1);
    size_t rcap = s->lim.max_head_bytes + AVILA_HTTP_SERVER_READ_SLACK;
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
    c->rcap = rcap;
    c->readable = true;
    avila_http1_parser_init(&c->parser, &s->lim);
    avila_buf_init(&c->wbuf, s->a, SIZE_MAX);
    avila_buf_init(&c->body, s->a, 0);
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
    if (out == NULL || loop == NULL || a == NULL || fn == NULL)
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
    if (s->cfg.max_connections == 0)
        s->cfg.max_connections = AVILA_HTTP_SERVER_DEFAULT_MAX_CONNECTIONS;
    if (s->cfg.max_write_buffer == 0)
        s->cfg.max_write_buffer = AVILA_HTTP_SERVER_DEFAULT_MAX_WRITE;
    s->lim = s->cfg.limits;
    if (s->lim.max_head_bytes == 0)
        s->lim.max_head_bytes = AVILA_HTTP1_DEFAULT_MAX_HEAD_BYTES;
    if (s->lim.max_headers == 0 || s->lim.max_headers > AVILA_HTTP_SERVER_MAX_HEADERS)
        s->lim.max_headers = AVILA_HTTP_SERVER_MAX_HEADERS;
    s->lim.max_content_length = s->cfg.max_body;
    avila_buf_init(&s->head, a, SIZE_MAX);
    avila_loop_timer_init(&s->drain_timer);
    s->drain_timer.data = s;
    *out = s;
    return 0;
}

int avila_http_server_listen_fd(struct avila_http_server *s, int lfd)
{
    if (s->listening || s->draining)
        return AVILA_ESTATE;
    s->listener.data = s;
    int rc = avila_listener_start(s->loop, &s->listener, lfd, 0, on_accept);
    if (rc != 0)
        return rc;
    s->lfd = lfd;
    s->listening = true;
    return 0;
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
    avila_buf_release(&s->head);
    AVILA_DELETE(s->a, s, struct avila_http_server);
}
