/* apps/cmd_version.c - `avila version`: what this binary is and how it was built. */
#include <stdio.h>
#include <string.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/cpu.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/utf8.h"

#ifndef AVILA_VERSION
#define AVILA_VERSION "unknown"
#endif
#ifndef AVILA_BUILD_FLAGS
#define AVILA_BUILD_FLAGS "unknown"
#endif

const char cmd_version_usage[] =
    "usage: avila version\n"
    "Print the version, the compiler, the build flags and the CPU features\n"
    "detected and in use (AVILA_CPU=portable disables every fast path), and\n"
    "the implementation each dispatched module uses, one 'key: value' line each.\n";

int cmd_version(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cli_help("version");
    if (argc > 1)
        return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
    char detected[160], used[160];
    avila_cpu_describe(avila_cpu_detected(), detected, sizeof detected);
    avila_cpu_describe(avila_cpu_features(), used, sizeof used);
    printf("avila: %s\n", AVILA_VERSION);
#ifdef __clang__
    printf("compiler: %s\n", __VERSION__);
#else
    printf("compiler: gcc %s\n", __VERSION__);
#endif
    printf("flags: %s\n", AVILA_BUILD_FLAGS);
    printf("cpu-detected: %s\n", detected);
    printf("cpu-used: %s\n", used);
    printf("impl: crc32c=%s xxh3=%s utf8=%s base64=%s\n", avila_crc32c_impl(), avila_xxh3_impl(),
           avila_utf8_impl(), avila_base64_impl());
    return fflush(stdout) == 0 ? CLI_OK : cli_fail("version", "cannot write output");
}
