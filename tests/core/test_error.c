/* tests/core/test_error.c - error codes and their strings. */
#include "tests/support/unit.h"

#include <string.h>

#include "core/error.h"

static void every_code_has_a_distinct_text_and_name(void **state)
{
    (void)state;
    for (int a = AVILA_ERROR_MIN; a <= 0; a++) {
        assert_string_not_equal(avila_strerror(a), "unknown error");
        assert_true(strncmp(avila_strerror_name(a), "AVILA_E", 7) == 0 || a == 0);
        for (int b = AVILA_ERROR_MIN; b < a; b++) {
            assert_string_not_equal(avila_strerror(a), avila_strerror(b));
            assert_string_not_equal(avila_strerror_name(a), avila_strerror_name(b));
        }
    }
}

static void names_match_the_enum(void **state)
{
    (void)state;
    assert_string_equal(avila_strerror_name(AVILA_EINVAL), "AVILA_EINVAL");
    assert_string_equal(avila_strerror_name(AVILA_EFORMAT), "AVILA_EFORMAT");
    assert_string_equal(avila_strerror_name(AVILA_ERANGE), "AVILA_ERANGE");
    assert_string_equal(avila_strerror(AVILA_ENOMEM), "out of memory");
}

static void counts_and_unknown_codes(void **state)
{
    (void)state;
    assert_string_equal(avila_strerror(0), "success");
    assert_string_equal(avila_strerror(12345), "success");
    assert_string_equal(avila_strerror_name(7), "AVILA_OK");
    assert_string_equal(avila_strerror(AVILA_ERROR_MIN - 1), "unknown error");
    assert_string_equal(avila_strerror(-2147483647 - 1), "unknown error");
    assert_string_equal(avila_strerror_name(AVILA_ERROR_MIN - 1), "AVILA_E?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_a_distinct_text_and_name),
        cmocka_unit_test(names_match_the_enum),
        cmocka_unit_test(counts_and_unknown_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
