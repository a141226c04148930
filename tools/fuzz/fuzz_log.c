/*
 * tools/fuzz/fuzz_log.c - libFuzzer harness for the pure parts of
 * core/log.h and core/time.h that take untrusted text.
 *
 * Properties checked (any violation traps):
 *   - avila_log_format, given fields built from the input (arbitrary bytes
 *     as strings, keys, hex, numbers), in either format, into a buffer of
 *     exactly cap bytes (ASan catches a byte too many): always a line that
 *     the structural checker of core/log_int.h accepts (valid JSON or
 *     logfmt, valid UTF-8); identical to the uncut line when that fits in
 *     cap; otherwise ending with the truncation marker.
 *   - avila_time_parse_rfc3339_sec on the whole input: only the documented
 *     results; an accepted time prints (9 digits) and parses back to the
 *     same instant; the nanosecond variant agrees with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/log_int.h"
#include "core/time.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_FIELDS 8

static void check_time(const uint8_t *data, size_t size)
{
    int64_t sec = 0;
    uint32_t nsec = 0;
    int rc = avila_time_parse_rfc3339_sec((const char *)data, size, &sec, &nsec);
    CHECK(rc == 0 || rc == AVILA_EFORMAT || rc == AVILA_EUNSUPPORTED);
    int64_t ns;
    int rc_ns = avila_time_parse_rfc3339((const char *)data, size, &ns);
    if (rc != 0) {
        CHECK(rc_ns == rc);
        return;
    }
    CHECK(nsec <= 999999999u);
    if (rc_ns == 0) {
        /* The same instant: sec and nsec are ns split by floor division. */
        int64_t q = ns / AVILA_TIME_NS_PER_SEC, r = ns % AVILA_TIME_NS_PER_SEC;
        if (r < 0) {
            r += AVILA_TIME_NS_PER_SEC;
            q -= 1;
        }
        CHECK(q == sec && r == (int64_t)nsec);
    } else {
        CHECK(rc_ns == AVILA_ERANGE);
    }
    char text[AVILA_TIME_RFC3339_MAX];
    int n = avila_time_format_rfc3339_sec(sec, nsec, 9, text, sizeof text);
    /* An offset can move the UTC date just outside 0000..9999. */
    CHECK(n == 30 || n == AVILA_ERANGE);
    if (n == 30) {
        int64_t sec2;
        uint32_t nsec2;
        CHECK(avila_time_parse_rfc3339_sec(text, 30, &sec2, &nsec2) == 0);
        CHECK(sec2 == sec && nsec2 == nsec);
    }
}

/* Copies of the input pieces that must be NUL-terminated (keys, C strings). */
struct pieces {
    char keys[MAX_FIELDS][AVILA_LOG_KEY_MAX + 8];
    char *cstr[MAX_FIELDS];
};

/*
 * A field from one piece of input: byte 0 picks the type, byte 1 the key
 * length, then the key, then the value bytes.
 */
static struct avila_log_field make_field(const uint8_t *p, size_t n, struct pieces *pc, int i)
{
    int type = n > 0 ? p[0] % 8 : 0;
    size_t klen = n > 1 ? p[1] % (AVILA_LOG_KEY_MAX + 6) : 0;
    size_t off = n > 2 ? 2 : n;
    if (klen > n - off)
        klen = n - off;
    memcpy(pc->keys[i], p + off, klen);
    pc->keys[i][klen] = '\0';
    off += klen;
    const uint8_t *v = p + off;
    size_t vn = n - off;
    uint64_t num = 0;
    memcpy(&num, v, vn < 8 ? vn : 8);
    const char *key = pc->keys[i];
    switch (type) {
    case 0:
        return AVILA_LOG_STRN(key, (const char *)v, vn);
    case 1:
        pc->cstr[i] = malloc(vn + 1);
        if (!pc->cstr[i])
            return AVILA_LOG_BOOL(key, 0);
        memcpy(pc->cstr[i], v, vn);
        pc->cstr[i][vn] = '\0';
        return AVILA_LOG_STR(key, pc->cstr[i]);
    case 2:
        return AVILA_LOG_HEX(key, v, vn);
    case 3:
        return AVILA_LOG_I64(key, (int64_t)num);
    case 4:
        return AVILA_LOG_U64(key, num);
    case 5:
        return AVILA_LOG_CODE(key, (int64_t)num);
    case 6:
        return AVILA_LOG_BOOL(key, num & 1);
    default: /* a field of no known type (above AVILA_LOG_T_HEX, or negative) */
        return (struct avila_log_field){.key = key,
                                        .type =
                                            num & 1 ? -1 - (int)(num % 999) : 7 + (int)(num % 999),
                                        .v = {.u = num}};
    }
}

static void check_log(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    int format = data[0] & 1;
    unsigned ts_digits = (unsigned)((data[0] >> 1) & 3) * 3;
    struct avila_log_record rec = {
        .level = (data[0] >> 3) % 5,
        .has_time = (data[0] >> 6) & 1,
        .time_ns = (int64_t)((uint64_t)data[1] << 56 | (uint64_t)data[2] << 20),
    };
    size_t cap = AVILA_LOG_LINE_MIN + ((size_t)data[1] << 8 | data[2]) % 2048;
    /* Pieces separated by 0xFE: the message, then up to MAX_FIELDS fields. */
    struct pieces pc;
    memset(&pc, 0, sizeof pc);
    struct avila_log_field fields[MAX_FIELDS];
    char *msg = NULL;
    const uint8_t *p = data + 3, *end = data + size;
    while (p <= end && rec.nfields < MAX_FIELDS) {
        const uint8_t *sep = memchr(p, 0xFE, (size_t)(end - p));
        size_t n = (size_t)((sep ? sep : end) - p);
        if (!msg) {
            msg = malloc(n + 1);
            if (!msg)
                return;
            memcpy(msg, p, n);
            msg[n] = '\0';
        } else {
            fields[rec.nfields] = make_field(p, n, &pc, (int)rec.nfields);
            rec.nfields++;
        }
        if (!sep)
            break;
        p = sep + 1;
    }
    rec.msg = msg;
    rec.fields = fields;

    static char full[16384];
    int full_len = avila_log_format(&rec, format, ts_digits, full, sizeof full);
    char *cut = malloc(cap);
    CHECK(cut != NULL);
    int len = avila_log_format(&rec, format, ts_digits, cut, cap);
    CHECK(full_len > 0 && len > 0 && (size_t)len <= cap);
    CHECK(format ? log_check_logfmt_line(full, (size_t)full_len)
                 : log_check_json_line(full, (size_t)full_len));
    CHECK(format ? log_check_logfmt_line(cut, (size_t)len) : log_check_json_line(cut, (size_t)len));
    if ((size_t)full_len <= cap) {
        CHECK(len == full_len && memcmp(cut, full, (size_t)len) == 0);
    } else {
        const char *mark = format ? " truncated=true\n" : ",\"truncated\":true}\n";
        size_t mlen = strlen(mark);
        CHECK((size_t)len >= mlen && memcmp(cut + len - mlen, mark, mlen) == 0);
    }
    free(cut);
    free(msg);
    for (int i = 0; i < MAX_FIELDS; i++)
        free(pc.cstr[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_time(data, size);
    check_log(data, size);
    return 0;
}
