/*
 * tests/data/test_json_write.c - the JSON writer (data/json_write.h):
 * escapes from RFC 8259 section 7 and RFC 8785 section 3.2.2.2, ASCII-only
 * output with surrogate pairs, RFC 8785's examples (section 3.2.2.2's
 * string, section 3.2.3's sort order, Appendix B's numbers in
 * tests/vectors/json_write/), the grammar and its misuse, sticky errors,
 * the depth limit, pretty output, invalid UTF-8 of every class, fixed and
 * failing buffers, and every string-copy kernel against a naive model.
 * Byte-for-byte comparison with Python's json module on random documents is
 * tests/data/test_json_write_python.sh.
 */
#include "tests/support/unit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cpu.h"
#include "core/error.h"
#include "data/json_write.h"
#include "data/json_write_int.h"
#include "tests/support/fail_alloc.h"

/* ------------------------------------------------------------- helpers */

struct doc {
    struct avila_buf b;
    struct avila_json_writer w;
};

static void doc_open(struct doc *d, unsigned indent, unsigned flags, unsigned max_depth)
{
    struct avila_json_write_options o = {indent, max_depth, flags};
    avila_buf_init(&d->b, avila_allocator_libc(), (size_t)1 << 28);
    assert_int_equal(avila_json_write_init(&d->w, &d->b, &o), 0);
}

/* Finishes d, checks its text is want (NUL-terminated) and frees it. */
static void doc_expect(struct doc *d, const char *want)
{
    assert_int_equal(avila_json_write_finish(&d->w), 0);
    size_t n = strlen(want);
    if (d->b.len != n || memcmp(d->b.data, want, n) != 0)
        fail_msg("got  %.*s\nwant %s", (int)d->b.len, (const char *)d->b.data, want);
    avila_buf_release(&d->b);
}

/* The text of one string value s[0..n) written with flags; the caller frees it. */
static char *string_text(unsigned flags, const void *s, size_t n, int *rc)
{
    struct doc d;
    doc_open(&d, 0, flags, 0);
    *rc = avila_json_write_string(&d.w, s, n);
    if (*rc == 0)
        *rc = avila_json_write_finish(&d.w);
    char *t = malloc(d.b.len + 1);
    assert_non_null(t);
    if (d.b.len)
        memcpy(t, d.b.data, d.b.len);
    t[d.b.len] = '\0';
    avila_buf_release(&d.b);
    return t;
}

static void check_string(unsigned flags, const void *s, size_t n, const char *want)
{
    int rc;
    char *t = string_text(flags, s, n, &rc);
    assert_int_equal(rc, 0);
    if (strcmp(t, want) != 0)
        fail_msg("got  %s\nwant %s", t, want);
    free(t);
}

/*
 * The variants a test runs: the dispatcher restricted to each. Tests that
 * loop over them restore the CPU in the teardown.
 */
static const uint32_t cpu_modes[] = {0, AVILA_CPU_AVX2, AVILA_CPU_ALL};

static int restore_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/*
 * The escape of one ASCII byte as RFC 8259 section 7 and RFC 8785 section
 * 3.2.2.2 give it, written here as a switch (the writer uses a table):
 * the two-character forms for " \ b f n r t, \u00xx lowercase for other
 * controls (and DEL in ASCII mode), else the byte itself.
 */
static void reference_escape(uint8_t c, int ascii, char out[8])
{
    const char *two = NULL;
    switch (c) {
    case '"':
        two = "\\\"";
        break;
    case '\\':
        two = "\\\\";
        break;
    case 0x08:
        two = "\\b";
        break;
    case 0x0C:
        two = "\\f";
        break;
    case 0x0A:
        two = "\\n";
        break;
    case 0x0D:
        two = "\\r";
        break;
    case 0x09:
        two = "\\t";
        break;
    default:
        break;
    }
    if (two != NULL)
        snprintf(out, 8, "%s", two);
    else if (c < 0x20 || (ascii && c == 0x7F))
        snprintf(out, 8, "\\u%04x", c);
    else
        snprintf(out, 8, "%c", c);
}

/* --------------------------------------------------------------- escapes */

static void every_ascii_byte_every_offset(void **state)
{
    (void)state;
    for (size_t m = 0; m < AVILA_ARRAY_LEN(cpu_modes); m++) {
        avila_cpu_restrict(cpu_modes[m]);
        for (int ascii = 0; ascii < 2; ascii++) {
            for (unsigned c = 0; c < 0x80; c++) {
                char esc[8];
                reference_escape((uint8_t)c, ascii, esc);
                /* The byte at every offset of a 70-byte string: every kernel lane and tail. */
                for (size_t at = 0; at < 70; at += (at < 40 ? 1 : 7)) {
                    uint8_t in[70];
                    char want[100];
                    memset(in, 'x', sizeof in);
                    in[at] = (uint8_t)c;
                    snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at, (const char *)in, esc,
                             (int)(sizeof in - at - 1), (const char *)in + at + 1);
                    check_string(ascii ? AVILA_JSON_WRITE_ASCII : 0, in, sizeof in, want);
                    /* And alone, and as the last byte of a short string. */
                    snprintf(want, sizeof want, "\"%s\"", esc);
                    check_string(ascii ? AVILA_JSON_WRITE_ASCII : 0, in + at, 1, want);
                }
            }
        }
    }
}

static void control_characters_known_answers(void **state)
{
    (void)state;
    /* RFC 8259 section 7: the short escapes, and \u for the other controls. */
    check_string(0, "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    check_string(0, "\x00\x01\x1f", 3, "\"\\u0000\\u0001\\u001f\"");
    check_string(0, "\x0b\x0e\x1b", 3, "\"\\u000b\\u000e\\u001b\"");
    check_string(0, "\"\\/", 3, "\"\\\"\\\\/\"");
    check_string(0, "\x7f", 1, "\"\x7f\"");
    check_string(AVILA_JSON_WRITE_ASCII, "\x7f", 1, "\"\\u007f\"");
    check_string(0, "", 0, "\"\"");
    check_string(0, NULL, 0, "\"\"");
}

static void ascii_only_every_length(void **state)
{
    (void)state;
    static const struct {
        const char *utf8, *ascii;
    } cases[] = {
        {"\xc2\x80", "\\u0080"},                /* U+0080, first 2-byte */
        {"\xc3\xa9", "\\u00e9"},                /* U+00E9 */
        {"\xdf\xbf", "\\u07ff"},                /* last 2-byte */
        {"\xe0\xa0\x80", "\\u0800"},            /* first 3-byte */
        {"\xe2\x82\xac", "\\u20ac"},            /* euro sign */
        {"\xe2\x80\xa8", "\\u2028"},            /* line separator */
        {"\xed\x9f\xbf", "\\ud7ff"},            /* below the surrogates */
        {"\xee\x80\x80", "\\ue000"},            /* above them */
        {"\xef\xbf\xbf", "\\uffff"},            /* last 3-byte */
        {"\xf0\x90\x80\x80", "\\ud800\\udc00"}, /* U+10000 */
        {"\xf0\x9d\x84\x9e", "\\ud834\\udd1e"}, /* G clef, RFC 8259 section 7's example */
        {"\xf0\x9f\x98\x80", "\\ud83d\\ude00"}, /* RFC 8785 section 3.2.3's emoji */
        {"\xf4\x8f\xbf\xbf", "\\udbff\\udfff"}, /* U+10FFFF */
    };
    for (size_t m = 0; m < AVILA_ARRAY_LEN(cpu_modes); m++) {
        avila_cpu_restrict(cpu_modes[m]);
        for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
            char want[200], in[120];
            size_t n = strlen(cases[i].utf8);
            snprintf(want, sizeof want, "\"%s\"", cases[i].ascii);
            check_string(AVILA_JSON_WRITE_ASCII, cases[i].utf8, n, want);
            snprintf(want, sizeof want, "\"%s\"", cases[i].utf8);
            check_string(0, cases[i].utf8, n, want); /* raw mode keeps them, U+2028 too */
            /* Inside a long string, on both sides of a 32-byte block edge. */
            for (size_t at = 28; at < 34; at++) {
                memset(in, 'a', sizeof in);
                memcpy(in + at, cases[i].utf8, n);
                snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at, in, cases[i].ascii,
                         (int)(60 - at - n), in + at + n);
                check_string(AVILA_JSON_WRITE_ASCII, in, 60, want);
            }
        }
    }
}

static void rfc8785_string_example(void **state)
{
    (void)state;
    /*
     * RFC 8785 section 3.2.2.2 (and the example of section 3.2.4): the
     * string "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/" serializes as
     * "€$\u000f\nA'B\"\\\\\"/".
     */
    static const char in[] = "\xe2\x82\xac$\x0f\nA'B\"\\\\\"/";
    check_string(0, in, sizeof in - 1, "\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
    check_string(AVILA_JSON_WRITE_CANONICAL, in, sizeof in - 1,
                 "\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
    check_string(AVILA_JSON_WRITE_ASCII, in, sizeof in - 1,
                 "\"\\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
}

/* Invalid UTF-8 of every class of Unicode 15.0 Table 3-7 (same list as tests/vectors/utf8/). */
static const struct {
    const char *name, *bytes;
} bad_utf8[] = {
    {"lone continuation 80", "\x80"},
    {"lone continuation bf", "\xbf"},
    {"overlong 2-byte c0", "\xc0\x80"},
    {"overlong 2-byte c1", "\xc1\xbf"},
    {"overlong 3-byte", "\xe0\x80\x80"},
    {"overlong 3-byte top", "\xe0\x9f\xbf"},
    {"surrogate d800", "\xed\xa0\x80"},
    {"surrogate dfff", "\xed\xbf\xbf"},
    {"overlong 4-byte", "\xf0\x80\x80\x80"},
    {"overlong 4-byte top", "\xf0\x8f\xbf\xbf"},
    {"beyond U+10FFFF", "\xf4\x90\x80\x80"},
    {"lead f5", "\xf5\x80\x80\x80"},
    {"lead f8 (5-byte form)", "\xf8\x88\x80\x80\x80"},
    {"lead fc (6-byte form)", "\xfc\x84\x80\x80\x80\x80"},
    {"byte fe", "\xfe"},
    {"byte ff", "\xff"},
    {"cut 2-byte", "\xc2"},
    {"cut 3-byte", "\xe1\x80"},
    {"cut 4-byte", "\xf1\x80\x80"},
    {"2-byte then ASCII", "\xc2\x41"},
    {"3-byte bad second", "\xe1\x41\x80"},
    {"4-byte bad third", "\xf1\x80\x41\x80"},
};

static void invalid_utf8_every_class(void **state)
{
    (void)state;
    static const size_t prefixes[] = {0, 1, 7, 31, 33, 70, 5000};
    static uint8_t in[6000];
    for (size_t m = 0; m < AVILA_ARRAY_LEN(cpu_modes); m++) {
        avila_cpu_restrict(cpu_modes[m]);
        for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_utf8); i++) {
            size_t n = strlen(bad_utf8[i].bytes);
            for (size_t p = 0; p < AVILA_ARRAY_LEN(prefixes); p++) {
                size_t pre = prefixes[p];
                memset(in, 'q', sizeof in);
                memcpy(in + pre, bad_utf8[i].bytes, n);
                /* Cut right after it (a cut sequence stays cut), and with text after. */
                for (size_t total = pre + n; total <= pre + n + 9; total += 9) {
                    for (unsigned f = 0; f < 2; f++) {
                        unsigned flags = f ? AVILA_JSON_WRITE_ASCII : 0;
                        struct doc d;
                        doc_open(&d, 0, flags, 0);
                        assert_int_equal(avila_json_write_object_begin(&d.w), 0);
                        size_t before = d.b.len;
                        int rc = avila_json_write_key(&d.w, in, total);
                        if (rc != AVILA_EINVAL)
                            fail_msg("%s at %zu (key, flags %u): %d", bad_utf8[i].name, pre, flags,
                                     rc);
                        assert_int_equal(d.b.len, before); /* nothing left behind */
                        avila_buf_release(&d.b);
                        char *t = string_text(flags, in, total, &rc);
                        if (rc != AVILA_EINVAL || t[0] != '\0')
                            fail_msg("%s at %zu (string, flags %u): %d", bad_utf8[i].name, pre,
                                     flags, rc);
                        free(t);
                    }
                }
            }
        }
    }
}

/* ---------------------------------------------------------------- grammar */

enum op { BEGIN_O, END_O, BEGIN_A, END_A, KEY, STR, INT, NUL, FINISH };

static int do_op(struct avila_json_writer *w, enum op op)
{
    switch (op) {
    case BEGIN_O:
        return avila_json_write_object_begin(w);
    case END_O:
        return avila_json_write_object_end(w);
    case BEGIN_A:
        return avila_json_write_array_begin(w);
    case END_A:
        return avila_json_write_array_end(w);
    case KEY:
        return avila_json_write_key(w, "k", 1);
    case STR:
        return avila_json_write_string(w, "s", 1);
    case INT:
        return avila_json_write_int64(w, 7);
    case NUL:
        return avila_json_write_null(w);
    case FINISH:
        return avila_json_write_finish(w);
    }
    return AVILA_EINVAL;
}

static void grammar_misuse(void **state)
{
    (void)state;
    /* Each script: calls that succeed, then one that must fail with AVILA_EINVAL. */
    static const struct {
        const char *what;
        enum op ops[8];
        int n;
    } cases[] = {
        {"a second top-level value", {INT, INT}, 2},
        {"a second top-level container", {BEGIN_A, END_A, BEGIN_O}, 3},
        {"a key at the top level", {KEY}, 1},
        {"a key after the top-level value", {NUL, KEY}, 2},
        {"a key in an array", {BEGIN_A, KEY}, 2},
        {"a key in an array after an element", {BEGIN_A, INT, KEY}, 3},
        {"a value where a key is due", {BEGIN_O, INT}, 2},
        {"a string where a key is due", {BEGIN_O, KEY, STR, STR}, 4},
        {"a container where a key is due", {BEGIN_O, BEGIN_A}, 2},
        {"two keys in a row", {BEGIN_O, KEY, KEY}, 3},
        {"the object closed with a key pending", {BEGIN_O, KEY, END_O}, 3},
        {"an array closed as an object", {BEGIN_A, END_O}, 2},
        {"an object closed as an array", {BEGIN_O, END_A}, 2},
        {"an object with a member closed as an array", {BEGIN_O, KEY, INT, END_A}, 4},
        {"the inner array closed as an object", {BEGIN_O, KEY, BEGIN_A, END_O}, 4},
        {"an end at the top level", {END_A}, 1},
        {"an end after the document", {BEGIN_A, END_A, END_A}, 3},
        {"finish on nothing", {FINISH}, 1},
        {"finish with an open array", {BEGIN_A, FINISH}, 2},
        {"finish with an open object", {BEGIN_O, KEY, INT, FINISH}, 4},
        {"finish with a key pending", {BEGIN_O, KEY, FINISH}, 3},
        {"a value after finish", {NUL, FINISH, NUL}, 3},
        {"finish twice", {NUL, FINISH, FINISH}, 3},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        for (unsigned indent = 0; indent <= 2; indent += 2) {
            struct doc d;
            doc_open(&d, indent, 0, 0);
            for (int k = 0; k < cases[i].n - 1; k++)
                if (do_op(&d.w, cases[i].ops[k]) != 0)
                    fail_msg("%s: call %d failed", cases[i].what, k + 1);
            size_t len = d.b.len;
            int rc = do_op(&d.w, cases[i].ops[cases[i].n - 1]);
            if (rc != AVILA_EINVAL)
                fail_msg("%s: got %d", cases[i].what, rc);
            assert_int_equal(d.b.len, len);
            avila_buf_release(&d.b);
        }
    }
}

static void errors_are_sticky(void **state)
{
    (void)state;
    struct doc d;
    doc_open(&d, 0, 0, 2);
    assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    assert_int_equal(avila_json_write_array_begin(&d.w), AVILA_ELIMIT);
    size_t len = d.b.len;
    /* Every later call returns the first error, even ones that would be fine or be other misuse. */
    assert_int_equal(avila_json_write_array_end(&d.w), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_key(&d.w, "k", 1), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_string(&d.w, "\xff", 1), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_int64(&d.w, 1), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_uint64(&d.w, 1), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_double(&d.w, 1.0), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_number_text(&d.w, "1", 1), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_bool(&d.w, true), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_null(&d.w), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_object_begin(&d.w), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_object_end(&d.w), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_finish(&d.w), AVILA_ELIMIT);
    assert_int_equal(avila_json_write_error(&d.w), AVILA_ELIMIT);
    assert_int_equal(d.b.len, len);
    avila_buf_release(&d.b);

    /* A misuse first: EINVAL stays even when a later call would hit the depth limit. */
    doc_open(&d, 0, 0, 1);
    assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    assert_int_equal(avila_json_write_key(&d.w, "k", 1), AVILA_EINVAL);
    assert_int_equal(avila_json_write_array_begin(&d.w), AVILA_EINVAL);
    assert_int_equal(avila_json_write_error(&d.w), AVILA_EINVAL);
    avila_buf_release(&d.b);

    /* Bad UTF-8, NULL with a length, a non-finite double, bad number text: all sticky. */
    const double inf = 1.0 / 0.0;
    for (int k = 0; k < 4; k++) {
        doc_open(&d, 0, 0, 0);
        assert_int_equal(avila_json_write_array_begin(&d.w), 0);
        int rc = k == 0   ? avila_json_write_string(&d.w, "\xc0\xaf", 2)
                 : k == 1 ? avila_json_write_string(&d.w, NULL, 1)
                 : k == 2 ? avila_json_write_double(&d.w, inf)
                          : avila_json_write_number_text(&d.w, "1.", 2);
        assert_int_equal(rc, AVILA_EINVAL);
        assert_int_equal(avila_json_write_array_end(&d.w), AVILA_EINVAL);
        assert_int_equal(avila_json_write_finish(&d.w), AVILA_EINVAL);
        assert_int_equal(d.b.len, 1);
        avila_buf_release(&d.b);
    }
}

static void init_rejects_bad_options(void **state)
{
    (void)state;
    static const struct avila_json_write_options bad[] = {
        {AVILA_JSON_WRITE_MAX_INDENT + 1, 0, 0},
        {0, AVILA_JSON_WRITE_MAX_DEPTH + 1, 0},
        {0, 0, 1u << 5},
        {2, 0, AVILA_JSON_WRITE_CANONICAL},
        {0, 0, AVILA_JSON_WRITE_CANONICAL | AVILA_JSON_WRITE_ASCII},
    };
    struct avila_buf b;
    struct avila_json_writer w;
    avila_buf_init(&b, avila_allocator_libc(), 1024);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        assert_int_equal(avila_json_write_init(&w, &b, &bad[i]), AVILA_EINVAL);
        assert_int_equal(avila_json_write_null(&w), AVILA_EINVAL);
        assert_int_equal(avila_json_write_finish(&w), AVILA_EINVAL);
        assert_int_equal(b.len, 0);
    }
    assert_int_equal(avila_json_write_init(&w, NULL, NULL), AVILA_EINVAL);
    assert_int_equal(avila_json_write_init(&w, &b, NULL), 0);
    struct avila_json_write_options widest = {AVILA_JSON_WRITE_MAX_INDENT,
                                              AVILA_JSON_WRITE_MAX_DEPTH, AVILA_JSON_WRITE_ASCII};
    assert_int_equal(avila_json_write_init(&w, &b, &widest), 0);
    avila_buf_release(&b);
}

/*
 * Opens depth containers, objects where pattern's bit (i % 64) is set (each
 * in its parent object under key "k"), then closes them; returns the first
 * error. want gets the expected text when it succeeds.
 */
static int nest(struct doc *d, size_t depth, uint64_t pattern, char *want)
{
    size_t o = 0;
    int rc = 0;
    for (size_t i = 0; i < depth && rc == 0; i++) {
        int object = (pattern >> (i % 64)) & 1;
        if (i > 0 && ((pattern >> ((i - 1) % 64)) & 1)) {
            rc = avila_json_write_key(&d->w, "k", 1);
            o += (size_t)sprintf(want + o, "\"k\":");
        }
        if (rc == 0)
            rc =
                object ? avila_json_write_object_begin(&d->w) : avila_json_write_array_begin(&d->w);
        want[o++] = object ? '{' : '[';
    }
    for (size_t i = depth; i-- > 0 && rc == 0;) {
        int object = (pattern >> (i % 64)) & 1;
        rc = object ? avila_json_write_object_end(&d->w) : avila_json_write_array_end(&d->w);
        want[o++] = object ? '}' : ']';
    }
    want[o] = '\0';
    return rc;
}

static void depth_limit_exactly(void **state)
{
    (void)state;
    static const unsigned limits[] = {1, 2, 3, 63, 64, 65, 127, 128, 129, 1000, 0};
    static const uint64_t patterns[] = {0, ~(uint64_t)0, 0x5555555555555555u, 0x8000000000000001u,
                                        0x0123456789abcdefu};
    char *want = malloc((size_t)8 * (AVILA_JSON_WRITE_MAX_DEPTH + 2));
    assert_non_null(want);
    for (size_t l = 0; l < AVILA_ARRAY_LEN(limits); l++) {
        size_t limit = limits[l] ? limits[l] : AVILA_JSON_WRITE_MAX_DEPTH;
        for (size_t p = 0; p < AVILA_ARRAY_LEN(patterns); p++) {
            struct doc d;
            doc_open(&d, 0, 0, limits[l]);
            assert_int_equal(nest(&d, limit, patterns[p], want), 0);
            doc_expect(&d, want);
            doc_open(&d, 0, 0, limits[l]);
            assert_int_equal(nest(&d, limit + 1, patterns[p], want), AVILA_ELIMIT);
            avila_buf_release(&d.b);
        }
    }
    free(want);
}

/* ----------------------------------------------------------------- pretty */

/* {"a":[1,"x",{},[]],"b":{"c":null,"d":[true]},"e":{}} written with indent. */
static void sample(struct doc *d)
{
    struct avila_json_writer *w = &d->w;
    assert_int_equal(avila_json_write_object_begin(w), 0);
    assert_int_equal(avila_json_write_key(w, "a", 1), 0);
    assert_int_equal(avila_json_write_array_begin(w), 0);
    assert_int_equal(avila_json_write_int64(w, 1), 0);
    assert_int_equal(avila_json_write_string(w, "x", 1), 0);
    assert_int_equal(avila_json_write_object_begin(w), 0);
    assert_int_equal(avila_json_write_object_end(w), 0);
    assert_int_equal(avila_json_write_array_begin(w), 0);
    assert_int_equal(avila_json_write_array_end(w), 0);
    assert_int_equal(avila_json_write_array_end(w), 0);
    assert_int_equal(avila_json_write_key(w, "b", 1), 0);
    assert_int_equal(avila_json_write_object_begin(w), 0);
    assert_int_equal(avila_json_write_key(w, "c", 1), 0);
    assert_int_equal(avila_json_write_null(w), 0);
    assert_int_equal(avila_json_write_key(w, "d", 1), 0);
    assert_int_equal(avila_json_write_array_begin(w), 0);
    assert_int_equal(avila_json_write_bool(w, true), 0);
    assert_int_equal(avila_json_write_array_end(w), 0);
    assert_int_equal(avila_json_write_object_end(w), 0);
    assert_int_equal(avila_json_write_key(w, "e", 1), 0);
    assert_int_equal(avila_json_write_object_begin(w), 0);
    assert_int_equal(avila_json_write_object_end(w), 0);
    assert_int_equal(avila_json_write_object_end(w), 0);
}

static void pretty_known_answers(void **state)
{
    (void)state;
    struct doc d;
    doc_open(&d, 0, 0, 0);
    sample(&d);
    doc_expect(&d, "{\"a\":[1,\"x\",{},[]],\"b\":{\"c\":null,\"d\":[true]},\"e\":{}}");
    /* What Python's json.dumps(v, indent=2, separators=(",", ": ")) prints. */
    doc_open(&d, 2, 0, 0);
    sample(&d);
    doc_expect(&d, "{\n"
                   "  \"a\": [\n"
                   "    1,\n"
                   "    \"x\",\n"
                   "    {},\n"
                   "    []\n"
                   "  ],\n"
                   "  \"b\": {\n"
                   "    \"c\": null,\n"
                   "    \"d\": [\n"
                   "      true\n"
                   "    ]\n"
                   "  },\n"
                   "  \"e\": {}\n"
                   "}");
    doc_open(&d, 1, 0, 0);
    sample(&d);
    doc_expect(&d, "{\n \"a\": [\n  1,\n  \"x\",\n  {},\n  []\n ],\n \"b\": {\n  \"c\": null,\n"
                   "  \"d\": [\n   true\n  ]\n },\n \"e\": {}\n}");
    /* Scalars and empty containers at the top print alone, no newline. */
    doc_open(&d, 4, 0, 0);
    assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    assert_int_equal(avila_json_write_array_end(&d.w), 0);
    doc_expect(&d, "[]");
    doc_open(&d, 4, 0, 0);
    assert_int_equal(avila_json_write_string(&d.w, "s", 1), 0);
    doc_expect(&d, "\"s\"");
    /* The widest indent at the deepest level. */
    doc_open(&d, AVILA_JSON_WRITE_MAX_INDENT, 0, 0);
    for (int i = 0; i < AVILA_JSON_WRITE_MAX_DEPTH; i++)
        assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    assert_int_equal(avila_json_write_null(&d.w), 0);
    size_t before = d.b.len;
    for (int i = 0; i < AVILA_JSON_WRITE_MAX_DEPTH; i++)
        assert_int_equal(avila_json_write_array_end(&d.w), 0);
    assert_int_equal(avila_json_write_finish(&d.w), 0);
    size_t levels = AVILA_JSON_WRITE_MAX_DEPTH;
    /* Each close is a newline and (level - 1) * 16 spaces. */
    assert_int_equal(d.b.len - before,
                     levels + AVILA_JSON_WRITE_MAX_INDENT * levels * (levels - 1) / 2 + levels);
    assert_int_equal(d.b.data[d.b.len - 1], ']');
    avila_buf_release(&d.b);
}

/* ---------------------------------------------------------------- numbers */

static void integers(void **state)
{
    (void)state;
    /* Every power of ten and its neighbours, and the type limits, against printf. */
    for (int e = 0; e <= 19; e++) {
        uint64_t p = 1;
        for (int k = 0; k < e; k++)
            p *= 10;
        const uint64_t us[] = {p - 1, p, p + 1};
        for (size_t k = 0; k < 3; k++) {
            char want[64];
            struct doc d;
            doc_open(&d, 0, 0, 0);
            assert_int_equal(avila_json_write_array_begin(&d.w), 0);
            assert_int_equal(avila_json_write_uint64(&d.w, us[k]), 0);
            int64_t s = (int64_t)(us[k] >> 1);
            assert_int_equal(avila_json_write_int64(&d.w, -s), 0);
            assert_int_equal(avila_json_write_int64(&d.w, s), 0);
            assert_int_equal(avila_json_write_array_end(&d.w), 0);
            snprintf(want, sizeof want, "[%" PRIu64 ",%" PRId64 ",%" PRId64 "]", us[k], -s, s);
            doc_expect(&d, want);
        }
    }
    struct doc d;
    doc_open(&d, 0, 0, 0);
    assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    assert_int_equal(avila_json_write_int64(&d.w, INT64_MIN), 0);
    assert_int_equal(avila_json_write_int64(&d.w, INT64_MAX), 0);
    assert_int_equal(avila_json_write_uint64(&d.w, UINT64_MAX), 0);
    assert_int_equal(avila_json_write_int64(&d.w, 0), 0);
    assert_int_equal(avila_json_write_int64(&d.w, -1), 0);
    assert_int_equal(avila_json_write_array_end(&d.w), 0);
    doc_expect(&d, "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-1]");
    /* Canonical: beyond 2^53 an integer is the double it rounds to, in ECMAScript form. */
    doc_open(&d, 0, AVILA_JSON_WRITE_CANONICAL, 0);
    assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    assert_int_equal(avila_json_write_int64(&d.w, (int64_t)1 << 53), 0);
    assert_int_equal(avila_json_write_int64(&d.w, ((int64_t)1 << 53) + 1), 0);
    assert_int_equal(avila_json_write_int64(&d.w, -((int64_t)1 << 53) - 1), 0);
    assert_int_equal(avila_json_write_int64(&d.w, INT64_MAX), 0);
    assert_int_equal(avila_json_write_int64(&d.w, INT64_MIN), 0);
    assert_int_equal(avila_json_write_uint64(&d.w, UINT64_MAX), 0);
    assert_int_equal(avila_json_write_uint64(&d.w, 10000000000000000000u), 0);
    assert_int_equal(avila_json_write_array_end(&d.w), 0);
    doc_expect(&d, "[9007199254740992,9007199254740992,-9007199254740992,9223372036854776000,"
                   "-9223372036854776000,18446744073709552000,10000000000000000000]");
}

static double from_bits(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void rfc8785_appendix_b_doubles(void **state)
{
    (void)state;
    struct tv_file tv;
    int n = 0;
    tv_open(&tv, "json_write/rfc8785_numbers.txt");
    while (tv_next(&tv)) {
        uint64_t bits = strtoull(tv_str(&tv, "bits"), NULL, 16);
        const char *want = tv_str(&tv, "json");
        double v = from_bits(bits), mag = v < 0 ? -v : v;
        /* Outside canonical mode 2^53 <= |v| < 1e21 takes the exponent form (below). */
        for (unsigned f = mag >= 9007199254740992.0 && mag < 1e21; f < 2; f++) {
            struct doc d;
            doc_open(&d, 0, f ? AVILA_JSON_WRITE_CANONICAL : 0, 0);
            int rc = avila_json_write_double(&d.w, v);
            if (strcmp(want, "error") == 0) {
                assert_int_equal(rc, AVILA_EINVAL);
                assert_int_equal(d.b.len, 0);
                avila_buf_release(&d.b);
            } else {
                assert_int_equal(rc, 0);
                doc_expect(&d, want);
            }
        }
        n++;
    }
    tv_close(&tv);
    assert_int_equal(n, 32);
}

/* Outside canonical mode, integral doubles from 2^53 to 1e21 are written with an exponent. */
static void large_integral_doubles(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *plain, *canonical;
    } cases[] = {
        {9007199254740991.0, "9007199254740991", "9007199254740991"},
        {9007199254740992.0, "9.007199254740992e+15", "9007199254740992"},
        {-1e17, "-1e+17", "-100000000000000000"},
        {18446744073709549568.0, "1.844674407370955e+19", "18446744073709550000"},
        {1e20, "1e+20", "100000000000000000000"},
        {-2.9514790517935283e20, "-2.9514790517935283e+20", "-295147905179352830000"},
        {9.999999999999999e20, "9.999999999999999e+20", "999999999999999900000"},
        {1e21, "1e+21", "1e+21"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        for (unsigned f = 0; f < 2; f++) {
            struct doc d;
            doc_open(&d, 0, f ? AVILA_JSON_WRITE_CANONICAL : 0, 0);
            assert_int_equal(avila_json_write_double(&d.w, cases[i].v), 0);
            doc_expect(&d, f ? cases[i].canonical : cases[i].plain);
        }
    }
}

static void number_text(void **state)
{
    (void)state;
    /* RFC 8259 section 6: accepted as is (any size), rejected otherwise. */
    static const char *good[] = {
        "0",    "-0",        "1",   "-1",      "10",
        "0.5",  "-0.5",      "1e5", "1E5",     "1e+5",
        "1e-5", "1.25e-005", "0e0", "-0.0e-0", "123456789012345678901234567890123456789"};
    static const char *bad[] = {"",     "-",     "+1",    "01",      "-01",      "00",        "1.",
                                ".5",   "1e",    "1e+",   "1E-",     "--1",      "0x10",      "1 ",
                                " 1",   "1.0.0", "1e5.0", "NaN",     "Infinity", "-Infinity", "1_0",
                                "0.e1", "-.1",   "1e1e1", "\xd9\xa1"};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(good); i++) {
        char want[128];
        struct doc d;
        doc_open(&d, 0, 0, 0);
        assert_int_equal(avila_json_write_array_begin(&d.w), 0);
        assert_int_equal(avila_json_write_number_text(&d.w, good[i], strlen(good[i])), 0);
        assert_int_equal(avila_json_write_number_text(&d.w, good[i], strlen(good[i])), 0);
        assert_int_equal(avila_json_write_array_end(&d.w), 0);
        snprintf(want, sizeof want, "[%s,%s]", good[i], good[i]);
        doc_expect(&d, want);
    }
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        struct doc d;
        doc_open(&d, 0, 0, 0);
        if (avila_json_write_number_text(&d.w, bad[i], strlen(bad[i])) != AVILA_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(d.b.len, 0);
        avila_buf_release(&d.b);
    }
    struct doc d;
    doc_open(&d, 0, 0, 0);
    assert_int_equal(avila_json_write_number_text(&d.w, NULL, 0), AVILA_EINVAL);
    avila_buf_release(&d.b);
    /* Canonical: reprinted as the double; beyond the range is AVILA_ERANGE. */
    doc_open(&d, 0, AVILA_JSON_WRITE_CANONICAL, 0);
    assert_int_equal(avila_json_write_array_begin(&d.w), 0);
    static const char *in[] = {"-0", "1.50E1", "1e-400", "9007199254740993", "1e21", "1e-7"};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(in); i++)
        assert_int_equal(avila_json_write_number_text(&d.w, in[i], strlen(in[i])), 0);
    assert_int_equal(avila_json_write_array_end(&d.w), 0);
    doc_expect(&d, "[0,15,0,9007199254740992,1e+21,1e-7]");
    doc_open(&d, 0, AVILA_JSON_WRITE_CANONICAL, 0);
    assert_int_equal(avila_json_write_number_text(&d.w, "-1e400", 6), AVILA_ERANGE);
    avila_buf_release(&d.b);
}

/* -------------------------------------------------------------------- JCS */

struct key {
    const char *utf8;
    const char *value;
};

static int key_order(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    return avila_json_jcs_key_cmp(x->utf8, strlen(x->utf8), y->utf8, strlen(y->utf8));
}

static void rfc8785_sorting_example(void **state)
{
    (void)state;
    /* RFC 8785 section 3.2.3: the keys and the order the section prints them in. */
    struct key keys[] = {
        {"\xe2\x82\xac", "Euro Sign"},
        {"\r", "Carriage Return"},
        {"\xef\xac\xb3", "Hebrew Letter Dalet With Dagesh"},
        {"1", "One"},
        {"\xf0\x9f\x98\x80", "Emoji: Grinning Face"},
        {"\xc2\x80", "Control"},
        {"\xc3\xb6", "Latin Small Letter O With Diaeresis"},
    };
    static const char *order[] = {"Carriage Return",
                                  "One",
                                  "Control",
                                  "Latin Small Letter O With Diaeresis",
                                  "Euro Sign",
                                  "Emoji: Grinning Face",
                                  "Hebrew Letter Dalet With Dagesh"};
    qsort(keys, AVILA_ARRAY_LEN(keys), sizeof keys[0], key_order);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(keys); i++)
        assert_string_equal(keys[i].value, order[i]);

    /* Byte order would put U+FB33 (EF AC B3) before U+1F600 (F0 ...): UTF-16 does not. */
    static const struct {
        const char *a, *b;
        int sign;
    } pairs[] = {
        {"\xef\xbf\xbf", "\xf0\x90\x80\x80", 1},      /* U+FFFF after U+10000 */
        {"\xee\x80\x80", "\xf4\x8f\xbf\xbf", 1},      /* U+E000 after U+10FFFF */
        {"\xed\x9f\xbf", "\xf0\x90\x80\x80", -1},     /* U+D7FF before U+10000 */
        {"\xf0\x90\x80\x80", "\xf0\x90\x80\x81", -1}, /* same high surrogate */
        {"\xf0\x9f\x98\x80", "\xf0\xa0\x80\x80", -1}, /* different high surrogates */
        {"a", "ab", -1},
        {"", "a", -1},
        {"", "", 0},
        {"ab\xef\xbf\xbf", "ab\xef\xbf\xbf", 0},
        {"x\xc3\xb6", "x\xe2\x82\xac", -1},
        {"x\xef\xbc\x81", "x\xf0\x9f\x98\x80z", 1},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(pairs); i++) {
        size_t an = strlen(pairs[i].a), bn = strlen(pairs[i].b);
        int c = avila_json_jcs_key_cmp(pairs[i].a, an, pairs[i].b, bn);
        int r = avila_json_jcs_key_cmp(pairs[i].b, bn, pairs[i].a, an);
        assert_int_equal((c > 0) - (c < 0), pairs[i].sign);
        assert_int_equal((r > 0) - (r < 0), -pairs[i].sign);
    }
    assert_int_equal(avila_json_jcs_key_cmp(NULL, 0, NULL, 0), 0);
}

static int str_order(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return avila_json_jcs_key_cmp(*x, strlen(*x), *y, strlen(*y));
}

static void rfc8785_full_example(void **state)
{
    (void)state;
    /*
     * RFC 8785 section 3.2.2's input (numbers as their text, the string
     * decoded) and the canonical text section 3.2.4 gives for it.
     */
    static const char *numbers[] = {"333333333.33333329", "1E30", "4.50", "2e-3",
                                    "0.000000000000000000000000001"};
    static const char str[] = "\xe2\x82\xac$\x0f\nA'B\"\\\\\"/";
    const char *names[] = {"numbers", "string", "literals"};
    qsort(names, 3, sizeof names[0], str_order);
    struct doc d;
    doc_open(&d, 0, AVILA_JSON_WRITE_CANONICAL, 0);
    assert_int_equal(avila_json_write_object_begin(&d.w), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(avila_json_write_key(&d.w, names[i], strlen(names[i])), 0);
        if (strcmp(names[i], "numbers") == 0) {
            assert_int_equal(avila_json_write_array_begin(&d.w), 0);
            for (size_t k = 0; k < AVILA_ARRAY_LEN(numbers); k++)
                assert_int_equal(avila_json_write_number_text(&d.w, numbers[k], strlen(numbers[k])),
                                 0);
            assert_int_equal(avila_json_write_array_end(&d.w), 0);
        } else if (strcmp(names[i], "string") == 0) {
            assert_int_equal(avila_json_write_string(&d.w, str, sizeof str - 1), 0);
        } else {
            assert_int_equal(avila_json_write_array_begin(&d.w), 0);
            assert_int_equal(avila_json_write_null(&d.w), 0);
            assert_int_equal(avila_json_write_bool(&d.w, true), 0);
            assert_int_equal(avila_json_write_bool(&d.w, false), 0);
            assert_int_equal(avila_json_write_array_end(&d.w), 0);
        }
    }
    assert_int_equal(avila_json_write_object_end(&d.w), 0);
    doc_expect(&d, "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,"
                   "1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

/* ---------------------------------------------------------------- buffers */

/* A fixed document with every kind of call, long escaped strings among them. */
static int write_mixed(struct avila_json_writer *w, const uint8_t *text, size_t text_len,
                       size_t *ok_len, const struct avila_buf *b)
{
    int rc = 0;
#define STEP(call)                                                                                 \
    do {                                                                                           \
        if ((rc = (call)) != 0)                                                                    \
            return rc;                                                                             \
        *ok_len = b->len;                                                                          \
    } while (0)
    STEP(avila_json_write_object_begin(w));
    STEP(avila_json_write_key(w, "text\n", 5));
    STEP(avila_json_write_string(w, text, text_len));
    STEP(avila_json_write_key(w, text, text_len > 40 ? 40 : text_len));
    STEP(avila_json_write_array_begin(w));
    STEP(avila_json_write_int64(w, -1234567890123));
    STEP(avila_json_write_double(w, 0.1));
    STEP(avila_json_write_number_text(w, "1e999", 5));
    STEP(avila_json_write_bool(w, false));
    STEP(avila_json_write_null(w));
    STEP(avila_json_write_string(w, "\x01\x02\"\\", 4));
    STEP(avila_json_write_array_end(w));
    STEP(avila_json_write_object_end(w));
    STEP(avila_json_write_finish(w));
#undef STEP
    return 0;
}

/* Text with escapes every few bytes and non-ASCII, n bytes of it. */
static uint8_t *mixed_text(size_t n)
{
    static const char *pieces[] = {
        "plain words ",     "\"q\"", "\\",   "\n", "\xc3\xa9", "\xe2\x80\xa8",
        "\xf0\x9f\x98\x80", "\x1f",  "tab\t"};
    uint8_t *t = malloc(n);
    assert_non_null(t);
    size_t i = 0, k = 0;
    while (i < n) {
        const char *p = pieces[k++ % AVILA_ARRAY_LEN(pieces)];
        size_t l = strlen(p);
        if (l > n - i)
            p = " ", l = 1;
        for (size_t c = 0; c < l; c++)
            t[i + c] = (uint8_t)p[c];
        i += l;
    }
    return t;
}

static void fixed_buffer_every_size(void **state)
{
    (void)state;
    static const size_t text_sizes[] = {10, 100, 4500};
    static const unsigned modes[][2] = {{0, 0}, {2, 0}, {0, AVILA_JSON_WRITE_ASCII}};
    for (size_t t = 0; t < AVILA_ARRAY_LEN(text_sizes); t++) {
        uint8_t *text = mixed_text(text_sizes[t]);
        for (size_t m = 0; m < AVILA_ARRAY_LEN(modes); m++) {
            struct doc ref;
            size_t ok_len = 0;
            doc_open(&ref, modes[m][0], modes[m][1], 0);
            assert_int_equal(write_mixed(&ref.w, text, text_sizes[t], &ok_len, &ref.b), 0);
            size_t full = ref.b.len;
            uint8_t *mem = malloc(full + 64);
            assert_non_null(mem);
            /* Every capacity up to the text's size plus some, sampled above 600. */
            for (size_t cap = 0; cap <= full + 8; cap += cap < 600 || cap + 40 > full ? 1 : 37) {
                struct avila_buf b;
                struct avila_json_writer w;
                struct avila_json_write_options o = {modes[m][0], 0, modes[m][1]};
                memset(mem, 0xA5, full + 64);
                avila_buf_init_fixed(&b, mem, cap);
                assert_int_equal(avila_json_write_init(&w, &b, &o), 0);
                size_t last = 0;
                int rc = write_mixed(&w, text, text_sizes[t], &last, &b);
                if (cap >= full) {
                    assert_int_equal(rc, 0);
                    assert_int_equal(b.len, full);
                } else {
                    assert_int_equal(rc, AVILA_ENOMEM);
                    assert_int_equal(avila_json_write_error(&w), AVILA_ENOMEM);
                    assert_int_equal(avila_json_write_null(&w), AVILA_ENOMEM);
                    /* Exactly the output of the calls that succeeded. */
                    assert_int_equal(b.len, last);
                }
                if (b.len != 0)
                    assert_memory_equal(mem, ref.b.data, b.len);
                for (size_t i = cap; i < full + 64; i++)
                    if (mem[i] != 0xA5)
                        fail_msg("byte %zu written past capacity %zu", i, cap);
            }
            free(mem);
            avila_buf_release(&ref.b);
        }
        free(text);
    }
}

static void growable_buffer_failures(void **state)
{
    (void)state;
    uint8_t *text = mixed_text(3000);
    struct doc ref;
    size_t ok_len = 0;
    doc_open(&ref, 0, 0, 0);
    assert_int_equal(write_mixed(&ref.w, text, 3000, &ok_len, &ref.b), 0);
    /* A max below the output: AVILA_ENOMEM, the output up to the last call that fitted. */
    for (size_t max = 0; max < ref.b.len; max += 97) {
        struct avila_buf b;
        struct avila_json_writer w;
        size_t last = 0;
        avila_buf_init(&b, avila_allocator_libc(), max);
        assert_int_equal(avila_json_write_init(&w, &b, NULL), 0);
        assert_int_equal(write_mixed(&w, text, 3000, &last, &b), AVILA_ENOMEM);
        assert_int_equal(b.len, last);
        if (b.len != 0)
            assert_memory_equal(b.data, ref.b.data, b.len);
        avila_buf_release(&b);
    }
    /* The allocator failing on its Nth call, every N: AVILA_ENOMEM and no leak. */
    for (unsigned long nth = 1; nth < 20; nth++) {
        struct fail_alloc fa;
        struct avila_buf b;
        struct avila_json_writer w;
        size_t last = 0;
        fail_alloc_init(&fa);
        fail_alloc_fail_nth(&fa, nth, 0);
        avila_buf_init(&b, &fa.allocator, (size_t)1 << 20);
        assert_int_equal(avila_json_write_init(&w, &b, NULL), 0);
        int rc = write_mixed(&w, text, 3000, &last, &b);
        if (rc == 0) {
            assert_memory_equal(b.data, ref.b.data, ref.b.len);
            assert_int_equal(b.len, ref.b.len);
        } else {
            assert_int_equal(rc, AVILA_ENOMEM);
            assert_int_equal(b.len, last);
            if (b.len != 0)
                assert_memory_equal(b.data, ref.b.data, b.len);
        }
        avila_buf_release(&b);
        assert_int_equal(fa.live_allocs, 0);
    }
    avila_buf_release(&ref.b);
    free(text);
}

/* ---------------------------------------------------------------- kernels */

struct kernel {
    const char *name;
    uint32_t cpu;
    size_t (*copy)(uint8_t *dst, const uint8_t *src, size_t n, int ascii, unsigned *high);
};

static const struct kernel kernels[] = {
    {"portable", 0, avila_json_copy_run_portable},
#if AVILA_X86_64
    {"avx2", AVILA_CPU_AVX2, avila_json_copy_run_avx2},
    {"avx512", AVILA_CPU_AVX512F | AVILA_CPU_AVX512BW | AVILA_CPU_BMI2, avila_json_copy_run_avx512},
#endif
};

static int model_needs_escape(uint8_t c, int ascii)
{
    return c == '"' || c == '\\' || c < 0x20 || (ascii && c >= 0x7F);
}

static void kernels_against_model(void **state)
{
    (void)state;
    uint64_t rng = 42;
    enum { MAX = 300 };
    uint8_t *dst = malloc(MAX + AVILA_JSON_COPY_SLACK);
    assert_non_null(dst);
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = (size_t)(unit_rand(&rng) % MAX);
        /* Input right before a guard page: any over-read crashes. */
        uint8_t *src = (uint8_t *)unit_guarded_alloc(n ? n : 1) + (n ? 0 : 1);
        unsigned density = (unsigned)(unit_rand(&rng) % 4);
        for (size_t i = 0; i < n; i++) {
            uint8_t c = (uint8_t)(0x20 + unit_rand(&rng) % 0x5F);
            uint64_t r = unit_rand(&rng) % 1000;
            if (r < (uint64_t)density * (density == 3 ? 60 : 2))
                c = (uint8_t)(unit_rand(&rng) % 256);
            src[i] = c;
        }
        for (int ascii = 0; ascii < 2; ascii++) {
            size_t want = 0;
            unsigned want_high = 0;
            while (want < n && !model_needs_escape(src[want], ascii))
                want++;
            for (size_t i = 0; i <= want && i < n; i++)
                want_high |= src[i] >= 0x80;
            for (size_t k = 0; k < AVILA_ARRAY_LEN(kernels); k++) {
                if ((avila_cpu_detected() & kernels[k].cpu) != kernels[k].cpu)
                    continue;
                unsigned high = 0;
                memset(dst, 0, MAX + AVILA_JSON_COPY_SLACK);
                size_t got = kernels[k].copy(dst, src, n, ascii, &high);
                if (got != want)
                    fail_msg("%s: run %zu, want %zu (n %zu, ascii %d)", kernels[k].name, got, want,
                             n, ascii);
                assert_memory_equal(dst, src, got);
                /* high must be set if the bytes it had to read include one >= 0x80. */
                if (!ascii && want_high)
                    assert_true(high != 0);
                if (ascii)
                    assert_int_equal(high, 0);
            }
        }
        unit_guarded_free(src - (n ? 0 : 1), n ? n : 1);
    }
    free(dst);
}

/* Strings at the end of a guard page through the whole writer: no over-read. */
static void strings_before_guard_page(void **state)
{
    (void)state;
    for (size_t m = 0; m < AVILA_ARRAY_LEN(cpu_modes); m++) {
        avila_cpu_restrict(cpu_modes[m]);
        for (size_t n = 1; n < 80; n++) {
            uint8_t *s = unit_guarded_alloc(n);
            memset(s, 'a', n);
            s[n - 1] = (uint8_t)(n % 3 == 0 ? '"' : n % 3 == 1 ? 0xC3 : 'z');
            if (n % 3 == 1 && n >= 2)
                s[n - 2] = 0xC3, s[n - 1] = 0xA9;
            for (unsigned f = 0; f < 2; f++) {
                int rc;
                char *t = string_text(f ? AVILA_JSON_WRITE_ASCII : 0, s, n, &rc);
                assert_int_equal(rc, n == 1 && s[0] == 0xC3 ? AVILA_EINVAL : 0);
                free(t);
            }
            unit_guarded_free(s, n);
        }
    }
}

static void impl_follows_restriction(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_json_write_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_AVX2);
    if (AVILA_X86_64 && (avila_cpu_detected() & AVILA_CPU_AVX2))
        assert_string_equal(avila_json_write_impl(), "avx2");
    const uint32_t avx512 = AVILA_CPU_AVX512F | AVILA_CPU_AVX512BW | AVILA_CPU_BMI2;
    avila_cpu_restrict(AVILA_CPU_ALL);
    if (AVILA_X86_64 && (avila_cpu_detected() & avx512) == avx512)
        assert_string_equal(avila_json_write_impl(), "avx512");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(every_ascii_byte_every_offset, restore_cpu),
        cmocka_unit_test(control_characters_known_answers),
        cmocka_unit_test_teardown(ascii_only_every_length, restore_cpu),
        cmocka_unit_test(rfc8785_string_example),
        cmocka_unit_test_teardown(invalid_utf8_every_class, restore_cpu),
        cmocka_unit_test(grammar_misuse),
        cmocka_unit_test(errors_are_sticky),
        cmocka_unit_test(init_rejects_bad_options),
        cmocka_unit_test(depth_limit_exactly),
        cmocka_unit_test(pretty_known_answers),
        cmocka_unit_test(integers),
        cmocka_unit_test(rfc8785_appendix_b_doubles),
        cmocka_unit_test(large_integral_doubles),
        cmocka_unit_test(number_text),
        cmocka_unit_test(rfc8785_sorting_example),
        cmocka_unit_test(rfc8785_full_example),
        cmocka_unit_test(fixed_buffer_every_size),
        cmocka_unit_test(growable_buffer_failures),
        cmocka_unit_test(kernels_against_model),
        cmocka_unit_test_teardown(strings_before_guard_page, restore_cpu),
        cmocka_unit_test_teardown(impl_follows_restriction, restore_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
