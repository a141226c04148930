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
#endif

#endif
