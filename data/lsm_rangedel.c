/*
 * data/lsm_rangedel.c - range tombstones, fragmented (see lsm_rangedel.h).
 *
 * finish sorts the 2n endpoints of the n tombstones into unique boundaries
 * b[0] < b[1] < ...; a tombstone [begin, end) covers exactly the elementary
 * pieces [b[i], b[i+1]) for begin's index <= i < end's index, so counting
 * and then filling per piece gives every piece its seqs. Sorting is an
 * in-place heapsort (no libc qsort in pure code; O(n log n), no recursion).
 */
#include "data/lsm_rangedel.h"

#include "core/size.h"
#include "data/lsm_format.h"

struct avila_lsm_rangedel_tomb {
    size_t begin_off, begin_len, end_off, end_len;
    uint64_t seq;
};

struct avila_lsm_rangedel_piece {
    size_t start_off, start_len, end_off, end_len;
    size_t seq_off, nseqs;
};

/* A key in the bytes buffer. */
struct ref {
    size_t off, len;
};

void avila_lsm_rangedel_init(struct avila_lsm_rangedel *rd, const struct avila_allocator *a,
                             size_t max_bytes)
{
    *rd = (struct avila_lsm_rangedel){0};
    rd->a = a;
    rd->max_bytes = max_bytes == 0 ? SIZE_MAX : max_bytes;
    avila_buf_init(&rd->bytes, a, rd->max_bytes);
}

/* Allocates count * size bytes within max_bytes; NULL with *err set on failure. */
static void *take(struct avila_lsm_rangedel *rd, size_t count, size_t size, size_t align, int *err)
{
    size_t total;
    if (avila_size_mul(count, size, &total) != 0 ||
        rd->held_bytes + rd->bytes.cap > rd->max_bytes ||
        total > rd->max_bytes - rd->held_bytes - rd->bytes.cap) {
        *err = AVILA_ELIMIT;
        return NULL;
    }
    void *p = avila_alloc(rd->a, total, align);
    if (p == NULL) {
        *err = AVILA_ENOMEM;
        return NULL;
    }
    rd->held_bytes += total;
    return p;
}

static void give(struct avila_lsm_rangedel *rd, void *p, size_t count, size_t size, size_t align)
{
    if (p == NULL)
        return;
    avila_free(rd->a, p, count * size, align);
    rd->held_bytes -= count * size;
}

#define TAKE(rd, type, n, err) ((type *)take((rd), (n), sizeof(type), _Alignof(type), (err)))
#define GIVE(rd, p, type, n)   give((rd), (p), (n), sizeof(type), _Alignof(type))

static void drop_pieces(struct avila_lsm_rangedel *rd)
{
    GIVE(rd, rd->pieces, struct avila_lsm_rangedel_piece, rd->npieces);
    GIVE(rd, rd->seqs, uint64_t, rd->nseqs);
    rd->pieces = NULL;
    rd->seqs = NULL;
    rd->npieces = rd->nseqs = 0;
}

void avila_lsm_rangedel_release(struct avila_lsm_rangedel *rd)
{
    drop_pieces(rd);
    GIVE(rd, rd->tombs, struct avila_lsm_rangedel_tomb, rd->tomb_cap);
    avila_buf_release(&rd->bytes);
    const struct avila_allocator *a = rd->a;
    size_t max = rd->max_bytes;
    avila_lsm_rangedel_init(rd, a, max);
}

static struct avila_slice at(const struct avila_lsm_rangedel *rd, size_t off, size_t len)
{
    return avila_slice_make(rd->bytes.data + off, len);
}

int avila_lsm_rangedel_add(struct avila_lsm_rangedel *rd, struct avila_slice begin,
                           struct avila_slice end, uint64_t seq)
{
    if (rd->finished || begin.len > AVILA_LSM_MAX_KEY_LEN || end.len > AVILA_LSM_MAX_KEY_LEN ||
        seq > AVILA_LSM_MAX_SEQ)
        return AVILA_EINVAL;
    if (avila_lsm_user_cmp(begin, end) >= 0)
        return 0;
    int err = 0;
    if (rd->ntombs == rd->tomb_cap) {
        size_t cap = rd->tomb_cap == 0 ? 16 : rd->tomb_cap * 2;
        struct avila_lsm_rangedel_tomb *t = TAKE(rd, struct avila_lsm_rangedel_tomb, cap, &err);
        if (t == NULL)
            return err;
        if (rd->ntombs > 0)
            memcpy(t, rd->tombs, rd->ntombs * sizeof(*t));
        GIVE(rd, rd->tombs, struct avila_lsm_rangedel_tomb, rd->tomb_cap);
        rd->tombs = t;
        rd->tomb_cap = cap;
    }
    size_t need = begin.len + end.len;
    if (need > rd->max_bytes - rd->held_bytes)
        return AVILA_ELIMIT;
    int rc = avila_buf_reserve(&rd->bytes, need);
    if (rc != 0)
        return rc;
    struct avila_lsm_rangedel_tomb *t = &rd->tombs[rd->ntombs];
    t->begin_off = rd->bytes.len;
    t->begin_len = begin.len;
    (void)avila_buf_append(&rd->bytes, begin.ptr, begin.len);
    t->end_off = rd->bytes.len;
    t->end_len = end.len;
    (void)avila_buf_append(&rd->bytes, end.ptr, end.len);
    t->seq = seq;
    rd->ntombs++;
    return 0;
}

int avila_lsm_rangedel_add_entry(struct avila_lsm_rangedel *rd, struct avila_slice ikey,
                                 struct avila_slice value)
{
    struct avila_lsm_ikey ik;
    if (avila_lsm_ikey_parse(ikey.ptr, ikey.len, &ik) != 0)
        return AVILA_EFORMAT;
    if (ik.kind != AVILA_LSM_RANGE_DELETE)
        return AVILA_EINVAL;
    return avila_lsm_rangedel_add(rd, ik.user_key, value, ik.seq);
}

int avila_lsm_rangedel_add_iter(struct avila_lsm_rangedel *rd, const struct avila_lsm_iter *it,
                                uint64_t max_seq)
{
    int rc = avila_lsm_iter_seek_first(it);
    while (rc == 0 && avila_lsm_iter_valid(it)) {
        struct avila_slice k = avila_lsm_iter_key(it);
        struct avila_lsm_ikey ik;
        if (avila_lsm_ikey_parse(k.ptr, k.len, &ik) != 0)
            return AVILA_EFORMAT;
        if (ik.kind == AVILA_LSM_RANGE_DELETE && ik.seq <= max_seq) {
            rc = avila_lsm_rangedel_add(rd, ik.user_key, avila_lsm_iter_value(it), ik.seq);
            if (rc != 0)
                return rc;
        }
        rc = avila_lsm_iter_next(it);
    }
    if (rc == 0)
        rc = avila_lsm_iter_status(it);
    return rc;
}

/* ---------------------------------------------------------------- finish */

static int ref_cmp(const struct avila_lsm_rangedel *rd, struct ref a, struct ref b)
{
    return avila_lsm_user_cmp(at(rd, a.off, a.len), at(rd, b.off, b.len));
}

static void ref_sift(const struct avila_lsm_rangedel *rd, struct ref *v, size_t i, size_t n)
{
    struct ref x = v[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t big = l;
        if (l + 1 < n && ref_cmp(rd, v[l + 1], v[l]) > 0)
            big = l + 1;
        if (ref_cmp(rd, v[big], x) <= 0)
            break;
        v[i] = v[big];
        i = big;
    }
    v[i] = x;
}

static void ref_sort(const struct avila_lsm_rangedel *rd, struct ref *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        ref_sift(rd, v, i, n);
    for (size_t end = n; end > 1; end--) {
        struct ref t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        ref_sift(rd, v, 0, end - 1);
    }
}

/* Sorts v[0 .. n) descending (a min-heap sort). */
static void seq_sort_desc(uint64_t *v, size_t n)
{
    for (size_t start = n / 2, end = n;;) {
        size_t i;
        if (start > 0) {
            i = --start;
        } else {
            if (end <= 1)
                return;
            end--;
            uint64_t t = v[0];
            v[0] = v[end];
            v[end] = t;
            i = 0;
        }
        uint64_t x = v[i];
        for (;;) {
            size_t l = 2 * i + 1;
            if (l >= end)
                break;
            size_t small = l;
            if (l + 1 < end && v[l + 1] < v[l])
                small = l + 1;
            if (v[small] >= x)
                break;
            v[i] = v[small];
            i = small;
        }
        v[i] = x;
    }
}

/* Index of the boundary equal to key (it is there). */
static size_t boundary_index(const struct avila_lsm_rangedel *rd, const struct ref *b, size_t nb,
                             struct ref key)
{
    size_t lo = 0, hi = nb;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ref_cmp(rd, b[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int avila_lsm_rangedel_finish(struct avila_lsm_rangedel *rd)
{
    if (rd->finished)
        return 0;
    int err = 0;
    size_t n = rd->ntombs, nb = 0, total = 0, npieces = 0;
    struct ref *b = NULL;
    size_t *count = NULL; /* per elementary piece, then its fill position */
    uint64_t *seqs = NULL;
    struct avila_lsm_rangedel_piece *pieces = NULL;
    if (n == 0)
        goto done;
    /* n <= SIZE_MAX / sizeof(tomb): 2n refs cannot overflow. */
    b = TAKE(rd, struct ref, 2 * n, &err);
    if (b == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        b[nb++] = (struct ref){rd->tombs[i].begin_off, rd->tombs[i].begin_len};
        b[nb++] = (struct ref){rd->tombs[i].end_off, rd->tombs[i].end_len};
    }
    ref_sort(rd, b, nb);
    size_t u = 1;
    for (size_t i = 1; i < nb; i++)
        if (ref_cmp(rd, b[i], b[u - 1]) != 0)
            b[u++] = b[i];
    nb = u; /* >= 2: every tombstone has begin < end */
    count = TAKE(rd, size_t, nb, &err);
    if (count == NULL)
        goto fail;
    for (size_t i = 0; i < nb; i++)
        count[i] = 0;
    for (size_t t = 0; t < n; t++) {
        const struct avila_lsm_rangedel_tomb *tb = &rd->tombs[t];
        size_t lo = boundary_index(rd, b, nb, (struct ref){tb->begin_off, tb->begin_len});
        size_t hi = boundary_index(rd, b, nb, (struct ref){tb->end_off, tb->end_len});
        for (size_t i = lo; i < hi; i++) {
            if (count[i]++ == 0)
                npieces++;
            total++;
        }
    }
    seqs = TAKE(rd, uint64_t, total, &err);
    if (seqs == NULL)
        goto fail;
    pieces = TAKE(rd, struct avila_lsm_rangedel_piece, npieces, &err);
    if (pieces == NULL)
        goto fail;
    /* count[i] becomes the fill position of piece i within seqs. */
    size_t pos = 0;
    for (size_t i = 0; i < nb; i++) {
        size_t c = count[i];
        count[i] = pos;
        pos += c;
    }
    for (size_t t = 0; t < n; t++) {
        const struct avila_lsm_rangedel_tomb *tb = &rd->tombs[t];
        size_t lo = boundary_index(rd, b, nb, (struct ref){tb->begin_off, tb->begin_len});
        size_t hi = boundary_index(rd, b, nb, (struct ref){tb->end_off, tb->end_len});
        for (size_t i = lo; i < hi; i++)
            seqs[count[i]++] = tb->seq;
    }
    /* Piece i's seqs are now seqs[start_i .. count[i]) with start_i = count[i-1] (0 for i = 0). */
    size_t out = 0, w = 0, from = 0;
    for (size_t i = 0; i + 1 < nb; i++) {
        size_t to = count[i];
        if (to == from)
            continue;
        seq_sort_desc(seqs + from, to - from);
        struct avila_lsm_rangedel_piece *p = &pieces[out++];
        p->start_off = b[i].off;
        p->start_len = b[i].len;
        p->end_off = b[i + 1].off;
        p->end_len = b[i + 1].len;
        p->seq_off = w;
        for (size_t j = from; j < to; j++)
            if (j == from || seqs[j] != seqs[j - 1])
                seqs[w++] = seqs[j]; /* w <= j: compaction in place, duplicates dropped */
        p->nseqs = w - p->seq_off;
        from = to;
    }
    GIVE(rd, count, size_t, nb);
    GIVE(rd, b, struct ref, 2 * n);
    rd->pieces = pieces;
    rd->npieces = npieces;
    rd->seqs = seqs;
    rd->nseqs = total; /* the allocation's length; the tail past w is unused */
done:
    rd->finished = true;
    return 0;
fail:
    GIVE(rd, pieces, struct avila_lsm_rangedel_piece, npieces);
    GIVE(rd, seqs, uint64_t, total);
    GIVE(rd, count, size_t, nb);
    GIVE(rd, b, struct ref, 2 * n);
    return err;
}

/* ---------------------------------------------------------------- queries */

bool avila_lsm_rangedel_finished(const struct avila_lsm_rangedel *rd)
{
    return rd->finished;
}

size_t avila_lsm_rangedel_count(const struct avila_lsm_rangedel *rd)
{
    return rd->npieces;
}

struct avila_lsm_rangedel_frag avila_lsm_rangedel_fragment(const struct avila_lsm_rangedel *rd,
                                                           size_t i)
{
    const struct avila_lsm_rangedel_piece *p = &rd->pieces[i];
    return (struct avila_lsm_rangedel_frag){
        .start = at(rd, p->start_off, p->start_len),
        .end = at(rd, p->end_off, p->end_len),
        .seqs = rd->seqs + p->seq_off,
        .nseqs = p->nseqs,
    };
}

static struct avila_slice piece_start(const struct avila_lsm_rangedel *rd, size_t i)
{
    return at(rd, rd->pieces[i].start_off, rd->pieces[i].start_len);
}

static struct avila_slice piece_end(const struct avila_lsm_rangedel *rd, size_t i)
{
    return at(rd, rd->pieces[i].end_off, rd->pieces[i].end_len);
}

/* Number of pieces whose start is <= key. */
static size_t starts_at_or_below(const struct avila_lsm_rangedel *rd, struct avila_slice key)
{
    size_t lo = 0, hi = rd->npieces;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (avila_lsm_user_cmp(piece_start(rd, mid), key) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool avila_lsm_rangedel_max_covering(const struct avila_lsm_rangedel *rd,
                                     struct avila_slice user_key, uint64_t snapshot, uint64_t *seq)
{
    size_t i = starts_at_or_below(rd, user_key);
    if (i == 0 || avila_lsm_user_cmp(user_key, piece_end(rd, i - 1)) >= 0)
        return false;
    const struct avila_lsm_rangedel_piece *p = &rd->pieces[i - 1];
    const uint64_t *s = rd->seqs + p->seq_off;
    /* s is descending: find the first element <= snapshot. */
    size_t lo = 0, hi = p->nseqs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] > snapshot)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == p->nseqs)
        return false;
    *seq = s[lo];
    return true;
}

bool avila_lsm_rangedel_next_boundary(const struct avila_lsm_rangedel *rd,
                                      struct avila_slice user_key, struct avila_slice *out)
{
    size_t i = starts_at_or_below(rd, user_key);
    /* Piece i - 1 (if any) starts at or below the key; piece i starts above it. */
    if (i > 0 && avila_lsm_user_cmp(piece_end(rd, i - 1), user_key) > 0) {
        *out = piece_end(rd, i - 1);
        return true;
    }
    if (i < rd->npieces) {
        *out = piece_start(rd, i);
        return true;
    }
    return false;
}

bool avila_lsm_rangedel_prev_boundary(const struct avila_lsm_rangedel *rd,
                                      struct avila_slice user_key, struct avila_slice *out)
{
    size_t i = starts_at_or_below(rd, user_key);
    if (i == 0)
        return false;
    struct avila_slice e = piece_end(rd, i - 1);
    *out = avila_lsm_user_cmp(e, user_key) <= 0 ? e : piece_start(rd, i - 1);
    return true;
}
