/*
 * tests/crypto/test_sha1.c - SHA-1: the FIPS 180-4 example messages (one
 * and two blocks), the 896-bit message and one million 'a' of the NIST
 * example set, the empty message, RFC 6455 section 1.3's handshake example
 * (the digest behind Sec-WebSocket-Accept), every two-way split of
 * streaming input, the descriptor, input ending right before a guard page,
 * and the wiping of a finished context. sha1sum is the peer in
 * tests/apps/test_digest.sh.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "crypto/sha1.h"

static void check_hex(const uint8_t *got, const char *want_hex)
{
    uint8_t want[AVILA_SHA1_LEN];
    assert_int_equal(unit_unhex(want_hex, want, sizeof want), AVILA_SHA1_LEN);
    assert_memory_equal(got, want, AVILA_SHA1_LEN);
}

static void known_answers(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } cases[] = {
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
         "mnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259"},
        /* RFC 6455 section 1.3: the client's key followed by the protocol's GUID. */
        {"dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
         "b37a4f2cc0624f1690f64606cf385945b2bec4ea"},
    };
    uint8_t out[AVILA_SHA1_LEN];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        avila_sha1(cases[i].msg, strlen(cases[i].msg), out);
        check_hex(out, cases[i].hex);
        assert_int_equal(avila_digest(&avila_digest_sha1, cases[i].msg, strlen(cases[i].msg), out),
                         0);
        check_hex(out, cases[i].hex);
    }
}

/* One million 'a', absorbed in pieces of lengths that cross block edges every way. */
static void million_a(void **state)
{
    (void)state;
    static uint8_t chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct avila_sha1 c;
    avila_sha1_init(&c);
    size_t left = 1000000, step = 1;
    while (left > 0) {
        size_t n = step < left ? step : left;
        avila_sha1_update(&c, chunk, n);
        left -= n;
        step = step % 997 + 1;
    }
    uint8_t out[AVILA_SHA1_LEN];
    avila_sha1_final(&c, out);
    check_hex(out, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Every split point of messages up to three blocks long gives the one-shot digest. */
static void every_split(void **state)
{
    (void)state;
    uint64_t rng = 7;
    uint8_t msg[3 * AVILA_SHA1_BLOCK_LEN + 1];
    unit_rand_fill(&rng, msg, sizeof msg);
    for (size_t n = 0; n <= sizeof msg; n++) {
        uint8_t want[AVILA_SHA1_LEN], got[AVILA_SHA1_LEN];
        avila_sha1(msg, n, want);
        for (size_t cut = 0; cut <= n; cut++) {
            struct avila_sha1 c;
            avila_sha1_init(&c);
            avila_sha1_update(&c, msg, cut);
            avila_sha1_update(&c, NULL, 0);
            avila_sha1_update(&c, msg + cut, n - cut);
            avila_sha1_final(&c, got);
            assert_memory_equal(got, want, AVILA_SHA1_LEN);
        }
    }
}

/* Input that ends at a guard page is never read past; the descriptor's sizes are right. */
static void guard_page_and_descriptor(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 130; n++) {
        uint8_t *p = unit_guarded_alloc(n), a[AVILA_SHA1_LEN], b[AVILA_SHA1_LEN];
        memset(p, 0x5c, n);
        avila_sha1(p, n, a);
        uint8_t *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, p, n);
        avila_sha1(copy, n, b);
        assert_memory_equal(a, b, AVILA_SHA1_LEN);
        free(copy);
        unit_guarded_free(p, n);
    }
    assert_string_equal(avila_digest_sha1.name, "sha1");
    assert_int_equal(avila_digest_sha1.digest_len, AVILA_SHA1_LEN);
    assert_int_equal(avila_digest_sha1.block_len, AVILA_SHA1_BLOCK_LEN);
    assert_true(avila_digest_sha1.ctx_size >= sizeof(struct avila_sha1));
}

/* final wipes the context: no chaining value or buffered input is left behind. */
static void final_wipes(void **state)
{
    (void)state;
    struct avila_sha1 c;
    uint8_t out[AVILA_SHA1_LEN];
    avila_sha1_init(&c);
    avila_sha1_update(&c, "secret input", 12);
    avila_sha1_final(&c, out);
    const uint8_t *bytes = (const uint8_t *)&c;
    for (size_t i = 0; i < sizeof c; i++)
        assert_int_equal(bytes[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers), cmocka_unit_test(million_a),
        cmocka_unit_test(every_split),   cmocka_unit_test(guard_page_and_descriptor),
        cmocka_unit_test(final_wipes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
