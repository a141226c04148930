/*
 * crypto/mp.h - constant-time multi-precision integers for RSA (2048 to
 * 4096 bits) and anything else that needs big modular arithmetic.
 *
 * Numbers are little-endian arrays of uint64_t limbs (limb 0 is the least
 * significant) with an explicit limb count; the count is public, the value
 * may be secret. Moduli have at most AVILA_MP_MAX_BITS bits. Nothing
 * allocates: Montgomery contexts are caller structs, modular exponentiation
 * takes a work area sized by AVILA_MP_MODEXP_WORK_LIMBS. All arrays are the
 * caller's and are only used during the call. Pure.
 *
 * Constant time: every function runs in time independent of the values it
 * reads (no value-dependent branch, memory index or variable-time
 * instruction such as a hardware division), EXCEPT those whose name ends in
 * _vartime, which are for public inputs only (RSA verification, e = 65537).
 * Limb counts, shift amounts and single-word divisors are public. Results
 * that say "mask" are all-ones (true) or all-zeros (false). Functions that
 * return an error code for a value-dependent condition (a number that does
 * not fit, a non-invertible element) compute it without a branch: the
 * verdict is the one thing they reveal.
 *
 * Montgomery arithmetic (Montgomery, "Modular multiplication without trial
 * division", 1985): for an odd modulus m of n limbs, R = 2^(64 n); montmul
 * computes a b R^-1 mod m. Values "in Montgomery form" are x R mod m.
 * On x86-64 CPUs with BMI2 and ADX, montmul and montsqr run a mulx/adcx/adox
 * path (crypto/mp_x86.c) for limb counts that are multiples of 4; the
 * portable path (unsigned __int128 products) is used everywhere else and
 * with AVILA_CPU=portable. avila_mp_modexp runs in radix 2^52 with AVX-512
 * IFMA (crypto/mp_ifma.c) for moduli of 16, 24 and 32 limbs when the CPU
 * has it (AVILA_CPU=-avx512ifma turns it off).
 */
#ifndef AVILA_CRYPTO_MP_H
#define AVILA_CRYPTO_MP_H

#include "core/platform.h"

/* Largest modulus, in bits, and in 64-bit limbs. */
#define AVILA_MP_MAX_BITS  4096
#define AVILA_MP_LIMB_BITS 64
#define AVILA_MP_MAX_LIMBS (AVILA_MP_MAX_BITS / AVILA_MP_LIMB_BITS)
/* Limbs needed for a number of `bits` bits. */
#define AVILA_MP_LIMBS(bits) (((size_t)(bits) + 63) / 64)

/*
 * Limbs of work area avila_mp_modexp needs for a modulus of n limbs: a table
 * of 32 elements and 2 temporaries, each of n limbs, or of up to 1.5 n
 * words in the AVX-512 IFMA path's radix 2^52.
 */
#define AVILA_MP_MODEXP_WORK_LIMBS(n) ((size_t)51 * (size_t)(n))

/*
 * A Montgomery context for an odd modulus m of n limbs (1 <= n <=
 * AVILA_MP_MAX_LIMBS). Fields are private; set by avila_mp_mont_init, then
 * read-only (several threads may share one). m may be secret (an RSA
 * prime): the context then holds secrets and the caller wipes it
 * (avila_wipe) when done.
 */
struct avila_mp_mont {
    size_t n;                         /* limbs of m (public) */
    uint64_t m0inv;                   /* -m^-1 mod 2^64 */
    uint64_t m[AVILA_MP_MAX_LIMBS];   /* the modulus */
    uint64_t rr[AVILA_MP_MAX_LIMBS];  /* R^2 mod m */
    uint64_t one[AVILA_MP_MAX_LIMBS]; /* R mod m: 1 in Montgomery form */
};

/* ------------------------------------------------------------ conversions */

/*
 * r (n limbs) = the big-endian bytes in[0..len). Returns 0, or AVILA_ERANGE
 * if the value does not fit in n limbs (r then holds the low 64 n bits).
 * Constant time in the bytes' values; len and n are public.
 */
int avila_mp_from_bytes(uint64_t *r, size_t n, const uint8_t *in, size_t len);

/*
 * Writes a (n limbs) as exactly len big-endian bytes (leading zeros as
 * needed). Returns 0, or AVILA_ERANGE if the value needs more than len bytes
 * (out is then all zeros). Constant time in a's value.
 */
int avila_mp_to_bytes(uint8_t *out, size_t len, const uint64_t *a, size_t n);

/* ------------------------------------------------------------ basics (n limbs each) */

/* r = a + b mod 2^(64 n); returns the carry (0 or 1). r may alias a or b. */
uint64_t avila_mp_add(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n);

/* r = a - b mod 2^(64 n); returns the borrow (1 if a < b, else 0). r may alias a or b. */
uint64_t avila_mp_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n);

/* Masks: a < b, a == b, a == 0. */
uint64_t avila_mp_lt_mask(const uint64_t *a, const uint64_t *b, size_t n);
uint64_t avila_mp_eq_mask(const uint64_t *a, const uint64_t *b, size_t n);
uint64_t avila_mp_zero_mask(const uint64_t *a, size_t n);

/* -1, 0 or 1 as a < b, a == b, a > b; computed without branches. */
int avila_mp_cmp(const uint64_t *a, const uint64_t *b, size_t n);

/* r = mask ? a : b (mask all-ones or zero). r may alias a or b. */
void avila_mp_select(uint64_t *r, uint64_t mask, const uint64_t *a, const uint64_t *b, size_t n);

/* Swaps a and b if mask is all-ones; same work either way. a and b MUST NOT overlap. */
void avila_mp_cswap(uint64_t mask, uint64_t *a, uint64_t *b, size_t n);

/* The number of significant bits of a (0 for a = 0), constant time. */
size_t avila_mp_bitlen(const uint64_t *a, size_t n);

/*
 * r = a << bits, r = a >> bits mod 2^(64 n), for a PUBLIC bits (any value;
 * >= 64 n gives 0). r may alias a.
 */
void avila_mp_shl(uint64_t *r, const uint64_t *a, size_t n, size_t bits);
void avila_mp_shr(uint64_t *r, const uint64_t *a, size_t n, size_t bits);

/*
 * r (an + bn limbs) = a (an limbs) * b (bn limbs), schoolbook. r MUST NOT
 * overlap a or b; an, bn >= 1.
 */
void avila_mp_mul(uint64_t *r, const uint64_t *a, size_t an, const uint64_t *b, size_t bn);

/*
 * a (n limbs) mod d for a PUBLIC divisor d != 0 (trial division of secret
 * prime candidates): multiply by a precomputed reciprocal (Moller and
 * Granlund, "Improved division by invariant integers", 2011), no hardware
 * division, constant time in a. Returns the remainder, or 0 if d is 0.
 */
uint64_t avila_mp_mod_word(const uint64_t *a, size_t n, uint64_t d);

/* ------------------------------------------------------------ Montgomery arithmetic */

/*
 * Sets up ctx for the modulus m (n limbs; m is copied). Constant time in
 * m's value (n is public), so m may be secret. Returns 0, AVILA_EINVAL if
 * n is 0 or above AVILA_MP_MAX_LIMBS, or AVILA_EINVAL if m is even or zero
 * (the only value-dependent verdict; ctx is then unusable).
 */
int avila_mp_mont_init(struct avila_mp_mont *ctx, const uint64_t *m, size_t n);

/*
 * r = a b R^-1 mod m, fully reduced (r < m). a and b are n-limb values with
 * a b < R m (true when either is below m and the other is any n-limb
 * value); r may alias a or b.
 */
void avila_mp_montmul(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                      const uint64_t *b);

/* r = a^2 R^-1 mod m (a < m); a dedicated squaring. r may alias a. */
void avila_mp_montsqr(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a);

/* r = a R mod m, for any n-limb a (reduced on the way). r may alias a. */
void avila_mp_to_mont(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a);

/* r = a R^-1 mod m, for any n-limb a; the inverse of avila_mp_to_mont for a < m. */
void avila_mp_from_mont(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a);

/*
 * r (n limbs) = a mod m for a wide a of alen limbs (0 <= alen <= 2 n; an
 * RSA ciphertext mod p, a hash mod a group order). Constant time in a and
 * m. Returns 0, or AVILA_EINVAL if alen > 2 n (public).
 */
int avila_mp_reduce(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a, size_t alen);

/* r = a + b mod m, r = a - b mod m; a, b < m. r may alias a or b. */
void avila_mp_modadd(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                     const uint64_t *b);
void avila_mp_modsub(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                     const uint64_t *b);

/*
 * r = base^exp mod m, in normal (not Montgomery) form. base is any n-limb
 * value (reduced mod m on the way); exp has exp_limbs limbs (its length in
 * bits is taken as 64 exp_limbs: leading zero bits are worked through like
 * any others). Fixed window of 4 bits (exponents under 512 bits) or 5
 * bits, every table entry read at each lookup; constant time in base, exp
 * and m. work is a caller area of work_limbs >= AVILA_MP_MODEXP_WORK_LIMBS(n)
 * limbs, wiped before returning. r may alias base or exp.
 * Returns 0, or AVILA_EINVAL if work is too small or exp_limbs is 0.
 */
int avila_mp_modexp(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *base,
                    const uint64_t *exp, size_t exp_limbs, uint64_t *work, size_t work_limbs);

/*
 * The same result as avila_mp_modexp, VARIABLE TIME: square and multiply
 * that branches on exp's bits and skips its leading zeros. For PUBLIC base,
 * exp and m only (RSA verification with e = 65537). r may alias base or exp.
 * Returns 0, or AVILA_EINVAL if exp_limbs is 0.
 */
int avila_mp_modexp_vartime(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *base,
                            const uint64_t *exp, size_t exp_limbs);

/* ------------------------------------------------------------ inverses */

/*
 * r = a^-1 mod m for a PRIME m, by Fermat: a^(m - 2) with avila_mp_modexp
 * (same work area). a is any n-limb value. Constant time. Returns 0, or
 * AVILA_EINVAL if a = 0 mod m (r = 0 then) or the work area is too small.
 */
int avila_mp_modinv_prime(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                          uint64_t *work, size_t work_limbs);

/*
 * r = a^-1 mod m for any odd m (ctx's modulus), a any n-limb value.
 * Constant time in a and m: a binary extended GCD run for a fixed 128 n
 * iterations. It keeps (x, u) and (y, v) with x = u a, y = v a (mod m),
 * starting from (a, 1) and (m, 0); each step, when x is odd it first makes
 * x >= y by a masked swap of the pairs and subtracts (y, v) from (x, u), then
 * halves x and u (u / 2 mod m is (u + m) / 2 for odd u). Every step removes
 * at least one bit from bitlen(x) + bitlen(y) <= 128 n until x = 0; then
 * y = gcd(a, m) and, when that is 1, v is the inverse.
 * Returns 0, or AVILA_EINVAL when gcd(a, m) != 1 (r = 0 then); the verdict
 * is computed without a branch.
 */
int avila_mp_modinv(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a);

/*
 * The RSA private exponent d = e^-1 mod lambda (n limbs; lambda = lcm(p - 1,
 * q - 1) is even, SECRET and MUST be at least 2; e is a PUBLIC odd word
 * > 1). d gets n limbs; it MUST NOT overlap lambda. Constant time in
 * lambda. How: x = lambda^-1 mod e with avila_mp_modinv under a context for
 * e, then d = (1 + lambda (e - x)) / e, an exact division by the public odd
 * word e (1 + lambda (e - x) = 1 - lambda x = 0 mod e, and e d = 1 mod
 * lambda; 1 <= x < e gives d < lambda), done limb by limb with e^-1 mod
 * 2^64 (Jebelean's exact division). Returns 0, or AVILA_EINVAL if e is even
 * or below 3 or n is out of range (public), or if gcd(e, lambda) != 1 (d = 0
 * then; branch-free verdict).
 */
int avila_mp_rsa_private_exponent(uint64_t *d, const uint64_t *lambda, size_t n, uint64_t e);

/* "adx" or "portable": the montmul path chosen for a limb count of n now. */
const char *avila_mp_impl(size_t n);

#endif
