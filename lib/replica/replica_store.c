/*
 * replica_store.c - see replica_store.h.  A chained hash table of
 * records by identity; a record is its identity and the index's own
 * entry (dir_index_entry_t, one reference): the store and every
 * generation of the index share that entry, no string is copied twice.
 *
 * What changed since the last index is kept as a list of (old entry, new
 * entry) pairs; replica_store_index() applies them to that index as one
 * edit (dir_index_edit_new()), so a sync costs what it changed.  The
 * first index, and one whose shards have grown too full for the store's
 * size, is built whole from the records instead.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "replica_store.h"

#define STORE_BUCKETS_MIN	1024
#define STORE_KEYS_PER_SHARD	8	/* a whole build's aim */
#define STORE_KEYS_REBUILD	64	/* a shard's average that rebuilds */

struct store_rec {
	struct store_rec	*next;
	uint64_t		 hash;
	unsigned		 round;		/* last seen in this round */
	dir_index_entry_t	*entry;		/* one reference */
	char			 id[];
};

/* One change since the last index; each entry one reference, or NULL. */
struct store_change {
	dir_index_entry_t	*old, *new;
};

struct replica_store {
	struct store_rec	**buckets;
	size_t			  nbuckets;
	size_t			  count;
	size_t			  nkeys;	/* of every record */
	unsigned		  round;
	int			  dirty;	/* changed since the last index */
	int			  rebuild;	/* changes not noted: build whole */
	int			  whole;	/* the last index was built whole */
	dir_index_t		 *ix;		/* the last index; one reference */
	size_t			  nshards;	/* its shards a table */
	struct store_change	 *changes;	/* since ix (none without ix) */
	size_t			  nchanges, maxchanges;
};

replica_store_t *
replica_store_new(void)
{
	replica_store_t	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->nbuckets = STORE_BUCKETS_MIN;
	if ((st->buckets = calloc(st->nbuckets, sizeof(*st->buckets))) ==
	    NULL) {
		free(st);
		return NULL;
	}
	return st;
}

/* Forgets the changes since the last index. */
static void
store_changes_clear(replica_store_t *st)
{
	for (size_t i = 0; i < st->nchanges; i++) {
		dir_index_entry_release(st->changes[i].old);
		dir_index_entry_release(st->changes[i].new);
	}
	st->nchanges = 0;
}

/* Frees one record and its reference to the entry. */
static void
store_rec_free(struct store_rec *r)
{
	dir_index_entry_release(r->entry);
	free(r);
}

void
replica_store_free(replica_store_t *st)
{
	struct store_rec	*r, *next;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nbuckets; i++)
		for (r = st->buckets[i]; r != NULL; r = next) {
			next = r->next;
			store_rec_free(r);
		}
	store_changes_clear(st);
	free(st->changes);
	dir_index_release(st->ix);
	free(st->buckets);
	free(st);
}

size_t
replica_store_count(const replica_store_t *st)
{
	return st->count;
}

/* Returns the link that points at the record of id (or at NULL). */
static struct store_rec **
store_link(const replica_store_t *st, const char *id, uint64_t hash)
{
	struct store_rec	**link = &st->buckets[hash % st->nbuckets];

	while (*link != NULL && ((*link)->hash != hash ||
	    strcmp((*link)->id, id) != 0))
		link = &(*link)->next;
	return link;
}

/* Doubles the table when it is full; a failure leaves it as it is. */
static void
store_grow(replica_store_t *st)
{
	struct store_rec	**nb, *r, *next;
	size_t			  n = st->nbuckets * 2;

	if (st->count < st->nbuckets || n > SIZE_MAX / sizeof(*nb) ||
	    (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i < st->nbuckets; i++)
		for (r = st->buckets[i]; r != NULL; r = next) {
			next = r->next;
			r->next = nb[r->hash % n];
			nb[r->hash % n] = r;
		}
	free(st->buckets);
	st->buckets = nb;
	st->nbuckets = n;
}

/* The number of keys of the entry e (NULL: 0). */
static size_t
store_keys(const dir_index_entry_t *e)
{
	return e == NULL ? 0 : dir_index_entry_keys(e);
}

/*
 * Notes that old became new (either may be NULL), taking a reference to
 * each, so that the next index applies it.  When there is no memory to
 * note it, the next index is built whole instead.
 */
static void
store_note(replica_store_t *st, dir_index_entry_t *old, dir_index_entry_t *new)
{
	st->nkeys = st->nkeys - store_keys(old) + store_keys(new);
	st->dirty = 1;
	if (st->ix == NULL || st->rebuild)
		return;			/* the next index is built whole */
	if (st->nchanges == st->maxchanges) {
		size_t			 max = st->maxchanges ?
					    st->maxchanges * 2 : 64;
		struct store_change	*v;

		if (max > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(st->changes, max * sizeof(*v))) == NULL) {
			store_changes_clear(st);
			st->rebuild = 1;
			return;
		}
		st->changes = v;
		st->maxchanges = max;
	}
	st->changes[st->nchanges++] = (struct store_change){
	    dir_index_entry_hold(old), dir_index_entry_hold(new) };
}

int
replica_store_put(replica_store_t *st, const char *id,
    const dir_index_record_t *rec)
{
	uint64_t		  hash = hash_string(id, 0);
	struct store_rec	**link, *r;
	dir_index_entry_t	 *e;
	size_t			  len = strlen(id) + 1;

	if (rec->nproxy_keys == 0 && rec->target_key == NULL)
		return replica_store_del(st, id);
	link = store_link(st, id, hash);
	if (*link != NULL && dir_index_entry_is((*link)->entry, rec)) {
		(*link)->round = st->round;
		return 0;
	}
	if ((e = dir_index_entry_new(rec)) == NULL)
		return -1;
	if (*link != NULL) {
		store_note(st, (*link)->entry, e);
		dir_index_entry_release((*link)->entry);
		(*link)->entry = e;
		(*link)->round = st->round;
		return 1;
	}
	if ((r = malloc(sizeof(*r) + len)) == NULL) {
		dir_index_entry_release(e);
		return -1;
	}
	store_note(st, NULL, e);
	r->next = NULL;
	r->hash = hash;
	r->round = st->round;
	r->entry = e;
	memcpy(r->id, id, len);
	*link = r;
	st->count++;
	store_grow(st);
	return 1;
}

int
replica_store_holds(const replica_store_t *st, const char *id,
    const dir_index_record_t *rec)
{
	struct store_rec	**link = store_link(st, id, hash_string(id, 0));

	return *link != NULL && dir_index_entry_is((*link)->entry, rec);
}

/* Unlinks and frees the record at link, noting the deletion; returns 1. */
static int
store_unlink(replica_store_t *st, struct store_rec **link)
{
	struct store_rec	*r = *link;

	store_note(st, r->entry, NULL);
	*link = r->next;
	store_rec_free(r);
	st->count--;
	return 1;
}

int
replica_store_del(replica_store_t *st, const char *id)
{
	struct store_rec	**link = store_link(st, id, hash_string(id, 0));

	if (*link == NULL)
		return 0;
	return store_unlink(st, link);
}

int
replica_store_seen(replica_store_t *st, const char *id)
{
	struct store_rec	**link = store_link(st, id, hash_string(id, 0));

	if (*link == NULL)
		return 0;
	(*link)->round = st->round;
	return 1;
}

void
replica_store_round(replica_store_t *st)
{
	st->round++;
}

size_t
replica_store_sweep(replica_store_t *st)
{
	struct store_rec	**link, *r;
	size_t			  n = 0;

	for (size_t i = 0; i < st->nbuckets; i++)
		for (link = &st->buckets[i]; (r = *link) != NULL; ) {
			if (r->round == st->round) {
				link = &r->next;
				continue;
			}
			n += (size_t)store_unlink(st, link);
		}
	return n;
}

/* An index of every record, of shards for the store's size; NULL: no memory. */
static dir_index_t *
store_build(replica_store_t *st, size_t *nshards)
{
	dir_index_edit_t	*ed;
	const struct store_rec	*r;

	*nshards = 1;
	while (*nshards < DIR_INDEX_SHARDS_MAX &&
	    *nshards * STORE_KEYS_PER_SHARD < st->nkeys)
		*nshards *= 2;
	if ((ed = dir_index_edit_new(NULL, *nshards)) == NULL)
		return NULL;
	for (size_t i = 0; i < st->nbuckets; i++)
		for (r = st->buckets[i]; r != NULL; r = r->next)
			if (dir_index_edit_add(ed, r->entry) == -1) {
				dir_index_edit_free(ed);
				return NULL;
			}
	return dir_index_edit_done(ed);
}

/* The last index with the changes since applied; NULL: no memory. */
static dir_index_t *
store_apply(replica_store_t *st)
{
	dir_index_edit_t	*ed;

	if ((ed = dir_index_edit_new(st->ix, 0)) == NULL)
		return NULL;
	for (size_t i = 0; i < st->nchanges; i++) {
		const struct store_change *c = &st->changes[i];

		if ((c->old != NULL && dir_index_edit_del(ed, c->old) == -1) ||
		    (c->new != NULL && dir_index_edit_add(ed, c->new) == -1)) {
			dir_index_edit_free(ed);
			return NULL;
		}
	}
	return dir_index_edit_done(ed);
}

dir_index_t *
replica_store_index(replica_store_t *st)
{
	dir_index_t	*ix;
	size_t		 nshards = st->nshards;
	int		 whole;

	if (st->ix != NULL && !st->dirty)
		return dir_index_hold(st->ix);
	whole = st->ix == NULL || st->rebuild ||
	    (st->nshards < DIR_INDEX_SHARDS_MAX &&
	    st->nkeys > st->nshards * STORE_KEYS_REBUILD);
	ix = whole ? store_build(st, &nshards) : store_apply(st);
	if (ix == NULL)
		return NULL;
	store_changes_clear(st);
	dir_index_release(st->ix);
	st->ix = dir_index_hold(ix);
	st->nshards = nshards;
	st->dirty = 0;
	st->rebuild = 0;
	st->whole = whole;
	return ix;
}

int
replica_store_last_whole(const replica_store_t *st)
{
	return st->whole;
}

int
replica_store_dirty(const replica_store_t *st)
{
	return st->dirty;
}

char *
replica_store_dn_id(const char *dn)
{
	char	*id = strdup(dn);

	for (char *p = id; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return id;
}
