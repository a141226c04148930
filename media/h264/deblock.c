/*
 * media/h264/deblock.c - H.264 deblocking filter (ITU-T H.264 (08/2021)
 * clause 8.7) for progressive 8-bit 4:2:0 frames; the contract is in
 * media/h264/deblock.h.
 *
 * Per macroblock the 32 boundary strengths are derived first; a macroblock
 * whose strengths are all 0 (skipped or coefficient-free inter blocks with
 * equal motion next to each other) is passed over without touching a
 * sample. Edges whose alpha' or beta' is 0 (low QP) are skipped whole, since
 * no sample can pass the |p0 - q0| < alpha test then. The edge filters are
 * the portable ones here or vector ones (deblock_int.h), whichever the CPU
 * allows. The wavefront (deblock.h) runs the same per-macroblock filter,
 * row by row, each macroblock after the ones above it that share samples.
 * Pure.
 */
#include "media/h264/deblock_int.h"

#include <stdbool.h>

#include "core/cpu.h"
#include "media/h264/transform.h"

/* Table 8-16: alpha' by indexA and beta' by indexB. */
static const uint8_t alpha_tab[52] = {
    0,  0,  0,  0,  0,  0,  0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   4,  4,
    5,  6,  7,  8,  9,  10, 12,  13,  15,  17,  20,  22,  25,  28,  32,  36,  40, 45,
    50, 56, 63, 71, 80, 90, 101, 113, 127, 144, 162, 182, 203, 226, 255, 255,
};
static const uint8_t beta_tab[52] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0,  0,  0,  0,  0,  0,  0,  0,  2,  2,  2,  3,  3,  3,  3,  4,  4,  4,
    6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18,
};

/* Table 8-17 (see deblock_int.h). */
const uint8_t avila_h264_tc0_tab[52][3] = {
    {0, 0, 0},    {0, 0, 0},    {0, 0, 0},    {0, 0, 0},  {0, 0, 0},   {0, 0, 0},   {0, 0, 0},
    {0, 0, 0},    {0, 0, 0},    {0, 0, 0},    {0, 0, 0},  {0, 0, 0},   {0, 0, 0},   {0, 0, 0},
    {0, 0, 0},    {0, 0, 0},    {0, 0, 0},    {0, 0, 1},  {0, 0, 1},   {0, 0, 1},   {0, 0, 1},
    {0, 1, 1},    {0, 1, 1},    {1, 1, 1},    {1, 1, 1},  {1, 1, 1},   {1, 1, 1},   {1, 1, 2},
    {1, 1, 2},    {1, 1, 2},    {1, 1, 2},    {1, 2, 3},  {1, 2, 3},   {2, 2, 3},   {2, 2, 4},
    {2, 3, 4},    {2, 3, 4},    {3, 3, 5},    {3, 4, 6},  {3, 4, 6},   {4, 5, 7},   {4, 5, 8},
    {4, 6, 9},    {5, 7, 10},   {6, 8, 11},   {6, 8, 13}, {7, 10, 14}, {8, 11, 16}, {9, 12, 18},
    {10, 13, 20}, {11, 15, 23}, {13, 17, 25},
};

static inline int iabs(int x)
{
    return x < 0 ? -x : x;
}

static inline int clip3(int lo, int hi, int x)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static inline uint8_t clip1(int x)
{
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

static inline avila_h264_edge_th thresholds(int qp_av, const avila_h264_deblock_params *p)
{
    avila_h264_edge_th t;
    t.index_a = clip3(0, 51, qp_av + p->alpha_offset);
    t.alpha = alpha_tab[t.index_a];
    t.beta = beta_tab[clip3(0, 51, qp_av + p->beta_offset)];
    return t;
}

void avila_h264_luma_edge_portable(uint8_t *pix, ptrdiff_t xs, ptrdiff_t ys, const uint8_t bs[4],
                                   avila_h264_edge_th t)
{
    if (t.alpha == 0 || t.beta == 0)
        return;
    const int alpha = t.alpha, beta = t.beta;
    for (int k = 0; k < 4; k++) {
        int s = bs[k];
        if (s == 0)
            continue;
        int tc0 = s < 4 ? avila_h264_tc0_tab[t.index_a][s - 1] : 0;
        for (int i = 0; i < 4; i++) {
            uint8_t *q = pix + (4 * k + i) * ys;
            int p0 = q[-xs], p1 = q[-2 * xs], q0 = q[0], q1 = q[xs];
            /* 8-460: filterSamplesFlag. */
            if (iabs(p0 - q0) >= alpha || iabs(p1 - p0) >= beta || iabs(q1 - q0) >= beta)
                continue;
            int p2 = q[-3 * xs], q2 = q[2 * xs];
            int ap = iabs(p2 - p0), aq = iabs(q2 - q0);
            if (s < 4) { /* 8.7.2.3, luma */
                int tc = tc0 + (ap < beta) + (aq < beta);
                int delta = clip3(-tc, tc, ((q0 - p0) * 4 + (p1 - q1) + 4) >> 3);
                q[-xs] = clip1(p0 + delta);
                q[0] = clip1(q0 - delta);
                if (ap < beta)
                    q[-2 * xs] =
                        (uint8_t)(p1 + clip3(-tc0, tc0, (p2 + ((p0 + q0 + 1) >> 1) - p1 * 2) >> 1));
                if (aq < beta)
                    q[xs] =
                        (uint8_t)(q1 + clip3(-tc0, tc0, (q2 + ((p0 + q0 + 1) >> 1) - q1 * 2) >> 1));
                continue;
            }
            /* 8.7.2.4, luma (bS == 4). */
            bool strong = iabs(p0 - q0) < ((alpha >> 2) + 2);
            if (strong && ap < beta) {
                int p3 = q[-4 * xs];
                q[-xs] = (uint8_t)((p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3);
                q[-2 * xs] = (uint8_t)((p2 + p1 + p0 + q0 + 2) >> 2);
                q[-3 * xs] = (uint8_t)((2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3);
            } else {
                q[-xs] = (uint8_t)((2 * p1 + p0 + q1 + 2) >> 2);
            }
            if (strong && aq < beta) {
                int q3 = q[3 * xs];
                q[0] = (uint8_t)((p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3);
                q[xs] = (uint8_t)((p0 + q0 + q1 + q2 + 2) >> 2);
                q[2 * xs] = (uint8_t)((2 * q3 + 3 * q2 + q1 + q0 + p0 + 4) >> 3);
            } else {
                q[0] = (uint8_t)((2 * q1 + q0 + p1 + 2) >> 2);
            }
        }
    }
}

/* Filters one chroma edge of 8 samples (chromaStyleFilteringFlag = 1):
 * chroma lines 2k and 2k + 1 use the luma strength bs[k]. */
static void chroma_plane_edge(uint8_t *pix, ptrdiff_t xs, ptrdiff_t ys, const uint8_t bs[4],
                              avila_h264_edge_th t)
{
    if (t.alpha == 0 || t.beta == 0)
        return;
    const int alpha = t.alpha, beta = t.beta;
    for (int k = 0; k < 4; k++) {
        int s = bs[k];
        if (s == 0)
            continue;
        int tc = s < 4 ? avila_h264_tc0_tab[t.index_a][s - 1] + 1 : 0;
        for (int i = 0; i < 2; i++) {
            uint8_t *q = pix + (2 * k + i) * ys;
            int p0 = q[-xs], p1 = q[-2 * xs], q0 = q[0], q1 = q[xs];
            if (iabs(p0 - q0) >= alpha || iabs(p1 - p0) >= beta || iabs(q1 - q0) >= beta)
                continue;
            if (s < 4) { /* 8.7.2.3 */
                int delta = clip3(-tc, tc, ((q0 - p0) * 4 + (p1 - q1) + 4) >> 3);
                q[-xs] = clip1(p0 + delta);
                q[0] = clip1(q0 - delta);
            } else { /* 8.7.2.4 */
                q[-xs] = (uint8_t)((2 * p1 + p0 + q1 + 2) >> 2);
                q[0] = (uint8_t)((2 * q1 + q0 + p1 + 2) >> 2);
            }
        }
    }
}

static void chroma_edge_portable(uint8_t *u, uint8_t *v, ptrdiff_t xs, ptrdiff_t ys,
                                 const uint8_t bs[4], avila_h264_edge_th t)
{
    chroma_plane_edge(u, xs, ys, bs, t);
    chroma_plane_edge(v, xs, ys, bs, t);
}

const avila_h264_deblock_ops avila_h264_deblock_portable = {
    .luma_edge = avila_h264_luma_edge_portable,
    .chroma_edge = chroma_edge_portable,
};

/* bS of an edge between two inter 4x4 blocks (8.7.2.1, one reference). */
static inline uint8_t inter_bs(const avila_h264_mb_deblock *mp, int bp,
                               const avila_h264_mb_deblock *mq, int bq)
{
    if (((mp->nonzero >> bp) | (mq->nonzero >> bq)) & 1)
        return 2;
    return iabs(mp->mv[bp][0] - mq->mv[bq][0]) >= 4 || iabs(mp->mv[bp][1] - mq->mv[bq][1]) >= 4;
}

/* An inter macroblock without coefficients whose 16 blocks share one vector. */
static bool plain(const avila_h264_mb_deblock *m)
{
    if (m->intra || m->nonzero)
        return false;
    for (int b = 1; b < 16; b++)
        if (m->mv[b][0] != m->mv[0][0] || m->mv[b][1] != m->mv[0][1])
            return false;
    return true;
}

/* Whether the edge between plain macroblocks p and q has bS 0 everywhere. */
static bool plain_edge(const avila_h264_mb_deblock *p, const avila_h264_mb_deblock *q)
{
    return plain(p) && iabs(p->mv[0][0] - q->mv[0][0]) < 4 && iabs(p->mv[0][1] - q->mv[0][1]) < 4;
}

int avila_h264_deblock_bs(uint8_t bs[2][4][4], const avila_h264_mb_deblock *mbs,
                          const avila_h264_deblock_params *p, unsigned mb_x, unsigned mb_y)
{
    const avila_h264_mb_deblock *cur = mbs + (size_t)mb_y * p->mb_width + mb_x;
    /* The common case in screen content and static backgrounds: nothing to filter. */
    if (plain(cur) && (mb_x == 0 || plain_edge(cur - 1, cur)) &&
        (mb_y == 0 || plain_edge(cur - p->mb_width, cur))) {
        memset(bs, 0, sizeof(uint8_t[2][4][4]));
        return 0;
    }
    unsigned any = 0;
    for (int dir = 0; dir < 2; dir++) {
        /* dir 0: vertical edges, neighbour to the left; dir 1: horizontal
         * edges, neighbour above. Block (e, k) across the edge: raster index
         * k*4 + e for vertical edges, e*4 + k for horizontal ones. */
        unsigned on_border = dir == 0 ? mb_x == 0 : mb_y == 0;
        const avila_h264_mb_deblock *nb = dir == 0 ? cur - 1 : cur - p->mb_width;
        for (int e = 0; e < 4; e++)
            for (int k = 0; k < 4; k++) {
                int bq = dir == 0 ? k * 4 + e : e * 4 + k;
                uint8_t s;
                if (e == 0) {
                    int bp = dir == 0 ? k * 4 + 3 : 12 + k;
                    if (on_border)
                        s = 0;
                    else if (cur->intra || nb->intra)
                        s = 4; /* macroblock edge */
                    else
                        s = inter_bs(nb, bp, cur, bq);
                } else {
                    int bp = dir == 0 ? bq - 1 : bq - 4;
                    s = cur->intra ? 3 : inter_bs(cur, bp, cur, bq);
                }
                bs[dir][e][k] = s;
                any |= s;
            }
    }
    return any != 0;
}

const avila_h264_deblock_ops *avila_h264_deblock_best(void)
{
#if AVILA_X86_64
    if (avila_cpu_features() & AVILA_CPU_AVX2)
        return &avila_h264_deblock_avx2;
#endif
    return &avila_h264_deblock_portable;
}

/* Filters one macroblock (8.7, per-macroblock order) with the edge filters of ops. */
static void deblock_mb(uint8_t *y, ptrdiff_t ys, uint8_t *u, uint8_t *v, ptrdiff_t cs,
                       const avila_h264_mb_deblock *mbs, const avila_h264_deblock_params *p,
                       unsigned mx, unsigned my, const avila_h264_deblock_ops *ops)
{
    uint8_t bs[2][4][4];
    if (!avila_h264_deblock_bs(bs, mbs, p, mx, my))
        return;
    const avila_h264_mb_deblock *cur = mbs + (size_t)my * p->mb_width + mx;
    const avila_h264_mb_deblock *nb[2] = {mx ? cur - 1 : cur, my ? cur - p->mb_width : cur};
    int qc = avila_h264_chroma_qp(cur->qp, p->chroma_qp_index_offset);
    avila_h264_edge_th inner = thresholds(cur->qp, p), inner_c = thresholds(qc, p);
    avila_h264_edge_th outer[2], outer_c[2];
    for (int dir = 0; dir < 2; dir++) {
        /* 8-461: qPav = (qPp + qPq + 1) >> 1; for chroma, of the QPc values. */
        int qn = avila_h264_chroma_qp(nb[dir]->qp, p->chroma_qp_index_offset);
        outer[dir] = thresholds((nb[dir]->qp + cur->qp + 1) >> 1, p);
        outer_c[dir] = thresholds((qn + qc + 1) >> 1, p);
    }
    uint8_t *py = y + (ptrdiff_t)my * 16 * ys + (ptrdiff_t)mx * 16;
    ptrdiff_t coff = (ptrdiff_t)my * 8 * cs + (ptrdiff_t)mx * 8;
    uint8_t *pc[2] = {u + coff, v + coff};

    /* Luma: vertical edges left to right, then horizontal top to bottom. */
    for (ptrdiff_t e = 0; e < 4; e++)
        ops->luma_edge(py + 4 * e, 1, ys, bs[0][e], e ? inner : outer[0]);
    for (ptrdiff_t e = 0; e < 4; e++)
        ops->luma_edge(py + 4 * e * ys, ys, 1, bs[1][e], e ? inner : outer[1]);
    /* Chroma 4:2:0: edges 0 and 4, the latter co-located with luma edge 8;
     * Cb and Cr side by side (the planes do not interact). */
    ops->chroma_edge(pc[0], pc[1], 1, cs, bs[0][0], outer_c[0]);
    ops->chroma_edge(pc[0] + 4, pc[1] + 4, 1, cs, bs[0][2], inner_c);
    ops->chroma_edge(pc[0], pc[1], cs, 1, bs[1][0], outer_c[1]);
    ops->chroma_edge(pc[0] + 4 * cs, pc[1] + 4 * cs, cs, 1, bs[1][2], inner_c);
}

void avila_h264_deblock_rows(uint8_t *y, ptrdiff_t y_stride, uint8_t *u, uint8_t *v,
                             ptrdiff_t c_stride, const avila_h264_mb_deblock *mbs,
                             const avila_h264_deblock_params *p, unsigned row0, unsigned row1)
{
    if (row1 > p->mb_height)
        row1 = p->mb_height;
    const avila_h264_deblock_ops *ops = avila_h264_deblock_best();
    for (unsigned my = row0; my < row1; my++)
        for (unsigned mx = 0; mx < p->mb_width; mx++)
            deblock_mb(y, y_stride, u, v, c_stride, mbs, p, mx, my, ops);
}

void avila_h264_deblock_wave_init(avila_h264_deblock_wave *w, avila_h264_deblock_row *rows,
                                  unsigned mb_height, void (*wait)(void *ctx), void *wait_ctx)
{
    atomic_store_explicit(&w->next_row, 0, memory_order_relaxed);
    w->rows = rows;
    w->mb_height = mb_height;
    w->wait = wait;
    w->wait_ctx = wait_ctx;
    for (unsigned r = 0; r < mb_height; r++)
        atomic_store_explicit(&rows[r].done, 0, memory_order_relaxed);
}

unsigned avila_h264_deblock_wave_claim(avila_h264_deblock_wave *w)
{
    /* The counter's one order is the claim order the wavefront's liveness rests on; the
     * samples themselves are ordered by the rows' progress. */
    unsigned r = atomic_fetch_add_explicit(&w->next_row, 1, memory_order_relaxed);
    return r < w->mb_height ? r : w->mb_height;
}

/* Tells the CPU it is in a spin-wait loop, which frees the core for its sibling thread. */
static inline void spin_pause(void)
{
#if AVILA_X86_64
    __builtin_ia32_pause();
#endif
}

/*
 * Spins before the wavefront's wait hook is called: about a macroblock's
 * filtering, the usual lag between neighbouring rows on an idle machine.
 */
#define WAVE_SPINS 256

/*
 * Waits until *done reaches need (its writer is a running job); returns
 * what it saw. After WAVE_SPINS looks it calls w's wait hook between looks:
 * a descheduled writer gets the core instead of a spinning reader.
 */
static unsigned wait_progress(const avila_h264_deblock_wave *w, const atomic_uint *done,
                              unsigned need)
{
    unsigned seen, spins = 0;
    while ((seen = atomic_load_explicit(done, memory_order_acquire)) < need) {
        if (w->wait && ++spins > WAVE_SPINS)
            w->wait(w->wait_ctx);
        else
            spin_pause();
    }
    return seen;
}

void avila_h264_deblock_wave_row(avila_h264_deblock_wave *w, uint8_t *y, ptrdiff_t y_stride,
                                 uint8_t *u, uint8_t *v, ptrdiff_t c_stride,
                                 const avila_h264_mb_deblock *mbs,
                                 const avila_h264_deblock_params *p, unsigned row)
{
    if (row >= w->mb_height)
        return; /* not a row: nothing waits for it */
    const avila_h264_deblock_ops *ops = avila_h264_deblock_best();
    unsigned width = p->mb_width, above = row ? 0 : width; /* row - 1's progress seen */
    for (unsigned mx = 0; mx < width; mx++) {
        /* Row - 1 through mx + 1, whose left edge changes the samples mx's top edge uses. */
        unsigned need = mx + 2 < width ? mx + 2 : width;
        if (above < need)
            above = wait_progress(w, &w->rows[row - 1].done, need);
        deblock_mb(y, y_stride, u, v, c_stride, mbs, p, mx, row, ops);
        atomic_store_explicit(&w->rows[row].done, mx + 1, memory_order_release);
    }
}
