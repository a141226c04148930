/*
 * tools/fuzz/fuzz_http1_request.c - libFuzzer harness for the HTTP/1.1
 * request parser and body decoders (net/http1.h). Input: a selector byte
 * (bit 0: small limits, see fuzz_http1.h; bit 1: the rest is a chunked body
 * on its own; the other bits: the split recipe), then the bytes a server
 * received. Properties (violations call __builtin_trap()):
 *   - the parse returns the head length (at most the input), AVILA_EAGAIN,
 *     or AVILA_EFORMAT / AVILA_ELIMIT / AVILA_EUNSUPPORTED with a reason
 *     and a status that go together and an offset inside the input;
 *   - on success every slice lies inside the head, names are tokens, values
 *     hold no control byte but HTAB, the framing is NONE, LENGTH (within
 *     max_content_length) or CHUNKED, and Host rules hold for HTTP/1.1;
 *   - feeding the input in growing prefixes (steps from the recipe) to one
 *     resumable parser gives the same result as the one-shot parse;
 *   - the body after the head (or the whole input, bit 1) decodes the same
 *     in one piece and split at points from the recipe, with spans inside
 *     each piece.
 * Seeds: tools/fuzz/corpus/http1_request/.
 */
#include "tools/fuzz/fuzz_http1.h"

static void same_request(const struct avila_http1_request *a, const struct avila_http1_request *b)
{
    CHECK(avila_slice_equal(a->method, b->method) && a->method_id == b->method_id);
    CHECK(avila_slice_equal(a->target, b->target) && a->target_form == b->target_form);
    CHECK(a->version_minor == b->version_minor && a->header_count == b->header_count);
    for (size_t i = 0; i < a->header_count; i++) {
        CHECK(avila_slice_equal(a->headers[i].name, b->headers[i].name));
        CHECK(avila_slice_equal(a->headers[i].value, b->headers[i].value));
    }
    CHECK(a->body == b->body && a->content_length == b->content_length);
    CHECK(a->keep_alive == b->keep_alive && a->upgrade == b->upgrade);
    CHECK(a->expect_continue == b->expect_continue && a->has_host == b->has_host);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    struct avila_http1_limits lim;
    fuzz_limits(sel, &lim);
    if (sel & 2) {
        fuzz_body_both_ways(AVILA_HTTP1_BODY_CHUNKED, 0, &lim, in, len, sel >> 2);
        return 0;
    }

    struct avila_http1_parser p;
    struct avila_http1_request one, inc;
    struct avila_http1_header h1[FUZZ_MAX_HEADERS], h2[FUZZ_MAX_HEADERS];
    struct avila_http1_error e1 = {0}, e2 = {0};
    avila_http1_parser_init(&p, &lim);
    int rc = avila_http1_parse_request(&p, in, len, h1, FUZZ_MAX_HEADERS, &one, &e1);
    if (rc == AVILA_EAGAIN) {
        /* Nothing but limits and line ends seen: not complete. */
    } else if (rc < 0) {
        fuzz_check_error(rc, &e1, len);
    } else {
        size_t head = (size_t)rc;
        CHECK(head <= len && head >= 4);
        CHECK(memcmp(in + head - 4, "\r\n\r\n", 4) == 0);
        fuzz_check_slice(one.method, in, head);
        fuzz_check_slice(one.target, in, head);
        CHECK(one.method.len > 0 && one.target.len > 0);
        CHECK(one.version_minor <= 1);
        fuzz_check_headers(h1, one.header_count, in, head);
        CHECK(one.body == AVILA_HTTP1_BODY_NONE || one.body == AVILA_HTTP1_BODY_LENGTH ||
              one.body == AVILA_HTTP1_BODY_CHUNKED);
        if (one.body == AVILA_HTTP1_BODY_LENGTH)
            CHECK(one.content_length > 0 &&
                  (lim.max_content_length == 0 || one.content_length <= lim.max_content_length));
        if (one.version_minor == 1)
            CHECK(one.has_host);
        if (one.has_host)
            fuzz_check_slice(one.host, in, head);
        if (one.upgrade)
            fuzz_check_slice(one.upgrade_value, in, head);
        if (one.body != AVILA_HTTP1_BODY_NONE)
            fuzz_body_both_ways(one.body, one.content_length, &lim, in + head, len - head,
                                sel >> 2);
    }

    /* The same bytes in growing prefixes. */
    avila_http1_parser_init(&p, &lim);
    size_t step = 1 + (sel >> 2) % 7, k = 0;
    int rc2;
    do {
        k = k + step < len ? k + step : len;
        rc2 = avila_http1_parse_request(&p, in, k, h2, FUZZ_MAX_HEADERS, &inc, &e2);
    } while (rc2 == AVILA_EAGAIN && k < len);
    CHECK(rc2 == rc);
    if (rc > 0)
        same_request(&one, &inc);
    else if (rc < 0 && rc != AVILA_EAGAIN)
        CHECK(e1.reason == e2.reason);
    return 0;
}
