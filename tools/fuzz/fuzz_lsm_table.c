/*
 * tools/fuzz/fuzz_lsm_table.c - libFuzzer harness for the SSTable reader of
 * data/lsm_table.h: the input is a whole table file, put in the in-memory
 * VFS and opened (with a small block cache on odd lengths, so both read
 * paths run).
 *
 * Properties: open fails only with AVILA_EFORMAT; check returns 0 or
 * AVILA_EFORMAT; forward and backward iteration end (steps bounded by the
 * size) and every iterator error is AVILA_EFORMAT; gets of a few fixed
 * keys return a result or AVILA_EFORMAT. When check accepts the table
 * (every CRC and order verified), iteration MUST succeed with strictly
 * increasing keys, backward MUST give the same entries in reverse, their
 * count MUST be the properties' entries, seeking each key MUST land on it,
 * and a get of each user key at the newest snapshot MUST return the first
 * entry of that user key in iteration order. Every access stays in bounds
 * (ASan in `make fuzz`).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_table.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_ENTRIES 2048

struct ent {
    uint8_t *k;
    size_t klen;
    uint8_t *v;
    size_t vlen;
};

static void free_ents(struct ent *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].k);
        free(e[i].v);
    }
    free(e);
}

static bool is(const struct avila_lsm_table_iter *it, const struct ent *e)
{
    return avila_lsm_table_iter_valid(it) &&
           avila_slice_equal(avila_lsm_table_iter_key(it), avila_slice_make(e->k, e->klen)) &&
           avila_slice_equal(avila_lsm_table_iter_value(it), avila_slice_make(e->v, e->vlen));
}

static void sound_properties(const struct avila_lsm_table *t, struct avila_lsm_table_iter *it,
                             struct ent *ents, size_t n)
{
    CHECK(n == avila_lsm_table_props(t)->entries);
    /* Backward: the same entries in reverse. */
    size_t i = n;
    int rc;
    for (rc = avila_lsm_table_iter_seek_last(it); rc == 0 && avila_lsm_table_iter_valid(it);
         rc = avila_lsm_table_iter_prev(it)) {
        CHECK(i > 0);
        i--;
        CHECK(is(it, &ents[i]));
    }
    CHECK(rc == 0 && i == 0);
    struct avila_buf val;
    avila_buf_init(&val, avila_allocator_libc(), SIZE_MAX);
    for (i = 0; i < n; i++) {
        CHECK(avila_lsm_table_iter_seek(it, avila_slice_make(ents[i].k, ents[i].klen)) == 0);
        CHECK(is(it, &ents[i]));
        struct avila_lsm_ikey pk;
        CHECK(avila_lsm_ikey_parse(ents[i].k, ents[i].klen, &pk) == 0);
        if (i > 0 &&
            avila_slice_equal(avila_slice_make(ents[i - 1].k, ents[i - 1].klen - 8), pk.user_key))
            continue; /* not the newest of its user key */
        uint64_t seq = 0;
        rc = avila_lsm_table_get(t, pk.user_key, UINT64_MAX, &val, &seq);
        CHECK(seq == pk.seq);
        if (pk.kind == AVILA_LSM_DELETE) {
            CHECK(rc == AVILA_LSM_TABLE_DELETED);
        } else {
            CHECK(rc == AVILA_LSM_TABLE_VALUE);
            CHECK(avila_slice_equal(avila_slice_make(val.data, val.len),
                                    avila_slice_make(ents[i].v, ents[i].vlen)));
        }
    }
    avila_buf_release(&val);
}

static void exercise(const struct avila_lsm_table *t, size_t size)
{
    int check = avila_lsm_table_check(t);
    CHECK(check == 0 || check == AVILA_EFORMAT);

    struct avila_buf val;
    avila_buf_init(&val, avila_allocator_libc(), SIZE_MAX);
    static const char *const probes[] = {"", "a", "key", "\xff\xff"};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        int rc = avila_lsm_table_get(t, avila_slice_from_cstr(probes[i]), UINT64_MAX, &val, NULL);
        CHECK(rc >= 0 || rc == AVILA_EFORMAT);
        CHECK(check != 0 || rc >= 0);
    }
    avila_buf_release(&val);

    struct avila_lsm_table_iter it;
    CHECK(avila_lsm_table_iter_init(&it, t, NULL) == 0);
    struct ent *ents = calloc(MAX_ENTRIES, sizeof(*ents));
    CHECK(ents != NULL);
    size_t n = 0;
    bool stored_all = true;
    int rc;
    for (rc = avila_lsm_table_iter_seek_first(&it); rc == 0 && avila_lsm_table_iter_valid(&it);
         rc = avila_lsm_table_iter_next(&it)) {
        CHECK(n < size);
        struct avila_slice k = avila_lsm_table_iter_key(&it), v = avila_lsm_table_iter_value(&it);
        CHECK(k.len >= AVILA_LSM_TRAILER_LEN);
        if (n > 0 && n <= MAX_ENTRIES && check == 0)
            CHECK(avila_lsm_ikey_cmp(avila_slice_make(ents[n - 1].k, ents[n - 1].klen), k) < 0);
        if (n < MAX_ENTRIES) {
            ents[n].k = malloc(k.len);
            ents[n].v = malloc(v.len + 1);
            CHECK(ents[n].k != NULL && ents[n].v != NULL);
            memcpy(ents[n].k, k.ptr, k.len);
            if (v.len > 0)
                memcpy(ents[n].v, v.ptr, v.len);
            ents[n].klen = k.len;
            ents[n].vlen = v.len;
        } else {
            stored_all = false;
        }
        n++;
    }
    CHECK(rc == avila_lsm_table_iter_status(&it));
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    if (check == 0) {
        CHECK(rc == 0);
        if (stored_all)
            sound_properties(t, &it, ents, n);
    } else {
        /* Only safety matters: walk backward too. */
        size_t steps = 0;
        for (rc = avila_lsm_table_iter_seek_last(&it); rc == 0 && avila_lsm_table_iter_valid(&it);
             rc = avila_lsm_table_iter_prev(&it))
            CHECK(++steps <= size);
        CHECK(rc == 0 || rc == AVILA_EFORMAT);
    }
    free_ents(ents, n < MAX_ENTRIES ? n : MAX_ENTRIES);
    avila_lsm_table_iter_release(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct avila_lsm_vfs_mem m;
    struct avila_lsm_vfs vfs;
    CHECK(avila_lsm_vfs_mem_init(&m, avila_allocator_libc(), NULL) == 0);
    avila_lsm_vfs_mem_vfs(&m, &vfs);
    struct avila_lsm_file *f;
    CHECK(avila_lsm_vfs_open_append(&vfs, "/t", &f) == 0);
    CHECK(avila_lsm_vfs_append(&vfs, f, data, size) == 0);
    avila_lsm_vfs_close(&vfs, f);
    CHECK(avila_lsm_vfs_open_read(&vfs, "/t", &f) == 0);

    struct avila_lsm_cache cache;
    struct avila_lsm_cache_config cc = {.capacity_bytes = 16 << 10, .shards = 2};
    CHECK(avila_lsm_cache_init(&cache, avila_allocator_libc(), &cc) == 0);
    struct avila_lsm_table *t;
    int rc = avila_lsm_table_open(&vfs, f, size, 1, size % 2 ? &cache : NULL,
                                  avila_allocator_libc(), &t);
    if (rc == 0) {
        exercise(t, size);
        avila_lsm_table_release(t);
    } else {
        CHECK(rc == AVILA_EFORMAT);
    }
    avila_lsm_cache_release_all(&cache);
    avila_lsm_vfs_close(&vfs, f);
    avila_lsm_vfs_mem_release(&m);
    return 0;
}
