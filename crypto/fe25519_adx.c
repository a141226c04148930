/*
 * crypto/fe25519_adx.c - GF(2^255 - 19) arithmetic on four 64-bit limbs
 * (radix 2^64) with the BMI2 and ADX instructions (mulx, adcx, adox), and
 * the X25519 Montgomery ladder (RFC 7748 section 5) built on it. x86-64
 * only; crypto/x25519.c calls it when the CPU has both extensions.
 *
 * Elements are 256-bit values in [0, 2^256), reduced mod p only on output:
 * 2^256 = 38 (mod p), so every carry out of the top word re-enters at the
 * bottom times 38. A 4 x 4 product runs two carry chains at once (adcx
 * uses CF, adox uses OF), as Intel's white paper "New Instructions
 * Supporting Large Integer Arithmetic on Intel Architecture Processors"
 * (2012) describes. Pure; constant time (no branch or index depends on
 * values; mulx, adcx, adox take fixed time).
 */
#include "crypto/fe25519_int.h"

#if AVILA_X86_64

#define ADX AVILA_TARGET("bmi2,adx")
/* The field operations are inlined into the ladder: a call costs more than an addition. */
#define ADX_INLINE static inline __attribute__((always_inline)) ADX

typedef struct {
    uint64_t v[4];
} fe64;

/*
 * The asm blocks below name their scratch registers through operands (the
 * compiler picks them) and declare exactly the memory they read and write
 * (the "m" operands on *f, *g and *h), so no "memory" clobber is needed.
 * Every block reads all of its inputs before it writes *h, so h may alias
 * f or g.
 */

/*
 * One row of the schoolbook product: adds f[i] * g (five words) into the
 * accumulators A..E (A the lowest; E is written fresh), then stores A, now
 * final, into the temporary word t.
 */
#define ROW(fi, A, B, C, D, E, t)                                                                  \
    "movq " fi ", %%rdx\n\t"                                                                       \
    "xorl %k[z], %k[z]\n\t"                                                                        \
    "mulxq 0(%[g]), %[lo], %[hi]\n\t"                                                              \
    "adcxq %[lo], " A "\n\t"                                                                       \
    "adoxq %[hi], " B "\n\t"                                                                       \
    "mulxq 8(%[g]), %[lo], %[hi]\n\t"                                                              \
    "adcxq %[lo], " B "\n\t"                                                                       \
    "adoxq %[hi], " C "\n\t"                                                                       \
    "mulxq 16(%[g]), %[lo], %[hi]\n\t"                                                             \
    "adcxq %[lo], " C "\n\t"                                                                       \
    "adoxq %[hi], " D "\n\t"                                                                       \
    "mulxq 24(%[g]), %[lo], " E "\n\t"                                                             \
    "adcxq %[lo], " D "\n\t"                                                                       \
    "adoxq %[z], " E "\n\t"                                                                        \
    "adcxq %[z], " E "\n\t"                                                                        \
    "movq " A ", " t "\n\t"

/*
 * Folds a 512-bit product into h: words 0..3 are in the temporaries t0..t3,
 * words 4..7 in registers W4..W7; adds 38 times the high words to the low
 * ones (low halves of the products on CF, high halves on OF), then the
 * carry word (at most 39) times 38, then 38 once more if that wraps past
 * 2^256 (it cannot wrap twice). A, B, C are free scratch registers.
 */
#define REDUCE(W4, W5, W6, W7, A, B, C)                                                            \
    "movl $38, %%edx\n\t"                                                                          \
    "xorl %k[z], %k[z]\n\t"                                                                        \
    "mulxq " W4 ", " A ", " B "\n\t"                                                               \
    "adcxq %[t0], " A "\n\t"                                                                       \
    "mulxq " W5 ", " C ", " W4 "\n\t"                                                              \
    "adcxq %[t1], " C "\n\t"                                                                       \
    "adoxq " B ", " C "\n\t"                                                                       \
    "mulxq " W6 ", " B ", " W5 "\n\t"                                                              \
    "adcxq %[t2], " B "\n\t"                                                                       \
    "adoxq " W4 ", " B "\n\t"                                                                      \
    "mulxq " W7 ", " W6 ", " W4 "\n\t"                                                             \
    "adcxq %[t3], " W6 "\n\t"                                                                      \
    "adoxq " W5 ", " W6 "\n\t"                                                                     \
    "adcxq %[z], " W4 "\n\t"                                                                       \
    "adoxq %[z], " W4 "\n\t"                                                                       \
    "imulq $38, " W4 ", " W4 "\n\t"                                                                \
    "addq " W4 ", " A "\n\t"                                                                       \
    "adcq $0, " C "\n\t"                                                                           \
    "adcq $0, " B "\n\t"                                                                           \
    "adcq $0, " W6 "\n\t"                                                                          \
    "sbbq " W4 ", " W4 "\n\t"                                                                      \
    "andq $38, " W4 "\n\t"                                                                         \
    "addq " W4 ", " A "\n\t"                                                                       \
    "movq " A ", 0(%[h])\n\t"                                                                      \
    "movq " C ", 8(%[h])\n\t"                                                                      \
    "movq " B ", 16(%[h])\n\t"                                                                     \
    "movq " W6 ", 24(%[h])\n\t"

/* h = f * g mod p (h in [0, 2^256)). */
ADX_INLINE void fe64_mul(fe64 *h, const fe64 *f, const fe64 *g)
{
    uint64_t t[4], r0, r1, r2, r3, r4, lo, hi, z, d;
    __asm__(
        /* Row 0: f0 g into r0..r4; then word k of the product lives in r(k mod 5). */
        "movq 0(%[f]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[g]), %[r0], %[r1]\n\t"
        "mulxq 8(%[g]), %[lo], %[r2]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "mulxq 16(%[g]), %[lo], %[r3]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "mulxq 24(%[g]), %[lo], %[r4]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adcxq %[z], %[r4]\n\t"
        "movq %[r0], %[t0]\n\t" ROW("8(%[f])", "%[r1]", "%[r2]", "%[r3]", "%[r4]", "%[r0]", "%[t1]")
            ROW("16(%[f])", "%[r2]", "%[r3]", "%[r4]", "%[r0]", "%[r1]", "%[t2]")
                ROW("24(%[f])", "%[r3]", "%[r4]", "%[r0]", "%[r1]", "%[r2]", "%[t3]")
                    REDUCE("%[r4]", "%[r0]", "%[r1]", "%[r2]", "%[r3]", "%[lo]", "%[hi]")
        : [t0] "=m"(t[0]), [t1] "=m"(t[1]), [t2] "=m"(t[2]), [t3] "=m"(t[3]),
          "=m"(*h), [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
          [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z), "=&d"(d)
        : [h] "r"(h), [f] "r"(f), [g] "r"(g), "m"(*f), "m"(*g)
        : "cc");
}

/*
 * h = f^2 mod p: the six cross products f_i f_j (i < j) once, doubled, plus
 * the four squares; 10 mulx instead of 16.
 */
ADX_INLINE void fe64_sq(fe64 *h, const fe64 *f)
{
    uint64_t t[4], c1, c2, c3, c4, c5, c6, c7, lo, hi, z, d;
    __asm__(
        /* Cross products into c1..c6: weights 2..5 on CF, 3..6 on OF. */
        "movq 0(%[f]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 8(%[f]), %[c1], %[c2]\n\t"
        "mulxq 16(%[f]), %[lo], %[c3]\n\t"
        "adcxq %[lo], %[c2]\n\t"
        "mulxq 24(%[f]), %[lo], %[c4]\n\t"
        "adcxq %[lo], %[c3]\n\t"
        "movq 8(%[f]), %%rdx\n\t"
        "mulxq 16(%[f]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[c3]\n\t"
        "adcxq %[hi], %[c4]\n\t"
        "mulxq 24(%[f]), %[lo], %[c5]\n\t"
        "adoxq %[lo], %[c4]\n\t"
        "adcxq %[z], %[c5]\n\t"
        "movq 16(%[f]), %%rdx\n\t"
        "mulxq 24(%[f]), %[lo], %[c6]\n\t"
        "adoxq %[lo], %[c5]\n\t"
        "adoxq %[z], %[c6]\n\t"
        /* Double them (CF) and add the squares f_i^2 (OF); words 0..3 go to t. */
        "movq 0(%[f]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq %%rdx, %[lo], %[hi]\n\t"
        "movq %[lo], %[t0]\n\t"
        "adcxq %[c1], %[c1]\n\t"
        "adoxq %[hi], %[c1]\n\t"
        "movq %[c1], %[t1]\n\t"
        "movq 8(%[f]), %%rdx\n\t"
        "mulxq %%rdx, %[lo], %[hi]\n\t"
        "adcxq %[c2], %[c2]\n\t"
        "adoxq %[lo], %[c2]\n\t"
        "movq %[c2], %[t2]\n\t"
        "adcxq %[c3], %[c3]\n\t"
        "adoxq %[hi], %[c3]\n\t"
        "movq %[c3], %[t3]\n\t"
        "movq 16(%[f]), %%rdx\n\t"
        "mulxq %%rdx, %[lo], %[hi]\n\t"
        "adcxq %[c4], %[c4]\n\t"
        "adoxq %[lo], %[c4]\n\t"
        "adcxq %[c5], %[c5]\n\t"
        "adoxq %[hi], %[c5]\n\t"
        "movq 24(%[f]), %%rdx\n\t"
        "mulxq %%rdx, %[lo], %[c7]\n\t"
        "adcxq %[c6], %[c6]\n\t"
        "adoxq %[lo], %[c6]\n\t"
        "adcxq %[z], %[c7]\n\t"
        "adoxq %[z], %[c7]\n\t" REDUCE("%[c4]", "%[c5]", "%[c6]", "%[c7]", "%[c1]", "%[c2]",
                                       "%[c3]")
        : [t0] "=m"(t[0]), [t1] "=m"(t[1]), [t2] "=m"(t[2]), [t3] "=m"(t[3]),
          "=m"(*h), [c1] "=&r"(c1), [c2] "=&r"(c2), [c3] "=&r"(c3), [c4] "=&r"(c4), [c5] "=&r"(c5),
          [c6] "=&r"(c6), [c7] "=&r"(c7), [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z), "=&d"(d)
        : [h] "r"(h), [f] "r"(f), "m"(*f)
        : "cc");
}

/* h = f + g mod p (in [0, 2^256)): a carry out of the top adds 38. */
ADX_INLINE void fe64_add(fe64 *h, const fe64 *f, const fe64 *g)
{
    uint64_t a0, a1, a2, a3, c;
    __asm__("movq 0(%[f]), %[a0]\n\t"
            "movq 8(%[f]), %[a1]\n\t"
            "movq 16(%[f]), %[a2]\n\t"
            "movq 24(%[f]), %[a3]\n\t"
            "addq 0(%[g]), %[a0]\n\t"
            "adcq 8(%[g]), %[a1]\n\t"
            "adcq 16(%[g]), %[a2]\n\t"
            "adcq 24(%[g]), %[a3]\n\t"
            "sbbq %[c], %[c]\n\t"
            "andq $38, %[c]\n\t"
            "addq %[c], %[a0]\n\t"
            "adcq $0, %[a1]\n\t"
            "adcq $0, %[a2]\n\t"
            "adcq $0, %[a3]\n\t"
            "sbbq %[c], %[c]\n\t"
            "andq $38, %[c]\n\t"
            "addq %[c], %[a0]\n\t"
            "movq %[a0], 0(%[h])\n\t"
            "movq %[a1], 8(%[h])\n\t"
            "movq %[a2], 16(%[h])\n\t"
            "movq %[a3], 24(%[h])\n\t"
            : "=m"(*h), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [c] "=&r"(c)
            : [h] "r"(h), [f] "r"(f), [g] "r"(g), "m"(*f), "m"(*g)
            : "cc");
}

/* h = f - g mod p (in [0, 2^256)): a borrow out of the top takes 38 more. */
ADX_INLINE void fe64_sub(fe64 *h, const fe64 *f, const fe64 *g)
{
    uint64_t a0, a1, a2, a3, c;
    __asm__("movq 0(%[f]), %[a0]\n\t"
            "movq 8(%[f]), %[a1]\n\t"
            "movq 16(%[f]), %[a2]\n\t"
            "movq 24(%[f]), %[a3]\n\t"
            "subq 0(%[g]), %[a0]\n\t"
            "sbbq 8(%[g]), %[a1]\n\t"
            "sbbq 16(%[g]), %[a2]\n\t"
            "sbbq 24(%[g]), %[a3]\n\t"
            "sbbq %[c], %[c]\n\t"
            "andq $38, %[c]\n\t"
            "subq %[c], %[a0]\n\t"
            "sbbq $0, %[a1]\n\t"
            "sbbq $0, %[a2]\n\t"
            "sbbq $0, %[a3]\n\t"
            "sbbq %[c], %[c]\n\t"
            "andq $38, %[c]\n\t"
            "subq %[c], %[a0]\n\t"
            "movq %[a0], 0(%[h])\n\t"
            "movq %[a1], 8(%[h])\n\t"
            "movq %[a2], 16(%[h])\n\t"
            "movq %[a3], 24(%[h])\n\t"
            : "=m"(*h), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [c] "=&r"(c)
            : [h] "r"(h), [f] "r"(f), [g] "r"(g), "m"(*f), "m"(*g)
            : "cc");
}

/* h = 121665 f mod p, (A - 2)/4 times f (RFC 7748 section 5). */
ADX_INLINE void fe64_mul_a24(fe64 *h, const fe64 *f)
{
    uint64_t a0, a1, a2, a3, lo, c, d;
    __asm__("movl $121665, %%edx\n\t"
            "mulxq 0(%[f]), %[a0], %[a1]\n\t"
            "mulxq 8(%[f]), %[lo], %[a2]\n\t"
            "addq %[lo], %[a1]\n\t"
            "mulxq 16(%[f]), %[lo], %[a3]\n\t"
            "adcq %[lo], %[a2]\n\t"
            "mulxq 24(%[f]), %[lo], %[c]\n\t"
            "adcq %[lo], %[a3]\n\t"
            "adcq $0, %[c]\n\t"
            "imulq $38, %[c], %[c]\n\t"
            "addq %[c], %[a0]\n\t"
            "adcq $0, %[a1]\n\t"
            "adcq $0, %[a2]\n\t"
            "adcq $0, %[a3]\n\t"
            "sbbq %[c], %[c]\n\t"
            "andq $38, %[c]\n\t"
            "addq %[c], %[a0]\n\t"
            "movq %[a0], 0(%[h])\n\t"
            "movq %[a1], 8(%[h])\n\t"
            "movq %[a2], 16(%[h])\n\t"
            "movq %[a3], 24(%[h])\n\t"
            : "=m"(*h), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
              [lo] "=&r"(lo), [c] "=&r"(c), "=&d"(d)
            : [h] "r"(h), [f] "r"(f), "m"(*f)
            : "cc");
}

/* h = the 255 low bits of s (bit 255 ignored, as X25519 requires). */
static void fe64_frombytes(fe64 *h, const uint8_t s[32])
{
    for (size_t i = 0; i < 4; i++)
        h->v[i] = avila_load_le64(s + 8 * i);
    h->v[3] &= ~(UINT64_C(1) << 63);
}

/* Writes the canonical residue of f (any value below 2^256). */
static void fe64_tobytes(uint8_t s[32], const fe64 *f)
{
    uint64_t w[4];
    /* Fold bit 255 in as 19: the value drops below 2^255 + 19 < 2p. */
    fe_u128 c = (fe_u128)(f->v[3] >> 63) * 19;
    w[3] = f->v[3] & ~(UINT64_C(1) << 63);
    for (int i = 0; i < 3; i++) {
        c += f->v[i];
        w[i] = (uint64_t)c;
        c >>= 64;
    }
    w[3] += (uint64_t)c;
    /* Subtract p when w >= p, i.e. when w + 19 reaches bit 255. */
    uint64_t q = (uint64_t)(((fe_u128)w[0] + 19) >> 64);
    q = (uint64_t)(((fe_u128)w[1] + q) >> 64);
    q = (uint64_t)(((fe_u128)w[2] + q) >> 64);
    q = (w[3] + q) >> 63;
    c = (fe_u128)19 * q;
    for (int i = 0; i < 4; i++) {
        c += w[i];
        w[i] = (uint64_t)c;
        c >>= 64;
    }
    w[3] &= ~(UINT64_C(1) << 63);
    for (size_t i = 0; i < 4; i++)
        avila_store_le64(s + 8 * i, w[i]);
    avila_wipe(w, sizeof w);
}

static void fe64_cswap(fe64 *f, fe64 *g, uint32_t bit)
{
    uint64_t mask = avila_ct_mask_u64(bit);
    for (int i = 0; i < 4; i++) {
        uint64_t t = mask & (f->v[i] ^ g->v[i]);
        f->v[i] ^= t;
        g->v[i] ^= t;
    }
}

/*
 * The same ladder as crypto/x25519.c's portable one, step for step, with
 * RFC 7748's temporaries folded into four reused ones: fewer addresses for
 * the asm operands keeps the compiler from spilling them.
 */
ADX void avila_fe25519_ladder_adx(uint8_t x2b[32], uint8_t z2b[32], const uint8_t k[32],
                                  const uint8_t u[32])
{
    fe64 x1, x2, z2, x3, z3, a, b, c, d;
    uint32_t swap = 0;
    fe64_frombytes(&x1, u);
    x2 = (fe64){{1, 0, 0, 0}};
    z2 = (fe64){{0, 0, 0, 0}};
    x3 = x1;
    z3 = x2;
    for (int t = 254; t >= 0; t--) {
        uint32_t bit = (uint32_t)(k[t / 8] >> (t % 8)) & 1;
        swap ^= bit;
        fe64_cswap(&x2, &x3, swap);
        fe64_cswap(&z2, &z3, swap);
        swap = bit;
        fe64_add(&a, &x2, &z2);
        fe64_sub(&b, &x2, &z2);
        fe64_add(&c, &x3, &z3);
        fe64_sub(&d, &x3, &z3);
        fe64_mul(&d, &d, &a); /* DA */
        fe64_mul(&c, &c, &b); /* CB */
        fe64_sq(&a, &a);      /* AA */
        fe64_sq(&b, &b);      /* BB */
        fe64_add(&x3, &d, &c);
        fe64_sq(&x3, &x3);
        fe64_sub(&z3, &d, &c);
        fe64_sq(&z3, &z3);
        fe64_mul(&z3, &z3, &x1);
        fe64_mul(&x2, &a, &b);
        fe64_sub(&d, &a, &b); /* E */
        fe64_mul_a24(&c, &d);
        fe64_add(&c, &c, &a);
        fe64_mul(&z2, &c, &d);
    }
    fe64_cswap(&x2, &x3, swap);
    fe64_cswap(&z2, &z3, swap);
    fe64_tobytes(x2b, &x2);
    fe64_tobytes(z2b, &z2);
    fe64 *all[] = {&x1, &x2, &z2, &x3, &z3, &a, &b, &c, &d};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++)
        avila_wipe(all[i], sizeof(fe64));
}

/* The single operations below take any 256-bit inputs, as the ladder's values are. */
static void fe64_load(fe64 *h, const uint64_t w[4])
{
    for (int i = 0; i < 4; i++)
        h->v[i] = w[i];
}

ADX void avila_fe25519_mul_adx(uint8_t h[32], const uint64_t f[4], const uint64_t g[4])
{
    fe64 a, b;
    fe64_load(&a, f);
    fe64_load(&b, g);
    fe64_mul(&a, &a, &b);
    fe64_tobytes(h, &a);
}

ADX void avila_fe25519_sq_adx(uint8_t h[32], const uint64_t f[4])
{
    fe64 a;
    fe64_load(&a, f);
    fe64_sq(&a, &a);
    fe64_tobytes(h, &a);
}

ADX void avila_fe25519_add_adx(uint8_t h[32], const uint64_t f[4], const uint64_t g[4])
{
    fe64 a, b;
    fe64_load(&a, f);
    fe64_load(&b, g);
    fe64_add(&a, &a, &b);
    fe64_tobytes(h, &a);
}

ADX void avila_fe25519_sub_adx(uint8_t h[32], const uint64_t f[4], const uint64_t g[4])
{
    fe64 a, b;
    fe64_load(&a, f);
    fe64_load(&b, g);
    fe64_sub(&a, &a, &b);
    fe64_tobytes(h, &a);
}

ADX void avila_fe25519_mul_a24_adx(uint8_t h[32], const uint64_t f[4])
{
    fe64 a;
    fe64_load(&a, f);
    fe64_mul_a24(&a, &a);
    fe64_tobytes(h, &a);
}

#endif
