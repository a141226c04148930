/*
 * data/lsm_table.c - SSTable builder, reader, iterator and check (format in
 * data/lsm_table.h). Pure. The layout (data blocks, meta blocks, index of
 * separators, fixed footer with magic) is the classic sorted-table design
 * of LevelDB, written here from that description with our own encodings.
 */
#include "data/lsm_table.h"

#include "data/lsm_bloom.h"

#define TRAILER   ((size_t)AVILA_LSM_BLOCK_TRAILER_LEN)
#define FOOTER    ((size_t)AVILA_LSM_TABLE_FOOTER_LEN)
#define MAGIC_LEN ((size_t)8)

/* Property ids (the tag is id << 1 | has_bytes). */
enum prop_id {
    P_ENTRIES = 1,
    P_DELETIONS = 2,
    P_RANGE_DELETIONS = 3,
    P_RAW_KEY_BYTES = 4,
    P_RAW_VALUE_BYTES = 5,
    P_DATA_BLOCKS = 6,
    P_SMALLEST_SEQ = 7,
    P_LARGEST_SEQ = 8,
    P_SMALLEST = 9,
    P_LARGEST = 10,
    P_FORMAT_VERSION = 11,
    P_MAX_IKEY_LEN = 12,
    P_COUNT = 13
};

_Static_assert(sizeof(AVILA_LSM_TABLE_MAGIC) == MAGIC_LEN + 1, "8-byte magic");
_Static_assert(AVILA_LSM_TABLE_MAX_BLOCK_SIZE < AVILA_LSM_BLOCK_MAX_BYTES, "blocks fit");

static int fmt(int rc)
{
    /* A key longer than the file declared, an unknown block kind: damage. */
    return rc == AVILA_ELIMIT || rc == AVILA_EUNSUPPORTED ? AVILA_EFORMAT : rc;
}

/* ---------------------------------------------------------------- builder */

static int fail(struct avila_lsm_table_builder *b, int rc)
{
    if (b->err == 0)
        b->err = rc;
    return b->err;
}

static int set_buf(struct avila_buf *dst, struct avila_slice s)
{
    if (dst->len < s.len) {
        int rc = avila_buf_reserve(dst, s.len - dst->len);
        if (rc != 0)
            return rc;
    }
    avila_buf_clear(dst);
    return avila_buf_append(dst, s.ptr, s.len);
}

static struct avila_slice buf_slice(const struct avila_buf *b)
{
    return avila_slice_make(b->data, b->len);
}

int avila_lsm_table_builder_init(struct avila_lsm_table_builder *b, const struct avila_lsm_vfs *vfs,
                                 struct avila_lsm_file *f,
                                 const struct avila_lsm_table_options *opt,
                                 const struct avila_allocator *a)
{
    struct avila_lsm_table_options o = {0};
    if (opt != NULL)
        o = *opt;
    if (o.block_size == 0)
        o.block_size = AVILA_LSM_TABLE_DEFAULT_BLOCK_SIZE;
    if (o.bloom_bits_per_key == 0)
        o.bloom_bits_per_key = AVILA_LSM_BLOOM_DEFAULT_BITS_PER_KEY;
    if (b == NULL || vfs == NULL || f == NULL || a == NULL ||
        o.block_size > AVILA_LSM_TABLE_MAX_BLOCK_SIZE ||
        o.bloom_bits_per_key > AVILA_LSM_BLOOM_MAX_BITS_PER_KEY)
        return AVILA_EINVAL;
    memset(b, 0, sizeof(*b));
    int rc = avila_lsm_block_builder_init(&b->data, a, o.restart_interval);
    if (rc != 0)
        return rc;
    (void)avila_lsm_block_builder_init(&b->index, a, 1);
    (void)avila_lsm_block_builder_init(&b->rangedel, a, 0);
    b->vfs = vfs;
    b->file = f;
    b->a = a;
    b->opt = o;
    avila_buf_init(&b->out, a, SIZE_MAX);
    avila_buf_init(&b->last, a, AVILA_LSM_IKEY_MAX);
    avila_buf_init(&b->last_rd, a, AVILA_LSM_IKEY_MAX);
    avila_buf_init(&b->hashes, a, SIZE_MAX);
    avila_buf_init(&b->smallest, a, AVILA_LSM_IKEY_MAX);
    avila_buf_init(&b->largest, a, AVILA_LSM_IKEY_MAX);
    avila_buf_init(&b->scratch, a, AVILA_LSM_IKEY_MAX);
    b->props.smallest_seq = UINT64_MAX;
    return 0;
}

void avila_lsm_table_builder_release(struct avila_lsm_table_builder *b)
{
    avila_lsm_block_builder_release(&b->data);
    avila_lsm_block_builder_release(&b->index);
    avila_lsm_block_builder_release(&b->rangedel);
    avila_buf_release(&b->out);
    avila_buf_release(&b->last);
    avila_buf_release(&b->last_rd);
    avila_buf_release(&b->hashes);
    avila_buf_release(&b->smallest);
    avila_buf_release(&b->largest);
    avila_buf_release(&b->scratch);
}

static int flush_out(struct avila_lsm_table_builder *b)
{
    if (b->out.len == 0)
        return 0;
    int rc = avila_lsm_vfs_append(b->vfs, b->file, b->out.data, b->out.len);
    if (rc != 0)
        return rc;
    b->written += b->out.len;
    avila_buf_clear(&b->out);
    return 0;
}

static void note_len(struct avila_lsm_table_builder *b, size_t n)
{
    if (n > b->props.max_ikey_len)
        b->props.max_ikey_len = n;
}

/* Widens [smallest, largest] to the internal key k. */
static int note_bounds(struct avila_lsm_table_builder *b, struct avila_slice k)
{
    int rc = 0;
    if (b->smallest.len == 0 || avila_lsm_ikey_cmp(k, buf_slice(&b->smallest)) < 0)
        rc = set_buf(&b->smallest, k);
    if (rc == 0 && (b->largest.len == 0 || avila_lsm_ikey_cmp(k, buf_slice(&b->largest)) > 0))
        rc = set_buf(&b->largest, k);
    return rc;
}

static void note_seq(struct avila_lsm_table_builder *b, uint64_t seq)
{
    if (seq < b->props.smallest_seq)
        b->props.smallest_seq = seq;
    if (seq > b->props.largest_seq)
        b->props.largest_seq = seq;
}

/*
 * Writes into b->scratch the separator for a block ending at last whose
 * successor block starts at next (NULL for the last block): see the format.
 */
static int separator(struct avila_lsm_table_builder *b, struct avila_slice last,
                     const struct avila_slice *next)
{
    struct avila_slice u = avila_slice_make(last.ptr, last.len - AVILA_LSM_TRAILER_LEN);
    size_t cut = SIZE_MAX; /* u[0 .. cut) then u[cut] + 1 */
    if (next != NULL) {
        struct avila_slice v = avila_slice_make(next->ptr, next->len - AVILA_LSM_TRAILER_LEN);
        size_t p = 0;
        while (p < u.len && p < v.len && u.ptr[p] == v.ptr[p])
            p++;
        if (p < u.len && p < v.len && u.ptr[p] < 0xff && u.ptr[p] + 1 < v.ptr[p])
            cut = p;
    } else {
        for (size_t i = 0; i < u.len; i++) {
            if (u.ptr[i] != 0xff) {
                cut = i;
                break;
            }
        }
    }
    if (cut == SIZE_MAX || cut + 1 + AVILA_LSM_TRAILER_LEN > last.len)
        return set_buf(&b->scratch, last);
    avila_buf_clear(&b->scratch);
    int rc = avila_buf_append(&b->scratch, u.ptr, cut);
    if (rc == 0)
        rc = avila_buf_append_byte(&b->scratch, (uint8_t)(u.ptr[cut] + 1));
    uint8_t t[AVILA_LSM_TRAILER_LEN];
    avila_store_le64(t, avila_lsm_trailer(AVILA_LSM_MAX_SEQ, AVILA_LSM_VALUE));
    if (rc == 0)
        rc = avila_buf_append(&b->scratch, t, sizeof(t));
    return rc;
}

/* Adds the pending block's index entry, its separator bounded by next (or NULL). */
static int add_index(struct avila_lsm_table_builder *b, const struct avila_slice *next)
{
    int rc = separator(b, buf_slice(&b->last), next);
    if (rc != 0)
        return rc;
    uint8_t h[2 * AVILA_LSM_VARINT64_MAX];
    size_t n = avila_lsm_varint_put(h, b->pending_off);
    n += avila_lsm_varint_put(h + n, b->pending_size);
    rc = avila_lsm_block_builder_add(&b->index, buf_slice(&b->scratch), avila_slice_make(h, n));
    if (rc != 0)
        return rc;
    note_len(b, b->scratch.len);
    b->pending = false;
    return 0;
}

/* Appends the stored form of the block just written at out[start ..) and notes its handle. */
static int seal(struct avila_lsm_table_builder *b, size_t start, uint64_t *off, uint64_t *size)
{
    int rc = avila_lsm_block_trailer_append(&b->out, start, AVILA_LSM_BLOCK_RAW);
    if (rc != 0)
        return rc;
    *off = b->written + start;
    *size = b->out.len - start - TRAILER;
    return 0;
}

static int flush_block(struct avila_lsm_table_builder *b)
{
    size_t start = b->out.len;
    int rc = avila_lsm_block_builder_finish(&b->data, &b->out);
    if (rc == 0)
        rc = seal(b, start, &b->pending_off, &b->pending_size);
    if (rc != 0)
        return rc;
    b->pending = true;
    b->props.data_blocks++;
    if (b->out.len >= AVILA_LSM_TABLE_WRITE_BUFFER)
        return flush_out(b);
    return 0;
}

static int add_rangedel(struct avila_lsm_table_builder *b, struct avila_slice ikey,
                        const struct avila_lsm_ikey *pk, struct avila_slice end)
{
    if (end.len > AVILA_LSM_MAX_KEY_LEN ||
        (b->last_rd.len > 0 && avila_lsm_ikey_cmp(buf_slice(&b->last_rd), ikey) >= 0))
        return AVILA_EINVAL;
    int rc = avila_lsm_block_builder_add(&b->rangedel, ikey, end);
    if (rc == 0)
        rc = set_buf(&b->last_rd, ikey);
    if (rc == 0)
        rc = note_bounds(b, ikey);
    if (rc == 0) {
        avila_buf_clear(&b->scratch);
        rc = avila_lsm_ikey_append(&b->scratch, end, AVILA_LSM_MAX_SEQ, AVILA_LSM_RANGE_DELETE);
    }
    /* The end only widens largest (a degenerate end <= begin must not lower smallest). */
    if (rc == 0 && avila_lsm_ikey_cmp(buf_slice(&b->scratch), buf_slice(&b->largest)) > 0)
        rc = set_buf(&b->largest, buf_slice(&b->scratch));
    if (rc != 0)
        return rc;
    note_seq(b, pk->seq);
    note_len(b, ikey.len);
    b->props.range_deletions++;
    return 0;
}

static int add_point(struct avila_lsm_table_builder *b, struct avila_slice ikey,
                     const struct avila_lsm_ikey *pk, struct avila_slice value)
{
    bool first = b->props.entries == 0;
    if (!first && avila_lsm_ikey_cmp(buf_slice(&b->last), ikey) >= 0)
        return AVILA_EINVAL;
    int rc = 0;
    if (b->pending)
        rc = add_index(b, &ikey);
    if (rc == 0)
        rc = avila_lsm_block_builder_add(&b->data, ikey, value);
    if (rc != 0)
        return rc;
    struct avila_slice prev_user = avila_slice_make(b->last.data, first ? 0 : b->last.len - 8);
    if (first || !avila_slice_equal(prev_user, pk->user_key)) {
        uint64_t h = avila_lsm_bloom_hash(pk->user_key);
        rc = avila_buf_append(&b->hashes, &h, sizeof(h));
    }
    if (rc == 0)
        rc = set_buf(&b->last, ikey);
    if (rc == 0)
        rc = note_bounds(b, ikey);
    if (rc != 0)
        return rc;
    note_seq(b, pk->seq);
    note_len(b, ikey.len);
    b->props.entries++;
    if (pk->kind == AVILA_LSM_DELETE)
        b->props.deletions++;
    b->props.raw_key_bytes += ikey.len;
    b->props.raw_value_bytes += value.len;
    if (avila_lsm_block_builder_size(&b->data) >= b->opt.block_size)
        return flush_block(b);
    return 0;
}

int avila_lsm_table_builder_add(struct avila_lsm_table_builder *b, struct avila_slice ikey,
                                struct avila_slice value)
{
    if (b->err != 0)
        return b->err;
    if (b->finished)
        return fail(b, AVILA_ESTATE);
    struct avila_lsm_ikey pk;
    if (ikey.len > AVILA_LSM_IKEY_MAX || avila_lsm_ikey_parse(ikey.ptr, ikey.len, &pk) != 0 ||
        value.len > AVILA_LSM_MAX_VALUE_LEN)
        return fail(b, AVILA_EINVAL);
    int rc = pk.kind == AVILA_LSM_RANGE_DELETE ? add_rangedel(b, ikey, &pk, value)
                                               : add_point(b, ikey, &pk, value);
    return rc != 0 ? fail(b, rc) : 0;
}

uint64_t avila_lsm_table_builder_size(const struct avila_lsm_table_builder *b)
{
    return b->written + b->out.len + avila_lsm_block_builder_size(&b->data) +
           avila_lsm_block_builder_size(&b->index) + avila_lsm_block_builder_size(&b->rangedel) +
           b->hashes.len / sizeof(uint64_t) * b->opt.bloom_bits_per_key / 8 + FOOTER;
}

uint64_t avila_lsm_table_builder_count(const struct avila_lsm_table_builder *b)
{
    return b->props.entries + b->props.range_deletions;
}

static int prop_u(struct avila_buf *o, unsigned id, uint64_t v)
{
    uint8_t t[2 * AVILA_LSM_VARINT64_MAX];
    size_t n = avila_lsm_varint_put(t, (uint64_t)id << 1);
    n += avila_lsm_varint_put(t + n, v);
    return avila_buf_append(o, t, n);
}

static int prop_b(struct avila_buf *o, unsigned id, struct avila_slice s)
{
    uint8_t t[2 * AVILA_LSM_VARINT64_MAX];
    size_t n = avila_lsm_varint_put(t, (uint64_t)id << 1 | 1);
    n += avila_lsm_varint_put(t + n, s.len);
    int rc = avila_buf_append(o, t, n);
    return rc == 0 ? avila_buf_append(o, s.ptr, s.len) : rc;
}

static int write_props(struct avila_lsm_table_builder *b)
{
    const struct avila_lsm_table_props *p = &b->props;
    struct avila_buf *o = &b->out;
    int rc = prop_u(o, P_ENTRIES, p->entries);
    if (rc == 0)
        rc = prop_u(o, P_DELETIONS, p->deletions);
    if (rc == 0)
        rc = prop_u(o, P_RANGE_DELETIONS, p->range_deletions);
    if (rc == 0)
        rc = prop_u(o, P_RAW_KEY_BYTES, p->raw_key_bytes);
    if (rc == 0)
        rc = prop_u(o, P_RAW_VALUE_BYTES, p->raw_value_bytes);
    if (rc == 0)
        rc = prop_u(o, P_DATA_BLOCKS, p->data_blocks);
    if (rc == 0)
        rc = prop_u(o, P_SMALLEST_SEQ, p->smallest_seq);
    if (rc == 0)
        rc = prop_u(o, P_LARGEST_SEQ, p->largest_seq);
    if (rc == 0)
        rc = prop_b(o, P_SMALLEST, buf_slice(&b->smallest));
    if (rc == 0)
        rc = prop_b(o, P_LARGEST, buf_slice(&b->largest));
    if (rc == 0)
        rc = prop_u(o, P_FORMAT_VERSION, AVILA_LSM_TABLE_FORMAT_VERSION);
    if (rc == 0)
        rc = prop_u(o, P_MAX_IKEY_LEN, p->max_ikey_len);
    return rc;
}

static int finish(struct avila_lsm_table_builder *b)
{
    int rc = 0;
    if (avila_lsm_block_builder_count(&b->data) > 0)
        rc = flush_block(b);
    if (rc == 0 && b->pending)
        rc = add_index(b, NULL);
    if (rc != 0)
        return rc;
    if (b->props.smallest_seq == UINT64_MAX)
        b->props.smallest_seq = 0;
    b->props.format_version = AVILA_LSM_TABLE_FORMAT_VERSION;

    uint64_t h[8]; /* index, filter, range-del, properties: off, size */
    size_t start = b->out.len;
    rc = avila_lsm_bloom_build(&b->out, (const uint64_t *)(const void *)b->hashes.data,
                               b->hashes.len / sizeof(uint64_t), b->opt.bloom_bits_per_key);
    if (rc == 0)
        rc = seal(b, start, &h[2], &h[3]);
    start = b->out.len;
    if (rc == 0)
        rc = avila_lsm_block_builder_finish(&b->rangedel, &b->out);
    if (rc == 0)
        rc = seal(b, start, &h[4], &h[5]);
    start = b->out.len;
    if (rc == 0)
        rc = write_props(b);
    if (rc == 0)
        rc = seal(b, start, &h[6], &h[7]);
    start = b->out.len;
    if (rc == 0)
        rc = avila_lsm_block_builder_finish(&b->index, &b->out);
    if (rc == 0)
        rc = seal(b, start, &h[0], &h[1]);
    if (rc != 0)
        return rc;

    uint8_t f[FOOTER];
    for (size_t i = 0; i < 8; i++)
        avila_store_le64(f + 8 * i, h[i]);
    avila_store_le32(f + 64, AVILA_LSM_TABLE_FORMAT_VERSION);
    avila_store_le32(f + 68, avila_lsm_crc_mask(avila_crc32c(0, f, 68)));
    memcpy(f + 72, AVILA_LSM_TABLE_MAGIC, MAGIC_LEN);
    rc = avila_buf_append(&b->out, f, sizeof(f));
    if (rc == 0)
        rc = flush_out(b);
    return rc;
}

int avila_lsm_table_builder_finish(struct avila_lsm_table_builder *b,
                                   struct avila_lsm_table_props *props)
{
    if (b->err != 0)
        return b->err;
    if (b->finished)
        return fail(b, AVILA_ESTATE);
    int rc = finish(b);
    if (rc != 0)
        return fail(b, rc);
    b->finished = true;
    b->props.file_size = b->written;
    b->props.smallest = buf_slice(&b->smallest);
    b->props.largest = buf_slice(&b->largest);
    if (props != NULL)
        *props = b->props;
    return 0;
}

/* ---------------------------------------------------------------- reading blocks */

static int read_exact(const struct avila_lsm_table *t, uint64_t off, uint8_t *p, size_t n)
{
    size_t got = 0;
    int rc = avila_lsm_vfs_read(t->vfs, t->file, off, p, n, &got);
    if (rc != 0)
        return rc;
    return got == n ? 0 : AVILA_EFORMAT;
}

/* Decodes a block handle (the whole of v) that MUST lie in [0, end). */
static int decode_handle(struct avila_slice v, uint64_t end, uint64_t *off, size_t *size)
{
    uint64_t o, s;
    size_t n = avila_lsm_varint_get(v.ptr, v.len, &o);
    size_t m = n > 0 ? avila_lsm_varint_get(v.ptr + n, v.len - n, &s) : 0;
    if (n == 0 || m == 0 || n + m != v.len || s > AVILA_LSM_BLOCK_MAX_BYTES || o > end ||
        s + TRAILER > end - o)
        return AVILA_EFORMAT;
    *off = o;
    *size = (size_t)s;
    return 0;
}

static void ref_drop(const struct avila_lsm_table *t, struct avila_lsm_table_blockref *r)
{
    if (r->h != NULL)
        avila_lsm_cache_release(t->cache, r->h);
    r->h = NULL;
    r->loaded = false;
}

static void ref_release(const struct avila_lsm_table *t, struct avila_lsm_table_blockref *r)
{
    ref_drop(t, r);
    avila_buf_release(&r->own);
}

/* Reads and verifies the stored block (off, size) into p (size + trailer bytes). */
static int read_block(const struct avila_lsm_table *t, uint64_t off, size_t size, uint8_t *p)
{
    int rc = read_exact(t, off, p, size + TRAILER);
    if (rc != 0)
        return rc;
    struct avila_slice c;
    enum avila_lsm_block_kind kind;
    rc = avila_lsm_block_verify(p, size + TRAILER, &c, &kind);
    if (rc == 0 && kind != AVILA_LSM_BLOCK_RAW)
        rc = AVILA_EFORMAT;
    return fmt(rc);
}

/*
 * Loads the data block named by the index value hv into r: from the cache
 * (use_cache), inserted into it on a miss (fill), else into r's own buffer.
 */
static int load_block(const struct avila_lsm_table *t, struct avila_slice hv, bool use_cache,
                      bool fill, struct avila_lsm_table_blockref *r)
{
    uint64_t off;
    size_t size;
    ref_drop(t, r);
    int rc = decode_handle(hv, t->data_end, &off, &size);
    if (rc != 0)
        return rc;
    const uint8_t *contents = NULL;
    if (use_cache && t->cache != NULL) {
        struct avila_lsm_cache_handle *h;
        if (avila_lsm_cache_lookup(t->cache, t->cache_id, off, &h) == 0) {
            r->h = h;
        } else if (fill) {
            const struct avila_allocator *ca = avila_lsm_cache_allocator(t->cache);
            uint8_t *p = avila_alloc(ca, size + TRAILER, 1);
            if (p == NULL)
                return AVILA_ENOMEM;
            rc = read_block(t, off, size, p);
            if (rc != 0) {
                avila_free(ca, p, size + TRAILER, 1);
                return rc;
            }
            rc = avila_lsm_cache_insert(t->cache, t->cache_id, off, p, size, size + TRAILER, &h);
            if (rc != 0)
                return rc;
            r->h = h;
        }
        if (r->h != NULL) {
            struct avila_slice v = avila_lsm_cache_value(r->h);
            if (v.len != size) { /* another file under this cache id */
                ref_drop(t, r);
                return AVILA_EFORMAT;
            }
            contents = v.ptr;
        }
    }
    if (contents == NULL) {
        avila_buf_clear(&r->own);
        rc = avila_buf_reserve(&r->own, size + TRAILER);
        if (rc == 0)
            rc = read_block(t, off, size, r->own.data);
        if (rc != 0)
            return rc;
        contents = r->own.data;
    }
    rc = avila_lsm_block_open(&r->blk, contents, size);
    if (rc != 0) {
        ref_drop(t, r);
        return fmt(rc);
    }
    r->loaded = true;
    return 0;
}

/* ---------------------------------------------------------------- open */

struct handle {
    uint64_t off, size;
};

static int parse_props(struct avila_slice s, struct avila_lsm_table_props *p)
{
    uint64_t vals[P_COUNT] = {0};
    struct avila_slice bytes[P_COUNT] = {0};
    bool seen[P_COUNT] = {false};
    size_t i = 0;
    while (i < s.len) {
        uint64_t tag, v;
        size_t n = avila_lsm_varint_get(s.ptr + i, s.len - i, &tag);
        if (n == 0)
            return AVILA_EFORMAT;
        i += n;
        n = avila_lsm_varint_get(s.ptr + i, s.len - i, &v);
        if (n == 0)
            return AVILA_EFORMAT;
        i += n;
        uint64_t id = tag >> 1;
        if (tag & 1) {
            if (v > s.len - i)
                return AVILA_EFORMAT;
            if (id < P_COUNT)
                bytes[id] = avila_slice_make(s.ptr + i, (size_t)v);
            i += (size_t)v;
        } else if (id < P_COUNT) {
            vals[id] = v;
        }
        if (id > 0 && id < P_COUNT) {
            bool want_bytes = id == P_SMALLEST || id == P_LARGEST;
            if (seen[id] || want_bytes != ((tag & 1) != 0))
                return AVILA_EFORMAT;
            seen[id] = true;
        }
    }
    for (unsigned id = 1; id < P_COUNT; id++)
        if (!seen[id])
            return AVILA_EFORMAT;
    p->entries = vals[P_ENTRIES];
    p->deletions = vals[P_DELETIONS];
    p->range_deletions = vals[P_RANGE_DELETIONS];
    p->raw_key_bytes = vals[P_RAW_KEY_BYTES];
    p->raw_value_bytes = vals[P_RAW_VALUE_BYTES];
    p->data_blocks = vals[P_DATA_BLOCKS];
    p->smallest_seq = vals[P_SMALLEST_SEQ];
    p->largest_seq = vals[P_LARGEST_SEQ];
    p->format_version = vals[P_FORMAT_VERSION];
    p->max_ikey_len = vals[P_MAX_IKEY_LEN];
    p->smallest = bytes[P_SMALLEST];
    p->largest = bytes[P_LARGEST];

    struct avila_lsm_ikey k;
    bool empty = p->entries == 0 && p->range_deletions == 0;
    if (p->format_version != AVILA_LSM_TABLE_FORMAT_VERSION || p->deletions > p->entries ||
        p->max_ikey_len > AVILA_LSM_IKEY_MAX || (p->entries == 0) != (p->data_blocks == 0) ||
        p->data_blocks > p->entries || p->smallest_seq > p->largest_seq ||
        p->largest_seq > AVILA_LSM_MAX_SEQ || p->smallest.len > AVILA_LSM_IKEY_MAX ||
        p->largest.len > AVILA_LSM_IKEY_MAX)
        return AVILA_EFORMAT;
    if (empty) {
        if (p->smallest.len != 0 || p->largest.len != 0)
            return AVILA_EFORMAT;
    } else if (p->max_ikey_len < AVILA_LSM_TRAILER_LEN ||
               avila_lsm_ikey_parse(p->smallest.ptr, p->smallest.len, &k) != 0 ||
               avila_lsm_ikey_parse(p->largest.ptr, p->largest.len, &k) != 0 ||
               avila_lsm_ikey_cmp(p->smallest, p->largest) > 0) {
        return AVILA_EFORMAT;
    }
    return 0;
}

/* Checks the range-del block: sorted, RANGE_DELETE keys only, count as the properties say. */
static int check_rangedels(const struct avila_lsm_table *t, uint8_t *kb)
{
    int n = avila_lsm_block_check(&t->rangedel, kb, 2 * t->key_cap);
    if (n < 0)
        return fmt(n);
    if ((uint64_t)n != t->props.range_deletions)
        return AVILA_EFORMAT;
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, &t->rangedel, kb, t->key_cap);
    int rc = avila_lsm_block_iter_seek_first(&it);
    while (rc == 0 && avila_lsm_block_iter_valid(&it)) {
        struct avila_slice k = avila_lsm_block_iter_key(&it);
        struct avila_lsm_ikey pk;
        if (avila_lsm_ikey_parse(k.ptr, k.len, &pk) != 0 || pk.kind != AVILA_LSM_RANGE_DELETE ||
            avila_lsm_block_iter_value(&it).len > AVILA_LSM_MAX_KEY_LEN)
            return AVILA_EFORMAT;
        rc = avila_lsm_block_iter_next(&it);
    }
    return fmt(rc);
}

static int open_blocks(struct avila_lsm_table *t, const struct handle h[4])
{
    /* h: index, filter, range-del, properties; meta holds them from filter's offset on. */
    struct avila_slice c[4];
    for (size_t i = 0; i < 4; i++) {
        enum avila_lsm_block_kind kind;
        uint64_t at = h[i].off - t->data_end;
        int rc = avila_lsm_block_verify(t->meta + at, (size_t)h[i].size + TRAILER, &c[i], &kind);
        if (rc != 0 || kind != AVILA_LSM_BLOCK_RAW)
            return AVILA_EFORMAT;
    }
    int rc = parse_props(c[3], &t->props);
    if (rc != 0)
        return rc;
    /* A key is rebuilt from bytes of one block: it cannot be longer than the file. */
    if (t->props.max_ikey_len > t->file_size)
        return AVILA_EFORMAT;
    t->props.file_size = t->file_size;
    t->key_cap = t->props.max_ikey_len < AVILA_LSM_TRAILER_LEN ? AVILA_LSM_TRAILER_LEN
                                                               : (size_t)t->props.max_ikey_len;
    t->filter = c[1];
    rc = avila_lsm_block_open(&t->index, c[0].ptr, c[0].len);
    if (rc == 0)
        rc = avila_lsm_block_open(&t->rangedel, c[2].ptr, c[2].len);
    if (rc != 0)
        return fmt(rc);

    size_t kb_len = 2 * t->key_cap;
    uint8_t *kb = avila_alloc(t->a, kb_len, 1);
    if (kb == NULL)
        return AVILA_ENOMEM;
    int n = avila_lsm_block_check(&t->index, kb, kb_len);
    rc = n < 0 ? fmt(n) : (uint64_t)n != t->props.data_blocks ? AVILA_EFORMAT : 0;
    if (rc == 0)
        rc = check_rangedels(t, kb);
    avila_free(t->a, kb, kb_len, 1);
    return rc;
}

static int parse_footer(const uint8_t f[FOOTER], uint64_t meta_end, struct handle h[4])
{
    if (memcmp(f + 72, AVILA_LSM_TABLE_MAGIC, MAGIC_LEN) != 0 ||
        avila_lsm_crc_unmask(avila_load_le32(f + 68)) != avila_crc32c(0, f, 68) ||
        avila_load_le32(f + 64) != AVILA_LSM_TABLE_FORMAT_VERSION)
        return AVILA_EFORMAT;
    for (size_t i = 0; i < 4; i++) {
        h[i].off = avila_load_le64(f + 16 * i);
        h[i].size = avila_load_le64(f + 16 * i + 8);
        if (h[i].size > AVILA_LSM_BLOCK_MAX_BYTES || h[i].off > meta_end ||
            h[i].size + TRAILER > meta_end - h[i].off)
            return AVILA_EFORMAT;
    }
    /* Layout: filter, range-del, properties, index, footer, back to back. */
    static const size_t order[4] = {1, 2, 3, 0};
    for (size_t i = 0; i < 4; i++) {
        const struct handle *x = &h[order[i]];
        uint64_t next = i + 1 < 4 ? h[order[i + 1]].off : meta_end;
        if (x->off + x->size + TRAILER != next)
            return AVILA_EFORMAT;
    }
    return 0;
}

int avila_lsm_table_open(const struct avila_lsm_vfs *vfs, struct avila_lsm_file *f,
                         uint64_t file_size, uint64_t cache_id, struct avila_lsm_cache *cache,
                         const struct avila_allocator *a, struct avila_lsm_table **out)
{
    if (vfs == NULL || f == NULL || a == NULL || out == NULL)
        return AVILA_EINVAL;
    struct avila_lsm_table *t = AVILA_NEW(a, struct avila_lsm_table);
    if (t == NULL)
        return AVILA_ENOMEM;
    memset(t, 0, sizeof(*t));
    t->vfs = vfs;
    t->file = f;
    t->a = a;
    t->cache = cache;
    t->cache_id = cache_id;
    t->file_size = file_size;

    int rc = AVILA_EFORMAT;
    uint8_t foot[FOOTER];
    struct handle h[4];
    if (file_size < FOOTER)
        goto fail_free_table;
    rc = read_exact(t, file_size - FOOTER, foot, FOOTER);
    if (rc == 0)
        rc = parse_footer(foot, file_size - FOOTER, h);
    if (rc != 0)
        goto fail_free_table;
    t->data_end = h[1].off;
    uint64_t meta_len = file_size - FOOTER - t->data_end;
    if (meta_len > SIZE_MAX) {
        rc = AVILA_EFORMAT;
        goto fail_free_table;
    }
    t->meta_alloc = (size_t)meta_len;
    t->meta = avila_alloc(a, t->meta_alloc, 1);
    if (t->meta == NULL) {
        rc = AVILA_ENOMEM;
        goto fail_free_table;
    }
    rc = read_exact(t, t->data_end, t->meta, t->meta_alloc);
    if (rc == 0)
        rc = open_blocks(t, h);
    if (rc != 0)
        goto fail_free_meta;
    *out = t;
    return 0;

fail_free_meta:
    avila_free(a, t->meta, t->meta_alloc, 1);
fail_free_table:
    AVILA_DELETE(a, t, struct avila_lsm_table);
    return rc;
}

void avila_lsm_table_release(struct avila_lsm_table *t)
{
    if (t == NULL)
        return;
    avila_free(t->a, t->meta, t->meta_alloc, 1);
    AVILA_DELETE(t->a, t, struct avila_lsm_table);
}

const struct avila_lsm_table_props *avila_lsm_table_props(const struct avila_lsm_table *t)
{
    return &t->props;
}

const struct avila_lsm_block *avila_lsm_table_rangedels(const struct avila_lsm_table *t)
{
    return &t->rangedel;
}

size_t avila_lsm_table_key_cap(const struct avila_lsm_table *t)
{
    return t->key_cap;
}

/* ---------------------------------------------------------------- get */

#define GET_STACK 1024

static int get_in(const struct avila_lsm_table *t, struct avila_slice user_key,
                  struct avila_slice lookup, uint8_t *kb, struct avila_lsm_table_blockref *r,
                  struct avila_buf *value, uint64_t *seq)
{
    struct avila_lsm_block_iter ix, dt;
    avila_lsm_block_iter_init(&ix, &t->index, kb, t->key_cap);
    int rc = avila_lsm_block_iter_seek(&ix, lookup);
    /* The index may pick a block whose entries all sort before lookup: then the next one. */
    while (rc == 0 && avila_lsm_block_iter_valid(&ix)) {
        rc = load_block(t, avila_lsm_block_iter_value(&ix), true, true, r);
        if (rc != 0)
            return rc;
        avila_lsm_block_iter_init(&dt, &r->blk, kb + t->key_cap, t->key_cap);
        rc = avila_lsm_block_iter_seek(&dt, lookup);
        if (rc != 0)
            return fmt(rc);
        if (avila_lsm_block_iter_valid(&dt)) {
            struct avila_slice k = avila_lsm_block_iter_key(&dt);
            struct avila_lsm_ikey pk;
            if (avila_lsm_ikey_parse(k.ptr, k.len, &pk) != 0 || pk.kind == AVILA_LSM_RANGE_DELETE)
                return AVILA_EFORMAT;
            if (!avila_slice_equal(pk.user_key, user_key))
                return AVILA_LSM_TABLE_NOT_FOUND;
            if (seq != NULL)
                *seq = pk.seq;
            if (pk.kind == AVILA_LSM_DELETE)
                return AVILA_LSM_TABLE_DELETED;
            if (value != NULL) {
                struct avila_slice v = avila_lsm_block_iter_value(&dt);
                avila_buf_clear(value);
                rc = avila_buf_append(value, v.ptr, v.len);
                if (rc != 0)
                    return rc;
            }
            return AVILA_LSM_TABLE_VALUE;
        }
        rc = avila_lsm_block_iter_next(&ix);
    }
    return fmt(rc);
}

int avila_lsm_table_get(const struct avila_lsm_table *t, struct avila_slice user_key,
                        uint64_t snapshot, struct avila_buf *value, uint64_t *seq)
{
    if (user_key.len > AVILA_LSM_MAX_KEY_LEN)
        return AVILA_EINVAL;
    if (t->props.data_blocks == 0 ||
        !avila_lsm_bloom_may_match_key(t->filter.ptr, t->filter.len, user_key))
        return AVILA_LSM_TABLE_NOT_FOUND;
    if (snapshot > AVILA_LSM_MAX_SEQ)
        snapshot = AVILA_LSM_MAX_SEQ;

    /* lookup key, then two key buffers (index, data); on the stack when small. */
    size_t need = user_key.len + AVILA_LSM_TRAILER_LEN + 2 * t->key_cap;
    uint8_t stack[GET_STACK];
    uint8_t *mem = stack;
    if (need > sizeof(stack)) {
        mem = avila_alloc(t->a, need, 1);
        if (mem == NULL)
            return AVILA_ENOMEM;
    }
    if (user_key.len > 0)
        memcpy(mem, user_key.ptr, user_key.len);
    /* The largest trailer at seq snapshot: the first entry at or after it has seq <= snapshot. */
    avila_store_le64(mem + user_key.len, avila_lsm_trailer(snapshot, AVILA_LSM_RANGE_DELETE));
    struct avila_slice lookup = avila_slice_make(mem, user_key.len + AVILA_LSM_TRAILER_LEN);

    struct avila_lsm_table_blockref r = {0};
    avila_buf_init(&r.own, t->a, SIZE_MAX);
    int rc = get_in(t, user_key, lookup, mem + lookup.len, &r, value, seq);
    ref_release(t, &r);
    if (mem != stack)
        avila_free(t->a, mem, need, 1);
    return rc;
}

/* ---------------------------------------------------------------- iterator */

int avila_lsm_table_iter_init(struct avila_lsm_table_iter *it, const struct avila_lsm_table *t,
                              const struct avila_lsm_table_iter_options *opt)
{
    memset(it, 0, sizeof(*it));
    it->t = t;
    if (opt != NULL)
        it->opt = *opt;
    it->keys_alloc = 2 * t->key_cap;
    it->keys = avila_alloc(t->a, it->keys_alloc, 1);
    if (it->keys == NULL)
        return AVILA_ENOMEM;
    avila_lsm_block_iter_init(&it->ix, &t->index, it->keys, t->key_cap);
    avila_buf_init(&it->ref.own, t->a, SIZE_MAX);
    return 0;
}

void avila_lsm_table_iter_release(struct avila_lsm_table_iter *it)
{
    ref_release(it->t, &it->ref);
    avila_free(it->t->a, it->keys, it->keys_alloc, 1);
    it->keys = NULL;
    it->valid = false;
}

static int it_fail(struct avila_lsm_table_iter *it, int rc)
{
    it->valid = false;
    it->err = fmt(rc);
    return it->err;
}

/* Loads the block the index iterator is on; the data iterator is not positioned yet. */
static int enter_block(struct avila_lsm_table_iter *it)
{
    const struct avila_lsm_table *t = it->t;
    int rc =
        load_block(t, avila_lsm_block_iter_value(&it->ix), true, !it->opt.no_fill_cache, &it->ref);
    if (rc != 0)
        return rc;
    avila_lsm_block_iter_init(&it->dt, &it->ref.blk, it->keys + t->key_cap, t->key_cap);
    return 0;
}

/* After a data-iterator move returned rc: skips forward over ended blocks. */
static int skip_forward(struct avila_lsm_table_iter *it, int rc)
{
    while (rc == 0 && !avila_lsm_block_iter_valid(&it->dt)) {
        rc = avila_lsm_block_iter_next(&it->ix);
        if (rc != 0 || !avila_lsm_block_iter_valid(&it->ix))
            break;
        rc = enter_block(it);
        if (rc == 0)
            rc = avila_lsm_block_iter_seek_first(&it->dt);
    }
    if (rc != 0)
        return it_fail(it, rc);
    it->valid = avila_lsm_block_iter_valid(&it->ix) && avila_lsm_block_iter_valid(&it->dt);
    return 0;
}

static int skip_backward(struct avila_lsm_table_iter *it, int rc)
{
    while (rc == 0 && !avila_lsm_block_iter_valid(&it->dt)) {
        rc = avila_lsm_block_iter_prev(&it->ix);
        if (rc != 0 || !avila_lsm_block_iter_valid(&it->ix))
            break;
        rc = enter_block(it);
        if (rc == 0)
            rc = avila_lsm_block_iter_seek_last(&it->dt);
    }
    if (rc != 0)
        return it_fail(it, rc);
    it->valid = avila_lsm_block_iter_valid(&it->ix) && avila_lsm_block_iter_valid(&it->dt);
    return 0;
}

/* Common start of the seeks: the index iterator has moved with result rc. */
static int start(struct avila_lsm_table_iter *it, int rc)
{
    it->err = 0;
    it->valid = false;
    if (rc != 0)
        return it_fail(it, rc);
    if (!avila_lsm_block_iter_valid(&it->ix))
        return 0;
    rc = enter_block(it);
    return rc != 0 ? it_fail(it, rc) : 0;
}

int avila_lsm_table_iter_seek(struct avila_lsm_table_iter *it, struct avila_slice ikey)
{
    if (ikey.len < AVILA_LSM_TRAILER_LEN) {
        it->valid = false;
        it->err = AVILA_EINVAL;
        return AVILA_EINVAL;
    }
    int rc = start(it, avila_lsm_block_iter_seek(&it->ix, ikey));
    if (rc != 0 || !avila_lsm_block_iter_valid(&it->ix))
        return rc;
    return skip_forward(it, avila_lsm_block_iter_seek(&it->dt, ikey));
}

int avila_lsm_table_iter_seek_first(struct avila_lsm_table_iter *it)
{
    int rc = start(it, avila_lsm_block_iter_seek_first(&it->ix));
    if (rc != 0 || !avila_lsm_block_iter_valid(&it->ix))
        return rc;
    return skip_forward(it, avila_lsm_block_iter_seek_first(&it->dt));
}

int avila_lsm_table_iter_seek_last(struct avila_lsm_table_iter *it)
{
    int rc = start(it, avila_lsm_block_iter_seek_last(&it->ix));
    if (rc != 0 || !avila_lsm_block_iter_valid(&it->ix))
        return rc;
    return skip_backward(it, avila_lsm_block_iter_seek_last(&it->dt));
}

int avila_lsm_table_iter_next(struct avila_lsm_table_iter *it)
{
    if (!it->valid)
        return it->err;
    return skip_forward(it, avila_lsm_block_iter_next(&it->dt));
}

int avila_lsm_table_iter_prev(struct avila_lsm_table_iter *it)
{
    if (!it->valid)
        return it->err;
    return skip_backward(it, avila_lsm_block_iter_prev(&it->dt));
}

bool avila_lsm_table_iter_valid(const struct avila_lsm_table_iter *it)
{
    return it->valid;
}

struct avila_slice avila_lsm_table_iter_key(const struct avila_lsm_table_iter *it)
{
    return avila_lsm_block_iter_key(&it->dt);
}

struct avila_slice avila_lsm_table_iter_value(const struct avila_lsm_table_iter *it)
{
    return avila_lsm_block_iter_value(&it->dt);
}

int avila_lsm_table_iter_status(const struct avila_lsm_table_iter *it)
{
    return it->err;
}

static int op_seek(void *s, struct avila_slice k)
{
    return avila_lsm_table_iter_seek(s, k);
}
static int op_seek_first(void *s)
{
    return avila_lsm_table_iter_seek_first(s);
}
static int op_seek_last(void *s)
{
    return avila_lsm_table_iter_seek_last(s);
}
static int op_next(void *s)
{
    return avila_lsm_table_iter_next(s);
}
static int op_prev(void *s)
{
    return avila_lsm_table_iter_prev(s);
}
static bool op_valid(const void *s)
{
    return avila_lsm_table_iter_valid(s);
}
static struct avila_slice op_key(const void *s)
{
    return avila_lsm_table_iter_key(s);
}
static struct avila_slice op_value(const void *s)
{
    return avila_lsm_table_iter_value(s);
}
static int op_status(const void *s)
{
    return avila_lsm_table_iter_status(s);
}

static const struct avila_lsm_iter_ops table_iter_ops = {
    .seek = op_seek,
    .seek_first = op_seek_first,
    .seek_last = op_seek_last,
    .next = op_next,
    .prev = op_prev,
    .valid = op_valid,
    .key = op_key,
    .value = op_value,
    .status = op_status,
};

void avila_lsm_table_iter_as(struct avila_lsm_table_iter *it, struct avila_lsm_iter *out)
{
    out->ops = &table_iter_ops;
    out->self = it;
}

/* ---------------------------------------------------------------- check */

struct check_state {
    const struct avila_lsm_table *t;
    uint8_t *prev; /* the previous entry's key (key_cap bytes) */
    size_t prev_len;
    struct avila_lsm_table_props seen;
};

/* Checks one loaded data block's entries against the running state and its separator sep. */
static int check_block(struct check_state *st, const struct avila_lsm_block *blk, uint8_t *kb,
                       struct avila_slice sep, struct avila_slice prev_sep)
{
    const struct avila_lsm_table *t = st->t;
    int n = avila_lsm_block_check(blk, kb, 2 * t->key_cap);
    if (n <= 0)
        return n < 0 ? fmt(n) : AVILA_EFORMAT;
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, blk, kb, t->key_cap);
    int rc = avila_lsm_block_iter_seek_first(&it);
    bool first = true;
    while (rc == 0 && avila_lsm_block_iter_valid(&it)) {
        struct avila_slice k = avila_lsm_block_iter_key(&it);
        struct avila_lsm_ikey pk;
        if (avila_lsm_ikey_parse(k.ptr, k.len, &pk) != 0 || pk.kind == AVILA_LSM_RANGE_DELETE)
            return AVILA_EFORMAT;
        if (st->prev_len > 0 &&
            avila_lsm_ikey_cmp(avila_slice_make(st->prev, st->prev_len), k) >= 0)
            return AVILA_EFORMAT;
        if (first && prev_sep.len > 0 && avila_lsm_ikey_cmp(prev_sep, k) >= 0)
            return AVILA_EFORMAT;
        if (avila_lsm_ikey_cmp(k, t->props.smallest) < 0 ||
            avila_lsm_ikey_cmp(k, t->props.largest) > 0 || pk.seq < t->props.smallest_seq ||
            pk.seq > t->props.largest_seq)
            return AVILA_EFORMAT;
        if (!avila_lsm_bloom_may_match_key(t->filter.ptr, t->filter.len, pk.user_key))
            return AVILA_EFORMAT;
        st->seen.entries++;
        st->seen.deletions += pk.kind == AVILA_LSM_DELETE;
        st->seen.raw_key_bytes += k.len;
        st->seen.raw_value_bytes += avila_lsm_block_iter_value(&it).len;
        memcpy(st->prev, k.ptr, k.len);
        st->prev_len = k.len;
        first = false;
        rc = avila_lsm_block_iter_next(&it);
    }
    if (rc != 0)
        return fmt(rc);
    /* The separator is at or after the block's last key. */
    if (avila_lsm_ikey_cmp(avila_slice_make(st->prev, st->prev_len), sep) > 0)
        return AVILA_EFORMAT;
    return 0;
}

static int check_all(struct check_state *st, uint8_t *mem)
{
    const struct avila_lsm_table *t = st->t;
    size_t cap = t->key_cap;
    uint8_t *ixkey = mem, *sepcopy = mem + cap, *kb = mem + 3 * cap;
    st->prev = mem + 2 * cap;
    size_t sep_len = 0;
    struct avila_lsm_table_blockref r = {0};
    avila_buf_init(&r.own, t->a, SIZE_MAX);
    struct avila_lsm_block_iter ix;
    avila_lsm_block_iter_init(&ix, &t->index, ixkey, cap);
    int rc = avila_lsm_block_iter_seek_first(&ix);
    while (rc == 0 && avila_lsm_block_iter_valid(&ix)) {
        struct avila_slice sep = avila_lsm_block_iter_key(&ix);
        uint64_t off;
        size_t size;
        rc = decode_handle(avila_lsm_block_iter_value(&ix), t->data_end, &off, &size);
        /* Blocks lie back to back from offset 0 to the filter block. */
        if (rc == 0 && off != st->seen.file_size)
            rc = AVILA_EFORMAT;
        if (rc == 0)
            rc = load_block(t, avila_lsm_block_iter_value(&ix), false, false, &r);
        if (rc == 0)
            rc = check_block(st, &r.blk, kb, sep, avila_slice_make(sepcopy, sep_len));
        if (rc != 0)
            break;
        st->seen.file_size = off + size + TRAILER;
        st->seen.data_blocks++;
        memcpy(sepcopy, sep.ptr, sep.len);
        sep_len = sep.len;
        rc = avila_lsm_block_iter_next(&ix);
    }
    ref_release(t, &r);
    if (rc != 0)
        return fmt(rc);
    const struct avila_lsm_table_props *p = &t->props;
    if (st->seen.file_size != t->data_end || st->seen.data_blocks != p->data_blocks ||
        st->seen.entries != p->entries || st->seen.deletions != p->deletions ||
        st->seen.raw_key_bytes != p->raw_key_bytes ||
        st->seen.raw_value_bytes != p->raw_value_bytes)
        return AVILA_EFORMAT;
    return 0;
}

int avila_lsm_table_check(const struct avila_lsm_table *t)
{
    /* Key buffers: index key, previous separator, previous entry, then 2 for block_check. */
    size_t len = 5 * t->key_cap;
    uint8_t *mem = avila_alloc(t->a, len, 1);
    if (mem == NULL)
        return AVILA_ENOMEM;
    struct check_state st = {.t = t};
    int rc = check_all(&st, mem);
    avila_free(t->a, mem, len, 1);
    return rc;
}
