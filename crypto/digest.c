/* crypto/digest.c - one-shot hashing through a descriptor. Pure. */
#include "crypto/digest.h"

#include "core/ct.h"
#include "core/error.h"

int avila_digest(const struct avila_digest *d, const void *data, size_t n, uint8_t *out)
{
    struct avila_digest_ctx ctx;
    if (d->ctx_size > sizeof ctx.state)
        return AVILA_EINVAL;
    d->init(ctx.state);
    d->update(ctx.state, data, n);
    d->final(ctx.state, out);
    return 0;
}
