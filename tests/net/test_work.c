/*
 * tests/net/test_work.c - the blocking-work pool: 1000 jobs on 2 workers
 * (each runs once, off the loop thread, with its result checked; every
 * completion runs on the loop thread), the bounded queue refusing a submit
 * when full, shutdown that drains or cancels the queue, and allocation
 * failures at create.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "net/loop.h"
#include "net/work.h"
#include "tests/support/fail_alloc.h"

static struct avila_loop *new_loop(void)
{
    struct avila_loop *loop = NULL;
    assert_int_equal(avila_loop_create(&loop, avila_allocator_libc(), NULL), 0);
    return loop;
}

struct job {
    struct avila_work_job w;
    uint64_t input;
    uint64_t output;
    pthread_t worker;
    int runs;
    int dones;
    int status;
};

static pthread_t loop_thread;
static size_t dones;
static size_t dones_wanted;
static int wrong_thread;

/* Some real work: an LCG stepped input times, so results differ per job. */
static void crunch(struct avila_work_job *w)
{
    struct job *j = AVILA_LOOP_CONTAINER(w, struct job, w);
    uint64_t x = j->input;
    for (uint64_t i = 0; i < 1000 + j->input; i++)
        x = x * 6364136223846793005u + 1442695040888963407u;
    j->output = x;
    j->worker = pthread_self();
    j->runs++;
}

static void on_done(struct avila_work_job *w, int status)
{
    struct job *j = AVILA_LOOP_CONTAINER(w, struct job, w);
    if (!pthread_equal(pthread_self(), loop_thread))
        wrong_thread = 1;
    j->dones++;
    j->status = status;
    if (++dones == dones_wanted)
        avila_loop_stop(w->loop);
}

static uint64_t expected(uint64_t input)
{
    uint64_t x = input;
    for (uint64_t i = 0; i < 1000 + input; i++)
        x = x * 6364136223846793005u + 1442695040888963407u;
    return x;
}

static void thousand_jobs(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop();
    struct avila_work_pool *pool = NULL;
    struct avila_work_config cfg = {.threads = 2, .queue_max = 1000};
    assert_int_equal(avila_work_pool_create(&pool, avila_allocator_libc(), &cfg), 0);
    struct job *jobs = calloc(1000, sizeof *jobs);
    assert_non_null(jobs);
    loop_thread = pthread_self();
    dones = 0;
    dones_wanted = 1000;
    wrong_thread = 0;
    for (size_t i = 0; i < 1000; i++) {
        jobs[i].input = i;
        assert_int_equal(avila_work_submit(pool, loop, &jobs[i].w, crunch, on_done), 0);
    }
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 8000), 0);
    assert_int_equal(dones, 1000);
    assert_false(wrong_thread);
    int used_workers = 0;
    pthread_t first = jobs[0].worker;
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(jobs[i].runs, 1);
        assert_int_equal(jobs[i].dones, 1);
        assert_int_equal(jobs[i].status, 0);
        assert_true(jobs[i].output == expected(i));
        assert_false(pthread_equal(jobs[i].worker, loop_thread));
        if (!pthread_equal(jobs[i].worker, first))
            used_workers = 1;
    }
    (void)used_workers; /* both workers usually run jobs, but the scheduler decides */
    assert_int_equal(avila_work_pending(pool), 0);
    avila_work_pool_destroy(pool, AVILA_WORK_DRAIN);
    free(jobs);
    avila_loop_destroy(loop);
}

/* A job that blocks its worker until released. */
static atomic_int gate_open;
static atomic_int gate_entered;

static void gated(struct avila_work_job *w)
{
    atomic_store(&gate_entered, 1);
    while (!atomic_load(&gate_open))
        avila_time_sleep_ns(AVILA_TIME_NS_PER_MS / 4);
    crunch(w);
}

static void wait_entered(void)
{
    for (int i = 0; i < 20000 && !atomic_load(&gate_entered); i++)
        avila_time_sleep_ns(AVILA_TIME_NS_PER_MS / 4);
    assert_true(atomic_load(&gate_entered));
}

static void queue_full(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop();
    struct avila_work_pool *pool = NULL;
    struct avila_work_config cfg = {.threads = 1, .queue_max = 2};
    assert_int_equal(avila_work_pool_create(&pool, avila_allocator_libc(), &cfg), 0);
    struct job j[4];
    memset(j, 0, sizeof j);
    loop_thread = pthread_self();
    dones = 0;
    dones_wanted = 3;
    atomic_store(&gate_open, 0);
    atomic_store(&gate_entered, 0);
    assert_int_equal(avila_work_submit(pool, loop, &j[0].w, gated, on_done), 0);
    wait_entered(); /* the only worker is busy; the queue is empty */
    assert_int_equal(avila_work_submit(pool, loop, &j[1].w, crunch, on_done), 0);
    assert_int_equal(avila_work_submit(pool, loop, &j[2].w, crunch, on_done), 0);
    assert_int_equal(avila_work_pending(pool), 2);
    /* Full: refused at once, nothing queued. */
    assert_int_equal(avila_work_submit(pool, loop, &j[3].w, crunch, on_done), AVILA_ELIMIT);
    assert_int_equal(avila_work_pending(pool), 2);
    assert_int_equal(avila_work_submit(pool, NULL, &j[3].w, crunch, on_done), AVILA_EINVAL);
    atomic_store(&gate_open, 1);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 8000), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(j[i].runs, 1);
        assert_int_equal(j[i].status, 0);
    }
    assert_int_equal(j[3].runs, 0);
    assert_int_equal(j[3].dones, 0);
    /* Room again. */
    dones = 0;
    dones_wanted = 1;
    assert_int_equal(avila_work_submit(pool, loop, &j[3].w, crunch, on_done), 0);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 8000), 0);
    assert_int_equal(j[3].runs, 1);
    avila_work_pool_destroy(pool, AVILA_WORK_DRAIN);
    avila_loop_destroy(loop);
}

/* Opens the gate from another thread a little later (destroy blocks the test thread). */
static void *open_gate_later(void *arg)
{
    (void)arg;
    avila_time_sleep_ns(20 * AVILA_TIME_NS_PER_MS);
    atomic_store(&gate_open, 1);
    return NULL;
}

static void shutdown_mode(int how)
{
    struct avila_loop *loop = new_loop();
    struct avila_work_pool *pool = NULL;
    struct avila_work_config cfg = {.threads = 1, .queue_max = 8};
    assert_int_equal(avila_work_pool_create(&pool, avila_allocator_libc(), &cfg), 0);
    struct job j[4];
    memset(j, 0, sizeof j);
    loop_thread = pthread_self();
    dones = 0;
    dones_wanted = 4;
    atomic_store(&gate_open, 0);
    atomic_store(&gate_entered, 0);
    assert_int_equal(avila_work_submit(pool, loop, &j[0].w, gated, on_done), 0);
    wait_entered();
    for (int i = 1; i < 4; i++)
        assert_int_equal(avila_work_submit(pool, loop, &j[i].w, crunch, on_done), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, open_gate_later, NULL), 0);
    /* Returns once the running job (and, draining, the queue) is done. */
    avila_work_pool_destroy(pool, how);
    pthread_join(th, NULL);
    assert_int_equal(j[0].runs, 1);
    /* Every job gets exactly one completion, on the loop. */
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 8000), 0);
    assert_int_equal(dones, 4);
    assert_false(wrong_thread);
    assert_int_equal(j[0].status, 0);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(j[i].dones, 1);
        if (how == AVILA_WORK_DRAIN) {
            assert_int_equal(j[i].runs, 1);
            assert_int_equal(j[i].status, 0);
        } else {
            assert_int_equal(j[i].runs, 0);
            assert_int_equal(j[i].status, AVILA_ECLOSED);
        }
    }
    avila_loop_destroy(loop);
}

static void shutdown_drain(void **state)
{
    (void)state;
    shutdown_mode(AVILA_WORK_DRAIN);
}

static void shutdown_cancel(void **state)
{
    (void)state;
    shutdown_mode(AVILA_WORK_CANCEL);
}

static int create_op(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_work_pool *pool = NULL;
    struct avila_work_config cfg = {.threads = 3, .queue_max = 4};
    int rc = avila_work_pool_create(&pool, &fa->allocator, &cfg);
    if (rc < 0)
        return rc;
    avila_work_pool_destroy(pool, AVILA_WORK_CANCEL);
    return 0;
}

static void create_failures(void **state)
{
    (void)state;
    assert_int_equal(fail_alloc_sweep(create_op, NULL, 0), 2);
    struct avila_work_pool *pool = NULL;
    struct avila_work_config bad = {.threads = AVILA_WORK_MAX_THREADS + 1};
    assert_int_equal(avila_work_pool_create(&pool, avila_allocator_libc(), &bad), AVILA_EINVAL);
    /* Defaults. */
    assert_int_equal(avila_work_pool_create(&pool, avila_allocator_libc(), NULL), 0);
    avila_work_pool_destroy(pool, AVILA_WORK_DRAIN);
    avila_work_pool_destroy(NULL, AVILA_WORK_DRAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thousand_jobs),   cmocka_unit_test(queue_full),
        cmocka_unit_test(shutdown_drain),  cmocka_unit_test(shutdown_cancel),
        cmocka_unit_test(create_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
