/*
 * crypto/x25519.h - X25519 Diffie-Hellman (RFC 7748 sections 5 and 6.1).
 *
 * Keys and shared secrets are 32-byte strings. A private key is 32 random
 * bytes (clamped inside, as RFC 7748 section 5 says); its public key is
 * avila_x25519_base(pub, priv); the shared secret of two parties is
 * avila_x25519(shared, my_priv, their_pub). Everything here is constant
 * time in the secret scalar and in the point; nothing allocates. Pure.
 *
 * Implementations: a Montgomery ladder over radix-2^51 limbs ("portable")
 * and one over 4 x 64-bit limbs with mulx/adcx/adox ("adx"), picked at run
 * time when the CPU has BMI2 and ADX. The fixed-base function uses the
 * edwards25519 base-point table of crypto/ge25519_table.c instead of the
 * ladder (same result, several times faster).
 */
#ifndef AVILA_CRYPTO_X25519_H
#define AVILA_CRYPTO_X25519_H

#include "core/platform.h"

#define AVILA_X25519_LEN 32 /* bytes of a scalar, a point (u-coordinate) and a shared secret */

/*
 * Computes X25519(scalar, point) into out (RFC 7748 section 5): the scalar
 * is clamped (bits 0-2 and 255 cleared, bit 254 set), the point's top bit
 * is ignored and non-canonical u-coordinates (>= 2^255 - 19) are accepted
 * as their residue, as the RFC requires. All three pointers are the
 * caller's, only read/written during the call; out may alias either input.
 *
 * Returns 0, or AVILA_EAUTH when the result is all zeros: the point had
 * small order (or was a twist point of small order), so a key agreement
 * MUST abort (RFC 7748 section 6.1). out is written (all zeros) in that case
 * too, so callers that accept it anyway (RFC 7748 leaves that open) may.
 */
int avila_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32]);

/*
 * Computes the public key X25519(scalar, 9) into pub (RFC 7748 section 6.1).
 * The scalar is clamped; pub may alias scalar. Always succeeds.
 */
void avila_x25519_base(uint8_t pub[32], const uint8_t scalar[32]);

/* The ladder avila_x25519 uses now: "adx" or "portable". Static string. */
const char *avila_x25519_impl(void);

#endif
