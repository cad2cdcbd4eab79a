/*
 * check_index.c - the in-memory address index (dir_index.h): lookups by
 * proxy and by target in a table of entries, folding, a key twice in one
 * entry, shared keys, entries without keys, bad entries, NULL and empty
 * indexes, the reference count, a builder freed unbuilt, 100,000
 * entries, and edits: the next generation of an index from a few changes
 * (add, change, delete, a key moving between entries), what
 * dir_index_diff() says between two generations, and the one before left
 * as it was.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dir_index.h"
#include "dir_index_entry.h"
#include "directory.h"
#include "tcheck.h"

#define ERRLEN	1024

enum { P, T };		/* by proxy, by target */

#define S(x)	((x) != NULL ? (x) : "(null)")
#define KEYS(...)	((const char *const []){ __VA_ARGS__ })
#define NKEYS(...)	NELEM(KEYS(__VA_ARGS__))
#define PROXY(...)	KEYS(__VA_ARGS__), NKEYS(__VA_ARGS__)
#define NOPROXY		NULL, 0

#define BAD_MSG		"ldap: entry 'cn=bad': two primary addresses"

/* The entries every lookup row runs against, in this order. */
static const dir_index_record_t records[] = {
	/* a contact: "bob@contoso.com" twice (SMTP: and smtp:) */
	{ "cn=bob", "Bob@Contoso.com", "bob@fourthcoffee.com",
	  PROXY("bob@contoso.com", "bob.lee@contoso.com", "bob@contoso.com"),
	  "bob@fourthcoffee.com", NULL, "Bob.Lee@contoso.com\nbob@contoso.com" },
	/* a contact and a user sharing "shared@contoso.com" */
	{ "cn=alice", "alice@contoso.com", "Alice@FourthCoffee.com",
	  PROXY("alice@contoso.com", "shared@contoso.com"),
	  "alice@fourthcoffee.com", NULL, "shared@contoso.com" },
	/* a user: its secondary addresses are not kept */
	{ "cn=carol", "carol@contoso.com", NULL,
	  PROXY("carol@contoso.com", "shared@contoso.com"), NULL, NULL,
	  "shared@contoso.com" },
	/* nothing to find it by: not kept */
	{ "cn=nokeys", "x@contoso.com", NULL, NOPROXY, NULL, NULL, NULL },
	/* a bad entry, sharing "shared2@contoso.com" with a good one */
	{ "cn=bad", "bad@contoso.com", "bad@fourthcoffee.com",
	  PROXY("bad@contoso.com", "shared2@contoso.com"),
	  "bad@fourthcoffee.com", BAD_MSG, NULL },
	{ "cn=dave", NULL, "dave@fourthcoffee.com",
	  PROXY("dave@contoso.com", "shared2@contoso.com"),
	  "dave@fourthcoffee.com", NULL, "dave@contoso.com\nshared2@contoso.com" },
	/* a target only, shared with alice's */
	{ "cn=frank", NULL, "alice@fourthcoffee.com", NOPROXY,
	  "alice@fourthcoffee.com", NULL, NULL },
	/* keys not folded by the caller are folded here */
	{ "cn=mixed", "Mixed@Case.COM", NULL, PROXY("Mixed@Case.COM"), NULL,
	  NULL, NULL },
};
#define KEPT	7		/* all but cn=nokeys */

/* Builds the index of records. */
static dir_index_t *
build(void)
{
	dir_index_builder_t	*b = dir_index_builder_new();

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < NELEM(records); i++)
		ck_assert_int_eq(dir_index_add(b, &records[i]), 0);
	return dir_index_build(b);
}

#define LONG_KEY	"a234567890123456789012345678901234567890" \
			"12345678901234567890123456789012345678901234567890" \
			"12345678901234567890123456789012345678901234567890" \
			"12345678901234567890123456789012345678901234567890" \
			"12345678901234567890123456789012345678901234567890" \
			"12345678901234567890123456789012345678901234567890" \
			"@contoso.com"	/* longer than any address */

static const struct lookup_row {
	int		 by;
	const char	*key;
	int		 status;
	size_t		 count;
	const char	*dn[2];		/* of the first two entries, in order */
	const char	*primary, *target;	/* of the first */
	const char	*err;		/* DIR_TRYAGAIN: the message */
	const char	*secondary;	/* of the first: by target only */
} lookup_rows[] = {
	/* by proxy, by target, not across */
	{ P, "bob@contoso.com", DIR_FOUND, 1, { "cn=bob" },
	  "Bob@Contoso.com", "bob@fourthcoffee.com", NULL, NULL },
	{ P, "bob.lee@contoso.com", DIR_FOUND, 1, { "cn=bob" },
	  "Bob@Contoso.com", "bob@fourthcoffee.com", NULL, NULL },
	{ T, "bob@fourthcoffee.com", DIR_FOUND, 1, { "cn=bob" },
	  "Bob@Contoso.com", "bob@fourthcoffee.com", NULL,
	  "Bob.Lee@contoso.com\nbob@contoso.com" },
	{ P, "bob@fourthcoffee.com", DIR_NOTFOUND, 0, { NULL }, NULL, NULL,
	  NULL, NULL },
	{ T, "bob@contoso.com", DIR_NOTFOUND, 0, { NULL }, NULL, NULL, NULL, NULL },
	/* the query key is folded */
	{ P, "BOB.Lee@CONTOSO.COM", DIR_FOUND, 1, { "cn=bob" },
	  "Bob@Contoso.com", "bob@fourthcoffee.com", NULL, NULL },
	{ T, "Bob@FourthCoffee.Com", DIR_FOUND, 1, { "cn=bob" },
	  "Bob@Contoso.com", "bob@fourthcoffee.com", NULL,
	  "Bob.Lee@contoso.com\nbob@contoso.com" },
	/* and so is an added one */
	{ P, "mixed@case.com", DIR_FOUND, 1, { "cn=mixed" }, "Mixed@Case.COM",
	  NULL, NULL, NULL },
	{ P, "MIXED@CASE.COM", DIR_FOUND, 1, { "cn=mixed" }, "Mixed@Case.COM",
	  NULL, NULL, NULL },
	/* a user: no target */
	{ P, "carol@contoso.com", DIR_FOUND, 1, { "cn=carol" },
	  "carol@contoso.com", NULL, NULL, NULL },
	/* shared keys: both entries, in the order they were added */
	{ P, "shared@contoso.com", DIR_FOUND, 2, { "cn=alice", "cn=carol" },
	  "alice@contoso.com", "Alice@FourthCoffee.com", NULL, NULL },
	{ T, "alice@fourthcoffee.com", DIR_FOUND, 2, { "cn=alice", "cn=frank" },
	  "alice@contoso.com", "Alice@FourthCoffee.com", NULL,
	  "shared@contoso.com" },
	{ T, "dave@fourthcoffee.com", DIR_FOUND, 1, { "cn=dave" }, NULL,
	  "dave@fourthcoffee.com", NULL,
	  "dave@contoso.com\nshared2@contoso.com" },
	/* the entry without keys was not kept */
	{ P, "x@contoso.com", DIR_NOTFOUND, 0, { NULL }, NULL, NULL, NULL, NULL },
	/* a bad entry: try again, whoever shares the key */
	{ P, "bad@contoso.com", DIR_TRYAGAIN, 0, { NULL }, NULL, NULL,
	  BAD_MSG, NULL },
	{ T, "BAD@fourthcoffee.com", DIR_TRYAGAIN, 0, { NULL }, NULL, NULL,
	  BAD_MSG, NULL },
	{ P, "shared2@contoso.com", DIR_TRYAGAIN, 0, { NULL }, NULL, NULL,
	  BAD_MSG, NULL },
	{ P, "dave@contoso.com", DIR_FOUND, 1, { "cn=dave" }, NULL,
	  "dave@fourthcoffee.com", NULL, NULL },
	/* nothing */
	{ P, "nobody@contoso.com", DIR_NOTFOUND, 0, { NULL }, NULL, NULL,
	  NULL, NULL },
	{ P, "", DIR_NOTFOUND, 0, { NULL }, NULL, NULL, NULL, NULL },
	{ P, LONG_KEY, DIR_NOTFOUND, 0, { NULL }, NULL, NULL, NULL, NULL },
};

/* strcmp() on two pointers to strings, for qsort(). */
static int
strcmp_p(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

START_TEST(test_lookup)
{
	const struct lookup_row	*r = &lookup_rows[_i];
	dir_index_t		*ix = build();
	dir_result_t		 res = { .entries = NULL };
	char			 err[ERRLEN] = "";
	int			 rc;

	ck_assert_ptr_nonnull(ix);
	rc = dir_index_lookup(ix, r->by, r->key, &res, err, sizeof(err));
	ck_assert_msg(rc == r->status && res.count == r->count,
	    "row %d %s %s: got %d with %zu entries (%s), want %d with %zu",
	    _i, r->by == P ? "proxy" : "target", r->key, rc, res.count, err,
	    r->status, r->count);
	for (size_t i = 0; i < res.count && i < NELEM(r->dn); i++)
		ck_assert_msg(same(res.entries[i].dn, r->dn[i]),
		    "row %d: entry %zu is %s, want %s", _i, i,
		    res.entries[i].dn, S(r->dn[i]));
	if (res.count > 0)
		ck_assert_msg(same(res.entries[0].primary, r->primary) &&
		    same(res.entries[0].target, r->target),
		    "row %d: primary %s target %s, want %s %s", _i,
		    S(res.entries[0].primary), S(res.entries[0].target),
		    S(r->primary), S(r->target));
	if (res.count > 0)
		ck_assert_msg(same(res.entries[0].secondary, r->secondary),
		    "row %d: secondary '%s', want '%s'", _i,
		    S(res.entries[0].secondary), S(r->secondary));
	if (rc == DIR_TRYAGAIN) {
		ck_assert_msg(same(err, r->err), "row %d: err '%s', want '%s'",
		    _i, err, S(r->err));
		ck_assert_ptr_null(res.entries);
	}
	dir_result_free(&res);
	dir_index_release(ix);
}
END_TEST

/* A lookup that finds a bad entry empties what res held before. */
START_TEST(test_bad_empties)
{
	dir_index_t	*ix = build();
	dir_result_t	 res = { .entries = NULL };
	char		 err[ERRLEN];

	ck_assert_int_eq(dir_index_lookup(ix, P, "bob@contoso.com", &res, err,
	    sizeof(err)), DIR_FOUND);
	ck_assert_uint_eq(res.count, 1);
	ck_assert_int_eq(dir_index_lookup(ix, P, "shared2@contoso.com", &res,
	    err, sizeof(err)), DIR_TRYAGAIN);
	ck_assert_uint_eq(res.count, 0);
	ck_assert_ptr_null(res.entries);
	ck_assert_str_eq(err, BAD_MSG);
	dir_index_release(ix);
}
END_TEST

START_TEST(test_entries)
{
	dir_index_t	*ix = build();

	ck_assert_uint_eq(dir_index_entries(ix), KEPT);
	dir_index_release(ix);
}
END_TEST

/* dir_index_each(): appends "key: dn dn ..." lines to the buffer arg. */
static int
each_line(void *arg, const char *key, const dir_entry_t *e, size_t n)
{
	char	*buf = arg;
	size_t	 o = strlen(buf);

	o += (size_t)snprintf(buf + o, 4096 - o, "%s:", key);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, 4096 - o, " %s/%s/%s", e[i].dn,
		    S(e[i].primary), S(e[i].target));
	snprintf(buf + o, 4096 - o, "\n");
	return 0;
}

static int
each_stop(void *arg, const char *key, const dir_entry_t *e, size_t n)
{
	(void)key;
	(void)e;
	(void)n;
	return ++*(int *)arg == 2 ? 42 : 0;
}

/* Sorts the lines of buf in place (a few, short). */
static void
sort_lines(char *buf)
{
	char	*lines[64], out[4096] = "", *save = NULL, *l;
	size_t	 n = 0;

	for (l = strtok_r(buf, "\n", &save); l != NULL && n < NELEM(lines);
	    l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(lines[0]), strcmp_p);
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n",
		    lines[i]);
	memcpy(buf, out, strlen(out) + 1);
}

/* Every distinct key once, with its entries in the order added. */
START_TEST(test_each)
{
	dir_index_t	*ix = build();
	char		 proxy[4096] = "", target[4096] = "";
	int		 calls = 0;

	ck_assert_int_eq(dir_index_each(ix, P, each_line, proxy), 0);
	ck_assert_int_eq(dir_index_each(ix, T, each_line, target), 0);
	sort_lines(proxy);
	sort_lines(target);
	ck_assert_str_eq(proxy,
	    "alice@contoso.com: cn=alice/alice@contoso.com/Alice@FourthCoffee.com\n"
	    "bad@contoso.com: cn=bad/bad@contoso.com/bad@fourthcoffee.com\n"
	    "bob.lee@contoso.com: cn=bob/Bob@Contoso.com/bob@fourthcoffee.com\n"
	    "bob@contoso.com: cn=bob/Bob@Contoso.com/bob@fourthcoffee.com\n"
	    "carol@contoso.com: cn=carol/carol@contoso.com/(null)\n"
	    "dave@contoso.com: cn=dave/(null)/dave@fourthcoffee.com\n"
	    "mixed@case.com: cn=mixed/Mixed@Case.COM/(null)\n"
	    "shared2@contoso.com: cn=bad/bad@contoso.com/bad@fourthcoffee.com"
	    " cn=dave/(null)/dave@fourthcoffee.com\n"
	    "shared@contoso.com: cn=alice/alice@contoso.com/Alice@FourthCoffee.com"
	    " cn=carol/carol@contoso.com/(null)\n");
	ck_assert_str_eq(target,
	    "alice@fourthcoffee.com: cn=alice/alice@contoso.com/Alice@FourthCoffee.com"
	    " cn=frank/(null)/alice@fourthcoffee.com\n"
	    "bad@fourthcoffee.com: cn=bad/bad@contoso.com/bad@fourthcoffee.com\n"
	    "bob@fourthcoffee.com: cn=bob/Bob@Contoso.com/bob@fourthcoffee.com\n"
	    "dave@fourthcoffee.com: cn=dave/(null)/dave@fourthcoffee.com\n");
	ck_assert_int_eq(dir_index_each(ix, P, each_stop, &calls), 42);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(dir_index_each(NULL, P, each_stop, &calls), 0);
	dir_index_release(ix);
}
END_TEST

/* NULL, a builder with nothing in it, one with only entries without keys. */
START_TEST(test_empty)
{
	static const dir_index_record_t nokeys = { "cn=x", "x@y", NULL,
	    NOPROXY, NULL, NULL, NULL };
	dir_index_builder_t	*b;
	dir_index_t		*ix[2];
	dir_result_t		 res = { .entries = NULL };
	char			 err[ERRLEN];

	ck_assert_int_eq(dir_index_lookup(NULL, P, "a@b", &res, err,
	    sizeof(err)), DIR_NOTFOUND);
	ck_assert_int_eq(dir_index_lookup(NULL, T, "a@b", &res, err,
	    sizeof(err)), DIR_NOTFOUND);
	ck_assert_uint_eq(dir_index_entries(NULL), 0);
	ck_assert_ptr_null(dir_index_hold(NULL));
	dir_index_release(NULL);
	dir_index_builder_free(NULL);
	ck_assert_ptr_null(dir_index_build(NULL));

	ix[0] = dir_index_build(dir_index_builder_new());
	ck_assert_ptr_nonnull(b = dir_index_builder_new());
	ck_assert_int_eq(dir_index_add(b, &nokeys), 0);
	ix[1] = dir_index_build(b);
	for (size_t i = 0; i < NELEM(ix); i++) {
		ck_assert_ptr_nonnull(ix[i]);
		ck_assert_uint_eq(dir_index_entries(ix[i]), 0);
		ck_assert_int_eq(dir_index_lookup(ix[i], P, "x@y", &res, err,
		    sizeof(err)), DIR_NOTFOUND);
		ck_assert_int_eq(dir_index_lookup(ix[i], T, "x@y", &res, err,
		    sizeof(err)), DIR_NOTFOUND);
		ck_assert_uint_eq(res.count, 0);
		dir_index_release(ix[i]);
	}
}
END_TEST

/* The builder copies every string: the caller's buffers may go. */
START_TEST(test_copied)
{
	char			 dn[32], pri[32], tgt[32], pk[32], tk[32];
	const char		*keys[] = { pk };
	char			 sec[32];
	dir_index_record_t	 rec = { dn, pri, tgt, keys, 1, tk, NULL, sec };
	dir_index_builder_t	*b = dir_index_builder_new();
	dir_index_t		*ix;
	dir_result_t		 res = { .entries = NULL };
	char			 err[ERRLEN];

	snprintf(dn, sizeof(dn), "cn=a");
	snprintf(pri, sizeof(pri), "A@b");
	snprintf(tgt, sizeof(tgt), "A@c");
	snprintf(pk, sizeof(pk), "a@b");
	snprintf(tk, sizeof(tk), "a@c");
	snprintf(sec, sizeof(sec), "A2@b");
	ck_assert_int_eq(dir_index_add(b, &rec), 0);
	memset(sec, 'x', sizeof(sec) - 1);
	memset(dn, 'x', sizeof(dn) - 1);
	memset(pri, 'x', sizeof(pri) - 1);
	memset(tgt, 'x', sizeof(tgt) - 1);
	memset(pk, 'x', sizeof(pk) - 1);
	memset(tk, 'x', sizeof(tk) - 1);
	ix = dir_index_build(b);
	ck_assert_int_eq(dir_index_lookup(ix, P, "a@b", &res, err,
	    sizeof(err)), DIR_FOUND);
	ck_assert_str_eq(res.entries[0].dn, "cn=a");
	ck_assert_str_eq(res.entries[0].primary, "A@b");
	ck_assert_str_eq(res.entries[0].target, "A@c");
	dir_result_free(&res);
	ck_assert_int_eq(dir_index_lookup(ix, T, "a@c", &res, err,
	    sizeof(err)), DIR_FOUND);
	ck_assert_str_eq(res.entries[0].secondary, "A2@b");
	dir_result_free(&res);
	dir_index_release(ix);
}
END_TEST

/* Every reference but the last leaves the index whole (ASan: no leak). */
START_TEST(test_hold)
{
	dir_index_t	*ix = build();
	dir_result_t	 res = { .entries = NULL };
	char		 err[ERRLEN];

	ck_assert_ptr_eq(dir_index_hold(ix), ix);
	ck_assert_ptr_eq(dir_index_hold(ix), ix);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(dir_index_lookup(ix, P, "bob@contoso.com",
		    &res, err, sizeof(err)), DIR_FOUND);
		dir_result_free(&res);
		dir_index_release(ix);
	}
}
END_TEST

#define THREADS		4
#define ROUNDS		5000

/* One thread: hold, look up, release, ROUNDS times. */
static void *
hold_thread(void *arg)
{
	dir_index_t	*ix = arg;
	dir_result_t	 res = { .entries = NULL };
	char		 err[ERRLEN];
	long		 bad = 0;

	for (int i = 0; i < ROUNDS; i++) {
		dir_index_t	*mine = dir_index_hold(ix);

		if (dir_index_lookup(mine, P, "shared@contoso.com", &res, err,
		    sizeof(err)) != DIR_FOUND || res.count != 2)
			bad++;
		dir_result_free(&res);
		dir_index_release(mine);
	}
	return (void *)(intptr_t)bad;
}

/* Threads holding and releasing one index while it is looked up. */
START_TEST(test_hold_threads)
{
	dir_index_t	*ix = build();
	pthread_t	 tid[THREADS];
	void		*bad;

	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&tid[i], NULL, hold_thread,
		    dir_index_hold(ix)), 0);
	dir_index_release(ix);		/* the threads' own references stay */
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(tid[i], &bad), 0);
		ck_assert_msg(bad == NULL, "thread %d: %ld wrong answers", i,
		    (long)(intptr_t)bad);
	}
	/* each thread's first reference: the index goes with the last */
	for (int i = 0; i < THREADS; i++) {
		ck_assert_uint_eq(dir_index_entries(ix), KEPT);
		dir_index_release(ix);
	}
}
END_TEST

/* A builder freed without building frees what it gathered (ASan). */
START_TEST(test_builder_free)
{
	dir_index_builder_t	*b = dir_index_builder_new();

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < NELEM(records); i++)
		ck_assert_int_eq(dir_index_add(b, &records[i]), 0);
	dir_index_builder_free(b);
}
END_TEST

#define MANY		100000

static double
seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * 100,000 entries of two proxy keys and a target key each: every key is
 * found, to its entry only.  The time bound is loose (a sanitizer build on
 * a busy machine): it is there to catch a quadratic build, not to measure.
 */
START_TEST(test_many)
{
	dir_index_builder_t	*b = dir_index_builder_new();
	dir_index_t		*ix;
	dir_result_t		 res = { .entries = NULL };
	char			 dn[64], pri[64], sec[64], tgt[64], err[ERRLEN];
	char			 want[64];
	const char		*keys[] = { pri, sec };
	dir_index_record_t	 rec = { dn, pri, tgt, keys, 2, tgt, NULL, sec };
	double			 t0 = seconds(), t;

	for (int i = 0; i < MANY; i++) {
		snprintf(dn, sizeof(dn), "cn=user%d,ou=contacts,dc=contoso", i);
		snprintf(pri, sizeof(pri), "user%d@contoso.com", i);
		snprintf(sec, sizeof(sec), "u%d@sales.contoso.com", i);
		snprintf(tgt, sizeof(tgt), "user%d@fourthcoffee.com", i);
		ck_assert_int_eq(dir_index_add(b, &rec), 0);
	}
	ck_assert_ptr_nonnull(ix = dir_index_build(b));
	t = seconds() - t0;
	ck_assert_msg(t < 10.0, "building %d entries took %.2f s", MANY, t);
	ck_assert_uint_eq(dir_index_entries(ix), MANY);
	for (int i = 0; i < MANY; i += 7) {
		snprintf(want, sizeof(want), "cn=user%d,ou=contacts,dc=contoso",
		    i);
		snprintf(pri, sizeof(pri), "U%d@Sales.Contoso.com", i);
		snprintf(tgt, sizeof(tgt), "user%d@fourthcoffee.com", i);
		ck_assert_int_eq(dir_index_lookup(ix, P, pri, &res, err,
		    sizeof(err)), DIR_FOUND);
		/* appended to the first answer: two copies of one entry */
		ck_assert_int_eq(dir_index_lookup(ix, T, tgt, &res, err,
		    sizeof(err)), DIR_FOUND);
		ck_assert_msg(res.count == 2 && strcmp(res.entries[0].dn,
		    want) == 0 && strcmp(res.entries[1].dn, want) == 0,
		    "%d: %zu entries, first %s", i, res.count,
		    res.entries[0].dn);
		dir_result_free(&res);
	}
	ck_assert_int_eq(dir_index_lookup(ix, P, "user100000@contoso.com",
	    &res, err, sizeof(err)), DIR_NOTFOUND);
	dir_index_release(ix);
}
END_TEST

/* The entries of the edit rows, by number. */
static const dir_index_record_t edit_recs[] = {
	/* 0: a contact */
	{ "cn=bob", "bob@contoso.com", "bob@fourthcoffee.com",
	  PROXY("bob@contoso.com", "b@contoso.com"), "bob@fourthcoffee.com",
	  NULL, "b@contoso.com" },
	/* 1: 0 with another target */
	{ "cn=bob", "bob@contoso.com", "bob@northwind.example",
	  PROXY("bob@contoso.com", "b@contoso.com"), "bob@northwind.example",
	  NULL, "b@contoso.com" },
	/* 2: a user */
	{ "cn=ann", "ann@contoso.com", NULL, PROXY("ann@contoso.com"), NULL,
	  NULL, NULL },
	/* 3: 2 taking "b@contoso.com" over from 4 (keys folded here) */
	{ "cn=ann", "ann@contoso.com", NULL,
	  PROXY("Ann@Contoso.com", "B@contoso.com"), NULL, NULL, NULL },
	/* 4: 1 without "b@contoso.com" */
	{ "cn=bob", "bob@contoso.com", "bob@northwind.example",
	  PROXY("bob@contoso.com"), "bob@northwind.example", NULL, NULL },
};

/*
 * Each row makes the next generation of the index before (the first, of
 * an empty one) by taking the entries del out and putting add in (-1:
 * none); then the keys dir_index_diff() reports between the two (sorted,
 * joined by ' '), a lookup by proxy in the new one (dn NULL: not found),
 * the count of entries, and the previous row's lookup still answered by
 * the generation before.
 */
static const struct edit_row {
	int		 del[2], add[2];
	const char	*proxy_diff, *target_diff;
	const char	*key, *dn, *target;
	size_t		 entries;
} edit_rows[] = {
	{ { -1, -1 }, { 0, 2 },
	  "ann@contoso.com b@contoso.com bob@contoso.com",
	  "bob@fourthcoffee.com",
	  "B@Contoso.com", "cn=bob", "bob@fourthcoffee.com", 2 },
	/* a change of target: both its keys answer otherwise */
	{ { 0, -1 }, { 1, -1 }, "b@contoso.com bob@contoso.com",
	  "bob@fourthcoffee.com bob@northwind.example",
	  "b@contoso.com", "cn=bob", "bob@northwind.example", 2 },
	/* a key moves from one entry to another, in one edit */
	{ { 1, 2 }, { 4, 3 }, "b@contoso.com", "",
	  "b@contoso.com", "cn=ann", NULL, 2 },
	/* nothing changed: nothing to tell */
	{ { -1, -1 }, { -1, -1 }, "", "",
	  "ann@contoso.com", "cn=ann", NULL, 2 },
	/* a deletion */
	{ { 4, -1 }, { -1, -1 }, "bob@contoso.com", "bob@northwind.example",
	  "bob@contoso.com", NULL, NULL, 1 },
	{ { 3, -1 }, { -1, -1 }, "ann@contoso.com b@contoso.com", "",
	  "b@contoso.com", NULL, NULL, 0 },
};

/* The keys dir_index_diff() reports, gathered. */
struct edit_keys {
	char	*v[16];
	size_t	 n;
};

static int
edit_collect(const char *key, void *arg)
{
	struct edit_keys	*k = arg;

	ck_assert_uint_lt(k->n, NELEM(k->v));
	k->v[k->n++] = strdup(key);
	return 0;
}

static int
edit_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir_index_diff(a, b, by) as sorted keys joined by ' ', into out. */
static void
edit_diff(const dir_index_t *a, const dir_index_t *b, int by, char *out,
    size_t len)
{
	struct edit_keys	 k = { .n = 0 };

	ck_assert_int_eq(dir_index_diff(a, b, by, edit_collect, &k), 0);
	qsort(k.v, k.n, sizeof(k.v[0]), edit_strcmp);
	out[0] = '\0';
	for (size_t i = 0; i < k.n; i++) {
		snprintf(out + strlen(out), len - strlen(out), "%s%s",
		    i > 0 ? " " : "", k.v[i]);
		free(k.v[i]);
	}
}

/* A lookup by proxy of key in ix: its dn and target as a row has them. */
static void
edit_lookup(const dir_index_t *ix, const char *key, const char *dn,
    const char *target, const char *what)
{
	dir_result_t	 res = { .entries = NULL };
	char		 err[ERRLEN];
	int		 rc = dir_index_lookup(ix, P, key, &res, err,
			    sizeof(err));

	if (dn == NULL) {
		ck_assert_msg(rc == DIR_NOTFOUND, "%s: %s found", what, key);
		return;
	}
	ck_assert_msg(rc == DIR_FOUND && res.count == 1 &&
	    strcmp(res.entries[0].dn, dn) == 0 &&
	    strcmp(S(res.entries[0].target), S(target)) == 0,
	    "%s: %s: got %d, %zu entries, %s -> %s; want %s -> %s", what, key,
	    rc, res.count, res.count ? res.entries[0].dn : "-",
	    res.count ? S(res.entries[0].target) : "-", dn, S(target));
	dir_result_free(&res);
}

START_TEST(test_edit)
{
	dir_index_entry_t	*e[NELEM(edit_recs)];
	dir_index_t		*prev = NULL, *ix;
	char			 got[256];

	for (size_t i = 0; i < NELEM(edit_recs); i++)
		ck_assert_ptr_nonnull(e[i] = dir_index_entry_new(&edit_recs[i],
		    NULL));
	for (size_t r = 0; r < NELEM(edit_rows); r++) {
		const struct edit_row	*row = &edit_rows[r];
		dir_index_edit_t	*ed = dir_index_edit_new(prev, 4);
		char			 what[32];

		snprintf(what, sizeof(what), "row %zu", r);
		ck_assert_ptr_nonnull(ed);
		for (int i = 0; i < 2; i++)
			if (row->del[i] >= 0)
				ck_assert_int_eq(dir_index_edit_del(ed,
				    e[row->del[i]]), 0);
		for (int i = 0; i < 2; i++)
			if (row->add[i] >= 0)
				ck_assert_int_eq(dir_index_edit_add(ed,
				    e[row->add[i]]), 0);
		ck_assert_ptr_nonnull(ix = dir_index_edit_done(ed));
		edit_diff(prev, ix, P, got, sizeof(got));
		ck_assert_msg(strcmp(got, row->proxy_diff) == 0,
		    "%s: proxy diff '%s', want '%s'", what, got, row->proxy_diff);
		edit_diff(prev, ix, T, got, sizeof(got));
		ck_assert_msg(strcmp(got, row->target_diff) == 0,
		    "%s: target diff '%s', want '%s'", what, got,
		    row->target_diff);
		/* the same both ways round */
		edit_diff(ix, prev, P, got, sizeof(got));
		ck_assert_str_eq(got, row->proxy_diff);
		edit_lookup(ix, row->key, row->dn, row->target, what);
		ck_assert_uint_eq(dir_index_entries(ix), row->entries);
		if (r > 0) {
			const struct edit_row *before = &edit_rows[r - 1];

			edit_lookup(prev, before->key, before->dn,
			    before->target, "the generation before");
		}
		dir_index_release(prev);
		prev = ix;
	}
	dir_index_release(prev);
	/* the entries outlive every index that held them, and go with e[] */
	for (size_t i = 0; i < NELEM(edit_recs); i++)
		dir_index_entry_release(e[i]);
}
END_TEST

/*
 * 20,000 entries in 4,096 shards, then one target changed: the diff
 * reports that entry's keys only, and both generations answer as they
 * should; the diff against a built index (another shard count) finds
 * nothing but the change either.
 */
START_TEST(test_edit_many)
{
	enum { N = 20000, K = 12345 };
	dir_index_builder_t	*b = dir_index_builder_new();
	dir_index_entry_t	*e[N], *moved;
	dir_index_edit_t	*ed = dir_index_edit_new(NULL, 4096);
	dir_index_t		*ix, *ix2, *built;
	char			 dn[64], pri[64], tgt[64], want[256], got[256];
	const char		*keys[] = { pri };
	dir_index_record_t	 rec = { dn, pri, tgt, keys, 1, tgt, NULL, NULL };

	ck_assert_ptr_nonnull(ed);
	for (int i = 0; i < N; i++) {
		snprintf(dn, sizeof(dn), "cn=user%d", i);
		snprintf(pri, sizeof(pri), "user%d@contoso.com", i);
		snprintf(tgt, sizeof(tgt), "user%d@fourthcoffee.com", i);
		ck_assert_ptr_nonnull(e[i] = dir_index_entry_new(&rec, NULL));
		ck_assert(dir_index_entry_is(e[i], &rec));
		ck_assert_int_eq(dir_index_edit_add(ed, e[i]), 0);
		if (i != K)
			ck_assert_int_eq(dir_index_add(b, &rec), 0);
	}
	ck_assert_ptr_nonnull(ix = dir_index_edit_done(ed));
	snprintf(dn, sizeof(dn), "cn=user%d", K);
	snprintf(pri, sizeof(pri), "user%d@contoso.com", K);
	snprintf(tgt, sizeof(tgt), "moved%d@fourthcoffee.com", K);
	ck_assert(!dir_index_entry_is(e[K], &rec));
	ck_assert_ptr_nonnull(moved = dir_index_entry_new(&rec, NULL));
	ck_assert_int_eq(dir_index_add(b, &rec), 0);
	ck_assert_ptr_nonnull(built = dir_index_build(b));
	ck_assert_ptr_nonnull(ed = dir_index_edit_new(ix, 0));
	ck_assert_int_eq(dir_index_edit_del(ed, e[K]), 0);
	ck_assert_int_eq(dir_index_edit_add(ed, moved), 0);
	ck_assert_ptr_nonnull(ix2 = dir_index_edit_done(ed));

	edit_diff(ix, ix2, P, got, sizeof(got));
	snprintf(want, sizeof(want), "user%d@contoso.com", K);
	ck_assert_str_eq(got, want);
	edit_diff(ix, ix2, T, got, sizeof(got));
	snprintf(want, sizeof(want), "moved%d@fourthcoffee.com "
	    "user%d@fourthcoffee.com", K, K);
	ck_assert_str_eq(got, want);
	edit_diff(ix2, built, P, got, sizeof(got));
	ck_assert_str_eq(got, "");
	edit_diff(ix2, built, T, got, sizeof(got));
	ck_assert_str_eq(got, "");
	snprintf(want, sizeof(want), "moved%d@fourthcoffee.com", K);
	edit_lookup(ix2, pri, dn, want, "after");
	snprintf(want, sizeof(want), "user%d@fourthcoffee.com", K);
	edit_lookup(ix, pri, dn, want, "before");
	edit_lookup(ix2, "user17@contoso.com", "cn=user17",
	    "user17@fourthcoffee.com", "untouched");
	ck_assert_uint_eq(dir_index_entries(ix2), N);
	dir_index_release(ix);
	dir_index_release(ix2);
	dir_index_release(built);
	for (int i = 0; i < N; i++)
		dir_index_entry_release(e[i]);
	dir_index_entry_release(moved);
}
END_TEST

/* The entries a walk yields; walk number skip_walk leaves out v[skip]. */
struct make_set {
	dir_index_entry_t	**v;
	size_t			  n, skip;
	int			  walks, skip_walk;
};

/* dir_index_walk_fn over a make_set */
static dir_index_entry_t *
make_walk(void *arg, size_t *cursor)
{
	struct make_set	*set = arg;

	if (*cursor == 0)
		set->walks++;
	if (set->walks == set->skip_walk && *cursor == set->skip)
		(*cursor)++;
	return *cursor < set->n ? set->v[(*cursor)++] : NULL;
}

/*
 * An index made whole holds what an edit of the same entries in the same
 * order holds, row by row in the same order (shards long enough to be
 * merged, keys held by many entries), and a walk that changes between its
 * two passes makes no index.
 */
START_TEST(test_make)
{
	enum { N = 3000, SHARED = 50 };
	static const size_t	 shards[] = { 1, 4, 64, 4096 };
	dir_index_entry_t	*e[N + 1];
	struct make_set		 set = { e, N + 1, SIZE_MAX, 0, 0 };
	dir_index_t		*made, *edited;
	dir_index_edit_t	*ed;
	dir_result_t		 res = { .entries = NULL };
	char			 dn[64], key[64], own[64], tgt[64], got[256];
	char			 err[ERRLEN];
	const char		*keys[] = { key, own };
	dir_index_record_t	 rec = { dn, own, tgt, keys, 2, tgt, NULL,
				    NULL };

	for (int i = 0; i < N; i++) {
		snprintf(dn, sizeof(dn), "cn=e%d", i);
		snprintf(key, sizeof(key), "k%d@contoso.com", i % SHARED);
		snprintf(own, sizeof(own), "own%d@contoso.com", i);
		snprintf(tgt, sizeof(tgt), "t%d@fourthcoffee.com", i % 7);
		ck_assert_ptr_nonnull(e[i] = dir_index_entry_new(&rec, NULL));
	}
	/* nothing to find it by: left out, as an edit leaves it */
	rec.nproxy_keys = 0;
	rec.target_key = NULL;
	ck_assert_ptr_nonnull(e[N] = dir_index_entry_new(&rec, NULL));

	for (size_t k = 0; k < NELEM(shards); k++) {
		ck_assert_ptr_nonnull(ed = dir_index_edit_new(NULL, shards[k]));
		for (int i = 0; i <= N; i++)
			ck_assert_int_eq(dir_index_edit_add(ed, e[i]), 0);
		ck_assert_ptr_nonnull(edited = dir_index_edit_done(ed));
		set.walks = 0;
		ck_assert_ptr_nonnull(made = dir_index_make(shards[k],
		    make_walk, &set));
		ck_assert_int_eq(set.walks, 2);
		ck_assert_uint_eq(dir_index_entries(made), N);
		edit_diff(edited, made, P, got, sizeof(got));
		ck_assert_msg(got[0] == '\0', "%zu shards: %s", shards[k], got);
		edit_diff(edited, made, T, got, sizeof(got));
		ck_assert_msg(got[0] == '\0', "%zu shards: %s", shards[k], got);
		/* one key's entries in the order walked */
		ck_assert_int_eq(dir_index_lookup(made, P, "K7@contoso.com",
		    &res, err, sizeof(err)), DIR_FOUND);
		ck_assert_uint_eq(res.count, N / SHARED);
		for (size_t i = 0; i < res.count; i++) {
			snprintf(dn, sizeof(dn), "cn=e%zu", 7 + i * SHARED);
			ck_assert_str_eq(res.entries[i].dn, dn);
		}
		dir_result_free(&res);
		dir_index_release(made);
		dir_index_release(edited);
	}

	/* the second walk one entry short, or one entry more: no index */
	for (int w = 1; w <= 2; w++) {
		set.walks = 0;
		set.skip_walk = w;
		set.skip = N / 2;
		ck_assert_ptr_null(dir_index_make(64, make_walk, &set));
	}
	set.skip_walk = 0;
	/* not a power of two, none, too many */
	ck_assert_ptr_null(dir_index_make(3, make_walk, &set));
	ck_assert_ptr_null(dir_index_make(0, make_walk, &set));
	ck_assert_ptr_null(dir_index_make(DIR_INDEX_SHARDS_MAX * 2, make_walk,
	    &set));
	/* the index held references of its own: the entries are still ours */
	for (int i = 0; i <= N; i++) {
		ck_assert_uint_eq(atomic_load(&e[i]->refs), 1);
		dir_index_entry_release(e[i]);
	}
}
END_TEST

static Suite *
index_suite(void)
{
	Suite	*s = suite_create("index");
	TCase	*tc = tcase_create("index");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_lookup, 0, NELEM(lookup_rows));
	tcase_add_test(tc, test_bad_empties);
	tcase_add_test(tc, test_entries);
	tcase_add_test(tc, test_each);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_copied);
	tcase_add_test(tc, test_hold);
	tcase_add_test(tc, test_hold_threads);
	tcase_add_test(tc, test_builder_free);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_edit);
	tcase_add_test(tc, test_edit_many);
	tcase_add_test(tc, test_make);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(index_suite());
}
