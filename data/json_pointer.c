/*
 * data/json_pointer.c - JSON Pointer (RFC 6901) evaluation over a parsed
 * document (data/json.h). Reference tokens are compared against keys as
 * they are read, unescaping ~0 and ~1 on the fly, so nothing is copied or
 * allocated. Pure.
 */
#include "core/error.h"
#include "data/json.h"
#include "data/json_int.h"

/* True if the token t[0..n) (escaped form) names exactly the key k[0..klen). */
static bool token_is_key(const char *t, size_t n, const uint8_t *k, size_t klen)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++, j++) {
        uint8_t c = (uint8_t)t[i];
        if (c == '~')
            c = t[++i] == '0' ? '~' : '/';
        if (j >= klen || k[j] != c)
            return false;
    }
    return j == klen;
}

/* Section 4: an array index is "0" or digits without a leading zero. Returns 0 and *i or -1. */
static int token_index(const char *t, size_t n, size_t *i)
{
    if (n == 0 || (n > 1 && t[0] == '0'))
        return -1;
    size_t v = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned d = (unsigned)(t[k] - '0');
        if (d > 9 || v > (SIZE_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *i = v;
    return 0;
}

int avila_json_pointer(const struct avila_json_node *root, const char *ptr, size_t len,
                       const struct avila_json_node **out)
{
    if (!root || (!ptr && len > 0))
        return AVILA_EINVAL;
    /* Section 3: the syntax first, so a malformed pointer is always AVILA_EFORMAT. */
    if (len > 0 && ptr[0] != '/')
        return AVILA_EFORMAT;
    for (size_t i = 0; i < len; i++)
        if (ptr[i] == '~' && (i + 1 == len || (ptr[i + 1] != '0' && ptr[i + 1] != '1')))
            return AVILA_EFORMAT;
    const struct avila_json_node *v = root;
    size_t i = 0;
    while (i < len) {
        const char *t = ptr + i + 1;
        size_t n = 0;
        while (i + 1 + n < len && t[n] != '/')
            n++;
        i += 1 + n;
        unsigned k = JSON_KIND(v);
        if (k == JSON_K_OBJECT) {
            const struct avila_json_node *key = v + 1, *end = v + JSON_SKIP(v), *found = NULL;
            while (key < end) {
                if (JSON_KIND(key) == JSON_K_STRING && token_is_key(t, n, key->v.s, key->n)) {
                    found = key + 1;
                    break;
                }
                key += 1 + avila_json_span(key + 1);
            }
            if (!found)
                return AVILA_ENOTFOUND;
            v = found;
        } else if (k == JSON_K_ARRAY) {
            size_t idx;
            /* "-" (section 4: the element after the last) and non-indexes name nothing. */
            if (token_index(t, n, &idx) != 0 || idx >= v->n)
                return AVILA_ENOTFOUND;
            v = avila_json_array_get(v, idx);
        } else {
            return AVILA_ENOTFOUND;
        }
    }
    *out = v;
    return 0;
}
