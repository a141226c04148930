/*
 * core/pool.c - fixed-size object pool with an intrusive free list. Pure.
 * No standard; see core/alloc.h for the interface.
 *
 * Chunk layout: [struct avila_pool_chunk][bitmap: 1 bit per slot][pad][slots].
 * A slot is handed out either from the free list (freed slots, linked through
 * their first word) or by bumping the newest chunk's `used` index, so a new
 * chunk costs no walk over its slots. The bitmap records which slots are
 * allocated: it turns a double free, a foreign or interior pointer, and a
 * free-list link overwritten after free into a trap instead of silent heap
 * corruption.
 */
#include "core/alloc.h"

#define CHUNK_ALIGN _Alignof(struct avila_pool_chunk)

static size_t bitmap_bytes(size_t n)
{
    return n / 8 + (n % 8 != 0);
}

static int bit_get(const struct avila_pool_chunk *c, size_t i)
{
    return (c->bitmap[i / 8] >> (i % 8)) & 1;
}

static void bit_flip(struct avila_pool_chunk *c, size_t i)
{
    c->bitmap[i / 8] ^= (uint8_t)(1u << (i % 8));
}

/*
 * Sizes a chunk of n slots whose header sits at address at: *slots_off is the
 * offset of the first slot from the header and *total the bytes from the
 * header to the end of the last slot. Only at's misalignment matters.
 */
static int layout(const struct avila_pool *pool, uintptr_t at, size_t n, size_t *slots_off,
                  size_t *total)
{
    size_t mis = (size_t)(at & (pool->slot_align - 1));
    size_t off;
    if (avila_size_add(mis + sizeof(struct avila_pool_chunk), bitmap_bytes(n), &off) != 0 ||
        avila_size_align_up(off, pool->slot_align, &off) != 0 ||
        avila_size_mul_add(n, pool->slot_size, off - mis, total) != 0)
        return AVILA_EOVERFLOW;
    *slots_off = off - mis;
    return 0;
}

static void chunk_setup(struct avila_pool *pool, struct avila_pool_chunk *c, size_t n,
                        size_t slots_off, size_t bytes, size_t align)
{
    c->next = pool->chunks;
    c->slots = (uint8_t *)c + slots_off;
    c->nslots = n;
    c->used = 0;
    c->bytes = bytes;
    c->align = align;
    memset(c->bitmap, 0, bitmap_bytes(n));
    pool->chunks = c;
    pool->capacity += n;
}

/* Fills the fields shared by both kinds of pool; AVILA_EINVAL/AVILA_EOVERFLOW on bad sizes. */
static int init_common(struct avila_pool *pool, const struct avila_allocator *parent,
                       size_t obj_size, size_t obj_align)
{
    if (!avila_alloc_align_ok(obj_align))
        return AVILA_EINVAL;
    size_t slot_align = AVILA_POOL_SLOT_ALIGN(obj_align);
    size_t slot_size = obj_size > sizeof(void *) ? obj_size : sizeof(void *);
    if (avila_size_align_up(slot_size, slot_align, &slot_size) != 0)
        return AVILA_EOVERFLOW;
    pool->parent = parent;
    pool->chunks = NULL;
    pool->free_list = NULL;
    pool->slot_size = slot_size;
    pool->slot_align = slot_align;
    pool->obj_size = obj_size;
    pool->capacity = 0;
    pool->live = 0;
    return 0;
}

int avila_pool_init(struct avila_pool *pool, const struct avila_allocator *parent, size_t obj_size,
                    size_t obj_align, const struct avila_pool_config *cfg)
{
    struct avila_pool_config c = cfg != NULL ? *cfg : (struct avila_pool_config){0};
    if (c.chunk_objects == 0)
        c.chunk_objects = AVILA_POOL_DEFAULT_CHUNK_OBJECTS;
    if (c.max_objects == 0)
        c.max_objects = AVILA_POOL_DEFAULT_MAX_OBJECTS;
    if (parent == NULL || c.chunk_objects > c.max_objects)
        return AVILA_EINVAL;
    int rc = init_common(pool, parent, obj_size, obj_align);
    if (rc != 0)
        return rc;
    /* Every later chunk is no larger than this one, so its sizing cannot overflow. */
    size_t off, total;
    rc = layout(pool, 0, c.max_objects, &off, &total);
    if (rc != 0)
        return rc;
    pool->chunk_objects = c.chunk_objects;
    pool->max_objects = c.max_objects;
    return 0;
}

int avila_pool_init_buffer(struct avila_pool *pool, void *mem, size_t size, size_t obj_size,
                           size_t obj_align)
{
    if (mem == NULL)
        return AVILA_EINVAL;
    int rc = init_common(pool, NULL, obj_size, obj_align);
    if (rc != 0)
        return rc;
    uintptr_t at = ((uintptr_t)mem + CHUNK_ALIGN - 1) & ~(uintptr_t)(CHUNK_ALIGN - 1);
    size_t skip = (size_t)(at - (uintptr_t)mem);
    if (skip > size)
        return AVILA_ENOSPC;
    size_t avail = size - skip;
    /* n slots take n * slot_size + n / 8 bytes plus at most one slot of header slack,
     * so this estimate is at most two above the answer. */
    size_t n = avail <= SIZE_MAX / 8 ? avail * 8 / (8 * pool->slot_size + 1)
                                     : avail / (pool->slot_size + 1);
    size_t off = 0, total;
    while (n > 0 && (layout(pool, at, n, &off, &total) != 0 || total > avail))
        n--;
    if (n == 0)
        return AVILA_ENOSPC;
    chunk_setup(pool, (struct avila_pool_chunk *)((uint8_t *)mem + skip), n, off, 0, 0);
    pool->chunk_objects = n;
    pool->max_objects = n;
    return 0;
}

/*
 * The chunk holding slot p and p's index there; traps unless p is the start
 * of a slot handed out at least once. Walks the (short) chunk list.
 */
static struct avila_pool_chunk *owner(const struct avila_pool *pool, const void *p, size_t *index)
{
    uintptr_t a = (uintptr_t)p;
    for (struct avila_pool_chunk *c = pool->chunks; c != NULL; c = c->next) {
        uintptr_t s = (uintptr_t)c->slots;
        if (a < s || a - s >= c->nslots * pool->slot_size)
            continue;
        size_t off = (size_t)(a - s);
        if (off % pool->slot_size != 0 || off / pool->slot_size >= c->used)
            break;
        *index = off / pool->slot_size;
        return c;
    }
    __builtin_trap();
}

/* The chunk and index of p; traps unless p is an allocated slot. */
static struct avila_pool_chunk *allocated(const struct avila_pool *pool, const void *p,
                                          size_t *index)
{
    struct avila_pool_chunk *c = owner(pool, p, index);
    if (!bit_get(c, *index))
        __builtin_trap();
    return c;
}

/* A new chunk from the parent, doubling the newest; NULL at max_objects or on refusal. */
static struct avila_pool_chunk *add_chunk(struct avila_pool *pool)
{
    if (pool->parent == NULL || pool->capacity >= pool->max_objects)
        return NULL;
    size_t room = pool->max_objects - pool->capacity;
    size_t n = pool->chunk_objects;
    if (pool->chunks != NULL)
        n = pool->chunks->nslots > room / 2 ? room : pool->chunks->nslots * 2;
    if (n > room)
        n = room;
    size_t off, bytes;
    if (layout(pool, 0, n, &off, &bytes) != 0)
        return NULL;
    size_t align = pool->slot_align > CHUNK_ALIGN ? pool->slot_align : CHUNK_ALIGN;
    struct avila_pool_chunk *c = avila_alloc(pool->parent, bytes, align);
    if (c == NULL)
        return NULL;
    chunk_setup(pool, c, n, off, bytes, align);
    return c;
}

void *avila_pool_alloc(struct avila_pool *pool)
{
    struct avila_pool_chunk *c;
    size_t i;
    void *p = pool->free_list;
    if (p != NULL) {
        c = owner(pool, p, &i);
        /* A free-list entry that is allocated means the list was overwritten. */
        if (bit_get(c, i))
            __builtin_trap();
        memcpy(&pool->free_list, p, sizeof(void *));
    } else {
        c = pool->chunks;
        if (c == NULL || c->used == c->nslots) {
            c = add_chunk(pool);
            if (c == NULL)
                return NULL;
        }
        i = c->used++;
        p = c->slots + i * pool->slot_size;
    }
    bit_flip(c, i);
    pool->live++;
    return p;
}

void avila_pool_free(struct avila_pool *pool, void *p)
{
    if (p == NULL)
        return;
    size_t i;
    struct avila_pool_chunk *c = allocated(pool, p, &i);
    bit_flip(c, i);
    memcpy(p, &pool->free_list, sizeof(void *));
    pool->free_list = p;
    pool->live--;
}

size_t avila_pool_live(const struct avila_pool *pool)
{
    return pool->live;
}

size_t avila_pool_capacity(const struct avila_pool *pool)
{
    return pool->capacity;
}

void avila_pool_release(struct avila_pool *pool)
{
    struct avila_pool_chunk *c = pool->chunks;
    pool->chunks = NULL;
    pool->capacity = 0;
    pool->free_list = NULL;
    pool->live = 0;
    while (c != NULL) {
        struct avila_pool_chunk *next = c->next;
        if (c->bytes == 0)
            chunk_setup(pool, c, c->nslots, (size_t)(c->slots - (uint8_t *)c), 0, 0);
        else
            avila_free(pool->parent, c, c->bytes, c->align);
        c = next;
    }
}

/* ------------------------------------------------------------- allocator view */

static void *view_alloc(void *ctx, size_t size, size_t align)
{
    struct avila_pool *pool = ctx;
    if (!avila_alloc_align_ok(align) || align > pool->slot_align || size > pool->obj_size)
        return NULL;
    return avila_pool_alloc(pool);
}

static void *view_realloc(void *ctx, void *p, size_t old_size, size_t new_size, size_t align)
{
    struct avila_pool *pool = ctx;
    (void)old_size;
    if (p == NULL)
        return view_alloc(ctx, new_size, align);
    size_t i;
    allocated(pool, p, &i);
    if (!avila_alloc_align_ok(align) || align > pool->slot_align || new_size > pool->obj_size)
        return NULL;
    return p;
}

static void view_free(void *ctx, void *p, size_t size, size_t align)
{
    struct avila_pool *pool = ctx;
    (void)align;
    if (p != NULL && size > pool->obj_size)
        __builtin_trap();
    avila_pool_free(pool, p);
}

struct avila_allocator avila_pool_allocator(struct avila_pool *pool)
{
    return (struct avila_allocator){
        .alloc = view_alloc, .realloc = view_realloc, .free = view_free, .ctx = pool};
}
