/*
 * apps/serve_files.h - the static files of `avila serve`: paths resolved
 * under a root directory that cannot be left, conditional requests
 * (RFC 9110 section 13), byte ranges (section 14: one range as is, up to
 * SERVE_MAX_RANGES as multipart/byteranges of at most SERVE_MULTIPART_MAX
 * bytes, else the whole file), MIME types by extension, index.html for
 * directories, and a per-thread cache of small files. Opening a file and
 * its metadata happen on the loop thread (as nginx does without aio
 * threads: they hit the page cache); reading several ranges of a file into
 * a multipart answer, up to 1 MiB of reads, goes to a work pool.
 *
 * The cache: files up to SERVE_CACHE_FILE_MAX bytes are kept in memory, in
 * SERVE_CACHE_SLOTS slots per thread (so at most slots x file max bytes),
 * and answered without a system call; an entry is checked against the disk
 * (opened again and compared by inode, size and modification time) when it
 * is older than SERVE_CACHE_VALID_MS, so a changed file is seen within that
 * time - the same trade as nginx's open_file_cache_valid.
 */
#ifndef AVILA_APPS_SERVE_FILES_H
#define AVILA_APPS_SERVE_FILES_H

#include "net/http_server.h"
#include "net/work.h"

#define SERVE_PATH_MAX 4096
/* Ranges in one request at most, and the most bytes a multipart answer carries. */
#define SERVE_MAX_RANGES     16
#define SERVE_MULTIPART_MAX  ((uint64_t)1 << 20)
#define SERVE_CACHE_SLOTS    256
#define SERVE_CACHE_FILE_MAX ((size_t)16384)
#define SERVE_CACHE_VALID_MS 1000

struct serve_cache_slot;

/* One thread's view of the root: the directory and its cache. Fields private. */
struct serve_files {
    int root_fd;
    struct avila_work_pool *pool;   /* reads several ranges of a file off the loop; may be NULL */
    struct serve_cache_slot *slots; /* SERVE_CACHE_SLOTS of them, or NULL before the first use */
};

/*
 * Starts fs over root_fd and pool (borrowed: they must outlive fs; pool may
 * be NULL, then everything runs on the loop). Allocates nothing yet.
 */
void serve_files_init(struct serve_files *fs, int root_fd, struct avila_work_pool *pool);

/* Frees the cache. */
void serve_files_release(struct serve_files *fs);

/*
 * Percent-decodes the path part of target (up to '?') into out (NUL-ended).
 * Returns 0, or the status to answer: 400 (bad escape, NUL, not starting
 * with '/'), 414 (too long).
 */
unsigned serve_decode_path(struct avila_slice target, char *out, size_t cap);

/*
 * Answers a GET or HEAD for the decoded path (which may be modified) from
 * the files under fs's root: 200, 206, 301 (a directory without its
 * trailing '/'), 304, 403 ('..', a link leaving the root, not a regular
 * file), 404 or 416.
 */
void serve_file(struct avila_http_request_ctx *ctx, struct serve_files *fs, char *path);

/* Answers status with a plain-text body text. */
void serve_reply_text(struct avila_http_request_ctx *ctx, unsigned status, const char *text);

#endif
