/*
 * tools/bench/bench_timer.c - net/timer speed with 1M timers whose
 * deadlines are spread uniformly over the next 65536 ticks (about a minute
 * of milliseconds, the range of typical I/O timeouts), in ns per timer:
 *   timer arm/1M          arm 1M idle timers into an empty wheel
 *   timer cancel/1M       cancel 1M armed timers
 *   timer rearm/1M        move 1M armed timers to new deadlines
 *   timer expire-jump/1M  one advance past every deadline, then pop all
 *   timer expire-tick/1M  advance one tick at a time over the 65536 ticks,
 *                         popping each pass, as an event loop would
 * Each case is timed as a whole run (reset, arm all, then the operation)
 * with bench_time, and the run without the operation is subtracted, so the
 * figures are per operation; the timers live in one array in random
 * deadline order, so list walks miss the cache as they would in a server.
 */
#include <stdio.h>
#include <stdlib.h>

#include "net/timer.h"
#include "tools/bench/bench.h"

#define N     (1u << 20)
#define SPAN  65536u
#define START 1000u

struct ctx {
    struct avila_timer_wheel wheel;
    struct avila_timer *timers;
    uint64_t *expires; /* N deadlines */
    uint64_t *later;   /* N other deadlines, for rearm */
};

static void reset(struct ctx *c)
{
    avila_timer_wheel_init(&c->wheel, START);
    for (size_t i = 0; i < N; i++)
        avila_timer_init(&c->timers[i]);
}

static void arm_all(struct ctx *c)
{
    reset(c);
    for (size_t i = 0; i < N; i++)
        avila_timer_arm(&c->wheel, &c->timers[i], c->expires[i]);
}

static size_t pop_all(struct ctx *c)
{
    size_t n = 0;
    while (avila_timer_wheel_pop(&c->wheel) != NULL)
        n++;
    return n;
}

static void check(int ok)
{
    if (!ok) {
        fprintf(stderr, "bench_timer: the wheel lost or kept a timer\n");
        exit(1);
    }
}

static void run_reset(void *arg)
{
    struct ctx *c = arg;
    reset(c);
    bench_consume(avila_timer_wheel_count(&c->wheel));
}

static void run_arm(void *arg)
{
    struct ctx *c = arg;
    arm_all(c);
    bench_consume(avila_timer_wheel_count(&c->wheel));
}

static void run_cancel(void *arg)
{
    struct ctx *c = arg;
    arm_all(c);
    for (size_t i = 0; i < N; i++)
        avila_timer_cancel(&c->wheel, &c->timers[i]);
    check(avila_timer_wheel_count(&c->wheel) == 0);
}

static void run_rearm(void *arg)
{
    struct ctx *c = arg;
    arm_all(c);
    for (size_t i = 0; i < N; i++)
        avila_timer_arm(&c->wheel, &c->timers[i], c->later[i]);
    check(avila_timer_wheel_count(&c->wheel) == N);
}

static void run_expire_jump(void *arg)
{
    struct ctx *c = arg;
    arm_all(c);
    avila_timer_wheel_advance(&c->wheel, START + SPAN);
    check(pop_all(c) == N);
}

static void run_expire_tick(void *arg)
{
    struct ctx *c = arg;
    size_t n = 0;
    arm_all(c);
    for (uint64_t now = START + 1; now <= START + SPAN; now++) {
        avila_timer_wheel_advance(&c->wheel, now);
        n += pop_all(c);
    }
    check(n == N);
}

/* Prints (t(fn) - base) per timer. */
static void per_timer(const char *name, void (*fn)(void *), struct ctx *c, double base)
{
    if (!bench_selected("timer", name))
        return;
    double t = bench_time(fn, c);
    bench_print("timer", name, (t - base) * 1e9 / N, "ns/op");
}

int main(void)
{
    static struct ctx ctx;
    struct ctx *c = &ctx;
    uint64_t *rnd = (uint64_t *)bench_random_bytes((size_t)2 * N * sizeof(uint64_t), 3);
    c->timers = malloc((size_t)N * sizeof *c->timers);
    if (!c->timers) {
        fprintf(stderr, "bench_timer: out of memory\n");
        free(rnd);
        return 1;
    }
    c->expires = rnd;
    c->later = rnd + N;
    for (size_t i = 0; i < N; i++) {
        c->expires[i] = START + 1 + c->expires[i] % SPAN;
        c->later[i] = START + 1 + c->later[i] % SPAN;
    }
    if (!bench_selected("timer", "arm/1M cancel/1M rearm/1M expire-jump/1M expire-tick/1M")) {
        free(c->timers);
        free(rnd);
        return 0;
    }
    double t_reset = bench_time(run_reset, c);
    double t_arm = bench_time(run_arm, c);
    if (bench_selected("timer", "arm/1M"))
        bench_print("timer", "arm/1M", (t_arm - t_reset) * 1e9 / N, "ns/op");
    per_timer("cancel/1M", run_cancel, c, t_arm);
    per_timer("rearm/1M", run_rearm, c, t_arm);
    per_timer("expire-jump/1M", run_expire_jump, c, t_arm);
    per_timer("expire-tick/1M", run_expire_tick, c, t_arm);
    free(c->timers);
    free(rnd);
    return 0;
}
