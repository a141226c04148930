/*
 * net/sock.c - non-blocking socket wrappers and the listener and connect
 * helpers (see sock.h). OS code: POSIX sockets plus Linux's accept4,
 * SOCK_NONBLOCK, MSG_NOSIGNAL, sendfile(2) and the abstract Unix namespace
 * (unix(7)).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/sock.h"

#include "core/time.h"

#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path))

_Static_assert(AVILA_SOCK_IO_MAX <= INT_MAX, "byte counts fit an int");
_Static_assert(SUN_PATH_MAX + 2 <= AVILA_SOCKADDR_STRMAX, "a Unix path fits the text form");

int avila_sock_error(int err)
{
    switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINPROGRESS:
    case EALREADY:
        return AVILA_EAGAIN;
    case ENOMEM:
    case ENOBUFS:
        return AVILA_ENOMEM;
    case EMFILE:
    case ENFILE:
    case EMSGSIZE:
        return AVILA_ELIMIT;
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
    case ENOTCONN:
    case ESHUTDOWN:
        return AVILA_ECLOSED;
    case ETIMEDOUT:
        return AVILA_ETIMEDOUT;
    case EADDRINUSE:
    case EEXIST:
    case EISCONN:
        return AVILA_EEXIST;
    case ENOENT:
    case EADDRNOTAVAIL:
        return AVILA_ENOTFOUND;
    case EINVAL:
    case EBADF:
    case ENOTSOCK:
    case EFAULT:
    case EDESTADDRREQ:
        return AVILA_EINVAL;
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
    case EOPNOTSUPP:
    case ESOCKTNOSUPPORT:
        return AVILA_EUNSUPPORTED;
    default:
        return AVILA_EIO;
    }
}

/* ------------------------------------------------------------ addresses */

/* Parses "0".."65535" (no sign, no leading zero) from n bytes. */
static int parse_port(const char *s, size_t n, uint16_t *port)
{
    if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
        return AVILA_EFORMAT;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return AVILA_EFORMAT;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535)
        return AVILA_EFORMAT;
    *port = (uint16_t)v;
    return 0;
}

static int parse_unix(struct avila_sockaddr *out, const char *s, size_t n)
{
    /* A path needs its NUL inside sun_path; an abstract name does not, but has the '@'. */
    if (n >= SUN_PATH_MAX + (s[0] == '@') || memchr(s, '\0', n) != NULL)
        return AVILA_EFORMAT;
    if (s[0] == '@' && n < 2)
        return AVILA_EFORMAT;
    struct avila_sockaddr a;
    memset(&a, 0, sizeof a);
    a.u.un.sun_family = AF_UNIX;
    if (s[0] == '@') {
        memcpy(a.u.un.sun_path + 1, s + 1, n - 1);
        a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        memcpy(a.u.un.sun_path, s, n);
        a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    }
    *out = a;
    return 0;
}

void avila_sockaddr_ip(struct avila_sockaddr *out, int family, const uint8_t *ip, uint16_t port)
{
    memset(out, 0, sizeof *out);
    if (family == 4) {
        out->u.in4.sin_family = AF_INET;
        out->u.in4.sin_port = htons(port);
        memcpy(&out->u.in4.sin_addr, ip, 4);
        out->len = sizeof out->u.in4;
    } else {
        out->u.in6.sin6_family = AF_INET6;
        out->u.in6.sin6_port = htons(port);
        memcpy(&out->u.in6.sin6_addr, ip, 16);
        out->len = sizeof out->u.in6;
    }
}

int avila_sockaddr_parse(struct avila_sockaddr *out, const char *s, size_t n)
{
    if (s == NULL || n == 0)
        return AVILA_EFORMAT;
    if (s[0] == '/' || s[0] == '@')
        return parse_unix(out, s, n);
    char host[INET6_ADDRSTRLEN];
    size_t hlen;
    const char *port_s;
    int family;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL || close + 1 == s + n || close[1] != ':')
            return AVILA_EFORMAT;
        hlen = (size_t)(close - s) - 1;
        memcpy(host, s + 1, hlen < sizeof host ? hlen : 0);
        port_s = close + 2;
        family = AF_INET6;
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon == NULL)
            return AVILA_EFORMAT;
        hlen = (size_t)(colon - s);
        memcpy(host, s, hlen < sizeof host ? hlen : 0);
        port_s = colon + 1;
        family = AF_INET;
    }
    if (hlen == 0 || hlen >= sizeof host)
        return AVILA_EFORMAT;
    host[hlen] = '\0';
    if (memchr(host, '\0', hlen) != NULL)
        return AVILA_EFORMAT;
    uint16_t port;
    if (parse_port(port_s, (size_t)(s + n - port_s), &port) != 0)
        return AVILA_EFORMAT;
    struct avila_sockaddr a;
    memset(&a, 0, sizeof a);
    if (family == AF_INET) {
        if (inet_pton(AF_INET, host, &a.u.in4.sin_addr) != 1)
            return AVILA_EFORMAT;
        a.u.in4.sin_family = AF_INET;
        a.u.in4.sin_port = htons(port);
        a.len = sizeof a.u.in4;
    } else {
        if (inet_pton(AF_INET6, host, &a.u.in6.sin6_addr) != 1)
            return AVILA_EFORMAT;
        a.u.in6.sin6_family = AF_INET6;
        a.u.in6.sin6_port = htons(port);
        a.len = sizeof a.u.in6;
    }
    *out = a;
    return 0;
}

/* Appends n bytes to dst at *pos (NUL kept room for); AVILA_ENOSPC if they do not fit. */
static int put(char *dst, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (n >= cap - *pos)
        return AVILA_ENOSPC;
    memcpy(dst + *pos, s, n);
    *pos += n;
    return 0;
}

int avila_sockaddr_format(const struct avila_sockaddr *a, char *dst, size_t cap)
{
    if (cap == 0)
        return AVILA_ENOSPC;
    char tmp[AVILA_SOCKADDR_STRMAX];
    size_t pos = 0;
    int rc;
    switch (a->u.sa.sa_family) {
    case AF_INET:
    case AF_INET6: {
        int v6 = a->u.sa.sa_family == AF_INET6;
        if (a->len < (v6 ? sizeof a->u.in6 : sizeof a->u.in4))
            return AVILA_EINVAL;
        char host[INET6_ADDRSTRLEN];
        const void *src = v6 ? (const void *)&a->u.in6.sin6_addr : (const void *)&a->u.in4.sin_addr;
        if (inet_ntop(a->u.sa.sa_family, src, host, sizeof host) == NULL)
            return AVILA_EINVAL;
        unsigned port = ntohs(v6 ? a->u.in6.sin6_port : a->u.in4.sin_port);
        int k = snprintf(tmp, sizeof tmp, v6 ? "[%s]:%u" : "%s:%u", host, port);
        if (k < 0 || (size_t)k >= sizeof tmp)
            return AVILA_EINVAL;
        rc = put(dst, cap, &pos, tmp, (size_t)k);
        break;
    }
    case AF_UNIX: {
        size_t off = offsetof(struct sockaddr_un, sun_path);
        if (a->len < off || a->len > sizeof a->u.un)
            return AVILA_EINVAL;
        size_t plen = a->len - off;
        const char *p = a->u.un.sun_path;
        if (plen == 0) {
            rc = 0; /* unnamed */
        } else if (p[0] == '\0') {
            rc = put(dst, cap, &pos, "@", 1);
            if (rc == 0)
                rc = put(dst, cap, &pos, p + 1, plen - 1);
        } else {
            size_t l = strnlen(p, plen);
            rc = put(dst, cap, &pos, p, l);
        }
        break;
    }
    default:
        return AVILA_EINVAL;
    }
    if (rc < 0)
        return rc;
    dst[pos] = '\0';
    return (int)pos;
}

int avila_sockaddr_port(const struct avila_sockaddr *a)
{
    if (a->u.sa.sa_family == AF_INET)
        return ntohs(a->u.in4.sin_port);
    if (a->u.sa.sa_family == AF_INET6)
        return ntohs(a->u.in6.sin6_port);
    return AVILA_EINVAL;
}

int avila_sock_local_addr(int fd, struct avila_sockaddr *out)
{
    memset(out, 0, sizeof *out);
    out->len = sizeof out->u;
    if (getsockname(fd, &out->u.sa, &out->len) != 0)
        return avila_sock_error(errno);
    return 0;
}

int avila_sock_peer_addr(int fd, struct avila_sockaddr *out)
{
    memset(out, 0, sizeof *out);
    out->len = sizeof out->u;
    if (getpeername(fd, &out->u.sa, &out->len) != 0)
        return avila_sock_error(errno);
    return 0;
}

/* ------------------------------------------------------------ sockets */

static int set_int_opt(int fd, int level, int name, int value)
{
    if (setsockopt(fd, level, name, &value, sizeof value) != 0)
        return avila_sock_error(errno);
    return 0;
}

int avila_sock_set_nodelay(int fd, int on)
{
    return set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, on != 0);
}

int avila_sock_set_sndbuf(int fd, int bytes)
{
    return set_int_opt(fd, SOL_SOCKET, SO_SNDBUF, bytes);
}

int avila_sock_set_rcvbuf(int fd, int bytes)
{
    return set_int_opt(fd, SOL_SOCKET, SO_RCVBUF, bytes);
}

static int addr_ok(const struct avila_sockaddr *a)
{
    int f = a->u.sa.sa_family;
    return (f == AF_INET || f == AF_INET6 || f == AF_UNIX) && a->len > 0 && a->len <= sizeof a->u;
}

/* A new non-blocking close-on-exec socket with the options of flags. */
static int new_socket(const struct avila_sockaddr *a, int type, unsigned flags)
{
    int fd = socket(a->u.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return avila_sock_error(errno);
    int rc = 0;
    if (a->u.sa.sa_family != AF_UNIX) {
        if (type == SOCK_STREAM)
            rc = set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        if (rc == 0 && (flags & AVILA_SOCK_REUSEPORT))
            rc = set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
        if (rc == 0 && a->u.sa.sa_family == AF_INET6)
            rc = set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, (flags & AVILA_SOCK_V6ONLY) != 0);
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

/*
 * For a Unix path in use: unlinks it if it is a socket no one listens on.
 * Returns 0 if the path may be bound again, AVILA_EEXIST otherwise.
 */
static int unlink_stale(const struct avila_sockaddr *a)
{
    struct stat st;
    if (a->u.un.sun_path[0] == '\0' || lstat(a->u.un.sun_path, &st) != 0 || !S_ISSOCK(st.st_mode))
        return AVILA_EEXIST;
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0)
        return AVILA_EEXIST;
    int r = connect(probe, &a->u.sa, a->len);
    int err = errno;
    close(probe);
    if (r == 0 || err != ECONNREFUSED)
        return AVILA_EEXIST; /* alive (or unknown): never take it over */
    return unlink(a->u.un.sun_path) == 0 ? 0 : AVILA_EEXIST;
}

int avila_sock_listen(const struct avila_sockaddr *a, int backlog, unsigned flags)
{
    if (!addr_ok(a))
        return AVILA_EINVAL;
    int fd = new_socket(a, SOCK_STREAM, flags);
    if (fd < 0)
        return fd;
    int r = bind(fd, &a->u.sa, a->len);
    if (r != 0 && errno == EADDRINUSE && a->u.sa.sa_family == AF_UNIX && unlink_stale(a) == 0)
        r = bind(fd, &a->u.sa, a->len);
    if (r != 0 || listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0) {
        int rc = avila_sock_error(errno);
        close(fd);
        return rc;
    }
    return fd;
}

int avila_sock_accept(int lfd, struct avila_sockaddr *peer)
{
    for (;;) {
        struct avila_sockaddr tmp;
        struct avila_sockaddr *p = peer != NULL ? peer : &tmp;
        memset(p, 0, sizeof *p);
        p->len = sizeof p->u;
        int fd = accept4(lfd, &p->u.sa, &p->len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        /* A connection that died in the queue, or a signal: the next one may be fine. */
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        return avila_sock_error(errno);
    }
}

int avila_sock_connect(const struct avila_sockaddr *a, int *fd)
{
    *fd = -1;
    if (!addr_ok(a))
        return AVILA_EINVAL;
    int s = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return avila_sock_error(errno);
    if (a->u.sa.sa_family != AF_UNIX)
        (void)avila_sock_set_nodelay(s, 1);
    int r;
    do
        r = connect(s, &a->u.sa, a->len);
    while (r != 0 && errno == EINTR);
    /* After EINTR the connect goes on in the background: EALREADY is "in progress". */
    if (r != 0 && errno != EINPROGRESS && errno != EALREADY) {
        int rc = avila_sock_error(errno);
        close(s);
        return rc;
    }
    *fd = s;
    return r == 0 ? 0 : AVILA_EAGAIN;
}

int avila_sock_connect_result(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return avila_sock_error(errno);
    return err == 0 ? 0 : avila_sock_error(err);
}

/* ------------------------------------------------------------ byte I/O */

static size_t clamp_io(size_t n)
{
    return n > AVILA_SOCK_IO_MAX ? AVILA_SOCK_IO_MAX : n;
}

int avila_sock_read(int fd, void *buf, size_t cap)
{
    for (;;) {
        ssize_t r = read(fd, buf, clamp_io(cap));
        if (r >= 0)
            return (int)r;
        if (errno != EINTR)
            return avila_sock_error(errno);
    }
}

int avila_sock_readv(int fd, const struct iovec *iov, int iovcnt)
{
    for (;;) {
        ssize_t r = readv(fd, iov, iovcnt);
        if (r >= 0)
            return (int)r; /* the kernel moves at most AVILA_SOCK_IO_MAX */
        if (errno != EINTR)
            return avila_sock_error(errno);
    }
}

int avila_sock_write(int fd, const void *buf, size_t n)
{
    n = clamp_io(n);
    for (;;) {
        ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);
        if (r < 0 && errno == ENOTSOCK)
            r = write(fd, buf, n);
        if (r >= 0)
            return (int)r;
        if (errno != EINTR)
            return avila_sock_error(errno);
    }
}

int avila_sock_writev(int fd, const struct iovec *iov, int iovcnt)
{
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    /* sendmsg does not write the vector; msghdr just lacks the const. */
    union {
        const struct iovec *c;
        struct iovec *m;
    } v = {.c = iov};
    msg.msg_iov = v.m;
    msg.msg_iovlen = (size_t)(iovcnt < 0 ? 0 : iovcnt);
    if (iovcnt <= 0)
        return AVILA_EINVAL;
    for (;;) {
        ssize_t r = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (r < 0 && errno == ENOTSOCK)
            r = writev(fd, iov, iovcnt);
        if (r >= 0)
            return (int)r;
        if (errno != EINTR)
            return avila_sock_error(errno);
    }
}

int avila_sock_sendfile(int out_fd, int in_fd, uint64_t *offset, size_t count)
{
    if (*offset > (uint64_t)INT64_MAX)
        return AVILA_EINVAL;
    off_t off = (off_t)*offset;
    for (;;) {
        ssize_t r = sendfile(out_fd, in_fd, &off, clamp_io(count));
        if (r >= 0) {
            *offset = (uint64_t)off;
            return (int)r;
        }
        if (errno != EINTR)
            return avila_sock_error(errno);
    }
}

/* ------------------------------------------------------------ datagrams */

int avila_sock_udp(const struct avila_sockaddr *a, unsigned flags)
{
    if (!addr_ok(a) || a->u.sa.sa_family == AF_UNIX)
        return AVILA_EINVAL;
    int fd = new_socket(a, SOCK_DGRAM, flags);
    if (fd < 0)
        return fd;
    if (bind(fd, &a->u.sa, a->len) != 0) {
        int rc = avila_sock_error(errno);
        close(fd);
        return rc;
    }
    return fd;
}

int avila_sock_sendto(int fd, const void *buf, size_t n, const struct avila_sockaddr *to)
{
    if (n > AVILA_SOCK_IO_MAX)
        return AVILA_ELIMIT;
    for (;;) {
        ssize_t r = sendto(fd, buf, n, MSG_NOSIGNAL, to != NULL ? &to->u.sa : NULL,
                           to != NULL ? to->len : 0);
        if (r >= 0)
            return (int)r;
        if (errno != EINTR)
            return avila_sock_error(errno);
    }
}

int avila_sock_recvfrom(int fd, void *buf, size_t cap, struct avila_sockaddr *from)
{
    struct avila_sockaddr tmp;
    struct avila_sockaddr *f = from != NULL ? from : &tmp;
    for (;;) {
        memset(f, 0, sizeof *f);
        f->len = sizeof f->u;
        /* MSG_TRUNC: the real length comes back even when it exceeds cap. */
        ssize_t r = recvfrom(fd, buf, clamp_io(cap), MSG_TRUNC, &f->u.sa, &f->len);
        if (r >= 0)
            return (size_t)r > cap ? AVILA_ENOSPC : (int)r;
        if (errno != EINTR)
            return avila_sock_error(errno);
    }
}

/* ------------------------------------------------------------ listener helper */

static int open_spare(void)
{
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void listener_pause(struct avila_listener *l)
{
    struct avila_loop *loop = l->io.loop;
    (void)avila_io_stop(&l->io);
    l->pauses++;
    avila_loop_timer_start(loop, &l->pause, l->pause_ms, l->pause.fn);
}

/*
 * Out of descriptors: use the spare one to take the connection off the
 * queue and close it. Returns 1 if a connection was shed, 0 if not.
 */
static int shed_one(struct avila_listener *l)
{
    if (l->spare_fd < 0)
        l->spare_fd = open_spare(); /* descriptors may have been freed meanwhile */
    if (l->spare_fd < 0)
        return 0;
    close(l->spare_fd);
    l->spare_fd = -1;
    int fd = accept4(l->io.fd, NULL, NULL, SOCK_CLOEXEC);
    int shed = fd >= 0;
    if (shed) {
        close(fd);
        l->shed++;
    }
    l->spare_fd = open_spare();
    return shed;
}

static void on_listen(struct avila_io *io, unsigned events)
{
    (void)events;
    struct avila_listener *l = AVILA_LOOP_CONTAINER(io, struct avila_listener, io);
    int lfd = io->fd;
    /* Stops when the queue is empty, or when fn stopped the listener. */
    while (avila_io_active(io) && io->fd == lfd) {
        struct avila_sockaddr peer;
        int fd = avila_sock_accept(lfd, &peer);
        if (fd >= 0) {
            l->accepted++;
            l->fn(l, fd, &peer);
            if (l->shared)
                return; /* one per wake-up: the next waiting loop takes the next */
            continue;
        }
        if (fd == AVILA_EAGAIN)
            return;
        if (fd == AVILA_ELIMIT && shed_one(l))
            continue;
        listener_pause(l);
        return;
    }
}

static unsigned listen_interest(const struct avila_listener *l)
{
    return AVILA_LOOP_READ | (l->shared ? AVILA_LOOP_SHARED : 0u);
}

static void on_listen_resume(struct avila_loop_timer *t)
{
    struct avila_listener *l = AVILA_LOOP_CONTAINER(t, struct avila_listener, pause);
    struct avila_loop *loop = t->loop;
    /* Adding the fd again reports the connections that queued meanwhile. */
    if (avila_io_start(loop, &l->io, listen_interest(l)) < 0) {
        l->pauses++;
        avila_loop_timer_restart(t);
    }
}

static int listener_start(struct avila_loop *loop, struct avila_listener *l, int lfd,
                          unsigned pause_ms, avila_listener_fn *fn, bool shared)
{
    void *data = l->data;
    memset(l, 0, sizeof *l);
    l->data = data;
    l->fn = fn;
    l->shared = shared;
    l->pause_ms = pause_ms != 0 ? pause_ms : AVILA_LISTENER_PAUSE_MS;
    avila_io_init(&l->io, lfd, on_listen);
    avila_loop_timer_init(&l->pause);
    l->pause.fn = on_listen_resume;
    l->pause.loop = loop;
    int rc = avila_io_start(loop, &l->io, listen_interest(l));
    if (rc < 0)
        return rc;
    l->spare_fd = open_spare();
    return 0;
}

int avila_listener_start(struct avila_loop *loop, struct avila_listener *l, int lfd,
                         unsigned pause_ms, avila_listener_fn *fn)
{
    return listener_start(loop, l, lfd, pause_ms, fn, false);
}

int avila_listener_start_shared(struct avila_loop *loop, struct avila_listener *l, int lfd,
                                unsigned pause_ms, avila_listener_fn *fn)
{
    return listener_start(loop, l, lfd, pause_ms, fn, true);
}

void avila_listener_stop(struct avila_listener *l)
{
    (void)avila_io_stop(&l->io);
    (void)avila_loop_timer_stop(&l->pause);
    if (l->spare_fd >= 0)
        close(l->spare_fd);
    l->spare_fd = -1;
}

/* ------------------------------------------------------------ connect helper */

static void connect_finish(struct avila_connect *c, int result)
{
    int fd = c->io.fd;
    (void)avila_io_stop(&c->io);
    (void)avila_loop_timer_stop(&c->timer);
    c->io.fd = -1;
    if (result < 0)
        close(fd);
    else
        result = fd;
    c->fn(c, result);
}

static void on_connect_io(struct avila_io *io, unsigned events)
{
    (void)events;
    struct avila_connect *c = AVILA_LOOP_CONTAINER(io, struct avila_connect, io);
    int rc = avila_sock_connect_result(io->fd);
    /* A spurious wake-up before the handshake ends leaves SO_ERROR at 0 but no peer. */
    if (rc == 0) {
        struct avila_sockaddr peer;
        rc = avila_sock_peer_addr(io->fd, &peer);
        if (rc == AVILA_ECLOSED && !(events & (AVILA_LOOP_ERROR | AVILA_LOOP_HUP)))
            return;
    }
    connect_finish(c, rc);
}

static void on_connect_timeout(struct avila_loop_timer *t)
{
    struct avila_connect *c = AVILA_LOOP_CONTAINER(t, struct avila_connect, timer);
    connect_finish(c, AVILA_ETIMEDOUT);
}

int avila_connect_start(struct avila_loop *loop, struct avila_connect *c,
                        const struct avila_sockaddr *a, uint64_t timeout_ms, avila_connect_fn *fn)
{
    int fd;
    int rc = avila_sock_connect(a, &fd);
    if (rc < 0 && rc != AVILA_EAGAIN)
        return rc;
    c->fn = fn;
    c->loop = loop;
    avila_io_init(&c->io, fd, on_connect_io);
    avila_loop_timer_init(&c->timer);
    /* Connected or not, the socket reports WRITE once the outcome is known. */
    rc = avila_io_start(loop, &c->io, AVILA_LOOP_WRITE);
    if (rc < 0) {
        close(fd);
        c->io.fd = -1;
        return rc;
    }
    if (timeout_ms != 0)
        avila_loop_timer_start(loop, &c->timer, timeout_ms, on_connect_timeout);
    return 0;
}

void avila_connect_cancel(struct avila_connect *c)
{
    if (!avila_io_active(&c->io))
        return;
    int fd = c->io.fd;
    (void)avila_io_stop(&c->io);
    (void)avila_loop_timer_stop(&c->timer);
    close(fd);
    c->io.fd = -1;
}

/* ------------------------------------------------------------ blocking waits */

int avila_sock_wait(int fd, unsigned events, uint64_t deadline_ms)
{
    short want = (short)(((events & AVILA_LOOP_READ) ? POLLIN : 0) |
                         ((events & AVILA_LOOP_WRITE) ? POLLOUT : 0));
    for (;;) {
        uint64_t now = avila_time_mono_ms();
        if (now >= deadline_ms)
            return AVILA_ETIMEDOUT;
        uint64_t wait = deadline_ms - now;
        struct pollfd p = {.fd = fd, .events = want};
        int n = poll(&p, 1, wait > INT_MAX ? INT_MAX : (int)wait);
        if (n > 0)
            return (p.revents & POLLNVAL) ? AVILA_EIO : 0;
        if (n < 0 && errno != EINTR)
            return AVILA_EIO;
    }
}

int avila_sock_connect_wait(const struct avila_sockaddr *a, uint64_t deadline_ms)
{
    int fd = -1;
    int rc = avila_sock_connect(a, &fd);
    if (rc == AVILA_EAGAIN) {
        rc = avila_sock_wait(fd, AVILA_LOOP_WRITE, deadline_ms);
        if (rc == 0)
            rc = avila_sock_connect_result(fd);
    }
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    return fd;
}

int avila_sock_write_all(int fd, const void *p, size_t n, uint64_t deadline_ms)
{
    const uint8_t *b = p;
    while (n > 0) {
        int w = avila_sock_write(fd, b, n);
        if (w == AVILA_EAGAIN) {
            int rc = avila_sock_wait(fd, AVILA_LOOP_WRITE, deadline_ms);
            if (rc != 0)
                return rc;
            continue;
        }
        if (w < 0)
            return w;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}
