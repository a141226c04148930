/*
 * core/cpu.c - CPUID / XGETBV feature detection and the AVILA_CPU grammar.
 * Pure: CPUID and XGETBV are instructions, not OS calls.
 * Bit positions: Intel SDM vol. 2A, CPUID leaves 1 and 7.
 */
#include "core/cpu.h"
#include "core/error.h"

/* Set in `detected` once detection has run, so 0 features is cacheable. */
#define DETECTED_FLAG (1u << 31)

static uint32_t detected;
static uint32_t allowed = AVILA_CPU_ALL;

static const struct {
    uint32_t bit;
    const char *name;
} feature_names[] = {
    {AVILA_CPU_SSE42, "sse4.2"},
    {AVILA_CPU_PCLMUL, "pclmul"},
    {AVILA_CPU_AESNI, "aesni"},
    {AVILA_CPU_AVX2, "avx2"},
    {AVILA_CPU_BMI2, "bmi2"},
    {AVILA_CPU_ADX, "adx"},
    {AVILA_CPU_SHA, "sha"},
    {AVILA_CPU_AVX512F, "avx512f"},
    {AVILA_CPU_AVX512BW, "avx512bw"},
    {AVILA_CPU_AVX512VL, "avx512vl"},
    {AVILA_CPU_VAES, "vaes"},
    {AVILA_CPU_VPCLMUL, "vpclmul"},
    {AVILA_CPU_AVX512IFMA, "avx512ifma"},
    {AVILA_CPU_AVX512VBMI2, "avx512vbmi2"},
    {AVILA_CPU_AVX512VBMI, "avx512vbmi"},
};

#if AVILA_X86_64
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static uint32_t detect(void)
{
    uint32_t r[4], f = 0;
    cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    cpuid(1, 0, r);
    uint32_t ecx1 = r[2];
    if (ecx1 & (1u << 20))
        f |= AVILA_CPU_SSE42;
    if (ecx1 & (1u << 1))
        f |= AVILA_CPU_PCLMUL;
    if (ecx1 & (1u << 25))
        f |= AVILA_CPU_AESNI;

    /* AVX state needs OSXSAVE and XCR0 bits 1-2 (SSE, AVX); AVX-512 also bits 5-7. */
    int os_avx = 0, os_avx512 = 0;
    if ((ecx1 & (1u << 27)) && (ecx1 & (1u << 28))) {
        uint64_t xcr0 = xgetbv0();
        os_avx = (xcr0 & 0x6) == 0x6;
        os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
    }
    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        uint32_t ebx = r[1], ecx = r[2];
        if (ebx & (1u << 8))
            f |= AVILA_CPU_BMI2;
        if (ebx & (1u << 19))
            f |= AVILA_CPU_ADX;
        if (ebx & (1u << 29))
            f |= AVILA_CPU_SHA;
        if (os_avx && (ebx & (1u << 5)))
            f |= AVILA_CPU_AVX2;
        if (os_avx && (ecx & (1u << 9)))
            f |= AVILA_CPU_VAES;
        if (os_avx && (ecx & (1u << 10)))
            f |= AVILA_CPU_VPCLMUL;
        if (os_avx512 && (ebx & (1u << 16))) {
            f |= AVILA_CPU_AVX512F;
            if (ebx & (1u << 30))
                f |= AVILA_CPU_AVX512BW;
            if (ebx & (1u << 31))
                f |= AVILA_CPU_AVX512VL;
            if (ebx & (1u << 21))
                f |= AVILA_CPU_AVX512IFMA;
            if (ecx & (1u << 6))
                f |= AVILA_CPU_AVX512VBMI2;
            if (ecx & (1u << 1))
                f |= AVILA_CPU_AVX512VBMI;
        }
    }
    return f;
}
#else
static uint32_t detect(void)
{
    return 0;
}
#endif

uint32_t avila_cpu_detected(void)
{
    uint32_t d = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (AVILA_UNLIKELY(!(d & DETECTED_FLAG))) {
        /* Racing threads compute the same value; storing it twice is harmless. */
        d = detect() | DETECTED_FLAG;
        __atomic_store_n(&detected, d, __ATOMIC_RELAXED);
    }
    return d & ~DETECTED_FLAG;
}

uint32_t avila_cpu_features(void)
{
    return avila_cpu_detected() & __atomic_load_n(&allowed, __ATOMIC_RELAXED);
}

void avila_cpu_restrict(uint32_t mask)
{
    __atomic_store_n(&allowed, mask & AVILA_CPU_ALL, __ATOMIC_RELAXED);
}

static int item_is(const char *item, size_t len, const char *name)
{
    size_t i = 0;
    for (; i < len; i++)
        if (name[i] != item[i])
            return 0;
    return name[i] == '\0';
}

static int feature_bit(const char *item, size_t len, uint32_t *bit)
{
    for (size_t i = 0; i < AVILA_ARRAY_LEN(feature_names); i++) {
        if (item_is(item, len, feature_names[i].name)) {
            *bit = feature_names[i].bit;
            return 0;
        }
    }
    return AVILA_EINVAL;
}

int avila_cpu_parse(const char *spec, uint32_t *out)
{
    uint32_t mask = AVILA_CPU_ALL;
    const char *p = spec;
    for (;;) {
        size_t len = 0;
        while (p[len] != '\0' && p[len] != ',')
            len++;
        uint32_t bit;
        if (len == 0) {
            /* empty items (",," or an empty spec) change nothing */
        } else if (item_is(p, len, "native")) {
            mask = AVILA_CPU_ALL;
        } else if (item_is(p, len, "portable")) {
            mask = 0;
        } else if (p[0] == '-' && feature_bit(p + 1, len - 1, &bit) == 0) {
            mask &= ~bit;
        } else if (feature_bit(p, len, &bit) == 0) {
            mask |= bit;
        } else {
            return AVILA_EINVAL;
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *out = mask;
    return 0;
}

/* Appends NUL-terminated s at buf[*n], keeping room for a final NUL; counts what did not fit. */
static void append(char *buf, size_t cap, size_t *n, const char *s)
{
    for (; *s; s++, (*n)++)
        if (*n + 1 < cap)
            buf[*n] = *s;
}

int avila_cpu_describe(uint32_t features, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(feature_names); i++) {
        if (!(features & feature_names[i].bit))
            continue;
        if (n > 0)
            append(buf, cap, &n, " ");
        append(buf, cap, &n, feature_names[i].name);
    }
    if (n == 0)
        append(buf, cap, &n, "none");
    if (cap > 0)
        buf[n < cap ? n : cap - 1] = '\0';
    return n < cap ? (int)n : AVILA_ENOSPC;
}
