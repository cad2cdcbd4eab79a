/*
 * dir_metrics.h - a back-end that counts the lookups of the directory it
 * wraps (metrics.h: mailswitch_directory_lookups_total, the duration
 * histogram, mailswitch_directory_up).  The registry (dir_open.c) puts it
 * right around the real back-end, under the cache, so that it counts the
 * lookups that reached the back-end: every LDIF lookup, the LDAP lookups
 * the cache did not answer.
 */
#ifndef MAILSWITCH_DIR_METRICS_H
#define MAILSWITCH_DIR_METRICS_H

#include <stddef.h>

#include "directory.h"

/*
 * Wraps inner.  The wrapper owns inner from now on: directory_close() of
 * the wrapper closes both; on failure inner is closed too and NULL is
 * returned with a message in err; an inner that is NULL (from a failed
 * open) gives NULL with err left as the open filled it.
 * directory_ping() of the wrapper is inner's, and sets
 * mailswitch_directory_up to its result.  Lookups are thread-safe when
 * inner's are.
 */
directory_t *dir_metrics_wrap(directory_t *inner, char *err, size_t errlen);

#endif /* MAILSWITCH_DIR_METRICS_H */
