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

/* Parses the options both commands share; returns -1 to go on, else an exit status. */
static int parse_options(const char *cmd, int argc, char **argv, int *v7, uint64_t *count)
{
    static const struct option longopts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, v7 ? "7n:h" : "n:h", longopts, NULL)) != -1) {
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

int cmd_uuid(int argc, char **argv)
{
    int v7 = 0;
    uint64_t count = 1;
    int status = parse_options("uuid", argc, argv, &v7, &count);
    if (status >= 0)
        return status;
    struct avila_uuid7_gen gen;
    avila_uuid7_gen_init(&gen);
    for (uint64_t i = 0; i < count; i++) {
        struct avila_uuid u;
        int rc = v7 ? avila_uuid7_generate(&gen, &u) : avila_uuid_v4(&u);
        if (rc < 0)
            return cli_fail("uuid", "cannot generate: %s", avila_strerror(rc));
        char text[37];
        avila_uuid_format(&u, text);
        text[36] = '\n';
        if (fwrite(text, 1, 37, stdout) != 37)
            return cli_fail("uuid", "write error");
    }
    return fflush(stdout) == 0 ? CLI_OK : cli_fail("uuid", "write error");
}

int cmd_ulid(int argc, char **argv)
{
    uint64_t count = 1;
    int status = parse_options("ulid", argc, argv, NULL, &count);
    if (status >= 0)
        return status;
    struct avila_ulid_gen gen;
    avila_ulid_gen_init(&gen);
    for (uint64_t i = 0; i < count; i++) {
        struct avila_ulid u;
        int rc = avila_ulid_generate(&gen, &u);
        if (rc < 0)
            return cli_fail("ulid", "cannot generate: %s", avila_strerror(rc));
        char text[27];
        avila_ulid_format(&u, text);
        text[26] = '\n';
        if (fwrite(text, 1, 27, stdout) != 27)
            return cli_fail("ulid", "write error");
    }
    return fflush(stdout) == 0 ? CLI_OK : cli_fail("ulid", "write error");
}
