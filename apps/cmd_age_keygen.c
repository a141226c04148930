/*
 * apps/cmd_age_keygen.c - `avila age-keygen`: makes an age X25519 identity
 * (C2SP age.md, "The X25519 recipient type") in age-keygen's file format,
 * or with -y prints the recipients of an identity file.
 *
 * Output: "# created: <RFC 3339 local time>\n# public key: age1...\n
 * AGE-SECRET-KEY-1...\n". With -o the file is created with mode 0600 and
 * never overwritten (as age-keygen). When the output is not a terminal the
 * public key is also printed to standard error as "Public key: age1...".
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apps/age_cli.h"
#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/ct.h"
#include "core/random.h"
#include "crypto/age.h"
#include "crypto/x25519.h"

#define CMD "age-keygen"

const char cmd_age_keygen_usage[] =
    "usage: avila age-keygen [-o OUTPUT]\n"
    "       avila age-keygen -y [-o OUTPUT] [INPUT]\n"
    "Generate an age X25519 identity (AGE-SECRET-KEY-1...) with its recipient\n"
    "(age1...) in a comment, or with -y print the recipient of each identity in\n"
    "INPUT (standard input when absent or '-').\n"
    "Options:\n"
    "  -o, --output=PATH  write to PATH (created with mode 0600; never overwritten)\n"
    "  -y                 convert an identity file to its recipients\n"
    "  -h, --help         show this help\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

/* Opens the output: standard output, or a new file with mode 0600. Returns an fd or -1. */
static int open_output(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return STDOUT_FILENO;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        cli_fail(CMD, "%s: %s", path, strerror(errno));
    return fd;
}

/* Writes and closes; on failure removes the file. Returns CLI_OK or CLI_FAIL. */
static int finish_output(int fd, const char *path, const char *text, size_t n)
{
    int rc = cli_write_all(fd, text, n);
    int err = errno;
    if (fd != STDOUT_FILENO && close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc != 0) {
        if (fd != STDOUT_FILENO)
            unlink(path);
        return cli_fail(CMD, "%s: %s", fd == STDOUT_FILENO ? "standard output" : path,
                        strerror(err));
    }
    return CLI_OK;
}

/* The local time as RFC 3339 ("2006-01-02T15:04:05+01:00", or "Z" at UTC+0). */
static void rfc3339_now(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff / 60;
    if (off == 0)
        snprintf(buf + n, cap - n, "Z");
    else
        snprintf(buf + n, cap - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 60,
                 labs(off) % 60);
}

static int generate(const char *output)
{
    uint8_t sk[32], pk[32];
    char id[AVILA_AGE_IDENTITY_LEN + 1], rcpt[AVILA_AGE_RECIPIENT_LEN + 1], when[40], text[256];
    if (avila_random_bytes(sk, sizeof sk) != 0)
        return cli_fail(CMD, "no randomness from the system");
    int fd = open_output(output);
    if (fd < 0) {
        avila_wipe(sk, sizeof sk);
        return CLI_FAIL;
    }
    avila_x25519_base(pk, sk);
    avila_age_identity_encode(id, sizeof id, sk);
    avila_age_recipient_encode(rcpt, sizeof rcpt, pk);
    id[AVILA_AGE_IDENTITY_LEN] = rcpt[AVILA_AGE_RECIPIENT_LEN] = '\0';
    rfc3339_now(when, sizeof when);
    int n = snprintf(text, sizeof text, "# created: %s\n# public key: %s\n%s\n", when, rcpt, id);
    if (!isatty(fd))
        fprintf(stderr, "Public key: %s\n", rcpt);
    int rc = finish_output(fd, output, text, (size_t)n);
    avila_wipe(sk, sizeof sk);
    avila_wipe(id, sizeof id);
    avila_wipe(text, sizeof text);
    return rc;
}

static int convert(const char *input, const char *output)
{
    struct age_identities ids = {0};
    if (age_read_identities(CMD, input ? input : "-", &ids) != 0)
        return CLI_FAIL;
    char *text = malloc(ids.n * (AVILA_AGE_RECIPIENT_LEN + 1) + 1);
    if (!text) {
        age_identities_free(&ids);
        return cli_fail(CMD, "out of memory");
    }
    size_t len = 0;
    for (size_t i = 0; i < ids.n; i++) {
        uint8_t pk[32];
        avila_x25519_base(pk, ids.keys[i]);
        avila_age_recipient_encode(text + len, AVILA_AGE_RECIPIENT_LEN, pk);
        len += AVILA_AGE_RECIPIENT_LEN;
        text[len++] = '\n';
    }
    age_identities_free(&ids);
    int fd = open_output(output);
    int rc = fd < 0 ? CLI_FAIL : finish_output(fd, output, text, len);
    free(text);
    return rc;
}

int cmd_age_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *output = NULL;
    int to_recipients = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:yh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            output = optarg;
            break;
        case 'y':
            to_recipients = 1;
            break;
        case 'h':
            return cli_help(CMD);
        default:
            return cli_usage_error(CMD, "unknown option");
        }
    }
    if (argc - optind > (to_recipients ? 1 : 0))
        return cli_usage_error(CMD, "too many arguments");
    return to_recipients ? convert(optind < argc ? argv[optind] : NULL, output) : generate(output);
}
