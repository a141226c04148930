/*
 * tests/core/test_time.c - clocks, sleep, the proleptic Gregorian calendar
 * and RFC 3339 date-time printing and parsing.
 *
 * The RFC 3339 known answers are the examples of RFC 3339 section 5.8; their
 * Unix values were computed independently (Python's datetime module).
 */
#include "tests/support/unit.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "core/error.h"
#include "core/time.h"

/* ------------------------------------------------------------- calendar */

/* The naive calendar: walks dates one day at a time. */
static unsigned ref_days_in_month(int64_t y, unsigned m)
{
    static const unsigned len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0; /* no such month, so no valid day */
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return len[m - 1] + (m == 2 && leap);
}

static void ref_next_day(struct avila_time_civil *c)
{
    if (c->day < ref_days_in_month(c->year, c->month)) {
        c->day++;
    } else if (c->month < 12) {
        c->month++;
        c->day = 1;
    } else {
        c->year++;
        c->month = 1;
        c->day = 1;
    }
}

static void civil_matches_a_day_by_day_walk(void **state)
{
    (void)state;
    struct avila_time_civil walk = {-4000, 1, 1};
    int64_t start;
    assert_int_equal(avila_time_days_from_civil(&walk, &start), 0);
    for (int64_t d = start; d < start + 5000000; d++) {
        struct avila_time_civil c;
        avila_time_civil_from_days(d, &c);
        if (c.year != walk.year || c.month != walk.month || c.day != walk.day)
            fail_msg("day %lld: got %lld-%u-%u, want %lld-%u-%u", (long long)d, (long long)c.year,
                     c.month, c.day, (long long)walk.year, walk.month, walk.day);
        int64_t back;
        assert_int_equal(avila_time_days_from_civil(&walk, &back), 0);
        assert_true(back == d);
        ref_next_day(&walk);
    }
    assert_true(walk.year > 9000);
}

static void civil_known_days(void **state)
{
    (void)state;
    static const struct {
        int64_t days;
        struct avila_time_civil c;
    } known[] = {
        {0, {1970, 1, 1}},         {-1, {1969, 12, 31}},    {59, {1970, 3, 1}},
        {10957, {2000, 1, 1}},     {11016, {2000, 2, 29}},  {-719162, {1, 1, 1}},
        {-719528, {0, 1, 1}},      {-719469, {0, 2, 29}},   {2932896, {9999, 12, 31}},
        {-141427, {1582, 10, 15}}, {-719529, {-1, 12, 31}},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(known); i++) {
        struct avila_time_civil c;
        avila_time_civil_from_days(known[i].days, &c);
        assert_true(c.year == known[i].c.year);
        assert_int_equal(c.month, known[i].c.month);
        assert_int_equal(c.day, known[i].c.day);
        int64_t d;
        assert_int_equal(avila_time_days_from_civil(&known[i].c, &d), 0);
        assert_true(d == known[i].days);
    }
}

/* Every int64_t day count converts, and converts back exactly. */
static void civil_round_trips_over_the_whole_range(void **state)
{
    (void)state;
    uint64_t rng = 1;
    for (int i = 0; i < 200000; i++) {
        int64_t d;
        switch (i) {
        case 0:
            d = INT64_MIN;
            break;
        case 1:
            d = INT64_MAX;
            break;
        case 2:
            d = INT64_MIN + 1;
            break;
        case 3:
            d = INT64_MAX - 1;
            break;
        default:
            d = (int64_t)unit_rand(&rng) >> (unit_rand(&rng) % 64);
        }
        struct avila_time_civil c;
        avila_time_civil_from_days(d, &c);
        assert_true(c.month >= 1 && c.month <= 12);
        assert_true(c.day >= 1 && c.day <= ref_days_in_month(c.year, c.month));
        int64_t back = 0;
        assert_int_equal(avila_time_days_from_civil(&c, &back), 0);
        assert_true(back == d);
    }
}

static void civil_rejects_bad_dates_and_overflow(void **state)
{
    (void)state;
    static const struct avila_time_civil bad[] = {
        {2024, 0, 1},  {2024, 13, 1}, {2024, 1, 0},  {2024, 1, 32}, {2023, 2, 29},
        {1900, 2, 29}, {2100, 2, 29}, {2024, 4, 31}, {2024, 2, 30}, {2024, 255, 255},
    };
    int64_t d = 12345;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++)
        assert_int_equal(avila_time_days_from_civil(&bad[i], &d), AVILA_EINVAL);
    assert_true(d == 12345);
    struct avila_time_civil ok = {2000, 2, 29};
    assert_int_equal(avila_time_days_from_civil(&ok, &d), 0);

    /* Just past the ends of the int64_t day range. */
    struct avila_time_civil hi, lo;
    avila_time_civil_from_days(INT64_MAX, &hi);
    avila_time_civil_from_days(INT64_MIN, &lo);
    struct avila_time_civil c = {hi.year + 1, 1, 1};
    assert_int_equal(avila_time_days_from_civil(&c, &d), AVILA_ERANGE);
    c = (struct avila_time_civil){lo.year - 1, 12, 31};
    assert_int_equal(avila_time_days_from_civil(&c, &d), AVILA_ERANGE);
    c = (struct avila_time_civil){INT64_MAX, 12, 31};
    assert_int_equal(avila_time_days_from_civil(&c, &d), AVILA_ERANGE);
    c = (struct avila_time_civil){INT64_MIN, 1, 1};
    assert_int_equal(avila_time_days_from_civil(&c, &d), AVILA_ERANGE);
    c = (struct avila_time_civil){INT64_MIN, 3, 1};
    assert_int_equal(avila_time_days_from_civil(&c, &d), AVILA_ERANGE);
    assert_true(d == 11016);
}

static void leap_year_rule(void **state)
{
    (void)state;
    assert_true(avila_time_is_leap_year(2000));
    assert_true(avila_time_is_leap_year(2024));
    assert_true(avila_time_is_leap_year(0));
    assert_true(avila_time_is_leap_year(-4));
    assert_true(avila_time_is_leap_year(-400));
    assert_false(avila_time_is_leap_year(1900));
    assert_false(avila_time_is_leap_year(2023));
    assert_false(avila_time_is_leap_year(-100));
    assert_false(avila_time_is_leap_year(-1));
}

/* ------------------------------------------------------------- printing */

static void check_format_ns(int64_t ns, unsigned digits, const char *want)
{
    char buf[AVILA_TIME_RFC3339_MAX];
    int n = avila_time_format_rfc3339(ns, digits, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
}

static void format_known_times(void **state)
{
    (void)state;
    check_format_ns(0, 0, "1970-01-01T00:00:00Z");
    check_format_ns(1795317624123456789, 3, "2026-11-22T03:20:24.123Z");
    check_format_ns(1795317624123456789, 6, "2026-11-22T03:20:24.123456Z");
    check_format_ns(1795317624123456789, 9, "2026-11-22T03:20:24.123456789Z");
    check_format_ns(1795317624999999999, 0, "2026-11-22T03:20:24Z");
    /* Truncated, never rounded up into the next second. */
    check_format_ns(1795317624999999999, 3, "2026-11-22T03:20:24.999Z");
    check_format_ns(-1, 9, "1969-12-31T23:59:59.999999999Z");
    check_format_ns(-1, 3, "1969-12-31T23:59:59.999Z");
    check_format_ns(482196050520000000, 3, "1985-04-12T23:20:50.520Z");
    check_format_ns(INT64_MIN, 9, "1677-09-21T00:12:43.145224192Z");
    check_format_ns(INT64_MAX, 9, "2262-04-11T23:47:16.854775807Z");
    check_format_ns(951782400000000000, 0, "2000-02-29T00:00:00Z");
}

static void format_range_and_errors(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(avila_time_format_rfc3339_sec(-62167219200, 0, 0, buf, sizeof buf), 20);
    assert_string_equal(buf, "0000-01-01T00:00:00Z");
    assert_int_equal(avila_time_format_rfc3339_sec(253402300799, 999999999, 9, buf, sizeof buf),
                     30);
    assert_string_equal(buf, "9999-12-31T23:59:59.999999999Z");

    memset(buf, 'x', sizeof buf);
    assert_int_equal(avila_time_format_rfc3339_sec(-62167219201, 0, 0, buf, sizeof buf),
                     AVILA_ERANGE);
    assert_int_equal(avila_time_format_rfc3339_sec(253402300800, 0, 0, buf, sizeof buf),
                     AVILA_ERANGE);
    assert_int_equal(avila_time_format_rfc3339_sec(INT64_MAX, 0, 0, buf, sizeof buf), AVILA_ERANGE);
    assert_int_equal(avila_time_format_rfc3339_sec(INT64_MIN, 0, 0, buf, sizeof buf), AVILA_ERANGE);
    assert_int_equal(avila_time_format_rfc3339_sec(0, 1000000000, 0, buf, sizeof buf),
                     AVILA_EINVAL);
    for (unsigned d = 0; d < 12; d++) {
        int rc = avila_time_format_rfc3339(0, d, buf, sizeof buf);
        if (d % 3 == 0 && d <= 9)
            assert_true(rc > 0);
        else
            assert_int_equal(rc, AVILA_EINVAL);
    }
    /* ENOSPC until there is room for the NUL too; nothing written before. */
    memset(buf, 'x', sizeof buf);
    for (size_t cap = 0; cap <= 24; cap++)
        assert_int_equal(avila_time_format_rfc3339(0, 3, buf, cap), AVILA_ENOSPC);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(avila_time_format_rfc3339(0, 3, buf, 25), 24);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
}

/* -------------------------------------------------------------- parsing */

static int parse(const char *s, int64_t *sec, uint32_t *nsec)
{
    return avila_time_parse_rfc3339_sec(s, strlen(s), sec, nsec);
}

static void check_parse(const char *s, int64_t want_sec, uint32_t want_nsec)
{
    int64_t sec = 0;
    uint32_t nsec = 0;
    int rc = parse(s, &sec, &nsec);
    if (rc != 0)
        fail_msg("%s: %s", s, avila_strerror_name(rc));
    if (sec != want_sec || nsec != want_nsec)
        fail_msg("%s: got %lld.%09u, want %lld.%09u", s, (long long)sec, nsec, (long long)want_sec,
                 want_nsec);
}

static void parse_rfc3339_examples(void **state)
{
    (void)state;
    /* RFC 3339 section 5.8. */
    check_parse("1985-04-12T23:20:50.52Z", 482196050, 520000000);
    check_parse("1996-12-19T16:39:57-08:00", 851042397, 0);
    check_parse("1990-12-31T23:59:60Z", 662687999, 999999999);
    check_parse("1990-12-31T15:59:60-08:00", 662687999, 999999999);
    check_parse("1937-01-01T12:00:27.87+00:20", -1041337173, 870000000);
}

static void parse_accepted_forms(void **state)
{
    (void)state;
    check_parse("1970-01-01T00:00:00Z", 0, 0);
    check_parse("1970-01-01t00:00:00z", 0, 0);
    check_parse("1970-01-01T00:00:00-00:00", 0, 0);
    check_parse("1970-01-01T00:00:00+00:00", 0, 0);
    check_parse("1970-01-01T00:00:00+23:59", -86340, 0);
    check_parse("1970-01-01T00:00:00-23:59", 86340, 0);
    check_parse("1969-12-31T23:59:59.999999999Z", -1, 999999999);
    check_parse("1970-01-01T00:00:00.1Z", 0, 100000000);
    check_parse("1970-01-01T00:00:00.000000001Z", 0, 1);
    check_parse("1970-01-01T00:00:00.123456789Z", 0, 123456789);
    check_parse("0000-01-01T00:00:00Z", -62167219200, 0);
    check_parse("0000-01-01T00:00:00+23:59", -62167219200 - 86340, 0);
    check_parse("9999-12-31T23:59:59.999999999Z", 253402300799, 999999999);
    check_parse("9999-12-31T23:59:59-23:59", 253402300799 + 86340, 0);
    check_parse("2000-02-29T12:00:00Z", 951825600, 0);
    /* Leap seconds at the end of any month, once in UTC; the fraction folds too. */
    check_parse("2016-12-31T23:59:60.5Z", 1483228799, 999999999);
    check_parse("2015-06-30T23:59:60Z", 1435708799, 999999999);
    check_parse("2024-02-29T23:59:60Z", 1709251199, 999999999);
    check_parse("2023-02-28T23:59:60+00:00", 1677628799, 999999999);
    check_parse("2017-01-01T00:59:60+01:00", 1483228799, 999999999);
    check_parse("2016-12-31T22:29:60-01:30", 1483228799, 999999999);
}

static void parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "1970-01-01",
        "1970-01-01T00:00:00",
        "1970-01-01 00:00:00Z",
        "1970-01-01T00:00Z",
        "1970-1-01T00:00:00Z",
        "70-01-01T00:00:00Z",
        "+1970-01-01T00:00:00Z",
        "1970-01-01T00:00:00ZZ",
        "1970-01-01T00:00:00Z ",
        " 1970-01-01T00:00:00Z",
        "1970-01-01T00:00:00.Z",
        "1970-01-01T00:00:00,5Z",
        "1970-01-01T00:00:00.5",
        "1970-01-01T00:00:00+0100",
        "1970-01-01T00:00:00+01",
        "1970-01-01T00:00:00+01:0",
        "1970-01-01T00:00:00+01:000",
        "1970-01-01T00:00:00+24:00",
        "1970-01-01T00:00:00+00:60",
        "1970-01-01T00:00:00UTC",
        "1970-01-01T24:00:00Z",
        "1970-01-01T00:60:00Z",
        "1970-01-01T00:00:61Z",
        "1970-01-01T00:00:99Z",
        "1970-00-01T00:00:00Z",
        "1970-13-01T00:00:00Z",
        "1970-01-00T00:00:00Z",
        "1970-01-32T00:00:00Z",
        "1970-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "1970-04-31T00:00:00Z",
        "197a-01-01T00:00:00Z",
        "1970/01/01T00:00:00Z",
        "1970-01-01X00:00:00Z",
        "1970-01-01T00-00-00Z",
        "1970-01-01T0:00:00Z",
        "1970-01-01T00:00:0\xffZ",
        /* Leap seconds where none can be. */
        "1990-12-30T23:59:60Z",
        "1990-12-31T23:58:60Z",
        "1990-12-31T22:59:60Z",
        "1990-12-31T23:59:60+01:00",
        "1990-12-31T15:59:60-08:01",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        int64_t sec = 7;
        uint32_t nsec = 7;
        int rc = parse(bad[i], &sec, &nsec);
        if (rc != AVILA_EFORMAT)
            fail_msg("'%s': got %s", bad[i], avila_strerror_name(rc));
        assert_true(sec == 7 && nsec == 7);
    }
    /* Embedded NUL: the length counts, not the terminator. */
    int64_t sec;
    uint32_t nsec;
    assert_int_equal(avila_time_parse_rfc3339_sec("1970-01-01T00:00:00Z\0", 21, &sec, &nsec),
                     AVILA_EFORMAT);
    assert_int_equal(avila_time_parse_rfc3339_sec(NULL, 0, &sec, &nsec), AVILA_EFORMAT);
}

static void parse_long_fractions_are_unsupported(void **state)
{
    (void)state;
    int64_t sec = 7;
    uint32_t nsec = 7;
    assert_int_equal(parse("1970-01-01T00:00:00.1234567891Z", &sec, &nsec), AVILA_EUNSUPPORTED);
    assert_int_equal(parse("1970-01-01T00:00:00.0000000000000000000000000000+01:00", &sec, &nsec),
                     AVILA_EUNSUPPORTED);
    assert_true(sec == 7 && nsec == 7);
    /* A format error anywhere wins over the long fraction. */
    assert_int_equal(parse("1970-01-01T00:00:00.1234567891", &sec, &nsec), AVILA_EFORMAT);
    assert_int_equal(parse("1970-02-30T00:00:00.1234567891Z", &sec, &nsec), AVILA_EFORMAT);
}

static void parse_every_proper_prefix_is_rejected(void **state)
{
    (void)state;
    static const char *const good[] = {
        "1985-04-12T23:20:50.52Z",
        "1996-12-19T16:39:57-08:00",
        "1937-01-01T12:00:27.87+00:20",
        "2026-11-22T03:20:24.123456789Z",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(good); i++) {
        size_t n = strlen(good[i]);
        int64_t sec;
        uint32_t nsec;
        assert_int_equal(avila_time_parse_rfc3339_sec(good[i], n, &sec, &nsec), 0);
        for (size_t k = 0; k < n; k++) {
            /* Right before a guard page: a read past k bytes would crash. */
            char *p = unit_guarded_alloc(k);
            memcpy(p, good[i], k);
            assert_int_equal(avila_time_parse_rfc3339_sec(p, k, &sec, &nsec), AVILA_EFORMAT);
            unit_guarded_free(p, k);
        }
        char *p = unit_guarded_alloc(n);
        memcpy(p, good[i], n);
        assert_int_equal(avila_time_parse_rfc3339_sec(p, n, &sec, &nsec), 0);
        unit_guarded_free(p, n);
    }
}

static void parse_ns_range(void **state)
{
    (void)state;
    int64_t ns = 7;
    const char *lo = "1677-09-21T00:12:43.145224192Z", *hi = "2262-04-11T23:47:16.854775807Z";
    assert_int_equal(avila_time_parse_rfc3339(lo, strlen(lo), &ns), 0);
    assert_true(ns == INT64_MIN);
    assert_int_equal(avila_time_parse_rfc3339(hi, strlen(hi), &ns), 0);
    assert_true(ns == INT64_MAX);
    const char *below = "1677-09-21T00:12:43.145224191Z", *above = "2262-04-11T23:47:16.854775808Z";
    assert_int_equal(avila_time_parse_rfc3339(below, strlen(below), &ns), AVILA_ERANGE);
    assert_int_equal(avila_time_parse_rfc3339(above, strlen(above), &ns), AVILA_ERANGE);
    const char *far = "0001-01-01T00:00:00Z";
    assert_int_equal(avila_time_parse_rfc3339(far, strlen(far), &ns), AVILA_ERANGE);
    assert_true(ns == INT64_MAX);
    const char *x = "1970-01-01T00:00:00x";
    assert_int_equal(avila_time_parse_rfc3339(x, strlen(x), &ns), AVILA_EFORMAT);
}

/* Printing then parsing gives back the same instant, at every precision. */
static void format_parse_round_trip(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int i = 0; i < 100000; i++) {
        /* Half the range, so rounding down never leaves it. */
        int64_t ns = (int64_t)unit_rand(&rng) / 2;
        unsigned digits = (unsigned)(unit_rand(&rng) % 4) * 3;
        char buf[AVILA_TIME_RFC3339_MAX];
        int n = avila_time_format_rfc3339(ns, digits, buf, sizeof buf);
        assert_true(n > 0);
        int64_t back;
        assert_int_equal(avila_time_parse_rfc3339(buf, (size_t)n, &back), 0);
        int64_t unit = 1;
        for (unsigned k = digits; k < 9; k++)
            unit *= 10;
        /* The text keeps ns rounded down to its precision. */
        int64_t r = ns % unit;
        int64_t want = r < 0 ? ns - r - unit : ns - r;
        assert_true(back == want);
    }
    /* Seconds far from 1970 too. */
    for (int i = 0; i < 100000; i++) {
        int64_t sec = (int64_t)(unit_rand(&rng) % 315537897600ull) - 62167219200;
        uint32_t nsec = (uint32_t)(unit_rand(&rng) % 1000000000u);
        char buf[AVILA_TIME_RFC3339_MAX];
        int n = avila_time_format_rfc3339_sec(sec, nsec, 9, buf, sizeof buf);
        assert_int_equal(n, 30);
        int64_t s2;
        uint32_t ns2;
        assert_int_equal(avila_time_parse_rfc3339_sec(buf, 30, &s2, &ns2), 0);
        assert_true(s2 == sec && ns2 == nsec);
    }
}

/* ---------------------------------------------------------------- clocks */

static void clocks_move_forward(void **state)
{
    (void)state;
    uint64_t a = avila_time_mono_ns();
    uint64_t prev = a;
    for (int i = 0; i < 1000; i++) {
        uint64_t b = avila_time_mono_ns();
        assert_true(b >= prev);
        prev = b;
    }
    assert_true(a > 0);
    uint64_t ms = avila_time_mono_ms();
    assert_true(ms >= a / 1000000 && ms <= avila_time_mono_ns() / 1000000);
    /* The wall clock is after 2020 and before 2100 on any machine running this. */
    int64_t wall = avila_time_wall_ns();
    assert_true(wall > 1577836800LL * 1000000000 && wall < 4102444800LL * 1000000000);
}

static void sleep_lasts_its_duration(void **state)
{
    (void)state;
    uint64_t t0 = avila_time_mono_ns();
    assert_int_equal(avila_time_sleep_ns(3000000), 0);
    assert_true(avila_time_mono_ns() - t0 >= 3000000);
    t0 = avila_time_mono_ns();
    assert_int_equal(avila_time_sleep_ns(0), 0);
    assert_true(avila_time_mono_ns() - t0 < 1000000000);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* Signals every millisecond interrupt the wait, which resumes to the deadline. */
static void sleep_survives_signals(void **state)
{
    (void)state;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval tick = {{0, 1000}, {0, 1000}}, off = {{0, 0}, {0, 0}};
    alarms = 0;
    assert_int_equal(setitimer(ITIMER_REAL, &tick, NULL), 0);
    uint64_t t0 = avila_time_mono_ns();
    int rc = avila_time_sleep_ns(40000000);
    uint64_t elapsed = avila_time_mono_ns() - t0;
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(rc, 0);
    assert_true(elapsed >= 40000000);
    assert_true(alarms > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_matches_a_day_by_day_walk),
        cmocka_unit_test(civil_known_days),
        cmocka_unit_test(civil_round_trips_over_the_whole_range),
        cmocka_unit_test(civil_rejects_bad_dates_and_overflow),
        cmocka_unit_test(leap_year_rule),
        cmocka_unit_test(format_known_times),
        cmocka_unit_test(format_range_and_errors),
        cmocka_unit_test(parse_rfc3339_examples),
        cmocka_unit_test(parse_accepted_forms),
        cmocka_unit_test(parse_rejects),
        cmocka_unit_test(parse_long_fractions_are_unsupported),
        cmocka_unit_test(parse_every_proper_prefix_is_rejected),
        cmocka_unit_test(parse_ns_range),
        cmocka_unit_test(format_parse_round_trip),
        cmocka_unit_test(clocks_move_forward),
        cmocka_unit_test(sleep_lasts_its_duration),
        cmocka_unit_test(sleep_survives_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
