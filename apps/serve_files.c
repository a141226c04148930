/*
 * apps/serve_files.c - static files for `avila serve` (see serve_files.h).
 * Paths are opened with openat2(RESOLVE_BENEATH) from the root, so
 * relative symbolic links that stay under the root are followed while
 * absolute ones and any path that would leave the root fail; on kernels
 * without openat2 the path is walked one component at a time with
 * O_NOFOLLOW (no link followed at all). '..' is refused either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apps/serve_files.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/time.h"

/*
 * openat2(2)'s argument and the resolve flags used, as the kernel's ABI
 * defines them (linux/openat2.h): spelt here because musl's headers, which
 * the static build uses, do not carry that kernel header.
 */
struct open_how_abi {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS_ABI 0x02u
#define RESOLVE_BENEATH_ABI       0x08u

/* A cached file: the request path it answers and what the answer needs. */
struct serve_cache_slot {
    char *path; /* NULL: empty */
    uint8_t *data;
    size_t size;
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    uint64_t checked_ms; /* when it was last compared with the disk */
    char etag[48];
    char lastmod[AVILA_HTTP1_DATE_LEN + 1];
    const char *type;
};

/* What an answer is made from: an open file, or the bytes of a cached one. */
struct file_view {
    int fd;              /* -1 for a cached file */
    const uint8_t *data; /* the cached bytes */
    uint64_t size;
    int64_t mtime_sec;
    const char *etag;
    const char *lastmod; /* "" when the date cannot be formatted */
    const char *type;
};

static struct avila_http1_header hdr(const char *name, const char *value)
{
    return (struct avila_http1_header){avila_slice_from_cstr(name), avila_slice_from_cstr(value)};
}

void serve_reply_text(struct avila_http_request_ctx *ctx, unsigned status, const char *text)
{
    struct avila_http1_header h = hdr("Content-Type", "text/plain; charset=utf-8");
    (void)avila_http_respond(ctx, status, &h, 1, text, strlen(text));
}

void serve_files_init(struct serve_files *fs, int root_fd, struct avila_work_pool *pool)
{
    fs->root_fd = root_fd;
    fs->pool = pool;
    fs->slots = NULL;
}

void serve_files_release(struct serve_files *fs)
{
    if (fs->slots == NULL)
        return;
    for (size_t i = 0; i < SERVE_CACHE_SLOTS; i++) {
        free(fs->slots[i].path);
        free(fs->slots[i].data);
    }
    free(fs->slots);
    fs->slots = NULL;
}

/* ------------------------------------------------------------ paths */

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

unsigned serve_decode_path(struct avila_slice target, char *out, size_t cap)
{
    size_t o = 0;
    if (target.len == 0 || target.ptr[0] != '/')
        return 400;
    for (size_t i = 0; i < target.len && target.ptr[i] != '?'; i++) {
        uint8_t ch = target.ptr[i];
        if (ch == '%') {
            size_t got;
            if (i + 2 >= target.len ||
                avila_hex_decode(&ch, 1, (const char *)target.ptr + i + 1, 2, &got) != 0)
                return 400;
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

/* An open(2)-style error as the status to answer. */
static int open_status(int err)
{
    return err == EACCES || err == EXDEV || err == ELOOP ? -403 : -404;
}

/* The fallback walk: one component at a time, never following a link. */
static int open_walk(int root_fd, char *path)
{
    int dir = root_fd;
    char *p = path;
    int fd = -1;
    for (;;) {
        char *end = strchr(p, '/');
        if (end != NULL)
            *end = '\0';
        bool last = end == NULL;
        if (*p != '\0') {
            fd = openat(dir, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0 || last)
                break;
            if (dir != root_fd)
                close(dir);
            dir = fd;
        } else if (last) {
            fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            break;
        }
        *end = '/';
        p = end + 1;
    }
    int err = errno;
    if (dir != root_fd)
        close(dir);
    return fd >= 0 ? fd : open_status(err);
}

/*
 * Opens path (decoded, starting with '/') under the root. Returns an fd
 * (read-only; a directory for a directory) or the negative status to
 * answer.
 */
static int open_under_root(int root_fd, char *path)
{
    /* Refuse ".." outright, and make the path relative to the root. */
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
        if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
            return -403;
    char *rel = path;
    while (*rel == '/')
        rel++;
    if (*rel == '\0')
        rel = ".";
#ifdef SYS_openat2
    static int have_openat2 = 1; /* set to 0 once, on ENOSYS; a racy write of the same value */
    if (have_openat2) {
        struct open_how_abi how = {
            .flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH_ABI | RESOLVE_NO_MAGICLINKS_ABI,
        };
        long fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
        if (fd >= 0)
            return (int)fd;
        if (errno != ENOSYS)
            return open_status(errno);
        have_openat2 = 0;
    }
#endif
    return open_walk(root_fd, rel);
}

/* ------------------------------------------------------------ answers */

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

/* Reads n bytes of the view at off into buf. Returns false on a short read. */
static bool view_read(const struct file_view *v, void *buf, size_t n, uint64_t off)
{
    if (v->fd < 0) {
        memcpy(buf, v->data + off, n);
        return true;
    }
    while (n > 0) {
        ssize_t got = pread(v->fd, buf, n, (off_t)off);
        if (got <= 0)
            return false;
        buf = (uint8_t *)buf + got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return true;
}

/*
 * Builds several ranges of the view as a multipart/byteranges body (RFC
 * 9110 section 14.6) into b, and its Content-Type into ctype: each part is
 * the delimiter, its Content-Type and Content-Range, and its bytes.
 * Returns false if the parts would exceed SERVE_MULTIPART_MAX or cannot be
 * read. Any thread (it only reads the view).
 */
static bool multipart_build(const struct file_view *v, const struct byte_range *r, size_t n,
                            struct avila_buf *b, char *ctype, size_t cap)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += r[i].last - r[i].first + 1;
    if (total > SERVE_MULTIPART_MAX)
        return false;
    char boundary[80];
    snprintf(boundary, sizeof(boundary), "avila-byteranges-%.*s", (int)strlen(v->etag) - 2,
             v->etag + 1);
    snprintf(ctype, cap, "multipart/byteranges; boundary=%s", boundary);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        char part[512];
        size_t len = (size_t)(r[i].last - r[i].first + 1);
        int plen =
            snprintf(part, sizeof(part),
                     "%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %llu-%llu/%llu\r\n\r\n",
                     i == 0 ? "" : "\r\n", boundary, v->type, (unsigned long long)r[i].first,
                     (unsigned long long)r[i].last, (unsigned long long)v->size);
        ok = plen > 0 && (size_t)plen < sizeof(part) &&
             avila_buf_append(b, part, (size_t)plen) == 0 && avila_buf_reserve(b, len) == 0 &&
             view_read(v, b->data + b->len, len, r[i].first);
        if (ok)
            b->len += len;
    }
    if (ok) {
        char end[100];
        int elen = snprintf(end, sizeof(end), "\r\n--%s--\r\n", boundary);
        ok = elen > 0 && avila_buf_append(b, end, (size_t)elen) == 0;
    }
    return ok;
}

/* Several ranges of a file on disk, read on the work pool while the loop goes on. */
struct multipart_job {
    struct avila_work_job job;
    struct avila_http_request_ctx *ctx; /* NULL once the request was aborted */
    struct file_view view;              /* its fd is the job's */
    struct byte_range ranges[SERVE_MAX_RANGES];
    size_t n;
    char etag[64];
    char lastmod[AVILA_HTTP1_DATE_LEN + 1];
    char ctype[128];
    struct avila_buf body;
    bool ok;
};

static void multipart_work(struct avila_work_job *job)
{
    struct multipart_job *m = job->data;
    m->ok = multipart_build(&m->view, m->ranges, m->n, &m->body, m->ctype, sizeof(m->ctype));
}

static void multipart_abort(struct avila_http_request_ctx *ctx)
{
    struct multipart_job *m = ctx->user;
    m->ctx = NULL; /* the job still runs; its completion frees it */
}

static void multipart_done(struct avila_work_job *job, int status)
{
    struct multipart_job *m = job->data;
    if (m->ctx != NULL) {
        struct avila_http1_header h[5];
        size_t nh = 0;
        h[nh++] = hdr("ETag", m->etag);
        if (m->lastmod[0] != '\0')
            h[nh++] = hdr("Last-Modified", m->lastmod);
        h[nh++] = hdr("Accept-Ranges", "bytes");
        if (status == 0 && m->ok) {
            h[nh++] = hdr("Content-Type", m->ctype);
            (void)avila_http_respond(m->ctx, 206, h, nh, m->body.data, m->body.len);
        } else { /* too large, unreadable, or the pool is closing: the whole file */
            h[nh++] = hdr("Content-Type", m->view.type);
            (void)avila_http_respond_file(m->ctx, 200, h, nh, m->view.fd, 0, m->view.size);
            m->view.fd = -1;
        }
    }
    if (m->view.fd >= 0)
        close(m->view.fd);
    avila_buf_release(&m->body);
    free(m);
}

/*
 * Hands several ranges of an open file to the work pool; the answer comes
 * from multipart_done. Takes the view's fd and returns true, or returns
 * false (nothing taken) when the job cannot be queued.
 */
static bool multipart_later(struct avila_http_request_ctx *ctx, struct avila_work_pool *pool,
                            struct file_view *v, const struct byte_range *r, size_t n)
{
    struct multipart_job *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return false;
    m->ctx = ctx;
    m->view = *v;
    memcpy(m->ranges, r, n * sizeof(*r));
    m->n = n;
    snprintf(m->etag, sizeof(m->etag), "%s", v->etag);
    snprintf(m->lastmod, sizeof(m->lastmod), "%s", v->lastmod);
    m->view.etag = m->etag;
    m->view.lastmod = m->lastmod;
    avila_buf_init(&m->body, avila_allocator_libc(), SERVE_MULTIPART_MAX * 2);
    m->job.data = m;
    if (avila_work_submit(pool, avila_http_server_loop(ctx->server), &m->job, multipart_work,
                          multipart_done) != 0) {
        free(m);
        return false;
    }
    ctx->user = m;
    avila_http_on_abort(ctx, multipart_abort);
    v->fd = -1;
    return true;
}

/* Several ranges built here and now (a cached file, or no pool); false if they cannot be. */
static bool multipart_now(struct avila_http_request_ctx *ctx, const struct file_view *v,
                          const struct byte_range *r, size_t n, struct avila_http1_header *h,
                          size_t nh)
{
    char ctype[128];
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), SERVE_MULTIPART_MAX * 2);
    bool ok = multipart_build(v, r, n, &b, ctype, sizeof(ctype));
    if (ok) {
        h[nh++] = hdr("Content-Type", ctype);
        (void)avila_http_respond(ctx, 206, h, nh, b.data, b.len);
    }
    avila_buf_release(&b);
    return ok;
}

/* Sends len bytes of the view from off with status; takes the view's fd. */
static void send_view(struct avila_http_request_ctx *ctx, struct file_view *v, unsigned status,
                      const struct avila_http1_header *h, size_t nh, uint64_t off, uint64_t len)
{
    if (v->fd >= 0) {
        (void)avila_http_respond_file(ctx, status, h, nh, v->fd, off, len);
        v->fd = -1;
    } else {
        (void)avila_http_respond(ctx, status, h, nh, v->data + off, (size_t)len);
    }
}

/*
 * Answers from the view: conditional requests, ranges, the body. Takes the
 * view's fd. Several ranges of a file on disk are read on fs's work pool.
 */
static void answer_view(struct avila_http_request_ctx *ctx, const struct serve_files *fs,
                        struct file_view *v)
{
    const struct avila_http1_request *r = &ctx->req;
    char crange[96];
    struct avila_http1_header h[6];
    size_t nh = 0;
    h[nh++] = hdr("ETag", v->etag);
    if (v->lastmod[0] != '\0')
        h[nh++] = hdr("Last-Modified", v->lastmod);
    h[nh++] = hdr("Accept-Ranges", "bytes");

    /* RFC 9110 section 13.2.2: If-None-Match first; If-Modified-Since only without it. */
    struct avila_slice val;
    bool not_modified = false;
    if (find_header(r, "If-None-Match", &val)) {
        not_modified = etag_matches(val, v->etag);
    } else if (v->lastmod[0] != '\0' && find_header(r, "If-Modified-Since", &val)) {
        int64_t since;
        int64_t now = avila_time_wall_ns() / 1000000000;
        if (avila_http1_date_parse(val.ptr, val.len, now, &since) == 0 && v->mtime_sec <= since)
            not_modified = true;
    }
    struct byte_range ranges[SERVE_MAX_RANGES];
    int nr = -1;
    struct avila_slice ir;
    if (!not_modified && find_header(r, "Range", &val) &&
        (!find_header(r, "If-Range", &ir) || avila_slice_equal(ir, avila_slice_from_cstr(v->etag))))
        nr = parse_ranges(val, v->size, ranges, SERVE_MAX_RANGES);
    if (not_modified) {
        (void)avila_http_respond(ctx, 304, h, nh, NULL, 0);
    } else if (nr == 0) {
        snprintf(crange, sizeof(crange), "bytes */%llu", (unsigned long long)v->size);
        h[nh++] = hdr("Content-Range", crange);
        (void)avila_http_respond(ctx, 416, h, nh, NULL, 0);
    } else if (nr > 1 && ((v->fd >= 0 && fs->pool != NULL &&
                           multipart_later(ctx, fs->pool, v, ranges, (size_t)nr)) ||
                          multipart_now(ctx, v, ranges, (size_t)nr, h, nh))) {
        /* answered, now or from the pool */
    } else if (nr == 1) {
        h[nh++] = hdr("Content-Type", v->type);
        snprintf(crange, sizeof(crange), "bytes %llu-%llu/%llu",
                 (unsigned long long)ranges[0].first, (unsigned long long)ranges[0].last,
                 (unsigned long long)v->size);
        h[nh++] = hdr("Content-Range", crange);
        send_view(ctx, v, 206, h, nh, ranges[0].first, ranges[0].last - ranges[0].first + 1);
    } else {
        h[nh++] = hdr("Content-Type", v->type);
        send_view(ctx, v, 200, h, nh, 0, v->size);
    }
    if (v->fd >= 0)
        close(v->fd);
}

/* ------------------------------------------------------------ the cache */

static void view_of_slot(const struct serve_cache_slot *s, struct file_view *v)
{
    *v = (struct file_view){
        .fd = -1,
        .data = s->data,
        .size = s->size,
        .mtime_sec = s->mtime.tv_sec,
        .etag = s->etag,
        .lastmod = s->lastmod,
        .type = s->type,
    };
}

static bool slot_same_file(const struct serve_cache_slot *s, const struct stat *st)
{
    return s->dev == st->st_dev && s->ino == st->st_ino && s->size == (size_t)st->st_size &&
           s->mtime.tv_sec == st->st_mtim.tv_sec && s->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/*
 * Fills slot (for request path key) with the file fd (stat st, MIME type
 * type). Returns false if it cannot (memory, a short read): the caller
 * then answers from fd.
 */
static bool slot_fill(struct serve_cache_slot *s, const char *key, int fd, const struct stat *st,
                      const char *type)
{
    size_t size = (size_t)st->st_size;
    uint8_t *data = malloc(size > 0 ? size : 1);
    char *path = strdup(key);
    struct file_view tmp = {.fd = fd};
    if (data == NULL || path == NULL || !view_read(&tmp, data, size, 0)) {
        free(data);
        free(path);
        return false;
    }
    free(s->path);
    free(s->data);
    s->path = path;
    s->data = data;
    s->size = size;
    s->dev = st->st_dev;
    s->ino = st->st_ino;
    s->mtime = st->st_mtim;
    s->type = type;
    make_etag(st, s->etag, sizeof(s->etag));
    if (avila_http1_date_format(st->st_mtim.tv_sec, s->lastmod) == AVILA_HTTP1_DATE_LEN)
        s->lastmod[AVILA_HTTP1_DATE_LEN] = '\0';
    else
        s->lastmod[0] = '\0';
    return true;
}

/* The slot for path, or NULL without a cache (no memory). */
static struct serve_cache_slot *slot_for(struct serve_files *fs, const char *path)
{
    if (fs->slots == NULL) {
        fs->slots = calloc(SERVE_CACHE_SLOTS, sizeof(*fs->slots));
        if (fs->slots == NULL)
            return NULL;
    }
    return &fs->slots[avila_xxh3_64(path, strlen(path), 0) % SERVE_CACHE_SLOTS];
}

/* ------------------------------------------------------------ serve */

void serve_file(struct avila_http_request_ctx *ctx, struct serve_files *fs, char *path)
{
    const struct avila_http1_request *r = &ctx->req;
    uint64_t now = avila_time_mono_ms();
    struct serve_cache_slot *slot = slot_for(fs, path);
    bool cached = slot != NULL && slot->path != NULL && strcmp(slot->path, path) == 0;
    struct file_view v;
    if (cached && now - slot->checked_ms < SERVE_CACHE_VALID_MS) {
        view_of_slot(slot, &v);
        answer_view(ctx, fs, &v);
        return;
    }
    char key[SERVE_PATH_MAX];
    size_t plen = strlen(path);
    memcpy(key, path, plen + 1);
    bool slash_end = plen > 0 && path[plen - 1] == '/';
    int fd = open_under_root(fs->root_fd, path);
    if (fd < 0) {
        serve_reply_text(ctx, (unsigned)-fd, fd == -403 ? "forbidden\n" : "not found\n");
        return;
    }
    struct stat st;
    const char *type = mime_type(key);
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
        type = mime_type("index.html");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        serve_reply_text(ctx, 403, "forbidden\n");
        return;
    }
    if (slot != NULL && (size_t)st.st_size <= SERVE_CACHE_FILE_MAX &&
        ((cached && slot_same_file(slot, &st)) || slot_fill(slot, key, fd, &st, type))) {
        close(fd);
        slot->checked_ms = now;
        view_of_slot(slot, &v);
        answer_view(ctx, fs, &v);
        return;
    }
    char etag[64], lastmod[AVILA_HTTP1_DATE_LEN + 1] = "";
    make_etag(&st, etag, sizeof(etag));
    if (avila_http1_date_format(st.st_mtim.tv_sec, lastmod) == AVILA_HTTP1_DATE_LEN)
        lastmod[AVILA_HTTP1_DATE_LEN] = '\0';
    else
        lastmod[0] = '\0';
    v = (struct file_view){.fd = fd,
                           .size = (uint64_t)st.st_size,
                           .mtime_sec = st.st_mtim.tv_sec,
                           .etag = etag,
                           .lastmod = lastmod,
                           .type = type};
    answer_view(ctx, fs, &v);
    return;
not_found:
    if (fd >= 0)
        close(fd);
    serve_reply_text(ctx, 404, "not found\n");
}
