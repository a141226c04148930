/*
 * tests/core/test_fpconv.c - core/fpconv: known answers for parsing
 * (tests/vectors/fpconv/parse.txt, from python3's float()), the grammar,
 * saturation and huge inputs, ECMAScript formatting examples, and the
 * properties over random bit patterns: shortest digits parse back to the
 * same double and one digit fewer never does. AVILA_FPCONV_COUNT sets how
 * many random patterns (default 2,000,000). libc's strtod is an extra
 * oracle for random decimal text.
 */
#include "tests/support/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/fpconv.h"
#include "core/fpconv_int.h"

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* Parses a NUL-terminated string; fails the test unless it is accepted. */
static uint64_t parse_ok(const char *s, int *overflow)
{
    double v = -1.0;
    int rc = avila_fp_parse(s, strlen(s), &v, overflow);
    if (rc != AVILA_OK)
        fail_msg("avila_fp_parse rejected \"%.60s\": %d", s, rc);
    return bits_of(v);
}

/* Copies s into a buffer that ends at a guard page and parses it there. */
static int parse_guarded(const char *s, size_t n, double *out)
{
    char *p = unit_guarded_alloc(n);
    memcpy(p, s, n);
    int rc = avila_fp_parse(p, n, out, NULL);
    unit_guarded_free(p, n);
    return rc;
}

/* ---------------------------------------------------------------- known answers */

static void parse_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "fpconv/parse.txt");
    while (tv_next(&tv)) {
        const char *in = tv_str(&tv, "in");
        uint64_t want = strtoull(tv_str(&tv, "bits"), NULL, 16);
        int overflow = -1;
        uint64_t got = parse_ok(in, &overflow);
        if (got != want)
            fail_msg("%s (line %d): got %016llx want %016llx", tv_str(&tv, "name"), tv.line,
                     (unsigned long long)got, (unsigned long long)want);
        assert_int_equal(overflow, (want & ~(UINT64_C(1) << 63)) == UINT64_C(0x7FF0000000000000));
        double v;
        assert_int_equal(parse_guarded(in, strlen(in), &v), AVILA_OK);
        assert_true(bits_of(v) == want);
        /* Every proper prefix is either a number or rejected, never a crash. */
        for (size_t n = 0; n < strlen(in) && n < 40; n++) {
            int rc = parse_guarded(in, n, &v);
            assert_true(rc == AVILA_OK || rc == AVILA_EINVAL);
        }
        count++;
    }
    tv_close(&tv);
    assert_true(count >= 50);
}

static void parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",     "-",   "+1",    "01",   "-01",  "00",   ".5",       "1.",  "1.e5", "1e",
        "1e+",  "1e-", "1E+-1", "--1",  "- 1",  " 1",   "1 ",       "inf", "nan",  "NaN",
        "0x10", "1,5", "1.5.2", "1e5e", "1e5.", "1ee5", "Infinity", "-.5", "0.e1", "1.0e",
        "1_0",  "١",   "1e1a",  "0-",   "1\n",  "e5",   "-e5",      "-0.", "1.5f", "0..1",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        double v = 42.0;
        int overflow = 7;
        int rc = avila_fp_parse(bad[i], strlen(bad[i]), &v, &overflow);
        if (rc != AVILA_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(v == 42.0); /* untouched */
    }
    /* An embedded NUL ends nothing: the length rules. */
    double v = 0;
    assert_int_equal(avila_fp_parse("1\0", 2, &v, NULL), AVILA_EINVAL);
    assert_int_equal(avila_fp_parse("12", 1, &v, NULL), AVILA_OK);
    assert_true(v == 1.0);
}

static void parse_exponent_saturates(void **state)
{
    (void)state;
    int overflow = 0;
    assert_true(parse_ok("1e99999999999999999999999999999999999999", &overflow) ==
                UINT64_C(0x7FF0000000000000));
    assert_int_equal(overflow, 1);
    assert_true(parse_ok("-1e9223372036854775807", &overflow) == UINT64_C(0xFFF0000000000000));
    assert_int_equal(overflow, 1);
    assert_true(parse_ok("1e9223372036854775808", &overflow) == UINT64_C(0x7FF0000000000000));
    assert_true(parse_ok("1e-99999999999999999999999999999999999999", &overflow) == 0);
    assert_int_equal(overflow, 0);
    assert_true(parse_ok("-1e-9223372036854775809", &overflow) == UINT64_C(1) << 63);
    assert_true(parse_ok("0e99999999999999999999999999", &overflow) == 0);
    assert_int_equal(overflow, 0);
    /* A long mantissa against a large exponent: 10^-400 * 10^401 = 10. */
    char *s = malloc(1000);
    assert_non_null(s);
    memset(s, '0', 401);
    s[1] = '.';
    memcpy(s + 401, "1e401", 6);
    assert_true(double_of(parse_ok(s, NULL)) == 10.0);
    free(s);
}

/* Builds prefix, n copies of fill, suffix in a new buffer. */
static char *build(const char *prefix, char fill, size_t n, const char *suffix, size_t *len)
{
    size_t a = strlen(prefix), b = strlen(suffix);
    char *s = malloc(a + n + b + 1);
    assert_non_null(s);
    snprintf(s, a + 1, "%s", prefix);
    memset(s + a, fill, n);
    memcpy(s + a + n, suffix, b + 1);
    *len = a + n + b;
    return s;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void parse_huge_inputs(void **state)
{
    (void)state;
    const size_t n = 10u << 20;
    size_t len;
    double v;
    double t0 = seconds();

    /* "0.000...0001": 10^-(n+1) is zero; scaled back up it is 1. */
    char *s = build("0.", '0', n, "1", &len);
    assert_int_equal(avila_fp_parse(s, len, &v, NULL), AVILA_OK);
    assert_true(bits_of(v) == 0);
    free(s);
    char tail[64];
    snprintf(tail, sizeof tail, "1e%zu", n + 1);
    s = build("0.", '0', n, tail, &len);
    assert_int_equal(avila_fp_parse(s, len, &v, NULL), AVILA_OK);
    assert_true(v == 1.0);
    free(s);

    /* "1000...000e-n" is 1; and with a 1 at the end it is still 1. */
    snprintf(tail, sizeof tail, "e-%zu", n);
    s = build("1", '0', n, tail, &len);
    assert_int_equal(avila_fp_parse(s, len, &v, NULL), AVILA_OK);
    assert_true(v == 1.0);
    free(s);

    /* 2^53 + 1 followed by millions of zeros then a 1: just above the
     * halfway point, so it rounds up, decided by the last digit. */
    s = build("9007199254740993.", '0', n, "1", &len);
    assert_int_equal(avila_fp_parse(s, len, &v, NULL), AVILA_OK);
    assert_true(v == 9007199254740994.0);
    s[len - 1] = '0';
    assert_int_equal(avila_fp_parse(s, len, &v, NULL), AVILA_OK);
    assert_true(v == 9007199254740992.0);
    free(s);

    /* Ten million digits of integer: overflows. */
    int overflow = 0;
    s = build("7", '3', n, "", &len);
    assert_int_equal(avila_fp_parse(s, len, &v, &overflow), AVILA_OK);
    assert_int_equal(overflow, 1);
    free(s);

    /* Linear: all of the above (about 60 MB scanned) in well under a second. */
    double dt = seconds() - t0;
    print_message("huge inputs: %.3f s\n", dt);
    assert_true(dt < 5.0);
}

/* ---------------------------------------------------------------- shortest and format */

static void shortest_known(void **state)
{
    (void)state;
    /* Expected digits from python3 repr() of the same doubles. */
    static const struct {
        uint64_t bits;
        const char *digits;
        int exp10;
    } cases[] = {
        {UINT64_C(0x0000000000000001), "5", -324},
        {UINT64_C(0x7FEFFFFFFFFFFFFF), "17976931348623157", 308},
        {UINT64_C(0x0010000000000000), "22250738585072014", -308},
        {UINT64_C(0x000FFFFFFFFFFFFF), "2225073858507201", -308},
        {UINT64_C(0x3FB999999999999A), "1", -1},
        {UINT64_C(0x44B52D02C7E14AF6), "1", 23},
        {UINT64_C(0x4340000000000000), "9007199254740992", 15},
        {UINT64_C(0x3FF0000000000000), "1", 0},
        {UINT64_C(0x3CB0000000000000), "2220446049250313", -16},
        {UINT64_C(0x4370000000000000), "7205759403792794", 16},
        {UINT64_C(0x3FD5555555555555), "3333333333333333", -1},
        {UINT64_C(0x7FE0000000000000), "898846567431158", 307},
        {UINT64_C(0xC00921FB54442D18), "3141592653589793", 0},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        char d[17];
        int e = 0;
        int n = avila_fp_shortest(double_of(cases[i].bits), d, &e);
        if (n != (int)strlen(cases[i].digits) || memcmp(d, cases[i].digits, (size_t)n) != 0 ||
            e != cases[i].exp10)
            fail_msg("%016llx: got %.*s e%d want %s e%d", (unsigned long long)cases[i].bits, n, d,
                     e, cases[i].digits, cases[i].exp10);
    }
    char d[17];
    int e = 12345;
    assert_int_equal(avila_fp_shortest(0.0, d, &e), 0);
    assert_int_equal(avila_fp_shortest(-0.0, d, &e), 0);
    assert_int_equal(avila_fp_shortest(double_of(UINT64_C(0x7FF0000000000000)), d, &e), 0);
    assert_int_equal(avila_fp_shortest(double_of(UINT64_C(0x7FF8000000000000)), d, &e), 0);
    assert_int_equal(e, 12345);
}

static void format_known(void **state)
{
    (void)state;
    /* ECMA-262 Number::toString(x) radix 10; the texts are what the
     * specification's steps give, as JavaScript engines print them. */
    static const struct {
        uint64_t bits;
        const char *text;
    } cases[] = {
        {UINT64_C(0x0000000000000000), "0"},
        {UINT64_C(0x8000000000000000), "0"},
        {UINT64_C(0x3FF0000000000000), "1"},
        {UINT64_C(0xBFF8000000000000), "-1.5"},
        {UINT64_C(0x4059000000000000), "100"},
        {UINT64_C(0x3FB999999999999A), "0.1"},
        {UINT64_C(0x3EB0C6F7A0B5ED8D), "0.000001"},
        {UINT64_C(0x3E7AD7F29ABCAF48), "1e-7"},
        {UINT64_C(0x3E8421F5F40D8376), "1.5e-7"},
        {UINT64_C(0x3EB4B6231ABFD271), "0.0000012345"},
        {UINT64_C(0x3EB92A737110E454), "0.0000015"},
        {UINT64_C(0x3EE4F8B588E368F1), "0.00001"},
        {UINT64_C(0x444B1AE4D6E2EF50), "1e+21"},
        {UINT64_C(0x444B1AE4D6E2EF4F), "999999999999999900000"},
        {UINT64_C(0x4415AF1D78B58C40), "100000000000000000000"},
        {UINT64_C(0x441AC53A7E04BCDA), "123456789012345680000"},
        {UINT64_C(0x0000000000000001), "5e-324"},
        {UINT64_C(0x8000000000000001), "-5e-324"},
        {UINT64_C(0x7FEFFFFFFFFFFFFF), "1.7976931348623157e+308"},
        {UINT64_C(0x44B52D02C7E14AF6), "1e+23"},
        {UINT64_C(0x3FD5555555555555), "0.3333333333333333"},
        {UINT64_C(0x4340000000000000), "9007199254740992"},
        {UINT64_C(0xC00921FB54442D18), "-3.141592653589793"},
        {UINT64_C(0x3CB0000000000000), "2.220446049250313e-16"},
        {UINT64_C(0xBEB4B66DC01EC6FB), "-0.0000012345678901234567"},
        {UINT64_C(0x4202A05F20000000), "10000000000"},
        {UINT64_C(0x0010000000000000), "2.2250738585072014e-308"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        char buf[AVILA_FP_FORMAT_MAX + 1];
        memset(buf, 'x', sizeof buf);
        size_t n = avila_fp_format(double_of(cases[i].bits), buf);
        assert_true(n <= AVILA_FP_FORMAT_MAX);
        assert_true(buf[AVILA_FP_FORMAT_MAX] == 'x');
        if (n != strlen(cases[i].text) || memcmp(buf, cases[i].text, n) != 0)
            fail_msg("%016llx: got \"%.*s\" want \"%s\"", (unsigned long long)cases[i].bits, (int)n,
                     buf, cases[i].text);
    }
    char buf[AVILA_FP_FORMAT_MAX];
    assert_int_equal(avila_fp_format(double_of(UINT64_C(0x7FF0000000000000)), buf), 0);
    assert_int_equal(avila_fp_format(double_of(UINT64_C(0xFFF0000000000000)), buf), 0);
    assert_int_equal(avila_fp_format(double_of(UINT64_C(0x7FF8000000000001)), buf), 0);
}

/* ---------------------------------------------------------------- properties */

static uint64_t count_from_env(void)
{
    const char *s = getenv("AVILA_FPCONV_COUNT");
    return s && *s ? strtoull(s, NULL, 10) : 2000000;
}

/* A random finite nonzero pattern, every exponent class in turn. */
static uint64_t random_pattern(uint64_t *rng, uint64_t i)
{
    uint64_t b = unit_rand(rng);
    switch (i % 8) {
    case 0: /* subnormal */
        b &= UINT64_C(0x800FFFFFFFFFFFFF);
        b >>= unit_rand(rng) % 52;
        break;
    case 1: /* a power of two (the irregular intervals) */
        b &= UINT64_C(0xFFF0000000000000);
        break;
    case 2: /* an integer below 2^53 */
        b = bits_of((double)(unit_rand(rng) >> (11 + unit_rand(rng) % 53)));
        break;
    case 3: /* few significant bits: short decimals */
        b &= UINT64_C(0xFFFFFF0000000000);
        break;
    case 4: /* near the top and the bottom of the range */
        b = (b & UINT64_C(0x800FFFFFFFFFFFFF)) |
            (unit_rand(rng) & 1 ? UINT64_C(0x7FE) - unit_rand(rng) % 8 : 1 + unit_rand(rng) % 8)
                << 52;
        break;
    default:
        break;
    }
    if ((b & UINT64_C(0x7FF0000000000000)) == UINT64_C(0x7FF0000000000000) ||
        (b & ~(UINT64_C(1) << 63)) == 0)
        b = UINT64_C(0x3FF0000000000001);
    return b;
}

/* Writes digits d[0..n) as "d.ddd e exp" text; returns its length. */
static size_t sci(char *buf, const char *d, int n, int exp10)
{
    size_t i = 0;
    buf[i++] = d[0];
    if (n > 1) {
        buf[i++] = '.';
        memcpy(buf + i, d + 1, (size_t)(n - 1));
        i += (size_t)(n - 1);
    }
    return i + (size_t)snprintf(buf + i, 16, "e%d", exp10);
}

/* Does d[0..n) 10^(exp10 - n + 1) parse to bits? */
static int round_trips(const char *d, int n, int exp10, uint64_t bits)
{
    char buf[48];
    size_t len = sci(buf, d, n, exp10);
    double v;
    assert_int_equal(avila_fp_parse(buf, len, &v, NULL), AVILA_OK);
    return bits_of(v) == bits;
}

static void shortest_round_trips_and_is_shortest(void **state)
{
    (void)state;
    uint64_t rng = 0x5EED0F1C0DE5ULL, count = count_from_env();
    for (uint64_t i = 0; i < count; i++) {
        uint64_t b = random_pattern(&rng, i) & ~(UINT64_C(1) << 63);
        char d[17];
        int e;
        int n = avila_fp_shortest(double_of(b), d, &e);
        assert_true(n >= 1 && n <= 17);
        assert_true(d[0] != '0' && d[n - 1] != '0');
        if (!round_trips(d, n, e, b))
            fail_msg("%016llx: %.*s e%d does not round-trip", (unsigned long long)b, n, d, e);
        if (n == 1)
            continue;
        /* n - 1 digits: the two nearest, truncated and truncated + 1 in the
         * last place, are the only candidates; neither may round-trip. */
        char t[18];
        memcpy(t, d, (size_t)(n - 1));
        int tn = n - 1, te = e;
        if (round_trips(t, tn, te, b))
            fail_msg("%016llx: %.*s e%d is shorter", (unsigned long long)b, tn, t, te);
        int k = tn - 1;
        while (k >= 0 && t[k] == '9')
            t[k--] = '0';
        if (k < 0) {
            t[0] = '1';
            te++;
        } else {
            t[k]++;
        }
        if (round_trips(t, tn, te, b))
            fail_msg("%016llx: %.*s e%d is shorter", (unsigned long long)b, tn, t, te);
    }
}

static void format_round_trips(void **state)
{
    (void)state;
    uint64_t rng = 0xF0F0F0F0ULL, count = count_from_env() / 8;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t b = random_pattern(&rng, i);
        char buf[AVILA_FP_FORMAT_MAX];
        size_t n = avila_fp_format(double_of(b), buf);
        assert_true(n >= 1 && n <= AVILA_FP_FORMAT_MAX);
        double v;
        assert_int_equal(avila_fp_parse(buf, n, &v, NULL), AVILA_OK);
        if (bits_of(v) != b)
            fail_msg("%016llx: \"%.*s\"", (unsigned long long)b, (int)n, buf);
    }
}

/* Random decimal text against libc's strtod (glibc rounds correctly). */
static void parse_matches_strtod(void **state)
{
    (void)state;
    uint64_t rng = 0xABCDEF12ULL, count = count_from_env() / 8;
    char buf[900];
    for (uint64_t i = 0; i < count; i++) {
        size_t pos = 0;
        int nd = 1 + (int)(unit_rand(&rng) % (i % 64 == 0 ? 780 : 24));
        int ip = (int)(unit_rand(&rng) % (uint64_t)(nd + 1));
        if (unit_rand(&rng) & 1)
            buf[pos++] = '-';
        if (ip == 0)
            buf[pos++] = '0';
        for (int j = 0; j < ip; j++)
            buf[pos++] = (char)('0' + (j == 0 ? 1 + unit_rand(&rng) % 9 : unit_rand(&rng) % 10));
        if (nd > ip) {
            buf[pos++] = '.';
            for (int j = ip; j < nd; j++)
                buf[pos++] = (char)('0' + unit_rand(&rng) % 10);
        }
        if (unit_rand(&rng) % 4)
            pos += (size_t)snprintf(buf + pos, 16, "e%d", (int)(unit_rand(&rng) % 700) - 350);
        buf[pos] = '\0';
        double v;
        assert_int_equal(avila_fp_parse(buf, pos, &v, NULL), AVILA_OK);
        double want = strtod(buf, NULL);
        if (bits_of(v) != bits_of(want))
            fail_msg("\"%s\": got %.17g want %.17g", buf, v, want);
    }
}

/* avila_fp_from_decimal agrees with parse whenever it decides. */
static void from_decimal_agrees(void **state)
{
    (void)state;
    uint64_t rng = 0x77777ULL, count = count_from_env() / 8, decided = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t m = unit_rand(&rng) >> (unit_rand(&rng) % 64);
        if (m >= UINT64_C(10000000000000000000))
            m /= 10;
        int64_t e = (int64_t)(unit_rand(&rng) % 720) - 360;
        int exact = (int)(unit_rand(&rng) & 1);
        int neg = (int)(unit_rand(&rng) & 1);
        if (!exact && m < UINT64_C(1000000000000000000))
            exact = 1; /* an inexact mantissa has all 19 digits */
        double got;
        if (!avila_fp_from_decimal(neg, m, e, exact, &got))
            continue;
        decided++;
        char buf[64];
        /* Inexact: the dropped digits are some nonzero tail, "5" here. */
        int len = snprintf(buf, sizeof buf, "%s%llu%se%lld", neg ? "-" : "", (unsigned long long)m,
                           exact ? "" : "5", (long long)(exact ? e : e - 1));
        double want;
        assert_int_equal(avila_fp_parse(buf, (size_t)len, &want, NULL), AVILA_OK);
        if (bits_of(got) != bits_of(want))
            fail_msg("%s: from_decimal %.17g parse %.17g", buf, got, want);
    }
    assert_true(decided > count * 9 / 10);
    /* The known limits: zero mantissas, exponents out of range. */
    double v = 1;
    assert_int_equal(avila_fp_from_decimal(1, 0, 5, 1, &v), 1);
    assert_true(bits_of(v) == UINT64_C(1) << 63);
    assert_int_equal(avila_fp_from_decimal(0, 1, 400, 1, &v), 1);
    assert_true(bits_of(v) == UINT64_C(0x7FF0000000000000));
    assert_int_equal(avila_fp_from_decimal(0, 9999999999999999999u, -400, 0, &v), 1);
    assert_true(bits_of(v) == 0);
    assert_int_equal(avila_fp_from_decimal(0, 1, INT64_MIN, 1, &v), 1);
    assert_int_equal(avila_fp_from_decimal(0, 1, INT64_MAX, 1, &v), 1);
    /* 2^53 + 1 written with one more digit: exactly halfway; undecided. */
    assert_int_equal(avila_fp_from_decimal(0, 90071992547409930u, -1, 1, &v), 0);
    assert_int_equal(avila_fp_from_decimal(0, 9007199254740993u, 0, 1, &v), 1);
    assert_true(v == 9007199254740992.0);
}

/* avila_fp_decide on the vectors, given the answer or the double below it. */
static void decide_from_either_neighbour(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "fpconv/parse.txt");
    while (tv_next(&tv)) {
        const char *in = tv_str(&tv, "in");
        uint64_t want = strtoull(tv_str(&tv, "bits"), NULL, 16) & ~(UINT64_C(1) << 63);
        if (want == UINT64_C(0x7FF0000000000000) || strchr(in, 'e') || strchr(in, 'E'))
            continue;
        /* The digits after the sign and leading zeros, the exponent of the last. */
        const char *p = in + (in[0] == '-');
        const char *dot = strchr(p, '.');
        size_t frac = dot ? strlen(dot + 1) : 0;
        while (*p == '0' || *p == '.')
            p++;
        size_t nd = strlen(p) - (dot && p < dot);
        if (nd == 0 || nd > AVILA_FP_EXACT_DIGITS)
            continue;
        int64_t e = -(int64_t)frac;
        assert_true(avila_fp_decide(p, nd, 0, e, want) == want);
        if (want > 0)
            assert_true(avila_fp_decide(p, nd, 0, e, want - 1) == want);
    }
    tv_close(&tv);
    /* Sticky: exactly halfway at 2^53 + 1 goes down, a little above goes up. */
    assert_true(avila_fp_decide("9007199254740993", 16, 0, 0, UINT64_C(0x4340000000000000)) ==
                UINT64_C(0x4340000000000000));
    assert_true(avila_fp_decide("9007199254740993", 16, 1, 0, UINT64_C(0x4340000000000000)) ==
                UINT64_C(0x4340000000000001));
}

/* ---------------------------------------------------------------- the table */

/* Little-endian 32-bit limbs, enough for 5^400 and 2^1100. */
#define REF_LIMBS 40

static void ref_mul_small(uint32_t *a, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < REF_LIMBS; i++) {
        uint64_t t = (uint64_t)a[i] * m + carry;
        a[i] = (uint32_t)t;
        carry = t >> 32;
    }
    assert_true(carry == 0);
}

/* Divides by d, returns whether the remainder was nonzero. */
static int ref_div_small(uint32_t *a, uint32_t d)
{
    uint64_t r = 0;
    for (int i = REF_LIMBS - 1; i >= 0; i--) {
        uint64_t t = r << 32 | a[i];
        a[i] = (uint32_t)(t / d);
        r = t % d;
    }
    return r != 0;
}

static int ref_bitlen(const uint32_t *a)
{
    for (int i = REF_LIMBS - 1; i >= 0; i--)
        if (a[i])
            return 32 * i + 32 - __builtin_clz(a[i]);
    return 0;
}

static uint64_t ref_bits(const uint32_t *a, int from)
{
    uint64_t v = 0;
    for (int b = 63; b >= 0; b--) {
        int k = from + b;
        v = v << 1 | (k >= 0 ? (uint64_t)(a[k / 32] >> (k % 32) & 1) : 0);
    }
    return v;
}

/* Recomputes entries with a schoolbook big integer written here. */
static void table_sample(void **state)
{
    (void)state;
    for (int j = AVILA_FP_POW5_MIN; j <= AVILA_FP_POW5_MAX; j += (j > -3 && j < 60) ? 1 : 7) {
        uint32_t a[REF_LIMBS] = {1};
        uint64_t hi, lo;
        int inexact;
        if (j >= 0) {
            for (int i = 0; i < j; i++)
                ref_mul_small(a, 5);
            int top = ref_bitlen(a) - 128; /* bits below the 128 kept */
            hi = ref_bits(a, top + 64);
            lo = ref_bits(a, top);
            inexact = 0;
            for (int k = 0; k < top; k++)
                inexact |= (int)(a[k / 32] >> (k % 32) & 1);
            assert_int_equal(avila_fp_log2_pow5(j), ref_bitlen(a) - 1);
        } else {
            /* floor(2^(b + 127) / 5^n), b = bitlen(5^n): repeated floor
             * division by 5 equals one floor division by 5^n. */
            for (int i = 0; i < -j; i++)
                ref_mul_small(a, 5);
            int b = ref_bitlen(a);
            assert_int_equal(avila_fp_log2_pow5(j), -b);
            memset(a, 0, sizeof a);
            a[(b + 127) / 32] = 1u << ((b + 127) % 32);
            inexact = 0;
            for (int i = 0; i < -j; i++)
                inexact |= ref_div_small(a, 5);
            assert_int_equal(ref_bitlen(a), 128);
            hi = ref_bits(a, 64);
            lo = ref_bits(a, 0);
            assert_true(inexact);
        }
        if (inexact && ++lo == 0)
            hi++;
        const uint64_t *t = avila_fp_pow5[j - AVILA_FP_POW5_MIN];
        if (t[0] != hi || t[1] != lo)
            fail_msg("entry 5^%d differs", j);
        assert_int_equal(inexact, j < 0 || j > AVILA_FP_POW5_EXACT_MAX);
    }
}

/* Integers in decimal: every power of ten and its neighbours, the extremes, random values, vs
 * printf. */
static void format_u64(void **state)
{
    (void)state;
    uint64_t st = 7, p = 1;
    for (int k = 0; k < 2000; k++) {
        uint64_t v;
        if (k < 60) {
            v = p + (uint64_t)(k % 3) - 1; /* 10^j - 1, 10^j, 10^j + 1 */
            if (k % 3 == 2 && p <= UINT64_MAX / 10)
                p *= 10;
        } else if (k < 64) {
            v = (uint64_t[]){0, 1, UINT64_MAX, UINT64_MAX - 1}[k - 60];
        } else {
            v = unit_rand(&st) >> (unit_rand(&st) % 64);
        }
        char want[32], got[AVILA_FP_U64_MAX + 1];
        int n = snprintf(want, sizeof want, "%llu", (unsigned long long)v);
        size_t len = avila_fp_format_u64(v, got);
        got[len] = '\0';
        assert_int_equal(len, (size_t)n);
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_u64),
        cmocka_unit_test(parse_vectors),
        cmocka_unit_test(parse_rejects),
        cmocka_unit_test(parse_exponent_saturates),
        cmocka_unit_test(parse_huge_inputs),
        cmocka_unit_test(shortest_known),
        cmocka_unit_test(format_known),
        cmocka_unit_test(shortest_round_trips_and_is_shortest),
        cmocka_unit_test(format_round_trips),
        cmocka_unit_test(parse_matches_strtod),
        cmocka_unit_test(from_decimal_agrees),
        cmocka_unit_test(decide_from_either_neighbour),
        cmocka_unit_test(table_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
