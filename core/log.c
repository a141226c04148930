/*
 * core/log.c - record formatting, level filtering and sampling for
 * core/log.h. JSON lines follow RFC 8259 (section 7 string escaping);
 * logfmt has no standard, so this follows the common convention (as in
 * go-logfmt): space-separated key=value pairs, a value in double quotes
 * with backslash escapes when it is empty or holds a space, '"', '=' or a
 * control character. Timestamps are RFC 3339 section 5.6. Pure: formats
 * into a caller's buffer or a stack buffer, never allocates.
 */
#include "core/error.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"

static const char replacement_char[3] = {'\xEF', '\xBF', '\xBD'}; /* U+FFFD in UTF-8 */

/* Ends a line that had to be cut, before the line's usual end. */
#define JSON_MARK   ",\"truncated\":true"
#define LOGFMT_MARK " truncated=true"
_Static_assert(AVILA_LOG_LINE_MIN > 64 + sizeof JSON_MARK + 2, "ts and level always fit");

/*
 * The line being built. Fields go below `limit`; the bytes above it are
 * kept for what ends the line.
 */
struct out {
    char *buf;
    size_t len;
    size_t limit;
    int format;
    bool first; /* no field written yet: no separator before the next */
    bool full;  /* something did not fit: the line is truncated */
};

/* Appends n bytes if they fit below the limit; else marks the line full. */
static bool put(struct out *o, const char *s, size_t n)
{
    if (o->full || n > o->limit - o->len) {
        o->full = true;
        return false;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return true;
}

/* Appends bytes whose room was set aside: a closing quote, or the line's end. */
static void put_reserved(struct out *o, const char *s, size_t n)
{
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static size_t space_left(const struct out *o)
{
    return o->full ? 0 : o->limit - o->len;
}

/* ---------------------------------------------------------- string text */

/* A string value: n bytes, or up to the NUL when cstr (n is then SIZE_MAX). */
struct text {
    const unsigned char *s;
    size_t n;
    bool cstr;
};

static bool text_ends_at(const struct text *t, size_t i)
{
    return i >= t->n || (t->cstr && t->s[i] == 0);
}

/* Bytes available from i for one UTF-8 sequence: at most 4, never past the end. */
static size_t text_avail(const struct text *t, size_t i)
{
    size_t k = 0;
    while (k < AVILA_UTF8_MAX_LEN && !text_ends_at(t, i + k))
        k++;
    return k;
}

/*
 * Classes of bytes, one bit each; bytes 0x80 and up are in none. PLAIN_Q:
 * copied as they are inside quotes (RFC 8259 section 7 escapes '"', '\\'
 * and the control characters). PLAIN_BARE: copied as they are in a bare
 * logfmt value, which was checked beforehand to hold none of the bytes that
 * matter there. KEY: allowed in keys. NUL is in none, so it can end a text.
 */
enum { PLAIN_Q = 1, PLAIN_BARE = 2, KEY = 4 };
#define C_ (PLAIN_BARE)                 /* control characters, '"', '\\' */
#define P_ (PLAIN_Q | PLAIN_BARE)       /* other printable ASCII */
#define K_ (PLAIN_Q | PLAIN_BARE | KEY) /* A-Z a-z 0-9 _ . - / */
static const uint8_t byte_class[256] = {
    0,  C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, /* 0x00 */
    C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, /* 0x10 */
    P_, P_, C_, P_, P_, P_, P_, P_, P_, P_, P_, P_, P_, K_, K_, K_, /* 0x20 sp ! " ... - . / */
    K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, P_, P_, P_, P_, P_, P_, /* 0x30 0-9 : ; < = > ? */
    P_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, /* 0x40 @ A-O */
    K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, P_, C_, P_, P_, K_, /* 0x50 P-Z [ \ ] ^ _ */
    P_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, /* 0x60 ` a-o */
    K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, K_, P_, P_, P_, P_, P_, /* 0x70 p-z { | } ~ DEL */
};

static bool is_plain(unsigned char c, bool quoted)
{
    return byte_class[c] & (quoted ? PLAIN_Q : PLAIN_BARE);
}

/* The escape for an ASCII byte that is not plain inside quotes; returns its length. */
static size_t escape_ascii(unsigned char c, char esc[6])
{
    static const char hex[16] = "0123456789abcdef";
    static const char short_form[] = {['"'] = '"',  ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
                                      ['\n'] = 'n', ['\r'] = 'r',  ['\t'] = 't'};
    esc[0] = '\\';
    if (c < sizeof short_form && short_form[c]) {
        esc[1] = short_form[c];
        return 2;
    }
    esc[1] = 'u';
    esc[2] = '0';
    esc[3] = '0';
    esc[4] = hex[c >> 4];
    esc[5] = hex[c & 15];
    return 6;
}

/*
 * The output for the non-ASCII character at i: the well-formed sequence
 * itself, or U+FFFD. *in gets the bytes it stands for: a sequence cut short
 * by the end of the text is one bad character, else each bad byte is one.
 */
static const char *utf8_unit(const struct text *t, size_t i, size_t *in, size_t *out_len)
{
    size_t avail = text_avail(t, i);
    uint32_t cp;
    int k = avila_utf8_decode(t->s + i, avail, &cp);
    if (k > 0) {
        *in = *out_len = (size_t)k;
        return (const char *)t->s + i;
    }
    *in = k == AVILA_EAGAIN ? avail : 1;
    *out_len = sizeof replacement_char;
    return replacement_char;
}

/*
 * Writes the text, escaped when quoted, replacing ill-formed UTF-8 with
 * U+FFFD. Each character goes in whole or not at all, so a cut line still
 * ends on a character boundary.
 */
static void put_text(struct out *o, const struct text *t, bool quoted)
{
    size_t i = 0;
    for (;;) {
        /*
         * Copy a run of plain bytes. NUL is not plain, so the scan needs no
         * separate end test for C strings, and it stops one byte past what
         * still fits: a long text is never read further than it is written.
         */
        size_t room = space_left(o);
        size_t end = t->n - i > room ? i + room + 1 : t->n;
        size_t j = i;
        while (j < end && is_plain(t->s[j], quoted))
            j++;
        if (j - i > room) {
            put(o, (const char *)t->s + i, room);
            o->full = true;
            return;
        }
        put(o, (const char *)t->s + i, j - i);
        i = j;
        if (text_ends_at(t, i))
            return;
        bool ok;
        if (t->s[i] < 0x80) {
            char esc[6];
            ok = put(o, esc, escape_ascii(t->s[i], esc));
            i++;
        } else {
            size_t in, n;
            const char *unit = utf8_unit(t, i, &in, &n);
            ok = put(o, unit, n);
            i += in;
        }
        if (!ok)
            return;
    }
}

/*
 * Whether a logfmt value can go bare: it is not empty, holds no byte that
 * would end or confuse a bare value, and fits whole in what is left of the
 * line (a bare value cut short could not be told from a complete one).
 */
static bool logfmt_bare(const struct out *o, const struct text *t)
{
    size_t room = space_left(o), need = 0, i = 0;
    while (i < t->n) {
        unsigned char c = t->s[i];
        size_t in = 1, n = 1;
        if (c == 0 && t->cstr)
            break;
        if (c <= ' ' || c == '"' || c == '=' || c == 0x7f)
            return false;
        if (c >= 0x80)
            utf8_unit(t, i, &in, &n);
        need += n;
        if (need > room)
            return false;
        i += in;
    }
    return i > 0;
}

/* Opens a quoted value, holding back room for its closing quote. */
static bool open_quote(struct out *o)
{
    if (space_left(o) < 2 || !put(o, "\"", 1)) {
        o->full = true;
        return false;
    }
    o->limit--;
    return true;
}

/* Closes a quoted value, however full the line got meanwhile. */
static void close_quote(struct out *o)
{
    o->limit++;
    put_reserved(o, "\"", 1);
}

/*
 * Writes a string value. Returns false if not even its start fits (the
 * caller then drops the field); a value cut later is closed properly.
 */
static bool put_string(struct out *o, const struct text *t)
{
    bool quoted = o->format == AVILA_LOG_FORMAT_JSON || !logfmt_bare(o, t);
    if (!quoted) {
        put_text(o, t, false);
        return true;
    }
    if (!open_quote(o))
        return false;
    put_text(o, t, true);
    close_quote(o);
    return true;
}

static bool put_cstr(struct out *o, const char *s)
{
    struct text t = {(const unsigned char *)(s ? s : ""), SIZE_MAX, true};
    return put_string(o, &t);
}

/* ------------------------------------------------------ other values */

static size_t format_u64(uint64_t v, char buf[20])
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static bool put_i64(struct out *o, int64_t v)
{
    char buf[21];
    /* Negating in unsigned arithmetic is defined for INT64_MIN too. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    buf[0] = '-';
    size_t n = format_u64(mag, buf + (v < 0));
    return put(o, buf, n + (v < 0));
}

static bool put_u64(struct out *o, uint64_t v)
{
    char buf[20];
    return put(o, buf, format_u64(v, buf));
}

/* Hex is quoted in JSON, and in logfmt when empty or when it might not fit whole. */
static bool put_hex(struct out *o, const uint8_t *p, size_t n)
{
    static const char hex[16] = "0123456789abcdef";
    if (!p)
        n = 0;
    bool quoted = o->format == AVILA_LOG_FORMAT_JSON || n == 0 || n > space_left(o) / 2;
    if (quoted && !open_quote(o))
        return false;
    for (size_t i = 0; i < n; i++) {
        char pair[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        if (!put(o, pair, 2))
            break;
    }
    if (quoted)
        close_quote(o);
    return true;
}

/* ------------------------------------------------------------ fields */

/* Writes the separator and the key: `,"key":` or ` key=`. */
static bool put_key(struct out *o, const char *key)
{
    char buf[AVILA_LOG_KEY_MAX + 4];
    size_t n = 0;
    bool json = o->format == AVILA_LOG_FORMAT_JSON;
    if (!o->first)
        buf[n++] = json ? ',' : ' ';
    if (json)
        buf[n++] = '"';
    size_t start = n;
    for (size_t i = 0; key && key[i] && i < AVILA_LOG_KEY_MAX; i++)
        buf[n++] = byte_class[(unsigned char)key[i]] & KEY ? key[i] : '_';
    if (n == start)
        buf[n++] = '_';
    if (json)
        buf[n++] = '"';
    buf[n++] = json ? ':' : '=';
    return put(o, buf, n);
}

static bool put_value(struct out *o, const struct avila_log_field *f)
{
    switch (f->type) {
    case AVILA_LOG_T_STR: {
        struct text t = {(const unsigned char *)(f->v.s ? f->v.s : ""), f->v.s ? f->len : 0, false};
        return put_string(o, &t);
    }
    case AVILA_LOG_T_CSTR:
        return put_cstr(o, f->v.s);
    case AVILA_LOG_T_I64:
        return put_i64(o, f->v.i);
    case AVILA_LOG_T_U64:
        return put_u64(o, f->v.u);
    case AVILA_LOG_T_BOOL:
        return f->v.b ? put(o, "true", 4) : put(o, "false", 5);
    case AVILA_LOG_T_CODE:
        /* Every count is "AVILA_OK"; clamp before narrowing so no value changes sign. */
        return put_cstr(o, avila_strerror_name(f->v.i >= 0          ? 0
                                               : f->v.i < INT32_MIN ? INT32_MIN
                                                                    : (int)f->v.i));
    case AVILA_LOG_T_HEX:
        return put_hex(o, f->v.p, f->len);
    default:
        /* A hand-made field of no known type: an empty value keeps the line valid. */
        return put_cstr(o, NULL);
    }
}

/* Writes one field whole, or a truncated string value, or nothing at all. */
static bool put_field(struct out *o, const struct avila_log_field *f)
{
    size_t mark = o->len;
    if (!put_key(o, f->key) || !put_value(o, f)) {
        o->len = mark;
        o->full = true;
        return false;
    }
    o->first = false;
    return !o->full;
}

/* ------------------------------------------------------------ records */

const char *avila_log_level_name(int level)
{
    static const char *const names[] = {"trace", "debug", "info", "warn", "error"};
    if (level < AVILA_LOG_LEVEL_TRACE || level > AVILA_LOG_LEVEL_ERROR)
        return "?";
    return names[level];
}

static bool ts_digits_ok(unsigned d)
{
    return d == 0 || d == 3 || d == 6 || d == 9;
}

/* Writes ts, level, msg and the fields, stopping at the first that does not fit. */
static void put_record(struct out *o, const struct avila_log_record *rec, unsigned ts_digits)
{
    if (rec->has_time) {
        char ts[AVILA_TIME_RFC3339_MAX];
        int n = avila_time_format_rfc3339(rec->time_ns, ts_digits, ts, sizeof ts);
        if (n > 0 && !put_field(o, &AVILA_LOG_STRN("ts", ts, (size_t)n)))
            return;
    }
    if (!put_field(o, &AVILA_LOG_STR("level", avila_log_level_name(rec->level))) ||
        !put_field(o, &AVILA_LOG_STR("msg", rec->msg)))
        return;
    for (size_t i = 0; rec->fields && i < rec->nfields; i++)
        if (!put_field(o, &rec->fields[i]))
            return;
}

/* Builds the line's fields in dst below limit; returns false if it had to cut. */
static bool build(struct out *o, const struct avila_log_record *rec, int format, unsigned ts_digits,
                  char *dst, size_t limit)
{
    *o = (struct out){.buf = dst, .limit = limit, .format = format, .first = true};
    if (format == AVILA_LOG_FORMAT_JSON)
        put(o, "{", 1);
    put_record(o, rec, ts_digits);
    return !o->full;
}

int avila_log_format(const struct avila_log_record *rec, int format, unsigned ts_digits, char *dst,
                     size_t cap)
{
    if ((format != AVILA_LOG_FORMAT_JSON && format != AVILA_LOG_FORMAT_LOGFMT) ||
        !ts_digits_ok(ts_digits) || rec->level < AVILA_LOG_LEVEL_TRACE ||
        rec->level > AVILA_LOG_LEVEL_ERROR)
        return AVILA_EINVAL;
    if (cap < AVILA_LOG_LINE_MIN)
        return AVILA_ENOSPC;
    bool json = format == AVILA_LOG_FORMAT_JSON;
    size_t end_len = json ? 2 : 1;
    const char *mark = json ? JSON_MARK : LOGFMT_MARK;
    size_t mark_len = json ? sizeof JSON_MARK - 1 : sizeof LOGFMT_MARK - 1;
    struct out o;
    /* Most records fit; one that does not is built again with room for the marker. */
    if (!build(&o, rec, format, ts_digits, dst, cap - end_len)) {
        build(&o, rec, format, ts_digits, dst, cap - end_len - mark_len);
        put_reserved(&o, mark, mark_len);
    }
    put_reserved(&o, json ? "}\n" : "\n", end_len);
    return (int)o.len;
}

/* ------------------------------------------------------------ logger */

int avila_log_init(struct avila_log *lg, const struct avila_log_config *cfg)
{
    if (cfg->min_level < AVILA_LOG_LEVEL_TRACE || cfg->min_level > AVILA_LOG_LEVEL_OFF ||
        (cfg->format != AVILA_LOG_FORMAT_JSON && cfg->format != AVILA_LOG_FORMAT_LOGFMT) ||
        !ts_digits_ok(cfg->ts_digits) || cfg->sink == NULL)
        return AVILA_EINVAL;
    atomic_init(&lg->min_level, cfg->min_level);
    atomic_init(&lg->sample_count, 0);
    lg->format = cfg->format;
    lg->ts_digits = cfg->ts_digits;
    lg->sample_every = cfg->sample_every;
    lg->sink = cfg->sink;
    lg->sink_ctx = cfg->sink_ctx;
    lg->now_ns = cfg->now_ns;
    lg->clock_ctx = cfg->clock_ctx;
    return 0;
}

void avila_log_set_level(struct avila_log *lg, int level)
{
    if (level < AVILA_LOG_LEVEL_TRACE)
        level = AVILA_LOG_LEVEL_TRACE;
    if (level > AVILA_LOG_LEVEL_OFF)
        level = AVILA_LOG_LEVEL_OFF;
    atomic_store_explicit(&lg->min_level, level, memory_order_relaxed);
}

/* 1-in-N sampling below WARN; one relaxed atomic add, so it is safe across threads. */
static bool sampled_out(struct avila_log *lg, int level)
{
    if (level >= AVILA_LOG_LEVEL_WARN || lg->sample_every <= 1)
        return false;
    unsigned seen = atomic_fetch_add_explicit(&lg->sample_count, 1, memory_order_relaxed);
    return seen % lg->sample_every != 0;
}

void avila_log_write(struct avila_log *lg, int level, const char *msg,
                     const struct avila_log_field *fields, size_t nfields)
{
    if (!avila_log_enabled(lg, level) || level > AVILA_LOG_LEVEL_ERROR || sampled_out(lg, level))
        return;
    struct avila_log_record rec = {
        .level = level,
        .msg = msg,
        .fields = fields,
        .nfields = nfields,
        .has_time = lg->now_ns != NULL,
        .time_ns = lg->now_ns ? lg->now_ns(lg->clock_ctx) : 0,
    };
    char line[AVILA_LOG_LINE_MAX];
    int len = avila_log_format(&rec, lg->format, lg->ts_digits, line, sizeof line);
    if (len > 0)
        lg->sink(lg->sink_ctx, line, (size_t)len);
}
