/*
 * media/h264/enc_glyph.c - finds glyph copies, the other common motion of
 * screen content besides scrolling: a terminal or an editor draws text
 * whose characters already show somewhere else on the screen, mostly far
 * beyond where a local motion search looks. Each changed, textured 8x8
 * luma block of the picture that is neither where it was nor where its
 * band's scrolling put it is looked up, by a hash of its samples, among
 * the 8x8 blocks at every sample position of the last picture's source.
 * Exact copies found become motion search candidates; the search then
 * measures them against the reconstructed reference like any other. Pure.
 *
 * Cost: the lookup hashes every position of the last source once per
 * picture with a 16-bit polynomial hash, separable and sliding (a column
 * step and a row step, each a few vector multiplies per 8 positions), and
 * tests a bit filter of the wanted keys; pictures with nothing to look up
 * skip it. Keys that hostile or merely unlucky content shares with many
 * positions cost bounded work: a budget of comparisons per content and
 * one per picture.
 */
#include "media/h264/enc_int.h"

#include "core/endian.h"

/* A block row whose samples span at least this much is textured; flat blocks are left to
 * the ordinary search, which predicts them from anywhere alike. */
#define GLYPH_TEXTURE 16
/* Blocks looked up per picture at most: an eighth of the picture's blocks, but at least this
 * many (or all of a small picture's). A picture with more changed, textured blocks is a new
 * screen or moving video, which the ordinary search serves: none are looked up. */
#define GLYPH_QUERIES_MIN 4096
/* Copies kept per distinct block content: the nearest ones to its first query. */
#define FOUND_MAX 3
/* Comparisons that find other samples under a content's key before the content is given up
 * (its key is common in the picture), and comparisons per picture at most. */
#define MISSES_MAX    64
#define VERIFY_BUDGET 65536
/* The hash's multipliers down a column and along a row (odd). */
#define HASH_DOWN  0x9E37u
#define HASH_ALONG 0x7F4Bu

/* One distinct content among the blocks looked up. */
struct glyph_content {
    uint16_t key;
    uint16_t misses; /* comparisons with other samples under its key */
    uint32_t next;   /* the next content in the same hash slot, plus one; 0 ends */
    uint16_t x, y;   /* its first block in the current source */
    uint16_t found;  /* copies in fx, fy, nearest to (x, y) first */
    uint16_t fx[FOUND_MAX], fy[FOUND_MAX];
};

/* One block looked up. */
struct glyph_query {
    uint32_t content; /* index into contents */
    uint32_t block;   /* macroblock address * 4 + quadrant */
    uint16_t x, y;
};

/* The lookup's work areas (avila_h264i_glyph_init), reused picture after picture. */
struct avila_h264i_glyph {
    unsigned queries_max, slot_mask;
    uint32_t *slot;   /* per hash slot: its first content, plus one */
    uint32_t *filter; /* bit key: some content has that key */
    struct glyph_content *contents;
    struct glyph_query *queries;
    /* Per position of the row being scanned: the hashes of the columns of 8 samples below,
     * of 2 and 4 neighbouring columns, of the 8x8 block; how many of the block's rows are
     * textured. */
    uint16_t *columns, *pairs, *fours, *keys;
    uint8_t *textured_rows;
    uint8_t *ring; /* per row of the block (a ring of 8): per position, 1 if textured */
    unsigned ncontents, nqueries;
    unsigned verify_left;
};

/* ------------------------------------------------------------ hashing */

/*
 * The key of a block is sum(p[i][j] * DOWN^(7-i) * ALONG^(7-j)) mod 2^16 over
 * its rows i and columns j: a column hash (the sum over i), then a row hash
 * of the 8 column hashes. The column hashes of the row below follow from
 * these by removing the top sample and adding one at the bottom.
 */
static unsigned pow16(unsigned b, unsigned n)
{
    unsigned r = 1;
    while (n--)
        r = r * b & 0xffff;
    return r;
}

static uint16_t block_key(const uint8_t *p, ptrdiff_t stride)
{
    uint16_t c[8] = {0}, k = 0;
    for (unsigned i = 0; i < 8; i++)
        for (unsigned j = 0; j < 8; j++)
            c[j] = (uint16_t)(c[j] * HASH_DOWN + p[(ptrdiff_t)i * stride + j]);
    for (unsigned j = 0; j < 8; j++)
        k = (uint16_t)(k * HASH_ALONG + c[j]);
    return k;
}

static bool same_block(const uint8_t *a, const uint8_t *b, ptrdiff_t stride)
{
    for (unsigned i = 0; i < 8; i++)
        if (avila_load_le64(a + (ptrdiff_t)i * stride) !=
            avila_load_le64(b + (ptrdiff_t)i * stride))
            return false;
    return true;
}

/* Per position x < n of a row: 1 if its 8 samples are textured. */
static void row_texture(const uint8_t *restrict p, uint8_t *restrict out, size_t n)
{
    for (size_t x = 0; x < n; x++) {
        uint8_t lo = p[x], hi = p[x];
        for (unsigned j = 1; j < 8; j++) {
            lo = p[x + j] < lo ? p[x + j] : lo;
            hi = p[x + j] > hi ? p[x + j] : hi;
        }
        out[x] = hi - lo >= GLYPH_TEXTURE;
    }
}

static bool textured(const uint8_t *p, ptrdiff_t stride)
{
    for (unsigned i = 0; i < 8; i++) {
        uint8_t row;
        row_texture(p + (ptrdiff_t)i * stride, &row, 1);
        if (row)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ setup */

static unsigned queries_max(unsigned mbs)
{
    unsigned blocks = 4 * mbs,
             most = blocks / 8 > GLYPH_QUERIES_MIN ? blocks / 8 : GLYPH_QUERIES_MIN;
    return blocks < most ? blocks : most;
}

static unsigned slots(unsigned mbs)
{
    unsigned n = 64;
    while (n < 2 * queries_max(mbs) && n < 65536) /* keys have 16 bits */
        n *= 2;
    return n;
}

static size_t round64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* The filter's bytes: a bit per key. */
#define FILTER_BYTES (65536 / 8)

/* The per-position row arrays: 4 of 16 bits, one of bytes, and the ring's 8 rows. */
static size_t rows_bytes(unsigned mb_w)
{
    size_t w = (size_t)mb_w * 16;
    return 4 * round64(w * sizeof(uint16_t)) + round64(w) + round64(8 * w);
}

size_t avila_h264i_glyph_bytes(unsigned mb_w, unsigned mb_h)
{
    unsigned mbs = mb_w * mb_h, q = queries_max(mbs);
    return round64(sizeof(struct avila_h264i_glyph)) + round64(slots(mbs) * sizeof(uint32_t)) +
           FILTER_BYTES + round64(q * sizeof(struct glyph_content)) +
           round64(q * sizeof(struct glyph_query)) + rows_bytes(mb_w);
}

struct avila_h264i_glyph *avila_h264i_glyph_init(void *mem, unsigned mb_w, unsigned mb_h)
{
    uint8_t *p = mem;
    unsigned mbs = mb_w * mb_h;
    size_t w = (size_t)mb_w * 16;
    struct avila_h264i_glyph *g = avila_h264i_carve(&p, sizeof *g);
    *g = (struct avila_h264i_glyph){.queries_max = queries_max(mbs), .slot_mask = slots(mbs) - 1};
    g->slot = avila_h264i_carve(&p, slots(mbs) * sizeof(uint32_t));
    g->filter = avila_h264i_carve(&p, FILTER_BYTES);
    g->contents = avila_h264i_carve(&p, g->queries_max * sizeof(struct glyph_content));
    g->queries = avila_h264i_carve(&p, g->queries_max * sizeof(struct glyph_query));
    g->columns = avila_h264i_carve(&p, w * sizeof(uint16_t));
    g->pairs = avila_h264i_carve(&p, w * sizeof(uint16_t));
    g->fours = avila_h264i_carve(&p, w * sizeof(uint16_t));
    g->keys = avila_h264i_carve(&p, w * sizeof(uint16_t));
    g->textured_rows = avila_h264i_carve(&p, w);
    g->ring = avila_h264i_carve(&p, 8 * w);
    return g;
}

/* ------------------------------------------------------------ what to look up */

/* The content of the block at (x, y) of the current source: found or added. */
static uint32_t content_of(const avila_h264_encoder *e, struct avila_h264i_glyph *g, unsigned x,
                           unsigned y)
{
    ptrdiff_t s = e->src_y_stride;
    const uint8_t *p = e->src_y + (ptrdiff_t)y * s + x;
    uint16_t key = block_key(p, s);
    uint32_t *slot = &g->slot[key & g->slot_mask];
    for (uint32_t i = *slot; i; i = g->contents[i - 1].next) {
        const struct glyph_content *c = &g->contents[i - 1];
        if (c->key == key && same_block(p, e->src_y + (ptrdiff_t)c->y * s + c->x, s))
            return i - 1;
    }
    uint32_t n = g->ncontents++;
    g->contents[n] =
        (struct glyph_content){.key = key, .next = *slot, .x = (uint16_t)x, .y = (uint16_t)y};
    *slot = n + 1;
    g->filter[key >> 5] |= 1u << (key & 31);
    return n;
}

/*
 * Whether the block at (x, y) is worth a lookup: changed, textured, and not
 * the same samples as at its own place, or its band's scrolled place, in
 * the last source (those the search finds from its usual candidates).
 */
static bool wanted(const avila_h264_encoder *e, unsigned x, unsigned y)
{
    ptrdiff_t s = e->src_y_stride;
    const uint8_t *cur = e->src_y + (ptrdiff_t)y * s + x,
                  *prev = e->src_prev_y + (ptrdiff_t)y * s + x;
    if (same_block(cur, prev, s) || !textured(cur, s))
        return false;
    int dy = e->scroll_dy[x / 16 / SCROLL_BAND], ys = (int)y + dy;
    return dy == 0 || ys < 0 || ys + 8 > (int)e->mb_h * 16 ||
           !same_block(cur, prev + (ptrdiff_t)dy * s, s);
}

/* Gathers the blocks to look up and their distinct contents; none when there are too many. */
static void collect(const avila_h264_encoder *e, struct avila_h264i_glyph *g)
{
    g->ncontents = g->nqueries = 0;
    memset(g->slot, 0, (g->slot_mask + 1) * sizeof *g->slot);
    memset(g->filter, 0, FILTER_BYTES);
    for (unsigned addr = 0; addr < e->mbs; addr++) {
        if (!e->changed[addr])
            continue;
        for (unsigned q = 0; q < 4; q++) {
            unsigned x = addr % e->mb_w * 16 + (q & 1) * 8, y = addr / e->mb_w * 16 + (q >> 1) * 8;
            if (!wanted(e, x, y))
                continue;
            if (g->nqueries == g->queries_max) {
                g->nqueries = 0;
                return;
            }
            g->queries[g->nqueries++] = (struct glyph_query){.content = content_of(e, g, x, y),
                                                             .block = addr * 4 + q,
                                                             .x = (uint16_t)x,
                                                             .y = (uint16_t)y};
        }
    }
}

/* ------------------------------------------------------------ the scan */

static unsigned distance(unsigned x0, unsigned y0, unsigned x1, unsigned y1)
{
    return (x0 > x1 ? x0 - x1 : x1 - x0) + (y0 > y1 ? y0 - y1 : y1 - y0);
}

/* Whether a copy at (x, y) would be among c's nearest (checked before the comparison). */
static bool would_keep(const struct glyph_content *c, unsigned x, unsigned y)
{
    return c->found < FOUND_MAX || distance(c->fx[FOUND_MAX - 1], c->fy[FOUND_MAX - 1], c->x,
                                            c->y) > distance(x, y, c->x, c->y);
}

/* Keeps the copy at (x, y) among c's nearest, in order; would_keep holds. */
static void keep_copy(struct glyph_content *c, unsigned x, unsigned y)
{
    unsigned d = distance(x, y, c->x, c->y);
    unsigned i = c->found < FOUND_MAX ? c->found++ : FOUND_MAX - 1;
    for (; i > 0 && distance(c->fx[i - 1], c->fy[i - 1], c->x, c->y) > d; i--) {
        c->fx[i] = c->fx[i - 1];
        c->fy[i] = c->fy[i - 1];
    }
    c->fx[i] = (uint16_t)x;
    c->fy[i] = (uint16_t)y;
}

/*
 * Looks up the copy at (x, y) of the last source, whose key the filter
 * holds: where a content has that key, the copy would be among its
 * nearest and the content is not given up, compares samples. Returns false
 * once the picture's budget of comparisons is spent.
 */
static bool probe(const avila_h264_encoder *e, struct avila_h264i_glyph *g, unsigned x, unsigned y,
                  uint16_t key)
{
    ptrdiff_t s = e->src_y_stride;
    const uint8_t *copy = e->src_prev_y + (ptrdiff_t)y * s + x;
    for (uint32_t i = g->slot[key & g->slot_mask]; i; i = g->contents[i - 1].next) {
        struct glyph_content *c = &g->contents[i - 1];
        if (c->key != key || c->misses == MISSES_MAX || !would_keep(c, x, y))
            continue;
        if (g->verify_left == 0)
            return false;
        g->verify_left--;
        if (same_block(copy, e->src_y + (ptrdiff_t)c->y * s + c->x, s))
            keep_copy(c, x, y);
        else
            c->misses++;
    }
    return true;
}

/*
 * Probes the textured positions of row y whose keys the filter holds, 8
 * positions at a time (flat stretches, most of a desktop, pass at once).
 * Returns false once the budget of comparisons is spent.
 */
static bool probe_row(const avila_h264_encoder *e, struct avila_h264i_glyph *g, unsigned y,
                      unsigned n)
{
    const uint8_t *count = g->textured_rows;
    const uint16_t *keys = g->keys;
    const uint32_t *filter = g->filter;
    for (unsigned x = 0; x < n; x += 8) {
        /* The top bit of each byte whose count is not zero (counts are at most 8). */
        uint64_t t = avila_load_le64(count + x);
        t = (t + 0x7F7F7F7F7F7F7F7Fu) & 0x8080808080808080u;
        for (; t; t &= t - 1) {
            unsigned at = x + (unsigned)__builtin_ctzll(t) / 8;
            uint16_t key = keys[at];
            if (filter[key >> 5] >> (key & 31) & 1 && !probe(e, g, at, y, key))
                return false;
        }
    }
    return true;
}

/* The block keys of positions [0, n) from the column hashes: pairs, fours, eights. */
static void row_keys(const uint16_t *restrict col, uint16_t *restrict pairs,
                     uint16_t *restrict fours, uint16_t *restrict keys, size_t w, size_t n)
{
    const unsigned a2 = pow16(HASH_ALONG, 2), a4 = pow16(HASH_ALONG, 4);
    for (size_t x = 0; x + 1 < w; x++)
        pairs[x] = (uint16_t)(col[x] * HASH_ALONG + col[x + 1]);
    for (size_t x = 0; x + 3 < w; x++)
        fours[x] = (uint16_t)(pairs[x] * a2 + pairs[x + 2]);
    for (size_t x = 0; x < n; x++)
        keys[x] = (uint16_t)(fours[x] * a4 + fours[x + 4]);
}

/*
 * Column hashes and textured row counts one row down: row in joins at the
 * bottom, row out (weighing top in the hashes) leaves at the top, and tex,
 * the textured positions of row out, becomes those of row in.
 */
static void slide_down(uint16_t *restrict col, uint8_t *restrict count, uint8_t *restrict tex,
                       const uint8_t *restrict out, const uint8_t *restrict in, unsigned top,
                       size_t w, size_t n)
{
    for (size_t x = 0; x < w; x++)
        col[x] = (uint16_t)((col[x] - out[x] * top) * HASH_DOWN + in[x]);
    for (size_t x = 0; x < n; x++)
        count[x] = (uint8_t)(count[x] - tex[x]);
    row_texture(in, tex, n);
    for (size_t x = 0; x < n; x++)
        count[x] = (uint8_t)(count[x] + tex[x]);
}

/*
 * Hashes the 8x8 block at every position of the last source, row by row,
 * and probes the textured ones: the column hashes and the count of
 * textured rows slide down a row at a time.
 */
static void scan(const avila_h264_encoder *e, struct avila_h264i_glyph *g)
{
    ptrdiff_t s = e->src_y_stride;
    unsigned w = e->mb_w * 16, h = e->mb_h * 16, n = w - 7;
    const uint8_t *prev = e->src_prev_y;
    const unsigned top = pow16(HASH_DOWN, 7);
    /* The first block's rows slide into empty columns (nothing leaves). */
    memset(g->columns, 0, w * sizeof *g->columns);
    memset(g->textured_rows, 0, w);
    memset(g->ring, 0, 8 * (size_t)w);
    for (unsigned i = 0; i < 8; i++) {
        const uint8_t *in = prev + (ptrdiff_t)i * s;
        slide_down(g->columns, g->textured_rows, g->ring + (size_t)i * w, in, in, 0, w, n);
    }
    g->verify_left = VERIFY_BUDGET + FOUND_MAX * g->nqueries;
    for (unsigned y = 0;; y++) {
        row_keys(g->columns, g->pairs, g->fours, g->keys, w, n);
        if (!probe_row(e, g, y, n) || y + 8 == h)
            return;
        const uint8_t *out = prev + (ptrdiff_t)y * s;
        slide_down(g->columns, g->textured_rows, g->ring + (size_t)(y & 7) * w, out, out + 8 * s,
                   top, w, n);
    }
}

/* ------------------------------------------------------------ the candidates */

/*
 * Adds the vector (dx, dy) in samples to block b's candidates unless it is
 * there already, its list is full, or the level does not allow it.
 */
static void add_vector(avila_h264_encoder *e, unsigned b, int dx, int dy, int max_vmv)
{
    int vx = 4 * dx, vy = 4 * dy;
    if (vx < AVILA_H264_MV_H_MIN || vx > AVILA_H264_MV_H_MAX || vy < -max_vmv || vy > max_vmv - 1)
        return;
    uint8_t *n = &e->glyph_n[b];
    for (unsigned i = 0; i < *n; i++)
        if (e->glyph_mv[b][i][0] == vx && e->glyph_mv[b][i][1] == vy)
            return;
    if (*n < AVILA_H264I_GLYPH_CANDS) {
        e->glyph_mv[b][*n][0] = (int16_t)vx;
        e->glyph_mv[b][*n][1] = (int16_t)vy;
        ++*n;
    }
}

/*
 * Adds neighbouring block nb's first vector to query q's block when it
 * copies q's samples too: text copied word by word then shares one vector,
 * and a repeated vector's mvd costs a bit per component.
 */
static void add_neighbours_vector(avila_h264_encoder *e, const struct glyph_query *q, unsigned nb,
                                  int max_vmv)
{
    if (!e->glyph_n[nb])
        return;
    int dx = e->glyph_mv[nb][0][0] / 4, dy = e->glyph_mv[nb][0][1] / 4;
    int x = q->x + dx, y = q->y + dy;
    if (x < 0 || y < 0 || x + 8 > (int)e->mb_w * 16 || y + 8 > (int)e->mb_h * 16)
        return;
    ptrdiff_t s = e->src_y_stride;
    if (same_block(e->src_prev_y + (ptrdiff_t)y * s + x, e->src_y + (ptrdiff_t)q->y * s + q->x, s))
        add_vector(e, q->block, dx, dy, max_vmv);
}

static void assign(avila_h264_encoder *e, const struct avila_h264i_glyph *g)
{
    int max_vmv = avila_h264_level_max_vmv(e->sps.level_idc);
    for (unsigned i = 0; i < g->nqueries; i++) {
        const struct glyph_query *q = &g->queries[i];
        const struct glyph_content *c = &g->contents[q->content];
        if (!c->found)
            continue;
        unsigned b = q->block, quad = b & 3, addr = b / 4;
        if (quad & 1 || addr % e->mb_w)
            add_neighbours_vector(e, q, quad & 1 ? b - 1 : b - 3, max_vmv);
        if (quad & 2 || addr >= e->mb_w)
            add_neighbours_vector(e, q, quad & 2 ? b - 2 : b - 4 * e->mb_w + 2, max_vmv);
        for (unsigned f = 0; f < c->found; f++)
            add_vector(e, b, (int)c->fx[f] - q->x, (int)c->fy[f] - q->y, max_vmv);
    }
}

void avila_h264i_glyph_find(avila_h264_encoder *e)
{
    struct avila_h264i_glyph *g = e->glyph_work;
    memset(e->glyph_n, 0, (size_t)e->mbs * 4);
    collect(e, g);
    if (g->nqueries == 0)
        return;
    scan(e, g);
    assign(e, g);
}
