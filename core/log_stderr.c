/*
 * core/log_stderr.c - the OS defaults of core/log.h: a sink writing to
 * standard error with write(2) and the wall clock.
 */
#include <errno.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"

void avila_log_stderr_sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    /*
     * One write per line keeps lines from different threads apart (a pipe
     * takes up to PIPE_BUF = 4096 bytes, AVILA_LOG_LINE_MAX, atomically).
     * The rest of a short write follows; a failed write is dropped: there is
     * nowhere left to report it.
     */
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, line, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
}

int64_t avila_log_wall_clock(void *ctx)
{
    (void)ctx;
    return avila_time_wall_ns();
}

int avila_log_init_stderr(struct avila_log *lg, int min_level, int format)
{
    struct avila_log_config cfg = {
        .min_level = min_level,
        .format = format,
        .sink = avila_log_stderr_sink,
        .now_ns = avila_log_wall_clock,
        .ts_digits = 3,
    };
    return avila_log_init(lg, &cfg);
}
