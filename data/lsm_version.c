/*
 * data/lsm_version.c - versions, the version set, the MANIFEST and CURRENT
 * files, and recovery (data/lsm_version.h). Pure.
 */
#include "data/lsm_version_int.h"

/* ---------------------------------------------------------------- file metadata */

static struct avila_lsm_file_meta *meta_new(const struct avila_allocator *a,
                                            const struct avila_lsm_edit_file *f)
{
    size_t size = sizeof(struct avila_lsm_file_meta) + f->smallest.len + f->largest.len;
    struct avila_lsm_file_meta *m = avila_alloc(a, size, _Alignof(struct avila_lsm_file_meta));
    if (!m)
        return NULL;
    uint8_t *k = (uint8_t *)(m + 1);
    memcpy(k, f->smallest.ptr, f->smallest.len);
    memcpy(k + f->smallest.len, f->largest.ptr, f->largest.len);
    m->number = f->number;
    m->size = f->size;
    m->smallest = avila_slice_make(k, f->smallest.len);
    m->largest = avila_slice_make(k + f->smallest.len, f->largest.len);
    m->smallest_seq = f->smallest_seq;
    m->largest_seq = f->largest_seq;
    m->refs = 1;
    m->alloc_size = size;
    m->compacting = false;
    return m;
}

static void meta_unref(const struct avila_allocator *a, struct avila_lsm_file_meta *m)
{
    LSM_VER_CHECK(m->refs > 0);
    if (--m->refs == 0)
        avila_free(a, m, m->alloc_size, _Alignof(struct avila_lsm_file_meta));
}

/* ---------------------------------------------------------------- sorting */

/* L0: newest (highest number) first. */
static bool before_l0(const struct avila_lsm_file_meta *x, const struct avila_lsm_file_meta *y)
{
    return x->number > y->number;
}

/* L1..: by smallest key, then number (a total order for ties in broken input). */
static bool before_ln(const struct avila_lsm_file_meta *x, const struct avila_lsm_file_meta *y)
{
    int c = avila_lsm_ikey_cmp(x->smallest, y->smallest);
    return c < 0 || (c == 0 && x->number < y->number);
}

/* Stable bottom-up merge sort of f[0..n) with tmp of n slots. */
static void sort_files(struct avila_lsm_file_meta **f, struct avila_lsm_file_meta **tmp, size_t n,
                       bool (*before)(const struct avila_lsm_file_meta *,
                                      const struct avila_lsm_file_meta *))
{
    struct avila_lsm_file_meta **src = f, **dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = before(src[j], src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        struct avila_lsm_file_meta **t = src;
        src = dst;
        dst = t;
    }
    if (src != f)
        memcpy(f, src, n * sizeof(struct avila_lsm_file_meta *));
}

/* ---------------------------------------------------------------- versions */

static struct avila_lsm_version *version_new(struct avila_lsm_vset *vs)
{
    struct avila_lsm_version *v = AVILA_NEW(vs->a, struct avila_lsm_version);
    if (!v)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->vs = vs;
    return v;
}

/* Frees v, which is in no list (refs 0 or never installed). */
static void version_free(struct avila_lsm_version *v)
{
    const struct avila_allocator *a = v->vs->a;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        for (size_t i = 0; i < v->nfiles[l]; i++)
            meta_unref(a, v->files[l][i]);
        if (v->files[l])
            AVILA_DELETE_ARRAY(a, v->files[l], struct avila_lsm_file_meta *, v->cap[l]);
    }
    AVILA_DELETE(a, v, struct avila_lsm_version);
}

void avila_lsm_version_ref(struct avila_lsm_version *v)
{
    LSM_VER_CHECK(v->refs > 0 && v->prev != NULL);
    v->refs++;
}

void avila_lsm_version_unref(struct avila_lsm_version *v)
{
    LSM_VER_CHECK(v->refs > 0 && v->prev != NULL);
    if (--v->refs > 0)
        return;
    v->prev->next = v->next;
    v->next->prev = v->prev;
    v->prev = v->next = NULL;
    version_free(v);
}

/* Installs v (one ref, held by the set) as current. */
static void version_install(struct avila_lsm_vset *vs, struct avila_lsm_version *v)
{
    v->refs = 1;
    v->prev = vs->live.prev;
    v->next = &vs->live;
    vs->live.prev->next = v;
    vs->live.prev = v;
    struct avila_lsm_version *old = vs->current;
    vs->current = v;
    if (old)
        avila_lsm_version_unref(old);
}

/*
 * Builds the version base + e into *out (not installed). err is the code
 * for an edit that does not apply (AVILA_EINVAL from callers,
 * AVILA_EFORMAT in recovery). Checks only what is local to the edit; the
 * order of levels is version_check's.
 */
static int version_build(struct avila_lsm_vset *vs, const struct avila_lsm_version *base,
                         const struct avila_lsm_edit *e, int err, struct avila_lsm_version **out)
{
    struct avila_lsm_version *v = version_new(vs);
    if (!v)
        return AVILA_ENOMEM;
    struct avila_lsm_file_meta **tmp = NULL;
    size_t tmp_cap = 0;
    int rc = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS && rc == 0; l++) {
        size_t adds = 0, dels = 0, matched = 0, nbase = base ? base->nfiles[l] : 0;
        for (size_t i = 0; i < e->n_files; i++)
            adds += e->files[i].level == l;
        for (size_t i = 0; i < e->n_deletes; i++)
            dels += e->deletes[i].level == l;
        size_t cap = nbase + adds;
        if (cap == 0) {
            if (dels > 0)
                rc = err; /* a delete of a file the level lacks */
            continue;
        }
        v->files[l] = AVILA_NEW_ARRAY(vs->a, struct avila_lsm_file_meta *, cap);
        if (!v->files[l]) {
            rc = AVILA_ENOMEM;
            break;
        }
        v->cap[l] = cap;
        for (size_t i = 0; i < nbase; i++) {
            struct avila_lsm_file_meta *f = base->files[l][i];
            bool deleted = false;
            for (size_t d = 0; d < e->n_deletes && !deleted; d++)
                deleted = e->deletes[d].level == l && e->deletes[d].number == f->number;
            if (deleted) {
                matched++;
                continue;
            }
            f->refs++;
            v->files[l][v->nfiles[l]++] = f;
            v->level_bytes[l] += f->size;
        }
        if (matched != dels) {
            rc = err; /* a delete of a file the level lacks (or twice) */
            break;
        }
        for (size_t i = 0; i < e->n_files; i++) {
            if (e->files[i].level != l)
                continue;
            struct avila_lsm_file_meta *f = meta_new(vs->a, &e->files[i]);
            if (!f) {
                rc = AVILA_ENOMEM;
                break;
            }
            v->files[l][v->nfiles[l]++] = f;
            v->level_bytes[l] += f->size;
        }
        if (rc != 0)
            break;
        if (v->nfiles[l] > tmp_cap) {
            if (tmp)
                AVILA_DELETE_ARRAY(vs->a, tmp, struct avila_lsm_file_meta *, tmp_cap);
            tmp_cap = v->nfiles[l];
            tmp = AVILA_NEW_ARRAY(vs->a, struct avila_lsm_file_meta *, tmp_cap);
            if (!tmp) {
                tmp_cap = 0;
                rc = AVILA_ENOMEM;
                break;
            }
        }
        sort_files(v->files[l], tmp, v->nfiles[l], l == 0 ? before_l0 : before_ln);
    }
    if (tmp)
        AVILA_DELETE_ARRAY(vs->a, tmp, struct avila_lsm_file_meta *, tmp_cap);
    if (rc != 0) {
        version_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

/*
 * Checks the invariants of a whole version: L1.. sorted and disjoint (by
 * internal key), no file number twice. *max_number and *max_seq get the
 * highest file number and largest_seq. Returns 0, err or AVILA_ENOMEM.
 */
static int version_check(struct avila_lsm_vset *vs, const struct avila_lsm_version *v, int err,
                         uint64_t *max_number, uint64_t *max_seq)
{
    size_t total = 0;
    *max_number = *max_seq = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        for (size_t i = 0; i < v->nfiles[l]; i++) {
            const struct avila_lsm_file_meta *f = v->files[l][i];
            if (f->number > *max_number)
                *max_number = f->number;
            if (f->largest_seq > *max_seq)
                *max_seq = f->largest_seq;
            if (l > 0 && i > 0 && avila_lsm_ikey_cmp(v->files[l][i - 1]->largest, f->smallest) >= 0)
                return err;
        }
        total += v->nfiles[l];
    }
    if (total < 2)
        return 0;
    /* Duplicate numbers: sort every number (as metas by number, descending). */
    struct avila_lsm_file_meta **all = AVILA_NEW_ARRAY(vs->a, struct avila_lsm_file_meta *, total);
    struct avila_lsm_file_meta **tmp = AVILA_NEW_ARRAY(vs->a, struct avila_lsm_file_meta *, total);
    int rc = 0;
    if (!all || !tmp) {
        rc = AVILA_ENOMEM;
        goto out;
    }
    size_t n = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        for (size_t i = 0; i < v->nfiles[l]; i++)
            all[n++] = v->files[l][i];
    sort_files(all, tmp, n, before_l0);
    for (size_t i = 1; i < n && rc == 0; i++)
        if (all[i]->number == all[i - 1]->number)
            rc = err;
out:
    if (all)
        AVILA_DELETE_ARRAY(vs->a, all, struct avila_lsm_file_meta *, total);
    if (tmp)
        AVILA_DELETE_ARRAY(vs->a, tmp, struct avila_lsm_file_meta *, total);
    return rc;
}

/* ---------------------------------------------------------------- the version set */

static size_t cstr_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

static void drop_manifest(struct avila_lsm_vset *vs)
{
    if (vs->manifest) {
        AVILA_DELETE(vs->a, vs->manifest, struct avila_lsm_wal_writer);
        vs->manifest = NULL;
    }
    if (vs->manifest_file) {
        avila_lsm_vfs_close(vs->vfs, vs->manifest_file);
        vs->manifest_file = NULL;
    }
}

static void vset_free(struct avila_lsm_vset *vs)
{
    drop_manifest(vs);
    if (vs->current) {
        avila_lsm_version_unref(vs->current);
        vs->current = NULL;
    }
    LSM_VER_CHECK(vs->live.next == &vs->live); /* every version unreferenced */
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        avila_buf_release(&vs->pointer[l]);
    avila_buf_release(&vs->scratch);
}

void avila_lsm_vset_close(struct avila_lsm_vset *vs)
{
    vset_free(vs);
}

struct avila_lsm_version *avila_lsm_vset_current(const struct avila_lsm_vset *vs)
{
    return vs->current;
}

uint64_t avila_lsm_vset_new_file_number(struct avila_lsm_vset *vs)
{
    return vs->next_file++;
}

void avila_lsm_vset_mark_file_number_used(struct avila_lsm_vset *vs, uint64_t number)
{
    LSM_VER_CHECK(number < UINT64_MAX);
    if (number >= vs->next_file)
        vs->next_file = number + 1;
}

uint64_t avila_lsm_vset_next_file(const struct avila_lsm_vset *vs)
{
    return vs->next_file;
}

uint64_t avila_lsm_vset_last_seq(const struct avila_lsm_vset *vs)
{
    return vs->last_seq;
}

void avila_lsm_vset_set_last_seq(struct avila_lsm_vset *vs, uint64_t seq)
{
    LSM_VER_CHECK(seq >= vs->last_seq && seq <= AVILA_LSM_MAX_SEQ);
    vs->last_seq = seq;
}

uint64_t avila_lsm_vset_log_number(const struct avila_lsm_vset *vs)
{
    return vs->log_number;
}

uint64_t avila_lsm_vset_manifest_number(const struct avila_lsm_vset *vs)
{
    return vs->manifest_number;
}

int avila_lsm_vset_live_files(const struct avila_lsm_vset *vs,
                              int (*fn)(void *ctx, uint64_t number), void *ctx)
{
    int rc = 0;
    if (vs->manifest_number != 0)
        rc = fn(ctx, vs->manifest_number);
    if (rc == 0 && vs->durable_manifest != 0)
        rc = fn(ctx, vs->durable_manifest);
    for (const struct avila_lsm_version *v = vs->live.next; v != &vs->live && rc == 0; v = v->next)
        for (int l = 0; l < AVILA_LSM_LEVELS && rc == 0; l++)
            for (size_t i = 0; i < v->nfiles[l] && rc == 0; i++)
                rc = fn(ctx, v->files[l][i]->number);
    return rc;
}

uint64_t avila_lsm_vset_max_bytes(const struct avila_lsm_vset *vs, int level)
{
    uint64_t r = vs->opt.max_bytes_for_level_base;
    for (int l = 1; l < level; l++)
        r = r > UINT64_MAX / vs->opt.level_multiplier ? UINT64_MAX : r * vs->opt.level_multiplier;
    return r;
}

/* Applies the scalars and pointers of e to the set (after its version is installed). */
static int apply_scalars(struct avila_lsm_vset *vs, const struct avila_lsm_edit *e)
{
    if (e->has_log_number)
        vs->log_number = e->log_number;
    if (e->has_next_file && e->next_file > vs->next_file)
        vs->next_file = e->next_file;
    if (e->has_last_seq && e->last_seq > vs->last_seq)
        vs->last_seq = e->last_seq;
    for (size_t i = 0; i < e->n_pointers; i++) {
        struct avila_buf *b = &vs->pointer[e->pointers[i].level];
        avila_buf_clear(b);
        int rc = avila_buf_append(b, e->pointers[i].key.ptr, e->pointers[i].key.len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The whole state of the set with version v as one edit (into e, cleared first). */
static int snapshot_edit(struct avila_lsm_vset *vs, const struct avila_lsm_version *v,
                         struct avila_lsm_edit *e)
{
    avila_lsm_edit_clear(e);
    avila_lsm_edit_set_log_number(e, vs->log_number);
    avila_lsm_edit_set_next_file(e, vs->next_file);
    avila_lsm_edit_set_last_seq(e, vs->last_seq);
    int rc = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS && rc == 0; l++)
        if (vs->pointer[l].len > 0)
            rc = avila_lsm_edit_set_pointer(
                e, l, avila_slice_make(vs->pointer[l].data, vs->pointer[l].len));
    for (int l = 0; l < AVILA_LSM_LEVELS && rc == 0; l++) {
        for (size_t i = 0; i < v->nfiles[l] && rc == 0; i++) {
            const struct avila_lsm_file_meta *f = v->files[l][i];
            struct avila_lsm_edit_file ef = {.level = l,
                                             .number = f->number,
                                             .size = f->size,
                                             .smallest = f->smallest,
                                             .largest = f->largest,
                                             .smallest_seq = f->smallest_seq,
                                             .largest_seq = f->largest_seq};
            rc = avila_lsm_edit_add_file(e, &ef);
        }
    }
    return rc;
}

/* Writes a whole small file (path) and syncs it. */
static int write_file(struct avila_lsm_vset *vs, const char *path, const void *p, size_t n)
{
    struct avila_lsm_file *f;
    int rc = avila_lsm_vfs_open_append(vs->vfs, path, &f);
    if (rc != 0)
        return rc;
    rc = avila_lsm_vfs_append(vs->vfs, f, p, n);
    if (rc == 0)
        rc = avila_lsm_vfs_sync(vs->vfs, f);
    avila_lsm_vfs_close(vs->vfs, f);
    return rc;
}

/* Points CURRENT at MANIFEST-number: temp file, sync, rename, sync_dir. */
static int set_current(struct avila_lsm_vset *vs, uint64_t number)
{
    char tmp[AVILA_LSM_PATH_MAX], cur[AVILA_LSM_PATH_MAX], line[AVILA_LSM_PATH_MAX];
    int rc = avila_lsm_file_path(tmp, sizeof(tmp), vs->dir, AVILA_LSM_FILE_TEMP, 0);
    if (rc >= 0)
        rc = avila_lsm_file_path(cur, sizeof(cur), vs->dir, AVILA_LSM_FILE_CURRENT, 0);
    if (rc >= 0)
        rc = avila_lsm_file_path(line, sizeof(line), "d", AVILA_LSM_FILE_MANIFEST, number);
    if (rc < 0)
        return rc;
    /* line is "d/MANIFEST-NNNNNN": keep the name, end it with a newline. */
    size_t n = (size_t)rc - 2;
    memmove(line, line + 2, n);
    line[n++] = '\n';
    rc = write_file(vs, tmp, line, n);
    if (rc == 0)
        rc = vs->vfs->rename(vs->vfs->ctx, tmp, cur);
    if (rc == 0)
        rc = vs->vfs->sync_dir(vs->vfs->ctx, vs->dir);
    return rc;
}

/*
 * Starts MANIFEST-(new number) holding a snapshot of the set with version
 * v, syncs it and switches CURRENT to it. On success the set writes to it.
 */
static int new_manifest(struct avila_lsm_vset *vs, const struct avila_lsm_version *v)
{
    drop_manifest(vs);
    uint64_t number = vs->next_file++;
    char path[AVILA_LSM_PATH_MAX];
    int rc = avila_lsm_file_path(path, sizeof(path), vs->dir, AVILA_LSM_FILE_MANIFEST, number);
    if (rc < 0)
        return rc;
    struct avila_lsm_edit snap;
    avila_lsm_edit_init(&snap, vs->a);
    rc = snapshot_edit(vs, v, &snap);
    avila_buf_clear(&vs->scratch);
    if (rc == 0)
        rc = avila_lsm_edit_encode(&snap, &vs->scratch);
    avila_lsm_edit_release(&snap);
    if (rc == 0 && vs->scratch.len > AVILA_LSM_WAL_MAX_RECORD)
        rc = AVILA_ELIMIT;
    if (rc != 0)
        return rc;
    vs->manifest = AVILA_NEW(vs->a, struct avila_lsm_wal_writer);
    if (!vs->manifest)
        return AVILA_ENOMEM;
    rc = avila_lsm_vfs_open_append(vs->vfs, path, &vs->manifest_file);
    if (rc != 0) {
        vs->manifest_file = NULL;
        drop_manifest(vs);
        return rc;
    }
    vs->manifest_number = number;
    avila_lsm_wal_writer_init(vs->manifest, vs->vfs, vs->manifest_file, 0);
    rc = avila_lsm_wal_append(vs->manifest, vs->scratch.data, vs->scratch.len);
    if (rc == 0)
        rc = avila_lsm_wal_sync(vs->manifest);
    if (rc == 0)
        rc = set_current(vs, number);
    if (rc != 0) {
        drop_manifest(vs);
        return rc;
    }
    vs->durable_manifest = number;
    return 0;
}

int avila_lsm_vset_log_and_apply(struct avila_lsm_vset *vs, struct avila_lsm_edit *edit)
{
    if ((edit->has_log_number &&
         (edit->log_number < vs->log_number || edit->log_number >= vs->next_file)) ||
        (edit->has_last_seq && edit->last_seq < vs->last_seq) ||
        (edit->has_next_file && edit->next_file > vs->next_file))
        return AVILA_EINVAL;
    for (size_t i = 0; i < edit->n_files; i++)
        if (edit->files[i].number >= vs->next_file)
            return AVILA_EINVAL;
    if (!edit->has_log_number)
        avila_lsm_edit_set_log_number(edit, vs->log_number);
    if (!edit->has_last_seq)
        avila_lsm_edit_set_last_seq(edit, vs->last_seq);
    struct avila_lsm_version *v;
    int rc = version_build(vs, vs->current, edit, AVILA_EINVAL, &v);
    if (rc != 0)
        return rc;
    uint64_t max_number, max_seq;
    rc = version_check(vs, v, AVILA_EINVAL, &max_number, &max_seq);
    if (rc == 0 && max_seq > edit->last_seq)
        rc = AVILA_EINVAL;
    if (rc != 0)
        goto fail;
    /* The scalars go first so that a new MANIFEST's snapshot holds them. */
    uint64_t old_log = vs->log_number, old_seq = vs->last_seq;
    struct avila_buf saved[AVILA_LSM_LEVELS];
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        saved[l] = vs->pointer[l];
        avila_buf_init(&vs->pointer[l], vs->a, AVILA_LSM_EDIT_MAX_IKEY);
        if (saved[l].len > 0 && rc == 0)
            rc = avila_buf_append(&vs->pointer[l], saved[l].data, saved[l].len);
    }
    if (rc == 0)
        rc = apply_scalars(vs, edit);
    if (rc == 0 && vs->manifest &&
        avila_lsm_wal_writer_offset(vs->manifest) >= vs->opt.max_manifest_bytes)
        drop_manifest(vs);
    if (rc == 0 && !vs->manifest) {
        rc = new_manifest(vs, v);
    } else if (rc == 0) {
        avila_lsm_edit_set_next_file(edit, vs->next_file);
        avila_buf_clear(&vs->scratch);
        rc = avila_lsm_edit_encode(edit, &vs->scratch);
        if (rc == 0 && vs->scratch.len > AVILA_LSM_WAL_MAX_RECORD)
            rc = AVILA_ELIMIT;
        if (rc == 0) {
            rc = avila_lsm_wal_append(vs->manifest, vs->scratch.data, vs->scratch.len);
            if (rc == 0)
                rc = avila_lsm_wal_sync(vs->manifest);
            if (rc != 0)
                drop_manifest(vs);
        }
    }
    if (rc != 0) {
        vs->log_number = old_log;
        vs->last_seq = old_seq;
        for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
            avila_buf_release(&vs->pointer[l]);
            vs->pointer[l] = saved[l];
        }
        goto fail;
    }
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        avila_buf_release(&saved[l]);
    version_install(vs, v);
    return 0;
fail:
    version_free(v);
    return rc;
}

void avila_lsm_vset_level_stats(const struct avila_lsm_vset *vs,
                                struct avila_lsm_level_stats stats[AVILA_LSM_LEVELS])
{
    const struct avila_lsm_version *v = vs->current;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        stats[l].files = v->nfiles[l];
        stats[l].bytes = v->level_bytes[l];
        stats[l].score = avila_lsm_ver_level_score(vs, v, l);
    }
}

/* ---------------------------------------------------------------- open and recovery */

/* Reads CURRENT: *number gets the MANIFEST it names. */
static int read_current(struct avila_lsm_vset *vs, uint64_t *number)
{
    char path[AVILA_LSM_PATH_MAX];
    int rc = avila_lsm_file_path(path, sizeof(path), vs->dir, AVILA_LSM_FILE_CURRENT, 0);
    if (rc < 0)
        return rc;
    struct avila_lsm_file *f;
    rc = avila_lsm_vfs_open_read(vs->vfs, path, &f);
    if (rc != 0)
        return rc;
    uint8_t buf[AVILA_LSM_CURRENT_MAX + 1];
    size_t got = 0;
    rc = avila_lsm_vfs_read(vs->vfs, f, 0, buf, sizeof(buf), &got);
    avila_lsm_vfs_close(vs->vfs, f);
    if (rc != 0)
        return rc;
    if (got == 0 || got > AVILA_LSM_CURRENT_MAX || buf[got - 1] != '\n')
        return AVILA_EFORMAT;
    enum avila_lsm_file_kind kind;
    if (avila_lsm_file_parse(avila_slice_make(buf, got - 1), &kind, number) != 0 ||
        kind != AVILA_LSM_FILE_MANIFEST)
        return AVILA_EFORMAT;
    return 0;
}

/*
 * Recovery's builder. Replaying edit after edit into whole versions costs
 * O(files) per edit; instead every add and delete is kept as an event, and
 * the events are sorted by (number, level, order) once at the end: a
 * file is in the result if its last event is an add. File numbers are
 * never reused, so a (number, level) pair sees at most add, delete, in
 * turn; anything else is damage.
 */
struct replay_event {
    uint64_t number;
    uint64_t order; /* 2 * edit index, + 1 for an add */
    int level;
    struct avila_lsm_file_meta *meta; /* an add's file (owned until placed), NULL for a delete */
};

struct replay_state {
    const struct avila_allocator *a;
    struct replay_event *ev;
    size_t n, cap;
};

static int replay_push(struct replay_state *st, uint64_t number, int level, uint64_t order,
                       struct avila_lsm_file_meta *meta)
{
    if (st->n == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 64, bytes;
        if (avila_size_mul(nc, sizeof(struct replay_event), &bytes) != 0)
            return AVILA_ENOMEM;
        void *p = avila_realloc(st->a, st->ev, st->cap * sizeof(struct replay_event), bytes,
                                _Alignof(struct replay_event));
        if (!p)
            return AVILA_ENOMEM;
        st->ev = p;
        st->cap = nc;
    }
    st->ev[st->n++] = (struct replay_event){number, order, level, meta};
    return 0;
}

static void replay_release(struct replay_state *st)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->ev[i].meta)
            meta_unref(st->a, st->ev[i].meta);
    if (st->ev)
        AVILA_DELETE_ARRAY(st->a, st->ev, struct replay_event, st->cap);
    st->ev = NULL;
    st->n = st->cap = 0;
}

static bool event_before(const struct replay_event *x, const struct replay_event *y)
{
    if (x->number != y->number)
        return x->number < y->number;
    if (x->level != y->level)
        return x->level < y->level;
    return x->order < y->order;
}

/* Bottom-up merge sort of the events (tmp: n slots). */
static void sort_events(struct replay_event *ev, struct replay_event *tmp, size_t n)
{
    struct replay_event *src = ev, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = event_before(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        struct replay_event *t = src;
        src = dst;
        dst = t;
    }
    if (src != ev)
        memcpy(ev, src, n * sizeof(struct replay_event));
}

/* Resolves the events into a version and installs it as current. */
static int replay_finish(struct avila_lsm_vset *vs, struct replay_state *st)
{
    if (st->n > 1) {
        struct replay_event *tmp = AVILA_NEW_ARRAY(vs->a, struct replay_event, st->n);
        if (!tmp)
            return AVILA_ENOMEM;
        sort_events(st->ev, tmp, st->n);
        AVILA_DELETE_ARRAY(vs->a, tmp, struct replay_event, st->n);
    }
    /* Keep in place the adds that stay; count them per level. */
    size_t count[AVILA_LSM_LEVELS] = {0}, kept = 0;
    for (size_t i = 0; i < st->n;) {
        size_t j = i;
        struct replay_event *live = NULL;
        for (; j < st->n && st->ev[j].number == st->ev[i].number &&
               st->ev[j].level == st->ev[i].level;
             j++) {
            struct replay_event *e = &st->ev[j];
            if ((e->meta != NULL) == (live != NULL))
                return AVILA_EFORMAT; /* added twice, or deleted while absent */
            if (e->meta) {
                live = e;
            } else {
                meta_unref(vs->a, live->meta);
                live->meta = NULL;
                live = NULL;
            }
        }
        if (live) {
            /* Slots below i hold no file any more: moving down overwrites nothing owned. */
            st->ev[kept] = *live;
            if (&st->ev[kept] != live)
                live->meta = NULL;
            count[st->ev[kept].level]++;
            kept++;
        }
        i = j;
    }
    /* Slots from kept on hold no file now (each was moved down or freed). */
    st->n = kept;
    struct avila_lsm_version *v = version_new(vs);
    if (!v)
        return AVILA_ENOMEM;
    int rc = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS && rc == 0; l++) {
        if (count[l] == 0)
            continue;
        v->files[l] = AVILA_NEW_ARRAY(vs->a, struct avila_lsm_file_meta *, count[l]);
        if (!v->files[l])
            rc = AVILA_ENOMEM;
        else
            v->cap[l] = count[l];
    }
    struct avila_lsm_file_meta **tmp = NULL;
    size_t most = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        most = count[l] > most ? count[l] : most;
    if (rc == 0 && most > 0) {
        tmp = AVILA_NEW_ARRAY(vs->a, struct avila_lsm_file_meta *, most);
        if (!tmp)
            rc = AVILA_ENOMEM;
    }
    if (rc != 0) {
        if (tmp)
            AVILA_DELETE_ARRAY(vs->a, tmp, struct avila_lsm_file_meta *, most);
        version_free(v);
        return rc;
    }
    /* The version takes over every kept file. */
    for (size_t i = 0; i < st->n; i++) {
        int l = st->ev[i].level;
        v->files[l][v->nfiles[l]++] = st->ev[i].meta;
        v->level_bytes[l] += st->ev[i].meta->size;
        st->ev[i].meta = NULL;
    }
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        sort_files(v->files[l], tmp, v->nfiles[l], l == 0 ? before_l0 : before_ln);
    if (tmp)
        AVILA_DELETE_ARRAY(vs->a, tmp, struct avila_lsm_file_meta *, most);
    version_install(vs, v);
    return 0;
}

/* Replays MANIFEST-number into the set. */
static int replay(struct avila_lsm_vset *vs, uint64_t number)
{
    char path[AVILA_LSM_PATH_MAX];
    int rc = avila_lsm_file_path(path, sizeof(path), vs->dir, AVILA_LSM_FILE_MANIFEST, number);
    if (rc < 0)
        return rc;
    struct avila_lsm_file *f;
    rc = avila_lsm_vfs_open_read(vs->vfs, path, &f);
    if (rc != 0)
        return rc;
    struct avila_lsm_wal_reader r;
    rc = avila_lsm_wal_reader_init(&r, vs->vfs, f, vs->a);
    if (rc != 0) {
        avila_lsm_vfs_close(vs->vfs, f);
        return rc;
    }
    struct avila_lsm_edit e;
    avila_lsm_edit_init(&e, vs->a);
    struct replay_state st = {.a = vs->a};
    bool has_log = false, has_next = false, has_seq = false;
    uint64_t next_file = 0, order = 0;
    struct avila_slice rec;
    while ((rc = avila_lsm_wal_reader_next(&r, &rec)) == 1) {
        rc = avila_lsm_edit_decode(rec.ptr, rec.len, &e);
        /* Within an edit the deletes come before the adds. */
        for (size_t i = 0; i < e.n_deletes && rc == 0; i++)
            rc = replay_push(&st, e.deletes[i].number, e.deletes[i].level, order, NULL);
        for (size_t i = 0; i < e.n_files && rc == 0; i++) {
            struct avila_lsm_file_meta *m = meta_new(vs->a, &e.files[i]);
            rc = m ? replay_push(&st, m->number, e.files[i].level, order + 1, m) : AVILA_ENOMEM;
            if (rc != 0 && m)
                meta_unref(vs->a, m);
        }
        order += 2;
        if (rc != 0)
            break;
        /* In a MANIFEST the numbers may only grow (a snapshot sets them). */
        if (e.has_log_number) {
            if (has_log && e.log_number < vs->log_number) {
                rc = AVILA_EFORMAT;
                break;
            }
            vs->log_number = e.log_number;
            has_log = true;
        }
        if (e.has_next_file) {
            next_file = e.next_file > next_file ? e.next_file : next_file;
            has_next = true;
        }
        if (e.has_last_seq) {
            if (e.last_seq > vs->last_seq)
                vs->last_seq = e.last_seq;
            has_seq = true;
        }
        e.has_log_number = e.has_next_file = e.has_last_seq = false;
        rc = apply_scalars(vs, &e);
        if (rc != 0)
            break;
    }
    avila_lsm_edit_release(&e);
    avila_lsm_wal_reader_release(&r);
    avila_lsm_vfs_close(vs->vfs, f);
    if (rc == 0)
        rc = replay_finish(vs, &st);
    replay_release(&st);
    if (rc != 0)
        return rc;
    if (!has_log || !has_next || !has_seq)
        return AVILA_EFORMAT;
    uint64_t max_number, max_seq;
    rc = version_check(vs, vs->current, AVILA_EFORMAT, &max_number, &max_seq);
    if (rc != 0)
        return rc;
    if (next_file <= max_number || next_file <= number || vs->log_number >= next_file ||
        max_seq > vs->last_seq)
        return AVILA_EFORMAT;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        for (size_t i = 0; i < vs->current->nfiles[l]; i++)
            if (vs->current->files[l][i]->number == number)
                return AVILA_EFORMAT; /* a file that has the MANIFEST's own number */
    vs->next_file = next_file;
    vs->manifest_number = number;
    vs->durable_manifest = number;
    return 0;
}

int avila_lsm_vset_open(struct avila_lsm_vset *vs, const struct avila_lsm_vfs *vfs,
                        const struct avila_allocator *a, const char *dir,
                        const struct avila_lsm_vset_options *opt, bool create)
{
    memset(vs, 0, sizeof(*vs));
    size_t dl = cstr_len(dir);
    if (dl == 0 || dl > AVILA_LSM_MAX_DIR_LEN)
        return AVILA_EINVAL;
    if (opt)
        vs->opt = *opt;
    if (vs->opt.l0_compaction_trigger == 0)
        vs->opt.l0_compaction_trigger = AVILA_LSM_DEFAULT_L0_TRIGGER;
    if (vs->opt.max_bytes_for_level_base == 0)
        vs->opt.max_bytes_for_level_base = AVILA_LSM_DEFAULT_LEVEL_BASE;
    if (vs->opt.level_multiplier == 0)
        vs->opt.level_multiplier = AVILA_LSM_DEFAULT_LEVEL_MULTIPLIER;
    if (vs->opt.level_multiplier < 2)
        return AVILA_EINVAL;
    if (vs->opt.target_file_size == 0)
        vs->opt.target_file_size = AVILA_LSM_DEFAULT_TARGET_FILE_SIZE;
    if (vs->opt.max_manifest_bytes == 0)
        vs->opt.max_manifest_bytes = AVILA_LSM_DEFAULT_MAX_MANIFEST;
    memcpy(vs->dir, dir, dl + 1);
    vs->vfs = vfs;
    vs->a = a;
    vs->live.next = vs->live.prev = &vs->live;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        avila_buf_init(&vs->pointer[l], a, AVILA_LSM_EDIT_MAX_IKEY);
    avila_buf_init(&vs->scratch, a, AVILA_LSM_WAL_MAX_RECORD + 1);
    struct avila_lsm_version *empty = version_new(vs);
    if (!empty)
        return AVILA_ENOMEM;
    version_install(vs, empty);

    uint64_t number = 0;
    int rc = read_current(vs, &number);
    if (rc == AVILA_ENOTFOUND && create) {
        /* A fresh directory: MANIFEST-000001 with the empty state. */
        vs->next_file = 1;
        rc = new_manifest(vs, vs->current);
    } else if (rc == 0) {
        rc = replay(vs, number);
    }
    if (rc != 0)
        vset_free(vs);
    return rc;
}
