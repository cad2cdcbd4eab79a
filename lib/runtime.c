/*
 * runtime.c - the reference-counted configuration generation.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "runtime.h"

static pthread_mutex_t	 runtime_lock = PTHREAD_MUTEX_INITIALIZER;
static runtime_t	*runtime_current;

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

static void
runtime_free(runtime_t *rt)
{
	directory_close(rt->dir);
	config_free(rt->cfg);
	free(rt);
}

runtime_t *
runtime_load(const char *path, const runtime_overrides_t *ov, char *err,
    size_t errlen)
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
	if ((rt->dir = directory_open(rt->cfg, err, errlen)) == NULL) {
		runtime_free(rt);
		return NULL;
	}
	return rt;
}

void
runtime_install(runtime_t *rt)
{
	runtime_t	*old;

	pthread_mutex_lock(&runtime_lock);
	old = runtime_current;
	runtime_current = rt;
	pthread_mutex_unlock(&runtime_lock);
	log_set_level(rt->cfg->log_level);
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
	pthread_mutex_unlock(&runtime_lock);
	if (last)
		runtime_free(rt);
}

int
runtime_reload(const char *path, const runtime_overrides_t *ov)
{
	runtime_t	*rt;
	char		 err[CONFIG_ERR_MAX];

	if ((rt = runtime_load(path, ov, err, sizeof(err))) == NULL) {
		log_msg(LOG_ERR, "reload failed, keeping the running configuration: %s",
		    err);
		return -1;
	}
	runtime_install(rt);
	log_msg(LOG_INFO, "configuration reloaded from %s (%zu domains, %s directory)",
	    path, domains_count(rt->cfg->domains),
	    directory_backend_name(rt->dir));
	return 0;
}
