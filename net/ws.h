/*
 * net/ws.h - WebSocket (RFC 6455) without I/O: the opening handshake's key
 * and accept values (section 4), a frame decoder that turns received bytes
 * into message pieces and control events with every check section 5 asks
 * of an endpoint, and a frame encoder. The runtime (or a test, or a fuzzer)
 * moves the bytes; the HTTP Upgrade request and response around the
 * handshake values are the HTTP layer's.
 *
 * Decoding. A struct avila_ws_decoder is one direction of one connection,
 * for a server (frames from the client MUST be masked) or a client (frames
 * from the server MUST NOT be). avila_ws_decode takes the bytes received so
 * far, in any split, and gives one event at a time:
 *   AVILA_WS_EV_DATA   a piece of a text or binary message, unmasked in
 *                      place in the caller's buffer; fin marks the last one
 *   AVILA_WS_EV_PING / AVILA_WS_EV_PONG / AVILA_WS_EV_CLOSE
 *                      a whole control frame (payload at most 125 bytes,
 *                      held in the decoder, so it may arrive in pieces and
 *                      between the frames of a fragmented message)
 * A message's pieces are delivered as their bytes arrive (never buffered),
 * so memory is bounded by the decoder's size whatever the message size.
 *
 * Errors are final: the decoder stops, and avila_ws_decoder_close_code
 * tells the status code (section 7.4.1) to close the connection with:
 *   1002 protocol error: unmasked client frame or masked server frame, a
 *        reserved bit or opcode, a control frame fragmented or over 125
 *        bytes, a length not in its minimal form or with the top bit set,
 *        a continuation without a message or a new message inside one, a
 *        close frame with a 1-byte payload or an invalid status code
 *   1007 a text message (or a close reason) that is not UTF-8; checked as
 *        the pieces arrive, so the error comes at the first bad byte
 *   1009 a message longer than the limit
 * After a close frame the decoder accepts nothing more (section 5.5.1).
 *
 * Pure: core/ and crypto/ only, no allocation, no clock. Not thread-safe.
 */
#ifndef AVILA_NET_WS_H
#define AVILA_NET_WS_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "net/http1.h"

/* ---------------------------------------------------------------- handshake */

#define AVILA_WS_NONCE_LEN  16 /* bytes of a Sec-WebSocket-Key's nonce */
#define AVILA_WS_KEY_LEN    24 /* characters of a Sec-WebSocket-Key (base64 of the nonce) */
#define AVILA_WS_ACCEPT_LEN 28 /* characters of a Sec-WebSocket-Accept (base64 of SHA-1) */

/*
 * The client's Sec-WebSocket-Key for a nonce of 16 random bytes (section
 * 4.1: a fresh nonce per connection, from a CSPRNG). Writes 24 characters,
 * no NUL.
 */
void avila_ws_key_make(const uint8_t nonce[AVILA_WS_NONCE_LEN], char key[AVILA_WS_KEY_LEN]);

/*
 * Server side: 0 if the len characters at key are a valid Sec-WebSocket-Key
 * (section 4.2.1 item 5: base64 of exactly 16 bytes, padded, canonical),
 * else AVILA_EFORMAT (the server answers 400).
 */
int avila_ws_key_check(const char *key, size_t len);

/*
 * The Sec-WebSocket-Accept value for a key (section 4.2.2 item 5.4: base64
 * of SHA-1 of the key followed by the GUID 258EAFA5-E914-47DA-95CA-
 * C5AB0DC85B11). The key is used as given (the server checks it first with
 * avila_ws_key_check). Writes 28 characters, no NUL.
 */
void avila_ws_accept(const char *key, size_t len, char accept[AVILA_WS_ACCEPT_LEN]);

/*
 * Client side: 0 if the len characters at accept are the Sec-WebSocket-
 * Accept its key calls for (section 4.1, the server's response item 4),
 * else AVILA_EFORMAT (the client fails the connection).
 */
int avila_ws_accept_check(const char key[AVILA_WS_KEY_LEN], const char *accept, size_t len);

/*
 * Server side, the whole opening handshake over a parsed request head
 * (net/http1.h; net/ws_handshake.c). Checks section 4.2.1: GET, HTTP/1.1 or
 * later, Upgrade listing "websocket", Connection listing "upgrade", one
 * valid Sec-WebSocket-Key and Sec-WebSocket-Version 13. If it holds,
 * appends the 101 response head to out (Upgrade, Connection,
 * Sec-WebSocket-Accept, and Sec-WebSocket-Protocol when protocol is not
 * NULL: the subprotocol the server picked, which MUST be one the client
 * offered) and returns 0. Otherwise appends nothing and returns
 * AVILA_EFORMAT (answer 400), AVILA_EUNSUPPORTED (a version other than 13:
 * answer 426 with "Sec-WebSocket-Version: 13"), AVILA_ENOTFOUND (protocol
 * was not offered), AVILA_EINVAL (NULL arguments) or out's error.
 */
int avila_ws_server_handshake(const struct avila_http1_request *req, const char *protocol,
                              struct avila_buf *out);

/*
 * Client side: appends the opening handshake request for target on host
 * (the Host field's value) with the key from avila_ws_key_make, offering
 * protocols (a comma-separated list, or NULL for none). Returns 0, or
 * AVILA_EINVAL (a value the HTTP writer refuses) or out's error; nothing is
 * appended on failure.
 */
int avila_ws_client_request(struct avila_buf *out, const char *host, const char *target,
                            const char key[AVILA_WS_KEY_LEN], const char *protocols);

/*
 * Client side: checks the server's response head to that request (section
 * 4.1): 101, Upgrade "websocket", Connection "upgrade", the right
 * Sec-WebSocket-Accept, no extension (none was offered), and a
 * Sec-WebSocket-Protocol only if it is one of protocols. Returns 0 and sets
 * *protocol to the server's choice (empty when none), or AVILA_EFORMAT.
 */
int avila_ws_client_check(const struct avila_http1_response *resp, const char key[AVILA_WS_KEY_LEN],
                          const char *protocols, struct avila_slice *protocol);

/* ---------------------------------------------------------------- frames */

/* Opcodes (section 5.2). */
enum avila_ws_opcode {
    AVILA_WS_CONT = 0x0,
    AVILA_WS_TEXT = 0x1,
    AVILA_WS_BINARY = 0x2,
    AVILA_WS_CLOSE = 0x8,
    AVILA_WS_PING = 0x9,
    AVILA_WS_PONG = 0xA,
};

/* Status codes this module uses (section 7.4.1). */
#define AVILA_WS_NORMAL         1000
#define AVILA_WS_PROTOCOL_ERROR 1002
#define AVILA_WS_NO_STATUS      1005 /* reported for a close frame without a code; never sent */
#define AVILA_WS_INVALID_DATA   1007
#define AVILA_WS_TOO_BIG        1009

#define AVILA_WS_CONTROL_MAX   125 /* payload bytes of a control frame */
#define AVILA_WS_HEADER_MAX    14  /* bytes of the longest frame header (masked, 64-bit length) */
#define AVILA_WS_DEFAULT_MAX   ((uint64_t)16 << 20) /* message bytes allowed by default */
#define AVILA_WS_MESSAGE_LIMIT ((uint64_t)1 << 62)  /* the largest max_message accepted */

/* Who reads the frames: the side that receives them. */
enum avila_ws_role {
    AVILA_WS_SERVER, /* reads a client's frames: masked */
    AVILA_WS_CLIENT, /* reads a server's frames: unmasked */
};

enum avila_ws_event_type {
    AVILA_WS_EV_DATA = 1,
    AVILA_WS_EV_PING,
    AVILA_WS_EV_PONG,
    AVILA_WS_EV_CLOSE,
};

/*
 * One event. data points into the caller's buffer (DATA) or into the
 * decoder (control frames): valid until the next call on the decoder or a
 * change to the buffer.
 */
struct avila_ws_event {
    enum avila_ws_event_type type;
    enum avila_ws_opcode opcode; /* DATA: the message's type, AVILA_WS_TEXT or AVILA_WS_BINARY */
    bool fin;                    /* DATA: this piece ends the message */
    const uint8_t *data;         /* DATA: the piece; PING/PONG: the payload; CLOSE: the reason */
    size_t len;
    uint16_t code; /* CLOSE: the status code, or AVILA_WS_NO_STATUS for an empty close frame */
};

/* A decoder. Caller-allocated; fields are private. */
struct avila_ws_decoder {
    uint64_t max_message;      /* bytes a message may have */
    uint64_t message_len;      /* bytes of the message in progress so far */
    uint64_t left;             /* payload bytes of the current frame still to come */
    uint8_t role;              /* enum avila_ws_role */
    uint8_t state;             /* what the next bytes are */
    uint8_t opcode;            /* the current frame's opcode */
    uint8_t message;           /* the message in progress: 0, AVILA_WS_TEXT or _BINARY */
    bool fin;                  /* the current frame's FIN bit */
    uint8_t hdr_len, hdr_need; /* header bytes gathered, and how many it has */
    uint8_t mask_at;           /* payload bytes unmasked so far, mod 4 */
    uint8_t utf8_len;          /* bytes of an unfinished UTF-8 sequence in utf8 */
    uint16_t close_code;       /* the code to close with after an error */
    uint8_t ctl_len;           /* control payload bytes in ctl */
    uint8_t hdr[AVILA_WS_HEADER_MAX];
    uint8_t mask[4];
    uint8_t utf8[4];
    uint8_t ctl[AVILA_WS_CONTROL_MAX];
};

/*
 * Starts a decoder for frames received by role, allowing messages of up to
 * max_message bytes (0: AVILA_WS_DEFAULT_MAX). Returns 0, or AVILA_EINVAL
 * for a bad role or a max_message above AVILA_WS_MESSAGE_LIMIT.
 */
int avila_ws_decoder_init(struct avila_ws_decoder *d, enum avila_ws_role role,
                          uint64_t max_message);

/*
 * Decodes from buf[0..len), which the caller received and owns: masked
 * payload is unmasked in place, so buf is modified. Sets *used to the bytes
 * consumed (the caller drops them and calls again with the rest plus what
 * arrives next). Returns:
 *   1               an event in *ev (more may follow from the rest of buf)
 *   0               every byte was consumed without completing an event:
 *                   call again when more arrive
 *   AVILA_EFORMAT   a protocol error or bad UTF-8, AVILA_ELIMIT a message
 *                   over the limit (avila_ws_decoder_close_code says which
 *                   status to close with); every later call returns it too
 *   AVILA_ECLOSED   a close frame was already decoded
 *   AVILA_EINVAL    a NULL argument
 * A DATA event may be empty only when it ends a message (fin).
 */
int avila_ws_decode(struct avila_ws_decoder *d, uint8_t *buf, size_t len, size_t *used,
                    struct avila_ws_event *ev);

/* After AVILA_EFORMAT or AVILA_ELIMIT: the status code to close the connection with (else 0). */
uint16_t avila_ws_decoder_close_code(const struct avila_ws_decoder *d);

/*
 * Writes the header of a frame of len payload bytes into out and returns
 * its length (2 to 14). mask_key is the sender's masking key (a client
 * MUST mask every frame with a fresh key from a CSPRNG, section 5.3) or
 * NULL (a server's frames). The payload follows, masked by the caller with
 * avila_ws_mask when mask_key is given. Nothing is checked: see
 * avila_ws_write_frame.
 */
size_t avila_ws_header(uint8_t out[AVILA_WS_HEADER_MAX], enum avila_ws_opcode opcode, bool fin,
                       uint64_t len, const uint8_t *mask_key);

/*
 * XORs the n bytes at p with the masking key, starting at payload offset
 * offset (so a payload can be masked in pieces). Masking twice unmasks.
 */
void avila_ws_mask(uint8_t *p, size_t n, const uint8_t key[4], uint64_t offset);

/*
 * Appends one whole frame to b: header, then the payload (masked with
 * mask_key when it is not NULL; the caller's payload is not changed).
 * Returns 0; AVILA_EINVAL for an unknown opcode, a control frame that is
 * not final or has more than 125 bytes, or payload NULL with len > 0; or
 * b's error (nothing appended).
 */
int avila_ws_write_frame(struct avila_buf *b, enum avila_ws_opcode opcode, bool fin,
                         const void *payload, size_t len, const uint8_t *mask_key);

/*
 * Appends a close frame with a status code and a reason (len bytes of
 * UTF-8, at most 123; reason MAY be NULL when len is 0), or an empty close
 * frame when code is 0. Returns 0; AVILA_EINVAL for a code that may not be
 * sent (section 7.4: 1000-1003, 1007-1014 and 3000-4999 may), a reason too
 * long or not UTF-8; or b's error (nothing appended).
 */
int avila_ws_write_close(struct avila_buf *b, uint16_t code, const void *reason, size_t len,
                         const uint8_t *mask_key);

/* True if a close frame may carry code (the codes avila_ws_write_close sends). */
bool avila_ws_close_code_valid(uint16_t code);

#endif
