/*
 * tools/fuzz/fuzz_json_stream_pieces.c - libFuzzer harness for the pieces
 * mode of the streaming JSON parser (data/json_stream.h,
 * avila_json_stream_set_pieces) against the document parser (data/json.h).
 * Input: two bytes of options (as tools/fuzz/fuzz_json_stream.c reads them;
 * dup_keys forced to "reject"), two bytes of chunking recipe (as there),
 * one byte for the token buffer: 4 + (byte & 63) bytes, then the document.
 * max_number_len is the token buffer's size unless the options set a
 * smaller one. Each chunk is copied into a buffer of its exact size, freed
 * when the parser asks for more. Properties (violations call
 * __builtin_trap()):
 *   - every AVILA_JSON_EV_STRING_PART / _KEY_PART is non-empty, at most the
 *     token buffer and at least the token buffer less 3 bytes (it was full
 *     but for an unfinished UTF-8 sequence or an escape's bytes),
 *     well-formed UTF-8 on its own (so it ends on a code point boundary),
 *     and has the offset and depth of the string's final event, whose type
 *     it matches, and which is not empty;
 *   - the stream accepts exactly what avila_json_parse accepts (a
 *     duplicate-key rejection aside), and the events, with each string's
 *     PARTs joined to its final text, are the document's walk (a hash of
 *     both sequences in one form); or both fail with the same code, offset,
 *     line, column and reason.
 * Seeds: tools/fuzz/corpus/json_stream_pieces/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"
#include "data/json.h"
#include "data/json_int.h"
#include "data/json_stream.h"
#include "tools/fuzz/fuzz_json_stream.h"

/*
 * FNV-1a over the events in one form: kind and depth, then the kind's
 * data. A string's bytes are hashed as they come and its length after
 * them, so PARTs hash as the whole string would.
 */
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

static void mix_number(struct digest *d, enum avila_json_type t, uint64_t bits, size_t offset,
                       const char *text, size_t n)
{
    mix_u64(d, (uint64_t)t);
    mix_u64(d, bits);
    mix_u64(d, offset);
    mix(d, text, n);
    mix_u64(d, n);
}

/* ---------------------------------------------------------------- the stream */

/* The string whose PARTs are coming, if any. */
struct pending {
    int type; /* 0: none; else the PART type */
    size_t offset, depth, len;
};

static void stream_event(struct digest *d, struct pending *pd, const struct avila_json_event *ev,
                         size_t tok_cap)
{
    if (ev->type == AVILA_JSON_EV_STRING_PART || ev->type == AVILA_JSON_EV_KEY_PART) {
        CHECK(ev->len >= 1 && ev->len <= tok_cap && ev->len + 3 >= tok_cap);
        CHECK(avila_utf8_validate(ev->text, ev->len) == 0);
        if (pd->type) {
            CHECK(pd->type == (int)ev->type && pd->offset == ev->offset && pd->depth == ev->depth);
        } else {
            /* The event kind is that of the final event, mixed now. */
            mix_event(d,
                      ev->type == AVILA_JSON_EV_KEY_PART ? AVILA_JSON_EV_KEY : AVILA_JSON_EV_STRING,
                      ev->depth);
            pd->type = (int)ev->type;
            pd->offset = ev->offset;
            pd->depth = ev->depth;
            pd->len = 0;
        }
        mix(d, ev->text, ev->len);
        pd->len += ev->len;
        return;
    }
    if (ev->type == AVILA_JSON_EV_KEY || ev->type == AVILA_JSON_EV_STRING) {
        size_t len = ev->len;
        if (pd->type) {
            CHECK(pd->type == (ev->type == AVILA_JSON_EV_KEY ? AVILA_JSON_EV_KEY_PART
                                                             : AVILA_JSON_EV_STRING_PART));
            CHECK(pd->offset == ev->offset && pd->depth == ev->depth && ev->len > 0);
            len += pd->len;
            pd->type = 0;
        } else {
            mix_event(d, ev->type, ev->depth);
        }
        mix(d, ev->text, ev->len);
        mix_u64(d, len);
        return;
    }
    CHECK(!pd->type);
    mix_event(d, ev->type, ev->depth);
    switch (ev->type) {
    case AVILA_JSON_EV_OBJECT_BEGIN:
    case AVILA_JSON_EV_ARRAY_BEGIN:
    case AVILA_JSON_EV_END:
        mix_u64(d, ev->offset);
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
    default:
        break;
    }
}

static uint8_t mem[AVILA_JSON_STREAM_MEM(AVILA_JSON_DEFAULT_MAX_DEPTH, 4 + 63)];

/* What each event is checked and mixed with. */
struct pieces_ctx {
    struct digest *d;
    struct pending pd;
    size_t tok_cap;
};

static void on_event(void *ctx, const struct avila_json_event *ev)
{
    struct pieces_ctx *pc = ctx;
    stream_event(pc->d, &pc->pd, ev, pc->tok_cap);
}

static int run_stream(const uint8_t *text, size_t len, const struct avila_json_options *o,
                      size_t tok, const uint8_t recipe[2], struct digest *d,
                      struct avila_json_error *err)
{
    struct avila_json_stream s;
    size_t mem_len = avila_json_stream_mem(o, tok);
    CHECK(mem_len > 0 && mem_len <= sizeof mem);
    CHECK(avila_json_stream_init(&s, o, mem, mem_len) == 0);
    CHECK(avila_json_stream_set_pieces(&s, true) == 0);
    CHECK(s.tok_cap == (tok > o->max_number_len ? tok : o->max_number_len));
    struct pieces_ctx pc = {d, {0}, s.tok_cap};
    return fuzz_stream_feed(&s, text, len, recipe, AVILA_JSON_EV_KEY_PART, on_event, &pc, err);
}

/* ---------------------------------------------------------------- the document */

static void dom_string(struct digest *d, int kind, size_t depth, const struct avila_json_node *v)
{
    size_t n;
    const char *s = avila_json_string(v, &n);
    mix_event(d, kind, depth);
    mix(d, s, n);
    mix_u64(d, n);
}

static void dom_value(struct digest *d, const struct avila_json_doc *doc,
                      const struct avila_json_node *v, size_t depth)
{
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
        dom_string(d, AVILA_JSON_EV_STRING, depth, v);
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
        size_t n;
        const char *s = avila_json_number_text(doc, v, &n);
        mix_event(d, AVILA_JSON_EV_NUMBER, depth);
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
                if (k)
                    dom_string(d, AVILA_JSON_EV_KEY, depth, k);
                break;
            }
            depth--;
            mix_event(d, is_obj[depth] ? AVILA_JSON_EV_OBJECT_END : AVILA_JSON_EV_ARRAY_END, depth);
        }
    }
}

/* Options from sel[0..1] as tools/fuzz/fuzz_json_stream.c reads them; numbers fit tok bytes. */
static void options(const uint8_t *sel, size_t tok, struct avila_json_options *o)
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
    o->max_number_len = sel[1] & 0x20 ? 1 + (sel[1] & 7u) : tok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    size_t tok = 4 + (data[4] & 63u);
    struct avila_json_options o;
    options(data, tok, &o);
    const uint8_t *text = data + 5;
    size_t len = size - 5;

    struct digest ds = {0xCBF29CE484222325u, 0}, dd = {0xCBF29CE484222325u, 0};
    struct avila_json_error serr = {0}, derr = {0};
    int src = run_stream(text, len, &o, tok, data + 2, &ds, &serr);

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
