/*
 * crypto/hmac.c - HMAC (RFC 2104 section 2; FIPS 198-1 section 4) over a
 * hash descriptor: H((K0 ^ opad) || H((K0 ^ ipad) || message)). Pure.
 */
#include "crypto/hmac.h"

#include "core/ct.h"
#include "core/error.h"
#include "crypto/hmac_int.h"

/* True if d's context and lengths fit the fixed buffers used here. */
static int usable(const struct avila_digest *d)
{
    return d->ctx_size <= AVILA_DIGEST_CTX_MAX && d->digest_len >= 1 &&
           d->digest_len <= AVILA_DIGEST_MAX_LEN && d->block_len >= d->digest_len &&
           d->block_len <= AVILA_DIGEST_MAX_BLOCK;
}

/* Starts ctx on the block k0 ^ pad (k0 holds block_len bytes and is restored). */
static void start_padded(const struct avila_digest *d, struct avila_digest_ctx *ctx, uint8_t *k0,
                         uint8_t pad)
{
    for (size_t i = 0; i < d->block_len; i++)
        k0[i] ^= pad;
    d->init(ctx->state);
    d->update(ctx->state, k0, d->block_len);
    for (size_t i = 0; i < d->block_len; i++)
        k0[i] ^= pad;
}

int avila_hmac_init(struct avila_hmac *h, const struct avila_digest *d, const void *key,
                    size_t key_len)
{
    if (!usable(d))
        return AVILA_EINVAL;
    uint8_t k0[AVILA_DIGEST_MAX_BLOCK];
    memset(k0, 0, d->block_len);
    if (key_len > d->block_len) {
        /* RFC 2104: a key longer than the block is replaced by its hash. */
        d->init(h->inner.state);
        d->update(h->inner.state, key, key_len);
        d->final(h->inner.state, k0);
    } else if (key_len > 0) {
        memcpy(k0, key, key_len);
    }
    start_padded(d, &h->inner, k0, 0x36);
    start_padded(d, &h->outer, k0, 0x5c);
    avila_wipe(k0, sizeof k0);
    h->d = d;
    return 0;
}

void avila_hmac_update(struct avila_hmac *h, const void *data, size_t n)
{
    h->d->update(h->inner.state, data, n);
}

void avila_hmac_final(struct avila_hmac *h, uint8_t *out)
{
    const struct avila_digest *d = h->d;
    uint8_t inner_hash[AVILA_DIGEST_MAX_LEN];
    /* Each descriptor's final wipes its context, so h holds no key material afterwards. */
    d->final(h->inner.state, inner_hash);
    d->update(h->outer.state, inner_hash, d->digest_len);
    d->final(h->outer.state, out);
    avila_wipe(inner_hash, sizeof inner_hash);
}

void avila_hmac_copy(struct avila_hmac *dst, const struct avila_hmac *src)
{
    dst->d = src->d;
    memcpy(dst->inner.state, src->inner.state, src->d->ctx_size);
    memcpy(dst->outer.state, src->outer.state, src->d->ctx_size);
}

int avila_hmac(const struct avila_digest *d, const void *key, size_t key_len, const void *msg,
               size_t n, uint8_t *out)
{
    struct avila_hmac h;
    int err = avila_hmac_init(&h, d, key, key_len);
    if (err)
        return err;
    avila_hmac_update(&h, msg, n);
    avila_hmac_final(&h, out);
    return 0;
}

int avila_hmac_verify(const struct avila_digest *d, const void *key, size_t key_len,
                      const void *msg, size_t n, const uint8_t *tag, size_t tag_len)
{
    uint8_t mac[AVILA_DIGEST_MAX_LEN];
    if (tag_len < AVILA_HMAC_MIN_TAG_LEN || tag_len > d->digest_len)
        return AVILA_EINVAL;
    int err = avila_hmac(d, key, key_len, msg, n, mac);
    if (err)
        return err;
    uint32_t same = avila_ct_memeq(mac, tag, tag_len);
    avila_wipe(mac, sizeof mac);
    /* Branch-free, so the verdict stays a value the caller declassifies. */
    return (int)(avila_ct_mask_u32(same ^ 1u) & (uint32_t)AVILA_EAUTH);
}
