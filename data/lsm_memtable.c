/*
 * data/lsm_memtable.c - the memtable skiplist (see data/lsm_memtable.h).
 * Pure. No standard; the structure is W. Pugh's skiplist ("Skip lists: a
 * probabilistic alternative to balanced trees", CACM 1990) with p = 1/4,
 * made safe for one writer and lock-free readers by publishing each node
 * with release stores from the bottom level up.
 */
#include "data/lsm_memtable.h"

/*
 * One entry: a header, `height` links, then the internal key (user key and
 * 8-byte trailer) and the value. One arena allocation.
 */
struct avila_lsm_memtable_node {
    uint32_t key_len;   /* internal key bytes; the height in the top 8 bits (see layout) */
    uint32_t value_len; /* value bytes */
    _Atomic(struct avila_lsm_memtable_node *) next[];
};

typedef struct avila_lsm_memtable_node node;

_Static_assert(AVILA_LSM_MAX_KEY_LEN + AVILA_LSM_TRAILER_LEN <= UINT32_MAX, "key_len is 32-bit");
_Static_assert(AVILA_LSM_MAX_VALUE_LEN <= UINT32_MAX, "value_len is 32-bit");
_Static_assert(AVILA_LSM_MEMTABLE_MAX_HEIGHT <= 32, "heights are small");

#define ARENA_FIRST_CHUNK ((size_t)4096)
#define ARENA_MAX_CHUNK   ((size_t)1 << 20)

/* A node's internal key and value. */
struct node_view {
    struct avila_slice key;
    struct avila_slice value;
};

static size_t node_size(int height, size_t key_len, size_t value_len)
{
    return sizeof(node) + (size_t)height * sizeof(_Atomic(node *)) + key_len + value_len;
}

static _Atomic(node *) *link_at(const node *n, int level)
{
    return (_Atomic(node *) *)&n->next[level];
}

static node *next_acq(const node *n, int level)
{
    return atomic_load_explicit(link_at(n, level), memory_order_acquire);
}

static int max_height(const struct avila_lsm_memtable *mt)
{
    return atomic_load_explicit(&mt->height, memory_order_relaxed);
}

/* ---------------------------------------------------------------- layout */

/*
 * Readers need a node's height to find its key (after the links), so the
 * height is kept in the top 8 bits of key_len (an internal key takes at
 * most 17 bits).
 */
#define KEY_LEN_BITS 24
#define KEY_LEN_MASK ((UINT32_C(1) << KEY_LEN_BITS) - 1)
_Static_assert(AVILA_LSM_MAX_KEY_LEN + AVILA_LSM_TRAILER_LEN <= KEY_LEN_MASK, "key fits 24 bits");

static uint8_t node_height(const node *n)
{
    return (uint8_t)(n->key_len >> KEY_LEN_BITS);
}

static const uint8_t *node_key(const node *n, int height)
{
    return (const uint8_t *)&n->next[height];
}

static struct node_view view(const node *n)
{
    const uint8_t *k = node_key(n, node_height(n));
    size_t kl = n->key_len & KEY_LEN_MASK;
    return (struct node_view){avila_slice_make(k, kl), avila_slice_make(k + kl, n->value_len)};
}

/* Order of node n against the internal key (ukey, trailer): <0, 0, >0. */
static int cmp_node(const node *n, struct avila_slice ukey, uint64_t trailer)
{
    struct avila_slice k = view(n).key;
    struct avila_slice nu = avila_slice_make(k.ptr, k.len - AVILA_LSM_TRAILER_LEN);
    int c = avila_lsm_user_cmp(nu, ukey);
    if (c != 0)
        return c;
    uint64_t t = avila_load_le64(k.ptr + nu.len);
    return t > trailer ? -1 : t < trailer ? 1 : 0;
}

/*
 * The first node >= (ukey, trailer), or NULL; prev (if not NULL) gets, at
 * every level, the last node before it (the head when none).
 */
static node *find_ge(const struct avila_lsm_memtable *mt, struct avila_slice ukey, uint64_t trailer,
                     node **prev)
{
    node *x = mt->head;
    int level = max_height(mt) - 1;
    for (;;) {
        node *nx = next_acq(x, level);
        if (nx != NULL && cmp_node(nx, ukey, trailer) < 0) {
            x = nx;
            continue;
        }
        if (prev != NULL)
            prev[level] = x;
        if (level == 0)
            return nx;
        level--;
    }
}

/* The last node < (ukey, trailer), or the head. */
static const node *find_lt(const struct avila_lsm_memtable *mt, struct avila_slice ukey,
                           uint64_t trailer)
{
    const node *x = mt->head;
    int level = max_height(mt) - 1;
    for (;;) {
        const node *nx = next_acq(x, level);
        if (nx != NULL && cmp_node(nx, ukey, trailer) < 0) {
            x = nx;
            continue;
        }
        if (level == 0)
            return x;
        level--;
    }
}

/* ---------------------------------------------------------------- writer */

static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int random_height(struct avila_lsm_memtable *mt)
{
    uint64_t r = rng_next(&mt->rng);
    int h = 1;
    /* Each further level with probability 1/4: two bits of r per level. */
    while (h < AVILA_LSM_MEMTABLE_MAX_HEIGHT && (r & 3) == 0) {
        h++;
        r >>= 2;
    }
    return h;
}

/* The arena's parent: the caller's allocator, noting refusals (ENOMEM vs ELIMIT). */
static void *view_alloc(void *ctx, size_t size, size_t align)
{
    struct avila_lsm_memtable *mt = ctx;
    void *p = avila_alloc(mt->parent, size, align);
    mt->parent_refused = p == NULL;
    return p;
}

static void *view_realloc(void *ctx, void *p, size_t old_size, size_t new_size, size_t align)
{
    struct avila_lsm_memtable *mt = ctx;
    void *q = avila_realloc(mt->parent, p, old_size, new_size, align);
    mt->parent_refused = q == NULL;
    return q;
}

static void view_free(void *ctx, void *p, size_t size, size_t align)
{
    struct avila_lsm_memtable *mt = ctx;
    avila_free(mt->parent, p, size, align);
}

static void add_bytes(struct avila_lsm_memtable *mt, size_t n)
{
    size_t b = atomic_load_explicit(&mt->bytes, memory_order_relaxed);
    atomic_store_explicit(&mt->bytes, b + n, memory_order_relaxed);
}

int avila_lsm_memtable_init(struct avila_lsm_memtable *mt, const struct avila_allocator *a,
                            const struct avila_lsm_memtable_config *cfg)
{
    struct avila_lsm_memtable_config c = cfg != NULL ? *cfg : (struct avila_lsm_memtable_config){0};
    if (c.limit_bytes == 0)
        c.limit_bytes = AVILA_LSM_MEMTABLE_DEFAULT_LIMIT_BYTES;
    if (c.max_bytes == 0) {
        c.max_bytes = c.limit_bytes + AVILA_LSM_MEMTABLE_DEFAULT_HEADROOM;
        if (c.max_bytes < c.limit_bytes)
            c.max_bytes = SIZE_MAX;
    }
    if (c.seed == 0)
        c.seed = AVILA_LSM_MEMTABLE_DEFAULT_SEED;
    if (a == NULL || c.max_bytes < c.limit_bytes)
        return AVILA_EINVAL;
    struct avila_arena_config ac = {.max_bytes = c.max_bytes};
    ac.max_chunk_bytes = c.max_bytes < ARENA_MAX_CHUNK ? c.max_bytes : ARENA_MAX_CHUNK;
    ac.chunk_bytes =
        ac.max_chunk_bytes < ARENA_FIRST_CHUNK ? ac.max_chunk_bytes : ARENA_FIRST_CHUNK;
    mt->parent = a;
    mt->view = (struct avila_allocator){
        .alloc = view_alloc, .realloc = view_realloc, .free = view_free, .ctx = mt};
    mt->parent_refused = false;
    int rc = avila_arena_init(&mt->arena, &mt->view, &ac);
    if (rc != 0)
        return rc;
    size_t hs = node_size(AVILA_LSM_MEMTABLE_MAX_HEIGHT, 0, 0);
    node *h = avila_arena_alloc(&mt->arena, hs, _Alignof(node));
    if (h == NULL) {
        avila_arena_release(&mt->arena);
        return mt->parent_refused ? AVILA_ENOMEM : AVILA_ELIMIT;
    }
    h->key_len = (uint32_t)AVILA_LSM_MEMTABLE_MAX_HEIGHT << KEY_LEN_BITS;
    h->value_len = 0;
    for (int i = 0; i < AVILA_LSM_MEMTABLE_MAX_HEIGHT; i++)
        atomic_init(&h->next[i], NULL);
    mt->head = h;
    atomic_init(&mt->height, 1);
    mt->rng = c.seed;
    atomic_init(&mt->count, 0);
    atomic_init(&mt->bytes, hs);
    mt->limit_bytes = c.limit_bytes;
    return 0;
}

void avila_lsm_memtable_release(struct avila_lsm_memtable *mt)
{
    avila_arena_release(&mt->arena);
    mt->head = NULL;
    atomic_store_explicit(&mt->count, 0, memory_order_relaxed);
    atomic_store_explicit(&mt->bytes, 0, memory_order_relaxed);
}

int avila_lsm_memtable_add(struct avila_lsm_memtable *mt, uint64_t seq, enum avila_lsm_kind kind,
                           struct avila_slice user_key, struct avila_slice value)
{
    if (user_key.len > AVILA_LSM_MAX_KEY_LEN || value.len > AVILA_LSM_MAX_VALUE_LEN ||
        seq > AVILA_LSM_MAX_SEQ || (unsigned)kind > AVILA_LSM_RANGE_DELETE || mt->head == NULL)
        return AVILA_EINVAL;
    uint64_t trailer = avila_lsm_trailer(seq, kind);
    node *prev[AVILA_LSM_MEMTABLE_MAX_HEIGHT];
    node *at = find_ge(mt, user_key, trailer, prev);
    if (at != NULL && cmp_node(at, user_key, trailer) == 0)
        return AVILA_EEXIST;

    /* Draw the height only once the add can no longer be refused by the search. */
    uint64_t saved_rng = mt->rng;
    int h = random_height(mt);
    size_t klen = user_key.len + AVILA_LSM_TRAILER_LEN;
    size_t size = node_size(h, klen, value.len);
    mt->parent_refused = false;
    node *x = avila_arena_alloc(&mt->arena, size, _Alignof(node));
    if (x == NULL) {
        mt->rng = saved_rng;
        return mt->parent_refused ? AVILA_ENOMEM : AVILA_ELIMIT;
    }
    x->key_len = (uint32_t)h << KEY_LEN_BITS | (uint32_t)klen;
    x->value_len = (uint32_t)value.len;
    uint8_t *k = (uint8_t *)node_key(x, h);
    if (user_key.len != 0)
        memcpy(k, user_key.ptr, user_key.len);
    avila_store_le64(k + user_key.len, trailer);
    if (value.len != 0)
        memcpy(k + klen, value.ptr, value.len);

    int cur = max_height(mt);
    if (h > cur) {
        for (int i = cur; i < h; i++)
            prev[i] = mt->head;
        /*
         * A reader that sees the new height before the links finds NULL at
         * the head's new levels and simply descends: relaxed is enough.
         */
        atomic_store_explicit(&mt->height, h, memory_order_relaxed);
    }
    for (int i = 0; i < h; i++) {
        /* x is not reachable yet: its own links need no ordering. */
        atomic_store_explicit(&x->next[i],
                              atomic_load_explicit(&prev[i]->next[i], memory_order_relaxed),
                              memory_order_relaxed);
        /* Publish: everything written to x so far happens-before a reader's acquire load of it. */
        atomic_store_explicit(&prev[i]->next[i], x, memory_order_release);
    }
    atomic_store_explicit(&mt->count, atomic_load_explicit(&mt->count, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    add_bytes(mt, size);
    return 0;
}

/* ---------------------------------------------------------------- readers */

int avila_lsm_memtable_get(const struct avila_lsm_memtable *mt, struct avila_slice user_key,
                           uint64_t snapshot, struct avila_slice *value, uint64_t *seq)
{
    if (user_key.len > AVILA_LSM_MAX_KEY_LEN)
        return AVILA_EINVAL;
    if (snapshot > AVILA_LSM_MAX_SEQ)
        snapshot = AVILA_LSM_MAX_SEQ;
    /* The largest kind sorts first among equal sequence numbers. */
    const node *n =
        find_ge(mt, user_key, avila_lsm_trailer(snapshot, AVILA_LSM_RANGE_DELETE), NULL);
    for (; n != NULL; n = next_acq(n, 0)) {
        struct node_view v = view(n);
        struct avila_slice nu = avila_slice_make(v.key.ptr, v.key.len - AVILA_LSM_TRAILER_LEN);
        if (!avila_slice_equal(nu, user_key))
            break;
        uint64_t t = avila_load_le64(v.key.ptr + nu.len);
        unsigned kind = (unsigned)(t & 0xff);
        if (kind == AVILA_LSM_RANGE_DELETE)
            continue;
        if (seq != NULL)
            *seq = t >> 8;
        if (kind == AVILA_LSM_DELETE)
            return AVILA_LSM_MEMTABLE_DELETED;
        *value = v.value;
        return AVILA_LSM_MEMTABLE_VALUE;
    }
    return AVILA_LSM_MEMTABLE_NOT_FOUND;
}

size_t avila_lsm_memtable_count(const struct avila_lsm_memtable *mt)
{
    return atomic_load_explicit(&mt->count, memory_order_relaxed);
}

size_t avila_lsm_memtable_bytes(const struct avila_lsm_memtable *mt)
{
    return atomic_load_explicit(&mt->bytes, memory_order_relaxed);
}

bool avila_lsm_memtable_full(const struct avila_lsm_memtable *mt)
{
    return avila_lsm_memtable_bytes(mt) >= mt->limit_bytes;
}

/* ---------------------------------------------------------------- iterator */

void avila_lsm_memtable_iter_init(struct avila_lsm_memtable_iter *it,
                                  const struct avila_lsm_memtable *mt)
{
    it->mt = mt;
    it->node = NULL;
}

int avila_lsm_memtable_iter_seek(struct avila_lsm_memtable_iter *it, struct avila_slice ikey)
{
    it->node = NULL;
    if (ikey.len < AVILA_LSM_TRAILER_LEN)
        return AVILA_EINVAL;
    struct avila_slice u = avila_slice_make(ikey.ptr, ikey.len - AVILA_LSM_TRAILER_LEN);
    it->node = find_ge(it->mt, u, avila_load_le64(ikey.ptr + u.len), NULL);
    return 0;
}

void avila_lsm_memtable_iter_seek_first(struct avila_lsm_memtable_iter *it)
{
    it->node = next_acq(it->mt->head, 0);
}

void avila_lsm_memtable_iter_seek_last(struct avila_lsm_memtable_iter *it)
{
    const node *x = it->mt->head;
    int level = max_height(it->mt) - 1;
    for (;;) {
        const node *nx = next_acq(x, level);
        if (nx != NULL) {
            x = nx;
            continue;
        }
        if (level == 0)
            break;
        level--;
    }
    it->node = x == it->mt->head ? NULL : x;
}

void avila_lsm_memtable_iter_next(struct avila_lsm_memtable_iter *it)
{
    if (it->node != NULL)
        it->node = next_acq(it->node, 0);
}

void avila_lsm_memtable_iter_prev(struct avila_lsm_memtable_iter *it)
{
    if (it->node == NULL)
        return;
    struct avila_slice k = view(it->node).key;
    struct avila_slice u = avila_slice_make(k.ptr, k.len - AVILA_LSM_TRAILER_LEN);
    const node *p = find_lt(it->mt, u, avila_load_le64(k.ptr + u.len));
    it->node = p == it->mt->head ? NULL : p;
}

bool avila_lsm_memtable_iter_valid(const struct avila_lsm_memtable_iter *it)
{
    return it->node != NULL;
}

struct avila_slice avila_lsm_memtable_iter_key(const struct avila_lsm_memtable_iter *it)
{
    return view(it->node).key;
}

struct avila_slice avila_lsm_memtable_iter_value(const struct avila_lsm_memtable_iter *it)
{
    return view(it->node).value;
}

/* ---------------------------------------------------------------- lsm_iter adapter */

static int mi_seek(void *self, struct avila_slice ikey)
{
    return avila_lsm_memtable_iter_seek(self, ikey);
}

static int mi_seek_first(void *self)
{
    avila_lsm_memtable_iter_seek_first(self);
    return 0;
}

static int mi_seek_last(void *self)
{
    avila_lsm_memtable_iter_seek_last(self);
    return 0;
}

static int mi_next(void *self)
{
    avila_lsm_memtable_iter_next(self);
    return 0;
}

static int mi_prev(void *self)
{
    avila_lsm_memtable_iter_prev(self);
    return 0;
}

static bool mi_valid(const void *self)
{
    return avila_lsm_memtable_iter_valid(self);
}

static struct avila_slice mi_key(const void *self)
{
    return avila_lsm_memtable_iter_key(self);
}

static struct avila_slice mi_value(const void *self)
{
    return avila_lsm_memtable_iter_value(self);
}

static int mi_status(const void *self)
{
    (void)self;
    return 0;
}

static const struct avila_lsm_iter_ops memtable_iter_ops = {
    .seek = mi_seek,
    .seek_first = mi_seek_first,
    .seek_last = mi_seek_last,
    .next = mi_next,
    .prev = mi_prev,
    .valid = mi_valid,
    .key = mi_key,
    .value = mi_value,
    .status = mi_status,
};

void avila_lsm_memtable_iter_as(struct avila_lsm_memtable_iter *it, struct avila_lsm_iter *out)
{
    out->ops = &memtable_iter_ops;
    out->self = it;
}
