/*
 * crypto/gcm.c - AES-GCM (NIST SP 800-38D): the mode itself (section 7:
 * J0, GCTR, GHASH over AAD || C || lengths, tag), argument checks and
 * dispatch, plus the portable constant-time GHASH.
 *
 * The portable multipliers never index memory or branch on data. Carry-less
 * 64x64-bit products come from integer multiplications of operands whose
 * bits are spread out with 3-bit holes between them, so the carries of the
 * integer sums never reach a bit that is kept. Where the compiler has
 * 128-bit integers, 20 widening multiplications give the whole 128-bit
 * product ("wide"); otherwise 16 give the low half and 16 more on
 * bit-reversed operands the high half ("narrow", as in BearSSL's ghash_ctmul64
 * design). Three such products per block (Karatsuba), then the reduction
 * modulo x^128 + x^7 + x^2 + x + 1 by shifts and XORs.
 */
#include "crypto/gcm.h"
#include "crypto/gcm_int.h"

#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"

/* ---------------------------------------------------------------- portable GHASH */

/* The low 64 bits of the carry-less product x * y. */
static inline uint64_t bmul64(uint64_t x, uint64_t y)
{
    const uint64_t m0 = 0x1111111111111111, m1 = 0x2222222222222222;
    const uint64_t m2 = 0x4444444444444444, m3 = 0x8888888888888888;
    uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
    uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
    /* At most 16 terms meet at a bit; only bits 60-63 can reach 16 and
     * their carry leaves the word, so each kept bit is its parity. */
    uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
    uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
    uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
    uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
    return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

static inline uint64_t rev64(uint64_t x)
{
    x = ((x >> 1) & 0x5555555555555555) | ((x & 0x5555555555555555) << 1);
    x = ((x >> 2) & 0x3333333333333333) | ((x & 0x3333333333333333) << 2);
    x = ((x >> 4) & 0x0f0f0f0f0f0f0f0f) | ((x & 0x0f0f0f0f0f0f0f0f) << 4);
    return __builtin_bswap64(x);
}

/*
 * Reduces the 256-bit w3:w2:w1:w0 (w3 holding x^0..x^63, bit-reflected)
 * modulo the GCM polynomial into {low, high}: x^128 = x^7 + x^2 + x + 1
 * folds each word two words up, x^k landing k bits lower.
 */
static inline void reduce(uint64_t r[2], uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
    w2 ^= w0 ^ (w0 >> 1) ^ (w0 >> 2) ^ (w0 >> 7);
    w1 ^= (w0 << 63) ^ (w0 << 62) ^ (w0 << 57);
    w3 ^= w1 ^ (w1 >> 1) ^ (w1 >> 2) ^ (w1 >> 7);
    w2 ^= (w1 << 63) ^ (w1 << 62) ^ (w1 << 57);
    r[0] = w2;
    r[1] = w3;
}

/*
 * A hash key prepared for one multiplier: its two halves and their XOR
 * (Karatsuba operands), split or bit-reversed as that multiplier needs.
 */
struct hkey {
    uint64_t w[12];
};

/* Narrow multiplier (64-bit integer products only): halves, and the same bit-reversed. */
static void narrow_prepare(struct hkey *k, const uint64_t g[2])
{
    k->w[0] = g[0];
    k->w[1] = g[1];
    k->w[2] = g[0] ^ g[1];
    for (int i = 0; i < 3; i++)
        k->w[3 + i] = rev64(k->w[i]);
}

/* r = a * h * x: three 64-bit Karatsuba products, each as low and (reversed) high half. */
static inline void narrow_mul(uint64_t r[2], const uint64_t a[2], const struct hkey *k)
{
    uint64_t a0 = a[0], a1 = a[1], a2 = a0 ^ a1;
    uint64_t ar0 = rev64(a0), ar1 = rev64(a1), ar2 = ar0 ^ ar1;
    uint64_t z0 = bmul64(a0, k->w[0]), z1 = bmul64(a1, k->w[1]), z2 = bmul64(a2, k->w[2]);
    uint64_t zr0 = bmul64(ar0, k->w[3]), zr1 = bmul64(ar1, k->w[4]);
    uint64_t zr2 = bmul64(ar2, k->w[5]);
    z2 ^= z0 ^ z1;
    zr2 ^= zr0 ^ zr1;
    /* The reversed product's low word reversed is the high word shifted left one. */
    zr0 = rev64(zr0) >> 1;
    zr1 = rev64(zr1) >> 1;
    zr2 = rev64(zr2) >> 1;
    reduce(r, z0, zr0 ^ z2, z1 ^ zr2, zr1);
}

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 u128;

/* Wide multiplier (64x64 -> 128-bit integer products): each operand split into its bit classes
 * mod 4. */
static void wide_prepare(struct hkey *k, const uint64_t g[2])
{
    const uint64_t h[3] = {g[0], g[1], g[0] ^ g[1]};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            k->w[4 * i + j] = h[i] & ((uint64_t)0x1111111111111111 << j);
}

/*
 * The full 128-bit carry-less product of x and the word whose classes are
 * y[0..3]. Bits 0-59 of x go by class mod 4: at most 15 terms meet at a
 * bit, so the sums fit in the 3-bit holes. Bits 60-63 of x meet each class
 * of y at most once per bit: exact products without any carry.
 */
static inline u128 clmul_wide(uint64_t x, const uint64_t y[4])
{
    const uint64_t c = 0x0111111111111111;
    uint64_t x0 = x & c, x1 = x & c << 1, x2 = x & c << 2, x3 = x & c << 3;
    uint64_t top = x & 0xf000000000000000;
    u128 z0 = (u128)x0 * y[0] ^ (u128)x1 * y[3] ^ (u128)x2 * y[2] ^ (u128)x3 * y[1];
    u128 z1 = (u128)x0 * y[1] ^ (u128)x1 * y[0] ^ (u128)x2 * y[3] ^ (u128)x3 * y[2];
    u128 z2 = (u128)x0 * y[2] ^ (u128)x1 * y[1] ^ (u128)x2 * y[0] ^ (u128)x3 * y[3];
    u128 z3 = (u128)x0 * y[3] ^ (u128)x1 * y[2] ^ (u128)x2 * y[1] ^ (u128)x3 * y[0];
    const u128 m = (u128)0x1111111111111111 << 64 | 0x1111111111111111;
    u128 r = (z0 & m) | (z1 & m << 1) | (z2 & m << 2) | (z3 & m << 3);
    return r ^ (u128)top * y[0] ^ (u128)top * y[1] ^ (u128)top * y[2] ^ (u128)top * y[3];
}

static inline void wide_mul(uint64_t r[2], const uint64_t a[2], const struct hkey *k)
{
    u128 p0 = clmul_wide(a[0], k->w), p1 = clmul_wide(a[1], k->w + 4);
    u128 p2 = clmul_wide(a[0] ^ a[1], k->w + 8) ^ p0 ^ p1;
    reduce(r, (uint64_t)p0, (uint64_t)(p0 >> 64) ^ (uint64_t)p2,
           (uint64_t)(p2 >> 64) ^ (uint64_t)p1, (uint64_t)(p1 >> 64));
}
#endif

typedef void (*prepare_fn)(struct hkey *k, const uint64_t g[2]);
typedef void (*mul_fn)(uint64_t r[2], const uint64_t a[2], const struct hkey *k);

/* Both multipliers share these; always inlined so the calls through prep and mul are direct. */
static inline __attribute__((always_inline)) void ghash_using(prepare_fn prep, mul_fn mul,
                                                              const struct avila_gcm *g,
                                                              uint64_t y[2], const uint8_t *in,
                                                              size_t nblocks)
{
    struct hkey k;
    prep(&k, g->hpow[AVILA_GCM_HPOWERS - 1]);
    uint64_t s[2] = {y[0], y[1]};
    for (size_t i = 0; i < nblocks; i++, in += 16) {
        s[1] ^= avila_load_be64(in);
        s[0] ^= avila_load_be64(in + 8);
        mul(s, s, &k);
    }
    y[0] = s[0];
    y[1] = s[1];
    avila_wipe(&k, sizeof k);
    avila_wipe(s, sizeof s);
}

static inline __attribute__((always_inline)) void
mul_using(prepare_fn prep, mul_fn mul, uint64_t r[2], const uint64_t a[2], const uint64_t b[2])
{
    struct hkey k;
    prep(&k, b);
    mul(r, a, &k);
    avila_wipe(&k, sizeof k);
}

/* Chunks small enough that the ciphertext is still in L1 when GHASH reads it. */
#define SEAL_CHUNK_BLOCKS 64

static void seal_using(void (*ghash)(const struct avila_gcm *, uint64_t *, const uint8_t *, size_t),
                       const struct avila_gcm *g, uint64_t y[2], uint8_t *out, const uint8_t *in,
                       size_t nblocks, uint8_t ctr[16])
{
    while (nblocks > 0) {
        size_t m = nblocks < SEAL_CHUNK_BLOCKS ? nblocks : SEAL_CHUNK_BLOCKS;
        avila_aes_portable.ctr(&g->aes, out, in, 16 * m, ctr);
        ghash(g, y, out, m);
        out += 16 * m;
        in += 16 * m;
        nblocks -= m;
    }
}

static void narrow_ghash(const struct avila_gcm *g, uint64_t y[2], const uint8_t *in,
                         size_t nblocks)
{
    ghash_using(narrow_prepare, narrow_mul, g, y, in, nblocks);
}

static void narrow_gf_mul(uint64_t r[2], const uint64_t a[2], const uint64_t b[2])
{
    mul_using(narrow_prepare, narrow_mul, r, a, b);
}

static void narrow_seal_blocks(const struct avila_gcm *g, uint64_t y[2], uint8_t *out,
                               const uint8_t *in, size_t nblocks, uint8_t ctr[16])
{
    seal_using(narrow_ghash, g, y, out, in, nblocks, ctr);
}

#if defined(__SIZEOF_INT128__)
static void wide_ghash(const struct avila_gcm *g, uint64_t y[2], const uint8_t *in, size_t nblocks)
{
    ghash_using(wide_prepare, wide_mul, g, y, in, nblocks);
}

static void wide_gf_mul(uint64_t r[2], const uint64_t a[2], const uint64_t b[2])
{
    mul_using(wide_prepare, wide_mul, r, a, b);
}

static void wide_seal_blocks(const struct avila_gcm *g, uint64_t y[2], uint8_t *out,
                             const uint8_t *in, size_t nblocks, uint8_t ctr[16])
{
    seal_using(wide_ghash, g, y, out, in, nblocks, ctr);
}
#endif

const struct avila_gcm_impl avila_gcm_portable = {
    .name = "portable",
    .needs = 0,
    .aes = &avila_aes_portable,
#if defined(__SIZEOF_INT128__)
    .ghash = wide_ghash,
    .seal_blocks = wide_seal_blocks,
    .mul = wide_gf_mul,
#else
    .ghash = narrow_ghash,
    .seal_blocks = narrow_seal_blocks,
    .mul = narrow_gf_mul,
#endif
};

#if defined(__SIZEOF_INT128__)
const struct avila_gcm_impl avila_gcm_portable_narrow = {
    .name = "portable-narrow",
    .needs = 0,
    .aes = &avila_aes_portable,
    .ghash = narrow_ghash,
    .seal_blocks = narrow_seal_blocks,
    .mul = narrow_gf_mul,
};
#endif

const struct avila_gcm_impl *const avila_gcm_impls[] = {
#if AVILA_X86_64
    &avila_gcm_vaes512,
    &avila_gcm_pclmul,
#endif
    &avila_gcm_portable,
#if defined(__SIZEOF_INT128__)
    &avila_gcm_portable_narrow,
#endif
    NULL,
};

const struct avila_gcm_impl *avila_gcm_pick(void)
{
    uint32_t have = avila_cpu_features();
    for (size_t i = 0; avila_gcm_impls[i]; i++)
        if ((avila_gcm_impls[i]->needs & have) == avila_gcm_impls[i]->needs)
            return avila_gcm_impls[i];
    return &avila_gcm_portable;
}

const char *avila_gcm_impl(void)
{
    return avila_gcm_pick()->name;
}

/* ---------------------------------------------------------------- key */

int avila_gcm_init(struct avila_gcm *g, const uint8_t *key, size_t key_len)
{
    if (!g)
        return AVILA_EINVAL;
    memset(g, 0, sizeof *g);
    int err = avila_aes_init(&g->aes, key, key_len);
    if (err)
        return err;
    const struct avila_gcm_impl *impl = avila_gcm_pick();
    uint8_t h[16] = {0};
    impl->aes->encrypt_block(&g->aes, h, h);
    uint64_t hi = avila_load_be64(h), lo = avila_load_be64(h + 8);
    /* H * x^-1: shift towards x^0; if H had an x^0 term, first add the polynomial. */
    uint64_t carry = avila_ct_mask_u64((uint32_t)(hi >> 63));
    uint64_t *g1 = g->hpow[AVILA_GCM_HPOWERS - 1];
    g1[1] = (hi << 1) | (lo >> 63);
    g1[0] = lo << 1;
    g1[1] ^= carry & 0xc200000000000000;
    g1[0] ^= carry & 1;
    for (int i = AVILA_GCM_HPOWERS - 2; i >= 0; i--)
        impl->mul(g->hpow[i], g->hpow[i + 1], g1);
    avila_wipe(h, sizeof h);
    return 0;
}

void avila_gcm_wipe(struct avila_gcm *g)
{
    if (g)
        avila_wipe(g, sizeof *g);
}

/* ---------------------------------------------------------------- the mode */

static int check_args(const struct avila_gcm *g, const void *tag, size_t tag_len, const void *pt,
                      const void *ct, size_t n, const uint8_t *aad, size_t aad_len,
                      const uint8_t *iv, size_t iv_len)
{
    if (!g || !tag || tag_len < AVILA_GCM_TAG_MIN || tag_len > AVILA_GCM_TAG_MAX)
        return AVILA_EINVAL;
    if (!iv || iv_len == 0 || (n > 0 && (!pt || !ct)) || (aad_len > 0 && !aad))
        return AVILA_EINVAL;
    /* Bit lengths of IV and AAD must fit the 64-bit length fields. */
    if ((uint64_t)n > AVILA_GCM_MAX_TEXT || (uint64_t)aad_len > UINT64_MAX / 8 ||
        (uint64_t)iv_len > UINT64_MAX / 8)
        return AVILA_ELIMIT;
    return 0;
}

/* Texts this short share one CTR call with E(K, J0): a single bitsliced pass covers both. */
#define SMALL_TEXT 48

/* The secrets of one seal or open, kept together so one wipe clears them all. */
struct op {
    uint8_t j0[16];
    uint8_t ctr[16];
    uint8_t work[16 + SMALL_TEXT]; /* E(K, J0), then (short texts) the text itself */
    uint8_t last[SMALL_TEXT + 16]; /* final partial blocks, zero-padded, and the lengths */
    uint8_t tag[16];
    uint64_t y[2]; /* the GHASH state */
};

/* GHASH over n bytes, the last block zero-padded (SP 800-38D section 6.4's padding). */
static void ghash_padded(const struct avila_gcm_impl *impl, const struct avila_gcm *g,
                         struct op *op, const uint8_t *p, size_t n)
{
    if (n >= 16)
        impl->ghash(g, op->y, p, n / 16);
    size_t rem = n % 16;
    if (rem) {
        memset(op->last, 0, 16);
        memcpy(op->last, p + n - rem, rem);
        impl->ghash(g, op->y, op->last, 1);
    }
}

/*
 * GHASH over the rem <= SMALL_TEXT bytes at p + off (zero-padded) and the
 * block [a_len * 8]64 || [c_len * 8]64, in one call: one reduction, not two.
 */
static void ghash_final(const struct avila_gcm_impl *impl, const struct avila_gcm *g, struct op *op,
                        const uint8_t *p, size_t off, size_t rem, size_t a_len, size_t c_len)
{
    size_t blocks = rem / 16 + (rem % 16 != 0);
    memset(op->last, 0, 16 * blocks);
    if (rem > 0)
        memcpy(op->last, p + off, rem);
    avila_store_be64(op->last + 16 * blocks, (uint64_t)a_len * 8);
    avila_store_be64(op->last + 16 * blocks + 8, (uint64_t)c_len * 8);
    impl->ghash(g, op->y, op->last, blocks + 1);
}

/* GHASH over the whole blocks of p then ghash_final over the rest and the lengths. */
static void ghash_text(const struct avila_gcm_impl *impl, const struct avila_gcm *g, struct op *op,
                       const uint8_t *p, size_t n, size_t a_len)
{
    size_t rem = n % 16;
    if (n >= 16)
        impl->ghash(g, op->y, p, n / 16);
    ghash_final(impl, g, op, p, n - rem, rem, a_len, n);
}

/* Section 7.1 step 2: J0 = IV || 0^31 || 1 for 96-bit IVs, else GHASH(IV || 0 || [len(IV)]64). */
static void make_j0(const struct avila_gcm_impl *impl, const struct avila_gcm *g, struct op *op,
                    const uint8_t *iv, size_t iv_len)
{
    op->y[0] = op->y[1] = 0;
    if (iv_len == AVILA_GCM_IV_LEN) {
        memcpy(op->j0, iv, 12);
        avila_store_be32(op->j0 + 12, 1);
        return;
    }
    ghash_text(impl, g, op, iv, iv_len, 0);
    avila_store_be64(op->j0, op->y[1]);
    avila_store_be64(op->j0 + 8, op->y[0]);
    op->y[0] = op->y[1] = 0;
}

/*
 * op->work[0..15] = E(K, J0) and work[16..16+len) = in XOR the keystream
 * from inc32(J0), len <= SMALL_TEXT: J0's block is a CTR block over zeros.
 */
static void start_ctr(const struct avila_gcm_impl *impl, const struct avila_gcm *g, struct op *op,
                      const uint8_t *in, size_t len)
{
    memcpy(op->ctr, op->j0, 16);
    memset(op->work, 0, 16);
    if (len > 0)
        memcpy(op->work + 16, in, len);
    impl->aes->ctr(&g->aes, op->work, op->work, 16 + len, op->ctr);
}

/* The counter block that starts a long text: inc32(J0). */
static void first_counter(struct op *op)
{
    memcpy(op->ctr, op->j0, 12);
    avila_store_be32(op->ctr + 12, avila_load_be32(op->j0 + 12) + 1);
}

/* The tag before truncation: GHASH output XOR E(K, J0). */
static void finish_tag(struct op *op)
{
    avila_store_be64(op->tag, op->y[1]);
    avila_store_be64(op->tag + 8, op->y[0]);
    for (int i = 0; i < 16; i++)
        op->tag[i] ^= op->work[i];
}

int avila_gcm_seal_with(const struct avila_gcm_impl *impl, const struct avila_gcm *g, uint8_t *ct,
                        uint8_t *tag, size_t tag_len, const uint8_t *pt, size_t n,
                        const uint8_t *aad, size_t aad_len, const uint8_t *iv, size_t iv_len)
{
    int err = check_args(g, tag, tag_len, pt, ct, n, aad, aad_len, iv, iv_len);
    if (err)
        return err;
    struct op op;
    int short_text = n <= SMALL_TEXT;
    make_j0(impl, g, &op, iv, iv_len);
    start_ctr(impl, g, &op, pt, short_text ? n : 0);
    ghash_padded(impl, g, &op, aad, aad_len);
    if (short_text) {
        if (n > 0)
            memcpy(ct, op.work + 16, n);
        ghash_final(impl, g, &op, op.work + 16, 0, n, aad_len, n);
    } else {
        /* seal_blocks hashes the whole blocks as it goes; the rest is hashed with the lengths */
        size_t done = n - n % 16;
        first_counter(&op);
        impl->seal_blocks(g, op.y, ct, pt, done / 16, op.ctr);
        if (n > done)
            impl->aes->ctr(&g->aes, ct + done, pt + done, n - done, op.ctr);
        ghash_final(impl, g, &op, ct, done, n - done, aad_len, n);
    }
    finish_tag(&op);
    memcpy(tag, op.tag, tag_len);
    avila_wipe(&op, sizeof op);
    return 0;
}

/* op->tag = the full tag of (aad, ct); op->work must hold E(K, J0). */
static void tag_of(const struct avila_gcm_impl *impl, const struct avila_gcm *g, struct op *op,
                   const uint8_t *ct, size_t n, const uint8_t *aad, size_t aad_len)
{
    ghash_padded(impl, g, op, aad, aad_len);
    ghash_text(impl, g, op, ct, n, aad_len);
    finish_tag(op);
}

int avila_gcm_tag_with(const struct avila_gcm_impl *impl, const struct avila_gcm *g,
                       uint8_t tag[16], const uint8_t *ct, size_t n, const uint8_t *aad,
                       size_t aad_len, const uint8_t *iv, size_t iv_len)
{
    int err = check_args(g, tag, AVILA_GCM_TAG_MAX, ct, ct, n, aad, aad_len, iv, iv_len);
    if (err)
        return err;
    struct op op;
    make_j0(impl, g, &op, iv, iv_len);
    start_ctr(impl, g, &op, NULL, 0);
    tag_of(impl, g, &op, ct, n, aad, aad_len);
    memcpy(tag, op.tag, 16);
    avila_wipe(&op, sizeof op);
    return 0;
}

int avila_gcm_open_with(const struct avila_gcm_impl *impl, const struct avila_gcm *g, uint8_t *pt,
                        const uint8_t *ct, size_t n, const uint8_t *tag, size_t tag_len,
                        const uint8_t *aad, size_t aad_len, const uint8_t *iv, size_t iv_len)
{
    int err = check_args(g, tag, tag_len, pt, ct, n, aad, aad_len, iv, iv_len);
    if (err)
        return err;
    struct op op;
    int short_text = n <= SMALL_TEXT;
    make_j0(impl, g, &op, iv, iv_len);
    /* A short text is decrypted into op.work, which stays private until the tag matches. */
    start_ctr(impl, g, &op, ct, short_text ? n : 0);
    tag_of(impl, g, &op, ct, n, aad, aad_len);
    /* The comparison's outcome is public; everything before it was constant-time. */
    uint32_t ok = avila_ct_memeq(op.tag, tag, tag_len);
    if (ok && n > 0 && short_text) {
        memcpy(pt, op.work + 16, n);
    } else if (ok && n > 0) {
        first_counter(&op);
        impl->aes->ctr(&g->aes, pt, ct, n, op.ctr);
    }
    avila_wipe(&op, sizeof op);
    return ok ? 0 : AVILA_EAUTH;
}

int avila_gcm_seal(const struct avila_gcm *g, uint8_t *ct, uint8_t *tag, size_t tag_len,
                   const uint8_t *pt, size_t n, const uint8_t *aad, size_t aad_len,
                   const uint8_t *iv, size_t iv_len)
{
    return avila_gcm_seal_with(avila_gcm_pick(), g, ct, tag, tag_len, pt, n, aad, aad_len, iv,
                               iv_len);
}

int avila_gcm_open(const struct avila_gcm *g, uint8_t *pt, const uint8_t *ct, size_t n,
                   const uint8_t *tag, size_t tag_len, const uint8_t *aad, size_t aad_len,
                   const uint8_t *iv, size_t iv_len)
{
    return avila_gcm_open_with(avila_gcm_pick(), g, pt, ct, n, tag, tag_len, aad, aad_len, iv,
                               iv_len);
}
