/*
 * data/lsm_batch.c - write batches (data/lsm_batch.h): building, appending
 * for group commit, and the checking iterator. Pure.
 */
#include "data/lsm_batch.h"

static uint32_t get_count(const struct avila_buf *b)
{
    return avila_load_le32(b->data + 8);
}

int avila_lsm_batch_init(struct avila_lsm_batch *batch, struct avila_buf *b)
{
    batch->b = b;
    avila_buf_clear(b);
    uint8_t h[AVILA_LSM_BATCH_HEADER_LEN] = {0};
    return avila_buf_append(b, h, sizeof(h));
}

uint32_t avila_lsm_batch_count(const struct avila_lsm_batch *batch)
{
    return get_count(batch->b);
}

uint64_t avila_lsm_batch_seq(const struct avila_lsm_batch *batch)
{
    return avila_load_le64(batch->b->data);
}

int avila_lsm_batch_set_seq(struct avila_lsm_batch *batch, uint64_t seq)
{
    uint32_t count = get_count(batch->b);
    if (seq > AVILA_LSM_MAX_SEQ || (count > 0 && count - 1 > AVILA_LSM_MAX_SEQ - seq))
        return AVILA_EINVAL;
    avila_store_le64(batch->b->data, seq);
    return 0;
}

static bool slice_ok(struct avila_slice s, size_t max)
{
    return s.len <= max && (s.ptr != NULL || s.len == 0);
}

/* Appends one entry whole, or nothing. */
static int add(struct avila_lsm_batch *batch, enum avila_lsm_kind kind, struct avila_slice key,
               const struct avila_slice *value)
{
    struct avila_buf *b = batch->b;
    uint32_t count = get_count(b);
    if (count == AVILA_LSM_BATCH_MAX_COUNT)
        return AVILA_ELIMIT;
    uint8_t kv[AVILA_LSM_VARINT64_MAX], vv[AVILA_LSM_VARINT64_MAX];
    size_t kn = avila_lsm_varint_put(kv, key.len), vn = 0;
    size_t need = 1 + kn + key.len;
    if (value) {
        vn = avila_lsm_varint_put(vv, value->len);
        need += vn + value->len; /* both lengths are bounded far below SIZE_MAX / 2 */
    }
    int rc = avila_buf_reserve(b, need);
    if (rc != 0)
        return rc;
    /* Reserved: none of these appends can fail. */
    (void)avila_buf_append_byte(b, (uint8_t)kind);
    (void)avila_buf_append(b, kv, kn);
    (void)avila_buf_append(b, key.ptr, key.len);
    if (value) {
        (void)avila_buf_append(b, vv, vn);
        (void)avila_buf_append(b, value->ptr, value->len);
    }
    avila_store_le32(b->data + 8, count + 1);
    return 0;
}

int avila_lsm_batch_put(struct avila_lsm_batch *batch, struct avila_slice key,
                        struct avila_slice value)
{
    if (!slice_ok(key, AVILA_LSM_MAX_KEY_LEN) || !slice_ok(value, AVILA_LSM_MAX_VALUE_LEN))
        return AVILA_EINVAL;
    return add(batch, AVILA_LSM_VALUE, key, &value);
}

int avila_lsm_batch_del(struct avila_lsm_batch *batch, struct avila_slice key)
{
    if (!slice_ok(key, AVILA_LSM_MAX_KEY_LEN))
        return AVILA_EINVAL;
    return add(batch, AVILA_LSM_DELETE, key, NULL);
}

int avila_lsm_batch_del_range(struct avila_lsm_batch *batch, struct avila_slice begin,
                              struct avila_slice end)
{
    if (!slice_ok(begin, AVILA_LSM_MAX_KEY_LEN) || !slice_ok(end, AVILA_LSM_MAX_KEY_LEN) ||
        avila_lsm_user_cmp(begin, end) >= 0)
        return AVILA_EINVAL;
    return add(batch, AVILA_LSM_RANGE_DELETE, begin, &end);
}

int avila_lsm_batch_iter_init(struct avila_lsm_batch_iter *it, const uint8_t *p, size_t len)
{
    memset(it, 0, sizeof(*it));
    if (!p || len < AVILA_LSM_BATCH_HEADER_LEN) {
        it->err = AVILA_EFORMAT;
        return AVILA_EFORMAT;
    }
    it->seq = avila_load_le64(p);
    it->count = avila_load_le32(p + 8);
    if (it->seq > AVILA_LSM_MAX_SEQ ||
        (it->count > 0 && it->count - 1 > AVILA_LSM_MAX_SEQ - it->seq)) {
        it->err = AVILA_EFORMAT;
        return AVILA_EFORMAT;
    }
    avila_cursor_init(&it->c, p + AVILA_LSM_BATCH_HEADER_LEN, len - AVILA_LSM_BATCH_HEADER_LEN);
    return 0;
}

/* Reads a varint length at most max and then that many bytes. */
static int read_bytes(struct avila_cursor *c, size_t max, struct avila_slice *out)
{
    uint64_t n;
    size_t used = avila_lsm_varint_get(c->p + c->pos, avila_cursor_remaining(c), &n);
    if (used == 0 || n > max)
        return AVILA_EFORMAT;
    c->pos += used;
    const uint8_t *bytes;
    if (avila_cursor_bytes(c, (size_t)n, &bytes) != 0)
        return AVILA_EFORMAT;
    *out = avila_slice_make(bytes, (size_t)n);
    return 0;
}

int avila_lsm_batch_iter_next(struct avila_lsm_batch_iter *it, struct avila_lsm_batch_entry *e)
{
    if (it->err != 0)
        return it->err;
    if (it->done == it->count) {
        if (avila_cursor_remaining(&it->c) == 0)
            return 0;
        goto fail; /* trailing bytes */
    }
    uint8_t kind;
    if (avila_cursor_u8(&it->c, &kind) != 0 || kind > AVILA_LSM_RANGE_DELETE)
        goto fail;
    if (read_bytes(&it->c, AVILA_LSM_MAX_KEY_LEN, &e->key) != 0)
        goto fail;
    e->value = avila_slice_make(e->key.ptr, 0);
    if (kind == AVILA_LSM_VALUE) {
        if (read_bytes(&it->c, AVILA_LSM_MAX_VALUE_LEN, &e->value) != 0)
            goto fail;
    } else if (kind == AVILA_LSM_RANGE_DELETE) {
        if (read_bytes(&it->c, AVILA_LSM_MAX_KEY_LEN, &e->value) != 0 ||
            avila_lsm_user_cmp(e->key, e->value) >= 0)
            goto fail;
    }
    e->kind = (enum avila_lsm_kind)kind;
    e->seq = it->seq + it->done;
    it->done++;
    return 1;

fail:
    it->err = AVILA_EFORMAT;
    return AVILA_EFORMAT;
}

int avila_lsm_batch_check(const uint8_t *p, size_t len, uint32_t *count)
{
    struct avila_lsm_batch_iter it;
    struct avila_lsm_batch_entry e;
    int rc = avila_lsm_batch_iter_init(&it, p, len);
    while (rc == 0 && (rc = avila_lsm_batch_iter_next(&it, &e)) == 1)
        rc = 0;
    if (rc != 0)
        return rc;
    if (count)
        *count = it.count;
    return 0;
}

int avila_lsm_batch_append(struct avila_lsm_batch *dst, const uint8_t *src, size_t len)
{
    uint32_t n;
    int rc = avila_lsm_batch_check(src, len, &n);
    if (rc != 0)
        return rc;
    uint32_t have = get_count(dst->b);
    if (n > AVILA_LSM_BATCH_MAX_COUNT - have)
        return AVILA_ELIMIT;
    rc = avila_buf_append(dst->b, src + AVILA_LSM_BATCH_HEADER_LEN,
                          len - AVILA_LSM_BATCH_HEADER_LEN);
    if (rc != 0)
        return rc;
    avila_store_le32(dst->b->data + 8, have + n);
    return 0;
}
