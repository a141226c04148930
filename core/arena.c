/*
 * core/arena.c - bump arena over a parent allocator or one caller buffer.
 * Pure. No standard; see core/alloc.h for the interface.
 *
 * The arena allocates from one region at a time: the caller buffer, or the
 * newest chunk taken from the parent. Chunks form a list from newest to
 * oldest through their headers; a region that cannot serve a request is
 * abandoned for a new chunk, whose size doubles the previous chunk's (up to
 * max_chunk_bytes) so that the number of chunks stays logarithmic.
 * Positions are offsets into the region, so no pointer is ever formed
 * outside an object.
 */
#include "core/alloc.h"

/* Header at the start of every chunk taken from the parent. */
struct avila_arena_chunk {
    struct avila_arena_chunk *prev; /* the next older chunk, or NULL */
    size_t size;                    /* bytes allocated from the parent, header included */
    size_t align;                   /* alignment it was allocated with */
};

#define CHUNK_ALIGN _Alignof(struct avila_arena_chunk)

/* A region is a chunk, or the caller buffer (c == NULL; empty in parent mode). */
static size_t region_start(const struct avila_arena_chunk *c)
{
    return c != NULL ? sizeof *c : 0;
}

static size_t region_end(const struct avila_arena *ar, const struct avila_arena_chunk *c)
{
    return c != NULL ? c->size : ar->buf_size;
}

static void set_region(struct avila_arena *ar, struct avila_arena_chunk *c)
{
    ar->base = c != NULL ? (uint8_t *)c : ar->buf;
    ar->end = region_end(ar, c);
}

static void init_common(struct avila_arena *ar)
{
    ar->chunk = NULL;
    ar->held = 0;
    set_region(ar, NULL);
    ar->pos = 0;
}

int avila_arena_init(struct avila_arena *ar, const struct avila_allocator *parent,
                     const struct avila_arena_config *cfg)
{
    struct avila_arena_config c = cfg != NULL ? *cfg : (struct avila_arena_config){0};
    if (c.chunk_bytes == 0)
        c.chunk_bytes = AVILA_ARENA_DEFAULT_CHUNK_BYTES;
    if (c.max_chunk_bytes == 0)
        c.max_chunk_bytes = AVILA_ARENA_DEFAULT_MAX_CHUNK_BYTES;
    if (c.max_bytes == 0)
        c.max_bytes = AVILA_ARENA_DEFAULT_MAX_BYTES;
    if (parent == NULL || c.chunk_bytes > c.max_chunk_bytes || c.max_chunk_bytes > c.max_bytes)
        return AVILA_EINVAL;
    ar->parent = parent;
    ar->buf = NULL;
    ar->buf_size = 0;
    ar->chunk_bytes = c.chunk_bytes;
    ar->max_chunk_bytes = c.max_chunk_bytes;
    ar->max_bytes = c.max_bytes;
    init_common(ar);
    return 0;
}

int avila_arena_init_buffer(struct avila_arena *ar, void *mem, size_t size)
{
    if (mem == NULL && size != 0)
        return AVILA_EINVAL;
    ar->parent = NULL;
    ar->buf = mem;
    ar->buf_size = size;
    ar->chunk_bytes = 0;
    ar->max_chunk_bytes = 0;
    ar->max_bytes = 0;
    init_common(ar);
    return 0;
}

/* Finds room for size bytes aligned to align in the current region: 1 and *at, or 0. */
static int fit(const struct avila_arena *ar, size_t size, size_t align, size_t *at)
{
    if (ar->base == NULL)
        return 0;
    uintptr_t addr = (uintptr_t)ar->base + ar->pos;
    size_t pad = (size_t)(-addr & (align - 1));
    size_t room = ar->end - ar->pos;
    if (pad > room || size > room - pad)
        return 0;
    *at = ar->pos + pad;
    return 1;
}

/* The size of the next chunk before limits: double the newest, capped; the configured first. */
static size_t next_chunk_size(const struct avila_arena *ar)
{
    if (ar->chunk == NULL)
        return ar->chunk_bytes;
    if (ar->chunk->size >= ar->max_chunk_bytes / 2)
        return ar->max_chunk_bytes;
    return ar->chunk->size * 2;
}

/* Makes a new chunk with room for size bytes aligned to align the current region; 0 on failure. */
static int grow(struct avila_arena *ar, size_t size, size_t align)
{
    if (ar->parent == NULL)
        return 0;
    /* The chunk is aligned to at least align, so the data offset is fixed. */
    size_t need;
    if (avila_size_align_up(sizeof(struct avila_arena_chunk), align, &need) != 0 ||
        avila_size_add(need, size, &need) != 0)
        return 0;
    size_t room = ar->max_bytes - ar->held;
    if (need > room)
        return 0;
    size_t want = next_chunk_size(ar);
    if (want > room)
        want = room;
    if (want < need)
        want = need;
    size_t chunk_align = align > CHUNK_ALIGN ? align : CHUNK_ALIGN;
    struct avila_arena_chunk *c = avila_alloc(ar->parent, want, chunk_align);
    if (c == NULL)
        return 0;
    c->prev = ar->chunk;
    c->size = want;
    c->align = chunk_align;
    ar->chunk = c;
    ar->held += want;
    set_region(ar, c);
    ar->pos = sizeof *c;
    return 1;
}

void *avila_arena_alloc(struct avila_arena *ar, size_t size, size_t align)
{
    if (!avila_alloc_align_ok(align))
        return NULL;
    /* Size 0 takes one byte so that every pointer is unique. */
    if (size == 0)
        size = 1;
    size_t at;
    if (!fit(ar, size, align, &at)) {
        if (!grow(ar, size, align) || !fit(ar, size, align, &at))
            return NULL;
    }
    ar->pos = at + size;
    return ar->base + at;
}

struct avila_arena_mark avila_arena_mark(const struct avila_arena *ar)
{
    return (struct avila_arena_mark){.chunk = ar->chunk, .pos = ar->pos};
}

/* Returns chunks to the parent, newest first, until stop is the newest. */
static void free_chunks_until(struct avila_arena *ar, struct avila_arena_chunk *stop)
{
    while (ar->chunk != stop) {
        struct avila_arena_chunk *c = ar->chunk;
        ar->chunk = c->prev;
        ar->held -= c->size;
        avila_free(ar->parent, c, c->size, c->align);
    }
}

/* Points the arena at chunk c (NULL: the buffer or nothing), at offset pos. */
static void rewind_to(struct avila_arena *ar, struct avila_arena_chunk *c, size_t pos)
{
    free_chunks_until(ar, c);
    set_region(ar, c);
    ar->pos = pos;
}

void avila_arena_reset_to(struct avila_arena *ar, struct avila_arena_mark mark)
{
    const struct avila_arena_chunk *c = ar->chunk;
    while (c != mark.chunk) {
        if (c == NULL)
            __builtin_trap();
        c = c->prev;
    }
    size_t limit = mark.chunk == ar->chunk ? ar->pos : region_end(ar, mark.chunk);
    if (mark.pos > limit || mark.pos < region_start(mark.chunk))
        __builtin_trap();
    rewind_to(ar, mark.chunk, mark.pos);
}

void avila_arena_reset(struct avila_arena *ar)
{
    struct avila_arena_chunk *first = ar->chunk;
    while (first != NULL && first->prev != NULL)
        first = first->prev;
    rewind_to(ar, first, region_start(first));
}

void avila_arena_release(struct avila_arena *ar)
{
    rewind_to(ar, NULL, 0);
}

/* ------------------------------------------------------------- allocator view */

/*
 * 1 if the block p of size bytes lies in the current region and ends where
 * the next allocation would start: it can grow or shrink in place, and
 * freeing it gives its bytes back. (A block freed from the top leaves the
 * one below it on top, so a shrinking stack of frees gives back them all.)
 */
static int is_last(const struct avila_arena *ar, const void *p, size_t size)
{
    if (p == NULL || ar->base == NULL)
        return 0;
    size_t off = (size_t)((uintptr_t)p - (uintptr_t)ar->base);
    return off < ar->pos && off + (size ? size : 1) == ar->pos;
}

static void *view_alloc(void *ctx, size_t size, size_t align)
{
    return avila_arena_alloc(ctx, size, align);
}

static void *view_realloc(void *ctx, void *p, size_t old_size, size_t new_size, size_t align)
{
    struct avila_arena *ar = ctx;
    if (p == NULL)
        return avila_arena_alloc(ar, new_size, align);
    if (!avila_alloc_align_ok(align))
        return NULL;
    size_t want = new_size ? new_size : 1;
    if (is_last(ar, p, old_size)) {
        size_t off = (size_t)((uint8_t *)p - ar->base);
        if (want <= ar->end - off) {
            ar->pos = off + want;
            return p;
        }
    } else if (want <= (old_size ? old_size : 1)) {
        return p;
    }
    void *q = avila_arena_alloc(ar, new_size, align);
    if (q != NULL)
        memcpy(q, p, old_size < new_size ? old_size : new_size);
    return q;
}

static void view_free(void *ctx, void *p, size_t size, size_t align)
{
    struct avila_arena *ar = ctx;
    (void)align;
    if (is_last(ar, p, size))
        ar->pos = (size_t)((uint8_t *)p - ar->base);
}

struct avila_allocator avila_arena_allocator(struct avila_arena *ar)
{
    return (struct avila_allocator){
        .alloc = view_alloc, .realloc = view_realloc, .free = view_free, .ctx = ar};
}
