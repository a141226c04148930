/*
 * tests/crypto/test_sha2.c - SHA-224, SHA-256, SHA-384, SHA-512 and
 * SHA-512/256: FIPS 180-4 examples and NIST CAVP SHAVS vectors (short,
 * long, Monte Carlo) through every block function this CPU has, the one-shot,
 * streaming and descriptor interfaces; every two-way split of streaming
 * input; each fast path against the portable one on random lengths and
 * alignments; the 64- and 128-bit length field with forged byte counters;
 * the SHA-512/256 IV from its generation function; guard pages; wiping; and
 * the coreutils / OpenSSL tools as peers when installed.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "crypto/digest.h"
#include "crypto/sha2.h"
#include "crypto/sha2_int.h"

/* ------------------------------------------------------------------ tables */

typedef void (*oneshot_fn)(const void *data, size_t n, uint8_t *out);

struct alg {
    const char *name; /* as in the vector files and digest descriptors */
    const struct avila_digest *d;
    oneshot_fn oneshot;
    /* The truncating final of this variant (writes digest_len bytes). */
    void (*final)(void *ctx, uint8_t *out);
    int wide; /* 1 for the SHA-512 family */
};

static void final224(void *c, uint8_t *out)
{
    avila_sha224_final(c, out);
}

static void final256(void *c, uint8_t *out)
{
    avila_sha256_final(c, out);
}

static void final384(void *c, uint8_t *out)
{
    avila_sha384_final(c, out);
}

static void final512(void *c, uint8_t *out)
{
    avila_sha512_final(c, out);
}

static void final512_256(void *c, uint8_t *out)
{
    avila_sha512_256_final(c, out);
}

static const struct alg algs[] = {
    {"sha224", &avila_digest_sha224, avila_sha224, final224, 0},
    {"sha256", &avila_digest_sha256, avila_sha256, final256, 0},
    {"sha384", &avila_digest_sha384, avila_sha384, final384, 1},
    {"sha512", &avila_digest_sha512, avila_sha512, final512, 1},
    {"sha512-256", &avila_digest_sha512_256, avila_sha512_256, final512_256, 1},
};

static const struct alg *find_alg(const char *name)
{
    for (size_t i = 0; i < AVILA_ARRAY_LEN(algs); i++)
        if (strcmp(algs[i].name, name) == 0)
            return &algs[i];
    fail_msg("unknown algorithm %s", name);
    return NULL;
}

/* A block function variant: the CPU restriction that selects it and its name. */
struct variant {
    uint32_t mask;
    const char *name;
};

/* The SHA-256 or SHA-512 variants this CPU can run, portable first. */
static size_t variants(int wide, struct variant out[4])
{
    size_t n = 0;
    if (wide) {
        out[n++] = (struct variant){0, avila_sha512_kernel_portable.name};
#if AVILA_X86_64
        const struct avila_sha512_kernel *k = &avila_sha512_kernel_avx2;
        if ((avila_cpu_detected() & k->cpu) == k->cpu)
            out[n++] = (struct variant){k->cpu, k->name};
#endif
    } else {
        out[n++] = (struct variant){0, avila_sha256_kernel_portable.name};
#if AVILA_X86_64
        const struct avila_sha256_kernel *k = &avila_sha256_kernel_shani;
        if ((avila_cpu_detected() & k->cpu) == k->cpu)
            out[n++] = (struct variant){k->cpu, k->name};
#endif
    }
    return n;
}

/* Restricts the CPU to v and checks the dispatcher now names it. */
static void use_variant(int wide, const struct variant *v)
{
    avila_cpu_restrict(v->mask);
    assert_string_equal(wide ? avila_sha512_impl() : avila_sha256_impl(), v->name);
}

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/* ------------------------------------------------------------------ helpers */

static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    return p;
}

/* Feeds p[0..n) to d's update in random pieces of 1..max_piece bytes, with empty updates. */
static void feed_split(const struct avila_digest *d, void *ctx, const uint8_t *p, size_t n,
                       uint64_t *rng, size_t max_piece)
{
    size_t off = 0;
    while (off < n) {
        uint64_t r = unit_rand(rng);
        if (r % 8 == 0)
            d->update(ctx, p + off, 0);
        size_t part = 1 + (size_t)((r >> 3) % max_piece);
        if (part > n - off)
            part = n - off;
        d->update(ctx, p + off, part);
        off += part;
    }
}

/*
 * Hashes msg with the current variant through the one-shot function, the
 * generic one-shot, and streaming (random pieces, the variant's own final)
 * and checks all three give md.
 */
static void check_all_ways(const struct alg *a, const uint8_t *msg, size_t n, const uint8_t *md,
                           uint64_t *rng)
{
    uint8_t out[64];
    size_t len = a->d->digest_len;
    a->oneshot(msg, n, out);
    assert_memory_equal(out, md, len);
    memset(out, 0, sizeof out);
    assert_int_equal(avila_digest(a->d, msg, n, out), 0);
    assert_memory_equal(out, md, len);
    struct avila_digest_ctx ctx;
    a->d->init(ctx.state);
    feed_split(a->d, ctx.state, msg, n, rng, 1 + unit_rand(rng) % 300);
    memset(out, 0, sizeof out);
    a->final(ctx.state, out);
    assert_memory_equal(out, md, len);
}

/* Runs every record of a vector file through every variant and interface; returns the count. */
static int run_vector_file(const char *relpath)
{
    struct tv_file tv;
    uint64_t rng = 1;
    int records = 0;
    tv_open(&tv, relpath);
    while (tv_next(&tv)) {
        const struct alg *a = find_alg(tv_str(&tv, "alg"));
        size_t n, md_len;
        uint8_t *msg = tv_message(&tv, &n);
        uint8_t *md = tv_hex(&tv, "md", &md_len);
        assert_int_equal(md_len, a->d->digest_len);
        struct variant v[4];
        size_t nv = variants(a->wide, v);
        for (size_t i = 0; i < nv; i++) {
            use_variant(a->wide, &v[i]);
            check_all_ways(a, msg, n, md, &rng);
        }
        free(msg);
        free(md);
        records++;
    }
    tv_close(&tv);
    avila_cpu_restrict(AVILA_CPU_ALL);
    return records;
}

/* ----------------------------------------------------------- known answers */

static void test_fips180_examples(void **state)
{
    (void)state;
    assert_int_equal(run_vector_file("sha2/fips180-examples.txt"), 25);
}

static void test_cavp_shortmsg(void **state)
{
    (void)state;
    assert_int_equal(run_vector_file("sha2/cavp-shortmsg.txt"), 25);
}

static void test_cavp_longmsg(void **state)
{
    (void)state;
    assert_int_equal(run_vector_file("sha2/cavp-longmsg.txt"), 4);
}

/* SHAVS 6.4: 1000 chained hashes of the last three digests per checkpoint. */
static void test_cavp_monte(void **state)
{
    (void)state;
    struct tv_file tv;
    int records = 0;
    tv_open(&tv, "sha2/cavp-monte.txt");
    while (tv_next(&tv)) {
        const struct alg *a = find_alg(tv_str(&tv, "alg"));
        size_t len = a->d->digest_len, seed_len;
        uint8_t *seed = tv_hex(&tv, "seed", &seed_len);
        assert_int_equal(seed_len, len);
        struct variant v[4];
        size_t nv = variants(a->wide, v);
        for (size_t k = 0; k < nv; k++) {
            use_variant(a->wide, &v[k]);
            uint8_t md[3][64], m[3 * 64];
            memcpy(md[2], seed, len);
            for (int j = 0; j < 4; j++) {
                memcpy(md[0], md[2], len);
                memcpy(md[1], md[2], len);
                for (int i = 3; i < 1003; i++) {
                    memcpy(m, md[0], len);
                    memcpy(m + len, md[1], len);
                    memcpy(m + 2 * len, md[2], len);
                    memcpy(md[0], md[1], len);
                    memcpy(md[1], md[2], len);
                    a->oneshot(m, 3 * len, md[2]);
                }
                char key[4] = {'m', 'd', (char)('0' + j), 0};
                size_t want_len;
                uint8_t *want = tv_hex(&tv, key, &want_len);
                assert_memory_equal(md[2], want, len);
                free(want);
            }
        }
        free(seed);
        records++;
    }
    tv_close(&tv);
    avila_cpu_restrict(AVILA_CPU_ALL);
    assert_int_equal(records, 4);
}

/* ------------------------------------------------------ derived constants */

/*
 * FIPS 180-4 section 5.3.6: the SHA-512/t IV is SHA-512 of "SHA-512/t"
 * started from SHA-512's IV with every byte XORed with 0xa5. Computed here
 * with the bare block function and padding written out by hand.
 */
static void test_sha512_256_iv_generation(void **state)
{
    (void)state;
    struct avila_sha512 c512, c256;
    avila_sha512_init(&c512);
    avila_sha512_256_init(&c256);
    uint64_t h[8];
    for (int i = 0; i < 8; i++)
        h[i] = c512.h[i] ^ 0xa5a5a5a5a5a5a5a5ull;
    uint8_t block[128] = "SHA-512/256";
    size_t n = strlen((const char *)block);
    block[n] = 0x80;
    avila_store_be64(block + 120, (uint64_t)n * 8);
    avila_sha512_kernel_portable.blocks(h, block, 1);
    assert_memory_equal(h, c256.h, sizeof h);
    /* And SHA-224's IV is the low half of SHA-384's words (5.3.2 and 5.3.4 use the same primes). */
    struct avila_sha512 c384;
    struct avila_sha256 c224;
    avila_sha384_init(&c384);
    avila_sha224_init(&c224);
    for (int i = 0; i < 8; i++)
        assert_int_equal(c224.h[i], (uint32_t)c384.h[i]);
}

/* -------------------------------------------------------- length encoding */

/*
 * Forges the byte counter of a context (as if 2^61 or more bytes had gone
 * by), absorbs "abc" and checks the final block against one built by hand:
 * "abc", 0x80, zeros, and the bit count big-endian in the last 8 bytes
 * (SHA-256) or 16 bytes (SHA-512: the count's top bits spill into the high
 * 64-bit word).
 */
static void test_length_field_forged_counter(void **state)
{
    (void)state;
    static const uint64_t counts[] = {
        0,
        (uint64_t)1 << 32,
        ((uint64_t)1 << 61) - 256, /* the largest SHA-256 input: 2^64 - 1 bits */
        (uint64_t)1 << 61,         /* one more byte count bit: bits overflow 64 */
        0xffffffffffffff00ull,     /* all top bits: SHA-512's high word gets 7 */
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(counts); i++) {
        uint64_t total = counts[i] + 3;
        /* SHA-256 */
        struct avila_sha256 c;
        avila_sha256_init(&c);
        uint32_t h32[8];
        memcpy(h32, c.h, sizeof h32);
        c.nbytes = counts[i];
        avila_sha256_update(&c, "abc", 3);
        uint8_t out[64], want[64];
        avila_sha256_final(&c, out);
        uint8_t block[128] = {'a', 'b', 'c', 0x80};
        avila_store_be64(block + 56, total << 3);
        avila_sha256_kernel_portable.blocks(h32, block, 1);
        for (size_t w = 0; w < 8; w++)
            avila_store_be32(want + 4 * w, h32[w]);
        assert_memory_equal(out, want, 32);
        /* SHA-512 */
        struct avila_sha512 c5;
        avila_sha512_init(&c5);
        uint64_t h64[8];
        memcpy(h64, c5.h, sizeof h64);
        c5.nbytes = counts[i];
        avila_sha512_update(&c5, "abc", 3);
        avila_sha512_final(&c5, out);
        memset(block, 0, sizeof block);
        block[0] = 'a', block[1] = 'b', block[2] = 'c', block[3] = 0x80;
        avila_store_be64(block + 112, total >> 61);
        avila_store_be64(block + 120, total << 3);
        avila_sha512_kernel_portable.blocks(h64, block, 1);
        for (size_t w = 0; w < 8; w++)
            avila_store_be64(want + 8 * w, h64[w]);
        assert_memory_equal(out, want, 64);
    }
}

/* ------------------------------------------------------ streaming splits */

/* Every two-piece split of every message of 0..300 bytes equals the one-shot hash. */
static void test_every_split(void **state)
{
    (void)state;
    uint64_t rng = 2;
    uint8_t *msg = random_bytes(&rng, 300);
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
        const struct alg *a = &algs[ai];
        /* The truncated variants share their block function; one length range each is enough. */
        size_t max = a == find_alg("sha256") || a == find_alg("sha512") ? 300 : 140;
        struct variant v[4];
        size_t nv = variants(a->wide, v);
        for (size_t k = 0; k < nv; k++) {
            use_variant(a->wide, &v[k]);
            for (size_t n = 0; n <= max; n++) {
                uint8_t want[64];
                a->oneshot(msg, n, want);
                for (size_t cut = 0; cut <= n; cut++) {
                    struct avila_digest_ctx ctx;
                    uint8_t out[64];
                    a->d->init(ctx.state);
                    a->d->update(ctx.state, msg, cut);
                    a->d->update(ctx.state, msg + cut, n - cut);
                    a->d->final(ctx.state, out);
                    assert_memory_equal(out, want, a->d->digest_len);
                }
            }
        }
    }
    free(msg);
    avila_cpu_restrict(AVILA_CPU_ALL);
}

/* -------------------------------------------------- fast paths vs portable */

/*
 * Each fast variant against the portable one: lengths 0..300 at every
 * alignment 0..15, then random lengths up to 20000 streamed in random pieces.
 */
static void test_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 3;
    uint8_t *buf = random_bytes(&rng, 20000 + 16);
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
        const struct alg *a = &algs[ai];
        struct variant v[4];
        size_t nv = variants(a->wide, v);
        for (size_t k = 1; k < nv; k++) {
            for (size_t n = 0; n <= 300; n++) {
                for (size_t align = 0; align < 16; align++) {
                    uint8_t want[64], got[64];
                    use_variant(a->wide, &v[0]);
                    a->oneshot(buf + align, n, want);
                    use_variant(a->wide, &v[k]);
                    a->oneshot(buf + align, n, got);
                    assert_memory_equal(got, want, a->d->digest_len);
                }
            }
            for (int r = 0; r < 200; r++) {
                size_t n = (size_t)(unit_rand(&rng) % 20001);
                size_t align = (size_t)(unit_rand(&rng) % 16);
                uint8_t want[64], got[64];
                use_variant(a->wide, &v[0]);
                a->oneshot(buf + align, n, want);
                use_variant(a->wide, &v[k]);
                struct avila_digest_ctx ctx;
                a->d->init(ctx.state);
                feed_split(a->d, ctx.state, buf + align, n, &rng, 1 + unit_rand(&rng) % 1000);
                a->d->final(ctx.state, got);
                assert_memory_equal(got, want, a->d->digest_len);
            }
        }
    }
    free(buf);
    avila_cpu_restrict(AVILA_CPU_ALL);
}

/* Inputs that end at an inaccessible page: no block function reads past the end. */
static void test_guard_pages(void **state)
{
    (void)state;
    uint64_t rng = 4;
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
        const struct alg *a = &algs[ai];
        struct variant v[4];
        size_t nv = variants(a->wide, v);
        /* Up to 9 blocks, so that pairs and a lone last block both end at the page. */
        for (size_t n = 0; n <= 1200; n += (n < 140 ? 1 : 7)) {
            uint8_t *p = unit_guarded_alloc(n);
            unit_rand_fill(&rng, p, n);
            uint8_t want[64], got[64];
            use_variant(a->wide, &v[0]);
            a->oneshot(p, n, want);
            for (size_t k = 1; k < nv; k++) {
                use_variant(a->wide, &v[k]);
                a->oneshot(p, n, got);
                assert_memory_equal(got, want, a->d->digest_len);
            }
            unit_guarded_free(p, n);
        }
    }
    avila_cpu_restrict(AVILA_CPU_ALL);
}

/* ----------------------------------------------------------- the interface */

/* final writes exactly the digest length, and wipes the context. */
static void test_final_lengths_and_wipe(void **state)
{
    (void)state;
    static const uint8_t zero[sizeof(struct avila_sha512)];
    for (size_t ai = 0; ai < AVILA_ARRAY_LEN(algs); ai++) {
        const struct alg *a = &algs[ai];
        struct avila_digest_ctx ctx;
        uint8_t out[80];
        /* Through the variant's own final and through the descriptor's. */
        for (int way = 0; way < 2; way++) {
            memset(out, 0xee, sizeof out);
            a->d->init(ctx.state);
            a->d->update(ctx.state, "abc", 3);
            (way ? a->d->final : a->final)(ctx.state, out);
            for (size_t i = a->d->digest_len; i < sizeof out; i++)
                assert_int_equal(out[i], 0xee);
            assert_memory_equal(ctx.state, zero, a->d->ctx_size);
        }
    }
}

static void test_descriptors(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t digest_len, block_len, ctx_size;
    } want[] = {
        {"sha224", 28, 64, sizeof(struct avila_sha256)},
        {"sha256", 32, 64, sizeof(struct avila_sha256)},
        {"sha384", 48, 128, sizeof(struct avila_sha512)},
        {"sha512", 64, 128, sizeof(struct avila_sha512)},
        {"sha512-256", 32, 128, sizeof(struct avila_sha512)},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(want); i++) {
        const struct avila_digest *d = algs[i].d;
        assert_string_equal(d->name, want[i].name);
        assert_int_equal(d->digest_len, want[i].digest_len);
        assert_int_equal(d->block_len, want[i].block_len);
        assert_int_equal(d->ctx_size, want[i].ctx_size);
        assert_true(d->ctx_size <= AVILA_DIGEST_CTX_MAX);
        assert_true(d->digest_len <= AVILA_DIGEST_MAX_LEN);
        assert_true(d->block_len <= AVILA_DIGEST_MAX_BLOCK);
    }
}

/* NULL data is allowed with length 0; the empty hash comes out. */
static void test_null_empty_input(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    avila_sha256(NULL, 0, a);
    avila_sha256("", 0, b);
    assert_memory_equal(a, b, 32);
    struct avila_sha512 c;
    uint8_t x[64], y[64];
    avila_sha512_init(&c);
    avila_sha512_update(&c, NULL, 0);
    avila_sha512_final(&c, x);
    avila_sha512("", 0, y);
    assert_memory_equal(x, y, 64);
}

/* A context copied mid-stream continues independently (HMAC relies on it). */
static void test_context_copy(void **state)
{
    (void)state;
    struct avila_sha256 c, fork;
    uint8_t a[32], b[32];
    avila_sha256_init(&c);
    avila_sha256_update(&c, "hello ", 6);
    fork = c;
    avila_sha256_update(&c, "world", 5);
    avila_sha256_update(&fork, "world", 5);
    avila_sha256_final(&c, a);
    avila_sha256_final(&fork, b);
    assert_memory_equal(a, b, 32);
    avila_sha256("hello world", 11, b);
    assert_memory_equal(a, b, 32);
}

static void test_impl_names(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_sha256_impl(), "portable");
    assert_string_equal(avila_sha512_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
#if AVILA_X86_64
    uint32_t f = avila_cpu_detected();
    assert_string_equal(avila_sha256_impl(), (f & AVILA_CPU_SHA) ? "sha-ni" : "portable");
    int avx2 = (f & (AVILA_CPU_AVX2 | AVILA_CPU_BMI2)) == (AVILA_CPU_AVX2 | AVILA_CPU_BMI2);
    assert_string_equal(avila_sha512_impl(), avx2 ? "avx2" : "portable");
#endif
}

/* ------------------------------------------------------------------ peers */

/*
 * Runs "cmd file" and reads the leading hex digest of its output into out.
 * Returns 0 if the command is not installed.
 */
static int peer_digest(const char *cmd, const char *path, uint8_t *out, size_t len)
{
    char line[512];
    snprintf(line, sizeof line, "%s '%s' 2>/dev/null", cmd, path);
    /* A fixed command on a mkstemp path; the shell finds the tool or fails. */
    FILE *f = popen(line, "r"); /* NOLINT(cert-env33-c) */
    if (!f)
        return 0;
    char text[300] = {0};
    size_t got = fread(text, 1, sizeof text - 1, f);
    int status = pclose(f);
    if (status != 0 || got < 2 * len)
        return 0;
    text[2 * len] = '\0';
    assert_int_equal(unit_unhex(text, out, len), len);
    return 1;
}

/*
 * sha224sum, sha256sum, sha384sum, sha512sum (coreutils) and openssl for
 * SHA-512/256 agree on random files around the block boundaries.
 */
static void test_peers(void **state)
{
    (void)state;
    static const char *const cmds[] = {"sha224sum", "sha256sum", "sha384sum", "sha512sum",
                                       "openssl dgst -sha512-256 -r"};
    static const size_t sizes[] = {0, 1, 55, 56, 63, 64, 111, 112, 127, 128, 129, 1000, 65537};
    char path[] = "/tmp/avila-test-sha2-XXXXXX";
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
            uint8_t want[64], got[64];
            if (!peer_digest(cmds[ai], path, want, algs[ai].d->digest_len))
                continue;
            algs[ai].oneshot(msg, sizes[s], got);
            assert_memory_equal(got, want, algs[ai].d->digest_len);
            ran++;
        }
        free(msg);
    }
    unlink(path);
    if (ran == 0)
        skip();
    print_message("peers: %d digests compared\n", ran);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fips180_examples, allow_all_cpu),
        cmocka_unit_test_teardown(test_cavp_shortmsg, allow_all_cpu),
        cmocka_unit_test_teardown(test_cavp_longmsg, allow_all_cpu),
        cmocka_unit_test_teardown(test_cavp_monte, allow_all_cpu),
        cmocka_unit_test(test_sha512_256_iv_generation),
        cmocka_unit_test(test_length_field_forged_counter),
        cmocka_unit_test_teardown(test_every_split, allow_all_cpu),
        cmocka_unit_test_teardown(test_variants_agree, allow_all_cpu),
        cmocka_unit_test_teardown(test_guard_pages, allow_all_cpu),
        cmocka_unit_test(test_final_lengths_and_wipe),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_null_empty_input),
        cmocka_unit_test(test_context_copy),
        cmocka_unit_test_teardown(test_impl_names, allow_all_cpu),
        cmocka_unit_test(test_peers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
