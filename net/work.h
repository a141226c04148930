/*
 * net/work.h - a bounded pool of worker threads for blocking work (file
 * reads, CPU-heavy hashing, anything that must not stall an event loop).
 * A job runs on a worker; its completion callback is posted back to the
 * loop that submitted it and runs on that loop's thread. OS code (POSIX
 * threads); no standard is implemented.
 *
 * Bounds. The pool has a fixed number of threads and a queue of at most
 * queue_max waiting jobs; a submit to a full queue fails at once with
 * AVILA_ELIMIT (the caller sheds load or retries later), it never blocks a
 * loop. Jobs are intrusive: no allocation per job.
 *
 * Shutdown (avila_work_pool_destroy) either drains (every queued job still
 * runs) or cancels (queued jobs do not run; their completions are posted
 * with AVILA_ECLOSED); jobs already running always finish. Either way every
 * submitted job gets exactly one completion, posted to its loop: keep the
 * loops alive and running until those have run.
 */
#ifndef AVILA_NET_WORK_H
#define AVILA_NET_WORK_H

#include "core/alloc.h"
#include "core/error.h"
#include "net/loop.h"

struct avila_work_pool;
struct avila_work_job;

/* The work, on a worker thread. It MUST NOT touch loop-owned state. */
typedef void avila_work_fn(struct avila_work_job *job);

/* The completion, on the submitting loop's thread: status 0 (ran) or AVILA_ECLOSED (cancelled). */
typedef void avila_work_done_fn(struct avila_work_job *job, int status);

/*
 * A job; embed it in the caller's object. Fields are private except data.
 * Owned by the pool from submit until done is called (then it may be freed
 * or submitted again).
 */
struct avila_work_job {
    struct avila_loop_task task; /* completion, posted to loop */
    struct avila_work_job *next; /* queue link */
    struct avila_loop *loop;
    avila_work_fn *work;
    avila_work_done_fn *done;
    void *data;
    int status;
};

/* Pool configuration; zero fields take the defaults. */
struct avila_work_config {
    size_t threads;   /* workers; default 4, at most AVILA_WORK_MAX_THREADS */
    size_t queue_max; /* waiting jobs; default 1024 */
};

#define AVILA_WORK_DEFAULT_THREADS   4
#define AVILA_WORK_DEFAULT_QUEUE_MAX 1024
#define AVILA_WORK_MAX_THREADS       256

/* How avila_work_pool_destroy treats queued jobs. */
enum {
    AVILA_WORK_DRAIN = 0,  /* run them all first */
    AVILA_WORK_CANCEL = 1, /* complete them with AVILA_ECLOSED without running */
};

/*
 * Creates the pool and starts its threads (which inherit the caller's
 * signal mask). Memory from a, which MUST outlive the pool. Returns 0 and
 * sets *out; AVILA_EINVAL (bad config), AVILA_ENOMEM, or AVILA_EIO (a
 * thread could not be created; none is left running).
 */
int avila_work_pool_create(struct avila_work_pool **out, const struct avila_allocator *a,
                           const struct avila_work_config *cfg);

/*
 * Queues job: work(job) runs on a worker, then done(job, status) on loop's
 * thread. From any thread. Returns 0; AVILA_ELIMIT if queue_max jobs are
 * already waiting (nothing queued); AVILA_EINVAL for NULL arguments; and,
 * defensively, AVILA_ESTATE if avila_work_pool_destroy has begun (callers
 * MUST NOT submit concurrently with destroy: the pool is freed under them).
 */
int avila_work_submit(struct avila_work_pool *p, struct avila_loop *loop,
                      struct avila_work_job *job, avila_work_fn *work, avila_work_done_fn *done);

/* Jobs waiting in the queue (not counting running ones); a snapshot. */
size_t avila_work_pending(struct avila_work_pool *p);

/*
 * Shuts the pool down (how: AVILA_WORK_DRAIN or AVILA_WORK_CANCEL, see
 * above), joins the threads and frees the pool; NULL does nothing. Blocks
 * until running (and, when draining, queued) jobs finished. MUST NOT be
 * called from a worker, nor concurrently with a submit.
 */
void avila_work_pool_destroy(struct avila_work_pool *p, int how);

#endif
