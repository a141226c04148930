/*
 * apps/cmd_digest.c - `avila digest ALGO [FILE...]` and `avila digest ALGO
 * -c SUMS...`: cryptographic checksums with the output and check mode of
 * GNU sha256sum / b2sum and b3sum, byte for byte on standard output.
 *
 * A line is "<hex>  <name>" ("<hex> *<name>" with -b). A name holding a
 * backslash or a newline is written escaped ("\\" and "\n") and the line
 * starts with a backslash, as coreutils does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/encoding.h"
#include "crypto/digest.h"

const char cmd_digest_usage[] =
    "usage: avila digest ALGO [-b] [FILE...]\n"
    "       avila digest ALGO -c [--quiet|--status] [--strict] [--ignore-missing] [FILE...]\n"
    "Print or check cryptographic checksums, like sha256sum, b2sum and b3sum\n"
    "(standard input when there is no FILE, or for '-'). ALGO is one of:\n"
    "  sha1 (legacy: broken for collisions) sha224 sha256 sha384 sha512 sha512-256\n"
    "  sha3-224 sha3-256 sha3-384 sha3-512\n"
    "  blake2b (512-bit, as b2sum) blake2s (256-bit) blake3 (256-bit, as b3sum)\n"
    "Options:\n"
    "  -b, --binary        mark names with '*' (no other effect on Linux)\n"
    "  -t, --text          mark names with ' ' (the default)\n"
    "  -c, --check         read checksum lines from the FILEs and check them\n"
    "      --quiet         with -c: print nothing for files that match\n"
    "      --status        with -c: print nothing; the exit status tells\n"
    "      --strict        with -c: fail on improperly formatted lines\n"
    "      --ignore-missing  with -c: skip files that do not exist\n"
    "  -h, --help          show this help\n"
    "Exit status: 0 success, 1 a file could not be read or a check failed, 2 usage error.\n";

static const struct {
    const char *name;
    const struct avila_digest *d;
} algos[] = {
    {"sha1", &avila_digest_sha1},          {"sha224", &avila_digest_sha224},
    {"sha256", &avila_digest_sha256},      {"sha384", &avila_digest_sha384},
    {"sha512", &avila_digest_sha512},      {"sha512-256", &avila_digest_sha512_256},
    {"sha3-224", &avila_digest_sha3_224},  {"sha3-256", &avila_digest_sha3_256},
    {"sha3-384", &avila_digest_sha3_384},  {"sha3-512", &avila_digest_sha3_512},
    {"blake2b", &avila_digest_blake2b512}, {"blake2s", &avila_digest_blake2s256},
    {"blake3", &avila_digest_blake3},
};

struct options {
    const struct avila_digest *d;
    int binary, check, quiet, status, strict, ignore_missing;
};

/* A running hash: the descriptor and its context. */
struct running {
    const struct avila_digest *d;
    void *ctx;
};

static int absorb(void *arg, const uint8_t *block, size_t n)
{
    struct running *r = arg;
    r->d->update(r->ctx, block, n);
    return 0;
}

/*
 * Hashes the file at path into out (d->digest_len bytes). Returns 0, or -1
 * after reporting why the file could not be read.
 */
static int hash_file(const struct avila_digest *d, const char *path, uint8_t *out)
{
    int fd = cli_open_input("digest", path);
    if (fd < 0)
        return -1;
    /* Contexts want 16-byte alignment; BLAKE3's is larger than struct avila_digest_ctx. */
    void *ctx = aligned_alloc(64, (d->ctx_size + 63) / 64 * 64);
    if (!ctx) {
        cli_close_input(fd);
        return cli_fail("digest", "out of memory"), -1;
    }
    d->init(ctx);
    struct running r = {d, ctx};
    int rc = cli_stream("digest", path, fd, (size_t)256 * 1024, absorb, &r);
    cli_close_input(fd);
    if (rc == 0)
        d->final(ctx, out);
    free(ctx);
    return rc == 0 ? 0 : -1;
}

/* Writes name with backslash and newline escaped. */
static void put_escaped(const char *name)
{
    for (const char *p = name; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", stdout);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else
            putchar(*p);
    }
}

static int print_sum(const struct options *o, const char *path)
{
    uint8_t sum[AVILA_DIGEST_MAX_LEN];
    if (hash_file(o->d, path, sum) != 0)
        return CLI_FAIL;
    char hex[2 * AVILA_DIGEST_MAX_LEN];
    size_t len = 0;
    avila_hex_encode(hex, sizeof hex, sum, o->d->digest_len, 0, &len);
    int escape = strpbrk(path, "\\\n") != NULL;
    if (escape)
        putchar('\\');
    fwrite(hex, 1, len, stdout);
    fputs(o->binary ? " *" : "  ", stdout);
    if (escape)
        put_escaped(path);
    else
        fputs(path, stdout);
    putchar('\n');
    return CLI_OK;
}

/* Counters of one check run, for the final warnings. */
struct check_totals {
    unsigned long bad_lines, unreadable, mismatched, good_lines;
};

/*
 * Parses one checksum line in place: "<hex>  <name>" or "<hex> *<name>",
 * optionally preceded by a backslash meaning the name is escaped. Returns 0
 * and sets expected/name, or -1 if the line is improperly formatted.
 */
static int parse_line(const struct avila_digest *d, char *line, uint8_t *expected, char **name)
{
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    int escaped = line[0] == '\\';
    char *p = line + escaped;
    size_t hex_len = 2 * d->digest_len, got;
    if (strlen(p) < hex_len + 3 || (p[hex_len + 1] != ' ' && p[hex_len + 1] != '*') ||
        p[hex_len] != ' ')
        return -1;
    if (avila_hex_decode(expected, d->digest_len, p, hex_len, &got) != 0)
        return -1;
    char *src = p + hex_len + 2, *dst = src;
    *name = src;
    if (!escaped)
        return 0;
    for (; *src; src++) {
        if (*src != '\\') {
            *dst++ = *src;
            continue;
        }
        src++;
        if (*src == '\\')
            *dst++ = '\\';
        else if (*src == 'n')
            *dst++ = '\n';
        else
            return -1;
    }
    *dst = '\0';
    return 0;
}

static void check_line(const struct options *o, char *line, struct check_totals *t)
{
    uint8_t expected[AVILA_DIGEST_MAX_LEN], actual[AVILA_DIGEST_MAX_LEN];
    char *name;
    if (parse_line(o->d, line, expected, &name) != 0) {
        t->bad_lines++;
        return;
    }
    t->good_lines++;
    if (o->ignore_missing) {
        FILE *probe = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
        if (!probe)
            return;
        if (probe != stdin)
            fclose(probe);
    }
    int readable = hash_file(o->d, name, actual) == 0;
    int ok = readable && memcmp(expected, actual, o->d->digest_len) == 0;
    if (!readable)
        t->unreadable++;
    else if (!ok)
        t->mismatched++;
    if (o->status || (ok && o->quiet))
        return;
    /* As coreutils: check results escape a name only when it holds a newline. */
    if (strchr(name, '\n')) {
        putchar('\\');
        put_escaped(name);
    } else {
        fputs(name, stdout);
    }
    fputs(!readable ? ": FAILED open or read\n" : ok ? ": OK\n" : ": FAILED\n", stdout);
}

static void warn_count(unsigned long n, const char *one, const char *many)
{
    if (n > 0)
        fprintf(stderr, "avila digest: WARNING: %lu %s\n", n, n == 1 ? one : many);
}

static int check_file(const struct options *o, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        return cli_fail("digest", "%s: %s", path, strerror(errno));
    struct check_totals t = {0, 0, 0, 0};
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0)
        check_line(o, line, &t);
    free(line);
    if (f != stdin)
        fclose(f);
    if (t.good_lines == 0) {
        fprintf(stderr, "avila digest: %s: no properly formatted checksum lines found\n",
                strcmp(path, "-") == 0 ? "'standard input'" : path);
        return CLI_FAIL;
    }
    if (!o->status) {
        warn_count(t.bad_lines, "line is improperly formatted", "lines are improperly formatted");
        warn_count(t.unreadable, "listed file could not be read", "listed files could not be read");
        warn_count(t.mismatched, "computed checksum did NOT match",
                   "computed checksums did NOT match");
    }
    if (t.unreadable || t.mismatched || (o->strict && t.bad_lines))
        return CLI_FAIL;
    return CLI_OK;
}

int cmd_digest(int argc, char **argv)
{
    enum { OPT_QUIET = 256, OPT_STATUS, OPT_STRICT, OPT_IGNORE_MISSING };
    static const struct option longopts[] = {{"binary", no_argument, 0, 'b'},
                                             {"text", no_argument, 0, 't'},
                                             {"check", no_argument, 0, 'c'},
                                             {"quiet", no_argument, 0, OPT_QUIET},
                                             {"status", no_argument, 0, OPT_STATUS},
                                             {"strict", no_argument, 0, OPT_STRICT},
                                             {"ignore-missing", no_argument, 0, OPT_IGNORE_MISSING},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    struct options o = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "btch", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            o.binary = 1;
            break;
        case 't':
            o.binary = 0;
            break;
        case 'c':
            o.check = 1;
            break;
        case OPT_QUIET:
            o.quiet = 1;
            break;
        case OPT_STATUS:
            o.status = 1;
            break;
        case OPT_STRICT:
            o.strict = 1;
            break;
        case OPT_IGNORE_MISSING:
            o.ignore_missing = 1;
            break;
        case 'h':
            return cli_help("digest");
        default:
            return cli_usage_error("digest", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("digest", "missing ALGO");
    const char *name = argv[optind++];
    for (size_t i = 0; i < sizeof algos / sizeof algos[0] && !o.d; i++)
        if (strcmp(algos[i].name, name) == 0)
            o.d = algos[i].d;
    if (!o.d)
        return cli_usage_error("digest", "unknown algorithm '%s'", name);
    if (!o.check && (o.quiet || o.status || o.strict || o.ignore_missing))
        return cli_usage_error("digest",
                               "--quiet, --status, --strict and --ignore-missing need -c");

    int (*each)(const struct options *, const char *) = o.check ? check_file : print_sum;
    int status = CLI_OK;
    if (optind == argc)
        status = each(&o, "-");
    for (; optind < argc; optind++)
        if (each(&o, argv[optind]) != CLI_OK)
            status = CLI_FAIL;
    if (fflush(stdout) != 0)
        return cli_fail("digest", "cannot write output");
    return status;
}
