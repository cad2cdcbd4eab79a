/*
 * replica_state.c - see replica_state.h.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "clock.h"
#include "dir_index.h"
#include "replica_state.h"

struct replica_state {
	replica_settings_t	 set;

	/* the index lookups read */
	pthread_rwlock_t	 ixlock;
	dir_index_t		*ix;		/* NULL: none yet */
	atomic_int		 own;		/* ix is of this replica's load */
	atomic_llong		 last_ok_ms;	/* clock_ms(); 0: none yet */
	atomic_ullong		 entries;

	/* the thread */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* stop, and the first load */
	int			 stop;		/* under mu */
	pthread_t		 thread;
	int			 started;	/* under mu */
};

replica_state_t *
replica_state_new(const config_directory_t *dc, ldap_conn_t *ldap,
    char *err, size_t errlen)
{
	const config_replica_t		*rc = &dc->ldap.replica;
	replica_state_t			*st;
	pthread_condattr_t		 ca;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto nomem;
	st->set.ldap = ldap;
	st->set.scope = dc->ldap.scope == SCOPE_BASE ? LDAP_SCOPE_BASE :
	    dc->ldap.scope == SCOPE_ONE ? LDAP_SCOPE_ONELEVEL :
	    LDAP_SCOPE_SUBTREE;
	st->set.poll = rc->poll;
	st->set.refresh = rc->refresh;
	st->set.page_size = rc->page_size;
	st->set.max_age = rc->max_age;
	st->set.syncrepl = rc->syncrepl;
	st->set.timeout_ms = ldap_conn_timeout_ms(ldap);
	pthread_rwlock_init(&st->ixlock, NULL);
	pthread_mutex_init(&st->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((st->set.base = strdup(dc->ldap.base)) == NULL ||
	    (st->set.proxy_attr = strdup(dc->proxy_attribute)) == NULL ||
	    (st->set.target_attr = strdup(dc->target_attribute)) == NULL ||
	    (st->set.change_attr = strdup(rc->change_attribute)) == NULL) {
		replica_state_free(st);
		goto nomem;
	}
	return st;

nomem:
	snprintf(err, errlen, "replica: out of memory");
	return NULL;
}

/* Asks the thread to stop (it finishes what it is doing first). */
static void
replica_state_stop(replica_state_t *st)
{
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

void
replica_state_free(replica_state_t *st)
{
	if (st == NULL)
		return;
	replica_state_stop(st);
	if (st->started)	/* no start after the stop */
		pthread_join(st->thread, NULL);
	dir_index_release(st->ix);
	free(st->set.base);
	free(st->set.proxy_attr);
	free(st->set.target_attr);
	free(st->set.change_attr);
	pthread_rwlock_destroy(&st->ixlock);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

const replica_settings_t *
replica_state_settings(const replica_state_t *st)
{
	return &st->set;
}

void
replica_state_adopt(replica_state_t *st, replica_state_t *previous)
{
	if (previous == NULL)
		return;
	pthread_rwlock_rdlock(&previous->ixlock);
	if (previous->ix != NULL)
		st->ix = dir_index_hold(previous->ix);
	pthread_rwlock_unlock(&previous->ixlock);
	atomic_store(&st->last_ok_ms, atomic_load(&previous->last_ok_ms));
	atomic_store(&st->entries,
	    (unsigned long long)dir_index_entries(st->ix));
	replica_state_stop(previous);	/* its connections keep its index */
}

int
replica_state_lookup(replica_state_t *st, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen, int *rc)
{
	pthread_rwlock_rdlock(&st->ixlock);
	if (st->ix == NULL) {
		pthread_rwlock_unlock(&st->ixlock);
		return 0;
	}
	*rc = dir_index_lookup(st->ix, by_target, key, res, err, errlen);
	pthread_rwlock_unlock(&st->ixlock);
	return 1;
}

dir_index_t *
replica_state_hold(replica_state_t *st)
{
	dir_index_t	*ix;

	pthread_rwlock_rdlock(&st->ixlock);
	ix = dir_index_hold(st->ix);
	pthread_rwlock_unlock(&st->ixlock);
	return ix;
}

int64_t
replica_state_last_ok(const replica_state_t *st)
{
	return atomic_load(&st->last_ok_ms);
}

uint64_t
replica_state_entries(const replica_state_t *st)
{
	return atomic_load(&st->entries);
}

int
replica_state_start(replica_state_t *st, void *(*body)(void *), char *err,
    size_t errlen)
{
	int	 e = 0;

	pthread_mutex_lock(&st->mu);
	if (!st->started && !st->stop &&
	    (e = pthread_create(&st->thread, NULL, body, st)) == 0)
		st->started = 1;
	pthread_mutex_unlock(&st->mu);
	if (e != 0) {
		snprintf(err, errlen, "replica: cannot start its thread: %s",
		    strerror(e));
		return -1;
	}
	return 0;
}

int
replica_state_wait(replica_state_t *st, int64_t ms)
{
	struct timespec	 until;
	int		 own;

	clock_timespec(clock_ms() + ms, &until);
	pthread_mutex_lock(&st->mu);
	while (!(own = atomic_load(&st->own)) &&
	    pthread_cond_timedwait(&st->cv, &st->mu, &until) != ETIMEDOUT)
		;
	own = atomic_load(&st->own);
	pthread_mutex_unlock(&st->mu);
	return own ? 0 : -1;
}

void
replica_state_swap(replica_state_t *st, dir_index_t *ix, int trim)
{
	dir_index_t	*old;

	pthread_rwlock_wrlock(&st->ixlock);
	old = st->ix;
	st->ix = ix;
	pthread_rwlock_unlock(&st->ixlock);
	dir_index_release(old);		/* no lookup holds it any more */
#ifdef __GLIBC__
	/*
	 * A whole old index's blocks lie between the new ones: without a
	 * trim, glibc keeps their pages and the resident size grows a copy a
	 * swap.  An edit frees a few shards: no trim, which walks the heap.
	 */
	if (trim)
		(void)malloc_trim(0);
#else
	(void)trim;
#endif
	atomic_store(&st->entries, (unsigned long long)dir_index_entries(ix));
	atomic_store(&st->last_ok_ms, (long long)clock_ms());
	pthread_mutex_lock(&st->mu);
	atomic_store(&st->own, 1);
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

void
replica_state_good(replica_state_t *st)
{
	atomic_store(&st->last_ok_ms, (long long)clock_ms());
}

int
replica_state_sleep(replica_state_t *st, int64_t ms)
{
	struct timespec	 until;
	int		 stop;

	clock_timespec(clock_ms() + ms, &until);
	pthread_mutex_lock(&st->mu);
	while (!st->stop && pthread_cond_timedwait(&st->cv, &st->mu, &until) !=
	    ETIMEDOUT)
		;
	stop = st->stop;
	pthread_mutex_unlock(&st->mu);
	return stop;
}

int
replica_state_stopping(replica_state_t *st)
{
	int	 stop;

	pthread_mutex_lock(&st->mu);
	stop = st->stop;
	pthread_mutex_unlock(&st->mu);
	return stop;
}
