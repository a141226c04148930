/*
 * tools/fuzz/fuzz_ws_conn.c - libFuzzer harness for net/ws_conn.h's
 * message assembly and close logic: the fuzz bytes go through a socketpair
 * to a connection on an event loop. Input as for fuzz_ws.c (and its seeds
 * work here): one byte of settings (bit 0: the connection is a server, so
 * frames must be masked; bits 1-2: max_message, 0 for the default, else 1,
 * 100 or 5000 bytes), one byte choosing the write size, then the bytes the
 * peer sends, after which the peer shuts its side down. Properties, checked
 * against net/ws.h's decoder run on the same bytes at once:
 *   - the messages delivered are exactly the messages the decoder
 *     completes before its first error or close frame, in order, with
 *     their types (so text messages are UTF-8 and none exceeds the limit);
 *   - on_close comes exactly once, with the peer's close code after a close
 *     frame, the decoder's close code (1002, 1007, 1009) after an error,
 *     else 1006; and the connection answers with a close frame carrying
 *     that code whenever the decoder found a close frame or an error.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/ws_conn/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "net/loop.h"
#include "net/ws_conn.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* Messages as type byte, 8-byte length, bytes; into b. */
static void put_message(struct avila_buf *b, uint8_t type, const uint8_t *p, size_t n)
{
    uint64_t len = n;
    CHECK(avila_buf_append_byte(b, type) == 0);
    CHECK(avila_buf_append(b, &len, sizeof(len)) == 0);
    CHECK(avila_buf_append(b, p, n) == 0);
}

struct run {
    struct avila_buf got; /* messages delivered */
    int closes;
    uint16_t code;
};

static void on_message(struct avila_ws_conn *c, void *arg, enum avila_ws_opcode type,
                       const uint8_t *data, size_t len)
{
    (void)c;
    struct run *r = arg;
    CHECK(r->closes == 0);
    put_message(&r->got, (uint8_t)type, data, len);
}

static void on_close(struct avila_ws_conn *c, void *arg, uint16_t code, const uint8_t *reason,
                     size_t len, bool clean)
{
    (void)c;
    (void)reason;
    (void)len;
    (void)clean;
    struct run *r = arg;
    r->closes++;
    r->code = code;
}

/*
 * The reference: messages the decoder completes before an error or a
 * close frame, into want; returns the close code the connection must
 * report (0 for "none": the peer just left, 1006).
 */
static uint16_t reference(struct avila_buf *want, enum avila_ws_role role, uint64_t max,
                          const uint8_t *in, size_t n)
{
    uint8_t *copy = malloc(n > 0 ? n : 1);
    CHECK(copy != NULL);
    memcpy(copy, in, n);
    struct avila_ws_decoder d;
    CHECK(avila_ws_decoder_init(&d, role, max) == 0);
    struct avila_buf msg;
    avila_buf_init(&msg, avila_allocator_libc(), SIZE_MAX);
    size_t at = 0;
    uint16_t code = 0;
    for (;;) {
        size_t used = 0;
        struct avila_ws_event ev;
        int r = avila_ws_decode(&d, copy + at, n - at, &used, &ev);
        at += used;
        if (r < 0) {
            code = avila_ws_decoder_close_code(&d);
            break;
        }
        if (r == 0)
            break;
        if (ev.type == AVILA_WS_EV_CLOSE) {
            code = ev.code;
            break;
        }
        if (ev.type != AVILA_WS_EV_DATA)
            continue;
        CHECK(avila_buf_append(&msg, ev.data, ev.len) == 0);
        if (ev.fin) {
            put_message(want, (uint8_t)ev.opcode, msg.data, msg.len);
            avila_buf_clear(&msg);
        }
    }
    avila_buf_release(&msg);
    free(copy);
    return code;
}

/* Reads what the connection sent; returns the code of its close frame once seen (else keeps 0). */
static void drain_peer(int fd, struct avila_ws_decoder *d, uint16_t *sent_code)
{
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0)
            return;
        size_t at = 0;
        while (at < (size_t)n && *sent_code == 0) {
            size_t used = 0;
            struct avila_ws_event ev;
            int r = avila_ws_decode(d, buf + at, (size_t)n - at, &used, &ev);
            CHECK(r >= 0); /* the connection writes well-formed frames */
            at += used;
            if (r == 0)
                break;
            if (ev.type == AVILA_WS_EV_CLOSE)
                *sent_code = ev.code == AVILA_WS_NO_STATUS ? 1 : ev.code;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct avila_loop *loop;
    if (loop == NULL && avila_loop_create(&loop, avila_allocator_libc(), NULL) != 0)
        __builtin_trap();
    if (size < 2)
        return 0;
    static const uint64_t limits[4] = {0, 1, 100, 5000};
    enum avila_ws_role role = (data[0] & 1) ? AVILA_WS_SERVER : AVILA_WS_CLIENT;
    uint64_t max = limits[(data[0] >> 1) & 3];
    size_t piece = 1 + (size_t)data[1] * 31;
    const uint8_t *in = data + 2;
    size_t n = size - 2;

    struct avila_buf want;
    avila_buf_init(&want, avila_allocator_libc(), SIZE_MAX);
    uint16_t want_code = reference(&want, role, max, in, n);

    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    struct run r = {0};
    avila_buf_init(&r.got, avila_allocator_libc(), SIZE_MAX);
    struct avila_ws_conn_config cfg = {.max_message = max, .close_timeout_ms = 1000};
    struct avila_ws_conn_callbacks cb = {on_message, NULL, NULL, on_close, &r};
    struct avila_ws_conn *c;
    CHECK(avila_ws_conn_start(&c, loop, avila_allocator_libc(), sv[1], role, NULL, 0, &cfg, &cb) ==
          0);
    /* The peer reads frames the other way round: a server connection sends unmasked frames. */
    struct avila_ws_decoder peer;
    CHECK(avila_ws_decoder_init(&peer, role == AVILA_WS_SERVER ? AVILA_WS_CLIENT : AVILA_WS_SERVER,
                                0) == 0);
    uint16_t sent_code = 0;
    size_t at = 0;
    bool shut = false;
    for (unsigned spins = 0; r.closes == 0; spins++) {
        CHECK(spins < 1000000);
        if (at < n) {
            size_t k = n - at < piece ? n - at : piece;
            ssize_t w = send(sv[0], in + at, k, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w > 0)
                at += (size_t)w;
            else if (w < 0 && r.closes == 0 && sent_code != 0)
                at = n; /* the connection closed its side: the rest is not read */
        } else if (!shut) {
            shutdown(sv[0], SHUT_WR);
            shut = true;
        }
        CHECK(avila_loop_run_once(loop, 0) >= 0);
        drain_peer(sv[0], &peer, &sent_code);
    }
    drain_peer(sv[0], &peer, &sent_code);
    close(sv[0]);

    CHECK(r.closes == 1);
    CHECK(r.got.len == want.len && (want.len == 0 || memcmp(r.got.data, want.data, want.len) == 0));
    if (want_code == 0) {
        CHECK(r.code == AVILA_WS_ABNORMAL);
    } else {
        CHECK(r.code == want_code);
        CHECK(sent_code == (want_code == AVILA_WS_NO_STATUS ? 1 : want_code));
    }
    avila_buf_release(&r.got);
    avila_buf_release(&want);
    return 0;
}
