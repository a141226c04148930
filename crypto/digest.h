/*
 * crypto/digest.h - one interface over the cryptographic hash functions, so
 * HMAC, HKDF, PBKDF2 and the `avila digest` tool work with any of them.
 *
 * Each hash module defines the descriptors of its functions (sha256.c defines
 * avila_digest_sha256, ...); the concrete APIs (avila_sha256_update, ...)
 * stay the fast way to call one known hash. A context lives in caller
 * memory: struct avila_digest_ctx holds any hash usable with HMAC. No
 * context points into itself, so copying ctx_size bytes (memcpy) clones a
 * running hash: HMAC and PBKDF2 rely on that.
 */
#ifndef AVILA_CRYPTO_DIGEST_H
#define AVILA_CRYPTO_DIGEST_H

#include "core/platform.h"

/* Longest digest_len of any descriptor (bytes). */
#define AVILA_DIGEST_MAX_LEN 64
/* Longest block_len of any descriptor (SHA3-224's rate, 144 bytes). */
#define AVILA_DIGEST_MAX_BLOCK 144
/* Largest ctx_size that fits struct avila_digest_ctx (and so HMAC, HKDF, PBKDF2). */
#define AVILA_DIGEST_CTX_MAX 256

struct avila_digest {
    const char *name;  /* lowercase, as `avila digest` spells it: "sha256", "sha3-256", ... */
    size_t digest_len; /* output bytes */
    size_t block_len;  /* input block bytes (HMAC's B) */
    size_t ctx_size;   /* bytes of context init/update/final work on */
    /* Starts a hash in ctx (ctx_size bytes, aligned to 16). */
    void (*init)(void *ctx);
    /* Absorbs n bytes (data may be NULL when n is 0). */
    void (*update)(void *ctx, const void *data, size_t n);
    /* Writes digest_len bytes to out and wipes ctx. */
    void (*final)(void *ctx, uint8_t *out);
};

/* Context storage for any descriptor whose ctx_size <= AVILA_DIGEST_CTX_MAX. */
struct avila_digest_ctx {
    _Alignas(16) uint8_t state[AVILA_DIGEST_CTX_MAX];
};

/* The descriptors, defined by their modules. */
extern const struct avila_digest avila_digest_sha1; /* legacy and handshakes only: crypto/sha1.h */
extern const struct avila_digest avila_digest_sha224;
extern const struct avila_digest avila_digest_sha256;
extern const struct avila_digest avila_digest_sha384;
extern const struct avila_digest avila_digest_sha512;
extern const struct avila_digest avila_digest_sha512_256;
extern const struct avila_digest avila_digest_sha3_224;
extern const struct avila_digest avila_digest_sha3_256;
extern const struct avila_digest avila_digest_sha3_384;
extern const struct avila_digest avila_digest_sha3_512;
extern const struct avila_digest avila_digest_blake2b512;
extern const struct avila_digest avila_digest_blake2s256;
/* BLAKE3's context is larger than AVILA_DIGEST_CTX_MAX: usable by `avila digest`, not by HMAC. */
extern const struct avila_digest avila_digest_blake3;

/*
 * One-shot: hashes n bytes at data into out (d->digest_len bytes) using a
 * context on the stack. Returns 0, or AVILA_EINVAL if d's context does not
 * fit struct avila_digest_ctx.
 */
int avila_digest(const struct avila_digest *d, const void *data, size_t n, uint8_t *out);

#endif
