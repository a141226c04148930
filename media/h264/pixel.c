/*
 * media/h264/pixel.c - portable SAD / SATD / SSD and the run-time choice of
 * variant (see media/h264/pixel.h). Pure.
 */
#include "media/h264/pixel.h"

#include "core/cpu.h"
#include "media/h264/pixel_int.h"

static inline int absdiff(int x)
{
    return x < 0 ? -x : x;
}

static inline int sad_wxh(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                          unsigned w, unsigned h)
{
    int sum = 0;
    for (unsigned y = 0; y < h; y++, a += as, b += bs)
        for (unsigned x = 0; x < w; x++)
            sum += absdiff(a[x] - b[x]);
    return sum;
}

/*
 * sum |H D H^T| of one 4x4 block, H = [1 1 1 1; 1 1 -1 -1; 1 -1 -1 1;
 * 1 -1 1 -1] (the rows' order does not change the sum of magnitudes).
 */
static int hadamard4x4(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    int t[16];
    for (int y = 0; y < 4; y++, a += as, b += bs) {
        int d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2], d3 = a[3] - b[3];
        int s01 = d0 + d1, m01 = d0 - d1, s23 = d2 + d3, m23 = d2 - d3;
        t[y * 4 + 0] = s01 + s23;
        t[y * 4 + 1] = s01 - s23;
        t[y * 4 + 2] = m01 - m23;
        t[y * 4 + 3] = m01 + m23;
    }
    int sum = 0;
    for (int x = 0; x < 4; x++) {
        int s01 = t[x] + t[4 + x], m01 = t[x] - t[4 + x];
        int s23 = t[8 + x] + t[12 + x], m23 = t[8 + x] - t[12 + x];
        sum += absdiff(s01 + s23) + absdiff(s01 - s23) + absdiff(m01 - m23) + absdiff(m01 + m23);
    }
    return sum;
}

static inline int satd_wxh(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                           unsigned w, unsigned h)
{
    int sum = 0;
    for (unsigned y = 0; y < h; y += 4)
        for (unsigned x = 0; x < w; x += 4)
            sum += hadamard4x4(a + (ptrdiff_t)y * as + x, as, b + (ptrdiff_t)y * bs + x, bs);
    return sum >> 1;
}

#define CMP_FNS(w, h)                                                                              \
    static int sad_##w##x##h(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)       \
    {                                                                                              \
        return sad_wxh(a, as, b, bs, w, h);                                                        \
    }                                                                                              \
    static int satd_##w##x##h(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)      \
    {                                                                                              \
        return satd_wxh(a, as, b, bs, w, h);                                                       \
    }
CMP_FNS(16, 16)
CMP_FNS(16, 8)
CMP_FNS(8, 16)
CMP_FNS(8, 8)
CMP_FNS(4, 4)
CMP_FNS(8, 4)
CMP_FNS(4, 8)
#undef CMP_FNS

static uint64_t ssd_portable(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                             unsigned w, unsigned h)
{
    uint64_t sum = 0;
    for (unsigned y = 0; y < h; y++, a += as, b += bs) {
        uint32_t row = 0; /* w * 255^2 fits while w < 66051; flush per row */
        for (unsigned x = 0; x < w; x++) {
            int d = a[x] - b[x];
            row += (uint32_t)(d * d);
            if (AVILA_UNLIKELY((x & 0xFFFF) == 0xFFFF)) {
                sum += row;
                row = 0;
            }
        }
        sum += row;
    }
    return sum;
}

static void sad16x16_x4_portable(const uint8_t *a, ptrdiff_t as, const uint8_t *const b[4],
                                 ptrdiff_t bs, int out[4])
{
    for (int i = 0; i < 4; i++)
        out[i] = sad_wxh(a, as, b[i], bs, 16, 16);
}

static const avila_h264_pixel_ops portable_ops = {
    .sad = {sad_16x16, sad_16x8, sad_8x16, sad_8x8, sad_4x4, sad_8x4, sad_4x8},
    .satd = {satd_16x16, satd_16x8, satd_8x16, satd_8x8, satd_4x4, satd_8x4, satd_4x8},
    .ssd = ssd_portable,
    .sad16x16_x4 = sad16x16_x4_portable,
};

const avila_h264_pixel_ops *avila_h264_pixel_ops_portable(void)
{
    return &portable_ops;
}

const avila_h264_pixel_ops *avila_h264_pixel_ops_best(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if (f & AVILA_CPU_AVX2)
        return &avila_h264_pixel_avx2;
    if (f & AVILA_CPU_SSE42)
        return &avila_h264_pixel_sse4;
#endif
    return &portable_ops;
}
