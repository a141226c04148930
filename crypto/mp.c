/*
 * crypto/mp.c - constant-time multi-precision integers (crypto/mp.h): limb
 * arithmetic, Montgomery multiplication (portable: separated operand
 * scanning, the whole product then word-by-word reduction; a dedicated
 * squaring), fixed-window exponentiation, the binary extended GCD inverse,
 * and the run-time choice of the mulx/adx kernels of crypto/mp_x86.c.
 * Pure; constant time except *_vartime.
 */
#include "crypto/mp.h"

#include "core/cpu.h"
#include "core/ct.h"
#include "core/error.h"
#include "crypto/mp_int.h"

/* ------------------------------------------------------------ word helpers */

/* All-ones if x != 0. */
static inline uint64_t nz_mask(uint64_t x)
{
    return 0 - ((x | (0 - x)) >> 63);
}

/* 1 if a < b. */
static inline uint64_t lt_word(uint64_t a, uint64_t b)
{
    return (a ^ ((a ^ b) | ((a - b) ^ b))) >> 63;
}

/*
 * err when mask is all-ones, 0 when it is zero, without a branch: the
 * barrier keeps compilers (clang) from turning the known-0/-1 mask back
 * into a select on the verdict.
 */
static int error_if(uint64_t mask, int err)
{
    return (int)(avila_ct_barrier_u64(mask) & (uint64_t)(int64_t)err);
}

/* -x^-1 mod 2^64 for odd x, by Newton's iteration (each step doubles the correct bits: 3, 6, ...,
 * 96). */
static uint64_t neg_inv64(uint64_t x)
{
    uint64_t inv = x;
    for (int i = 0; i < 5; i++)
        inv *= 2 - x * inv;
    return 0 - inv;
}

/* r[0..n) += a[0..n) * x; returns the carry word. */
static uint64_t addmul_1(uint64_t *r, const uint64_t *a, size_t n, uint64_t x)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 t = (mp_u128)a[i] * x + r[i] + c;
        r[i] = (uint64_t)t;
        c = (uint64_t)(t >> 64);
    }
    return c;
}

/* ------------------------------------------------------------ conversions */

int avila_mp_from_bytes(uint64_t *r, size_t n, const uint8_t *in, size_t len)
{
    uint64_t extra = 0;
    for (size_t i = 0; i < n; i++)
        r[i] = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t b = in[len - 1 - i];
        if (i / 8 < n)
            r[i / 8] |= b << (8 * (i % 8));
        else
            extra |= b;
    }
    return error_if(nz_mask(avila_ct_barrier_u64(extra)), AVILA_ERANGE);
}

int avila_mp_to_bytes(uint8_t *out, size_t len, const uint64_t *a, size_t n)
{
    uint64_t extra = 0;
    for (size_t i = 0; i < 8 * n; i++) {
        uint8_t b = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
        if (i < len)
            out[len - 1 - i] = b;
        else
            extra |= b;
    }
    for (size_t i = 8 * n; i < len; i++)
        out[len - 1 - i] = 0;
    /* Behind a barrier: clang would otherwise clear out with a branch on the known-0/-1 mask. */
    uint64_t bad = avila_ct_barrier_u64(nz_mask(extra));
    for (size_t i = 0; i < len; i++)
        out[i] &= (uint8_t)~bad;
    return error_if(bad, AVILA_ERANGE);
}

/* ------------------------------------------------------------ basics */

uint64_t avila_mp_add(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 t = (mp_u128)a[i] + b[i] + c;
        r[i] = (uint64_t)t;
        c = (uint64_t)(t >> 64);
    }
    return c;
}

uint64_t avila_mp_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 t = (mp_u128)a[i] - b[i] - c;
        r[i] = (uint64_t)t;
        c = (uint64_t)(t >> 64) & 1;
    }
    return c;
}

uint64_t avila_mp_lt_mask(const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 t = (mp_u128)a[i] - b[i] - c;
        c = (uint64_t)(t >> 64) & 1;
    }
    return 0 - c;
}

uint64_t avila_mp_eq_mask(const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i] ^ b[i];
    return ~nz_mask(avila_ct_barrier_u64(d));
}

uint64_t avila_mp_zero_mask(const uint64_t *a, size_t n)
{
    uint64_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i];
    return ~nz_mask(avila_ct_barrier_u64(d));
}

int avila_mp_cmp(const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t lt = avila_mp_lt_mask(a, b, n) & 1, gt = avila_mp_lt_mask(b, a, n) & 1;
    return (int)gt - (int)lt;
}

void avila_mp_select(uint64_t *r, uint64_t mask, const uint64_t *a, const uint64_t *b, size_t n)
{
    mask = avila_ct_barrier_u64(mask);
    for (size_t i = 0; i < n; i++)
        r[i] = b[i] ^ (mask & (a[i] ^ b[i]));
}

void avila_mp_cswap(uint64_t mask, uint64_t *a, uint64_t *b, size_t n)
{
    mask = avila_ct_barrier_u64(mask);
    for (size_t i = 0; i < n; i++) {
        uint64_t t = mask & (a[i] ^ b[i]);
        a[i] ^= t;
        b[i] ^= t;
    }
}

/* Bits of a word (0 for 0), by a masked binary search. */
static uint64_t bitlen_word(uint64_t x)
{
    uint64_t len = 0;
    for (unsigned s = 32; s > 0; s >>= 1) {
        uint64_t big = nz_mask(x >> s);
        len += big & s;
        x = (x & ~big) | ((x >> s) & big);
    }
    return len + (x & 1);
}

size_t avila_mp_bitlen(const uint64_t *a, size_t n)
{
    uint64_t len = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t here = nz_mask(avila_ct_barrier_u64(a[i]));
        len = (len & ~here) | ((64 * (uint64_t)i + bitlen_word(a[i])) & here);
    }
    return (size_t)len;
}

void avila_mp_shl(uint64_t *r, const uint64_t *a, size_t n, size_t bits)
{
    size_t q = bits / 64;
    unsigned s = (unsigned)(bits % 64);
    /* High to low: each r[i] reads only a[j] with j <= i, not yet overwritten. */
    for (size_t i = n; i-- > 0;) {
        uint64_t v = 0;
        if (i >= q) {
            v = a[i - q] << s;
            if (s != 0 && i > q)
                v |= a[i - q - 1] >> (64 - s);
        }
        r[i] = v;
    }
}

void avila_mp_shr(uint64_t *r, const uint64_t *a, size_t n, size_t bits)
{
    size_t q = bits / 64;
    unsigned s = (unsigned)(bits % 64);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        if (q < n - i) {
            v = a[i + q] >> s;
            if (s != 0 && q + 1 < n - i)
                v |= a[i + q + 1] << (64 - s);
        }
        r[i] = v;
    }
}

void avila_mp_mul(uint64_t *r, const uint64_t *a, size_t an, const uint64_t *b, size_t bn)
{
    for (size_t i = 0; i < bn; i++)
        r[i] = 0;
    for (size_t i = 0; i < an; i++)
        r[i + bn] = addmul_1(r + i, b, bn, a[i]);
}

/*
 * One step of the division of u1 2^64 + u0 (u1 < d) by the normalised d
 * (top bit set) with v = floor((2^128 - 1) / d) - 2^64: Moller and Granlund's
 * algorithm 4, its two corrections done with masks. Returns the remainder.
 */
static uint64_t rem_2by1(uint64_t u1, uint64_t u0, uint64_t d, uint64_t v)
{
    mp_u128 q = (mp_u128)v * u1 + (((mp_u128)u1 << 64) | u0);
    uint64_t q1 = (uint64_t)(q >> 64) + 1, q0 = (uint64_t)q;
    uint64_t r = u0 - q1 * d;
    uint64_t fix = 0 - lt_word(q0, r); /* r > q0: one too many */
    r += d & fix;
    uint64_t big = 0 - (1 ^ lt_word(r, d)); /* r >= d: one too few */
    r -= d & big;
    return r;
}

uint64_t avila_mp_mod_word(const uint64_t *a, size_t n, uint64_t d)
{
    if (d == 0 || n == 0)
        return 0;
    /* d is public: normalising it and computing its reciprocal may branch. */
    unsigned s = 0;
    while (!(d << s >> 63))
        s++;
    uint64_t dn = d << s;
    /* v = floor(((2^64 - 1 - dn) 2^64 + 2^64 - 1) / dn), bit by bit (public). */
    uint64_t hi = ~dn, lo = ~(uint64_t)0, v = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t top = hi >> 63;
        hi = hi << 1 | lo >> 63;
        lo <<= 1;
        v <<= 1;
        if (top || hi >= dn) {
            hi -= dn;
            v |= 1;
        }
    }
    /* Remainder of a 2^s by dn, then shifted back: (a 2^s) mod (d 2^s) = (a mod d) 2^s. */
    /* The words of a 2^s, from the top one (the bits pushed out of a[n - 1]) down. */
    uint64_t r = rem_2by1(0, s ? a[n - 1] >> (64 - s) : 0, dn, v);
    for (size_t i = n; i-- > 0;) {
        uint64_t w = a[i] << s;
        if (s && i > 0)
            w |= a[i - 1] >> (64 - s);
        r = rem_2by1(r, w, dn, v);
    }
    return r >> s;
}

/* ------------------------------------------------------------ Montgomery kernels */

void avila_mp_final_sub(uint64_t *r, const uint64_t *hi, uint64_t c, const uint64_t *m, size_t n)
{
    /* The difference goes to r itself when r is not hi (pointers are public), else to d. */
    uint64_t d[AVILA_MP_MAX_LIMBS];
    uint64_t *diff = r == hi ? d : r;
    uint64_t borrow = avila_mp_sub(diff, hi, m, n);
    /* Keep the difference when the value overflowed R or did not go below m. */
    uint64_t keep = 0 - ((c | (borrow ^ 1)) & 1);
    avila_mp_select(r, keep, diff, hi, n);
    if (diff == d)
        avila_wipe(d, n * sizeof d[0]);
}

/* r = t R^-1 mod m for the 2n-limb t < R m (t is overwritten). */
static void redc_portable(const struct avila_mp_mont *ctx, uint64_t *r, uint64_t *t)
{
    const size_t n = ctx->n;
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t q = t[i] * ctx->m0inv;
        uint64_t cy = addmul_1(t + i, ctx->m, n, q);
        mp_u128 s = (mp_u128)t[i + n] + cy + c;
        t[i + n] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
    avila_mp_final_sub(r, t + n, c, ctx->m, n);
}

void avila_mp_montmul_portable(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                               const uint64_t *b, uint64_t *t)
{
    avila_mp_mul(t, a, ctx->n, b, ctx->n);
    redc_portable(ctx, r, t);
}

/* t (2n limbs) = a^2: the cross products once, doubled, plus the squares. */
static void sqr_portable(uint64_t *t, const uint64_t *a, size_t n)
{
    for (size_t i = 0; i < 2 * n; i++)
        t[i] = 0;
    for (size_t i = 0; i + 1 < n; i++)
        t[i + n] = addmul_1(t + 2 * i + 1, a + i + 1, n - i - 1, a[i]);
    uint64_t top = 0, c = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        uint64_t w = t[i];
        t[i] = w << 1 | top;
        top = w >> 63;
    }
    for (size_t i = 0; i < n; i++) {
        mp_u128 sq = (mp_u128)a[i] * a[i];
        mp_u128 s = (mp_u128)t[2 * i] + (uint64_t)sq + c;
        t[2 * i] = (uint64_t)s;
        s = (mp_u128)t[2 * i + 1] + (uint64_t)(sq >> 64) + (uint64_t)(s >> 64);
        t[2 * i + 1] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
}

void avila_mp_montsqr_portable(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                               uint64_t *t)
{
    sqr_portable(t, a, ctx->n);
    redc_portable(ctx, r, t);
}

/* ------------------------------------------------------------ dispatch */

static int use_adx(size_t n)
{
#if AVILA_X86_64
    const uint32_t need = AVILA_CPU_BMI2 | AVILA_CPU_ADX;
    return n % 4 == 0 && (avila_cpu_features() & need) == need;
#else
    (void)n;
    return 0;
#endif
}

const char *avila_mp_impl(size_t n)
{
    return use_adx(n) ? "adx" : "portable";
}

static void kernels(size_t n, avila_mp_mul_fn *mul, avila_mp_sqr_fn *sqr)
{
#if AVILA_X86_64
    if (use_adx(n)) {
        *mul = avila_mp_montmul_adx;
        *sqr = avila_mp_montsqr_adx;
        return;
    }
#endif
    (void)n;
    *mul = avila_mp_montmul_portable;
    *sqr = avila_mp_montsqr_portable;
}

void avila_mp_montmul(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                      const uint64_t *b)
{
    uint64_t t[AVILA_MP_SCRATCH_LIMBS];
    avila_mp_mul_fn mul;
    avila_mp_sqr_fn sqr;
    kernels(ctx->n, &mul, &sqr);
    mul(ctx, r, a, b, t);
    avila_wipe(t, (2 * ctx->n + 2) * sizeof t[0]);
}

void avila_mp_montsqr(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a)
{
    uint64_t t[AVILA_MP_SCRATCH_LIMBS];
    avila_mp_mul_fn mul;
    avila_mp_sqr_fn sqr;
    kernels(ctx->n, &mul, &sqr);
    sqr(ctx, r, a, t);
    avila_wipe(t, (2 * ctx->n + 2) * sizeof t[0]);
}

/* ------------------------------------------------------------ Montgomery context */

/* r = 2 r mod m, for r < m. */
static void mod_double(uint64_t *r, const uint64_t *m, size_t n)
{
    uint64_t top = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t w = r[i];
        r[i] = w << 1 | top;
        top = w >> 63;
    }
    avila_mp_final_sub(r, r, top, m, n);
}

int avila_mp_mont_init(struct avila_mp_mont *ctx, const uint64_t *m, size_t n)
{
    if (n == 0 || n > AVILA_MP_MAX_LIMBS)
        return AVILA_EINVAL;
    uint64_t t[AVILA_MP_SCRATCH_LIMBS];
    ctx->n = n;
    for (size_t i = 0; i < n; i++) {
        ctx->m[i] = m[i];
        ctx->one[i] = 0;
    }
    ctx->m0inv = neg_inv64(m[0]);
    /* R mod m by 64 n doublings of 1 mod m (0 when m = 1). */
    ctx->one[0] = 1;
    avila_mp_final_sub(ctx->one, ctx->one, 0, m, n);
    for (size_t i = 0; i < 64 * n; i++)
        mod_double(ctx->one, m, n);
    /*
     * R^2 mod m: with 64 n = t 2^k (t odd), double R mod m t more times to
     * get 2^t R, the Montgomery form of 2^t, then square it k times:
     * 2^(t 2^k) = R, in Montgomery form R^2.
     */
    size_t k = 0, tw = 64 * n;
    while (tw % 2 == 0) {
        tw /= 2;
        k++;
    }
    for (size_t i = 0; i < n; i++)
        ctx->rr[i] = ctx->one[i];
    for (size_t i = 0; i < tw; i++)
        mod_double(ctx->rr, m, n);
    for (size_t i = 0; i < k; i++)
        avila_mp_montsqr_portable(ctx, ctx->rr, ctx->rr, t);
    avila_wipe(t, sizeof t);
    return error_if(((m[0] & 1) - 1), AVILA_EINVAL);
}

void avila_mp_to_mont(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a)
{
    avila_mp_montmul(ctx, r, a, ctx->rr);
}

void avila_mp_from_mont(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a)
{
    uint64_t one[AVILA_MP_MAX_LIMBS] = {1};
    avila_mp_montmul(ctx, r, a, one);
}

void avila_mp_modadd(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                     const uint64_t *b)
{
    uint64_t c = avila_mp_add(r, a, b, ctx->n);
    avila_mp_final_sub(r, r, c, ctx->m, ctx->n);
}

void avila_mp_modsub(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                     const uint64_t *b)
{
    uint64_t t[AVILA_MP_MAX_LIMBS];
    const size_t n = ctx->n;
    uint64_t borrow = avila_mp_sub(r, a, b, n);
    uint64_t mask = 0 - borrow;
    for (size_t i = 0; i < n; i++)
        t[i] = ctx->m[i] & mask;
    avila_mp_add(r, r, t, n);
    avila_wipe(t, n * sizeof t[0]);
}

int avila_mp_reduce(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a, size_t alen)
{
    const size_t n = ctx->n;
    if (alen > 2 * n)
        return AVILA_EINVAL;
    uint64_t lo[AVILA_MP_MAX_LIMBS] = {0}, hi[AVILA_MP_MAX_LIMBS] = {0};
    for (size_t i = 0; i < alen; i++) {
        if (i < n)
            lo[i] = a[i];
        else
            hi[i - n] = a[i];
    }
    /* a = hi R + lo: (hi R^2 + lo R) R^-1 in Montgomery arithmetic, every step below 2m. */
    avila_mp_to_mont(ctx, lo, lo);
    avila_mp_to_mont(ctx, hi, hi);
    avila_mp_to_mont(ctx, hi, hi);
    avila_mp_modadd(ctx, hi, hi, lo);
    avila_mp_from_mont(ctx, r, hi);
    avila_wipe(lo, sizeof lo);
    avila_wipe(hi, sizeof hi);
    return 0;
}

/* ------------------------------------------------------------ exponentiation */

/* Two limbs at a time (GCC/clang vector extension: SSE2 on x86-64, plain words elsewhere). */
typedef uint64_t mp_v2 __attribute__((vector_size(16)));

/* r = table[idx] (count entries of n limbs), reading every entry. */
static void lookup(uint64_t *r, const uint64_t *table, size_t count, uint32_t idx, size_t n)
{
    const size_t pairs = n / 2;
    for (size_t i = 0; i < n; i++)
        r[i] = 0;
    for (size_t k = 0; k < count; k++) {
        uint64_t mask = avila_ct_mask_u64(avila_ct_eq_u32((uint32_t)k, idx));
        const mp_v2 mv = {mask, mask};
        const uint64_t *e = table + k * n;
        for (size_t i = 0; i < pairs; i++) {
            mp_v2 x, y;
            memcpy(&x, e + 2 * i, sizeof x);
            memcpy(&y, r + 2 * i, sizeof y);
            y |= x & mv;
            memcpy(r + 2 * i, &y, sizeof y);
        }
        if (n % 2)
            r[n - 1] |= e[n - 1] & mask;
    }
}

/* The width bits of exp at bit position pos (bits past the end read as 0); pos is public. */
static uint32_t window(const uint64_t *exp, size_t exp_limbs, size_t pos, unsigned width)
{
    uint32_t v = 0;
    for (unsigned j = 0; j < width; j++) {
        size_t b = pos + j;
        if (b < 64 * exp_limbs)
            v |= (uint32_t)((exp[b / 64] >> (b % 64)) & 1) << j;
    }
    return v;
}

/*
 * The multiplication domain of a fixed-window exponentiation: elements of
 * width words in some Montgomery form, and its multiply and square.
 */
struct exp_domain {
    size_t width;
    void (*mul)(const struct exp_domain *d, uint64_t *r, const uint64_t *a, const uint64_t *b);
    void (*sqr)(const struct exp_domain *d, uint64_t *r, const uint64_t *a);
    const struct avila_mp_mont *ctx; /* 64-bit limbs: the kernels and their scratch */
    avila_mp_mul_fn kmul;
    avila_mp_sqr_fn ksqr;
    uint64_t *t;
    const struct avila_mp_ifma *ifma; /* 52-bit digits */
};

static void limbs_mul(const struct exp_domain *d, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
    d->kmul(d->ctx, r, a, b, d->t);
}

static void limbs_sqr(const struct exp_domain *d, uint64_t *r, const uint64_t *a)
{
    d->ksqr(d->ctx, r, a, d->t);
}

/*
 * acc = base^exp in d's Montgomery form, given base and one in that form.
 * table holds 32 elements and x one, both scratch. Every window costs the
 * same and reads every table entry, whatever the exponent's bits.
 */
static void fixed_window(const struct exp_domain *d, uint64_t *acc, const uint64_t *one,
                         const uint64_t *base, const uint64_t *exp, size_t exp_limbs,
                         uint64_t *table, uint64_t *x)
{
    const size_t wd = d->width, bits = 64 * exp_limbs;
    const unsigned w = bits >= 512 ? 5 : 4;
    const size_t count = (size_t)1 << w;

    /* table[i] = base^i. */
    memcpy(table, one, wd * sizeof table[0]);
    memcpy(table + wd, base, wd * sizeof table[0]);
    for (size_t i = 2; i < count; i++)
        d->mul(d, table + i * wd, table + (i - 1) * wd, table + wd);

    /* The top window holds the bits above the last full multiple of w below bits. */
    size_t nwin = (bits + w - 1) / w;
    size_t pos = (nwin - 1) * w;
    lookup(acc, table, count, window(exp, exp_limbs, pos, w), wd);
    while (pos > 0) {
        pos -= w;
        for (unsigned j = 0; j < w; j++)
            d->sqr(d, acc, acc);
        lookup(x, table, count, window(exp, exp_limbs, pos, w), wd);
        d->mul(d, acc, acc, x);
    }
}

#if AVILA_X86_64
static void digits_mul(const struct exp_domain *d, uint64_t *r, const uint64_t *a,
                       const uint64_t *b)
{
    avila_mp_ifma_mul(d->ifma, r, a, b);
}

static void digits_sqr(const struct exp_domain *d, uint64_t *r, const uint64_t *a)
{
    avila_mp_ifma_mul(d->ifma, r, a, a);
}

/* avila_mp_modexp in radix 2^52 (crypto/mp_ifma.c), for K = digits. */
static void modexp_ifma(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *base,
                        const uint64_t *exp, size_t exp_limbs, uint64_t *work, size_t digits)
{
    const size_t n = ctx->n;
    struct avila_mp_ifma f;
    avila_mp_ifma_init(&f, ctx, digits);
    const size_t lanes = f.lanes;
    uint64_t rr[AVILA_MP_MAX_LIMBS];
    uint64_t rrd[AVILA_MP_IFMA_MAX_LANES], based[AVILA_MP_IFMA_MAX_LANES];
    uint64_t oned[AVILA_MP_IFMA_MAX_LANES] = {1}, onem[AVILA_MP_IFMA_MAX_LANES];

    /* R'^2 mod m = R^2 2^(104 K - 128 n) mod m; the exponent is positive and below 104. */
    for (size_t i = 0; i < n; i++)
        rr[i] = ctx->rr[i];
    for (size_t i = 0; i < (size_t)104 * digits - (size_t)128 * n; i++)
        mod_double(rr, ctx->m, n);
    avila_mp_to_digits(rrd, lanes, rr, n);
    avila_mp_to_digits(based, lanes, base, n);
    avila_mp_ifma_mul(&f, based, based, rrd);
    avila_mp_ifma_mul(&f, onem, rrd, oned);

    const struct exp_domain d = {.width = lanes, .mul = digits_mul, .sqr = digits_sqr, .ifma = &f};
    uint64_t *table = work, *acc = work + 32 * lanes, *x = acc + lanes;
    fixed_window(&d, acc, onem, based, exp, exp_limbs, table, x);
    /* acc / R' is at most m (below m + 2m/R'); the last subtraction settles m itself. */
    avila_mp_ifma_mul(&f, acc, acc, oned);
    avila_mp_from_digits(r, n, acc, digits);
    avila_mp_final_sub(r, r, 0, ctx->m, n);
    avila_wipe(based, sizeof based);
    avila_wipe(onem, sizeof onem);
    avila_wipe(&f, sizeof f);
}
#endif

int avila_mp_modexp(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *base,
                    const uint64_t *exp, size_t exp_limbs, uint64_t *work, size_t work_limbs)
{
    const size_t n = ctx->n;
    if (exp_limbs == 0 || work_limbs < AVILA_MP_MODEXP_WORK_LIMBS(n))
        return AVILA_EINVAL;
#if AVILA_X86_64
    size_t digits = avila_mp_ifma_digits(n);
    if (digits) {
        modexp_ifma(ctx, r, base, exp, exp_limbs, work, digits);
        avila_wipe(work, AVILA_MP_MODEXP_WORK_LIMBS(n) * sizeof work[0]);
        return 0;
    }
#endif
    uint64_t t[AVILA_MP_SCRATCH_LIMBS];
    struct exp_domain d = {.width = n, .mul = limbs_mul, .sqr = limbs_sqr, .ctx = ctx, .t = t};
    kernels(n, &d.kmul, &d.ksqr);
    uint64_t *table = work, *acc = work + 32 * n, *x = acc + n;
    d.kmul(ctx, x, base, ctx->rr, t); /* fixed_window copies it before using x */
    fixed_window(&d, acc, ctx->one, x, exp, exp_limbs, table, x);
    uint64_t one[AVILA_MP_MAX_LIMBS] = {1};
    d.kmul(ctx, r, acc, one, t);
    avila_wipe(t, sizeof t);
    avila_wipe(work, AVILA_MP_MODEXP_WORK_LIMBS(n) * sizeof work[0]);
    return 0;
}

int avila_mp_modexp_vartime(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *base,
                            const uint64_t *exp, size_t exp_limbs)
{
    const size_t n = ctx->n;
    if (exp_limbs == 0)
        return AVILA_EINVAL;
    uint64_t t[AVILA_MP_SCRATCH_LIMBS], b[AVILA_MP_MAX_LIMBS], acc[AVILA_MP_MAX_LIMBS];
    uint64_t one[AVILA_MP_MAX_LIMBS] = {1};
    avila_mp_mul_fn mul;
    avila_mp_sqr_fn sqr;
    kernels(n, &mul, &sqr);
    mul(ctx, b, base, ctx->rr, t);
    for (size_t i = 0; i < n; i++)
        acc[i] = ctx->one[i];
    size_t top = 64 * exp_limbs;
    while (top > 0 && !((exp[(top - 1) / 64] >> ((top - 1) % 64)) & 1))
        top--;
    for (size_t i = top; i-- > 0;) {
        sqr(ctx, acc, acc, t);
        if ((exp[i / 64] >> (i % 64)) & 1)
            mul(ctx, acc, acc, b, t);
    }
    mul(ctx, r, acc, one, t);
    return 0;
}

/* ------------------------------------------------------------ inverses */

int avila_mp_modinv_prime(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                          uint64_t *work, size_t work_limbs)
{
    const size_t n = ctx->n;
    uint64_t e[AVILA_MP_MAX_LIMBS] = {0}, two[AVILA_MP_MAX_LIMBS] = {2};
    avila_mp_sub(e, ctx->m, two, n);
    int rc = avila_mp_modexp(ctx, r, a, e, n, work, work_limbs);
    avila_wipe(e, n * sizeof e[0]);
    if (rc < 0)
        return rc;
    return error_if(avila_mp_zero_mask(r, n), AVILA_EINVAL);
}

/* r = r / 2 mod m (m odd, r < m): (r + m) / 2 when r is odd. */
static void mod_half(uint64_t *r, const uint64_t *m, size_t n)
{
    uint64_t mask = 0 - (r[0] & 1), c = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 s = (mp_u128)r[i] + (m[i] & mask) + c;
        r[i] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
    for (size_t i = 0; i + 1 < n; i++)
        r[i] = r[i] >> 1 | r[i + 1] << 63;
    r[n - 1] = r[n - 1] >> 1 | c << 63;
}

int avila_mp_modinv(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a)
{
    const size_t n = ctx->n;
    uint64_t x[AVILA_MP_MAX_LIMBS], y[AVILA_MP_MAX_LIMBS], u[AVILA_MP_MAX_LIMBS],
        v[AVILA_MP_MAX_LIMBS], d[AVILA_MP_MAX_LIMBS], one[AVILA_MP_MAX_LIMBS] = {1};
    for (size_t i = 0; i < n; i++) {
        x[i] = a[i];
        y[i] = ctx->m[i];
        u[i] = 0;
        v[i] = 0;
    }
    u[0] = 1;
    avila_mp_final_sub(u, u, 0, ctx->m, n); /* 1 mod m: 0 when m = 1 */
    for (size_t step = 0; step < 128 * n; step++) {
        uint64_t odd = 0 - (x[0] & 1);
        uint64_t swap = odd & avila_mp_lt_mask(x, y, n);
        avila_mp_cswap(swap, x, y, n);
        avila_mp_cswap(swap, u, v, n);
        avila_mp_sub(d, x, y, n);
        avila_mp_select(x, odd, d, x, n);
        avila_mp_modsub(ctx, d, u, v);
        avila_mp_select(u, odd, d, u, n);
        avila_mp_shr(x, x, n, 1);
        mod_half(u, ctx->m, n);
    }
    uint64_t ok = avila_mp_eq_mask(y, one, n);
    for (size_t i = 0; i < n; i++)
        r[i] = v[i] & ok;
    uint64_t *all[] = {x, y, u, v, d};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++)
        avila_wipe(all[i], n * sizeof x[0]);
    return error_if(~ok, AVILA_EINVAL);
}

int avila_mp_rsa_private_exponent(uint64_t *d, const uint64_t *lambda, size_t n, uint64_t e)
{
    if (n == 0 || n > AVILA_MP_MAX_LIMBS || e < 3 || !(e & 1))
        return AVILA_EINVAL;
    struct avila_mp_mont ce;
    uint64_t lm, x, t[AVILA_MP_MAX_LIMBS + 1];
    (void)avila_mp_mont_init(&ce, &e, 1); /* e is odd: cannot fail */
    lm = avila_mp_mod_word(lambda, n, e);
    int rc = avila_mp_modinv(&ce, &x, &lm);
    /* t = 1 + lambda (e - x), a multiple of e. */
    uint64_t k = e - x;
    avila_mp_mul(t, lambda, n, &k, 1);
    uint64_t c = 1;
    for (size_t i = 0; i <= n; i++) {
        mp_u128 s = (mp_u128)t[i] + c;
        t[i] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
    /* Exact division by e from the low limb: q_i = (t_i - borrow) e^-1 mod 2^64. */
    uint64_t inv = 0 - neg_inv64(e), b = 0;
    uint64_t ok = ~nz_mask((uint64_t)(uint32_t)-rc);
    for (size_t i = 0; i < n; i++) {
        uint64_t s = t[i] - b;
        uint64_t b1 = lt_word(t[i], b);
        uint64_t q = s * inv;
        d[i] = q & ok;
        b = (uint64_t)(((mp_u128)q * e) >> 64) + b1;
    }
    avila_wipe(t, sizeof t);
    avila_wipe(&ce, sizeof ce);
    avila_wipe(&x, sizeof x);
    avila_wipe(&lm, sizeof lm);
    return rc;
}
