/*
 * tests/data/test_json_write_doc.c - parsed documents written back
 * (avila_json_write_value, data/json_write_doc.c): the round-trip property
 * parse -> write -> parse gives an equal document (avila_json_equal) in
 * every output form, on hand-written documents, on random generated ones
 * and on the benchmark files when ../shared is there; the canonical form is
 * a fixed point and sorts members by UTF-16 code units at every level;
 * values inside the caller's own containers; members dropped by a
 * duplicate-key policy left out; nesting at and beyond the writer's limit;
 * and allocator failure at every allocation with nothing
 * leaked.
 */
#include "tests/support/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "data/json.h"
#include "data/json_write.h"
#include "tests/support/fail_alloc.h"

static const struct avila_json_write_options forms[] = {
    {0, 0, 0},
    {2, 0, 0},
    {4, 0, AVILA_JSON_WRITE_ASCII},
    {0, 0, AVILA_JSON_WRITE_CANONICAL},
};

/* Writes doc's root with opt into b (cleared first); returns the first error. */
static int write_doc(struct avila_buf *b, const struct avila_json_doc *doc,
                     const struct avila_json_write_options *opt, const struct avila_allocator *a)
{
    struct avila_json_writer w;
    avila_buf_clear(b);
    int rc = avila_json_write_init(&w, b, opt);
    if (rc == 0)
        rc = avila_json_write_value(&w, doc, avila_json_root(doc), a);
    return rc != 0 ? rc : avila_json_write_finish(&w);
}

/* text parses, and each output form parses back to an equal document; canonical is a fixed point.
 */
static void round_trip(const char *text, size_t len)
{
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_json_doc doc, again;
    struct avila_buf b, b2;
    avila_buf_init(&b, a, SIZE_MAX);
    avila_buf_init(&b2, a, SIZE_MAX);
    struct avila_json_error e;
    if (avila_json_parse(&doc, text, len, NULL, a, &e) != 0)
        fail_msg("does not parse (%s at %zu): %.80s", e.reason, e.offset, text);
    for (size_t f = 0; f < AVILA_ARRAY_LEN(forms); f++) {
        int canonical = (forms[f].flags & AVILA_JSON_WRITE_CANONICAL) != 0;
        int rc = write_doc(&b, &doc, &forms[f], a);
        if (canonical && rc == AVILA_ERANGE)
            continue; /* a number beyond the double range has no canonical form */
        assert_int_equal(rc, 0);
        if (avila_json_parse(&again, b.data, b.len, NULL, a, &e) != 0)
            fail_msg("form %zu output does not parse (%s at %zu): %.*s", f, e.reason, e.offset,
                     (int)(b.len < 200 ? b.len : 200), (const char *)b.data);
        /* Canonical output turns big integers into doubles: equal as values only then. */
        if (!canonical)
            assert_int_equal(avila_json_equal(avila_json_root(&doc), avila_json_root(&again)), 1);
        if (canonical) {
            assert_int_equal(write_doc(&b2, &again, &forms[f], a), 0);
            assert_int_equal(b2.len, b.len);
            assert_memory_equal(b2.data, b.data, b.len);
        }
        avila_json_doc_release(&again);
    }
    avila_json_doc_release(&doc);
    avila_buf_release(&b);
    avila_buf_release(&b2);
}

static void test_known_documents(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "null",
        "0",
        "-0.0",
        "\"\"",
        "[]",
        "{}",
        "[[[[]]],{},[{}]]",
        "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}},\"\":[true,false]}",
        "[1e308,5e-324,-1.5,123456789012345678901234567890,18446744073709551615,1e400,0.1,1e20]",
        "[-9223372036854775808, 9223372036854775808, 1e17, 9007199254740993.0]",
        "[\"\\u0000\\u001f\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\ud83d\\ude00 \\u20ac \\u00e9\"]",
        "{\"\\ud83d\\ude00\":1,\"\\ufb33\":2,\"\\u20ac\":3,\"\\r\":4,\"1\":5,\"\\u0080\":6}",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(docs); i++)
        round_trip(docs[i], strlen(docs[i]));
}

/* ------------------------------------------------------------------ random documents */

/* A random string literal; prefix (may be "") starts its content. */
static void gen_string(struct avila_buf *b, uint64_t *st, const char *prefix)
{
    static const char *const pieces[] = {"a",
                                         "Z",
                                         " ",
                                         "\\n",
                                         "\\\"",
                                         "\\\\",
                                         "\\u0001",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\\ud83d\\ude00",
                                         "\\u00e9",
                                         "key",
                                         "\xef\xac\xb3"};
    size_t n = unit_rand(st) % 6;
    avila_buf_append_byte(b, '"');
    avila_buf_append(b, prefix, strlen(prefix));
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[unit_rand(st) % AVILA_ARRAY_LEN(pieces)];
        avila_buf_append(b, p, strlen(p));
    }
    avila_buf_append_byte(b, '"');
}

static void gen_value(struct avila_buf *b, uint64_t *st, int depth)
{
    static const char *const scalars[] = {"null",
                                          "true",
                                          "false",
                                          "0",
                                          "-1",
                                          "3.25",
                                          "1e-7",
                                          "1e21",
                                          "-0.0",
                                          "12345678901234567890123",
                                          "4.9406564584124654e-324",
                                          "1.7976931348623157e308",
                                          "9007199254740993",
                                          "0.30000000000000004"};
    unsigned k = (unsigned)(unit_rand(st) % (depth < 6 ? 5 : 3));
    if (k < 2) {
        const char *s = scalars[unit_rand(st) % AVILA_ARRAY_LEN(scalars)];
        avila_buf_append(b, s, strlen(s));
    } else if (k == 2) {
        gen_string(b, st, "");
    } else {
        int object = k == 4;
        size_t n = unit_rand(st) % 5;
        avila_buf_append_byte(b, object ? '{' : '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                avila_buf_append_byte(b, ',');
            if (object) {
                /* Distinct keys: an index prefix keeps duplicates out. */
                char index[24];
                snprintf(index, sizeof index, "%zu", i);
                gen_string(b, st, index);
                avila_buf_append_byte(b, ':');
            }
            gen_value(b, st, depth + 1);
        }
        avila_buf_append_byte(b, object ? '}' : ']');
    }
}

static void test_random_documents(void **state)
{
    (void)state;
    uint64_t st = 41;
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    for (int i = 0; i < 3000; i++) {
        avila_buf_clear(&b);
        gen_value(&b, &st, 0);
        round_trip((const char *)b.data, b.len);
    }
    avila_buf_release(&b);
}

/* The benchmark files of ../shared/data/json, skipped when absent. */
static void test_benchmark_files(void **state)
{
    (void)state;
    static const char *const files[] = {"twitter.json", "canada.json", "citm_catalog.json"};
    int found = 0;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(files); i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/../shared/data/json/%s", AVILA_SOURCE_DIR, files[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        struct avila_buf b;
        char chunk[65536];
        size_t n;
        avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            assert_int_equal(avila_buf_append(&b, chunk, n), 0);
        fclose(f);
        round_trip((const char *)b.data, b.len);
        avila_buf_release(&b);
        found++;
    }
    if (!found)
        skip();
}

/* ------------------------------------------------------------------ canonical order */

/* Every object in the canonical output has its keys in avila_json_jcs_key_cmp order. */
static void assert_sorted(const struct avila_json_node *v)
{
    struct avila_json_iter it;
    const struct avila_json_node *k, *val, *prev = NULL;
    avila_json_iter_init(&it, v);
    while (avila_json_iter_next(&it, &k, &val)) {
        if (k && prev) {
            size_t al, bl;
            const char *as = avila_json_string(prev, &al), *bs = avila_json_string(k, &bl);
            assert_true(avila_json_jcs_key_cmp(as, al, bs, bl) < 0);
        }
        prev = k;
        assert_sorted(val);
    }
}

static void test_canonical_sorted(void **state)
{
    (void)state;
    const char *text = "{\"b\":{\"\\ufb33\":1,\"\\ud83d\\ude00\":2,\"z\":[{\"y\":1,\"x\":2}],"
                       "\"a\":0},\"a\":[{\"\\u0080\":1,\"\\u007f\":2}],\"\":null}";
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_json_doc doc, out;
    struct avila_buf b;
    avila_buf_init(&b, a, SIZE_MAX);
    assert_int_equal(avila_json_parse(&doc, text, strlen(text), NULL, a, NULL), 0);
    assert_int_equal(write_doc(&b, &doc, &forms[3], a), 0);
    assert_int_equal(avila_json_parse(&out, b.data, b.len, NULL, a, NULL), 0);
    assert_sorted(avila_json_root(&out));
    const char *want = "{\"\":null,\"a\":[{\"\x7f\":2,\"\xc2\x80\":1}],\"b\":{\"a\":0,"
                       "\"z\":[{\"x\":2,\"y\":1}],\"\xf0\x9f\x98\x80\":2,\"\xef\xac\xb3\":1}}";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    avila_json_doc_release(&out);
    avila_json_doc_release(&doc);
    avila_buf_release(&b);
}

/* ------------------------------------------------------------------ embedding, limits, memory */

/* A value written inside the caller's own containers, and a subtree picked by pointer. */
static void test_inside_caller_containers(void **state)
{
    (void)state;
    const char *text = "{\"x\":[1,{\"y\":\"z\"}]}";
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_json_doc doc;
    struct avila_buf b;
    struct avila_json_writer w;
    const struct avila_json_node *v;
    avila_buf_init(&b, a, SIZE_MAX);
    assert_int_equal(avila_json_parse(&doc, text, strlen(text), NULL, a, NULL), 0);
    assert_int_equal(avila_json_pointer(avila_json_root(&doc), "/x/1", 4, &v), 0);
    assert_int_equal(avila_json_write_init(&w, &b, NULL), 0);
    assert_int_equal(avila_json_write_array_begin(&w), 0);
    assert_int_equal(avila_json_write_value(&w, &doc, v, a), 0);
    assert_int_equal(avila_json_write_value(&w, &doc, avila_json_root(&doc), a), 0);
    assert_int_equal(avila_json_write_array_end(&w), 0);
    assert_int_equal(avila_json_write_finish(&w), 0);
    const char *want = "[{\"y\":\"z\"},{\"x\":[1,{\"y\":\"z\"}]}]";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    /* A value where a key is due is the writer's grammar error. */
    assert_int_equal(avila_json_write_init(&w, &b, NULL), 0);
    assert_int_equal(avila_json_write_object_begin(&w), 0);
    assert_int_equal(avila_json_write_value(&w, &doc, v, a), AVILA_EINVAL);
    assert_int_equal(avila_json_write_value(NULL, &doc, v, a), AVILA_EINVAL);
    avila_json_doc_release(&doc);
    avila_buf_release(&b);
}

/* Nesting exactly at the writer's max_depth works; one more level is AVILA_ELIMIT. */
static void test_depth_limit(void **state)
{
    (void)state;
    const struct avila_allocator *a = avila_allocator_libc();
    for (unsigned max = 1; max <= 64; max *= 4) {
        for (unsigned extra = 0; extra <= 1; extra++) {
            size_t n = max + extra;
            char text[200];
            memset(text, '[', n);
            memset(text + n, ']', n);
            struct avila_json_doc doc;
            struct avila_buf b;
            struct avila_json_writer w;
            struct avila_json_write_options o = {0, max, 0};
            avila_buf_init(&b, a, SIZE_MAX);
            assert_int_equal(avila_json_parse(&doc, text, 2 * n, NULL, a, NULL), 0);
            assert_int_equal(avila_json_write_init(&w, &b, &o), 0);
            assert_int_equal(avila_json_write_value(&w, &doc, avila_json_root(&doc), a),
                             extra ? AVILA_ELIMIT : 0);
            avila_json_doc_release(&doc);
            avila_buf_release(&b);
        }
    }
}

/*
 * Members a duplicate-key policy dropped are not written, in any form:
 * whether the dropped one comes first, last, nests containers, or leaves
 * its object empty-looking in the node array.
 */
static void test_dropped_duplicates(void **state)
{
    (void)state;
    static const struct {
        const char *text, *first, *last; /* compact outputs under DUP_FIRST and DUP_LAST */
    } cases[] = {
        {"{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":3}"},
        {"{\"a\":{\"x\":[1,{}]},\"a\":2}", "{\"a\":{\"x\":[1,{}]}}", "{\"a\":2}"},
        {"[{\"k\":[],\"k\":{},\"k\":null},{\"k\":0}]", "[{\"k\":[]},{\"k\":0}]",
         "[{\"k\":null},{\"k\":0}]"},
        {"{\"o\":{\"p\":1,\"p\":2},\"q\":[{\"r\":\"s\",\"r\":\"t\"}]}",
         "{\"o\":{\"p\":1},\"q\":[{\"r\":\"s\"}]}", "{\"o\":{\"p\":2},\"q\":[{\"r\":\"t\"}]}"},
    };
    const struct avila_allocator *a = avila_allocator_libc();
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        for (int last = 0; last < 2; last++) {
            struct avila_json_options opt = AVILA_JSON_OPTIONS_DEFAULT;
            opt.dup_keys = last ? AVILA_JSON_DUP_LAST : AVILA_JSON_DUP_FIRST;
            const char *want = last ? cases[i].last : cases[i].first;
            struct avila_json_doc doc, expect;
            struct avila_buf b;
            avila_buf_init(&b, a, SIZE_MAX);
            assert_int_equal(
                avila_json_parse(&doc, cases[i].text, strlen(cases[i].text), &opt, a, NULL), 0);
            assert_int_equal(avila_json_parse(&expect, want, strlen(want), NULL, a, NULL), 0);
            for (size_t f = 0; f < AVILA_ARRAY_LEN(forms); f++) {
                assert_int_equal(write_doc(&b, &doc, &forms[f], a), 0);
                if (f == 0) {
                    assert_int_equal(b.len, strlen(want));
                    assert_memory_equal(b.data, want, b.len);
                }
                struct avila_json_doc again;
                assert_int_equal(avila_json_parse(&again, b.data, b.len, NULL, a, NULL), 0);
                assert_int_equal(
                    avila_json_equal(avila_json_root(&again), avila_json_root(&expect)), 1);
                avila_json_doc_release(&again);
            }
            avila_json_doc_release(&doc);
            avila_json_doc_release(&expect);
            avila_buf_release(&b);
        }
    }
}

struct alloc_case {
    struct avila_json_doc doc;
    unsigned flags;
};

static int write_with(struct fail_alloc *fa, void *ctx)
{
    struct alloc_case *c = ctx;
    struct avila_buf b;
    struct avila_json_writer w;
    struct avila_json_write_options o = {0, 0, c->flags};
    avila_buf_init(&b, &fa->allocator, SIZE_MAX);
    int rc = avila_json_write_init(&w, &b, &o);
    if (rc == 0)
        rc = avila_json_write_value(&w, &c->doc, avila_json_root(&c->doc), &fa->allocator);
    avila_buf_release(&b);
    return rc;
}

/* Every allocation of the serializer (frames, member arrays, the buffer) failing in turn. */
static void test_allocation_failures(void **state)
{
    (void)state;
    const char *text = "{\"b\":[{\"d\":1,\"c\":2},[]],\"a\":{\"f\":{},\"e\":\"x\"}}";
    for (unsigned flags = 0; flags <= AVILA_JSON_WRITE_CANONICAL;
         flags += AVILA_JSON_WRITE_CANONICAL) {
        struct alloc_case c = {.flags = flags};
        assert_int_equal(
            avila_json_parse(&c.doc, text, strlen(text), NULL, avila_allocator_libc(), NULL), 0);
        unsigned long runs = fail_alloc_sweep(write_with, &c, 0);
        /* frames + buffer, and in canonical mode one member array per non-empty object. */
        assert_true(runs >= (flags ? 5u : 2u));
        avila_json_doc_release(&c.doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_documents),          cmocka_unit_test(test_random_documents),
        cmocka_unit_test(test_benchmark_files),          cmocka_unit_test(test_canonical_sorted),
        cmocka_unit_test(test_inside_caller_containers), cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_allocation_failures),      cmocka_unit_test(test_dropped_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
