/*
 * tools/bench/bench_utf8.c - UTF-8 validation throughput (MB/s of input) on
 * 1 MB of ASCII, 1 MB of synthetic mixed text and twitter.json.
 *
 * twitter.json is read from $AVILA_SHARED/data/json/ (AVILA_SHARED defaults to
 * AVILA_SHARED_DIR, itself "../shared" unless given with -D, resolved from
 * the current directory); the case is skipped with a note when it is absent.
 * AVILA_CPU=portable (or avx2, ...) picks the variant measured.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "core/utf8.h"
#include "tools/bench/bench.h"

#ifndef AVILA_SHARED_DIR
#define AVILA_SHARED_DIR "../shared"
#endif

#define SIZE ((size_t)1 << 20)

struct input {
    const uint8_t *data;
    size_t len;
};

static void validate(void *ctx)
{
    const struct input *in = ctx;
    bench_consume((uint64_t)avila_utf8_validate(in->data, in->len));
}

static uint8_t *alloc_or_die(size_t n)
{
    uint8_t *p = malloc(n);
    if (!p) {
        fprintf(stderr, "bench_utf8: out of memory\n");
        exit(1);
    }
    return p;
}

/* Printable ASCII. */
static uint8_t *ascii_text(size_t n)
{
    uint8_t *p = bench_random_bytes(n, 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(0x20 + p[i] % 95);
    return p;
}

/*
 * Half the code points ASCII, the rest split evenly between 2-, 3- and
 * 4-byte ones (no surrogates), filled up to exactly n bytes with ASCII.
 */
static uint8_t *mixed_text(size_t n)
{
    uint8_t *p = alloc_or_die(n);
    uint64_t x = 0x9e3779b97f4a7c15u;
    size_t i = 0;
    while (i < n) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t r = (uint32_t)(x >> 32), cp;
        switch (r % 6) {
        case 0:
            cp = 0x80 + r / 6 % 0x780;
            break;
        case 1:
            cp = 0x800 + r / 6 % (0x10000 - 0x800 - 0x800);
            cp += cp >= 0xD800 ? 0x800 : 0; /* skip the surrogates */
            break;
        case 2:
            cp = 0x10000 + r / 6 % 0x100000;
            break;
        default:
            cp = 0x20 + r / 6 % 95;
            break;
        }
        uint8_t seq[AVILA_UTF8_MAX_LEN];
        int len = avila_utf8_encode(cp, seq);
        if (len < 0 || (size_t)len > n - i)
            len = avila_utf8_encode(' ', seq);
        for (int k = 0; k < len; k++)
            p[i++] = seq[k];
    }
    return p;
}

/* Reads a whole file into a malloc'd buffer; NULL if it cannot. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *p = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size > 0 && fseek(f, 0, SEEK_SET) == 0) {
        p = alloc_or_die((size_t)size);
        if (fread(p, 1, (size_t)size, f) != (size_t)size) {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    *len = (size_t)size;
    return p;
}

static void run(const char *name, uint8_t *data, size_t len)
{
    struct input in = {data, len};
    if (avila_utf8_validate(data, len) != 0) {
        fprintf(stderr, "bench_utf8: %s is not valid UTF-8\n", name);
        exit(1);
    }
    bench_throughput("core", name, validate, &in, (double)len);
    free(data);
}

int main(void)
{
    avila_cpu_init();
    fprintf(stderr, "bench_utf8: variant %s\n", avila_utf8_impl());
    run("utf8-validate/ascii", ascii_text(SIZE), SIZE);
    run("utf8-validate/mixed", mixed_text(SIZE), SIZE);

    const char *shared = getenv("AVILA_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/data/json/twitter.json", shared ? shared : AVILA_SHARED_DIR);
    size_t len = 0;
    uint8_t *json = read_file(path, &len);
    if (json)
        run("utf8-validate/twitter.json", json, len);
    else
        fprintf(stderr, "bench_utf8: skipping utf8-validate/twitter.json (cannot read %s)\n", path);
    return 0;
}
