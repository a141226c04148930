/*
 * crypto/hmac_int.h - HMAC internals shared with HKDF and PBKDF2 (not
 * installed).
 */
#ifndef AVILA_CRYPTO_HMAC_INT_H
#define AVILA_CRYPTO_HMAC_INT_H

#include "crypto/hmac.h"

/*
 * Makes dst a copy of the started HMAC src (typically keyed, nothing
 * absorbed yet), copying only the ctx_size bytes of each state in use: the
 * cheap way to MAC many messages under one key without rehashing it.
 */
void avila_hmac_copy(struct avila_hmac *dst, const struct avila_hmac *src);

#endif
