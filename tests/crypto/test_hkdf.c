/*
 * tests/crypto/test_hkdf.c - HKDF (RFC 5869): the appendix A SHA-256 cases
 * (PRK and OKM), every Wycheproof HKDF-SHA-256/384/512 case, every digest
 * descriptor against `openssl kdf HKDF`, the length limits, the prefix
 * property, aliasing and guard pages.
 *
 * Wycheproof policy: "valid" cases MUST give the OKM; "invalid" ones (all
 * SizeTooLarge: more than 255 * HashLen bytes) MUST be refused with
 * AVILA_EINVAL and leave okm untouched. No case is "acceptable".
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/kdf.h"

/* Every descriptor HMAC accepts, with OpenSSL's name for it. */
static const struct {
    const struct avila_digest *d;
    const char *openssl;
} all[] = {
    {&avila_digest_sha224, "SHA224"},          {&avila_digest_sha256, "SHA256"},
    {&avila_digest_sha384, "SHA384"},          {&avila_digest_sha512, "SHA512"},
    {&avila_digest_sha512_256, "SHA512-256"},  {&avila_digest_sha3_224, "SHA3-224"},
    {&avila_digest_sha3_256, "SHA3-256"},      {&avila_digest_sha3_384, "SHA3-384"},
    {&avila_digest_sha3_512, "SHA3-512"},      {&avila_digest_blake2b512, "BLAKE2B-512"},
    {&avila_digest_blake2s256, "BLAKE2S-256"},
};

static void rfc5869_vectors(void **state)
{
    (void)state;
    const struct avila_digest *d = &avila_digest_sha256;
    struct tv_file tv;
    tv_open(&tv, "hkdf/rfc5869.txt");
    int cases = 0;
    while (tv_next(&tv)) {
        size_t ikm_len, salt_len, info_len, prk_len, okm_len;
        uint8_t *ikm = tv_hex(&tv, "ikm", &ikm_len), *salt = tv_hex(&tv, "salt", &salt_len);
        uint8_t *info = tv_hex(&tv, "info", &info_len), *prk = tv_hex(&tv, "prk", &prk_len);
        uint8_t *okm = tv_hex(&tv, "okm", &okm_len), got_prk[32], got[100];
        assert_int_equal(okm_len, tv_u64(&tv, "l"));
        assert_int_equal(avila_hkdf_extract(d, got_prk, salt, salt_len, ikm, ikm_len), 0);
        assert_memory_equal(got_prk, prk, prk_len);
        assert_int_equal(avila_hkdf_expand(d, got, okm_len, prk, prk_len, info, info_len), 0);
        assert_memory_equal(got, okm, okm_len);
        memset(got, 0, sizeof got);
        assert_int_equal(avila_hkdf(d, got, okm_len, salt, salt_len, ikm, ikm_len, info, info_len),
                         0);
        assert_memory_equal(got, okm, okm_len);
        free(ikm);
        free(salt);
        free(info);
        free(prk);
        free(okm);
        cases++;
    }
    tv_close(&tv);
    assert_int_equal(cases, 3);
}

static void wycheproof_file(const char *relpath, const struct avila_digest *d)
{
    struct tv_file tv;
    tv_open(&tv, relpath);
    int n = 0, counts[3] = {0};
    uint8_t *got = malloc((size_t)256 * 64);
    assert_non_null(got);
    while (tv_next(&tv)) {
        size_t ikm_len, salt_len, info_len, okm_len;
        uint8_t *ikm = tv_hex(&tv, "ikm", &ikm_len), *salt = tv_hex(&tv, "salt", &salt_len);
        uint8_t *info = tv_hex(&tv, "info", &info_len), *okm = tv_hex(&tv, "okm", &okm_len);
        size_t size = (size_t)tv_u64(&tv, "size");
        enum wp_result want = wp_result(&tv);
        assert_true(size <= (size_t)256 * 64);
        memset(got, 0x3c, size);
        int err = avila_hkdf(d, got, size, salt, salt_len, ikm, ikm_len, info, info_len);
        if (want == WP_INVALID) {
            assert_true(wp_has_flag(&tv, "SizeTooLarge"));
            assert_int_equal(err, AVILA_EINVAL);
            for (size_t i = 0; i < size; i++)
                assert_int_equal(got[i], 0x3c);
        } else {
            if (err != 0)
                fail_msg("%s tcId %llu: refused (%d)", relpath,
                         (unsigned long long)tv_u64(&tv, "tcId"), err);
            assert_int_equal(okm_len, size);
            assert_memory_equal(got, okm, size);
        }
        counts[want]++;
        n++;
        free(ikm);
        free(salt);
        free(info);
        free(okm);
    }
    free(got);
    tv_close(&tv);
    assert_int_equal((uint64_t)n, wp_number_of_tests(relpath));
    print_message("wycheproof hkdf %s: %d tests (valid %d, invalid %d, acceptable %d)\n", d->name,
                  n, counts[WP_VALID], counts[WP_INVALID], counts[WP_ACCEPTABLE]);
}

static void wycheproof_hkdf(void **state)
{
    (void)state;
    wycheproof_file("wycheproof/hkdf_sha256_test.txt", &avila_digest_sha256);
    wycheproof_file("wycheproof/hkdf_sha384_test.txt", &avila_digest_sha384);
    wycheproof_file("wycheproof/hkdf_sha512_test.txt", &avila_digest_sha512);
}

/* ------------------------------------------------------------ openssl as a peer */

static void hex(char *dst, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(dst + 2 * i, "%02x", p[i]);
    dst[2 * n] = '\0';
}

/* Reads OpenSSL's "AB:CD:..." output into out; returns the byte count. */
static size_t read_colon_hex(FILE *f, uint8_t *out, size_t cap)
{
    char line[2048] = "", packed[1400];
    size_t k = 0;
    assert_non_null(fgets(line, sizeof line, f));
    for (const char *s = line; *s && *s != '\n' && k + 1 < sizeof packed; s++)
        if (*s != ':')
            packed[k++] = *s;
    packed[k] = '\0';
    return unit_unhex(packed, out, cap);
}

static void every_descriptor_agrees_with_openssl(void **state)
{
    (void)state;
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    if (system("openssl kdf -keylen 4 -kdfopt digest:SHA256 -kdfopt hexkey:00 HKDF "
               ">/dev/null 2>&1") != 0)
        skip();
    uint64_t rng = 5869;
    uint8_t ikm[80], salt[150], info[60], got[600], want[600];
    char cmd[1024], hi[161], hs[301], hn[121];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++) {
        const struct avila_digest *d = all[i].d;
        for (int iter = 0; iter < 3; iter++) {
            /* OpenSSL refuses an empty key, so ikm has at least one byte. */
            size_t ikm_len = 1 + (size_t)(unit_rand(&rng) % sizeof ikm);
            size_t salt_len = iter == 0 ? 0 : (size_t)(unit_rand(&rng) % sizeof salt);
            size_t info_len = (size_t)(unit_rand(&rng) % sizeof info);
            size_t len = 1 + (size_t)(unit_rand(&rng) % 300);
            if (iter == 2)
                len = 600 < 255 * d->digest_len ? 600 : 255 * d->digest_len;
            unit_rand_fill(&rng, ikm, ikm_len);
            unit_rand_fill(&rng, salt, salt_len);
            unit_rand_fill(&rng, info, info_len);
            hex(hi, ikm, ikm_len);
            hex(hs, salt, salt_len);
            hex(hn, info, info_len);
            snprintf(cmd, sizeof cmd,
                     "openssl kdf -keylen %zu -kdfopt digest:%s -kdfopt hexkey:%s "
                     "-kdfopt hexsalt:%s -kdfopt hexinfo:%s HKDF",
                     len, all[i].openssl, hi, hs, hn);
            /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
            FILE *f = popen(cmd, "r");
            assert_non_null(f);
            assert_int_equal(read_colon_hex(f, want, sizeof want), len);
            assert_int_equal(pclose(f), 0);
            assert_int_equal(avila_hkdf(d, got, len, salt, salt_len, ikm, ikm_len, info, info_len),
                             0);
            assert_memory_equal(got, want, len);
        }
    }
}

/* ------------------------------------------------------------ limits and properties */

static void length_limits(void **state)
{
    (void)state;
    const struct avila_digest *d = &avila_digest_sha256;
    uint8_t prk[32] = {1}, *okm = malloc(255 * 32 + 1);
    assert_non_null(okm);
    memset(okm, 0x11, 255 * 32 + 1);
    assert_int_equal(avila_hkdf_expand(d, okm, 255 * 32 + 1, prk, 32, "i", 1), AVILA_EINVAL);
    assert_int_equal(avila_hkdf_expand(d, okm, SIZE_MAX, prk, 32, "i", 1), AVILA_EINVAL);
    assert_int_equal(avila_hkdf(d, okm, 255 * 32 + 1, "s", 1, "k", 1, "i", 1), AVILA_EINVAL);
    /* The RFC's PRK is at least HashLen bytes. */
    assert_int_equal(avila_hkdf_expand(d, okm, 32, prk, 31, "i", 1), AVILA_EINVAL);
    assert_int_equal(okm[0], 0x11);
    assert_int_equal(avila_hkdf_expand(d, okm, (size_t)255 * 32, prk, 32, "i", 1), 0);
    assert_int_equal(okm[(size_t)255 * 32], 0x11);
    /* Zero bytes asked for: nothing written, success. */
    memset(okm, 0x11, 8);
    assert_int_equal(avila_hkdf_expand(d, okm, 0, prk, 32, NULL, 0), 0);
    assert_int_equal(okm[0], 0x11);
    /* Descriptors HMAC refuses. */
    assert_int_equal(avila_hkdf(&avila_digest_blake3, okm, 32, "s", 1, "k", 1, "i", 1),
                     AVILA_EINVAL);
    assert_int_equal(avila_hkdf_extract(&avila_digest_blake3, okm, "s", 1, "k", 1), AVILA_EINVAL);
    assert_int_equal(avila_hkdf_expand(&avila_digest_blake3, okm, 32, prk, 32, NULL, 0),
                     AVILA_EINVAL);
    assert_int_equal(okm[0], 0x11);
    free(okm);
}

/* A shorter output is a prefix of a longer one; the empty salt is HashLen zeros. */
static void prefix_and_empty_salt(void **state)
{
    (void)state;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++) {
        const struct avila_digest *d = all[i].d;
        uint8_t longer[300], shorter[300], zeros[64] = {0}, a[64], b[64];
        assert_int_equal(avila_hkdf(d, longer, 300, "salt", 4, "ikm", 3, "info", 4), 0);
        for (size_t len = 1; len < 300; len += 37) {
            assert_int_equal(avila_hkdf(d, shorter, len, "salt", 4, "ikm", 3, "info", 4), 0);
            assert_memory_equal(shorter, longer, len);
        }
        assert_int_equal(avila_hkdf_extract(d, a, NULL, 0, "ikm", 3), 0);
        assert_int_equal(avila_hkdf_extract(d, b, zeros, d->digest_len, "ikm", 3), 0);
        assert_memory_equal(a, b, d->digest_len);
    }
}

/* Expanding a PRK in place, and the one-shot writing over its salt and ikm. */
static void output_may_alias_keys(void **state)
{
    (void)state;
    const struct avila_digest *d = &avila_digest_sha384;
    uint8_t buf[100], want[100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(avila_hkdf_expand(d, want, 100, buf, 48, "ctx", 3), 0);
    assert_int_equal(avila_hkdf_expand(d, buf, 100, buf, 48, "ctx", 3), 0);
    assert_memory_equal(buf, want, 100);
    assert_int_equal(avila_hkdf(d, want, 100, buf, 50, buf + 50, 50, "ctx", 3), 0);
    assert_int_equal(avila_hkdf(d, buf, 100, buf, 50, buf + 50, 50, "ctx", 3), 0);
    assert_memory_equal(buf, want, 100);
}

static void reads_no_byte_past_the_inputs(void **state)
{
    (void)state;
    for (size_t n = 0; n < 150; n += 29) {
        uint8_t *ikm = unit_guarded_alloc(n), *salt = unit_guarded_alloc(n);
        uint8_t *info = unit_guarded_alloc(n), *prk = unit_guarded_alloc(64);
        uint8_t *okm = unit_guarded_alloc(n + 1);
        memset(ikm, 1, n);
        memset(salt, 2, n);
        memset(info, 3, n);
        assert_int_equal(avila_hkdf_extract(&avila_digest_sha512, prk, salt, n, ikm, n), 0);
        assert_int_equal(avila_hkdf_expand(&avila_digest_sha512, okm, n + 1, prk, 64, info, n), 0);
        assert_int_equal(avila_hkdf(&avila_digest_sha3_256, okm, n + 1, salt, n, ikm, n, info, n),
                         0);
        unit_guarded_free(ikm, n);
        unit_guarded_free(salt, n);
        unit_guarded_free(info, n);
        unit_guarded_free(prk, 64);
        unit_guarded_free(okm, n + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc5869_vectors),
        cmocka_unit_test(wycheproof_hkdf),
        cmocka_unit_test(every_descriptor_agrees_with_openssl),
        cmocka_unit_test(length_limits),
        cmocka_unit_test(prefix_and_empty_salt),
        cmocka_unit_test(output_may_alias_keys),
        cmocka_unit_test(reads_no_byte_past_the_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
