/*
 * tests/media/test_h264_transform_simd.c - every variant of the 4x4 kernels
 * of media/h264/transform.h (media/h264/transform_int.h: portable, SSE4,
 * AVX2, and the dispatched public functions) gives exactly what the
 * portable code gives: outputs, return values and the clobbered
 * coefficients, on random and extreme inputs, at every QP, with first 0
 * and 1. The batched kernels of every variant, the portable one included,
 * give exactly what the portable 4x4 kernels give block by block. The
 * portable code itself is checked against the standard's equations by
 * test_h264_transform.c. Variants the CPU lacks are skipped; run also with
 * AVILA_CPU=portable to cover the dispatcher's fallback.
 */
#include "tests/support/unit.h"

#include <string.h>

#include "core/cpu.h"
#include "media/h264/transform.h"
#include "media/h264/transform_int.h"

/* The public functions as one more variant. */
static const avila_h264_transform_ops dispatched = {
    .fdct4x4 = avila_h264_fdct4x4,
    .idct4x4_add = avila_h264_idct4x4_add,
    .quant4x4 = avila_h264_quant4x4,
    .dequant4x4 = avila_h264_dequant4x4,
    .fdct8x8 = avila_h264_fdct8x8,
    .quant_blocks = avila_h264_quant_blocks,
    .scan_blocks = avila_h264_scan_blocks,
    .recon8x8 = avila_h264_recon8x8,
};

struct variant {
    const char *name;
    const avila_h264_transform_ops *ops;
    uint32_t cpu; /* needed to run it */
};

static const struct variant variants[] = {
    {"dispatched", &dispatched, 0},
#if AVILA_X86_64
    {"sse4", &avila_h264_transform_sse4, AVILA_CPU_SSE42},
    {"avx2", &avila_h264_transform_avx2, AVILA_CPU_AVX2 | AVILA_CPU_SSE42},
#endif
};

#define PORTABLE (&avila_h264_transform_portable)

static bool runnable(const struct variant *v)
{
    return (avila_cpu_detected() & v->cpu) == v->cpu;
}

static int16_t rand_coef(uint64_t *rng, int mode)
{
    uint64_t r = unit_rand(rng);
    switch (mode) {
    case 0: /* the full int16 range */
        return (int16_t)(uint16_t)r;
    case 1: /* the forward transform's range */
        return (int16_t)((int)(r % 18361) - 9180);
    case 2: /* levels */
        return (int16_t)((int)(r % (2 * AVILA_H264_LEVEL_MAX + 1)) - AVILA_H264_LEVEL_MAX);
    case 3: { /* the extremes and their neighbours */
        static const int16_t ext[] = {INT16_MIN, INT16_MIN + 1, -9180, -2063,         -1,       0,
                                      1,         2063,          9180,  INT16_MAX - 1, INT16_MAX};
        return ext[r % AVILA_ARRAY_LEN(ext)];
    }
    case 4: /* around the SSE inverse transform's switch to 32 bits at +-2048 */
        return (int16_t)((r & 1) ? (int)((r >> 1) % 4099) - 2049 : ((r >> 1) & 1) ? 2047 : -2048);
    default: /* small */
        return (int16_t)((int)(r % 65) - 32);
    }
}

static void fill_coefs(uint64_t *rng, int16_t c[16], int mode)
{
    for (int k = 0; k < 16; k++)
        c[k] = rand_coef(rng, mode);
}

/* ---------------------------------------------------------------- fdct */

static void check_fdct(const struct variant *v, const uint8_t *src, ptrdiff_t ss,
                       const uint8_t *pred, ptrdiff_t ps)
{
    int16_t want[16], got[16];
    PORTABLE->fdct4x4(want, src, ss, pred, ps);
    memset(got, 0x5A, sizeof got);
    v->ops->fdct4x4(got, src, ss, pred, ps);
    for (int k = 0; k < 16; k++)
        if (want[k] != got[k])
            fail_msg("%s fdct4x4: c[%d] %d != %d", v->name, k, got[k], want[k]);
}

static void fdct_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 1;
    uint8_t src[4 * 37], pred[4 * 23];
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(variants); vi++) {
        const struct variant *v = &variants[vi];
        if (!runnable(v))
            continue;
        /* Every sign pattern of a +-255 residual: all the extremes. */
        for (unsigned pat = 0; pat < 1u << 16; pat++) {
            for (int k = 0; k < 16; k++) {
                bool pos = (pat >> k) & 1;
                src[(k / 4) * 37 + k % 4] = pos ? 255 : 0;
                pred[(k / 4) * 23 + k % 4] = pos ? 0 : 255;
            }
            check_fdct(v, src, 37, pred, 23);
        }
        for (int iter = 0; iter < 20000; iter++) {
            unit_rand_fill(&rng, src, sizeof src);
            unit_rand_fill(&rng, pred, sizeof pred);
            check_fdct(v, src, 37, pred, 23);
            check_fdct(v, src + 2, 37, pred + 1, 4);
        }
    }
}

/* ---------------------------------------------------------------- quant */

static void quant_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 2;
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(variants); vi++) {
        const struct variant *v = &variants[vi];
        if (!runnable(v))
            continue;
        for (int qp = 0; qp <= 51; qp++)
            for (int intra = 0; intra < 2; intra++)
                for (int first = 0; first < 2; first++)
                    for (int iter = 0; iter < 1000; iter++) {
                        int16_t in[16], want[16], got[16];
                        fill_coefs(&rng, in, iter % 6);
                        if (iter == 0) /* all zero */
                            memset(in, 0, sizeof in);
                        memcpy(want, in, sizeof in);
                        memcpy(got, in, sizeof in);
                        int nw = PORTABLE->quant4x4(want, qp, intra, first);
                        int ng = v->ops->quant4x4(got, qp, intra, first);
                        if (nw != ng || memcmp(want, got, sizeof want) != 0)
                            fail_msg("%s quant4x4 qp %d intra %d first %d iter %d: nz %d / %d",
                                     v->name, qp, intra, first, iter, ng, nw);
                    }
        /* Around every decision threshold of every position at one QP per class. */
        for (int qp = 0; qp <= 51; qp++) {
            int shift = 15 + qp / 6;
            for (int intra = 0; intra < 2; intra++) {
                int32_t f = avila_h264_quant_rounding(shift, qp, intra);
                for (int level = 0; level <= 40; level++)
                    for (int d = -1; d <= 1; d++) {
                        int16_t want[16], got[16];
                        for (int k = 0; k < 16; k++) {
                            int32_t mf = avila_h264_quant_mf[qp % 6][k];
                            int64_t a = ((((int64_t)level << shift) - f) + mf - 1) / mf + d;
                            a = a < 0 ? 0 : a > INT16_MAX ? INT16_MAX : a;
                            want[k] = (int16_t)((k & 1) ? -a : a);
                        }
                        memcpy(got, want, sizeof got);
                        int nw = PORTABLE->quant4x4(want, qp, intra, 0);
                        int ng = v->ops->quant4x4(got, qp, intra, 0);
                        if (nw != ng || memcmp(want, got, sizeof want) != 0)
                            fail_msg("%s quant4x4 threshold qp %d level %d", v->name, qp, level);
                    }
            }
        }
    }
}

/* ---------------------------------------------------------------- dequant */

static void dequant_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 3;
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(variants); vi++) {
        const struct variant *v = &variants[vi];
        if (!runnable(v))
            continue;
        for (int qp = 0; qp <= 51; qp++)
            for (int first = 0; first < 2; first++)
                for (int iter = 0; iter < 2000; iter++) {
                    int16_t want[16], got[16];
                    fill_coefs(&rng, want, iter % 6);
                    memcpy(got, want, sizeof got);
                    PORTABLE->dequant4x4(want, qp, first);
                    v->ops->dequant4x4(got, qp, first);
                    if (memcmp(want, got, sizeof want) != 0)
                        fail_msg("%s dequant4x4 qp %d first %d iter %d", v->name, qp, first, iter);
                }
    }
}

/* ---------------------------------------------------------------- idct */

#define DS 11 /* destination stride, with a border around the 4x4 block */

static void check_idct(const struct variant *v, const uint8_t dst0[DS * 6], const int16_t c0[16],
                       const char *what)
{
    uint8_t dw[DS * 6], dg[DS * 6];
    int16_t cw[16], cg[16];
    memcpy(dw, dst0, sizeof dw);
    memcpy(dg, dst0, sizeof dg);
    memcpy(cw, c0, sizeof cw);
    memcpy(cg, c0, sizeof cg);
    PORTABLE->idct4x4_add(dw + DS + 1, DS, cw);
    v->ops->idct4x4_add(dg + DS + 1, DS, cg);
    if (memcmp(dw, dg, sizeof dw) != 0)
        fail_msg("%s idct4x4_add (%s): samples differ", v->name, what);
    if (memcmp(cw, cg, sizeof cw) != 0)
        fail_msg("%s idct4x4_add (%s): clobbered coefficients differ", v->name, what);
}

static void idct_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 4;
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(variants); vi++) {
        const struct variant *v = &variants[vi];
        if (!runnable(v))
            continue;
        uint8_t dst[DS * 6];
        int16_t c[16];
        for (int iter = 0; iter < 100000; iter++) {
            int fill = iter % 3;
            if (fill == 0)
                unit_rand_fill(&rng, dst, sizeof dst);
            else
                memset(dst, fill == 1 ? 0 : 255, sizeof dst);
            fill_coefs(&rng, c, (iter / 3) % 6);
            check_idct(v, dst, c, "random");
        }
        /* Dequantised levels at every QP, as the encoder produces them. */
        for (int qp = 0; qp <= 51; qp++)
            for (int iter = 0; iter < 500; iter++) {
                unit_rand_fill(&rng, dst, sizeof dst);
                fill_coefs(&rng, c, 5);
                PORTABLE->dequant4x4(c, qp, 0);
                check_idct(v, dst, c, "dequantised");
            }
        /* Every sign pattern of magnitudes around the 16-bit path's limit
         * of the SSE code (2048; 16 bits would overflow from 2673 on) and
         * of the int16 extremes. */
        static const int16_t mags[][2] = {{2047, -2048}, {2048, -2049},   {2672, -2673},
                                          {4095, -4096}, {16383, -16384}, {INT16_MAX, INT16_MIN}};
        for (size_t mi = 0; mi < AVILA_ARRAY_LEN(mags); mi++)
            for (unsigned pat = 0; pat < 1u << 16; pat++) {
                for (int k = 0; k < 16; k++)
                    c[k] = mags[mi][(pat >> k) & 1];
                memset(dst, (pat & 1) ? 255 : (int)(pat & 0xFE), sizeof dst);
                check_idct(v, dst, c, "sign patterns");
            }
    }
}

/* ---------------------------------------------------------------- batched kernels */

/* The variants whose batched kernels are checked: the portable one as well. */
static const struct variant batch_variants[] = {
    {"portable", PORTABLE, 0},
    {"dispatched", &dispatched, 0},
#if AVILA_X86_64
    {"sse4", &avila_h264_transform_sse4, AVILA_CPU_SSE42},
    {"avx2", &avila_h264_transform_avx2, AVILA_CPU_AVX2 | AVILA_CPU_SSE42},
#endif
};

/* Offset in samples of block i (transform.h's block order) in an 8x8 or 16x16 area. */
static ptrdiff_t block_offset(unsigned i, ptrdiff_t stride)
{
    unsigned x = (i >> 2 & 1) * 2 + (i & 1), y = (i >> 3) * 2 + (i >> 1 & 1);
    return (ptrdiff_t)y * 4 * stride + (ptrdiff_t)x * 4;
}

#define SS ((size_t)41) /* source stride */
#define PS ((size_t)19) /* prediction stride */
#define RS ((size_t)23) /* reconstruction stride, with a border around the area */

/* Residual src - pred of 16x16: random (kind 0), or +-255 by a random sign per sample (1). */
static void fill_residual(uint64_t *rng, uint8_t src[SS * 16], uint8_t pred[PS * 16], int kind)
{
    unit_rand_fill(rng, src, SS * 16);
    unit_rand_fill(rng, pred, PS * 16);
    if (kind == 0)
        return;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
            bool pos = unit_rand(rng) & 1;
            src[y * SS + x] = pos ? 255 : 0;
            pred[y * PS + x] = pos ? 0 : 255;
        }
}

/* The 4x4 forward transforms of n blocks (4: 8x8, 16: 16x16) by the portable kernel. */
static void ref_fdct(int16_t (*c)[16], unsigned n, const uint8_t *src, const uint8_t *pred)
{
    for (unsigned i = 0; i < n; i++)
        PORTABLE->fdct4x4(c[i], src + block_offset(i, SS), SS, pred + block_offset(i, PS), PS);
}

static void fdct_batch_agrees(void **state)
{
    (void)state;
    uint64_t rng = 5;
    uint8_t src[SS * 16], pred[PS * 16];
    for (int iter = 0; iter < 4000; iter++) {
        fill_residual(&rng, src, pred, iter & 1);
        int16_t want[16][16], got[16][16];
        ref_fdct(want, 16, src, pred);
        for (size_t vi = 0; vi < AVILA_ARRAY_LEN(batch_variants); vi++) {
            const struct variant *v = &batch_variants[vi];
            if (!runnable(v))
                continue;
            memset(got, 0x5A, sizeof got);
            v->ops->fdct8x8(got, src, SS, pred, PS);
            if (memcmp(want, got, 4 * sizeof want[0]) != 0)
                fail_msg("%s fdct8x8 iter %d", v->name, iter);
        }
        memset(got, 0x5A, sizeof got);
        avila_h264_fdct16x16(got, src, SS, pred, PS);
        if (memcmp(want, got, sizeof want) != 0)
            fail_msg("fdct16x16 iter %d", iter);
    }
}

static void quant_blocks_agrees(void **state)
{
    (void)state;
    uint64_t rng = 6;
    static const unsigned counts[] = {1, 4, 8, 16, 32};
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(batch_variants); vi++) {
        const struct variant *v = &batch_variants[vi];
        if (!runnable(v))
            continue;
        for (int qp = 0; qp <= 51; qp++)
            for (int intra = 0; intra < 2; intra++)
                for (int first = 0; first < 2; first++)
                    for (int iter = 0; iter < 40; iter++) {
                        unsigned n = counts[iter % AVILA_ARRAY_LEN(counts)];
                        int16_t in[32][16], want[32][16], got[32][16];
                        uint8_t nzw[32], nzg[32];
                        uint32_t mw = 0;
                        for (unsigned b = 0; b < n; b++) {
                            /* About a quarter of the blocks all zero, to vary the mask. */
                            if (unit_rand(&rng) % 4 == 0)
                                memset(in[b], 0, sizeof in[b]);
                            else
                                fill_coefs(&rng, in[b], (iter + (int)b) % 6);
                            memcpy(want[b], in[b], sizeof in[b]);
                            nzw[b] = (uint8_t)PORTABLE->quant4x4(want[b], qp, intra, first);
                            mw |= (uint32_t)(nzw[b] != 0) << b;
                        }
                        memcpy(got, in, n * sizeof in[0]);
                        memset(nzg, 0xEE, sizeof nzg);
                        uint32_t mg = v->ops->quant_blocks(got, n, qp, intra, first, nzg);
                        if (mg != mw || memcmp(nzw, nzg, n) != 0 ||
                            memcmp(want, got, n * sizeof want[0]) != 0)
                            fail_msg("%s quant_blocks qp %d intra %d first %d n %u: mask %x / %x",
                                     v->name, qp, intra, first, n, mg, mw);
                        if (n < 32 && nzg[n] != 0xEE)
                            fail_msg("%s quant_blocks wrote nz[%u]", v->name, n);
                    }
    }
}

static void scan_blocks_agrees(void **state)
{
    (void)state;
    uint64_t rng = 8;
    for (int iter = 0; iter < 2000; iter++) {
        int first = iter & 1;
        size_t stride = 16 - (size_t)(iter >> 1 & 1); /* 15 for AC levels */
        unsigned n = 1 + (unsigned)(unit_rand(&rng) % 32);
        uint32_t mask = (uint32_t)unit_rand(&rng) & (uint32_t)((2ull << (n - 1)) - 1);
        int16_t c[32][16], want[32 * 16 + 8], got[32 * 16 + 8];
        for (unsigned b = 0; b < n; b++)
            fill_coefs(&rng, c[b], iter % 6);
        /* Unwritten values keep their marker, also just past the last block. */
        memset(want, 0x77, sizeof want);
        for (unsigned b = 0; b < n; b++)
            if (mask >> b & 1)
                for (int k = first; k < 16; k++)
                    want[b * stride + (size_t)(k - first)] = c[b][avila_h264_zigzag4x4[k]];
        for (size_t vi = 0; vi < AVILA_ARRAY_LEN(batch_variants); vi++) {
            const struct variant *v = &batch_variants[vi];
            if (!runnable(v))
                continue;
            memset(got, 0x77, sizeof got);
            v->ops->scan_blocks(got, stride, (const int16_t(*)[16])c, n, mask, first);
            if (memcmp(want, got, sizeof want) != 0)
                fail_msg("%s scan_blocks iter %d n %u first %d stride %zu", v->name, iter, n, first,
                         stride);
        }
    }
}

/*
 * Reconstruction of n blocks (4: 8x8, 16: 16x16) by the portable 4x4
 * kernels: the prediction copied, then each block of mask dequantised and
 * added. dst has stride RS.
 */
static void ref_recon(uint8_t *dst, const uint8_t *pred, int16_t (*c)[16], unsigned n,
                      uint32_t mask, int qp, int first)
{
    unsigned side = n == 4 ? 8 : 16;
    for (size_t y = 0; y < side; y++)
        memcpy(dst + y * RS, pred + y * PS, side);
    for (unsigned i = 0; i < n; i++)
        if (mask >> i & 1) {
            PORTABLE->dequant4x4(c[i], qp, first);
            PORTABLE->idct4x4_add(dst + block_offset(i, RS), RS, c[i]);
        }
}

/* Checks one reconstruction of n blocks (4 or 16) by v (NULL: avila_h264_recon16x16). */
static void check_recon(const struct variant *v, const uint8_t *pred, const int16_t (*c0)[16],
                        unsigned n, uint32_t mask, int qp, int first)
{
    uint8_t want[RS * 18], got[RS * 18];
    int16_t cw[16][16], cg[16][16];
    memset(want, 0xA5, sizeof want);
    memset(got, 0xA5, sizeof got);
    memcpy(cw, c0, n * sizeof cw[0]);
    memcpy(cg, c0, n * sizeof cg[0]);
    ref_recon(want + RS + 1, pred, cw, n, mask, qp, first);
    if (v)
        v->ops->recon8x8(got + RS + 1, RS, pred, PS, cg, mask, qp, first);
    else
        avila_h264_recon16x16(got + RS + 1, RS, pred, PS, cg, mask, qp, first);
    const char *name = v ? v->name : "recon16x16";
    if (memcmp(want, got, sizeof want) != 0)
        fail_msg("%s recon qp %d first %d mask %x: samples differ", name, qp, first, mask);
    if (memcmp(cw, cg, n * sizeof cw[0]) != 0)
        fail_msg("%s recon qp %d first %d mask %x: coefficients differ", name, qp, first, mask);
}

static void recon_agrees(void **state)
{
    (void)state;
    uint64_t rng = 7;
    uint8_t pred[PS * 16];
    int16_t c[16][16];
    for (int qp = 0; qp <= 51; qp++)
        for (int first = 0; first < 2; first++)
            for (int iter = 0; iter < 60; iter++) {
                int fill = iter % 3;
                if (fill == 0)
                    unit_rand_fill(&rng, pred, sizeof pred);
                else
                    memset(pred, fill == 1 ? 0 : 255, sizeof pred);
                /* Levels as the quantiser makes them, small ones, and the whole int16 range. */
                static const int modes[] = {2, 5, 0, 4};
                for (unsigned b = 0; b < 16; b++)
                    fill_coefs(&rng, c[b], modes[iter % 4]);
                uint32_t mask = (uint32_t)unit_rand(&rng);
                if (iter % 5 == 0)
                    mask = iter % 10 ? 0xFFFF : 0;
                for (size_t vi = 0; vi < AVILA_ARRAY_LEN(batch_variants); vi++)
                    if (runnable(&batch_variants[vi]))
                        check_recon(&batch_variants[vi], pred, (const int16_t(*)[16])c, 4,
                                    mask & 15, qp, first);
                check_recon(NULL, pred, (const int16_t(*)[16])c, 16, mask & 0xFFFF, qp, first);
            }
}

/* ---------------------------------------------------------------- dispatch */

static void dispatch_picks_allowed_variant(void **state)
{
    (void)state;
    const avila_h264_transform_ops *best = avila_h264_transform_best();
    uint32_t f = avila_cpu_features();
    const avila_h264_transform_ops *want = PORTABLE;
#if AVILA_X86_64
    if ((f & (AVILA_CPU_AVX2 | AVILA_CPU_SSE42)) == (AVILA_CPU_AVX2 | AVILA_CPU_SSE42))
        want = &avila_h264_transform_avx2;
    else if (f & AVILA_CPU_SSE42)
        want = &avila_h264_transform_sse4;
#endif
    (void)f;
    assert_ptr_equal(best, want);
    assert_ptr_equal(avila_h264_transform_best(), best);
}

int main(void)
{
    avila_cpu_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dispatch_picks_allowed_variant),
        cmocka_unit_test(fdct_variants_agree),
        cmocka_unit_test(quant_variants_agree),
        cmocka_unit_test(dequant_variants_agree),
        cmocka_unit_test(idct_variants_agree),
        cmocka_unit_test(fdct_batch_agrees),
        cmocka_unit_test(quant_blocks_agrees),
        cmocka_unit_test(scan_blocks_agrees),
        cmocka_unit_test(recon_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
