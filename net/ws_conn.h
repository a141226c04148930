/*
 * net/ws_conn.h - one WebSocket connection (RFC 6455) driven by the event
 * loop (net/loop.h) over a connected non-blocking stream socket, in either
 * role, after the opening handshake; and a client that makes that
 * handshake for a ws:// URL. OS code (net/ws_conn.c, net/ws_client.c):
 * framing and checks are net/ws.h's sans-I/O decoder and encoder.
 *
 * Messages. Received frames go through avila_ws_decoder; the pieces of a
 * data message are assembled into one buffer of at most max_message bytes
 * and handed to on_message whole (a message that arrives in one frame is
 * handed over from the read buffer without a copy). Pings are answered
 * with pongs at once, also between the fragments of a message.
 *
 * Failures (section 7.1.7). A protocol error (1002), a text message or
 * close reason that is not UTF-8 (1007), a message over max_message (1009)
 * or a peer that leaves a keep-alive ping unanswered for ping_interval_ms
 * (1011) fail the connection: the close frame with that code is sent, the
 * socket is shut down once it is out, and closed when the peer closes its
 * side or close_timeout_ms later. Nothing more is decoded.
 *
 * Closing (section 7). The side that starts the close handshake
 * (avila_ws_conn_close, or the peer's close frame) sends its close frame
 * and then neither side sends data. Once both close frames crossed and
 * ours is out: a server shuts its side down first (FIN) and closes when
 * the client's FIN comes (or close_timeout_ms later); a client waits for
 * the server's FIN for close_timeout_ms at most, then closes. A peer that
 * does not answer our close frame within close_timeout_ms gets its
 * connection closed anyway (not clean).
 *
 * Callbacks run on the loop's thread, only from the loop (I/O events,
 * timers, deferred callbacks), never from inside a call the user made on
 * the connection: a send, close or abort only queues work and a deferred
 * callback (avila_loop_defer) does the rest, so a callback never re-enters
 * the caller's code and the connection is never freed under it. on_close
 * comes exactly once per started connection; the connection is freed when
 * it returns, and MUST NOT be used after that.
 *
 * Back-pressure. Sends queue bytes in a write buffer; above
 * max_write_buffer a send still queues but returns 1: wait for on_drain
 * (the buffer fell to max_write_buffer or below) before sending more.
 * While the buffer is above the limit the connection also stops reading,
 * so a peer that sends without reading the answers (an echo, pongs) is
 * slowed down instead of growing our memory. One consequence: a pong that
 * arrives meanwhile is not read either, so with keep-alive pings on, a
 * peer that reads our data too slowly for ping_interval_ms is taken for
 * dead (1011).
 *
 * Threads: a connection belongs to the loop it was started on; every call
 * MUST be made on that loop's thread.
 */
#ifndef AVILA_NET_WS_CONN_H
#define AVILA_NET_WS_CONN_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/error.h"
#include "net/http1.h"
#include "net/loop.h"
#include "net/resolve.h"
#include "net/ws.h"

/* Status codes reported by on_close besides those of net/ws.h (section 7.4.1). */
#define AVILA_WS_GOING_AWAY     1001
#define AVILA_WS_ABNORMAL       1006 /* the connection was lost without a close frame; never sent */
#define AVILA_WS_INTERNAL_ERROR 1011 /* sent when a keep-alive ping goes unanswered */

/* Defaults for the zero fields of struct avila_ws_conn_config. */
#define AVILA_WS_CONN_DEFAULT_MAX_WRITE     ((size_t)1 << 20)
#define AVILA_WS_CONN_DEFAULT_CLOSE_TIMEOUT 5000u
/* Bytes read from the socket at a time (the read buffer is allocated with the connection). */
#define AVILA_WS_CONN_READ_BUF ((size_t)32 << 10)

/*
 * Configuration; zero fields take the defaults.
 *   max_message       bytes of a received message (default AVILA_WS_DEFAULT_MAX,
 *                     16 MiB; at most AVILA_WS_MESSAGE_LIMIT and SIZE_MAX);
 *                     beyond it the connection fails with 1009
 *   max_write_buffer  queued bytes above which sends return 1 and reading
 *                     pauses (default 1 MiB)
 *   ping_interval_ms  0: no keep-alive pings; else a ping goes out every
 *                     interval and the connection fails with 1011 when the
 *                     previous one got no pong by the next
 *   close_timeout_ms  how long to wait for the peer's close frame after
 *                     ours, and for its FIN after the handshake (default 5 s)
 */
struct avila_ws_conn_config {
    uint64_t max_message;
    size_t max_write_buffer;
    uint64_t ping_interval_ms;
    uint64_t close_timeout_ms;
};

struct avila_ws_conn;

/*
 * A whole message: type AVILA_WS_TEXT (valid UTF-8, checked) or
 * AVILA_WS_BINARY; data (never NULL) valid during the call only. The callee may send,
 * close or abort from inside.
 */
typedef void avila_ws_message_fn(struct avila_ws_conn *c, void *arg, enum avila_ws_opcode type,
                                 const uint8_t *data, size_t len);

/* The write buffer fell to max_write_buffer or below after a send returned 1. */
typedef void avila_ws_drain_fn(struct avila_ws_conn *c, void *arg);

/* A pong arrived (ours to a keep-alive ping included); data valid during the call. */
typedef void avila_ws_pong_fn(struct avila_ws_conn *c, void *arg, const uint8_t *data, size_t len);

/*
 * The connection is over; called exactly once, then c is freed. code and
 * reason (reason_len bytes of UTF-8, valid during the call, never NULL) are:
 *   - the peer's close frame, when one arrived (AVILA_WS_NO_STATUS, 1005,
 *     for an empty one);
 *   - otherwise, when we failed the connection, the code we sent (1002,
 *     1007, 1009, 1011) and a short description;
 *   - otherwise AVILA_WS_ABNORMAL (1006): the connection was lost, aborted,
 *     or the peer never answered our close frame.
 * clean is true when the close handshake completed (both close frames
 * crossed) without a failure.
 */
typedef void avila_ws_close_fn(struct avila_ws_conn *c, void *arg, uint16_t code,
                               const uint8_t *reason, size_t reason_len, bool clean);

/* The callbacks (copied at start); on_close is required, the others may be NULL. */
struct avila_ws_conn_callbacks {
    avila_ws_message_fn *on_message;
    avila_ws_drain_fn *on_drain;
    avila_ws_pong_fn *on_pong;
    avila_ws_close_fn *on_close;
    void *arg; /* given to each callback */
};

/*
 * Starts a connection on fd, a connected non-blocking stream socket whose
 * opening handshake is done, for role (AVILA_WS_SERVER: we are the server
 * and read masked frames; AVILA_WS_CLIENT: we mask every frame we send,
 * each with a fresh key). rest[0..rest_len) are bytes the peer sent after
 * its handshake (copied; NULL when rest_len is 0): they are decoded first.
 * Memory comes from a (which MUST outlive the connection); cfg and cb are
 * copied. Takes fd in every case: the connection closes it when it ends,
 * and it is closed at once on failure. Nothing is called back during this
 * call. Returns 0 and sets *out (valid until on_close returns); or
 * AVILA_EINVAL (NULL loop, a or on_close, a bad role or config),
 * AVILA_ENOMEM, AVILA_EIO (no random key seed) or an error of
 * avila_io_start.
 */
int avila_ws_conn_start(struct avila_ws_conn **out, struct avila_loop *loop,
                        const struct avila_allocator *a, int fd, enum avila_ws_role role,
                        const uint8_t *rest, size_t rest_len,
                        const struct avila_ws_conn_config *cfg,
                        const struct avila_ws_conn_callbacks *cb);

/*
 * Queues a whole message of len bytes (copied; data MAY be NULL when len is
 * 0): type AVILA_WS_TEXT (data MUST be UTF-8) or AVILA_WS_BINARY. Returns 0
 * (send more), 1 (queued, but the write buffer is above max_write_buffer:
 * wait for on_drain), AVILA_EINVAL (another type, text that is not UTF-8,
 * a fragmented message in progress), AVILA_ESTATE (our close frame was
 * sent, or the connection is ending) or AVILA_ENOMEM (nothing queued).
 */
int avila_ws_conn_send(struct avila_ws_conn *c, enum avila_ws_opcode type, const void *data,
                       size_t len);

/*
 * Queues one fragment of a message sent in pieces (section 5.4): the first
 * call gives its type, later ones MUST give the same type and go out as
 * continuation frames; fin ends the message. The UTF-8 of a text message
 * is checked across the pieces (a sequence may be split between two) and
 * must be complete at fin. Control frames (pings, pongs, a close) may go
 * out between the fragments. Returns as avila_ws_conn_send (AVILA_EINVAL
 * also for a type other than the message's).
 */
int avila_ws_conn_send_part(struct avila_ws_conn *c, enum avila_ws_opcode type, const void *data,
                            size_t len, bool fin);

/*
 * Queues a ping with len (at most 125) bytes of payload; the pong comes to
 * on_pong. Returns as avila_ws_conn_send (AVILA_EINVAL for a payload too
 * long).
 */
int avila_ws_conn_ping(struct avila_ws_conn *c, const void *data, size_t len);

/*
 * Starts the close handshake: queues a close frame with code and reason
 * (len bytes of UTF-8, at most 123; code 0 sends an empty close frame),
 * after anything queued before. A fragmented message still in progress is
 * left unfinished. on_close follows once the peer answers (or after
 * close_timeout_ms). Returns 0, AVILA_EINVAL (a code that may not be sent,
 * see avila_ws_close_code_valid, or a bad reason), AVILA_ESTATE (a close
 * frame was already sent) or AVILA_ENOMEM.
 */
int avila_ws_conn_close(struct avila_ws_conn *c, uint16_t code, const void *reason, size_t len);

/*
 * Drops the connection without a close handshake: the socket is closed and
 * on_close(AVILA_WS_ABNORMAL, not clean) follows from the loop. Does
 * nothing once the connection is ending already.
 */
void avila_ws_conn_abort(struct avila_ws_conn *c);

/* Bytes queued and not yet written to the socket. */
size_t avila_ws_conn_buffered(const struct avila_ws_conn *c);

/* The connection's role and loop. */
enum avila_ws_role avila_ws_conn_role(const struct avila_ws_conn *c);
struct avila_loop *avila_ws_conn_loop(const struct avila_ws_conn *c);

/* ------------------------------------------------------------ client */

#define AVILA_WS_CLIENT_TIMEOUT_MS 30000u /* default connect and handshake time */
#define AVILA_WS_CLIENT_HEAD_MAX   16384u /* bytes of the server's response head */

/*
 * Client options; zero fields are the defaults.
 *   headers, header_count  extra request fields (User-Agent, Origin,
 *                          Authorization...); the handshake's own (Host,
 *                          Upgrade, Connection, Sec-WebSocket-*) and body
 *                          framing fields are refused
 *   protocols              subprotocols to offer, comma-separated, or NULL
 *   timeout_ms             connect plus handshake, in all (default 30 s)
 */
struct avila_ws_client_options {
    const struct avila_http1_header *headers;
    size_t header_count;
    const char *protocols;
    uint64_t timeout_ms;
};

/* What the handshake said, for error messages and the caller's choice. */
struct avila_ws_client_info {
    unsigned status;   /* the response's status; 0 if none came */
    char protocol[64]; /* the subprotocol the server picked, NUL-terminated; empty if none */
};

/*
 * Opens a WebSocket to url ("ws://host[:port][/path][?query]", the scheme
 * in any case, default port 80, host a name, IPv4 or [IPv6] as net/http_url
 * accepts them), resolving names with resolver, and starts it on loop as a
 * client (avila_ws_conn_start with a, cfg and cb). Blocking: the connect
 * (each resolved address in turn), the request and the response head are
 * done with blocking waits (net/sock.h) before the socket goes to the loop;
 * call it before running the loop, or from a thread that may block. info
 * (may be NULL) is filled in whatever the outcome. Returns 0 and sets *out;
 * or AVILA_EUNSUPPORTED (wss:// or another scheme), AVILA_EFORMAT (a bad
 * URL, or the server refused or botched the handshake: info->status says
 * which status came), AVILA_EINVAL (a refused extra field, NULL
 * arguments), AVILA_ENOTFOUND (no such host), AVILA_ETIMEDOUT, AVILA_ELIMIT
 * (a response head over AVILA_WS_CLIENT_HEAD_MAX), a connect error
 * (AVILA_ECLOSED: refused or closed) or an error of avila_ws_conn_start.
 */
int avila_ws_connect(struct avila_ws_conn **out, struct avila_loop *loop,
                     const struct avila_allocator *a, struct avila_resolver *resolver,
                     const char *url, const struct avila_ws_client_options *opt,
                     const struct avila_ws_conn_config *cfg,
                     const struct avila_ws_conn_callbacks *cb, struct avila_ws_client_info *info);

#endif
