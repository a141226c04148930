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
 * struct avila_loop_group, each with its own SO_REUSEPORT listener or a
 * descriptor of one shared listener (avila_http_server_listen_fd_shared);
 * the counters in struct avila_http_server_stats are atomics, so another
 * thread may read and sum them.
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
 * max_body bytes (beyond: 413 and close), before the handler runs - unless
 * the request's route streams bodies (avila_http_server_route_stream):
 * then the handler runs at the head and takes the body piece by piece,
 * up to max_stream_body. With "Expect: 100-continue" the interim "100
 * Continue" is sent first (not after an early answer: the connection then
 * closes after it). Pipelined
 * requests are answered in order, one at a time: the next one waits until
 * the answer to the current one is complete. HEAD answers carry the head
 * only. While the write queue holds more than max_write_buffer bytes (or a
 * file is being sent), no further request is processed and, once the read
 * buffer is full, nothing more is read.
 *
 * Answers. A request goes through the middleware (avila_http_server_use)
 * in the order added, then to the handler. Any of them may answer:
 *   - whole, with avila_http_respond or avila_http_respond_file;
 *   - streamed, with avila_http_respond_start, avila_http_respond_write
 *     (repeatedly; it says when to wait for the on_drain callback) and
 *     avila_http_respond_end;
 *   - by taking the connection over (avila_http_takeover, for WebSocket).
 * The answer may come from inside the handler call or later (after a
 * timer, a work-pool job, another connection's event), always on the
 * loop's thread. The ctx pointer the handler gets stays valid until the
 * answer is complete (the call that completes it is the last use) or until
 * the on_abort callback runs: that happens when the connection is lost, or
 * when handler_timeout_ms passes without progress (no answer yet: the
 * server answers 503 itself and closes; an answer being streamed: the
 * connection is closed). An answer not yet complete when the handler
 * returns is simply pending.
 *
 * Timeouts. A request head (or its body) that does not arrive within
 * header_timeout_ms of its first byte gets "408 Request Timeout" and the
 * connection is closed; a connection that never sent a byte, or an idle
 * keep-alive one, is closed silently.
 */
#ifndef AVILA_NET_HTTP_SERVER_H
#define AVILA_NET_HTTP_SERVER_H

#include <stdatomic.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "net/http1.h"
#include "net/http_router.h"
#include "net/loop.h"
#include "net/sock.h"

/* Defaults for the zero fields of struct avila_http_server_config. */
#define AVILA_HTTP_SERVER_DEFAULT_MAX_BODY        ((uint64_t)1 << 20)
#define AVILA_HTTP_SERVER_DEFAULT_MAX_STREAM_BODY ((uint64_t)1 << 30)
#define AVILA_HTTP_SERVER_DEFAULT_HEADER_TIMEOUT  10000u
#define AVILA_HTTP_SERVER_DEFAULT_IDLE_TIMEOUT    30000u
#define AVILA_HTTP_SERVER_DEFAULT_HANDLER_TIMEOUT 30000u
#define AVILA_HTTP_SERVER_DEFAULT_MAX_CONNECTIONS 10000u
#define AVILA_HTTP_SERVER_DEFAULT_MAX_WRITE       ((size_t)256 * 1024)
/* Read-buffer room beyond max_head_bytes, for body bytes and pipelined requests. */
#define AVILA_HTTP_SERVER_READ_SLACK ((size_t)16384)
/* The most header fields a request may have (the parser array is this long). */
#define AVILA_HTTP_SERVER_MAX_HEADERS 100
/* How long a closing connection waits for the peer's FIN after shutdown(SHUT_WR). */
#define AVILA_HTTP_SERVER_LINGER_MS 2000u
/* The most middleware a server takes. */
#define AVILA_HTTP_SERVER_MAX_MIDDLEWARE 8
/* Bytes of the extra answer header fields a request may collect (avila_http_add_header). */
#define AVILA_HTTP_SERVER_MAX_EXTRA_HEADERS 1024
/* The longest request id (characters) a request may carry. */
#define AVILA_HTTP_REQUEST_ID_MAX 64
/* The length of a streamed answer whose size is not known in advance. */
#define AVILA_HTTP_LENGTH_UNKNOWN UINT64_MAX

struct avila_http_server;
struct avila_http_request_ctx;

/* A request handler: answers through ctx (see avila_http_respond); runs on the loop's thread. */
typedef void avila_http_handler_fn(struct avila_http_request_ctx *ctx);

/* A callback about a request in progress (on_drain, on_abort); ctx->user is the caller's. */
typedef void avila_http_ctx_fn(struct avila_http_request_ctx *ctx);

/*
 * Gets the next len bytes of a streamed request body (valid during the
 * call only), in order; last is true once, at the end (len 0 then).
 */
typedef void avila_http_body_fn(struct avila_http_request_ctx *ctx, const uint8_t *data, size_t len,
                                bool last);

/*
 * Server configuration; every zero field takes its default.
 *   limits              head limits for net/http1 (max_headers is capped at
 *                       AVILA_HTTP_SERVER_MAX_HEADERS)
 *   max_body            largest request body, declared or chunked (413 beyond)
 *   max_stream_body     the same for a route that streams bodies (default 1 GiB)
 *   header_timeout_ms   a head (and then its body) must arrive within this
 *                       many ms from its first byte, or 408 is sent and the
 *                       connection closed (slowloris); default 10 s
 *   idle_timeout_ms     a keep-alive connection with no request in progress
 *                       and nothing to write is closed after this; also the
 *                       limit on a peer that reads nothing; default 30 s
 *   handler_timeout_ms  a request whose answer makes no progress (none yet,
 *                       or a streamed one that stops writing) for this long
 *                       is ended: 503 if nothing was sent, else a close;
 *                       default 30 s
 *   max_connections     open connections at most; one more is accepted and
 *                       closed at once (default 10000)
 *   max_write_buffer    queued response bytes above which no further request
 *                       is processed and a streamed answer is asked to wait
 *                       (default 256 KiB)
 */
struct avila_http_server_config {
    struct avila_http1_limits limits;
    uint64_t max_body;
    uint64_t max_stream_body;
    uint64_t header_timeout_ms;
    uint64_t idle_timeout_ms;
    uint64_t handler_timeout_ms;
    size_t max_connections;
    size_t max_write_buffer;
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
    atomic_uint_fast64_t aborted;     /* requests ended before any answer was queued */
    atomic_uint_fast64_t bytes_sent;  /* bytes written to sockets (heads, bodies, files) */
    atomic_uint_fast64_t accepted;    /* connections accepted */
    atomic_uint_fast64_t rejected;    /* connections closed at once (max_connections) */
    atomic_uint_fast64_t timeouts;    /* requests or connections ended by a timeout */
    atomic_uint_fast64_t open;        /* connections open now */
    atomic_uint_fast64_t
        duration_us; /* sum of answered request durations, head to answer complete */
    /* answered requests by duration: [i] counts those <= bound i (not cumulative) */
    atomic_uint_fast64_t latency[AVILA_HTTP_SERVER_LATENCY_BUCKETS];
};

/*
 * One request, as middleware and the handler see it. Public fields are
 * read-only unless said otherwise, valid while ctx is (see the file
 * comment):
 *   req         the parsed head (slices into the connection's read buffer)
 *   path        the target's path (origin form: up to '?'; empty otherwise)
 *   query       the target's query after '?' (empty when none)
 *   body        the whole decoded body (empty when there is none)
 *   peer        the client's address
 *   server      the server, and arg the pointer given to avila_http_server_create
 *   route       the route that matched: its pattern and its parameters
 *               (see avila_http_param); empty when no route matched
 *   request_id  set by the request-id middleware (empty without it)
 *   user        free for the handler and middleware (NULL at first)
 * The rest is private. The server keeps a request's ctx with its read
 * buffer, taken only while a request is in progress.
 */
struct avila_http_request_ctx {
    struct avila_http1_request req;
    struct avila_slice path;
    struct avila_slice query;
    struct avila_slice body;
    const struct avila_sockaddr *peer;
    struct avila_http_server *server;
    void *arg;
    char request_id[AVILA_HTTP_REQUEST_ID_MAX + 1];
    size_t request_id_len;
    void *user;
    struct avila_http_router_match route; /* last: only param_count is reset per request */
    /* private */
    void *conn_;
};

/* How a request ended, for a middleware's on_done. */
struct avila_http_outcome {
    unsigned status;      /* the answer's status (101 for a takeover); 0 if aborted unanswered */
    bool aborted;         /* the connection was lost, or a timeout ended the answer */
    uint64_t bytes;       /* head and body bytes queued for the client */
    uint64_t duration_us; /* from the complete head to the complete answer (or the abort) */
};

/*
 * Middleware: hooks around every request, run in the order added.
 *   on_request  before the handler; may read the request, set ctx fields it
 *               owns (request_id), add answer fields (avila_http_add_header)
 *               or answer itself, which skips the later middleware and the
 *               handler. NULL to skip.
 *   on_done     once per request, when its answer is complete or it was
 *               aborted; ctx is still readable. NULL to skip.
 *   arg         given to both.
 */
struct avila_http_middleware {
    void (*on_request)(struct avila_http_request_ctx *ctx, void *arg);
    void (*on_done)(struct avila_http_request_ctx *ctx, const struct avila_http_outcome *o,
                    void *arg);
    void *arg;
};

/*
 * Creates a server on loop (whose thread alone may use it) with handler fn
 * and its argument arg for the requests no route matches (NULL: they get
 * 404); memory from a (which MUST outlive the server); cfg is copied (NULL
 * = defaults). Returns 0 and sets *out, AVILA_EINVAL (NULL loop or
 * allocator) or AVILA_ENOMEM.
 */
int avila_http_server_create(struct avila_http_server **out, struct avila_loop *loop,
                             const struct avila_allocator *a,
                             const struct avila_http_server_config *cfg, avila_http_handler_fn *fn,
                             void *arg);

/*
 * Adds middleware *m (copied) after those already added; before the server
 * listens. Returns 0, AVILA_ELIMIT (AVILA_HTTP_SERVER_MAX_MIDDLEWARE
 * reached), AVILA_ESTATE (already listening) or AVILA_EINVAL.
 */
int avila_http_server_use(struct avila_http_server *s, const struct avila_http_middleware *m);

/*
 * Routes requests for method (a token; NULL for any method) whose path
 * matches pattern to fn with arg (as ctx->arg), before the server listens.
 * Patterns and matching are net/http_router's: "/users/:id", a wildcard
 * such as "*path" as the last segment, literal before parameter before
 * wildcard, a GET route also answers HEAD. A path that some route matches but not for this
 * method gets 405 with an Allow field; a path no route matches goes to the
 * server's handler (or 404). Matching happens after the middleware's
 * on_request. Returns 0, AVILA_ESTATE (already listening), or an error of
 * avila_http_router_add (AVILA_EINVAL, AVILA_EEXIST, AVILA_ENOMEM).
 */
int avila_http_server_route(struct avila_http_server *s, const char *method, const char *pattern,
                            avila_http_handler_fn *fn, void *arg);

/*
 * As avila_http_server_route, but the route takes request bodies as a
 * stream: its handler runs as soon as the head is in (ctx->body is empty),
 * sets avila_http_on_body to receive the body, and may answer at any time
 * (before, during or after the body; the body is read to its end either
 * way, and dropped once the answer is complete). Bodies up to
 * max_stream_body. For uploads larger than memory.
 */
int avila_http_server_route_stream(struct avila_http_server *s, const char *method,
                                   const char *pattern, avila_http_handler_fn *fn, void *arg);

/* Sets the receiver of a streamed request body (see avila_http_server_route_stream). */
void avila_http_on_body(struct avila_http_request_ctx *ctx, avila_http_body_fn *fn);

/*
 * Pauses (paused true) or resumes a streamed request body: while paused no
 * bytes come to on_body, and once the read buffer is full nothing more is
 * read from the client (TCP flow control then holds it back).
 */
void avila_http_body_pause(struct avila_http_request_ctx *ctx, bool paused);

/*
 * Sets *value to the raw (still percent-encoded) text of the matched
 * route's parameter name. Returns 0 or AVILA_ENOTFOUND.
 */
int avila_http_param(const struct avila_http_request_ctx *ctx, const char *name,
                     struct avila_slice *value);

/*
 * Starts accepting on lfd, a listening stream socket. The server owns lfd
 * from then on (it closes it on shutdown or destroy). Returns 0,
 * AVILA_ESTATE (already listening or shutting down), or an error of
 * avila_listener_start (lfd is then still the caller's).
 */
int avila_http_server_listen_fd(struct avila_http_server *s, int lfd);

/*
 * The same for a listening socket shared with servers on other loops
 * (each given its own descriptor of it, e.g. by dup): see
 * avila_listener_start_shared.
 */
int avila_http_server_listen_fd_shared(struct avila_http_server *s, int lfd);

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

/* The loop the server runs on (for handlers that answer later). */
struct avila_loop *avila_http_server_loop(const struct avila_http_server *s);

/*
 * Graceful shutdown, on the loop's thread: closes the listener, closes idle
 * connections, lets every request in progress finish (its connection then
 * closes instead of being kept alive), and calls avila_loop_stop on the
 * server's loop once no connection is left, or after deadline_ms (from
 * now) by closing whatever remains. Calling it again does nothing.
 */
void avila_http_server_shutdown(struct avila_http_server *s, uint64_t deadline_ms);

/*
 * Closes every connection (pending requests get on_abort) and the listener
 * at once and frees the server; NULL does nothing. On the loop's thread,
 * not from inside one of the server's callbacks.
 */
void avila_http_server_destroy(struct avila_http_server *s);

/* ------------------------------------------------------------ answers */

/*
 * Answers the request: status (200..599; 1xx is refused), count header
 * fields (validated as by avila_http1_write_header; the server adds Date,
 * Server, Content-Length and Connection itself, so do not pass those) and
 * the len body bytes at body (copied; not sent for HEAD, nor for 204 and
 * 304, which get no Content-Length either). This completes the request.
 * Returns 0, AVILA_ESTATE if the request was already answered, AVILA_EINVAL
 * for a bad status or header (nothing is queued; the caller may answer
 * again), or AVILA_ENOMEM (the connection will close).
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

/*
 * Starts a streamed answer: queues the head (as avila_http_respond) for a
 * body of length bytes, or of AVILA_HTTP_LENGTH_UNKNOWN bytes: chunked for
 * HTTP/1.1, delimited by the close for HTTP/1.0. Then call
 * avila_http_respond_write for the body and avila_http_respond_end. Returns
 * as avila_http_respond.
 */
int avila_http_respond_start(struct avila_http_request_ctx *ctx, unsigned status,
                             const struct avila_http1_header *headers, size_t count,
                             uint64_t length);

/*
 * Queues len body bytes of a started answer (copied; dropped for HEAD, 204
 * and 304). Returns 0 (write more), 1 (queued, but the write buffer is
 * above max_write_buffer: write again after the on_drain callback),
 * AVILA_ESTATE (no streamed answer in progress), AVILA_EINVAL (more bytes
 * than the declared length; nothing queued) or AVILA_ENOMEM (the connection
 * will close).
 */
int avila_http_respond_write(struct avila_http_request_ctx *ctx, const void *data, size_t len);

/*
 * Completes a streamed answer, with count trailer fields for a chunked one
 * (ignored otherwise). If a declared length was not reached the client
 * cannot trust the body: the connection is closed after it and
 * AVILA_ERANGE returned. Returns 0, AVILA_ESTATE, AVILA_EINVAL (a bad
 * trailer; the answer is still in progress) or AVILA_ENOMEM.
 */
int avila_http_respond_end(struct avila_http_request_ctx *ctx,
                           const struct avila_http1_header *trailers, size_t count);

/*
 * Adds a header field to the answer still to be sent (both copied; the
 * fields of all calls together must fit AVILA_HTTP_SERVER_MAX_EXTRA_HEADERS
 * bytes). For middleware (X-Request-Id, CORS, ...). Returns 0,
 * AVILA_EINVAL (a bad name or value), AVILA_ELIMIT, AVILA_ESTATE (the head
 * is already queued) or AVILA_ENOMEM.
 */
int avila_http_add_header(struct avila_http_request_ctx *ctx, struct avila_slice name,
                          struct avila_slice value);

/* Sets the callback run when a streamed answer may write again (after a 1 from write). */
void avila_http_on_drain(struct avila_http_request_ctx *ctx, avila_http_ctx_fn *fn);

/*
 * Sets the callback run when the request ends without the caller completing
 * it (lost connection, handler timeout, server destroyed); ctx MUST NOT be
 * used after it returns.
 */
void avila_http_on_abort(struct avila_http_request_ctx *ctx, avila_http_ctx_fn *fn);

/*
 * Called with the connection a takeover hands over: its socket fd (now the
 * callee's, non-blocking, still registered nowhere), the peer's address,
 * and the rest bytes the client sent after the request (valid during the
 * call only).
 */
typedef void avila_http_takeover_fn(void *arg, struct avila_loop *loop, int fd,
                                    const struct avila_sockaddr *peer, const uint8_t *rest,
                                    size_t rest_len);

/*
 * Answers with the complete response head at head[0..len) (e.g. "101
 * Switching Protocols" from avila_ws_server_handshake; copied, sent as is)
 * and, once it is sent, hands the connection to fn and forgets it. This
 * completes the request. Refused with AVILA_ESTATE for a request with a
 * body or one already answered; AVILA_EINVAL for NULL fn or empty head.
 */
int avila_http_takeover(struct avila_http_request_ctx *ctx, const void *head, size_t len,
                        avila_http_takeover_fn *fn, void *arg);

#endif
