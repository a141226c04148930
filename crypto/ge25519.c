/*
 * crypto/ge25519.c - the edwards25519 group (RFC 8032 sections 5.1.2-5.1.4)
 * and arithmetic mod its order L (section 5.1.6-5.1.7), for Ed25519 and for
 * X25519's fixed-base multiplication. Formulas: Hisil, Wong, Carter,
 * Dawson, "Twisted Edwards curves revisited", ASIACRYPT 2008, section 3.1
 * ("dbl-2008-hwcd") and 3.2 ("add-2008-hwcd-3", a = -1, k = 2d); they are
 * complete on this curve (d is not a square), so no input is exceptional.
 * Scalars mod L use Barrett reduction (Menezes, van Oorschot, Vanstone,
 * "Handbook of Applied Cryptography", algorithm 14.42) on 64-bit words.
 * Pure; constant time unless a name says _vartime.
 */
#include "crypto/ge25519_int.h"

#include "core/error.h"

/* ------------------------------------------------------------------ conversions */

static void fe_load(avila_fe25519 *h, const uint64_t w[4])
{
    fe_fromwords(h, w[0], w[1], w[2], w[3]);
}

void avila_ge25519_p3_0(avila_ge25519_p3 *h)
{
    fe_0(&h->X);
    fe_1(&h->Y);
    fe_1(&h->Z);
    fe_0(&h->T);
}

static void p2_0(avila_ge25519_p2 *h)
{
    fe_0(&h->X);
    fe_1(&h->Y);
    fe_1(&h->Z);
}

static void p3_to_p2(avila_ge25519_p2 *r, const avila_ge25519_p3 *p)
{
    r->X = p->X;
    r->Y = p->Y;
    r->Z = p->Z;
}

/* x = X/Z and y = Y/T become X T / Z T and Y Z / Z T. */
static void p1p1_to_p2(avila_ge25519_p2 *r, const avila_ge25519_p1p1 *p)
{
    fe_mul(&r->X, &p->X, &p->T);
    fe_mul(&r->Y, &p->Y, &p->Z);
    fe_mul(&r->Z, &p->Z, &p->T);
}

static void p1p1_to_p3(avila_ge25519_p3 *r, const avila_ge25519_p1p1 *p)
{
    fe_mul(&r->X, &p->X, &p->T);
    fe_mul(&r->Y, &p->Y, &p->Z);
    fe_mul(&r->Z, &p->Z, &p->T);
    fe_mul(&r->T, &p->X, &p->Y);
}

static void p3_to_cached(avila_ge25519_cached *r, const avila_ge25519_p3 *p)
{
    avila_fe25519 d2;
    fe_load(&d2, avila_ge25519_d2);
    fe_add(&r->ypx, &p->Y, &p->X);
    fe_sub(&r->ymx, &p->Y, &p->X);
    r->Z = p->Z;
    fe_mul(&r->T2d, &p->T, &d2);
}

static void precomp_load(avila_ge25519_precomp *r, const uint64_t w[AVILA_GE25519_PRECOMP_WORDS])
{
    fe_load(&r->ypx, w);
    fe_load(&r->ymx, w + 4);
    fe_load(&r->xy2d, w + 8);
}

/* ------------------------------------------------------------------ doubling and addition */

/*
 * r = 2 p. With A = X^2, B = Y^2, C = 2 Z^2, S = (X + Y)^2, dbl-2008-hwcd
 * (a = -1) gives x = E/G, y = H/F for E = S - A - B, G = B - A,
 * H = -A - B, F = G - C; all four are negated here to keep the
 * subtractions' right operands tight.
 */
static void p2_dbl(avila_ge25519_p1p1 *r, const avila_ge25519_p2 *p)
{
    avila_fe25519 a, b, c, s;
    fe_sq(&a, &p->X);
    fe_sq(&b, &p->Y);
    fe_sq(&c, &p->Z);
    fe_add(&c, &c, &c);
    fe_add(&s, &p->X, &p->Y);
    fe_sq(&s, &s);
    fe_add(&r->Y, &a, &b);
    fe_sub(&r->X, &r->Y, &s);
    fe_sub(&r->Z, &a, &b);
    fe_add(&r->T, &c, &r->Z);
}

static void p3_dbl(avila_ge25519_p1p1 *r, const avila_ge25519_p3 *p)
{
    avila_ge25519_p2 q;
    p3_to_p2(&q, p);
    p2_dbl(r, &q);
}

/*
 * The shared tail of every addition (add-2008-hwcd-3): from
 * a = (Y1 - X1)(Y2 - X2), b = (Y1 + X1)(Y2 + X2), c = 2 d T1 T2 and
 * dd = 2 Z1 Z2, x = (b - a)/(dd + c) and y = (b + a)/(dd - c). Subtracting
 * q instead of adding it swaps the roles of (Y2 + X2, Y2 - X2) and the sign
 * of c, which the callers express through sub.
 */
static void add_tail(avila_ge25519_p1p1 *r, const avila_fe25519 *a, const avila_fe25519 *b,
                     const avila_fe25519 *c, const avila_fe25519 *dd, int sub)
{
    fe_sub(&r->X, b, a);
    fe_add(&r->Y, b, a);
    if (sub) {
        fe_sub(&r->Z, dd, c);
        fe_add(&r->T, dd, c);
    } else {
        fe_add(&r->Z, dd, c);
        fe_sub(&r->T, dd, c);
    }
}

/* r = p + q, or p - q when sub is 1 (sub is a public flag). */
static void add_cached(avila_ge25519_p1p1 *r, const avila_ge25519_p3 *p,
                       const avila_ge25519_cached *q, int sub)
{
    avila_fe25519 a, b, c, dd;
    fe_sub(&a, &p->Y, &p->X);
    fe_mul(&a, &a, sub ? &q->ypx : &q->ymx);
    fe_add(&b, &p->Y, &p->X);
    fe_mul(&b, &b, sub ? &q->ymx : &q->ypx);
    fe_mul(&c, &p->T, &q->T2d);
    fe_mul(&dd, &p->Z, &q->Z);
    fe_add(&dd, &dd, &dd);
    add_tail(r, &a, &b, &c, &dd, sub);
}

/* r = p + q, or p - q when sub is 1, for an affine q (Z2 = 1). */
static void add_precomp(avila_ge25519_p1p1 *r, const avila_ge25519_p3 *p,
                        const avila_ge25519_precomp *q, int sub)
{
    avila_fe25519 a, b, c, dd;
    fe_sub(&a, &p->Y, &p->X);
    fe_mul(&a, &a, sub ? &q->ypx : &q->ymx);
    fe_add(&b, &p->Y, &p->X);
    fe_mul(&b, &b, sub ? &q->ymx : &q->ypx);
    fe_mul(&c, &p->T, &q->xy2d);
    fe_add(&dd, &p->Z, &p->Z);
    add_tail(r, &a, &b, &c, &dd, sub);
}

void avila_ge25519_add(avila_ge25519_p3 *r, const avila_ge25519_p3 *p, const avila_ge25519_p3 *q)
{
    avila_ge25519_cached qc;
    avila_ge25519_p1p1 t;
    p3_to_cached(&qc, q);
    add_cached(&t, p, &qc, 0);
    p1p1_to_p3(r, &t);
}

void avila_ge25519_dbl(avila_ge25519_p3 *r, const avila_ge25519_p3 *p)
{
    avila_ge25519_p1p1 t;
    p3_dbl(&t, p);
    p1p1_to_p3(r, &t);
}

void avila_ge25519_neg(avila_ge25519_p3 *h, const avila_ge25519_p3 *p)
{
    fe_neg(&h->X, &p->X);
    fe_carry(&h->X);
    h->Y = p->Y;
    h->Z = p->Z;
    fe_neg(&h->T, &p->T);
    fe_carry(&h->T);
}

/* ------------------------------------------------------------------ encoding */

void avila_ge25519_base(avila_ge25519_p3 *h)
{
    avila_ge25519_precomp b;
    precomp_load(&b, avila_ge25519_base_table[0][0]);
    /* y = ((y + x) + (y - x)) / 2, x = ((y + x) - (y - x)) / 2, so keep Z = 2. */
    fe_add(&h->Y, &b.ypx, &b.ymx);
    fe_carry(&h->Y);
    fe_sub(&h->X, &b.ypx, &b.ymx);
    fe_carry(&h->X);
    fe_1(&h->Z);
    fe_add(&h->Z, &h->Z, &h->Z);
    fe_mul(&h->T, &h->X, &h->Y);
    fe_mul(&h->X, &h->X, &h->Z);
    fe_mul(&h->Y, &h->Y, &h->Z);
    fe_sq(&h->Z, &h->Z);
}

static void encode(uint8_t s[32], const avila_fe25519 *X, const avila_fe25519 *Y,
                   const avila_fe25519 *Z)
{
    avila_fe25519 recip, x, y;
    avila_fe25519_invert(&recip, Z);
    fe_mul(&x, X, &recip);
    fe_mul(&y, Y, &recip);
    avila_fe25519_tobytes(s, &y);
    s[31] = (uint8_t)(s[31] | avila_fe25519_isnegative(&x) << 7);
    avila_wipe(&recip, sizeof recip);
    avila_wipe(&x, sizeof x);
    avila_wipe(&y, sizeof y);
}

void avila_ge25519_tobytes(uint8_t s[32], const avila_ge25519_p3 *p)
{
    encode(s, &p->X, &p->Y, &p->Z);
}

void avila_ge25519_p2_tobytes(uint8_t s[32], const avila_ge25519_p2 *p)
{
    encode(s, &p->X, &p->Y, &p->Z);
}

void avila_ge25519_to_precomp_words(uint64_t w[AVILA_GE25519_PRECOMP_WORDS],
                                    const avila_ge25519_p3 *p)
{
    avila_fe25519 recip, x, y, f[3];
    uint8_t s[32];
    avila_fe25519_invert(&recip, &p->Z);
    fe_mul(&x, &p->X, &recip);
    fe_mul(&y, &p->Y, &recip);
    fe_add(&f[0], &y, &x);
    fe_sub(&f[1], &y, &x);
    fe_load(&f[2], avila_ge25519_d2);
    fe_mul(&f[2], &f[2], &x);
    fe_mul(&f[2], &f[2], &y);
    for (size_t i = 0; i < 3; i++) {
        avila_fe25519_tobytes(s, &f[i]);
        for (size_t j = 0; j < 4; j++)
            w[4 * i + j] = avila_load_le64(s + 8 * j);
    }
}

/*
 * RFC 8032 section 5.1.3: x^2 = u/v with u = y^2 - 1, v = d y^2 + 1, and
 * the candidate root x = u v^3 (u v^7)^((p-5)/8); if v x^2 = -u the root is
 * x sqrt(-1), if it is neither u nor -u there is none.
 */
int avila_ge25519_frombytes(avila_ge25519_p3 *h, const uint8_t s[32])
{
    avila_fe25519 one, u, v, v3, x, vx2, t;
    uint8_t canon[32], top[32];
    uint32_t sign = s[31] >> 7;

    fe_frombytes(&h->Y, s);
    avila_fe25519_tobytes(canon, &h->Y);
    memcpy(top, s, 32);
    top[31] &= 0x7f;
    uint32_t ok = avila_ct_memeq(canon, top, 32); /* y < p */

    fe_1(&one);
    fe_sq(&u, &h->Y);
    fe_load(&v, avila_ge25519_d);
    fe_mul(&v, &v, &u);
    fe_add(&v, &v, &one);
    fe_sub(&u, &u, &one);
    fe_carry(&u);

    fe_sq(&v3, &v);
    fe_mul(&v3, &v3, &v); /* v^3 */
    fe_sq(&x, &v3);
    fe_mul(&x, &x, &v);
    fe_mul(&x, &x, &u); /* u v^7 */
    avila_fe25519_pow22523(&x, &x);
    fe_mul(&x, &x, &v3);
    fe_mul(&x, &x, &u);

    fe_sq(&vx2, &x);
    fe_mul(&vx2, &vx2, &v);
    fe_sub(&t, &vx2, &u);
    uint32_t root = avila_fe25519_iszero(&t);
    fe_add(&t, &vx2, &u);
    uint32_t flipped = avila_fe25519_iszero(&t);
    fe_load(&t, avila_ge25519_sqrtm1);
    fe_mul(&t, &t, &x);
    fe_cmov(&x, &t, flipped);
    ok &= root | flipped;
    /* x = 0 has one encoding only: sign bit 0. */
    ok &= ~(avila_fe25519_iszero(&x) & sign) & 1;

    fe_neg(&t, &x);
    fe_carry(&t);
    fe_cmov(&x, &t, avila_fe25519_isnegative(&x) ^ sign);
    h->X = x;
    fe_1(&h->Z);
    fe_mul(&h->T, &h->X, &h->Y);
    return ok ? 0 : AVILA_EFORMAT;
}

/* ------------------------------------------------------------------ fixed-base multiplication */

/*
 * t = b 16^(2 pos) B for a digit b in [-8, 8]: reads all eight entries of
 * the row and keeps the wanted one with masks, then negates it with masks
 * (-(x, y) = (-x, y) swaps y + x and y - x and negates 2dxy).
 */
static void select_base(avila_ge25519_precomp *t, int pos, int8_t b)
{
    uint32_t neg = (uint32_t)(int32_t)b >> 31;
    uint32_t babs = ((uint32_t)(int32_t)b ^ (0u - neg)) + neg;
    /* Digit 0 selects the neutral element: y + x = y - x = 1, 2dxy = 0. */
    uint64_t w[AVILA_GE25519_PRECOMP_WORDS] = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    for (uint32_t j = 0; j < 8; j++) {
        uint64_t mask = avila_ct_mask_u64(avila_ct_eq_u32(babs, j + 1));
        const uint64_t *e = avila_ge25519_base_table[pos][j];
        for (int k = 0; k < AVILA_GE25519_PRECOMP_WORDS; k++)
            w[k] ^= mask & (w[k] ^ e[k]);
    }
    precomp_load(t, w);
    avila_fe25519 m;
    fe_cswap(&t->ypx, &t->ymx, neg);
    fe_neg(&m, &t->xy2d);
    fe_cmov(&t->xy2d, &m, neg);
    avila_wipe(w, sizeof w);
    avila_wipe(&m, sizeof m);
}

/*
 * Recodes a (a[31] <= 127) into 64 signed radix-16 digits e[i] in [-8, 8),
 * e[63] in [0, 8], a = sum e[i] 16^i, without branches.
 */
static void recode16(int8_t e[64], const uint8_t a[32])
{
    for (size_t i = 0; i < 32; i++) {
        e[2 * i] = (int8_t)(a[i] & 15);
        e[2 * i + 1] = (int8_t)(a[i] >> 4);
    }
    int carry = 0;
    for (int i = 0; i < 63; i++) {
        int d = e[i] + carry;
        carry = (d + 8) >> 4;
        e[i] = (int8_t)(d - carry * 16);
    }
    e[63] = (int8_t)(e[63] + carry);
}

/*
 * a B = sum e[i] 16^i B: the odd digits first (rows hold 16^(2k) multiples),
 * times 16 by four doublings, then the even digits.
 */
void avila_ge25519_scalarmult_base(avila_ge25519_p3 *h, const uint8_t a[32])
{
    int8_t e[64];
    avila_ge25519_precomp t;
    avila_ge25519_p1p1 r;
    avila_ge25519_p2 s;

    recode16(e, a);
    avila_ge25519_p3_0(h);
    for (int i = 1; i < 64; i += 2) {
        select_base(&t, i / 2, e[i]);
        add_precomp(&r, h, &t, 0);
        p1p1_to_p3(h, &r);
    }
    p3_dbl(&r, h);
    for (int i = 0; i < 3; i++) {
        p1p1_to_p2(&s, &r);
        p2_dbl(&r, &s);
    }
    p1p1_to_p3(h, &r);
    for (int i = 0; i < 64; i += 2) {
        select_base(&t, i / 2, e[i]);
        add_precomp(&r, h, &t, 0);
        p1p1_to_p3(h, &r);
    }
    avila_wipe(e, sizeof e);
    avila_wipe(&t, sizeof t);
    avila_wipe(&r, sizeof r);
    avila_wipe(&s, sizeof s);
}

/* ------------------------------------------------------------------ a A + b B, public scalars */

/*
 * Width-w non-adjacent form of a scalar below 2^253: naf[i] is 0 or odd
 * with |naf[i]| < 2^(w-1), at most one non-zero digit in any w
 * consecutive, and s = sum naf[i] 2^i. A digit at i carries into i + w
 * only when bit i + w - 1 is set, so carries stay below bit 254.
 */
static void naf_recode(int8_t naf[256], const uint8_t s[32], int w)
{
    uint64_t x[5] = {avila_load_le64(s), avila_load_le64(s + 8), avila_load_le64(s + 16),
                     avila_load_le64(s + 24), 0};
    const uint64_t width = UINT64_C(1) << w, mask = width - 1;
    uint64_t carry = 0;
    memset(naf, 0, 256);
    for (int pos = 0; pos < 256;) {
        int idx = pos / 64, bit = pos % 64;
        uint64_t buf = (uint64_t)(((fe_u128)x[idx + 1] << 64 | x[idx]) >> bit);
        uint64_t window = carry + (buf & mask);
        if ((window & 1) == 0) {
            pos++;
            continue;
        }
        if (window < width / 2) {
            carry = 0;
            naf[pos] = (int8_t)window;
        } else {
            carry = 1;
            naf[pos] = (int8_t)((int64_t)window - (int64_t)width);
        }
        pos += w;
    }
}

void avila_ge25519_double_scalarmult_vartime(avila_ge25519_p2 *r, const uint8_t a[32],
                                             const avila_ge25519_p3 *A, const uint8_t b[32])
{
    int8_t anaf[256], bnaf[256];
    avila_ge25519_cached ai[8]; /* A, 3A, ..., 15A */
    avila_ge25519_p1p1 t;
    avila_ge25519_p3 u, a2;
    avila_ge25519_precomp bi;

    naf_recode(anaf, a, 5);
    naf_recode(bnaf, b, 8);
    p3_to_cached(&ai[0], A);
    p3_dbl(&t, A);
    p1p1_to_p3(&a2, &t);
    for (int i = 1; i < 8; i++) {
        add_cached(&t, &a2, &ai[i - 1], 0);
        p1p1_to_p3(&u, &t);
        p3_to_cached(&ai[i], &u);
    }

    int i = 255;
    while (i >= 0 && anaf[i] == 0 && bnaf[i] == 0)
        i--;
    p2_0(r);
    for (; i >= 0; i--) {
        p2_dbl(&t, r);
        if (anaf[i] != 0) {
            p1p1_to_p3(&u, &t);
            add_cached(&t, &u, &ai[(anaf[i] < 0 ? -anaf[i] : anaf[i]) / 2], anaf[i] < 0);
        }
        if (bnaf[i] != 0) {
            p1p1_to_p3(&u, &t);
            precomp_load(&bi, avila_ge25519_base_odd[(bnaf[i] < 0 ? -bnaf[i] : bnaf[i]) / 2]);
            add_precomp(&t, &u, &bi, bnaf[i] < 0);
        }
        p1p1_to_p2(r, &t);
    }
}

uint32_t avila_ge25519_has_small_order_vartime(const avila_ge25519_p2 *p)
{
    avila_ge25519_p2 q = *p;
    avila_ge25519_p1p1 t;
    for (int i = 0; i < 3; i++) {
        p2_dbl(&t, &q);
        p1p1_to_p2(&q, &t);
    }
    /* 8 p has x = 0: it is (0, 1), since no point of the group has order 16. */
    return avila_fe25519_iszero(&q.X);
}

/* ------------------------------------------------------------------ scalars mod L */

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian words. */
static const uint64_t sc_L[4] = {0x5812631a5cf5d3edull, 0x14def9dea2f79cd6ull, 0, 1ull << 60};
/* mu = floor(2^512 / L), Barrett's constant. */
static const uint64_t sc_mu[5] = {0xed9ce5a30a2c131bull, 0x2106215d086329a7ull,
                                  0xffffffffffffffebull, 0xffffffffffffffffull, 0xf};

/* out[0..na+nb) = a[0..na) * b[0..nb). */
static void mul_words(uint64_t *out, const uint64_t *a, int na, const uint64_t *b, int nb)
{
    for (int i = 0; i < na + nb; i++)
        out[i] = 0;
    for (int i = 0; i < na; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < nb; j++) {
            fe_u128 t = (fe_u128)a[i] * b[j] + out[i + j] + carry;
            out[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        out[i + nb] = carry;
    }
}

/* r[0..n) -= L if bit is 1, with masks. */
static void sub_L_if(uint64_t *r, int n, uint32_t bit)
{
    uint64_t mask = avila_ct_mask_u64(bit), borrow = 0;
    for (int i = 0; i < n; i++) {
        uint64_t l = i < 4 ? sc_L[i] & mask : 0;
        fe_u128 t = (fe_u128)r[i] - l - borrow;
        r[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 127);
    }
}

/* 1 if the n-word r is >= L, with no branch on r. */
static uint32_t ge_L(const uint64_t *r, int n)
{
    uint64_t borrow = 0;
    for (int i = 0; i < n; i++) {
        fe_u128 t = (fe_u128)r[i] - (i < 4 ? sc_L[i] : 0) - borrow;
        borrow = (uint64_t)(t >> 127);
    }
    return (uint32_t)(borrow ^ 1);
}

/* HAC 14.42 with b = 2^64, k = 4: r = x mod L for x < 2^512. */
static void barrett(uint64_t r[4], const uint64_t x[8])
{
    uint64_t q2[10], q3l[9], rr[5];
    mul_words(q2, x + 3, 5, sc_mu, 5);  /* q1 mu, with q1 = floor(x / b^3) */
    mul_words(q3l, q2 + 5, 5, sc_L, 4); /* q3 L, with q3 = floor(q1 mu / b^5) */
    uint64_t borrow = 0;
    for (int i = 0; i < 5; i++) {
        fe_u128 t = (fe_u128)x[i] - q3l[i] - borrow;
        rr[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 127);
    }
    /*
     * rr = x - q3 L. HAC bounds it by 3L in general; here it is below 2L, so
     * one subtraction suffices: q3 undershoots x/L by at most
     * frac(2^512/L) x / 2^512 + 2^-60 < 0.225 + 2^-60 < 1.
     */
    sub_L_if(rr, 5, ge_L(rr, 5));
    for (int i = 0; i < 4; i++)
        r[i] = rr[i];
    avila_wipe(q2, sizeof q2);
    avila_wipe(q3l, sizeof q3l);
    avila_wipe(rr, sizeof rr);
}

static void store_scalar(uint8_t s[32], uint64_t r[4])
{
    for (size_t i = 0; i < 4; i++)
        avila_store_le64(s + 8 * i, r[i]);
    avila_wipe(r, 4 * sizeof r[0]);
}

void avila_sc25519_reduce(uint8_t s[32], const uint8_t x[64])
{
    uint64_t w[8], r[4];
    for (size_t i = 0; i < 8; i++)
        w[i] = avila_load_le64(x + 8 * i);
    barrett(r, w);
    store_scalar(s, r);
    avila_wipe(w, sizeof w);
}

void avila_sc25519_muladd(uint8_t s[32], const uint8_t a[32], const uint8_t b[32],
                          const uint8_t c[32])
{
    uint64_t aw[4], bw[4], w[8], r[4];
    for (size_t i = 0; i < 4; i++) {
        aw[i] = avila_load_le64(a + 8 * i);
        bw[i] = avila_load_le64(b + 8 * i);
    }
    mul_words(w, aw, 4, bw, 4);
    uint64_t carry = 0;
    for (size_t i = 0; i < 8; i++) {
        fe_u128 t = (fe_u128)w[i] + (i < 4 ? avila_load_le64(c + 8 * i) : 0) + carry;
        w[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    barrett(r, w);
    store_scalar(s, r);
    avila_wipe(aw, sizeof aw);
    avila_wipe(bw, sizeof bw);
    avila_wipe(w, sizeof w);
}

uint32_t avila_sc25519_is_canonical(const uint8_t s[32])
{
    uint64_t w[4];
    for (size_t i = 0; i < 4; i++)
        w[i] = avila_load_le64(s + 8 * i);
    return ge_L(w, 4) ^ 1;
}
