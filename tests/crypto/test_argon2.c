/*
 * tests/crypto/test_argon2.c - Argon2d, Argon2i and Argon2id (RFC 9106):
 * the section 5 vectors (H0 and tag) through every kernel, the reference
 * implementation's test-suite vectors, the kernels against the portable one
 * on random blocks, H' against a model written from section 3.3, the
 * parameter limits, work-area sizing, alignment and wiping, guard pages,
 * and the reference `argon2` CLI as a differential peer when installed.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/argon2_int.h"
#include "crypto/blake2.h"
#include "crypto/kdf.h"

typedef int (*argon2_fn)(uint8_t *, size_t, const void *, size_t, const void *, size_t,
                         const struct avila_argon2_params *, void *, size_t);

static const struct avila_argon2_kernel *const kernels[] = {
    &avila_argon2_kernel_portable,
#if AVILA_X86_64
    &avila_argon2_kernel_avx2,
    &avila_argon2_kernel_avx512,
#endif
};

static int kernel_runs_here(const struct avila_argon2_kernel *k)
{
    return (avila_cpu_features() & k->cpu) == k->cpu;
}

/* The function and type number of a vector file's "type" field. */
static argon2_fn type_fn(const char *type, int *y)
{
    if (strcmp(type, "d") == 0)
        return *y = AVILA_ARGON2_D, avila_argon2d;
    if (strcmp(type, "i") == 0)
        return *y = AVILA_ARGON2_I, avila_argon2i;
    assert_string_equal(type, "id");
    return *y = AVILA_ARGON2_ID, avila_argon2id;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* An optional hex field of a record (empty when absent); *len gets its length. */
static uint8_t *tv_hex_opt(const struct tv_file *tv, const char *key, size_t *len)
{
    if (tv_has(tv, key))
        return tv_hex(tv, key, len);
    *len = 0;
    uint8_t *p = malloc(1);
    assert_non_null(p);
    return p;
}

/*
 * Runs the current record (type, t, m, p, pw, salt, optional secret, ad and
 * h0, tag) with a fresh work area; returns the seconds the hash took.
 */
static double run_record(const struct tv_file *tv)
{
    int y;
    argon2_fn fn = type_fn(tv_str(tv, "type"), &y);
    size_t pw_len, salt_len, secret_len, ad_len, tag_len;
    uint8_t *pw = tv_hex(tv, "pw", &pw_len), *salt = tv_hex(tv, "salt", &salt_len);
    uint8_t *secret = tv_hex_opt(tv, "secret", &secret_len), *ad = tv_hex_opt(tv, "ad", &ad_len);
    uint8_t *tag = tv_hex(tv, "tag", &tag_len);
    struct avila_argon2_params p = {
        (uint32_t)tv_u64(tv, "t"),
        (uint32_t)tv_u64(tv, "m"),
        (uint32_t)tv_u64(tv, "p"),
        secret,
        secret_len,
        ad,
        ad_len,
    };
    if (tv_has(tv, "h0")) {
        size_t h0_len;
        uint8_t *want = tv_hex(tv, "h0", &h0_len), got[64];
        assert_int_equal(h0_len, 64);
        avila_argon2_h0(got, y, tag_len, pw, pw_len, salt, salt_len, &p);
        assert_memory_equal(got, want, 64);
        free(want);
    }
    size_t work_size = AVILA_ARGON2_WORK_SIZE(p.m_cost_kib);
    void *work = malloc(work_size);
    assert_non_null(work);
    uint8_t *out = malloc(tag_len);
    assert_non_null(out);
    double t0 = seconds_now();
    assert_int_equal(fn(out, tag_len, pw, pw_len, salt, salt_len, &p, work, work_size), 0);
    double took = seconds_now() - t0;
    assert_memory_equal(out, tag, tag_len);
    free(out);
    free(work);
    free(pw);
    free(salt);
    free(secret);
    free(ad);
    free(tag);
    return took;
}

/* ------------------------------------------------------------ vectors */

static void rfc9106_vectors_every_kernel(void **state)
{
    (void)state;
    /* Portable, AVX2 (AVX-512 masked off), then everything: each kernel the CPU has. */
    const uint32_t masks[] = {0, AVILA_CPU_ALL & ~(uint32_t)AVILA_CPU_AVX512F, AVILA_CPU_ALL};
    for (size_t m = 0; m < AVILA_ARRAY_LEN(masks); m++) {
        avila_cpu_restrict(masks[m]);
        struct tv_file tv;
        tv_open(&tv, "argon2/rfc9106.txt");
        int count = 0;
        while (tv_next(&tv)) {
            run_record(&tv);
            count++;
        }
        tv_close(&tv);
        assert_int_equal(count, 3);
        print_message("rfc9106: 3 vectors (d, i, id) with the %s kernel\n", avila_argon2_impl());
    }
}

static void reference_suite_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "argon2/phc.txt");
    int count = 0, skipped = 0;
    double per_block = 0; /* seconds per block and pass, from the vectors run so far */
    while (tv_next(&tv)) {
        double cost = (double)tv_u64(&tv, "m") * (double)tv_u64(&tv, "t");
        /*
         * The 1 GiB vector runs only if the 256 MiB ones predict under 10 s
         * for it (twice the scaled time, for faulting in and wiping the
         * memory) and AVILA_TEST_SLOW is not 0 (AVILA_TEST_SLOW=1 runs it
         * whatever the prediction).
         */
        double predicted = 2 * per_block * cost;
        if (tv_u64(&tv, "m") > 300000 && (unit_slow() == UNIT_SLOW_NONE ||
                                          (unit_slow() == UNIT_SLOW_AUTO && predicted > 10.0))) {
            print_message("argon2 m=%llu t=%llu: skipped (predicted %.1f s)\n",
                          (unsigned long long)tv_u64(&tv, "m"),
                          (unsigned long long)tv_u64(&tv, "t"), predicted);
            skipped++;
            continue;
        }
        double took = run_record(&tv);
        if (cost >= 65536)
            per_block = took / cost;
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count + skipped, 17);
    assert_true(skipped <= 1);
    print_message("phc-winner-argon2 test.c: %d vectors run, %d skipped\n", count, skipped);
}

/* ------------------------------------------------------------ kernels */

static void kernels_match_portable(void **state)
{
    (void)state;
    uint64_t rng = 9106;
    /* One spare word so every block can also sit 8 bytes off its natural alignment. */
    uint64_t *prev = malloc((size_t)8 * 129), *ref = malloc((size_t)8 * 129);
    uint64_t *orig = malloc((size_t)8 * 129), *want = malloc((size_t)8 * 129);
    uint64_t *got = malloc((size_t)8 * 129);
    assert_true(prev && ref && orig && want && got);
    for (int iter = 0; iter < 300; iter++) {
        size_t off = (size_t)(iter % 2);
        int xor_into = iter % 3 == 0;
        unit_rand_fill(&rng, prev + off, 1024);
        unit_rand_fill(&rng, ref + off, 1024);
        unit_rand_fill(&rng, orig + off, 1024);
        memcpy(want + off, orig + off, 1024);
        avila_argon2_kernel_portable.fill(want + off, prev + off, ref + off, xor_into);
        for (size_t k = 1; k < AVILA_ARRAY_LEN(kernels); k++) {
            if (!kernel_runs_here(kernels[k]))
                continue;
            memcpy(got + off, orig + off, 1024);
            kernels[k]->fill(got + off, prev + off, ref + off, xor_into);
            assert_memory_equal(got + off, want + off, 1024);
        }
    }
    free(prev);
    free(ref);
    free(orig);
    free(want);
    free(got);
}

/* G(X, Y) depends on X ^ Y only, and G(0, 0) = 0 (P of zero is zero). */
static void compression_basic_properties(void **state)
{
    (void)state;
    uint64_t rng = 5;
    uint64_t x[128], y[128], xy[128], zero[128] = {0}, a[128], b[128];
    for (size_t k = 0; k < AVILA_ARRAY_LEN(kernels); k++) {
        if (!kernel_runs_here(kernels[k]))
            continue;
        unit_rand_fill(&rng, x, sizeof x);
        unit_rand_fill(&rng, y, sizeof y);
        for (size_t i = 0; i < 128; i++)
            xy[i] = x[i] ^ y[i];
        kernels[k]->fill(a, x, y, 0);
        kernels[k]->fill(b, xy, zero, 0);
        assert_memory_equal(a, b, sizeof a);
        kernels[k]->fill(a, zero, zero, 0);
        assert_memory_equal(a, zero, sizeof a);
        /* xor_into adds the old contents. */
        memcpy(a, x, sizeof a);
        kernels[k]->fill(a, x, y, 1);
        kernels[k]->fill(b, x, y, 0);
        for (size_t i = 0; i < 128; i++)
            assert_true(a[i] == (b[i] ^ x[i]));
    }
}

static void impl_follows_cpu_restrictions(void **state)
{
    (void)state;
    const char *name = avila_argon2_impl();
    int known = 0;
    for (size_t k = 0; k < AVILA_ARRAY_LEN(kernels); k++)
        known |= strcmp(name, kernels[k]->name) == 0 && kernel_runs_here(kernels[k]);
    assert_true(known);
    avila_cpu_restrict(0);
    assert_string_equal(avila_argon2_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
}

/* ------------------------------------------------------------ H' */

/* Section 3.3 written out plainly: V_1 = H^64(LE32(T) || A), V_i = H^64(V_{i-1}), ... */
static void hprime_model(uint8_t *out, size_t t, const uint8_t *in, size_t n)
{
    uint8_t *buf = malloc(4 + n), v[64];
    assert_non_null(buf);
    avila_store_le32(buf, (uint32_t)t);
    memcpy(buf + 4, in, n);
    if (t <= 64) {
        assert_int_equal(avila_blake2b(out, t, NULL, 0, buf, 4 + n), 0);
        free(buf);
        return;
    }
    size_t r = (t + 31) / 32 - 2;
    assert_int_equal(avila_blake2b(v, 64, NULL, 0, buf, 4 + n), 0);
    memcpy(out, v, 32);
    for (size_t i = 2; i <= r; i++) {
        assert_int_equal(avila_blake2b(v, 64, NULL, 0, v, 64), 0);
        memcpy(out + 32 * (i - 1), v, 32);
    }
    assert_int_equal(avila_blake2b(out + 32 * r, t - 32 * r, NULL, 0, v, 64), 0);
    free(buf);
}

static void hprime_matches_model(void **state)
{
    (void)state;
    uint64_t rng = 33;
    uint8_t in[200], want[1100], got[1100];
    const size_t lens[] = {1,  4,  31,  32,  33,  63,  64,   65,  95,
                           96, 97, 127, 128, 129, 200, 1024, 1100};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        size_t n = (size_t)(unit_rand(&rng) % sizeof in);
        unit_rand_fill(&rng, in, n);
        hprime_model(want, lens[i], in, n);
        memset(got, 0xee, sizeof got);
        avila_argon2_hprime(got, lens[i], in, n);
        assert_memory_equal(got, want, lens[i]);
        for (size_t j = lens[i]; j < sizeof got; j++)
            assert_int_equal(got[j], 0xee);
    }
}

/* ------------------------------------------------------------ parameters and work area */

static const uint8_t salt16[16] = "0123456789abcdef";

static void rejects_bad_parameters(void **state)
{
    (void)state;
    static uint8_t work[AVILA_ARGON2_WORK_SIZE(64)];
    uint8_t out[32], zeros[32] = {0};
    memset(out, 0, sizeof out);
    const struct avila_argon2_params good = {1, 64, 2, NULL, 0, NULL, 0};
    struct avila_argon2_params p;
    /* salt shorter than 8, tag shorter than 4 */
    assert_int_equal(avila_argon2id(out, 32, "pw", 2, salt16, 7, &good, work, sizeof work),
                     AVILA_EINVAL);
    assert_int_equal(avila_argon2id(out, 3, "pw", 2, salt16, 16, &good, work, sizeof work),
                     AVILA_EINVAL);
    p = good, p.t_cost = 0;
    assert_int_equal(avila_argon2id(out, 32, "pw", 2, salt16, 16, &p, work, sizeof work),
                     AVILA_EINVAL);
    p = good, p.parallelism = 0;
    assert_int_equal(avila_argon2id(out, 32, "pw", 2, salt16, 16, &p, work, sizeof work),
                     AVILA_EINVAL);
    p = good, p.parallelism = 1u << 24, p.m_cost_kib = UINT32_MAX;
    assert_int_equal(avila_argon2id(out, 32, "pw", 2, salt16, 16, &p, work, sizeof work),
                     AVILA_EINVAL);
    p = good, p.m_cost_kib = 15; /* < 8 * 2 */
    assert_int_equal(avila_argon2id(out, 32, "pw", 2, salt16, 16, &p, work, sizeof work),
                     AVILA_EINVAL);
    p = good, p.secret_len = 4;
    assert_int_equal(avila_argon2id(out, 32, "pw", 2, salt16, 16, &p, work, sizeof work),
                     AVILA_EINVAL);
    p = good, p.ad_len = 4;
    assert_int_equal(avila_argon2i(out, 32, "pw", 2, salt16, 16, &p, work, sizeof work),
                     AVILA_EINVAL);
#if SIZE_MAX > UINT32_MAX
    assert_int_equal(
        avila_argon2d(out, 32, "pw", (size_t)1 << 32, salt16, 16, &good, work, sizeof work),
        AVILA_EINVAL);
    assert_int_equal(
        avila_argon2d(out, (size_t)1 << 32, "pw", 2, salt16, 16, &good, work, sizeof work),
        AVILA_EINVAL);
#endif
    assert_memory_equal(out, zeros, sizeof out);
    /* The smallest legal memory: 8 blocks per lane. */
    p = good, p.m_cost_kib = 16;
    assert_int_equal(avila_argon2id(out, 32, "pw", 2, salt16, 8, &p, work, sizeof work), 0);
    assert_int_equal(avila_argon2d(out, 4, "", 0, salt16, 8, &p, work, sizeof work), 0);
}

static void work_size_is_checked(void **state)
{
    (void)state;
    /* m' = 4 p floor(m / 4p): 100 KiB with 3 lanes uses 96 blocks. */
    const struct avila_argon2_params p = {2, 100, 3, "key", 3, "ad", 2};
    const size_t need = 96 * 1024 + 64;
    assert_true(AVILA_ARGON2_WORK_SIZE(100) >= need);
    uint8_t *work = malloc(need);
    assert_non_null(work);
    uint8_t out[40], want[40], zeros[40] = {0};
    memset(out, 0, sizeof out);
    assert_int_equal(avila_argon2id(out, sizeof out, "pw", 2, salt16, 16, &p, work, need - 1),
                     AVILA_ENOSPC);
    assert_int_equal(avila_argon2id(out, sizeof out, "pw", 2, salt16, 16, &p, NULL, 0),
                     AVILA_ENOSPC);
    assert_memory_equal(out, zeros, sizeof out);
    assert_int_equal(avila_argon2id(want, sizeof want, "pw", 2, salt16, 16, &p, work, need), 0);
    for (size_t i = 0; i < need; i++)
        assert_int_equal(work[i], 0);
    free(work);
    uint8_t *big = malloc(need + 80);
    assert_non_null(big);
    for (size_t off = 0; off < 64; off += 9) {
        memset(big, 0xa5, need + 80);
        assert_int_equal(avila_argon2id(out, sizeof out, "pw", 2, salt16, 16, &p, big + off, need),
                         0);
        assert_memory_equal(out, want, sizeof out);
        for (size_t i = 0; i < off; i++)
            assert_int_equal(big[i], 0xa5);
        for (size_t i = off + need; i < need + 80; i++)
            assert_int_equal(big[i], 0xa5);
    }
    free(big);
}

/* The three types, the secret and the associated data all change the tag. */
static void every_input_matters(void **state)
{
    (void)state;
    static uint8_t work[AVILA_ARGON2_WORK_SIZE(32)];
    struct avila_argon2_params p = {1, 32, 1, "k", 1, "a", 1};
    uint8_t tags[7][16];
    assert_int_equal(avila_argon2id(tags[0], 16, "pw", 2, salt16, 16, &p, work, sizeof work), 0);
    assert_int_equal(avila_argon2i(tags[1], 16, "pw", 2, salt16, 16, &p, work, sizeof work), 0);
    assert_int_equal(avila_argon2d(tags[2], 16, "pw", 2, salt16, 16, &p, work, sizeof work), 0);
    p.secret = "K";
    assert_int_equal(avila_argon2id(tags[3], 16, "pw", 2, salt16, 16, &p, work, sizeof work), 0);
    p.ad = "A";
    assert_int_equal(avila_argon2id(tags[4], 16, "pw", 2, salt16, 16, &p, work, sizeof work), 0);
    assert_int_equal(avila_argon2id(tags[5], 16, "pW", 2, salt16, 16, &p, work, sizeof work), 0);
    p.t_cost = 2;
    assert_int_equal(avila_argon2id(tags[6], 16, "pW", 2, salt16, 16, &p, work, sizeof work), 0);
    for (int i = 0; i < 7; i++)
        for (int j = i + 1; j < 7; j++)
            assert_memory_not_equal(tags[i], tags[j], 16);
}

/* Inputs ending at a guard page: nothing reads past them, nothing writes past out. */
static void reads_no_byte_past_the_inputs(void **state)
{
    (void)state;
    static uint8_t work[AVILA_ARGON2_WORK_SIZE(16)];
    uint8_t want[70];
    for (size_t len = 0; len < 40; len += 9) {
        uint8_t *pw = unit_guarded_alloc(len), *salt = unit_guarded_alloc(len + 8);
        uint8_t *secret = unit_guarded_alloc(len), *ad = unit_guarded_alloc(len);
        uint8_t *out = unit_guarded_alloc(sizeof want);
        memset(pw, 'p', len);
        memset(salt, 's', len + 8);
        memset(secret, 'k', len);
        memset(ad, 'a', len);
        struct avila_argon2_params p = {1, 16, 2, secret, len, ad, len};
        assert_int_equal(
            avila_argon2id(out, sizeof want, pw, len, salt, len + 8, &p, work, sizeof work), 0);
        assert_int_equal(
            avila_argon2id(want, sizeof want, pw, len, salt, len + 8, &p, work, sizeof work), 0);
        assert_memory_equal(out, want, sizeof want);
        unit_guarded_free(pw, len);
        unit_guarded_free(salt, len + 8);
        unit_guarded_free(secret, len);
        unit_guarded_free(ad, len);
        unit_guarded_free(out, sizeof want);
    }
}

/* ------------------------------------------------------------ the argon2 CLI as a peer */

/*
 * The reference implementation's CLI (Debian package argon2) on random
 * types, costs, lanes, tag lengths and printable passwords; skips when it is
 * not installed.
 */
static void agrees_with_reference_cli(void **state)
{
    (void)state;
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    if (system("command -v argon2 >/dev/null 2>&1") != 0)
        skip();
    uint64_t rng = 2015;
    static const char *const flags[] = {"-d", "-i", "-id"};
    static const argon2_fn fns[] = {avila_argon2d, avila_argon2i, avila_argon2id};
    for (int iter = 0; iter < 24; iter++) {
        int y = (int)(unit_rand(&rng) % 3);
        uint32_t lanes = 1 + (uint32_t)(unit_rand(&rng) % 4);
        uint32_t m = 8 * lanes + (uint32_t)(unit_rand(&rng) % 300);
        uint32_t t = 1 + (uint32_t)(unit_rand(&rng) % 3);
        size_t out_len = 4 + (size_t)(unit_rand(&rng) % 200);
        char pw[33], salt[33];
        /* The CLI refuses an empty password. */
        size_t pw_len = 1 + (size_t)(unit_rand(&rng) % 32),
               salt_len = 8 + (size_t)(unit_rand(&rng) % 24);
        for (size_t i = 0; i < pw_len; i++)
            pw[i] = (char)('a' + unit_rand(&rng) % 26);
        for (size_t i = 0; i < salt_len; i++)
            salt[i] = (char)('A' + unit_rand(&rng) % 26);
        pw[pw_len] = salt[salt_len] = '\0';
        char cmd[256];
        snprintf(cmd, sizeof cmd, "printf '%%s' '%s' | argon2 %s %s -t %u -k %u -p %u -l %zu -r",
                 pw, salt, flags[y], t, m, lanes, out_len);
        /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        char line[1024] = "";
        assert_non_null(fgets(line, sizeof line, f));
        assert_int_equal(pclose(f), 0);
        uint8_t want[256], out[256];
        assert_int_equal(unit_unhex(strtok(line, "\n"), want, sizeof want), out_len);
        size_t work_size = AVILA_ARGON2_WORK_SIZE(m);
        void *work = malloc(work_size);
        assert_non_null(work);
        struct avila_argon2_params p = {t, m, lanes, NULL, 0, NULL, 0};
        assert_int_equal(fns[y](out, out_len, pw, pw_len, salt, salt_len, &p, work, work_size), 0);
        assert_memory_equal(out, want, out_len);
        free(work);
    }
}

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(rfc9106_vectors_every_kernel, allow_all_cpu),
        cmocka_unit_test(reference_suite_vectors),
        cmocka_unit_test(kernels_match_portable),
        cmocka_unit_test(compression_basic_properties),
        cmocka_unit_test_teardown(impl_follows_cpu_restrictions, allow_all_cpu),
        cmocka_unit_test(hprime_matches_model),
        cmocka_unit_test(rejects_bad_parameters),
        cmocka_unit_test(work_size_is_checked),
        cmocka_unit_test(every_input_matters),
        cmocka_unit_test(reads_no_byte_past_the_inputs),
        cmocka_unit_test(agrees_with_reference_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
