/*
 * tests/net/tool_resolve.c - net/resolve.h on the command line, for
 * tests/net/test_resolve.sh:
 *   tool_resolve [-s ADDR]... CONF HOSTS PORT FAMILY NAME...
 * resolves each NAME with the resolv.conf CONF and hosts file HOSTS ("-"
 * for a file that does not exist), nameservers at PORT (each -s ADDR makes
 * an explicit server list in place of CONF's), FAMILY 0, 4 or 6,
 * and prints one line per name: its addresses sorted as returned and
 * separated by spaces, or "ERR <name of the error>". Exit 0 unless the
 * arguments or the resolver's setup are bad (2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "net/resolve.h"

static const char *error_name(int rc)
{
    switch (rc) {
    case AVILA_ENOTFOUND:
        return "AVILA_ENOTFOUND";
    case AVILA_ETIMEDOUT:
        return "AVILA_ETIMEDOUT";
    case AVILA_EFORMAT:
        return "AVILA_EFORMAT";
    case AVILA_ELIMIT:
        return "AVILA_ELIMIT";
    case AVILA_EIO:
        return "AVILA_EIO";
    default:
        return avila_strerror(rc);
    }
}

int main(int argc, char **argv)
{
    struct avila_dns_addr servers[AVILA_DNS_MAX_NAMESERVERS + 1];
    size_t nservers = 0;
    while (argc > 2 && strcmp(argv[1], "-s") == 0) {
        if (nservers == AVILA_ARRAY_LEN(servers) ||
            avila_dns_addr_parse(argv[2], strlen(argv[2]), &servers[nservers++]) != 0) {
            fprintf(stderr, "tool_resolve: -s %s: bad or one too many\n", argv[2]);
            return 2;
        }
        argc -= 2;
        argv += 2;
    }
    if (argc < 6) {
        fprintf(stderr, "usage: tool_resolve [-s ADDR]... CONF HOSTS PORT FAMILY NAME...\n");
        return 2;
    }
    struct avila_resolver_options opt = {
        .nameservers = servers,
        .nameserver_count = nservers,
        .resolv_conf = argv[1],
        .hosts = strcmp(argv[2], "-") == 0 ? "/nonexistent/hosts" : argv[2],
        .port = (uint16_t)strtoul(argv[3], NULL, 10),
    };
    int family = (int)strtol(argv[4], NULL, 10);
    struct avila_resolver r;
    int rc = avila_resolver_init(&r, avila_allocator_libc(), &opt);
    if (rc != 0) {
        fprintf(stderr, "tool_resolve: %s\n", avila_strerror(rc));
        return 2;
    }
    for (int i = 5; i < argc; i++) {
        struct avila_dns_addr out[AVILA_DNS_CACHE_MAX_ADDRS];
        rc = avila_resolver_lookup(&r, argv[i], strlen(argv[i]), family, out, AVILA_ARRAY_LEN(out));
        if (rc < 0) {
            printf("ERR %s\n", error_name(rc));
            continue;
        }
        for (int k = 0; k < rc; k++) {
            char text[AVILA_DNS_ADDR_TEXT_MAX];
            (void)avila_dns_addr_format(&out[k], text, sizeof text);
            printf("%s%s", k ? " " : "", text);
        }
        printf("\n");
    }
    avila_resolver_release(&r);
    return 0;
}
