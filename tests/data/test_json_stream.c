/*
 * tests/data/test_json_stream.c - the streaming JSON parser
 * (data/json_stream.h) against the document parser (data/json.h), the
 * property of issue 5: a text fed in chunks split anywhere (every split
 * point of small texts, 1-byte chunks, random chunks) gives the event
 * sequence that walking avila_json_parse's document gives, or the same
 * error (code, offset, line, column, reason). Inputs: the benchmark files
 * of ../shared/data/json (when present), every string literal of the
 * document parser's suite (tests/data/test_json.c) and its fuzz seeds,
 * generated documents (valid, and mutated into invalid ones) under several
 * option sets. Known answers for each split hazard (literal, string,
 * escape, \u pair, UTF-8 sequence, number, comment, CR LF), the limits at
 * and beyond, the token buffer, sticky errors and the call protocol.
 *
 * Chunks are copied into buffers of their exact size that are freed as soon
 * as the parser asks for more, so a parser that kept a pointer into an old
 * chunk, or read past one, fails under ASan and valgrind.
 */
#include "tests/support/unit.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/utf8.h"
#include "data/json.h"
#include "data/json_int.h"
#include "data/json_stream.h"

#ifndef AVILA_SOURCE_DIR
#define AVILA_SOURCE_DIR "."
#endif

/* ---------------------------------------------------------------- event records */

/* Events as text, one per line, in a form both parsers can produce. */
struct rec {
    char *buf;
    size_t len, cap;
};

static void rec_put(struct rec *r, const void *p, size_t n)
{
    if (!r->buf || r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->buf, cap);
        assert_non_null(b);
        r->buf = b;
        r->cap = cap;
    }
    if (n) /* p may be NULL then (an empty record's buffer) */
        memcpy(r->buf + r->len, p, n);
    r->len += n;
    r->buf[r->len] = '\0';
}

static void rec_fmt(struct rec *r, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    rec_put(r, tmp, (size_t)n);
}

static void rec_free(struct rec *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

/* A string or key: its kind, depth, length and bytes. */
static void rec_string(struct rec *r, char kind, size_t depth, const char *s, size_t n)
{
    rec_fmt(r, "%c%zu %zu:", kind, depth, n);
    rec_put(r, s, n);
    rec_put(r, "\n", 1);
}

static void rec_number(struct rec *r, size_t depth, enum avila_json_type t, uint64_t bits,
                       size_t offset, const char *text, size_t n)
{
    rec_fmt(r, "N%zu %d %016llx @%zu ", depth, (int)t, (unsigned long long)bits, offset);
    rec_put(r, text, n);
    rec_put(r, "\n", 1);
}

static void rec_event(struct rec *r, const struct avila_json_event *ev)
{
    switch (ev->type) {
    case AVILA_JSON_EV_OBJECT_BEGIN:
        rec_fmt(r, "{%zu @%zu\n", ev->depth, ev->offset);
        break;
    case AVILA_JSON_EV_ARRAY_BEGIN:
        rec_fmt(r, "[%zu @%zu\n", ev->depth, ev->offset);
        break;
    case AVILA_JSON_EV_OBJECT_END:
        rec_fmt(r, "}%zu\n", ev->depth);
        break;
    case AVILA_JSON_EV_ARRAY_END:
        rec_fmt(r, "]%zu\n", ev->depth);
        break;
    case AVILA_JSON_EV_KEY:
        rec_string(r, 'K', ev->depth, ev->text, ev->len);
        break;
    case AVILA_JSON_EV_STRING:
        rec_string(r, 'S', ev->depth, ev->text, ev->len);
        break;
    case AVILA_JSON_EV_NUMBER: {
        uint64_t bits = 0;
        if (ev->number_type == AVILA_JSON_DOUBLE)
            memcpy(&bits, &ev->num.d, 8);
        else if (ev->number_type != AVILA_JSON_BIGNUM)
            bits = ev->num.u;
        rec_number(r, ev->depth, ev->number_type, bits, ev->offset, ev->text, ev->len);
        break;
    }
    case AVILA_JSON_EV_TRUE:
        rec_fmt(r, "T%zu\n", ev->depth);
        break;
    case AVILA_JSON_EV_FALSE:
        rec_fmt(r, "F%zu\n", ev->depth);
        break;
    case AVILA_JSON_EV_NULL:
        rec_fmt(r, "Z%zu\n", ev->depth);
        break;
    case AVILA_JSON_EV_END:
        rec_fmt(r, "E @%zu\n", ev->offset);
        break;
    default:
        fail_msg("unknown event type %d", (int)ev->type);
    }
}

/* ---------------------------------------------------------------- the document parser's walk */

static void dom_value(struct rec *r, const struct avila_json_doc *doc,
                      const struct avila_json_node *v, size_t depth)
{
    size_t n;
    const char *s;
    uint64_t bits = 0;
    switch (avila_json_type(v)) {
    case AVILA_JSON_NULL:
        rec_fmt(r, "Z%zu\n", depth);
        break;
    case AVILA_JSON_BOOL:
        rec_fmt(r, "%c%zu\n", avila_json_bool(v) ? 'T' : 'F', depth);
        break;
    case AVILA_JSON_STRING:
        s = avila_json_string(v, &n);
        rec_string(r, 'S', depth, s, n);
        break;
    case AVILA_JSON_INT:
    case AVILA_JSON_UINT:
    case AVILA_JSON_DOUBLE:
    case AVILA_JSON_BIGNUM: {
        enum avila_json_type t = avila_json_type(v);
        if (t == AVILA_JSON_INT) {
            int64_t i;
            assert_int_equal(avila_json_int64(v, &i), 0);
            memcpy(&bits, &i, 8);
        } else if (t == AVILA_JSON_UINT) {
            assert_int_equal(avila_json_uint64(v, &bits), 0);
        } else if (t == AVILA_JSON_DOUBLE) {
            double d;
            assert_int_equal(avila_json_double(v, &d), 0);
            memcpy(&bits, &d, 8);
        }
        s = avila_json_number_text(doc, v, &n);
        rec_number(r, depth, t, bits, (size_t)((const uint8_t *)s - doc->text), s, n);
        break;
    }
    case AVILA_JSON_ARRAY:
        rec_fmt(r, "[%zu @%zu\n", depth, JSON_SRC_OFFSET(v));
        break;
    case AVILA_JSON_OBJECT:
        rec_fmt(r, "{%zu @%zu\n", depth, JSON_SRC_OFFSET(v));
        break;
    }
}

/* Walks the document (no recursion) into the stream's event form. */
static void dom_walk(struct rec *r, const struct avila_json_doc *doc, size_t len)
{
    const struct avila_json_node *v = avila_json_root(doc);
    size_t cap = 64, depth = 0;
    struct avila_json_iter *stack = malloc(cap * sizeof *stack);
    bool *is_obj = malloc(cap);
    assert_non_null(stack);
    assert_non_null(is_obj);
    for (;;) {
        dom_value(r, doc, v, depth);
        enum avila_json_type t = avila_json_type(v);
        if (t == AVILA_JSON_ARRAY || t == AVILA_JSON_OBJECT) {
            if (depth == cap) {
                cap *= 2;
                struct avila_json_iter *st = realloc(stack, cap * sizeof *stack);
                assert_non_null(st);
                stack = st;
                bool *ob = realloc(is_obj, cap);
                assert_non_null(ob);
                is_obj = ob;
            }
            is_obj[depth] = t == AVILA_JSON_OBJECT;
            avila_json_iter_init(&stack[depth++], v);
        }
        for (;;) {
            if (depth == 0)
                goto done;
            const struct avila_json_node *k;
            if (avila_json_iter_next(&stack[depth - 1], &k, &v)) {
                if (k) {
                    size_t n;
                    const char *s = avila_json_string(k, &n);
                    rec_string(r, 'K', depth, s, n);
                }
                break;
            }
            depth--;
            rec_fmt(r, "%c%zu\n", is_obj[depth] ? '}' : ']', depth);
        }
    }
done:
    rec_fmt(r, "E @%zu\n", len);
    free(stack);
    free(is_obj);
}

/* ---------------------------------------------------------------- driving the stream */

struct result {
    int rc;
    struct avila_json_error err;
    struct rec events;
    size_t parts; /* pieces mode: PART events seen */
};

/* PART events seen by all runs: the pieces tests check that they made some. */
static size_t parts_seen;

static void result_free(struct result *res)
{
    rec_free(&res->events);
}

/* How to cut the text. */
struct plan {
    const size_t *cuts; /* chunk boundaries, ascending (repeats: empty chunks) */
    size_t ncuts;
    bool end_early; /* say end right after feeding the last chunk */
    bool copy;      /* feed exact-size copies freed when used up */
    bool pieces;    /* pieces mode, with a token buffer of tok_bytes (check_plan) */
    size_t tok_bytes;
};

/*
 * Pieces mode: a string's PART events so far, checked one by one against
 * the contract of data/json_stream.h (non-empty, well-formed UTF-8 on its
 * own so it ends on a code point boundary, the buffer full but for an
 * unfinished sequence or an escape's bytes, the offset and depth of the
 * final event) and joined to it.
 */
struct pending {
    struct rec text;
    int type; /* 0: none */
    size_t offset, depth;
};

static void part_add(struct pending *pd, const struct avila_json_event *ev, size_t tok_cap,
                     struct result *res)
{
    if (pd->type &&
        (pd->type != (int)ev->type || pd->offset != ev->offset || pd->depth != ev->depth))
        fail_msg("PART event %d @%zu depth %zu after PART %d @%zu depth %zu", (int)ev->type,
                 ev->offset, ev->depth, pd->type, pd->offset, pd->depth);
    if (ev->len == 0 || ev->len > tok_cap || ev->len + 3 < tok_cap)
        fail_msg("PART of %zu bytes with a token buffer of %zu", ev->len, tok_cap);
    if (avila_utf8_validate(ev->text, ev->len) != 0)
        fail_msg("PART @%zu of %zu bytes is not whole UTF-8", ev->offset, ev->len);
    pd->type = (int)ev->type;
    pd->offset = ev->offset;
    pd->depth = ev->depth;
    rec_put(&pd->text, ev->text, ev->len);
    res->parts++;
    parts_seen++;
}

/* The final event of a string: joins the PARTs before it, if any, into *joined. */
static void part_join(struct pending *pd, const struct avila_json_event *ev,
                      struct avila_json_event *joined)
{
    *joined = *ev;
    if (!pd->type)
        return;
    int want = ev->type == AVILA_JSON_EV_KEY ? AVILA_JSON_EV_KEY_PART : AVILA_JSON_EV_STRING_PART;
    if (pd->type != want || pd->offset != ev->offset || pd->depth != ev->depth || ev->len == 0)
        fail_msg("event %d @%zu depth %zu len %zu after PART %d @%zu depth %zu", (int)ev->type,
                 ev->offset, ev->depth, ev->len, pd->type, pd->offset, pd->depth);
    rec_put(&pd->text, ev->text, ev->len);
    joined->text = pd->text.buf;
    joined->len = pd->text.len;
    pd->type = 0;
    pd->text.len = 0;
}

/*
 * Streams text[0..len) cut per plan, with a token buffer of tok_bytes (0:
 * the least allowed), recording events and the outcome. Checks the
 * protocol on the way: EAGAIN only with the chunk used up, errors sticky,
 * ECLOSED after the end.
 */
static void run_stream(const uint8_t *text, size_t len, const struct avila_json_options *opt,
                       size_t tok_bytes, const struct plan *plan, struct result *res)
{
    memset(res, 0, sizeof *res);
    size_t mem_len = avila_json_stream_mem(opt, tok_bytes);
    if (mem_len == 0) {
        fail_msg("options out of range");
        return;
    }
    uint8_t *mem = malloc(mem_len);
    assert_non_null(mem);
    struct avila_json_stream s;
    assert_int_equal(avila_json_stream_init(&s, opt, mem, mem_len), 0);
    if (plan->pieces)
        assert_int_equal(avila_json_stream_set_pieces(&s, true), 0);
    size_t pos = 0, next_cut = 0;
    uint8_t *chunk = NULL;
    bool fed_all = false;
    struct avila_json_event ev;
    struct pending pd = {0};
    for (;;) {
        int rc = avila_json_stream_next(&s, &ev);
        if (rc == 0) {
            if (ev.type == AVILA_JSON_EV_STRING_PART || ev.type == AVILA_JSON_EV_KEY_PART) {
                if (!plan->pieces)
                    fail_msg("PART event outside pieces mode");
                part_add(&pd, &ev, s.tok_cap, res);
                continue;
            }
            if (ev.type == AVILA_JSON_EV_STRING || ev.type == AVILA_JSON_EV_KEY) {
                struct avila_json_event joined;
                part_join(&pd, &ev, &joined);
                rec_event(&res->events, &joined);
                continue;
            }
            if (pd.type)
                fail_msg("event %d after a PART", (int)ev.type);
            rec_event(&res->events, &ev);
            if (ev.type == AVILA_JSON_EV_END) {
                assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_ECLOSED);
                assert_null(avila_json_stream_error(&s));
                break;
            }
            continue;
        }
        if (rc == AVILA_EAGAIN) {
            free(chunk);
            chunk = NULL;
            if (fed_all) {
                if (s.ended)
                    fail_msg("EAGAIN after the end");
                assert_int_equal(avila_json_stream_end(&s), 0);
                continue;
            }
            size_t to = next_cut < plan->ncuts ? plan->cuts[next_cut++] : len;
            if (to > len)
                to = len;
            if (to < pos)
                to = pos;
            const uint8_t *src = text + pos;
            if (plan->copy) {
                chunk = malloc(to - pos ? to - pos : 1);
                assert_non_null(chunk);
                memcpy(chunk, text + pos, to - pos);
                src = chunk;
            }
            assert_int_equal(avila_json_stream_feed(&s, src, to - pos), 0);
            if (to - pos > 0) { /* the chunk is not used up yet (unless max_size cut it) */
                int r = avila_json_stream_feed(&s, src, 1);
                assert_true(r == AVILA_ESTATE || (opt && opt->max_size && to > opt->max_size));
            }
            pos = to;
            if (pos == len && next_cut >= plan->ncuts) {
                fed_all = true;
                if (plan->end_early)
                    assert_int_equal(avila_json_stream_end(&s), 0);
            }
            continue;
        }
        res->rc = rc;
        const struct avila_json_error *e = avila_json_stream_error(&s);
        assert_non_null(e);
        res->err = *e;
        /* Sticky. */
        assert_int_equal(avila_json_stream_next(&s, &ev), rc);
        assert_int_equal(avila_json_stream_feed(&s, "x", 1), rc);
        break;
    }
    rec_free(&pd.text);
    free(chunk);
    free(mem);
}

static void run_dom(const uint8_t *text, size_t len, const struct avila_json_options *opt,
                    struct result *res)
{
    memset(res, 0, sizeof *res);
    struct avila_json_doc doc;
    res->rc = avila_json_parse(&doc, text, len, opt, avila_allocator_libc(), &res->err);
    if (res->rc == 0)
        dom_walk(&res->events, &doc, len);
    avila_json_doc_release(&doc);
}

static size_t checks_run;

/* Prints a text for a failure message (escaped, cut short). */
static const char *show(const uint8_t *t, size_t n)
{
    static char out[400];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < sizeof out; i++) {
        if (t[i] >= 0x20 && t[i] < 0x7F && t[i] != '\\')
            out[o++] = (char)t[i];
        else
            o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", t[i]);
    }
    out[o] = '\0';
    return out;
}

static void describe_plan(const struct plan *plan, char *buf, size_t cap)
{
    size_t o = (size_t)snprintf(buf, cap, "cuts");
    for (size_t i = 0; i < plan->ncuts && i < 12 && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, " %zu", plan->cuts[i]);
    if (plan->ncuts > 12 && o < cap)
        snprintf(buf + o, cap - o, " ... (%zu cuts)", plan->ncuts);
}

static bool same_reason(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Compares a stream run with the document parser's outcome. */
static void compare(const uint8_t *text, size_t len, const struct avila_json_options *opt,
                    const struct result *dom, const struct result *st, const struct plan *plan)
{
    char where[256];
    checks_run++;
    if (dom->rc != 0 && dom->err.reason &&
        strcmp(dom->err.reason, "duplicate key in object") == 0) {
        /* Not enforced by the stream: it must not invent another error before the end. */
        if (st->rc != 0 && st->err.offset < dom->err.offset) {
            describe_plan(plan, where, sizeof where);
            fail_msg("%s [%s]: stream %s at %zu (%s), document has only a duplicate key",
                     show(text, len), where, avila_strerror_name(st->rc), st->err.offset,
                     st->err.reason);
        }
        return;
    }
    (void)opt;
    if (dom->rc != st->rc ||
        (dom->rc == 0 &&
         (dom->events.len != st->events.len ||
          (dom->events.len && memcmp(dom->events.buf, st->events.buf, dom->events.len) != 0)))) {
        describe_plan(plan, where, sizeof where);
        fail_msg("%s [%s]: document %s (%s at %zu), stream %s (%s at %zu)\n"
                 "document events:\n%.600s\nstream events:\n%.600s",
                 show(text, len), where, avila_strerror_name(dom->rc),
                 dom->err.reason ? dom->err.reason : "-", dom->err.offset,
                 avila_strerror_name(st->rc), st->err.reason ? st->err.reason : "-", st->err.offset,
                 dom->events.buf ? dom->events.buf : "", st->events.buf ? st->events.buf : "");
    }
    if (dom->rc != 0 &&
        (dom->err.offset != st->err.offset || dom->err.line != st->err.line ||
         dom->err.column != st->err.column || !same_reason(dom->err.reason, st->err.reason))) {
        describe_plan(plan, where, sizeof where);
        fail_msg("%s [%s]: document %s at %zu (%zu:%zu) \"%s\", stream at %zu (%zu:%zu) \"%s\"",
                 show(text, len), where, avila_strerror_name(dom->rc), dom->err.offset,
                 dom->err.line, dom->err.column, dom->err.reason, st->err.offset, st->err.line,
                 st->err.column, st->err.reason);
    }
    if (st->rc == 0) {
        /* The prefix of a text before the stream's end is never a whole text with a different
         * meaning. */
        assert_true(st->events.len > 0);
    }
}

/* The token buffer the equivalence runs use: never the limit that bites. */
static size_t big_token(size_t len)
{
    return len + 16;
}

/* Streams text in one cut plan and compares it with dom. */
static void check_plan(const uint8_t *text, size_t len, const struct avila_json_options *opt,
                       const struct result *dom, const struct plan *plan)
{
    struct result st;
    run_stream(text, len, opt, plan->pieces ? plan->tok_bytes : big_token(len), plan, &st);
    compare(text, len, opt, dom, &st, plan);
    result_free(&st);
}

/*
 * The property for one text: whole, at every split point (len <= every_max),
 * in 1-byte chunks (len <= ones_max), and in `randoms` random cuts; in
 * pieces mode with a token buffer of tok_bytes if pieces is set (then no
 * string is too long for the stream), else with a buffer no string fills.
 */
static void check_text_mode(const uint8_t *text, size_t len, const struct avila_json_options *opt,
                            bool pieces, size_t tok_bytes, size_t every_max, size_t ones_max,
                            int randoms, uint64_t *rng)
{
    struct result dom;
    run_dom(text, len, opt, &dom);
    size_t *cuts = malloc((len + 8) * sizeof *cuts);
    assert_non_null(cuts);
    struct plan plan = {cuts, 0, false, true, pieces, tok_bytes};
    /* Whole, with the end said before and after the chunk is used. */
    check_plan(text, len, opt, &dom, &plan);
    plan.end_early = true;
    check_plan(text, len, opt, &dom, &plan);
    if (len <= every_max) {
        for (size_t k = 0; k <= len; k++) {
            cuts[0] = k;
            plan.ncuts = 1;
            plan.end_early = k & 1;
            check_plan(text, len, opt, &dom, &plan);
        }
    }
    if (len <= ones_max) {
        for (size_t k = 0; k < len; k++)
            cuts[k] = k + 1;
        plan.ncuts = len;
        plan.end_early = false;
        check_plan(text, len, opt, &dom, &plan);
    }
    for (int r = 0; r < randoms; r++) {
        size_t n = 0, pos = 0;
        uint64_t shape = unit_rand(rng) % 4;
        size_t maxc = shape == 0 ? 3 : shape == 1 ? 16 : shape == 2 ? 256 : 8192;
        while (pos < len && n < len + 7) {
            size_t step = (size_t)(unit_rand(rng) % (maxc + 1)); /* 0: an empty chunk */
            pos = pos + step > len ? len : pos + step;
            cuts[n++] = pos;
        }
        plan.ncuts = n;
        plan.end_early = unit_rand(rng) & 1;
        check_plan(text, len, opt, &dom, &plan);
    }
    free(cuts);
    result_free(&dom);
}

static void check_text(const uint8_t *text, size_t len, const struct avila_json_options *opt,
                       size_t every_max, size_t ones_max, int randoms, uint64_t *rng)
{
    check_text_mode(text, len, opt, false, 0, every_max, ones_max, randoms, rng);
}

/* ---------------------------------------------------------------- option sets */

static struct avila_json_options option_set(int which)
{
    struct avila_json_options o = {0};
    switch (which) {
    case 0: /* strict defaults */
        break;
    case 1: /* config files */
        o.allow_comments = true;
        o.allow_trailing_commas = true;
        o.skip_bom = true;
        break;
    case 2:
        o.lone_surrogates = AVILA_JSON_SURROGATE_REPLACE;
        o.big_numbers = AVILA_JSON_BIG_DOUBLE;
        break;
    default: /* small limits */
        o.max_depth = 3;
        o.max_string_len = 5;
        o.max_number_len = 6;
        o.allow_comments = true;
        break;
    }
    return o;
}

#define OPTION_SETS 4

/* ---------------------------------------------------------------- known answers per hazard */

/* Streams a NUL-terminated text at every split point and checks the events are want. */
static void want_events(const char *json, const struct avila_json_options *opt, const char *want)
{
    size_t len = strlen(json);
    size_t cuts[1];
    struct plan plan = {cuts, 0, false, true, false, 0};
    for (size_t k = 0; k <= len + 1; k++) {
        plan.ncuts = k <= len;
        cuts[0] = k;
        struct result st;
        run_stream((const uint8_t *)json, len, opt, 0, &plan, &st);
        if (st.rc != 0)
            fail_msg("%s cut at %zu: %s at %zu (%s)", json, k, avila_strerror_name(st.rc),
                     st.err.offset, st.err.reason);
        if (strcmp(st.events.buf, want) != 0)
            fail_msg("%s cut at %zu: events\n%s\nwant\n%s", json, k, st.events.buf, want);
        result_free(&st);
    }
}

/* Streams json at every split point and in 1-byte chunks; checks the error. */
static void want_error(const char *json, size_t len, const struct avila_json_options *opt,
                       size_t tok_bytes, int rc, size_t offset, size_t line, size_t column,
                       const char *reason)
{
    size_t *cuts = malloc((len + 2) * sizeof *cuts);
    assert_non_null(cuts);
    struct plan plan = {cuts, 0, false, true, false, 0};
    for (size_t k = 0; k <= len + 1; k++) {
        if (k <= len) {
            plan.ncuts = 1;
            cuts[0] = k;
        } else {
            for (size_t i = 0; i < len; i++)
                cuts[i] = i + 1;
            plan.ncuts = len;
        }
        struct result st;
        run_stream((const uint8_t *)json, len, opt, tok_bytes, &plan, &st);
        if (st.rc != rc || st.err.offset != offset || st.err.line != line ||
            st.err.column != column || !same_reason(st.err.reason, reason))
            fail_msg("%s (plan %zu): %s at %zu (%zu:%zu) \"%s\"; want %s at %zu (%zu:%zu) \"%s\"",
                     show((const uint8_t *)json, len), k, avila_strerror_name(st.rc), st.err.offset,
                     st.err.line, st.err.column, st.err.reason ? st.err.reason : "-",
                     avila_strerror_name(rc), offset, line, column, reason);
        result_free(&st);
    }
    free(cuts);
}

static void hazard_literals(void **state)
{
    (void)state;
    want_events("true", NULL, "T0\nE @4\n");
    want_events("[false,null ,true]", NULL, "[0 @0\nF1\nZ1\nT1\n]0\nE @18\n");
    want_error("tru", 3, NULL, 0, AVILA_EFORMAT, 3, 1, 4, "unexpected end of input");
    want_error("[nulL]", 6, NULL, 0, AVILA_EFORMAT, 4, 1, 5, "invalid literal");
    want_error("fals e", 6, NULL, 0, AVILA_EFORMAT, 4, 1, 5, "invalid literal");
}

static void hazard_strings_fixed(void **state)
{
    (void)state;
    want_events("{\"key\":\"value with spaces\"}", NULL,
                "{0 @0\nK1 3:key\nS1 17:value with spaces\n}0\nE @27\n");
    /* Every simple escape, cut anywhere, including between '\\' and its letter. */
    want_events("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", NULL, "S0 8:\"\\/\b\f\n\r\t\nE @18\n");
    /* \u escapes: 1, 2, 3 bytes, a surrogate pair (4 bytes), upper and lower case hex. */
    want_events("\"\\u0041\\u00E9\\u20aC\\uD83D\\uDE00\"", NULL,
                "S0 10:A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\nE @32\n");
    /* Raw UTF-8 of every length, cut inside each sequence. */
    want_events("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]", NULL,
                "[0 @0\nS1 9:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n]0\nE @13\n");
    /* NUL by escape. */
    want_events("\"a\\u0000b\"", NULL, "S0 3:a\0b\nE @10\n");
    /* Lone surrogates: rejected at the backslash, or U+FFFD; a high one then a non-low escape. */
    want_error("\"ab\\uD800\"", 10, NULL, 0, AVILA_EFORMAT, 3, 1, 4,
               "lone surrogate in \\u escape");
    want_error("\"\\uDC00\"", 8, NULL, 0, AVILA_EFORMAT, 1, 1, 2, "lone surrogate in \\u escape");
    struct avila_json_options rep = {.lone_surrogates = AVILA_JSON_SURROGATE_REPLACE};
    want_events("\"\\uD800x\\uDC00\\uD800\\u0041\\uD800\\uD800\\uDC00\"", &rep,
                "S0 18:\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd"
                "A\xef\xbf\xbd\xf0\x90\x80\x80\nE @45\n");
    want_error("\"\\uD800\\uDC0x\"", 14, &rep, 0, AVILA_EFORMAT, 12, 1, 13,
               "expected 4 hex digits after \\u");
    /* Malformed escapes. */
    want_error("\"\\x\"", 4, NULL, 0, AVILA_EFORMAT, 2, 1, 3, "invalid escape sequence");
    want_error("\"\\u12G4\"", 8, NULL, 0, AVILA_EFORMAT, 5, 1, 6,
               "expected 4 hex digits after \\u");
    want_error("\"\\u12", 5, NULL, 0, AVILA_EFORMAT, 5, 1, 6, "unterminated string");
    want_error("\"ab\\", 4, NULL, 0, AVILA_EFORMAT, 4, 1, 5, "unterminated string");
    want_error("\"abc", 4, NULL, 0, AVILA_EFORMAT, 0, 1, 1, "unterminated string");
    want_error("[\"a\nb\"]", 7, NULL, 0, AVILA_EFORMAT, 3, 1, 4, "control character in string");
    /* Invalid UTF-8: the first bad sequence, after the string's earlier errors only. */
    want_error("\"ab\xc3(\"", 6, NULL, 0, AVILA_EFORMAT, 3, 1, 4, "invalid UTF-8 in string");
    want_error("\"ab\xe2\x82\"", 6, NULL, 0, AVILA_EFORMAT, 3, 1, 4, "invalid UTF-8 in string");
    want_error("\"\xed\xa0\x80\"", 5, NULL, 0, AVILA_EFORMAT, 1, 1, 2, "invalid UTF-8 in string");
    want_error("\"\xc0\xaf\\n\"", 6, NULL, 0, AVILA_EFORMAT, 1, 1, 2, "invalid UTF-8 in string");
    want_error("\"x\xf0\x9f\x98", 5, NULL, 0, AVILA_EFORMAT, 0, 1, 1, "unterminated string");
}

static void hazard_numbers(void **state)
{
    (void)state;
    want_events("-12.5e3", NULL, "N0 5 c0c86a0000000000 @0 -12.5e3\nE @7\n");
    want_events("[0,-0,18446744073709551615,-9223372036854775808]", NULL,
                "[0 @0\nN1 3 0000000000000000 @1 0\nN1 3 0000000000000000 @3 -0\n"
                "N1 4 ffffffffffffffff @6 18446744073709551615\n"
                "N1 3 8000000000000000 @27 -9223372036854775808\n]0\nE @48\n");
    want_events("123456789012345678901234", NULL,
                "N0 6 0000000000000000 @0 123456789012345678901234\nE @24\n");
    want_events("1e400", NULL, "N0 6 0000000000000000 @0 1e400\nE @5\n");
    struct avila_json_options dbl = {.big_numbers = AVILA_JSON_BIG_DOUBLE};
    want_events("[123456789012345678901234]", &dbl,
                "[0 @0\nN1 5 44ba249b1f10a06d @1 123456789012345678901234\n]0\nE @26\n");
    want_error("[1,1e400]", 9, &dbl, 0, AVILA_ERANGE, 3, 1, 4, "number out of the double range");
    want_events("0.1", NULL, "N0 5 3fb999999999999a @0 0.1\nE @3\n");
    want_events("[1E+2,1e-2]", NULL,
                "[0 @0\nN1 5 4059000000000000 @1 1E+2\nN1 5 3f847ae147ae147b @6 1e-2\n]0\nE @11\n");
    want_error("-", 1, NULL, 0, AVILA_EFORMAT, 1, 1, 2, "unexpected end of input");
    want_error("[-x]", 4, NULL, 0, AVILA_EFORMAT, 2, 1, 3, "expected digit after '-'");
    want_error("[01]", 4, NULL, 0, AVILA_EFORMAT, 2, 1, 3, "leading zero in number");
    want_error("[1.]", 4, NULL, 0, AVILA_EFORMAT, 3, 1, 4, "expected digit after decimal point");
    want_error("1.e5", 4, NULL, 0, AVILA_EFORMAT, 2, 1, 3, "expected digit after decimal point");
    want_error("[1e+]", 5, NULL, 0, AVILA_EFORMAT, 4, 1, 5, "expected digit in exponent");
    want_error("1E", 2, NULL, 0, AVILA_EFORMAT, 2, 1, 3, "unexpected end of input");
    want_error("[1-2]", 5, NULL, 0, AVILA_EFORMAT, 2, 1, 3,
               "expected ',' or ']' after array element");
    want_error("+1", 2, NULL, 0, AVILA_EFORMAT, 0, 1, 1, "expected a value");
}

static void hazard_comments_and_lines(void **state)
{
    (void)state;
    struct avila_json_options c = {.allow_comments = true};
    want_events("/* a */[1// b\n,/**/2/***/]// end", &c,
                "[0 @7\nN1 3 0000000000000001 @8 1\nN1 3 0000000000000002 @19 2\n]0\nE @32\n");
    want_events("// only a comment\n\"x\"/*\xc3\xa9*/", &c, "S0 1:x\nE @27\n");
    want_error("[1 /x]", 6, &c, 0, AVILA_EFORMAT, 4, 1, 5,
               "expected '/' or '*' after '/' (comment)");
    want_error("[1 /", 4, &c, 0, AVILA_EFORMAT, 4, 1, 5, "unexpected end of input");
    want_error("[1,\n /* x\n\n */ 2 /* \n", 21, &c, 0, AVILA_EFORMAT, 17, 4, 7,
               "unterminated comment");
    want_error("1 /* \n\xc3 */", 10, &c, 0, AVILA_EFORMAT, 6, 2, 1, "invalid UTF-8 in comment");
    want_error("1 /* \n\xc3\n */", 11, &c, 0, AVILA_EFORMAT, 6, 2, 1, "invalid UTF-8 in comment");
    want_error("1 // \xff", 6, &c, 0, AVILA_EFORMAT, 5, 1, 6, "invalid UTF-8 in comment");
    want_error("1 // \xe2\x82", 7, &c, 0, AVILA_EFORMAT, 5, 1, 6, "invalid UTF-8 in comment");
    want_error("[1 // x\n]", 9, NULL, 0, AVILA_EFORMAT, 3, 1, 4,
               "expected ',' or ']' after array element");
    /* CR LF: a CR alone does not start a line; columns are bytes. */
    want_events("[\r\n1\r\n]\r\n", NULL, "[0 @0\nN1 3 0000000000000001 @3 1\n]0\nE @9\n");
    want_error("[\r\n1\r\n,\r\n\r\n]", 12, NULL, 0, AVILA_EFORMAT, 11, 5, 1,
               "trailing comma (not allowed)");
    want_error("\r\r\n \xc3\xa9", 6, NULL, 0, AVILA_EFORMAT, 4, 2, 2, "expected a value");
}

static void hazard_bom_and_structure(void **state)
{
    (void)state;
    struct avila_json_options bom = {.skip_bom = true};
    want_events("\xef\xbb\xbf[]", &bom, "[0 @3\n]0\nE @5\n");
    want_error("\xef\xbb\xbf[]", 5, NULL, 0, AVILA_EFORMAT, 0, 1, 1,
               "byte order mark (not allowed)");
    want_error("\xef\xbb[]", 4, &bom, 0, AVILA_EFORMAT, 0, 1, 1, "expected a value");
    want_error("\xef\xbb", 2, &bom, 0, AVILA_EFORMAT, 0, 1, 1, "expected a value");
    want_error("\xef\xbb\xbf", 3, &bom, 0, AVILA_EFORMAT, 3, 1, 4, "unexpected end of input");
    want_error("", 0, NULL, 0, AVILA_EFORMAT, 0, 1, 1, "unexpected end of input");
    want_error(" \n ", 3, NULL, 0, AVILA_EFORMAT, 3, 2, 2, "unexpected end of input");
    want_error("[1] 2", 5, NULL, 0, AVILA_EFORMAT, 4, 1, 5, "unexpected data after the JSON value");
    want_error("{\"a\" 1}", 7, NULL, 0, AVILA_EFORMAT, 5, 1, 6, "expected ':' after object key");
    want_error("{\"a\":1,}", 8, NULL, 0, AVILA_EFORMAT, 7, 1, 8, "trailing comma (not allowed)");
    want_error("{1:1}", 5, NULL, 0, AVILA_EFORMAT, 1, 1, 2, "expected string key");
    want_error("[1,]", 4, NULL, 0, AVILA_EFORMAT, 3, 1, 4, "trailing comma (not allowed)");
    want_error("[,]", 3, NULL, 0, AVILA_EFORMAT, 1, 1, 2, "expected a value");
    want_error("{\"a\":]", 6, NULL, 0, AVILA_EFORMAT, 5, 1, 6, "expected a value");
    want_error("[1}", 3, NULL, 0, AVILA_EFORMAT, 2, 1, 3,
               "expected ',' or ']' after array element");
    want_error("{\"a\":1]", 7, NULL, 0, AVILA_EFORMAT, 6, 1, 7,
               "expected ',' or '}' after object member");
    struct avila_json_options tc = {.allow_trailing_commas = true};
    want_events("{\"a\":[1,],}", &tc,
                "{0 @0\nK1 1:a\n[1 @5\nN2 3 0000000000000001 @6 1\n]1\n}0\nE @11\n");
    want_error("[,]", 3, &tc, 0, AVILA_EFORMAT, 1, 1, 2, "expected a value");
    want_error("{,}", 3, &tc, 0, AVILA_EFORMAT, 1, 1, 2, "expected string key");
    /* Duplicate keys are reported as they come, whatever dup_keys says. */
    want_events("{\"a\":1,\"a\":2}", NULL,
                "{0 @0\nK1 1:a\nN1 3 0000000000000001 @5 1\nK1 1:a\nN1 3 0000000000000002 @11 "
                "2\n}0\nE @13\n");
}

/* ---------------------------------------------------------------- limits */

static void limits(void **state)
{
    (void)state;
    /* Depth: at the limit, and one beyond (at the bracket that breaks it). */
    struct avila_json_options d3 = {.max_depth = 3};
    want_events("[[{\"a\":1}]]", &d3,
                "[0 @0\n[1 @1\n{2 @2\nK3 1:a\nN3 3 0000000000000001 @7 1\n}2\n]1\n]0\nE @11\n");
    want_error("[[[[]]]]", 8, &d3, 0, AVILA_ELIMIT, 3, 1, 4, "nesting deeper than max_depth");
    /* The default depth, 1024, and a deep one (2^20) with its stack of 2^17 bytes. */
    for (size_t depth = 1024; depth <= 1025; depth++) {
        char *t = malloc(2 * depth);
        memset(t, '[', depth);
        memset(t + depth, ']', depth);
        struct result st;
        size_t cut = depth;
        struct plan plan = {&cut, 1, false, true, false, 0};
        run_stream((const uint8_t *)t, 2 * depth, NULL, 0, &plan, &st);
        assert_int_equal(st.rc, depth <= 1024 ? 0 : AVILA_ELIMIT);
        if (st.rc)
            assert_int_equal(st.err.offset, 1024);
        result_free(&st);
        free(t);
    }
    {
        size_t depth = (size_t)1 << 20;
        struct avila_json_options deep = {.max_depth = depth};
        char *t = malloc(2 * depth);
        memset(t, '[', depth);
        memset(t + depth, ']', depth);
        size_t mem_len = avila_json_stream_mem(&deep, 0);
        assert_int_equal(mem_len, depth / 8 + AVILA_JSON_DEFAULT_MAX_NUMBER_LEN);
        uint8_t *mem = malloc(mem_len);
        struct avila_json_stream s;
        struct avila_json_event ev;
        assert_int_equal(avila_json_stream_init(&s, &deep, mem, mem_len), 0);
        assert_int_equal(avila_json_stream_feed(&s, t, 2 * depth), 0);
        assert_int_equal(avila_json_stream_end(&s), 0);
        size_t events = 0;
        int rc;
        while ((rc = avila_json_stream_next(&s, &ev)) == 0 && ev.type != AVILA_JSON_EV_END)
            events++;
        assert_int_equal(rc, 0);
        assert_int_equal(events, 2 * depth);
        free(mem);
        free(t);
    }
    /* String length: decoded bytes, at and beyond; after the string's own errors. */
    struct avila_json_options s4 = {.max_string_len = 4};
    want_events("[\"abcd\",\"\\u00e9\\u00e9\"]", &s4,
                "[0 @0\nS1 4:abcd\nS1 4:\xc3\xa9\xc3\xa9\n]0\nE @23\n");
    want_error("[\"abcde\"]", 9, &s4, 0, AVILA_ELIMIT, 1, 1, 2,
               "string longer than max_string_len");
    want_error("{\"abcde\":1}", 11, &s4, 0, AVILA_ELIMIT, 1, 1, 2,
               "string longer than max_string_len");
    want_error("[\"abcde\\q\"]", 11, &s4, 0, AVILA_EFORMAT, 8, 1, 9, "invalid escape sequence");
    want_error("[\"abcde", 7, &s4, 0, AVILA_EFORMAT, 1, 1, 2, "unterminated string");
    /* The token buffer: strings within max_string_len but beyond it. */
    struct avila_json_options n8 = {.max_number_len = 8};
    char json[64];
    snprintf(json, sizeof json, "[\"%s\"]", "0123456789");
    want_error(json, strlen(json), &n8, 9, AVILA_ELIMIT, 1, 1, 2,
               "string longer than the token buffer");
    want_error("[\"0123456789\\u00e9\\x\"]", 22, &n8, 9, AVILA_EFORMAT, 19, 1, 20,
               "invalid escape sequence");
    want_error("[\"0123456789\xff\"]", 15, &n8, 9, AVILA_EFORMAT, 12, 1, 13,
               "invalid UTF-8 in string");
    {
        /* At the token buffer's size exactly: delivered, in every split. */
        size_t cuts[1];
        struct plan plan = {cuts, 1, false, true, false, 0};
        for (size_t k = 0; k <= 14; k++) {
            cuts[0] = k;
            struct result st;
            run_stream((const uint8_t *)"[\"012345\\u00e9\"]", 16, &n8, 8, &plan, &st);
            assert_int_equal(st.rc, 0);
            assert_string_equal(st.events.buf, "[0 @0\nS1 8:012345\xc3\xa9\n]0\nE @16\n");
            result_free(&st);
        }
    }
    /* Number length: at and beyond; a malformed long one is a format error where it breaks. */
    struct avila_json_options n5 = {.max_number_len = 5};
    want_events(
        "[-1234,1.5e1]", &n5,
        "[0 @0\nN1 3 fffffffffffffb2e @1 -1234\nN1 5 402e000000000000 @7 1.5e1\n]0\nE @13\n");
    want_error("[123456]", 8, &n5, 0, AVILA_ELIMIT, 1, 1, 2, "number longer than max_number_len");
    want_error("[1234567890123.x]", 17, &n5, 0, AVILA_EFORMAT, 15, 1, 16,
               "expected digit after decimal point");
    want_error("123456", 6, &n5, 0, AVILA_ELIMIT, 0, 1, 1, "number longer than max_number_len");
    /* Document size: the bytes fed in all; earlier errors first. */
    struct avila_json_options m8 = {.max_size = 8};
    want_events("[1, 2 ]", &m8,
                "[0 @0\nN1 3 0000000000000001 @1 1\nN1 3 0000000000000002 @4 2\n]0\nE @7\n");
    want_events("[1, 22 ]", &m8,
                "[0 @0\nN1 3 0000000000000001 @1 1\nN1 3 0000000000000016 @4 22\n]0\nE @8\n");
    want_error("[1, 22 ] ", 9, &m8, 0, AVILA_ELIMIT, 8, 1, 9, "document larger than max_size");
    want_error("[1, 22 \"abc\"]", 13, &m8, 0, AVILA_EFORMAT, 7, 1, 8,
               "expected ',' or ']' after array element");
    want_error("[1, 2222222]", 12, &m8, 0, AVILA_ELIMIT, 8, 1, 9, "document larger than max_size");
}

/* ---------------------------------------------------------------- protocol */

static void protocol(void **state)
{
    (void)state;
    uint8_t mem[AVILA_JSON_STREAM_MEM(AVILA_JSON_DEFAULT_MAX_DEPTH, 2048)];
    struct avila_json_stream s;
    struct avila_json_event ev;
    /* init: bad arguments, options, too little memory. */
    assert_int_equal(avila_json_stream_init(NULL, NULL, mem, sizeof mem), AVILA_EINVAL);
    assert_int_equal(avila_json_stream_init(&s, NULL, NULL, sizeof mem), AVILA_EINVAL);
    struct avila_json_options bad = {.max_depth = AVILA_JSON_MAX_DEPTH_LIMIT + 1};
    assert_int_equal(avila_json_stream_init(&s, &bad, mem, sizeof mem), AVILA_EINVAL);
    assert_int_equal(avila_json_stream_mem(&bad, 0), 0);
    bad = (struct avila_json_options){.lone_surrogates = 7};
    assert_int_equal(avila_json_stream_init(&s, &bad, mem, sizeof mem), AVILA_EINVAL);
    size_t least =
        AVILA_JSON_STREAM_MEM(AVILA_JSON_DEFAULT_MAX_DEPTH, AVILA_JSON_DEFAULT_MAX_NUMBER_LEN);
    assert_int_equal(avila_json_stream_mem(NULL, 0), least);
    assert_int_equal(avila_json_stream_mem(NULL, 2048), sizeof mem);
    assert_int_equal(avila_json_stream_init(&s, NULL, mem, least - 1), AVILA_EINVAL);
    assert_int_equal(avila_json_stream_init(&s, NULL, mem, least), 0);
    /* max_size has no ceiling for streams. */
    struct avila_json_options huge = {.max_size = SIZE_MAX};
    assert_int_equal(avila_json_stream_init(&s, &huge, mem, sizeof mem), 0);

    /* Nothing fed: asks for input; an empty chunk too. */
    assert_int_equal(avila_json_stream_init(&s, NULL, mem, sizeof mem), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EAGAIN);
    assert_int_equal(avila_json_stream_feed(&s, NULL, 0), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EAGAIN);
    assert_int_equal(avila_json_stream_feed(&s, NULL, 1), AVILA_EINVAL);
    assert_int_equal(avila_json_stream_next(NULL, &ev), AVILA_EINVAL);
    assert_int_equal(avila_json_stream_next(&s, NULL), AVILA_EINVAL);
    /* A feed before the chunk is used up; the offset moves as events come. */
    assert_int_equal(avila_json_stream_feed(&s, "[1, 2] ", 7), 0);
    assert_int_equal(avila_json_stream_feed(&s, "x", 1), AVILA_ESTATE);
    assert_int_equal(avila_json_stream_offset(&s), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(ev.type, AVILA_JSON_EV_ARRAY_BEGIN);
    assert_int_equal(avila_json_stream_offset(&s), 1);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(ev.type, AVILA_JSON_EV_NUMBER);
    assert_int_equal(ev.number_type, AVILA_JSON_INT);
    assert_int_equal(ev.num.i, 1);
    assert_int_equal(ev.len, 1);
    assert_memory_equal(ev.text, "1", 1);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(ev.type, AVILA_JSON_EV_ARRAY_END);
    assert_int_equal(avila_json_stream_offset(&s), 6);
    /* The end is not known yet. */
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EAGAIN);
    assert_int_equal(avila_json_stream_offset(&s), 7);
    assert_int_equal(avila_json_stream_end(&s), 0);
    assert_int_equal(avila_json_stream_end(&s), 0);
    /* Feed after end. */
    assert_int_equal(avila_json_stream_feed(&s, "1", 1), AVILA_ESTATE);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(ev.type, AVILA_JSON_EV_END);
    assert_int_equal(ev.offset, 7);
    /* Next after the end of the document. */
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_ECLOSED);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_ECLOSED);
    assert_null(avila_json_stream_error(&s));

    /* Sticky errors: next and feed keep returning the first error. */
    assert_int_equal(avila_json_stream_init(&s, NULL, mem, sizeof mem), 0);
    assert_int_equal(avila_json_stream_feed(&s, "[1 x", 4), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EFORMAT);
    const struct avila_json_error *e = avila_json_stream_error(&s);
    assert_non_null(e);
    assert_int_equal(e->offset, 3);
    assert_int_equal(e->line, 1);
    assert_int_equal(e->column, 4);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EFORMAT);
    assert_int_equal(avila_json_stream_feed(&s, "]", 1), AVILA_EFORMAT);
    assert_int_equal(avila_json_stream_end(&s), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EFORMAT);
    assert_int_equal(avila_json_stream_error(&s)->offset, 3);

    /* A top-level number waits for the end or a byte after it. */
    assert_int_equal(avila_json_stream_init(&s, NULL, mem, sizeof mem), 0);
    assert_int_equal(avila_json_stream_feed(&s, "12", 2), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EAGAIN);
    assert_int_equal(avila_json_stream_feed(&s, "34", 2), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), AVILA_EAGAIN);
    assert_int_equal(avila_json_stream_end(&s), 0);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(ev.type, AVILA_JSON_EV_NUMBER);
    assert_int_equal(ev.num.i, 1234);
    assert_int_equal(ev.len, 4);
    assert_memory_equal(ev.text, "1234", 4);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(ev.type, AVILA_JSON_EV_END);
}

/* Long strings go through the token buffer in runs: every split of a long escaped string. */
static void long_strings(void **state)
{
    (void)state;
    uint64_t rng = 7;
    size_t n = 3000;
    uint8_t *t = malloc(n + 2);
    t[0] = '"';
    for (size_t i = 1; i <= n; i++)
        t[i] = (uint8_t)('a' + i % 26);
    static const char esc[] = "\\u00e9\\n\\uD834\\uDD1E", utf8[] = "\xe2\x82\xac\xf0\x9f\x98\x80";
    for (size_t i = 0; esc[i]; i++)
        t[100 + i] = (uint8_t)esc[i];
    for (size_t i = 0; utf8[i]; i++)
        t[2000 + i] = (uint8_t)utf8[i];
    t[n + 1] = '"';
    for (int k = 0; k < OPTION_SETS; k++) {
        struct avila_json_options o = option_set(k);
        check_text(t, n + 2, &o, 4000, 4000, 8, &rng);
    }
    /* Pieces mode: the same string through token buffers far smaller than it. */
    static const size_t toks[] = {4, 7, 64, 1000};
    for (size_t k = 0; k < AVILA_ARRAY_LEN(toks); k++) {
        struct avila_json_options o = option_set((int)k % 3);
        check_text_mode(t, n + 2, &o, true, toks[k], 4000, 4000, 8, &rng);
    }
    free(t);
}

/* ---------------------------------------------------------------- generated documents */

struct gen {
    struct rec out;
    uint64_t rng;
    bool comments;
};

static uint64_t rnd(struct gen *g, uint64_t n)
{
    return unit_rand(&g->rng) % n;
}

static void gen_put(struct gen *g, const char *s)
{
    rec_put(&g->out, s, strlen(s));
}

static void gen_ws(struct gen *g)
{
    static const char *const ws[] = {"", "", "", " ", "\n", "\r\n", "\t", "  \n    "};
    gen_put(g, ws[rnd(g, AVILA_ARRAY_LEN(ws))]);
    if (g->comments && rnd(g, 8) == 0)
        gen_put(g, rnd(g, 2) ? "/* c\xc3\xa9 * / */" : "// line \xe2\x82\xac\n");
}

static void gen_string(struct gen *g, const char *prefix)
{
    static const char *const pieces[] = {
        "a",
        "hello",
        " ",
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u0041",
        "\\u00e9",
        "\\u20AC",
        "\\uD83D\\uDE00",
        "\\ud834\\udd1e",
        "\xc3\xa9",
        "\xe2\x82\xac",
        "\xf0\x9f\x98\x80",
        "\\u0000",
        "\xed\x9f\xbf",
        "\xef\xbf\xbd",
        "\\uDBFF\\uDFFF",
        "~/",
    };
    rec_put(&g->out, "\"", 1);
    gen_put(g, prefix);
    size_t n = rnd(g, 6);
    for (size_t i = 0; i < n; i++)
        gen_put(g, pieces[rnd(g, AVILA_ARRAY_LEN(pieces))]);
    if (rnd(g, 50) == 0)
        gen_put(g, rnd(g, 2) ? "\\uD800" : "\\uDC00x");
    rec_put(&g->out, "\"", 1);
}

static void gen_number(struct gen *g)
{
    static const char *const fixed[] = {
        "0",
        "-0",
        "1",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "0.5",
        "-0.0",
        "1e308",
        "1e309",
        "-1e400",
        "4.9e-324",
        "2.2250738585072014e-308",
        "1e-400",
        "0.1",
        "3.141592653589793238462643383279",
        "1E+2",
        "1e-2",
        "100000000000000000000000e-10",
        "0.000000000000000000000000000001",
        "17976931348623157e292",
    };
    if (rnd(g, 3) == 0) {
        gen_put(g, fixed[rnd(g, AVILA_ARRAY_LEN(fixed))]);
        return;
    }
    char buf[64];
    size_t o = 0;
    if (rnd(g, 3) == 0)
        buf[o++] = '-';
    size_t digits = 1 + rnd(g, rnd(g, 4) == 0 ? 25 : 6);
    buf[o++] = (char)('1' + rnd(g, 9));
    for (size_t i = 1; i < digits; i++)
        buf[o++] = (char)('0' + rnd(g, 10));
    if (rnd(g, 2)) {
        buf[o++] = '.';
        size_t f = 1 + rnd(g, 8);
        for (size_t i = 0; i < f; i++)
            buf[o++] = (char)('0' + rnd(g, 10));
    }
    if (rnd(g, 3) == 0) {
        buf[o++] = rnd(g, 2) ? 'e' : 'E';
        if (rnd(g, 2))
            buf[o++] = rnd(g, 2) ? '+' : '-';
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%u", (unsigned)rnd(g, 400));
    }
    buf[o] = '\0';
    gen_put(g, buf);
}

static void gen_value(struct gen *g, int depth)
{
    uint64_t kind = rnd(g, depth >= 5 ? 6 : 9);
    switch (kind) {
    case 0:
        gen_put(g, "true");
        break;
    case 1:
        gen_put(g, "false");
        break;
    case 2:
        gen_put(g, "null");
        break;
    case 3:
    case 4:
        gen_number(g);
        break;
    case 5:
        gen_string(g, "");
        break;
    case 6:
    case 7: {
        size_t n = rnd(g, 5);
        gen_put(g, "[");
        for (size_t i = 0; i < n; i++) {
            gen_ws(g);
            gen_value(g, depth + 1);
            gen_ws(g);
            if (i + 1 < n)
                gen_put(g, ",");
        }
        gen_ws(g);
        gen_put(g, "]");
        break;
    }
    default: {
        size_t n = rnd(g, 5);
        gen_put(g, "{");
        for (size_t i = 0; i < n; i++) {
            char prefix[8];
            snprintf(prefix, sizeof prefix, "%zu:", i); /* keys never repeat */
            gen_ws(g);
            gen_string(g, prefix);
            gen_ws(g);
            gen_put(g, ":");
            gen_ws(g);
            gen_value(g, depth + 1);
            gen_ws(g);
            if (i + 1 < n)
                gen_put(g, ",");
        }
        gen_ws(g);
        gen_put(g, "}");
        break;
    }
    }
}

/* Damages the text: a byte changed, removed or inserted, or the text cut short. */
static void mutate(struct gen *g)
{
    static const char interesting[] = "\"\\{}[],:0-+eE.u/*\n\r \x80\xc3\xed\xf0\xff\x01";
    struct rec *r = &g->out;
    if (r->len == 0)
        return;
    size_t at = rnd(g, r->len);
    uint8_t b = (uint8_t)interesting[rnd(g, sizeof interesting - 1)];
    switch (rnd(g, 4)) {
    case 0:
        r->buf[at] = (char)b;
        break;
    case 1:
        memmove(r->buf + at, r->buf + at + 1, r->len - at - 1);
        r->len--;
        break;
    case 2:
        rec_put(r, "", 1); /* room */
        r->len--;
        memmove(r->buf + at + 1, r->buf + at, r->len - at);
        r->buf[at] = (char)b;
        r->len++;
        break;
    default:
        r->len = at;
        break;
    }
}

static void generated(void **state)
{
    (void)state;
    size_t count = unit_slow() == UNIT_SLOW_ALL ? 20000 : 3000;
    uint64_t rng = 0x5eed;
    size_t before = checks_run;
    for (size_t i = 0; i < count; i++) {
        struct gen g = {{NULL, 0, 0}, unit_rand(&rng), false};
        int set = (int)(i % OPTION_SETS);
        struct avila_json_options o = option_set(set);
        g.comments = o.allow_comments;
        gen_ws(&g);
        gen_value(&g, 0);
        gen_ws(&g);
        if (g.out.len == 0)
            rec_put(&g.out, "", 0);
        bool damaged = i % 3 == 0;
        if (damaged)
            mutate(&g);
        check_text((const uint8_t *)g.out.buf, g.out.len, &o, 96, 400, 4, &rng);
        /* Pieces mode, token buffers of 4 to 16 bytes: the same events, strings joined. */
        check_text_mode((const uint8_t *)g.out.buf, g.out.len, &o, true, 4 + i % 13, 48, 400, 2,
                        &rng);
        rec_free(&g.out);
    }
    print_message("# generated: %zu documents, %zu stream runs compared\n", count,
                  checks_run - before);
}

/* ---------------------------------------------------------------- the document parser's inputs */

/* Appends the C string literals of src (adjacent ones joined) to lits, NUL-separated with lengths.
 */
struct lits {
    struct rec all; /* bytes */
    size_t *off, *len;
    size_t n, cap;
};

static void lits_add(struct lits *l, size_t start)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->off = realloc(l->off, l->cap * sizeof *l->off);
        l->len = realloc(l->len, l->cap * sizeof *l->len);
        assert_non_null(l->off);
        assert_non_null(l->len);
    }
    l->off[l->n] = start;
    l->len[l->n] = l->all.len - start;
    l->n++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the literal body at src[i] (after the opening quote); returns the index after its closing
 * quote. */
static size_t c_literal(const char *src, size_t n, size_t i, struct rec *out)
{
    while (i < n && src[i] != '"') {
        uint8_t c = (uint8_t)src[i++];
        if (c != '\\' || i >= n) {
            rec_put(out, &c, 1);
            continue;
        }
        c = (uint8_t)src[i++];
        uint8_t v;
        switch (c) {
        case 'n':
            v = '\n';
            break;
        case 't':
            v = '\t';
            break;
        case 'r':
            v = '\r';
            break;
        case 'b':
            v = '\b';
            break;
        case 'f':
            v = '\f';
            break;
        case 'v':
            v = '\v';
            break;
        case 'a':
            v = '\a';
            break;
        case 'x': {
            unsigned x = 0;
            while (i < n && hexval(src[i]) >= 0)
                x = x * 16 + (unsigned)hexval(src[i++]);
            v = (uint8_t)x;
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                unsigned x = c - '0';
                for (int k = 0; k < 2 && i < n && src[i] >= '0' && src[i] <= '7'; k++)
                    x = x * 8 + (unsigned)(src[i++] - '0');
                v = (uint8_t)x;
            } else {
                v = c; /* \" \\ \' \? */
            }
        }
        rec_put(out, &v, 1);
    }
    return i + 1;
}

static void c_literals(const char *src, size_t n, struct lits *l)
{
    size_t i = 0;
    bool open = false; /* a literal was just closed: adjacent ones join it */
    size_t start = 0;
    while (i < n) {
        char c = src[i];
        if (c == '/' && i + 1 < n && src[i + 1] == '/') {
            while (i < n && src[i] != '\n')
                i++;
            continue;
        }
        if (c == '/' && i + 1 < n && src[i + 1] == '*') {
            i += 2;
            while (i + 1 < n && !(src[i] == '*' && src[i + 1] == '/'))
                i++;
            i += 2;
            continue;
        }
        if (c == '\'') {
            i++;
            while (i < n && src[i] != '\'')
                i += src[i] == '\\' ? 2 : 1;
            i++;
            open = false;
            continue;
        }
        if (c == '"') {
            if (!open)
                start = l->all.len;
            else
                l->n--; /* extend the previous literal */
            i = c_literal(src, n, i + 1, &l->all);
            lits_add(l, start);
            open = true;
            continue;
        }
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
            open = false;
        i++;
    }
}

static char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct rec r = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        rec_put(&r, buf, n);
    fclose(f);
    *len = r.len;
    if (!r.buf)
        r.buf = calloc(1, 1);
    return r.buf;
}

static void dom_suite_inputs(void **state)
{
    (void)state;
    size_t n;
    char *src = read_path(AVILA_SOURCE_DIR "/tests/data/test_json.c", &n);
    if (!src) {
        skip();
        return;
    }
    struct lits l = {0};
    c_literals(src, n, &l);
    free(src);
    uint64_t rng = 99;
    size_t before = checks_run;
    for (size_t i = 0; i < l.n; i++) {
        const uint8_t *t = (const uint8_t *)l.all.buf + l.off[i];
        for (int k = 0; k < OPTION_SETS; k++) {
            struct avila_json_options o = option_set(k);
            check_text(t, l.len[i], &o, 200, 2000, 3, &rng);
            check_text_mode(t, l.len[i], &o, true, 4 + (size_t)k, 100, 2000, 1, &rng);
        }
    }
    print_message("# %zu literals of test_json.c, %zu stream runs compared\n", l.n,
                  checks_run - before);
    assert_true(l.n > 100);
    free(l.off);
    free(l.len);
    rec_free(&l.all);
}

/* Options from a corpus file's first two bytes, as tools/fuzz/fuzz_json.c reads them. */
static void fuzz_options(const uint8_t *sel, struct avila_json_options *o)
{
    memset(o, 0, sizeof *o);
    o->allow_comments = sel[0] & 1;
    o->allow_trailing_commas = (sel[0] >> 1) & 1;
    o->skip_bom = (sel[0] >> 2) & 1;
    o->dup_keys = (enum avila_json_dup_keys)((sel[0] >> 3) % 3);
    o->lone_surrogates = (enum avila_json_surrogates)((sel[0] >> 5) & 1);
    o->big_numbers = (enum avila_json_big_numbers)((sel[0] >> 6) & 1);
    if (sel[1] & 0x80)
        o->max_depth = 1 + (sel[1] & 15);
    if (sel[1] & 0x40)
        o->max_string_len = 1 + (sel[1] & 7);
    if (sel[1] & 0x20)
        o->max_number_len = 1 + (sel[1] & 7);
}

static void corpus_dir(const char *name, size_t *files)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tools/fuzz/corpus/%s", AVILA_SOURCE_DIR, name);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    uint64_t rng = 3;
    bool stream_format = strcmp(name, "json_stream") == 0;
    bool pieces_format = strcmp(name, "json_stream_pieces") == 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *t = read_path(path, &n);
        size_t skip_n = pieces_format ? 5 : stream_format ? 4 : 2;
        if (!t || n < skip_n) {
            free(t);
            continue;
        }
        struct avila_json_options o;
        fuzz_options((const uint8_t *)t, &o);
        o.dup_keys = AVILA_JSON_DUP_REJECT; /* the policies that drop members hide events */
        const uint8_t *text = (const uint8_t *)t + skip_n;
        /*
         * Pieces mode: the token buffer of tools/fuzz/fuzz_json_stream_pieces.c
         * for its seeds, 5 bytes for the others; numbers must fit it.
         */
        size_t tok = pieces_format ? 4 + ((uint8_t)t[4] & 63u) : 5;
        if (!((uint8_t)t[1] & 0x20))
            o.max_number_len = tok;
        check_text_mode(text, n - skip_n, &o, true, tok, 300, 5000, 6, &rng);
        if (!((uint8_t)t[1] & 0x20))
            o.max_number_len = 0;
        if (!pieces_format)
            check_text(text, n - skip_n, &o, 300, 5000, 6, &rng);
        free(t);
        (*files)++;
    }
    closedir(d);
}

static void fuzz_corpora(void **state)
{
    (void)state;
    size_t files = 0;
    corpus_dir("json", &files);
    corpus_dir("json_stream", &files);
    corpus_dir("json_stream_pieces", &files);
    print_message("# %zu corpus files\n", files);
    if (!files)
        skip();
}

/* ---------------------------------------------------------------- benchmark files */

static void benchmark_files(void **state)
{
    (void)state;
    const char *names[] = {"twitter.json", "canada.json", "citm_catalog.json"};
    int found = 0;
    uint64_t rng = 11;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(names); i++) {
        char path[1024];
        const char *shared = getenv("AVILA_SHARED");
        if (shared && shared[0] == '/')
            snprintf(path, sizeof path, "%s/data/json/%s", shared, names[i]);
        else
            snprintf(path, sizeof path, "%s/%s/data/json/%s", AVILA_SOURCE_DIR,
                     shared ? shared : "../shared", names[i]);
        size_t len;
        char *text = read_path(path, &len);
        if (!text)
            continue;
        found++;
        const uint8_t *t = (const uint8_t *)text;
        struct result dom;
        run_dom(t, len, NULL, &dom);
        assert_int_equal(dom.rc, 0);
        size_t *cuts = malloc((len + 1) * sizeof *cuts);
        assert_non_null(cuts);
        struct plan plan = {cuts, 0, false, false, false, 0};
        /* 64 KiB chunks, 1-byte chunks, random chunks (copied: nothing kept across chunks). */
        for (int shape = 0; shape < 4; shape++) {
            size_t n = 0, pos = 0;
            while (pos < len) {
                size_t step = shape == 0   ? 65536
                              : shape == 1 ? 1
                              : shape == 2 ? 1 + (size_t)(unit_rand(&rng) % 64)
                                           : 1 + (size_t)(unit_rand(&rng) % 20000);
                pos = pos + step > len ? len : pos + step;
                cuts[n++] = pos;
            }
            plan.ncuts = n;
            plan.copy = shape >= 2;
            struct result st;
            run_stream(t, len, NULL, 0, &plan, &st);
            compare(t, len, NULL, &dom, &st, &plan);
            result_free(&st);
        }
        /* The portable scan kernel gives the same events. */
        avila_cpu_restrict(0);
        plan.ncuts = 0;
        struct result st;
        run_stream(t, len, NULL, 0, &plan, &st);
        compare(t, len, NULL, &dom, &st, &plan);
        result_free(&st);
        avila_cpu_restrict(AVILA_CPU_ALL);
        /* Pieces mode through a 32-byte token buffer, in random chunks, copied. */
        struct avila_json_options n32 = {.max_number_len = 32};
        struct result dom32;
        run_dom(t, len, &n32, &dom32);
        assert_int_equal(dom32.rc, 0);
        size_t n = 0, pos = 0;
        while (pos < len) {
            pos += 1 + (size_t)(unit_rand(&rng) % 4096);
            cuts[n++] = pos < len ? pos : len;
        }
        struct plan pieces = {cuts, n, false, true, true, 32};
        run_stream(t, len, &n32, 32, &pieces, &st);
        compare(t, len, &n32, &dom32, &st, &pieces);
        print_message("# %s in pieces of 32 bytes: %zu PART events\n", names[i], st.parts);
        result_free(&st);
        result_free(&dom32);
        free(cuts);
        result_free(&dom);
        free(text);
    }
    if (!found)
        skip();
}

/* ---------------------------------------------------------------- pieces mode */

/*
 * Streams json[0..len) in pieces mode with a token buffer of tok bytes (and
 * max_number_len == tok), cut once at `cut`, recording every event as it
 * comes, PARTs as "p" (string) or "k" (key) with depth, offset and text.
 */
static int pieces_raw(const char *json, size_t len, size_t tok, size_t cut, struct rec *out)
{
    struct avila_json_options o = {.max_number_len = tok};
    size_t mem_len = avila_json_stream_mem(&o, tok);
    uint8_t *mem = malloc(mem_len);
    assert_non_null(mem);
    struct avila_json_stream s;
    struct avila_json_event ev;
    assert_int_equal(avila_json_stream_init(&s, &o, mem, mem_len), 0);
    assert_int_equal(avila_json_stream_set_pieces(&s, true), 0);
    assert_int_equal(s.tok_cap, tok);
    size_t pos = 0;
    int rc;
    for (;;) {
        rc = avila_json_stream_next(&s, &ev);
        if (rc == AVILA_EAGAIN) {
            size_t to = pos < cut ? cut : len;
            if (pos == len)
                avila_json_stream_end(&s);
            else
                assert_int_equal(avila_json_stream_feed(&s, json + pos, to - pos), 0);
            pos = to;
            continue;
        }
        if (rc != 0)
            break;
        if (ev.type == AVILA_JSON_EV_STRING_PART || ev.type == AVILA_JSON_EV_KEY_PART) {
            rec_fmt(out, "%c%zu @%zu %zu:", ev.type == AVILA_JSON_EV_KEY_PART ? 'k' : 'p', ev.depth,
                    ev.offset, ev.len);
            rec_put(out, ev.text, ev.len);
            rec_put(out, "\n", 1);
            continue;
        }
        rec_event(out, &ev);
        if (ev.type == AVILA_JSON_EV_END)
            break;
    }
    free(mem);
    return rc;
}

/* Streams json cut at every point in pieces mode; checks the raw events are want. */
static void want_pieces(const char *json, size_t tok, const char *want)
{
    size_t len = strlen(json);
    for (size_t cut = 0; cut <= len; cut++) {
        struct rec out = {0};
        int rc = pieces_raw(json, len, tok, cut, &out);
        if (rc != 0 || !out.buf || strcmp(out.buf, want) != 0)
            fail_msg("%s (tok %zu, cut at %zu): %s, events\n%s\nwant\n%s",
                     show((const uint8_t *)json, len), tok, cut, avila_strerror_name(rc),
                     out.buf ? out.buf : "", want);
        rec_free(&out);
    }
}

static void pieces_api(void **state)
{
    (void)state;
    uint8_t mem[AVILA_JSON_STREAM_MEM(AVILA_JSON_DEFAULT_MAX_DEPTH, 2048)];
    struct avila_json_stream s;
    struct avila_json_event ev;
    assert_int_equal(avila_json_stream_set_pieces(NULL, true), AVILA_EINVAL);
    /* Right after init: on and off at will, also after an empty chunk. */
    assert_int_equal(avila_json_stream_init(&s, NULL, mem, sizeof mem), 0);
    assert_int_equal(avila_json_stream_set_pieces(&s, true), 0);
    assert_int_equal(avila_json_stream_set_pieces(&s, false), 0);
    assert_int_equal(avila_json_stream_feed(&s, "", 0), 0);
    assert_int_equal(avila_json_stream_set_pieces(&s, true), 0);
    /* Not once bytes were fed, nor after the end. */
    assert_int_equal(avila_json_stream_feed(&s, "[", 1), 0);
    assert_int_equal(avila_json_stream_set_pieces(&s, false), AVILA_ESTATE);
    assert_int_equal(avila_json_stream_next(&s, &ev), 0);
    assert_int_equal(avila_json_stream_set_pieces(&s, true), AVILA_ESTATE);
    assert_int_equal(avila_json_stream_init(&s, NULL, mem, sizeof mem), 0);
    assert_int_equal(avila_json_stream_end(&s), 0);
    assert_int_equal(avila_json_stream_set_pieces(&s, true), AVILA_ESTATE);
    /* The token buffer must hold one UTF-8 sequence or decoded escape. */
    for (size_t tok = 1; tok <= AVILA_JSON_STREAM_PIECE_MIN; tok++) {
        struct avila_json_options o = {.max_number_len = tok};
        size_t mem_len = avila_json_stream_mem(&o, tok);
        assert_true(mem_len <= sizeof mem);
        assert_int_equal(avila_json_stream_init(&s, &o, mem, mem_len), 0);
        assert_int_equal(avila_json_stream_set_pieces(&s, true),
                         tok < AVILA_JSON_STREAM_PIECE_MIN ? AVILA_EINVAL : 0);
        assert_int_equal(avila_json_stream_set_pieces(&s, false), 0);
    }
    /* The new event types come after the old ones, whose values stay. */
    assert_int_equal(AVILA_JSON_EV_END, 11);
    assert_int_equal(AVILA_JSON_EV_STRING_PART, 12);
    assert_int_equal(AVILA_JSON_EV_KEY_PART, 13);

    /* Pieces off: a string beyond the token buffer is refused, as ever; on: delivered. */
    struct avila_json_options n8 = {.max_number_len = 8};
    const char *text = "[\"0123456789\\n\"]";
    want_error(text, strlen(text), &n8, 8, AVILA_ELIMIT, 1, 1, 2,
               "string longer than the token buffer");
    size_t cut = 5;
    struct plan plan = {&cut, 1, false, true, true, 8};
    struct result st;
    run_stream((const uint8_t *)text, strlen(text), &n8, 8, &plan, &st);
    assert_int_equal(st.rc, 0);
    assert_string_equal(st.events.buf, "[0 @0\nS1 11:0123456789\n\n]0\nE @16\n");
    assert_int_equal(st.parts, 1);
    result_free(&st);

    /*
     * Where the pieces fall, in every split: the buffer filled, then a PART
     * of its bytes but for an unfinished UTF-8 sequence; an escape whose
     * bytes do not fit waits for the next piece; the final event may be
     * short or empty. A string whole in a chunk without escapes is one
     * event, however long (the cuts at 0 and past it).
     */
    want_pieces("\"abcdef\\nghij\"", 4, "p0 @0 4:abcd\np0 @0 4:ef\ng\nS0 3:hij\nE @14\n");
    want_pieces("{\"ab\xe2\x82\xac"
                "cd\\t\":[\"\\u00e9\\u00e9\\u00e9\"]}",
                4,
                "{0 @0\nk1 @1 2:ab\nk1 @1 4:\xe2\x82\xac"
                "c\nK1 2:d\t\n[1 @13\n"
                "p2 @14 4:\xc3\xa9\xc3\xa9\nS2 2:\xc3\xa9\n]1\n}0\nE @36\n");
    want_pieces("[\"abc\\ud83d\\ude00\\ud83d\\ude00\"]", 5,
                "[0 @0\np1 @1 3:abc\np1 @1 4:\xf0\x9f\x98\x80\nS1 4:\xf0\x9f\x98\x80\n]0\nE @31\n");
    want_pieces("\"abcd\\u0041\"", 4, "p0 @0 4:abcd\nS0 1:A\nE @12\n");
    want_pieces("\"abcd\\\\\"", 4, "p0 @0 4:abcd\nS0 1:\\\nE @8\n");
}

/* What may sit at a piece boundary: its JSON text and its decoded length. */
struct item {
    const char *json;
    size_t decoded;
};

static const struct item good_items[] = {
    {"\xc3\xa9", 2},         {"\xe2\x82\xac", 3},   {"\xf0\x9f\x98\x80", 4}, {"\\n", 1},
    {"\\u00e9", 2},          {"\\u20ac", 3},        {"\\ud83d\\ude00", 4},   {"\\\\", 1},
    {"\xf4\x8f\xbf\xbf", 4}, {"\\uDBFF\\uDFFF", 4},
};

/* Bad input (decoded length: where the filler resumes): the same error as the document. */
static const struct item bad_items[] = {
    {"\xff", 1},         {"\xc3(", 2},    {"\xe2\x82", 2},
    {"\xed\xa0\x80", 3}, {"\xc0\xaf", 2}, {"\xf4\x90\x80\x80", 4},
    {"\x80", 1},         {"\\x", 1},      {"\\u12G4", 1},
    {"\\uD800", 3},      {"\\uDC00", 3},  {"\\ud83d\\u0041", 4},
    {"\x01", 1},         {"\\", 1},
};

/*
 * One string body: `pos` bytes of filler, the item, then filler up to
 * `decoded` bytes in all (dense: the item repeated instead), as a string
 * value and as a key, closed or (unterminated) not, checked in pieces mode
 * against the document parser.
 */
static void pieces_body(const struct item *it, size_t pos, size_t decoded, bool dense,
                        bool unterminated, const struct avila_json_options *o, size_t tok,
                        uint64_t *rng)
{
    struct rec body = {0};
    size_t d = 0;
    if (dense) {
        while (d + it->decoded <= decoded) {
            rec_put(&body, it->json, strlen(it->json));
            d += it->decoded;
        }
    } else {
        for (; d < pos; d++)
            rec_put(&body, "a", 1);
        rec_put(&body, it->json, strlen(it->json));
        d += it->decoded;
    }
    for (; d < decoded; d++)
        rec_put(&body, "b", 1);
    for (int as_key = 0; as_key < 2; as_key++) {
        struct rec t = {0};
        rec_put(&t, as_key ? "{\"" : "[\"", 2);
        rec_put(&t, body.buf, body.len);
        if (!unterminated)
            rec_put(&t, as_key ? "\":0}" : "\"]", as_key ? 4 : 2);
        check_text_mode((const uint8_t *)t.buf, t.len, o, true, tok, 64, 64, 1, rng);
        rec_free(&t);
    }
    rec_free(&body);
}

/*
 * Strings and keys of 0 to 3 token buffers, with every kind of UTF-8
 * sequence and escape at every position relative to the piece boundaries,
 * in every split: joined, they are the document parser's strings, and bad
 * input fails as it does. Also max_string_len across pieces.
 */
static void pieces_boundaries(void **state)
{
    (void)state;
    static const size_t toks[] = {4, 5, 8};
    uint64_t rng = 0xb0a7;
    size_t before = checks_run, parts_before = parts_seen;
    for (size_t ti = 0; ti < AVILA_ARRAY_LEN(toks); ti++) {
        size_t tok = toks[ti];
        struct avila_json_options strict = {.max_number_len = tok};
        struct avila_json_options replace = strict;
        replace.lone_surrogates = AVILA_JSON_SURROGATE_REPLACE;
        for (size_t len = 0; len <= 3 * tok; len++) {
            for (size_t i = 0; i < AVILA_ARRAY_LEN(good_items); i++) {
                const struct item *it = &good_items[i];
                for (size_t pos = 0; pos + it->decoded <= len; pos++)
                    pieces_body(it, pos, len, false, false, &strict, tok, &rng);
                pieces_body(it, 0, len, true, false, &strict, tok, &rng);
                pieces_body(it, 0, len, true, true, &strict, tok, &rng);
            }
            for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_items); i++) {
                const struct item *it = &bad_items[i];
                for (size_t pos = 0; pos + it->decoded <= len; pos++) {
                    pieces_body(it, pos, len, false, false, &strict, tok, &rng);
                    pieces_body(it, pos, len, false, false, &replace, tok, &rng);
                }
                pieces_body(it, 0, len, false, true, &strict, tok, &rng);
            }
        }
        /* max_string_len: a little more than two pieces; decided at the closing quote. */
        struct avila_json_options lim = strict;
        lim.max_string_len = 2 * tok + 1;
        for (size_t len = 0; len <= 3 * tok; len++)
            for (size_t i = 0; i < AVILA_ARRAY_LEN(good_items); i++)
                pieces_body(&good_items[i], len / 2 > 0 ? len / 2 - 1 : 0, len, false, false, &lim,
                            tok, &rng);
    }
    print_message("# pieces: %zu stream runs compared, %zu PART events\n", checks_run - before,
                  parts_seen - parts_before);
    assert_true(parts_seen - parts_before > 10000);

    /* Beyond max_string_len: refused at the opening quote, after the string's PARTs. */
    struct avila_json_options lim = {.max_number_len = 4, .max_string_len = 9};
    const char *text = "[\"abcdefghij\\n\"]";
    size_t cut = 4;
    struct plan plan = {&cut, 1, false, true, true, 4};
    struct result st;
    run_stream((const uint8_t *)text, strlen(text), &lim, 4, &plan, &st);
    assert_int_equal(st.rc, AVILA_ELIMIT);
    assert_int_equal(st.err.offset, 1);
    assert_string_equal(st.err.reason, "string longer than max_string_len");
    assert_int_equal(st.parts, 2);
    result_free(&st);
}

/* A generated string body of about `decoded` bytes: base64-like runs, raw UTF-8 and escapes. */
static void big_body(struct rec *t, size_t decoded, bool escapes, uint64_t *rng)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char *const extra[] = {
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\\n",     "\\\"", "\\/",
        "\\u00e9",  "\\u20AC",      "\\ud83d\\ude00",   "\\u0000",
    };
    char run[4096];
    size_t d = 0;
    while (d < decoded) {
        size_t n = (size_t)(unit_rand(rng) % sizeof run);
        for (size_t i = 0; i < n; i++)
            run[i] = b64[unit_rand(rng) % 64];
        rec_put(t, run, n);
        d += n;
        if (!escapes)
            continue;
        for (uint64_t k = unit_rand(rng) % 8; k > 0; k--) {
            const char *e = extra[unit_rand(rng) % AVILA_ARRAY_LEN(extra)];
            rec_put(t, e, strlen(e));
            d += 2;
        }
    }
}

/* A 10 MB string through a 4 KiB token buffer, in random chunks of up to 64 KiB. */
static void pieces_big(void **state)
{
    (void)state;
    uint64_t rng = 0x10;
    for (int escapes = 0; escapes < 2; escapes++) {
        struct rec t = {0};
        rec_put(&t, "{\"blob\":\"", 9);
        big_body(&t, (size_t)10 << 20, escapes, &rng);
        rec_put(&t, "\",\"n\":1}", 8);
        struct result dom;
        run_dom((const uint8_t *)t.buf, t.len, NULL, &dom);
        assert_int_equal(dom.rc, 0);
        size_t *cuts = malloc((t.len / 1024 + 2) * sizeof *cuts);
        assert_non_null(cuts);
        size_t n = 0, pos = 0;
        while (pos < t.len) {
            size_t step = escapes ? 1 + (size_t)(unit_rand(&rng) % 65536) : 65536;
            pos = pos + step > t.len ? t.len : pos + step;
            cuts[n++] = pos;
        }
        struct plan plan = {cuts, n, false, true, true, 4096};
        struct result st;
        run_stream((const uint8_t *)t.buf, t.len, NULL, 4096, &plan, &st);
        compare((const uint8_t *)t.buf, 40, NULL, &dom, &st, &plan);
        print_message("# %zu-byte text, %zu chunks: %zu PART events\n", t.len, n, st.parts);
        assert_true(st.parts >= ((size_t)10 << 20) / 4096 - 1);
        result_free(&st);
        result_free(&dom);
        free(cuts);
        rec_free(&t);
    }
}

int main(void)
{
    avila_cpu_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hazard_literals),
        cmocka_unit_test(hazard_strings_fixed),
        cmocka_unit_test(hazard_numbers),
        cmocka_unit_test(hazard_comments_and_lines),
        cmocka_unit_test(hazard_bom_and_structure),
        cmocka_unit_test(limits),
        cmocka_unit_test(protocol),
        cmocka_unit_test(long_strings),
        cmocka_unit_test(generated),
        cmocka_unit_test(dom_suite_inputs),
        cmocka_unit_test(fuzz_corpora),
        cmocka_unit_test(benchmark_files),
        cmocka_unit_test(pieces_api),
        cmocka_unit_test(pieces_boundaries),
        cmocka_unit_test(pieces_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
