/*
 * apps/cmd_fetch.c - `avila fetch`: an HTTP/1.1 client like a small curl,
 * on net/http_client.h (names through net/resolve.h: /etc/hosts and
 * /etc/resolv.conf, no NSS, so a static binary resolves too; --dns-server
 * names the nameserver instead of resolv.conf's). The body goes
 * to standard output or -o FILE; -i puts the response head first. Exit
 * status: 0 a response came (any status, unless --fail), 1 no response
 * (name, connection, timeout, protocol) or an HTTP error with --fail or a
 * write error, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/error.h"
#include "net/dns.h"
#include "net/http_client.h"
#include "net/resolve.h"

#define CMD         "fetch"
#define MAX_HEADERS 64
#define MAX_DATA    ((size_t)1 << 30)

const char cmd_fetch_usage[] =
    "usage: avila fetch [-o FILE] [-H 'NAME: VALUE']... [-X METHOD] [-d DATA|@FILE]\n"
    "                   [-i] [-L] [--max-redirs N] [--timeout SECONDS] [-f]\n"
    "                   [--dns-server ADDR[:PORT]] URL\n"
    "Send an HTTP/1.1 request to an http:// URL and write the response body to\n"
    "standard output (or FILE). Names are resolved from /etc/hosts and the\n"
    "nameservers of /etc/resolv.conf (or the one --dns-server names).\n"
    "Options:\n"
    "  -o, --output FILE     write the body to FILE instead of standard output\n"
    "  -H, --header H        add the field 'NAME: VALUE' to the request (repeatable)\n"
    "  -X, --request METHOD  the method (default GET, or POST with -d)\n"
    "  -d, --data DATA       send DATA as the body; @FILE sends a file, @- standard input\n"
    "  -i, --include         write the response head before the body\n"
    "  -L, --location        follow redirects (301, 302, 303, 307, 308)\n"
    "      --max-redirs N    at most N redirects with -L (default 5)\n"
    "      --timeout SECONDS connect and wait for each read at most SECONDS (default 30)\n"
    "  -f, --fail            exit 1 (and write no body) for a status of 400 or more\n"
    "      --dns-server ADDR[:PORT]\n"
    "                        ask this nameserver (IPv4, or IPv6 as [ADDR]:PORT; port\n"
    "                        default 53) instead of resolv.conf's; /etc/hosts and\n"
    "                        resolv.conf's search and options still apply\n"
    "  -h, --help            show this help\n"
    "Exit status: 0 a response was received, 1 no response, a --fail status or a\n"
    "write error, 2 usage error.\n";

/* Where the response goes; the client fills resp's head before the first body bytes. */
struct sink {
    int fd;
    int include, fail, head_written;
    const struct avila_http_client_response *resp;
    struct cli_progress progress;
    uint64_t done;
};

/* With -i, the final response's head, once, before its body. */
static int write_head(struct sink *s)
{
    if (!s->include || s->head_written)
        return 0;
    s->head_written = 1;
    return cli_write_all(s->fd, s->resp->head, s->resp->head_len) == 0 ? 0 : AVILA_EIO;
}

/* Writes the body bytes as they come (none for an error status with --fail). */
static int write_body(void *ctx, const uint8_t *data, size_t len)
{
    struct sink *s = ctx;
    if (s->fail && s->resp->status >= 400)
        return 0;
    if (write_head(s) != 0 || cli_write_all(s->fd, data, len) != 0)
        return AVILA_EIO;
    s->done += len;
    cli_progress_update(&s->progress, s->done, 0);
    return 0;
}

/*
 * Parses --dns-server's "ADDR", "ADDR:PORT", "[ADDR6]", "[ADDR6]:PORT" or a
 * bare IPv6 "ADDR6" into *addr and *port (53 when absent). Returns 0 or -1.
 */
static int parse_dns_server(const char *s, struct avila_dns_addr *addr, uint16_t *port)
{
    const char *host = s, *end, *rest;
    if (s[0] == '[') {
        host = s + 1;
        end = strchr(host, ']');
        if (end == NULL)
            return -1;
        rest = end + 1;
        if (avila_dns_addr_parse6(host, (size_t)(end - host), addr->bytes) != 0)
            return -1;
        addr->family = 6;
    } else {
        const char *colon = strchr(s, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL) /* a bare IPv6 address */
            colon = NULL;
        end = colon ? colon : s + strlen(s);
        rest = end;
        if (avila_dns_addr_parse(host, (size_t)(end - host), addr) != 0)
            return -1;
    }
    *port = 53;
    if (*rest == '\0')
        return 0;
    uint64_t p;
    if (*rest != ':' || cli_parse_count(rest + 1, 1, 65535, &p) != 0)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

struct fetch_args {
    const char *output, *method, *data, *url;
    struct avila_dns_addr dns_server; /* family 0: resolv.conf's nameservers */
    uint16_t dns_port;
    struct avila_http1_header headers[MAX_HEADERS];
    size_t header_count;
    int include, follow, fail;
    uint64_t max_redirs, timeout;
};

/* Parses the command line; returns 0 or CLI_USAGE (reported) or -1 for --help (printed). */
static int parse_args(int argc, char **argv, struct fetch_args *a)
{
    /* clang-format off */
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"header", required_argument, NULL, 'H'},
        {"request", required_argument, NULL, 'X'},
        {"data", required_argument, NULL, 'd'},
        {"include", no_argument, NULL, 'i'},
        {"location", no_argument, NULL, 'L'},
        {"max-redirs", required_argument, NULL, 1},
        {"timeout", required_argument, NULL, 2},
        {"dns-server", required_argument, NULL, 3},
        {"fail", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* clang-format on */
    memset(a, 0, sizeof *a);
    a->max_redirs = AVILA_HTTP_CLIENT_MAX_REDIRECTS;
    a->timeout = AVILA_HTTP_CLIENT_TIMEOUT_MS / 1000;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+o:H:X:d:iLfh", longs, NULL)) != -1) {
        switch (c) {
        case 'o':
            a->output = optarg;
            break;
        case 'H':
            if (a->header_count == MAX_HEADERS)
                return cli_usage_error(CMD, "more than %d -H fields", MAX_HEADERS);
            if (cli_split_field(optarg, &a->headers[a->header_count].name,
                                &a->headers[a->header_count].value) != 0)
                return cli_usage_error(CMD, "-H '%s': expected 'NAME: VALUE'", optarg);
            a->header_count++;
            break;
        case 'X':
            a->method = optarg;
            break;
        case 'd':
            a->data = optarg;
            break;
        case 'i':
            a->include = 1;
            break;
        case 'L':
            a->follow = 1;
            break;
        case 'f':
            a->fail = 1;
            break;
        case 1:
            if (cli_parse_count(optarg, 0, 100, &a->max_redirs) != 0)
                return cli_usage_error(CMD, "--max-redirs: expected 0 to 100, got '%s'", optarg);
            break;
        case 2:
            if (cli_parse_count(optarg, 1, 3600, &a->timeout) != 0)
                return cli_usage_error(CMD, "--timeout: expected 1 to 3600 seconds, got '%s'",
                                       optarg);
            break;
        case 3:
            if (parse_dns_server(optarg, &a->dns_server, &a->dns_port) != 0)
                return cli_usage_error(
                    CMD, "--dns-server: expected ADDR, ADDR:PORT or [IPV6]:PORT, got '%s'", optarg);
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

int cmd_fetch(int argc, char **argv)
{
    struct fetch_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    char *body = NULL;
    size_t body_len = 0;
    if (a.data != NULL && a.data[0] == '@') {
        if (cli_read_file(CMD, a.data + 1, MAX_DATA, &body, &body_len) != 0)
            return CLI_FAIL;
    } else if (a.data != NULL) {
        body_len = strlen(a.data);
        body = malloc(body_len + 1);
        if (body == NULL)
            return cli_fail(CMD, "out of memory");
        memcpy(body, a.data, body_len + 1);
    }
    struct avila_resolver resolver;
    struct avila_resolver_options ropt = {0};
    if (a.dns_server.family != 0) {
        ropt.nameservers = &a.dns_server;
        ropt.nameserver_count = 1;
        ropt.port = a.dns_port;
    }
    rc = avila_resolver_init(&resolver, avila_allocator_libc(), &ropt);
    if (rc != 0) {
        free(body);
        return cli_fail(CMD, "resolver configuration: %s", avila_strerror(rc));
    }
    struct avila_http_client client;
    struct avila_http_client_options opt = {a.timeout * 1000, (unsigned)a.max_redirs, a.follow};
    if (a.follow && a.max_redirs == 0)
        opt.follow_redirects = false;
    (void)avila_http_client_init(&client, &resolver, &opt);
    struct avila_http_client_request req = {
        .method = a.method ? a.method
                  : body   ? "POST"
                           : "GET",
        .url = a.url,
        .headers = a.headers,
        .header_count = a.header_count,
        .body = body ? body : NULL,
        .body_len = body_len,
    };
    struct sink out = {.fd = 1, .include = a.include, .fail = a.fail};
    int status = CLI_OK;
    if (a.output != NULL && (out.fd = cli_open_output(CMD, a.output, 0, 0644)) < 0)
        status = CLI_FAIL;
    struct avila_http_client_response *resp = malloc(sizeof *resp);
    if (resp == NULL && status == CLI_OK)
        status = cli_fail(CMD, "out of memory");
    if (resp != NULL && status == CLI_OK) {
        out.resp = resp;
        cli_progress_start(&out.progress, CMD, a.url);
        rc = avila_http_client_fetch(&client, &req, write_body, &out, resp);
        cli_progress_end(&out.progress);
        if (rc == 0 && !(a.fail && resp->status >= 400))
            rc = write_head(&out); /* a response without body */
        if (rc == AVILA_EIO)
            status = cli_fail(CMD, "%s: write error", a.output ? a.output : "standard output");
        else if (rc == AVILA_ENOTFOUND) /* only the name lookup says so */
            status = cli_fail(CMD, "%s: host name not found (no such name, or no address)", a.url);
        else if (rc != 0)
            status = cli_fail(CMD, "%s: %s", a.url, avila_strerror(rc));
        else if (a.fail && resp->status >= 400)
            status = cli_fail(CMD, "%s: HTTP status %u", resp->url, resp->status);
    }
    if (out.fd > 1)
        close(out.fd);
    free(resp);
    avila_http_client_release(&client);
    avila_resolver_release(&resolver);
    free(body);
    return status;
}
