/*
 * data/lsm_version_query.c - lists of files and the queries on a version
 * (data/lsm_version.h): the files that may hold a key, the files meeting
 * a key range, and whether deeper levels meet one. Pure.
 */
#include "data/lsm_version_int.h"

/* ---------------------------------------------------------------- file lists */

void avila_lsm_file_vec_init(struct avila_lsm_file_vec *fv, const struct avila_allocator *a)
{
    fv->items = NULL;
    fv->n = fv->cap = 0;
    fv->a = a;
}

void avila_lsm_file_vec_release(struct avila_lsm_file_vec *fv)
{
    if (fv->items)
        AVILA_DELETE_ARRAY(fv->a, fv->items, struct avila_lsm_file_meta *, fv->cap);
    fv->items = NULL;
    fv->n = fv->cap = 0;
}

int avila_lsm_ver_vec_push(struct avila_lsm_file_vec *fv, struct avila_lsm_file_meta *f)
{
    if (fv->n == fv->cap) {
        size_t nc = fv->cap ? fv->cap * 2 : 8, bytes;
        if (avila_size_mul(nc, sizeof(struct avila_lsm_file_meta *), &bytes) != 0)
            return AVILA_ENOMEM;
        void *p = avila_realloc(fv->a, fv->items, fv->cap * sizeof(struct avila_lsm_file_meta *),
                                bytes, _Alignof(struct avila_lsm_file_meta *));
        if (!p)
            return AVILA_ENOMEM;
        fv->items = p;
        fv->cap = nc;
    }
    fv->items[fv->n++] = f;
    return 0;
}

uint64_t avila_lsm_file_vec_bytes(const struct avila_lsm_file_vec *fv)
{
    uint64_t t = 0;
    for (size_t i = 0; i < fv->n; i++)
        t += fv->items[i]->size;
    return t;
}

/* ---------------------------------------------------------------- queries */

/* Does the range of file f (user keys; an end sentinel exclusive) hold user_key? */
static bool file_holds(const struct avila_lsm_file_meta *f, struct avila_slice k)
{
    if (avila_lsm_user_cmp(k, lsm_user_key(f->smallest)) < 0)
        return false;
    int c = avila_lsm_user_cmp(k, lsm_user_key(f->largest));
    if (c != 0)
        return c < 0;
    uint64_t t = avila_load_le64(f->largest.ptr + f->largest.len - AVILA_LSM_TRAILER_LEN);
    return t != avila_lsm_trailer(AVILA_LSM_MAX_SEQ, AVILA_LSM_RANGE_DELETE);
}

bool avila_lsm_ver_file_meets(const struct avila_lsm_file_meta *f, const struct avila_slice *begin,
                              const struct avila_slice *end)
{
    if (begin && avila_lsm_user_cmp(lsm_user_key(f->largest), *begin) < 0)
        return false;
    if (end && avila_lsm_user_cmp(lsm_user_key(f->smallest), *end) > 0)
        return false;
    return true;
}

int avila_lsm_version_for_key(const struct avila_lsm_version *v, struct avila_slice user_key,
                              uint64_t seq,
                              int (*fn)(void *ctx, int level, struct avila_lsm_file_meta *f),
                              void *ctx)
{
    for (size_t i = 0; i < v->nfiles[0]; i++) {
        if (file_holds(v->files[0][i], user_key)) {
            int rc = fn(ctx, 0, v->files[0][i]);
            if (rc != 0)
                return rc;
        }
    }
    uint64_t lookup_trailer = avila_lsm_trailer(seq, AVILA_LSM_RANGE_DELETE);
    for (int l = 1; l < AVILA_LSM_LEVELS; l++) {
        struct avila_lsm_file_meta **f = v->files[l];
        size_t lo = 0, hi = v->nfiles[l];
        /* First file whose largest internal key is at or after (user_key, seq). */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            struct avila_slice lk = lsm_user_key(f[mid]->largest);
            int c = avila_lsm_user_cmp(lk, user_key);
            if (c == 0) {
                uint64_t t = avila_load_le64(lk.ptr + lk.len);
                c = t > lookup_trailer ? -1 : t < lookup_trailer ? 1 : 0;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < v->nfiles[l] && avila_lsm_user_cmp(user_key, lsm_user_key(f[lo]->smallest)) >= 0) {
            int rc = fn(ctx, l, f[lo]);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

int avila_lsm_version_overlapping(const struct avila_lsm_version *v, int level,
                                  const struct avila_slice *begin, const struct avila_slice *end,
                                  struct avila_lsm_file_vec *out)
{
    if (level < 0 || level >= AVILA_LSM_LEVELS)
        return AVILA_EINVAL;
    out->n = 0;
    struct avila_slice b = begin ? *begin : avila_slice_make(NULL, 0);
    struct avila_slice e = end ? *end : avila_slice_make(NULL, 0);
    bool has_b = begin != NULL, has_e = end != NULL;
    for (size_t i = 0; i < v->nfiles[level];) {
        struct avila_lsm_file_meta *f = v->files[level][i++];
        if (!avila_lsm_ver_file_meets(f, has_b ? &b : NULL, has_e ? &e : NULL))
            continue;
        if (level == 0) {
            /* Widen the range to the file's and start over if it grew. */
            struct avila_slice fs = lsm_user_key(f->smallest), fl = lsm_user_key(f->largest);
            if (has_b && avila_lsm_user_cmp(fs, b) < 0) {
                b = fs;
                out->n = 0;
                i = 0;
                continue;
            }
            if (has_e && avila_lsm_user_cmp(fl, e) > 0) {
                e = fl;
                out->n = 0;
                i = 0;
                continue;
            }
        }
        int rc = avila_lsm_ver_vec_push(out, f);
        if (rc != 0)
            return rc;
    }
    return 0;
}

bool avila_lsm_version_deeper_overlap(const struct avila_lsm_version *v, int level,
                                      struct avila_slice begin, struct avila_slice end)
{
    for (int l = level + 1; l < AVILA_LSM_LEVELS; l++) {
        if (l < 0)
            continue;
        for (size_t i = 0; i < v->nfiles[l]; i++)
            if (avila_lsm_ver_file_meets(v->files[l][i], &begin, &end))
                return true;
    }
    return false;
}
