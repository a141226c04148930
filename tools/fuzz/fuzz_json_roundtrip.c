/*
 * tools/fuzz/fuzz_json_roundtrip.c - libFuzzer harness for the round trip
 * parse -> write -> parse (data/json.h, data/json_write.h). Byte 0 chooses
 * the parse options (comments, trailing commas, BOM, duplicate-key policy,
 * lone surrogates, big numbers); the rest is the document. When it parses,
 * it is written compact, pretty (indent 3), ASCII-only and canonical
 * (RFC 8785). Properties:
 *   - every form is written without error (canonical: AVILA_ERANGE only for
 *     a number beyond the double range; every form: AVILA_ELIMIT only past
 *     the writer's depth) and parses back, with strict default options, to
 *     a document equal to the first (canonical: one that parses);
 *   - the canonical form is a fixed point: writing its parse canonically
 *     gives the same bytes;
 *   - the compact form is also a fixed point of compact writing.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/json_roundtrip/.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "data/json.h"
#include "data/json_write.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static int write_doc(struct avila_buf *b, const struct avila_json_doc *doc, unsigned indent,
                     unsigned flags)
{
    struct avila_json_write_options o = {indent, 0, flags};
    struct avila_json_writer w;
    avila_buf_clear(b);
    int rc = avila_json_write_init(&w, b, &o);
    if (rc == 0)
        rc = avila_json_write_value(&w, doc, avila_json_root(doc), avila_allocator_libc());
    return rc != 0 ? rc : avila_json_write_finish(&w);
}

/* Writes doc in one form and checks that the output parses back (equal unless canonical). */
static void check_form(const struct avila_json_doc *doc, struct avila_buf *b, struct avila_buf *b2,
                       unsigned indent, unsigned flags)
{
    const struct avila_allocator *a = avila_allocator_libc();
    const int canonical = (flags & AVILA_JSON_WRITE_CANONICAL) != 0;
    int rc = write_doc(b, doc, indent, flags);
    if (rc == AVILA_ELIMIT || (canonical && rc == AVILA_ERANGE))
        return;
    CHECK(rc == 0);
    struct avila_json_doc again;
    CHECK(avila_json_parse(&again, b->data, b->len, NULL, a, NULL) == 0);
    if (!canonical)
        CHECK(avila_json_equal(avila_json_root(doc), avila_json_root(&again)) == 1);
    if (canonical || flags == 0) {
        CHECK(write_doc(b2, &again, indent, flags) == 0);
        CHECK(b2->len == b->len && memcmp(b2->data, b->data, b->len) == 0);
    }
    avila_json_doc_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct avila_json_options o = {0};
    o.allow_comments = data[0] & 1;
    o.allow_trailing_commas = (data[0] >> 1) & 1;
    o.skip_bom = (data[0] >> 2) & 1;
    o.dup_keys = (enum avila_json_dup_keys)((data[0] >> 3) % 3);
    o.lone_surrogates = (enum avila_json_surrogates)((data[0] >> 5) & 1);
    o.big_numbers = (enum avila_json_big_numbers)((data[0] >> 6) & 1);
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_json_doc doc;
    if (avila_json_parse(&doc, data + 1, size - 1, &o, a, NULL) != 0)
        return 0;
    struct avila_buf b, b2;
    avila_buf_init(&b, a, SIZE_MAX);
    avila_buf_init(&b2, a, SIZE_MAX);
    check_form(&doc, &b, &b2, 0, 0);
    check_form(&doc, &b, &b2, 3, 0);
    check_form(&doc, &b, &b2, 0, AVILA_JSON_WRITE_ASCII);
    check_form(&doc, &b, &b2, 0, AVILA_JSON_WRITE_CANONICAL);
    avila_buf_release(&b);
    avila_buf_release(&b2);
    avila_json_doc_release(&doc);
    return 0;
}
