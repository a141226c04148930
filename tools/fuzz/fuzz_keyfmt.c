/*
 * tools/fuzz/fuzz_keyfmt.c - libFuzzer harness for the key formats
 * (crypto/keyfmt.h). The input is tried as DER in each of the five
 * formats and through avila_keyfmt_load (PEM or DER). Properties:
 *   - every parser returns 0 or a documented error, never crashes or reads
 *     outside the input;
 *   - a key parsed from DER in a format is written back in that format to
 *     exactly the input bytes (the parsers accept one encoding per key), and
 *     the measured length agrees;
 *   - a key that load finds is written in its format (DER and PEM), and
 *     loading what was written gives the same fields.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/keyfmt/ (keys
 * of every type and format made by openssl, DER and PEM).
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "crypto/keyfmt.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static uint8_t out[AVILA_KEYFMT_DER_MAX], work[AVILA_KEYFMT_DER_MAX], work2[AVILA_KEYFMT_DER_MAX];
static char pem[AVILA_KEYFMT_PEM_MAX];

static int ok_error(int rc)
{
    return rc == AVILA_EFORMAT || rc == AVILA_ELIMIT || rc == AVILA_EUNSUPPORTED ||
           rc == AVILA_ENOSPC || rc == AVILA_ERANGE;
}

static bool same_slice(struct avila_slice a, struct avila_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool same_key(const struct avila_keyfmt_key *a, const struct avila_keyfmt_key *b)
{
    return a->type == b->type && a->has_private == b->has_private &&
           a->ec_inner_params == b->ec_inner_params && same_slice(a->priv, b->priv) &&
           same_slice(a->pub, b->pub) && same_slice(a->n, b->n) && same_slice(a->e, b->e) &&
           same_slice(a->d, b->d) && same_slice(a->p, b->p) && same_slice(a->q, b->q) &&
           same_slice(a->dp, b->dp) && same_slice(a->dq, b->dq) && same_slice(a->qinv, b->qinv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct avila_keyfmt_key key, again;
    size_t len;
    for (int f = AVILA_KEYFMT_PKCS8; f <= AVILA_KEYFMT_RSA_PUBLIC; f++) {
        int rc = avila_keyfmt_parse(&key, f, data, size);
        CHECK(rc == 0 || ok_error(rc));
        if (rc != 0)
            continue;
        CHECK(avila_keyfmt_write(out, sizeof out, &key, f, &len) == 0);
        CHECK(len == size && memcmp(out, data, size) == 0);
    }
    int format = 0;
    int rc = avila_keyfmt_load(&key, &format, data, size, work, sizeof work);
    CHECK(rc == 0 || ok_error(rc));
    if (rc != 0)
        return 0;
    CHECK(format >= AVILA_KEYFMT_PKCS8 && format <= AVILA_KEYFMT_RSA_PUBLIC);
    CHECK(avila_keyfmt_write(out, sizeof out, &key, format, &len) == 0);
    int format2 = 0;
    CHECK(avila_keyfmt_load(&again, &format2, out, len, NULL, 0) == 0);
    CHECK(format2 == format && same_key(&key, &again));
    CHECK(avila_keyfmt_write_pem(pem, sizeof pem, &key, format, work2, sizeof work2, &len) == 0);
    CHECK(avila_keyfmt_load(&again, &format2, pem, len, work2, sizeof work2) == 0);
    CHECK(format2 == format && same_key(&key, &again));
    return 0;
}
