/*
 * apps/cmd_id.c - `avila uuid` and `avila ulid`: print fresh identifiers,
 * one per line. UUIDs are RFC 9562 version 4 (random) or 7 (time-ordered);
 * ULIDs follow the ULID spec. Version 7 UUIDs and ULIDs printed by one run
 * are strictly increasing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/error.h"
#include "core/id.h"

#define MAX_COUNT 100000000u

const char cmd_uuid_usage[] =
    "usage: avila uuid [-7] [-n N]\n"
    "Print N (default 1) random UUIDs, one per line, lowercase 8-4-4-4-12 form.\n"
    "  -7           version 7 (Unix-time ordered, increasing within this run)\n"
    "               instead of version 4 (random)\n"
    "  -n N         how many (1 to 100000000)\n"
    "  -h, --help   show this help\n";

const char cmd_ulid_usage[] =
    "usage: avila ulid [-n N]\n"
    "Print N (default 1) ULIDs, one per line: 26 Crockford base32 characters,\n"
    "time-ordered and increasing within this run.\n"
    "  -n N         how many (1 to 100000000)\n"
    "  -h, --help   show this help\n";

/*
 * Parses the options of both commands (optstring says which apply); returns
 * -1 to go on, else an exit status.
 */
static int parse_options(const char *cmd, const char *optstring, int argc, char **argv, int *v7,
                         uint64_t *count)
{
    static const struct option longopts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
        switch (opt) {
        case '7':
            *v7 = 1;
            break;
        case 'n':
            if (cli_parse_count(optarg, 1, MAX_COUNT, count) != 0)
                return cli_usage_error(cmd, "invalid count '%s' (1 to %u)", optarg, MAX_COUNT);
            break;
        case 'h':
            return cli_help(cmd);
        default:
            return cli_usage_error(cmd, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return -1;
}

/* Writes one new identifier and its newline into line; returns 0 or an AVILA_E* code. */
typedef int (*id_writer)(void *gen, char *line);

static int write_uuid4(void *gen, char *line)
{
    (void)gen;
    struct avila_uuid u;
    int rc = avila_uuid_v4(&u);
    if (rc == 0) {
        avila_uuid_format(&u, line);
        line[36] = '\n';
    }
    return rc;
}

static int write_uuid7(void *gen, char *line)
{
    struct avila_uuid u;
    int rc = avila_uuid7_generate(gen, &u);
    if (rc == 0) {
        avila_uuid_format(&u, line);
        line[36] = '\n';
    }
    return rc;
}

static int write_ulid(void *gen, char *line)
{
    struct avila_ulid u;
    int rc = avila_ulid_generate(gen, &u);
    if (rc == 0) {
        avila_ulid_format(&u, line);
        line[26] = '\n';
    }
    return rc;
}

/* Prints count lines of line_len bytes made by write_id. */
static int print_ids(const char *cmd, uint64_t count, id_writer write_id, void *gen,
                     size_t line_len)
{
    char line[40];
    for (uint64_t i = 0; i < count; i++) {
        int rc = write_id(gen, line);
        if (rc < 0)
            return cli_fail(cmd, "cannot generate: %s", avila_strerror(rc));
        if (fwrite(line, 1, line_len, stdout) != line_len)
            return cli_fail(cmd, "write error");
    }
    return fflush(stdout) == 0 ? CLI_OK : cli_fail(cmd, "write error");
}

int cmd_uuid(int argc, char **argv)
{
    int v7 = 0;
    uint64_t count = 1;
    int status = parse_options("uuid", "7n:h", argc, argv, &v7, &count);
    if (status >= 0)
        return status;
    struct avila_uuid7_gen gen;
    avila_uuid7_gen_init(&gen);
    return print_ids("uuid", count, v7 ? write_uuid7 : write_uuid4, &gen, 37);
}

int cmd_ulid(int argc, char **argv)
{
    int v7 = 0;
    uint64_t count = 1;
    int status = parse_options("ulid", "n:h", argc, argv, &v7, &count);
    if (status >= 0)
        return status;
    struct avila_ulid_gen gen;
    avila_ulid_gen_init(&gen);
    return print_ids("ulid", count, write_ulid, &gen, 27);
}
