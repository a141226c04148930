/*
 * core/error.h - error codes shared by every Avila module.
 *
 * Functions that can fail return int: 0 or a non-negative count on success,
 * a negative AVILA_E* code on failure. The codes are stable numbers (they are
 * part of the ABI and may be logged), so new codes are only ever appended.
 */
#ifndef AVILA_CORE_ERROR_H
#define AVILA_CORE_ERROR_H

enum {
    AVILA_OK = 0,
    AVILA_EINVAL = -1,        /* invalid argument (a caller's mistake) */
    AVILA_ENOMEM = -2,        /* the allocator refused */
    AVILA_EOVERFLOW = -3,     /* a size computation would overflow */
    AVILA_ELIMIT = -4,        /* input exceeds a configured limit */
    AVILA_EFORMAT = -5,       /* malformed input */
    AVILA_EAGAIN = -6,        /* incomplete input: feed more and call again */
    AVILA_ENOSPC = -7,        /* the output buffer is too small */
    AVILA_ENOTFOUND = -8,     /* no such key, entry or file */
    AVILA_EEXIST = -9,        /* already exists */
    AVILA_EAUTH = -10,        /* authentication or verification failed */
    AVILA_ESTATE = -11,       /* operation not valid in the current state */
    AVILA_EIO = -12,          /* an operating-system call failed */
    AVILA_ETIMEDOUT = -13,    /* a deadline passed */
    AVILA_ECLOSED = -14,      /* the peer or stream is closed */
    AVILA_EUNSUPPORTED = -15, /* valid but not supported by this build */
    AVILA_ERANGE = -16,       /* a value is outside its allowed range */
};

/* The lowest (most negative) code defined; avila_strerror knows all above it. */
#define AVILA_ERROR_MIN AVILA_ERANGE

/*
 * Returns a short, static, human-readable description of an error code
 * ("success" for 0 and non-negative counts, "unknown error" for codes this
 * build does not know). Never returns NULL; the string must not be freed.
 */
const char *avila_strerror(int code);

/*
 * Returns the symbolic name of an error code ("AVILA_EFORMAT"), "AVILA_OK"
 * for non-negative values, "AVILA_E?" for unknown codes. Static string.
 */
const char *avila_strerror_name(int code);

#endif
