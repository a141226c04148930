/*
 * tools/fuzz/fuzz_lsm_block.c - libFuzzer harness for the SSTable data
 * block reader of data/lsm_block.h over arbitrary bytes (the input is the
 * block contents).
 *
 * Properties: open fails only with AVILA_EFORMAT (or AVILA_ELIMIT); forward
 * iteration ends (steps bounded by the size); when it ends without error,
 * backward iteration gives exactly the same entries in reverse; when
 * avila_lsm_block_check also accepts the block (keys sorted), seeking every
 * key lands on it, seeking just after a key lands on the next entry, and
 * re-building the entries with the builder and reading them back gives
 * them again. Every access stays in the input (ASan in `make fuzz`).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_block.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_ENTRIES 4096

struct ent {
    uint8_t *k;
    size_t klen;
    const uint8_t *v;
    size_t vlen;
};

static uint8_t keybuf[2 * AVILA_LSM_IKEY_MAX];

static bool same(const struct avila_lsm_block_iter *it, const struct ent *e)
{
    struct avila_slice k = avila_lsm_block_iter_key(it), v = avila_lsm_block_iter_value(it);
    return avila_lsm_block_iter_valid(it) &&
           avila_slice_equal(k, avila_slice_make(e->k, e->klen)) && v.ptr == e->v &&
           v.len == e->vlen;
}

/* The internal key right after e's: same user key, trailer one less (e's own when it is 0). */
static void just_after(const struct ent *e, uint8_t *out)
{
    memcpy(out, e->k, e->klen);
    uint64_t t = avila_load_le64(out + e->klen - 8);
    if (t > 0)
        avila_store_le64(out + e->klen - 8, t - 1);
}

static void sorted_properties(const struct avila_lsm_block *blk, struct ent *ents, size_t n)
{
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, blk, keybuf, AVILA_LSM_IKEY_MAX);
    uint8_t *probe = malloc(AVILA_LSM_IKEY_MAX);
    CHECK(probe != NULL);
    for (size_t i = 0; i < n; i++) {
        CHECK(avila_lsm_block_iter_seek(&it, avila_slice_make(ents[i].k, ents[i].klen)) == 0);
        CHECK(same(&it, &ents[i]));
        /* Nothing sorts between a key and its successor: the next entry, or the end. */
        uint64_t t = avila_load_le64(ents[i].k + ents[i].klen - 8);
        just_after(&ents[i], probe);
        CHECK(avila_lsm_block_iter_seek(&it, avila_slice_make(probe, ents[i].klen)) == 0);
        if (t == 0)
            CHECK(same(&it, &ents[i]));
        else if (i + 1 < n)
            CHECK(same(&it, &ents[i + 1]));
        else
            CHECK(!avila_lsm_block_iter_valid(&it));
    }
    free(probe);

    /* Rebuild and read back. */
    struct avila_lsm_block_builder b;
    CHECK(avila_lsm_block_builder_init(&b, avila_allocator_libc(), 0) == 0);
    for (size_t i = 0; i < n; i++)
        CHECK(avila_lsm_block_builder_add(&b, avila_slice_make(ents[i].k, ents[i].klen),
                                          avila_slice_make(ents[i].v, ents[i].vlen)) == 0);
    struct avila_buf out;
    avila_buf_init(&out, avila_allocator_libc(), SIZE_MAX);
    CHECK(avila_lsm_block_builder_finish(&b, &out) == 0);
    struct avila_lsm_block blk2;
    CHECK(avila_lsm_block_open(&blk2, out.data, out.len) == 0);
    CHECK(avila_lsm_block_check(&blk2, keybuf, sizeof(keybuf)) == (int)n);
    avila_lsm_block_iter_init(&it, &blk2, keybuf, AVILA_LSM_IKEY_MAX);
    size_t i = 0;
    for (int rc = avila_lsm_block_iter_seek_first(&it); rc == 0 && avila_lsm_block_iter_valid(&it);
         rc = avila_lsm_block_iter_next(&it), i++) {
        CHECK(i < n);
        CHECK(avila_slice_equal(avila_lsm_block_iter_key(&it),
                                avila_slice_make(ents[i].k, ents[i].klen)));
        CHECK(avila_slice_equal(avila_lsm_block_iter_value(&it),
                                avila_slice_make(ents[i].v, ents[i].vlen)));
    }
    CHECK(i == n);
    avila_buf_release(&out);
    avila_lsm_block_builder_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct avila_lsm_block blk;
    int rc = avila_lsm_block_open(&blk, data, size);
    if (rc != 0) {
        CHECK(rc == AVILA_EFORMAT || rc == AVILA_ELIMIT);
        return 0;
    }
    CHECK(avila_lsm_block_restarts(&blk) >= 1);
    struct ent *ents = calloc(MAX_ENTRIES, sizeof(*ents));
    CHECK(ents != NULL);
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, &blk, keybuf, AVILA_LSM_IKEY_MAX);
    size_t n = 0;
    bool stored_all = true;
    for (rc = avila_lsm_block_iter_seek_first(&it); rc == 0 && avila_lsm_block_iter_valid(&it);
         rc = avila_lsm_block_iter_next(&it)) {
        CHECK(n < size);
        struct avila_slice k = avila_lsm_block_iter_key(&it), v = avila_lsm_block_iter_value(&it);
        CHECK(k.len >= AVILA_LSM_TRAILER_LEN);
        CHECK(v.len == 0 || (v.ptr >= data && v.ptr + v.len <= data + size));
        if (n < MAX_ENTRIES) {
            ents[n].k = malloc(k.len);
            CHECK(ents[n].k != NULL);
            memcpy(ents[n].k, k.ptr, k.len);
            ents[n].klen = k.len;
            ents[n].v = v.ptr;
            ents[n].vlen = v.len;
        } else {
            stored_all = false;
        }
        n++;
    }
    CHECK(rc == avila_lsm_block_iter_status(&it));
    if (rc != 0) {
        CHECK(rc == AVILA_EFORMAT);
        /* Still exercise the other paths; only safety matters here. */
        (void)avila_lsm_block_iter_seek_last(&it);
        if (avila_lsm_block_iter_valid(&it))
            (void)avila_lsm_block_iter_prev(&it);
        if (n > 0)
            (void)avila_lsm_block_iter_seek(&it, avila_slice_make(ents[0].k, ents[0].klen));
        CHECK(avila_lsm_block_check(&blk, keybuf, sizeof(keybuf)) == AVILA_EFORMAT);
    } else if (stored_all) {
        /* Backward: the same entries in reverse. */
        size_t i = n;
        for (rc = avila_lsm_block_iter_seek_last(&it); rc == 0 && avila_lsm_block_iter_valid(&it);
             rc = avila_lsm_block_iter_prev(&it)) {
            CHECK(i > 0);
            i--;
            CHECK(same(&it, &ents[i]));
        }
        CHECK(rc == 0 && i == 0);
        rc = avila_lsm_block_check(&blk, keybuf, sizeof(keybuf));
        if (rc >= 0) {
            CHECK((size_t)rc == n);
            sorted_properties(&blk, ents, n);
        } else {
            CHECK(rc == AVILA_EFORMAT);
        }
    }
    for (size_t i = 0; i < n && i < MAX_ENTRIES; i++)
        free(ents[i].k);
    free(ents);
    return 0;
}
