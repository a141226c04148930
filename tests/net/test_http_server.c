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
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/time.h"
#include "net/http_server.h"

struct fixture {
    struct avila_loop *loop;
    struct avila_http_server *srv;
    pthread_t thread;
    struct avila_sockaddr addr;
    struct avila_loop_task task;
};

#define BIG_LEN (8u << 20)

/* Echoes "METHOD TARGET|BODY"; /none does not answer; /big answers 8 MiB. */
static void handler(struct avila_http_request_ctx *ctx)
{
    const struct avila_http1_request *r = &ctx->req;
    if (avila_slice_equal(r->target, avila_slice_from_cstr("/none")))
        return;
    if (avila_slice_equal(r->target, avila_slice_from_cstr("/big"))) {
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
    };
    assert_int_equal(
        avila_http_server_create(&f.srv, f.loop, avila_allocator_libc(), &cfg, handler, NULL), 0);
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
 * Reads one response to a request of method m: returns its status, copies
 * its body (NUL-ended) to body, and sets *keep_alive.
 */
static unsigned client_response(struct client *c, enum avila_http1_method m, char *body, size_t cap,
                                bool *keep_alive)
{
    struct avila_http1_header hs[32];
    struct avila_http1_response resp;
    int rc;
    while ((rc = avila_http1_parse_response(NULL, c->buf, c->len, m, hs, 32, &resp, NULL)) ==
           AVILA_EAGAIN)
        if (client_fill(c) == 0)
            fail_msg("connection closed before a response head");
    assert_true(rc > 0);
    size_t head = (size_t)rc;
    assert_true(resp.body == AVILA_HTTP1_BODY_LENGTH || resp.body == AVILA_HTTP1_BODY_NONE);
    size_t blen = resp.body == AVILA_HTTP1_BODY_LENGTH ? (size_t)resp.content_length : 0;
    assert_true(blen < cap);
    while (c->len < head + blen)
        if (client_fill(c) == 0)
            fail_msg("connection closed inside a body");
    memcpy(body, c->buf + head, blen);
    body[blen] = '\0';
    if (keep_alive != NULL)
        *keep_alive = resp.keep_alive;
    memmove(c->buf, c->buf + head + blen, c->len - head - blen);
    c->len -= head + blen;
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

static void head_and_500(void **state)
{
    struct fixture *f = *state;
    struct client c;
    char body[256];
    client_open(&c, f);
    client_send(&c, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /h HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_HEAD, body, sizeof(body), NULL), 200);
    /* The HEAD answer carried Content-Length of the GET body but no body: the GET answer follows.
     */
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 200);
    assert_string_equal(body, "GET /h|");
    client_send(&c, "GET /none HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_response(&c, AVILA_HTTP1_METHOD_GET, body, sizeof(body), NULL), 500);
    close(c.fd);
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
        cmocka_unit_test(head_and_500),
        cmocka_unit_test(back_pressure),
        cmocka_unit_test(graceful_shutdown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
