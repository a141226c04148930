/*
 * tools/bench/bench_kdf.c - key derivation costs.
 *
 * pbkdf2-sha256 and pbkdf2-sha512: PRF iterations per second (one 32- or
 * 64-byte block of 100000 iterations per call), hmac-sha256/64B: MACs of
 * 64-byte messages per second, scrypt/n16384-r8-p1 and
 * argon2id/t3-m65536-p1 (RFC 9106's second recommended setting, 64 MiB):
 * milliseconds per derivation with the work area allocated once. The
 * /portable cases force the portable code with avila_cpu_restrict(0).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "crypto/hmac.h"
#include "crypto/kdf.h"
#include "tools/bench/bench.h"

#define PBKDF2_ITERATIONS 100000
#define HMAC_MESSAGES     1000
#define SCRYPT_N          16384
#define SCRYPT_R          8
#define ARGON2_M          65536
#define ARGON2_T          3

static void *work;

static void run_pbkdf2_sha256(void *ctx)
{
    (void)ctx;
    uint8_t out[32];
    avila_pbkdf2(&avila_digest_sha256, out, sizeof out, "password", 8, "saltsaltsaltsalt", 16,
                 PBKDF2_ITERATIONS);
    bench_consume(out[0]);
}

static void run_pbkdf2_sha512(void *ctx)
{
    (void)ctx;
    uint8_t out[64];
    avila_pbkdf2(&avila_digest_sha512, out, sizeof out, "password", 8, "saltsaltsaltsalt", 16,
                 PBKDF2_ITERATIONS);
    bench_consume(out[0]);
}

static void run_hmac_sha256(void *ctx)
{
    (void)ctx;
    uint8_t msg[64] = {0}, mac[32];
    for (int i = 0; i < HMAC_MESSAGES; i++) {
        avila_hmac(&avila_digest_sha256, "0123456789abcdef0123456789abcdef", 32, msg, sizeof msg,
                   mac);
        msg[0] = mac[0];
    }
    bench_consume(mac[0]);
}

static void run_scrypt(void *ctx)
{
    (void)ctx;
    uint8_t out[32];
    avila_scrypt(out, sizeof out, "password", 8, "saltsaltsaltsalt", 16, SCRYPT_N, SCRYPT_R, 1,
                 work, AVILA_SCRYPT_WORK_SIZE(SCRYPT_N, SCRYPT_R, 1));
    bench_consume(out[0]);
}

static void run_argon2id(void *ctx)
{
    (void)ctx;
    const struct avila_argon2_params p = {ARGON2_T, ARGON2_M, 1, NULL, 0, NULL, 0};
    uint8_t out[32];
    avila_argon2id(out, sizeof out, "password", 8, "saltsaltsaltsalt", 16, &p, work,
                   AVILA_ARGON2_WORK_SIZE(ARGON2_M));
    bench_consume(out[0]);
}

static void per_second(const char *name, void (*fn)(void *), double ops_per_call, const char *unit)
{
    bench_rate("crypto", name, fn, NULL, ops_per_call, unit);
}

static void milliseconds(const char *name, void (*fn)(void *))
{
    if (bench_selected("crypto", name))
        bench_print("crypto", name, bench_time(fn, NULL) * 1e3, "ms");
}

int main(void)
{
    avila_cpu_init();
    size_t scrypt_size = AVILA_SCRYPT_WORK_SIZE(SCRYPT_N, SCRYPT_R, 1);
    size_t argon2_size = AVILA_ARGON2_WORK_SIZE(ARGON2_M);
    work = malloc(scrypt_size > argon2_size ? scrypt_size : argon2_size);
    if (!work) {
        fprintf(stderr, "bench_kdf: out of memory\n");
        return 1;
    }
    const uint32_t detected = avila_cpu_features();
    per_second("pbkdf2-sha256", run_pbkdf2_sha256, PBKDF2_ITERATIONS, "iterations/s");
    per_second("pbkdf2-sha512", run_pbkdf2_sha512, PBKDF2_ITERATIONS, "iterations/s");
    per_second("hmac-sha256/64B", run_hmac_sha256, HMAC_MESSAGES, "ops/s");
    milliseconds("scrypt/n16384-r8-p1", run_scrypt);
    milliseconds("argon2id/t3-m65536-p1", run_argon2id);
    avila_cpu_restrict(0);
    per_second("pbkdf2-sha256/portable", run_pbkdf2_sha256, PBKDF2_ITERATIONS, "iterations/s");
    per_second("pbkdf2-sha512/portable", run_pbkdf2_sha512, PBKDF2_ITERATIONS, "iterations/s");
    milliseconds("argon2id/t3-m65536-p1/portable", run_argon2id);
    avila_cpu_restrict(detected);
    free(work);
    return 0;
}
