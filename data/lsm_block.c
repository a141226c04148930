/*
 * data/lsm_block.c - SSTable data blocks: builder, trailer, checked reader
 * (format in data/lsm_block.h). Pure. The layout is the classic one of
 * prefix-compressed sorted blocks with restart points (as in LevelDB's
 * table format), written here from its description.
 */
#include "data/lsm_block.h"

#define U32_LEN ((size_t)4)

/* Largest entry header: three varints of 64 bits. */
#define ENTRY_HEADER_MAX ((size_t)3 * AVILA_LSM_VARINT64_MAX)

_Static_assert(AVILA_LSM_BLOCK_MAX_BYTES <= UINT32_MAX, "restart offsets are u32");
_Static_assert(AVILA_LSM_MAX_VALUE_LEN + AVILA_LSM_IKEY_MAX + ENTRY_HEADER_MAX + 2 * U32_LEN <
                   AVILA_LSM_BLOCK_MAX_BYTES,
               "a block holds any one entry");

static bool kind_ok(uint8_t kind)
{
    return kind <= AVILA_LSM_RANGE_DELETE;
}

/* ---------------------------------------------------------------- builder */

int avila_lsm_block_builder_init(struct avila_lsm_block_builder *b, const struct avila_allocator *a,
                                 unsigned restart_interval)
{
    if (restart_interval == 0)
        restart_interval = AVILA_LSM_BLOCK_DEFAULT_RESTART_INTERVAL;
    if (a == NULL || restart_interval > AVILA_LSM_BLOCK_MAX_RESTART_INTERVAL)
        return AVILA_EINVAL;
    avila_buf_init(&b->data, a, AVILA_LSM_BLOCK_MAX_BYTES);
    avila_buf_init(&b->restarts, a, AVILA_LSM_BLOCK_MAX_BYTES);
    avila_buf_init(&b->last, a, AVILA_LSM_IKEY_MAX);
    b->restart_interval = restart_interval;
    b->since_restart = 0;
    b->entries = 0;
    return 0;
}

static size_t common_prefix(struct avila_slice a, struct avila_slice b)
{
    size_t n = a.len < b.len ? a.len : b.len, i = 0;
    while (i < n && a.ptr[i] == b.ptr[i])
        i++;
    return i;
}

int avila_lsm_block_builder_add(struct avila_lsm_block_builder *b, struct avila_slice ikey,
                                struct avila_slice value)
{
    if (ikey.len < AVILA_LSM_TRAILER_LEN || ikey.len > AVILA_LSM_IKEY_MAX ||
        !kind_ok(ikey.ptr[ikey.len - AVILA_LSM_TRAILER_LEN]) || value.len > AVILA_LSM_MAX_VALUE_LEN)
        return AVILA_EINVAL;
    struct avila_slice last = avila_slice_make(b->last.data, b->last.len);
    if (b->entries > 0 && avila_lsm_ikey_cmp(last, ikey) >= 0)
        return AVILA_EINVAL;

    /* The first entry is restart 0, implicit in the restarts buffer. */
    bool restart = b->entries > 0 && b->since_restart >= b->restart_interval;
    size_t shared = b->entries > 0 && !restart ? common_prefix(last, ikey) : 0;
    uint8_t hdr[ENTRY_HEADER_MAX];
    size_t h = avila_lsm_varint_put(hdr, shared);
    h += avila_lsm_varint_put(hdr + h, ikey.len - shared);
    h += avila_lsm_varint_put(hdr + h, value.len);
    size_t entry = h + (ikey.len - shared) + value.len;
    size_t after = avila_lsm_block_builder_size(b) + entry + (restart ? U32_LEN : 0);
    if (after > AVILA_LSM_BLOCK_MAX_BYTES)
        return AVILA_ELIMIT;

    /* Reserve everything first, so that a failure changes nothing. */
    int rc = avila_buf_reserve(&b->data, entry);
    if (rc == 0 && restart)
        rc = avila_buf_reserve(&b->restarts, U32_LEN);
    if (rc == 0 && b->last.len < ikey.len)
        rc = avila_buf_reserve(&b->last, ikey.len - b->last.len);
    if (rc != 0)
        return rc;

    if (restart) {
        uint8_t off[U32_LEN];
        avila_store_le32(off, (uint32_t)b->data.len);
        (void)avila_buf_append(&b->restarts, off, sizeof(off));
        b->since_restart = 0;
    }
    (void)avila_buf_append(&b->data, hdr, h);
    (void)avila_buf_append(&b->data, ikey.ptr + shared, ikey.len - shared);
    (void)avila_buf_append(&b->data, value.ptr, value.len);
    avila_buf_clear(&b->last);
    (void)avila_buf_append(&b->last, ikey.ptr, ikey.len);
    b->since_restart++;
    b->entries++;
    return 0;
}

size_t avila_lsm_block_builder_size(const struct avila_lsm_block_builder *b)
{
    /* entries, restart 0, the further restarts, the count */
    return b->data.len + U32_LEN + b->restarts.len + U32_LEN;
}

size_t avila_lsm_block_builder_count(const struct avila_lsm_block_builder *b)
{
    return b->entries;
}

struct avila_slice avila_lsm_block_builder_last_key(const struct avila_lsm_block_builder *b)
{
    return avila_slice_make(b->last.data, b->last.len);
}

int avila_lsm_block_builder_finish(struct avila_lsm_block_builder *b, struct avila_buf *out)
{
    int rc = avila_buf_reserve(out, avila_lsm_block_builder_size(b));
    if (rc != 0)
        return rc;
    uint8_t w[U32_LEN];
    (void)avila_buf_append(out, b->data.data, b->data.len);
    avila_store_le32(w, 0);
    (void)avila_buf_append(out, w, sizeof(w));
    (void)avila_buf_append(out, b->restarts.data, b->restarts.len);
    avila_store_le32(w, (uint32_t)(1 + b->restarts.len / U32_LEN));
    (void)avila_buf_append(out, w, sizeof(w));
    avila_lsm_block_builder_reset(b);
    return 0;
}

void avila_lsm_block_builder_reset(struct avila_lsm_block_builder *b)
{
    avila_buf_clear(&b->data);
    avila_buf_clear(&b->restarts);
    avila_buf_clear(&b->last);
    b->since_restart = 0;
    b->entries = 0;
}

void avila_lsm_block_builder_release(struct avila_lsm_block_builder *b)
{
    avila_buf_release(&b->data);
    avila_buf_release(&b->restarts);
    avila_buf_release(&b->last);
    b->since_restart = 0;
    b->entries = 0;
}

/* ---------------------------------------------------------------- trailer */

static uint32_t block_crc(const uint8_t *p, size_t len, uint8_t kind)
{
    return avila_lsm_crc_mask(avila_crc32c(avila_crc32c(0, p, len), &kind, 1));
}

void avila_lsm_block_trailer(uint8_t out[AVILA_LSM_BLOCK_TRAILER_LEN], const uint8_t *p, size_t len,
                             enum avila_lsm_block_kind kind)
{
    out[0] = (uint8_t)kind;
    avila_store_le32(out + 1, block_crc(p, len, (uint8_t)kind));
}

int avila_lsm_block_trailer_append(struct avila_buf *b, size_t start,
                                   enum avila_lsm_block_kind kind)
{
    if (start > b->len)
        return AVILA_EINVAL;
    uint8_t t[AVILA_LSM_BLOCK_TRAILER_LEN];
    avila_lsm_block_trailer(t, b->len > start ? b->data + start : NULL, b->len - start, kind);
    return avila_buf_append(b, t, sizeof(t));
}

int avila_lsm_block_verify(const uint8_t *p, size_t len, struct avila_slice *contents,
                           enum avila_lsm_block_kind *kind)
{
    if (len < AVILA_LSM_BLOCK_TRAILER_LEN)
        return AVILA_EFORMAT;
    size_t n = len - AVILA_LSM_BLOCK_TRAILER_LEN;
    uint8_t k = p[n];
    if (avila_load_le32(p + n + 1) != block_crc(p, n, k))
        return AVILA_EFORMAT;
    if (k != AVILA_LSM_BLOCK_RAW)
        return AVILA_EUNSUPPORTED;
    *contents = avila_slice_make(p, n);
    *kind = (enum avila_lsm_block_kind)k;
    return 0;
}

/* ---------------------------------------------------------------- reader */

static uint32_t restart_at(const struct avila_lsm_block *blk, uint32_t i)
{
    return avila_load_le32(blk->data + blk->restarts_off + (size_t)i * U32_LEN);
}

int avila_lsm_block_open(struct avila_lsm_block *blk, const uint8_t *p, size_t len)
{
    if (len > AVILA_LSM_BLOCK_MAX_BYTES)
        return AVILA_ELIMIT;
    if (len < 2 * U32_LEN)
        return AVILA_EFORMAT;
    uint32_t n = avila_load_le32(p + len - U32_LEN);
    if (n == 0 || n > (len - U32_LEN) / U32_LEN)
        return AVILA_EFORMAT;
    blk->data = p;
    blk->restarts_off = len - U32_LEN - (size_t)n * U32_LEN;
    blk->nrestarts = n;
    if (restart_at(blk, 0) != 0)
        return AVILA_EFORMAT;
    if (blk->restarts_off == 0) /* no entries: only restart 0 may be there */
        return n == 1 ? 0 : AVILA_EFORMAT;
    uint32_t prev = 0;
    for (uint32_t i = 1; i < n; i++) {
        uint32_t r = restart_at(blk, i);
        /* Each entry takes at least 11 bytes, so runs cannot be empty. */
        if (r <= prev || r >= blk->restarts_off)
            return AVILA_EFORMAT;
        prev = r;
    }
    return 0;
}

uint32_t avila_lsm_block_restarts(const struct avila_lsm_block *blk)
{
    return blk->nrestarts;
}

/* The parsed header of the entry at off: where key bytes and value start, and lengths. */
struct entry {
    uint64_t shared, unshared, vlen;
    size_t key_at; /* offset of the unshared key bytes */
    size_t end;    /* offset just past the entry */
};

/* Parses and bounds-checks the entry at off (< restarts_off). */
static int parse_entry(const struct avila_lsm_block *blk, size_t off, struct entry *e)
{
    const uint8_t *p = blk->data + off;
    size_t lim = blk->restarts_off - off, h = 0, n;
    if ((n = avila_lsm_varint_get(p, lim, &e->shared)) == 0)
        return AVILA_EFORMAT;
    h += n;
    if ((n = avila_lsm_varint_get(p + h, lim - h, &e->unshared)) == 0)
        return AVILA_EFORMAT;
    h += n;
    if ((n = avila_lsm_varint_get(p + h, lim - h, &e->vlen)) == 0)
        return AVILA_EFORMAT;
    h += n;
    size_t rem = lim - h;
    if (e->unshared > rem || e->vlen > rem - e->unshared)
        return AVILA_EFORMAT;
    if (e->shared > AVILA_LSM_IKEY_MAX || e->shared + e->unshared > AVILA_LSM_IKEY_MAX ||
        e->shared + e->unshared < AVILA_LSM_TRAILER_LEN)
        return AVILA_EFORMAT;
    e->key_at = off + h;
    e->end = e->key_at + (size_t)e->unshared + (size_t)e->vlen;
    return 0;
}

static int fail(struct avila_lsm_block_iter *it, int rc)
{
    it->err = rc;
    it->cur = it->blk->restarts_off;
    it->nxt = it->cur;
    return rc;
}

/* Decodes the entry at off into the iterator; is_restart: its shared MUST be 0. */
static int decode(struct avila_lsm_block_iter *it, size_t off, bool is_restart)
{
    struct entry e;
    int rc = parse_entry(it->blk, off, &e);
    if (rc != 0)
        return fail(it, rc);
    if ((is_restart && e.shared != 0) || e.shared > it->key_len)
        return fail(it, AVILA_EFORMAT);
    size_t klen = (size_t)(e.shared + e.unshared);
    if (klen > it->key_cap)
        return fail(it, AVILA_ELIMIT);
    const uint8_t *k = it->blk->data + e.key_at;
    if (e.unshared != 0)
        memcpy(it->key + e.shared, k, (size_t)e.unshared);
    if (!kind_ok(it->key[klen - AVILA_LSM_TRAILER_LEN]))
        return fail(it, AVILA_EFORMAT);
    it->key_len = klen;
    it->cur = off;
    it->nxt = e.end;
    it->value = k + e.unshared;
    it->value_len = (size_t)e.vlen;
    return 0;
}

void avila_lsm_block_iter_init(struct avila_lsm_block_iter *it, const struct avila_lsm_block *blk,
                               uint8_t *key_buf, size_t key_cap)
{
    it->blk = blk;
    it->key = key_buf;
    it->key_cap = key_cap;
    it->key_len = 0;
    it->cur = blk->restarts_off;
    it->nxt = it->cur;
    it->restart = 0;
    it->value = NULL;
    it->value_len = 0;
    it->err = 0;
}

/* Positions at restart point r (not valid in an empty block). */
static int at_restart(struct avila_lsm_block_iter *it, uint32_t r)
{
    it->err = 0;
    it->restart = r;
    size_t off = restart_at(it->blk, r);
    if (off >= it->blk->restarts_off) {
        it->cur = it->nxt = it->blk->restarts_off;
        return 0;
    }
    it->key_len = 0;
    return decode(it, off, true);
}

static int step(struct avila_lsm_block_iter *it)
{
    size_t off = it->nxt;
    if (off >= it->blk->restarts_off) {
        /* Every restart point must have been an entry boundary on the way. */
        if (it->restart + 1 < it->blk->nrestarts)
            return fail(it, AVILA_EFORMAT);
        it->cur = it->blk->restarts_off;
        return 0;
    }
    bool restart = false;
    if (it->restart + 1 < it->blk->nrestarts) {
        uint32_t r = restart_at(it->blk, it->restart + 1);
        if (r == off) {
            it->restart++;
            restart = true;
        } else if (r < off) {
            return fail(it, AVILA_EFORMAT); /* a restart point inside an entry */
        }
    }
    return decode(it, off, restart);
}

/* The key of restart r, straight from the block (its shared is 0). */
static int restart_key(const struct avila_lsm_block *blk, uint32_t r, struct avila_slice *key)
{
    struct entry e;
    int rc = parse_entry(blk, restart_at(blk, r), &e);
    if (rc != 0)
        return rc;
    if (e.shared != 0)
        return AVILA_EFORMAT;
    *key = avila_slice_make(blk->data + e.key_at, (size_t)e.unshared);
    return 0;
}

int avila_lsm_block_iter_seek(struct avila_lsm_block_iter *it, struct avila_slice ikey)
{
    if (ikey.len < AVILA_LSM_TRAILER_LEN)
        return fail(it, AVILA_EINVAL);
    if (it->blk->restarts_off == 0)
        return at_restart(it, 0);
    /* The last restart whose key is before ikey (or restart 0). */
    uint32_t lo = 0, hi = it->blk->nrestarts - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        struct avila_slice k;
        int rc = restart_key(it->blk, mid, &k);
        if (rc != 0)
            return fail(it, rc);
        if (avila_lsm_ikey_cmp(k, ikey) < 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    int rc = at_restart(it, lo);
    while (rc == 0 && avila_lsm_block_iter_valid(it) &&
           avila_lsm_ikey_cmp(avila_lsm_block_iter_key(it), ikey) < 0)
        rc = step(it);
    return rc;
}

int avila_lsm_block_iter_seek_first(struct avila_lsm_block_iter *it)
{
    return at_restart(it, 0);
}

int avila_lsm_block_iter_seek_last(struct avila_lsm_block_iter *it)
{
    int rc = at_restart(it, it->blk->nrestarts - 1);
    while (rc == 0 && avila_lsm_block_iter_valid(it) && it->nxt < it->blk->restarts_off)
        rc = step(it);
    return rc;
}

int avila_lsm_block_iter_next(struct avila_lsm_block_iter *it)
{
    if (!avila_lsm_block_iter_valid(it))
        return it->err;
    return step(it);
}

int avila_lsm_block_iter_prev(struct avila_lsm_block_iter *it)
{
    if (!avila_lsm_block_iter_valid(it))
        return it->err;
    size_t target = it->cur;
    if (target == 0) {
        it->cur = it->nxt = it->blk->restarts_off;
        return 0;
    }
    uint32_t r = it->restart;
    while (r > 0 && restart_at(it->blk, r) >= target)
        r--;
    int rc = at_restart(it, r);
    /* Offsets only grow, so this ends; landing past target means a corrupt run. */
    while (rc == 0 && avila_lsm_block_iter_valid(it) && it->nxt < target)
        rc = step(it);
    if (rc != 0)
        return rc;
    if (!avila_lsm_block_iter_valid(it) || it->nxt != target)
        return fail(it, AVILA_EFORMAT);
    return 0;
}

bool avila_lsm_block_iter_valid(const struct avila_lsm_block_iter *it)
{
    return it->cur < it->blk->restarts_off;
}

struct avila_slice avila_lsm_block_iter_key(const struct avila_lsm_block_iter *it)
{
    return avila_slice_make(it->key, it->key_len);
}

struct avila_slice avila_lsm_block_iter_value(const struct avila_lsm_block_iter *it)
{
    return avila_slice_make(it->value, it->value_len);
}

int avila_lsm_block_iter_status(const struct avila_lsm_block_iter *it)
{
    return it->err;
}

int avila_lsm_block_check(const struct avila_lsm_block *blk, uint8_t *key_buf, size_t key_cap)
{
    size_t half = key_cap / 2;
    uint8_t *prev = key_buf + half;
    size_t prev_len = 0;
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, blk, key_buf, half);
    int count = 0;
    int rc = avila_lsm_block_iter_seek_first(&it);
    while (rc == 0 && avila_lsm_block_iter_valid(&it)) {
        struct avila_slice k = avila_lsm_block_iter_key(&it);
        if (count > 0 && avila_lsm_ikey_cmp(avila_slice_make(prev, prev_len), k) >= 0)
            return AVILA_EFORMAT;
        memcpy(prev, k.ptr, k.len);
        prev_len = k.len;
        count++;
        rc = avila_lsm_block_iter_next(&it);
    }
    return rc != 0 ? rc : count;
}
