/*
 * tests/net/test_timer.c - the timing wheel against a reference model (an
 * array of deadlines, sorted per pass), on random sequences of arm, cancel,
 * re-arm and advance by small steps, exact slot boundaries, large jumps and
 * deadlines far past the horizon; next_deadline's bounds; callbacks that
 * cancel, arm and re-arm; a million timers.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "net/timer.h"

/* A caller object with an embedded timer. */
struct item {
    uint64_t tag;
    struct avila_timer timer;
    size_t id;
};

static struct item *item_of(struct avila_timer *t)
{
    return AVILA_TIMER_CONTAINER(t, struct item, timer);
}

/* ------------------------------------------------------------ basics */

static void basics(void **state)
{
    (void)state;
    struct avila_timer_wheel w;
    avila_timer_wheel_init(&w, 1000);
    struct item a = {0}, b = {0};
    avila_timer_init(&b.timer);
    uint64_t d = 77;
    assert_int_equal(avila_timer_wheel_next(&w, &d), AVILA_ENOTFOUND);
    assert_int_equal(d, 77);
    assert_false(avila_timer_is_armed(&a.timer));
    assert_int_equal(avila_timer_cancel(&w, &a.timer), 0);

    avila_timer_arm(&w, &a.timer, 1010);
    avila_timer_arm(&w, &b.timer, 1005);
    assert_true(avila_timer_is_armed(&a.timer));
    assert_int_equal(avila_timer_expires(&a.timer), 1010);
    assert_int_equal(avila_timer_wheel_count(&w), 2);
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 1005);

    /* One tick early: nothing. */
    assert_int_equal(avila_timer_wheel_advance(&w, 1004), 0);
    assert_null(avila_timer_wheel_pop(&w));
    assert_int_equal(avila_timer_wheel_now(&w), 1004);
    assert_int_equal(avila_timer_wheel_advance(&w, 1005), 1);
    /* Due and not yet handed out: next says "now". */
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 1005);
    assert_true(avila_timer_wheel_pop(&w) == &b.timer);
    assert_null(avila_timer_wheel_pop(&w));
    assert_false(avila_timer_is_armed(&b.timer));
    assert_int_equal(avila_timer_wheel_count(&w), 1);

    /* Re-arming moves the deadline; cancel reports it was armed, once. */
    avila_timer_arm(&w, &a.timer, 5000);
    assert_int_equal(avila_timer_wheel_count(&w), 1);
    assert_int_equal(avila_timer_wheel_advance(&w, 4999), 0);
    assert_int_equal(avila_timer_cancel(&w, &a.timer), 1);
    assert_int_equal(avila_timer_cancel(&w, &a.timer), 0);
    assert_int_equal(avila_timer_wheel_count(&w), 0);
    assert_int_equal(avila_timer_wheel_advance(&w, 100000), 0);
    assert_int_equal(avila_timer_wheel_next(&w, &d), AVILA_ENOTFOUND);

    /* Time does not go backwards. */
    assert_int_equal(avila_timer_wheel_advance(&w, 5), 0);
    assert_int_equal(avila_timer_wheel_now(&w), 100000);

    /* A deadline in the past is due at once, at the next advance. */
    avila_timer_arm(&w, &a.timer, 3);
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 100000);
    assert_int_equal(avila_timer_wheel_advance(&w, 0), 1);
    assert_true(avila_timer_wheel_pop(&w) == &a.timer);
    assert_int_equal(avila_timer_wheel_count(&w), 0);
}

/* The extremes of the tick range: UINT64_MAX is a deadline like any other. */
static void extremes(void **state)
{
    (void)state;
    struct avila_timer_wheel w;
    struct item it[4] = {{0}};
    avila_timer_wheel_init(&w, 0);
    avila_timer_arm(&w, &it[0].timer, UINT64_MAX);
    avila_timer_arm(&w, &it[1].timer, UINT64_MAX - 1);
    avila_timer_arm(&w, &it[2].timer, (uint64_t)1 << 63);
    avila_timer_arm(&w, &it[3].timer, AVILA_TIMER_HORIZON_TICKS);
    uint64_t d;
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_true(d <= AVILA_TIMER_HORIZON_TICKS);
    assert_int_equal(avila_timer_wheel_advance(&w, AVILA_TIMER_HORIZON_TICKS - 1), 0);
    assert_int_equal(avila_timer_wheel_advance(&w, ((uint64_t)1 << 63) - 1), 1);
    assert_true(avila_timer_wheel_pop(&w) == &it[3].timer);
    assert_null(avila_timer_wheel_pop(&w));
    assert_int_equal(avila_timer_wheel_advance(&w, (uint64_t)1 << 63), 1);
    assert_true(avila_timer_wheel_pop(&w) == &it[2].timer);
    assert_int_equal(avila_timer_wheel_advance(&w, UINT64_MAX - 2), 0);
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, UINT64_MAX - 1);
    assert_int_equal(avila_timer_wheel_advance(&w, UINT64_MAX), 1);
    assert_true(avila_timer_wheel_pop(&w) == &it[1].timer);
    assert_true(avila_timer_wheel_pop(&w) == &it[0].timer);
    assert_null(avila_timer_wheel_pop(&w));

    /*
     * Beyond the horizon: cancelling the earliest far timer leaves a stale
     * lower bound; next_deadline stays early, never late, and one wake-up
     * at it makes it exact again.
     */
    const uint64_t h = AVILA_TIMER_HORIZON_TICKS;
    avila_timer_wheel_init(&w, 5);
    avila_timer_arm(&w, &it[0].timer, 3 * h + 7);
    avila_timer_arm(&w, &it[1].timer, 5 * h + 9);
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 3 * h + 7);
    assert_int_equal(avila_timer_cancel(&w, &it[0].timer), 1);
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 3 * h + 7);
    assert_int_equal(avila_timer_wheel_advance(&w, d), 0);
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 5 * h + 9);
    assert_int_equal(avila_timer_wheel_advance(&w, d - 1), 0);
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 5 * h + 9);
    assert_int_equal(avila_timer_wheel_advance(&w, d), 1);
    assert_true(avila_timer_wheel_pop(&w) == &it[1].timer);
    assert_int_equal(avila_timer_wheel_count(&w), 0);

    /* A wheel that starts at the very end: every deadline is due. */
    avila_timer_wheel_init(&w, UINT64_MAX);
    avila_timer_arm(&w, &it[0].timer, UINT64_MAX);
    assert_int_equal(avila_timer_wheel_advance(&w, UINT64_MAX), 1);
    assert_true(avila_timer_wheel_pop(&w) == &it[0].timer);
}

/* ------------------------------------------------------------ the model */

#define POOL 48

struct model {
    struct avila_timer_wheel w;
    struct item items[POOL];
    uint64_t now;
    uint8_t armed[POOL];
    uint8_t overdue[POOL]; /* armed with a deadline the wheel's time had reached */
    uint64_t expires[POOL];
    uint64_t seq[POOL]; /* when it was last armed */
    uint64_t clock;     /* arm counter */
    uint64_t passes, fired, cancels;
};

static void model_init(struct model *m, uint64_t start)
{
    memset(m, 0, sizeof *m);
    avila_timer_wheel_init(&m->w, start);
    m->now = start;
    for (size_t i = 0; i < POOL; i++)
        m->items[i].id = i;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
    return a < b ? 0 : a - b;
}

/* A tick near something interesting relative to t: slot and level boundaries, far, huge. */
static uint64_t interesting(uint64_t t, uint64_t *rng)
{
    uint64_t r = unit_rand(rng);
    unsigned k = (unsigned)(r % 8) * AVILA_TIMER_SLOT_BITS; /* 0 .. 42 bits */
    uint64_t unit = (uint64_t)1 << k;
    uint64_t aligned = k >= 64 ? 0 : t & ~(unit - 1);
    int64_t jitter = (int64_t)((r >> 8) % 3) - 1;
    switch ((r >> 16) % 12) {
    case 0:
        return t;
    case 1:
        return add_sat(t, 1 + (r >> 20) % 8);
    case 2:
        return add_sat(t, (r >> 20) % 200);
    case 3:
        return add_sat(t, (r >> 20) % 70000);
    case 4:
    case 5: {
        /* The start of one of the next few slots of some level, +-1. */
        uint64_t x = add_sat(aligned, unit * (1 + (r >> 20) % 3));
        return jitter < 0 ? x - 1 : add_sat(x, (uint64_t)jitter);
    }
    case 6:
        return add_sat(t, (r >> 20) % ((uint64_t)1 << 40));
    case 7:
        return add_sat(t, AVILA_TIMER_HORIZON_TICKS * (1 + (r >> 20) % 3) - 1 + (r >> 40) % 3);
    case 8:
        return UINT64_MAX - (r >> 20) % 3;
    case 9:
        return ((uint64_t)1 << 32) - 2 + (r >> 20) % 4;
    case 10:
        return ((uint64_t)1 << 63) - 2 + (r >> 20) % 4;
    default:
        return sub_sat(t, (r >> 20) % 100);
    }
}

/* Asserts what next_deadline promises, given the model. */
static void check_next(const struct model *m)
{
    uint64_t d = 12345, min = UINT64_MAX;
    size_t n = 0;
    for (size_t i = 0; i < POOL; i++)
        if (m->armed[i]) {
            n++;
            if (m->expires[i] < min)
                min = m->expires[i];
        }
    assert_int_equal(avila_timer_wheel_count(&m->w), n);
    assert_int_equal(avila_timer_wheel_now(&m->w), m->now);
    if (n == 0) {
        assert_int_equal(avila_timer_wheel_next(&m->w, &d), AVILA_ENOTFOUND);
        assert_int_equal(d, 12345);
        return;
    }
    assert_int_equal(avila_timer_wheel_next(&m->w, &d), 0);
    if (min <= m->now) {
        assert_int_equal(d, m->now);
    } else {
        /* Never late, never in the past, exact within the current 64-tick block. */
        assert_true(d <= min);
        assert_true(d > m->now);
        if ((min >> AVILA_TIMER_SLOT_BITS) == (m->now >> AVILA_TIMER_SLOT_BITS))
            assert_int_equal(d, min);
    }
}

static void model_arm(struct model *m, size_t i, uint64_t e)
{
    avila_timer_arm(&m->w, &m->items[i].timer, e);
    m->armed[i] = 1;
    m->expires[i] = e;
    m->overdue[i] = e <= m->now;
    m->seq[i] = ++m->clock;
    assert_true(avila_timer_is_armed(&m->items[i].timer));
    assert_int_equal(avila_timer_expires(&m->items[i].timer), e);
}

static void model_cancel(struct model *m, size_t i)
{
    assert_int_equal(avila_timer_cancel(&m->w, &m->items[i].timer), m->armed[i]);
    m->cancels += m->armed[i];
    m->armed[i] = 0;
    assert_false(avila_timer_is_armed(&m->items[i].timer));
}

/* Pass order: overdue ones by arming, then by (deadline, arming). */
static int pass_before(const struct model *m, size_t a, size_t b)
{
    if (m->overdue[a] != m->overdue[b])
        return m->overdue[a];
    if (!m->overdue[a] && m->expires[a] != m->expires[b])
        return m->expires[a] < m->expires[b];
    return m->seq[a] < m->seq[b];
}

/* Advances wheel and model to t and checks the pass: exactly the due timers, in order. */
static void model_advance(struct model *m, uint64_t t)
{
    if (t > m->now)
        m->now = t;
    size_t want[POOL], nwant = 0;
    for (size_t i = 0; i < POOL; i++)
        if (m->armed[i] && m->expires[i] <= m->now) {
            /* Insertion sort into pass order. */
            size_t j = nwant++;
            while (j > 0 && pass_before(m, i, want[j - 1])) {
                want[j] = want[j - 1];
                j--;
            }
            want[j] = i;
        }
    assert_int_equal(avila_timer_wheel_advance(&m->w, t), nwant > 0);
    for (size_t k = 0; k < nwant; k++) {
        struct avila_timer *tm = avila_timer_wheel_pop(&m->w);
        assert_non_null(tm);
        struct item *it = item_of(tm);
        assert_int_equal(it->id, want[k]);
        assert_false(avila_timer_is_armed(tm));
        m->armed[it->id] = 0;
    }
    assert_null(avila_timer_wheel_pop(&m->w));
    m->passes++;
    m->fired += nwant;
}

static void model_step(struct model *m, uint64_t *rng)
{
    uint64_t r = unit_rand(rng);
    size_t i = (size_t)(r % POOL);
    switch ((r >> 8) % 12) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
        model_arm(m, i, interesting(m->now, rng));
        break;
    case 5: {
        /* Tie with another timer's deadline. */
        size_t j = (size_t)((r >> 16) % POOL);
        model_arm(m, i, m->armed[j] ? m->expires[j] : interesting(m->now, rng));
        break;
    }
    case 6:
    case 7:
        /* Mostly armed ones: the first armed from i on, if any. */
        for (size_t k = 0; k < POOL && !m->armed[i] && (r >> 16) % 4 != 0; k++)
            i = (i + 1) % POOL;
        model_cancel(m, i);
        break;
    case 8: {
        /* To an armed deadline, or one before it. */
        uint64_t t = interesting(m->now, rng);
        if (m->armed[i])
            t = m->expires[i] - ((r >> 16) & 1 && m->expires[i] > 0);
        model_advance(m, t);
        break;
    }
    case 9: {
        /* As the event loop would: to next_deadline. */
        uint64_t d;
        if (avila_timer_wheel_next(&m->w, &d) == 0)
            model_advance(m, d);
        break;
    }
    default:
        model_advance(m, interesting(m->now, rng));
        break;
    }
    check_next(m);
}

static void model_random_sequences(void **state)
{
    (void)state;
    static const uint64_t starts[] = {0,
                                      1,
                                      63,
                                      4095,
                                      ((uint64_t)1 << 32) - 1000,
                                      AVILA_TIMER_HORIZON_TICKS - 70,
                                      ((uint64_t)1 << 62) + 12345,
                                      UINT64_MAX - ((uint64_t)1 << 40),
                                      UINT64_MAX - 5000};
    struct model *m = malloc(sizeof *m);
    assert_non_null(m);
    uint64_t rng = 6, passes = 0, fired = 0, cancels = 0;
    size_t sequences = 4000;
    for (size_t s = 0; s < sequences; s++) {
        uint64_t start = starts[s % AVILA_ARRAY_LEN(starts)];
        if (s % 3 == 2)
            start = unit_rand(&rng) >> (unit_rand(&rng) % 64);
        model_init(m, start);
        check_next(m);
        for (size_t step = 0; step < 150; step++)
            model_step(m, &rng);
        /* Drain: everything armed fires by UINT64_MAX. */
        model_advance(m, UINT64_MAX);
        check_next(m);
        assert_int_equal(avila_timer_wheel_count(&m->w), 0);
        passes += m->passes;
        fired += m->fired;
        cancels += m->cancels;
    }
    print_message("timer model: %zu sequences, %llu passes, %llu fired, %llu cancelled\n",
                  sequences, (unsigned long long)passes, (unsigned long long)fired,
                  (unsigned long long)cancels);
    /* The generator must have exercised the wheel, not just idled. */
    assert_true(fired > 50000);
    assert_true(cancels > 20000);
    free(m);
}

/*
 * An event loop that only ever sleeps until next_deadline: every timer
 * fires at exactly its deadline, and the early wake-ups are bounded.
 */
static void event_loop_exact(void **state)
{
    (void)state;
    enum { N = 3000 };
    struct item *items = calloc(N, sizeof *items);
    assert_non_null(items);
    uint64_t rng = 99;
    for (size_t round = 0; round < 6; round++) {
        struct avila_timer_wheel w;
        uint64_t start = round == 5 ? AVILA_TIMER_HORIZON_TICKS - 3 : unit_rand(&rng) >> 20;
        avila_timer_wheel_init(&w, start);
        for (size_t i = 0; i < N; i++) {
            unsigned bits = 1 + (unsigned)(unit_rand(&rng) % 40);
            uint64_t e = start + 1 + unit_rand(&rng) % ((uint64_t)1 << bits);
            items[i].id = i;
            avila_timer_arm(&w, &items[i].timer, e);
        }
        size_t wakeups = 0, fired = 0;
        uint64_t d, last = start;
        while (avila_timer_wheel_next(&w, &d) == 0) {
            assert_true(d > last);
            last = d;
            wakeups++;
            avila_timer_wheel_advance(&w, d);
            struct avila_timer *t;
            while ((t = avila_timer_wheel_pop(&w)) != NULL) {
                assert_int_equal(avila_timer_expires(t), d);
                fired++;
            }
        }
        assert_int_equal(fired, N);
        assert_true(wakeups <= (size_t)N * (AVILA_TIMER_LEVELS + 1));
    }
    free(items);
}

/* ------------------------------------------------------------ callbacks */

struct cb_ctx {
    struct avila_timer_wheel *w;
    struct item *items;
    size_t order[64];
    uint64_t at[64];
    size_t n;
};

static void record(struct cb_ctx *c, struct avila_timer *t)
{
    assert_true(c->n < AVILA_ARRAY_LEN(c->order));
    assert_false(avila_timer_is_armed(t));
    c->order[c->n] = item_of(t)->id;
    c->at[c->n] = avila_timer_wheel_now(c->w);
    c->n++;
}

/*
 * Item 0 cancels item 1 (due in the same pass) and item 3 (not yet due),
 * arms item 4 at the wheel's time and item 5 between its own deadline and
 * the wheel's time (both due next pass, in arming order), arms item 6 in the
 * future, and re-arms item 2 (due in this pass) to later.
 */
static void cb_meddle(struct avila_timer *t, void *arg)
{
    struct cb_ctx *c = arg;
    record(c, t);
    if (item_of(t)->id != 0)
        return;
    assert_int_equal(avila_timer_cancel(c->w, &c->items[1].timer), 1);
    assert_int_equal(avila_timer_cancel(c->w, &c->items[3].timer), 1);
    avila_timer_arm(c->w, &c->items[4].timer, avila_timer_wheel_now(c->w));
    avila_timer_arm(c->w, &c->items[5].timer, 60);
    avila_timer_arm(c->w, &c->items[6].timer, 101);
    avila_timer_arm(c->w, &c->items[2].timer, 150);
}

static void callbacks_meddle(void **state)
{
    (void)state;
    struct avila_timer_wheel w;
    struct item items[8] = {{0}};
    for (size_t i = 0; i < 8; i++)
        items[i].id = i;
    struct cb_ctx c = {.w = &w, .items = items};
    avila_timer_wheel_init(&w, 0);
    avila_timer_arm(&w, &items[0].timer, 50);
    avila_timer_arm(&w, &items[1].timer, 50);
    avila_timer_arm(&w, &items[2].timer, 70);
    avila_timer_arm(&w, &items[3].timer, 200);
    avila_timer_arm(&w, &items[7].timer, 90);
    assert_int_equal(avila_timer_wheel_expire(&w, 100, cb_meddle, &c), 2);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.order[0], 0);
    assert_int_equal(c.order[1], 7);
    assert_false(avila_timer_is_armed(&items[1].timer));
    assert_false(avila_timer_is_armed(&items[3].timer));
    assert_int_equal(avila_timer_wheel_count(&w), 4); /* 2, 4, 5, 6 */
    uint64_t d;
    assert_int_equal(avila_timer_wheel_next(&w, &d), 0);
    assert_int_equal(d, 100);

    /* Next pass, same time: the two armed at or before the wheel's time, in arming order. */
    c.n = 0;
    assert_int_equal(avila_timer_wheel_expire(&w, 100, cb_meddle, &c), 2);
    assert_int_equal(c.order[0], 4);
    assert_int_equal(c.order[1], 5);
    c.n = 0;
    assert_int_equal(avila_timer_wheel_expire(&w, 1000, cb_meddle, &c), 2);
    assert_int_equal(c.order[0], 6);
    assert_int_equal(c.order[1], 2);
    assert_int_equal(avila_timer_wheel_count(&w), 0);
}

/* Re-arms itself at the wheel's time: one firing per pass, never a loop. */
static void cb_rearm_now(struct avila_timer *t, void *arg)
{
    struct cb_ctx *c = arg;
    record(c, t);
    avila_timer_arm(c->w, t, avila_timer_wheel_now(c->w));
}

/* A periodic timer: re-arms itself 10 ticks after its deadline. */
static void cb_periodic(struct avila_timer *t, void *arg)
{
    struct cb_ctx *c = arg;
    record(c, t);
    if (c->n < 20)
        avila_timer_arm(c->w, t, avila_timer_expires(t) + 10);
}

static void callbacks_rearm_self(void **state)
{
    (void)state;
    struct avila_timer_wheel w;
    struct item it = {.id = 1};
    struct cb_ctx c = {.w = &w};
    avila_timer_wheel_init(&w, 0);
    avila_timer_arm(&w, &it.timer, 5);
    for (int pass = 0; pass < 5; pass++)
        assert_int_equal(avila_timer_wheel_expire(&w, 5, cb_rearm_now, &c), 1);
    assert_int_equal(c.n, 5);
    assert_true(avila_timer_cancel(&w, &it.timer));

    /* Ticking one by one, the periodic timer fires at 10, 20, ..., 200. */
    c.n = 0;
    avila_timer_arm(&w, &it.timer, 10);
    for (uint64_t now = 6; now <= 400; now++)
        avila_timer_wheel_expire(&w, now, cb_periodic, &c);
    assert_int_equal(c.n, 20);
    for (size_t k = 0; k < 20; k++)
        assert_int_equal(c.at[k], 10 * (k + 1));
    assert_false(avila_timer_is_armed(&it.timer));

    /* In one big jump, a re-arm behind the wheel's time waits for the next pass. */
    c.n = 0;
    avila_timer_arm(&w, &it.timer, 410);
    assert_int_equal(avila_timer_wheel_expire(&w, 10000, cb_periodic, &c), 1);
    assert_true(avila_timer_is_armed(&it.timer));
    assert_int_equal(avila_timer_expires(&it.timer), 420);
    assert_int_equal(avila_timer_wheel_expire(&w, 10000, cb_periodic, &c), 1);
    assert_int_equal(avila_timer_expires(&it.timer), 430);
    assert_true(avila_timer_cancel(&w, &it.timer));
}

/* Frees the object its timer is embedded in (ASan catches a later touch). */
static void cb_free(struct avila_timer *t, void *arg)
{
    size_t *n = arg;
    (*n)++;
    free(item_of(t));
}

static void callbacks_free(void **state)
{
    (void)state;
    struct avila_timer_wheel w;
    avila_timer_wheel_init(&w, 0);
    for (size_t i = 0; i < 200; i++) {
        struct item *it = calloc(1, sizeof *it);
        assert_non_null(it);
        avila_timer_arm(&w, &it->timer, 1 + i % 7 + (i % 3) * 100);
    }
    size_t n = 0;
    assert_int_equal(avila_timer_wheel_expire(&w, 1000, cb_free, &n), 200);
    assert_int_equal(n, 200);
    assert_int_equal(avila_timer_wheel_count(&w), 0);
}

/* ------------------------------------------------------------ a million */

static void million(void **state)
{
    (void)state;
    enum { N = 1000000 };
    struct item *items = calloc(N, sizeof *items);
    struct avila_timer_wheel *w = malloc(sizeof *w);
    assert_non_null(items);
    assert_non_null(w);
    uint64_t rng = 1234567, start = 1000;
    avila_timer_wheel_init(w, start);
    for (size_t i = 0; i < N; i++) {
        items[i].id = i;
        unsigned bits = (unsigned)(unit_rand(&rng) % 38);
        avila_timer_arm(w, &items[i].timer, start + unit_rand(&rng) % ((uint64_t)2 << bits));
    }
    assert_int_equal(avila_timer_wheel_count(w), N);
    for (size_t i = 1; i < N; i += 2)
        assert_int_equal(avila_timer_cancel(w, &items[i].timer), 1);
    assert_int_equal(avila_timer_wheel_count(w), N / 2);

    /* Half of them step by step, every pass in order and none late or early. */
    uint8_t *fired = calloc(N, 1);
    assert_non_null(fired);
    size_t nfired = 0;
    uint64_t prev = start;
    for (int pass = 0; pass < 2000; pass++) {
        uint64_t now = prev + 1 + unit_rand(&rng) % 5000;
        avila_timer_wheel_advance(w, now);
        uint64_t last = 0;
        struct avila_timer *t;
        while ((t = avila_timer_wheel_pop(w)) != NULL) {
            uint64_t e = avila_timer_expires(t);
            size_t id = item_of(t)->id;
            assert_true(e <= now);
            assert_true(e > prev || e <= start);
            assert_true(e >= last);
            assert_int_equal(id % 2, 0);
            assert_false(fired[id]);
            fired[id] = 1;
            last = e;
            nfired++;
        }
        prev = now;
    }
    /* The rest in one jump. */
    avila_timer_wheel_advance(w, UINT64_MAX);
    struct avila_timer *t;
    uint64_t last = 0;
    while ((t = avila_timer_wheel_pop(w)) != NULL) {
        size_t id = item_of(t)->id;
        assert_true(avila_timer_expires(t) >= last);
        assert_true(avila_timer_expires(t) > prev);
        last = avila_timer_expires(t);
        assert_int_equal(id % 2, 0);
        assert_false(fired[id]);
        fired[id] = 1;
        nfired++;
    }
    assert_int_equal(nfired, N / 2);
    assert_int_equal(avila_timer_wheel_count(w), 0);
    for (size_t i = 0; i < N; i++)
        assert_false(avila_timer_is_armed(&items[i].timer));
    free(fired);
    free(items);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basics),
        cmocka_unit_test(extremes),
        cmocka_unit_test(model_random_sequences),
        cmocka_unit_test(event_loop_exact),
        cmocka_unit_test(callbacks_meddle),
        cmocka_unit_test(callbacks_rearm_self),
        cmocka_unit_test(callbacks_free),
        cmocka_unit_test(million),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
