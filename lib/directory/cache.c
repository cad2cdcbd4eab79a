/*
 * cache.c - a bounded, TTL'd, thread-safe, single-flight cache of
 * directory answers (see cache.h).
 *
 * Layout: the cache is an array of shards, each a mutex, a condition
 * variable, a chained hash table and an LRU list (most recent at the head).
 * A key lives in the shard its hash picks.  The bound is split over the
 * shards (their caps add up to `entries`), so each shard evicts on its own;
 * a small cache has a single shard and is an exact LRU.
 *
 * An entry is either pending (a thread is asking the back-end; others wait
 * on the shard's condition variable) or ready (it holds an answer and is on
 * the LRU list).  Answers are immutable, reference-counted values: a hit
 * takes a reference under the shard lock and copies the answer for its
 * caller after unlocking, so the lock is held only for the hash look-up and
 * the LRU move.  An entry leaves the table when it expires, is evicted, or
 * its flight ends with an answer that is not kept; it is freed once no
 * waiter still looks at it.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "clock.h"
#include "hash.h"

#define CACHE_SHARDS_MAX	64	/* a power of two */
#define CACHE_SHARD_MIN		64	/* answers a shard holds at least, when
					   there are several */
#define CACHE_BUCKETS_MIN	16
#define CACHE_ERR_MAX		1024	/* a back-end message kept for waiters */
#define CACHE_ALIGN		64	/* keeps shards off each other's lines */

/*
 * An answer: immutable once made, freed with its last reference.  One
 * block holds it all: the struct, then res's entries, then their strings
 * and the message.
 */
struct cache_val {
	atomic_uint	 refs;
	bool		 shared;	/* static: never counted or freed */
	int		 rc;
	dir_result_t	 res;		/* DIR_FOUND only; points inside */
	const char	*err;		/* DIR_TRYAGAIN's message, or "" */
};

struct cache_ent {
	struct cache_ent	*hnext;		/* hash chain */
	struct cache_ent	*prev, *next;	/* LRU list, when ready */
	struct cache_val	*val;		/* NULL while pending */
	int64_t			 expires;	/* ms on the cache's clock */
	struct cache_val	*old;		/* pending: the expired answer a
					   failed refresh may serve stale */
	int64_t			 old_expires;	/* when old expired */
	int64_t			 stale_ms;	/* ready: val is old's answer, this
					   long expired; -1: fresh */
	uint64_t		 hash;
	unsigned		 waiters;	/* threads waiting or reading */
	int			 kind;
	bool			 pending;
	bool			 linked;	/* in the hash table */
	char			 key[];
};

struct cache_shard {
	_Alignas(CACHE_ALIGN) pthread_mutex_t lock;
	pthread_cond_t		 landed;	/* a flight of this shard ended */
	struct cache_ent	**bucket;
	size_t			 nbucket;	/* a power of two */
	size_t			 nhash;		/* entries in the table */
	struct cache_ent	*head, *tail;	/* LRU: head most recent */
	size_t			 count;		/* ready entries */
	size_t			 cap;		/* >= 1 */
	uint64_t		 hits, misses, waits, fetches, evictions,
				 expired, stale;
};

struct cache {
	size_t			 entries;
	int64_t			 ttl_ms;
	int64_t			 negative_ttl_ms;
	int64_t			 stale_ttl_ms;
	cache_clock_fn		 now;
	size_t			 nshard;
	struct cache_shard	*shard;
};

/* "Not found" is the same for every key: one shared value. */
static struct cache_val cache_notfound = {
	.shared = true, .rc = DIR_NOTFOUND, .err = ""
};

/* What waiters get when the answer could not be copied. */
static struct cache_val cache_nomem = {
	.shared = true, .rc = DIR_TRYAGAIN, .err = "cache: out of memory"
};

/* Copies msg into the caller's buffer, cut to fit (no printf: hot path). */
static void
cache_seterr(char *err, size_t errlen, const char *msg)
{
	size_t	 n;

	if (err == NULL || errlen == 0)
		return;
	n = strlen(msg);
	if (n >= errlen)
		n = errlen - 1;
	memcpy(err, msg, n);
	err[n] = '\0';
}

cache_t *
cache_create(size_t entries, int ttl, int negative_ttl, cache_clock_fn now,
    char *err, size_t errlen)
{
	cache_t	*c;
	size_t	 n = 1, i, bytes;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	c->entries = entries;
	c->ttl_ms = ttl > 0 ? (int64_t)ttl * 1000 : 0;
	c->negative_ttl_ms = negative_ttl > 0 ? (int64_t)negative_ttl * 1000 : 0;
	c->now = now != NULL ? now : clock_ms;
	while (n < CACHE_SHARDS_MAX && entries / (n * 2) >= CACHE_SHARD_MIN)
		n *= 2;
	bytes = n * sizeof(struct cache_shard);
	if ((c->shard = aligned_alloc(CACHE_ALIGN, bytes)) == NULL)
		goto nomem;
	memset(c->shard, 0, bytes);
	for (i = 0; i < n; i++) {
		struct cache_shard	*s = &c->shard[i];

		s->cap = entries / n + (i < entries % n);
		if (s->cap == 0)
			s->cap = 1;
		s->nbucket = CACHE_BUCKETS_MIN;
		if ((s->bucket = calloc(s->nbucket, sizeof(*s->bucket))) ==
		    NULL)
			break;
		if (pthread_mutex_init(&s->lock, NULL) != 0) {
			free(s->bucket);
			break;
		}
		if (pthread_cond_init(&s->landed, NULL) != 0) {
			pthread_mutex_destroy(&s->lock);
			free(s->bucket);
			break;
		}
	}
	c->nshard = i;
	if (i < n) {
		cache_destroy(c);
		c = NULL;
		goto nomem;
	}
	return c;

nomem:
	free(c);
	cache_seterr(err, errlen, "cache: out of memory");
	return NULL;
}

void
cache_set_stale_ttl(cache_t *c, int stale_ttl)
{
	if (c != NULL)
		c->stale_ttl_ms = stale_ttl > 0 ? (int64_t)stale_ttl * 1000 : 0;
}

static struct cache_val *
cache_val_ref(struct cache_val *v)
{
	if (!v->shared)
		atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
	return v;
}

static void
cache_val_unref(struct cache_val *v)
{
	if (v == NULL || v->shared)
		return;
	if (atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(v);
}

/* Adds the size of string str (with its NUL) to *size; NULL adds 0. */
static void
cache_size_add(size_t *size, const char *str)
{
	if (str != NULL)
		*size += strlen(str) + 1;
}

/* Copies str to *p and moves *p past it; returns the copy (NULL: NULL). */
static char *
cache_str_put(char **p, const char *str)
{
	char	*copy = *p;
	size_t	 n;

	if (str == NULL)
		return NULL;
	n = strlen(str) + 1;
	memcpy(copy, str, n);
	*p += n;
	return copy;
}

/*
 * Makes the value for an answer (a copy of res, or of the message), with
 * one reference, in one block.  Returns the shared "not found" value for
 * DIR_NOTFOUND, and the shared "out of memory" one when out of memory.
 */
static struct cache_val *
cache_val_new(int rc, const dir_result_t *res, const char *err)
{
	struct cache_val	*v;
	dir_entry_t		*entries;
	size_t			 size, count = 0;
	char			*p;

	if (rc == DIR_NOTFOUND)
		return &cache_notfound;
	if (rc == DIR_FOUND)
		count = res->count;
	else
		err = err != NULL ? err : "";
	if (count > (SIZE_MAX - sizeof(*v)) / sizeof(*entries))
		return &cache_nomem;
	size = sizeof(*v) + count * sizeof(*entries) + 1;
	cache_size_add(&size, rc == DIR_TRYAGAIN ? err : NULL);
	for (size_t i = 0; i < count; i++) {
		cache_size_add(&size, res->entries[i].dn);
		cache_size_add(&size, res->entries[i].primary);
		cache_size_add(&size, res->entries[i].target);
		cache_size_add(&size, res->entries[i].secondary);
	}
	if ((v = malloc(size)) == NULL)
		return &cache_nomem;
	atomic_init(&v->refs, 1);
	v->shared = false;
	v->rc = rc;
	entries = (dir_entry_t *)(v + 1);
	p = (char *)(entries + count);
	for (size_t i = 0; i < count; i++) {
		entries[i].dn = cache_str_put(&p, res->entries[i].dn);
		entries[i].primary = cache_str_put(&p, res->entries[i].primary);
		entries[i].target = cache_str_put(&p, res->entries[i].target);
		entries[i].secondary = cache_str_put(&p,
		    res->entries[i].secondary);
	}
	v->res.entries = count > 0 ? entries : NULL;
	v->res.count = count;
	v->err = cache_str_put(&p, rc == DIR_TRYAGAIN ? err : "");
	return v;
}

/*
 * Gives the caller its copy of an answer and drops the reference the
 * caller held.  Returns the answer's outcome.
 */
static int
cache_val_give(struct cache_val *v, dir_result_t *res, char *err,
    size_t errlen)
{
	int	 rc = v->rc;

	if (rc == DIR_FOUND && dir_result_copy(res, &v->res) == -1) {
		rc = DIR_TRYAGAIN;
		cache_seterr(err, errlen, "cache: out of memory");
	} else if (rc == DIR_TRYAGAIN)
		cache_seterr(err, errlen, v->err);
	cache_val_unref(v);
	return rc;
}

/*
 * Calls the back-end, with res emptied first, and brings its answer to one
 * of the three outcomes: res is empty unless DIR_FOUND, and DIR_TRYAGAIN
 * always has a message.
 */
static int
cache_fetch(cache_fetch_fn fetch, void *arg, int kind, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	int	 rc;

	res->entries = NULL;
	res->count = 0;
	err[0] = '\0';
	rc = fetch(arg, kind, key, res, err, errlen);
	if (rc == DIR_FOUND && res->count == 0)
		rc = DIR_NOTFOUND;
	if (rc != DIR_FOUND && rc != DIR_NOTFOUND)
		rc = DIR_TRYAGAIN;
	if (rc != DIR_FOUND)
		dir_result_free(res);
	if (rc == DIR_TRYAGAIN && err[0] == '\0')
		snprintf(err, errlen, "directory: lookup failed");
	if (rc != DIR_TRYAGAIN)
		err[0] = '\0';
	return rc;
}

static struct cache_ent *
cache_find(struct cache_shard *s, uint64_t h, int kind, const char *key)
{
	struct cache_ent	*e;

	for (e = s->bucket[h & (s->nbucket - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && e->kind == kind && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Doubles the table when it is full; stays as it is when out of memory. */
static void
cache_grow(struct cache_shard *s)
{
	struct cache_ent	**nb, *e, *next;
	size_t			  n = s->nbucket * 2;

	if (s->nhash < s->nbucket || n > SIZE_MAX / sizeof(*nb))
		return;
	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i < s->nbucket; i++)
		for (e = s->bucket[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	free(s->bucket);
	s->bucket = nb;
	s->nbucket = n;
}

static void
cache_hash_insert(struct cache_shard *s, struct cache_ent *e)
{
	struct cache_ent	**b;

	cache_grow(s);
	b = &s->bucket[e->hash & (s->nbucket - 1)];
	e->hnext = *b;
	*b = e;
	e->linked = true;
	s->nhash++;
}

static void
cache_hash_remove(struct cache_shard *s, struct cache_ent *e)
{
	struct cache_ent	**pp;

	for (pp = &s->bucket[e->hash & (s->nbucket - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			e->linked = false;
			s->nhash--;
			return;
		}
}

static void
cache_lru_remove(struct cache_shard *s, struct cache_ent *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
cache_lru_push(struct cache_shard *s, struct cache_ent *e)
{
	e->prev = NULL;
	e->next = s->head;
	if (s->head != NULL)
		s->head->prev = e;
	else
		s->tail = e;
	s->head = e;
}

/* Frees e when it is out of the table and nobody looks at it any more. */
static void
cache_ent_release(struct cache_ent *e)
{
	if (e->linked || e->pending || e->waiters > 0)
		return;
	cache_val_unref(e->val);
	cache_val_unref(e->old);
	free(e);
}

/* Takes a ready entry out of the table and the LRU list. */
static void
cache_ent_drop(struct cache_shard *s, struct cache_ent *e)
{
	cache_hash_remove(s, e);
	cache_lru_remove(s, e);
	s->count--;
	cache_ent_release(e);
}

/* The pass-through of an entries = 0 cache, or of no cache at all. */
static int
cache_passthrough(cache_t *c, int kind, const char *key,
    cache_fetch_fn fetch, void *arg, dir_result_t *res, char *err,
    size_t errlen)
{
	char	 ebuf[CACHE_ERR_MAX];
	int	 rc;

	if (c != NULL) {
		pthread_mutex_lock(&c->shard[0].lock);
		c->shard[0].misses++;
		c->shard[0].fetches++;
		pthread_mutex_unlock(&c->shard[0].lock);
	}
	rc = cache_fetch(fetch, arg, kind, key, res, ebuf, sizeof(ebuf));
	cache_seterr(err, errlen, ebuf);
	return rc;
}

/* Marks res as a stale answer, stale_ms expired; fresh when negative. */
static void
cache_mark_stale(dir_result_t *res, int rc, int64_t stale_ms)
{
	if (rc == DIR_TRYAGAIN || stale_ms < 0)
		return;
	res->stale = 1;
	res->stale_age = stale_ms / 1000 > INT_MAX ? INT_MAX :
	    (int)(stale_ms / 1000);
}

int
cache_lookup(cache_t *c, int kind, const char *key, cache_fetch_fn fetch,
    void *arg, dir_result_t *res, char *err, size_t errlen)
{
	struct cache_shard	*s;
	struct cache_ent	*e;
	struct cache_val	*v, *old = NULL;
	char			 ebuf[CACHE_ERR_MAX];
	uint64_t		 h;
	int64_t			 now, old_expires = 0, stale_ms;
	size_t			 klen;
	bool			 keep;
	int			 rc;

	res->entries = NULL;
	res->count = 0;
	res->stale = 0;
	res->stale_age = 0;
	cache_seterr(err, errlen, "");
	if (c == NULL || c->entries == 0)
		return cache_passthrough(c, kind, key, fetch, arg, res, err,
		    errlen);

	h = hash_string(key, (unsigned char)kind);
	s = &c->shard[(h >> 58) & (c->nshard - 1)];
	now = c->now();

	pthread_mutex_lock(&s->lock);
	e = cache_find(s, h, kind, key);
	if (e != NULL && !e->pending && now >= e->expires) {
		/*
		 * Expired: gone, unless young enough to be served stale
		 * should the refresh fail; the refresh is a new entry.
		 */
		if (c->stale_ttl_ms > 0 && now - e->expires <= c->stale_ttl_ms) {
			old = cache_val_ref(e->val);
			old_expires = e->expires;
		} else
			s->expired++;
		cache_ent_drop(s, e);
		e = NULL;
	}
	if (e != NULL && !e->pending) {
		/* A hit (always fresh): the copy is made after unlocking. */
		s->hits++;
		cache_lru_remove(s, e);
		cache_lru_push(s, e);
		v = cache_val_ref(e->val);
		pthread_mutex_unlock(&s->lock);
		return cache_val_give(v, res, err, errlen);
	}
	s->misses++;
	if (e != NULL) {
		/* Another thread is asking: wait for its answer. */
		s->waits++;
		e->waiters++;
		while (e->pending)
			pthread_cond_wait(&s->landed, &s->lock);
		v = cache_val_ref(e->val);
		stale_ms = e->stale_ms;
		if (stale_ms >= 0 && v->rc != DIR_TRYAGAIN)
			s->stale++;
		e->waiters--;
		cache_ent_release(e);
		pthread_mutex_unlock(&s->lock);
		rc = cache_val_give(v, res, err, errlen);
		cache_mark_stale(res, rc, stale_ms);
		return rc;
	}

	/* Cold: this thread asks, the others who come meanwhile wait. */
	klen = strlen(key);
	if ((e = malloc(sizeof(*e) + klen + 1)) == NULL) {
		pthread_mutex_unlock(&s->lock);
		cache_val_unref(old);
		cache_seterr(err, errlen, "cache: out of memory");
		return DIR_TRYAGAIN;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, klen + 1);
	e->hash = h;
	e->kind = kind;
	e->pending = true;
	e->stale_ms = -1;
	cache_hash_insert(s, e);
	s->fetches++;
	pthread_mutex_unlock(&s->lock);

	rc = cache_fetch(fetch, arg, kind, key, res, ebuf, sizeof(ebuf));
	now = c->now();
	stale_ms = -1;
	if (rc == DIR_TRYAGAIN && old != NULL &&
	    now - old_expires <= c->stale_ttl_ms) {
		/* The directory failed: the expired answer instead. */
		v = old;
		old = NULL;
		stale_ms = now - old_expires;
		keep = true;
	} else {
		v = cache_val_new(rc, res, ebuf);
		keep = v != &cache_nomem &&
		    ((rc == DIR_FOUND && c->ttl_ms > 0) ||
		    (rc == DIR_NOTFOUND && c->negative_ttl_ms > 0));
	}
	cache_val_unref(old);

	pthread_mutex_lock(&s->lock);
	e->pending = false;
	e->val = v;
	e->stale_ms = stale_ms;
	if (stale_ms >= 0) {
		s->stale++;
		e->expires = old_expires;
		v = cache_val_ref(v);	/* the caller's copy, after unlocking */
	} else if (keep)
		e->expires = now + (rc == DIR_FOUND ? c->ttl_ms :
		    c->negative_ttl_ms);
	if (keep) {
		cache_lru_push(s, e);
		s->count++;
		while (s->count > s->cap) {
			s->evictions++;
			cache_ent_drop(s, s->tail);
		}
	} else
		cache_hash_remove(s, e);
	if (e->waiters > 0)
		pthread_cond_broadcast(&s->landed);
	cache_ent_release(e);
	pthread_mutex_unlock(&s->lock);

	if (stale_ms >= 0) {
		rc = cache_val_give(v, res, err, errlen);
		cache_mark_stale(res, rc, stale_ms);
		return rc;
	}
	cache_seterr(err, errlen, ebuf);
	return rc;
}

void
cache_stats(cache_t *c, struct cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nshard; i++) {
		struct cache_shard	*s = &c->shard[i];

		pthread_mutex_lock(&s->lock);
		st->hits += s->hits;
		st->misses += s->misses;
		st->waits += s->waits;
		st->fetches += s->fetches;
		st->evictions += s->evictions;
		st->expired += s->expired;
		st->stale += s->stale;
		st->entries += s->count;
		pthread_mutex_unlock(&s->lock);
	}
}

void
cache_destroy(cache_t *c)
{
	struct cache_ent	*e, *next;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nshard; i++) {
		struct cache_shard	*s = &c->shard[i];

		for (size_t b = 0; b < s->nbucket; b++)
			for (e = s->bucket[b]; e != NULL; e = next) {
				next = e->hnext;
				cache_val_unref(e->val);
				cache_val_unref(e->old);
				free(e);
			}
		free(s->bucket);
		pthread_cond_destroy(&s->landed);
		pthread_mutex_destroy(&s->lock);
	}
	free(c->shard);
	free(c);
}
