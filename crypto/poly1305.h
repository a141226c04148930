/*
 * crypto/poly1305.h - the Poly1305 one-time authenticator (RFC 8439
 * section 2.5).
 *
 * A 32-byte one-time key (r | s) authenticates one message: a key MUST NEVER
 * be used for two messages (the AEADs of crypto/aead.h derive a fresh one per
 * nonce). Constant-time in the key and message contents; time depends only on
 * the length. Pure code; no allocation.
 */
#ifndef AVILA_CRYPTO_POLY1305_H
#define AVILA_CRYPTO_POLY1305_H

#include "core/platform.h"

#define AVILA_POLY1305_KEY_LEN 32 /* bytes: r (clamped on use), then s */
#define AVILA_POLY1305_TAG_LEN 16 /* bytes */

/*
 * A Poly1305 computation in progress. Fields are private. It holds key
 * material until avila_poly1305_final wipes it.
 */
struct avila_poly1305 {
    uint64_t h[3];   /* accumulator, radix 2^64, partially reduced mod 2^130 - 5 */
    uint64_t r[2];   /* clamped r */
    uint64_t s[2];   /* s, added at the end */
    uint8_t buf[16]; /* bytes of an incomplete block */
    size_t buf_len;  /* 0..15 */
};

/* Starts a MAC with the 32-byte one-time key. The ctx keeps a copy, not a pointer. */
void avila_poly1305_init(struct avila_poly1305 *ctx, const uint8_t key[32]);

/* Absorbs n bytes at data (data may be NULL when n is 0). Any split gives the same tag. */
void avila_poly1305_update(struct avila_poly1305 *ctx, const void *data, size_t n);

/*
 * Writes the 16-byte tag and wipes ctx (init it again before reuse). To
 * check a received tag, compare with avila_ct_memeq (core/ct.h), never memcmp.
 */
void avila_poly1305_final(struct avila_poly1305 *ctx, uint8_t tag[16]);

/* One shot: tag = Poly1305(key, the n bytes at data). */
void avila_poly1305_mac(uint8_t tag[16], const void *data, size_t n, const uint8_t key[32]);

/* Names the block function the dispatcher picks now: "avx512", "avx2", "portable64" or
 * "portable32". */
const char *avila_poly1305_impl(void);

#endif
