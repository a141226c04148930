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
#include <string.h>

#include "data/lsm_db.h"

/* The store's directory in the in-memory VFS. */
#define LSM_ENV_DIR "/db"

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

#endif
