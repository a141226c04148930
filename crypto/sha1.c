/*
 * crypto/sha1.c - SHA-1 (FIPS 180-4, sections 4.1.1, 4.2.1, 5.3.1, 6.1) and
 * its digest descriptor. Portable only: SHA-1 serves handshakes and legacy
 * checksums here, never bulk data that would call for SHA-NI. Pure.
 *
 * The message schedule is kept in a 16-word window (W[t] overwrites
 * W[t-16], section 6.1.3's alternate method), and the five working
 * variables are renamed instead of shifted, five rounds per step, so every
 * index is a constant. Buffering and padding are SHA-256's (sha2_int.h):
 * section 5.1.1 pads both the same way.
 */
#include "crypto/sha1.h"

#include "core/bits.h"
#include "core/ct.h"
#include "core/endian.h"
#include "crypto/digest.h"
#include "crypto/sha2_int.h"

/* Section 5.3.1: the initial hash value. */
static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

/* Section 4.1.1's functions, one per 20 rounds, and section 4.2.1's constants. */
#define CH(x, y, z)     (((x) & (y)) ^ (~(x) & (z)))
#define PARITY(x, y, z) ((x) ^ (y) ^ (z))
#define MAJ(x, y, z)    (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define K0              0x5a827999u
#define K1              0x6ed9eba1u
#define K2              0x8f1bbcdcu
#define K3              0xca62c1d6u

#define W(t) w[(t)&15]
/* W[t] for t >= 16: ROTL1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]), in place. */
#define SCHEDULE(t) (W(t) = avila_rotl32(W((t)-3) ^ W((t)-8) ^ W((t)-14) ^ W(t), 1))
#define LOAD(t)     (W(t) = avila_load_be32(p + 4 * (size_t)(t)))

/* One round: T = ROTL5(a) + f(b, c, d) + e + K + W[t]; then b = ROTL30(b); a = T (renamed). */
#define ROUND(a, b, c, d, e, f, k, wt)                                                             \
    do {                                                                                           \
        (e) += avila_rotl32(a, 5) + f(b, c, d) + (k) + (wt);                                       \
        (b) = avila_rotl32(b, 30);                                                                 \
    } while (0)

/* Five rounds from t on, after which the variables are back in their places. */
#define ROUNDS5(t, f, k, wexpr)                                                                    \
    do {                                                                                           \
        ROUND(a, b, c, d, e, f, k, wexpr((t)));                                                    \
        ROUND(e, a, b, c, d, f, k, wexpr((t) + 1));                                                \
        ROUND(d, e, a, b, c, f, k, wexpr((t) + 2));                                                \
        ROUND(c, d, e, a, b, f, k, wexpr((t) + 3));                                                \
        ROUND(b, c, d, e, a, f, k, wexpr((t) + 4));                                                \
    } while (0)

static void blocks(void *state, const uint8_t *p, size_t nblocks)
{
    uint32_t *h = state, w[16];
    for (; nblocks; nblocks--, p += AVILA_SHA1_BLOCK_LEN) {
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        ROUNDS5(0, CH, K0, LOAD);
        ROUNDS5(5, CH, K0, LOAD);
        ROUNDS5(10, CH, K0, LOAD);
        ROUND(a, b, c, d, e, CH, K0, LOAD(15));
        ROUND(e, a, b, c, d, CH, K0, SCHEDULE(16));
        ROUND(d, e, a, b, c, CH, K0, SCHEDULE(17));
        ROUND(c, d, e, a, b, CH, K0, SCHEDULE(18));
        ROUND(b, c, d, e, a, CH, K0, SCHEDULE(19));
        for (int t = 20; t < 40; t += 5)
            ROUNDS5(t, PARITY, K1, SCHEDULE);
        for (int t = 40; t < 60; t += 5)
            ROUNDS5(t, MAJ, K2, SCHEDULE);
        for (int t = 60; t < 80; t += 5)
            ROUNDS5(t, PARITY, K3, SCHEDULE);
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    avila_wipe(w, sizeof w);
}

void avila_sha1_init(struct avila_sha1 *c)
{
    memcpy(c->h, iv, sizeof iv);
    c->nbytes = 0;
}

void avila_sha1_update(struct avila_sha1 *c, const void *data, size_t n)
{
    avila_sha2_absorb(c->h, c->buf, AVILA_SHA1_BLOCK_LEN, &c->nbytes, blocks, data, n);
}

void avila_sha1_final(struct avila_sha1 *c, uint8_t out[AVILA_SHA1_LEN])
{
    avila_sha2_pad(c->h, c->buf, AVILA_SHA1_BLOCK_LEN, 8, c->nbytes, blocks);
    for (size_t i = 0; i < 5; i++)
        avila_store_be32(out + 4 * i, c->h[i]);
    avila_wipe(c, sizeof *c);
}

void avila_sha1(const void *data, size_t n, uint8_t out[AVILA_SHA1_LEN])
{
    struct avila_sha1 c;
    avila_sha1_init(&c);
    avila_sha1_update(&c, data, n);
    avila_sha1_final(&c, out);
}

/* ---------------------------------------------------------- descriptor */

_Static_assert(sizeof(struct avila_sha1) <= AVILA_DIGEST_CTX_MAX, "SHA-1 context too large");

static void d_init(void *c)
{
    avila_sha1_init(c);
}

static void d_update(void *c, const void *data, size_t n)
{
    avila_sha1_update(c, data, n);
}

static void d_final(void *c, uint8_t *out)
{
    avila_sha1_final(c, out);
}

const struct avila_digest avila_digest_sha1 = {
    "sha1",   AVILA_SHA1_LEN, AVILA_SHA1_BLOCK_LEN, sizeof(struct avila_sha1), d_init,
    d_update, d_final,
};
