/*
 * apps/cmd_serve.c - `avila serve`: a static file server on net/http_server,
 * one loop per thread sharing one listening socket (each loop wakes for
 * and accepts one connection at a time, so connections go to the loops
 * that are free, as with nginx's workers). Routes /healthz and
 * /metrics (Prometheus text format 0.0.4); every other path is a file
 * under --root (apps/serve_files.h: conditional requests, ranges, links
 * that stay under the root, a small-file cache), or a built-in page
 * without one. Each answer carries an X-Request-Id; access log lines go to
 * stderr through core/log (net/http_middleware.h). SIGINT or SIGTERM: stop
 * accepting, finish the requests in progress (at most 10 s), exit 0. Exit
 * status: 0 after a signal, 1 failure, 2 usage.
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
#include "apps/serve_files.h"
#include "core/log.h"
#include "core/time.h"
#include "net/http_middleware.h"
#include "net/http_server.h"
#include "net/loop.h"
#include "net/sock.h"
#include "net/work.h"

#define CMD "serve"

#define SERVE_MAX_THREADS 256
#define SERVE_DRAIN_MS    10000

const char cmd_serve_usage[] =
    "usage: avila serve [--listen ADDR:PORT] [--root DIR] [--threads N] [--quiet]\n"
    "Serve the files under DIR over HTTP/1.1 (without --root: a built-in page),\n"
    "with /healthz and /metrics (Prometheus text). Directories serve their\n"
    "index.html; '..' and symbolic links leading out of DIR are refused. Prints\n"
    "'listening on ADDR' to stderr once ready; SIGINT or SIGTERM stops it\n"
    "gracefully.\n"
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

struct serve;

/* What one loop's handlers use: its cache of files, its request ids. */
struct serve_thread {
    struct serve *sv;
    struct serve_files files;
    struct avila_http_request_ids ids;
};

struct serve {
    int root_fd; /* -1: the built-in page */
    size_t n;
    struct avila_http_server *servers[SERVE_MAX_THREADS];
    int lfds[SERVE_MAX_THREADS];
    struct avila_loop_task stop_tasks[SERVE_MAX_THREADS];
    struct serve_thread threads[SERVE_MAX_THREADS];
    struct avila_work_pool *pool; /* file reads off the loops */
    struct avila_log log;
    bool quiet;
};

static struct avila_http1_header hdr(const char *name, const char *value)
{
    return (struct avila_http1_header){avila_slice_from_cstr(name), avila_slice_from_cstr(value)};
}

/* ------------------------------------------------------------ /metrics */

static void metrics(struct avila_http_request_ctx *ctx)
{
    const struct serve *sv = ctx->arg;
    uint64_t req[6] = {0}, bytes = 0, open = 0, accepted = 0, timeouts = 0, aborted = 0, dur = 0;
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
        aborted += atomic_load_explicit(&st->aborted, memory_order_relaxed);
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
                        "# HELP avila_http_timeouts_total Requests or connections ended by a "
                        "timeout.\n"
                        "# TYPE avila_http_timeouts_total counter\n"
                        "avila_http_timeouts_total %llu\n"
                        "# HELP avila_http_requests_aborted_total Requests ended before an "
                        "answer.\n"
                        "# TYPE avila_http_requests_aborted_total counter\n"
                        "avila_http_requests_aborted_total %llu\n"
                        "# HELP avila_http_request_duration_seconds Time from a complete head to "
                        "its answer complete.\n"
                        "# TYPE avila_http_request_duration_seconds histogram\n",
                        (unsigned long long)bytes, (unsigned long long)open,
                        (unsigned long long)accepted, (unsigned long long)timeouts,
                        (unsigned long long)aborted);
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
        serve_reply_text(ctx, 500, "metrics too long\n");
        return;
    }
    struct avila_http1_header h = hdr("Content-Type", "text/plain; version=0.0.4");
    (void)avila_http_respond(ctx, 200, &h, 1, out, (size_t)len);
}

static void healthz(struct avila_http_request_ctx *ctx)
{
    serve_reply_text(ctx, 200, "ok\n");
}

/* Every path no route takes: the files under --root, or the built-in page. */
static void handle(struct avila_http_request_ctx *ctx)
{
    struct serve_thread *t = ctx->arg;
    const struct avila_http1_request *r = &ctx->req;
    if (r->target_form != AVILA_HTTP1_TARGET_ORIGIN) {
        serve_reply_text(ctx, 400, "origin-form targets only\n");
        return;
    }
    char path[SERVE_PATH_MAX];
    unsigned bad = serve_decode_path(r->target, path, sizeof(path));
    if (bad != 0) {
        serve_reply_text(ctx, bad, "bad path\n");
        return;
    }
    bool get = r->method_id == AVILA_HTTP1_METHOD_GET || r->method_id == AVILA_HTTP1_METHOD_HEAD;
    if (!get) {
        struct avila_http1_header h[2] = {hdr("Allow", "GET, HEAD"),
                                          hdr("Content-Type", "text/plain")};
        (void)avila_http_respond(ctx, 405, h, 2, "method not allowed\n", 19);
        return;
    }
    if (t->sv->root_fd >= 0) {
        serve_file(ctx, &t->files, path);
        return;
    }
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        struct avila_http1_header h = hdr("Content-Type", "text/html; charset=utf-8");
        (void)avila_http_respond(ctx, 200, &h, 1, default_page, sizeof(default_page) - 1);
        return;
    }
    serve_reply_text(ctx, 404, "not found\n");
}

/* ------------------------------------------------------------ threads */

/*
 * Creates server i: request ids on every answer, the access log unless
 * --quiet, the /healthz and /metrics routes, files for the rest.
 */
static int make_server(struct serve *sv, size_t i, struct avila_loop *loop)
{
    struct serve_thread *t = &sv->threads[i];
    t->sv = sv;
    serve_files_init(&t->files, sv->root_fd, sv->pool);
    struct avila_http_server *s = NULL;
    int rc = avila_http_server_create(&s, loop, avila_allocator_libc(), NULL, handle, t);
    if (rc != 0)
        return rc;
    sv->servers[i] = s;
    struct avila_http_middleware m;
    rc = avila_http_request_id_middleware(&m, &t->ids);
    if (rc == 0)
        rc = avila_http_server_use(s, &m);
    if (rc == 0 && !sv->quiet) {
        avila_http_access_log_middleware(&m, &sv->log);
        rc = avila_http_server_use(s, &m);
    }
    if (rc == 0)
        rc = avila_http_server_route(s, "GET", "/healthz", healthz, sv);
    if (rc == 0)
        rc = avila_http_server_route(s, "GET", "/metrics", metrics, sv);
    return rc;
}

static void teardown(struct avila_loop *loop, size_t index, void *arg)
{
    (void)loop;
    struct serve *sv = arg;
    avila_http_server_destroy(sv->servers[index]);
    serve_files_release(&sv->threads[index].files);
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

    /* One listening socket; each loop's server gets its own descriptor of it. */
    int rc = CLI_FAIL;
    size_t opened = 0;
    for (; opened < sv.n; opened++) {
        int fd =
            opened == 0 ? avila_sock_listen(&addr, 0, 0) : fcntl(sv.lfds[0], F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            cli_fail(CMD, "cannot listen on %s: %s", listen,
                     avila_strerror(opened == 0 ? fd : avila_sock_error(errno)));
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
    struct avila_work_config wc = {.threads = 2};
    int grc = sv.root_fd >= 0 ? avila_work_pool_create(&sv.pool, a, &wc) : 0;
    if (grc == 0)
        grc = avila_loop_group_create(&g, a, sv.n, NULL);
    if (grc != 0) {
        cli_fail(CMD, "cannot create the event loops: %s", avila_strerror(grc));
        goto out_loops;
    }
    size_t made = 0;
    for (; made < sv.n; made++) {
        grc = make_server(&sv, made, avila_loop_group_loop(g, made));
        if (grc == 0)
            grc = avila_http_server_listen_fd_shared(sv.servers[made], sv.lfds[made]);
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
out_loops:
    /* Jobs still queued are cancelled; their completions go to stopped loops and are dropped. */
    avila_work_pool_destroy(sv.pool, AVILA_WORK_CANCEL);
    avila_loop_group_destroy(g);
out_close:
    for (size_t i = 0; i < opened; i++)
        if (sv.lfds[i] >= 0)
            close(sv.lfds[i]);
    if (sv.root_fd >= 0)
        close(sv.root_fd);
    return rc;
}
