/*
 * replica_threads.c - the directory replica (lib/replica/dir_replica.h) under
 * NTHREADS threads of lookups while its sync thread applies changes and
 * swaps in full reloads.  Run by t/ldap/replica-threads.sh, which starts
 * a private slapd with REPLICA_T_USERS generated contacts
 * (t/ldap/gen-contacts.sh):
 *
 *	cn=User I,ou=contacts,dc=contoso,dc=com
 *	proxyAddresses: SMTP:userI@contoso.com, smtp:uI@contoso.com
 *	targetAddress: SMTP:userI@fourthcoffee.com
 *
 * writes the configuration REPLICA_T_CONF (the replica enabled, poll = 1,
 * refresh = 1: a full reload swapped in every second), and, once this
 * program has created the file REPLICA_T_READY, changes the directory in
 * a bounded loop with ldapmodify: it adds and deletes contacts
 * "cn=Churn K" (churnK@contoso.com -> churnK@fourthcoffee.com, K <
 * REPLICA_T_CHURN) and rewrites the description of User entries (a change
 * the replica applies, not one a lookup can see).
 *
 * The program opens the directory, waits (at most 20 s) for the
 * replica's first full load, then runs the threads for REPLICA_T_SECONDS
 * and longer, until a churn contact was seen found and the script has
 * created the file REPLICA_T_ENOUGH (it saw enough changes and full
 * reloads), at most MAX_SECONDS in all, and checks every answer: userI@contoso.com and uI@contoso.com
 * are one entry with that dn, primary and target; by target,
 * userI@fourthcoffee.com is the same entry; nobodyI@contoso.com is
 * DIR_NOTFOUND; churnK@contoso.com is DIR_NOTFOUND or that one contact;
 * never DIR_TRYAGAIN.  Built with -DMAILSWITCH_TSAN=ON it is the
 * replica's race test.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dir_replica.h"
#include "directory.h"
#include "tcheck.h"

#define ERRLEN		1024
#define NTHREADS	8
#define NMISSING	50	/* nobodyI@contoso.com: never in the directory */
#define MAX_SECONDS	30	/* the threads stop by then, whatever happens */

static int	 nusers;	/* REPLICA_T_USERS */
static int	 nchurn;	/* REPLICA_T_CHURN */
static int	 seconds;	/* REPLICA_T_SECONDS */

enum kind { K_PRIMARY, K_SECONDARY, K_TARGET, K_MISSING, K_CHURN, K_COUNT };

static const char *const kind_names[K_COUNT] = {
	"primary", "secondary", "target", "missing", "churn"
};

struct run {
	directory_t		*d;
	pthread_barrier_t	*start;
	atomic_int		*stop;		/* shared: set by the main thread */
	atomic_int		*churn_found;	/* shared: churn answers found */
	atomic_int		*bad;		/* shared: wrong answers */
	unsigned		 seed;
	long			 lookups[K_COUNT];
	long			 churn_notfound;
	char			 first_bad[400];
};

static int
after(const struct timespec *t)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	    (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* True when res is exactly the one entry cn=NAME with primary and target. */
static int
one_entry(const dir_result_t *res, const char *name, const char *primary,
    const char *target)
{
	char	 dn[128];

	snprintf(dn, sizeof(dn), "cn=%s,ou=contacts,dc=contoso,dc=com", name);
	return res->count == 1 && res->entries[0].dn != NULL &&
	    strcasecmp(res->entries[0].dn, dn) == 0 &&
	    res->entries[0].primary != NULL &&
	    strcmp(res->entries[0].primary, primary) == 0 &&
	    res->entries[0].target != NULL &&
	    strcmp(res->entries[0].target, target) == 0;
}

/* One lookup of kind k, number n; checks the answer.  Returns 1 when right. */
static int
lookup_one(struct run *r, enum kind k, int n, char *what, size_t whatlen)
{
	dir_result_t	 res;
	char		 key[128], name[64], primary[128], target[128],
			 err[ERRLEN];
	int		 rc, ok;

	memset(&res, 0, sizeof(res));
	err[0] = '\0';
	switch (k) {
	case K_PRIMARY:
		snprintf(key, sizeof(key), "user%d@contoso.com", n);
		break;
	case K_SECONDARY:
		snprintf(key, sizeof(key), "u%d@contoso.com", n);
		break;
	case K_TARGET:
		snprintf(key, sizeof(key), "user%d@fourthcoffee.com", n);
		break;
	case K_MISSING:
		snprintf(key, sizeof(key), "nobody%d@contoso.com", n);
		break;
	default:
		snprintf(key, sizeof(key), "churn%d@contoso.com", n);
		break;
	}
	rc = k == K_TARGET ?
	    directory_by_target(r->d, key, &res, err, sizeof(err)) :
	    directory_by_proxy(r->d, key, &res, err, sizeof(err));
	switch (k) {
	case K_MISSING:
		ok = rc == DIR_NOTFOUND && res.count == 0;
		break;
	case K_CHURN:
		snprintf(name, sizeof(name), "Churn %d", n);
		snprintf(primary, sizeof(primary), "churn%d@contoso.com", n);
		snprintf(target, sizeof(target), "churn%d@fourthcoffee.com", n);
		if (rc == DIR_NOTFOUND) {
			ok = res.count == 0;
			r->churn_notfound++;
		} else {
			ok = rc == DIR_FOUND &&
			    one_entry(&res, name, primary, target);
			if (ok)
				atomic_fetch_add(r->churn_found, 1);
		}
		break;
	default:
		snprintf(name, sizeof(name), "User %d", n);
		snprintf(primary, sizeof(primary), "user%d@contoso.com", n);
		snprintf(target, sizeof(target), "user%d@fourthcoffee.com", n);
		ok = rc == DIR_FOUND && one_entry(&res, name, primary, target);
		break;
	}
	if (!ok)
		snprintf(what, whatlen, "%s %.100s: rc %d, %zu entries%s%.100s, "
		    "err \"%.150s\"", kind_names[k], key, rc, res.count,
		    res.count > 0 ? ", first " : "",
		    res.count > 0 && res.entries[0].dn != NULL ?
		    res.entries[0].dn : "", err);
	dir_result_free(&res);
	return ok;
}

static void *
run_main(void *arg)
{
	struct run	*r = arg;
	unsigned	 x = r->seed * 2654435761u + 7;
	char		 what[400];

	pthread_barrier_wait(r->start);
	while (!atomic_load_explicit(r->stop, memory_order_relaxed)) {
		enum kind	 k;
		int		 n;

		x = x * 1103515245u + 12345u;
		k = (enum kind)((x >> 8) % K_COUNT);
		x = x * 1103515245u + 12345u;
		n = (int)((x >> 8) % (unsigned)(k == K_MISSING ? NMISSING :
		    k == K_CHURN ? nchurn : nusers));
		r->lookups[k]++;
		if (!lookup_one(r, k, n, what, sizeof(what)) &&
		    atomic_fetch_add(r->bad, 1) == 0)
			snprintf(r->first_bad, sizeof(r->first_bad), "%s", what);
	}
	return NULL;
}

static int
env_int(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL ? atoi(v) : 0;
}

START_TEST(test_lookups_while_syncing)
{
	const char		*path = getenv("REPLICA_T_CONF");
	const char		*ready = getenv("REPLICA_T_READY");
	const char		*enough = getenv("REPLICA_T_ENOUGH");
	pthread_t		 th[NTHREADS];
	struct run		 r[NTHREADS];
	pthread_barrier_t	 start;
	struct timespec		 t0, until, limit, t1;
	atomic_int		 bad = 0, churn_found = 0, stop = 0;
	struct timespec		 nap = { 0, 50 * 1000 * 1000 };
	long			 total[K_COUNT] = { 0 }, all = 0, notfound = 0;
	const char		*first = "";
	char			 err[ERRLEN];
	config_t		*cfg;
	directory_t		*d;
	FILE			*fp;
	double			 took;

	ck_assert_msg(path != NULL && ready != NULL && enough != NULL,
	    "REPLICA_T_CONF, REPLICA_T_READY or REPLICA_T_ENOUGH is not set");
	cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	d = directory_open(cfg, err, sizeof(err));
	ck_assert_msg(d != NULL, "directory_open: %s", err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(dir_replica_wait(d, 20) == 0,
	    "the replica's first full load was not done within 20 s");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("replica loaded (%d users) in %.3f s\n", nusers,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);

	/* the script starts changing the directory now */
	fp = fopen(ready, "w");
	ck_assert_msg(fp != NULL, "cannot create %s", ready);
	fclose(fp);

	until = t1;
	until.tv_sec += seconds;
	limit = t1;
	limit.tv_sec += MAX_SECONDS;
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].d = d;
		r[i].start = &start;
		r[i].stop = &stop;
		r[i].churn_found = &churn_found;
		r[i].bad = &bad;
		r[i].seed = (unsigned)i + 1;
		ck_assert_int_eq(pthread_create(&th[i], NULL, run_main, &r[i]),
		    0);
	}
	/*
	 * At least REPLICA_T_SECONDS, then until a churn contact was found
	 * and the script says it saw enough (changes and full reloads), at
	 * most MAX_SECONDS: a slow machine (or TSan) gets the time it needs.
	 */
	while (!after(&limit) && !(after(&until) &&
	    atomic_load(&churn_found) > 0 && access(enough, F_OK) == 0))
		nanosleep(&nap, NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		if (r[i].first_bad[0] != '\0' && first[0] == '\0')
			first = r[i].first_bad;
		for (int k = 0; k < K_COUNT; k++) {
			total[k] += r[i].lookups[k];
			all += r[i].lookups[k];
		}
		notfound += r[i].churn_notfound;
	}
	pthread_barrier_destroy(&start);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%d threads, %.1f s: %ld lookups (primary %ld, secondary %ld, "
	    "target %ld, missing %ld, churn %ld: %d found, %ld not found), "
	    "%d wrong\n", NTHREADS, took, all, total[K_PRIMARY],
	    total[K_SECONDARY], total[K_TARGET], total[K_MISSING],
	    total[K_CHURN], atomic_load(&churn_found), notfound,
	    atomic_load(&bad));
	fflush(stdout);
	ck_assert_msg(atomic_load(&bad) == 0, "%d wrong answers, first: %s",
	    atomic_load(&bad), first);
	ck_assert_msg(all >= 1000, "only %ld lookups", all);
	ck_assert_msg(atomic_load(&churn_found) > 0,
	    "no contact added during the run was ever found (%ld not found)",
	    notfound);
	ck_assert_msg(notfound > 0, "every churn lookup was found");
	directory_close(d);
	config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("replica_threads");
	TCase	*tc = tcase_create("slapd");

	signal(SIGPIPE, SIG_IGN);
	nusers = env_int("REPLICA_T_USERS");
	nchurn = env_int("REPLICA_T_CHURN");
	seconds = env_int("REPLICA_T_SECONDS");
	if (nusers <= 0 || nchurn <= 0 || seconds <= 0 ||
	    seconds > MAX_SECONDS) {
		fprintf(stderr, "REPLICA_T_USERS, REPLICA_T_CHURN or "
		    "REPLICA_T_SECONDS (1..%d) is not set\n", MAX_SECONDS);
		return 2;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_lookups_while_syncing);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}
