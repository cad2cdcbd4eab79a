/*
 * check_replica_store.c - the replica's own copy (lib/replica/replica_store.c):
 * what put, delete, the seen marks and the sweep do to it and report,
 * that its index answers what it holds, and when it has changes that no
 * index has published yet; that an index is the one before with the
 * changes applied, leaves the one before as it was, and outlives the
 * store.
 */
#include "directory.h"
#include "replica_store.h"
#include "tcheck.h"

static const char *const bob_keys[] = { "bob@contoso.com",
	"bob.lee@contoso.com" };
static const char *const ann_keys[] = { "ann@contoso.com" };

static const dir_index_record_t bob = {
	"cn=Bob Lee,ou=contacts,dc=contoso,dc=com", "bob@contoso.com",
	"bob@fourthcoffee.com", bob_keys, 2, "bob@fourthcoffee.com", NULL,
	"bob.lee@contoso.com"
};
static const dir_index_record_t bob_moved = {
	"cn=Bob Lee,ou=contacts,dc=contoso,dc=com", "bob@contoso.com",
	"bob@northwind.example", bob_keys, 2, "bob@northwind.example", NULL,
	"bob.lee@contoso.com"
};
static const dir_index_record_t ann = {
	"cn=Ann,ou=users,dc=contoso,dc=com", "ann@contoso.com", NULL,
	ann_keys, 1, NULL, NULL, NULL
};
static const dir_index_record_t nothing = {
	"cn=Ann,ou=users,dc=contoso,dc=com", NULL, NULL, NULL, 0, NULL, NULL,
	NULL
};

/* Looks key up by proxy in an index of st: the target ("" for a user). */
static int
store_find(replica_store_t *st, const char *key, char *target,
    size_t len)
{
	dir_index_t	*ix = replica_store_index(st);
	dir_result_t	 res = { NULL, 0, 0, 0 };
	char		 err[256];
	int		 rc;

	ck_assert_ptr_nonnull(ix);
	rc = dir_index_lookup(ix, 0, key, &res, err, sizeof(err));
	if (rc == DIR_FOUND) {
		ck_assert_uint_eq(res.count, 1);
		snprintf(target, len, "%s", res.entries[0].target ?
		    res.entries[0].target : "");
	}
	dir_result_free(&res);
	dir_index_release(ix);
	return rc;
}

START_TEST(test_put_del)
{
	replica_store_t	*st = replica_store_new();
	char		 target[256];

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(replica_store_put(st, "uuid-bob", &bob), 1);
	ck_assert_int_eq(replica_store_put(st, "uuid-bob", &bob), 0);
	ck_assert(replica_store_holds(st, "uuid-bob", &bob));
	ck_assert(!replica_store_holds(st, "uuid-bob", &bob_moved));
	ck_assert_int_eq(replica_store_put(st, "uuid-ann", &ann), 1);
	ck_assert_uint_eq(replica_store_count(st), 2);
	ck_assert_int_eq(store_find(st, "BOB.Lee@contoso.com", target,
	    sizeof(target)), DIR_FOUND);
	ck_assert_str_eq(target, "bob@fourthcoffee.com");

	ck_assert_int_eq(replica_store_put(st, "uuid-bob", &bob_moved), 1);
	ck_assert_uint_eq(replica_store_count(st), 2);
	ck_assert_int_eq(store_find(st, "bob@contoso.com", target,
	    sizeof(target)), DIR_FOUND);
	ck_assert_str_eq(target, "bob@northwind.example");

	/* an entry left without addresses is gone */
	ck_assert_int_eq(replica_store_put(st, "uuid-ann", &nothing), 1);
	ck_assert_uint_eq(replica_store_count(st), 1);
	ck_assert_int_eq(store_find(st, "ann@contoso.com", target,
	    sizeof(target)), DIR_NOTFOUND);
	ck_assert_int_eq(replica_store_put(st, "uuid-ann", &nothing), 0);

	ck_assert_int_eq(replica_store_del(st, "uuid-bob"), 1);
	ck_assert_int_eq(replica_store_del(st, "uuid-bob"), 0);
	ck_assert_uint_eq(replica_store_count(st), 0);
	ck_assert_int_eq(store_find(st, "bob@contoso.com", target,
	    sizeof(target)), DIR_NOTFOUND);
	replica_store_free(st);
	replica_store_free(NULL);
}
END_TEST

/* A round: what is neither put nor marked seen is swept. */
START_TEST(test_round_sweep)
{
	replica_store_t	*st = replica_store_new();

	ck_assert_int_eq(replica_store_put(st, "a", &bob), 1);
	ck_assert_int_eq(replica_store_put(st, "b", &ann), 1);
	ck_assert_uint_eq(replica_store_sweep(st), 0);	/* both this round */
	replica_store_round(st);
	ck_assert_int_eq(replica_store_seen(st, "b"), 1);
	ck_assert_int_eq(replica_store_seen(st, "nobody"), 0);
	ck_assert_uint_eq(replica_store_sweep(st), 1);
	ck_assert_uint_eq(replica_store_count(st), 1);
	ck_assert(replica_store_holds(st, "b", &ann));
	ck_assert(!replica_store_holds(st, "a", &bob));

	/* an unchanged put marks it seen, too */
	replica_store_round(st);
	ck_assert_int_eq(replica_store_put(st, "b", &ann), 0);
	ck_assert_uint_eq(replica_store_sweep(st), 0);
	replica_store_round(st);
	ck_assert_uint_eq(replica_store_sweep(st), 1);
	ck_assert_uint_eq(replica_store_count(st), 0);
	replica_store_free(st);
}
END_TEST

/* Many records: the table grows and keeps every one. */
START_TEST(test_many)
{
	replica_store_t	*st = replica_store_new();
	char		 id[32], target[256];

	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		ck_assert_int_eq(replica_store_put(st, id, i == 4321 ? &bob :
		    &ann), 1);
	}
	ck_assert_uint_eq(replica_store_count(st), 5000);
	ck_assert(replica_store_holds(st, "id-4321", &bob));
	ck_assert(replica_store_holds(st, "id-17", &ann));
	ck_assert_int_eq(store_find(st, "bob@contoso.com", target,
	    sizeof(target)), DIR_FOUND);
	replica_store_free(st);
}
END_TEST

/*
 * Changed since the last index: what a sync publishes by.  Each step
 * is done in order; after it, the store must say dirty or not.  "index"
 * builds the index to publish, which makes the store clean.
 */
enum dirty_op { D_PUT, D_DEL, D_ROUND, D_SEEN, D_SWEEP, D_INDEX };

static const struct dirty_step {
	enum dirty_op		 op;
	const char		*id;
	const dir_index_record_t *rec;
	int			 rc;	/* what the call returns (D_INDEX: 0) */
	int			 dirty;
	const char		*why;
} dirty_steps[] = {
	{ D_INDEX, NULL, NULL, 0, 0, "a new store: nothing to publish" },
	{ D_PUT, "a", &bob, 1, 1, "an add" },
	{ D_PUT, "a", &bob, 0, 1, "the same again: still unpublished" },
	{ D_INDEX, NULL, NULL, 0, 0, "published" },
	/* a sync that sees again what a failed one already applied */
	{ D_PUT, "a", &bob, 0, 0, "unchanged after the index" },
	{ D_PUT, "a", &bob_moved, 1, 1, "a change" },
	{ D_INDEX, NULL, NULL, 0, 0, "published" },
	{ D_DEL, "nobody", NULL, 0, 0, "deleting what is not there" },
	{ D_PUT, "b", &nothing, 0, 0, "an entry without addresses, unknown" },
	{ D_PUT, "b", &ann, 1, 1, "another add" },
	{ D_INDEX, NULL, NULL, 0, 0, "published" },
	{ D_PUT, "b", &nothing, 1, 1, "its addresses removed" },
	{ D_INDEX, NULL, NULL, 0, 0, "published" },
	{ D_DEL, "a", NULL, 1, 1, "a deletion" },
	{ D_INDEX, NULL, NULL, 0, 0, "published" },
	{ D_PUT, "c", &ann, 1, 1, "an add" },
	{ D_INDEX, NULL, NULL, 0, 0, "published" },
	{ D_ROUND, NULL, NULL, 0, 0, "a new round" },
	{ D_SEEN, "c", NULL, 1, 0, "seen" },
	{ D_SWEEP, NULL, NULL, 0, 0, "a sweep that removes nothing" },
	{ D_ROUND, NULL, NULL, 0, 0, "a new round" },
	{ D_SWEEP, NULL, NULL, 1, 1, "a sweep that removes one" },
};

START_TEST(test_dirty)
{
	replica_store_t	*st = replica_store_new();
	dir_index_t	*ix;
	int		 rc = 0;

	ck_assert_ptr_nonnull(st);
	for (size_t i = 0; i < NELEM(dirty_steps); i++) {
		const struct dirty_step	*d = &dirty_steps[i];

		switch (d->op) {
		case D_PUT:
			rc = replica_store_put(st, d->id, d->rec);
			break;
		case D_DEL:
			rc = replica_store_del(st, d->id);
			break;
		case D_ROUND:
			replica_store_round(st);
			rc = 0;
			break;
		case D_SEEN:
			rc = replica_store_seen(st, d->id);
			break;
		case D_SWEEP:
			rc = (int)replica_store_sweep(st);
			break;
		case D_INDEX:
			ck_assert_ptr_nonnull(ix = replica_store_index(st));
			dir_index_release(ix);
			rc = 0;
			break;
		}
		ck_assert_msg(rc == d->rc, "step %zu (%s): returned %d, want %d",
		    i, d->why, rc, d->rc);
		ck_assert_msg(replica_store_dirty(st) == d->dirty,
		    "step %zu (%s): dirty %d, want %d", i, d->why,
		    replica_store_dirty(st), d->dirty);
	}
	replica_store_free(st);
}
END_TEST

/* The keys dir_index_diff() reports, joined by ' ' in the order given. */
static int
store_diff_key(const char *key, void *arg)
{
	char	*out = arg;
	size_t	 len = strlen(out);

	snprintf(out + len, 256 - len, "%s%s", len > 0 ? " " : "", key);
	return 0;
}

/* Looks key up by proxy in ix: the target ("" for a user, "-": none). */
static const char *
store_target(const dir_index_t *ix, const char *key, char *buf, size_t len)
{
	dir_result_t	 res = { NULL, 0, 0, 0 };
	char		 err[256];

	if (dir_index_lookup(ix, 0, key, &res, err, sizeof(err)) != DIR_FOUND)
		return "-";
	snprintf(buf, len, "%s", res.entries[0].target ?
	    res.entries[0].target : "");
	dir_result_free(&res);
	return buf;
}

/*
 * Two generations: the second is the first with a change and a deletion
 * applied; the first still answers as it did, the diff names the changed
 * keys only, and both outlive the store.
 */
START_TEST(test_generations)
{
	replica_store_t	*st = replica_store_new();
	dir_index_t	*ix1, *ix2, *ix3;
	char		 diff[256] = "", buf[256];

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(replica_store_put(st, "uuid-bob", &bob), 1);
	ck_assert_int_eq(replica_store_put(st, "uuid-ann", &ann), 1);
	ck_assert_ptr_nonnull(ix1 = replica_store_index(st));
	ck_assert_int_eq(replica_store_put(st, "uuid-bob", &bob_moved), 1);
	ck_assert_int_eq(replica_store_del(st, "uuid-ann"), 1);
	ck_assert_ptr_nonnull(ix2 = replica_store_index(st));
	ck_assert_ptr_ne(ix1, ix2);
	/* nothing changed since: the same index again */
	ck_assert_ptr_nonnull(ix3 = replica_store_index(st));
	ck_assert_ptr_eq(ix2, ix3);
	dir_index_release(ix3);
	replica_store_free(st);

	ck_assert_str_eq(store_target(ix1, "bob.lee@contoso.com", buf,
	    sizeof(buf)), "bob@fourthcoffee.com");
	ck_assert_str_eq(store_target(ix1, "ann@contoso.com", buf,
	    sizeof(buf)), "");
	ck_assert_str_eq(store_target(ix2, "bob.lee@contoso.com", buf,
	    sizeof(buf)), "bob@northwind.example");
	ck_assert_str_eq(store_target(ix2, "ann@contoso.com", buf,
	    sizeof(buf)), "-");
	ck_assert_uint_eq(dir_index_entries(ix1), 2);
	ck_assert_uint_eq(dir_index_entries(ix2), 1);
	ck_assert_int_eq(dir_index_diff(ix1, ix2, 1, store_diff_key, diff), 0);
	ck_assert_msg(strcmp(diff, "bob@fourthcoffee.com "
	    "bob@northwind.example") == 0 || strcmp(diff,
	    "bob@northwind.example bob@fourthcoffee.com") == 0,
	    "target diff '%s'", diff);
	dir_index_release(ix1);
	dir_index_release(ix2);
}
END_TEST

/*
 * Growing from a few records to many: the index is built again with more
 * shards when the old ones are too full, and answers for every record.
 */
START_TEST(test_outgrow)
{
	replica_store_t	*st = replica_store_new();
	dir_index_t	*ix;
	char		 id[32], key[64], tgt[64], buf[256];
	const char	*keys[] = { key };
	dir_index_record_t rec = { id, key, tgt, keys, 1, tgt, NULL, NULL };

	ck_assert_ptr_nonnull(st);
	for (int i = 0; i < 20000; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		snprintf(key, sizeof(key), "user%d@contoso.com", i);
		snprintf(tgt, sizeof(tgt), "user%d@fourthcoffee.com", i);
		ck_assert_int_eq(replica_store_put(st, id, &rec), 1);
		/* an index after the first, the tenth, the 100th... put */
		if (i == 0 || i == 9 || i == 99 || i == 999 || i == 9999) {
			ck_assert_ptr_nonnull(ix = replica_store_index(st));
			dir_index_release(ix);
		}
	}
	ck_assert_ptr_nonnull(ix = replica_store_index(st));
	ck_assert_uint_eq(dir_index_entries(ix), 20000);
	for (int i = 0; i < 20000; i += 97) {
		snprintf(key, sizeof(key), "user%d@contoso.com", i);
		snprintf(tgt, sizeof(tgt), "user%d@fourthcoffee.com", i);
		ck_assert_str_eq(store_target(ix, key, buf, sizeof(buf)), tgt);
	}
	dir_index_release(ix);
	replica_store_free(st);
}
END_TEST

/*
 * A sweep of many records, every third one seen: the others go, the seen
 * ones stay and are found, across the table's collisions and its wrap.
 */
START_TEST(test_sweep_many)
{
	replica_store_t	*st = replica_store_new();
	char		 id[32];

	ck_assert_ptr_nonnull(st);
	for (int i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		ck_assert_int_eq(replica_store_put(st, id, &ann), 1);
	}
	replica_store_round(st);
	for (int i = 0; i < 3000; i += 3) {
		snprintf(id, sizeof(id), "id-%d", i);
		ck_assert_int_eq(replica_store_seen(st, id), 1);
	}
	ck_assert_uint_eq(replica_store_sweep(st), 2000);
	ck_assert_uint_eq(replica_store_count(st), 1000);
	for (int i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		ck_assert_msg(replica_store_holds(st, id, &ann) == (i % 3 == 0),
		    "%s after the sweep", id);
	}
	/* and deleted one by one, the table empties */
	for (int i = 0; i < 3000; i += 3) {
		snprintf(id, sizeof(id), "id-%d", i);
		ck_assert_int_eq(replica_store_del(st, id), 1);
	}
	ck_assert_uint_eq(replica_store_count(st), 0);
	replica_store_free(st);
}
END_TEST

START_TEST(test_dn_id)
{
	char	*id = replica_store_dn_id("CN=Bob Lee,OU=Contacts,DC=contoso");

	ck_assert_str_eq(id, "cn=bob lee,ou=contacts,dc=contoso");
	free(id);
}
END_TEST

static Suite *
replica_store_suite(void)
{
	Suite	*s = suite_create("replica_store");
	TCase	*tc = tcase_create("replica_store");

	tcase_add_test(tc, test_put_del);
	tcase_add_test(tc, test_round_sweep);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_dirty);
	tcase_add_test(tc, test_generations);
	tcase_add_test(tc, test_outgrow);
	tcase_add_test(tc, test_sweep_many);
	tcase_add_test(tc, test_dn_id);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(replica_store_suite());
}
