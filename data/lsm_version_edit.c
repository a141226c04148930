/*
 * data/lsm_version_edit.c - file names of a DB directory and version edits
 * with their encoding (data/lsm_version.h). Pure.
 */
#include "data/lsm_version_int.h"

enum {
    TAG_LOG_NUMBER = 1,
    TAG_NEXT_FILE = 2,
    TAG_LAST_SEQ = 3,
    TAG_COMPACT_POINTER = 4,
    TAG_DELETED_FILE = 5,
    TAG_NEW_FILE = 6,
};

/* Edits hold up to a whole MANIFEST record and growth slack. */
#define EDIT_ARENA_MAX ((size_t)512 << 20)

/* ---------------------------------------------------------------- file names */

static size_t cstr_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

int avila_lsm_file_path(char *out, size_t cap, const char *dir, enum avila_lsm_file_kind kind,
                        uint64_t number)
{
    size_t dl = cstr_len(dir);
    if (dl == 0 || dl > AVILA_LSM_MAX_DIR_LEN)
        return AVILA_EINVAL;
    char name[48];
    size_t n = 0;
    const char *prefix = "", *suffix = "";
    bool numbered = true;
    switch (kind) {
    case AVILA_LSM_FILE_TABLE:
        suffix = ".sst";
        break;
    case AVILA_LSM_FILE_WAL:
        suffix = ".wal";
        break;
    case AVILA_LSM_FILE_MANIFEST:
        prefix = "MANIFEST-";
        break;
    case AVILA_LSM_FILE_CURRENT:
        prefix = "CURRENT";
        numbered = false;
        break;
    case AVILA_LSM_FILE_LOCK:
        prefix = "LOCK";
        numbered = false;
        break;
    case AVILA_LSM_FILE_TEMP:
        prefix = "CURRENT.tmp";
        numbered = false;
        break;
    default:
        return AVILA_EINVAL;
    }
    for (const char *p = prefix; *p; p++)
        name[n++] = *p;
    if (numbered) {
        char digits[20];
        size_t nd = 0;
        uint64_t v = number;
        do {
            digits[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        for (size_t i = nd; i < 6; i++)
            name[n++] = '0';
        while (nd > 0)
            name[n++] = digits[--nd];
    }
    for (const char *p = suffix; *p; p++)
        name[n++] = *p;
    size_t total = dl + 1 + n;
    if (total + 1 > cap)
        return AVILA_ENOSPC;
    memcpy(out, dir, dl);
    out[dl] = '/';
    memcpy(out + dl + 1, name, n);
    out[total] = '\0';
    return (int)total;
}

/* Parses s as a decimal number of at least 6 digits (no overflow). */
static int parse_number(const uint8_t *p, size_t n, uint64_t *out)
{
    if (n < 6 || n > 20)
        return AVILA_ENOTFOUND;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return AVILA_ENOTFOUND;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return AVILA_ENOTFOUND;
        v = v * 10 + d;
    }
    /* Only the canonical spelling: 6 digits zero-padded, or no leading zero beyond. */
    if (n > 6 && p[0] == '0')
        return AVILA_ENOTFOUND;
    *out = v;
    return 0;
}

static bool name_is(struct avila_slice s, const char *lit)
{
    return avila_slice_equal(s, avila_slice_from_cstr(lit));
}

int avila_lsm_file_parse(struct avila_slice name, enum avila_lsm_file_kind *kind, uint64_t *number)
{
    const uint8_t *p = name.ptr;
    size_t n = name.len;
    if (name_is(name, "CURRENT") || name_is(name, "LOCK") || name_is(name, "CURRENT.tmp")) {
        *kind = name_is(name, "CURRENT") ? AVILA_LSM_FILE_CURRENT
                : name_is(name, "LOCK")  ? AVILA_LSM_FILE_LOCK
                                         : AVILA_LSM_FILE_TEMP;
        *number = 0;
        return 0;
    }
    if (n > 9 && memcmp(p, "MANIFEST-", 9) == 0) {
        if (parse_number(p + 9, n - 9, number) != 0)
            return AVILA_ENOTFOUND;
        *kind = AVILA_LSM_FILE_MANIFEST;
        return 0;
    }
    if (n > 4 && (memcmp(p + n - 4, ".sst", 4) == 0 || memcmp(p + n - 4, ".wal", 4) == 0)) {
        if (parse_number(p, n - 4, number) != 0)
            return AVILA_ENOTFOUND;
        *kind = p[n - 3] == 's' ? AVILA_LSM_FILE_TABLE : AVILA_LSM_FILE_WAL;
        return 0;
    }
    return AVILA_ENOTFOUND;
}

/* ---------------------------------------------------------------- edits */

void avila_lsm_edit_init(struct avila_lsm_edit *e, const struct avila_allocator *a)
{
    memset(e, 0, sizeof(*e));
    struct avila_arena_config cfg = {
        .chunk_bytes = 1024, .max_chunk_bytes = (size_t)1 << 20, .max_bytes = EDIT_ARENA_MAX};
    int rc = avila_arena_init(&e->arena, a, &cfg);
    LSM_VER_CHECK(rc == 0);
}

static void edit_reset_fields(struct avila_lsm_edit *e)
{
    e->has_log_number = e->has_next_file = e->has_last_seq = false;
    e->log_number = e->next_file = e->last_seq = 0;
    e->pointers = NULL;
    e->deletes = NULL;
    e->files = NULL;
    e->n_pointers = e->n_deletes = e->n_files = 0;
    e->cap_pointers = e->cap_deletes = e->cap_files = 0;
}

void avila_lsm_edit_clear(struct avila_lsm_edit *e)
{
    avila_arena_release(&e->arena);
    edit_reset_fields(e);
}

void avila_lsm_edit_release(struct avila_lsm_edit *e)
{
    avila_lsm_edit_clear(e);
}

void avila_lsm_edit_set_log_number(struct avila_lsm_edit *e, uint64_t number)
{
    e->has_log_number = true;
    e->log_number = number;
}

void avila_lsm_edit_set_next_file(struct avila_lsm_edit *e, uint64_t number)
{
    e->has_next_file = true;
    e->next_file = number;
}

void avila_lsm_edit_set_last_seq(struct avila_lsm_edit *e, uint64_t seq)
{
    e->has_last_seq = true;
    e->last_seq = seq;
}

/* Makes room for one more item of size in the array at *arr (arena memory: old copies stay). */
static int grow(struct avila_lsm_edit *e, void **arr, size_t n, size_t *cap, size_t size,
                size_t align)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 8, bytes;
    if (avila_size_mul(nc, size, &bytes) != 0)
        return AVILA_ENOMEM;
    void *p = avila_arena_alloc(&e->arena, bytes, align);
    if (!p)
        return AVILA_ENOMEM;
    if (n > 0)
        memcpy(p, *arr, n * size);
    *arr = p;
    *cap = nc;
    return 0;
}

static int copy_key(struct avila_lsm_edit *e, struct avila_slice in, struct avila_slice *out)
{
    uint8_t *p = avila_arena_alloc(&e->arena, in.len, 1);
    if (!p)
        return AVILA_ENOMEM;
    memcpy(p, in.ptr, in.len);
    *out = avila_slice_make(p, in.len);
    return 0;
}

static bool ikey_ok(struct avila_slice k)
{
    struct avila_lsm_ikey ik;
    return k.len >= AVILA_LSM_TRAILER_LEN && k.len <= AVILA_LSM_EDIT_MAX_IKEY &&
           avila_lsm_ikey_parse(k.ptr, k.len, &ik) == 0;
}

static bool level_ok(int level)
{
    return level >= 0 && level < AVILA_LSM_LEVELS;
}

int avila_lsm_edit_set_pointer(struct avila_lsm_edit *e, int level, struct avila_slice ikey)
{
    if (!level_ok(level) || !ikey_ok(ikey))
        return AVILA_EINVAL;
    int rc = grow(e, (void **)&e->pointers, e->n_pointers, &e->cap_pointers, sizeof(*e->pointers),
                  _Alignof(struct avila_lsm_edit_pointer));
    struct avila_lsm_edit_pointer *ptr = NULL;
    if (rc == 0) {
        ptr = &e->pointers[e->n_pointers];
        ptr->level = level;
        rc = copy_key(e, ikey, &ptr->key);
    }
    if (rc == 0)
        e->n_pointers++;
    return rc;
}

int avila_lsm_edit_delete_file(struct avila_lsm_edit *e, int level, uint64_t number)
{
    if (!level_ok(level) || number == 0)
        return AVILA_EINVAL;
    int rc = grow(e, (void **)&e->deletes, e->n_deletes, &e->cap_deletes, sizeof(*e->deletes),
                  _Alignof(struct avila_lsm_edit_delete));
    if (rc != 0)
        return rc;
    e->deletes[e->n_deletes].level = level;
    e->deletes[e->n_deletes].number = number;
    e->n_deletes++;
    return 0;
}

static bool file_ok(const struct avila_lsm_edit_file *f)
{
    return level_ok(f->level) && f->number != 0 && ikey_ok(f->smallest) && ikey_ok(f->largest) &&
           avila_lsm_ikey_cmp(f->smallest, f->largest) <= 0 && f->smallest_seq <= f->largest_seq &&
           f->largest_seq <= AVILA_LSM_MAX_SEQ;
}

int avila_lsm_edit_add_file(struct avila_lsm_edit *e, const struct avila_lsm_edit_file *f)
{
    if (!file_ok(f))
        return AVILA_EINVAL;
    int rc = grow(e, (void **)&e->files, e->n_files, &e->cap_files, sizeof(*e->files),
                  _Alignof(struct avila_lsm_edit_file));
    if (rc != 0)
        return rc;
    struct avila_lsm_edit_file *d = &e->files[e->n_files];
    *d = *f;
    rc = copy_key(e, f->smallest, &d->smallest);
    if (rc == 0)
        rc = copy_key(e, f->largest, &d->largest);
    if (rc == 0)
        e->n_files++;
    return rc;
}

/* ---------------------------------------------------------------- encoding */

static int put_varint(struct avila_buf *out, uint64_t v)
{
    uint8_t t[AVILA_LSM_VARINT64_MAX];
    return avila_buf_append(out, t, avila_lsm_varint_put(t, v));
}

static int put_bytes(struct avila_buf *out, struct avila_slice s)
{
    int rc = put_varint(out, s.len);
    return rc == 0 ? avila_buf_append(out, s.ptr, s.len) : rc;
}

int avila_lsm_edit_encode(const struct avila_lsm_edit *e, struct avila_buf *out)
{
    int rc = 0;
    if (e->has_log_number && rc == 0) {
        rc = put_varint(out, TAG_LOG_NUMBER);
        if (rc == 0)
            rc = put_varint(out, e->log_number);
    }
    if (e->has_next_file && rc == 0) {
        rc = put_varint(out, TAG_NEXT_FILE);
        if (rc == 0)
            rc = put_varint(out, e->next_file);
    }
    if (e->has_last_seq && rc == 0) {
        rc = put_varint(out, TAG_LAST_SEQ);
        if (rc == 0)
            rc = put_varint(out, e->last_seq);
    }
    for (size_t i = 0; i < e->n_pointers && rc == 0; i++) {
        rc = put_varint(out, TAG_COMPACT_POINTER);
        if (rc == 0)
            rc = put_varint(out, (uint64_t)e->pointers[i].level);
        if (rc == 0)
            rc = put_bytes(out, e->pointers[i].key);
    }
    for (size_t i = 0; i < e->n_deletes && rc == 0; i++) {
        rc = put_varint(out, TAG_DELETED_FILE);
        if (rc == 0)
            rc = put_varint(out, (uint64_t)e->deletes[i].level);
        if (rc == 0)
            rc = put_varint(out, e->deletes[i].number);
    }
    for (size_t i = 0; i < e->n_files && rc == 0; i++) {
        const struct avila_lsm_edit_file *f = &e->files[i];
        rc = put_varint(out, TAG_NEW_FILE);
        if (rc == 0)
            rc = put_varint(out, (uint64_t)f->level);
        if (rc == 0)
            rc = put_varint(out, f->number);
        if (rc == 0)
            rc = put_varint(out, f->size);
        if (rc == 0)
            rc = put_bytes(out, f->smallest);
        if (rc == 0)
            rc = put_bytes(out, f->largest);
        if (rc == 0)
            rc = put_varint(out, f->smallest_seq);
        if (rc == 0)
            rc = put_varint(out, f->largest_seq);
    }
    return rc;
}

static int get_varint(struct avila_cursor *c, uint64_t *v)
{
    size_t n = avila_lsm_varint_get(c->p + c->pos, avila_cursor_remaining(c), v);
    if (n == 0)
        return AVILA_EFORMAT;
    c->pos += n;
    return 0;
}

static int get_level(struct avila_cursor *c, int *level)
{
    uint64_t v;
    if (get_varint(c, &v) != 0 || v >= AVILA_LSM_LEVELS)
        return AVILA_EFORMAT;
    *level = (int)v;
    return 0;
}

static int get_ikey(struct avila_cursor *c, struct avila_slice *k)
{
    uint64_t n;
    const uint8_t *p;
    if (get_varint(c, &n) != 0 || n > AVILA_LSM_EDIT_MAX_IKEY || n > avila_cursor_remaining(c))
        return AVILA_EFORMAT;
    if (avila_cursor_bytes(c, (size_t)n, &p) != 0)
        return AVILA_EFORMAT;
    *k = avila_slice_make(p, (size_t)n);
    return ikey_ok(*k) ? 0 : AVILA_EFORMAT;
}

/* Maps the adders' AVILA_EINVAL (a rule broken) to corruption. */
static int as_format(int rc)
{
    return rc == AVILA_EINVAL ? AVILA_EFORMAT : rc;
}

int avila_lsm_edit_decode(const uint8_t *p, size_t len, struct avila_lsm_edit *e)
{
    avila_lsm_edit_clear(e);
    struct avila_cursor c;
    avila_cursor_init(&c, p, len);
    while (avila_cursor_remaining(&c) > 0) {
        uint64_t tag, v;
        int rc = get_varint(&c, &tag);
        if (rc != 0)
            return rc;
        switch (tag) {
        case TAG_LOG_NUMBER:
        case TAG_NEXT_FILE:
        case TAG_LAST_SEQ: {
            bool *has = tag == TAG_LOG_NUMBER  ? &e->has_log_number
                        : tag == TAG_NEXT_FILE ? &e->has_next_file
                                               : &e->has_last_seq;
            if (*has || get_varint(&c, &v) != 0)
                return AVILA_EFORMAT;
            if (tag == TAG_LAST_SEQ && v > AVILA_LSM_MAX_SEQ)
                return AVILA_EFORMAT;
            *has = true;
            *(tag == TAG_LOG_NUMBER  ? &e->log_number
              : tag == TAG_NEXT_FILE ? &e->next_file
                                     : &e->last_seq) = v;
            break;
        }
        case TAG_COMPACT_POINTER: {
            int level;
            struct avila_slice k;
            if (get_level(&c, &level) != 0 || get_ikey(&c, &k) != 0)
                return AVILA_EFORMAT;
            rc = as_format(avila_lsm_edit_set_pointer(e, level, k));
            if (rc != 0)
                return rc;
            break;
        }
        case TAG_DELETED_FILE: {
            int level;
            if (get_level(&c, &level) != 0 || get_varint(&c, &v) != 0)
                return AVILA_EFORMAT;
            rc = as_format(avila_lsm_edit_delete_file(e, level, v));
            if (rc != 0)
                return rc;
            break;
        }
        case TAG_NEW_FILE: {
            struct avila_lsm_edit_file f;
            if (get_level(&c, &f.level) != 0 || get_varint(&c, &f.number) != 0 ||
                get_varint(&c, &f.size) != 0 || get_ikey(&c, &f.smallest) != 0 ||
                get_ikey(&c, &f.largest) != 0 || get_varint(&c, &f.smallest_seq) != 0 ||
                get_varint(&c, &f.largest_seq) != 0)
                return AVILA_EFORMAT;
            rc = as_format(avila_lsm_edit_add_file(e, &f));
            if (rc != 0)
                return rc;
            break;
        }
        default:
            return AVILA_EFORMAT;
        }
    }
    return 0;
}
