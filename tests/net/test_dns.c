/*
 * tests/net/test_dns.c - the DNS message codec, answer validation, TCP
 * framing and the TTL cache (net/dns.h).
 *
 * Known messages are written out byte by byte from the formats of RFC 1035
 * section 4 (header 4.1.1, question 4.1.2, records 4.1.3, compression
 * 4.1.4), RFC 3596 section 2 (AAAA) and RFC 2308 section 3 (SOA in the
 * authority section of a negative answer); each malformed class has its own
 * message and expected error and reason; every proper prefix of each known
 * message is refused; the known messages are parsed at a guard page; a
 * random-mutation property checks that whatever parses iterates to the end
 * with valid names; validation covers RFC 5452 section 9.1's matching rules
 * and the CNAME chain rules; the cache runs against a simple model of its
 * documented CLOCK policy.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "net/dns.h"
#include "tests/support/fail_alloc.h"

/* ---------------------------------------------------------- known messages */

/* clang-format off */
/*
 * A response to "www.example.com A" (id 0x1234, QR RD RA) with two answers
 * whose owners are compression pointers to the question name (offset 12):
 * 93.184.216.34 TTL 3600 and 192.0.2.1 TTL 300.
 */
static const uint8_t msg_a[] = {
    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,                   /* header */
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0, 1, 0, 1,                                                       /* A IN */
    0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 93, 184, 216, 34, /* offset 33 */
    0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 192, 0, 2, 1,     /* offset 49 */
};

/* "example.com AAAA" (id 0xBEEF): 2001:db8::1, TTL 60. */
static const uint8_t msg_aaaa[] = {
    0xBE, 0xEF, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,                   /* header */
    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 28, 0, 1,
    0xC0, 0x0C, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16,                      /* offset 29 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

/*
 * "www.example.org A" (id 0x0042): www.example.org CNAME a.example.net (TTL
 * 600), a.example.net CNAME b.example.net (TTL 120, "b" + pointer to
 * example.net at 47), b.example.net A 198.51.100.7 (TTL 900), then an A
 * record for evil.example.net (another owner: must be ignored) and, in the
 * additional section, www.example.org A 6.6.6.6 (must be ignored).
 */
static const uint8_t msg_cname[] = {
    0x00, 0x42, 0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 1,                   /* header */
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 1, 0, 1,
    /* 33: www.example.org CNAME a.example.net; the target's labels start at 45 */
    0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0x02, 0x58, 0, 15,
    1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
    /* 60: a.example.net (45) CNAME b.example.net; example.net is at 47 */
    0xC0, 0x2D, 0, 5, 0, 1, 0, 0, 0, 0x78, 0, 4, 1, 'b', 0xC0, 0x2F,
    /* 76: b.example.net (72) A 198.51.100.7 */
    0xC0, 0x48, 0, 1, 0, 1, 0, 0, 0x03, 0x84, 0, 4, 198, 51, 100, 7,
    /* 92: evil.example.net A 1.2.3.4 */
    4, 'e', 'v', 'i', 'l', 0xC0, 0x2F, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 1, 2, 3, 4,
    /* 113: additional: www.example.org A 6.6.6.6 */
    0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 6, 6, 6, 6,
};

/*
 * NXDOMAIN for "nope.example.com A" (id 0x7777, RCODE 3) with the zone's
 * SOA in the authority section (RFC 2308 section 3): owner example.com
 * (pointer to 17), TTL 3600, MNAME ns1.example.com, RNAME
 * hostmaster.example.com, serial 2024010101, refresh 7200, retry 3600,
 * expire 1209600, minimum 300. Negative TTL: min(3600, 300) = 300.
 */
static const uint8_t msg_nx[] = {
    0x77, 0x77, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0,                   /* header */
    4, 'n', 'o', 'p', 'e', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0, 1, 0, 1,
    /* 34: owner, SOA IN, TTL 3600, rdlength 39 */
    0xC0, 0x11, 0, 6, 0, 1, 0, 0, 0x0E, 0x10, 0, 39,
    3, 'n', 's', '1', 0xC0, 0x11,                                     /* MNAME */
    10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xC0, 0x11, /* RNAME */
    0x78, 0xa3, 0xf1, 0x75, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01, 0x2c,
};

/* "example.com A" answered with an OPT record (UDP 1232, extended RCODE bits 0, DO set). */
static const uint8_t msg_opt[] = {
    0x55, 0x55, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1,                   /* header */
    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
    0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 10, 0, 4, 10, 0, 0, 1,
    0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 4, 0, 10, 0, 0,           /* OPT, empty COOKIE */
};
/* clang-format on */

struct known {
    const char *what;
    const uint8_t *msg;
    size_t len;
};

static const struct known known_msgs[] = {
    {"A", msg_a, sizeof msg_a},
    {"AAAA", msg_aaaa, sizeof msg_aaaa},
    {"CNAME", msg_cname, sizeof msg_cname},
    {"NXDOMAIN", msg_nx, sizeof msg_nx},
    {"OPT", msg_opt, sizeof msg_opt},
};

/* ------------------------------------------------------------- helpers */

/* A message under construction in a test. */
struct mb {
    uint8_t b[70000];
    size_t n;
};

static void mb_bytes(struct mb *m, const void *p, size_t n)
{
    assert_true(m->n + n <= sizeof m->b);
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static void mb_u8(struct mb *m, unsigned v)
{
    uint8_t b = (uint8_t)v;
    mb_bytes(m, &b, 1);
}

static void mb_u16(struct mb *m, unsigned v)
{
    mb_u8(m, v >> 8);
    mb_u8(m, v & 0xFF);
}

static void mb_u32(struct mb *m, uint32_t v)
{
    mb_u16(m, v >> 16);
    mb_u16(m, v & 0xFFFF);
}

static void mb_header(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an,
                      unsigned ns, unsigned ar)
{
    m->n = 0;
    mb_u16(m, id);
    mb_u16(m, flags);
    mb_u16(m, qd);
    mb_u16(m, an);
    mb_u16(m, ns);
    mb_u16(m, ar);
}

/* Appends the text name uncompressed. */
static void mb_name(struct mb *m, const char *text)
{
    uint8_t wire[AVILA_DNS_NAME_MAX];
    int rc = avila_dns_name_from_text(text, strlen(text), wire);
    assert_true(rc > 0);
    mb_bytes(m, wire, (size_t)rc);
}

static void mb_question(struct mb *m, const char *name, unsigned type)
{
    mb_name(m, name);
    mb_u16(m, type);
    mb_u16(m, AVILA_DNS_CLASS_IN);
}

/* Appends a record with an uncompressed owner and the given rdata. */
static void mb_rr(struct mb *m, const char *owner, unsigned type, uint32_t ttl, const void *rdata,
                  size_t rdlen)
{
    mb_name(m, owner);
    mb_u16(m, type);
    mb_u16(m, AVILA_DNS_CLASS_IN);
    mb_u32(m, ttl);
    mb_u16(m, (unsigned)rdlen);
    mb_bytes(m, rdata, rdlen);
}

static void mb_a(struct mb *m, const char *owner, uint32_t ttl, uint8_t a, uint8_t b, uint8_t c,
                 uint8_t d)
{
    const uint8_t v[4] = {a, b, c, d};
    mb_rr(m, owner, AVILA_DNS_TYPE_A, ttl, v, 4);
}

static void mb_cname(struct mb *m, const char *owner, uint32_t ttl, const char *target)
{
    uint8_t wire[AVILA_DNS_NAME_MAX];
    int rc = avila_dns_name_from_text(target, strlen(target), wire);
    assert_true(rc > 0);
    mb_rr(m, owner, AVILA_DNS_TYPE_CNAME, ttl, wire, (size_t)rc);
}

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, p, n);
    return c;
}

/* Parses p[0..n) and fails unless the result is rc with the given reason (NULL: any). */
static void expect_parse(const uint8_t *p, size_t n, int rc, const char *reason, size_t offset)
{
    struct avila_dns_msg m;
    struct avila_dns_error err = {0};
    int got = avila_dns_msg_parse(&m, p, n, &err);
    if (got != rc)
        fail_msg("got %s (%s at %zu), want %s (%s)", avila_strerror_name(got),
                 err.reason ? err.reason : "-", err.offset, avila_strerror_name(rc),
                 reason ? reason : "-");
    if (rc != 0 && reason != NULL && strcmp(err.reason, reason) != 0)
        fail_msg("reason \"%s\" at %zu, want \"%s\"", err.reason, err.offset, reason);
    if (rc != 0 && offset != SIZE_MAX && err.offset != offset)
        fail_msg("%s: at %zu, want %zu", err.reason, err.offset, offset);
}

static void name_text(const uint8_t *wire, size_t len, char *out)
{
    int rc = avila_dns_name_to_text(wire, len, out, AVILA_DNS_NAME_TEXT_MAX);
    assert_true(rc > 0);
}

/* ----------------------------------------------------------------- names */

static void names_from_text(void **state)
{
    (void)state;
    uint8_t w[AVILA_DNS_NAME_MAX];
    static const uint8_t www[] = {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm',
                                  'p', 'l', 'e', 3,   'c', 'o', 'm', 0};
    assert_int_equal(avila_dns_name_from_text("www.example.com", 15, w), 17);
    assert_memory_equal(w, www, 17);
    assert_int_equal(avila_dns_name_from_text("www.example.com.", 16, w), 17);
    assert_memory_equal(w, www, 17);
    assert_int_equal(avila_dns_name_from_text(".", 1, w), 1);
    assert_int_equal(w[0], 0);
    assert_int_equal(avila_dns_name_from_text("a", 1, w), 3);
    /* Escapes (RFC 1035 5.1): a dot inside a label, and \DDD. */
    assert_int_equal(avila_dns_name_from_text("a\\.b.c", 6, w), 7);
    static const uint8_t esc[] = {3, 'a', '.', 'b', 1, 'c', 0};
    assert_memory_equal(w, esc, 7);
    assert_int_equal(avila_dns_name_from_text("\\000\\255", 8, w), 4);
    assert_int_equal(w[1], 0);
    assert_int_equal(w[2], 255);

    static const char *const bad[] = {"",      "..",          ".a",     "a..b", "a b",
                                      "a\tb",  "\\",          "a\\",    "\\25", "\\256",
                                      "\\2x5", "caf\xc3\xa9", "a.\x7f", "a..",  "a\\\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (avila_dns_name_from_text(bad[i], strlen(bad[i]), w) != AVILA_EFORMAT)
            fail_msg("accepted \"%s\"", bad[i]);

    /* Label of 63 bytes accepted, 64 refused. */
    char text[600];
    memset(text, 'x', 64);
    assert_int_equal(avila_dns_name_from_text(text, 63, w), 65);
    assert_int_equal(avila_dns_name_from_text(text, 64, w), AVILA_ELIMIT);

    /*
     * 255 octets of wire name at most: four labels 63+63+63+61 give
     * 4 + 250 + 1 = 255 (253 characters of text); one more byte is too many.
     */
    size_t n = 0;
    for (int l = 0; l < 4; l++) {
        size_t ll = l < 3 ? 63 : 61;
        memset(text + n, 'a' + l, ll);
        n += ll;
        if (l < 3)
            text[n++] = '.';
    }
    assert_int_equal(n, 253);
    assert_int_equal(avila_dns_name_from_text(text, n, w), 255);
    text[n] = '.';
    assert_int_equal(avila_dns_name_from_text(text, n + 1, w), 255);
    text[n] = 'z';
    assert_int_equal(avila_dns_name_from_text(text, n + 1, w), AVILA_ELIMIT);
    assert_int_equal(avila_dns_name_from_text(NULL, 1, w), AVILA_EINVAL);
}

static void names_to_text(void **state)
{
    (void)state;
    char t[AVILA_DNS_NAME_TEXT_MAX];
    static const uint8_t root[] = {0};
    assert_int_equal(avila_dns_name_to_text(root, 1, t, sizeof t), 1);
    assert_string_equal(t, ".");
    static const uint8_t odd[] = {4, 'a', '.', '\\', 0, 2, 'B', ' ', 0};
    assert_int_equal(avila_dns_name_to_text(odd, sizeof odd, t, sizeof t), 15);
    assert_string_equal(t, "a\\.\\\\\\000.B\\032");
    /* ... and back. */
    uint8_t w[AVILA_DNS_NAME_MAX];
    assert_int_equal(avila_dns_name_from_text(t, strlen(t), w), (int)sizeof odd);
    assert_memory_equal(w, odd, sizeof odd);
    /* Too small a buffer: ENOSPC with an empty string, at every size below the need. */
    for (size_t cap = 1; cap <= 15; cap++) {
        memset(t, 'q', sizeof t);
        assert_int_equal(avila_dns_name_to_text(odd, sizeof odd, t, cap), AVILA_ENOSPC);
        assert_int_equal(t[0], '\0');
    }
    static const uint8_t bad1[] = {3, 'a', 'b'};  /* runs past the end */
    static const uint8_t bad2[] = {1, 'a', 0, 0}; /* bytes after the root */
    static const uint8_t bad3[] = {64, 'a'};      /* label length 64 */
    static const uint8_t bad4[] = {0xC0, 12};     /* a pointer is not a wire name */
    assert_int_equal(avila_dns_name_to_text(bad1, 3, t, sizeof t), AVILA_EFORMAT);
    assert_int_equal(avila_dns_name_to_text(bad2, 4, t, sizeof t), AVILA_EFORMAT);
    assert_int_equal(avila_dns_name_to_text(bad3, 2, t, sizeof t), AVILA_EFORMAT);
    assert_int_equal(avila_dns_name_to_text(bad4, 2, t, sizeof t), AVILA_EFORMAT);

    /* Property: every random wire name prints and reads back to itself. */
    uint64_t seed = 7;
    for (int iter = 0; iter < 2000; iter++) {
        uint8_t name[AVILA_DNS_NAME_MAX];
        size_t len = 0, room = unit_rand(&seed) % 254;
        while (len + 2 <= room) {
            size_t ll = 1 + unit_rand(&seed) % 63;
            if (len + 1 + ll + 1 > AVILA_DNS_NAME_MAX)
                break;
            name[len] = (uint8_t)ll;
            unit_rand_fill(&seed, name + len + 1, ll);
            len += 1 + ll;
        }
        name[len++] = 0;
        int tl = avila_dns_name_to_text(name, len, t, sizeof t);
        assert_true(tl > 0 && (size_t)tl < sizeof t);
        assert_int_equal(avila_dns_name_from_text(t, (size_t)tl, w), (int)len);
        assert_memory_equal(w, name, len);
    }
}

static void names_compare(void **state)
{
    (void)state;
    uint8_t a[AVILA_DNS_NAME_MAX], b[AVILA_DNS_NAME_MAX], z[AVILA_DNS_NAME_MAX];
    int al = avila_dns_name_from_text("WwW.ExAmPlE.cOm", 15, a);
    int bl = avila_dns_name_from_text("www.example.com.", 16, b);
    int zl = avila_dns_name_from_text("example.COM", 11, z);
    assert_true(avila_dns_name_equal(a, (size_t)al, b, (size_t)bl));
    assert_false(avila_dns_name_equal(a, (size_t)al, z, (size_t)zl));
    assert_true(avila_dns_name_is_under(a, (size_t)al, z, (size_t)zl));
    assert_true(avila_dns_name_is_under(z, (size_t)zl, z, (size_t)zl));
    assert_false(avila_dns_name_is_under(z, (size_t)zl, a, (size_t)al));
    static const uint8_t root[] = {0};
    assert_true(avila_dns_name_is_under(a, (size_t)al, root, 1));
    /* "xample.com" is not a parent of "www.example.com": label boundaries count. */
    int yl = avila_dns_name_from_text("xample.com", 10, z);
    assert_false(avila_dns_name_is_under(a, (size_t)al, z, (size_t)yl));
    /* Case folding is ASCII only: 0xC9 and 0xE9 differ. */
    static const uint8_t u1[] = {1, 0xC9, 0}, u2[] = {1, 0xE9, 0};
    assert_false(avila_dns_name_equal(u1, 3, u2, 3));
    avila_dns_name_lower(a, (size_t)al);
    assert_memory_equal(a, b, (size_t)bl);
}

/* ------------------------------------------------------------ known parses */

static void parse_a(void **state)
{
    (void)state;
    struct avila_dns_msg m;
    assert_int_equal(avila_dns_msg_parse(&m, msg_a, sizeof msg_a, NULL), 0);
    assert_int_equal(m.header.id, 0x1234);
    assert_int_equal(m.header.flags, 0x8180);
    assert_int_equal(m.header.qdcount, 1);
    assert_int_equal(m.header.ancount, 2);
    assert_int_equal(avila_dns_msg_rcode(&m), 0);
    struct avila_dns_question q;
    char t[AVILA_DNS_NAME_TEXT_MAX];
    assert_int_equal(avila_dns_msg_question(&m, 0, &q), 0);
    name_text(q.name, q.name_len, t);
    assert_string_equal(t, "www.example.com");
    assert_int_equal(q.type, AVILA_DNS_TYPE_A);
    assert_int_equal(q.qclass, AVILA_DNS_CLASS_IN);
    assert_int_equal(avila_dns_msg_question(&m, 1, &q), AVILA_ENOTFOUND);

    struct avila_dns_iter it;
    struct avila_dns_rr rr;
    avila_dns_iter_init(&it, &m);
    assert_int_equal(avila_dns_iter_next(&it, &rr), 1);
    assert_int_equal(rr.section, AVILA_DNS_ANSWER_SECTION);
    name_text(rr.name, rr.name_len, t);
    assert_string_equal(t, "www.example.com");
    assert_int_equal(rr.type, AVILA_DNS_TYPE_A);
    assert_int_equal(rr.ttl, 3600);
    assert_int_equal(rr.rdlength, 4);
    assert_int_equal(rr.rdata_offset, 45);
    assert_ptr_equal(rr.rdata, msg_a + 45);
    assert_int_equal(rr.addr.family, 4);
    static const uint8_t a1[] = {93, 184, 216, 34};
    assert_memory_equal(rr.addr.bytes, a1, 4);
    assert_int_equal(avila_dns_iter_next(&it, &rr), 1);
    assert_int_equal(rr.ttl, 300);
    static const uint8_t a2[] = {192, 0, 2, 1};
    assert_memory_equal(rr.addr.bytes, a2, 4);
    assert_int_equal(avila_dns_iter_next(&it, &rr), 0);
    assert_int_equal(avila_dns_iter_next(&it, &rr), 0);
}

static void parse_aaaa_cname_soa_opt(void **state)
{
    (void)state;
    struct avila_dns_msg m;
    struct avila_dns_iter it;
    struct avila_dns_rr rr;
    char t[AVILA_DNS_NAME_TEXT_MAX];

    assert_int_equal(avila_dns_msg_parse(&m, msg_aaaa, sizeof msg_aaaa, NULL), 0);
    avila_dns_iter_init(&it, &m);
    assert_int_equal(avila_dns_iter_next(&it, &rr), 1);
    assert_int_equal(rr.type, AVILA_DNS_TYPE_AAAA);
    assert_int_equal(rr.addr.family, 6);
    assert_memory_equal(rr.addr.bytes, msg_aaaa + sizeof msg_aaaa - 16, 16);
    assert_int_equal(avila_dns_iter_next(&it, &rr), 0);

    assert_int_equal(avila_dns_msg_parse(&m, msg_cname, sizeof msg_cname, NULL), 0);
    avila_dns_iter_init(&it, &m);
    static const char *const owners[] = {"www.example.org", "a.example.net", "b.example.net",
                                         "evil.example.net", "www.example.org"};
    static const unsigned types[] = {5, 5, 1, 1, 1};
    static const char *const targets[] = {"a.example.net", "b.example.net"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(avila_dns_iter_next(&it, &rr), 1);
        name_text(rr.name, rr.name_len, t);
        assert_string_equal(t, owners[i]);
        assert_int_equal(rr.type, types[i]);
        assert_int_equal(rr.section,
                         i < 4 ? AVILA_DNS_ANSWER_SECTION : AVILA_DNS_ADDITIONAL_SECTION);
        if (i < 2) {
            name_text(rr.target, rr.target_len, t);
            assert_string_equal(t, targets[i]);
        }
    }
    assert_int_equal(avila_dns_iter_next(&it, &rr), 0);

    assert_int_equal(avila_dns_msg_parse(&m, msg_nx, sizeof msg_nx, NULL), 0);
    assert_int_equal(avila_dns_msg_rcode(&m), AVILA_DNS_RCODE_NXDOMAIN);
    avila_dns_iter_init(&it, &m);
    assert_int_equal(avila_dns_iter_next(&it, &rr), 1);
    assert_int_equal(rr.section, AVILA_DNS_AUTHORITY_SECTION);
    assert_int_equal(rr.type, AVILA_DNS_TYPE_SOA);
    name_text(rr.name, rr.name_len, t);
    assert_string_equal(t, "example.com");
    name_text(rr.target, rr.target_len, t);
    assert_string_equal(t, "ns1.example.com");
    assert_int_equal(rr.soa.serial, 2024010101u);
    assert_int_equal(rr.soa.refresh, 7200);
    assert_int_equal(rr.soa.retry, 3600);
    assert_int_equal(rr.soa.expire, 1209600);
    assert_int_equal(rr.soa.minimum, 300);

    assert_int_equal(avila_dns_msg_parse(&m, msg_opt, sizeof msg_opt, NULL), 0);
    assert_int_equal(m.udp_size, 1232);
    assert_int_equal(m.opt_index, 1);
    assert_int_equal(avila_dns_msg_rcode(&m), 0);
}

/* The extended RCODE: the OPT TTL's top byte gives RCODE bits 4..11 (RFC 6891 6.1.3). */
static void parse_extended_rcode(void **state)
{
    (void)state;
    uint8_t *p = copy_of(msg_opt, sizeof msg_opt);
    size_t opt = sizeof msg_opt - 15; /* the OPT record */
    p[opt + 5] = 1;                   /* extended RCODE high bits: 1 -> 16 (BADVERS) */
    struct avila_dns_msg m;
    assert_int_equal(avila_dns_msg_parse(&m, p, sizeof msg_opt, NULL), 0);
    assert_int_equal(avila_dns_msg_rcode(&m), 16);
    free(p);
}

/* Every proper prefix of every known message is refused; each parses at a guard page. */
static void prefixes_and_guard(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof known_msgs / sizeof known_msgs[0]; k++) {
        const struct known *km = &known_msgs[k];
        for (size_t n = 0; n < km->len; n++) {
            uint8_t *g = unit_guarded_alloc(n);
            memcpy(g, km->msg, n);
            struct avila_dns_msg m;
            int rc = avila_dns_msg_parse(&m, g, n, NULL);
            if (rc >= 0)
                fail_msg("%s: prefix of %zu bytes accepted", km->what, n);
            unit_guarded_free(g, n);
        }
        uint8_t *g = unit_guarded_alloc(km->len);
        memcpy(g, km->msg, km->len);
        struct avila_dns_msg m;
        assert_int_equal(avila_dns_msg_parse(&m, g, km->len, NULL), 0);
        struct avila_dns_iter it;
        struct avila_dns_rr rr;
        avila_dns_iter_init(&it, &m);
        size_t count = 0;
        while (avila_dns_iter_next(&it, &rr) == 1)
            count++;
        assert_int_equal(count, (size_t)m.header.ancount + m.header.nscount + m.header.arcount);
        unit_guarded_free(g, km->len);
    }
}

/* ------------------------------------------------------------ malformed */

static void malformed_names(void **state)
{
    (void)state;
    struct mb *m = malloc(sizeof *m);
    assert_non_null(m);

    /* A pointer to itself (the simplest loop): not backward. */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_u16(m, 0xC00C);
    mb_u16(m, 1);
    mb_u16(m, 1);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "compression pointer does not point backward", 12);

    /* Two pointers to each other: the first already points forward. */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_u16(m, 0xC00E);
    mb_u16(m, 0xC00C);
    mb_u16(m, 1);
    mb_u16(m, 1);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "compression pointer does not point backward", 12);

    /*
     * A loop through a label: "a" at 12 followed by a pointer back to 12.
     * The pointer at 14 points before itself but into its own run of labels.
     */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_u8(m, 1);
    mb_u8(m, 'a');
    mb_u16(m, 0xC00C);
    mb_u16(m, 1);
    mb_u16(m, 1);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "compression pointer does not point backward", 14);

    /*
     * A pointer back to labels that run into the pointer itself: at 14 a
     * pointer to 12, where a 4-byte label would cover 13..16. A compressor
     * never writes this; decoding it would read the pointer as label data.
     */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_u8(m, 4);
    mb_u8(m, 'x');
    mb_u16(m, 0xC00C);
    mb_u16(m, 1);
    mb_u16(m, 1);
    {
        uint8_t nm[AVILA_DNS_NAME_MAX];
        size_t nl, nx;
        struct avila_dns_error e;
        assert_int_equal(avila_dns_name_unpack(m->b, m->n, 14, nm, &nl, &nx, &e), AVILA_EFORMAT);
        assert_string_equal(e.reason, "pointed-to name overlaps the name pointing to it");
        assert_int_equal(e.offset, 12);
        /* The same label ending just before the pointer is fine: "x" then the root. */
        m->b[12] = 1;
        m->b[14] = 0;
        m->b[15] = 0xC0;
        m->b[16] = 0x0C;
        assert_int_equal(avila_dns_name_unpack(m->b, m->n, 15, nm, &nl, &nx, &e), 0);
        assert_int_equal(nl, 3);
        assert_int_equal(nx, 17);
    }

    /* Pointer beyond the message. */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_u16(m, 0xC000 | 0x3FFF);
    mb_u16(m, 1);
    mb_u16(m, 1);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "compression pointer does not point backward", 12);

    /* Pointer into the header, from an answer's owner. */
    mb_header(m, 1, 0x8180, 1, 1, 0, 0);
    mb_question(m, "a", 1);
    mb_u16(m, 0xC004);
    mb_u16(m, 1);
    mb_u16(m, 1);
    mb_u32(m, 0);
    mb_u16(m, 4);
    mb_u32(m, 0);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "compression pointer into the header", 19);

    /* Truncated pointer: the message ends after its first byte. */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_u8(m, 0xC0);
    expect_parse(m->b, m->n, AVILA_EFORMAT, NULL, SIZE_MAX);

    /* Reserved label types 01 (0x40, ex-EDNS0 extended labels) and 10 (0x80). */
    static const unsigned reserved[] = {0x40, 0x41, 0x7F, 0x80, 0xBF};
    for (size_t i = 0; i < 5; i++) {
        mb_header(m, 1, 0x8180, 1, 0, 0, 0);
        mb_u8(m, 1);
        mb_u8(m, 'x');
        mb_u8(m, reserved[i]);
        mb_u8(m, 0);
        mb_u32(m, 0x00010001);
        expect_parse(m->b, m->n, AVILA_EFORMAT, "reserved label type", 14);
    }

    /* Label running past the end. */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_u8(m, 10);
    mb_bytes(m, "abcdefg", 7);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "label runs past the end of the message", 12);

    /*
     * A name longer than 255 octets through compression: four names of one
     * 63-byte label each, each pointing to the previous one. The third
     * decodes to 3 * 64 + 1 = 193 octets; the fourth would be 257.
     */
    mb_header(m, 1, 0x8180, 4, 0, 0, 0);
    uint8_t label[64];
    label[0] = 63;
    memset(label + 1, 'q', 63);
    size_t prev = 0;
    for (int i = 0; i < 4; i++) {
        size_t here = m->n;
        mb_bytes(m, label, 64);
        if (i == 0)
            mb_u8(m, 0);
        else
            mb_u16(m, 0xC000 | (unsigned)prev);
        mb_u32(m, 0x00010001);
        prev = here;
    }
    expect_parse(m->b, m->n, AVILA_ELIMIT, "name longer than 255 octets", SIZE_MAX);
    /* Three of them are fine. */
    m->b[5] = 3;
    uint8_t out[AVILA_DNS_NAME_MAX];
    size_t out_len, next;
    size_t third = 12 + (64 + 1 + 4) + (64 + 2 + 4);
    assert_int_equal(avila_dns_name_unpack(m->b, m->n, third, out, &out_len, &next, NULL), 0);
    assert_int_equal(out_len, 193);
    assert_int_equal(next, third + 66);

    /* Too many pointers: a root label, then 70 pointers each to the one before. */
    mb_header(m, 1, 0x8180, 0, 0, 0, 0);
    mb_u8(m, 0);
    mb_u16(m, 0xC00C);
    for (int i = 1; i < 70; i++)
        mb_u16(m, 0xC000 | (unsigned)(13 + 2 * (i - 1)));
    struct avila_dns_error err;
    size_t last = m->n - 2;
    assert_int_equal(avila_dns_name_unpack(m->b, m->n, last, out, &out_len, &next, &err),
                     AVILA_ELIMIT);
    assert_string_equal(err.reason, "too many compression pointers");
    /* 64 pointers are allowed (AVILA_DNS_MAX_POINTERS). */
    size_t at64 = 13 + 2 * 63;
    assert_int_equal(avila_dns_name_unpack(m->b, m->n, at64, out, &out_len, &next, NULL), 0);
    assert_int_equal(out_len, 1);
    assert_int_equal(avila_dns_name_unpack(m->b, m->n, at64 + 2, out, &out_len, &next, NULL),
                     AVILA_ELIMIT);
    free(m);
}

static void malformed_sections(void **state)
{
    (void)state;
    struct mb *m = malloc(sizeof *m);
    assert_non_null(m);
    /* Truncated header: every length below 12. */
    for (size_t n = 0; n < 12; n++)
        expect_parse(msg_a, n, AVILA_EFORMAT, "truncated header", n);

    /* Counts larger than the message could hold. */
    uint8_t *p = copy_of(msg_a, sizeof msg_a);
    p[7] = 3; /* ancount 3: 3 * 11 + 5 > 53 bytes? 38 needed fits; the records run out */
    expect_parse(p, sizeof msg_a, AVILA_EFORMAT, "name runs past the end of the message", 65);
    p[7] = 2;
    p[6] = 0x10; /* ancount 0x1002 */
    expect_parse(p, sizeof msg_a, AVILA_EFORMAT, "section counts exceed the message", 4);
    p[6] = 0;
    p[4] = 0xFF; /* qdcount 0xFF01 */
    expect_parse(p, sizeof msg_a, AVILA_EFORMAT, "section counts exceed the message", 4);
    free(p);

    /* Truncated question: the name is there, type and class are cut. */
    mb_header(m, 1, 0x8180, 1, 0, 0, 0);
    mb_name(m, "example.com");
    mb_u16(m, 1);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "truncated question", 25);

    /* Truncated record: the fixed fields are cut. */
    mb_header(m, 1, 0x8180, 1, 1, 0, 0);
    mb_question(m, "example.com", 1);
    mb_u16(m, 0xC00C);
    mb_u16(m, 1);
    mb_u16(m, 1);
    mb_u32(m, 60);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "truncated record", 31);
    /* Truncated rdata: rdlength 4, 3 bytes follow. */
    mb_u16(m, 4);
    mb_bytes(m, "\x01\x02\x03", 3);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "rdata runs past the end of the message", 39);

    /* rdlength of A must be 4, of AAAA 16 (class IN). */
    static const size_t a_lens[] = {0, 3, 5, 16};
    for (size_t i = 0; i < 4; i++) {
        uint8_t rd[16] = {0};
        mb_header(m, 1, 0x8180, 1, 1, 0, 0);
        mb_question(m, "example.com", 1);
        mb_rr(m, "example.com", AVILA_DNS_TYPE_A, 60, rd, a_lens[i]);
        expect_parse(m->b, m->n, AVILA_EFORMAT, "A record rdata is not 4 bytes", SIZE_MAX);
    }
    static const size_t aaaa_lens[] = {0, 4, 15, 17};
    for (size_t i = 0; i < 4; i++) {
        uint8_t rd[17] = {0};
        mb_header(m, 1, 0x8180, 1, 1, 0, 0);
        mb_question(m, "example.com", 28);
        mb_rr(m, "example.com", AVILA_DNS_TYPE_AAAA, 60, rd, aaaa_lens[i]);
        expect_parse(m->b, m->n, AVILA_EFORMAT, "AAAA record rdata is not 16 bytes", SIZE_MAX);
    }
    /* ... but an A record of another class is opaque. */
    mb_header(m, 1, 0x8180, 1, 1, 0, 0);
    mb_question(m, "example.com", 1);
    mb_name(m, "example.com");
    mb_u16(m, 1);
    mb_u16(m, 3); /* CH */
    mb_u32(m, 0);
    mb_u16(m, 2);
    mb_u16(m, 0xABCD);
    expect_parse(m->b, m->n, 0, NULL, SIZE_MAX);

    /* A CNAME whose name does not fill the rdata, or runs past it. */
    mb_header(m, 1, 0x8180, 1, 1, 0, 0);
    mb_question(m, "example.com", 1);
    mb_rr(m, "example.com", AVILA_DNS_TYPE_CNAME, 60, "\x01x\x00\x00", 4);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "name does not fill the rdata", SIZE_MAX);
    mb_header(m, 1, 0x8180, 1, 1, 0, 0);
    mb_question(m, "example.com", 1);
    mb_rr(m, "example.com", AVILA_DNS_TYPE_CNAME, 60, "\x01x\x00", 2);
    mb_u8(m, 0);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "name runs past the rdata", SIZE_MAX);

    /* An SOA with 19 bytes of numbers. */
    mb_header(m, 1, 0x8183, 1, 0, 1, 0);
    mb_question(m, "example.com", 1);
    mb_rr(m, "example.com", AVILA_DNS_TYPE_SOA, 60,
          "\x00\x00"
          "0123456789012345678",
          21);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "SOA rdata has the wrong length", SIZE_MAX);

    /* Bytes after the last record. */
    p = malloc(sizeof msg_a + 1);
    assert_non_null(p);
    memcpy(p, msg_a, sizeof msg_a);
    p[sizeof msg_a] = 0;
    expect_parse(p, sizeof msg_a + 1, AVILA_EFORMAT, "bytes after the last record", 65);
    free(p);

    /* OPT: two of them, one in the answer section, one not owned by the root. */
    static const uint8_t opt[] = {0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0};
    mb_header(m, 1, 0x8180, 1, 0, 0, 2);
    mb_question(m, "example.com", 1);
    mb_bytes(m, opt, sizeof opt);
    mb_bytes(m, opt, sizeof opt);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "more than one OPT record", 40);
    mb_header(m, 1, 0x8180, 1, 1, 0, 0);
    mb_question(m, "example.com", 1);
    mb_bytes(m, opt, sizeof opt);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "OPT record outside the additional section", 29);
    mb_header(m, 1, 0x8180, 1, 0, 0, 1);
    mb_question(m, "example.com", 1);
    mb_rr(m, "example.com", AVILA_DNS_TYPE_OPT, 0, "", 0);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "OPT record not owned by the root", 29);
    mb_header(m, 1, 0x8180, 1, 0, 0, 1);
    mb_question(m, "example.com", 1);
    mb_rr(m, ".", AVILA_DNS_TYPE_OPT, 0, "\x00\x0a\x00\x05\x01", 5);
    expect_parse(m->b, m->n, AVILA_EFORMAT, "OPT options do not fill the rdata", SIZE_MAX);

    /* Longer than 65535 bytes. */
    mb_header(m, 1, 0x8180, 0, 0, 0, 0);
    m->n = 65536;
    memset(m->b + 12, 0, m->n - 12);
    expect_parse(m->b, m->n, AVILA_ELIMIT, NULL, SIZE_MAX);
    free(m);
}

/*
 * Random mutations of the known messages: whatever parses must iterate to
 * exactly its record count with valid names, and parse again identically.
 */
static void mutation_property(void **state)
{
    (void)state;
    uint64_t seed = 1234;
    uint8_t buf[512];
    size_t accepted = 0;
    for (int iter = 0; iter < 40000; iter++) {
        const struct known *km = &known_msgs[unit_rand(&seed) % 5];
        size_t n = km->len;
        memcpy(buf, km->msg, n);
        int flips = 1 + (int)(unit_rand(&seed) % 4);
        for (int f = 0; f < flips; f++) {
            uint64_t r = unit_rand(&seed);
            switch (r % 4) {
            case 0:
                buf[(r >> 8) % n] ^= (uint8_t)(1u << ((r >> 40) % 8));
                break;
            case 1:
                buf[(r >> 8) % n] = (uint8_t)(r >> 32);
                break;
            case 2:
                n -= (r >> 8) % 4 < n ? (r >> 8) % 4 : 0;
                break;
            default:
                if (n < sizeof buf - 1)
                    buf[n++] = (uint8_t)(r >> 16);
            }
        }
        struct avila_dns_msg m;
        if (avila_dns_msg_parse(&m, buf, n, NULL) != 0)
            continue;
        accepted++;
        struct avila_dns_iter it;
        struct avila_dns_rr rr;
        avila_dns_iter_init(&it, &m);
        size_t count = 0;
        int rc;
        while ((rc = avila_dns_iter_next(&it, &rr)) == 1) {
            assert_true(rr.name_len <= AVILA_DNS_NAME_MAX);
            assert_true(avila_dns_name_check(rr.name, rr.name_len) >= 0);
            assert_true(rr.rdata_offset + rr.rdlength <= n);
            if (rr.target_len != 0)
                assert_true(avila_dns_name_check(rr.target, rr.target_len) >= 0);
            count++;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(count, (size_t)m.header.ancount + m.header.nscount + m.header.arcount);
    }
    /* The property was exercised on accepted messages too. */
    assert_true(accepted > 1000);
}

/* ------------------------------------------------------------- queries */

static void query_write(void **state)
{
    (void)state;
    struct avila_dns_query q;
    assert_int_equal(avila_dns_query_init(&q, "Example.COM", 11, AVILA_DNS_TYPE_AAAA, 0xA1B2), 0);
    uint8_t mem[AVILA_DNS_QUERY_MAX];
    struct avila_buf b;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    /* Header, question, OPT (RFC 6891 6.1.2: root, type 41, class 1232, TTL 0, rdlength 0). */
    static const uint8_t want[] = {
        0xA1, 0xB2, 0x01, 0x00, 0, 1, 0,  0, 0, 0, 0, 1,  7,    'E',  'x', 'a', 'm', 'p', 'l', 'e',
        3,    'C',  'O',  'M',  0, 0, 28, 0, 1, 0, 0, 41, 0x04, 0xD0, 0,   0,   0,   0,   0,   0,
    };
    assert_int_equal(avila_dns_query_write(&q, &b), (int)sizeof want);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(mem, want, sizeof want);

    /* Without EDNS and RD. */
    q.edns = false;
    q.rd = false;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(avila_dns_query_write(&q, &b), 29);
    assert_int_equal(mem[2], 0);
    assert_int_equal(mem[11], 0);

    /* Too small a buffer: ENOSPC, nothing written. */
    q.edns = true;
    avila_buf_init_fixed(&b, mem, sizeof want - 1);
    assert_int_equal(avila_dns_query_write(&q, &b), AVILA_ENOSPC);
    assert_int_equal(b.len, 0);

    /* The largest query fits AVILA_DNS_QUERY_MAX. */
    char text[300];
    memset(text, 'a', sizeof text);
    for (size_t i = 63; i < 253; i += 64)
        text[i] = '.';
    assert_int_equal(avila_dns_query_init(&q, text, 253, 1, 1), 0);
    assert_int_equal(q.name_len, 255);
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(avila_dns_query_write(&q, &b), AVILA_DNS_QUERY_MAX);

    assert_int_equal(avila_dns_query_init(&q, "a..b", 4, 1, 1), AVILA_EFORMAT);
}

/* Builds a query, parses it back as a message, and answers it. */
static void round_trip(void **state)
{
    (void)state;
    uint64_t seed = 99;
    for (int iter = 0; iter < 500; iter++) {
        char name[64];
        int labels = 1 + (int)(unit_rand(&seed) % 4);
        size_t n = 0;
        for (int l = 0; l < labels; l++) {
            if (l > 0)
                name[n++] = '.';
            size_t ll = 1 + unit_rand(&seed) % 10;
            for (size_t k = 0; k < ll; k++)
                name[n++] = (char)("abcXYZ019-_"[unit_rand(&seed) % 11]);
        }
        uint16_t id = (uint16_t)unit_rand(&seed);
        uint16_t type = unit_rand(&seed) % 2 ? AVILA_DNS_TYPE_A : AVILA_DNS_TYPE_AAAA;
        struct avila_dns_query q;
        assert_int_equal(avila_dns_query_init(&q, name, n, type, id), 0);
        q.edns = unit_rand(&seed) % 2;
        struct avila_buf b;
        avila_buf_init(&b, avila_allocator_libc(), 4096);
        int ql = avila_dns_query_write(&q, &b);
        assert_true(ql > 0);

        struct avila_dns_msg m;
        assert_int_equal(avila_dns_msg_parse(&m, b.data, b.len, NULL), 0);
        assert_int_equal(m.header.id, id);
        assert_int_equal(m.header.flags, AVILA_DNS_FLAG_RD);
        assert_int_equal(m.opt_index, q.edns ? 0 : -1);
        struct avila_dns_question qq;
        assert_int_equal(avila_dns_msg_question(&m, 0, &qq), 0);
        assert_int_equal(qq.name_len, q.name_len);
        assert_memory_equal(qq.name, q.name, q.name_len);
        assert_int_equal(qq.type, type);

        /* Turn it into an answer: QR|RA, one answer record pointing at the question. */
        struct mb *r = malloc(sizeof *r);
        assert_non_null(r);
        mb_header(r, id, 0x8180, 1, 1, 0, 0);
        mb_bytes(r, b.data + 12, q.name_len + 4);
        mb_u16(r, 0xC00C);
        mb_u16(r, type);
        mb_u16(r, 1);
        mb_u32(r, 77);
        uint8_t addr[16];
        unit_rand_fill(&seed, addr, sizeof addr);
        size_t al = type == AVILA_DNS_TYPE_A ? 4 : 16;
        mb_u16(r, (unsigned)al);
        mb_bytes(r, addr, al);
        struct avila_dns_addr got[2];
        struct avila_dns_answer ans;
        assert_int_equal(avila_dns_answer_validate(&q, r->b, r->n, got, 2, &ans, NULL),
                         AVILA_DNS_ANSWER);
        assert_int_equal(ans.count, 1);
        assert_int_equal(ans.ttl, 77);
        assert_int_equal(got[0].family, al == 4 ? 4 : 6);
        assert_memory_equal(got[0].bytes, addr, al);
        free(r);
        avila_buf_release(&b);
    }
}

/* ----------------------------------------------------------- validation */

static int validate(const struct avila_dns_query *q, const uint8_t *p, size_t n,
                    struct avila_dns_addr *addrs, size_t max, struct avila_dns_answer *ans)
{
    struct avila_dns_error err = {0};
    return avila_dns_answer_validate(q, p, n, addrs, max, ans, &err);
}

static void validate_known(void **state)
{
    (void)state;
    struct avila_dns_query q;
    struct avila_dns_answer ans;
    struct avila_dns_addr addrs[4];
    char t[AVILA_DNS_NAME_TEXT_MAX];

    assert_int_equal(avila_dns_query_init(&q, "www.example.com", 15, 1, 0x1234), 0);
    assert_int_equal(validate(&q, msg_a, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_ANSWER);
    assert_int_equal(ans.count, 2);
    assert_int_equal(ans.records, 2);
    assert_int_equal(ans.ttl, 300); /* the smaller of 3600 and 300 */
    assert_int_equal(ans.cnames, 0);
    name_text(ans.cname, ans.cname_len, t);
    assert_string_equal(t, "www.example.com");
    static const uint8_t a1[] = {93, 184, 216, 34}, a2[] = {192, 0, 2, 1};
    assert_memory_equal(addrs[0].bytes, a1, 4);
    assert_memory_equal(addrs[1].bytes, a2, 4);
    /* Room for one: one stored, two found. */
    assert_int_equal(validate(&q, msg_a, sizeof msg_a, addrs, 1, &ans), AVILA_DNS_ANSWER);
    assert_int_equal(ans.count, 1);
    assert_int_equal(ans.records, 2);
    assert_int_equal(validate(&q, msg_a, sizeof msg_a, NULL, 0, &ans), AVILA_DNS_ANSWER);

    /* The question is echoed in another case: accepted (RFC 4343, RFC 5452 9.1). */
    assert_int_equal(avila_dns_query_init(&q, "WWW.Example.Com", 15, 1, 0x1234), 0);
    assert_int_equal(validate(&q, msg_a, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_ANSWER);

    assert_int_equal(avila_dns_query_init(&q, "example.com", 11, 28, 0xBEEF), 0);
    assert_int_equal(validate(&q, msg_aaaa, sizeof msg_aaaa, addrs, 4, &ans), AVILA_DNS_ANSWER);
    assert_int_equal(addrs[0].family, 6);
    assert_int_equal(ans.ttl, 60);

    /* The CNAME chain, with the out-of-bailiwick records ignored. */
    assert_int_equal(avila_dns_query_init(&q, "www.example.org", 15, 1, 0x42), 0);
    assert_int_equal(validate(&q, msg_cname, sizeof msg_cname, addrs, 4, &ans), AVILA_DNS_ANSWER);
    assert_int_equal(ans.cnames, 2);
    assert_int_equal(ans.count, 1);
    assert_int_equal(ans.records, 1);
    assert_int_equal(ans.ttl, 120);
    static const uint8_t a3[] = {198, 51, 100, 7};
    assert_memory_equal(addrs[0].bytes, a3, 4);
    name_text(ans.cname, ans.cname_len, t);
    assert_string_equal(t, "b.example.net");
    /* The same reply asked for AAAA: the chain ends in NODATA. */
    q.type = AVILA_DNS_TYPE_AAAA;
    uint8_t *p = copy_of(msg_cname, sizeof msg_cname);
    p[30] = 28;
    struct avila_dns_error err = {0};
    if (avila_dns_answer_validate(&q, p, sizeof msg_cname, addrs, 4, &ans, &err) !=
        AVILA_DNS_NODATA)
        fail_msg("%s at %zu", err.reason, err.offset);
    assert_int_equal(ans.count, 0);
    assert_false(ans.has_soa);
    assert_int_equal(ans.ttl, 0);
    free(p);

    /* NXDOMAIN with the SOA's negative TTL. */
    assert_int_equal(avila_dns_query_init(&q, "nope.example.com", 16, 1, 0x7777), 0);
    assert_int_equal(validate(&q, msg_nx, sizeof msg_nx, addrs, 4, &ans), AVILA_DNS_NXDOMAIN);
    assert_true(ans.has_soa);
    assert_int_equal(ans.ttl, 300);
    assert_int_equal(ans.rcode, 3);
    /* The same with NOERROR is NODATA, the same TTL. */
    p = copy_of(msg_nx, sizeof msg_nx);
    p[3] = 0x80;
    assert_int_equal(validate(&q, p, sizeof msg_nx, addrs, 4, &ans), AVILA_DNS_NODATA);
    assert_int_equal(ans.ttl, 300);
    /* An SOA TTL below MINIMUM wins (RFC 2308 5). */
    p[42] = 0;
    p[43] = 30;
    assert_int_equal(validate(&q, p, sizeof msg_nx, addrs, 4, &ans), AVILA_DNS_NODATA);
    assert_int_equal(ans.ttl, 30);
    free(p);

    /* An SOA for a zone that does not contain the name is not used. */
    struct mb *m = malloc(sizeof *m);
    assert_non_null(m);
    assert_int_equal(avila_dns_query_init(&q, "nope.example.org", 16, 1, 0x7777), 0);
    static const uint8_t soa_rdata[] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0,
                                        0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5};
    /* MNAME and RNAME the root, then serial 1, refresh 2, retry 3, expire 4, minimum 5. */
    mb_header(m, 0x7777, 0x8183, 1, 0, 1, 0);
    mb_question(m, "nope.example.org", 1);
    mb_rr(m, "example.com", AVILA_DNS_TYPE_SOA, 3600, soa_rdata + 0, 22);
    assert_int_equal(validate(&q, m->b, m->n, addrs, 4, &ans), AVILA_DNS_NXDOMAIN);
    assert_false(ans.has_soa);
    assert_int_equal(ans.ttl, 0);
    /* The same SOA owned by the parent "org" is used. */
    m->n = 0;
    mb_header(m, 0x7777, 0x8183, 1, 0, 1, 0);
    mb_question(m, "nope.example.org", 1);
    mb_rr(m, "org", AVILA_DNS_TYPE_SOA, 3600, soa_rdata + 0, 22);
    assert_int_equal(validate(&q, m->b, m->n, addrs, 4, &ans), AVILA_DNS_NXDOMAIN);
    assert_true(ans.has_soa);
    assert_int_equal(ans.ttl, 5);
    free(m);
}

static void validate_matching(void **state)
{
    (void)state;
    struct avila_dns_query q;
    struct avila_dns_answer ans;
    struct avila_dns_addr addrs[4];
    assert_int_equal(avila_dns_query_init(&q, "www.example.com", 15, 1, 0x1234), 0);
    uint8_t *p = copy_of(msg_a, sizeof msg_a);

    /* Wrong id, in either byte. */
    p[0] ^= 1;
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[0] ^= 1;
    p[1] ^= 0x80;
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[1] ^= 0x80;
    /* QR clear: a query, not a reply. */
    p[2] &= 0x7F;
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[2] |= 0x80;
    /* Opcode 2 (STATUS). */
    p[2] |= 0x10;
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[2] &= (uint8_t)~0x10;
    /* Another question name, type, class; no question. */
    p[13] = 'x';
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[13] = 'w';
    p[30] = 28;
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[30] = 1;
    p[32] = 3;
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[32] = 1;
    assert_int_equal(validate(&q, p, 11, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_ANSWER);

    /* TC: retry over TCP, whatever follows the question (here: a cut record). */
    p[2] |= 0x02;
    assert_int_equal(validate(&q, p, 40, addrs, 4, &ans), AVILA_DNS_TRUNCATED);
    assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), AVILA_DNS_TRUNCATED);
    /* ... but still only for our question. */
    p[13] = 'x';
    assert_int_equal(validate(&q, p, 40, addrs, 4, &ans), AVILA_DNS_MISMATCH);
    p[13] = 'w';
    p[2] &= (uint8_t)~0x02;

    /* RCODEs. */
    static const struct {
        uint8_t rcode;
        int verdict;
    } rc[] = {{1, AVILA_DNS_RCODE_ERROR},
              {2, AVILA_DNS_NEXT_SERVER},
              {4, AVILA_DNS_RCODE_ERROR},
              {5, AVILA_DNS_NEXT_SERVER},
              {9, AVILA_DNS_RCODE_ERROR}};
    for (size_t i = 0; i < sizeof rc / sizeof rc[0]; i++) {
        p[3] = (uint8_t)(0x80 | rc[i].rcode);
        assert_int_equal(validate(&q, p, sizeof msg_a, addrs, 4, &ans), rc[i].verdict);
        assert_int_equal(ans.rcode, rc[i].rcode);
    }
    p[3] = 0x80;

    /* A malformed reply with our id and question: an error. */
    assert_int_equal(validate(&q, p, sizeof msg_a - 1, addrs, 4, &ans), AVILA_EFORMAT);
    free(p);
}

static void validate_chains(void **state)
{
    (void)state;
    struct mb *m = malloc(sizeof *m);
    assert_non_null(m);
    struct avila_dns_query q;
    struct avila_dns_answer ans;
    struct avila_dns_addr addrs[4];
    struct avila_dns_error err;
    assert_int_equal(avila_dns_query_init(&q, "a.test", 6, 1, 7), 0);

    /* A loop: a -> b -> a. */
    mb_header(m, 7, 0x8180, 1, 2, 0, 0);
    mb_question(m, "a.test", 1);
    mb_cname(m, "a.test", 60, "b.test");
    mb_cname(m, "B.TEST", 60, "a.test");
    assert_int_equal(avila_dns_answer_validate(&q, m->b, m->n, addrs, 4, &ans, &err),
                     AVILA_EFORMAT);
    assert_string_equal(err.reason, "CNAME loop");
    /* A self loop. */
    mb_header(m, 7, 0x8180, 1, 1, 0, 0);
    mb_question(m, "a.test", 1);
    mb_cname(m, "a.test", 60, "A.test");
    assert_int_equal(avila_dns_answer_validate(&q, m->b, m->n, addrs, 4, &ans, &err),
                     AVILA_EFORMAT);
    assert_string_equal(err.reason, "CNAME loop");

    /* Chains of exactly AVILA_DNS_MAX_CNAMES links are followed; one more is refused. */
    for (int links = AVILA_DNS_MAX_CNAMES; links <= AVILA_DNS_MAX_CNAMES + 1; links++) {
        mb_header(m, 7, 0x8180, 1, (unsigned)links + 1, 0, 0);
        mb_question(m, "a.test", 1);
        char from[32] = "a.test", to[32];
        for (int i = 0; i < links; i++) {
            snprintf(to, sizeof to, "n%d.test", i);
            mb_cname(m, from, (uint32_t)(1000 - i), to);
            memcpy(from, to, sizeof to);
        }
        mb_a(m, from, 5000, 10, 0, 0, 1);
        int rc = avila_dns_answer_validate(&q, m->b, m->n, addrs, 4, &ans, &err);
        if (links == AVILA_DNS_MAX_CNAMES) {
            assert_int_equal(rc, AVILA_DNS_ANSWER);
            assert_int_equal(ans.cnames, AVILA_DNS_MAX_CNAMES);
            assert_int_equal(ans.ttl, 1000 - (AVILA_DNS_MAX_CNAMES - 1));
        } else {
            assert_int_equal(rc, AVILA_ELIMIT);
            assert_string_equal(err.reason, "CNAME chain too long");
        }
    }

    /*
     * Bailiwick: records for names off the chain are ignored, wherever they
     * are; the chain is followed in any record order; TTLs with the top bit
     * set count as 0 (RFC 2181 8).
     */
    mb_header(m, 7, 0x8180, 1, 4, 1, 1);
    mb_question(m, "a.test", 1);
    mb_a(m, "c.test", 100, 10, 9, 9, 9);         /* off the chain before the CNAME to it */
    mb_a(m, "z.test", 100, 6, 6, 6, 6);          /* off the chain */
    mb_a(m, "C.Test", 0x80000001u, 10, 0, 0, 3); /* the canonical name, another case */
    mb_cname(m, "a.test", 100, "c.test");
    mb_a(m, "a.test", 100, 6, 6, 6, 7); /* authority: ignored */
    mb_a(m, "c.test", 100, 6, 6, 6, 8); /* additional: ignored */
    assert_int_equal(avila_dns_answer_validate(&q, m->b, m->n, addrs, 4, &ans, &err),
                     AVILA_DNS_ANSWER);
    assert_int_equal(ans.count, 2);
    assert_int_equal(addrs[0].bytes[1], 9);
    assert_int_equal(addrs[1].bytes[3], 3);
    assert_int_equal(ans.ttl, 0);

    /* The question name's own A record next to a CNAME for it: the CNAME is followed. */
    mb_header(m, 7, 0x8180, 1, 2, 0, 0);
    mb_question(m, "a.test", 1);
    mb_a(m, "a.test", 100, 6, 6, 6, 6);
    mb_cname(m, "a.test", 100, "d.test");
    assert_int_equal(avila_dns_answer_validate(&q, m->b, m->n, addrs, 4, &ans, &err),
                     AVILA_DNS_NODATA);

    /* A CNAME query takes the CNAME record itself. */
    assert_int_equal(avila_dns_query_init(&q, "a.test", 6, AVILA_DNS_TYPE_CNAME, 7), 0);
    mb_header(m, 7, 0x8180, 1, 1, 0, 0);
    mb_question(m, "a.test", AVILA_DNS_TYPE_CNAME);
    mb_cname(m, "a.test", 100, "d.test");
    assert_int_equal(avila_dns_answer_validate(&q, m->b, m->n, addrs, 4, &ans, &err),
                     AVILA_DNS_ANSWER);
    assert_int_equal(ans.records, 1);
    assert_int_equal(ans.count, 0);
    free(m);
}

/* --------------------------------------------------------------- framing */

static void tcp_framing(void **state)
{
    (void)state;
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), 1 << 20);
    assert_int_equal(avila_dns_tcp_frame(&b, msg_a, sizeof msg_a), (int)sizeof msg_a + 2);
    assert_int_equal(avila_dns_tcp_frame(&b, msg_nx, sizeof msg_nx), (int)sizeof msg_nx + 2);
    assert_int_equal(b.data[0], 0);
    assert_int_equal(b.data[1], sizeof msg_a);
    const uint8_t *msg;
    size_t len;
    /* Every prefix of the first frame needs more. */
    for (size_t n = 0; n < sizeof msg_a + 2; n++)
        assert_int_equal(avila_dns_tcp_unframe(b.data, n, &msg, &len), AVILA_EAGAIN);
    int used = avila_dns_tcp_unframe(b.data, b.len, &msg, &len);
    assert_int_equal(used, (int)sizeof msg_a + 2);
    assert_int_equal(len, sizeof msg_a);
    assert_memory_equal(msg, msg_a, len);
    used = avila_dns_tcp_unframe(b.data + used, b.len - (size_t)used, &msg, &len);
    assert_int_equal(used, (int)sizeof msg_nx + 2);
    assert_memory_equal(msg, msg_nx, len);
    static const uint8_t zero[] = {0, 0, 1};
    assert_int_equal(avila_dns_tcp_unframe(zero, 3, &msg, &len), AVILA_EFORMAT);
    assert_int_equal(avila_dns_tcp_frame(&b, msg_a, 0), AVILA_EINVAL);
    assert_int_equal(avila_dns_tcp_frame(&b, msg_a, 65536), AVILA_EINVAL);
    avila_buf_release(&b);
    /* A fixed buffer one byte short: ENOSPC, unchanged. */
    uint8_t mem[sizeof msg_a + 1];
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(avila_dns_tcp_frame(&b, msg_a, sizeof msg_a), AVILA_ENOSPC);
    assert_int_equal(b.len, 0);
}

/* ----------------------------------------------------------------- cache */

static void wire(const char *text, uint8_t *out, size_t *len)
{
    int rc = avila_dns_name_from_text(text, strlen(text), out);
    assert_true(rc > 0);
    *len = (size_t)rc;
}

static const uint8_t cache_seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void cache_basics(void **state)
{
    (void)state;
    struct avila_dns_cache c;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    assert_int_equal(avila_dns_cache_init(&c, &fa.allocator, 4, 2, 0, cache_seed), 0);
    uint8_t n1[AVILA_DNS_NAME_MAX], n2[AVILA_DNS_NAME_MAX];
    size_t l1, l2;
    wire("Host.Example", n1, &l1);
    wire("host.example.", n2, &l2);
    struct avila_dns_addr a[3] = {{4, {1, 1, 1, 1}}, {4, {2, 2, 2, 2}}, {4, {3, 3, 3, 3}}};
    struct avila_dns_addr out[4];
    struct avila_dns_cache_hit hit;

    assert_int_equal(avila_dns_cache_get(&c, n1, l1, 1, 0, out, 4, &hit), AVILA_ENOTFOUND);
    assert_int_equal(avila_dns_cache_put(&c, n1, l1, 1, AVILA_DNS_ANSWER, a, 3, 100, 1000), 0);
    /* The key ignores case; only max_addrs (2) are kept. */
    assert_int_equal(avila_dns_cache_get(&c, n2, l2, 1, 1000, out, 4, &hit), 0);
    assert_int_equal(hit.verdict, AVILA_DNS_ANSWER);
    assert_int_equal(hit.count, 2);
    assert_int_equal(hit.ttl_left, 100);
    assert_memory_equal(&out[1], &a[1], sizeof a[1]);
    /* Another type is another key. */
    assert_int_equal(avila_dns_cache_get(&c, n2, l2, 28, 1000, out, 4, &hit), AVILA_ENOTFOUND);
    /* Expiry: valid through 1099, gone at 1100. */
    assert_int_equal(avila_dns_cache_get(&c, n2, l2, 1, 1099, out, 4, &hit), 0);
    assert_int_equal(hit.ttl_left, 1);
    assert_int_equal(avila_dns_cache_get(&c, n2, l2, 1, 1100, out, 4, &hit), AVILA_ENOTFOUND);
    /* Negative entries. */
    assert_int_equal(avila_dns_cache_put(&c, n1, l1, 28, AVILA_DNS_NXDOMAIN, NULL, 0, 30, 5), 0);
    assert_int_equal(avila_dns_cache_get(&c, n1, l1, 28, 6, NULL, 0, &hit), 0);
    assert_int_equal(hit.verdict, AVILA_DNS_NXDOMAIN);
    assert_int_equal(hit.count, 0);
    assert_int_equal(hit.ttl_left, 29);
    /* TTL 0 stores nothing; the max TTL caps; top-bit TTLs count as 0. */
    assert_int_equal(avila_dns_cache_put(&c, n1, l1, 2, AVILA_DNS_ANSWER, a, 1, 0, 5), 0);
    assert_int_equal(avila_dns_cache_get(&c, n1, l1, 2, 5, out, 4, &hit), AVILA_ENOTFOUND);
    assert_int_equal(avila_dns_cache_put(&c, n1, l1, 2, AVILA_DNS_ANSWER, a, 1, 0x80000000u, 5), 0);
    assert_int_equal(avila_dns_cache_get(&c, n1, l1, 2, 5, out, 4, &hit), AVILA_ENOTFOUND);
    assert_int_equal(avila_dns_cache_put(&c, n1, l1, 2, AVILA_DNS_ANSWER, a, 1, 999999, 5), 0);
    assert_int_equal(avila_dns_cache_get(&c, n1, l1, 2, 5, out, 4, &hit), 0);
    assert_int_equal(hit.ttl_left, AVILA_DNS_CACHE_DEFAULT_MAX_TTL);
    /* Bad arguments. */
    assert_int_equal(avila_dns_cache_put(&c, n1, l1 - 1, 1, AVILA_DNS_ANSWER, a, 1, 9, 0),
                     AVILA_EINVAL);
    assert_int_equal(avila_dns_cache_put(&c, n1, l1, 1, AVILA_DNS_TRUNCATED, a, 1, 9, 0),
                     AVILA_EINVAL);
    avila_dns_cache_release(&c);
    assert_int_equal(fa.live_allocs, 0);
    assert_int_equal(avila_dns_cache_init(&c, &fa.allocator, 0, 2, 0, cache_seed), AVILA_EINVAL);
    assert_int_equal(avila_dns_cache_init(&c, &fa.allocator, 4, 0, 0, cache_seed), AVILA_EINVAL);
    assert_int_equal(avila_dns_cache_init(&c, &fa.allocator, 4, 65, 0, cache_seed), AVILA_EINVAL);
}

static int cache_init_op(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_dns_cache c;
    int rc = avila_dns_cache_init(&c, &fa->allocator, 100, 4, 0, cache_seed);
    if (rc == 0)
        avila_dns_cache_release(&c);
    return rc;
}

static void cache_alloc_failures(void **state)
{
    (void)state;
    assert_int_equal(fail_alloc_sweep(cache_init_op, NULL, 0), 3);
}

/* The model: the documented policy over a plain array, linear search, no hashing. */
struct model_entry {
    char key[40];
    uint16_t type;
    uint64_t expires;
    int ref;
    uint8_t first; /* the first address byte, to tell answers apart */
};

struct model {
    struct model_entry e[200];
    size_t cap, used, hand;
};

static void model_key(const char *name, char *out)
{
    size_t i = 0;
    for (; name[i] != '\0'; i++)
        out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    out[i] = '\0';
}

static struct model_entry *model_find(struct model *m, const char *key, uint16_t type)
{
    for (size_t i = 0; i < m->used; i++)
        if (m->e[i].type == type && strcmp(m->e[i].key, key) == 0)
            return &m->e[i];
    return NULL;
}

static void model_put(struct model *m, const char *name, uint16_t type, uint32_t ttl, uint64_t now,
                      uint8_t first)
{
    char key[40];
    model_key(name, key);
    if (ttl == 0)
        return;
    struct model_entry *e = model_find(m, key, type);
    assert_true(m->cap > 0);
    if (e == NULL) {
        if (m->used < m->cap) {
            e = &m->e[m->used++];
        } else {
            for (;;) {
                struct model_entry *v = &m->e[m->hand];
                m->hand = (m->hand + 1) % m->cap;
                if (v->expires <= now || !v->ref) {
                    e = v;
                    break;
                }
                v->ref = 0;
            }
        }
    }
    memcpy(e->key, key, sizeof e->key);
    e->type = type;
    e->expires = now + ttl;
    e->ref = 0;
    e->first = first;
}

static int model_get(struct model *m, const char *name, uint16_t type, uint64_t now, uint8_t *first)
{
    char key[40];
    model_key(name, key);
    struct model_entry *e = model_find(m, key, type);
    if (e == NULL || e->expires <= now)
        return AVILA_ENOTFOUND;
    e->ref = 1;
    *first = e->first;
    return 0;
}

static void cache_model(void **state)
{
    (void)state;
    uint64_t seed = 2024;
    /* Small caches churn; the last one (200 entries, 600 keys) has long probe runs. */
    static const size_t caps[] = {1, 6, 11, 16, 200};
    for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
        size_t cap = caps[ci], keys = cap == 200 ? 300 : 23;
        struct avila_dns_cache c;
        assert_int_equal(avila_dns_cache_init(&c, avila_allocator_libc(), cap, 1, 0, cache_seed),
                         0);
        struct model m = {.cap = cap};
        uint64_t now = 0;
        size_t hits = 0, misses = 0;
        for (int step = 0; step < 20000; step++) {
            uint64_t r = unit_rand(&seed);
            char name[40];
            snprintf(name, sizeof name, "%sh%u.test", r & 0x100 ? "" : "X", (unsigned)(r % keys));
            uint16_t type = (r >> 9) % 3 == 0 ? 28 : 1;
            uint8_t w[AVILA_DNS_NAME_MAX];
            size_t wl;
            wire(name, w, &wl);
            now += (r >> 12) % 3;
            if ((r >> 16) % 2) {
                uint32_t ttl = (uint32_t)((r >> 20) % 40);
                uint8_t first = (uint8_t)(r >> 32);
                struct avila_dns_addr a = {4, {first}};
                assert_int_equal(
                    avila_dns_cache_put(&c, w, wl, type, AVILA_DNS_ANSWER, &a, 1, ttl, now), 0);
                model_put(&m, name, type, ttl, now, first);
            } else {
                struct avila_dns_addr a;
                struct avila_dns_cache_hit hit;
                uint8_t first = 0;
                int want = model_get(&m, name, type, now, &first);
                int got = avila_dns_cache_get(&c, w, wl, type, now, &a, 1, &hit);
                assert_int_equal(got, want);
                if (got == 0) {
                    assert_int_equal(a.bytes[0], first);
                    hits++;
                } else {
                    misses++;
                }
            }
            assert_int_equal(avila_dns_cache_count(&c), m.used);
        }
        assert_true(hits > 100 && misses > 100);
        avila_dns_cache_release(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_from_text),
        cmocka_unit_test(names_to_text),
        cmocka_unit_test(names_compare),
        cmocka_unit_test(parse_a),
        cmocka_unit_test(parse_aaaa_cname_soa_opt),
        cmocka_unit_test(parse_extended_rcode),
        cmocka_unit_test(prefixes_and_guard),
        cmocka_unit_test(malformed_names),
        cmocka_unit_test(malformed_sections),
        cmocka_unit_test(mutation_property),
        cmocka_unit_test(query_write),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(validate_known),
        cmocka_unit_test(validate_matching),
        cmocka_unit_test(validate_chains),
        cmocka_unit_test(tcp_framing),
        cmocka_unit_test(cache_basics),
        cmocka_unit_test(cache_alloc_failures),
        cmocka_unit_test(cache_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
