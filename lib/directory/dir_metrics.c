/*
 * dir_metrics.c - see dir_metrics.h.  The handle is the inner directory
 * itself.
 */
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "dir_metrics.h"
#include "metrics.h"

/*
 * Counts the outcome and the time of one lookup, and says whether the
 * back-end answered (mailswitch_directory_up); returns rc.
 */
static int
dir_metrics_count(int rc, uint64_t start)
{
	uint64_t	 end = clock_ns();

	metrics_lookup(rc == DIR_FOUND || rc == DIR_NOTFOUND ? rc :
	    DIR_TRYAGAIN, end > start ? end - start : 0);
	metrics_directory_up(rc == DIR_FOUND || rc == DIR_NOTFOUND);
	return rc;
}

static int
dir_metrics_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	uint64_t	 start = clock_ns();

	return dir_metrics_count(directory_by_proxy(h, key, res, err, errlen),
	    start);
}

static int
dir_metrics_by_target(void *h, const char *key, dir_result_t *res,
    char *err, size_t errlen)
{
	uint64_t	 start = clock_ns();

	return dir_metrics_count(directory_by_target(h, key, res, err, errlen),
	    start);
}

static int
dir_metrics_ping(void *h, char *err, size_t errlen)
{
	int	 rc = directory_ping(h, err, errlen);

	metrics_directory_up(rc == 0);
	return rc;
}

static directory_t *
dir_metrics_inner(void *h)
{
	return h;
}

static void
dir_metrics_close(void *h)
{
	directory_close(h);
}

static const dir_backend_ops_t dir_metrics_ops = {
	.name = "metrics",
	.by_proxy = dir_metrics_by_proxy,
	.by_target = dir_metrics_by_target,
	.close = dir_metrics_close,
	.ping = dir_metrics_ping,
	.inner = dir_metrics_inner,
};

directory_t *
dir_metrics_wrap(directory_t *inner, char *err, size_t errlen)
{
	if (inner == NULL)		/* its open failed and said why in err */
		return NULL;
	return directory_new(&dir_metrics_ops, inner, err, errlen);
}
