/*
 * directory.c - the back-end interface: dispatch to a back-end's
 * functions, and the result helpers every back-end shares.
 *
 * A directory_t pairs a dir_backend_ops_t with the back-end's handle
 * (directory_new()).  Which back-ends exist and how each is opened is the
 * registry's business (dir_open.c); a cache is a back-end that wraps
 * another directory_t (dir_cache.c).  Lookups go straight to the
 * back-end's functions, so they are exactly as thread-safe as it is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"

struct directory {
	const dir_backend_ops_t	*ops;
	void			*h;
};

directory_t *
directory_new(const dir_backend_ops_t *ops, void *h, char *err, size_t errlen)
{
	directory_t	*d;

	if ((d = malloc(sizeof(*d))) == NULL) {
		ops->close(h);
		snprintf(err, errlen, "directory: out of memory");
		return NULL;
	}
	d->ops = ops;
	d->h = h;
	return d;
}

/*
 * Runs one lookup of the back-end.  res is emptied first, so the caller
 * need not initialise it, and it is left empty on any outcome but
 * DIR_FOUND.
 */
static int
directory_lookup(directory_t *d,
    int (*fn)(void *, const char *, dir_result_t *, char *, size_t),
    const char *key, dir_result_t *res, char *err, size_t errlen)
{
	int	 rc;

	res->entries = NULL;
	res->count = 0;
	res->stale = 0;
	res->stale_age = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	rc = fn(d->h, key, res, err, errlen);
	if (rc == DIR_FOUND && res->count == 0)
		rc = DIR_NOTFOUND;
	if (rc != DIR_FOUND)
		dir_result_free(res);
	return rc;
}

int
directory_by_proxy(directory_t *d, const char *key, dir_result_t *res,
    char *err, size_t errlen)
{
	return directory_lookup(d, d->ops->by_proxy, key, res, err, errlen);
}

int
directory_by_target(directory_t *d, const char *key, dir_result_t *res,
    char *err, size_t errlen)
{
	return directory_lookup(d, d->ops->by_target, key, res, err, errlen);
}

int
directory_start(directory_t *d, char *err, size_t errlen)
{
	for (; d != NULL; d = d->ops->inner != NULL ? d->ops->inner(d->h) :
	    NULL)
		if (d->ops->start != NULL && d->ops->start(d->h, err,
		    errlen) == -1)
			return -1;
	return 0;
}

/* Adds the parts of d's layers to st, innermost first. */
static void
directory_stats_layers(directory_t *d, dir_stats_t *st)
{
	if (d->ops->inner != NULL)
		directory_stats_layers(d->ops->inner(d->h), st);
	if (d->ops->stats != NULL)
		d->ops->stats(d->h, st);
}

void
directory_stats(directory_t *d, dir_stats_t *st)
{
	memset(st, 0, sizeof(*st));
	if (d != NULL)
		directory_stats_layers(d, st);
}

const char *
directory_backend_name(const directory_t *d)
{
	while (d->ops->inner != NULL)
		d = d->ops->inner(d->h);
	return d->ops->name;
}

void *
directory_find(directory_t *d, const dir_backend_ops_t *ops)
{
	for (; d != NULL; d = d->ops->inner != NULL ? d->ops->inner(d->h) :
	    NULL)
		if (d->ops == ops)
			return d->h;
	return NULL;
}

int
directory_snapshot(directory_t *d, dir_snapshot_t *snap)
{
	memset(snap, 0, sizeof(*snap));
	for (; d != NULL; d = d->ops->inner != NULL ? d->ops->inner(d->h) :
	    NULL)
		if (d->ops->snapshot != NULL)
			return d->ops->snapshot(d->h, snap);
	return 0;
}

/* A wrapper's ping asks its inner directory: no cache answers it. */
int
directory_ping(directory_t *d, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return d->ops->ping != NULL ? d->ops->ping(d->h, err, errlen) : 0;
}

void
directory_close(directory_t *d)
{
	if (d == NULL)
		return;
	d->ops->close(d->h);
	free(d);
}

void
dir_result_free(dir_result_t *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->count; i++) {
		free(res->entries[i].dn);
		free(res->entries[i].primary);
		free(res->entries[i].target);
		free(res->entries[i].secondary);
	}
	free(res->entries);
	res->entries = NULL;
	res->count = 0;
}

/* strdup() that keeps NULL. Sets *fail when out of memory. */
static char *
dir_strdup(const char *s, int *fail)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		*fail = 1;
	return p;
}

/* Appends copies of the strings as one entry; see dir_result_add(). */
static int
dir_result_append(dir_result_t *res, const char *dn, const char *primary,
    const char *target, const char *secondary)
{
	dir_entry_t	*entries, e;
	int		 fail = 0;

	e.dn = dir_strdup(dn != NULL ? dn : "", &fail);
	e.primary = dir_strdup(primary, &fail);
	e.target = dir_strdup(target, &fail);
	e.secondary = dir_strdup(secondary, &fail);
	if (fail || res->count + 1 > SIZE_MAX / sizeof(*entries))
		goto nomem;
	entries = realloc(res->entries, (res->count + 1) * sizeof(*entries));
	if (entries == NULL)
		goto nomem;
	entries[res->count++] = e;
	res->entries = entries;
	return 0;

nomem:
	free(e.dn);
	free(e.primary);
	free(e.target);
	free(e.secondary);
	return -1;
}

int
dir_result_add(dir_result_t *res, const char *dn, const char *primary,
    const char *target)
{
	return dir_result_append(res, dn, primary, target, NULL);
}

int
dir_result_add_entry(dir_result_t *res, const dir_entry_t *e)
{
	return dir_result_append(res, e->dn, e->primary, e->target,
	    e->secondary);
}

int
dir_result_copy(dir_result_t *dst, const dir_result_t *src)
{
	dst->entries = NULL;
	dst->count = 0;
	for (size_t i = 0; i < src->count; i++)
		if (dir_result_add_entry(dst, &src->entries[i]) == -1) {
			dir_result_free(dst);
			return -1;
		}
	return 0;
}
