/*
 * cache_bench.c - how fast and how big the directory cache is.  Not a test:
 * it prints figures and checks nothing but the answers' outcomes.
 *
 *	cache_bench [-n ENTRIES] [-t THREADS] [-l LOOKUPS]
 *	cache_bench -c CONFIG [-N KEYS] [-p PATTERN] [-t THREADS] [-l LOOKUPS]
 *
 * Without -c, against an instant in-memory back-end (one entry per key,
 * with AD-sized strings), in a cache bounded at 1.25 x ENTRIES: the memory
 * for ENTRIES (default 100000) cached answers (RSS from /proc/self/statm, and malloc's own count from
 * mallinfo2), then lookups per second through a warm cache (all hits) with
 * 1 and THREADS threads, through a cold one (all misses), and with no cache.
 *
 * With -c, through directory_by_proxy() of the back-end that CONFIG names,
 * cache as configured: a cold pass (the KEYS addresses once each, split over
 * THREADS threads), then a warm pass (LOOKUPS random ones per thread).  The
 * addresses are PATTERN with %d = 0 .. KEYS-1 (default user%d@contoso.com).
 * contrib/bench/ldap-bench.sh runs it against a private slapd.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "config.h"
#include "dir_cache.h"
#include "directory.h"

#define ERRLEN	1024

static size_t		 nkeys = 100000;
static int		 nthreads = 8;
static long		 nlookups = 1000000;
static const char	*pattern = "user%d@contoso.com";
static char		**keys;

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident set size in bytes, from /proc/self/statm. */
static long
rss_bytes(void)
{
	FILE	*f = fopen("/proc/self/statm", "r");
	long	 size, rss = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

/* Bytes handed out by malloc and not freed. */
static size_t
heap_bytes(void)
{
	return mallinfo2().uordblks;
}

/* The instant back-end: one contact per key, found. */
static int
fake_fetch(void *arg, int kind, const char *key, dir_result_t *res,
    char *err, size_t errlen)
{
	char	 dn[256], target[256];

	(void)arg;
	(void)kind;
	snprintf(dn, sizeof(dn), "CN=%.40s,OU=Contacts,OU=Sales,DC=contoso,"
	    "DC=com", key);
	snprintf(target, sizeof(target), "%.40s.ext@fabrikam.example", key);
	if (dir_result_add(res, dn, key, target) == -1) {
		snprintf(err, errlen, "out of memory");
		return DIR_TRYAGAIN;
	}
	return DIR_FOUND;
}

struct worker {
	pthread_t		 th;
	pthread_barrier_t	*start;
	cache_t			*cache;		/* synthetic runs */
	directory_t		*dir;		/* -c runs */
	size_t			 first, step;	/* keys first, first+step, ... */
	long			 random;	/* or this many random keys */
	unsigned		 seed;
	long			 done, found, notfound, tryagain;
};

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	unsigned	 x = w->seed * 2654435761u + 7;
	char		 err[ERRLEN];
	size_t		 k = w->first;

	pthread_barrier_wait(w->start);
	for (;;) {
		dir_result_t	 res;
		int		 rc;

		if (w->random > 0) {
			if (w->done == w->random)
				break;
			x = x * 1103515245u + 12345u;
			k = ((size_t)x << 15 ^ x >> 16) % nkeys;
		} else if (k >= nkeys)
			break;
		if (w->dir != NULL)
			rc = directory_by_proxy(w->dir, keys[k], &res, err,
			    sizeof(err));
		else
			rc = cache_lookup(w->cache, CACHE_BY_PROXY, keys[k],
			    fake_fetch, NULL, &res, err, sizeof(err));
		if (rc == DIR_FOUND)
			w->found++;
		else if (rc == DIR_NOTFOUND)
			w->notfound++;
		else
			w->tryagain++;
		dir_result_free(&res);
		w->done++;
		if (w->random == 0)
			k += w->step;
	}
	return NULL;
}

/*
 * Runs n threads: each makes `random` random lookups, or (random 0) they
 * share the keys once each.  Prints the rate and returns 0, or -1.
 */
static int
run(const char *label, int n, cache_t *c, directory_t *d, long random)
{
	struct worker		*w;
	pthread_barrier_t	 start;
	long			 done = 0, found = 0, notfound = 0, tryagain = 0;
	double			 t0, t;

	if ((w = calloc(n, sizeof(*w))) == NULL)
		return -1;
	pthread_barrier_init(&start, NULL, n + 1);
	for (int i = 0; i < n; i++) {
		w[i].start = &start;
		w[i].cache = c;
		w[i].dir = d;
		w[i].first = i;
		w[i].step = n;
		w[i].random = random;
		w[i].seed = i + 1;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&start);
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		done += w[i].done;
		found += w[i].found;
		notfound += w[i].notfound;
		tryagain += w[i].tryagain;
	}
	t = now_s() - t0;
	pthread_barrier_destroy(&start);
	printf("%-34s %2d thread%s %9ld lookups %8.3f s %12.0f lookups/s"
	    "  (found %ld, not found %ld, try again %ld)\n", label, n,
	    n == 1 ? " " : "s", done, t, done / t, found, notfound, tryagain);
	free(w);
	return 0;
}

static int
make_keys(void)
{
	char	 buf[512];

	if ((keys = calloc(nkeys, sizeof(*keys))) == NULL)
		return -1;
	for (size_t i = 0; i < nkeys; i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(buf, sizeof(buf), pattern, (int)i);
#pragma GCC diagnostic pop
		if ((keys[i] = strdup(buf)) == NULL)
			return -1;
	}
	return 0;
}

static void
print_stats(const char *label, const struct cache_stats *st)
{
	printf("%-34s hits %llu, misses %llu (joined %llu), fetches %llu, "
	    "evictions %llu, expired %llu, entries %zu\n", label,
	    (unsigned long long)st->hits, (unsigned long long)st->misses,
	    (unsigned long long)st->waits, (unsigned long long)st->fetches,
	    (unsigned long long)st->evictions,
	    (unsigned long long)st->expired, st->entries);
}

/* Without -c: memory and speed of the cache itself. */
static int
synthetic(void)
{
	struct cache_stats	 st;
	cache_t			*c;
	char			 err[ERRLEN];
	long			 rss0, rss1;
	size_t			 heap0, heap1;

	if (make_keys() == -1)
		return -1;
	rss0 = rss_bytes();
	heap0 = heap_bytes();
	/*
	 * The bound is split evenly over the shards and the keys are not,
	 * so a cache of exactly nkeys would keep ~99% of them: give it room,
	 * so that the warm runs are all hits.
	 */
	if ((c = cache_create(nkeys + nkeys / 4, 300, 60, NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "cache_create: %s\n", err);
		return -1;
	}
	run("fill (cold, instant back-end)", 1, c, NULL, 0);
	rss1 = rss_bytes();
	heap1 = heap_bytes();
	cache_stats(c, &st);
	print_stats("after the fill:", &st);
	printf("memory for %zu cached answers: RSS +%.1f MiB (%.0f B/entry), "
	    "heap +%.1f MiB (%.0f B/entry)\n", st.entries,
	    (rss1 - rss0) / 1048576.0, (double)(rss1 - rss0) / st.entries,
	    (heap1 - heap0) / 1048576.0, (double)(heap1 - heap0) / st.entries);
	run("warm (all hits)", 1, c, NULL, nlookups);
	run("warm (all hits)", nthreads, c, NULL, nlookups);
	cache_stats(c, &st);
	print_stats("after the warm runs:", &st);
	cache_destroy(c);

	if ((c = cache_create(nkeys + nkeys / 4, 300, 60, NULL, err,
	    sizeof(err))) == NULL)
		return -1;
	run("cold (all misses, instant back-end)", nthreads, c, NULL, 0);
	cache_destroy(c);
	run("no cache (instant back-end)", 1, NULL, NULL, nlookups);
	run("no cache (instant back-end)", nthreads, NULL, NULL, nlookups);
	return 0;
}

/* With -c: through the configured back-end, cold then warm. */
static int
configured(const char *path)
{
	struct cache_stats	 st;
	config_t		*cfg;
	directory_t		*d;
	char			 err[ERRLEN];

	signal(SIGPIPE, SIG_IGN);
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if ((d = directory_open(cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		config_free(cfg);
		return -1;
	}
	printf("back-end %s, cache entries %ld ttl %d negative_ttl %d, "
	    "%zu keys like %s\n", directory_backend_name(d),
	    cfg->directory.cache.entries, cfg->directory.cache.ttl,
	    cfg->directory.cache.negative_ttl, nkeys, keys[0]);
	run("cold (each key once)", nthreads, NULL, d, 0);
	dir_cache_stats(d, &st);
	print_stats("after the cold pass:", &st);
	run("warm (random keys)", 1, NULL, d, nlookups);
	run("warm (random keys)", nthreads, NULL, d, nlookups);
	dir_cache_stats(d, &st);
	print_stats("after the warm passes:", &st);
	directory_close(d);
	config_free(cfg);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: cache_bench [-n ENTRIES] [-t THREADS] "
	    "[-l LOOKUPS]\n"
	    "       cache_bench -c CONFIG [-N KEYS] [-p PATTERN] "
	    "[-t THREADS] [-l LOOKUPS]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	const char	*conf = NULL;
	int		 ch;

	while ((ch = getopt(argc, argv, "c:l:n:N:p:t:")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'l':
			nlookups = atol(optarg);
			break;
		case 'n':
		case 'N':
			nkeys = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			pattern = optarg;
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nkeys == 0 || nthreads < 1 || nlookups < 1 ||
	    strstr(pattern, "%d") == NULL ||
	    strchr(strchr(pattern, '%') + 1, '%') != NULL ||
	    strchr(pattern, '%') != strstr(pattern, "%d"))
		usage();
	if (conf != NULL) {
		if (make_keys() == -1) {
			fprintf(stderr, "out of memory\n");
			return 1;
		}
		return configured(conf) == 0 ? 0 : 1;
	}
	return synthetic() == 0 ? 0 : 1;
}
