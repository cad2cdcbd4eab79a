/*
 * load_rtt.c - load_gen's rtt mode: round trips of Postfix socketmap
 * lookups on ONE persistent connection (contrib/bench/modes-bench.sh,
 * replica-bench.sh), through the tools' one socketmap client, smap_conn.c.
 *
 * First a warm-up pass, "MAP KEY" for each of the KEYS keys (PATTERN with
 * %d = 0 .. KEYS-1, default user%d@contoso.com, map "virtual", KEYS 1000),
 * which fills mailswitch's cache; then LOOKUPS (default 100000) sequential
 * requests cycling over the same keys (all cache hits), each timed from
 * the write of the request to the end of the reply.  Every reply must be
 * "OK ..." (else exit 1).  Prints the mean, median, p99 and max round trip
 * in microseconds, and the lookups per second; on loopback the round trip
 * is an upper bound of the server's time per lookup.  The server is a TCP
 * address (IPV4:PORT, TCP_NODELAY) or a unix socket (unix:PATH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_gen.h"
#include "smap_conn.h"

#define RTT_IO_MS	10000	/* each read and write */

static smap_conn_t	*conn;
static double		*rtt_us;		/* a round trip per lookup */
static long		 done;
static bool		 bad;

/* One lookup of key i; true when the reply is "OK ...". */
static bool
rtt_lookup(long i)
{
	char	 req[600], key[256], got[4200];

	load_fmt_key(key, sizeof(key), load.pattern, i);
	snprintf(req, sizeof(req), "%s %s", load.map, key);
	if (smap_conn_ask(conn, req, got, sizeof(got), RTT_IO_MS) &&
	    strncmp(got, "OK ", 3) == 0)
		return true;
	fprintf(stderr, "load_gen rtt: %s: not OK: %s\n", req, got);
	return false;
}

/* The connection and the warm-up pass; one session. */
static int
rtt_prepare(void)
{
	load.sessions = 1;
	if ((rtt_us = calloc((size_t)load.count, sizeof(*rtt_us))) == NULL)
		return 2;
	if ((conn = smap_conn_open(load.addr)) == NULL) {
		perror("load_gen rtt: connect");
		return 2;
	}
	for (long i = 0; i < load.keys; i++)
		if (!rtt_lookup(i)) {
			fprintf(stderr, "load_gen rtt: the warm-up failed\n");
			return 1;
		}
	return 0;
}

/* Lookup k, timed. */
static bool
rtt_item(long k)
{
	double	 t0 = load_now();

	if (!rtt_lookup(k % load.keys)) {
		bad = true;
		return false;
	}
	rtt_us[k] = (load_now() - t0) * 1e6;
	done++;
	return true;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
rtt_report(double seconds)
{
	long	 n = load.count;
	double	 sum = 0;

	smap_conn_close(conn);
	if (bad || done != n) {
		free(rtt_us);
		return 1;
	}
	for (long i = 0; i < n; i++)
		sum += rtt_us[i];
	qsort(rtt_us, (size_t)n, sizeof(*rtt_us), cmp_double);
	printf("%ld lookups (%s, %ld keys, warm): mean %.1f us, median %.1f "
	    "us, p99 %.1f us, max %.0f us; %.0f lookups/s\n", n, load.map,
	    load.keys, sum / (double)n, rtt_us[n / 2],
	    rtt_us[(long)((double)n * 0.99)], rtt_us[n - 1],
	    (double)n / seconds);
	free(rtt_us);
	return 0;
}

const struct load_mode	 load_mode_rtt = {
	.name = "rtt",
	.optstring = "n:k:p:m:",
	.usage = "[-n LOOKUPS] [-k KEYS] [-p PATTERN] [-m MAP] "
	    "IPV4:PORT|unix:PATH",
	.prepare = rtt_prepare,
	.item = rtt_item,
	.report = rtt_report,
};
