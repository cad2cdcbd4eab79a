/*
 * startup_keys.h - the settings the daemon takes at start only: its
 * listeners (socket, socketmap, metrics), the pidfile and, when started
 * as root, the user it becomes.
 *
 * A reload (SIGHUP) cannot apply them: libmilter's listener cannot be
 * moved, the others are bound or written before privileges are dropped.
 * The daemon keeps a copy of what it started with, so that a reload that
 * changes one of them is never silent: one warning per key, naming it,
 * what the daemon still uses and that a restart applies the new value.
 */
#ifndef MAILSWITCH_STARTUP_KEYS_H
#define MAILSWITCH_STARTUP_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef struct startup_keys startup_keys_t;

/*
 * Copies cfg's start-only settings (user only when as_root: otherwise it
 * is not used).  Returns NULL when out of memory.  Free with
 * startup_keys_free(); NULL is a no-op there.
 */
startup_keys_t *startup_keys_take(const config_t *cfg, bool as_root);
void	startup_keys_free(startup_keys_t *k);

/* The pidfile the daemon wrote at start ("" = none); owned by k. */
const char *startup_keys_pidfile(const startup_keys_t *k);

/*
 * Logs, at warning, one line for each start-only setting whose value in
 * loaded differs from the one the daemon started with.  Returns how many
 * differ.  Thread-safe (k is never changed).
 */
size_t	startup_keys_warn(const startup_keys_t *k, const config_t *loaded);

#endif /* MAILSWITCH_STARTUP_KEYS_H */
