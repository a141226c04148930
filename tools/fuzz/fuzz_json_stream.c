/*
 * tools/fuzz/fuzz_json_stream.c - libFuzzer harness for the streaming JSON
 * parser (data/json_stream.h) against the document parser (data/json.h).
 * Input: two bytes of options (as tools/fuzz/fuzz_json.c reads them;
 * dup_keys forced to "reject", since the stream does not enforce it), two
 * bytes of chunking recipe, then the document:
 *   recipe[0] == 0        the document in one chunk, the end said early
 *   recipe[0] & 0x80      chunk sizes drawn from 0 .. (recipe[0] & 0x7F) + 1 by
 *                         a generator seeded with recipe[1] (0: an empty
 *                         chunk; never more than 3 in a row)
 *   otherwise             chunks of recipe[0] bytes, and the end said early
 *                         when recipe[1] is odd
 * Each chunk is copied into a buffer of its exact size, freed when the
 * parser asks for more, so keeping a pointer into an old chunk or reading
 * past one is caught by ASan. Properties (violations call
 * __builtin_trap()):
 *   - the stream returns events, AVILA_EAGAIN only after its chunk, and then
 *     either AVILA_JSON_EV_END or AVILA_EFORMAT / AVILA_ELIMIT / AVILA_ERANGE,
 *     sticky, with a position inside the input;
 *   - it accepts exactly what avila_json_parse accepts (a duplicate-key
 *     rejection aside), with the same events as the document's walk (a hash
 *     of both sequences in one form), or fails with the same code, offset,
 *     line, column and reason.
 * Seeds: tools/fuzz/corpus/json_stream/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/json.h"
#include "data/json_int.h"
#include "data/json_stream.h"
#include "tools/fuzz/fuzz_json_stream.h"

/* FNV-1a over the events in one form: kind, depth, then the kind's data. */
struct digest {
    uint64_t h;
    size_t count;
};

static void mix(struct digest *d, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 0x100000001B3u;
}

static void mix_u64(struct digest *d, uint64_t v)
{
    mix(d, &v, sizeof v);
}

static void mix_event(struct digest *d, int kind, size_t depth)
{
    d->count++;
    mix_u64(d, (uint64_t)kind);
    mix_u64(d, depth);
}

static void mix_bytes(struct digest *d, const char *s, size_t n)
{
    mix_u64(d, n);
    mix(d, s, n);
}

static void mix_number(struct digest *d, enum avila_json_type t, uint64_t bits, size_t offset,
                       const char *text, size_t n)
{
    mix_u64(d, (uint64_t)t);
    mix_u64(d, bits);
    mix_u64(d, offset);
    mix_bytes(d, text, n);
}

/* ---------------------------------------------------------------- the stream */

static void stream_event(struct digest *d, const struct avila_json_event *ev)
{
    mix_event(d, ev->type, ev->depth);
    switch (ev->type) {
    case AVILA_JSON_EV_OBJECT_BEGIN:
    case AVILA_JSON_EV_ARRAY_BEGIN:
        mix_u64(d, ev->offset);
        break;
    case AVILA_JSON_EV_KEY:
    case AVILA_JSON_EV_STRING:
        mix_bytes(d, ev->text, ev->len);
        break;
    case AVILA_JSON_EV_NUMBER: {
        uint64_t bits = 0;
        if (ev->number_type == AVILA_JSON_DOUBLE)
            memcpy(&bits, &ev->num.d, 8);
        else if (ev->number_type != AVILA_JSON_BIGNUM)
            bits = ev->num.u;
        mix_number(d, ev->number_type, bits, ev->offset, ev->text, ev->len);
        break;
    }
    case AVILA_JSON_EV_END:
        mix_u64(d, ev->offset);
        break;
    default:
        break;
    }
}

static uint8_t mem[AVILA_JSON_STREAM_MEM(AVILA_JSON_DEFAULT_MAX_DEPTH, 1 << 16)];

static void on_event(void *ctx, const struct avila_json_event *ev)
{
    stream_event(ctx, ev);
}

static int run_stream(const uint8_t *text, size_t len, const struct avila_json_options *o,
                      const uint8_t recipe[2], struct digest *d, struct avila_json_error *err)
{
    struct avila_json_stream s;
    CHECK(avila_json_stream_init(&s, o, mem, sizeof mem) == 0);
    return fuzz_stream_feed(&s, text, len, recipe, AVILA_JSON_EV_END, on_event, d, err);
}

/* ---------------------------------------------------------------- the document */

static void dom_value(struct digest *d, const struct avila_json_doc *doc,
                      const struct avila_json_node *v, size_t depth)
{
    size_t n;
    const char *s;
    uint64_t bits = 0;
    enum avila_json_type t = avila_json_type(v);
    switch (t) {
    case AVILA_JSON_NULL:
        mix_event(d, AVILA_JSON_EV_NULL, depth);
        break;
    case AVILA_JSON_BOOL:
        mix_event(d, avila_json_bool(v) ? AVILA_JSON_EV_TRUE : AVILA_JSON_EV_FALSE, depth);
        break;
    case AVILA_JSON_STRING:
        mix_event(d, AVILA_JSON_EV_STRING, depth);
        s = avila_json_string(v, &n);
        mix_bytes(d, s, n);
        break;
    case AVILA_JSON_ARRAY:
    case AVILA_JSON_OBJECT:
        mix_event(d, t == AVILA_JSON_ARRAY ? AVILA_JSON_EV_ARRAY_BEGIN : AVILA_JSON_EV_OBJECT_BEGIN,
                  depth);
        mix_u64(d, JSON_SRC_OFFSET(v));
        break;
    default: {
        if (t == AVILA_JSON_INT) {
            int64_t i = 0;
            CHECK(avila_json_int64(v, &i) == 0);
            memcpy(&bits, &i, 8);
        } else if (t == AVILA_JSON_UINT) {
            CHECK(avila_json_uint64(v, &bits) == 0);
        } else if (t == AVILA_JSON_DOUBLE) {
            double x = 0;
            CHECK(avila_json_double(v, &x) == 0);
            memcpy(&bits, &x, 8);
        }
        mix_event(d, AVILA_JSON_EV_NUMBER, depth);
        s = avila_json_number_text(doc, v, &n);
        mix_number(d, t, bits, (size_t)((const uint8_t *)s - doc->text), s, n);
        break;
    }
    }
}

static struct avila_json_iter stack[AVILA_JSON_DEFAULT_MAX_DEPTH + 1];
static bool is_obj[AVILA_JSON_DEFAULT_MAX_DEPTH + 1];

static void dom_walk(struct digest *d, const struct avila_json_doc *doc, size_t len)
{
    const struct avila_json_node *v = avila_json_root(doc);
    size_t depth = 0;
    for (;;) {
        dom_value(d, doc, v, depth);
        enum avila_json_type t = avila_json_type(v);
        if (t == AVILA_JSON_ARRAY || t == AVILA_JSON_OBJECT) {
            CHECK(depth < AVILA_JSON_DEFAULT_MAX_DEPTH);
            is_obj[depth] = t == AVILA_JSON_OBJECT;
            avila_json_iter_init(&stack[depth++], v);
        }
        for (;;) {
            if (depth == 0) {
                mix_event(d, AVILA_JSON_EV_END, 0);
                mix_u64(d, len);
                return;
            }
            const struct avila_json_node *k;
            if (avila_json_iter_next(&stack[depth - 1], &k, &v)) {
                if (k) {
                    size_t n;
                    const char *s = avila_json_string(k, &n);
                    mix_event(d, AVILA_JSON_EV_KEY, depth);
                    mix_bytes(d, s, n);
                }
                break;
            }
            depth--;
            mix_event(d, is_obj[depth] ? AVILA_JSON_EV_OBJECT_END : AVILA_JSON_EV_ARRAY_END, depth);
        }
    }
}

static void options(const uint8_t *sel, struct avila_json_options *o)
{
    memset(o, 0, sizeof *o);
    o->allow_comments = sel[0] & 1;
    o->allow_trailing_commas = (sel[0] >> 1) & 1;
    o->skip_bom = (sel[0] >> 2) & 1;
    o->dup_keys = AVILA_JSON_DUP_REJECT;
    o->lone_surrogates = (enum avila_json_surrogates)((sel[0] >> 5) & 1);
    o->big_numbers = (enum avila_json_big_numbers)((sel[0] >> 6) & 1);
    if (sel[1] & 0x80)
        o->max_depth = 1 + (sel[1] & 15);
    if (sel[1] & 0x40)
        o->max_string_len = 1 + (sel[1] & 7);
    if (sel[1] & 0x20)
        o->max_number_len = 1 + (sel[1] & 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    struct avila_json_options o;
    options(data, &o);
    const uint8_t *text = data + 4;
    size_t len = size - 4;
    if (len > 60000)
        return 0; /* strings must fit the 64 KiB token buffer */

    struct digest ds = {0xCBF29CE484222325u, 0}, dd = {0xCBF29CE484222325u, 0};
    struct avila_json_error serr = {0}, derr = {0};
    int src = run_stream(text, len, &o, data + 2, &ds, &serr);

    struct avila_json_doc doc;
    int drc = avila_json_parse(&doc, text, len, &o, avila_allocator_libc(), &derr);
    if (drc == AVILA_EFORMAT && strcmp(derr.reason, "duplicate key in object") == 0) {
        /* Not enforced by the stream, which must not fail before that point. */
        CHECK(src == 0 || serr.offset > derr.offset);
        return 0;
    }
    CHECK(src == drc);
    if (drc != 0) {
        CHECK(serr.offset == derr.offset && serr.line == derr.line && serr.column == derr.column &&
              strcmp(serr.reason, derr.reason) == 0);
        return 0;
    }
    dom_walk(&dd, &doc, len);
    avila_json_doc_release(&doc);
    CHECK(ds.count == dd.count && ds.h == dd.h);
    return 0;
}
