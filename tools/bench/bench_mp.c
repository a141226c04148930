/*
 * tools/bench/bench_mp.c - constant-time multi-precision arithmetic
 * (crypto/mp.h) at RSA sizes.
 *
 * montmul/<n>L and montsqr/<n>L: nanoseconds per Montgomery multiplication
 * or squaring of n 64-bit limbs (16: the 1024-bit halves of RSA-2048 CRT;
 * 32: RSA-2048 and RSA-4096 halves; 64: RSA-4096), 1000 chained operations
 * per call. modexp/<bits>: microseconds per constant-time exponentiation
 * with a full-length exponent (1024: one CRT half of an RSA-2048 signature;
 * 2048: one of RSA-4096, or RSA-2048 without CRT); with AVX-512 IFMA these
 * run in radix 2^52, and the /adx cases repeat them without it.
 * modinv/<bits>: the
 * constant-time inverse (RSA key generation). The /portable cases force the
 * portable kernels with avila_cpu_restrict(0). Moduli and operands are
 * fixed pseudo-random odd numbers with the top bit set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "crypto/mp.h"
#include "tools/bench/bench.h"

#define CHAIN 1000

static struct avila_mp_mont ctx;
static uint64_t a[AVILA_MP_MAX_LIMBS], e[AVILA_MP_MAX_LIMBS];
static uint64_t work[AVILA_MP_MODEXP_WORK_LIMBS(AVILA_MP_MAX_LIMBS)];

static void setup(size_t n)
{
    uint8_t *bytes = bench_random_bytes(n * 24, n);
    uint64_t m[AVILA_MP_MAX_LIMBS];
    memcpy(m, bytes, 8 * n);
    memcpy(a, bytes + 8 * n, 8 * n);
    memcpy(e, bytes + 16 * n, 8 * n);
    m[0] |= 1;
    m[n - 1] |= UINT64_C(1) << 63;
    free(bytes);
    if (avila_mp_mont_init(&ctx, m, n) != 0) {
        fprintf(stderr, "bench_mp: bad modulus\n");
        exit(1);
    }
    avila_mp_reduce(&ctx, a, a, n);
}

static void run_montmul(void *p)
{
    (void)p;
    for (int i = 0; i < CHAIN; i++)
        avila_mp_montmul(&ctx, a, a, e);
    bench_consume(a[0]);
}

static void run_montsqr(void *p)
{
    (void)p;
    for (int i = 0; i < CHAIN; i++)
        avila_mp_montsqr(&ctx, a, a);
    bench_consume(a[0]);
}

static void run_modexp(void *p)
{
    (void)p;
    avila_mp_modexp(&ctx, a, a, e, ctx.n, work, sizeof work / sizeof work[0]);
    bench_consume(a[0]);
}

/* modexp/<bits>. */
static void exp_cases(const char *suffix)
{
    char name[64];
    for (size_t n = 16; n <= 32; n *= 2) {
        setup(n);
        snprintf(name, sizeof name, "modexp/%zu%s", 64 * n, suffix);
        if (bench_selected("crypto", name))
            bench_print("crypto", name, bench_time(run_modexp, NULL) * 1e6, "us");
    }
}

static void run_modinv(void *p)
{
    (void)p;
    avila_mp_modinv(&ctx, a, a);
    bench_consume(a[0]);
}

static void cases(const char *suffix)
{
    static const size_t limbs[] = {16, 32, 64};
    char name[64];
    for (size_t i = 0; i < sizeof limbs / sizeof limbs[0]; i++) {
        size_t n = limbs[i];
        setup(n);
        snprintf(name, sizeof name, "montmul/%zuL%s", n, suffix);
        bench_ns_per_op("crypto", name, run_montmul, NULL, CHAIN);
        snprintf(name, sizeof name, "montsqr/%zuL%s", n, suffix);
        bench_ns_per_op("crypto", name, run_montsqr, NULL, CHAIN);
    }
    exp_cases(suffix);
    setup(16);
    snprintf(name, sizeof name, "modinv/1024%s", suffix);
    if (bench_selected("crypto", name))
        bench_print("crypto", name, bench_time(run_modinv, NULL) * 1e6, "us");
}

int main(void)
{
    avila_cpu_init();
    const uint32_t detected = avila_cpu_features();
    cases("");
    if (detected & AVILA_CPU_AVX512IFMA) {
        avila_cpu_restrict(detected & ~(uint32_t)AVILA_CPU_AVX512IFMA);
        exp_cases("/adx");
    }
    avila_cpu_restrict(0);
    cases("/portable");
    avila_cpu_restrict(detected);
    return 0;
}
