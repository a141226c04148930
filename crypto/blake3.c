/*
 * crypto/blake3.c - BLAKE3 (the BLAKE3 specification, github.com/BLAKE3-team/
 * BLAKE3-specs): the portable compression function (section 2.2) and
 * hash_many, the chunk state (2.4), the tree of chaining values (2.5), the
 * root output and XOF (2.6), the modes (2.3), the run-time kernel choice and
 * the digest descriptor avila_digest_blake3. Pure.
 *
 * The tree is built incrementally: a stack holds the chaining values of
 * completed subtrees, merged lazily so that the last two are combined only
 * once more input proves they are not the root (final() then folds the stack
 * from right to left, flagging the last parent as the root). Whole subtrees
 * of up to SUBTREE_CHUNKS chunks go through the kernel's hash_many, chunks
 * first and then each level of parents, which is where AVX2 and AVX-512
 * hash 8 or 16 chunks side by side (crypto/blake3_x86.c).
 */
#include "core/bits.h"
#include "crypto/blake2_int.h"
#include "crypto/blake3_int.h"

#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "crypto/digest.h"

#define BLOCK            AVILA_BLAKE3_BLOCK_LEN
#define CHUNK            AVILA_BLAKE3_CHUNK_LEN
#define OUT              AVILA_BLAKE3_OUT_LEN
#define BLOCKS_PER_CHUNK (CHUNK / BLOCK)
/*
 * Chunks per subtree in update: a power of two. With vector kernels, four
 * times the widest degree, so the upper levels of parents weigh little
 * (push_subtree then takes 3.5 KiB of stack); the portable kernel gains
 * nothing from more than two, so builds without vector kernels keep that
 * stack small.
 */
#define SUBTREE_CHUNKS (AVILA_X86_64 ? 64 : 2)

_Static_assert((SUBTREE_CHUNKS & (SUBTREE_CHUNKS - 1)) == 0, "a power of two");

static const uint32_t IV[8] = AVILA_BLAKE3_IV;
static const uint8_t SCHEDULE[7][16] = AVILA_BLAKE3_SCHEDULE;

/* G (specification, section 2.2): BLAKE2s's. */
#define G(a, b, c, d, x, y) AVILA_BLAKE_G(avila_rotr32, 16, 12, 8, 7, a, b, c, d, x, y)

#define ROUND(r) AVILA_BLAKE_ROUND(G, SCHEDULE, r)

void avila_blake3_compress(const uint32_t cv[8], const uint8_t block[BLOCK], uint32_t block_len,
                           uint64_t t, uint32_t flags, uint32_t out[16])
{
    uint32_t m[16];
    for (size_t i = 0; i < 16; i++)
        m[i] = avila_load_le32(block + 4 * i);
    uint32_t v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3];
    uint32_t v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
    uint32_t v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
    uint32_t v12 = (uint32_t)t, v13 = (uint32_t)(t >> 32), v14 = block_len, v15 = flags;
    ROUND(0);
    ROUND(1);
    ROUND(2);
    ROUND(3);
    ROUND(4);
    ROUND(5);
    ROUND(6);
    /* Read cv before writing: out may be cv itself. */
    uint32_t c0 = cv[0], c1 = cv[1], c2 = cv[2], c3 = cv[3];
    uint32_t c4 = cv[4], c5 = cv[5], c6 = cv[6], c7 = cv[7];
    out[0] = v0 ^ v8;
    out[1] = v1 ^ v9;
    out[2] = v2 ^ v10;
    out[3] = v3 ^ v11;
    out[4] = v4 ^ v12;
    out[5] = v5 ^ v13;
    out[6] = v6 ^ v14;
    out[7] = v7 ^ v15;
    out[8] = v8 ^ c0;
    out[9] = v9 ^ c1;
    out[10] = v10 ^ c2;
    out[11] = v11 ^ c3;
    out[12] = v12 ^ c4;
    out[13] = v13 ^ c5;
    out[14] = v14 ^ c6;
    out[15] = v15 ^ c7;
}

/* Compresses and keeps only the chaining value, in place. */
static void compress_cv(uint32_t cv[8], const uint8_t block[BLOCK], uint32_t block_len, uint64_t t,
                        uint32_t flags)
{
    uint32_t out[16];
    avila_blake3_compress(cv, block, block_len, t, flags, out);
    memcpy(cv, out, 8 * sizeof cv[0]);
}

static void words_to_bytes(const uint32_t w[8], uint8_t out[OUT])
{
    for (size_t i = 0; i < 8; i++)
        avila_store_le32(out + 4 * i, w[i]);
}

static void bytes_to_words(const uint8_t in[OUT], uint32_t w[8])
{
    for (size_t i = 0; i < 8; i++)
        w[i] = avila_load_le32(in + 4 * i);
}

void avila_blake3_hash_many_portable(const uint8_t *const *inputs, size_t n, size_t blocks,
                                     const uint32_t key[8], uint64_t counter, int increment,
                                     uint32_t flags, uint32_t flags_start, uint32_t flags_end,
                                     uint8_t *out)
{
    for (size_t i = 0; i < n; i++, out += OUT) {
        uint32_t cv[8];
        memcpy(cv, key, sizeof cv);
        for (size_t b = 0; b < blocks; b++) {
            uint32_t f = flags | (b == 0 ? flags_start : 0) | (b + 1 == blocks ? flags_end : 0);
            compress_cv(cv, inputs[i] + BLOCK * b, BLOCK, counter, f);
        }
        words_to_bytes(cv, out);
        if (increment)
            counter++;
    }
}

const struct avila_blake3_kernel avila_blake3_kernel_portable = {"portable", 0, 1,
                                                                 avila_blake3_hash_many_portable};

const struct avila_blake3_kernel *avila_blake3_kernel(void)
{
#if AVILA_X86_64
    const struct avila_blake3_kernel *fast[] = {&avila_blake3_kernel_avx512,
                                                &avila_blake3_kernel_avx2};
    uint32_t have = avila_cpu_features();
    for (size_t i = 0; i < AVILA_ARRAY_LEN(fast); i++)
        if ((have & fast[i]->cpu) == fast[i]->cpu)
            return fast[i];
#endif
    return &avila_blake3_kernel_portable;
}

const char *avila_blake3_impl(void)
{
    return avila_blake3_kernel()->name;
}

/* ------------------------------------------------------------ chunk state */

static size_t chunk_len(const struct avila_blake3 *c)
{
    return (size_t)BLOCK * c->blocks_compressed + c->buflen;
}

static uint32_t chunk_start_flag(const struct avila_blake3 *c)
{
    return c->blocks_compressed == 0 ? AVILA_BLAKE3_CHUNK_START : 0;
}

static void chunk_reset(struct avila_blake3 *c, uint64_t counter)
{
    memcpy(c->cv, c->key, sizeof c->cv);
    c->chunk_counter = counter;
    c->buflen = 0;
    c->blocks_compressed = 0;
}

/*
 * Absorbs n bytes into the current chunk (n <= CHUNK - chunk_len). The last
 * block stays in buf: it is compressed with CHUNK_END, and only the chunk's
 * end decides which block that is.
 */
static void chunk_absorb(struct avila_blake3 *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (c->buflen == BLOCK) {
            compress_cv(c->cv, c->buf, BLOCK, c->chunk_counter, c->flags | chunk_start_flag(c));
            c->blocks_compressed++;
            c->buflen = 0;
        }
        if (c->buflen == 0 && n > BLOCK) {
            compress_cv(c->cv, p, BLOCK, c->chunk_counter, c->flags | chunk_start_flag(c));
            c->blocks_compressed++;
            p += BLOCK;
            n -= BLOCK;
            continue;
        }
        size_t room = BLOCK - (size_t)c->buflen, take = room < n ? room : n;
        memcpy(c->buf + c->buflen, p, take);
        c->buflen = (uint8_t)(c->buflen + take);
        p += take;
        n -= take;
    }
}

/* ------------------------------------------------------------ output nodes */

/* A node whose compression is still to run: as a chaining value, or as root output blocks. */
struct output {
    uint32_t cv[8];
    uint8_t block[BLOCK];
    uint32_t block_len;
    uint64_t counter;
    uint32_t flags;
};

static void chunk_output(const struct avila_blake3 *c, struct output *o)
{
    memcpy(o->cv, c->cv, sizeof o->cv);
    memcpy(o->block, c->buf, c->buflen);
    memset(o->block + c->buflen, 0, BLOCK - c->buflen);
    o->block_len = c->buflen;
    o->counter = c->chunk_counter;
    o->flags = c->flags | chunk_start_flag(c) | AVILA_BLAKE3_CHUNK_END;
}

/* A parent node: block is its two children's chaining values, left first. */
static void parent_output(const struct avila_blake3 *c, const uint8_t block[BLOCK],
                          struct output *o)
{
    memcpy(o->cv, c->key, sizeof o->cv);
    memcpy(o->block, block, BLOCK);
    o->block_len = BLOCK;
    o->counter = 0;
    o->flags = c->flags | AVILA_BLAKE3_PARENT;
}

static void output_cv(const struct output *o, uint8_t cv[OUT])
{
    uint32_t w[8];
    memcpy(w, o->cv, sizeof w);
    compress_cv(w, o->block, o->block_len, o->counter, o->flags);
    words_to_bytes(w, cv);
    avila_wipe(w, sizeof w);
}

/* Output bytes [offset, offset + outlen) of the root node o: block k is o compressed with t = k. */
static void root_bytes(const struct output *o, uint64_t offset, uint8_t *out, size_t outlen)
{
    uint64_t counter = offset / BLOCK;
    size_t skip = (size_t)(offset % BLOCK);
    uint32_t w[16];
    uint8_t block[BLOCK];
    while (outlen > 0) {
        avila_blake3_compress(o->cv, o->block, o->block_len, counter++,
                              o->flags | AVILA_BLAKE3_ROOT, w);
        for (size_t i = 0; i < 16; i++)
            avila_store_le32(block + 4 * i, w[i]);
        size_t take = BLOCK - skip < outlen ? BLOCK - skip : outlen;
        memcpy(out, block + skip, take);
        out += take;
        outlen -= take;
        skip = 0;
    }
    avila_wipe(w, sizeof w);
    avila_wipe(block, sizeof block);
}

/* ------------------------------------------------------------ the tree */

static unsigned popcount64(uint64_t x)
{
    /* Portable bit count: __builtin_popcountll may call libgcc without -mpopcnt. */
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/*
 * Merges the top of the stack until it holds one chaining value per bit of
 * chunks (the complete subtrees of the first `chunks` chunks). Called before
 * a push, and when input ends inside a chunk, so that final()'s right-to-left
 * fold builds exactly the tree of the specification.
 */
static void merge_stack(struct avila_blake3 *c, uint64_t chunks)
{
    unsigned keep = popcount64(chunks);
    while (c->stack_len > keep) {
        /* The last two entries are contiguous: together they are the parent's block. */
        uint8_t *pair = c->stack[c->stack_len - 2];
        struct output o;
        parent_output(c, pair, &o);
        output_cv(&o, pair);
        avila_wipe(&o, sizeof o);
        c->stack_len--;
    }
}

/* Pushes the chaining value of the subtree starting at chunk number first. */
static void push_cv(struct avila_blake3 *c, const uint8_t cv[OUT], uint64_t first)
{
    merge_stack(c, first);
    /* Only reachable past 2^64 bytes of input (see avila_blake3_update): never write past. */
    if (c->stack_len == AVILA_BLAKE3_MAX_DEPTH)
        return;
    memcpy(c->stack[c->stack_len++], cv, OUT);
}

/* Pushes the full current chunk, which more input follows (so it is not the root). */
static void finish_chunk(struct avila_blake3 *c)
{
    struct output o;
    uint8_t cv[OUT];
    chunk_output(c, &o);
    output_cv(&o, cv);
    push_cv(c, cv, c->chunk_counter);
    chunk_reset(c, c->chunk_counter + 1);
    avila_wipe(&o, sizeof o);
    avila_wipe(cv, sizeof cv);
}

/*
 * Hashes the nchunks whole chunks at p (a power of two in 2..SUBTREE_CHUNKS,
 * the first numbered c->chunk_counter) with kernel k, then their parents
 * level by level, and pushes the chaining values of the two halves.
 */
static void push_subtree(struct avila_blake3 *c, const struct avila_blake3_kernel *k,
                         const uint8_t *p, size_t nchunks)
{
    const uint8_t *inputs[SUBTREE_CHUNKS] = {NULL};
    uint8_t cvs[SUBTREE_CHUNKS * OUT], parents[SUBTREE_CHUNKS / 2 * OUT];
    for (size_t i = 0; i < nchunks; i++)
        inputs[i] = p + (size_t)CHUNK * i;
    k->hash_many(inputs, nchunks, BLOCKS_PER_CHUNK, c->key, c->chunk_counter, 1, c->flags,
                 AVILA_BLAKE3_CHUNK_START, AVILA_BLAKE3_CHUNK_END, cvs);
    for (size_t n = nchunks / 2; n >= 2; n /= 2) {
        for (size_t i = 0; i < n; i++)
            inputs[i] = cvs + i * 2 * OUT;
        k->hash_many(inputs, n, 1, c->key, 0, 0, c->flags | AVILA_BLAKE3_PARENT, 0, 0, parents);
        memcpy(cvs, parents, n * OUT);
    }
    push_cv(c, cvs, c->chunk_counter);
    push_cv(c, cvs + OUT, c->chunk_counter + nchunks / 2);
    c->chunk_counter += nchunks;
    avila_wipe(cvs, sizeof cvs);
    avila_wipe(parents, sizeof parents);
}

/*
 * The chunks of the largest subtree that can start at chunk number counter
 * within `available` whole chunks (>= 1): a power of two that divides counter
 * (subtrees sit on the tree's grid), at most SUBTREE_CHUNKS.
 */
static size_t subtree_chunks(uint64_t counter, uint64_t available)
{
    size_t n = SUBTREE_CHUNKS;
    while (n > available || (counter & (n - 1)) != 0)
        n /= 2;
    return n;
}

/* ------------------------------------------------------------ interface */

static void init_with(struct avila_blake3 *c, const uint32_t key[8], uint32_t flags)
{
    memcpy(c->key, key, sizeof c->key);
    c->flags = (uint8_t)flags;
    c->stack_len = 0;
    chunk_reset(c, 0);
}

void avila_blake3_init(struct avila_blake3 *c)
{
    init_with(c, IV, 0);
}

void avila_blake3_init_keyed(struct avila_blake3 *c, const uint8_t key[AVILA_BLAKE3_KEY_LEN])
{
    uint32_t w[8];
    bytes_to_words(key, w);
    init_with(c, w, AVILA_BLAKE3_KEYED_HASH);
    avila_wipe(w, sizeof w);
}

void avila_blake3_init_derive_key(struct avila_blake3 *c, const char *context, size_t context_len)
{
    /* The context string is hashed in its own mode; its hash keys the key-material mode. */
    uint8_t context_key[OUT];
    uint32_t w[8];
    init_with(c, IV, AVILA_BLAKE3_DERIVE_KEY_CONTEXT);
    avila_blake3_update(c, context, context_len);
    avila_blake3_final(c, context_key, sizeof context_key);
    bytes_to_words(context_key, w);
    init_with(c, w, AVILA_BLAKE3_DERIVE_KEY_MATERIAL);
    avila_wipe(context_key, sizeof context_key);
    avila_wipe(w, sizeof w);
}

void avila_blake3_update(struct avila_blake3 *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (n == 0)
        return; /* data may be NULL: no arithmetic on it */
    if (chunk_len(c) > 0) {
        size_t room = CHUNK - chunk_len(c), take = room < n ? room : n;
        chunk_absorb(c, p, take);
        p += take;
        n -= take;
        if (n == 0)
            return;
        finish_chunk(c);
    }
    /* While more than a chunk remains, nothing here can be the root: hash whole subtrees. */
    while (n > CHUNK) {
        size_t nchunks = subtree_chunks(c->chunk_counter, n / CHUNK);
        if (nchunks == 1) {
            chunk_absorb(c, p, CHUNK);
            finish_chunk(c);
        } else {
            push_subtree(c, avila_blake3_kernel(), p, nchunks);
        }
        p += (size_t)CHUNK * nchunks;
        n -= (size_t)CHUNK * nchunks;
    }
    if (n > 0) {
        chunk_absorb(c, p, n);
        merge_stack(c, c->chunk_counter);
    }
}

void avila_blake3_final_seek(const struct avila_blake3 *c, uint64_t offset, uint8_t *out,
                             size_t outlen)
{
    struct output o;
    uint8_t block[BLOCK];
    size_t i = c->stack_len;
    if (i == 0 || chunk_len(c) > 0) {
        chunk_output(c, &o);
    } else {
        /* Input ended with a pushed subtree: its two halves are the stack's top. */
        i -= 2;
        parent_output(c, c->stack[i], &o);
    }
    while (i > 0) {
        i--;
        memcpy(block, c->stack[i], OUT);
        output_cv(&o, block + OUT);
        parent_output(c, block, &o);
    }
    root_bytes(&o, offset, out, outlen);
    avila_wipe(&o, sizeof o);
    avila_wipe(block, sizeof block);
}

void avila_blake3_final(const struct avila_blake3 *c, uint8_t *out, size_t outlen)
{
    avila_blake3_final_seek(c, 0, out, outlen);
}

void avila_blake3(void *out, size_t outlen, const void *in, size_t n)
{
    struct avila_blake3 c;
    avila_blake3_init(&c);
    avila_blake3_update(&c, in, n);
    avila_blake3_final(&c, out, outlen);
}

/* ------------------------------------------------------------ descriptor */

static void digest_init(void *ctx)
{
    avila_blake3_init(ctx);
}

static void digest_update(void *ctx, const void *data, size_t n)
{
    avila_blake3_update(ctx, data, n);
}

static void digest_final(void *ctx, uint8_t *out)
{
    avila_blake3_final(ctx, out, AVILA_BLAKE3_OUT_LEN);
    avila_wipe(ctx, sizeof(struct avila_blake3));
}

/* ctx_size exceeds AVILA_DIGEST_CTX_MAX: usable through the descriptor, not by HMAC (digest.h). */
const struct avila_digest avila_digest_blake3 = {
    "blake3",    AVILA_BLAKE3_OUT_LEN, AVILA_BLAKE3_BLOCK_LEN, sizeof(struct avila_blake3),
    digest_init, digest_update,        digest_final,
};
