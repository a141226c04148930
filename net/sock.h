/*
 * net/sock.h - thin non-blocking socket wrappers for the event loop:
 * addresses ("host:port", "[v6]:port", "/unix/path", "@abstract"), TCP and
 * Unix stream listeners and connects, UDP, reads and writes that say
 * AVILA_EAGAIN instead of blocking, sendfile; and two loop helpers, an
 * accepting listener that survives descriptor exhaustion and a connect with
 * a timeout. OS code (Linux sockets: socket(7), tcp(7), udp(7), unix(7)).
 *
 * Errors. Every function returns a negative AVILA_E* on failure, mapped from
 * errno by avila_sock_error (below); errno itself is left as the system
 * call set it, for callers that need the exact cause. Descriptors returned
 * are non-blocking and close-on-exec; the caller owns and closes them.
 *
 * Sizes. A single read or write moves at most AVILA_SOCK_IO_MAX bytes (the
 * Linux limit per call), so byte counts fit the int return.
 *
 * No name resolution happens here: hosts are numeric (DNS is net/dns).
 */
#ifndef AVILA_NET_SOCK_H
#define AVILA_NET_SOCK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "core/error.h"
#include "core/platform.h"
#include "net/loop.h"

/* The most bytes one call reads or writes (Linux's MAX_RW_COUNT on 4 KiB pages). */
#define AVILA_SOCK_IO_MAX 0x7ffff000

/*
 * An IPv4, IPv6 or Unix socket address and its length. A zeroed one has
 * family AF_UNSPEC and length 0.
 */
struct avila_sockaddr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
        struct sockaddr_storage ss;
    } u;
    socklen_t len;
};

/*
 * Sets *out to the IPv4 (family 4: 4 bytes at ip) or IPv6 (family 6: 16
 * bytes) address ip and port, e.g. from a resolver's answer.
 */
void avila_sockaddr_ip(struct avila_sockaddr *out, int family, const uint8_t *ip, uint16_t port);

/* Bytes avila_sockaddr_format needs at most, NUL included. */
#define AVILA_SOCKADDR_STRMAX 128

/*
 * Parses exactly the n bytes at s (no NUL needed) into *out:
 *   "a.b.c.d:port"      IPv4, dotted decimal, no leading zeros
 *   "[v6]:port"         IPv6 (RFC 4291 section 2.2 text forms, no zone)
 *   "/path"             Unix, a filesystem path (at most 107 bytes)
 *   "@name"             Unix, Linux abstract namespace (at most 107 bytes)
 * port is 0..65535 in decimal without sign or leading zeros (0 asks the
 * kernel for an ephemeral port). No DNS names, no missing ports. Returns 0,
 * or AVILA_EFORMAT (anything else; *out is then unchanged).
 */
int avila_sockaddr_parse(struct avila_sockaddr *out, const char *s, size_t n);

/*
 * Writes a in the form avila_sockaddr_parse reads (IPv6 in RFC 5952
 * canonical text, as inet_ntop gives it), NUL-terminated, into dst of cap
 * bytes (AVILA_SOCKADDR_STRMAX is always enough). An unnamed Unix socket
 * is written as "". Returns the length without the NUL, AVILA_EINVAL for
 * another family or a malformed length, or AVILA_ENOSPC.
 */
int avila_sockaddr_format(const struct avila_sockaddr *a, char *dst, size_t cap);

/* The port of an IPv4 or IPv6 address, or AVILA_EINVAL for other families. */
int avila_sockaddr_port(const struct avila_sockaddr *a);

/* The address fd is bound to (getsockname), e.g. to learn an ephemeral port. */
int avila_sock_local_addr(int fd, struct avila_sockaddr *out);

/* The address of fd's peer (getpeername); AVILA_ECLOSED if not connected. */
int avila_sock_peer_addr(int fd, struct avila_sockaddr *out);

/*
 * Maps an errno value to an AVILA_E* code (always negative):
 *   EAGAIN, EWOULDBLOCK, EINPROGRESS, EALREADY        AVILA_EAGAIN
 *   ENOMEM, ENOBUFS                                   AVILA_ENOMEM
 *   EMFILE, ENFILE                                    AVILA_ELIMIT
 *   ECONNREFUSED, ECONNRESET, ECONNABORTED, EPIPE,
 *   ENOTCONN, ESHUTDOWN                               AVILA_ECLOSED
 *   ETIMEDOUT                                         AVILA_ETIMEDOUT
 *   EADDRINUSE, EEXIST, EISCONN                       AVILA_EEXIST
 *   ENOENT, EADDRNOTAVAIL                             AVILA_ENOTFOUND
 *   EINVAL, EBADF, ENOTSOCK, EFAULT, EDESTADDRREQ     AVILA_EINVAL
 *   EAFNOSUPPORT, EPROTONOSUPPORT, EOPNOTSUPP,
 *   ESOCKTNOSUPPORT                                   AVILA_EUNSUPPORTED
 *   EMSGSIZE                                          AVILA_ELIMIT
 *   anything else (EACCES, ENETUNREACH, EIO, ...)     AVILA_EIO
 */
int avila_sock_error(int err);

/* ------------------------------------------------------------ stream sockets */

/* Flags of avila_sock_listen and avila_sock_udp. */
enum {
    AVILA_SOCK_REUSEPORT = 1u << 0, /* SO_REUSEPORT: several sockets share the address */
    AVILA_SOCK_V6ONLY = 1u << 1,    /* IPV6_V6ONLY on an IPv6 socket (else dual-stack default) */
};

/*
 * A listening stream socket on a: TCP with SO_REUSEADDR (plus SO_REUSEPORT
 * on request), or Unix. A Unix path that exists is taken over only if it is
 * a socket nobody listens on (a connect to it is refused): a stale socket
 * left by a dead server is unlinked, anything else gives AVILA_EEXIST. The
 * caller unlinks the path when done. backlog <= 0 uses SOMAXCONN. Returns
 * the fd, or an error (AVILA_EEXIST: address in use).
 */
int avila_sock_listen(const struct avila_sockaddr *a, int backlog, unsigned flags);

/*
 * Accepts one connection (accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC),
 * retrying EINTR and connections that died in the queue (ECONNABORTED,
 * EPROTO). Stores the peer's address in *peer if peer is not NULL. Returns
 * the new fd, AVILA_EAGAIN when the queue is empty, AVILA_ELIMIT when out
 * of descriptors (EMFILE, ENFILE; see struct avila_listener), or an error.
 */
int avila_sock_accept(int lfd, struct avila_sockaddr *peer);

/*
 * Starts a non-blocking connect to a (TCP or Unix stream) and stores the
 * new socket in *fd. Returns 0 if connected at once, AVILA_EAGAIN if in
 * progress (watch *fd for AVILA_LOOP_WRITE, then call
 * avila_sock_connect_result), or an error (then no fd is left open, and
 * *fd is -1). TCP sockets get TCP_NODELAY.
 */
int avila_sock_connect(const struct avila_sockaddr *a, int *fd);

/* The outcome of a connect in progress once fd reported WRITE: 0 or the mapped SO_ERROR. */
int avila_sock_connect_result(int fd);

/*
 * Blocking code (tools, the resolver, the work pool): waits until fd is
 * ready for events (AVILA_LOOP_READ and/or AVILA_LOOP_WRITE) or the
 * monotonic clock (avila_time_mono_ms) reaches deadline_ms. Returns 0 when
 * ready (an error or hang-up pending also counts: the next call says
 * which), AVILA_ETIMEDOUT, or AVILA_EIO. Retries EINTR.
 */
int avila_sock_wait(int fd, unsigned events, uint64_t deadline_ms);

/*
 * Blocking code: connects to a (avila_sock_connect) and waits for the
 * outcome until deadline_ms. Returns the connected non-blocking fd, or
 * AVILA_ETIMEDOUT or the connect's error (no fd left open).
 */
int avila_sock_connect_wait(const struct avila_sockaddr *a, uint64_t deadline_ms);

/*
 * Blocking code: writes all n bytes at p to the non-blocking fd, waiting
 * for room as needed until deadline_ms. Returns 0, AVILA_ETIMEDOUT, or the
 * write's error (some bytes may have been written).
 */
int avila_sock_write_all(int fd, const void *p, size_t n, uint64_t deadline_ms);

/* Sets TCP_NODELAY on (1) or off (0). Returns 0 or an error. */
int avila_sock_set_nodelay(int fd, int on);

/* Sets SO_SNDBUF / SO_RCVBUF to bytes (the kernel doubles and clamps it). */
int avila_sock_set_sndbuf(int fd, int bytes);
int avila_sock_set_rcvbuf(int fd, int bytes);

/* ------------------------------------------------------------ byte I/O */

/*
 * Reads up to cap bytes (at most AVILA_SOCK_IO_MAX). Returns the count (> 0),
 * 0 at end of stream (or when cap is 0), AVILA_EAGAIN when nothing is
 * there, or an error (AVILA_ECLOSED for a reset). Retries EINTR. Works on
 * any fd.
 */
int avila_sock_read(int fd, void *buf, size_t cap);

/* Scatter read: as avila_sock_read over iovcnt (1..IOV_MAX) buffers in order. */
int avila_sock_readv(int fd, const struct iovec *iov, int iovcnt);

/*
 * Writes up to n bytes and returns how many were taken (maybe fewer: write
 * the rest after the next WRITE event), AVILA_EAGAIN when none fit, or an
 * error (AVILA_ECLOSED when the peer is gone). Sockets are written with
 * MSG_NOSIGNAL; other fds (pipes) with write(2), relying on SIGPIPE being
 * ignored (avila_loop_create). Retries EINTR.
 */
int avila_sock_write(int fd, const void *buf, size_t n);

/* Gather write: as avila_sock_write over iovcnt (1..IOV_MAX) buffers in order. */
int avila_sock_writev(int fd, const struct iovec *iov, int iovcnt);

/*
 * Sends up to count bytes of the file in_fd from *offset to out_fd
 * (sendfile(2); in_fd a regular file, out_fd a socket or pipe) and advances
 * *offset by the count sent. Returns the count, 0 at end of file,
 * AVILA_EAGAIN if out_fd is full, or an error.
 */
int avila_sock_sendfile(int out_fd, int in_fd, uint64_t *offset, size_t count);

/* ------------------------------------------------------------ datagrams */

/*
 * A UDP socket bound to a (port 0: ephemeral; AVILA_SOCK_REUSEPORT and
 * AVILA_SOCK_V6ONLY as for listen). Returns the fd or an error.
 */
int avila_sock_udp(const struct avila_sockaddr *a, unsigned flags);

/* Sends one datagram of n bytes to `to` (NULL on a connected socket). Returns n or an error. */
int avila_sock_sendto(int fd, const void *buf, size_t n, const struct avila_sockaddr *to);

/*
 * Receives one datagram into buf (cap bytes) and its sender into *from (may
 * be NULL). Returns its length, AVILA_EAGAIN, AVILA_ENOSPC if it was longer
 * than cap (the datagram is consumed and lost), or an error.
 */
int avila_sock_recvfrom(int fd, void *buf, size_t cap, struct avila_sockaddr *from);

/* ------------------------------------------------------------ listener helper */

struct avila_listener;

/*
 * Called once per accepted connection with its fd (the callee owns it) and
 * the peer's address (valid during the call). It MAY stop the listener (no
 * further connection is then accepted in this batch) but MUST NOT free it
 * during the call.
 */
typedef void avila_listener_fn(struct avila_listener *l, int fd, const struct avila_sockaddr *peer);

/*
 * Accepts on a listening socket until the queue is empty at each READ
 * event, and keeps working when descriptors run out (EMFILE, ENFILE)
 * without spinning: it holds one spare descriptor (of /dev/null); when an
 * accept fails for lack of descriptors it closes the spare, accepts the
 * connection, closes it at once (the client sees its connection closed:
 * the server sheds load instead of leaving it queued forever) and reopens
 * the spare, until the queue is empty. If that cannot be done (no spare,
 * or another thread took the freed descriptor) or accept fails with
 * another error (ENOBUFS, ENOMEM...), it stops watching the socket for
 * pause_ms and tries again then. Embed it; fields are private except data
 * and the counters.
 */
struct avila_listener {
    struct avila_io io;
    struct avila_loop_timer pause;
    avila_listener_fn *fn;
    void *data;
    int spare_fd;
    unsigned pause_ms;
    uint64_t accepted; /* connections handed to fn */
    uint64_t shed;     /* connections closed for lack of descriptors */
    uint64_t pauses;   /* times the listener paused */
    bool shared;       /* lfd is shared with other loops' listeners */
};

/* Default pause after an accept failure that shedding cannot cure. */
#define AVILA_LISTENER_PAUSE_MS 100

/*
 * Starts accepting on lfd (a listening socket, which the caller still owns
 * and closes after avila_listener_stop) and calling fn on loop's thread.
 * Resets every field of l but data, counters included. pause_ms = 0 uses
 * AVILA_LISTENER_PAUSE_MS. Returns 0 or an error of
 * avila_io_start (no spare descriptor is not an error: only pausing is
 * then available).
 */
int avila_listener_start(struct avila_loop *loop, struct avila_listener *l, int lfd,
                         unsigned pause_ms, avila_listener_fn *fn);

/*
 * Like avila_listener_start, for a listening socket that listeners on
 * other loops share (each with its own descriptor of it, e.g. by dup):
 * one loop wakes per queued connection and accepts just that one, so
 * connections spread over the loops that are free, as nginx's workers
 * share one accept queue (SO_REUSEPORT instead hashes each connection to
 * a fixed loop, busy or not).
 */
int avila_listener_start_shared(struct avila_loop *loop, struct avila_listener *l, int lfd,
                                unsigned pause_ms, avila_listener_fn *fn);

/*
 * Stops accepting (graceful shutdown: stop the listener, then drain the
 * connections) and closes the spare descriptor. Queued connections stay in
 * the kernel until lfd is closed. Safe from any callback on the loop.
 */
void avila_listener_stop(struct avila_listener *l);

/* ------------------------------------------------------------ connect helper */

struct avila_connect;

/*
 * The outcome of avila_connect_start: result is the connected fd (>= 0; the
 * callee owns it), or an error: AVILA_ETIMEDOUT after the timeout,
 * AVILA_ECLOSED when refused, other mapped errors. c is idle during the
 * call and may be freed or restarted.
 */
typedef void avila_connect_fn(struct avila_connect *c, int result);

/* A connect in progress with a timeout (io + timer). Embed it; private but data. */
struct avila_connect {
    struct avila_io io;
    struct avila_loop_timer timer;
    struct avila_loop *loop; /* the loop of the last start (public, read-only) */
    avila_connect_fn *fn;
    void *data;
};

/*
 * Connects to a (TCP or Unix stream) without blocking; fn gets the result
 * on loop's thread later, never during this call. timeout_ms 0 means no
 * timeout (the kernel's own, minutes for TCP). Returns 0 (fn will be
 * called exactly once unless avila_connect_cancel is), or the error of an
 * immediate failure (fn is then never called).
 */
int avila_connect_start(struct avila_loop *loop, struct avila_connect *c,
                        const struct avila_sockaddr *a, uint64_t timeout_ms, avila_connect_fn *fn);

/* Abandons a connect in progress: closes its socket; fn is not called. Idle c: no effect. */
void avila_connect_cancel(struct avila_connect *c);

#endif
