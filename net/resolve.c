/*
 * net/resolve.c - the stub resolver of net/resolve.h: files, search list,
 * cache, and the UDP and TCP exchanges with the nameservers. OS code
 * (open, socket; waits through net/sock.h).
 */
#include "net/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/random.h"
#include "core/time.h"
#include "net/sock.h"

#define DEFAULT_PORT    53
#define DEFAULT_ENTRIES 256
#define REPLY_MAX       4096 /* UDP replies: above the 1232 bytes EDNS announces */

/* ---------------------------------------------------------------- files */

/*
 * Reads at most max bytes of path into a new buffer: 0 with *text NULL if
 * the file does not exist, AVILA_EIO if it cannot be read, AVILA_ENOMEM.
 */
static int read_file(const struct avila_allocator *a, const char *path, size_t max, char **text,
                     size_t *len)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : AVILA_EIO;
    char *buf = avila_alloc(a, max, 1);
    if (buf == NULL) {
        close(fd);
        return AVILA_ENOMEM;
    }
    size_t n = 0;
    while (n < max) {
        ssize_t r = read(fd, buf + n, max - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            avila_free(a, buf, max, 1);
            return AVILA_EIO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *text = buf;
    *len = n;
    return 0;
}

int avila_resolver_init(struct avila_resolver *r, const struct avila_allocator *a,
                        const struct avila_resolver_options *opt)
{
    static const struct avila_resolver_options defaults = {0};
    if (r == NULL || a == NULL)
        return AVILA_EINVAL;
    if (opt == NULL)
        opt = &defaults;
    if (opt->nameserver_count > AVILA_DNS_MAX_NAMESERVERS ||
        (opt->nameserver_count > 0 && opt->nameservers == NULL))
        return AVILA_EINVAL;
    for (size_t i = 0; i < opt->nameserver_count; i++)
        if (opt->nameservers[i].family != 4 && opt->nameservers[i].family != 6)
            return AVILA_EINVAL;
    memset(r, 0, sizeof *r);
    r->a = a;
    r->port = opt->port ? opt->port : DEFAULT_PORT;
    char *conf;
    size_t conf_len;
    int rc = read_file(a, opt->resolv_conf ? opt->resolv_conf : "/etc/resolv.conf",
                       AVILA_RESOLVER_CONF_MAX, &conf, &conf_len);
    if (rc != 0)
        return rc;
    avila_dns_resolv_conf_default(&r->conf);
    if (conf != NULL) {
        (void)avila_dns_resolv_conf_parse(&r->conf, conf, conf_len);
        avila_free(a, conf, AVILA_RESOLVER_CONF_MAX, 1);
    }
    if (opt->nameserver_count > 0) {
        memcpy(r->conf.nameservers, opt->nameservers,
               opt->nameserver_count * sizeof opt->nameservers[0]);
        r->conf.nameserver_count = opt->nameserver_count;
    }
    rc = read_file(a, opt->hosts ? opt->hosts : "/etc/hosts", AVILA_RESOLVER_HOSTS_MAX, &r->hosts,
                   &r->hosts_len);
    if (rc != 0)
        return rc;
    uint8_t seed[16];
    if (avila_random_bytes(seed, sizeof seed) != 0)
        rc = AVILA_EIO;
    if (rc == 0)
        rc = avila_dns_cache_init(&r->cache, a,
                                  opt->cache_entries ? opt->cache_entries : DEFAULT_ENTRIES,
                                  AVILA_DNS_CACHE_MAX_ADDRS, 0, seed);
    if (rc == 0 && pthread_mutex_init(&r->lock, NULL) != 0) {
        avila_dns_cache_release(&r->cache);
        rc = AVILA_ENOMEM;
    }
    if (rc != 0 && r->hosts != NULL) {
        avila_free(a, r->hosts, AVILA_RESOLVER_HOSTS_MAX, 1);
        r->hosts = NULL;
    }
    return rc;
}

void avila_resolver_release(struct avila_resolver *r)
{
    if (r == NULL || r->a == NULL)
        return;
    if (r->hosts != NULL)
        avila_free(r->a, r->hosts, AVILA_RESOLVER_HOSTS_MAX, 1);
    avila_dns_cache_release(&r->cache);
    pthread_mutex_destroy(&r->lock);
    r->a = NULL;
}

/* ---------------------------------------------------------------- exchanges */

/* A connected, non-blocking socket of type (SOCK_DGRAM or SOCK_STREAM) to nameserver s. */
static int open_socket(const struct avila_resolver *r, const struct avila_dns_addr *s, int type,
                       uint64_t deadline)
{
    struct avila_sockaddr sa;
    avila_sockaddr_ip(&sa, s->family, s->bytes, r->port);
    if (type == SOCK_STREAM)
        return avila_sock_connect_wait(&sa, deadline);
    /* UDP: connect only fixes the peer, so the kernel drops datagrams from anyone else. */
    int fd = socket(sa.u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return AVILA_EIO;
    if (connect(fd, &sa.u.sa, sa.len) != 0) {
        close(fd);
        return AVILA_EIO;
    }
    return fd;
}

/* Checks a reply against q: the verdict (>= 0) or an error. */
static int check_reply(const struct avila_dns_query *q, const uint8_t *msg, size_t len,
                       struct avila_dns_addr *addrs, size_t max, struct avila_dns_answer *ans)
{
    return avila_dns_answer_validate(q, msg, len, addrs, max, ans, NULL);
}

/* The query over TCP (RFC 1035 section 4.2.2, RFC 7766): a verdict or an error. */
static int exchange_tcp(const struct avila_resolver *r, const struct avila_dns_addr *s,
                        const struct avila_dns_query *q, const uint8_t *msg, size_t len,
                        uint64_t deadline, struct avila_dns_addr *addrs, size_t max,
                        struct avila_dns_answer *ans)
{
    int fd = open_socket(r, s, SOCK_STREAM, deadline);
    if (fd < 0)
        return fd;
    uint8_t frame[2 + AVILA_DNS_QUERY_MAX];
    struct avila_buf out;
    avila_buf_init_fixed(&out, frame, sizeof frame);
    int rc = avila_dns_tcp_frame(&out, msg, len);
    size_t sent = 0;
    while (rc >= 0 && sent < out.len) {
        ssize_t w = send(fd, out.data + sent, out.len - sent, MSG_NOSIGNAL);
        if (w > 0)
            sent += (size_t)w;
        else if (w < 0 && (errno == EAGAIN || errno == EINTR))
            rc = avila_sock_wait(fd, AVILA_LOOP_WRITE, deadline);
        else
            rc = AVILA_EIO;
    }
    /* The reply: a 2-byte length, then up to 65535 bytes. */
    static const size_t cap = 2 + AVILA_DNS_MSG_MAX;
    uint8_t *in = rc >= 0 ? avila_alloc(r->a, cap, 1) : NULL;
    if (rc >= 0 && in == NULL)
        rc = AVILA_ENOMEM;
    size_t got = 0;
    while (rc >= 0) {
        const uint8_t *reply;
        size_t reply_len;
        int u = avila_dns_tcp_unframe(in, got, &reply, &reply_len);
        if (u > 0) {
            rc = check_reply(q, reply, reply_len, addrs, max, ans);
            /* Over TCP a truncated or mismatched reply is final. */
            if (rc == AVILA_DNS_TRUNCATED || rc == AVILA_DNS_MISMATCH)
                rc = AVILA_EFORMAT;
            break;
        }
        if (u != AVILA_EAGAIN) {
            rc = AVILA_EFORMAT;
            break;
        }
        ssize_t n = recv(fd, in + got, cap - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0)
            rc = AVILA_ECLOSED;
        else if (errno == EAGAIN || errno == EINTR)
            rc = avila_sock_wait(fd, AVILA_LOOP_READ, deadline);
        else
            rc = AVILA_EIO;
    }
    if (in != NULL)
        avila_free(r->a, in, cap, 1);
    close(fd);
    return rc;
}

/*
 * One query to nameserver s, within timeout seconds: over UDP, then TCP if
 * the reply was truncated (or always with use-vc). Returns the verdict, or
 * an error (AVILA_ETIMEDOUT when nothing matching came).
 */
static int exchange(struct avila_resolver *r, const struct avila_dns_addr *s,
                    const struct avila_dns_query *q, struct avila_dns_addr *addrs, size_t max,
                    struct avila_dns_answer *ans)
{
    uint8_t msg[AVILA_DNS_QUERY_MAX];
    struct avila_buf out;
    avila_buf_init_fixed(&out, msg, sizeof msg);
    int len = avila_dns_query_write(q, &out);
    if (len < 0)
        return len;
    uint64_t deadline = avila_time_mono_ms() + 1000 * (uint64_t)r->conf.timeout;
    if (r->conf.use_vc)
        return exchange_tcp(r, s, q, msg, (size_t)len, deadline, addrs, max, ans);
    int fd = open_socket(r, s, SOCK_DGRAM, deadline);
    if (fd < 0)
        return fd;
    int rc = send(fd, msg, (size_t)len, MSG_NOSIGNAL) == len ? 0 : AVILA_EIO;
    uint8_t reply[REPLY_MAX];
    while (rc == 0) {
        ssize_t n = recv(fd, reply, sizeof reply, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                rc = avila_sock_wait(fd, AVILA_LOOP_READ, deadline);
            else /* ECONNREFUSED: nobody listens there */
                rc = AVILA_EIO;
            continue;
        }
        int v = check_reply(q, reply, (size_t)n, addrs, max, ans);
        if (v == AVILA_DNS_MISMATCH)
            continue; /* not ours (RFC 5452): keep waiting */
        rc = v == AVILA_DNS_TRUNCATED
                 ? exchange_tcp(r, s, q, msg, (size_t)len, deadline, addrs, max, ans)
                 : v;
        break;
    }
    close(fd);
    return rc;
}

/*
 * Asks the nameservers for (name, type): attempts rounds over them, each
 * server in turn (from a rotating start with "rotate"), until one gives an
 * answer, NXDOMAIN or NODATA. Returns that verdict, or AVILA_ETIMEDOUT if
 * some server never answered, else the last failure.
 */
static int ask(struct avila_resolver *r, const char *name, size_t n, uint16_t type,
               struct avila_dns_addr *addrs, size_t max, struct avila_dns_answer *ans)
{
    size_t servers = r->conf.nameserver_count;
    unsigned start = 0;
    if (r->conf.rotate) {
        pthread_mutex_lock(&r->lock);
        start = r->next_server++;
        pthread_mutex_unlock(&r->lock);
    }
    int last = AVILA_EFORMAT;
    bool timed_out = false;
    for (unsigned attempt = 0; attempt < r->conf.attempts; attempt++) {
        for (size_t i = 0; i < servers; i++) {
            uint64_t id;
            struct avila_dns_query q;
            if (avila_random_u64(&id) != 0)
                return AVILA_EIO;
            int rc = avila_dns_query_init(&q, name, n, type, (uint16_t)id);
            if (rc != 0)
                return rc;
            q.edns = true;
            rc = exchange(r, &r->conf.nameservers[(start + i) % servers], &q, addrs, max, ans);
            if (rc == AVILA_DNS_ANSWER || rc == AVILA_DNS_NXDOMAIN || rc == AVILA_DNS_NODATA)
                return rc;
            if (rc == AVILA_ETIMEDOUT)
                timed_out = true;
            else
                last = rc < 0 ? rc : AVILA_EFORMAT;
        }
    }
    return timed_out ? AVILA_ETIMEDOUT : last;
}

/*
 * The addresses of one candidate name for one type, from the cache or the
 * nameservers (and then cached): the verdict with *count set, or an error.
 */
static int lookup_type(struct avila_resolver *r, const uint8_t *wire, size_t wire_len,
                       uint16_t type, struct avila_dns_addr *out, size_t max, size_t *count)
{
    struct avila_dns_addr got[AVILA_DNS_CACHE_MAX_ADDRS];
    struct avila_dns_cache_hit hit;
    uint64_t now = avila_time_mono_ms() / 1000;
    *count = 0;
    pthread_mutex_lock(&r->lock);
    int rc =
        avila_dns_cache_get(&r->cache, wire, wire_len, type, now, got, AVILA_ARRAY_LEN(got), &hit);
    pthread_mutex_unlock(&r->lock);
    if (rc == 0) {
        rc = hit.verdict;
    } else {
        char text[AVILA_DNS_NAME_TEXT_MAX];
        int tl = avila_dns_name_to_text(wire, wire_len, text, sizeof text);
        if (tl < 0)
            return tl;
        struct avila_dns_answer ans = {.ttl = 0};
        rc = ask(r, text, (size_t)tl, type, got, AVILA_ARRAY_LEN(got), &ans);
        if (rc < 0)
            return rc;
        hit.count = rc == AVILA_DNS_ANSWER ? ans.count : 0;
        pthread_mutex_lock(&r->lock);
        (void)avila_dns_cache_put(&r->cache, wire, wire_len, type, rc, got, hit.count, ans.ttl,
                                  now);
        pthread_mutex_unlock(&r->lock);
    }
    if (rc == AVILA_DNS_ANSWER) {
        size_t k = hit.count < max ? hit.count : max;
        memcpy(out, got, k * sizeof *out);
        *count = k;
    }
    return rc;
}

int avila_resolver_lookup(struct avila_resolver *r, const char *name, size_t n, int family,
                          struct avila_dns_addr *out, size_t max)
{
    if (r == NULL || name == NULL || out == NULL || max == 0 ||
        (family != 0 && family != 4 && family != 6))
        return AVILA_EINVAL;
    /* A numeric address is its own answer. */
    struct avila_dns_addr numeric;
    if (avila_dns_addr_parse(name, n, &numeric) == 0) {
        if (family != 0 && numeric.family != family)
            return AVILA_ENOTFOUND;
        out[0] = numeric;
        return 1;
    }
    if (r->hosts != NULL) {
        int k = avila_dns_hosts_lookup(r->hosts, r->hosts_len, name, n, family, out, max);
        if (k > 0)
            return k;
    }
    static const uint16_t both[] = {AVILA_DNS_TYPE_AAAA, AVILA_DNS_TYPE_A};
    const uint16_t *types = family == 4 ? both + 1 : both;
    size_t ntypes = family == 0 ? 2 : 1;
    int failure = AVILA_ENOTFOUND;
    for (size_t c = 0;; c++) {
        uint8_t wire[AVILA_DNS_NAME_MAX];
        int wl = avila_dns_candidate(&r->conf, name, n, c, wire);
        if (wl == AVILA_ENOTFOUND)
            break;
        if (wl < 0)
            return wl;
        size_t total = 0;
        for (size_t t = 0; t < ntypes && total < max; t++) {
            size_t k;
            int rc = lookup_type(r, wire, (size_t)wl, types[t], out + total, max - total, &k);
            if (rc < 0 && failure == AVILA_ENOTFOUND)
                failure = rc; /* remembered; NXDOMAIN elsewhere does not hide it */
            total += k;
        }
        if (total > 0)
            return (int)total;
    }
    return failure;
}

int avila_resolver_connect(struct avila_resolver *r, const char *name, size_t n, uint16_t port,
                           uint64_t deadline_ms)
{
    struct avila_dns_addr addrs[8];
    int count = avila_resolver_lookup(r, name, n, 0, addrs, AVILA_ARRAY_LEN(addrs));
    if (count < 0)
        return count;
    int rc = AVILA_EIO;
    for (int i = 0; i < count; i++) {
        struct avila_sockaddr sa;
        avila_sockaddr_ip(&sa, addrs[i].family, addrs[i].bytes, port);
        rc = avila_sock_connect_wait(&sa, deadline_ms);
        if (rc >= 0)
            return rc;
    }
    return rc;
}
