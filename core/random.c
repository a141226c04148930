/*
 * core/random.c - OS randomness for core/random.h: Linux getrandom(2)
 * (flags 0: wait for the pool's first seeding, never block afterwards),
 * falling back to /dev/urandom, as random(4) and random(7) describe, when
 * the kernel has no getrandom.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/ct.h"
#include "core/error.h"
#include "core/random.h"
#include "core/random_int.h"

static long sys_getrandom(void *buf, size_t n, unsigned flags)
{
#ifdef SYS_getrandom
    long r = syscall(SYS_getrandom, buf, n, flags);
    return r < 0 ? -errno : r;
#else
    (void)buf, (void)n, (void)flags;
    return -ENOSYS;
#endif
}

static int sys_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    return fd < 0 ? -errno : fd;
}

static long sys_read(int fd, void *buf, size_t n)
{
    ssize_t r = read(fd, buf, n);
    return r < 0 ? -errno : (long)r;
}

static int sys_wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, -1) < 0 ? -errno : 0;
}

static void sys_close(int fd)
{
    close(fd);
}

static const struct avila_random_os real_os = {
    .getrandom = sys_getrandom,
    .open = sys_open,
    .read = sys_read,
    .wait_readable = sys_wait_readable,
    .close = sys_close,
};

static const struct avila_random_os *os = &real_os;

/* Set once /dev/random has been readable: the pool is seeded for good. */
static atomic_int pool_seeded;

void avila_random_set_os(const struct avila_random_os *replacement)
{
    os = replacement ? replacement : &real_os;
    atomic_store(&pool_seeded, 0);
}

/*
 * /dev/urandom never blocks, even before the pool is seeded; /dev/random
 * turns readable once it is. Waiting for that once per process gives the
 * fallback getrandom's guarantee.
 */
static int wait_for_seeded_pool(void)
{
    if (atomic_load_explicit(&pool_seeded, memory_order_acquire))
        return 0;
    int fd = os->open("/dev/random");
    if (fd < 0)
        return AVILA_EIO;
    int rc;
    while ((rc = os->wait_readable(fd)) == -EINTR)
        ;
    os->close(fd);
    if (rc < 0)
        return AVILA_EIO;
    atomic_store_explicit(&pool_seeded, 1, memory_order_release);
    return 0;
}

static int read_urandom(uint8_t *p, size_t n)
{
    if (wait_for_seeded_pool() < 0)
        return AVILA_EIO;
    int fd = os->open("/dev/urandom");
    if (fd < 0)
        return AVILA_EIO;
    int rc = 0;
    while (n > 0) {
        long r = os->read(fd, p, n);
        if (r == -EINTR)
            continue;
        /* End of file or a count beyond what was asked: the device is not what it seems. */
        if (r <= 0 || (size_t)r > n) {
            rc = AVILA_EIO;
            break;
        }
        p += r;
        n -= (size_t)r;
    }
    os->close(fd);
    return rc;
}

/* Returns 0, AVILA_EUNSUPPORTED if the kernel has no getrandom, or AVILA_EIO. */
static int read_getrandom(uint8_t *p, size_t n)
{
    while (n > 0) {
        long r = os->getrandom(p, n, 0);
        if (r == -EINTR)
            continue;
        if (r == -ENOSYS)
            return AVILA_EUNSUPPORTED;
        if (r <= 0 || (size_t)r > n)
            return AVILA_EIO;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int avila_random_bytes(void *buf, size_t n)
{
    if (n == 0)
        return 0;
    if (buf == NULL)
        return AVILA_EINVAL;
    int rc = read_getrandom(buf, n);
    if (rc == AVILA_EUNSUPPORTED)
        rc = read_urandom(buf, n);
    if (rc < 0) {
        avila_wipe(buf, n);
        return AVILA_EIO;
    }
    return 0;
}

int avila_random_u64(uint64_t *out)
{
    uint64_t v;
    int rc = avila_random_bytes(&v, sizeof v);
    *out = v;
    return rc;
}

int avila_random_uniform(uint64_t bound, uint64_t *out)
{
    if (bound == 0)
        return AVILA_EINVAL;
    /*
     * 2^64 mod bound values at the bottom of the range are the surplus that
     * would make the low results more likely; drawing again when one comes
     * up leaves exactly floor(2^64 / bound) draws for each result. Each draw
     * is rejected with probability below 1/2.
     */
    uint64_t surplus = (0 - bound) % bound;
    for (;;) {
        uint64_t v;
        if (avila_random_u64(&v) < 0) {
            *out = 0;
            return AVILA_EIO;
        }
        if (v >= surplus) {
            *out = v % bound;
            return 0;
        }
    }
}
