/*
 * core/time.h - clocks, sleeping, civil dates and RFC 3339 timestamps.
 *
 * Two halves:
 *   - OS (core/time.c): the monotonic and wall clocks (POSIX clock_gettime)
 *     and a sleep that lasts its full duration across signals.
 *   - Pure (core/timefmt.c): proleptic Gregorian calendar arithmetic and the
 *     RFC 3339 section 5.6 "date-time" format, printed and parsed strictly.
 *
 * Time scale: Unix time, as POSIX defines it (every day has 86400 seconds;
 * leap seconds do not exist in it). See avila_time_parse_rfc3339 for what
 * happens to a leap second written as ":60".
 */
#ifndef AVILA_CORE_TIME_H
#define AVILA_CORE_TIME_H

#include "core/platform.h"

#define AVILA_TIME_NS_PER_SEC 1000000000ll
#define AVILA_TIME_NS_PER_MS  1000000ll

/*
 * Bytes avila_time_format_rfc3339 needs at most, terminating NUL included:
 * "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" is 30 characters.
 */
#define AVILA_TIME_RFC3339_MAX 31

/* ------------------------------------------------------------ OS clocks */

/*
 * Nanoseconds of CLOCK_MONOTONIC: never goes backwards, unaffected by wall
 * clock changes, counts from an unspecified start (usually boot). For
 * measuring intervals. Never fails on Linux (returns 0 if the clock is
 * unavailable).
 */
uint64_t avila_time_mono_ns(void);

/* avila_time_mono_ns() / 10^6: milliseconds of the monotonic clock. */
uint64_t avila_time_mono_ms(void);

/*
 * Nanoseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME, Unix time); may
 * jump backwards or forwards when the system clock is set. Saturates at the
 * int64_t limits (years 1677 and 2262). Returns 0 if the clock is
 * unavailable.
 */
int64_t avila_time_wall_ns(void);

/*
 * Sleeps for at least ns nanoseconds of the monotonic clock. A signal that
 * interrupts the sleep does not shorten it: the deadline is absolute
 * (clock_nanosleep with TIMER_ABSTIME) and the wait resumes after EINTR.
 * Returns 0, AVILA_EIO if the clock cannot be read or waited on, or
 * AVILA_ERANGE if the deadline does not fit in time_t (only possible with a
 * 32-bit time_t).
 */
int avila_time_sleep_ns(uint64_t ns);

/* ------------------------------------------------- pure calendar helpers */

/* A proleptic Gregorian calendar date: year 0 is 1 BC, year -1 is 2 BC. */
struct avila_time_civil {
    int64_t year;
    uint8_t month; /* 1..12 */
    uint8_t day;   /* 1..31 */
};

/*
 * Converts a day count (days since 1970-01-01, negative before) to its
 * proleptic Gregorian date. Defined for every int64_t day count, no
 * overflow. out MUST be valid.
 */
void avila_time_civil_from_days(int64_t days, struct avila_time_civil *out);

/*
 * Converts a proleptic Gregorian date to days since 1970-01-01 and stores
 * it in *days. Returns 0, AVILA_EINVAL if month is not 1..12 or day is not a
 * day of that month (February 29 only in leap years), or AVILA_ERANGE if
 * the day count does not fit in int64_t (|year| beyond about 2.5 * 10^16).
 * *days is written only on success.
 */
int avila_time_days_from_civil(const struct avila_time_civil *date, int64_t *days);

/* 1 if year is a Gregorian leap year, else 0. */
int avila_time_is_leap_year(int64_t year);

/* ------------------------------------------------------------- RFC 3339 */

/*
 * Formats unix_sec + nsec/10^9 seconds as an RFC 3339 section 5.6
 * date-time in UTC, "2026-11-22T03:20:24.123Z", with frac_digits (0, 3, 6
 * or 9) digits of fraction (truncated, not rounded; no '.' when 0), and a
 * terminating NUL. dst MUST hold cap bytes (AVILA_TIME_RFC3339_MAX is always
 * enough).
 * Returns the length without the NUL, or AVILA_EINVAL (frac_digits not 0, 3,
 * 6 or 9, or nsec >= 10^9), AVILA_ERANGE (the year is outside 0000..9999,
 * which RFC 3339 cannot write), AVILA_ENOSPC (cap too small). On error dst
 * is left untouched.
 */
int avila_time_format_rfc3339_sec(int64_t unix_sec, uint32_t nsec, unsigned frac_digits, char *dst,
                                  size_t cap);

/*
 * Same for a time in nanoseconds since the Unix epoch. Every int64_t value
 * lies in the years 1677..2262, so only AVILA_EINVAL and AVILA_ENOSPC can
 * occur.
 */
int avila_time_format_rfc3339(int64_t unix_ns, unsigned frac_digits, char *dst, size_t cap);

/*
 * Parses exactly the n bytes at s (no NUL needed; nothing may follow) as an
 * RFC 3339 section 5.6 date-time and stores the instant it names as Unix
 * seconds *unix_sec plus *nsec nanoseconds (0..999999999).
 *
 * Strict grammar: "YYYY-MM-DDTHH:MM:SS[.f]Z" or with a numeric offset
 * "+HH:MM" / "-HH:MM" (-00:00 means UTC, RFC 3339 section 4.3). 'T' and 'Z'
 * may be lowercase (section 5.6 note); no space separator, no missing
 * fields, no ISO 8601 basic or week forms. The day must exist in its month
 * (leap years included), hours 00..23, minutes 00..59, offset hours 00..23.
 * The fraction has 1 to 9 digits.
 *
 * Leap seconds: second 60 is accepted only where one can occur (RFC 3339
 * section 5.7): at 23:59:60 UTC, once the offset is applied, on the last day
 * of a month. Unix time has no such second, so it is folded onto the last
 * nanosecond of that day, 23:59:59.999999999, whatever its fraction: times
 * stay ordered and the day stays the same.
 *
 * Returns 0; AVILA_EFORMAT for anything else (wrong length or character,
 * impossible date or time, misplaced leap second); AVILA_EUNSUPPORTED for a
 * fraction of more than 9 digits (valid RFC 3339, finer than we keep).
 * Outputs are written only on success. s may be NULL when n == 0.
 */
int avila_time_parse_rfc3339_sec(const char *s, size_t n, int64_t *unix_sec, uint32_t *nsec);

/*
 * Same, returning nanoseconds since the Unix epoch. Also returns
 * AVILA_ERANGE if the instant is outside what int64_t nanoseconds can hold
 * (1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z).
 */
int avila_time_parse_rfc3339(const char *s, size_t n, int64_t *unix_ns);

#endif
