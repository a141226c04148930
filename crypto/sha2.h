/*
 * crypto/sha2.h - the SHA-2 hash functions: SHA-224, SHA-256, SHA-384,
 * SHA-512 and SHA-512/256 (FIPS 180-4, sections 5 and 6).
 *
 * Contexts live in caller memory (stack, static, inside another struct);
 * their fields are private. A context is started by one of the init
 * functions, fed any number of times with update, and finished once by a
 * final function, which writes the digest and wipes the context (start it
 * again with init to reuse it). Contexts hold no pointers, so a started
 * context may be copied to fork a hash (HMAC keeps its keyed states so).
 *
 * Hashing takes time that depends on the message length only, never on its
 * contents (secrets such as HMAC keys flow through). The block function is
 * chosen at run time (SHA-NI when present, core/cpu.h); every implementation
 * gives the same result. Pure code; nothing can fail.
 */
#ifndef AVILA_CRYPTO_SHA2_H
#define AVILA_CRYPTO_SHA2_H

#include "core/platform.h"

#define AVILA_SHA224_LEN       28  /* digest bytes */
#define AVILA_SHA256_LEN       32  /* digest bytes */
#define AVILA_SHA256_BLOCK_LEN 64  /* input block bytes (SHA-224 too) */
#define AVILA_SHA384_LEN       48  /* digest bytes */
#define AVILA_SHA512_LEN       64  /* digest bytes */
#define AVILA_SHA512_256_LEN   32  /* digest bytes */
#define AVILA_SHA512_BLOCK_LEN 128 /* input block bytes (SHA-384, SHA-512/256 too) */

/* A SHA-224 or SHA-256 computation. Fields are private. */
struct avila_sha256 {
    uint32_t h[8];                       /* chaining value */
    uint64_t nbytes;                     /* message bytes absorbed so far */
    uint8_t buf[AVILA_SHA256_BLOCK_LEN]; /* the partial block: nbytes % 64 bytes */
    uint32_t digest_len;                 /* 32 (SHA-256) or 28 (SHA-224) */
};

/* A SHA-384, SHA-512 or SHA-512/256 computation. Fields are private. */
struct avila_sha512 {
    uint64_t h[8];                       /* chaining value */
    uint64_t nbytes;                     /* message bytes absorbed so far */
    uint8_t buf[AVILA_SHA512_BLOCK_LEN]; /* the partial block: nbytes % 128 bytes */
    uint32_t digest_len;                 /* 64, 48 or 32 */
};

/* Starts a SHA-256 computation in c (any previous contents are overwritten). */
void avila_sha256_init(struct avila_sha256 *c);

/* Starts a SHA-224 computation in c. */
void avila_sha224_init(struct avila_sha256 *c);

/*
 * Absorbs n bytes at data into c (started by avila_sha256_init or
 * avila_sha224_init). data is only read during the call and may be NULL
 * when n is 0. Messages longer than 2^61 - 1 bytes are outside FIPS 180-4.
 */
void avila_sha256_update(struct avila_sha256 *c, const void *data, size_t n);

/*
 * Finishes c: writes the digest to out (32 bytes for a SHA-256 context, 28
 * for a SHA-224 one) and wipes c.
 */
void avila_sha256_final(struct avila_sha256 *c, uint8_t out[32]);

/* Finishes a SHA-224 context c (MUST come from avila_sha224_init): 28 bytes to out; wipes c. */
void avila_sha224_final(struct avila_sha256 *c, uint8_t out[28]);

/* One-shot SHA-256 of the n bytes at data (NULL allowed when n is 0). */
void avila_sha256(const void *data, size_t n, uint8_t out[32]);

/* One-shot SHA-224 of the n bytes at data (NULL allowed when n is 0). */
void avila_sha224(const void *data, size_t n, uint8_t out[28]);

/* Starts a SHA-512, SHA-384 or SHA-512/256 computation in c. */
void avila_sha512_init(struct avila_sha512 *c);
void avila_sha384_init(struct avila_sha512 *c);
void avila_sha512_256_init(struct avila_sha512 *c);

/*
 * Absorbs n bytes at data into c (started by any of the three inits). data
 * is only read during the call and may be NULL when n is 0.
 */
void avila_sha512_update(struct avila_sha512 *c, const void *data, size_t n);

/*
 * Finishes c: writes the digest to out (64, 48 or 32 bytes for a SHA-512,
 * SHA-384 or SHA-512/256 context) and wipes c.
 */
void avila_sha512_final(struct avila_sha512 *c, uint8_t out[64]);

/* Finishes a SHA-384 context c (MUST come from avila_sha384_init): 48 bytes; wipes c. */
void avila_sha384_final(struct avila_sha512 *c, uint8_t out[48]);

/* Finishes a SHA-512/256 context c (MUST come from avila_sha512_256_init): 32 bytes; wipes c. */
void avila_sha512_256_final(struct avila_sha512 *c, uint8_t out[32]);

/* One-shot SHA-512, SHA-384 and SHA-512/256 of the n bytes at data (NULL allowed when n is 0). */
void avila_sha512(const void *data, size_t n, uint8_t out[64]);
void avila_sha384(const void *data, size_t n, uint8_t out[48]);
void avila_sha512_256(const void *data, size_t n, uint8_t out[32]);

/*
 * The name of the block function the dispatcher picks now ("sha-ni",
 * "portable", ...): a static string.
 */
const char *avila_sha256_impl(void);
const char *avila_sha512_impl(void);

#endif
