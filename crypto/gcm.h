/*
 * crypto/gcm.h - AES-GCM authenticated encryption (NIST SP 800-38D).
 *
 * One-shot seal and open over caller buffers; no allocation. GHASH runs
 * with PCLMULQDQ (or VPCLMULQDQ on AVX-512, stitched with VAES) when the CPU
 * has it and with a constant-time portable multiplier otherwise; every path
 * gives the same bytes.
 *
 * Choices within SP 800-38D:
 *   - tags of 12 to 16 bytes (96 to 128 bits, section 5.2.1.2); the shorter
 *     32- and 64-bit tags of Appendix C are refused (AVILA_EINVAL): their
 *     forgery bounds need per-key limits this API cannot enforce;
 *   - any IV of at least one byte: 12 bytes is the fast path (J0 = IV || 1),
 *     other lengths go through GHASH as section 7.1 says;
 *   - plaintext at most 2^39 - 256 bits (AVILA_GCM_MAX_TEXT bytes), AAD and
 *     IV at most 2^64 - 1 bits, else AVILA_ELIMIT.
 * The caller MUST never reuse an IV with the same key: GCM then leaks the
 * XOR of the plaintexts and lets an attacker forge tags.
 */
#ifndef AVILA_CRYPTO_GCM_H
#define AVILA_CRYPTO_GCM_H

#include "core/platform.h"
#include "crypto/aes.h"

#define AVILA_GCM_TAG_MAX 16 /* bytes */
#define AVILA_GCM_TAG_MIN 12 /* bytes */
#define AVILA_GCM_IV_LEN  12 /* the recommended (fast) IV length */
/* Longest plaintext: 2^39 - 256 bits (SP 800-38D section 5.2.1.1). */
#define AVILA_GCM_MAX_TEXT (((uint64_t)1 << 36) - 32)

/* Powers of H kept for the fast paths (H^1 .. H^16). */
#define AVILA_GCM_HPOWERS 16

/*
 * A GCM key: the AES key schedule and the hash key H with its powers.
 * Caller-allocated; every field is private. Secret: wipe with
 * avila_gcm_wipe. Read-only once made, so one context may serve several
 * threads at once.
 */
struct avila_gcm {
    struct avila_aes aes; /* private */
    /* private: hpow[i] = H^(16-i) * x^-1 as a bit-reflected 128-bit integer {low, high} */
    _Alignas(64) uint64_t hpow[AVILA_GCM_HPOWERS][2];
};

/*
 * Makes a GCM key from an AES key of key_len bytes (16, 24 or 32). key is
 * read only during the call. Returns 0, or AVILA_EINVAL for another length
 * or a NULL pointer (then *g is left zeroed).
 */
int avila_gcm_init(struct avila_gcm *g, const uint8_t *key, size_t key_len);

/*
 * Encrypts n bytes of pt into ct and writes a tag_len-byte tag
 * authenticating ct and the aad_len bytes of aad, under the iv_len-byte iv.
 * ct and pt may be the same buffer (in place) but MUST NOT otherwise
 * overlap; pt/ct may be NULL when n is 0, aad when aad_len is 0. All inputs
 * are read only during the call. Returns 0, or (writing nothing):
 *   AVILA_EINVAL  tag_len outside 12..16, iv_len 0, or a NULL pointer where
 *                 a length says there is data;
 *   AVILA_ELIMIT  n, aad_len or iv_len beyond SP 800-38D's limits.
 */
int avila_gcm_seal(const struct avila_gcm *g, uint8_t *ct, uint8_t *tag, size_t tag_len,
                   const uint8_t *pt, size_t n, const uint8_t *aad, size_t aad_len,
                   const uint8_t *iv, size_t iv_len);

/*
 * Verifies the tag_len-byte tag over ct (n bytes) and aad, then decrypts ct
 * into pt. The tag is checked in constant time BEFORE any plaintext is
 * written: on failure pt is untouched. pt and ct may be the same buffer but
 * MUST NOT otherwise overlap. Returns 0, AVILA_EAUTH if the tag does not
 * match (wrong key, IV, AAD, ciphertext or tag), or AVILA_EINVAL /
 * AVILA_ELIMIT as avila_gcm_seal.
 */
int avila_gcm_open(const struct avila_gcm *g, uint8_t *pt, const uint8_t *ct, size_t n,
                   const uint8_t *tag, size_t tag_len, const uint8_t *aad, size_t aad_len,
                   const uint8_t *iv, size_t iv_len);

/* Zeroes the context (safe on a zeroed struct; NULL is ignored). */
void avila_gcm_wipe(struct avila_gcm *g);

/* The implementation the dispatcher picks now: "vaes-avx512", "aesni-pclmul" or "portable". */
const char *avila_gcm_impl(void);

#endif
