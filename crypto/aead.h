/*
 * crypto/aead.h - authenticated encryption with associated data:
 * AEAD_CHACHA20_POLY1305 (RFC 8439 section 2.8) and AEAD_XCHACHA20_POLY1305
 * (draft-irtf-cfrg-xchacha-03 section 2: the same construction with the
 * HChaCha20 subkey and a 24-byte nonce). AES-GCM lives in crypto/gcm.h.
 *
 * A (key, nonce) pair MUST NEVER encrypt two different messages. 12-byte
 * nonces suit counters; 24-byte XChaCha20 nonces may be drawn at random.
 * Tags are 16 bytes and are never truncated.
 *
 * Limits: at most AVILA_CHACHA20POLY1305_MAX_LEN bytes of plaintext per
 * message (RFC 8439's P_MAX, 2^38 - 64: the 32-bit block counter starts at 1
 * and must not wrap); longer messages are refused with AVILA_ELIMIT, and so
 * are they for XChaCha20-Poly1305, which runs the same ChaCha20. Associated
 * data has no limit beyond size_t.
 *
 * Buffers: the output may be the input itself (in-place) but MUST NOT
 * overlap it otherwise, nor overlap the tag, key, nonce or aad. A pointer
 * may be NULL only when its length is 0. Nothing is kept after a call
 * returns; the derived keys and keystream are wiped.
 *
 * Pure code; no allocation.
 */
#ifndef AVILA_CRYPTO_AEAD_H
#define AVILA_CRYPTO_AEAD_H

#include "core/platform.h"

#define AVILA_CHACHA20POLY1305_KEY_LEN    32
#define AVILA_CHACHA20POLY1305_NONCE_LEN  12
#define AVILA_XCHACHA20POLY1305_NONCE_LEN 24
#define AVILA_CHACHA20POLY1305_TAG_LEN    16
/* Longest plaintext per message, bytes: (2^32 - 1) blocks of 64. */
#define AVILA_CHACHA20POLY1305_MAX_LEN (((uint64_t)1 << 38) - 64)

/*
 * Encrypts the n bytes at pt into ct (n bytes) and writes the 16-byte tag
 * authenticating the ciphertext and the aad_len bytes at aad.
 * Returns 0; AVILA_ELIMIT if n > AVILA_CHACHA20POLY1305_MAX_LEN;
 * AVILA_EINVAL for a NULL key, nonce or tag, or a NULL buffer with a
 * non-zero length. On error nothing is written.
 */
int avila_chacha20poly1305_seal(uint8_t *ct, uint8_t tag[16], const uint8_t *pt, size_t n,
                                const uint8_t *aad, size_t aad_len, const uint8_t nonce[12],
                                const uint8_t key[32]);

/*
 * Checks the tag over the n bytes at ct and the aad, and only if it is
 * right decrypts ct into pt (n bytes). The tag is verified BEFORE any
 * plaintext is produced, in constant time: on AVILA_EAUTH the n bytes at pt
 * are untouched (in-place calls keep the ciphertext).
 * Returns 0, AVILA_EAUTH (wrong tag, or ct, aad, nonce or key altered),
 * AVILA_ELIMIT or AVILA_EINVAL as for seal.
 */
int avila_chacha20poly1305_open(uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t tag[16],
                                const uint8_t *aad, size_t aad_len, const uint8_t nonce[12],
                                const uint8_t key[32]);

/* XChaCha20-Poly1305: as avila_chacha20poly1305_seal with a 24-byte nonce. */
int avila_xchacha20poly1305_seal(uint8_t *ct, uint8_t tag[16], const uint8_t *pt, size_t n,
                                 const uint8_t *aad, size_t aad_len, const uint8_t nonce[24],
                                 const uint8_t key[32]);

/* XChaCha20-Poly1305: as avila_chacha20poly1305_open with a 24-byte nonce. */
int avila_xchacha20poly1305_open(uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t tag[16],
                                 const uint8_t *aad, size_t aad_len, const uint8_t nonce[24],
                                 const uint8_t key[32]);

#endif
