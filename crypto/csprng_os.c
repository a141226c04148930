/*
 * crypto/csprng_os.c - (OS) the per-thread generator of crypto/csprng.h:
 * a fast-key-erasure ChaCha20 generator per thread, seeded from
 * avila_random_bytes (core/random.h), made fork-safe with MADV_WIPEONFORK
 * (Linux 4.14+) or, failing that, a getpid() check on every call.
 *
 * Each thread's state lives alone in an anonymous private page (so that
 * WIPEONFORK and DONTDUMP cover exactly it); a pthread key's destructor
 * wipes and unmaps it when the thread exits.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/ct.h"
#include "core/error.h"
#include "core/random.h"
#include "crypto/chacha20_int.h"
#include "crypto/csprng.h"

struct thread_state {
    struct avila_csprng g;
    uint64_t since_reseed; /* bytes served since the last (re)seed */
    pid_t pid;             /* the process that seeded g */
    uint8_t seeded;        /* 0 in a fresh page, and in a child after WIPEONFORK */
    uint8_t wipeonfork;    /* the kernel accepted MADV_WIPEONFORK for this page */
    uint8_t busy;          /* inside a call: a signal handler must not reuse g */
};

static _Thread_local struct thread_state *tls;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;
static int use_wipeonfork = 1;

static size_t page_len(void)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t len = page > 0 ? (size_t)page : 4096;
    return len > sizeof(struct thread_state) ? len : sizeof(struct thread_state);
}

static void free_state(void *p)
{
    avila_wipe(p, sizeof(struct thread_state));
    munmap(p, page_len());
    tls = NULL;
}

static void make_exit_key(void)
{
    exit_key_ok = pthread_key_create(&exit_key, free_state) == 0;
}

int avila_csprng_os_use_wipeonfork(int use)
{
    int old = use_wipeonfork;
    use_wipeonfork = use;
    return old;
}

/* The calling thread's state, mapped on first use; NULL if that is impossible. */
static struct thread_state *thread_state(void)
{
    if (tls)
        return tls;
    pthread_once(&exit_key_once, make_exit_key);
    if (!exit_key_ok)
        return NULL;
    void *p = mmap(NULL, page_len(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    struct thread_state *s = p;
#ifdef MADV_DONTDUMP
    madvise(p, page_len(), MADV_DONTDUMP);
#endif
#ifdef MADV_WIPEONFORK
    s->wipeonfork = use_wipeonfork && madvise(p, page_len(), MADV_WIPEONFORK) == 0;
#endif
    if (pthread_setspecific(exit_key, p) != 0) {
        munmap(p, page_len());
        return NULL;
    }
    tls = s;
    return s;
}

/* Seeds (first time, or in a WIPEONFORK child) or reseeds s from the OS. */
static int reseed(struct thread_state *s)
{
    uint8_t seed[32];
    int rc = avila_random_bytes(seed, sizeof seed);
    if (rc == 0) {
        if (s->seeded)
            avila_csprng_reseed(&s->g, seed, sizeof seed);
        else
            avila_csprng_init(&s->g, seed);
        s->seeded = 1;
        s->pid = getpid();
        s->since_reseed = 0;
    }
    avila_wipe(seed, sizeof seed);
    return rc;
}

/* Marks s busy; NULL (use the OS directly) if it is already, i.e. we interrupted a call. */
static struct thread_state *enter(void)
{
    struct thread_state *s = thread_state();
    if (!s || s->busy)
        return NULL;
    s->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    return s;
}

static void leave(struct thread_state *s)
{
    atomic_signal_fence(memory_order_seq_cst);
    s->busy = 0;
}

int avila_csprng_random(void *out, size_t n)
{
    if (n == 0)
        return 0;
    if (!out)
        return AVILA_EINVAL;
    struct thread_state *s = enter();
    if (!s)
        return avila_random_bytes(out, n);
    int rc = 0;
    if (!s->seeded || (!s->wipeonfork && s->pid != getpid()) ||
        s->since_reseed >= AVILA_CSPRNG_RESEED_BYTES)
        rc = reseed(s);
    if (rc == 0) {
        avila_csprng_fill(&s->g, out, n);
        s->since_reseed += n;
    } else {
        memset(out, 0, n);
    }
    leave(s);
    return rc;
}

int avila_csprng_random_reseed(void)
{
    struct thread_state *s = enter();
    if (!s)
        return 0;
    int rc = reseed(s);
    leave(s);
    return rc;
}
