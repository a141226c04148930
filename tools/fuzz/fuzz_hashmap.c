/*
 * tools/fuzz/fuzz_hashmap.c - core/hashmap against a linear-search model.
 *
 * Input: up to 16 bytes of SipHash seed (the first byte says how many), then
 * a program of operations, each one opcode byte and its operands:
 *   put / remove / get   key = [len byte][len bytes, masked to 2 bits so keys
 *                        repeat]; lengths up to 25 cross both the inline-key
 *                        size (16) and max_key_len (24)
 *   fail                 makes the next allocation fail
 *   clear, reserve [n], full comparison with iteration
 * Every result is compared with the model; a failed operation must leave
 * the map unchanged; at the end nothing may leak. Violations trap.
 */
#include <stdint.h>
#include <string.h>

#include "core/hashmap.h"

#define MAX_ENTRIES 48
#define MAX_KEY     24
#define KEY_SPACE   26 /* key lengths 0..25: one past MAX_KEY */

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* ------------------------------------------------- failing, counting allocator */

struct faulty {
    int fail_next;
    long live;
};

static void *f_alloc(void *ctx, size_t size, size_t align)
{
    struct faulty *f = ctx;
    if (f->fail_next) {
        f->fail_next = 0;
        return NULL;
    }
    void *p = avila_alloc(avila_allocator_libc(), size, align);
    f->live += p != NULL;
    return p;
}

static void *f_realloc(void *ctx, void *p, size_t old_size, size_t new_size, size_t align)
{
    (void)ctx;
    (void)p;
    (void)old_size;
    (void)new_size;
    (void)align;
    __builtin_trap(); /* the map never reallocates */
}

static void f_free(void *ctx, void *p, size_t size, size_t align)
{
    struct faulty *f = ctx;
    f->live -= p != NULL;
    avila_free(avila_allocator_libc(), p, size, align);
}

/* ------------------------------------------------------------------ model */

struct entry {
    uint8_t key[KEY_SPACE];
    size_t klen;
    void *value;
};

struct model {
    struct entry e[MAX_ENTRIES];
    size_t n;
};

static struct entry *model_find(struct model *md, const uint8_t *key, size_t klen)
{
    for (size_t i = 0; i < md->n; i++)
        if (md->e[i].klen == klen && memcmp(md->e[i].key, key, klen) == 0)
            return &md->e[i];
    return NULL;
}

/* The map holds exactly the model's entries, and iteration sees each once. */
static void compare_all(const struct avila_hashmap *m, struct model *md)
{
    CHECK(avila_hashmap_check(m) == 0);
    CHECK(avila_hashmap_count(m) == md->n);
    uint8_t seen[MAX_ENTRIES] = {0};
    size_t it = 0, klen, visits = 0;
    const uint8_t *key;
    void *value;
    while (avila_hashmap_next(m, &it, &key, &klen, &value)) {
        struct entry *e = model_find(md, key, klen);
        CHECK(e != NULL && e->value == value && !seen[e - md->e]);
        seen[e - md->e] = 1;
        visits++;
    }
    CHECK(visits == md->n);
}

/* --------------------------------------------------------------- operations */

struct input {
    const uint8_t *p;
    size_t n;
};

static int take(struct input *in, uint8_t *b)
{
    if (in->n == 0)
        return 0;
    *b = *in->p++;
    in->n--;
    return 1;
}

/* Reads a key operand; 0 when the input ran out. */
static int take_key(struct input *in, uint8_t key[KEY_SPACE], size_t *klen)
{
    uint8_t len;
    if (!take(in, &len))
        return 0;
    *klen = len % KEY_SPACE;
    for (size_t i = 0; i < *klen; i++) {
        uint8_t b = 0;
        take(in, &b);
        key[i] = b & 3;
    }
    return 1;
}

static void op_put(struct avila_hashmap *m, struct model *md, const uint8_t *key, size_t klen,
                   void *value)
{
    struct entry *e = model_find(md, key, klen);
    size_t cap = avila_hashmap_capacity(m);
    void *old = (void *)1;
    int rc = avila_hashmap_put(m, key, klen, value, &old);
    if (e != NULL) {
        CHECK(rc == 1 && old == e->value);
        e->value = value;
    } else if (klen > MAX_KEY || md->n == MAX_ENTRIES) {
        CHECK(rc == AVILA_ELIMIT && old == (void *)1);
    } else if (rc == AVILA_ENOMEM) {
        CHECK(old == (void *)1 && avila_hashmap_capacity(m) == cap);
        compare_all(m, md);
    } else {
        CHECK(rc == 0 && old == NULL);
        e = &md->e[md->n++];
        memcpy(e->key, key, klen);
        e->klen = klen;
        e->value = value;
    }
}

static void op_remove(struct avila_hashmap *m, struct model *md, const uint8_t *key, size_t klen)
{
    struct entry *e = model_find(md, key, klen);
    void *value = (void *)1;
    int rc = avila_hashmap_remove(m, key, klen, &value);
    if (e == NULL) {
        CHECK(rc == AVILA_ENOTFOUND && value == (void *)1);
        return;
    }
    CHECK(rc == 0 && value == e->value);
    *e = md->e[--md->n];
}

static void op_get(const struct avila_hashmap *m, struct model *md, const uint8_t *key, size_t klen)
{
    struct entry *e = model_find(md, key, klen);
    void *value = (void *)1;
    int rc = avila_hashmap_get(m, key, klen, &value);
    CHECK(e != NULL ? rc == 0 && value == e->value : rc == AVILA_ENOTFOUND && value == (void *)1);
}

static void op_special(struct avila_hashmap *m, struct model *md, struct faulty *f,
                       struct input *in, uint8_t op)
{
    uint8_t arg = 0;
    switch ((op >> 3) % 4) {
    case 0:
        f->fail_next = 1;
        break;
    case 1:
        avila_hashmap_clear(m);
        md->n = 0;
        break;
    case 2: {
        take(in, &arg);
        size_t cap = avila_hashmap_capacity(m);
        int rc = avila_hashmap_reserve(m, arg);
        if (arg > MAX_ENTRIES)
            CHECK(rc == AVILA_ELIMIT && avila_hashmap_capacity(m) == cap);
        else
            CHECK(rc == 0 || (rc == AVILA_ENOMEM && avila_hashmap_capacity(m) == cap));
        break;
    }
    default:
        compare_all(m, md);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    uint8_t seed[16] = {0}, nseed = 0;
    take(&in, &nseed);
    for (size_t i = 0; i < nseed % 17; i++)
        take(&in, &seed[i]);
    struct faulty f = {0, 0};
    const struct avila_allocator a = {f_alloc, f_realloc, f_free, &f};
    struct avila_hashmap m;
    const struct avila_hashmap_config cfg = {.max_entries = MAX_ENTRIES, .max_key_len = MAX_KEY};
    CHECK(avila_hashmap_init(&m, &a, &cfg, seed) == 0);
    static struct model md;
    md.n = 0;
    uint8_t op, key[KEY_SPACE];
    size_t klen;
    uintptr_t stamp = 0;
    while (take(&in, &op)) {
        stamp++;
        if (op % 8 >= 6) {
            op_special(&m, &md, &f, &in, op);
            continue;
        }
        if (!take_key(&in, key, &klen))
            break;
        if (op % 8 < 3)
            op_put(&m, &md, key, klen, (void *)stamp);
        else if (op % 8 < 5)
            op_remove(&m, &md, key, klen);
        else
            op_get(&m, &md, key, klen);
    }
    compare_all(&m, &md);
    avila_hashmap_release(&m);
    CHECK(f.live == 0 && avila_hashmap_count(&m) == 0);
    return 0;
}
