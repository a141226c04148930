/*
 * crypto/blake3.h - the BLAKE3 hash function (the BLAKE3 specification,
 * github.com/BLAKE3-team/BLAKE3-specs): plain hashing, keyed hashing (a MAC
 * or PRF), key derivation, and the extendable output (XOF) of any length,
 * from any offset.
 *
 * Contexts live in caller memory (about 1.9 KiB: the chunk being hashed plus
 * a stack of chaining values deep enough for 2^64 bytes of input); their
 * fields are private. Unlike the other hashes here, final() does not modify
 * or wipe the context: it can be called again, for more output or after more
 * input. A keyed or key-derivation context therefore holds key material until
 * the caller wipes it (avila_wipe(c, sizeof *c) from core/ct.h) or reuses it.
 *
 * Large inputs are hashed many chunks at a time with AVX2 (8 chunks) or
 * AVX-512 (16 chunks) where the CPU has them, chosen at run time; results
 * are identical on every path. Pure: no allocation, no libc.
 */
#ifndef AVILA_CRYPTO_BLAKE3_H
#define AVILA_CRYPTO_BLAKE3_H

#include "core/platform.h"

#define AVILA_BLAKE3_OUT_LEN   32   /* default output bytes */
#define AVILA_BLAKE3_KEY_LEN   32   /* keyed-hash key bytes */
#define AVILA_BLAKE3_BLOCK_LEN 64   /* bytes per compression */
#define AVILA_BLAKE3_CHUNK_LEN 1024 /* bytes per chunk (leaf) */
/*
 * Chaining values the context can stack: one per completed subtree still
 * waiting for its sibling. Inputs stay below 2^64 bytes = 2^54 chunks, and
 * the stack never holds more than popcount(chunk index) + 1 <= 54 of them.
 */
#define AVILA_BLAKE3_MAX_DEPTH 54

/* A BLAKE3 computation in progress. All fields are private. */
struct avila_blake3 {
    uint32_t key[8];                     /* IV, the key, or the derived context key */
    uint32_t cv[8];                      /* chaining value of the current chunk */
    uint64_t chunk_counter;              /* index of the current chunk */
    uint8_t buf[AVILA_BLAKE3_BLOCK_LEN]; /* the current chunk's pending block */
    uint8_t buflen;                      /* bytes in buf, 0..64 */
    uint8_t blocks_compressed;           /* blocks of this chunk already absorbed */
    uint8_t flags;                       /* mode flags: keyed or derive-key */
    uint8_t stack_len;                   /* entries in stack */
    uint8_t stack[AVILA_BLAKE3_MAX_DEPTH][AVILA_BLAKE3_OUT_LEN]; /* subtree chaining values */
};

/* Starts a plain hash. */
void avila_blake3_init(struct avila_blake3 *c);

/*
 * Starts a keyed hash (BLAKE3's MAC/PRF mode) with the 32-byte key. The key
 * is copied into c; the caller keeps ownership of key and wipes c when done.
 */
void avila_blake3_init_keyed(struct avila_blake3 *c, const uint8_t key[AVILA_BLAKE3_KEY_LEN]);

/*
 * Starts a key derivation: the input absorbed next is the key material, and
 * context (context_len bytes, a hard-coded, globally unique, application-
 * specific string; may be NULL when context_len is 0) selects the derived
 * key. The context bytes are hashed immediately; c keeps only their hash.
 */
void avila_blake3_init_derive_key(struct avila_blake3 *c, const char *context, size_t context_len);

/*
 * Absorbs n bytes at data (data may be NULL when n is 0). The total input
 * of one computation MUST stay below 2^64 bytes (past that, excess subtrees
 * are dropped rather than overflow the stack, and the hash is wrong).
 */
void avila_blake3_update(struct avila_blake3 *c, const void *data, size_t n);

/*
 * Writes outlen bytes of output (any length; the first 32 bytes are the
 * standard hash, longer outputs extend it, shorter ones are its prefix) to
 * out. Does not modify c: update may continue and final may be called again.
 * out MUST NOT overlap c.
 */
void avila_blake3_final(const struct avila_blake3 *c, uint8_t *out, size_t outlen);

/* The outlen output bytes starting at byte offset of the extendable output. */
void avila_blake3_final_seek(const struct avila_blake3 *c, uint64_t offset, uint8_t *out,
                             size_t outlen);

/* One-shot plain hash: outlen bytes of the hash of the n bytes at in into out (may overlap in). */
void avila_blake3(void *out, size_t outlen, const void *in, size_t n);

/* The implementation the dispatcher picks now: "avx512", "avx2" or "portable". Static string. */
const char *avila_blake3_impl(void);

#endif
