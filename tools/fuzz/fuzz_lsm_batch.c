/*
 * tools/fuzz/fuzz_lsm_batch.c - libFuzzer harness for the write-batch
 * iterator (data/lsm_batch.h) over arbitrary bytes. Properties:
 *   - the iterator returns entries, then 0 or AVILA_EFORMAT (and keeps
 *     returning it), never reads outside the input, and every entry's
 *     slices lie inside it, with a known kind and consecutive sequence
 *     numbers;
 *   - avila_lsm_batch_check agrees with the iteration;
 *   - an accepted batch, rebuilt through the building API, iterates to the
 *     same entries, and is the same bytes when it is the same length (the
 *     only freedom of the format is non-minimal varints);
 *   - appending it to a one-entry batch adds its count, and the result
 *     iterates to the first entry then the same entries.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/lsm_batch/.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "data/lsm_batch.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static bool inside(struct avila_slice s, const uint8_t *p, size_t n)
{
    return s.len == 0 || (s.ptr >= p && s.len <= n && s.ptr - p <= (ptrdiff_t)(n - s.len));
}

static bool same(struct avila_lsm_batch_entry a, struct avila_lsm_batch_entry b)
{
    return a.kind == b.kind && a.seq == b.seq && avila_slice_equal(a.key, b.key) &&
           avila_slice_equal(a.value, b.value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct avila_lsm_batch_iter it, again;
    struct avila_lsm_batch_entry e, e2;
    int rc = avila_lsm_batch_iter_init(&it, data, size);
    uint32_t n = 0;
    while (rc == 0 && (rc = avila_lsm_batch_iter_next(&it, &e)) == 1) {
        rc = 0;
        CHECK(inside(e.key, data, size) && inside(e.value, data, size));
        CHECK(e.kind <= AVILA_LSM_RANGE_DELETE && e.seq == it.seq + n);
        CHECK(e.key.len <= AVILA_LSM_MAX_KEY_LEN);
        n++;
    }
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    if (rc != 0)
        CHECK(avila_lsm_batch_iter_next(&it, &e) == AVILA_EFORMAT);
    uint32_t count = 0;
    CHECK(avila_lsm_batch_check(data, size, &count) == rc);
    if (rc != 0)
        return 0;
    CHECK(count == n);

    /* Rebuild it through the API. */
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_buf b, c;
    avila_buf_init(&b, a, SIZE_MAX);
    avila_buf_init(&c, a, SIZE_MAX);
    struct avila_lsm_batch batch, other;
    CHECK(avila_lsm_batch_init(&batch, &b) == 0);
    CHECK(avila_lsm_batch_iter_init(&it, data, size) == 0);
    while (avila_lsm_batch_iter_next(&it, &e) == 1) {
        if (e.kind == AVILA_LSM_VALUE)
            CHECK(avila_lsm_batch_put(&batch, e.key, e.value) == 0);
        else if (e.kind == AVILA_LSM_DELETE)
            CHECK(avila_lsm_batch_del(&batch, e.key) == 0);
        else
            CHECK(avila_lsm_batch_del_range(&batch, e.key, e.value) == 0);
    }
    CHECK(avila_lsm_batch_set_seq(&batch, it.seq) == 0);
    CHECK(avila_lsm_batch_count(&batch) == n && b.len <= size);
    if (b.len == size)
        CHECK(memcmp(b.data, data, size) == 0);
    CHECK(avila_lsm_batch_iter_init(&it, data, size) == 0);
    CHECK(avila_lsm_batch_iter_init(&again, b.data, b.len) == 0);
    while (avila_lsm_batch_iter_next(&it, &e) == 1) {
        CHECK(avila_lsm_batch_iter_next(&again, &e2) == 1);
        CHECK(same(e, e2));
    }
    CHECK(avila_lsm_batch_iter_next(&again, &e2) == 0);

    /* Group commit: one entry of our own, then all of it. */
    CHECK(avila_lsm_batch_init(&other, &c) == 0);
    CHECK(avila_lsm_batch_put(&other, avila_slice_from_cstr("k"), avila_slice_from_cstr("v")) == 0);
    CHECK(avila_lsm_batch_append(&other, data, size) == 0);
    CHECK(avila_lsm_batch_count(&other) == n + 1);
    CHECK(avila_lsm_batch_set_seq(&other, 1) == 0);
    CHECK(avila_lsm_batch_iter_init(&again, c.data, c.len) == 0);
    CHECK(avila_lsm_batch_iter_next(&again, &e2) == 1 && e2.seq == 1);
    CHECK(avila_lsm_batch_iter_init(&it, data, size) == 0);
    while (avila_lsm_batch_iter_next(&it, &e) == 1) {
        CHECK(avila_lsm_batch_iter_next(&again, &e2) == 1);
        CHECK(e2.seq == 1 + 1 + (e.seq - it.seq));
        e2.seq = e.seq;
        CHECK(same(e, e2));
    }
    CHECK(avila_lsm_batch_iter_next(&again, &e2) == 0);
    avila_buf_release(&b);
    avila_buf_release(&c);
    return 0;
}
