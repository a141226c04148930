/*
 * crypto/rsa_pad.c - EMSA-PKCS1-v1_5 and EMSA-PSS (RFC 8017 sections 9.1,
 * 9.2 and MGF1 of B.2.1). Pure.
 */
#include "core/ct.h"
#include "core/error.h"
#include "crypto/rsa_int.h"

/*
 * The NIST hash algorithm identifiers all share the arc
 * 2.16.840.1.101.3.4.2 and differ in the last number, so DigestInfo
 * (SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING hash }) is built from
 * that number and the hash length rather than kept as five byte strings.
 */
static int nist_hash_number(const struct avila_digest *d)
{
    if (d == &avila_digest_sha256)
        return 1;
    if (d == &avila_digest_sha384)
        return 2;
    if (d == &avila_digest_sha512)
        return 3;
    if (d == &avila_digest_sha224)
        return 4;
    if (d == &avila_digest_sha512_256)
        return 6;
    return 0;
}

#define DIGEST_INFO_PREFIX_LEN 19

static void digest_info_prefix(uint8_t p[DIGEST_INFO_PREFIX_LEN], int number, size_t hash_len)
{
    static const uint8_t nist_hash_arc[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02};
    p[0] = 0x30; /* DigestInfo */
    p[1] = (uint8_t)(DIGEST_INFO_PREFIX_LEN - 2 + hash_len);
    p[2] = 0x30; /* AlgorithmIdentifier */
    p[3] = 0x0d;
    p[4] = 0x06; /* OBJECT IDENTIFIER */
    p[5] = 0x09;
    memcpy(p + 6, nist_hash_arc, sizeof nist_hash_arc);
    p[14] = (uint8_t)number;
    p[15] = 0x05; /* NULL parameters */
    p[16] = 0x00;
    p[17] = 0x04; /* OCTET STRING */
    p[18] = (uint8_t)hash_len;
}

int avila_rsa_pkcs1_encode(uint8_t *em, size_t em_len, const struct avila_digest *d,
                           const uint8_t *hash)
{
    int number = nist_hash_number(d);
    if (!number)
        return AVILA_EUNSUPPORTED;
    size_t t_len = DIGEST_INFO_PREFIX_LEN + d->digest_len;
    /* RFC 8017 section 9.2 step 3: at least 8 bytes of 0xff. */
    if (em_len > AVILA_RSA_MAX_LEN || em_len < t_len + 11)
        return AVILA_EINVAL;
    size_t ps_len = em_len - t_len - 3;
    em[0] = 0x00;
    em[1] = 0x01;
    memset(em + 2, 0xff, ps_len);
    em[2 + ps_len] = 0x00;
    digest_info_prefix(em + 3 + ps_len, number, d->digest_len);
    memcpy(em + 3 + ps_len + DIGEST_INFO_PREFIX_LEN, hash, d->digest_len);
    return 0;
}

/* MGF1 (RFC 8017 B.2.1): XORs Hash(seed || counter) blocks into out[0..n). */
static void mgf1_xor(uint8_t *out, size_t n, const struct avila_digest *d, const uint8_t *seed,
                     size_t seed_len)
{
    struct avila_digest_ctx ctx;
    uint8_t block[AVILA_DIGEST_MAX_LEN];
    for (uint32_t counter = 0; n > 0; counter++) {
        uint8_t c[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16), (uint8_t)(counter >> 8),
                        (uint8_t)counter};
        d->init(&ctx);
        d->update(&ctx, seed, seed_len);
        d->update(&ctx, c, sizeof c);
        d->final(&ctx, block);
        size_t take = n < d->digest_len ? n : d->digest_len;
        for (size_t i = 0; i < take; i++)
            out[i] ^= block[i];
        out += take;
        n -= take;
    }
}

/* H = Hash(0x00 * 8 || mhash || salt), steps 5-6 of both PSS procedures. */
static void pss_hash(uint8_t *h, const struct avila_digest *d, const uint8_t *mhash,
                     const uint8_t *salt, size_t salt_len)
{
    static const uint8_t zeros[8] = {0};
    struct avila_digest_ctx ctx;
    d->init(&ctx);
    d->update(&ctx, zeros, sizeof zeros);
    d->update(&ctx, mhash, d->digest_len);
    d->update(&ctx, salt, salt_len);
    d->final(&ctx, h);
}

/* The mask clearing the 8 * em_len - em_bits top bits of the first byte. */
static uint8_t top_byte_mask(size_t em_bits)
{
    return (uint8_t)(0xffu >> ((8 - em_bits % 8) % 8));
}

int avila_rsa_pss_encode(uint8_t *em, size_t em_bits, const struct avila_digest *d,
                         const uint8_t *mhash, const uint8_t *salt, size_t salt_len)
{
    size_t em_len = (em_bits + 7) / 8;
    size_t h_len = d->digest_len;
    if (em_len > AVILA_RSA_MAX_LEN || salt_len > em_len || em_len < h_len + salt_len + 2)
        return AVILA_EINVAL;
    size_t db_len = em_len - h_len - 1;
    uint8_t *h = em + db_len;
    pss_hash(h, d, mhash, salt, salt_len);
    /* DB = PS (zeros) || 0x01 || salt, then masked with MGF1(H). */
    memset(em, 0, db_len - salt_len - 1);
    em[db_len - salt_len - 1] = 0x01;
    memcpy(em + db_len - salt_len, salt, salt_len);
    mgf1_xor(em, db_len, d, h, h_len);
    em[0] &= top_byte_mask(em_bits);
    em[em_len - 1] = 0xbc;
    return 0;
}

int avila_rsa_pss_verify(const uint8_t *em, size_t em_bits, const struct avila_digest *d,
                         const uint8_t *mhash, size_t salt_len)
{
    size_t em_len = (em_bits + 7) / 8;
    size_t h_len = d->digest_len;
    if (em_len > AVILA_RSA_MAX_LEN || em_bits == 0)
        return AVILA_EINVAL;
    size_t min_salt = salt_len == AVILA_RSA_PSS_SALT_ANY ? 0 : salt_len;
    if (min_salt > em_len || em_len < h_len + min_salt + 2)
        return AVILA_EAUTH;
    if (em[em_len - 1] != 0xbc || (em[0] & ~top_byte_mask(em_bits)) != 0)
        return AVILA_EAUTH;
    size_t db_len = em_len - h_len - 1;
    const uint8_t *h = em + db_len;
    uint8_t db[AVILA_RSA_MAX_LEN];
    memcpy(db, em, db_len);
    mgf1_xor(db, db_len, d, h, h_len);
    db[0] &= top_byte_mask(em_bits);
    /* DB must be zeros, 0x01, then the salt. */
    size_t one = 0;
    while (one < db_len && db[one] == 0)
        one++;
    if (one == db_len || db[one] != 0x01)
        return AVILA_EAUTH;
    size_t found_salt = db_len - one - 1;
    if (salt_len != AVILA_RSA_PSS_SALT_ANY && found_salt != salt_len)
        return AVILA_EAUTH;
    uint8_t h2[AVILA_DIGEST_MAX_LEN];
    pss_hash(h2, d, mhash, db + one + 1, found_salt);
    return avila_ct_memeq(h, h2, h_len) ? 0 : AVILA_EAUTH;
}
