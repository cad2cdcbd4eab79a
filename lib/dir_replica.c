/*
 * dir_replica.c - the replica as a back-end (see dir_replica.h): the
 * lookups, the index swap, the thread's start and stop, and the hand-over
 * from the replica of the configuration a SIGHUP replaces.  The sync
 * itself is replica_sync.c.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "clock.h"
#include "dir_index.h"
#include "dir_replica.h"
#include "metrics.h"
#include "replica_sync.h"

static int	dir_replica_by_proxy(void *, const char *, dir_result_t *,
		    char *, size_t);
static int	dir_replica_by_target(void *, const char *, dir_result_t *,
		    char *, size_t);
static void	dir_replica_close(void *);
static int	dir_replica_ping(void *, char *, size_t);
static directory_t *dir_replica_inner(void *);
static int	dir_replica_start(void *, char *, size_t);
static void	dir_replica_stats(void *, dir_stats_t *);

const dir_backend_ops_t dir_replica_ops = {
	.name = "replica",
	.by_proxy = dir_replica_by_proxy,
	.by_target = dir_replica_by_target,
	.close = dir_replica_close,
	.ping = dir_replica_ping,
	.inner = dir_replica_inner,
	.start = dir_replica_start,
	.stats = dir_replica_stats,
};

/*
 * One lookup: from the index when there is one (counted as a lookup that
 * reached a back-end), else from the wrapped directory.  Past max_age, a
 * not-found is a try-again.
 */
static int
dir_replica_lookup(struct replica *r, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	uint64_t	 start = clock_ns(), end;
	int64_t		 last, age;
	int		 rc;

	pthread_rwlock_rdlock(&r->ixlock);
	if (r->ix == NULL) {
		pthread_rwlock_unlock(&r->ixlock);
		return by_target ?
		    directory_by_target(r->inner, key, res, err, errlen) :
		    directory_by_proxy(r->inner, key, res, err, errlen);
	}
	rc = dir_index_lookup(r->ix, by_target, key, res, err, errlen);
	pthread_rwlock_unlock(&r->ixlock);
	if (rc == DIR_NOTFOUND) {
		last = atomic_load(&r->last_ok_ms);
		age = clock_ms() - last;
		if (age > (int64_t)r->max_age * 1000) {
			snprintf(err, errlen, "replica: not found, but the last "
			    "good sync was %lld s ago, more than max_age (%d s)",
			    (long long)(age / 1000), r->max_age);
			rc = DIR_TRYAGAIN;
		}
	}
	end = clock_ns();
	metrics_lookup(rc, end > start ? end - start : 0);
	return rc;
}

static int
dir_replica_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_replica_lookup(h, 0, key, res, err, errlen);
}

static int
dir_replica_by_target(void *h, const char *key, dir_result_t *res,
    char *err, size_t errlen)
{
	return dir_replica_lookup(h, 1, key, res, err, errlen);
}

/* The servers answer or not whatever the replica holds: ask them. */
static int
dir_replica_ping(void *h, char *err, size_t errlen)
{
	struct replica	*r = h;

	return directory_ping(r->inner, err, errlen);
}

static directory_t *
dir_replica_inner(void *h)
{
	struct replica	*r = h;

	return r->inner;
}

void
replica_swap(struct replica *r, dir_index_t *ix)
{
	dir_index_t	*old;

	pthread_rwlock_wrlock(&r->ixlock);
	old = r->ix;
	r->ix = ix;
	pthread_rwlock_unlock(&r->ixlock);
	dir_index_release(old);		/* no lookup holds it any more */
#ifdef __GLIBC__
	/*
	 * The old index's blocks lie between the new ones: without a trim,
	 * glibc keeps their pages and the resident size grows a copy a swap.
	 */
	(void)malloc_trim(0);
#endif
	atomic_store(&r->entries, (unsigned long long)dir_index_entries(ix));
	atomic_store(&r->last_ok_ms, (long long)clock_ms());
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->own, 1);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
replica_good(struct replica *r)
{
	atomic_store(&r->last_ok_ms, (long long)clock_ms());
}

int
replica_sleep(struct replica *r, int64_t ms)
{
	struct timespec	 until;
	int		 stop;

	clock_timespec(clock_ms() + ms, &until);
	pthread_mutex_lock(&r->mu);
	while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) !=
	    ETIMEDOUT)
		;
	stop = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

int
replica_stopping(struct replica *r)
{
	int	 stop;

	pthread_mutex_lock(&r->mu);
	stop = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

/* Asks the thread to stop (it finishes what it is doing first). */
static void
dir_replica_stop(struct replica *r)
{
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void
dir_replica_free(struct replica *r)
{
	if (r == NULL)
		return;
	dir_index_release(r->ix);
	free(r->base);
	free(r->proxy_attr);
	free(r->target_attr);
	free(r->change_attr);
	pthread_rwlock_destroy(&r->ixlock);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void
dir_replica_close(void *h)
{
	struct replica	*r = h;

	if (r == NULL)
		return;
	dir_replica_stop(r);
	if (r->started)		/* no start after the stop */
		pthread_join(r->thread, NULL);
	directory_close(r->inner);
	dir_replica_free(r);
}

/* Takes over the index of previous's replica, if it has one. */
static void
dir_replica_adopt(struct replica *r, directory_t *previous)
{
	struct replica	*p = directory_find(previous, &dir_replica_ops);

	if (p == NULL)
		return;
	pthread_rwlock_rdlock(&p->ixlock);
	if (p->ix != NULL)
		r->ix = dir_index_hold(p->ix);
	pthread_rwlock_unlock(&p->ixlock);
	atomic_store(&r->last_ok_ms, atomic_load(&p->last_ok_ms));
	atomic_store(&r->entries, (unsigned long long)dir_index_entries(r->ix));
	dir_replica_stop(p);	/* its connections keep its last index */
}

directory_t *
dir_replica_wrap(directory_t *inner, ldap_conn_t *ldap, const config_t *cfg,
    directory_t *previous, char *err, size_t errlen)
{
	const struct config_directory	*dc = &cfg->directory;
	const struct config_replica	*rc = &dc->ldap.replica;
	struct replica			*r;
	directory_t			*d;
	pthread_condattr_t		 ca;

	if (inner == NULL)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->inner = inner;
	r->ldap = ldap;
	r->scope = dc->ldap.scope == SCOPE_BASE ? LDAP_SCOPE_BASE :
	    dc->ldap.scope == SCOPE_ONE ? LDAP_SCOPE_ONELEVEL :
	    LDAP_SCOPE_SUBTREE;
	r->poll = rc->poll;
	r->refresh = rc->refresh;
	r->page_size = rc->page_size;
	r->max_age = rc->max_age;
	r->syncrepl = rc->syncrepl;
	pthread_rwlock_init(&r->ixlock, NULL);
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((r->base = strdup(dc->ldap.base)) == NULL ||
	    (r->proxy_attr = strdup(dc->proxy_attribute)) == NULL ||
	    (r->target_attr = strdup(dc->target_attribute)) == NULL ||
	    (r->change_attr = strdup(rc->change_attribute)) == NULL) {
		dir_replica_free(r);
		goto nomem;
	}
	dir_replica_adopt(r, previous);
	if ((d = directory_new(&dir_replica_ops, r, err, errlen)) == NULL)
		return NULL;	/* closed r, and inner with it */
	return d;

nomem:
	snprintf(err, errlen, "replica: out of memory");
	directory_close(inner);
	return NULL;
}

/* Starts the sync thread, unless it runs or the replica is stopping. */
static int
dir_replica_start(void *h, char *err, size_t errlen)
{
	struct replica	*r = h;
	int		 e = 0;

	pthread_mutex_lock(&r->mu);
	if (!r->started && !r->stop &&
	    (e = pthread_create(&r->thread, NULL, replica_sync_main, r)) == 0)
		r->started = 1;
	pthread_mutex_unlock(&r->mu);
	if (e != 0) {
		snprintf(err, errlen, "replica: cannot start its thread: %s",
		    strerror(e));
		return -1;
	}
	return 0;
}

/* The replica's part of directory_stats(). */
static void
dir_replica_stats(void *h, dir_stats_t *st)
{
	struct replica	*r = h;
	long long	 last;

	st->replica = 1;
	st->replica_entries = atomic_load(&r->entries);
	last = atomic_load(&r->last_ok_ms);
	st->replica_age_ms = last == 0 ? -1 : clock_ms() - last;
}

int
dir_replica_wait(directory_t *d, double seconds)
{
	struct replica	*r = directory_find(d, &dir_replica_ops);
	struct timespec	 until;
	int		 own;

	char		 err[128];

	if (r == NULL || dir_replica_start(r, err, sizeof(err)) == -1)
		return -1;
	clock_timespec(clock_ms() + (int64_t)(seconds * 1000.0), &until);
	pthread_mutex_lock(&r->mu);
	while (!(own = atomic_load(&r->own)) &&
	    pthread_cond_timedwait(&r->cv, &r->mu, &until) != ETIMEDOUT)
		;
	own = atomic_load(&r->own);
	pthread_mutex_unlock(&r->mu);
	return own ? 0 : -1;
}
