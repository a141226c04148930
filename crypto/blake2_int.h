/*
 * crypto/blake2_int.h - internals shared by the BLAKE2 source files and their
 * tests (not installed): the constants of RFC 7693 and the compression
 * functions, which tests compare with a plain model of the RFC.
 */
#ifndef AVILA_CRYPTO_BLAKE2_INT_H
#define AVILA_CRYPTO_BLAKE2_INT_H

#include "core/bits.h"
#include "crypto/blake2.h"

/*
 * The quarter-round G of BLAKE2 (RFC 7693, section 3.1) and BLAKE3 (which
 * uses BLAKE2s's), on words rotated right by ROTR by R1..R4 bits: BLAKE2b
 * is (avila_rotr64, 32, 24, 16, 63), BLAKE2s and BLAKE3 (avila_rotr32, 16,
 * 12, 8, 7).
 */
#define AVILA_BLAKE_G(ROTR, R1, R2, R3, R4, a, b, c, d, x, y)                                      \
    do {                                                                                           \
        (a) += (b) + (x);                                                                          \
        (d) = ROTR((d) ^ (a), R1);                                                                 \
        (c) += (d);                                                                                \
        (b) = ROTR((b) ^ (c), R2);                                                                 \
        (a) += (b) + (y);                                                                          \
        (d) = ROTR((d) ^ (a), R3);                                                                 \
        (c) += (d);                                                                                \
        (b) = ROTR((b) ^ (c), R4);                                                                 \
    } while (0)

/*
 * One round on the local variables v0..v15 with G: the columns, then the
 * diagonals, taking message words m[] in the order of row r of SCHEDULE.
 */
#define AVILA_BLAKE_ROUND(G, SCHEDULE, r)                                                          \
    do {                                                                                           \
        G(v0, v4, v8, v12, m[SCHEDULE[r][0]], m[SCHEDULE[r][1]]);                                  \
        G(v1, v5, v9, v13, m[SCHEDULE[r][2]], m[SCHEDULE[r][3]]);                                  \
        G(v2, v6, v10, v14, m[SCHEDULE[r][4]], m[SCHEDULE[r][5]]);                                 \
        G(v3, v7, v11, v15, m[SCHEDULE[r][6]], m[SCHEDULE[r][7]]);                                 \
        G(v0, v5, v10, v15, m[SCHEDULE[r][8]], m[SCHEDULE[r][9]]);                                 \
        G(v1, v6, v11, v12, m[SCHEDULE[r][10]], m[SCHEDULE[r][11]]);                               \
        G(v2, v7, v8, v13, m[SCHEDULE[r][12]], m[SCHEDULE[r][13]]);                                \
        G(v3, v4, v9, v14, m[SCHEDULE[r][14]], m[SCHEDULE[r][15]]);                                \
    } while (0)

/*
 * The BLAKE2b compression function F (RFC 7693, section 3.2) over nblocks
 * consecutive 128-byte blocks at in (any alignment). Before each block the
 * 128-bit counter t (t[0] low word) grows by inc; f0 is the final-block
 * flag word (0, or all-ones for the last block, which is then the only one).
 */
void avila_blake2b_compress(uint64_t h[8], uint64_t t[2], const uint8_t *in, size_t nblocks,
                            uint64_t inc, uint64_t f0);

/* The same for BLAKE2s: 64-byte blocks, 32-bit words, 64-bit counter in t[0] (low), t[1]. */
void avila_blake2s_compress(uint32_t h[8], uint32_t t[2], const uint8_t *in, size_t nblocks,
                            uint32_t inc, uint32_t f0);

/*
 * The message schedule SIGMA (RFC 7693, section 2.7) as an initializer, so
 * each compressor has its own static copy whose entries the compiler turns
 * into constant indices. BLAKE2b's rounds 10 and 11 reuse rows 0 and 1.
 */
#define AVILA_BLAKE2_SIGMA                                                                         \
    {                                                                                              \
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},                                    \
            {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},                                \
            {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},                                \
            {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},                                \
            {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},                                \
            {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},                                \
            {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},                                \
            {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},                                \
            {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},                                \
            {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},                                \
    }

/* The initialisation vectors (RFC 7693, section 2.6: SHA-512's and SHA-256's initial hash). */
#define AVILA_BLAKE2B_IV                                                                           \
    {                                                                                              \
        0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull,                       \
            0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,                   \
            0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull,                                          \
    }
#define AVILA_BLAKE2S_IV                                                                           \
    {                                                                                              \
        0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, \
            0x5be0cd19u,                                                                           \
    }

#endif
