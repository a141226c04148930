/*
 * crypto/mp_int.h - the Montgomery multiplication kernels behind
 * crypto/mp.h, shared by crypto/mp.c (portable, run-time dispatch) and
 * crypto/mp_x86.c (mulx/adcx/adox), and reachable by the tests so that both
 * paths run on the same inputs. Internal to crypto/ and tests/.
 *
 * Each kernel writes r = a b R^-1 mod m (or a^2 R^-1 mod m), fully
 * reduced, with the same preconditions as avila_mp_montmul; t is a scratch
 * area of AVILA_MP_SCRATCH_LIMBS limbs that the kernel leaves holding
 * secret-derived data (the caller wipes it once, after a batch of calls).
 * r may alias a or b. Constant time.
 */
#ifndef AVILA_CRYPTO_MP_INT_H
#define AVILA_CRYPTO_MP_INT_H

#include "crypto/mp.h"

/* (x86-64 compilers all have it; the second test only helps analysers that miss the macro.) */
#if !defined(__SIZEOF_INT128__) && !defined(__x86_64__)
#error "crypto/mp: this compiler has no unsigned __int128 (no 32-bit limb path yet)"
#endif

typedef unsigned __int128 mp_u128;

/* Scratch limbs of one kernel call: a double-width product plus slack. */
#define AVILA_MP_SCRATCH_LIMBS (2 * AVILA_MP_MAX_LIMBS + 2)

typedef void (*avila_mp_mul_fn)(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                                const uint64_t *b, uint64_t *t);
typedef void (*avila_mp_sqr_fn)(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                                uint64_t *t);

void avila_mp_montmul_portable(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                               const uint64_t *b, uint64_t *t);
void avila_mp_montsqr_portable(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                               uint64_t *t);

/*
 * The last step of every reduction: the value c 2^(64 n) + hi (c is 0 or 1,
 * the value is below 2 m) minus m if it is at least m, into r. r may alias hi.
 */
void avila_mp_final_sub(uint64_t *r, const uint64_t *hi, uint64_t c, const uint64_t *m, size_t n);

#if AVILA_X86_64
/*
 * The mulx/adcx/adox kernels. The CPU MUST have BMI2 and ADX, and ctx->n
 * MUST be a multiple of 4 (the dispatcher in crypto/mp.c checks both).
 */
void avila_mp_montmul_adx(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                          const uint64_t *b, uint64_t *t);
void avila_mp_montsqr_adx(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                          uint64_t *t);

/*
 * The AVX-512 IFMA path (crypto/mp_ifma.c): residues as digits of 52 bits,
 * one per uint64_t, little-endian, padded with zero digits to a multiple of
 * 8 ("lanes"). R' = 2^(52 digits).
 */
#define AVILA_MP_IFMA_MAX_LANES 40

/* The modulus in digit form and the constants of the multiplication. */
struct avila_mp_ifma {
    size_t digits;                       /* K: least with 52 K >= 64 n + 2 */
    size_t lanes;                        /* K rounded up to a multiple of 8 */
    uint64_t k;                          /* -m^-1 mod 2^52 */
    uint64_t m[AVILA_MP_IFMA_MAX_LANES]; /* m in digits */
};

/*
 * The digit count K for a modulus of n limbs if this CPU and n (16, 24 or
 * 32 limbs) have the IFMA path, else 0.
 */
size_t avila_mp_ifma_digits(size_t n);

/* f = ctx's modulus in digit form; digits from avila_mp_ifma_digits(ctx->n). */
void avila_mp_ifma_init(struct avila_mp_ifma *f, const struct avila_mp_mont *ctx, size_t digits);

/*
 * r = a b / R' mod m, "almost": a and b below 2 m (digits below 2^52, lanes
 * of them) give r below 2 m, digits below 2^52. r may alias a or b. The CPU
 * MUST have AVX-512F and IFMA. Constant time.
 */
void avila_mp_ifma_mul(const struct avila_mp_ifma *f, uint64_t *r, const uint64_t *a,
                       const uint64_t *b);

/* d (lanes digits) = x (n limbs); x must fit. Public positions only: constant time. */
void avila_mp_to_digits(uint64_t *d, size_t lanes, const uint64_t *x, size_t n);

/* x (n limbs) = d (digits, each below 2^52); the value must fit in n limbs. */
void avila_mp_from_digits(uint64_t *x, size_t n, const uint64_t *d, size_t digits);
#endif

#endif
