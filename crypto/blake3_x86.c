/*
 * crypto/blake3_x86.c - BLAKE3 "hash many" with AVX2 (8 inputs) and AVX-512
 * (16 inputs) side by side: the compression function of the BLAKE3
 * specification (section 2.2) with lane j of every vector belonging to
 * input j, so the rounds need no shuffles across lanes. Pure. Chosen at run
 * time by avila_blake3_kernel(); every kernel runs the same vectors and is
 * compared with the portable one in tests/crypto/test_blake3.c.
 *
 * Each block is loaded as one row per input and transposed into sixteen
 * message vectors (vector i = word i of every input); the chaining values
 * are transposed back at the end. x86 is little-endian, so plain loads read
 * the specification's little-endian words. Inputs beyond a multiple of the
 * width go through one more pass with the spare lanes padded, or to the
 * portable code when there are too few of them to pay for it.
 */
#include "core/cpu.h"
#include "core/ct.h"
#include "crypto/blake3_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#define BLOCK AVILA_BLAKE3_BLOCK_LEN
#define OUT   AVILA_BLAKE3_OUT_LEN
/*
 * Each input is read two blocks ahead with a prefetch: the hardware
 * prefetchers do not follow 8 or 16 interleaved streams well, and inputs
 * larger than the caches ran at 60% of the speed without it. A prefetch past
 * the end of an input never faults.
 */
#define PREFETCH ((size_t)2 * BLOCK)

static const uint32_t IV[8] = AVILA_BLAKE3_IV;
static const uint8_t SCHEDULE[7][16] = AVILA_BLAKE3_SCHEDULE;

/* G on all lanes (specification, section 2.2), the vector operations passed in. */
#define GV(ADD, XOR, R16, R12, R8, R7, a, b, c, d, x, y)                                           \
    do {                                                                                           \
        (a) = ADD(ADD((a), (b)), (x));                                                             \
        (d) = R16(XOR((d), (a)));                                                                  \
        (c) = ADD((c), (d));                                                                       \
        (b) = R12(XOR((b), (c)));                                                                  \
        (a) = ADD(ADD((a), (b)), (y));                                                             \
        (d) = R8(XOR((d), (a)));                                                                   \
        (c) = ADD((c), (d));                                                                       \
        (b) = R7(XOR((b), (c)));                                                                   \
    } while (0)

/* One round on v[16] with message m[16]: columns, then diagonals, words in SCHEDULE[r] order. */
#define ROUNDV(G, r)                                                                               \
    do {                                                                                           \
        G(v[0], v[4], v[8], v[12], m[SCHEDULE[r][0]], m[SCHEDULE[r][1]]);                          \
        G(v[1], v[5], v[9], v[13], m[SCHEDULE[r][2]], m[SCHEDULE[r][3]]);                          \
        G(v[2], v[6], v[10], v[14], m[SCHEDULE[r][4]], m[SCHEDULE[r][5]]);                         \
        G(v[3], v[7], v[11], v[15], m[SCHEDULE[r][6]], m[SCHEDULE[r][7]]);                         \
        G(v[0], v[5], v[10], v[15], m[SCHEDULE[r][8]], m[SCHEDULE[r][9]]);                         \
        G(v[1], v[6], v[11], v[12], m[SCHEDULE[r][10]], m[SCHEDULE[r][11]]);                       \
        G(v[2], v[7], v[8], v[13], m[SCHEDULE[r][12]], m[SCHEDULE[r][13]]);                        \
        G(v[3], v[4], v[9], v[14], m[SCHEDULE[r][14]], m[SCHEDULE[r][15]]);                        \
    } while (0)

#define ROUNDS7(G)                                                                                 \
    do {                                                                                           \
        ROUNDV(G, 0);                                                                              \
        ROUNDV(G, 1);                                                                              \
        ROUNDV(G, 2);                                                                              \
        ROUNDV(G, 3);                                                                              \
        ROUNDV(G, 4);                                                                              \
        ROUNDV(G, 5);                                                                              \
        ROUNDV(G, 6);                                                                              \
    } while (0)

/* The flags of block b of blocks. */
static inline uint32_t block_flags(size_t b, size_t blocks, uint32_t flags, uint32_t flags_start,
                                   uint32_t flags_end)
{
    return flags | (b == 0 ? flags_start : 0) | (b + 1 == blocks ? flags_end : 0);
}

/* The counters of lanes 0..n-1, low and high words. */
static inline void lane_counters(uint64_t counter, int increment, size_t n, uint32_t lo[],
                                 uint32_t hi[])
{
    for (size_t j = 0; j < n; j++) {
        uint64_t t = counter + (increment ? j : 0);
        lo[j] = (uint32_t)t;
        hi[j] = (uint32_t)(t >> 32);
    }
}

/*
 * X(i) for i = 0..7 or 0..15: loops over arrays of vectors, written out so
 * that every index is a constant and compilers keep the arrays in registers.
 */
#define REP8(X)  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define REP16(X) REP8(X) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

/*
 * Fills padded[0..width) with inputs[0..n) (0 < n < width), repeating the
 * last one: the extra lanes do redundant work whose output is dropped.
 */
static inline void pad_inputs(const uint8_t *const *inputs, size_t n, const uint8_t **padded,
                              size_t width)
{
    for (size_t j = 0; j < width; j++)
        padded[j] = inputs[j < n ? j : n - 1];
}

/* ------------------------------------------------------------------ AVX2 */

#define ADD8(x, y) _mm256_add_epi32(x, y)
#define XOR8(x, y) _mm256_xor_si256(x, y)

AVILA_TARGET("avx2")
static inline __m256i rot16_8(__m256i x)
{
    const __m256i r = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3,
                                       0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    return _mm256_shuffle_epi8(x, r);
}

AVILA_TARGET("avx2")
static inline __m256i rot12_8(__m256i x)
{
    return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20));
}

AVILA_TARGET("avx2")
static inline __m256i rot8_8(__m256i x)
{
    const __m256i r = _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2,
                                       3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
    return _mm256_shuffle_epi8(x, r);
}

AVILA_TARGET("avx2")
static inline __m256i rot7_8(__m256i x)
{
    return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25));
}

#define G8(a, b, c, d, x, y) GV(ADD8, XOR8, rot16_8, rot12_8, rot8_8, rot7_8, a, b, c, d, x, y)

/* Transposes the 8x8 matrix of 32-bit words whose rows are r[0..7], in place. */
AVILA_TARGET("avx2")
static inline void transpose8(__m256i r[8])
{
    /* Pairs of rows interleaved, then pairs of pairs, then 128-bit halves exchanged. */
    __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

/* Stores 8 chaining values, one per lane of h[0..7], as 8 consecutive 32-byte outputs. */
AVILA_TARGET("avx2")
static inline void store_cvs8(__m256i h[8], uint8_t *out)
{
    transpose8(h);
#define STORE8(j) _mm256_storeu_si256((__m256i *)(out + (size_t)OUT * (j)), h[(j)]);
    REP8(STORE8)
}

AVILA_TARGET("avx2")
static void hash8(const uint8_t *const *in, size_t blocks, const uint32_t key[8], uint64_t counter,
                  int increment, uint32_t flags, uint32_t flags_start, uint32_t flags_end,
                  uint8_t *out)
{
    uint32_t lo[8], hi[8];
    lane_counters(counter, increment, 8, lo, hi);
    const __m256i t_lo = _mm256_loadu_si256((const __m256i *)lo);
    const __m256i t_hi = _mm256_loadu_si256((const __m256i *)hi);
    __m256i h[8];
#define SPLAT8(i) h[(i)] = _mm256_set1_epi32((int)key[(i)]);
    REP8(SPLAT8)
    for (size_t b = 0; b < blocks; b++) {
        /* Words 0-7 of each input, then words 8-15. */
        __m256i m[16];
#define LOAD8(j)                                                                                   \
    _mm_prefetch((const char *)(in[(j)] + BLOCK * b + PREFETCH), _MM_HINT_T0);                     \
    m[(j)] = _mm256_loadu_si256((const __m256i *)(in[(j)] + BLOCK * b));                           \
    m[8 + (j)] = _mm256_loadu_si256((const __m256i *)(in[(j)] + BLOCK * b + 32));
        REP8(LOAD8)
        transpose8(m);
        transpose8(m + 8);
        uint32_t f = block_flags(b, blocks, flags, flags_start, flags_end);
        __m256i v[16] = {
            h[0],
            h[1],
            h[2],
            h[3],
            h[4],
            h[5],
            h[6],
            h[7],
            _mm256_set1_epi32((int)IV[0]),
            _mm256_set1_epi32((int)IV[1]),
            _mm256_set1_epi32((int)IV[2]),
            _mm256_set1_epi32((int)IV[3]),
            t_lo,
            t_hi,
            _mm256_set1_epi32(BLOCK),
            _mm256_set1_epi32((int)f),
        };
        ROUNDS7(G8);
#define FEED8(i) h[(i)] = XOR8(v[(i)], v[(i) + 8]);
        REP8(FEED8)
    }
    store_cvs8(h, out);
}

AVILA_TARGET("avx2")
static void hash_many_avx2(const uint8_t *const *inputs, size_t n, size_t blocks,
                           const uint32_t key[8], uint64_t counter, int increment, uint32_t flags,
                           uint32_t flags_start, uint32_t flags_end, uint8_t *out)
{
    for (; n >= 8; n -= 8, inputs += 8, out += (size_t)8 * OUT) {
        hash8(inputs, blocks, key, counter, increment, flags, flags_start, flags_end, out);
        if (increment)
            counter += 8;
    }
    /* From 3 inputs on, one padded 8-lane pass beats one portable pass per input. */
    if (n >= 3) {
        const uint8_t *padded[8];
        uint8_t cvs[8 * OUT];
        pad_inputs(inputs, n, padded, 8);
        hash8(padded, blocks, key, counter, increment, flags, flags_start, flags_end, cvs);
        memcpy(out, cvs, n * OUT);
        avila_wipe(cvs, sizeof cvs);
        return;
    }
    avila_blake3_hash_many_portable(inputs, n, blocks, key, counter, increment, flags, flags_start,
                                    flags_end, out);
}

const struct avila_blake3_kernel avila_blake3_kernel_avx2 = {"avx2", AVILA_CPU_AVX2, 8,
                                                             hash_many_avx2};

/* --------------------------------------------------------------- AVX-512 */

#define ADD16(x, y) _mm512_add_epi32(x, y)
#define XOR16(x, y) _mm512_xor_si512(x, y)
#define ROT16_16(x) _mm512_ror_epi32(x, 16)
#define ROT12_16(x) _mm512_ror_epi32(x, 12)
#define ROT8_16(x)  _mm512_ror_epi32(x, 8)
#define ROT7_16(x)  _mm512_ror_epi32(x, 7)
#define G16(a, b, c, d, x, y)                                                                      \
    GV(ADD16, XOR16, ROT16_16, ROT12_16, ROT8_16, ROT7_16, a, b, c, d, x, y)

/*
 * Gathers 128-bit lane L of x0..x3 (word w of each lane, rows 0-3, 4-7,
 * 8-11, 12-15) into r[4 * L + w], for L = 0..3.
 */
AVILA_TARGET("avx512f")
static inline void gather_lanes(__m512i r[16], int w, __m512i x0, __m512i x1, __m512i x2,
                                __m512i x3)
{
    __m512i p = _mm512_shuffle_i32x4(x0, x1, _MM_SHUFFLE(1, 0, 1, 0));
    __m512i q = _mm512_shuffle_i32x4(x0, x1, _MM_SHUFFLE(3, 2, 3, 2));
    __m512i s = _mm512_shuffle_i32x4(x2, x3, _MM_SHUFFLE(1, 0, 1, 0));
    __m512i u = _mm512_shuffle_i32x4(x2, x3, _MM_SHUFFLE(3, 2, 3, 2));
    r[w] = _mm512_shuffle_i32x4(p, s, _MM_SHUFFLE(2, 0, 2, 0));
    r[4 + w] = _mm512_shuffle_i32x4(p, s, _MM_SHUFFLE(3, 1, 3, 1));
    r[8 + w] = _mm512_shuffle_i32x4(q, u, _MM_SHUFFLE(2, 0, 2, 0));
    r[12 + w] = _mm512_shuffle_i32x4(q, u, _MM_SHUFFLE(3, 1, 3, 1));
}

/* Transposes the 16x16 matrix of 32-bit words whose rows are r[0..15], in place. */
AVILA_TARGET("avx512f")
static inline void transpose16(__m512i r[16])
{
    /*
     * Within each 128-bit lane L, two interleaving steps turn rows 4g..4g+3
     * into x<g><w>, whose lane L holds word 4L + w of those four rows. Two
     * steps of 128-bit lane selection then gather, for each word, lane L of
     * x0<w>..x3<w> into one vector.
     */
    __m512i t0 = _mm512_unpacklo_epi32(r[0], r[1]), t1 = _mm512_unpackhi_epi32(r[0], r[1]);
    __m512i t2 = _mm512_unpacklo_epi32(r[2], r[3]), t3 = _mm512_unpackhi_epi32(r[2], r[3]);
    __m512i t4 = _mm512_unpacklo_epi32(r[4], r[5]), t5 = _mm512_unpackhi_epi32(r[4], r[5]);
    __m512i t6 = _mm512_unpacklo_epi32(r[6], r[7]), t7 = _mm512_unpackhi_epi32(r[6], r[7]);
    __m512i t8 = _mm512_unpacklo_epi32(r[8], r[9]), t9 = _mm512_unpackhi_epi32(r[8], r[9]);
    __m512i ta = _mm512_unpacklo_epi32(r[10], r[11]), tb = _mm512_unpackhi_epi32(r[10], r[11]);
    __m512i tc = _mm512_unpacklo_epi32(r[12], r[13]), td = _mm512_unpackhi_epi32(r[12], r[13]);
    __m512i te = _mm512_unpacklo_epi32(r[14], r[15]), tf = _mm512_unpackhi_epi32(r[14], r[15]);
    /* x<g><w>: group g of four rows, word w of each 128-bit lane. */
    __m512i x00 = _mm512_unpacklo_epi64(t0, t2), x01 = _mm512_unpackhi_epi64(t0, t2);
    __m512i x02 = _mm512_unpacklo_epi64(t1, t3), x03 = _mm512_unpackhi_epi64(t1, t3);
    __m512i x10 = _mm512_unpacklo_epi64(t4, t6), x11 = _mm512_unpackhi_epi64(t4, t6);
    __m512i x12 = _mm512_unpacklo_epi64(t5, t7), x13 = _mm512_unpackhi_epi64(t5, t7);
    __m512i x20 = _mm512_unpacklo_epi64(t8, ta), x21 = _mm512_unpackhi_epi64(t8, ta);
    __m512i x22 = _mm512_unpacklo_epi64(t9, tb), x23 = _mm512_unpackhi_epi64(t9, tb);
    __m512i x30 = _mm512_unpacklo_epi64(tc, te), x31 = _mm512_unpackhi_epi64(tc, te);
    __m512i x32 = _mm512_unpacklo_epi64(td, tf), x33 = _mm512_unpackhi_epi64(td, tf);
    gather_lanes(r, 0, x00, x10, x20, x30);
    gather_lanes(r, 1, x01, x11, x21, x31);
    gather_lanes(r, 2, x02, x12, x22, x32);
    gather_lanes(r, 3, x03, x13, x23, x33);
}

AVILA_TARGET("avx512f,avx2")
static void hash16(const uint8_t *const *in, size_t blocks, const uint32_t key[8], uint64_t counter,
                   int increment, uint32_t flags, uint32_t flags_start, uint32_t flags_end,
                   uint8_t *out)
{
    uint32_t lo[16], hi[16];
    lane_counters(counter, increment, 16, lo, hi);
    const __m512i t_lo = _mm512_loadu_si512(lo), t_hi = _mm512_loadu_si512(hi);
    __m512i h[8];
#define SPLAT16(i) h[(i)] = _mm512_set1_epi32((int)key[(i)]);
    REP8(SPLAT16)
    for (size_t b = 0; b < blocks; b++) {
        __m512i m[16];
#define LOAD16(j)                                                                                  \
    _mm_prefetch((const char *)(in[(j)] + BLOCK * b + PREFETCH), _MM_HINT_T0);                     \
    m[(j)] = _mm512_loadu_si512(in[(j)] + BLOCK * b);
        REP16(LOAD16)
        transpose16(m);
        uint32_t f = block_flags(b, blocks, flags, flags_start, flags_end);
        __m512i v[16] = {
            h[0],
            h[1],
            h[2],
            h[3],
            h[4],
            h[5],
            h[6],
            h[7],
            _mm512_set1_epi32((int)IV[0]),
            _mm512_set1_epi32((int)IV[1]),
            _mm512_set1_epi32((int)IV[2]),
            _mm512_set1_epi32((int)IV[3]),
            t_lo,
            t_hi,
            _mm512_set1_epi32(BLOCK),
            _mm512_set1_epi32((int)f),
        };
        ROUNDS7(G16);
#define FEED16(i) h[(i)] = XOR16(v[(i)], v[(i) + 8]);
        REP8(FEED16)
    }
    /* Lanes 0-7 and 8-15 as two AVX2 halves, each transposed back into 8 outputs. */
    __m256i lo8[8], hi8[8];
#define HALVES(i)                                                                                  \
    lo8[(i)] = _mm512_castsi512_si256(h[(i)]);                                                     \
    hi8[(i)] = _mm512_extracti64x4_epi64(h[(i)], 1);
    REP8(HALVES)
    store_cvs8(lo8, out);
    store_cvs8(hi8, out + (size_t)8 * OUT);
}

AVILA_TARGET("avx512f,avx2")
static void hash_many_avx512(const uint8_t *const *inputs, size_t n, size_t blocks,
                             const uint32_t key[8], uint64_t counter, int increment, uint32_t flags,
                             uint32_t flags_start, uint32_t flags_end, uint8_t *out)
{
    for (; n >= 16; n -= 16, inputs += 16, out += (size_t)16 * OUT) {
        hash16(inputs, blocks, key, counter, increment, flags, flags_start, flags_end, out);
        if (increment)
            counter += 16;
    }
    /*
     * The last 2..15 inputs (the upper levels of parents, mostly) in one
     * padded 16-lane pass, which costs about what two portable passes do.
     */
    if (n >= 2) {
        const uint8_t *padded[16];
        uint8_t cvs[16 * OUT];
        pad_inputs(inputs, n, padded, 16);
        hash16(padded, blocks, key, counter, increment, flags, flags_start, flags_end, cvs);
        memcpy(out, cvs, n * OUT);
        avila_wipe(cvs, sizeof cvs);
        return;
    }
    avila_blake3_hash_many_portable(inputs, n, blocks, key, counter, increment, flags, flags_start,
                                    flags_end, out);
}

const struct avila_blake3_kernel avila_blake3_kernel_avx512 = {
    "avx512", AVILA_CPU_AVX512F | AVILA_CPU_AVX2, 16, hash_many_avx512};

#endif
