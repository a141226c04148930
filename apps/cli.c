/* apps/cli.c - shared plumbing for the avila subcommands (see cli.h). */
#include "apps/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const struct cli_command *cli_find(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "avila %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "avila %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'avila %s --help'.\n", cmd);
    va_end(ap);
    return CLI_USAGE;
}

int cli_help(const char *cmd)
{
    const struct cli_command *c = cli_find(cmd);
    if (c)
        fputs(c->usage, stdout);
    return CLI_OK;
}

int cli_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_open_input(const char *cmd, const char *path)
{
    if (strcmp(path, "-") == 0)
        return STDIN_FILENO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        cli_fail(cmd, "%s: %s", path, strerror(errno));
    return fd;
}

void cli_close_input(int fd)
{
    if (fd != STDIN_FILENO)
        close(fd);
}

long cli_read_full(int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (long)got;
}

int cli_write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cli_progress_start(struct cli_progress *p, const char *cmd, const char *what)
{
    p->cmd = cmd;
    p->what = what;
    p->last_ns = mono_ns();
    p->active = 0;
    p->enabled = isatty(STDERR_FILENO);
}

void cli_progress_update(struct cli_progress *p, uint64_t done, uint64_t total)
{
    if (!p->enabled)
        return;
    uint64_t t = mono_ns();
    if (t - p->last_ns < 250000000u)
        return;
    p->last_ns = t;
    p->active = 1;
    if (total > 0)
        fprintf(stderr, "\ravila %s: %s: %llu / %llu MB (%u%%)\033[K", p->cmd, p->what,
                (unsigned long long)(done / 1000000), (unsigned long long)(total / 1000000),
                (unsigned)(done * 100 / total));
    else
        fprintf(stderr, "\ravila %s: %s: %llu MB\033[K", p->cmd, p->what,
                (unsigned long long)(done / 1000000));
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->active)
        fputs("\r\033[K", stderr);
    p->active = 0;
}

int cli_stream(const char *cmd, const char *what, int fd, size_t block_size,
               int (*fn)(void *ctx, const uint8_t *block, size_t n), void *ctx)
{
    uint8_t *block = malloc(block_size);
    if (!block)
        return cli_fail(cmd, "out of memory"), -1;
    struct stat st;
    uint64_t total = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    struct cli_progress progress;
    cli_progress_start(&progress, cmd, what);
    uint64_t done = 0;
    int rc = 0;
    for (;;) {
        long n = cli_read_full(fd, block, block_size);
        if (n < 0) {
            rc = -1;
            cli_fail(cmd, "%s: %s", what, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        rc = fn(ctx, block, (size_t)n);
        if (rc != 0)
            break;
        done += (uint64_t)n;
        cli_progress_update(&progress, done, total);
        if ((size_t)n < block_size)
            break;
    }
    cli_progress_end(&progress);
    free(block);
    return rc;
}

int cli_read_file(const char *cmd, const char *path, size_t max, char **out, size_t *n)
{
    int fd = cli_open_input(cmd, path);
    if (fd < 0)
        return CLI_FAIL;
    struct stat st;
    size_t cap = 4096;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < max)
        cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    size_t got = 0;
    int rc = 0;
    for (;;) {
        if (!buf) {
            rc = cli_fail(cmd, "%s: out of memory", path);
            break;
        }
        long r = cli_read_full(fd, (uint8_t *)buf + got, cap - got);
        if (r < 0) {
            rc = cli_fail(cmd, "%s: %s", path, strerror(errno));
            break;
        }
        got += (size_t)r;
        if (got < cap)
            break;
        if (cap > max) {
            rc = cli_fail(cmd, "%s: larger than %zu bytes", path, max);
            break;
        }
        /* One byte past max tells a too-large file from one of exactly max bytes. */
        cap = cap > max / 2 ? max + 1 : 2 * cap;
        char *grown = realloc(buf, cap);
        if (!grown)
            free(buf);
        buf = grown;
    }
    cli_close_input(fd);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *n = got;
    return 0;
}

int cli_open_output(const char *cmd, const char *path, int exclusive, mode_t mode)
{
    if (strcmp(path, "-") == 0)
        return STDOUT_FILENO;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
    int fd = open(path, flags, mode);
    if (fd >= 0 && (mode & 077) == 0 && fchmod(fd, mode) != 0) {
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        cli_fail(cmd, "%s: %s", path, strerror(errno));
    return fd;
}

int cli_write_close(const char *cmd, int fd, const char *path, const void *a, size_t an,
                    const void *b, size_t bn)
{
    int bad = cli_write_all(fd, a, an) != 0 || cli_write_all(fd, b, bn) != 0;
    if (fd != STDOUT_FILENO && close(fd) != 0)
        bad = 1;
    return bad ? cli_fail(cmd, "%s: %s", path, strerror(errno)) : 0;
}

int cli_write_file(const char *cmd, const char *path, mode_t mode, const void *a, size_t an,
                   const void *b, size_t bn)
{
    int fd = cli_open_output(cmd, path, 0, mode);
    if (fd < 0)
        return CLI_FAIL;
    if (cli_write_close(cmd, fd, path, a, an, b, bn) != 0) {
        if (fd != STDOUT_FILENO)
            unlink(path);
        return CLI_FAIL;
    }
    return 0;
}

int cli_split_field(const char *text, struct avila_slice *name, struct avila_slice *value)
{
    const char *colon = strchr(text, ':');
    if (colon == NULL || colon == text)
        return -1;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t vl = strlen(v);
    while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--;
    *name = avila_slice_make(text, (size_t)(colon - text));
    *value = avila_slice_make(v, vl);
    return 0;
}
