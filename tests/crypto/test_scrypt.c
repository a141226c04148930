/*
 * tests/crypto/test_scrypt.c - scrypt (RFC 7914): the section 8-10 vectors
 * of the Salsa20/8 core, BlockMix (also in its XOR form) and ROMix, the
 * section 12 KDF vectors, the parameter checks, work-area sizing, alignment
 * and wiping, guard pages, and python3's hashlib.scrypt as a differential
 * peer on random parameters.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/endian.h"
#include "core/error.h"
#include "crypto/kdf.h"
#include "crypto/scrypt_int.h"

/* RFC bytes <-> host-order words, as scrypt.c converts them around ROMix. */
static void to_words(uint32_t *w, const uint8_t *b, size_t n_words)
{
    for (size_t i = 0; i < n_words; i++)
        w[i] = avila_load_le32(b + 4 * i);
}

static void to_bytes(uint8_t *b, const uint32_t *w, size_t n_words)
{
    for (size_t i = 0; i < n_words; i++)
        avila_store_le32(b + 4 * i, w[i]);
}

/* 64-byte aligned zeroed memory (never NULL). */
static void *aligned(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) / 64 * 64);
    assert_non_null(p);
    memset(p, 0, n);
    return p;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ RFC 7914 sections 8-10 */

/* BlockMix with r = 1 on (B, 0) starts from X = 0, so its first block is Salsa20/8(B). */
static void salsa20_8_vector(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "scrypt/salsa20_8.txt");
    assert_true(tv_next(&tv));
    size_t in_len, out_len;
    uint8_t *in = tv_hex(&tv, "in", &in_len), *want = tv_hex(&tv, "out", &out_len);
    assert_int_equal(in_len, 64);
    assert_int_equal(out_len, 64);
    uint32_t b[32] = {0}, o[32];
    uint8_t got[64];
    to_words(b, in, 16);
    avila_scrypt_blockmix(o, b, NULL, 1);
    to_bytes(got, o, 16);
    assert_memory_equal(got, want, 64);
    free(in);
    free(want);
    tv_close(&tv);
}

static void blockmix_vector(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "scrypt/blockmix.txt");
    assert_true(tv_next(&tv));
    size_t r = (size_t)tv_u64(&tv, "r"), in_len, out_len;
    uint8_t *in = tv_hex(&tv, "in", &in_len), *want = tv_hex(&tv, "out", &out_len);
    assert_int_equal(in_len, 128 * r);
    assert_int_equal(out_len, 128 * r);
    uint32_t *b = aligned(in_len), *o = aligned(in_len), *half = aligned(in_len);
    uint8_t *got = malloc(in_len);
    assert_non_null(got);
    to_words(b, in, 32 * r);
    avila_scrypt_blockmix(o, b, NULL, r);
    to_bytes(got, o, 32 * r);
    assert_memory_equal(got, want, in_len);
    /* The XOR form: BlockMix(b ^ h) with b split as (b ^ h) ^ h. */
    for (size_t w = 0; w < 32 * r; w++) {
        half[w] = 0x9e3779b9u * (uint32_t)(w + 1);
        b[w] ^= half[w];
    }
    memset(o, 0, in_len);
    avila_scrypt_blockmix(o, b, half, r);
    to_bytes(got, o, 32 * r);
    assert_memory_equal(got, want, in_len);
    free(got);
    free(b);
    free(o);
    free(half);
    free(in);
    free(want);
    tv_close(&tv);
}

static void romix_vector(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "scrypt/romix.txt");
    assert_true(tv_next(&tv));
    size_t r = (size_t)tv_u64(&tv, "r"), in_len, out_len;
    uint64_t n = tv_u64(&tv, "n");
    uint8_t *in = tv_hex(&tv, "in", &in_len), *want = tv_hex(&tv, "out", &out_len);
    assert_int_equal(in_len, 128 * r);
    assert_int_equal(out_len, 128 * r);
    uint32_t *b = aligned(in_len), *v = aligned(in_len * n), *xy = aligned(2 * in_len);
    uint8_t *got = malloc(in_len);
    assert_non_null(got);
    to_words(b, in, 32 * r);
    avila_scrypt_romix(b, r, n, v, xy);
    to_bytes(got, b, 32 * r);
    assert_memory_equal(got, want, out_len);
    free(got);
    free(b);
    free(v);
    free(xy);
    free(in);
    free(want);
    tv_close(&tv);
}

/* ------------------------------------------------------------ RFC 7914 section 12 */

/* Runs one scrypt with a fresh work area; returns the seconds it took. */
static double run_scrypt(const struct tv_file *tv, const uint8_t *want, size_t want_len)
{
    size_t pw_len, salt_len;
    uint8_t *pw = tv_hex(tv, "pw", &pw_len), *salt = tv_hex(tv, "salt", &salt_len);
    uint64_t n = tv_u64(tv, "n");
    uint32_t r = (uint32_t)tv_u64(tv, "r"), p = (uint32_t)tv_u64(tv, "p");
    size_t work_size = AVILA_SCRYPT_WORK_SIZE(n, r, p);
    void *work = malloc(work_size);
    assert_non_null(work);
    uint8_t *out = malloc(want_len);
    assert_non_null(out);
    double t0 = seconds_now();
    assert_int_equal(
        avila_scrypt(out, want_len, pw, pw_len, salt, salt_len, n, r, p, work, work_size), 0);
    double took = seconds_now() - t0;
    assert_memory_equal(out, want, want_len);
    free(out);
    free(work);
    free(pw);
    free(salt);
    return took;
}

static void rfc7914_scrypt_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "scrypt/scrypt.txt");
    int count = 0, skipped = 0;
    /* Seconds per unit of N * r * p, measured on the vectors run so far. */
    double per_unit = 0;
    while (tv_next(&tv)) {
        size_t want_len;
        uint8_t *want = tv_hex(&tv, "out", &want_len);
        double cost =
            (double)tv_u64(&tv, "n") * (double)tv_u64(&tv, "r") * (double)tv_u64(&tv, "p");
        /*
         * The 1 GiB vector runs only if the 16 MiB one predicts under 10 s for
         * it (twice the scaled time: faulting in and wiping 1 GiB costs about
         * as much again) and AVILA_TEST_SLOW is not 0 (AVILA_TEST_SLOW=1 runs it
         * whatever the prediction). Sanitizer and valgrind
         * builds skip it that way.
         */
        double predicted = 2 * per_unit * cost;
        if (cost > 1e6 && (unit_slow() == UNIT_SLOW_NONE ||
                           (unit_slow() == UNIT_SLOW_AUTO && predicted > 10.0))) {
            print_message("scrypt N=%llu: skipped (predicted %.1f s)\n",
                          (unsigned long long)tv_u64(&tv, "n"), predicted);
            skipped++;
        } else {
            double took = run_scrypt(&tv, want, want_len);
            if (cost > 1e5)
                per_unit = took / cost;
            if (cost > 1e6)
                print_message("scrypt N=%llu: %.1f s (predicted %.1f s)\n",
                              (unsigned long long)tv_u64(&tv, "n"), took, predicted);
            count++;
        }
        free(want);
    }
    tv_close(&tv);
    assert_int_equal(count + skipped, 4);
    assert_true(count >= 3);
    print_message("rfc7914 scrypt: %d vectors run, %d skipped\n", count, skipped);
}

/* ------------------------------------------------------------ parameters and work area */

static int scrypt_small(uint8_t *out, size_t out_len, uint64_t n, uint32_t r, uint32_t p,
                        void *work, size_t work_size)
{
    return avila_scrypt(out, out_len, "pw", 2, "salt", 4, n, r, p, work, work_size);
}

static void rejects_bad_parameters(void **state)
{
    (void)state;
    static uint8_t work[1 << 16];
    uint8_t out[32], zeros[32] = {0};
    memset(out, 0, sizeof out);
    const struct {
        size_t out_len;
        uint64_t n;
        uint32_t r, p;
    } bad[] = {
        {32, 0, 1, 1},
        {32, 1, 1, 1},
        {32, 3, 1, 1},
        {32, 24, 1, 1},
        {32, (uint64_t)1 << 63 | 2, 1, 1},
        {32, 16, 0, 1},
        {32, 16, 1, 0},
        {0, 16, 1, 1},
        {32, 16, 1u << 15, 1u << 15},
        {32, 16, 1, 1u << 30},
        {32, 16, 1u << 30, 1},
        {32, (uint64_t)1 << 16, 1, 1}, /* N must be < 2^(16 r) */
        {32, (uint64_t)1 << 32, 2, 1},
        {32, (uint64_t)1 << 62, 8, 1}, /* the work size overflows */
        {32, (uint64_t)1 << 56, 1u << 10, 1u << 10},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        assert_int_equal(
            scrypt_small(out, bad[i].out_len, bad[i].n, bad[i].r, bad[i].p, work, sizeof work),
            AVILA_EINVAL);
        assert_memory_equal(out, zeros, sizeof out);
    }
    /* Small edges that are allowed: N = 2, and N = 2^8 with r = 1. */
    assert_int_equal(scrypt_small(out, 32, 2, 1, 1, work, sizeof work), 0);
    assert_int_equal(scrypt_small(out, 32, (uint64_t)1 << 8, 1, 1, work, sizeof work), 0);
}

static void work_size_is_exact_and_checked(void **state)
{
    (void)state;
    const uint64_t n = 64;
    const uint32_t r = 2, p = 3;
    size_t need = AVILA_SCRYPT_WORK_SIZE(n, r, p);
    assert_int_equal(need, 128 * 2 * (64 + 3 + 2) + 64);
    uint8_t *work = malloc(need);
    assert_non_null(work);
    uint8_t out[40], want[40], zeros[40] = {0};
    memset(out, 0, sizeof out);
    assert_int_equal(scrypt_small(out, sizeof out, n, r, p, work, need - 1), AVILA_ENOSPC);
    assert_int_equal(scrypt_small(out, sizeof out, n, r, p, NULL, 0), AVILA_ENOSPC);
    assert_memory_equal(out, zeros, sizeof out);
    assert_int_equal(scrypt_small(want, sizeof want, n, r, p, work, need), 0);
    /* The work area is wiped. */
    for (size_t i = 0; i < need; i++)
        assert_int_equal(work[i], 0);
    free(work);
    /* Any alignment of the area gives the same answer (and never touches bytes past need). */
    uint8_t *big = malloc(need + 64 + 16);
    assert_non_null(big);
    for (size_t off = 0; off < 64; off += 7) {
        memset(big, 0xa5, need + 64 + 16);
        assert_int_equal(scrypt_small(out, sizeof out, n, r, p, big + off, need), 0);
        assert_memory_equal(out, want, sizeof out);
        for (size_t i = 0; i < off; i++)
            assert_int_equal(big[i], 0xa5);
        for (size_t i = off + need; i < need + 64 + 16; i++)
            assert_int_equal(big[i], 0xa5);
    }
    free(big);
}

/* Inputs ending at a guard page: nothing reads past pw or salt, nothing writes past out. */
static void reads_no_byte_past_the_inputs(void **state)
{
    (void)state;
    static uint8_t work[AVILA_SCRYPT_WORK_SIZE(16, 1, 2)];
    uint8_t want[33];
    for (size_t len = 0; len < 70; len += 13) {
        uint8_t *pw = unit_guarded_alloc(len), *salt = unit_guarded_alloc(len + 1);
        uint8_t *out = unit_guarded_alloc(sizeof want);
        memset(pw, 'p', len);
        memset(salt, 's', len + 1);
        assert_int_equal(
            avila_scrypt(out, sizeof want, pw, len, salt, len + 1, 16, 1, 2, work, sizeof work), 0);
        assert_int_equal(
            avila_scrypt(want, sizeof want, pw, len, salt, len + 1, 16, 1, 2, work, sizeof work),
            0);
        assert_memory_equal(out, want, sizeof want);
        unit_guarded_free(pw, len);
        unit_guarded_free(salt, len + 1);
        unit_guarded_free(out, sizeof want);
    }
}

/* ------------------------------------------------------------ python3 as a peer */

/* Writes n bytes as lowercase hex, or "-" for none. */
static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
    if (n == 0)
        fputc('-', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/*
 * hashlib.scrypt (OpenSSL's) on random parameters, all cases through one
 * python3 process; skips when python3 is absent.
 */
static void agrees_with_python_hashlib(void **state)
{
    (void)state;
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    if (system("python3 -c 'import hashlib; hashlib.scrypt' >/dev/null 2>&1") != 0)
        skip();
    enum { CASES = 16 };
    struct {
        uint8_t pw[40], salt[40];
        size_t pw_len, salt_len, out_len;
        uint64_t n;
        uint32_t r, p;
    } c[CASES];
    uint64_t rng = 99;
    char path[] = "/tmp/avila-test-scrypt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *in = fdopen(fd, "w");
    assert_non_null(in);
    for (int i = 0; i < CASES; i++) {
        c[i].pw_len = (size_t)(unit_rand(&rng) % sizeof c[i].pw);
        c[i].salt_len = (size_t)(unit_rand(&rng) % sizeof c[i].salt);
        c[i].out_len = 1 + (size_t)(unit_rand(&rng) % 80);
        c[i].n = (uint64_t)2 << (unit_rand(&rng) % 9);
        c[i].r = 1 + (uint32_t)(unit_rand(&rng) % 4);
        c[i].p = 1 + (uint32_t)(unit_rand(&rng) % 3);
        unit_rand_fill(&rng, c[i].pw, c[i].pw_len);
        unit_rand_fill(&rng, c[i].salt, c[i].salt_len);
        put_hex(in, c[i].pw, c[i].pw_len);
        fputc(' ', in);
        put_hex(in, c[i].salt, c[i].salt_len);
        fprintf(in, " %llu %u %u %zu\n", (unsigned long long)c[i].n, c[i].r, c[i].p, c[i].out_len);
    }
    assert_int_equal(fclose(in), 0);
    char cmd[400];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys, hashlib\nfor line in open(sys.argv[1]):\n"
             "    pw, salt, n, r, p, l = line.split()\n"
             "    print(hashlib.scrypt(bytes.fromhex(pw.strip(\"-\")), "
             "salt=bytes.fromhex(salt.strip(\"-\")), n=int(n), r=int(r), p=int(p), "
             "dklen=int(l)).hex())' %s",
             path);
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    for (int i = 0; i < CASES; i++) {
        char line[256] = "";
        uint8_t want[80], out[80];
        assert_non_null(fgets(line, sizeof line, f));
        assert_int_equal(unit_unhex(strtok(line, "\n"), want, sizeof want), c[i].out_len);
        size_t work_size = AVILA_SCRYPT_WORK_SIZE(c[i].n, c[i].r, c[i].p);
        void *work = malloc(work_size);
        assert_non_null(work);
        assert_int_equal(avila_scrypt(out, c[i].out_len, c[i].pw, c[i].pw_len, c[i].salt,
                                      c[i].salt_len, c[i].n, c[i].r, c[i].p, work, work_size),
                         0);
        assert_memory_equal(out, want, c[i].out_len);
        free(work);
    }
    assert_int_equal(pclose(f), 0);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(salsa20_8_vector),
        cmocka_unit_test(blockmix_vector),
        cmocka_unit_test(romix_vector),
        cmocka_unit_test(rfc7914_scrypt_vectors),
        cmocka_unit_test(rejects_bad_parameters),
        cmocka_unit_test(work_size_is_exact_and_checked),
        cmocka_unit_test(reads_no_byte_past_the_inputs),
        cmocka_unit_test(agrees_with_python_hashlib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
