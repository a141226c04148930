/*
 * net/ws_conn.c - a WebSocket connection on the event loop (see
 * ws_conn.h; RFC 6455 sections 5 to 7). OS code: sockets through
 * net/sock, shutdown(2), close(2). Connection life:
 *
 *   OPEN     messages both ways
 *   CLOSING  a close frame was sent (ours, or our answer to the peer's),
 *            or we failed the connection: waiting for the peer's close
 *            frame (if it has not come) and for ours to be written
 *   LINGER   the handshake is over and our bytes are out: the server (or
 *            a side that failed the connection) has shut its side down;
 *            reading and discarding until the peer's FIN, at most
 *            close_timeout_ms
 *   DONE     on_close is called and the connection freed
 *
 * drive() is the one place that moves a connection along, as in
 * net/http_server: flush queued output, tell on_drain, decode buffered
 * bytes, read more, until nothing moves. It runs from the loop only (I/O
 * events, timers, and a deferred "kick" that every user call queues), so
 * user calls never re-enter user callbacks, and the connection is freed
 * only at the end of drive().
 *
 * Masking keys (section 5.3, client role) come from a ChaCha20
 * fast-key-erasure generator (crypto/csprng.h) owned by the connection
 * and seeded once from the OS (core/random.h). Section 10.3 asks that the
 * application (a script that chooses the payload) cannot predict the next
 * key; a generator seeded with 32 secret bytes gives keys that nobody
 * without the seed can predict, and its state erases each output, while a
 * system call per frame would cost more than masking a small frame.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ct.h"
#include "core/random.h"
#include "core/utf8.h"
#include "crypto/csprng.h"
#include "net/sock.h"
#include "net/ws_conn.h"

enum conn_state { ST_OPEN, ST_CLOSING, ST_LINGER, ST_DONE };

/* A message buffer or write buffer that held more than this is freed once empty. */
#define KEEP_BUF ((size_t)64 << 10)

struct avila_ws_conn {
    struct avila_io io;
    struct avila_loop_timer ping_timer;
    struct avila_loop_timer close_timer;
    struct avila_loop_defer kick;
    struct avila_loop *loop;
    const struct avila_allocator *a;
    struct avila_ws_conn_config cfg;
    struct avila_ws_conn_callbacks cb;
    struct avila_ws_decoder dec;
    struct avila_csprng rng; /* masking keys and keep-alive ping payloads */
    int fd;
    enum avila_ws_role role;
    enum conn_state state;
    bool readable;   /* a read may find bytes (edge seen, EAGAIN not yet) */
    bool eof;        /* the peer shut its side down */
    bool in_drive;   /* drive() is running: no kick needed */
    bool close_sent; /* our close frame is queued: no more frames from us */
    bool close_rcvd; /* the peer's close frame came: nothing more is decoded */
    bool failed;     /* we failed the connection with fail_code */
    bool lost;       /* the connection broke (I/O error, early EOF, abort, close timeout) */
    bool want_drain; /* a send returned 1: call on_drain once below the limit */
    bool ping_out;   /* a keep-alive ping waits for its pong */
    uint8_t out_msg; /* the type of the fragmented message being sent, or 0 */
    uint8_t out_utf8_len;
    uint8_t out_utf8[4]; /* an unfinished UTF-8 sequence at the end of the last text part */
    uint8_t ping_payload[8];
    uint16_t fail_code;
    const char *fail_reason;
    uint16_t peer_code;
    uint8_t peer_reason_len;
    uint8_t peer_reason[AVILA_WS_CONTROL_MAX];
    struct avila_buf wbuf; /* frames to write, from woff */
    size_t woff;
    struct avila_buf msg; /* the received message being assembled */
    size_t rpos, rlen, rcap;
    uint8_t rbuf[]; /* rcap bytes read from the socket, undecoded from rpos */
};

static void drive(struct avila_ws_conn *c);

static void on_kick(struct avila_loop_defer *d, void *arg)
{
    (void)d;
    drive(arg);
}

/* Makes drive() run soon (from the loop), unless it is running now. */
static void kick(struct avila_ws_conn *c)
{
    if (!c->in_drive && c->state != ST_DONE)
        (void)avila_loop_defer(c->loop, &c->kick, on_kick, c); /* ESTATE: already queued */
}

static size_t pending(const struct avila_ws_conn *c)
{
    return c->wbuf.len - c->woff;
}

static bool backed_up(const struct avila_ws_conn *c)
{
    return pending(c) > c->cfg.max_write_buffer;
}

/* ------------------------------------------------------------ output */

/* Drops the written front of the write buffer when it is at least half of it. */
static void compact(struct avila_ws_conn *c)
{
    if (c->woff > 0 && c->woff >= c->wbuf.len / 2) {
        (void)avila_buf_consume(&c->wbuf, c->woff);
        c->woff = 0;
    }
}

/* Appends one frame, masked with a fresh key in the client role. */
static int queue_frame(struct avila_ws_conn *c, enum avila_ws_opcode op, bool fin, const void *p,
                       size_t n)
{
    uint8_t key[4];
    const uint8_t *k = NULL;
    if (c->role == AVILA_WS_CLIENT) {
        avila_csprng_fill(&c->rng, key, sizeof(key));
        k = key;
    }
    compact(c);
    return avila_ws_write_frame(&c->wbuf, op, fin, p, n, k);
}

/* Appends a close frame (code 0: empty), masked in the client role. */
static int queue_close(struct avila_ws_conn *c, uint16_t code, const void *reason, size_t len)
{
    uint8_t key[4];
    const uint8_t *k = NULL;
    if (c->role == AVILA_WS_CLIENT) {
        avila_csprng_fill(&c->rng, key, sizeof(key));
        k = key;
    }
    compact(c);
    return avila_ws_write_close(&c->wbuf, code, reason, len, k);
}

/* Writes what is queued. Returns 0 (all written, or the socket is full) or an error. */
static int flush(struct avila_ws_conn *c)
{
    while (c->woff < c->wbuf.len) {
        int n = avila_sock_write(c->fd, c->wbuf.data + c->woff, c->wbuf.len - c->woff);
        if (n == AVILA_EAGAIN)
            return 0;
        if (n < 0)
            return n;
        c->woff += (size_t)n;
    }
    if (c->wbuf.len > KEEP_BUF)
        avila_buf_release(&c->wbuf);
    else
        avila_buf_clear(&c->wbuf);
    c->woff = 0;
    return 0;
}

/* ------------------------------------------------------------ endings */

/* The connection broke: it ends now, not clean (unless the handshake already completed). */
static void lose(struct avila_ws_conn *c)
{
    if (c->state != ST_LINGER)
        c->lost = true;
    c->state = ST_DONE;
}

static void on_close_timer(struct avila_loop_timer *t)
{
    struct avila_ws_conn *c = t->data;
    lose(c); /* CLOSING: the peer never answered; LINGER: it never sent its FIN */
    drive(c);
}

static void start_close_timer(struct avila_ws_conn *c)
{
    avila_loop_timer_stop(&c->ping_timer);
    avila_loop_timer_start(c->loop, &c->close_timer, c->cfg.close_timeout_ms, on_close_timer);
}

/*
 * Fails the connection (section 7.1.7): our close frame with code goes out
 * (unless one went already), nothing more is decoded, and the socket is
 * shut down once the frame is written.
 */
static void fail(struct avila_ws_conn *c, uint16_t code, const char *reason)
{
    if (c->failed || c->state == ST_DONE || c->state == ST_LINGER)
        return;
    c->failed = true;
    c->fail_code = code;
    c->fail_reason = reason;
    if (!c->close_sent && queue_close(c, code, reason, strlen(reason)) != 0)
        (void)queue_close(c, code, NULL, 0); /* out of memory: try the shortest frame */
    c->close_sent = true;
    c->state = ST_CLOSING;
    start_close_timer(c);
}

/*
 * Our close frame and the peer's have crossed (or we failed the
 * connection) and our bytes are out: the server and a failing side shut
 * their side down; everyone then waits for the peer's FIN.
 */
static void begin_linger(struct avila_ws_conn *c)
{
    c->state = ST_LINGER;
    if (c->role == AVILA_WS_SERVER || c->failed)
        (void)shutdown(c->fd, SHUT_WR);
    start_close_timer(c);
    c->readable = true;
    if (c->eof)
        c->state = ST_DONE;
}

/* Calls on_close and frees c. */
static void finish(struct avila_ws_conn *c)
{
    avila_io_stop(&c->io);
    avila_loop_timer_stop(&c->ping_timer);
    avila_loop_timer_stop(&c->close_timer);
    avila_loop_defer_cancel(c->loop, &c->kick);
    close(c->fd);
    c->fd = -1;
    uint16_t code = AVILA_WS_ABNORMAL;
    const uint8_t *reason = (const uint8_t *)""; /* never NULL: callers may memcpy it */
    size_t reason_len = 0;
    if (c->close_rcvd) {
        code = c->peer_code;
        reason = c->peer_reason;
        reason_len = c->peer_reason_len;
    } else if (c->failed) {
        code = c->fail_code;
        reason = (const uint8_t *)c->fail_reason;
        reason_len = strlen(c->fail_reason);
    }
    bool clean = c->close_sent && c->close_rcvd && !c->failed && !c->lost;
    c->cb.on_close(c, c->cb.arg, code, reason, reason_len, clean);
    avila_loop_defer_cancel(c->loop, &c->kick); /* calls from on_close were refused; be sure */
    avila_buf_release(&c->wbuf);
    avila_buf_release(&c->msg);
    avila_csprng_wipe(&c->rng);
    avila_free(c->a, c, sizeof(*c) + c->rcap, _Alignof(struct avila_ws_conn));
}

/* ------------------------------------------------------------ input */

/* The peer's close frame: remember it, answer it if we have not closed yet. */
static void on_peer_close(struct avila_ws_conn *c, const struct avila_ws_event *ev)
{
    c->close_rcvd = true;
    c->peer_code = ev->code;
    c->peer_reason_len = (uint8_t)ev->len;
    memcpy(c->peer_reason, ev->data, ev->len);
    if (!c->close_sent) {
        /* Section 5.5.1: answer with a close frame, typically echoing the code. */
        int rc = ev->code == AVILA_WS_NO_STATUS ? queue_close(c, 0, NULL, 0)
                                                : queue_close(c, ev->code, ev->data, ev->len);
        if (rc != 0)
            (void)queue_close(c, 0, NULL, 0);
        c->close_sent = true;
        c->state = ST_CLOSING;
        start_close_timer(c);
    }
}

/* A piece of a data message: assemble, and hand a complete message over. */
static void on_data(struct avila_ws_conn *c, const struct avila_ws_event *ev)
{
    const uint8_t *p = ev->data;
    size_t n = ev->len;
    if (!ev->fin || c->msg.len > 0) {
        if (avila_buf_append(&c->msg, ev->data, ev->len) != 0) {
            fail(c, AVILA_WS_INTERNAL_ERROR, "out of memory");
            return;
        }
        if (!ev->fin)
            return;
        p = c->msg.data;
        n = c->msg.len;
    }
    /* else: a message in one frame, handed over from the read buffer */
    if (p == NULL)
        p = (const uint8_t *)""; /* an empty message: still a valid pointer */
    if (c->cb.on_message != NULL)
        c->cb.on_message(c, c->cb.arg, ev->opcode, p, n);
    if (c->msg.len > KEEP_BUF)
        avila_buf_release(&c->msg);
    else
        avila_buf_clear(&c->msg);
}

static void on_event(struct avila_ws_conn *c, const struct avila_ws_event *ev)
{
    switch (ev->type) {
    case AVILA_WS_EV_DATA:
        on_data(c, ev);
        break;
    case AVILA_WS_EV_PING:
        if (!c->close_sent && queue_frame(c, AVILA_WS_PONG, true, ev->data, ev->len) != 0)
            fail(c, AVILA_WS_INTERNAL_ERROR, "out of memory");
        break;
    case AVILA_WS_EV_PONG:
        if (c->ping_out && ev->len == sizeof(c->ping_payload) &&
            memcmp(ev->data, c->ping_payload, ev->len) == 0)
            c->ping_out = false;
        if (c->cb.on_pong != NULL)
            c->cb.on_pong(c, c->cb.arg, ev->data, ev->len);
        break;
    case AVILA_WS_EV_CLOSE:
        on_peer_close(c, ev);
        break;
    }
}

/* The description of a decoder error's close code. */
static const char *fail_text(uint16_t code)
{
    switch (code) {
    case AVILA_WS_INVALID_DATA:
        return "invalid UTF-8";
    case AVILA_WS_TOO_BIG:
        return "message too big";
    default:
        return "protocol error";
    }
}

/* True while received bytes are decoded: no close frame came, no failure, room to answer. */
static bool may_decode(const struct avila_ws_conn *c)
{
    return (c->state == ST_OPEN || c->state == ST_CLOSING) && !c->close_rcvd && !c->failed &&
           !backed_up(c);
}

/* Decodes the next event from the read buffer. Returns true if something happened. */
static bool decode_one(struct avila_ws_conn *c)
{
    size_t used = 0;
    struct avila_ws_event ev;
    int r = avila_ws_decode(&c->dec, c->rbuf + c->rpos, c->rlen - c->rpos, &used, &ev);
    c->rpos += used;
    if (c->rpos == c->rlen)
        c->rpos = c->rlen = 0; /* ev.data (if any) stays valid: the bytes do not move */
    if (r == 1) {
        on_event(c, &ev);
        return true;
    }
    if (r == 0)
        return used > 0;
    uint16_t code = avila_ws_decoder_close_code(&c->dec);
    if (code == 0)
        code = AVILA_WS_PROTOCOL_ERROR;
    fail(c, code, fail_text(code));
    return true;
}

/* ------------------------------------------------------------ the driver */

/* LINGER: reads and drops bytes until the peer's FIN. Returns true if the state moved. */
static bool linger_read(struct avila_ws_conn *c)
{
    uint8_t sink[4096];
    while (c->readable) {
        int n = avila_sock_read(c->fd, sink, sizeof(sink));
        if (n == AVILA_EAGAIN) {
            c->readable = false;
            return false;
        }
        if (n <= 0) {
            c->eof = true;
            c->state = ST_DONE;
            return true;
        }
    }
    return false;
}

static void drive(struct avila_ws_conn *c)
{
    c->in_drive = true;
    while (c->state != ST_DONE) {
        if (flush(c) < 0) {
            lose(c);
            break;
        }
        if (c->want_drain && !backed_up(c) && c->state == ST_OPEN) {
            c->want_drain = false;
            if (c->cb.on_drain != NULL) {
                c->cb.on_drain(c, c->cb.arg);
                continue;
            }
        }
        if (c->state == ST_CLOSING && (c->close_rcvd || c->failed) && pending(c) == 0) {
            begin_linger(c);
            continue;
        }
        if (c->state == ST_LINGER) {
            if (linger_read(c))
                continue;
            break;
        }
        if (!may_decode(c))
            break;
        if (c->rpos < c->rlen) {
            (void)decode_one(c);
            continue;
        }
        if (c->eof) { /* the peer left without the close handshake */
            lose(c);
            break;
        }
        if (!c->readable)
            break;
        int n = avila_sock_read(c->fd, c->rbuf, c->rcap);
        if (n == AVILA_EAGAIN) {
            c->readable = false;
            break;
        }
        if (n == 0) {
            c->eof = true;
            continue;
        }
        if (n < 0) {
            lose(c);
            break;
        }
        c->rpos = 0;
        c->rlen = (size_t)n;
    }
    c->in_drive = false;
    if (c->state == ST_DONE)
        finish(c);
}

static void on_io(struct avila_io *io, unsigned events)
{
    struct avila_ws_conn *c = AVILA_LOOP_CONTAINER(io, struct avila_ws_conn, io);
    if (events & (AVILA_LOOP_READ | AVILA_LOOP_HUP | AVILA_LOOP_ERROR))
        c->readable = true;
    drive(c);
}

/* Keep-alive: fail the connection if the last ping got no pong, else send the next one. */
static void on_ping_timer(struct avila_loop_timer *t)
{
    struct avila_ws_conn *c = t->data;
    if (c->state != ST_OPEN)
        return;
    if (c->ping_out) {
        fail(c, AVILA_WS_INTERNAL_ERROR, "ping timeout");
    } else {
        avila_csprng_fill(&c->rng, c->ping_payload, sizeof(c->ping_payload));
        if (queue_frame(c, AVILA_WS_PING, true, c->ping_payload, sizeof(c->ping_payload)) != 0) {
            fail(c, AVILA_WS_INTERNAL_ERROR, "out of memory");
        } else {
            c->ping_out = true;
            avila_loop_timer_restart(&c->ping_timer);
        }
    }
    drive(c);
}

/* ------------------------------------------------------------ API */

int avila_ws_conn_start(struct avila_ws_conn **out, struct avila_loop *loop,
                        const struct avila_allocator *a, int fd, enum avila_ws_role role,
                        const uint8_t *rest, size_t rest_len,
                        const struct avila_ws_conn_config *cfg,
                        const struct avila_ws_conn_callbacks *cb)
{
    struct avila_ws_conn_config conf = {0};
    if (cfg != NULL)
        conf = *cfg;
    if (conf.max_message == 0)
        conf.max_message = AVILA_WS_DEFAULT_MAX;
    if (conf.max_write_buffer == 0)
        conf.max_write_buffer = AVILA_WS_CONN_DEFAULT_MAX_WRITE;
    if (conf.close_timeout_ms == 0)
        conf.close_timeout_ms = AVILA_WS_CONN_DEFAULT_CLOSE_TIMEOUT;
    int rc = AVILA_EINVAL;
    if (out == NULL || loop == NULL || a == NULL || cb == NULL || cb->on_close == NULL ||
        (role != AVILA_WS_SERVER && role != AVILA_WS_CLIENT) || (rest == NULL && rest_len > 0) ||
        conf.max_message > AVILA_WS_MESSAGE_LIMIT || conf.max_message > SIZE_MAX)
        goto fail_close;
    size_t rcap = rest_len > AVILA_WS_CONN_READ_BUF ? rest_len : AVILA_WS_CONN_READ_BUF;
    rc = AVILA_ENOMEM;
    struct avila_ws_conn *c = avila_alloc(a, sizeof(*c) + rcap, _Alignof(struct avila_ws_conn));
    if (c == NULL)
        goto fail_close;
    memset(c, 0, sizeof(*c));
    c->loop = loop;
    c->a = a;
    c->cfg = conf;
    c->cb = *cb;
    c->fd = fd;
    c->role = role;
    c->state = ST_OPEN;
    c->rcap = rcap;
    c->readable = true;
    avila_buf_init(&c->wbuf, a, SIZE_MAX);
    avila_buf_init(&c->msg, a, (size_t)conf.max_message);
    (void)avila_ws_decoder_init(&c->dec, role, conf.max_message);
    uint8_t seed[AVILA_CSPRNG_SEED_LEN];
    rc = avila_random_bytes(seed, sizeof(seed));
    if (rc != 0)
        goto fail_free;
    avila_csprng_init(&c->rng, seed);
    avila_wipe(seed, sizeof(seed));
    if (rest_len > 0)
        memcpy(c->rbuf, rest, rest_len);
    c->rlen = rest_len;
    avila_loop_timer_init(&c->ping_timer);
    avila_loop_timer_init(&c->close_timer);
    c->ping_timer.data = c;
    c->close_timer.data = c;
    avila_io_init(&c->io, fd, on_io);
    rc = avila_io_start(loop, &c->io, AVILA_LOOP_READ | AVILA_LOOP_WRITE);
    if (rc != 0)
        goto fail_wipe;
    if (conf.ping_interval_ms > 0)
        avila_loop_timer_start(loop, &c->ping_timer, conf.ping_interval_ms, on_ping_timer);
    kick(c); /* the bytes after the handshake, and whatever the socket has */
    *out = c;
    return 0;
fail_wipe:
    avila_csprng_wipe(&c->rng);
fail_free:
    avila_free(a, c, sizeof(*c) + rcap, _Alignof(struct avila_ws_conn));
fail_close:
    close(fd);
    return rc;
}

/* After queueing: kick the writer and say whether to wait for on_drain. */
static int queued(struct avila_ws_conn *c)
{
    kick(c);
    if (!backed_up(c))
        return 0;
    c->want_drain = true;
    return 1;
}

/*
 * Checks that p[0..n) continues a text message whose last part ended with
 * the in_len bytes of an unfinished UTF-8 sequence at in; on success the
 * unfinished sequence at the end of p goes to out (none may be left at
 * fin). Returns 0 or AVILA_EFORMAT.
 */
static int utf8_more(const uint8_t in[4], uint8_t in_len, const uint8_t *p, size_t n, bool fin,
                     uint8_t out[4], uint8_t *out_len)
{
    uint8_t seq[4];
    uint8_t sl = in_len;
    size_t i = 0;
    memcpy(seq, in, in_len);
    while (sl != 0 && i < n) {
        uint32_t cp;
        seq[sl++] = p[i++];
        int r = avila_utf8_decode(seq, sl, &cp);
        if (r == AVILA_EFORMAT)
            return AVILA_EFORMAT;
        if (r > 0)
            sl = 0;
    }
    if (sl == 0 && i < n) {
        size_t ok = 0;
        int rc = avila_utf8_check(p + i, n - i, &ok);
        if (rc == AVILA_EFORMAT)
            return AVILA_EFORMAT;
        if (rc == AVILA_EAGAIN) {
            sl = (uint8_t)(n - i - ok);
            memcpy(seq, p + i + ok, sl);
        }
    }
    if (fin && sl != 0)
        return AVILA_EFORMAT;
    memcpy(out, seq, sl);
    *out_len = sl;
    return 0;
}

/* True while the user may queue frames. */
static bool may_send(const struct avila_ws_conn *c)
{
    return c->state == ST_OPEN && !c->close_sent;
}

int avila_ws_conn_send_part(struct avila_ws_conn *c, enum avila_ws_opcode type, const void *data,
                            size_t len, bool fin)
{
    if (c == NULL || (type != AVILA_WS_TEXT && type != AVILA_WS_BINARY) ||
        (data == NULL && len > 0) || (c->out_msg != 0 && c->out_msg != type))
        return AVILA_EINVAL;
    if (!may_send(c))
        return AVILA_ESTATE;
    uint8_t keep[4];
    uint8_t keep_len = 0;
    if (type == AVILA_WS_TEXT && utf8_more(c->out_utf8, c->out_msg ? c->out_utf8_len : 0, data, len,
                                           fin, keep, &keep_len) != 0)
        return AVILA_EINVAL;
    int rc = queue_frame(c, c->out_msg != 0 ? AVILA_WS_CONT : type, fin, data, len);
    if (rc != 0)
        return rc == AVILA_ENOMEM ? rc : AVILA_EINVAL;
    c->out_msg = fin ? 0 : (uint8_t)type;
    c->out_utf8_len = keep_len;
    memcpy(c->out_utf8, keep, keep_len);
    return queued(c);
}

int avila_ws_conn_send(struct avila_ws_conn *c, enum avila_ws_opcode type, const void *data,
                       size_t len)
{
    if (c == NULL || c->out_msg != 0)
        return AVILA_EINVAL;
    return avila_ws_conn_send_part(c, type, data, len, true);
}

int avila_ws_conn_ping(struct avila_ws_conn *c, const void *data, size_t len)
{
    if (c == NULL || len > AVILA_WS_CONTROL_MAX || (data == NULL && len > 0))
        return AVILA_EINVAL;
    if (!may_send(c))
        return AVILA_ESTATE;
    int rc = queue_frame(c, AVILA_WS_PING, true, data, len);
    if (rc != 0)
        return rc;
    return queued(c);
}

int avila_ws_conn_close(struct avila_ws_conn *c, uint16_t code, const void *reason, size_t len)
{
    if (c == NULL)
        return AVILA_EINVAL;
    if (!may_send(c))
        return AVILA_ESTATE;
    int rc = queue_close(c, code, reason, len);
    if (rc != 0)
        return rc;
    c->close_sent = true;
    c->state = ST_CLOSING;
    start_close_timer(c);
    kick(c);
    return 0;
}

void avila_ws_conn_abort(struct avila_ws_conn *c)
{
    if (c == NULL || c->state == ST_DONE)
        return;
    if (!c->in_drive)
        (void)avila_loop_defer(c->loop, &c->kick, on_kick, c);
    lose(c);
}

size_t avila_ws_conn_buffered(const struct avila_ws_conn *c)
{
    return pending(c);
}

enum avila_ws_role avila_ws_conn_role(const struct avila_ws_conn *c)
{
    return c->role;
}

struct avila_loop *avila_ws_conn_loop(const struct avila_ws_conn *c)
{
    return c->loop;
}
