/*
 * tools/bench/bench_loop.c - net/loop overheads:
 *   loop post/1k              post 1000 tasks from the loop's own thread,
 *                             then one iteration runs them: ns per task
 *                             (mutex queue, one eventfd write per burst)
 *   loop timer-start-stop/1k  arm and cancel 1000 loop timers: ns per pair
 *   loop pingpong             one byte each way over a Unix socketpair,
 *                             both ends watched by the same loop: us per
 *                             round trip (two writes, two reads, two epoll
 *                             events)
 * Time is process CPU time (bench.h), which includes the kernel's share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"
#include "net/sock.h"
#include "tools/bench/bench.h"

#define POSTS  1000
#define TIMERS 1000
#define ROUNDS 1000

static void fail(const char *what)
{
    fprintf(stderr, "bench_loop: %s\n", what);
    exit(1);
}

/* ------------------------------------------------------------ posts */

struct post_ctx {
    struct avila_loop *loop;
    struct avila_loop_task tasks[POSTS];
    uint64_t ran;
};

static void on_task(struct avila_loop_task *t, void *arg)
{
    (void)t;
    struct post_ctx *c = arg;
    c->ran++;
}

static void run_posts(void *arg)
{
    struct post_ctx *c = arg;
    c->ran = 0;
    for (size_t i = 0; i < POSTS; i++)
        avila_loop_post(c->loop, &c->tasks[i], on_task, c);
    while (c->ran < POSTS)
        if (avila_loop_run_once(c->loop, 1000) < 0)
            fail("run_once failed");
}

/* ------------------------------------------------------------ timers */

struct timer_ctx {
    struct avila_loop *loop;
    struct avila_loop_timer timers[TIMERS];
};

static void on_timer(struct avila_loop_timer *t)
{
    (void)t;
}

static void run_timers(void *arg)
{
    struct timer_ctx *c = arg;
    for (size_t i = 0; i < TIMERS; i++)
        avila_loop_timer_start(c->loop, &c->timers[i], 1000 + i * 37 % 60000, on_timer);
    for (size_t i = 0; i < TIMERS; i++)
        avila_loop_timer_stop(&c->timers[i]);
}

/* ------------------------------------------------------------ ping-pong */

struct pp_ctx {
    struct avila_loop *loop;
    struct avila_io a; /* the pinger */
    struct avila_io b; /* the echo */
    uint64_t rounds;
    uint64_t target;
};

static void on_a(struct avila_io *io, unsigned events)
{
    (void)events;
    struct pp_ctx *c = AVILA_LOOP_CONTAINER(io, struct pp_ctx, a);
    char ch;
    while (avila_sock_read(io->fd, &ch, 1) == 1) {
        if (++c->rounds < c->target && avila_sock_write(io->fd, "p", 1) != 1)
            fail("ping write failed");
    }
}

static void on_b(struct avila_io *io, unsigned events)
{
    (void)events;
    char ch;
    while (avila_sock_read(io->fd, &ch, 1) == 1)
        if (avila_sock_write(io->fd, &ch, 1) != 1)
            fail("pong write failed");
}

static void run_pingpong(void *arg)
{
    struct pp_ctx *c = arg;
    c->rounds = 0;
    c->target = ROUNDS;
    if (avila_sock_write(c->a.fd, "p", 1) != 1)
        fail("first ping failed");
    while (c->rounds < c->target)
        if (avila_loop_run_once(c->loop, 1000) < 0)
            fail("run_once failed");
}

int main(void)
{
    struct avila_loop *loop = NULL;
    if (avila_loop_create(&loop, avila_allocator_libc(), NULL) != 0)
        fail("cannot create a loop");

    static struct post_ctx pc;
    pc.loop = loop;
    bench_ns_per_op("loop", "post/1k", run_posts, &pc, POSTS);

    static struct timer_ctx tc;
    tc.loop = loop;
    for (size_t i = 0; i < TIMERS; i++)
        avila_loop_timer_init(&tc.timers[i]);
    bench_ns_per_op("loop", "timer-start-stop/1k", run_timers, &tc, TIMERS);

    if (bench_selected("loop", "pingpong")) {
        static struct pp_ctx pp;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
            fail("socketpair failed");
        pp.loop = loop;
        avila_io_init(&pp.a, sv[0], on_a);
        avila_io_init(&pp.b, sv[1], on_b);
        if (avila_io_start(loop, &pp.a, AVILA_LOOP_READ) != 0 ||
            avila_io_start(loop, &pp.b, AVILA_LOOP_READ) != 0)
            fail("io_start failed");
        double t = bench_time(run_pingpong, &pp);
        bench_print("loop", "pingpong", t * 1e6 / ROUNDS, "us/op");
        avila_io_stop(&pp.a);
        avila_io_stop(&pp.b);
        close(sv[0]);
        close(sv[1]);
    }
    avila_loop_destroy(loop);
    return 0;
}
