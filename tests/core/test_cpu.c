/* tests/core/test_cpu.c - CPU feature detection, the AVILA_CPU grammar, restriction. */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"

static int reset(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

static void parse_grammar(void **state)
{
    (void)state;
    uint32_t m = 123;
    assert_int_equal(avila_cpu_parse("portable", &m), 0);
    assert_int_equal(m, 0);
    assert_int_equal(avila_cpu_parse("native", &m), 0);
    assert_int_equal(m, AVILA_CPU_ALL);
    assert_int_equal(avila_cpu_parse("", &m), 0);
    assert_int_equal(m, AVILA_CPU_ALL);
    assert_int_equal(avila_cpu_parse("portable,sse4.2,pclmul", &m), 0);
    assert_int_equal(m, AVILA_CPU_SSE42 | AVILA_CPU_PCLMUL);
    assert_int_equal(avila_cpu_parse("-avx512f,-avx2", &m), 0);
    assert_int_equal(m, AVILA_CPU_ALL & ~(AVILA_CPU_AVX512F | AVILA_CPU_AVX2));
    assert_int_equal(avila_cpu_parse("portable,,avx2,", &m), 0);
    assert_int_equal(m, AVILA_CPU_AVX2);
    m = 77;
    assert_int_equal(avila_cpu_parse("sse4", &m), AVILA_EINVAL);
    assert_int_equal(avila_cpu_parse("avx2x", &m), AVILA_EINVAL);
    assert_int_equal(avila_cpu_parse("portable,bogus", &m), AVILA_EINVAL);
    assert_int_equal(avila_cpu_parse("-", &m), AVILA_EINVAL);
    assert_int_equal(avila_cpu_parse("Portable", &m), AVILA_EINVAL);
    assert_int_equal(m, 77);
}

static void describe_round_trips_through_parse(void **state)
{
    (void)state;
    char buf[256];
    assert_int_equal(avila_cpu_describe(0, buf, sizeof buf), 4);
    assert_string_equal(buf, "none");
    for (uint32_t bit = 1; bit & AVILA_CPU_ALL; bit <<= 1) {
        int n = avila_cpu_describe(bit, buf, sizeof buf);
        assert_true(n > 0);
        assert_int_equal((size_t)n, strlen(buf));
        char spec[300];
        int len = snprintf(spec, sizeof spec, "portable,%s", buf);
        assert_true(len > 0 && (size_t)len < sizeof spec);
        uint32_t m;
        assert_int_equal(avila_cpu_parse(spec, &m), 0);
        assert_int_equal(m, bit);
    }
    int n = avila_cpu_describe(AVILA_CPU_ALL, buf, sizeof buf);
    assert_true(n > 0);
    /* Too small: error, but still a terminated prefix. */
    char small[8];
    assert_int_equal(avila_cpu_describe(AVILA_CPU_ALL, small, sizeof small), AVILA_ENOSPC);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(avila_cpu_describe(0, small, 4), AVILA_ENOSPC);
    assert_int_equal(avila_cpu_describe(0, small, 5), 4);
}

static void restrict_narrows_never_widens(void **state)
{
    (void)state;
    uint32_t detected = avila_cpu_detected();
    assert_int_equal(avila_cpu_features(), detected);
    avila_cpu_restrict(0);
    assert_int_equal(avila_cpu_features(), 0);
    assert_int_equal(avila_cpu_detected(), detected);
    avila_cpu_restrict(AVILA_CPU_SSE42);
    assert_int_equal(avila_cpu_features(), detected & AVILA_CPU_SSE42);
    avila_cpu_restrict(0xffffffffu);
    assert_int_equal(avila_cpu_features(), detected);
}

static void init_reads_the_environment(void **state)
{
    (void)state;
    setenv("AVILA_CPU", "portable", 1);
    assert_int_equal(avila_cpu_init(), 0);
    assert_int_equal(avila_cpu_features(), 0);
    setenv("AVILA_CPU", "nonsense", 1);
    avila_cpu_restrict(AVILA_CPU_ALL);
    assert_int_equal(avila_cpu_init(), AVILA_EINVAL);
    assert_int_equal(avila_cpu_features(), avila_cpu_detected());
    unsetenv("AVILA_CPU");
    assert_int_equal(avila_cpu_init(), 0);
    assert_int_equal(avila_cpu_features(), avila_cpu_detected());
}

/* Differential check against the kernel's view of the same CPUID bits. */
static void detection_agrees_with_proc_cpuinfo(void **state)
{
    (void)state;
#if AVILA_X86_64
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        skip();
    char line[8192] = "";
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0)
            break;
    fclose(f);
    static const struct {
        uint32_t bit;
        const char *flag;
    } map[] = {
        {AVILA_CPU_SSE42, "sse4_2"},
        {AVILA_CPU_PCLMUL, "pclmulqdq"},
        {AVILA_CPU_AESNI, "aes"},
        {AVILA_CPU_AVX2, "avx2"},
        {AVILA_CPU_BMI2, "bmi2"},
        {AVILA_CPU_ADX, "adx"},
        {AVILA_CPU_SHA, "sha_ni"},
        {AVILA_CPU_AVX512F, "avx512f"},
        {AVILA_CPU_AVX512BW, "avx512bw"},
        {AVILA_CPU_AVX512VL, "avx512vl"},
        {AVILA_CPU_VAES, "vaes"},
        {AVILA_CPU_VPCLMUL, "vpclmulqdq"},
        {AVILA_CPU_AVX512IFMA, "avx512ifma"},
        {AVILA_CPU_AVX512VBMI2, "avx512_vbmi2"},
        {AVILA_CPU_AVX512VBMI, "avx512vbmi"},
    };
    uint32_t detected = avila_cpu_detected();
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        char word[32];
        snprintf(word, sizeof word, " %s ", map[i].flag);
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = ' ';
        int kernel = strstr(line, word) != NULL;
        if (kernel != !!(detected & map[i].bit))
            fail_msg("%s: kernel says %d, avila says %d", map[i].flag, kernel,
                     !!(detected & map[i].bit));
    }
#else
    assert_int_equal(avila_cpu_detected(), 0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_grammar),
        cmocka_unit_test(describe_round_trips_through_parse),
        cmocka_unit_test_setup(restrict_narrows_never_widens, reset),
        cmocka_unit_test_setup(init_reads_the_environment, reset),
        cmocka_unit_test(detection_agrees_with_proc_cpuinfo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
