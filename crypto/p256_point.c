/*
 * crypto/p256_point.c - the P-256 group (crypto/p256_int.h): the complete
 * projective formulas of Renes, Costello and Batina (EUROCRYPT 2016,
 * algorithms 4, 5 and 6 for a = -3), constant-time scalar multiplication
 * by signed fixed windows (variable point) and by the generated comb table
 * (base point), and the variable-time double multiplication of ECDSA
 * verification (interleaved wNAF). Pure.
 */
#include "crypto/p256_int.h"

/* ------------------------------------------------------------------ formulas */

void avila_p256_point_zero(avila_p256_point *r)
{
    memset(r, 0, sizeof *r);
    r->Y = avila_p256_fe_one;
}

void avila_p256_point_base(avila_p256_point *r)
{
    r->X = avila_p256_base_table[0][0].x;
    r->Y = avila_p256_base_table[0][0].y;
    r->Z = avila_p256_fe_one;
}

uint32_t avila_p256_point_is_zero(const avila_p256_point *p)
{
    return fe_iszero(&p->Z);
}

/* RCB algorithm 4: 12M + 2 m_b, complete. */
void avila_p256_point_add(avila_p256_point *r, const avila_p256_point *p, const avila_p256_point *q)
{
    const avila_p256_fe *b = &avila_p256_fe_b;
    avila_p256_fe t0, t1, t2, t3, t4, X3, Y3, Z3;
    fe_mul(&t0, &p->X, &q->X);
    fe_mul(&t1, &p->Y, &q->Y);
    fe_mul(&t2, &p->Z, &q->Z);
    fe_add(&t3, &p->X, &p->Y);
    fe_add(&t4, &q->X, &q->Y);
    fe_mul(&t3, &t3, &t4);
    fe_add(&t4, &t0, &t1);
    fe_sub(&t3, &t3, &t4);
    fe_add(&t4, &p->Y, &p->Z);
    fe_add(&X3, &q->Y, &q->Z);
    fe_mul(&t4, &t4, &X3);
    fe_add(&X3, &t1, &t2);
    fe_sub(&t4, &t4, &X3);
    fe_add(&X3, &p->X, &p->Z);
    fe_add(&Y3, &q->X, &q->Z);
    fe_mul(&X3, &X3, &Y3);
    fe_add(&Y3, &t0, &t2);
    fe_sub(&Y3, &X3, &Y3);
    fe_mul(&Z3, b, &t2);
    fe_sub(&X3, &Y3, &Z3);
    fe_add(&Z3, &X3, &X3);
    fe_add(&X3, &X3, &Z3);
    fe_sub(&Z3, &t1, &X3);
    fe_add(&X3, &t1, &X3);
    fe_mul(&Y3, b, &Y3);
    fe_add(&t1, &t2, &t2);
    fe_add(&t2, &t1, &t2);
    fe_sub(&Y3, &Y3, &t2);
    fe_sub(&Y3, &Y3, &t0);
    fe_add(&t1, &Y3, &Y3);
    fe_add(&Y3, &t1, &Y3);
    fe_add(&t1, &t0, &t0);
    fe_add(&t0, &t1, &t0);
    fe_sub(&t0, &t0, &t2);
    fe_mul(&t1, &t4, &Y3);
    fe_mul(&t2, &t0, &Y3);
    fe_mul(&Y3, &X3, &Z3);
    fe_add(&Y3, &Y3, &t2);
    fe_mul(&X3, &t3, &X3);
    fe_sub(&X3, &X3, &t1);
    fe_mul(&Z3, &t4, &Z3);
    fe_mul(&t1, &t3, &t0);
    fe_add(&Z3, &Z3, &t1);
    r->X = X3;
    r->Y = Y3;
    r->Z = Z3;
}

/* RCB algorithm 5: p projective (infinity allowed), q affine (never infinity). */
void avila_p256_point_add_affine(avila_p256_point *r, const avila_p256_point *p,
                                 const avila_p256_affine *q)
{
    const avila_p256_fe *b = &avila_p256_fe_b;
    avila_p256_fe t0, t1, t2, t3, t4, X3, Y3, Z3;
    fe_mul(&t0, &p->X, &q->x);
    fe_mul(&t1, &p->Y, &q->y);
    fe_add(&t3, &q->x, &q->y);
    fe_add(&t4, &p->X, &p->Y);
    fe_mul(&t3, &t3, &t4);
    fe_add(&t4, &t0, &t1);
    fe_sub(&t3, &t3, &t4);
    fe_mul(&t4, &q->y, &p->Z);
    fe_add(&t4, &t4, &p->Y);
    fe_mul(&Y3, &q->x, &p->Z);
    fe_add(&Y3, &Y3, &p->X);
    fe_mul(&Z3, b, &p->Z);
    fe_sub(&X3, &Y3, &Z3);
    fe_add(&Z3, &X3, &X3);
    fe_add(&X3, &X3, &Z3);
    fe_sub(&Z3, &t1, &X3);
    fe_add(&X3, &t1, &X3);
    fe_mul(&Y3, b, &Y3);
    fe_add(&t1, &p->Z, &p->Z);
    fe_add(&t2, &t1, &p->Z);
    fe_sub(&Y3, &Y3, &t2);
    fe_sub(&Y3, &Y3, &t0);
    fe_add(&t1, &Y3, &Y3);
    fe_add(&Y3, &t1, &Y3);
    fe_add(&t1, &t0, &t0);
    fe_add(&t0, &t1, &t0);
    fe_sub(&t0, &t0, &t2);
    fe_mul(&t1, &t4, &Y3);
    fe_mul(&t2, &t0, &Y3);
    fe_mul(&Y3, &X3, &Z3);
    fe_add(&Y3, &Y3, &t2);
    fe_mul(&X3, &t3, &X3);
    fe_sub(&X3, &X3, &t1);
    fe_mul(&Z3, &t4, &Z3);
    fe_mul(&t1, &t3, &t0);
    fe_add(&Z3, &Z3, &t1);
    r->X = X3;
    r->Y = Y3;
    r->Z = Z3;
}

/* RCB algorithm 6: 8M + 3S + 2 m_b, complete. */
void avila_p256_point_dbl(avila_p256_point *r, const avila_p256_point *p)
{
    const avila_p256_fe *b = &avila_p256_fe_b;
    avila_p256_fe t0, t1, t2, t3, X3, Y3, Z3;
    fe_sq(&t0, &p->X);
    fe_sq(&t1, &p->Y);
    fe_sq(&t2, &p->Z);
    fe_mul(&t3, &p->X, &p->Y);
    fe_add(&t3, &t3, &t3);
    fe_mul(&Z3, &p->X, &p->Z);
    fe_add(&Z3, &Z3, &Z3);
    fe_mul(&Y3, b, &t2);
    fe_sub(&Y3, &Y3, &Z3);
    fe_add(&X3, &Y3, &Y3);
    fe_add(&Y3, &X3, &Y3);
    fe_sub(&X3, &t1, &Y3);
    fe_add(&Y3, &t1, &Y3);
    fe_mul(&Y3, &X3, &Y3);
    fe_mul(&X3, &X3, &t3);
    fe_add(&t3, &t2, &t2);
    fe_add(&t2, &t2, &t3);
    fe_mul(&Z3, b, &Z3);
    fe_sub(&Z3, &Z3, &t2);
    fe_sub(&Z3, &Z3, &t0);
    fe_add(&t3, &Z3, &Z3);
    fe_add(&Z3, &Z3, &t3);
    fe_add(&t3, &t0, &t0);
    fe_add(&t0, &t3, &t0);
    fe_sub(&t0, &t0, &t2);
    fe_mul(&t0, &t0, &Z3);
    fe_add(&Y3, &Y3, &t0);
    fe_mul(&t0, &p->Y, &p->Z);
    fe_add(&t0, &t0, &t0);
    fe_mul(&Z3, &t0, &Z3);
    fe_sub(&X3, &X3, &Z3);
    fe_mul(&Z3, &t0, &t1);
    fe_add(&Z3, &Z3, &Z3);
    fe_add(&Z3, &Z3, &Z3);
    r->X = X3;
    r->Y = Y3;
    r->Z = Z3;
}

void avila_p256_point_to_affine(avila_p256_affine *a, const avila_p256_point *p)
{
    avila_p256_fe zi;
    avila_p256_fe_invert(&zi, &p->Z);
    fe_mul(&a->x, &p->X, &zi);
    fe_mul(&a->y, &p->Y, &zi);
    avila_wipe(&zi, sizeof zi);
}

uint32_t avila_p256_on_curve(const avila_p256_fe *x, const avila_p256_fe *y)
{
    avila_p256_fe lhs, rhs, t;
    fe_sq(&lhs, y);
    fe_sq(&rhs, x);
    fe_mul(&rhs, &rhs, x); /* x^3 */
    fe_add(&t, x, x);
    fe_add(&t, &t, x);
    fe_sub(&rhs, &rhs, &t);
    fe_add(&rhs, &rhs, &avila_p256_fe_b);
    return fe_equal(&lhs, &rhs);
}

/* ------------------------------------------------------------------ constant-time multiplication
 */

/*
 * The w bits of k (plain words, k[4] included when the caller has a fifth
 * word: words MUST be 4 or 5) starting at bit pos; bits past the last word
 * read as 0. pos is public.
 */
static uint32_t window_bits_n(const uint64_t *k, unsigned words, unsigned pos, unsigned w)
{
    unsigned word = pos / 64, shift = pos % 64;
    uint64_t v = word < words ? k[word] >> shift : 0;
    if (shift + w > 64 && word + 1 < words)
        v |= k[word + 1] << (64 - shift);
    return (uint32_t)v & ((1u << w) - 1);
}

/* 1 if a == b for small public-or-secret values, without a branch. */
static uint32_t eq_small(uint32_t a, uint32_t b)
{
    return avila_ct_eq_u32(a, b);
}

/* p->Y = -p->Y if neg is 1. */
static void cneg_y(avila_p256_fe *y, uint32_t neg)
{
    avila_p256_fe n;
    fe_neg(&n, y);
    fe_cmov(y, &n, neg);
}

/*
 * Jacobian doubling (x = X/Z^2, y = Y/Z^3), "dbl-2001-b" of Bernstein and
 * Lange's Explicit-Formulas Database for a = -3: 3M + 5S, no branch. P-256
 * has no point of order 2, so the only exceptional input is infinity, which
 * the callers rule out (see avila_p256_scalarmult).
 */
static void jac_dbl(avila_p256_point *r, const avila_p256_point *p)
{
    avila_p256_fe delta, gamma, beta, alpha, t, u;
    fe_sq(&delta, &p->Z);
    fe_sq(&gamma, &p->Y);
    fe_mul(&beta, &p->X, &gamma);
    fe_sub(&t, &p->X, &delta);
    fe_add(&u, &p->X, &delta);
    fe_mul(&alpha, &t, &u);
    fe_add(&t, &alpha, &alpha);
    fe_add(&alpha, &alpha, &t); /* 3 (X - delta)(X + delta) */
    fe_add(&t, &p->Y, &p->Z);
    fe_sq(&t, &t);
    fe_sub(&t, &t, &gamma);
    fe_sub(&r->Z, &t, &delta); /* (Y + Z)^2 - gamma - delta = 2 Y Z */
    fe_add(&beta, &beta, &beta);
    fe_add(&beta, &beta, &beta); /* 4 beta */
    fe_sq(&t, &alpha);
    fe_add(&u, &beta, &beta);
    fe_sub(&r->X, &t, &u); /* alpha^2 - 8 beta */
    fe_sub(&t, &beta, &r->X);
    fe_mul(&t, &alpha, &t);
    fe_sq(&gamma, &gamma);
    fe_add(&gamma, &gamma, &gamma);
    fe_add(&gamma, &gamma, &gamma);
    fe_add(&gamma, &gamma, &gamma); /* 8 gamma^2 */
    fe_sub(&r->Y, &t, &gamma);
}

/* Homogeneous (X : Y : Z) to Jacobian (X Z, Y Z^2, Z), and back: (X Z, Y, Z^3). */
static void homog_to_jac(avila_p256_point *r, const avila_p256_point *p)
{
    avila_p256_fe z2;
    fe_sq(&z2, &p->Z);
    fe_mul(&r->X, &p->X, &p->Z);
    fe_mul(&r->Y, &p->Y, &z2);
    r->Z = p->Z;
}

static void jac_to_homog(avila_p256_point *r, const avila_p256_point *p)
{
    avila_p256_fe z2;
    fe_sq(&z2, &p->Z);
    fe_mul(&r->X, &p->X, &p->Z);
    r->Y = p->Y;
    fe_mul(&r->Z, &z2, &p->Z);
}

/* t = |d| P from tab (tab[i] = (i + 1) P), infinity for 0, negated for d < 0; constant time. */
static void lookup16(avila_p256_point *t, const avila_p256_point tab[16], uint32_t d)
{
    uint32_t neg = d >> 31;
    uint32_t abs = (d ^ (0u - neg)) + neg;
    avila_p256_point_zero(t);
    for (uint32_t j = 1; j <= 16; j++) {
        uint32_t hit = eq_small(abs, j);
        fe_cmov(&t->X, &tab[j - 1].X, hit);
        fe_cmov(&t->Y, &tab[j - 1].Y, hit);
        fe_cmov(&t->Z, &tab[j - 1].Z, hit);
    }
    cneg_y(&t->Y, neg);
}

#define W5_DIGITS 52 /* ceil(257 / 5): the top digit covers bits 255..259 */

void avila_p256_scalarmult(avila_p256_point *r, const uint64_t k[4], const avila_p256_point *p)
{
    static const uint64_t n[4] = {P256_N0, P256_N1, P256_N2, P256_N3};
    avila_p256_point tab[16], acc, t;
    int32_t digit[W5_DIGITS];
    uint64_t e[5];
    /*
     * Work on e = k + n (same point, as n P = O): e is in [n, 2n), so its
     * top digit is never 0, and for k < n every partial sum of the windows
     * is a multiple m P with 0 < m < n. The accumulator is then never
     * infinity when it is doubled, which the Jacobian doubling needs.
     */
    uint64_t c = 0;
    for (int i = 0; i < 4; i++)
        e[i] = p256_adc(k[i], n[i], &c);
    e[4] = c;
    /* tab[i] = (i + 1) P */
    tab[0] = *p;
    avila_p256_point_dbl(&tab[1], p);
    for (int i = 2; i < 16; i++)
        avila_p256_point_add(&tab[i], &tab[i - 1], p);
    /* Signed windows: digits in [-15, 16], the top one in [1, 4]. */
    uint32_t carry = 0;
    for (int i = 0; i < W5_DIGITS; i++) {
        uint32_t v = window_bits_n(e, 5, (unsigned)(5 * i), 5) + carry;
        carry = (16 - v) >> 31;
        digit[i] = (int32_t)v - (int32_t)(carry << 5);
    }
    lookup16(&acc, tab, (uint32_t)digit[W5_DIGITS - 1]);
    for (int i = W5_DIGITS - 2; i >= 0; i--) {
        homog_to_jac(&t, &acc);
        for (int s = 0; s < 5; s++)
            jac_dbl(&t, &t);
        jac_to_homog(&acc, &t);
        lookup16(&t, tab, (uint32_t)digit[i]);
        avila_p256_point_add(&acc, &acc, &t);
    }
    *r = acc;
    avila_wipe(tab, sizeof tab);
    avila_wipe(&acc, sizeof acc);
    avila_wipe(&t, sizeof t);
    avila_wipe(digit, sizeof digit);
    avila_wipe(e, sizeof e);
}

void avila_p256_scalarmult_base(avila_p256_point *r, const uint64_t k[4])
{
    static const uint64_t n[4] = {P256_N0, P256_N1, P256_N2, P256_N3};
    uint64_t e[4], m[4], borrow = 0;
    /*
     * The radix-16 recoding needs e < 2^255 so the top digit stays <= 8:
     * with k >= 2^255 use n - k (< 2^255, as n < 2^256) and negate the result.
     */
    uint32_t flip = (uint32_t)(k[3] >> 63);
    for (int i = 0; i < 4; i++) {
        p256_u128 x = (p256_u128)n[i] - k[i] - borrow;
        m[i] = (uint64_t)x;
        borrow = (uint64_t)(x >> 64) & 1;
    }
    for (int i = 0; i < 4; i++)
        e[i] = avila_ct_select_u64(flip, m[i], k[i]);

    avila_p256_point acc, sum;
    avila_p256_affine t;
    avila_p256_point_zero(&acc);
    uint32_t carry = 0;
    for (int i = 0; i < AVILA_P256_BASE_ROWS; i++) {
        uint32_t v = window_bits_n(e, 4, (unsigned)(4 * i), 4) + carry;
        carry = (8 - v) >> 31;
        uint32_t d = v - (carry << 4); /* in [-8, 8] as a two's complement uint32_t */
        uint32_t neg = d >> 31;
        uint32_t abs = (d ^ (0u - neg)) + neg;
        t = avila_p256_base_table[i][0];
        for (uint32_t j = 2; j <= AVILA_P256_BASE_COLS; j++) {
            uint32_t hit = eq_small(abs, j);
            fe_cmov(&t.x, &avila_p256_base_table[i][j - 1].x, hit);
            fe_cmov(&t.y, &avila_p256_base_table[i][j - 1].y, hit);
        }
        cneg_y(&t.y, neg);
        avila_p256_point_add_affine(&sum, &acc, &t);
        /* A zero digit adds nothing: keep acc. */
        uint32_t keep = eq_small(abs, 0) ^ 1;
        fe_cmov(&acc.X, &sum.X, keep);
        fe_cmov(&acc.Y, &sum.Y, keep);
        fe_cmov(&acc.Z, &sum.Z, keep);
    }
    cneg_y(&acc.Y, flip);
    *r = acc;
    avila_wipe(e, sizeof e);
    avila_wipe(m, sizeof m);
    avila_wipe(&acc, sizeof acc);
    avila_wipe(&sum, sizeof sum);
    avila_wipe(&t, sizeof t);
}

/* ------------------------------------------------------------------ variable time (public inputs)
 */

/*
 * Width-w NAF of the public k: naf[i] in {0, +-1, +-3, ..., +-(2^(w-1) - 1)}, at most
 * one non-zero digit in any w consecutive ones. Returns the number of digits.
 */
static int wnaf_vartime(int8_t naf[257], const uint64_t k[4], int w)
{
    uint64_t x[5] = {k[0], k[1], k[2], k[3], 0};
    const int64_t full = (int64_t)1 << w, half = full >> 1;
    int len = 0;
    memset(naf, 0, 257);
    while ((x[0] | x[1] | x[2] | x[3] | x[4]) != 0) {
        int64_t d = 0;
        if (x[0] & 1) {
            d = (int64_t)(x[0] & (uint64_t)(full - 1));
            if (d >= half)
                d -= full;
            /* x -= d: a positive d only clears low bits; a negative one carries up. */
            if (d > 0) {
                x[0] -= (uint64_t)d;
            } else {
                uint64_t add = (uint64_t)(-d);
                for (int i = 0; i < 5 && add != 0; i++) {
                    x[i] += add;
                    add = x[i] < add;
                }
            }
        }
        naf[len++] = (int8_t)d;
        for (int i = 0; i < 4; i++)
            x[i] = x[i] >> 1 | x[i + 1] << 63;
        x[4] >>= 1;
    }
    return len;
}

/*
 * Variable-time Jacobian additions for verification. A point with Z = 0 is
 * infinity. jac_add_affine: r = p + (x, y) (madd, 8M + 3S);
 * jac_add: r = p + q (add-2007-bl without the Z tricks, 12M + 4S). Both
 * branch on the equal / opposite cases, which is fine on public data.
 */
static void jac_add_affine_vartime(avila_p256_point *r, const avila_p256_point *p,
                                   const avila_p256_fe *x, const avila_p256_fe *y)
{
    avila_p256_fe z1z1, u2, s2, h, rr, hh, hhh, v, t;
    if (fe_iszero(&p->Z)) {
        r->X = *x;
        r->Y = *y;
        r->Z = avila_p256_fe_one;
        return;
    }
    fe_sq(&z1z1, &p->Z);
    fe_mul(&u2, x, &z1z1);
    fe_mul(&s2, y, &p->Z);
    fe_mul(&s2, &s2, &z1z1);
    fe_sub(&h, &u2, &p->X);
    fe_sub(&rr, &s2, &p->Y);
    if (fe_iszero(&h)) {
        if (fe_iszero(&rr)) {
            jac_dbl(r, p);
        } else {
            memset(r, 0, sizeof *r);
            r->X = r->Y = avila_p256_fe_one;
        }
        return;
    }
    fe_sq(&hh, &h);
    fe_mul(&hhh, &h, &hh);
    fe_mul(&v, &p->X, &hh);
    fe_mul(&r->Z, &p->Z, &h);
    fe_sq(&t, &rr);
    fe_sub(&t, &t, &hhh);
    fe_sub(&t, &t, &v);
    fe_sub(&t, &t, &v); /* X3 = R^2 - HHH - 2V */
    fe_sub(&v, &v, &t);
    fe_mul(&v, &rr, &v);
    fe_mul(&hhh, &p->Y, &hhh);
    fe_sub(&r->Y, &v, &hhh); /* Y3 = R (V - X3) - Y1 HHH */
    r->X = t;
}

static void jac_add_vartime(avila_p256_point *r, const avila_p256_point *p,
                            const avila_p256_point *q)
{
    avila_p256_fe z1z1, z2z2, u1, u2, s1, s2, h, rr, hh, hhh, v, t;
    if (fe_iszero(&p->Z)) {
        *r = *q;
        return;
    }
    if (fe_iszero(&q->Z)) {
        *r = *p;
        return;
    }
    fe_sq(&z1z1, &p->Z);
    fe_sq(&z2z2, &q->Z);
    fe_mul(&u1, &p->X, &z2z2);
    fe_mul(&u2, &q->X, &z1z1);
    fe_mul(&s1, &p->Y, &q->Z);
    fe_mul(&s1, &s1, &z2z2);
    fe_mul(&s2, &q->Y, &p->Z);
    fe_mul(&s2, &s2, &z1z1);
    fe_sub(&h, &u2, &u1);
    fe_sub(&rr, &s2, &s1);
    if (fe_iszero(&h)) {
        if (fe_iszero(&rr)) {
            jac_dbl(r, p);
        } else {
            memset(r, 0, sizeof *r);
            r->X = r->Y = avila_p256_fe_one;
        }
        return;
    }
    fe_sq(&hh, &h);
    fe_mul(&hhh, &h, &hh);
    fe_mul(&v, &u1, &hh);
    fe_mul(&t, &p->Z, &q->Z);
    fe_mul(&r->Z, &t, &h);
    fe_sq(&t, &rr);
    fe_sub(&t, &t, &hhh);
    fe_sub(&t, &t, &v);
    fe_sub(&t, &t, &v);
    fe_sub(&v, &v, &t);
    fe_mul(&v, &rr, &v);
    fe_mul(&hhh, &s1, &hhh);
    fe_sub(&r->Y, &v, &hhh);
    r->X = t;
}

void avila_p256_double_scalarmult_vartime(avila_p256_point *r, const uint64_t a[4],
                                          const uint64_t b[4], const avila_p256_point *q)
{
    int8_t na[257], nb[257];
    avila_p256_point tab[8], q2, acc, jq;
    int la = wnaf_vartime(na, a, 7), lb = wnaf_vartime(nb, b, 5);
    /* Jacobian odd multiples of Q (from homogeneous q). */
    homog_to_jac(&jq, q);
    tab[0] = jq;
    jac_dbl(&q2, &jq);
    for (int i = 1; i < 8; i++)
        jac_add_vartime(&tab[i], &tab[i - 1], &q2);
    memset(&acc, 0, sizeof acc);
    acc.X = acc.Y = avila_p256_fe_one; /* infinity: Z = 0 */
    int started = 0;
    for (int i = (la > lb ? la : lb) - 1; i >= 0; i--) {
        if (started)
            jac_dbl(&acc, &acc);
        if (na[i] != 0) {
            const avila_p256_affine *g = &avila_p256_base_odd[(na[i] < 0 ? -na[i] : na[i]) / 2];
            avila_p256_fe y = g->y;
            if (na[i] < 0)
                fe_neg(&y, &y);
            jac_add_affine_vartime(&acc, &acc, &g->x, &y);
            started = 1;
        }
        if (nb[i] != 0) {
            avila_p256_point t = tab[(nb[i] < 0 ? -nb[i] : nb[i]) / 2];
            if (nb[i] < 0)
                fe_neg(&t.Y, &t.Y);
            jac_add_vartime(&acc, &acc, &t);
            started = 1;
        }
    }
    /* Back to homogeneous coordinates; infinity stays Z = 0. */
    jac_to_homog(r, &acc);
}
