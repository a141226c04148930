/*
 * tools/bench/bench_fpconv.c - core/fpconv speed against libc in the same
 * run: parsing (avila_fp_parse vs strtod) of the numbers of canada.json and
 * of random doubles printed with 17 significant digits, in MB/s of number
 * text and ns per number; printing of random doubles (avila_fp_shortest and
 * avila_fp_format vs snprintf "%.17g") in ns per number. Each pair ends with
 * a "ratio" line: how many times faster than libc.
 *
 * canada.json comes from ../shared/data/json/ (bench_read_shared); that
 * case is skipped with a note when the file is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fpconv.h"
#include "tools/bench/bench.h"

#define RANDOM_COUNT 100000

/* Numbers as NUL-terminated strings packed one after another. */
struct numbers {
    char *text;
    size_t *start, *len;
    size_t count, bytes;
    double *values;
};

static void *alloc_or_die(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_fpconv: out of memory\n");
        exit(1);
    }
    return p;
}

static void numbers_init(struct numbers *nb, size_t cap_count, size_t cap_bytes)
{
    nb->text = alloc_or_die(cap_bytes);
    nb->start = alloc_or_die(cap_count * sizeof *nb->start);
    nb->len = alloc_or_die(cap_count * sizeof *nb->len);
    nb->values = alloc_or_die(cap_count * sizeof *nb->values);
    nb->count = nb->bytes = 0;
}

static void numbers_add(struct numbers *nb, const char *s, size_t n)
{
    nb->start[nb->count] = nb->bytes;
    nb->len[nb->count++] = n;
    memcpy(nb->text + nb->bytes, s, n);
    nb->bytes += n;
    nb->text[nb->bytes++] = '\0';
}

static void numbers_free(struct numbers *nb)
{
    free(nb->text);
    free(nb->start);
    free(nb->len);
    free(nb->values);
}

static void parse_avila(void *ctx)
{
    struct numbers *nb = ctx;
    for (size_t i = 0; i < nb->count; i++)
        avila_fp_parse(nb->text + nb->start[i], nb->len[i], &nb->values[i], NULL);
    bench_consume((uint64_t)nb->values[nb->count / 2]);
}

static void parse_strtod(void *ctx)
{
    struct numbers *nb = ctx;
    for (size_t i = 0; i < nb->count; i++)
        nb->values[i] = strtod(nb->text + nb->start[i], NULL);
    bench_consume((uint64_t)nb->values[nb->count / 2]);
}

static void run_parse(const char *name, struct numbers *nb)
{
    char label[128];
    snprintf(label, sizeof label, "fp-parse/%s", name);
    if (!bench_selected("core", label))
        return;
    /* Same answers first (strtod rounds correctly in glibc). */
    for (size_t i = 0; i < nb->count; i++) {
        double v;
        if (avila_fp_parse(nb->text + nb->start[i], nb->len[i], &v, NULL) != 0 ||
            v != strtod(nb->text + nb->start[i], NULL)) {
            fprintf(stderr, "bench_fpconv: %s: disagreement on %s\n", name,
                    nb->text + nb->start[i]);
            exit(1);
        }
    }
    double text_bytes = (double)(nb->bytes - nb->count);
    double ta = bench_time(parse_avila, nb), ts = bench_time(parse_strtod, nb);
    snprintf(label, sizeof label, "fp-parse/%s", name);
    bench_print("core", label, text_bytes / ta / 1e6, "MB/s");
    bench_print("core", label, ta * 1e9 / (double)nb->count, "ns/op");
    snprintf(label, sizeof label, "fp-parse/%s-strtod", name);
    bench_print("core", label, text_bytes / ts / 1e6, "MB/s");
    bench_print("core", label, ts * 1e9 / (double)nb->count, "ns/op");
    snprintf(label, sizeof label, "fp-parse/%s-vs-strtod", name);
    bench_print("core", label, ts / ta, "ratio");
}

/* The numbers of a JSON text: maximal runs of number characters that start a number. */
static void extract_numbers(struct numbers *nb, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) && (i == 0 || strchr("[,: ", s[i - 1]))) {
            size_t j = i;
            while (j < n && strchr("0123456789.eE+-", s[j]) && s[j] != '\0')
                j++;
            numbers_add(nb, s + i, j - i);
            i = j;
        } else {
            i++;
        }
    }
}

/* Random finite doubles, spread over the whole exponent range. */
static double *random_doubles(size_t n)
{
    uint64_t *bits = (uint64_t *)bench_random_bytes(n * sizeof(uint64_t), 7);
    double *v = alloc_or_die(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        uint64_t b = bits[i];
        if ((b & 0x7FF0000000000000u) == 0x7FF0000000000000u)
            b ^= 0x4000000000000000u;
        memcpy(&v[i], &b, sizeof b);
    }
    free(bits);
    return v;
}

struct print_ctx {
    const double *v;
    size_t n;
};

static void print_shortest(void *ctx)
{
    const struct print_ctx *p = ctx;
    uint64_t acc = 0;
    for (size_t i = 0; i < p->n; i++) {
        char d[17];
        int e;
        acc += (uint64_t)avila_fp_shortest(p->v[i], d, &e) + (uint64_t)e + (uint8_t)d[0];
    }
    bench_consume(acc);
}

static void print_format(void *ctx)
{
    const struct print_ctx *p = ctx;
    uint64_t acc = 0;
    for (size_t i = 0; i < p->n; i++) {
        char buf[AVILA_FP_FORMAT_MAX];
        acc += avila_fp_format(p->v[i], buf) + (uint8_t)buf[0];
    }
    bench_consume(acc);
}

static void print_snprintf(void *ctx)
{
    const struct print_ctx *p = ctx;
    uint64_t acc = 0;
    for (size_t i = 0; i < p->n; i++) {
        char buf[32];
        acc += (uint64_t)snprintf(buf, sizeof buf, "%.17g", p->v[i]) + (uint8_t)buf[0];
    }
    bench_consume(acc);
}

int main(void)
{
    size_t len = 0;
    char *json = bench_read_shared("data/json/canada.json", &len);
    if (json) {
        struct numbers nb;
        numbers_init(&nb, len / 2 + 1, len + len / 2 + 1);
        extract_numbers(&nb, json, len);
        free(json);
        run_parse("canada", &nb);
        numbers_free(&nb);
    }

    double *v = random_doubles(RANDOM_COUNT);
    struct numbers nb;
    numbers_init(&nb, RANDOM_COUNT, (size_t)RANDOM_COUNT * 32);
    for (size_t i = 0; i < RANDOM_COUNT; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%.17g", v[i]);
        numbers_add(&nb, buf, (size_t)n);
    }
    run_parse("random17", &nb);
    numbers_free(&nb);

    struct print_ctx pc = {v, RANDOM_COUNT};
    if (!bench_selected("core", "fp-shortest/random fp-format/random")) {
        free(v);
        return 0;
    }
    double tsh = bench_time(print_shortest, &pc), tf = bench_time(print_format, &pc),
           tp = bench_time(print_snprintf, &pc);
    bench_print("core", "fp-shortest/random", tsh * 1e9 / RANDOM_COUNT, "ns/op");
    bench_print("core", "fp-format/random", tf * 1e9 / RANDOM_COUNT, "ns/op");
    bench_print("core", "fp-format/random-snprintf17g", tp * 1e9 / RANDOM_COUNT, "ns/op");
    bench_print("core", "fp-format/random-vs-snprintf17g", tp / tf, "ratio");
    free(v);
    return 0;
}
