/*
 * net/work.c - the blocking-work pool (see work.h): a mutex-protected FIFO
 * of intrusive jobs, a condition variable the workers sleep on, and
 * avila_loop_post for completions. OS code (POSIX threads).
 */
#include <pthread.h>
#include <string.h>

#include "net/work.h"

struct avila_work_pool {
    const struct avila_allocator *alloc;
    size_t nthreads;
    size_t created; /* threads started */
    size_t queue_max;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct avila_work_job *head; /* under lock */
    struct avila_work_job *tail;
    size_t queued;
    int shutdown;
    pthread_t *threads;
};

static void complete(struct avila_loop_task *task, void *arg)
{
    (void)task;
    struct avila_work_job *job = arg;
    job->done(job, job->status);
}

static void post_done(struct avila_work_job *job, int status)
{
    job->status = status;
    avila_loop_post(job->loop, &job->task, complete, job);
}

static void *worker(void *arg)
{
    struct avila_work_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->head == NULL && !p->shutdown)
            pthread_cond_wait(&p->cond, &p->lock);
        struct avila_work_job *job = p->head;
        if (job == NULL)
            break; /* shutting down and drained */
        p->head = job->next;
        if (p->head == NULL)
            p->tail = NULL;
        p->queued--;
        pthread_mutex_unlock(&p->lock);
        job->next = NULL;
        job->work(job);
        post_done(job, 0);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Stops and joins the started threads; cancel: queued jobs complete with AVILA_ECLOSED. */
static void shut(struct avila_work_pool *p, int cancel)
{
    pthread_mutex_lock(&p->lock);
    p->shutdown = 1;
    struct avila_work_job *job = NULL;
    if (cancel) {
        job = p->head;
        p->head = NULL;
        p->tail = NULL;
        p->queued = 0;
    }
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    while (job != NULL) {
        struct avila_work_job *next = job->next;
        job->next = NULL;
        post_done(job, AVILA_ECLOSED);
        job = next;
    }
    for (size_t i = 0; i < p->created; i++)
        pthread_join(p->threads[i], NULL);
    p->created = 0;
}

int avila_work_pool_create(struct avila_work_pool **out, const struct avila_allocator *a,
                           const struct avila_work_config *cfg)
{
    size_t nthreads = cfg != NULL && cfg->threads != 0 ? cfg->threads : AVILA_WORK_DEFAULT_THREADS;
    size_t queue_max =
        cfg != NULL && cfg->queue_max != 0 ? cfg->queue_max : AVILA_WORK_DEFAULT_QUEUE_MAX;
    if (out == NULL || a == NULL || nthreads > AVILA_WORK_MAX_THREADS)
        return AVILA_EINVAL;
    int rc = AVILA_ENOMEM;
    struct avila_work_pool *p = AVILA_NEW(a, struct avila_work_pool);
    if (p == NULL)
        goto fail;
    memset(p, 0, sizeof *p);
    p->alloc = a;
    p->nthreads = nthreads;
    p->queue_max = queue_max;
    p->threads = AVILA_NEW_ARRAY(a, pthread_t, nthreads);
    if (p->threads == NULL)
        goto fail_free;
    rc = AVILA_EIO;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        goto fail_threads;
    if (pthread_cond_init(&p->cond, NULL) != 0)
        goto fail_mutex;
    for (size_t i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            goto fail_join;
        p->created++;
    }
    *out = p;
    return 0;

fail_join:
    shut(p, 0);
    pthread_cond_destroy(&p->cond);
fail_mutex:
    pthread_mutex_destroy(&p->lock);
fail_threads:
    AVILA_DELETE_ARRAY(a, p->threads, pthread_t, nthreads);
fail_free:
    AVILA_DELETE(a, p, struct avila_work_pool);
fail:
    return rc;
}

int avila_work_submit(struct avila_work_pool *p, struct avila_loop *loop,
                      struct avila_work_job *job, avila_work_fn *work, avila_work_done_fn *done)
{
    if (p == NULL || loop == NULL || job == NULL || work == NULL || done == NULL)
        return AVILA_EINVAL;
    job->loop = loop;
    job->work = work;
    job->done = done;
    job->next = NULL;
    job->status = 0;
    pthread_mutex_lock(&p->lock);
    int rc = 0;
    if (p->shutdown) {
        rc = AVILA_ESTATE;
    } else if (p->queued >= p->queue_max) {
        rc = AVILA_ELIMIT;
    } else {
        if (p->tail != NULL)
            p->tail->next = job;
        else
            p->head = job;
        p->tail = job;
        p->queued++;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

size_t avila_work_pending(struct avila_work_pool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->queued;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void avila_work_pool_destroy(struct avila_work_pool *p, int how)
{
    if (p == NULL)
        return;
    shut(p, how == AVILA_WORK_CANCEL);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    AVILA_DELETE_ARRAY(p->alloc, p->threads, pthread_t, p->nthreads);
    AVILA_DELETE(p->alloc, p, struct avila_work_pool);
}
