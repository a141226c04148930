/*
 * data/lsm_vfs.h - the file-system interface of the LSM store: the only way
 * the engine reaches files. Two implementations:
 *   - POSIX (OS, data/lsm_vfs_posix.c): open(2) with O_CLOEXEC, EINTR
 *     retried, short writes and reads looped, fdatasync(2), fsync(2) of
 *     directories, flock(2) on a LOCK file;
 *   - in memory with fault injection (pure, data/lsm_vfs_mem.c), for tests:
 *     it remembers for each file the bytes written and the prefix synced,
 *     and for each directory the entries made durable by a directory sync,
 *     so that avila_lsm_vfs_mem_crash() can keep exactly what a real
 *     crash may keep; and it fails the Nth call of any operation kind.
 *
 * The interface is a struct of function pointers plus a context (like
 * struct avila_allocator): a view that owns nothing. Paths are
 * NUL-terminated, '/'-separated; the engine builds them as "DIR/NAME".
 *
 * Durability, as the engine MUST assume it (the in-memory VFS enforces it):
 *   - appended bytes survive a crash only up to the last successful sync
 *     of that file (a crash may keep a part of the rest, torn anywhere);
 *   - a create, rename or unlink survives a crash only after a successful
 *     sync_dir of the directory holding the name (both directories for a
 *     rename across directories);
 *   - rename atomically replaces an existing file: after a crash the name
 *     holds the old file or the new one, never neither, never a mix.
 *
 * Errors of every operation: AVILA_ENOTFOUND (no such file or directory, or
 * a missing parent), AVILA_EEXIST (already exists, or a directory where a
 * file was meant, or a directory that is not empty), AVILA_ENOSPC (no space
 * or quota left on the device: nothing is known about how much of an
 * append was written), AVILA_EIO (any other failure of the system),
 * AVILA_ENOMEM (memory for a handle), AVILA_EINVAL (a caller's mistake,
 * such as an empty path). Once an append or a sync fails, the file's
 * contents after the last successful sync are unknown: the caller MUST NOT
 * retry the sync and believe it (an fsync error may have dropped the dirty
 * pages), but write a new file instead.
 */
#ifndef AVILA_DATA_LSM_VFS_H
#define AVILA_DATA_LSM_VFS_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"

/* An open file of some VFS; only that VFS knows what is inside. */
struct avila_lsm_file;
/* A held lock of some VFS. */
struct avila_lsm_lock;

/* The kinds of operations, for the fault injection and call counters of the in-memory VFS. */
enum avila_lsm_vfs_op {
    AVILA_LSM_VFS_OPEN_APPEND = 0,
    AVILA_LSM_VFS_OPEN_READ,
    AVILA_LSM_VFS_APPEND,
    AVILA_LSM_VFS_SYNC,
    AVILA_LSM_VFS_READ,
    AVILA_LSM_VFS_SIZE,
    AVILA_LSM_VFS_SYNC_DIR,
    AVILA_LSM_VFS_RENAME,
    AVILA_LSM_VFS_UNLINK,
    AVILA_LSM_VFS_LIST,
    AVILA_LSM_VFS_MKDIR,
    AVILA_LSM_VFS_LOCK,
    AVILA_LSM_VFS_OP_COUNT
};

/*
 * The interface. Each function gets ctx first. Handles (files, locks) are
 * valid until closed (unlocked) and belong to the VFS that opened them.
 * The POSIX implementation may be called from any thread: each handle by
 * one thread at a time, except that read and size on a file opened with
 * open_read may run on several threads at once (SSTables are shared by all
 * readers); the in-memory one as its config says.
 */
struct avila_lsm_vfs {
    /*
     * Opens path for sequential append, creating it, or truncating it to
     * zero bytes if it exists (the create or truncate is a directory
     * operation: durable after sync_dir of its directory). *out gets the
     * handle. EEXIST if path names a directory.
     */
    int (*open_append)(void *ctx, const char *path, struct avila_lsm_file **out);
    /* Opens the existing file path for reading at any offset. ENOTFOUND if absent. */
    int (*open_read)(void *ctx, const char *path, struct avila_lsm_file **out);
    /*
     * Appends all n bytes at p (p may be NULL if n is 0) to a file opened
     * for append: 0 once all are written, or an error (then an unknown
     * prefix of them may have reached the file).
     */
    int (*append)(void *ctx, struct avila_lsm_file *f, const void *p, size_t n);
    /* Makes everything appended to f durable (fdatasync). */
    int (*sync)(void *ctx, struct avila_lsm_file *f);
    /*
     * Reads up to n bytes at offset off into p; *got gets the count, which
     * is less than n only at the end of the file (0 at or past it).
     */
    int (*read)(void *ctx, struct avila_lsm_file *f, uint64_t off, void *p, size_t n, size_t *got);
    /* *size gets the file's current size in bytes (appended, synced or not). */
    int (*size)(void *ctx, struct avila_lsm_file *f, uint64_t *size);
    /* Closes f (never fails; bytes not synced are not made durable by closing). */
    void (*close)(void *ctx, struct avila_lsm_file *f);
    /* Makes the directory's entries (creates, renames, unlinks in it) durable. */
    int (*sync_dir)(void *ctx, const char *dir);
    /*
     * Renames from to to, atomically replacing a file at to. ENOTFOUND if
     * from is absent, EEXIST if to is a directory (or from is a directory
     * and to exists). The in-memory VFS renames files only (AVILA_EINVAL for
     * a directory): the engine renames nothing else.
     */
    int (*rename)(void *ctx, const char *from, const char *to);
    /* Removes a file, or an empty directory (EEXIST if not empty). ENOTFOUND if absent. */
    int (*unlink)(void *ctx, const char *path);
    /*
     * Appends the name of every entry of directory dir (not "." or "..") to
     * names, each followed by a NUL byte, in no particular order. Returns
     * the number of names, or an error (names' own errors included: then
     * names holds an unknown part of the list). ENOTFOUND if dir is absent.
     */
    int (*list)(void *ctx, const char *dir, struct avila_buf *names);
    /* Creates directory path (its parent MUST exist). EEXIST if path exists. */
    int (*mkdir)(void *ctx, const char *path);
    /*
     * Takes the exclusive lock of the file path (created if absent), without
     * waiting. *out gets the lock, held until unlock or the process ends.
     * AVILA_ESTATE when someone else holds it: another process, or another
     * lock handle of this process.
     */
    int (*lock)(void *ctx, const char *path, struct avila_lsm_lock **out);
    /* Releases a lock (never fails). */
    void (*unlock)(void *ctx, struct avila_lsm_lock *l);
    void *ctx;
};

/* What the engine prints when lock returns AVILA_ESTATE. */
#define AVILA_LSM_VFS_LOCKED_MSG "the lock file is held by another process or handle"

/* ---------------------------------------------------------------- POSIX (OS) */

/*
 * (OS, data/lsm_vfs_posix.c) Sets *vfs to the POSIX file system. Handles
 * are allocated from a, which MUST outlive them. A lock writes the holder's
 * process id into the lock file, for people looking at a stuck directory.
 * errno maps to the codes above: ENOENT and ENOTDIR to AVILA_ENOTFOUND;
 * EEXIST, ENOTEMPTY and EISDIR to AVILA_EEXIST; ENOSPC, EDQUOT and EFBIG to
 * AVILA_ENOSPC; EWOULDBLOCK on the lock to AVILA_ESTATE; anything else to
 * AVILA_EIO.
 */
void avila_lsm_vfs_posix(struct avila_lsm_vfs *vfs, const struct avila_allocator *a);

/* ---------------------------------------------------------------- in memory */

/* Longest name of one path component in the in-memory VFS (NAME_MAX). */
#define AVILA_LSM_VFS_MEM_NAME_MAX 255

/* Crash flags (avila_lsm_vfs_mem_crash). With none, all that was not synced is lost. */
#define AVILA_LSM_VFS_MEM_TEAR    1u /* each file keeps a random prefix of its unsynced bytes */
#define AVILA_LSM_VFS_MEM_ZEROS   2u /* ...of which a random suffix reads as zero bytes */
#define AVILA_LSM_VFS_MEM_DIR_ANY 4u /* each directory keeps its unsynced entries, or not (1/2) */

/*
 * Options of the in-memory VFS (NULL or zeros: single-threaded use).
 * mutex_lock / mutex_unlock, when set, are called around every operation
 * with mutex, so several threads may share the VFS.
 */
struct avila_lsm_vfs_mem_config {
    void (*mutex_lock)(void *mutex);
    void (*mutex_unlock)(void *mutex);
    void *mutex;
};

struct avila_lsm_mem_node;

/* The in-memory VFS. Caller-allocated; every field is private. */
struct avila_lsm_vfs_mem {
    const struct avila_allocator *a;
    struct avila_lsm_mem_node *root;
    struct avila_lsm_mem_node *nodes; /* every node, for release */
    uint64_t epoch;                   /* bumped by each crash: older handles are dead */
    struct avila_lsm_vfs_mem_config cfg;
    uint64_t calls[AVILA_LSM_VFS_OP_COUNT];
    uint64_t fail_at[AVILA_LSM_VFS_OP_COUNT]; /* 0: never */
    int fail_err[AVILA_LSM_VFS_OP_COUNT];
    bool fail_sticky[AVILA_LSM_VFS_OP_COUNT];
    size_t open_handles; /* files and locks not closed */
};

/*
 * Starts an empty file system (its root directory exists, durably) that
 * takes memory from a, which MUST outlive it. cfg is copied (NULL:
 * defaults). Returns 0 or AVILA_ENOMEM.
 */
int avila_lsm_vfs_mem_init(struct avila_lsm_vfs_mem *m, const struct avila_allocator *a,
                           const struct avila_lsm_vfs_mem_config *cfg);

/*
 * Frees every file and directory. Handles still open MUST be closed first
 * (after a crash too: closing a dead handle is how its memory is freed).
 */
void avila_lsm_vfs_mem_release(struct avila_lsm_vfs_mem *m);

/* Sets *vfs to the interface over m (a view: m MUST outlive its use). */
void avila_lsm_vfs_mem_vfs(struct avila_lsm_vfs_mem *m, struct avila_lsm_vfs *vfs);

/*
 * Simulates a power loss and restart. Every file loses what was appended
 * after its last sync, except that with AVILA_LSM_VFS_MEM_TEAR it keeps a
 * random prefix of those bytes, and with AVILA_LSM_VFS_MEM_ZEROS too a
 * random suffix of that kept part reads as zeros (the size reached the
 * disk, the data did not). Every directory goes back to the entries of its
 * last sync_dir, except that with AVILA_LSM_VFS_MEM_DIR_ANY each directory
 * keeps its current entries with probability 1/2. All that survives counts
 * as synced afterwards. Every open handle and lock dies: operations on a
 * dead file return AVILA_ESTATE, and a dead lock is no longer held (close
 * and unlock are still needed to free them). The random choices come from
 * seed only. Fault injection settings and counters are kept.
 */
void avila_lsm_vfs_mem_crash(struct avila_lsm_vfs_mem *m, unsigned flags, uint64_t seed);

/*
 * Makes call number nth (1-based, counting every call of that kind since
 * init or the last avila_lsm_vfs_mem_reset_counts) of operation op fail
 * with err (a negative code: AVILA_EIO or AVILA_ENOSPC, say), and with
 * sticky every later call of that kind too. nth 0 turns it off. A failing
 * append first writes the first half (n / 2 bytes) of its data, so callers
 * meet partial writes; other failing calls change nothing.
 */
void avila_lsm_vfs_mem_fail(struct avila_lsm_vfs_mem *m, enum avila_lsm_vfs_op op, uint64_t nth,
                            int err, bool sticky);

/* Turns every injected failure off and zeroes the call counters. */
void avila_lsm_vfs_mem_reset_counts(struct avila_lsm_vfs_mem *m);

/* Number of calls of op since init or the last reset (failed ones included). */
uint64_t avila_lsm_vfs_mem_calls(const struct avila_lsm_vfs_mem *m, enum avila_lsm_vfs_op op);

/*
 * Direct access for tests (no call is counted, nothing fails): *data and
 * *len get the bytes of file path (writable in place, to flip bits, until
 * the next operation on m), *synced (if not NULL) the length of its synced
 * prefix. AVILA_ENOTFOUND if path is not a file.
 */
int avila_lsm_vfs_mem_file(struct avila_lsm_vfs_mem *m, const char *path, uint8_t **data,
                           size_t *len, size_t *synced);

/* Inline helpers: the calls through the interface, named. */
static inline int avila_lsm_vfs_open_append(const struct avila_lsm_vfs *v, const char *path,
                                            struct avila_lsm_file **out)
{
    return v->open_append(v->ctx, path, out);
}

static inline int avila_lsm_vfs_open_read(const struct avila_lsm_vfs *v, const char *path,
                                          struct avila_lsm_file **out)
{
    return v->open_read(v->ctx, path, out);
}

static inline int avila_lsm_vfs_append(const struct avila_lsm_vfs *v, struct avila_lsm_file *f,
                                       const void *p, size_t n)
{
    return v->append(v->ctx, f, p, n);
}

static inline int avila_lsm_vfs_sync(const struct avila_lsm_vfs *v, struct avila_lsm_file *f)
{
    return v->sync(v->ctx, f);
}

static inline int avila_lsm_vfs_read(const struct avila_lsm_vfs *v, struct avila_lsm_file *f,
                                     uint64_t off, void *p, size_t n, size_t *got)
{
    return v->read(v->ctx, f, off, p, n, got);
}

static inline int avila_lsm_vfs_size(const struct avila_lsm_vfs *v, struct avila_lsm_file *f,
                                     uint64_t *size)
{
    return v->size(v->ctx, f, size);
}

static inline void avila_lsm_vfs_close(const struct avila_lsm_vfs *v, struct avila_lsm_file *f)
{
    v->close(v->ctx, f);
}

#endif
