/*
 * core/log.h - structured logging without allocation.
 *
 * A record is a level, a message and typed key/value fields, written as one
 * line in one of two formats:
 *
 *   JSON lines (RFC 8259 objects, one per line):
 *     {"ts":"2026-11-22T03:20:24.123Z","level":"info","msg":"listening","port":8080}
 *   logfmt (key=value pairs; values quoted only when needed):
 *     ts=2026-11-22T03:20:24.123Z level=info msg=listening port=8080
 *
 * The timestamp is RFC 3339 (section 5.6) in UTC. Every line ends with '\n'
 * and is valid UTF-8: string values are escaped (RFC 8259 section 7: quote,
 * backslash and all control characters), and each byte of an ill-formed
 * UTF-8 sequence becomes U+FFFD (a sequence cut short by the end of the
 * value becomes one U+FFFD).
 *
 * A record is formatted into a fixed buffer on the stack
 * (AVILA_LOG_LINE_MAX bytes) and handed to a sink in one call. A record
 * that does not fit is cut at a field or character boundary and marked
 * with a last field "truncated":true (truncated=true in logfmt); the line
 * stays valid.
 *
 * Thread safety: after avila_log_init, any number of threads may log to one
 * logger at once; the sink gets one whole line per call (the stderr sink
 * issues one write(2) per line). avila_log_set_level may be called at any
 * time.
 *
 * Pure (core/log.c) except avila_log_init_stderr and the two functions
 * next to it (core/log_stderr.c).
 *
 * Usage:
 *   struct avila_log lg;
 *   avila_log_init_stderr(&lg, AVILA_LOG_LEVEL_INFO, AVILA_LOG_FORMAT_JSON);
 *   AVILA_LOG_INFO(&lg, "listening", AVILA_LOG_STR("addr", addr), AVILA_LOG_U64("port", port));
 *   AVILA_LOG_ERROR(&lg, "read failed", AVILA_LOG_CODE("err", rc));
 */
#ifndef AVILA_CORE_LOG_H
#define AVILA_CORE_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/platform.h"

/* Levels, lowest first. A logger drops records below its minimum level. */
enum {
    AVILA_LOG_LEVEL_TRACE = 0,
    AVILA_LOG_LEVEL_DEBUG = 1,
    AVILA_LOG_LEVEL_INFO = 2,
    AVILA_LOG_LEVEL_WARN = 3,
    AVILA_LOG_LEVEL_ERROR = 4,
    AVILA_LOG_LEVEL_OFF = 5, /* as a minimum level: log nothing */
};

enum {
    AVILA_LOG_FORMAT_JSON = 0,
    AVILA_LOG_FORMAT_LOGFMT = 1,
};

/* The longest line, '\n' included; also the stack buffer each record is built in. */
#define AVILA_LOG_LINE_MAX 4096
/* The smallest buffer avila_log_format accepts. */
#define AVILA_LOG_LINE_MIN 128
/* Keys longer than this many bytes are cut. */
#define AVILA_LOG_KEY_MAX 64

/* ---------------------------------------------------------------- fields */

enum {
    AVILA_LOG_T_STR,  /* v.s, len bytes */
    AVILA_LOG_T_CSTR, /* v.s, up to its NUL */
    AVILA_LOG_T_I64,  /* v.i */
    AVILA_LOG_T_U64,  /* v.u */
    AVILA_LOG_T_BOOL, /* v.b */
    AVILA_LOG_T_CODE, /* v.i: an AVILA_E* code, written as its name */
    AVILA_LOG_T_HEX,  /* v.p, len bytes, written as lowercase hex */
};

/*
 * One key/value pair. Build them with the AVILA_LOG_* macros below. The key
 * is meant to be a program constant: bytes other than ASCII letters,
 * digits, '_', '.', '-' and '/' are written as '_', a NULL or empty key as
 * "_". A NULL string or byte pointer is written as an empty value. The
 * pointed-to data only has to live until the logging call returns.
 */
struct avila_log_field {
    const char *key;
    int type;
    size_t len;
    union {
        const char *s;
        const void *p;
        int64_t i;
        uint64_t u;
        bool b;
    } v;
};

/* A NUL-terminated string. (Macro parameters avoid the member names.) */
#define AVILA_LOG_STR(name, cstr)                                                                  \
    ((struct avila_log_field){.key = (name), .type = AVILA_LOG_T_CSTR, .v = {.s = (cstr)}})
/* count bytes of string (need not be NUL-terminated). */
#define AVILA_LOG_STRN(name, ptr, count)                                                           \
    ((struct avila_log_field){                                                                     \
        .key = (name), .type = AVILA_LOG_T_STR, .len = (count), .v = {.s = (ptr)}})
#define AVILA_LOG_I64(name, x)                                                                     \
    ((struct avila_log_field){.key = (name), .type = AVILA_LOG_T_I64, .v = {.i = (int64_t)(x)}})
#define AVILA_LOG_U64(name, x)                                                                     \
    ((struct avila_log_field){.key = (name), .type = AVILA_LOG_T_U64, .v = {.u = (uint64_t)(x)}})
#define AVILA_LOG_BOOL(name, x)                                                                    \
    ((struct avila_log_field){.key = (name), .type = AVILA_LOG_T_BOOL, .v = {.b = (x) != 0}})
/* An error code: written as avila_strerror_name(code), e.g. "AVILA_EFORMAT". */
#define AVILA_LOG_CODE(name, code)                                                                 \
    ((struct avila_log_field){.key = (name), .type = AVILA_LOG_T_CODE, .v = {.i = (code)}})
/* count bytes, written as 2 * count lowercase hex digits. */
#define AVILA_LOG_HEX(name, bytes, count)                                                          \
    ((struct avila_log_field){                                                                     \
        .key = (name), .type = AVILA_LOG_T_HEX, .len = (count), .v = {.p = (bytes)}})

/* ---------------------------------------------------------------- logger */

typedef void avila_log_sink_fn(void *ctx, const char *line, size_t len);
typedef int64_t avila_log_clock_fn(void *ctx);

struct avila_log_config {
    int min_level; /* AVILA_LOG_LEVEL_*: records below it are dropped */
    int format;    /* AVILA_LOG_FORMAT_* */
    /*
     * Gets each line (ending in '\n', not NUL-terminated), which is valid
     * only during the call. MUST be safe to call from every thread that logs.
     */
    avila_log_sink_fn *sink;
    void *sink_ctx;
    /* Nanoseconds since the Unix epoch for the "ts" field; NULL: no "ts" field. */
    avila_log_clock_fn *now_ns;
    void *clock_ctx;
    unsigned ts_digits; /* fraction digits of "ts": 0, 3, 6 or 9 */
    /*
     * Keep 1 record in sample_every below AVILA_LOG_LEVEL_WARN (the first,
     * then every sample_every-th that passes the level filter; one counter
     * for all those levels). 0 or 1 keeps all. Warnings and errors are never
     * sampled out.
     */
    uint32_t sample_every;
};

/* A logger. Fields are private; set them with avila_log_init. */
struct avila_log {
    atomic_int min_level;
    atomic_uint sample_count;
    int format;
    unsigned ts_digits;
    uint32_t sample_every;
    avila_log_sink_fn *sink;
    void *sink_ctx;
    avila_log_clock_fn *now_ns;
    void *clock_ctx;
};

/*
 * Makes *lg a logger configured by *cfg (copied; cfg need not outlive the
 * call, the sink and clock contexts must outlive the logger). Returns 0, or
 * AVILA_EINVAL (lg untouched) for an unknown level or format, ts_digits not
 * 0, 3, 6 or 9, or a NULL sink.
 */
int avila_log_init(struct avila_log *lg, const struct avila_log_config *cfg);

/* Changes the minimum level (clamped to TRACE..OFF); safe while other threads log. */
void avila_log_set_level(struct avila_log *lg, int level);

/* True if a record at level would pass the level filter (sampling aside). */
static inline bool avila_log_enabled(struct avila_log *lg, int level)
{
    return level >= atomic_load_explicit(&lg->min_level, memory_order_relaxed);
}

/*
 * Logs one record: filters by level and sampling, formats it with the
 * logger's clock into a stack buffer and calls the sink once. msg is a
 * NUL-terminated string (NULL is written as ""). fields points to nfields
 * fields (may be NULL when nfields is 0). Records with a level outside
 * TRACE..ERROR are dropped. Never fails: there is nothing to report to.
 */
void avila_log_write(struct avila_log *lg, int level, const char *msg,
                     const struct avila_log_field *fields, size_t nfields);

/*
 * The logging macros: AVILA_LOG_INFO(lg, msg, field...) with zero or more
 * fields. The fields are built into an array on the stack, and only when
 * the level is enabled: field arguments are not evaluated otherwise.
 */
#define AVILA_LOG_TRACE(lg, ...) AVILA_LOG_AT((lg), AVILA_LOG_LEVEL_TRACE, __VA_ARGS__)
#define AVILA_LOG_DEBUG(lg, ...) AVILA_LOG_AT((lg), AVILA_LOG_LEVEL_DEBUG, __VA_ARGS__)
#define AVILA_LOG_INFO(lg, ...)  AVILA_LOG_AT((lg), AVILA_LOG_LEVEL_INFO, __VA_ARGS__)
#define AVILA_LOG_WARN(lg, ...)  AVILA_LOG_AT((lg), AVILA_LOG_LEVEL_WARN, __VA_ARGS__)
#define AVILA_LOG_ERROR(lg, ...) AVILA_LOG_AT((lg), AVILA_LOG_LEVEL_ERROR, __VA_ARGS__)

/*
 * AVILA_LOG_AT(lg, level, msg, field...). The message travels inside
 * __VA_ARGS__ and a terminating empty field is appended, so a call without
 * fields is still standard C11 (a variadic macro needs at least one
 * argument for its "...").
 */
#define AVILA_LOG_AT(lg, level, ...) AVILA_LOG_AT_(lg, level, __VA_ARGS__, AVILA_LOG_END_)
#define AVILA_LOG_END_               ((struct avila_log_field){.key = NULL})
#define AVILA_LOG_AT_(lg, level, msg, ...)                                                         \
    do {                                                                                           \
        struct avila_log *avila_log_lg_ = (lg);                                                    \
        int avila_log_level_ = (level);                                                            \
        if (avila_log_enabled(avila_log_lg_, avila_log_level_)) {                                  \
            const struct avila_log_field avila_log_fields_[] = {__VA_ARGS__};                      \
            avila_log_write(avila_log_lg_, avila_log_level_, (msg), avila_log_fields_,             \
                            AVILA_ARRAY_LEN(avila_log_fields_) - 1);                               \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------ formatting */

/* One record, for avila_log_format. */
struct avila_log_record {
    int level; /* AVILA_LOG_LEVEL_TRACE..ERROR */
    const char *msg;
    const struct avila_log_field *fields;
    size_t nfields;
    bool has_time;
    int64_t time_ns; /* nanoseconds since the Unix epoch, if has_time */
};

/*
 * Formats *rec as one line (ending in '\n', no NUL) in format into dst,
 * which MUST hold cap bytes. What avila_log_write does, for callers with
 * their own output. Returns the line's length (at most cap); a record that
 * does not fit is truncated and marked as described at the top. Returns
 * AVILA_EINVAL for an unknown format or level or ts_digits not 0, 3, 6 or 9;
 * AVILA_ENOSPC if cap < AVILA_LOG_LINE_MIN.
 */
int avila_log_format(const struct avila_log_record *rec, int format, unsigned ts_digits, char *dst,
                     size_t cap);

/* The name of a level: "trace", "debug", "info", "warn", "error"; "?" for others. */
const char *avila_log_level_name(int level);

/* ------------------------------------------------- OS (core/log_stderr.c) */

/* A sink writing each line to standard error with one write(2) (retried on EINTR). */
void avila_log_stderr_sink(void *ctx, const char *line, size_t len);

/* A clock returning avila_time_wall_ns(). */
int64_t avila_log_wall_clock(void *ctx);

/*
 * Makes *lg a logger to standard error with the wall clock, millisecond
 * timestamps and no sampling. Returns 0 or AVILA_EINVAL (unknown level or
 * format).
 */
int avila_log_init_stderr(struct avila_log *lg, int min_level, int format);

#endif
