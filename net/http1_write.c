/*
 * net/http1_write.c - the serialiser of net/http1.h: request line (RFC 9112
 * section 3), status line (section 4) with the reason phrases of RFC 9110
 * section 15 (and RFC 6585, RFC 8297 for 103, 428, 429, 431, 511), field
 * lines (section 5), chunk framing (section 7.1). Pure.
 *
 * Every function checks all of its input first, reserves the bytes it will
 * write and only then appends, so a failure leaves the buffer as it was.
 */
#include "core/error.h"
#include "net/http1.h"
#include "net/http1_int.h"

static bool is_token(const uint8_t *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!avila_http1_is_tchar(p[i]))
            return false;
    return true;
}

/* field-value as a parser gives it back: field-vchar and SP/HTAB, no OWS at either end. */
static bool is_field_value(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(avila_http1_class[p[i]] & AVILA_HTTP1_C_FIELD))
            return false;
    if (n > 0 && (p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        return false;
    return true;
}

/* Appends bytes the caller reserved (cannot fail then). */
static void put(struct avila_buf *b, const void *p, size_t n)
{
    (void)avila_buf_append(b, p, n);
}

static void put_str(struct avila_buf *b, const char *s)
{
    put(b, s, avila_slice_from_cstr(s).len);
}

/* Decimal digits of v. */
static size_t dec_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

int avila_http1_write_request_line(struct avila_buf *b, const char *method,
                                   struct avila_slice target, unsigned version_minor)
{
    if (!b || !method || version_minor > 1 || target.len == 0 || !target.ptr)
        return AVILA_EINVAL;
    size_t m = avila_slice_from_cstr(method).len;
    if (!is_token((const uint8_t *)method, m))
        return AVILA_EINVAL;
    for (size_t i = 0; i < target.len; i++)
        if (!(avila_http1_class[target.ptr[i]] & AVILA_HTTP1_C_VCHAR))
            return AVILA_EINVAL;
    if (target.len > SIZE_MAX - m - 12)
        return AVILA_EOVERFLOW;
    int rc = avila_buf_reserve(b, m + target.len + 12);
    if (rc < 0)
        return rc;
    put(b, method, m);
    put(b, " ", 1);
    put(b, target.ptr, target.len);
    put_str(b, version_minor ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
    return 0;
}

static const struct {
    unsigned short code;
    const char *text;
} phrases[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Content"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {511, "Network Authentication Required"},
};

const char *avila_http1_status_reason(unsigned status)
{
    for (size_t i = 0; i < AVILA_ARRAY_LEN(phrases); i++)
        if (phrases[i].code == status)
            return phrases[i].text;
    return "";
}

int avila_http1_write_status_line(struct avila_buf *b, unsigned version_minor, unsigned status,
                                  const char *reason)
{
    if (!b || version_minor > 1 || status < 100 || status > 599)
        return AVILA_EINVAL;
    if (!reason)
        reason = avila_http1_status_reason(status);
    size_t r = avila_slice_from_cstr(reason).len;
    for (size_t i = 0; i < r; i++)
        if (!(avila_http1_class[(uint8_t)reason[i]] & AVILA_HTTP1_C_FIELD))
            return AVILA_EINVAL;
    int rc = avila_buf_reserve(b, r + 15);
    if (rc < 0)
        return rc;
    char line[13] = "HTTP/1.1 000 ";
    line[7] = version_minor ? '1' : '0';
    line[9] = (char)('0' + status / 100);
    line[10] = (char)('0' + status / 10 % 10);
    line[11] = (char)('0' + status % 10);
    put(b, line, sizeof line);
    put(b, reason, r);
    put(b, "\r\n", 2);
    return 0;
}

int avila_http1_write_header(struct avila_buf *b, struct avila_slice name, struct avila_slice value)
{
    if (!b || !name.ptr || (!value.ptr && value.len))
        return AVILA_EINVAL;
    if (!is_token(name.ptr, name.len) || !is_field_value(value.ptr, value.len))
        return AVILA_EINVAL;
    if (value.len > SIZE_MAX - name.len - 4)
        return AVILA_EOVERFLOW;
    int rc = avila_buf_reserve(b, name.len + value.len + 4);
    if (rc < 0)
        return rc;
    put(b, name.ptr, name.len);
    put(b, ": ", 2);
    put(b, value.ptr, value.len);
    put(b, "\r\n", 2);
    return 0;
}

int avila_http1_write_header_str(struct avila_buf *b, const char *name, const char *value)
{
    if (!name || !value)
        return AVILA_EINVAL;
    return avila_http1_write_header(b, avila_slice_from_cstr(name), avila_slice_from_cstr(value));
}

int avila_http1_write_header_u64(struct avila_buf *b, const char *name, uint64_t value)
{
    char digits[20];
    size_t n = dec_len(value);
    for (size_t i = n; i-- > 0; value /= 10)
        digits[i] = (char)('0' + value % 10);
    if (!name)
        return AVILA_EINVAL;
    return avila_http1_write_header(b, avila_slice_from_cstr(name), avila_slice_make(digits, n));
}

int avila_http1_write_end(struct avila_buf *b)
{
    if (!b)
        return AVILA_EINVAL;
    return avila_buf_append(b, "\r\n", 2);
}

/* Lowercase hex of n > 0, without leading zeros, into out; returns the digit count. */
static size_t hex_digits(uint64_t n, char out[16])
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (uint64_t v = n; v; v >>= 4)
        k++;
    for (size_t i = k; i-- > 0; n >>= 4)
        out[i] = hex[n & 15];
    return k;
}

int avila_http1_write_chunk_header(struct avila_buf *b, uint64_t n)
{
    if (!b || n == 0)
        return AVILA_EINVAL;
    char h[18];
    size_t k = hex_digits(n, h);
    h[k] = '\r';
    h[k + 1] = '\n';
    return avila_buf_append(b, h, k + 2);
}

int avila_http1_write_chunk(struct avila_buf *b, const void *data, size_t n)
{
    if (!b || n == 0 || !data)
        return AVILA_EINVAL;
    if (n > SIZE_MAX - 20)
        return AVILA_EOVERFLOW;
    char h[18];
    size_t k = hex_digits(n, h);
    int rc = avila_buf_reserve(b, k + n + 4);
    if (rc < 0)
        return rc;
    put(b, h, k);
    put(b, "\r\n", 2);
    put(b, data, n);
    put(b, "\r\n", 2);
    return 0;
}

int avila_http1_write_last_chunk(struct avila_buf *b, const struct avila_http1_header *trailers,
                                 size_t count)
{
    if (!b || (!trailers && count))
        return AVILA_EINVAL;
    size_t total = 5;
    for (size_t i = 0; i < count; i++) {
        const struct avila_http1_header *h = &trailers[i];
        if (!h->name.ptr || (!h->value.ptr && h->value.len) ||
            !is_token(h->name.ptr, h->name.len) || !is_field_value(h->value.ptr, h->value.len))
            return AVILA_EINVAL;
        size_t line = h->name.len + h->value.len + 4;
        if (line < h->name.len || total > SIZE_MAX - line)
            return AVILA_EOVERFLOW;
        total += line;
    }
    int rc = avila_buf_reserve(b, total);
    if (rc < 0)
        return rc;
    put(b, "0\r\n", 3);
    for (size_t i = 0; i < count; i++) {
        put(b, trailers[i].name.ptr, trailers[i].name.len);
        put(b, ": ", 2);
        put(b, trailers[i].value.ptr, trailers[i].value.len);
        put(b, "\r\n", 2);
    }
    put(b, "\r\n", 2);
    return 0;
}
