/*
 * crypto/mp_x86.c - Montgomery multiplication and squaring (crypto/mp.h)
 * with the BMI2 and ADX instructions: each row of the product and of the
 * word-by-word reduction, r[0..n) += x a[0..n), runs two carry chains at
 * once (adcx on CF adds the low halves of the products to r, adox on OF
 * adds the high half of the previous product), as Intel's white paper "New
 * Instructions Supporting Large Integer Arithmetic on Intel Architecture
 * Processors" (2012) describes. The loop counter moves with lea and jrcxz,
 * which leave both flags alone. montmul interleaves the rows of the product
 * and of the reduction (coarsely integrated operand scanning), so the
 * reduction's serial chain through q = t[i] m0inv overlaps independent
 * work; montsqr computes the cross products once, doubles them and adds the
 * squares in one two-chain pass, then reduces. x86-64 only; crypto/mp.c
 * calls it when the CPU has both extensions and the limb count is a
 * multiple of 4. Pure; constant time (no branch or index depends on values;
 * mulx, adcx and adox take fixed time).
 */
#include "core/ct.h"
#include "crypto/mp_int.h"

#if AVILA_X86_64

#define ADX        AVILA_TARGET("bmi2,adx")
#define ADX_INLINE static inline __attribute__((always_inline)) ADX

/*
 * One limb of a row: lo:HI = x * a[OFF]; r[OFF] += lo + CF (adcx) + PREV +
 * OF (adox), where PREV is the high half of the previous limb's product.
 */
#define LIMB(OFF, HI, PREV)                                                                        \
    "mulxq " OFF "(%[a]), %[lo], " HI "\n\t"                                                       \
    "adcxq " OFF "(%[r]), %[lo]\n\t"                                                               \
    "adoxq " PREV ", %[lo]\n\t"                                                                    \
    "movq %[lo], " OFF "(%[r])\n\t"

/*
 * r[0..n) += x a[0..n); returns the carry word (the sum fits in n + 1
 * words, so adding both flags to the last high half cannot wrap). First
 * n % 4 limbs one at a time, then groups of four.
 */
ADX_INLINE uint64_t addmul_adx(uint64_t *r, const uint64_t *a, size_t n, uint64_t x)
{
    uint64_t lo, ha, hb, z;
    size_t rem = n % 4, quads = n / 4;
    __asm__ volatile(
        "xorl %k[ha], %k[ha]\n\t"
        "movq %[rem], %%rcx\n\t"
        "jrcxz 2f\n\t"
        "1:\n\t" LIMB("0", "%[hb]",
                      "%[ha]") "movq %[hb], %[ha]\n\t"
                               "leaq 8(%[a]), %[a]\n\t"
                               "leaq 8(%[r]), %[r]\n\t"
                               "leaq -1(%%rcx), %%rcx\n\t"
                               "jrcxz 2f\n\t"
                               "jmp 1b\n\t"
                               "2:\n\t"
                               "movq %[quads], %%rcx\n\t"
                               "jrcxz 4f\n\t"
                               "3:\n\t" LIMB("0", "%[hb]", "%[ha]") LIMB("8", "%[ha]", "%[hb]")
                                   LIMB("16", "%[hb]", "%[ha]")
                                       LIMB("24", "%[ha]", "%[hb]") "leaq 32(%[a]), %[a]\n\t"
                                                                    "leaq 32(%[r]), %[r]\n\t"
                                                                    "leaq -1(%%rcx), %%rcx\n\t"
                                                                    "jrcxz 4f\n\t"
                                                                    "jmp 3b\n\t"
                                                                    "4:\n\t"
                                                                    "movl $0, %k[z]\n\t"
                                                                    "adcxq %[z], %[ha]\n\t"
                                                                    "adoxq %[z], %[ha]\n\t"
        : [lo] "=&r"(lo), [ha] "=&r"(ha), [hb] "=&r"(hb), [z] "=&r"(z), [a] "+r"(a), [r] "+r"(r)
        : [rem] "r"(rem), [quads] "r"(quads), "d"(x)
        : "rcx", "cc", "memory");
    return ha;
}

/*
 * t (2n limbs) = 2 t + the squares a_i^2 at limbs 2i, 2i + 1: the doubling
 * on CF (adcx w, w is 2 w + CF), the squares on OF. Both chains end with
 * no carry when the result is a square of n limbs.
 */
ADX_INLINE void double_add_squares(uint64_t *t, const uint64_t *a, size_t n)
{
    uint64_t lo, hi, w;
    __asm__ volatile("xorl %k[w], %k[w]\n\t"
                     "movq %[n], %%rcx\n\t"
                     "1:\n\t"
                     "movq (%[a]), %%rdx\n\t"
                     "mulxq %%rdx, %[lo], %[hi]\n\t"
                     "movq (%[t]), %[w]\n\t"
                     "adcxq %[w], %[w]\n\t"
                     "adoxq %[lo], %[w]\n\t"
                     "movq %[w], (%[t])\n\t"
                     "movq 8(%[t]), %[w]\n\t"
                     "adcxq %[w], %[w]\n\t"
                     "adoxq %[hi], %[w]\n\t"
                     "movq %[w], 8(%[t])\n\t"
                     "leaq 8(%[a]), %[a]\n\t"
                     "leaq 16(%[t]), %[t]\n\t"
                     "leaq -1(%%rcx), %%rcx\n\t"
                     "jrcxz 2f\n\t"
                     "jmp 1b\n\t"
                     "2:\n\t"
                     : [lo] "=&r"(lo), [hi] "=&r"(hi), [w] "=&r"(w), [a] "+r"(a), [t] "+r"(t)
                     : [n] "r"(n)
                     : "rcx", "rdx", "cc", "memory");
}

/*
 * A reduction row: r[0..4 quads) += x a[0..4 quads) as addmul_adx does (at
 * least one group of four), also handing out the new r[1] in *next: the
 * next row's multiplier comes from it without waiting for the store to
 * reach memory and be read back.
 */
ADX_INLINE uint64_t redc_row_adx(uint64_t *r, const uint64_t *a, size_t quads, uint64_t x,
                                 uint64_t *next)
{
    uint64_t lo, ha, hb, z, cap;
    __asm__ volatile(
        "xorl %k[ha], %k[ha]\n\t" LIMB("0", "%[hb]", "%[ha]")
            LIMB("8", "%[ha]", "%[hb]") "movq %[lo], %[cap]\n\t" LIMB("16", "%[hb]", "%[ha]")
                LIMB("24", "%[ha]",
                     "%[hb]") "leaq 32(%[a]), %[a]\n\t"
                              "leaq 32(%[r]), %[r]\n\t"
                              "leaq -1(%[quads]), %%rcx\n\t"
                              "jrcxz 4f\n\t"
                              "3:\n\t" LIMB("0", "%[hb]", "%[ha]") LIMB("8", "%[ha]", "%[hb]")
                                  LIMB("16", "%[hb]", "%[ha]")
                                      LIMB("24", "%[ha]", "%[hb]") "leaq 32(%[a]), %[a]\n\t"
                                                                   "leaq 32(%[r]), %[r]\n\t"
                                                                   "leaq -1(%%rcx), %%rcx\n\t"
                                                                   "jrcxz 4f\n\t"
                                                                   "jmp 3b\n\t"
                                                                   "4:\n\t"
                                                                   "movl $0, %k[z]\n\t"
                                                                   "adcxq %[z], %[ha]\n\t"
                                                                   "adoxq %[z], %[ha]\n\t"
        : [lo] "=&r"(lo), [ha] "=&r"(ha), [hb] "=&r"(hb), [z] "=&r"(z), [cap] "=&r"(cap),
          [a] "+r"(a), [r] "+r"(r)
        : [quads] "r"(quads), "d"(x)
        : "rcx", "cc", "memory");
    *next = cap;
    return ha;
}

/*
 * r = hi - m if that does not go below zero or c is 1, else hi: the final
 * subtraction of a reduction (value c 2^(64 n) + hi below 2 m), with one
 * sbb chain. n is a multiple of 4; r MUST NOT overlap hi or m.
 */
ADX_INLINE void final_sub_adx(uint64_t *r, const uint64_t *hi, uint64_t c, const uint64_t *m,
                              size_t n)
{
    uint64_t x, *d = r;
    const uint64_t *h = hi, *mm = m;
    __asm__ volatile("movq %[quads], %%rcx\n\t"
                     "clc\n\t"
                     "1:\n\t"
                     "movq 0(%[h]), %[x]\n\t"
                     "sbbq 0(%[m]), %[x]\n\t"
                     "movq %[x], 0(%[d])\n\t"
                     "movq 8(%[h]), %[x]\n\t"
                     "sbbq 8(%[m]), %[x]\n\t"
                     "movq %[x], 8(%[d])\n\t"
                     "movq 16(%[h]), %[x]\n\t"
                     "sbbq 16(%[m]), %[x]\n\t"
                     "movq %[x], 16(%[d])\n\t"
                     "movq 24(%[h]), %[x]\n\t"
                     "sbbq 24(%[m]), %[x]\n\t"
                     "movq %[x], 24(%[d])\n\t"
                     "leaq 32(%[h]), %[h]\n\t"
                     "leaq 32(%[m]), %[m]\n\t"
                     "leaq 32(%[d]), %[d]\n\t"
                     "leaq -1(%%rcx), %%rcx\n\t"
                     "jrcxz 2f\n\t"
                     "jmp 1b\n\t"
                     "2:\n\t"
                     "sbbq %[x], %[x]\n\t"
                     : [x] "=&r"(x), [h] "+r"(h), [m] "+r"(mm), [d] "+r"(d)
                     : [quads] "r"(n / 4)
                     : "rcx", "cc", "memory");
    /* x is all-ones when hi < m: keep the difference unless that, or when c is 1. */
    uint64_t keep = avila_ct_barrier_u64(~x | (0 - c));
    for (size_t i = 0; i < n; i++)
        r[i] = hi[i] ^ (keep & (r[i] ^ hi[i]));
}

/* r = t R^-1 mod m for the 2n-limb t < R m (t is overwritten). */
ADX_INLINE void redc_adx(const struct avila_mp_mont *ctx, uint64_t *r, uint64_t *t)
{
    const size_t n = ctx->n;
    uint64_t c = 0, q = t[0] * ctx->m0inv, next;
    for (size_t i = 0; i < n; i++) {
        uint64_t cy = redc_row_adx(t + i, ctx->m, n / 4, q, &next);
        q = next * ctx->m0inv;
        mp_u128 s = (mp_u128)t[i + n] + cy + c;
        t[i + n] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
    final_sub_adx(r, t + n, c, ctx->m, n);
}

ADX void avila_mp_montmul_adx(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                              const uint64_t *b, uint64_t *t)
{
    const size_t n = ctx->n;
    for (size_t i = 0; i < n; i++)
        t[i] = 0;
    /*
     * Row i of the product, then row i of the reduction (t[i] is final by
     * then): the reduction's chain through q = t[i] m0inv overlaps the
     * independent product rows instead of running after all of them.
     */
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        t[i + n] = addmul_adx(t + i, b, n, a[i]);
        uint64_t q = t[i] * ctx->m0inv;
        uint64_t cy = addmul_adx(t + i, ctx->m, n, q);
        mp_u128 s = (mp_u128)t[i + n] + cy + c;
        t[i + n] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
    }
    final_sub_adx(r, t + n, c, ctx->m, n);
}

ADX void avila_mp_montsqr_adx(const struct avila_mp_mont *ctx, uint64_t *r, const uint64_t *a,
                              uint64_t *t)
{
    const size_t n = ctx->n;
    for (size_t i = 0; i < 2 * n; i++)
        t[i] = 0;
    /* The cross products a_i a_j (i < j) once: row i lands at t[2i + 1 ..), carry at t[i + n]. */
    for (size_t i = 0; i + 1 < n; i++)
        t[i + n] = addmul_adx(t + 2 * i + 1, a + i + 1, n - i - 1, a[i]);
    double_add_squares(t, a, n);
    redc_adx(ctx, r, t);
}

#endif
