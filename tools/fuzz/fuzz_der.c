/*
 * tools/fuzz/fuzz_der.c - libFuzzer harness for the DER reader and writer
 * (crypto/der.h) and the ECDSA signature conversion (crypto/keyfmt.h).
 * Properties:
 *   - the reader returns 0 or AVILA_EFORMAT / AVILA_ELIMIT / AVILA_ERANGE,
 *     never crashes or reads outside the input;
 *   - the input is walked element by element with an explicit stack (no
 *     recursion), universal types checked by their typed readers; when the
 *     whole input parses, the writer rebuilds it from the parsed values
 *     (INTEGERs from their magnitude or int64, BIT STRINGs from bits and
 *     unused count, constructed elements through begin/end) and the bytes
 *     MUST be identical: DER has one encoding per value;
 *   - an input accepted as an ECDSA signature for 32-byte scalars converts
 *     back to the same bytes.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/der/ (key
 * files openssl made, in DER, signatures, and X.690 corner cases).
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "crypto/der.h"
#include "crypto/keyfmt.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define DEPTH 32

static uint8_t out[1 << 16];

/* Rewrites one primitive element from its parsed value; returns 0, or <0 if its content is not DER.
 */
static int rewrite_primitive(struct avila_der_writer *w, const struct avila_der_tlv *t)
{
    struct avila_slice s;
    unsigned unused;
    bool b;
    int64_t i64;
    int rc;
    switch (t->tag) {
    case AVILA_DER_INTEGER:
        rc = avila_der_integer_value(t->value, &s);
        if (rc == 0)
            return avila_der_write_integer(w, s.ptr, s.len);
        if (rc != AVILA_ERANGE)
            return rc;
        rc = avila_der_i64_value(t->value, &i64);
        if (rc == 0)
            return avila_der_write_i64(w, i64);
        /* A negative integer beyond 64 bits: its bytes as they are. */
        return rc == AVILA_ERANGE ? avila_der_write_tlv(w, t->tag, t->value.ptr, t->value.len) : rc;
    case AVILA_DER_BIT_STRING:
        rc = avila_der_bits_value(t->value, &s, &unused);
        return rc != 0 ? rc : avila_der_write_bits(w, s.ptr, s.len, unused);
    case AVILA_DER_BOOLEAN:
        rc = avila_der_bool_value(t->value, &b);
        return rc != 0 ? rc : avila_der_write_bool(w, b);
    case AVILA_DER_NULL:
        return t->value.len != 0 ? AVILA_EFORMAT : avila_der_write_null(w);
    case AVILA_DER_OID:
        rc = avila_der_oid_value(t->value);
        return rc != 0 ? rc : avila_der_write_oid(w, t->value.ptr, t->value.len);
    default:
        return avila_der_write_tlv(w, t->tag, t->value.ptr, t->value.len);
    }
}

static void check_structure(const uint8_t *data, size_t size)
{
    struct avila_der stack[DEPTH];
    size_t marks[DEPTH], depth = 0;
    struct avila_der_writer w;
    avila_der_writer_init(&w, out, sizeof out);
    avila_der_init(&stack[0], data, size);
    for (;;) {
        if (avila_der_at_end(&stack[depth])) {
            if (depth == 0)
                break;
            avila_der_end(&w, marks[--depth]);
            continue;
        }
        struct avila_der_tlv t;
        uint32_t peeked;
        const int pk = avila_der_peek(&stack[depth], &peeked);
        const int rc = avila_der_read(&stack[depth], &t);
        CHECK(rc == 0 || rc == AVILA_EFORMAT || rc == AVILA_ELIMIT);
        CHECK((pk == 1) == (rc == 0));
        if (rc != 0)
            return;
        CHECK(peeked == t.tag);
        CHECK(t.raw.ptr >= data && t.raw.ptr + t.raw.len <= data + size);
        CHECK(t.value.ptr + t.value.len == t.raw.ptr + t.raw.len);
        if (AVILA_DER_TAG_BITS(t.tag) & AVILA_DER_CONSTRUCTED) {
            if (depth + 1 == DEPTH)
                return;
            CHECK(avila_der_begin(&w, t.tag, &marks[depth]) == 0);
            avila_der_init(&stack[++depth], t.value.ptr, t.value.len);
            continue;
        }
        int wrc = rewrite_primitive(&w, &t);
        if (wrc == AVILA_EFORMAT)
            return;
        CHECK(wrc == 0);
    }
    size_t len;
    CHECK(avila_der_writer_finish(&w, &len) == 0);
    CHECK(len == size && memcmp(out, data, size) == 0);
}

static void check_ecdsa(const uint8_t *data, size_t size)
{
    uint8_t rs[64], der[AVILA_KEYFMT_ECDSA_DER_MAX(32)];
    size_t len;
    int rc = avila_keyfmt_ecdsa_sig_from_der(rs, 32, data, size);
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    if (rc != 0)
        return;
    CHECK(avila_keyfmt_ecdsa_sig_to_der(der, sizeof der, rs, 32, &len) == 0);
    CHECK(len == size && memcmp(der, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > sizeof out)
        return 0;
    check_structure(data, size);
    check_ecdsa(data, size);
    return 0;
}
