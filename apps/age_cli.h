/*
 * apps/age_cli.h - what `avila age` and `avila age-keygen` share: reading
 * identity files (age's format: one AGE-SECRET-KEY-1... per line, '#'
 * comments and blank lines ignored).
 */
#ifndef AVILA_APPS_AGE_CLI_H
#define AVILA_APPS_AGE_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Largest identity file read, in bytes. */
#define AGE_IDENTITY_FILE_MAX (1u << 20)

/* X25519 identities read so far: a malloc'd array the caller frees with age_identities_free. */
struct age_identities {
    uint8_t (*keys)[32];
    size_t n, cap;
};

/*
 * Reads the identity file at path ("-" for standard input) and appends its
 * identities to ids. Returns 0, or -1 after reporting "avila <cmd>: ..."
 * (unreadable file, a line that is not an identity, no identity at all).
 */
int age_read_identities(const char *cmd, const char *path, struct age_identities *ids);

/* Wipes and frees the keys. */
void age_identities_free(struct age_identities *ids);

#endif
