/*
 * net/dns_int.h - helpers shared by the files of net/dns (not public).
 */
#ifndef AVILA_NET_DNS_INT_H
#define AVILA_NET_DNS_INT_H

#include "net/dns.h"

/* ASCII lower case of one byte (other bytes unchanged). */
static inline uint8_t dns_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Clamps a TTL per RFC 2181 section 8: values with the top bit set count as 0. */
static inline uint32_t dns_ttl(uint32_t ttl)
{
    return (ttl & 0x80000000u) != 0 ? 0 : ttl;
}

#endif
