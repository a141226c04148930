/*
 * tools/bench/bench_encoding.c - base64, hex and base32 throughput on 1 MB of
 * random bytes (encoders) or of their encoding (decoders), MB/s of input.
 * AVILA_CPU=portable measures the portable base64 code.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "core/encoding.h"
#include "tools/bench/bench.h"

#define SIZE ((size_t)1 << 20)

struct job {
    int (*encode)(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                  size_t *out_len);
    int (*decode)(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                  size_t *out_len);
    const uint8_t *bytes;
    size_t nbytes;
    char *text;
    size_t ntext;
    uint8_t *out;
};

static int hex_decode(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                      size_t *out_len)
{
    (void)flags;
    return avila_hex_decode(dst, cap, src, n, out_len);
}

static void encode(void *ctx)
{
    struct job *j = ctx;
    size_t len = 0;
    if (j->encode(j->text, 2 * SIZE + 8, j->bytes, j->nbytes, 0, &len) != 0)
        abort();
    bench_consume(len ^ (uint8_t)j->text[len / 2]);
}

static void decode(void *ctx)
{
    struct job *j = ctx;
    size_t len = 0;
    if (j->decode(j->out, SIZE, j->text, j->ntext, 0, &len) != 0)
        abort();
    bench_consume(len ^ j->out[len / 2]);
}

static void run(const char *codec, struct job *j)
{
    char name[64];
    j->ntext = 0;
    if (j->encode(j->text, 2 * SIZE + 8, j->bytes, j->nbytes, 0, &j->ntext) != 0)
        abort();
    snprintf(name, sizeof name, "%s-encode", codec);
    bench_throughput("core", name, encode, j, (double)j->nbytes);
    snprintf(name, sizeof name, "%s-decode", codec);
    bench_throughput("core", name, decode, j, (double)j->ntext);
}

int main(void)
{
    avila_cpu_init();
    fprintf(stderr, "bench_encoding: base64 variant %s\n", avila_base64_impl());
    uint8_t *bytes = bench_random_bytes(SIZE, 42);
    char *text = malloc(2 * SIZE + 8);
    uint8_t *out = malloc(SIZE);
    if (!text || !out) {
        fprintf(stderr, "bench_encoding: out of memory\n");
        free(bytes);
        free(text);
        free(out);
        return 1;
    }
    struct job b64 = {avila_base64_encode, avila_base64_decode, bytes, SIZE, text, 0, out};
    struct job hex = {avila_hex_encode, hex_decode, bytes, SIZE, text, 0, out};
    struct job b32 = {avila_base32_encode, avila_base32_decode, bytes, SIZE, text, 0, out};
    run("base64", &b64);
    run("hex", &hex);
    run("base32", &b32);
    free(bytes);
    free(text);
    free(out);
    return 0;
}
