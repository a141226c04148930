/*
 * tests/media/test_h264_ratectl.c - the picture-level rate controller
 * against a model of an encoder: synthetic content whose bits fall with QP
 * as 2^(-QP/6) times a complexity that drifts, jumps at scene cuts and
 * carries noise the controller cannot predict. An independent leaky-bucket
 * model of the VBV checks every accepted picture; CBR must land on its
 * bitrate, VBR must keep its QP while the buffer allows, and retries must
 * always raise the QP.
 */
#include "tests/support/unit.h"

#include "core/error.h"
#include "media/h264/ratectl.h"

/* Bits of a picture of complexity c (bits at QP 0) coded at qp, with noise factor n. */
static size_t bits_at(double c, int qp, double n)
{
    double b = c * n;
    for (int i = 0; i < qp; i++)
        b /= 1.12246204830937298;
    return (size_t)b + 1;
}

/* Uniform in [lo, hi). */
static double uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(unit_rand(s) >> 11) / 9007199254740992.0;
}

struct run {
    double bits; /* accepted bits */
    unsigned retries;
    unsigned pictures;
    unsigned at_base;  /* VBR pictures coded at the base QP */
    unsigned overruns; /* pictures too big even at QP 51 */
};

/* Codes n pictures; idr_every 0: only the first is IDR. Checks the VBV on the way. */
static void simulate(bool cbr, int base_qp, unsigned kbps, unsigned vbv_kbits, unsigned n,
                     double complexity, unsigned idr_every, uint64_t seed, struct run *out)
{
    struct avila_h264_ratectl rc;
    assert_int_equal(avila_h264_ratectl_init(&rc, cbr, kbps, vbv_kbits, 30, 1), 0);
    double rate = kbps * 1000.0 / 30, size = vbv_kbits ? vbv_kbits * 1000.0 : kbps * 1000.0;
    double fullness = size; /* the independent model of the decoder's buffer */
    *out = (struct run){0};
    double scene = complexity;
    for (unsigned i = 0; i < n; i++) {
        bool idr = i == 0 || (idr_every && i % idr_every == 0);
        if (i % 97 == 50)
            scene = complexity * uniform(&seed, 0.2, 2); /* a scene cut */
        double c = scene * uniform(&seed, 0.9, 1.1);
        double pc = idr ? c * 4 : c, noise = uniform(&seed, 0.7, 1.4);
        int qp = avila_h264_ratectl_qp(&rc, idr, pc);
        if (!cbr && qp < base_qp)
            qp = base_qp;
        assert_true(qp >= 0 && qp <= 51);
        for (;;) {
            size_t b = bits_at(pc, qp, noise);
            size_t max = avila_h264_ratectl_max_bits(&rc);
            bool ok = avila_h264_ratectl_commit(&rc, idr, qp, b);
            assert_int_equal(ok, (double)b <= fullness);
            assert_true(max + 1 >= (size_t)fullness && max <= (size_t)fullness + 1);
            if (ok) {
                fullness = fullness - (double)b + rate;
                if (fullness > size)
                    fullness = size;
                out->bits += (double)b;
                out->at_base += qp == base_qp;
                break;
            }
            out->retries++;
            if (qp == 51) {
                /* Too big even so: the stream breaks the VBV, the buffer restarts empty. */
                avila_h264_ratectl_overrun(&rc, idr, qp, b);
                fullness = rate;
                out->overruns++;
                out->bits += (double)b;
                break;
            }
            int next = avila_h264_ratectl_retry_qp(&rc, qp, b);
            assert_true(next > qp);
            qp = next;
        }
        out->pictures++;
    }
}

static void init_limits(void **state)
{
    (void)state;
    struct avila_h264_ratectl rc;
    assert_int_equal(avila_h264_ratectl_init(&rc, true, 0, 0, 30, 1), AVILA_EINVAL);
    assert_int_equal(avila_h264_ratectl_init(&rc, true, 1000, 0, 0, 1), AVILA_EINVAL);
    assert_int_equal(avila_h264_ratectl_init(&rc, true, 1000, 0, 30, 0), AVILA_EINVAL);
    /* A buffer smaller than one picture's share (1000 kbit/s / 30 = 33.3 kbit). */
    assert_int_equal(avila_h264_ratectl_init(&rc, true, 1000, 33, 30, 1), AVILA_EINVAL);
    assert_int_equal(avila_h264_ratectl_init(&rc, true, 1000, 34, 30, 1), 0);
    /* It starts full: the first picture may take the whole buffer. */
    assert_int_equal(avila_h264_ratectl_max_bits(&rc), 34000);
    assert_int_equal(avila_h264_ratectl_retry_qp(&rc, 51, 1000000), 51);
}

/* CBR lands within 3% of its bitrate over 30 seconds, whatever the content. */
static void cbr_hits_the_bitrate(void **state)
{
    (void)state;
    /* At most about 0.8 of a picture's share at QP 51, so every picture can fit. */
    const double complexity[] = {1e6, 3e6, 6e6};
    for (unsigned k = 0; k < 3; k++) {
        struct run r;
        simulate(true, 0, 2000, 0, 900, complexity[k], 0, 7 + k, &r);
        double kbps = r.bits / (r.pictures / 30.0) / 1000;
        assert_int_equal(r.overruns, 0);
        assert_true(kbps > 2000 * 0.97 && kbps < 2000 * 1.03);
    }
}

/*
 * A small buffer (six pictures' worth) with periodic IDR pictures: refused
 * pictures are retried, never accepted too big.
 */
static void small_vbv_is_never_exceeded(void **state)
{
    (void)state;
    struct run r;
    simulate(true, 0, 1000, 200, 600, 2e6, 60, 3, &r);
    assert_int_equal(r.overruns, 0);
    assert_true(r.retries > 0);
    double kbps = r.bits / (r.pictures / 30.0) / 1000;
    assert_true(kbps < 1000 * 1.05);
}

/* VBR keeps its QP while the content is cheap, and caps the rate when it is not. */
static void vbr_caps_only_when_needed(void **state)
{
    (void)state;
    struct run r;
    simulate(false, 30, 5000, 0, 300, 1e6, 0, 11, &r);
    assert_int_equal(r.at_base, r.pictures);
    simulate(false, 20, 500, 0, 600, 1.5e6, 0, 12, &r);
    assert_int_equal(r.overruns, 0);
    assert_true(r.at_base < r.pictures / 10);
    double kbps = r.bits / (r.pictures / 30.0) / 1000;
    assert_true(kbps < 500 * 1.05);
}

/* A picture too big even at QP 51 empties the buffer; control resumes after it. */
static void overrun_restarts_the_buffer(void **state)
{
    (void)state;
    struct avila_h264_ratectl rc;
    assert_int_equal(avila_h264_ratectl_init(&rc, true, 100, 0, 30, 1), 0);
    assert_false(avila_h264_ratectl_commit(&rc, true, 51, 500000));
    avila_h264_ratectl_overrun(&rc, true, 51, 500000);
    size_t share = 100000 / 30;
    assert_int_equal(avila_h264_ratectl_max_bits(&rc), share);
    assert_true(avila_h264_ratectl_commit(&rc, false, 40, share / 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_limits),
        cmocka_unit_test(cbr_hits_the_bitrate),
        cmocka_unit_test(small_vbv_is_never_exceeded),
        cmocka_unit_test(vbr_caps_only_when_needed),
        cmocka_unit_test(overrun_restarts_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
