/*
 * dir_cache.c - the cache as a back-end that wraps another directory_t.
 *
 * The handle is the cache and the inner directory.  A lookup goes to
 * cache_lookup(), whose fetch function asks the inner directory; ping
 * passes the cache by, since the question is whether the directory
 * answers; close frees the cache, then closes the inner directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "dir_cache.h"

struct dir_cache {
	cache_t		*cache;
	directory_t	*inner;
};

/* The cache's way to the inner directory: arg is the struct dir_cache. */
static int
dir_cache_fetch(void *arg, int kind, const char *key, dir_result_t *res,
    char *err, size_t errlen)
{
	struct dir_cache	*dc = arg;

	return kind == CACHE_BY_PROXY ?
	    directory_by_proxy(dc->inner, key, res, err, errlen) :
	    directory_by_target(dc->inner, key, res, err, errlen);
}

static int
dir_cache_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	struct dir_cache	*dc = h;

	return cache_lookup(dc->cache, CACHE_BY_PROXY, key, dir_cache_fetch,
	    dc, res, err, errlen);
}

static int
dir_cache_by_target(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	struct dir_cache	*dc = h;

	return cache_lookup(dc->cache, CACHE_BY_TARGET, key, dir_cache_fetch,
	    dc, res, err, errlen);
}

static int
dir_cache_ping(void *h, char *err, size_t errlen)
{
	struct dir_cache	*dc = h;

	return directory_ping(dc->inner, err, errlen);
}

static directory_t *
dir_cache_inner(void *h)
{
	struct dir_cache	*dc = h;

	return dc->inner;
}

/* The cache's part of directory_stats(). */
static void
dir_cache_report(void *h, dir_stats_t *st)
{
	struct dir_cache	*dc = h;
	struct cache_stats	 cs;

	cache_stats(dc->cache, &cs);
	st->cache_hits = cs.hits;
	st->cache_misses = cs.misses;
	st->cache_stale = cs.stale;
	st->cache_entries = cs.entries;
}

static void
dir_cache_close(void *h)
{
	struct dir_cache	*dc = h;

	if (dc == NULL)
		return;
	cache_destroy(dc->cache);
	directory_close(dc->inner);
	free(dc);
}

static const dir_backend_ops_t dir_cache_ops = {
	.name = "cache",
	.by_proxy = dir_cache_by_proxy,
	.by_target = dir_cache_by_target,
	.close = dir_cache_close,
	.ping = dir_cache_ping,
	.inner = dir_cache_inner,
	.stats = dir_cache_report,
};

directory_t *
dir_cache_wrap(directory_t *inner, size_t entries, int ttl, int negative_ttl,
    int stale_ttl, cache_clock_fn now, char *err, size_t errlen)
{
	struct dir_cache	*dc;

	if (inner == NULL) {
		snprintf(err, errlen, "directory: no directory to cache");
		return NULL;
	}
	if ((dc = calloc(1, sizeof(*dc))) == NULL) {
		directory_close(inner);
		snprintf(err, errlen, "directory: out of memory");
		return NULL;
	}
	dc->inner = inner;
	if ((dc->cache = cache_create(entries, ttl, negative_ttl, now, err,
	    errlen)) == NULL) {
		dir_cache_close(dc);
		return NULL;
	}
	cache_set_stale_ttl(dc->cache, stale_ttl);
	return directory_new(&dir_cache_ops, dc, err, errlen);
}

void
dir_cache_stats(directory_t *d, struct cache_stats *st)
{
	struct dir_cache	*dc = directory_find(d, &dir_cache_ops);

	if (dc == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	cache_stats(dc->cache, st);
}
