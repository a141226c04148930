/*
 * crypto/poly1305.c - Poly1305 (RFC 8439 section 2.5): the portable block
 * kernels (radix 2^64 with 128-bit products where the compiler has them,
 * radix 2^26 with 32x32->64 products everywhere), the dispatcher, and the
 * buffering, final reduction and tag. The AVX2 and AVX-512 kernels are in
 * crypto/poly1305_x86.c.
 *
 * Arithmetic is modulo p = 2^130 - 5 and constant-time: no branch or index
 * depends on the key, the message or the accumulator. Between blocks the
 * accumulator is only partially reduced (below 2^131); final() reduces it
 * fully before adding s.
 */
#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "crypto/chacha20_int.h"

#define MASK26 0x3ffffffu

/* --------------------------------------------------------- radix 2^26 helpers */

void avila_poly1305_mul26(uint32_t out[5], const uint32_t a[5], const uint32_t b[5])
{
    /* 2^130 = 5 (mod p): products landing at 2^130 and above fold back times 5. */
    uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4];
    uint64_t s1 = b1 * 5, s2 = b2 * 5, s3 = b3 * 5, s4 = b4 * 5;
    uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4];
    uint64_t d0 = a0 * b0 + a1 * s4 + a2 * s3 + a3 * s2 + a4 * s1;
    uint64_t d1 = a0 * b1 + a1 * b0 + a2 * s4 + a3 * s3 + a4 * s2;
    uint64_t d2 = a0 * b2 + a1 * b1 + a2 * b0 + a3 * s4 + a4 * s3;
    uint64_t d3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + a4 * s4;
    uint64_t d4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
    d1 += d0 >> 26;
    d2 += d1 >> 26;
    d3 += d2 >> 26;
    d4 += d3 >> 26;
    d0 = (d0 & MASK26) + (d4 >> 26) * 5;
    d1 = (d1 & MASK26) + (d0 >> 26);
    out[0] = (uint32_t)(d0 & MASK26);
    out[1] = (uint32_t)d1;
    out[2] = (uint32_t)(d2 & MASK26);
    out[3] = (uint32_t)(d3 & MASK26);
    out[4] = (uint32_t)(d4 & MASK26);
}

void avila_poly1305_to26(uint32_t l[5], const uint64_t h[3])
{
    l[0] = (uint32_t)(h[0] & MASK26);
    l[1] = (uint32_t)((h[0] >> 26) & MASK26);
    l[2] = (uint32_t)(((h[0] >> 52) | (h[1] << 12)) & MASK26);
    l[3] = (uint32_t)((h[1] >> 14) & MASK26);
    l[4] = (uint32_t)((h[1] >> 40) | (h[2] << 24));
}

static void carry26(uint64_t l[5])
{
    for (int i = 0; i < 4; i++) {
        l[i + 1] += l[i] >> 26;
        l[i] &= MASK26;
    }
}

void avila_poly1305_from26(uint64_t h[3], const uint64_t limbs[5])
{
    uint64_t l[5];
    memcpy(l, limbs, sizeof l);
    carry26(l);
    l[0] += (l[4] >> 26) * 5;
    l[4] &= MASK26;
    carry26(l);
    h[0] = l[0] | (l[1] << 26) | (l[2] << 52);
    h[1] = (l[2] >> 12) | (l[3] << 14) | (l[4] << 40);
    h[2] = l[4] >> 24;
}

/* ------------------------------------------------------------- 32-bit kernel */

static void blocks32(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t nblocks,
                     uint32_t hibit)
{
    const uint64_t r3[3] = {r[0], r[1], 0};
    uint32_t rl[5], hl[5];
    avila_poly1305_to26(rl, r3);
    avila_poly1305_to26(hl, h);
    for (; nblocks; nblocks--, m += 16) {
        uint32_t w0 = avila_load_le32(m), w1 = avila_load_le32(m + 4);
        uint32_t w2 = avila_load_le32(m + 8), w3 = avila_load_le32(m + 12);
        hl[0] += w0 & MASK26;
        hl[1] += ((w0 >> 26) | (w1 << 6)) & MASK26;
        hl[2] += ((w1 >> 20) | (w2 << 12)) & MASK26;
        hl[3] += ((w2 >> 14) | (w3 << 18)) & MASK26;
        hl[4] += (w3 >> 8) | (hibit << 24);
        avila_poly1305_mul26(hl, hl, rl);
    }
    uint64_t wide[5] = {hl[0], hl[1], hl[2], hl[3], hl[4]};
    avila_poly1305_from26(h, wide);
    avila_wipe(hl, sizeof hl);
    avila_wipe(rl, sizeof rl);
    avila_wipe(wide, sizeof wide);
}

const struct avila_poly1305_kernel avila_poly1305_kernel_portable32 = {"portable32", 0, blocks32};

/* ------------------------------------------------------------- 64-bit kernel */

#if AVILA_POLY1305_HAVE_INT128
__extension__ typedef unsigned __int128 u128;

/*
 * h = h r mod p, partially reduced (h[2] <= 4 afterwards; h[2] < 8 on
 * entry). With r = r0 + r1 2^64 and 4 | r1 (clamping), the product terms at
 * 2^128 and 2^192 fold back as h1 r1 2^128 = h1 (5 r1 / 4) and
 * h2 r1 2^192 = h2 (5 r1 / 4) 2^64, so s1 = r1 + r1 / 4 stands in for them.
 */
static inline void mul_r(uint64_t *h0, uint64_t *h1, uint64_t *h2, uint64_t r0, uint64_t r1,
                         uint64_t s1)
{
    u128 d0 = (u128)*h0 * r0 + (u128)*h1 * s1;
    u128 d1 = (u128)*h0 * r1 + (u128)*h1 * r0 + (u128)*h2 * s1;
    uint64_t d2 = *h2 * r0;
    d1 += (uint64_t)(d0 >> 64);
    d2 += (uint64_t)(d1 >> 64);
    /* Bits 130 and up, times 5, back into the bottom: c = 5 (d2 >> 2). */
    uint64_t c = (d2 >> 2) + (d2 & ~(uint64_t)3);
    u128 t = (u128)(uint64_t)d0 + c;
    *h0 = (uint64_t)t;
    t = (u128)(uint64_t)d1 + (uint64_t)(t >> 64);
    *h1 = (uint64_t)t;
    *h2 = (d2 & 3) + (uint64_t)(t >> 64);
}

void avila_poly1305_mul_r(uint64_t h[3], const uint64_t r[2])
{
    mul_r(&h[0], &h[1], &h[2], r[0], r[1], r[1] + (r[1] >> 2));
}

static void blocks64(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t nblocks,
                     uint32_t hibit)
{
    const uint64_t r0 = r[0], r1 = r[1], s1 = r1 + (r1 >> 2);
    uint64_t h0 = h[0], h1 = h[1], h2 = h[2];
    for (; nblocks; nblocks--, m += 16) {
        u128 t = (u128)h0 + avila_load_le64(m);
        h0 = (uint64_t)t;
        t = (u128)h1 + avila_load_le64(m + 8) + (uint64_t)(t >> 64);
        h1 = (uint64_t)t;
        h2 += (uint64_t)(t >> 64) + hibit;
        mul_r(&h0, &h1, &h2, r0, r1, s1);
    }
    h[0] = h0, h[1] = h1, h[2] = h2;
}

const struct avila_poly1305_kernel avila_poly1305_kernel_portable64 = {"portable64", 0, blocks64};
#endif

/* --------------------------------------------------------------- dispatcher */

const struct avila_poly1305_kernel *avila_poly1305_kernel_scalar(void)
{
#if AVILA_POLY1305_HAVE_INT128
    return &avila_poly1305_kernel_portable64;
#else
    return &avila_poly1305_kernel_portable32;
#endif
}

const struct avila_poly1305_kernel *avila_poly1305_kernel(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & avila_poly1305_kernel_avx512.cpu) == avila_poly1305_kernel_avx512.cpu)
        return &avila_poly1305_kernel_avx512;
    if ((f & avila_poly1305_kernel_avx2.cpu) == avila_poly1305_kernel_avx2.cpu)
        return &avila_poly1305_kernel_avx2;
#endif
    return avila_poly1305_kernel_scalar();
}

const char *avila_poly1305_impl(void)
{
    return avila_poly1305_kernel()->name;
}

/* ---------------------------------------------------------------- interface */

void avila_poly1305_init(struct avila_poly1305 *ctx, const uint8_t key[32])
{
    ctx->h[0] = ctx->h[1] = ctx->h[2] = 0;
    ctx->r[0] = avila_load_le64(key) & 0x0ffffffc0fffffffull;
    ctx->r[1] = avila_load_le64(key + 8) & 0x0ffffffc0ffffffcull;
    ctx->s[0] = avila_load_le64(key + 16);
    ctx->s[1] = avila_load_le64(key + 24);
    ctx->buf_len = 0;
}

static void update_with(const struct avila_poly1305_kernel *k, struct avila_poly1305 *ctx,
                        const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (ctx->buf_len) {
        size_t take = 16 - ctx->buf_len < n ? 16 - ctx->buf_len : n;
        memcpy(ctx->buf + ctx->buf_len, p, take);
        ctx->buf_len += take;
        p += take;
        n -= take;
        if (ctx->buf_len < 16)
            return;
        k->blocks(ctx->h, ctx->r, ctx->buf, 1, 1);
        ctx->buf_len = 0;
    }
    if (n >= 16) {
        k->blocks(ctx->h, ctx->r, p, n / 16, 1);
        p += n & ~(size_t)15;
        n &= 15;
    }
    if (n) {
        memcpy(ctx->buf, p, n);
        ctx->buf_len = n;
    }
}

static void final_with(const struct avila_poly1305_kernel *k, struct avila_poly1305 *ctx,
                       uint8_t tag[16])
{
    if (ctx->buf_len) {
        /* The last partial block: its bytes, then 0x01, then zeros; no 2^128 bit. */
        ctx->buf[ctx->buf_len] = 1;
        memset(ctx->buf + ctx->buf_len + 1, 0, 15 - ctx->buf_len);
        k->blocks(ctx->h, ctx->r, ctx->buf, 1, 0);
    }
    uint64_t h0 = ctx->h[0], h1 = ctx->h[1], h2 = ctx->h[2];
    /* Fold bits 130 and up once more: now h < 2^130 + 35. */
    uint64_t c = (h2 >> 2) * 5;
    h2 &= 3;
    h0 += c;
    c = h0 < c;
    h1 += c;
    h2 += h1 < c;
    /* h mod p is h + 5 - 2^130 when h + 5 reaches 2^130, else h. */
    uint64_t g0 = h0 + 5;
    c = g0 < 5;
    uint64_t g1 = h1 + c;
    uint64_t g2 = h2 + (g1 < c);
    uint32_t ge = (uint32_t)(g2 >> 2);
    h0 = avila_ct_select_u64(ge, g0, h0);
    h1 = avila_ct_select_u64(ge, g1, h1);
    /* The tag is (h + s) mod 2^128. */
    h0 += ctx->s[0];
    h1 += ctx->s[1] + (h0 < ctx->s[0]);
    avila_store_le64(tag, h0);
    avila_store_le64(tag + 8, h1);
    avila_wipe(ctx, sizeof *ctx);
}

void avila_poly1305_update(struct avila_poly1305 *ctx, const void *data, size_t n)
{
    update_with(avila_poly1305_kernel(), ctx, data, n);
}

void avila_poly1305_final(struct avila_poly1305 *ctx, uint8_t tag[16])
{
    final_with(avila_poly1305_kernel(), ctx, tag);
}

void avila_poly1305_mac_with(const struct avila_poly1305_kernel *k, uint8_t tag[16],
                             const void *data, size_t n, const uint8_t key[32])
{
    struct avila_poly1305 ctx;
    avila_poly1305_init(&ctx, key);
    update_with(k, &ctx, data, n);
    final_with(k, &ctx, tag);
}

void avila_poly1305_mac(uint8_t tag[16], const void *data, size_t n, const uint8_t key[32])
{
    avila_poly1305_mac_with(avila_poly1305_kernel(), tag, data, n, key);
}
