/* tools/bench/bench.c - timing loop and BENCH line output (see bench.h). */
#include "tools/bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

static volatile uint64_t sink;

void bench_consume(uint64_t v)
{
    sink ^= v;
}

/*
 * The process's CPU time, as `openssl speed` counts by default: on a shared
 * machine it does not charge us for other processes' time slices.
 * BENCH_WALL=1 measures wall-clock time instead.
 */
static double now(void)
{
    static int wall = -1;
    if (wall < 0)
        wall = getenv("BENCH_WALL") != NULL;
    struct timespec ts;
    clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* BENCH_MIN_SECONDS if it is a number of seconds in (0, 3600], else 0.2 with a warning. */
static double min_seconds(void)
{
    const char *s = getenv("BENCH_MIN_SECONDS");
    if (!s)
        return 0.2;
    char *end;
    double v = strtod(s, &end);
    /* The bounds also reject nan and inf: inf would never end calibration. */
    if (end == s || *end != '\0' || !(v > 0 && v <= 3600)) {
        static int warned;
        if (!warned)
            fprintf(stderr, "bench: ignoring BENCH_MIN_SECONDS=%s (want seconds in (0, 3600])\n",
                    s);
        warned = 1;
        return 0.2;
    }
    return v;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_time(void (*fn)(void *ctx), void *ctx)
{
    double target = min_seconds();
    /* Calibration doubles the call count until one run lasts long enough; it is also the warm-up.
     */
    uint64_t calls = 1;
    for (;;) {
        double t0 = now();
        for (uint64_t i = 0; i < calls; i++)
            fn(ctx);
        double t = now() - t0;
        if (t >= target)
            break;
        calls = t > 0 ? (uint64_t)((double)calls * target * 1.2 / t) + 1 : calls * 2;
        if (calls > ((uint64_t)1 << 40))
            calls = (uint64_t)1 << 40;
    }
    double per_call[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        for (uint64_t i = 0; i < calls; i++)
            fn(ctx);
        per_call[r] = (now() - t0) / (double)calls;
    }
    return bench_median(per_call, RUNS);
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(double), compare_doubles);
    return v[n / 2];
}

double bench_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_print(const char *module, const char *name, double value, const char *unit)
{
    printf("BENCH %s %s %.1f %s\n", module, name, value, unit);
    fflush(stdout);
}

bool bench_selected(const char *module, const char *name)
{
    const char *filter = getenv("BENCH_FILTER");
    if (filter == NULL || *filter == '\0')
        return true;
    char full[256];
    snprintf(full, sizeof full, "%s %s", module, name);
    return strstr(full, filter) != NULL;
}

void bench_throughput(const char *module, const char *name, void (*fn)(void *ctx), void *ctx,
                      double bytes_per_call)
{
    if (!bench_selected(module, name))
        return;
    bench_print(module, name, bytes_per_call / bench_time(fn, ctx) / 1e6, "MB/s");
}

void bench_rate(const char *module, const char *name, void (*fn)(void *ctx), void *ctx,
                double ops_per_call, const char *unit)
{
    if (!bench_selected(module, name))
        return;
    bench_print(module, name, ops_per_call / bench_time(fn, ctx), unit);
}

void bench_ns_per_op(const char *module, const char *name, void (*fn)(void *ctx), void *ctx,
                     double ops_per_call)
{
    if (!bench_selected(module, name))
        return;
    bench_print(module, name, bench_time(fn, ctx) * 1e9 / ops_per_call, "ns/op");
}

uint8_t *bench_random_bytes(size_t n, uint64_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    uint64_t x = seed | 1; /* xorshift never leaves 0 */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
    return p;
}

char *bench_read_shared(const char *rel, size_t *len)
{
    const char *shared = getenv("AVILA_SHARED");
    char path[4096];
    if (shared)
        snprintf(path, sizeof path, "%s/%s", shared, rel);
    else
        snprintf(path, sizeof path, "%s/../shared/%s", AVILA_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)size + 1)) != NULL) {
        if (fread(p, 1, (size_t)size, f) == (size_t)size) {
            p[size] = '\0';
            *len = (size_t)size;
        } else {
            free(p);
            p = NULL;
        }
    }
    if (f)
        fclose(f);
    if (!p)
        fprintf(stderr, "bench: skipping the cases of %s (cannot read %s)\n", rel, path);
    return p;
}
