/*
 * tests/net/test_ws_conn.c - net/ws_conn.h: two connections, client and
 * server role, over a socketpair on one loop (text and binary messages of
 * 0 to 1 MiB both ways, fragments with control frames between them, pongs,
 * the close handshake from either side with codes and reasons), and one
 * connection against a raw socket written and read by hand with net/ws.h's
 * encoder and decoder (invalid UTF-8 gives 1007, an unmasked frame to a
 * server or a masked one to a client 1002, oversize 1009, the keep-alive
 * ping timeout 1011, a peer that never answers our close, a lost peer),
 * back-pressure against a peer that does not read, the calls refused in
 * each state, and allocation failures. Every test counts allocations
 * (tests/support/fail_alloc) and ends with none live.
 */
#include "tests/support/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"
#include "net/loop.h"
#include "net/sock.h"
#include "net/ws_conn.h"
#include "tests/support/fail_alloc.h"

#define MAX_MSGS 8

/* What one connection saw. */
struct side {
    struct avila_ws_conn *conn;
    size_t nmsg;  /* messages kept (the first MAX_MSGS) */
    size_t nrecv; /* messages received */
    uint8_t type[MAX_MSGS];
    uint8_t *msg[MAX_MSGS];
    size_t len[MAX_MSGS];
    int pongs;
    uint8_t pong[AVILA_WS_CONTROL_MAX];
    size_t pong_len;
    int drains;
    int closed;
    uint16_t code;
    char reason[128];
    bool clean;
    /* what to do on a message */
    int echo;
    int close_on_message;
    int calls_in_close; /* results of calls made from on_close */
};

static void on_message(struct avila_ws_conn *c, void *arg, enum avila_ws_opcode type,
                       const uint8_t *data, size_t len)
{
    struct side *s = arg;
    assert_ptr_equal(c, s->conn);
    s->nrecv++;
    if (s->echo)
        assert_true(avila_ws_conn_send(c, type, data, len) >= 0);
    if (s->nmsg == MAX_MSGS)
        return;
    s->type[s->nmsg] = (uint8_t)type;
    s->msg[s->nmsg] = malloc(len + 1);
    assert_non_null(s->msg[s->nmsg]);
    if (len > 0)
        memcpy(s->msg[s->nmsg], data, len);
    s->len[s->nmsg++] = len;
    if (s->close_on_message) {
        s->close_on_message = 0;
        assert_int_equal(avila_ws_conn_close(c, 4000, "bye", 3), 0);
    }
}

static void on_pong(struct avila_ws_conn *c, void *arg, const uint8_t *data, size_t len)
{
    struct side *s = arg;
    (void)c;
    s->pongs++;
    memcpy(s->pong, data, len);
    s->pong_len = len;
}

static void on_drain(struct avila_ws_conn *c, void *arg)
{
    struct side *s = arg;
    (void)c;
    s->drains++;
}

static void on_close(struct avila_ws_conn *c, void *arg, uint16_t code, const uint8_t *reason,
                     size_t len, bool clean)
{
    struct side *s = arg;
    assert_ptr_equal(c, s->conn);
    s->closed++;
    s->code = code;
    assert_true(len < sizeof(s->reason));
    if (len > 0) /* reason is NULL when there is none */
        memcpy(s->reason, reason, len);
    s->reason[len] = '\0';
    s->clean = clean;
    /* Everything is refused now (and must not schedule anything on the freed connection). */
    s->calls_in_close = avila_ws_conn_send(c, AVILA_WS_TEXT, "x", 1) == AVILA_ESTATE &&
                        avila_ws_conn_close(c, 1000, NULL, 0) == AVILA_ESTATE;
    avila_ws_conn_abort(c);
    s->conn = NULL;
}

static void side_clear(struct side *s)
{
    for (size_t i = 0; i < s->nmsg; i++)
        free(s->msg[i]);
    s->nmsg = 0;
}

struct fx {
    struct avila_loop *loop;
    struct fail_alloc fa;
    int sv[2];
    struct side cl, sr;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(avila_loop_create(&f->loop, avila_allocator_libc(), NULL), 0);
    fail_alloc_init(&f->fa);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->sv), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    side_clear(&f->cl);
    side_clear(&f->sr);
    assert_int_equal(f->fa.live_allocs, 0);
    for (int i = 0; i < 2; i++)
        if (f->sv[i] >= 0)
            close(f->sv[i]);
    avila_loop_destroy(f->loop);
    free(f);
    return 0;
}

static struct avila_ws_conn_callbacks callbacks(struct side *s)
{
    struct avila_ws_conn_callbacks cb = {on_message, on_drain, on_pong, on_close, s};
    return cb;
}

/* Starts side s on fd sv[i] (which the connection then owns) in role. */
static void start(struct fx *f, struct side *s, int i, enum avila_ws_role role,
                  const struct avila_ws_conn_config *cfg)
{
    struct avila_ws_conn_callbacks cb = callbacks(s);
    assert_int_equal(
        avila_ws_conn_start(&s->conn, f->loop, &f->fa.allocator, f->sv[i], role, NULL, 0, cfg, &cb),
        0);
    f->sv[i] = -1;
}

static void start_pair(struct fx *f, const struct avila_ws_conn_config *cfg)
{
    start(f, &f->cl, 0, AVILA_WS_CLIENT, cfg);
    start(f, &f->sr, 1, AVILA_WS_SERVER, cfg);
}

/* Runs the loop until *flag >= want, for at most 5 s. */
static void run_until(struct fx *f, const int *flag, int want)
{
    uint64_t deadline = avila_time_mono_ms() + 5000;
    while (*flag < want) {
        assert_true(avila_time_mono_ms() < deadline);
        assert_true(avila_loop_run_once(f->loop, 50) >= 0);
    }
}

static void run_for(struct fx *f, uint64_t ms)
{
    uint64_t deadline = avila_time_mono_ms() + ms;
    while (avila_time_mono_ms() < deadline)
        assert_true(avila_loop_run_once(f->loop, 10) >= 0);
}

/* Runs until side s has n messages. */
static void wait_msgs(struct fx *f, struct side *s, size_t n)
{
    uint64_t deadline = avila_time_mono_ms() + 10000;
    while (s->nmsg < n) {
        assert_true(avila_time_mono_ms() < deadline);
        assert_true(avila_loop_run_once(f->loop, 50) >= 0);
    }
}

/* Closes from `from` with code and reason and checks both sides saw a clean handshake. */
static void close_both(struct fx *f, struct side *from, struct side *to, uint16_t code,
                       const char *reason)
{
    assert_int_equal(avila_ws_conn_close(from->conn, code, reason, strlen(reason)), 0);
    assert_int_equal(avila_ws_conn_close(from->conn, code, reason, strlen(reason)), AVILA_ESTATE);
    assert_int_equal(avila_ws_conn_send(from->conn, AVILA_WS_TEXT, "late", 4), AVILA_ESTATE);
    assert_int_equal(from->closed, 0); /* never from inside the call */
    run_until(f, &from->closed, 1);
    run_until(f, &to->closed, 1);
    assert_int_equal(from->closed, 1);
    assert_int_equal(to->closed, 1);
    assert_int_equal(to->code, code);
    assert_string_equal(to->reason, reason);
    assert_int_equal(from->code, code); /* the peer echoes the code (and our reason) */
    assert_true(from->clean);
    assert_true(to->clean);
    assert_true(from->calls_in_close);
    assert_true(to->calls_in_close);
}

/* ------------------------------------------------------------ tests */

static void messages_of_every_size(void **state)
{
    struct fx *f = *state;
    start_pair(f, NULL);
    static const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, (size_t)1 << 20};
    uint64_t seed = 7;
    uint8_t *data = malloc((size_t)1 << 20);
    assert_non_null(data);
    for (size_t k = 0; k < 2 * AVILA_ARRAY_LEN(sizes); k++) {
        size_t n = sizes[k / 2];
        enum avila_ws_opcode type = k % 2 ? AVILA_WS_BINARY : AVILA_WS_TEXT;
        if (type == AVILA_WS_TEXT)
            for (size_t i = 0; i < n; i++)
                data[i] = (uint8_t)('a' + i % 26);
        else
            unit_rand_fill(&seed, data, n);
        for (int dir = 0; dir < 2; dir++) {
            struct side *from = dir ? &f->sr : &f->cl, *to = dir ? &f->cl : &f->sr;
            assert_true(avila_ws_conn_send(from->conn, type, data, n) >= 0);
            wait_msgs(f, to, 1);
            assert_int_equal(to->nmsg, 1);
            assert_int_equal(to->type[0], type);
            assert_int_equal(to->len[0], n);
            assert_memory_equal(to->msg[0], data, n);
            side_clear(to);
        }
    }
    free(data);
    close_both(f, &f->cl, &f->sr, AVILA_WS_NORMAL, "done");
}

/* Fragments with a ping between them, UTF-8 split across fragments, both ways. */
static void fragments_and_pings(void **state)
{
    struct fx *f = *state;
    start_pair(f, NULL);
    struct avila_ws_conn *c = f->cl.conn;
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_TEXT, "H\xc3", 2, false), 0);
    assert_int_equal(avila_ws_conn_ping(c, "p1", 2), 0);
    /* A whole message or another type cannot go in the middle of this one. */
    assert_int_equal(avila_ws_conn_send(c, AVILA_WS_TEXT, "x", 1), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_BINARY, "x", 1, false), AVILA_EINVAL);
    /* The split sequence must be completed correctly. */
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_TEXT, "\x41", 1, false), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_TEXT, "\xa9llo", 4, false), 0);
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_TEXT, "\xe2\x82", 2, false), 0);
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_TEXT, "", 0, true), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_TEXT, "\xac", 1, true), 0);
    wait_msgs(f, &f->sr, 1);
    run_until(f, &f->cl.pongs, 1);
    assert_int_equal(f->sr.type[0], AVILA_WS_TEXT);
    assert_int_equal(f->sr.len[0], 9);
    assert_memory_equal(f->sr.msg[0], "H\xc3\xa9llo\xe2\x82\xac", 9);
    assert_int_equal(f->cl.pong_len, 2);
    assert_memory_equal(f->cl.pong, "p1", 2);
    /* Server to client: binary in three pieces, a ping between each; an empty last piece. */
    c = f->sr.conn;
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_BINARY, "\x00\x01", 2, false), 0);
    assert_int_equal(avila_ws_conn_ping(c, "", 0), 0);
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_BINARY, "\xff", 1, false), 0);
    static const uint8_t big_ping[AVILA_WS_CONTROL_MAX] = {1, 2, 3};
    assert_int_equal(avila_ws_conn_ping(c, big_ping, sizeof(big_ping)), 0);
    assert_int_equal(avila_ws_conn_ping(c, big_ping, sizeof(big_ping) + 1), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_send_part(c, AVILA_WS_BINARY, NULL, 0, true), 0);
    wait_msgs(f, &f->cl, 1);
    run_until(f, &f->sr.pongs, 2);
    assert_int_equal(f->cl.type[0], AVILA_WS_BINARY);
    assert_int_equal(f->cl.len[0], 3);
    assert_memory_equal(f->cl.msg[0], "\x00\x01\xff", 3);
    assert_int_equal(f->sr.pong_len, sizeof(big_ping));
    assert_memory_equal(f->sr.pong, big_ping, sizeof(big_ping));
    /* Invalid UTF-8 is refused before anything goes out. */
    assert_int_equal(avila_ws_conn_send(c, AVILA_WS_TEXT, "\xc0\xaf", 2), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_send(c, AVILA_WS_PING, "", 0), AVILA_EINVAL);
    close_both(f, &f->sr, &f->cl, 4001, "custom");
}

/* A close frame from the server side; the client's own close is then refused. */
static void close_from_server(void **state)
{
    struct fx *f = *state;
    start_pair(f, NULL);
    f->cl.echo = 1;
    assert_int_equal(avila_ws_conn_send(f->sr.conn, AVILA_WS_TEXT, "one", 3), 0);
    close_both(f, &f->sr, &f->cl, AVILA_WS_GOING_AWAY, "");
    /* The message sent before the close still arrived; its echo was sent before the client's
     * close answer, and the server still delivers what comes before the peer's close frame. */
    assert_int_equal(f->cl.nmsg, 1);
    assert_int_equal(f->sr.nmsg, 1);
    assert_memory_equal(f->sr.msg[0], "one", 3);
}

/* An empty close frame is reported as 1005; codes that may not be sent are refused. */
static void close_without_code(void **state)
{
    struct fx *f = *state;
    start_pair(f, NULL);
    assert_int_equal(avila_ws_conn_close(f->cl.conn, AVILA_WS_ABNORMAL, NULL, 0), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_close(f->cl.conn, 1000, "\xff", 1), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_close(f->cl.conn, 0, NULL, 0), 0);
    run_until(f, &f->cl.closed, 1);
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->sr.code, AVILA_WS_NO_STATUS);
    assert_int_equal(f->cl.code, AVILA_WS_NO_STATUS);
    assert_true(f->sr.clean && f->cl.clean);
}

/* A close from inside on_message (after the first message), as tool_ws_echo's /close4000. */
static void close_from_callback(void **state)
{
    struct fx *f = *state;
    start_pair(f, NULL);
    f->sr.close_on_message = 1;
    assert_int_equal(avila_ws_conn_send(f->cl.conn, AVILA_WS_TEXT, "a", 1), 0);
    assert_int_equal(avila_ws_conn_send(f->cl.conn, AVILA_WS_TEXT, "b", 1), 0);
    run_until(f, &f->cl.closed, 1);
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->cl.code, 4000);
    assert_string_equal(f->cl.reason, "bye");
    assert_true(f->cl.clean && f->sr.clean);
    /* "b" was sent before the client saw the close: the server may deliver it, once at most. */
    assert_true(f->sr.nmsg >= 1 && f->sr.nmsg <= 2);
}

/* ---- a raw peer */

static int fd_closed(int fd)
{
    return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* Writes all of b to fd (blocking on the non-blocking socket with poll). */
static void raw_write(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            assert_true(poll(&pfd, 1, 5000) == 1);
            continue;
        }
        b += w;
        n -= (size_t)w;
    }
}

/*
 * Reads frames from the raw fd (running the loop meanwhile) until a close
 * EOF; returns the close code (0 if none came). Data, ping
 * and pong frames are counted in *others.
 */
static uint16_t raw_read_close(struct fx *f, int fd, enum avila_ws_role reader, int *others)
{
    struct avila_ws_decoder d;
    assert_int_equal(avila_ws_decoder_init(&d, reader, 0), 0);
    uint8_t buf[4096];
    uint16_t code = 0;
    bool have_close = false;
    uint64_t deadline = avila_time_mono_ms() + 5000;
    for (;;) {
        assert_true(avila_time_mono_ms() < deadline);
        (void)avila_loop_run_once(f->loop, 10);
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0)
            break;
        if (n < 0)
            continue;
        size_t at = 0;
        while (!have_close && at < (size_t)n) {
            struct avila_ws_event ev;
            size_t used;
            int r = avila_ws_decode(&d, buf + at, (size_t)n - at, &used, &ev);
            at += used;
            assert_true(r >= 0);
            if (r == 0)
                break;
            if (ev.type == AVILA_WS_EV_CLOSE) {
                code = ev.code;
                have_close = true;
            } else if (others != NULL) {
                (*others)++;
            }
        }
    }
    return code;
}

/* A frame as a client writes it (masked) or a server (not). */
static void raw_frame(int fd, enum avila_ws_opcode op, bool fin, const void *p, size_t n,
                      bool masked)
{
    static const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(avila_ws_write_frame(&b, op, fin, p, n, masked ? key : NULL), 0);
    raw_write(fd, b.data, b.len);
    avila_buf_release(&b);
}

/* Fails the connection from the raw client's frames and checks the code both ways. */
static void expect_failure(struct fx *f, uint16_t want)
{
    int others = 0;
    /* Returns at EOF: the server shut its side down after the close frame. */
    assert_int_equal(raw_read_close(f, f->sv[0], AVILA_WS_CLIENT, &others), want);
    close(f->sv[0]); /* our FIN: the server need not wait out its close timeout */
    f->sv[0] = -1;
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->sr.code, want);
    assert_false(f->sr.clean);
}

static void invalid_utf8_gives_1007(void **state)
{
    struct fx *f = *state;
    start(f, &f->sr, 1, AVILA_WS_SERVER, NULL);
    raw_frame(f->sv[0], AVILA_WS_TEXT, false, "ok\xe2\x82", 4, true);
    raw_frame(f->sv[0], AVILA_WS_CONT, true, "\x28", 1, true); /* not a continuation byte */
    expect_failure(f, AVILA_WS_INVALID_DATA);
    assert_int_equal(f->sr.nmsg, 0);
    assert_string_equal(f->sr.reason, "invalid UTF-8");
}

static void unmasked_frame_gives_1002(void **state)
{
    struct fx *f = *state;
    start(f, &f->sr, 1, AVILA_WS_SERVER, NULL);
    raw_frame(f->sv[0], AVILA_WS_BINARY, true, "abc", 3, false);
    expect_failure(f, AVILA_WS_PROTOCOL_ERROR);
    assert_int_equal(f->sr.nmsg, 0);
}

/* The other way: a client-role connection refuses a masked frame. */
static void masked_frame_to_client_gives_1002(void **state)
{
    struct fx *f = *state;
    start(f, &f->cl, 0, AVILA_WS_CLIENT, NULL);
    raw_frame(f->sv[1], AVILA_WS_TEXT, true, "abc", 3, true);
    assert_int_equal(raw_read_close(f, f->sv[1], AVILA_WS_SERVER, NULL), AVILA_WS_PROTOCOL_ERROR);
    close(f->sv[1]); /* the server's FIN, which the client waits for */
    f->sv[1] = -1;
    run_until(f, &f->cl.closed, 1);
    assert_int_equal(f->cl.code, AVILA_WS_PROTOCOL_ERROR);
    assert_false(f->cl.clean);
}

/* Over max_message: in one frame, and over several fragments; the limit itself passes. */
static void oversize_gives_1009(void **state)
{
    struct fx *f = *state;
    struct avila_ws_conn_config cfg = {.max_message = 1000};
    start(f, &f->sr, 1, AVILA_WS_SERVER, &cfg);
    static uint8_t data[1001];
    memset(data, 'z', sizeof(data));
    raw_frame(f->sv[0], AVILA_WS_BINARY, true, data, 1000, true);
    raw_frame(f->sv[0], AVILA_WS_TEXT, false, data, 600, true);
    raw_frame(f->sv[0], AVILA_WS_PING, true, "x", 1, true);
    raw_frame(f->sv[0], AVILA_WS_CONT, true, data, 401, true);
    int others = 0;
    assert_int_equal(raw_read_close(f, f->sv[0], AVILA_WS_CLIENT, &others), AVILA_WS_TOO_BIG);
    assert_int_equal(others, 1); /* the pong */
    close(f->sv[0]);             /* our FIN: the server need not wait out its close timeout */
    f->sv[0] = -1;
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->sr.code, AVILA_WS_TOO_BIG);
    assert_int_equal(f->sr.nmsg, 1);
    assert_int_equal(f->sr.len[0], 1000);
}

/* Between two connections: the sender's on_close reports the receiver's 1009. */
static void oversize_between_conns(void **state)
{
    struct fx *f = *state;
    struct avila_ws_conn_config small = {.max_message = 100};
    start(f, &f->cl, 0, AVILA_WS_CLIENT, NULL);
    start(f, &f->sr, 1, AVILA_WS_SERVER, &small);
    static uint8_t data[101];
    assert_int_equal(avila_ws_conn_send(f->cl.conn, AVILA_WS_BINARY, data, 101), 0);
    run_until(f, &f->cl.closed, 1);
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->cl.code, AVILA_WS_TOO_BIG);
    assert_true(f->cl.clean); /* the client answered the close frame it got */
    assert_int_equal(f->sr.code, AVILA_WS_TOO_BIG);
    assert_false(f->sr.clean);
}

/* The bytes a takeover hands over after the handshake are decoded first. */
static void rest_bytes(void **state)
{
    struct fx *f = *state;
    static const uint8_t key[4] = {1, 2, 3, 4};
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_TEXT, true, "first", 5, key), 0);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_TEXT, false, "sec", 3, key), 0);
    struct avila_ws_conn_callbacks cb = callbacks(&f->sr);
    assert_int_equal(avila_ws_conn_start(&f->sr.conn, f->loop, &f->fa.allocator, f->sv[1],
                                         AVILA_WS_SERVER, b.data, b.len, NULL, &cb),
                     0);
    f->sv[1] = -1;
    avila_buf_release(&b);
    assert_int_equal(f->sr.nmsg, 0); /* nothing during start */
    raw_frame(f->sv[0], AVILA_WS_CONT, true, "ond", 3, true);
    wait_msgs(f, &f->sr, 2);
    assert_memory_equal(f->sr.msg[0], "first", 5);
    assert_int_equal(f->sr.len[1], 6);
    assert_memory_equal(f->sr.msg[1], "second", 6);
    avila_ws_conn_abort(f->sr.conn);
    assert_int_equal(f->sr.closed, 0);
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->sr.code, AVILA_WS_ABNORMAL);
    assert_false(f->sr.clean);
}

/* A peer that never reads: send says wait, on_drain comes once the peer reads. */
static void back_pressure(void **state)
{
    struct fx *f = *state;
    int small = 16384;
    assert_int_equal(setsockopt(f->sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    assert_int_equal(setsockopt(f->sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
    struct avila_ws_conn_config cfg = {.max_write_buffer = 65536};
    start(f, &f->cl, 0, AVILA_WS_CLIENT, &cfg);
    static uint8_t chunk[16384];
    int rc = 0, sent = 0;
    while (rc == 0 && sent < 1000) {
        rc = avila_ws_conn_send(f->cl.conn, AVILA_WS_BINARY, chunk, sizeof(chunk));
        sent++;
        run_for(f, 1);
    }
    assert_int_equal(rc, 1);
    assert_true(avila_ws_conn_buffered(f->cl.conn) > 65536);
    run_for(f, 50);
    assert_int_equal(f->cl.drains, 0);
    /* Read as the server would: everything sent arrives, and the drain comes. */
    struct avila_ws_decoder d;
    assert_int_equal(avila_ws_decoder_init(&d, AVILA_WS_SERVER, 0), 0);
    static uint8_t buf[65536];
    uint64_t got = 0, want = (uint64_t)sent * sizeof(chunk);
    uint64_t deadline = avila_time_mono_ms() + 5000;
    while (got < want) {
        assert_true(avila_time_mono_ms() < deadline);
        (void)avila_loop_run_once(f->loop, 1);
        ssize_t n = recv(f->sv[1], buf, sizeof(buf), 0);
        if (n <= 0)
            continue;
        size_t at = 0;
        while (at < (size_t)n) {
            struct avila_ws_event ev;
            size_t used;
            int r = avila_ws_decode(&d, buf + at, (size_t)n - at, &used, &ev);
            assert_true(r >= 0);
            at += used;
            if (r == 1 && ev.type == AVILA_WS_EV_DATA)
                got += ev.len;
        }
    }
    run_until(f, &f->cl.drains, 1);
    assert_int_equal(f->cl.drains, 1);
    assert_int_equal(avila_ws_conn_buffered(f->cl.conn), 0);
    avila_ws_conn_abort(f->cl.conn);
    run_until(f, &f->cl.closed, 1);
}

/* An echo whose peer does not read stops reading itself (bounded memory). */
static void echo_pauses_reading(void **state)
{
    struct fx *f = *state;
    int small = 16384;
    assert_int_equal(setsockopt(f->sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    assert_int_equal(setsockopt(f->sv[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
    struct avila_ws_conn_config cfg = {.max_write_buffer = 32768};
    start(f, &f->sr, 1, AVILA_WS_SERVER, &cfg);
    f->sr.echo = 1;
    static uint8_t chunk[8192];
    static const uint8_t key[4] = {9, 9, 9, 9};
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_BINARY, true, chunk, sizeof(chunk), key), 0);
    /* Write frames until the socket is full: the server must stop taking them. */
    int frames = 0;
    for (int idle = 0; idle < 20 && frames < 10000;) {
        ssize_t w = send(f->sv[0], b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w == (ssize_t)b.len) {
            frames++;
            idle = 0;
        } else {
            assert_true(w < 0); /* frames are small: the kernel took all or nothing here */
            idle++;
        }
        (void)avila_loop_run_once(f->loop, 5);
    }
    avila_buf_release(&b);
    assert_true(frames < 10000);
    assert_true(f->fa.peak_bytes < (size_t)1 << 20);
    assert_true(f->sr.nrecv < (size_t)frames);
    avila_ws_conn_abort(f->sr.conn);
    run_until(f, &f->sr.closed, 1);
}

/* A silent peer: the keep-alive ping goes unanswered, 1011 after one more interval. */
static void ping_timeout(void **state)
{
    struct fx *f = *state;
    struct avila_ws_conn_config cfg = {.ping_interval_ms = 30, .close_timeout_ms = 100};
    start(f, &f->sr, 1, AVILA_WS_SERVER, &cfg);
    uint64_t t0 = avila_time_mono_ms();
    run_until(f, &f->sr.closed, 1);
    assert_true(avila_time_mono_ms() - t0 >= 60);
    assert_int_equal(f->sr.code, AVILA_WS_INTERNAL_ERROR);
    assert_string_equal(f->sr.reason, "ping timeout");
    assert_false(f->sr.clean);
    /* What the silent peer was sent: one ping, then the close frame. */
    int others = 0;
    assert_int_equal(raw_read_close(f, f->sv[0], AVILA_WS_CLIENT, &others),
                     AVILA_WS_INTERNAL_ERROR);
    assert_int_equal(others, 1);
}

/* A live peer answers the keep-alive pings: nothing closes. */
static void ping_answered(void **state)
{
    struct fx *f = *state;
    struct avila_ws_conn_config cfg = {.ping_interval_ms = 20};
    start_pair(f, &cfg);
    run_for(f, 200);
    assert_int_equal(f->cl.closed + f->sr.closed, 0);
    assert_true(f->cl.pongs >= 3 && f->sr.pongs >= 3);
    close_both(f, &f->cl, &f->sr, AVILA_WS_NORMAL, "");
}

/* Our close frame is never answered: the connection ends after close_timeout_ms, not clean. */
static void close_timeout(void **state)
{
    struct fx *f = *state;
    struct avila_ws_conn_config cfg = {.close_timeout_ms = 50};
    start(f, &f->cl, 0, AVILA_WS_CLIENT, &cfg);
    assert_int_equal(avila_ws_conn_close(f->cl.conn, 1000, "x", 1), 0);
    run_until(f, &f->cl.closed, 1);
    assert_int_equal(f->cl.code, AVILA_WS_ABNORMAL);
    assert_false(f->cl.clean);
}

/* The peer goes away without a close frame: 1006 on both sides. */
static void peer_lost(void **state)
{
    struct fx *f = *state;
    start_pair(f, NULL);
    avila_ws_conn_abort(f->cl.conn);
    avila_ws_conn_abort(f->cl.conn); /* twice is harmless */
    run_until(f, &f->cl.closed, 1);
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->cl.code, AVILA_WS_ABNORMAL);
    assert_int_equal(f->sr.code, AVILA_WS_ABNORMAL);
    assert_false(f->cl.clean || f->sr.clean);
}

static void bad_arguments(void **state)
{
    struct fx *f = *state;
    struct avila_ws_conn *c = NULL;
    struct avila_ws_conn_callbacks cb = callbacks(&f->sr), none = {0};
    struct avila_ws_conn_config big = {.max_message = AVILA_WS_MESSAGE_LIMIT + 1};
    int fd = dup(f->sv[1]);
    assert_int_equal(avila_ws_conn_start(&c, f->loop, &f->fa.allocator, fd, AVILA_WS_SERVER, NULL,
                                         0, NULL, &none),
                     AVILA_EINVAL);
    assert_int_equal(fd_closed(fd), 1);
    fd = dup(f->sv[1]);
    assert_int_equal(
        avila_ws_conn_start(&c, f->loop, &f->fa.allocator, fd, AVILA_WS_SERVER, NULL, 0, &big, &cb),
        AVILA_EINVAL);
    fd = dup(f->sv[1]);
    assert_int_equal(avila_ws_conn_start(&c, f->loop, &f->fa.allocator, fd, (enum avila_ws_role)7,
                                         NULL, 0, NULL, &cb),
                     AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_send(NULL, AVILA_WS_TEXT, "", 0), AVILA_EINVAL);
    assert_int_equal(avila_ws_conn_close(NULL, 1000, NULL, 0), AVILA_EINVAL);
    avila_ws_conn_abort(NULL);
}

/* Every allocation failure at start is reported, with the fd closed and nothing leaked. */
static void allocation_failures(void **state)
{
    struct fx *f = *state;
    struct avila_ws_conn_callbacks cb = callbacks(&f->sr);
    fail_alloc_fail_nth(&f->fa, 1, 1);
    struct avila_ws_conn *c = NULL;
    int fd = dup(f->sv[1]);
    assert_int_equal(
        avila_ws_conn_start(&c, f->loop, &f->fa.allocator, fd, AVILA_WS_SERVER, NULL, 0, NULL, &cb),
        AVILA_ENOMEM);
    assert_int_equal(fd_closed(fd), 1);
    fail_alloc_fail_nth(&f->fa, 0, 0);
    /* Out of memory while assembling a message: the connection fails with 1011 (the silent
     * raw peer never closes, so a short close timeout ends the wait for its FIN). */
    struct avila_ws_conn_config quick = {.close_timeout_ms = 100};
    start(f, &f->sr, 1, AVILA_WS_SERVER, &quick);
    fail_alloc_fail_nth(&f->fa, 1, 1);
    raw_frame(f->sv[0], AVILA_WS_TEXT, false, "abc", 3, true);
    run_until(f, &f->sr.closed, 1);
    assert_int_equal(f->sr.code, AVILA_WS_INTERNAL_ERROR);
    fail_alloc_fail_nth(&f->fa, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(messages_of_every_size, setup, teardown),
        cmocka_unit_test_setup_teardown(fragments_and_pings, setup, teardown),
        cmocka_unit_test_setup_teardown(close_from_server, setup, teardown),
        cmocka_unit_test_setup_teardown(close_without_code, setup, teardown),
        cmocka_unit_test_setup_teardown(close_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_utf8_gives_1007, setup, teardown),
        cmocka_unit_test_setup_teardown(unmasked_frame_gives_1002, setup, teardown),
        cmocka_unit_test_setup_teardown(masked_frame_to_client_gives_1002, setup, teardown),
        cmocka_unit_test_setup_teardown(oversize_gives_1009, setup, teardown),
        cmocka_unit_test_setup_teardown(oversize_between_conns, setup, teardown),
        cmocka_unit_test_setup_teardown(rest_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(back_pressure, setup, teardown),
        cmocka_unit_test_setup_teardown(echo_pauses_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(ping_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(ping_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(close_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(peer_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
