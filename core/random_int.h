/*
 * core/random_int.h - internal to core/random.c and its tests (not
 * installed): the system calls random.c makes, replaceable so tests can
 * force the ENOSYS fallback, EINTR, short reads and failures.
 */
#ifndef AVILA_CORE_RANDOM_INT_H
#define AVILA_CORE_RANDOM_INT_H

#include "core/platform.h"

/* Each operation returns its result (>= 0) or a negative errno value. */
struct avila_random_os {
    /* getrandom(2): bytes written, possibly fewer than n. */
    long (*getrandom)(void *buf, size_t n, unsigned flags);
    /* open(2) of path read-only, close-on-exec: a descriptor. */
    int (*open)(const char *path);
    /* read(2): bytes read, 0 at end of file. */
    long (*read)(int fd, void *buf, size_t n);
    /* poll(2) with no timeout until fd is readable: 0. */
    int (*wait_readable)(int fd);
    void (*close)(int fd);
};

/*
 * Makes random.c use os (which MUST stay valid until the next call) instead
 * of the real system calls, or the real ones again when os is NULL; either
 * way it forgets that the pool was seen seeded, so the next fallback read
 * waits on /dev/random again. For tests only: not thread-safe.
 */
void avila_random_set_os(const struct avila_random_os *os);

#endif
