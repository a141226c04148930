/*
 * tests/media/test_h264_bits.c - media/h264/bits.h: u(n), ue(v), se(v) and
 * te(v) codewords against Tables 9-2 and 9-3 of ITU-T H.264, trailing bits
 * and byte alignment, the overflow flag and AVILA_ENOSPC, emulation
 * prevention of NAL units (every 00 00 0x pattern, a final zero byte,
 * runs of zeros) checked by an unescaping reader written here from 7.3.1
 * and 7.4.1, and random sequences of writes read back by a tiny
 * Exp-Golomb reader written here from 9.1.
 * Also media/h264/params.h: levels picked for common sizes and rates
 * worked by hand from Table A-1 (frame size, width and height limits,
 * macroblock rate, bit rate, 172 fps), MaxVmvR, sps_init's defaults and
 * errors, the SPS (with VUI and cropping), PPS and slice headers parsed
 * back field by field with a reader written here from 7.3.2.1.1, E.1.1,
 * 7.3.2.2 and 7.3.3, and the SEI messages' bytes worked from D.1.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/h264/bits.h"
#include "media/h264/params.h"

/* The writer's bytes as a string of '0'/'1', nbits long. */
static void bitstring(const uint8_t *p, size_t nbits, char *out)
{
    for (size_t i = 0; i < nbits; i++)
        out[i] = (char)('0' + ((p[i / 8] >> (7 - i % 8)) & 1));
    out[nbits] = 0;
}

/* Writes with fn into a fresh writer, finishes and compares the bits with want. */
static void expect_bits(const char *want, void (*fn)(avila_h264_bits *, int), int arg)
{
    uint8_t buf[32];
    char got[256];
    avila_h264_bits b;
    avila_h264_bits_init(&b, buf, sizeof(buf));
    fn(&b, arg);
    size_t n = avila_h264_bits_count(&b);
    assert_int_equal(n, strlen(want));
    int r = avila_h264_bits_finish(&b);
    assert_int_equal(r, (int)((n + 7) / 8));
    bitstring(buf, n, got);
    assert_string_equal(got, want);
    /* Padding bits of the last byte are zero. */
    for (size_t i = n; i < (size_t)r * 8; i++)
        assert_int_equal((buf[i / 8] >> (7 - i % 8)) & 1, 0);
}

static void put_ue(avila_h264_bits *b, int v)
{
    avila_h264_bits_ue(b, (uint32_t)v);
}
static void put_se(avila_h264_bits *b, int v)
{
    avila_h264_bits_se(b, v);
}
static void put_te1(avila_h264_bits *b, int v)
{
    avila_h264_bits_te(b, 1, (unsigned)v);
}
static void put_te5(avila_h264_bits *b, int v)
{
    avila_h264_bits_te(b, 5, (unsigned)v);
}

static void exp_golomb_tables(void **state)
{
    (void)state;
    /* Table 9-2 (bit strings and codeNum ranges) for codeNum 0..8. */
    static const char *const ue[] = {"1",     "010",   "011",     "00100",  "00101",
                                     "00110", "00111", "0001000", "0001001"};
    for (int i = 0; i < 9; i++) {
        expect_bits(ue[i], put_ue, i);
        assert_int_equal(avila_h264_ue_size((uint32_t)i), strlen(ue[i]));
    }
    expect_bits("00000000100000000", put_ue, 255); /* 8 zeros, then 256 in 9 bits */
    /* Table 9-3: codeNum k <-> se value (-1)^(k+1) ceil(k/2). */
    static const int se_vals[] = {0, 1, -1, 2, -2, 3, -3, 4, -4};
    for (int i = 0; i < 9; i++) {
        expect_bits(ue[i], put_se, se_vals[i]);
        assert_int_equal(avila_h264_se_size(se_vals[i]), strlen(ue[i]));
    }
    /* te(v) with range 1 is one inverted bit; otherwise ue(v). */
    expect_bits("1", put_te1, 0);
    expect_bits("0", put_te1, 1);
    for (int i = 0; i <= 5; i++)
        expect_bits(ue[i], put_te5, i);
}

static void long_codes(void **state)
{
    (void)state;
    uint8_t buf[16];
    avila_h264_bits b;
    /* ue(2^32 - 2): 31 zeros then the 32 bits of 2^32 - 1: 63 bits. */
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_bits_ue(&b, UINT32_MAX - 1);
    assert_int_equal(avila_h264_bits_count(&b), 63);
    assert_int_equal(avila_h264_ue_size(UINT32_MAX - 1), 63);
    assert_int_equal(avila_h264_bits_finish(&b), 8);
    static const uint8_t want[8] = {0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe};
    assert_memory_equal(buf, want, 8);
    /* se at the extremes: INT32_MAX is codeNum 2^32 - 3, -INT32_MAX is 2^32 - 2. */
    assert_int_equal(avila_h264_se_size(INT32_MAX), 63);
    assert_int_equal(avila_h264_se_size(-INT32_MAX), 63);
    /* 32-bit puts and n = 0. */
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_bits_put(&b, 0, 0);
    avila_h264_bits_put(&b, 4, 0xa);
    avila_h264_bits_put(&b, 32, 0x12345678);
    avila_h264_bits_put(&b, 32, 0x9abcdef0);
    avila_h264_bits_put(&b, 4, 0xb);
    assert_int_equal(avila_h264_bits_finish(&b), 9);
    static const uint8_t want2[9] = {0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x0b};
    assert_memory_equal(buf, want2, 9);
}

static void trailing_and_alignment(void **state)
{
    (void)state;
    uint8_t buf[8];
    avila_h264_bits b;
    /* For every starting offset, trailing bits end on a byte boundary with 1 then zeros. */
    for (unsigned k = 0; k < 24; k++) {
        memset(buf, 0xee, sizeof(buf));
        avila_h264_bits_init(&b, buf, sizeof(buf));
        avila_h264_bits_put(&b, k, k == 0 ? 0 : (1u << k) - 1);
        avila_h264_bits_trailing(&b);
        size_t n = avila_h264_bits_count(&b);
        assert_int_equal(n % 8, 0);
        assert_int_equal(n, (k / 8 + 1) * 8);
        assert_int_equal(avila_h264_bits_finish(&b), (int)(n / 8));
        char got[64], want[64];
        bitstring(buf, n, got);
        for (unsigned i = 0; i < n; i++)
            want[i] = i < k ? '1' : i == k ? '1' : '0';
        want[n] = 0;
        assert_string_equal(got, want);
    }
    /* An already aligned writer still gets a whole 0x80 byte. */
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_bits_put(&b, 8, 0x55);
    avila_h264_bits_trailing(&b);
    assert_int_equal(avila_h264_bits_finish(&b), 2);
    assert_int_equal(buf[1], 0x80);
    /* finish pads a partial byte with zeros. */
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_bits_put(&b, 3, 7);
    assert_int_equal(avila_h264_bits_finish(&b), 1);
    assert_int_equal(buf[0], 0xe0);
}

static void overflow(void **state)
{
    (void)state;
    uint8_t buf[8];
    avila_h264_bits b;
    /* Exactly full buffers succeed, one bit more fails; for caps 0..8. */
    for (size_t cap = 0; cap <= 8; cap++) {
        avila_h264_bits_init(&b, cap ? buf : NULL, cap);
        for (size_t i = 0; i < cap; i++)
            avila_h264_bits_put(&b, 8, (uint32_t)i + 1);
        assert_false(b.overflow);
        assert_int_equal(avila_h264_bits_finish(&b), (int)cap);
        for (size_t i = 0; i < cap; i++)
            assert_int_equal(buf[i], i + 1);
        avila_h264_bits_init(&b, cap ? buf : NULL, cap);
        for (size_t i = 0; i < cap; i++)
            avila_h264_bits_put(&b, 8, 0x5a);
        avila_h264_bits_put(&b, 1, 1);
        assert_int_equal(avila_h264_bits_count(&b), cap * 8 + 1);
        assert_int_equal(avila_h264_bits_finish(&b), AVILA_ENOSPC);
        assert_true(b.overflow);
    }
    /* Counting over no buffer stays exact far past the capacity. */
    avila_h264_bits_init(&b, NULL, 0);
    for (int i = 0; i < 1000; i++)
        avila_h264_bits_ue(&b, (uint32_t)i);
    size_t want = 0;
    for (int i = 0; i < 1000; i++)
        want += avila_h264_ue_size((uint32_t)i);
    assert_int_equal(avila_h264_bits_count(&b), want);
    assert_true(b.overflow);
    assert_int_equal(avila_h264_bits_finish(&b), AVILA_ENOSPC);
}

/*
 * The reverse of avila_h264_nal_write from 7.3.1 and 7.4.1, written here:
 * checks the start code and header, drops each emulation_prevention_three_byte
 * (a 0x03 after two zero bytes, which must be followed by 0x00..0x03 or
 * the end), fails on a forbidden 00 00 00, 00 00 01 or 00 00 02, and
 * returns the RBSP length.
 */
static size_t nal_unescape(const uint8_t *p, size_t n, unsigned ref, unsigned type, uint8_t *out)
{
    assert_true(n >= 5);
    assert_int_equal(p[0], 0);
    assert_int_equal(p[1], 0);
    assert_int_equal(p[2], 0);
    assert_int_equal(p[3], 1);
    assert_int_equal(p[4] >> 7, 0);
    assert_int_equal((p[4] >> 5) & 3, ref);
    assert_int_equal(p[4] & 31, type);
    size_t o = 0;
    int zeros = 0;
    for (size_t i = 5; i < n; i++) {
        if (zeros == 2 && p[i] == 3) {
            assert_true(i + 1 == n || p[i + 1] <= 3);
            zeros = 0;
            continue;
        }
        assert_false(zeros == 2 && p[i] < 3);
        out[o++] = p[i];
        zeros = p[i] == 0 ? zeros + 1 : 0;
    }
    /* The last byte of a NAL unit is never zero (7.4.1). */
    assert_true(n == 5 || p[n - 1] != 0);
    return o;
}

/* nal_write then unescape gives the RBSP back; returns the NAL length. */
static size_t nal_round_trip(const uint8_t *rbsp, size_t len)
{
    size_t cap = AVILA_H264_NAL_MAX(len);
    uint8_t *nal = malloc(cap);
    uint8_t *back = malloc(len + 1);
    assert_non_null(nal);
    assert_non_null(back);
    int n = avila_h264_nal_write(nal, cap, 3, 5, rbsp, len);
    assert_true(n >= 5);
    size_t m = nal_unescape(nal, (size_t)n, 3, 5, back);
    if (len > 0 && rbsp[len - 1] == 0) {
        /* The final 0x03 after a zero byte: an emulation prevention byte after
         * 00 00 (the cabac_zero_word case of 7.4.1), else one more byte. */
        assert_int_equal(nal[n - 1], 3);
        if (m == len + 1)
            assert_int_equal(back[len], 3);
        else
            assert_int_equal(m, len);
        m = len;
    }
    assert_int_equal(m, len);
    assert_memory_equal(back, rbsp, len);
    /* Every smaller capacity fails with ENOSPC. */
    for (size_t c = 0; c < (size_t)n; c++)
        assert_int_equal(avila_h264_nal_write(nal, c, 3, 5, rbsp, len), AVILA_ENOSPC);
    free(nal);
    free(back);
    return (size_t)n;
}

static void nal_known(void **state)
{
    (void)state;
    uint8_t out[64];
    /* Each 00 00 0x with x <= 3 gets a 0x03; 00 00 04 does not. */
    for (unsigned x = 0; x <= 4; x++) {
        const uint8_t in[] = {0x65, 0, 0, (uint8_t)x, 0x80};
        int n = avila_h264_nal_write(out, sizeof(out), 1, 1, in, sizeof(in));
        const uint8_t esc[] = {0, 0, 0, 1, 0x21, 0x65, 0, 0, 3, (uint8_t)x, 0x80};
        const uint8_t plain[] = {0, 0, 0, 1, 0x21, 0x65, 0, 0, 4, 0x80};
        if (x <= 3) {
            assert_int_equal(n, sizeof(esc));
            assert_memory_equal(out, esc, sizeof(esc));
        } else {
            assert_int_equal(n, sizeof(plain));
            assert_memory_equal(out, plain, sizeof(plain));
        }
    }
    /* Four zeros: 00 00 03 00 00, and a final 03 since the RBSP ends in 00. */
    const uint8_t zeros[4] = {0};
    int n = avila_h264_nal_write(out, sizeof(out), 0, 6, zeros, 4);
    const uint8_t want[] = {0, 0, 0, 1, 6, 0, 0, 3, 0, 0, 3};
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    /* A lone final zero: 00 03. */
    const uint8_t one[] = {0x80, 0};
    n = avila_h264_nal_write(out, sizeof(out), 2, 7, one, 2);
    const uint8_t want1[] = {0, 0, 0, 1, 0x47, 0x80, 0, 3};
    assert_int_equal(n, sizeof(want1));
    assert_memory_equal(out, want1, sizeof(want1));
    /* Empty RBSP: start code and header only. */
    assert_int_equal(avila_h264_nal_write(out, 5, 0, 9, NULL, 0), 5);
    /* Bad header fields. */
    assert_int_equal(avila_h264_nal_write(out, sizeof(out), 4, 1, one, 2), AVILA_EINVAL);
    assert_int_equal(avila_h264_nal_write(out, sizeof(out), 0, 0, one, 2), AVILA_EINVAL);
    assert_int_equal(avila_h264_nal_write(out, sizeof(out), 0, 24, one, 2), AVILA_EINVAL);
    /* The worst case (all zeros) stays within AVILA_H264_NAL_MAX. */
    for (size_t len = 0; len < 40; len++) {
        uint8_t z[40] = {0};
        size_t got = nal_round_trip(z, len);
        assert_true(got <= AVILA_H264_NAL_MAX(len));
    }
}

static void nal_random(void **state)
{
    (void)state;
    uint64_t rng = 0x264;
    uint8_t rbsp[300];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = (size_t)(unit_rand(&rng) % sizeof(rbsp));
        /* Mostly zeros and small bytes, where emulation prevention happens. */
        for (size_t i = 0; i < len; i++) {
            uint64_t r = unit_rand(&rng);
            rbsp[i] = (uint8_t)(r % 3 == 0 ? 0 : r % 3 == 1 ? (r >> 8) % 5 : r >> 8);
        }
        nal_round_trip(rbsp, len);
    }
}

/* A tiny MSB-first reader with Exp-Golomb (9.1), written here. */
struct reader {
    const uint8_t *p;
    size_t n, pos;
};
static uint32_t rd_bits(struct reader *r, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_true(r->pos < r->n * 8);
        v = v << 1 | ((r->p[r->pos / 8] >> (7 - r->pos % 8)) & 1);
        r->pos++;
    }
    return v;
}
static uint32_t rd_ue(struct reader *r)
{
    int lz = -1;
    for (uint32_t b = 0; b == 0; lz++)
        b = rd_bits(r, 1);
    assert_true(lz <= 31);
    return (uint32_t)(((uint64_t)1 << lz) - 1 + rd_bits(r, (unsigned)lz));
}
static int32_t rd_se(struct reader *r)
{
    uint32_t k = rd_ue(r);
    return k & 1 ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

static void random_round_trip(void **state)
{
    (void)state;
    enum { OPS = 4000 };
    uint64_t rng = 99;
    uint8_t *buf = malloc(OPS * 8 + 16);
    int *kind = malloc(OPS * sizeof(int));
    uint32_t *val = malloc(OPS * sizeof(uint32_t));
    unsigned *arg = malloc(OPS * sizeof(unsigned));
    assert_non_null(buf);
    assert_non_null(kind);
    assert_non_null(val);
    assert_non_null(arg);
    for (int round = 0; round < 50; round++) {
        avila_h264_bits b;
        avila_h264_bits_init(&b, buf, OPS * 8 + 16);
        size_t want_bits = 0;
        for (int i = 0; i < OPS; i++) {
            uint64_t r = unit_rand(&rng);
            kind[i] = (int)(r % 4);
            unsigned shift = (unsigned)(r >> 8) % 33;
            uint32_t v = (uint32_t)(unit_rand(&rng) >> (32 + (shift == 0 ? 0 : shift - 1)));
            if (shift == 0)
                v = (uint32_t)(unit_rand(&rng) >> 32);
            switch (kind[i]) {
            case 0: /* u(n) */
                arg[i] = (unsigned)(r >> 20) % 33;
                val[i] = arg[i] == 32 ? v : v & ((1u << arg[i]) - 1);
                avila_h264_bits_put(&b, arg[i], val[i]);
                want_bits += arg[i];
                break;
            case 1: /* ue(v) */
                val[i] = v == UINT32_MAX ? v - 1 : v;
                avila_h264_bits_ue(&b, val[i]);
                want_bits += avila_h264_ue_size(val[i]);
                break;
            case 2: /* se(v) */
                val[i] = v == 0x80000000u ? 0 : v;
                avila_h264_bits_se(&b, (int32_t)val[i]);
                want_bits += avila_h264_se_size((int32_t)val[i]);
                break;
            default: /* te(v) */
                arg[i] = 1 + (unsigned)(r >> 20) % 4;
                val[i] = (uint32_t)((r >> 30) % (arg[i] + 1));
                avila_h264_bits_te(&b, arg[i], val[i]);
                want_bits += arg[i] == 1 ? 1 : avila_h264_ue_size(val[i]);
                break;
            }
            assert_int_equal(avila_h264_bits_count(&b), want_bits);
        }
        avila_h264_bits_trailing(&b);
        int n = avila_h264_bits_finish(&b);
        assert_int_equal(n, (int)((want_bits + 8) / 8));
        struct reader rd = {buf, (size_t)n, 0};
        for (int i = 0; i < OPS; i++) {
            switch (kind[i]) {
            case 0:
                assert_int_equal(rd_bits(&rd, arg[i]), val[i]);
                break;
            case 1:
                assert_int_equal(rd_ue(&rd), val[i]);
                break;
            case 2:
                assert_int_equal(rd_se(&rd), (int32_t)val[i]);
                break;
            default:
                if (arg[i] == 1)
                    assert_int_equal(!rd_bits(&rd, 1), val[i]);
                else
                    assert_int_equal(rd_ue(&rd), val[i]);
                break;
            }
        }
        assert_int_equal(rd_bits(&rd, 1), 1); /* rbsp_stop_one_bit */
        while (rd.pos % 8 != 0)
            assert_int_equal(rd_bits(&rd, 1), 0);
        assert_int_equal(rd.pos, (size_t)n * 8);
    }
    free(buf);
    free(kind);
    free(val);
    free(arg);
}

static void level_pick(void **state)
{
    (void)state;
    /* QCIF (99 MBs): 15 fps is exactly MaxMBPS 1485 of level 1; 30 fps needs 1.1;
     * 100 kbit/s at 15 fps exceeds level 1's 64 but fits 1b's 128. */
    assert_int_equal(avila_h264_level_pick(11, 9, 15, 1, 0), 10);
    assert_int_equal(avila_h264_level_pick(11, 9, 30, 1, 0), 11);
    assert_int_equal(avila_h264_level_pick(11, 9, 15, 1, 100), 9);
    assert_int_equal(avila_h264_level_pick(11, 9, 15, 1, 64), 10);
    /* CIF (396) at 30: 11880 MB/s, level 1.3; at 1000 kbit/s level 2. */
    assert_int_equal(avila_h264_level_pick(22, 18, 30, 1, 0), 13);
    assert_int_equal(avila_h264_level_pick(22, 18, 30, 1, 1000), 20);
    /* 720p (3600): 30 fps 108000 is 3.1; 60 fps 216000 is 3.2. */
    assert_int_equal(avila_h264_level_pick(80, 45, 30, 1, 0), 31);
    assert_int_equal(avila_h264_level_pick(80, 45, 60, 1, 0), 32);
    /* 1080p (8160): 30 fps is 4 (MaxFS 8192), 60 fps 4.2, 25 Mbit/s 4.1;
     * 30000/1001 fps rounds nothing up. */
    assert_int_equal(avila_h264_level_pick(120, 68, 30, 1, 0), 40);
    assert_int_equal(avila_h264_level_pick(120, 68, 30000, 1001, 0), 40);
    assert_int_equal(avila_h264_level_pick(120, 68, 60, 1, 0), 42);
    assert_int_equal(avila_h264_level_pick(120, 68, 30, 1, 25000), 41);
    assert_int_equal(avila_h264_level_pick(120, 68, 30, 1, 240001), 0);
    /* 2160p (32400) at 30: 5.1; at 60: 5.2. 4096x2304 (36864) at 60: none. */
    assert_int_equal(avila_h264_level_pick(240, 135, 30, 1, 0), 51);
    assert_int_equal(avila_h264_level_pick(240, 135, 60, 1, 0), 52);
    assert_int_equal(avila_h264_level_pick(256, 144, 30, 1, 0), 52);
    assert_int_equal(avila_h264_level_pick(256, 144, 60, 1, 0), 0);
    /* 512 x 4 MBs: 2048 MBs, but a width of 512 needs sqrt(8 MaxFS) >= 512: 5.1. */
    assert_int_equal(avila_h264_level_pick(512, 4, 1, 1, 0), 51);
    assert_int_equal(avila_h264_level_pick(4, 512, 1, 1, 0), 51);
    /* 29 MBs wide is beyond level 1's sqrt(792) = 28 though 29 MBs fit MaxFS 99. */
    assert_int_equal(avila_h264_level_pick(29, 1, 1, 1, 0), 11);
    /* More than 172 pictures per second: none (A.3.1 a). */
    assert_int_equal(avila_h264_level_pick(1, 1, 172, 1, 0), 10);
    assert_int_equal(avila_h264_level_pick(1, 1, 173, 1, 0), 0);
    assert_int_equal(avila_h264_level_pick(0, 1, 30, 1, 0), 0);
    assert_int_equal(avila_h264_level_pick(1, 1, 30, 0, 0), 0);
    /* MaxVmvR in quarter samples. */
    assert_int_equal(avila_h264_level_max_vmv(10), 256);
    assert_int_equal(avila_h264_level_max_vmv(9), 256);
    assert_int_equal(avila_h264_level_max_vmv(11), 512);
    assert_int_equal(avila_h264_level_max_vmv(20), 512);
    assert_int_equal(avila_h264_level_max_vmv(21), 1024);
    assert_int_equal(avila_h264_level_max_vmv(30), 1024);
    assert_int_equal(avila_h264_level_max_vmv(31), 2048);
    assert_int_equal(avila_h264_level_max_vmv(52), 2048);
    assert_int_equal(avila_h264_level_max_vmv(99), 0);
    /* MaxMvsPer2Mb: none up to level 2.2. */
    assert_int_equal(avila_h264_level_max_mvs_per_2mb(22), 0);
    assert_int_equal(avila_h264_level_max_mvs_per_2mb(30), 32);
    assert_int_equal(avila_h264_level_max_mvs_per_2mb(31), 16);
    assert_int_equal(avila_h264_level_max_mvs_per_2mb(52), 16);
    assert_int_equal(avila_h264_level_max_mvs_per_2mb(99), 0);
}

static void sps_init_values(void **state)
{
    (void)state;
    avila_h264_sps s;
    assert_int_equal(avila_h264_sps_init(&s, 1920, 1080, 30000, 1001, 0), 0);
    assert_int_equal(s.mb_width, 120);
    assert_int_equal(s.mb_height, 68);
    assert_int_equal(s.level_idc, 40);
    assert_int_equal(s.log2_max_frame_num, 16);
    assert_int_equal(s.max_num_ref_frames, 1);
    assert_true(s.timing);
    assert_int_equal(s.num_units_in_tick, 1001);
    assert_int_equal(s.time_scale, 60000);
    assert_true(s.colour);
    assert_false(s.full_range);
    assert_int_equal(s.colour_primaries, 1);
    assert_int_equal(s.transfer, 1);
    assert_int_equal(s.matrix, 1);
    /* The rate is reduced: 50/2 fps is 1 tick of 1/50 s. */
    assert_int_equal(avila_h264_sps_init(&s, 33, 17, 50, 2, 0), 0);
    assert_int_equal(s.num_units_in_tick, 1);
    assert_int_equal(s.time_scale, 50);
    assert_int_equal(s.mb_width, 3);
    assert_int_equal(s.mb_height, 2);
    assert_int_equal(avila_h264_sps_init(&s, 0, 16, 25, 1, 0), AVILA_EINVAL);
    assert_int_equal(avila_h264_sps_init(&s, 16, 0, 25, 1, 0), AVILA_EINVAL);
    assert_int_equal(avila_h264_sps_init(&s, 8193, 16, 1, 1, 0), AVILA_EINVAL);
    assert_int_equal(avila_h264_sps_init(&s, 16, 16, 0, 1, 0), AVILA_EINVAL);
    assert_int_equal(avila_h264_sps_init(&s, 16, 16, 25, 0, 0), AVILA_EINVAL);
    assert_int_equal(avila_h264_sps_init(&s, 8192, 8192, 1, 1, 0), AVILA_EINVAL);
    assert_int_equal(avila_h264_sps_init(&s, 4096, 2304, 60, 1, 0), AVILA_EINVAL);
    assert_int_equal(avila_h264_sps_init(&s, 16, 16, 173, 1, 0), AVILA_EINVAL);
    /* 1080p at 120 fps: 979200 MB/s fits 5.1's 983040. */
    assert_int_equal(avila_h264_sps_init(&s, 1920, 1080, 120, 1, 0), 0);
    assert_int_equal(s.level_idc, 51);
}

/* Writes with a fresh writer into buf; returns a reader over the result. */
static struct reader finish_reader(avila_h264_bits *b, uint8_t *buf)
{
    int n = avila_h264_bits_finish(b);
    assert_true(n > 0);
    struct reader r = {buf, (size_t)n, 0};
    return r;
}

static void rd_trailing(struct reader *r)
{
    assert_int_equal(rd_bits(r, 1), 1);
    while (r->pos % 8 != 0)
        assert_int_equal(rd_bits(r, 1), 0);
    assert_int_equal(r->pos, r->n * 8);
}

/* seq_parameter_set_rbsp (7.3.2.1.1) for profile_idc 66, read back and checked. */
static void check_sps(const avila_h264_sps *s, unsigned crop_r, unsigned crop_b)
{
    uint8_t buf[128];
    avila_h264_bits b;
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_sps_write(&b, s);
    struct reader r = finish_reader(&b, buf);
    assert_int_equal(rd_bits(&r, 8), 66);
    bool l1b = s->level_idc == 9;
    assert_int_equal(rd_bits(&r, 1), 1); /* constraint_set0_flag */
    assert_int_equal(rd_bits(&r, 1), 1); /* constraint_set1_flag */
    assert_int_equal(rd_bits(&r, 1), 0);
    assert_int_equal(rd_bits(&r, 1), l1b);
    assert_int_equal(rd_bits(&r, 4), 0);
    assert_int_equal(rd_bits(&r, 8), l1b ? 11 : s->level_idc);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r) + 4, s->log2_max_frame_num);
    assert_int_equal(rd_ue(&r), 2);
    assert_int_equal(rd_ue(&r), s->max_num_ref_frames);
    assert_int_equal(rd_bits(&r, 1), 0);
    assert_int_equal(rd_ue(&r) + 1, s->mb_width);
    assert_int_equal(rd_ue(&r) + 1, s->mb_height);
    assert_int_equal(rd_bits(&r, 1), 1); /* frame_mbs_only_flag */
    assert_int_equal(rd_bits(&r, 1), 1); /* direct_8x8_inference_flag */
    uint32_t crop = rd_bits(&r, 1);
    assert_int_equal(crop, crop_r != 0 || crop_b != 0);
    if (crop) {
        assert_int_equal(rd_ue(&r), 0);
        assert_int_equal(rd_ue(&r), crop_r);
        assert_int_equal(rd_ue(&r), 0);
        assert_int_equal(rd_ue(&r), crop_b);
    }
    uint32_t vui = rd_bits(&r, 1);
    assert_int_equal(vui, s->timing || s->colour);
    if (vui) {
        assert_int_equal(rd_bits(&r, 2), 0); /* aspect ratio, overscan */
        assert_int_equal(rd_bits(&r, 1), s->colour);
        if (s->colour) {
            assert_int_equal(rd_bits(&r, 3), 5);
            assert_int_equal(rd_bits(&r, 1), s->full_range);
            assert_int_equal(rd_bits(&r, 1), 1);
            assert_int_equal(rd_bits(&r, 8), s->colour_primaries);
            assert_int_equal(rd_bits(&r, 8), s->transfer);
            assert_int_equal(rd_bits(&r, 8), s->matrix);
        }
        assert_int_equal(rd_bits(&r, 1), 0); /* chroma_loc_info_present_flag */
        assert_int_equal(rd_bits(&r, 1), s->timing);
        if (s->timing) {
            assert_int_equal(rd_bits(&r, 32), s->num_units_in_tick);
            assert_int_equal(rd_bits(&r, 32), s->time_scale);
            assert_int_equal(rd_bits(&r, 1), s->fixed_frame_rate);
        }
        assert_int_equal(rd_bits(&r, 3), 0); /* no HRD, no pic_struct */
        assert_int_equal(rd_bits(&r, 1), 1); /* bitstream_restriction_flag */
        assert_int_equal(rd_bits(&r, 1), 1);
        assert_int_equal(rd_ue(&r), 0);
        assert_int_equal(rd_ue(&r), 0);
        assert_int_equal(rd_ue(&r), 15);
        assert_int_equal(rd_ue(&r), 15);
        assert_int_equal(rd_ue(&r), 0);                     /* max_num_reorder_frames */
        assert_int_equal(rd_ue(&r), s->max_num_ref_frames); /* max_dec_frame_buffering */
    }
    rd_trailing(&r);
}

static void sps_pps_slice(void **state)
{
    (void)state;
    avila_h264_sps s;
    assert_int_equal(avila_h264_sps_init(&s, 1920, 1080, 25, 1, 0), 0);
    check_sps(&s, 0, 4);
    assert_int_equal(avila_h264_sps_init(&s, 33, 17, 25, 1, 0), 0);
    check_sps(&s, 7, 7); /* 48 - 34 and 32 - 18 samples, in pairs */
    assert_int_equal(avila_h264_sps_init(&s, 64, 64, 15, 1, 100), 0);
    assert_int_equal(s.level_idc, 9);
    s.timing = false;
    s.full_range = true;
    s.log2_max_frame_num = 4;
    check_sps(&s, 0, 0);
    s.colour = false;
    check_sps(&s, 0, 0);

    /* PPS (7.3.2.2). */
    const avila_h264_pps p = {.pic_init_qp = 30,
                              .chroma_qp_index_offset = -3,
                              .deblocking_control = true,
                              .constrained_intra_pred = false,
                              .num_ref_idx_active = 1};
    uint8_t buf[64];
    avila_h264_bits b;
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_pps_write(&b, &p);
    struct reader r = finish_reader(&b, buf);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_bits(&r, 2), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_bits(&r, 3), 0);
    assert_int_equal(rd_se(&r), 4);
    assert_int_equal(rd_se(&r), 0);
    assert_int_equal(rd_se(&r), -3);
    assert_int_equal(rd_bits(&r, 3), 4); /* deblocking control, no CIP, no redundant */
    rd_trailing(&r);

    /* Slice headers (7.3.3): an IDR I slice and a non-IDR P slice. */
    s.log2_max_frame_num = 5;
    const avila_h264_slice_header idr = {.first_mb = 7,
                                         .slice_type = AVILA_H264_SLICE_I,
                                         .idr = true,
                                         .nal_ref_idc = 3,
                                         .frame_num = 0,
                                         .idr_pic_id = 513,
                                         .slice_qp = 22,
                                         .disable_deblocking = 0,
                                         .alpha_offset = -4,
                                         .beta_offset = 6};
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_slice_header_write(&b, &s, &p, &idr);
    avila_h264_bits_trailing(&b);
    r = finish_reader(&b, buf);
    assert_int_equal(rd_ue(&r), 7);
    assert_int_equal(rd_ue(&r), 2);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_bits(&r, 5), 0);
    assert_int_equal(rd_ue(&r), 513);
    assert_int_equal(rd_bits(&r, 2), 0); /* no_output_of_prior_pics, long_term_reference */
    assert_int_equal(rd_se(&r), -8);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_se(&r), -2);
    assert_int_equal(rd_se(&r), 3);
    rd_trailing(&r);
    const avila_h264_slice_header ps = {.first_mb = 0,
                                        .slice_type = AVILA_H264_SLICE_P,
                                        .idr = false,
                                        .nal_ref_idc = 2,
                                        .frame_num = 37, /* written mod 32 */
                                        .slice_qp = 51,
                                        .disable_deblocking = 1};
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_slice_header_write(&b, &s, &p, &ps);
    avila_h264_bits_trailing(&b);
    r = finish_reader(&b, buf);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_bits(&r, 5), 5);
    assert_int_equal(rd_bits(&r, 2), 0); /* override, ref_pic_list_modification_flag_l0 */
    assert_int_equal(rd_bits(&r, 1), 0); /* adaptive_ref_pic_marking_mode_flag */
    assert_int_equal(rd_se(&r), 21);
    assert_int_equal(rd_ue(&r), 1);
    rd_trailing(&r);
    /* A non-reference P slice without deblocking control: no marking, no filter fields. */
    avila_h264_pps p2 = p;
    p2.deblocking_control = false;
    avila_h264_slice_header nonref = ps;
    nonref.nal_ref_idc = 0;
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_slice_header_write(&b, &s, &p2, &nonref);
    avila_h264_bits_trailing(&b);
    r = finish_reader(&b, buf);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_ue(&r), 0);
    assert_int_equal(rd_bits(&r, 5), 5);
    assert_int_equal(rd_bits(&r, 2), 0);
    assert_int_equal(rd_se(&r), 21);
    rd_trailing(&r);
}

static void sei_messages(void **state)
{
    (void)state;
    uint8_t buf[600];
    avila_h264_bits b;
    /* recovery_point 0: type 6, size 1, payload 1 1 0 00 (ue 0, exact_match,
     * broken_link, changing_slice_group_idc) then alignment 1 00: 0xc4; trailing 0x80. */
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_sei_recovery_point(&b, 0, true);
    const uint8_t rp0[] = {6, 1, 0xc4, 0x80};
    assert_int_equal(avila_h264_bits_finish(&b), sizeof(rp0));
    assert_memory_equal(buf, rp0, sizeof(rp0));
    /* Without exact_match: 1 0 0 00, then 1 00: 0x84. */
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_sei_recovery_point(&b, 0, false);
    const uint8_t rp0x[] = {6, 1, 0x84, 0x80};
    assert_int_equal(avila_h264_bits_finish(&b), sizeof(rp0x));
    assert_memory_equal(buf, rp0x, sizeof(rp0x));
    /* recovery_point 300: ue(300) is 17 bits (8 zeros, then 301 = 100101101),
     * then 1 0 00: 21 bits, aligned by 1 00: 00000000 10010110 11000100. */
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_sei_recovery_point(&b, 300, true);
    const uint8_t rp300[] = {6, 3, 0x00, 0x96, 0xc4, 0x80};
    assert_int_equal(avila_h264_bits_finish(&b), sizeof(rp300));
    assert_memory_equal(buf, rp300, sizeof(rp300));
    /* user_data_unregistered: type 5, size 16 + len (255 and more take 0xff bytes). */
    uint8_t uuid[16], data[300];
    for (int i = 0; i < 16; i++)
        uuid[i] = (uint8_t)(0xa0 + i);
    for (int i = 0; i < 300; i++)
        data[i] = (uint8_t)i;
    const size_t lens[] = {0, 3, 238, 239, 240, 300};
    for (size_t k = 0; k < AVILA_ARRAY_LEN(lens); k++) {
        size_t len = lens[k], size = 16 + len;
        avila_h264_bits_init(&b, buf, sizeof(buf));
        avila_h264_sei_user_data(&b, uuid, len ? data : NULL, len);
        int n = avila_h264_bits_finish(&b);
        size_t hdr = 1 + size / 255 + 1;
        assert_int_equal(n, (int)(hdr + size + 1));
        assert_int_equal(buf[0], 5);
        for (size_t i = 0; i < size / 255; i++)
            assert_int_equal(buf[1 + i], 0xff);
        assert_int_equal(buf[hdr - 1], size % 255);
        assert_memory_equal(buf + hdr, uuid, 16);
        if (len)
            assert_memory_equal(buf + hdr + 16, data, len);
        assert_int_equal(buf[n - 1], 0x80);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exp_golomb_tables),
        cmocka_unit_test(long_codes),
        cmocka_unit_test(trailing_and_alignment),
        cmocka_unit_test(overflow),
        cmocka_unit_test(nal_known),
        cmocka_unit_test(nal_random),
        cmocka_unit_test(random_round_trip),
        cmocka_unit_test(level_pick),
        cmocka_unit_test(sps_init_values),
        cmocka_unit_test(sps_pps_slice),
        cmocka_unit_test(sei_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
