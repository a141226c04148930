/*
 * tests/crypto/test_hmac.c - HMAC (RFC 2104): RFC 4231 test cases 1-7 for
 * SHA-224/256/384/512 (one-shot, streamed in random pieces, verified whole
 * and truncated), every Wycheproof HMAC-SHA-256/384/512 case, every digest
 * descriptor against python3's hmac module, the descriptor and tag-length
 * checks, wiping, aliasing and guard pages.
 *
 * Wycheproof policy: "valid" tags MUST verify (at their tagSize, truncated
 * or not) and match our MAC's prefix; "invalid" ones MUST be refused with
 * AVILA_EAUTH. These files have no "acceptable" case; one would be required
 * to verify, since it is a correct MAC of an allowed length.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "crypto/hmac.h"
#include "crypto/hmac_int.h"

static const struct avila_digest *const sha2[] = {
    &avila_digest_sha224,
    &avila_digest_sha256,
    &avila_digest_sha384,
    &avila_digest_sha512,
};

/* Every descriptor HMAC accepts, with python's hashlib name for it. */
static const struct {
    const struct avila_digest *d;
    const char *python;
} all[] = {
    {&avila_digest_sha224, "sha224"},         {&avila_digest_sha256, "sha256"},
    {&avila_digest_sha384, "sha384"},         {&avila_digest_sha512, "sha512"},
    {&avila_digest_sha512_256, "sha512_256"}, {&avila_digest_sha3_224, "sha3_224"},
    {&avila_digest_sha3_256, "sha3_256"},     {&avila_digest_sha3_384, "sha3_384"},
    {&avila_digest_sha3_512, "sha3_512"},     {&avila_digest_blake2b512, "blake2b"},
    {&avila_digest_blake2s256, "blake2s"},
};

/* Feeds msg to h in random pieces (with empty updates now and then). */
static void update_in_pieces(struct avila_hmac *h, const uint8_t *msg, size_t n, uint64_t *rng)
{
    size_t off = 0;
    while (off < n) {
        size_t part = 1 + (size_t)(unit_rand(rng) % 70);
        if (part > n - off)
            part = n - off;
        avila_hmac_update(h, msg + off, 0);
        avila_hmac_update(h, msg + off, part);
        off += part;
    }
}

/* ------------------------------------------------------------ RFC 4231 */

static void rfc4231_vectors(void **state)
{
    (void)state;
    static const char *const names[] = {"sha224", "sha256", "sha384", "sha512"};
    struct tv_file tv;
    tv_open(&tv, "hmac/rfc4231.txt");
    uint64_t rng = 4231;
    int cases = 0;
    while (tv_next(&tv)) {
        size_t key_len, data_len;
        uint8_t *key = tv_hex(&tv, "key", &key_len), *data = tv_hex(&tv, "data", &data_len);
        for (size_t i = 0; i < AVILA_ARRAY_LEN(sha2); i++) {
            const struct avila_digest *d = sha2[i];
            size_t want_len;
            uint8_t *want = tv_hex(&tv, names[i], &want_len), mac[64];
            assert_int_equal(want_len,
                             tv_has(&tv, "truncate") ? tv_u64(&tv, "truncate") : d->digest_len);
            assert_int_equal(avila_hmac(d, key, key_len, data, data_len, mac), 0);
            assert_memory_equal(mac, want, want_len);
            struct avila_hmac h;
            assert_int_equal(avila_hmac_init(&h, d, key, key_len), 0);
            update_in_pieces(&h, data, data_len, &rng);
            memset(mac, 0, sizeof mac);
            avila_hmac_final(&h, mac);
            assert_memory_equal(mac, want, want_len);
            assert_int_equal(avila_hmac_verify(d, key, key_len, data, data_len, want, want_len), 0);
            want[want_len - 1] ^= 1;
            assert_int_equal(avila_hmac_verify(d, key, key_len, data, data_len, want, want_len),
                             AVILA_EAUTH);
            free(want);
        }
        free(key);
        free(data);
        cases++;
    }
    tv_close(&tv);
    assert_int_equal(cases, 7);
}

/* ------------------------------------------------------------ Wycheproof */

static void wycheproof_file(const char *relpath, const struct avila_digest *d)
{
    struct tv_file tv;
    tv_open(&tv, relpath);
    int n = 0, counts[3] = {0};
    while (tv_next(&tv)) {
        size_t key_len, msg_len, tag_len;
        uint8_t *key = tv_hex(&tv, "key", &key_len), *msg = tv_hex(&tv, "msg", &msg_len);
        uint8_t *tag = tv_hex(&tv, "tag", &tag_len), mac[64];
        enum wp_result want = wp_result(&tv);
        assert_int_equal(tag_len * 8, tv_u64(&tv, "tagSize"));
        int got = avila_hmac_verify(d, key, key_len, msg, msg_len, tag, tag_len);
        if (want == WP_INVALID) {
            if (got != AVILA_EAUTH)
                fail_msg("%s tcId %llu: invalid tag accepted (%d)", relpath,
                         (unsigned long long)tv_u64(&tv, "tcId"), got);
        } else {
            if (got != 0)
                fail_msg("%s tcId %llu: valid tag refused (%d)", relpath,
                         (unsigned long long)tv_u64(&tv, "tcId"), got);
            assert_int_equal(avila_hmac(d, key, key_len, msg, msg_len, mac), 0);
            assert_memory_equal(mac, tag, tag_len);
        }
        counts[want]++;
        n++;
        free(key);
        free(msg);
        free(tag);
    }
    tv_close(&tv);
    assert_int_equal((uint64_t)n, wp_number_of_tests(relpath));
    print_message("wycheproof %s: %d tests (valid %d, invalid %d, acceptable %d)\n", d->name, n,
                  counts[WP_VALID], counts[WP_INVALID], counts[WP_ACCEPTABLE]);
}

static void wycheproof_hmac(void **state)
{
    (void)state;
    wycheproof_file("wycheproof/hmac_sha256_test.txt", &avila_digest_sha256);
    wycheproof_file("wycheproof/hmac_sha384_test.txt", &avila_digest_sha384);
    wycheproof_file("wycheproof/hmac_sha512_test.txt", &avila_digest_sha512);
}

/* ------------------------------------------------------------ python3 as a peer */

/* Writes n bytes as lowercase hex, or "-" for none. */
static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
    if (n == 0)
        fputc('-', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/*
 * python3's hmac.new(key, msg, name) on key and message lengths around the
 * block sizes of every descriptor: the cases go to python in one temporary
 * file (one python start), the MACs come back one per line.
 */
static void every_descriptor_agrees_with_python(void **state)
{
    (void)state;
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    if (system("python3 -c 'import hmac, hashlib; hashlib.sha3_256' >/dev/null 2>&1") != 0)
        skip();
    enum { LENS = 13, CASES = AVILA_ARRAY_LEN(all) * LENS };
    static const size_t lens[LENS] = {0, 1, 31, 64, 65, 127, 128, 129, 136, 137, 144, 145, 200};
    static uint8_t keys[CASES][200], msgs[CASES][200];
    uint64_t rng = 2104;
    char path[] = "/tmp/avila-test-hmac-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *in = fdopen(fd, "w");
    assert_non_null(in);
    for (size_t c = 0; c < CASES; c++) {
        size_t i = c / LENS, j = c % LENS;
        unit_rand_fill(&rng, keys[c], lens[j]);
        unit_rand_fill(&rng, msgs[c], lens[(j * 5 + i) % LENS]);
        fprintf(in, "%s ", all[i].python);
        put_hex(in, keys[c], lens[j]);
        fputc(' ', in);
        put_hex(in, msgs[c], lens[(j * 5 + i) % LENS]);
        fputc('\n', in);
    }
    assert_int_equal(fclose(in), 0);
    char cmd[400];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys, hmac\nfor line in open(sys.argv[1]):\n"
             "    n, k, m = line.split()\n"
             "    print(hmac.new(bytes.fromhex(k.strip(\"-\")), bytes.fromhex(m.strip(\"-\")), "
             "n).hexdigest())' %s",
             path);
    /* NOLINTNEXTLINE(cert-env33-c): a command line built here, not from input. */
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    for (size_t c = 0; c < CASES; c++) {
        const struct avila_digest *d = all[c / LENS].d;
        char line[300] = "";
        uint8_t mac[64], want[64];
        assert_non_null(fgets(line, sizeof line, f));
        assert_int_equal(unit_unhex(strtok(line, "\n"), want, sizeof want), d->digest_len);
        assert_int_equal(avila_hmac(d, keys[c], lens[c % LENS], msgs[c],
                                    lens[(c % LENS * 5 + c / LENS) % LENS], mac),
                         0);
        assert_memory_equal(mac, want, d->digest_len);
    }
    assert_int_equal(pclose(f), 0);
    unlink(path);
}

/* ------------------------------------------------------------ properties and edges */

/* RFC 2104: a key longer than the block is replaced by its hash. */
static void long_key_is_hashed_first(void **state)
{
    (void)state;
    uint64_t rng = 1;
    uint8_t key[300], hashed[64], a[64], b[64];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++) {
        const struct avila_digest *d = all[i].d;
        size_t key_len = d->block_len + 1 + (size_t)(unit_rand(&rng) % 100);
        unit_rand_fill(&rng, key, key_len);
        assert_int_equal(avila_digest(d, key, key_len, hashed), 0);
        assert_int_equal(avila_hmac(d, key, key_len, "m", 1, a), 0);
        assert_int_equal(avila_hmac(d, hashed, d->digest_len, "m", 1, b), 0);
        assert_memory_equal(a, b, d->digest_len);
        /* ...while a key of exactly block_len bytes is used as is. */
        assert_int_equal(avila_hmac(d, key, d->block_len, "m", 1, a), 0);
        assert_int_equal(avila_digest(d, key, d->block_len, hashed), 0);
        assert_int_equal(avila_hmac(d, hashed, d->digest_len, "m", 1, b), 0);
        assert_memory_not_equal(a, b, d->digest_len);
    }
}

static void refuses_descriptors_that_do_not_fit(void **state)
{
    (void)state;
    struct avila_digest big = avila_digest_sha256;
    big.ctx_size = AVILA_DIGEST_CTX_MAX + 1;
    struct avila_hmac h;
    memset(&h, 0x5a, sizeof h);
    uint8_t mac[64], untouched[64];
    memset(mac, 0x77, sizeof mac);
    memcpy(untouched, mac, sizeof mac);
    assert_int_equal(avila_hmac_init(&h, &big, "k", 1), AVILA_EINVAL);
    assert_int_equal(h.inner.state[0], 0x5a);
    assert_int_equal(avila_hmac(&big, "k", 1, "m", 1, mac), AVILA_EINVAL);
    assert_int_equal(avila_hmac(&avila_digest_blake3, "k", 1, "m", 1, mac), AVILA_EINVAL);
    assert_memory_equal(mac, untouched, sizeof mac);
    struct avila_digest wide = avila_digest_sha512;
    wide.digest_len = AVILA_DIGEST_MAX_LEN + 1;
    assert_int_equal(avila_hmac_init(&h, &wide, "k", 1), AVILA_EINVAL);
    struct avila_digest narrow_block = avila_digest_sha256;
    narrow_block.block_len = 16;
    assert_int_equal(avila_hmac_init(&h, &narrow_block, "k", 1), AVILA_EINVAL);
    assert_int_equal(avila_hmac_verify(&big, "k", 1, "m", 1, mac, 32), AVILA_EINVAL);
}

static void verify_checks_tag_length_and_every_bit(void **state)
{
    (void)state;
    const struct avila_digest *d = &avila_digest_sha256;
    uint8_t mac[32];
    assert_int_equal(avila_hmac(d, "key", 3, "message", 7, mac), 0);
    assert_int_equal(avila_hmac_verify(d, "key", 3, "message", 7, mac, AVILA_HMAC_MIN_TAG_LEN - 1),
                     AVILA_EINVAL);
    assert_int_equal(avila_hmac_verify(d, "key", 3, "message", 7, mac, 0), AVILA_EINVAL);
    assert_int_equal(avila_hmac_verify(d, "key", 3, "message", 7, mac, 33), AVILA_EINVAL);
    for (size_t len = AVILA_HMAC_MIN_TAG_LEN; len <= 32; len++)
        assert_int_equal(avila_hmac_verify(d, "key", 3, "message", 7, mac, len), 0);
    for (size_t bit = 0; bit < (size_t)8 * 32; bit++) {
        mac[bit / 8] ^= (uint8_t)(1u << bit % 8);
        assert_int_equal(avila_hmac_verify(d, "key", 3, "message", 7, mac, 32), AVILA_EAUTH);
        mac[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    assert_int_equal(avila_hmac_verify(d, "kez", 3, "message", 7, mac, 32), AVILA_EAUTH);
    assert_int_equal(avila_hmac_verify(d, "key", 3, "messagf", 7, mac, 32), AVILA_EAUTH);
}

/* final leaves no key material in the context; copy forks a keyed state. */
static void final_wipes_and_copy_forks(void **state)
{
    (void)state;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++) {
        const struct avila_digest *d = all[i].d;
        struct avila_hmac keyed, fork;
        uint8_t a[64], b[64];
        assert_int_equal(avila_hmac_init(&keyed, d, "secret key", 10), 0);
        avila_hmac_copy(&fork, &keyed);
        avila_hmac_update(&fork, "abc", 3);
        avila_hmac_final(&fork, a);
        for (size_t j = 0; j < d->ctx_size; j++) {
            assert_int_equal(fork.inner.state[j], 0);
            assert_int_equal(fork.outer.state[j], 0);
        }
        assert_int_equal(avila_hmac(d, "secret key", 10, "abc", 3, b), 0);
        assert_memory_equal(a, b, d->digest_len);
        /* The original is still usable after the fork. */
        avila_hmac_update(&keyed, "abc", 3);
        avila_hmac_final(&keyed, a);
        assert_memory_equal(a, b, d->digest_len);
    }
}

/* The one-shot reads key and message before writing out, so they may share memory. */
static void one_shot_output_may_alias_inputs(void **state)
{
    (void)state;
    uint8_t buf[64], want[64];
    for (size_t i = 0; i < 64; i++)
        buf[i] = (uint8_t)(i * 3);
    assert_int_equal(avila_hmac(&avila_digest_sha512, buf, 64, buf, 64, want), 0);
    assert_int_equal(avila_hmac(&avila_digest_sha512, buf, 64, buf, 64, buf), 0);
    assert_memory_equal(buf, want, 64);
}

/* Keys and messages ending at a guard page, across the block boundaries. */
static void reads_no_byte_past_the_inputs(void **state)
{
    (void)state;
    uint64_t rng = 9;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++) {
        const struct avila_digest *d = all[i].d;
        for (size_t n = d->block_len - 2; n <= d->block_len + 2; n++) {
            uint8_t *key = unit_guarded_alloc(n), *msg = unit_guarded_alloc(n);
            uint8_t *tag = unit_guarded_alloc(d->digest_len);
            unit_rand_fill(&rng, key, n);
            unit_rand_fill(&rng, msg, n);
            assert_int_equal(avila_hmac(d, key, n, msg, n, tag), 0);
            assert_int_equal(avila_hmac_verify(d, key, n, msg, n, tag, d->digest_len), 0);
            unit_guarded_free(key, n);
            unit_guarded_free(msg, n);
            unit_guarded_free(tag, d->digest_len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4231_vectors),
        cmocka_unit_test(wycheproof_hmac),
        cmocka_unit_test(every_descriptor_agrees_with_python),
        cmocka_unit_test(long_key_is_hashed_first),
        cmocka_unit_test(refuses_descriptors_that_do_not_fit),
        cmocka_unit_test(verify_checks_tag_length_and_every_bit),
        cmocka_unit_test(final_wipes_and_copy_forks),
        cmocka_unit_test(one_shot_output_may_alias_inputs),
        cmocka_unit_test(reads_no_byte_past_the_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
