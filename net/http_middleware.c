/*
 * net/http_middleware.c - request ids and the access log (see
 * http_middleware.h). OS code: avila_random_u64 for the id prefix.
 */
#include <string.h>

#include "core/random.h"
#include "net/http_middleware.h"

/* A client's id is kept only if it is short and plain enough to log and echo as is. */
static bool id_acceptable(struct avila_slice v)
{
    if (v.len == 0 || v.len > AVILA_HTTP_REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < v.len; i++) {
        uint8_t ch = v.ptr[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == ':';
        if (!ok)
            return false;
    }
    return true;
}

/* Writes "PREFIX-N" into ctx->request_id. */
static void id_make(struct avila_http_request_ctx *ctx, struct avila_http_request_ids *ids)
{
    char digits[20];
    size_t nd = 0;
    uint64_t n = ++ids->next;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    size_t len = 16;
    memcpy(ctx->request_id, ids->prefix, 16);
    ctx->request_id[len++] = '-';
    while (nd > 0)
        ctx->request_id[len++] = digits[--nd];
    ctx->request_id[len] = '\0';
    ctx->request_id_len = len;
}

static void request_id_on_request(struct avila_http_request_ctx *ctx, void *arg)
{
    const struct avila_http1_request *r = &ctx->req;
    int i = avila_http1_header_find(r->headers, r->header_count, 0, "X-Request-Id");
    if (i >= 0 && id_acceptable(r->headers[i].value)) {
        memcpy(ctx->request_id, r->headers[i].value.ptr, r->headers[i].value.len);
        ctx->request_id[r->headers[i].value.len] = '\0';
        ctx->request_id_len = r->headers[i].value.len;
    } else {
        id_make(ctx, arg);
    }
    (void)avila_http_add_header(ctx, avila_slice_from_cstr("X-Request-Id"),
                                avila_slice_make(ctx->request_id, ctx->request_id_len));
}

int avila_http_request_id_middleware(struct avila_http_middleware *m,
                                     struct avila_http_request_ids *ids)
{
    uint64_t r;
    if (avila_random_u64(&r) != 0)
        return AVILA_EIO;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        ids->prefix[i] = hex[(r >> (60 - 4 * i)) & 15];
    ids->prefix[16] = '\0';
    ids->next = 0;
    *m = (struct avila_http_middleware){.on_request = request_id_on_request, .arg = ids};
    return 0;
}

static void access_log_on_done(struct avila_http_request_ctx *ctx,
                               const struct avila_http_outcome *o, void *arg)
{
    struct avila_log *log = arg;
    struct avila_slice method = ctx->req.method, target = ctx->req.target;
    if (method.len == 0)
        method = target = avila_slice_from_cstr("-");
    char peer[AVILA_SOCKADDR_STRMAX];
    if (ctx->peer == NULL || avila_sockaddr_format(ctx->peer, peer, sizeof(peer)) < 0)
        peer[0] = '\0';
    struct avila_slice id = ctx->request_id_len > 0
                                ? avila_slice_make(ctx->request_id, ctx->request_id_len)
                                : avila_slice_from_cstr("-");
    AVILA_LOG_INFO(log, "request", AVILA_LOG_STRN("method", (const char *)method.ptr, method.len),
                   AVILA_LOG_STRN("target", (const char *)target.ptr, target.len),
                   AVILA_LOG_U64("status", o->status), AVILA_LOG_U64("bytes", o->bytes),
                   AVILA_LOG_U64("duration_us", o->duration_us), AVILA_LOG_STR("peer", peer),
                   AVILA_LOG_STRN("id", (const char *)id.ptr, id.len),
                   AVILA_LOG_BOOL("aborted", o->aborted));
}

void avila_http_access_log_middleware(struct avila_http_middleware *m, struct avila_log *log)
{
    *m = (struct avila_http_middleware){.on_done = access_log_on_done, .arg = log};
}
