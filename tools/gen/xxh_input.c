/*
 * tools/gen/xxh_input.c - writes the first N bytes of the xxHash sanity-check
 * buffer to stdout: byte i is g_i >> 56 with g_0 = 0x9E3779B1 and
 * g_{i+1} = g_i * 0x9E3779B185EBCA8D mod 2^64 (the generator of xxHash's
 * cli/xsum_sanity_check.c). tools/gen/hash-vectors.sh feeds these inputs to
 * xxhsum; tests/core/test_hash.c regenerates them to check the results.
 *
 * usage: xxh_input N
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xxh_input N\n");
        return 2;
    }
    char *end;
    unsigned long long n = strtoull(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || n > (1ull << 30)) {
        fprintf(stderr, "xxh_input: N must be a decimal count up to 2^30\n");
        return 2;
    }
    uint64_t g = 0x9E3779B1u;
    for (unsigned long long i = 0; i < n; i++) {
        putchar((int)(g >> 56));
        g *= 0x9E3779B185EBCA8Dull;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
