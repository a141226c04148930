/*
 * tests/ct/ct_core.c - constant-time check of core/ct.h under valgrind.
 *
 * Secrets are marked undefined for memcheck; any branch or memory index that
 * depends on them makes valgrind report an error (run with --error-exitcode).
 * Results are declassified (marked defined) before use, as callers do.
 * With --leaky it runs a deliberately secret-dependent compare instead, so
 * tests/tools/test_ct.sh can prove the method catches a leak.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/ct.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

/* Declassifies a result and folds it into the printed output so it cannot be optimised away. */
static void use(uint64_t v)
{
    PUBLIC(&v, sizeof v);
    folded = folded * 31 + v;
    checks++;
}

static int leaky_memeq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    uint8_t a[64], b[64], c[64];
    for (int i = 0; i < 64; i++) {
        a[i] = (uint8_t)(i * 7);
        b[i] = (uint8_t)(i * 7 + (i == 40));
        c[i] = (uint8_t)(255 - i);
    }
    SECRET(a, sizeof a);
    SECRET(b, sizeof b);

    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        use((uint64_t)leaky_memeq(a, b, sizeof a));
        return 0;
    }

    uint32_t x = 0x12345678, y = 0x12345679, bit = 1;
    SECRET(&x, sizeof x);
    SECRET(&y, sizeof y);
    SECRET(&bit, sizeof bit);
    use(avila_ct_memeq(a, b, sizeof a));
    use(avila_ct_is_zero(a, sizeof a));
    use(avila_ct_eq_u32(x, y));
    use(avila_ct_lt_u32(x, y));
    use(avila_ct_nonzero_u32(x));
    use(avila_ct_select_u32(bit, x, y));
    use(avila_ct_select_u64(bit, (uint64_t)x << 32, y));
    use(avila_ct_mask_u32(bit) & x);
    avila_ct_copy_if(bit, c, a, sizeof c);
    avila_ct_swap_if(bit, a, b, sizeof a);
    PUBLIC(c, sizeof c);
    use(c[0]);
    avila_wipe(a, sizeof a);
    PUBLIC(a, sizeof a);
    use(a[0]);
    printf("ct_core: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
