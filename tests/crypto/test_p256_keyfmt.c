/*
 * tests/crypto/test_p256_keyfmt.c - P-256 (crypto/p256.h) together with the
 * key and signature formats (crypto/keyfmt.h): the Wycheproof files whose
 * inputs are encoded, ECDSA with DER signatures (ecdsa_secp256r1_sha256) and
 * ECDH with SubjectPublicKeyInfo public keys (ecdh_secp256r1).
 *
 * Policy: "valid" MUST give 0 (and the shared secret); "invalid" MUST be
 * refused, by the DER decoder or by the curve module; "acceptable" ECDH
 * cases (compressed points, unusual but well-formed encodings, explicit
 * curve parameters) are either refused by the format module or give exactly
 * the expected secret. Every ECDSA case is valid or invalid.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/keyfmt.h"
#include "crypto/p256.h"
#include "crypto/digest.h"

static void ecdsa_der(void **state)
{
    (void)state;
    const char *path = "wycheproof/ecdsa_secp256r1_sha256_test.txt";
    struct tv_file tv;
    tv_open(&tv, path);
    int valid = 0, invalid = 0, by_der = 0;
    while (tv_next(&tv)) {
        size_t pub_len, msg_len, sig_len;
        uint8_t *pub = tv_hex(&tv, "publicKey.uncompressed", &pub_len);
        uint8_t *msg = tv_hex(&tv, "msg", &msg_len), *sig = tv_hex(&tv, "sig", &sig_len);
        uint8_t hash[32], rs[AVILA_P256_SIG_LEN];
        assert_string_equal(tv_str(&tv, "sha"), "SHA-256");
        assert_int_equal(avila_digest(&avila_digest_sha256, msg, msg_len, hash), 0);
        int rc = avila_keyfmt_ecdsa_sig_from_der(rs, 32, sig, sig_len);
        if (rc == 0)
            rc = avila_p256_verify(rs, hash, sizeof hash, pub, pub_len);
        else
            by_der++;
        if (wp_result(&tv) == WP_VALID) {
            if (rc != 0)
                fail_msg("tcId %s: valid signature refused (%d)", tv_str(&tv, "tcId"), rc);
            valid++;
        } else {
            assert_int_equal(wp_result(&tv), WP_INVALID);
            if (rc == 0)
                fail_msg("tcId %s: invalid signature accepted", tv_str(&tv, "tcId"));
            invalid++;
        }
        free(pub);
        free(msg);
        free(sig);
    }
    tv_close(&tv);
    print_message("wycheproof ecdsa p256 sha256 (DER): %d tests (valid %d, invalid %d, %d of "
                  "them refused by the DER decoder)\n",
                  valid + invalid, valid, invalid, by_der);
    assert_int_equal((uint64_t)(valid + invalid), wp_number_of_tests(path));
}

static void ecdh_spki(void **state)
{
    (void)state;
    const char *path = "wycheproof/ecdh_secp256r1_test.txt";
    struct tv_file tv;
    tv_open(&tv, path);
    int valid = 0, invalid = 0, acceptable_ok = 0, acceptable_refused = 0;
    while (tv_next(&tv)) {
        size_t spki_len, priv_len, shared_len;
        uint8_t *spki = tv_hex(&tv, "public", &spki_len);
        uint8_t *priv = tv_hex(&tv, "private", &priv_len);
        uint8_t *shared = tv_hex(&tv, "shared", &shared_len);
        /* Private keys are given as minimal signed integers: left-pad or drop the sign byte. */
        uint8_t d[32] = {0}, out[32];
        assert_true(priv_len <= 33);
        if (priv_len == 33) {
            assert_int_equal(priv[0], 0);
            memcpy(d, priv + 1, 32);
        } else {
            memcpy(d + 32 - priv_len, priv, priv_len);
        }
        struct avila_keyfmt_key key;
        int rc = avila_keyfmt_parse(&key, AVILA_KEYFMT_SPKI, spki, spki_len);
        if (rc == 0 && key.type != AVILA_KEYFMT_P256)
            rc = AVILA_EUNSUPPORTED;
        if (rc == 0)
            rc = avila_p256_ecdh(out, d, key.pub.ptr, key.pub.len);
        if (rc == 0)
            assert_memory_equal(out, shared, 32);
        switch (wp_result(&tv)) {
        case WP_VALID:
            if (rc != 0)
                fail_msg("tcId %s: valid case refused (%d)", tv_str(&tv, "tcId"), rc);
            valid++;
            break;
        case WP_INVALID:
            if (rc == 0)
                fail_msg("tcId %s: invalid case accepted", tv_str(&tv, "tcId"));
            invalid++;
            break;
        default:
            if (rc == 0)
                acceptable_ok++;
            else
                acceptable_refused++;
            break;
        }
        free(spki);
        free(priv);
        free(shared);
    }
    tv_close(&tv);
    print_message("wycheproof ecdh p256 (SPKI): %d tests (valid %d, invalid %d, acceptable %d: "
                  "%d computed, %d refused)\n",
                  valid + invalid + acceptable_ok + acceptable_refused, valid, invalid,
                  acceptable_ok + acceptable_refused, acceptable_ok, acceptable_refused);
    assert_int_equal((uint64_t)(valid + invalid + acceptable_ok + acceptable_refused),
                     wp_number_of_tests(path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ecdsa_der),
        cmocka_unit_test(ecdh_spki),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
