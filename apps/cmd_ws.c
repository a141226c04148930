/*
 * apps/cmd_ws.c - `avila ws`: a WebSocket client for the shell (RFC 6455)
 * on net/ws_conn.h. Each line of standard input (without its newline) goes
 * out as one text message, or with --binary the whole input as one binary
 * message; every message received is written to standard output followed
 * by a newline. At the end of the input it sends close 1000 and exits once
 * the close handshake is done.
 *
 * Standard input may be a pipe, a terminal or a regular file, which epoll
 * cannot watch: a small thread reads it with blocking reads and posts
 * batches of whole lines to the loop (avila_loop_post), one batch at a
 * time; the next read waits until the batch is queued and the connection's
 * write buffer has drained below its limit (on_drain), so a fast input
 * never outruns a slow peer. With --binary the input is read whole before
 * connecting.
 *
 * Exit status: 0 the close handshake completed with 1000, 1 connection or
 * handshake failure, another close code (printed with its reason on
 * stderr), a lost connection, a line that is not UTF-8 or a write error,
 * 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/error.h"
#include "net/loop.h"
#include "net/resolve.h"
#include "net/ws_conn.h"

#define CMD         "ws"
#define MAX_HEADERS 64
#define MAX_INPUT   ((size_t)1 << 30)  /* --binary: the largest input */
#define MAX_LINE    ((size_t)64 << 20) /* the longest input line */
#define MAX_RECEIVE ((uint64_t)64 << 20)
#define READ_CHUNK  ((size_t)64 << 10)

const char cmd_ws_usage[] =
    "usage: avila ws [-H 'NAME: VALUE']... [--binary] [--timeout SECONDS] URL\n"
    "Connect to a ws:// URL (RFC 6455) and send each line of standard input as a\n"
    "text message (without its newline); every message received is written to\n"
    "standard output followed by a newline. At the end of the input, close the\n"
    "connection with code 1000 and exit once the server answers.\n"
    "Options:\n"
    "  -H, --header H        add the field 'NAME: VALUE' to the handshake (repeatable)\n"
    "      --binary          send the whole input as one binary message instead\n"
    "      --timeout SECONDS connect and handshake within SECONDS (default 30)\n"
    "  -h, --help            show this help\n"
    "Received messages may be up to 64 MiB. Names are resolved from /etc/hosts and\n"
    "the nameservers of /etc/resolv.conf.\n"
    "Exit status: 0 closed normally (1000), 1 connection or handshake failure or\n"
    "another close (its code and reason are printed), 2 usage error.\n";

struct ws_args {
    const char *url;
    struct avila_http1_header headers[MAX_HEADERS];
    size_t header_count;
    int binary;
    uint64_t timeout;
};

/*
 * The state shared by the loop and the reader thread. Static: the reader
 * may still be blocked in read(2) when the command returns, and it touches
 * only the mutex and flags then (stop is set: it posts nothing).
 */
struct ws_app {
    struct avila_loop *loop;
    struct avila_ws_conn *conn;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool granted; /* the reader may post its next batch */
    bool stop;    /* the loop is done: post nothing more */
    struct avila_loop_task task;
    uint8_t *batch; /* whole lines, each ended by '\n' except maybe the last at EOF */
    size_t batch_len;
    bool batch_eof;
    int read_error;     /* errno of a failed read of standard input, or -1 for a line too long */
    bool waiting_drain; /* a batch filled the write buffer: grant after on_drain */
    uint64_t line_no;   /* lines sent so far */
    uint64_t bad_line;  /* a line that is not UTF-8 (1-based), or 0 */
    bool write_failed;
    bool closed;
    uint16_t code;
    char reason[128];
    bool clean;
};

static struct ws_app app = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Parses the command line; returns 0 or CLI_USAGE (reported) or -1 for --help (printed). */
static int parse_args(int argc, char **argv, struct ws_args *a)
{
    /* clang-format off */
    static const struct option longs[] = {
        {"header", required_argument, NULL, 'H'},
        {"binary", no_argument, NULL, 1},
        {"timeout", required_argument, NULL, 2},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* clang-format on */
    memset(a, 0, sizeof(*a));
    a->timeout = AVILA_WS_CLIENT_TIMEOUT_MS / 1000;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+H:h", longs, NULL)) != -1) {
        switch (c) {
        case 'H':
            if (a->header_count == MAX_HEADERS)
                return cli_usage_error(CMD, "more than %d -H fields", MAX_HEADERS);
            if (cli_split_field(optarg, &a->headers[a->header_count].name,
                                &a->headers[a->header_count].value) != 0)
                return cli_usage_error(CMD, "-H '%s': expected 'NAME: VALUE'", optarg);
            a->header_count++;
            break;
        case 1:
            a->binary = 1;
            break;
        case 2:
            if (cli_parse_count(optarg, 1, 3600, &a->timeout) != 0)
                return cli_usage_error(CMD, "--timeout: expected 1 to 3600 seconds, got '%s'",
                                       optarg);
            break;
        case 'h':
            cli_help(CMD);
            return -1;
        default:
            return cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(CMD, optind == argc ? "missing URL" : "more than one URL");
    a->url = argv[optind];
    return 0;
}

/* ------------------------------------------------------------ the reader thread */

/* Lets the reader post its next batch (loop thread). */
static void grant(void)
{
    pthread_mutex_lock(&app.mu);
    app.granted = true;
    pthread_cond_signal(&app.cv);
    pthread_mutex_unlock(&app.mu);
}

static void on_batch(struct avila_loop_task *task, void *arg);

/* Hands a batch to the loop unless it is done. Returns 0, or -1 if stopped (batch freed). */
static int post_batch(uint8_t *data, size_t len, bool eof, int err)
{
    pthread_mutex_lock(&app.mu);
    if (app.stop) {
        pthread_mutex_unlock(&app.mu);
        free(data);
        return -1;
    }
    app.batch = data;
    app.batch_len = len;
    app.batch_eof = eof;
    app.read_error = err;
    avila_loop_post(app.loop, &app.task, on_batch, NULL);
    pthread_mutex_unlock(&app.mu);
    return 0;
}

/* Reads standard input into batches of whole lines; the last batch carries the EOF. */
static void *reader(void *arg)
{
    (void)arg;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        pthread_mutex_lock(&app.mu);
        while (!app.granted && !app.stop)
            pthread_cond_wait(&app.cv, &app.mu);
        bool stop = app.stop;
        app.granted = false;
        pthread_mutex_unlock(&app.mu);
        if (stop)
            break;
        /* Read until the buffer holds a whole line (or the input ends). */
        size_t scanned = 0, cut = 0;
        bool eof = false;
        int err = 0;
        while (cut == 0 && !eof && err == 0) {
            if (cap - len < READ_CHUNK) {
                uint8_t *nb = realloc(buf, cap + READ_CHUNK);
                if (nb == NULL) {
                    err = -1;
                    break;
                }
                buf = nb;
                cap += READ_CHUNK;
            }
            long n = read(0, buf + len, READ_CHUNK);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                err = errno;
            else if (n == 0)
                eof = true;
            else
                len += (size_t)n;
            for (size_t i = len; i > scanned; i--)
                if (buf[i - 1] == '\n') {
                    cut = i;
                    break;
                }
            scanned = len;
            if (cut == 0 && len > MAX_LINE)
                err = -1;
        }
        if (eof || err != 0)
            cut = len;
        /* The batch is buf[0..cut); what follows the last newline stays for the next. */
        uint8_t *batch = malloc(cut > 0 ? cut : 1);
        if (batch == NULL) {
            err = -1;
            cut = 0;
            eof = true;
            batch = malloc(1);
        }
        if (batch != NULL && cut > 0)
            memcpy(batch, buf, cut);
        if (cut < len)
            memmove(buf, buf + cut, len - cut);
        len -= cut;
        if (post_batch(batch, cut, eof || err != 0, err) != 0 || eof || err != 0)
            break;
    }
    free(buf);
    return NULL;
}

/* ------------------------------------------------------------ on the loop */

static void on_batch(struct avila_loop_task *task, void *arg)
{
    (void)task;
    (void)arg;
    pthread_mutex_lock(&app.mu);
    uint8_t *data = app.batch;
    size_t len = app.batch_len;
    bool eof = app.batch_eof;
    app.batch = NULL;
    pthread_mutex_unlock(&app.mu);
    if (app.closed) {
        free(data);
        return;
    }
    bool wait = false;
    size_t at = 0;
    while (at < len && app.bad_line == 0) {
        const uint8_t *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len;
        app.line_no++;
        int rc = avila_ws_conn_send(app.conn, AVILA_WS_TEXT, data + at, end - at);
        if (rc == 1)
            wait = true;
        else if (rc == AVILA_EINVAL)
            app.bad_line = app.line_no;
        else if (rc < 0) /* the connection is ending: its on_close tells why */
            break;
        at = nl ? end + 1 : len;
    }
    free(data);
    if (eof || app.bad_line != 0)
        (void)avila_ws_conn_close(app.conn, AVILA_WS_NORMAL, NULL, 0);
    else if (wait)
        app.waiting_drain = true;
    else
        grant();
}

static void on_drain(struct avila_ws_conn *c, void *arg)
{
    (void)c;
    (void)arg;
    if (app.waiting_drain) {
        app.waiting_drain = false;
        grant();
    }
}

static void on_message(struct avila_ws_conn *c, void *arg, enum avila_ws_opcode type,
                       const uint8_t *data, size_t len)
{
    (void)arg;
    (void)type;
    if (app.write_failed)
        return;
    if (cli_write_all(1, data, len) != 0 || cli_write_all(1, "\n", 1) != 0) {
        app.write_failed = true;
        avila_ws_conn_abort(c);
    }
}

static void on_close(struct avila_ws_conn *c, void *arg, uint16_t code, const uint8_t *reason,
                     size_t len, bool clean)
{
    (void)c;
    (void)arg;
    app.closed = true;
    app.code = code;
    if (len >= sizeof(app.reason))
        len = sizeof(app.reason) - 1;
    memcpy(app.reason, reason, len);
    app.reason[len] = '\0';
    app.clean = clean;
    app.conn = NULL;
    avila_loop_stop(app.loop);
}

/* ------------------------------------------------------------ the command */

/* Reports a failed connect or handshake; returns CLI_FAIL. */
static int connect_failed(const char *url, int rc, const struct avila_ws_client_info *info)
{
    if (rc == AVILA_EUNSUPPORTED)
        return cli_fail(CMD, "%s: only ws:// URLs are supported", url);
    if (rc == AVILA_ENOTFOUND)
        return cli_fail(CMD, "%s: host name not found (no such name, or no address)", url);
    if (rc == AVILA_EFORMAT && info->status != 0 && info->status != 101)
        return cli_fail(CMD, "%s: handshake refused: HTTP status %u", url, info->status);
    if (rc == AVILA_EFORMAT && info->status == 101)
        return cli_fail(CMD, "%s: bad handshake answer", url);
    if (rc == AVILA_EFORMAT && info->status == 0)
        return cli_fail(CMD, "%s: bad URL or answer", url);
    if (rc == AVILA_EINVAL)
        return cli_fail(CMD, "%s: a -H field cannot be sent (the handshake sets it)", url);
    return cli_fail(CMD, "%s: %s", url, avila_strerror(rc));
}

/* What the end of the connection means for the exit status. */
static int outcome(void)
{
    if (app.write_failed)
        return cli_fail(CMD, "standard output: write error");
    if (app.read_error > 0)
        return cli_fail(CMD, "standard input: %s", strerror(app.read_error));
    if (app.read_error < 0)
        return cli_fail(CMD, "standard input: a line longer than %zu bytes", MAX_LINE);
    if (app.bad_line != 0)
        return cli_fail(CMD, "standard input line %llu is not UTF-8 (send it with --binary)",
                        (unsigned long long)app.bad_line);
    if (app.code == AVILA_WS_ABNORMAL)
        return cli_fail(CMD, "connection lost (1006)");
    if (!app.clean || app.code != AVILA_WS_NORMAL)
        return cli_fail(CMD, "closed with code %u%s%s", app.code, app.reason[0] ? ": " : "",
                        app.reason);
    return CLI_OK;
}

int cmd_ws(int argc, char **argv)
{
    struct ws_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    char *input = NULL;
    size_t input_len = 0;
    if (a.binary && cli_read_file(CMD, "-", MAX_INPUT, &input, &input_len) != 0)
        return CLI_FAIL;
    const struct avila_allocator *al = avila_allocator_libc();
    struct avila_resolver resolver;
    rc = avila_resolver_init(&resolver, al, NULL);
    if (rc != 0) {
        free(input);
        return cli_fail(CMD, "resolver configuration: %s", avila_strerror(rc));
    }
    int status = CLI_FAIL;
    rc = avila_loop_create(&app.loop, al, NULL);
    if (rc != 0) {
        cli_fail(CMD, "cannot create the event loop: %s", avila_strerror(rc));
        goto out_resolver;
    }
    struct avila_ws_client_options opt = {a.headers, a.header_count, NULL, a.timeout * 1000};
    struct avila_ws_conn_config cfg = {.max_message = MAX_RECEIVE};
    struct avila_ws_conn_callbacks cb = {on_message, on_drain, NULL, on_close, NULL};
    struct avila_ws_client_info info;
    rc = avila_ws_connect(&app.conn, app.loop, al, &resolver, a.url, &opt, &cfg, &cb, &info);
    if (rc != 0) {
        connect_failed(a.url, rc, &info);
        goto out_loop;
    }
    if (a.binary) {
        rc = avila_ws_conn_send(app.conn, AVILA_WS_BINARY, input, input_len);
        if (rc >= 0)
            rc = avila_ws_conn_close(app.conn, AVILA_WS_NORMAL, NULL, 0);
        if (rc < 0)
            avila_ws_conn_abort(app.conn);
    } else {
        pthread_t t;
        if (pthread_create(&t, NULL, reader, NULL) != 0) {
            avila_ws_conn_abort(app.conn);
        } else {
            pthread_detach(t);
            grant();
        }
    }
    rc = avila_loop_run(app.loop);
    pthread_mutex_lock(&app.mu);
    app.stop = true; /* the reader posts nothing more */
    pthread_cond_signal(&app.cv);
    free(app.batch); /* a batch posted after the close, never run */
    app.batch = NULL;
    pthread_mutex_unlock(&app.mu);
    status = rc != 0 ? cli_fail(CMD, "event loop failed: %s", avila_strerror(rc)) : outcome();
out_loop:
    avila_loop_destroy(app.loop);
out_resolver:
    avila_resolver_release(&resolver);
    free(input);
    return status;
}
