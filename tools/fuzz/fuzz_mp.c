/*
 * tools/fuzz/fuzz_mp.c - libFuzzer harness for the constant-time
 * multi-precision integers (crypto/mp.h).
 *
 * Input layout: byte 0 picks the limb count n (1 to 16) and byte 1 the
 * exponent's (1 to n); then the modulus m, the operands a and b and the
 * exponent e, 8 n bytes each in big-endian order (zero-padded when the
 * input is short). m is made odd. Properties:
 *   - montmul of the Montgomery forms, converted back, equals the
 *     schoolbook product reduced by avila_mp_reduce, and montsqr equals
 *     montmul(a, a); the mulx/adx kernels give the portable ones' results
 *     (on CPUs that have them, n a multiple of 4);
 *   - avila_mp_modinv either returns a' with a a' = 1 mod m, or refuses
 *     and writes 0 (and then a has no inverse: a = 0, or m = 1 with no
 *     refusal expected);
 *   - avila_mp_modexp and avila_mp_modexp_vartime agree;
 *   - bytes -> limbs -> bytes is the identity; avila_mp_mod_word agrees
 *     with avila_mp_reduce under a one-limb context.
 * Violations call __builtin_trap().
 */
#include <stdint.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/mp.h"
#include "crypto/mp_int.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAXN 16

static uint64_t work[AVILA_MP_MODEXP_WORK_LIMBS(MAXN)];

static int is_one(const uint64_t *a, size_t n)
{
    uint64_t acc = a[0] ^ 1;
    for (size_t i = 1; i < n; i++)
        acc |= a[i];
    return acc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t in[2 + 4 * 8 * MAXN] = {0};
    memcpy(in, data, size < sizeof in ? size : sizeof in);
    size_t n = 1 + in[0] % MAXN, el = 1 + in[1] % n, len = 8 * n;
    uint64_t m[MAXN], a[MAXN], b[MAXN], e[MAXN], am[MAXN], bm[MAXN], r[MAXN], s[MAXN];
    uint64_t p[2 * MAXN];
    uint8_t back[8 * MAXN];
    CHECK(avila_mp_from_bytes(m, n, in + 2, len) == 0);
    CHECK(avila_mp_from_bytes(a, n, in + 2 + len, len) == 0);
    CHECK(avila_mp_from_bytes(b, n, in + 2 + 2 * len, len) == 0);
    CHECK(avila_mp_from_bytes(e, el, in + 2 + 3 * len + (n - el) * 8, 8 * el) == 0);
    CHECK(avila_mp_to_bytes(back, len, a, n) == 0);
    CHECK(memcmp(back, in + 2 + len, len) == 0);

    struct avila_mp_mont c;
    CHECK(avila_mp_mont_init(&c, m, n) == (m[0] & 1 ? 0 : AVILA_EINVAL));
    m[0] |= 1;
    CHECK(avila_mp_mont_init(&c, m, n) == 0);

    avila_mp_to_mont(&c, am, a);
    avila_mp_to_mont(&c, bm, b);
    avila_mp_montmul(&c, r, am, bm);
    avila_mp_from_mont(&c, r, r);
    avila_mp_mul(p, a, n, b, n);
    CHECK(avila_mp_reduce(&c, s, p, 2 * n) == 0);
    CHECK(memcmp(r, s, n * 8) == 0);
    avila_mp_montsqr(&c, r, am);
    avila_mp_montmul(&c, s, am, am);
    CHECK(memcmp(r, s, n * 8) == 0);
#if AVILA_X86_64
    const uint32_t adx = AVILA_CPU_BMI2 | AVILA_CPU_ADX;
    if (n % 4 == 0 && (avila_cpu_detected() & adx) == adx) {
        uint64_t t[AVILA_MP_SCRATCH_LIMBS];
        avila_mp_montmul_portable(&c, r, am, b, t);
        avila_mp_montmul_adx(&c, s, am, b, t);
        CHECK(memcmp(r, s, n * 8) == 0);
        avila_mp_montsqr_portable(&c, r, am, t);
        avila_mp_montsqr_adx(&c, s, am, t);
        CHECK(memcmp(r, s, n * 8) == 0);
    }
#endif

    int rc = avila_mp_modinv(&c, r, a);
    if (rc == 0) {
        avila_mp_mul(p, r, n, a, n);
        CHECK(avila_mp_reduce(&c, s, p, 2 * n) == 0);
        CHECK(is_one(s, n) || (is_one(m, n) && avila_mp_zero_mask(s, n)));
    } else {
        CHECK(rc == AVILA_EINVAL && avila_mp_zero_mask(r, n) != 0);
        CHECK(!is_one(m, n));
    }

    CHECK(avila_mp_modexp(&c, r, a, e, el, work, AVILA_ARRAY_LEN(work)) == 0);
    CHECK(avila_mp_modexp_vartime(&c, s, a, e, el) == 0);
    CHECK(memcmp(r, s, n * 8) == 0);

    struct avila_mp_mont c1;
    uint64_t d = b[0] | 1, w;
    CHECK(avila_mp_mont_init(&c1, &d, 1) == 0);
    CHECK(avila_mp_reduce(&c1, &w, a, n < 2 ? n : 2) == 0);
    CHECK(avila_mp_mod_word(a, n < 2 ? n : 2, d) == w);
    return 0;
}
