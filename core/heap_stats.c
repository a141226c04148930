/*
 * core/heap_stats.c - heap statistics (OS: walks the segment registry under
 * the heap's lock) and their text form through a callback (no stdio).
 */
#include <stdatomic.h>
#include <string.h>

#include "core/heap_int.h"

static size_t os_round(size_t n)
{
    return (n + HEAP_OS_PAGE - 1) & ~(size_t)(HEAP_OS_PAGE - 1);
}

static void add_segment(void *ctx, const struct heap_segment *seg)
{
    struct avila_heap_stats *st = ctx;
    st->segments++;
    st->mapped += HEAP_SEGMENT_SIZE;
    st->resident += os_round(sizeof(struct heap_segment));
    uint64_t dirty = atomic_load_explicit(&seg->dirty_mask, memory_order_relaxed);
    st->resident += (size_t)__builtin_popcountll(dirty) * HEAP_SLICE_SIZE;
    for (unsigned i = 1; i < HEAP_SLICES;) {
        unsigned cls = atomic_load_explicit(&seg->pages[i].cls, memory_order_acquire);
        if (cls == 0) {
            i++;
            continue;
        }
        unsigned c = cls - 1;
        const struct heap_page *pg = &seg->pages[i];
        size_t bs = atomic_load_explicit(&pg->block_size, memory_order_relaxed);
        size_t used = atomic_load_explicit(&pg->used, memory_order_relaxed);
        if (c == HEAP_SPAN_CLASS) {
            unsigned n = (unsigned)(bs >> HEAP_SLICE_SHIFT);
            st->large_blocks += used;
            st->large_bytes += used * bs;
            st->allocated += used * bs;
            st->active += bs;
            st->resident += bs;
            i += n != 0 ? n : 1;
            continue;
        }
        size_t cap = atomic_load_explicit(&pg->capacity, memory_order_relaxed);
        unsigned n = avila_heapi_class_slices(c);
        st->classes[c].blocks += used;
        st->classes[c].pages++;
        st->allocated += used * bs;
        st->active += (size_t)n * HEAP_SLICE_SIZE;
        st->resident += os_round(cap * bs);
        i += n;
    }
}

void avila_heap_stats(struct avila_heap_stats *st)
{
    memset(st, 0, sizeof(*st));
    avila_heapi_collect_own();
    for (unsigned c = 0; c < AVILA_HEAP_CLASSES; c++)
        st->classes[c].block_size = avila_heapi_class_size(c);
    avila_heapi_each_segment(add_segment, st);
    avila_heapi_segment_counts(&st->segments_cached, &st->segments_abandoned);
    avila_heapi_large_stats(st);
    st->hardened = avila_heap_hardened();
}

/* Emits v in decimal. */
static void emit_u64(void (*emit)(void *, const char *, size_t), void *ctx, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    emit(ctx, d + i, sizeof(d) - i);
}

static void emit_str(void (*emit)(void *, const char *, size_t), void *ctx, const char *s)
{
    emit(ctx, s, strlen(s));
}

void avila_heap_stats_write(const struct avila_heap_stats *st,
                            void (*emit)(void *ctx, const char *text, size_t n), void *ctx)
{
    const struct {
        const char *name;
        size_t v;
    } f[] = {
        {"heap: allocated ", st->allocated},
        {" active ", st->active},
        {" resident ", st->resident},
        {" mapped ", st->mapped},
        {" segments ", st->segments},
        {" cached ", st->segments_cached},
        {" abandoned ", st->segments_abandoned},
        {" large_blocks ", st->large_blocks},
        {" large_bytes ", st->large_bytes},
        {" large_cached ", st->large_cached},
        {" hardened ", (size_t)st->hardened},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(f); i++) {
        emit_str(emit, ctx, f[i].name);
        emit_u64(emit, ctx, f[i].v);
    }
    emit_str(emit, ctx, "\n");
    for (unsigned c = 0; c < AVILA_HEAP_CLASSES; c++) {
        const struct avila_heap_class_stats *cs = &st->classes[c];
        if (cs->pages == 0)
            continue;
        emit_str(emit, ctx, "heap: class ");
        emit_u64(emit, ctx, cs->block_size);
        emit_str(emit, ctx, " blocks ");
        emit_u64(emit, ctx, cs->blocks);
        emit_str(emit, ctx, " pages ");
        emit_u64(emit, ctx, cs->pages);
        emit_str(emit, ctx, "\n");
    }
}
