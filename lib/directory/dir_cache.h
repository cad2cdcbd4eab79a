/*
 * dir_cache.h - the cache as a back-end: a directory_t that answers from
 * a cache (cache.h) and asks the directory it wraps on a miss, as Postfix's
 * dict_utf8_activate() wraps one dict in another.
 */
#ifndef MAILSWITCH_DIR_CACHE_H
#define MAILSWITCH_DIR_CACHE_H

#include <stddef.h>

#include "cache.h"
#include "directory.h"

/*
 * Wraps inner in a cache of at most entries answers, "found" kept ttl
 * seconds and "not found" negative_ttl seconds ("try again" never: see
 * cache_create()), served stale up to stale_ttl seconds past their expiry
 * when inner fails (0: never; see cache_set_stale_ttl()); now is the
 * cache's clock (NULL: CLOCK_MONOTONIC; tests pass their own).  The
 * wrapper owns inner from now on: directory_close() of the wrapper closes
 * both; on failure inner is closed too, and NULL is returned with a
 * message in err (so it is for an inner that is NULL, from a failed
 * open).  directory_ping() and directory_backend_name() of the wrapper
 * are those of inner; directory_stats() gets this cache's hits, misses,
 * stale answers and entries, dir_cache_stats() all its counters.
 * Lookups are thread-safe when inner's are.
 */
directory_t *dir_cache_wrap(directory_t *inner, size_t entries, int ttl,
	    int negative_ttl, int stale_ttl, cache_clock_fn now, char *err,
	    size_t errlen);

/*
 * Fills st with the counters of the cache in d's layers (the outermost,
 * should there be two); all zero when d has none.  For tests and
 * benchmarks.  Thread-safe.
 */
void	dir_cache_stats(directory_t *d, struct cache_stats *st);

#endif /* MAILSWITCH_DIR_CACHE_H */
