/*
 * net/http_server.h - an HTTP/1.1 server on one event loop (net/loop.h):
 * accepts on a listening socket, parses requests with net/http1's sans-I/O
 * codec, calls a handler per request and writes its answer, with
 * keep-alive, pipelining, Expect: 100-continue, request body limits,
 * header and idle timeouts, a connection limit, back-pressure and a
 * graceful shutdown. OS code (sockets, sendfile). RFC 9110 / RFC 9112.
 *
 * Threads. A server belongs to one loop and is used only on that loop's
 * thread. For thread-per-core, run one server per loop of a
 * struct avila_loop_group, each with its own SO_REUSEPORT listener; the
 * counters in struct avila_http_server_stats are atomics, so another thread
 * may read and sum them.
 *
 * Connections. Each connection is one small allocation from the server's
 * allocator (freed on close) holding its parser state, the loop watcher
 * and timer. While a request is being read or answered it also holds an
 * input block (the header array and a read buffer of max_head_bytes +
 * AVILA_HTTP_SERVER_READ_SLACK bytes) and a growable write buffer; both are
 * given back whenever the connection is idle, so idle keep-alive
 * connections cost little. TCP_NODELAY is set on accept.
 *
 * Requests. The head is parsed incrementally; a refused head is answered
 * with the status avila_http1_error_status gives and "Connection: close".
 * A body (Content-Length or chunked) is read whole into memory, up to
 * max_body bytes (beyond: 413 and close), before the handler runs; with
 * "Expect: 100-continue" the interim "100 Continue" is sent first. Several
 * requests in one read are answered in order. HEAD answers carry the head
 * only. While the write queue holds more than max_write_buffer bytes (or a
 * file is being sent), no further request is processed and, once the read
 * buffer is full, nothing more is read.
 *
 * Handlers answer synchronously, from inside the handler call, with
 * avila_http_respond or avila_http_respond_file; a handler that returns
 * without answering gets 500 sent for it.
 */
#ifndef AVILA_NET_HTTP_SERVER_H
#define AVILA_NET_HTTP_SERVER_H

#include <stdatomic.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "net/http1.h"
#include "net/loop.h"
#include "net/sock.h"

/* Defaults for the zero fields of struct avila_http_server_config. */
#define AVILA_HTTP_SERVER_DEFAULT_MAX_BODY        ((uint64_t)1 << 20)
#define AVILA_HTTP_SERVER_DEFAULT_HEADER_TIMEOUT  10000u
#define AVILA_HTTP_SERVER_DEFAULT_IDLE_TIMEOUT    30000u
#define AVILA_HTTP_SERVER_DEFAULT_MAX_CONNECTIONS 10000u
#define AVILA_HTTP_SERVER_DEFAULT_MAX_WRITE       ((size_t)256 * 1024)
/* Read-buffer room beyond max_head_bytes, for body bytes and pipelined requests. */
#define AVILA_HTTP_SERVER_READ_SLACK ((size_t)16384)
/* The most header fields a request may have (the parser array is this long). */
#define AVILA_HTTP_SERVER_MAX_HEADERS 100
/* How long a closing connection waits for the peer's FIN after shutdown(SHUT_WR). */
#define AVILA_HTTP_SERVER_LINGER_MS 2000u

struct avila_http_server;
struct avila_http_request_ctx;

/* A request handler: answers through ctx (see avila_http_respond); runs on the loop's thread. */
typedef void avila_http_handler_fn(struct avila_http_request_ctx *ctx);

/*
 * Server configuration; every zero field takes its default.
 *   limits              head limits for net/http1 (max_headers is capped at
 *                       AVILA_HTTP_SERVER_MAX_HEADERS)
 *   max_body            largest request body, declared or chunked (413 beyond)
 *   header_timeout_ms   a head (and then its body) must arrive within this
 *                       many ms from its first byte, or the connection is
 *                       closed (slowloris); default 10 s
 *   idle_timeout_ms     a keep-alive connection with no request in progress
 *                       and nothing to write is closed after this; also the
 *                       limit on a peer that reads nothing; default 30 s
 *   max_connections     open connections at most; one more is accepted and
 *                       closed at once (default 10000)
 *   max_write_buffer    queued response bytes above which no further request
 *                       is processed (default 256 KiB)
 *   access_log          if not NULL, one INFO record per answered request
 *                       (method, target, status, bytes, duration_us, peer)
 */
struct avila_http_server_config {
    struct avila_http1_limits limits;
    uint64_t max_body;
    uint64_t header_timeout_ms;
    uint64_t idle_timeout_ms;
    size_t max_connections;
    size_t max_write_buffer;
    struct avila_log *access_log;
};

/*
 * Upper bounds, in microseconds, of the request-duration histogram buckets
 * (the last bucket, AVILA_HTTP_SERVER_LATENCY_BUCKETS - 1, has no bound).
 */
#define AVILA_HTTP_SERVER_LATENCY_BOUNDS_US                                                        \
    {                                                                                              \
        100, 1000, 10000, 100000, 1000000                                                          \
    }
#define AVILA_HTTP_SERVER_LATENCY_BUCKETS 6

/* Counters, updated with relaxed atomics; any thread may read them. */
struct avila_http_server_stats {
    atomic_uint_fast64_t requests[6]; /* answered requests by status class: [1] 1xx .. [5] 5xx */
    atomic_uint_fast64_t bytes_sent;  /* bytes written to sockets (heads, bodies, files) */
    atomic_uint_fast64_t accepted;    /* connections accepted */
    atomic_uint_fast64_t rejected;    /* connections closed at once (max_connections) */
    atomic_uint_fast64_t timeouts;    /* connections closed by a header or idle timeout */
    atomic_uint_fast64_t open;        /* connections open now */
    atomic_uint_fast64_t duration_us; /* sum of request durations, head to answer queued */
    /* requests by duration: [i] counts those <= bound i (not cumulative) */
    atomic_uint_fast64_t latency[AVILA_HTTP_SERVER_LATENCY_BUCKETS];
};

/*
 * One request, as the handler sees it. Public fields are read-only and live
 * until the handler returns:
 *   req     the parsed head (slices into the connection's read buffer)
 *   body    the whole decoded body (empty when there is none)
 *   peer    the client's address
 *   server  the server, and arg the pointer given to avila_http_server_create
 * The rest is private.
 */
struct avila_http_request_ctx {
    struct avila_http1_request req;
    struct avila_slice body;
    const struct avila_sockaddr *peer;
    struct avila_http_server *server;
    void *arg;
    /* private */
    void *conn_;
    int answered_;
};

/*
 * Creates a server on loop (whose thread alone may use it) with handler fn
 * and its argument arg; memory from a (which MUST outlive the server); cfg
 * is copied (NULL = defaults). Returns 0 and sets *out, AVILA_EINVAL
 * (NULL loop or fn) or AVILA_ENOMEM.
 */
int avila_http_server_create(struct avila_http_server **out, struct avila_loop *loop,
                             const struct avila_allocator *a,
                             const struct avila_http_server_config *cfg, avila_http_handler_fn *fn,
                             void *arg);

/*
 * Starts accepting on lfd, a listening stream socket. The server owns lfd
 * from then on (it closes it on shutdown or destroy). Returns 0,
 * AVILA_ESTATE (already listening or shutting down), or an error of
 * avila_listener_start (lfd is then still the caller's).
 */
int avila_http_server_listen_fd(struct avila_http_server *s, int lfd);

/*
 * Opens a listener on addr (flags as for avila_sock_listen, e.g.
 * AVILA_SOCK_REUSEPORT) and starts accepting on it. Returns 0 or an error
 * of avila_sock_listen / avila_http_server_listen_fd.
 */
int avila_http_server_listen(struct avila_http_server *s, const struct avila_sockaddr *addr,
                             unsigned flags);

/* The address the server listens on (to learn an ephemeral port); AVILA_ESTATE if none. */
int avila_http_server_local_addr(const struct avila_http_server *s, struct avila_sockaddr *out);

/* The server's counters (for /metrics); valid as long as the server. */
const struct avila_http_server_stats *avila_http_server_stats(const struct avila_http_server *s);

/* Open connections now. */
size_t avila_http_server_connections(const struct avila_http_server *s);

/*
 * Graceful shutdown, on the loop's thread: closes the listener, closes idle
 * connections, lets every request in progress finish (its connection then
 * closes instead of being kept alive), and calls avila_loop_stop on the
 * server's loop once no connection is left, or after deadline_ms (from
 * now) by closing whatever remains. Calling it again does nothing.
 */
void avila_http_server_shutdown(struct avila_http_server *s, uint64_t deadline_ms);

/*
 * Closes every connection and the listener at once and frees the server;
 * NULL does nothing. On the loop's thread, not from inside its callbacks'
 * handler call.
 */
void avila_http_server_destroy(struct avila_http_server *s);

/*
 * Answers the request: status (200..599; 1xx is refused), count header
 * fields (validated as by avila_http1_write_header; the server adds Date,
 * Content-Length and Connection itself, so do not pass those) and the len
 * body bytes at body (copied; not sent for HEAD, nor for 204 and 304, which
 * get no Content-Length either). Returns 0, AVILA_ESTATE if the request was
 * already answered, AVILA_EINVAL for a bad status or header (nothing is
 * queued; the handler may answer again), or AVILA_ENOMEM.
 */
int avila_http_respond(struct avila_http_request_ctx *ctx, unsigned status,
                       const struct avila_http1_header *headers, size_t count, const void *body,
                       size_t len);

/*
 * Answers with len bytes of the regular file fd from offset (sent with
 * sendfile after the head). Takes fd in every case: the server closes it
 * when done or on failure. Otherwise as avila_http_respond.
 */
int avila_http_respond_file(struct avila_http_request_ctx *ctx, unsigned status,
                            const struct avila_http1_header *headers, size_t count, int fd,
                            uint64_t offset, uint64_t len);

#endif
