/*
 * crypto/pem.h - the textual encoding of RFC 7468 ("PEM"): a label and
 * base64 data between encapsulation boundaries,
 *     -----BEGIN PRIVATE KEY-----
 *     MC4CAQAwBQYDK2VwBCIEIN...
 *     -----END PRIVATE KEY-----
 * Pure: no allocation, no libc. Strict, with these choices:
 *   - the label follows RFC 7468 section 3's grammar (printable ASCII,
 *     single spaces or hyphens between other characters, no space or
 *     hyphen first or last; the empty label allowed), at most
 *     AVILA_PEM_LABEL_MAX bytes (AVILA_ELIMIT); BEGIN and END labels MUST
 *     be equal;
 *   - boundaries and data lines start in the first column and carry no
 *     whitespace at all: no leading or trailing blanks, no blank lines, no
 *     RFC 1421 headers (a first data line with ':' is AVILA_EUNSUPPORTED:
 *     "Proc-Type: 4,ENCRYPTED" legacy encrypted keys);
 *   - lines end in LF or CRLF, the same one throughout a block; the END
 *     line's line end may be missing at the end of the text;
 *   - data lines hold 1 to AVILA_PEM_LINE_MAX base64 characters (longer is
 *     AVILA_ELIMIT); lines need not be 64 long, but the whole is standard
 *     base64 (RFC 4648 section 4) with canonical padding at the very end
 *     only and zero unused bits (core/encoding.h's strict decoder);
 *   - text outside blocks (RFC 7468 section 5.2's explanatory text) is
 *     allowed only between blocks, by avila_pem_next; avila_pem_decode
 *     takes exactly one block.
 * The encoder writes what OpenSSL writes: 64-character lines, LF endings,
 * a final LF.
 *
 * Timing: the data is decoded with core/encoding.h's constant-time base64;
 * the scanner branches on line structure (line ends, the '-' and ':' that
 * valid data never holds), so a private key's bits do not steer it.
 */
#ifndef AVILA_CRYPTO_PEM_H
#define AVILA_CRYPTO_PEM_H

#include "core/platform.h"

/* The longest label accepted or written. */
#define AVILA_PEM_LABEL_MAX 64
/* The longest data line accepted (base64 characters, line end not counted). */
#define AVILA_PEM_LINE_MAX 1024
/* The encoder's line length (OpenSSL's and RFC 7468's strict form). */
#define AVILA_PEM_LINE_LEN 64

/* A decoded block. */
struct avila_pem_block {
    const char *label; /* the label, in the text (not NUL-terminated) */
    size_t label_len;
    size_t der_len; /* bytes decoded into the caller's buffer */
    size_t start;   /* offset of the block's "-----BEGIN " in the text */
    size_t end;     /* offset just past the END line and its line end */
};

/*
 * Decodes the n bytes at text, which MUST be exactly one block (an optional
 * line end after the END line, nothing else), into cap bytes at der.
 * blk->label points into text (valid while text is). Returns 0;
 * AVILA_EFORMAT (malformed: boundaries, labels differ, base64, missing
 * END, text around the block), AVILA_ELIMIT (label or line too long),
 * AVILA_EUNSUPPORTED (headers), AVILA_ENOSPC (der too small). On error *blk
 * is unspecified and der may hold part of the data (wipe it if secret).
 */
int avila_pem_decode(struct avila_pem_block *blk, uint8_t *der, size_t cap, const char *text,
                     size_t n);

/*
 * Finds and decodes the next block in the n bytes at text, from offset *pos
 * (which MUST be the start of a line: 0 at first, then what this call
 * leaves there): lines before a "-----BEGIN " line are skipped. On success
 * *pos = blk->end. Returns 0; AVILA_ENOTFOUND when no BEGIN line is left
 * (*pos unchanged); the errors of avila_pem_decode for a malformed block
 * (*pos unchanged).
 */
int avila_pem_next(struct avila_pem_block *blk, uint8_t *der, size_t cap, const char *text,
                   size_t n, size_t *pos);

/*
 * The length of the encoding of n data bytes under a label_len-byte label
 * into *out. Returns 0 or AVILA_EOVERFLOW.
 */
int avila_pem_encoded_len(size_t label_len, size_t n, size_t *out);

/*
 * Encodes the n bytes at der (NULL allowed when n is 0) under the
 * label_len-byte label into cap bytes at out; *out_len (may be NULL) gets
 * the length. Nothing is NUL-terminated. Returns 0; AVILA_EINVAL (label
 * not valid, above), AVILA_ELIMIT (label too long), AVILA_EOVERFLOW or
 * AVILA_ENOSPC (out untouched on every error).
 */
int avila_pem_encode(char *out, size_t cap, const char *label, size_t label_len, const void *der,
                     size_t n, size_t *out_len);

#endif
