/*
 * apps/cmd_json.c - `avila json`: strict RFC 8259 JSON from the command line.
 *   fmt    reformat (pretty with an indent, or compact; optionally ASCII-only)
 *   check  validate files, one "FILE:LINE:COLUMN: reason" line per bad one
 *   get    the value an RFC 6901 JSON Pointer names
 *   canon  the RFC 8785 (JCS) canonical form, for signing and comparing
 * Each reads standard input when no FILE is given (or for "-"). Parsing is
 * data/json.h's with its strict defaults; options relax it for config
 * files. Output always ends with a newline. Exit status: 0 success (every
 * file valid), 1 invalid JSON, pointer not found or I/O error, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/buf.h"
#include "core/error.h"
#include "data/json.h"
#include "data/json_write.h"

#define CMD "json"

const char cmd_json_usage[] =
    "usage: avila json fmt [--indent N | --compact] [--ascii] [PARSE-OPTION...] [FILE]\n"
    "       avila json check [PARSE-OPTION...] [FILE...]\n"
    "       avila json get [--indent N | --compact] [--ascii] [--raw] [PARSE-OPTION...]\n"
    "                      POINTER [FILE]\n"
    "       avila json canon [PARSE-OPTION...] [FILE]\n"
    "Strict RFC 8259 JSON. fmt reformats a document; check validates files and\n"
    "prints FILE:LINE:COLUMN: REASON for each invalid one (columns in bytes);\n"
    "get prints the value the RFC 6901 JSON Pointer names (\"\" is the whole\n"
    "document, \"/a/0\" member a's first element); canon prints the RFC 8785\n"
    "canonical form. FILE '-' or none: standard input.\n"
    "Output options:\n"
    "  --indent N         pretty-print with N spaces per level, 0-16 (default 2)\n"
    "  --compact          no whitespace at all (same as --indent 0)\n"
    "  --ascii            escape every non-ASCII character as \\uXXXX\n"
    "  --raw              get: print a string value's bytes, unquoted\n"
    "Parse options (the default is strict RFC 8259):\n"
    "  --comments         allow // and /* */ comments\n"
    "  --trailing-commas  allow a comma before ] and }\n"
    "  --bom              skip a leading UTF-8 byte order mark\n"
    "  --dup-keys MODE    repeated object keys: reject (default), first or last\n"
    "  --max-depth N      nesting limit, 1-1024 (default 1024)\n"
    "  -h, --help         show this help\n"
    "Exit status: 0 success (all valid), 1 invalid JSON, pointer not found or I/O\n"
    "error, 2 usage error.\n";

struct json_cmd {
    struct avila_json_options parse;
    struct avila_json_write_options write;
    int raw;
};

/* Where a parse failed, as "FILE:LINE:COLUMN: reason". */
static void describe(char *out, size_t cap, const char *path, const struct avila_json_error *e)
{
    snprintf(out, cap, "%s:%zu:%zu: %s", path, e->line, e->column, e->reason);
}

/*
 * Reads and parses path. On success *text holds the bytes (free it after
 * releasing *doc). On failure returns CLI_FAIL, having reported through
 * cli_fail unless the caller asked for the position in where instead.
 */
static int load(const struct json_cmd *c, const char *path, char **text, struct avila_json_doc *doc,
                char *where, size_t where_cap)
{
    size_t len;
    size_t max = c->parse.max_size ? c->parse.max_size : AVILA_JSON_DEFAULT_MAX_SIZE;
    if (cli_read_file(CMD, path, max, text, &len) != 0)
        return CLI_FAIL;
    struct avila_json_error e;
    int rc = avila_json_parse(doc, *text, len, &c->parse, avila_allocator_libc(), &e);
    if (rc == 0)
        return CLI_OK;
    free(*text);
    *text = NULL;
    if (rc == AVILA_ENOMEM)
        return cli_fail(CMD, "%s: out of memory", path);
    if (where != NULL)
        describe(where, where_cap, path, &e);
    else
        cli_fail(CMD, "%s:%zu:%zu: %s", path, e.line, e.column, e.reason);
    return CLI_FAIL;
}

/* Writes v (then a newline) to standard output with the writer options. */
static int emit(const struct json_cmd *c, const struct avila_json_doc *doc,
                const struct avila_json_node *v)
{
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_buf b;
    struct avila_json_writer w;
    avila_buf_init(&b, a, SIZE_MAX);
    int rc = avila_json_write_init(&w, &b, &c->write);
    if (rc == 0)
        rc = avila_json_write_value(&w, doc, v, a);
    if (rc == 0)
        rc = avila_json_write_finish(&w);
    if (rc == 0)
        rc = avila_buf_append_byte(&b, '\n');
    int out = CLI_OK;
    if (rc == AVILA_ELIMIT)
        out = cli_fail(CMD, "nested deeper than %d levels: cannot be written",
                       AVILA_JSON_WRITE_MAX_DEPTH);
    else if (rc == AVILA_ERANGE)
        out = cli_fail(CMD, "a number beyond the double range has no RFC 8785 form");
    else if (rc != 0)
        out = cli_fail(CMD, "cannot write: %s", avila_strerror(rc));
    else if (cli_write_all(STDOUT_FILENO, b.data, b.len) != 0)
        out = cli_fail(CMD, "write error");
    avila_buf_release(&b);
    return out;
}

/* fmt, get and canon: one document, one value out. */
static int print_value(const struct json_cmd *c, const char *path, const char *pointer)
{
    char *text;
    struct avila_json_doc doc;
    if (load(c, path, &text, &doc, NULL, 0) != 0)
        return CLI_FAIL;
    const struct avila_json_node *v = avila_json_root(&doc);
    int rc = CLI_OK;
    if (pointer != NULL) {
        int prc = avila_json_pointer(v, pointer, strlen(pointer), &v);
        if (prc == AVILA_EFORMAT)
            rc = cli_usage_error(CMD,
                                 "'%s' is not a JSON Pointer (it must be empty or start "
                                 "with '/', and '~' must be followed by 0 or 1)",
                                 pointer);
        else if (prc != 0)
            rc = cli_fail(CMD, "%s: %s: not found", path, pointer);
    }
    if (rc == CLI_OK) {
        size_t len;
        const char *s = avila_json_string(v, &len);
        if (c->raw && s != NULL) {
            if (cli_write_all(STDOUT_FILENO, s, len) != 0 ||
                cli_write_all(STDOUT_FILENO, "\n", 1) != 0)
                rc = cli_fail(CMD, "write error");
        } else {
            rc = emit(c, &doc, v);
        }
    }
    avila_json_doc_release(&doc);
    free(text);
    return rc;
}

static int check(const struct json_cmd *c, char **files, int count)
{
    static char *stdin_only[] = {"-"};
    if (count == 0) {
        files = stdin_only;
        count = 1;
    }
    int rc = CLI_OK;
    for (int i = 0; i < count; i++) {
        char *text = NULL, where[1024] = "";
        struct avila_json_doc doc;
        if (load(c, files[i], &text, &doc, where, sizeof where) != 0) {
            rc = CLI_FAIL;
            if (where[0] != '\0' && printf("%s\n", where) < 0)
                return cli_fail(CMD, "write error");
            continue;
        }
        avila_json_doc_release(&doc);
        free(text);
    }
    if (fflush(stdout) != 0)
        return cli_fail(CMD, "write error");
    return rc;
}

/*
 * Parses the options after the subcommand into c. Returns 0; CLI_USAGE
 * after reporting; or -1 when --help printed the usage (nothing to do).
 */
static int parse_options(int argc, char **argv, struct json_cmd *c)
{
    enum { O_INDENT = 256, O_COMPACT, O_ASCII, O_RAW, O_COMMENTS, O_COMMAS, O_BOM, O_DUP, O_DEPTH };
    static const struct option longopts[] = {
        {"indent", required_argument, 0, O_INDENT},
        {"compact", no_argument, 0, O_COMPACT},
        {"ascii", no_argument, 0, O_ASCII},
        {"raw", no_argument, 0, O_RAW},
        {"comments", no_argument, 0, O_COMMENTS},
        {"trailing-commas", no_argument, 0, O_COMMAS},
        {"bom", no_argument, 0, O_BOM},
        {"dup-keys", required_argument, 0, O_DUP},
        {"max-depth", required_argument, 0, O_DEPTH},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    uint64_t n;
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_INDENT:
            if (cli_parse_count(optarg, 0, AVILA_JSON_WRITE_MAX_INDENT, &n) != 0)
                return cli_usage_error(CMD, "--indent takes 0 to %d", AVILA_JSON_WRITE_MAX_INDENT);
            c->write.indent = (unsigned)n;
            break;
        case O_COMPACT:
            c->write.indent = 0;
            break;
        case O_ASCII:
            c->write.flags |= AVILA_JSON_WRITE_ASCII;
            break;
        case O_RAW:
            c->raw = 1;
            break;
        case O_COMMENTS:
            c->parse.allow_comments = true;
            break;
        case O_COMMAS:
            c->parse.allow_trailing_commas = true;
            break;
        case O_BOM:
            c->parse.skip_bom = true;
            break;
        case O_DUP:
            if (strcmp(optarg, "reject") == 0)
                c->parse.dup_keys = AVILA_JSON_DUP_REJECT;
            else if (strcmp(optarg, "first") == 0)
                c->parse.dup_keys = AVILA_JSON_DUP_FIRST;
            else if (strcmp(optarg, "last") == 0)
                c->parse.dup_keys = AVILA_JSON_DUP_LAST;
            else
                return cli_usage_error(CMD, "--dup-keys takes reject, first or last");
            break;
        case O_DEPTH:
            if (cli_parse_count(optarg, 1, AVILA_JSON_WRITE_MAX_DEPTH, &n) != 0)
                return cli_usage_error(CMD, "--max-depth takes 1 to %d",
                                       AVILA_JSON_WRITE_MAX_DEPTH);
            c->parse.max_depth = (size_t)n;
            break;
        case 'h':
            return cli_help(CMD), -1;
        default:
            return cli_usage_error(CMD, "unknown option");
        }
    }
    return 0;
}

int cmd_json(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(CMD, "missing subcommand (fmt, check, get or canon)");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return cli_help(CMD);
    const char *sub = argv[1];
    struct json_cmd c = {.write = {.indent = 2}};
    int rc = parse_options(argc, argv, &c);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    char **operands = argv + optind;
    int count = argc - optind;
    if (c.raw && strcmp(sub, "get") != 0)
        return cli_usage_error(CMD, "--raw is for get only");
    if (strcmp(sub, "check") == 0)
        return check(&c, operands, count);
    if (strcmp(sub, "fmt") == 0) {
        if (count > 1)
            return cli_usage_error(CMD, "fmt takes one FILE at most");
        return print_value(&c, count ? operands[0] : "-", NULL);
    }
    if (strcmp(sub, "get") == 0) {
        if (count < 1 || count > 2)
            return cli_usage_error(CMD, "get takes a POINTER and one FILE at most");
        return print_value(&c, count == 2 ? operands[1] : "-", operands[0]);
    }
    if (strcmp(sub, "canon") == 0) {
        if (count > 1)
            return cli_usage_error(CMD, "canon takes one FILE at most");
        if (c.write.flags & AVILA_JSON_WRITE_ASCII)
            return cli_usage_error(CMD, "canon output is UTF-8 (RFC 8785): no --ascii");
        c.write.indent = 0;
        c.write.flags = AVILA_JSON_WRITE_CANONICAL;
        return print_value(&c, count ? operands[0] : "-", NULL);
    }
    return cli_usage_error(CMD, "unknown subcommand '%s' (fmt, check, get or canon)", sub);
}
