/*
 * tools/bench/bench_lsm_merge.c - LSM read-path iterators, in entries per
 * second, with db_bench's shapes (16-byte random keys, 100-byte values):
 *   merge-scan/8x32K      a forward scan of a merging iterator over 8
 *                         sorted in-memory children of 32K entries each,
 *                         keys dealt round-robin (every step changes child):
 *                         the merge's own cost
 *   merge-scan-back/8x32K the same scan backward
 *   merge-mem-scan/8x32K  the same over 8 memtables (skiplist misses included)
 *   dbiter-scan/8x32K     a user-view iterator over the array merge, every
 *                         key visible once (no older versions)
 *   dbiter-scan-back/8x32K the same backward (values copied per key)
 *   dbiter-versions/8x32K the array merge where each user key has 8
 *                         versions, one per child: per internal entry
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_dbiter.h"
#include "data/lsm_memtable.h"
#include "data/lsm_merge.h"
#include "tools/bench/bench.h"

#define KIDS      8
#define PER_KID   (1u << 15)
#define N         ((size_t)KIDS * PER_KID)
#define KEY_LEN   16
#define IKEY_LEN  (KEY_LEN + 8)
#define VALUE_LEN 100

/* A sorted array of internal keys behind the lsm_iter interface. */
struct arr {
    const uint8_t *ik; /* n keys of IKEY_LEN bytes */
    size_t n, pos;
    const uint8_t *value;
};

static int arr_seek(void *self, struct avila_slice k)
{
    struct arr *a = self;
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (avila_lsm_ikey_cmp(avila_slice_make(a->ik + mid * IKEY_LEN, IKEY_LEN), k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    a->pos = lo;
    return 0;
}

static int arr_seek_first(void *self)
{
    struct arr *a = self;
    a->pos = 0;
    return 0;
}

static int arr_seek_last(void *self)
{
    struct arr *a = self;
    a->pos = a->n == 0 ? 0 : a->n - 1;
    return 0;
}

static int arr_next(void *self)
{
    struct arr *a = self;
    a->pos++;
    return 0;
}

static int arr_prev(void *self)
{
    struct arr *a = self;
    a->pos = a->pos == 0 ? a->n : a->pos - 1;
    return 0;
}

static bool arr_valid(const void *self)
{
    const struct arr *a = self;
    return a->pos < a->n;
}

static struct avila_slice arr_key(const void *self)
{
    const struct arr *a = self;
    return avila_slice_make(a->ik + a->pos * IKEY_LEN, IKEY_LEN);
}

static struct avila_slice arr_value(const void *self)
{
    const struct arr *a = self;
    return avila_slice_make(a->value, VALUE_LEN);
}

static int arr_status(const void *self)
{
    (void)self;
    return 0;
}

static const struct avila_lsm_iter_ops arr_ops = {
    arr_seek,  arr_seek_first, arr_seek_last, arr_next,   arr_prev,
    arr_valid, arr_key,        arr_value,     arr_status,
};

struct ctx {
    struct avila_lsm_iter *in;
    struct avila_lsm_dbiter *db;
    uint64_t count;
};

static void run_scan(void *p)
{
    struct ctx *c = p;
    uint64_t acc = 0;
    avila_lsm_iter_seek_first(c->in);
    while (avila_lsm_iter_valid(c->in)) {
        acc += avila_lsm_iter_key(c->in).ptr[3];
        avila_lsm_iter_next(c->in);
    }
    bench_consume(acc);
}

static void run_scan_back(void *p)
{
    struct ctx *c = p;
    uint64_t acc = 0;
    avila_lsm_iter_seek_last(c->in);
    while (avila_lsm_iter_valid(c->in)) {
        acc += avila_lsm_iter_key(c->in).ptr[3];
        avila_lsm_iter_prev(c->in);
    }
    bench_consume(acc);
}

static void run_db_scan(void *p)
{
    struct ctx *c = p;
    uint64_t acc = 0, n = 0;
    avila_lsm_dbiter_seek_first(c->db);
    while (avila_lsm_dbiter_valid(c->db)) {
        acc += avila_lsm_dbiter_key(c->db).ptr[3] + avila_lsm_dbiter_value(c->db).len;
        n++;
        avila_lsm_dbiter_next(c->db);
    }
    c->count = n;
    bench_consume(acc);
}

static void run_db_scan_back(void *p)
{
    struct ctx *c = p;
    uint64_t acc = 0, n = 0;
    avila_lsm_dbiter_seek_last(c->db);
    while (avila_lsm_dbiter_valid(c->db)) {
        acc += avila_lsm_dbiter_key(c->db).ptr[3] + avila_lsm_dbiter_value(c->db).len;
        n++;
        avila_lsm_dbiter_prev(c->db);
    }
    c->count = n;
    bench_consume(acc);
}

static int key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, KEY_LEN);
}

static void put_trailer(uint8_t *ik, uint64_t seq)
{
    uint64_t t = seq << 8 | AVILA_LSM_VALUE;
    for (int i = 0; i < 8; i++)
        ik[KEY_LEN + i] = (uint8_t)(t >> (8 * i));
}

int main(void)
{
    uint8_t *keys = bench_random_bytes((size_t)N * KEY_LEN, 11);
    uint8_t *value = bench_random_bytes(VALUE_LEN, 12);
    qsort(keys, N, KEY_LEN, key_cmp);
    /* Dealt round-robin: child k holds sorted keys k, k + 8, ... */
    uint8_t *iks = malloc((size_t)N * IKEY_LEN);
    /* Versions: child k holds every key of the first PER_KID, each at seq k + 1. */
    uint8_t *vks = malloc((size_t)N * IKEY_LEN);
    if (iks == NULL || vks == NULL)
        abort();
    struct arr arrs[KIDS], varrs[KIDS];
    struct avila_lsm_iter kids[KIDS], vkids[KIDS], mkids[KIDS];
    struct avila_lsm_memtable mts[KIDS];
    struct avila_lsm_memtable_iter mits[KIDS];
    static const struct avila_lsm_memtable_config cfg = {.limit_bytes = (size_t)64 << 20};
    for (size_t k = 0; k < KIDS; k++) {
        uint8_t *base = iks + k * PER_KID * IKEY_LEN, *vbase = vks + k * PER_KID * IKEY_LEN;
        if (avila_lsm_memtable_init(&mts[k], avila_allocator_libc(), &cfg) != 0)
            abort();
        for (size_t i = 0; i < PER_KID; i++) {
            size_t src = i * KIDS + k;
            memcpy(base + i * IKEY_LEN, keys + src * KEY_LEN, KEY_LEN);
            put_trailer(base + i * IKEY_LEN, src + 1);
            memcpy(vbase + i * IKEY_LEN, keys + i * KEY_LEN, KEY_LEN);
            put_trailer(vbase + i * IKEY_LEN, k + 1);
            if (avila_lsm_memtable_add(&mts[k], src + 1, AVILA_LSM_VALUE,
                                       avila_slice_make(keys + src * KEY_LEN, KEY_LEN),
                                       avila_slice_make(value, VALUE_LEN)) != 0)
                abort();
        }
        arrs[k] = (struct arr){base, PER_KID, PER_KID, value};
        varrs[k] = (struct arr){vbase, PER_KID, PER_KID, value};
        kids[k] = (struct avila_lsm_iter){&arr_ops, &arrs[k]};
        vkids[k] = (struct avila_lsm_iter){&arr_ops, &varrs[k]};
        avila_lsm_memtable_iter_init(&mits[k], &mts[k]);
        avila_lsm_memtable_iter_as(&mits[k], &mkids[k]);
    }
    struct avila_lsm_merge_slot work[KIDS], vwork[KIDS], mwork[KIDS];
    struct avila_lsm_merge m, vm, mm;
    struct avila_lsm_iter in, vin, min;
    if (avila_lsm_merge_init(&m, kids, KIDS, work, KIDS) != 0 ||
        avila_lsm_merge_init(&vm, vkids, KIDS, vwork, KIDS) != 0 ||
        avila_lsm_merge_init(&mm, mkids, KIDS, mwork, KIDS) != 0)
        abort();
    avila_lsm_merge_as(&m, &in);
    avila_lsm_merge_as(&vm, &vin);
    avila_lsm_merge_as(&mm, &min);

    struct ctx c = {.in = &in};
    bench_rate("lsm", "merge-scan/8x32K", run_scan, &c, N, "entries/s");
    bench_rate("lsm", "merge-scan-back/8x32K", run_scan_back, &c, N, "entries/s");
    c.in = &min;
    bench_rate("lsm", "merge-mem-scan/8x32K", run_scan, &c, N, "entries/s");

    struct avila_lsm_dbiter db;
    if (avila_lsm_dbiter_init(&db, &in, AVILA_LSM_MAX_SEQ, NULL, NULL, avila_allocator_libc()) != 0)
        abort();
    c.db = &db;
    bench_rate("lsm", "dbiter-scan/8x32K", run_db_scan, &c, N, "entries/s");
    bench_rate("lsm", "dbiter-scan-back/8x32K", run_db_scan_back, &c, N, "entries/s");
    avila_lsm_dbiter_release(&db);
    if (avila_lsm_dbiter_init(&db, &vin, AVILA_LSM_MAX_SEQ, NULL, NULL, avila_allocator_libc()) !=
        0)
        abort();
    bench_rate("lsm", "dbiter-versions/8x32K", run_db_scan, &c, N, "entries/s");
    if (bench_selected("lsm", "dbiter-versions/8x32K") && c.count != PER_KID) {
        fprintf(stderr, "dbiter-versions: %llu keys, expected %u\n", (unsigned long long)c.count,
                PER_KID);
        return 1;
    }
    avila_lsm_dbiter_release(&db);
    for (size_t k = 0; k < KIDS; k++)
        avila_lsm_memtable_release(&mts[k]);
    free(iks);
    free(vks);
    free(keys);
    free(value);
    return 0;
}
