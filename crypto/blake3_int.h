/*
 * crypto/blake3_int.h - internals shared by the BLAKE3 source files and
 * their tests (not installed): the constants and flags of the BLAKE3
 * specification (section 2), the portable compression function, and the
 * many-input kernels, so tests can run every variant on the same inputs.
 */
#ifndef AVILA_CRYPTO_BLAKE3_INT_H
#define AVILA_CRYPTO_BLAKE3_INT_H

#include "crypto/blake3.h"

/* Domain flags (specification, Table 3). */
enum {
    AVILA_BLAKE3_CHUNK_START = 1 << 0,
    AVILA_BLAKE3_CHUNK_END = 1 << 1,
    AVILA_BLAKE3_PARENT = 1 << 2,
    AVILA_BLAKE3_ROOT = 1 << 3,
    AVILA_BLAKE3_KEYED_HASH = 1 << 4,
    AVILA_BLAKE3_DERIVE_KEY_CONTEXT = 1 << 5,
    AVILA_BLAKE3_DERIVE_KEY_MATERIAL = 1 << 6,
};

/* The IV: SHA-256's initial hash value, as for BLAKE2s (specification, Table 1). */
#define AVILA_BLAKE3_IV                                                                            \
    {                                                                                              \
        0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, \
            0x5be0cd19u,                                                                           \
    }

/*
 * The message word order of each of the 7 rounds: row 0 is 0..15 and row r
 * is row r - 1 permuted by the specification's permutation (Table 2), as an
 * initializer so each user folds it into constant indices.
 */
#define AVILA_BLAKE3_SCHEDULE                                                                      \
    {                                                                                              \
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},                                    \
            {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},                                \
            {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},                                \
            {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},                                \
            {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},                                \
            {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},                                \
            {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},                                \
    }

/*
 * The compression function (specification, section 2.2) on the chaining
 * value cv, one 64-byte block (block_len bytes of it are input, the rest
 * zero), the 64-bit counter t and the flags. Writes the 16 output words
 * (the first 8 are the next chaining value; all 16 feed the XOF) to out.
 */
void avila_blake3_compress(const uint32_t cv[8], const uint8_t block[AVILA_BLAKE3_BLOCK_LEN],
                           uint32_t block_len, uint64_t t, uint32_t flags, uint32_t out[16]);

/*
 * One implementation of "hash many": n independent inputs, each of blocks
 * whole 64-byte blocks at inputs[i] (any alignment), each started from key.
 * Input i uses counter + i if increment is set, else counter; its first block
 * gets flags | flags_start, its last flags | flags_end (one block gets both).
 * Writes the 32-byte chaining value of input i to out + 32 * i. Used for whole
 * chunks (16 blocks) and for parent nodes (1 block: two chaining values).
 * out MUST NOT overlap the inputs.
 */
struct avila_blake3_kernel {
    const char *name; /* as reported by avila_blake3_impl */
    uint32_t cpu;     /* the AVILA_CPU_* bits it needs */
    size_t degree;    /* inputs it hashes side by side */
    void (*hash_many)(const uint8_t *const *inputs, size_t n, size_t blocks, const uint32_t key[8],
                      uint64_t counter, int increment, uint32_t flags, uint32_t flags_start,
                      uint32_t flags_end, uint8_t *out);
};

extern const struct avila_blake3_kernel avila_blake3_kernel_portable;
#if AVILA_X86_64
extern const struct avila_blake3_kernel avila_blake3_kernel_avx2;
extern const struct avila_blake3_kernel avila_blake3_kernel_avx512;
#endif

/* The kernel the dispatcher picks now (the best one avila_cpu_features allows). */
const struct avila_blake3_kernel *avila_blake3_kernel(void);

/* The portable hash_many, which the vector kernels also use for their last few inputs. */
void avila_blake3_hash_many_portable(const uint8_t *const *inputs, size_t n, size_t blocks,
                                     const uint32_t key[8], uint64_t counter, int increment,
                                     uint32_t flags, uint32_t flags_start, uint32_t flags_end,
                                     uint8_t *out);

#endif
