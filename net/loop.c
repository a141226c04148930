/*
 * net/loop.c - the epoll event loop and the loop group (see loop.h). OS
 * code: epoll(7), eventfd(2), signalfd(2), POSIX threads.
 *
 * Stale events. epoll_wait hands out a batch; a callback early in the batch
 * may stop (and free, and close the fd of) a watcher whose event comes
 * later in the same batch, and the fd number may even be reused at once.
 * avila_io_stop therefore clears every not-yet-dispatched entry of the
 * batch that points at the stopped watcher, so a stopped watcher's memory
 * is never touched again. The scan costs at most max_events per stop
 * during a dispatch and nothing otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/time.h"
#include "net/loop.h"
#include "net/sock.h"

/* Signal numbers 1..AVILA_LOOP_NSIG - 1 (Linux has 64 signals). */
#define AVILA_LOOP_NSIG 65

struct loop_sig {
    avila_loop_signal_fn *fn;
    void *arg;
};

struct avila_loop {
    const struct avila_allocator *alloc;
    int epfd;
    int wakefd;
    int sigfd; /* -1 until the first avila_loop_signal */
    unsigned max_events;
    struct epoll_event *events;
    /* Dispatch state: entries cursor + 1 .. nevents - 1 are still to come. */
    int nevents;
    int cursor;
    int running; /* inside run_once: no nesting */
    uint64_t now;
    struct avila_timer_wheel wheel;
    struct avila_loop_defer defers; /* circular list head */
    size_t ndefers;
    struct avila_io wake_io;
    struct avila_io sig_io;
    atomic_int stop;
    pthread_mutex_t post_lock;
    struct avila_loop_task *post_head; /* under post_lock */
    struct avila_loop_task *post_tail;
    struct avila_loop_stats stats;
    atomic_uint_fast64_t wakeups;
    int callbacks; /* callbacks made in the current iteration */
    sigset_t sigmask;
    struct loop_sig sig[AVILA_LOOP_NSIG];
};

/* ------------------------------------------------------------ helpers */

static uint32_t epoll_bits(unsigned interest)
{
    uint32_t ev = interest & AVILA_LOOP_SHARED ? EPOLLEXCLUSIVE : EPOLLET | EPOLLRDHUP;
    if (interest & AVILA_LOOP_READ)
        ev |= EPOLLIN;
    if (interest & AVILA_LOOP_WRITE)
        ev |= EPOLLOUT;
    return ev;
}

static unsigned our_bits(uint32_t ev, unsigned interest)
{
    unsigned out = 0;
    if (ev & EPOLLIN)
        out |= AVILA_LOOP_READ;
    if (ev & EPOLLOUT)
        out |= AVILA_LOOP_WRITE;
    if (ev & (EPOLLHUP | EPOLLRDHUP))
        out |= AVILA_LOOP_HUP | AVILA_LOOP_READ;
    if (ev & EPOLLERR)
        out |= AVILA_LOOP_ERROR | AVILA_LOOP_READ;
    /* A full hang-up or an error also concerns a writer: the next write fails. */
    if (ev & (EPOLLHUP | EPOLLERR))
        out |= AVILA_LOOP_WRITE;
    /* Only what the watcher asked for, plus the conditions always reported. */
    return out & (interest | AVILA_LOOP_HUP | AVILA_LOOP_ERROR);
}

static void wake(struct avila_loop *loop)
{
    uint64_t one = 1;
    ssize_t w;
    do
        w = write(loop->wakefd, &one, sizeof one);
    while (w < 0 && errno == EINTR);
    /* EAGAIN means the counter is near overflow: the loop is being woken anyway. */
    atomic_fetch_add_explicit(&loop->wakeups, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------ posts and wake-ups */

static void on_wake(struct avila_io *io, unsigned events)
{
    (void)events;
    struct avila_loop *loop = AVILA_LOOP_CONTAINER(io, struct avila_loop, wake_io);
    uint64_t v;
    ssize_t r;
    /* Reset the counter first: a post after this makes a new edge. */
    do
        r = read(loop->wakefd, &v, sizeof v);
    while (r < 0 && errno == EINTR);
    pthread_mutex_lock(&loop->post_lock);
    struct avila_loop_task *t = loop->post_head;
    loop->post_head = NULL;
    loop->post_tail = NULL;
    pthread_mutex_unlock(&loop->post_lock);
    while (t != NULL) {
        struct avila_loop_task *next = t->next; /* fn may post t again */
        t->next = NULL;
        loop->stats.tasks++;
        loop->callbacks++;
        t->fn(t, t->arg);
        t = next;
    }
}

void avila_loop_post(struct avila_loop *loop, struct avila_loop_task *task, avila_loop_task_fn *fn,
                     void *arg)
{
    task->next = NULL;
    task->fn = fn;
    task->arg = arg;
    pthread_mutex_lock(&loop->post_lock);
    int was_empty = loop->post_head == NULL;
    if (was_empty)
        loop->post_head = task;
    else
        loop->post_tail->next = task;
    loop->post_tail = task;
    pthread_mutex_unlock(&loop->post_lock);
    /*
     * Only the post that makes the queue non-empty writes: the loop takes
     * the whole queue after reading the eventfd, so any later post either
     * finds it non-empty (and is taken with it) or empty again (and wakes).
     */
    if (was_empty)
        wake(loop);
}

/* ------------------------------------------------------------ signals */

static void on_signal(struct avila_io *io, unsigned events)
{
    (void)events;
    struct avila_loop *loop = AVILA_LOOP_CONTAINER(io, struct avila_loop, sig_io);
    struct signalfd_siginfo si[8];
    for (;;) {
        ssize_t r = read(loop->sigfd, si, sizeof si);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        for (size_t i = 0; i < (size_t)r / sizeof si[0]; i++) {
            uint32_t s = si[i].ssi_signo;
            if (s < AVILA_LOOP_NSIG && loop->sig[s].fn != NULL) {
                loop->callbacks++;
                loop->sig[s].fn(loop, (int)s, loop->sig[s].arg);
            }
        }
    }
}

static int signo_ok(int signo)
{
    return signo > 0 && signo < AVILA_LOOP_NSIG && signo != SIGKILL && signo != SIGSTOP;
}

int avila_loop_signal(struct avila_loop *loop, int signo, avila_loop_signal_fn *fn, void *arg)
{
    if (!signo_ok(signo) || fn == NULL)
        return AVILA_EINVAL;
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signo);
    int rc = pthread_sigmask(SIG_BLOCK, &one, NULL);
    if (rc != 0)
        return avila_sock_error(rc);
    sigset_t mask = loop->sigmask;
    sigaddset(&mask, signo);
    int fd = signalfd(loop->sigfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return avila_sock_error(errno);
    if (loop->sigfd < 0) {
        avila_io_init(&loop->sig_io, fd, on_signal);
        rc = avila_io_start(loop, &loop->sig_io, AVILA_LOOP_READ);
        if (rc < 0) {
            close(fd);
            return rc;
        }
        loop->sigfd = fd;
    }
    loop->sigmask = mask;
    loop->sig[signo].fn = fn;
    loop->sig[signo].arg = arg;
    return 0;
}

int avila_loop_signal_stop(struct avila_loop *loop, int signo)
{
    if (!signo_ok(signo))
        return AVILA_EINVAL;
    loop->sig[signo].fn = NULL;
    loop->sig[signo].arg = NULL;
    if (loop->sigfd < 0 || !sigismember(&loop->sigmask, signo))
        return 0;
    sigdelset(&loop->sigmask, signo);
    /* Shrinking the mask of an existing signalfd cannot fail for a valid fd. */
    (void)signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
    return 0;
}

/* ------------------------------------------------------------ create / destroy */

/* Ignores SIGPIPE unless the program chose a disposition itself. */
static void ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
        (old.sa_flags & SA_SIGINFO))
        return;
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    (void)sigaction(SIGPIPE, &ign, NULL);
}

int avila_loop_create(struct avila_loop **out, const struct avila_allocator *a,
                      const struct avila_loop_config *cfg)
{
    unsigned max_events = cfg != NULL ? cfg->max_events : 0;
    if (max_events == 0)
        max_events = AVILA_LOOP_DEFAULT_MAX_EVENTS;
    if (out == NULL || a == NULL || max_events > AVILA_LOOP_MAX_MAX_EVENTS)
        return AVILA_EINVAL;
    ignore_sigpipe();
    int rc = AVILA_ENOMEM;
    struct avila_loop *loop = AVILA_NEW(a, struct avila_loop);
    if (loop == NULL)
        goto fail;
    memset(loop, 0, sizeof *loop);
    loop->alloc = a;
    loop->max_events = max_events;
    loop->sigfd = -1;
    loop->events = AVILA_NEW_ARRAY(a, struct epoll_event, max_events);
    if (loop->events == NULL)
        goto fail_free_loop;
    if (pthread_mutex_init(&loop->post_lock, NULL) != 0) {
        rc = AVILA_EIO;
        goto fail_free_events;
    }
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        rc = avila_sock_error(errno);
        goto fail_mutex;
    }
    loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->wakefd < 0) {
        rc = avila_sock_error(errno);
        goto fail_close_ep;
    }
    atomic_init(&loop->stop, 0);
    atomic_init(&loop->wakeups, 0);
    sigemptyset(&loop->sigmask);
    loop->defers.next = &loop->defers;
    loop->defers.prev = &loop->defers;
    loop->now = avila_time_mono_ms();
    avila_timer_wheel_init(&loop->wheel, loop->now);
    avila_io_init(&loop->wake_io, loop->wakefd, on_wake);
    rc = avila_io_start(loop, &loop->wake_io, AVILA_LOOP_READ);
    if (rc < 0)
        goto fail_close_wake;
    *out = loop;
    return 0;

fail_close_wake:
    close(loop->wakefd);
fail_close_ep:
    close(loop->epfd);
fail_mutex:
    pthread_mutex_destroy(&loop->post_lock);
fail_free_events:
    AVILA_DELETE_ARRAY(a, loop->events, struct epoll_event, max_events);
fail_free_loop:
    AVILA_DELETE(a, loop, struct avila_loop);
fail:
    return rc;
}

void avila_loop_destroy(struct avila_loop *loop)
{
    if (loop == NULL)
        return;
    const struct avila_allocator *a = loop->alloc;
    if (loop->sigfd >= 0)
        close(loop->sigfd);
    close(loop->wakefd);
    close(loop->epfd);
    pthread_mutex_destroy(&loop->post_lock);
    AVILA_DELETE_ARRAY(a, loop->events, struct epoll_event, loop->max_events);
    AVILA_DELETE(a, loop, struct avila_loop);
}

/* ------------------------------------------------------------ I/O watchers */

void avila_io_init(struct avila_io *io, int fd, avila_io_fn *fn)
{
    io->loop = NULL;
    io->fn = fn;
    io->fd = fd;
    io->interest = 0;
    io->active = 0;
}

static int interest_ok(unsigned interest)
{
    if (interest == (AVILA_LOOP_READ | AVILA_LOOP_SHARED))
        return 1;
    return (interest & ~(unsigned)(AVILA_LOOP_READ | AVILA_LOOP_WRITE)) == 0;
}

int avila_io_start(struct avila_loop *loop, struct avila_io *io, unsigned interest)
{
    if (io->active)
        return AVILA_ESTATE;
    if (!interest_ok(interest) || io->fn == NULL || io->fd < 0)
        return AVILA_EINVAL;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = epoll_bits(interest);
    ev.data.ptr = io;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, io->fd, &ev) != 0)
        return avila_sock_error(errno);
    io->loop = loop;
    io->interest = interest;
    io->active = 1;
    return 0;
}

int avila_io_modify(struct avila_io *io, unsigned interest)
{
    if (!io->active)
        return AVILA_ESTATE;
    /* EPOLLEXCLUSIVE cannot be changed by EPOLL_CTL_MOD. */
    if (!interest_ok(interest) || ((interest | io->interest) & AVILA_LOOP_SHARED))
        return AVILA_EINVAL;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = epoll_bits(interest);
    ev.data.ptr = io;
    if (epoll_ctl(io->loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) != 0)
        return avila_sock_error(errno);
    io->interest = interest;
    return 0;
}

int avila_io_stop(struct avila_io *io)
{
    struct avila_loop *loop = io->loop;
    if (!io->active)
        return 0;
    /* Fails only if the fd was closed already; the watcher is stopped either way. */
    (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
    for (int i = loop->cursor + 1; i < loop->nevents; i++)
        if (loop->events[i].data.ptr == io)
            loop->events[i].data.ptr = NULL;
    io->active = 0;
    return 0;
}

int avila_io_active(const struct avila_io *io)
{
    return io->active;
}

/* ------------------------------------------------------------ timers */

void avila_loop_timer_init(struct avila_loop_timer *t)
{
    avila_timer_init(&t->wheel);
    t->loop = NULL;
    t->fn = NULL;
    t->data = NULL;
    t->delay_ms = 0;
}

void avila_loop_timer_start(struct avila_loop *loop, struct avila_loop_timer *t, uint64_t delay_ms,
                            avila_loop_timer_fn *fn)
{
    if (t->loop != NULL && t->loop != loop)
        (void)avila_timer_cancel(&t->loop->wheel, &t->wheel);
    t->loop = loop;
    t->fn = fn;
    t->delay_ms = delay_ms;
    /*
     * With floored milliseconds a deadline of now + d fires after d - 1 to
     * d ms; one tick more guarantees at least d (timer.h, Precision).
     */
    uint64_t at;
    if (__builtin_add_overflow(loop->now, delay_ms, &at) || __builtin_add_overflow(at, 1, &at))
        at = UINT64_MAX;
    avila_timer_arm(&loop->wheel, &t->wheel, at);
}

void avila_loop_timer_restart(struct avila_loop_timer *t)
{
    if (t->loop != NULL)
        avila_loop_timer_start(t->loop, t, t->delay_ms, t->fn);
}

int avila_loop_timer_stop(struct avila_loop_timer *t)
{
    if (t->loop == NULL)
        return 0;
    return avila_timer_cancel(&t->loop->wheel, &t->wheel);
}

int avila_loop_timer_active(const struct avila_loop_timer *t)
{
    return avila_timer_is_armed(&t->wheel);
}

static void on_timer(struct avila_timer *wt, void *ctx)
{
    struct avila_loop *loop = ctx;
    struct avila_loop_timer *t = AVILA_LOOP_CONTAINER(wt, struct avila_loop_timer, wheel);
    loop->stats.timers++;
    loop->callbacks++;
    t->fn(t);
}

/* ------------------------------------------------------------ deferred callbacks */

int avila_loop_defer(struct avila_loop *loop, struct avila_loop_defer *d, avila_loop_defer_fn *fn,
                     void *arg)
{
    if (d->next != NULL)
        return AVILA_ESTATE;
    d->fn = fn;
    d->arg = arg;
    d->prev = loop->defers.prev;
    d->next = &loop->defers;
    loop->defers.prev->next = d;
    loop->defers.prev = d;
    loop->ndefers++;
    return 0;
}

static void defer_unlink(struct avila_loop *loop, struct avila_loop_defer *d)
{
    d->prev->next = d->next;
    d->next->prev = d->prev;
    d->next = NULL;
    d->prev = NULL;
    loop->ndefers--;
}

int avila_loop_defer_cancel(struct avila_loop *loop, struct avila_loop_defer *d)
{
    if (d->next == NULL)
        return 0;
    defer_unlink(loop, d);
    return 1;
}

/*
 * Runs the deferred callbacks queued now. A marker node ends the batch, so
 * callbacks queued meanwhile (after the marker) wait for the next
 * iteration, and any callback may cancel any other node.
 */
static void run_defers(struct avila_loop *loop)
{
    if (loop->ndefers == 0)
        return;
    struct avila_loop_defer mark = {0};
    (void)avila_loop_defer(loop, &mark, NULL, NULL);
    for (;;) {
        struct avila_loop_defer *d = loop->defers.next;
        defer_unlink(loop, d);
        if (d == &mark)
            break;
        loop->callbacks++;
        d->fn(d, d->arg);
    }
}

/* ------------------------------------------------------------ running */

uint64_t avila_loop_now_ms(const struct avila_loop *loop)
{
    return loop->now;
}

uint64_t avila_loop_update_time(struct avila_loop *loop)
{
    uint64_t t = avila_time_mono_ms();
    if (t > loop->now)
        loop->now = t;
    return loop->now;
}

void avila_loop_get_stats(const struct avila_loop *loop, struct avila_loop_stats *out)
{
    *out = loop->stats;
    out->wakeups = atomic_load_explicit(&loop->wakeups, memory_order_relaxed);
}

/* The epoll_wait timeout: the caller's, shortened to the next timer. */
static int wait_timeout(struct avila_loop *loop, int timeout_ms)
{
    if (loop->ndefers > 0 || atomic_load_explicit(&loop->stop, memory_order_relaxed))
        return 0;
    uint64_t deadline;
    if (avila_timer_wheel_next(&loop->wheel, &deadline) != 0)
        return timeout_ms;
    uint64_t wait = deadline > loop->now ? deadline - loop->now : 0;
    if (timeout_ms >= 0 && wait > (uint64_t)timeout_ms)
        return timeout_ms;
    return wait > INT_MAX ? INT_MAX : (int)wait;
}

int avila_loop_run_once(struct avila_loop *loop, int timeout_ms)
{
    if (loop->running)
        return AVILA_ESTATE;
    loop->running = 1;
    loop->callbacks = 0;
    int rc = 0;
    int n =
        epoll_wait(loop->epfd, loop->events, (int)loop->max_events, wait_timeout(loop, timeout_ms));
    if (n < 0) {
        if (errno != EINTR)
            rc = avila_sock_error(errno);
        n = 0;
    }
    avila_loop_update_time(loop);

    loop->nevents = n;
    for (loop->cursor = 0; loop->cursor < loop->nevents; loop->cursor++) {
        struct avila_io *io = loop->events[loop->cursor].data.ptr;
        if (io == NULL)
            continue; /* stopped earlier in this batch */
        unsigned ev = our_bits(loop->events[loop->cursor].events, io->interest);
        if (ev == 0)
            continue;
        if (io != &loop->wake_io && io != &loop->sig_io) {
            loop->stats.io_events++;
            loop->callbacks++;
        }
        io->fn(io, ev);
    }
    loop->nevents = 0;
    loop->cursor = 0;

    (void)avila_timer_wheel_expire(&loop->wheel, loop->now, on_timer, loop);
    run_defers(loop);
    loop->stats.iterations++;
    loop->running = 0;
    return rc < 0 ? rc : loop->callbacks;
}

int avila_loop_run(struct avila_loop *loop)
{
    int rc;
    do {
        rc = avila_loop_run_once(loop, -1);
        if (rc < 0)
            break;
    } while (!atomic_load_explicit(&loop->stop, memory_order_acquire));
    atomic_store(&loop->stop, 0);
    return rc < 0 ? rc : 0;
}

int avila_loop_run_until(struct avila_loop *loop, uint64_t deadline_ms)
{
    for (;;) {
        if (atomic_load_explicit(&loop->stop, memory_order_acquire)) {
            atomic_store(&loop->stop, 0);
            return 0;
        }
        uint64_t now = avila_loop_update_time(loop);
        if (now >= deadline_ms)
            return AVILA_ETIMEDOUT;
        uint64_t left = deadline_ms - now;
        int rc = avila_loop_run_once(loop, left > INT_MAX ? INT_MAX : (int)left);
        if (rc < 0)
            return rc;
    }
}

void avila_loop_stop(struct avila_loop *loop)
{
    atomic_store_explicit(&loop->stop, 1, memory_order_release);
    wake(loop);
}

int avila_loop_stopping(const struct avila_loop *loop)
{
    return atomic_load_explicit(&loop->stop, memory_order_acquire);
}

/* ------------------------------------------------------------ group */

struct group_thread {
    struct avila_loop_group *g;
    struct avila_loop *loop;
    pthread_t thread;
    size_t index;
    int created;
    int setup_rc;
    int run_rc;
};

struct avila_loop_group {
    const struct avila_allocator *alloc;
    size_t n;
    int started;
    avila_loop_group_setup_fn *setup;
    avila_loop_group_teardown_fn *teardown;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t ready;              /* setups returned, under lock */
    struct group_thread th[1]; /* n of them */
};

static size_t group_bytes(size_t n)
{
    return sizeof(struct avila_loop_group) + (n - 1) * sizeof(struct group_thread);
}

int avila_loop_group_create(struct avila_loop_group **out, const struct avila_allocator *a,
                            size_t n, const struct avila_loop_config *cfg)
{
    if (out == NULL || a == NULL || n == 0 || n > AVILA_LOOP_GROUP_MAX)
        return AVILA_EINVAL;
    struct avila_loop_group *g = avila_alloc(a, group_bytes(n), _Alignof(struct avila_loop_group));
    if (g == NULL)
        return AVILA_ENOMEM;
    memset(g, 0, group_bytes(n));
    g->alloc = a;
    g->n = n;
    int rc = AVILA_EIO;
    if (pthread_mutex_init(&g->lock, NULL) != 0)
        goto fail_free;
    if (pthread_cond_init(&g->cond, NULL) != 0)
        goto fail_mutex;
    for (size_t i = 0; i < n; i++) {
        g->th[i].g = g;
        g->th[i].index = i;
        rc = avila_loop_create(&g->th[i].loop, a, cfg);
        if (rc < 0) {
            while (i-- > 0)
                avila_loop_destroy(g->th[i].loop);
            goto fail_cond;
        }
    }
    *out = g;
    return 0;

fail_cond:
    pthread_cond_destroy(&g->cond);
fail_mutex:
    pthread_mutex_destroy(&g->lock);
fail_free:
    avila_free(a, g, group_bytes(n), _Alignof(struct avila_loop_group));
    return rc;
}

static void *group_main(void *p)
{
    struct group_thread *t = p;
    struct avila_loop_group *g = t->g;
    int rc = g->setup != NULL ? g->setup(t->loop, t->index, g->arg) : 0;
    pthread_mutex_lock(&g->lock);
    t->setup_rc = rc;
    g->ready++;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
    if (rc != 0)
        return NULL;
    t->run_rc = avila_loop_run(t->loop);
    if (g->teardown != NULL)
        g->teardown(t->loop, t->index, g->arg);
    return NULL;
}

int avila_loop_group_start(struct avila_loop_group *g, avila_loop_group_setup_fn *setup,
                           avila_loop_group_teardown_fn *teardown, void *arg)
{
    if (g->started)
        return AVILA_ESTATE;
    g->setup = setup;
    g->teardown = teardown;
    g->arg = arg;
    g->ready = 0;
    g->started = 1;
    int rc = 0;
    size_t created = 0;
    for (size_t i = 0; i < g->n; i++) {
        g->th[i].setup_rc = 0;
        g->th[i].run_rc = 0;
        if (pthread_create(&g->th[i].thread, NULL, group_main, &g->th[i]) != 0) {
            rc = AVILA_EIO;
            break;
        }
        g->th[i].created = 1;
        created++;
    }
    pthread_mutex_lock(&g->lock);
    while (g->ready < created)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    for (size_t i = 0; i < created && rc == 0; i++)
        if (g->th[i].setup_rc != 0)
            rc = g->th[i].setup_rc < 0 ? g->th[i].setup_rc : AVILA_EIO;
    if (rc != 0) {
        avila_loop_group_stop(g);
        (void)avila_loop_group_join(g);
    }
    return rc;
}

size_t avila_loop_group_size(const struct avila_loop_group *g)
{
    return g->n;
}

struct avila_loop *avila_loop_group_loop(struct avila_loop_group *g, size_t index)
{
    return index < g->n ? g->th[index].loop : NULL;
}

void avila_loop_group_stop(struct avila_loop_group *g)
{
    for (size_t i = 0; i < g->n; i++)
        avila_loop_stop(g->th[i].loop);
}

int avila_loop_group_join(struct avila_loop_group *g)
{
    if (!g->started)
        return 0;
    int rc = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (!g->th[i].created)
            continue;
        pthread_join(g->th[i].thread, NULL);
        g->th[i].created = 0;
        if (rc == 0 && g->th[i].run_rc < 0)
            rc = g->th[i].run_rc;
    }
    g->started = 0;
    /* A stop that found a thread already gone must not stop a later run. */
    for (size_t i = 0; i < g->n; i++)
        atomic_store(&g->th[i].loop->stop, 0);
    return rc;
}

void avila_loop_group_destroy(struct avila_loop_group *g)
{
    if (g == NULL)
        return;
    if (g->started) {
        avila_loop_group_stop(g);
        (void)avila_loop_group_join(g);
    }
    for (size_t i = 0; i < g->n; i++)
        avila_loop_destroy(g->th[i].loop);
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->lock);
    avila_free(g->alloc, g, group_bytes(g->n), _Alignof(struct avila_loop_group));
}
