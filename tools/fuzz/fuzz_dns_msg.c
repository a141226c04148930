/*
 * tools/fuzz/fuzz_dns_msg.c - libFuzzer harness for the DNS message codec
 * and answer validation (net/dns.h). The input is one message. Properties:
 *   - avila_dns_msg_parse returns 0, AVILA_EFORMAT or AVILA_ELIMIT, with an
 *     error offset within the input and a reason, and never reads outside
 *     the input (the input buffer ends the allocation: ASan sees any
 *     over-read);
 *   - an accepted message iterates to exactly its record count (so
 *     iteration terminates), every owner and target is a valid wire name
 *     of at most 255 octets, and rdata lies inside the message;
 *   - avila_dns_name_unpack at every offset either fails with a reason or
 *     gives a valid name and a next offset inside the message;
 *   - validation against a query made from the message's own id and first
 *     question gives a verdict or an error, never more addresses than
 *     room, and a valid canonical name; with the id changed it is always
 *     AVILA_DNS_MISMATCH.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/dns_msg/.
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

static void check_names(const uint8_t *data, size_t size)
{
    /* Every offset for short inputs; a sample of them for long ones. */
    size_t step = size > 2048 ? size / 1024 : 1;
    for (size_t off = 0; off < size; off += step) {
        uint8_t name[AVILA_DNS_NAME_MAX];
        size_t len = 0, next = 0;
        struct avila_dns_error err = {0};
        int rc = avila_dns_name_unpack(data, size, off, name, &len, &next, &err);
        if (rc != 0) {
            CHECK(rc == AVILA_EFORMAT || rc == AVILA_ELIMIT);
            CHECK(err.reason != NULL && err.offset <= size);
            continue;
        }
        CHECK(len >= 1 && len <= AVILA_DNS_NAME_MAX);
        CHECK(avila_dns_name_check(name, len) >= 0);
        CHECK(next > off && next <= size);
    }
}

static void check_validate(const uint8_t *data, size_t size, const struct avila_dns_msg *m)
{
    struct avila_dns_question qq;
    if (avila_dns_msg_question(m, 0, &qq) != 0)
        return;
    struct avila_dns_query q;
    char text[AVILA_DNS_NAME_TEXT_MAX];
    int tl = avila_dns_name_to_text(qq.name, qq.name_len, text, sizeof text);
    CHECK(tl > 0);
    CHECK(avila_dns_query_init(&q, text, (size_t)tl, qq.type, m->header.id) == 0);
    CHECK(q.name_len == qq.name_len);
    q.qclass = qq.qclass;
    struct avila_dns_addr addrs[3];
    struct avila_dns_answer ans;
    struct avila_dns_error err = {0};
    int rc = avila_dns_answer_validate(&q, data, size, addrs, 3, &ans, &err);
    if (rc < 0) {
        CHECK(rc == AVILA_EFORMAT || rc == AVILA_ELIMIT);
        CHECK(err.reason != NULL);
    } else {
        CHECK(rc <= AVILA_DNS_MISMATCH);
        CHECK(ans.count <= 3 && ans.count <= ans.records);
        CHECK(ans.cnames <= AVILA_DNS_MAX_CNAMES);
        if (rc == AVILA_DNS_ANSWER || rc == AVILA_DNS_NXDOMAIN || rc == AVILA_DNS_NODATA)
            CHECK(avila_dns_name_check(ans.cname, ans.cname_len) >= 0);
        for (size_t i = 0; i < ans.count; i++)
            CHECK(addrs[i].family == (q.type == AVILA_DNS_TYPE_A ? 4 : 6));
    }
    q.id ^= 1;
    CHECK(avila_dns_answer_validate(&q, data, size, addrs, 3, &ans, NULL) == AVILA_DNS_MISMATCH);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct avila_dns_msg m;
    struct avila_dns_error err = {0};
    int rc = avila_dns_msg_parse(&m, data, size, &err);
    check_names(data, size);
    if (rc != 0) {
        CHECK(rc == AVILA_EFORMAT || rc == AVILA_ELIMIT);
        CHECK(err.reason != NULL && err.offset <= size);
        struct avila_dns_msg mq;
        if (avila_dns_msg_parse_question(&mq, data, size, NULL) == 0) {
            struct avila_dns_iter it;
            struct avila_dns_rr rr;
            avila_dns_iter_init(&it, &mq);
            CHECK(avila_dns_iter_next(&it, &rr) == AVILA_ESTATE);
            check_validate(data, size, &mq);
        }
        return 0;
    }
    struct avila_dns_iter it;
    struct avila_dns_rr rr;
    avila_dns_iter_init(&it, &m);
    size_t count = 0, total = (size_t)m.header.ancount + m.header.nscount + m.header.arcount;
    while ((rc = avila_dns_iter_next(&it, &rr)) == 1) {
        CHECK(count < total);
        CHECK(rr.name_len <= AVILA_DNS_NAME_MAX && avila_dns_name_check(rr.name, rr.name_len) >= 0);
        CHECK(rr.rdata_offset + rr.rdlength <= size);
        CHECK(rr.rdata == data + rr.rdata_offset);
        if (rr.target_len != 0)
            CHECK(avila_dns_name_check(rr.target, rr.target_len) >= 0);
        if (rr.addr.family == 4)
            CHECK(rr.rdlength == 4 && memcmp(rr.addr.bytes, rr.rdata, 4) == 0);
        if (rr.addr.family == 6)
            CHECK(rr.rdlength == 16 && memcmp(rr.addr.bytes, rr.rdata, 16) == 0);
        count++;
    }
    CHECK(rc == 0 && count == total);
    for (size_t i = 0; i < m.header.qdcount; i++) {
        struct avila_dns_question q;
        CHECK(avila_dns_msg_question(&m, i, &q) == 0);
        CHECK(avila_dns_name_check(q.name, q.name_len) >= 0);
    }
    check_validate(data, size, &m);
    return 0;
}
