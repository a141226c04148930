/*
 * tools/fuzz/fuzz_json_write.c - libFuzzer harness for data/json_write.h.
 *
 * The input is a script of writer calls, misuse included:
 *   byte 0   options: bits 0-1 indent (0, 1, 2, 4), bit 2 ASCII, bit 3
 *            canonical, bits 4-5 max_depth (default, 1, 2, 40), bit 6 a
 *            fixed buffer whose capacity is byte 1 times 13 (else byte 1 is
 *            ignored)
 *   then     one call per byte: the byte's low 4 bits pick it; key, string
 *            and number text take a length byte and that many bytes of the
 *            script (cut at its end), int64/uint64/double take 8 bytes
 * Properties:
 *  - the portable kernel and the fastest one the CPU has (AVX-512 or AVX2) give the
 *    same results and the same bytes;
 *  - errors are sticky: after the first failing call every call returns the
 *    same code, and no failing call changes the buffer's length;
 *  - a fixed buffer never holds more than its capacity, nothing is written
 *    past it (a guard region is checked) and its bytes are a prefix of the
 *    growable buffer's;
 *  - when finish succeeds, the output is well-formed UTF-8, brackets and
 *    quotes balance with strings taken into account, it has no raw control
 *    characters (outside pretty whitespace), and in ASCII mode only
 *    printable ASCII. (Full well-formedness is checked against Python's
 *    json in tests/data/test_json_write_python.sh.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/utf8.h"
#include "data/json_write.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_RESULTS 4096
#define GUARD       64

struct run {
    int rc[MAX_RESULTS];
    size_t calls;
    int finished; /* finish returned 0 */
};

static uint64_t take64(const uint8_t *d, size_t size, size_t *i)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = v << 8 | (*i < size ? d[(*i)++] : 0);
    return v;
}

static int one_call(struct avila_json_writer *w, const uint8_t *d, size_t size, size_t *i)
{
    uint8_t op = d[(*i)++] & 15;
    size_t n = 0;
    const uint8_t *p = NULL;
    if (op == 4 || op == 5 || op == 9) {
        n = *i < size ? d[(*i)++] : 0;
        if (n > size - *i)
            n = size - *i;
        p = d + *i;
        *i += n;
    }
    switch (op) {
    case 0:
        return avila_json_write_object_begin(w);
    case 1:
        return avila_json_write_object_end(w);
    case 2:
        return avila_json_write_array_begin(w);
    case 3:
        return avila_json_write_array_end(w);
    case 4:
        return avila_json_write_key(w, p, n);
    case 5:
        return avila_json_write_string(w, p, n);
    case 6:
        return avila_json_write_int64(w, (int64_t)take64(d, size, i));
    case 7:
        return avila_json_write_uint64(w, take64(d, size, i));
    case 8: {
        uint64_t bits = take64(d, size, i);
        double v;
        memcpy(&v, &bits, sizeof v);
        return avila_json_write_double(w, v);
    }
    case 9:
        return avila_json_write_number_text(w, p, n);
    case 10:
        return avila_json_write_bool(w, (d[*i - 1] & 16) != 0);
    case 11:
        return avila_json_write_null(w);
    case 12:
        return avila_json_write_finish(w);
    default: /* more of the common shapes: a short key, a short string */
        return op == 13 ? avila_json_write_key(w, "k", 1) : avila_json_write_string(w, "v", 1);
    }
}

/* Runs the script into b; checks stickiness and that failing calls write nothing. */
static void run_script(struct run *r, struct avila_buf *b, const uint8_t *d, size_t size)
{
    struct avila_json_writer w;
    struct avila_json_write_options o = {0, 0, 0};
    static const unsigned indents[4] = {0, 1, 2, 4}, depths[4] = {0, 1, 2, 40};
    o.indent = indents[d[0] & 3];
    o.flags = (d[0] & 4 ? AVILA_JSON_WRITE_ASCII : 0) | (d[0] & 8 ? AVILA_JSON_WRITE_CANONICAL : 0);
    o.max_depth = depths[d[0] >> 4 & 3];
    int first = avila_json_write_init(&w, b, &o);
    r->calls = 0;
    r->finished = 0;
    size_t i = 2;
    while (i < size && r->calls < MAX_RESULTS) {
        size_t before = b->len;
        int rc = one_call(&w, d, size, &i);
        r->rc[r->calls++] = rc;
        if (rc != 0)
            CHECK(b->len == before);
        if (first != 0)
            CHECK(rc == first);
        else if (rc != 0)
            first = rc;
        CHECK(avila_json_write_error(&w) == first);
    }
    r->finished = first == 0 && avila_json_write_finish(&w) == 0;
}

/* Balance, UTF-8 and character checks on a finished document. */
static void check_output(const uint8_t *t, size_t n, unsigned flags, unsigned indent)
{
    CHECK(avila_utf8_validate(t, n) == 0);
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = t[i];
        CHECK(c >= 0x20 || (indent != 0 && c == '\n' && !in_string));
        if (flags & AVILA_JSON_WRITE_ASCII)
            CHECK(c < 0x7F);
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped character, never the closing quote */
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"')
            in_string = 1;
        else if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}')
            CHECK(--depth >= 0);
        else if (c == ' ')
            CHECK(indent != 0);
    }
    CHECK(!in_string && depth == 0 && n > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run growable, other;
    if (size < 2)
        return 0;
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), (size_t)1 << 24);

    avila_cpu_restrict(0);
    run_script(&growable, &b, data, size);
    if (growable.finished)
        check_output(b.data, b.len, (data[0] & 4) ? AVILA_JSON_WRITE_ASCII : 0, (data[0] & 3) != 0);

    /* The dispatcher's choice (AVX-512 or AVX2 when present) must agree exactly. */
    avila_cpu_restrict(AVILA_CPU_ALL);
    struct avila_buf b2;
    avila_buf_init(&b2, avila_allocator_libc(), (size_t)1 << 24);
    run_script(&other, &b2, data, size);
    CHECK(other.calls == growable.calls && other.finished == growable.finished);
    CHECK(memcmp(other.rc, growable.rc, growable.calls * sizeof growable.rc[0]) == 0);
    CHECK(b2.len == b.len && (b.len == 0 || memcmp(b2.data, b.data, b.len) == 0));
    avila_buf_release(&b2);

    if (data[0] & 64) {
        size_t cap = (size_t)data[1] * 13;
        uint8_t *mem = malloc(cap + GUARD);
        CHECK(mem != NULL);
        memset(mem, 0xA5, cap + GUARD);
        struct avila_buf f;
        avila_buf_init_fixed(&f, mem, cap);
        run_script(&other, &f, data, size);
        CHECK(f.len <= cap && f.len <= b.len);
        CHECK(f.len == 0 || memcmp(mem, b.data, f.len) == 0);
        for (size_t i = cap; i < cap + GUARD; i++)
            CHECK(mem[i] == 0xA5);
        /* Up to the first call that ran out of room, the same results. */
        for (size_t k = 0; k < other.calls && other.rc[k] != AVILA_ENOMEM; k++)
            CHECK(other.rc[k] == growable.rc[k]);
        if (b.len <= cap)
            CHECK(other.finished == growable.finished && f.len == b.len);
        free(mem);
    }
    avila_buf_release(&b);
    return 0;
}
