/*
 * tests/ct/ct_mp.c - constant-time check of crypto/mp.h under valgrind
 * memcheck (see tests/ct/ct_core.c for the method).
 *
 * Secret: the moduli (RSA primes are), bases, exponents, the values
 * inverted or reduced, lambda, the bytes converted. Public: limb counts,
 * single-word divisors and exponents e, shift amounts, and results once
 * computed (declassified before use; a value-dependent verdict such as
 * "not invertible" is the one intended leak and is declassified here).
 * Runs the portable kernels through the dispatcher and the mulx/adx
 * kernels directly (valgrind's CPUID hides ADX, so the dispatcher would
 * never pick them, but valgrind executes mulx/adcx/adox itself).
 * With --leaky it runs a textbook square-and-multiply that multiplies only
 * when the secret exponent bit is set, to show the method catches a
 * secret-dependent branch.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "crypto/mp.h"
#include "crypto/mp_int.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define MAXL         AVILA_MP_MAX_LIMBS

static unsigned checks;
static uint64_t folded;
static uint64_t work[AVILA_MP_MODEXP_WORK_LIMBS(MAXL)];

static void use(const void *p, size_t n)
{
    uint8_t b[8 * MAXL];
    memcpy(b, p, n);
    PUBLIC(b, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + b[i];
    checks++;
}

static void use_rc(int rc)
{
    PUBLIC(&rc, sizeof rc);
    use(&rc, sizeof rc);
}

static void fill(uint64_t *a, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        a[i] = seed ^ (seed >> 29);
    }
}

/* An odd modulus of n limbs, top bit set, then marked secret. */
static void secret_modulus(struct avila_mp_mont *c, size_t n, uint64_t seed)
{
    uint64_t m[MAXL];
    fill(m, n, seed);
    m[0] |= 1;
    m[n - 1] |= UINT64_C(1) << 63;
    SECRET(m, n * sizeof m[0]);
    use_rc(avila_mp_mont_init(c, m, n));
}

static void run(size_t n, const char *label)
{
    struct avila_mp_mont c;
    uint64_t a[MAXL], b[MAXL], e[MAXL], r[MAXL], wide[2 * MAXL + 1];
    secret_modulus(&c, n, n);
    fill(a, n, 1);
    fill(b, n, 2);
    fill(e, n, 3);
    fill(wide, 2 * n, 4);
    avila_mp_reduce(&c, a, a, n);
    SECRET(a, n * 8);
    SECRET(b, n * 8);
    SECRET(e, n * 8);
    SECRET(wide, 2 * n * 8);

    avila_mp_montmul(&c, r, a, b);
    use(r, n * 8);
    avila_mp_montsqr(&c, r, a);
    use(r, n * 8);
    avila_mp_to_mont(&c, r, b);
    use(r, n * 8);
    avila_mp_from_mont(&c, r, b);
    use(r, n * 8);
    use_rc(avila_mp_reduce(&c, r, wide, 2 * n));
    use(r, n * 8);
    avila_mp_modadd(&c, r, a, r);
    use(r, n * 8);
    avila_mp_modsub(&c, r, a, b);
    use(r, n * 8);
    use_rc(avila_mp_modexp(&c, r, b, e, n, work, AVILA_ARRAY_LEN(work)));
    use(r, n * 8);
    use_rc(avila_mp_modinv(&c, r, a));
    use(r, n * 8);
    use_rc(avila_mp_modinv_prime(&c, r, a, work, AVILA_ARRAY_LEN(work)));
    use(r, n * 8);
#if AVILA_X86_64
    if (n % 4 == 0) {
        uint64_t t[AVILA_MP_SCRATCH_LIMBS];
        avila_mp_montmul_adx(&c, r, a, b, t);
        use(r, n * 8);
        avila_mp_montsqr_adx(&c, r, a, t);
        use(r, n * 8);
    }
#endif
    printf("ct_mp: %zu limbs (%s) ok\n", n, label);
}

static void run_basics(void)
{
    uint64_t a[8], b[8], r[16], lam[8], d[8];
    uint8_t bytes[72];
    fill(a, 8, 5);
    fill(b, 8, 6);
    memset(bytes, 0, 8);
    fill((uint64_t *)(void *)r, 8, 7);
    memcpy(bytes + 8, r, 64);
    SECRET(a, sizeof a);
    SECRET(b, sizeof b);
    SECRET(bytes, sizeof bytes);
    use_rc(avila_mp_from_bytes(r, 8, bytes, sizeof bytes));
    use(r, 64);
    use_rc(avila_mp_to_bytes(bytes, 60, a, 8));
    use(bytes, 60);
    use(&(uint64_t){avila_mp_add(r, a, b, 8)}, 8);
    use(&(uint64_t){avila_mp_sub(r, a, b, 8)}, 8);
    use(r, 64);
    use(&(uint64_t){avila_mp_lt_mask(a, b, 8)}, 8);
    use(&(uint64_t){avila_mp_eq_mask(a, b, 8)}, 8);
    use(&(uint64_t){avila_mp_zero_mask(a, 8)}, 8);
    use_rc(avila_mp_cmp(a, b, 8));
    use(&(size_t){avila_mp_bitlen(a, 8)}, sizeof(size_t));
    avila_mp_select(r, avila_mp_lt_mask(a, b, 8), a, b, 8);
    use(r, 64);
    avila_mp_cswap(avila_mp_lt_mask(a, b, 8), r, b, 8);
    use(r, 64);
    avila_mp_shl(r, a, 8, 77);
    avila_mp_shr(r, r, 8, 3);
    use(r, 64);
    avila_mp_mul(r, a, 8, b, 8);
    use(r, 128);
    use(&(uint64_t){avila_mp_mod_word(a, 8, 65537)}, 8);
    use(&(uint64_t){avila_mp_mod_word(a, 8, UINT64_C(0xffffffffffffffc5))}, 8);
    /* The RSA private exponent: lambda secret, e public. */
    fill(lam, 8, 8);
    lam[0] &= ~(uint64_t)1;
    SECRET(lam, sizeof lam);
    use_rc(avila_mp_rsa_private_exponent(d, lam, 8, 65537));
    use(d, 64);
    printf("ct_mp: limb basics, conversions, RSA exponent ok\n");
}

/* Multiplies only when the exponent bit is set: the branch valgrind must catch. */
static void leaky_modexp(void)
{
    struct avila_mp_mont c;
    uint64_t base[4], e[4], acc[4] = {1};
    secret_modulus(&c, 4, 9);
    PUBLIC(&c, sizeof c);
    fill(base, 4, 10);
    fill(e, 4, 11);
    SECRET(e, sizeof e);
    avila_mp_to_mont(&c, acc, acc);
    for (size_t i = 256; i-- > 0;) {
        avila_mp_montsqr(&c, acc, acc);
        if ((e[i / 64] >> (i % 64)) & 1)
            avila_mp_montmul(&c, acc, acc, base);
    }
    use(acc, sizeof acc);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        leaky_modexp();
        return 0;
    }
    avila_cpu_restrict(0);
    run(1, "portable");
    run(5, "portable");
    run(16, "portable");
#if AVILA_X86_64
    const uint32_t adx = AVILA_CPU_BMI2 | AVILA_CPU_ADX;
    if (RUNNING_ON_VALGRIND || (avila_cpu_detected() & adx) == adx)
        run(8, "portable, and adx kernels directly");
#endif
    avila_cpu_restrict(AVILA_CPU_ALL);
    run(16, "dispatched");
    run_basics();
    printf("ct_mp: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
