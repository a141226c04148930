/*
 * data/json_x86.c - AVX2 and AVX-512BW string-scan kernels for the JSON
 * parser (x86-64 only; contract in data/json_int.h). A block of 32 or 64
 * bytes is compared at once against '"', '\\' and the control characters
 * below 0x20 (RFC 8259 section 7: what ends or interrupts a plain run of a
 * string); the sign bits collect whether any byte was not ASCII. Also
 * stage 1 of the indexed parser (avila_json_index_fill_avx512): per 64-byte
 * block, backslash and quote masks, the backslashes that start escapes
 * (carry propagation by addition), the in-string mask as the prefix XOR of
 * the quotes (carry-less multiplication by all ones), the strings holding
 * a backslash (addition again), byte classes by table lookup, and the
 * offsets of the structural bits compressed out with VBMI2. And the
 * indexed parser's decoder of strings with escapes
 * (avila_json_unescape_avx512): the same escape starts, dropped, the
 * bytes they escape translated by table, a block compressed at a time.
 * Pure.
 */
#include "data/json_int.h"
#include "core/utf8_x86.h"

#if AVILA_X86_64
#include <immintrin.h>

AVILA_TARGET("avx2")
size_t avila_json_scan_avx2(const uint8_t *s, size_t n, unsigned *high)
{
    const __m256i quote = _mm256_set1_epi8('"'), bslash = _mm256_set1_epi8('\\');
    const __m256i ctl = _mm256_set1_epi8(0x1F);
    __m256i seen = _mm256_setzero_si256();
    size_t i = 0;
    for (; n - i >= 32; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(s + i));
        /* v <= 0x1F (unsigned) exactly where min(v, 0x1F) == v. */
        __m256i hit = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, bslash)),
            _mm256_cmpeq_epi8(_mm256_min_epu8(v, ctl), v));
        seen = _mm256_or_si256(seen, v);
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(hit);
        if (mask) {
            if (_mm256_movemask_epi8(seen))
                *high = 1;
            return i + (size_t)__builtin_ctz(mask);
        }
    }
    if (_mm256_movemask_epi8(seen))
        *high = 1;
    return i + avila_json_scan_portable(s + i, n - i, high);
}

AVILA_TARGET("avx512f,avx512bw")
size_t avila_json_scan_avx512(const uint8_t *s, size_t n, unsigned *high)
{
    const __m512i quote = _mm512_set1_epi8('"'), bslash = _mm512_set1_epi8('\\');
    const __m512i ctl = _mm512_set1_epi8(0x1F);
    __m512i seen = _mm512_setzero_si512();
    size_t i = 0;
    for (;;) {
        /* The last 0..63 bytes through a masked load that reads only them. */
        size_t rest = n - i;
        __mmask64 keep = rest >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << rest) - 1;
        __m512i v = _mm512_maskz_loadu_epi8(keep, s + i);
        __mmask64 hit = (_mm512_cmpeq_epi8_mask(v, quote) | _mm512_cmpeq_epi8_mask(v, bslash) |
                         _mm512_cmple_epu8_mask(v, ctl)) &
                        keep;
        seen = _mm512_or_si512(seen, v);
        if (hit) {
            if (_mm512_movepi8_mask(seen))
                *high = 1;
            return i + (size_t)__builtin_ctzll(hit);
        }
        if (rest <= 64)
            break;
        i += 64;
    }
    if (_mm512_movepi8_mask(seen))
        *high = 1;
    return n;
}

/*
 * The backslashes of a block that start an escape: b holds the block's
 * backslashes, and *carry says whether the block's first byte is escaped
 * (in; a backslash there starts nothing) and the next block's (out: this
 * block's last byte starts an escape). In a run of backslashes that
 * starts at bit s, the escapes start at s, s + 2, s + 4, ...: bits of the
 * run's parity. Adding a run's start bit to b carries through the run and
 * clears it, so the runs starting on even and on odd bits are found by
 * two additions (the bit a carry lands on is no backslash, and one
 * leaving bit 63 is dropped: runs are whole within the block).
 */
static inline uint64_t escape_starters(uint64_t b, uint64_t *carry)
{
    const uint64_t even = 0x5555555555555555u;
    b &= ~*carry;
    uint64_t starts = b & ~(b << 1);
    uint64_t even_runs = b & ~(b + (starts & even)), odd_runs = b & ~(b + (starts & ~even));
    uint64_t st = (even_runs & even) | (odd_runs & ~even);
    *carry = st >> 63;
    return st;
}

/*
 * Byte classes: one permutation of two 64-byte halves (VBMI) looks up the
 * low 7 bits of every byte in this table at once; bytes of 0x80 and above
 * are masked to class 0.
 */
#define CLASS_OP 1
#define CLASS_WS 2
static const uint8_t byte_class[128] __attribute__((aligned(64))) = {
    ['['] = CLASS_OP, [']'] = CLASS_OP, ['{'] = CLASS_OP,  ['}'] = CLASS_OP,  [':'] = CLASS_OP,
    [','] = CLASS_OP, [' '] = CLASS_WS, ['\t'] = CLASS_WS, ['\n'] = CLASS_WS, ['\r'] = CLASS_WS};

AVILA_TARGET("avx512f,avx512bw,avx512vbmi,avx512vbmi2,pclmul,popcnt,bmi")
size_t avila_json_index_fill_avx512(struct avila_json_index *ix, uint32_t *out, uint8_t *chars,
                                    size_t room)
{
    const __m512i quote = _mm512_set1_epi8('"'), bslash = _mm512_set1_epi8('\\');
    const __m512i ctl = _mm512_set1_epi8(0x1F);
    const __m512i class_lo = _mm512_loadu_si512((const void *)byte_class),
                  class_hi = _mm512_loadu_si512((const void *)(byte_class + 64));
    const __m512i op_bits = _mm512_set1_epi8(CLASS_OP), ws_bits = _mm512_set1_epi8(CLASS_WS);
    const __m512i iota = _mm512_set_epi8(
        63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41,
        40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18,
        17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m128i ones = _mm_set1_epi8(-1);
    const struct avila_utf8_tables512 utf8 = avila_utf8_tables512();
    const uint8_t *text = ix->text;
    size_t len = ix->len, pos = ix->pos, n = 0, skipped = 0;
    uint64_t escaped = ix->escaped, in_str = ix->in_string, scalar_prev = ix->scalar, bad = 0;
    uint64_t escapes = ix->escapes;
    /*
     * The block before pos (zeros before the text; and after its end, where
     * the call that reached it has checked it), and UTF-8 errors so far.
     */
    __m512i prev = pos >= 64 && pos < len ? _mm512_loadu_si512((const void *)(text + pos - 64))
                                          : _mm512_setzero_si512();
    __m512i utf8_errors = _mm512_setzero_si512();
    const bool count_skips = pos == 0; /* the first piece decides the path */
    while (pos < len && room - n >= 64 + AVILA_JSON_INDEX_SLACK) {
        uint64_t valid = ~(uint64_t)0;
        __m512i v;
        if (AVILA_LIKELY(len - pos >= 64)) {
            v = _mm512_loadu_si512((const void *)(text + pos));
        } else {
            valid = ((uint64_t)1 << (len - pos)) - 1;
            v = _mm512_maskz_loadu_epi8(valid, text + pos);
        }
        /* UTF-8 here, on bytes in registers, costs less than a second pass over the text. */
        uint64_t high = _mm512_movepi8_mask(v);
        utf8_errors = _mm512_or_si512(utf8_errors, high ? avila_utf8_errors512(&utf8, v, prev)
                                                        : avila_utf8_unfinished512(&utf8, prev));
        prev = v;
        uint64_t bs = _mm512_cmpeq_epi8_mask(v, bslash);
        uint64_t qt = _mm512_cmpeq_epi8_mask(v, quote);
        if (bs | escaped) {
            uint64_t in = escaped;
            qt &= ~(escape_starters(bs, &escaped) << 1 | in);
        }
        /* Inside strings: from an opening quote up to its closing quote (excluded). */
        uint64_t inside = (uint64_t)_mm_cvtsi128_si64(
                              _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)qt), ones, 0)) ^
                          in_str;
        in_str = (uint64_t)0 - (inside >> 63);
        /*
         * Closing quotes of strings holding a backslash: a backslash added
         * into a string's run of inside bits carries out of the run onto
         * the closing quote just after it (the run, one or more such bits
         * and the carry from the block before sum to less than twice the
         * run), and out of the block when the string goes on.
         */
        uint64_t closes = qt & ~inside, with_bs;
        bool c1 = __builtin_add_overflow(inside, bs & inside, &with_bs);
        bool c2 = __builtin_add_overflow(with_bs, escapes, &with_bs);
        escapes = (uint64_t)(c1 | c2);
        with_bs &= closes;
        __m512i cls = _mm512_maskz_permutex2var_epi8(~high, class_lo, v, class_hi);
        uint64_t op = _mm512_test_epi8_mask(cls, op_bits);
        uint64_t ws = _mm512_test_epi8_mask(cls, ws_bits);
        bad |= _mm512_cmple_epu8_mask(v, ctl) & inside & valid;
        if (count_skips)
            skipped += (size_t)__builtin_popcountll((inside | ws) & valid);
        uint64_t scalar = ~(op | ws | qt | inside) & valid;
        uint64_t starts = scalar & ~(scalar << 1 | scalar_prev);
        scalar_prev = scalar >> 63;
        uint64_t s = (op & ~inside) | qt | starts;
        /*
         * Flatten: the in-block offsets of s's bits compressed into the low
         * bytes, widened 16 at a time and stored (the stores past the count
         * are overwritten by the next block, or lie in the slack).
         */
        size_t cnt = (size_t)__builtin_popcountll(s);
        __m512i offs = _mm512_maskz_compress_epi8(s, iota);
        _mm512_storeu_si512(
            (void *)(chars + n),
            _mm512_maskz_compress_epi8(s, _mm512_mask_blend_epi8(with_bs, v, bslash)));
        __m512i base = _mm512_set1_epi32((int)pos);
        uint32_t *o = out + n;
        _mm512_storeu_si512(
            (void *)o, _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(offs))));
        if (AVILA_UNLIKELY(cnt > 16)) {
            _mm512_storeu_si512(
                (void *)(o + 16),
                _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offs, 1))));
            _mm512_storeu_si512(
                (void *)(o + 32),
                _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offs, 2))));
            _mm512_storeu_si512(
                (void *)(o + 48),
                _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offs, 3))));
        }
        n += cnt;
        pos += 64;
    }
    if (pos >= len) {
        utf8_errors = _mm512_or_si512(utf8_errors, avila_utf8_unfinished512(&utf8, prev));
        if (in_str)
            bad = 1;
    }
    if (_mm512_test_epi64_mask(utf8_errors, utf8_errors))
        bad = 1;
    ix->pos = pos;
    ix->escaped = escaped;
    ix->in_string = in_str;
    ix->scalar = scalar_prev;
    ix->escapes = escapes;
    ix->skip_bytes += skipped;
    if (bad)
        ix->bad = true;
    return n;
}

/*
 * The escapes of one block and a little past it, one at a time: for a
 * block holding a \u escape (or a bad one). from is where the block's
 * decoding starts (its first byte, or the backslash before it that the
 * last block left), block_end where it stops; *out advances. Returns the
 * byte after the last escape decoded (block_end or up to 11 bytes past
 * it), or NULL at a bad escape.
 */
static const uint8_t *unescape_bytewise(const uint8_t *from, const uint8_t *block_end,
                                        const uint8_t *stop, uint8_t **out, int replace)
{
    const uint8_t *q = from;
    uint8_t *o = *out;
    while (q < block_end) {
        if (*q != '\\') {
            *o++ = *q++;
            continue;
        }
        size_t used;
        const char *why;
        int r = avila_json_unescape(q, (size_t)(stop - q), o, replace, &used, &why);
        if (r < 0)
            return NULL;
        o += r;
        q += used;
    }
    *out = o;
    return q;
}

/*
 * A block at a time: the starting backslashes are dropped and the bytes
 * they escape translated by table, then the block compressed into the
 * output (VBMI2). A block with an escape that is not simple goes through
 * unescape_bytewise.
 */
AVILA_TARGET("avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt,bmi,bmi2")
ptrdiff_t avila_json_unescape_avx512(const uint8_t *p, size_t n, uint8_t *out, int replace)
{
    const __m512i bslash = _mm512_set1_epi8('\\');
    const __m512i table_lo = _mm512_load_si512((const void *)json_simple_escape),
                  table_hi = _mm512_load_si512((const void *)(json_simple_escape + 64));
    const uint8_t *const stop = p + n;
    uint8_t *o = out;
    uint64_t carry = 0; /* the block's first byte is escaped */
    while (p < stop) {
        size_t room = (size_t)(stop - p), take = room < 64 ? room : 64;
        uint64_t live = _bzhi_u64(~(uint64_t)0, (unsigned)take);
        __m512i v = _mm512_maskz_loadu_epi8(live, p);
        uint64_t bs = _mm512_mask_cmpeq_epi8_mask(live, v, bslash), in = carry;
        uint64_t starters = escape_starters(bs, &carry), escaped = starters << 1 | in;
        if (AVILA_LIKELY((starters | in) == 0)) {
            _mm512_mask_storeu_epi8(o, live, v);
            o += take;
            p += take;
            continue;
        }
        /* Bytes of 0x80 and above look up 0 (masked off). */
        __m512i meaning =
            _mm512_maskz_permutex2var_epi8(~_mm512_movepi8_mask(v), table_lo, v, table_hi);
        uint64_t simple = _mm512_test_epi8_mask(meaning, meaning);
        if (AVILA_UNLIKELY((escaped & ~(simple & live)) != 0)) {
            p = unescape_bytewise(p - in, p + take, stop, &o, replace);
            if (!p)
                return -1;
            carry = 0;
            continue;
        }
        uint64_t keep = live & ~starters;
        __m512i decoded = _mm512_mask_blend_epi8(escaped, v, meaning);
        unsigned k = (unsigned)__builtin_popcountll(keep);
        _mm512_mask_storeu_epi8(o, _bzhi_u64(~(uint64_t)0, k),
                                _mm512_maskz_compress_epi8(keep, decoded));
        o += k;
        p += take;
    }
    return carry ? -1 : o - out; /* (a backslash ending the body escapes nothing) */
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int avila_json_x86_unused;
#endif
