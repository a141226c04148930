/*
 * core/hash.h - non-cryptographic hashes.
 *
 *   SipHash-2-4 and SipHash-1-3  keyed PRF for hash tables (Aumasson and
 *                                Bernstein, "SipHash: a fast short-input PRF",
 *                                INDOCRYPT 2012); resists hash flooding when
 *                                the key is secret and random.
 *   xxHash64, XXH3-64            fast checksums (xxHash specification,
 *                                doc/xxhash_spec.md, v0.8); not keyed, not
 *                                collision resistant against an adversary.
 *   CRC-32C                      Castagnoli CRC (RFC 3720 section 12.1 and
 *                                Appendix B.4: iSCSI; also ext4, Btrfs, SCTP).
 *
 * None of these is a cryptographic hash: use crypto/ for integrity against an
 * attacker. All functions are pure, never fail and never allocate. A data
 * pointer MAY be NULL when its length is 0; otherwise it MUST point to n
 * readable bytes, which are only read during the call.
 *
 * Streaming contexts are caller-allocated (stack, static or heap); their
 * fields are private. Any split of the input into update() calls gives the
 * one-shot result, and final() does not change the context, so more data can
 * be added after an intermediate final().
 */
#ifndef AVILA_CORE_HASH_H
#define AVILA_CORE_HASH_H

#include "core/platform.h"

/* ------------------------------------------------------------------ SipHash */

/* Largest round count avila_siphash_init accepts; larger values are clamped. */
#define AVILA_SIPHASH_MAX_ROUNDS 8

/* Streaming SipHash-c-d state. Fields are private. */
struct avila_siphash {
    uint64_t v[4];    /* the four state words */
    uint64_t tail;    /* the len % 8 bytes not yet absorbed, little-endian */
    uint64_t len;     /* bytes added so far, modulo 2^64 (only the low byte is used) */
    uint8_t c_rounds; /* compression rounds per 8-byte word */
    uint8_t d_rounds; /* finalization rounds */
};

/*
 * SipHash-2-4 of the n bytes at data under the 16-byte key (k0 = the first 8
 * bytes little-endian, k1 = the last 8). The result's little-endian bytes are
 * the 8 bytes the reference implementation outputs.
 */
uint64_t avila_siphash24(const uint8_t key[16], const void *data, size_t n);

/*
 * SipHash-1-3: same interface, fewer rounds. Faster; the variant hash tables
 * use (Rust's std, Python's str hash) when the key is a per-process secret.
 */
uint64_t avila_siphash13(const uint8_t key[16], const void *data, size_t n);

/*
 * Starts a SipHash-c-d computation under key (read during the call only).
 * The standard choices are (2, 4) and (1, 3); other counts give the generic
 * SipHash-c-d. Counts below 1 are treated as 1 and counts above
 * AVILA_SIPHASH_MAX_ROUNDS as AVILA_SIPHASH_MAX_ROUNDS.
 */
void avila_siphash_init(struct avila_siphash *s, const uint8_t key[16], int c_rounds, int d_rounds);

/* Adds n bytes at data to the computation. */
void avila_siphash_update(struct avila_siphash *s, const void *data, size_t n);

/* Returns the hash of everything added so far; s is unchanged. */
uint64_t avila_siphash_final(const struct avila_siphash *s);

/* ----------------------------------------------------------------- xxHash64 */

/* Streaming xxHash64 state. Fields are private. */
struct avila_xxh64 {
    uint64_t acc[4]; /* the four lane accumulators */
    uint64_t seed;   /* for inputs shorter than one 32-byte stripe */
    uint64_t total;  /* bytes added so far, modulo 2^64 */
    uint8_t buf[32]; /* a partial stripe */
    uint32_t buflen; /* bytes in buf, 0..31 */
};

/*
 * xxHash64 (XXH64) of the n bytes at data with the given seed. Printed forms
 * (xxhsum -H1) are the big-endian bytes of the result.
 */
uint64_t avila_xxh64(const void *data, size_t n, uint64_t seed);

/* Starts an xxHash64 computation with the given seed. */
void avila_xxh64_init(struct avila_xxh64 *s, uint64_t seed);

/* Adds n bytes at data to the computation. */
void avila_xxh64_update(struct avila_xxh64 *s, const void *data, size_t n);

/* Returns the hash of everything added so far; s is unchanged. */
uint64_t avila_xxh64_final(const struct avila_xxh64 *s);

/* -------------------------------------------------------------- XXH3 64-bit */

#define AVILA_XXH3_SECRET_SIZE 192 /* the default secret's length */
#define AVILA_XXH3_BUFFER_SIZE 256 /* bytes a streaming context buffers */

/*
 * Streaming XXH3-64 state (536 bytes). Fields are private. buf holds input
 * not yet consumed; once it has been consumed, its last 64 bytes also keep
 * the previous stripe, which final() may need.
 */
struct avila_xxh3 {
    uint64_t acc[8];                        /* the eight lane accumulators */
    uint64_t seed;                          /* for inputs up to 240 bytes */
    uint64_t total;                         /* bytes added so far, modulo 2^64 */
    uint32_t buflen;                        /* bytes in buf */
    uint32_t stripes;                       /* stripes accumulated in the current block */
    uint8_t secret[AVILA_XXH3_SECRET_SIZE]; /* the default secret adjusted by the seed */
    uint8_t buf[AVILA_XXH3_BUFFER_SIZE];    /* unconsumed input */
};

/*
 * XXH3 64-bit hash (XXH3_64bits_withSeed) of the n bytes at data with the
 * default secret. Seed 0 gives the unseeded XXH3_64bits (xxhsum -H3). Long
 * inputs use the fastest kernel the CPU offers (see avila_xxh3_impl).
 */
uint64_t avila_xxh3_64(const void *data, size_t n, uint64_t seed);

/* Starts an XXH3-64 computation with the given seed. */
void avila_xxh3_init(struct avila_xxh3 *s, uint64_t seed);

/* Adds n bytes at data to the computation. */
void avila_xxh3_update(struct avila_xxh3 *s, const void *data, size_t n);

/* Returns the hash of everything added so far; s is unchanged. */
uint64_t avila_xxh3_final(const struct avila_xxh3 *s);

/*
 * Names the XXH3 long-input kernel the dispatcher picks now: "avx512",
 * "avx2" or "portable". Static string.
 */
const char *avila_xxh3_impl(void);

/* ------------------------------------------------------------------ CRC-32C */

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
 * final XOR 0xFFFFFFFF) of the n bytes at data, continuing from crc: pass 0
 * to start, or the value returned for the preceding data, so that
 * avila_crc32c(avila_crc32c(0, a, na), b, nb) == avila_crc32c(0, ab, na + nb).
 * avila_crc32c(0, "123456789", 9) == 0xE3069283.
 */
uint32_t avila_crc32c(uint32_t crc, const void *data, size_t n);

/*
 * Names the CRC-32C kernel the dispatcher picks now: "sse4.2+pclmul",
 * "sse4.2" or "portable". Static string.
 */
const char *avila_crc32c_impl(void);

#endif
