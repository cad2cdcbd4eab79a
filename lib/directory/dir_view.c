/*
 * dir_view.c - see dir_view.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_view.h"

struct dir_view {
	dir_index_t		*ix;
	int			 stale;
	char			 why[256];
	dir_view_trace_fn	 trace;
	void			*trace_arg;
};

static int	dir_view_by_proxy(void *, const char *, dir_result_t *, char *,
		    size_t);
static int	dir_view_by_target(void *, const char *, dir_result_t *,
		    char *, size_t);
static void	dir_view_close(void *);

static const dir_backend_ops_t dir_view_ops = {
	.name = "view",
	.by_proxy = dir_view_by_proxy,
	.by_target = dir_view_by_target,
	.close = dir_view_close,
};

static int
dir_view_lookup(struct dir_view *v, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	int	 rc;

	if (v->trace != NULL)
		v->trace(by_target, key, v->trace_arg);
	rc = dir_index_lookup(v->ix, by_target, key, res, err, errlen);
	if (rc == DIR_NOTFOUND && v->stale) {
		snprintf(err, errlen, "%s", v->why);
		rc = DIR_TRYAGAIN;
	}
	return rc;
}

static int
dir_view_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_view_lookup(h, 0, key, res, err, errlen);
}

static int
dir_view_by_target(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_view_lookup(h, 1, key, res, err, errlen);
}

static void
dir_view_close(void *h)
{
	struct dir_view	*v = h;

	if (v == NULL)
		return;
	dir_index_release(v->ix);
	free(v);
}

directory_t *
dir_view_new(dir_index_t *ix, int stale, const char *why, char *err,
    size_t errlen)
{
	struct dir_view	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "directory view: out of memory");
		return NULL;
	}
	v->ix = dir_index_hold(ix);
	v->stale = stale != 0;
	snprintf(v->why, sizeof(v->why), "%s", why != NULL && *why != '\0' ?
	    why : "the directory copy is older than max_age");
	return directory_new(&dir_view_ops, v, err, errlen);
}

void
dir_view_trace(directory_t *view, dir_view_trace_fn fn, void *arg)
{
	struct dir_view	*v = directory_find(view, &dir_view_ops);

	if (v == NULL)
		return;
	v->trace = fn;
	v->trace_arg = arg;
}
