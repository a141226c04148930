/*
 * tests/core/test_log.c - structured logging: exact output of every field
 * type in both formats, RFC 8259 escaping and U+FFFD replacement,
 * truncation that keeps lines valid (checked structurally with
 * core/log_int.h at every buffer size), level filtering, sampling (also
 * across threads) and the stderr sink.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/log_int.h"

/* 2026-11-22T03:20:24.123456789Z */
#define FIXED_NS 1795317624123456789ll

/* A sink that keeps the last line and counts lines (thread-safe count). */
struct capture {
    char last[AVILA_LOG_LINE_MAX + 1];
    size_t last_len;
    atomic_int lines;
    atomic_int invalid;
    int format;
    bool count_only; /* for sinks shared by threads */
};

static void capture_sink(void *ctx, const char *line, size_t len)
{
    struct capture *c = ctx;
    bool ok = c->format == AVILA_LOG_FORMAT_JSON ? log_check_json_line(line, len)
                                                 : log_check_logfmt_line(line, len);
    if (!ok)
        atomic_fetch_add(&c->invalid, 1);
    atomic_fetch_add(&c->lines, 1);
    if (!c->count_only && len <= AVILA_LOG_LINE_MAX) {
        memcpy(c->last, line, len);
        c->last[len] = '\0';
        c->last_len = len;
    }
}

static int64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return FIXED_NS;
}

static void make_logger(struct avila_log *lg, struct capture *cap, int format, bool clock)
{
    memset(cap, 0, sizeof *cap);
    cap->format = format;
    struct avila_log_config cfg = {
        .min_level = AVILA_LOG_LEVEL_TRACE,
        .format = format,
        .sink = capture_sink,
        .sink_ctx = cap,
        .now_ns = clock ? fixed_clock : NULL,
        .ts_digits = 3,
    };
    assert_int_equal(avila_log_init(lg, &cfg), 0);
}

/* Formats one record without time into a buffer of cap bytes and checks it. */
static const char *fmt(int format, const char *msg, const struct avila_log_field *f, size_t n)
{
    static char buf[AVILA_LOG_LINE_MAX + 1];
    struct avila_log_record rec = {
        .level = AVILA_LOG_LEVEL_INFO, .msg = msg, .fields = f, .nfields = n};
    int len = avila_log_format(&rec, format, 0, buf, AVILA_LOG_LINE_MAX);
    assert_true(len > 0);
    bool ok = format == AVILA_LOG_FORMAT_JSON ? log_check_json_line(buf, (size_t)len)
                                              : log_check_logfmt_line(buf, (size_t)len);
    if (!ok)
        fail_msg("invalid line: %.*s", len, buf);
    buf[len] = '\0';
    return buf;
}

/* ------------------------------------------------------------ exact output */

static void every_field_type_json_and_logfmt(void **state)
{
    (void)state;
    static const uint8_t id[3] = {0x00, 0xff, 0x10};
    for (int format = 0; format < 2; format++) {
        struct avila_log lg;
        struct capture cap;
        make_logger(&lg, &cap, format, true);
        AVILA_LOG_INFO(&lg, "listening", AVILA_LOG_STR("addr", "10.0.0.1"),
                       AVILA_LOG_U64("port", 8080), AVILA_LOG_I64("delta", -5),
                       AVILA_LOG_BOOL("ok", 1), AVILA_LOG_BOOL("tls", 0),
                       AVILA_LOG_CODE("err", AVILA_EFORMAT), AVILA_LOG_HEX("id", id, 3),
                       AVILA_LOG_STRN("part", "abcdef", 3));
        assert_int_equal(cap.lines, 1);
        assert_int_equal(cap.invalid, 0);
        if (format == AVILA_LOG_FORMAT_JSON)
            assert_string_equal(cap.last,
                                "{\"ts\":\"2026-11-22T03:20:24.123Z\",\"level\":\"info\","
                                "\"msg\":\"listening\",\"addr\":\"10.0.0.1\",\"port\":"
                                "8080,\"delta\":-5,\"ok\":true,\"tls\":false,\"err\":"
                                "\"AVILA_EFORMAT\",\"id\":\"00ff10\",\"part\":\"abc\"}\n");
        else
            assert_string_equal(cap.last, "ts=2026-11-22T03:20:24.123Z level=info msg=listening "
                                          "addr=10.0.0.1 port=8080 delta=-5 ok=true tls=false "
                                          "err=AVILA_EFORMAT id=00ff10 part=abc\n");
    }
}

static void no_fields_no_clock_every_level(void **state)
{
    (void)state;
    struct avila_log lg;
    struct capture cap;
    make_logger(&lg, &cap, AVILA_LOG_FORMAT_JSON, false);
    AVILA_LOG_TRACE(&lg, "t");
    assert_string_equal(cap.last, "{\"level\":\"trace\",\"msg\":\"t\"}\n");
    AVILA_LOG_DEBUG(&lg, "d");
    assert_string_equal(cap.last, "{\"level\":\"debug\",\"msg\":\"d\"}\n");
    AVILA_LOG_INFO(&lg, "i");
    assert_string_equal(cap.last, "{\"level\":\"info\",\"msg\":\"i\"}\n");
    AVILA_LOG_WARN(&lg, "w");
    assert_string_equal(cap.last, "{\"level\":\"warn\",\"msg\":\"w\"}\n");
    AVILA_LOG_ERROR(&lg, NULL);
    assert_string_equal(cap.last, "{\"level\":\"error\",\"msg\":\"\"}\n");
    make_logger(&lg, &cap, AVILA_LOG_FORMAT_LOGFMT, false);
    AVILA_LOG_WARN(&lg, "hi");
    assert_string_equal(cap.last, "level=warn msg=hi\n");
    AVILA_LOG_WARN(&lg, "");
    assert_string_equal(cap.last, "level=warn msg=\"\"\n");
    assert_string_equal(avila_log_level_name(AVILA_LOG_LEVEL_ERROR), "error");
    assert_string_equal(avila_log_level_name(AVILA_LOG_LEVEL_OFF), "?");
    assert_string_equal(avila_log_level_name(-1), "?");
}

static void timestamp_precision(void **state)
{
    (void)state;
    static const char *const want[] = {
        "{\"ts\":\"2026-11-22T03:20:24Z\",\"level\":\"info\",\"msg\":\"m\"}\n",
        "{\"ts\":\"2026-11-22T03:20:24.123Z\",\"level\":\"info\",\"msg\":\"m\"}\n",
        "{\"ts\":\"2026-11-22T03:20:24.123456Z\",\"level\":\"info\",\"msg\":\"m\"}\n",
        "{\"ts\":\"2026-11-22T03:20:24.123456789Z\",\"level\":\"info\",\"msg\":\"m\"}\n",
    };
    for (unsigned d = 0; d <= 9; d += 3) {
        char buf[256];
        struct avila_log_record rec = {
            .level = AVILA_LOG_LEVEL_INFO, .msg = "m", .has_time = true, .time_ns = FIXED_NS};
        int n = avila_log_format(&rec, AVILA_LOG_FORMAT_JSON, d, buf, sizeof buf);
        assert_int_equal(n, (int)strlen(want[d / 3]));
        assert_memory_equal(buf, want[d / 3], (size_t)n);
    }
    char buf[256];
    struct avila_log_record rec = {
        .level = AVILA_LOG_LEVEL_INFO, .msg = "m", .has_time = true, .time_ns = INT64_MIN};
    int n = avila_log_format(&rec, AVILA_LOG_FORMAT_LOGFMT, 9, buf, sizeof buf);
    assert_int_equal(n, 51);
    assert_memory_equal(buf, "ts=1677-09-21T00:12:43.145224192Z level=info msg=m\n", 51);
}

static void integers_codes_and_empty_values(void **state)
{
    (void)state;
    const struct avila_log_field f[] = {
        AVILA_LOG_I64("a", INT64_MIN),  AVILA_LOG_I64("b", INT64_MAX),
        AVILA_LOG_U64("c", UINT64_MAX), AVILA_LOG_U64("d", 0),
        AVILA_LOG_I64("e", 0),          AVILA_LOG_CODE("f", 0),
        AVILA_LOG_CODE("g", 5),         AVILA_LOG_CODE("h", -999),
        AVILA_LOG_CODE("i", AVILA_EIO), AVILA_LOG_STR("j", NULL),
        AVILA_LOG_STRN("k", NULL, 5),   AVILA_LOG_HEX("l", NULL, 5),
        AVILA_LOG_HEX("m", "", 0),      AVILA_LOG_STRN("n", "x", 0),
    };
    assert_string_equal(
        fmt(AVILA_LOG_FORMAT_JSON, "m", f, AVILA_ARRAY_LEN(f)),
        "{\"level\":\"info\",\"msg\":\"m\",\"a\":-9223372036854775808,\"b\":9223372036854775807,"
        "\"c\":18446744073709551615,\"d\":0,\"e\":0,\"f\":\"AVILA_OK\",\"g\":\"AVILA_OK\","
        "\"h\":\"AVILA_E?\",\"i\":\"AVILA_EIO\",\"j\":\"\",\"k\":\"\",\"l\":\"\",\"m\":\"\","
        "\"n\":\"\"}\n");
    assert_string_equal(fmt(AVILA_LOG_FORMAT_LOGFMT, "m", f, AVILA_ARRAY_LEN(f)),
                        "level=info msg=m a=-9223372036854775808 b=9223372036854775807 "
                        "c=18446744073709551615 d=0 e=0 f=AVILA_OK g=AVILA_OK h=AVILA_E? "
                        "i=AVILA_EIO j=\"\" k=\"\" l=\"\" m=\"\" n=\"\"\n");
    /* Codes beyond int: negative ones are unknown codes, positive ones counts. */
    const struct avila_log_field big[] = {
        {.key = "p", .type = AVILA_LOG_T_CODE, .v = {.i = INT64_MIN}},
        {.key = "q", .type = AVILA_LOG_T_CODE, .v = {.i = (int64_t)1 << 32 | 0xFFFFFFFB}},
        {.key = "r", .type = 99, .v = {.i = 1}},
    };
    assert_string_equal(fmt(AVILA_LOG_FORMAT_JSON, "m", big, 3),
                        "{\"level\":\"info\",\"msg\":\"m\",\"p\":\"AVILA_E?\",\"q\":\"AVILA_OK\","
                        "\"r\":\"\"}\n");
}

static void keys_are_sanitised(void **state)
{
    (void)state;
    char long_key[101];
    memset(long_key, 'k', 100);
    long_key[100] = '\0';
    const struct avila_log_field f[] = {
        AVILA_LOG_BOOL("bad key!\"=", 1),
        AVILA_LOG_BOOL(NULL, 1),
        AVILA_LOG_BOOL("", 1),
        AVILA_LOG_BOOL("a.b-c/d_E9", 1),
        AVILA_LOG_BOOL(long_key, 1),
        AVILA_LOG_BOOL("\xc3\xa9", 1),
    };
    char want[512];
    snprintf(want, sizeof want,
             "{\"level\":\"info\",\"msg\":\"m\",\"bad_key___\":true,\"_\":true,\"_\":true,"
             "\"a.b-c/d_E9\":true,\"%.64s\":true,\"__\":true}\n",
             long_key);
    assert_string_equal(fmt(AVILA_LOG_FORMAT_JSON, "m", f, AVILA_ARRAY_LEN(f)), want);
    snprintf(want, sizeof want,
             "level=info msg=m bad_key___=true _=true _=true a.b-c/d_E9=true %.64s=true "
             "__=true\n",
             long_key);
    assert_string_equal(fmt(AVILA_LOG_FORMAT_LOGFMT, "m", f, AVILA_ARRAY_LEN(f)), want);
}

/* ---------------------------------------------------------------- escaping */

static void json_escaping(void **state)
{
    (void)state;
    static const char raw[] = "q\" b\\ n\n r\r t\t b\b f\f 01\x01 1f\x1f del\x7f /";
    const struct avila_log_field f[] = {AVILA_LOG_STRN("v", "a\0b", 3)};
    assert_string_equal(fmt(AVILA_LOG_FORMAT_JSON, raw, f, 1),
                        "{\"level\":\"info\",\"msg\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f "
                        "01\\u0001 1f\\u001f del\x7f /\",\"v\":\"a\\u0000b\"}\n");
}

static void utf8_kept_and_ill_formed_replaced(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        {"\xc3\xa9\xf0\x9f\x98\x80", 6, "\xc3\xa9\xf0\x9f\x98\x80"}, /* kept */
        {"a\xff"
         "b",
         3,
         "a\xef\xbf\xbd"
         "b"},                                                       /* bad byte */
        {"a\xc3", 2, "a\xef\xbf\xbd"},                               /* cut at the end */
        {"a\xf0\x9f\x98", 4, "a\xef\xbf\xbd"},                       /* cut, one U+FFFD */
        {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong */
        {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
        {"\xf4\x90\x80\x80", 4,
         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* above U+10FFFF */
        {"\xe2\x82x", 3, "\xef\xbf\xbd\xef\xbf\xbdx"},        /* broken mid-way */
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        const struct avila_log_field f[] = {AVILA_LOG_STRN("v", cases[i].in, cases[i].n)};
        char want[128];
        snprintf(want, sizeof want, "{\"level\":\"info\",\"msg\":\"m\",\"v\":\"%s\"}\n",
                 cases[i].out);
        assert_string_equal(fmt(AVILA_LOG_FORMAT_JSON, "m", f, 1), want);
        snprintf(want, sizeof want, "level=info msg=m v=%s\n", cases[i].out);
        assert_string_equal(fmt(AVILA_LOG_FORMAT_LOGFMT, "m", f, 1), want);
    }
    /* A NUL-terminated string cut inside a sequence by its NUL. */
    const struct avila_log_field c[] = {AVILA_LOG_STR("v", "x\xe2\x82")};
    assert_string_equal(fmt(AVILA_LOG_FORMAT_JSON, "m", c, 1),
                        "{\"level\":\"info\",\"msg\":\"m\",\"v\":\"x\xef\xbf\xbd\"}\n");
}

static void logfmt_quoting(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"two words", "\"two words\""},
        {"a=b", "\"a=b\""},
        {"say \"hi\"", "\"say \\\"hi\\\"\""},
        {"back\\slash", "back\\slash"},
        {"tab\there", "\"tab\\there\""},
        {"line\n", "\"line\\n\""},
        {"del\x7f", "\"del\x7f\""},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"quote\"and\\", "\"quote\\\"and\\\\\""},
        {"\x01", "\"\\u0001\""},
        {"-", "-"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        const struct avila_log_field f[] = {AVILA_LOG_STR("v", cases[i].in)};
        char want[128];
        snprintf(want, sizeof want, "level=info msg=m v=%s\n", cases[i].out);
        assert_string_equal(fmt(AVILA_LOG_FORMAT_LOGFMT, "m", f, 1), want);
    }
    assert_string_equal(fmt(AVILA_LOG_FORMAT_LOGFMT, "hello world", NULL, 0),
                        "level=info msg=\"hello world\"\n");
}

/* ---------------------------------------------------------------- truncation */

/*
 * A cut line is the full line up to a field boundary, or up to a character
 * inside a string value that is then closed; then the marker and the end.
 */
static void check_cut(const char *full, size_t full_len, const char *cut, size_t len, int format)
{
    bool json = format == AVILA_LOG_FORMAT_JSON;
    const char *tail = json ? ",\"truncated\":true}\n" : " truncated=true\n";
    size_t tail_len = strlen(tail);
    assert_true(len > tail_len && len < full_len);
    assert_memory_equal(cut + len - tail_len, tail, tail_len);
    size_t body = len - tail_len;
    if (memcmp(cut, full, body) == 0) {
        /* Whole fields: the full line goes on with the next separator. */
        assert_true(full[body] == (json ? ',' : ' '));
        return;
    }
    /* A string cut short and closed: all but the quote is the full line's... */
    assert_true(cut[body - 1] == '"');
    if (memcmp(cut, full, body - 1) == 0)
        return;
    /*
     * ...or, in logfmt, a value the full line writes bare, quoted because it
     * no longer fit: key=value versus key="val".
     */
    assert_false(json);
    const char *eq = cut + body;
    while (eq > cut && *eq != '=')
        eq--;
    size_t v = (size_t)(eq - cut) + 1;
    assert_true(cut[v] == '"');
    assert_memory_equal(cut, full, v);
    assert_memory_equal(cut + v + 1, full + v, body - v - 2);
}

static void format_at_every_size(const struct avila_log_record *rec, int format)
{
    static char full[8192], cut[8192];
    int full_len = avila_log_format(rec, format, 3, full, sizeof full);
    assert_true(full_len > 0);
    assert_true(format == AVILA_LOG_FORMAT_JSON ? log_check_json_line(full, (size_t)full_len)
                                                : log_check_logfmt_line(full, (size_t)full_len));
    for (size_t cap = AVILA_LOG_LINE_MIN; cap < (size_t)full_len + 2; cap++) {
        memset(cut, 0x55, sizeof cut);
        int len = avila_log_format(rec, format, 3, cut, cap);
        assert_true(len > 0 && (size_t)len <= cap);
        assert_int_equal((unsigned char)cut[cap], 0x55); /* nothing past cap */
        bool ok = format == AVILA_LOG_FORMAT_JSON ? log_check_json_line(cut, (size_t)len)
                                                  : log_check_logfmt_line(cut, (size_t)len);
        if (!ok)
            fail_msg("cap %zu: invalid %.*s", cap, len, cut);
        if (cap >= (size_t)full_len) {
            /* Room enough: never cut, even by a byte. */
            assert_int_equal(len, full_len);
            assert_memory_equal(cut, full, (size_t)len);
        } else {
            check_cut(full, (size_t)full_len, cut, (size_t)len, format);
        }
    }
}

static void truncation_keeps_lines_valid(void **state)
{
    (void)state;
    static const uint8_t bytes[40] = {1, 2, 3};
    const struct avila_log_field f[] = {
        AVILA_LOG_STR("text",
                      "Some text with \"quotes\", \\ and \n, caf\xc3\xa9 \xf0\x9f\x98\x80!"),
        AVILA_LOG_I64("neg", -1234567890123),
        AVILA_LOG_STRN("bad", "\xff\xfe\xc3", 3),
        AVILA_LOG_HEX("hex", bytes, sizeof bytes),
        AVILA_LOG_BOOL("flag", 1),
        AVILA_LOG_STR("words", "no quotes needed"),
        AVILA_LOG_STR("key", "simple-value_without_spaces_but_quite_long_indeed_0123456789"),
        AVILA_LOG_CODE("err", AVILA_ETIMEDOUT),
        AVILA_LOG_U64("big", UINT64_MAX),
    };
    struct avila_log_record rec = {
        .level = AVILA_LOG_LEVEL_ERROR,
        .msg = "a message that is long enough to be cut: \x01\x02 \xe2\x82\xac\xe2\x82\xac",
        .fields = f,
        .nfields = AVILA_ARRAY_LEN(f),
        .has_time = true,
        .time_ns = FIXED_NS,
    };
    format_at_every_size(&rec, AVILA_LOG_FORMAT_JSON);
    format_at_every_size(&rec, AVILA_LOG_FORMAT_LOGFMT);
}

/* Random records (text of random bytes, random types), cut at every size. */
static void truncation_property(void **state)
{
    (void)state;
    uint64_t rng = 2024;
    static char text[8][120];
    for (int round = 0; round < 60; round++) {
        struct avila_log_field f[8];
        size_t n = unit_rand(&rng) % 8;
        for (size_t i = 0; i < n; i++) {
            size_t len = unit_rand(&rng) % 120;
            unit_rand_fill(&rng, text[i], len);
            /* Mostly printable ASCII, some of everything. */
            for (size_t k = 0; k < len; k++)
                if (unit_rand(&rng) % 4)
                    text[i][k] = (char)(' ' + (unsigned char)text[i][k] % 95);
            switch (unit_rand(&rng) % 4) {
            case 0:
                f[i] = AVILA_LOG_STRN("s", text[i], len);
                break;
            case 1:
                f[i] = AVILA_LOG_HEX("h", text[i], len % 50);
                break;
            case 2:
                f[i] = AVILA_LOG_I64("i", (int64_t)unit_rand(&rng));
                break;
            default:
                f[i] = AVILA_LOG_CODE("c", -(int)(unit_rand(&rng) % 20));
            }
        }
        struct avila_log_record rec = {.level = (int)(unit_rand(&rng) % 5),
                                       .msg = "msg",
                                       .fields = f,
                                       .nfields = n,
                                       .has_time = round % 2,
                                       .time_ns = (int64_t)unit_rand(&rng)};
        format_at_every_size(&rec, AVILA_LOG_FORMAT_JSON);
        format_at_every_size(&rec, AVILA_LOG_FORMAT_LOGFMT);
    }
}

/* Through a logger: a 10 KB message becomes one valid 4 KiB line. */
static void logger_truncates_at_line_max(void **state)
{
    (void)state;
    char *big = malloc(10001);
    assert_non_null(big);
    memset(big, 'x', 10000);
    big[10000] = '\0';
    for (int format = 0; format < 2; format++) {
        struct avila_log lg;
        struct capture cap;
        make_logger(&lg, &cap, format, true);
        AVILA_LOG_INFO(&lg, big, AVILA_LOG_U64("after", 1));
        assert_int_equal(cap.lines, 1);
        assert_int_equal(cap.invalid, 0);
        assert_int_equal(cap.last_len, AVILA_LOG_LINE_MAX);
        assert_non_null(strstr(cap.last, format == AVILA_LOG_FORMAT_JSON ? "\"truncated\":true}\n"
                                                                         : " truncated=true\n"));
        assert_null(strstr(cap.last, "after"));
    }
    free(big);
}

/* ---------------------------------------------------------- filter, sample */

static int evaluated;

static int64_t side_effect(void)
{
    evaluated++;
    return 1;
}

static void level_filtering(void **state)
{
    (void)state;
    struct avila_log lg;
    struct capture cap;
    make_logger(&lg, &cap, AVILA_LOG_FORMAT_JSON, false);
    avila_log_set_level(&lg, AVILA_LOG_LEVEL_INFO);
    evaluated = 0;
    AVILA_LOG_TRACE(&lg, "no", AVILA_LOG_I64("x", side_effect()));
    AVILA_LOG_DEBUG(&lg, "no", AVILA_LOG_I64("x", side_effect()));
    assert_int_equal(cap.lines, 0);
    assert_int_equal(evaluated, 0); /* disabled: fields are not even built */
    AVILA_LOG_INFO(&lg, "yes", AVILA_LOG_I64("x", side_effect()));
    AVILA_LOG_WARN(&lg, "yes");
    AVILA_LOG_ERROR(&lg, "yes");
    assert_int_equal(cap.lines, 3);
    assert_int_equal(evaluated, 1);
    avila_log_set_level(&lg, AVILA_LOG_LEVEL_OFF);
    AVILA_LOG_ERROR(&lg, "no");
    avila_log_set_level(&lg, 99);
    AVILA_LOG_ERROR(&lg, "no");
    assert_int_equal(cap.lines, 3);
    avila_log_set_level(&lg, -5);
    AVILA_LOG_TRACE(&lg, "yes");
    assert_int_equal(cap.lines, 4);
    /* Levels outside TRACE..ERROR are dropped, not misprinted. */
    avila_log_write(&lg, AVILA_LOG_LEVEL_OFF, "no", NULL, 0);
    avila_log_write(&lg, 1000, "no", NULL, 0);
    avila_log_write(&lg, -1, "no", NULL, 0);
    assert_int_equal(cap.lines, 4);
    assert_int_equal(cap.invalid, 0);
}

static void sampling_counts(void **state)
{
    (void)state;
    struct avila_log lg;
    struct capture cap;
    memset(&cap, 0, sizeof cap);
    struct avila_log_config cfg = {.min_level = AVILA_LOG_LEVEL_DEBUG,
                                   .sink = capture_sink,
                                   .sink_ctx = &cap,
                                   .sample_every = 10};
    assert_int_equal(avila_log_init(&lg, &cfg), 0);
    AVILA_LOG_INFO(&lg, "first");
    assert_int_equal(cap.lines, 1); /* the first is kept */
    for (int i = 1; i < 100; i++)
        AVILA_LOG_INFO(&lg, "i");
    assert_int_equal(cap.lines, 10);
    for (int i = 0; i < 100; i++)
        AVILA_LOG_WARN(&lg, "w");
    for (int i = 0; i < 50; i++)
        AVILA_LOG_ERROR(&lg, "e");
    assert_int_equal(cap.lines, 160); /* warnings and errors are never sampled */
    /* Filtered records do not count; debug and info share the counter. */
    for (int i = 0; i < 100; i++)
        AVILA_LOG_TRACE(&lg, "t");
    for (int i = 0; i < 50; i++) {
        AVILA_LOG_DEBUG(&lg, "d");
        AVILA_LOG_INFO(&lg, "i");
    }
    assert_int_equal(cap.lines, 170);
    /* 0 and 1 keep everything. */
    for (uint32_t every = 0; every < 2; every++) {
        cfg.sample_every = every;
        memset(&cap, 0, sizeof cap);
        assert_int_equal(avila_log_init(&lg, &cfg), 0);
        for (int i = 0; i < 37; i++)
            AVILA_LOG_DEBUG(&lg, "d");
        assert_int_equal(cap.lines, 37);
    }
}

struct thread_arg {
    struct avila_log *lg;
    int n;
};

static void *log_many(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < a->n; i++)
        AVILA_LOG_INFO(a->lg, "from a thread", AVILA_LOG_I64("i", i));
    return NULL;
}

/* Four threads share one sampled logger: exactly 1 in 7 of all records pass. */
static void sampling_across_threads(void **state)
{
    (void)state;
    struct avila_log lg;
    struct capture cap;
    memset(&cap, 0, sizeof cap);
    cap.count_only = true;
    struct avila_log_config cfg = {.min_level = AVILA_LOG_LEVEL_INFO,
                                   .sink = capture_sink,
                                   .sink_ctx = &cap,
                                   .now_ns = fixed_clock,
                                   .sample_every = 7};
    assert_int_equal(avila_log_init(&lg, &cfg), 0);
    pthread_t t[4];
    struct thread_arg arg = {&lg, 7000};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, log_many, &arg), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(cap.lines, 4000);
    assert_int_equal(cap.invalid, 0);
}

static void init_and_format_errors(void **state)
{
    (void)state;
    struct capture cap;
    struct avila_log lg;
    memset(&lg, 0x5a, sizeof lg);
    const struct avila_log_config good = {
        .min_level = AVILA_LOG_LEVEL_INFO, .sink = capture_sink, .sink_ctx = &cap};
    struct avila_log_config bad[6];
    for (int i = 0; i < 6; i++)
        bad[i] = good;
    bad[0].min_level = -1;
    bad[1].min_level = AVILA_LOG_LEVEL_OFF + 1;
    bad[2].format = 2;
    bad[3].ts_digits = 4;
    bad[4].sink = NULL;
    bad[5].ts_digits = 12;
    for (int i = 0; i < 6; i++)
        assert_int_equal(avila_log_init(&lg, &bad[i]), AVILA_EINVAL);
    assert_int_equal(lg.format, 0x5a5a5a5a);
    struct avila_log_config off = good;
    off.min_level = AVILA_LOG_LEVEL_OFF;
    assert_int_equal(avila_log_init(&lg, &off), 0);

    char buf[AVILA_LOG_LINE_MIN];
    struct avila_log_record rec = {.level = AVILA_LOG_LEVEL_INFO, .msg = "m"};
    assert_int_equal(avila_log_format(&rec, 0, 3, buf, sizeof buf - 1), AVILA_ENOSPC);
    assert_int_equal(avila_log_format(&rec, 0, 3, buf, sizeof buf), 27);
    assert_int_equal(avila_log_format(&rec, -1, 3, buf, sizeof buf), AVILA_EINVAL);
    assert_int_equal(avila_log_format(&rec, 0, 1, buf, sizeof buf), AVILA_EINVAL);
    rec.level = AVILA_LOG_LEVEL_OFF;
    assert_int_equal(avila_log_format(&rec, 0, 3, buf, sizeof buf), AVILA_EINVAL);
    /* The smallest buffer still holds the time and the level. */
    rec.level = AVILA_LOG_LEVEL_ERROR;
    rec.msg = "a message far too long for the smallest buffer there is, so it gets cut, "
              "cut, cut, and cut again";
    rec.has_time = true;
    rec.time_ns = FIXED_NS;
    int n = avila_log_format(&rec, 0, 9, buf, sizeof buf);
    assert_true(n > 0 && n <= (int)sizeof buf);
    assert_true(log_check_json_line(buf, (size_t)n));
    assert_memory_equal(buf, "{\"ts\":\"2026-11-22T03:20:24.123456789Z\",\"level\":\"error\"", 54);
}

/* The checkers themselves reject what they must (they guard the tests above). */
static void checkers_reject_bad_lines(void **state)
{
    (void)state;
    static const char *const bad_json[] = {
        "{\"a\":1}",          "{\"a\":1}\n\n",
        "{\"a\":01}\n",       "{\"a\":-}\n",
        "{\"a\":\"x}\n",      "{\"a\":\"\x01\"}\n",
        "{\"a\":\"\\x\"}\n",  "{\"a\":\"\\u12g4\"}\n",
        "{\"a\":tru}\n",      "{a:1}\n",
        "{\"a\":1,}\n",       "{\"a\" :1}\n",
        "{\"a\":\"\xff\"}\n", "[1]\n",
        "{\"a\":1}}\n",       "{\"a\":null}\n",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_json); i++)
        assert_false(log_check_json_line(bad_json[i], strlen(bad_json[i])));
    assert_true(log_check_json_line("{}\n", 3));
    const char *good = "{\"a\":-0,\"b\":\"\\u00e9\\/\",\"c\":false}\n";
    assert_true(log_check_json_line(good, strlen(good)));
    static const char *const bad_logfmt[] = {
        "a=1",     "a=1 \n",     "a=\n",   "=1\n",        "a b=1\n",  "a=\"x\n",
        "a=x=y\n", "a=1  b=2\n", "a!=1\n", "a=\"\\q\"\n", "a=\xff\n", "\n",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_logfmt); i++)
        assert_false(log_check_logfmt_line(bad_logfmt[i], strlen(bad_logfmt[i])));
    good = "a=1 b=\"x y\" c=\\\n";
    assert_true(log_check_logfmt_line(good, strlen(good)));
}

/* ---------------------------------------------------------- stderr sink */

static void stderr_sink_writes_one_line(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
    struct avila_log lg;
    int rc = avila_log_init_stderr(&lg, AVILA_LOG_LEVEL_INFO, AVILA_LOG_FORMAT_JSON);
    AVILA_LOG_INFO(&lg, "to stderr", AVILA_LOG_U64("n", 42));
    AVILA_LOG_DEBUG(&lg, "filtered");
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    assert_int_equal(rc, 0);
    char buf[512];
    ssize_t n = read(fds[0], buf, sizeof buf);
    close(fds[0]);
    assert_true(n > 0);
    assert_true(log_check_json_line(buf, (size_t)n));
    assert_memory_equal(buf, "{\"ts\":\"", 7);
    const char *rest = "Z\",\"level\":\"info\",\"msg\":\"to stderr\",\"n\":42}\n";
    assert_int_equal((size_t)n, 7 + 23 + strlen(rest)); /* ms precision */
    assert_memory_equal(buf + 30, rest, strlen(rest));
    assert_int_equal(avila_log_init_stderr(&lg, 9, AVILA_LOG_FORMAT_JSON), AVILA_EINVAL);
    assert_true(avila_log_wall_clock(NULL) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field_type_json_and_logfmt),
        cmocka_unit_test(no_fields_no_clock_every_level),
        cmocka_unit_test(timestamp_precision),
        cmocka_unit_test(integers_codes_and_empty_values),
        cmocka_unit_test(keys_are_sanitised),
        cmocka_unit_test(json_escaping),
        cmocka_unit_test(utf8_kept_and_ill_formed_replaced),
        cmocka_unit_test(logfmt_quoting),
        cmocka_unit_test(truncation_keeps_lines_valid),
        cmocka_unit_test(truncation_property),
        cmocka_unit_test(logger_truncates_at_line_max),
        cmocka_unit_test(level_filtering),
        cmocka_unit_test(sampling_counts),
        cmocka_unit_test(sampling_across_threads),
        cmocka_unit_test(init_and_format_errors),
        cmocka_unit_test(checkers_reject_bad_lines),
        cmocka_unit_test(stderr_sink_writes_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
