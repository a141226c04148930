/*
 * crypto/rsa.c - RSA signatures over crypto/mp.h: key import with
 * consistency checks, key generation, the blinded CRT private operation
 * with verify-after-sign, and verification. Pure.
 */
#include "core/ct.h"
#include "core/error.h"
#include "crypto/rsa.h"
#include "crypto/rsa_int.h"

#define MAX_LIMBS     AVILA_MP_MAX_LIMBS
#define PRIME_LIMBS   AVILA_RSA_MAX_PRIME_LIMBS
#define WORK_LIMBS(w) (sizeof(w)->exp / sizeof(w)->exp[0])

/* The exponent every generated key uses (F4). */
#define E_F4 65537

void avila_rsa_work_init(struct avila_rsa_work *work)
{
    memset(work, 0, sizeof *work);
}

/* ------------------------------------------------------------------ integers */

/* A secret-derived value the code is about to branch on, declared public. */
static size_t declassified(size_t v)
{
    avila_ct_declassify(&v, sizeof v);
    return v;
}

/*
 * The length of x without its leading zero bytes, computed without
 * branching on the bytes and then made public (DER shows it anyway).
 */
static size_t minimal_len(struct avila_slice x)
{
    size_t len = x.len, seen = 0;
    for (size_t i = 0; i < x.len; i++) {
        seen |= (size_t)avila_ct_nonzero_u32(x.ptr[i]);
        len -= 1 ^ seen; /* counts the zeros before the first non-zero byte */
    }
    return declassified(len);
}

/* r (limbs limbs) = the integer x; AVILA_EFORMAT if it is 0 or does not fit. */
static int integer_to_limbs(uint64_t *r, size_t limbs, struct avila_slice x)
{
    size_t len = minimal_len(x);
    if (len == 0 || len > 8 * limbs)
        return AVILA_EFORMAT;
    (void)avila_mp_from_bytes(r, limbs, x.ptr + x.len - len, len);
    return 0;
}

/* The limbs a positive integer given as bytes needs. */
static size_t limbs_of(struct avila_slice x)
{
    return AVILA_MP_LIMBS(8 * minimal_len(x));
}

/* Random limbs from rng. */
static void random_limbs(uint64_t *r, size_t limbs, struct avila_csprng *rng)
{
    uint8_t bytes[8 * MAX_LIMBS];
    avila_csprng_fill(rng, bytes, 8 * limbs);
    (void)avila_mp_from_bytes(r, limbs, bytes, 8 * limbs);
    avila_wipe(bytes, sizeof bytes);
}

/* ------------------------------------------------------------------ public keys */

static int public_from_limbs(struct avila_rsa_public *key, const uint64_t *n, size_t limbs,
                             uint64_t e)
{
    size_t bits = avila_mp_bitlen(n, limbs);
    if (bits < AVILA_RSA_MIN_BITS || bits > AVILA_RSA_MAX_BITS)
        return AVILA_EUNSUPPORTED;
    /* e < n holds: n has more than 64 bits. */
    if (!(n[0] & 1) || e < 3 || !(e & 1))
        return AVILA_EFORMAT;
    key->bits = bits;
    key->len = (bits + 7) / 8;
    key->e = e;
    return avila_mp_mont_init(&key->n, n, AVILA_MP_LIMBS(bits));
}

/* The public exponent as a word; AVILA_EUNSUPPORTED beyond 64 bits. */
static int exponent_word(uint64_t *e, struct avila_slice x)
{
    size_t len = minimal_len(x);
    if (len > 8)
        return AVILA_EUNSUPPORTED;
    *e = 0;
    for (size_t i = x.len - len; i < x.len; i++)
        *e = *e << 8 | x.ptr[i];
    return 0;
}

int avila_rsa_public_init(struct avila_rsa_public *key, const uint8_t *n, size_t n_len,
                          const uint8_t *e, size_t e_len)
{
    struct avila_slice ni = {n, n_len};
    uint64_t limbs[MAX_LIMBS], ew;
    int err = exponent_word(&ew, (struct avila_slice){e, e_len});
    if (err)
        return err;
    size_t nl = limbs_of(ni);
    if (nl > MAX_LIMBS)
        return AVILA_EUNSUPPORTED;
    if (nl == 0)
        return AVILA_EFORMAT;
    if (integer_to_limbs(limbs, nl, ni) != 0)
        return AVILA_EFORMAT;
    return public_from_limbs(key, limbs, nl, ew);
}

/* ------------------------------------------------------------------ the private operation */

/* v = s^e mod n: the public operation. */
static void public_op(const struct avila_rsa_public *key, uint64_t *v, const uint64_t *s)
{
    (void)avila_mp_modexp_vartime(&key->n, v, s, &key->e, 1);
}

/*
 * Makes sure work holds a blinding pair (r^e, r^-1, both in Montgomery form)
 * for key's modulus, drawing a fresh r every AVILA_RSA_BLINDING_USES uses.
 */
static void blinding_ready(const struct avila_rsa_private *key, struct avila_csprng *rng,
                           struct avila_rsa_work *w)
{
    const struct avila_mp_mont *n = &key->pub.n;
    size_t nl = n->n;
    if (w->blind_uses > 0 && w->blind_uses < AVILA_RSA_BLINDING_USES && w->blind_limbs == nl &&
        w->blind_e == key->pub.e && memcmp(w->blind_n, n->m, nl * sizeof n->m[0]) == 0) {
        w->blind_uses++;
        return;
    }
    uint64_t r[MAX_LIMBS];
    int not_invertible;
    do {
        random_limbs(r, nl, rng);
        (void)avila_mp_reduce(n, r, r, nl);
        /* r has no inverse only if it is 0 or shares a prime with n: never in practice. */
        not_invertible = avila_mp_modinv(n, w->blind_ai, r) != 0;
    } while (declassified((size_t)not_invertible));
    public_op(&key->pub, w->blind_a, r); /* r^e: branches on the public e only */
    avila_mp_to_mont(n, w->blind_a, w->blind_a);
    avila_mp_to_mont(n, w->blind_ai, w->blind_ai);
    memcpy(w->blind_n, n->m, nl * sizeof n->m[0]);
    w->blind_limbs = nl;
    w->blind_e = key->pub.e;
    w->blind_uses = 1;
    avila_wipe(r, sizeof r);
}

/*
 * s = m^d mod n (m < n, n's limbs each) by the CRT on the blinded m r^e,
 * unblinded by r^-1. Constant time.
 */
static void private_crt(const struct avila_rsa_private *key, uint64_t *s, const uint64_t *m,
                        struct avila_csprng *rng, struct avila_rsa_work *w)
{
    const struct avila_mp_mont *n = &key->pub.n, *p = &key->p, *q = &key->q;
    size_t nl = n->n, pl = p->n, ql = q->n;
    uint64_t mb[MAX_LIMBS], sp[PRIME_LIMBS], sq[PRIME_LIMBS], t[PRIME_LIMBS];
    uint64_t prod[MAX_LIMBS + 1] = {0}, sq_wide[MAX_LIMBS + 1] = {0};

    blinding_ready(key, rng, w);
    avila_mp_montmul(n, mb, m, w->blind_a); /* m r^e */
    (void)avila_mp_reduce(p, t, mb, nl);
    (void)avila_mp_modexp(p, sp, t, key->dp, pl, w->exp, WORK_LIMBS(w));
    (void)avila_mp_reduce(q, t, mb, nl);
    (void)avila_mp_modexp(q, sq, t, key->dq, ql, w->exp, WORK_LIMBS(w));
    /* Garner: h = qinv (sp - sq) mod p, s = sq + q h. */
    (void)avila_mp_reduce(p, t, sq, ql);
    avila_mp_modsub(p, sp, sp, t);
    avila_mp_montmul(p, sp, sp, key->qinv_mont);
    avila_mp_mul(prod, q->m, ql, sp, pl);
    memcpy(sq_wide, sq, ql * sizeof sq[0]);
    (void)avila_mp_add(prod, prod, sq_wide, pl + ql);
    /* prod < n: the limbs from nl up are zero. */
    avila_mp_montmul(n, s, prod, w->blind_ai);
    /* The next pair: (r^2)^e and r^-2. */
    avila_mp_montsqr(n, w->blind_a, w->blind_a);
    avila_mp_montsqr(n, w->blind_ai, w->blind_ai);

    uint64_t *all[] = {mb, sp, sq, t, prod, sq_wide};
    size_t sizes[] = {sizeof mb, sizeof sp, sizeof sq, sizeof t, sizeof prod, sizeof sq_wide};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++)
        avila_wipe(all[i], sizes[i]);
}

/*
 * Signs the encoded message em (key->pub.len bytes, as an integer below n)
 * into sig, releasing it only if it verifies. Returns 0 or AVILA_EIO.
 */
static int sign_representative(const struct avila_rsa_private *key, const uint8_t *em, uint8_t *sig,
                               struct avila_csprng *rng, struct avila_rsa_work *w)
{
    size_t nl = key->pub.n.n, len = key->pub.len;
    uint64_t m[MAX_LIMBS], s[MAX_LIMBS], v[MAX_LIMBS];
    (void)avila_mp_from_bytes(m, nl, em, len);
    private_crt(key, s, m, rng, w);
    public_op(&key->pub, v, s);
    uint64_t ok = avila_mp_eq_mask(v, m, nl);
    for (size_t i = 0; i < nl; i++)
        s[i] &= ok;
    (void)avila_mp_to_bytes(sig, len, s, nl);
    avila_wipe(m, sizeof m);
    avila_wipe(s, sizeof s);
    return declassified((size_t)ok) ? 0 : AVILA_EIO;
}

/* ------------------------------------------------------------------ private keys */

/* x^d mod p == x^dp mod p for x = 2: d agrees with dp (and q's side likewise). */
static uint64_t exponents_agree(const struct avila_rsa_private *key, const struct avila_mp_mont *p,
                                const uint64_t *dp, struct avila_rsa_work *w)
{
    uint64_t two[MAX_LIMBS] = {2}, a[PRIME_LIMBS], b[PRIME_LIMBS];
    (void)avila_mp_modexp(p, a, two, key->d, key->pub.n.n, w->exp, WORK_LIMBS(w));
    (void)avila_mp_modexp(p, b, two, dp, p->n, w->exp, WORK_LIMBS(w));
    uint64_t ok = avila_mp_eq_mask(a, b, p->n);
    avila_wipe(a, sizeof a);
    avila_wipe(b, sizeof b);
    return ok;
}

/*
 * Checks a key whose fields are all set, the CRT ones from qinv (normal
 * form) not yet converted: see avila_rsa_private_init. Converts qinv into
 * qinv_mont. Returns 0 or AVILA_EFORMAT.
 */
static int check_and_finish(struct avila_rsa_private *key, const uint64_t *qinv,
                            struct avila_csprng *rng, struct avila_rsa_work *w)
{
    const struct avila_mp_mont *n = &key->pub.n, *p = &key->p, *q = &key->q;
    size_t nl = n->n, pl = p->n, ql = q->n;
    uint64_t prod[MAX_LIMBS + 1] = {0}, t[PRIME_LIMBS], one[PRIME_LIMBS] = {1};

    avila_mp_mul(prod, p->m, pl, q->m, ql);
    uint64_t ok = avila_mp_eq_mask(prod, n->m, nl) & avila_mp_zero_mask(prod + nl, pl + ql - nl);
    ok &= avila_mp_lt_mask(key->dp, p->m, pl) & avila_mp_lt_mask(key->dq, q->m, ql);
    ok &= avila_mp_lt_mask(qinv, p->m, pl) & avila_mp_lt_mask(key->d, n->m, nl);
    /* q qinv = 1 mod p */
    (void)avila_mp_reduce(p, t, q->m, ql);
    avila_mp_to_mont(p, key->qinv_mont, qinv);
    avila_mp_montmul(p, t, t, key->qinv_mont);
    ok &= avila_mp_eq_mask(t, one, pl);
    ok &= exponents_agree(key, p, key->dp, w) & exponents_agree(key, q, key->dq, w);
    avila_wipe(prod, sizeof prod);
    avila_wipe(t, sizeof t);
    if (!declassified((size_t)ok))
        return AVILA_EFORMAT;
    /* A test signature ties dp and dq to e. */
    uint8_t em[AVILA_RSA_MAX_LEN] = {0}, sig[AVILA_RSA_MAX_LEN];
    em[key->pub.len - 1] = 2;
    int err = sign_representative(key, em, sig, rng, w);
    return err ? AVILA_EFORMAT : 0;
}

int avila_rsa_private_init(struct avila_rsa_private *key,
                           const struct avila_rsa_private_parts *parts, struct avila_csprng *rng,
                           struct avila_rsa_work *work)
{
    uint64_t n[MAX_LIMBS], e, p[PRIME_LIMBS], q[PRIME_LIMBS], qinv[PRIME_LIMBS];
    size_t nl = limbs_of(parts->n), pl = limbs_of(parts->p), ql = limbs_of(parts->q);
    int err = exponent_word(&e, parts->e);
    if (err)
        return err;
    if (nl == 0 || pl == 0 || ql == 0)
        return AVILA_EFORMAT;
    if (nl > MAX_LIMBS)
        return AVILA_EUNSUPPORTED;
    /* Each prime within half of n's limbs, rounded up, and n at most twice either's: what the
     * CRT buffers and reductions need. Balanced keys always qualify. */
    size_t half = (nl + 1) / 2;
    if (pl > half || ql > half || nl > 2 * pl || nl > 2 * ql)
        return AVILA_EUNSUPPORTED;
    memset(key, 0, sizeof *key);
    err = integer_to_limbs(n, nl, parts->n);
    if (!err)
        err = public_from_limbs(&key->pub, n, nl, e);
    if (!err)
        err = integer_to_limbs(key->d, nl, parts->d);
    if (!err)
        err = integer_to_limbs(p, pl, parts->p);
    if (!err)
        err = integer_to_limbs(q, ql, parts->q);
    if (!err)
        err = integer_to_limbs(key->dp, pl, parts->dp);
    if (!err)
        err = integer_to_limbs(key->dq, ql, parts->dq);
    if (!err)
        err = integer_to_limbs(qinv, pl, parts->qinv);
    /* Even primes: the verdict is public. */
    if (!err && declassified((size_t)(avila_mp_mont_init(&key->p, p, pl) |
                                      avila_mp_mont_init(&key->q, q, ql))))
        err = AVILA_EFORMAT;
    if (!err)
        err = check_and_finish(key, qinv, rng, work);
    avila_wipe(p, sizeof p);
    avila_wipe(q, sizeof q);
    avila_wipe(qinv, sizeof qinv);
    if (err)
        avila_wipe(key, sizeof *key);
    return err;
}

/* Appends x (limbs limbs) to buf as minimal big-endian bytes and points part at it. */
static int export_integer(struct avila_slice *part, const uint64_t *x, size_t limbs, uint8_t *buf,
                          size_t cap, size_t *used)
{
    size_t len = declassified((avila_mp_bitlen(x, limbs) + 7) / 8);
    if (len > cap - *used)
        return AVILA_ENOSPC;
    (void)avila_mp_to_bytes(buf + *used, len, x, limbs);
    part->ptr = buf + *used;
    part->len = len;
    *used += len;
    return 0;
}

int avila_rsa_private_export(const struct avila_rsa_private *key,
                             struct avila_rsa_private_parts *parts, uint8_t *buf, size_t buf_len)
{
    const struct avila_mp_mont *p = &key->p;
    size_t nl = key->pub.n.n, used = 0;
    uint64_t e = key->pub.e, qinv[PRIME_LIMBS];
    avila_mp_from_mont(p, qinv, key->qinv_mont);
    int err = export_integer(&parts->n, key->pub.n.m, nl, buf, buf_len, &used);
    if (!err)
        err = export_integer(&parts->e, &e, 1, buf, buf_len, &used);
    if (!err)
        err = export_integer(&parts->d, key->d, nl, buf, buf_len, &used);
    if (!err)
        err = export_integer(&parts->p, p->m, p->n, buf, buf_len, &used);
    if (!err)
        err = export_integer(&parts->q, key->q.m, key->q.n, buf, buf_len, &used);
    if (!err)
        err = export_integer(&parts->dp, key->dp, p->n, buf, buf_len, &used);
    if (!err)
        err = export_integer(&parts->dq, key->dq, key->q.n, buf, buf_len, &used);
    if (!err)
        err = export_integer(&parts->qinv, qinv, p->n, buf, buf_len, &used);
    avila_wipe(qinv, sizeof qinv);
    return err;
}

/* ------------------------------------------------------------------ key generation */

/* The odd primes below 2^12 (563 of them), by a sieve of Eratosthenes. */
#define SIEVE_LIMIT  4096
#define SMALL_PRIMES 563

static void small_primes(uint16_t primes[SMALL_PRIMES])
{
    uint8_t composite[SIEVE_LIMIT / 8] = {0};
    size_t count = 0;
    for (uint32_t i = 3; i < SIEVE_LIMIT; i += 2) {
        if (composite[i / 8] >> (i % 8) & 1)
            continue;
        primes[count++] = (uint16_t)i;
        for (uint32_t j = i * i; j < SIEVE_LIMIT; j += 2 * i)
            composite[j / 8] |= (uint8_t)(1u << (j % 8));
    }
}

/*
 * Miller-Rabin for a candidate c = 3 mod 4 (so c - 1 = 2 t with t odd): a
 * base a passes when a^t = +-1 mod c. Constant time in c except for the
 * verdict of each round (a rejected candidate is thrown away).
 */
static int passes_miller_rabin(const uint64_t *c, size_t limbs, struct avila_csprng *rng,
                               struct avila_rsa_work *w)
{
    struct avila_mp_mont ctx;
    uint64_t t[PRIME_LIMBS], cm1[PRIME_LIMBS], one[PRIME_LIMBS] = {1}, a[PRIME_LIMBS],
                                               y[PRIME_LIMBS];
    (void)avila_mp_mont_init(&ctx, c, limbs);
    avila_mp_shr(t, c, limbs, 1);
    (void)avila_mp_sub(cm1, c, one, limbs);
    int prime = 1;
    for (int round = 0; round < AVILA_RSA_MR_ROUNDS && prime; round++) {
        random_limbs(a, limbs, rng);
        (void)avila_mp_reduce(&ctx, a, a, limbs); /* 0, 1 and c - 1 pass harmlessly: p ~ 2^-1020 */
        (void)avila_mp_modexp(&ctx, y, a, t, limbs, w->exp, WORK_LIMBS(w));
        prime = declassified((avila_mp_eq_mask(y, one, limbs) | avila_mp_eq_mask(y, cm1, limbs)) !=
                             0) != 0;
    }
    uint64_t *all[] = {t, cm1, a, y};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++)
        avila_wipe(all[i], sizeof t);
    avila_wipe(&ctx, sizeof ctx);
    return prime;
}

/* A random prime of `bits` bits (top two set), = 3 mod 4, with gcd(p - 1, 65537) = 1. */
static void random_prime(uint64_t *p, size_t bits, const uint16_t *primes, struct avila_csprng *rng,
                         struct avila_rsa_work *w)
{
    size_t limbs = AVILA_MP_LIMBS(bits);
    for (;;) {
        random_limbs(p, limbs, rng);
        size_t top = (bits - 1) % 64;
        p[limbs - 1] &= top == 63 ? ~(uint64_t)0 : ((uint64_t)2 << top) - 1;
        p[limbs - 1] |= (uint64_t)1 << top;
        if (top > 0)
            p[limbs - 1] |= (uint64_t)1 << (top - 1);
        else
            p[limbs - 2] |= (uint64_t)1 << 63;
        p[0] |= 3;
        /* A rejected candidate is thrown away, so its verdicts may be public. */
        size_t divisible = declassified(avila_mp_mod_word(p, limbs, E_F4) == 1);
        for (size_t i = 0; i < SMALL_PRIMES && !divisible; i++)
            divisible = declassified(avila_mp_mod_word(p, limbs, primes[i]) == 0);
        if (!divisible && passes_miller_rabin(p, limbs, rng, w))
            return;
    }
}

int avila_rsa_generate(struct avila_rsa_private *key, size_t bits, struct avila_csprng *rng,
                       struct avila_rsa_work *w)
{
    if (bits < AVILA_RSA_MIN_BITS || bits > AVILA_RSA_MAX_BITS || bits % 2)
        return AVILA_EINVAL;
    size_t half = bits / 2, pl = AVILA_MP_LIMBS(half), nl = AVILA_MP_LIMBS(bits);
    uint16_t primes[SMALL_PRIMES];
    uint64_t p[PRIME_LIMBS], q[PRIME_LIMBS], diff[PRIME_LIMBS],
        n[MAX_LIMBS + 1] = {0}, phi[MAX_LIMBS + 1] = {0}, qinv[PRIME_LIMBS], t[PRIME_LIMBS];
    small_primes(primes);
    int err;
    do {
        memset(key, 0, sizeof *key);
        random_prime(p, half, primes, rng, w);
        /* FIPS 186-5 A.1.3: |p - q| > 2^(bits/2 - 100). */
        do {
            random_prime(q, half, primes, rng, w);
            uint64_t swap = avila_mp_lt_mask(p, q, pl); /* p > q, as is customary */
            avila_mp_cswap(swap, p, q, pl);
            (void)avila_mp_sub(diff, p, q, pl);
        } while (declassified(avila_mp_bitlen(diff, pl)) <= half - 100);
        avila_mp_mul(n, p, pl, q, pl);
        avila_ct_declassify(n, nl * sizeof n[0]); /* the modulus is public once made */
        (void)public_from_limbs(&key->pub, n, nl, E_F4);
        (void)avila_mp_mont_init(&key->p, p, pl);
        (void)avila_mp_mont_init(&key->q, q, pl);
        /* dp, dq from p - 1 and q - 1 (p, q odd: clear bit 0); d from their product. */
        p[0] ^= 1;
        q[0] ^= 1;
        avila_mp_mul(phi, p, pl, q, pl);
        /* qinv = q^-1 mod p (p prime, q < p). */
        (void)avila_mp_reduce(&key->p, t, key->q.m, pl);
        /* Each verdict (gcd(e, p - 1) = 1 and so on) is computed without a branch. */
        size_t bad = (size_t)(avila_mp_rsa_private_exponent(key->dp, p, pl, E_F4) != 0) |
                     (size_t)(avila_mp_rsa_private_exponent(key->dq, q, pl, E_F4) != 0) |
                     (size_t)(avila_mp_rsa_private_exponent(key->d, phi, nl, E_F4) != 0) |
                     (size_t)(avila_mp_modinv_prime(&key->p, qinv, t, w->exp, WORK_LIMBS(w)) != 0);
        err = declassified(bad) ? AVILA_EFORMAT : check_and_finish(key, qinv, rng, w);
    } while (err); /* only a gcd(e, phi) != 1 the sieve missed, or a fault */
    uint64_t *all[] = {p, q, diff, qinv, t};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(all); i++)
        avila_wipe(all[i], sizeof p);
    avila_wipe(phi, sizeof phi);
    return 0;
}

/* ------------------------------------------------------------------ signatures */

int avila_rsa_sign_pkcs1(const struct avila_rsa_private *key, const struct avila_digest *d,
                         const uint8_t *hash, uint8_t *sig, struct avila_csprng *rng,
                         struct avila_rsa_work *work)
{
    uint8_t em[AVILA_RSA_MAX_LEN];
    int err = avila_rsa_pkcs1_encode(em, key->pub.len, d, hash);
    if (err)
        return err;
    return sign_representative(key, em, sig, rng, work);
}

int avila_rsa_sign_pss(const struct avila_rsa_private *key, const struct avila_digest *d,
                       const uint8_t *hash, size_t salt_len, uint8_t *sig, struct avila_csprng *rng,
                       struct avila_rsa_work *work)
{
    uint8_t em[AVILA_RSA_MAX_LEN] = {0}, salt[AVILA_RSA_MAX_LEN];
    size_t em_bits = key->pub.bits - 1, em_len = (em_bits + 7) / 8;
    if (salt_len > sizeof salt)
        return AVILA_EINVAL;
    avila_csprng_fill(rng, salt, salt_len);
    /* When em_bits is a multiple of 8, EM is one byte shorter than n: a leading zero. */
    int err = avila_rsa_pss_encode(em + key->pub.len - em_len, em_bits, d, hash, salt, salt_len);
    if (err)
        return err;
    return sign_representative(key, em, sig, rng, work);
}

/* s^e mod n as key->len bytes into em; AVILA_EAUTH if sig is not a representative below n. */
static int recover(const struct avila_rsa_public *key, const uint8_t *sig, size_t sig_len,
                   uint8_t *em)
{
    size_t nl = key->n.n;
    uint64_t s[MAX_LIMBS], v[MAX_LIMBS];
    if (sig_len != key->len)
        return AVILA_EAUTH;
    (void)avila_mp_from_bytes(s, nl, sig, sig_len);
    if (!avila_mp_lt_mask(s, key->n.m, nl))
        return AVILA_EAUTH;
    public_op(key, v, s);
    (void)avila_mp_to_bytes(em, key->len, v, nl);
    return 0;
}

int avila_rsa_verify_pkcs1(const struct avila_rsa_public *key, const struct avila_digest *d,
                           const uint8_t *hash, const uint8_t *sig, size_t sig_len)
{
    uint8_t em[AVILA_RSA_MAX_LEN], expected[AVILA_RSA_MAX_LEN];
    int err = avila_rsa_pkcs1_encode(expected, key->len, d, hash);
    if (!err)
        err = recover(key, sig, sig_len, em);
    if (err)
        return err;
    return memcmp(em, expected, key->len) == 0 ? 0 : AVILA_EAUTH;
}

int avila_rsa_verify_pss(const struct avila_rsa_public *key, const struct avila_digest *d,
                         const uint8_t *hash, size_t salt_len, const uint8_t *sig, size_t sig_len)
{
    uint8_t em[AVILA_RSA_MAX_LEN];
    size_t em_bits = key->bits - 1, em_len = (em_bits + 7) / 8;
    int err = recover(key, sig, sig_len, em);
    if (err)
        return err;
    /* A representative below 2^em_bits: the extra leading byte, if any, is zero. */
    if (em_len < key->len && em[0] != 0)
        return AVILA_EAUTH;
    err = avila_rsa_pss_verify(em + key->len - em_len, em_bits, d, hash, salt_len);
    return err == AVILA_EINVAL ? AVILA_EAUTH : err;
}
