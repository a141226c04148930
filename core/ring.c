/* core/ring.c - byte ring buffer over caller memory (core/ring.h). Pure. */
#include "core/ring.h"

int avila_ring_init(struct avila_ring *r, void *mem, size_t cap)
{
    if (mem == NULL || cap == 0 || (cap & (cap - 1)) != 0)
        return AVILA_EINVAL;
    r->mem = mem;
    r->mask = cap - 1;
    r->read = 0;
    r->write = 0;
    return 0;
}

size_t avila_ring_cap(const struct avila_ring *r)
{
    return r->mask + 1;
}

size_t avila_ring_len(const struct avila_ring *r)
{
    return r->write - r->read;
}

size_t avila_ring_space(const struct avila_ring *r)
{
    return avila_ring_cap(r) - avila_ring_len(r);
}

void avila_ring_clear(struct avila_ring *r)
{
    r->read = r->write;
}

/* Bytes from position pos to the end of the memory: the most one memcpy can reach. */
static size_t to_end(const struct avila_ring *r, size_t pos)
{
    return avila_ring_cap(r) - (pos & r->mask);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Length of the contiguous free region, and of the contiguous stored region. */
static size_t write_span_len(const struct avila_ring *r)
{
    return min_size(avila_ring_space(r), to_end(r, r->write));
}

static size_t read_span_len(const struct avila_ring *r)
{
    return min_size(avila_ring_len(r), to_end(r, r->read));
}

size_t avila_ring_write(struct avila_ring *r, const void *p, size_t n)
{
    n = min_size(n, avila_ring_space(r));
    if (n == 0)
        return 0;
    size_t first = min_size(n, to_end(r, r->write));
    memcpy(r->mem + (r->write & r->mask), p, first);
    memcpy(r->mem, (const uint8_t *)p + first, n - first);
    r->write += n;
    return n;
}

size_t avila_ring_peek(const struct avila_ring *r, void *p, size_t n)
{
    n = min_size(n, avila_ring_len(r));
    if (n == 0)
        return 0;
    size_t first = min_size(n, to_end(r, r->read));
    memcpy(p, r->mem + (r->read & r->mask), first);
    memcpy((uint8_t *)p + first, r->mem, n - first);
    return n;
}

size_t avila_ring_read(struct avila_ring *r, void *p, size_t n)
{
    n = avila_ring_peek(r, p, n);
    r->read += n;
    return n;
}

size_t avila_ring_skip(struct avila_ring *r, size_t n)
{
    n = min_size(n, avila_ring_len(r));
    r->read += n;
    return n;
}

void avila_ring_write_span(const struct avila_ring *r, uint8_t **ptr, size_t *len)
{
    *ptr = r->mem + (r->write & r->mask);
    *len = write_span_len(r);
}

int avila_ring_commit(struct avila_ring *r, size_t n)
{
    if (n > write_span_len(r))
        return AVILA_EINVAL;
    r->write += n;
    return 0;
}

void avila_ring_read_span(const struct avila_ring *r, const uint8_t **ptr, size_t *len)
{
    *ptr = r->mem + (r->read & r->mask);
    *len = read_span_len(r);
}

int avila_ring_release(struct avila_ring *r, size_t n)
{
    if (n > read_span_len(r))
        return AVILA_EINVAL;
    r->read += n;
    return 0;
}
