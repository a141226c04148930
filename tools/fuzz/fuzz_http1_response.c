/*
 * tools/fuzz/fuzz_http1_response.c - libFuzzer harness for the HTTP/1.1
 * response parser and body decoders (net/http1.h), as a client uses them.
 * Input: a selector byte (bit 0: small limits, see fuzz_http1.h; bits 1-2:
 * the request method, GET, HEAD, CONNECT or POST; the other bits: the split
 * recipe), then the bytes a client received. Properties (violations call
 * __builtin_trap()):
 *   - the parse returns the head length (at most the input), AVILA_EAGAIN,
 *     or an error with a reason and status that go together;
 *   - on success the slices lie inside the head, the status is 100..599,
 *     interim is exactly 1xx but 101, and the framing follows RFC 9112
 *     section 6.3 (HEAD, 1xx, 204 and 304 have none; 2xx to CONNECT is a
 *     tunnel; LENGTH has a length);
 *   - feeding growing prefixes to one resumable parser gives the same result;
 *   - interim responses are followed by the next head, as a client would;
 *   - the body decodes the same whole and split at points from the recipe,
 *     and a body that runs to the close ends cleanly at EOF.
 * Seeds: tools/fuzz/corpus/http1_response/.
 */
#include "tools/fuzz/fuzz_http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum avila_http1_method methods[4] = {
        AVILA_HTTP1_METHOD_GET, AVILA_HTTP1_METHOD_HEAD, AVILA_HTTP1_METHOD_CONNECT,
        AVILA_HTTP1_METHOD_POST};
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    enum avila_http1_method m = methods[(sel >> 1) & 3];
    struct avila_http1_limits lim;
    fuzz_limits(sel, &lim);
    const uint8_t *in = data + 1;
    size_t len = size - 1;

    /* Up to 4 heads: interim responses, then the final one. */
    for (int round = 0; round < 4; round++) {
        struct avila_http1_parser p;
        struct avila_http1_response one, inc;
        struct avila_http1_header h1[FUZZ_MAX_HEADERS], h2[FUZZ_MAX_HEADERS];
        struct avila_http1_error e1 = {0}, e2 = {0};
        avila_http1_parser_init(&p, &lim);
        int rc = avila_http1_parse_response(&p, in, len, m, h1, FUZZ_MAX_HEADERS, &one, &e1);

        avila_http1_parser_init(&p, &lim);
        size_t step = 1 + (sel >> 3) % 9, k = 0;
        int rc2;
        do {
            k = k + step < len ? k + step : len;
            rc2 = avila_http1_parse_response(&p, in, k, m, h2, FUZZ_MAX_HEADERS, &inc, &e2);
        } while (rc2 == AVILA_EAGAIN && k < len);
        CHECK(rc2 == rc);

        if (rc == AVILA_EAGAIN)
            return 0;
        if (rc < 0) {
            fuzz_check_error(rc, &e1, len);
            CHECK(e1.reason == e2.reason);
            return 0;
        }
        size_t head = (size_t)rc;
        CHECK(head <= len && head >= 4);
        CHECK(one.status == inc.status && one.body == inc.body &&
              one.content_length == inc.content_length && one.header_count == inc.header_count &&
              one.keep_alive == inc.keep_alive && avila_slice_equal(one.reason, inc.reason));
        CHECK(one.status >= 100 && one.status <= 599);
        CHECK(one.interim == (one.status < 200 && one.status != 101));
        fuzz_check_slice(one.reason, in, head);
        fuzz_check_headers(h1, one.header_count, in, head);
        if (m == AVILA_HTTP1_METHOD_HEAD || one.status < 200 || one.status == 204 ||
            one.status == 304)
            CHECK(one.body == AVILA_HTTP1_BODY_NONE);
        else if (m == AVILA_HTTP1_METHOD_CONNECT && one.status < 300)
            CHECK(one.body == AVILA_HTTP1_BODY_TUNNEL);
        if (one.body == AVILA_HTTP1_BODY_LENGTH)
            CHECK(one.content_length > 0);
        if (one.body == AVILA_HTTP1_BODY_CLOSE || one.body == AVILA_HTTP1_BODY_TUNNEL)
            CHECK(!one.keep_alive);
        in += head;
        len -= head;
        if (one.interim)
            continue;
        if (one.body != AVILA_HTTP1_BODY_NONE)
            fuzz_body_both_ways(one.body, one.content_length, &lim, in, len, sel >> 3);
        if (one.body == AVILA_HTTP1_BODY_CLOSE) {
            struct avila_http1_body d;
            struct avila_http1_body_event ev;
            avila_http1_body_init(&d, one.body, 0, NULL);
            CHECK(avila_http1_body_decode(&d, in, len, &ev, NULL) == (int)len);
            CHECK(avila_http1_body_eof(&d, NULL) == 0);
        }
        return 0;
    }
    return 0;
}
