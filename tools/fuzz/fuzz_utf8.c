/*
 * tools/fuzz/fuzz_utf8.c - libFuzzer harness for core/utf8.
 *
 * Properties, on arbitrary bytes:
 *  - every validation variant (portable, AVX2, AVX-512, as available) keeps
 *    the scan contract of core/utf8_int.h, and the public check under each
 *    gives the same status and offset as a naive model;
 *  - the model: a sequence is valid iff it is the canonical encoding
 *    (avila_utf8_encode) of the value its bit pattern carries (Unicode 15.0
 *    Table 3-7 is exactly the set of such encodings); an unfinished one is
 *    incomplete iff some continuation bytes would make it valid;
 *  - decode walks the input like the model, and re-encoding each decoded code
 *    point gives back its bytes.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "core/utf8.h"
#include "core/utf8_int.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* Length a lead byte announces by its bit pattern (RFC 3629 section 3), 0 if none. */
static int pattern_length(uint8_t b)
{
    return b < 0x80 ? 1 : b < 0xC0 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 0;
}

/* True if s[0..len) is the canonical encoding of the value its bits carry. */
static int canonical(const uint8_t *s, int len)
{
    uint32_t v = s[0] & (len == 1 ? 0x7Fu : 0xFFu >> (len + 1));
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3Fu);
    }
    uint8_t enc[AVILA_UTF8_MAX_LEN];
    return avila_utf8_encode(v, enc) == len && memcmp(enc, s, (size_t)len) == 0;
}

/* Model of decoding one sequence: its length, AVILA_EAGAIN or AVILA_EFORMAT. */
static int model_decode(const uint8_t *s, size_t n)
{
    if (n == 0)
        return AVILA_EAGAIN;
    int len = pattern_length(s[0]);
    if (len == 0)
        return AVILA_EFORMAT;
    if ((size_t)len <= n)
        return canonical(s, len) ? len : AVILA_EFORMAT;
    /* Only the second byte's range depends on the lead: try each continuation there. */
    uint8_t t[AVILA_UTF8_MAX_LEN];
    memcpy(t, s, n);
    for (int second = 0x80; second <= 0xBF; second++) {
        if (n < 2)
            t[1] = (uint8_t)second;
        for (int i = (n < 2 ? 2 : (int)n); i < len; i++)
            t[i] = 0x80;
        if (canonical(t, len))
            return AVILA_EAGAIN;
        if (n >= 2)
            break;
    }
    return AVILA_EFORMAT;
}

static int model_check(const uint8_t *s, size_t n, size_t *valid_len)
{
    size_t i = 0;
    int r = 0;
    while (i < n && (r = model_decode(s + i, n - i)) > 0)
        i += (size_t)r;
    *valid_len = i;
    return i == n ? 0 : r;
}

struct variant {
    uint32_t cpu;
    size_t (*scan)(const uint8_t *s, size_t n);
};

static const struct variant variants[] = {
    {0, avila_utf8_scan_portable},
#if AVILA_X86_64
    {AVILA_CPU_AVX2, avila_utf8_scan_avx2},
    {AVILA_CPU_AVX2 | AVILA_CPU_AVX512F | AVILA_CPU_AVX512BW, avila_utf8_scan_avx512},
#endif
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t want_len;
    int want = model_check(data, size, &want_len);
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        const struct variant *v = &variants[k];
        if ((avila_cpu_detected() & v->cpu) != v->cpu)
            continue;
        size_t b = v->scan(data, size), prefix;
        CHECK((b == size) == (want == 0));
        CHECK(b <= want_len);
        CHECK(model_check(data, b, &prefix) == 0);
        avila_cpu_restrict(v->cpu);
        size_t got_len = 0;
        int got = avila_utf8_check(data, size, &got_len);
        int valid = avila_utf8_validate(data, size);
        avila_cpu_restrict(AVILA_CPU_ALL);
        CHECK(got == want && got_len == want_len);
        CHECK(valid == (want == 0 ? 0 : AVILA_EFORMAT));
    }
    /* Decode as far as the model goes; each code point re-encodes to its bytes. */
    size_t i = 0;
    for (;;) {
        uint32_t cp = 0;
        int r = avila_utf8_decode(data + i, size - i, &cp);
        CHECK(r == (i == size ? AVILA_EAGAIN : model_decode(data + i, size - i)));
        if (r < 0)
            break;
        uint8_t enc[AVILA_UTF8_MAX_LEN];
        CHECK(avila_utf8_encode(cp, enc) == r && memcmp(enc, data + i, (size_t)r) == 0);
        i += (size_t)r;
    }
    CHECK(i == want_len);
    return 0;
}
