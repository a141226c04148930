/*
 * crypto/chacha20.h - the ChaCha20 stream cipher (RFC 8439 sections 2.3-2.4),
 * HChaCha20 and XChaCha20 (draft-irtf-cfrg-xchacha-03 sections 2.2-2.3).
 *
 * Encryption and decryption are the same operation: the input is XORed with
 * the keystream. ChaCha20 alone gives no integrity: use the AEADs of
 * crypto/aead.h unless a protocol says otherwise. A (key, nonce) pair MUST
 * never be used for two different messages.
 *
 * Block counter: RFC 8439's counter is 32 bits. Block i of a call uses
 * counter + i modulo 2^32, so after block 0xffffffff the next block uses
 * counter 0 again and the keystream repeats from that point: callers MUST
 * keep n <= 64 * (2^32 - counter) bytes per (key, nonce). The nonce words are
 * never touched by the counter (no carry into them). The AEADs enforce this
 * limit; the raw functions here cannot report it.
 *
 * Pure code; no allocation. Every function wipes the key material it copied.
 */
#ifndef AVILA_CRYPTO_CHACHA20_H
#define AVILA_CRYPTO_CHACHA20_H

#include "core/platform.h"

#define AVILA_CHACHA20_KEY_LEN    32 /* bytes */
#define AVILA_CHACHA20_NONCE_LEN  12 /* bytes, RFC 8439 */
#define AVILA_CHACHA20_BLOCK_LEN  64 /* bytes of keystream per counter value */
#define AVILA_HCHACHA20_NONCE_LEN 16 /* bytes */
#define AVILA_XCHACHA20_NONCE_LEN 24 /* bytes */

/*
 * XORs the n bytes at in with the ChaCha20 keystream for (key, nonce),
 * starting at block `counter`, and writes them to out. out == in is allowed
 * (in place); any other overlap is not. in and out MUST hold n bytes (they
 * may be NULL when n is 0). Counter wrap: see the top of this file.
 */
void avila_chacha20_xor(uint8_t *out, const uint8_t *in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[12], uint32_t counter);

/*
 * HChaCha20: derives a 32-byte subkey from key and a 16-byte nonce (the
 * ChaCha20 rounds on constants | key | nonce, without the final addition,
 * output words 0-3 and 12-15). out may alias key.
 */
void avila_hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t nonce[16]);

/*
 * XChaCha20: ChaCha20 with the subkey HChaCha20(key, nonce[0..16)) and the
 * 12-byte nonce 00000000 | nonce[16..24), starting at block `counter`
 * (draft-irtf-cfrg-xchacha-03 section 2.3.1; its test vectors use 0 and 1).
 * The 32-bit counter wraps as for avila_chacha20_xor. Same buffer rules.
 */
void avila_xchacha20_xor(uint8_t *out, const uint8_t *in, size_t n, const uint8_t key[32],
                         const uint8_t nonce[24], uint32_t counter);

/*
 * A ChaCha20 stream that can be fed in pieces of any size: the
 * concatenation of the outputs equals one avila_chacha20_xor over the
 * concatenated inputs. Fields are private. The struct holds key material:
 * call avila_chacha20_wipe when done.
 */
struct avila_chacha20 {
    uint32_t state[16];    /* RFC 8439 state; word 12 is the next block's counter */
    uint8_t keystream[64]; /* the current block's keystream */
    size_t used;           /* bytes of keystream already consumed (64: none left) */
};

/* Starts a stream for (key, nonce) at block `counter`. The ctx keeps copies, not pointers. */
void avila_chacha20_init(struct avila_chacha20 *ctx, const uint8_t key[32], const uint8_t nonce[12],
                         uint32_t counter);

/*
 * Continues the stream: out = in XOR the next n keystream bytes. Same buffer
 * rules as avila_chacha20_xor. The counter wraps as described above.
 */
void avila_chacha20_update(struct avila_chacha20 *ctx, uint8_t *out, const uint8_t *in, size_t n);

/* Wipes the context (key, state and leftover keystream). */
void avila_chacha20_wipe(struct avila_chacha20 *ctx);

/* Names the implementation the dispatcher picks now: "avx512", "avx2" or "portable". */
const char *avila_chacha20_impl(void);

#endif
