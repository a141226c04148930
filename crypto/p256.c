/*
 * crypto/p256.c - P-256 keys, point encodings (SEC 1 v2 sections 2.3.3 and
 * 2.3.4), ECDH (SP 800-56A rev. 3 section 5.7.1.2), ECDSA signing with RFC
 * 6979 nonces (plain and hedged, section 3.6) and verification (FIPS 186-5
 * sections 6.4.1 and 6.4.2), over crypto/p256_point.c. The rules are in
 * crypto/p256.h. Pure.
 */
#include "crypto/p256.h"

#include "core/ct.h"
#include "core/error.h"
#include "crypto/hmac.h"
#include "crypto/p256_int.h"

/* ------------------------------------------------------------------ encodings */

/*
 * Decodes a SEC 1 point with full validation into affine (x, y). Returns 0
 * or AVILA_EFORMAT. Works on public data (branches on the verdicts).
 */
static int decode_point(avila_p256_affine *a, const uint8_t *in, size_t len)
{
    if (in == NULL || len == 0)
        return AVILA_EFORMAT;
    if (in[0] == 0x04 && len == AVILA_P256_PUB_LEN) {
        uint32_t ok = avila_p256_fe_frombytes(&a->x, in + 1);
        ok &= avila_p256_fe_frombytes(&a->y, in + 33);
        ok &= avila_p256_on_curve(&a->x, &a->y);
        return ok ? 0 : AVILA_EFORMAT;
    }
    if ((in[0] == 0x02 || in[0] == 0x03) && len == AVILA_P256_PUB_COMPRESSED) {
        avila_p256_fe rhs, t, neg;
        if (!avila_p256_fe_frombytes(&a->x, in + 1))
            return AVILA_EFORMAT;
        /* y^2 = x^3 - 3x + b; y = rhs^((p+1)/4) when rhs is a square. */
        fe_sq(&rhs, &a->x);
        fe_mul(&rhs, &rhs, &a->x);
        fe_add(&t, &a->x, &a->x);
        fe_add(&t, &t, &a->x);
        fe_sub(&rhs, &rhs, &t);
        fe_add(&rhs, &rhs, &avila_p256_fe_b);
        if (!avila_p256_fe_sqrt(&a->y, &rhs))
            return AVILA_EFORMAT;
        /* y = 0 has no solution on P-256 (prime order: no point of order 2). */
        fe_neg(&neg, &a->y);
        fe_cmov(&a->y, &neg, avila_p256_fe_parity(&a->y) ^ (uint32_t)(in[0] & 1));
        return 0;
    }
    return AVILA_EFORMAT; /* 0x00 (infinity), 0x06/0x07 (hybrid), bad lengths, others */
}

/* Writes affine a uncompressed (65 bytes) or compressed (33 bytes). */
static void encode_point(uint8_t *out, size_t len, const avila_p256_affine *a)
{
    avila_p256_fe_tobytes(out + 1, &a->x);
    if (len == AVILA_P256_PUB_LEN) {
        out[0] = 0x04;
        avila_p256_fe_tobytes(out + 33, &a->y);
    } else {
        out[0] = (uint8_t)(0x02 | avila_p256_fe_parity(&a->y));
    }
}

static void affine_to_point(avila_p256_point *p, const avila_p256_affine *a)
{
    p->X = a->x;
    p->Y = a->y;
    p->Z = avila_p256_fe_one;
}

int avila_p256_public_check(const uint8_t *pub, size_t len)
{
    avila_p256_affine a;
    return decode_point(&a, pub, len);
}

int avila_p256_public_encode(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    avila_p256_affine a;
    int rc = decode_point(&a, in, in_len);
    if (rc != 0)
        return rc;
    if (out_len != AVILA_P256_PUB_LEN && out_len != AVILA_P256_PUB_COMPRESSED)
        return AVILA_EINVAL;
    encode_point(out, out_len, &a);
    return (int)out_len;
}

/* ------------------------------------------------------------------ keys */

/* The plain words of a 32-byte big-endian scalar. */
static void scalar_words(uint64_t w[4], const uint8_t s[32])
{
    for (size_t i = 0; i < 4; i++)
        w[i] = avila_load_be64(s + 8 * (3 - i));
}

/* pub = d G uncompressed, for the 32-byte scalar d (any value below n). Constant time. */
static void derive_public(uint8_t pub[65], const uint8_t d[32])
{
    uint64_t w[4];
    avila_p256_point P;
    avila_p256_affine a;
    scalar_words(w, d);
    avila_p256_scalarmult_base(&P, w);
    avila_p256_point_to_affine(&a, &P);
    encode_point(pub, AVILA_P256_PUB_LEN, &a);
    avila_wipe(w, sizeof w);
    avila_wipe(&P, sizeof P);
    avila_wipe(&a, sizeof a);
}

/* 1 if s is in [1, n - 1], constant time. */
static uint32_t scalar_ok(const uint8_t s[32])
{
    avila_p256_fe t;
    uint32_t ok = avila_p256_sc_frombytes(&t, s);
    avila_wipe(&t, sizeof t);
    return ok;
}

/* AVILA_ERANGE when ok is 0, else 0, without a branch. */
static int range_verdict(uint32_t ok)
{
    return (int)(avila_ct_mask_u32(ok ^ 1) & (uint32_t)AVILA_ERANGE);
}

int avila_p256_private_check(const uint8_t priv[32])
{
    return range_verdict(scalar_ok(priv));
}

int avila_p256_keygen(uint8_t priv[32], uint8_t pub[65], const uint8_t random[32])
{
    uint8_t d[32], p[65];
    memcpy(d, random, 32);
    uint32_t ok = scalar_ok(d);
    /* An out-of-range d is replaced by 0 so the work below stays the same. */
    uint8_t zero[32] = {0};
    avila_ct_copy_if(ok ^ 1, d, zero, 32);
    derive_public(p, d);
    avila_ct_copy_if(ok, priv, d, 32);
    avila_ct_copy_if(ok, pub, p, 65);
    avila_wipe(d, sizeof d);
    return range_verdict(ok);
}

int avila_p256_public_from_private(uint8_t pub[65], const uint8_t priv[32])
{
    uint8_t d[32], p[65], zero[32] = {0};
    memcpy(d, priv, 32);
    uint32_t ok = scalar_ok(d);
    avila_ct_copy_if(ok ^ 1, d, zero, 32);
    derive_public(p, d);
    avila_ct_copy_if(ok, pub, p, 65);
    avila_wipe(d, sizeof d);
    return range_verdict(ok);
}

/* ------------------------------------------------------------------ ECDH */

int avila_p256_ecdh(uint8_t shared[32], const uint8_t priv[32], const uint8_t *peer,
                    size_t peer_len)
{
    avila_p256_affine q, a;
    avila_p256_point Q, R;
    uint64_t w[4];
    uint8_t d[32], x[32], zero[32] = {0};
    int rc = decode_point(&q, peer, peer_len);
    if (rc != 0)
        return rc;
    memcpy(d, priv, 32);
    uint32_t ok = scalar_ok(d);
    avila_ct_copy_if(ok ^ 1, d, zero, 32);
    affine_to_point(&Q, &q);
    scalar_words(w, d);
    /* Q has prime order n and 1 <= d < n, so d Q is never infinity. */
    avila_p256_scalarmult(&R, w, &Q);
    avila_p256_point_to_affine(&a, &R);
    avila_p256_fe_tobytes(x, &a.x);
    avila_ct_copy_if(ok, shared, x, 32);
    avila_wipe(d, sizeof d);
    avila_wipe(x, sizeof x);
    avila_wipe(w, sizeof w);
    avila_wipe(&R, sizeof R);
    avila_wipe(&a, sizeof a);
    return range_verdict(ok);
}

/* ------------------------------------------------------------------ ECDSA */

/* e = bits2int(hash) mod n: the leftmost 256 bits (the whole hash if shorter). */
static void hash_scalar(avila_p256_fe *e, const uint8_t *hash, size_t hash_len)
{
    uint8_t buf[32] = {0};
    if (hash_len >= 32)
        memcpy(buf, hash, 32);
    else
        memcpy(buf + 32 - hash_len, hash, hash_len);
    (void)avila_p256_sc_frombytes(e, buf);
}

/* HMAC_K(V || [sep || x || h || extra]) into out (hlen bytes); sep < 0 means V alone. */
static void drbg_hmac(const struct avila_p256_rfc6979 *st, uint8_t *out, int sep, const uint8_t *x,
                      const uint8_t *h, const uint8_t *extra, size_t extra_len)
{
    struct avila_hmac m;
    size_t hlen = st->d->digest_len;
    (void)avila_hmac_init(&m, st->d, st->K, hlen);
    avila_hmac_update(&m, st->V, hlen);
    if (sep >= 0) {
        uint8_t b = (uint8_t)sep;
        avila_hmac_update(&m, &b, 1);
        if (x != NULL) {
            avila_hmac_update(&m, x, 32);
            avila_hmac_update(&m, h, 32);
            avila_hmac_update(&m, extra, extra_len);
        }
    }
    avila_hmac_final(&m, out);
    avila_wipe(&m, sizeof m);
}

void avila_p256_rfc6979_init(struct avila_p256_rfc6979 *st, const struct avila_digest *d,
                             const uint8_t x[32], const uint8_t *h, size_t h_len,
                             const uint8_t *extra, size_t extra_len)
{
    avila_p256_fe z;
    uint8_t h1[32];
    /* bits2octets(h) = int2octets(bits2int(h) mod n) */
    hash_scalar(&z, h, h_len);
    avila_p256_sc_tobytes(h1, &z);
    st->d = d;
    st->started = 0;
    memset(st->V, 0x01, sizeof st->V);
    memset(st->K, 0x00, sizeof st->K);
    drbg_hmac(st, st->K, 0x00, x, h1, extra, extra_len); /* step d */
    drbg_hmac(st, st->V, -1, NULL, NULL, NULL, 0);       /* step e */
    drbg_hmac(st, st->K, 0x01, x, h1, extra, extra_len); /* step f */
    drbg_hmac(st, st->V, -1, NULL, NULL, NULL, 0);       /* step g */
    avila_wipe(&z, sizeof z);
    avila_wipe(h1, sizeof h1);
}

uint32_t avila_p256_rfc6979_next(struct avila_p256_rfc6979 *st, uint8_t k[32])
{
    if (st->started) { /* step h.3, after a rejected candidate */
        drbg_hmac(st, st->K, 0x00, NULL, NULL, NULL, 0);
        drbg_hmac(st, st->V, -1, NULL, NULL, NULL, 0);
    }
    st->started = 1;
    /* hlen >= qlen = 256 bits: one V is enough, and bits2int keeps its first 32 bytes. */
    drbg_hmac(st, st->V, -1, NULL, NULL, NULL, 0);
    memcpy(k, st->V, 32);
    return scalar_ok(k);
}

uint32_t avila_p256_sign_with_nonce(uint8_t sig[64], const avila_p256_fe *d, const avila_p256_fe *e,
                                    const uint8_t k[32])
{
    avila_p256_fe km, kinv, r, s;
    avila_p256_point R;
    avila_p256_affine a;
    uint64_t w[4];
    uint8_t x[32];
    scalar_words(w, k);
    (void)avila_p256_sc_frombytes(&km, k);
    avila_p256_scalarmult_base(&R, w);
    avila_p256_point_to_affine(&a, &R);
    avila_p256_fe_tobytes(x, &a.x);
    (void)avila_p256_sc_frombytes(&r, x); /* r = x mod n */
    /* s = k^-1 (e + r d) mod n */
    avila_p256_sc_invert(&kinv, &km);
    sc_mul(&s, &r, d);
    sc_add(&s, &s, e);
    sc_mul(&s, &s, &kinv);
    avila_p256_sc_tobytes(sig, &r);
    avila_p256_sc_tobytes(sig + 32, &s);
    uint32_t ok = (fe_iszero(&r) | fe_iszero(&s)) ^ 1;
    avila_wipe(&km, sizeof km);
    avila_wipe(&kinv, sizeof kinv);
    avila_wipe(&R, sizeof R);
    avila_wipe(&a, sizeof a);
    avila_wipe(w, sizeof w);
    avila_wipe(x, sizeof x);
    return ok;
}

static const struct avila_digest *digest_for(size_t hash_len)
{
    switch (hash_len) {
    case 32:
        return &avila_digest_sha256;
    case 48:
        return &avila_digest_sha384;
    case 64:
        return &avila_digest_sha512;
    default:
        return NULL;
    }
}

int avila_p256_sign_hedged(uint8_t sig[64], const uint8_t priv[32], const uint8_t *hash,
                           size_t hash_len, const uint8_t *extra, size_t extra_len)
{
    const struct avila_digest *dg = digest_for(hash_len);
    if (dg == NULL || hash == NULL || extra_len > AVILA_P256_HEDGE_MAX ||
        (extra == NULL && extra_len != 0))
        return AVILA_EINVAL;
    avila_p256_fe d, e;
    struct avila_p256_rfc6979 st;
    uint8_t k[32], out[64];
    /* Validity of the key is not a secret worth hiding: a caller's mistake. */
    if (!avila_p256_sc_frombytes(&d, priv)) {
        avila_wipe(&d, sizeof d);
        return AVILA_ERANGE;
    }
    hash_scalar(&e, hash, hash_len);
    avila_p256_rfc6979_init(&st, dg, priv, hash, hash_len, extra, extra_len);
    /*
     * RFC 6979 step h: draw until a candidate is in range and gives r, s != 0.
     * A rejection (probability about 2^-32) reveals nothing about the nonce used.
     */
    for (;;) {
        if (avila_p256_rfc6979_next(&st, k) && avila_p256_sign_with_nonce(out, &d, &e, k))
            break;
    }
    memcpy(sig, out, 64);
    avila_wipe(&d, sizeof d);
    avila_wipe(&st, sizeof st);
    avila_wipe(k, sizeof k);
    return 0;
}

int avila_p256_sign(uint8_t sig[64], const uint8_t priv[32], const uint8_t *hash, size_t hash_len)
{
    return avila_p256_sign_hedged(sig, priv, hash, hash_len, NULL, 0);
}

int avila_p256_verify(const uint8_t sig[64], const uint8_t *hash, size_t hash_len,
                      const uint8_t *pub, size_t pub_len)
{
    static const uint64_t pw[4] = {P256_P0, P256_P1, P256_P2, P256_P3};
    static const uint64_t nw[4] = {P256_N0, P256_N1, P256_N2, P256_N3};
    avila_p256_affine q;
    avila_p256_point Q, R;
    avila_p256_fe r, s, e, w, u1, u2;
    uint64_t a[4], b[4];
    if (sig == NULL || hash == NULL || hash_len == 0)
        return AVILA_EAUTH;
    if (decode_point(&q, pub, pub_len) != 0)
        return AVILA_EAUTH;
    if (!avila_p256_sc_frombytes(&r, sig) || !avila_p256_sc_frombytes(&s, sig + 32))
        return AVILA_EAUTH;
    hash_scalar(&e, hash, hash_len);
    avila_p256_sc_invert(&w, &s);
    sc_mul(&u1, &e, &w);
    sc_mul(&u2, &r, &w);
    avila_p256_sc_towords(a, &u1);
    avila_p256_sc_towords(b, &u2);
    affine_to_point(&Q, &q);
    avila_p256_double_scalarmult_vartime(&R, a, b, &Q);
    if (avila_p256_point_is_zero(&R))
        return AVILA_EAUTH;
    /*
     * x(R) mod n == r without an inversion: x(R) = X/Z is r or r + n (the
     * latter only when r + n < p), so compare X with r Z and (r + n) Z.
     */
    avila_p256_fe rf, t;
    uint64_t rw[4], rn[4];
    uint8_t buf[32];
    scalar_words(rw, sig);
    (void)avila_p256_fe_frombytes(&rf, sig); /* r < n < p */
    fe_mul(&t, &rf, &R.Z);
    if (fe_equal(&t, &R.X))
        return 0;
    p256_u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (p256_u128)rw[i] + nw[i];
        rn[i] = (uint64_t)c;
        c >>= 64;
    }
    int below_p = c == 0;
    for (int i = 3; i >= 0 && below_p; i--) {
        if (rn[i] != pw[i]) {
            below_p = rn[i] < pw[i];
            break;
        }
        if (i == 0)
            below_p = 0; /* equal to p */
    }
    if (!below_p)
        return AVILA_EAUTH;
    for (size_t i = 0; i < 4; i++)
        avila_store_be64(buf + 8 * (3 - i), rn[i]);
    (void)avila_p256_fe_frombytes(&rf, buf);
    fe_mul(&t, &rf, &R.Z);
    return fe_equal(&t, &R.X) ? 0 : AVILA_EAUTH;
}
