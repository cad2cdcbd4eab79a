/*
 * dir_fake.c - a directory back-end for tests (see dir_fake.h): a list of
 * (kind, key, answer) rows under a mutex, a fail switch, a call counter
 * and the directory asked for keys without a row, if any.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_fake.h"

struct fake_row {
	struct fake_row	*next;
	int		 by_target;
	int		 status;
	char		*key;
	dir_result_t	 res;		/* DIR_FOUND's entries */
};

struct dir_fake {
	pthread_mutex_t	 lock;
	struct fake_row	*rows;
	atomic_int	 fail;
	atomic_uint	 calls;
	directory_t	*inner;		/* asked for keys without a row */
};

/* Returns the row of kind + key, or NULL (lock held). */
static struct fake_row *
dir_fake_find(dir_fake_t *f, int by_target, const char *key)
{
	for (struct fake_row *r = f->rows; r != NULL; r = r->next)
		if (r->by_target == by_target && strcmp(r->key, key) == 0)
			return r;
	return NULL;
}

static int
dir_fake_lookup(dir_fake_t *f, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	struct fake_row	*r;
	int		 rc = DIR_NOTFOUND;

	atomic_fetch_add(&f->calls, 1);
	if (atomic_load(&f->fail)) {
		snprintf(err, errlen, "fake: down");
		return DIR_TRYAGAIN;
	}
	pthread_mutex_lock(&f->lock);
	if ((r = dir_fake_find(f, by_target, key)) == NULL && f->inner != NULL) {
		pthread_mutex_unlock(&f->lock);
		return by_target ?
		    directory_by_target(f->inner, key, res, err, errlen) :
		    directory_by_proxy(f->inner, key, res, err, errlen);
	}
	if (r != NULL && r->status == DIR_TRYAGAIN) {
		snprintf(err, errlen, "fake: %s: down", key);
		rc = DIR_TRYAGAIN;
	} else if (r != NULL) {
		rc = DIR_FOUND;
		for (size_t i = 0; i < r->res.count && rc == DIR_FOUND; i++)
			if (dir_result_add_entry(res,
			    &r->res.entries[i]) == -1) {
				snprintf(err, errlen, "fake: out of memory");
				rc = DIR_TRYAGAIN;
			}
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int
dir_fake_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_fake_lookup(h, 0, key, res, err, errlen);
}

static int
dir_fake_by_target(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_fake_lookup(h, 1, key, res, err, errlen);
}

static int
dir_fake_ping(void *h, char *err, size_t errlen)
{
	dir_fake_t	*f = h;

	if (!atomic_load(&f->fail))
		return 0;
	snprintf(err, errlen, "fake: down");
	return -1;
}

static void
dir_fake_close(void *h)
{
	dir_fake_t	*f = h;
	struct fake_row	*r, *next;

	if (f == NULL)
		return;
	for (r = f->rows; r != NULL; r = next) {
		next = r->next;
		dir_result_free(&r->res);
		free(r->key);
		free(r);
	}
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const dir_backend_ops_t dir_fake_ops = {
	.name = "fake",
	.by_proxy = dir_fake_by_proxy,
	.by_target = dir_fake_by_target,
	.close = dir_fake_close,
	.ping = dir_fake_ping,
};

directory_t *
dir_fake_open(dir_fake_t **fp, char *err, size_t errlen)
{
	dir_fake_t	*f;
	directory_t	*d;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "fake: out of memory");
		return NULL;
	}
	pthread_mutex_init(&f->lock, NULL);
	atomic_init(&f->fail, 0);
	atomic_init(&f->calls, 0);
	if ((d = directory_new(&dir_fake_ops, f, err, errlen)) != NULL)
		*fp = f;
	return d;
}

int
dir_fake_set(dir_fake_t *f, int by_target, const char *key, int status,
    const char *dn, const char *primary, const char *target)
{
	struct fake_row	*r, **pp;
	int		 ret = 0;

	pthread_mutex_lock(&f->lock);
	if (status == DIR_NOTFOUND) {
		for (pp = &f->rows; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->by_target == by_target &&
			    strcmp((*pp)->key, key) == 0) {
				r = *pp;
				*pp = r->next;
				dir_result_free(&r->res);
				free(r->key);
				free(r);
				break;
			}
		goto done;
	}
	if ((r = dir_fake_find(f, by_target, key)) == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL ||
		    (r->key = strdup(key)) == NULL) {
			free(r);
			ret = -1;
			goto done;
		}
		r->by_target = by_target;
		r->next = f->rows;
		f->rows = r;
	}
	if (status == DIR_TRYAGAIN)
		dir_result_free(&r->res);
	r->status = status;
	if (status == DIR_FOUND &&
	    dir_result_add(&r->res, dn, primary, target) == -1)
		ret = -1;
done:
	pthread_mutex_unlock(&f->lock);
	return ret;
}

void
dir_fake_pass_to(dir_fake_t *f, directory_t *inner)
{
	f->inner = inner;
}

void
dir_fake_fail(dir_fake_t *f, int on)
{
	atomic_store(&f->fail, on != 0);
}

unsigned
dir_fake_calls(dir_fake_t *f)
{
	return atomic_load(&f->calls);
}
