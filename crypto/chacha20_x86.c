/*
 * crypto/chacha20_x86.c - ChaCha20 keystream kernels for x86-64 (RFC 8439
 * section 2.3-2.4): AVX2 runs 8 blocks at once, AVX-512 16.
 *
 * Both keep one state word per register, one block per 32-bit lane (lane i
 * uses counter + i, wrapping mod 2^32 like the portable kernel), run the
 * rounds, then transpose the lanes back into consecutive 64-byte blocks
 * before XORing them with the input. A final partial group runs a whole
 * group into a stack buffer that is wiped afterwards, unless it is so short
 * (one block for AVX-512, two for AVX2) that the portable kernel finishes
 * it sooner: the rounds are one long chain of dependent operations, and on
 * some CPUs (AMD Zen 5, where these kernels were tuned) scalar operations
 * have half the latency of vector ones.
 */
#include "core/cpu.h"
#include "core/ct.h"
#include "crypto/chacha20_int.h"

#if AVILA_X86_64
#include <immintrin.h>

/* One quarter round on whole registers, with the ISA's add, xor and rotations. */
#define VQR(a, b, c, d, ADD, XOR, R16, R12, R8, R7)                                                \
    do {                                                                                           \
        (a) = ADD((a), (b)), (d) = R16(XOR((d), (a)));                                             \
        (c) = ADD((c), (d)), (b) = R12(XOR((b), (c)));                                             \
        (a) = ADD((a), (b)), (d) = R8(XOR((d), (a)));                                              \
        (c) = ADD((c), (d)), (b) = R7(XOR((b), (c)));                                              \
    } while (0)

/* Ten double rounds (column round, then diagonal round) on registers x0..x15. */
#define VROUNDS(ADD, XOR, R16, R12, R8, R7)                                                        \
    for (int round = 0; round < 10; round++) {                                                     \
        VQR(x0, x4, x8, x12, ADD, XOR, R16, R12, R8, R7);                                          \
        VQR(x1, x5, x9, x13, ADD, XOR, R16, R12, R8, R7);                                          \
        VQR(x2, x6, x10, x14, ADD, XOR, R16, R12, R8, R7);                                         \
        VQR(x3, x7, x11, x15, ADD, XOR, R16, R12, R8, R7);                                         \
        VQR(x0, x5, x10, x15, ADD, XOR, R16, R12, R8, R7);                                         \
        VQR(x1, x6, x11, x12, ADD, XOR, R16, R12, R8, R7);                                         \
        VQR(x2, x7, x8, x13, ADD, XOR, R16, R12, R8, R7);                                          \
        VQR(x3, x4, x9, x14, ADD, XOR, R16, R12, R8, R7);                                          \
    }

/* Declares x0..x15 of type T: state s in every lane, counters CTR in word 12. */
#define VSTATE(T, SET1, CTR)                                                                       \
    T x0 = SET1((int)s[0]), x1 = SET1((int)s[1]), x2 = SET1((int)s[2]), x3 = SET1((int)s[3]);      \
    T x4 = SET1((int)s[4]), x5 = SET1((int)s[5]), x6 = SET1((int)s[6]), x7 = SET1((int)s[7]);      \
    T x8 = SET1((int)s[8]), x9 = SET1((int)s[9]), x10 = SET1((int)s[10]);                          \
    T x11 = SET1((int)s[11]), x12 = (CTR), x13 = SET1((int)s[13]), x14 = SET1((int)s[14]);         \
    T x15 = SET1((int)s[15])

/* The feed-forward: adds the input state back (reloaded rather than kept, to spare registers). */
#define VFEEDFORWARD(ADD, SET1, CTR)                                                               \
    x0 = ADD(x0, SET1((int)s[0])), x1 = ADD(x1, SET1((int)s[1])), x2 = ADD(x2, SET1((int)s[2]));   \
    x3 = ADD(x3, SET1((int)s[3])), x4 = ADD(x4, SET1((int)s[4])), x5 = ADD(x5, SET1((int)s[5]));   \
    x6 = ADD(x6, SET1((int)s[6])), x7 = ADD(x7, SET1((int)s[7])), x8 = ADD(x8, SET1((int)s[8]));   \
    x9 = ADD(x9, SET1((int)s[9])), x10 = ADD(x10, SET1((int)s[10]));                               \
    x11 = ADD(x11, SET1((int)s[11])), x12 = ADD(x12, (CTR));                                       \
    x13 = ADD(x13, SET1((int)s[13])), x14 = ADD(x14, SET1((int)s[14]));                            \
    x15 = ADD(x15, SET1((int)s[15]))

/* ------------------------------------------------------------------- AVX2 */

#define ADD256 _mm256_add_epi32
#define XOR256 _mm256_xor_si256

AVILA_TARGET("avx2") static inline __m256i rotl16_256(__m256i x)
{
    const __m256i m = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3,
                                       0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    return _mm256_shuffle_epi8(x, m);
}

AVILA_TARGET("avx2") static inline __m256i rotl8_256(__m256i x)
{
    const __m256i m = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0,
                                       1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
    return _mm256_shuffle_epi8(x, m);
}

AVILA_TARGET("avx2") static inline __m256i rotl12_256(__m256i x)
{
    return _mm256_or_si256(_mm256_slli_epi32(x, 12), _mm256_srli_epi32(x, 20));
}

AVILA_TARGET("avx2") static inline __m256i rotl7_256(__m256i x)
{
    return _mm256_or_si256(_mm256_slli_epi32(x, 7), _mm256_srli_epi32(x, 25));
}

/*
 * Transposes 4x4 words inside each 128-bit half: on entry a..d hold words
 * w..w+3 of the 8 blocks; on exit a, b, c, d hold words w..w+3 of blocks
 * (0, 4), (1, 5), (2, 6), (3, 7) in their low and high halves.
 */
AVILA_TARGET("avx2")
static inline void transpose4_256(__m256i *a, __m256i *b, __m256i *c, __m256i *d)
{
    __m256i t0 = _mm256_unpacklo_epi32(*a, *b), t1 = _mm256_unpackhi_epi32(*a, *b);
    __m256i t2 = _mm256_unpacklo_epi32(*c, *d), t3 = _mm256_unpackhi_epi32(*c, *d);
    *a = _mm256_unpacklo_epi64(t0, t2);
    *b = _mm256_unpackhi_epi64(t0, t2);
    *c = _mm256_unpacklo_epi64(t1, t3);
    *d = _mm256_unpackhi_epi64(t1, t3);
}

/* Writes out = in XOR (lo | hi) for the 32-byte halves of one 64-byte block. */
AVILA_TARGET("avx2")
static inline void xor_block_256(uint8_t *out, const uint8_t *in, __m256i lo, __m256i hi)
{
    __m256i a = _mm256_loadu_si256((const __m256i *)in);
    __m256i b = _mm256_loadu_si256((const __m256i *)(in + 32));
    _mm256_storeu_si256((__m256i *)out, _mm256_xor_si256(a, lo));
    _mm256_storeu_si256((__m256i *)(out + 32), _mm256_xor_si256(b, hi));
}

/* XORs 8 blocks (512 bytes) of keystream for state s (counters s[12] .. s[12] + 7). */
AVILA_TARGET("avx2")
static void xor8_avx2(const uint32_t s[16], uint8_t *out, const uint8_t *in)
{
    const __m256i ctr =
        _mm256_add_epi32(_mm256_set1_epi32((int)s[12]), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    VSTATE(__m256i, _mm256_set1_epi32, ctr);

    VROUNDS(ADD256, XOR256, rotl16_256, rotl12_256, rotl8_256, rotl7_256)

    VFEEDFORWARD(ADD256, _mm256_set1_epi32, ctr);

    transpose4_256(&x0, &x1, &x2, &x3);
    transpose4_256(&x4, &x5, &x6, &x7);
    transpose4_256(&x8, &x9, &x10, &x11);
    transpose4_256(&x12, &x13, &x14, &x15);
    /* Block j < 4: the low halves of x[j], x[4 + j], x[8 + j], x[12 + j]; block j + 4: the high. */
#define LO(a, b) _mm256_permute2x128_si256(a, b, 0x20)
#define HI(a, b) _mm256_permute2x128_si256(a, b, 0x31)
    xor_block_256(out + 0, in + 0, LO(x0, x4), LO(x8, x12));
    xor_block_256(out + 64, in + 64, LO(x1, x5), LO(x9, x13));
    xor_block_256(out + 128, in + 128, LO(x2, x6), LO(x10, x14));
    xor_block_256(out + 192, in + 192, LO(x3, x7), LO(x11, x15));
    xor_block_256(out + 256, in + 256, HI(x0, x4), HI(x8, x12));
    xor_block_256(out + 320, in + 320, HI(x1, x5), HI(x9, x13));
    xor_block_256(out + 384, in + 384, HI(x2, x6), HI(x10, x14));
    xor_block_256(out + 448, in + 448, HI(x3, x7), HI(x11, x15));
#undef LO
#undef HI
}

/* out = in XOR ks for n bytes (n < 1024), 32 bytes at a time where it can. */
AVILA_TARGET("avx2")
static void xor_tail(uint8_t *out, const uint8_t *in, const uint8_t *ks, size_t n)
{
    size_t i = 0;
    for (; n - i >= 32; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(in + i));
        __m256i k = _mm256_loadu_si256((const __m256i *)(ks + i));
        _mm256_storeu_si256((__m256i *)(out + i), _mm256_xor_si256(a, k));
    }
    for (; i < n; i++)
        out[i] = in[i] ^ ks[i];
}

/* The last n < 512 bytes: a whole 8-block group of keystream, of which n bytes are used. */
AVILA_TARGET("avx2")
static void tail_avx2(uint32_t state[16], uint8_t *out, const uint8_t *in, size_t n)
{
    uint8_t ks[512];
    memset(ks, 0, sizeof ks);
    xor8_avx2(state, ks, ks);
    xor_tail(out, in, ks, n);
    avila_wipe(ks, sizeof ks);
    state[12] += (uint32_t)((n + 63) / 64);
}

AVILA_TARGET("avx2")
static void stream_avx2(uint32_t state[16], uint8_t *out, const uint8_t *in, size_t n)
{
    size_t off = 0;
    for (; n - off >= 512; off += 512) {
        xor8_avx2(state, out + off, in + off);
        state[12] += 8;
    }
    if (n - off > 128)
        tail_avx2(state, out + off, in + off, n - off);
    else if (off < n)
        avila_chacha20_kernel_portable.stream(state, out + off, in + off, n - off);
}

const struct avila_chacha20_kernel avila_chacha20_kernel_avx2 = {"avx2", AVILA_CPU_AVX2,
                                                                 stream_avx2};

/* ---------------------------------------------------------------- AVX-512 */

#define ADD512 _mm512_add_epi32
#define XOR512 _mm512_xor_si512

AVILA_TARGET("avx512f") static inline __m512i rotl16_512(__m512i x)
{
    return _mm512_rol_epi32(x, 16);
}

AVILA_TARGET("avx512f") static inline __m512i rotl12_512(__m512i x)
{
    return _mm512_rol_epi32(x, 12);
}

AVILA_TARGET("avx512f") static inline __m512i rotl8_512(__m512i x)
{
    return _mm512_rol_epi32(x, 8);
}

AVILA_TARGET("avx512f") static inline __m512i rotl7_512(__m512i x)
{
    return _mm512_rol_epi32(x, 7);
}

/* As transpose4_256, per 128-bit quarter: a..d end with blocks (4k, 4k+1, 4k+2, 4k+3) in quarter k.
 */
AVILA_TARGET("avx512f")
static inline void transpose4_512(__m512i *a, __m512i *b, __m512i *c, __m512i *d)
{
    __m512i t0 = _mm512_unpacklo_epi32(*a, *b), t1 = _mm512_unpackhi_epi32(*a, *b);
    __m512i t2 = _mm512_unpacklo_epi32(*c, *d), t3 = _mm512_unpackhi_epi32(*c, *d);
    *a = _mm512_unpacklo_epi64(t0, t2);
    *b = _mm512_unpackhi_epi64(t0, t2);
    *c = _mm512_unpacklo_epi64(t1, t3);
    *d = _mm512_unpackhi_epi64(t1, t3);
}

/*
 * y0..y3 hold words 0-3, 4-7, 8-11, 12-15 of blocks j, 4 + j, 8 + j, 12 + j
 * in their four quarters; writes those four blocks (a 4x4 transpose of
 * 128-bit quarters) XORed with the input.
 */
AVILA_TARGET("avx512f")
static inline void xor4_blocks_512(uint8_t *out, const uint8_t *in, __m512i y0, __m512i y1,
                                   __m512i y2, __m512i y3)
{
    __m512i p0 = _mm512_shuffle_i32x4(y0, y1, _MM_SHUFFLE(1, 0, 1, 0));
    __m512i p1 = _mm512_shuffle_i32x4(y0, y1, _MM_SHUFFLE(3, 2, 3, 2));
    __m512i p2 = _mm512_shuffle_i32x4(y2, y3, _MM_SHUFFLE(1, 0, 1, 0));
    __m512i p3 = _mm512_shuffle_i32x4(y2, y3, _MM_SHUFFLE(3, 2, 3, 2));
    __m512i z[4] = {_mm512_shuffle_i32x4(p0, p2, _MM_SHUFFLE(2, 0, 2, 0)),
                    _mm512_shuffle_i32x4(p0, p2, _MM_SHUFFLE(3, 1, 3, 1)),
                    _mm512_shuffle_i32x4(p1, p3, _MM_SHUFFLE(2, 0, 2, 0)),
                    _mm512_shuffle_i32x4(p1, p3, _MM_SHUFFLE(3, 1, 3, 1))};
    for (size_t k = 0; k < 4; k++) {
        __m512i v = _mm512_loadu_si512((const void *)(in + 256 * k));
        _mm512_storeu_si512((void *)(out + 256 * k), _mm512_xor_si512(v, z[k]));
    }
}

/* XORs 16 blocks (1024 bytes) of keystream for state s (counters s[12] .. s[12] + 15). */
AVILA_TARGET("avx512f")
static void xor16_avx512(const uint32_t s[16], uint8_t *out, const uint8_t *in)
{
    const __m512i ctr =
        _mm512_add_epi32(_mm512_set1_epi32((int)s[12]),
                         _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    VSTATE(__m512i, _mm512_set1_epi32, ctr);

    VROUNDS(ADD512, XOR512, rotl16_512, rotl12_512, rotl8_512, rotl7_512)

    VFEEDFORWARD(ADD512, _mm512_set1_epi32, ctr);

    transpose4_512(&x0, &x1, &x2, &x3);
    transpose4_512(&x4, &x5, &x6, &x7);
    transpose4_512(&x8, &x9, &x10, &x11);
    transpose4_512(&x12, &x13, &x14, &x15);
    xor4_blocks_512(out + 0, in + 0, x0, x4, x8, x12);
    xor4_blocks_512(out + 64, in + 64, x1, x5, x9, x13);
    xor4_blocks_512(out + 128, in + 128, x2, x6, x10, x14);
    xor4_blocks_512(out + 192, in + 192, x3, x7, x11, x15);
}

/* The last n < 1024 bytes: a whole 16-block group of keystream, of which n bytes are used. */
AVILA_TARGET("avx512f")
static void tail_avx512(uint32_t state[16], uint8_t *out, const uint8_t *in, size_t n)
{
    uint8_t ks[1024];
    memset(ks, 0, sizeof ks);
    xor16_avx512(state, ks, ks);
    xor_tail(out, in, ks, n);
    avila_wipe(ks, sizeof ks);
    state[12] += (uint32_t)((n + 63) / 64);
}

AVILA_TARGET("avx512f")
static void stream_avx512(uint32_t state[16], uint8_t *out, const uint8_t *in, size_t n)
{
    size_t off = 0;
    for (; n - off >= 1024; off += 1024) {
        xor16_avx512(state, out + off, in + off);
        state[12] += 16;
    }
    if (n - off > 64)
        tail_avx512(state, out + off, in + off, n - off);
    else if (off < n)
        avila_chacha20_kernel_portable.stream(state, out + off, in + off, n - off);
}

const struct avila_chacha20_kernel avila_chacha20_kernel_avx512 = {
    "avx512", AVILA_CPU_AVX512F | AVILA_CPU_AVX2, stream_avx512};

#endif
