/*
 * tests/net/tool_dns_msg.c - net/dns.h's message parser behind a line
 * protocol, so that tests/net/peer_dns_msg.py can compare it with
 * dnspython's parser (python3-dnspython) through one pipe.
 *
 * Reads one message per line, in hex, from standard input, and writes
 * exactly one line for it: "ERR REASON" if avila_dns_msg_parse refused it
 * (REASON is struct avila_dns_error's reason), else
 * space-separated fields:
 *   OK ID FLAGS RCODE UDP          header id and flags, extended RCODE, OPT
 *                                  payload size (0 without OPT)
 *   q=NAME/TYPE/CLASS              one per question
 *   rr=SEC/NAME/TYPE/CLASS/TTL/V   one per record except OPT, in message
 *                                  order; SEC is an, ns or ar
 * Names are the hex of their uncompressed wire form (case kept). V is the
 * target name for CNAME, NS and PTR; "MNAME,serial,refresh,retry,expire,
 * minimum" for SOA; the rdata in hex for every other type. Numbers are
 * decimal. A line that is not hex gives "ERR not hex".
 */
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "net/dns.h"

static void put_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

/* Decodes n hex digits into out (cap bytes); returns the byte count, or -1. */
static int unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
    size_t len;
    return avila_hex_decode(out, cap, s, n, &len) == 0 ? (int)len : -1;
}

static void one(const uint8_t *msg, size_t len)
{
    struct avila_dns_msg m;
    struct avila_dns_error err = {0};
    if (avila_dns_msg_parse(&m, msg, len, &err) != 0) {
        printf("ERR %s\n", err.reason != NULL ? err.reason : "?");
        return;
    }
    printf("OK %u %u %u %u", m.header.id, m.header.flags, avila_dns_msg_rcode(&m), m.udp_size);
    for (size_t i = 0; i < m.header.qdcount; i++) {
        struct avila_dns_question q;
        if (avila_dns_msg_question(&m, i, &q) != 0) {
            puts(" ?");
            return;
        }
        printf(" q=");
        put_hex(q.name, q.name_len);
        printf("/%u/%u", q.type, q.qclass);
    }
    struct avila_dns_iter it;
    struct avila_dns_rr rr;
    avila_dns_iter_init(&it, &m);
    static const char *const sec[] = {"?", "an", "ns", "ar"};
    while (avila_dns_iter_next(&it, &rr) == 1) {
        if (rr.type == AVILA_DNS_TYPE_OPT)
            continue;
        printf(" rr=%s/", sec[rr.section]);
        put_hex(rr.name, rr.name_len);
        printf("/%u/%u/%u/", rr.type, rr.rclass, (unsigned)rr.ttl);
        switch (rr.type) {
        case AVILA_DNS_TYPE_CNAME:
        case AVILA_DNS_TYPE_NS:
        case AVILA_DNS_TYPE_PTR:
            put_hex(rr.target, rr.target_len);
            break;
        case AVILA_DNS_TYPE_SOA:
            put_hex(rr.target, rr.target_len);
            printf(",%u,%u,%u,%u,%u", (unsigned)rr.soa.serial, (unsigned)rr.soa.refresh,
                   (unsigned)rr.soa.retry, (unsigned)rr.soa.expire, (unsigned)rr.soa.minimum);
            break;
        default:
            put_hex(rr.rdata, rr.rdlength);
        }
    }
    putchar('\n');
}

int main(void)
{
    static char line[2 * 65536 + 16];
    static uint8_t msg[65536];
    while (fgets(line, sizeof line, stdin) != NULL) {
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n')
            n--;
        int len = unhex(line, n, msg, sizeof msg);
        if (len < 0)
            puts("ERR not hex");
        else
            one(msg, (size_t)len);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
