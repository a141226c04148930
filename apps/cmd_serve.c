/*
 * apps/cmd_serve.c - `avila serve`: a static file server on net/http_server,
 * one loop and one SO_REUSEPORT listener per thread. Serves files under
 * --root (or a built-in page without one) with ETag / Last-Modified
 * conditional requests (RFC 9110 section 13), byte ranges (RFC 9110
 * section 14: one range with sendfile, up to 16 as multipart/byteranges of
 * at most 1 MiB built in memory, else the whole file), HEAD, MIME
 * types by extension and index.html for directories; plus /healthz and
 * /metrics (Prometheus text format 0.0.4). Paths are percent-decoded and
 * resolved one component at a time with openat(O_NOFOLLOW) from the root
 * directory, so ".." is refused and no symbolic link is followed, inside
 * the root or out of it. Access log lines go to stderr through core/log.
 * SIGINT or SIGTERM: stop accepting, finish the requests in progress (at
 * most 10 s), exit 0. Exit status: 0 after a signal, 1 failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/log.h"
#include "core/time.h"
#include "net/http_middleware.h"
#include "net/http_server.h"
#include "net/loop.h"
#include "net/sock.h"

#define CMD "serve"

#define SERVE_MAX_THREADS 256
#define SERVE_PATH_MAX    4096
#define SERVE_DRAIN_MS    10000
/* Ranges in one request at most, and the most bytes a multipart answer carries. */
#define SERVE_MAX_RANGES    16
#define SERVE_MULTIPART_MAX ((uint64_t)1 << 20)

const char cmd_serve_usage[] =
    "usage: avila serve [--listen ADDR:PORT] [--root DIR] [--threads N] [--quiet]\n"
    "Serve the files under DIR over HTTP/1.1 (without --root: a built-in page),\n"
    "with /healthz and /metrics (Prometheus text). Directories serve their\n"
    "index.html; symbolic links and '..' are refused. Prints 'listening on ADDR'\n"
    "to stderr once ready; SIGINT or SIGTERM stops it gracefully.\n"
    "  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8080; port 0:\n"
    "                      any free port; [v6]:port and /unix/path work too)\n"
    "  --root DIR          directory to serve\n"
    "  --threads N         event loops, one thread each, 1-256 (default 1)\n"
    "  --quiet             no access log\n"
    "  -h, --help          show this help\n"
    "Exit status: 0 stopped by a signal, 1 failure, 2 usage error.\n";

static const char default_page[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Avila</title></head>\n"
    "<body><h1>Avila</h1><p>avila serve is running. Start it with --root DIR to serve "
    "files.</p></body></html>\n";

struct serve {
    int root_fd; /* -1: the built-in page */
    size_t n;
    struct avila_http_server *servers[SERVE_MAX_THREADS];
    int lfds[SERVE_MAX_THREADS];
    struct avila_loop_task stop_tasks[SERVE_MAX_THREADS];
    struct avila_http_request_ids ids[SERVE_MAX_THREADS];
    struct avila_log log;
    bool quiet;
};

static struct avila_http1_header hdr(const char *name, const char *value)
{
    return (struct avila_http1_header){avila_slice_from_cstr(name), avila_slice_from_cstr(value)};
}

static void reply_text(struct avila_http_request_ctx *ctx, unsigned status, const char *text)
{
    struct avila_http1_header h = hdr("Content-Type", "text/plain; charset=utf-8");
    (void)avila_http_respond(ctx, status, &h, 1, text, strlen(text));
}

/* ------------------------------------------------------------ /metrics */

static void metrics(struct avila_http_request_ctx *ctx, const struct serve *sv)
{
    uint64_t req[6] = {0}, bytes = 0, open = 0, accepted = 0, timeouts = 0, dur = 0;
    uint64_t lat[AVILA_HTTP_SERVER_LATENCY_BUCKETS] = {0};
    static const uint64_t bounds[] = AVILA_HTTP_SERVER_LATENCY_BOUNDS_US;
    for (size_t i = 0; i < sv->n; i++) {
        const struct avila_http_server_stats *st = avila_http_server_stats(sv->servers[i]);
        for (size_t k = 1; k < 6; k++)
            req[k] += atomic_load_explicit(&st->requests[k], memory_order_relaxed);
        bytes += atomic_load_explicit(&st->bytes_sent, memory_order_relaxed);
        open += atomic_load_explicit(&st->open, memory_order_relaxed);
        accepted += atomic_load_explicit(&st->accepted, memory_order_relaxed);
        timeouts += atomic_load_explicit(&st->timeouts, memory_order_relaxed);
        dur += atomic_load_explicit(&st->duration_us, memory_order_relaxed);
        for (size_t k = 0; k < AVILA_HTTP_SERVER_LATENCY_BUCKETS; k++)
            lat[k] += atomic_load_explicit(&st->latency[k], memory_order_relaxed);
    }
    char out[4096];
    int len = snprintf(out, sizeof(out),
                       "# HELP avila_http_requests_total Requests answered, by status class.\n"
                       "# TYPE avila_http_requests_total counter\n");
    for (size_t k = 1; k < 6 && len > 0 && (size_t)len < sizeof(out); k++)
        len += snprintf(out + len, sizeof(out) - (size_t)len,
                        "avila_http_requests_total{class=\"%zuxx\"} %llu\n", k,
                        (unsigned long long)req[k]);
    if (len > 0 && (size_t)len < sizeof(out))
        len += snprintf(out + len, sizeof(out) - (size_t)len,
                        "# HELP avila_http_sent_bytes_total Bytes written to clients.\n"
                        "# TYPE avila_http_sent_bytes_total counter\n"
                        "avila_http_sent_bytes_total %llu\n"
                        "# HELP avila_http_connections Open connections.\n"
                        "# TYPE avila_http_connections gauge\n"
                        "avila_http_connections %llu\n"
                        "# HELP avila_http_connections_accepted_total Connections accepted.\n"
                        "# TYPE avila_http_connections_accepted_total counter\n"
                        "avila_http_connections_accepted_total %llu\n"
                        "# HELP avila_http_timeouts_total Connections closed by a timeout.\n"
                        "# TYPE avila_http_timeouts_total counter\n"
                        "avila_http_timeouts_total %llu\n"
                        "# HELP avila_http_request_duration_seconds Time from a complete head to "
                        "its answer queued.\n"
                        "# TYPE avila_http_request_duration_seconds histogram\n",
                        (unsigned long long)bytes, (unsigned long long)open,
                        (unsigned long long)accepted, (unsigned long long)timeouts);
    uint64_t cum = 0;
    for (size_t k = 0; k < AVILA_HTTP_SERVER_LATENCY_BUCKETS; k++) {
        cum += lat[k];
        char le[32];
        if (k < AVILA_ARRAY_LEN(bounds))
            snprintf(le, sizeof(le), "%llu.%06llu", (unsigned long long)(bounds[k] / 1000000),
                     (unsigned long long)(bounds[k] % 1000000));
        else
            snprintf(le, sizeof(le), "+Inf");
        if (len > 0 && (size_t)len < sizeof(out))
            len += snprintf(out + len, sizeof(out) - (size_t)len,
                            "avila_http_request_duration_seconds_bucket{le=\"%s\"} %llu\n", le,
                            (unsigned long long)cum);
    }
    if (len > 0 && (size_t)len < sizeof(out))
        len += snprintf(out + len, sizeof(out) - (size_t)len,
                        "avila_http_request_duration_seconds_sum %llu.%06llu\n"
                        "avila_http_request_duration_seconds_count %llu\n",
                        (unsigned long long)(dur / 1000000), (unsigned long long)(dur % 1000000),
                        (unsigned long long)cum);
    if (len < 0 || (size_t)len >= sizeof(out)) {
        reply_text(ctx, 500, "metrics too long\n");
        return;
    }
    struct avila_http1_header h = hdr("Content-Type", "text/plain; version=0.0.4");
    (void)avila_http_respond(ctx, 200, &h, 1, out, (size_t)len);
}

/* ------------------------------------------------------------ static files */

static const char *mime_type(const char *path)
{
    static const struct {
        const char *ext;
        const char *type;
    } table[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"wasm", "application/wasm"},
        {"pdf", "application/pdf"},
        {"woff2", "font/woff2"},
        {"mp4", "video/mp4"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
            if (strcasecmp(dot + 1, table[i].ext) == 0)
                return table[i].type;
    }
    return "application/octet-stream";
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Percent-decodes the path part of target (up to '?') into out (NUL-ended).
 * Returns 0, or the status to answer: 400 (bad escape, NUL, not starting
 * with '/'), 414 (too long).
 */
static unsigned decode_path(struct avila_slice target, char *out, size_t cap)
{
    size_t o = 0;
    if (target.len == 0 || target.ptr[0] != '/')
        return 400;
    for (size_t i = 0; i < target.len && target.ptr[i] != '?'; i++) {
        uint8_t ch = target.ptr[i];
        if (ch == '%') {
            int hi = i + 2 < target.len ? hexval(target.ptr[i + 1]) : -1;
            int lo = hi >= 0 ? hexval(target.ptr[i + 2]) : -1;
            if (lo < 0)
                return 400;
            ch = (uint8_t)(hi * 16 + lo);
            i += 2;
        }
        if (ch == 0)
            return 400;
        if (o + 1 >= cap)
            return 414;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return 0;
}

/*
 * Opens path (decoded, starting with '/') under the root one component at
 * a time, never following a symbolic link. Returns an fd (read-only; a
 * directory for a directory) or the negative status to answer.
 */
static int open_under_root(int root_fd, char *path)
{
    int dir = root_fd;
    char *p = path;
    int fd = -1;
    for (;;) {
        while (*p == '/')
            p++;
        char *end = strchr(p, '/');
        if (end != NULL)
            *end = '\0';
        bool last = end == NULL;
        if (*p == '\0' || strcmp(p, ".") == 0) {
            if (last) {
                fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                break;
            }
        } else if (strcmp(p, "..") == 0) {
            fd = -403;
            break;
        } else {
            fd = openat(dir, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0 || last)
                break;
            if (dir != root_fd)
                close(dir);
            dir = fd;
            fd = -1;
        }
        if (end != NULL)
            *end = '/';
        if (last)
            break;
        p = end + 1;
    }
    int err = errno;
    if (dir != root_fd)
        close(dir);
    if (fd == -1)
        return err == EACCES ? -403 : -404; /* ELOOP: a symbolic link */
    return fd;
}

/* Sets *etag to the quoted entity tag of st: "size-mtime_ns" in hex. */
static void make_etag(const struct stat *st, char *etag, size_t cap)
{
    uint64_t mt = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
    snprintf(etag, cap, "\"%llx-%llx\"", (unsigned long long)st->st_size, (unsigned long long)mt);
}

/* If-None-Match holds etag (weak comparison, RFC 9110 section 13.1.2) or "*". */
static bool etag_matches(struct avila_slice list, const char *etag)
{
    struct avila_slice e;
    struct avila_slice want = avila_slice_from_cstr(etag);
    while (avila_http1_list_next(&list, &e)) {
        if (e.len == 1 && e.ptr[0] == '*')
            return true;
        if (e.len > 2 && e.ptr[0] == 'W' && e.ptr[1] == '/')
            e = avila_slice_make(e.ptr + 2, e.len - 2);
        if (avila_slice_equal(e, want))
            return true;
    }
    return false;
}

static bool find_header(const struct avila_http1_request *r, const char *name,
                        struct avila_slice *v)
{
    int i = avila_http1_header_find(r->headers, r->header_count, 0, name);
    if (i < 0)
        return false;
    *v = r->headers[i].value;
    return true;
}

static bool parse_u64(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 19)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

struct byte_range {
    uint64_t first;
    uint64_t last;
};

/*
 * Parses one range-spec of a Range field (RFC 9110 section 14.1.1) for a
 * file of size bytes. Returns 1 and sets *r if satisfiable, 0 if not, -1
 * for bad syntax.
 */
static int parse_range_spec(struct avila_slice e, uint64_t size, struct byte_range *r)
{
    const uint8_t *dash = memchr(e.ptr, '-', e.len);
    if (dash == NULL)
        return -1;
    size_t a_len = (size_t)(dash - e.ptr), b_len = e.len - a_len - 1;
    uint64_t a, b;
    if (a_len == 0) { /* suffix: the last b bytes */
        if (!parse_u64(dash + 1, b_len, &b))
            return -1;
        if (b == 0 || size == 0)
            return 0;
        r->first = b >= size ? 0 : size - b;
        r->last = size - 1;
        return 1;
    }
    if (!parse_u64(e.ptr, a_len, &a))
        return -1;
    if (b_len == 0)
        b = UINT64_MAX;
    else if (!parse_u64(dash + 1, b_len, &b) || b < a)
        return -1;
    if (a >= size)
        return 0;
    r->first = a;
    r->last = b >= size ? size - 1 : b;
    return 1;
}

/*
 * Parses a Range value: stores the satisfiable ranges (at most cap) in
 * out and returns their count (0: none satisfiable, answer 416), or -1 to
 * ignore the field and send the whole file (another unit, bad syntax, more
 * than cap ranges).
 */
static int parse_ranges(struct avila_slice v, uint64_t size, struct byte_range *out, size_t cap)
{
    if (v.len < 6 || strncasecmp((const char *)v.ptr, "bytes=", 6) != 0)
        return -1;
    struct avila_slice list = avila_slice_make(v.ptr + 6, v.len - 6), e;
    size_t n = 0, seen = 0;
    while (avila_http1_list_next(&list, &e)) {
        if (++seen > cap)
            return -1;
        int rc = parse_range_spec(e, size, &out[n]);
        if (rc < 0)
            return -1;
        n += (size_t)rc;
    }
    return seen == 0 ? -1 : (int)n;
}

/*
 * Answers several ranges as multipart/byteranges (RFC 9110 section 14.6),
 * built in memory: each part is the delimiter, its Content-Type and
 * Content-Range, and its bytes. Returns false (nothing sent) if the parts
 * would exceed SERVE_MULTIPART_MAX or cannot be read.
 */
static bool send_multipart(struct avila_http_request_ctx *ctx, int fd, const char *type,
                           const char *etag, const struct byte_range *r, size_t n, uint64_t size,
                           struct avila_http1_header *h, size_t nh)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += r[i].last - r[i].first + 1;
    if (total > SERVE_MULTIPART_MAX)
        return false;
    char boundary[80], ctype[128];
    snprintf(boundary, sizeof(boundary), "avila-byteranges-%.*s", (int)strlen(etag) - 2, etag + 1);
    snprintf(ctype, sizeof(ctype), "multipart/byteranges; boundary=%s", boundary);
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), SERVE_MULTIPART_MAX * 2);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        char part[512];
        uint64_t len = r[i].last - r[i].first + 1;
        int plen =
            snprintf(part, sizeof(part),
                     "%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %llu-%llu/%llu\r\n\r\n",
                     i == 0 ? "" : "\r\n", boundary, type, (unsigned long long)r[i].first,
                     (unsigned long long)r[i].last, (unsigned long long)size);
        ok = plen > 0 && (size_t)plen < sizeof(part) &&
             avila_buf_append(&b, part, (size_t)plen) == 0;
        for (uint64_t off = r[i].first; ok && off < r[i].first + len;) {
            uint8_t chunk[16384];
            uint64_t want = r[i].first + len - off;
            ssize_t got =
                pread(fd, chunk, want < sizeof(chunk) ? (size_t)want : sizeof(chunk), (off_t)off);
            ok = got > 0 && avila_buf_append(&b, chunk, (size_t)got) == 0;
            off += ok ? (uint64_t)got : 0;
        }
    }
    if (ok) {
        char end[100];
        int elen = snprintf(end, sizeof(end), "\r\n--%s--\r\n", boundary);
        ok = elen > 0 && avila_buf_append(&b, end, (size_t)elen) == 0;
    }
    if (ok) {
        h[nh++] = hdr("Content-Type", ctype);
        (void)avila_http_respond(ctx, 206, h, nh, b.data, b.len);
    }
    avila_buf_release(&b);
    return ok;
}

static void serve_file(struct avila_http_request_ctx *ctx, int root_fd, char *path)
{
    const struct avila_http1_request *r = &ctx->req;
    size_t plen = strlen(path);
    bool slash_end = plen > 0 && path[plen - 1] == '/';
    int fd = open_under_root(root_fd, path); /* path is restored unless refused */
    if (fd < 0) {
        reply_text(ctx, (unsigned)-fd, fd == -403 ? "forbidden\n" : "not found\n");
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0)
        goto not_found;
    if (S_ISDIR(st.st_mode)) {
        if (!slash_end) {
            char loc[SERVE_PATH_MAX + 2];
            /* The raw target's path part, so escapes stay escaped. */
            size_t i = 0;
            while (i < r->target.len && r->target.ptr[i] != '?' && i < SERVE_PATH_MAX)
                i++;
            memcpy(loc, r->target.ptr, i);
            loc[i] = '/';
            loc[i + 1] = '\0';
            close(fd);
            struct avila_http1_header h[2] = {hdr("Location", loc),
                                              hdr("Content-Type", "text/plain")};
            (void)avila_http_respond(ctx, 301, h, 2, "moved\n", 6);
            return;
        }
        int ifd = openat(fd, "index.html", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        close(fd);
        fd = ifd;
        if (fd < 0 || fstat(fd, &st) != 0)
            goto not_found;
        path = "index.html";
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        reply_text(ctx, 403, "forbidden\n");
        return;
    }
    char etag[64], lastmod[AVILA_HTTP1_DATE_LEN + 1] = "", crange[96];
    make_etag(&st, etag, sizeof(etag));
    bool have_date = avila_http1_date_format(st.st_mtim.tv_sec, lastmod) == AVILA_HTTP1_DATE_LEN;
    lastmod[AVILA_HTTP1_DATE_LEN] = '\0';
    struct avila_http1_header h[6];
    size_t nh = 0;
    h[nh++] = hdr("ETag", etag);
    if (have_date)
        h[nh++] = hdr("Last-Modified", lastmod);
    h[nh++] = hdr("Accept-Ranges", "bytes");

    /* RFC 9110 section 13.2.2: If-None-Match first; If-Modified-Since only without it. */
    struct avila_slice v;
    bool not_modified = false;
    if (find_header(r, "If-None-Match", &v)) {
        not_modified = etag_matches(v, etag);
    } else if (have_date && find_header(r, "If-Modified-Since", &v)) {
        int64_t since;
        int64_t now = avila_time_wall_ns() / 1000000000;
        if (avila_http1_date_parse(v.ptr, v.len, now, &since) == 0 && st.st_mtim.tv_sec <= since)
            not_modified = true;
    }
    if (not_modified) {
        close(fd);
        (void)avila_http_respond(ctx, 304, h, nh, NULL, 0);
        return;
    }
    const char *type = mime_type(path);
    uint64_t size = (uint64_t)st.st_size;
    struct byte_range ranges[SERVE_MAX_RANGES];
    int nr = -1;
    struct avila_slice ir;
    if (find_header(r, "Range", &v) &&
        (!find_header(r, "If-Range", &ir) || avila_slice_equal(ir, avila_slice_from_cstr(etag))))
        nr = parse_ranges(v, size, ranges, SERVE_MAX_RANGES);
    if (nr == 0) {
        close(fd);
        snprintf(crange, sizeof(crange), "bytes */%llu", (unsigned long long)size);
        h[nh++] = hdr("Content-Range", crange);
        (void)avila_http_respond(ctx, 416, h, nh, NULL, 0);
        return;
    }
    if (nr > 1 && send_multipart(ctx, fd, type, etag, ranges, (size_t)nr, size, h, nh)) {
        close(fd);
        return;
    }
    h[nh++] = hdr("Content-Type", type);
    if (nr == 1) {
        snprintf(crange, sizeof(crange), "bytes %llu-%llu/%llu",
                 (unsigned long long)ranges[0].first, (unsigned long long)ranges[0].last,
                 (unsigned long long)size);
        h[nh++] = hdr("Content-Range", crange);
        (void)avila_http_respond_file(ctx, 206, h, nh, fd, ranges[0].first,
                                      ranges[0].last - ranges[0].first + 1);
        return;
    }
    (void)avila_http_respond_file(ctx, 200, h, nh, fd, 0, size);
    return;
not_found:
    if (fd >= 0)
        close(fd);
    reply_text(ctx, 404, "not found\n");
}

static void handle(struct avila_http_request_ctx *ctx)
{
    const struct serve *sv = ctx->arg;
    const struct avila_http1_request *r = &ctx->req;
    if (r->target_form != AVILA_HTTP1_TARGET_ORIGIN) {
        reply_text(ctx, 400, "origin-form targets only\n");
        return;
    }
    char path[SERVE_PATH_MAX];
    unsigned bad = decode_path(r->target, path, sizeof(path));
    if (bad != 0) {
        reply_text(ctx, bad, "bad path\n");
        return;
    }
    bool get = r->method_id == AVILA_HTTP1_METHOD_GET || r->method_id == AVILA_HTTP1_METHOD_HEAD;
    if (!get) {
        struct avila_http1_header h[2] = {hdr("Allow", "GET, HEAD"),
                                          hdr("Content-Type", "text/plain")};
        (void)avila_http_respond(ctx, 405, h, 2, "method not allowed\n", 19);
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        reply_text(ctx, 200, "ok\n");
        return;
    }
    if (strcmp(path, "/metrics") == 0) {
        metrics(ctx, sv);
        return;
    }
    if (sv->root_fd >= 0) {
        serve_file(ctx, sv->root_fd, path);
        return;
    }
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        struct avila_http1_header h = hdr("Content-Type", "text/html; charset=utf-8");
        (void)avila_http_respond(ctx, 200, &h, 1, default_page, sizeof(default_page) - 1);
        return;
    }
    reply_text(ctx, 404, "not found\n");
}

/* ------------------------------------------------------------ threads */

/* Request ids on every answer, and the access log unless --quiet. */
static int use_middleware(struct serve *sv, size_t i)
{
    struct avila_http_middleware m;
    int rc = avila_http_request_id_middleware(&m, &sv->ids[i]);
    if (rc == 0)
        rc = avila_http_server_use(sv->servers[i], &m);
    if (rc == 0 && !sv->quiet) {
        avila_http_access_log_middleware(&m, &sv->log);
        rc = avila_http_server_use(sv->servers[i], &m);
    }
    return rc;
}

static void teardown(struct avila_loop *loop, size_t index, void *arg)
{
    (void)loop;
    struct serve *sv = arg;
    avila_http_server_destroy(sv->servers[index]);
}

static void stop_task(struct avila_loop_task *task, void *arg)
{
    (void)task;
    avila_http_server_shutdown(arg, SERVE_DRAIN_MS);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},  {"root", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *listen = "127.0.0.1:8080", *root = NULL;
    uint64_t threads = 1;
    int quiet = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            listen = optarg;
            break;
        case 'r':
            root = optarg;
            break;
        case 't':
            if (cli_parse_count(optarg, 1, SERVE_MAX_THREADS, &threads) != 0)
                return cli_usage_error(CMD, "--threads must be 1-%d", SERVE_MAX_THREADS);
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            return cli_help(CMD);
        default:
            return cli_usage_error(CMD, "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    struct avila_sockaddr addr;
    if (avila_sockaddr_parse(&addr, listen, strlen(listen)) != 0)
        return cli_usage_error(CMD, "'%s' is not ADDR:PORT", listen);

    static struct serve sv;
    memset(&sv, 0, sizeof(sv));
    sv.n = (size_t)threads;
    sv.root_fd = -1;
    if (root != NULL) {
        sv.root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sv.root_fd < 0)
            return cli_fail(CMD, "%s: %s", root, strerror(errno));
    }
    avila_log_init_stderr(&sv.log, quiet ? AVILA_LOG_LEVEL_WARN : AVILA_LOG_LEVEL_INFO,
                          AVILA_LOG_FORMAT_LOGFMT);
    sv.quiet = quiet != 0;

    /* Every listener binds the first one's address, so port 0 means one port for all. */
    int rc = CLI_FAIL;
    size_t opened = 0;
    for (; opened < sv.n; opened++) {
        int fd = avila_sock_listen(
            &addr, 0, addr.u.sa.sa_family == AF_UNIX && sv.n == 1 ? 0 : AVILA_SOCK_REUSEPORT);
        if (fd < 0) {
            cli_fail(CMD, "cannot listen on %s: %s", listen, avila_strerror(fd));
            goto out_close;
        }
        sv.lfds[opened] = fd;
        if (opened == 0 && avila_sock_local_addr(fd, &addr) != 0) {
            opened++;
            cli_fail(CMD, "cannot read the listening address");
            goto out_close;
        }
    }

    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);

    struct avila_loop_group *g = NULL;
    const struct avila_allocator *a = avila_allocator_libc();
    int grc = avila_loop_group_create(&g, a, sv.n, NULL);
    if (grc != 0) {
        cli_fail(CMD, "cannot create the event loops: %s", avila_strerror(grc));
        goto out_close;
    }
    size_t made = 0;
    for (; made < sv.n; made++) {
        grc = avila_http_server_create(&sv.servers[made], avila_loop_group_loop(g, made), a, NULL,
                                       handle, &sv);
        if (grc == 0)
            grc = use_middleware(&sv, made);
        if (grc == 0)
            grc = avila_http_server_listen_fd(sv.servers[made], sv.lfds[made]);
        if (grc != 0) {
            if (sv.servers[made] != NULL)
                avila_http_server_destroy(sv.servers[made]);
            cli_fail(CMD, "cannot start the server: %s", avila_strerror(grc));
            goto out_servers;
        }
        sv.lfds[made] = -1; /* the server owns it now */
    }
    grc = avila_loop_group_start(g, NULL, teardown, &sv);
    if (grc != 0) {
        cli_fail(CMD, "cannot start the threads: %s", avila_strerror(grc));
        goto out_servers;
    }
    made = 0; /* the teardowns destroy the servers */
    char text[AVILA_SOCKADDR_STRMAX];
    if (avila_sockaddr_format(&addr, text, sizeof(text)) < 0)
        text[0] = '\0';
    fprintf(stderr, "listening on %s\n", text);
    fflush(stderr);
    int sig = 0;
    while (sigwait(&stop_set, &sig) != 0)
        ;
    AVILA_LOG_INFO(&sv.log, "stopping", AVILA_LOG_I64("signal", sig));
    for (size_t i = 0; i < sv.n; i++)
        avila_loop_post(avila_loop_group_loop(g, i), &sv.stop_tasks[i], stop_task, sv.servers[i]);
    grc = avila_loop_group_join(g);
    rc = grc == 0 ? CLI_OK : cli_fail(CMD, "event loop failed: %s", avila_strerror(grc));
out_servers:
    for (size_t i = 0; i < made; i++)
        avila_http_server_destroy(sv.servers[i]);
    avila_loop_group_destroy(g);
out_close:
    for (size_t i = 0; i < opened; i++)
        if (sv.lfds[i] >= 0)
            close(sv.lfds[i]);
    if (sv.root_fd >= 0)
        close(sv.root_fd);
    return rc;
}
