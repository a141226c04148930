/*
 * tests/crypto/test_aead.c - ChaCha20-Poly1305 and XChaCha20-Poly1305:
 * RFC 8439 (2.6.2, 2.8.2, A.4, A.5) and draft-irtf-cfrg-xchacha-03 (A.3.1)
 * vectors, every Wycheproof case, a model built from the RFC pseudocode on
 * random and chunk-boundary lengths, tampering, in-place use, limits and
 * argument errors, and guard pages.
 *
 * Wycheproof "acceptable" results: neither file has any. The test fails if
 * one appears, so that a new file version gets a deliberate decision.
 * Records whose nonce size differs from the algorithm's are invalid in
 * Wycheproof; our API takes fixed-size nonces, so they are rejected by
 * construction and counted as such.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/chacha20.h"
#include "crypto/poly1305.h"

/* ------------------------------------------------------------------ helpers */

typedef int (*seal_fn)(uint8_t *ct, uint8_t *tag, const uint8_t *pt, size_t n, const uint8_t *aad,
                       size_t aad_len, const uint8_t *nonce, const uint8_t *key);
typedef int (*open_fn)(uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t *tag,
                       const uint8_t *aad, size_t aad_len, const uint8_t *nonce,
                       const uint8_t *key);

struct aead {
    const char *name;
    size_t nonce_len;
    seal_fn seal;
    open_fn open;
};

static const struct aead chacha = {"chacha20-poly1305", 12, avila_chacha20poly1305_seal,
                                   avila_chacha20poly1305_open};
static const struct aead xchacha = {"xchacha20-poly1305", 24, avila_xchacha20poly1305_seal,
                                    avila_xchacha20poly1305_open};

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

static uint8_t *xmalloc(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = xmalloc(n);
    unit_rand_fill(rng, p, n);
    return p;
}

/*
 * The model, from RFC 8439 section 2.8.1's pseudocode: the one-time key from
 * block 0, the ciphertext from counter 1, and the MAC over the whole
 * concatenated buffer in one call. XChaCha20 first derives the subkey and
 * the 12-byte nonce (draft-irtf-cfrg-xchacha-03 section 2.3.1).
 */
static void model_seal(const struct aead *a, uint8_t *ct, uint8_t tag[16], const uint8_t *pt,
                       size_t n, const uint8_t *aad, size_t aad_len, const uint8_t *nonce,
                       const uint8_t key[32])
{
    uint8_t subkey[32], nonce12[12] = {0}, otk[32] = {0};
    if (a->nonce_len == 24) {
        avila_hchacha20(subkey, key, nonce);
        memcpy(nonce12 + 4, nonce + 16, 8);
    } else {
        memcpy(subkey, key, 32);
        memcpy(nonce12, nonce, 12);
    }
    avila_chacha20_xor(otk, otk, 32, subkey, nonce12, 0);
    avila_chacha20_xor(ct, pt, n, subkey, nonce12, 1);
    size_t pa = (16 - aad_len % 16) % 16, pc = (16 - n % 16) % 16;
    size_t total = aad_len + pa + n + pc + 16;
    uint8_t *buf = calloc(total, 1);
    assert_non_null(buf);
    if (aad_len)
        memcpy(buf, aad, aad_len);
    if (n)
        memcpy(buf + aad_len + pa, ct, n);
    avila_store_le64(buf + total - 16, aad_len);
    avila_store_le64(buf + total - 8, n);
    avila_poly1305_mac(tag, buf, total, otk);
    free(buf);
}

/* Seals with a, checks against want_ct/want_tag, opens back, in place too. */
static void check_roundtrip(const struct aead *a, const uint8_t *key, const uint8_t *nonce,
                            const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t n,
                            const uint8_t *want_ct, const uint8_t *want_tag)
{
    uint8_t *ct = xmalloc(n), *back = xmalloc(n), tag[16];
    assert_int_equal(a->seal(ct, tag, pt, n, aad, aad_len, nonce, key), 0);
    assert_memory_equal(ct, want_ct, n);
    assert_memory_equal(tag, want_tag, 16);
    assert_int_equal(a->open(back, ct, n, tag, aad, aad_len, nonce, key), 0);
    assert_memory_equal(back, pt, n);
    memcpy(back, pt, n);
    assert_int_equal(a->seal(back, tag, back, n, aad, aad_len, nonce, key), 0);
    assert_memory_equal(back, want_ct, n);
    assert_int_equal(a->open(back, back, n, tag, aad, aad_len, nonce, key), 0);
    assert_memory_equal(back, pt, n);
    free(ct);
    free(back);
}

/* Runs one vector file of (key, nonce, aad, pt, ct, tag) records natively and portably. */
static int check_vector_file(const struct aead *a, const char *path)
{
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        size_t klen, nlen, alen, n, cn, tlen;
        uint8_t *key = tv_hex(&tv, "key", &klen), *nonce = tv_hex(&tv, "nonce", &nlen);
        uint8_t *aad = tv_hex(&tv, "aad", &alen), *pt = tv_hex(&tv, "pt", &n);
        uint8_t *ct = tv_hex(&tv, "ct", &cn), *tag = tv_hex(&tv, "tag", &tlen);
        assert_int_equal(klen, 32);
        assert_int_equal(nlen, a->nonce_len);
        assert_int_equal(cn, n);
        assert_int_equal(tlen, 16);
        for (int portable = 0; portable < 2; portable++) {
            avila_cpu_restrict(portable ? 0 : AVILA_CPU_ALL);
            check_roundtrip(a, key, nonce, aad, alen, pt, n, ct, tag);
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
        uint8_t model_tag[16], *model_ct = xmalloc(n);
        model_seal(a, model_ct, model_tag, pt, n, aad, alen, nonce, key);
        assert_memory_equal(model_ct, ct, n);
        assert_memory_equal(model_tag, tag, 16);
        if (tv_has(&tv, "otk")) {
            uint8_t otk[32], zero[32] = {0}, got[32];
            assert_int_equal(unit_unhex(tv_str(&tv, "otk"), otk, 32), 32);
            avila_xchacha20_xor(got, zero, 32, key, nonce, 0);
            assert_memory_equal(got, otk, 32);
        }
        free(model_ct);
        free(key), free(nonce), free(aad), free(pt), free(ct), free(tag);
        count++;
    }
    tv_close(&tv);
    return count;
}

/* ------------------------------------------------------------------ vectors */

static void rfc8439_aead_vectors(void **state)
{
    (void)state;
    assert_int_equal(check_vector_file(&chacha, "chacha20/aead.txt"), 2);
}

static void xchacha_draft_aead_vector(void **state)
{
    (void)state;
    assert_int_equal(check_vector_file(&xchacha, "chacha20/xaead.txt"), 1);
}

/* RFC 8439 2.6.2 and A.4: the one-time key is the first 32 bytes of keystream block 0. */
static void rfc8439_poly1305_key_generation(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "chacha20/poly1305_keygen.txt");
    while (tv_next(&tv)) {
        uint8_t key[32], nonce[12], otk[32], zero[32] = {0}, got[32];
        assert_int_equal(unit_unhex(tv_str(&tv, "key"), key, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "nonce"), nonce, 12), 12);
        assert_int_equal(unit_unhex(tv_str(&tv, "otk"), otk, 32), 32);
        for (int portable = 0; portable < 2; portable++) {
            avila_cpu_restrict(portable ? 0 : AVILA_CPU_ALL);
            avila_chacha20_xor(got, zero, 32, key, nonce, 0);
            assert_memory_equal(got, otk, 32);
        }
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 4);
}

/* Every record of a Wycheproof file; returns nothing, asserts the counts. */
static void check_wycheproof(const struct aead *a, const char *path)
{
    struct tv_file tv;
    uint64_t total = 0, valid = 0, invalid = 0, bad_nonce = 0;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        size_t klen, nlen, alen, n, cn, tlen;
        uint8_t *key = tv_hex(&tv, "key", &klen), *iv = tv_hex(&tv, "iv", &nlen);
        uint8_t *aad = tv_hex(&tv, "aad", &alen), *msg = tv_hex(&tv, "msg", &n);
        uint8_t *ct = tv_hex(&tv, "ct", &cn), *tag = tv_hex(&tv, "tag", &tlen);
        enum wp_result want = wp_result(&tv);
        assert_true(want != WP_ACCEPTABLE);
        assert_int_equal(klen, 32);
        total++;
        if (nlen != a->nonce_len || tlen != 16) {
            /* Our API cannot even express these: a fixed-size nonce and tag. */
            assert_int_equal(want, WP_INVALID);
            bad_nonce++;
        } else {
            assert_int_equal(cn, n);
            uint8_t *out = xmalloc(n), got_tag[16];
            if (want == WP_VALID) {
                assert_int_equal(a->seal(out, got_tag, msg, n, aad, alen, iv, key), 0);
                assert_memory_equal(out, ct, n);
                assert_memory_equal(got_tag, tag, 16);
                assert_int_equal(a->open(out, ct, n, tag, aad, alen, iv, key), 0);
                assert_memory_equal(out, msg, n);
                valid++;
            } else {
                memset(out, 0xa5, n);
                assert_int_equal(a->open(out, ct, n, tag, aad, alen, iv, key), AVILA_EAUTH);
                for (size_t i = 0; i < n; i++)
                    assert_int_equal(out[i], 0xa5);
                invalid++;
            }
            free(out);
        }
        free(key), free(iv), free(aad), free(msg), free(ct), free(tag);
    }
    tv_close(&tv);
    assert_true(total == wp_number_of_tests(path));
    print_message("wycheproof %s: %llu tests (valid %llu, invalid %llu of which %llu by nonce "
                  "size, acceptable 0)\n",
                  a->name, (unsigned long long)total, (unsigned long long)valid,
                  (unsigned long long)invalid + bad_nonce, (unsigned long long)bad_nonce);
}

static void wycheproof_chacha20_poly1305(void **state)
{
    (void)state;
    check_wycheproof(&chacha, "wycheproof/chacha20_poly1305_test.txt");
    avila_cpu_restrict(0);
    check_wycheproof(&chacha, "wycheproof/chacha20_poly1305_test.txt");
}

static void wycheproof_xchacha20_poly1305(void **state)
{
    (void)state;
    check_wycheproof(&xchacha, "wycheproof/xchacha20_poly1305_test.txt");
    avila_cpu_restrict(0);
    check_wycheproof(&xchacha, "wycheproof/xchacha20_poly1305_test.txt");
}

/* ---------------------------------------------------------------- properties */

/*
 * Both AEADs against the model on random keys, nonces, aad and lengths:
 * every length up to 300 (the short path and its edge at 192 bytes), and
 * lengths around the 16 KiB sealing chunk; natively and portably.
 */
static void matches_model(void **state)
{
    (void)state;
    const struct aead *as[] = {&chacha, &xchacha};
    uint64_t rng = 0xaead;
    enum { MAX = 40000 };
    uint8_t *pt = random_bytes(&rng, MAX), *aad = random_bytes(&rng, 100);
    uint8_t *want = xmalloc(MAX);
    const size_t big[] = {1023, 1024, 1025, 16383, 16384, 16385, 32768, 32769, MAX};
    for (int portable = 0; portable < 2; portable++) {
        avila_cpu_restrict(portable ? 0 : AVILA_CPU_ALL);
        for (size_t ai = 0; ai < AVILA_ARRAY_LEN(as); ai++) {
            for (size_t i = 0; i < 301 + AVILA_ARRAY_LEN(big); i++) {
                size_t n = i < 301 ? i : big[i - 301];
                uint8_t key[32], nonce[24], tag[16];
                unit_rand_fill(&rng, key, sizeof key);
                unit_rand_fill(&rng, nonce, sizeof nonce);
                size_t alen = unit_rand(&rng) % 40;
                model_seal(as[ai], want, tag, pt, n, aad, alen, nonce, key);
                check_roundtrip(as[ai], key, nonce, aad, alen, pt, n, want, tag);
            }
        }
    }
    free(pt);
    free(aad);
    free(want);
}

/*
 * Any change to the ciphertext, tag, aad, nonce or key makes open fail
 * with AVILA_EAUTH and leaves the output untouched (in place: the
 * ciphertext stays as it was).
 */
static void tampering_is_rejected(void **state)
{
    (void)state;
    uint64_t rng = 5;
    const size_t lens[] = {0, 1, 17, 64, 191, 192, 193, 700};
    for (size_t li = 0; li < AVILA_ARRAY_LEN(lens); li++) {
        size_t n = lens[li];
        uint8_t key[32], nonce[24], aad[21], tag[16];
        unit_rand_fill(&rng, key, sizeof key);
        unit_rand_fill(&rng, nonce, sizeof nonce);
        unit_rand_fill(&rng, aad, sizeof aad);
        uint8_t *pt = random_bytes(&rng, n), *ct = xmalloc(n), *out = xmalloc(n);
        const struct aead *as[] = {&chacha, &xchacha};
        for (size_t ai = 0; ai < 2; ai++) {
            const struct aead *a = as[ai];
            assert_int_equal(a->seal(ct, tag, pt, n, aad, sizeof aad, nonce, key), 0);
            /* Flip every bit of the tag and some of each other input. */
            for (size_t bit = 0; bit < 128; bit++) {
                tag[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                memset(out, 0x5c, n);
                assert_int_equal(a->open(out, ct, n, tag, aad, sizeof aad, nonce, key),
                                 AVILA_EAUTH);
                for (size_t i = 0; i < n; i++)
                    assert_int_equal(out[i], 0x5c);
                tag[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
            for (size_t i = 0; i < n; i += 1 + n / 10) {
                ct[i] ^= 0x80;
                assert_int_equal(a->open(out, ct, n, tag, aad, sizeof aad, nonce, key),
                                 AVILA_EAUTH);
                uint8_t *copy = xmalloc(n);
                memcpy(copy, ct, n);
                assert_int_equal(a->open(ct, ct, n, tag, aad, sizeof aad, nonce, key), AVILA_EAUTH);
                assert_memory_equal(ct, copy, n);
                free(copy);
                ct[i] ^= 0x80;
            }
            for (size_t i = 0; i < sizeof aad; i++) {
                aad[i] ^= 1;
                assert_int_equal(a->open(out, ct, n, tag, aad, sizeof aad, nonce, key),
                                 AVILA_EAUTH);
                aad[i] ^= 1;
            }
            assert_int_equal(a->open(out, ct, n, tag, aad, sizeof aad - 1, nonce, key),
                             AVILA_EAUTH);
            for (size_t i = 0; i < a->nonce_len; i++) {
                nonce[i] ^= 2;
                assert_int_equal(a->open(out, ct, n, tag, aad, sizeof aad, nonce, key),
                                 AVILA_EAUTH);
                nonce[i] ^= 2;
            }
            key[31] ^= 4;
            assert_int_equal(a->open(out, ct, n, tag, aad, sizeof aad, nonce, key), AVILA_EAUTH);
            key[31] ^= 4;
            assert_int_equal(a->open(out, ct, n, tag, aad, sizeof aad, nonce, key), 0);
            assert_memory_equal(out, pt, n);
        }
        free(pt);
        free(ct);
        free(out);
    }
}

/* Bad arguments are errors, checked before anything is written. */
static void argument_errors(void **state)
{
    (void)state;
    uint8_t key[32] = {1}, nonce[24] = {2}, buf[8] = {0}, tag[16], out[8];
    const struct aead *as[] = {&chacha, &xchacha};
    for (size_t ai = 0; ai < 2; ai++) {
        const struct aead *a = as[ai];
        memset(tag, 0x11, sizeof tag);
        assert_int_equal(a->seal(out, tag, NULL, 8, NULL, 0, nonce, key), AVILA_EINVAL);
        assert_int_equal(a->seal(NULL, tag, buf, 8, NULL, 0, nonce, key), AVILA_EINVAL);
        assert_int_equal(a->seal(out, tag, buf, 8, NULL, 3, nonce, key), AVILA_EINVAL);
        assert_int_equal(a->seal(out, NULL, buf, 8, NULL, 0, nonce, key), AVILA_EINVAL);
        assert_int_equal(a->seal(out, tag, buf, 8, NULL, 0, NULL, key), AVILA_EINVAL);
        assert_int_equal(a->seal(out, tag, buf, 8, NULL, 0, nonce, NULL), AVILA_EINVAL);
        for (size_t i = 0; i < sizeof tag; i++)
            assert_int_equal(tag[i], 0x11);
        assert_int_equal(a->open(NULL, buf, 8, tag, NULL, 0, nonce, key), AVILA_EINVAL);
        assert_int_equal(a->open(out, buf, 8, NULL, NULL, 0, nonce, key), AVILA_EINVAL);
        /* Empty message and aad may be NULL. */
        assert_int_equal(a->seal(NULL, tag, NULL, 0, NULL, 0, nonce, key), 0);
        assert_int_equal(a->open(NULL, NULL, 0, tag, NULL, 0, nonce, key), 0);
        tag[0] ^= 1;
        assert_int_equal(a->open(NULL, NULL, 0, tag, NULL, 0, nonce, key), AVILA_EAUTH);
#if SIZE_MAX > 0xffffffffu
        /* Past RFC 8439's P_MAX: refused before any buffer is touched. */
        size_t huge = (size_t)AVILA_CHACHA20POLY1305_MAX_LEN + 1;
        assert_int_equal(a->seal(out, tag, buf, huge, NULL, 0, nonce, key), AVILA_ELIMIT);
        assert_int_equal(a->open(out, buf, huge, tag, NULL, 0, nonce, key), AVILA_ELIMIT);
        assert_int_equal(a->seal(out, tag, buf, SIZE_MAX, NULL, 0, nonce, key), AVILA_ELIMIT);
#endif
    }
}

/* Inputs and outputs ending at an inaccessible page: nothing reads or writes past them. */
static void guard_pages(void **state)
{
    (void)state;
    const size_t lens[] = {0, 1, 15, 16, 63, 64, 191, 192, 193, 1000, 16385};
    uint8_t key[32] = {3}, nonce[24] = {4}, tag[16];
    for (int portable = 0; portable < 2; portable++) {
        avila_cpu_restrict(portable ? 0 : AVILA_CPU_ALL);
        for (size_t li = 0; li < AVILA_ARRAY_LEN(lens); li++) {
            size_t n = lens[li], alen = n % 37;
            uint8_t *pt = unit_guarded_alloc(n), *ct = unit_guarded_alloc(n);
            uint8_t *aad = unit_guarded_alloc(alen);
            memset(pt, 0x61, n);
            memset(aad, 0x62, alen);
            assert_int_equal(avila_chacha20poly1305_seal(ct, tag, pt, n, aad, alen, nonce, key), 0);
            assert_int_equal(avila_chacha20poly1305_open(pt, ct, n, tag, aad, alen, nonce, key), 0);
            assert_int_equal(avila_xchacha20poly1305_seal(ct, tag, pt, n, aad, alen, nonce, key),
                             0);
            assert_int_equal(avila_xchacha20poly1305_open(pt, ct, n, tag, aad, alen, nonce, key),
                             0);
            unit_guarded_free(pt, n);
            unit_guarded_free(ct, n);
            unit_guarded_free(aad, alen);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(rfc8439_aead_vectors, allow_all_cpu),
        cmocka_unit_test_teardown(xchacha_draft_aead_vector, allow_all_cpu),
        cmocka_unit_test_teardown(rfc8439_poly1305_key_generation, allow_all_cpu),
        cmocka_unit_test_teardown(wycheproof_chacha20_poly1305, allow_all_cpu),
        cmocka_unit_test_teardown(wycheproof_xchacha20_poly1305, allow_all_cpu),
        cmocka_unit_test_teardown(matches_model, allow_all_cpu),
        cmocka_unit_test_teardown(tampering_is_rejected, allow_all_cpu),
        cmocka_unit_test_teardown(argument_errors, allow_all_cpu),
        cmocka_unit_test_teardown(guard_pages, allow_all_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
