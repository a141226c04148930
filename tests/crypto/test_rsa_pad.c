/*
 * tests/crypto/test_rsa_pad.c - the RSA signature encodings of RFC 8017
 * (crypto/rsa_int.h): EMSA-PKCS1-v1_5 byte for byte and EMSA-PSS verified
 * against encoded messages recovered from OpenSSL's signatures
 * (tests/vectors/rsa/emsa.txt), PSS encode/verify round trips at every
 * em_bits residue with every single-bit corruption refused, and the size
 * limits.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/rsa_int.h"

static const struct {
    const char *name; /* as openssl dgst spells it */
    const struct avila_digest *d;
} hashes[] = {
    {"sha224", &avila_digest_sha224},         {"sha256", &avila_digest_sha256},
    {"sha384", &avila_digest_sha384},         {"sha512", &avila_digest_sha512},
    {"sha512-256", &avila_digest_sha512_256},
};

static const struct avila_digest *hash_named(const char *name)
{
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
        if (strcmp(hashes[i].name, name) == 0)
            return hashes[i].d;
    fail_msg("unknown hash %s", name);
    return NULL;
}

/* openssl's rsa_pss_saltlen names as lengths. */
static size_t salt_length(const char *salt, size_t em_len, size_t h_len)
{
    if (strcmp(salt, "digest") == 0)
        return h_len;
    if (strcmp(salt, "max") == 0)
        return em_len - h_len - 2;
    assert_string_equal(salt, "0");
    return 0;
}

static void openssl_encodings(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "rsa/emsa.txt");
    int pkcs1 = 0, pss = 0;
    while (tv_next(&tv)) {
        const struct avila_digest *d = hash_named(tv_str(&tv, "hash"));
        size_t msg_len, em_len, em_bits = tv_u64(&tv, "em_bits");
        uint8_t *msg = tv_hex(&tv, "msg", &msg_len), *em = tv_hex(&tv, "em", &em_len);
        uint8_t mhash[AVILA_DIGEST_MAX_LEN], got[AVILA_RSA_MAX_LEN];
        assert_int_equal(em_len, (em_bits + 7) / 8);
        assert_int_equal(avila_digest(d, msg, msg_len, mhash), 0);
        if (strcmp(tv_str(&tv, "scheme"), "pkcs1") == 0) {
            assert_int_equal(avila_rsa_pkcs1_encode(got, em_len, d, mhash), 0);
            assert_memory_equal(got, em, em_len);
            pkcs1++;
        } else {
            size_t salt = salt_length(tv_str(&tv, "salt"), em_len, d->digest_len);
            assert_int_equal(avila_rsa_pss_verify(em, em_bits, d, mhash, salt), 0);
            assert_int_equal(avila_rsa_pss_verify(em, em_bits, d, mhash, AVILA_RSA_PSS_SALT_ANY),
                             0);
            assert_int_equal(avila_rsa_pss_verify(em, em_bits, d, mhash, salt + 1), AVILA_EAUTH);
            mhash[0] ^= 1;
            assert_int_equal(avila_rsa_pss_verify(em, em_bits, d, mhash, salt), AVILA_EAUTH);
            pss++;
        }
        free(msg);
        free(em);
    }
    tv_close(&tv);
    print_message("openssl encodings: %d pkcs1 equal, %d pss verified\n", pkcs1, pss);
    assert_int_equal(pkcs1, 15);
    assert_int_equal(pss, 45);
}

/* Encode then verify at random sizes; every one-bit change must be refused. */
static void pss_round_trip(void **state)
{
    (void)state;
    uint64_t rng = 0x5eed;
    int cases = 0;
    for (size_t h = 0; h < sizeof hashes / sizeof hashes[0]; h++) {
        const struct avila_digest *d = hashes[h].d;
        for (int trial = 0; trial < 40; trial++) {
            /* Every residue of em_bits mod 8, from the smallest that fits a salt of 0. */
            size_t min_bits = 8 * (d->digest_len + 2);
            size_t em_bits = min_bits + unit_rand(&rng) % (4095 - min_bits + 1);
            em_bits = (em_bits & ~(size_t)7) + (size_t)(trial % 8);
            if (em_bits > 4095)
                em_bits -= 8;
            size_t em_len = (em_bits + 7) / 8;
            size_t salt_len = unit_rand(&rng) % (em_len - d->digest_len - 1);
            uint8_t mhash[AVILA_DIGEST_MAX_LEN], salt[AVILA_RSA_MAX_LEN], em[AVILA_RSA_MAX_LEN];
            unit_rand_fill(&rng, mhash, sizeof mhash);
            unit_rand_fill(&rng, salt, sizeof salt);
            assert_int_equal(avila_rsa_pss_encode(em, em_bits, d, mhash, salt, salt_len), 0);
            assert_int_equal(em[em_len - 1], 0xbc);
            assert_int_equal(em[0] >> (em_bits % 8 ? em_bits % 8 : 8), 0);
            assert_int_equal(avila_rsa_pss_verify(em, em_bits, d, mhash, salt_len), 0);
            assert_int_equal(avila_rsa_pss_verify(em, em_bits, d, mhash, AVILA_RSA_PSS_SALT_ANY),
                             0);
            for (size_t bit = 0; bit < em_len * 8; bit += 1 + unit_rand(&rng) % 13) {
                em[bit / 8] ^= (uint8_t)(1u << bit % 8);
                assert_int_equal(avila_rsa_pss_verify(em, em_bits, d, mhash, salt_len),
                                 AVILA_EAUTH);
                em[bit / 8] ^= (uint8_t)(1u << bit % 8);
            }
            cases++;
        }
    }
    print_message("pss round trips: %d\n", cases);
}

static void size_limits(void **state)
{
    (void)state;
    const struct avila_digest *d = &avila_digest_sha256;
    uint8_t em[AVILA_RSA_MAX_LEN + 1], mhash[32] = {0}, salt[32] = {0};
    /* PKCS#1 v1.5: 3 framing bytes, 8 of padding, 19 + 32 of DigestInfo. */
    assert_int_equal(avila_rsa_pkcs1_encode(em, 62, d, mhash), 0);
    assert_int_equal(avila_rsa_pkcs1_encode(em, 61, d, mhash), AVILA_EINVAL);
    assert_int_equal(avila_rsa_pkcs1_encode(em, AVILA_RSA_MAX_LEN + 1, d, mhash), AVILA_EINVAL);
    assert_int_equal(avila_rsa_pkcs1_encode(em, 256, &avila_digest_sha3_256, mhash),
                     AVILA_EUNSUPPORTED);
    /* PSS: hLen + sLen + 2 bytes at least. */
    assert_int_equal(avila_rsa_pss_encode(em, (size_t)8 * 66, d, mhash, salt, 32), 0);
    assert_int_equal(avila_rsa_pss_verify(em, (size_t)8 * 66, d, mhash, 32), 0);
    assert_int_equal(avila_rsa_pss_encode(em, (size_t)8 * 65, d, mhash, salt, 32), AVILA_EINVAL);
    assert_int_equal(avila_rsa_pss_verify(em, (size_t)8 * 65, d, mhash, 32), AVILA_EAUTH);
    assert_int_equal(
        avila_rsa_pss_encode(em, (size_t)8 * AVILA_RSA_MAX_LEN + 1, d, mhash, salt, 32),
        AVILA_EINVAL);
    assert_int_equal(avila_rsa_pss_verify(em, (size_t)8 * AVILA_RSA_MAX_LEN + 1, d, mhash, 32),
                     AVILA_EINVAL);
    assert_int_equal(avila_rsa_pss_verify(em, 0, d, mhash, 32), AVILA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(openssl_encodings),
        cmocka_unit_test(pss_round_trip),
        cmocka_unit_test(size_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
