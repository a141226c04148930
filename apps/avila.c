/*
 * apps/avila.c - the avila multi-call binary: `avila <command> [args]`, or
 * invoked through a link named after a command (busybox style: a link named
 * `uuid` or `avila-uuid` runs `avila uuid`).
 */
#include <stdio.h>
#include <string.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/cpu.h"

const struct cli_command cli_commands[] = {
    {"help", "list the commands, or show one command's usage", cmd_help_usage, cmd_help},
    {"version", "print version, compiler, build flags and CPU features", cmd_version_usage,
     cmd_version},
    {"uuid", "print random (v4) or time-ordered (v7) UUIDs", cmd_uuid_usage, cmd_uuid},
    {"ulid", "print time-ordered ULIDs", cmd_ulid_usage, cmd_ulid},
    {"hash", "checksum files with crc32c, xxh64, xxh3 or siphash", cmd_hash_usage, cmd_hash},
    {"base64", "base64 encode or strictly decode (coreutils-compatible)", cmd_base64_usage,
     cmd_base64},
    {"base32", "base32 encode or strictly decode (coreutils-compatible)", cmd_base32_usage,
     cmd_base32},
    {"digest", "SHA-2, SHA-3, BLAKE2, BLAKE3 checksums (sha256sum/b2sum/b3sum-compatible)",
     cmd_digest_usage, cmd_digest},
    {"speed", "measure the crypto layer (BENCH lines, OpenSSL anchor case names)", cmd_speed_usage,
     cmd_speed},
    {"sign", "Ed25519 signatures, compatible with OpenBSD signify", cmd_sign_usage, cmd_sign},
    {"age", "encrypt and decrypt files, compatible with age v1", cmd_age_usage, cmd_age},
    {"age-keygen", "make an age X25519 identity", cmd_age_keygen_usage, cmd_age_keygen},
    {"pkey", "Ed25519, X25519, P-256 and RSA keys and signatures (openssl-compatible)",
     cmd_pkey_usage, cmd_pkey},
    {"json", "format, check, query (JSON Pointer) and canonicalize (RFC 8785) JSON", cmd_json_usage,
     cmd_json},
    {"serve", "serve static files over HTTP/1.1, with /healthz and /metrics", cmd_serve_usage,
     cmd_serve},
    {"fetch", "send an HTTP/1.1 request and write the response (a small curl)", cmd_fetch_usage,
     cmd_fetch},
    {"kv", "key-value store (LSM): put, get, del, scan, load, dump, check, stats, compact",
     cmd_kv_usage, cmd_kv},
    {"ws", "WebSocket client: send stdin lines as messages, print the messages received",
     cmd_ws_usage, cmd_ws},
    {"h264", "encode raw I420 video as H.264 Constrained Baseline (Annex B)", cmd_h264_usage,
     cmd_h264},
    {0, 0, 0, 0},
};

const char cmd_help_usage[] = "usage: avila help [COMMAND]\n"
                              "List the commands, or print COMMAND's usage.\n";

int cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return cli_usage_error("help", "too many arguments");
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cli_help("help");
    if (argc == 2) {
        if (!cli_find(argv[1]))
            return cli_usage_error("help", "unknown command '%s'", argv[1]);
        return cli_help(argv[1]);
    }
    fputs("usage: avila COMMAND [ARGS...]\n"
          "Avila: a sovereign systems stack in C. Commands:\n",
          stdout);
    for (const struct cli_command *c = cli_commands; c->name; c++)
        printf("  %-10s %s\n", c->name, c->summary);
    fputs("Run 'avila COMMAND --help' for a command's options.\n"
          "Exit status: 0 success, 1 failure, 2 usage error.\n",
          stdout);
    return CLI_OK;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
    if (avila_cpu_init() < 0)
        fprintf(stderr, "avila: ignoring bad AVILA_CPU value\n");

    /* Multi-call: a link named after a command (or avila-<command>) runs it directly. */
    const char *self = argc > 0 ? base_name(argv[0]) : "avila";
    if (strncmp(self, "avila-", 6) == 0)
        self += 6;
    const struct cli_command *c = cli_find(self);
    if (c && strcmp(self, "avila") != 0)
        return c->run(argc, argv);

    if (argc < 2)
        return cmd_help(1, argv);
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    else if (strcmp(name, "--version") == 0)
        name = "version";
    c = cli_find(name);
    if (!c) {
        fprintf(stderr, "avila: unknown command '%s'\nTry 'avila help'.\n", argv[1]);
        return CLI_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
