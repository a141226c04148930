/*
 * core/timefmt.c - proleptic Gregorian calendar arithmetic and RFC 3339
 * (section 5.6 "date-time", section 5.7 restrictions) printing and strict
 * parsing. Pure: no libc, no allocation.
 *
 * The calendar conversion counts in 400-year eras of 146097 days starting on
 * March 1, so the leap day is the last day of each counted year and month
 * lengths follow the (153 * m + 2) / 5 pattern (the method Howard Hinnant
 * describes in "chrono-Compatible Low-Level Date Algorithms").
 */
#include "core/error.h"
#include "core/time.h"

#define DAYS_PER_ERA 146097 /* days in 400 Gregorian years */
#define SEC_PER_DAY  86400
#define MIN_PER_DAY  1440
/* Days from 0000-03-01 (the first day of era 0) to 1970-01-01. */
#define EPOCH_SHIFT 719468
#define NSEC_MAX    999999999u

/* floor(a / b) and the matching non-negative remainder, for b > 0. */
static int64_t floor_div(int64_t a, int64_t b, int64_t *rem)
{
    int64_t q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q -= 1;
    }
    *rem = r;
    return q;
}

int avila_time_is_leap_year(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned days_in_month(int64_t year, unsigned month)
{
    static const uint8_t len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[month - 1] + (month == 2 && avila_time_is_leap_year(year));
}

void avila_time_civil_from_days(int64_t days, struct avila_time_civil *out)
{
    /*
     * Split first, shift second: adding EPOCH_SHIFT to days directly would
     * overflow near INT64_MAX. EPOCH_SHIFT = 4 eras + 135080 days.
     */
    int64_t r;
    int64_t era = floor_div(days, DAYS_PER_ERA, &r) + 4;
    int64_t doe = r + (EPOCH_SHIFT - 4 * DAYS_PER_ERA);
    if (doe >= DAYS_PER_ERA) {
        doe -= DAYS_PER_ERA;
        era += 1;
    }
    /* Year of era: remove the leap days (every 1460, 36524, 146096 days). */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (DAYS_PER_ERA - 1)) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153; /* 0 = March .. 11 = February */
    unsigned month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    out->day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
    out->month = (uint8_t)month;
    out->year = era * 400 + yoe + (month <= 2);
}

int avila_time_days_from_civil(const struct avila_time_civil *date, int64_t *days)
{
    unsigned m = date->month, d = date->day;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(date->year, m))
        return AVILA_EINVAL;
    /* Years start on March 1, so January and February belong to the year before. */
    int64_t y;
    if (__builtin_sub_overflow(date->year, (int64_t)(m <= 2), &y))
        return AVILA_ERANGE;
    int64_t yoe;
    int64_t era = floor_div(y, 400, &yoe);
    int64_t mp = m > 2 ? m - 3 : m + 9;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    /*
     * days = era * DAYS_PER_ERA + doe - EPOCH_SHIFT. Moving 5 eras from the
     * product to the small term keeps the product on the zero side of the
     * result (within 5 eras), so it overflows only when the result does.
     */
    int64_t k = era > 0 ? -5 : 5, r;
    if (__builtin_mul_overflow(era + k, (int64_t)DAYS_PER_ERA, &r) ||
        __builtin_add_overflow(r, doe - EPOCH_SHIFT - k * DAYS_PER_ERA, &r))
        return AVILA_ERANGE;
    *days = r;
    return 0;
}

/* ------------------------------------------------------------- printing */

static char *put_digits(char *p, uint32_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

int avila_time_format_rfc3339_sec(int64_t unix_sec, uint32_t nsec, unsigned frac_digits, char *dst,
                                  size_t cap)
{
    if ((frac_digits != 0 && frac_digits != 3 && frac_digits != 6 && frac_digits != 9) ||
        nsec > NSEC_MAX)
        return AVILA_EINVAL;
    int64_t sod;
    struct avila_time_civil date;
    avila_time_civil_from_days(floor_div(unix_sec, SEC_PER_DAY, &sod), &date);
    if (date.year < 0 || date.year > 9999)
        return AVILA_ERANGE;
    size_t len = 20 + (frac_digits ? 1 + frac_digits : 0);
    if (cap <= len)
        return AVILA_ENOSPC;

    char *p = put_digits(dst, (uint32_t)date.year, 4);
    *p++ = '-';
    p = put_digits(p, date.month, 2);
    *p++ = '-';
    p = put_digits(p, date.day, 2);
    *p++ = 'T';
    p = put_digits(p, (uint32_t)(sod / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (uint32_t)(sod / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (uint32_t)(sod % 60), 2);
    if (frac_digits) {
        uint32_t frac = nsec;
        for (unsigned i = frac_digits; i < 9; i++)
            frac /= 10;
        *p++ = '.';
        p = put_digits(p, frac, (int)frac_digits);
    }
    *p++ = 'Z';
    *p = '\0';
    return (int)len;
}

int avila_time_format_rfc3339(int64_t unix_ns, unsigned frac_digits, char *dst, size_t cap)
{
    int64_t nsec;
    int64_t sec = floor_div(unix_ns, AVILA_TIME_NS_PER_SEC, &nsec);
    return avila_time_format_rfc3339_sec(sec, (uint32_t)nsec, frac_digits, dst, cap);
}

/* -------------------------------------------------------------- parsing */

/* Reads exactly width decimal digits at s into *v; -1 if any is not a digit. */
static int get_digits(const char *s, int width, unsigned *v)
{
    unsigned r = 0;
    for (int i = 0; i < width; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return -1;
        r = r * 10 + d;
    }
    *v = r;
    return 0;
}

/* The fields of one date-time, as written (before the offset is applied). */
struct fields {
    struct avila_time_civil date;
    unsigned hour, minute, second;
    uint32_t nsec;
    int offset_min; /* local time minus UTC */
    int long_fraction;
};

/* Parses "HH:MM" at s (5 bytes MUST be readable) into minutes; -1 if malformed. */
static int get_hh_mm(const char *s, unsigned *hh, unsigned *mm)
{
    if (get_digits(s, 2, hh) || s[2] != ':' || get_digits(s + 3, 2, mm))
        return -1;
    return 0;
}

/* Parses the optional fraction and the offset that end a date-time at s[i..n). */
static int parse_tail(const char *s, size_t n, size_t i, struct fields *f)
{
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        uint32_t frac = 0;
        while (i < n && (unsigned)(unsigned char)s[i] - '0' <= 9) {
            if (i - start < 9)
                frac = frac * 10 + (uint32_t)(s[i] - '0');
            i++;
        }
        size_t count = i - start;
        if (count == 0)
            return AVILA_EFORMAT;
        for (size_t k = count; k < 9; k++)
            frac *= 10;
        f->nsec = frac;
        f->long_fraction = count > 9;
    }
    if (i == n)
        return AVILA_EFORMAT;
    char c = s[i++];
    if (c == 'Z' || c == 'z')
        return i == n ? 0 : AVILA_EFORMAT;
    unsigned oh, om;
    if ((c != '+' && c != '-') || n - i != 5 || get_hh_mm(s + i, &oh, &om) || oh > 23 || om > 59)
        return AVILA_EFORMAT;
    f->offset_min = (int)(oh * 60 + om) * (c == '-' ? -1 : 1);
    return 0;
}

/* Splits the text into fields and checks every range except the leap second's place. */
static int parse_fields(const char *s, size_t n, struct fields *f)
{
    unsigned y, mo, d;
    /* "YYYY-MM-DDTHH:MM:SS" plus at least "Z". */
    if (n < 20 || get_digits(s, 4, &y) || s[4] != '-' || get_digits(s + 5, 2, &mo) || s[7] != '-' ||
        get_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        get_hh_mm(s + 11, &f->hour, &f->minute) || s[16] != ':' ||
        get_digits(s + 17, 2, &f->second))
        return AVILA_EFORMAT;
    /* The date's own ranges are checked when it is converted to days. */
    if (f->hour > 23 || f->minute > 59 || f->second > 60)
        return AVILA_EFORMAT;
    f->date.year = y;
    f->date.month = (uint8_t)mo;
    f->date.day = (uint8_t)d;
    f->nsec = 0;
    f->offset_min = 0;
    f->long_fraction = 0;
    return parse_tail(s, n, 19, f);
}

int avila_time_parse_rfc3339_sec(const char *s, size_t n, int64_t *unix_sec, uint32_t *nsec)
{
    struct fields f;
    int rc = parse_fields(s, n, &f);
    if (rc < 0)
        return rc;
    int64_t days;
    if (avila_time_days_from_civil(&f.date, &days) < 0)
        return AVILA_EFORMAT; /* no such day: February 30, month 13, ... */
    /* Years 0000..9999 keep every product below far from overflow. */
    int64_t utc_min = days * MIN_PER_DAY + (int64_t)f.hour * 60 + f.minute - f.offset_min;
    uint32_t ns = f.nsec;
    unsigned second = f.second;
    if (second == 60) {
        int64_t minute_of_day;
        int64_t utc_day = floor_div(utc_min, MIN_PER_DAY, &minute_of_day);
        struct avila_time_civil utc;
        avila_time_civil_from_days(utc_day, &utc);
        if (minute_of_day != MIN_PER_DAY - 1 || utc.day != days_in_month(utc.year, utc.month))
            return AVILA_EFORMAT;
        second = 59;
        ns = NSEC_MAX;
    }
    if (f.long_fraction)
        return AVILA_EUNSUPPORTED;
    *unix_sec = utc_min * 60 + second;
    *nsec = ns;
    return 0;
}

int avila_time_parse_rfc3339(const char *s, size_t n, int64_t *unix_ns)
{
    int64_t sec, ns;
    uint32_t frac;
    int rc = avila_time_parse_rfc3339_sec(s, n, &sec, &frac);
    if (rc < 0)
        return rc;
    /* Before 1970, borrow one second so the product stays inside the range. */
    int64_t borrow = sec < 0 && frac > 0;
    if (__builtin_mul_overflow(sec + borrow, AVILA_TIME_NS_PER_SEC, &ns) ||
        __builtin_add_overflow(ns, (int64_t)frac - borrow * AVILA_TIME_NS_PER_SEC, &ns))
        return AVILA_ERANGE;
    *unix_ns = ns;
    return 0;
}
