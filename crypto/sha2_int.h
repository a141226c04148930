/*
 * crypto/sha2_int.h - internals shared by crypto/sha256*.c, crypto/sha512*.c
 * and their tests (not installed): the block-function kernels, so tests run
 * every variant on the same inputs, and the Merkle-Damgard buffering and
 * padding of FIPS 180-4 section 5.1 that SHA-256 and SHA-512 share.
 */
#ifndef AVILA_CRYPTO_SHA2_INT_H
#define AVILA_CRYPTO_SHA2_INT_H

#include "core/bits.h"
#include "core/endian.h"
#include "crypto/sha2.h"

/*
 * One implementation of the SHA-256 compression function (FIPS 180-4
 * section 6.2.2): runs nblocks 64-byte blocks at p (any alignment) through
 * the chaining value h. Time depends on nblocks only.
 */
struct avila_sha256_kernel {
    const char *name; /* as reported by avila_sha256_impl */
    uint32_t cpu;     /* the AVILA_CPU_* bits it needs */
    void (*blocks)(uint32_t h[8], const uint8_t *p, size_t nblocks);
};

/* The same for SHA-512 (section 6.4.2), 128-byte blocks. */
struct avila_sha512_kernel {
    const char *name; /* as reported by avila_sha512_impl */
    uint32_t cpu;     /* the AVILA_CPU_* bits it needs */
    void (*blocks)(uint64_t h[8], const uint8_t *p, size_t nblocks);
};

extern const struct avila_sha256_kernel avila_sha256_kernel_portable;
extern const struct avila_sha512_kernel avila_sha512_kernel_portable;
#if AVILA_X86_64
extern const struct avila_sha256_kernel avila_sha256_kernel_shani;
extern const struct avila_sha512_kernel avila_sha512_kernel_avx2;
#endif

/*
 * The kernels the dispatcher picks now: the first, in order of preference,
 * whose cpu bits avila_cpu_features allows (so avila_cpu_restrict(k->cpu)
 * selects kernel k).
 */
const struct avila_sha256_kernel *avila_sha256_kernel(void);
const struct avila_sha512_kernel *avila_sha512_kernel(void);

/* The round constants (FIPS 180-4 sections 4.2.2 and 4.2.3). */
extern const uint32_t avila_sha256_k[64];
extern const uint64_t avila_sha512_k[80];

/* ------------------------------------------------------------- rounds */

/* The Sigma and sigma functions of section 4.1.3, shared by the SHA-512 block functions. */
static inline uint64_t avila_sha512_bsig0(uint64_t x)
{
    return avila_rotr64(x, 28) ^ avila_rotr64(x, 34) ^ avila_rotr64(x, 39);
}

static inline uint64_t avila_sha512_bsig1(uint64_t x)
{
    return avila_rotr64(x, 14) ^ avila_rotr64(x, 18) ^ avila_rotr64(x, 41);
}

static inline uint64_t avila_sha512_ssig0(uint64_t x)
{
    return avila_rotr64(x, 1) ^ avila_rotr64(x, 8) ^ x >> 7;
}

static inline uint64_t avila_sha512_ssig1(uint64_t x)
{
    return avila_rotr64(x, 19) ^ avila_rotr64(x, 61) ^ x >> 6;
}

/*
 * One round of either hash (sections 6.2.2 and 6.4.2, step 3) on words of
 * type T, with the working variables named a..h, kw = K[t] + W[t], and
 * bsig0 / bsig1 the word size's Sigma functions. Callers rotate the names
 * instead of moving values, so only d and h are written. Ch(e, f, g) is
 * g ^ (e & (f ^ g)); Maj(a, b, c) is b ^ ((a ^ b) & (b ^ c)), and this
 * round's a ^ b (stored in ab) is the next round's b ^ c (read from bc).
 */
#define AVILA_SHA2_ROUND(T, bsig0, bsig1, a, b, c, d, e, f, g, h, kw, ab, bc)                      \
    do {                                                                                           \
        T t1_ = (h) + (kw) + ((g) ^ ((e) & ((f) ^ (g)))) + bsig1(e);                               \
        (ab) = (a) ^ (b);                                                                          \
        (d) += t1_;                                                                                \
        (h) = t1_ + bsig0(a) + ((b) ^ ((ab) & (bc)));                                              \
    } while (0)

/*
 * Rounds t..t+7 (t a multiple of 8) on local variables named a..h, with
 * x0 holding b ^ c on entry (and on exit) and x1 scratch; kw(t) is an
 * expression macro giving K[t] + W[t].
 */
#define AVILA_SHA2_ROUNDS8(T, bsig0, bsig1, t, kw)                                                 \
    do {                                                                                           \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, a, b, c, d, e, f, g, h, kw((t) + 0), x1, x0);            \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, h, a, b, c, d, e, f, g, kw((t) + 1), x0, x1);            \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, g, h, a, b, c, d, e, f, kw((t) + 2), x1, x0);            \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, f, g, h, a, b, c, d, e, kw((t) + 3), x0, x1);            \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, e, f, g, h, a, b, c, d, kw((t) + 4), x1, x0);            \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, d, e, f, g, h, a, b, c, kw((t) + 5), x0, x1);            \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, c, d, e, f, g, h, a, b, kw((t) + 6), x1, x0);            \
        AVILA_SHA2_ROUND(T, bsig0, bsig1, b, c, d, e, f, g, h, a, kw((t) + 7), x0, x1);            \
    } while (0)

/* Eight SHA-512 rounds, as above. */
#define AVILA_SHA512_ROUNDS8(t, kw)                                                                \
    AVILA_SHA2_ROUNDS8(uint64_t, avila_sha512_bsig0, avila_sha512_bsig1, t, kw)

/* ------------------------------------------------ buffering and padding */

/* Runs whole blocks through a chaining value (a kernel's blocks, behind a void pointer). */
typedef void (*avila_sha2_blocks_fn)(void *h, const uint8_t *p, size_t nblocks);

/*
 * The update step: absorbs n bytes at p into the chaining value h, with buf
 * holding the partial block (*nbytes % block_len bytes) and *nbytes the byte
 * count so far. block_len is a power of two.
 */
static inline void avila_sha2_absorb(void *h, uint8_t *buf, size_t block_len, uint64_t *nbytes,
                                     avila_sha2_blocks_fn blocks, const uint8_t *p, size_t n)
{
    if (n == 0)
        return; /* p may be NULL */
    size_t used = (size_t)(*nbytes & (block_len - 1));
    *nbytes += n;
    if (used) {
        size_t take = block_len - used < n ? block_len - used : n;
        memcpy(buf + used, p, take);
        if (used + take < block_len)
            return;
        blocks(h, buf, 1);
        p += take;
        n -= take;
    }
    if (n >= block_len) {
        blocks(h, p, n / block_len);
        p += n & ~(block_len - 1);
        n &= block_len - 1;
    }
    if (n)
        memcpy(buf, p, n);
}

/*
 * The padding step (section 5.1): appends the 1 bit, zeros and the message
 * length in bits, big-endian, in the last len_bytes (8 or 16) of the final
 * block, and runs the last one or two blocks. The length is nbytes * 8
 * exactly (a 16-byte field takes nbytes' top 3 bits).
 */
static inline void avila_sha2_pad(void *h, uint8_t *buf, size_t block_len, size_t len_bytes,
                                  uint64_t nbytes, avila_sha2_blocks_fn blocks)
{
    size_t used = (size_t)(nbytes & (block_len - 1));
    buf[used++] = 0x80;
    if (used > block_len - len_bytes) {
        memset(buf + used, 0, block_len - used);
        blocks(h, buf, 1);
        used = 0;
    }
    memset(buf + used, 0, block_len - 8 - used);
    if (len_bytes == 16)
        avila_store_be64(buf + block_len - 16, nbytes >> 61);
    avila_store_be64(buf + block_len - 8, nbytes << 3);
    blocks(h, buf, 1);
}

#endif
