/*
 * tools/bench/bench_lsm_wal.c - WAL append + sync throughput (data/lsm_wal.h)
 * over the POSIX VFS in a mkdtemp directory under $TMPDIR (default /tmp),
 * records of 116 bytes (a 16-byte key and a 100-byte value's worth), in
 * records per second of wall-clock time (fdatasync time is not CPU time):
 *   wal-116B-sync1     fdatasync after every record (2,000 records)
 *   wal-116B-sync1000  fdatasync after every 1,000 records (200,000 records)
 *   wal-116B-nosync    no fdatasync at all (200,000 records)
 * Each case is the median of 5 runs, each into a new log file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "data/lsm_vfs.h"
#include "data/lsm_wal.h"
#include "tools/bench/bench.h"

#define REC 116

static struct avila_lsm_wal_writer w;

/* Seconds to append n records, syncing after every `every` (0: never) and at the end if so. */
static double run(const struct avila_lsm_vfs *vfs, const char *path, size_t n, size_t every)
{
    struct avila_lsm_file *f;
    uint8_t rec[REC];
    memset(rec, 'v', sizeof(rec));
    if (avila_lsm_vfs_open_append(vfs, path, &f) != 0)
        abort();
    avila_lsm_wal_writer_init(&w, vfs, f, 0);
    double t0 = bench_wall_seconds();
    for (size_t i = 0; i < n; i++) {
        memcpy(rec, &i, sizeof(i));
        if (avila_lsm_wal_append(&w, rec, sizeof(rec)) != 0)
            abort();
        if (every && (i + 1) % every == 0 && avila_lsm_wal_sync(&w) != 0)
            abort();
    }
    if (every && n % every != 0 && avila_lsm_wal_sync(&w) != 0)
        abort();
    double t = bench_wall_seconds() - t0;
    avila_lsm_vfs_close(vfs, f);
    return t;
}

static void bench_case(const struct avila_lsm_vfs *vfs, const char *dir, const char *name, size_t n,
                       size_t every)
{
    if (!bench_selected("lsm", name))
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/000001.log", dir);
    double t[5];
    (void)run(vfs, path, n / 10 ? n / 10 : 1, every); /* warm-up */
    for (int i = 0; i < 5; i++)
        t[i] = run(vfs, path, n, every);
    bench_print("lsm", name, (double)n / bench_median(t, 5), "rec/s");
    unlink(path);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/avila-bench-wal-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    struct avila_lsm_vfs vfs;
    avila_lsm_vfs_posix(&vfs, avila_allocator_libc());
    bench_case(&vfs, dir, "wal-116B-sync1", 2000, 1);
    bench_case(&vfs, dir, "wal-116B-sync1000", 200000, 1000);
    bench_case(&vfs, dir, "wal-116B-nosync", 200000, 0);
    rmdir(dir);
    return 0;
}
