/*
 * net/dns_conf.c - the resolver's text inputs: IPv4 and IPv6 address text
 * (RFC 4291 section 2.2 to parse, RFC 5952 section 4 to write), the hosts
 * file (hosts(5)) and resolv.conf (resolv.conf(5), with glibc's limits:
 * MAXNS 3, MAXDNSRCH 6, ndots <= 15, timeout <= 30, attempts <= 5) and the
 * search-list candidate names. Pure; see net/dns.h for the contracts.
 */
#include "net/dns.h"

#include "net/dns_int.h"

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = dns_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* -------------------------------------------------------------- addresses */

int avila_dns_addr_parse4(const char *s, size_t n, uint8_t out[4])
{
    if (s == NULL || out == NULL)
        return AVILA_EINVAL;
    uint8_t v[4];
    size_t i = 0;
    for (size_t part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return AVILA_EFORMAT;
            i++;
        }
        size_t start = i;
        unsigned x = 0;
        while (i < n && is_digit((uint8_t)s[i]) && i - start < 3)
            x = x * 10 + (unsigned)(s[i++] - '0');
        size_t digits = i - start;
        if (digits == 0 || x > 255 || (digits > 1 && s[start] == '0'))
            return AVILA_EFORMAT;
        v[part] = (uint8_t)x;
    }
    if (i != n)
        return AVILA_EFORMAT;
    memcpy(out, v, 4);
    return 0;
}

int avila_dns_addr_parse6(const char *s, size_t n, uint8_t out[16])
{
    if (s == NULL || out == NULL)
        return AVILA_EINVAL;
    uint16_t g[8];
    size_t ng = 0, i = 0;
    int gap = -1; /* group index where "::" stands, -1 if none */
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n == 0 || s[0] == ':') {
        return AVILA_EFORMAT;
    }
    while (i < n) {
        size_t start = i;
        unsigned x = 0;
        while (i < n && hex_value((uint8_t)s[i]) >= 0 && i - start < 5)
            x = x * 16 + (unsigned)hex_value((uint8_t)s[i++]);
        if (i < n && s[i] == '.') {
            /* An embedded IPv4 address ends the text and takes two groups. */
            uint8_t v4[4];
            if (ng > 6 || avila_dns_addr_parse4(s + start, n - start, v4) != 0)
                return AVILA_EFORMAT;
            g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
            g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break;
        }
        if (i == start || i - start > 4 || ng == 8)
            return AVILA_EFORMAT;
        g[ng++] = (uint16_t)x;
        if (i == n)
            break;
        if (s[i] != ':')
            return AVILA_EFORMAT;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return AVILA_EFORMAT;
            gap = (int)ng;
            i++;
        } else if (i == n) {
            return AVILA_EFORMAT; /* a single trailing colon */
        }
    }
    /* "::" stands for at least one group (RFC 4291 2.2 item 2). */
    if (gap < 0 ? ng != 8 : ng > 7)
        return AVILA_EFORMAT;
    size_t zeros = 8 - ng, o = 0;
    for (size_t k = 0; k < ng; k++) {
        if (gap >= 0 && k == (size_t)gap)
            for (size_t z = 0; z < zeros; z++, o++)
                out[2 * o] = out[2 * o + 1] = 0;
        out[2 * o] = (uint8_t)(g[k] >> 8);
        out[2 * o + 1] = (uint8_t)g[k];
        o++;
    }
    if (gap >= 0 && (size_t)gap == ng)
        for (size_t z = 0; z < zeros; z++, o++)
            out[2 * o] = out[2 * o + 1] = 0;
    return 0;
}

int avila_dns_addr_parse(const char *s, size_t n, struct avila_dns_addr *out)
{
    if (s == NULL || out == NULL)
        return AVILA_EINVAL;
    struct avila_dns_addr a = {0};
    bool colon = false;
    for (size_t i = 0; i < n; i++)
        colon |= s[i] == ':';
    int rc = colon ? avila_dns_addr_parse6(s, n, a.bytes) : avila_dns_addr_parse4(s, n, a.bytes);
    if (rc != 0)
        return rc;
    a.family = colon ? 6 : 4;
    *out = a;
    return 0;
}

/* Appends v in decimal to out at *w (room checked by the caller). */
static void put_dec(char *out, size_t *w, unsigned v)
{
    if (v >= 100)
        out[(*w)++] = (char)('0' + v / 100);
    if (v >= 10)
        out[(*w)++] = (char)('0' + v / 10 % 10);
    out[(*w)++] = (char)('0' + v % 10);
}

int avila_dns_addr_format(const struct avila_dns_addr *a, char *out, size_t cap)
{
    if (a == NULL || out == NULL || (a->family != 4 && a->family != 6))
        return AVILA_EINVAL;
    char t[AVILA_DNS_ADDR_TEXT_MAX];
    size_t w = 0;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    const uint8_t *v4 = NULL;
    if (a->family == 4) {
        v4 = a->bytes;
    } else if (memcmp(a->bytes, mapped, 12) == 0) {
        for (const char *s = "::ffff:"; *s != '\0'; s++)
            t[w++] = *s;
        v4 = a->bytes + 12;
    }
    if (v4 != NULL) {
        for (size_t k = 0; k < 4; k++) {
            if (k > 0)
                t[w++] = '.';
            put_dec(t, &w, v4[k]);
        }
    } else {
        uint16_t g[8];
        for (size_t k = 0; k < 8; k++)
            g[k] = (uint16_t)(a->bytes[2 * k] << 8 | a->bytes[2 * k + 1]);
        /* The longest run of at least two zero groups, the first one if tied. */
        size_t best = 8, best_len = 1;
        for (size_t k = 0; k < 8;) {
            size_t e = k;
            while (e < 8 && g[e] == 0)
                e++;
            if (e - k > best_len) {
                best = k;
                best_len = e - k;
            }
            k = e > k ? e : k + 1;
        }
        static const char hex[] = "0123456789abcdef";
        for (size_t k = 0; k < 8; k++) {
            if (k == best) {
                t[w++] = ':';
                t[w++] = ':';
                k += best_len - 1;
                continue;
            }
            if (k > 0 && k != best + best_len)
                t[w++] = ':';
            bool started = false;
            for (int shift = 12; shift >= 0; shift -= 4) {
                unsigned d = (g[k] >> shift) & 0xF;
                if (d != 0 || started || shift == 0) {
                    t[w++] = hex[d];
                    started = true;
                }
            }
        }
    }
    if (w + 1 > cap)
        return AVILA_ENOSPC;
    memcpy(out, t, w);
    out[w] = '\0';
    return (int)w;
}

/* ---------------------------------------------------------------- lines */

/* The next line of text from *pos: its bytes before any comment character. */
static bool next_line(const char *text, size_t len, size_t *pos, struct avila_slice *line,
                      size_t *full_len, const char *comments)
{
    if (*pos >= len)
        return false;
    size_t start = *pos, end = start;
    while (end < len && text[end] != '\n')
        end++;
    *pos = end < len ? end + 1 : end;
    *full_len = end - start;
    size_t cut = start;
    while (cut < end) {
        bool comment = false;
        for (const char *c = comments; *c != '\0'; c++)
            comment |= text[cut] == *c;
        if (comment)
            break;
        cut++;
    }
    *line = avila_slice_make(text + start, cut - start);
    return true;
}

/* The next blank-separated word of *line (consumed); false when none is left. */
static bool next_word(struct avila_slice *line, struct avila_slice *word)
{
    size_t i = 0;
    while (i < line->len && is_blank(line->ptr[i]))
        i++;
    if (i == line->len) {
        *line = avila_slice_make(line->ptr + i, 0);
        return false;
    }
    size_t start = i;
    while (i < line->len && !is_blank(line->ptr[i]))
        i++;
    *word = avila_slice_make(line->ptr + start, i - start);
    *line = avila_slice_make(line->ptr + i, line->len - i);
    return true;
}

static bool word_is(struct avila_slice w, const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return w.len == n && memcmp(w.ptr, s, n) == 0;
}

/* -------------------------------------------------------------- /etc/hosts */

void avila_dns_hosts_iter_init(struct avila_dns_hosts_iter *it, const char *text, size_t len)
{
    it->text = text;
    it->len = text != NULL ? len : 0;
    it->pos = 0;
    it->line_no = 0;
    it->skipped = 0;
}

int avila_dns_hosts_next(struct avila_dns_hosts_iter *it, struct avila_dns_hosts_line *line)
{
    if (it == NULL || line == NULL)
        return AVILA_EINVAL;
    struct avila_slice l, w;
    size_t full;
    while (next_line(it->text, it->len, &it->pos, &l, &full, "#")) {
        it->line_no++;
        if (!next_word(&l, &w))
            continue;
        if (full > AVILA_DNS_HOSTS_MAX_LINE ||
            avila_dns_addr_parse((const char *)w.ptr, w.len, &line->addr) != 0) {
            it->skipped++;
            continue;
        }
        line->count = 0;
        line->line_no = it->line_no;
        uint8_t wire[AVILA_DNS_NAME_MAX];
        while (line->count < AVILA_DNS_HOSTS_MAX_NAMES && next_word(&l, &w))
            if (avila_dns_name_from_text((const char *)w.ptr, w.len, wire) > 0)
                line->names[line->count++] = w;
        if (line->count == 0) {
            it->skipped++;
            continue;
        }
        return 1;
    }
    return 0;
}

int avila_dns_hosts_lookup(const char *text, size_t len, const char *name, size_t n, int family,
                           struct avila_dns_addr *out, size_t max)
{
    if ((text == NULL && len != 0) || name == NULL || (out == NULL && max != 0) ||
        (family != 0 && family != 4 && family != 6))
        return AVILA_EINVAL;
    uint8_t want[AVILA_DNS_NAME_MAX], have[AVILA_DNS_NAME_MAX];
    int wl = avila_dns_name_from_text(name, n, want);
    if (wl < 0)
        return wl;
    struct avila_dns_hosts_iter it;
    struct avila_dns_hosts_line line;
    size_t found = 0;
    avila_dns_hosts_iter_init(&it, text, len);
    while (found < max && avila_dns_hosts_next(&it, &line) == 1) {
        if (family != 0 && line.addr.family != family)
            continue;
        bool match = false;
        for (size_t k = 0; k < line.count && !match; k++) {
            int hl =
                avila_dns_name_from_text((const char *)line.names[k].ptr, line.names[k].len, have);
            match = hl > 0 && avila_dns_name_equal(want, (size_t)wl, have, (size_t)hl);
        }
        bool dup = false;
        for (size_t k = 0; k < found && !dup; k++)
            dup = out[k].family == line.addr.family &&
                  memcmp(out[k].bytes, line.addr.bytes, sizeof line.addr.bytes) == 0;
        if (match && !dup)
            out[found++] = line.addr;
    }
    return (int)found;
}

/* --------------------------------------------------------- /etc/resolv.conf */

void avila_dns_resolv_conf_default(struct avila_dns_resolv_conf *c)
{
    memset(c, 0, sizeof *c);
    c->nameservers[0].family = 4;
    c->nameservers[0].bytes[0] = 127;
    c->nameservers[0].bytes[3] = 1;
    c->nameserver_count = 1;
    c->ndots = AVILA_DNS_DEFAULT_NDOTS;
    c->timeout = AVILA_DNS_DEFAULT_TIMEOUT;
    c->attempts = AVILA_DNS_DEFAULT_ATTEMPTS;
}

/* Parses the decimal digits of w (at least one, nothing else), saturating at 1e6. */
static bool parse_uint(struct avila_slice w, unsigned *v)
{
    if (w.len == 0)
        return false;
    unsigned x = 0;
    for (size_t i = 0; i < w.len; i++) {
        if (!is_digit(w.ptr[i]))
            return false;
        x = x * 10 + (unsigned)(w.ptr[i] - '0');
        if (x > 1000000)
            x = 1000000;
    }
    *v = x;
    return true;
}

/* Handles "name:N" options; true if w was one of them (valid or not). */
static bool option_number(struct avila_dns_resolv_conf *c, struct avila_slice w, const char *name,
                          unsigned lo, unsigned hi, unsigned *field)
{
    size_t n = 0;
    while (name[n] != '\0')
        n++;
    if (w.len <= n || memcmp(w.ptr, name, n) != 0 || w.ptr[n] != ':')
        return false;
    unsigned v;
    if (!parse_uint(avila_slice_make(w.ptr + n + 1, w.len - n - 1), &v)) {
        c->skipped++;
        return true;
    }
    *field = v < lo ? lo : v > hi ? hi : v;
    return true;
}

static void parse_options(struct avila_dns_resolv_conf *c, struct avila_slice l)
{
    struct avila_slice w;
    while (next_word(&l, &w)) {
        if (option_number(c, w, "ndots", 0, AVILA_DNS_MAX_NDOTS, &c->ndots) ||
            option_number(c, w, "timeout", 1, AVILA_DNS_MAX_TIMEOUT, &c->timeout) ||
            option_number(c, w, "attempts", 1, AVILA_DNS_MAX_ATTEMPTS, &c->attempts))
            continue;
        if (word_is(w, "rotate"))
            c->rotate = true;
        else if (word_is(w, "use-vc"))
            c->use_vc = true;
        else if (word_is(w, "edns0"))
            c->edns0 = true;
    }
}

/* Replaces the search list with the words of l ("domain": only the first). */
static void parse_search(struct avila_dns_resolv_conf *c, struct avila_slice l, bool one)
{
    struct avila_slice w;
    size_t used = 0;
    c->search_count = 0;
    while (c->search_count < (one ? 1 : AVILA_DNS_MAX_SEARCH) && next_word(&l, &w)) {
        uint8_t wire[AVILA_DNS_NAME_MAX];
        int rc = avila_dns_name_from_text((const char *)w.ptr, w.len, wire);
        if (rc < 0) {
            c->skipped++;
            continue;
        }
        if (rc == 1) /* the root adds nothing to a name */
            continue;
        if (used + (size_t)rc > AVILA_DNS_SEARCH_BYTES)
            break;
        memcpy(c->search_buf + used, wire, (size_t)rc);
        c->search_off[c->search_count] = (uint16_t)used;
        c->search_len[c->search_count] = (uint16_t)rc;
        c->search_count++;
        used += (size_t)rc;
    }
}

int avila_dns_resolv_conf_parse(struct avila_dns_resolv_conf *c, const char *text, size_t len)
{
    if (c == NULL || (text == NULL && len != 0))
        return AVILA_EINVAL;
    avila_dns_resolv_conf_default(c);
    c->nameserver_count = 0;
    struct avila_slice l, w;
    size_t pos = 0, full;
    while (next_line(text, len, &pos, &l, &full, "#;")) {
        if (!next_word(&l, &w))
            continue;
        if (word_is(w, "nameserver")) {
            struct avila_dns_addr a;
            if (!next_word(&l, &w) || avila_dns_addr_parse((const char *)w.ptr, w.len, &a) != 0)
                c->skipped++;
            else if (c->nameserver_count < AVILA_DNS_MAX_NAMESERVERS)
                c->nameservers[c->nameserver_count++] = a;
        } else if (word_is(w, "search")) {
            parse_search(c, l, false);
        } else if (word_is(w, "domain")) {
            parse_search(c, l, true);
        } else if (word_is(w, "options")) {
            parse_options(c, l);
        }
    }
    if (c->nameserver_count == 0) {
        struct avila_dns_resolv_conf d;
        avila_dns_resolv_conf_default(&d);
        c->nameservers[0] = d.nameservers[0];
        c->nameserver_count = 1;
    }
    return 0;
}

/* True if text ends with a dot that is not escaped. */
static bool ends_with_dot(const char *s, size_t n)
{
    if (n == 0 || s[n - 1] != '.')
        return false;
    size_t backslashes = 0;
    while (backslashes < n - 1 && s[n - 2 - backslashes] == '\\')
        backslashes++;
    return backslashes % 2 == 0;
}

int avila_dns_candidate(const struct avila_dns_resolv_conf *c, const char *name, size_t n,
                        size_t index, uint8_t out[AVILA_DNS_NAME_MAX])
{
    if (c == NULL || out == NULL)
        return AVILA_EINVAL;
    uint8_t base[AVILA_DNS_NAME_MAX];
    int bl = avila_dns_name_from_text(name, n, base);
    if (bl < 0)
        return bl;
    int labels = avila_dns_name_check(base, (size_t)bl);
    if (ends_with_dot(name, n) || bl == 1) {
        if (index != 0)
            return AVILA_ENOTFOUND;
        memcpy(out, base, (size_t)bl);
        return bl;
    }
    bool as_is_first = (unsigned)(labels - 1) >= c->ndots;
    size_t total = c->search_count + 1, seen = 0;
    for (size_t k = 0; k < total; k++) {
        /* Position k in the order; which search domain (or none) it stands for. */
        size_t d;
        bool as_is;
        if (as_is_first) {
            as_is = k == 0;
            d = k - 1;
        } else {
            as_is = k == c->search_count;
            d = k;
        }
        if (as_is) {
            if (seen++ == index) {
                memcpy(out, base, (size_t)bl);
                return bl;
            }
            continue;
        }
        size_t dl = c->search_len[d], len = (size_t)bl - 1 + dl;
        if (len > AVILA_DNS_NAME_MAX)
            continue;
        if (seen++ == index) {
            memcpy(out, base, (size_t)bl - 1);
            memcpy(out + bl - 1, c->search_buf + c->search_off[d], dl);
            return (int)len;
        }
    }
    return AVILA_ENOTFOUND;
}
