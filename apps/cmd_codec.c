/*
 * apps/cmd_codec.c - `avila base64` and `avila base32`: RFC 4648 encoding
 * and strict decoding of a file or standard input, streaming.
 *
 * Encoding output matches GNU coreutils byte for byte (76-column lines by
 * default, -w to change or 0 for none). Decoding ignores newlines, as
 * coreutils does, but is otherwise strict: any other byte outside the
 * alphabet, bad or misplaced padding, truncated input or non-canonical
 * trailing bits exit 1 with a message, after writing the data decoded so far.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/encoding.h"
#include "core/error.h"

/* What differs between the two commands. */
struct codec {
    const char *cmd;
    size_t bytes; /* a quantum of binary data ... */
    size_t chars; /* ... and its encoded length */
    int (*encode)(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                  size_t *out_len);
    int (*decode)(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                  size_t *out_len);
};

static const struct codec base64 = {"base64", 3, 4, avila_base64_encode, avila_base64_decode};
static const struct codec base32 = {"base32", 5, 8, avila_base32_encode, avila_base32_decode};

/* Input block: a multiple of both quanta (3 and 5 bytes; 4 and 8 chars). */
#define BLOCK ((size_t)15 * 4096)

const char cmd_base64_usage[] =
    "usage: avila base64 [-d] [-w COLS] [FILE]\n"
    "Base64-encode FILE (or standard input) to standard output, or decode with -d.\n"
    "  -d, --decode     decode; newlines are ignored, anything else invalid is an error\n"
    "  -w, --wrap=COLS  wrap encoded lines after COLS characters (default 76, 0: never)\n"
    "  -h, --help       show this help\n"
    "Exit status: 0 success, 1 invalid input or I/O error, 2 usage error.\n";

const char cmd_base32_usage[] =
    "usage: avila base32 [-d] [-w COLS] [FILE]\n"
    "Base32-encode (RFC 4648) FILE (or standard input) to standard output, or decode with -d.\n"
    "  -d, --decode     decode; newlines are ignored, anything else invalid is an error\n"
    "  -w, --wrap=COLS  wrap encoded lines after COLS characters (default 76, 0: never)\n"
    "  -h, --help       show this help\n"
    "Exit status: 0 success, 1 invalid input or I/O error, 2 usage error.\n";

struct encoder {
    const struct codec *codec;
    uint64_t wrap;   /* columns per line, 0 = no wrapping */
    uint64_t column; /* characters on the current output line */
    char *text;      /* one encoded block */
    char *lines;     /* the same with newlines: up to 2 bytes per character (-w 1) */
};

/* Encoded size of one input block, with room for a final partial quantum. */
static size_t block_chars(const struct codec *c)
{
    return BLOCK / c->bytes * c->chars + c->chars;
}

static int write_out(const char *cmd, const void *p, size_t n)
{
    if (cli_write_all(STDOUT_FILENO, p, n) != 0)
        return cli_fail(cmd, "write error"), -1;
    return 0;
}

static int encode_block(void *ctx, const uint8_t *block, size_t n)
{
    struct encoder *e = ctx;
    const struct codec *c = e->codec;
    size_t len;
    if (c->encode(e->text, block_chars(c), block, n, 0, &len) < 0)
        return cli_fail(c->cmd, "internal error: cannot encode"), -1;
    if (e->wrap == 0)
        return write_out(c->cmd, e->text, len);
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        e->lines[out++] = e->text[i];
        if (++e->column == e->wrap) {
            e->lines[out++] = '\n';
            e->column = 0;
        }
    }
    return write_out(c->cmd, e->lines, out);
}

static int encode(const struct codec *c, int fd, const char *path, uint64_t wrap)
{
    struct encoder e = {c, wrap, 0, malloc(block_chars(c)), malloc(2 * block_chars(c))};
    int rc = -1;
    if (!e.text || !e.lines)
        cli_fail(c->cmd, "out of memory");
    else
        rc = cli_stream(c->cmd, path, fd, BLOCK, encode_block, &e);
    int unterminated = e.column > 0;
    free(e.text);
    free(e.lines);
    if (rc != 0)
        return CLI_FAIL;
    if (unterminated && write_out(c->cmd, "\n", 1) != 0)
        return CLI_FAIL;
    return CLI_OK;
}

struct decoder {
    const struct codec *codec;
    char *pending; /* newline-free text not decoded yet (less than one quantum carried over) */
    size_t npending;
    uint8_t *out;
    int finished;    /* a padded quantum was decoded: nothing may follow */
    uint64_t offset; /* input bytes consumed, for messages */
};

/* Decodes the complete quanta of pending text; keeps the remainder. */
static int decode_pending(struct decoder *d, int at_end)
{
    const struct codec *c = d->codec;
    size_t whole = d->npending / c->chars * c->chars;
    if (at_end && whole != d->npending)
        return cli_fail(c->cmd, "invalid input: truncated (%zu characters left over)",
                        d->npending - whole),
               -1;
    if (whole == 0)
        return 0;
    if (d->finished)
        return cli_fail(c->cmd, "invalid input: data after padding"), -1;
    size_t len;
    int rc = c->decode(d->out, whole / c->chars * c->bytes, d->pending, whole, 0, &len);
    if (rc < 0)
        return cli_fail(c->cmd, "invalid input in the %zu characters before byte %llu: %s", whole,
                        (unsigned long long)d->offset, avila_strerror(rc)),
               -1;
    d->finished = d->pending[whole - 1] == '=';
    memmove(d->pending, d->pending + whole, d->npending - whole);
    d->npending -= whole;
    return write_out(c->cmd, d->out, len);
}

static int decode_block(void *ctx, const uint8_t *block, size_t n)
{
    struct decoder *d = ctx;
    for (size_t i = 0; i < n; i++)
        if (block[i] != '\n')
            d->pending[d->npending++] = (char)block[i];
    d->offset += n;
    return decode_pending(d, 0);
}

static int decode(const struct codec *c, int fd, const char *path)
{
    struct decoder d = {c, malloc(BLOCK + c->chars), 0, malloc(BLOCK / c->chars * c->bytes), 0, 0};
    int rc = CLI_FAIL;
    if (!d.pending || !d.out)
        cli_fail(c->cmd, "out of memory");
    else if (cli_stream(c->cmd, path, fd, BLOCK, decode_block, &d) == 0 &&
             decode_pending(&d, 1) == 0)
        rc = CLI_OK;
    free(d.pending);
    free(d.out);
    return rc;
}

static int run(const struct codec *c, int argc, char **argv)
{
    static const struct option longopts[] = {{"decode", no_argument, 0, 'd'},
                                             {"wrap", required_argument, 0, 'w'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int decoding = 0, opt;
    uint64_t wrap = 76;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "dw:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            decoding = 1;
            break;
        case 'w':
            if (cli_parse_count(optarg, 0, UINT32_MAX, &wrap) != 0)
                return cli_usage_error(c->cmd, "invalid wrap size '%s'", optarg);
            break;
        case 'h':
            return cli_help(c->cmd);
        default:
            return cli_usage_error(c->cmd, "unknown option");
        }
    }
    if (argc - optind > 1)
        return cli_usage_error(c->cmd, "extra operand '%s'", argv[optind + 1]);
    const char *path = optind < argc ? argv[optind] : "-";
    int fd = cli_open_input(c->cmd, path);
    if (fd < 0)
        return CLI_FAIL;
    int rc = decoding ? decode(c, fd, path) : encode(c, fd, path, wrap);
    cli_close_input(fd);
    return rc;
}

int cmd_base64(int argc, char **argv)
{
    return run(&base64, argc, argv);
}

int cmd_base32(int argc, char **argv)
{
    return run(&base32, argc, argv);
}
