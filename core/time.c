/*
 * core/time.c - the OS clocks (POSIX.1-2017 clock_gettime, clock_nanosleep)
 * behind core/time.h. The calendar and RFC 3339 code is in core/timefmt.c.
 */
#include <errno.h>
#include <time.h>

#include "core/error.h"
#include "core/time.h"

static int read_clock(clockid_t id, struct timespec *ts)
{
    return clock_gettime(id, ts) == 0 ? 0 : AVILA_EIO;
}

uint64_t avila_time_mono_ns(void)
{
    struct timespec ts;
    if (read_clock(CLOCK_MONOTONIC, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * AVILA_TIME_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t avila_time_mono_ms(void)
{
    return avila_time_mono_ns() / AVILA_TIME_NS_PER_MS;
}

int64_t avila_time_wall_ns(void)
{
    struct timespec ts;
    if (read_clock(CLOCK_REALTIME, &ts) < 0)
        return 0;
    int64_t ns;
    /* tv_nsec is 0..999999999, so only the product and the sum can overflow. */
    if (__builtin_mul_overflow((int64_t)ts.tv_sec, AVILA_TIME_NS_PER_SEC, &ns) ||
        __builtin_add_overflow(ns, (int64_t)ts.tv_nsec, &ns))
        return ts.tv_sec < 0 ? INT64_MIN : INT64_MAX;
    return ns;
}

int avila_time_sleep_ns(uint64_t ns)
{
    struct timespec deadline;
    if (read_clock(CLOCK_MONOTONIC, &deadline) < 0)
        return AVILA_EIO;
    time_t add = (time_t)(ns / AVILA_TIME_NS_PER_SEC);
    long nsec = deadline.tv_nsec + (long)(ns % AVILA_TIME_NS_PER_SEC);
    if (nsec >= AVILA_TIME_NS_PER_SEC) {
        nsec -= AVILA_TIME_NS_PER_SEC;
        add += 1;
    }
    /* 2^64 ns is 584 years: only a 32-bit time_t can overflow here. */
    if (__builtin_add_overflow(deadline.tv_sec, add, &deadline.tv_sec))
        return AVILA_ERANGE;
    deadline.tv_nsec = nsec;
    int rc;
    /* An absolute deadline makes resuming after a signal exact. */
    while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL)) == EINTR)
        ;
    return rc == 0 ? 0 : AVILA_EIO;
}
