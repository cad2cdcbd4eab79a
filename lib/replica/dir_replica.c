/*
 * dir_replica.c - the replica as a back-end (see dir_replica.h): the
 * lookups, from the index once there is one and from the wrapped
 * directory until then, the start of the sync thread, what it tells
 * directory_stats(), and the hand-over from the replica of the
 * configuration a SIGHUP replaces.  The state it shares with the sync
 * thread is replica_state.c; the thread is replica_thread.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "dir_replica.h"
#include "metrics.h"
#include "replica_state.h"
#include "replica_thread.h"

/* The back-end's handle. */
struct dir_replica {
	directory_t	*inner;		/* answers until the first load */
	replica_state_t	*st;
};

static int	dir_replica_by_proxy(void *, const char *, dir_result_t *,
		    char *, size_t);
static int	dir_replica_by_target(void *, const char *, dir_result_t *,
		    char *, size_t);
static void	dir_replica_close(void *);
static int	dir_replica_ping(void *, char *, size_t);
static directory_t *dir_replica_inner(void *);
static int	dir_replica_start(void *, char *, size_t);
static void	dir_replica_stats(void *, dir_stats_t *);
static int	dir_replica_snapshot(void *, dir_snapshot_t *);

const dir_backend_ops_t dir_replica_ops = {
	.name = "replica",
	.by_proxy = dir_replica_by_proxy,
	.by_target = dir_replica_by_target,
	.close = dir_replica_close,
	.ping = dir_replica_ping,
	.inner = dir_replica_inner,
	.start = dir_replica_start,
	.stats = dir_replica_stats,
	.snapshot = dir_replica_snapshot,
};

/*
 * Returns 1 with a message in err when the copy is older than max_age
 * (its not-found answers are then try-again), else 0.
 */
static int
dir_replica_stale(struct dir_replica *dr, char *err, size_t errlen)
{
	const replica_settings_t	*set = replica_state_settings(dr->st);
	int64_t				 age;

	age = clock_ms() - replica_state_last_ok(dr->st);
	if (age <= (int64_t)set->max_age * 1000)
		return 0;
	snprintf(err, errlen, "replica: not found, but the last good sync "
	    "was %lld s ago, more than max_age (%d s)", (long long)(age / 1000),
	    set->max_age);
	return 1;
}

/*
 * One lookup: from the index when there is one (counted as a lookup that
 * reached a back-end; mailswitch_directory_up stays as the sync thread or
 * the last query to the server left it: memory says nothing about the
 * server), else from the wrapped directory.  Past max_age, a not-found is
 * a try-again.
 */
static int
dir_replica_lookup(struct dir_replica *dr, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	uint64_t			 start = clock_ns(), end;
	int				 rc;

	if (!replica_state_lookup(dr->st, by_target, key, res, err, errlen,
	    &rc))
		return by_target ?
		    directory_by_target(dr->inner, key, res, err, errlen) :
		    directory_by_proxy(dr->inner, key, res, err, errlen);
	if (rc == DIR_NOTFOUND && dir_replica_stale(dr, err, errlen))
		rc = DIR_TRYAGAIN;
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
	struct dir_replica	*dr = h;

	return directory_ping(dr->inner, err, errlen);
}

static directory_t *
dir_replica_inner(void *h)
{
	struct dir_replica	*dr = h;

	return dr->inner;
}

/* Starts the sync thread, unless it runs or the replica is stopping. */
static int
dir_replica_start(void *h, char *err, size_t errlen)
{
	struct dir_replica	*dr = h;

	return replica_state_start(dr->st, replica_thread_main, err, errlen);
}

/* The replica's part of directory_stats(). */
static void
dir_replica_stats(void *h, dir_stats_t *st)
{
	struct dir_replica	*dr = h;
	int64_t			 last = replica_state_last_ok(dr->st);

	st->replica = 1;
	st->replica_entries = replica_state_entries(dr->st);
	st->replica_age_ms = last == 0 ? -1 : clock_ms() - last;
}

/* The index lookups read now, and whether it is past max_age. */
static int
dir_replica_snapshot(void *h, dir_snapshot_t *snap)
{
	struct dir_replica	*dr = h;

	if ((snap->index = replica_state_hold(dr->st)) == NULL)
		return 0;
	snap->stale = dir_replica_stale(dr, snap->why, sizeof(snap->why));
	return 1;
}

/* Stops the thread first: it reads inner's servers. */
static void
dir_replica_close(void *h)
{
	struct dir_replica	*dr = h;

	if (dr == NULL)
		return;
	replica_state_free(dr->st);
	directory_close(dr->inner);
	free(dr);
}

directory_t *
dir_replica_wrap(directory_t *inner, ldap_conn_t *ldap,
    const config_directory_t *dc, directory_t *previous, char *err,
    size_t errlen)
{
	struct dir_replica	*dr, *p;

	if (inner == NULL)
		return NULL;
	if ((dr = calloc(1, sizeof(*dr))) == NULL) {
		snprintf(err, errlen, "replica: out of memory");
		directory_close(inner);
		return NULL;
	}
	dr->inner = inner;
	if ((dr->st = replica_state_new(dc, ldap, err, errlen)) == NULL) {
		dir_replica_close(dr);
		return NULL;
	}
	if ((p = directory_find(previous, &dir_replica_ops)) != NULL)
		replica_state_adopt(dr->st, p->st);
	return directory_new(&dir_replica_ops, dr, err, errlen);
}

int
dir_replica_wait(directory_t *d, double seconds)
{
	struct dir_replica	*dr = directory_find(d, &dir_replica_ops);
	char			 err[128];

	if (dr == NULL || dir_replica_start(dr, err, sizeof(err)) == -1)
		return -1;
	return replica_state_wait(dr->st, (int64_t)(seconds * 1000.0));
}
