/*
 * net/resolve.h - the stub resolver: turns a host name into addresses the
 * way glibc's resolver does, without NSS, so a static binary resolves
 * names: numeric addresses as they are, then /etc/hosts, then the TTL
 * cache, then the nameservers of /etc/resolv.conf (search list and ndots,
 * timeout, attempts, rotate, use-vc), over UDP with a fallback to TCP when
 * a reply is truncated. The message codec, the checks of each reply (RFC
 * 5452: id, question, bailiwick through the CNAME chain) and the file
 * formats are net/dns.h's; this is the OS part that moves the bytes. OS code.
 *
 * Spoofing resistance (RFC 5452 section 9): every query has a fresh random
 * id (core/random.h) and its own socket on a kernel-chosen ephemeral port
 * (Linux randomises them), connected to the server so datagrams from other
 * addresses are dropped by the kernel; a reply that does not match the
 * query is ignored and the wait goes on until the timeout.
 *
 * Blocking: avila_resolver_lookup waits for the network (at most timeout x
 * attempts x servers per query type and search candidate). An event loop
 * runs it on the blocking-work pool (net/work.h). Thread-safe: the
 * configuration is read-only after init and the cache is locked.
 */
#ifndef AVILA_NET_RESOLVE_H
#define AVILA_NET_RESOLVE_H

#include <pthread.h>

#include "core/alloc.h"
#include "net/dns.h"

/* Largest /etc/hosts and /etc/resolv.conf read; longer files are cut there. */
#define AVILA_RESOLVER_HOSTS_MAX ((size_t)1 << 20)
#define AVILA_RESOLVER_CONF_MAX  ((size_t)64 << 10)

/* Where the configuration comes from; zero fields (or a NULL pointer) are the defaults. */
struct avila_resolver_options {
    const char *resolv_conf; /* default /etc/resolv.conf; a missing file means the defaults */
    const char *hosts;       /* default /etc/hosts; a missing file means no entries */
    uint16_t port;           /* the nameservers' port; default 53 (tests use another) */
    size_t cache_entries;    /* default 256 */
    /*
     * An explicit server list (like `dig @server`): when nameserver_count is
     * not 0, nameservers[0..nameserver_count) replace the nameserver lines
     * of resolv_conf, whose other settings (search, ndots, timeout,
     * attempts, rotate, use-vc) still apply. Copied by init; at most
     * AVILA_DNS_MAX_NAMESERVERS, else init returns AVILA_EINVAL.
     */
    const struct avila_dns_addr *nameservers;
    size_t nameserver_count;
};

/* A resolver. Caller-allocated; fields private. */
struct avila_resolver {
    struct avila_dns_resolv_conf conf;
    char *hosts; /* the hosts file's text (allocated), or NULL */
    size_t hosts_len;
    struct avila_dns_cache cache;
    pthread_mutex_t lock; /* guards cache and next_server */
    unsigned next_server; /* rotate: where the next query starts */
    uint16_t port;
    const struct avila_allocator *a;
};

/*
 * Reads the configuration and sets up the cache (its hash seeded from
 * core/random.h). a MUST outlive the resolver; opt (NULL for the defaults)
 * is not kept. Returns 0, AVILA_ENOMEM, AVILA_EIO for a file that exists
 * but cannot be read, or AVILA_EINVAL (NULL r or a, more than
 * AVILA_DNS_MAX_NAMESERVERS explicit nameservers, or one whose family is
 * not 4 or 6).
 */
int avila_resolver_init(struct avila_resolver *r, const struct avila_allocator *a,
                        const struct avila_resolver_options *opt);

/* Frees what init took. */
void avila_resolver_release(struct avila_resolver *r);

/*
 * Resolves the host name name[0..n) to at most max addresses of family 4,
 * 6, or 0 for both (IPv6 first, as getaddrinfo orders them by default for
 * a host with both). Returns the count (>= 1) stored in out, or:
 *   AVILA_ENOTFOUND  no such name, or no address of that family
 *                    (NXDOMAIN or NODATA for every search candidate)
 *   AVILA_ETIMEDOUT  no nameserver answered in time
 *   AVILA_EFORMAT    a malformed name, or only malformed or failing replies
 *   AVILA_EINVAL     bad arguments
 */
int avila_resolver_lookup(struct avila_resolver *r, const char *name, size_t n, int family,
                          struct avila_dns_addr *out, size_t max);

/*
 * Blocking: resolves name[0..n) as avila_resolver_lookup does (both
 * families, IPv6 first) and connects to port on each address in turn
 * until one answers, all by deadline_ms (avila_time_mono_ms). Returns the
 * connected non-blocking fd, the lookup's error, or the last connect's
 * error (AVILA_ETIMEDOUT among them).
 */
int avila_resolver_connect(struct avila_resolver *r, const char *name, size_t n, uint16_t port,
                           uint64_t deadline_ms);

#endif
