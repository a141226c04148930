/*
 * tests/net/tool_dns_addr.c - net/dns.h's address text functions behind a
 * line protocol, so that tests/net/peer_dns_addr.py can compare them with
 * Python's ipaddress module through one pipe.
 *
 * Reads one address text per line from standard input (the line without its
 * newline) and writes exactly one line for it: "4 TEXT" or "6 TEXT" with
 * the family avila_dns_addr_parse found and avila_dns_addr_format's text,
 * or "bad" if the text was refused.
 */
#include <stdio.h>
#include <string.h>

#include "net/dns.h"

int main(void)
{
    static char line[4096];
    while (fgets(line, sizeof line, stdin) != NULL) {
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n')
            n--;
        struct avila_dns_addr a;
        char t[AVILA_DNS_ADDR_TEXT_MAX];
        if (avila_dns_addr_parse(line, n, &a) != 0 || avila_dns_addr_format(&a, t, sizeof t) < 0)
            puts("bad");
        else
            printf("%d %s\n", a.family, t);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
