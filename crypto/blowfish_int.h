/*
 * crypto/blowfish_int.h - the Blowfish block cipher (B. Schneier, "Description
 * of a New Variable-Length Key, 64-Bit Block Cipher (Blowfish)", Fast
 * Software Encryption 1993) and the "expensive key schedule" steps of
 * EksBlowfish (N. Provos, D. Mazieres, "A Future-Adaptable Password
 * Scheme", USENIX 1999, section 4), as bcrypt_pbkdf needs them. Internal to
 * the crypto layer (not installed); the tests include it for the cipher's
 * known-answer vectors. Only encryption is here: nothing in Avila decrypts
 * with Blowfish.
 *
 * Keys and data are sequences of big-endian 32-bit words taken cyclically
 * (Blowfish_stream2word in OpenBSD's blf.c): avila_blowfish_words turns bytes
 * into them, and the expand functions take word arrays so bcrypt_pbkdf
 * converts its fixed 64-byte inputs once instead of per expansion.
 *
 * NOT constant time: every round looks up four S-box entries indexed by
 * bytes of the (key-dependent) state. That is inherent to Blowfish and so to
 * every bcrypt: a co-located attacker who can observe cache timing learns
 * something about the S-boxes, which derive from the password.
 */
#ifndef AVILA_CRYPTO_BLOWFISH_INT_H
#define AVILA_CRYPTO_BLOWFISH_INT_H

#include "core/platform.h"

#define AVILA_BLOWFISH_ROUNDS  16
#define AVILA_BLOWFISH_P_WORDS (AVILA_BLOWFISH_ROUNDS + 2)

/* A Blowfish key state: four S-boxes and the P-array. 4168 bytes; fields private. */
struct avila_blowfish {
    uint32_t s[4][256];
    uint32_t p[AVILA_BLOWFISH_P_WORDS];
};

/*
 * The initial state: the first 8336 hexadecimal digits of the fractional
 * part of pi, P-array first, then S-boxes 0 to 3 (the cipher's definition).
 */
extern const struct avila_blowfish avila_blowfish_pi;

/*
 * Writes count words to out, reading the n bytes at bytes as a cyclic
 * stream of big-endian 32-bit words (wrapping to the start when a word runs
 * past the end). n MUST be at least 1.
 */
void avila_blowfish_words(uint32_t *out, size_t count, const uint8_t *bytes, size_t n);

/* Encrypts the 64-bit block (*l, *r) (left half most significant) in place. */
void avila_blowfish_encrypt(const struct avila_blowfish *c, uint32_t *l, uint32_t *r);

/*
 * ExpandKey(state, 0, key): XORs the P-array with the key words (cyclic, nkey
 * >= 1 words), then replaces P and the S-boxes with successive encryptions
 * of a chained all-zero block. With c = avila_blowfish_pi and 18 key words
 * this is Blowfish's own key schedule.
 */
void avila_blowfish_expand0(struct avila_blowfish *c, const uint32_t *key, size_t nkey);

/*
 * ExpandKey(state, salt, key): as avila_blowfish_expand0, but the chained
 * block is XORed with successive pairs of data words (cyclic, ndata >= 1)
 * before each encryption.
 */
void avila_blowfish_expand(struct avila_blowfish *c, const uint32_t *data, size_t ndata,
                           const uint32_t *key, size_t nkey);

/* Blowfish's key schedule for a 1..72-byte key (cyclic, as the cipher defines it). */
void avila_blowfish_setkey(struct avila_blowfish *c, const uint8_t *key, size_t n);

#endif
