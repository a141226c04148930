/*
 * tools/fuzz/fuzz_fpconv.c - libFuzzer harness for core/fpconv.
 *
 * Properties, on arbitrary bytes:
 *  - avila_fp_parse accepts exactly the RFC 8259 section 6 number grammar
 *    (checked against a plain matcher written here) and rejects the rest
 *    with AVILA_EINVAL, leaving the output untouched;
 *  - for an accepted number: the overflow flag is set iff the result is
 *    infinite; format -> parse and shortest -> parse give the same double
 *    back (-0 formats as "0");
 *  - avila_fp_from_decimal, fed the first 19 significant digits, the
 *    exponent and the "nothing nonzero dropped" flag extracted here, agrees
 *    with the parse whenever it returns 1;
 *  - the first 8 bytes taken as a double's bits: shortest and format
 *    round-trip through parse.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/error.h"
#include "core/fpconv.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Length of the run of digits at s[i..n). */
static size_t digits_at(const uint8_t *s, size_t i, size_t n)
{
    size_t k = i;
    while (k < n && is_digit(s[k]))
        k++;
    return k - i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? over all of s[0..n). */
static int grammar(const uint8_t *s, size_t n)
{
    size_t i = 0, k;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        i += digits_at(s, i, n);
    else
        return 0;
    if (i < n && s[i] == '.') {
        if ((k = digits_at(s, i + 1, n)) == 0)
            return 0;
        i += 1 + k;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((k = digits_at(s, i, n)) == 0)
            return 0;
        i += k;
    }
    return i == n;
}

/* Round trip of a finite double through shortest and format. */
static void check_round_trip(double v)
{
    uint64_t b = bits_of(v);
    char buf[AVILA_FP_FORMAT_MAX];
    size_t n = avila_fp_format(v, buf);
    if ((b & 0x7FF0000000000000u) == 0x7FF0000000000000u) {
        CHECK(n == 0);
        return;
    }
    CHECK(n >= 1 && n <= AVILA_FP_FORMAT_MAX);
    double back;
    CHECK(avila_fp_parse(buf, n, &back, NULL) == AVILA_OK);
    CHECK(bits_of(back) == ((b << 1) == 0 ? 0 : b));
    char d[17 + 8];
    int e;
    int k = avila_fp_shortest(v, d, &e);
    if ((b << 1) == 0) {
        CHECK(k == 0);
        return;
    }
    CHECK(k >= 1 && k <= 17 && d[0] != '0' && d[k - 1] != '0');
    /* "d.ddde<exp>" */
    char t[48];
    size_t len = 0;
    t[len++] = d[0];
    t[len++] = '.';
    memcpy(t + len, d + 1, (size_t)(k - 1));
    len += (size_t)(k - 1);
    if (k == 1)
        t[len++] = '0';
    t[len++] = 'e';
    if (e < 0)
        t[len++] = '-';
    unsigned x = (unsigned)(e < 0 ? -e : e);
    t[len++] = (char)('0' + x / 100);
    t[len++] = (char)('0' + x / 10 % 10);
    t[len++] = (char)('0' + x % 10);
    CHECK(avila_fp_parse(t, len, &back, NULL) == AVILA_OK);
    CHECK(bits_of(back) == (b & ~(UINT64_C(1) << 63)));
}

/* Extracts what a JSON scanner would pass to avila_fp_from_decimal. */
static void check_from_decimal(const uint8_t *s, size_t n, double parsed)
{
    size_t i = 0;
    int negative = s[0] == '-';
    i += (size_t)negative;
    uint64_t m = 0;
    int nd = 0, exact = 1;
    int64_t adjust = 0, exp10 = 0;
    int seen_point = 0;
    for (; i < n && (is_digit(s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            seen_point = 1;
            continue;
        }
        int d = s[i] - '0';
        if (nd == 0 && d == 0) {
            adjust -= seen_point;
        } else if (nd < 19) {
            m = m * 10 + (uint64_t)d;
            nd++;
            adjust -= seen_point;
        } else {
            adjust += !seen_point;
            exact &= d == 0;
        }
    }
    if (i < n) {
        int eneg = 0;
        i++;
        if (s[i] == '+' || s[i] == '-')
            eneg = s[i++] == '-';
        for (; i < n; i++) {
            if (exp10 > 1000000000)
                return; /* beyond what this check bothers with */
            exp10 = exp10 * 10 + (s[i] - '0');
        }
        if (eneg)
            exp10 = -exp10;
    }
    double v;
    if (avila_fp_from_decimal(negative, m, exp10 + adjust, exact, &v))
        CHECK(bits_of(v) == bits_of(parsed));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double v = 12345.0;
    int overflow = 7;
    int rc = avila_fp_parse((const char *)data, size, &v, &overflow);
    int valid = grammar(data, size);
    CHECK(rc == (valid ? AVILA_OK : AVILA_EINVAL));
    if (rc != AVILA_OK) {
        CHECK(v == 12345.0 && overflow == 7);
    } else {
        uint64_t b = bits_of(v) & ~(UINT64_C(1) << 63);
        CHECK(overflow == (b == 0x7FF0000000000000u));
        CHECK((bits_of(v) >> 63) == (data[0] == '-'));
        check_round_trip(v);
        check_from_decimal(data, size, v);
    }
    if (size >= 8) {
        uint64_t b;
        memcpy(&b, data, 8);
        double x;
        memcpy(&x, &b, 8);
        check_round_trip(x);
    }
    return 0;
}
