/*
 * tests/core/test_alloc.c - the allocator interface, the libc allocator, the
 * arena, the pool and the fault-injecting test allocator itself.
 */
#include "tests/support/unit.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "tests/support/fail_alloc.h"

static const size_t sizes[] = {0,   1,    2,    3,    7,    8,    9,     15,    16,  17,
                               31,  32,   33,   63,   64,   65,   100,   127,   128, 255,
                               256, 1000, 4095, 4096, 4097, 8191, 65536, 100000};

static int aligned(const void *p, size_t align)
{
    return ((uintptr_t)p & (align - 1)) == 0;
}

/* Fills n bytes with a pattern derived from tag; check_pattern verifies it. */
static void fill_pattern(void *p, size_t n, uint32_t tag)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)((size_t)tag * 131u + i * 7u);
}

static int check_pattern(const void *p, size_t n, uint32_t tag)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)((size_t)tag * 131u + i * 7u))
            return 0;
    return 1;
}

/* Runs fn(ctx) in a child process; returns its wait status. */
static int run_child(void (*fn)(void *ctx), void *ctx)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka catches SIGILL in the parent; the child must die of it. */
        signal(SIGILL, SIG_DFL);
        fn(ctx);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* Asserts that fn(ctx) dies of __builtin_trap (SIGILL on x86-64). */
static void expect_trap(void (*fn)(void *ctx), void *ctx)
{
    int status = run_child(fn, ctx);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGILL);
}

/* ------------------------------------------------------------------- libc */

static void libc_alignment_sizes_and_realloc(void **state)
{
    (void)state;
    const struct avila_allocator *a = avila_allocator_libc();
    for (size_t align = 1; align <= AVILA_ALLOC_MAX_ALIGN; align *= 2) {
        for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++) {
            size_t n = sizes[i];
            uint8_t *p = avila_alloc(a, n, align);
            assert_non_null(p);
            assert_true(aligned(p, align));
            fill_pattern(p, n, (uint32_t)i);
            uint8_t *q = avila_realloc(a, p, n, 2 * n + 3, align);
            assert_non_null(q);
            assert_true(aligned(q, align));
            assert_true(check_pattern(q, n, (uint32_t)i));
            memset(q + n, 0x5a, n + 3);
            uint8_t *r = avila_realloc(a, q, 2 * n + 3, n / 2, align);
            assert_non_null(r);
            assert_true(aligned(r, align));
            assert_true(check_pattern(r, n / 2, (uint32_t)i));
            avila_free(a, r, n / 2, align);
        }
    }
}

static void libc_zero_size_is_unique(void **state)
{
    (void)state;
    const struct avila_allocator *a = avila_allocator_libc();
    void *p = avila_alloc(a, 0, 1), *q = avila_alloc(a, 0, 64);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    void *r = avila_realloc(a, q, 0, 0, 64);
    assert_non_null(r);
    avila_free(a, p, 0, 1);
    avila_free(a, r, 0, 64);
    avila_free(a, NULL, 0, 1);
}

static void libc_rejects_bad_requests(void **state)
{
    (void)state;
    const struct avila_allocator *a = avila_allocator_libc();
    assert_null(avila_alloc(a, 8, 0));
    assert_null(avila_alloc(a, 8, 3));
    assert_null(avila_alloc(a, 8, (size_t)2 * AVILA_ALLOC_MAX_ALIGN));
    assert_null(avila_alloc(a, SIZE_MAX, 1));
    assert_null(avila_alloc(a, SIZE_MAX - 100, 4096));
    assert_null(avila_alloc_array(a, SIZE_MAX / 2, 3, 8));
    assert_null(avila_alloc_array(a, 3, SIZE_MAX / 2, 8));
    uint8_t *p = avila_realloc(a, NULL, 0, 10, 8);
    assert_non_null(p);
    fill_pattern(p, 10, 1);
    assert_null(avila_realloc(a, p, 10, SIZE_MAX, 8));
    assert_null(avila_realloc(a, p, 10, SIZE_MAX - 10, 256));
    assert_null(avila_realloc(a, p, 10, 20, 6));
    assert_true(check_pattern(p, 10, 1));
    avila_free(a, p, 10, 8);
}

struct pair {
    uint64_t a;
    _Alignas(32) uint8_t b;
};

static void typed_macros_pass_size_and_alignment(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct pair *one = AVILA_NEW(&fa.allocator, struct pair);
    assert_non_null(one);
    assert_int_equal(fa.last_size, sizeof(struct pair));
    assert_int_equal(fa.last_align, 32);
    struct pair *many = AVILA_NEW_ARRAY(&fa.allocator, struct pair, 5);
    assert_non_null(many);
    assert_int_equal(fa.last_size, 5 * sizeof(struct pair));
    assert_true(aligned(many, 32));
    assert_null(AVILA_NEW_ARRAY(&fa.allocator, struct pair, SIZE_MAX / 8));
    AVILA_DELETE(&fa.allocator, one, struct pair);
    AVILA_DELETE_ARRAY(&fa.allocator, many, struct pair, 5);
    assert_int_equal(fa.live_allocs, 0);
    assert_int_equal(fa.live_bytes, 0);
}

/* -------------------------------------------------------------- fail_alloc */

static void fail_alloc_fails_the_nth_call(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    const struct avila_allocator *a = &fa.allocator;
    void *p[6];
    fail_alloc_fail_nth(&fa, 3, 0);
    for (int i = 0; i < 6; i++)
        p[i] = avila_alloc(a, 10, 8);
    assert_non_null(p[0]);
    assert_non_null(p[1]);
    assert_null(p[2]);
    assert_non_null(p[3]);
    assert_int_equal(fa.failures, 1);
    assert_int_equal(fa.live_allocs, 5);
    assert_int_equal(fa.live_bytes, 50);
    /* New memory is not zeroed: code relying on that would be caught. */
    assert_int_equal(((uint8_t *)p[0])[0], 0xA5);
    fail_alloc_fail_nth(&fa, 2, 1);
    void *ok = avila_alloc(a, 1, 1);
    assert_non_null(ok);
    assert_null(avila_alloc(a, 1, 1));
    assert_null(avila_realloc(a, ok, 1, 2, 1));
    assert_null(avila_alloc(a, 1, 1));
    fail_alloc_fail_nth(&fa, 0, 0);
    void *grown = avila_realloc(a, ok, 1, 2, 1);
    assert_non_null(grown);
    assert_ptr_not_equal(grown, ok);
    avila_free(a, grown, 2, 1);
    for (int i = 0; i < 6; i++)
        avila_free(a, p[i], 10, 8);
    assert_int_equal(fa.live_allocs, 0);
    assert_int_equal(fa.peak_bytes, 52);
}

static void fail_alloc_limits_live_bytes(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    fail_alloc_limit_bytes(&fa, 100);
    void *p = avila_alloc(&fa.allocator, 60, 1);
    assert_non_null(p);
    assert_null(avila_alloc(&fa.allocator, 41, 1));
    void *q = avila_alloc(&fa.allocator, 40, 1);
    assert_non_null(q);
    assert_null(avila_realloc(&fa.allocator, p, 60, 61, 1));
    p = avila_realloc(&fa.allocator, p, 60, 10, 1);
    assert_non_null(p);
    avila_free(&fa.allocator, p, 10, 1);
    avila_free(&fa.allocator, q, 40, 1);
    assert_int_equal(fa.live_bytes, 0);
}

static int three_allocations(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    void *p[3] = {0};
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        p[i] = avila_alloc(&fa->allocator, 16, 16);
        if (p[i] == NULL)
            rc = AVILA_ENOMEM;
    }
    for (int i = 0; i < 3; i++)
        avila_free(&fa->allocator, p[i], 16, 16);
    return rc;
}

static void fail_alloc_sweep_counts_runs(void **state)
{
    (void)state;
    assert_int_equal(fail_alloc_sweep(three_allocations, NULL, 0), 3);
    assert_int_equal(fail_alloc_sweep(three_allocations, NULL, 1), 3);
}

/* ------------------------------------------------------------------ arena */

/* Allocates random blocks from ar, tags them, and checks them all afterwards. */
static void arena_random_blocks(struct avila_arena *ar, uint64_t *rng, size_t count,
                                size_t max_size)
{
    struct block {
        uint8_t *p;
        size_t n;
    } *blocks = calloc(count, sizeof *blocks);
    assert_non_null(blocks);
    for (size_t i = 0; i < count; i++) {
        size_t n = (size_t)(unit_rand(rng) % (max_size + 1));
        size_t align = (size_t)1 << (unit_rand(rng) % 13);
        blocks[i].p = avila_arena_alloc(ar, n, align);
        if (blocks[i].p == NULL)
            continue;
        assert_true(aligned(blocks[i].p, align));
        blocks[i].n = n;
        fill_pattern(blocks[i].p, n, (uint32_t)i);
    }
    for (size_t i = 0; i < count; i++)
        if (blocks[i].p != NULL)
            assert_true(check_pattern(blocks[i].p, blocks[i].n, (uint32_t)i));
    free(blocks);
}

static void arena_buffer_alignment_and_exhaustion(void **state)
{
    (void)state;
    static uint8_t mem[1 << 16];
    struct avila_arena ar;
    assert_int_equal(avila_arena_init_buffer(&ar, mem, sizeof mem), 0);
    uint64_t rng = 1;
    for (int round = 0; round < 20; round++) {
        arena_random_blocks(&ar, &rng, 200, 700);
        avila_arena_reset(&ar);
    }
    /* Exhaustion: a refused request changes nothing, a smaller one still fits. */
    uint8_t *p = avila_arena_alloc(&ar, sizeof mem - 10, 1);
    assert_ptr_equal(p, mem);
    struct avila_arena_mark before = avila_arena_mark(&ar);
    assert_null(avila_arena_alloc(&ar, 11, 1));
    assert_null(avila_arena_alloc(&ar, 1, 4096));
    assert_null(avila_arena_alloc(&ar, 1, 3));
    struct avila_arena_mark after = avila_arena_mark(&ar);
    assert_memory_equal(&before, &after, sizeof before);
    assert_ptr_equal(avila_arena_alloc(&ar, 10, 1), mem + sizeof mem - 10);
    assert_null(avila_arena_alloc(&ar, 0, 1));
    avila_arena_release(&ar);
    assert_ptr_equal(avila_arena_alloc(&ar, 0, 1), mem);
    assert_ptr_equal(avila_arena_alloc(&ar, 0, 1), mem + 1);
}

static void arena_never_passes_the_buffer_end(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 200; n += 13) {
        uint8_t *mem = unit_guarded_alloc(n);
        struct avila_arena ar;
        assert_int_equal(avila_arena_init_buffer(&ar, mem, n), 0);
        size_t got = 0;
        uint8_t *p;
        while ((p = avila_arena_alloc(&ar, 3, 1)) != NULL) {
            memset(p, 0xee, 3);
            got += 3;
        }
        assert_int_equal(got, n / 3 * 3);
        if (n % 3 != 0) {
            p = avila_arena_alloc(&ar, n % 3, 1);
            assert_ptr_equal(p, mem + n - n % 3);
            memset(p, 0xee, n % 3);
        }
        assert_null(avila_arena_alloc(&ar, 1, 1));
        unit_guarded_free(mem, n);
    }
    struct avila_arena empty;
    assert_int_equal(avila_arena_init_buffer(&empty, NULL, 0), 0);
    assert_null(avila_arena_alloc(&empty, 0, 1));
    assert_int_equal(avila_arena_init_buffer(&empty, NULL, 1), AVILA_EINVAL);
}

static void arena_chunks_double_up_to_the_cap(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_arena ar;
    struct avila_arena_config cfg = {
        .chunk_bytes = 1024, .max_chunk_bytes = 8192, .max_bytes = 1 << 20};
    assert_int_equal(avila_arena_init(&ar, &fa.allocator, &cfg), 0);
    assert_int_equal(fa.live_allocs, 0);
    size_t expect[] = {1024, 2048, 4096, 8192, 8192};
    size_t seen = 0;
    for (int i = 0; i < 300 && seen < AVILA_ARRAY_LEN(expect); i++) {
        size_t before = fa.live_allocs;
        assert_non_null(avila_arena_alloc(&ar, 100, 8));
        if (fa.live_allocs != before)
            assert_int_equal(fa.last_size, expect[seen++]);
    }
    assert_int_equal(seen, AVILA_ARRAY_LEN(expect));
    /* A request larger than the cap gets a chunk of its own size. */
    uint8_t *big = avila_arena_alloc(&ar, 50000, 4096);
    assert_non_null(big);
    assert_true(aligned(big, 4096));
    assert_true(fa.last_size >= 50000 && fa.last_size < 50000 + 8192);
    assert_int_equal(fa.last_align, 4096);
    memset(big, 1, 50000);
    avila_arena_release(&ar);
    assert_int_equal(fa.live_allocs, 0);
}

static void arena_respects_max_bytes(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_arena ar;
    struct avila_arena_config cfg = {
        .chunk_bytes = 1000, .max_chunk_bytes = 4000, .max_bytes = 10000};
    assert_int_equal(avila_arena_init(&ar, &fa.allocator, &cfg), 0);
    assert_null(avila_arena_alloc(&ar, 10000, 1));
    size_t total = 0;
    while (avila_arena_alloc(&ar, 64, 1) != NULL)
        total += 64;
    assert_true(fa.peak_bytes <= 10000);
    assert_true(total > 9000);
    /* What is left of the budget still serves small requests. */
    assert_int_equal(fa.live_bytes, 10000);
    avila_arena_reset(&ar);
    assert_int_equal(fa.live_allocs, 1);
    assert_int_equal(fa.live_bytes, 1000);
    avila_arena_release(&ar);
    assert_int_equal(fa.live_bytes, 0);
}

static void arena_bad_configs(void **state)
{
    (void)state;
    struct avila_arena ar;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    assert_int_equal(avila_arena_init(&ar, NULL, NULL), AVILA_EINVAL);
    struct avila_arena_config c1 = {.chunk_bytes = 100, .max_chunk_bytes = 50};
    assert_int_equal(avila_arena_init(&ar, &fa.allocator, &c1), AVILA_EINVAL);
    struct avila_arena_config c2 = {.max_chunk_bytes = 1 << 20, .max_bytes = 1000};
    assert_int_equal(avila_arena_init(&ar, &fa.allocator, &c2), AVILA_EINVAL);
    assert_int_equal(avila_arena_init(&ar, &fa.allocator, NULL), 0);
    assert_non_null(avila_arena_alloc(&ar, 1, 1));
    assert_int_equal(fa.last_size, AVILA_ARENA_DEFAULT_CHUNK_BYTES);
    assert_null(avila_arena_alloc(&ar, AVILA_ARENA_DEFAULT_MAX_BYTES, 1));
    assert_null(avila_arena_alloc(&ar, SIZE_MAX, 1));
    assert_null(avila_arena_alloc(&ar, SIZE_MAX - 4000, 4096));
    avila_arena_release(&ar);
    assert_int_equal(fa.live_allocs, 0);
}

static void arena_mark_and_reset_to(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_arena ar;
    struct avila_arena_config cfg = {.chunk_bytes = 256, .max_chunk_bytes = 1024};
    assert_int_equal(avila_arena_init(&ar, &fa.allocator, &cfg), 0);
    struct avila_arena_mark m0 = avila_arena_mark(&ar);
    uint8_t *a = avila_arena_alloc(&ar, 40, 8);
    fill_pattern(a, 40, 1);
    struct avila_arena_mark m1 = avila_arena_mark(&ar);
    uint8_t *b = avila_arena_alloc(&ar, 40, 8);
    size_t chunks_at_m1 = fa.live_allocs;
    for (int i = 0; i < 50; i++)
        assert_non_null(avila_arena_alloc(&ar, 100, 16));
    assert_true(fa.live_allocs > chunks_at_m1);
    struct avila_arena_mark m2 = avila_arena_mark(&ar);
    uint8_t *c = avila_arena_alloc(&ar, 30, 1);
    avila_arena_reset_to(&ar, m2);
    assert_ptr_equal(avila_arena_alloc(&ar, 30, 1), c);
    avila_arena_reset_to(&ar, m1);
    assert_int_equal(fa.live_allocs, chunks_at_m1);
    assert_ptr_equal(avila_arena_alloc(&ar, 40, 8), b);
    assert_true(check_pattern(a, 40, 1));
    avila_arena_reset_to(&ar, m1);
    avila_arena_reset_to(&ar, m1);
    avila_arena_reset_to(&ar, m0);
    assert_int_equal(fa.live_allocs, 0);
    assert_ptr_not_equal(avila_arena_alloc(&ar, 1, 1), NULL);
    avila_arena_release(&ar);
    assert_int_equal(fa.live_allocs, 0);
}

static void arena_view_frees_and_grows_the_last_block(void **state)
{
    (void)state;
    static uint8_t mem[4096];
    struct avila_arena ar;
    assert_int_equal(avila_arena_init_buffer(&ar, mem, sizeof mem), 0);
    struct avila_allocator a = avila_arena_allocator(&ar);
    uint8_t *p = avila_alloc(&a, 100, 8);
    uint8_t *q = avila_alloc(&a, 100, 8);
    avila_free(&a, p, 100, 8); /* not the last: no effect */
    avila_free(&a, q, 100, 8); /* the last: rewinds */
    assert_ptr_equal(avila_alloc(&a, 100, 8), q);
    fill_pattern(q, 100, 7);
    uint8_t *g = avila_realloc(&a, q, 100, 3000, 8);
    assert_ptr_equal(g, q);
    assert_true(check_pattern(g, 100, 7));
    g = avila_realloc(&a, g, 3000, 50, 8);
    assert_ptr_equal(g, q);
    uint8_t *r = avila_alloc(&a, 10, 1);
    assert_ptr_equal(r, q + 50);
    /* Not the last: shrinking stays in place, growing copies. */
    assert_ptr_equal(avila_realloc(&a, p, 100, 20, 8), p);
    fill_pattern(p, 20, 9);
    uint8_t *moved = avila_realloc(&a, p, 20, 200, 8);
    assert_non_null(moved);
    assert_ptr_not_equal(moved, p);
    assert_true(check_pattern(moved, 20, 9));
    /* Failure: NULL and the block untouched. */
    assert_null(avila_realloc(&a, moved, 200, 5000, 8));
    assert_null(avila_realloc(&a, moved, 200, 300, 5));
    assert_true(check_pattern(moved, 20, 9));
    /* Size 0: unique pointers, freed with size 0. */
    void *z1 = avila_alloc(&a, 0, 1), *z2 = avila_alloc(&a, 0, 1);
    assert_non_null(z1);
    assert_ptr_not_equal(z1, z2);
    avila_free(&a, z2, 0, 1);
    assert_ptr_equal(avila_alloc(&a, 0, 1), z2);
    uint8_t *w = avila_realloc(&a, NULL, 0, 4, 4);
    assert_true(aligned(w, 4));
    assert_true(w > (uint8_t *)z2 && w <= (uint8_t *)z2 + 4);
    /* Once the newest block is freed, the one below it is on top: it grows in place. */
    avila_arena_reset(&ar);
    uint8_t *below = avila_alloc(&a, 64, 8), *top = avila_alloc(&a, 64, 8);
    assert_ptr_equal(top, below + 64);
    avila_free(&a, top, 64, 8);
    assert_ptr_equal(avila_realloc(&a, below, 64, 1000, 8), below);
    assert_ptr_equal(avila_alloc(&a, 1, 1), below + 1000);
}

static void arena_view_grows_into_a_new_chunk(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_arena ar;
    struct avila_arena_config cfg = {.chunk_bytes = 256, .max_chunk_bytes = 256};
    assert_int_equal(avila_arena_init(&ar, &fa.allocator, &cfg), 0);
    struct avila_allocator a = avila_arena_allocator(&ar);
    uint8_t *p = avila_alloc(&a, 100, 1);
    fill_pattern(p, 100, 3);
    uint8_t *q = avila_realloc(&a, p, 100, 1000, 1);
    assert_non_null(q);
    assert_true(check_pattern(q, 100, 3));
    assert_int_equal(fa.live_allocs, 2);
    fail_alloc_fail_nth(&fa, 1, 1);
    assert_null(avila_realloc(&a, q, 1000, 5000, 1));
    assert_true(check_pattern(q, 100, 3));
    avila_arena_release(&ar);
    assert_int_equal(fa.live_allocs, 0);
}

/* Allocation sequence under fault injection: a refusal is NULL, changes nothing, and later
 * requests work again. */
static int arena_under_faults(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_arena ar;
    struct avila_arena_config cfg = {.chunk_bytes = 128, .max_chunk_bytes = 512};
    assert_int_equal(avila_arena_init(&ar, &fa->allocator, &cfg), 0);
    int rc = 0;
    uint64_t rng = 5;
    for (int i = 0; i < 40; i++) {
        if (i == 20)
            avila_arena_reset(&ar);
        struct avila_arena_mark before = avila_arena_mark(&ar);
        unsigned long failures = fa->failures;
        size_t n = (size_t)(unit_rand(&rng) % 300);
        uint8_t *p = avila_arena_alloc(&ar, n, 16);
        if (p == NULL) {
            assert_int_equal(fa->failures, failures + 1);
            struct avila_arena_mark after = avila_arena_mark(&ar);
            assert_memory_equal(&before, &after, sizeof before);
            rc = AVILA_ENOMEM;
        } else {
            memset(p, 0x11, n);
        }
    }
    avila_arena_release(&ar);
    return rc;
}

static void arena_fault_injection(void **state)
{
    (void)state;
    assert_true(fail_alloc_sweep(arena_under_faults, NULL, 0) >= 10);
    assert_true(fail_alloc_sweep(arena_under_faults, NULL, 1) >= 10);
}

static void reset_to_foreign_mark(void *ctx)
{
    struct avila_arena *ar = ctx;
    struct avila_arena other;
    avila_arena_init(&other, avila_allocator_libc(), NULL);
    avila_arena_alloc(&other, 10, 1);
    avila_arena_reset_to(ar, avila_arena_mark(&other));
}

static void reset_to_future_mark(void *ctx)
{
    struct avila_arena *ar = ctx;
    struct avila_arena_mark m = avila_arena_mark(ar);
    m.pos += 1;
    avila_arena_reset_to(ar, m);
}

static void arena_traps_on_bad_marks(void **state)
{
    (void)state;
    struct avila_arena ar;
    assert_int_equal(avila_arena_init(&ar, avila_allocator_libc(), NULL), 0);
    avila_arena_alloc(&ar, 10, 1);
    expect_trap(reset_to_foreign_mark, &ar);
    expect_trap(reset_to_future_mark, &ar);
    avila_arena_release(&ar);
}

/* ------------------------------------------------------------------- pool */

static void pool_allocates_aligned_distinct_objects(void **state)
{
    (void)state;
    for (size_t align = 1; align <= AVILA_ALLOC_MAX_ALIGN; align *= 4) {
        for (size_t size = 0; size <= 80; size += 20) {
            struct fail_alloc fa;
            fail_alloc_init(&fa);
            struct avila_pool pool;
            struct avila_pool_config cfg = {.chunk_objects = 3, .max_objects = 200};
            assert_int_equal(avila_pool_init(&pool, &fa.allocator, size, align, &cfg), 0);
            assert_int_equal(pool.slot_size, AVILA_POOL_SLOT_SIZE(size, align));
            uint8_t *objs[200];
            for (int i = 0; i < 200; i++) {
                objs[i] = avila_pool_alloc(&pool);
                assert_non_null(objs[i]);
                assert_true(aligned(objs[i], align));
                fill_pattern(objs[i], size, (uint32_t)i);
            }
            assert_null(avila_pool_alloc(&pool));
            assert_int_equal(avila_pool_live(&pool), 200);
            assert_int_equal(avila_pool_capacity(&pool), 200);
            for (int i = 0; i < 200; i++)
                assert_true(check_pattern(objs[i], size, (uint32_t)i));
            /* Freed slots are reused, newest first. */
            avila_pool_free(&pool, objs[17]);
            avila_pool_free(&pool, objs[90]);
            assert_ptr_equal(avila_pool_alloc(&pool), objs[90]);
            assert_ptr_equal(avila_pool_alloc(&pool), objs[17]);
            avila_pool_free(&pool, NULL);
            avila_pool_release(&pool);
            assert_int_equal(fa.live_allocs, 0);
            assert_int_equal(avila_pool_live(&pool), 0);
        }
    }
}

static void pool_chunks_double_until_max_objects(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_pool pool;
    struct avila_pool_config cfg = {.chunk_objects = 4, .max_objects = 50};
    assert_int_equal(avila_pool_init(&pool, &fa.allocator, 16, 8, &cfg), 0);
    size_t caps[] = {4, 12, 28, 50};
    size_t seen = 0;
    for (int i = 0; i < 50; i++) {
        size_t before = fa.live_allocs;
        assert_non_null(avila_pool_alloc(&pool));
        if (fa.live_allocs != before)
            assert_int_equal(avila_pool_capacity(&pool), caps[seen++]);
    }
    assert_int_equal(seen, 4);
    assert_null(avila_pool_alloc(&pool));
    avila_pool_release(&pool);
    assert_int_equal(fa.live_allocs, 0);
    /* The pool is usable again after release. */
    assert_non_null(avila_pool_alloc(&pool));
    assert_int_equal(fa.live_allocs, 1);
    avila_pool_release(&pool);
    assert_int_equal(fa.live_allocs, 0);
}

static void pool_model_random(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_pool pool;
    struct avila_pool_config cfg = {.chunk_objects = 1, .max_objects = 300};
    assert_int_equal(avila_pool_init(&pool, &fa.allocator, 24, 8, &cfg), 0);
    uint8_t *live[300];
    uint32_t tags[300];
    size_t n = 0;
    uint64_t rng = 77;
    for (uint32_t step = 0; step < 20000; step++) {
        if (n > 0 && (n == 300 || unit_rand(&rng) % 2)) {
            size_t k = (size_t)(unit_rand(&rng) % n);
            assert_true(check_pattern(live[k], 24, tags[k]));
            avila_pool_free(&pool, live[k]);
            live[k] = live[--n];
            tags[k] = tags[n];
        } else {
            uint8_t *p = avila_pool_alloc(&pool);
            assert_non_null(p);
            for (size_t i = 0; i < n; i++)
                assert_ptr_not_equal(p, live[i]);
            fill_pattern(p, 24, step);
            live[n] = p;
            tags[n++] = step;
        }
        assert_int_equal(avila_pool_live(&pool), n);
    }
    avila_pool_release(&pool);
    assert_int_equal(fa.live_allocs, 0);
}

static void pool_in_a_caller_buffer(void **state)
{
    (void)state;
    static const size_t shapes[][3] = {{1, 1, 1},     {10, 24, 8},  {7, 3, 2},
                                       {33, 100, 64}, {5, 1, 4096}, {100, 8, 8}};
    for (size_t s = 0; s < AVILA_ARRAY_LEN(shapes); s++) {
        size_t n = shapes[s][0], size = shapes[s][1], align = shapes[s][2];
        size_t bytes = AVILA_POOL_BUFFER_SIZE(n, size, align);
        for (size_t mis = 0; mis < 9; mis += 4) {
            /* The buffer ends at a guard page, so no object may reach past it. */
            uint8_t *mem = unit_guarded_alloc(bytes + mis);
            struct avila_pool pool;
            assert_int_equal(avila_pool_init_buffer(&pool, mem + mis, bytes, size, align), 0);
            size_t cap = avila_pool_capacity(&pool);
            assert_true(cap >= n);
            if (cap > n + 2)
                fail_msg("n %zu size %zu align %zu: cap %zu", n, size, align, cap);
            for (size_t i = 0; i < cap; i++) {
                uint8_t *p = avila_pool_alloc(&pool);
                assert_non_null(p);
                assert_true(aligned(p, align));
                assert_true(p >= mem + mis && p + size <= mem + mis + bytes);
                memset(p, 0x77, size);
            }
            assert_null(avila_pool_alloc(&pool));
            avila_pool_release(&pool);
            assert_int_equal(avila_pool_live(&pool), 0);
            assert_int_equal(avila_pool_capacity(&pool), cap);
            assert_non_null(avila_pool_alloc(&pool));
            unit_guarded_free(mem, bytes + mis);
        }
    }
    static uint8_t small[16];
    struct avila_pool pool;
    assert_int_equal(avila_pool_init_buffer(&pool, small, sizeof small, 8, 8), AVILA_ENOSPC);
    assert_int_equal(avila_pool_init_buffer(&pool, small, 0, 8, 8), AVILA_ENOSPC);
    assert_int_equal(avila_pool_init_buffer(&pool, NULL, 100, 8, 8), AVILA_EINVAL);
    assert_int_equal(avila_pool_init_buffer(&pool, small, sizeof small, 8, 3), AVILA_EINVAL);
}

static void pool_bad_configs(void **state)
{
    (void)state;
    struct avila_pool pool;
    const struct avila_allocator *a = avila_allocator_libc();
    assert_int_equal(avila_pool_init(&pool, NULL, 8, 8, NULL), AVILA_EINVAL);
    assert_int_equal(avila_pool_init(&pool, a, 8, 0, NULL), AVILA_EINVAL);
    assert_int_equal(avila_pool_init(&pool, a, 8, 8192, NULL), AVILA_EINVAL);
    struct avila_pool_config c = {.chunk_objects = 10, .max_objects = 5};
    assert_int_equal(avila_pool_init(&pool, a, 8, 8, &c), AVILA_EINVAL);
    assert_int_equal(avila_pool_init(&pool, a, SIZE_MAX - 2, 8, NULL), AVILA_EOVERFLOW);
    struct avila_pool_config huge = {.max_objects = SIZE_MAX / 4};
    assert_int_equal(avila_pool_init(&pool, a, 64, 8, &huge), AVILA_EOVERFLOW);
    assert_int_equal(avila_pool_init(&pool, a, 8, 8, NULL), 0);
    assert_int_equal(pool.max_objects, AVILA_POOL_DEFAULT_MAX_OBJECTS);
    avila_pool_release(&pool);
}

static void pool_view(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_pool pool;
    assert_int_equal(avila_pool_init(&pool, &fa.allocator, 40, 16, NULL), 0);
    struct avila_allocator a = avila_pool_allocator(&pool);
    assert_null(avila_alloc(&a, 41, 1));
    assert_null(avila_alloc(&a, 8, 32));
    assert_null(avila_alloc(&a, 8, 0));
    uint8_t *p = avila_alloc(&a, 0, 16);
    assert_non_null(p);
    assert_ptr_equal(avila_realloc(&a, p, 0, 40, 16), p);
    fill_pattern(p, 40, 2);
    assert_null(avila_realloc(&a, p, 40, 41, 16));
    assert_true(check_pattern(p, 40, 2));
    uint8_t *q = avila_realloc(&a, NULL, 0, 12, 4);
    assert_non_null(q);
    assert_int_equal(avila_pool_live(&pool), 2);
    avila_free(&a, p, 40, 16);
    avila_free(&a, q, 12, 4);
    avila_free(&a, NULL, 0, 1);
    assert_int_equal(avila_pool_live(&pool), 0);
    avila_pool_release(&pool);
    assert_int_equal(fa.live_allocs, 0);
}

static int pool_under_faults(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_pool pool;
    struct avila_pool_config cfg = {.chunk_objects = 2, .max_objects = 100};
    assert_int_equal(avila_pool_init(&pool, &fa->allocator, 32, 8, &cfg), 0);
    void *objs[60];
    size_t n = 0;
    int rc = 0;
    for (int i = 0; i < 60; i++) {
        size_t live = avila_pool_live(&pool), cap = avila_pool_capacity(&pool);
        void *p = avila_pool_alloc(&pool);
        if (p == NULL) {
            assert_int_equal(avila_pool_live(&pool), live);
            assert_int_equal(avila_pool_capacity(&pool), cap);
            rc = AVILA_ENOMEM;
            continue;
        }
        objs[n++] = p;
        if (i % 3 == 2)
            avila_pool_free(&pool, objs[--n]);
    }
    assert_int_equal(avila_pool_live(&pool), n);
    avila_pool_release(&pool);
    return rc;
}

static void pool_fault_injection(void **state)
{
    (void)state;
    assert_true(fail_alloc_sweep(pool_under_faults, NULL, 0) >= 5);
    assert_true(fail_alloc_sweep(pool_under_faults, NULL, 1) >= 5);
}

/* Death tests: each child sets up a pool and misuses it once. */
struct misuse {
    int kind;
};

static void pool_misuse(void *ctx)
{
    const struct misuse *m = ctx;
    struct avila_pool pool;
    avila_pool_init(&pool, avila_allocator_libc(), 32, 8, NULL);
    uint8_t *p = avila_pool_alloc(&pool);
    uint8_t *q = avila_pool_alloc(&pool);
    static uint64_t foreign[4];
    void *foreign_link = foreign;
    struct avila_allocator a = avila_pool_allocator(&pool);
    switch (m->kind) {
    case 0: /* double free */
        avila_pool_free(&pool, p);
        avila_pool_free(&pool, p);
        break;
    case 1: /* a pointer from elsewhere */
        avila_pool_free(&pool, foreign);
        break;
    case 2: /* an interior pointer */
        avila_pool_free(&pool, p + 8);
        break;
    case 3: /* a free-list link overwritten after free, pointing at a live slot */
        avila_pool_free(&pool, p);
        memcpy(p, &q, sizeof q);
        avila_pool_alloc(&pool);
        avila_pool_alloc(&pool);
        break;
    case 4: /* a slot never handed out */
        avila_pool_free(&pool, q + 2 * pool.slot_size);
        break;
    case 5: /* sized free larger than the object */
        avila_free(&a, p, 33, 8);
        break;
    case 6: /* realloc of a freed slot */
        avila_pool_free(&pool, q);
        avila_realloc(&a, q, 32, 16, 8);
        break;
    case 7: /* free-list link overwritten with a foreign pointer */
        avila_pool_free(&pool, p);
        memcpy(p, &foreign_link, sizeof foreign_link);
        avila_pool_alloc(&pool);
        avila_pool_alloc(&pool);
        break;
    default: /* control: the same steps used correctly */
        avila_pool_free(&pool, p);
        avila_realloc(&a, q, 32, 16, 8);
        avila_free(&a, q, 32, 8);
        avila_pool_release(&pool);
    }
}

static void pool_traps_on_misuse(void **state)
{
    (void)state;
    for (int kind = 0; kind <= 7; kind++) {
        struct misuse m = {kind};
        expect_trap(pool_misuse, &m);
    }
    struct misuse control = {8};
    int status = run_child(pool_misuse, &control);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(libc_alignment_sizes_and_realloc),
        cmocka_unit_test(libc_zero_size_is_unique),
        cmocka_unit_test(libc_rejects_bad_requests),
        cmocka_unit_test(typed_macros_pass_size_and_alignment),
        cmocka_unit_test(fail_alloc_fails_the_nth_call),
        cmocka_unit_test(fail_alloc_limits_live_bytes),
        cmocka_unit_test(fail_alloc_sweep_counts_runs),
        cmocka_unit_test(arena_buffer_alignment_and_exhaustion),
        cmocka_unit_test(arena_never_passes_the_buffer_end),
        cmocka_unit_test(arena_chunks_double_up_to_the_cap),
        cmocka_unit_test(arena_respects_max_bytes),
        cmocka_unit_test(arena_bad_configs),
        cmocka_unit_test(arena_mark_and_reset_to),
        cmocka_unit_test(arena_view_frees_and_grows_the_last_block),
        cmocka_unit_test(arena_view_grows_into_a_new_chunk),
        cmocka_unit_test(arena_fault_injection),
        cmocka_unit_test(arena_traps_on_bad_marks),
        cmocka_unit_test(pool_allocates_aligned_distinct_objects),
        cmocka_unit_test(pool_chunks_double_until_max_objects),
        cmocka_unit_test(pool_model_random),
        cmocka_unit_test(pool_in_a_caller_buffer),
        cmocka_unit_test(pool_bad_configs),
        cmocka_unit_test(pool_view),
        cmocka_unit_test(pool_fault_injection),
        cmocka_unit_test(pool_traps_on_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
