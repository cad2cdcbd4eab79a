/*
 * runtime.c - the reference-counted configuration generation.
 *
 * The installed generations not yet freed are on a list, so that the
 * cache counters of an old one that connections still use go on counting;
 * a freed one's final counts are kept in runtime_cache_done.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "directory.h"
#include "log.h"
#include "runtime.h"

struct runtime {
	config_t	*cfg;
	directory_t	*dir;
	int		 refs;		/* under the runtime lock */
	struct runtime	*live_next;	/* the installed ones not yet freed
					   (runtime_cache_stats()), under the
					   runtime lock */
	int		 live;		/* on that list */
};

static pthread_mutex_t	 runtime_lock = PTHREAD_MUTEX_INITIALIZER;
static runtime_t	*runtime_current;
static runtime_t	*runtime_live;		/* installed, not yet freed */
static metrics_cache_t	 runtime_cache_done;	/* of the freed ones */

/* Replaces *slot by a copy of value; returns -1 when out of memory. */
static int
runtime_override(char **slot, const char *value)
{
	char	*copy;

	if (value == NULL)
		return 0;
	if ((copy = strdup(value)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

const config_t *
runtime_config(const runtime_t *rt)
{
	return rt->cfg;
}

directory_t *
runtime_directory(const runtime_t *rt)
{
	return rt->dir;
}

static void
runtime_free(runtime_t *rt)
{
	directory_close(rt->dir);
	config_free(rt->cfg);
	free(rt);
}

/* runtime_load(), taking over what previous (may be NULL) can hand on. */
static runtime_t *
runtime_load_next(const char *path, const runtime_overrides_t *ov,
    runtime_t *previous, char *err, size_t errlen)
{
	runtime_t	*rt;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rt->refs = 1;
	if ((rt->cfg = config_load(path, err, errlen)) == NULL) {
		free(rt);
		return NULL;
	}
	if (runtime_override(&rt->cfg->socket, ov->socket) == -1 ||
	    runtime_override(&rt->cfg->user, ov->user) == -1 ||
	    runtime_override(&rt->cfg->pidfile, ov->pidfile) == -1) {
		snprintf(err, errlen, "out of memory");
		runtime_free(rt);
		return NULL;
	}
	if (config_check_listeners(rt->cfg, err, errlen) == -1) {	/* -p "" */
		runtime_free(rt);
		return NULL;
	}
	rt->cfg->log_level += ov->verbose;
	if (rt->cfg->log_level > LOG_DEBUG)
		rt->cfg->log_level = LOG_DEBUG;
	if ((rt->dir = directory_open_next(rt->cfg, previous != NULL ?
	    previous->dir : NULL, err, errlen)) == NULL) {
		runtime_free(rt);
		return NULL;
	}
	return rt;
}

runtime_t *
runtime_load(const char *path, const runtime_overrides_t *ov, char *err,
    size_t errlen)
{
	return runtime_load_next(path, ov, NULL, err, errlen);
}

void
runtime_install(runtime_t *rt)
{
	runtime_t	*old;
	struct timespec	 now;
	char		 err[256];

	/* after any fork, with the signal mask of the serving threads */
	if (directory_start(rt->dir, err, sizeof(err)) == -1)
		log_msg(LOG_ERR, "%s: lookups go to the directory", err);
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&runtime_lock);
	old = runtime_current;
	runtime_current = rt;
	if (!rt->live) {
		rt->live = 1;
		rt->live_next = runtime_live;
		runtime_live = rt;
	}
	pthread_mutex_unlock(&runtime_lock);
	metrics_loaded((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	log_set_level(rt->cfg->log_level);
	log_set_facility(rt->cfg->syslog_facility);
	runtime_release(old);
}

runtime_t *
runtime_acquire(void)
{
	runtime_t	*rt;

	pthread_mutex_lock(&runtime_lock);
	rt = runtime_current;
	if (rt != NULL)
		rt->refs++;
	pthread_mutex_unlock(&runtime_lock);
	return rt;
}

void
runtime_release(runtime_t *rt)
{
	int	 last;

	if (rt == NULL)
		return;
	pthread_mutex_lock(&runtime_lock);
	last = --rt->refs == 0;
	if (last && rt->live) {		/* its counts go on in the total */
		dir_stats_t	 st;

		directory_stats(rt->dir, &st);
		runtime_cache_done.hits += st.cache_hits;
		runtime_cache_done.misses += st.cache_misses;
		runtime_cache_done.stale += st.cache_stale;
		for (runtime_t **p = &runtime_live; *p != NULL;
		    p = &(*p)->live_next)
			if (*p == rt) {
				*p = rt->live_next;
				break;
			}
	}
	pthread_mutex_unlock(&runtime_lock);
	if (last)
		runtime_free(rt);
}

int
runtime_reload(const char *path, const runtime_overrides_t *ov)
{
	runtime_t	*rt, *previous = runtime_acquire();
	char		 err[CONFIG_ERR_MAX];

	rt = runtime_load_next(path, ov, previous, err, sizeof(err));
	runtime_release(previous);
	if (rt == NULL) {
		log_msg(LOG_ERR, "reload failed, keeping the running configuration: %s",
		    err);
		metrics_reload(0);
		return -1;
	}
	runtime_install(rt);
	metrics_reload(1);
	log_msg(LOG_INFO, "configuration reloaded from %s (%zu domains, %s directory)",
	    path, domains_count(rt->cfg->domains),
	    directory_backend_name(rt->dir));
	return 0;
}

void
runtime_cache_stats(metrics_cache_t *c)
{
	dir_stats_t	 st;

	pthread_mutex_lock(&runtime_lock);
	*c = runtime_cache_done;
	c->replica = 0;
	c->replica_entries = 0;
	c->replica_age_ms = 0;
	for (runtime_t *rt = runtime_live; rt != NULL; rt = rt->live_next) {
		directory_stats(rt->dir, &st);
		c->hits += st.cache_hits;
		c->misses += st.cache_misses;
		c->stale += st.cache_stale;
		if (rt == runtime_current) {
			c->entries = st.cache_entries;
			c->replica = st.replica;
			c->replica_entries = st.replica_entries;
			c->replica_age_ms = st.replica_age_ms;
		}
	}
	pthread_mutex_unlock(&runtime_lock);
}
