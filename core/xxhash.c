/*
 * core/xxhash.c - xxHash64 and XXH3-64 (one-shot and streaming), the
 * portable XXH3 kernel and the XXH3 kernel dispatcher.
 *
 * Implements the xxHash fast digest algorithm specification
 * (github.com/Cyan4973/xxHash, doc/xxhash_spec.md): "XXH64 Algorithm
 * Description" steps 1-7 and "XXH3 Algorithm Description" for small (0-16),
 * medium (17-240) and large (241+) inputs, 64-bit output, default secret and
 * seed-derived secret. The SIMD kernels for large inputs are in
 * core/xxhash_x86.c.
 */
#include "core/bits.h"
#include "core/cpu.h"
#include "core/endian.h"
#include "core/hash_int.h"

#define P32_1 0x9E3779B1u
#define P32_2 0x85EBCA77u
#define P32_3 0xC2B2AE3Du
#define P64_1 0x9E3779B185EBCA87ull
#define P64_2 0xC2B2AE3D27D4EB4Full
#define P64_3 0x165667B19E3779F9ull
#define P64_4 0x85EBCA77C2B2AE63ull
#define P64_5 0x27D4EB2F165667C5ull
#define PMX_1 0x165667919E3779F9ull
#define PMX_2 0x9FB21C651E98DF25ull

/* ----------------------------------------------------------------- xxHash64 */

static inline uint64_t xxh64_round(uint64_t acc, uint64_t lane)
{
    acc += lane * P64_2;
    return avila_rotl64(acc, 31) * P64_1;
}

static inline uint64_t xxh64_merge(uint64_t h, uint64_t acc)
{
    h ^= xxh64_round(0, acc);
    return h * P64_1 + P64_4;
}

static uint64_t xxh64_avalanche(uint64_t h)
{
    h ^= h >> 33;
    h *= P64_2;
    h ^= h >> 29;
    h *= P64_3;
    return h ^ (h >> 32);
}

static void xxh64_seed_lanes(uint64_t acc[4], uint64_t seed)
{
    acc[0] = seed + P64_1 + P64_2;
    acc[1] = seed + P64_2;
    acc[2] = seed;
    acc[3] = seed - P64_1;
}

/* Consumes the whole 32-byte stripes of p[0..n) and returns how many bytes that was. */
static size_t xxh64_stripes(uint64_t acc[4], const uint8_t *p, size_t n)
{
    uint64_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    size_t i = 0;
    for (; n - i >= 32; i += 32) {
        a0 = xxh64_round(a0, avila_load_le64(p + i));
        a1 = xxh64_round(a1, avila_load_le64(p + i + 8));
        a2 = xxh64_round(a2, avila_load_le64(p + i + 16));
        a3 = xxh64_round(a3, avila_load_le64(p + i + 24));
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    return i;
}

static uint64_t xxh64_converge(const uint64_t acc[4])
{
    uint64_t h = avila_rotl64(acc[0], 1) + avila_rotl64(acc[1], 7) + avila_rotl64(acc[2], 12) +
                 avila_rotl64(acc[3], 18);
    for (int i = 0; i < 4; i++)
        h = xxh64_merge(h, acc[i]);
    return h;
}

/* Steps 4-6: the total length, the last n < 32 bytes at p[i..], the avalanche. */
static uint64_t xxh64_finish(uint64_t h, uint64_t total, const uint8_t *p, size_t i, size_t n)
{
    h += total;
    for (; n - i >= 8; i += 8)
        h = avila_rotl64(h ^ xxh64_round(0, avila_load_le64(p + i)), 27) * P64_1 + P64_4;
    if (n - i >= 4) {
        h = avila_rotl64(h ^ (uint64_t)avila_load_le32(p + i) * P64_1, 23) * P64_2 + P64_3;
        i += 4;
    }
    for (; i < n; i++)
        h = avila_rotl64(h ^ p[i] * P64_5, 11) * P64_1;
    return xxh64_avalanche(h);
}

uint64_t avila_xxh64(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    if (n < 32)
        return xxh64_finish(seed + P64_5, n, p, 0, n);
    uint64_t acc[4];
    xxh64_seed_lanes(acc, seed);
    size_t done = xxh64_stripes(acc, p, n);
    return xxh64_finish(xxh64_converge(acc), n, p, done, n);
}

void avila_xxh64_init(struct avila_xxh64 *s, uint64_t seed)
{
    xxh64_seed_lanes(s->acc, seed);
    s->seed = seed;
    s->total = 0;
    s->buflen = 0;
}

void avila_xxh64_update(struct avila_xxh64 *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (n == 0)
        return;
    s->total += n;
    if (n < 32 - s->buflen) {
        memcpy(s->buf + s->buflen, p, n);
        s->buflen += (uint32_t)n;
        return;
    }
    size_t i = 0;
    if (s->buflen != 0) {
        i = 32 - s->buflen;
        memcpy(s->buf + s->buflen, p, i);
        xxh64_stripes(s->acc, s->buf, 32);
    }
    i += xxh64_stripes(s->acc, p + i, n - i);
    s->buflen = (uint32_t)(n - i);
    memcpy(s->buf, p + i, s->buflen);
}

uint64_t avila_xxh64_final(const struct avila_xxh64 *s)
{
    uint64_t h = s->total >= 32 ? xxh64_converge(s->acc) : s->seed + P64_5;
    return xxh64_finish(h, s->total, s->buf, 0, s->buflen);
}

/* ------------------------------------------------------------ XXH3 secrets */

static const uint8_t default_secret[AVILA_XXH3_SECRET_SIZE] = {
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
    0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
    0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
    0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
};

/* The large-input secret for a seed: even 64-bit words plus seed, odd words minus seed. */
static void derive_secret(uint8_t out[AVILA_XXH3_SECRET_SIZE], uint64_t seed)
{
    for (size_t i = 0; i < AVILA_XXH3_SECRET_SIZE; i += 16) {
        avila_store_le64(out + i, avila_load_le64(default_secret + i) + seed);
        avila_store_le64(out + i + 8, avila_load_le64(default_secret + i + 8) - seed);
    }
}

/* ---------------------------------------------------- XXH3 small and medium */

#define MIDSIZE_MAX 240

/* The full 128-bit product of a and b, low half XOR high half. */
static inline uint64_t mul128_fold64(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    /* Schoolbook on 32-bit halves, for targets without a 128-bit type. */
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    uint64_t lo = (mid << 32) | (uint32_t)ll;
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return lo ^ hi;
#endif
}

static uint64_t xxh3_avalanche(uint64_t h)
{
    h ^= h >> 37;
    h *= PMX_1;
    return h ^ (h >> 32);
}

/* "rrmxmx": the stronger mix of the 4-8 byte case. */
static uint64_t xxh3_rrmxmx(uint64_t h, uint64_t len)
{
    h ^= avila_rotl64(h, 49) ^ avila_rotl64(h, 24);
    h *= PMX_2;
    h ^= (h >> 35) + len;
    h *= PMX_2;
    return h ^ (h >> 28);
}

static uint64_t xxh3_0to16(const uint8_t *p, size_t n, const uint8_t *secret, uint64_t seed)
{
    if (n > 8) {
        uint64_t lo = avila_load_le64(p) ^
                      ((avila_load_le64(secret + 24) ^ avila_load_le64(secret + 32)) + seed);
        uint64_t hi = avila_load_le64(p + n - 8) ^
                      ((avila_load_le64(secret + 40) ^ avila_load_le64(secret + 48)) - seed);
        return xxh3_avalanche(n + __builtin_bswap64(lo) + hi + mul128_fold64(lo, hi));
    }
    if (n >= 4) {
        seed ^= (uint64_t)__builtin_bswap32((uint32_t)seed) << 32;
        uint64_t in = avila_load_le32(p + n - 4) + ((uint64_t)avila_load_le32(p) << 32);
        uint64_t flip = (avila_load_le64(secret + 8) ^ avila_load_le64(secret + 16)) - seed;
        return xxh3_rrmxmx(in ^ flip, n);
    }
    if (n > 0) {
        uint32_t combined =
            (uint32_t)p[0] << 16 | (uint32_t)p[n >> 1] << 24 | p[n - 1] | (uint32_t)n << 8;
        uint64_t flip = (avila_load_le32(secret) ^ avila_load_le32(secret + 4)) + seed;
        return xxh64_avalanche(combined ^ flip);
    }
    return xxh64_avalanche(seed ^ avila_load_le64(secret + 56) ^ avila_load_le64(secret + 64));
}

static inline uint64_t mix16(const uint8_t *p, const uint8_t *secret, uint64_t seed)
{
    return mul128_fold64(avila_load_le64(p) ^ (avila_load_le64(secret) + seed),
                         avila_load_le64(p + 8) ^ (avila_load_le64(secret + 8) - seed));
}

/* 17-128 bytes: pairs of 16-byte chunks from both ends, innermost pair first. */
static uint64_t xxh3_17to128(const uint8_t *p, size_t n, const uint8_t *secret, uint64_t seed)
{
    uint64_t acc = n * P64_1;
    for (size_t i = (n - 1) / 32 + 1; i-- > 0;) {
        acc += mix16(p + 16 * i, secret + 32 * i, seed);
        acc += mix16(p + n - 16 * i - 16, secret + 32 * i + 16, seed);
    }
    return xxh3_avalanche(acc);
}

/* 129-240 bytes: eight chunks, an avalanche, the remaining chunks, the last 16 bytes. */
static uint64_t xxh3_129to240(const uint8_t *p, size_t n, const uint8_t *secret, uint64_t seed)
{
    uint64_t acc = n * P64_1;
    for (size_t i = 0; i < 8; i++)
        acc += mix16(p + 16 * i, secret + 16 * i, seed);
    acc = xxh3_avalanche(acc);
    /* The secret offsets the specification fixes: 3 bytes in, and 17 before 136. */
    for (size_t i = 8; i < n / 16; i++)
        acc += mix16(p + 16 * i, secret + 16 * (i - 8) + 3, seed);
    acc += mix16(p + n - 16, secret + 119, seed);
    return xxh3_avalanche(acc);
}

/* Inputs of at most MIDSIZE_MAX bytes use the default secret and the seed itself. */
static uint64_t xxh3_short(const uint8_t *p, size_t n, uint64_t seed)
{
    if (n <= 16)
        return xxh3_0to16(p, n, default_secret, seed);
    if (n <= 128)
        return xxh3_17to128(p, n, default_secret, seed);
    return xxh3_129to240(p, n, default_secret, seed);
}

/* ------------------------------------------------------------- XXH3 large */

#define LAST_STRIPE_OFFSET (AVILA_XXH3_SECRET_SIZE - AVILA_XXH3_STRIPE_LEN - 7)
#define MERGE_OFFSET       11

static void acc_start(uint64_t acc[8])
{
    static const uint64_t start[8] = {P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1};
    memcpy(acc, start, sizeof start);
}

static uint64_t acc_merge(const uint64_t acc[8], const uint8_t *secret, uint64_t len)
{
    uint64_t h = len * P64_1;
    for (size_t i = 0; i < 4; i++)
        h += mul128_fold64(acc[2 * i] ^ avila_load_le64(secret + 16 * i),
                           acc[2 * i + 1] ^ avila_load_le64(secret + 16 * i + 8));
    return xxh3_avalanche(h);
}

static uint64_t xxh3_long(const struct avila_xxh3_kernel *k, const uint8_t *p, size_t n,
                          const uint8_t *secret)
{
    uint64_t acc[8];
    acc_start(acc);
    /* The last block, full or not, is left for the tail: it ends with the last stripe. */
    size_t blocks = (n - 1) / AVILA_XXH3_BLOCK_LEN;
    k->blocks(acc, p, blocks, secret);
    size_t rest = n - blocks * AVILA_XXH3_BLOCK_LEN;
    k->accumulate(acc, p + blocks * AVILA_XXH3_BLOCK_LEN, secret,
                  (rest - 1) / AVILA_XXH3_STRIPE_LEN);
    k->accumulate(acc, p + n - AVILA_XXH3_STRIPE_LEN, secret + LAST_STRIPE_OFFSET, 1);
    return acc_merge(acc, secret + MERGE_OFFSET, n);
}

uint64_t avila_xxh3_64_with(const struct avila_xxh3_kernel *k, const void *data, size_t n,
                            uint64_t seed)
{
    const uint8_t *p = data;
    if (n <= MIDSIZE_MAX)
        return xxh3_short(p, n, seed);
    if (seed == 0)
        return xxh3_long(k, p, n, default_secret);
    uint8_t secret[AVILA_XXH3_SECRET_SIZE];
    derive_secret(secret, seed);
    return xxh3_long(k, p, n, secret);
}

uint64_t avila_xxh3_64(const void *data, size_t n, uint64_t seed)
{
    if (n <= MIDSIZE_MAX)
        return xxh3_short(data, n, seed);
    return avila_xxh3_64_with(avila_xxh3_kernel(), data, n, seed);
}

/* ------------------------------------------------------------ XXH3 streaming */

_Static_assert(AVILA_XXH3_BUFFER_SIZE % AVILA_XXH3_STRIPE_LEN == 0, "whole stripes");
_Static_assert(AVILA_XXH3_BUFFER_SIZE > MIDSIZE_MAX, "short inputs stay in the buffer");

void avila_xxh3_init(struct avila_xxh3 *s, uint64_t seed)
{
    acc_start(s->acc);
    s->seed = seed;
    s->total = 0;
    s->buflen = 0;
    s->stripes = 0;
    derive_secret(s->secret, seed);
}

/*
 * Accumulates nstripes stripes into acc, scrambling whenever a block fills
 * up: first the rest of the current block, then whole blocks, then the start
 * of a new one.
 */
static void consume_stripes(const struct avila_xxh3_kernel *k, uint64_t acc[8], uint32_t *stripes,
                            const uint8_t *secret, const uint8_t *p, size_t nstripes)
{
    if (*stripes != 0) {
        size_t take = AVILA_XXH3_STRIPES_PER_BLOCK - *stripes;
        if (take > nstripes)
            take = nstripes;
        k->accumulate(acc, p, secret + 8 * (size_t)*stripes, take);
        *stripes += (uint32_t)take;
        p += take * AVILA_XXH3_STRIPE_LEN;
        nstripes -= take;
        if (*stripes < AVILA_XXH3_STRIPES_PER_BLOCK)
            return;
        k->scramble(acc, secret + AVILA_XXH3_SCRAMBLE_OFFSET);
    }
    size_t blocks = nstripes / AVILA_XXH3_STRIPES_PER_BLOCK;
    k->blocks(acc, p, blocks, secret);
    *stripes = (uint32_t)(nstripes - blocks * AVILA_XXH3_STRIPES_PER_BLOCK);
    k->accumulate(acc, p + blocks * AVILA_XXH3_BLOCK_LEN, secret, *stripes);
}

/*
 * Input is consumed only when more follows, so the stripe holding the last
 * byte always waits for final(), which treats it specially. When the buffer
 * is consumed, its last 64 bytes stay as the previous stripe for final().
 */
void avila_xxh3_update(struct avila_xxh3 *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (n == 0)
        return;
    s->total += n;
    if (n <= AVILA_XXH3_BUFFER_SIZE - s->buflen) {
        memcpy(s->buf + s->buflen, p, n);
        s->buflen += (uint32_t)n;
        return;
    }
    const struct avila_xxh3_kernel *k = avila_xxh3_kernel();
    if (s->buflen != 0) {
        size_t fill = AVILA_XXH3_BUFFER_SIZE - s->buflen;
        memcpy(s->buf + s->buflen, p, fill);
        p += fill;
        n -= fill;
        consume_stripes(k, s->acc, &s->stripes, s->secret, s->buf,
                        AVILA_XXH3_BUFFER_SIZE / AVILA_XXH3_STRIPE_LEN);
        s->buflen = 0;
    }
    if (n > AVILA_XXH3_BUFFER_SIZE) {
        size_t nstripes = (n - 1) / AVILA_XXH3_STRIPE_LEN;
        size_t used = nstripes * AVILA_XXH3_STRIPE_LEN;
        consume_stripes(k, s->acc, &s->stripes, s->secret, p, nstripes);
        memcpy(s->buf + AVILA_XXH3_BUFFER_SIZE - AVILA_XXH3_STRIPE_LEN,
               p + used - AVILA_XXH3_STRIPE_LEN, AVILA_XXH3_STRIPE_LEN);
        p += used;
        n -= used;
    }
    memcpy(s->buf, p, n);
    s->buflen = (uint32_t)n;
}

uint64_t avila_xxh3_final(const struct avila_xxh3 *s)
{
    if (s->total <= MIDSIZE_MAX)
        return xxh3_short(s->buf, (size_t)s->total, s->seed);
    const struct avila_xxh3_kernel *k = avila_xxh3_kernel();
    uint64_t acc[8];
    uint32_t stripes = s->stripes;
    uint8_t last[AVILA_XXH3_STRIPE_LEN];
    memcpy(acc, s->acc, sizeof acc);
    if (s->buflen >= AVILA_XXH3_STRIPE_LEN) {
        consume_stripes(k, acc, &stripes, s->secret, s->buf,
                        (s->buflen - 1) / AVILA_XXH3_STRIPE_LEN);
        memcpy(last, s->buf + s->buflen - AVILA_XXH3_STRIPE_LEN, AVILA_XXH3_STRIPE_LEN);
    } else {
        /* The last stripe starts in the previous stripe kept at the buffer's end. */
        size_t from_prev = AVILA_XXH3_STRIPE_LEN - s->buflen;
        memcpy(last, s->buf + AVILA_XXH3_BUFFER_SIZE - from_prev, from_prev);
        memcpy(last + from_prev, s->buf, s->buflen);
    }
    k->accumulate(acc, last, s->secret + LAST_STRIPE_OFFSET, 1);
    return acc_merge(acc, s->secret + MERGE_OFFSET, s->total);
}

/* ------------------------------------------------ XXH3 portable kernel */

/*
 * Lanes 2j and 2j + 1 of one stripe: each lane's input is added to its
 * neighbour's accumulator (so no input bit can cancel out), and the product
 * of the halves of input ^ secret to its own.
 */
static inline void lane_pair(uint64_t *even, uint64_t *odd, const uint8_t *in, const uint8_t *key)
{
    uint64_t v0 = avila_load_le64(in), v1 = avila_load_le64(in + 8);
    uint64_t k0 = v0 ^ avila_load_le64(key), k1 = v1 ^ avila_load_le64(key + 8);
    *even += v1 + (uint64_t)(uint32_t)k0 * (k0 >> 32);
    *odd += v0 + (uint64_t)(uint32_t)k1 * (k1 >> 32);
}

/* Named accumulators rather than an indexed array, so they stay in registers. */
static void accumulate_portable(uint64_t acc[8], const uint8_t *in, const uint8_t *secret,
                                size_t nstripes)
{
    uint64_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    uint64_t a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
    for (size_t s = 0; s < nstripes; s++) {
        const uint8_t *p = in + s * AVILA_XXH3_STRIPE_LEN, *k = secret + 8 * s;
        lane_pair(&a0, &a1, p, k);
        lane_pair(&a2, &a3, p + 16, k + 16);
        lane_pair(&a4, &a5, p + 32, k + 32);
        lane_pair(&a6, &a7, p + 48, k + 48);
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
}

static void scramble_portable(uint64_t acc[8], const uint8_t *secret)
{
    for (size_t i = 0; i < 8; i++) {
        uint64_t a = acc[i];
        a ^= a >> 47;
        a ^= avila_load_le64(secret + 8 * i);
        acc[i] = a * P32_1;
    }
}

static void blocks_portable(uint64_t acc[8], const uint8_t *in, size_t nblocks,
                            const uint8_t *secret)
{
    for (size_t b = 0; b < nblocks; b++) {
        accumulate_portable(acc, in + b * AVILA_XXH3_BLOCK_LEN, secret,
                            AVILA_XXH3_STRIPES_PER_BLOCK);
        scramble_portable(acc, secret + AVILA_XXH3_SCRAMBLE_OFFSET);
    }
}

const struct avila_xxh3_kernel avila_xxh3_kernel_portable = {
    "portable", 0, accumulate_portable, scramble_portable, blocks_portable,
};

const struct avila_xxh3_kernel *avila_xxh3_kernel(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & avila_xxh3_kernel_avx512.cpu) == avila_xxh3_kernel_avx512.cpu)
        return &avila_xxh3_kernel_avx512;
    if ((f & avila_xxh3_kernel_avx2.cpu) == avila_xxh3_kernel_avx2.cpu)
        return &avila_xxh3_kernel_avx2;
#endif
    return &avila_xxh3_kernel_portable;
}

const char *avila_xxh3_impl(void)
{
    return avila_xxh3_kernel()->name;
}
