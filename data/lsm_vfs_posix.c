/*
 * data/lsm_vfs_posix.c - the POSIX implementation of data/lsm_vfs.h (OS):
 * open(2) with O_CLOEXEC, write(2) and pread(2) looped over short counts
 * and EINTR, fdatasync(2), fsync(2) on a directory descriptor,
 * rename(2), unlink(2)/rmdir(2), readdir(3), mkdir(2), and flock(2) with
 * LOCK_EX | LOCK_NB for the lock (a lock belongs to the open file
 * description, so a second handle of the same process conflicts too,
 * unlike fcntl record locks).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/lsm_vfs.h"

struct avila_lsm_file {
    int fd;
};

struct avila_lsm_lock {
    int fd;
};

static int from_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return AVILA_ENOTFOUND;
    case EEXIST:
    case ENOTEMPTY:
    case EISDIR:
        return AVILA_EEXIST;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return AVILA_ENOSPC;
    case ENOMEM:
        return AVILA_ENOMEM;
    default:
        return AVILA_EIO;
    }
}

static int open_retry(const char *path, int flags, mode_t mode)
{
    int fd;
    do {
        fd = open(path, flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

static int open_file(void *ctx, const char *path, int flags, struct avila_lsm_file **out)
{
    const struct avila_allocator *a = ctx;
    if (!path || !*path || !out)
        return AVILA_EINVAL;
    struct avila_lsm_file *f = AVILA_NEW(a, struct avila_lsm_file);
    if (!f)
        return AVILA_ENOMEM;
    f->fd = open_retry(path, flags, 0644);
    if (f->fd < 0) {
        int rc = from_errno(errno);
        AVILA_DELETE(a, f, struct avila_lsm_file);
        return rc;
    }
    *out = f;
    return 0;
}

static int pvfs_open_append(void *ctx, const char *path, struct avila_lsm_file **out)
{
    return open_file(ctx, path, O_WRONLY | O_CREAT | O_TRUNC, out);
}

static int pvfs_open_read(void *ctx, const char *path, struct avila_lsm_file **out)
{
    return open_file(ctx, path, O_RDONLY, out);
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return from_errno(errno);
        if (w == 0)
            return AVILA_EIO; /* no progress and no error: never loop forever */
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static int pvfs_append(void *ctx, struct avila_lsm_file *f, const void *p, size_t n)
{
    (void)ctx;
    return write_all(f->fd, p, n);
}

static int pvfs_sync(void *ctx, struct avila_lsm_file *f)
{
    (void)ctx;
    /* EINTR means nothing was done yet (Linux does not return it once writeback failed). */
    int rc;
    do {
        rc = fdatasync(f->fd);
    } while (rc != 0 && errno == EINTR);
    return rc == 0 ? 0 : from_errno(errno);
}

static int pvfs_read(void *ctx, struct avila_lsm_file *f, uint64_t off, void *p, size_t n,
                     size_t *got)
{
    (void)ctx;
    uint8_t *b = p;
    size_t total = 0;
    if (off > (uint64_t)INT64_MAX)
        return AVILA_EINVAL;
    while (total < n) {
        ssize_t r = pread(f->fd, b + total, n - total, (off_t)(off + total));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return from_errno(errno);
        if (r == 0)
            break; /* end of file */
        total += (size_t)r;
    }
    *got = total;
    return 0;
}

static int pvfs_size(void *ctx, struct avila_lsm_file *f, uint64_t *size)
{
    (void)ctx;
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return from_errno(errno);
    *size = (uint64_t)st.st_size;
    return 0;
}

static void pvfs_close(void *ctx, struct avila_lsm_file *f)
{
    const struct avila_allocator *a = ctx;
    if (!f)
        return;
    /* Linux releases the descriptor even when close fails (EINTR included): never retry. */
    (void)close(f->fd);
    AVILA_DELETE(a, f, struct avila_lsm_file);
}

static int pvfs_sync_dir(void *ctx, const char *dir)
{
    (void)ctx;
    if (!dir || !*dir)
        return AVILA_EINVAL;
    int fd = open_retry(dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0)
        return from_errno(errno);
    int rc;
    do {
        rc = fsync(fd);
    } while (rc != 0 && errno == EINTR);
    int err = rc == 0 ? 0 : from_errno(errno);
    (void)close(fd);
    return err;
}

static int pvfs_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    if (!from || !*from || !to || !*to)
        return AVILA_EINVAL;
    return rename(from, to) == 0 ? 0 : from_errno(errno);
}

static int pvfs_unlink(void *ctx, const char *path)
{
    (void)ctx;
    if (!path || !*path)
        return AVILA_EINVAL;
    if (unlink(path) == 0)
        return 0;
    if (errno == EISDIR || errno == EPERM) {
        /* Linux says EISDIR for a directory (POSIX allows EPERM): remove it as one. */
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return rmdir(path) == 0 ? 0 : from_errno(errno);
        errno = EPERM;
    }
    return from_errno(errno);
}

static int pvfs_list(void *ctx, const char *dir, struct avila_buf *names)
{
    (void)ctx;
    if (!dir || !*dir || !names)
        return AVILA_EINVAL;
    DIR *d = opendir(dir); /* glibc and musl open it O_CLOEXEC */
    if (!d)
        return from_errno(errno);
    int count = 0, rc = 0;
    for (;;) {
        errno = 0;
        const struct dirent *e = readdir(d);
        if (!e) {
            if (errno != 0)
                rc = from_errno(errno);
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        rc = avila_buf_append(names, e->d_name, strlen(e->d_name) + 1);
        if (rc != 0)
            break;
        if (count == INT32_MAX) {
            rc = AVILA_ELIMIT;
            break;
        }
        count++;
    }
    (void)closedir(d);
    return rc != 0 ? rc : count;
}

static int pvfs_mkdir(void *ctx, const char *path)
{
    (void)ctx;
    if (!path || !*path)
        return AVILA_EINVAL;
    return mkdir(path, 0755) == 0 ? 0 : from_errno(errno);
}

static int pvfs_lock(void *ctx, const char *path, struct avila_lsm_lock **out)
{
    const struct avila_allocator *a = ctx;
    if (!path || !*path || !out)
        return AVILA_EINVAL;
    struct avila_lsm_lock *l = AVILA_NEW(a, struct avila_lsm_lock);
    if (!l)
        return AVILA_ENOMEM;
    int rc = 0;
    l->fd = open_retry(path, O_RDWR | O_CREAT, 0644);
    if (l->fd < 0) {
        rc = from_errno(errno);
        goto fail_free;
    }
    int r;
    do {
        r = flock(l->fd, LOCK_EX | LOCK_NB);
    } while (r != 0 && errno == EINTR);
    if (r != 0) {
        rc = errno == EWOULDBLOCK ? AVILA_ESTATE : from_errno(errno);
        goto fail_close;
    }
    /* The holder's pid, for a person looking at the directory; failures here do not matter. */
    char pid[24];
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(l->fd, 0) == 0 && n > 0)
        (void)write_all(l->fd, pid, (size_t)n);
    *out = l;
    return 0;

fail_close:
    (void)close(l->fd);
fail_free:
    AVILA_DELETE(a, l, struct avila_lsm_lock);
    return rc;
}

static void pvfs_unlock(void *ctx, struct avila_lsm_lock *l)
{
    const struct avila_allocator *a = ctx;
    if (!l)
        return;
    (void)close(l->fd); /* closing the last descriptor of the description drops the flock */
    AVILA_DELETE(a, l, struct avila_lsm_lock);
}

void avila_lsm_vfs_posix(struct avila_lsm_vfs *vfs, const struct avila_allocator *a)
{
    /* ctx is untyped; the allocator is only ever read through it. */
    union {
        const struct avila_allocator *c;
        void *v;
    } ctx = {.c = a};
    *vfs = (struct avila_lsm_vfs){
        .open_append = pvfs_open_append,
        .open_read = pvfs_open_read,
        .append = pvfs_append,
        .sync = pvfs_sync,
        .read = pvfs_read,
        .size = pvfs_size,
        .close = pvfs_close,
        .sync_dir = pvfs_sync_dir,
        .rename = pvfs_rename,
        .unlink = pvfs_unlink,
        .list = pvfs_list,
        .mkdir = pvfs_mkdir,
        .lock = pvfs_lock,
        .unlock = pvfs_unlock,
        .ctx = ctx.v,
    };
}
