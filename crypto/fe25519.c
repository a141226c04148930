/*
 * crypto/fe25519.c - the out-of-line part of GF(2^255 - 19) arithmetic in
 * radix 2^51 (crypto/fe25519_int.h): canonical encoding (RFC 7748 section 5,
 * RFC 8032 section 5.1.2), inversion and the square-root exponent by fixed
 * addition chains. Pure; constant time.
 */
#include "crypto/fe25519_int.h"

/* Reduces f (loose) to its canonical residue in [0, p), limbs < 2^51. */
static void fe_canonical(uint64_t t[5], const avila_fe25519 *f)
{
    avila_fe25519 h = *f;
    /*
     * Two carry passes leave every limb below 2^51 (the second one can only
     * carry out of the top if the bottom limb was just reduced to a few
     * units, so adding 19 there cannot overflow again): h < 2^255 < 2p.
     */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 4; i++) {
            h.v[i + 1] += h.v[i] >> 51;
            h.v[i] &= FE_MASK51;
        }
        h.v[0] += 19 * (h.v[4] >> 51);
        h.v[4] &= FE_MASK51;
    }
    /* q = 1 exactly when h >= p, i.e. h + 19 carries into bit 255. */
    uint64_t q = (h.v[0] + 19) >> 51;
    for (int i = 1; i < 5; i++)
        q = (h.v[i] + q) >> 51;
    /* h - q p = h + 19 q - q 2^255: add 19 q and drop bit 255. */
    h.v[0] += 19 * q;
    for (int i = 0; i < 4; i++) {
        h.v[i + 1] += h.v[i] >> 51;
        h.v[i] &= FE_MASK51;
    }
    h.v[4] &= FE_MASK51;
    for (int i = 0; i < 5; i++)
        t[i] = h.v[i];
}

void avila_fe25519_tobytes(uint8_t s[32], const avila_fe25519 *f)
{
    uint64_t t[5];
    fe_canonical(t, f);
    avila_store_le64(s, t[0] | t[1] << 51);
    avila_store_le64(s + 8, t[1] >> 13 | t[2] << 38);
    avila_store_le64(s + 16, t[2] >> 26 | t[3] << 25);
    avila_store_le64(s + 24, t[3] >> 39 | t[4] << 12);
}

uint32_t avila_fe25519_iszero(const avila_fe25519 *f)
{
    uint8_t s[32];
    avila_fe25519_tobytes(s, f);
    return avila_ct_is_zero(s, sizeof s);
}

uint32_t avila_fe25519_isnegative(const avila_fe25519 *f)
{
    uint64_t t[5];
    fe_canonical(t, f);
    return (uint32_t)(t[0] & 1);
}

/*
 * The common head of both exponent chains: *z11 = f^11 and
 * *z250 = f^(2^250 - 1), after 249 squarings and 10 multiplications.
 */
static void chain_head(avila_fe25519 *z11, avila_fe25519 *z250, const avila_fe25519 *f)
{
    avila_fe25519 z2, z9, t, z5, z10, z20, z50, z100;
    fe_sq(&z2, f);          /* 2 */
    fe_sqn(&t, &z2, 2);     /* 8 */
    fe_mul(&z9, &t, f);     /* 9 */
    fe_mul(z11, &z9, &z2);  /* 11 */
    fe_sq(&t, z11);         /* 22 */
    fe_mul(&z5, &t, &z9);   /* 31 = 2^5 - 1 */
    fe_sqn(&t, &z5, 5);     /* 2^10 - 2^5 */
    fe_mul(&z10, &t, &z5);  /* 2^10 - 1 */
    fe_sqn(&t, &z10, 10);   /* 2^20 - 2^10 */
    fe_mul(&z20, &t, &z10); /* 2^20 - 1 */
    fe_sqn(&t, &z20, 20);   /* 2^40 - 2^20 */
    fe_mul(&t, &t, &z20);   /* 2^40 - 1 */
    fe_sqn(&t, &t, 10);     /* 2^50 - 2^10 */
    fe_mul(&z50, &t, &z10); /* 2^50 - 1 */
    fe_sqn(&t, &z50, 50);   /* 2^100 - 2^50 */
    fe_mul(&z100, &t, &z50);
    fe_sqn(&t, &z100, 100); /* 2^200 - 2^100 */
    fe_mul(&t, &t, &z100);  /* 2^200 - 1 */
    fe_sqn(&t, &t, 50);     /* 2^250 - 2^50 */
    fe_mul(z250, &t, &z50); /* 2^250 - 1 */
    avila_wipe(&z2, sizeof z2);
    avila_wipe(&z9, sizeof z9);
    avila_wipe(&t, sizeof t);
    avila_wipe(&z5, sizeof z5);
    avila_wipe(&z10, sizeof z10);
    avila_wipe(&z20, sizeof z20);
    avila_wipe(&z50, sizeof z50);
    avila_wipe(&z100, sizeof z100);
}

void avila_fe25519_invert(avila_fe25519 *h, const avila_fe25519 *f)
{
    avila_fe25519 z11, t;
    chain_head(&z11, &t, f);
    fe_sqn(&t, &t, 5);   /* 2^255 - 2^5 */
    fe_mul(h, &t, &z11); /* 2^255 - 21 = p - 2 */
    avila_wipe(&z11, sizeof z11);
    avila_wipe(&t, sizeof t);
}

void avila_fe25519_pow22523(avila_fe25519 *h, const avila_fe25519 *f)
{
    avila_fe25519 z11, t;
    chain_head(&z11, &t, f);
    fe_sqn(&t, &t, 2); /* 2^252 - 4 */
    fe_mul(h, &t, f);  /* 2^252 - 3 */
    avila_wipe(&z11, sizeof z11);
    avila_wipe(&t, sizeof t);
}
