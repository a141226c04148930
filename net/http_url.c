/*
 * net/http_url.c - http URL parsing and reference resolution (see
 * http_url.h; RFC 3986 sections 3, 5.2 and 5.2.4). Pure.
 */
#include "net/http_url.h"

#include "net/dns.h"

/* RFC 3986 pchar plus '/' and '?': what a path and query may hold (besides %XX). */
static bool path_char(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '-':
    case '.':
    case '_':
    case '~': /* unreserved */
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')': /* sub-delims */
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
    case '?':
        return true;
    default:
        return false;
    }
}

static bool hex_digit(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* True if s[0..n) is a path and query: path characters and complete %XX escapes. */
static bool valid_path(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i < 3 || !hex_digit(s[i + 1]) || !hex_digit(s[i + 2]))
                return false;
            i += 2;
        } else if (!path_char(s[i])) {
            return false;
        }
    }
    return true;
}

/* A registered name: letters, digits, '-', '.', '_' (no escapes), or an IPv4 address. */
static bool valid_host(const uint8_t *s, size_t n)
{
    if (n == 0 || n > AVILA_DNS_NAME_TEXT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return false;
    }
    return true;
}

int avila_http_url_parse(const char *text, size_t n, struct avila_http_url *out)
{
    if (text == NULL || out == NULL)
        return AVILA_EINVAL;
    if (n > AVILA_HTTP_URL_MAX)
        return AVILA_ELIMIT;
    const uint8_t *s = (const uint8_t *)text;
    static const char http[] = "http://";
    size_t i = 0;
    while (i < n && s[i] != ':' && s[i] != '/')
        i++;
    if (i == 0 || i + 3 > n || s[i] != ':' || s[i + 1] != '/' || s[i + 2] != '/')
        return AVILA_EFORMAT;
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    for (size_t k = 0; k < i; k++) {
        bool alpha = (s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z';
        bool other = (s[k] >= '0' && s[k] <= '9') || s[k] == '+' || s[k] == '-' || s[k] == '.';
        if (!alpha && (k == 0 || !other))
            return AVILA_EFORMAT;
    }
    if (i != 4)
        return AVILA_EUNSUPPORTED;
    for (size_t k = 0; k < 4; k++)
        if ((s[k] | 0x20) != (uint8_t)http[k])
            return AVILA_EUNSUPPORTED;
    size_t p = i + 3, host_end;
    /* The authority: up to '/', '?' or '#'. */
    size_t auth_end = p;
    while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
        auth_end++;
    for (size_t k = p; k < auth_end; k++)
        if (s[k] == '@')
            return AVILA_EFORMAT; /* userinfo */
    memset(out, 0, sizeof *out);
    if (p < auth_end && s[p] == '[') {
        size_t close = p + 1;
        while (close < auth_end && s[close] != ']')
            close++;
        uint8_t addr[16];
        if (close == auth_end ||
            avila_dns_addr_parse6((const char *)s + p + 1, close - p - 1, addr) != 0)
            return AVILA_EFORMAT;
        out->host = avila_slice_make(s + p + 1, close - p - 1);
        out->ipv6 = true;
        host_end = close + 1;
    } else {
        host_end = p;
        while (host_end < auth_end && s[host_end] != ':')
            host_end++;
        if (!valid_host(s + p, host_end - p))
            return AVILA_EFORMAT;
        out->host = avila_slice_make(s + p, host_end - p);
    }
    out->port = 80;
    if (host_end < auth_end) {
        if (s[host_end] != ':')
            return AVILA_EFORMAT;
        uint32_t port = 0;
        size_t k = host_end + 1;
        if (k == auth_end)
            return AVILA_EFORMAT; /* "host:" */
        for (; k < auth_end; k++) {
            if (s[k] < '0' || s[k] > '9' || port > 65535)
                return AVILA_EFORMAT;
            port = port * 10 + (uint32_t)(s[k] - '0');
        }
        if (port == 0 || port > 65535)
            return AVILA_EFORMAT;
        out->port = (uint16_t)port;
    }
    size_t end = auth_end;
    while (end < n && s[end] != '#')
        end++;
    if (!valid_path(s + auth_end, end - auth_end))
        return AVILA_EFORMAT;
    out->target =
        auth_end == end ? avila_slice_make("/", 1) : avila_slice_make(s + auth_end, end - auth_end);
    return 0;
}

/* ---------------------------------------------------------------- resolution */

/* Appends n bytes to out[*len..cap); false if they do not fit (with room left for the NUL). */
static bool put(char *out, size_t cap, size_t *len, const void *p, size_t n)
{
    if (n >= cap - *len)
        return false;
    memcpy(out + *len, p, n);
    *len += n;
    return true;
}

/*
 * RFC 3986 section 5.2.4: removes "." and ".." segments from the path at
 * p[0..*n) in place (output never longer than input).
 */
static void remove_dot_segments(char *p, size_t *n)
{
    /*
     * The steps of 5.2.4, each on the front of the remaining input:
     * A drops "../" and "./"; B turns "/./" and a final "/." into "/";
     * C does the same with "/../" and a final "/.." and also removes the
     * last output segment; D drops a lone "." or ".."; E moves the first
     * segment (with its '/') to the output. The output never outruns the
     * input, so both share the buffer.
     */
    size_t in = 0, out = 0, len = *n;
    while (in < len) {
        size_t left = len - in;
        if (left >= 3 && memcmp(p + in, "../", 3) == 0) {
            in += 3;
        } else if ((left >= 2 && memcmp(p + in, "./", 2) == 0) ||
                   (left >= 3 && memcmp(p + in, "/./", 3) == 0)) {
            in += 2;
        } else if (left == 2 && memcmp(p + in, "/.", 2) == 0) {
            in += 1;
            p[in] = '/';
        } else if ((left >= 4 && memcmp(p + in, "/../", 4) == 0) ||
                   (left == 3 && memcmp(p + in, "/..", 3) == 0)) {
            in += left == 3 ? 2 : 3;
            p[in] = '/';
            while (out > 0 && p[out - 1] != '/')
                out--;
            if (out > 0)
                out--;
        } else if ((left == 1 && p[in] == '.') || (left == 2 && memcmp(p + in, "..", 2) == 0)) {
            in = len;
        } else {
            do
                p[out++] = p[in++];
            while (in < len && p[in] != '/');
        }
    }
    *n = out;
}

int avila_http_url_resolve(const struct avila_http_url *base, const char *ref, size_t n, char *out,
                           size_t cap)
{
    if (base == NULL || ref == NULL || out == NULL || cap == 0)
        return AVILA_EINVAL;
    struct avila_http_url abs;
    size_t len = 0, i = 0;
    /* An absolute URL stands alone (parsed to check it, written as given up to its fragment). */
    while (i < n && ref[i] != ':' && ref[i] != '/' && ref[i] != '?' && ref[i] != '#')
        i++;
    if (i < n && ref[i] == ':') {
        int rc = avila_http_url_parse(ref, n, &abs);
        if (rc != 0)
            return rc;
        size_t end = 0;
        while (end < n && ref[end] != '#')
            end++;
        if (!put(out, cap, &len, ref, end))
            return AVILA_ENOSPC;
        out[len] = '\0';
        return (int)len;
    }
    size_t ref_end = 0;
    while (ref_end < n && ref[ref_end] != '#')
        ref_end++;
    if (n >= 2 && ref[0] == '/' && ref[1] == '/') { /* network-path: the base's scheme */
        if (!put(out, cap, &len, "http:", 5) || !put(out, cap, &len, ref, ref_end))
            return AVILA_ENOSPC;
        out[len] = '\0';
        int rc = avila_http_url_parse(out, len, &abs);
        return rc != 0 ? rc : (int)len;
    }
    /* The base's scheme and authority. */
    if (!put(out, cap, &len, "http://", 7) || (base->ipv6 && !put(out, cap, &len, "[", 1)) ||
        !put(out, cap, &len, base->host.ptr, base->host.len) ||
        (base->ipv6 && !put(out, cap, &len, "]", 1)))
        return AVILA_ENOSPC;
    if (base->port != 80) {
        char digits[8];
        size_t k = sizeof digits;
        unsigned v = base->port;
        do
            digits[--k] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        if (!put(out, cap, &len, ":", 1) || !put(out, cap, &len, digits + k, sizeof digits - k))
            return AVILA_ENOSPC;
    }
    size_t path_start = len;
    size_t q = 0;
    while (q < ref_end && ref[q] != '?')
        q++;
    const char *bt = (const char *)base->target.ptr;
    size_t bq = 0;
    while (bq < base->target.len && bt[bq] != '?')
        bq++;
    if (ref_end == 0) { /* empty reference: the base's path and query */
        if (!put(out, cap, &len, bt, base->target.len))
            return AVILA_ENOSPC;
    } else if (q == 0) { /* only a query: the base's path with it */
        if (!put(out, cap, &len, bt, bq) || !put(out, cap, &len, ref, ref_end))
            return AVILA_ENOSPC;
    } else {
        if (ref[0] != '/') { /* merge: the base path up to its last '/' */
            size_t slash = bq;
            while (slash > 0 && bt[slash - 1] != '/')
                slash--;
            if (!put(out, cap, &len, bt, slash))
                return AVILA_ENOSPC;
        }
        if (!put(out, cap, &len, ref, q))
            return AVILA_ENOSPC;
        size_t plen = len - path_start;
        remove_dot_segments(out + path_start, &plen);
        len = path_start + plen;
        if (len == path_start && !put(out, cap, &len, "/", 1))
            return AVILA_ENOSPC;
        if (!put(out, cap, &len, ref + q, ref_end - q))
            return AVILA_ENOSPC;
    }
    out[len] = '\0';
    struct avila_http_url check;
    int rc = avila_http_url_parse(out, len, &check);
    return rc != 0 ? rc : (int)len;
}
