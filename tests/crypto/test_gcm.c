/*
 * tests/crypto/test_gcm.c - AES-GCM (NIST SP 800-38D): the 18 test cases of
 * McGrew and Viega's GCM specification and every Wycheproof aes_gcm_test
 * record through every implementation the CPU has; fast paths against the
 * portable one on random keys, IVs, AAD and text of every length 0..300 plus
 * long buffers at odd alignments; tampering; argument errors; guard pages.
 *
 * Wycheproof: all records are "valid" or "invalid" (none "acceptable"); the
 * invalid ones are modified tags and 0-byte IVs, which we refuse with
 * AVILA_EINVAL before looking at the data.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/gcm.h"
#include "crypto/gcm_int.h"

static int impl_usable(const struct avila_gcm_impl *impl)
{
    return (impl->needs & avila_cpu_detected()) == impl->needs;
}

/* Seals with impl and checks the result, then opens it back, truncated tags included. */
static void check_case(const struct avila_gcm_impl *impl, const struct avila_gcm *g,
                       const uint8_t *iv, size_t iv_len, const uint8_t *aad, size_t aad_len,
                       const uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t *tag)
{
    uint8_t *out = malloc(n + 1), *back = malloc(n + 1), got[16];
    assert_non_null(out);
    assert_non_null(back);
    assert_int_equal(avila_gcm_seal_with(impl, g, out, got, 16, pt, n, aad, aad_len, iv, iv_len),
                     0);
    assert_memory_equal(out, ct, n);
    assert_memory_equal(got, tag, 16);
    for (size_t tl = AVILA_GCM_TAG_MIN; tl <= AVILA_GCM_TAG_MAX; tl++) {
        assert_int_equal(
            avila_gcm_seal_with(impl, g, out, got, tl, pt, n, aad, aad_len, iv, iv_len), 0);
        assert_memory_equal(got, tag, tl);
        memset(back, 0xee, n);
        assert_int_equal(
            avila_gcm_open_with(impl, g, back, ct, n, tag, tl, aad, aad_len, iv, iv_len), 0);
        assert_memory_equal(back, pt, n);
    }
    uint8_t bad[16];
    memcpy(bad, tag, 16);
    bad[15] ^= 0x80; /* the last byte only matters for the full tag */
    memset(back, 0xee, n);
    assert_int_equal(avila_gcm_open_with(impl, g, back, ct, n, bad, 16, aad, aad_len, iv, iv_len),
                     AVILA_EAUTH);
    for (size_t i = 0; i < n; i++) /* nothing released on failure */
        assert_int_equal(back[i], 0xee);
    assert_int_equal(avila_gcm_open_with(impl, g, back, ct, n, bad, 15, aad, aad_len, iv, iv_len),
                     0);
    free(out);
    free(back);
}

static void test_mcgrew_viega(void **state)
{
    (void)state;
    struct tv_file tv;
    int records = 0;
    tv_open(&tv, "gcm/mcgrew-viega.txt");
    while (tv_next(&tv)) {
        size_t klen, ivlen, alen, plen, clen, tlen;
        uint8_t *key = tv_hex(&tv, "key", &klen), *iv = tv_hex(&tv, "iv", &ivlen);
        uint8_t *aad = tv_hex(&tv, "aad", &alen), *pt = tv_hex(&tv, "pt", &plen);
        uint8_t *ct = tv_hex(&tv, "ct", &clen), *tag = tv_hex(&tv, "tag", &tlen);
        assert_int_equal(plen, clen);
        assert_int_equal(tlen, 16);
        struct avila_gcm g;
        assert_int_equal(avila_gcm_init(&g, key, klen), 0);
        for (size_t i = 0; avila_gcm_impls[i]; i++)
            if (impl_usable(avila_gcm_impls[i]))
                check_case(avila_gcm_impls[i], &g, iv, ivlen, aad, alen, pt, ct, plen, tag);
        uint8_t got[16], *out = malloc(plen + 1);
        assert_non_null(out);
        assert_int_equal(avila_gcm_seal(&g, out, got, 16, pt, plen, aad, alen, iv, ivlen), 0);
        assert_memory_equal(out, ct, plen);
        assert_memory_equal(got, tag, 16);
        assert_int_equal(avila_gcm_open(&g, out, ct, plen, tag, 16, aad, alen, iv, ivlen), 0);
        assert_memory_equal(out, pt, plen);
        avila_gcm_wipe(&g);
        free(out);
        free(key);
        free(iv);
        free(aad);
        free(pt);
        free(ct);
        free(tag);
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 18);
}

/* One Wycheproof record through one implementation; returns 1 if it was accepted. */
static int wycheproof_one(const struct avila_gcm_impl *impl, const struct tv_file *tv)
{
    size_t klen, ivlen, alen, mlen, clen, tlen;
    uint8_t *key = tv_hex(tv, "key", &klen), *iv = tv_hex(tv, "iv", &ivlen);
    uint8_t *aad = tv_hex(tv, "aad", &alen), *msg = tv_hex(tv, "msg", &mlen);
    uint8_t *ct = tv_hex(tv, "ct", &clen), *tag = tv_hex(tv, "tag", &tlen);
    struct avila_gcm g;
    assert_int_equal(avila_gcm_init(&g, key, klen), 0);
    uint8_t *pt = malloc(clen + 1), got[16];
    assert_non_null(pt);
    memset(pt, 0xee, clen);
    int r = avila_gcm_open_with(impl, &g, pt, ct, clen, tag, tlen, aad, alen, iv, ivlen);
    if (r == 0) {
        assert_int_equal(mlen, clen);
        assert_memory_equal(pt, msg, mlen);
        /* and sealing the message gives the same ciphertext and tag */
        assert_int_equal(
            avila_gcm_seal_with(impl, &g, pt, got, tlen, msg, mlen, aad, alen, iv, ivlen), 0);
        assert_memory_equal(pt, ct, clen);
        assert_memory_equal(got, tag, tlen);
    } else {
        assert_true(r == AVILA_EAUTH || (r == AVILA_EINVAL && ivlen == 0));
        for (size_t i = 0; i < clen; i++)
            assert_int_equal(pt[i], 0xee);
    }
    avila_gcm_wipe(&g);
    free(key);
    free(iv);
    free(aad);
    free(msg);
    free(ct);
    free(tag);
    free(pt);
    return r == 0;
}

static void test_wycheproof(void **state)
{
    (void)state;
    const char *file = "wycheproof/aes_gcm_test.txt";
    struct tv_file tv;
    uint64_t count = 0, valid = 0, invalid = 0, acceptable = 0;
    tv_open(&tv, file);
    while (tv_next(&tv)) {
        enum wp_result want = wp_result(&tv);
        for (size_t i = 0; avila_gcm_impls[i]; i++) {
            if (!impl_usable(avila_gcm_impls[i]))
                continue;
            int accepted = wycheproof_one(avila_gcm_impls[i], &tv);
            if (want != WP_ACCEPTABLE && accepted != (want == WP_VALID))
                fail_msg("wycheproof tcId %s (%s): %s by %s", tv_str(&tv, "tcId"),
                         tv_str(&tv, "flags"), accepted ? "accepted" : "rejected",
                         avila_gcm_impls[i]->name);
        }
        count++;
        valid += want == WP_VALID;
        invalid += want == WP_INVALID;
        acceptable += want == WP_ACCEPTABLE;
    }
    tv_close(&tv);
    assert_int_equal(count, wp_number_of_tests(file));
    assert_int_equal(acceptable, 0);
    print_message("wycheproof aes-gcm: %llu tests (valid %llu, invalid %llu, acceptable %llu)\n",
                  (unsigned long long)count, (unsigned long long)valid, (unsigned long long)invalid,
                  (unsigned long long)acceptable);
}

static void test_argument_errors(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, iv[12] = {0}, buf[32] = {0}, out[32], tag[16];
    struct avila_gcm g;
    assert_int_equal(avila_gcm_init(&g, key, 15), AVILA_EINVAL);
    assert_int_equal(avila_gcm_init(&g, NULL, 16), AVILA_EINVAL);
    assert_int_equal(avila_gcm_init(NULL, key, 16), AVILA_EINVAL);
    assert_int_equal(avila_gcm_init(&g, key, 16), 0);
    memset(out, 0x11, sizeof out);
    memset(tag, 0x22, sizeof tag);
    static const size_t bad_tags[] = {0, 4, 8, 11, 17, 32};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_tags); i++) {
        assert_int_equal(avila_gcm_seal(&g, out, tag, bad_tags[i], buf, 32, NULL, 0, iv, 12),
                         AVILA_EINVAL);
        assert_int_equal(avila_gcm_open(&g, out, buf, 32, tag, bad_tags[i], NULL, 0, iv, 12),
                         AVILA_EINVAL);
    }
    assert_int_equal(avila_gcm_seal(&g, out, tag, 16, buf, 32, NULL, 0, iv, 0), AVILA_EINVAL);
    assert_int_equal(avila_gcm_seal(&g, out, tag, 16, buf, 32, NULL, 0, NULL, 12), AVILA_EINVAL);
    assert_int_equal(avila_gcm_seal(&g, out, tag, 16, NULL, 32, NULL, 0, iv, 12), AVILA_EINVAL);
    assert_int_equal(avila_gcm_seal(&g, NULL, tag, 16, buf, 32, NULL, 0, iv, 12), AVILA_EINVAL);
    assert_int_equal(avila_gcm_seal(&g, out, NULL, 16, buf, 32, NULL, 0, iv, 12), AVILA_EINVAL);
    assert_int_equal(avila_gcm_seal(&g, out, tag, 16, buf, 32, NULL, 5, iv, 12), AVILA_EINVAL);
    assert_int_equal(avila_gcm_seal(NULL, out, tag, 16, buf, 32, NULL, 0, iv, 12), AVILA_EINVAL);
    assert_int_equal(avila_gcm_open(&g, out, buf, 32, tag, 16, NULL, 0, iv, 0), AVILA_EINVAL);
    /* Limits are checked before any byte is read, so huge lengths are safe to pass here. */
    if (SIZE_MAX > AVILA_GCM_MAX_TEXT) {
        size_t too_long = (size_t)AVILA_GCM_MAX_TEXT + 1;
        assert_int_equal(avila_gcm_seal(&g, out, tag, 16, buf, too_long, NULL, 0, iv, 12),
                         AVILA_ELIMIT);
        assert_int_equal(avila_gcm_open(&g, out, buf, too_long, tag, 16, NULL, 0, iv, 12),
                         AVILA_ELIMIT);
        assert_int_equal(avila_gcm_seal(&g, out, tag, 16, buf, 32, buf, SIZE_MAX, iv, 12),
                         AVILA_ELIMIT);
        assert_int_equal(avila_gcm_seal(&g, out, tag, 16, buf, 32, NULL, 0, iv, SIZE_MAX),
                         AVILA_ELIMIT);
    }
    for (size_t i = 0; i < sizeof out; i++) /* no partial output on any error */
        assert_int_equal(out[i], 0x11);
    for (size_t i = 0; i < sizeof tag; i++)
        assert_int_equal(tag[i], 0x22);
    /* the longest legal text passes the check (only the limit is tested, not the data) */
    assert_int_equal(avila_gcm_seal(&g, out, tag, 16, buf, 0, NULL, 0, iv, 12), 0);
    assert_int_equal(avila_gcm_open(&g, NULL, NULL, 0, tag, 16, NULL, 0, iv, 12), 0);
    avila_gcm_wipe(&g);
    for (size_t i = 0; i < sizeof g; i++)
        assert_int_equal(((const uint8_t *)&g)[i], 0);
    avila_gcm_wipe(NULL);
}

/* Every implementation against the portable one on random inputs, then each opens its own. */
static void test_differential(void **state)
{
    (void)state;
    uint64_t rng = 0x6c3;
    enum { MAXN = 70000 };
    uint8_t *pt = malloc(MAXN + 16), *want = malloc(MAXN + 16), *got = malloc(MAXN + 16);
    assert_non_null(pt);
    assert_non_null(want);
    assert_non_null(got);
    for (int iter = 0; iter < 340; iter++) {
        uint8_t key[32], iv[48], aad[300], tag0[16], tag1[16];
        size_t klen = 16 + 8 * (size_t)(iter % 3);
        size_t n = iter <= 300 ? (size_t)iter : (size_t)(unit_rand(&rng) % MAXN);
        size_t aad_len = (size_t)(unit_rand(&rng) % 300);
        size_t iv_len = iter % 4 ? 12 : 1 + (size_t)(unit_rand(&rng) % sizeof iv);
        size_t off = (size_t)(unit_rand(&rng) % 16), off2 = (size_t)(unit_rand(&rng) % 16);
        unit_rand_fill(&rng, key, sizeof key);
        unit_rand_fill(&rng, iv, sizeof iv);
        unit_rand_fill(&rng, aad, sizeof aad);
        unit_rand_fill(&rng, pt + off, n);
        struct avila_gcm g;
        assert_int_equal(avila_gcm_init(&g, key, klen), 0);
        assert_int_equal(avila_gcm_seal_with(&avila_gcm_portable, &g, want, tag0, 16, pt + off, n,
                                             aad, aad_len, iv, iv_len),
                         0);
        for (size_t i = 0; avila_gcm_impls[i]; i++) {
            const struct avila_gcm_impl *impl = avila_gcm_impls[i];
            if (!impl_usable(impl))
                continue;
            assert_int_equal(avila_gcm_seal_with(impl, &g, got + off2, tag1, 16, pt + off, n, aad,
                                                 aad_len, iv, iv_len),
                             0);
            assert_memory_equal(got + off2, want, n);
            assert_memory_equal(tag1, tag0, 16);
            /* open in place */
            assert_int_equal(avila_gcm_open_with(impl, &g, got + off2, got + off2, n, tag1, 16, aad,
                                                 aad_len, iv, iv_len),
                             0);
            assert_memory_equal(got + off2, pt + off, n);
            /* seal in place */
            assert_int_equal(avila_gcm_seal_with(impl, &g, got + off2, tag1, 16, got + off2, n, aad,
                                                 aad_len, iv, iv_len),
                             0);
            assert_memory_equal(got + off2, want, n);
        }
        avila_gcm_wipe(&g);
    }
    free(pt);
    free(want);
    free(got);
}

/* The key tables and GHASH itself agree across implementations. */
static void test_ghash_agree(void **state)
{
    (void)state;
    uint64_t rng = 0x9a5;
    uint8_t key[32], data[48 * 16];
    for (int iter = 0; iter < 60; iter++) {
        unit_rand_fill(&rng, key, sizeof key);
        unit_rand_fill(&rng, data, sizeof data);
        struct avila_gcm g, gp;
        assert_int_equal(avila_gcm_init(&g, key, 32), 0);
        avila_cpu_restrict(0);
        assert_int_equal(avila_gcm_init(&gp, key, 32), 0);
        avila_cpu_restrict(AVILA_CPU_ALL);
        assert_memory_equal(&g, &gp, sizeof g);
        size_t nb = (size_t)iter % 48;
        uint64_t y0[2] = {unit_rand(&rng), unit_rand(&rng)}, yp[2], yi[2];
        memcpy(yp, y0, sizeof yp);
        avila_gcm_portable.ghash(&g, yp, data, nb);
        for (size_t i = 0; avila_gcm_impls[i]; i++) {
            if (!impl_usable(avila_gcm_impls[i]))
                continue;
            memcpy(yi, y0, sizeof yi);
            avila_gcm_impls[i]->ghash(&g, yi, data, nb);
            assert_memory_equal(yi, yp, sizeof yi);
            uint64_t r1[2], r2[2];
            avila_gcm_portable.mul(r1, y0, g.hpow[3]);
            avila_gcm_impls[i]->mul(r2, y0, g.hpow[3]);
            assert_memory_equal(r1, r2, sizeof r1);
        }
        avila_gcm_wipe(&g);
        avila_gcm_wipe(&gp);
    }
}

/*
 * The CTR+GHASH loop of every implementation against the portable one with
 * counters about to wrap (inc32 turns 0xffffffff into 0, bytes 0-11 stay):
 * a GCM message reaches such counters only through a non-96-bit IV.
 */
static void test_seal_blocks_wrap(void **state)
{
    (void)state;
    static const size_t counts[] = {1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100};
    uint64_t rng = 0x77a;
    uint8_t key[32], in[100 * 16], want[100 * 16], got[100 * 16], c0[16], c1[16], c2[16];
    unit_rand_fill(&rng, key, sizeof key);
    unit_rand_fill(&rng, in, sizeof in);
    struct avila_gcm g;
    assert_int_equal(avila_gcm_init(&g, key, sizeof key), 0);
    for (size_t t = 0; t < AVILA_ARRAY_LEN(counts); t++) {
        size_t nb = counts[t];
        unit_rand_fill(&rng, c0, sizeof c0);
        c0[12] = c0[13] = c0[14] = 0xff;
        c0[15] = (uint8_t)(0xff - t); /* wrap after 1 to 11 blocks */
        uint64_t y0[2] = {unit_rand(&rng), unit_rand(&rng)}, yp[2], yi[2];
        memcpy(c1, c0, 16);
        memcpy(yp, y0, sizeof yp);
        avila_gcm_portable.seal_blocks(&g, yp, want, in, nb, c1);
        for (size_t i = 0; avila_gcm_impls[i]; i++) {
            if (!impl_usable(avila_gcm_impls[i]))
                continue;
            memcpy(c2, c0, 16);
            memcpy(yi, y0, sizeof yi);
            avila_gcm_impls[i]->seal_blocks(&g, yi, got, in, nb, c2);
            assert_memory_equal(got, want, 16 * nb);
            assert_memory_equal(yi, yp, sizeof yi);
            assert_memory_equal(c2, c1, 16);
        }
        assert_memory_equal(c1, c0, 12);
    }
    avila_gcm_wipe(&g);
}

/* Any single-bit change of ciphertext, AAD, IV or tag is caught. */
static void test_tamper(void **state)
{
    (void)state;
    uint8_t key[16] = {3}, iv[12] = {4}, aad[21], pt[37], ct[37], tag[16], out[37];
    memset(aad, 0xa1, sizeof aad);
    memset(pt, 0x70, sizeof pt);
    struct avila_gcm g;
    assert_int_equal(avila_gcm_init(&g, key, sizeof key), 0);
    for (size_t i = 0; avila_gcm_impls[i]; i++) {
        const struct avila_gcm_impl *impl = avila_gcm_impls[i];
        if (!impl_usable(impl))
            continue;
        assert_int_equal(avila_gcm_seal_with(impl, &g, ct, tag, 16, pt, sizeof pt, aad, sizeof aad,
                                             iv, sizeof iv),
                         0);
        uint8_t *parts[] = {ct, aad, iv, tag};
        size_t lens[] = {sizeof ct, sizeof aad, sizeof iv, sizeof tag};
        for (size_t p = 0; p < 4; p++) {
            for (size_t bit = 0; bit < 8 * lens[p]; bit++) {
                parts[p][bit / 8] ^= (uint8_t)(1u << (bit % 8));
                assert_int_equal(avila_gcm_open_with(impl, &g, out, ct, sizeof ct, tag, 16, aad,
                                                     sizeof aad, iv, sizeof iv),
                                 AVILA_EAUTH);
                parts[p][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
        }
        /* a shorter AAD or ciphertext is a different message */
        assert_int_equal(avila_gcm_open_with(impl, &g, out, ct, sizeof ct - 1, tag, 16, aad,
                                             sizeof aad, iv, sizeof iv),
                         AVILA_EAUTH);
        assert_int_equal(avila_gcm_open_with(impl, &g, out, ct, sizeof ct, tag, 16, aad,
                                             sizeof aad - 1, iv, sizeof iv),
                         AVILA_EAUTH);
    }
    avila_gcm_wipe(&g);
}

/* Inputs that end at an inaccessible page: nothing is read past the given lengths. */
static void test_guard_page(void **state)
{
    (void)state;
    uint8_t key[24] = {9}, tag[16], out[300];
    struct avila_gcm g;
    assert_int_equal(avila_gcm_init(&g, key, sizeof key), 0);
    for (size_t n = 1; n <= 300; n += (n < 70 ? 1 : 23)) {
        uint8_t *pt = unit_guarded_alloc(n), *aad = unit_guarded_alloc(n);
        uint8_t *iv = unit_guarded_alloc(n), *tg = unit_guarded_alloc(16);
        memset(pt, 1, n);
        memset(aad, 2, n);
        memset(iv, 3, n);
        for (size_t i = 0; avila_gcm_impls[i]; i++) {
            const struct avila_gcm_impl *impl = avila_gcm_impls[i];
            if (!impl_usable(impl))
                continue;
            assert_int_equal(avila_gcm_seal_with(impl, &g, out, tag, 16, pt, n, aad, n, iv, n), 0);
            memcpy(tg, tag, 16);
            assert_int_equal(avila_gcm_open_with(impl, &g, pt, out, n, tg, 16, aad, n, iv, n), 0);
            assert_int_equal(avila_gcm_seal_with(impl, &g, pt, tg, 16, pt, n, aad, n, iv, n), 0);
        }
        unit_guarded_free(pt, n);
        unit_guarded_free(aad, n);
        unit_guarded_free(iv, n);
        unit_guarded_free(tg, 16);
    }
    avila_gcm_wipe(&g);
}

static void test_dispatch(void **state)
{
    (void)state;
    const char *best = avila_gcm_impl();
    assert_non_null(best);
    avila_cpu_restrict(0);
    assert_string_equal(avila_gcm_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
    assert_string_equal(avila_gcm_impl(), best);
    print_message("gcm: dispatched implementation %s\n", best);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mcgrew_viega),    cmocka_unit_test(test_wycheproof),
        cmocka_unit_test(test_argument_errors), cmocka_unit_test(test_differential),
        cmocka_unit_test(test_ghash_agree),     cmocka_unit_test(test_seal_blocks_wrap),
        cmocka_unit_test(test_tamper),          cmocka_unit_test(test_guard_page),
        cmocka_unit_test(test_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
