/*
 * crypto/hkdf.c - HKDF (RFC 5869 section 2): extract a pseudorandom key
 * with HMAC, then expand it into T(1) || T(2) || ... where
 * T(i) = HMAC(PRK, T(i-1) || info || i). Pure.
 */
#include "core/ct.h"
#include "core/error.h"
#include "crypto/hmac_int.h"
#include "crypto/kdf.h"

/* RFC 5869 section 2.3: L <= 255 * HashLen (the block counter is one byte). */
static int too_long(const struct avila_digest *d, size_t okm_len)
{
    return okm_len > 255 * d->digest_len;
}

int avila_hkdf_extract(const struct avila_digest *d, uint8_t *prk, const void *salt,
                       size_t salt_len, const void *ikm, size_t ikm_len)
{
    return avila_hmac(d, salt, salt_len, ikm, ikm_len, prk);
}

int avila_hkdf_expand(const struct avila_digest *d, uint8_t *okm, size_t okm_len,
                      const uint8_t *prk, size_t prk_len, const void *info, size_t info_len)
{
    if (too_long(d, okm_len) || prk_len < d->digest_len)
        return AVILA_EINVAL;
    struct avila_hmac keyed, h;
    int err = avila_hmac_init(&keyed, d, prk, prk_len);
    if (err)
        return err;
    uint8_t t[AVILA_DIGEST_MAX_LEN];
    size_t t_len = 0; /* T(0) is the empty string */
    for (uint8_t i = 1; okm_len > 0; i++) {
        avila_hmac_copy(&h, &keyed);
        avila_hmac_update(&h, t, t_len);
        avila_hmac_update(&h, info, info_len);
        avila_hmac_update(&h, &i, 1);
        avila_hmac_final(&h, t);
        t_len = d->digest_len;
        size_t n = okm_len < t_len ? okm_len : t_len;
        memcpy(okm, t, n);
        okm += n;
        okm_len -= n;
    }
    avila_wipe(t, sizeof t);
    avila_wipe(&keyed, sizeof keyed);
    return 0;
}

int avila_hkdf(const struct avila_digest *d, uint8_t *okm, size_t okm_len, const void *salt,
               size_t salt_len, const void *ikm, size_t ikm_len, const void *info, size_t info_len)
{
    uint8_t prk[AVILA_DIGEST_MAX_LEN];
    /* Checked first so a refused length leaves no work done and okm untouched. */
    if (too_long(d, okm_len))
        return AVILA_EINVAL;
    int err = avila_hkdf_extract(d, prk, salt, salt_len, ikm, ikm_len);
    if (!err)
        err = avila_hkdf_expand(d, okm, okm_len, prk, d->digest_len, info, info_len);
    avila_wipe(prk, sizeof prk);
    return err;
}
