/*
 * crypto/aes.h - the AES block cipher (FIPS 197) and AES-CTR (NIST SP 800-38A
 * section 6.5) with the 32-bit counter of NIST SP 800-38D section 6.2.
 *
 * Three implementations are chosen at run time (core/cpu.h): a portable,
 * constant-time bitsliced one (no table lookups, four blocks per pass), AES-NI,
 * and VAES on AVX-512 registers for CTR. All give identical results; a key
 * schedule made under one works with all of them.
 */
#ifndef AVILA_CRYPTO_AES_H
#define AVILA_CRYPTO_AES_H

#include "core/platform.h"

#define AVILA_AES_BLOCK_LEN  16 /* bytes in a block */
#define AVILA_AES_MAX_ROUNDS 14 /* AES-256 */

/*
 * An expanded AES key. Caller-allocated (it may live on the stack or in
 * static storage); every field is private. Holds the key schedule in two
 * forms: FIPS 197 round keys (for AES-NI) and the same keys bitsliced for the
 * portable code. It is a secret: wipe it with avila_aes_wipe when done.
 */
struct avila_aes {
    _Alignas(16) uint8_t rk[AVILA_AES_MAX_ROUNDS + 1][16]; /* private: w[4i..4i+3] */
    uint64_t bs[AVILA_AES_MAX_ROUNDS + 1][8];              /* private: bitsliced rk */
    uint32_t rounds;                                       /* private: 10, 12 or 14 */
};

/*
 * Expands key (key_len bytes: 16, 24 or 32 for AES-128/192/256) into *k.
 * key is read only during the call. Returns 0, or AVILA_EINVAL for another
 * length or a NULL pointer (then *k is left zeroed).
 */
int avila_aes_init(struct avila_aes *k, const uint8_t *key, size_t key_len);

/*
 * Encrypts (decrypts) one 16-byte block: out = E_k(in) (D_k(in)). k MUST
 * come from avila_aes_init. out and in may be the same buffer.
 */
void avila_aes_encrypt_block(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16]);
void avila_aes_decrypt_block(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16]);

/*
 * CTR mode: out[i] = in[i] XOR keystream[i] for n bytes, where the keystream
 * is E_k(counter), E_k(counter + 1), ... and "+ 1" increments only the last
 * four bytes of the block as a big-endian integer modulo 2^32 (SP 800-38D's
 * inc32; bytes 0-11 never change). On return counter holds the counter of
 * the next unused block, so a message can be processed in pieces whose
 * lengths are multiples of 16; after a partial final block the rest of that
 * block's keystream is dropped. Encryption and decryption are the same
 * operation. out and in may be the same buffer but MUST NOT otherwise
 * overlap; both may be NULL when n is 0. A caller MUST NOT use more than
 * 2^32 blocks from one initial counter: the counter wraps and the keystream
 * repeats.
 */
void avila_aes_ctr(const struct avila_aes *k, uint8_t *out, const uint8_t *in, size_t n,
                   uint8_t counter[16]);

/* Zeroes the key schedule (safe on a zeroed or never-initialised struct). */
void avila_aes_wipe(struct avila_aes *k);

/* The implementation the dispatcher picks now: "vaes-avx512", "aesni" or "portable". */
const char *avila_aes_impl(void);

#endif
