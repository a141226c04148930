/*
 * crypto/argon2.c - Argon2d, Argon2i and Argon2id version 0x13 (RFC 9106
 * section 3): H0 and the variable-length hash H' over BLAKE2b (sections 3.2
 * and 3.3), the memory filling with its two indexing modes (section 3.4),
 * and the compression function G over the BlaMka permutation P (sections 3.5
 * and 3.6). Pure.
 *
 * Lanes are filled one after the other, slice by slice: a block only ever
 * references other lanes' blocks from finished slices, so this sequential
 * order gives exactly the RFC's (parallel) result.
 *
 * G has a portable kernel, an AVX2 one (four 64-bit words per vector; the
 * column pass regroups 128-bit halves so it runs the same code as the row
 * pass) and an AVX-512 one (two rows or two columns per vector pair, with
 * one-instruction rotates; about 2.5 times the AVX2 kernel's speed on the
 * reference machine). Unlike scrypt, the eight rows (and columns) of a block
 * are independent, so the SIMD kernels have all the parallelism they need;
 * with them, large memory sizes are bound by memory bandwidth.
 */
#include "core/bits.h"
#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/size.h"
#include "crypto/argon2_int.h"
#include "crypto/blake2.h"

#if AVILA_X86_64
#include <immintrin.h>
#endif

#define ALWAYS_INLINE  inline __attribute__((always_inline))
#define WORDS          AVILA_ARGON2_BLOCK_WORDS
#define BLOCK_BYTES    1024
#define SLICES         4   /* SL, segments per lane per pass */
#define ADDRESSES      128 /* pseudo-random values per address block */
#define ARGON2_VERSION 0x13

/* ------------------------------------------------------------ portable G */

/* BlaMka's multiply-add: a + b + 2 * lo32(a) * lo32(b) (section 3.6). */
static ALWAYS_INLINE uint64_t blamka(uint64_t a, uint64_t b)
{
    return a + b + 2 * (uint64_t)(uint32_t)a * (uint32_t)b;
}

/* GB of section 3.6 on words a, b, c, d of v. */
static ALWAYS_INLINE void gb(uint64_t *v, int a, int b, int c, int d)
{
    v[a] = blamka(v[a], v[b]);
    v[d] = avila_rotr64(v[d] ^ v[a], 32);
    v[c] = blamka(v[c], v[d]);
    v[b] = avila_rotr64(v[b] ^ v[c], 24);
    v[a] = blamka(v[a], v[b]);
    v[d] = avila_rotr64(v[d] ^ v[a], 16);
    v[c] = blamka(v[c], v[d]);
    v[b] = avila_rotr64(v[b] ^ v[c], 63);
}

/* The permutation P on sixteen words: GB down the columns, then the diagonals. */
static ALWAYS_INLINE void permute(uint64_t v[16])
{
    gb(v, 0, 4, 8, 12);
    gb(v, 1, 5, 9, 13);
    gb(v, 2, 6, 10, 14);
    gb(v, 3, 7, 11, 15);
    gb(v, 0, 5, 10, 15);
    gb(v, 1, 6, 11, 12);
    gb(v, 2, 7, 8, 13);
    gb(v, 3, 4, 9, 14);
}

/*
 * G: R = prev ^ ref seen as 8x8 16-byte registers; P on each row (16
 * consecutive words), then on each column (words 2i, 2i + 1, 2i + 16, ...);
 * the result XORed with R (and with next when xor_into).
 */
static void fill_portable(uint64_t *next, const uint64_t *prev, const uint64_t *ref, int xor_into)
{
    uint64_t z[WORDS], v[16];
    for (size_t i = 0; i < WORDS; i++)
        z[i] = prev[i] ^ ref[i];
    for (size_t row = 0; row < 8; row++)
        permute(z + 16 * row);
    for (size_t col = 0; col < 8; col++) {
        for (size_t k = 0; k < 8; k++) {
            v[2 * k] = z[2 * col + 16 * k];
            v[2 * k + 1] = z[2 * col + 16 * k + 1];
        }
        permute(v);
        for (size_t k = 0; k < 8; k++) {
            z[2 * col + 16 * k] = v[2 * k];
            z[2 * col + 16 * k + 1] = v[2 * k + 1];
        }
    }
    /* R = prev ^ ref is read again rather than kept, so no copy of it is left behind. */
    for (size_t i = 0; i < WORDS; i++)
        next[i] = (xor_into ? next[i] : 0) ^ z[i] ^ prev[i] ^ ref[i];
    avila_wipe(z, sizeof z);
    avila_wipe(v, sizeof v);
}

const struct avila_argon2_kernel avila_argon2_kernel_portable = {"portable", 0, fill_portable};

/* ------------------------------------------------------------ AVX2 G */

#if AVILA_X86_64

AVILA_TARGET("avx2") static ALWAYS_INLINE __m256i blamka_v(__m256i a, __m256i b)
{
    __m256i m = _mm256_mul_epu32(a, b);
    return _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(m, m));
}

/* Rotations of each 64-bit lane right by 32, 24, 16 (byte shuffles) and 63 (a left shift by 1). */
AVILA_TARGET("avx2") static ALWAYS_INLINE __m256i rotr32_v(__m256i x)
{
    return _mm256_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1));
}

AVILA_TARGET("avx2") static ALWAYS_INLINE __m256i rotr24_v(__m256i x)
{
    const __m256i m = _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4,
                                       5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10);
    return _mm256_shuffle_epi8(x, m);
}

AVILA_TARGET("avx2") static ALWAYS_INLINE __m256i rotr16_v(__m256i x)
{
    const __m256i m = _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3,
                                       4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
    return _mm256_shuffle_epi8(x, m);
}

AVILA_TARGET("avx2") static ALWAYS_INLINE __m256i rotr63_v(__m256i x)
{
    return _mm256_xor_si256(_mm256_srli_epi64(x, 63), _mm256_add_epi64(x, x));
}

/*
 * GB on two sets of four (a, b, c, d) quadruples, one quadruple per 64-bit
 * lane, the two sets interleaved step by step so their latencies overlap.
 */
AVILA_TARGET("avx2")
static ALWAYS_INLINE void gb_v2(__m256i *a, __m256i *b, __m256i *c, __m256i *d, __m256i *e,
                                __m256i *f, __m256i *g, __m256i *h)
{
    *a = blamka_v(*a, *b);
    *e = blamka_v(*e, *f);
    *d = rotr32_v(_mm256_xor_si256(*d, *a));
    *h = rotr32_v(_mm256_xor_si256(*h, *e));
    *c = blamka_v(*c, *d);
    *g = blamka_v(*g, *h);
    *b = rotr24_v(_mm256_xor_si256(*b, *c));
    *f = rotr24_v(_mm256_xor_si256(*f, *g));
    *a = blamka_v(*a, *b);
    *e = blamka_v(*e, *f);
    *d = rotr16_v(_mm256_xor_si256(*d, *a));
    *h = rotr16_v(_mm256_xor_si256(*h, *e));
    *c = blamka_v(*c, *d);
    *g = blamka_v(*g, *h);
    *b = rotr63_v(_mm256_xor_si256(*b, *c));
    *f = rotr63_v(_mm256_xor_si256(*f, *g));
}

/*
 * P on two sets of v0..v15, each held as x[0] = (v0..v3), x[1] = (v4..v7),
 * x[2] = (v8..v11), x[3] = (v12..v15): the columns are the lanes; rotating
 * x[1], x[2] and x[3] by one, two and three lanes lines up the diagonals.
 */
AVILA_TARGET("avx2")
static ALWAYS_INLINE void permute_v2(__m256i *x, __m256i *y)
{
    gb_v2(&x[0], &x[1], &x[2], &x[3], &y[0], &y[1], &y[2], &y[3]);
    x[1] = _mm256_permute4x64_epi64(x[1], _MM_SHUFFLE(0, 3, 2, 1));
    y[1] = _mm256_permute4x64_epi64(y[1], _MM_SHUFFLE(0, 3, 2, 1));
    x[2] = _mm256_permute4x64_epi64(x[2], _MM_SHUFFLE(1, 0, 3, 2));
    y[2] = _mm256_permute4x64_epi64(y[2], _MM_SHUFFLE(1, 0, 3, 2));
    x[3] = _mm256_permute4x64_epi64(x[3], _MM_SHUFFLE(2, 1, 0, 3));
    y[3] = _mm256_permute4x64_epi64(y[3], _MM_SHUFFLE(2, 1, 0, 3));
    gb_v2(&x[0], &x[1], &x[2], &x[3], &y[0], &y[1], &y[2], &y[3]);
    x[1] = _mm256_permute4x64_epi64(x[1], _MM_SHUFFLE(2, 1, 0, 3));
    y[1] = _mm256_permute4x64_epi64(y[1], _MM_SHUFFLE(2, 1, 0, 3));
    x[2] = _mm256_permute4x64_epi64(x[2], _MM_SHUFFLE(1, 0, 3, 2));
    y[2] = _mm256_permute4x64_epi64(y[2], _MM_SHUFFLE(1, 0, 3, 2));
    x[3] = _mm256_permute4x64_epi64(x[3], _MM_SHUFFLE(0, 3, 2, 1));
    y[3] = _mm256_permute4x64_epi64(y[3], _MM_SHUFFLE(0, 3, 2, 1));
}

/*
 * Vector 4 * row + k holds 16-byte registers 2k and 2k + 1 of a row. Column
 * 2k of the block is the low halves of vectors k, 4 + k, ..., 28 + k, column
 * 2k + 1 the high halves: pairing rows (0, 1), (2, 3), ... with
 * permute2x128 gives each column in the form permute_v2 takes.
 */
AVILA_TARGET("avx2")
static void fill_avx2(uint64_t *next, const uint64_t *prev, const uint64_t *ref, int xor_into)
{
    __m256i z[32];
    for (size_t i = 0; i < 32; i++)
        z[i] = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(prev + 4 * i)),
                                _mm256_loadu_si256((const __m256i *)(const void *)(ref + 4 * i)));
    for (size_t row = 0; row < 8; row += 2)
        permute_v2(&z[4 * row], &z[4 * row + 4]);
    for (size_t k = 0; k < 4; k++) {
        __m256i lo[4], hi[4];
        for (size_t j = 0; j < 4; j++) {
            lo[j] = _mm256_permute2x128_si256(z[8 * j + k], z[8 * j + 4 + k], 0x20);
            hi[j] = _mm256_permute2x128_si256(z[8 * j + k], z[8 * j + 4 + k], 0x31);
        }
        permute_v2(lo, hi);
        for (size_t j = 0; j < 4; j++) {
            z[8 * j + k] = _mm256_permute2x128_si256(lo[j], hi[j], 0x20);
            z[8 * j + 4 + k] = _mm256_permute2x128_si256(lo[j], hi[j], 0x31);
        }
    }
    /* R = prev ^ ref is read again rather than kept, so no copy of it is left behind. */
    for (size_t i = 0; i < 32; i++) {
        __m256i *dst = (__m256i *)(void *)(next + 4 * i);
        __m256i out = _mm256_xor_si256(
            z[i],
            _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(prev + 4 * i)),
                             _mm256_loadu_si256((const __m256i *)(const void *)(ref + 4 * i))));
        if (xor_into)
            out = _mm256_xor_si256(out, _mm256_loadu_si256(dst));
        _mm256_storeu_si256(dst, out);
    }
    avila_wipe(z, sizeof z);
}

const struct avila_argon2_kernel avila_argon2_kernel_avx2 = {"avx2", AVILA_CPU_AVX2, fill_avx2};

/* ------------------------------------------------------------ AVX-512 G */

AVILA_TARGET("avx512f") static ALWAYS_INLINE __m512i blamka_z(__m512i a, __m512i b)
{
    __m512i m = _mm512_mul_epu32(a, b);
    return _mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(m, m));
}

/* gb_v2 on 512-bit vectors, with AVX-512's one-instruction rotates. */
AVILA_TARGET("avx512f")
static ALWAYS_INLINE void gb_z2(__m512i *a, __m512i *b, __m512i *c, __m512i *d, __m512i *e,
                                __m512i *f, __m512i *g, __m512i *h)
{
    *a = blamka_z(*a, *b);
    *e = blamka_z(*e, *f);
    *d = _mm512_ror_epi64(_mm512_xor_si512(*d, *a), 32);
    *h = _mm512_ror_epi64(_mm512_xor_si512(*h, *e), 32);
    *c = blamka_z(*c, *d);
    *g = blamka_z(*g, *h);
    *b = _mm512_ror_epi64(_mm512_xor_si512(*b, *c), 24);
    *f = _mm512_ror_epi64(_mm512_xor_si512(*f, *g), 24);
    *a = blamka_z(*a, *b);
    *e = blamka_z(*e, *f);
    *d = _mm512_ror_epi64(_mm512_xor_si512(*d, *a), 16);
    *h = _mm512_ror_epi64(_mm512_xor_si512(*h, *e), 16);
    *c = blamka_z(*c, *d);
    *g = blamka_z(*g, *h);
    *b = _mm512_ror_epi64(_mm512_xor_si512(*b, *c), 63);
    *f = _mm512_ror_epi64(_mm512_xor_si512(*f, *g), 63);
}

/*
 * permute_v2 on 512-bit vectors: each 256-bit half holds its own set of
 * v0..v15 (permutex_epi64 rotates lanes within each half), so one call runs
 * P four times.
 */
AVILA_TARGET("avx512f")
static ALWAYS_INLINE void permute_z2(__m512i *x, __m512i *y)
{
    gb_z2(&x[0], &x[1], &x[2], &x[3], &y[0], &y[1], &y[2], &y[3]);
    x[1] = _mm512_permutex_epi64(x[1], _MM_SHUFFLE(0, 3, 2, 1));
    y[1] = _mm512_permutex_epi64(y[1], _MM_SHUFFLE(0, 3, 2, 1));
    x[2] = _mm512_permutex_epi64(x[2], _MM_SHUFFLE(1, 0, 3, 2));
    y[2] = _mm512_permutex_epi64(y[2], _MM_SHUFFLE(1, 0, 3, 2));
    x[3] = _mm512_permutex_epi64(x[3], _MM_SHUFFLE(2, 1, 0, 3));
    y[3] = _mm512_permutex_epi64(y[3], _MM_SHUFFLE(2, 1, 0, 3));
    gb_z2(&x[0], &x[1], &x[2], &x[3], &y[0], &y[1], &y[2], &y[3]);
    x[1] = _mm512_permutex_epi64(x[1], _MM_SHUFFLE(2, 1, 0, 3));
    y[1] = _mm512_permutex_epi64(y[1], _MM_SHUFFLE(2, 1, 0, 3));
    x[2] = _mm512_permutex_epi64(x[2], _MM_SHUFFLE(1, 0, 3, 2));
    y[2] = _mm512_permutex_epi64(y[2], _MM_SHUFFLE(1, 0, 3, 2));
    x[3] = _mm512_permutex_epi64(x[3], _MM_SHUFFLE(0, 3, 2, 1));
    y[3] = _mm512_permutex_epi64(y[3], _MM_SHUFFLE(0, 3, 2, 1));
}

/*
 * Block vector i (words 8i .. 8i + 7) holds 256-bit pieces 2i and 2i + 1
 * of the AVX2 layout. The working layout z[4j + k] pairs piece k of row 2j
 * (low half) with piece k of row 2j + 1 (high half), so z[4j .. 4j + 3] are
 * two rows' a, b, c, d at once. Swapping the middle 128-bit lanes of
 * z[4j + k] turns it into columns 2k (low half) and 2k + 1 (high half) of
 * rows 2j and 2j + 1: the same form, for the column pass.
 */
AVILA_TARGET("avx512f")
static void fill_avx512(uint64_t *next, const uint64_t *prev, const uint64_t *ref, int xor_into)
{
    __m512i z[16];
    for (size_t j = 0; j < 4; j++) {
        __m512i r[4];
        for (size_t m = 0; m < 4; m++) {
            size_t at = 8 * (4 * j + m);
            r[m] = _mm512_xor_si512(_mm512_loadu_si512(prev + at), _mm512_loadu_si512(ref + at));
        }
        z[4 * j] = _mm512_shuffle_i64x2(r[0], r[2], 0x44);
        z[4 * j + 1] = _mm512_shuffle_i64x2(r[0], r[2], 0xee);
        z[4 * j + 2] = _mm512_shuffle_i64x2(r[1], r[3], 0x44);
        z[4 * j + 3] = _mm512_shuffle_i64x2(r[1], r[3], 0xee);
    }
    permute_z2(&z[0], &z[4]);
    permute_z2(&z[8], &z[12]);
    for (size_t k = 0; k < 4; k += 2) {
        __m512i c0[4], c1[4];
        for (size_t j = 0; j < 4; j++) {
            c0[j] = _mm512_shuffle_i64x2(z[4 * j + k], z[4 * j + k], 0xd8);
            c1[j] = _mm512_shuffle_i64x2(z[4 * j + k + 1], z[4 * j + k + 1], 0xd8);
        }
        permute_z2(c0, c1);
        for (size_t j = 0; j < 4; j++) {
            z[4 * j + k] = _mm512_shuffle_i64x2(c0[j], c0[j], 0xd8);
            z[4 * j + k + 1] = _mm512_shuffle_i64x2(c1[j], c1[j], 0xd8);
        }
    }
    /* R = prev ^ ref is read again rather than kept, so no copy of it is left behind. */
    for (size_t j = 0; j < 4; j++) {
        __m512i out[4] = {
            _mm512_shuffle_i64x2(z[4 * j], z[4 * j + 1], 0x44),
            _mm512_shuffle_i64x2(z[4 * j + 2], z[4 * j + 3], 0x44),
            _mm512_shuffle_i64x2(z[4 * j], z[4 * j + 1], 0xee),
            _mm512_shuffle_i64x2(z[4 * j + 2], z[4 * j + 3], 0xee),
        };
        for (size_t m = 0; m < 4; m++) {
            size_t at = 8 * (4 * j + m);
            __m512i v = _mm512_xor_si512(out[m], _mm512_xor_si512(_mm512_loadu_si512(prev + at),
                                                                  _mm512_loadu_si512(ref + at)));
            if (xor_into)
                v = _mm512_xor_si512(v, _mm512_loadu_si512(next + at));
            _mm512_storeu_si512(next + at, v);
        }
    }
    avila_wipe(z, sizeof z);
}

const struct avila_argon2_kernel avila_argon2_kernel_avx512 = {"avx512", AVILA_CPU_AVX512F,
                                                               fill_avx512};

#endif

const struct avila_argon2_kernel *avila_argon2_kernel(void)
{
#if AVILA_X86_64
    uint32_t have = avila_cpu_features();
    if ((have & avila_argon2_kernel_avx512.cpu) == avila_argon2_kernel_avx512.cpu)
        return &avila_argon2_kernel_avx512;
    if ((have & avila_argon2_kernel_avx2.cpu) == avila_argon2_kernel_avx2.cpu)
        return &avila_argon2_kernel_avx2;
#endif
    return &avila_argon2_kernel_portable;
}

const char *avila_argon2_impl(void)
{
    return avila_argon2_kernel()->name;
}

/* ------------------------------------------------------------ H0 and H' */

static void update_le32(struct avila_blake2b *c, uint32_t v)
{
    uint8_t b[4];
    avila_store_le32(b, v);
    avila_blake2b_update(c, b, sizeof b);
}

/* A length-prefixed input of H0: LE32(len) || data. */
static void update_field(struct avila_blake2b *c, const void *data, size_t len)
{
    update_le32(c, (uint32_t)len);
    avila_blake2b_update(c, data, len);
}

void avila_argon2_h0(uint8_t h0[64], int type, size_t out_len, const void *pw, size_t pw_len,
                     const void *salt, size_t salt_len, const struct avila_argon2_params *p)
{
    struct avila_blake2b c;
    avila_blake2b_init(&c, 64, NULL, 0);
    update_le32(&c, p->parallelism);
    update_le32(&c, (uint32_t)out_len);
    update_le32(&c, p->m_cost_kib);
    update_le32(&c, p->t_cost);
    update_le32(&c, ARGON2_VERSION);
    update_le32(&c, (uint32_t)type);
    update_field(&c, pw, pw_len);
    update_field(&c, salt, salt_len);
    update_field(&c, p->secret, p->secret_len);
    update_field(&c, p->ad, p->ad_len);
    avila_blake2b_final(&c, h0);
}

/*
 * H'^T (section 3.3): BLAKE2b-T of LE32(T) || in when T <= 64; otherwise a
 * chain of BLAKE2b-64 hashes V_1, V_2, ... contributing 32 bytes each, and a
 * last hash of the remaining T - 32 r bytes.
 */
void avila_argon2_hprime(uint8_t *out, size_t out_len, const void *in, size_t in_len)
{
    struct avila_blake2b c;
    uint8_t v[64];
    avila_blake2b_init(&c, out_len <= 64 ? out_len : 64, NULL, 0);
    update_le32(&c, (uint32_t)out_len);
    avila_blake2b_update(&c, in, in_len);
    if (out_len <= 64) {
        avila_blake2b_final(&c, out);
        return;
    }
    avila_blake2b_final(&c, v);
    /* r = ceil(T / 32) - 2 hashes give 32 bytes each; 33 .. 64 bytes are left for the last. */
    size_t r = (out_len + 31) / 32 - 2;
    for (size_t i = 1; i < r; i++) {
        memcpy(out, v, 32);
        out += 32;
        avila_blake2b(v, 64, NULL, 0, v, 64);
    }
    memcpy(out, v, 32);
    avila_blake2b(out + 32, out_len - 32 * r, NULL, 0, v, 64);
    avila_wipe(v, sizeof v);
}

/* ------------------------------------------------------------ filling memory */

/* One Argon2 computation: the geometry and the block memory. */
struct instance {
    const struct avila_argon2_kernel *kernel;
    uint64_t *mem;        /* lanes * lane_len blocks, lane after lane */
    uint32_t lanes;       /* p */
    uint32_t lane_len;    /* q = m' / p blocks */
    uint32_t segment_len; /* q / 4 */
    uint32_t blocks;      /* m' */
    uint32_t passes;      /* t */
    int type;             /* AVILA_ARGON2_* */
};

static uint64_t *block_at(const struct instance *in, uint32_t lane, uint32_t col)
{
    return in->mem + ((size_t)lane * in->lane_len + col) * WORDS;
}

/* Where a block is being computed. */
struct position {
    uint32_t pass, lane, slice, index; /* index within the segment */
};

/*
 * Section 3.4.2: the column of the reference block in its lane, from J1 and
 * whether the reference lane is the current one. The reference set W is the
 * finished part of the lane (the last three segments, plus the current one
 * so far in the same lane), minus the block just before the current one; J1
 * picks a member biased towards the most recent blocks.
 */
static uint32_t reference_column(const struct instance *in, const struct position *pos, uint32_t j1,
                                 int same_lane)
{
    /* Finished segments: those before this one in pass 0, the other three later. */
    uint32_t area = pos->pass == 0 ? pos->slice * in->segment_len : in->lane_len - in->segment_len;
    if (same_lane)
        area += pos->index - 1;
    else if (pos->index == 0)
        area -= 1;
    uint64_t x = (uint64_t)j1 * j1 >> 32;
    uint64_t y = (uint64_t)area * x >> 32;
    uint32_t relative = area - 1 - (uint32_t)y;
    uint32_t start = 0;
    if (pos->pass != 0 && pos->slice != SLICES - 1)
        start = (pos->slice + 1) * in->segment_len;
    uint32_t col = start + relative;
    return col >= in->lane_len ? col - in->lane_len : col;
}

/* Data-independent addressing state (section 3.4.1.2); derived from public inputs only. */
struct addresses {
    uint64_t zero[WORDS];  /* G's first argument */
    uint64_t input[WORDS]; /* Z: pass, lane, slice, m', t, type, counter, zeros */
    uint64_t out[WORDS];   /* the current 128 (J1, J2) pairs */
};

/* The next block of pseudo-random values: G(0, G(0, Z)) with the counter advanced. */
static void next_addresses(const struct instance *in, struct addresses *a)
{
    uint64_t tmp[WORDS];
    a->input[6]++;
    in->kernel->fill(tmp, a->zero, a->input, 0);
    in->kernel->fill(a->out, a->zero, tmp, 0);
}

static void fill_segment(const struct instance *in, struct position pos)
{
    struct addresses addr;
    const int independent = in->type == AVILA_ARGON2_I ||
                            (in->type == AVILA_ARGON2_ID && pos.pass == 0 && pos.slice < 2);
    /* The first two blocks of each lane come from H0. */
    const uint32_t first = pos.pass == 0 && pos.slice == 0 ? 2 : 0;
    if (independent) {
        memset(&addr, 0, sizeof addr);
        addr.input[0] = pos.pass;
        addr.input[1] = pos.lane;
        addr.input[2] = pos.slice;
        addr.input[3] = in->blocks;
        addr.input[4] = in->passes;
        addr.input[5] = (uint64_t)in->type;
        if (first != 0)
            next_addresses(in, &addr);
    }
    for (pos.index = first; pos.index < in->segment_len; pos.index++) {
        uint32_t col = pos.slice * in->segment_len + pos.index;
        const uint64_t *prev = block_at(in, pos.lane, col == 0 ? in->lane_len - 1 : col - 1);
        uint64_t rand;
        if (independent) {
            if (pos.index % ADDRESSES == 0)
                next_addresses(in, &addr);
            rand = addr.out[pos.index % ADDRESSES];
        } else {
            rand = prev[0];
        }
        uint32_t ref_lane = pos.lane;
        if (pos.pass != 0 || pos.slice != 0)
            ref_lane = (uint32_t)((rand >> 32) % in->lanes);
        uint32_t ref_col = reference_column(in, &pos, (uint32_t)rand, ref_lane == pos.lane);
        in->kernel->fill(block_at(in, pos.lane, col), prev, block_at(in, ref_lane, ref_col),
                         pos.pass != 0);
    }
}

/* Section 3.2 steps 3-4: B[i][0] and B[i][1] = H'^1024(H0 || LE32(0 or 1) || LE32(i)). */
static void first_blocks(const struct instance *in, const uint8_t h0[64])
{
    uint8_t seed[72], bytes[BLOCK_BYTES];
    memcpy(seed, h0, 64);
    for (uint32_t lane = 0; lane < in->lanes; lane++) {
        for (uint32_t col = 0; col < 2; col++) {
            avila_store_le32(seed + 64, col);
            avila_store_le32(seed + 68, lane);
            avila_argon2_hprime(bytes, sizeof bytes, seed, sizeof seed);
            uint64_t *b = block_at(in, lane, col);
            for (size_t i = 0; i < WORDS; i++)
                b[i] = avila_load_le64(bytes + 8 * i);
        }
    }
    avila_wipe(seed, sizeof seed);
    avila_wipe(bytes, sizeof bytes);
}

/* Section 3.2 steps 7-8: the XOR of the lanes' last blocks, through H'. */
static void finish(const struct instance *in, uint8_t *out, size_t out_len)
{
    uint64_t c[WORDS];
    uint8_t bytes[BLOCK_BYTES];
    memcpy(c, block_at(in, 0, in->lane_len - 1), sizeof c);
    for (uint32_t lane = 1; lane < in->lanes; lane++) {
        const uint64_t *b = block_at(in, lane, in->lane_len - 1);
        for (size_t i = 0; i < WORDS; i++)
            c[i] ^= b[i];
    }
    for (size_t i = 0; i < WORDS; i++)
        avila_store_le64(bytes + 8 * i, c[i]);
    avila_argon2_hprime(out, out_len, bytes, sizeof bytes);
    avila_wipe(c, sizeof c);
    avila_wipe(bytes, sizeof bytes);
}

/* m' = 4 p floor(m / 4p): whole segments in every lane (section 3.2, step 2). */
static uint32_t memory_blocks(const struct avila_argon2_params *p)
{
    return p->m_cost_kib / (4 * p->parallelism) * (4 * p->parallelism);
}

/* Section 3.1's limits; *need gets the work-area size. */
static int check_params(size_t out_len, size_t pw_len, size_t salt_len,
                        const struct avila_argon2_params *p, size_t *need)
{
    const uint64_t max32 = UINT32_MAX;
    if (out_len < 4 || salt_len < 8 || p->t_cost == 0 || p->parallelism == 0 ||
        p->parallelism >= (uint32_t)1 << 24 || p->m_cost_kib / 8 < p->parallelism)
        return AVILA_EINVAL;
    if ((uint64_t)out_len > max32 || (uint64_t)pw_len > max32 || (uint64_t)salt_len > max32 ||
        (uint64_t)p->secret_len > max32 || (uint64_t)p->ad_len > max32)
        return AVILA_EINVAL;
    if ((p->secret_len && !p->secret) || (p->ad_len && !p->ad))
        return AVILA_EINVAL;
    if (avila_size_mul_add(memory_blocks(p), BLOCK_BYTES, 64, need))
        return AVILA_EINVAL;
    return 0;
}

static int argon2(int type, uint8_t *out, size_t out_len, const void *pw, size_t pw_len,
                  const void *salt, size_t salt_len, const struct avila_argon2_params *p,
                  void *work, size_t work_size)
{
    size_t need;
    int err = check_params(out_len, pw_len, salt_len, p, &need);
    if (err)
        return err;
    if (work == NULL || work_size < need)
        return AVILA_ENOSPC;
    uint8_t *base = work;
    struct instance in = {
        .kernel = avila_argon2_kernel(),
        .mem = (uint64_t *)(void *)(base + (64 - (uintptr_t)base % 64) % 64),
        .lanes = p->parallelism,
        .blocks = memory_blocks(p),
        .passes = p->t_cost,
        .type = type,
    };
    in.lane_len = in.blocks / in.lanes;
    in.segment_len = in.lane_len / SLICES;

    uint8_t h0[64];
    avila_argon2_h0(h0, type, out_len, pw, pw_len, salt, salt_len, p);
    first_blocks(&in, h0);
    avila_wipe(h0, sizeof h0);
    for (uint32_t pass = 0; pass < in.passes; pass++)
        for (uint32_t slice = 0; slice < SLICES; slice++)
            for (uint32_t lane = 0; lane < in.lanes; lane++)
                fill_segment(&in, (struct position){pass, lane, slice, 0});
    finish(&in, out, out_len);
    avila_wipe(base, need);
    return 0;
}

int avila_argon2id(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                   size_t salt_len, const struct avila_argon2_params *p, void *work,
                   size_t work_size)
{
    return argon2(AVILA_ARGON2_ID, out, out_len, pw, pw_len, salt, salt_len, p, work, work_size);
}

int avila_argon2i(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                  size_t salt_len, const struct avila_argon2_params *p, void *work,
                  size_t work_size)
{
    return argon2(AVILA_ARGON2_I, out, out_len, pw, pw_len, salt, salt_len, p, work, work_size);
}

int avila_argon2d(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                  size_t salt_len, const struct avila_argon2_params *p, void *work,
                  size_t work_size)
{
    return argon2(AVILA_ARGON2_D, out, out_len, pw, pw_len, salt, salt_len, p, work, work_size);
}
