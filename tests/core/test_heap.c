/*
 * tests/core/test_heap.c - the general-purpose heap: size classes, every
 * class and alignment, random alloc/free/realloc runs with fill patterns
 * checked before every free (an overlap or a lost byte breaks a pattern),
 * calloc, cross-thread frees between producers and consumers, thread exit
 * and adoption, fork in a threaded process, statistics and trim, and the
 * allocator interface contract. The whole suite runs twice: first in a
 * forked child whose first act is avila_heap_set_hardened(1), then plainly.
 * The hardened run adds tests that provoke each fault the hardened mode
 * catches in a forked grandchild and check it dies by the expected signal
 * with the expected line on stderr, and a test of the leak report.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/heap.h"
#include "core/heap_int.h"

/* Set in the hardened run: usable sizes are the requested ones, realloc always moves. */
static int hardened;

/* The usable size the heap reports for a request of n bytes. */
static size_t usable_for(size_t n, size_t class_size)
{
    return hardened ? n : class_size;
}

/*
 * The class a request of n bytes is served from, or -1 above the classes
 * (the statistics count a class's block size, and a larger block's usable
 * size).
 */
static int class_for(size_t n)
{
    if (!hardened)
        return n <= AVILA_HEAP_MAX_SMALL ? (int)avila_heapi_class_of(n) : -1;
    if (n >= AVILA_HEAP_MAX_SMALL - HEAP_HARD_TRAILER)
        return -1;
    return (int)avila_heapi_class_of(n + HEAP_HARD_TRAILER + 1);
}

static uint8_t pat(uint32_t tag, size_t i)
{
    return (uint8_t)((size_t)tag * 2654435761u + i * 131u + (i >> 8));
}

static void fill(void *p, size_t n, uint32_t tag)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = pat(tag, i);
}

static int check(const void *p, size_t n, uint32_t tag)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != pat(tag, i))
            return 0;
    return 1;
}

static int aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

/* The class of n is the smallest whose blocks hold n; classes grow; waste is bounded. */
static void classes_are_tight(void **state)
{
    (void)state;
    size_t prev = 0;
    for (unsigned c = 0; c < AVILA_HEAP_CLASSES; c++) {
        size_t s = avila_heapi_class_size(c);
        assert_true(s > prev);
        if (s >= 16)
            assert_int_equal(s % 16, 0);
        /* 8 objects per page at least. */
        assert_true((size_t)avila_heapi_class_slices(c) * HEAP_SLICE_SIZE >= 8 * s);
        prev = s;
    }
    assert_int_equal(prev, AVILA_HEAP_MAX_SMALL);
    for (size_t n = 0; n <= AVILA_HEAP_MAX_SMALL; n++) {
        unsigned c = avila_heapi_class_of(n);
        assert_int_equal(c, avila_heapi_class_of_slow(n));
        assert_true(c < AVILA_HEAP_CLASSES);
        size_t s = avila_heapi_class_size(c);
        assert_true(s >= n);
        if (c > 0)
            assert_true(avila_heapi_class_size(c - 1) < n);
        if (n > 128)
            assert_true((s - n) * 5 <= s); /* at most 20% of the block wasted */
    }
}

/* Every class: sizes at and around its bounds, filled and checked while others live. */
static void every_class(void **state)
{
    (void)state;
    enum { PER = 24 };
    void *p[AVILA_HEAP_CLASSES][PER];
    size_t n[AVILA_HEAP_CLASSES][PER];
    for (unsigned c = 0; c < AVILA_HEAP_CLASSES; c++) {
        size_t s = avila_heapi_class_size(c), lo = c ? avila_heapi_class_size(c - 1) + 1 : 0;
        for (unsigned k = 0; k < PER; k++) {
            n[c][k] = k % 2 ? s : lo + (s - lo) * k / PER;
            p[c][k] = avila_heap_malloc(n[c][k]);
            assert_non_null(p[c][k]);
            assert_true(aligned(p[c][k], n[c][k] > 8 ? 16 : 8));
            assert_true(avila_heap_usable_size(p[c][k]) >= n[c][k]);
            assert_int_equal(avila_heap_usable_size(p[c][k]), usable_for(n[c][k], s));
            fill(p[c][k], n[c][k], c * PER + k);
        }
    }
    for (unsigned c = 0; c < AVILA_HEAP_CLASSES; c++)
        for (unsigned k = 0; k < PER; k++) {
            assert_true(check(p[c][k], n[c][k], c * PER + k));
            avila_heap_free(p[c][k]);
        }
    /* Spans and large mappings too. */
    static const size_t big[] = {65537,   100000,        1 << 20, (2 << 20) - 1,
                                 2 << 20, (2 << 20) + 1, 5 << 20};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(big); i++) {
        uint8_t *q = avila_heap_malloc(big[i]);
        assert_non_null(q);
        assert_true(aligned(q, 16));
        assert_true(avila_heap_usable_size(q) >= big[i]);
        fill(q, big[i], (uint32_t)i);
        assert_true(check(q, big[i], (uint32_t)i));
        avila_heap_free(q);
    }
}

/* Every power-of-two alignment from 1 to 4 MiB with sizes below, at and above it. */
static void every_alignment(void **state)
{
    (void)state;
    for (size_t a = 1; a <= ((size_t)4 << 20); a *= 2) {
        const size_t sizes[] = {0, 1, a / 2, a - 1, a, a + 1, 3 * a, 100, 70000};
        void *p[AVILA_ARRAY_LEN(sizes)];
        for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++) {
            p[i] = avila_heap_aligned(a, sizes[i]);
            assert_non_null(p[i]);
            assert_true(aligned(p[i], a));
            /* Even a size-0 block lies inside its memory: free finds its chunk from it. */
            assert_true(avila_heap_usable_size(p[i]) >= (sizes[i] || hardened ? sizes[i] : 1));
            if (sizes[i] > 0 || !hardened) /* hardened: a size-0 block has no byte to write */
                *(volatile uint8_t *)p[i] = 1;
            fill(p[i], sizes[i], (uint32_t)(a + i));
        }
        for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++) {
            assert_true(check(p[i], sizes[i], (uint32_t)(a + i)));
            avila_heap_free(p[i]);
        }
    }
    assert_null(avila_heap_aligned(3, 8));
    assert_null(avila_heap_aligned(0, 8));
}

/* A size mostly small, sometimes a span or a large mapping. */
static size_t random_size(uint64_t *rs)
{
    uint64_t r = unit_rand(rs);
    if (r % 128 == 0)
        return (size_t)(r >> 8) % (3 << 20);
    if (r % 16 < 2)
        return (size_t)(r >> 8) % 70000;
    return (size_t)(r >> 8) % 600;
}

static const uint8_t zeros[3 << 20];

struct live {
    uint8_t *p;
    size_t n;
    uint32_t tag;
};

/* Random alloc/free/realloc/calloc with fill patterns checked before each free. */
static void random_sequence(void **state)
{
    (void)state;
    enum { SLOTS = 2000, OPS = 60000 };
    static struct live s[SLOTS];
    uint64_t rs = 42;
    uint32_t tag = 1;
    memset(s, 0, sizeof(s));
    for (int op = 0; op < OPS; op++) {
        struct live *l = &s[unit_rand(&rs) % SLOTS];
        uint64_t what = unit_rand(&rs) % 8;
        if (l->p != NULL)
            assert_true(check(l->p, l->n, l->tag));
        if (l->p != NULL && what < 3) {
            avila_heap_free(l->p);
            l->p = NULL;
        } else if (l->p != NULL && what < 6) {
            size_t n = random_size(&rs);
            uint8_t *q = avila_heap_realloc(l->p, n);
            assert_non_null(q);
            size_t keep = n < l->n ? n : l->n;
            assert_true(check(q, keep, l->tag));
            assert_true(avila_heap_usable_size(q) >= n);
            l->p = q;
            l->n = n;
            l->tag = tag++;
            fill(q, n, l->tag);
        } else if (l->p == NULL) {
            size_t n = random_size(&rs);
            if (what == 7) {
                l->p = avila_heap_calloc(1, n);
                assert_non_null(l->p);
                assert_memory_equal(l->p, zeros, n);
            } else {
                l->p = avila_heap_malloc(n);
                assert_non_null(l->p);
            }
            assert_true(avila_heap_usable_size(l->p) >= n);
            l->n = n;
            l->tag = tag++;
            fill(l->p, n, l->tag);
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (s[i].p != NULL)
            assert_true(check(s[i].p, s[i].n, s[i].tag));
        avila_heap_free(s[i].p);
    }
}

/* The pattern check catches an overlap: two live blocks sharing bytes would fail it. */
static void pattern_check_can_fail(void **state)
{
    (void)state;
    uint8_t *p = avila_heap_malloc(64);
    fill(p, 64, 7);
    p[63] ^= 1;
    assert_false(check(p, 64, 7));
    avila_heap_free(p);
}

/* calloc returns zeroes also where dirty blocks are reused; overflow fails. */
static void calloc_zeroes(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 8, 24, 100, 1000, 8000, 65536, 70000, 1 << 20, 3 << 20};
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++) {
            void *d[16];
            for (int k = 0; k < 16; k++) {
                d[k] = avila_heap_malloc(sizes[i]);
                memset(d[k], 0xa5, sizes[i]);
            }
            for (int k = 0; k < 16; k++)
                avila_heap_free(d[k]);
            for (int k = 0; k < 16; k++) {
                uint8_t *z = avila_heap_calloc(sizes[i], 1);
                assert_non_null(z);
                assert_memory_equal(z, zeros, sizes[i]);
                d[k] = z;
            }
            for (int k = 0; k < 16; k++)
                avila_heap_free(d[k]);
        }
    assert_null(avila_heap_calloc(SIZE_MAX / 2, 3));
    assert_null(avila_heap_malloc((size_t)PTRDIFF_MAX + 1));
}

/* realloc keeps the bytes through every regime: small, span, large (mremap), and back. */
static void realloc_keeps_bytes(void **state)
{
    (void)state;
    size_t n = 1;
    uint8_t *p = avila_heap_malloc(n);
    fill(p, n, 99);
    while (n < ((size_t)24 << 20)) {
        size_t m = n + n / 2 + 3;
        p = avila_heap_realloc(p, m);
        assert_non_null(p);
        assert_true(check(p, n, 99));
        fill(p, m, 99);
        n = m;
    }
    while (n > 1) {
        n = n / 3;
        p = avila_heap_realloc(p, n);
        assert_non_null(p);
        assert_true(check(p, n, 99));
    }
    /* In place when the class allows (hardened mode always moves). */
    uint8_t *q = avila_heap_malloc(100);
    if (!hardened) {
        assert_ptr_equal(avila_heap_realloc(q, 110), q);
        assert_ptr_equal(avila_heap_realloc(q, 60), q);
    }
    uint8_t *r = avila_heap_realloc(q, 0);
    assert_non_null(r);
    avila_heap_free(r);
    avila_heap_free(p);
    assert_null(avila_heap_realloc(NULL, (size_t)PTRDIFF_MAX + 1));
}

/*
 * A buffer grown step by step moves to a span once it reaches
 * HEAP_GROW_SPAN_MIN, placed with room to grow to HEAP_SPAN_MAX: from there
 * every growth and every shrink down to HEAP_GROW_SPAN_MIN stays in place,
 * the usable size following the request slice by slice.
 */
static void realloc_grows_in_place(void **state)
{
    (void)state;
    if (hardened)
        return; /* hardened realloc always moves */
    size_t n = 16, steps = 0, moves = 0;
    uint8_t *p = avila_heap_malloc(n);
    fill(p, n, 7);
    while (n < HEAP_GROW_SPAN_MIN) {
        size_t m = n + n / 2 + 8;
        uint8_t *q = avila_heap_realloc(p, m);
        moves += q != p;
        steps++;
        p = q;
        assert_true(check(p, n, 7));
        fill(p, m, 7);
        n = m;
    }
    /* Below the spans a moved block gets room for as much again: every other step stays (the move
     * into a span included). */
    assert_true(moves <= (steps + 1) / 2);
    uint8_t *span = p;
    for (; n <= HEAP_SPAN_MAX; n += n / 2 + 1000) {
        assert_ptr_equal(avila_heap_realloc(p, n), span);
        assert_int_equal(avila_heap_usable_size(p),
                         (n + HEAP_SLICE_SIZE - 1) & ~(HEAP_SLICE_SIZE - 1));
        fill(p, n, 7);
    }
    assert_ptr_equal(avila_heap_realloc(p, HEAP_SPAN_MAX), span);
    assert_ptr_equal(avila_heap_realloc(p, HEAP_GROW_SPAN_MIN), span);
    assert_int_equal(avila_heap_usable_size(p), HEAP_SLICE_SIZE);
    assert_true(check(p, HEAP_GROW_SPAN_MIN, 7));
    /* The slices given back are taken again in place. */
    assert_ptr_equal(avila_heap_realloc(p, HEAP_SPAN_MAX), span);
    assert_true(check(p, HEAP_GROW_SPAN_MIN, 7));
    /* Below the span regime the block moves to a class and keeps its bytes. */
    uint8_t *q = avila_heap_realloc(p, 100);
    assert_ptr_not_equal(q, span);
    assert_true(check(q, 100, 7));
    avila_heap_free(q);
}

/* ------------------------------------------------------------ threads */

#define QCAP 1024

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct live items[QCAP];
    size_t head, count;
    int producers_left;
    size_t consumed;
    int bad;
};

struct producer_arg {
    struct queue *q;
    int id;
    int count;
};

static void *producer(void *v)
{
    struct producer_arg *a = v;
    uint64_t rs = (uint64_t)a->id * 7919 + 1;
    for (int i = 0; i < a->count; i++) {
        struct live l;
        l.n = random_size(&rs) % 5000;
        l.p = avila_heap_malloc(l.n);
        l.tag = (uint32_t)(a->id * 1000003 + i);
        fill(l.p, l.n, l.tag);
        /* Some blocks are also freed locally, to mix both paths on the same pages. */
        if (i % 5 == 0) {
            avila_heap_free(l.p);
            continue;
        }
        pthread_mutex_lock(&a->q->mu);
        while (a->q->count == QCAP)
            pthread_cond_wait(&a->q->cv, &a->q->mu);
        a->q->items[(a->q->head + a->q->count) % QCAP] = l;
        a->q->count++;
        pthread_cond_broadcast(&a->q->cv);
        pthread_mutex_unlock(&a->q->mu);
    }
    pthread_mutex_lock(&a->q->mu);
    a->q->producers_left--;
    pthread_cond_broadcast(&a->q->cv);
    pthread_mutex_unlock(&a->q->mu);
    return NULL;
}

static void *consumer(void *v)
{
    struct queue *q = v;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (q->count == 0 && q->producers_left > 0)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->count == 0) {
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        struct live l = q->items[q->head];
        q->head = (q->head + 1) % QCAP;
        q->count--;
        q->consumed++;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        if (!check(l.p, l.n, l.tag))
            __atomic_store_n(&q->bad, 1, __ATOMIC_RELAXED);
        /* A consumer allocates too, so its own pages see local and remote frees. */
        void *own = avila_heap_malloc(l.n);
        fill(own, l.n, l.tag);
        avila_heap_free(l.p);
        if (!check(own, l.n, l.tag))
            __atomic_store_n(&q->bad, 1, __ATOMIC_RELAXED);
        avila_heap_free(own);
    }
}

static void producers_consumers(int np, int nc)
{
    struct queue q;
    memset(&q, 0, sizeof(q));
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    q.producers_left = np;
    pthread_t t[16];
    struct producer_arg pa[8];
    enum { COUNT = 20000 };
    for (int i = 0; i < np; i++) {
        pa[i] = (struct producer_arg){&q, i, COUNT};
        assert_int_equal(pthread_create(&t[i], NULL, producer, &pa[i]), 0);
    }
    for (int i = 0; i < nc; i++)
        assert_int_equal(pthread_create(&t[np + i], NULL, consumer, &q), 0);
    for (int i = 0; i < np + nc; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(q.bad, 0);
    assert_int_equal(q.consumed, (size_t)np * (COUNT - COUNT / 5));
    pthread_cond_destroy(&q.cv);
    pthread_mutex_destroy(&q.mu);
}

static void cross_thread_1x1(void **state)
{
    (void)state;
    producers_consumers(1, 1);
}

static void cross_thread_4x4(void **state)
{
    (void)state;
    producers_consumers(4, 4);
}

static void cross_thread_2x6(void **state)
{
    (void)state;
    producers_consumers(2, 6);
}

struct keeper {
    struct live blocks[3000];
};

static void *allocate_and_exit(void *v)
{
    struct keeper *k = v;
    uint64_t rs = 5;
    for (int i = 0; i < 3000; i++) {
        k->blocks[i].n = random_size(&rs) % 3000;
        k->blocks[i].p = avila_heap_malloc(k->blocks[i].n);
        k->blocks[i].tag = (uint32_t)i + 77;
        fill(k->blocks[i].p, k->blocks[i].n, k->blocks[i].tag);
    }
    return NULL;
}

static void *allocate_a_lot(void *v)
{
    (void)v;
    enum { N = 20000 };
    void **p = avila_heap_malloc(N * sizeof(void *));
    for (int i = 0; i < N; i++) {
        p[i] = avila_heap_malloc((size_t)(i % 700));
        fill(p[i], (size_t)(i % 700), (uint32_t)i);
    }
    for (int i = 0; i < N; i++) {
        if (!check(p[i], (size_t)(i % 700), (uint32_t)i))
            return (void *)1;
        avila_heap_free(p[i]);
    }
    avila_heap_free(p);
    return NULL;
}

/* A thread exits with live blocks: its segments are abandoned, then adopted by another. */
static void thread_exit_and_adoption(void **state)
{
    (void)state;
    static struct keeper k;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, allocate_and_exit, &k), 0);
    pthread_join(t, NULL);
    struct avila_heap_stats st;
    avila_heap_stats(&st);
    assert_true(st.segments_abandoned >= 1);
    /* Free half from here (remote frees into abandoned pages). */
    for (int i = 0; i < 3000; i += 2) {
        assert_true(check(k.blocks[i].p, k.blocks[i].n, k.blocks[i].tag));
        avila_heap_free(k.blocks[i].p);
    }
    /* New threads adopt the abandoned segments and allocate from them. */
    for (int r = 0; r < 3; r++) {
        void *ret = NULL;
        assert_int_equal(pthread_create(&t, NULL, allocate_a_lot, NULL), 0);
        pthread_join(t, &ret);
        assert_null(ret);
    }
    for (int i = 1; i < 3000; i += 2) {
        assert_true(check(k.blocks[i].p, k.blocks[i].n, k.blocks[i].tag));
        avila_heap_free(k.blocks[i].p);
    }
    avila_heap_trim();
    avila_heap_stats(&st);
    assert_int_equal(st.segments_abandoned, 0);
}

static volatile int churn_stop;

static void *churn(void *v)
{
    (void)v;
    uint64_t rs = (uint64_t)(uintptr_t)&v;
    void *keep[64] = {0};
    while (!__atomic_load_n(&churn_stop, __ATOMIC_RELAXED)) {
        size_t i = unit_rand(&rs) % 64;
        avila_heap_free(keep[i]);
        keep[i] = avila_heap_malloc(random_size(&rs) % 100000);
    }
    for (int i = 0; i < 64; i++)
        avila_heap_free(keep[i]);
    return NULL;
}

/* fork() while other threads allocate: the child's malloc and free work. */
static void fork_in_threaded_process(void **state)
{
    (void)state;
    pthread_t t[3];
    churn_stop = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, churn, NULL), 0);
    int bad = 0;
    for (int r = 0; r < 10 && !bad; r++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            bad = 1;
            break;
        }
        if (pid == 0) {
            uint64_t rs = 3;
            void *p[256] = {0};
            for (int i = 0; i < 20000; i++) {
                size_t k = unit_rand(&rs) % 256;
                avila_heap_free(p[k]);
                p[k] = avila_heap_malloc(random_size(&rs));
                if (p[k] == NULL)
                    _exit(2);
            }
            pthread_t ct;
            if (pthread_create(&ct, NULL, allocate_a_lot, NULL) != 0)
                _exit(3);
            void *ret = NULL;
            pthread_join(ct, &ret);
            _exit(ret == NULL ? 0 : 4);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bad = 1;
    }
    /* Stop the threads before any assertion, so a failure leaves none running. */
    __atomic_store_n(&churn_stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------ statistics and trim */

struct free_all {
    void **p;
    int n;
};

static void *free_all(void *v)
{
    struct free_all *fa = v;
    for (int i = 0; i < fa->n; i++)
        avila_heap_free(fa->p[i]);
    return NULL;
}

/* allocated moves by exactly the usable sizes of what is allocated and freed. */
static void stats_are_consistent(void **state)
{
    (void)state;
    enum { N = 5000 };
    static void *p[N];
    avila_heap_trim();
    struct avila_heap_stats a, b, c;
    avila_heap_stats(&a);
    size_t sum = 0, blocks[AVILA_HEAP_CLASSES] = {0};
    uint64_t rs = 9;
    for (int i = 0; i < N; i++) {
        size_t n = random_size(&rs);
        p[i] = avila_heap_malloc(n);
        int k = class_for(n);
        if (k >= 0)
            blocks[k]++;
        sum += k >= 0 ? avila_heapi_class_size((unsigned)k) : avila_heap_usable_size(p[i]);
    }
    avila_heap_stats(&b);
    assert_int_equal(b.allocated - a.allocated, sum);
    for (unsigned k = 0; k < AVILA_HEAP_CLASSES; k++)
        assert_int_equal(b.classes[k].blocks - a.classes[k].blocks, blocks[k]);
    assert_true(b.active >= b.allocated);
    assert_true(b.mapped >= b.active);
    assert_true(b.mapped >= b.resident);
    /* Freed by another thread: counted once the owner collects (stats does). */
    struct free_all fa = {p, N};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_all, &fa), 0);
    pthread_join(t, NULL);
    avila_heap_stats(&c);
    assert_int_equal(c.allocated, a.allocated);
    for (unsigned k = 0; k < AVILA_HEAP_CLASSES; k++)
        assert_int_equal(c.classes[k].blocks, a.classes[k].blocks);
}

struct text {
    char buf[8192];
    size_t len;
};

static void collect_text(void *ctx, const char *s, size_t n)
{
    struct text *t = ctx;
    assert_true(t->len + n < sizeof(t->buf));
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

/* The text dump says what the numbers say. */
static void stats_text(void **state)
{
    (void)state;
    void *p = avila_heap_malloc(1000);
    struct avila_heap_stats st;
    avila_heap_stats(&st);
    static struct text t;
    t.len = 0;
    avila_heap_stats_write(&st, collect_text, &t);
    char want[128];
    snprintf(want, sizeof(want), "heap: allocated %zu active %zu resident %zu mapped %zu ",
             st.allocated, st.active, st.resident, st.mapped);
    assert_memory_equal(t.buf, want, strlen(want));
    char mode[32];
    snprintf(mode, sizeof(mode), " hardened %d\n", hardened);
    assert_non_null(strstr(t.buf, mode));
    snprintf(want, sizeof(want), "\nheap: class 1024 blocks %zu pages %zu\n",
             st.classes[avila_heapi_class_of(1000)].blocks,
             st.classes[avila_heapi_class_of(1000)].pages);
    assert_non_null(strstr(t.buf, want));
    avila_heap_free(p);
}

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    char line[128];
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    char *end;
    strtoul(line, &end, 10); /* total size, then the resident pages */
    unsigned long res = strtoul(end, NULL, 10);
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* Memory freed stays until the decay delay or a trim; trim gives it back to the OS. */
static void trim_lowers_resident(void **state)
{
    (void)state;
    enum { N = 120000 };
    static void *p[N];
    avila_heap_set_decay_ms(1000000);
    for (int i = 0; i < N; i++) {
        p[i] = avila_heap_malloc(500 + (size_t)(i % 7) * 16);
        memset(p[i], 1, 500);
    }
    for (int i = 0; i < N; i++)
        avila_heap_free(p[i]);
    void *big[16];
    for (int i = 0; i < 16; i++) {
        big[i] = avila_heap_malloc((size_t)1 << 20);
        memset(big[i], 1, (size_t)1 << 20);
    }
    for (int i = 0; i < 16; i++)
        avila_heap_free(big[i]);
    struct avila_heap_stats a, b;
    avila_heap_stats(&a);
    size_t before = rss_bytes();
    avila_heap_trim();
    size_t after = rss_bytes();
    avila_heap_stats(&b);
    avila_heap_set_decay_ms(AVILA_HEAP_DEFAULT_DECAY_MS);
    /* About 75 MB were touched and freed. */
    assert_true(before - after > ((size_t)50 << 20));
    assert_true(a.resident - b.resident > ((size_t)50 << 20));
    assert_true(b.mapped < a.mapped);
}

/*
 * The cache of empty segments is bounded: a 200 MB working set freed while
 * the decay delay is far away goes back to the OS at once but for
 * AVILA_HEAP_CACHE_SEGMENTS segments (and the thread's newest one).
 */
static void segment_cache_is_bounded(void **state)
{
    (void)state;
    enum { N = 4000 };
    static void *p[N];
    avila_heap_set_decay_ms(1000000);
    struct avila_heap_stats a, b, c;
    avila_heap_stats(&a);
    for (int i = 0; i < N; i++) {
        p[i] = avila_heap_malloc((size_t)50 << 10);
        memset(p[i], 1, (size_t)50 << 10);
    }
    avila_heap_stats(&b);
    size_t peak = rss_bytes();
    for (int i = 0; i < N; i++)
        avila_heap_free(p[i]);
    avila_heap_stats(&c);
    size_t after = rss_bytes();
    avila_heap_set_decay_ms(AVILA_HEAP_DEFAULT_DECAY_MS);
    assert_true(b.mapped - a.mapped > ((size_t)190 << 20));
    assert_true(c.segments_cached <= AVILA_HEAP_CACHE_SEGMENTS);
    size_t kept = (size_t)(AVILA_HEAP_CACHE_SEGMENTS + 2) << 22;
    assert_true(c.mapped <= a.mapped + kept);
    assert_true(peak - after > ((size_t)100 << 20));
}

static size_t large_cached(void)
{
    struct avila_heap_stats st;
    avila_heap_stats(&st);
    return st.large_cached;
}

/*
 * A freed large block's mapping waits for a large block of half to all
 * its size (calloc still gets zeros), or one up to twice its size that
 * grows it, within HEAP_LARGE_CACHE_SLOTS and
 * HEAP_LARGE_CACHE_BYTES; it goes after the decay delay, at a trim, or at
 * once with a zero delay. Hardened mode never reuses (freed large blocks
 * must fault).
 */
static void large_mappings_are_reused(void **state)
{
    (void)state;
    const size_t mb = (size_t)1 << 20;
    avila_heap_set_decay_ms(1000000);
    avila_heap_trim();
    assert_int_equal(large_cached(), 0);
    uint8_t *a = avila_heap_malloc(8 * mb);
    memset(a, 0xAA, 8 * mb);
    avila_heap_free(a);
    if (hardened) {
        assert_int_equal(large_cached(), 0);
        avila_heap_set_decay_ms(AVILA_HEAP_DEFAULT_DECAY_MS);
        return;
    }
    assert_true(large_cached() >= 8 * mb);
    /* Taken by a slightly smaller calloc, zeroed. */
    uint8_t *b = avila_heap_calloc(1, 8 * mb - 10000);
    assert_ptr_equal(b, a);
    assert_int_equal(large_cached(), 0);
    for (size_t i = 0; i < 8 * mb - 10000; i += 4093)
        assert_int_equal(b[i], 0);
    assert_int_equal(b[8 * mb - 10001], 0);
    avila_heap_free(b);
    /* A block of less than half the mapping does not take it: it waits for a larger one. */
    uint8_t *c = avila_heap_malloc(3 * mb);
    assert_ptr_not_equal(c, a);
    assert_true(avila_heap_usable_size(c) < 3 * mb + HEAP_OS_PAGE);
    avila_heap_free(c);
    uint8_t *d = avila_heap_malloc(5 * mb);
    assert_ptr_equal(d, a);
    avila_heap_free(d);
    /* A block up to twice the largest mapping grows it (mremap) instead of mapping anew. */
    size_t before = large_cached();
    uint8_t *g = avila_heap_malloc(12 * mb);
    assert_true(large_cached() + 7 * mb < before);
    memset(g, 1, 12 * mb);
    avila_heap_free(g);
    assert_true(large_cached() >= 12 * mb);
    /* Bounded: slots and bytes. */
    avila_heap_trim();
    uint8_t *many[HEAP_LARGE_CACHE_SLOTS + 4];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(many); i++)
        many[i] = avila_heap_malloc(3 * mb + i * (size_t)HEAP_OS_PAGE);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(many); i++)
        avila_heap_free(many[i]);
    assert_true(large_cached() <= HEAP_LARGE_CACHE_SLOTS * (3 * mb + (size_t)16 * HEAP_OS_PAGE));
    assert_true(large_cached() >= 3 * mb);
    uint8_t *huge = avila_heap_malloc(HEAP_LARGE_CACHE_BYTES + mb);
    avila_heap_free(huge);
    assert_true(large_cached() <= HEAP_LARGE_CACHE_BYTES);
    /* Trim empties the cache; so does the decay delay, at the next free. */
    avila_heap_trim();
    assert_int_equal(large_cached(), 0);
    avila_heap_set_decay_ms(20);
    avila_heap_free(avila_heap_malloc(4 * mb));
    size_t one = large_cached();
    assert_true(one >= 4 * mb);
    usleep(40000);
    avila_heap_free(avila_heap_malloc(5 * mb));
    assert_true(large_cached() >= 5 * mb && large_cached() < one + 5 * mb);
    avila_heap_set_decay_ms(0);
    avila_heap_free(avila_heap_malloc(4 * mb));
    avila_heap_trim();
    assert_int_equal(large_cached(), 0);
    avila_heap_free(avila_heap_malloc(4 * mb));
    assert_int_equal(large_cached(), 0);
    avila_heap_set_decay_ms(AVILA_HEAP_DEFAULT_DECAY_MS);
}

/*
 * Freed blocks are reused, on whichever page holds them, before a page's
 * untouched room is carved: refilling holes leaves the resident bytes as
 * they were.
 */
static void holes_before_fresh_memory(void **state)
{
    (void)state;
    enum { N = 3000 };
    static void *p[N];
    for (int i = 0; i < N; i++)
        p[i] = avila_heap_malloc(1000);
    for (int i = 0; i < N; i += 2)
        avila_heap_free(p[i]);
    struct avila_heap_stats a, b;
    avila_heap_stats(&a);
    for (int i = 0; i < N; i += 2)
        p[i] = avila_heap_malloc(1000);
    avila_heap_stats(&b);
    if (!hardened)
        assert_int_equal(b.resident, a.resident);
    for (int i = 0; i < N; i++)
        avila_heap_free(p[i]);
}

/*
 * Pages that empty and come back as another class: every request still gets
 * a block of its own class (malloc finds small classes' pages through a
 * table kept beside the page queues), and no block overlaps a live one.
 */
static void pages_change_class(void **state)
{
    (void)state;
    enum { BIG = 3000, SMALL = 12000 };
    static void *big[BIG], *small[SMALL];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < BIG; i++)
            big[i] = avila_heap_malloc(1000);
        for (int i = 0; i < BIG; i++)
            avila_heap_free(big[i]); /* its pages empty */
        for (int i = 0; i < SMALL; i++) {
            small[i] = avila_heap_malloc(200);
            assert_int_equal(avila_heap_usable_size(small[i]), usable_for(200, 224));
            fill(small[i], 200, (uint32_t)i);
        }
        for (int i = 0; i < SMALL; i += 2)
            avila_heap_free(small[i]);
        for (int i = 0; i < BIG; i++) {
            size_t n = 897 + (size_t)i % 128; /* all of class 1024 */
            big[i] = avila_heap_malloc(n);
            assert_int_equal(avila_heap_usable_size(big[i]), usable_for(n, 1024));
            fill(big[i], n, (uint32_t)(SMALL + i));
        }
        for (int i = 1; i < SMALL; i += 2) {
            assert_true(check(small[i], 200, (uint32_t)i));
            avila_heap_free(small[i]);
        }
        for (int i = 0; i < BIG; i++) {
            assert_true(check(big[i], 897 + (size_t)i % 128, (uint32_t)(SMALL + i)));
            avila_heap_free(big[i]);
        }
    }
}

/* Decay: with a zero delay, freed pages go back to the OS without a trim. */
static void decay_zero_returns_memory(void **state)
{
    (void)state;
    enum { N = 40000 };
    static void *p[N];
    avila_heap_set_decay_ms(0);
    for (int i = 0; i < N; i++) {
        p[i] = avila_heap_malloc(1000);
        memset(p[i], 1, 1000);
    }
    size_t before = rss_bytes();
    for (int i = 0; i < N; i++)
        avila_heap_free(p[i]);
    size_t after = rss_bytes();
    avila_heap_set_decay_ms(AVILA_HEAP_DEFAULT_DECAY_MS);
    assert_true(before - after > ((size_t)25 << 20));
}

/* The allocator view honours core/alloc.h's contract. */
static void allocator_interface(void **state)
{
    (void)state;
    const struct avila_allocator *a = avila_heap_allocator();
    assert_non_null(a);
    void *z1 = avila_alloc(a, 0, 1), *z2 = avila_alloc(a, 0, 1);
    assert_non_null(z1);
    assert_ptr_not_equal(z1, z2);
    avila_free(a, z1, 0, 1);
    avila_free(a, z2, 0, 1);
    assert_null(avila_alloc(a, 8, 3));
    assert_null(avila_alloc(a, 8, 8192));
    assert_null(avila_alloc(a, (size_t)PTRDIFF_MAX + 1, 8));
    avila_free(a, NULL, 0, 1);
    for (size_t al = 1; al <= AVILA_ALLOC_MAX_ALIGN; al *= 2) {
        size_t n = 10;
        uint8_t *p = avila_alloc(a, n, al);
        assert_non_null(p);
        assert_true(aligned(p, al));
        fill(p, n, (uint32_t)al);
        while (n < 300000) {
            size_t m = n * 3;
            uint8_t *q = avila_realloc(a, p, n, m, al);
            assert_non_null(q);
            assert_true(aligned(q, al));
            assert_true(check(q, n, (uint32_t)al));
            fill(q, m, (uint32_t)al);
            p = q;
            n = m;
        }
        uint8_t *q = avila_realloc(a, p, n, 5, al);
        assert_non_null(q);
        assert_true(aligned(q, al));
        assert_true(check(q, 5, (uint32_t)al));
        /* A failed realloc leaves the block alone. */
        assert_null(avila_realloc(a, q, 5, 16, 3));
        assert_true(check(q, 5, (uint32_t)al));
        avila_free(a, q, 5, al);
    }
    uint32_t *arr = AVILA_NEW_ARRAY(a, uint32_t, 1000);
    assert_non_null(arr);
    AVILA_DELETE_ARRAY(a, arr, uint32_t, 1000);
}

/* ------------------------------------------------------------ hardened mode */

/* The mode can change only before the first allocation; the leak report needs it. */
static void mode_is_fixed_once_used(void **state)
{
    (void)state;
    void *p = avila_heap_malloc(10);
    assert_int_equal(avila_heap_hardened(), hardened);
    assert_int_equal(avila_heap_set_hardened(!hardened), AVILA_ESTATE);
    assert_int_equal(avila_heap_set_hardened(hardened), 0);
    assert_int_equal(avila_heap_hardened(), hardened);
    if (!hardened)
        assert_int_equal(avila_heap_leaks_write(collect_text, NULL), AVILA_ESTATE);
    avila_heap_free(p);
}

/*
 * Runs fn in a forked child with stderr to a pipe; the child must die by
 * signal sig with want on stderr (a %p-formatted line built by the caller).
 */
static void expect_fault(void (*fn)(void *arg), void *arg, int sig, const char *want)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        signal(SIGSEGV, SIG_DFL);
        fn(arg);
        _exit(0); /* not caught: the parent sees a clean exit */
    }
    close(fd[1]);
    static char err[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(err) - 1 && (r = read(fd[0], err + n, sizeof(err) - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = '\0';
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != sig || strstr(err, want) == NULL)
        fail_msg("want signal %d and \"%s\"; got status %#x, stderr \"%s\"", sig, want, status,
                 err);
}

/* Keeps the compiler from seeing through the faults. */
static void *volatile sink;

static void do_double_free(void *arg)
{
    avila_heap_free(arg);
    avila_heap_free(arg);
}

static void do_free(void *arg)
{
    avila_heap_free(arg);
}

static void do_realloc(void *arg)
{
    sink = avila_heap_realloc(arg, 5000);
}

static void do_realloc_after_free(void *arg)
{
    avila_heap_free(arg);
    sink = avila_heap_realloc(arg, 5000);
}

/* Frees a block, writes into it, then allocates its class until the block comes back. */
static void do_write_after_free(void *arg)
{
    uint8_t *p = arg;
    avila_heap_free(p);
    p[50] = 1;
    for (int i = 0; i < 100000; i++)
        sink = avila_heap_malloc(200);
}

/* Frees a block, forges its free-list link to point at a static buffer (tcache poisoning). */
static void do_forged_link(void *arg)
{
    static uint8_t target[256];
    void **p = arg;
    avila_heap_free(p);
    *p = target + 16;
    for (int i = 0; i < 4; i++)
        sink = avila_heap_malloc(64);
}

/*
 * As an attacker who knows the key: a well-encoded link from a free block to
 * a live one of the same page (whose first bytes also decode as an end of
 * list). The live bitmap catches it when the live block would be handed out.
 */
static void do_forged_live_link(void *arg)
{
    uint8_t **pair = arg;
    struct heap_block *f = (struct heap_block *)pair[0], *live = (struct heap_block *)pair[1];
    avila_heap_free(f);
    f->next = avila_heapi_enc(f, live);
    live->next = avila_heapi_enc(live, NULL);
    for (int i = 0; i < 4; i++)
        sink = avila_heap_malloc(64);
}

static void do_large_overrun(void *arg)
{
    uint8_t *p = arg;
    p[(size_t)1 << 20] = 1; /* the first byte past the end: the guard page */
    avila_heap_free(p);
}

/* Each fault dies by SIGABRT with its line; a large overrun dies on the guard page. */
static void hardened_faults(void **state)
{
    (void)state;
    char want[256];
    uint8_t *p = avila_heap_malloc(40);
    snprintf(want, sizeof(want), "avila heap: double free of %p (size class 4, 64-byte blocks)\n",
             (void *)p);
    expect_fault(do_double_free, p, SIGABRT, want);

    snprintf(want, sizeof(want),
             "avila heap: invalid free of %p: not the start of a block, 16 bytes into the block "
             "at %p",
             (void *)(p + 16), (void *)p);
    expect_fault(do_free, p + 16, SIGABRT, want);
    expect_fault(do_realloc, p + 16, SIGABRT, want);

    static _Alignas(64) uint8_t foreign[256];
    snprintf(want, sizeof(want), "avila heap: invalid free of %p (not in a heap segment",
             (void *)(foreign + 128));
    expect_fault(do_free, foreign + 128, SIGABRT, want);
    snprintf(want, sizeof(want), "avila heap: invalid free of %p (not in a heap segment",
             (void *)(foreign + 129));
    expect_fault(do_free, foreign + 129, SIGABRT, want);

    /* One byte past the requested size, at sizes across the classes (also filling a class). */
    static const size_t sizes[] = {0, 1, 7, 16, 55, 100, 119, 1000, 4096, 65000, 65526, 100003};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++) {
        uint8_t *q = avila_heap_malloc(sizes[i]);
        assert_non_null(q);
        q[sizes[i]] = 0; /* an off-by-one terminator */
        snprintf(want, sizeof(want), "avila heap: buffer overflow past the end of %p (%zu bytes",
                 (void *)q, sizes[i]);
        expect_fault(do_free, q, SIGABRT, want);
        expect_fault(do_realloc, q, SIGABRT, want);
        sink = q; /* corrupt: never freed here */
    }

    uint8_t *w = avila_heap_malloc(200);
    snprintf(want, sizeof(want), "avila heap: write after free in %p: byte +50 is 0x1", (void *)w);
    expect_fault(do_write_after_free, w, SIGABRT, want);

    uint8_t *f = avila_heap_malloc(64);
    snprintf(want, sizeof(want), "avila heap: corrupted free list in %p: its next pointer",
             (void *)f);
    expect_fault(do_forged_link, f, SIGABRT, want);

    uint8_t *pair[2] = {avila_heap_malloc(64), avila_heap_malloc(64)};
    assert_true(avila_heapi_segment_of(pair[0]) == avila_heapi_segment_of(pair[1]));
    snprintf(want, sizeof(want), "avila heap: corrupted free list: it hands out the live block %p",
             (void *)pair[1]);
    expect_fault(do_forged_live_link, pair, SIGABRT, want);

    /* Large blocks are checked against the registry before their header (maybe unmapped) is read.
     */
    uint8_t *lg = avila_heap_malloc((size_t)1 << 20);
    snprintf(want, sizeof(want), "avila heap: double free of %p (large block, freed already)\n",
             (void *)lg);
    expect_fault(do_double_free, lg, SIGABRT, want);
    expect_fault(do_realloc_after_free, lg, SIGABRT, want);
    const size_t gone_len = (size_t)4 * HEAP_OS_PAGE;
    uint8_t *gone =
        mmap(NULL, gone_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(gone != MAP_FAILED);
    assert_int_equal(munmap(gone, gone_len), 0);
    uint8_t *wild = gone + HEAP_OS_PAGE; /* unmapped, and its would-be header too */
    snprintf(want, sizeof(want),
             "avila heap: invalid free of %p (not in a heap segment, and not a live large block)\n",
             (void *)wild);
    expect_fault(do_free, wild, SIGABRT, want);
    expect_fault(do_realloc, wild, SIGABRT, want);
    avila_heap_free(lg);

    uint8_t *big = avila_heap_malloc((size_t)1 << 20);
    expect_fault(do_large_overrun, big, SIGSEGV, "");
    avila_heap_free(big);
    avila_heap_free(w);
    avila_heap_free(f);
    avila_heap_free(p);
    avila_heap_free(pair[0]);
    avila_heap_free(pair[1]);
}

/* Leaks from two call sites, in the report with their counts and distinct addresses. */
/* Not tail calls: the return address stays inside these functions. */
static __attribute__((noinline)) void *leak_site_a(void)
{
    void *p = avila_heap_malloc(1000);
    sink = p;
    return p;
}

static __attribute__((noinline)) void *leak_site_b(void)
{
    void *p = avila_heap_calloc(1, 5000);
    sink = p;
    return p;
}

static void leak_report(void **state)
{
    (void)state;
    void *a[3], *b[2];
    for (int i = 0; i < 3; i++)
        a[i] = leak_site_a();
    for (int i = 0; i < 2; i++)
        b[i] = leak_site_b();
    static struct text t;
    t.len = 0;
    int live = avila_heap_leaks_write(collect_text, &t);
    assert_true(live >= 5);
    const char *la = strstr(t.buf, "avila heap: leak: 3000 bytes in 3 blocks from 0x");
    const char *lb = strstr(t.buf, "avila heap: leak: 10000 bytes in 2 blocks from 0x");
    assert_non_null(la);
    assert_non_null(lb);
    assert_true(lb < la); /* by bytes */
    assert_non_null(strstr(la, "test_heap+0x"));
    const char *from = " blocks from ";
    unsigned long pa = strtoul(strstr(la, from) + strlen(from), NULL, 16);
    unsigned long pb = strtoul(strstr(lb, from) + strlen(from), NULL, 16);
    assert_true(pa != 0 && pb != 0 && pa != pb);
    for (int i = 0; i < 3; i++)
        avila_heap_free(a[i]);
    for (int i = 0; i < 2; i++)
        avila_heap_free(b[i]);
    t.len = 0;
    avila_heap_leaks_write(collect_text, &t);
    assert_null(strstr(t.buf, "3000 bytes in 3 blocks"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mode_is_fixed_once_used),
        cmocka_unit_test(classes_are_tight),
        cmocka_unit_test(every_class),
        cmocka_unit_test(every_alignment),
        cmocka_unit_test(pattern_check_can_fail),
        cmocka_unit_test(random_sequence),
        cmocka_unit_test(calloc_zeroes),
        cmocka_unit_test(realloc_keeps_bytes),
        cmocka_unit_test(realloc_grows_in_place),
        cmocka_unit_test(allocator_interface),
        cmocka_unit_test(cross_thread_1x1),
        cmocka_unit_test(cross_thread_4x4),
        cmocka_unit_test(cross_thread_2x6),
        cmocka_unit_test(thread_exit_and_adoption),
        cmocka_unit_test(fork_in_threaded_process),
        cmocka_unit_test(stats_are_consistent),
        cmocka_unit_test(stats_text),
        cmocka_unit_test(trim_lowers_resident),
        cmocka_unit_test(segment_cache_is_bounded),
        cmocka_unit_test(decay_zero_returns_memory),
        cmocka_unit_test(large_mappings_are_reused),
        cmocka_unit_test(holes_before_fresh_memory),
        cmocka_unit_test(pages_change_class),
    };
    const struct CMUnitTest hardened_only[] = {
        cmocka_unit_test(hardened_faults),
        cmocka_unit_test(leak_report),
    };
    /* The hardened run first, in a child that has not allocated from the heap yet. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (avila_heap_set_hardened(1) != 0)
            _exit(90);
        hardened = 1;
        int rc = cmocka_run_group_tests_name("hardened", tests, NULL, NULL);
        rc |= cmocka_run_group_tests_name("hardened faults", hardened_only, NULL, NULL);
        fflush(NULL);
        _exit(rc != 0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    int rc = cmocka_run_group_tests_name("plain", tests, NULL, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("not ok - the hardened run ended with status %#x\n", status);
        rc = 1;
    }
    return rc != 0;
}
