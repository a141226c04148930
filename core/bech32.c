/*
 * core/bech32.c - Bech32 encoding and decoding (BIP 173, checksum constant
 * 1), constant-time in the characters and data. See core/bech32.h.
 */
#include "core/bech32.h"
#include "core/bech32_int.h"

#include "core/ct.h"
#include "core/error.h"
#include "core/size.h"

static const char alphabet[33] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* One step of the BCH checksum (BIP 173 bech32_polymod) over a 5-bit symbol. */
static uint32_t polymod_step(uint32_t c, uint32_t v)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t top = c >> 25;
    c = ((c & 0x1ffffff) << 5) ^ v;
    for (unsigned i = 0; i < 5; i++)
        c ^= gen[i] & avila_ct_mask_u32((top >> i) & 1);
    return c;
}

/* 1 if lo <= c <= hi, without a branch. */
static uint32_t in_range(uint32_t c, uint32_t lo, uint32_t hi)
{
    return avila_ct_lt_u32(c - lo, hi - lo + 1) & (1u ^ avila_ct_lt_u32(c, lo));
}

/* c lowercased if it is an ASCII capital. */
static uint32_t to_lower(uint32_t c)
{
    return c | (0x20 & avila_ct_mask_u32(in_range(c, 'A', 'Z')));
}

/* The value of lowercase symbol c, scanning the whole alphabet; *bad |= 1 if c is not in it. */
static uint32_t symbol_value(uint32_t c, uint32_t *bad)
{
    uint32_t v = 0, found = 0;
    for (uint32_t i = 0; i < 32; i++) {
        uint32_t eq = avila_ct_eq_u32(c, (uint8_t)alphabet[i]);
        v |= i & avila_ct_mask_u32(eq);
        found |= eq;
    }
    *bad |= 1u ^ found;
    return v;
}

/* The character of symbol v (0..31), scanning the whole alphabet; uppercased if upper. */
static char symbol_char(uint32_t v, uint32_t upper)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < 32; i++)
        c |= (uint8_t)alphabet[i] & avila_ct_mask_u32(avila_ct_eq_u32(v, i));
    c ^= 0x20 & avila_ct_mask_u32(upper & in_range(c, 'a', 'z'));
    return (char)c;
}

/* The checksum state after the expanded HRP (BIP 173 bech32_hrp_expand); hrp is lowercase. */
static uint32_t hrp_checksum(const char *hrp, size_t hrp_len)
{
    uint32_t c = 1;
    for (size_t i = 0; i < hrp_len; i++)
        c = polymod_step(c, to_lower((uint8_t)hrp[i]) >> 5);
    c = polymod_step(c, 0);
    for (size_t i = 0; i < hrp_len; i++)
        c = polymod_step(c, to_lower((uint8_t)hrp[i]) & 31);
    return c;
}

int avila_bech32_encoded_len(size_t hrp_len, size_t n, size_t *out)
{
    size_t bits, len;
    if (avila_size_mul(n, 8, &bits) ||
        avila_size_add(hrp_len, 7 + bits / 5 + (bits % 5 != 0), &len))
        return AVILA_EOVERFLOW;
    *out = len;
    return 0;
}

int avila_bech32_encode(char *dst, size_t cap, const char *hrp, size_t hrp_len, const void *data,
                        size_t n, unsigned flags, size_t *out_len)
{
    size_t need;
    if ((flags & ~AVILA_BECH32_UPPER) != 0 || hrp_len == 0 || hrp_len > AVILA_BECH32_MAX_HRP)
        return AVILA_EINVAL;
    for (size_t i = 0; i < hrp_len; i++)
        if ((uint8_t)hrp[i] < 33 || (uint8_t)hrp[i] > 126)
            return AVILA_EINVAL;
    int rc = avila_bech32_encoded_len(hrp_len, n, &need);
    if (rc < 0)
        return rc;
    if (cap < need)
        return AVILA_ENOSPC;
    uint32_t upper = (flags & AVILA_BECH32_UPPER) != 0;
    for (size_t i = 0; i < hrp_len; i++) {
        uint32_t c = to_lower((uint8_t)hrp[i]);
        dst[i] = (char)(c ^ (0x20 & avila_ct_mask_u32(upper & in_range(c, 'a', 'z'))));
    }
    dst[hrp_len] = '1';
    size_t pos = hrp_len + 1;
    uint32_t chk = hrp_checksum(hrp, hrp_len), acc = 0;
    unsigned bits = 0;
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8 | p[i]) & 0xfff;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            uint32_t v = (acc >> bits) & 31;
            chk = polymod_step(chk, v);
            dst[pos++] = symbol_char(v, upper);
        }
    }
    if (bits > 0) {
        uint32_t v = (acc << (5 - bits)) & 31;
        chk = polymod_step(chk, v);
        dst[pos++] = symbol_char(v, upper);
    }
    for (int i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (int i = 0; i < 6; i++)
        dst[pos++] = symbol_char((chk >> (5 * (5 - i))) & 31, upper);
    if (out_len)
        *out_len = pos;
    return 0;
}

uint32_t avila_bech32_decode_ct(uint8_t *dst, char *hrp, const char *src, size_t n, size_t sep)
{
    uint32_t bad = 0, upper = 0, lower = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint8_t)src[i];
        bad |= 1u ^ in_range(c, 33, 126);
        upper |= in_range(c, 'A', 'Z');
        lower |= in_range(c, 'a', 'z');
    }
    bad |= upper & lower;
    /* The data symbols exclude '1', so a '1' at sep is the last one. */
    bad |= 1u ^ avila_ct_eq_u32((uint8_t)src[sep], '1');
    uint32_t chk = hrp_checksum(src, sep);
    for (size_t i = 0; i < sep; i++)
        hrp[i] = (char)to_lower((uint8_t)src[i]);
    size_t nsym = n - sep - 1 - 6, k = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = sep + 1; i < n; i++) {
        uint32_t v = symbol_value(to_lower((uint8_t)src[i]), &bad);
        chk = polymod_step(chk, v);
        if (i >= sep + 1 + nsym)
            continue; /* checksum symbols: not data (the index is public) */
        acc = (acc << 5 | v) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            dst[k++] = (uint8_t)(acc >> bits);
        }
    }
    bad |= 1u ^ avila_ct_eq_u32(chk, 1);
    bad |= avila_ct_nonzero_u32(acc & ((1u << bits) - 1)); /* padding bits must be zero */
    return 1u ^ bad;
}

/* The index of the last '1' in src (n if none), found without a branch on the characters. */
static size_t last_separator(const char *src, size_t n)
{
    uint64_t pos = n;
    for (size_t i = 0; i < n; i++)
        pos = avila_ct_select_u64(avila_ct_eq_u32((uint8_t)src[i], '1'), i, pos);
    return (size_t)pos;
}

int avila_bech32_decode(void *dst, size_t cap, char *hrp, size_t hrp_cap, size_t *hrp_len,
                        const char *src, size_t n, size_t max_len, size_t *out_len)
{
    if (n > max_len)
        return AVILA_ELIMIT;
    /* The separator's position only reveals the HRP length, which is public. */
    size_t sep = last_separator(src, n);
    if (sep == n || sep == 0 || n - sep - 1 < 6)
        return AVILA_EFORMAT;
    size_t nsym = n - sep - 1 - 6, nbytes = nsym * 5 / 8;
    /* More than 4 padding bits would be a whole extra symbol of zeros: not canonical. */
    if (nsym * 5 % 8 > 4)
        return AVILA_EFORMAT;
    if (hrp_cap < sep || cap < nbytes)
        return AVILA_ENOSPC;
    /* Accept/reject is the only decision taken on the characters. */
    if (!avila_bech32_decode_ct(dst, hrp, src, n, sep)) {
        avila_wipe(dst, nbytes);
        return AVILA_EFORMAT;
    }
    if (hrp_len)
        *hrp_len = sep;
    if (out_len)
        *out_len = nbytes;
    return 0;
}
