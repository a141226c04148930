/*
 * tests/net/test_sock.c - sockets through the event loop, on 127.0.0.1,
 * ::1 and Unix sockets only: the address parse/format table (valid and
 * invalid forms, round trips), echo over TCP v4, TCP v6 (skipped if ::1 is
 * unavailable), Unix paths and the abstract namespace, UDP datagrams, a
 * connect refused by a closed port, a connect that times out against a
 * listener whose accept queue is full, descriptor exhaustion (EMFILE under
 * a lowered RLIMIT_NOFILE: the listener sheds without spinning and
 * recovers), partial writev/readv through small socket buffers, sendfile
 * of a temporary file, and a two-loop SO_REUSEPORT group taking 200
 * connections.
 */
#include "tests/support/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/time.h"
#include "net/loop.h"
#include "net/resolve.h"
#include "net/sock.h"

static struct avila_loop *new_loop(void)
{
    struct avila_loop *loop = NULL;
    assert_int_equal(avila_loop_create(&loop, avila_allocator_libc(), NULL), 0);
    return loop;
}

static struct avila_sockaddr addr(const char *s)
{
    struct avila_sockaddr a;
    assert_int_equal(avila_sockaddr_parse(&a, s, strlen(s)), 0);
    return a;
}

/* The address lfd listens on, as text (port filled in). */
static struct avila_sockaddr bound(int fd)
{
    struct avila_sockaddr a;
    assert_int_equal(avila_sock_local_addr(fd, &a), 0);
    return a;
}

/* ------------------------------------------------------------ addresses */

static void address_table(void **state)
{
    (void)state;
    /* Valid: input, family, port, canonical text. */
    static const struct {
        const char *in;
        int family;
        int port;
        const char *out;
    } ok[] = {
        {"127.0.0.1:80", AF_INET, 80, "127.0.0.1:80"},
        {"0.0.0.0:0", AF_INET, 0, "0.0.0.0:0"},
        {"255.255.255.255:65535", AF_INET, 65535, "255.255.255.255:65535"},
        {"[::1]:443", AF_INET6, 443, "[::1]:443"},
        {"[::]:8080", AF_INET6, 8080, "[::]:8080"},
        {"[2001:DB8:0:0:0:0:0:1]:1", AF_INET6, 1, "[2001:db8::1]:1"},
        {"[2001:db8::0:1]:9", AF_INET6, 9, "[2001:db8::1]:9"},
        {"[::ffff:192.0.2.1]:7", AF_INET6, 7, "[::ffff:192.0.2.1]:7"},
        {"[fe80::1:2:3:4]:5", AF_INET6, 5, "[fe80::1:2:3:4]:5"},
        {"/tmp/avila.sock", AF_UNIX, -1, "/tmp/avila.sock"},
        {"@avila-abstract", AF_UNIX, -1, "@avila-abstract"},
        {"/", AF_UNIX, -1, "/"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(ok); i++) {
        struct avila_sockaddr a;
        if (avila_sockaddr_parse(&a, ok[i].in, strlen(ok[i].in)) != 0)
            fail_msg("rejected %s", ok[i].in);
        assert_int_equal(a.u.sa.sa_family, ok[i].family);
        if (ok[i].port >= 0)
            assert_int_equal(avila_sockaddr_port(&a), ok[i].port);
        else
            assert_int_equal(avila_sockaddr_port(&a), AVILA_EINVAL);
        char buf[AVILA_SOCKADDR_STRMAX];
        int n = avila_sockaddr_format(&a, buf, sizeof buf);
        assert_int_equal(n, (int)strlen(ok[i].out));
        assert_string_equal(buf, ok[i].out);
        /* The text reads back to the same address. */
        struct avila_sockaddr b;
        assert_int_equal(avila_sockaddr_parse(&b, buf, (size_t)n), 0);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(&a.u, &b.u, a.len);
        /* Too small a buffer: ENOSPC, for every size short of length + 1. */
        for (size_t cap = 0; cap <= (size_t)n; cap++)
            assert_int_equal(avila_sockaddr_format(&a, buf, cap), AVILA_ENOSPC);
    }
    static const char *const bad[] = {
        "",
        "127.0.0.1",
        "127.0.0.1:",
        ":80",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.1:+80",
        "127.0.0.1:080",
        "127.0.0.1:8 0",
        "127.0.0.1:99999",
        "127.0.0.1:80:80",
        "127.0.0.01:80",
        "127.0.0:80",
        "127.0.0.1.1:80",
        "256.0.0.1:80",
        "localhost:80",
        "example.com:443",
        " 127.0.0.1:80",
        "::1:80",
        "[::1]",
        "[::1]:",
        "[::1]80",
        "[::1:80",
        "[]:80",
        "[::g]:80",
        "[1:2:3:4:5:6:7:8:9]:80",
        "[fe80::1%eth0]:80",
        "[127.0.0.1]:80",
        "@",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        struct avila_sockaddr a;
        memset(&a, 0x5a, sizeof a);
        if (avila_sockaddr_parse(&a, bad[i], strlen(bad[i])) != AVILA_EFORMAT)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(a.len, 0x5a5a5a5a); /* untouched */
    }
    /* NUL inside, lengths at the sun_path limit. */
    struct avila_sockaddr a;
    assert_int_equal(avila_sockaddr_parse(&a, "1.2.3.4\0:80", 11), AVILA_EFORMAT);
    assert_int_equal(avila_sockaddr_parse(&a, "/a\0b", 4), AVILA_EFORMAT);
    assert_int_equal(avila_sockaddr_parse(&a, NULL, 0), AVILA_EFORMAT);
    char path[120];
    memset(path, 'p', sizeof path);
    path[0] = '/';
    assert_int_equal(avila_sockaddr_parse(&a, path, 107), 0);
    assert_int_equal(avila_sockaddr_parse(&a, path, 108), AVILA_EFORMAT);
    path[0] = '@';
    assert_int_equal(avila_sockaddr_parse(&a, path, 108), 0);
    assert_int_equal(avila_sockaddr_parse(&a, path, 109), AVILA_EFORMAT);
    char buf[AVILA_SOCKADDR_STRMAX];
    assert_int_equal(avila_sockaddr_format(&a, buf, sizeof buf), 108);
    /* Unknown family, unnamed Unix socket. */
    memset(&a, 0, sizeof a);
    assert_int_equal(avila_sockaddr_format(&a, buf, sizeof buf), AVILA_EINVAL);
    a.u.sa.sa_family = AF_UNIX;
    a.len = sizeof(sa_family_t);
    assert_int_equal(avila_sockaddr_format(&a, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

static void error_mapping(void **state)
{
    (void)state;
    assert_int_equal(avila_sock_error(EAGAIN), AVILA_EAGAIN);
    assert_int_equal(avila_sock_error(EINPROGRESS), AVILA_EAGAIN);
    assert_int_equal(avila_sock_error(EMFILE), AVILA_ELIMIT);
    assert_int_equal(avila_sock_error(ENFILE), AVILA_ELIMIT);
    assert_int_equal(avila_sock_error(ECONNREFUSED), AVILA_ECLOSED);
    assert_int_equal(avila_sock_error(EPIPE), AVILA_ECLOSED);
    assert_int_equal(avila_sock_error(ETIMEDOUT), AVILA_ETIMEDOUT);
    assert_int_equal(avila_sock_error(EADDRINUSE), AVILA_EEXIST);
    assert_int_equal(avila_sock_error(ENOBUFS), AVILA_ENOMEM);
    assert_int_equal(avila_sock_error(EAFNOSUPPORT), AVILA_EUNSUPPORTED);
    assert_int_equal(avila_sock_error(EBADF), AVILA_EINVAL);
    assert_int_equal(avila_sock_error(EACCES), AVILA_EIO);
    assert_int_equal(avila_sock_error(0), AVILA_EIO);
}

/* ------------------------------------------------------------ echo */

#define ECHO_BYTES 200000

/* Server side: one echoing connection. */
struct echo_conn {
    struct avila_io io;
    uint8_t buf[4096];
    size_t have; /* bytes read and not yet written back */
};

static void echo_io(struct avila_io *io, unsigned events)
{
    (void)events;
    struct echo_conn *c = AVILA_LOOP_CONTAINER(io, struct echo_conn, io);
    for (;;) {
        if (c->have > 0) {
            int w = avila_sock_write(io->fd, c->buf, c->have);
            if (w == AVILA_EAGAIN) {
                (void)avila_io_modify(io, AVILA_LOOP_WRITE);
                return;
            }
            if (w < 0)
                goto closed;
            memmove(c->buf, c->buf + w, c->have - (size_t)w);
            c->have -= (size_t)w;
            continue;
        }
        int r = avila_sock_read(io->fd, c->buf, sizeof c->buf);
        if (r == AVILA_EAGAIN) {
            (void)avila_io_modify(io, AVILA_LOOP_READ);
            return;
        }
        if (r <= 0)
            goto closed;
        c->have = (size_t)r;
    }
closed:
    avila_io_stop(io);
    close(io->fd);
    free(c);
}

static void on_accept_echo(struct avila_listener *l, int fd, const struct avila_sockaddr *peer)
{
    assert_non_null(peer);
    struct echo_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    if (peer->u.sa.sa_family != AF_UNIX)
        assert_int_equal(avila_sock_set_nodelay(fd, 1), 0);
    avila_io_init(&c->io, fd, echo_io);
    assert_int_equal(avila_io_start(l->io.loop, &c->io, AVILA_LOOP_READ), 0);
}

/* Client side: writes ECHO_BYTES and reads them back. */
struct echo_client {
    struct avila_connect conn;
    struct avila_io io;
    uint8_t *out;
    uint8_t *in;
    size_t sent;
    size_t got;
    int result;
    int done;
};

static void client_io(struct avila_io *io, unsigned events)
{
    (void)events;
    struct echo_client *c = AVILA_LOOP_CONTAINER(io, struct echo_client, io);
    while (c->sent < ECHO_BYTES) {
        int w = avila_sock_write(io->fd, c->out + c->sent, ECHO_BYTES - c->sent);
        if (w == AVILA_EAGAIN)
            break;
        assert_true(w > 0);
        c->sent += (size_t)w;
    }
    for (;;) {
        int r = avila_sock_read(io->fd, c->in + c->got, ECHO_BYTES - c->got);
        if (r == AVILA_EAGAIN)
            break;
        assert_true(r > 0);
        c->got += (size_t)r;
        if (c->got == ECHO_BYTES) {
            c->done = 1;
            avila_io_stop(io);
            close(io->fd);
            avila_loop_stop(io->loop);
            return;
        }
    }
}

static void client_connected(struct avila_connect *cn, int result)
{
    struct echo_client *c = AVILA_LOOP_CONTAINER(cn, struct echo_client, conn);
    c->result = result;
    if (result < 0) {
        avila_loop_stop(cn->loop);
        return;
    }
    avila_io_init(&c->io, result, client_io);
    assert_int_equal(avila_io_start(cn->loop, &c->io, AVILA_LOOP_READ | AVILA_LOOP_WRITE), 0);
}

/* Echoes ECHO_BYTES through a listener on a and checks them. */
static void echo_through(const struct avila_sockaddr *a)
{
    struct avila_loop *loop = new_loop();
    int lfd = avila_sock_listen(a, 16, 0);
    assert_true(lfd >= 0);
    struct avila_sockaddr where = bound(lfd);
    struct avila_listener l;
    memset(&l, 0, sizeof l);
    assert_int_equal(avila_listener_start(loop, &l, lfd, 0, on_accept_echo), 0);

    struct echo_client c;
    memset(&c, 0, sizeof c);
    c.out = malloc(ECHO_BYTES);
    c.in = malloc(ECHO_BYTES);
    assert_non_null(c.out);
    assert_non_null(c.in);
    uint64_t seed = 42;
    unit_rand_fill(&seed, c.out, ECHO_BYTES);
    assert_int_equal(avila_connect_start(loop, &c.conn, &where, 5000, client_connected), 0);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 8000), 0);
    assert_true(c.result >= 0);
    assert_true(c.done);
    assert_memory_equal(c.in, c.out, ECHO_BYTES);
    assert_int_equal(l.accepted, 1);
    /* Let the server see the EOF and free its connection. */
    for (int i = 0; i < 5; i++)
        avila_loop_run_once(loop, 10);
    avila_listener_stop(&l);
    close(lfd);
    free(c.out);
    free(c.in);
    avila_loop_destroy(loop);
}

static void echo_tcp4(void **state)
{
    (void)state;
    struct avila_sockaddr a = addr("127.0.0.1:0");
    echo_through(&a);
}

static void echo_tcp6(void **state)
{
    (void)state;
    struct avila_sockaddr a = addr("[::1]:0");
    int fd = avila_sock_listen(&a, 1, AVILA_SOCK_V6ONLY);
    if (fd < 0)
        skip();
    close(fd);
    echo_through(&a);
}

static void echo_unix(void **state)
{
    (void)state;
    char dir[] = "/tmp/avila-sock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/s", dir);
    struct avila_sockaddr a = addr(path);
    echo_through(&a);
    /* The socket file stays; a new listener takes over the stale path. */
    int fd = avila_sock_listen(&a, 1, 0);
    assert_true(fd >= 0);
    /* ... but not while someone listens on it. */
    assert_int_equal(avila_sock_listen(&a, 1, 0), AVILA_EEXIST);
    close(fd);
    /* A path that is not a socket is never unlinked. */
    unlink(path);
    int f = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(f >= 0);
    close(f);
    assert_int_equal(avila_sock_listen(&a, 1, 0), AVILA_EEXIST);
    unlink(path);
    rmdir(dir);

    char name[64];
    snprintf(name, sizeof name, "@avila-test-%d", (int)getpid());
    struct avila_sockaddr ab = addr(name);
    echo_through(&ab);
}

/* ------------------------------------------------------------ UDP */

static void udp_datagrams(void **state)
{
    (void)state;
    struct avila_sockaddr any = addr("127.0.0.1:0");
    int a = avila_sock_udp(&any, 0);
    int b = avila_sock_udp(&any, 0);
    assert_true(a >= 0 && b >= 0);
    struct avila_sockaddr aa = bound(a), ba = bound(b);
    uint8_t buf[64];
    assert_int_equal(avila_sock_recvfrom(b, buf, sizeof buf, NULL), AVILA_EAGAIN);
    assert_int_equal(avila_sock_sendto(a, "ping", 4, &ba), 4);
    assert_int_equal(avila_sock_sendto(a, "0123456789", 10, &ba), 10);
    struct avila_sockaddr from;
    int n = AVILA_EAGAIN;
    for (int i = 0; i < 1000 && n == AVILA_EAGAIN; i++) {
        n = avila_sock_recvfrom(b, buf, sizeof buf, &from);
        if (n == AVILA_EAGAIN)
            avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
    }
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(avila_sockaddr_port(&from), avila_sockaddr_port(&aa));
    /* Longer than the buffer: reported, and consumed. */
    assert_int_equal(avila_sock_recvfrom(b, buf, 5, NULL), AVILA_ENOSPC);
    assert_int_equal(avila_sock_recvfrom(b, buf, sizeof buf, NULL), AVILA_EAGAIN);
    struct avila_sockaddr un = addr("/tmp/x");
    assert_int_equal(avila_sock_udp(&un, 0), AVILA_EINVAL);
    close(a);
    close(b);
}

/* ------------------------------------------------------------ connect failures */

struct outcome {
    struct avila_connect conn;
    int result;
    int calls;
};

static void on_outcome(struct avila_connect *c, int result)
{
    struct outcome *o = AVILA_LOOP_CONTAINER(c, struct outcome, conn);
    o->result = result;
    o->calls++;
    if (result >= 0)
        close(result);
}

static void connect_refused(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop();
    /* A port that was just free: listen, learn it, close. */
    struct avila_sockaddr a = addr("127.0.0.1:0");
    int lfd = avila_sock_listen(&a, 1, 0);
    assert_true(lfd >= 0);
    struct avila_sockaddr where = bound(lfd);
    close(lfd);
    struct outcome o = {0};
    int rc = avila_connect_start(loop, &o.conn, &where, 2000, on_outcome);
    if (rc == 0) {
        for (int i = 0; i < 100 && o.calls == 0; i++)
            avila_loop_run_once(loop, 50);
        assert_int_equal(o.calls, 1);
        assert_int_equal(o.result, AVILA_ECLOSED);
    } else {
        assert_int_equal(rc, AVILA_ECLOSED); /* refused at once */
    }
    /* The plain API too. */
    int fd = -7;
    rc = avila_sock_connect(&where, &fd);
    if (rc == AVILA_EAGAIN) {
        assert_true(fd >= 0);
        for (int i = 0; i < 200 && (rc = avila_sock_connect_result(fd)) == 0; i++)
            avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
        close(fd);
    } else {
        assert_int_equal(fd, -1);
    }
    assert_int_equal(rc, AVILA_ECLOSED);
    /* No server at a Unix path. */
    struct avila_sockaddr nowhere = addr("/nonexistent/avila.sock");
    assert_int_equal(avila_connect_start(loop, &o.conn, &nowhere, 100, on_outcome),
                     AVILA_ENOTFOUND);
    avila_loop_destroy(loop);
}

static void connect_timeout(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop();
    /*
     * A listener that never accepts, with the smallest backlog: once its
     * queue is full the kernel drops further SYNs, so a connect stays in
     * progress and only the timer can end it.
     */
    struct avila_sockaddr a = addr("127.0.0.1:0");
    int lfd = avila_sock_listen(&a, 1, 0);
    assert_true(lfd >= 0);
    /* listen() with backlog 1 may take 2; re-listen with 0 to shrink it. */
    assert_int_equal(listen(lfd, 0), 0);
    struct avila_sockaddr where = bound(lfd);
    struct outcome o[8];
    memset(o, 0, sizeof o);
    int timed_out = -1;
    for (int i = 0; i < 8 && timed_out < 0; i++) {
        avila_loop_update_time(loop);
        uint64_t t0 = avila_time_mono_ns();
        assert_int_equal(avila_connect_start(loop, &o[i].conn, &where, 50, on_outcome), 0);
        while (o[i].calls == 0)
            assert_true(avila_loop_run_once(loop, 1000) >= 0);
        if (o[i].result == AVILA_ETIMEDOUT) {
            timed_out = i;
            uint64_t ns = avila_time_mono_ns() - t0;
            assert_true(ns >= 50 * AVILA_TIME_NS_PER_MS);
            assert_true(ns < 2000 * AVILA_TIME_NS_PER_MS);
        } else {
            assert_true(o[i].result >= 0); /* filled a queue slot */
        }
    }
    assert_true(timed_out >= 1);
    /* A cancelled connect never calls back. */
    struct outcome c = {0};
    assert_int_equal(avila_connect_start(loop, &c.conn, &where, 30, on_outcome), 0);
    avila_connect_cancel(&c.conn);
    avila_connect_cancel(&c.conn);
    avila_loop_run_until(loop, avila_time_mono_ms() + 60);
    assert_int_equal(c.calls, 0);
    close(lfd);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ EMFILE */

static int kept[64];
static int nkept;

static void on_accept_keep(struct avila_listener *l, int fd, const struct avila_sockaddr *peer)
{
    (void)l;
    (void)peer;
    assert_true(nkept < 64);
    kept[nkept++] = fd;
}

/*
 * Lowers RLIMIT_NOFILE (saving the old one in saved_limit) so that exactly
 * free_slots more descriptors can be opened: new descriptors take the
 * lowest free numbers, and those must stay below the limit.
 */
static struct rlimit saved_limit;

static void limit_free_fds(int free_slots)
{
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved_limit), 0);
    int fd = 0;
    for (int seen = 0; seen < free_slots; fd++)
        if (fcntl(fd, F_GETFD) < 0)
            seen++;
    struct rlimit low = saved_limit;
    low.rlim_cur = (rlim_t)fd;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
}

/* Teardown of the EMFILE tests: the limit comes back even if a test failed. */
static int restore_limit(void **state)
{
    (void)state;
    if (saved_limit.rlim_cur != 0)
        (void)setrlimit(RLIMIT_NOFILE, &saved_limit);
    saved_limit.rlim_cur = 0;
    return 0;
}

static int client_connect(const struct avila_sockaddr *a)
{
    int fd;
    int rc = avila_sock_connect(a, &fd);
    assert_true(rc == 0 || rc == AVILA_EAGAIN);
    return fd;
}

static void emfile_no_spin(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop();
    struct avila_sockaddr a = addr("127.0.0.1:0");
    int lfd = avila_sock_listen(&a, 64, 0);
    assert_true(lfd >= 0);
    struct avila_sockaddr where = bound(lfd);
    struct avila_listener l;
    memset(&l, 0, sizeof l);
    nkept = 0;
    assert_int_equal(avila_listener_start(loop, &l, lfd, 20, on_accept_keep), 0);
    assert_true(l.spare_fd >= 0);

    limit_free_fds(4);
    int clients[8];
    for (int i = 0; i < 4; i++)
        clients[i] = client_connect(&where);
    /* The table is full: the next socket cannot even be made. */
    int extra;
    assert_int_equal(avila_sock_connect(&where, &extra), AVILA_ELIMIT);

    /* The server cannot accept: it sheds the 4 queued connections and does not spin. */
    struct avila_loop_stats before, after;
    avila_loop_get_stats(loop, &before);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 100), AVILA_ETIMEDOUT);
    avila_loop_get_stats(loop, &after);
    assert_int_equal(nkept, 0);
    assert_int_equal(l.shed, 4);
    assert_true(after.iterations - before.iterations < 20);
    /* The shed clients see their connections closed. */
    for (int i = 0; i < 4; i++) {
        char ch;
        int r = AVILA_EAGAIN;
        for (int k = 0; k < 200 && r == AVILA_EAGAIN; k++) {
            r = avila_sock_read(clients[i], &ch, 1);
            if (r == AVILA_EAGAIN)
                avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
        }
        assert_true(r == 0 || r == AVILA_ECLOSED);
    }

    /* Descriptors free up: two clients go away, one connects; it is accepted. */
    close(clients[0]);
    close(clients[1]);
    clients[0] = client_connect(&where);
    for (int i = 0; i < 50 && nkept == 0; i++)
        avila_loop_run_once(loop, 20);
    assert_int_equal(nkept, 1);
    assert_int_equal(l.accepted, 1);
    assert_int_equal(l.shed, 4);

    restore_limit(NULL);
    close(kept[0]);
    close(clients[0]);
    close(clients[2]);
    close(clients[3]);
    avila_listener_stop(&l);
    assert_int_equal(l.spare_fd, -1);
    close(lfd);
    avila_loop_destroy(loop);
}

/* Without a spare descriptor the listener pauses instead, and resumes. */
static void emfile_pause(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop();
    struct avila_sockaddr a = addr("127.0.0.1:0");
    int lfd = avila_sock_listen(&a, 64, 0);
    assert_true(lfd >= 0);
    struct avila_sockaddr where = bound(lfd);
    struct avila_listener l;
    memset(&l, 0, sizeof l);
    nkept = 0;
    assert_int_equal(avila_listener_start(loop, &l, lfd, 30, on_accept_keep), 0);
    close(l.spare_fd);
    l.spare_fd = -1;
    limit_free_fds(2);
    /* Two clients take the last two numbers; the spare cannot be reopened. */
    int c1 = client_connect(&where);
    int c2 = client_connect(&where);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 100), AVILA_ETIMEDOUT);
    assert_int_equal(nkept, 0);
    assert_true(l.pauses >= 1);
    /* 100 ms with 30 ms pauses: a few retries, not a spin. */
    struct avila_loop_stats st;
    avila_loop_get_stats(loop, &st);
    assert_true(st.iterations < 30);
    restore_limit(NULL);
    /* After the limit rises the queued connections are accepted at the next resume. */
    for (int i = 0; i < 50 && nkept < 2; i++)
        avila_loop_run_once(loop, 20);
    assert_int_equal(nkept, 2);
    close(kept[0]);
    close(kept[1]);
    close(c1);
    close(c2);
    avila_listener_stop(&l);
    close(lfd);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ vectored I/O and sendfile */

/* A connected TCP pair over 127.0.0.1 (non-blocking), with small buffers. */
static void tcp_pair(int *client, int *server)
{
    struct avila_sockaddr a = addr("127.0.0.1:0");
    int lfd = avila_sock_listen(&a, 1, 0);
    assert_true(lfd >= 0);
    struct avila_sockaddr where = bound(lfd);
    *client = client_connect(&where);
    *server = AVILA_EAGAIN;
    for (int i = 0; i < 1000 && *server == AVILA_EAGAIN; i++) {
        *server = avila_sock_accept(lfd, NULL);
        if (*server == AVILA_EAGAIN)
            avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
    }
    assert_true(*server >= 0);
    close(lfd);
}

#define VEC_PART  100000
#define VEC_TOTAL ((size_t)3 * VEC_PART)

struct vec_xfer {
    struct avila_io wio;
    struct avila_io rio;
    uint8_t *src[3];
    uint8_t *dst;
    size_t sent;
    size_t got;
    size_t partial_writes;
    size_t reads;
};

static void vec_write(struct avila_io *io, unsigned events)
{
    (void)events;
    struct vec_xfer *x = AVILA_LOOP_CONTAINER(io, struct vec_xfer, wio);
    while (x->sent < VEC_TOTAL) {
        struct iovec iov[3];
        int n = 0;
        size_t pos = x->sent;
        for (int k = 0; k < 3; k++) {
            size_t lo = (size_t)k * VEC_PART;
            if (pos >= lo + VEC_PART)
                continue;
            size_t off = pos > lo ? pos - lo : 0;
            iov[n].iov_base = x->src[k] + off;
            iov[n].iov_len = VEC_PART - off;
            n++;
        }
        int w = avila_sock_writev(io->fd, iov, n);
        if (w == AVILA_EAGAIN)
            return;
        assert_true(w > 0);
        if ((size_t)w < VEC_TOTAL - x->sent)
            x->partial_writes++;
        x->sent += (size_t)w;
    }
    avila_io_stop(io);
}

static void vec_read(struct avila_io *io, unsigned events)
{
    (void)events;
    struct vec_xfer *x = AVILA_LOOP_CONTAINER(io, struct vec_xfer, rio);
    for (;;) {
        /* Odd-sized scatter pieces, so boundaries never line up with the writer's. */
        size_t left = VEC_TOTAL - x->got;
        size_t a = left < 777 ? left : 777;
        struct iovec iov[2] = {{x->dst + x->got, a}, {x->dst + x->got + a, left - a}};
        int r = avila_sock_readv(io->fd, iov, left > a ? 2 : 1);
        if (r == AVILA_EAGAIN)
            return;
        assert_true(r > 0);
        x->reads++;
        x->got += (size_t)r;
        if (x->got == VEC_TOTAL) {
            avila_io_stop(io);
            avila_loop_stop(io->loop);
            return;
        }
    }
}

static void writev_readv_partial(void **state)
{
    (void)state;
    struct avila_loop *loop = new_loop();
    int c, s;
    tcp_pair(&c, &s);
    assert_int_equal(avila_sock_set_sndbuf(c, 4096), 0);
    assert_int_equal(avila_sock_set_rcvbuf(s, 65536), 0);
    assert_int_equal(avila_sock_set_nodelay(c, 1), 0);
    struct vec_xfer x;
    memset(&x, 0, sizeof x);
    uint64_t seed = 7;
    uint8_t *all = malloc(VEC_TOTAL);
    x.dst = malloc(VEC_TOTAL);
    assert_non_null(all);
    assert_non_null(x.dst);
    unit_rand_fill(&seed, all, VEC_TOTAL);
    for (int k = 0; k < 3; k++)
        x.src[k] = all + (size_t)k * VEC_PART;
    avila_io_init(&x.wio, c, vec_write);
    avila_io_init(&x.rio, s, vec_read);
    assert_int_equal(avila_io_start(loop, &x.wio, AVILA_LOOP_WRITE), 0);
    assert_int_equal(avila_io_start(loop, &x.rio, AVILA_LOOP_READ), 0);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 8000), 0);
    assert_int_equal(x.got, VEC_TOTAL);
    assert_memory_equal(x.dst, all, VEC_TOTAL);
    assert_true(x.partial_writes >= 1); /* the small buffer forced partial writes */
    assert_true(x.reads > 1);
    /* Bad counts. */
    struct iovec none = {NULL, 0};
    assert_int_equal(avila_sock_writev(c, &none, 0), AVILA_EINVAL);
    avila_io_stop(&x.wio);
    close(c);
    close(s);
    free(all);
    free(x.dst);
    avila_loop_destroy(loop);
}

#define FILE_BYTES 300001

struct sf_xfer {
    struct avila_io wio;
    struct avila_io rio;
    int file;
    uint64_t off;
    uint8_t *dst;
    size_t got;
    size_t eagain;
};

static void sf_write(struct avila_io *io, unsigned events)
{
    (void)events;
    struct sf_xfer *x = AVILA_LOOP_CONTAINER(io, struct sf_xfer, wio);
    for (;;) {
        int n = avila_sock_sendfile(io->fd, x->file, &x->off, FILE_BYTES);
        if (n == AVILA_EAGAIN) {
            x->eagain++;
            return;
        }
        assert_true(n >= 0);
        if (n == 0) {
            assert_int_equal(x->off, FILE_BYTES);
            avila_io_stop(io);
            shutdown(io->fd, SHUT_WR);
            return;
        }
    }
}

static void sf_read(struct avila_io *io, unsigned events)
{
    (void)events;
    struct sf_xfer *x = AVILA_LOOP_CONTAINER(io, struct sf_xfer, rio);
    for (;;) {
        uint8_t tmp[8192];
        int r = avila_sock_read(io->fd, tmp, sizeof tmp);
        if (r == AVILA_EAGAIN)
            return;
        if (r == 0) {
            avila_io_stop(io);
            avila_loop_stop(io->loop);
            return;
        }
        assert_true(r > 0);
        assert_true(x->got + (size_t)r <= FILE_BYTES);
        memcpy(x->dst + x->got, tmp, (size_t)r);
        x->got += (size_t)r;
    }
}

static void sendfile_temp(void **state)
{
    (void)state;
    char path[] = "/tmp/avila-sendfile-XXXXXX";
    int f = mkstemp(path);
    assert_true(f >= 0);
    unlink(path);
    uint8_t *data = malloc(FILE_BYTES);
    assert_non_null(data);
    uint64_t seed = 99;
    unit_rand_fill(&seed, data, FILE_BYTES);
    assert_int_equal(write(f, data, FILE_BYTES), FILE_BYTES);

    struct avila_loop *loop = new_loop();
    int c, s;
    tcp_pair(&c, &s);
    assert_int_equal(avila_sock_set_sndbuf(s, 8192), 0);
    struct sf_xfer x;
    memset(&x, 0, sizeof x);
    x.file = f;
    x.dst = malloc(FILE_BYTES);
    assert_non_null(x.dst);
    avila_io_init(&x.wio, s, sf_write);
    avila_io_init(&x.rio, c, sf_read);
    assert_int_equal(avila_io_start(loop, &x.wio, AVILA_LOOP_WRITE), 0);
    assert_int_equal(avila_io_start(loop, &x.rio, AVILA_LOOP_READ), 0);
    assert_int_equal(avila_loop_run_until(loop, avila_time_mono_ms() + 8000), 0);
    assert_int_equal(x.got, FILE_BYTES);
    assert_memory_equal(x.dst, data, FILE_BYTES);
    assert_true(x.eagain >= 1);
    /* Offsets past the end send nothing; a bad offset is refused. */
    uint64_t off = FILE_BYTES + 10;
    assert_int_equal(avila_sock_sendfile(c, f, &off, 100), 0);
    off = UINT64_MAX;
    assert_int_equal(avila_sock_sendfile(c, f, &off, 100), AVILA_EINVAL);
    close(c);
    close(s);
    close(f);
    free(data);
    free(x.dst);
    avila_loop_destroy(loop);
}

/* ------------------------------------------------------------ group with SO_REUSEPORT */

#define GROUP_CONNS 200

struct reuse {
    int lfd[2];
    struct avila_listener l[2];
    atomic_int accepted[2];
    bool shared; /* one listening socket, a descriptor of it per loop */
};

/* A reader that drains its socket slowly (1 ms pauses), counting the bytes and their sum. */
struct slow_reader {
    int fd;
    size_t got;
    uint64_t sum;
};

static void *slow_read(void *arg)
{
    struct slow_reader *r = arg;
    uint8_t buf[65536];
    for (;;) {
        ssize_t n = read(r->fd, buf, sizeof(buf));
        if (n == 0)
            break;
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                break;
            avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
            continue;
        }
        for (ssize_t i = 0; i < n; i++)
            r->sum += buf[i];
        r->got += (size_t)n;
        avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
    }
    return NULL;
}

/* Blocking helpers: write_all waits for room (and times out on a peer that reads nothing). */
static void blocking_write_all(void **state)
{
    (void)state;
    int c, sv;
    tcp_pair(&c, &sv);
    size_t n = (size_t)4 << 20;
    uint8_t *data = malloc(n);
    assert_non_null(data);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        data[i] = (uint8_t)(i * 13 + 7);
        sum += data[i];
    }
    struct slow_reader r = {.fd = sv};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_read, &r), 0);
    assert_int_equal(avila_sock_write_all(c, data, n, avila_time_mono_ms() + 20000), 0);
    close(c);
    pthread_join(t, NULL);
    assert_int_equal(r.got, n);
    assert_true(r.sum == sum);
    close(sv);
    /* Nobody reads: the buffers fill and the deadline passes. */
    tcp_pair(&c, &sv);
    uint64_t t0 = avila_time_mono_ms();
    assert_int_equal(avila_sock_write_all(c, data, n, t0 + 200), AVILA_ETIMEDOUT);
    assert_true(avila_time_mono_ms() - t0 >= 190);
    close(c);
    close(sv);
    free(data);
}

/* avila_resolver_connect: a numeric name connects; a closed port is refused (lookups:
 * test_resolve.sh). */
static void resolver_connect(void **state)
{
    (void)state;
    struct avila_sockaddr a = addr("127.0.0.1:0");
    int lfd = avila_sock_listen(&a, 4, 0);
    assert_true(lfd >= 0);
    struct avila_sockaddr where = bound(lfd);
    uint16_t port = (uint16_t)ntohs(where.u.in4.sin_port);
    struct avila_resolver r;
    struct avila_resolver_options opt = {.resolv_conf = "/nonexistent", .hosts = "/nonexistent"};
    assert_int_equal(avila_resolver_init(&r, avila_allocator_libc(), &opt), 0);
    int fd = avila_resolver_connect(&r, "127.0.0.1", 9, port, avila_time_mono_ms() + 2000);
    assert_true(fd >= 0);
    int sv = AVILA_EAGAIN;
    for (int i = 0; i < 1000 && sv == AVILA_EAGAIN; i++) {
        sv = avila_sock_accept(lfd, NULL);
        if (sv == AVILA_EAGAIN)
            avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
    }
    assert_true(sv >= 0);
    close(sv);
    close(fd);
    close(lfd); /* nothing listens there now */
    assert_true(avila_resolver_connect(&r, "127.0.0.1", 9, port, avila_time_mono_ms() + 2000) < 0);
    avila_resolver_release(&r);
}

static void on_accept_count(struct avila_listener *l, int fd, const struct avila_sockaddr *peer)
{
    (void)peer;
    struct reuse *r = l->data;
    size_t i = l == &r->l[0] ? 0 : 1;
    atomic_fetch_add(&r->accepted[i], 1);
    close(fd);
}

static int reuse_setup(struct avila_loop *loop, size_t index, void *arg)
{
    struct reuse *r = arg;
    memset(&r->l[index], 0, sizeof r->l[index]);
    r->l[index].data = r;
    return r->shared
               ? avila_listener_start_shared(loop, &r->l[index], r->lfd[index], 0, on_accept_count)
               : avila_listener_start(loop, &r->l[index], r->lfd[index], 0, on_accept_count);
}

static void reuse_teardown(struct avila_loop *loop, size_t index, void *arg)
{
    (void)loop;
    struct reuse *r = arg;
    avila_listener_stop(&r->l[index]);
    close(r->lfd[index]);
}

/*
 * Runs two loops with r's listeners, makes GROUP_CONNS connections to
 * where, waits (up to 5 s) until they are all accepted, stops the loops.
 */
static void accept_in_group(struct reuse *r, const struct avila_sockaddr *where)
{
    struct avila_loop_group *g = NULL;
    assert_int_equal(avila_loop_group_create(&g, avila_allocator_libc(), 2, NULL), 0);
    assert_int_equal(avila_loop_group_start(g, reuse_setup, reuse_teardown, r), 0);
    int fds[GROUP_CONNS];
    for (int i = 0; i < GROUP_CONNS; i++)
        fds[i] = client_connect(where);
    for (int i = 0; i < 5000; i++) {
        if (atomic_load(&r->accepted[0]) + atomic_load(&r->accepted[1]) == GROUP_CONNS)
            break;
        avila_time_sleep_ns(AVILA_TIME_NS_PER_MS);
    }
    avila_loop_group_stop(g);
    assert_int_equal(avila_loop_group_join(g), 0);
    for (int i = 0; i < GROUP_CONNS; i++)
        close(fds[i]);
    avila_loop_group_destroy(g);
}

static void group_reuseport(void **state)
{
    (void)state;
    struct reuse r;
    memset(&r, 0, sizeof r);
    struct avila_sockaddr a = addr("127.0.0.1:0");
    r.lfd[0] = avila_sock_listen(&a, 256, AVILA_SOCK_REUSEPORT);
    assert_true(r.lfd[0] >= 0);
    struct avila_sockaddr where = bound(r.lfd[0]);
    r.lfd[1] = avila_sock_listen(&where, 256, AVILA_SOCK_REUSEPORT);
    assert_true(r.lfd[1] >= 0);
    /* Without SO_REUSEPORT the address is taken. */
    assert_int_equal(avila_sock_listen(&where, 1, 0), AVILA_EEXIST);

    accept_in_group(&r, &where);
    int a0 = atomic_load(&r.accepted[0]), a1 = atomic_load(&r.accepted[1]);
    assert_int_equal(a0 + a1, GROUP_CONNS);
    assert_true(a0 >= 1);
    assert_true(a1 >= 1);
}

static void on_io_unused(struct avila_io *io, unsigned events)
{
    (void)io;
    (void)events;
}

/*
 * One listening socket shared by two loops (a dup'd descriptor each):
 * every connection is accepted exactly once, and a shared watcher cannot
 * be modified (EPOLLEXCLUSIVE is fixed at EPOLL_CTL_ADD).
 */
static void group_shared(void **state)
{
    (void)state;
    struct reuse r;
    memset(&r, 0, sizeof r);
    r.shared = true;
    struct avila_sockaddr a = addr("127.0.0.1:0");
    r.lfd[0] = avila_sock_listen(&a, 256, 0);
    assert_true(r.lfd[0] >= 0);
    struct avila_sockaddr where = bound(r.lfd[0]);
    r.lfd[1] = fcntl(r.lfd[0], F_DUPFD_CLOEXEC, 0);
    assert_true(r.lfd[1] >= 0);

    accept_in_group(&r, &where);
    assert_int_equal(atomic_load(&r.accepted[0]) + atomic_load(&r.accepted[1]), GROUP_CONNS);

    /* The watcher's interest is fixed; SHARED goes with READ alone. */
    struct avila_loop *loop;
    assert_int_equal(avila_loop_create(&loop, avila_allocator_libc(), NULL), 0);
    int lfd = avila_sock_listen(&a, 4, 0);
    assert_true(lfd >= 0);
    struct avila_listener l;
    memset(&l, 0, sizeof l);
    assert_int_equal(avila_listener_start_shared(loop, &l, lfd, 0, on_accept_count), 0);
    assert_int_equal(avila_io_modify(&l.io, AVILA_LOOP_READ), AVILA_EINVAL);
    avila_listener_stop(&l);
    struct avila_io io;
    avila_io_init(&io, lfd, on_io_unused);
    assert_int_equal(
        avila_io_start(loop, &io, AVILA_LOOP_READ | AVILA_LOOP_WRITE | AVILA_LOOP_SHARED),
        AVILA_EINVAL);
    close(lfd);
    avila_loop_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(address_table),
        cmocka_unit_test(error_mapping),
        cmocka_unit_test(echo_tcp4),
        cmocka_unit_test(echo_tcp6),
        cmocka_unit_test(echo_unix),
        cmocka_unit_test(udp_datagrams),
        cmocka_unit_test(connect_refused),
        cmocka_unit_test(connect_timeout),
        cmocka_unit_test_teardown(emfile_no_spin, restore_limit),
        cmocka_unit_test_teardown(emfile_pause, restore_limit),
        cmocka_unit_test(writev_readv_partial),
        cmocka_unit_test(sendfile_temp),
        cmocka_unit_test(blocking_write_all),
        cmocka_unit_test(resolver_connect),
        cmocka_unit_test(group_reuseport),
        cmocka_unit_test(group_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
