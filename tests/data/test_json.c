/*
 * tests/data/test_json.c - conformance suite of the JSON document parser
 * (data/json.h), written from RFC 8259's grammar: every production with
 * accept and reject cases, every escape and number form, the whitespace set,
 * nesting at and beyond max_depth, every proper prefix of a document (at a
 * guard page), invalid UTF-8 of every class inside and outside strings, each
 * option on and off, error offsets, lines and columns; the accessors,
 * iteration and equality; JSON Pointer with RFC 6901 section 5's example;
 * allocation failures at every allocation; the scan kernels against each
 * other; and the benchmark files of ../shared/data/json when present. All
 * of it runs with each parser (one-pass and indexed, data/json_int.h); then
 * the structural index against its byte-by-byte definition, the two
 * parsers against each other on mutated documents (answers and errors),
 * and the inlined number conversion against core/fpconv.
 */
#include "tests/support/unit.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/fpconv.h"
#include "data/json.h"
#include "data/json_int.h"
#include "tests/support/fail_alloc.h"

#ifndef AVILA_SOURCE_DIR
#define AVILA_SOURCE_DIR "."
#endif

static const struct avila_allocator *heap(void)
{
    return avila_allocator_libc();
}

/*
 * The suite runs three times (main): with the parser avila_json_parse
 * picks, with the one-pass parser forced and with the indexed parser forced
 * (data/json_int.h), so that every case below holds for both parsers.
 */
static enum avila_json_path test_path = AVILA_JSON_PATH_AUTO;

static int parse_under_test(struct avila_json_doc *doc, const void *text, size_t len,
                            const struct avila_json_options *opt, const struct avila_allocator *a,
                            struct avila_json_error *err)
{
    return avila_json_parse_path(doc, text, len, opt, a, err, test_path);
}
#define avila_json_parse parse_under_test

/* Parses s (NUL-terminated) with opt; fails the test unless it is accepted. */
static void parse_ok_n(struct avila_json_doc *doc, const char *s, size_t n,
                       const struct avila_json_options *opt)
{
    struct avila_json_error err = {0};
    int rc = avila_json_parse(doc, s, n, opt, heap(), &err);
    if (rc != 0)
        fail_msg("rejected %s (%zu bytes): %s at %zu (%s)", s, n, avila_strerror_name(rc),
                 err.offset, err.reason ? err.reason : "?");
}

static void parse_ok(struct avila_json_doc *doc, const char *s,
                     const struct avila_json_options *opt)
{
    parse_ok_n(doc, s, strlen(s), opt);
}

/* Checks that s[0..n) is rejected with rc at offset (SIZE_MAX: any offset). */
static struct avila_json_error reject_n(const char *s, size_t n,
                                        const struct avila_json_options *opt, int rc, size_t offset)
{
    struct avila_json_doc doc;
    struct avila_json_error err = {0};
    int got = avila_json_parse(&doc, s, n, opt, heap(), &err);
    if (got != rc)
        fail_msg("%.*s: got %s, want %s", (int)n, s, avila_strerror_name(got),
                 avila_strerror_name(rc));
    if (offset != SIZE_MAX && err.offset != offset)
        fail_msg("%.*s: error at %zu (%s), want %zu", (int)n, s, err.offset, err.reason, offset);
    assert_non_null(err.reason);
    assert_null(avila_json_root(&doc));
    avila_json_doc_release(&doc);
    return err;
}

static struct avila_json_error reject(const char *s, int rc, size_t offset)
{
    return reject_n(s, strlen(s), NULL, rc, offset);
}

static struct avila_json_error reject_opt(const char *s, const struct avila_json_options *opt,
                                          int rc, size_t offset)
{
    return reject_n(s, strlen(s), opt, rc, offset);
}

static void accept(const char *s)
{
    struct avila_json_doc doc;
    parse_ok(&doc, s, NULL);
    avila_json_doc_release(&doc);
}

/* The string value of root as bytes: checks it equals want[0..wlen). */
static void want_string(const char *json, const char *want, size_t wlen,
                        const struct avila_json_options *opt)
{
    struct avila_json_doc doc;
    parse_ok(&doc, json, opt);
    size_t len;
    const char *s = avila_json_string(avila_json_root(&doc), &len);
    assert_non_null(s);
    if (len != wlen || memcmp(s, want, wlen) != 0)
        fail_msg("%s: decoded %zu bytes, want %zu", json, len, wlen);
    avila_json_doc_release(&doc);
}

/* ---------------------------------------------------------------- literals, grammar */

static void literals(void **state)
{
    (void)state;
    struct avila_json_doc doc;
    parse_ok(&doc, "true", NULL);
    assert_int_equal(avila_json_type(avila_json_root(&doc)), AVILA_JSON_BOOL);
    assert_true(avila_json_bool(avila_json_root(&doc)));
    avila_json_doc_release(&doc);
    parse_ok(&doc, "false", NULL);
    assert_false(avila_json_bool(avila_json_root(&doc)));
    avila_json_doc_release(&doc);
    parse_ok(&doc, " null ", NULL);
    assert_true(avila_json_is_null(avila_json_root(&doc)));
    avila_json_doc_release(&doc);
    /* Section 3: literals are lowercase, exact. */
    reject("tru", AVILA_EFORMAT, 3);
    reject("True", AVILA_EFORMAT, 0);
    reject("nul", AVILA_EFORMAT, 3);
    reject("nulL", AVILA_EFORMAT, 3);
    reject("fals", AVILA_EFORMAT, 4);
    reject("falsey", AVILA_EFORMAT, 5);
    reject("nullnull", AVILA_EFORMAT, 4);
    reject("[truefalse]", AVILA_EFORMAT, 5);
    reject("undefined", AVILA_EFORMAT, 0);
    reject("NaN", AVILA_EFORMAT, 0);
    reject("Infinity", AVILA_EFORMAT, 0);
    reject("-Infinity", AVILA_EFORMAT, 1);
}

static void structure(void **state)
{
    (void)state;
    /* Sections 2, 4, 5: every place whitespace may go, empty containers, nesting. */
    const char *good[] = {
        "[]",
        "{}",
        "[[]]",
        "[{}]",
        "{\"a\":{}}",
        "{\"a\":[]}",
        " \t\n\r[ \t\n\r1 \t\n\r, \t\n\r2 \t\n\r] \t\n\r",
        "{ \"a\" : 1 , \"b\" : [ ] }",
        "[1,\"a\",true,false,null,{},[],-0.5e-3]",
        "{\"\":\"\"}",
        "[[[[[[[[[[]]]]]]]]]]",
        "\"top\"",
        "0",
        "-1.5",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(good); i++)
        accept(good[i]);
    reject("", AVILA_EFORMAT, 0);
    reject("   ", AVILA_EFORMAT, 3);
    reject("[", AVILA_EFORMAT, 1);
    reject("]", AVILA_EFORMAT, 0);
    reject("{", AVILA_EFORMAT, 1);
    reject("}", AVILA_EFORMAT, 0);
    reject("[1", AVILA_EFORMAT, 2);
    reject("[1 2]", AVILA_EFORMAT, 3);
    reject("[1,]", AVILA_EFORMAT, 3);
    reject("[,1]", AVILA_EFORMAT, 1);
    reject("[,]", AVILA_EFORMAT, 1);
    reject("[1,,2]", AVILA_EFORMAT, 3);
    reject("[1:2]", AVILA_EFORMAT, 2);
    reject("[1}", AVILA_EFORMAT, 2);
    reject("{\"a\"}", AVILA_EFORMAT, 4);
    reject("{\"a\":}", AVILA_EFORMAT, 5);
    reject("{\"a\" 1}", AVILA_EFORMAT, 5);
    reject("{\"a\":1,}", AVILA_EFORMAT, 7);
    reject("{,}", AVILA_EFORMAT, 1);
    reject("{1:2}", AVILA_EFORMAT, 1);
    reject("{a:2}", AVILA_EFORMAT, 1);
    reject("{'a':2}", AVILA_EFORMAT, 1);
    reject("{\"a\":1]", AVILA_EFORMAT, 6);
    reject("{\"a\":1 \"b\":2}", AVILA_EFORMAT, 7);
    reject("{\"a\"::1}", AVILA_EFORMAT, 5);
    reject("{null:1}", AVILA_EFORMAT, 1);
    reject("['a']", AVILA_EFORMAT, 1);
    /* Exactly one value: trailing data. */
    reject("1 2", AVILA_EFORMAT, 2);
    reject("[] []", AVILA_EFORMAT, 3);
    reject("{}}", AVILA_EFORMAT, 2);
    reject("[]]", AVILA_EFORMAT, 2);
    reject("\"a\"\"b\"", AVILA_EFORMAT, 3);
    reject("nullx", AVILA_EFORMAT, 4);
    reject("1x", AVILA_EFORMAT, 1);
    reject("[1]x", AVILA_EFORMAT, 3);
}

static void whitespace_set(void **state)
{
    (void)state;
    /* Section 2: only space, tab, LF and CR. */
    const char *ws[] = {" ", "\t", "\n", "\r"};
    char buf[16];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(ws); i++) {
        snprintf(buf, sizeof buf, "%s[%s1%s]%s", ws[i], ws[i], ws[i], ws[i]);
        accept(buf);
    }
    reject("\f[]", AVILA_EFORMAT, 0);
    reject("[\v1]", AVILA_EFORMAT, 1);
    reject("[1\f]", AVILA_EFORMAT, 2);
    reject("\xC2\xA0[]", AVILA_EFORMAT, 0);      /* no-break space */
    reject("[]\xE2\x80\xA8", AVILA_EFORMAT, 2);  /* line separator */
    reject("[\xE3\x80\x80]", AVILA_EFORMAT, 1);  /* ideographic space */
    reject_n("[\0]", 3, NULL, AVILA_EFORMAT, 1); /* NUL */
    reject_n("[]\0", 3, NULL, AVILA_EFORMAT, 2);
}

/*
 * Pretty-printed shapes the whitespace skipper takes fast paths for: a
 * newline and an indentation of every length from 0 to 70 spaces, followed
 * by more whitespace or not, and a single space, each at the very end of a
 * guarded buffer too.
 */
static void indentation_runs(void **state)
{
    (void)state;
    struct avila_json_doc want, doc;
    parse_ok(&want, "{\"a\":[1,2,{}]}", NULL);
    for (size_t indent = 0; indent <= 70; indent++) {
        for (int extra = 0; extra < 3; extra++) {
            char buf[1024];
            size_t n = 0;
            const char *tails[] = {"", "\t", "\r\n "};
            const char *parts[] = {"{", "\"a\": [", "1,", "2, {", "}", "]", "}"};
            for (size_t k = 0; k < AVILA_ARRAY_LEN(parts); k++) {
                n += (size_t)sprintf(buf + n, "%s\n", parts[k]);
                memset(buf + n, ' ', indent);
                n += indent;
                n += (size_t)sprintf(buf + n, "%s", tails[extra]);
            }
            char *g = unit_guarded_alloc(n);
            memcpy(g, buf, n);
            parse_ok_n(&doc, g, n, NULL);
            assert_int_equal(avila_json_equal(avila_json_root(&doc), avila_json_root(&want)), 1);
            avila_json_doc_release(&doc);
            unit_guarded_free(g, n);
            /* A stray byte inside the indentation is still an error, at its place. */
            buf[n / 2] = buf[n / 2] == ' ' ? 'x' : buf[n / 2];
            if (buf[n / 2] == 'x')
                reject_n(buf, n, NULL, AVILA_EFORMAT, SIZE_MAX);
        }
    }
    avila_json_doc_release(&want);
}

/* ---------------------------------------------------------------- strings */

static void string_escapes(void **state)
{
    (void)state;
    /* Section 7: the two-character escapes. */
    want_string("\"\\\"\"", "\"", 1, NULL);
    want_string("\"\\\\\"", "\\", 1, NULL);
    want_string("\"\\/\"", "/", 1, NULL);
    want_string("\"\\b\"", "\b", 1, NULL);
    want_string("\"\\f\"", "\f", 1, NULL);
    want_string("\"\\n\"", "\n", 1, NULL);
    want_string("\"\\r\"", "\r", 1, NULL);
    want_string("\"\\t\"", "\t", 1, NULL);
    want_string("\"a\\tb\\nc\"", "a\tb\nc", 5, NULL);
    want_string("\"\"", "", 0, NULL);
    want_string("\"plain\"", "plain", 5, NULL);
    /* \u: one to three UTF-8 bytes, either case of hex digits, NUL included. */
    want_string("\"\\u0000\"", "\0", 1, NULL);
    want_string("\"\\u0041\\u0062\"", "Ab", 2, NULL);
    want_string("\"\\u00e9\\u00E9\"", "\xC3\xA9\xC3\xA9", 4, NULL);
    want_string("\"\\u07FF\"", "\xDF\xBF", 2, NULL);
    want_string("\"\\u0800\"", "\xE0\xA0\x80", 3, NULL);
    want_string("\"\\u20ac\"", "\xE2\x82\xAC", 3, NULL);
    want_string("\"\\uFFFF\"", "\xEF\xBF\xBF", 3, NULL);
    want_string("\"\\uFEFF\"", "\xEF\xBB\xBF", 3, NULL);
    /* Surrogate pairs join (section 7's G clef example, U+1D11E). */
    want_string("\"\\uD834\\uDD1E\"", "\xF0\x9D\x84\x9E", 4, NULL);
    want_string("\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80", 4, NULL);
    want_string("\"\\uD800\\uDC00\"", "\xF0\x90\x80\x80", 4, NULL);
    want_string("\"\\uDBFF\\uDFFF\"", "\xF4\x8F\xBF\xBF", 4, NULL);
    want_string("\"x\\u00e9y\xC3\xA9z\\n\"", "x\xC3\xA9y\xC3\xA9z\n", 8, NULL);
    /* Invalid escapes. */
    reject("\"\\x\"", AVILA_EFORMAT, 2);
    reject("\"\\U0041\"", AVILA_EFORMAT, 2);
    reject("\"\\a\"", AVILA_EFORMAT, 2);
    reject("\"\\0\"", AVILA_EFORMAT, 2);
    reject("\"\\'\"", AVILA_EFORMAT, 2);
    reject("\"\\u\"", AVILA_EFORMAT, 3);
    reject("\"\\u12\"", AVILA_EFORMAT, 5);
    reject("\"\\u12G4\"", AVILA_EFORMAT, 5);
    reject("\"\\u-123\"", AVILA_EFORMAT, 3);
    reject("\"\\", AVILA_EFORMAT, 2);
    reject("\"\\u00", AVILA_EFORMAT, 5);
    reject("\"\\\"", AVILA_EFORMAT, 0);
    /* Lone surrogates: rejected at their backslash. */
    struct avila_json_error e = reject("\"ab\\uD800\"", AVILA_EFORMAT, 3);
    assert_string_equal(e.reason, "lone surrogate in \\u escape");
    reject("\"\\uDC00\"", AVILA_EFORMAT, 1);
    reject("\"\\uDFFF\\uD800\"", AVILA_EFORMAT, 1);
    reject("\"\\uD800\\u0041\"", AVILA_EFORMAT, 1);
    reject("\"\\uD800\\uD800\\uDC00\"", AVILA_EFORMAT, 1);
    reject("\"\\uD800\\n\"", AVILA_EFORMAT, 1);
    reject("\"\\uD800x\"", AVILA_EFORMAT, 1);
    reject("[\"\\uDBFF\"]", AVILA_EFORMAT, 2);
    /* ... or replaced by U+FFFD. */
    struct avila_json_options o = {.lone_surrogates = AVILA_JSON_SURROGATE_REPLACE};
    want_string("\"\\uD800\"", "\xEF\xBF\xBD", 3, &o);
    want_string("\"a\\uDC00b\"",
                "a\xEF\xBF\xBD"
                "b",
                5, &o);
    want_string("\"\\uD800\\uD800\\uDC00\"", "\xEF\xBF\xBD\xF0\x90\x80\x80", 7, &o);
    want_string("\"\\uD800\\u0041\"",
                "\xEF\xBF\xBD"
                "A",
                4, &o);
    want_string("\"\\uDFFF\\uD800\"", "\xEF\xBF\xBD\xEF\xBF\xBD", 6, &o);
    want_string("\"\\uD834\\uDD1E\"", "\xF0\x9D\x84\x9E", 4, &o);
    /* Raw control characters are never allowed; DEL is. */
    for (int c = 0; c < 0x20; c++) {
        char buf[8] = {'[', '"', 'a', (char)c, '"', ']'};
        reject_n(buf, 6, NULL, AVILA_EFORMAT, 3);
        /* Also deep inside a long string (the vector path). */
        char longer[200];
        memset(longer, 'x', sizeof longer);
        longer[0] = '"';
        longer[150] = (char)c;
        longer[199] = '"';
        reject_n(longer, sizeof longer, NULL, AVILA_EFORMAT, 150);
    }
    want_string("\"\x7F\"", "\x7F", 1, NULL);
    /* Unterminated strings point at their opening quote. */
    reject("\"abc", AVILA_EFORMAT, 0);
    reject("[\"abc", AVILA_EFORMAT, 1);
    reject("{\"abc", AVILA_EFORMAT, 1);
    reject("\"abc\\\"", AVILA_EFORMAT, 0);
}

/* A string with an embedded NUL, a key with one, and member lookup by bytes. */
static void strings_with_nul(void **state)
{
    (void)state;
    struct avila_json_doc doc;
    const char json[] = "{\"a\\u0000b\":1,\"a\":2}";
    parse_ok(&doc, json, NULL);
    const struct avila_json_node *root = avila_json_root(&doc);
    int64_t v;
    assert_int_equal(avila_json_int64(avila_json_object_get(root, "a\0b", 3), &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(avila_json_int64(avila_json_object_get(root, "a", 1), &v), 0);
    assert_int_equal(v, 2);
    assert_null(avila_json_object_get(root, "a\0", 2));
    avila_json_doc_release(&doc);
}

/* ---------------------------------------------------------------- UTF-8 */

struct bad_utf8 {
    const char *name;
    const char *bytes;
    size_t n;
    size_t bad; /* offset of the first offending byte within bytes */
};

/* Every class of ill-formed sequence (Unicode 15.0 Table 3-7). */
static const struct bad_utf8 bad_utf8[] = {
    {"continuation without lead", "\x80", 1, 0},
    {"continuation BF without lead", "\xBF", 1, 0},
    {"two continuations", "\x80\x80", 2, 0},
    {"overlong 2-byte C0", "\xC0\x80", 2, 0},
    {"overlong 2-byte C1", "\xC1\xBF", 2, 0},
    {"overlong 3-byte", "\xE0\x80\x80", 3, 0},
    {"overlong 3-byte E0 9F", "\xE0\x9F\xBF", 3, 0},
    {"overlong 4-byte", "\xF0\x80\x80\x80", 4, 0},
    {"overlong 4-byte F0 8F", "\xF0\x8F\xBF\xBF", 4, 0},
    {"surrogate D800", "\xED\xA0\x80", 3, 0},
    {"surrogate DFFF", "\xED\xBF\xBF", 3, 0},
    {"surrogate pair in UTF-8", "\xED\xA0\xBD\xED\xB8\x80", 6, 0},
    {"above U+10FFFF (F4 90)", "\xF4\x90\x80\x80", 4, 0},
    {"F5 lead", "\xF5\x80\x80\x80", 4, 0},
    {"FE", "\xFE", 1, 0},
    {"FF", "\xFF", 1, 0},
    {"5-byte form", "\xF8\x88\x80\x80\x80", 5, 0},
    {"truncated 2-byte", "\xC3", 1, 0},
    {"truncated 3-byte", "\xE2\x82", 2, 0},
    {"truncated 4-byte", "\xF0\x9F\x98", 3, 0},
    {"lead then ASCII",
     "\xC3"
     "A",
     2, 0},
    {"valid then stray", "\xC3\xA9\x80", 3, 2},
    {"valid then truncated", "ab\xE2\x82\xAC\xE2\x82", 7, 5},
};

static void utf8_in_strings(void **state)
{
    (void)state;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_utf8); i++) {
        const struct bad_utf8 *b = &bad_utf8[i];
        /* Short, and with 100 ASCII bytes before (the vector path), and after an escape. */
        for (size_t pre = 0; pre <= 100; pre += 50) {
            char buf[256];
            size_t n = 0;
            buf[n++] = '[';
            buf[n++] = '"';
            if (pre == 50) {
                buf[n++] = '\\';
                buf[n++] = 'n';
            }
            memset(buf + n, 'x', pre);
            n += pre;
            size_t at = n + b->bad;
            memcpy(buf + n, b->bytes, b->n);
            n += b->n;
            buf[n++] = 'y';
            buf[n++] = '"';
            buf[n++] = ']';
            struct avila_json_error e = reject_n(buf, n, NULL, AVILA_EFORMAT, at);
            if (strcmp(e.reason, "invalid UTF-8 in string") != 0)
                fail_msg("%s: reason %s", b->name, e.reason);
        }
        /* Outside strings every non-ASCII byte is a syntax error. */
        char out[64];
        size_t n = 0;
        out[n++] = '[';
        memcpy(out + n, b->bytes, b->n);
        n += b->n;
        out[n++] = ']';
        reject_n(out, n, NULL, AVILA_EFORMAT, 1);
        reject_n(b->bytes, b->n, NULL, AVILA_EFORMAT, 0);
    }
    /* Every well-formed length, at the edges of Table 3-7. */
    const char *good[] = {
        "\"\xC2\x80\"",         "\"\xDF\xBF\"",         "\"\xE0\xA0\x80\"",
        "\"\xED\x9F\xBF\"",     "\"\xEE\x80\x80\"",     "\"\xEF\xBF\xBF\"",
        "\"\xF0\x90\x80\x80\"", "\"\xF4\x8F\xBF\xBF\"", "\"\xE4\xB8\xAD\xE6\x96\x87\""};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(good); i++)
        want_string(good[i], good[i] + 1, strlen(good[i]) - 2, NULL);
}

/* ---------------------------------------------------------------- numbers */

struct num_case {
    const char *text;
    enum avila_json_type type;
    int64_t i;
    uint64_t u;
    double d;
};

static void numbers(void **state)
{
    (void)state;
    const struct num_case cases[] = {
        {"0", AVILA_JSON_INT, 0, 0, 0},
        {"-0", AVILA_JSON_INT, 0, 0, 0},
        {"1", AVILA_JSON_INT, 1, 0, 0},
        {"-1", AVILA_JSON_INT, -1, 0, 0},
        {"1234567890", AVILA_JSON_INT, 1234567890, 0, 0},
        {"12345678901234567", AVILA_JSON_INT, 12345678901234567, 0, 0},
        {"9223372036854775807", AVILA_JSON_INT, INT64_MAX, 0, 0},
        {"-9223372036854775808", AVILA_JSON_INT, INT64_MIN, 0, 0},
        {"-9223372036854775807", AVILA_JSON_INT, -INT64_MAX, 0, 0},
        {"9223372036854775808", AVILA_JSON_UINT, 0, (uint64_t)1 << 63, 0},
        {"18446744073709551615", AVILA_JSON_UINT, 0, UINT64_MAX, 0},
        {"10000000000000000000", AVILA_JSON_UINT, 0, 10000000000000000000u, 0},
        {"18446744073709551616", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"99999999999999999999", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"-9223372036854775809", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"123456789012345678901234567890", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"1.5", AVILA_JSON_DOUBLE, 0, 0, 1.5},
        {"-1.5e3", AVILA_JSON_DOUBLE, 0, 0, -1500.0},
        {"1E2", AVILA_JSON_DOUBLE, 0, 0, 100.0},
        {"1e+2", AVILA_JSON_DOUBLE, 0, 0, 100.0},
        {"1e-2", AVILA_JSON_DOUBLE, 0, 0, 0.01},
        {"0.1", AVILA_JSON_DOUBLE, 0, 0, 0.1},
        {"0e0", AVILA_JSON_DOUBLE, 0, 0, 0.0},
        {"0.0", AVILA_JSON_DOUBLE, 0, 0, 0.0},
        {"1.0", AVILA_JSON_DOUBLE, 0, 0, 1.0},
        {"123.456e-7", AVILA_JSON_DOUBLE, 0, 0, 123.456e-7},
        {"1.7976931348623157e308", AVILA_JSON_DOUBLE, 0, 0, 1.7976931348623157e308},
        {"2.2250738585072014e-308", AVILA_JSON_DOUBLE, 0, 0, 2.2250738585072014e-308},
        {"4.9e-324", AVILA_JSON_DOUBLE, 0, 0, 4.9e-324},
        {"1e-400", AVILA_JSON_DOUBLE, 0, 0, 0.0},
        {"0.00000000000000000000000000001", AVILA_JSON_DOUBLE, 0, 0, 1e-29},
        {"100000000000000000000000.5", AVILA_JSON_DOUBLE, 0, 0, 1.0000000000000001e23},
        {"100000000000000000000000", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"1e23", AVILA_JSON_DOUBLE, 0, 0, 1e23},
        {"9007199254740993.0", AVILA_JSON_DOUBLE, 0, 0, 9007199254740992.0},
        {"1e400", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"-1e400", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"1.8e308", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"1e99999999999999999999", AVILA_JSON_BIGNUM, 0, 0, 0},
        {"1e-99999999999999999999", AVILA_JSON_DOUBLE, 0, 0, 0.0},
    };
    for (size_t k = 0; k < AVILA_ARRAY_LEN(cases); k++) {
        const struct num_case *c = &cases[k];
        struct avila_json_doc doc;
        char buf[64];
        snprintf(buf, sizeof buf, "[%s]", c->text);
        parse_ok(&doc, buf, NULL);
        const struct avila_json_node *v = avila_json_array_get(avila_json_root(&doc), 0);
        if (avila_json_type(v) != c->type)
            fail_msg("%s: type %d, want %d", c->text, avila_json_type(v), c->type);
        int64_t i;
        uint64_t u;
        double d;
        size_t tl;
        const char *t = avila_json_number_text(&doc, v, &tl);
        assert_int_equal(tl, strlen(c->text));
        assert_memory_equal(t, c->text, tl);
        switch (c->type) {
        case AVILA_JSON_INT:
            assert_int_equal(avila_json_int64(v, &i), 0);
            assert_true(i == c->i);
            assert_int_equal(avila_json_uint64(v, &u), c->i < 0 ? AVILA_ERANGE : 0);
            assert_int_equal(avila_json_double(v, &d), 0);
            assert_true(d == (double)c->i);
            break;
        case AVILA_JSON_UINT:
            assert_int_equal(avila_json_uint64(v, &u), 0);
            assert_true(u == c->u);
            assert_int_equal(avila_json_int64(v, &i), AVILA_ERANGE);
            break;
        case AVILA_JSON_DOUBLE:
            assert_int_equal(avila_json_double(v, &d), 0);
            uint64_t got_bits, want_bits;
            memcpy(&got_bits, &d, sizeof d);
            memcpy(&want_bits, &c->d, sizeof d);
            if (got_bits != want_bits)
                fail_msg("%s: %.17g, want %.17g", c->text, d, c->d);
            assert_int_equal(avila_json_int64(v, &i), AVILA_EINVAL);
            break;
        case AVILA_JSON_BIGNUM:
            assert_int_equal(avila_json_int64(v, &i), AVILA_ERANGE);
            assert_int_equal(avila_json_uint64(v, &u), AVILA_ERANGE);
            break;
        default:
            break;
        }
        avila_json_doc_release(&doc);
    }
    /* -0.0 keeps its sign; -0 is the integer 0. */
    struct avila_json_doc doc;
    double d;
    parse_ok(&doc, "-0.0", NULL);
    assert_int_equal(avila_json_double(avila_json_root(&doc), &d), 0);
    assert_true(d == 0 && 1 / d < 0);
    avila_json_doc_release(&doc);
    /* BIGNUMs as doubles on request; beyond the range: ERANGE and infinity. */
    parse_ok(&doc, "[123456789012345678901234567890, 1e400]", NULL);
    const struct avila_json_node *r = avila_json_root(&doc);
    assert_int_equal(avila_json_double(avila_json_array_get(r, 0), &d), 0);
    assert_true(d == 1.2345678901234568e29);
    assert_int_equal(avila_json_double(avila_json_array_get(r, 1), &d), AVILA_ERANGE);
    assert_true(d > 1e308);
    avila_json_doc_release(&doc);
    /* The big-numbers policy. */
    struct avila_json_options o = {.big_numbers = AVILA_JSON_BIG_DOUBLE};
    parse_ok(&doc, "[123456789012345678901234567890, 18446744073709551616, 1e308]", &o);
    r = avila_json_root(&doc);
    assert_int_equal(avila_json_type(avila_json_array_get(r, 0)), AVILA_JSON_DOUBLE);
    assert_int_equal(avila_json_double(avila_json_array_get(r, 1), &d), 0);
    assert_true(d == 18446744073709551616.0);
    avila_json_doc_release(&doc);
    reject_opt("[1e400]", &o, AVILA_ERANGE, 1);
    reject_opt("[-1.8e308]", &o, AVILA_ERANGE, 1);
    char big[400];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = 0;
    reject_opt(big, &o, AVILA_ERANGE, 0);
    /* Malformed numbers (section 6 grammar). */
    reject("01", AVILA_EFORMAT, 1);
    reject("-01", AVILA_EFORMAT, 2);
    reject("00", AVILA_EFORMAT, 1);
    reject("1.", AVILA_EFORMAT, 2);
    reject("[1.]", AVILA_EFORMAT, 3);
    reject(".1", AVILA_EFORMAT, 0);
    reject("+1", AVILA_EFORMAT, 0);
    reject("-", AVILA_EFORMAT, 1);
    reject("[-]", AVILA_EFORMAT, 2);
    reject("--1", AVILA_EFORMAT, 1);
    reject("- 1", AVILA_EFORMAT, 1);
    reject("1e", AVILA_EFORMAT, 2);
    reject("1e+", AVILA_EFORMAT, 3);
    reject("1E-", AVILA_EFORMAT, 3);
    reject("[1e]", AVILA_EFORMAT, 3);
    reject("1.e1", AVILA_EFORMAT, 2);
    reject("1.5e1.5", AVILA_EFORMAT, 5);
    reject("0x10", AVILA_EFORMAT, 1);
    reject("1_000", AVILA_EFORMAT, 1);
    reject("1.2.3", AVILA_EFORMAT, 3);
    reject("[-NaN]", AVILA_EFORMAT, 2);
    reject("[1e1e1]", AVILA_EFORMAT, 4);
    reject("[.5]", AVILA_EFORMAT, 1);
    reject("[5.]", AVILA_EFORMAT, 3);
    reject("[0.e1]", AVILA_EFORMAT, 3);
    reject("\xEF\xBC\x91", AVILA_EFORMAT, 0); /* fullwidth digit one */
}

static void number_length_limit(void **state)
{
    (void)state;
    char buf[1100];
    memset(buf, 0, sizeof buf);
    buf[0] = '1';
    memset(buf + 1, '0', 1023);
    accept(buf); /* 1024 characters */
    buf[1024] = '0';
    struct avila_json_error e = reject(buf, AVILA_ELIMIT, 0);
    assert_string_equal(e.reason, "number longer than max_number_len");
    struct avila_json_options o = {.max_number_len = 5};
    struct avila_json_doc doc;
    parse_ok(&doc, "[-1.25,12345]", &o);
    avila_json_doc_release(&doc);
    reject_opt("[1,-1.255]", &o, AVILA_ELIMIT, 3);
    reject_opt("[123456]", &o, AVILA_ELIMIT, 1);
}

/* ---------------------------------------------------------------- limits */

/* "[[[...]]]" of depth d, or with objects {"a":...}. */
static char *nested(size_t d, int objects, size_t *len)
{
    char *s = malloc(d * 6 + 8);
    size_t n = 0;
    assert_non_null(s);
    for (size_t i = 0; i < d; i++) {
        if (objects) {
            memcpy(s + n, "{\"a\":", 5);
            n += 5;
        } else {
            s[n++] = '[';
        }
    }
    s[n++] = '1';
    for (size_t i = 0; i < d; i++)
        s[n++] = objects ? '}' : ']';
    s[n] = 0;
    *len = n;
    return s;
}

static void depth_limit(void **state)
{
    (void)state;
    struct avila_json_doc doc;
    size_t n;
    for (int obj = 0; obj < 2; obj++) {
        char *s = nested(1024, obj, &n);
        parse_ok_n(&doc, s, n, NULL);
        avila_json_doc_release(&doc);
        free(s);
        s = nested(1025, obj, &n);
        struct avila_json_error e = reject_n(s, n, NULL, AVILA_ELIMIT, obj ? 1024 * 5 : 1024);
        assert_string_equal(e.reason, "nesting deeper than max_depth");
        free(s);
    }
    struct avila_json_options o = {.max_depth = 3};
    parse_ok(&doc, "[[[1]],{\"a\":[2]}]", &o);
    avila_json_doc_release(&doc);
    reject_opt("[[[[1]]]]", &o, AVILA_ELIMIT, 3);
    o.max_depth = 1;
    parse_ok(&doc, "[1,2]", &o);
    avila_json_doc_release(&doc);
    reject_opt("[[]]", &o, AVILA_ELIMIT, 1);
    /* A deep document well beyond the default, allowed explicitly: no recursion. */
    o.max_depth = 200000;
    char *s = nested(200000, 0, &n);
    parse_ok_n(&doc, s, n, &o);
    assert_int_equal(avila_json_equal(avila_json_root(&doc), avila_json_root(&doc)), AVILA_ELIMIT);
    const struct avila_json_node *v = avila_json_root(&doc);
    for (int i = 0; i < 200000; i++)
        v = avila_json_array_get(v, 0);
    int64_t one;
    assert_int_equal(avila_json_int64(v, &one), 0);
    assert_int_equal(one, 1);
    avila_json_doc_release(&doc);
    free(s);
    /* Out-of-range options. */
    o.max_depth = AVILA_JSON_MAX_DEPTH_LIMIT + 1;
    reject_opt("1", &o, AVILA_EINVAL, SIZE_MAX);
    struct avila_json_options bad = {.dup_keys = (enum avila_json_dup_keys)7};
    reject_opt("1", &bad, AVILA_EINVAL, SIZE_MAX);
}

static void size_limits(void **state)
{
    (void)state;
    struct avila_json_options o = {.max_size = 4};
    struct avila_json_doc doc;
    parse_ok(&doc, "[12]", &o);
    avila_json_doc_release(&doc);
    struct avila_json_error e = reject_opt("[123]", &o, AVILA_ELIMIT, 0);
    assert_string_equal(e.reason, "document larger than max_size");
    /* max_string_len counts decoded bytes. */
    struct avila_json_options s = {.max_string_len = 3};
    parse_ok(&doc, "[\"abc\",\"\\n\\u00e9\"]", &s);
    avila_json_doc_release(&doc);
    reject_opt("[\"abcd\"]", &s, AVILA_ELIMIT, 1);
    reject_opt("{\"abcd\":1}", &s, AVILA_ELIMIT, 1);
    reject_opt("[\"ab\\u00e9\"]", &s, AVILA_ELIMIT, 1);
    /* Bad arguments. */
    assert_int_equal(avila_json_parse(&doc, NULL, 1, NULL, heap(), NULL), AVILA_EINVAL);
    assert_int_equal(avila_json_parse(NULL, "1", 1, NULL, heap(), NULL), AVILA_EINVAL);
    assert_int_equal(avila_json_parse(&doc, "1", 1, NULL, NULL, NULL), AVILA_EINVAL);
    assert_int_equal(avila_json_parse(&doc, NULL, 0, NULL, heap(), NULL), AVILA_EFORMAT);
}

/* ---------------------------------------------------------------- options */

static void trailing_commas(void **state)
{
    (void)state;
    struct avila_json_options o = {.allow_trailing_commas = true};
    struct avila_json_doc doc;
    parse_ok(&doc, "[1,2,]", &o);
    assert_int_equal(avila_json_size(avila_json_root(&doc)), 2);
    avila_json_doc_release(&doc);
    parse_ok(&doc, "{\"a\":1 , }", &o);
    assert_int_equal(avila_json_size(avila_json_root(&doc)), 1);
    avila_json_doc_release(&doc);
    parse_ok(&doc, "[[1,],{\"b\":[],},]", &o);
    avila_json_doc_release(&doc);
    reject("[1,2,]", AVILA_EFORMAT, 5);
    reject("{\"a\":1,}", AVILA_EFORMAT, 7);
    /* Only one, and only after an element. */
    reject_opt("[,]", &o, AVILA_EFORMAT, 1);
    reject_opt("{,}", &o, AVILA_EFORMAT, 1);
    reject_opt("[1,,]", &o, AVILA_EFORMAT, 3);
    reject_opt("[1,,2]", &o, AVILA_EFORMAT, 3);
    reject_opt("1,", &o, AVILA_EFORMAT, 1);
}

static void comments(void **state)
{
    (void)state;
    struct avila_json_options o = {.allow_comments = true};
    struct avila_json_doc doc;
    const char *good[] = {
        "// lead\n[1]",
        "/* lead */[1]",
        "[1]// trail",
        "[1]/* trail */",
        "[/**/1/* a */,// b\n2/*c*/]",
        "{/*k*/\"a\"/*:*/:/*v*/1//\n}",
        "/* \xC3\xA9 utf-8 */ [ // \xE4\xB8\xAD\n ]",
        "[1 /* * / ** */]",
        "//\n//\n1//",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(good); i++) {
        parse_ok(&doc, good[i], &o);
        avila_json_doc_release(&doc);
        reject(good[i], AVILA_EFORMAT, SIZE_MAX);
    }
    parse_ok(&doc, "[\"// x\"]", &o);
    size_t len;
    avila_json_string(avila_json_array_get(avila_json_root(&doc), 0), &len);
    assert_int_equal(len, 4);
    avila_json_doc_release(&doc);
    reject_opt("[1 /* open", &o, AVILA_EFORMAT, 3);
    reject_opt("[1 /", &o, AVILA_EFORMAT, 4);
    reject_opt("[1 /x]", &o, AVILA_EFORMAT, 4);
    reject_opt("# hash\n1", &o, AVILA_EFORMAT, 0);
    reject_opt("[1 /* \xC0\x80 */]", &o, AVILA_EFORMAT, 6);
    reject_opt("1 // \xFF", &o, AVILA_EFORMAT, 5);
    reject_opt("[1 /*/ ]", &o, AVILA_EFORMAT, 3);
}

static void byte_order_mark(void **state)
{
    (void)state;
    struct avila_json_options o = {.skip_bom = true};
    struct avila_json_doc doc;
    struct avila_json_error e = reject("\xEF\xBB\xBF[1]", AVILA_EFORMAT, 0);
    assert_string_equal(e.reason, "byte order mark (not allowed)");
    parse_ok(&doc, "\xEF\xBB\xBF[1]", &o);
    assert_int_equal(avila_json_size(avila_json_root(&doc)), 1);
    avila_json_doc_release(&doc);
    parse_ok(&doc, "\xEF\xBB\xBF \"x\"", &o);
    avila_json_doc_release(&doc);
    /* Only at the very start, and only once. */
    reject_opt(" \xEF\xBB\xBF[1]", &o, AVILA_EFORMAT, 1);
    reject_opt("\xEF\xBB\xBF\xEF\xBB\xBF[1]", &o, AVILA_EFORMAT, 3);
    reject_opt("[1]\xEF\xBB\xBF", &o, AVILA_EFORMAT, 3);
    reject_opt("\xEF\xBB\xBF", &o, AVILA_EFORMAT, 3);
    reject_opt("\xEF\xBB", &o, AVILA_EFORMAT, 0);
}

static int64_t get_int(const struct avila_json_node *v)
{
    int64_t i = -999;
    assert_non_null(v);
    assert_int_equal(avila_json_int64(v, &i), 0);
    return i;
}

static void duplicate_keys(void **state)
{
    (void)state;
    const char *json = "{\"a\":1,\"b\":2,\"a\":3,\"c\":{\"x\":1,\"x\":[2]},\"a\":4}";
    /* Checked when each object ends: the inner object's duplicate is found first. */
    struct avila_json_error e = reject(json, AVILA_EFORMAT, 30);
    assert_string_equal(e.reason, "duplicate key in object");
    /* The error names the earliest second occurrence, even when sorting puts others first. */
    reject("{\"b\":0,\"a\":1,\"b\":2,\"a\":3}", AVILA_EFORMAT, 13);
    reject("{\"x\":[{\"y\":1,\"y\":2}]}", AVILA_EFORMAT, 13);
    reject("{\"a\\u0062\":1,\"ab\":2}", AVILA_EFORMAT, 13);
    reject("{/*\"a\":0,*/\"a\":1,\"a\":2}", AVILA_EFORMAT, 1);
    struct avila_json_options c = {.allow_comments = true};
    reject_opt("{/*\"a\":0,*/\"a\":1,\"a\":2}", &c, AVILA_EFORMAT, 17);
    /* Keys differing only after a NUL or in length are different keys. */
    accept("{\"a\":1,\"a\\u0000\":2,\"A\":3,\"\":4,\"aa\":5}");
    for (int policy = AVILA_JSON_DUP_FIRST; policy <= AVILA_JSON_DUP_LAST; policy++) {
        struct avila_json_options o = {.dup_keys = (enum avila_json_dup_keys)policy};
        struct avila_json_doc doc;
        parse_ok(&doc, json, &o);
        const struct avila_json_node *r = avila_json_root(&doc);
        int first = policy == AVILA_JSON_DUP_FIRST;
        assert_int_equal(avila_json_size(r), 3);
        assert_int_equal(get_int(avila_json_object_get(r, "a", 1)), first ? 1 : 4);
        const struct avila_json_node *cv = avila_json_object_get(r, "c", 1);
        assert_int_equal(avila_json_size(cv), 1);
        const struct avila_json_node *x = avila_json_object_get(cv, "x", 1);
        assert_int_equal(avila_json_type(x), first ? AVILA_JSON_INT : AVILA_JSON_ARRAY);
        /* Iteration sees each key once, in document order of the kept members. */
        struct avila_json_iter it;
        const struct avila_json_node *k, *v;
        char order[8] = {0};
        size_t n = 0, len;
        avila_json_iter_init(&it, r);
        while (avila_json_iter_next(&it, &k, &v))
            order[n++] = avila_json_string(k, &len)[0];
        assert_string_equal(order, first ? "abc" : "bca");
        const struct avila_json_node *p;
        assert_int_equal(avila_json_pointer(r, "/a", 2, &p), 0);
        assert_int_equal(get_int(p), first ? 1 : 4);
        avila_json_doc_release(&doc);
    }
}

/* 100k members, all distinct or all one key: no quadratic blow-up, one member kept. */
static void duplicate_keys_large(void **state)
{
    (void)state;
    size_t m = 100000, n = 0;
    char *s = malloc(m * 24 + 8);
    assert_non_null(s);
    s[n++] = '{';
    for (size_t i = 0; i < m; i++)
        n += (size_t)sprintf(s + n, "%s\"key%zu\":%zu", i ? "," : "", (i * 7919) % m, i);
    s[n++] = '}';
    struct avila_json_doc doc;
    parse_ok_n(&doc, s, n, NULL);
    const struct avila_json_node *r = avila_json_root(&doc);
    assert_int_equal(avila_json_size(r), m);
    assert_int_equal(get_int(avila_json_object_get(r, "key0", 4)), 0);
    avila_json_doc_release(&doc);
    n = 0;
    s[n++] = '{';
    for (size_t i = 0; i < m; i++)
        n += (size_t)sprintf(s + n, "%s\"same\":%zu", i ? "," : "", i);
    s[n++] = '}';
    reject_n(s, n, NULL, AVILA_EFORMAT, 10);
    struct avila_json_options o = {.dup_keys = AVILA_JSON_DUP_LAST};
    parse_ok_n(&doc, s, n, &o);
    r = avila_json_root(&doc);
    assert_int_equal(avila_json_size(r), 1);
    assert_int_equal(get_int(avila_json_object_get(r, "same", 4)), (int64_t)m - 1);
    avila_json_doc_release(&doc);
    free(s);
}

/* Appends an object of m members "<prefix><i><suffix>" (key i named names[i]) to s at *n. */
static void keyed_object(char *s, size_t *n, const char *prefix, const char *suffix,
                         const size_t *names, size_t m)
{
    s[(*n)++] = '{';
    for (size_t i = 0; i < m; i++)
        *n += (size_t)sprintf(s + *n, "%s\"%s%03zu%s\":%zu", i ? "," : "", prefix, names[i], suffix,
                              i);
    s[(*n)++] = '}';
}

/*
 * Objects of the same size and keys, then one whose keys differ from
 * theirs in one place only, by being a repeat of another of its keys: that
 * one is rejected at the repeat (or has it dropped), for short keys, keys
 * told apart by their last 8 bytes only, and keys longer than 16 bytes
 * whose signatures are all alike (their middle bytes decide). A check
 * that remembered the keys of earlier objects would have to get this right.
 */
static void duplicate_keys_near_repeats(void **state)
{
    (void)state;
    static const size_t sizes[] = {9, 12, 17, 20, 33, 64, 65, 72};
    char *s = malloc(65536);
    assert_non_null(s);
    size_t names[80];
    for (size_t z = 0; z < AVILA_ARRAY_LEN(sizes); z++) {
        size_t m = sizes[z];
        for (int kind = 0; kind < 3; kind++) {
            /*
             * Keys of 4 bytes (told apart by their first 8 bytes), of 10
             * (by their last 8) and of 23 ("kk..." + 3 digits + "...zz":
             * 8 equal bytes at each end, signatures that are not the keys).
             */
            static const char *const prefixes[] = {"k", "kkkkkkk", "kkkkkkkkkk"};
            static const char *const suffixes[] = {"", "", "zzzzzzzzzz"};
            const char *prefix = prefixes[kind], *suffix = suffixes[kind];
            for (size_t dup_at = 1; dup_at < m; dup_at += m / 3 + 1) {
                size_t n = 0;
                for (size_t i = 0; i < m; i++)
                    names[i] = i;
                s[n++] = '[';
                keyed_object(s, &n, prefix, suffix, names, m);
                s[n++] = ',';
                keyed_object(s, &n, prefix, suffix, names, m); /* the same shape again */
                s[n++] = ',';
                size_t third = n;
                names[dup_at] = dup_at - 1; /* repeats the key before it */
                keyed_object(s, &n, prefix, suffix, names, m);
                s[n++] = ']';
                s[n] = 0;
                /* The repeat's key: member dup_at of the third object. */
                size_t at = third + 1;
                for (size_t i = 0; i < dup_at; i++)
                    at = (size_t)(strchr(s + at, ',') - s) + 1;
                reject_n(s, n, NULL, AVILA_EFORMAT, at);
                struct avila_json_options o = {.dup_keys = AVILA_JSON_DUP_FIRST};
                struct avila_json_doc doc;
                parse_ok_n(&doc, s, n, &o);
                const struct avila_json_node *r = avila_json_root(&doc);
                assert_int_equal(avila_json_size(avila_json_array_get(r, 0)), m);
                assert_int_equal(avila_json_size(avila_json_array_get(r, 1)), m);
                assert_int_equal(avila_json_size(avila_json_array_get(r, 2)), m - 1);
                avila_json_doc_release(&doc);
            }
        }
    }
    free(s);
}

/*
 * Keys longer than 16 bytes that share length, first and last 8 bytes all
 * collide in the hash table: the check falls back to sorting, with the same
 * results (the earliest repeat named, the right member kept).
 */
static void duplicate_keys_colliding(void **state)
{
    (void)state;
    size_t m = 3000, n = 0;
    char *s = malloc(m * 40 + 64);
    assert_non_null(s);
    s[n++] = '{';
    for (size_t i = 0; i < m; i++)
        n += (size_t)sprintf(s + n, "%s\"aaaaaaaa%06zubbbbbbbb\":%zu", i ? "," : "", i, i);
    struct avila_json_doc doc;
    s[n] = '}';
    parse_ok_n(&doc, s, n + 1, NULL);
    assert_int_equal(avila_json_size(avila_json_root(&doc)), m);
    avila_json_doc_release(&doc);
    /* Repeat members 2999 (twice) and 7 at the end. */
    size_t at = n + 1;
    n += (size_t)sprintf(s + n, ",\"aaaaaaaa002999bbbbbbbb\":-1,\"aaaaaaaa000007bbbbbbbb\":-2,"
                                "\"aaaaaaaa002999bbbbbbbb\":-3}");
    reject_n(s, n, NULL, AVILA_EFORMAT, at);
    for (int policy = AVILA_JSON_DUP_FIRST; policy <= AVILA_JSON_DUP_LAST; policy++) {
        struct avila_json_options o = {.dup_keys = (enum avila_json_dup_keys)policy};
        parse_ok_n(&doc, s, n, &o);
        const struct avila_json_node *r = avila_json_root(&doc);
        int first = policy == AVILA_JSON_DUP_FIRST;
        assert_int_equal(avila_json_size(r), m);
        assert_int_equal(get_int(avila_json_object_get(r, "aaaaaaaa002999bbbbbbbb", 22)),
                         first ? 2999 : -3);
        assert_int_equal(get_int(avila_json_object_get(r, "aaaaaaaa000007bbbbbbbb", 22)),
                         first ? 7 : -2);
        struct avila_json_iter it;
        const struct avila_json_node *k, *v;
        size_t count = 0;
        avila_json_iter_init(&it, r);
        while (avila_json_iter_next(&it, &k, &v))
            count++;
        assert_int_equal(count, m);
        avila_json_doc_release(&doc);
    }
    free(s);
}

/*
 * Parses s[0..n) by both parsers, from a copy of just n bytes (so that the
 * address sanitizer sees any read past the text): accepted, or (bad !=
 * SIZE_MAX) a duplicate key at bad.
 */
static void both_parsers(const char *s, size_t n, size_t bad)
{
    char *text = malloc(n);
    assert_non_null(text);
    memcpy(text, s, n);
    for (int path = AVILA_JSON_PATH_ONE_PASS; path <= AVILA_JSON_PATH_INDEXED; path++) {
        struct avila_json_doc doc;
        struct avila_json_error err = {0};
        int rc =
            avila_json_parse_path(&doc, text, n, NULL, heap(), &err, (enum avila_json_path)path);
        if (bad == SIZE_MAX) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, AVILA_EFORMAT);
            assert_int_equal(err.offset, bad);
            assert_string_equal(err.reason, "duplicate key in object");
        }
        avila_json_doc_release(&doc);
    }
    free(text);
}

/*
 * Appends an object of m members "k0".."k(m-1)" (member dup renamed to key
 * "k<to>"), each 'k' escaped as \u006B when escaped is set.
 */
static size_t put_object(char *s, size_t n, size_t m, size_t dup, size_t to, size_t *dup_at,
                         bool escaped)
{
    s[n++] = '{';
    for (size_t k = 0; k < m; k++) {
        if (k)
            s[n++] = ',';
        if (k == dup)
            *dup_at = n;
        n += (size_t)sprintf(s + n, "\"%s%zu\":%zu", escaped ? "\\u006B" : "k", k == dup ? to : k,
                             k);
    }
    s[n++] = '}';
    return n;
}

/*
 * Objects repeating earlier objects' keys skip the hash table (known key
 * shapes): a repeat of a shape's member count with a duplicate is still
 * caught, with many member counts taking turns in the shapes' slots, with
 * keys in the text and decoded ones (escaped), and a shape whose long keys
 * share their signature is never taken as proof. The last object is
 * followed by 1 to 9 bytes, so that a read of a short key past its end
 * near the end of the text is seen by the address sanitizer.
 */
static void duplicate_keys_repeated_shapes(void **state)
{
    (void)state;
    static const char *const tails[] = {"]", ",1]", ",123]", ",12345]", ",123456]", ",1234567]"};
    char *s = malloc(1 << 16);
    assert_non_null(s);
    for (int escaped = 0; escaped <= 1; escaped++) {
        for (size_t last = 9; last <= 30; last += 7) {
            for (size_t t = 0; t < AVILA_ARRAY_LEN(tails); t++) {
                /* Objects of 9..last members, three rounds, then one with a duplicate. */
                size_t n = 0, at = SIZE_MAX, before;
                s[n++] = '[';
                for (int round = 0; round < 3; round++)
                    for (size_t m = 9; m <= last; m++) {
                        n = put_object(s, n, m, SIZE_MAX, 0, &at, escaped);
                        s[n++] = ',';
                    }
                before = n;
                n = put_object(s, n, last, last - 1, 4, &at, escaped);
                n += (size_t)sprintf(s + n, "%s", tails[t]);
                both_parsers(s, n, at);
                s[at + (escaped ? 7 : 2)] = 'z'; /* "kz": no repeat */
                both_parsers(s, n, SIZE_MAX);
                /* The shape itself again. */
                n = put_object(s, before, last, SIZE_MAX, 0, &at, escaped);
                n += (size_t)sprintf(s + n, "%s", tails[t]);
                both_parsers(s, n, SIZE_MAX);
            }
        }
    }
    /* Two long keys with one signature: distinct in the first objects, equal in the last. */
    size_t n = 0, at = 0;
    s[n++] = '[';
    for (int i = 0; i < 3; i++) {
        n += (size_t)sprintf(s + n, "%s{", i ? "," : "");
        for (size_t k = 0; k < 8; k++)
            n += (size_t)sprintf(s + n, "\"k%zu\":0,", k);
        if (i == 2)
            at = n + 27;
        n += (size_t)sprintf(s + n, "\"aaaaaaaa000001bbbbbbbb\":1,\"aaaaaaaa00000%cbbbbbbbb\":2}",
                             i == 2 ? '1' : '2');
    }
    s[n++] = ']';
    both_parsers(s, n, at);
    free(s);
}

/* Every policy on objects of 2 to 40 members with repeats at every position pair. */
static void duplicate_keys_every_pair(void **state)
{
    (void)state;
    char s[1024];
    for (size_t m = 2; m <= 40; m += (m < 12 ? 1 : 7)) {
        for (size_t i = 0; i < m; i++) {
            for (size_t j = i + 1; j < m; j++) {
                /* Member j repeats member i's key; values are member numbers. */
                size_t n = 0;
                s[n++] = '{';
                for (size_t k = 0; k < m; k++)
                    n += (size_t)sprintf(s + n, "%s\"k%zu\":%zu", k ? "," : "", k == j ? i : k, k);
                s[n++] = '}';
                reject_n(s, n, NULL, AVILA_EFORMAT, SIZE_MAX);
                for (int policy = AVILA_JSON_DUP_FIRST; policy <= AVILA_JSON_DUP_LAST; policy++) {
                    struct avila_json_options o = {.dup_keys = (enum avila_json_dup_keys)policy};
                    struct avila_json_doc doc;
                    parse_ok_n(&doc, s, n, &o);
                    const struct avila_json_node *r = avila_json_root(&doc);
                    char key[16];
                    int kl = sprintf(key, "k%zu", i);
                    assert_int_equal(avila_json_size(r), m - 1);
                    assert_int_equal(get_int(avila_json_object_get(r, key, (size_t)kl)),
                                     policy == AVILA_JSON_DUP_FIRST ? (int64_t)i : (int64_t)j);
                    avila_json_doc_release(&doc);
                }
            }
        }
    }
}

/* ---------------------------------------------------------------- errors */

static void error_positions(void **state)
{
    (void)state;
    struct {
        const char *text;
        size_t offset, line, column;
        const char *reason;
    } cases[] = {
        {"[1,\n 2,\n x]", 9, 3, 2, "expected a value"},
        {"{\"a\" 1}", 5, 1, 6, "expected ':' after object key"},
        {"{\n\t\"a\": 1\n\t\"b\": 2}", 11, 3, 2, "expected ',' or '}' after object member"},
        {"[1 2]", 3, 1, 4, "expected ',' or ']' after array element"},
        {"\r\n\r\n  tru", 9, 3, 6, "unexpected end of input"},
        {"\"a\nb\"", 2, 1, 3, "control character in string"},
        {"[\"\\q\"]", 3, 1, 4, "invalid escape sequence"},
        {"[\n\"\\uD800\"]", 3, 2, 2, "lone surrogate in \\u escape"},
        {"[\"\xC3\xA9\xFF\"]", 4, 1, 5, "invalid UTF-8 in string"},
        {"[01]", 2, 1, 3, "leading zero in number"},
        {"[1.]", 3, 1, 4, "expected digit after decimal point"},
        {"[1e]", 3, 1, 4, "expected digit in exponent"},
        {"[-x]", 2, 1, 3, "expected digit after '-'"},
        {"[] x", 3, 1, 4, "unexpected data after the JSON value"},
        {"[1,]", 3, 1, 4, "trailing comma (not allowed)"},
        {"{\"a\":1,}", 7, 1, 8, "trailing comma (not allowed)"},
        {"{1:1}", 1, 1, 2, "expected string key"},
        {"\n\n\"abc", 2, 3, 1, "unterminated string"},
        {"[nul]", 4, 1, 5, "invalid literal"},
        {"[1,\n", 4, 2, 1, "unexpected end of input"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        struct avila_json_error e = reject(cases[i].text, AVILA_EFORMAT, cases[i].offset);
        if (e.line != cases[i].line || e.column != cases[i].column ||
            strcmp(e.reason, cases[i].reason) != 0)
            fail_msg("case %zu: %zu:%zu %s, want %zu:%zu %s", i, e.line, e.column, e.reason,
                     cases[i].line, cases[i].column, cases[i].reason);
    }
    /* A NULL error pointer is fine. */
    struct avila_json_doc doc;
    assert_int_equal(avila_json_parse(&doc, "[", 1, NULL, heap(), NULL), AVILA_EFORMAT);
}

/* ---------------------------------------------------------------- prefixes */

static const char sample[] =
    "{\"name\": \"Av\\u00efla \xE2\x82\xAC \\ud83d\\ude00\", \"n\": [0, -1, 2.5e-3, 1e400, "
    "18446744073709551615, 123456789012345678901234], \"ok\": true, \"no\": false, \"z\": null,\n"
    " \"nested\": {\"a\": [[], {}, [{\"b\": \"c\"}]], \"s\": "
    "\"tab\\there\\\"\\\\\\/\\b\\f\\n\\r\"},"
    " \"long\": \"0123456789012345678901234567890123456789012345678901234567890123456789\"}";

/* Every proper prefix of a document is incomplete; none is read past (guard page). */
static void every_prefix(void **state)
{
    (void)state;
    size_t n = sizeof sample - 1;
    struct avila_json_doc doc;
    struct avila_json_error err;
    for (size_t k = 0; k <= n; k++) {
        char *p = unit_guarded_alloc(k);
        memcpy(p, sample, k);
        int rc = avila_json_parse(&doc, p, k, NULL, heap(), &err);
        if (k == n) {
            assert_int_equal(rc, 0);
            avila_json_doc_release(&doc);
        } else if (rc != AVILA_EFORMAT || err.offset > k) {
            fail_msg("prefix %zu: %s at %zu", k, avila_strerror_name(rc), err.offset);
        }
        unit_guarded_free(p, k);
    }
}

/* ---------------------------------------------------------------- access */

static void access_and_iteration(void **state)
{
    (void)state;
    struct avila_json_doc doc;
    parse_ok(&doc, sample, NULL);
    const struct avila_json_node *r = avila_json_root(&doc), *v, *k;
    assert_int_equal(avila_json_type(r), AVILA_JSON_OBJECT);
    assert_int_equal(avila_json_size(r), 7);
    size_t len;
    const char *s = avila_json_string(avila_json_object_get(r, "name", 4), &len);
    assert_int_equal(len, 15);
    assert_memory_equal(s, "Av\xC3\xAFla \xE2\x82\xAC \xF0\x9F\x98\x80", 15);
    const struct avila_json_node *n = avila_json_object_get(r, "n", 1);
    assert_int_equal(avila_json_size(n), 6);
    assert_int_equal(avila_json_type(avila_json_array_get(n, 3)), AVILA_JSON_BIGNUM);
    assert_int_equal(avila_json_type(avila_json_array_get(n, 4)), AVILA_JSON_UINT);
    assert_int_equal(avila_json_type(avila_json_array_get(n, 5)), AVILA_JSON_BIGNUM);
    assert_null(avila_json_array_get(n, 6));
    assert_null(avila_json_array_get(r, 0));
    assert_null(avila_json_object_get(n, "a", 1));
    assert_null(avila_json_object_get(r, "nam", 3));
    assert_null(avila_json_string(n, &len));
    assert_int_equal(len, 0);
    assert_null(avila_json_number_text(&doc, r, &len));
    assert_int_equal(avila_json_size(avila_json_array_get(n, 0)), 0);
    double d;
    assert_int_equal(avila_json_double(avila_json_object_get(r, "ok", 2), &d), AVILA_EINVAL);
    /* Iteration in document order, keys and values. */
    const char *keys[] = {"name", "n", "ok", "no", "z", "nested", "long"};
    struct avila_json_iter it;
    size_t i = 0;
    avila_json_iter_init(&it, r);
    while (avila_json_iter_next(&it, &k, &v)) {
        s = avila_json_string(k, &len);
        assert_int_equal(len, strlen(keys[i]));
        assert_memory_equal(s, keys[i], len);
        assert_true(avila_json_object_get(r, s, len) == v);
        i++;
    }
    assert_int_equal(i, 7);
    i = 0;
    avila_json_iter_init(&it, n);
    while (avila_json_iter_next(&it, &k, &v)) {
        assert_null(k);
        assert_true(avila_json_array_get(n, i) == v);
        i++;
    }
    assert_int_equal(i, 6);
    avila_json_iter_init(&it, avila_json_object_get(r, "z", 1));
    assert_false(avila_json_iter_next(&it, &k, &v));
    /* Deep values through the skips. */
    const struct avila_json_node *nested = avila_json_object_get(r, "nested", 6);
    s = avila_json_string(avila_json_object_get(nested, "s", 1), &len);
    assert_int_equal(len, 15);
    assert_memory_equal(s, "tab\there\"\\/\b\f\n\r", 15);
    v = avila_json_array_get(avila_json_object_get(nested, "a", 1), 2);
    s = avila_json_string(avila_json_object_get(avila_json_array_get(v, 0), "b", 1), &len);
    assert_memory_equal(s, "c", 1);
    /* Zero copy: an unescaped string points into the text. */
    s = avila_json_string(avila_json_object_get(r, "long", 4), &len);
    assert_true(s > sample && s < sample + sizeof sample);
    assert_true(avila_json_doc_bytes(&doc) > 0);
    avila_json_doc_release(&doc);
    avila_json_doc_release(&doc); /* harmless twice */
    assert_null(avila_json_root(&doc));
}

/* ---------------------------------------------------------------- equality */

static int equal_texts(const char *a, const char *b)
{
    struct avila_json_doc da, db;
    parse_ok(&da, a, NULL);
    parse_ok(&db, b, NULL);
    int r = avila_json_equal(avila_json_root(&da), avila_json_root(&db));
    assert_int_equal(avila_json_equal(avila_json_root(&db), avila_json_root(&da)), r);
    avila_json_doc_release(&da);
    avila_json_doc_release(&db);
    return r;
}

static void equality(void **state)
{
    (void)state;
    assert_int_equal(equal_texts(sample, sample), 1);
    assert_int_equal(equal_texts("{\"a\":1,\"b\":[1,2,{\"c\":null}]}",
                                 " { \"b\" : [ 1 , 2.0 , { \"c\" : null } ] , \"a\" : 1e0 } "),
                     1);
    assert_int_equal(equal_texts("\"\\u00e9\"", "\"\xC3\xA9\""), 1);
    assert_int_equal(equal_texts("0", "-0.0"), 1);
    assert_int_equal(equal_texts("-5", "-5.000"), 1);
    assert_int_equal(equal_texts("18446744073709551615", "1.8446744073709551615e19"), 0);
    assert_int_equal(equal_texts("9223372036854775807", "9223372036854775807"), 1);
    assert_int_equal(equal_texts("123456789012345678901234", "123456789012345678901234"), 1);
    assert_int_equal(equal_texts("123456789012345678901234", "123456789012345678901235"), 0);
    assert_int_equal(equal_texts("1e400", "1E400"), 0); /* big numbers compare as text */
    assert_int_equal(equal_texts("1", "2"), 0);
    assert_int_equal(equal_texts("1", "\"1\""), 0);
    assert_int_equal(equal_texts("true", "false"), 0);
    assert_int_equal(equal_texts("null", "false"), 0);
    assert_int_equal(equal_texts("[]", "{}"), 0);
    assert_int_equal(equal_texts("[1,2]", "[2,1]"), 0);
    assert_int_equal(equal_texts("[1,2]", "[1,2,3]"), 0);
    assert_int_equal(equal_texts("{\"a\":1}", "{\"a\":1,\"b\":2}"), 0);
    assert_int_equal(equal_texts("{\"a\":1,\"c\":2}", "{\"a\":1,\"b\":2}"), 0);
    assert_int_equal(equal_texts("{\"a\":[1]}", "{\"a\":[1.5]}"), 0);
    assert_int_equal(equal_texts("[[[]]]", "[[[1]]]"), 0);
    assert_int_equal(equal_texts("[[],[1]]", "[[1],[]]"), 0);
    assert_int_equal(equal_texts("\"a\\u0000\"", "\"a\""), 0);
    assert_int_equal(equal_texts("0.1", "0.10000000000000001"), 1);
    /* Members partly in the same order: in step, then looked up, then in step again. */
    assert_int_equal(
        equal_texts("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", "{\"a\":1,\"c\":3,\"b\":2,\"d\":4}"), 1);
    assert_int_equal(
        equal_texts("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", "{\"a\":1,\"c\":3,\"b\":5,\"d\":4}"), 0);
    assert_int_equal(equal_texts("{\"a\":1,\"b\":2}", "{\"a\":1,\"bb\":2}"), 0);
    /* Members a duplicate-key policy dropped do not count, in step or not. */
    struct avila_json_options last = AVILA_JSON_OPTIONS_DEFAULT;
    last.dup_keys = AVILA_JSON_DUP_LAST;
    struct avila_json_doc dup, want;
    parse_ok(&dup, "{\"a\":0,\"b\":2,\"a\":1,\"c\":{\"x\":1,\"x\":2}}", &last);
    static const char *const same[] = {
        "{\"b\":2,\"a\":1,\"c\":{\"x\":2}}", "{\"c\":{\"x\":2},\"b\":2,\"a\":1}",
        "{\"a\":1,\"b\":2,\"c\":{\"x\":2}}", /* the dropped "a" comes first in dup */
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(same); i++) {
        parse_ok(&want, same[i], NULL);
        assert_int_equal(avila_json_equal(avila_json_root(&dup), avila_json_root(&want)), 1);
        assert_int_equal(avila_json_equal(avila_json_root(&want), avila_json_root(&dup)), 1);
        avila_json_doc_release(&want);
    }
    parse_ok(&want, "{\"b\":2,\"a\":0,\"c\":{\"x\":2}}", NULL);
    assert_int_equal(avila_json_equal(avila_json_root(&dup), avila_json_root(&want)), 0);
    assert_int_equal(avila_json_equal(avila_json_root(&want), avila_json_root(&dup)), 0);
    avila_json_doc_release(&want);
    avila_json_doc_release(&dup);
}

/* ---------------------------------------------------------------- JSON Pointer */

/* RFC 6901 section 5: the example document and every pointer listed. */
static void pointer_rfc6901(void **state)
{
    (void)state;
    const char *docs = "{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, \"e^f\": 3,"
                       " \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, \"m~n\": 8}";
    struct avila_json_doc doc, want;
    parse_ok(&doc, docs, NULL);
    const struct avila_json_node *r = avila_json_root(&doc), *v;
    struct {
        const char *ptr;
        const char *value;
    } cases[] = {
        {"", NULL}, /* the whole document */
        {"/foo", "[\"bar\", \"baz\"]"},
        {"/foo/0", "\"bar\""},
        {"/", "0"},
        {"/a~1b", "1"},
        {"/c%d", "2"},
        {"/e^f", "3"},
        {"/g|h", "4"},
        {"/i\\j", "5"},
        {"/k\"l", "6"},
        {"/ ", "7"},
        {"/m~0n", "8"},
        {"/foo/1", "\"baz\""},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        int rc = avila_json_pointer(r, cases[i].ptr, strlen(cases[i].ptr), &v);
        if (rc != 0)
            fail_msg("%s: %s", cases[i].ptr, avila_strerror_name(rc));
        if (!cases[i].value) {
            assert_true(v == r);
            continue;
        }
        parse_ok(&want, cases[i].value, NULL);
        assert_int_equal(avila_json_equal(v, avila_json_root(&want)), 1);
        avila_json_doc_release(&want);
    }
    /* Not found: missing members, indexes out of range or malformed, "-", scalars. */
    const char *missing[] = {
        "/bar",  "/foo/2",   "/foo/-", "/foo/01", "/foo/00",  "/foo/+1",
        "/foo/", "/foo/0/x", "/m~1n",  "/a~0b",   "/foo/1e0", "/foo/-1",
        "//",    "/ /x",     "/FOO",   "/foo/ 0", "/foo/0x0", "/foo/99999999999999999999999"};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(missing); i++) {
        v = NULL;
        int rc = avila_json_pointer(r, missing[i], strlen(missing[i]), &v);
        if (rc != AVILA_ENOTFOUND)
            fail_msg("%s: %s", missing[i], avila_strerror_name(rc));
        assert_null(v);
    }
    /* Malformed pointers. */
    const char *malformed[] = {"foo", "#/foo", "/~", "/~2", "/foo~", "/m~n", "/a~/b", " /foo"};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(malformed); i++) {
        int rc = avila_json_pointer(r, malformed[i], strlen(malformed[i]), &v);
        if (rc != AVILA_EFORMAT)
            fail_msg("%s: %s", malformed[i], avila_strerror_name(rc));
    }
    /* A key with a NUL, reached through a pointer of known length. */
    avila_json_doc_release(&doc);
    parse_ok(&doc, "{\"a\\u0000b\":[10,{\"~/\":11}]}", NULL);
    assert_int_equal(avila_json_pointer(avila_json_root(&doc), "/a\0b/1/~0~1", 11, &v), 0);
    assert_int_equal(get_int(v), 11);
    avila_json_doc_release(&doc);
}

/* ---------------------------------------------------------------- allocation */

static int parse_op(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    static const char text[] =
        "{\"b\\n\":[1,2,{\"x\":\"\\u00e9\"}],\"a\":1,\"c\":2,\"d\":3,\"e\":4,"
        "\"f\":5,\"g\":6,\"h\":7,\"i\":8,\"j\":9,\"k\":10,\"l\":11,\"m\":12,"
        "\"n\":13,\"o\":14,\"p\":15,\"a\":0}";
    struct avila_json_doc doc;
    struct avila_json_error err;
    struct avila_json_options o = {.dup_keys = AVILA_JSON_DUP_LAST};
    int rc = avila_json_parse(&doc, text, sizeof text - 1, &o, &fa->allocator, &err);
    if (rc == 0) {
        assert_int_equal(get_int(avila_json_object_get(avila_json_root(&doc), "a", 1)), 0);
        avila_json_doc_release(&doc);
    } else {
        assert_int_equal(rc, AVILA_ENOMEM);
        assert_string_equal(err.reason, "out of memory");
        assert_null(avila_json_root(&doc));
    }
    return rc;
}

static void allocation_failures(void **state)
{
    (void)state;
    assert_true(fail_alloc_sweep(parse_op, NULL, 0) >= 4);
    assert_true(fail_alloc_sweep(parse_op, NULL, 1) >= 4);
    /* A 100 KB document grows the node array several times. */
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    size_t n;
    char *s = nested(20000, 1, &n);
    for (unsigned long k = 1; k < 12; k++) {
        fail_alloc_init(&fa);
        fail_alloc_fail_nth(&fa, k, 0);
        struct avila_json_doc doc;
        int rc = avila_json_parse(&doc, s, n, &(struct avila_json_options){.max_depth = 30000},
                                  &fa.allocator, NULL);
        if (rc == 0)
            avila_json_doc_release(&doc);
        else
            assert_int_equal(rc, AVILA_ENOMEM);
        assert_int_equal(fa.live_allocs, 0);
    }
    free(s);
}

/* An arena serves a whole parse; releasing the document is optional then. */
static void arena_allocator(void **state)
{
    (void)state;
    struct avila_arena ar;
    assert_int_equal(avila_arena_init(&ar, heap(), NULL), 0);
    struct avila_allocator a = avila_arena_allocator(&ar);
    struct avila_json_doc doc;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(avila_json_parse(&doc, sample, sizeof sample - 1, NULL, &a, NULL), 0);
        assert_int_equal(avila_json_size(avila_json_root(&doc)), 7);
        avila_json_doc_release(&doc);
        avila_arena_reset(&ar);
    }
    avila_arena_release(&ar);
}

/* ---------------------------------------------------------------- kernels */

struct kernel {
    const char *name;
    uint32_t cpu;
    avila_json_scan_fn fn;
};

static const struct kernel kernels[] = {
    {"portable", 0, avila_json_scan_portable},
#if AVILA_X86_64
    {"avx2", AVILA_CPU_AVX2, avila_json_scan_avx2},
    {"avx512", AVILA_CPU_AVX2 | AVILA_CPU_AVX512F | AVILA_CPU_AVX512BW, avila_json_scan_avx512},
#endif
};

static size_t ref_scan(const uint8_t *s, size_t n, unsigned *high)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\' || s[i] < 0x20)
            return i;
        if (s[i] >= 0x80)
            *high = 1;
    }
    return n;
}

static void scan_kernels(void **state)
{
    (void)state;
    uint64_t rng = 42;
    const uint8_t specials[] = {'"', '\\', 0, 0x1F, 0x0A, 0x20, 0x7F, 0x80, 0xFF, 0x21, 0x5B};
    for (int round = 0; round < 20000; round++) {
        size_t n = unit_rand(&rng) % 300;
        uint8_t *buf = unit_guarded_alloc(n);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)('a' + unit_rand(&rng) % 26);
        size_t hits = unit_rand(&rng) % 4;
        for (size_t h = 0; h < hits && n; h++)
            buf[unit_rand(&rng) % n] = specials[unit_rand(&rng) % sizeof specials];
        unsigned want_high = 0;
        size_t want = ref_scan(buf, n, &want_high);
        for (size_t k = 0; k < AVILA_ARRAY_LEN(kernels); k++) {
            if ((avila_cpu_detected() & kernels[k].cpu) != kernels[k].cpu)
                continue;
            unsigned high = 0;
            size_t got = kernels[k].fn(buf, n, &high);
            if (got != want || (want_high && !high))
                fail_msg("%s: n %zu: %zu/%u, want %zu/%u", kernels[k].name, n, got, high, want,
                         want_high);
            /* A report of non-ASCII must come from a byte it read (at most a block on). */
            if (high && !want_high) {
                int any = 0;
                for (size_t i = 0; i < n; i++)
                    any |= buf[i] >= 0x80;
                assert_true(any);
            }
        }
        unit_guarded_free(buf, n);
    }
    const char *name;
    avila_cpu_restrict(0);
    avila_json_scan_pick(&name);
    assert_string_equal(name, "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
}

/* ---------------------------------------------------------------- edge cases */

/* JSONTestSuite-style cases (our own list): y = must accept, n = must reject. */
static void edge_cases(void **state)
{
    (void)state;
    static const struct {
        char verdict;
        const char *text;
        size_t len; /* 0: strlen */
    } cases[] = {
        {'y', "[[]   ]", 0},
        {'y', "[\"\"]", 0},
        {'y', "[\"a\",\"b\"]", 0},
        {'y', "[-0]", 0},
        {'y', "[-0.0e-0]", 0},
        {'y', "[1E22]", 0},
        {'y', "[1E-2]", 0},
        {'y', "[1e+00000000000000000000002]", 0},
        {'y', "[0.000000000000000000000000000000000000000000001]", 0},
        {'n', "{\"\\uDFAA\\uDBFF\\uDFFF\":0}", 0},
        {'y', "[\"\\u0060\\u012a\\u12AB\"]", 0},
        {'y', "[\"\\\\u0000\"]", 0},
        {'y', "[\"\xF4\x8F\xBF\xBF\"]", 0},
        {'y', "[\"\xEF\xBF\xBE\"]", 0}, /* U+FFFE is a noncharacter, still valid */
        {'y',
         "[\"a\x7F"
         "a\"]",
         0},
        {'y', "{\"a\":\"b\",\"c\":{\"d\":[1,{\"e\":[]}]}}", 0},
        {'y', "123", 0},
        {'y', "\"\\/\"", 0},
        {'y', " [1] ", 0},
        {'n', "[\"a\"\x00]", 5},
        {'n', "[1 true]", 0},
        {'n', "[\"\": 1]", 0},
        {'n', "[\"x\"", 0},
        {'n', "[3[4]]", 0},
        {'n', "[-2.]", 0},
        {'n', "[0.3e]", 0},
        {'n', "[0.3e+]", 0},
        {'n', "[1.0e-]", 0},
        {'n', "[.2e-3]", 0},
        {'n', "[1eE2]", 0},
        {'n', "[012]", 0},
        {'n', "[-012]", 0},
        {'n', "[0x42]", 0},
        {'n', "[Inf]", 0},
        {'n', "[\"\\uD800\"]", 0},
        {'n', "[\"\\uqqqq\"]", 0},
        {'n', "[\"\\a\"]", 0},
        {'n', "[\"\t\"]", 0},
        {'n', "['single quote']", 0},
        {'n', "[\"\\u00A\"]", 0},
        {'n', "{\"a\" \"b\"}", 0},
        {'n', "{\"a\":\"a\" 123}", 0},
        {'n', "{key: 'value'}", 0},
        {'n', "{\"a\":\"b\"}/**/", 0},
        {'n', "{\"a\":\"b\"}#", 0},
        {'n', "[\"a\",,]", 0},
        {'n', "[]\"", 0},
        {'n', "[\xFF]", 0},
        {'n', "\xEF\xBB\xBF{}", 0},
        {'n', "[\"\\x00\"]", 0},
        {'n', "[\"new\nline\"]", 0},
        {'n', "[*]", 0},
        {'n', "[True]", 0},
        {'n', "[1,2,3,]", 0},
        {'n', "{\"id\":0,,,,,}", 0},
        {'n', "[\"\\", 0},
        {'n', "{\"a\":true} \"x\"", 0},
        {'n', "[1]]", 0},
        {'n', "\x00", 1},
        {'n', "[\"\xED\xA0\x80\"]", 0},
        {'n', "[\"\xC0\xAF\"]", 0},
        {'n', "[\"\xE0\xFF\"]", 0},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        size_t n = cases[i].len ? cases[i].len : strlen(cases[i].text);
        struct avila_json_doc doc;
        int rc = avila_json_parse(&doc, cases[i].text, n, NULL, heap(), NULL);
        if ((rc == 0) != (cases[i].verdict == 'y'))
            fail_msg("case %zu (%c) %.*s: %s", i, cases[i].verdict, (int)n, cases[i].text,
                     avila_strerror_name(rc));
        avila_json_doc_release(&doc);
    }
}

/* ---------------------------------------------------------------- benchmark files */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *p = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size > 0 && fseek(f, 0, SEEK_SET) == 0) {
        p = malloc((size_t)size);
        if (p && fread(p, 1, (size_t)size, f) != (size_t)size) {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    *len = (size_t)size;
    return p;
}

static void benchmark_files(void **state)
{
    (void)state;
    const char *names[] = {"twitter.json", "canada.json", "citm_catalog.json"};
    const char *ptrs[] = {"/statuses/0/user/screen_name", "/features/0/geometry/type",
                          "/areaNames/205706005"};
    const char *want[] = {"\"ayuu0123\"", "\"Polygon\"", "\"1er balcon jardin\""};
    int found = 0;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(names); i++) {
        char path[1024];
        const char *shared = getenv("AVILA_SHARED");
        snprintf(path, sizeof path, "%s/%s/data/json/%s", AVILA_SOURCE_DIR,
                 shared ? shared : "../shared", names[i]);
        if (shared && shared[0] == '/')
            snprintf(path, sizeof path, "%s/data/json/%s", shared, names[i]);
        size_t len;
        char *text = read_file(path, &len);
        if (!text)
            continue;
        found++;
        struct avila_json_doc doc, portable, w;
        parse_ok_n(&doc, text, len, NULL);
        const struct avila_json_node *v;
        int rc = avila_json_pointer(avila_json_root(&doc), ptrs[i], strlen(ptrs[i]), &v);
        if (rc != 0)
            fail_msg("%s %s: %s", names[i], ptrs[i], avila_strerror_name(rc));
        parse_ok(&w, want[i], NULL);
        assert_int_equal(avila_json_equal(v, avila_json_root(&w)), 1);
        avila_json_doc_release(&w);
        /* The portable kernel builds the same document, node for node. */
        avila_cpu_restrict(0);
        parse_ok_n(&portable, text, len, NULL);
        avila_cpu_restrict(AVILA_CPU_ALL);
        assert_int_equal(doc.count, portable.count);
        assert_int_equal(avila_json_equal(avila_json_root(&doc), avila_json_root(&portable)), 1);
        avila_json_doc_release(&portable);
        avila_json_doc_release(&doc);
        free(text);
    }
    if (!found)
        skip();
}

/* ---------------------------------------------------------------- indexed parser */

/*
 * The structural index by its definition, byte by byte (data/json_int.h):
 * a byte is escaped when an odd run of backslashes that are not escaped
 * themselves precedes it (inside strings or not); quotes that are not
 * escaped open and close strings and are listed; outside strings, the
 * structural bytes and the first byte of every run of other non-whitespace
 * bytes are listed. bad: a control byte inside a string, or a string left
 * open. skipped: the bytes inside strings (opening quotes included) and the
 * whitespace outside them. chars: the byte at each offset, but '\\' for the
 * closing quote of a string that holds a backslash. Returns the count.
 */
static size_t ref_index(const uint8_t *t, size_t n, uint32_t *out, uint8_t *chars, bool *bad,
                        size_t *skipped)
{
    bool esc = false, in_string = false, prev_scalar = false, with_bs = false;
    size_t k = 0;
    *bad = false;
    *skipped = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = t[i];
        bool escaped = esc;
        esc = !escaped && c == '\\';
        bool quote = c == '"' && !escaped;
        bool scalar = false;
        if (in_string) {
            if (quote) {
                in_string = false;
                chars[k] = with_bs ? '\\' : '"';
                out[k++] = (uint32_t)i;
            } else {
                (*skipped)++;
                with_bs |= c == '\\';
                if (c < 0x20)
                    *bad = true;
            }
        } else if (quote) {
            in_string = true;
            with_bs = false;
            (*skipped)++;
            chars[k] = c;
            out[k++] = (uint32_t)i;
        } else if (strchr("{}[]:,", c) && c) {
            chars[k] = c;
            out[k++] = (uint32_t)i;
        } else if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            scalar = true;
            if (!prev_scalar) {
                chars[k] = c;
                out[k++] = (uint32_t)i;
            }
        } else {
            (*skipped)++;
        }
        prev_scalar = scalar;
    }
    if (in_string)
        *bad = true;
    return k;
}

/* Random texts of JSON's special bytes and a few others, indexed in pieces of random room. */
static void index_kernel(void **state)
{
    (void)state;
#if AVILA_X86_64
    uint32_t need = AVILA_JSON_INDEX_CPU;
    if ((avila_cpu_features() & need) != need)
        skip();
    static const char alphabet[] = "\"\\\\\\  \n\t\r{}[]:,a1-\x01\x1f\x7f\xc3\xa9\"\"\\";
    uint64_t rng = 11;
    size_t cap = 4096, room_max = 64 + AVILA_JSON_INDEX_SLACK + 200;
    uint8_t *text = malloc(cap);
    uint32_t *want = malloc(cap * sizeof *want), *got = malloc(cap * sizeof *got);
    uint32_t *piece = malloc(room_max * sizeof *piece);
    uint8_t *chars = malloc(room_max), *got_chars = malloc(cap), *want_chars = malloc(cap);
    assert_non_null(text);
    assert_non_null(want);
    assert_non_null(got);
    assert_non_null(piece);
    assert_non_null(chars);
    assert_non_null(got_chars);
    assert_non_null(want_chars);
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(unit_rand(&rng) % (round < 1000 ? 200 : cap));
        /* Mostly a few bytes of the alphabet, sometimes long runs of one. */
        unsigned pick = (unsigned)(unit_rand(&rng) % 4);
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)(unit_rand(&rng) % (pick ? 8 + 6 * pick : sizeof alphabet - 1));
            text[i] = (uint8_t)alphabet[j % (sizeof alphabet - 1)];
        }
        bool want_bad;
        size_t want_skipped, wn = ref_index(text, n, want, want_chars, &want_bad, &want_skipped);
        want_bad |= avila_utf8_validate(text, n) != 0; /* stage 1 validates UTF-8 too */
        struct avila_json_index ix;
        memset(&ix, 0, sizeof ix);
        ix.text = text;
        ix.len = n;
        size_t gn = 0, first_end = 0;
        while (ix.pos < ix.len) {
            size_t room = 64 + AVILA_JSON_INDEX_SLACK + (size_t)(unit_rand(&rng) % 200);
            size_t k = avila_json_index_fill_avx512(&ix, piece, chars, room);
            assert_true(k <= room - AVILA_JSON_INDEX_SLACK);
            assert_true(gn + k <= cap);
            memcpy(got + gn, piece, k * sizeof *piece);
            memcpy(got_chars + gn, chars, k);
            gn += k;
            if (!first_end)
                first_end = ix.pos < n ? ix.pos : n;
        }
        if (gn != wn || memcmp(got, want, wn * sizeof *want) != 0)
            fail_msg("round %d (%zu bytes): %zu entries, want %zu", round, n, gn, wn);
        assert_memory_equal(got_chars, want_chars, gn);
        if (!want_bad)
            assert_false(ix.bad);
        else
            assert_true(ix.bad);
        /* Only the first call (from offset 0) counts the bytes to skip. */
        ref_index(text, first_end, want, want_chars, &want_bad, &want_skipped);
        assert_int_equal(ix.skip_bytes, want_skipped);
    }
    free(text);
    free(want);
    free(got);
    free(piece);
    free(chars);
    free(got_chars);
    free(want_chars);
#else
    skip();
#endif
}

/*
 * Stage 1 validates UTF-8 as it indexes: arrays of strings of random code
 * points of every length, half of them then broken (a byte replaced,
 * removed or cut off at the end; a surrogate, overlong or too-large
 * sequence put in), indexed in pieces of random room so that sequences
 * and errors straddle blocks and pieces. bad must be set exactly when the
 * text is not UTF-8 or, by the reference index, a string is left open.
 */
static void index_kernel_utf8(void **state)
{
    (void)state;
#if AVILA_X86_64
    uint32_t need = AVILA_JSON_INDEX_CPU;
    if ((avila_cpu_features() & need) != need)
        skip();
    static const uint8_t breakers[][4] = {{0xED, 0xA0, 0x80},
                                          {0xC0, 0x80},
                                          {0xE0, 0x80, 0x80},
                                          {0xF0, 0x80, 0x80, 0x80},
                                          {0xF4, 0x90, 0x80, 0x80},
                                          {0xF8, 0x88, 0x80, 0x80},
                                          {0xC2},
                                          {0x80}};
    static const uint8_t breaker_len[] = {3, 2, 3, 4, 4, 4, 1, 1};
    uint64_t rng = 29;
    size_t cap = 4000 + 256, room_max = 64 + AVILA_JSON_INDEX_SLACK + 200;
    uint8_t *text = malloc(cap);
    uint32_t *piece = malloc(room_max * sizeof *piece), *ref = malloc(cap * sizeof *ref);
    uint8_t *chars = malloc(room_max), *ref_chars = malloc(cap);
    assert_non_null(text);
    assert_non_null(piece);
    assert_non_null(chars);
    assert_non_null(ref);
    assert_non_null(ref_chars);
    size_t utf8_only = 0;
    for (int round = 0; round < 4000; round++) {
        size_t want = 1 + (size_t)(unit_rand(&rng) % 4000), n = 0;
        text[n++] = '[';
        do {
            text[n++] = '"';
            size_t chars_in = (size_t)(unit_rand(&rng) % 40);
            for (size_t k = 0; k < chars_in; k++) {
                /* Each length about as often; no control bytes, quotes or backslashes. */
                static const uint32_t lo[] = {0x20, 0x80, 0x800, 0x10000},
                                      span[] = {0x5C - 0x23, 0x780, 0xF800, 0x100000};
                unsigned len = (unsigned)(unit_rand(&rng) % 4);
                uint32_t cp = lo[len] + (uint32_t)(unit_rand(&rng) % span[len]);
                if (len == 0)
                    cp += 3; /* 0x23..0x5B: past '"', before '\\' */
                if (cp >= 0xD800 && cp < 0xE000)
                    cp -= 0x800; /* no surrogates */
                n += (size_t)avila_utf8_encode(cp, text + n);
            }
            text[n++] = '"';
            text[n++] = ',';
        } while (n < want);
        text[n - 1] = ']';
        if (unit_rand(&rng) % 2) {
            size_t at = 1 + (size_t)(unit_rand(&rng) % (n - 1));
            switch (unit_rand(&rng) % 4) {
            case 0: /* a byte replaced by a byte of 0x80 or above */
                text[at] = (uint8_t)(0x80 | unit_rand(&rng));
                break;
            case 1: /* a byte removed */
                memmove(text + at, text + at + 1, n - at - 1);
                n--;
                break;
            case 2: { /* an ill-formed sequence over the bytes at at */
                unsigned b = (unsigned)(unit_rand(&rng) % 8);
                if (at + breaker_len[b] <= n)
                    memcpy(text + at, breakers[b], breaker_len[b]);
                break;
            }
            default: /* the text ends inside a sequence, at the end of a block or not */
                text[n++] = '"';
                /* A 4-byte character cut after 1, 2 or 3 bytes. */
                n += (size_t)avila_utf8_encode(0x10000 + (uint32_t)(unit_rand(&rng) % 0x1000),
                                               text + n) -
                     1 - (size_t)(unit_rand(&rng) % 3);
                break;
            }
        }
        bool valid = avila_utf8_validate(text, n) == 0, ref_bad;
        size_t skipped;
        ref_index(text, n, ref, ref_chars, &ref_bad, &skipped);
        struct avila_json_index ix;
        memset(&ix, 0, sizeof ix);
        ix.text = text;
        ix.len = n;
        while (ix.pos < ix.len) {
            size_t room = 64 + AVILA_JSON_INDEX_SLACK + (size_t)(unit_rand(&rng) % 200);
            avila_json_index_fill_avx512(&ix, piece, chars, room);
        }
        /* (A removed or replaced quote leaves a string open: bad for that reason too.) */
        if (ix.bad != (!valid || ref_bad))
            fail_msg("round %d (%zu bytes): bad %d, UTF-8 %s, string bad %d", round, n, ix.bad,
                     valid ? "valid" : "ill-formed", ref_bad);
        utf8_only += !valid && !ref_bad;
    }
    /* Texts whose only fault is their UTF-8 were common. */
    assert_true(utf8_only > 1000);
    free(text);
    free(piece);
    free(chars);
    free(ref);
    free(ref_chars);
#else
    skip();
#endif
}

/* The two documents are the same, node for node (strings bytewise). */
static void same_docs(const struct avila_json_doc *x, const struct avila_json_doc *y,
                      const char *what)
{
    if (x->count != y->count)
        fail_msg("%s: %zu nodes, %zu nodes", what, x->count, y->count);
    for (size_t i = 0; i < x->count; i++) {
        const struct avila_json_node *a = &x->nodes[i], *b = &y->nodes[i];
        unsigned k = JSON_KIND(a);
        /* (The literals' other fields mean nothing.) */
        bool literal = k == JSON_K_NULL || k == JSON_K_TRUE || k == JSON_K_FALSE;
        bool same = a->tag == b->tag && (literal || a->n == b->n);
        if (same && (k == JSON_K_STRING || k == JSON_K_DELETED))
            same = memcmp(a->v.s, b->v.s, a->n) == 0;
        else if (same && !literal)
            same = a->v.u == b->v.u;
        if (!same)
            fail_msg("%s: node %zu differs (tags %x %x)", what, i, (unsigned)a->tag,
                     (unsigned)b->tag);
    }
}

/* text[0..n) under opt gives the same answer from both parsers: document or error. */
static void same_answer(const void *text, size_t n, const struct avila_json_options *opt,
                        const char *what)
{
    struct avila_json_doc x, y;
    struct avila_json_error ex = {0}, ey = {0};
    int rx = avila_json_parse_path(&x, text, n, opt, heap(), &ex, AVILA_JSON_PATH_ONE_PASS);
    int ry = avila_json_parse_path(&y, text, n, opt, heap(), &ey, AVILA_JSON_PATH_INDEXED);
    if (rx != ry)
        fail_msg("%s (%zu bytes): one-pass %s, indexed %s", what, n, avila_strerror_name(rx),
                 avila_strerror_name(ry));
    if (rx == 0) {
        same_docs(&x, &y, what);
    } else if (ex.offset != ey.offset || ex.line != ey.line || ex.column != ey.column ||
               strcmp(ex.reason, ey.reason) != 0) {
        fail_msg("%s (%zu bytes): one-pass %zu:%zu:%zu %s, indexed %zu:%zu:%zu %s", what, n,
                 ex.offset, ex.line, ex.column, ex.reason, ey.offset, ey.line, ey.column,
                 ey.reason);
    }
    avila_json_doc_release(&x);
    avila_json_doc_release(&y);
}

/* Option sets the comparison runs under: each policy, and small limits. */
static const struct avila_json_options compare_opts[] = {
    {0},
    {.dup_keys = AVILA_JSON_DUP_FIRST, .lone_surrogates = AVILA_JSON_SURROGATE_REPLACE},
    {.dup_keys = AVILA_JSON_DUP_LAST, .big_numbers = AVILA_JSON_BIG_DOUBLE},
    {.max_depth = 3, .max_string_len = 5, .max_number_len = 4},
    {.allow_comments = true, .allow_trailing_commas = true, .skip_bom = true},
};

/* Bytes a mutation writes: each one can start, end or break a token. */
static const char mutations[] = "\"\\,:{}[] \n0-.eE+x\x01\x80\xc3\xff/tfn";

/* text, and copies of it with one or two bytes changed or cut short, under every option set. */
static void compare_mutations(const uint8_t *text, size_t n, size_t rounds, uint64_t *rng,
                              const char *what)
{
    uint8_t *m = malloc(n ? n : 1);
    assert_non_null(m);
    for (size_t o = 0; o < AVILA_ARRAY_LEN(compare_opts); o++)
        same_answer(text, n, &compare_opts[o], what);
    for (size_t r = 0; r < rounds && n > 0; r++) {
        memcpy(m, text, n);
        size_t len = n;
        for (int k = 0; k < 2; k++) {
            size_t at = (size_t)(unit_rand(rng) % n);
            m[at] = (uint8_t)mutations[unit_rand(rng) % (sizeof mutations - 1)];
        }
        if (unit_rand(rng) % 4 == 0)
            len = (size_t)(unit_rand(rng) % n);
        same_answer(m, len, &compare_opts[r % AVILA_ARRAY_LEN(compare_opts)], what);
    }
    free(m);
}

static const char *const compare_docs[] = {
    "{\"a\":[1,2.5,-3e2,true,false,null,\"x\\ny\"],\"b\":{\"c\":\"\\u00e9\\ud83d\\ude00\"}}",
    "[\"\xc3\xa9t\xc3\xa9\", \"long string with spaces and \\\"escapes\\\" \\\\ inside it\"]",
    "{\"k\": 1, \"k\": 2, \"\\u006b\": 3, \"key 1234567890\": [], \"key 1234567890\": {}}",
    "  [ 12345678901234567890, -9223372036854775808, 18446744073709551615, 1e400, 0.1e-400 ] ",
    "[[[[[[]]]]],{\"a\":{\"b\":{\"c\":{}}}}]",
    "\"just a string\"",
    "123",
    "{\"a\" : \"b\" , \"c\" :\n\t\"d\"\r\n}",
    "[1,2,3,]",
    "// c\n[1 /* d */]",
};

/* The indexed parser gives the one-pass parser's answers (documents and errors). */
static void indexed_same_as_one_pass(void **state)
{
    (void)state;
    uint64_t rng = 5;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(compare_docs); i++)
        compare_mutations((const uint8_t *)compare_docs[i], strlen(compare_docs[i]), 3000, &rng,
                          compare_docs[i]);
    compare_mutations((const uint8_t *)sample, sizeof sample - 1, 3000, &rng, "sample");
    /* Every proper prefix of the sample. */
    for (size_t n = 0; n < sizeof sample - 1; n++)
        same_answer(sample, n, NULL, "sample prefix");
    /* The fuzz corpus (the first two bytes of a seed pick options there; here they are text). */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tools/fuzz/corpus/json", AVILA_SOURCE_DIR);
    DIR *d = opendir(dir);
    size_t files = 0;
    if (d) {
        const struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            size_t n;
            char *t = read_file(path, &n);
            if (!t)
                continue;
            compare_mutations((const uint8_t *)t, n, 200, &rng, e->d_name);
            if (n > 2)
                compare_mutations((const uint8_t *)t + 2, n - 2, 200, &rng, e->d_name);
            free(t);
            files++;
        }
        closedir(d);
    }
    assert_true(files > 0);
}

/* avila_json_unescape over p[0..n), an escape at a time: the decoded length, or -1. */
static ptrdiff_t unescape_reference(const uint8_t *p, size_t n, uint8_t *out, int replace)
{
    size_t i = 0, o = 0;
    while (i < n) {
        if (p[i] != '\\') {
            out[o++] = p[i++];
            continue;
        }
        size_t used;
        const char *why;
        int r = avila_json_unescape(p + i, n - i, out + o, replace, &used, &why);
        if (r < 0)
            return -1;
        o += (size_t)r;
        i += used;
    }
    return (ptrdiff_t)o;
}

/*
 * Strings of up to 300 bytes made of escapes of every kind (simple, \u,
 * surrogate pairs, lone surrogates, runs of escaped backslashes, a few bad
 * ones) and plain and multibyte characters, so that escapes and backslash
 * runs straddle the 64-byte blocks of the indexed parser's decoder: both
 * parsers give the same answers under each option set. The decoder itself
 * gives, for a body alone in a buffer of its size (the address sanitizer
 * sees a read or write past it), what avila_json_unescape gives escape by
 * escape.
 */
static void indexed_escaped_strings(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "a",       "bcdefgh",        "\xc3\xa9", "\xe3\x81\x82", "\xf0\x9f\x98\x80", "\\n",
        "\\\"",    "\\\\",           "\\\\\\\\", "\\/",          "\\t\\r\\b\\f",     "\\u00e9",
        "\\u3042", "\\ud83d\\ude00",
    };
    static const char *const bad_pieces[] = {"\\ud83d", "\\ude00x", "\\u12G4",
                                             "\\x",     "\\u00",    "\\"};
    char text[4096];
    uint8_t body[400];
    uint64_t rng = 11;
#if AVILA_X86_64
    bool kernel = (avila_cpu_features() & AVILA_JSON_INDEX_CPU) == AVILA_JSON_INDEX_CPU;
#endif
    size_t checked = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        text[n++] = '[';
        for (int k = 0; k < 3; k++) {
            /* Escapes dense, or one in about 16 pieces (blocks holding a single one). */
            size_t target = (size_t)(unit_rand(&rng) % 300), len = 0;
            bool sparse = unit_rand(&rng) % 2;
            while (len < target) {
                uint64_t pick = unit_rand(&rng);
                const char *piece =
                    pick % 64 == 0             ? bad_pieces[pick / 64 % AVILA_ARRAY_LEN(bad_pieces)]
                    : sparse && pick % 16 != 1 ? pieces[pick / 64 % 5] /* plain and multibyte */
                                               : pieces[pick / 64 % AVILA_ARRAY_LEN(pieces)];
                for (size_t i = 0; piece[i]; i++)
                    body[len++] = (uint8_t)piece[i];
            }
            text[n++] = k ? ',' : '"';
            if (k)
                text[n++] = '"';
            memcpy(text + n, body, len);
            n += len;
            text[n++] = '"';
#if AVILA_X86_64
            if (kernel) {
                uint8_t want[400], *exact = malloc(len ? len : 1), *out = malloc(len ? len : 1);
                assert_non_null(exact);
                assert_non_null(out);
                memcpy(exact, body, len);
                for (int replace = 0; replace <= 1; replace++) {
                    ptrdiff_t r = avila_json_unescape_avx512(exact, len, out, replace);
                    ptrdiff_t w = unescape_reference(body, len, want, replace);
                    assert_int_equal(r, w);
                    if (w > 0)
                        assert_memory_equal(out, want, (size_t)w);
                    checked++;
                }
                free(exact);
                free(out);
            }
#endif
        }
        text[n++] = ']';
        same_answer(text, n, &compare_opts[round % AVILA_ARRAY_LEN(compare_opts)],
                    "escaped strings");
    }
#if AVILA_X86_64
    if (kernel) {
        assert_true(checked == (size_t)3000 * 3 * 2);
        /* A backslash ending a body escapes nothing, also as the last byte of a block. */
        for (size_t len = 1; len <= 130; len++) {
            uint8_t *exact = malloc(len), *out = malloc(len);
            assert_non_null(exact);
            assert_non_null(out);
            memset(exact, 'a', len - 1);
            exact[len - 1] = '\\';
            assert_int_equal(avila_json_unescape_avx512(exact, len, out, 0), -1);
            free(exact);
            free(out);
        }
    }
#endif
}

/*
 * Texts of many pieces of the index (stage 2 takes it a thousand entries
 * at a time, stage 1 validates UTF-8 as it indexes, node and key room is made
 * piece by piece): arrays and objects of strings with 2, 3 and 4-byte
 * characters at every offset, escapes, numbers and nesting, long enough
 * that characters and strings straddle the pieces; then copies with one
 * byte broken (a stray continuation byte, a truncated character, a quote,
 * a backslash, a control byte) or cut short. Both parsers must agree.
 */
static void indexed_many_pieces(void **state)
{
    (void)state;
    /* Escapes first (six), then ASCII and 2, 3 and 4-byte characters. */
    static const char *const chars[] = {"\\u00e9",
                                        "\\n",
                                        "\\\\",
                                        "\\\"",
                                        "\\t",
                                        "\\/",
                                        "a",
                                        " ",
                                        "\xc3\xa9",
                                        "\xe2\x82\xac",
                                        "\xf0\x9f\x98\x80"};
    static const uint8_t breaks[] = {0x80, 0xC3, 0xE2, 0xF0, 0xFF, '"', '\\', 0x01, ',', '}'};
    uint64_t rng = 37;
    size_t cap = 1 << 17;
    uint8_t *text = malloc(cap), *m = malloc(cap);
    assert_non_null(text);
    assert_non_null(m);
    for (int round = 0; round < 24; round++) {
        size_t n = 0, want = 20000 + (size_t)(unit_rand(&rng) % 60000);
        bool object = round % 2;
        text[n++] = object ? '{' : '[';
        for (size_t item = 0; n < want; item++) {
            if (item)
                text[n++] = ',';
            if (object)
                n += (size_t)snprintf((char *)text + n, cap - n, "\"k%zu\":", item);
            if (unit_rand(&rng) % 8 == 0) {
                n += (size_t)snprintf((char *)text + n, cap - n, "[%llu.%u,{\"x\":-%u}]",
                                      (unsigned long long)(unit_rand(&rng) % 100000000000u),
                                      (unsigned)(unit_rand(&rng) % 1000),
                                      (unsigned)(unit_rand(&rng) % 100));
                continue;
            }
            text[n++] = '"';
            size_t len = (size_t)(unit_rand(&rng) % 90);
            /* Escapes in one string of four (the others are checked by the index alone). */
            size_t first = unit_rand(&rng) % 4 ? 6 : 0;
            for (size_t k = 0; k < len; k++) {
                const char *c = chars[first + unit_rand(&rng) % (AVILA_ARRAY_LEN(chars) - first)];
                while (*c)
                    text[n++] = (uint8_t)*c++;
            }
            text[n++] = '"';
        }
        text[n++] = object ? '}' : ']';
        same_answer(text, n, NULL, "many pieces");
        for (int b = 0; b < 12; b++) {
            memcpy(m, text, n);
            size_t at = (size_t)(unit_rand(&rng) % n), len = n;
            m[at] = breaks[unit_rand(&rng) % sizeof breaks];
            if (b % 4 == 3)
                len = at + 1;
            same_answer(m, len, &compare_opts[b % AVILA_ARRAY_LEN(compare_opts)], "many pieces");
        }
    }
    free(text);
    free(m);
}

/* The benchmark files, and mutations of them, give the same answers from both parsers. */
static void indexed_benchmark_files(void **state)
{
    (void)state;
    const char *names[] = {"twitter.json", "canada.json", "citm_catalog.json"};
    uint64_t rng = 9;
    int found = 0;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(names); i++) {
        char path[1024];
        const char *shared = getenv("AVILA_SHARED");
        snprintf(path, sizeof path, "%s/%s/data/json/%s", AVILA_SOURCE_DIR,
                 shared ? shared : "../shared", names[i]);
        if (shared && shared[0] == '/')
            snprintf(path, sizeof path, "%s/data/json/%s", shared, names[i]);
        size_t len;
        char *text = read_file(path, &len);
        if (!text)
            continue;
        found++;
        compare_mutations((const uint8_t *)text, len, 20, &rng, names[i]);
        free(text);
    }
    if (!found)
        skip();
}

/* ---------------------------------------------------------------- number conversion */

/*
 * avila_fp_from_decimal_inline against core/fpconv's avila_fp_from_decimal
 * (exact mantissas): where it answers, the same bits. The shortest digits
 * of random doubles (which must come back exactly); random mantissas of
 * every length with exponents over the whole table, and among them
 * halfway candidates and mantissas that end their product in runs of ones
 * or zeros (powers of ten, of two, and their neighbours), where the fast
 * path needs its second product.
 */
static void fast_double(void **state)
{
    (void)state;
    uint64_t rng = 17, answered = 0;
    for (int i = 0; i < 1000000; i++) {
        uint64_t w, got, wb;
        int64_t q;
        double want;
        if (i % 5 == 0) {
            /* The shortest digits of a random finite double. */
            uint64_t bits = unit_rand(&rng) & 0x7FFFFFFFFFFFFFFFu;
            double v;
            memcpy(&v, &bits, sizeof v);
            char digits[17];
            int e10;
            int nd = avila_fp_shortest(v, digits, &e10);
            if (nd == 0)
                continue;
            w = 0;
            for (int k = 0; k < nd; k++)
                w = w * 10 + (uint64_t)(digits[k] - '0');
            q = e10 - nd + 1;
            if (avila_fp_from_decimal_inline(w, q, &got)) {
                answered++;
                assert_true(got == bits);
            }
            continue;
        }
        int len = 1 + (int)(unit_rand(&rng) % 19);
        uint64_t lim = 1;
        for (int k = 0; k < len; k++)
            lim *= 10;
        w = unit_rand(&rng) % 10000000000000000000u;
        w = len == 19 ? w : w % lim;
        if (i % 5 == 2)
            w = (w | 1) * 5; /* ends in 5: many halfway candidates */
        else if (i % 5 == 3)
            w = lim / 10 + (unit_rand(&rng) % 3) - 1; /* 10^k and its neighbours */
        else if (i % 5 == 4)
            w = ((uint64_t)1 << (unit_rand(&rng) % 64)) + (unit_rand(&rng) % 3) - 1;
        if (w == 0)
            w = 1;
        q = (int64_t)(unit_rand(&rng) % 700) - 350;
        if (!avila_fp_from_decimal_inline(w, q, &got))
            continue;
        answered++;
        assert_true(avila_fp_from_decimal(0, w, q, 1, &want));
        memcpy(&wb, &want, sizeof wb);
        if (got != wb)
            fail_msg("%llu e%lld: %016llx, want %016llx", (unsigned long long)w, (long long)q,
                     (unsigned long long)got, (unsigned long long)wb);
    }
    /* Most inputs in the normal range get an answer. */
    assert_true(answered > 500000);
}

/*
 * The short-number scanner (json_scan_number_short, taken with 40 bytes
 * readable) against the general one (taken below that): random literals
 * of digits, signs, points, exponents and stray bytes, followed by a
 * delimiter; wherever the short one answers, every field the same.
 */
static void short_numbers(void **state)
{
    (void)state;
    static const char pool[] = "0123456789012345678901234567890123456789.-eE+x";
    uint64_t rng = 31, answered = 0;
    for (int i = 0; i < 300000; i++) {
        uint8_t b[64];
        memset(b, ' ', sizeof b);
        size_t n = 1 + (size_t)(unit_rand(&rng) % 36);
        for (size_t k = 0; k < n; k++)
            b[k] = (uint8_t)pool[unit_rand(&rng) % (i % 2 ? 20 : sizeof pool - 1)];
        if (i % 3 == 0)
            b[0] = '-';
        if (i % 5 == 0 && n > 3)
            b[1 + unit_rand(&rng) % (n - 2)] = '.';
        b[n] = (uint8_t) ",]} \n"[unit_rand(&rng) % 5];
        if (b[0] != '-' && (b[0] < '0' || b[0] > '9'))
            continue;
        struct avila_json_number x, y;
        memset(&x, 0, sizeof x);
        memset(&y, 0, sizeof y);
        if (!json_scan_number_short(b, &x))
            continue;
        size_t bad;
        const char *why;
        assert_int_equal(avila_json_scan_number(b, 39, &y, &bad, &why), 0);
        if (x.len != y.len || x.mantissa != y.mantissa || x.exp10 != y.exp10 ||
            x.negative != y.negative || x.integer != y.integer || x.exact != y.exact ||
            x.fits64 != y.fits64)
            fail_msg("%.*s: short %zu %llu e%lld, general %zu %llu e%lld", (int)n, (const char *)b,
                     x.len, (unsigned long long)x.mantissa, (long long)x.exp10, y.len,
                     (unsigned long long)y.mantissa, (long long)y.exp10);
        answered++;
    }
    assert_true(answered > 50000);
}

/* json_digit_run and json_digits16 against a byte loop, on words of digits and other bytes. */
static void digit_runs(void **state)
{
    (void)state;
    static const char pool[] = "0123456789.eE-+,]x \x80/:";
    uint64_t rng = 23;
    for (int i = 0; i < 200000; i++) {
        uint8_t b[16];
        for (int k = 0; k < 16; k++)
            b[k] = (uint8_t)pool[unit_rand(&rng) % (i % 2 ? 10 : sizeof pool - 1)];
        if (i % 4 == 1) /* a run of every length from 0 to 15 */
            b[unit_rand(&rng) % 16] = (uint8_t)pool[10 + unit_rand(&rng) % (sizeof pool - 11)];
        size_t run = 0;
        uint64_t val = 7;
        while (run < 16 && b[run] >= '0' && b[run] <= '9')
            val = val * 10 + (uint64_t)(b[run++] - '0');
        size_t r8 = run < 8 ? run : 8;
        assert_int_equal(json_digit_run(avila_load_le64(b)), r8);
        uint64_t m = 7;
        assert_int_equal(json_digits16(b, &m), run);
        assert_true(m == val);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literals),
        cmocka_unit_test(structure),
        cmocka_unit_test(whitespace_set),
        cmocka_unit_test(indentation_runs),
        cmocka_unit_test(string_escapes),
        cmocka_unit_test(strings_with_nul),
        cmocka_unit_test(utf8_in_strings),
        cmocka_unit_test(numbers),
        cmocka_unit_test(number_length_limit),
        cmocka_unit_test(depth_limit),
        cmocka_unit_test(size_limits),
        cmocka_unit_test(trailing_commas),
        cmocka_unit_test(comments),
        cmocka_unit_test(byte_order_mark),
        cmocka_unit_test(duplicate_keys),
        cmocka_unit_test(duplicate_keys_large),
        cmocka_unit_test(duplicate_keys_colliding),
        cmocka_unit_test(duplicate_keys_near_repeats),
        cmocka_unit_test(duplicate_keys_every_pair),
        cmocka_unit_test(duplicate_keys_repeated_shapes),
        cmocka_unit_test(error_positions),
        cmocka_unit_test(every_prefix),
        cmocka_unit_test(access_and_iteration),
        cmocka_unit_test(equality),
        cmocka_unit_test(pointer_rfc6901),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(arena_allocator),
        cmocka_unit_test(scan_kernels),
        cmocka_unit_test(edge_cases),
        cmocka_unit_test(benchmark_files),
    };
    const struct CMUnitTest once[] = {
        cmocka_unit_test(index_kernel),
        cmocka_unit_test(index_kernel_utf8),
        cmocka_unit_test(indexed_same_as_one_pass),
        cmocka_unit_test(indexed_many_pieces),
        cmocka_unit_test(indexed_escaped_strings),
        cmocka_unit_test(indexed_benchmark_files),
        cmocka_unit_test(fast_double),
        cmocka_unit_test(short_numbers),
        cmocka_unit_test(digit_runs),
    };
    int failed = cmocka_run_group_tests_name("json_auto", tests, NULL, NULL);
    test_path = AVILA_JSON_PATH_ONE_PASS;
    failed += cmocka_run_group_tests_name("json_one_pass", tests, NULL, NULL);
    test_path = AVILA_JSON_PATH_INDEXED;
    failed += cmocka_run_group_tests_name("json_indexed", tests, NULL, NULL);
    test_path = AVILA_JSON_PATH_AUTO;
    failed += cmocka_run_group_tests_name("json_paths", once, NULL, NULL);
    return failed;
}
