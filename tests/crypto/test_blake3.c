/*
 * tests/crypto/test_blake3.c - BLAKE3: the official test vectors (hash,
 * keyed_hash, derive_key, 131-byte extended outputs) through every kernel,
 * one-shot and streamed; every kernel's hash_many against the portable one;
 * streaming against a recursive model of the specification's tree; XOF
 * seeking; final() leaving the context usable; guard pages; the digest
 * descriptor; and b3sum (Debian) as a peer.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/blake3_int.h"
#include "crypto/digest.h"

#define CHUNK ((size_t)AVILA_BLAKE3_CHUNK_LEN)
#define BLOCK ((size_t)AVILA_BLAKE3_BLOCK_LEN)

/* The key and context of test_vectors.json, hard-coded as the file asks. */
static const char VECTOR_KEY[] = "whats the Elvish word for friend";
static const char VECTOR_CONTEXT[] = "BLAKE3 2019-12-27 16:29:52 test vectors context";

/* The kernels this CPU runs, portable first. */
static const struct avila_blake3_kernel *kernels[3];
static size_t nkernels;

static int setup(void **state)
{
    (void)state;
    nkernels = 0;
    kernels[nkernels++] = &avila_blake3_kernel_portable;
#if AVILA_X86_64
    const struct avila_blake3_kernel *fast[] = {&avila_blake3_kernel_avx2,
                                                &avila_blake3_kernel_avx512};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(fast); i++)
        if ((avila_cpu_detected() & fast[i]->cpu) == fast[i]->cpu)
            kernels[nkernels++] = fast[i];
#endif
    return 0;
}

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/*
 * Makes the dispatcher pick kernel k: allowing exactly k's CPU bits selects
 * it, as wider kernels need bits it lacks.
 */
static void select_kernel(const struct avila_blake3_kernel *k)
{
    avila_cpu_restrict(k->cpu);
    assert_string_equal(avila_blake3_impl(), k->name);
}

static uint8_t *pattern(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i % 251);
    return p;
}

static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    return p;
}

enum mode { HASH, KEYED, DERIVE };

static struct avila_blake3 *new_hasher(enum mode m)
{
    struct avila_blake3 *c = malloc(sizeof *c);
    assert_non_null(c);
    if (m == HASH)
        avila_blake3_init(c);
    else if (m == KEYED)
        avila_blake3_init_keyed(c, (const uint8_t *)VECTOR_KEY);
    else
        avila_blake3_init_derive_key(c, VECTOR_CONTEXT, strlen(VECTOR_CONTEXT));
    return c;
}

/* Feeds p[0..n) in random pieces of 1..max_piece bytes, with empty updates mixed in. */
static void feed(struct avila_blake3 *c, const uint8_t *p, size_t n, uint64_t *rng,
                 size_t max_piece)
{
    size_t off = 0;
    while (off < n) {
        uint64_t r = unit_rand(rng);
        if (r % 8 == 0)
            avila_blake3_update(c, p + off, 0);
        size_t part = 1 + (size_t)((r >> 3) % max_piece);
        if (part > n - off)
            part = n - off;
        avila_blake3_update(c, p + off, part);
        off += part;
    }
}

/* ------------------------------------------------------- official vectors */

/* Checks one mode of one vector: whole output, 32-byte prefix, and seeks into it. */
static void check_mode(enum mode m, const uint8_t *in, size_t n, const uint8_t *want,
                       size_t wantlen, uint64_t *rng)
{
    uint8_t got[256];
    assert_true(wantlen <= sizeof got);
    struct avila_blake3 *c = new_hasher(m);
    avila_blake3_update(c, in, n);
    avila_blake3_final(c, got, wantlen);
    assert_memory_equal(got, want, wantlen);
    avila_blake3_final(c, got, 32);
    assert_memory_equal(got, want, 32);
    for (size_t off = 0; off < wantlen; off += 1 + off / 2) {
        avila_blake3_final_seek(c, off, got, wantlen - off);
        assert_memory_equal(got, want + off, wantlen - off);
    }
    free(c);
    /* Streamed in pieces that straddle blocks and chunks, then byte by byte for short inputs. */
    c = new_hasher(m);
    feed(c, in, n, rng, 1 + (size_t)(unit_rand(rng) % 3000));
    avila_blake3_final(c, got, wantlen);
    assert_memory_equal(got, want, wantlen);
    free(c);
    if (n <= 2 * CHUNK + 1) {
        c = new_hasher(m);
        feed(c, in, n, rng, 1);
        avila_blake3_final(c, got, wantlen);
        assert_memory_equal(got, want, wantlen);
        free(c);
    }
    if (m == HASH) {
        avila_blake3(got, wantlen, in, n);
        assert_memory_equal(got, want, wantlen);
    }
}

static void official_test_vectors(void **state)
{
    (void)state;
    uint64_t rng = 1;
    for (size_t ki = 0; ki < nkernels; ki++) {
        select_kernel(kernels[ki]);
        struct tv_file tv;
        int count = 0;
        tv_open(&tv, "blake3/test_vectors.txt");
        while (tv_next(&tv)) {
            size_t n = (size_t)tv_u64(&tv, "input_len");
            uint8_t *in = pattern(n);
            static const char *const fields[] = {"hash", "keyed_hash", "derive_key"};
            for (enum mode m = HASH; m <= DERIVE; m++) {
                size_t len;
                uint8_t *want = tv_hex(&tv, fields[m], &len);
                assert_int_equal(len, 131);
                check_mode(m, in, n, want, len, &rng);
                free(want);
            }
            free(in);
            count++;
        }
        tv_close(&tv);
        assert_int_equal(count, 22);
    }
}

/* ------------------------------------------------------------- kernels */

/* Every kernel's hash_many against the portable one: chunks, parents, counters across 2^32. */
static void kernels_match_portable(void **state)
{
    (void)state;
    enum { MAX_INPUTS = 40 };
    uint64_t rng = 2;
    uint8_t *buf = random_bytes(&rng, MAX_INPUTS * CHUNK + 64);
    const uint8_t *inputs[MAX_INPUTS];
    uint8_t want[MAX_INPUTS * 32], got[MAX_INPUTS * 32];
    for (int iter = 0; iter < 300; iter++) {
        size_t n = 1 + (size_t)(unit_rand(&rng) % MAX_INPUTS);
        size_t blocks = iter % 3 == 0 ? 16 : iter % 3 == 1 ? 1 : 1 + unit_rand(&rng) % 16;
        size_t off = (size_t)(unit_rand(&rng) % 64);
        for (size_t i = 0; i < n; i++)
            inputs[i] = buf + off + blocks * BLOCK * i;
        uint32_t key[8];
        unit_rand_fill(&rng, key, sizeof key);
        uint64_t counter = iter % 4 == 0 ? 0xfffffff0u + unit_rand(&rng) % 32 : unit_rand(&rng);
        int increment = (int)(unit_rand(&rng) % 2);
        uint32_t flags = (uint32_t)(unit_rand(&rng) % 128);
        uint32_t fs = (uint32_t)(unit_rand(&rng) % 4), fe = (uint32_t)(unit_rand(&rng) % 4);
        avila_blake3_hash_many_portable(inputs, n, blocks, key, counter, increment, flags, fs, fe,
                                        want);
        for (size_t ki = 1; ki < nkernels; ki++) {
            memset(got, 0, sizeof got);
            kernels[ki]->hash_many(inputs, n, blocks, key, counter, increment, flags, fs, fe, got);
            assert_memory_equal(got, want, 32 * n);
        }
    }
    free(buf);
}

/* -------------------------------------------------------- tree model */

/*
 * The specification's tree, built top-down and recursively: a chunk is a
 * chain of compressions; above it, a parent's left child holds the largest
 * power-of-two number of chunks that leaves at least one byte to the right.
 * Returns the node (everything but the last compression) so the caller can
 * finish it as a chaining value or as the root.
 */
struct node {
    uint32_t cv[8];
    uint8_t block[BLOCK];
    uint32_t len, flags;
    uint64_t counter;
};

static void node_cv(const struct node *nd, uint32_t cv[8])
{
    uint32_t out[16];
    avila_blake3_compress(nd->cv, nd->block, nd->len, nd->counter, nd->flags, out);
    memcpy(cv, out, 32);
}

static void model_node(const uint8_t *in, size_t n, uint64_t chunk, const uint32_t key[8],
                       uint32_t flags, struct node *nd)
{
    memset(nd, 0, sizeof *nd);
    if (n <= CHUNK) {
        uint32_t cv[8], out[16];
        memcpy(cv, key, 32);
        size_t nblocks = n == 0 ? 1 : (n + BLOCK - 1) / BLOCK;
        for (size_t b = 0; b + 1 < nblocks; b++) {
            avila_blake3_compress(cv, in + BLOCK * b, BLOCK, chunk,
                                  flags | (b == 0 ? AVILA_BLAKE3_CHUNK_START : 0), out);
            memcpy(cv, out, 32);
        }
        memcpy(nd->cv, cv, 32);
        nd->len = (uint32_t)(n - BLOCK * (nblocks - 1));
        memcpy(nd->block, in + BLOCK * (nblocks - 1), nd->len);
        nd->counter = chunk;
        nd->flags = flags | AVILA_BLAKE3_CHUNK_END | (nblocks == 1 ? AVILA_BLAKE3_CHUNK_START : 0);
        return;
    }
    size_t left = CHUNK;
    while (2 * left < n)
        left *= 2;
    struct node child;
    uint32_t cvs[16];
    model_node(in, left, chunk, key, flags, &child);
    node_cv(&child, cvs);
    model_node(in + left, n - left, chunk + left / CHUNK, key, flags, &child);
    node_cv(&child, cvs + 8);
    memcpy(nd->cv, key, 32);
    for (size_t i = 0; i < 16; i++)
        avila_store_le32(nd->block + 4 * i, cvs[i]);
    nd->len = BLOCK;
    nd->flags = flags | AVILA_BLAKE3_PARENT;
}

/* The model's first 64 output bytes of a keyed hash (key words given). */
static void model_hash(const uint8_t *in, size_t n, const uint32_t key[8], uint8_t out[64])
{
    struct node root;
    uint32_t w[16];
    model_node(in, n, 0, key, AVILA_BLAKE3_KEYED_HASH, &root);
    avila_blake3_compress(root.cv, root.block, root.len, 0, root.flags | AVILA_BLAKE3_ROOT, w);
    for (size_t i = 0; i < 16; i++)
        avila_store_le32(out + 4 * i, w[i]);
}

/* Random lengths (dense near chunk and subtree edges) and random splits against the model. */
static void streaming_matches_model(void **state)
{
    (void)state;
    uint64_t rng = 3;
    const size_t max = (size_t)70 * CHUNK;
    uint8_t *buf = random_bytes(&rng, max);
    uint8_t key[32], want[64], got[64];
    uint32_t kw[8];
    for (int iter = 0; iter < 160; iter++) {
        size_t n = iter < 40 ? (size_t)iter * CHUNK / 2 + (size_t)(unit_rand(&rng) % 3) - 1
                             : (size_t)(unit_rand(&rng) % max);
        if (n > max)
            n = max;
        unit_rand_fill(&rng, key, sizeof key);
        for (size_t i = 0; i < 8; i++)
            kw[i] = avila_load_le32(key + 4 * i);
        model_hash(buf, n, kw, want);
        for (size_t ki = 0; ki < nkernels; ki++) {
            select_kernel(kernels[ki]);
            struct avila_blake3 c;
            avila_blake3_init_keyed(&c, key);
            avila_blake3_update(&c, buf, n);
            avila_blake3_final(&c, got, 64);
            assert_memory_equal(got, want, 64);
            avila_blake3_init_keyed(&c, key);
            size_t piece = iter % 2 ? 1 + (size_t)(unit_rand(&rng) % 200)
                                    : 1 + (size_t)(unit_rand(&rng) % ((size_t)3 * 32 * CHUNK));
            feed(&c, buf, n, &rng, piece);
            avila_blake3_final(&c, got, 64);
            assert_memory_equal(got, want, 64);
        }
    }
    free(buf);
}

/* ----------------------------------------------------------- final, XOF */

/* final() leaves the context usable: same output twice, and update continues the input. */
static void final_is_pure_and_update_continues(void **state)
{
    (void)state;
    uint64_t rng = 4;
    uint8_t *buf = random_bytes(&rng, 40000);
    for (size_t cut = 0; cut < 40000; cut += 1 + cut / 3) {
        struct avila_blake3 c, copy;
        uint8_t a[40], b[40], whole[40];
        avila_blake3_init(&c);
        avila_blake3_update(&c, buf, cut);
        memcpy(&copy, &c, sizeof c);
        avila_blake3_final(&c, a, sizeof a);
        avila_blake3_final(&c, b, sizeof b);
        assert_memory_equal(a, b, sizeof a);
        assert_memory_equal(&c, &copy, sizeof c);
        avila_blake3_update(&c, buf + cut, 40000 - cut);
        avila_blake3_final(&c, a, sizeof a);
        avila_blake3(whole, sizeof whole, buf, 40000);
        assert_memory_equal(a, whole, sizeof a);
    }
    free(buf);
}

/* Seeking anywhere in the output stream agrees with reading it from further back. */
static void xof_seek_is_consistent(void **state)
{
    (void)state;
    uint64_t rng = 5;
    struct avila_blake3 c;
    avila_blake3_init(&c);
    avila_blake3_update(&c, "seek", 4);
    uint8_t long_out[1000], part[300];
    avila_blake3_final(&c, long_out, sizeof long_out);
    for (int iter = 0; iter < 200; iter++) {
        size_t off = (size_t)(unit_rand(&rng) % 700), len = (size_t)(unit_rand(&rng) % 300);
        avila_blake3_final_seek(&c, off, part, len);
        assert_memory_equal(part, long_out + off, len);
    }
    /* Far offsets, where the block counter needs its high word. */
    const uint64_t far[] = {(uint64_t)1 << 38, ((uint64_t)1 << 40) + 13, UINT64_MAX - 299};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(far); i++) {
        uint8_t wide[300];
        avila_blake3_final_seek(&c, far[i], wide, sizeof wide);
        for (size_t k = 1; k < 100; k += 7) {
            avila_blake3_final_seek(&c, far[i] + k, part, sizeof wide - k);
            assert_memory_equal(part, wide + k, sizeof wide - k);
        }
    }
    /* Nothing is written for an empty output. */
    memset(part, 0x5c, sizeof part);
    avila_blake3_final(&c, part, 0);
    for (size_t i = 0; i < sizeof part; i++)
        assert_int_equal(part[i], 0x5c);
}

/* Different modes, keys and contexts give unrelated outputs; NULL with length 0 is fine. */
static void modes_are_separated(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, out[4][32];
    struct avila_blake3 c;
    avila_blake3_init(&c);
    avila_blake3_update(&c, NULL, 0);
    avila_blake3_final(&c, out[0], 32);
    avila_blake3_init_keyed(&c, key);
    avila_blake3_final(&c, out[1], 32);
    avila_blake3_init_derive_key(&c, NULL, 0);
    avila_blake3_final(&c, out[2], 32);
    avila_blake3_init_derive_key(&c, "a", 1);
    avila_blake3_final(&c, out[3], 32);
    /* An empty update in the middle of a chunk changes nothing. */
    uint8_t again[32];
    avila_blake3_init_derive_key(&c, NULL, 0);
    avila_blake3_update(&c, "a", 1);
    avila_blake3_update(&c, NULL, 0);
    avila_blake3_final(&c, again, 32);
    avila_blake3_init_derive_key(&c, NULL, 0);
    avila_blake3_update(&c, "a", 1);
    avila_blake3_final(&c, out[0], 32);
    assert_memory_equal(again, out[0], 32);
    avila_blake3_init(&c);
    avila_blake3_final(&c, out[0], 32);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_true(memcmp(out[i], out[j], 32) != 0);
}

/* Inputs that end at an inaccessible page, through every kernel. */
static void reads_no_byte_past_the_end(void **state)
{
    (void)state;
    uint64_t rng = 6;
    const size_t lens[] = {0,          1,
                           63,         64,
                           65,         1023,
                           1024,       1025,
                           2 * CHUNK,  8 * CHUNK,
                           16 * CHUNK, 16 * CHUNK + 1,
                           33 * CHUNK, 33 * CHUNK + 64};
    for (size_t li = 0; li < AVILA_ARRAY_LEN(lens); li++) {
        size_t n = lens[li];
        uint8_t *p = unit_guarded_alloc(n);
        unit_rand_fill(&rng, p, n);
        uint8_t want[32], got[32];
        for (size_t ki = 0; ki < nkernels; ki++) {
            select_kernel(kernels[ki]);
            avila_blake3(ki == 0 ? want : got, 32, p, n);
            if (ki > 0)
                assert_memory_equal(got, want, 32);
        }
        unit_guarded_free(p, n);
    }
}

/* ------------------------------------------------------ dispatch, digest */

static void impl_follows_cpu_restrictions(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_blake3_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
    assert_string_equal(avila_blake3_impl(), kernels[nkernels - 1]->name);
}

static void digest_descriptor(void **state)
{
    (void)state;
    const struct avila_digest *d = &avila_digest_blake3;
    assert_string_equal(d->name, "blake3");
    assert_int_equal(d->digest_len, 32);
    assert_int_equal(d->block_len, 64);
    assert_int_equal(d->ctx_size, sizeof(struct avila_blake3));
    /* Too big for struct avila_digest_ctx, as digest.h allows for BLAKE3 alone. */
    assert_true(d->ctx_size > AVILA_DIGEST_CTX_MAX);
    uint8_t want[32], got[32];
    assert_int_equal(avila_digest(d, "abc", 3, got), AVILA_EINVAL);
    avila_blake3(want, 32, "abc", 3);
    struct avila_blake3 *ctx = malloc(d->ctx_size);
    assert_non_null(ctx);
    d->init(ctx);
    d->update(ctx, "ab", 2);
    d->update(ctx, "c", 1);
    d->final(ctx, got);
    assert_memory_equal(got, want, 32);
    /* The descriptor's final wipes, as every descriptor's does. */
    assert_true(avila_ct_is_zero(ctx, d->ctx_size));
    free(ctx);
}

/* ------------------------------------------------------------ b3sum peer */

/* Runs b3sum with args on data (key on standard input if given); 0 and hex, or -1. */
static int run_b3sum(const char *args, const uint8_t *data, size_t n, const char *key, char *hex,
                     size_t cap)
{
    char path[] = "/tmp/avila-blake3-XXXXXX", keypath[] = "/tmp/avila-b3key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    char cmd[512];
    if (key) {
        fd = mkstemp(keypath);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, key, 32), 32);
        close(fd);
        snprintf(cmd, sizeof cmd, "b3sum --no-names %s %s < %s 2>/dev/null", args, path, keypath);
    } else {
        snprintf(cmd, sizeof cmd, "b3sum --no-names %s %s 2>/dev/null", args, path);
    }
    FILE *f = popen(cmd, "r"); /* NOLINT(cert-env33-c): runs the b3sum peer */
    int ok = f && fgets(hex, (int)cap, f) != NULL;
    int status = f ? pclose(f) : -1;
    unlink(path);
    if (key)
        unlink(keypath);
    if (!ok || status != 0)
        return -1;
    hex[strcspn(hex, " \n")] = '\0';
    return 0;
}

static void matches_b3sum(void **state)
{
    (void)state;
    if (system("command -v b3sum >/dev/null 2>&1") != 0) /* NOLINT(cert-env33-c) */
        skip();
    uint64_t rng = 7;
    const size_t lens[] = {0, 1, 1024, 1025, 5000, 65536, 100003, 1 << 20};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        uint8_t *data = random_bytes(&rng, lens[i]);
        size_t outlen = i % 2 ? 32 : 1 + (size_t)(unit_rand(&rng) % 200);
        char args[128], hex[512];
        uint8_t want[200], got[200];
        for (enum mode m = HASH; m <= DERIVE; m++) {
            snprintf(args, sizeof args, "-l %zu%s%s%s%s", outlen, m == KEYED ? " --keyed" : "",
                     m == DERIVE ? " --derive-key '" : "", m == DERIVE ? VECTOR_CONTEXT : "",
                     m == DERIVE ? "'" : "");
            assert_int_equal(
                run_b3sum(args, data, lens[i], m == KEYED ? VECTOR_KEY : NULL, hex, sizeof hex), 0);
            assert_int_equal(unit_unhex(hex, want, sizeof want), outlen);
            struct avila_blake3 *c = new_hasher(m);
            avila_blake3_update(c, data, lens[i]);
            avila_blake3_final(c, got, outlen);
            assert_memory_equal(got, want, outlen);
            free(c);
        }
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(official_test_vectors, allow_all_cpu),
        cmocka_unit_test(kernels_match_portable),
        cmocka_unit_test_teardown(streaming_matches_model, allow_all_cpu),
        cmocka_unit_test(final_is_pure_and_update_continues),
        cmocka_unit_test(xof_seek_is_consistent),
        cmocka_unit_test(modes_are_separated),
        cmocka_unit_test_teardown(reads_no_byte_past_the_end, allow_all_cpu),
        cmocka_unit_test_teardown(impl_follows_cpu_restrictions, allow_all_cpu),
        cmocka_unit_test(digest_descriptor),
        cmocka_unit_test(matches_b3sum),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
