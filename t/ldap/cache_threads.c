/*
 * cache_threads.c - many threads looking up through directory_by_proxy()
 * and directory_by_target() against a real slapd, through the ldap
 * back-end's pool, first with the cache (single flight: one query per
 * distinct key, however many threads ask) and then without (every lookup
 * reaches the server).  Every answer is checked.  Run by
 * t/ldap/cache-threads.sh, which starts the slapd with CACHE_T_USERS
 * generated contacts:
 *
 *	cn=User I,ou=contacts,dc=contoso,dc=com
 *	proxyAddresses: SMTP:userI@contoso.com, smtp:uI@contoso.com
 *	targetAddress: SMTP:userI@fourthcoffee.com
 *
 * and writes the configuration named by CACHE_T_CONF.  Built with
 * -DMAILSWITCH_TSAN=ON it is the pool's and the cache's race test.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "config.h"
#include "dir_cache.h"
#include "directory.h"
#include "tcheck.h"

#define ERRLEN		1024
#define NTHREADS	16
#define NMISSING	10	/* nobodyI@contoso.com: not found */
#define KINDS		3	/* primary, secondary proxy, target */

static int	 nusers;	/* from CACHE_T_USERS */

/*
 * Lookup number i of the key set: KINDS per user, then the missing ones.
 * Writes the key; returns the user it belongs to, or -1 for "not found".
 */
static int
key_of(int i, int *kind, char *key, size_t len)
{
	int	 u = i / KINDS;

	if (i >= nusers * KINDS) {
		*kind = CACHE_BY_PROXY;
		snprintf(key, len, "nobody%d@contoso.com", i - nusers * KINDS);
		return -1;
	}
	switch (i % KINDS) {
	case 0:
		*kind = CACHE_BY_PROXY;
		snprintf(key, len, "user%d@contoso.com", u);
		break;
	case 1:
		*kind = CACHE_BY_PROXY;
		snprintf(key, len, "u%d@contoso.com", u);
		break;
	default:
		*kind = CACHE_BY_TARGET;
		snprintf(key, len, "user%d@fourthcoffee.com", u);
		break;
	}
	return u;
}

struct run {
	directory_t		*d;
	pthread_barrier_t	*start;
	int			 lookups;
	unsigned		 seed;
	atomic_uchar		*seen;	/* one per key of the set */
	atomic_int		*bad;
	char			 first_bad[300];
};

static void *
run_main(void *arg)
{
	struct run	*r = arg;
	unsigned	 x = r->seed * 2654435761u + 3;
	int		 nkeys = nusers * KINDS + NMISSING;
	char		 key[128], dn[128], primary[128], target[128],
			 err[ERRLEN];

	pthread_barrier_wait(r->start);
	for (int n = 0; n < r->lookups; n++) {
		dir_result_t	 res;
		int		 i, kind, u, rc, ok;

		x = x * 1103515245u + 12345u;
		i = (int)((x >> 12) % (unsigned)nkeys);
		u = key_of(i, &kind, key, sizeof(key));
		atomic_store(&r->seen[i], 1);
		rc = kind == CACHE_BY_PROXY ?
		    directory_by_proxy(r->d, key, &res, err, sizeof(err)) :
		    directory_by_target(r->d, key, &res, err, sizeof(err));
		if (u < 0)
			ok = rc == DIR_NOTFOUND && res.count == 0;
		else {
			snprintf(dn, sizeof(dn),
			    "cn=User %d,ou=contacts,dc=contoso,dc=com", u);
			snprintf(primary, sizeof(primary), "user%d@contoso.com",
			    u);
			snprintf(target, sizeof(target),
			    "user%d@fourthcoffee.com", u);
			ok = rc == DIR_FOUND && res.count == 1 &&
			    strcasecmp(res.entries[0].dn, dn) == 0 &&
			    res.entries[0].primary != NULL &&
			    strcmp(res.entries[0].primary, primary) == 0 &&
			    res.entries[0].target != NULL &&
			    strcmp(res.entries[0].target, target) == 0;
		}
		if (!ok && atomic_fetch_add(r->bad, 1) == 0)
			snprintf(r->first_bad, sizeof(r->first_bad),
			    "%.100s: rc %d, %zu entries, err \"%.150s\"", key, rc,
			    res.count, err);
		dir_result_free(&res);
	}
	return NULL;
}

/*
 * Runs NTHREADS threads of `lookups` each on d; returns how many distinct
 * keys they asked for, and fails the test on any wrong answer.
 */
static int
run_threads(directory_t *d, int lookups)
{
	pthread_t		 th[NTHREADS];
	struct run		 r[NTHREADS];
	pthread_barrier_t	 start;
	atomic_uchar		*seen;
	atomic_int		 bad = 0;
	int			 nkeys = nusers * KINDS + NMISSING, distinct = 0;
	const char		*first = "";

	seen = calloc((size_t)nkeys, sizeof(*seen));
	ck_assert_ptr_nonnull(seen);
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].d = d;
		r[i].start = &start;
		r[i].lookups = lookups;
		r[i].seed = (unsigned)i + 1;
		r[i].seen = seen;
		r[i].bad = &bad;
		ck_assert_int_eq(pthread_create(&th[i], NULL, run_main, &r[i]),
		    0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		if (r[i].first_bad[0] != '\0' && first[0] == '\0')
			first = r[i].first_bad;
	}
	pthread_barrier_destroy(&start);
	ck_assert_msg(atomic_load(&bad) == 0, "%d wrong answers, first: %s",
	    atomic_load(&bad), first);
	for (int i = 0; i < nkeys; i++)
		distinct += atomic_load(&seen[i]);
	free(seen);
	return distinct;
}

/* Opens the directory of CACHE_T_CONF with the cache set to entries. */
static directory_t *
open_dir(long entries)
{
	const char	*path = getenv("CACHE_T_CONF");
	config_t	*cfg;
	directory_t	*d;
	char		 err[ERRLEN];

	ck_assert_msg(path != NULL, "CACHE_T_CONF is not set");
	cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	cfg->directory.cache.entries = entries;
	cfg->directory.cache.ttl = 300;
	cfg->directory.cache.negative_ttl = 300;
	d = directory_open(cfg, err, sizeof(err));
	ck_assert_msg(d != NULL, "directory_open: %s", err);
	config_free(cfg);
	ck_assert_str_eq(directory_backend_name(d), "ldap");
	return d;
}

/* Cached: one query per distinct key, the rest hits or joined flights. */
START_TEST(test_cached)
{
	struct cache_stats	 st;
	directory_t		*d = open_dir(100000);
	int			 distinct;

	distinct = run_threads(d, 2000);
	dir_cache_stats(d, &st);
	ck_assert_msg(st.fetches == (uint64_t)distinct,
	    "%d distinct keys, %llu queries to slapd", distinct,
	    (unsigned long long)st.fetches);
	ck_assert_msg(st.hits + st.misses == (uint64_t)NTHREADS * 2000,
	    "hits %llu + misses %llu", (unsigned long long)st.hits,
	    (unsigned long long)st.misses);
	printf("cached: %d threads x 2000 lookups, %d distinct keys: "
	    "%llu queries, %llu hits, %llu joined a flight\n", NTHREADS,
	    distinct, (unsigned long long)st.fetches,
	    (unsigned long long)st.hits, (unsigned long long)st.waits);
	directory_close(d);
}
END_TEST

/* No cache: every lookup goes through the pool to slapd. */
START_TEST(test_uncached)
{
	struct cache_stats	 st;
	directory_t		*d = open_dir(0);

	(void)run_threads(d, 150);
	dir_cache_stats(d, &st);
	ck_assert_msg(st.fetches == 0 && st.hits == 0,
	    "entries = 0 still made a cache");
	directory_close(d);
}
END_TEST

int
main(void)
{
	Suite		*s = suite_create("cache_threads");
	TCase		*tc = tcase_create("slapd");
	const char	*n = getenv("CACHE_T_USERS");

	signal(SIGPIPE, SIG_IGN);
	nusers = n != NULL ? atoi(n) : 0;
	if (nusers <= 0) {
		fprintf(stderr, "CACHE_T_USERS is not set\n");
		return 2;
	}
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_cached);
	tcase_add_test(tc, test_uncached);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}
