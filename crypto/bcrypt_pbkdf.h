/*
 * crypto/bcrypt_pbkdf.h - bcrypt_pbkdf, the password-based key derivation
 * function of OpenBSD (lib/libutil/bcrypt_pbkdf.c, T. Unangst 2013) that
 * signify and OpenSSH ("openssh-key-v1" private keys) use to encrypt secret
 * keys. It has no RFC; the definition is OpenBSD's code, described here:
 *
 *   - the password is collapsed to SHA-512(password) once;
 *   - output block k (k = 1, 2, ...; 32 bytes each) is PBKDF2-like: the
 *     first round hashes salt || BE32(k) with SHA-512, every later round
 *     hashes the previous round's output, and each round's 32-byte
 *     bcrypt_hash(SHA-512(password), that SHA-512) is XORed into the block;
 *   - bcrypt_hash is EksBlowfish with cost 64 (one ExpandKey(salt, password)
 *     then 64 pairs of ExpandKey(0, salt), ExpandKey(0, password)) encrypting
 *     "OxychromaticBlowfishSwatDynamite" 64 times, the eight words stored
 *     little-endian;
 *   - the blocks are interleaved into the output instead of concatenated:
 *     with stride = ceil(out_len / 32) blocks, byte i of block k goes to
 *     out[i * stride + k - 1], so every output byte depends on every round.
 *
 * Cost: rounds * ceil(out_len / 32) bcrypt_hash calls of about 67,000
 * Blowfish encryptions each (signify's 64-byte key with its default 42
 * rounds: 84 of them).
 *
 * Constant time: only where Blowfish allows. The password goes through
 * SHA-512 in constant time, but it then keys Blowfish, whose S-box lookups
 * are indexed by password-derived state (crypto/blowfish_int.h), as in every
 * bcrypt implementation. Pure; no allocation (the 4 KiB Blowfish state lives
 * on the stack) and everything secret is wiped before returning.
 */
#ifndef AVILA_CRYPTO_BCRYPT_PBKDF_H
#define AVILA_CRYPTO_BCRYPT_PBKDF_H

#include "core/platform.h"

#define AVILA_BCRYPT_PBKDF_BLOCK_LEN 32                /* bytes of one bcrypt_hash */
#define AVILA_BCRYPT_PBKDF_MAX_OUT   ((size_t)32 * 32) /* OpenBSD's limit on out_len */
#define AVILA_BCRYPT_PBKDF_MAX_SALT  ((size_t)1 << 20) /* OpenBSD's limit on salt_len */

/*
 * Derives out_len bytes into out from the pw_len-byte password pw and the
 * salt_len-byte salt with the given number of rounds, as described above.
 * OpenBSD's limits apply: pw_len, salt_len, out_len and rounds at least 1,
 * out_len at most AVILA_BCRYPT_PBKDF_MAX_OUT, salt_len at most
 * AVILA_BCRYPT_PBKDF_MAX_SALT. The inputs are only read during the call. out
 * MUST NOT overlap salt (the salt is hashed again for every block); it may
 * overlap pw (hashed first). Returns 0, or AVILA_EINVAL for a parameter out
 * of range (out untouched).
 */
int avila_bcrypt_pbkdf(uint8_t *out, size_t out_len, const void *pw, size_t pw_len,
                       const void *salt, size_t salt_len, uint32_t rounds);

#endif
