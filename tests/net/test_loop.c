/*
 * tests/net/test_loop.c - the event loop on pipes and socketpairs:
 * edge-triggered readiness (read until EAGAIN; a partial read gets no
 * second event), interest changes and hang-ups, stops from inside
 * callbacks and from another thread, a watcher stopped mid-batch (its fd
 * closed and its number reused by dup) that must not see its stale event,
 * timers on the real clock (order, never early, stop and restart),
 * deferred-callback order, 4 threads x 10k posts each run exactly once and
 * in per-thread order, wake-up coalescing, signals through signalfd,
 * SIGPIPE ignored, run_until deadlines, a two-loop group, and allocation
 * failures at create.
 */
#include "tests/support/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"
#include "net/loop.h"
#include "net/sock.h"
#include "tests/support/fail_alloc.h"

static struct avila_loop *new_loop(unsigned max_events)
{
    struct avila_loop_config cfg = {.max_events = max_events};
    struct avila_loop *loop = NULL;
    assert_int_equal(avila_loop_create(&loop, avila_allocator_libc(), &cfg), 0);
    return loop;
}

static void nonblocking_pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static void nonblocking_pipe(int p[2])
{
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static void write_all(int fd, const void *buf, size_t n)
{
    assert_int_equal(avila_sock_write(fd, buf, n), (int)n);
}

/* ------------------------------------------------------------ create */

static int create_op(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_loop *loop = NULL;
    int rc = avila_loop_create(&loop, &fa->allocator, NULL);
    if (rc < 0)
        return rc;
    avila_loop_destroy(loop);
    return 0;
}

static void create_failures(void **state)
{
    (void)state;
    struct fail_alloc fa;
    assert_int_equal(fail_alloc_sweep(create_op, NULL, 0), 2);
    fail_alloc_init(&fa);
    struct avila_loop *loop = NULL;
    struct avila_loop_config bad = {.max_events = AVILA_LOOP_MAX_MAX_EVENTS + 1};
    assert_int_equal(avila_loop_create(&loop, &fa.allocator, &bad), AVILA_EINVAL);
    assert_int_equal(avila_loop_create(NULL, &fa.allocator, NULL), AVILA_EINVAL);
    assert_int_equal(fa.live_allocs, 0);
    avila_loop_destroy(NULL);
}

/* ------------------------------------------------------------ I/O */

struct reader {
    struct avila_io io;
    size_t calls;
    size_t bytes;
    unsigned events;
    size_t read_max; /* read at most this much per call (0: until EAGAIN) */
    int eof;
};

static void on_read(struct avila_io *io, unsigned events)
{
    struct reader *r = AVILA_LOOP_CONTAINER(io, struct reader, io);
    r->calls++;
    r->events |= events;
    char buf[64];
    size_t got = 0;
    for (;;) {
        size_t want = sizeof buf;
        if (r->read_max != 0 && r->read_max - got < want)
            want = r->read_max - got;
        if (want == 0)
            break;
        int n = avila_sock_read(io->fd, buf, want);
        if (n == AVILA_EAGAIN)
            break;
        if (n == 0) {
            r->eof = 1;
            break;
        }
        assert_true(n > 0);
        got += (size_t)n;
    }
    r->bytes += got;
}

static void edge_triggered(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    int p[2];
    nonblocking_pipe(p);
    struct reader r = {0};
    avila_io_init(&r.io, p[0], on_read);
    assert_int_equal(avila_io_start(loop, &r.io, AVILA_LOOP_READ), 0);
    assert_int_equal(avila_io_start(loop, &r.io, AVILA_LOOP_READ), AVILA_ESTATE);
    assert_true(avila_io_active(&r.io));

    /* Nothing ready: no callback. */
    assert_int_equal(avila_loop_run_once(loop, 0), 0);
    char data[300];
    memset(data, 'x', sizeof data);
    write_all(p[1], data, 100);
    write_all(p[1], data, 100);
    write_all(p[1], data, 100);
    /* Three writes, one edge; the callback drains everything. */
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.bytes, 300);
    assert_int_equal(avila_loop_run_once(loop, 0), 0);

    /* A partial read does not produce another event: edge, not level. */
    r.read_max = 10;
    write_all(p[1], data, 50);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(r.bytes, 310);
    assert_int_equal(avila_loop_run_once(loop, 0), 0);
    assert_int_equal(avila_loop_run_once(loop, 0), 0);
    assert_int_equal(r.calls, 2);
    /* Re-arming the interest reports what is still there. */
    r.read_max = 0;
    assert_int_equal(avila_io_modify(&r.io, AVILA_LOOP_READ), 0);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(r.bytes, 350);

    /* The writer closes: READ with HUP, and the read finds EOF. */
    close(p[1]);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_true(r.eof);
    assert_true(r.events & AVILA_LOOP_HUP);
    assert_int_equal(avila_io_stop(&r.io), 0);
    assert_int_equal(avila_io_stop(&r.io), 0);
    assert_false(avila_io_active(&r.io));
    assert_int_equal(avila_io_modify(&r.io, AVILA_LOOP_READ), AVILA_ESTATE);
    close(p[0]);

    struct avila_loop_stats st;
    avila_loop_get_stats(loop, &st);
    assert_int_equal(st.io_events, 4);
    avila_loop_destroy(loop);
}

struct rw {
    struct avila_io io;
    unsigned last;
    size_t calls;
};

static void on_rw(struct avila_io *io, unsigned events)
{
    struct rw *w = AVILA_LOOP_CONTAINER(io, struct rw, io);
    w->last = events;
    w->calls++;
}

static void interest_and_hangup(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    int sv[2];
    nonblocking_pair(sv);
    struct rw w = {0};
    avila_io_init(&w.io, sv[0], on_rw);
    assert_int_equal(avila_io_start(loop, &w.io, 0x10), AVILA_EINVAL);
    assert_int_equal(avila_io_start(loop, &w.io, AVILA_LOOP_WRITE), 0);
    /* A fresh socket is writable. */
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(w.last, AVILA_LOOP_WRITE);
    /* The peer writes, but only WRITE is watched: nothing. */
    write_all(sv[1], "a", 1);
    assert_int_equal(avila_loop_run_once(loop, 0), 0);
    /* Now READ too: the pending byte is reported, and writability again. */
    assert_int_equal(avila_io_modify(&w.io, AVILA_LOOP_READ | AVILA_LOOP_WRITE), 0);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(w.last, AVILA_LOOP_READ | AVILA_LOOP_WRITE);
    assert_int_equal(avila_io_modify(&w.io, 0x20), AVILA_EINVAL);
    /* Interest 0 still reports the hang-up. */
    assert_int_equal(avila_io_modify(&w.io, 0), 0);
    close(sv[1]);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_true(w.last & AVILA_LOOP_HUP);
    assert_false(w.last & (AVILA_LOOP_READ | AVILA_LOOP_WRITE));
    /* A second watcher on the same fd is refused. */
    struct rw w2 = {0};
    avila_io_init(&w2.io, sv[0], on_rw);
    assert_int_equal(avila_io_start(loop, &w2.io, AVILA_LOOP_READ), AVILA_EEXIST);
    avila_io_stop(&w.io);
    close(sv[0]);
    /* A regular file cannot be watched. */
    struct rw w3 = {0};
    int f = open("/dev/null", O_RDONLY);
    assert_true(f >= 0);
    avila_io_init(&w3.io, f, on_rw);
    int rc = avila_io_start(loop, &w3.io, AVILA_LOOP_READ);
    assert_true(rc == AVILA_EINVAL || rc == AVILA_EIO);
    close(f);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ stale events */

struct victim {
    struct avila_io io;
    int fired;
};

struct killer {
    struct avila_io io;
    struct victim **other; /* the other watcher, freed by whoever runs first */
    int *other_fd;
    int dup_src;
    int reused_fd;
    int fired;
};

static struct victim *va, *vb;
static int fd_a, fd_b;
static struct rw fresh;

static void kill_other(struct avila_io *io, unsigned events)
{
    (void)events;
    struct victim *me = AVILA_LOOP_CONTAINER(io, struct victim, io);
    me->fired++;
    struct victim *other = me == va ? vb : va;
    int *ofd = me == va ? &fd_b : &fd_a;
    if (other == NULL)
        return;
    /* Stop it, close its fd, free it, and put a new watcher on the same number. */
    int s[2];
    nonblocking_pair(s);
    avila_io_stop(&other->io);
    close(*ofd);
    free(other);
    if (me == va)
        vb = NULL;
    else
        va = NULL;
    int again = dup(s[0]); /* the lowest free number: the one just closed */
    assert_int_equal(again, *ofd);
    close(s[0]);
    write_all(s[1], "z", 1);
    close(s[1]);
    avila_io_init(&fresh.io, again, on_rw);
    assert_int_equal(avila_io_start(io->loop, &fresh.io, AVILA_LOOP_READ), 0);
}

static void stale_event_in_batch(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(8);
    int sa[2], sb[2];
    nonblocking_pair(sa);
    nonblocking_pair(sb);
    fd_a = sa[0];
    fd_b = sb[0];
    va = calloc(1, sizeof *va);
    vb = calloc(1, sizeof *vb);
    assert_non_null(va);
    assert_non_null(vb);
    memset(&fresh, 0, sizeof fresh);
    avila_io_init(&va->io, fd_a, kill_other);
    avila_io_init(&vb->io, fd_b, kill_other);
    assert_int_equal(avila_io_start(loop, &va->io, AVILA_LOOP_READ), 0);
    assert_int_equal(avila_io_start(loop, &vb->io, AVILA_LOOP_READ), 0);
    /* Both ready before the wait: one batch holds both events. */
    write_all(sa[1], "1", 1);
    write_all(sb[1], "2", 1);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    struct victim *survivor = va != NULL ? va : vb;
    assert_non_null(survivor);
    assert_true(va == NULL || vb == NULL);
    assert_int_equal(survivor->fired, 1);
    assert_int_equal(fresh.calls, 0);
    /* The fresh watcher on the reused number gets its own event next time. */
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(fresh.calls, 1);
    assert_int_equal(survivor->fired, 1);
    avila_io_stop(&survivor->io);
    avila_io_stop(&fresh.io);
    close(survivor == va ? fd_a : fd_b);
    close(fresh.io.fd);
    free(survivor);
    va = vb = NULL;
    close(sa[1]);
    close(sb[1]);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ stop */

static void stop_on_read(struct avila_io *io, unsigned events)
{
    (void)events;
    char c;
    while (avila_sock_read(io->fd, &c, 1) == 1) {
    }
    avila_loop_stop(io->loop);
}

static void stop_on_timer(struct avila_loop_timer *t)
{
    avila_loop_stop(t->loop);
}

static void *stop_later(void *arg)
{
    avila_time_sleep_ns(20 * AVILA_TIME_NS_PER_MS);
    avila_loop_stop(arg);
    return NULL;
}

static void stop_paths(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    int sv[2];
    nonblocking_pair(sv);
    struct avila_io io;
    avila_io_init(&io, sv[0], stop_on_read);
    assert_int_equal(avila_io_start(loop, &io, AVILA_LOOP_READ), 0);
    write_all(sv[1], "s", 1);
    /* From an I/O callback. */
    assert_int_equal(avila_loop_run(loop), 0);
    assert_false(avila_loop_stopping(loop));
    avila_io_stop(&io);

    /* From a timer callback. */
    struct avila_loop_timer t;
    avila_loop_timer_init(&t);
    avila_loop_timer_start(loop, &t, 5, stop_on_timer);
    assert_int_equal(avila_loop_run(loop), 0);

    /* From another thread, while blocked in epoll_wait with nothing to do. */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stop_later, loop), 0);
    uint64_t t0 = avila_time_mono_ms();
    assert_int_equal(avila_loop_run(loop), 0);
    pthread_join(th, NULL);
    assert_true(avila_time_mono_ms() - t0 < 5000);

    /* Requested before run: one iteration, then back. */
    avila_loop_stop(loop);
    assert_true(avila_loop_stopping(loop));
    assert_int_equal(avila_loop_run(loop), 0);
    assert_false(avila_loop_stopping(loop));

    /* run_until: the deadline, then a stop. */
    t0 = avila_time_mono_ms();
    assert_int_equal(avila_loop_run_until(loop, t0 + 20), AVILA_ETIMEDOUT);
    assert_true(avila_time_mono_ms() >= t0 + 20);
    avila_loop_timer_start(loop, &t, 5, stop_on_timer);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 5000), 0);

    close(sv[0]);
    close(sv[1]);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ timers */

struct ttimer {
    struct avila_loop_timer t;
    int id;
    uint64_t delay;
    uint64_t fired_ns;
};

static int fired_order[16];
static int nfired;
static uint64_t timer_start_ns;

static void on_ttimer(struct avila_loop_timer *t)
{
    struct ttimer *tt = AVILA_LOOP_CONTAINER(t, struct ttimer, t);
    tt->fired_ns = avila_time_mono_ns();
    fired_order[nfired++] = tt->id;
    assert_false(avila_loop_timer_active(t));
}

static void timers_real_clock(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    static const uint64_t delays[] = {30, 10, 20, 10, 0, 45};
    struct ttimer tt[6];
    nfired = 0;
    avila_loop_update_time(loop);
    timer_start_ns = avila_time_mono_ns();
    for (int i = 0; i < 6; i++) {
        avila_loop_timer_init(&tt[i].t);
        tt[i].id = i;
        tt[i].delay = delays[i];
        tt[i].fired_ns = 0;
        avila_loop_timer_start(loop, &tt[i].t, delays[i], on_ttimer);
        assert_true(avila_loop_timer_active(&tt[i].t));
    }
    /* Stopped timers never fire; a restarted one counts from the restart. */
    assert_int_equal(avila_loop_timer_stop(&tt[5].t), 1);
    assert_int_equal(avila_loop_timer_stop(&tt[5].t), 0);
    assert_int_equal(avila_loop_timer_stop(&tt[2].t), 1);
    avila_loop_timer_restart(&tt[2].t);
    while (nfired < 5)
        assert_true(avila_loop_run_once(loop, 2000) >= 0);
    int want[] = {4, 1, 3, 2, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(fired_order[i], want[i]);
    for (int i = 0; i < 5; i++) {
        uint64_t elapsed = tt[i].fired_ns - timer_start_ns;
        /* Never early; late by at most a generous margin on a loaded machine. */
        assert_true(elapsed >= tt[i].delay * AVILA_TIME_NS_PER_MS);
        assert_true(elapsed < (tt[i].delay + 1000) * AVILA_TIME_NS_PER_MS);
    }
    assert_int_equal(tt[5].fired_ns, 0);
    /* The loop slept rather than spun: few iterations for ~30 ms. */
    struct avila_loop_stats st;
    avila_loop_get_stats(loop, &st);
    assert_true(st.iterations < 40);
    assert_int_equal(st.timers, 5);
    /* Restart after firing re-arms with the same delay. */
    avila_loop_update_time(loop);
    uint64_t t0 = avila_time_mono_ns();
    avila_loop_timer_restart(&tt[0].t);
    while (nfired < 6)
        assert_true(avila_loop_run_once(loop, 2000) >= 0);
    assert_true(tt[0].fired_ns - t0 >= 30 * AVILA_TIME_NS_PER_MS);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ defer */

struct dnode {
    struct avila_loop_defer d;
    struct avila_loop *loop;
    int id;
    struct dnode *chain; /* queued from inside this callback */
    struct dnode *cancel;
};

static int deferred[16];
static int ndeferred;

static void on_defer(struct avila_loop_defer *d, void *arg)
{
    struct dnode *n = arg;
    assert_ptr_equal(&n->d, d);
    deferred[ndeferred++] = n->id;
    if (n->cancel != NULL)
        assert_int_equal(avila_loop_defer_cancel(n->loop, &n->cancel->d), 1);
    if (n->chain != NULL)
        assert_int_equal(avila_loop_defer(n->loop, &n->chain->d, on_defer, n->chain), 0);
}

static void defer_order(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    struct dnode n[6];
    memset(n, 0, sizeof n);
    for (int i = 0; i < 6; i++) {
        n[i].loop = loop;
        n[i].id = i;
    }
    n[0].chain = &n[4]; /* next iteration */
    n[1].cancel = &n[3];
    ndeferred = 0;
    for (int i = 0; i < 4; i++)
        assert_int_equal(avila_loop_defer(loop, &n[i].d, on_defer, &n[i]), 0);
    assert_int_equal(avila_loop_defer(loop, &n[2].d, on_defer, &n[2]), AVILA_ESTATE);
    assert_int_equal(avila_loop_defer(loop, &n[5].d, on_defer, &n[5]), 0);
    assert_int_equal(avila_loop_defer_cancel(loop, &n[5].d), 1);
    assert_int_equal(avila_loop_defer_cancel(loop, &n[5].d), 0);
    /* Pending defers make the wait non-blocking even with a long timeout. */
    uint64_t t0 = avila_time_mono_ms();
    assert_int_equal(avila_loop_run_once(loop, 5000), 3);
    assert_int_equal(ndeferred, 3);
    assert_int_equal(deferred[0], 0);
    assert_int_equal(deferred[1], 1);
    assert_int_equal(deferred[2], 2);
    assert_int_equal(avila_loop_run_once(loop, 5000), 1);
    assert_int_equal(deferred[3], 4);
    assert_true(avila_time_mono_ms() - t0 < 2500);
    assert_int_equal(avila_loop_run_once(loop, 0), 0);
    /* A node may be queued again once it ran. */
    n[0].chain = NULL;
    assert_int_equal(avila_loop_defer(loop, &n[0].d, on_defer, &n[0]), 0);
    assert_int_equal(avila_loop_run_once(loop, 0), 1);
    assert_int_equal(deferred[4], 0);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ posts */

#define POST_THREADS 4
#define POST_EACH    10000
#define POST_TOTAL   ((size_t)POST_THREADS * POST_EACH)

struct ptask {
    struct avila_loop_task task;
    uint32_t thread;
    uint32_t seq;
};

static struct avila_loop *post_loop;
static struct ptask *ptasks;
static unsigned char *prun; /* times each task ran */
static int64_t last_seq[POST_THREADS];
static size_t posted_done;
static int post_bad;
static pthread_t loop_thread;

static void on_ptask(struct avila_loop_task *task, void *arg)
{
    struct ptask *p = arg;
    if (&p->task != task || !pthread_equal(pthread_self(), loop_thread))
        post_bad = 1;
    prun[p->thread * POST_EACH + p->seq]++;
    /* Tasks from one thread run in the order that thread posted them. */
    if ((int64_t)p->seq <= last_seq[p->thread])
        post_bad = 1;
    last_seq[p->thread] = p->seq;
    if (++posted_done == POST_TOTAL)
        avila_loop_stop(post_loop);
}

static void *post_thread(void *arg)
{
    uint32_t id = (uint32_t)(uintptr_t)arg;
    for (uint32_t i = 0; i < POST_EACH; i++) {
        struct ptask *p = &ptasks[id * POST_EACH + i];
        p->thread = id;
        p->seq = i;
        avila_loop_post(post_loop, &p->task, on_ptask, p);
    }
    return NULL;
}

static void posts_from_threads(void **state)
{
    (void)state;
    post_loop = new_loop(0);
    ptasks = calloc(POST_TOTAL, sizeof *ptasks);
    prun = calloc(POST_TOTAL, 1);
    assert_non_null(ptasks);
    assert_non_null(prun);
    for (int i = 0; i < POST_THREADS; i++)
        last_seq[i] = -1;
    posted_done = 0;
    post_bad = 0;
    loop_thread = pthread_self();
    pthread_t th[POST_THREADS];
    for (uintptr_t i = 0; i < POST_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, post_thread, (void *)i), 0);
    /* The loop runs while the threads post; the last task stops it. */
    assert_int_equal(avila_loop_run(post_loop), 0);
    for (int i = 0; i < POST_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(posted_done, POST_TOTAL);
    assert_false(post_bad);
    for (size_t i = 0; i < POST_TOTAL; i++)
        if (prun[i] != 1)
            fail_msg("task %zu ran %d times", i, prun[i]);
    struct avila_loop_stats st;
    avila_loop_get_stats(post_loop, &st);
    assert_int_equal(st.tasks, POST_TOTAL);
    /* Coalesced: far fewer eventfd writes than posts (usually a handful). */
    assert_true(st.wakeups < POST_TOTAL);
    assert_int_equal(avila_loop_run_once(post_loop, 0), 0);
    free(ptasks);
    free(prun);
    avila_loop_destroy(post_loop);
}

static void wakeup_coalescing(void **state)
{
    (void)state;
    post_loop = new_loop(0);
    loop_thread = pthread_self();
    struct ptask t[100];
    prun = calloc(100, 1);
    assert_non_null(prun);
    last_seq[0] = -1;
    posted_done = 0;
    post_bad = 0;
    for (uint32_t i = 0; i < 100; i++) {
        t[i].thread = 0;
        t[i].seq = i;
        avila_loop_post(post_loop, &t[i].task, on_ptask, &t[i]);
    }
    struct avila_loop_stats st;
    avila_loop_get_stats(post_loop, &st);
    /* 100 posts to an idle loop: one write to the eventfd. */
    assert_int_equal(st.wakeups, 1);
    assert_int_equal(avila_loop_run_once(post_loop, 1000), 100);
    assert_int_equal(posted_done, 100);
    assert_false(post_bad);
    /* Drained: the next post wakes again, exactly once more. */
    last_seq[0] = -1;
    t[0].seq = 0;
    avila_loop_post(post_loop, &t[0].task, on_ptask, &t[0]);
    avila_loop_post(post_loop, &t[1].task, on_ptask, &t[1]);
    avila_loop_get_stats(post_loop, &st);
    assert_int_equal(st.wakeups, 2);
    assert_int_equal(avila_loop_run_once(post_loop, 1000), 2);
    assert_int_equal(avila_loop_run_once(post_loop, 0), 0);
    free(prun);
    avila_loop_destroy(post_loop);
}

/* A task that posts itself again runs once per iteration, not forever in one. */
static int self_posts;

static void repost(struct avila_loop_task *task, void *arg)
{
    if (++self_posts < 3)
        avila_loop_post(arg, task, repost, arg);
}

static void task_reposts_itself(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    struct avila_loop_task t;
    self_posts = 0;
    avila_loop_post(loop, &t, repost, loop);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(avila_loop_run_once(loop, 1000), 1);
    assert_int_equal(self_posts, 3);
    assert_int_equal(avila_loop_run_once(loop, 0), 0);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ signals */

static int sig_seen[3];

static void on_sig(struct avila_loop *loop, int signo, void *arg)
{
    (void)loop;
    assert_ptr_equal(arg, sig_seen);
    if (signo == SIGUSR1)
        sig_seen[0]++;
    else if (signo == SIGUSR2)
        sig_seen[1]++;
    else
        sig_seen[2]++;
}

static void signals(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    memset(sig_seen, 0, sizeof sig_seen);
    assert_int_equal(avila_loop_signal(loop, 0, on_sig, sig_seen), AVILA_EINVAL);
    assert_int_equal(avila_loop_signal(loop, SIGKILL, on_sig, sig_seen), AVILA_EINVAL);
    assert_int_equal(avila_loop_signal(loop, 65, on_sig, sig_seen), AVILA_EINVAL);
    assert_int_equal(avila_loop_signal(loop, SIGUSR1, on_sig, sig_seen), 0);
    assert_int_equal(avila_loop_signal(loop, SIGUSR2, on_sig, sig_seen), 0);
    /* Blocked now: raising does not kill the process but queues it for the signalfd. */
    assert_int_equal(raise(SIGUSR1), 0);
    assert_int_equal(raise(SIGUSR2), 0);
    int got = 0;
    for (int i = 0; i < 10 && got < 2; i++)
        got += avila_loop_run_once(loop, 1000);
    assert_int_equal(sig_seen[0], 1);
    assert_int_equal(sig_seen[1], 1);
    assert_int_equal(sig_seen[2], 0);
    /* Unwatched: the signal stays blocked and pending, no callback. */
    assert_int_equal(avila_loop_signal_stop(loop, SIGUSR2), 0);
    assert_int_equal(avila_loop_signal_stop(loop, SIGUSR2), 0);
    assert_int_equal(avila_loop_signal_stop(loop, -3), AVILA_EINVAL);
    assert_int_equal(raise(SIGUSR2), 0);
    assert_int_equal(raise(SIGUSR1), 0);
    for (int i = 0; i < 10 && sig_seen[0] < 2; i++)
        avila_loop_run_once(loop, 1000);
    assert_int_equal(sig_seen[0], 2);
    assert_int_equal(sig_seen[1], 1);
    /* Consume the pending SIGUSR2 so it cannot hit a later test. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    int signo = 0;
    assert_int_equal(sigwait(&set, &signo), 0);
    assert_int_equal(signo, SIGUSR2);
    avila_loop_destroy(loop);
}

static void sigpipe_ignored(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop(0);
    struct sigaction sa;
    assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
    assert_true(sa.sa_handler == SIG_IGN);
    int sv[2];
    nonblocking_pair(sv);
    close(sv[1]);
    /* Plain write(2), no MSG_NOSIGNAL: still an error, not a dead process. */
    errno = 0;
    assert_int_equal(write(sv[0], "x", 1), -1);
    assert_int_equal(errno, EPIPE);
    assert_int_equal(avila_sock_write(sv[0], "x", 1), AVILA_ECLOSED);
    close(sv[0]);
    int p[2];
    nonblocking_pipe(p);
    close(p[0]);
    assert_int_equal(avila_sock_write(p[1], "x", 1), AVILA_ECLOSED);
    close(p[1]);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ group */

struct gstate {
    pthread_t threads[2];
    atomic_int setups;
    atomic_int teardowns;
    atomic_int tasks[2];
    int fail_index; /* setup of this index fails; -1: none */
};

static int g_setup(struct avila_loop *loop, size_t index, void *arg)
{
    (void)loop;
    struct gstate *g = arg;
    g->threads[index] = pthread_self();
    atomic_fetch_add(&g->setups, 1);
    return (int)index == g->fail_index ? AVILA_EIO : 0;
}

static void g_teardown(struct avila_loop *loop, size_t index, void *arg)
{
    (void)loop;
    (void)index;
    struct gstate *g = arg;
    atomic_fetch_add(&g->teardowns, 1);
}

struct gtask {
    struct avila_loop_task task;
    struct gstate *g;
    size_t index;
};

static void on_gtask(struct avila_loop_task *task, void *arg)
{
    (void)task;
    struct gtask *t = arg;
    if (pthread_equal(pthread_self(), t->g->threads[t->index]))
        atomic_fetch_add(&t->g->tasks[t->index], 1);
}

static void group_basics(void **state)
{
    (void)state;
    struct avila_loop_group *grp = NULL;
    assert_int_equal(avila_loop_group_create(&grp, avila_allocator_libc(), 0, NULL), AVILA_EINVAL);
    assert_int_equal(avila_loop_group_create(&grp, avila_allocator_libc(), 2, NULL), 0);
    assert_int_equal(avila_loop_group_size(grp), 2);
    assert_null(avila_loop_group_loop(grp, 2));
    struct gstate g;
    memset(&g, 0, sizeof g);
    g.fail_index = -1;
    assert_int_equal(avila_loop_group_start(grp, g_setup, g_teardown, &g), 0);
    assert_int_equal(avila_loop_group_start(grp, g_setup, g_teardown, &g), AVILA_ESTATE);
    assert_int_equal(atomic_load(&g.setups), 2);
    assert_false(pthread_equal(g.threads[0], g.threads[1]));
    /* Posts from this thread run on each loop's own thread. */
    struct gtask t[2][50];
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < 50; i++) {
            t[l][i].g = &g;
            t[l][i].index = l;
            avila_loop_post(avila_loop_group_loop(grp, l), &t[l][i].task, on_gtask, &t[l][i]);
        }
    for (int i = 0; i < 5000 && (atomic_load(&g.tasks[0]) < 50 || atomic_load(&g.tasks[1]) < 50);
         i++)
        avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
    assert_int_equal(atomic_load(&g.tasks[0]), 50);
    assert_int_equal(atomic_load(&g.tasks[1]), 50);
    avila_loop_group_stop(grp);
    assert_int_equal(avila_loop_group_join(grp), 0);
    assert_int_equal(atomic_load(&g.teardowns), 2);

    /* Started again; the second setup fails: start reports it and cleans up. */
    memset(&g, 0, sizeof g);
    g.fail_index = 1;
    assert_int_equal(avila_loop_group_start(grp, g_setup, g_teardown, &g), AVILA_EIO);
    assert_int_equal(atomic_load(&g.setups), 2);
    assert_int_equal(atomic_load(&g.teardowns), 1);
    /* Destroy of a running group stops and joins it. */
    memset(&g, 0, sizeof g);
    g.fail_index = -1;
    assert_int_equal(avila_loop_group_start(grp, NULL, NULL, NULL), 0);
    avila_loop_group_destroy(grp);
    avila_loop_group_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_failures),
        cmocka_unit_test(edge_triggered),
        cmocka_unit_test(interest_and_hangup),
        cmocka_unit_test(stale_event_in_batch),
        cmocka_unit_test(stop_paths),
        cmocka_unit_test(timers_real_clock),
        cmocka_unit_test(defer_order),
        cmocka_unit_test(posts_from_threads),
        cmocka_unit_test(wakeup_coalescing),
        cmocka_unit_test(task_reposts_itself),
        cmocka_unit_test(signals),
        cmocka_unit_test(sigpipe_ignored),
        cmocka_unit_test(group_basics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
