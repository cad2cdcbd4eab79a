/*
 * dir_view.h - a directory that answers from one snapshot of a back-end's
 * copy (directory_snapshot()), exactly as that back-end answered when the
 * snapshot was taken: the same index, and, when the copy was past its
 * max_age, not found as try again.  For the table writer (tables.h), which
 * asks resolve.c about every key of one copy and must get the answers of
 * that copy, not of a newer one that a sync swapped in meanwhile; its
 * lookups are not counted in the metrics (no message asked them).
 *
 * A view can also report every lookup made through it (dir_view_trace()),
 * so that the writer learns which keys a decision read.
 */
#ifndef MAILSWITCH_DIR_VIEW_H
#define MAILSWITCH_DIR_VIEW_H

#include <stddef.h>

#include "dir_index.h"
#include "directory.h"

/*
 * Makes a view of ix (NULL: an empty directory; a reference is taken) in
 * which a not-found answer is try again with message why when stale is 1.
 * Returns the directory (free with directory_close()), or NULL with a
 * message in err.
 */
directory_t *dir_view_new(dir_index_t *ix, int stale, const char *why,
	    char *err, size_t errlen);

/* Called for every lookup made through a view, with its table and key. */
typedef void (*dir_view_trace_fn)(int by_target, const char *key, void *arg);

/*
 * Makes view (one made by dir_view_new()) call fn(by_target, key, arg)
 * before each lookup from now on; fn NULL stops it.  Not thread-safe: a
 * traced view belongs to one thread.
 */
void	dir_view_trace(directory_t *view, dir_view_trace_fn fn, void *arg);

#endif /* MAILSWITCH_DIR_VIEW_H */
