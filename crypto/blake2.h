/*
 * crypto/blake2.h - the BLAKE2b and BLAKE2s hash functions (RFC 7693), plain
 * and keyed (BLAKE2 used as a MAC or PRF), with any output length the RFC
 * allows. Sequential mode only (no tree hashing, salt or personalisation).
 *
 * Contexts live in caller memory; their fields are private. A context is
 * used from one thread at a time. final() wipes the context, so a keyed
 * context leaves no key material behind. Pure: no allocation, no libc.
 */
#ifndef AVILA_CRYPTO_BLAKE2_H
#define AVILA_CRYPTO_BLAKE2_H

#include "core/platform.h"

#define AVILA_BLAKE2B_BLOCK_LEN 128 /* bytes per compression */
#define AVILA_BLAKE2B_MAX_OUT   64  /* longest digest (BLAKE2b-512) */
#define AVILA_BLAKE2B_MAX_KEY   64  /* longest key */
#define AVILA_BLAKE2S_BLOCK_LEN 64
#define AVILA_BLAKE2S_MAX_OUT   32 /* BLAKE2s-256 */
#define AVILA_BLAKE2S_MAX_KEY   32

/* A BLAKE2b computation in progress. All fields are private. */
struct avila_blake2b {
    uint64_t h[8];                        /* chaining value */
    uint64_t t[2];                        /* bytes compressed so far, 128-bit counter */
    uint8_t buf[AVILA_BLAKE2B_BLOCK_LEN]; /* pending input, compressed when more arrives */
    size_t buflen;                        /* bytes in buf, 0..128 */
    size_t outlen;                        /* digest bytes, 1..64 */
};

/* A BLAKE2s computation in progress. All fields are private. */
struct avila_blake2s {
    uint32_t h[8];
    uint32_t t[2]; /* 64-bit counter */
    uint8_t buf[AVILA_BLAKE2S_BLOCK_LEN];
    size_t buflen; /* 0..64 */
    size_t outlen; /* 1..32 */
};

/*
 * Starts a BLAKE2b hash of outlen bytes (1..64), keyed with the keylen bytes
 * at key when keylen > 0 (0..64; key may be NULL when keylen is 0). The key
 * is copied into c (and wiped by final); the caller keeps ownership of key.
 * Returns 0, or AVILA_EINVAL for an out-of-range outlen or keylen (c is then
 * left untouched).
 */
int avila_blake2b_init(struct avila_blake2b *c, size_t outlen, const void *key, size_t keylen);

/* Absorbs n bytes at data (data may be NULL when n is 0). c MUST be initialised. */
void avila_blake2b_update(struct avila_blake2b *c, const void *data, size_t n);

/*
 * Writes the digest (the outlen given to init, bytes) to out and wipes c;
 * c must be initialised again before reuse.
 */
void avila_blake2b_final(struct avila_blake2b *c, uint8_t *out);

/*
 * One-shot BLAKE2b: out gets outlen (1..64) bytes of the hash of the n bytes
 * at in, keyed with key (keylen 0..64, key may be NULL when 0). in and out
 * may overlap. Returns 0, or AVILA_EINVAL (then out is untouched).
 */
int avila_blake2b(void *out, size_t outlen, const void *key, size_t keylen, const void *in,
                  size_t n);

/* BLAKE2s: the same contract with outlen 1..32 and keylen 0..32. */
int avila_blake2s_init(struct avila_blake2s *c, size_t outlen, const void *key, size_t keylen);
void avila_blake2s_update(struct avila_blake2s *c, const void *data, size_t n);
void avila_blake2s_final(struct avila_blake2s *c, uint8_t *out);
int avila_blake2s(void *out, size_t outlen, const void *key, size_t keylen, const void *in,
                  size_t n);

/*
 * The implementation in use: always "portable" (static string). Vector
 * versions of F (the state's rows in SSE4.1 / AVX2 / AVX-512VL registers,
 * latency-bound because one block depends on the last) measured 20-40%
 * slower than this scalar code on the AMD Zen 4 it was developed on, so
 * there is nothing to dispatch.
 */
const char *avila_blake2b_impl(void);
const char *avila_blake2s_impl(void);

#endif
