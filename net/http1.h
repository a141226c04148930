/*
 * net/http1.h - a sans-I/O HTTP/1.1 codec (RFC 9112 message syntax, RFC 9110
 * semantics it depends on): request and response head parsers, body
 * decoders (Content-Length, chunked with extensions and trailers, until
 * close), a serialiser into struct avila_buf, HTTP-date formatting and
 * parsing, and the small header helpers a server and a client need.
 *
 * Nothing here reads a socket, reads a clock or allocates: the caller hands
 * in the bytes it has received, an array for the header fields and a limits
 * struct, and gets back slices into its own bytes (zero copy). The bytes
 * MUST stay alive and unchanged as long as those slices are used.
 *
 * Policies (the strict choices, chosen against request smuggling):
 *   - Lines end in CRLF. A bare LF or a bare CR anywhere in a head, a chunk
 *     line or a trailer is an error (RFC 9112 section 2.2 allows rejecting
 *     them; we always do).
 *   - Empty lines (CRLF) before a request line are skipped (section 2.2);
 *     they count towards max_head_bytes.
 *   - obs-fold (a field line starting with SP or HTAB), whitespace between a
 *     field name and its colon (section 5.1) and whitespace between the
 *     start line and the first field (section 2.2) are rejected.
 *   - Field values may hold HTAB, SP, VCHAR and obs-text (0x80-0xFF); any
 *     other control character (NUL, DEL, ...) is rejected. Leading and
 *     trailing whitespace of a value is not part of it.
 *   - Content-Length: 1*DIGIT that fits uint64_t. Several Content-Length
 *     fields with the same value are merged (RFC 9110 section 8.6);
 *     different values, or a list ("5, 5"), are rejected.
 *   - A message with both Content-Length and Transfer-Encoding is rejected
 *     (RFC 9112 section 6.1 allows it; it is the classic CL.TE vector), and
 *     so is Transfer-Encoding in an HTTP/1.0 message (section 6.1).
 *   - Requests: the transfer codings must end in chunked (else 400), chunked
 *     must appear once (else 400), and chunked is the only coding we
 *     implement (any other coding listed: 501).
 *   - HTTP/1.1 requests need exactly one Host field (RFC 9112 section 3.2),
 *     whose value uses only the characters of uri-host [":" port].
 *   - Methods are case-sensitive tokens; the request line has exactly one SP
 *     between its three parts; the target is VCHARs only (no obs-text).
 *   - Versions: "HTTP/" DIGIT "." DIGIT, case-sensitive. 1.0 and 1.1 are
 *     served; 1.2 .. 1.9 are treated as 1.1 (RFC 9110 section 2.5); any other
 *     major version is 505 (reason AVILA_HTTP1_R_VERSION).
 *
 * Errors: functions return negative AVILA_E* codes (core/error.h) and, when
 * given a struct avila_http1_error, say why (one enum value per rule, each
 * with its own text) and at which byte. avila_http1_error_status maps the
 * reason to the status a server answers with (400, 413, 414, 431, 501, 505).
 *   AVILA_EAGAIN       incomplete input: call again with more bytes
 *   AVILA_EFORMAT      a syntax or smuggling rule was broken (400)
 *   AVILA_ELIMIT       a limit of struct avila_http1_limits was passed
 *                      (413, 414 or 431, or 400 for a chunk line)
 *   AVILA_EUNSUPPORTED a transfer coding (501) or HTTP version (505) we do
 *                      not implement
 *   AVILA_ECLOSED      the connection ended inside a body
 *   AVILA_EINVAL       a caller's mistake (NULL pointers, bad arguments, a
 *                      value the serialiser refuses to write)
 *
 * Pure: core/ headers only, no allocation, no recursion.
 */
#ifndef AVILA_NET_HTTP1_H
#define AVILA_NET_HTTP1_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/platform.h"

/* ----------------------------------------------------------------- limits */

/* The defaults a zero field of struct avila_http1_limits stands for. */
#define AVILA_HTTP1_DEFAULT_MAX_HEAD_BYTES    ((size_t)16384)
#define AVILA_HTTP1_DEFAULT_MAX_HEADERS       ((size_t)100)
#define AVILA_HTTP1_DEFAULT_MAX_TARGET        ((size_t)8192)
#define AVILA_HTTP1_DEFAULT_MAX_CHUNK_EXT     ((size_t)1024)
#define AVILA_HTTP1_DEFAULT_MAX_TRAILER_BYTES ((size_t)8192)

/*
 * What input may grow to. Every zero field means its default, so
 * `struct avila_http1_limits l = {0};` (or a NULL pointer) is the safe
 * configuration:
 *   max_head_bytes      bytes of a head: leading empty lines, start line and
 *                       field lines with their CRLFs, and the final CRLF
 *                       (default 16 KiB; more: 431)
 *   max_headers         field lines in a head, and trailer fields in a
 *                       chunked body (default 100; more: 431)
 *   max_target          bytes of a request target (default 8 KiB; more: 414)
 *   max_chunk_ext      bytes of one chunk line before its CRLF: size and
 *                       extensions (default 1 KiB; more: AVILA_ELIMIT, 400)
 *   max_trailer_bytes   bytes of a chunked body's trailer section with its
 *                       CRLFs (default 8 KiB; more: 431)
 *   max_content_length  largest Content-Length accepted, and largest total
 *                       a chunked body may decode to (default: no limit;
 *                       more: 413). A server usually enforces its own body
 *                       limit when it routes the request.
 */
struct avila_http1_limits {
    size_t max_head_bytes;
    size_t max_headers;
    size_t max_target;
    size_t max_chunk_ext;
    size_t max_trailer_bytes;
    uint64_t max_content_length;
};

/* ----------------------------------------------------------------- errors */

/* Why a message was refused: one value per rule (see avila_http1_reason_text). */
enum avila_http1_reason {
    AVILA_HTTP1_R_NONE = 0,
    /* 400 Bad Request */
    AVILA_HTTP1_R_BARE_LF,            /* LF not preceded by CR */
    AVILA_HTTP1_R_BARE_CR,            /* CR not followed by LF */
    AVILA_HTTP1_R_METHOD,             /* method empty or not a token */
    AVILA_HTTP1_R_REQUEST_LINE,       /* missing or extra SP in the request line */
    AVILA_HTTP1_R_TARGET,             /* request target empty, bad byte or wrong form */
    AVILA_HTTP1_R_VERSION_SYNTAX,     /* not "HTTP/" DIGIT "." DIGIT */
    AVILA_HTTP1_R_SPACE_AFTER_START,  /* whitespace before the first field line */
    AVILA_HTTP1_R_OBS_FOLD,           /* a field line continued (obs-fold) */
    AVILA_HTTP1_R_FIELD_NAME,         /* empty field name or a byte that is not a tchar */
    AVILA_HTTP1_R_SPACE_BEFORE_COLON, /* "Name :" */
    AVILA_HTTP1_R_FIELD_VALUE,        /* NUL, DEL or another control byte in a value */
    AVILA_HTTP1_R_CL_INVALID,         /* Content-Length not 1*DIGIT or beyond uint64 */
    AVILA_HTTP1_R_CL_CONFLICT,        /* Content-Length fields with different values */
    AVILA_HTTP1_R_CL_AND_TE,          /* both Content-Length and Transfer-Encoding */
    AVILA_HTTP1_R_TE_SYNTAX,          /* Transfer-Encoding not a list of codings */
    AVILA_HTTP1_R_TE_NOT_CHUNKED,     /* request codings do not end in chunked */
    AVILA_HTTP1_R_TE_CHUNKED_TWICE,   /* chunked listed more than once */
    AVILA_HTTP1_R_TE_HTTP10,          /* Transfer-Encoding in an HTTP/1.0 message */
    AVILA_HTTP1_R_HOST_MISSING,       /* HTTP/1.1 request without Host */
    AVILA_HTTP1_R_HOST_MULTIPLE,      /* more than one Host field */
    AVILA_HTTP1_R_HOST_INVALID,       /* Host value not uri-host [":" port] */
    AVILA_HTTP1_R_STATUS_LINE,        /* malformed status line */
    AVILA_HTTP1_R_STATUS_CODE,        /* status code not 100..599 */
    AVILA_HTTP1_R_CHUNK_SIZE,         /* chunk size missing or not hex */
    AVILA_HTTP1_R_CHUNK_OVERFLOW,     /* chunk size beyond uint64 */
    AVILA_HTTP1_R_CHUNK_EXT,          /* chunk extension syntax */
    AVILA_HTTP1_R_CHUNK_CRLF,         /* chunk data not followed by CRLF */
    AVILA_HTTP1_R_CHUNK_EXT_TOO_LONG, /* chunk line beyond max_chunk_ext */
    AVILA_HTTP1_R_TRUNCATED,          /* the connection ended inside a body */
    /* 413 Content Too Large */
    AVILA_HTTP1_R_CONTENT_TOO_LARGE, /* beyond max_content_length */
    /* 414 URI Too Long */
    AVILA_HTTP1_R_TARGET_TOO_LONG,
    /* 431 Request Header Fields Too Large */
    AVILA_HTTP1_R_HEAD_TOO_LARGE,
    AVILA_HTTP1_R_TOO_MANY_HEADERS,
    AVILA_HTTP1_R_TRAILER_TOO_LARGE,
    /* 501 Not Implemented */
    AVILA_HTTP1_R_TE_UNSUPPORTED, /* a transfer coding other than chunked */
    /* 505 HTTP Version Not Supported */
    AVILA_HTTP1_R_VERSION,
    AVILA_HTTP1_R_COUNT_ /* number of reasons (not a reason) */
};

/*
 * Where and why input was refused: reason, and offset, the byte (from the
 * start of the bytes of that call) at or near which the rule was broken.
 */
struct avila_http1_error {
    enum avila_http1_reason reason;
    size_t offset;
};

/*
 * The status a server answers a refused request with: 400, 413, 414, 431,
 * 501 or 505 (400 for AVILA_HTTP1_R_NONE and unknown values).
 */
unsigned avila_http1_error_status(enum avila_http1_reason reason);

/* A short static text for a reason ("bare LF"); never NULL. */
const char *avila_http1_reason_text(enum avila_http1_reason reason);

/* ----------------------------------------------------------------- heads */

/* A field line: name and value slices into the caller's bytes (value without OWS around it). */
struct avila_http1_header {
    struct avila_slice name;
    struct avila_slice value;
};

/* The methods the parser recognises (the method slice always holds the bytes). */
enum avila_http1_method {
    AVILA_HTTP1_METHOD_OTHER = 0, /* a valid token we have no name for */
    AVILA_HTTP1_METHOD_GET,
    AVILA_HTTP1_METHOD_HEAD,
    AVILA_HTTP1_METHOD_POST,
    AVILA_HTTP1_METHOD_PUT,
    AVILA_HTTP1_METHOD_DELETE,
    AVILA_HTTP1_METHOD_CONNECT,
    AVILA_HTTP1_METHOD_OPTIONS,
    AVILA_HTTP1_METHOD_TRACE,
    AVILA_HTTP1_METHOD_PATCH,
};

/* RFC 9112 section 3.2: the four forms of request target. */
enum avila_http1_target_form {
    AVILA_HTTP1_TARGET_ORIGIN = 0, /* "/path?query" */
    AVILA_HTTP1_TARGET_ABSOLUTE,   /* "http://host/path" (scheme ":" ...) */
    AVILA_HTTP1_TARGET_AUTHORITY,  /* "host:port", CONNECT only */
    AVILA_HTTP1_TARGET_ASTERISK,   /* "*", OPTIONS only */
};

/* How a message body is delimited (RFC 9112 section 6.3). */
enum avila_http1_framing {
    AVILA_HTTP1_BODY_NONE = 0, /* no body */
    AVILA_HTTP1_BODY_LENGTH,   /* content_length bytes */
    AVILA_HTTP1_BODY_CHUNKED,  /* chunked transfer coding */
    AVILA_HTTP1_BODY_CLOSE,    /* response: everything until the connection closes */
    AVILA_HTTP1_BODY_TUNNEL,   /* response: 2xx to CONNECT, the connection is a tunnel */
};

/*
 * A parsed request head. Every slice points into the bytes given to
 * avila_http1_parse_request.
 *   method, method_id    the method token, and which known method it is
 *   target, target_form  the request target and its form
 *   version_minor        0 or 1 (1.2 .. 1.9 are reported as 1)
 *   headers, header_count  the caller's array, filled in order
 *   body, content_length framing: NONE, LENGTH (content_length) or CHUNKED
 *   keep_alive           the connection persists after this exchange: HTTP/1.1
 *                        unless Connection lists "close"; HTTP/1.0 only if
 *                        Connection lists "keep-alive" and not "close"
 *   upgrade              HTTP/1.1 request with an Upgrade field whose name
 *                        Connection lists; upgrade_value is the (first)
 *                        Upgrade field's value
 *   expect_continue      HTTP/1.1 request with "Expect: 100-continue"
 *   has_host, host       the Host field was present, and its value
 */
struct avila_http1_request {
    struct avila_slice method;
    enum avila_http1_method method_id;
    struct avila_slice target;
    enum avila_http1_target_form target_form;
    unsigned version_minor;
    struct avila_http1_header *headers;
    size_t header_count;
    enum avila_http1_framing body;
    uint64_t content_length;
    bool keep_alive;
    bool upgrade;
    bool expect_continue;
    bool has_host;
    struct avila_slice upgrade_value;
    struct avila_slice host;
};

/*
 * A parsed response head.
 *   status, reason   the 3-digit code (100..599) and the reason phrase (may be empty)
 *   interim          1xx: another response follows on this connection (101
 *                    Switching Protocols excepted: the protocol changes)
 *   body, content_length  framing per RFC 9112 section 6.3 given the
 *                    request's method: HEAD, 1xx, 204, 304 -> NONE; 2xx to
 *                    CONNECT -> TUNNEL; codings ending in chunked ->
 *                    CHUNKED; other codings -> CLOSE; Content-Length ->
 *                    LENGTH; else CLOSE
 *   other_codings    Transfer-Encoding lists codings besides chunked (the
 *                    decoded body is still in them)
 *   keep_alive       as for requests; false when body is CLOSE
 */
struct avila_http1_response {
    unsigned version_minor;
    unsigned status;
    struct avila_slice reason;
    struct avila_http1_header *headers;
    size_t header_count;
    enum avila_http1_framing body;
    uint64_t content_length;
    bool interim;
    bool keep_alive;
    bool other_codings;
};

/*
 * Resumable head-parser state: what was already scanned of a head that has
 * not fully arrived, so feeding a head byte by byte costs O(n) in all. The
 * fields are private. Initialise with avila_http1_parser_init; after a
 * parse call that does not return AVILA_EAGAIN it is ready for the next
 * message.
 */
struct avila_http1_parser {
    struct avila_http1_limits lim; /* resolved: no zero fields */
    size_t scanned;                /* bytes searched for the end of the head */
    size_t line_start;             /* offset of the line being scanned */
    size_t lines;                  /* non-empty lines seen */
    size_t first_sp;               /* first line: offset of its first SP + 1, or 0 */
    bool started;                  /* the start line has begun */
    bool target_seen;              /* first line: the end of its target was seen */
};

/*
 * Starts a parser with limits *lim (NULL or zero fields: the defaults;
 * copied, so lim need not outlive the parser).
 */
void avila_http1_parser_init(struct avila_http1_parser *p, const struct avila_http1_limits *lim);

/* Forgets a partly scanned head (the next call starts a new message). */
void avila_http1_parser_reset(struct avila_http1_parser *p);

/*
 * Parses the request head at the start of buf[0 .. len): the bytes received
 * so far on a connection, from the start of this message. Call it again
 * with the same bytes plus what arrived since (buf may move: only offsets
 * are kept) until it returns something other than AVILA_EAGAIN. The first
 * call of a message parses the head in one pass if it is all there; after
 * that each call scans only the new bytes until the head is complete, then
 * parses it once, so a head that trickles in costs O(n) in all. The result
 * does not depend on how the bytes were split.
 * headers[0 .. headers_cap) receives the field lines (at most
 * min(headers_cap, max_headers) of them; more is AVILA_ELIMIT).
 * p may be NULL for a one-shot parse with the default limits.
 *
 * Returns the head's length (> 0; the body or the next pipelined request
 * starts there) and fills *req; AVILA_EAGAIN if the head is incomplete and
 * no limit is passed yet; AVILA_EFORMAT, AVILA_ELIMIT or AVILA_EUNSUPPORTED
 * (*err says which rule; avila_http1_error_status gives the answer) as soon
 * as the bytes so far break a rule or a limit; AVILA_EINVAL if req is NULL,
 * or buf or headers is NULL while len or headers_cap is not 0. *req is
 * meaningful only on success; err may be NULL.
 */
int avila_http1_parse_request(struct avila_http1_parser *p, const void *buf, size_t len,
                              struct avila_http1_header *headers, size_t headers_cap,
                              struct avila_http1_request *req, struct avila_http1_error *err);

/*
 * Parses a response head, like avila_http1_parse_request (no leading empty
 * lines, no Host rules; Transfer-Encoding codings other than chunked are
 * allowed and reported). request_method is the method of the request this
 * response answers: it decides the framing (HEAD and CONNECT). The status
 * line is HTTP-version SP 3DIGIT SP reason; the SP before an empty reason
 * may be missing. A 1xx response sets interim: parse the next head after it.
 */
int avila_http1_parse_response(struct avila_http1_parser *p, const void *buf, size_t len,
                               enum avila_http1_method request_method,
                               struct avila_http1_header *headers, size_t headers_cap,
                               struct avila_http1_response *resp, struct avila_http1_error *err);

/* ----------------------------------------------------------------- bodies */

/* What avila_http1_body_decode produced. */
enum avila_http1_event {
    AVILA_HTTP1_EV_NONE = 0, /* nothing more in this input: feed more bytes */
    AVILA_HTTP1_EV_DATA,     /* data holds body bytes (in the input, no copy) */
    AVILA_HTTP1_EV_TRAILER,  /* trailer holds one trailer field (in the input) */
    AVILA_HTTP1_EV_DONE,     /* the body is complete */
};

struct avila_http1_body_event {
    enum avila_http1_event kind;
    struct avila_slice data;
    struct avila_http1_header trailer;
};

/*
 * A body decoder: Content-Length counting down, chunked as a streaming state
 * machine (RFC 9112 section 7.1), or everything until the connection
 * closes. Caller-allocated; the fields are private.
 */
struct avila_http1_body {
    enum avila_http1_framing framing;
    unsigned state;
    uint64_t remaining; /* LENGTH, chunk data: bytes left; chunk size being read */
    uint64_t total;     /* body bytes decoded */
    uint64_t max_total;
    size_t line_len;      /* bytes of the current chunk line */
    size_t max_line;      /* max_chunk_ext */
    size_t trailer_bytes; /* bytes of the trailer section so far */
    size_t max_trailer_bytes;
    size_t trailers;
    size_t max_trailers;
    int rc; /* first error (sticky), or 0 */
    enum avila_http1_reason reason;
};

/*
 * Starts a decoder for a body framed as framing (content_length counts for
 * AVILA_HTTP1_BODY_LENGTH only) with limits *lim (NULL: the defaults).
 */
void avila_http1_body_init(struct avila_http1_body *d, enum avila_http1_framing framing,
                           uint64_t content_length, const struct avila_http1_limits *lim);

/*
 * Decodes from in[0 .. len), the body bytes not consumed yet. Returns the
 * bytes consumed (0 .. len) and sets *ev to at most one event: DATA (a span
 * of in), TRAILER (spans of in), DONE (the bytes after are the next
 * message's), or NONE (all of in was used; call again with more). Call in a
 * loop, advancing by the return value, until NONE or DONE.
 *
 * Input may be split anywhere. Only a trailer field line that is not
 * complete is left unconsumed (at most max_trailer_bytes): present it again
 * followed by more bytes. After DONE every call returns DONE consuming 0.
 *
 * Errors (sticky: every later call returns the same): AVILA_EFORMAT (chunk
 * syntax, trailer field syntax), AVILA_ELIMIT (limits), AVILA_EINVAL (d or
 * ev NULL, in NULL with len > 0); *err (may be NULL) says why and where in
 * this call's input.
 */
int avila_http1_body_decode(struct avila_http1_body *d, const void *in, size_t len,
                            struct avila_http1_body_event *ev, struct avila_http1_error *err);

/*
 * Tells the decoder the connection ended. Returns 0 if the body is complete
 * (it was DONE, or the body runs until close, which is DONE now), or
 * AVILA_ECLOSED (reason AVILA_HTTP1_R_TRUNCATED) if it was cut short, or
 * the decoder's earlier (sticky) error. err may be NULL.
 */
int avila_http1_body_eof(struct avila_http1_body *d, struct avila_http1_error *err);

/* True once the body is complete. */
bool avila_http1_body_done(const struct avila_http1_body *d);

/* ----------------------------------------------------------------- helpers */

/*
 * Index of the first field from index `from` on whose name equals name
 * (NUL-terminated) ignoring ASCII case, or AVILA_ENOTFOUND.
 */
int avila_http1_header_find(const struct avila_http1_header *headers, size_t count, size_t from,
                            const char *name);

/* True if s equals the NUL-terminated token ignoring ASCII case. */
bool avila_http1_token_equal(struct avila_slice s, const char *token);

/*
 * Iterates over the elements of a comma-separated list (RFC 9110 section
 * 5.6.1): sets *elem to the next non-empty element without the OWS around
 * it, advances *list past it and returns true; false when none is left.
 * Commas inside quoted strings do not split. Parameters stay in the
 * element ("gzip;q=0.5").
 */
bool avila_http1_list_next(struct avila_slice *list, struct avila_slice *elem);

/*
 * True if some element of the list is exactly token, ignoring ASCII case
 * (an element with parameters does not match: this is for Connection,
 * Upgrade-style token lists, not quality-weighted ones).
 */
bool avila_http1_list_contains(struct avila_slice list, const char *token);

/* ----------------------------------------------------------------- writing */

/*
 * The serialiser appends to a struct avila_buf. Every function validates
 * first and appends nothing on failure: AVILA_EINVAL for an invalid
 * argument (said per function), or the buffer's own error (AVILA_ELIMIT,
 * AVILA_ENOSPC, AVILA_ENOMEM). Returns 0 on success.
 */

/*
 * "METHOD SP target SP HTTP/1.x CRLF". method MUST be a token; target MUST
 * be non-empty VCHARs; version_minor 0 or 1.
 */
int avila_http1_write_request_line(struct avila_buf *b, const char *method,
                                   struct avila_slice target, unsigned version_minor);

/*
 * "HTTP/1.x SP code SP reason CRLF". status MUST be 100..599; reason NULL
 * means the standard phrase (avila_http1_status_reason); a given reason MUST
 * hold only HTAB, SP, VCHAR and obs-text.
 */
int avila_http1_write_status_line(struct avila_buf *b, unsigned version_minor, unsigned status,
                                  const char *reason);

/* The RFC 9110 section 15 reason phrase of a status code ("" if unknown). */
const char *avila_http1_status_reason(unsigned status);

/*
 * "name: value CRLF". name MUST be a non-empty token; value MUST hold only
 * HTAB, SP, VCHAR and obs-text (no CR, LF, NUL) and neither start nor end
 * with whitespace (it would not survive a parse).
 */
int avila_http1_write_header(struct avila_buf *b, struct avila_slice name,
                             struct avila_slice value);

/* avila_http1_write_header with NUL-terminated strings. */
int avila_http1_write_header_str(struct avila_buf *b, const char *name, const char *value);

/* avila_http1_write_header with a decimal value ("Content-Length: 42"). */
int avila_http1_write_header_u64(struct avila_buf *b, const char *name, uint64_t value);

/* The CRLF that ends a head. */
int avila_http1_write_end(struct avila_buf *b);

/* A chunk header "hex-size CRLF" for n > 0 bytes of data (n == 0: AVILA_EINVAL). */
int avila_http1_write_chunk_header(struct avila_buf *b, uint64_t n);

/* A whole chunk: header, the n > 0 bytes at data, CRLF. data MUST NOT point into b. */
int avila_http1_write_chunk(struct avila_buf *b, const void *data, size_t n);

/*
 * The end of a chunked body: "0" CRLF, the trailer fields (validated as by
 * avila_http1_write_header; trailers may be NULL when count is 0), CRLF.
 */
int avila_http1_write_last_chunk(struct avila_buf *b, const struct avila_http1_header *trailers,
                                 size_t count);

/* --------------------------------------------------------------- HTTP-date */

/* Length of an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT". */
#define AVILA_HTTP1_DATE_LEN 29

/*
 * Writes unix_sec as an IMF-fixdate (RFC 9110 section 5.6.7) into
 * out[0 .. 29) (no NUL). Returns 29, or AVILA_ERANGE if the year is outside
 * 0000..9999 (out untouched).
 */
int avila_http1_date_format(int64_t unix_sec, char out[AVILA_HTTP1_DATE_LEN]);

/* Appends the IMF-fixdate of unix_sec to b. */
int avila_http1_write_date(struct avila_buf *b, int64_t unix_sec);

/*
 * Parses exactly the n bytes at s as an HTTP-date in any of the three forms
 * of RFC 9110 section 5.6.7 (IMF-fixdate, rfc850-date, asctime-date; case
 * sensitive, as the RFC says) into Unix seconds. The day name must be a
 * valid one but is not checked against the date. A two-digit rfc850 year
 * is taken in the century that puts it at most 50 years after now_unix_sec
 * (the current time, an input as this module reads no clock). Second 60 is
 * taken as 59. Returns 0, or AVILA_EFORMAT (*unix_sec untouched).
 */
int avila_http1_date_parse(const void *s, size_t n, int64_t now_unix_sec, int64_t *unix_sec);

#endif
