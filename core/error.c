/* core/error.c - strings for the AVILA_E* codes. Pure. */
#include "core/error.h"

struct error_text {
    const char *name;
    const char *text;
};

/* Indexed by -code. */
static const struct error_text error_texts[] = {
    {"AVILA_OK", "success"},
    {"AVILA_EINVAL", "invalid argument"},
    {"AVILA_ENOMEM", "out of memory"},
    {"AVILA_EOVERFLOW", "size overflow"},
    {"AVILA_ELIMIT", "limit exceeded"},
    {"AVILA_EFORMAT", "malformed input"},
    {"AVILA_EAGAIN", "incomplete input"},
    {"AVILA_ENOSPC", "output buffer too small"},
    {"AVILA_ENOTFOUND", "not found"},
    {"AVILA_EEXIST", "already exists"},
    {"AVILA_EAUTH", "authentication failed"},
    {"AVILA_ESTATE", "invalid state"},
    {"AVILA_EIO", "input/output error"},
    {"AVILA_ETIMEDOUT", "timed out"},
    {"AVILA_ECLOSED", "closed"},
    {"AVILA_EUNSUPPORTED", "not supported"},
    {"AVILA_ERANGE", "value out of range"},
};

_Static_assert(sizeof error_texts / sizeof error_texts[0] == 1 - AVILA_ERROR_MIN,
               "every error code needs a text");

static const struct error_text *lookup(int code)
{
    if (code >= 0)
        return &error_texts[0];
    if (code < AVILA_ERROR_MIN)
        return 0;
    return &error_texts[-code];
}

const char *avila_strerror(int code)
{
    const struct error_text *e = lookup(code);
    return e ? e->text : "unknown error";
}

const char *avila_strerror_name(int code)
{
    const struct error_text *e = lookup(code);
    return e ? e->name : "AVILA_E?";
}
