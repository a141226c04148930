/*
 * crypto/blake2s.c - BLAKE2s (RFC 7693): the portable compression function,
 * the streaming and keyed interface, and the digest descriptor
 * avila_digest_blake2s256. Pure. The same structure as
 * crypto/blake2b.c with 32-bit words, ten rounds and 64-byte blocks.
 */
#include "core/bits.h"
#include "crypto/blake2_int.h"

#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/digest.h"

#define BLOCK AVILA_BLAKE2S_BLOCK_LEN

static const uint8_t SIGMA[10][16] = AVILA_BLAKE2_SIGMA;
static const uint32_t IV[8] = AVILA_BLAKE2S_IV;

/* G with BLAKE2s's rotations (RFC 7693, section 3.1). */
#define G(a, b, c, d, x, y) AVILA_BLAKE_G(avila_rotr32, 16, 12, 8, 7, a, b, c, d, x, y)

#define ROUND(r) AVILA_BLAKE_ROUND(G, SIGMA, r)

static inline void compress_one(uint32_t h[8], const uint32_t t[2], uint32_t m[16],
                                const uint8_t *in, uint32_t f0)
{
    for (size_t i = 0; i < 16; i++)
        m[i] = avila_load_le32(in + 4 * i);
    uint32_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3];
    uint32_t v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    uint32_t v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
    uint32_t v12 = IV[4] ^ t[0], v13 = IV[5] ^ t[1], v14 = IV[6] ^ f0, v15 = IV[7];
    ROUND(0);
    ROUND(1);
    ROUND(2);
    ROUND(3);
    ROUND(4);
    ROUND(5);
    ROUND(6);
    ROUND(7);
    ROUND(8);
    ROUND(9);
    h[0] ^= v0 ^ v8;
    h[1] ^= v1 ^ v9;
    h[2] ^= v2 ^ v10;
    h[3] ^= v3 ^ v11;
    h[4] ^= v4 ^ v12;
    h[5] ^= v5 ^ v13;
    h[6] ^= v6 ^ v14;
    h[7] ^= v7 ^ v15;
}

void avila_blake2s_compress(uint32_t h[8], uint32_t t[2], const uint8_t *in, size_t nblocks,
                            uint32_t inc, uint32_t f0)
{
    uint32_t m[16];
    for (size_t i = 0; i < nblocks; i++, in += BLOCK) {
        t[0] += inc;
        t[1] += t[0] < inc;
        compress_one(h, t, m, in, f0);
    }
    /* The message may be secret (a keyed hash's first block). */
    avila_wipe(m, sizeof m);
}

const char *avila_blake2s_impl(void)
{
    return "portable";
}

int avila_blake2s_init(struct avila_blake2s *c, size_t outlen, const void *key, size_t keylen)
{
    if (outlen == 0 || outlen > AVILA_BLAKE2S_MAX_OUT || keylen > AVILA_BLAKE2S_MAX_KEY)
        return AVILA_EINVAL;
    for (int i = 0; i < 8; i++)
        c->h[i] = IV[i];
    /* Parameter block word 0: digest length, key length, fanout 1, depth 1. */
    c->h[0] ^= 0x01010000u ^ ((uint32_t)keylen << 8) ^ (uint32_t)outlen;
    c->t[0] = c->t[1] = 0;
    c->outlen = outlen;
    memset(c->buf, 0, BLOCK);
    c->buflen = 0;
    if (keylen > 0) {
        /* The key, zero-padded, is the first block (RFC 7693, section 3.3). */
        memcpy(c->buf, key, keylen);
        c->buflen = BLOCK;
    }
    return 0;
}

/*
 * The last block must be compressed with the final flag, so a block stays in
 * buf until more input proves it is not the last: buf is compressed only
 * when input beyond it arrives, and whole blocks straight from data only if
 * at least one byte follows them.
 */
void avila_blake2s_update(struct avila_blake2s *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (n == 0)
        return;
    size_t room = BLOCK - c->buflen;
    if (n > room) {
        memcpy(c->buf + c->buflen, p, room);
        avila_blake2s_compress(c->h, c->t, c->buf, 1, BLOCK, 0);
        c->buflen = 0;
        p += room;
        n -= room;
        size_t nblocks = (n - 1) / BLOCK;
        if (nblocks > 0) {
            avila_blake2s_compress(c->h, c->t, p, nblocks, BLOCK, 0);
            p += nblocks * BLOCK;
            n -= nblocks * BLOCK;
        }
    }
    memcpy(c->buf + c->buflen, p, n);
    c->buflen += n;
}

void avila_blake2s_final(struct avila_blake2s *c, uint8_t *out)
{
    uint8_t full[AVILA_BLAKE2S_MAX_OUT];
    memset(c->buf + c->buflen, 0, BLOCK - c->buflen);
    avila_blake2s_compress(c->h, c->t, c->buf, 1, (uint32_t)c->buflen, ~(uint32_t)0);
    for (size_t i = 0; i < 8; i++)
        avila_store_le32(full + 4 * i, c->h[i]);
    memcpy(out, full, c->outlen);
    avila_wipe(full, sizeof full);
    avila_wipe(c, sizeof *c);
}

int avila_blake2s(void *out, size_t outlen, const void *key, size_t keylen, const void *in,
                  size_t n)
{
    struct avila_blake2s c;
    int err = avila_blake2s_init(&c, outlen, key, keylen);
    if (err < 0)
        return err;
    /* Hashing fully before writing lets in and out overlap. */
    avila_blake2s_update(&c, in, n);
    avila_blake2s_final(&c, out);
    return 0;
}

/* ------------------------------------------------------------ descriptor */

_Static_assert(sizeof(struct avila_blake2s) <= AVILA_DIGEST_CTX_MAX,
               "BLAKE2s must fit struct avila_digest_ctx (HMAC)");

static void digest_init(void *ctx)
{
    (void)avila_blake2s_init(ctx, AVILA_BLAKE2S_MAX_OUT, NULL, 0);
}

static void digest_update(void *ctx, const void *data, size_t n)
{
    avila_blake2s_update(ctx, data, n);
}

static void digest_final(void *ctx, uint8_t *out)
{
    avila_blake2s_final(ctx, out);
}

const struct avila_digest avila_digest_blake2s256 = {
    "blake2s256", AVILA_BLAKE2S_MAX_OUT, BLOCK,        sizeof(struct avila_blake2s),
    digest_init,  digest_update,         digest_final,
};
