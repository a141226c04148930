/*
 * tests/crypto/test_pbkdf2.c - PBKDF2 (RFC 8018 section 5.2): the RFC 7914
 * section 11 PBKDF2-HMAC-SHA256 vectors, the published SHA-256/SHA-512
 * outputs on the RFC 6070 inputs, every digest descriptor against python3's
 * hashlib.pbkdf2_hmac, the parameter limits, the prefix property, aliasing
 * and guard pages.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "crypto/kdf.h"

/* Every descriptor HMAC accepts, with the name hashlib.pbkdf2_hmac knows it by. */
static const struct {
    const struct avila_digest *d;
    const char *python;
} all[] = {
    {&avila_digest_sha224, "sha224"},         {&avila_digest_sha256, "sha256"},
    {&avila_digest_sha384, "sha384"},         {&avila_digest_sha512, "sha512"},
    {&avila_digest_sha512_256, "sha512_256"}, {&avila_digest_sha3_224, "sha3_224"},
    {&avila_digest_sha3_256, "sha3_256"},     {&avila_digest_sha3_384, "sha3_384"},
    {&avila_digest_sha3_512, "sha3_512"},     {&avila_digest_blake2b512, "blake2b512"},
    {&avila_digest_blake2s256, "blake2s256"},
};

static const struct avila_digest *by_name(const char *name)
{
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++)
        if (strcmp(all[i].d->name, name) == 0)
            return all[i].d;
    fail_msg("unknown hash %s", name);
    return NULL;
}

static void vector_file(const char *relpath, int expect)
{
    struct tv_file tv;
    tv_open(&tv, relpath);
    int n = 0;
    while (tv_next(&tv)) {
        const struct avila_digest *d = by_name(tv_str(&tv, "hash"));
        size_t pw_len, salt_len, out_len;
        uint8_t *pw = tv_hex(&tv, "pw", &pw_len), *salt = tv_hex(&tv, "salt", &salt_len);
        uint8_t *want = tv_hex(&tv, "out", &out_len);
        uint8_t *got = malloc(out_len);
        assert_non_null(got);
        assert_int_equal(
            avila_pbkdf2(d, got, out_len, pw, pw_len, salt, salt_len, (uint32_t)tv_u64(&tv, "c")),
            0);
        assert_memory_equal(got, want, out_len);
        free(got);
        free(pw);
        free(salt);
        free(want);
        n++;
    }
    tv_close(&tv);
    assert_int_equal(n, expect);
}

static void rfc7914_vectors(void **state)
{
    (void)state;
    vector_file("pbkdf2/rfc7914.txt", 2);
}

static void rfc6070_inputs_sha2_outputs(void **state)
{
    (void)state;
    vector_file("pbkdf2/rfc6070_sha2.txt", 10);
}

/* ------------------------------------------------------------ python3 as a peer */

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
    if (n == 0)
        fputc('-', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/*
 * hashlib.pbkdf2_hmac (OpenSSL's PKCS5_PBKDF2_HMAC) for every descriptor on
 * random lengths, iteration counts and multi-block outputs, in one python3
 * process; skips when python3 is absent.
 */
static void every_descriptor_agrees_with_python(void **state)
{
    (void)state;
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    if (system("python3 -c 'import hashlib; hashlib.pbkdf2_hmac' >/dev/null 2>&1") != 0)
        skip();
    enum { PER = 4, CASES = AVILA_ARRAY_LEN(all) * PER };
    static struct {
        uint8_t pw[160], salt[160];
        size_t pw_len, salt_len, out_len;
        uint32_t c;
    } c[CASES];
    uint64_t rng = 8018;
    char path[] = "/tmp/avila-test-pbkdf2-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *in = fdopen(fd, "w");
    assert_non_null(in);
    for (size_t i = 0; i < CASES; i++) {
        c[i].pw_len = (size_t)(unit_rand(&rng) % sizeof c[i].pw);
        c[i].salt_len = (size_t)(unit_rand(&rng) % sizeof c[i].salt);
        c[i].out_len = 1 + (size_t)(unit_rand(&rng) % 200);
        c[i].c = 1 + (uint32_t)(unit_rand(&rng) % 300);
        unit_rand_fill(&rng, c[i].pw, c[i].pw_len);
        unit_rand_fill(&rng, c[i].salt, c[i].salt_len);
        fprintf(in, "%s ", all[i / PER].python);
        put_hex(in, c[i].pw, c[i].pw_len);
        fputc(' ', in);
        put_hex(in, c[i].salt, c[i].salt_len);
        fprintf(in, " %u %zu\n", c[i].c, c[i].out_len);
    }
    assert_int_equal(fclose(in), 0);
    char cmd[400];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys, hashlib\nfor line in open(sys.argv[1]):\n"
             "    h, pw, salt, c, l = line.split()\n"
             "    print(hashlib.pbkdf2_hmac(h, bytes.fromhex(pw.strip(\"-\")), "
             "bytes.fromhex(salt.strip(\"-\")), int(c), int(l)).hex())' %s",
             path);
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    for (size_t i = 0; i < CASES; i++) {
        char line[512] = "";
        uint8_t want[200], got[200];
        assert_non_null(fgets(line, sizeof line, f));
        assert_int_equal(unit_unhex(strtok(line, "\n"), want, sizeof want), c[i].out_len);
        assert_int_equal(avila_pbkdf2(all[i / PER].d, got, c[i].out_len, c[i].pw, c[i].pw_len,
                                      c[i].salt, c[i].salt_len, c[i].c),
                         0);
        assert_memory_equal(got, want, c[i].out_len);
    }
    assert_int_equal(pclose(f), 0);
    unlink(path);
}

/* ------------------------------------------------------------ limits and properties */

static void parameter_limits(void **state)
{
    (void)state;
    const struct avila_digest *d = &avila_digest_sha256;
    uint8_t out[40];
    memset(out, 0x42, sizeof out);
    assert_int_equal(avila_pbkdf2(d, out, 32, "pw", 2, "salt", 4, 0), AVILA_EINVAL);
    assert_int_equal(avila_pbkdf2(d, out, 0, "pw", 2, "salt", 4, 1), AVILA_EINVAL);
    assert_int_equal(avila_pbkdf2(&avila_digest_blake3, out, 32, "pw", 2, "salt", 4, 1),
                     AVILA_EINVAL);
#if SIZE_MAX > UINT32_MAX
    /* More than 2^32 - 1 blocks: refused before anything is written. */
    assert_int_equal(avila_pbkdf2(d, out, (size_t)UINT32_MAX * 32 + 1, "pw", 2, "salt", 4, 1),
                     AVILA_EINVAL);
#endif
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 0x42);
    /* Empty password and salt are allowed. */
    assert_int_equal(avila_pbkdf2(d, out, 1, NULL, 0, NULL, 0, 1), 0);
}

/* A shorter output is a prefix of a longer one; more iterations change it. */
static void prefix_property(void **state)
{
    (void)state;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++) {
        const struct avila_digest *d = all[i].d;
        uint8_t longer[300], shorter[300];
        assert_int_equal(avila_pbkdf2(d, longer, 300, "pw", 2, "salt", 4, 3), 0);
        for (size_t len = 1; len < 300; len += 41) {
            assert_int_equal(avila_pbkdf2(d, shorter, len, "pw", 2, "salt", 4, 3), 0);
            assert_memory_equal(shorter, longer, len);
        }
        assert_int_equal(avila_pbkdf2(d, shorter, 300, "pw", 2, "salt", 4, 4), 0);
        assert_memory_not_equal(shorter, longer, d->digest_len);
    }
}

/* The password is absorbed first, so the output may overwrite it. */
static void output_may_alias_password(void **state)
{
    (void)state;
    uint8_t buf[70], want[70];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i + 9);
    assert_int_equal(avila_pbkdf2(&avila_digest_sha512, want, 70, buf, 70, "salt", 4, 5), 0);
    assert_int_equal(avila_pbkdf2(&avila_digest_sha512, buf, 70, buf, 70, "salt", 4, 5), 0);
    assert_memory_equal(buf, want, 70);
}

static void reads_no_byte_past_the_inputs(void **state)
{
    (void)state;
    for (size_t n = 0; n < 200; n += 33) {
        uint8_t *pw = unit_guarded_alloc(n), *salt = unit_guarded_alloc(n);
        uint8_t *out = unit_guarded_alloc(n + 1);
        memset(pw, 'p', n);
        memset(salt, 's', n);
        assert_int_equal(avila_pbkdf2(&avila_digest_sha256, out, n + 1, pw, n, salt, n, 2), 0);
        assert_int_equal(avila_pbkdf2(&avila_digest_sha3_512, out, n + 1, pw, n, salt, n, 2), 0);
        unit_guarded_free(pw, n);
        unit_guarded_free(salt, n);
        unit_guarded_free(out, n + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7914_vectors),
        cmocka_unit_test(rfc6070_inputs_sha2_outputs),
        cmocka_unit_test(every_descriptor_agrees_with_python),
        cmocka_unit_test(parameter_limits),
        cmocka_unit_test(prefix_property),
        cmocka_unit_test(output_may_alias_password),
        cmocka_unit_test(reads_no_byte_past_the_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
