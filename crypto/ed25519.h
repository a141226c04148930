/*
 * crypto/ed25519.h - Ed25519 signatures (RFC 8032 section 5.1, "pure"
 * Ed25519: no prehash, no context; Ed25519ph and Ed25519ctx are not here).
 *
 * A key pair comes from a 32-byte random seed (the RFC's private key). The
 * 64-byte secret key is seed || public key, the layout of signify, OpenSSH
 * and libsodium, so signing does not recompute the public key. Signing is
 * deterministic and constant time in the secret; verification works on
 * public data and runs in variable time. Nothing allocates. Pure.
 *
 * Verification rules (what avila_ed25519_verify accepts; RFC 8032 section
 * 5.1.7 leaves some of them to the implementation):
 *   1. S MUST be canonical: S < L, the group order (rejects the malleable
 *      S + L forms; RFC 8032 requires this check).
 *   2. The public key A MUST decode strictly: y < p, x recoverable, and no
 *      "negative zero" (x = 0 with the sign bit set).
 *   3. R is never decoded: the check recomputes R' = [S]B - [k]A and compares
 *      its canonical encoding with the 32 bytes of R, so a non-canonical R
 *      (any of the y >= p or negative-zero forms) never verifies.
 *   4. A MUST NOT have small order (order 1, 2, 4 or 8: every message would
 *      verify under such a key with a suitable signature), and R MUST NOT
 *      have small order either (as libsodium does). Public keys of mixed
 *      order (a small-order component added to a valid key) are accepted:
 *      they are valid points and RFC 8032 does not exclude them.
 *   5. The equation is the cofactorless one, [S]B = R + [k]A with
 *      k = SHA-512(R || A || M) mod L, checked exactly. It agrees with the
 *      cofactored [8][S]B = [8]R + [8][k]A for every signature an honest
 *      signer produces; the two differ only on contrived signatures with
 *      small-order components, which this check rejects.
 * With these rules every Wycheproof ed25519_test.json case (valid 88,
 * invalid 63) gets its expected result (tests/crypto/test_ed25519.c).
 */
#ifndef AVILA_CRYPTO_ED25519_H
#define AVILA_CRYPTO_ED25519_H

#include "core/platform.h"

#define AVILA_ED25519_SEED_LEN   32 /* bytes of a seed (RFC 8032's private key) */
#define AVILA_ED25519_PUB_LEN    32 /* bytes of a public key */
#define AVILA_ED25519_SECRET_LEN 64 /* bytes of a secret key: seed || public key */
#define AVILA_ED25519_SIG_LEN    64 /* bytes of a signature: R || S */

/*
 * Derives the key pair of seed (32 uniformly random bytes, RFC 8032 section
 * 5.1.5): writes the public key to pub and seed || pub to secret. The
 * caller owns all three buffers and keeps secret secret (wipe it with
 * avila_wipe when done). pub and secret MUST NOT overlap; seed may overlap
 * either (it is read first). Always succeeds.
 */
void avila_ed25519_keypair(uint8_t pub[32], uint8_t secret[64], const uint8_t seed[32]);

/*
 * Signs the n bytes at msg (NULL allowed when n is 0) with secret (seed ||
 * public key, as avila_ed25519_keypair writes it) into sig (RFC 8032
 * section 5.1.6). The public half of secret MUST be the seed's public key:
 * signing with a mismatched one leaks the private scalar. sig may overlap
 * msg or secret (it is written last). Deterministic; always succeeds.
 */
void avila_ed25519_sign(uint8_t sig[64], const void *msg, size_t n, const uint8_t secret[64]);

/*
 * Verifies sig on the n bytes at msg (NULL allowed when n is 0) under pub,
 * by the rules in this header's comment. Returns 0 if it is valid,
 * AVILA_EAUTH otherwise (bad encoding, small-order key or R, non-canonical
 * S, or a failed equation). Only reads its inputs, during the call.
 */
int avila_ed25519_verify(const uint8_t sig[64], const void *msg, size_t n, const uint8_t pub[32]);

#endif
