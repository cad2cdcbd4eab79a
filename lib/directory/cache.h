/*
 * cache.h - a bounded, TTL'd, thread-safe, single-flight cache of
 * directory answers.
 *
 * A key is a lookup kind (CACHE_BY_PROXY, CACHE_BY_TARGET) plus a folded
 * address; a value is a deep copy of the dir_result_t the back-end gave,
 * or the fact that there was none.  Answers live cfg->directory.cache.ttl
 * seconds, "not found" negative_ttl seconds, on CLOCK_MONOTONIC; "try
 * again" is never kept.  At most `entries` answers are kept; when full, the
 * least recently used one goes.
 *
 * Threads: the keys are spread by hash over up to 64 shards, each with its
 * own lock, so lookups of different keys seldom wait for each other.  The
 * back-end is always called outside any lock.  Single flight: when several
 * threads ask for the same cold (or expired) key, the first one calls the
 * back-end and the others wait for its answer, whatever it is -- "try
 * again" included, which they all get with its message although it is not
 * stored.
 *
 * Serve-stale (after RFC 8767), when cache_set_stale_ttl() gave a
 * stale_ttl: an answer (found or not found) is kept stale_ttl seconds past
 * its expiry (LRU eviction still bounds it).  A lookup of an expired key
 * asks the back-end as a cold one does, single flight included; when the
 * back-end fails ("try again") and the answer expired no more than
 * stale_ttl seconds ago, the asking thread and its waiters get that answer
 * instead, marked stale in the dir_result_t (stale, stale_age), and it is
 * kept for the next lookup, which asks again.  Never while the back-end
 * answers; a key never seen (or long gone) stays "try again".
 *
 * Lifetime: the directory_t of the cache wrapper (dir_cache.c) owns its
 * cache.  SIGHUP builds a new configuration generation with a new
 * directory_t, hence an empty cache; the old one is destroyed with the
 * old generation once its last connection lets go of it.  So a reload is
 * also a flush.
 */
#ifndef MAILSWITCH_CACHE_H
#define MAILSWITCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "directory.h"

/* Lookup kinds: the same address is a different key for each. */
#define CACHE_BY_PROXY	0
#define CACHE_BY_TARGET	1

typedef struct cache cache_t;

/*
 * What the cache asks the back-end: fills res (empty on entry) for kind and
 * key, returns DIR_FOUND, DIR_NOTFOUND or DIR_TRYAGAIN (with a message in
 * err).  Called outside the cache's locks, by one thread per cold key at a
 * time.  Any other return counts as DIR_TRYAGAIN; DIR_FOUND with no entries
 * counts as DIR_NOTFOUND.
 */
typedef int	(*cache_fetch_fn)(void *arg, int kind, const char *key,
		    dir_result_t *res, char *err, size_t errlen);

/* A monotonic clock in milliseconds; must be thread-safe. */
typedef int64_t	(*cache_clock_fn)(void);

/* Counters since cache_create(), summed over the shards. */
struct cache_stats {
	uint64_t	hits;		/* answered from a stored answer */
	uint64_t	misses;		/* no fresh answer stored */
	uint64_t	waits;		/* misses that joined another thread's query */
	uint64_t	fetches;	/* back-end calls */
	uint64_t	evictions;	/* answers dropped to stay within the bound */
	uint64_t	expired;	/* answers dropped because too old */
	uint64_t	stale;		/* stale answers given (serve-stale) */
	size_t		entries;	/* answers stored now */
};

/*
 * Creates a cache of at most entries answers, keeping "found" ttl seconds
 * and "not found" negative_ttl seconds (0: not kept, but concurrent askers
 * still share one query).  entries 0 makes a pass-through cache: every
 * lookup calls the back-end.  now is the clock (NULL: CLOCK_MONOTONIC);
 * tests pass their own.  Returns NULL with a message in err when out of
 * memory.  Free with cache_destroy().
 */
cache_t	*cache_create(size_t entries, int ttl, int negative_ttl,
	    cache_clock_fn now, char *err, size_t errlen);

/*
 * Keeps answers stale_ttl seconds past their expiry, to be served stale
 * when the back-end fails (see above); 0, the default, is off.  Call it
 * before the first lookup; NULL is a no-op.
 */
void	cache_set_stale_ttl(cache_t *c, int stale_ttl);

/*
 * Looks kind + key up; on a miss calls fetch(arg, kind, key, ...) once for
 * all the threads that miss the same key at the same time.  Returns
 * DIR_FOUND with res filled with the caller's own copy (the caller frees
 * it with dir_result_free(); res need not be initialised), or DIR_NOTFOUND
 * or DIR_TRYAGAIN with res empty; res->stale says a DIR_FOUND or
 * DIR_NOTFOUND is a stale answer, res->stale_age its age; err holds the back-end's message for
 * DIR_TRYAGAIN ("" otherwise).  Out of memory is DIR_TRYAGAIN with a
 * message.  c NULL is a pass-through.  Thread-safe.
 */
int	cache_lookup(cache_t *c, int kind, const char *key,
	    cache_fetch_fn fetch, void *arg, dir_result_t *res,
	    char *err, size_t errlen);

/* Fills st with the counters; all zero for NULL.  Thread-safe. */
void	cache_stats(cache_t *c, struct cache_stats *st);

/*
 * Frees the cache and every answer in it; NULL is a no-op.  No lookup may
 * be running (the owner destroys it after its last user has gone).
 */
void	cache_destroy(cache_t *c);

#endif /* MAILSWITCH_CACHE_H */
