/*
 * tools/fuzz/fuzz_dns_conf.c - libFuzzer harness for the resolver's text
 * inputs (net/dns.h). The first byte picks what the rest is:
 *   0  a hosts file: iteration ends, every entry has 1..16 names that are
 *      valid DNS names and point inside the input, and looking each name up
 *      finds at least its own address;
 *   1  a resolv.conf: limits hold (1..3 nameservers, 0..6 search domains
 *      inside their buffer, ndots <= 15, timeout 1..30, attempts 1..5), and
 *      the candidates for a name taken from the input are valid names, at
 *      most search domains + 1 of them;
 *   2  address text: whatever parses formats back (RFC 5952) to text that
 *      parses to the same address and formats to itself;
 *   3  name text: whatever converts prints back to text that converts to
 *      the same wire name.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/dns_conf/.
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "net/dns.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void fuzz_hosts(const char *text, size_t len)
{
    struct avila_dns_hosts_iter it;
    struct avila_dns_hosts_line line;
    avila_dns_hosts_iter_init(&it, text, len);
    size_t entries = 0;
    while (avila_dns_hosts_next(&it, &line) == 1) {
        CHECK(++entries <= len);
        CHECK(line.count >= 1 && line.count <= AVILA_DNS_HOSTS_MAX_NAMES);
        CHECK(line.addr.family == 4 || line.addr.family == 6);
        for (size_t i = 0; i < line.count; i++) {
            const uint8_t *p = line.names[i].ptr;
            CHECK(p >= (const uint8_t *)text &&
                  p + line.names[i].len <= (const uint8_t *)text + len);
            uint8_t w[AVILA_DNS_NAME_MAX];
            CHECK(avila_dns_name_from_text((const char *)p, line.names[i].len, w) > 0);
        }
        if (entries <= 8) {
            struct avila_dns_addr out[AVILA_DNS_HOSTS_MAX_NAMES * 4];
            int n = avila_dns_hosts_lookup(text, len, (const char *)line.names[0].ptr,
                                           line.names[0].len, line.addr.family, out,
                                           sizeof out / sizeof out[0]);
            CHECK(n >= 1);
            bool found = false;
            for (int k = 0; k < n; k++)
                found |= memcmp(out[k].bytes, line.addr.bytes, 16) == 0;
            CHECK(found || n == (int)(sizeof out / sizeof out[0]));
        }
    }
}

static void fuzz_resolv(const char *text, size_t len)
{
    struct avila_dns_resolv_conf c;
    CHECK(avila_dns_resolv_conf_parse(&c, text, len) == 0);
    CHECK(c.nameserver_count >= 1 && c.nameserver_count <= AVILA_DNS_MAX_NAMESERVERS);
    CHECK(c.search_count <= AVILA_DNS_MAX_SEARCH);
    CHECK(c.ndots <= AVILA_DNS_MAX_NDOTS);
    CHECK(c.timeout >= 1 && c.timeout <= AVILA_DNS_MAX_TIMEOUT);
    CHECK(c.attempts >= 1 && c.attempts <= AVILA_DNS_MAX_ATTEMPTS);
    for (size_t i = 0; i < c.search_count; i++) {
        CHECK((size_t)c.search_off[i] + c.search_len[i] <= AVILA_DNS_SEARCH_BYTES);
        CHECK(avila_dns_name_check(c.search_buf + c.search_off[i], c.search_len[i]) > 0);
    }
    /* The first line's text as a name. */
    size_t n = 0;
    while (n < len && n < 300 && text[n] != '\n')
        n++;
    uint8_t w[AVILA_DNS_NAME_MAX];
    size_t count = 0;
    for (size_t i = 0; i < 10; i++) {
        int rc = avila_dns_candidate(&c, text, n, i, w);
        if (rc < 0) {
            CHECK(rc == AVILA_ENOTFOUND || rc == AVILA_EFORMAT || rc == AVILA_ELIMIT);
            break;
        }
        CHECK(avila_dns_name_check(w, (size_t)rc) >= 0);
        count++;
    }
    CHECK(count <= c.search_count + 1);
}

static void fuzz_addr(const char *text, size_t len)
{
    struct avila_dns_addr a, b;
    if (avila_dns_addr_parse(text, len, &a) != 0)
        return;
    char t[AVILA_DNS_ADDR_TEXT_MAX], u[AVILA_DNS_ADDR_TEXT_MAX];
    int n = avila_dns_addr_format(&a, t, sizeof t);
    CHECK(n > 0 && (size_t)n < sizeof t);
    CHECK(avila_dns_addr_parse(t, (size_t)n, &b) == 0);
    CHECK(a.family == b.family && memcmp(a.bytes, b.bytes, a.family == 4 ? 4 : 16) == 0);
    CHECK(avila_dns_addr_format(&b, u, sizeof u) == n && memcmp(t, u, (size_t)n) == 0);
}

static void fuzz_name(const char *text, size_t len)
{
    uint8_t w[AVILA_DNS_NAME_MAX], v[AVILA_DNS_NAME_MAX];
    int wl = avila_dns_name_from_text(text, len, w);
    if (wl < 0) {
        CHECK(wl == AVILA_EFORMAT || wl == AVILA_ELIMIT);
        return;
    }
    CHECK(wl >= 1 && wl <= AVILA_DNS_NAME_MAX && avila_dns_name_check(w, (size_t)wl) >= 0);
    char t[AVILA_DNS_NAME_TEXT_MAX];
    int tl = avila_dns_name_to_text(w, (size_t)wl, t, sizeof t);
    CHECK(tl > 0);
    CHECK(avila_dns_name_from_text(t, (size_t)tl, v) == wl && memcmp(v, w, (size_t)wl) == 0);
    CHECK(avila_dns_name_equal(w, (size_t)wl, v, (size_t)wl));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0:
        fuzz_hosts(text, len);
        break;
    case 1:
        fuzz_resolv(text, len);
        break;
    case 2:
        fuzz_addr(text, len);
        break;
    default:
        fuzz_name(text, len);
    }
    return 0;
}
