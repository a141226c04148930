/*
 * crypto/p256.h - NIST P-256 (secp256r1) ECDH and ECDSA: FIPS 186-5
 * section 6 (ECDSA), SP 800-56A rev. 3 section 5.7.1.2 (ECC CDH, the shared
 * secret is the x-coordinate), SEC 1 v2 sections 2.3.3-2.3.4 (point
 * encodings), RFC 6979 (deterministic nonces).
 *
 * Encodings: private keys and scalars are 32 big-endian bytes; public keys
 * are SEC 1 points, uncompressed 0x04 || X || Y (65 bytes) or compressed
 * 0x02/0x03 || X (33 bytes); signatures are r || s, 32 big-endian bytes
 * each (the IEEE P1363 form; the DER form is crypto/der's business).
 *
 * Point decoding validates fully: the length matches the prefix,
 * coordinates are below p, the point is on the curve (the group has prime
 * order, so every curve point other than infinity is a valid public key);
 * the infinity encoding 0x00, the hybrid forms 0x06/0x07 and any other
 * prefix are AVILA_EFORMAT. Private keys MUST be in [1, n - 1].
 *
 * Everything that touches a private key or a nonce runs in constant time:
 * complete projective formulas (no exceptional cases), fixed windows with
 * constant-time table scans. Verification works on public data and runs in
 * variable time. Nothing allocates; every buffer is the caller's and is
 * only used during the call. Pure.
 */
#ifndef AVILA_CRYPTO_P256_H
#define AVILA_CRYPTO_P256_H

#include "core/platform.h"

#define AVILA_P256_SCALAR_LEN     32 /* bytes of a private key, a coordinate, a shared secret */
#define AVILA_P256_PUB_LEN        65 /* bytes of an uncompressed point 0x04 || X || Y */
#define AVILA_P256_PUB_COMPRESSED 33 /* bytes of a compressed point 0x02/0x03 || X */
#define AVILA_P256_SIG_LEN        64 /* bytes of a signature r || s */
#define AVILA_P256_HEDGE_MAX      64 /* most extra bytes avila_p256_sign_hedged takes */

/*
 * Makes a key pair from 32 uniformly random bytes by rejection sampling:
 * the bytes, read as a big-endian integer d, are the private key if
 * 1 <= d <= n - 1 (they are copied to priv, and pub gets d G uncompressed).
 * Otherwise (probability about 2^-32) it returns AVILA_ERANGE and writes
 * nothing: the caller MUST draw 32 fresh random bytes and call again (never
 * reduce or patch the old ones, that would bias the key). Returns 0 on
 * success. The verdict is computed without a branch on the bytes. priv may
 * alias random; pub MUST NOT overlap either.
 */
int avila_p256_keygen(uint8_t priv[32], uint8_t pub[65], const uint8_t random[32]);

/* Returns 0 if priv is a valid private key (1 <= d <= n - 1), AVILA_ERANGE if not. */
int avila_p256_private_check(const uint8_t priv[32]);

/*
 * Writes the public key d G of the private key priv, uncompressed, to pub.
 * Returns 0, or AVILA_ERANGE (pub untouched) if priv is not in [1, n - 1].
 */
int avila_p256_public_from_private(uint8_t pub[65], const uint8_t priv[32]);

/*
 * Checks a public key of len bytes (uncompressed or compressed, validated
 * as this header says). Returns 0 if it is valid, AVILA_EFORMAT if not.
 */
int avila_p256_public_check(const uint8_t *pub, size_t len);

/*
 * Re-encodes the valid public key in[0..in_len) as uncompressed (out_len
 * 65) or compressed (out_len 33) into out, which may alias in. Returns the
 * number of bytes written (65 or 33), AVILA_EFORMAT for an invalid key,
 * AVILA_EINVAL for another out_len (out is untouched on errors).
 */
int avila_p256_public_encode(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len);

/*
 * ECDH (SP 800-56A ECC CDH with cofactor 1): shared = the x-coordinate of
 * d Q, where d = priv and Q = peer[0..peer_len) (validated as above).
 * Returns 0, AVILA_ERANGE if priv is not in [1, n - 1], AVILA_EFORMAT if
 * peer is not a valid point; shared is untouched on errors. Constant time
 * in priv (the peer point is public). shared may alias priv.
 */
int avila_p256_ecdh(uint8_t shared[32], const uint8_t priv[32], const uint8_t *peer,
                    size_t peer_len);

/*
 * ECDSA signature (FIPS 186-5 section 6.4.1) of a message hash: hash_len
 * MUST be 32, 48 or 64 (SHA-256, SHA-384, SHA-512; e = its leftmost 256
 * bits, FIPS 186-5's bits2int). The nonce is RFC 6979's deterministic one
 * (section 3.2) with HMAC over the hash of that length, so equal inputs give
 * equal signatures and no randomness is needed. sig gets r || s. Returns 0,
 * AVILA_ERANGE for a priv outside [1, n - 1], AVILA_EINVAL for another
 * hash_len (sig untouched on errors). Constant time in priv and the nonce.
 */
int avila_p256_sign(uint8_t sig[64], const uint8_t priv[32], const uint8_t *hash, size_t hash_len);

/*
 * The same with a hedged nonce: extra_len (<= AVILA_P256_HEDGE_MAX) bytes
 * at extra, fresh random bytes from the caller, are appended to RFC 6979's
 * HMAC seed as the additional data k' of RFC 6979 section 3.6. The nonce
 * stays safe if extra is not random (it is then RFC 6979's construction
 * with extra data) and guards against fault attacks on deterministic
 * signing when it is. extra_len 0 gives avila_p256_sign's result. Errors as
 * avila_p256_sign, plus AVILA_EINVAL for extra_len > AVILA_P256_HEDGE_MAX.
 */
int avila_p256_sign_hedged(uint8_t sig[64], const uint8_t priv[32], const uint8_t *hash,
                           size_t hash_len, const uint8_t *extra, size_t extra_len);

/*
 * Verifies the ECDSA signature sig (r || s) of a message hash (any length
 * hash_len >= 1: e is its leftmost 256 bits, shorter hashes are taken
 * whole) under the public key pub[0..pub_len) (either encoding). Strict:
 * r and s MUST be in [1, n - 1]. Returns 0 if valid, AVILA_EAUTH otherwise
 * (bad key, out-of-range r or s, failed equation). Variable time (public data).
 */
int avila_p256_verify(const uint8_t sig[64], const uint8_t *hash, size_t hash_len,
                      const uint8_t *pub, size_t pub_len);

#endif
