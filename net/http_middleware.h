/*
 * net/http_middleware.h - the stock middleware of net/http_server: request
 * ids and the access log. Each is a struct avila_http_middleware to pass
 * to avila_http_server_use, over state the caller owns (one per server,
 * used on that server's loop thread only). OS code (the random id base).
 * Put the request-id middleware first so that the access log and the
 * handler see the id.
 */
#ifndef AVILA_NET_HTTP_MIDDLEWARE_H
#define AVILA_NET_HTTP_MIDDLEWARE_H

#include "core/log.h"
#include "net/http_server.h"

/* State of the request-id middleware. Caller-allocated; fields private. */
struct avila_http_request_ids {
    char prefix[17]; /* 16 random hex digits, unique to this instance */
    uint64_t next;
};

/*
 * Readies ids (a fresh random prefix from the kernel) and fills *m with the
 * request-id middleware over it. Each request gets ctx->request_id: the
 * client's X-Request-Id when it is 1..AVILA_HTTP_REQUEST_ID_MAX characters
 * of letters, digits and "-._:" (so a proxy's id carries through), else
 * "PREFIX-N" with N counting from 1; the answer carries it back as
 * X-Request-Id. ids MUST outlive the server. Returns 0 or AVILA_EIO (no
 * random bytes).
 */
int avila_http_request_id_middleware(struct avila_http_middleware *m,
                                     struct avila_http_request_ids *ids);

/*
 * Fills *m with the access-log middleware: one INFO record "request" per
 * finished request on log (which MUST outlive the server) with method,
 * target, status, bytes, duration_us, peer, the request id when there is
 * one, and aborted=true for a request lost or timed out. A refused head is
 * logged with method and target "-".
 */
void avila_http_access_log_middleware(struct avila_http_middleware *m, struct avila_log *log);

#endif
