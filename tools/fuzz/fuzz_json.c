/*
 * tools/fuzz/fuzz_json.c - libFuzzer harness for the JSON document parser
 * (data/json.h). The first two bytes choose the options (comments, trailing
 * commas, BOM, duplicate-key policy, lone surrogates, big numbers, and small
 * depth, string and number limits); the rest is the document. Properties:
 *   - avila_json_parse returns 0 or AVILA_EFORMAT / AVILA_ELIMIT /
 *     AVILA_ERANGE, with an error offset inside the input and a reason, and
 *     never crashes or reads outside the input;
 *   - the portable string-scan kernel gives the same verdict and offset as
 *     the one the CPU picks, and an equal document;
 *   - an accepted document is walked whole without recursion: sizes match
 *     iteration, every member is found again by key and every element by
 *     index, strings are valid UTF-8 within max_string_len, nesting stays
 *     within max_depth, every number has its text;
 *   - JSON Pointers to each top-level child find it, malformed ones say so,
 *     and the document equals itself.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/json/.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/utf8.h"
#include "data/json.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_DEPTH 1024

static struct avila_json_iter stack[MAX_DEPTH + 1];
static char ptr[4096];

static void options(const uint8_t *sel, struct avila_json_options *o)
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

static void check_value(const struct avila_json_doc *doc, const struct avila_json_node *v,
                        const struct avila_json_options *o)
{
    size_t len;
    double d;
    switch (avila_json_type(v)) {
    case AVILA_JSON_STRING: {
        const char *s = avila_json_string(v, &len);
        CHECK(s != NULL);
        CHECK(avila_utf8_validate(s, len) == 0);
        CHECK(!o->max_string_len || len <= o->max_string_len);
        break;
    }
    case AVILA_JSON_INT:
    case AVILA_JSON_UINT:
    case AVILA_JSON_DOUBLE:
    case AVILA_JSON_BIGNUM: {
        const char *t = avila_json_number_text(doc, v, &len);
        CHECK(t != NULL && len > 0);
        CHECK(t >= (const char *)doc->text && t + len <= (const char *)doc->text + doc->len);
        CHECK(!o->max_number_len || len <= o->max_number_len);
        int rc = avila_json_double(v, &d);
        CHECK(rc == 0 || (rc == AVILA_ERANGE && avila_json_type(v) == AVILA_JSON_BIGNUM));
        CHECK(avila_json_type(v) != AVILA_JSON_BIGNUM || o->big_numbers == AVILA_JSON_BIG_TEXT);
        break;
    }
    default:
        break;
    }
}

static void walk(const struct avila_json_doc *doc, const struct avila_json_options *o)
{
    const struct avila_json_node *v = avila_json_root(doc);
    size_t depth = 0, limit = o->max_depth ? o->max_depth : 1024;
    for (;;) {
        check_value(doc, v, o);
        enum avila_json_type t = avila_json_type(v);
        if (t == AVILA_JSON_ARRAY || t == AVILA_JSON_OBJECT) {
            CHECK(depth < limit && depth < MAX_DEPTH);
            /* Count and cross-check the children before descending. */
            struct avila_json_iter it;
            const struct avila_json_node *k, *c;
            size_t n = 0;
            avila_json_iter_init(&it, v);
            while (avila_json_iter_next(&it, &k, &c)) {
                if (k) {
                    size_t klen;
                    const char *ks = avila_json_string(k, &klen);
                    CHECK(avila_utf8_validate(ks, klen) == 0);
                    CHECK(avila_json_object_get(v, ks, klen) == c);
                } else if (n < 16) {
                    CHECK(avila_json_array_get(v, n) == c);
                }
                n++;
            }
            CHECK(n == avila_json_size(v));
            CHECK(avila_json_array_get(v, n) == NULL);
            avila_json_iter_init(&stack[depth++], v);
        }
        for (;;) {
            if (depth == 0)
                return;
            const struct avila_json_node *k;
            if (avila_json_iter_next(&stack[depth - 1], &k, &v)) {
                if (k)
                    check_value(doc, k, o);
                break;
            }
            depth--;
        }
    }
}

/* "/" + the escaped key, or "/" + the index; 0 if it does not fit. */
static size_t make_pointer(const char *key, size_t klen, size_t index)
{
    size_t n = 0;
    ptr[n++] = '/';
    if (!key) {
        char digits[24];
        size_t d = 0;
        do {
            digits[d++] = (char)('0' + index % 10);
            index /= 10;
        } while (index);
        while (d)
            ptr[n++] = digits[--d];
        return n;
    }
    for (size_t i = 0; i < klen; i++) {
        if (n + 2 >= sizeof ptr)
            return 0;
        if (key[i] == '~' || key[i] == '/') {
            ptr[n++] = '~';
            ptr[n++] = key[i] == '~' ? '0' : '1';
        } else {
            ptr[n++] = key[i];
        }
    }
    return n;
}

static void pointers(const struct avila_json_doc *doc)
{
    const struct avila_json_node *root = avila_json_root(doc), *out, *k, *v;
    CHECK(avila_json_pointer(root, "", 0, &out) == 0 && out == root);
    CHECK(avila_json_pointer(root, "x", 1, &out) == AVILA_EFORMAT);
    CHECK(avila_json_pointer(root, "/~2", 3, &out) == AVILA_EFORMAT);
    if (avila_json_type(root) == AVILA_JSON_ARRAY)
        CHECK(avila_json_pointer(root, "/-", 2, &out) == AVILA_ENOTFOUND);
    struct avila_json_iter it;
    size_t i = 0;
    avila_json_iter_init(&it, root);
    while (avila_json_iter_next(&it, &k, &v) && i < 64) {
        size_t klen = 0;
        const char *ks = k ? avila_json_string(k, &klen) : NULL;
        size_t n = make_pointer(ks, klen, i);
        if (n) {
            CHECK(avila_json_pointer(root, ptr, n, &out) == 0);
            CHECK(out == v);
        }
        i++;
    }
    int eq = avila_json_equal(root, root);
    CHECK(eq == 1 || eq == AVILA_ELIMIT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct avila_json_options o;
    options(data, &o);
    const uint8_t *text = data + 2;
    size_t len = size - 2;
    struct avila_json_doc doc, portable;
    struct avila_json_error err, perr;
    const struct avila_allocator *a = avila_allocator_libc();
    int rc = avila_json_parse(&doc, text, len, &o, a, &err);
    CHECK(rc == 0 || rc == AVILA_EFORMAT || rc == AVILA_ELIMIT || rc == AVILA_ERANGE);
    avila_cpu_restrict(0);
    int prc = avila_json_parse(&portable, text, len, &o, a, &perr);
    avila_cpu_restrict(AVILA_CPU_ALL);
    CHECK(prc == rc);
    if (rc != 0) {
        CHECK(err.offset <= len && err.reason != NULL && err.line >= 1 && err.column >= 1);
        CHECK(perr.offset == err.offset && strcmp(perr.reason, err.reason) == 0);
        return 0;
    }
    CHECK(avila_json_equal(avila_json_root(&doc), avila_json_root(&portable)) != 0);
    CHECK(doc.count == portable.count);
    avila_json_doc_release(&portable);
    walk(&doc, &o);
    pointers(&doc);
    avila_json_doc_release(&doc);
    return 0;
}
