/*
 * tests/crypto/test_bcrypt_pbkdf.c - Blowfish (the known answers of
 * Schneier's vectors.txt, ECB and every key length of the set_key series)
 * and OpenBSD's bcrypt_pbkdf (the 12 cases of pyca/bcrypt's test suite,
 * which include OpenBSD's regress vectors), the parameter limits, the
 * output layout (interleaving, one-block prefix), aliasing, guard pages,
 * and python3's bcrypt.kdf as a peer when that module is installed.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/endian.h"
#include "core/error.h"
#include "crypto/bcrypt_pbkdf.h"
#include "crypto/blowfish_int.h"

/* ------------------------------------------------------------ Blowfish */

static void blowfish_known_answers(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "bcrypt_pbkdf/blowfish.txt");
    int n = 0;
    while (tv_next(&tv)) {
        size_t key_len, plain_len, cipher_len;
        uint8_t *key = tv_hex(&tv, "key", &key_len), *plain = tv_hex(&tv, "plain", &plain_len);
        uint8_t *cipher = tv_hex(&tv, "cipher", &cipher_len);
        assert_int_equal(plain_len, 8);
        assert_int_equal(cipher_len, 8);
        struct avila_blowfish *bf = malloc(sizeof *bf);
        assert_non_null(bf);
        avila_blowfish_setkey(bf, key, key_len);
        uint32_t l = avila_load_be32(plain), r = avila_load_be32(plain + 4);
        avila_blowfish_encrypt(bf, &l, &r);
        uint8_t got[8];
        avila_store_be32(got, l);
        avila_store_be32(got + 4, r);
        assert_memory_equal(got, cipher, 8);
        free(bf);
        free(key);
        free(plain);
        free(cipher);
        n++;
    }
    tv_close(&tv);
    /* 34 ECB triples and 24 set_key lengths. */
    assert_int_equal(n, 58);
}

/* The byte stream wraps around at its end, also in the middle of a word. */
static void blowfish_words_are_cyclic(void **state)
{
    (void)state;
    const uint8_t bytes[5] = {1, 2, 3, 4, 5};
    uint32_t w[4];
    avila_blowfish_words(w, 4, bytes, sizeof bytes);
    assert_int_equal(w[0], 0x01020304);
    assert_int_equal(w[1], 0x05010203);
    assert_int_equal(w[2], 0x04050102);
    assert_int_equal(w[3], 0x03040501);
    avila_blowfish_words(w, 2, bytes, 1);
    assert_int_equal(w[0], 0x01010101);
    assert_int_equal(w[1], 0x01010101);
}

/* ExpandKey with an all-zero salt is ExpandKey(0, key): the two entry points agree. */
static void expand_with_zero_data_is_expand0(void **state)
{
    (void)state;
    struct avila_blowfish *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    const uint32_t key[3] = {0x01234567, 0x89abcdef, 0xdeadbeef}, zero[2] = {0, 0};
    *a = avila_blowfish_pi;
    *b = avila_blowfish_pi;
    avila_blowfish_expand0(a, key, 3);
    avila_blowfish_expand(b, zero, 2, key, 3);
    assert_memory_equal(a, b, sizeof *a);
    const uint32_t salt[2] = {1, 0};
    *b = avila_blowfish_pi;
    avila_blowfish_expand(b, salt, 2, key, 3);
    assert_memory_not_equal(a, b, sizeof *a);
    free(a);
    free(b);
}

/* ------------------------------------------------------------ bcrypt_pbkdf vectors */

static void pyca_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "bcrypt_pbkdf/pyca.txt");
    int n = 0;
    while (tv_next(&tv)) {
        size_t pw_len, salt_len, out_len;
        uint8_t *pw = tv_hex(&tv, "pw", &pw_len), *salt = tv_hex(&tv, "salt", &salt_len);
        uint8_t *want = tv_hex(&tv, "out", &out_len);
        uint8_t *got = malloc(out_len);
        assert_non_null(got);
        assert_int_equal(avila_bcrypt_pbkdf(got, out_len, pw, pw_len, salt, salt_len,
                                            (uint32_t)tv_u64(&tv, "rounds")),
                         0);
        assert_memory_equal(got, want, out_len);
        free(got);
        free(pw);
        free(salt);
        free(want);
        n++;
    }
    tv_close(&tv);
    assert_int_equal(n, 12);
}

/* ------------------------------------------------------------ limits and layout */

static void parameter_limits(void **state)
{
    (void)state;
    uint8_t out[AVILA_BCRYPT_PBKDF_MAX_OUT + 1];
    memset(out, 0x42, sizeof out);
    assert_int_equal(avila_bcrypt_pbkdf(out, 16, "pw", 2, "salt", 4, 0), AVILA_EINVAL);
    assert_int_equal(avila_bcrypt_pbkdf(out, 16, "pw", 0, "salt", 4, 1), AVILA_EINVAL);
    assert_int_equal(avila_bcrypt_pbkdf(out, 16, "pw", 2, "salt", 0, 1), AVILA_EINVAL);
    assert_int_equal(avila_bcrypt_pbkdf(out, 0, "pw", 2, "salt", 4, 1), AVILA_EINVAL);
    assert_int_equal(avila_bcrypt_pbkdf(out, sizeof out, "pw", 2, "salt", 4, 1), AVILA_EINVAL);
    assert_int_equal(avila_bcrypt_pbkdf(out, 16, "pw", 2, out, AVILA_BCRYPT_PBKDF_MAX_SALT + 1, 1),
                     AVILA_EINVAL);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 0x42);
    /* The largest output OpenBSD allows: 32 blocks, every byte written. */
    assert_int_equal(avila_bcrypt_pbkdf(out, AVILA_BCRYPT_PBKDF_MAX_OUT, "pw", 2, "s", 1, 1), 0);
    assert_int_equal(out[AVILA_BCRYPT_PBKDF_MAX_OUT], 0x42);
}

/*
 * Up to 32 bytes there is one block, so a shorter output is a prefix; past
 * that the blocks interleave: out(64)[2i] = out(32)[i] (block 1 takes the
 * even positions), and block 1 of out(33) covers positions 0, 2, .. 32.
 */
static void output_layout(void **state)
{
    (void)state;
    uint8_t one[32], two[64], odd[33], some[20];
    assert_int_equal(avila_bcrypt_pbkdf(one, 32, "password", 8, "salt", 4, 2), 0);
    assert_int_equal(avila_bcrypt_pbkdf(some, 20, "password", 8, "salt", 4, 2), 0);
    assert_memory_equal(some, one, 20);
    assert_int_equal(avila_bcrypt_pbkdf(two, 64, "password", 8, "salt", 4, 2), 0);
    assert_int_equal(avila_bcrypt_pbkdf(odd, 33, "password", 8, "salt", 4, 2), 0);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(two[2 * i], one[i]);
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(odd[2 * i], one[i]);
    /* Block 2 fills the odd positions of both. */
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(odd[2 * i + 1], two[2 * i + 1]);
}

/* The password is hashed first, so the output may overwrite it. */
static void output_may_alias_password(void **state)
{
    (void)state;
    uint8_t buf[40], want[40];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(3 * i + 1);
    assert_int_equal(avila_bcrypt_pbkdf(want, 40, buf, 40, "salt", 4, 3), 0);
    assert_int_equal(avila_bcrypt_pbkdf(buf, 40, buf, 40, "salt", 4, 3), 0);
    assert_memory_equal(buf, want, 40);
}

/* Password and salt end right before a guard page: no byte past them is read. */
static void reads_no_byte_past_the_inputs(void **state)
{
    (void)state;
    const size_t lens[] = {1, 7, 64, 100};
    uint8_t want[48], got[48];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        uint8_t *pw = unit_guarded_alloc(lens[i]), *salt = unit_guarded_alloc(lens[i]);
        memset(pw, 'p', lens[i]);
        memset(salt, 's', lens[i]);
        uint8_t plain_pw[100], plain_salt[100];
        memset(plain_pw, 'p', lens[i]);
        memset(plain_salt, 's', lens[i]);
        assert_int_equal(avila_bcrypt_pbkdf(got, 48, pw, lens[i], salt, lens[i], 2), 0);
        assert_int_equal(avila_bcrypt_pbkdf(want, 48, plain_pw, lens[i], plain_salt, lens[i], 2),
                         0);
        assert_memory_equal(got, want, 48);
        unit_guarded_free(pw, lens[i]);
        unit_guarded_free(salt, lens[i]);
    }
}

/* Every input matters: a changed password, salt or round count changes the output. */
static void every_input_matters(void **state)
{
    (void)state;
    uint8_t base[64], other[64];
    assert_int_equal(avila_bcrypt_pbkdf(base, 64, "secret", 6, "NaCl", 4, 3), 0);
    assert_int_equal(avila_bcrypt_pbkdf(other, 64, "secreT", 6, "NaCl", 4, 3), 0);
    assert_memory_not_equal(base, other, 64);
    assert_int_equal(avila_bcrypt_pbkdf(other, 64, "secret", 6, "NaCL", 4, 3), 0);
    assert_memory_not_equal(base, other, 64);
    assert_int_equal(avila_bcrypt_pbkdf(other, 64, "secret", 6, "NaCl", 4, 4), 0);
    assert_memory_not_equal(base, other, 64);
    assert_int_equal(avila_bcrypt_pbkdf(other, 64, "secret", 6, "NaCl", 4, 3), 0);
    assert_memory_equal(base, other, 64);
}

/* ------------------------------------------------------------ python3 as a peer */

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/*
 * The first python3 that has pyca/bcrypt (Debian: python3-bcrypt, which
 * /usr/bin/python3 sees even when another python3 comes first on PATH), or
 * NULL.
 */
static const char *python_with_bcrypt(void)
{
    static const char *const candidates[] = {"python3", "/usr/bin/python3"};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(candidates); i++) {
        char cmd[200];
        snprintf(cmd, sizeof cmd, "%s -c 'import bcrypt; bcrypt.kdf' >/dev/null 2>&1",
                 candidates[i]);
        /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
        if (system(cmd) == 0)
            return candidates[i];
    }
    return NULL;
}

/*
 * bcrypt.kdf (pyca/bcrypt, which carries OpenBSD's C code) on random
 * passwords, salts, round counts and output lengths, in one python3
 * process. Without the module it says so and returns: cmocka's skip() is
 * reported as "not ok # SKIP", which tools/run-tests counts as a failure.
 */
static void agrees_with_python_bcrypt(void **state)
{
    (void)state;
    const char *python = python_with_bcrypt();
    if (!python) {
        print_message("python3 has no bcrypt module (python3-bcrypt): peer check not run\n");
        return;
    }
    enum { CASES = 24 };
    static struct {
        uint8_t pw[100], salt[40];
        size_t pw_len, salt_len, out_len;
        uint32_t rounds;
    } c[CASES];
    uint64_t rng = 42;
    char path[] = "/tmp/avila-test-bcrypt-pbkdf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *in = fdopen(fd, "w");
    assert_non_null(in);
    for (size_t i = 0; i < CASES; i++) {
        c[i].pw_len = 1 + (size_t)(unit_rand(&rng) % sizeof c[i].pw);
        c[i].salt_len = 1 + (size_t)(unit_rand(&rng) % sizeof c[i].salt);
        c[i].out_len = 1 + (size_t)(unit_rand(&rng) % 100);
        c[i].rounds = 1 + (uint32_t)(unit_rand(&rng) % 5);
        unit_rand_fill(&rng, c[i].pw, c[i].pw_len);
        unit_rand_fill(&rng, c[i].salt, c[i].salt_len);
        put_hex(in, c[i].pw, c[i].pw_len);
        fputc(' ', in);
        put_hex(in, c[i].salt, c[i].salt_len);
        fprintf(in, " %u %zu\n", c[i].rounds, c[i].out_len);
    }
    assert_int_equal(fclose(in), 0);
    char cmd[400];
    snprintf(cmd, sizeof cmd,
             "%s -c 'import sys, bcrypt\nfor line in open(sys.argv[1]):\n"
             "    pw, salt, r, l = line.split()\n"
             "    print(bcrypt.kdf(bytes.fromhex(pw), bytes.fromhex(salt), int(l), int(r), "
             "ignore_few_rounds=True).hex())' %s",
             python, path);
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    for (size_t i = 0; i < CASES; i++) {
        char line[256] = "";
        uint8_t want[100], got[100];
        assert_non_null(fgets(line, sizeof line, f));
        assert_int_equal(unit_unhex(strtok(line, "\n"), want, sizeof want), c[i].out_len);
        assert_int_equal(avila_bcrypt_pbkdf(got, c[i].out_len, c[i].pw, c[i].pw_len, c[i].salt,
                                            c[i].salt_len, c[i].rounds),
                         0);
        assert_memory_equal(got, want, c[i].out_len);
    }
    assert_int_equal(pclose(f), 0);
    unlink(path);
    print_message("pyca/bcrypt via %s: %d random cases agree\n", python, (int)CASES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blowfish_known_answers),
        cmocka_unit_test(blowfish_words_are_cyclic),
        cmocka_unit_test(expand_with_zero_data_is_expand0),
        cmocka_unit_test(pyca_vectors),
        cmocka_unit_test(parameter_limits),
        cmocka_unit_test(output_layout),
        cmocka_unit_test(output_may_alias_password),
        cmocka_unit_test(reads_no_byte_past_the_inputs),
        cmocka_unit_test(every_input_matters),
        cmocka_unit_test(agrees_with_python_bcrypt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
