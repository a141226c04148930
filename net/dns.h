/*
 * net/dns.h - the sans-I/O parts of a DNS stub resolver: domain names, the
 * message codec (RFC 1035 section 4, AAAA from RFC 3596, EDNS(0) OPT from
 * RFC 6891 section 6), answer validation for one query (RFC 5452 section 9,
 * RFC 2181 sections 5.4.1 and 8, RFC 2308 section 5), TCP framing (RFC 1035
 * section 4.2.2), the /etc/hosts and /etc/resolv.conf text formats
 * (hosts(5), resolv.conf(5), glibc's limits), IPv4/IPv6 address text
 * (RFC 4291 section 2.2, RFC 5952) and a TTL cache.
 *
 * A driver (the socket code, not here) resolves a name like this:
 *   1. avila_dns_resolv_conf_parse() on /etc/resolv.conf's bytes, and
 *      avila_dns_hosts_lookup() on /etc/hosts's bytes;
 *   2. for each avila_dns_candidate() name: avila_dns_cache_get(), else
 *      avila_dns_query_init() with an id from core/random.h, then
 *      avila_dns_query_write() (avila_dns_tcp_frame() over TCP), send;
 *   3. feed every datagram that arrives to avila_dns_answer_validate(): it
 *      says AVILA_DNS_ANSWER / _NXDOMAIN / _NODATA (done; cache it),
 *      _TRUNCATED (ask again over TCP), _NEXT_SERVER / _RCODE_ERROR (try
 *      the next nameserver), _MISMATCH (not ours or spoofed: keep waiting),
 *      or a negative error (malformed: try the next nameserver).
 *
 * Names inside this module are kept in uncompressed wire form: a sequence
 * of labels, each a length byte (1..63) and its bytes, ending with the root
 * label (a zero byte), at most AVILA_DNS_NAME_MAX bytes in all. Comparisons
 * are ASCII case-insensitive (RFC 4343); no IDNA.
 *
 * Errors: AVILA_EFORMAT for malformed input (a message, a name, an address),
 * AVILA_ELIMIT when input breaks a limit (name longer than 255 octets,
 * compression pointers chained past AVILA_DNS_MAX_POINTERS, CNAME chain
 * longer than AVILA_DNS_MAX_CNAMES), AVILA_ENOSPC when a caller's buffer is
 * too small, AVILA_EINVAL for a caller's mistake (NULL pointer, bad
 * argument), AVILA_ENOMEM when the cache's allocator refuses. Functions
 * that fill a struct avila_dns_error on failure say where (byte offset) and
 * why (short static string).
 *
 * Pure: only core/ headers, no malloc (caller buffers; the cache takes an
 * allocator), no clock (the caller passes the time), no recursion.
 */
#ifndef AVILA_NET_DNS_H
#define AVILA_NET_DNS_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"

/* -------------------------------------------------------------- constants */

/* Octets of a wire name, root label included (RFC 1035 2.3.4), and of one label. */
#define AVILA_DNS_NAME_MAX  255
#define AVILA_DNS_LABEL_MAX 63
/* Bytes of any name's text form with its NUL (an escaped byte takes 4). */
#define AVILA_DNS_NAME_TEXT_MAX 1024
#define AVILA_DNS_HEADER_LEN    12
#define AVILA_DNS_MSG_MAX       65535 /* largest message (TCP length prefix) */
#define AVILA_DNS_UDP_MAX       512   /* UDP payload without EDNS (RFC 1035 4.2.1) */
/* The EDNS UDP payload size queries announce (the DNS flag day 2020 value). */
#define AVILA_DNS_EDNS_UDP_SIZE 1232
#define AVILA_DNS_QUERY_MAX     (AVILA_DNS_HEADER_LEN + AVILA_DNS_NAME_MAX + 4 + 11) /* 282 */
#define AVILA_DNS_MAX_POINTERS  64 /* compression pointers followed while decoding one name */
#define AVILA_DNS_MAX_CNAMES    16 /* CNAME records followed from the question name */
#define AVILA_DNS_ADDR_TEXT_MAX 46 /* INET6_ADDRSTRLEN: longest address text with its NUL */

/* Record types (RFC 1035 3.2.2, RFC 3596 2.1, RFC 6891 6.1.1). */
#define AVILA_DNS_TYPE_A     1
#define AVILA_DNS_TYPE_NS    2
#define AVILA_DNS_TYPE_CNAME 5
#define AVILA_DNS_TYPE_SOA   6
#define AVILA_DNS_TYPE_PTR   12
#define AVILA_DNS_TYPE_MX    15
#define AVILA_DNS_TYPE_TXT   16
#define AVILA_DNS_TYPE_AAAA  28
#define AVILA_DNS_TYPE_OPT   41
#define AVILA_DNS_TYPE_ANY   255

#define AVILA_DNS_CLASS_IN 1

/* Header flag bits (RFC 1035 4.1.1) in struct avila_dns_header.flags. */
#define AVILA_DNS_FLAG_QR       0x8000
#define AVILA_DNS_FLAG_AA       0x0400
#define AVILA_DNS_FLAG_TC       0x0200
#define AVILA_DNS_FLAG_RD       0x0100
#define AVILA_DNS_FLAG_RA       0x0080
#define AVILA_DNS_OPCODE(flags) (((flags) >> 11) & 0xF)
#define AVILA_DNS_RCODE(flags)  ((flags)&0xF)

/* Response codes (RFC 1035 4.1.1; 16 and up need EDNS, RFC 6891 6.1.3). */
#define AVILA_DNS_RCODE_NOERROR  0
#define AVILA_DNS_RCODE_FORMERR  1
#define AVILA_DNS_RCODE_SERVFAIL 2
#define AVILA_DNS_RCODE_NXDOMAIN 3
#define AVILA_DNS_RCODE_NOTIMP   4
#define AVILA_DNS_RCODE_REFUSED  5

/* Where a failure happened and why: byte offset in the input, short static string. */
struct avila_dns_error {
    size_t offset;
    const char *reason;
};

/* ------------------------------------------------------------------ names */

/*
 * Converts the text name s[0..n) ("www.example.com", optional trailing dot;
 * "." is the root) to wire form in out. Labels are 1..63 bytes; bytes are
 * printable ASCII except that a backslash escapes the next character
 * ("\." is a dot inside a label) or, followed by three decimal digits
 * ("\046"), stands for that byte value (RFC 1035 5.1); spaces, controls and
 * bytes >= 0x80 are refused. Returns the wire length (2..255, or 1 for the
 * root), AVILA_EFORMAT (empty text or label, bad byte or escape),
 * AVILA_ELIMIT (label > 63 or name > 255 octets), AVILA_EINVAL (NULL).
 * out is unspecified on failure.
 */
int avila_dns_name_from_text(const char *s, size_t n, uint8_t out[AVILA_DNS_NAME_MAX]);

/*
 * Writes the wire name at name (len bytes, MUST be a valid wire name) as
 * text into out (cap bytes) with a NUL: labels joined by dots, no trailing
 * dot ("." for the root); '.', '\\' and bytes outside 0x21..0x7E written as
 * escapes (\. \\ \DDD) so that avila_dns_name_from_text reads it back.
 * Returns the text length (without the NUL), AVILA_ENOSPC if it does not
 * fit (out then holds ""), AVILA_EFORMAT if name is not a valid wire name.
 * AVILA_DNS_NAME_TEXT_MAX bytes always suffice.
 */
int avila_dns_name_to_text(const uint8_t *name, size_t len, char *out, size_t cap);

/*
 * Checks that name[0..len) is exactly one valid uncompressed wire name.
 * Returns the number of labels (0 for the root) or AVILA_EFORMAT/AVILA_ELIMIT.
 */
int avila_dns_name_check(const uint8_t *name, size_t len);

/* True if the wire names a and b are equal ignoring ASCII case (both MUST be valid). */
bool avila_dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * True if the wire name name equals zone or lies below it ("a.b.example"
 * under "example"; every name is under the root). Both MUST be valid.
 */
bool avila_dns_name_is_under(const uint8_t *name, size_t len, const uint8_t *zone, size_t zlen);

/* Lower-cases the ASCII letters of a valid wire name in place. */
void avila_dns_name_lower(uint8_t *name, size_t len);

/*
 * Decodes the possibly compressed name at offset off of the message
 * msg[0..len) into out (uncompressed wire form, *out_len bytes). *next gets
 * the offset just after the name's bytes at off (after its first pointer,
 * if any). Compression (RFC 1035 4.1.4): every pointer MUST point strictly
 * before the start of the run of labels that contains it, and not into the
 * header, and the labels it leads to MUST end (at the root label or the
 * next pointer) before that run starts: a compressor only points at names
 * it wrote earlier, whole, so this refuses no real message, and decoding
 * always moves backward and terminates. At most AVILA_DNS_MAX_POINTERS
 * are followed; labels of types 01 and 10 are refused. Returns 0,
 * AVILA_EFORMAT (truncated, bad pointer, reserved label type) or
 * AVILA_ELIMIT (decoded name > 255 octets, too many pointers); err (may be
 * NULL) says where and why.
 */
int avila_dns_name_unpack(const uint8_t *msg, size_t len, size_t off,
                          uint8_t out[AVILA_DNS_NAME_MAX], size_t *out_len, size_t *next,
                          struct avila_dns_error *err);

/* -------------------------------------------------------------- addresses */

/* An IPv4 or IPv6 address: family 4 uses bytes[0..4), family 6 all 16. */
struct avila_dns_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t bytes[16];
};

/*
 * Parses IPv4 dotted-quad text s[0..n) strictly: exactly four decimal parts
 * 0..255, no leading zeros ("01"), no sign, no spaces. Returns 0 or
 * AVILA_EFORMAT.
 */
int avila_dns_addr_parse4(const char *s, size_t n, uint8_t out[4]);

/*
 * Parses IPv6 text s[0..n) (RFC 4291 2.2): eight groups of 1..4 hex digits,
 * at most one "::" standing for one or more zero groups, optionally ending
 * in a dotted-quad IPv4 address in place of the last two groups. No zone
 * ("%eth0"), no brackets, no prefix length. Returns 0 or AVILA_EFORMAT.
 */
int avila_dns_addr_parse6(const char *s, size_t n, uint8_t out[16]);

/* Parses either form (IPv6 if s contains ':'). Returns 0 or AVILA_EFORMAT. */
int avila_dns_addr_parse(const char *s, size_t n, struct avila_dns_addr *out);

/*
 * Writes a as text into out (cap bytes) with a NUL: IPv4 dotted quad, IPv6
 * in the canonical form of RFC 5952 section 4 (lower case, no leading
 * zeros, the longest run of two or more zero groups, the first if tied, as
 * "::", and ::ffff:a.b.c.d for IPv4-mapped addresses). Returns the length,
 * AVILA_ENOSPC or AVILA_EINVAL (bad family). AVILA_DNS_ADDR_TEXT_MAX suffices.
 */
int avila_dns_addr_format(const struct avila_dns_addr *a, char *out, size_t cap);

/* ---------------------------------------------------------------- queries */

/*
 * One question to ask: built by avila_dns_query_init, then used to write
 * the query and to validate replies. Fields are readable; set them only
 * through avila_dns_query_init (edns and the flags may be changed after).
 */
struct avila_dns_query {
    uint8_t name[AVILA_DNS_NAME_MAX]; /* question name, wire form, as given (case kept) */
    size_t name_len;
    uint16_t id;       /* message id: the driver draws it from core/random.h */
    uint16_t type;     /* any type, A or AAAA for addresses */
    uint16_t qclass;   /* AVILA_DNS_CLASS_IN */
    bool edns;         /* add an OPT record announcing udp_size (default true) */
    uint16_t udp_size; /* AVILA_DNS_EDNS_UDP_SIZE */
    bool rd;           /* recursion desired (default true) */
};

/*
 * Prepares a query for the text name name[0..n) (see
 * avila_dns_name_from_text), record type and id, class IN, RD set, EDNS on.
 * Returns 0 or the errors of avila_dns_name_from_text.
 */
int avila_dns_query_init(struct avila_dns_query *q, const char *name, size_t n, uint16_t type,
                         uint16_t id);

/*
 * Appends the query message (header, one question, the OPT record if
 * q->edns) to out. Returns its length, or AVILA_ENOSPC / AVILA_ELIMIT /
 * AVILA_ENOMEM from the buffer, which is then unchanged.
 */
int avila_dns_query_write(const struct avila_dns_query *q, struct avila_buf *out);

/* ------------------------------------------------------------- messages */

/* The 12-byte header (RFC 1035 4.1.1). */
struct avila_dns_header {
    uint16_t id;
    uint16_t flags; /* QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE */
    uint16_t qdcount, ancount, nscount, arcount;
};

/*
 * A parsed message: a validated view of the caller's bytes (borrowed: they
 * MUST outlive it and stay unchanged). header, opt_index, rcode and
 * udp_size may be read; the other fields are private.
 */
struct avila_dns_msg {
    const uint8_t *p;
    size_t len;
    struct avila_dns_header header;
    size_t rr_off;     /* offset of the first resource record */
    int opt_index;     /* index of the OPT record among all records, -1 if none */
    uint16_t rcode;    /* extended RCODE (12 bits with EDNS) */
    uint16_t udp_size; /* the OPT record's payload size, 0 without one */
    bool complete;     /* every record was validated (avila_dns_msg_parse) */
};

/*
 * Parses and fully validates the message msg[0..len): the header; that the
 * section counts can fit (a question takes at least 5 bytes, a record 11);
 * every question and record: names (see avila_dns_name_unpack), fixed
 * fields, rdlength within the message; the rdata of class IN A (4 bytes)
 * and AAAA (16), and of CNAME, NS, PTR (one name filling rdlength) and SOA
 * (two names and 20 bytes) records; at most one OPT record, in the
 * additional section, owned by the root; and no byte after the last record.
 * Returns 0, or AVILA_EFORMAT / AVILA_ELIMIT with *err (may be NULL) set;
 * on failure *m is unusable.
 */
int avila_dns_msg_parse(struct avila_dns_msg *m, const void *msg, size_t len,
                        struct avila_dns_error *err);

/*
 * Parses only the header and the question section (for a truncated reply
 * whose record sections may be cut). Iterating records is then an error.
 */
int avila_dns_msg_parse_question(struct avila_dns_msg *m, const void *msg, size_t len,
                                 struct avila_dns_error *err);

/* The response code, extended by the OPT record's upper 8 bits (RFC 6891 6.1.3). */
uint16_t avila_dns_msg_rcode(const struct avila_dns_msg *m);

/* One question (RFC 1035 4.1.2), name decompressed. */
struct avila_dns_question {
    uint8_t name[AVILA_DNS_NAME_MAX];
    size_t name_len;
    uint16_t type;
    uint16_t qclass;
};

/*
 * Stores question number index (0-based) of a parsed message in *q.
 * Returns 0, or AVILA_ENOTFOUND if index >= qdcount.
 */
int avila_dns_msg_question(const struct avila_dns_msg *m, size_t index,
                           struct avila_dns_question *q);

enum avila_dns_section {
    AVILA_DNS_ANSWER_SECTION = 1,
    AVILA_DNS_AUTHORITY_SECTION,
    AVILA_DNS_ADDITIONAL_SECTION,
};

/*
 * One resource record (RFC 1035 4.1.3). name is the owner, decompressed;
 * rdata points into the message. The decoded fields are set by type (class
 * IN only for addr): A and AAAA fill addr; CNAME, NS and PTR fill target
 * (decompressed); SOA fills target with MNAME and soa with the five
 * numbers; other types leave them zero.
 */
struct avila_dns_rr {
    enum avila_dns_section section;
    uint8_t name[AVILA_DNS_NAME_MAX];
    size_t name_len;
    uint16_t type;
    uint16_t rclass;
    uint32_t ttl; /* as sent (validation reads values >= 2^31 as 0, RFC 2181 8) */
    const uint8_t *rdata;
    uint16_t rdlength;
    size_t rdata_offset;
    struct avila_dns_addr addr;
    uint8_t target[AVILA_DNS_NAME_MAX];
    size_t target_len;
    struct {
        uint32_t serial, refresh, retry, expire, minimum;
    } soa;
};

/* A position in a parsed message's records. Fields private. */
struct avila_dns_iter {
    const struct avila_dns_msg *m;
    size_t pos;
    size_t index;
};

/* Starts an iteration over every record of m (answer, authority, additional). */
void avila_dns_iter_init(struct avila_dns_iter *it, const struct avila_dns_msg *m);

/*
 * Stores the next record in *rr and returns 1, or returns 0 after the last.
 * Never fails on a message avila_dns_msg_parse accepted; AVILA_ESTATE on one
 * parsed with avila_dns_msg_parse_question.
 */
int avila_dns_iter_next(struct avila_dns_iter *it, struct avila_dns_rr *rr);

/* ------------------------------------------------------------- validation */

/* What a reply means for the query it was checked against. */
enum avila_dns_verdict {
    AVILA_DNS_ANSWER = 0,  /* records of the type for the (canonical) name: done */
    AVILA_DNS_NXDOMAIN,    /* the name does not exist (RCODE 3): done */
    AVILA_DNS_NODATA,      /* the name exists, no records of the type: done */
    AVILA_DNS_TRUNCATED,   /* TC set: ask again over TCP */
    AVILA_DNS_NEXT_SERVER, /* SERVFAIL or REFUSED: try the next nameserver */
    AVILA_DNS_RCODE_ERROR, /* another error RCODE (FORMERR, NOTIMP, ...): the query failed */
    AVILA_DNS_MISMATCH,    /* not a reply to this query (QR, id, opcode, question): ignore it */
};

/*
 * What avila_dns_answer_validate found. cname is the canonical name (the
 * end of the CNAME chain; the question name if none). ttl is the smallest
 * TTL of the CNAMEs followed and of the records taken (RFC 2181 8: values
 * with the top bit set count as 0); for NXDOMAIN and NODATA it is the
 * negative-caching TTL, min(SOA TTL, SOA MINIMUM) of an SOA record in the
 * authority section that owns the canonical name or one of its ancestors
 * (RFC 2308 5), and has_soa says whether there was one (ttl 0 if not).
 */
struct avila_dns_answer {
    uint8_t cname[AVILA_DNS_NAME_MAX];
    size_t cname_len;
    uint32_t ttl;
    bool has_soa;
    uint16_t rcode; /* the reply's (extended) response code */
    size_t cnames;  /* CNAME records followed */
    size_t records; /* records of the query type owned by the canonical name */
    size_t count;   /* of those, addresses stored (A/AAAA queries) */
};

/*
 * Checks the reply msg[0..len) against q (RFC 5452 section 9.1: QR set, id,
 * opcode 0, the question echoed: name ignoring case, type and class) and
 * extracts the answer: from the question name, CNAME records of the answer
 * section are followed (at most AVILA_DNS_MAX_CNAMES; a name met twice is a
 * loop), then the records of q->type owned by the last name are taken;
 * records owned by any other name, and the authority and additional
 * sections (except the SOA for negative answers), are ignored (RFC 2181
 * 5.4.1). For A and AAAA queries up to max_addrs addresses are stored in
 * addrs (which MAY be NULL if max_addrs is 0) in message order.
 *
 * Order of checks: a reply too short for a header, or whose id, QR or
 * opcode do not match, is AVILA_DNS_MISMATCH before anything else is read;
 * then the message is parsed (with TC set, only up to the question, so a
 * cut record section is no error): a malformed one is AVILA_EFORMAT or
 * AVILA_ELIMIT; then a question that is not q's (or not exactly one) is
 * AVILA_DNS_MISMATCH; then TC gives AVILA_DNS_TRUNCATED and the RCODE its
 * verdict; then the chain: a CNAME loop is AVILA_EFORMAT, a chain over
 * AVILA_DNS_MAX_CNAMES AVILA_ELIMIT. A NOERROR chain that ends without
 * records of the type is AVILA_DNS_NODATA. Returns the verdict (>= 0) with
 * *ans filled (rcode set from the RCODE on), or the error with err (may be
 * NULL) saying where and why; AVILA_EINVAL for NULL arguments.
 */
int avila_dns_answer_validate(const struct avila_dns_query *q, const void *msg, size_t len,
                              struct avila_dns_addr *addrs, size_t max_addrs,
                              struct avila_dns_answer *ans, struct avila_dns_error *err);

/* --------------------------------------------------------------- framing */

/*
 * Appends msg[0..len) to out with the 2-byte big-endian length prefix of
 * DNS over TCP. Returns len + 2; AVILA_EINVAL if len is 0 or > 65535; the
 * buffer's errors (out then unchanged).
 */
int avila_dns_tcp_frame(struct avila_buf *out, const void *msg, size_t len);

/*
 * Reads one length-prefixed message from the n bytes at in: sets *msg and
 * *msg_len (pointing into in) and returns the bytes consumed (prefix
 * included), AVILA_EAGAIN if in holds less than a whole message (feed more),
 * AVILA_EFORMAT for a zero length prefix.
 */
int avila_dns_tcp_unframe(const void *in, size_t n, const uint8_t **msg, size_t *msg_len);

/* -------------------------------------------------------------- /etc/hosts */

#define AVILA_DNS_HOSTS_MAX_NAMES 16   /* names kept per line; more are ignored */
#define AVILA_DNS_HOSTS_MAX_LINE  4096 /* longer lines are skipped */

/* One line of a hosts file: an address and its names (pointing into the text). */
struct avila_dns_hosts_line {
    struct avila_dns_addr addr;
    struct avila_slice names[AVILA_DNS_HOSTS_MAX_NAMES];
    size_t count;
    size_t line_no; /* 1-based */
};

/* A position in a hosts file's text. Fields private. */
struct avila_dns_hosts_iter {
    const char *text;
    size_t len;
    size_t pos;
    size_t line_no;
    size_t skipped; /* malformed lines passed over so far */
};

/* Starts reading the hosts file text[0..len) (borrowed). */
void avila_dns_hosts_iter_init(struct avila_dns_hosts_iter *it, const char *text, size_t len);

/*
 * Stores the next valid entry in *line and returns 1, or returns 0 at the
 * end. Lines are "ADDRESS NAME [ALIAS...]" separated by spaces or tabs;
 * '#' starts a comment; blank lines are skipped. Names that are not valid
 * DNS names are left out; a line with a bad address (a zone id included),
 * no valid name, or over AVILA_DNS_HOSTS_MAX_LINE bytes is skipped and
 * counted in it->skipped (as glibc skips bad lines).
 */
int avila_dns_hosts_next(struct avila_dns_hosts_iter *it, struct avila_dns_hosts_line *line);

/*
 * Finds the text name name[0..n) (case-insensitive, trailing dot ignored)
 * in the hosts file text[0..len): stores up to max addresses of family
 * (4, 6, or 0 for both) in out, in file order, duplicates removed. Returns
 * how many were stored (0 if none); AVILA_EFORMAT / AVILA_ELIMIT if name
 * is not a valid name, AVILA_EINVAL for NULL or a bad family.
 */
int avila_dns_hosts_lookup(const char *text, size_t len, const char *name, size_t n, int family,
                           struct avila_dns_addr *out, size_t max);

/* --------------------------------------------------------- /etc/resolv.conf */

#define AVILA_DNS_MAX_NAMESERVERS  3   /* MAXNS */
#define AVILA_DNS_MAX_SEARCH       6   /* MAXDNSRCH */
#define AVILA_DNS_SEARCH_BYTES     256 /* wire bytes of all search domains together */
#define AVILA_DNS_MAX_NDOTS        15
#define AVILA_DNS_MAX_TIMEOUT      30 /* seconds */
#define AVILA_DNS_MAX_ATTEMPTS     5
#define AVILA_DNS_DEFAULT_NDOTS    1
#define AVILA_DNS_DEFAULT_TIMEOUT  5
#define AVILA_DNS_DEFAULT_ATTEMPTS 2

/*
 * The resolver configuration. Fields are readable; search domains are wire
 * names: domain i is search_buf[search_off[i] .. search_off[i] + search_len[i]).
 */
struct avila_dns_resolv_conf {
    struct avila_dns_addr nameservers[AVILA_DNS_MAX_NAMESERVERS];
    size_t nameserver_count;
    uint8_t search_buf[AVILA_DNS_SEARCH_BYTES];
    uint16_t search_off[AVILA_DNS_MAX_SEARCH];
    uint16_t search_len[AVILA_DNS_MAX_SEARCH];
    size_t search_count;
    unsigned ndots;    /* 0..15 */
    unsigned timeout;  /* seconds per try, 1..30 */
    unsigned attempts; /* rounds over the servers, 1..5 */
    bool rotate;       /* spread queries over the servers */
    bool use_vc;       /* "use-vc": always TCP */
    bool edns0;        /* "edns0" */
    size_t skipped;    /* lines or values ignored as malformed */
};

/* Sets c to the defaults: nameserver 127.0.0.1, no search, ndots 1, timeout 5, attempts 2. */
void avila_dns_resolv_conf_default(struct avila_dns_resolv_conf *c);

/*
 * Parses the resolv.conf text[0..len) into c (starting from the defaults).
 * Keywords (the first word of a line): "nameserver ADDR" (IPv4 or IPv6; the
 * first 3 kept), "search DOMAIN..." and "domain DOMAIN" (the last such line
 * wins; up to 6 domains and AVILA_DNS_SEARCH_BYTES wire bytes, the rest
 * ignored), "options" with ndots:N (capped at 15), timeout:N (1..30),
 * attempts:N (1..5), rotate, use-vc, edns0. '#' and ';' start a comment
 * anywhere on a line; unknown keywords and options are ignored; malformed
 * values are ignored and counted in c->skipped. With no nameserver line,
 * 127.0.0.1 is used. Returns 0; AVILA_EINVAL for NULL.
 */
int avila_dns_resolv_conf_parse(struct avila_dns_resolv_conf *c, const char *text, size_t len);

/*
 * The names to query for name[0..n), in order, per resolv.conf(5): a name
 * with a trailing dot is only itself; otherwise, if it has at least ndots
 * dots it is tried as is first and then with each search domain appended,
 * and if fewer, with the search domains first and as is last. Candidates
 * longer than 255 octets are left out. Stores candidate number index in out
 * and returns its wire length, AVILA_ENOTFOUND past the last, or the errors
 * of avila_dns_name_from_text.
 */
int avila_dns_candidate(const struct avila_dns_resolv_conf *c, const char *name, size_t n,
                        size_t index, uint8_t out[AVILA_DNS_NAME_MAX]);

/* ----------------------------------------------------------------- cache */

#define AVILA_DNS_CACHE_MAX_ENTRIES     ((size_t)1 << 20)
#define AVILA_DNS_CACHE_MAX_ADDRS       64
#define AVILA_DNS_CACHE_DEFAULT_MAX_TTL 86400 /* one day */

struct avila_dns_cache_entry;

/*
 * A TTL cache of answers keyed by (name lower-cased, type): fixed capacity
 * (entries x addresses per entry, allocated once), time given by the caller
 * in seconds (any monotonic count; never read by the cache), expiry, negative
 * entries (NXDOMAIN, NODATA), CLOCK (second-chance) eviction, lookup through
 * an open-addressing index keyed by SipHash-1-3 under a caller seed (O(1)
 * expected). Caller-allocated; fields private. Not thread-safe.
 */
struct avila_dns_cache {
    struct avila_dns_cache_entry *entries;
    struct avila_dns_addr *addrs; /* capacity x max_addrs */
    uint32_t *index;              /* slot -> entry + 1, 0 empty */
    size_t capacity, max_addrs, used, hand, index_mask;
    uint32_t max_ttl;
    uint8_t seed[16];
    const struct avila_allocator *a;
};

/*
 * Allocates a cache of capacity entries (1..AVILA_DNS_CACHE_MAX_ENTRIES)
 * holding at most max_addrs (1..AVILA_DNS_CACHE_MAX_ADDRS) addresses each,
 * TTLs capped at max_ttl seconds (0: one day), hashing under seed (16
 * secret random bytes when names come from the network). a MUST outlive
 * the cache. Returns 0, AVILA_EINVAL or AVILA_ENOMEM.
 */
int avila_dns_cache_init(struct avila_dns_cache *c, const struct avila_allocator *a,
                         size_t capacity, size_t max_addrs, uint32_t max_ttl,
                         const uint8_t seed[16]);

/* Frees the cache's memory; it may be initialised again. */
void avila_dns_cache_release(struct avila_dns_cache *c);

/*
 * Stores an answer for (name, type) at time now, valid for ttl seconds
 * (capped at max_ttl): verdict AVILA_DNS_ANSWER with n addresses (only the
 * first max_addrs kept), or AVILA_DNS_NXDOMAIN / AVILA_DNS_NODATA (a
 * negative entry; addrs ignored). Replaces an entry of the same key; else
 * takes a free entry, or evicts by CLOCK: from the hand, an expired entry,
 * or one not referenced since the hand last passed, is taken; others lose
 * their reference bit. A new or replaced entry starts unreferenced; a hit
 * marks it referenced. TTLs with the top bit set count as 0 (RFC 2181 8),
 * and a ttl of 0 stores nothing (returns 0). name is a valid wire name.
 * Returns 0 or AVILA_EINVAL (bad name or verdict).
 */
int avila_dns_cache_put(struct avila_dns_cache *c, const uint8_t *name, size_t name_len,
                        uint16_t type, int verdict, const struct avila_dns_addr *addrs, size_t n,
                        uint32_t ttl, uint64_t now);

/* What avila_dns_cache_get found. */
struct avila_dns_cache_hit {
    int verdict;       /* AVILA_DNS_ANSWER, AVILA_DNS_NXDOMAIN or AVILA_DNS_NODATA */
    uint32_t ttl_left; /* seconds until expiry (> 0) */
    size_t count;      /* addresses in the entry */
};

/*
 * Looks (name, type) up at time now. On a hit (an entry that expires after
 * now) fills *hit, copies up to max addresses to out (MAY be NULL if max is
 * 0), marks the entry referenced and returns 0; AVILA_ENOTFOUND otherwise
 * (an expired entry stays until it is replaced or evicted, which CLOCK
 * does first).
 */
int avila_dns_cache_get(struct avila_dns_cache *c, const uint8_t *name, size_t name_len,
                        uint16_t type, uint64_t now, struct avila_dns_addr *out, size_t max,
                        struct avila_dns_cache_hit *hit);

/* Entries currently held (expired ones not yet removed included). */
size_t avila_dns_cache_count(const struct avila_dns_cache *c);

#endif
