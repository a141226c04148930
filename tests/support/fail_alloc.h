/*
 * tests/support/fail_alloc.h - a fault-injecting, leak-counting allocator
 * for every suite (SQLite-style fault injection: fail the Nth call).
 *
 * It serves struct avila_allocator from the C library directly (not through
 * core/alloc_libc.c, so it is an independent oracle), with a header before
 * each block that lets it check every realloc and free: a pointer it did not
 * hand out, or a size/alignment different from the allocation's, fails the
 * running cmocka test. New memory is filled with 0xA5 and freed memory with
 * 0xDD, so code that reads memory it did not write shows up in tests.
 *
 *     struct fail_alloc fa;
 *     fail_alloc_init(&fa);
 *     fail_alloc_fail_nth(&fa, 3, 0);      // the 3rd alloc/realloc call fails
 *     ... code under test uses &fa.allocator ...
 *     assert_int_equal(fa.live_allocs, 0); // nothing leaked
 */
#ifndef AVILA_TESTS_FAIL_ALLOC_H
#define AVILA_TESTS_FAIL_ALLOC_H

#include <stddef.h>

#include "core/alloc.h"

struct fail_alloc {
    struct avila_allocator allocator; /* hand &fa.allocator to the code under test */
    /* Fault injection (set through the functions below). */
    unsigned long fail_at; /* 1-based attempt number that fails; 0: none */
    int sticky;            /* also fail every attempt after fail_at */
    size_t byte_limit;     /* fail any request that would take live_bytes above it */
    /* Counters, readable by tests. */
    unsigned long attempts; /* alloc and realloc calls with a valid alignment */
    unsigned long failures; /* calls failed on purpose */
    size_t live_allocs;     /* blocks allocated and not freed */
    size_t live_bytes;      /* their total size as requested */
    size_t peak_bytes;      /* highest live_bytes seen */
    size_t last_size;       /* size of the latest successful alloc/realloc */
    size_t last_align;      /* its alignment */
};

/* Starts a fresh allocator: no failures, no limit, counters zero. */
void fail_alloc_init(struct fail_alloc *fa);

/*
 * Makes attempt number n (counting from the next call, 1-based) fail, and
 * with sticky every attempt after it too. n == 0 turns failures off.
 */
void fail_alloc_fail_nth(struct fail_alloc *fa, unsigned long n, int sticky);

/* Makes any alloc/realloc that would take live_bytes above limit fail (SIZE_MAX: no limit). */
void fail_alloc_limit_bytes(struct fail_alloc *fa, size_t limit);

/*
 * The fault-injection sweep every suite uses: runs op with attempt 1 failing,
 * then attempt 2, ... (with sticky, also every attempt after the failing
 * one), each time on a fresh allocator (fa is reinitialised
 * before each run), until a run finishes with no injected failure. After
 * each run it asserts that op freed everything (live_allocs == 0). op
 * returns 0 or an error code; when no failure was injected it MUST return 0
 * (asserted). Returns the number of failing runs, so a test can check that
 * the sweep reached the allocations it meant to.
 */
unsigned long fail_alloc_sweep(int (*op)(struct fail_alloc *fa, void *ctx), void *ctx, int sticky);

#endif
