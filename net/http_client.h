/*
 * net/http_client.h - a blocking HTTP/1.1 client (RFC 9110, RFC 9112) for
 * tools and background work: names through net/resolve.h (no NSS), one
 * kept-alive connection per origin reused across requests, Content-Length,
 * chunked and until-close bodies streamed to a callback, bounded redirects
 * (RFC 9110 section 15.4), one deadline per wait. http only (https comes
 * with TLS). OS code: sockets and poll; an event loop runs it on the
 * blocking-work pool (net/work.h).
 *
 * Ownership: the client owns its pooled connections (closed by release);
 * requests, headers and bodies are the caller's and only read during the
 * call. Not thread-safe: one client per thread.
 */
#ifndef AVILA_NET_HTTP_CLIENT_H
#define AVILA_NET_HTTP_CLIENT_H

#include <stdbool.h>

#include "core/alloc.h"
#include "net/http1.h"
#include "net/http_url.h"
#include "net/resolve.h"

#define AVILA_HTTP_CLIENT_POOL          4     /* idle connections kept (one per origin) */
#define AVILA_HTTP_CLIENT_TIMEOUT_MS    30000 /* default: connect, and each wait for bytes */
#define AVILA_HTTP_CLIENT_MAX_REDIRECTS 5     /* default limit when following */
#define AVILA_HTTP_CLIENT_HEAD_MAX      16384 /* bytes of a response head kept for the caller */

/* Zero fields are the defaults. */
struct avila_http_client_options {
    uint64_t timeout_ms;
    unsigned max_redirects;
    bool follow_redirects;
};

/* One connection kept for reuse. Private. */
struct avila_http_client_conn {
    int fd; /* -1: empty */
    uint16_t port;
    size_t host_len;
    char host[AVILA_DNS_NAME_TEXT_MAX];
};

/* A client. Caller-allocated; fields private. */
struct avila_http_client {
    struct avila_http_client_options opt;
    struct avila_resolver *resolver;
    struct avila_http_client_conn pool[AVILA_HTTP_CLIENT_POOL];
    size_t reused; /* requests sent on a pooled connection (for tests and stats) */
};

/*
 * Starts a client that resolves names with resolver (MUST outlive it).
 * Returns 0 or AVILA_EINVAL.
 */
int avila_http_client_init(struct avila_http_client *c, struct avila_resolver *resolver,
                           const struct avila_http_client_options *opt);

/* Closes the pooled connections. */
void avila_http_client_release(struct avila_http_client *c);

/* A request. method NULL means GET; body NULL with body_len 0 means none. */
struct avila_http_client_request {
    const char *method;
    const char *url; /* NUL-terminated absolute http URL */
    const struct avila_http1_header *headers;
    size_t header_count;
    const void *body;
    size_t body_len;
};

/* Receives the final response's body bytes in order; a nonzero return aborts with it. */
typedef int avila_http_body_fn(void *ctx, const uint8_t *data, size_t len);

/* What came back. */
struct avila_http_client_response {
    unsigned status;
    unsigned redirects;  /* redirects followed */
    uint64_t body_bytes; /* body bytes handed to the callback */
    size_t head_len;     /* the final response's head, as received */
    char head[AVILA_HTTP_CLIENT_HEAD_MAX];
    char url[AVILA_HTTP_URL_MAX + 1]; /* the URL of the final response */
};

/*
 * Sends req and reads the response (following redirects if asked: 303, and
 * 301/302 after a POST, become a GET without body; 307 and 308 repeat the
 * method and body), streaming the final body to sink (NULL: dropped).
 * Returns 0 with *resp filled, whatever the status; or AVILA_EFORMAT (bad
 * URL or response), AVILA_EUNSUPPORTED (https), AVILA_ENOTFOUND (no such
 * host), AVILA_ETIMEDOUT, AVILA_ECLOSED (connection lost), AVILA_ELIMIT
 * (too many redirects, a head over its limit), AVILA_EIO, or the sink's
 * own error.
 */
int avila_http_client_fetch(struct avila_http_client *c,
                            const struct avila_http_client_request *req, avila_http_body_fn *sink,
                            void *ctx, struct avila_http_client_response *resp);

#endif
