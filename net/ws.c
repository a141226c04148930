/*
 * net/ws.c - WebSocket handshake values and framing (RFC 6455 sections 4,
 * 5 and 7; see ws.h). Pure.
 *
 * The decoder is a small state machine over the received bytes: it gathers
 * a frame header (2 to 14 bytes, in any split) into hdr, then passes a data
 * frame's payload through in place (unmasked, UTF-8 checked for text) or
 * gathers a control frame's payload into ctl. Nothing else is buffered.
 */
#include "net/ws.h"

#include "core/encoding.h"
#include "core/endian.h"
#include "core/utf8.h"
#include "crypto/sha1.h"

/* Section 1.3: the GUID appended to the key before hashing. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* What the decoder reads next. */
enum {
    S_HEADER,  /* a frame header */
    S_PAYLOAD, /* a data frame's payload: passed through */
    S_CONTROL, /* a control frame's payload: gathered into ctl */
    S_CLOSED,  /* a close frame was decoded */
    S_FAILED,  /* an error; close_code says which */
};

/* ---------------------------------------------------------------- handshake */

void avila_ws_key_make(const uint8_t nonce[AVILA_WS_NONCE_LEN], char key[AVILA_WS_KEY_LEN])
{
    char t[AVILA_WS_KEY_LEN + 1];
    size_t n;
    (void)avila_base64_encode(t, sizeof t, nonce, AVILA_WS_NONCE_LEN, 0, &n);
    memcpy(key, t, AVILA_WS_KEY_LEN);
}

int avila_ws_key_check(const char *key, size_t len)
{
    uint8_t nonce[AVILA_WS_NONCE_LEN + 2];
    size_t n;
    if (key == NULL || len != AVILA_WS_KEY_LEN ||
        avila_base64_decode(nonce, sizeof nonce, key, len, 0, &n) != 0 || n != AVILA_WS_NONCE_LEN)
        return AVILA_EFORMAT;
    return 0;
}

void avila_ws_accept(const char *key, size_t len, char accept[AVILA_WS_ACCEPT_LEN])
{
    struct avila_sha1 c;
    uint8_t digest[AVILA_SHA1_LEN];
    char t[AVILA_WS_ACCEPT_LEN + 1];
    size_t n;
    avila_sha1_init(&c);
    avila_sha1_update(&c, key, len);
    avila_sha1_update(&c, ws_guid, sizeof ws_guid - 1);
    avila_sha1_final(&c, digest);
    (void)avila_base64_encode(t, sizeof t, digest, sizeof digest, 0, &n);
    memcpy(accept, t, AVILA_WS_ACCEPT_LEN);
}

int avila_ws_accept_check(const char key[AVILA_WS_KEY_LEN], const char *accept, size_t len)
{
    char want[AVILA_WS_ACCEPT_LEN];
    if (key == NULL || accept == NULL || len != AVILA_WS_ACCEPT_LEN)
        return AVILA_EFORMAT;
    avila_ws_accept(key, AVILA_WS_KEY_LEN, want);
    return memcmp(want, accept, AVILA_WS_ACCEPT_LEN) == 0 ? 0 : AVILA_EFORMAT;
}

/* ---------------------------------------------------------------- masking */

void avila_ws_mask(uint8_t *p, size_t n, const uint8_t key[4], uint64_t offset)
{
    uint8_t k[4];
    for (unsigned j = 0; j < 4; j++)
        k[j] = key[(offset + j) & 3];
    uint64_t k8 = (uint64_t)avila_load_le32(k) * 0x100000001u; /* the key twice */
    size_t i = 0;
    for (; n - i >= 8; i += 8)
        avila_store_le64(p + i, avila_load_le64(p + i) ^ k8);
    for (; i < n; i++)
        p[i] ^= k[i & 3];
}

/* ---------------------------------------------------------------- decoding */

bool avila_ws_close_code_valid(uint16_t code)
{
    /* Section 7.4.1 and the IANA registry: 1004-1006 and 1015 are never sent. */
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

int avila_ws_decoder_init(struct avila_ws_decoder *d, enum avila_ws_role role, uint64_t max_message)
{
    if (d == NULL || (role != AVILA_WS_SERVER && role != AVILA_WS_CLIENT) ||
        max_message > AVILA_WS_MESSAGE_LIMIT)
        return AVILA_EINVAL;
    memset(d, 0, sizeof *d);
    d->role = (uint8_t)role;
    d->max_message = max_message != 0 ? max_message : AVILA_WS_DEFAULT_MAX;
    d->state = S_HEADER;
    d->hdr_need = 2;
    return 0;
}

uint16_t avila_ws_decoder_close_code(const struct avila_ws_decoder *d)
{
    return d != NULL && d->state == S_FAILED ? d->close_code : 0;
}

/* Stops the decoder with a close code; returns the matching error. */
static int fail(struct avila_ws_decoder *d, uint16_t code)
{
    d->state = S_FAILED;
    d->close_code = code;
    return code == AVILA_WS_TOO_BIG ? AVILA_ELIMIT : AVILA_EFORMAT;
}

static bool is_control(unsigned opcode)
{
    return (opcode & 0x8) != 0;
}

/*
 * Checks the first two header bytes and sets how long the header is
 * (section 5.2): FIN, no RSV bits (no extension was negotiated), a known
 * opcode, the mask bit the role calls for, and the fragmentation rules of
 * section 5.4.
 */
static int header_start(struct avila_ws_decoder *d)
{
    unsigned b0 = d->hdr[0], b1 = d->hdr[1], opcode = b0 & 0x0F, len7 = b1 & 0x7F;
    bool masked = (b1 & 0x80) != 0;
    if (b0 & 0x70)
        return fail(d, AVILA_WS_PROTOCOL_ERROR);
    if (opcode != AVILA_WS_CONT && opcode != AVILA_WS_TEXT && opcode != AVILA_WS_BINARY &&
        opcode != AVILA_WS_CLOSE && opcode != AVILA_WS_PING && opcode != AVILA_WS_PONG)
        return fail(d, AVILA_WS_PROTOCOL_ERROR);
    if (masked != (d->role == AVILA_WS_SERVER))
        return fail(d, AVILA_WS_PROTOCOL_ERROR);
    d->fin = (b0 & 0x80) != 0;
    d->opcode = (uint8_t)opcode;
    if (is_control(opcode)) {
        if (!d->fin || len7 > AVILA_WS_CONTROL_MAX)
            return fail(d, AVILA_WS_PROTOCOL_ERROR);
    } else if ((opcode == AVILA_WS_CONT) != (d->message != 0)) {
        return fail(d, AVILA_WS_PROTOCOL_ERROR); /* no message to continue, or one unfinished */
    }
    d->hdr_need = (uint8_t)(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0));
    return 0;
}

/* The whole header is in: the payload length in its minimal form, the key, the size limit. */
static int header_done(struct avila_ws_decoder *d)
{
    unsigned len7 = d->hdr[1] & 0x7F;
    uint64_t len = len7;
    size_t at = 2;
    if (len7 == 126) {
        len = avila_load_be16(d->hdr + 2);
        at = 4;
        if (len < 126)
            return fail(d, AVILA_WS_PROTOCOL_ERROR);
    } else if (len7 == 127) {
        len = avila_load_be64(d->hdr + 2);
        at = 10;
        if (len >> 63 || len <= 0xFFFF)
            return fail(d, AVILA_WS_PROTOCOL_ERROR);
    }
    if (d->role == AVILA_WS_SERVER)
        memcpy(d->mask, d->hdr + at, 4);
    if (!is_control(d->opcode)) {
        if (len > d->max_message - d->message_len)
            return fail(d, AVILA_WS_TOO_BIG);
        d->message_len += len;
        if (d->opcode != AVILA_WS_CONT)
            d->message = d->opcode;
    }
    d->left = len;
    d->mask_at = 0;
    d->ctl_len = 0;
    d->state = is_control(d->opcode) ? S_CONTROL : S_PAYLOAD;
    return 0;
}

/* Gets ready for the next frame header. */
static void next_frame(struct avila_ws_decoder *d)
{
    d->state = S_HEADER;
    d->hdr_len = 0;
    d->hdr_need = 2;
}

/* Unmasks n payload bytes at p in place (server side) and advances the key's phase. */
static void unmask(struct avila_ws_decoder *d, uint8_t *p, size_t n)
{
    if (d->role != AVILA_WS_SERVER || n == 0)
        return;
    avila_ws_mask(p, n, d->mask, d->mask_at);
    d->mask_at = (uint8_t)((d->mask_at + n) & 3);
}

/*
 * Checks the next n bytes of a text message as UTF-8, carrying an
 * unfinished sequence (up to 3 bytes) from piece to piece; last says the
 * message ends with them. Returns 0 or AVILA_EFORMAT.
 */
static int utf8_piece(struct avila_ws_decoder *d, const uint8_t *p, size_t n, bool last)
{
    size_t i = 0, ok;
    uint32_t cp;
    if (n == 0) /* an empty final frame: p may be NULL */
        return last && d->utf8_len != 0 ? AVILA_EFORMAT : 0;
    while (d->utf8_len != 0 && i < n) {
        /* Complete the carried sequence one byte at a time. */
        d->utf8[d->utf8_len++] = p[i++];
        int r = avila_utf8_decode(d->utf8, d->utf8_len, &cp);
        if (r == AVILA_EFORMAT)
            return AVILA_EFORMAT;
        if (r > 0)
            d->utf8_len = 0;
    }
    int rc = avila_utf8_check(p + i, n - i, &ok);
    if (rc == AVILA_EFORMAT)
        return AVILA_EFORMAT;
    if (rc == AVILA_EAGAIN) {
        d->utf8_len = (uint8_t)(n - i - ok);
        memcpy(d->utf8, p + i + ok, d->utf8_len);
    }
    return last && d->utf8_len != 0 ? AVILA_EFORMAT : 0;
}

/* A data frame's payload: the next piece of it, as a DATA event. */
static int payload_piece(struct avila_ws_decoder *d, uint8_t *p, size_t avail,
                         struct avila_ws_event *ev, size_t *took)
{
    size_t n = d->left < avail ? (size_t)d->left : avail;
    bool last = d->fin && d->left == n;
    *took = 0;
    unmask(d, p, n);
    if (d->message == AVILA_WS_TEXT && utf8_piece(d, p, n, last) != 0)
        return fail(d, AVILA_WS_INVALID_DATA);
    d->left -= n;
    ev->type = AVILA_WS_EV_DATA;
    ev->opcode = (enum avila_ws_opcode)d->message;
    ev->fin = last;
    ev->data = p;
    ev->len = n;
    ev->code = 0;
    *took = n;
    if (d->left == 0) {
        if (d->fin) {
            d->message = 0;
            d->message_len = 0;
        }
        next_frame(d);
    }
    return 0;
}

/* A whole control frame in ctl: its event (a close frame's code and reason checked). */
static int control_event(struct avila_ws_decoder *d, struct avila_ws_event *ev)
{
    ev->opcode = (enum avila_ws_opcode)d->opcode;
    ev->fin = true;
    ev->data = d->ctl;
    ev->len = d->ctl_len;
    ev->code = 0;
    if (d->opcode == AVILA_WS_PING || d->opcode == AVILA_WS_PONG) {
        ev->type = d->opcode == AVILA_WS_PING ? AVILA_WS_EV_PING : AVILA_WS_EV_PONG;
        next_frame(d);
        return 0;
    }
    /* Section 5.5.1: nothing, or a code and a UTF-8 reason. */
    ev->type = AVILA_WS_EV_CLOSE;
    ev->code = AVILA_WS_NO_STATUS;
    if (d->ctl_len == 1)
        return fail(d, AVILA_WS_PROTOCOL_ERROR);
    if (d->ctl_len >= 2) {
        ev->code = avila_load_be16(d->ctl);
        ev->data = d->ctl + 2;
        ev->len = d->ctl_len - 2u;
        if (!avila_ws_close_code_valid(ev->code))
            return fail(d, AVILA_WS_PROTOCOL_ERROR);
        if (avila_utf8_validate(ev->data, ev->len) != 0)
            return fail(d, AVILA_WS_INVALID_DATA);
    }
    d->state = S_CLOSED;
    return 0;
}

/* A frame without payload: an event now, or (an empty non-final fragment) none. */
static int empty_frame(struct avila_ws_decoder *d, struct avila_ws_event *ev)
{
    if (is_control(d->opcode)) {
        int rc = control_event(d, ev);
        return rc != 0 ? rc : 1;
    }
    if (!d->fin) {
        next_frame(d);
        return 0;
    }
    size_t took;
    int rc = payload_piece(d, NULL, 0, ev, &took);
    return rc != 0 ? rc : 1;
}

int avila_ws_decode(struct avila_ws_decoder *d, uint8_t *buf, size_t len, size_t *used,
                    struct avila_ws_event *ev)
{
    if (d == NULL || used == NULL || ev == NULL || (buf == NULL && len > 0))
        return AVILA_EINVAL;
    *used = 0;
    size_t i = 0;
    int rc = 0;
    while (rc == 0) {
        switch (d->state) {
        case S_FAILED:
            return d->close_code == AVILA_WS_TOO_BIG ? AVILA_ELIMIT : AVILA_EFORMAT;
        case S_CLOSED:
            return AVILA_ECLOSED;
        case S_HEADER:
            while (rc == 0 && d->hdr_len < d->hdr_need && i < len) {
                d->hdr[d->hdr_len++] = buf[i++];
                if (d->hdr_len == 2)
                    rc = header_start(d);
            }
            if (rc != 0)
                break;
            if (d->hdr_len < d->hdr_need) {
                *used = i;
                return 0;
            }
            rc = header_done(d);
            if (rc == 0 && d->left == 0)
                rc = empty_frame(d, ev);
            break;
        case S_PAYLOAD: {
            if (i == len) {
                *used = i;
                return 0;
            }
            size_t took;
            rc = payload_piece(d, buf + i, len - i, ev, &took);
            i += took;
            if (rc == 0)
                rc = 1;
            break;
        }
        case S_CONTROL: {
            size_t n = d->left < len - i ? (size_t)d->left : len - i;
            memcpy(d->ctl + d->ctl_len, buf + i, n);
            unmask(d, d->ctl + d->ctl_len, n);
            d->ctl_len = (uint8_t)(d->ctl_len + n);
            d->left -= n;
            i += n;
            if (d->left != 0) {
                *used = i;
                return 0;
            }
            rc = control_event(d, ev);
            if (rc == 0)
                rc = 1;
            break;
        }
        default:
            return AVILA_EINVAL;
        }
    }
    *used = i;
    return rc;
}

/* ---------------------------------------------------------------- encoding */

size_t avila_ws_header(uint8_t out[AVILA_WS_HEADER_MAX], enum avila_ws_opcode opcode, bool fin,
                       uint64_t len, const uint8_t *mask_key)
{
    uint8_t mask_bit = mask_key != NULL ? 0x80 : 0;
    size_t n = 2;
    out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    if (len < 126) {
        out[1] = (uint8_t)(mask_bit | len);
    } else if (len <= 0xFFFF) {
        out[1] = mask_bit | 126;
        avila_store_be16(out + 2, (uint16_t)len);
        n = 4;
    } else {
        out[1] = mask_bit | 127;
        avila_store_be64(out + 2, len);
        n = 10;
    }
    if (mask_key != NULL) {
        memcpy(out + n, mask_key, 4);
        n += 4;
    }
    return n;
}

int avila_ws_write_frame(struct avila_buf *b, enum avila_ws_opcode opcode, bool fin,
                         const void *payload, size_t len, const uint8_t *mask_key)
{
    if (b == NULL || (payload == NULL && len > 0))
        return AVILA_EINVAL;
    if (opcode != AVILA_WS_CONT && opcode != AVILA_WS_TEXT && opcode != AVILA_WS_BINARY &&
        opcode != AVILA_WS_CLOSE && opcode != AVILA_WS_PING && opcode != AVILA_WS_PONG)
        return AVILA_EINVAL;
    if (is_control(opcode) && (!fin || len > AVILA_WS_CONTROL_MAX))
        return AVILA_EINVAL;
    uint8_t hdr[AVILA_WS_HEADER_MAX];
    size_t h = avila_ws_header(hdr, opcode, fin, len, mask_key);
    if (len > SIZE_MAX - h)
        return AVILA_ELIMIT;
    int rc = avila_buf_reserve(b, h + len);
    if (rc != 0)
        return rc;
    uint8_t *start = b->data + b->len;
    (void)avila_buf_append(b, hdr, h);
    (void)avila_buf_append(b, payload, len);
    if (mask_key != NULL)
        avila_ws_mask(start + h, len, mask_key, 0);
    return 0;
}

int avila_ws_write_close(struct avila_buf *b, uint16_t code, const void *reason, size_t len,
                         const uint8_t *mask_key)
{
    uint8_t payload[AVILA_WS_CONTROL_MAX];
    if (code == 0) {
        if (len != 0)
            return AVILA_EINVAL;
        return avila_ws_write_frame(b, AVILA_WS_CLOSE, true, NULL, 0, mask_key);
    }
    if (!avila_ws_close_code_valid(code) || len > AVILA_WS_CONTROL_MAX - 2 ||
        (reason == NULL && len > 0) || avila_utf8_validate(reason, len) != 0)
        return AVILA_EINVAL;
    avila_store_be16(payload, code);
    if (len > 0)
        memcpy(payload + 2, reason, len);
    return avila_ws_write_frame(b, AVILA_WS_CLOSE, true, payload, len + 2, mask_key);
}
