/*
 * tests/crypto/test_blake2.c - BLAKE2b and BLAKE2s (RFC 7693): the RFC's
 * examples and self-test, the official keyed KAT files, the compression
 * functions against a plain model of the RFC (counter carries included),
 * streaming splits, parameter errors, guard pages, context wiping, the digest
 * descriptors, and b2sum (coreutils) as a peer.
 *
 * Both functions run through one table (struct algo), so every test covers
 * BLAKE2b and BLAKE2s alike.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ct.h"
#include "core/error.h"
#include "crypto/blake2_int.h"
#include "crypto/digest.h"

/* BLAKE2b or BLAKE2s behind one interface. */
struct algo {
    const char *name;
    size_t block, max_out, max_key;
    size_t ctx_size;
    int (*oneshot)(void *out, size_t outlen, const void *key, size_t keylen, const void *in,
                   size_t n);
    int (*init)(void *ctx, size_t outlen, const void *key, size_t keylen);
    void (*update)(void *ctx, const void *data, size_t n);
    void (*final)(void *ctx, uint8_t *out);
    const struct avila_digest *digest;
};

static int b_init(void *c, size_t outlen, const void *key, size_t keylen)
{
    return avila_blake2b_init(c, outlen, key, keylen);
}

static int s_init(void *c, size_t outlen, const void *key, size_t keylen)
{
    return avila_blake2s_init(c, outlen, key, keylen);
}

static void b_update(void *c, const void *p, size_t n)
{
    avila_blake2b_update(c, p, n);
}

static void s_update(void *c, const void *p, size_t n)
{
    avila_blake2s_update(c, p, n);
}

static void b_final(void *c, uint8_t *out)
{
    avila_blake2b_final(c, out);
}

static void s_final(void *c, uint8_t *out)
{
    avila_blake2s_final(c, out);
}

static const struct algo algo_b = {
    "blake2b",
    AVILA_BLAKE2B_BLOCK_LEN,
    AVILA_BLAKE2B_MAX_OUT,
    AVILA_BLAKE2B_MAX_KEY,
    sizeof(struct avila_blake2b),
    avila_blake2b,
    b_init,
    b_update,
    b_final,
    &avila_digest_blake2b512,
};

static const struct algo algo_s = {
    "blake2s",
    AVILA_BLAKE2S_BLOCK_LEN,
    AVILA_BLAKE2S_MAX_OUT,
    AVILA_BLAKE2S_MAX_KEY,
    sizeof(struct avila_blake2s),
    avila_blake2s,
    s_init,
    s_update,
    s_final,
    &avila_digest_blake2s256,
};

static const struct algo *const algos[] = {&algo_b, &algo_s};

static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    return p;
}

/* Hashes in streaming, in random pieces of 1..max_piece bytes with empty updates mixed in. */
static void stream(const struct algo *a, uint8_t *out, size_t outlen, const uint8_t *key,
                   size_t keylen, const uint8_t *in, size_t n, uint64_t *rng, size_t max_piece)
{
    _Alignas(16) uint8_t ctx[256];
    assert_true(a->ctx_size <= sizeof ctx);
    assert_int_equal(a->init(ctx, outlen, key, keylen), 0);
    size_t off = 0;
    while (off < n) {
        uint64_t r = unit_rand(rng);
        if (r % 8 == 0)
            a->update(ctx, in + off, 0);
        size_t part = 1 + (size_t)((r >> 3) % max_piece);
        if (part > n - off)
            part = n - off;
        a->update(ctx, in + off, part);
        off += part;
    }
    a->final(ctx, out);
}

/* ------------------------------------------------------------- RFC 7693 */

/* The self-test sequence of RFC 7693, Appendix E (a Fibonacci-like generator). */
static void selftest_seq(uint8_t *out, size_t len, uint32_t seed)
{
    uint32_t a = 0xDEAD4BADu * seed, b = 1;
    for (size_t i = 0; i < len; i++) {
        uint32_t t = a + b;
        a = b;
        b = t;
        out[i] = (uint8_t)(t >> 24);
    }
}

/* Parses a blank-separated list of at most cap numbers; returns the count. */
static size_t parse_list(const char *s, size_t *out, size_t cap)
{
    size_t n = 0;
    char *end;
    for (;;) {
        unsigned long v = strtoul(s, &end, 10);
        if (end == s)
            break;
        assert_true(n < cap);
        out[n++] = v;
        s = end;
    }
    return n;
}

/* The Appendix E grand hash. */
static void rfc_selftest(const struct algo *a, const struct tv_file *tv, uint8_t grand[32])
{
    size_t md[8], in[8];
    size_t nmd = parse_list(tv_str(tv, "md_lens"), md, 8);
    size_t nin = parse_list(tv_str(tv, "in_lens"), in, 8);
    uint8_t msg[1024], key[64], md_out[64];
    _Alignas(16) uint8_t ctx[256];
    assert_int_equal(a->init(ctx, 32, NULL, 0), 0);
    for (size_t i = 0; i < nmd; i++) {
        for (size_t j = 0; j < nin; j++) {
            assert_true(in[j] <= sizeof msg && md[i] <= sizeof key);
            selftest_seq(msg, in[j], (uint32_t)in[j]);
            assert_int_equal(a->oneshot(md_out, md[i], NULL, 0, msg, in[j]), 0);
            a->update(ctx, md_out, md[i]);
            selftest_seq(key, md[i], (uint32_t)md[i]);
            assert_int_equal(a->oneshot(md_out, md[i], key, md[i], msg, in[j]), 0);
            a->update(ctx, md_out, md[i]);
        }
    }
    a->final(ctx, grand);
}

static void rfc7693_examples_and_selftest(void **state)
{
    (void)state;
    struct tv_file tv;
    int examples = 0, selftests = 0;
    tv_open(&tv, "blake2/rfc7693.txt");
    while (tv_next(&tv)) {
        const struct algo *a = strcmp(tv_str(&tv, "alg"), "blake2b") == 0 ? &algo_b : &algo_s;
        size_t outlen;
        uint8_t *want = tv_hex(&tv, "out", &outlen);
        uint8_t got[64];
        if (tv_has(&tv, "in")) {
            size_t n;
            uint8_t *in = tv_hex(&tv, "in", &n);
            assert_int_equal(a->oneshot(got, outlen, NULL, 0, in, n), 0);
            free(in);
        } else {
            rfc_selftest(a, &tv, got);
        }
        assert_memory_equal(got, want, outlen);
        if (tv_has(&tv, "in"))
            examples++;
        else
            selftests++;
        free(want);
    }
    tv_close(&tv);
    assert_int_equal(examples, 2);
    assert_int_equal(selftests, 2);
}

/* ---------------------------------------------------------- KAT files */

/* Runs a keyed KAT file one-shot, in random pieces and byte by byte. */
static void check_kat(const struct algo *a, const char *path)
{
    uint8_t key[64], in[256];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)i;
    uint64_t rng = 7;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        size_t n = (size_t)tv_u64(&tv, "len"), outlen;
        uint8_t *want = tv_hex(&tv, "out", &outlen);
        assert_true(n < sizeof in);
        assert_int_equal(outlen, a->max_out);
        uint8_t got[64];
        assert_int_equal(a->oneshot(got, outlen, key, a->max_key, in, n), 0);
        assert_memory_equal(got, want, outlen);
        stream(a, got, outlen, key, a->max_key, in, n, &rng, 1 + n % 150);
        assert_memory_equal(got, want, outlen);
        stream(a, got, outlen, key, a->max_key, in, n, &rng, 1);
        assert_memory_equal(got, want, outlen);
        free(want);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 256);
}

static void blake2b_official_kat(void **state)
{
    (void)state;
    check_kat(&algo_b, "blake2/blake2b-kat.txt");
}

static void blake2s_official_kat(void **state)
{
    (void)state;
    check_kat(&algo_s, "blake2/blake2s-kat.txt");
}

/* ------------------------------------------------- F against a model */

static const uint8_t MODEL_SIGMA[10][16] = AVILA_BLAKE2_SIGMA;

/* The parameters of one BLAKE2 variant for the model (RFC 7693, section 2.1). */
struct variant {
    unsigned bits, rounds; /* word size w, rounds r */
    unsigned rot[4];       /* R1..R4 */
    uint64_t iv[8];
};

static const struct variant V_B = {64, 12, {32, 24, 16, 63}, AVILA_BLAKE2B_IV};
static const struct variant V_S = {32, 10, {16, 12, 8, 7}, AVILA_BLAKE2S_IV};

/*
 * RFC 7693 section 3.2 as written there, for either word size: the state in
 * an array, words held in uint64_t and masked to w bits, G with the section
 * 2.1 rotations, rounds indexed through SIGMA[i mod 10], the counter as the
 * double word t_lo, t_hi.
 */
static void model_f(const struct variant *p, uint64_t h[8], const uint8_t *block, uint64_t t_lo,
                    uint64_t t_hi, int last)
{
    static const size_t idx[8][4] = {{0, 4, 8, 12},  {1, 5, 9, 13},  {2, 6, 10, 14}, {3, 7, 11, 15},
                                     {0, 5, 10, 15}, {1, 6, 11, 12}, {2, 7, 8, 13},  {3, 4, 9, 14}};
    const uint64_t mask = p->bits == 64 ? ~(uint64_t)0 : ((uint64_t)1 << p->bits) - 1;
    const size_t bytes = p->bits / 8;
    uint64_t v[16], m[16];
    for (size_t i = 0; i < 16; i++) {
        m[i] = 0;
        for (size_t j = 0; j < bytes; j++)
            m[i] |= (uint64_t)block[i * bytes + j] << (8 * j);
    }
    for (size_t i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = p->iv[i];
    }
    v[12] ^= t_lo;
    v[13] ^= t_hi;
    if (last)
        v[14] ^= mask;
    for (unsigned r = 0; r < p->rounds; r++) {
        const uint8_t *s = MODEL_SIGMA[r % 10];
        for (size_t g = 0; g < 8; g++) {
            uint64_t *a = &v[idx[g][0]], *b = &v[idx[g][1]], *c = &v[idx[g][2]], *d = &v[idx[g][3]];
            for (size_t half = 0; half < 2; half++) {
                unsigned r1 = p->rot[2 * half], r2 = p->rot[2 * half + 1];
                *a = (*a + *b + m[s[2 * g + half]]) & mask;
                *d = ((*d ^ *a) >> r1 | (*d ^ *a) << (p->bits - r1)) & mask;
                *c = (*c + *d) & mask;
                *b = ((*b ^ *c) >> r2 | (*b ^ *c) << (p->bits - r2)) & mask;
            }
        }
    }
    for (size_t i = 0; i < 8; i++)
        h[i] ^= v[i] ^ v[i + 8];
}

/*
 * avila_blake2b_compress / avila_blake2s_compress against the model on
 * random states and blocks, with counters placed where adding the block
 * sizes carries into the high word (BLAKE2s reaches it after 4 GiB).
 */
static void compression_matches_model(void **state)
{
    (void)state;
    uint64_t rng = 5;
    uint8_t blocks[3 * 128];
    for (int iter = 0; iter < 200; iter++) {
        unit_rand_fill(&rng, blocks, sizeof blocks);
        uint64_t h64[8], m64[8], t64[2];
        unit_rand_fill(&rng, h64, sizeof h64);
        memcpy(m64, h64, sizeof h64);
        uint64_t lo = ~(uint64_t)0 - unit_rand(&rng) % 400, hi = unit_rand(&rng) % 3;
        uint64_t inc = iter % 2 ? 128 : 1 + unit_rand(&rng) % 128, f = iter % 3 ? 0 : ~(uint64_t)0;
        t64[0] = lo;
        t64[1] = hi;
        avila_blake2b_compress(h64, t64, blocks, 3, inc, f);
        for (size_t i = 0; i < 3; i++) {
            lo += inc;
            hi += lo < inc;
            model_f(&V_B, m64, blocks + 128 * i, lo, hi, f != 0);
        }
        assert_memory_equal(h64, m64, sizeof h64);
        assert_true(t64[0] == lo && t64[1] == hi);

        uint32_t h32[8], t32[2];
        unit_rand_fill(&rng, h32, sizeof h32);
        for (size_t i = 0; i < 8; i++)
            m64[i] = h32[i];
        uint32_t lo32 = ~(uint32_t)0 - (uint32_t)(unit_rand(&rng) % 200);
        uint32_t hi32 = (uint32_t)(unit_rand(&rng) % 3);
        uint32_t inc32 = (uint32_t)inc / 2, f32 = (uint32_t)f;
        t32[0] = lo32;
        t32[1] = hi32;
        avila_blake2s_compress(h32, t32, blocks, 3, inc32, f32);
        for (size_t i = 0; i < 3; i++) {
            lo32 += inc32;
            hi32 += lo32 < inc32;
            model_f(&V_S, m64, blocks + 64 * i, lo32, hi32, f32 != 0);
        }
        for (size_t i = 0; i < 8; i++)
            assert_int_equal(h32[i], m64[i]);
        assert_true(t32[0] == lo32 && t32[1] == hi32);
    }
}

/* ------------------------------------------------------------- streaming */

/* Every split of inputs around the block boundaries gives the one-shot digest. */
static void streaming_matches_oneshot(void **state)
{
    (void)state;
    uint64_t rng = 3;
    uint8_t *buf = random_bytes(&rng, 700);
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algos); ai++) {
        const struct algo *a = algos[ai];
        for (size_t n = 0; n <= 3 * a->block + 1; n++) {
            uint8_t key[64], want[64], got[64];
            size_t keylen = n % 3 == 0 ? 0 : 1 + n % a->max_key;
            unit_rand_fill(&rng, key, sizeof key);
            assert_int_equal(a->oneshot(want, a->max_out, key, keylen, buf, n), 0);
            /* Two pieces at every cut point. */
            for (size_t cut = 0; cut <= n; cut += 1 + n / 16) {
                _Alignas(16) uint8_t ctx[256];
                assert_int_equal(a->init(ctx, a->max_out, key, keylen), 0);
                a->update(ctx, buf, cut);
                a->update(ctx, buf + cut, n - cut);
                a->final(ctx, got);
                assert_memory_equal(got, want, a->max_out);
            }
            stream(a, got, a->max_out, key, keylen, buf, n, &rng, 1 + a->block);
            assert_memory_equal(got, want, a->max_out);
        }
    }
    free(buf);
}

/* Digests of different lengths are different functions, not truncations (outlen is a parameter). */
static void outlen_is_a_parameter(void **state)
{
    (void)state;
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algos); ai++) {
        const struct algo *a = algos[ai];
        uint8_t full[64], shorter[64];
        assert_int_equal(a->oneshot(full, a->max_out, NULL, 0, "x", 1), 0);
        for (size_t len = 2; len < a->max_out; len++) {
            assert_int_equal(a->oneshot(shorter, len, NULL, 0, "x", 1), 0);
            assert_true(memcmp(shorter, full, len) != 0);
        }
    }
}

/* ------------------------------------------------------------ parameters */

static void bad_parameters_are_rejected(void **state)
{
    (void)state;
    uint8_t key[65] = {0}, out[65];
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algos); ai++) {
        const struct algo *a = algos[ai];
        _Alignas(16) uint8_t ctx[256], before[256];
        memset(ctx, 0x77, sizeof ctx);
        memcpy(before, ctx, sizeof ctx);
        const size_t bad[][2] = {{0, 0}, {a->max_out + 1, 0}, {1, a->max_key + 1}, {SIZE_MAX, 0}};
        for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
            assert_int_equal(a->init(ctx, bad[i][0], key, bad[i][1]), AVILA_EINVAL);
            assert_memory_equal(ctx, before, sizeof ctx);
            memset(out, 0x33, sizeof out);
            assert_int_equal(a->oneshot(out, bad[i][0], key, bad[i][1], "abc", 3), AVILA_EINVAL);
            for (size_t j = 0; j < sizeof out; j++)
                assert_int_equal(out[j], 0x33);
        }
        /* The extremes are accepted; a NULL key with keylen 0 and NULL data with n 0 too. */
        assert_int_equal(a->init(ctx, a->max_out, key, a->max_key), 0);
        a->update(ctx, NULL, 0);
        a->final(ctx, out);
        assert_int_equal(a->init(ctx, 1, NULL, 0), 0);
        a->final(ctx, out);
        assert_int_equal(a->oneshot(out, a->max_out, NULL, 0, NULL, 0), 0);
    }
}

/* final() wipes the whole context, key block included. */
static void final_wipes_the_context(void **state)
{
    (void)state;
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algos); ai++) {
        const struct algo *a = algos[ai];
        _Alignas(16) uint8_t ctx[256], out[64];
        uint8_t key[64];
        memset(key, 0xc3, sizeof key);
        assert_int_equal(a->init(ctx, a->max_out, key, a->max_key), 0);
        a->update(ctx, "secret message", 14);
        a->final(ctx, out);
        assert_true(avila_ct_is_zero(ctx, a->ctx_size));
    }
}

/* One-shot output may overwrite its own input. */
static void oneshot_in_place(void **state)
{
    (void)state;
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algos); ai++) {
        const struct algo *a = algos[ai];
        uint8_t buf[300], want[64];
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)(i * 13);
        assert_int_equal(a->oneshot(want, a->max_out, NULL, 0, buf, 300), 0);
        assert_int_equal(a->oneshot(buf + 100, a->max_out, NULL, 0, buf, 300), 0);
        assert_memory_equal(buf + 100, want, a->max_out);
    }
}

/* Inputs that end at an inaccessible page, hashed whole and byte by byte. */
static void reads_no_byte_past_the_end(void **state)
{
    (void)state;
    uint64_t rng = 11;
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algos); ai++) {
        const struct algo *a = algos[ai];
        for (size_t n = 0; n <= 4 * a->block + 3; n++) {
            uint8_t *p = unit_guarded_alloc(n);
            unit_rand_fill(&rng, p, n);
            uint8_t want[64], got[64];
            assert_int_equal(a->oneshot(want, 32, NULL, 0, p, n), 0);
            stream(a, got, 32, NULL, 0, p, n, &rng, 1);
            assert_memory_equal(got, want, 32);
            unit_guarded_free(p, n);
        }
    }
}

/* ---------------------------------------------------------- impl, digest */

static void impl_is_portable(void **state)
{
    (void)state;
    assert_string_equal(avila_blake2b_impl(), "portable");
    assert_string_equal(avila_blake2s_impl(), "portable");
}

static void digest_descriptors(void **state)
{
    (void)state;
    assert_string_equal(avila_digest_blake2b512.name, "blake2b512");
    assert_string_equal(avila_digest_blake2s256.name, "blake2s256");
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algos); ai++) {
        const struct algo *a = algos[ai];
        const struct avila_digest *d = a->digest;
        assert_int_equal(d->digest_len, a->max_out);
        assert_int_equal(d->block_len, a->block);
        assert_int_equal(d->ctx_size, a->ctx_size);
        assert_true(d->ctx_size <= AVILA_DIGEST_CTX_MAX);
        uint8_t want[64], got[64];
        assert_int_equal(a->oneshot(want, a->max_out, NULL, 0, "abc", 3), 0);
        assert_int_equal(avila_digest(d, "abc", 3, got), 0);
        assert_memory_equal(got, want, a->max_out);
        struct avila_digest_ctx ctx;
        d->init(ctx.state);
        d->update(ctx.state, "a", 1);
        d->update(ctx.state, "bc", 2);
        d->final(ctx.state, got);
        assert_memory_equal(got, want, a->max_out);
    }
}

/* ------------------------------------------------------------ b2sum peer */

/* Runs `b2sum -l bits file` on data; returns 0 and fills hex, or -1 if b2sum cannot run. */
static int run_b2sum(const uint8_t *data, size_t n, unsigned bits, char *hex, size_t cap)
{
    char path[] = "/tmp/avila-blake2-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "b2sum -l %u %s 2>/dev/null", bits, path);
    FILE *f = popen(cmd, "r"); /* NOLINT(cert-env33-c): runs the b2sum peer */
    int ok = f && fgets(hex, (int)cap, f) != NULL;
    int status = f ? pclose(f) : -1;
    unlink(path);
    if (!ok || status != 0)
        return -1;
    hex[strcspn(hex, " ")] = '\0';
    return 0;
}

static void matches_b2sum(void **state)
{
    (void)state;
    if (system("command -v b2sum >/dev/null 2>&1") != 0) /* NOLINT(cert-env33-c) */
        skip();
    uint64_t rng = 17;
    const size_t lens[] = {0, 1, 127, 128, 129, 1000, 4096, 100003};
    const unsigned bits[] = {512, 256, 8, 160};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        uint8_t *data = random_bytes(&rng, lens[i]);
        unsigned b = bits[i % AVILA_ARRAY_LEN(bits)];
        char hex[200];
        assert_int_equal(run_b2sum(data, lens[i], b, hex, sizeof hex), 0);
        uint8_t want[64], got[64];
        assert_int_equal(unit_unhex(hex, want, sizeof want), b / 8);
        assert_int_equal(avila_blake2b(got, b / 8, NULL, 0, data, lens[i]), 0);
        assert_memory_equal(got, want, b / 8);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7693_examples_and_selftest),
        cmocka_unit_test(blake2b_official_kat),
        cmocka_unit_test(blake2s_official_kat),
        cmocka_unit_test(compression_matches_model),
        cmocka_unit_test(streaming_matches_oneshot),
        cmocka_unit_test(outlen_is_a_parameter),
        cmocka_unit_test(bad_parameters_are_rejected),
        cmocka_unit_test(final_wipes_the_context),
        cmocka_unit_test(oneshot_in_place),
        cmocka_unit_test(reads_no_byte_past_the_end),
        cmocka_unit_test(impl_is_portable),
        cmocka_unit_test(digest_descriptors),
        cmocka_unit_test(matches_b2sum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
