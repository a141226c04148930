/*
 * tests/core/test_random.c - OS randomness: the real kernel source, then
 * every path of the getrandom loop and the /dev/urandom fallback through
 * the system-call hook of core/random_int.h (EINTR, short reads, ENOSYS,
 * failures at each step, wiping on failure).
 */
#include "tests/support/unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/random.h"
#include "core/random_int.h"

/* ------------------------------------------------------ the real source */

static void output_is_not_constant(void **state)
{
    (void)state;
    uint8_t a[32], b[32], zero[32] = {0};
    assert_int_equal(avila_random_bytes(a, sizeof a), 0);
    assert_int_equal(avila_random_bytes(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, zero, sizeof a);
    uint64_t x, y;
    assert_int_equal(avila_random_u64(&x), 0);
    assert_int_equal(avila_random_u64(&y), 0);
    assert_true(x != y);
}

/* A chi-square test on byte counts: 255 degrees of freedom, bound far in the tail. */
static void bytes_look_uniform(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    assert_int_equal(avila_random_bytes(buf, n), 0);
    double count[256] = {0};
    for (size_t i = 0; i < n; i++)
        count[buf[i]] += 1;
    double expect = (double)n / 256, chi2 = 0;
    for (int i = 0; i < 256; i++)
        chi2 += (count[i] - expect) * (count[i] - expect) / expect;
    assert_true(chi2 < 450); /* mean 255, standard deviation 22.6 */
    free(buf);
}

/* Bigger than one getrandom call returns (32 MiB - 1): the loop must continue. */
static void large_requests_are_filled(void **state)
{
    (void)state;
    size_t n = (32u << 20) + 4099;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    assert_int_equal(avila_random_bytes(buf, n), 0);
    size_t zeros = 0;
    for (size_t i = n - 65536; i < n; i++)
        zeros += buf[i] == 0;
    assert_true(zeros < 1024); /* about 256 expected; all-zero tail would be 65536 */
    free(buf);
}

static void argument_checks(void **state)
{
    (void)state;
    assert_int_equal(avila_random_bytes(NULL, 0), 0);
    assert_int_equal(avila_random_bytes(NULL, 1), AVILA_EINVAL);
    uint64_t v = 5;
    assert_int_equal(avila_random_uniform(0, &v), AVILA_EINVAL);
    assert_int_equal(avila_random_uniform(1, &v), 0);
    assert_int_equal(v, 0);
}

static void uniform_covers_small_ranges(void **state)
{
    (void)state;
    int seen[6] = {0};
    for (int i = 0; i < 6000; i++) {
        uint64_t v;
        assert_int_equal(avila_random_uniform(6, &v), 0);
        assert_true(v < 6);
        seen[v]++;
    }
    for (int i = 0; i < 6; i++)
        assert_true(seen[i] > 700 && seen[i] < 1300);
    uint64_t big = (1ull << 63) + 1, v;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(avila_random_uniform(big, &v), 0);
        assert_true(v < big);
    }
}

/* ------------------------------------------------ scripted system calls */

/*
 * The fake kernel: a byte stream 0x5a ^ position, handed out in chunks of at
 * most `chunk` bytes, with an EINTR before every other chunk; failures are
 * injected per operation.
 */
static struct fake {
    size_t pos;
    size_t chunk;
    int calls;
    long getrandom_error; /* returned instead of data when nonzero... */
    int ok_chunks;        /* ...after this many chunks of data */
    int chunks;
    int open_random_error, open_urandom_error, wait_error, read_error;
    int wait_eintr; /* EINTRs before wait_readable succeeds */
    int read_eof;   /* read returns 0 */
    int opens, closes, waits;
    const uint64_t *script; /* when set, whole u64 values to hand out */
} fake;

static void fake_fill(void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++, fake.pos++)
        p[i] = (uint8_t)(0x5a ^ fake.pos);
}

static long fake_chunk(void *buf, size_t n)
{
    if (++fake.calls % 2 == 0)
        return -EINTR;
    if (fake.script) {
        memcpy(buf, fake.script++, sizeof(uint64_t));
        return sizeof(uint64_t);
    }
    size_t k = n < fake.chunk ? n : fake.chunk;
    fake_fill(buf, k);
    fake.chunks++;
    return (long)k;
}

static long fake_getrandom(void *buf, size_t n, unsigned flags)
{
    assert_int_equal(flags, 0);
    if (fake.getrandom_error && fake.chunks >= fake.ok_chunks)
        return fake.getrandom_error;
    return fake_chunk(buf, n);
}

static int fake_open(const char *path)
{
    int is_random = strcmp(path, "/dev/random") == 0;
    assert_true(is_random || strcmp(path, "/dev/urandom") == 0);
    if (is_random ? fake.open_random_error : fake.open_urandom_error)
        return is_random ? fake.open_random_error : fake.open_urandom_error;
    fake.opens++;
    return is_random ? 100 : 101;
}

static long fake_read(int fd, void *buf, size_t n)
{
    assert_int_equal(fd, 101);
    if (fake.read_error)
        return fake.read_error;
    if (fake.read_eof)
        return 0;
    return fake_chunk(buf, n);
}

static int fake_wait(int fd)
{
    assert_int_equal(fd, 100);
    fake.waits++;
    if (fake.wait_eintr > 0) {
        fake.wait_eintr--;
        return -EINTR;
    }
    return fake.wait_error;
}

static void fake_close(int fd)
{
    assert_true(fd == 100 || fd == 101);
    fake.closes++;
}

static const struct avila_random_os fake_os = {
    .getrandom = fake_getrandom,
    .open = fake_open,
    .read = fake_read,
    .wait_readable = fake_wait,
    .close = fake_close,
};

static int use_fake(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof fake);
    fake.chunk = 7;
    avila_random_set_os(&fake_os);
    return 0;
}

static int use_real(void **state)
{
    (void)state;
    avila_random_set_os(NULL);
    return 0;
}

static void check_stream(const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(buf[i], (uint8_t)(0x5a ^ i));
}

static void getrandom_short_reads_and_eintr(void **state)
{
    (void)state;
    uint8_t buf[1000];
    assert_int_equal(avila_random_bytes(buf, sizeof buf), 0);
    check_stream(buf, sizeof buf);
    assert_int_equal(fake.calls, 2 * ((1000 + 6) / 7) - 1);
    assert_int_equal(fake.opens, 0);
}

static void fallback_on_enosys(void **state)
{
    (void)state;
    fake.getrandom_error = -ENOSYS;
    fake.wait_eintr = 3;
    uint8_t buf[100];
    assert_int_equal(avila_random_bytes(buf, sizeof buf), 0);
    check_stream(buf, sizeof buf);
    assert_int_equal(fake.waits, 4);
    assert_int_equal(fake.opens, 2);
    assert_int_equal(fake.closes, 2);
    /* The pool stays seeded: the next request goes straight to /dev/urandom. */
    assert_int_equal(avila_random_bytes(buf, sizeof buf), 0);
    assert_int_equal(fake.waits, 4);
    assert_int_equal(fake.opens, 3);
    assert_int_equal(fake.closes, 3);
}

static void check_fails_wiped(void)
{
    uint8_t buf[64], zero[64] = {0};
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(avila_random_bytes(buf, sizeof buf), AVILA_EIO);
    assert_memory_equal(buf, zero, sizeof buf);
    assert_int_equal(fake.opens, fake.closes);
}

static void getrandom_failures(void **state)
{
    (void)state;
    static const long errors[] = {-EFAULT, -EINVAL, -EIO, -1000 /* unknown */};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(errors); i++) {
        use_fake(NULL);
        fake.getrandom_error = errors[i];
        check_fails_wiped();
        assert_int_equal(fake.opens, 0); /* no fallback except for ENOSYS */
    }
    /* getrandom returning 0 bytes would loop forever: treated as a failure. */
    use_fake(NULL);
    fake.chunk = 0;
    uint8_t buf[200], zero[200] = {0};
    memset(buf, 1, sizeof buf);
    assert_int_equal(avila_random_bytes(buf, sizeof buf), AVILA_EIO);
    assert_memory_equal(buf, zero, sizeof buf);
}

static void getrandom_fails_midway(void **state)
{
    (void)state;
    /* Two chunks arrive, then the source fails: all 64 bytes must be wiped. */
    fake.chunk = 16;
    fake.getrandom_error = -EIO;
    fake.ok_chunks = 2;
    uint8_t buf[64], zero[64] = {0};
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(avila_random_bytes(buf, sizeof buf), AVILA_EIO);
    assert_int_equal(fake.chunks, 2);
    assert_memory_equal(buf, zero, sizeof buf);
}

static void fallback_failures(void **state)
{
    (void)state;
    for (int step = 0; step < 5; step++) {
        use_fake(NULL);
        fake.getrandom_error = -ENOSYS;
        switch (step) {
        case 0:
            fake.open_random_error = -ENOENT;
            break;
        case 1:
            fake.wait_error = -ENOMEM;
            break;
        case 2:
            fake.open_urandom_error = -EACCES;
            break;
        case 3:
            fake.read_error = -EIO;
            break;
        default:
            fake.read_eof = 1;
        }
        check_fails_wiped();
    }
    /* A failed wait leaves the pool unproven: the next call waits again. */
    use_fake(NULL);
    fake.getrandom_error = -ENOSYS;
    fake.wait_error = -ENOMEM;
    check_fails_wiped();
    fake.wait_error = 0;
    uint8_t buf[8];
    assert_int_equal(avila_random_bytes(buf, sizeof buf), 0);
    assert_int_equal(fake.waits, 2);
}

/* bound 2^63 + 1 rejects draws below 2^63 - 1; the scripted draws show the loop. */
static void uniform_rejects_the_biased_low_range(void **state)
{
    (void)state;
    static const uint64_t draws[] = {5, (1ull << 63) - 2, (1ull << 63) + 7, 0};
    fake.script = draws;
    uint64_t v = 0;
    assert_int_equal(avila_random_uniform((1ull << 63) + 1, &v), 0);
    assert_int_equal(v, 6);
    assert_ptr_equal(fake.script, draws + 3);
    /* bound 10: surplus 6; draw 5 is rejected, 6 accepted (6 % 10). */
    static const uint64_t ten[] = {5, 6};
    fake.script = ten;
    assert_int_equal(avila_random_uniform(10, &v), 0);
    assert_int_equal(v, 6);
    /* A power of two has no surplus: 0 is accepted. */
    static const uint64_t pow2[] = {0};
    fake.script = pow2;
    assert_int_equal(avila_random_uniform(1u << 20, &v), 0);
    assert_int_equal(v, 0);
    /* Failure reaches the caller, with a zero output. */
    fake.script = NULL;
    fake.getrandom_error = -EIO;
    v = 9;
    assert_int_equal(avila_random_uniform(10, &v), AVILA_EIO);
    assert_int_equal(v, 0);
    v = 9;
    assert_int_equal(avila_random_u64(&v), AVILA_EIO);
    assert_int_equal(v, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_is_not_constant),
        cmocka_unit_test(bytes_look_uniform),
        cmocka_unit_test(large_requests_are_filled),
        cmocka_unit_test(argument_checks),
        cmocka_unit_test(uniform_covers_small_ranges),
        cmocka_unit_test_setup_teardown(getrandom_short_reads_and_eintr, use_fake, use_real),
        cmocka_unit_test_setup_teardown(fallback_on_enosys, use_fake, use_real),
        cmocka_unit_test_setup_teardown(getrandom_failures, use_fake, use_real),
        cmocka_unit_test_setup_teardown(getrandom_fails_midway, use_fake, use_real),
        cmocka_unit_test_setup_teardown(fallback_failures, use_fake, use_real),
        cmocka_unit_test_setup_teardown(uniform_rejects_the_biased_low_range, use_fake, use_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
