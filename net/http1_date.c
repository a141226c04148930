/*
 * net/http1_date.c - HTTP-date (RFC 9110 section 5.6.7): IMF-fixdate out,
 * IMF-fixdate, rfc850-date and asctime-date in. Calendar arithmetic is
 * core/time.h's proleptic Gregorian. Pure.
 *
 *   IMF-fixdate   "Sun, 06 Nov 1994 08:49:37 GMT"
 *   rfc850-date   "Sunday, 06-Nov-94 08:49:37 GMT"
 *   asctime-date  "Sun Nov  6 08:49:37 1994"
 */
#include "core/error.h"
#include "core/time.h"
#include "net/http1.h"

static const char day_names[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const long_day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};
static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

#define SEC_PER_DAY 86400

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/* Days since the epoch and the second of that day, rounding towards -infinity. */
static int64_t split_days(int64_t t, unsigned *sod)
{
    int64_t d = t / SEC_PER_DAY, r = t % SEC_PER_DAY;
    if (r < 0) {
        r += SEC_PER_DAY;
        d--;
    }
    *sod = (unsigned)r;
    return d;
}

int avila_http1_date_format(int64_t unix_sec, char out[AVILA_HTTP1_DATE_LEN])
{
    unsigned sod;
    int64_t days = split_days(unix_sec, &sod);
    struct avila_time_civil c;
    avila_time_civil_from_days(days, &c);
    if (c.year < 0 || c.year > 9999 || !out)
        return out ? AVILA_ERANGE : AVILA_EINVAL;
    /* 1970-01-01 was a Thursday (4). */
    int64_t wd = (days % 7 + 7 + 4) % 7;
    char d[AVILA_HTTP1_DATE_LEN];
    memcpy(d, day_names[wd], 3);
    d[3] = ',';
    d[4] = ' ';
    put2(d + 5, c.day);
    d[7] = ' ';
    memcpy(d + 8, month_names[c.month - 1], 3);
    d[11] = ' ';
    put2(d + 12, (unsigned)(c.year / 100));
    put2(d + 14, (unsigned)(c.year % 100));
    d[16] = ' ';
    put2(d + 17, sod / 3600);
    d[19] = ':';
    put2(d + 20, sod / 60 % 60);
    d[22] = ':';
    put2(d + 23, sod % 60);
    static const char gmt[4] = {' ', 'G', 'M', 'T'};
    memcpy(d + 25, gmt, sizeof gmt);
    memcpy(out, d, sizeof d);
    return AVILA_HTTP1_DATE_LEN;
}

int avila_http1_write_date(struct avila_buf *b, int64_t unix_sec)
{
    char d[AVILA_HTTP1_DATE_LEN];
    if (!b)
        return AVILA_EINVAL;
    int rc = avila_http1_date_format(unix_sec, d);
    if (rc < 0)
        return rc;
    return avila_buf_append(b, d, sizeof d);
}

/* ------------------------------------------------------------------ parsing */

/* width decimal digits at s (a leading SP allowed when space is set); -1 if not. */
static int digits(const uint8_t *s, int width, bool space)
{
    int v = 0;
    for (int i = 0; i < width; i++) {
        if (space && i == 0 && s[0] == ' ' && width > 1)
            continue;
        unsigned d = (unsigned)s[i] - '0';
        if (d > 9)
            return -1;
        v = v * 10 + (int)d;
    }
    return v;
}

static int month_index(const uint8_t *s)
{
    for (int m = 0; m < 12; m++)
        if (memcmp(s, month_names[m], 3) == 0)
            return m + 1;
    return -1;
}

static bool short_day(const uint8_t *s)
{
    for (int d = 0; d < 7; d++)
        if (memcmp(s, day_names[d], 3) == 0)
            return true;
    return false;
}

/* "HH:MM:SS" at s; the second of the day, or -1. Second 60 counts as 59. */
static int32_t time_of_day(const uint8_t *s)
{
    if (s[2] != ':' || s[5] != ':')
        return -1;
    int h = digits(s, 2, false), m = digits(s + 3, 2, false), sec = digits(s + 6, 2, false);
    if (h < 0 || m < 0 || sec < 0 || h > 23 || m > 59 || sec > 60)
        return -1;
    if (sec == 60)
        sec = 59;
    return (int32_t)(h * 3600 + m * 60 + sec);
}

static int finish(int64_t year, int month, int day, int32_t tod, int64_t *unix_sec)
{
    if (month < 0 || day < 0 || tod < 0 || year < 0)
        return AVILA_EFORMAT;
    struct avila_time_civil c = {.year = year, .month = (uint8_t)month, .day = (uint8_t)day};
    int64_t days;
    if (avila_time_days_from_civil(&c, &days) < 0)
        return AVILA_EFORMAT;
    *unix_sec = days * SEC_PER_DAY + tod;
    return 0;
}

int avila_http1_date_parse(const void *s_, size_t n, int64_t now_unix_sec, int64_t *unix_sec)
{
    const uint8_t *s = s_;
    if (!unix_sec || (!s && n))
        return AVILA_EINVAL;
    if (n == 29) {
        /* IMF-fixdate */
        if (!short_day(s) || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' ' ||
            s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
            return AVILA_EFORMAT;
        return finish(digits(s + 12, 4, false), month_index(s + 8), digits(s + 5, 2, false),
                      time_of_day(s + 17), unix_sec);
    }
    if (n == 24 && s[3] == ' ') {
        /* asctime-date: the day is 2DIGIT or SP DIGIT */
        if (!short_day(s) || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
            return AVILA_EFORMAT;
        return finish(digits(s + 20, 4, false), month_index(s + 4), digits(s + 8, 2, true),
                      time_of_day(s + 11), unix_sec);
    }
    /* rfc850-date: day-name-l ", " 2DIGIT "-" month "-" 2DIGIT SP time " GMT" */
    for (int d = 0; d < 7; d++) {
        const char *name = long_day_names[d];
        size_t k = 0;
        while (name[k])
            k++;
        if (n != k + 24 || memcmp(s, name, k) != 0)
            continue;
        const uint8_t *r = s + k;
        if (memcmp(r, ", ", 2) != 0 || r[4] != '-' || r[8] != '-' || r[11] != ' ' ||
            memcmp(r + 20, " GMT", 4) != 0)
            return AVILA_EFORMAT;
        int yy = digits(r + 9, 2, false);
        if (yy < 0)
            return AVILA_EFORMAT;
        /* The century that puts it no more than 50 years after now. */
        unsigned sod;
        struct avila_time_civil now;
        avila_time_civil_from_days(split_days(now_unix_sec, &sod), &now);
        int64_t year = now.year - (now.year % 100 + 100) % 100 + yy;
        if (year > now.year + 50)
            year -= 100;
        return finish(year, month_index(r + 5), digits(r + 2, 2, false), time_of_day(r + 12),
                      unix_sec);
    }
    return AVILA_EFORMAT;
}
