/*
 * regfile.h - files that must be regular files.
 *
 * Every file mailswitch reads by name (the configuration and its @include
 * files, the LDIF export and its include: files, the bind password file,
 * the CA file) must be a regular file: opening a FIFO for reading blocks
 * until a writer comes, and a device such as /dev/zero never ends.  Such a
 * path is refused before anything reads it, so that neither a start, -n
 * nor a reload on SIGHUP can hang on it.
 */
#ifndef MAILSWITCH_REGFILE_H
#define MAILSWITCH_REGFILE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Returns NULL when path is a regular file or cannot be looked at (the
 * opener reports that), else what it is instead: "a FIFO", "a directory",
 * "a character device", "a block device", "a socket".  Follows symbolic
 * links, as opening does.  Thread-safe; the string is static.
 */
const char *regfile_kind(const char *path);

/*
 * Opens path for reading without blocking on a FIFO, and keeps it only when
 * it is a regular file.  Returns the descriptor (blocking again; the caller
 * closes it), or -1 with why holding the reason: strerror's text, or "a
 * FIFO, not a regular file".  Thread-safe.
 */
int	regfile_open(const char *path, char *why, size_t whylen);

/* As regfile_open(), as a stdio stream (the caller fcloses it), or NULL. */
FILE	*regfile_fopen(const char *path, char *why, size_t whylen);

#endif /* MAILSWITCH_REGFILE_H */
