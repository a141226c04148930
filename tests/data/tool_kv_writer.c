/*
 * tests/data/tool_kv_writer.c - the writer and checker of the LSM store's
 * crash test (tests/data/test_lsm_crash.sh):
 *   tool_kv_writer write DIR FIRST   puts keys FIRST, FIRST+1, ... each
 *                                    synced, printing each number on stdout
 *                                    once the put returned (until killed);
 *   tool_kv_writer verify DIR N      checks that keys 0 .. N-1 are there
 *                                    with their values (exit 1 if not).
 * Small memtables and tables make flushes and compactions run all the
 * time, so the kills land in every part of the store's work. Every fourth
 * key also gets an unsynced neighbour, and every 128th a range delete of
 * keys nobody checks, so the WAL holds all kinds of records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_db.h"

static struct avila_slice key(char *buf, size_t cap, const char *fmt, unsigned long long n)
{
    int len = snprintf(buf, cap, fmt, n);
    return avila_slice_make(buf, (size_t)len);
}

/* The value of key n: 300 bytes that depend on n. */
static struct avila_slice value(char *buf, unsigned long long n)
{
    for (int i = 0; i < 300; i++)
        buf[i] = (char)('a' + (n * 7 + (unsigned long long)i) % 26);
    return avila_slice_make(buf, 300);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "verify") != 0)) {
        fprintf(stderr, "usage: tool_kv_writer write DIR FIRST | verify DIR N\n");
        return 2;
    }
    unsigned long long n = strtoull(argv[3], NULL, 10);
    struct avila_lsm_options o = {
        .create_if_missing = true,
        .memtable_bytes = 64 << 10,
        .table_bytes = 64 << 10,
        .level1_bytes = 256 << 10,
        .l0_compaction_trigger = 2,
        .l0_slowdown = 4,
        .l0_stop = 8,
        .compaction_threads = 2, /* kills land in side-by-side compactions too */
    };
    struct avila_lsm_db *db;
    int rc = avila_lsm_open(&db, argv[2], &o, NULL);
    if (rc != 0) {
        fprintf(stderr, "tool_kv_writer: open: %s\n", avila_strerror(rc));
        return 1;
    }
    char kb[64], vb[300];
    if (strcmp(argv[1], "verify") == 0) {
        struct avila_buf v;
        avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
        for (unsigned long long i = 0; i < n; i++) {
            struct avila_slice want = value(vb, i);
            rc = avila_lsm_get(db, NULL, key(kb, sizeof(kb), "key-%012llu", i), &v);
            if (rc != 1 || v.len != want.len || memcmp(v.data, want.ptr, want.len) != 0) {
                fprintf(stderr, "tool_kv_writer: key %llu: %s\n", i,
                        rc < 0    ? avila_strerror(rc)
                        : rc == 0 ? "missing"
                                  : "wrong value");
                return 1;
            }
        }
        avila_buf_release(&v);
        return avila_lsm_close(db) == 0 ? 0 : 1;
    }
    struct avila_lsm_write_options sync = {.sync = 1}, nosync = {.sync = 0};
    for (unsigned long long i = n;; i++) {
        rc = avila_lsm_put(db, key(kb, sizeof(kb), "key-%012llu", i), value(vb, i), &sync);
        if (rc == 0 && i % 4 == 0)
            rc = avila_lsm_put(db, key(kb, sizeof(kb), "aux-%012llu", i), value(vb, i), &nosync);
        if (rc == 0 && i % 128 == 64) {
            char eb[64];
            rc = avila_lsm_del_range(db, key(kb, sizeof(kb), "aux-%012llu", i - 64),
                                     key(eb, sizeof(eb), "aux-%012llu", i), &nosync);
        }
        if (rc != 0) {
            fprintf(stderr, "tool_kv_writer: put %llu: %s\n", i, avila_strerror(rc));
            return 1;
        }
        printf("%llu\n", i);
        fflush(stdout);
    }
}
