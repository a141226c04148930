/*
 * net/loop.h - the event loop: one epoll instance per thread driving
 * edge-triggered I/O watchers, timers on net/timer's wheel, deferred
 * callbacks, a thread-safe post queue woken through an eventfd, and signals
 * read from a signalfd; plus a group of loops on their own threads
 * (thread-per-core). OS code (Linux: epoll(7), eventfd(2), signalfd(2),
 * pthreads); no standard is implemented.
 *
 * One iteration (avila_loop_run_once) does, in order:
 *   1. epoll_wait, for no longer than the earliest timer (not at all when
 *      deferred callbacks are pending or the loop is stopping);
 *   2. reads the clock once: avila_loop_now_ms is that time until the next
 *      iteration;
 *   3. calls the I/O callbacks of the ready watchers (posted tasks and
 *      signals arrive this way too, through internal watchers);
 *   4. runs every timer due at that time;
 *   5. runs the deferred callbacks queued before this step started (those
 *      queued while they run wait for the next iteration, which then does
 *      not block).
 *
 * Threads. A loop belongs to the thread that runs it: watchers, timers and
 * deferred callbacks MUST be started and stopped on that thread (or before
 * the loop first runs). Only avila_loop_post and avila_loop_stop may be
 * called from any thread. Nothing on the hot path takes a lock except the
 * post queue's mutex.
 *
 * Ownership. Every watcher, timer, deferred node and task is intrusive: the
 * caller embeds it in its own object, keeps that memory in place while it
 * is active, and may free it from inside its own callback once it is
 * stopped. The loop never allocates after avila_loop_create.
 *
 * SIGPIPE. avila_loop_create sets SIGPIPE to be ignored process-wide if its
 * disposition is still the default, so a write to a closed peer returns an
 * error (EPIPE) instead of killing the process; net/sock's send helpers also
 * pass MSG_NOSIGNAL.
 */
#ifndef AVILA_NET_LOOP_H
#define AVILA_NET_LOOP_H

#include "core/alloc.h"
#include "core/error.h"
#include "core/platform.h"
#include "net/timer.h"

struct avila_loop;

/* Event and interest bits of an I/O watcher (our own, not EPOLL*). */
enum {
    AVILA_LOOP_READ = 1u << 0,  /* readable, or a listener has a connection */
    AVILA_LOOP_WRITE = 1u << 1, /* writable, or a connect completed */
    AVILA_LOOP_HUP = 1u << 2,   /* the peer closed (EPOLLHUP or EPOLLRDHUP); read to EOF */
    AVILA_LOOP_ERROR = 1u << 3, /* an error is pending (EPOLLERR): SO_ERROR says which */
    /*
     * Interest only, with READ, at avila_io_start: the fd is shared with
     * other loops (one listener for all threads). Level-triggered, and
     * EPOLLEXCLUSIVE: an event wakes one of the waiting loops, not all.
     */
    AVILA_LOOP_SHARED = 1u << 4,
};

/* Loop configuration; zero fields take the defaults. */
struct avila_loop_config {
    unsigned max_events; /* epoll_wait batch size; default 256, at most 65536 */
};

#define AVILA_LOOP_DEFAULT_MAX_EVENTS 256
#define AVILA_LOOP_MAX_MAX_EVENTS     65536

/* Counters for tests and metrics; read on the loop's thread. */
struct avila_loop_stats {
    uint64_t iterations; /* completed avila_loop_run_once calls */
    uint64_t io_events;  /* I/O callbacks made */
    uint64_t timers;     /* timer callbacks made */
    uint64_t tasks;      /* posted tasks run */
    uint64_t wakeups;    /* eventfd writes by avila_loop_post and stop (coalesced) */
};

/*
 * Creates a loop whose memory comes from a (which MUST outlive it); cfg is
 * read during the call only (NULL = defaults). Also ignores SIGPIPE (see
 * above). Returns 0 and sets *out; AVILA_EINVAL (bad config), AVILA_ENOMEM,
 * or AVILA_EIO / AVILA_ELIMIT (the epoll or eventfd descriptor could not be
 * made; see avila_sock_error for the mapping).
 */
int avila_loop_create(struct avila_loop **out, const struct avila_allocator *a,
                      const struct avila_loop_config *cfg);

/*
 * Closes the loop's own descriptors (epoll, eventfd, signalfd) and frees
 * it; NULL does nothing. Runs no callback: queued tasks and deferred
 * callbacks are dropped, watchers and timers are forgotten (their memory is
 * the caller's; do not use them with this loop again). MUST NOT be called
 * while the loop runs, nor while another thread may still post to it.
 */
void avila_loop_destroy(struct avila_loop *loop);

/*
 * Runs iterations until avila_loop_stop is called. It does NOT return when
 * nothing is left to wait for: a server loop idles until stopped. Returns
 * 0 once stopped (the stop request is then cleared, so the loop may run
 * again), or a negative AVILA_E* if epoll_wait failed. A stop requested
 * before the call makes it return after one non-blocking iteration.
 */
int avila_loop_run(struct avila_loop *loop);

/*
 * Runs iterations until stopped or until the monotonic clock reaches
 * deadline_ms (milliseconds of avila_time_mono_ms). Returns 0 if stopped
 * (clearing the request), AVILA_ETIMEDOUT at the deadline, or an error of
 * epoll_wait. For graceful shutdowns ("drain until ...") and tests.
 */
int avila_loop_run_until(struct avila_loop *loop, uint64_t deadline_ms);

/*
 * One iteration (see the top of this file), waiting at most timeout_ms for
 * events (-1: until the next timer, or forever; 0: poll). Returns the
 * number of callbacks made (I/O, timers, tasks, signals, deferred), or a
 * negative AVILA_E* if epoll_wait failed (EINTR is not a failure: the
 * iteration then just makes no I/O callback), or AVILA_ESTATE if called
 * from inside a callback of the same loop (no nesting). Does not clear a
 * stop request.
 */
int avila_loop_run_once(struct avila_loop *loop, int timeout_ms);

/*
 * Asks the loop to stop: avila_loop_run returns at the end of the current
 * iteration (or of the next one, if it is blocked in epoll_wait, which is
 * woken). Safe from any thread and from inside any callback.
 */
void avila_loop_stop(struct avila_loop *loop);

/* 1 if a stop was requested and not yet consumed by avila_loop_run, else 0. */
int avila_loop_stopping(const struct avila_loop *loop);

/*
 * The loop's time: milliseconds of the monotonic clock (avila_time_mono_ms)
 * read once per iteration, right after epoll_wait returns. Timers count
 * from it.
 */
uint64_t avila_loop_now_ms(const struct avila_loop *loop);

/* Reads the clock again now (after a long callback, before arming timers). */
uint64_t avila_loop_update_time(struct avila_loop *loop);

/* Copies the loop's counters to *out. */
void avila_loop_get_stats(const struct avila_loop *loop, struct avila_loop_stats *out);

/* ------------------------------------------------------------ I/O watchers */

struct avila_io;

/*
 * An I/O callback: events is a non-empty set of AVILA_LOOP_* bits. Events
 * are edge-triggered: READ means "became readable", so read until the call
 * returns AVILA_EAGAIN (or EOF), otherwise no further READ comes until new
 * data arrives; the same for WRITE. HUP and ERROR come with READ so a
 * reader finds the end or the error. The callback MAY stop, modify or
 * restart any watcher, free this one's memory once stopped, and close fds.
 */
typedef void avila_io_fn(struct avila_io *io, unsigned events);

/*
 * A watcher on one file descriptor; embed it in the connection object
 * (AVILA_LOOP_CONTAINER gets back to it). Fields are private except data (a
 * free pointer for the caller) and loop and fd, which the caller may read.
 */
struct avila_io {
    struct avila_loop *loop; /* of the last start; kept after stop (NULL before) */
    avila_io_fn *fn;
    void *data;
    int fd;
    unsigned interest;
    int active;
};

/* The object of type `type` whose member `member` is at ptr (for any intrusive node). */
#define AVILA_LOOP_CONTAINER(ptr, type, member)                                                    \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Prepares a stopped watcher for fd (which it does not own) and callback fn. */
void avila_io_init(struct avila_io *io, int fd, avila_io_fn *fn);

/*
 * Starts watching io's fd on loop for interest (AVILA_LOOP_READ and/or
 * WRITE; HUP and ERROR are always reported; 0 watches only for those). fd
 * MUST be non-blocking. An fd that is already ready reports at the next
 * iteration. Returns 0; AVILA_ESTATE if io is already started;
 * AVILA_EINVAL if interest has other bits; AVILA_EEXIST if another watcher
 * of this loop has the fd; or the mapped epoll_ctl errno (AVILA_EINVAL for
 * an fd epoll cannot watch, such as a regular file).
 */
int avila_io_start(struct avila_loop *loop, struct avila_io *io, unsigned interest);

/*
 * Changes a started watcher's interest. Re-arms the edge: if the fd is
 * ready for the new interest now, an event comes at the next iteration
 * (epoll_ctl MOD semantics). Returns 0, AVILA_ESTATE if io is stopped,
 * AVILA_EINVAL for bad bits, or the mapped epoll_ctl errno.
 */
int avila_io_modify(struct avila_io *io, unsigned interest);

/*
 * Stops io; a stopped watcher does nothing (io->loop still names the loop
 * it ran on). From then on its callback is not called, not even for events
 * already returned in the batch being dispatched (stopping clears them), so
 * its memory may be freed at once. Call it BEFORE closing the fd. Safe
 * from any callback on the loop's thread. Returns 0 (also when already
 * stopped).
 */
int avila_io_stop(struct avila_io *io);

/* 1 if io is started, else 0. */
int avila_io_active(const struct avila_io *io);

/* ------------------------------------------------------------------ timers */

struct avila_loop_timer;

/* A timer callback; the timer is stopped when it runs and MAY be restarted or freed. */
typedef void avila_loop_timer_fn(struct avila_loop_timer *t);

/* A one-shot timer; embed it. Fields are private except data. */
struct avila_loop_timer {
    struct avila_timer wheel; /* on loop's wheel */
    struct avila_loop *loop;  /* set by start */
    avila_loop_timer_fn *fn;
    void *data;
    uint64_t delay_ms; /* the last delay, for restart */
};

/* Prepares a stopped timer. */
void avila_loop_timer_init(struct avila_loop_timer *t);

/*
 * Arms t to call fn once, no less than delay_ms after avila_loop_now_ms(loop)
 * (measured from the loop's cached time: call avila_loop_update_time first
 * after a long callback). An armed timer is re-armed. Timers due at the same
 * iteration run in deadline order, equal deadlines in the order armed. O(1).
 */
void avila_loop_timer_start(struct avila_loop *loop, struct avila_loop_timer *t, uint64_t delay_ms,
                            avila_loop_timer_fn *fn);

/* Re-arms t (armed or not, but started once) with its last loop, callback and delay. O(1). */
void avila_loop_timer_restart(struct avila_loop_timer *t);

/* Disarms t; returns 1 if it was armed, 0 if not. O(1). */
int avila_loop_timer_stop(struct avila_loop_timer *t);

/* 1 if t is armed, else 0. */
int avila_loop_timer_active(const struct avila_loop_timer *t);

/* ------------------------------------------------------ deferred callbacks */

struct avila_loop_defer;
typedef void avila_loop_defer_fn(struct avila_loop_defer *d, void *arg);

/* A deferred-callback node; embed it, zero it or let avila_loop_defer set it. Private. */
struct avila_loop_defer {
    struct avila_loop_defer *next;
    struct avila_loop_defer *prev;
    avila_loop_defer_fn *fn;
    void *arg;
};

/*
 * Queues fn(d, arg) to run at the end of the current iteration (step 5
 * above), in the order queued; from a deferred callback, at the end of the
 * next iteration. Loop thread only. Returns 0, or AVILA_ESTATE if d is
 * already queued (nothing changes). d MUST be zeroed (or idle) before the
 * first use.
 */
int avila_loop_defer(struct avila_loop *loop, struct avila_loop_defer *d, avila_loop_defer_fn *fn,
                     void *arg);

/* Removes a queued d; returns 1 if it was queued, else 0. */
int avila_loop_defer_cancel(struct avila_loop *loop, struct avila_loop_defer *d);

/* ------------------------------------------------------------------- posts */

struct avila_loop_task;
typedef void avila_loop_task_fn(struct avila_loop_task *task, void *arg);

/* A posted task; embed it. Private. Owned by the loop from post until fn runs. */
struct avila_loop_task {
    struct avila_loop_task *next;
    avila_loop_task_fn *fn;
    void *arg;
};

/*
 * Queues fn(task, arg) to run on loop's thread, from any thread. Tasks run
 * exactly once, in the order posted by any one thread. The queue is an
 * intrusive list under a mutex; the eventfd is written only when the queue
 * goes from empty to non-empty, so a burst of posts costs one wake-up. task
 * MUST NOT be queued already, and stays untouched until fn runs. Never
 * fails (an eventfd write cannot fail while the counter is far from
 * overflow, and the loop reads it on each wake-up).
 */
void avila_loop_post(struct avila_loop *loop, struct avila_loop_task *task, avila_loop_task_fn *fn,
                     void *arg);

/* ----------------------------------------------------------------- signals */

/* A signal callback, on the loop's thread. */
typedef void avila_loop_signal_fn(struct avila_loop *loop, int signo, void *arg);

/*
 * Delivers signo (1..64, not SIGKILL or SIGSTOP) to fn(loop, signo, arg) on
 * the loop through a signalfd, replacing an earlier callback for it. Blocks
 * signo in the CALLING thread's mask: call it on the loop's thread before
 * creating other threads (they inherit the mask), or block the signal
 * process-wide, or a signal sent to the process may be delivered to some
 * other thread that does not block it (and take its default action). Only
 * one loop of a process should watch a given signal. Returns 0,
 * AVILA_EINVAL (bad signo), or the mapped errno of signalfd / epoll_ctl.
 */
int avila_loop_signal(struct avila_loop *loop, int signo, avila_loop_signal_fn *fn, void *arg);

/*
 * Stops delivering signo through the loop. The signal stays blocked (a
 * pending one stays pending). Returns 0, or AVILA_EINVAL for a bad signo.
 */
int avila_loop_signal_stop(struct avila_loop *loop, int signo);

/* ------------------------------------------------------------ thread group */

/*
 * N loops, each run by its own thread (thread-per-core). Two setups for a
 * server: each loop opens its own SO_REUSEPORT listener on the same
 * address in its setup callback (the kernel hashes each connection to a
 * loop), or the loops share one listening socket with
 * avila_listener_start_shared (the loop that is free takes the next
 * connection). Either way nothing on the request path is shared.
 */
struct avila_loop_group;

/*
 * Called on loop number index's thread: setup before the loop runs (a
 * non-zero return fails avila_loop_group_start), teardown after it stopped
 * (close listeners and connections there).
 */
typedef int avila_loop_group_setup_fn(struct avila_loop *loop, size_t index, void *arg);
typedef void avila_loop_group_teardown_fn(struct avila_loop *loop, size_t index, void *arg);

/* Most loops in a group. */
#define AVILA_LOOP_GROUP_MAX 1024

/*
 * Creates n loops (1..AVILA_LOOP_GROUP_MAX) with cfg, not yet running.
 * Returns 0 and sets *out, AVILA_EINVAL, AVILA_ENOMEM or an error of
 * avila_loop_create.
 */
int avila_loop_group_create(struct avila_loop_group **out, const struct avila_allocator *a,
                            size_t n, const struct avila_loop_config *cfg);

/*
 * Starts one thread per loop; each calls setup (may be NULL), then runs its
 * loop until stopped, then calls teardown (may be NULL). Returns once every
 * setup has returned: 0 if all succeeded; otherwise the first setup error
 * (or AVILA_EIO if a thread could not be created), after stopping and
 * joining the threads that did start (their teardown runs). The threads
 * inherit the caller's signal mask. Returns AVILA_ESTATE if started already.
 */
int avila_loop_group_start(struct avila_loop_group *g, avila_loop_group_setup_fn *setup,
                           avila_loop_group_teardown_fn *teardown, void *arg);

/* Number of loops. */
size_t avila_loop_group_size(const struct avila_loop_group *g);

/* Loop number index (< size); post to it from any thread. */
struct avila_loop *avila_loop_group_loop(struct avila_loop_group *g, size_t index);

/* Asks every loop to stop; any thread. */
void avila_loop_group_stop(struct avila_loop_group *g);

/*
 * Waits for every thread to finish (after avila_loop_group_stop). Returns 0,
 * or the first error a loop's run returned. Does nothing if not started.
 */
int avila_loop_group_join(struct avila_loop_group *g);

/* Stops and joins if still running, destroys the loops, frees g; NULL does nothing. */
void avila_loop_group_destroy(struct avila_loop_group *g);

#endif
