/*
 * tests/net/test_dns_conf.c - the resolver's text inputs (net/dns.h):
 * IPv4/IPv6 address text against lists of valid forms with their bytes
 * (RFC 4291 section 2.2's examples among them) and of invalid forms, the
 * canonical output of RFC 5952 section 4 (its examples), the hosts file and
 * resolv.conf parsers with odd whitespace, comments, limits and bad values,
 * and the search-list candidates of resolv.conf(5).
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/dns.h"

/* ------------------------------------------------------------ addresses */

struct addr_case {
    const char *text;
    const char *hex; /* the 4 or 16 bytes */
};

static const struct addr_case valid4[] = {
    {"0.0.0.0", "00000000"},         {"255.255.255.255", "ffffffff"}, {"1.2.3.4", "01020304"},
    {"192.168.0.1", "c0a80001"},     {"10.0.0.255", "0a0000ff"},      {"127.0.0.1", "7f000001"},
    {"100.200.250.199", "64c8fac7"},
};

static const char *const invalid4[] = {
    "",          "1.2.3",     "1.2.3.4.5", "256.1.1.1",  "01.2.3.4", "1.2.3.04",
    "1..2.3",    ".1.2.3",    "1.2.3.4.",  " 1.2.3.4",   "1.2.3.4 ", "1.2.3.-4",
    "+1.2.3.4",  "0x1.2.3.4", "1.2.3.4a",  "1234.1.1.1", "1.2.3.00", "1.2.3.999",
    "1.2.3.4\n", "1,2,3,4",   "a.b.c.d",   "1.2.3.",     "...",      "1.2.3.4/8",
};

static const struct addr_case valid6[] = {
    {"::", "00000000000000000000000000000000"},
    {"::1", "00000000000000000000000000000001"},
    {"1::", "00010000000000000000000000000000"},
    {"2001:db8::1", "20010db8000000000000000000000001"},
    /* RFC 4291 2.2 examples. */
    {"2001:DB8:0:0:8:800:200C:417A", "20010db80000000000080800200c417a"},
    {"2001:DB8::8:800:200C:417A", "20010db80000000000080800200c417a"},
    {"FF01:0:0:0:0:0:0:101", "ff010000000000000000000000000101"},
    {"FF01::101", "ff010000000000000000000000000101"},
    {"0:0:0:0:0:0:0:1", "00000000000000000000000000000001"},
    {"0:0:0:0:0:0:13.1.68.3", "0000000000000000000000000d014403"},
    {"::13.1.68.3", "0000000000000000000000000d014403"},
    {"0:0:0:0:0:FFFF:129.144.52.38", "00000000000000000000ffff81903426"},
    {"::FFFF:129.144.52.38", "00000000000000000000ffff81903426"},
    /* "::" for exactly one group, at either end and inside. */
    {"1:2:3:4:5:6:7::", "00010002000300040005000600070000"},
    {"::2:3:4:5:6:7:8", "00000002000300040005000600070008"},
    {"1:2:3::5:6:7:8", "00010002000300000005000600070008"},
    {"1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"},
    {"1::1.2.3.4", "00010000000000000000000001020304"},
    {"0000:0000:0000:0000:0000:0000:0000:0000", "00000000000000000000000000000000"},
    {"ffff:FFFF:fFfF:ffff:ffff:ffff:ffff:ffff", "ffffffffffffffffffffffffffffffff"},
    {"abcd:ef01:2345:6789:ABCD:EF01:2345:6789", "abcdef0123456789abcdef0123456789"},
    {"0:0::0:0", "00000000000000000000000000000000"},
};

static const char *const invalid6[] = {
    ":",
    ":::",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "12345::",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    ":1::",
    "1::2:",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1:2:3:4:5:6::1.2.3.4",
    "::1.2.3",
    "::1.2.3.04",
    "::256.1.1.1",
    "g::",
    "fe80::1%eth0",
    "[::1]",
    "::/64",
    "1.2.3.4::",
    "::1.2.3.4:5",
    " ::1",
    "::1 ",
    "1:2:3:4:5:6:7:8:",
    ":1:2:3:4:5:6:7:8",
    "1::2::",
    "::1::",
    "1:::2",
    "1:2:3:4:5:6:7:8:1.2.3.4",
    "0x1::",
    "::-1",
    "1.2.3.4:1::",
    "::ffff:1.2.3.4.5",
};

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(unit_unhex(hex, out, n), n);
}

static void addresses_v4(void **state)
{
    (void)state;
    uint8_t b[4], want[4];
    struct avila_dns_addr a;
    for (size_t i = 0; i < sizeof valid4 / sizeof valid4[0]; i++) {
        unhex(valid4[i].hex, want, 4);
        if (avila_dns_addr_parse4(valid4[i].text, strlen(valid4[i].text), b) != 0)
            fail_msg("refused %s", valid4[i].text);
        assert_memory_equal(b, want, 4);
        assert_int_equal(avila_dns_addr_parse(valid4[i].text, strlen(valid4[i].text), &a), 0);
        assert_int_equal(a.family, 4);
        char t[AVILA_DNS_ADDR_TEXT_MAX];
        assert_int_equal(avila_dns_addr_format(&a, t, sizeof t), (int)strlen(valid4[i].text));
        assert_string_equal(t, valid4[i].text);
    }
    for (size_t i = 0; i < sizeof invalid4 / sizeof invalid4[0]; i++) {
        memset(b, 0x5A, 4);
        if (avila_dns_addr_parse4(invalid4[i], strlen(invalid4[i]), b) != AVILA_EFORMAT)
            fail_msg("accepted \"%s\"", invalid4[i]);
        /* Nothing written on failure. */
        assert_int_equal(b[0], 0x5A);
        assert_int_equal(avila_dns_addr_parse(invalid4[i], strlen(invalid4[i]), &a), AVILA_EFORMAT);
    }
    /* Length is honoured: "1.2.3.45" cut to 7 bytes is "1.2.3.4". */
    assert_int_equal(avila_dns_addr_parse4("1.2.3.45", 7, b), 0);
    assert_int_equal(b[3], 4);
}

static void addresses_v6(void **state)
{
    (void)state;
    uint8_t b[16], want[16];
    for (size_t i = 0; i < sizeof valid6 / sizeof valid6[0]; i++) {
        unhex(valid6[i].hex, want, 16);
        if (avila_dns_addr_parse6(valid6[i].text, strlen(valid6[i].text), b) != 0)
            fail_msg("refused %s", valid6[i].text);
        assert_memory_equal(b, want, 16);
        /* Every proper prefix of a full form without "::" is refused or differs. */
    }
    for (size_t i = 0; i < sizeof invalid6 / sizeof invalid6[0]; i++) {
        struct avila_dns_addr a;
        if (avila_dns_addr_parse(invalid6[i], strlen(invalid6[i]), &a) != AVILA_EFORMAT)
            fail_msg("accepted \"%s\"", invalid6[i]);
    }
}

/* RFC 5952 section 4's rules, with its examples. */
static void addresses_format(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"}, /* 4.1, 4.2.1 */
        {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},                  /* 4.2.1 */
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},           /* 4.2.2: one 0 stays */
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},                    /* 4.2.3: longest run */
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},              /* 4.2.3: first if tied */
        {"2001:DB8::AAAA", "2001:db8::aaaa"},                       /* 4.3: lower case */
        {"::", "::"},
        {"::1", "::1"},
        {"1::", "1::"},
        {"1:0:0:0:0:0:0:0", "1::"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"},
        {"0:1:0:0:2:0:0:0", "0:1:0:0:2::"},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"}, /* 5: IPv4-mapped */
        {"::ffff:c000:201", "::ffff:192.0.2.1"},
        {"::1.2.3.4", "::102:304"},
        {"fe80:0:0:0:0200:5eff:fe00:5301", "fe80::200:5eff:fe00:5301"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct avila_dns_addr a;
        char t[AVILA_DNS_ADDR_TEXT_MAX];
        assert_int_equal(avila_dns_addr_parse(cases[i].in, strlen(cases[i].in), &a), 0);
        assert_int_equal(a.family, 6);
        int n = avila_dns_addr_format(&a, t, sizeof t);
        if (n < 0 || strcmp(t, cases[i].out) != 0)
            fail_msg("%s: got %s, want %s", cases[i].in, n < 0 ? "error" : t, cases[i].out);
        assert_int_equal(n, (int)strlen(cases[i].out));
        /* ENOSPC one byte short. */
        assert_int_equal(avila_dns_addr_format(&a, t, (size_t)n), AVILA_ENOSPC);
    }
    /* The longest text fits AVILA_DNS_ADDR_TEXT_MAX. */
    struct avila_dns_addr a = {6, {0}};
    memset(a.bytes, 0xFF, 16);
    char t[AVILA_DNS_ADDR_TEXT_MAX];
    assert_int_equal(avila_dns_addr_format(&a, t, sizeof t), 39);
    a.family = 5;
    assert_int_equal(avila_dns_addr_format(&a, t, sizeof t), AVILA_EINVAL);

    /* Property: random addresses (zero-rich) print and parse back. */
    uint64_t seed = 5;
    for (int iter = 0; iter < 20000; iter++) {
        a.family = 6;
        uint64_t r = unit_rand(&seed);
        for (size_t k = 0; k < 8; k++) {
            uint16_t g = (r >> k) & 1 ? 0 : (uint16_t)unit_rand(&seed);
            if ((r >> (8 + k)) & 1)
                g &= 0xF;
            a.bytes[2 * k] = (uint8_t)(g >> 8);
            a.bytes[2 * k + 1] = (uint8_t)g;
        }
        int n = avila_dns_addr_format(&a, t, sizeof t);
        assert_true(n > 0);
        struct avila_dns_addr back;
        assert_int_equal(avila_dns_addr_parse(t, (size_t)n, &back), 0);
        assert_memory_equal(back.bytes, a.bytes, 16);
        /* No "::" for a single zero group, no leading zeros, no upper case. */
        assert_null(strstr(t, ":::"));
        for (int k = 0; k < n; k++)
            assert_false(t[k] >= 'A' && t[k] <= 'F');
    }
}

/* ----------------------------------------------------------------- hosts */

static const char hosts_text[] = "# /etc/hosts\n"
                                 "127.0.0.1\tlocalhost\n"
                                 "::1     localhost ip6-localhost ip6-loopback\n"
                                 "  \t\n"
                                 "\n"
                                 "192.0.2.10 Web.Example.Com web  # the web server\n"
                                 "192.0.2.11\t \tweb.example.com.\r\n"
                                 "2001:db8::10 web.example.com\n"
                                 "192.0.2.10 web.example.com\n"
                                 "#192.0.2.99 web.example.com\n"
                                 "300.1.1.1 bad.example\n"
                                 "192.0.2.12\n"
                                 "192.0.2.13 bad..name also.fine\n"
                                 "fe80::1%lo zoned.example\n"
                                 "192.0.2.14 last.example"; /* no final newline */

static void hosts_iterate(void **state)
{
    (void)state;
    struct avila_dns_hosts_iter it;
    struct avila_dns_hosts_line line;
    avila_dns_hosts_iter_init(&it, hosts_text, strlen(hosts_text));
    static const struct {
        const char *addr;
        size_t names;
        size_t line_no;
    } want[] = {
        {"127.0.0.1", 1, 2},    {"::1", 3, 3},        {"192.0.2.10", 2, 6},  {"192.0.2.11", 1, 7},
        {"2001:db8::10", 1, 8}, {"192.0.2.10", 1, 9}, {"192.0.2.13", 1, 13}, {"192.0.2.14", 1, 15},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(avila_dns_hosts_next(&it, &line), 1);
        char t[AVILA_DNS_ADDR_TEXT_MAX];
        assert_true(avila_dns_addr_format(&line.addr, t, sizeof t) > 0);
        assert_string_equal(t, want[i].addr);
        assert_int_equal(line.count, want[i].names);
        assert_int_equal(line.line_no, want[i].line_no);
    }
    assert_int_equal(line.names[0].len, 12);
    assert_memory_equal(line.names[0].ptr, "last.example", 12);
    assert_int_equal(avila_dns_hosts_next(&it, &line), 0);
    assert_int_equal(it.skipped, 3); /* 300.1.1.1, no name, zone id */

    /* Names beyond AVILA_DNS_HOSTS_MAX_NAMES are ignored; over-long lines skipped. */
    char *big = malloc(8192);
    assert_non_null(big);
    int n = snprintf(big, 8192, "10.0.0.1");
    for (int i = 0; i < 20; i++)
        n += snprintf(big + n, 8192 - (size_t)n, " n%d", i);
    n += snprintf(big + n, 8192 - (size_t)n, "\n10.0.0.2 ");
    memset(big + n, 'x', 4200);
    n += 4200;
    n += snprintf(big + n, 8192 - (size_t)n, "\n10.0.0.3 ok\n");
    avila_dns_hosts_iter_init(&it, big, (size_t)n);
    assert_int_equal(avila_dns_hosts_next(&it, &line), 1);
    assert_int_equal(line.count, AVILA_DNS_HOSTS_MAX_NAMES);
    assert_int_equal(avila_dns_hosts_next(&it, &line), 1);
    assert_int_equal(line.addr.bytes[3], 3);
    assert_int_equal(it.skipped, 1);
    assert_int_equal(avila_dns_hosts_next(&it, &line), 0);
    free(big);

    avila_dns_hosts_iter_init(&it, NULL, 0);
    assert_int_equal(avila_dns_hosts_next(&it, &line), 0);
}

static void hosts_lookup(void **state)
{
    (void)state;
    struct avila_dns_addr out[8];
    size_t len = strlen(hosts_text);
    /* Both families, in file order, the repeated 192.0.2.10 once, any case, trailing dot. */
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "WEB.example.com.", 16, 0, out, 8), 3);
    assert_int_equal(out[0].bytes[3], 10);
    assert_int_equal(out[1].bytes[3], 11);
    assert_int_equal(out[2].family, 6);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "web.example.com", 15, 4, out, 8), 2);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "web.example.com", 15, 6, out, 8), 1);
    assert_int_equal(out[0].bytes[15], 0x10);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "web.example.com", 15, 0, out, 1), 1);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "web", 3, 4, out, 8), 1);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "localhost", 9, 0, out, 8), 2);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "ip6-loopback", 12, 4, out, 8), 0);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "also.fine", 9, 0, out, 8), 1);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "bad.example", 11, 0, out, 8), 0);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "zoned.example", 13, 0, out, 8), 0);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "last.example", 12, 0, out, 8), 1);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "a..b", 4, 0, out, 8), AVILA_EFORMAT);
    assert_int_equal(avila_dns_hosts_lookup(hosts_text, len, "web", 3, 5, out, 8), AVILA_EINVAL);
}

/* ---------------------------------------------------------- resolv.conf */

static void text_of(const uint8_t *wire, size_t len, char *out)
{
    assert_true(avila_dns_name_to_text(wire, len, out, AVILA_DNS_NAME_TEXT_MAX) > 0);
}

static void resolv_defaults(void **state)
{
    (void)state;
    struct avila_dns_resolv_conf c;
    assert_int_equal(avila_dns_resolv_conf_parse(&c, "", 0), 0);
    assert_int_equal(c.nameserver_count, 1);
    assert_int_equal(c.nameservers[0].family, 4);
    static const uint8_t lo[] = {127, 0, 0, 1};
    assert_memory_equal(c.nameservers[0].bytes, lo, 4);
    assert_int_equal(c.search_count, 0);
    assert_int_equal(c.ndots, 1);
    assert_int_equal(c.timeout, 5);
    assert_int_equal(c.attempts, 2);
    assert_false(c.rotate);
    assert_int_equal(avila_dns_resolv_conf_parse(NULL, "", 0), AVILA_EINVAL);
}

static void resolv_parse(void **state)
{
    (void)state;
    static const char text[] = "# generated\n"
                               "; another comment\n"
                               "nameserver 192.0.2.53 # primary\n"
                               "   nameserver\t2001:db8::53\n"
                               "nameserver 999.1.1.1\n"
                               "nameserver\n"
                               "nameserver 192.0.2.54\n"
                               "nameserver 192.0.2.55\n"
                               "domain ignored.example\n"
                               "search Corp.Example  lab.example. bad..name ;comment\n"
                               "options ndots:3 timeout:99 attempts:0 rotate bogus ndots:x\n"
                               "options edns0 use-vc\n"
                               "unknown keyword here\n"
                               "sortlist 130.155.160.0/255.255.240.0\r\n";
    struct avila_dns_resolv_conf c;
    assert_int_equal(avila_dns_resolv_conf_parse(&c, text, strlen(text)), 0);
    assert_int_equal(c.nameserver_count, 3);
    char t[AVILA_DNS_NAME_TEXT_MAX];
    static const char *const ns[] = {"192.0.2.53", "2001:db8::53", "192.0.2.54"};
    for (size_t i = 0; i < 3; i++) {
        char a[AVILA_DNS_ADDR_TEXT_MAX];
        assert_true(avila_dns_addr_format(&c.nameservers[i], a, sizeof a) > 0);
        assert_string_equal(a, ns[i]);
    }
    /* The last of domain/search wins; the bad name is left out. */
    assert_int_equal(c.search_count, 2);
    text_of(c.search_buf + c.search_off[0], c.search_len[0], t);
    assert_string_equal(t, "Corp.Example");
    text_of(c.search_buf + c.search_off[1], c.search_len[1], t);
    assert_string_equal(t, "lab.example");
    assert_int_equal(c.ndots, 3);
    assert_int_equal(c.timeout, 30);
    assert_int_equal(c.attempts, 1);
    assert_true(c.rotate);
    assert_true(c.edns0);
    assert_true(c.use_vc);
    /* 999.1.1.1, the empty nameserver, bad..name, ndots:x. */
    assert_int_equal(c.skipped, 4);

    /* "domain" after "search" replaces it with one domain. */
    static const char t2[] = "search a.example b.example\ndomain c.example d.example\n"
                             "options ndots:20 attempts:9 timeout:0";
    assert_int_equal(avila_dns_resolv_conf_parse(&c, t2, strlen(t2)), 0);
    assert_int_equal(c.search_count, 1);
    text_of(c.search_buf, c.search_len[0], t);
    assert_string_equal(t, "c.example");
    assert_int_equal(c.ndots, 15);
    assert_int_equal(c.attempts, 5);
    assert_int_equal(c.timeout, 1);
    assert_int_equal(c.nameserver_count, 1); /* the default */
}

static void resolv_limits(void **state)
{
    (void)state;
    /* Six search domains at most. */
    static const char t1[] = "search a b c d e f g h";
    struct avila_dns_resolv_conf c;
    assert_int_equal(avila_dns_resolv_conf_parse(&c, t1, strlen(t1)), 0);
    assert_int_equal(c.search_count, 6);
    /* 256 wire bytes at most: domains of 63+2 bytes, three fit (195), the fourth (260) not. */
    char t2[600];
    int n = snprintf(t2, sizeof t2, "search");
    for (int i = 0; i < 5; i++) {
        n += snprintf(t2 + n, sizeof t2 - (size_t)n, " ");
        for (int k = 0; k < 63; k++)
            t2[n++] = (char)('a' + i);
    }
    assert_int_equal(avila_dns_resolv_conf_parse(&c, t2, (size_t)n), 0);
    assert_int_equal(c.search_count, 3);
    assert_int_equal(c.search_len[2], 65);
    /* Numbers: huge values saturate to the cap, not wrap. */
    static const char t3[] = "options ndots:99999999999999999999 timeout:4294967297 attempts:3";
    assert_int_equal(avila_dns_resolv_conf_parse(&c, t3, strlen(t3)), 0);
    assert_int_equal(c.ndots, 15);
    assert_int_equal(c.timeout, 30);
    assert_int_equal(c.attempts, 3);
}

/* Collects every candidate as text, joined by spaces, into out (4096 bytes). */
static void candidates(const struct avila_dns_resolv_conf *c, const char *name, char *out)
{
    out[0] = '\0';
    uint8_t w[AVILA_DNS_NAME_MAX];
    for (size_t i = 0;; i++) {
        int rc = avila_dns_candidate(c, name, strlen(name), i, w);
        if (rc == AVILA_ENOTFOUND)
            break;
        assert_true(rc > 0);
        char t[AVILA_DNS_NAME_TEXT_MAX];
        text_of(w, (size_t)rc, t);
        size_t used = strlen(out);
        snprintf(out + used, 4096 - used, "%s%s", i > 0 ? " " : "", t);
    }
}

static void resolv_candidates(void **state)
{
    (void)state;
    static const char text[] = "search a.example b.example\noptions ndots:2\n";
    struct avila_dns_resolv_conf c;
    assert_int_equal(avila_dns_resolv_conf_parse(&c, text, strlen(text)), 0);
    char got[4096];
    candidates(&c, "host", got);
    assert_string_equal(got, "host.a.example host.b.example host");
    candidates(&c, "host.sub", got);
    assert_string_equal(got, "host.sub.a.example host.sub.b.example host.sub");
    candidates(&c, "x.y.z", got);
    assert_string_equal(got, "x.y.z x.y.z.a.example x.y.z.b.example");
    candidates(&c, "abs.name.", got);
    assert_string_equal(got, "abs.name");
    candidates(&c, ".", got);
    assert_string_equal(got, ".");
    /* An escaped final dot is part of the label, not a root. */
    candidates(&c, "h\\.", got);
    assert_string_equal(got, "h\\..a.example h\\..b.example h\\.");
    uint8_t w[AVILA_DNS_NAME_MAX];
    assert_int_equal(avila_dns_candidate(&c, "a..b", 4, 0, w), AVILA_EFORMAT);

    /* Candidates over 255 octets are left out. */
    char longname[300];
    memset(longname, 'q', sizeof longname);
    for (size_t i = 63; i < 240; i += 64)
        longname[i] = '.';
    longname[240] = '\0'; /* 242 wire bytes; with a.example 252: fits */
    candidates(&c, longname, got);
    assert_int_equal(strlen(got), 3 * 240 + 2 * 10 + 2);
    longname[240] = 'q';
    longname[246] = '\0'; /* 248 wire bytes; with a.example 258: too long */
    candidates(&c, longname, got);
    assert_string_equal(got, longname);

    /* ndots 0: everything is tried as is first. */
    avila_dns_resolv_conf_default(&c);
    c.ndots = 0;
    candidates(&c, "host", got);
    assert_string_equal(got, "host");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addresses_v4),      cmocka_unit_test(addresses_v6),
        cmocka_unit_test(addresses_format),  cmocka_unit_test(hosts_iterate),
        cmocka_unit_test(hosts_lookup),      cmocka_unit_test(resolv_defaults),
        cmocka_unit_test(resolv_parse),      cmocka_unit_test(resolv_limits),
        cmocka_unit_test(resolv_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
