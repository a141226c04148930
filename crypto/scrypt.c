/*
 * crypto/scrypt.c - scrypt (RFC 7914): the Salsa20/8 core (section 3),
 * scryptBlockMix (section 4), scryptROMix (section 5) and the KDF itself
 * (section 6) over PBKDF2-HMAC-SHA256. Pure.
 *
 * Speed: with p = 1 the whole computation is one chain of 2 * r * N
 * Salsa20/8 cores, each depending on the one before, so it is bound by the
 * latency of the core, not by throughput. The scalar core keeps the 16 words
 * in registers and runs four independent quarter-rounds side by side, which
 * a wide out-of-order CPU overlaps; SIMD kernels (one Salsa20 diagonal per
 * 128-bit vector, SSE2 and AVX-512VL rotates) were measured 15-60% slower on
 * the reference machine, every quarter-round then being one serial vector
 * step, so there are none. ROMix copies nothing it does not have to: V[i+1]
 * is BlockMix'ed straight from V[i], and the second loop XORs V[j] in while
 * reading it.
 *
 * Words are kept in host order inside the work area and converted from and
 * to the RFC's little-endian bytes around ROMix.
 */
#include "core/bits.h"
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/size.h"
#include "crypto/scrypt_int.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Words per 64-byte Salsa20 block. */
#define BLOCK_WORDS 16

/* The Salsa20 quarter-round of section 3 on (y0, y1, y2, y3) = (a, b, c, d). */
static ALWAYS_INLINE void quarter(uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    *b ^= avila_rotl32(*a + *d, 7);
    *c ^= avila_rotl32(*b + *a, 9);
    *d ^= avila_rotl32(*c + *b, 13);
    *a ^= avila_rotl32(*d + *c, 18);
}

/* w = Salsa20/8(w): four double rounds, then the input added back. */
static ALWAYS_INLINE void salsa20_8(uint32_t w[BLOCK_WORDS])
{
    uint32_t x0 = w[0], x1 = w[1], x2 = w[2], x3 = w[3], x4 = w[4], x5 = w[5], x6 = w[6], x7 = w[7],
             x8 = w[8], x9 = w[9], x10 = w[10], x11 = w[11], x12 = w[12], x13 = w[13], x14 = w[14],
             x15 = w[15];
    for (int i = 0; i < 8; i += 2) {
        /* columns */
        quarter(&x0, &x4, &x8, &x12);
        quarter(&x5, &x9, &x13, &x1);
        quarter(&x10, &x14, &x2, &x6);
        quarter(&x15, &x3, &x7, &x11);
        /* rows */
        quarter(&x0, &x1, &x2, &x3);
        quarter(&x5, &x6, &x7, &x4);
        quarter(&x10, &x11, &x8, &x9);
        quarter(&x15, &x12, &x13, &x14);
    }
    w[0] += x0, w[1] += x1, w[2] += x2, w[3] += x3, w[4] += x4, w[5] += x5, w[6] += x6;
    w[7] += x7, w[8] += x8, w[9] += x9, w[10] += x10, w[11] += x11, w[12] += x12;
    w[13] += x13, w[14] += x14, w[15] += x15;
}

/* x ^= in (^ in2) for one block. */
static ALWAYS_INLINE void xor_block(uint32_t x[BLOCK_WORDS], const uint32_t *in,
                                    const uint32_t *in2)
{
    for (size_t k = 0; k < BLOCK_WORDS; k++)
        x[k] ^= in[k];
    if (in2)
        for (size_t k = 0; k < BLOCK_WORDS; k++)
            x[k] ^= in2[k];
}

/* Section 4: X_i = Salsa(X_{i-1} ^ B_i); even outputs fill the first half, odd ones the second. */
void avila_scrypt_blockmix(uint32_t *out, const uint32_t *in, const uint32_t *in2, size_t r)
{
    uint32_t x[BLOCK_WORDS];
    const size_t last = (2 * r - 1) * BLOCK_WORDS;
    memcpy(x, in + last, sizeof x);
    if (in2)
        xor_block(x, in2 + last, NULL);
    for (size_t i = 0; i < 2 * r; i++) {
        xor_block(x, in + i * BLOCK_WORDS, in2 ? in2 + i * BLOCK_WORDS : NULL);
        salsa20_8(x);
        memcpy(out + ((i & 1) * r + i / 2) * BLOCK_WORDS, x, sizeof x);
    }
    avila_wipe(x, sizeof x);
}

/*
 * Integerify (section 5) reduced mod n: the little-endian 64-bit integer
 * starting the last 64-byte block, words 0 and 1 of it.
 */
static ALWAYS_INLINE uint64_t integerify(const uint32_t *x, size_t r, uint64_t n)
{
    const uint32_t *last = x + (2 * r - 1) * BLOCK_WORDS;
    return ((uint64_t)last[1] << 32 | last[0]) & (n - 1);
}

/*
 * Asks for all of V[j]'s cache lines at once (BlockMix reads them one 64-byte
 * block per Salsa20/8 call) and returns it: about 5% off N = 2^14, r = 8.
 */
static ALWAYS_INLINE const uint32_t *fetch(const uint32_t *block, size_t words)
{
    for (size_t k = 0; k < words; k += BLOCK_WORDS)
        __builtin_prefetch(block + k);
    return block;
}

void avila_scrypt_romix(uint32_t *b, size_t r, uint64_t n, uint32_t *v, uint32_t *xy)
{
    const size_t words = 32 * r;
    uint32_t *x = xy, *y = xy + words;
    memcpy(v, b, words * sizeof *v);
    for (uint64_t i = 0; i + 1 < n; i++)
        avila_scrypt_blockmix(v + (i + 1) * words, v + i * words, NULL, r);
    avila_scrypt_blockmix(x, v + (n - 1) * words, NULL, r);
    /* n is even: two steps per turn bring the result back to x. */
    for (uint64_t i = 0; i < n; i += 2) {
        avila_scrypt_blockmix(y, x, fetch(v + integerify(x, r, n) * words, words), r);
        avila_scrypt_blockmix(x, y, fetch(v + integerify(y, r, n) * words, words), r);
    }
    memcpy(b, x, words * sizeof *b);
}

/* Section 6's parameter rules; *need gets the work-area size. */
static int check_params(size_t out_len, uint64_t n, uint32_t r, uint32_t p, size_t *need)
{
    if (out_len == 0 || n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0 ||
        (uint64_t)r * p >= (uint64_t)1 << 30)
        return AVILA_EINVAL;
    /* N < 2^(128 * r / 8), binding only for r < 4. */
    if (r < 4 && n >> (16 * r) != 0)
        return AVILA_EINVAL;
    /* PBKDF2's output limit, (2^32 - 1) * 32 bytes. */
    if ((out_len - 1) / 32 >= UINT32_MAX || n > SIZE_MAX)
        return AVILA_EINVAL;
    /* 128 r (N + p + 2) bytes: V, B, X and Y, plus 64 for the alignment. */
    size_t blocks, lane_bytes;
    if (avila_size_add((size_t)n, (size_t)p + 2, &blocks) || avila_size_mul(128, r, &lane_bytes) ||
        avila_size_mul_add(blocks, lane_bytes, 64, need))
        return AVILA_EINVAL;
    return 0;
}

int avila_scrypt(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                 size_t salt_len, uint64_t N, uint32_t r, uint32_t p, void *work, size_t work_size)
{
    size_t need;
    int err = check_params(out_len, N, r, p, &need);
    if (err)
        return err;
    if (work == NULL || work_size < need)
        return AVILA_ENOSPC;
    uint8_t *base = work;
    uint8_t *area = base + (64 - (uintptr_t)base % 64) % 64;
    const size_t lane_bytes = (size_t)128 * r, lane_words = lane_bytes / 4;
    const size_t b_words = lane_words * p;
    uint32_t *b = (uint32_t *)(void *)area;
    uint32_t *xy = b + b_words;
    uint32_t *v = xy + 2 * lane_words;

    err = avila_pbkdf2(&avila_digest_sha256, area, lane_bytes * p, pw, pw_len, salt, salt_len, 1);
    if (!err) {
        for (size_t i = 0; i < b_words; i++)
            b[i] = avila_load_le32(area + 4 * i);
        for (uint32_t i = 0; i < p; i++)
            avila_scrypt_romix(b + lane_words * i, r, N, v, xy);
        for (size_t i = 0; i < b_words; i++)
            avila_store_le32(area + 4 * i, b[i]);
        err = avila_pbkdf2(&avila_digest_sha256, out, out_len, pw, pw_len, area, lane_bytes * p, 1);
    }
    avila_wipe(base, need);
    return err;
}
