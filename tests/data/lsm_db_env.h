/*
 * tests/data/lsm_db_env.h - the LSM store (data/lsm_db.h) over a fresh
 * in-memory VFS shared by threads, for the store's tests
 * (tests/data/test_lsm_db.c, tests/data/test_lsm_db_faults.c): memtables
 * and tables of 64 KiB and a level-0 trigger of 2, so that flushes and
 * compactions run all the time. Include after tests/support/unit.h.
 */
#ifndef AVILA_TESTS_DATA_LSM_DB_ENV_H
#define AVILA_TESTS_DATA_LSM_DB_ENV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "data/lsm_db.h"

/* The store's directory in the in-memory VFS. */
#define LSM_ENV_DIR "/db"

/* The model's key space ("k0000" ...) and longest value. */
#define NKEYS 400
#define VMAX  120

/* A key's state in a model of the store. */
struct slot {
    bool present;
    uint8_t len;
    char v[VMAX];
};

static void key_of(int i, char out[8])
{
    snprintf(out, 8, "k%04u", (unsigned)i % 10000u);
}

static struct avila_slice key_slice(const char *k)
{
    return avila_slice_make(k, strlen(k));
}

/* The index of a key "kNNNN" of the model, or -2 for any other key (the counter key). */
static int key_index(struct avila_slice k)
{
    if (k.len != 5 || k.ptr[0] != 'k')
        return -2;
    int n = 0;
    for (size_t i = 1; i < 5; i++)
        n = n * 10 + (k.ptr[i] - '0');
    return n;
}

/* The next present slot of s after i in direction dir (+1 / -1) within [lo, hi), or -1. */
static int slot_step(const struct slot *s, int i, int dir, int lo, int hi)
{
    for (i += dir; i >= lo && i < hi; i += dir)
        if (s[i].present)
            return i;
    return -1;
}

/* True if a get's result rc (1 found, 0 absent) and value v agree with slot s. */
static bool slot_agrees(const struct slot *s, int rc, const struct avila_buf *v)
{
    if (rc != (s->present ? 1 : 0))
        return false;
    return !s->present || (v->len == s->len && (s->len == 0 || memcmp(v->data, s->v, s->len) == 0));
}

/* The mutex every VFS operation takes (tests take it too, to arm faults). */
static pthread_mutex_t vfs_mu = PTHREAD_MUTEX_INITIALIZER;

static void mu_lock(void *m)
{
    pthread_mutex_lock(m);
}

static void mu_unlock(void *m)
{
    pthread_mutex_unlock(m);
}

struct env {
    struct avila_lsm_vfs_mem m;
    struct avila_lsm_vfs vfs;
    struct avila_lsm_options opt; /* tests may change them before env_open */
    struct avila_lsm_db *db;
};

static void env_init(struct env *e)
{
    struct avila_lsm_vfs_mem_config cfg = {mu_lock, mu_unlock, &vfs_mu};
    assert_int_equal(avila_lsm_vfs_mem_init(&e->m, avila_allocator_libc(), &cfg), 0);
    avila_lsm_vfs_mem_vfs(&e->m, &e->vfs);
    memset(&e->opt, 0, sizeof(e->opt));
    e->opt.vfs = &e->vfs;
    e->opt.create_if_missing = true;
    e->opt.memtable_bytes = 64 << 10;
    e->opt.table_bytes = 64 << 10;
    e->opt.block_bytes = 1024;
    e->opt.level1_bytes = 256 << 10;
    e->opt.l0_compaction_trigger = 2;
    e->opt.l0_slowdown = 4;
    e->opt.l0_stop = 8;
    e->db = NULL;
}

static void env_open(struct env *e)
{
    int rc = avila_lsm_open(&e->db, LSM_ENV_DIR, &e->opt, NULL);
    if (rc != 0)
        fail_msg("open: %s", avila_strerror(rc));
}

/* Reads model key i at snap (NULL: the latest state) into v; avila_lsm_get's result. */
static int env_get(struct env *e, const struct avila_lsm_snapshot *snap, int i, struct avila_buf *v)
{
    char k[8];
    key_of(i, k);
    struct avila_lsm_read_options ro = {.snapshot = snap};
    return avila_lsm_get(e->db, &ro, key_slice(k), v);
}

#endif
