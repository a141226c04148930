/*
 * data/lsm_version_int.h - what lsm_version.c and lsm_compact_pick.c share
 * (not public).
 */
#ifndef AVILA_DATA_LSM_VERSION_INT_H
#define AVILA_DATA_LSM_VERSION_INT_H

#include "data/lsm_version.h"

/* Always-on check of an internal invariant (no libc assert in pure code). */
#define LSM_VER_CHECK(x)                                                                           \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static inline struct avila_slice lsm_user_key(struct avila_slice ikey)
{
    return avila_slice_make(ikey.ptr, ikey.len - AVILA_LSM_TRAILER_LEN);
}

/*
 * Level l's compaction score in v: L0 files over the trigger, bytes over
 * the target below; 0 for the last level (lsm_compact_pick.c).
 */
double avila_lsm_ver_level_score(const struct avila_lsm_vset *vs, const struct avila_lsm_version *v,
                                 int l);

/* True if f's user-key range meets [begin, end] (NULL: unbounded), inclusive. */
bool avila_lsm_ver_file_meets(const struct avila_lsm_file_meta *f, const struct avila_slice *begin,
                              const struct avila_slice *end);

/* Appends f to fv. Returns 0 or AVILA_ENOMEM. */
int avila_lsm_ver_vec_push(struct avila_lsm_file_vec *fv, struct avila_lsm_file_meta *f);

#endif
