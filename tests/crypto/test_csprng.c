/*
 * tests/crypto/test_csprng.c - the fast-key-erasure generator against a
 * model written from its description in crypto/csprng.h (ChaCha20
 * keystream, RFC 8439 section 2.4; HChaCha20 chain, draft-irtf-cfrg-xchacha-03
 * section 2.2), forward secrecy of the state, and the per-thread OS
 * generator: distinct outputs, threads, reseeding, and fork() safety both
 * with MADV_WIPEONFORK and with the getpid() fallback.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/chacha20.h"
#include "crypto/chacha20_int.h"
#include "crypto/csprng.h"

/* ------------------------------------------------------------------- model */

/* One piece: keystream bytes 32..32+n of (key, zero nonce, counter 0) to out; bytes 0..31 rekey. */
static void model_piece(uint8_t key[32], uint8_t *out, size_t n)
{
    static const uint8_t nonce[12];
    uint8_t *ks = calloc(n + 32, 1);
    assert_non_null(ks);
    avila_chacha20_xor(ks, ks, n + 32, key, nonce, 0);
    memcpy(out, ks + 32, n);
    memcpy(key, ks, 32);
    free(ks);
}

static void model_fill(uint8_t key[32], uint8_t *out, size_t n)
{
    do {
        size_t len = n < AVILA_CSPRNG_PIECE ? n : AVILA_CSPRNG_PIECE;
        model_piece(key, out, len);
        out += len;
        n -= len;
    } while (n);
}

static void model_reseed(uint8_t key[32], const uint8_t *extra, size_t n)
{
    size_t padded = n / 16 * 16 + 16;
    uint8_t *buf = calloc(padded, 1);
    assert_non_null(buf);
    memcpy(buf, extra, n);
    buf[n] = 0x80;
    for (size_t off = 0; off < padded; off += 16)
        avila_hchacha20(key, key, buf + off);
    free(buf);
}

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/* ------------------------------------------------------------ pure generator */

/* Outputs and key updates follow the model, for request sizes across the block and piece edges. */
static void fill_matches_model(void **state)
{
    (void)state;
    const size_t sizes[] = {0,
                            1,
                            31,
                            32,
                            33,
                            64,
                            95,
                            96,
                            97,
                            500,
                            1024,
                            5000,
                            1 << 20,
                            (1 << 20) + 1,
                            3 * (1 << 20) + 77};
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(i * 7 + 1);
    for (int portable = 0; portable < 2; portable++) {
        avila_cpu_restrict(portable ? 0 : AVILA_CPU_ALL);
        struct avila_csprng g;
        uint8_t key[32];
        avila_csprng_init(&g, seed);
        memcpy(key, seed, 32);
        for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++) {
            size_t n = sizes[i];
            uint8_t *got = malloc(n + 1), *want = malloc(n + 1);
            assert_non_null(got);
            assert_non_null(want);
            avila_csprng_fill(&g, got, n);
            model_fill(key, want, n);
            assert_memory_equal(got, want, n);
            assert_memory_equal(g.key, key, 32);
            free(got);
            free(want);
        }
        avila_csprng_wipe(&g);
    }
}

/*
 * Forward secrecy: after a request the state holds a new key, from which
 * neither the old key nor the bytes just served are reproduced.
 */
static void state_moves_forward(void **state)
{
    (void)state;
    uint8_t seed[32] = {9}, out[64], again[64];
    struct avila_csprng g, copy;
    avila_csprng_init(&g, seed);
    avila_csprng_fill(&g, out, sizeof out);
    assert_memory_not_equal(g.key, seed, 32);
    /* The next output, and a copy of the state, never repeat the first. */
    copy = g;
    avila_csprng_fill(&copy, again, sizeof again);
    assert_memory_not_equal(again, out, sizeof out);
    /* Even an empty request rekeys. */
    uint8_t before[32];
    memcpy(before, g.key, 32);
    avila_csprng_fill(&g, NULL, 0);
    assert_memory_not_equal(g.key, before, 32);
    /* Same seed, same stream: it is deterministic. */
    struct avila_csprng h;
    avila_csprng_init(&h, seed);
    avila_csprng_fill(&h, again, sizeof again);
    assert_memory_equal(again, out, sizeof out);
    avila_csprng_wipe(&g);
    uint8_t zero[32] = {0};
    assert_memory_equal(g.key, zero, 32);
}

/* Reseeding is the HChaCha20 chain over extra | 0x80 | zeros, and every input bit matters. */
static void reseed_matches_model(void **state)
{
    (void)state;
    uint64_t rng = 3;
    uint8_t extra[100];
    unit_rand_fill(&rng, extra, sizeof extra);
    const size_t lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 100};
    uint8_t seen[AVILA_ARRAY_LEN(lens)][32];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        uint8_t seed[32] = {1, 2, 3}, key[32];
        struct avila_csprng g;
        avila_csprng_init(&g, seed);
        memcpy(key, seed, 32);
        avila_csprng_reseed(&g, lens[i] ? extra : NULL, lens[i]);
        model_reseed(key, extra, lens[i]);
        assert_memory_equal(g.key, key, 32);
        memcpy(seen[i], key, 32);
        for (size_t j = 0; j < i; j++)
            assert_memory_not_equal(seen[i], seen[j], 32);
    }
    /* A trailing zero byte is not the same input (the padding marks the end). */
    uint8_t a[32] = {0}, b[32] = {0}, zeros[17] = {0};
    model_reseed(a, zeros, 16);
    model_reseed(b, zeros, 17);
    assert_memory_not_equal(a, b, 32);
    /* Flipping any one bit of extra changes the key. */
    struct avila_csprng g0, g1;
    uint8_t seed[32] = {7};
    avila_csprng_init(&g0, seed);
    avila_csprng_reseed(&g0, extra, 40);
    for (size_t bit = 0; bit < (size_t)40 * 8; bit += 13) {
        extra[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        avila_csprng_init(&g1, seed);
        avila_csprng_reseed(&g1, extra, 40);
        assert_memory_not_equal(g0.key, g1.key, 32);
        extra[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

/* ----------------------------------------------------------- OS generator */

static void random_basics(void **state)
{
    (void)state;
    uint8_t a[64], b[64], zero[64] = {0};
    assert_int_equal(avila_csprng_random(a, sizeof a), 0);
    assert_int_equal(avila_csprng_random(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, zero, sizeof a);
    assert_int_equal(avila_csprng_random(NULL, 0), 0);
    assert_int_equal(avila_csprng_random(NULL, 1), AVILA_EINVAL);
    assert_int_equal(avila_csprng_random_reseed(), 0);
    assert_int_equal(avila_csprng_random(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    /* Past the reseed interval, and bigger than a piece. */
    size_t big = (size_t)AVILA_CSPRNG_RESEED_BYTES + AVILA_CSPRNG_PIECE + 3;
    uint8_t *p = malloc(big);
    assert_non_null(p);
    memset(p, 0, big);
    assert_int_equal(avila_csprng_random(p, big), 0);
    assert_int_equal(avila_csprng_random(p, 100), 0);
    /* A crude sanity check: the last MiB is not mostly zeros. */
    size_t zeros = 0;
    for (size_t i = big - (1 << 20); i < big; i++)
        zeros += p[i] == 0;
    assert_true(zeros < (1 << 20) / 128);
    free(p);
}

struct thread_out {
    uint8_t bytes[32];
    int rc;
};

static void *thread_draw(void *arg)
{
    struct thread_out *t = arg;
    t->rc = avila_csprng_random(t->bytes, sizeof t->bytes);
    return NULL;
}

/* Each thread has its own generator, seeded on its own. */
static void threads_differ(void **state)
{
    (void)state;
    enum { N = 8 };
    pthread_t th[N];
    struct thread_out out[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_draw, &out[i]), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(out[i].rc, 0);
        for (int j = 0; j < i; j++)
            assert_memory_not_equal(out[i].bytes, out[j].bytes, 32);
    }
}

/*
 * Draws 32 bytes in this process and in a forked child (after the parent's
 * generator is seeded): returns 0 if they differ, 1 if the child repeated
 * the parent's stream (what happens without protection), -1 if a system
 * call failed. No cmocka asserts: it also runs on other threads.
 */
static int fork_outputs_differ(void)
{
    uint8_t before[32], parent[32], child[32];
    int fds[2], status;
    if (avila_csprng_random(before, sizeof before) != 0 || pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        uint8_t mine[32];
        int ok = avila_csprng_random(mine, sizeof mine) == 0 &&
                 write(fds[1], mine, sizeof mine) == (ssize_t)sizeof mine;
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    int rc = avila_csprng_random(parent, sizeof parent) == 0 ? 0 : -1;
    size_t got = 0;
    while (rc == 0 && got < sizeof child) {
        ssize_t r = read(fds[0], child + got, sizeof child - got);
        if (r <= 0)
            rc = -1;
        else
            got += (size_t)r;
    }
    close(fds[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = -1;
    if (rc == 0 &&
        (memcmp(parent, child, sizeof parent) == 0 || memcmp(before, child, sizeof before) == 0))
        rc = 1;
    return rc;
}

static void fork_with_wipeonfork(void **state)
{
    (void)state;
    assert_int_equal(fork_outputs_differ(), 0);
}

static void *fork_in_thread(void *arg)
{
    *(int *)arg = fork_outputs_differ();
    return NULL;
}

/* The getpid() fallback alone: a thread whose state page skipped MADV_WIPEONFORK forks. */
static void fork_with_pid_check(void **state)
{
    (void)state;
    int old = avila_csprng_os_use_wipeonfork(0), rc = -1;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, fork_in_thread, &rc), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    avila_csprng_os_use_wipeonfork(old);
    assert_int_equal(rc, 0);
}

/* What the fork tests guard against: two copies of one state produce the same bytes. */
static void copies_of_a_state_repeat(void **state)
{
    (void)state;
    uint8_t seed[32] = {5}, a[32], b[32];
    struct avila_csprng g, copy;
    avila_csprng_init(&g, seed);
    copy = g;
    avila_csprng_fill(&g, a, sizeof a);
    avila_csprng_fill(&copy, b, sizeof b);
    assert_memory_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fill_matches_model, allow_all_cpu),
        cmocka_unit_test_teardown(state_moves_forward, allow_all_cpu),
        cmocka_unit_test_teardown(reseed_matches_model, allow_all_cpu),
        cmocka_unit_test_teardown(random_basics, allow_all_cpu),
        cmocka_unit_test_teardown(threads_differ, allow_all_cpu),
        cmocka_unit_test_teardown(fork_with_wipeonfork, allow_all_cpu),
        cmocka_unit_test_teardown(fork_with_pid_check, allow_all_cpu),
        cmocka_unit_test_teardown(copies_of_a_state_repeat, allow_all_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
