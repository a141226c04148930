/*
 * tests/crypto/test_rsa.c - RSA signatures (crypto/rsa.h): every Wycheproof
 * RSA PKCS#1 v1.5 (2048/3072/4096) and PSS (2048, salt 0 and 32) case,
 * OpenSSL-made keys imported and signing byte for byte as `openssl dgst
 * -sign` does, key generation at each size with its structural properties,
 * import refusing every corrupted field, the verify-after-sign fault check,
 * and blinding renewal and sharing of one work area between keys.
 *
 * Wycheproof policy: "valid" MUST verify, "invalid" MUST be refused with
 * AVILA_EAUTH; the one "acceptable" PKCS#1 case (a DigestInfo without its
 * NULL parameters) is refused, because verification re-encodes and compares.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/rsa.h"

static struct avila_rsa_work work;
static struct avila_csprng rng;

static int setup(void **state)
{
    (void)state;
    uint8_t seed[32] = {7};
    avila_csprng_init(&rng, seed);
    avila_rsa_work_init(&work);
    return 0;
}

static const struct avila_digest *hash_named(const char *name)
{
    static const struct {
        const char *name;
        const struct avila_digest *d;
    } hashes[] = {
        {"SHA-256", &avila_digest_sha256}, {"SHA-384", &avila_digest_sha384},
        {"SHA-512", &avila_digest_sha512}, {"sha256", &avila_digest_sha256},
        {"sha384", &avila_digest_sha384},  {"sha512", &avila_digest_sha512},
    };
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
        if (strcmp(hashes[i].name, name) == 0)
            return hashes[i].d;
    fail_msg("unknown hash %s", name);
    return NULL;
}

/* ------------------------------------------------------------------ Wycheproof */

struct tally {
    int valid, invalid, acceptable;
};

static void wycheproof_file(const char *name, int pss, struct tally *t)
{
    char path[128];
    snprintf(path, sizeof path, "wycheproof/%s.txt", name);
    struct tv_file tv;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        size_t n_len, e_len, msg_len, sig_len;
        uint8_t *n = tv_hex(&tv, "publicKey.modulus", &n_len);
        uint8_t *e = tv_hex(&tv, "publicKey.publicExponent", &e_len);
        uint8_t *msg = tv_hex(&tv, "msg", &msg_len), *sig = tv_hex(&tv, "sig", &sig_len);
        const struct avila_digest *d = hash_named(tv_str(&tv, "sha"));
        uint8_t hash[AVILA_DIGEST_MAX_LEN];
        struct avila_rsa_public key;
        assert_int_equal(avila_rsa_public_init(&key, n, n_len, e, e_len), 0);
        assert_int_equal(key.bits, tv_u64(&tv, "keySize"));
        assert_int_equal(avila_digest(d, msg, msg_len, hash), 0);
        int rc;
        if (pss) {
            assert_string_equal(tv_str(&tv, "mgfSha"), tv_str(&tv, "sha"));
            rc = avila_rsa_verify_pss(&key, d, hash, tv_u64(&tv, "sLen"), sig, sig_len);
        } else {
            rc = avila_rsa_verify_pkcs1(&key, d, hash, sig, sig_len);
        }
        switch (wp_result(&tv)) {
        case WP_VALID:
            if (rc != 0)
                fail_msg("%s tcId %s: valid signature refused (%d)", name, tv_str(&tv, "tcId"), rc);
            t->valid++;
            break;
        case WP_INVALID:
            if (rc != AVILA_EAUTH)
                fail_msg("%s tcId %s: invalid signature gave %d", name, tv_str(&tv, "tcId"), rc);
            t->invalid++;
            break;
        default:
            assert_true(rc == 0 || rc == AVILA_EAUTH);
            t->acceptable++;
            break;
        }
        free(n);
        free(e);
        free(msg);
        free(sig);
    }
    tv_close(&tv);
}

static void wycheproof(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int pss;
    } files[] = {
        {"rsa_signature_2048_sha256_test", 0},   {"rsa_signature_3072_sha256_test", 0},
        {"rsa_signature_4096_sha512_test", 0},   {"rsa_pss_2048_sha256_mgf1_0_test", 1},
        {"rsa_pss_2048_sha256_mgf1_32_test", 1},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct tally t = {0};
        char path[128];
        snprintf(path, sizeof path, "wycheproof/%s.txt", files[i].name);
        wycheproof_file(files[i].name, files[i].pss, &t);
        print_message("wycheproof %s: %d tests (valid %d, invalid %d, acceptable %d)\n",
                      files[i].name, t.valid + t.invalid + t.acceptable, t.valid, t.invalid,
                      t.acceptable);
        assert_int_equal((uint64_t)(t.valid + t.invalid + t.acceptable), wp_number_of_tests(path));
    }
}

/* ------------------------------------------------------------------ OpenSSL keys */

struct key_bytes {
    uint8_t *field[8];
    size_t len[8];
};

static const char *const part_names[8] = {"n", "e", "d", "p", "q", "dp", "dq", "qinv"};

static void read_parts(const struct tv_file *tv, struct key_bytes *kb,
                       struct avila_rsa_private_parts *parts)
{
    struct avila_slice *dst[8] = {&parts->n, &parts->e,  &parts->d,  &parts->p,
                                  &parts->q, &parts->dp, &parts->dq, &parts->qinv};
    for (int i = 0; i < 8; i++) {
        kb->field[i] = tv_hex(tv, part_names[i], &kb->len[i]);
        dst[i]->ptr = kb->field[i];
        dst[i]->len = kb->len[i];
    }
}

static void free_parts(struct key_bytes *kb)
{
    for (int i = 0; i < 8; i++)
        free(kb->field[i]);
}

/* Import, sign as openssl does (PKCS#1 v1.5 is deterministic), verify, PSS round trip. */
static void openssl_keys(void **state)
{
    (void)state;
    static struct avila_rsa_private key;
    struct tv_file tv;
    tv_open(&tv, "rsa/keys.txt");
    int keys = 0;
    while (tv_next(&tv)) {
        struct key_bytes kb;
        struct avila_rsa_private_parts parts;
        read_parts(&tv, &kb, &parts);
        assert_int_equal(avila_rsa_private_init(&key, &parts, &rng, &work), 0);
        size_t msg_len;
        uint8_t *msg = tv_hex(&tv, "msg", &msg_len);
        static const char *const hashes[] = {"sha256", "sha384", "sha512"};
        for (int h = 0; h < 3; h++) {
            char field[16];
            snprintf(field, sizeof field, "sig_%s", hashes[h]);
            size_t sig_len;
            uint8_t *want = tv_hex(&tv, field, &sig_len), got[AVILA_RSA_MAX_LEN];
            uint8_t hash[AVILA_DIGEST_MAX_LEN];
            const struct avila_digest *d = hash_named(hashes[h]);
            assert_int_equal(sig_len, key.pub.len);
            assert_int_equal(avila_digest(d, msg, msg_len, hash), 0);
            assert_int_equal(avila_rsa_sign_pkcs1(&key, d, hash, got, &rng, &work), 0);
            assert_memory_equal(got, want, sig_len);
            assert_int_equal(avila_rsa_verify_pkcs1(&key.pub, d, hash, want, sig_len), 0);
            assert_int_equal(avila_rsa_sign_pss(&key, d, hash, d->digest_len, got, &rng, &work), 0);
            assert_int_equal(avila_rsa_verify_pss(&key.pub, d, hash, d->digest_len, got, sig_len),
                             0);
            assert_int_equal(avila_rsa_verify_pkcs1(&key.pub, d, hash, got, sig_len), AVILA_EAUTH);
            free(want);
        }
        /* Export gives back the very integers imported. */
        static uint8_t buf[AVILA_RSA_EXPORT_LEN];
        struct avila_rsa_private_parts out;
        assert_int_equal(avila_rsa_private_export(&key, &out, buf, sizeof buf), 0);
        const struct avila_slice *o[8] = {&out.n, &out.e,  &out.d,  &out.p,
                                          &out.q, &out.dp, &out.dq, &out.qinv};
        for (int i = 0; i < 8; i++) {
            const uint8_t *b = kb.field[i];
            size_t len = kb.len[i];
            while (len > 0 && *b == 0) {
                b++;
                len--;
            }
            assert_int_equal(o[i]->len, len);
            assert_memory_equal(o[i]->ptr, b, len);
        }
        assert_int_equal(avila_rsa_private_export(&key, &out, buf, 100), AVILA_ENOSPC);
        free(msg);
        free_parts(&kb);
        keys++;
    }
    tv_close(&tv);
    assert_int_equal(keys, 3);
}

/* Every field changed in its lowest bit (or its top byte) is refused on import. */
static void import_rejects(void **state)
{
    (void)state;
    static struct avila_rsa_private key;
    struct tv_file tv;
    tv_open(&tv, "rsa/keys.txt");
    assert_true(tv_next(&tv));
    struct key_bytes kb;
    struct avila_rsa_private_parts parts;
    read_parts(&tv, &kb, &parts);
    for (int i = 0; i < 8; i++) {
        for (int where = 0; where < 2; where++) {
            uint8_t *b = kb.field[i];
            size_t at = where ? kb.len[i] / 2 : kb.len[i] - 1;
            uint8_t bit = where ? 0x10 : 0x02; /* keeps odd numbers odd */
            b[at] ^= bit;
            int rc = avila_rsa_private_init(&key, &parts, &rng, &work);
            if (rc != AVILA_EFORMAT)
                fail_msg("%s changed at byte %zu: import gave %d", part_names[i], at, rc);
            b[at] ^= bit;
        }
    }
    assert_int_equal(avila_rsa_private_init(&key, &parts, &rng, &work), 0);
    /* p and q swapped: qinv is then wrong. */
    struct avila_slice p = parts.p;
    parts.p = parts.q;
    parts.q = p;
    assert_int_equal(avila_rsa_private_init(&key, &parts, &rng, &work), AVILA_EFORMAT);
    parts.q = parts.p;
    parts.p = p;
    /* A one-limb prime against a 2048-bit modulus: unbalanced. */
    uint8_t three = 3;
    struct avila_slice q = parts.q;
    parts.q = (struct avila_slice){&three, 1};
    assert_int_equal(avila_rsa_private_init(&key, &parts, &rng, &work), AVILA_EUNSUPPORTED);
    parts.q = q;
    /* An empty or zero field. */
    parts.dp.len = 0;
    assert_int_equal(avila_rsa_private_init(&key, &parts, &rng, &work), AVILA_EFORMAT);
    free_parts(&kb);
    tv_close(&tv);
}

static void public_key_limits(void **state)
{
    (void)state;
    struct avila_rsa_public key;
    uint8_t n[AVILA_RSA_MAX_LEN + 1], e3 = 3, e2 = 2, e9[9] = {1, 0, 0, 0, 0, 0, 0, 0, 1};
    memset(n, 0xff, sizeof n);
    assert_int_equal(avila_rsa_public_init(&key, n, 256, &e3, 1), 0);
    assert_int_equal(key.bits, 2048);
    assert_int_equal(avila_rsa_public_init(&key, n, 512, &e3, 1), 0);
    assert_int_equal(key.bits, 4096);
    assert_int_equal(avila_rsa_public_init(&key, n, 255, &e3, 1), AVILA_EUNSUPPORTED);
    assert_int_equal(avila_rsa_public_init(&key, n, 513, &e3, 1), AVILA_EUNSUPPORTED);
    assert_int_equal(avila_rsa_public_init(&key, n, 256, &e2, 1), AVILA_EFORMAT);
    assert_int_equal(avila_rsa_public_init(&key, n, 256, e9, 9), AVILA_EUNSUPPORTED);
    assert_int_equal(avila_rsa_public_init(&key, n, 256, e9, 0), AVILA_EFORMAT);
    n[255] = 0xfe; /* even */
    assert_int_equal(avila_rsa_public_init(&key, n, 256, &e3, 1), AVILA_EFORMAT);
    /* Leading zero bytes are allowed and do not count. */
    n[0] = 0;
    n[255] = 0xff;
    assert_int_equal(avila_rsa_public_init(&key, n, 256, &e3, 1), AVILA_EUNSUPPORTED);
}

/* ------------------------------------------------------------------ generation */

static void generate_sign_verify(struct avila_rsa_private *key, size_t bits)
{
    assert_int_equal(avila_rsa_generate(key, bits, &rng, &work), 0);
    assert_int_equal(key->pub.bits, bits);
    assert_int_equal(key->pub.e, 65537);
    /* Export and import again: the checks of avila_rsa_private_init pass. */
    static uint8_t buf[AVILA_RSA_EXPORT_LEN];
    static struct avila_rsa_private again;
    struct avila_rsa_private_parts parts;
    assert_int_equal(avila_rsa_private_export(key, &parts, buf, sizeof buf), 0);
    /* Primes of bits / 2 bits with the top two set, = 3 mod 4. */
    size_t half = bits / 2, top = (half - 1) % 8;
    assert_int_equal(parts.p.len, (half + 7) / 8);
    assert_int_equal(parts.q.len, (half + 7) / 8);
    assert_int_equal(parts.p.ptr[parts.p.len - 1] & 3, 3);
    assert_int_equal(parts.q.ptr[parts.q.len - 1] & 3, 3);
    assert_int_equal(parts.p.ptr[0] >> top, 1);
    assert_int_equal(parts.q.ptr[0] >> top, 1);
    if (top > 0) {
        assert_true(parts.p.ptr[0] >> (top - 1) & 1);
        assert_true(parts.q.ptr[0] >> (top - 1) & 1);
    } else {
        assert_true(parts.p.ptr[1] >= 0x80 && parts.q.ptr[1] >= 0x80);
    }
    assert_int_equal(avila_rsa_private_init(&again, &parts, &rng, &work), 0);
    uint8_t hash[64], sig[AVILA_RSA_MAX_LEN];
    unit_rand_fill(&(uint64_t){bits}, hash, sizeof hash);
    const struct avila_digest *d = &avila_digest_sha256;
    assert_int_equal(avila_rsa_sign_pss(&again, d, hash, 32, sig, &rng, &work), 0);
    assert_int_equal(avila_rsa_verify_pss(&key->pub, d, hash, 32, sig, key->pub.len), 0);
    assert_int_equal(
        avila_rsa_verify_pss(&key->pub, d, hash, AVILA_RSA_PSS_SALT_ANY, sig, key->pub.len), 0);
    sig[key->pub.len / 2] ^= 4;
    assert_int_equal(avila_rsa_verify_pss(&key->pub, d, hash, 32, sig, key->pub.len), AVILA_EAUTH);
    assert_int_equal(avila_rsa_sign_pkcs1(&again, d, hash, sig, &rng, &work), 0);
    assert_int_equal(avila_rsa_verify_pkcs1(&key->pub, d, hash, sig, key->pub.len), 0);
    assert_int_equal(avila_rsa_verify_pkcs1(&key->pub, d, hash, sig, key->pub.len - 1),
                     AVILA_EAUTH);
    hash[0] ^= 1;
    assert_int_equal(avila_rsa_verify_pkcs1(&key->pub, d, hash, sig, key->pub.len), AVILA_EAUTH);
}

static void generation(void **state)
{
    (void)state;
    static struct avila_rsa_private key;
    generate_sign_verify(&key, 2048);
    generate_sign_verify(&key, 2050); /* primes of 1025 bits: one bit into a new limb */
    if (unit_slow() == UNIT_SLOW_ALL)
        generate_sign_verify(&key, 4096);
    else
        generate_sign_verify(&key, 3072);
    assert_int_equal(avila_rsa_generate(&key, 2047, &rng, &work), AVILA_EINVAL);
    assert_int_equal(avila_rsa_generate(&key, 4098, &rng, &work), AVILA_EINVAL);
    assert_int_equal(avila_rsa_generate(&key, 2049, &rng, &work), AVILA_EINVAL);
}

/* ------------------------------------------------------------------ faults and blinding */

static void fault_check(void **state)
{
    (void)state;
    static struct avila_rsa_private key;
    assert_int_equal(avila_rsa_generate(&key, 2048, &rng, &work), 0);
    uint8_t hash[32] = {1}, sig[AVILA_RSA_MAX_LEN];
    key.dp[3] ^= 1; /* a corrupted CRT exponent, as a fault would make it */
    memset(sig, 0x55, sizeof sig);
    assert_int_equal(avila_rsa_sign_pkcs1(&key, &avila_digest_sha256, hash, sig, &rng, &work),
                     AVILA_EIO);
    for (size_t i = 0; i < key.pub.len; i++)
        assert_int_equal(sig[i], 0);
}

/* One work area across many signatures and two keys: results never change. */
static void blinding_renewal(void **state)
{
    (void)state;
    static struct avila_rsa_private a, b;
    assert_int_equal(avila_rsa_generate(&a, 2048, &rng, &work), 0);
    assert_int_equal(avila_rsa_generate(&b, 2048, &rng, &work), 0);
    const struct avila_digest *d = &avila_digest_sha384;
    uint8_t hash[48] = {9}, first_a[AVILA_RSA_MAX_LEN], first_b[AVILA_RSA_MAX_LEN],
            sig[AVILA_RSA_MAX_LEN];
    assert_int_equal(avila_rsa_sign_pkcs1(&a, d, hash, first_a, &rng, &work), 0);
    assert_int_equal(avila_rsa_sign_pkcs1(&b, d, hash, first_b, &rng, &work), 0);
    for (int i = 0; i < 3 * AVILA_RSA_BLINDING_USES; i++) {
        const struct avila_rsa_private *k = i % 5 == 0 ? &b : &a;
        assert_int_equal(avila_rsa_sign_pkcs1(k, d, hash, sig, &rng, &work), 0);
        assert_memory_equal(sig, k == &a ? first_a : first_b, a.pub.len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wycheproof),       cmocka_unit_test(openssl_keys),
        cmocka_unit_test(import_rejects),   cmocka_unit_test(public_key_limits),
        cmocka_unit_test(generation),       cmocka_unit_test(fault_check),
        cmocka_unit_test(blinding_renewal),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
