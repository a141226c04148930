/*
 * tests/crypto/test_sha3.c - SHA3-224/256/384/512, SHAKE128/256 and the
 * Keccak-f[1600] permutation: FIPS 202 example values (with 512-byte SHAKE
 * outputs), NIST CAVP SHA3VS vectors, the Keccak team's permutation values,
 * the permutation against a plain model of FIPS 202 section 3 on random
 * states, every split of absorbing and squeezing, the closed input after
 * squeezing, guard pages, wiping, and OpenSSL as a peer when installed.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/digest.h"
#include "crypto/sha3.h"
#include "crypto/sha3_int.h"

/* ------------------------------------------------------------------ tables */

struct alg {
    const char *name;
    const struct avila_digest *d; /* NULL for SHAKE */
    void (*init)(struct avila_sha3 *c);
    void (*oneshot)(const void *data, size_t n, uint8_t *out);
    void (*xof)(const void *data, size_t n, uint8_t *out, size_t out_len);
    size_t rate;
};

static const struct alg algs[] = {
    {"sha3-224", &avila_digest_sha3_224, avila_sha3_224_init, avila_sha3_224, NULL, 144},
    {"sha3-256", &avila_digest_sha3_256, avila_sha3_256_init, avila_sha3_256, NULL, 136},
    {"sha3-384", &avila_digest_sha3_384, avila_sha3_384_init, avila_sha3_384, NULL, 104},
    {"sha3-512", &avila_digest_sha3_512, avila_sha3_512_init, avila_sha3_512, NULL, 72},
    {"shake128", NULL, avila_shake128_init, NULL, avila_shake128, 168},
    {"shake256", NULL, avila_shake256_init, NULL, avila_shake256, 136},
};

static const struct alg *find_alg(const char *name)
{
    for (size_t i = 0; i < AVILA_ARRAY_LEN(algs); i++)
        if (strcmp(algs[i].name, name) == 0)
            return &algs[i];
    fail_msg("unknown algorithm %s", name);
    return NULL;
}

/* The output length a test uses for an algorithm: the digest, or 64 SHAKE bytes. */
static size_t out_len(const struct alg *a)
{
    return a->d ? a->d->digest_len : 64;
}

/* ------------------------------------------------------------------ helpers */

static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    return p;
}

/* One-shot hash or XOF output of n bytes of msg into out (len bytes). */
static void oneshot(const struct alg *a, const uint8_t *msg, size_t n, uint8_t *out, size_t len)
{
    if (a->d) {
        assert_int_equal(len, a->d->digest_len);
        a->oneshot(msg, n, out);
    } else {
        a->xof(msg, n, out, len);
    }
}

/* Absorbs msg in random pieces (some empty); SHAKE through avila_shake_absorb. */
static void absorb_split(const struct alg *a, struct avila_sha3 *c, const uint8_t *msg, size_t n,
                         uint64_t *rng, size_t max_piece)
{
    size_t off = 0;
    while (off < n) {
        uint64_t r = unit_rand(rng);
        size_t part = r % 8 == 0 ? 0 : 1 + (size_t)((r >> 3) % max_piece);
        if (part > n - off)
            part = n - off;
        if (a->d)
            avila_sha3_update(c, msg + off, part);
        else
            assert_int_equal(avila_shake_absorb(c, msg + off, part), 0);
        off += part;
    }
}

/* Squeezes len bytes in random pieces (some empty) and wipes c. */
static void squeeze_split(struct avila_sha3 *c, uint8_t *out, size_t len, uint64_t *rng,
                          size_t max_piece)
{
    size_t off = 0;
    while (off < len) {
        uint64_t r = unit_rand(rng);
        size_t part = r % 8 == 0 ? 0 : 1 + (size_t)((r >> 3) % max_piece);
        if (part > len - off)
            part = len - off;
        avila_shake_squeeze(c, out + off, part);
        off += part;
    }
    avila_sha3_wipe(c);
}

/* Streaming with random pieces: the digest, or len SHAKE bytes squeezed in pieces. */
static void streamed(const struct alg *a, const uint8_t *msg, size_t n, uint8_t *out, size_t len,
                     uint64_t *rng)
{
    struct avila_sha3 c;
    a->init(&c);
    absorb_split(a, &c, msg, n, rng, 1 + (size_t)(unit_rand(rng) % 400));
    if (a->d)
        avila_sha3_final(&c, out);
    else
        squeeze_split(&c, out, len, rng, 1 + (size_t)(unit_rand(rng) % 400));
}

/* Every record of a file, one-shot, streamed and (SHA-3) through the descriptor. */
static int run_vector_file(const char *relpath)
{
    struct tv_file tv;
    uint64_t rng = 1;
    int records = 0;
    tv_open(&tv, relpath);
    while (tv_next(&tv)) {
        const struct alg *a = find_alg(tv_str(&tv, "alg"));
        size_t n, len;
        uint8_t *msg = tv_message(&tv, &n);
        uint8_t *md = tv_hex(&tv, "md", &len);
        uint8_t *out = malloc(len);
        assert_non_null(out);
        oneshot(a, msg, n, out, len);
        assert_memory_equal(out, md, len);
        memset(out, 0, len);
        streamed(a, msg, n, out, len, &rng);
        assert_memory_equal(out, md, len);
        if (a->d) {
            memset(out, 0, len);
            assert_int_equal(avila_digest(a->d, msg, n, out), 0);
            assert_memory_equal(out, md, len);
        }
        free(out);
        free(msg);
        free(md);
        records++;
    }
    tv_close(&tv);
    return records;
}

/* ----------------------------------------------------------- known answers */

static void test_fips202_examples(void **state)
{
    (void)state;
    assert_int_equal(run_vector_file("sha3/fips202-examples.txt"), 16);
}

static void test_cavp_sha3_256(void **state)
{
    (void)state;
    assert_int_equal(run_vector_file("sha3/cavp-sha3-256-shortmsg.txt"), 7);
}

static void test_keccak_zero_state(void **state)
{
    (void)state;
    struct tv_file tv;
    int records = 0;
    tv_open(&tv, "sha3/keccak-f1600.txt");
    while (tv_next(&tv)) {
        uint64_t a[25] = {0};
        for (uint64_t i = 0; i < tv_u64(&tv, "applications"); i++)
            avila_keccak_f1600(a);
        const char *p = tv_str(&tv, "lanes");
        for (int i = 0; i < 25; i++) {
            while (*p == ' ')
                p++;
            char *end;
            uint64_t want = strtoull(p, &end, 16);
            assert_true(end == p + 16);
            assert_true(a[i] == want);
            p = end;
        }
        assert_int_equal(*p, '\0');
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 2);
}

/* ----------------------------------------------------- permutation model */

/*
 * FIPS 202 section 3, written as plainly as the text: the rho offsets
 * walk (x, y) -> (y, 2x + 3y) (Algorithm 2), pi moves A[(x + 3y) % 5][x]
 * to A[x][y] (Algorithm 3), and the round constants come from the LFSR
 * rc(t) (Algorithms 5 and 6). Lanes are a[x + 5y].
 */
static int model_rc_bit(int t)
{
    if (t % 255 == 0)
        return 1;
    unsigned r = 0x01; /* R[0] is bit 0 */
    for (int i = 1; i <= t % 255; i++) {
        unsigned r8 = (r >> 7) & 1;
        r = (r << 1) & 0xff;
        r ^= r8 | r8 << 4 | r8 << 5 | r8 << 6;
    }
    return r & 1;
}

static uint64_t model_rc(int round)
{
    uint64_t rc = 0;
    for (int j = 0; j <= 6; j++)
        if (model_rc_bit(j + 7 * round))
            rc |= (uint64_t)1 << ((1 << j) - 1);
    return rc;
}

static uint64_t model_rotl(uint64_t v, int n)
{
    n %= 64;
    return n ? v << n | v >> (64 - n) : v;
}

static void model_permute(uint64_t a[25])
{
    int offset[25] = {0};
    for (int t = 0, x = 1, y = 0; t < 24; t++) {
        offset[x + 5 * y] = (t + 1) * (t + 2) / 2;
        int nx = y, ny = (2 * x + 3 * y) % 5;
        x = nx, y = ny;
    }
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], d[5], b[25];
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ model_rotl(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++)
            a[i] = model_rotl(a[i] ^ d[i % 5], offset[i]);
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                b[x + 5 * y] = a[(x + 3 * y) % 5 + 5 * x];
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        a[0] ^= model_rc(round);
    }
}

static void test_permutation_matches_model(void **state)
{
    (void)state;
    for (int round = 0; round < 24; round++)
        assert_true(avila_keccak_rc[round] == model_rc(round));
    uint64_t rng = 7;
    for (int i = 0; i < 200; i++) {
        uint64_t a[25], b[25];
        unit_rand_fill(&rng, a, sizeof a);
        if (i == 1)
            memset(a, 0xff, sizeof a);
        memcpy(b, a, sizeof a);
        avila_keccak_kernel_portable.permute(a);
        model_permute(b);
        assert_memory_equal(a, b, sizeof a);
        memcpy(b, a, sizeof a);
        avila_keccak_f1600(a);
        avila_keccak_kernel()->permute(b);
        assert_memory_equal(a, b, sizeof a);
    }
}

/* ------------------------------------------------------ streaming splits */

/* Every two-piece split of messages of 0..300 bytes (crossing every rate) equals one-shot. */
static void test_every_absorb_split(void **state)
{
    (void)state;
    uint64_t rng = 2;
    uint8_t *msg = random_bytes(&rng, 300);
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
        const struct alg *a = &algs[ai];
        size_t len = out_len(a);
        for (size_t n = 0; n <= 300; n++) {
            uint8_t want[64], got[64];
            oneshot(a, msg, n, want, len);
            for (size_t cut = 0; cut <= n; cut++) {
                struct avila_sha3 c;
                a->init(&c);
                if (a->d) {
                    avila_sha3_update(&c, msg, cut);
                    avila_sha3_update(&c, msg + cut, n - cut);
                    avila_sha3_final(&c, got);
                } else {
                    assert_int_equal(avila_shake_absorb(&c, msg, cut), 0);
                    assert_int_equal(avila_shake_absorb(&c, msg + cut, n - cut), 0);
                    avila_shake_squeeze(&c, got, len);
                }
                assert_memory_equal(got, want, len);
            }
        }
    }
    free(msg);
}

/* Every two-piece split of 1000 squeezed bytes, and random piece sequences, give one stream. */
static void test_every_squeeze_split(void **state)
{
    (void)state;
    enum { LEN = 1000 };
    uint64_t rng = 3;
    static uint8_t want[LEN], got[LEN];
    for (size_t ai = 4; ai < AVILA_ARRAY_LEN(algs); ai++) {
        const struct alg *a = &algs[ai];
        a->xof("abc", 3, want, LEN);
        for (size_t cut = 0; cut <= LEN; cut++) {
            struct avila_sha3 c;
            a->init(&c);
            assert_int_equal(avila_shake_absorb(&c, "abc", 3), 0);
            avila_shake_squeeze(&c, got, cut);
            avila_shake_squeeze(&c, got + cut, LEN - cut);
            assert_memory_equal(got, want, LEN);
        }
        for (int r = 0; r < 200; r++) {
            struct avila_sha3 c;
            a->init(&c);
            assert_int_equal(avila_shake_absorb(&c, "abc", 3), 0);
            squeeze_split(&c, got, LEN, &rng, 1 + (size_t)(unit_rand(&rng) % 300));
            assert_memory_equal(got, want, LEN);
        }
    }
}

/* A shorter SHAKE output is a prefix of a longer one. */
static void test_shake_prefix(void **state)
{
    (void)state;
    uint8_t longer[500], shorter[500];
    avila_shake256("prefix", 6, longer, sizeof longer);
    for (size_t n = 0; n <= sizeof shorter; n += 17) {
        avila_shake256("prefix", 6, shorter, n);
        assert_memory_equal(shorter, longer, n);
    }
}

/* ---------------------------------------------------------- the interface */

/* Once squeezing started, absorbing is refused and changes nothing. */
static void test_absorb_after_squeeze(void **state)
{
    (void)state;
    struct avila_sha3 c, ref;
    uint8_t a[80], b[80];
    avila_shake128_init(&c);
    assert_int_equal(avila_shake_absorb(&c, "msg", 3), 0);
    avila_shake_squeeze(&c, a, 10);
    ref = c;
    assert_int_equal(avila_shake_absorb(&c, "more", 4), AVILA_ESTATE);
    assert_int_equal(avila_shake_absorb(&c, NULL, 0), AVILA_ESTATE);
    avila_sha3_update(&c, "more", 4); /* silently ignored, as documented */
    assert_memory_equal(&c, &ref, sizeof c);
    avila_shake_squeeze(&c, a + 10, 70);
    avila_shake128("msg", 3, b, sizeof b);
    assert_memory_equal(a, b, sizeof a);
    avila_sha3_wipe(&c);
}

static void test_final_and_wipe(void **state)
{
    (void)state;
    static const uint8_t zero[sizeof(struct avila_sha3)];
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
        const struct alg *a = &algs[ai];
        struct avila_sha3 c;
        uint8_t out[80];
        memset(out, 0xee, sizeof out);
        a->init(&c);
        if (a->d) {
            avila_sha3_update(&c, "abc", 3);
            avila_sha3_final(&c, out);
            for (size_t i = a->d->digest_len; i < sizeof out; i++)
                assert_int_equal(out[i], 0xee);
        } else {
            assert_int_equal(avila_shake_absorb(&c, "abc", 3), 0);
            avila_shake_squeeze(&c, out, 5);
            assert_int_equal(out[5], 0xee);
            avila_sha3_wipe(&c);
        }
        assert_memory_equal(&c, zero, sizeof c);
    }
}

static void test_descriptors(void **state)
{
    (void)state;
    for (size_t ai = 0; ai < 4; ai++) {
        const struct alg *a = &algs[ai];
        const struct avila_digest *d = a->d;
        assert_string_equal(d->name, a->name);
        assert_int_equal(d->digest_len, (200 - a->rate) / 2);
        assert_int_equal(d->block_len, a->rate);
        assert_int_equal(d->ctx_size, sizeof(struct avila_sha3));
        assert_true(d->ctx_size <= AVILA_DIGEST_CTX_MAX);
        assert_true(d->block_len <= AVILA_DIGEST_MAX_BLOCK);
        struct avila_digest_ctx ctx;
        uint8_t x[64], y[64];
        d->init(ctx.state);
        d->update(ctx.state, "abc", 3);
        d->final(ctx.state, x);
        a->oneshot("abc", 3, y);
        assert_memory_equal(x, y, d->digest_len);
    }
}

static void test_null_empty_input(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    avila_sha3_512(NULL, 0, a);
    avila_sha3_512("", 0, b);
    assert_memory_equal(a, b, 64);
    avila_shake256(NULL, 0, a, 64);
    avila_shake256("", 0, b, 64);
    assert_memory_equal(a, b, 64);
    avila_shake128("x", 1, NULL, 0); /* no output asked: nothing written */
}

/* Inputs ending at an inaccessible page: absorbing reads nothing past the end. */
static void test_guard_pages(void **state)
{
    (void)state;
    uint64_t rng = 4;
    for (size_t n = 0; n <= 700; n += (n < 300 ? 1 : 13)) {
        uint8_t *p = unit_guarded_alloc(n);
        uint8_t *copy = random_bytes(&rng, n);
        memcpy(p, copy, n);
        for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
            uint8_t x[64], y[64];
            oneshot(&algs[ai], p, n, x, out_len(&algs[ai]));
            oneshot(&algs[ai], copy, n, y, out_len(&algs[ai]));
            assert_memory_equal(x, y, out_len(&algs[ai]));
        }
        free(copy);
        unit_guarded_free(p, n);
    }
}

static void test_impl_name(void **state)
{
    (void)state;
    assert_string_equal(avila_sha3_impl(), avila_keccak_kernel()->name);
    avila_cpu_restrict(0);
    assert_string_equal(avila_sha3_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
}

/* ------------------------------------------------------------------ peers */

/* Runs "cmd file", reads the hex digest after the last space of its output. 0 if unavailable. */
static int peer_digest(const char *cmd, const char *path, uint8_t *out, size_t len)
{
    char line[512];
    snprintf(line, sizeof line, "%s '%s' 2>/dev/null", cmd, path);
    /* A fixed command on a mkstemp path; the shell finds the tool or fails. */
    FILE *f = popen(line, "r"); /* NOLINT(cert-env33-c) */
    if (!f)
        return 0;
    char text[2048] = {0};
    size_t got = fread(text, 1, sizeof text - 1, f);
    int status = pclose(f);
    char *hex = strrchr(text, ' ');
    if (status != 0 || got == 0 || !hex)
        return 0;
    hex++;
    hex[strcspn(hex, "\n")] = '\0';
    if (strlen(hex) != 2 * len)
        return 0;
    assert_int_equal(unit_unhex(hex, out, len), len);
    return 1;
}

/* openssl dgst agrees on random files around the rate boundaries (SHAKE with 300 bytes out). */
static void test_peer_openssl(void **state)
{
    (void)state;
    static const char *const cmds[] = {
        "openssl dgst -sha3-224",
        "openssl dgst -sha3-256",
        "openssl dgst -sha3-384",
        "openssl dgst -sha3-512",
        "openssl dgst -shake128 -xoflen 300",
        "openssl dgst -shake256 -xoflen 300",
    };
    static const size_t sizes[] = {0, 1, 71, 72, 103, 104, 135, 136, 137, 143, 144, 167, 168, 1000};
    char path[] = "/tmp/avila-test-sha3-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    uint64_t rng = 5;
    int ran = 0;
    for (size_t s = 0; s < AVILA_ARRAY_LEN(sizes); s++) {
        uint8_t *msg = random_bytes(&rng, sizes[s]);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(msg, 1, sizes[s], f), sizes[s]);
        fclose(f);
        for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
            size_t len = algs[ai].d ? algs[ai].d->digest_len : 300;
            uint8_t want[300], got[300];
            if (!peer_digest(cmds[ai], path, want, len))
                continue;
            oneshot(&algs[ai], msg, sizes[s], got, len);
            assert_memory_equal(got, want, len);
            ran++;
        }
        free(msg);
    }
    unlink(path);
    if (ran == 0)
        skip();
    print_message("openssl: %d outputs compared\n", ran);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips202_examples),   cmocka_unit_test(test_cavp_sha3_256),
        cmocka_unit_test(test_keccak_zero_state),  cmocka_unit_test(test_permutation_matches_model),
        cmocka_unit_test(test_every_absorb_split), cmocka_unit_test(test_every_squeeze_split),
        cmocka_unit_test(test_shake_prefix),       cmocka_unit_test(test_absorb_after_squeeze),
        cmocka_unit_test(test_final_and_wipe),     cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_null_empty_input),   cmocka_unit_test(test_guard_pages),
        cmocka_unit_test(test_impl_name),          cmocka_unit_test(test_peer_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
