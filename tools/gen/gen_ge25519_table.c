/*
 * tools/gen/gen_ge25519_table.c - generates crypto/ge25519_table.c: the
 * edwards25519 constants d, 2d, sqrt(-1) and the base-point tables described
 * in crypto/ge25519_int.h, from the curve's definition alone (RFC 8032
 * section 5.1: p = 2^255 - 19, d = -121665/121666, B = (x, 4/5) with x
 * even).
 *
 * It shares only the field arithmetic with the library: the group law here
 * is the plain affine addition formula with one inversion per addition,
 * independent of the projective formulas of crypto/ge25519.c, and the tests
 * (tests/crypto/test_ed25519.c) recompute the tables with those formulas
 * and compare.
 *
 * usage: cc -O2 -I. -o gen_ge25519_table tools/gen/gen_ge25519_table.c \
 *          crypto/fe25519.c core/ct.c
 *        ./gen_ge25519_table > crypto/ge25519_table.c && clang-format -i crypto/ge25519_table.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/fe25519_int.h"

/* An affine point. */
struct pt {
    avila_fe25519 x, y;
};

static avila_fe25519 d, d2, sqrtm1;

static void fe_small(avila_fe25519 *h, uint32_t k)
{
    fe_0(h);
    h->v[0] = k;
}

static int fe_equal(const avila_fe25519 *f, const avila_fe25519 *g)
{
    uint8_t a[32], b[32];
    avila_fe25519_tobytes(a, f);
    avila_fe25519_tobytes(b, g);
    return memcmp(a, b, 32) == 0;
}

/* h = f^e for the 256-bit little-endian exponent e (square and multiply). */
static void fe_pow(avila_fe25519 *h, const avila_fe25519 *f, const uint8_t e[32])
{
    avila_fe25519 r;
    fe_1(&r);
    for (int i = 255; i >= 0; i--) {
        fe_sq(&r, &r);
        if ((e[i / 8] >> (i % 8)) & 1)
            fe_mul(&r, &r, f);
    }
    *h = r;
}

/* The little-endian bytes of 2^k - c for k in 8..256, 0 < c < 256. */
static void pow2_minus(uint8_t e[32], int k, int c)
{
    memset(e, 0, 32);
    for (int i = 0; i < k; i++)
        e[i / 8] |= (uint8_t)(1u << (i % 8));
    e[0] = (uint8_t)(0x100 - c);
}

/* h = f1 / f2. */
static void fe_div(avila_fe25519 *h, const avila_fe25519 *f1, const avila_fe25519 *f2)
{
    avila_fe25519 t;
    avila_fe25519_invert(&t, f2);
    fe_mul(h, f1, &t);
}

static void make_constants(void)
{
    avila_fe25519 a, b, t;
    uint8_t e[32];
    fe_small(&a, 121665);
    fe_small(&b, 121666);
    fe_div(&t, &a, &b);
    fe_neg(&d, &t);
    fe_carry(&d);
    fe_add(&d2, &d, &d);
    fe_carry(&d2);
    /* sqrt(-1) = 2^((p-1)/4) since 2 is a non-residue mod p; (p-1)/4 = 2^253 - 5. */
    fe_small(&a, 2);
    pow2_minus(e, 253, 5);
    fe_pow(&sqrtm1, &a, e);
}

/* The square root of a with even low bit; returns 0 if a is not a square. */
static int fe_sqrt(avila_fe25519 *h, const avila_fe25519 *a)
{
    avila_fe25519 x, x2, m;
    uint8_t e[32];
    /* p = 5 mod 8: x = a^((p+3)/8) is a root of a or of -a; (p+3)/8 = 2^252 - 2. */
    pow2_minus(e, 252, 2);
    fe_pow(&x, a, e);
    fe_sq(&x2, &x);
    if (!fe_equal(&x2, a)) {
        fe_mul(&x, &x, &sqrtm1);
        fe_sq(&x2, &x);
        if (!fe_equal(&x2, a))
            return 0;
    }
    if (avila_fe25519_isnegative(&x)) {
        fe_neg(&m, &x);
        fe_carry(&m);
        x = m;
    }
    *h = x;
    return 1;
}

/* The base point: y = 4/5, x = the even root of (y^2 - 1) / (d y^2 + 1). */
static void base_point(struct pt *B)
{
    avila_fe25519 four, five, one, y2, u, v, t;
    fe_small(&four, 4);
    fe_small(&five, 5);
    fe_1(&one);
    fe_div(&B->y, &four, &five);
    fe_sq(&y2, &B->y);
    fe_sub(&u, &y2, &one);
    fe_mul(&v, &d, &y2);
    fe_add(&v, &v, &one);
    fe_div(&t, &u, &v);
    if (!fe_sqrt(&B->x, &t)) {
        fprintf(stderr, "gen_ge25519_table: no base point\n");
        exit(1);
    }
}

/* r = p + q: x3 = (x1 y2 + y1 x2) / (1 + d x1 x2 y1 y2), y3 = (y1 y2 + x1 x2) / (1 - d ...). */
static void pt_add(struct pt *r, const struct pt *p, const struct pt *q)
{
    avila_fe25519 x1y2, y1x2, y1y2, x1x2, k, one, num, den;
    fe_mul(&x1y2, &p->x, &q->y);
    fe_mul(&y1x2, &p->y, &q->x);
    fe_mul(&y1y2, &p->y, &q->y);
    fe_mul(&x1x2, &p->x, &q->x);
    fe_mul(&k, &x1x2, &y1y2);
    fe_mul(&k, &k, &d);
    fe_1(&one);
    fe_add(&num, &x1y2, &y1x2);
    fe_add(&den, &one, &k);
    struct pt s;
    fe_div(&s.x, &num, &den);
    fe_add(&num, &y1y2, &x1x2);
    fe_sub(&den, &one, &k);
    fe_div(&s.y, &num, &den);
    *r = s;
}

/* Prints the canonical residue of f as four little-endian words, comma-separated. */
static void print_fe(const avila_fe25519 *f)
{
    uint8_t s[32];
    avila_fe25519_tobytes(s, f);
    for (size_t i = 0; i < 4; i++)
        printf("%s0x%016llxull", i ? ", " : "", (unsigned long long)avila_load_le64(s + 8 * i));
}

/* Prints p as a precomp entry: y + x, y - x, 2 d x y. */
static void print_precomp(const struct pt *p)
{
    avila_fe25519 ypx, ymx, xy2d;
    fe_add(&ypx, &p->y, &p->x);
    fe_sub(&ymx, &p->y, &p->x);
    fe_mul(&xy2d, &p->x, &p->y);
    fe_mul(&xy2d, &xy2d, &d2);
    printf("{");
    print_fe(&ypx);
    printf(", ");
    print_fe(&ymx);
    printf(", ");
    print_fe(&xy2d);
    printf("},\n");
}

static void print_constant(const char *name, const avila_fe25519 *f)
{
    printf("const uint64_t %s[4] = {", name);
    print_fe(f);
    printf("};\n\n");
}

static void print_base_table(const struct pt *B)
{
    struct pt row = *B; /* 256^i B */
    printf("const uint64_t avila_ge25519_base_table[32][8][AVILA_GE25519_PRECOMP_WORDS] = {\n");
    for (int i = 0; i < 32; i++) {
        struct pt m = row;
        printf("{\n");
        for (int j = 0; j < 8; j++) {
            print_precomp(&m);
            pt_add(&m, &m, &row);
        }
        printf("},\n");
        for (int k = 0; k < 8; k++)
            pt_add(&row, &row, &row);
    }
    printf("};\n\n");
}

static void print_odd_table(const struct pt *B)
{
    struct pt m = *B, twice;
    pt_add(&twice, B, B);
    printf("const uint64_t "
           "avila_ge25519_base_odd[AVILA_GE25519_ODD_COUNT][AVILA_GE25519_PRECOMP_WORDS] = {\n");
    for (int i = 0; i < 64; i++) {
        print_precomp(&m);
        pt_add(&m, &m, &twice);
    }
    printf("};\n");
}

int main(void)
{
    struct pt B;
    make_constants();
    base_point(&B);
    printf("/*\n"
           " * crypto/ge25519_table.c - edwards25519 constants and base-point tables\n"
           " * (RFC 8032 section 5.1), described in crypto/ge25519_int.h.\n"
           " * GENERATED by tools/gen/gen_ge25519_table.c: do not edit; regenerate.\n"
           " */\n"
           "#include \"crypto/ge25519_int.h\"\n\n");
    print_constant("avila_ge25519_d", &d);
    print_constant("avila_ge25519_d2", &d2);
    print_constant("avila_ge25519_sqrtm1", &sqrtm1);
    print_base_table(&B);
    print_odd_table(&B);
    return 0;
}
