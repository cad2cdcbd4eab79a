/*
 * dir_open.c - the registry of directory back-ends: which ones exist and
 * how each is opened, apart from the interface (directory.c), as Postfix
 * keeps dict_open_info[] apart from dict.h and OpenSMTPD lists its table
 * back-ends in one array.
 *
 * Each row pairs the configured back-end (directory.backend) with an open
 * function of one signature that returns a whole directory_t; the row
 * decides what is wrapped around it.  The ldap back-end gets a cache
 * (dir_cache.c) when directory.cache.entries > 0, since every answer costs
 * a round trip; the ldif back-end never does: it is an index in memory.
 * Both are counted (dir_metrics.c) right around the back-end, under the
 * cache: the metrics count the lookups that reached it.  With
 * directory.ldap.replica enabled, the replica (dir_replica.h) wraps the
 * whole ldap stack: it answers from memory once loaded, and counts its own
 * answers.  A new back-end is one open function and one row.
 */
#include <stdio.h>

#include "dir_cache.h"
#include "dir_ldap.h"
#include "dir_ldif.h"
#include "dir_metrics.h"
#include "dir_replica.h"
#include "directory.h"
#include "metrics.h"

typedef directory_t *(*dir_open_fn)(const config_t *cfg,
		    directory_t *previous, char *err, size_t errlen);

static directory_t *
dir_open_ldif(const config_t *cfg, directory_t *previous, char *err,
    size_t errlen)
{
	const config_directory_t	*dc = &cfg->directory;
	void				*h;

	(void)previous;
	if ((h = dir_ldif_open(dc->ldif_path, dc->proxy_attribute,
	    dc->target_attribute, err, errlen)) == NULL)
		return NULL;
	metrics_directory_up(1);	/* loaded: it answers from now on */
	return dir_metrics_wrap(directory_new(&dir_ldif_ops, h, err, errlen),
	    err, errlen);
}

static directory_t *
dir_open_ldap(const config_t *cfg, directory_t *previous, char *err,
    size_t errlen)
{
	const config_directory_t	*dc = &cfg->directory;
	directory_t			*d;
	void				*h;

	if ((h = dir_ldap_open(dc, cfg->file, cfg->user, err, errlen)) == NULL ||
	    (d = dir_metrics_wrap(directory_new(&dir_ldap_ops, h, err, errlen),
	    err, errlen)) == NULL)
		return NULL;
	if (dc->cache.entries > 0 && (d = dir_cache_wrap(d,
	    (size_t)dc->cache.entries, dc->cache.ttl, dc->cache.negative_ttl,
	    dc->cache.stale_ttl, NULL, err, errlen)) == NULL)
		return NULL;
	if (!dc->ldap.replica.enabled)
		return d;
	return dir_replica_wrap(d, dir_ldap_conn(h), dc, previous, err,
	    errlen);
}

static const struct dir_open_info {
	dir_backend_t	 backend;
	dir_open_fn	 open;
} dir_open_info[] = {
	{ BACKEND_LDIF, dir_open_ldif },
	{ BACKEND_LDAP, dir_open_ldap },
};

directory_t *
directory_open(const config_t *cfg, char *err, size_t errlen)
{
	return directory_open_next(cfg, NULL, err, errlen);
}

directory_t *
directory_open_next(const config_t *cfg, directory_t *previous, char *err,
    size_t errlen)
{
	const dir_backend_t	 b = cfg->directory.backend;

	for (size_t i = 0; i < sizeof(dir_open_info) / sizeof(dir_open_info[0]);
	    i++)
		if (dir_open_info[i].backend == b)
			return dir_open_info[i].open(cfg, previous, err,
			    errlen);
	snprintf(err, errlen, "directory: unknown back-end %d", (int)b);
	return NULL;
}
