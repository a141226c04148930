/*
 * apps/cmd_hash.c - `avila hash ALGO [FILE...]`: non-cryptographic checksums
 * of files, one "<hex>  <name>" line per file, like sha256sum.
 *
 * Every checksum is printed as its integer value in hex, most significant
 * digit first: the form xxhsum prints for xxh64/xxh3, crc32c tools print,
 * and the SipHash paper uses in its Appendix A (the reference code's output
 * bytes are the same value little-endian).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/encoding.h"
#include "core/endian.h"
#include "core/hash.h"

const char cmd_hash_usage[] =
    "usage: avila hash [-k KEY] ALGO [FILE...]\n"
    "Print a checksum of each FILE (standard input if none, or for '-') as\n"
    "'<hex>  <name>' lines. ALGO is one of:\n"
    "  crc32c     CRC-32C (Castagnoli), 8 hex digits\n"
    "  xxh64      xxHash64, seed 0 (same as xxhsum -H1)\n"
    "  xxh3       XXH3 64-bit, seed 0 (same as xxhsum -H3)\n"
    "  siphash    SipHash-2-4 with KEY, 16 hex digits\n"
    "  siphash13  SipHash-1-3 with KEY\n"
    "Options:\n"
    "  -k KEY     SipHash key as 32 hex digits (default: all zero)\n"
    "  -h, --help show this help\n"
    "Exit status: 0 if every file was read, 1 if any failed, 2 on usage errors.\n";

enum algo { ALGO_CRC32C, ALGO_XXH64, ALGO_XXH3, ALGO_SIPHASH24, ALGO_SIPHASH13 };

static const struct {
    const char *name;
    enum algo algo;
} algos[] = {
    {"crc32c", ALGO_CRC32C},     {"xxh64", ALGO_XXH64},         {"xxh3", ALGO_XXH3},
    {"siphash", ALGO_SIPHASH24}, {"siphash13", ALGO_SIPHASH13},
};

/* One running checksum, whatever the algorithm. */
struct hasher {
    enum algo algo;
    uint32_t crc;
    struct avila_xxh64 xxh64;
    struct avila_xxh3 xxh3;
    struct avila_siphash sip;
};

static void hasher_init(struct hasher *h, enum algo algo, const uint8_t key[16])
{
    h->algo = algo;
    switch (algo) {
    case ALGO_CRC32C:
        h->crc = 0;
        break;
    case ALGO_XXH64:
        avila_xxh64_init(&h->xxh64, 0);
        break;
    case ALGO_XXH3:
        avila_xxh3_init(&h->xxh3, 0);
        break;
    case ALGO_SIPHASH24:
        avila_siphash_init(&h->sip, key, 2, 4);
        break;
    case ALGO_SIPHASH13:
        avila_siphash_init(&h->sip, key, 1, 3);
        break;
    }
}

static int hasher_update(void *ctx, const uint8_t *block, size_t n)
{
    struct hasher *h = ctx;
    switch (h->algo) {
    case ALGO_CRC32C:
        h->crc = avila_crc32c(h->crc, block, n);
        break;
    case ALGO_XXH64:
        avila_xxh64_update(&h->xxh64, block, n);
        break;
    case ALGO_XXH3:
        avila_xxh3_update(&h->xxh3, block, n);
        break;
    case ALGO_SIPHASH24:
    case ALGO_SIPHASH13:
        avila_siphash_update(&h->sip, block, n);
        break;
    }
    return 0;
}

/* The checksum's integer value. */
static uint64_t hasher_value(const struct hasher *h)
{
    switch (h->algo) {
    case ALGO_CRC32C:
        return h->crc;
    case ALGO_XXH64:
        return avila_xxh64_final(&h->xxh64);
    case ALGO_XXH3:
        return avila_xxh3_final(&h->xxh3);
    case ALGO_SIPHASH24:
    case ALGO_SIPHASH13:
        return avila_siphash_final(&h->sip);
    }
    return 0;
}

/* Writes the printed form (lowercase hex, NUL-terminated) into out. */
static void hasher_hex(const struct hasher *h, char out[17])
{
    uint8_t bytes[8];
    size_t width = h->algo == ALGO_CRC32C ? 4 : 8, len = 0; /* bytes */
    avila_store_be64(bytes, hasher_value(h));
    avila_hex_encode(out, 16, bytes + 8 - width, width, 0, &len);
    out[len] = '\0';
}

static int hash_one(enum algo algo, const uint8_t key[16], const char *path)
{
    int fd = cli_open_input("hash", path);
    if (fd < 0)
        return CLI_FAIL;
    struct hasher h;
    hasher_init(&h, algo, key);
    int rc = cli_stream("hash", path, fd, (size_t)256 * 1024, hasher_update, &h);
    cli_close_input(fd);
    if (rc != 0)
        return CLI_FAIL;
    char hex[17];
    hasher_hex(&h, hex);
    printf("%s  %s\n", hex, path);
    return CLI_OK;
}

int cmd_hash(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    uint8_t key[16] = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+k:h", longopts, NULL)) != -1) {
        size_t len = 0;
        switch (opt) {
        case 'k':
            if (strlen(optarg) != 32 || avila_hex_decode(key, sizeof key, optarg, 32, &len) < 0)
                return cli_usage_error("hash", "the key must be 32 hex digits");
            break;
        case 'h':
            return cli_help("hash");
        default:
            return cli_usage_error("hash", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("hash", "missing ALGO (crc32c, xxh64, xxh3, siphash, siphash13)");
    const char *name = argv[optind++];
    size_t i = 0;
    while (i < sizeof algos / sizeof algos[0] && strcmp(algos[i].name, name) != 0)
        i++;
    if (i == sizeof algos / sizeof algos[0])
        return cli_usage_error("hash", "unknown algorithm '%s'", name);

    int status = CLI_OK;
    if (optind == argc)
        status = hash_one(algos[i].algo, key, "-");
    for (; optind < argc; optind++)
        if (hash_one(algos[i].algo, key, argv[optind]) != CLI_OK)
            status = CLI_FAIL;
    if (fflush(stdout) != 0)
        return cli_fail("hash", "cannot write output");
    return status;
}
