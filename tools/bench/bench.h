/*
 * tools/bench/bench.h - timing for `make bench`.
 *
 * Same method as ../shared/anchors: after a warm-up, the median of 5 timed
 * runs of at least 0.2 s of work each (BENCH_MIN_SECONDS overrides 0.2 for
 * quick checks). Time is the process's CPU time, as `openssl speed` counts
 * it, so other load on the machine does not distort single-threaded
 * figures; BENCH_WALL=1 in the environment switches to wall-clock time.
 * Results are printed as "BENCH <module> <case> <value> <unit>", MB = 10^6
 * bytes, so anchors/compare can join them with the anchors' lines.
 * BENCH_FILTER=text runs only the cases whose "module case" contains text.
 */
#ifndef AVILA_TOOLS_BENCH_H
#define AVILA_TOOLS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the median seconds one call of fn(ctx) takes. */
double bench_time(void (*fn)(void *ctx), void *ctx);

/*
 * True if the case "module name" passes BENCH_FILTER (always when it is
 * unset). bench_throughput and bench_ns_per_op skip unselected cases
 * themselves; callers with costly setup can test first.
 */
bool bench_selected(const char *module, const char *name);

/* Times fn and prints its throughput: bytes_per_call / seconds, in MB/s. */
void bench_throughput(const char *module, const char *name, void (*fn)(void *ctx), void *ctx,
                      double bytes_per_call);

/* Times fn and prints operations per second (ops_per_call per call) in unit ("req/s", ...). */
void bench_rate(const char *module, const char *name, void (*fn)(void *ctx), void *ctx,
                double ops_per_call, const char *unit);

/* Times fn and prints nanoseconds per operation (ops_per_call operations per call). */
void bench_ns_per_op(const char *module, const char *name, void (*fn)(void *ctx), void *ctx,
                     double ops_per_call);

/* The median of v[0 .. n) (n >= 1; v is sorted in place). */
double bench_median(double *v, size_t n);

/* Monotonic wall-clock seconds, for cases that time threads or I/O themselves. */
double bench_wall_seconds(void);

/* Prints one BENCH line. */
void bench_print(const char *module, const char *name, double value, const char *unit);

/* Keeps a computed value alive so the compiler cannot drop the work. */
void bench_consume(uint64_t v);

/*
 * Reads the benchmark input <shared>/<rel> into a new malloc'd buffer with
 * a NUL after its *len bytes. <shared> is $AVILA_SHARED if set, else the
 * ../shared directory next to the source tree (../shared/data/json/... for
 * the JSON files). Returns NULL after a note on stderr if the file cannot
 * be read, so the caller skips its case.
 */
char *bench_read_shared(const char *rel, size_t *len);

/* A deterministic buffer of n pseudo-random bytes (malloc'd; exits on failure). */
uint8_t *bench_random_bytes(size_t n, uint64_t seed);

#endif
