/*
 * check_cache.c - the directory cache: scenarios on an injected clock with
 * a counting fake back-end (ttl, negative_ttl, try-again, the bound and
 * LRU eviction, pass-through, kinds, deep copies), then threads: single
 * flight for cold and expired keys, consistent answers, and eviction under
 * contention (run it built with -DMAILSWITCH_TSAN=ON for the data races);
 * and the cache as a wrapper (dir_cache.h) around a back-end that fails on
 * demand (dir_fake.h), and serve-stale (directory.cache.stale_ttl) through
 * it and with threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "config.h"
#include "dir_cache.h"
#include "dir_fake.h"
#include "directory.h"
#include "tcheck.h"

#define ERRLEN	256
#define NKEYS	64

enum { P = CACHE_BY_PROXY, T = CACHE_BY_TARGET };
enum { F = DIR_FOUND, N = DIR_NOTFOUND, A = DIR_TRYAGAIN };

/* The injected clock, in milliseconds. */
static _Atomic int64_t	test_now;

static int64_t
test_clock(void)
{
	return atomic_load(&test_now);
}

/*
 * The fake back-end.  A key's first letter says what it answers: 'f'
 * found, 'n' not found, 't' try again ("down: KEY"), 'e' found with no
 * entries, 'x' an unknown status and no message.  The digits after it
 * pick a counter.  A found entry's dn names the kind and the key.
 */
struct fake {
	atomic_uint	 calls;
	atomic_uint	 per[NKEYS];
	long		 sleep_ns;
	atomic_int	 down;		/* every key: try again ("down: KEY") */
};

static int
fake_fetch(void *arg, int kind, const char *key, dir_result_t *res,
    char *err, size_t errlen)
{
	struct fake	*f = arg;
	char		 dn[300], target[300];

	atomic_fetch_add(&f->calls, 1);
	atomic_fetch_add(&f->per[atoi(key + 1) % NKEYS], 1);
	if (f->sleep_ns > 0) {
		struct timespec	 ts = { 0, f->sleep_ns };

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&f->down)) {
		snprintf(err, errlen, "down: %s", key);
		return DIR_TRYAGAIN;
	}
	switch (key[0]) {
	case 'f':
		snprintf(dn, sizeof(dn), "cn=%s,kind=%d", key, kind);
		snprintf(target, sizeof(target), "t-%s", key);
		if (dir_result_add(res, dn, key, target) == -1) {
			snprintf(err, errlen, "fake: out of memory");
			return DIR_TRYAGAIN;
		}
		return DIR_FOUND;
	case 'e':
		return DIR_FOUND;
	case 't':
		snprintf(err, errlen, "down: %s", key);
		return DIR_TRYAGAIN;
	case 'x':
		return 42;
	default:
		return DIR_NOTFOUND;
	}
}

/* Checks one answer against what the fake gives for kind + key. */
static void
check_answer(const char *what, int kind, const char *key, int rc,
    const dir_result_t *res, const char *err, int want)
{
	char	 dn[300], msg[300];

	ck_assert_msg(rc == want, "%s: %d %s: got rc %d, want %d", what, kind,
	    key, rc, want);
	if (rc != DIR_FOUND) {
		ck_assert_msg(res->count == 0 && res->entries == NULL,
		    "%s: %s: rc %d with %zu entries", what, key, rc,
		    res->count);
		if (rc == DIR_TRYAGAIN && key[0] == 't')
			snprintf(msg, sizeof(msg), "down: %s", key);
		else if (rc == DIR_TRYAGAIN)
			snprintf(msg, sizeof(msg), "directory: lookup failed");
		else
			msg[0] = '\0';
		ck_assert_msg(strcmp(err, msg) == 0,
		    "%s: %s: got err \"%s\", want \"%s\"", what, key, err, msg);
		return;
	}
	snprintf(dn, sizeof(dn), "cn=%s,kind=%d", key, kind);
	ck_assert_msg(res->count == 1 && strcmp(res->entries[0].dn, dn) == 0 &&
	    strcmp(res->entries[0].primary, key) == 0 &&
	    strncmp(res->entries[0].target, "t-", 2) == 0 &&
	    strcmp(res->entries[0].target + 2, key) == 0 && err[0] == '\0',
	    "%s: %d %s: got %zu entries, dn \"%s\", want dn \"%s\"", what,
	    kind, key, res->count, res->count ? res->entries[0].dn : "", dn);
}

/* One lookup at a time on the clock, and the back-end calls made so far. */
struct step {
	int64_t		 at;		/* ms */
	int		 kind;
	const char	*key;
	int		 rc;
	unsigned	 fetches;	/* back-end calls after this step */
};

static const struct scenario {
	const char	*name;
	size_t		 entries;
	int		 ttl, negative_ttl;
	struct step	 steps[12];
} scenarios[] = {
	{ "hit within ttl", 10, 10, 5, {
		{ 0, P, "f1", F, 1 }, { 1, P, "f1", F, 1 },
		{ 9999, P, "f1", F, 1 } } },
	{ "expiry after ttl", 10, 10, 5, {
		{ 0, P, "f1", F, 1 }, { 10000, P, "f1", F, 2 },
		{ 10001, P, "f1", F, 2 }, { 19999, P, "f1", F, 2 },
		{ 20000, P, "f1", F, 3 } } },
	{ "negative_ttl for not found", 10, 10, 5, {
		{ 0, P, "n1", N, 1 }, { 4999, P, "n1", N, 1 },
		{ 5000, P, "n1", N, 2 }, { 5000, P, "f1", F, 3 },
		{ 9999, P, "f1", F, 3 }, { 9999, P, "n1", N, 3 } } },
	{ "try again never cached", 10, 10, 5, {
		{ 0, P, "t1", A, 1 }, { 0, P, "t1", A, 2 },
		{ 1, P, "t1", A, 3 }, { 1, T, "t1", A, 4 } } },
	{ "unknown status is try again, not cached", 10, 10, 5, {
		{ 0, P, "x1", A, 1 }, { 0, P, "x1", A, 2 } } },
	{ "found without entries is not found", 10, 10, 5, {
		{ 0, P, "e1", N, 1 }, { 4999, P, "e1", N, 1 },
		{ 5000, P, "e1", N, 2 } } },
	{ "eviction of the least recently used at 4", 4, 100, 100, {
		{ 0, P, "f1", F, 1 }, { 1, P, "f2", F, 2 },
		{ 2, P, "f3", F, 3 }, { 3, P, "f4", F, 4 },
		{ 4, P, "f1", F, 4 },		/* f2 is now the oldest */
		{ 5, P, "f5", F, 5 },		/* evicts f2 */
		{ 6, P, "f1", F, 5 }, { 7, P, "f3", F, 5 },
		{ 8, P, "f4", F, 5 }, { 9, P, "f5", F, 5 },
		{ 10, P, "f2", F, 6 },		/* back, evicts f1 */
		{ 11, P, "f1", F, 7 } } },
	{ "not found counts against the bound", 2, 100, 100, {
		{ 0, P, "n1", N, 1 }, { 1, P, "n2", N, 2 },
		{ 2, P, "n3", N, 3 }, { 3, P, "n2", N, 3 },
		{ 4, P, "n1", N, 4 } } },
	{ "bound of 1", 1, 100, 100, {
		{ 0, P, "f1", F, 1 }, { 1, P, "f1", F, 1 },
		{ 2, P, "f2", F, 2 }, { 3, P, "f1", F, 3 } } },
	{ "ttl 0: found not kept", 10, 0, 5, {
		{ 0, P, "f1", F, 1 }, { 0, P, "f1", F, 2 },
		{ 0, P, "n1", N, 3 }, { 1, P, "n1", N, 3 } } },
	{ "negative_ttl 0: not found not kept", 10, 10, 0, {
		{ 0, P, "n1", N, 1 }, { 0, P, "n1", N, 2 },
		{ 0, P, "f1", F, 3 }, { 1, P, "f1", F, 3 } } },
	{ "entries 0: pass-through", 0, 10, 5, {
		{ 0, P, "f1", F, 1 }, { 0, P, "f1", F, 2 },
		{ 0, P, "n1", N, 3 }, { 0, P, "n1", N, 4 },
		{ 0, P, "t1", A, 5 } } },
	{ "proxy and target do not collide", 10, 10, 5, {
		{ 0, P, "f1", F, 1 }, { 0, T, "f1", F, 2 },
		{ 1, P, "f1", F, 2 }, { 1, T, "f1", F, 2 },
		{ 2, T, "n1", N, 3 }, { 2, P, "n1", N, 4 } } },
	{ "keys differ by one letter", 10, 10, 5, {
		{ 0, P, "f1", F, 1 }, { 0, P, "f10", F, 2 },
		{ 0, P, "f1", F, 2 }, { 0, P, "f10", F, 2 } } },
	{ "a key expires by itself", 10, 10, 5, {
		{ 0, P, "f1", F, 1 }, { 5000, P, "f2", F, 2 },
		{ 10000, P, "f2", F, 2 }, { 10000, P, "f1", F, 3 },
		{ 15000, P, "f2", F, 4 } } },
};

START_TEST(test_scenario)
{
	const struct scenario	*sc = &scenarios[_i];
	struct fake		 f;
	struct cache_stats	 st;
	cache_t			*c;
	char			 err[ERRLEN], what[300];

	memset(&f, 0, sizeof(f));
	atomic_store(&test_now, 1000000);
	c = cache_create(sc->entries, sc->ttl, sc->negative_ttl, test_clock,
	    err, sizeof(err));
	ck_assert_msg(c != NULL, "%s: cache_create: %s", sc->name, err);
	for (size_t i = 0; i < NELEM(sc->steps) && sc->steps[i].key; i++) {
		const struct step	*s = &sc->steps[i];
		dir_result_t		 res;
		int			 rc;

		atomic_store(&test_now, 1000000 + s->at);
		memset(&res, 0xa5, sizeof(res));	/* need not be set */
		rc = cache_lookup(c, s->kind, s->key, fake_fetch, &f, &res,
		    err, sizeof(err));
		snprintf(what, sizeof(what), "%s, step %zu (at %lld)",
		    sc->name, i + 1, (long long)s->at);
		check_answer(what, s->kind, s->key, rc, &res, err, s->rc);
		ck_assert_msg(atomic_load(&f.calls) == s->fetches,
		    "%s: %s: got %u back-end calls, want %u", what, s->key,
		    atomic_load(&f.calls), s->fetches);
		dir_result_free(&res);
	}
	cache_stats(c, &st);
	ck_assert_msg(st.fetches == atomic_load(&f.calls),
	    "%s: stats say %llu fetches, the back-end saw %u", sc->name,
	    (unsigned long long)st.fetches, atomic_load(&f.calls));
	ck_assert_msg(st.entries <= sc->entries, "%s: %zu entries > bound %zu",
	    sc->name, st.entries, sc->entries);
	cache_destroy(c);
}
END_TEST

/* The caller's result is its own: freeing or scribbling on it is harmless. */
START_TEST(test_deep_copy)
{
	struct fake	 f;
	cache_t		*c;
	dir_result_t	 r1, r2, r3;
	char		 err[ERRLEN];

	memset(&f, 0, sizeof(f));
	c = cache_create(10, 10, 10, test_clock, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(cache_lookup(c, P, "f1", fake_fetch, &f, &r1, err,
	    sizeof(err)), F);
	ck_assert_int_eq(cache_lookup(c, P, "f1", fake_fetch, &f, &r2, err,
	    sizeof(err)), F);
	ck_assert_msg(r1.entries != r2.entries &&
	    r1.entries[0].dn != r2.entries[0].dn &&
	    r1.entries[0].target != r2.entries[0].target,
	    "two lookups share memory");
	r1.entries[0].dn[0] = 'X';
	r1.entries[0].target[0] = 'X';
	dir_result_free(&r1);
	dir_result_free(&r2);
	ck_assert_int_eq(cache_lookup(c, P, "f1", fake_fetch, &f, &r3, err,
	    sizeof(err)), F);
	check_answer("after free", P, "f1", F, &r3, err, F);
	ck_assert_uint_eq(atomic_load(&f.calls), 1);
	dir_result_free(&r3);
	cache_destroy(c);
}
END_TEST

/* No cache at all, a NULL error buffer, destroy(NULL). */
START_TEST(test_null)
{
	struct fake		 f;
	struct cache_stats	 st;
	dir_result_t		 res;
	cache_t			*c;
	char			 err[ERRLEN];

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(cache_lookup(NULL, P, "f1", fake_fetch, &f, &res,
	    err, sizeof(err)), F);
	check_answer("NULL cache", P, "f1", F, &res, err, F);
	dir_result_free(&res);
	ck_assert_int_eq(cache_lookup(NULL, P, "t1", fake_fetch, &f, &res,
	    err, sizeof(err)), A);
	check_answer("NULL cache", P, "t1", A, &res, err, A);
	ck_assert_uint_eq(atomic_load(&f.calls), 2);
	cache_stats(NULL, &st);
	ck_assert_uint_eq(st.fetches, 0);
	cache_destroy(NULL);

	c = cache_create(10, 10, 10, test_clock, NULL, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(cache_lookup(c, P, "t1", fake_fetch, &f, &res,
	    NULL, 0), A);
	ck_assert_int_eq(cache_lookup(c, P, "f1", fake_fetch, &f, &res,
	    NULL, 0), F);
	dir_result_free(&res);
	cache_destroy(c);
}
END_TEST

/* A sharded cache stays within its bound, and counts what it evicts. */
START_TEST(test_bound_sharded)
{
	static const struct {
		size_t	entries;
		int	keys;
	} rows[] = {
		{ 1, 100 }, { 100, 1000 }, { 1000, 5000 }, { 4096, 20000 },
		{ 100000, 20000 },
	};
	struct fake		 f;
	struct cache_stats	 st;
	dir_result_t		 res;
	cache_t			*c;
	char			 err[ERRLEN], key[32];

	for (size_t r = 0; r < NELEM(rows); r++) {
		size_t	want;

		memset(&f, 0, sizeof(f));
		c = cache_create(rows[r].entries, 10, 10, test_clock, err,
		    sizeof(err));
		ck_assert_ptr_nonnull(c);
		for (int k = 0; k < rows[r].keys; k++) {
			snprintf(key, sizeof(key), "%c%d", k % 3 ? 'f' : 'n',
			    k);
			(void)cache_lookup(c, k % 2 ? P : T, key, fake_fetch,
			    &f, &res, err, sizeof(err));
			dir_result_free(&res);
		}
		cache_stats(c, &st);
		want = (size_t)rows[r].keys < rows[r].entries ?
		    (size_t)rows[r].keys : rows[r].entries;
		ck_assert_msg(st.entries <= rows[r].entries &&
		    st.entries + st.evictions == (size_t)rows[r].keys &&
		    st.fetches == (uint64_t)rows[r].keys &&
		    (rows[r].keys > (int)rows[r].entries || st.entries == want),
		    "entries %zu, %d keys: got %zu kept, %llu evicted, "
		    "%llu fetched", rows[r].entries, rows[r].keys, st.entries,
		    (unsigned long long)st.evictions,
		    (unsigned long long)st.fetches);
		/* A sharded cache fills each shard before it evicts. */
		if (rows[r].keys >= 2 * (int)rows[r].entries)
			ck_assert_msg(st.entries == rows[r].entries,
			    "entries %zu, %d keys: only %zu kept",
			    rows[r].entries, rows[r].keys, st.entries);
		cache_destroy(c);
	}
}
END_TEST

/* The LDIF back-end is an index in memory already: it gets no cache. */
START_TEST(test_directory_ldif_uncached)
{
	config_t		 cfg;
	struct cache_stats	 st;
	directory_t		*d;
	dir_result_t		 res;
	char			 err[ERRLEN], p[4096], pa[] = "proxyAddresses",
				 ta[] = "targetAddress";

	memset(&cfg, 0, sizeof(cfg));
	snprintf(p, sizeof(p), "%s", tcheck_etc("contacts.ldif"));
	cfg.directory.backend = BACKEND_LDIF;
	cfg.directory.ldif_path = p;
	cfg.directory.proxy_attribute = pa;
	cfg.directory.target_attribute = ta;
	cfg.directory.cache.entries = 1000;
	cfg.directory.cache.ttl = 300;
	cfg.directory.cache.negative_ttl = 60;
	d = directory_open(&cfg, err, sizeof(err));
	ck_assert_msg(d != NULL, "directory_open: %s", err);
	for (int i = 0; i < 3; i++) {
		(void)directory_by_proxy(d, "nobody@nowhere.example", &res, err,
		    sizeof(err));
		dir_result_free(&res);
	}
	dir_cache_stats(d, &st);
	ck_assert_msg(st.misses == 0 && st.hits == 0 && st.fetches == 0,
	    "the ldif back-end went through a cache");
	directory_close(d);
}
END_TEST

/*
 * The cache as a wrapper (dir_cache_wrap) around a fake back-end
 * (dir_fake.h) that fails on demand: one lookup per step, the fail switch
 * as the step sets it, and the lookups the back-end saw so far.  The
 * fake holds "f@x" (found, both kinds) and "t@x" (that key alone fails).
 */
struct wrap_step {
	int64_t		 at;		/* ms */
	int		 down;		/* the fail switch for this step */
	int		 kind;
	const char	*key;
	int		 rc;
	unsigned	 calls;		/* back-end lookups after this step */
};

static const struct wrap_row {
	const char		*name;
	int			 ttl, negative_ttl;
	struct wrap_step	 steps[8];
} wrap_rows[] = {
	{ "found is kept", 10, 5, {
		{ 0, 0, P, "f@x", F, 1 }, { 1, 0, P, "f@x", F, 1 },
		{ 2, 0, T, "f@x", F, 2 }, { 3, 0, T, "f@x", F, 2 } } },
	{ "a failure is not kept", 10, 5, {
		{ 0, 1, P, "f@x", A, 1 }, { 1, 1, P, "f@x", A, 2 },
		{ 2, 0, P, "f@x", F, 3 }, { 3, 0, P, "f@x", F, 3 },
		{ 4, 1, P, "f@x", F, 3 } } },
	{ "one failing key is not kept", 10, 5, {
		{ 0, 0, P, "t@x", A, 1 }, { 1, 0, P, "t@x", A, 2 },
		{ 2, 0, P, "f@x", F, 3 }, { 3, 0, P, "t@x", A, 4 } } },
	{ "an answer outlives the outage until it expires", 10, 5, {
		{ 0, 0, P, "f@x", F, 1 }, { 9999, 1, P, "f@x", F, 1 },
		{ 10000, 1, P, "f@x", A, 2 }, { 10001, 1, P, "f@x", A, 3 },
		{ 10002, 0, P, "f@x", F, 4 }, { 10003, 1, P, "f@x", F, 4 } } },
	{ "not found is kept negative_ttl, a failure then is not", 10, 5, {
		{ 0, 0, P, "n@x", N, 1 }, { 4999, 1, P, "n@x", N, 1 },
		{ 5000, 1, P, "n@x", A, 2 }, { 5001, 0, P, "n@x", N, 3 },
		{ 5002, 1, P, "n@x", N, 3 } } },
};

START_TEST(test_wrap)
{
	const struct wrap_row	*row = &wrap_rows[_i];
	struct cache_stats	 st;
	dir_fake_t		*f = NULL;
	directory_t		*inner, *d;
	char			 err[ERRLEN];

	atomic_store(&test_now, 1000000);
	inner = dir_fake_open(&f, err, sizeof(err));
	ck_assert_msg(inner != NULL, "dir_fake_open: %s", err);
	ck_assert_int_eq(dir_fake_set(f, 0, "f@x", F, "cn=f", "f@x", "f@y"), 0);
	ck_assert_int_eq(dir_fake_set(f, 1, "f@x", F, "cn=f", "f@w", "f@x"), 0);
	ck_assert_int_eq(dir_fake_set(f, 0, "t@x", A, NULL, NULL, NULL), 0);
	d = dir_cache_wrap(inner, 10, row->ttl, row->negative_ttl, 0, test_clock,
	    err, sizeof(err));
	ck_assert_msg(d != NULL, "dir_cache_wrap: %s", err);
	ck_assert_str_eq(directory_backend_name(d), "fake");
	for (size_t i = 0; i < NELEM(row->steps) && row->steps[i].key; i++) {
		const struct wrap_step	*s = &row->steps[i];
		dir_result_t		 res;
		int			 rc;

		atomic_store(&test_now, 1000000 + s->at);
		dir_fake_fail(f, s->down);
		rc = s->kind == P ?
		    directory_by_proxy(d, s->key, &res, err, sizeof(err)) :
		    directory_by_target(d, s->key, &res, err, sizeof(err));
		ck_assert_msg(rc == s->rc && (rc != F || (res.count == 1 &&
		    strcmp(res.entries[0].dn, "cn=f") == 0)) &&
		    (rc != A || strstr(err, "down") != NULL),
		    "%s, step %zu: got rc %d (%s), want %d", row->name, i + 1,
		    rc, err, s->rc);
		ck_assert_msg(dir_fake_calls(f) == s->calls, "%s, step %zu: "
		    "got %u back-end lookups, want %u", row->name, i + 1,
		    dir_fake_calls(f), s->calls);
		/* ping passes the cache by: it says whether the back-end is up */
		ck_assert_msg(directory_ping(d, err, sizeof(err)) ==
		    (s->down ? -1 : 0), "%s, step %zu: ping", row->name, i + 1);
		dir_result_free(&res);
	}
	dir_cache_stats(d, &st);
	ck_assert_msg(st.fetches == dir_fake_calls(f), "%s: stats say %llu "
	    "fetches, the back-end saw %u", row->name,
	    (unsigned long long)st.fetches, dir_fake_calls(f));
	directory_close(d);		/* closes the fake too */
}
END_TEST

/*
 * Serve-stale (directory.cache.stale_ttl): the wrapper around the fake
 * that fails on demand, ttl 10 and negative_ttl 5 unless the row says
 * otherwise; each step says whether the answer is stale and how old.
 */
struct stale_step {
	int64_t		 at;		/* ms */
	int		 down;
	int		 kind;
	const char	*key;
	int		 rc;
	int		 age;		/* stale: its age in s; -1: fresh */
	unsigned	 calls;		/* back-end lookups after this step */
};

static const struct stale_row {
	const char		*name;
	int			 negative_ttl, stale_ttl;
	struct stale_step	 steps[8];
} stale_rows[] = {
	{ "down: stale up to stale_ttl past expiry, then a failure", 5, 30, {
		{ 0, 0, P, "f@x", F, -1, 1 }, { 15000, 1, P, "f@x", F, 5, 2 },
		{ 16500, 1, P, "f@x", F, 6, 3 },
		{ 40000, 1, P, "f@x", F, 30, 4 },
		{ 41000, 1, P, "f@x", A, -1, 5 },
		{ 42000, 1, P, "f@x", A, -1, 6 } } },
	{ "up: a fresh answer, never stale", 5, 30, {
		{ 0, 0, P, "f@x", F, -1, 1 }, { 15000, 0, P, "f@x", F, -1, 2 },
		{ 16000, 1, P, "f@x", F, -1, 2 },
		{ 25000, 1, P, "f@x", F, 0, 3 } } },
	{ "a key never seen stays a failure", 5, 30, {
		{ 15000, 1, P, "f@x", A, -1, 1 },
		{ 15001, 1, P, "n@x", A, -1, 2 },
		{ 15002, 0, P, "f@x", F, -1, 3 },
		{ 15003, 1, T, "f@x", A, -1, 4 } } },
	{ "not found is served stale too", 5, 30, {
		{ 0, 0, P, "n@x", N, -1, 1 }, { 6000, 1, P, "n@x", N, 1, 2 },
		{ 35000, 1, P, "n@x", N, 30, 3 },
		{ 35001, 1, P, "n@x", A, -1, 4 } } },
	{ "stale_ttl 0: a failure", 5, 0, {
		{ 0, 0, P, "f@x", F, -1, 1 }, { 15000, 1, P, "f@x", A, -1, 2 } } },
	{ "back up: fresh again, then a hit", 5, 30, {
		{ 0, 0, P, "f@x", F, -1, 1 }, { 15000, 1, P, "f@x", F, 5, 2 },
		{ 16000, 0, P, "f@x", F, -1, 3 },
		{ 17000, 1, P, "f@x", F, -1, 3 } } },
	{ "by target, the same", 5, 30, {
		{ 0, 0, T, "f@x", F, -1, 1 }, { 12000, 1, T, "f@x", F, 2, 2 },
		{ 12001, 1, P, "f@x", A, -1, 3 } } },
	{ "negative_ttl 0: not found not kept, so never stale", 0, 30, {
		{ 0, 0, P, "n@x", N, -1, 1 }, { 1, 1, P, "n@x", A, -1, 2 } } },
};

START_TEST(test_stale)
{
	const struct stale_row	*row = &stale_rows[_i];
	struct cache_stats	 st;
	dir_fake_t		*f = NULL;
	directory_t		*inner, *d;
	char			 err[ERRLEN];
	uint64_t		 nstale = 0;

	atomic_store(&test_now, 1000000);
	inner = dir_fake_open(&f, err, sizeof(err));
	ck_assert_msg(inner != NULL, "dir_fake_open: %s", err);
	ck_assert_int_eq(dir_fake_set(f, 0, "f@x", F, "cn=f", "f@x", "f@y"), 0);
	ck_assert_int_eq(dir_fake_set(f, 1, "f@x", F, "cn=f", "f@w", "f@x"), 0);
	d = dir_cache_wrap(inner, 10, 10, row->negative_ttl, row->stale_ttl,
	    test_clock, err, sizeof(err));
	ck_assert_msg(d != NULL, "dir_cache_wrap: %s", err);
	for (size_t i = 0; i < NELEM(row->steps) && row->steps[i].key; i++) {
		const struct stale_step	*s = &row->steps[i];
		dir_result_t		 res;
		int			 rc;

		atomic_store(&test_now, 1000000 + s->at);
		dir_fake_fail(f, s->down);
		rc = s->kind == P ?
		    directory_by_proxy(d, s->key, &res, err, sizeof(err)) :
		    directory_by_target(d, s->key, &res, err, sizeof(err));
		ck_assert_msg(rc == s->rc && (rc != F || (res.count == 1 &&
		    strcmp(res.entries[0].dn, "cn=f") == 0)) &&
		    (rc != A || strstr(err, "down") != NULL) &&
		    (rc == A || err[0] == '\0'),
		    "%s, step %zu: got rc %d (%s), want %d", row->name, i + 1,
		    rc, err, s->rc);
		ck_assert_msg(res.stale == (s->age >= 0) &&
		    (s->age < 0 || res.stale_age == s->age),
		    "%s, step %zu: got stale %d age %d, want age %d",
		    row->name, i + 1, res.stale, res.stale_age, s->age);
		ck_assert_msg(dir_fake_calls(f) == s->calls, "%s, step %zu: "
		    "got %u back-end lookups, want %u", row->name, i + 1,
		    dir_fake_calls(f), s->calls);
		nstale += s->age >= 0;
		dir_result_free(&res);
	}
	dir_cache_stats(d, &st);
	ck_assert_msg(st.stale == nstale, "%s: %llu stale answers counted, "
	    "want %llu", row->name, (unsigned long long)st.stale,
	    (unsigned long long)nstale);
	ck_assert_msg(st.fetches == dir_fake_calls(f), "%s: fetches",
	    row->name);
	directory_close(d);
}
END_TEST

/* Without a wrapper a back-end has no cache counters. */
START_TEST(test_wrap_none)
{
	struct cache_stats	 st;
	dir_fake_t		*f = NULL;
	directory_t		*d;
	dir_result_t		 res;
	char			 err[ERRLEN];

	d = dir_fake_open(&f, err, sizeof(err));
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(directory_by_proxy(d, "f@x", &res, err, sizeof(err)),
	    N);
	dir_cache_stats(d, &st);
	ck_assert(st.fetches == 0 && st.misses == 0 && st.hits == 0);
	ck_assert_uint_eq(dir_fake_calls(f), 1);
	ck_assert_ptr_null(dir_cache_wrap(NULL, 10, 1, 1, 0, NULL, err,
	    sizeof(err)));
	directory_close(d);
}
END_TEST

/*
 * Threads.  Every thread waits at a barrier, then makes `rounds` lookups
 * over a small key set; a few of them try-again keys.  The back-end is
 * slow, so that cold keys are asked by many threads at once.
 */
#define NTHREADS	16
#define ROUNDS		2000
#define NFOUND		6
#define NNOTFOUND	2

struct run {
	cache_t			*c;
	struct fake		*f;
	pthread_barrier_t	*start;
	int			 rounds;
	int			 keys;		/* 'f' and 'n' keys used */
	int			 seed;
	atomic_int		*bad;
};

static const char *
thread_key(int i, char *buf, size_t len)
{
	if (i < NFOUND)
		snprintf(buf, len, "f%d", i);
	else
		snprintf(buf, len, "n%d", i);
	return buf;
}

static void *
thread_main(void *arg)
{
	struct run	*r = arg;
	unsigned	 x = (unsigned)r->seed * 2654435761u + 1;
	char		 key[32], err[ERRLEN];

	pthread_barrier_wait(r->start);
	for (int i = 0; i < r->rounds; i++) {
		dir_result_t	 res;
		int		 k, kind, rc, want;

		x = x * 1103515245u + 12345u;
		k = (int)((x >> 16) % (unsigned)r->keys);
		kind = (x >> 8) & 1 ? P : T;
		if (i % 200 == 199) {
			snprintf(key, sizeof(key), "t%d", 63);
			want = A;
		} else {
			thread_key(k, key, sizeof(key));
			want = key[0] == 'f' ? F : N;
		}
		rc = cache_lookup(r->c, kind, key, fake_fetch, r->f, &res,
		    err, sizeof(err));
		if (rc != want || (rc == F && (res.count != 1 ||
		    strncmp(res.entries[0].dn + 3, key, strlen(key)) != 0 ||
		    res.entries[0].dn[3 + strlen(key)] != ',' ||
		    res.entries[0].dn[strlen(res.entries[0].dn) - 1] !=
		    '0' + kind)) ||
		    (rc == A && strcmp(err, "down: t63") != 0))
			atomic_fetch_add(r->bad, 1);
		dir_result_free(&res);
	}
	return NULL;
}

/* Runs NTHREADS threads through one round set; returns the bad answers. */
static int
run_threads(cache_t *c, struct fake *f, int rounds, int keys)
{
	pthread_t		 th[NTHREADS];
	struct run		 r[NTHREADS];
	pthread_barrier_t	 start;
	atomic_int		 bad = 0;

	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		r[i] = (struct run){ c, f, &start, rounds, keys, i + 1, &bad };
		ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main,
		    &r[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	return atomic_load(&bad);
}

/* Cold keys, then the same keys expired: one back-end call per key each. */
START_TEST(test_threads_single_flight)
{
	struct fake		 f;
	struct cache_stats	 st;
	cache_t			*c;
	char			 err[ERRLEN];
	int			 bad, keys = NFOUND + NNOTFOUND;

	memset(&f, 0, sizeof(f));
	f.sleep_ns = 20 * 1000 * 1000;
	atomic_store(&test_now, 0);
	c = cache_create(1000, 10, 10, test_clock, err, sizeof(err));
	ck_assert_ptr_nonnull(c);

	for (int pass = 1; pass <= 2; pass++) {
		bad = run_threads(c, &f, ROUNDS, keys);
		ck_assert_msg(bad == 0, "pass %d: %d wrong answers", pass, bad);
		for (int k = 0; k < keys; k++) {
			/* both kinds of each key: 2 calls a pass */
			unsigned	got = atomic_load(&f.per[k]);

			ck_assert_msg(got == 2u * (unsigned)pass,
			    "pass %d: key %d: %u back-end calls, want %d",
			    pass, k, got, 2 * pass);
		}
		ck_assert_msg(atomic_load(&f.per[63]) <=
		    (unsigned)(NTHREADS * (ROUNDS / 200) * pass),
		    "try-again: more calls than lookups");
		atomic_store(&test_now, 10000 * pass);	/* all expire */
	}
	cache_stats(c, &st);
	ck_assert_msg(st.waits > 0, "no thread ever waited for another");
	ck_assert_msg(st.hits + st.misses ==
	    2 * (uint64_t)NTHREADS * ROUNDS, "hits %llu + misses %llu",
	    (unsigned long long)st.hits, (unsigned long long)st.misses);
	cache_destroy(c);
}
END_TEST

/*
 * Serve-stale with threads: NTHREADS threads look one expired key up at
 * once, the back-end slow.  Down: one query, and they all get the stale
 * answer; up: one query, and they all get the fresh one.
 */
struct stale_run {
	cache_t			*c;
	struct fake		*f;
	pthread_barrier_t	*start;
	const char		*key;
	int			 want, age;	/* age -1: fresh */
	atomic_int		*bad;
};

static void *
stale_thread(void *arg)
{
	struct stale_run	*r = arg;
	dir_result_t		 res;
	char			 err[ERRLEN];
	int			 rc;

	pthread_barrier_wait(r->start);
	rc = cache_lookup(r->c, P, r->key, fake_fetch, r->f, &res, err,
	    sizeof(err));
	if (rc != r->want || res.stale != (r->age >= 0) ||
	    (r->age >= 0 && res.stale_age != r->age) ||
	    (rc == F && (res.count != 1 ||
	    strcmp(res.entries[0].primary, r->key) != 0)))
		atomic_fetch_add(r->bad, 1);
	dir_result_free(&res);
	return NULL;
}

static int
run_stale_threads(cache_t *c, struct fake *f, const char *key, int want,
    int age)
{
	pthread_t		 th[NTHREADS];
	struct stale_run	 r[NTHREADS];
	pthread_barrier_t	 start;
	atomic_int		 bad = 0;

	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		r[i] = (struct stale_run){ c, f, &start, key, want, age, &bad };
		ck_assert_int_eq(pthread_create(&th[i], NULL, stale_thread,
		    &r[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	return atomic_load(&bad);
}

START_TEST(test_threads_stale)
{
	struct fake		 f;
	struct cache_stats	 st;
	cache_t			*c;
	dir_result_t		 res;
	char			 err[ERRLEN];
	int			 bad;

	memset(&f, 0, sizeof(f));
	f.sleep_ns = 20 * 1000 * 1000;
	atomic_store(&test_now, 0);
	c = cache_create(100, 10, 5, test_clock, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	cache_set_stale_ttl(c, 30);
	ck_assert_int_eq(cache_lookup(c, P, "f1", fake_fetch, &f, &res, err,
	    sizeof(err)), F);
	dir_result_free(&res);
	ck_assert_int_eq(cache_lookup(c, P, "n2", fake_fetch, &f, &res, err,
	    sizeof(err)), N);

	atomic_store(&test_now, 15000);
	atomic_store(&f.down, 1);
	bad = run_stale_threads(c, &f, "f1", F, 5);
	ck_assert_msg(bad == 0, "down, found: %d wrong answers", bad);
	ck_assert_uint_eq(atomic_load(&f.per[1]), 2);
	bad = run_stale_threads(c, &f, "n2", N, 10);
	ck_assert_msg(bad == 0, "down, not found: %d wrong answers", bad);
	ck_assert_uint_eq(atomic_load(&f.per[2]), 2);

	atomic_store(&test_now, 16000);
	atomic_store(&f.down, 0);
	bad = run_stale_threads(c, &f, "f1", F, -1);
	ck_assert_msg(bad == 0, "up: %d wrong answers", bad);
	ck_assert_uint_eq(atomic_load(&f.per[1]), 3);

	cache_stats(c, &st);
	ck_assert_msg(st.stale == 2 * NTHREADS, "%llu stale answers",
	    (unsigned long long)st.stale);
	ck_assert_msg(st.waits > 0, "no thread ever waited for another");
	cache_destroy(c);
}
END_TEST

/* A cache far smaller than the key set: eviction races with waiters. */
START_TEST(test_threads_eviction)
{
	struct fake		 f;
	struct cache_stats	 st;
	cache_t			*c;
	char			 err[ERRLEN];
	int			 bad;

	memset(&f, 0, sizeof(f));
	f.sleep_ns = 50 * 1000;
	c = cache_create(4, 10, 10, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	bad = run_threads(c, &f, ROUNDS / 4, NFOUND + NNOTFOUND);
	ck_assert_msg(bad == 0, "%d wrong answers", bad);
	cache_stats(c, &st);
	ck_assert_msg(st.entries <= 4 && st.evictions > 0,
	    "%zu entries, %llu evictions", st.entries,
	    (unsigned long long)st.evictions);
	cache_destroy(c);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("scenarios");
	TCase	*th = tcase_create("threads");

	tcase_add_loop_test(tc, test_scenario, 0, (int)NELEM(scenarios));
	tcase_add_test(tc, test_deep_copy);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_bound_sharded);
	tcase_add_test(tc, test_directory_ldif_uncached);
	tcase_add_loop_test(tc, test_wrap, 0, (int)NELEM(wrap_rows));
	tcase_add_test(tc, test_wrap_none);
	tcase_add_loop_test(tc, test_stale, 0, (int)NELEM(stale_rows));
	suite_add_tcase(s, tc);
	tcase_set_timeout(th, 120);
	tcase_add_test(th, test_threads_single_flight);
	tcase_add_test(th, test_threads_eviction);
	tcase_add_test(th, test_threads_stale);
	suite_add_tcase(s, th);
	return s;
}

int
main(void)
{
	return tcheck_run(cache_suite());
}
