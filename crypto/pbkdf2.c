/*
 * crypto/pbkdf2.c - PBKDF2 (RFC 8018 section 5.2) with HMAC over any hash
 * descriptor as the PRF. The password is hashed into HMAC's two keyed
 * states once; every iteration forks them (a copy of two contexts) instead
 * of rehashing the key, which halves the work of a naive loop. Pure.
 */
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/hmac_int.h"
#include "crypto/kdf.h"

/* T_i = U_1 ^ ... ^ U_c with U_1 = PRF(P, S || INT(i)) and U_j = PRF(P, U_{j-1}). */
static void block(const struct avila_hmac *keyed, uint8_t *t, const void *salt, size_t salt_len,
                  uint32_t index, uint32_t iterations)
{
    const size_t len = keyed->d->digest_len;
    struct avila_hmac h;
    uint8_t u[AVILA_DIGEST_MAX_LEN], be_index[4];
    avila_store_be32(be_index, index);
    avila_hmac_copy(&h, keyed);
    avila_hmac_update(&h, salt, salt_len);
    avila_hmac_update(&h, be_index, sizeof be_index);
    avila_hmac_final(&h, u);
    memcpy(t, u, len);
    for (uint32_t j = 1; j < iterations; j++) {
        avila_hmac_copy(&h, keyed);
        avila_hmac_update(&h, u, len);
        avila_hmac_final(&h, u);
        for (size_t k = 0; k < len; k++)
            t[k] ^= u[k];
    }
    avila_wipe(u, sizeof u);
}

int avila_pbkdf2(const struct avila_digest *d, uint8_t *out, size_t out_len, const void *pw,
                 size_t pw_len, const void *salt, size_t salt_len, uint32_t iterations)
{
    /* RFC 8018: at most 2^32 - 1 blocks ("derived key too long" otherwise). */
    if (iterations == 0 || out_len == 0 || d->digest_len == 0 ||
        (out_len - 1) / d->digest_len >= UINT32_MAX)
        return AVILA_EINVAL;
    struct avila_hmac keyed;
    int err = avila_hmac_init(&keyed, d, pw, pw_len);
    if (err)
        return err;
    uint8_t t[AVILA_DIGEST_MAX_LEN];
    for (uint32_t i = 1; out_len > 0; i++) {
        block(&keyed, t, salt, salt_len, i, iterations);
        size_t n = out_len < d->digest_len ? out_len : d->digest_len;
        memcpy(out, t, n);
        out += n;
        out_len -= n;
    }
    avila_wipe(t, sizeof t);
    avila_wipe(&keyed, sizeof keyed);
    return 0;
}
