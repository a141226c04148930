/*
 * core/alloc.h - the one allocation interface of the stack, and two pure
 * allocators behind it: a bump arena and a fixed-size object pool.
 *
 * Library code never calls malloc: an allocating API takes a
 * `const struct avila_allocator *` (DESIGN.md, Memory). The interface uses
 * sized deallocation: the caller hands the size and alignment back on
 * realloc and free, so arenas and pools need no per-block header and a
 * hardened allocator can check misuse. No standard is implemented here; the
 * interface follows the shape of C11 aligned_alloc plus sized free (C23
 * free_aligned_sized).
 *
 * The contract every allocator honours (core's arena, pool and libc
 * allocators, tests/support/fail_alloc):
 *   - align is a power of two, 1 <= align <= AVILA_ALLOC_MAX_ALIGN; any other
 *     value makes alloc and realloc return NULL.
 *   - A size-0 request succeeds like a 1-byte request: a unique, non-NULL
 *     pointer that MUST NOT be dereferenced and is freed with size 0.
 *   - alloc returns NULL on failure.
 *   - realloc with p == NULL (old_size 0) is alloc(new_size). On success the
 *     first min(old_size, new_size) bytes are kept and p is no longer valid
 *     (unless returned again). On failure it returns NULL and p stays valid
 *     and unchanged. realloc never frees: new_size 0 shrinks to a size-0
 *     block.
 *   - free of NULL does nothing. size and align MUST be those the block was
 *     last allocated or reallocated with; p MUST come from this allocator.
 *   - No allocator zeroes memory.
 */
#ifndef AVILA_CORE_ALLOC_H
#define AVILA_CORE_ALLOC_H

#include "core/platform.h"
#include "core/size.h"

/* Largest alignment every allocator supports (a page). */
#define AVILA_ALLOC_MAX_ALIGN 4096

/*
 * The allocator interface. The struct is a view: it does not own ctx, and
 * copies of it may be passed around freely while ctx lives.
 */
struct avila_allocator {
    void *(*alloc)(void *ctx, size_t size, size_t align);
    void *(*realloc)(void *ctx, void *p, size_t old_size, size_t new_size, size_t align);
    void (*free)(void *ctx, void *p, size_t size, size_t align);
    void *ctx;
};

/* True if align is a power of two no larger than AVILA_ALLOC_MAX_ALIGN. */
static inline int avila_alloc_align_ok(size_t align)
{
    return align != 0 && (align & (align - 1)) == 0 && align <= AVILA_ALLOC_MAX_ALIGN;
}

/* Allocates size bytes aligned to align from a; NULL on failure. */
static inline void *avila_alloc(const struct avila_allocator *a, size_t size, size_t align)
{
    return a->alloc(a->ctx, size, align);
}

/* Resizes a block from a (see the contract above); NULL on failure, p untouched. */
static inline void *avila_realloc(const struct avila_allocator *a, void *p, size_t old_size,
                                  size_t new_size, size_t align)
{
    return a->realloc(a->ctx, p, old_size, new_size, align);
}

/* Returns a block to a; size and align MUST match the allocation. p may be NULL. */
static inline void avila_free(const struct avila_allocator *a, void *p, size_t size, size_t align)
{
    a->free(a->ctx, p, size, align);
}

/*
 * Allocates an array of count items of size bytes each. Returns NULL on
 * failure, including when count * size overflows. Free it with
 * avila_free(a, p, count * size, align).
 */
static inline void *avila_alloc_array(const struct avila_allocator *a, size_t count, size_t size,
                                      size_t align)
{
    size_t total;
    if (avila_size_mul(count, size, &total) != 0)
        return NULL;
    return a->alloc(a->ctx, total, align);
}

/* Typed forms: AVILA_NEW(a, struct foo) allocates one struct foo with its natural alignment. */
#define AVILA_NEW(a, type) ((type *)avila_alloc((a), sizeof(type), _Alignof(type)))
#define AVILA_NEW_ARRAY(a, type, n)                                                                \
    ((type *)avila_alloc_array((a), (n), sizeof(type), _Alignof(type)))
#define AVILA_DELETE(a, p, type) avila_free((a), (p), sizeof(type), _Alignof(type))
#define AVILA_DELETE_ARRAY(a, p, type, n)                                                          \
    avila_free((a), (p), (size_t)(n) * sizeof(type), _Alignof(type))

/*
 * (OS, core/alloc_libc.c) The C library's heap behind the interface:
 * malloc/realloc for alignments up to _Alignof(max_align_t), aligned_alloc
 * (and copy on realloc, so the alignment is kept) above that. Requests above
 * PTRDIFF_MAX fail without reaching the C library. Thread-safe.
 * Returns a pointer to a static allocator; never NULL.
 */
const struct avila_allocator *avila_allocator_libc(void);

/* ------------------------------------------------------------------ arena */

/*
 * Arena configuration. Zero fields take the defaults below.
 *   chunk_bytes      size of the first chunk asked from the parent
 *   max_chunk_bytes  chunk sizes double up to this (larger requests get a
 *                    chunk of their own size)
 *   max_bytes        hard limit on the bytes held from the parent, chunk
 *                    headers included; allocations beyond it fail
 */
struct avila_arena_config {
    size_t chunk_bytes;
    size_t max_chunk_bytes;
    size_t max_bytes;
};

#define AVILA_ARENA_DEFAULT_CHUNK_BYTES     4096
#define AVILA_ARENA_DEFAULT_MAX_CHUNK_BYTES ((size_t)1 << 20)
#define AVILA_ARENA_DEFAULT_MAX_BYTES       ((size_t)64 << 20)

struct avila_arena_chunk;

/*
 * A bump allocator: allocations are carved from the current chunk and freed
 * all at once (reset, reset_to, release). Caller-allocated; all fields are
 * private. Not thread-safe.
 */
struct avila_arena {
    const struct avila_allocator *parent; /* NULL: caller buffer only */
    struct avila_arena_chunk *chunk;      /* newest chunk from the parent, or NULL */
    uint8_t *base;                        /* current region: the newest chunk or the buffer */
    size_t pos;                           /* next free offset in base */
    size_t end;                           /* size of the current region */
    uint8_t *buf;                         /* caller buffer (buffer mode), or NULL */
    size_t buf_size;
    size_t held;        /* bytes held from the parent */
    size_t chunk_bytes; /* configuration */
    size_t max_chunk_bytes;
    size_t max_bytes;
};

/*
 * A position in an arena, taken by avila_arena_mark. Fields are private. It
 * stays valid until the arena is reset, released, or reset to an older mark.
 */
struct avila_arena_mark {
    struct avila_arena_chunk *chunk;
    size_t pos;
};

/*
 * Starts an empty arena that takes chunks from parent. Nothing is allocated
 * until the first avila_arena_alloc. parent MUST outlive the arena; cfg is
 * read during the call only (NULL = defaults).
 * Returns 0, or AVILA_EINVAL if parent is NULL, chunk_bytes exceeds
 * max_chunk_bytes, or max_chunk_bytes exceeds max_bytes.
 */
int avila_arena_init(struct avila_arena *ar, const struct avila_allocator *parent,
                     const struct avila_arena_config *cfg);

/*
 * Starts an arena that allocates only from the caller's size bytes at mem
 * (for targets without a heap); it never grows. mem MUST stay valid, and is
 * used by nobody else, until the arena is done with. mem may be NULL only
 * if size is 0. Returns 0 or AVILA_EINVAL.
 */
int avila_arena_init_buffer(struct avila_arena *ar, void *mem, size_t size);

/*
 * Returns size bytes aligned to align, valid until the arena is reset past
 * them or released; NULL if align is invalid, the parent refuses, or the
 * arena would exceed max_bytes (or its buffer). A failure changes nothing.
 * Size 0 returns a unique non-NULL pointer (see the contract above).
 */
void *avila_arena_alloc(struct avila_arena *ar, size_t size, size_t align);

/* Returns the current position, for a later avila_arena_reset_to. */
struct avila_arena_mark avila_arena_mark(const struct avila_arena *ar);

/*
 * Frees every allocation made since mark was taken, returning the chunks
 * allocated after it to the parent. Traps (__builtin_trap) if mark does not
 * belong to this arena's current chunk list or lies beyond the current
 * position: a stale mark would otherwise free memory still in use.
 */
void avila_arena_reset_to(struct avila_arena *ar, struct avila_arena_mark mark);

/*
 * Frees every allocation, returning all chunks to the parent except the
 * first one, which is kept for reuse.
 */
void avila_arena_reset(struct avila_arena *ar);

/*
 * Frees every allocation and returns every chunk to the parent. The arena
 * stays usable (empty, as after init).
 */
void avila_arena_release(struct avila_arena *ar);

/*
 * An allocator view of ar (ar MUST outlive every use of the view). Its free
 * gives memory back only for the block on top of the current chunk (the
 * newest one, or the one below it once the newest is freed, padding
 * permitting), and its realloc grows or shrinks that block in place when
 * the chunk has room; otherwise free does nothing and realloc allocates
 * anew and copies.
 */
struct avila_allocator avila_arena_allocator(struct avila_arena *ar);

/* ------------------------------------------------------------------- pool */

/*
 * Pool configuration. Zero fields take the defaults below.
 *   chunk_objects  objects in the first chunk; each further chunk doubles
 *   max_objects    hard limit on the objects the pool holds
 */
struct avila_pool_config {
    size_t chunk_objects;
    size_t max_objects;
};

#define AVILA_POOL_DEFAULT_CHUNK_OBJECTS 64
#define AVILA_POOL_DEFAULT_MAX_OBJECTS   ((size_t)1 << 20)

/*
 * Header at the start of each pool chunk (and of a caller buffer). Private;
 * visible only so AVILA_POOL_BUFFER_SIZE can be computed.
 */
struct avila_pool_chunk {
    struct avila_pool_chunk *next; /* older chunk */
    uint8_t *slots;                /* first slot */
    size_t nslots;                 /* slots in this chunk */
    size_t used;                   /* slots handed out at least once (bump index) */
    size_t bytes;                  /* size of the chunk's allocation (0: caller buffer) */
    size_t align;                  /* alignment of the chunk's allocation */
    uint8_t bitmap[];              /* one bit per slot, set while allocated */
};

/* Slot alignment and size for objects of size bytes aligned to align: at least a pointer. */
#define AVILA_POOL_SLOT_ALIGN(align)                                                               \
    ((align) > _Alignof(void *) ? (size_t)(align) : _Alignof(void *))
#define AVILA_POOL_SLOT_MIN(size) ((size) > sizeof(void *) ? (size_t)(size) : sizeof(void *))
#define AVILA_POOL_SLOT_SIZE(size, align)                                                          \
    ((AVILA_POOL_SLOT_MIN(size) + AVILA_POOL_SLOT_ALIGN(align) - 1) /                              \
     AVILA_POOL_SLOT_ALIGN(align) * AVILA_POOL_SLOT_ALIGN(align))

/* Bytes a caller buffer needs, at any alignment, to hold n objects of size/align. */
#define AVILA_POOL_BUFFER_SIZE(n, size, align)                                                     \
    (_Alignof(struct avila_pool_chunk) - 1 + sizeof(struct avila_pool_chunk) + ((n) + 7) / 8 +     \
     AVILA_POOL_SLOT_ALIGN(align) - 1 + AVILA_POOL_SLOT_SIZE(size, align) * (size_t)(n))

/*
 * Fixed-size objects served from a free list of freed slots, or by bumping
 * through the newest chunk: no per-object header, no search for space.
 * Caller-allocated; all fields are private. Not thread-safe.
 *
 * Always-on traps (__builtin_trap, even in release builds) guard the memory
 * invariants: freeing a pointer that is not a slot of this pool, freeing a
 * slot twice, and a free list corrupted by a write after free. These checks
 * find a slot's chunk by walking the chunk list, which doubling keeps short
 * (at most log2(max_objects / chunk_objects) + 1 chunks), so alloc and free
 * cost O(that) rather than strictly O(1).
 */
struct avila_pool {
    const struct avila_allocator *parent; /* NULL: caller buffer only */
    struct avila_pool_chunk *chunks;      /* newest first */
    void *free_list;                      /* freed slots, linked through their first word */
    size_t slot_size;
    size_t slot_align;
    size_t obj_size; /* the size asked at init (the view accepts up to it) */
    size_t capacity; /* slots in all chunks */
    size_t live;     /* slots allocated now */
    size_t chunk_objects;
    size_t max_objects;
};

/*
 * Starts an empty pool of objects of obj_size bytes aligned to obj_align,
 * taking chunks from parent (which MUST outlive the pool). cfg is read
 * during the call (NULL = defaults). Nothing is allocated yet.
 * Returns 0; AVILA_EINVAL if parent is NULL, obj_align is not a valid
 * alignment, or chunk_objects exceeds max_objects; AVILA_EOVERFLOW if a
 * chunk of max_objects slots could not be sized.
 */
int avila_pool_init(struct avila_pool *pool, const struct avila_allocator *parent, size_t obj_size,
                    size_t obj_align, const struct avila_pool_config *cfg);

/*
 * Starts a pool whose only chunk is the caller's size bytes at mem (see
 * AVILA_POOL_BUFFER_SIZE). mem MUST stay valid and untouched by others while
 * the pool is used. Returns 0 (avila_pool_capacity then tells how many
 * objects fit); AVILA_EINVAL for a bad alignment or NULL mem; AVILA_ENOSPC if
 * not even one object fits; AVILA_EOVERFLOW if obj_size cannot be rounded to
 * a slot.
 */
int avila_pool_init_buffer(struct avila_pool *pool, void *mem, size_t size, size_t obj_size,
                           size_t obj_align);

/*
 * Returns one object (uninitialised), or NULL when the pool holds
 * max_objects live objects or the parent refuses. A failure changes nothing.
 * Traps if the free list was corrupted.
 */
void *avila_pool_alloc(struct avila_pool *pool);

/*
 * Returns p to the pool; p may be NULL. Traps if p is not an allocated slot
 * of this pool (foreign pointer, interior pointer or double free).
 */
void avila_pool_free(struct avila_pool *pool, void *p);

/* Number of objects allocated and not freed. */
size_t avila_pool_live(const struct avila_pool *pool);

/* Number of objects the pool holds without asking the parent for a chunk. */
size_t avila_pool_capacity(const struct avila_pool *pool);

/*
 * Returns every chunk to the parent (a caller buffer is simply emptied);
 * every object is freed. The pool stays usable, as after init.
 */
void avila_pool_release(struct avila_pool *pool);

/*
 * An allocator view of pool (pool MUST outlive every use). alloc succeeds for
 * size <= obj_size and align <= AVILA_POOL_SLOT_ALIGN(obj_align); realloc
 * succeeds in place for new_size <= obj_size and fails otherwise; realloc and
 * free trap on a pointer that is not an allocated slot, and free on a size
 * larger than obj_size.
 */
struct avila_allocator avila_pool_allocator(struct avila_pool *pool);

#endif
