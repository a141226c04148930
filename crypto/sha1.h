/*
 * crypto/sha1.h - SHA-1 (FIPS 180-4, sections 4.1.1, 5.3.1 and 6.1).
 *
 * SHA-1 is broken for collision resistance (a chosen-prefix collision is
 * practical). It is here only where a protocol fixes it: the WebSocket
 * opening handshake (RFC 6455 section 4.2.2, Sec-WebSocket-Accept), legacy
 * checksums (`avila digest sha1`, sha1sum's format) and HMAC-SHA1 peers.
 * Never use it for a new signature or integrity design.
 *
 * Same contract as crypto/sha2.h: contexts in caller memory with private
 * fields, init / update / final (final wipes), no pointers inside so a
 * context may be copied. Time depends on the message length only. Pure;
 * nothing can fail.
 */
#ifndef AVILA_CRYPTO_SHA1_H
#define AVILA_CRYPTO_SHA1_H

#include "core/platform.h"

#define AVILA_SHA1_LEN       20 /* digest bytes */
#define AVILA_SHA1_BLOCK_LEN 64 /* input block bytes */

/* A SHA-1 computation. Fields are private. */
struct avila_sha1 {
    uint32_t h[5];                     /* chaining value */
    uint64_t nbytes;                   /* message bytes absorbed so far */
    uint8_t buf[AVILA_SHA1_BLOCK_LEN]; /* the partial block: nbytes % 64 bytes */
};

/* Starts a SHA-1 computation in c (any previous contents are overwritten). */
void avila_sha1_init(struct avila_sha1 *c);

/*
 * Absorbs n bytes at data into c. data is only read during the call and
 * may be NULL when n is 0. Messages longer than 2^61 - 1 bytes are outside
 * FIPS 180-4.
 */
void avila_sha1_update(struct avila_sha1 *c, const void *data, size_t n);

/* Finishes c: writes the 20-byte digest to out and wipes c. */
void avila_sha1_final(struct avila_sha1 *c, uint8_t out[AVILA_SHA1_LEN]);

/* One-shot: the SHA-1 digest of the n bytes at data (NULL allowed when n is 0). */
void avila_sha1(const void *data, size_t n, uint8_t out[AVILA_SHA1_LEN]);

#endif
