/*
 * core/fpconv.c - exact conversions between decimal text and IEEE 754
 * binary64 (IEEE 754-2019 section 5.12.2: correctly rounded, ties to even),
 * written for RFC 8259 section 6 numbers and ECMA-262 Number::toString.
 * Pure: integers only, no floating-point arithmetic that could round.
 *
 * Parsing, in three stages:
 *  1. exact small integers: m * 10^e below 2^53 converts without rounding;
 *  2. Eisel-Lemire (D. Lemire, "Number Parsing at a Gigabyte per Second",
 *     2021): the 64-bit mantissa times a 128-bit power of five gives the
 *     value's leading 192 bits within a known error, and when every value
 *     in that error interval rounds to the same double, that is the answer.
 *     Clinger's observation (W. Clinger, "How to Read Floating Point Numbers
 *     Accurately", 1990) that small exact powers make the product exact is
 *     kept in integer form: 5^0..5^55 are exact in the table, so for
 *     0 <= exp10 <= 55 the product is exact and always decides;
 *  3. an exact big-integer comparison of the input against the halfway
 *     point between the two candidate doubles left (avila_fp_decide).
 *
 * Shortest printing follows R. Giulietti's Schubfach ("The Schubfach way to
 * render doubles", 2020): choose k so that the rounding interval of v is
 * at least 10^k and less than 10^(k+1) wide; then at most one multiple of
 * 10^(k+1) lies in it (that one is the shortest if present), else the
 * nearest of the two multiples of 10^k around v that lie in it. The
 * interval ends and v are scaled by 10^-k with a rounded-up 128-bit power
 * of five and "rounded to odd", which keeps every comparison with an even
 * integer exact; the rare products too close to an integer to tell are
 * settled with big integers (so correctness does not rest on a bound on
 * how close they can come).
 */
#include "core/fpconv.h"

#include "core/error.h"
#include "core/fpconv_int.h"

typedef unsigned __int128 u128;

#define FRAC_BITS 52
#define FRAC_MASK ((UINT64_C(1) << FRAC_BITS) - 1)
#define HIDDEN    (UINT64_C(1) << FRAC_BITS)
#define INF_BITS  UINT64_C(0x7FF0000000000000)
#define SIGN_BIT  (UINT64_C(1) << 63)

/* Exponent of a double's least significant bit: subnormals have 2^-1074. */
#define LSB_MIN (-1074)

/* Decimal exponents past these decide the result alone: any mantissa of at
 * most 19 digits times 10^(AVILA_FP_POW5_MIN - 1) is below 10^-325, which
 * rounds to zero; one digit times 10^309 overflows. */
#define EXP10_MAX 308

/* Where avila_fp_parse stops accumulating an exponent's digits (the rest
 * only make it larger): 2^59 * 10 + 9 still fits int64_t. */
#define EXP_SATURATE ((int64_t)1 << 59)

_Static_assert(EXP10_MAX <= AVILA_FP_POW5_MAX, "the table covers every exponent parsing looks up");
_Static_assert(AVILA_FP_POW5_MAX >= 325, "the table covers 10^-k for k down to -325");

static inline uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static inline double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static inline int clz64(uint64_t x)
{
    return __builtin_clzll(x);
}

/* ---------------------------------------------------------------- rounding */

/*
 * The bits of the double nearest to X * 2^s (ties to even), X being the
 * 192-bit integer hi:mid:lo with hi != 0. Infinity when it is too large.
 * Monotonic in X, which is what lets the callers bound an unknown value
 * between two X's and accept the answer when both round alike.
 */
static uint64_t round192(uint64_t hi, uint64_t mid, uint64_t lo, int s)
{
    int top = 191 - clz64(hi); /* X's leading bit */
    int e = top + s;           /* the value's: 2^e <= X 2^s < 2^(e+1) */
    if (e > 1023)
        return INF_BITS;
    int lsb = e - FRAC_BITS > LSB_MIN ? e - FRAC_BITS : LSB_MIN;
    int k = lsb - s; /* X's bit of weight 2^lsb; >= top - 52 >= 137 for our X */
    if (k > 192)
        return 0; /* below half the smallest subnormal */
    uint64_t m = k - 128 >= 64 ? 0 : hi >> (k - 128);
    uint64_t round = hi >> (k - 129) & 1;
    uint64_t rest = (hi & ((UINT64_C(1) << (k - 129)) - 1)) | mid | lo;
    m += round & ((rest != 0) | (m & 1));
    /* Normal: m in [2^52, 2^53], the carry into the exponent is the right
     * one (2^53 becomes the next binade); subnormal: m <= 2^52, lsb + 1074 = 0. */
    uint64_t bits = ((uint64_t)(lsb - LSB_MIN) << FRAC_BITS) + m;
    return bits < INF_BITS ? bits : INF_BITS;
}

/*
 * Bounds the double nearest to w * 10^q (w > 0, q within the table):
 * *lo_bits <= answer <= *hi_bits as bit patterns of non-negative doubles.
 * With w normalised to wn = w 2^lz and T the table's entry for 5^q, the
 * value is wn T' 2^s with T - 1 < T' <= T, so the 192-bit P = wn T satisfies
 * P - wn < exact <= P (both equal P when the entry is exact).
 */
static void bound_decimal(uint64_t w, int q, uint64_t *lo_bits, uint64_t *hi_bits)
{
    int lz = clz64(w);
    uint64_t wn = w << lz;
    const uint64_t *t = avila_fp_pow5[q - AVILA_FP_POW5_MIN];
    u128 low = (u128)wn * t[1];
    u128 high = (u128)wn * t[0] + (uint64_t)(low >> 64);
    uint64_t lo = (uint64_t)low, mid = (uint64_t)high, hi = (uint64_t)(high >> 64);
    /* 10^q = 5^q 2^q and 5^q = T 2^(log2_pow5(q) - 127). */
    int s = q + avila_fp_log2_pow5(q) - 127 - lz;
    *hi_bits = round192(hi, mid, lo, s);
    if (q >= 0 && q <= AVILA_FP_POW5_EXACT_MAX) {
        *lo_bits = *hi_bits;
        return;
    }
    /* The usual case: a normal result with a nonzero bit between the round
     * bit and the low word. Taking wn < 2^64 off then borrows from neither
     * the kept bits nor the round bit, and leaves the sticky bits nonzero:
     * P - wn rounds like P. (round192's bit positions for top - 52.) */
    int top = 191 - clz64(hi);
    if (AVILA_LIKELY(top + s >= -1022)) {
        int below = top - 52 - 129; /* bits of hi under the round bit: 8..10 */
        if ((hi & ((UINT64_C(1) << below) - 1)) != 0 || mid != 0) {
            *lo_bits = *hi_bits;
            return;
        }
    }
    uint64_t borrow = lo < wn;
    uint64_t mid2 = mid - borrow;
    borrow = mid < borrow;
    *lo_bits = round192(hi - borrow, mid2, lo - wn, s);
}

/* 10^0 .. 10^19. */
static const uint64_t pow10_u64[20] = {
    UINT64_C(1),
    UINT64_C(10),
    UINT64_C(100),
    UINT64_C(1000),
    UINT64_C(10000),
    UINT64_C(100000),
    UINT64_C(1000000),
    UINT64_C(10000000),
    UINT64_C(100000000),
    UINT64_C(1000000000),
    UINT64_C(10000000000),
    UINT64_C(100000000000),
    UINT64_C(1000000000000),
    UINT64_C(10000000000000),
    UINT64_C(100000000000000),
    UINT64_C(1000000000000000),
    UINT64_C(10000000000000000),
    UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000),
};

/* 2^53 / 10^q: w 10^q is an integer a double holds exactly when w <= int_limit[q]. */
static const uint64_t int_limit[16] = {
    UINT64_C(9007199254740992),
    UINT64_C(900719925474099),
    UINT64_C(90071992547409),
    UINT64_C(9007199254740),
    UINT64_C(900719925474),
    UINT64_C(90071992547),
    UINT64_C(9007199254),
    UINT64_C(900719925),
    UINT64_C(90071992),
    UINT64_C(9007199),
    UINT64_C(900719),
    UINT64_C(90071),
    UINT64_C(9007),
    UINT64_C(900),
    UINT64_C(90),
    UINT64_C(9),
};

/*
 * The core of avila_fp_from_decimal on the magnitude: 1 and *bits when the
 * answer is decided, 0 otherwise with *lower set to the bits of a double
 * that is the answer or the one below it (for avila_fp_decide).
 */
static int decimal_to_bits(uint64_t w, int64_t q, int exact, uint64_t *bits, uint64_t *lower)
{
    if (w == 0) {
        *bits = 0;
        *lower = 0;
        return exact;
    }
    if (q < AVILA_FP_POW5_MIN) {
        *bits = 0;
        return 1;
    }
    if (q > EXP10_MAX) {
        *bits = INF_BITS;
        return 1;
    }
    /* An exact integer up to 2^53 converts exactly (no rounding mode involved). */
    if (exact && q >= 0 && q < (int64_t)AVILA_ARRAY_LEN(int_limit) && w <= int_limit[q]) {
        *bits = bits_of((double)(w * pow10_u64[q]));
        return 1;
    }
    uint64_t lo, hi;
    bound_decimal(w, (int)q, &lo, &hi);
    if (!exact) {
        /* The value lies between w 10^q and (w + 1) 10^q; w + 1 <= 10^19. */
        uint64_t lo1;
        bound_decimal(w + 1, (int)q, &lo1, &hi);
    }
    *lower = lo;
    if (lo != hi)
        return 0;
    *bits = lo;
    return 1;
}

int avila_fp_from_decimal(int negative, uint64_t mantissa, int64_t exp10, int exact, double *out)
{
    uint64_t bits, lower;
    if (!decimal_to_bits(mantissa, exp10, exact, &bits, &lower))
        return 0;
    *out = double_of(bits | (negative ? SIGN_BIT : 0));
    return 1;
}

/* ---------------------------------------------------------------- big integers */

/*
 * Unsigned integers of up to BIG_LIMBS 64-bit limbs, little-endian, for the
 * rare exact decisions. The largest needed is about 2,700 bits: a parse
 * comparison of 801 digits (2,661 bits) against (2M + 1) 5^1125 2^x, both
 * sides within a factor of 4 of each other. Exceeding the capacity would be
 * a bug here, so it traps instead of writing past the array.
 */
#define BIG_LIMBS 64

struct big {
    uint64_t v[BIG_LIMBS];
    int n; /* limbs in use; v[n - 1] != 0 unless n == 0 */
};

static void big_set(struct big *b, uint64_t x)
{
    b->v[0] = x;
    b->n = x != 0;
}

/* b = b * m + a. */
static void big_muladd(struct big *b, uint64_t m, uint64_t a)
{
    uint64_t carry = a;
    for (int i = 0; i < b->n; i++) {
        u128 p = (u128)b->v[i] * m + carry;
        b->v[i] = (uint64_t)p;
        carry = (uint64_t)(p >> 64);
    }
    if (carry) {
        if (b->n == BIG_LIMBS)
            __builtin_trap();
        b->v[b->n++] = carry;
    }
}

/* b = b * 5^e (e >= 0): 5^27 is the largest power of five in 64 bits. */
static void big_mul_pow5(struct big *b, int64_t e)
{
    static const uint64_t p5_27 = UINT64_C(7450580596923828125);
    for (; e >= 27; e -= 27)
        big_muladd(b, p5_27, 0);
    uint64_t m = 1;
    for (; e > 0; e--)
        m *= 5;
    if (m != 1)
        big_muladd(b, m, 0);
}

/* b = b * 2^e (e >= 0). */
static void big_shl(struct big *b, int64_t e)
{
    if (b->n == 0 || e == 0)
        return;
    int64_t words = e / 64;
    int bits = (int)(e % 64);
    int64_t n = b->n + words + (bits != 0);
    if (n > BIG_LIMBS)
        __builtin_trap();
    b->v[n - 1] = 0;
    for (int64_t i = b->n - 1; i >= 0; i--) {
        uint64_t x = b->v[i];
        if (bits) {
            b->v[i + words + 1] |= x >> (64 - bits);
            b->v[i + words] = x << bits;
        } else {
            b->v[i + words] = x;
        }
    }
    for (int64_t i = 0; i < words; i++)
        b->v[i] = 0;
    b->n = (int)n;
    while (b->n > 0 && b->v[b->n - 1] == 0)
        b->n--;
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->v[i] != b->v[i])
            return a->v[i] < b->v[i] ? -1 : 1;
    return 0;
}

/*
 * Compares a 5^a5 2^a2 with b 5^b5 2^b2 (a5, b5 >= 0), changing a and b:
 * the common power of two is cancelled first so both stay small.
 */
static int big_cmp_scaled(struct big *a, int64_t a5, int64_t a2, struct big *b, int64_t b5,
                          int64_t b2)
{
    big_mul_pow5(a, a5);
    big_mul_pow5(b, b5);
    int64_t common = a2 < b2 ? a2 : b2;
    big_shl(a, a2 - common);
    big_shl(b, b2 - common);
    return big_cmp(a, b);
}

uint64_t avila_fp_decide(const char *text, size_t ndigits, int sticky, int64_t exp10,
                         uint64_t lower)
{
    /* The halfway point above lower: (2M + 1) 2^(e - 1). */
    uint64_t frac = lower & FRAC_MASK;
    int be = (int)(lower >> FRAC_BITS);
    uint64_t m = be ? frac | HIDDEN : frac;
    int64_t e = be ? be - 1075 : LSB_MIN;

    struct big d, h;
    big_set(&d, 0);
    uint64_t chunk = 0;
    int in_chunk = 0;
    for (size_t i = 0; i < ndigits; text++) {
        if (*text == '.')
            continue;
        chunk = chunk * 10 + (uint64_t)(*text - '0');
        i++;
        if (++in_chunk == 19) {
            big_muladd(&d, pow10_u64[19], chunk);
            chunk = 0;
            in_chunk = 0;
        }
    }
    if (sticky) {
        /* Nonzero digits were dropped: one more digit 1 lands strictly
         * between the kept digits and the next value on that grid, and no
         * halfway point lies there (see AVILA_FP_EXACT_DIGITS). */
        chunk = chunk * 10 + 1;
        exp10--;
        if (++in_chunk == 19) {
            big_muladd(&d, pow10_u64[19], chunk);
            in_chunk = 0;
        }
    }
    if (in_chunk)
        big_muladd(&d, pow10_u64[in_chunk], chunk);

    /* D 10^K against (2M + 1) 2^(e - 1), with 10^K = 5^K 2^K moved to the
     * side where it is a whole number. */
    big_set(&h, 2 * m + 1);
    int c = exp10 >= 0 ? big_cmp_scaled(&d, exp10, exp10, &h, 0, e - 1)
                       : big_cmp_scaled(&d, 0, 0, &h, -exp10, e - 1 - exp10);
    if (c > 0 || (c == 0 && (m & 1)))
        return lower + 1; /* the next double up (infinity after the largest) */
    return lower;
}

/* ---------------------------------------------------------------- parsing */

static inline unsigned digit_value(char c)
{
    return (unsigned)(unsigned char)c - '0';
}

/* x + y, saturating instead of overflowing. */
static int64_t add_saturate(int64_t x, int64_t y)
{
    int64_t r;
    if (__builtin_add_overflow(x, y, &r))
        return x < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

/*
 * The exact path of avila_fp_parse: the significant digits start at sig
 * (a '.' may follow among them) and end before an 'e', 'E' or end; the
 * first nd (<= 19) of them are w, whose last digit has weight 10^q.
 */
static uint64_t parse_exact(const char *sig, const char *end, int nd, int64_t q, uint64_t lower)
{
    size_t kept = 0;
    const char *p = sig;
    for (; p < end && kept < AVILA_FP_EXACT_DIGITS; p++) {
        if (*p == '.')
            continue;
        if (digit_value(*p) > 9)
            break;
        kept++;
    }
    int sticky = 0;
    for (; p < end && !sticky; p++) {
        if (*p == '.')
            continue;
        if (digit_value(*p) > 9)
            break;
        sticky = *p != '0';
    }
    return avila_fp_decide(sig, kept, sticky, q - (int64_t)(kept - (size_t)nd), lower);
}

int avila_fp_parse(const char *s, size_t len, double *out, int *overflow)
{
    /* sig: the first significant digit, set before anything reads it (only
     * when nd > 0 is parse_exact reached). */
    const char *p = s, *end = s + len, *sig = s;
    uint64_t w = 0;
    int nd = 0, dropped_nonzero = 0, negative = 0;
    int64_t adjust = 0; /* q = exponent + adjust */
    unsigned d;

    if (p < end && *p == '-') {
        negative = 1;
        p++;
    }
    if (p == end)
        return AVILA_EINVAL;
    if (*p == '0') {
        p++;
    } else if (digit_value(*p) <= 9) {
        sig = p;
        for (; p < end && (d = digit_value(*p)) <= 9; p++) {
            if (nd < 19) {
                w = w * 10 + d;
                nd++;
            } else {
                adjust++;
                dropped_nonzero |= d != 0;
            }
        }
    } else {
        return AVILA_EINVAL;
    }
    if (p < end && *p == '.') {
        const char *frac = ++p;
        if (nd == 0) {
            while (p < end && *p == '0')
                p++;
            adjust -= p - frac;
            if (p < end && digit_value(*p) <= 9)
                sig = p;
        }
        for (; p < end && (d = digit_value(*p)) <= 9; p++) {
            if (nd < 19) {
                w = w * 10 + d;
                nd++;
                adjust--;
            } else {
                dropped_nonzero |= d != 0;
            }
        }
        if (p == frac)
            return AVILA_EINVAL;
    }
    int64_t exponent = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        int exp_negative = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            exp_negative = *p == '-';
            p++;
        }
        const char *digits = p;
        for (; p < end && (d = digit_value(*p)) <= 9; p++)
            if (exponent < EXP_SATURATE)
                exponent = exponent * 10 + d;
        if (p == digits)
            return AVILA_EINVAL;
        if (exp_negative)
            exponent = -exponent;
    }
    if (p != end)
        return AVILA_EINVAL;

    int64_t q = add_saturate(exponent, adjust);
    uint64_t bits, lower;
    if (!decimal_to_bits(w, q, !dropped_nonzero, &bits, &lower))
        bits = parse_exact(sig, end, nd, q, lower);
    if (overflow)
        *overflow = bits == INF_BITS;
    *out = double_of(bits | (negative ? SIGN_BIT : 0));
    return AVILA_OK;
}

/* ---------------------------------------------------------------- shortest */

/* floor(log10(2^q)) and floor(log10(3/4 2^q)) for |q| <= 1100 (checked by
 * tools/gen/fpconv_tables.py); the offsets keep the shifts non-negative. */
static inline int log10_pow2(int q)
{
    return (int)(((int64_t)q * 315653 + ((int64_t)400 << 20)) >> 20) - 400;
}

static inline int log10_three_quarters_pow2(int q)
{
    return (int)(((int64_t)q * 315653 - 131008 + ((int64_t)400 << 20)) >> 20) - 400;
}

/*
 * x = X 2^q 10^-k rounded to odd: floor(x), with bit 0 forced to 1 when x
 * is not an integer. Comparisons of that with even integers are exactly
 * those of x. t is the table's 10^-k (scaled as 5^-k) and cp = X 2^h puts
 * x at P / 2^128 with P = cp t (see shortest_digits).
 */
static uint64_t round_to_odd(const uint64_t t[2], int exact_entry, uint64_t x_int, int h, int q,
                             int k)
{
    uint64_t cp = x_int << h;
    u128 low = (u128)cp * t[1];
    u128 high = (u128)cp * t[0] + (uint64_t)(low >> 64);
    uint64_t hi = (uint64_t)(high >> 64);
    u128 frac = (u128)(uint64_t)high << 64 | (uint64_t)low;
    if (exact_entry)
        return hi | (frac != 0);
    /* The entry is above the exact power by less than 1, so the exact
     * product lies in [P - cp, P): when the fraction exceeds cp, floor(x)
     * is hi and x is not an integer. */
    if (frac > cp)
        return hi | 1;
    /* Otherwise x is within 2^-66 of hi: compare x with hi exactly. This
     * happens for integers (5^k dividing X, k <= 23) and, if ever, for
     * products that close to one. x >= hi <=> X 2^q >= hi 10^k. */
    struct big a, b;
    big_set(&a, x_int);
    big_set(&b, hi);
    int c = k >= 0 ? big_cmp_scaled(&a, 0, q, &b, k, k) : big_cmp_scaled(&a, -k, q - k, &b, 0, 0);
    if (c == 0)
        return hi;
    return c > 0 ? hi | 1 : (hi - 1) | 1;
}

/*
 * The shortest decimal in the rounding interval of v = c 2^q (c > 0) that
 * is nearest to v: *dec 10^*k10 (dec may end in zeros).
 */
static void shortest_digits(uint64_t c, int q, int irregular, uint64_t *dec, int *k10)
{
    /* The interval, times 4 so its ends are whole: [cbl, cbr] 2^(q-2), open
     * when c is odd (the ends round to the even neighbours). Below a power of
     * two the lower neighbour is half as far (irregular). */
    uint64_t cb = c << 2, cbr = cb + 2, cbl = cb - 2 + (uint64_t)irregular;
    uint64_t open = c & 1;
    /* 10^k <= width < 10^(k+1); the width is 2^q, or 3/4 2^q if irregular. */
    int k = irregular ? log10_three_quarters_pow2(q) : log10_pow2(q);
    int j = -k;
    const uint64_t *t = avila_fp_pow5[j - AVILA_FP_POW5_MIN];
    int exact_entry = j >= 0 && j <= AVILA_FP_POW5_EXACT_MAX;
    /* 10^j = t 2^(j + log2_pow5(j) - 127), so X 2^q 10^j = X 2^h t / 2^128
     * with h below; 2^q 10^-k is in [1, 40/3), which puts h in 1..4. */
    int h = q + j + avila_fp_log2_pow5(j) + 1;
    uint64_t vb = round_to_odd(t, exact_entry, cb, h, q, k);
    uint64_t vbl = round_to_odd(t, exact_entry, cbl, h, q, k);
    uint64_t vbr = round_to_odd(t, exact_entry, cbr, h, q, k);
    /* In units of 10^k, 4x: vb ~ 4 v, s = floor(v). */
    uint64_t s = vb >> 2;

    /* A multiple of 10^(k+1) inside: at most one, and no decimal is shorter. */
    uint64_t sp = s - s % 10, tp = sp + 10;
    int sp_in = vbl + open <= sp << 2;
    int tp_in = (tp << 2) + open <= vbr;
    if (sp_in != tp_in) {
        *dec = (sp_in ? sp : tp) / 10;
        *k10 = k + 1;
        return;
    }
    /* Else the nearer of s, s + 1 that is inside (one at least is). */
    uint64_t t1 = s + 1;
    int s_in = vbl + open <= s << 2;
    int t_in = (t1 << 2) + open <= vbr;
    if (s_in != t_in) {
        *dec = s_in ? s : t1;
    } else {
        /* vb against 4 s + 2, the midpoint between s and s + 1. */
        uint64_t mid = (s << 2) + 2;
        *dec = vb < mid || (vb == mid && (s & 1) == 0) ? s : t1;
    }
    *k10 = k;
}

/* Two-digit groups "00".."99". */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

/* Decimal digits of v (1 for 0). */
static inline size_t decimal_length(uint64_t v)
{
    /* floor(log10(2^bits)) is bits * 1233 / 4096 for bits <= 64; then one correction. */
    v |= 1; /* same digit count (10^k is even), and clz needs a nonzero argument */
    unsigned bits = 64 - (unsigned)clz64(v);
    unsigned t = bits * 1233 >> 12;
    return t + 1 - (v < pow10_u64[t]);
}

size_t avila_fp_format_u64(uint64_t v, char *out)
{
    size_t n = decimal_length(v);
    char *w = out + n; /* written backwards, two digits at a time */
    for (; v >= 100; v /= 100) {
        size_t pair = (size_t)(v % 100);
        *--w = digit_pairs[2 * pair + 1];
        *--w = digit_pairs[2 * pair];
    }
    if (v >= 10) {
        *--w = digit_pairs[2 * (size_t)v + 1];
        *--w = digit_pairs[2 * (size_t)v];
    } else {
        *--w = (char)('0' + v);
    }
    return n;
}

int avila_fp_shortest(double v, char digits[17], int *exp10)
{
    uint64_t bits = bits_of(v);
    uint64_t frac = bits & FRAC_MASK;
    int be = (int)(bits >> FRAC_BITS & 0x7FF);
    if (be == 0x7FF || (be == 0 && frac == 0))
        return 0;
    uint64_t c = be ? frac | HIDDEN : frac;
    int q = be ? be - 1075 : LSB_MIN;
    uint64_t dec;
    int k;
    if (q <= 0 && q > -FRAC_BITS - 1 && (c & ((UINT64_C(1) << -q) - 1)) == 0) {
        /* An integer below 2^53: its interval is at most 1 wide, so the
         * integer itself is the shortest and nearest. */
        dec = c >> -q;
        k = 0;
    } else {
        shortest_digits(c, q, frac == 0 && be > 1, &dec, &k);
    }
    while (dec % 10 == 0) {
        dec /= 10;
        k++;
    }
    int n = (int)avila_fp_format_u64(dec, digits); /* dec < 10^17 */
    *exp10 = k + n - 1;
    return n;
}

/* ---------------------------------------------------------------- ECMAScript format */

size_t avila_fp_format(double v, char *buf)
{
    uint64_t bits = bits_of(v);
    if ((bits & INF_BITS) == INF_BITS)
        return 0;
    if ((bits & ~SIGN_BIT) == 0) {
        buf[0] = '0';
        return 1;
    }
    char d[17];
    int e = 0;
    int k = avila_fp_shortest(v, d, &e);
    if (k == 0)
        return 0; /* not reached: v is finite and nonzero */
    size_t i = 0;
    if (bits & SIGN_BIT)
        buf[i++] = '-';
    /* ECMA-262 Number::toString: the value is 0.d1..dk times 10^n. */
    int n = e + 1;
    if (k <= n && n <= 21) {
        memcpy(buf + i, d, (size_t)k);
        i += (size_t)k;
        memset(buf + i, '0', (size_t)(n - k));
        i += (size_t)(n - k);
    } else if (0 < n && n < k) {
        memcpy(buf + i, d, (size_t)n);
        i += (size_t)n;
        buf[i++] = '.';
        memcpy(buf + i, d + n, (size_t)(k - n));
        i += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        buf[i++] = '0';
        buf[i++] = '.';
        memset(buf + i, '0', (size_t)-n);
        i += (size_t)-n;
        memcpy(buf + i, d, (size_t)k);
        i += (size_t)k;
    } else {
        buf[i++] = d[0];
        if (k > 1) {
            buf[i++] = '.';
            memcpy(buf + i, d + 1, (size_t)(k - 1));
            i += (size_t)(k - 1);
        }
        buf[i++] = 'e';
        buf[i++] = e < 0 ? '-' : '+';
        unsigned x = (unsigned)(e < 0 ? -e : e);
        if (x >= 100)
            buf[i++] = (char)('0' + x / 100);
        if (x >= 10)
            buf[i++] = (char)('0' + x / 10 % 10);
        buf[i++] = (char)('0' + x % 10);
    }
    return i;
}
