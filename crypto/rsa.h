/*
 * crypto/rsa.h - RSA signatures (RFC 8017): PKCS#1 v1.5 and PSS with
 * SHA-224/256/384/512 and SHA-512/256, moduli of 2048 to 4096 bits, key
 * generation with e = 65537, and import of keys given as their integers.
 *
 * Keys are caller structs filled by avila_rsa_public_init,
 * avila_rsa_private_init or avila_rsa_generate and read-only afterwards
 * (threads may share them). A private key holds secrets: wipe it with
 * avila_wipe when done. Private operations need a struct avila_rsa_work
 * (about 10 KiB, so it need not live on a small stack) and a random
 * generator (crypto/csprng.h) for blinding, PSS salts and key generation.
 * Nothing allocates. Pure.
 *
 * Private operations use the Chinese remainder theorem with constant-time
 * exponentiation (crypto/mp.h), the message blinded by r^e (r random,
 * unblinded by r^-1; the pair is kept in the work area and squared between
 * uses, renewed every AVILA_RSA_BLINDING_USES signatures), and every
 * signature is verified with the public key before it is released, so a
 * computation fault cannot leak a prime. Verification is variable time
 * (everything in it is public). Public exponents must fit in 64 bits.
 */
#ifndef AVILA_CRYPTO_RSA_H
#define AVILA_CRYPTO_RSA_H

#include "core/buf.h"
#include "core/platform.h"
#include "crypto/csprng.h"
#include "crypto/digest.h"
#include "crypto/mp.h"

#define AVILA_RSA_MIN_BITS 2048
#define AVILA_RSA_MAX_BITS 4096
#define AVILA_RSA_MAX_LEN                                                                          \
    (AVILA_RSA_MAX_BITS / 8) /* bytes of the largest modulus and signature                         \
                              */
/* Limbs of the largest prime factor (both primes have at most half the limbs of n). */
#define AVILA_RSA_MAX_PRIME_LIMBS (AVILA_MP_MAX_LIMBS / 2)
/* Signatures between two renewals of the blinding pair. */
#define AVILA_RSA_BLINDING_USES 32
/* avila_rsa_verify_pss's salt_len meaning "whatever length the encoding has". */
#define AVILA_RSA_PSS_SALT_ANY ((size_t)-1)

/* A public key. Fields read-only; set by the functions below. */
struct avila_rsa_public {
    size_t bits;            /* of the modulus n */
    size_t len;             /* bytes of n, and of every signature */
    uint64_t e;             /* public exponent, odd, >= 3 */
    struct avila_mp_mont n; /* the modulus with its Montgomery constants */
};

/* A private key (two primes). Fields private. */
struct avila_rsa_private {
    struct avila_rsa_public pub;
    struct avila_mp_mont p, q;
    uint64_t d[AVILA_MP_MAX_LIMBS];                /* n's limbs; kept for export */
    uint64_t dp[AVILA_RSA_MAX_PRIME_LIMBS];        /* d mod (p - 1), p's limbs */
    uint64_t dq[AVILA_RSA_MAX_PRIME_LIMBS];        /* d mod (q - 1), q's limbs */
    uint64_t qinv_mont[AVILA_RSA_MAX_PRIME_LIMBS]; /* q^-1 mod p, in Montgomery form mod p */
};

/*
 * Scratch space for private-key operations, and the blinding pair of the
 * last key it served. Initialise with avila_rsa_work_init before first use;
 * one per thread (it is written by every private operation). Holds secrets
 * afterwards: wipe it when done.
 */
struct avila_rsa_work {
    uint64_t exp[AVILA_MP_MODEXP_WORK_LIMBS(AVILA_RSA_MAX_PRIME_LIMBS)];
    size_t blind_limbs;                    /* limbs of that modulus */
    uint64_t blind_e;                      /* and the public exponent */
    uint64_t blind_n[AVILA_MP_MAX_LIMBS];  /* modulus the pair belongs to (public) */
    uint64_t blind_a[AVILA_MP_MAX_LIMBS];  /* r^e R mod n */
    uint64_t blind_ai[AVILA_MP_MAX_LIMBS]; /* r^-1 R mod n */
    unsigned blind_uses;                   /* 0: no pair yet */
};

/*
 * A private key's integers as minimal big-endian byte strings (PKCS#1's
 * RSAPrivateKey fields): filled by avila_rsa_private_export, or pointing
 * at the caller's bytes for avila_rsa_private_init. Leading zero bytes are
 * allowed on input.
 */
struct avila_rsa_private_parts {
    struct avila_slice n, e, d, p, q, dp, dq, qinv;
};

/* Prepares a work area (no blinding pair yet). */
void avila_rsa_work_init(struct avila_rsa_work *work);

/*
 * Sets key to the public key (n, e) given as big-endian bytes (leading
 * zeros allowed). Returns 0; AVILA_EUNSUPPORTED if n has fewer than
 * AVILA_RSA_MIN_BITS or more than AVILA_RSA_MAX_BITS bits or e does not fit
 * in 64 bits; AVILA_EFORMAT if n is even, or e is even, below 3, or not
 * below n.
 */
int avila_rsa_public_init(struct avila_rsa_public *key, const uint8_t *n, size_t n_len,
                          const uint8_t *e, size_t e_len);

/*
 * Sets key from its integers (all eight are required) and checks them
 * before accepting: the public part as avila_rsa_public_init does; p and q
 * odd, of at most half of n's limbs each, with p q = n; dp < p, dq < q,
 * qinv < p and q qinv = 1 mod p; x^d = x^dp mod p and x^d = x^dq mod q and
 * a test signature that verifies (so d, dp and dq agree with e). Constant
 * time in the secrets except for the verdict; rng blinds the test
 * signature. Returns 0; the errors of avila_rsa_public_init;
 * AVILA_EUNSUPPORTED for unbalanced primes (a prime with more limbs than
 * half of n's, rounded up, or fewer than half); AVILA_EFORMAT when a check
 * fails. key is wiped on failure.
 */
int avila_rsa_private_init(struct avila_rsa_private *key,
                           const struct avila_rsa_private_parts *parts, struct avila_csprng *rng,
                           struct avila_rsa_work *work);

/*
 * Generates a private key of `bits` bits (even, AVILA_RSA_MIN_BITS to
 * AVILA_RSA_MAX_BITS) with e = 65537: two primes of bits / 2 bits with
 * their two top bits set (so n has exactly `bits` bits), each = 3 mod 4,
 * found by trial division by the odd primes below 2^12 and Miller-Rabin
 * with AVILA_RSA_MR_ROUNDS random bases; |p - q| > 2^(bits/2 - 100);
 * gcd(e, p - 1) = gcd(e, q - 1) = 1; d = e^-1 mod (p - 1)(q - 1) (RFC 8017
 * section 3.2 asks e d = 1 mod lambda(n), which this satisfies). The key
 * then passes avila_rsa_private_init's checks. Random bytes come from rng.
 * Returns 0, or AVILA_EINVAL for an unsupported size (nothing drawn).
 */
#define AVILA_RSA_MR_ROUNDS 8
int avila_rsa_generate(struct avila_rsa_private *key, size_t bits, struct avila_csprng *rng,
                       struct avila_rsa_work *work);

/*
 * The integers of key as minimal big-endian bytes, written into buf
 * (AVILA_RSA_EXPORT_LEN bytes fit every key size), with parts pointing into
 * buf. Returns 0 or AVILA_ENOSPC.
 */
#define AVILA_RSA_EXPORT_LEN (5 * AVILA_RSA_MAX_LEN + 8)
int avila_rsa_private_export(const struct avila_rsa_private *key,
                             struct avila_rsa_private_parts *parts, uint8_t *buf, size_t buf_len);

/*
 * Signs the message hash (d->digest_len bytes) with EMSA-PKCS1-v1_5 (RFC
 * 8017 section 8.2.1) into sig (key->pub.len bytes). Returns 0;
 * AVILA_EUNSUPPORTED for a digest without a DigestInfo (see rsa_int.h);
 * AVILA_EIO if the verify-after-sign check fails (a fault: sig is zeroed).
 */
int avila_rsa_sign_pkcs1(const struct avila_rsa_private *key, const struct avila_digest *d,
                         const uint8_t *hash, uint8_t *sig, struct avila_csprng *rng,
                         struct avila_rsa_work *work);

/*
 * Signs the message hash with EMSA-PSS (RFC 8017 section 8.1.1; MGF1 with
 * the same digest) and a random salt of salt_len bytes (digest_len is the
 * usual choice, as TLS 1.3 requires) into sig (key->pub.len bytes).
 * Returns 0; AVILA_EINVAL if the salt does not fit; AVILA_EIO as above.
 */
int avila_rsa_sign_pss(const struct avila_rsa_private *key, const struct avila_digest *d,
                       const uint8_t *hash, size_t salt_len, uint8_t *sig, struct avila_csprng *rng,
                       struct avila_rsa_work *work);

/*
 * Verifies sig (sig_len bytes, which must be key->len) over the message
 * hash: PKCS#1 v1.5 by re-encoding and comparing every byte (RFC 8017
 * section 8.2.2, so no parsing leniency exists), PSS per section 8.1.2
 * with a salt of salt_len bytes or of any length (AVILA_RSA_PSS_SALT_ANY).
 * Returns 0 if valid, AVILA_EAUTH if not (wrong length,
 * representative >= n, bad encoding), AVILA_EUNSUPPORTED for an unknown
 * digest (PKCS#1 v1.5). Variable time: public inputs only.
 */
int avila_rsa_verify_pkcs1(const struct avila_rsa_public *key, const struct avila_digest *d,
                           const uint8_t *hash, const uint8_t *sig, size_t sig_len);
int avila_rsa_verify_pss(const struct avila_rsa_public *key, const struct avila_digest *d,
                         const uint8_t *hash, size_t salt_len, const uint8_t *sig, size_t sig_len);

#endif
