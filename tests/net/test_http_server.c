/*
 * tests/net/test_http_server.c - net/http_server driven by raw blocking
 * sockets on 127.0.0.1: the server runs on a loop in its own thread with
 * short timeouts; each test talks to it byte by byte and parses the answers
 * with net/http1's response parser. Covers the connection limit,
 * keep-alive reuse, three pipelined requests in one write, refused heads
 * (400, 413, 431, 505, each followed by a close), a chunked body over the
 * limit (413), a slow head closed by the header timeout, an idle keep-alive
 * connection closed by the idle timeout, Expect: 100-continue, a chunked
 * request body, HEAD framing, the 500 sent for a handler that does not
 * answer, back-pressure on a client that does not read, and a graceful
 * shutdown that closes idle connections, finishes a request in progress,
 * refuses new ones and stops the loop.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/time.h"
#include "net/http_middleware.h"
#include "net/http_server.h"

struct fixture {
    struct avila_loop *loop;
    struct avila_http_server *srv;
    pthread_t thread;
    struct avila_sockaddr addr;
    struct avila_loop_task task;
};

#define BIG_LEN   (8u << 20)
#define FLOOD_LEN (4u << 20)

/* Requests answered later, from a loop timer: the handler keeps ctx until then. */
struct later {
    struct avila_loop_timer timer;
    struct avila_http_request_ctx *ctx;
    int step; /* /stream: parts written so far */
    bool busy;
};
static struct later laters[8];
static atomic_int aborts;      /* on_abort calls */
static atomic_uint last_done;  /* status seen by the test middleware's on_done */
static atomic_uint done_count; /* on_done calls */
static char log_text[1 << 16]; /* the access log's lines */
static size_t log_len;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t flood_sent; /* /flood: body bytes written so far */

static void log_sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    pthread_mutex_lock(&log_lock);
    if (log_len + len < sizeof(log_text)) {
        memcpy(log_text + log_len, line, len);
        log_len += len;
        log_text[log_len] = '\0';
    }
    pthread_mutex_unlock(&log_lock);
}

static void on_abort(struct avila_http_request_ctx *ctx)
{
    struct later *l = ctx->user;
    if (l != NULL) {
        avila_loop_timer_stop(&l->timer);
        l->busy = false;
    }
    atomic_fetch_add(&aborts, 1);
}

/* /later answers 50 ms after the request; /stream writes five parts 10 ms apart. */
static void later_fire(struct avila_loop_timer *t)
{
    struct later *l = t->data;
    struct avila_http_request_ctx *ctx = l->ctx;
    if (avila_slice_equal(ctx->path, avila_slice_from_cstr("/later"))) {
        l->busy = false;
        assert_int_equal(avila_http_respond(ctx, 200, NULL, 0, "late", 4), 0);
        return;
    }
    if (l->step == 5) {
        struct avila_http1_header tr = {avila_slice_from_cstr("X-Parts"),
                                        avila_slice_from_cstr("5")};
        l->busy = false;
        assert_int_equal(avila_http_respond_end(ctx, &tr, 1), 0);
        return;
    }
    char part[16];
    int n = snprintf(part, sizeof(part), "part%d;", l->step++);
    assert_int_equal(avila_http_respond_write(ctx, part, (size_t)n), 0);
    avila_loop_timer_start(avila_http_server_loop(ctx->server), &l->timer, 10, later_fire);
}

static void answer_later(struct avila_http_request_ctx *ctx, uint64_t ms)
{
    struct later *l = NULL;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(laters) && l == NULL; i++)
        if (!laters[i].busy)
            l = &laters[i];
    assert_non_null(l);
    l->busy = true;
    l->ctx = ctx;
    l->step = 0;
    l->timer.data = l;
    ctx->user = l;
    avila_http_on_abort(ctx, on_abort);
    avila_loop_timer_start(avila_http_server_loop(ctx->server), &l->timer, ms, later_fire);
}

/* /flood: FLOOD_LEN bytes of a counting pattern, written whenever the server has room. */
static void flood_more(struct avila_http_request_ctx *ctx)
{
    static uint8_t piece[65536];
    while (flood_sent < FLOOD_LEN) {
        for (size_t i = 0; i < sizeof(piece); i++)
            piece[i] = (uint8_t)((flood_sent + i) * 7);
        flood_sent += sizeof(piece);
        int rc = avila_http_respond_write(ctx, piece, sizeof(piece));
        assert_true(rc == 0 || rc == 1);
        if (rc == 1)
            return; /* on_drain calls again */
    }
    assert_int_equal(avila_http_respond_end(ctx, NULL, 0), 0);
}

/* The rest of the connection after /upgrade: says what came after the request, then closes. */
static void took_over(void *arg, struct avila_loop *loop, int fd, const struct avila_sockaddr *peer,
                      const uint8_t *rest, size_t rest_len)
{
    (void)arg;
    (void)loop;
    (void)peer;
    char out[256];
    int n = snprintf(out, sizeof(out), "rest:%.*s", (int)rest_len, (const char *)rest);
    assert_int_equal(send(fd, out, (size_t)n, MSG_NOSIGNAL), n);
    close(fd);
}

/*
 * Echoes "METHOD TARGET|BODY"; /none does not answer; /big answers 8 MiB;
 * /later and /stream answer from a timer; /hang never answers but wants
 * to hear of an abort; /flood streams FLOOD_LEN bytes under back-pressure;
 * /short declares 10 bytes and sends 3; /upgrade takes the connection over.
 */
static void handler(struct avila_http_request_ctx *ctx)
{
    const struct avila_http1_request *r = &ctx->req;
    struct avila_slice path = ctx->path;
    if (avila_slice_equal(path, avila_slice_from_cstr("/none")))
        return;
    if (avila_slice_equal(path, avila_slice_from_cstr("/hang"))) {
        avila_http_on_abort(ctx, on_abort);
        return;
    }
    if (avila_slice_equal(path, avila_slice_from_cstr("/later"))) {
        answer_later(ctx, 50);
        return;
    }
    if (avila_slice_equal(path, avila_slice_from_cstr("/stream"))) {
        assert_int_equal(avila_http_respond_start(ctx, 200, NULL, 0, AVILA_HTTP_LENGTH_UNKNOWN), 0);
        assert_int_equal(avila_http_respond(ctx, 200, NULL, 0, NULL, 0), AVILA_ESTATE);
        answer_later(ctx, 10);
        return;
    }
    if (avila_slice_equal(path, avila_slice_from_cstr("/flood"))) {
        flood_sent = 0;
        avila_http_on_drain(ctx, flood_more);
        assert_int_equal(avila_http_respond_start(ctx, 200, NULL, 0, FLOOD_LEN), 0);
        flood_more(ctx);
        return;
    }
    if (avila_slice_equal(path, avila_slice_from_cstr("/short"))) {
        assert_int_equal(avila_http_respond_start(ctx, 200, NULL, 0, 10), 0);
        assert_int_equal(avila_http_respond_write(ctx, "abc", 3), 0);
        assert_int_equal(avila_http_respond_write(ctx, "0123456789", 10), AVILA_EINVAL);
        assert_int_equal(avila_http_respond_end(ctx, NULL, 0), AVILA_ERANGE);
        return;
    }
    if (avila_slice_equal(path, avila_slice_from_cstr("/upgrade"))) {
        static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
                                   "Connection: Upgrade\r\n\r\n";
        assert_int_equal(avila_http_takeover(ctx, head, sizeof(head) - 1, took_over, NULL), 0);
        return;
    }
    if (avila_slice_equal(path, avila_slice_from_cstr("/big"))) {
        static uint8_t big[BIG_LEN];
        memset(big, 'b', sizeof(big));
        assert_int_equal(avila_http_respond(ctx, 200, NULL, 0, big, sizeof(big)), 0);
        return;
    }
    char out[4096];
    int n = snprintf(out, sizeof(out), "%.*s %.*s|%.*s", (int)r->method.len,
                     (const char *)r->method.ptr, (int)r->target.len, (const char *)r->target.ptr,
                     (int)ctx->body.len, (const char *)ctx->body.ptr);
    assert_true(n > 0 && (size_t)n < sizeof(out));
    struct avila_http1_header h = {avila_slice_from_cstr("X-Test"), avila_slice_from_cstr("1")};
    assert_int_equal(avila_http_respond(ctx, 200, &h, 1, out, (size_t)n), 0);
    assert_int_equal(avila_http_respond(ctx, 200, NULL, 0, NULL, 0), AVILA_ESTATE);
}

/* Routed: "ROUTE PATTERN name=value..." */
static void routed(struct avila_http_request_ctx *ctx)
{
    char out[512];
    size_t n = (size_t)snprintf(out, sizeof(out), "%s %.*s", (const char *)ctx->arg,
                                (int)ctx->route.pattern.len, (const char *)ctx->route.pattern.ptr);
    for (size_t i = 0; i < ctx->route.param_count; i++) {
        const struct avila_http_router_param *p = &ctx->route.params[i];
        n += (size_t)snprintf(out + n, sizeof(out) - n, " %.*s=%.*s", (int)p->name.len,
                              (const char *)p->name.ptr, (int)p->value.len,
                              (const char *)p->value.ptr);
    }
    struct avila_slice id;
    if (avila_http_param(ctx, "id", &id) == 0)
        n += (size_t)snprintf(out + n, sizeof(out) - n, " (id %.*s)", (int)id.len,
                              (const char *)id.ptr);
    assert_int_equal(avila_http_respond(ctx, 200, NULL, 0, out, n), 0);
}

/*
 * Streamed uploads to /upload: the body's length and a checksum come back
 * at its end; ?deny answers 403 at the head; ?pause holds the body 30 ms
 * after its first piece; ?echo streams the body straight back (chunked).
 */
static struct {
    uint64_t count, sum;
    bool echo;
    struct avila_loop_timer resume;
    struct avila_http_request_ctx *ctx;
} up;

static void upload_resume(struct avila_loop_timer *t)
{
    (void)t;
    avila_http_body_pause(up.ctx, false);
}

static void upload_body(struct avila_http_request_ctx *ctx, const uint8_t *data, size_t len,
                        bool last)
{
    if (up.echo) {
        if (len > 0)
            assert_true(avila_http_respond_write(ctx, data, len) >= 0);
        if (last)
            assert_int_equal(avila_http_respond_end(ctx, NULL, 0), 0);
        return;
    }
    bool first = up.count == 0;
    for (size_t i = 0; i < len; i++)
        up.sum = up.sum * 31 + data[i];
    up.count += len;
    if (first && len > 0 && avila_slice_equal(ctx->query, avila_slice_from_cstr("pause"))) {
        avila_http_body_pause(ctx, true);
        up.ctx = ctx;
        up.resume.data = NULL;
        avila_loop_timer_start(avila_http_server_loop(ctx->server), &up.resume, 30, upload_resume);
    }
    if (last) {
        char out[96];
        int n = snprintf(out, sizeof(out), "count=%llu sum=%llu", (unsigned long long)up.count,
                         (unsigned long long)up.sum);
        assert_int_equal(avila_http_respond(ctx, 200, NULL, 0, out, (size_t)n), 0);
    }
}

static void upload(struct avila_http_request_ctx *ctx)
{
    assert_int_equal(ctx->body.len, 0);
    up.count = up.sum = 0;
    up.echo = avila_slice_equal(ctx->query, avila_slice_from_cstr("echo"));
    if (avila_slice_equal(ctx->query, avila_slice_from_cstr("deny"))) {
        assert_int_equal(avila_http_respond(ctx, 403, NULL, 0, "no", 2), 0);
        return;
    }
    avila_http_on_abort(ctx, on_abort);
    avila_http_on_body(ctx, upload_body);
    if (up.echo)
        assert_int_equal(avila_http_respond_start(ctx, 200, NULL, 0, AVILA_HTTP_LENGTH_UNKNOWN), 0);
}

/* Test middleware: /deny is answered 403 before the handler; every answer gets "X-Mw: on". */
static void mw_request(struct avila_http_request_ctx *ctx, void *arg)
{
    (void)arg;
    assert_int_equal(
        avila_http_add_header(ctx, avila_slice_from_cstr("X-Mw"), avila_slice_from_cstr("on")), 0);
    assert_int_equal(
        avila_http_add_header(ctx, avila_slice_from_cstr("Bad Name"), avila_slice_from_cstr("x")),
        AVILA_EINVAL);
    if (avila_slice_equal(ctx->path, avila_slice_from_cstr("/deny")))
        assert_int_equal(avila_http_respond(ctx, 403, NULL, 0, "no", 2), 0);
}

static void mw_done(struct avila_http_request_ctx *ctx, const struct avila_http_outcome *o,
                    void *arg)
{
    (void)ctx;
    (void)arg;
    atomic_store(&last_done, o->status);
    atomic_fetch_add(&done_count, 1);
}

static void *run_loop(void *arg)
{
    struct fixture *f = arg;
    avila_loop_run(f->loop);
    return NULL;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    assert_int_equal(avila_loop_create(&f.loop, avila_allocator_libc(), NULL), 0);
    struct avila_http_server_config cfg = {
        .max_body = 1000,
        .header_timeout_ms = 300,
        .idle_timeout_ms = 2000,
        .max_write_buffer = (size_t)64 * 1024,
        .max_connections = 8,
        .handler_timeout_ms = 300,
        .max_stream_body = (uint64_t)8 << 20,
    };
    assert_int_equal(
        avila_http_server_create(&f.srv, f.loop, avila_allocator_libc(), &cfg, handler, NULL), 0);
    static struct avila_http_request_ids ids;
    static struct avila_log log;
    struct avila_log_config lc = {
        .min_level = AVILA_LOG_LEVEL_INFO, .format = AVILA_LOG_FORMAT_LOGFMT, .sink = log_sink};
    assert_int_equal(avila_log_init(&log, &lc), 0);
    struct avila_http_middleware m;
    assert_int_equal(avila_http_request_id_middleware(&m, &ids), 0);
    assert_int_equal(avila_http_server_use(f.srv, &m), 0);
    avila_http_access_log_middleware(&m, &log);
    assert_int_equal(avila_http_server_use(f.srv, &m), 0);
    m = (struct avila_http_middleware){.on_request = mw_request, .on_done = mw_done};
    assert_int_equal(avila_http_server_use(f.srv, &m), 0);
    assert_int_equal(avila_http_server_route(f.srv, "GET", "/users/:id", routed, "get"), 0);
    assert_int_equal(avila_http_server_route(f.srv, "POST", "/users/:id", routed, "post"), 0);
    assert_int_equal(avila_http_server_route(f.srv, "GET", "/users/new", routed, "new"), 0);
    assert_int_equal(avila_http_server_route(f.srv, NULL, "/files/*rest", routed, "any"), 0);
    assert_int_equal(avila_http_server_route(f.srv, "GET", "/users/:id", routed, "again"),
                     AVILA_EEXIST);
    assert_int_equal(avila_http_server_route(f.srv, "GET", "no-slash", routed, NULL), AVILA_EINVAL);
    assert_int_equal(avila_http_server_route_stream(f.srv, "POST", "/upload", upload, NULL), 0);
    avila_loop_timer_init(&up.resume);
    struct avila_sockaddr a;
    assert_int_equal(avila_sockaddr_parse(&a, "127.0.0.1:0", 11), 0);
    assert_int_equal(avila_http_server_listen(f.srv, &a, 0), 0);
    assert_int_equal(avila_http_server_local_addr(f.srv, &f.addr), 0);
    assert_int_equal(pthread_create(&f.thread, NULL, run_loop, &f), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    avila_loop_stop(f->loop);
    pthread_join(f->thread, NULL);
    avila_http_server_destroy(f->srv);
    avila_loop_destroy(f->loop);
    return 0;
}

/* ------------------------------------------------------------ client */

struct client {
    int fd;
    size_t len;
    uint8_t buf[1 << 16];
};

static void client_open(struct client *c, const struct fixture *f)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(c->fd >= 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(c->fd, &f->addr.u.sa, f->addr.len), 0);
    c->len = 0;
}

static void client_send(struct client *c, const char *s)
{
    size_t n = strlen(s);
    assert_int_equal(send(c->fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Reads more bytes; returns the count, 0 at EOF (fails on timeout). */
static size_t client_fill(struct client *c)
{
    assert_true(c->len < sizeof(c->buf));
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n < 0)
        fail_msg("recv timed out or failed");
    c->len += (size_t)n;
    return (size_t)n;
}

/*
 * Reads one response to a request of method m, in any framing (length,
 * chunked, until close): returns its status, copies its body (NUL-ended)
 * to body, the last header or trailer line named X-Parts or X-Request-Id
 * or X-Mw into the globals below, and sets *keep_alive.
 */
static char got_request_id[128];
static char got_mw[16];
static char got_parts[16];

static void copy_field(char *dst, size_t cap, struct avila_slice v)
{
    size_t n = v.len < cap - 1 ? v.len : cap - 1;
    memcpy(dst, v.ptr, n);
    dst[n] = '\0';
}

static void note_field(const struct avila_http1_header *h)
{
    if (avila_slice_equal(h->name, avila_slice_from_cstr("X-Request-Id")))
        copy_field(got_request_id, sizeof(got_request_id), h->value);
    if (avila_slice_equal(h->name, avila_slice_from_cstr("X-Mw")))
        copy_field(got_mw, sizeof(got_mw), h->value);
    if (avila_slice_equal(h->name, avila_slice_from_cstr("X-Parts")))
        copy_field(got_parts, sizeof(got_parts), h->value);
}

static unsigned client_response(struct client *c, enum avila_http1_method m, char *body, size_t cap,
                                bool *keep_alive)
{
    struct avila_http1_header hs[32];
    struct avila_http1_response resp;
    int rc;
    got_request_id[0] = got_mw[0] = got_parts[0] = '\0';
    while ((rc = avila_http1_parse_response(NULL, c->buf, c->len, m, hs, 32, &resp, NULL)) ==
           AVILA_EAGAIN)
        if (client_fill(c) == 0)
            fail_msg("connection closed before a response head");
    assert_true(rc > 0);
    for (size_t i = 0; i < resp.header_count; i++)
        note_field(&hs[i]);
    size_t pos = (size_t)rc, blen = 0;
    struct avila_http1_body d;
    avila_http1_body_init(&d, resp.body, resp.content_length, NULL);
    for (;;) {
        struct avila_http1_body_event ev;
        int n = avila_http1_body_decode(&d, c->buf + pos, c->len - pos, &ev, NULL);
        assert_true(n >= 0);
        pos += (size_t)n;
        if (ev.kind == AVILA_HTTP1_EV_DATA) {
            assert_true(blen + ev.data.len < cap);
            memcpy(body + blen, ev.data.ptr, ev.data.len);
            blen += ev.data.len;
        } else if (ev.kind == AVILA_HTTP1_EV_TRAILER) {
            note_field(&ev.trailer);
        } else if (ev.kind == AVILA_HTTP1_EV_DONE) {
            break;
        } else {
            memmove(c->buf, c->buf + pos, c->len - pos); /* keep an incomplete trailer line */
            c->len -= pos;
            pos = 0;
            if (client_fill(c) == 0) {
                assert_int_equal(avila_http1_body_eof(&d, NULL), 0);
                break;
            }
        }
    }
    body[blen] = '\0';
    if (keep_alive != NULL)
        *keep_alive = resp.keep_alive;
    memmove(c->buf, c->buf + pos, c->len - pos);
    c->len -= pos;
    return resp.status;
}

/* The server closes: recv sees EOF (within the receive timeout). */
static void client_expect_close(struct client *c)
{
    c->len = 0;
    while (client_fill(c) != 0)
        c->len = 0;
}

static uint64_t stat_of(const atomic_uint_fast64_t *v)
{
    return atomic_load(v);
}

/* ------------------------------------------------------------ tests */

/* Eight connections are served; a ninth is closed at once; closing one makes room. */
static void max_connections(void **state)
{
    struct fixture *f = *state;
    const struct avila_http_server_stats *st = avila_http_server_stats(f->srv);
    uint64_t rejected = stat_of(&st->rejected);
    static struct client cs[9];
    char body[256];
    for (int i = 0; i < 8; i++) {
        client_open(&cs[i], f);
        client_send(&cs[i], "GET /k HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_int_equal(client_response(&cs[i], AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL),
                         200);
    }
    assert_int_equal(avila_http_server_connections(f->srv), 8);
    client_open(&cs[8], f);
    client_expect_close(&cs[8]);
    close(cs[8].fd);
    assert_int_equal(stat_of(&st->rejected), rejected + 1);
    close(cs[0].fd);
    for (int i = 0; i < 100 && avila_http_server_connections(f->srv) > 7; i++)
        avila_time_sleep_ns(10 * 1000000ull);
    client_open(&cs[8], f);
    client_send(&cs[8], "GET /k HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&cs[8], AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL),
                     200);
    for (int i = 1; i < 9; i++)
        close(cs[i].fd);
    for (int i = 0; i < 100 && avila_http_server_connections(f->srv) > 0; i++)
        avila_time_sleep_ns(10 * 1000000ull);
    assert_int_equal(avila_http_server_connections(f->srv), 0);
}

static void keep_alive_reuse(void **state)
{
    struct fixture *f = *state;
    const struct avila_http_server_stats *st = avila_http_server_stats(f->srv);
    uint64_t accepted = stat_of(&st->accepted);
    struct client c;
    char body[256];
    bool ka;
    client_open(&c, f);
    for (int i = 0; i < 3; i++) {
        client_send(&c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka), 200);
        assert_string_equal(body, "GET /a|");
        assert_true(ka);
    }
    /* HTTP/1.0 asking for keep-alive is told it is kept. */
    client_send(&c, "GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    while (memmem(c.buf, c.len, "\r\n\r\n", 4) == NULL)
        assert_true(client_fill(&c) > 0);
    assert_non_null(memmem(c.buf, c.len, "\r\nConnection: keep-alive\r\n", 26));
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /k|");
    assert_int_equal(stat_of(&st->accepted), accepted + 1);
    /* HTTP/1.0 without keep-alive: answered, then closed. */
    client_send(&c, "GET /b HTTP/1.0\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka), 200);
    assert_false(ka);
    client_expect_close(&c);
    close(c.fd);
}

static void pipelining(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    client_open(&c, f);
    client_send(&c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /1|");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "POST /2|abc");
    bool ka = true;
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka), 200);
    assert_string_equal(body, "GET /3|");
    assert_false(ka);
    client_expect_close(&c);
    close(c.fd);
}

static void refused_heads(void **state)
{
    struct fixture *f = *state;
    static char big[20000];
    int pre = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    assert_true(pre > 0);
    memset(big + pre, 'a', sizeof(big) - 1 - (size_t)pre); /* no end of head before 16 KiB */
    big[sizeof(big) - 1] = '\0';
    static const struct {
        const char *req;
        unsigned status;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n\r\n", 400}, /* no Host */
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
         400},
        {big, 431},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        struct client c;
        char body[256];
        bool ka = true;
        client_open(&c, f);
        client_send(&c, cases[i].req);
        unsigned got = client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka);
        if (got != cases[i].status)
            fail_msg("case %zu: status %u, want %u", i, got, cases[i].status);
        assert_false(ka);
        client_expect_close(&c);
        close(c.fd);
    }
}

static void chunked_body_too_large(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    client_open(&c, f);
    client_send(&c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    char data[513], chunk[600];
    memset(data, 'z', 512);
    data[512] = '\0';
    snprintf(chunk, sizeof(chunk), "200\r\n%s\r\n", data); /* 0x200 bytes of data */
    client_send(&c, chunk);
    client_send(&c, chunk); /* 1024 > max_body 1000 */
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 413);
    client_expect_close(&c);
    close(c.fd);
}

static void header_timeout(void **state)
{
    struct fixture *f = *state;
    const struct avila_http_server_stats *st = avila_http_server_stats(f->srv);
    uint64_t timeouts = stat_of(&st->timeouts);
    struct client c;
    client_open(&c, f);
    uint64_t t0 = avila_time_mono_ms();
    client_send(&c, "GET / HTTP/1.1\r\n");
    avila_time_sleep_ns(100 * 1000000ull);
    client_send(&c, "Host: x\r\n"); /* trickling bytes do not extend the deadline */
    char body[256];
    bool ka = true;
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka), 408);
    assert_false(ka);
    client_expect_close(&c);
    uint64_t took = avila_time_mono_ms() - t0;
    assert_true(took >= 250 && took < 2500);
    assert_int_equal(stat_of(&st->timeouts), timeouts + 1);
    close(c.fd);
}

/* A keep-alive connection with nothing in progress is closed after idle_timeout_ms. */
static void idle_timeout(void **state)
{
    struct fixture *f = *state;
    const struct avila_http_server_stats *st = avila_http_server_stats(f->srv);
    uint64_t timeouts = stat_of(&st->timeouts);
    struct client c;
    char body[256];
    client_open(&c, f);
    client_send(&c, "GET /i HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    uint64_t t0 = avila_time_mono_ms();
    client_expect_close(&c);
    uint64_t took = avila_time_mono_ms() - t0;
    /* Longer than the 300 ms header timeout: the idle one (2 s) applies between requests. */
    assert_true(took >= 1900 && took < 4500);
    assert_int_equal(stat_of(&st->timeouts), timeouts + 1);
    close(c.fd);
}

static void expect_continue(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    client_open(&c, f);
    client_send(&c, "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                    "5\r\n\r\n");
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    while (c.len < sizeof(cont) - 1)
        assert_true(client_fill(&c) > 0);
    assert_memory_equal(c.buf, cont, sizeof(cont) - 1);
    memmove(c.buf, c.buf + sizeof(cont) - 1, c.len - (sizeof(cont) - 1));
    c.len -= sizeof(cont) - 1;
    client_send(&c, "hello");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_PUT, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "PUT /up|hello");
    /* Declared too large: 413 at once, no 100 Continue. */
    client_send(&c, "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                    "5000\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_PUT, body, sizeof(body), NULL), 413);
    close(c.fd);
}

static void chunked_body(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    client_open(&c, f);
    client_send(&c, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    avila_time_sleep_ns(20 * 1000000ull);
    client_send(&c, "lo\r\n6;ext=1\r\n world\r\n0\r\nTrailer-A: b\r\n\r\n"
                    "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "POST /c|hello world");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /after|");
    close(c.fd);
}

/* HEAD framing; a handler that never answers gets 503 after handler_timeout_ms, then a close. */
static void head_and_503(void **state)
{
    struct fixture *f = *state;
    const struct avila_http_server_stats *st = avila_http_server_stats(f->srv);
    uint64_t timeouts = stat_of(&st->timeouts);
    struct client c;
    char body[256];
    client_open(&c, f);
    client_send(&c, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /h HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_HEAD, body, sizeof(body), NULL), 200);
    /* The HEAD answer carried Content-Length of the GET body but no body: the GET answer follows.
     */
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /h|");
    uint64_t t0 = avila_time_mono_ms();
    client_send(&c, "GET /none HTTP/1.1\r\nHost: x\r\n\r\n");
    bool ka = true;
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka), 503);
    uint64_t took = avila_time_mono_ms() - t0;
    assert_true(took >= 250 && took < 2500);
    assert_false(ka);
    assert_int_equal(atomic_load(&last_done), 503);
    client_expect_close(&c);
    assert_int_equal(stat_of(&st->timeouts), timeouts + 1);
    close(c.fd);
}

/* Answers given later keep pipelined requests in order; a half-closed client still gets its answer.
 */
static void async_answers(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    client_open(&c, f);
    uint64_t t0 = avila_time_mono_ms();
    client_send(&c, "GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /now HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "late");
    assert_true(avila_time_mono_ms() - t0 >= 45);
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /now|");
    client_send(&c, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "late");
    client_expect_close(&c);
    close(c.fd);
}

/* A streamed answer: chunked with a trailer for HTTP/1.1, until close for HTTP/1.0. */
static void streamed_answers(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    bool ka = false;
    client_open(&c, f);
    client_send(&c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka), 200);
    assert_string_equal(body, "part0;part1;part2;part3;part4;");
    assert_string_equal(got_parts, "5");
    assert_true(ka);
    /* HEAD of a streamed answer: the head only, and the connection stays usable. */
    client_send(&c, "HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_HEAD, body, sizeof(body), NULL), 200);
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /x|");
    close(c.fd);
    client_open(&c, f);
    client_send(&c, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), &ka), 200);
    assert_string_equal(body, "part0;part1;part2;part3;part4;");
    assert_false(ka);
    close(c.fd);
    /* Fewer bytes than declared: the answer is cut and the connection closed. */
    client_open(&c, f);
    client_send(&c, "GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
    c.len = 0;
    size_t got = 0;
    while (client_fill(&c) != 0)
        got = c.len;
    assert_non_null(memmem(c.buf, got, "Content-Length: 10\r\n", 20));
    assert_memory_equal(c.buf + got - 3, "abc", 3);
    close(c.fd);
}

/* A streamed answer larger than the write buffer waits for on_drain and arrives whole. */
static void streamed_back_pressure(void **state)
{
    struct fixture *f = *state;
    struct client c;
    client_open(&c, f);
    client_send(&c, "GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
    avila_time_sleep_ns(100 * 1000000ull); /* let the server fill its buffer and wait */
    assert_true(flood_sent < FLOOD_LEN);
    struct avila_http1_header hs[16];
    struct avila_http1_response resp;
    int rc;
    while ((rc = avila_http1_parse_response(NULL, c.buf, c.len, AVILA_HTTP1_METHOD_GET, hs, 16,
                                            &resp, NULL)) == AVILA_EAGAIN)
        assert_true(client_fill(&c) > 0);
    assert_true(rc > 0);
    assert_int_equal(resp.content_length, FLOOD_LEN);
    uint64_t pos = 0;
    size_t have = c.len - (size_t)rc;
    memmove(c.buf, c.buf + rc, have);
    for (;;) {
        for (size_t i = 0; i < have; i++)
            if (c.buf[i] != (uint8_t)((pos + i) * 7))
                fail_msg("byte %llu differs", (unsigned long long)(pos + i));
        pos += have;
        if (pos == FLOOD_LEN)
            break;
        ssize_t n = recv(c.fd, c.buf, sizeof(c.buf), 0);
        assert_true(n > 0);
        have = (size_t)n;
    }
    close(c.fd);
}

/* A client that vanishes while its answer is pending: the handler hears of it. */
static void abort_on_vanish(void **state)
{
    struct fixture *f = *state;
    const struct avila_http_server_stats *st = avila_http_server_stats(f->srv);
    uint64_t aborted = stat_of(&st->aborted);
    int before = atomic_load(&aborts);
    struct client c;
    client_open(&c, f);
    client_send(&c, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
    avila_time_sleep_ns(20 * 1000000ull);
    struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* a reset, as a crashed client sends */
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(c.fd);
    for (int i = 0; i < 200 && atomic_load(&aborts) == before; i++)
        avila_time_sleep_ns(5 * 1000000ull);
    assert_int_equal(atomic_load(&aborts), before + 1);
    assert_int_equal(stat_of(&st->aborted), aborted + 1);
    /* One that vanishes in the middle of a request head or body costs nothing more. */
    client_open(&c, f);
    client_send(&c, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    close(c.fd);
    for (int i = 0; i < 200 && avila_http_server_connections(f->srv) > 0; i++)
        avila_time_sleep_ns(5 * 1000000ull);
    assert_int_equal(avila_http_server_connections(f->srv), 0);
    assert_int_equal(atomic_load(&aborts), before + 1);
}

/* The middleware: request ids (made or carried over), added fields, an early answer, the log. */
static void middleware(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    client_open(&c, f);
    unsigned done = atomic_load(&done_count);
    client_send(&c, "GET /m HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(got_mw, "on");
    /* 16 hex digits, '-', a count */
    assert_true(strlen(got_request_id) > 17);
    assert_int_equal(strspn(got_request_id, "0123456789abcdef"), 16);
    assert_int_equal(got_request_id[16], '-');
    assert_int_equal(strspn(got_request_id + 17, "0123456789"), strlen(got_request_id) - 17);
    char first[128];
    memcpy(first, got_request_id, sizeof(first));
    client_send(&c, "GET /m HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-42.a:b_c\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(got_request_id, "trace-42.a:b_c");
    client_send(&c, "GET /m HTTP/1.1\r\nHost: x\r\nX-Request-Id: has space\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_memory_equal(got_request_id, first, 17); /* a fresh one, same prefix */
    assert_string_not_equal(got_request_id, first);
    client_send(&c, "GET /deny?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 403);
    assert_string_equal(body, "no");
    assert_string_equal(got_mw, "on");
    assert_int_equal(atomic_load(&done_count), done + 4);
    close(c.fd);
    pthread_mutex_lock(&log_lock);
    bool logged = strstr(log_text, "target=\"/deny?q=1\" status=403") != NULL ||
                  strstr(log_text, "target=/deny?q=1 status=403") != NULL;
    bool id_logged = strstr(log_text, "id=trace-42.a:b_c") != NULL;
    pthread_mutex_unlock(&log_lock);
    assert_true(logged);
    assert_true(id_logged);
}

/* Routes: parameters, literal before parameter, any method, 405 with Allow, the fallback handler.
 */
static void routes(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[512];
    client_open(&c, f);
    static const struct {
        const char *req, *body;
        unsigned status;
    } cases[] = {
        {"GET /users/42?x=1 HTTP/1.1", "get /users/:id id=42 (id 42)", 200},
        {"POST /users/7 HTTP/1.1\r\nContent-Length: 0", "post /users/:id id=7 (id 7)", 200},
        {"GET /users/new HTTP/1.1", "new /users/new", 200},
        {"HEAD /users/9 HTTP/1.1", "", 200},
        {"PUT /files/a/b%20c HTTP/1.1\r\nContent-Length: 0", "any /files/*rest rest=a/b%20c", 200},
        {"GET /files/ HTTP/1.1", "any /files/*rest rest=", 200},
        {"DELETE /users/42 HTTP/1.1", "method not allowed\n", 405},
        {"GET /users HTTP/1.1", "GET /users|", 200}, /* no route: the server's handler */
        {"GET http://x/users/5 HTTP/1.1", "get /users/:id id=5 (id 5)", 200},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        char req[256];
        snprintf(req, sizeof(req), "%s\r\nHost: x\r\n\r\n", cases[i].req);
        client_send(&c, req);
        enum avila_http1_method m =
            strncmp(req, "HEAD", 4) == 0 ? AVILA_HTTP1_METHOD_HEAD : AVILA_HTTP1_METHOD_GET;
        unsigned st = client_response(&c, m, body, sizeof(body), NULL);
        if (st != cases[i].status || strcmp(body, cases[i].body) != 0)
            fail_msg("case %zu: %u '%s', want %u '%s'", i, st, body, cases[i].status,
                     cases[i].body);
    }
    client_send(&c, "DELETE /users/1 HTTP/1.1\r\nHost: x\r\n\r\n");
    while (memmem(c.buf, c.len, "\r\n\r\n", 4) == NULL)
        assert_true(client_fill(&c) > 0);
    assert_non_null(memmem(c.buf, c.len, "\r\nAllow: GET, HEAD, POST\r\n", 26));
    close(c.fd);
}

/* The checksum upload_body computes, over n bytes of the pattern (i * 7 + 3). */
static uint64_t pattern_sum(size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = sum * 31 + (uint8_t)(i * 7 + 3);
    return sum;
}

/* Sends n bytes of the pattern in pieces of varying sizes; chunked adds chunk framing. */
static void send_pattern(struct client *c, size_t n, bool chunked)
{
    static uint8_t piece[70000];
    char line[32];
    size_t off = 0, step = 1;
    while (off < n) {
        size_t len = step % sizeof(piece);
        if (len == 0 || len > n - off)
            len = n - off < sizeof(piece) ? n - off : sizeof(piece) - 1;
        for (size_t i = 0; i < len; i++)
            piece[i] = (uint8_t)((off + i) * 7 + 3);
        if (chunked) {
            snprintf(line, sizeof(line), "%zx\r\n", len);
            client_send(c, line);
        }
        assert_int_equal(send(c->fd, piece, len, MSG_NOSIGNAL), (ssize_t)len);
        if (chunked)
            client_send(c, "\r\n");
        off += len;
        step = step * 3 + 1;
    }
    if (chunked)
        client_send(c, "0\r\n\r\n");
}

/* Streamed request bodies: beyond max_body, chunked, paused, answered early, echoed, too large,
 * lost. */
static void streamed_uploads(void **state)
{
    struct fixture *f = *state;
    struct client c;
    static char body[1 << 16];
    char want[96], head[160];
    client_open(&c, f);
    size_t n = (size_t)3 << 20; /* 3 MiB, past max_body (1000) */
    snprintf(head, sizeof(head), "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
             n);
    client_send(&c, head);
    send_pattern(&c, n, false);
    snprintf(want, sizeof(want), "count=%zu sum=%llu", n, (unsigned long long)pattern_sum(n));
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 200);
    assert_string_equal(body, want);
    n = 500000;
    client_send(&c, "POST /upload?pause HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    send_pattern(&c, n, true);
    snprintf(want, sizeof(want), "count=%zu sum=%llu", n, (unsigned long long)pattern_sum(n));
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 200);
    assert_string_equal(body, want);
    /* Answered at the head: the body is read and dropped, the connection goes on. */
    client_send(&c, "POST /upload?deny HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    send_pattern(&c, 100000, false);
    client_send(&c, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 403);
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /after|");
    /* Full duplex: the body streams back while it comes in. */
    n = 40000;
    client_send(&c, "POST /upload?echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    send_pattern(&c, n, true);
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 200);
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)body[i] != (uint8_t)(i * 7 + 3))
            fail_msg("echoed byte %zu differs", i);
    /* A non-streaming path keeps max_body; a streaming one max_stream_body. */
    client_send(&c, "POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 413);
    close(c.fd);
    client_open(&c, f);
    client_send(&c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_POST, body, sizeof(body), NULL), 413);
    close(c.fd);
    /* A client that vanishes mid-upload: the handler hears of it. */
    int before = atomic_load(&aborts);
    client_open(&c, f);
    client_send(&c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    send_pattern(&c, 5000, false);
    avila_time_sleep_ns(20 * 1000000ull);
    close(c.fd);
    for (int i = 0; i < 200 && atomic_load(&aborts) == before; i++)
        avila_time_sleep_ns(5 * 1000000ull);
    assert_int_equal(atomic_load(&aborts), before + 1);
}

/* A takeover: the 101 head goes out, then the callee owns the socket and the bytes after it. */
static void takeover(void **state)
{
    struct fixture *f = *state;
    struct client c;
    client_open(&c, f);
    client_send(&c, "GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n"
                    "\r\nhello");
    c.len = 0;
    while (client_fill(&c) != 0)
        ;
    static const char want[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
                               "Connection: Upgrade\r\n\r\nrest:hello";
    assert_int_equal(c.len, sizeof(want) - 1);
    assert_memory_equal(c.buf, want, sizeof(want) - 1);
    close(c.fd);
    for (int i = 0; i < 100 && avila_http_server_connections(f->srv) > 0; i++)
        avila_time_sleep_ns(5 * 1000000ull);
    assert_int_equal(avila_http_server_connections(f->srv), 0);
}

/* A client that asks for 8 MiB ten times and reads nothing: the server stops processing. */
static void back_pressure(void **state)
{
    struct fixture *f = *state;
    const struct avila_http_server_stats *st = avila_http_server_stats(f->srv);
    struct client c;
    client_open(&c, f);
    int small = 65536;
    setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    static char many[64 * 10];
    size_t off = 0;
    for (int i = 0; i < 10; i++)
        off += (size_t)snprintf(many + off, sizeof(many) - off,
                                "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    uint64_t before = stat_of(&st->requests[2]);
    client_send(&c, many);
    avila_time_sleep_ns(300 * 1000000ull);
    /* The first answer cannot drain into the socket; the rest wait for it. */
    assert_int_equal(stat_of(&st->requests[2]), before + 1);
    /* Read all ten answers: they all come, in order. */
    static char sink[1 << 16];
    struct avila_http1_header hs[16];
    struct avila_http1_response resp;
    for (int i = 0; i < 10; i++) {
        int rc;
        while ((rc = avila_http1_parse_response(NULL, c.buf, c.len, AVILA_HTTP1_METHOD_GET, hs, 16,
                                                &resp, NULL)) == AVILA_EAGAIN)
            assert_true(client_fill(&c) > 0);
        assert_true(rc > 0);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.content_length, BIG_LEN);
        uint64_t have = c.len - (size_t)rc;
        assert_true(have <= BIG_LEN);
        uint64_t left = resp.content_length - have;
        c.len = 0;
        while (left > 0) {
            ssize_t n = recv(c.fd, sink, left < sizeof(sink) ? left : sizeof(sink), 0);
            assert_true(n > 0);
            left -= (uint64_t)n;
        }
    }
    assert_int_equal(stat_of(&st->requests[2]), before + 10);
    close(c.fd);
}

static void do_shutdown(struct avila_loop_task *t, void *arg)
{
    (void)t;
    avila_http_server_shutdown(arg, 1000);
}

/*
 * Last: shutting down closes an idle keep-alive connection at once, lets a
 * request in progress finish (answered with Connection: close), refuses
 * new connections, and stops the loop once no connection is left.
 */
static void graceful_shutdown(void **state)
{
    struct fixture *f = *state;
    struct client idle, busy;
    char body[256];
    client_open(&idle, f);
    client_send(&idle, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&idle, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    client_open(&busy, f);
    client_send(&busy, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab");
    for (int i = 0; i < 100 && avila_http_server_connections(f->srv) < 2; i++)
        avila_time_sleep_ns(10 * 1000000ull);
    avila_loop_post(f->loop, &f->task, do_shutdown, f->srv);
    client_expect_close(&idle);
    close(idle.fd);
    /* The listener is closed: a new connection is refused. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_not_equal(connect(fd, &f->addr.u.sa, f->addr.len), 0);
    close(fd);
    client_send(&busy, "cd");
    bool ka = true;
    assert_int_equal(client_response(&busy, AVILA_HTTP1_METHOD_POST, body, sizeof(body), &ka), 200);
    assert_string_equal(body, "POST /p|abcd");
    assert_false(ka);
    client_expect_close(&busy);
    close(busy.fd);
    pthread_join(f->thread, NULL); /* the loop stopped by itself */
    assert_int_equal(avila_http_server_connections(f->srv), 0);
    /* teardown stops and joins: give it a running loop again */
    assert_int_equal(pthread_create(&f->thread, NULL, run_loop, f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(max_connections),
        cmocka_unit_test(keep_alive_reuse),
        cmocka_unit_test(pipelining),
        cmocka_unit_test(refused_heads),
        cmocka_unit_test(chunked_body_too_large),
        cmocka_unit_test(header_timeout),
        cmocka_unit_test(idle_timeout),
        cmocka_unit_test(expect_continue),
        cmocka_unit_test(chunked_body),
        cmocka_unit_test(head_and_503),
        cmocka_unit_test(async_answers),
        cmocka_unit_test(streamed_answers),
        cmocka_unit_test(streamed_back_pressure),
        cmocka_unit_test(abort_on_vanish),
        cmocka_unit_test(middleware),
        cmocka_unit_test(routes),
        cmocka_unit_test(streamed_uploads),
        cmocka_unit_test(takeover),
        cmocka_unit_test(back_pressure),
        cmocka_unit_test(graceful_shutdown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
